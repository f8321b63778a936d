//! Reaching the API through an HTTP proxy (issue 19, class 1), as curl does.
//!
//! ureq's own proxy handling is off (the agents are built with `proxy(None)`): it read
//! `HTTPS_PROXY` and friends but the project's connector chain had no proxy step, so every
//! request failed with `connect`. The route is chosen here once per client ([`Route::choose`])
//! and taken by every connection the client opens (lookups, cancel, widget, register,
//! prefetch and the prewarm connection all go through the one connector chain of
//! `transport.rs`):
//!
//! - the `proxy` key (`CBSTATUS_PROXY`) wins: a proxy URL, or `none` for a direct connection;
//!   it overrides all of the environment, `no_proxy` included;
//! - else, for an `https://` API URL, `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`
//!   (the first one set and not empty); for an `http://` one `http_proxy` (lower case only:
//!   like curl, `HTTP_PROXY` is ignored, since a CGI server sets it from a request's `Proxy:`
//!   header), then `all_proxy`, `ALL_PROXY`;
//! - `no_proxy` (else `NO_PROXY`) lists hosts reached directly ([`no_proxy`]).
//!
//! Through a proxy, [`tunnel::Tunnel`] opens TCP to the proxy and asks it for a tunnel
//! (`CONNECT host:port`, with `Proxy-Authorization: Basic` when the URL has credentials);
//! the TLS session to Mindful runs inside the tunnel, so the proxy sees the target's name and
//! port and nothing else: never the token, the caller number or a reply. An `http://` API URL
//! (loopback only: the simulator) is tunnelled the same way, not forwarded in absolute form:
//! one code path, and every connection the pool keeps is a tunnel.
//!
//! The client's deadline covers resolving the proxy, connecting to it and its answer to the
//! `CONNECT`. A proxy that cannot be reached, refuses (407, 403, 502, ...), answers something
//! other than HTTP or closes is a `connect` error (the request never left), one that does not
//! answer in time a `timeout`; both name the proxy by host and port (never its credentials)
//! and count for the circuit breaker like any transport failure.
//!
//! A pooled connection is kept per client, and a client's route never changes: a tunnelled
//! connection is reused only by requests that would take the same tunnel.

mod no_proxy;
mod tunnel;

pub(crate) use tunnel::{ProxyFailure, RoutedResolver, Tunnel};

use crate::config::{ApiUrl, Config, ProxySetting, ProxyUrl};
use crate::error::Result;

/// How a client's connections reach the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// TCP to the API host itself.
    Direct,
    /// Through this HTTP proxy's `CONNECT` tunnel.
    Tunnel(ProxyUrl),
}

/// Where the route came from, for the log line a client writes when it uses a proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// No proxy setting, or `no_proxy` matched.
    Default,
    /// The `proxy` key.
    Key,
    /// This environment variable.
    Env(&'static str),
}

/// The variables naming a proxy for an `https://` URL, in the order curl reads them.
const HTTPS_VARS: [&str; 4] = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];
/// The same for `http://`: curl ignores `HTTP_PROXY` (CGI's `HTTP_*` request headers).
const HTTP_VARS: [&str; 3] = ["http_proxy", "all_proxy", "ALL_PROXY"];
/// The variables listing hosts reached directly, lower case first.
const NO_PROXY_VARS: [&str; 2] = ["no_proxy", "NO_PROXY"];

