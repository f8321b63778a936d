//! The HTTP client for the Mindful Scheduler API.
//!
//! One [`Client`] owns one `ureq` agent (a connection pool), is cheap to clone, and can be used
//! from many threads at once: no lock is held across network I/O. Every request is bounded by
//! the configured deadline, end to end (resolve, connect, TLS, request, body).

use super::background::Background;
use super::breaker::Breaker;
use super::cache::LookupCache;
use super::connections::CountingConnector;
use super::formats::FoundUnder;
use super::freshness::Freshness;
use super::prefetch::Prefetches;
use super::proxy::{ProxyFailure, Route, RoutedResolver, Source, Tunnel};
use super::transport;
use super::wire;
use super::{MAX_BODY_BYTES, USER_AGENT};
use crate::cancel::CancelOutcome;
use crate::config::{ApiUrl, Config, Secret};
use crate::error::{Error, ErrorKind, Result};
use crate::log::{log, masked, Level};
use crate::number::{CountryCode, PhoneNumber};
use crate::process::PerProcess;
use crate::stats::{PrefetchOutcome, RejectReason, Stats, StatsSnapshot};
use crate::status::StatusReport;
use crate::widget::WidgetStatus;
use jiff::Timestamp;
use std::sync::Arc;
use std::time::{Duration, Instant};
use ureq::http::StatusCode;
use ureq::unversioned::transport::Connector;

mod ahead;
mod formats;
mod register;
mod send;

use send::Idempotent;

/// Idle keep-alive connections kept for reuse (ureq keeps 3 per host by default). Every lookup
/// in flight needs its own connection: with more concurrent lookups than idle connections,
/// the extra connections were closed after each answer and reopened for the next lookup
/// (BENCHMARKS.md: 16 threads opened a new connection every ~43 lookups). Unused ones close
/// after `idle_timeout_ms`.
const IDLE_CONNECTIONS: usize = 64;

/// The only `Accept-Encoding` cbstatus takes: it decodes no compression.
pub(crate) const IDENTITY: &str = "identity";

/// A Mindful Scheduler API client. Clone it freely: clones share connections.
///
/// Fork-safe: everything that changes while it runs (connections, cache, breaker, resolved
/// addresses) is per process (`State`); a child process builds its own on first use and
/// never touches the parent's (see `crate::process`).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// What the client was made from: read-only after [`Client::new`], safe to share with a child.
struct Inner {
    url: ApiUrl,
    /// `(header name, header value)` carrying the token.
    auth: Option<(String, Secret)>,
    country: CountryCode,
    timeout: Duration,
    /// The settings the client was made from (speech options, zone) for rendering.
    config: Config,
    /// Direct, or through an HTTP proxy: chosen once, taken by every connection.
    route: Route,
    /// ureq settings (TLS roots already loaded): each process builds its agent from them.
    agent_config: ureq::config::Config,
    /// The same without a pool, for the one retry of a request that lost the keep-alive race.
    fresh_config: ureq::config::Config,
    /// What this client has done (shared with its cache and connector). Atomics only, so a
    /// child may go on counting into its inherited copy.
    stats: Arc<Stats>,
    state: PerProcess<State>,
}

/// The mutable part, one per process.
struct State {
    agent: ureq::Agent,
    /// Never reuses a connection: the retry after the keep-alive race (see `send.rs`).
    fresh_agent: ureq::Agent,
    /// The agent's connector (prewarm, connection tracking; see transport.rs).
    connector: transport::Connector,
    /// Background work of this client in this process (prewarm, prefetch).
    background: Arc<Background>,
    prefetches: Prefetches,
    cache: LookupCache,
    /// Which answers a register or cancel made stale (shared by `prefetches` and `cache`).
    freshness: Arc<Freshness>,
    breaker: Breaker,
    /// Which number format found each caller, for their cancel and register.
    found_under: FoundUnder,
    /// The agent's resolver (the proxy's addresses through a proxy): forgotten after a
    /// transport failure.
    resolver: RoutedResolver,
}

