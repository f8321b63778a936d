//! The proxy step of the connector chain: TCP to the first hop, and through a proxy the
//! `CONNECT` tunnel, within the request's connect budget (see the parent module).
//!
//! [`Tunnel`] replaces the plain TCP step at the head of the chain (`transport.rs`): for a
//! direct route it is that step; through a proxy it connects to the proxy (whose addresses
//! [`RoutedResolver`] gave instead of the API host's: a host the proxy reaches may not resolve
//! here at all), writes the `CONNECT`, and reads the proxy's answer head byte-bounded and
//! deadline-bounded. What it hands on is the same TCP transport, now a tunnel: TLS (for
//! `https://`) and everything above it run unchanged.
//!
//! Failures are [`ProxyFailure`]s carried inside `ureq::Error::Io`, so that the client maps them
//! to an error naming the proxy instead of the API host (`ProxyFailure::from_ureq`).

use super::Route;
use crate::config::ProxyUrl;
use crate::error::{Error, ErrorKind};
use crate::mindful::resolver::CachingResolver;
use crate::mindful::transport::{Tcp, TcpTransport};
use std::io;
use std::time::{Duration, Instant};
use ureq::config::Config;
use ureq::http::{StatusCode, Uri};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{ConnectionDetails, Connector, NextTimeout, Transport};
use ureq::Timeout;

/// Longest answer head accepted from a proxy (status line and headers; a real one is a few
/// hundred bytes, a 407 with its `Proxy-Authenticate` offers under 1 KiB).
const MAX_ANSWER_HEAD: usize = 16 * 1024;

/// Longest any one connect lasts here when the request has no deadline (it always has one).
const MAX_WAIT: Duration = Duration::from_secs(60);

/// A proxy step failure, named for the proxy (see the module documentation).
#[derive(Debug)]
pub(crate) struct ProxyFailure {
    kind: ErrorKind,
    detail: String,
}

impl std::fmt::Display for ProxyFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for ProxyFailure {}

impl ProxyFailure {
    /// The failure, as the `ureq::Error` a connector or resolver returns.
    fn error(kind: ErrorKind, detail: String) -> ureq::Error {
        ureq::Error::Io(io::Error::other(ProxyFailure { kind, detail }))
    }

    /// The client's error for a failure of the proxy step, if `error` is one.
    pub(crate) fn from_ureq(error: &ureq::Error) -> Option<Error> {
        let ureq::Error::Io(e) = error else {
            return None;
        };
        let failure = e.get_ref()?.downcast_ref::<ProxyFailure>()?;
        Some(Error::new(failure.kind, failure.detail.clone()))
    }
}

/// The head of the connector chain: see the module documentation.
#[derive(Debug)]
pub(crate) struct Tunnel {
    route: Route,
    /// The client's deadline, for the messages.
    deadline: Duration,
    /// The client's `User-Agent`, sent with the `CONNECT` too.
    user_agent: &'static str,
}

impl Tunnel {
    pub(crate) fn new(route: Route, deadline: Duration, user_agent: &'static str) -> Tunnel {
        Tunnel {
            route,
            deadline,
            user_agent,
        }
    }

    fn ms(&self) -> u128 {
        self.deadline.as_millis()
    }
}

impl Connector<()> for Tunnel {
    type Out = TcpTransport;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _chained: Option<()>,
    ) -> Result<Option<TcpTransport>, ureq::Error> {
        let started = Instant::now();
        let opened = Tcp.connect(details, None);
        let Route::Tunnel(proxy) = &self.route else {
            return opened;
        };
        let mut transport = match opened {
            Ok(Some(transport)) => transport,
            Ok(None) => return Ok(None),
            Err(ureq::Error::Timeout(_)) => {
                return Err(ProxyFailure::error(
                    ErrorKind::Timeout,
                    format!(
                        "could not connect to the proxy {proxy} within the {} ms deadline",
                        self.ms()
                    ),
                ))
            }
            Err(e) => {
                return Err(ProxyFailure::error(
                    ErrorKind::Connect,
                    format!("could not connect to the proxy {proxy}: {e}"),
                ))
            }
        };
        let budget = (*details.timeout.after).min(MAX_WAIT);
        let until = started + budget;
        let target = target_authority(details.uri);
        self.open_tunnel(&mut transport, proxy, &target, until)?;
        Ok(Some(transport))
    }
}

