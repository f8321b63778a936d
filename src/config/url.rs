//! The organization endpoint URL, as copied from the Mindful UI.

use crate::error::{Error, ErrorKind, Result};
use std::fmt;

/// A validated Mindful organization URL, e.g.
/// `https://acme.scheduler-rt.getmindful.com/api/organization/562a519b54f83b56`.
///
/// Accepted with or without a trailing `/callback_status` (or `/cancel_callback`) and `/`.
/// `https://` is required except for loopback hosts (`localhost`, `127.0.0.0/8`, `[::1]`),
/// where plain `http://` is allowed for simulators and local proxies.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiUrl {
    /// `scheme://host[:port]`.
    origin: String,
    /// The organization path without a trailing slash, e.g. `/api/organization/562a...`.
    path: String,
}

impl ApiUrl {
    /// Validate and normalise a URL.
    pub fn parse(text: &str) -> Result<ApiUrl> {
        let bad = |why: &str| {
            Err(Error::new(
                ErrorKind::InvalidConfig,
                format!("api_url {}: {why}", redact_url(text)),
            ))
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::new(
                ErrorKind::NotConfigured,
                "api_url is empty: set CBSTATUS_API_URL to the organization endpoint URL from the Mindful UI",
            ));
        }
        if text.chars().any(|c| c.is_control() || c == ' ') {
            return bad("contains spaces or control characters");
        }
        let lower = text.to_ascii_lowercase();
        let (scheme, rest) = if lower.starts_with("https://") {
            ("https", &text[8..])
        } else if lower.starts_with("http://") {
            ("http", &text[7..])
        } else {
            return bad("must start with https://");
        };
        if rest.contains(['?', '#']) {
            return bad("must not contain a query (?) or fragment (#)");
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return bad("must not contain credentials (user@); set CBSTATUS_API_TOKEN instead");
        }
        let host = host_of(authority);
        if host.is_empty() {
            return bad("has no host name");
        }
        if scheme == "http" && !is_loopback(host) {
            return bad("plain http:// is only allowed to loopback addresses; use https://");
        }
        let mut path = path.trim_end_matches('/');
        for suffix in ["/callback_status", "/cancel_callback"] {
            if let Some(stripped) = path.strip_suffix(suffix) {
                path = stripped.trim_end_matches('/');
            }
        }
        Ok(ApiUrl {
            origin: format!("{scheme}://{}", authority.to_ascii_lowercase()),
            path: path.to_string(),
        })
    }

    /// `scheme://host[:port]`, the base of the widget endpoints.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The `callback_status` endpoint.
    pub fn callback_status(&self) -> String {
        format!("{}{}/callback_status", self.origin, self.path)
    }

    /// The `cancel_callback` endpoint.
    pub fn cancel_callback(&self) -> String {
        format!("{}{}/cancel_callback", self.origin, self.path)
    }

    /// The widget status endpoint for `widget_id`.
    pub fn widget(&self, widget_id: &str) -> String {
        format!("{}/api/widget/{widget_id}", self.origin)
    }
}

impl fmt::Display for ApiUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.origin, self.path)
    }
}

impl fmt::Debug for ApiUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiUrl({self})")
    }
}

/// The host part of `host[:port]` / `[v6]:port`.
fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

/// A URL safe to show in messages: anything before an `@` is dropped, and it is shortened.
fn redact_url(text: &str) -> String {
    let shown = match text.find('@') {
        Some(i) => format!("<redacted>@{}", &text[i + 1..]),
        None => text.to_string(),
    };
    shown
        .chars()
        .take(200)
        .collect::<String>()
        .escape_debug()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ui_url_with_or_without_endpoint() {
        let base = "https://acme.scheduler-rt.getmindful.com/api/organization/562a519b54f83b56";
        for input in [
            base.to_string(),
            format!("{base}/"),
            format!("{base}/callback_status"),
            format!("{base}/callback_status/"),
            format!("  {base}/cancel_callback "),
        ] {
            let url = ApiUrl::parse(&input).unwrap();
            assert_eq!(url.callback_status(), format!("{base}/callback_status"));
            assert_eq!(url.cancel_callback(), format!("{base}/cancel_callback"));
            assert_eq!(
                url.widget("w1"),
                "https://acme.scheduler-rt.getmindful.com/api/widget/w1"
            );
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "http://127.0.0.1:8080/api/organization/1",
            "http://localhost/api/organization/1",
            "http://[::1]:9/api/organization/1",
            "http://127.8.9.10/x",
        ] {
            assert!(ApiUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://acme.example.com/api/organization/1",
            "http://10.0.0.1/api",
            "http://127.0.0.1.evil.com/api",
            "ftp://x/y",
            "acme.example.com",
            "https://user:pw@acme.example.com/x",
            "https:///x",
            "https://a.example.com/x?y=1",
        ] {
            let err = ApiUrl::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{bad}");
            assert!(
                !err.detail().contains("pw@"),
                "credentials leaked: {}",
                err.detail()
            );
        }
        assert_eq!(
            ApiUrl::parse(" ").unwrap_err().kind(),
            ErrorKind::NotConfigured
        );
    }
}