/// What one API request came to, with the HTTP status of the reply it got: `None` when no
/// request went out (answered from the cache, a prefetch or the circuit breaker) or no reply
/// came (timeout, connection or TLS failure). Returned beside the outcome, up to the result
/// ([`crate::LookupResult::upstream_status`]), so it can only ever belong to its own request.
#[derive(Debug)]
pub(crate) struct Replied<T> {
    pub(crate) outcome: Result<T>,
    pub(crate) http_status: Option<u16>,
}

impl<T> Replied<T> {
    /// An outcome reached without an HTTP reply.
    pub(crate) fn without_reply(outcome: Result<T>) -> Replied<T> {
        Replied {
            outcome,
            http_status: None,
        }
    }

    /// The answer turned into something else; the reply's status stays.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Replied<U> {
        Replied {
            outcome: self.outcome.map(f),
            http_status: self.http_status,
        }
    }

    /// The answer read further (a body parsed), which may fail; the reply's status stays.
    pub(crate) fn and_then<U>(self, f: impl FnOnce(T) -> Result<U>) -> Replied<U> {
        Replied {
            outcome: self.outcome.and_then(f),
            http_status: self.http_status,
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.inner.url)
            .field("token", &self.inner.auth.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.inner.timeout)
            .finish()
    }
}

impl Client {
    /// A client for the organization in `config` (which must have an API URL).
    pub fn new(config: &Config) -> Result<Client> {
        Client::with_stats(config, Arc::new(Stats::new()))
    }

    /// A client that counts into `stats` (e.g. the counters of the client it replaces after a
    /// configuration reload, so they keep growing instead of starting again from zero).
    pub fn with_stats(config: &Config, stats: Arc<Stats>) -> Result<Client> {
        // Settings set one by one (cb_config_set) are checked against each other here.
        config.check_coherence()?;
        let url = config.require_api_url()?.clone();
        let auth = config.api_token.as_ref().map(|token| {
            let value = if config.auth_scheme.is_empty() {
                token.expose().to_string()
            } else {
                format!("{} {}", config.auth_scheme, token.expose())
            };
            (config.auth_header.clone(), Secret::new(value))
        });
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(path) = &config.ca_bundle {
            tls = tls.root_certs(load_ca_bundle(path)?);
        }
        let tls = tls.build();
        // ureq's own proxy handling is off: it read HTTPS_PROXY & co. with no proxy step in
        // the chain below, failing every request (issue 19). The route is ours (proxy/).
        let (route, source) = Route::choose(config, &url, &|name| std::env::var(name).ok())?;
        if let Route::Tunnel(proxy) = &route {
            let from = match source {
                Source::Env(name) => format!("the environment variable {name}"),
                _ => "the proxy setting".to_string(),
            };
            log!(
                Level::Info,
                "connecting to the API through the HTTP proxy {proxy} (from {from})"
            );
        }
        let agent_config = |idle: usize| {
            ureq::Agent::config_builder()
                .proxy(None)
                .tls_config(tls.clone())
                .timeout_global(Some(config.timeout))
                .http_status_as_error(false)
                // A redirect would replay the token to another host: report it instead.
                .max_redirects(0)
                .user_agent(USER_AGENT)
                .no_delay(true)
                .max_idle_connections(idle)
                .max_idle_connections_per_host(idle)
                // ureq's default of 15 s made every lookup after a quiet spell pay a new TCP
                // and TLS handshake (issue 11: 2.18 RTT at 25 s gaps); load balancers allow
                // 60 s.
                .max_idle_age(config.idle_timeout)
                .build()
        };
        let client = Client {
            inner: Arc::new(Inner {
                url,
                auth,
                country: config.default_country.clone(),
                timeout: config.timeout,
                config: config.clone(),
                route,
                agent_config: agent_config(IDLE_CONNECTIONS),
                fresh_config: agent_config(0),
                stats,
                state: PerProcess::new(),
            }),
        };
        // Build this process's state now, so the first lookup does not pay for it.
        client.state();
        if config.prewarm.unwrap_or(true) {
            client.warm();
        }
        Ok(client)
    }

    /// This process's connections, cache and breaker (made on first use in a new process).
    fn state(&self) -> &State {
        self.inner.state.get(|| State::new(&self.inner))
    }

