//! The `proxy` setting and the proxy URLs it and the environment (`https_proxy`, ...) hold.
//!
//! Only HTTP proxies that tunnel with `CONNECT` are supported (what curl and every corporate
//! proxy speak). A `socks4://`, `socks5://` or `https://` proxy is refused with
//! [`ErrorKind::InvalidConfig`] naming it, never silently bypassed: a PBX told to use a proxy
//! that then connects directly may be blocked by the firewall, or leak around it.
//!
//! Like curl: a URL without a scheme is `http://`, without a port is port 1080, and its
//! credentials (`http://user:pa%40ss@proxy:3128`) are percent-decoded and sent as
//! `Proxy-Authorization: Basic`. Credentials never appear in `Debug`, `Display` or an error:
//! a proxy is named by its host and port only.

use super::Secret;
use crate::error::{Error, ErrorKind, Result};
use std::fmt;

/// The port of a proxy URL that names none (curl's default).
const DEFAULT_PROXY_PORT: u16 = 1080;

/// What the `proxy` key (`CBSTATUS_PROXY`) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxySetting {
    /// `none`: connect directly, whatever the environment's proxy variables say.
    Direct,
    /// Connect through this proxy, whatever the environment says.
    Via(ProxyUrl),
}

impl ProxySetting {
    /// Parse the key's value: `none`, or a proxy URL.
    pub fn parse(value: &str) -> Result<ProxySetting> {
        if value.trim().eq_ignore_ascii_case("none") {
            return Ok(ProxySetting::Direct);
        }
        ProxyUrl::parse(value, "proxy").map(ProxySetting::Via)
    }
}

/// An HTTP proxy: where to connect and what to authenticate with.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// A host name, an IPv4 address, or an IPv6 address in brackets (`[::1]`).
    host: String,
    port: u16,
    /// The whole `Proxy-Authorization` value (`Basic ...`), when the URL has credentials.
    authorization: Option<Secret>,
}

impl ProxyUrl {
    /// Parse a proxy URL found in `source` (the key `proxy`, or an environment variable's
    /// name), which the error messages name.
    pub fn parse(text: &str, source: &str) -> Result<ProxyUrl> {
        let text = text.trim();
        let invalid =
            |why: String| Error::new(ErrorKind::InvalidConfig, format!("{source}: {why}"));
        if text.is_empty() {
            return Err(invalid(
                "is empty; set a proxy URL such as http://proxy:3128".into(),
            ));
        }
        if text.chars().any(|c| c.is_control() || c == ' ') {
            return Err(invalid(
                "holds spaces or control characters; set a proxy URL such as http://proxy:3128"
                    .into(),
            ));
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("http".to_string(), text),
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        // Everything after the last `@` is the host and port: never show what is before it.
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, authority),
        };
        let named = format!("{scheme}://{host_port}");
        match scheme.as_str() {
            "http" => {}
            "socks4" | "socks4a" | "socks5" | "socks5h" => {
                return Err(invalid(format!(
                    "{named} is a SOCKS proxy, which cbstatus does not support; use an HTTP \
                     proxy (http://host:port), or proxy = none (CBSTATUS_PROXY=none) to ignore \
                     the environment's proxy variables"
                )))
            }
            "https" => {
                return Err(invalid(format!(
                    "{named}: a TLS connection to the proxy itself is not supported; use its \
                     http:// address (the connection to Mindful is still TLS, end to end, \
                     inside the tunnel)"
                )))
            }
            _ => {
                return Err(invalid(format!(
                    "{named}: unknown proxy scheme {scheme:?}; use http://host:port"
                )))
            }
        }
        if !path.is_empty() && path != "/" {
            return Err(invalid(format!(
                "{named}: a proxy URL has no path, query or fragment; use http://host:port"
            )));
        }
        let (host, port) = split_host_port(host_port)
            .ok_or_else(|| invalid(format!("{named}: expected http://host:port")))?;
        let authorization = userinfo
            .filter(|userinfo| !userinfo.is_empty())
            .map(|userinfo| {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let mut credentials = percent_decode(user);
                credentials.push(b':');
                credentials.extend(percent_decode(password));
                Secret::new(format!("Basic {}", base64(&credentials)))
            });
        Ok(ProxyUrl {
            host,
            port,
            authorization,
        })
    }

    /// The host, as it goes in a URL (an IPv6 address in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `Proxy-Authorization` header value, if the URL had credentials.
    pub fn authorization(&self) -> Option<&Secret> {
        self.authorization.as_ref()
    }
}