impl Tunnel {
    /// Ask `proxy` (connected on `transport`) for a tunnel to `target`, by `until`.
    fn open_tunnel(
        &self,
        transport: &mut TcpTransport,
        proxy: &ProxyUrl,
        target: &str,
        until: Instant,
    ) -> Result<(), ureq::Error> {
        let next = || {
            let left = until.saturating_duration_since(Instant::now());
            NextTimeout {
                after: left.into(),
                reason: Timeout::Connect,
                per_read: None,
                per_write: None,
            }
        };
        let late = || {
            ProxyFailure::error(
                ErrorKind::Timeout,
                format!(
                    "the proxy {proxy} did not answer the CONNECT to {target} within the {} ms \
                     deadline",
                    self.ms()
                ),
            )
        };
        let broken = |e: ureq::Error| match e {
            ureq::Error::Timeout(_) => late(),
            e => ProxyFailure::error(
                ErrorKind::Connect,
                format!("the connection to the proxy {proxy} failed during the CONNECT: {e}"),
            ),
        };

        let mut request = format!(
            "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: {}\r\n\
             Proxy-Connection: Keep-Alive\r\n",
            self.user_agent
        );
        if let Some(authorization) = proxy.authorization() {
            request.push_str("Proxy-Authorization: ");
            request.push_str(authorization.expose());
            request.push_str("\r\n");
        }
        request.push_str("\r\n");
        let output = transport.buffers().output();
        if request.len() > output.len() {
            return Err(ProxyFailure::error(
                ErrorKind::InvalidConfig,
                format!("the CONNECT request for the proxy {proxy} is too long"),
            ));
        }
        output[..request.len()].copy_from_slice(request.as_bytes());
        transport
            .transmit_output(request.len(), next())
            .map_err(broken)?;

        loop {
            let more = transport.await_input(next()).map_err(broken)?;
            let input = transport.buffers().input();
            let prefix = &input[..input.len().min(5)];
            if !b"HTTP/".starts_with(prefix) {
                return Err(ProxyFailure::error(
                    ErrorKind::Connect,
                    format!(
                        "the proxy {proxy} did not answer the CONNECT with HTTP; check that \
                         it is an HTTP proxy (not SOCKS, not a web server)"
                    ),
                ));
            }
            if let Some(end) = find(input, b"\r\n\r\n") {
                let status = status_code(&input[..end]);
                transport.buffers().input_consume(end + 4);
                return self.answered(status, proxy, target);
            }
            if input.len() > MAX_ANSWER_HEAD {
                return Err(ProxyFailure::error(
                    ErrorKind::Connect,
                    format!(
                        "the proxy {proxy} answered the CONNECT with more than \
                         {MAX_ANSWER_HEAD} bytes of headers"
                    ),
                ));
            }
            if !more {
                return Err(ProxyFailure::error(
                    ErrorKind::Connect,
                    format!(
                        "the proxy {proxy} closed the connection before answering the CONNECT \
                         to {target}"
                    ),
                ));
            }
        }
    }

    /// The tunnel is open (any 2xx, RFC 9110 9.3.6), or the proxy's refusal as an error.
    fn answered(
        &self,
        status: Option<u16>,
        proxy: &ProxyUrl,
        target: &str,
    ) -> Result<(), ureq::Error> {
        let Some(code) = status else {
            return Err(ProxyFailure::error(
                ErrorKind::Connect,
                format!("the proxy {proxy} answered the CONNECT with an invalid status line"),
            ));
        };
        if (200..300).contains(&code) {
            return Ok(());
        }
        // The proxy's own reason phrase is not repeated: only the standard one.
        let reason = StatusCode::from_u16(code)
            .ok()
            .and_then(|s| s.canonical_reason())
            .map(|r| format!(" {r}"))
            .unwrap_or_default();
        let what = match code {
            407 if proxy.authorization().is_some() => format!(
                "refused the credentials of the proxy URL (HTTP 407{reason}); check the user \
                 name and password in it (percent-encode @ : / as %40 %3A %2F)"
            ),
            407 => format!(
                "requires credentials (HTTP 407{reason}); put them in the proxy URL: \
                 http://user:password@host:port"
            ),
            403 => format!(
                "refused the tunnel to {target} (HTTP 403{reason}); ask its administrators to \
                 allow CONNECT to {target}"
            ),
            _ => format!("could not open a tunnel to {target} (HTTP {code}{reason})"),
        };
        Err(ProxyFailure::error(
            ErrorKind::Connect,
            format!("the proxy {proxy} {what}"),
        ))
    }
}