    /// Every counter of this client now (see [`crate::stats`]).
    pub fn stats(&self) -> StatsSnapshot {
        self.inner.stats.snapshot(self.state().breaker.is_open())
    }

    /// The counters themselves, to count events of the host (a call refused as busy) or to
    /// hand to the client that replaces this one ([`Client::with_stats`]).
    pub fn stats_handle(&self) -> &Arc<Stats> {
        &self.inner.stats
    }

    /// The circuit breaker is open (or half-open: a probe is out) now.
    pub fn breaker_open(&self) -> bool {
        self.state().breaker.is_open()
    }

    /// The settings this client was made from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The organization URL this client talks to.
    pub fn api_url(&self) -> &ApiUrl {
        &self.inner.url
    }

    /// Normalise `number` to E.164 with the configured default country.
    pub fn normalize(&self, number: &str) -> Result<PhoneNumber> {
        PhoneNumber::parse(number, &self.inner.country)
    }

    /// Look up the callbacks of `number` (any caller-id shape; see [`PhoneNumber::parse`]).
    pub fn lookup(&self, number: &str) -> Result<StatusReport> {
        self.lookup_number(&self.normalize(number)?)
    }

    /// Look up the callbacks of an already normalised number: from the cache, shared with an
    /// identical lookup in flight, or from the API (unless the circuit breaker is open).
    /// A prefetched answer ([`Client::prefetch`]) comes first.
    pub fn lookup_number(&self, number: &PhoneNumber) -> Result<StatusReport> {
        self.lookup_replied(number).outcome
    }

    /// [`Client::lookup_number`] with the HTTP status of the request it made, if it made one.
    pub(crate) fn lookup_replied(&self, number: &PhoneNumber) -> Replied<StatusReport> {
        if let Some(answer) = self
            .state()
            .prefetches
            .take(number.as_str(), self.inner.timeout)
        {
            self.inner.stats.record_prefetch(PrefetchOutcome::Used);
            return Replied::without_reply(answer);
        }
        self.lookup_cached(number)
    }

    /// [`Client::lookup_replied`] without the prefetched answers (what a prefetch runs). Only
    /// the lookup that asks the API itself gets a status: one answered from the cache or by
    /// an identical lookup in flight made no request.
    fn lookup_cached(&self, number: &PhoneNumber) -> Replied<StatusReport> {
        let mut http_status = None;
        let outcome = self
            .state()
            .cache
            .get_or_fetch(number.as_str(), self.inner.timeout, || {
                let replied = self.fetch_status(number);
                http_status = replied.http_status;
                replied.outcome
            });
        Replied {
            outcome,
            http_status,
        }
    }

    /// Ask Mindful to cancel the callback of `number`. Whatever happens, no lookup answer
    /// obtained before it is given for `number` afterwards (see `freshness.rs`).
    pub fn cancel(&self, number: &PhoneNumber) -> Result<CancelOutcome> {
        self.cancel_replied(number).outcome
    }

    /// [`Client::cancel`] with the HTTP status of its reply.
    pub(crate) fn cancel_replied(&self, number: &PhoneNumber) -> Replied<CancelOutcome> {
        let _change = self.state().freshness.change(number.as_str());
        let replied = self.guarded(
            || format!("cancel_callback {}", masked(number.as_str())),
            || {
                // Never retried: the first attempt may have canceled it already.
                let contact = number.formatted(self.change_format(number), &self.inner.country);
                self.post(&self.inner.url.cancel_callback(), contact, Idempotent::No)
                    .and_then(|body| wire::parse_cancel(&body))
            },
        );
        // Stale now whatever happened (and no longer served: freshness.rs); free it.
        self.state().cache.forget(number.as_str());
        replied
    }

    /// Forget cached answers (e.g. after the contact centre changed something).
    pub fn clear_cache(&self) {
        self.state().cache.clear();
    }

