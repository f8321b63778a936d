//! Resolving the API host without a new thread (and, for a host name, a DNS query) per
//! request.
//!
//! ureq resolves the host before every request, also when it then reuses a pooled keep-alive
//! connection, and because every request has a deadline it resolves on a new thread that the
//! deadline can abandon. For a lookup that is otherwise one write and one read on an open
//! socket, starting that thread was most of the cost (BENCHMARKS.md: 33.5 µs → 12 µs per
//! lookup on loopback); with a host name every lookup also paid a `getaddrinfo()`, a DNS query
//! unless the system caches answers.
//!
//! [`CachingResolver`] answers an IP address at once (and keeps it), and keeps a host name's
//! addresses for [`TTL`]. Only a miss goes to ureq's resolver, on its thread, within the
//! request's deadline. A hit compares two strings and copies the addresses: no allocation.
//! [`CachingResolver::forget`] drops the addresses (the client calls it after a transport
//! failure), so a host that moved is looked up again at once.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a host name's addresses are reused. Connections already open are kept up to
/// `idle_timeout_ms` whatever DNS says, so this adds little staleness.
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// See the module documentation. Clones share the cached addresses.
#[derive(Debug, Clone, Default)]
pub(crate) struct CachingResolver {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    resolver: DefaultResolver,
    cached: Mutex<Option<Cached>>,
}

#[derive(Debug)]
struct Cached {
    /// The URI's scheme and authority (`https`, `host:port`) the addresses are for.
    scheme: String,
    authority: String,
    addrs: ResolvedSocketAddrs,
    /// `None`: an IP address, valid for ever.
    until: Option<Instant>,
}

impl CachingResolver {
    /// Drop the cached addresses: the next request resolves the host again.
    pub(crate) fn forget(&self) {
        *self.cached() = None;
    }

    fn cached(&self) -> MutexGuard<'_, Option<Cached>> {
        self.inner
            .cached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let (Some(scheme), Some(authority)) = (uri.scheme(), uri.authority()) else {
            return self.inner.resolver.resolve(uri, config, timeout);
        };
        if let Some(cached) = self.cached().as_ref() {
            if cached.scheme == scheme.as_str()
                && cached.authority == authority.as_str()
                && cached.until.is_none_or(|until| until > Instant::now())
            {
                return Ok(cached.addrs.clone());
            }
        }
        let Some(key) = DefaultResolver::host_and_port(scheme, authority) else {
            return self.inner.resolver.resolve(uri, config, timeout);
        };
        // An IP address (127.0.0.1:8080, [::1]:443) needs no lookup.
        let (addrs, until) = match key.parse::<SocketAddr>() {
            Ok(addr) => {
                let mut addrs = self.empty();
                addrs.push(addr);
                (addrs, None)
            }
            Err(_) => (
                self.inner.resolver.resolve(uri, config, timeout)?,
                Some(Instant::now() + TTL),
            ),
        };
        *self.cached() = Some(Cached {
            scheme: scheme.as_str().to_owned(),
            authority: authority.as_str().to_owned(),
            addrs: addrs.clone(),
            until,
        });
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(r: &CachingResolver, url: &str) -> Vec<SocketAddr> {
        let uri: Uri = url.parse().unwrap();
        let config = Config::default();
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::from(Duration::from_secs(2)),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        r.resolve(&uri, &config, timeout)
            .unwrap()
            .iter()
            .copied()
            .collect()
    }

    #[test]
    fn addresses_are_answered_and_names_cached_until_forgotten() {
        let r = CachingResolver::default();
        assert_eq!(
            resolve(&r, "http://127.0.0.1:8080/x"),
            vec!["127.0.0.1:8080".parse().unwrap()]
        );
        assert_eq!(
            resolve(&r, "https://[::1]/x"),
            vec!["[::1]:443".parse().unwrap()]
        );
        assert!(r.cached().as_ref().unwrap().until.is_none());
        let first = resolve(&r, "http://localhost:8080/x");
        assert!(!first.is_empty());
        assert_eq!(r.cached().as_ref().unwrap().authority, "localhost:8080");
        assert!(r.cached().as_ref().unwrap().until.is_some());
        assert_eq!(resolve(&r, "http://localhost:8080/y"), first);
        assert_eq!(
            resolve(&r, "https://localhost:8080/x").len(),
            first.len(),
            "another scheme is another entry"
        );
        assert_eq!(r.cached().as_ref().unwrap().scheme, "https");
        r.forget();
        assert!(r.cached().is_none());
        assert_eq!(resolve(&r, "http://localhost:8080/x"), first);
    }
}