/// `host:port` of the API URL, as the `CONNECT` names it.
fn target_authority(uri: &Uri) -> String {
    let host = uri.host().unwrap_or("");
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("http") {
            80
        } else {
            443
        });
    format!("{host}:{port}")
}

/// The status code of an answer head (`HTTP/1.1 200 Connection established`).
fn status_code(head: &[u8]) -> Option<u16> {
    let line = head.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    let mut parts = line.splitn(3, ' ');
    let version = parts.next()?;
    if !matches!(version, "HTTP/1.0" | "HTTP/1.1") {
        return None;
    }
    let code = parts.next()?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    code.parse().ok().filter(|c| (100..600).contains(c))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The agent's resolver: the API host's addresses for a direct route, the proxy's through a
/// proxy (see the module documentation). Clones share the cached addresses.
#[derive(Debug, Clone)]
pub(crate) struct RoutedResolver {
    inner: CachingResolver,
    /// `http://host:port/` of the proxy, with the proxy itself for the messages.
    proxy: Option<(Uri, ProxyUrl)>,
    deadline: Duration,
}

impl RoutedResolver {
    pub(crate) fn new(route: &Route, deadline: Duration) -> RoutedResolver {
        let proxy = match route {
            Route::Direct => None,
            Route::Tunnel(proxy) => format!("http://{proxy}/")
                .parse::<Uri>()
                .ok()
                .map(|uri| (uri, proxy.clone())),
        };
        RoutedResolver {
            inner: CachingResolver::default(),
            proxy,
            deadline,
        }
    }

    /// Drop the cached addresses: the next request resolves again.
    pub(crate) fn forget(&self) {
        self.inner.forget();
    }
}

impl Resolver for RoutedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some((proxy_uri, proxy)) = &self.proxy else {
            return self.inner.resolve(uri, config, timeout);
        };
        self.inner
            .resolve(proxy_uri, config, timeout)
            .map_err(|e| match e {
                ureq::Error::Timeout(_) => ProxyFailure::error(
                    ErrorKind::Timeout,
                    format!(
                        "the proxy host name {} did not resolve within the {} ms deadline",
                        proxy.host(),
                        self.deadline.as_millis()
                    ),
                ),
                ureq::Error::HostNotFound => ProxyFailure::error(
                    ErrorKind::Connect,
                    format!(
                        "the proxy host name {} does not resolve; check the proxy setting \
                         (proxy, CBSTATUS_PROXY or the environment's https_proxy) and DNS",
                        proxy.host()
                    ),
                ),
                e => ProxyFailure::error(
                    ErrorKind::Connect,
                    format!("could not resolve the proxy {proxy}: {e}"),
                ),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(
            status_code(b"HTTP/1.1 200 Connection established"),
            Some(200)
        );
        assert_eq!(
            status_code(b"HTTP/1.0 407 Proxy Authentication Required\r\nX: y"),
            Some(407)
        );
        assert_eq!(status_code(b"HTTP/1.1 200"), Some(200));
        assert_eq!(status_code(b"HTTP/2 200 OK"), None);
        assert_eq!(status_code(b"HTTP/1.1 2000 OK"), None);
        assert_eq!(status_code(b"HTTP/1.1 +20 OK"), None);
        assert_eq!(status_code(b"HTTP/1.1 099 OK"), None);
    }

    #[test]
    fn targets() {
        let t = |u: &str| target_authority(&u.parse().unwrap());
        assert_eq!(t("https://api.example.com/x"), "api.example.com:443");
        assert_eq!(t("https://api.example.com:8443/x"), "api.example.com:8443");
        assert_eq!(t("http://127.0.0.1/x"), "127.0.0.1:80");
        assert_eq!(t("https://[::1]:9/x"), "[::1]:9");
    }
}