    /// Run one API request through the circuit breaker, count its reply, and log how it went.
    /// `what` names the request in the log; it is made only when a line is logged (issue 24:
    /// formatting it on every lookup cost two allocations with logging off).
    fn guarded<T>(
        &self,
        what: impl Fn() -> String,
        request: impl FnOnce() -> Replied<T>,
    ) -> Replied<T> {
        let permit = match self.admit(&what) {
            Ok(permit) => permit,
            Err(error) => return Replied::without_reply(Err(error)),
        };
        let replied = self.counted_upstream(what, request);
        self.state()
            .breaker
            .record(permit, replied.outcome.as_ref().map(|_| ()));
        replied
    }

    /// The circuit breaker's permit for one request (or one lookup in several number
    /// formats), or its refusal, counted and logged.
    fn admit(&self, what: &impl Fn() -> String) -> Result<super::breaker::Permit> {
        self.state().breaker.admit().inspect_err(|error| {
            self.inner.stats.record_rejected(RejectReason::CircuitOpen);
            log!(Level::Warn, "{}: {error}", what());
        })
    }

    /// Run one API request, count its reply and log how it went (the breaker aside).
    fn counted_upstream<T>(
        &self,
        what: impl Fn() -> String,
        request: impl FnOnce() -> Replied<T>,
    ) -> Replied<T> {
        let started = std::time::Instant::now();
        let replied = request();
        self.inner
            .stats
            .record_upstream(replied.http_status, started.elapsed());
        let ms = started.elapsed().as_millis();
        match &replied.outcome {
            Ok(_) => log!(Level::Info, "{}: answered in {ms} ms", what()),
            Err(error) => log!(Level::Error, "{}: failed after {ms} ms: {error}", what()),
        }
        replied
    }

    /// Ask the widget endpoint whether callbacks are offered and what the wait is.
    /// `widget_id` overrides the configured `widget_id`.
    pub fn widget_status(&self, widget_id: Option<&str>) -> Result<WidgetStatus> {
        self.widget_replied(widget_id).outcome
    }

    /// [`Client::widget_status`] with the HTTP status of its reply.
    pub(crate) fn widget_replied(&self, widget_id: Option<&str>) -> Replied<WidgetStatus> {
        let id = match self.widget_id(widget_id) {
            Ok(id) => id,
            Err(error) => return Replied::without_reply(Err(error)),
        };
        let zone = self.inner.config.timezone.iana_name().unwrap_or("UTC");
        let url = self.inner.url.widget(&id);
        self.guarded(
            || format!("widget {id}"),
            || {
                let started = Instant::now();
                let sent = self.send(Idempotent::Yes, |agent, timeout| {
                    let mut request = agent
                        .get(&url)
                        .query("time_zone", zone)
                        .header("Accept", "application/json")
                        .header("Accept-Encoding", IDENTITY);
                    if let Some((name, value)) = &self.inner.auth {
                        request = request.header(name.as_str(), value.expose());
                    }
                    match timeout {
                        Some(t) => request.config().timeout_global(Some(t)).build().call(),
                        None => request.call(),
                    }
                });
                self.exchange(sent, |response| self.read_reply(response))
                    .and_then(|body| self.in_time(started, wire::parse_widget(&body)))
            },
        )
    }

    /// `widget_id` (checked like the setting), else the configured one.
    fn widget_id(&self, widget_id: Option<&str>) -> Result<String> {
        let id = match widget_id {
            Some(id) => {
                let mut check = Config::new();
                check.set("widget_id", id)?;
                check.widget_id.unwrap_or_default()
            }
            None => self.inner.config.widget_id.clone().unwrap_or_default(),
        };
        if id.is_empty() {
            return Err(Error::new(
                ErrorKind::NotConfigured,
                "no widget id: set CBSTATUS_WIDGET_ID (or widget_id in the config file)",
            ));
        }
        Ok(id)
    }

    /// `outcome`, unless the request started at `started` is past the deadline by now: the
    /// deadline covers reading the reply too, not only waiting for it (a body that arrives
    /// just in time must not keep the caller waiting while it is parsed).
    fn in_time<T>(&self, started: Instant, outcome: Result<T>) -> Result<T> {
        let timeout = self.inner.timeout;
        if started.elapsed() <= timeout {
            return outcome;
        }
        Err(Error::new(
            ErrorKind::Timeout,
            format!(
                "the reply arrived but reading it ran past the {} ms deadline; raise \
                 CBSTATUS_TIMEOUT_MS if the API is slow",
                timeout.as_millis()
            ),
        ))
    }