/// `host:port`: how a proxy is named in logs and errors (never with its credentials).
impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyUrl")
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "credentials",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// `host[:port]` or `[v6][:port]`: the host (lower case, IPv6 in brackets) and the port.
fn split_host_port(text: &str) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        (format!("[{v6}]"), port)
    } else {
        let (host, port) = match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        };
        let valid = !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
        if !valid {
            return None;
        }
        (host.to_string(), port)
    };
    let port = match port {
        None => DEFAULT_PROXY_PORT,
        Some(port) => port.parse::<u16>().ok().filter(|p| *p > 0)?,
    };
    Some((host.to_ascii_lowercase(), port))
}

/// `%XX` escapes decoded; anything else (a lone `%` too) kept as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Standard base64 with padding (RFC 4648), for `Proxy-Authorization: Basic`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain}");
        }
    }

    #[test]
    fn urls_like_curl() {
        let p = ProxyUrl::parse("http://proxy.corp:3128", "proxy").unwrap();
        assert_eq!(
            (p.host(), p.port(), p.authorization()),
            ("proxy.corp", 3128, None)
        );
        let p = ProxyUrl::parse("Proxy.Corp", "proxy").unwrap();
        assert_eq!(
            p.to_string(),
            "proxy.corp:1080",
            "no scheme: http, port 1080"
        );
        let p = ProxyUrl::parse("HTTP://[::1]:8080/", "proxy").unwrap();
        assert_eq!(p.to_string(), "[::1]:8080");
        let p = ProxyUrl::parse("http://us%40er:p%3Ass%25@10.0.0.1:3128", "proxy").unwrap();
        assert_eq!(
            p.authorization().unwrap().expose(),
            format!("Basic {}", base64(b"us@er:p:ss%"))
        );
        assert_eq!(p.to_string(), "10.0.0.1:3128");
        assert!(!format!("{p:?}").contains("Basic"));
        let p = ProxyUrl::parse("http://user@proxy:1", "proxy").unwrap();
        assert_eq!(
            p.authorization().unwrap().expose(),
            format!("Basic {}", base64(b"user:"))
        );
        assert_eq!(ProxySetting::parse(" NONE ").unwrap(), ProxySetting::Direct);
    }

    #[test]
    fn refused_values_name_the_proxy_never_its_credentials() {
        for (value, says) in [
            (
                "socks5://u:secretpw@proxy:1080",
                "socks5://proxy:1080 is a SOCKS proxy",
            ),
            (
                "socks5h://proxy:1080",
                "socks5h://proxy:1080 is a SOCKS proxy",
            ),
            ("socks4://proxy", "SOCKS"),
            ("SOCKS4A://proxy", "SOCKS"),
            (
                "https://u:secretpw@proxy:443",
                "https://proxy:443: a TLS connection",
            ),
            ("ftp://proxy", "unknown proxy scheme"),
            ("http://u:secretpw@proxy:3128/path", "no path"),
            ("http://u:secretpw@proxy:99999", "expected http://host:port"),
            ("http://u:secretpw@proxy:0", "expected"),
            ("http://u:secretpw@", "expected"),
            ("http://pro xy", "spaces"),
            ("http://[zz]:1", "expected"),
            ("http://a/b:c@proxy:1", "no path"),
        ] {
            let err = ProxyUrl::parse(value, "HTTPS_PROXY").unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{value}");
            assert!(err.detail().starts_with("HTTPS_PROXY: "), "{err}");
            assert!(err.detail().contains(says), "{value}: {err}");
            assert!(!err.detail().contains("secretpw"), "{value}: {err}");
        }
    }
}