impl Route {
    /// The route to `config`'s API URL: its `proxy` key, else what `env` (the process
    /// environment, or a test's) says. An unusable proxy variable (SOCKS, a bad URL) is an
    /// [`crate::ErrorKind::InvalidConfig`] error naming it, not a silent direct connection.
    pub(crate) fn choose(
        config: &Config,
        url: &ApiUrl,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(Route, Source)> {
        match &config.proxy {
            Some(ProxySetting::Direct) => return Ok((Route::Direct, Source::Key)),
            Some(ProxySetting::Via(proxy)) => {
                return Ok((Route::Tunnel(proxy.clone()), Source::Key))
            }
            None => {}
        }
        let origin = url.origin();
        let (vars, rest): (&[&'static str], &str) = match origin.strip_prefix("https://") {
            Some(rest) => (&HTTPS_VARS, rest),
            None => (&HTTP_VARS, origin.strip_prefix("http://").unwrap_or(origin)),
        };
        let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let Some((name, value)) = vars
            .iter()
            .find_map(|name| set(name).map(|value| (*name, value)))
        else {
            return Ok((Route::Direct, Source::Default));
        };
        let host = no_proxy::host_of_authority(rest);
        if let Some(list) = NO_PROXY_VARS.iter().find_map(|name| env(name)) {
            if no_proxy::matches(&list, &host) {
                return Ok((Route::Direct, Source::Default));
            }
        }
        let proxy = ProxyUrl::parse(&value, &format!("the environment variable {name}"))?;
        Ok((Route::Tunnel(proxy), Source::Env(name)))
    }
}

/// The HTTP proxy a client made from `config` connects through (`None`: directly) and why, in
/// words (`cbstatus check`): the rule of `Route::choose` applied to the process environment.
pub fn proxy_route(config: &Config) -> Result<(Option<ProxyUrl>, String)> {
    let url = config.require_api_url()?;
    let env = |name: &str| std::env::var(name).ok();
    let (route, source) = Route::choose(config, url, &env)?;
    let why = match (&route, source) {
        (Route::Direct, Source::Key) => "the proxy setting is none".to_string(),
        (Route::Tunnel(_), Source::Key) => "the proxy setting".to_string(),
        (Route::Tunnel(_), Source::Env(name)) => format!("the environment variable {name}"),
        (Route::Direct, _) => {
            let listed = NO_PROXY_VARS.iter().any(|n| env(n).is_some());
            let named = HTTPS_VARS
                .iter()
                .chain(&HTTP_VARS)
                .any(|n| env(n).is_some_and(|v| !v.trim().is_empty()));
            if listed && named {
                "no_proxy lists the API host".to_string()
            } else {
                "no proxy setting and no proxy variable for this URL".to_string()
            }
        }
        (Route::Tunnel(_), Source::Default) => "the environment".to_string(),
    };
    Ok((
        match route {
            Route::Direct => None,
            Route::Tunnel(proxy) => Some(proxy),
        },
        why,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::collections::HashMap;

    fn route(url: &str, key: Option<&str>, vars: &[(&str, &str)]) -> Result<(Route, Source)> {
        let mut config = Config::new();
        config.set("api_url", url).unwrap();
        if let Some(key) = key {
            config.set("proxy", key).unwrap();
        }
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Route::choose(&config, config.api_url.as_ref().unwrap(), &|name| {
            vars.get(name).cloned()
        })
    }

    fn via(url: &str, key: Option<&str>, vars: &[(&str, &str)]) -> Option<String> {
        match route(url, key, vars).unwrap().0 {
            Route::Direct => None,
            Route::Tunnel(p) => Some(p.to_string()),
        }
    }

    const HTTPS: &str = "https://api.example.com/api/organization/1";
    const HTTP: &str = "http://127.0.0.1:8080/api/organization/1";

    #[test]
    fn variables_in_curls_order() {
        assert_eq!(via(HTTPS, None, &[]), None);
        assert_eq!(via(HTTPS, None, &[("HTTPS_PROXY", "a:1")]).unwrap(), "a:1");
        assert_eq!(
            via(
                HTTPS,
                None,
                &[("HTTPS_PROXY", "a:1"), ("https_proxy", "b:2")]
            )
            .unwrap(),
            "b:2",
            "lower case first"
        );
        assert_eq!(
            via(HTTPS, None, &[("ALL_PROXY", "a:1"), ("HTTPS_PROXY", "b:2")]).unwrap(),
            "b:2"
        );
        assert_eq!(
            via(HTTPS, None, &[("ALL_PROXY", "a:1"), ("all_proxy", "c:3")]).unwrap(),
            "c:3"
        );
        assert_eq!(
            via(HTTPS, None, &[("https_proxy", " "), ("ALL_PROXY", "a:1")]).unwrap(),
            "a:1"
        );
        // http_proxy/HTTP_PROXY are for http:// URLs only.
        assert_eq!(
            via(HTTPS, None, &[("http_proxy", "a:1"), ("HTTP_PROXY", "b:2")]),
            None
        );
        assert_eq!(via(HTTP, None, &[("http_proxy", "a:1")]).unwrap(), "a:1");
        assert_eq!(
            via(HTTP, None, &[("HTTP_PROXY", "a:1")]),
            None,
            "CGI-safe, like curl"
        );
        assert_eq!(via(HTTP, None, &[("HTTPS_PROXY", "a:1")]), None);
        assert_eq!(via(HTTP, None, &[("ALL_PROXY", "a:1")]).unwrap(), "a:1");
    }

    #[test]
    fn the_key_overrides_the_environment() {
        let env = [("https_proxy", "a:1"), ("no_proxy", "*")];
        assert_eq!(via(HTTPS, Some("none"), &env), None);
        assert_eq!(via(HTTPS, Some("http://k:9"), &env).unwrap(), "k:9");
        assert_eq!(route(HTTPS, Some("none"), &env).unwrap().1, Source::Key);
        assert_eq!(
            route(HTTPS, None, &[("ALL_PROXY", "a:1")]).unwrap().1,
            Source::Env("ALL_PROXY")
        );
    }

    #[test]
    fn no_proxy_lower_case_first() {
        let p = ("https_proxy", "a:1");
        assert_eq!(via(HTTPS, None, &[p, ("no_proxy", "example.com")]), None);
        assert_eq!(via(HTTPS, None, &[p, ("NO_PROXY", ".example.com")]), None);
        assert!(via(
            HTTPS,
            None,
            &[p, ("no_proxy", "other.com"), ("NO_PROXY", "*")]
        )
        .is_some());
        assert!(via(HTTPS, None, &[p, ("no_proxy", "ample.com")]).is_some());
    }

    #[test]
    fn unusable_variables_are_refused_naming_them() {
        for (name, value) in [
            ("ALL_PROXY", "socks5://u:pw@s:1080"),
            ("https_proxy", "socks5h://s"),
            ("HTTPS_PROXY", "http://u:pw@bad host"),
        ] {
            let err = route(HTTPS, None, &[(name, value)]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig);
            assert!(
                err.detail()
                    .starts_with(&format!("the environment variable {name}: ")),
                "{err}"
            );
            assert!(!err.detail().contains("pw"), "{err}");
        }
        // Not used, so not refused: a SOCKS ALL_PROXY for a no_proxy host.
        assert_eq!(
            via(
                HTTPS,
                None,
                &[("ALL_PROXY", "socks5://s"), ("no_proxy", "api.example.com")]
            ),
            None
        );
    }
}