    /// POST `{"contact_number": contact}` to `url` and return the body of a 2xx reply.
    fn post(&self, url: &str, contact: &str, idempotent: Idempotent) -> Replied<Vec<u8>> {
        // The same bytes as `json!({"contact_number": contact})`, without building a map.
        let payload = format!(
            "{{\"contact_number\":{}}}",
            serde_json::Value::from(contact)
        );
        let sent = self.send_json(url, &payload, idempotent);
        self.exchange(sent, |response| self.read_reply(response))
    }

    /// The reply to a request `sent` (or why none came), read by `read`, with its HTTP status.
    fn exchange<T>(
        &self,
        sent: Result<ureq::http::Response<ureq::Body>>,
        read: impl FnOnce(ureq::http::Response<ureq::Body>) -> Result<T>,
    ) -> Replied<T> {
        match sent {
            Ok(response) => {
                let http_status = Some(response.status().as_u16());
                Replied {
                    outcome: read(response),
                    http_status,
                }
            }
            Err(error) => Replied::without_reply(Err(error)),
        }
    }

    /// POST the JSON `payload` to `url` (with the token) and return the reply head. Sent once
    /// unless `idempotent` (see `send.rs`): `request_callback` passes `Idempotent::No`.
    fn send_json(
        &self,
        url: &str,
        payload: &str,
        idempotent: Idempotent,
    ) -> Result<ureq::http::Response<ureq::Body>> {
        self.send(idempotent, |agent, timeout| {
            let mut request = agent
                .post(url)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Accept-Encoding", IDENTITY);
            if let Some((name, value)) = &self.inner.auth {
                request = request.header(name.as_str(), value.expose());
            }
            match timeout {
                Some(t) => request
                    .config()
                    .timeout_global(Some(t))
                    .build()
                    .send(payload.as_bytes()),
                None => request.send(payload.as_bytes()),
            }
        })
    }

    /// Check the status and read the body (capped at [`MAX_BODY_BYTES`]).
    fn read_reply(&self, mut response: ureq::http::Response<ureq::Body>) -> Result<Vec<u8>> {
        let status = response.status();
        if !status.is_success() {
            // Only 429 and 503 define Retry-After as "come back later"; on any other status it
            // is ignored (the breaker caps it by its cool-down in any case).
            let retry_after = matches!(status.as_u16(), 429 | 503)
                .then(|| response.headers().get("retry-after"))
                .flatten()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, Timestamp::now()));
            return Err(status_error(status).with_retry_after(retry_after));
        }
        // We asked for `identity`: a compressed body would only fail as "not JSON" later.
        if let Some(encoding) = response
            .headers()
            .get("content-encoding")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case(IDENTITY))
        {
            let shown: String = encoding.chars().take(40).collect();
            return Err(Error::new(
                ErrorKind::MalformedReply,
                format!(
                    "the reply is compressed (Content-Encoding: {shown:?}) although cbstatus \
                     asked for Accept-Encoding: identity; check any proxy in front of the API"
                ),
            ));
        }
        response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_vec()
            .map_err(|e| self.body_error(e))
    }

    /// A failure while reading the body: the reply headers had arrived, so a broken
    /// connection is not "could not connect".
    fn body_error(&self, error: ureq::Error) -> Error {
        match error {
            ureq::Error::Io(e)
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::InvalidData
                ) =>
            {
                self.state().resolver.forget();
                Error::new(
                    ErrorKind::MalformedReply,
                    format!(
                        "the API closed the connection after the reply headers, before the \
                         whole body arrived ({e})"
                    ),
                )
            }
            other => self.transport_error(other),
        }
    }

    fn transport_error(&self, error: ureq::Error) -> Error {
        // The host may have moved: resolve it again for the next request.
        self.state().resolver.forget();
        let tls = self.inner.url.origin().starts_with("https://");
        transport_error(error, self.inner.timeout, tls)
    }
}

impl State {
    fn new(inner: &Inner) -> State {
        let config = &inner.config;
        // Not ureq's default resolver: it starts a thread per request (see resolver.rs).
        let resolver = RoutedResolver::new(&inner.route, inner.timeout);
        let freshness = Arc::new(Freshness::default());
        let tunnel = Tunnel::new(inner.route.clone(), inner.timeout, USER_AGENT);
        let connector = transport::Connector::new(config.idle_timeout, tunnel);
        let counted = || {
            connector
                .clone()
                .chain(CountingConnector::new(&inner.stats))
        };
        let agent =
            ureq::Agent::with_parts(inner.agent_config.clone(), counted(), resolver.clone());
        let fresh_agent =
            ureq::Agent::with_parts(inner.fresh_config.clone(), counted(), resolver.clone());
        State {
            agent,
            fresh_agent,
            connector,
            background: Arc::new(Background::default()),
            prefetches: Prefetches::new(
                config.prefetch_ttl,
                config.prefetch_max,
                Arc::clone(&freshness),
            ),
            cache: LookupCache::new(config.cache_ttl, config.not_found_ttl)
                .with_stats(Arc::clone(&inner.stats))
                .with_freshness(Arc::clone(&freshness)),
            freshness,
            breaker: Breaker::new(config.breaker_threshold, config.breaker_cooldown),
            found_under: FoundUnder::default(),
            resolver,
        }
    }
}

/// Read a PEM file of CA certificates to trust.
fn load_ca_bundle(path: &std::path::Path) -> Result<ureq::tls::RootCerts> {
    let invalid = |why: String| {
        Error::new(
            ErrorKind::InvalidConfig,
            format!("ca_bundle {}: {why}", path.display()),
        )
    };
    // Bounded and never waited on: a FIFO or /dev/zero is refused at once.
    const MAX_PEM_BYTES: u64 = 16 * 1024 * 1024;
    let pem = crate::config::read_bounded(path, MAX_PEM_BYTES).map_err(invalid)?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        if let ureq::tls::PemItem::Certificate(cert) =
            item.map_err(|e| invalid(format!("bad PEM ({e})")))?
        {
            certs.push(cert);
        }
    }
    if certs.is_empty() {
        return Err(invalid("holds no certificates".to_string()));
    }
    Ok(ureq::tls::RootCerts::from(certs))
}

/// Map a non-2xx HTTP status to an error kind.
fn status_error(status: StatusCode) -> Error {
    let code = status.as_u16();
    match code {
        401 | 403 => Error::http(
            ErrorKind::Unauthorized,
            code,
            format!(
                "HTTP {code}: check CBSTATUS_API_TOKEN, CBSTATUS_AUTH_HEADER/CBSTATUS_AUTH_SCHEME \
                 and that this server's IP is on the organization's allow list"
            ),
        ),
        429 => Error::http(
            ErrorKind::RateLimited,
            code,
            "HTTP 429: Mindful is rate limiting this IP; ask Mindful to allow-list it",
        ),
        404 => Error::http(
            ErrorKind::HttpStatus,
            code,
            "HTTP 404: check CBSTATUS_API_URL is the organization endpoint URL from the Mindful UI",
        ),
        304 => Error::http(
            ErrorKind::HttpStatus,
            code,
            "HTTP 304 Not Modified to a request that made no conditional request: \
             the API or a proxy in front of it answered wrongly",
        ),
        300..=399 => Error::http(
            ErrorKind::HttpStatus,
            code,
            format!("HTTP {code} redirect: set CBSTATUS_API_URL to the final URL (redirects are not followed)"),
        ),
        _ => Error::http(
            ErrorKind::HttpStatus,
            code,
            format!(
                "HTTP {code} {}",
                status.canonical_reason().unwrap_or("from the Mindful API")
            ),
        ),
    }
}

/// Map a ureq transport error to an error kind.
/// `tls`: the connection is HTTPS, where rustls reports certificate and protocol failures as
/// `InvalidData` I/O errors.
fn transport_error(error: ureq::Error, timeout: Duration, tls: bool) -> Error {
    use std::io::ErrorKind as Io;
    if let Some(proxy_error) = ProxyFailure::from_ureq(&error) {
        return proxy_error;
    }
    let ms = timeout.as_millis();
    match error {
        ureq::Error::Timeout(phase) => Error::new(
            ErrorKind::Timeout,
            format!("no complete answer within {ms} ms ({phase}); raise CBSTATUS_TIMEOUT_MS if the API is slow"),
        ),
        ureq::Error::HostNotFound => Error::new(
            ErrorKind::Connect,
            "the API host name does not resolve; check CBSTATUS_API_URL and DNS",
        ),
        ureq::Error::ConnectionFailed => {
            Error::new(ErrorKind::Connect, "could not connect to the API host")
        }
        ureq::Error::Io(e) => match e.kind() {
            Io::TimedOut | Io::WouldBlock => Error::new(
                ErrorKind::Timeout,
                format!("no complete answer within {ms} ms"),
            ),
            // ureq passes rustls errors (untrusted certificate, wrong name, expired, bad
            // record) through as InvalidData; on plain HTTP nothing else produces it.
            Io::InvalidData if tls => Error::new(
                ErrorKind::Tls,
                format!(
                    "TLS failed: {e}; the server certificate must be trusted \
                     (CBSTATUS_CA_BUNDLE for a private CA or a TLS-inspecting proxy)"
                ),
            ),
            Io::InvalidData => {
                Error::new(ErrorKind::MalformedReply, format!("invalid reply data: {e}"))
            }
            _ => Error::new(ErrorKind::Connect, format!("connection to the API failed: {e}")),
        },
        ureq::Error::Tls(why) => Error::new(ErrorKind::Tls, format!("TLS failed: {why}")),
        ureq::Error::Rustls(e) => Error::new(
            ErrorKind::Tls,
            format!("TLS failed: {e}; the server certificate must be trusted"),
        ),
        ureq::Error::Pem(e) => Error::new(ErrorKind::Tls, format!("bad certificate: {e}")),
        ureq::Error::BodyExceedsLimit(limit) => Error::new(
            ErrorKind::BodyTooLarge,
            format!("reply is larger than {limit} bytes"),
        ),
        ureq::Error::LargeResponseHeader(size, limit) => Error::new(
            ErrorKind::MalformedReply,
            format!("the reply's headers are larger than {limit} bytes ({size}+)"),
        ),
        // The dechunker's buffer filled without a complete chunk line or trailer.
        ureq::Error::BodyStalled => Error::new(
            ErrorKind::MalformedReply,
            "the reply body's chunked framing could not be read (an oversized chunk line, \
             chunk extension or trailer)",
        ),
        ureq::Error::Protocol(e) => Error::new(
            ErrorKind::MalformedReply,
            format!("the server did not answer valid HTTP: {e}"),
        ),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => Error::new(
            ErrorKind::HttpStatus,
            "the API redirected; set CBSTATUS_API_URL to the final URL",
        ),
        other => Error::new(ErrorKind::Internal, format!("HTTP client error: {other}")),
    }
}

/// `Retry-After` as seconds or an HTTP date; capped at one hour.
pub(crate) fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    const MAX: Duration = Duration::from_secs(3600);
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(MAX));
    }
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let delta = now.duration_until(when);
    Some(Duration::try_from(delta).unwrap_or(Duration::ZERO).min(MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("999999", now),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 31 Dec 2025 00:00:30 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn statuses_map_to_kinds() {
        let kind = |c: u16| status_error(StatusCode::from_u16(c).unwrap()).kind();
        assert_eq!(kind(401), ErrorKind::Unauthorized);
        assert_eq!(kind(403), ErrorKind::Unauthorized);
        assert_eq!(kind(429), ErrorKind::RateLimited);
        for c in [301, 400, 404, 500, 502, 503, 504] {
            assert_eq!(kind(c), ErrorKind::HttpStatus);
            assert_eq!(
                status_error(StatusCode::from_u16(c).unwrap()).http_status(),
                Some(c)
            );
        }
    }
}
