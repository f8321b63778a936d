//! The client's connections: how they are opened, kept and watched (issue 11, issue 10 class 3).
//!
//! ureq's `DefaultConnector` is replaced by [`Connector`], a chain of
//! the head the client gives ([`Tcp`], wrapped by the proxy step of `proxy/` that opens an
//! HTTP proxy's `CONNECT` tunnel when the client's route takes one) →
//! ureq's `RustlsConnector` → [`Tracked`]:
//!
//! - [`Tcp`] opens the socket like ureq's own TCP connector, and sets Linux `TCP_QUICKACK`
//!   before the first read of every reply. A server that writes the head and the body in two
//!   segments with Nagle on (Python's `http.server`, many frameworks) holds the body until the
//!   head is acknowledged, while Linux delays that ACK (up to 40 ms) because the client just
//!   sent data: every reused-connection lookup stalled ~40 ms (issue 11: 44 ms on loopback).
//!   Its liveness probe is one `recv(MSG_PEEK | MSG_DONTWAIT)` instead of ureq's three calls.
//! - [`Tracked`] (on top of TLS, so it sees reply bytes, not TLS records) records what the
//!   request in progress on this thread did: whether it opened a new connection, whether the
//!   whole request was written, whether any byte of the reply arrived, and which connection it
//!   used (to apply the server's `Keep-Alive: timeout=N`). The client retries a request whose
//!   *reused* connection failed before any reply byte (the keep-alive race) once, on a new
//!   connection, and names a failure after the whole request was sent `no_reply`.
//! - [`Tracked`] also holds a request head until its body is written, so that a lookup goes
//!   out in one write, one TLS record and one TCP segment (`one_write.rs`, issue 24).
//! - [`Connector::warm`] opens one connection ahead (DNS, TCP, TLS) and keeps it as a spare
//!   that the next connection request takes instead of connecting: the first lookup after a
//!   prewarmed client is made costs one round trip, not three.
//!
//! All of this lives inside the client's per-process state: a forked child makes its own.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};
use ureq::http::Uri;
use ureq::unversioned::resolver::Resolver;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector as UreqConnector, LazyBuffers, NextTimeout,
    RustlsConnector, ShutdownHandle, Transport,
};
use ureq::Timeout;

use super::chunks::ChunkWatch;
use super::one_write::HeldHead;
use super::MAX_BODY_BYTES;

/// Reuse a connection whose server announced `Keep-Alive: timeout=N` for at most N seconds
/// minus this (or half of N, when smaller): the server's clock started before ours.
const KEEP_ALIVE_MARGIN: Duration = Duration::from_secs(1);

/// Longest any connect or wait here lasts (a request always has a deadline; this only keeps
/// "no deadline" from overflowing).
const MAX_WAIT: Duration = Duration::from_secs(60);

/// The connector chain below [`Tracked`].
/// (Boxed: the head is the caller's, and this module does not depend on the proxy step.)
type Chain = Box<dyn UreqConnector<(), Out = Box<dyn Transport>>>;

/// See the module documentation. Clones share the spare connection and the registry.
#[derive(Clone)]
pub(crate) struct Connector {
    inner: Arc<Inner>,
}

struct Inner {
    chain: Chain,
    idle_timeout: Duration,
    warm: Mutex<Warm>,
    warmed: Condvar,
    /// Every connection still open (weakly), to tell whether one is usable before warming.
    live: Mutex<Vec<Weak<ConnState>>>,
}

#[derive(Default)]
struct Warm {
    /// A connection opened ahead, never used.
    spare: Option<Spare>,
    /// A warm-up is connecting now.
    connecting: bool,
    /// A connection request is waiting for that warm-up (only one waits: the others connect).
    claimed: bool,
}

struct Spare {
    scheme: String,
    authority: String,
    transport: Tracked,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector").finish_non_exhaustive()
    }
}

impl Connector {
    /// Idle connections are reused for at most `idle_timeout` (or the server's shorter
    /// `Keep-Alive: timeout`). Every connection opens through `tunnel` (the client's route:
    /// direct or through a proxy, the same for all its connections, spare and pooled alike).
    pub(crate) fn new<H>(idle_timeout: Duration, head: H) -> Connector
    where
        H: UreqConnector<()>,
    {
        Connector {
            inner: Arc::new(Inner {
                chain: Box::new(head.chain(RustlsConnector::default()).chain(Boxed)),
                idle_timeout,
                warm: Mutex::new(Warm::default()),
                warmed: Condvar::new(),
                live: Mutex::new(Vec::new()),
            }),
        }
    }

    fn warm_state(&self) -> MutexGuard<'_, Warm> {
        self.inner
            .warm
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Claim the warm-up: false when a usable connection is open already, or a warm-up is
    /// running or done. Called on the caller's thread, so that a request that follows at
    /// once waits for this warm-up instead of connecting as well. [`Connector::warm`] must
    /// follow a `true` (or [`Connector::unclaim`], when it cannot run).
    pub(crate) fn claim_warm_up(&self) -> bool {
        let mut warm = self.warm_state();
        if warm.connecting || warm.spare.is_some() || self.has_usable_connection() {
            return false;
        }
        warm.connecting = true;
        true
    }

    /// The claimed warm-up will not run.
    pub(crate) fn unclaim(&self) {
        self.warm_state().connecting = false;
        self.inner.warmed.notify_all();
    }

    /// Run the claimed warm-up: open one connection to `uri`'s host (resolve, connect, TLS)
    /// within `timeout` and keep it as the spare. Blocks: run it on a background thread.
    /// Failures are only logged by the caller: the next request connects as usual.
    pub(crate) fn warm(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        resolver: &dyn Resolver,
        timeout: Duration,
    ) -> Result<(), ureq::Error> {
        let outcome = self.connect_ahead(uri, config, resolver, timeout);
        let mut warm = self.warm_state();
        warm.connecting = false;
        let made = outcome.map(|spare| warm.spare = Some(spare));
        drop(warm);
        self.inner.warmed.notify_all();
        made
    }

    fn connect_ahead(
        &self,
        uri: &Uri,
        config: &ureq::config::Config,
        resolver: &dyn Resolver,
        timeout: Duration,
    ) -> Result<Spare, ureq::Error> {
        let started = Instant::now();
        let next = |reason| NextTimeout {
            after: timeout.saturating_sub(started.elapsed()).into(),
            reason,
            per_read: None,
            per_write: None,
        };
        let addrs = resolver.resolve(uri, config, next(Timeout::Resolve))?;
        let details = ConnectionDetails {
            uri,
            addrs,
            config,
            request_level: false,
            resolver,
            now: ureq::unversioned::transport::time::Instant::now(),
            timeout: next(Timeout::Connect),
            current_time: Arc::new(ureq::unversioned::transport::time::Instant::now),
            // Only ureq's own CONNECT proxy step uses it, which cbstatus does not run (its
            // proxy step is the head of the chain, `proxy::Tunnel`).
            run_connector: Arc::new(|_: &ConnectionDetails| Err(ureq::Error::ConnectionFailed)),
            // The agent's shutdown never runs on the client's agents (fork abandons them).
            register_shutdown: Arc::new(|_| Ok(())),
        };
        let transport = self.open(&details)?;
        Ok(Spare {
            scheme: uri.scheme_str().unwrap_or("").to_owned(),
            authority: uri.authority().map_or("", |a| a.as_str()).to_owned(),
            transport,
        })
    }

    /// Whether an open connection, idle within its limits, is known (no warm-up needed).
    fn has_usable_connection(&self) -> bool {
        let mut live = self
            .inner
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        live.retain(|c| c.strong_count() > 0);
        live.iter()
            .filter_map(Weak::upgrade)
            .any(|c| c.within_idle_limit(self.inner.idle_timeout) && c.peer_still_open())
    }

    /// Run the chain and wrap the result.
    fn open(&self, details: &ConnectionDetails) -> Result<Tracked, ureq::Error> {
        let transport = self
            .inner
            .chain
            .connect(details, None)?
            .ok_or(ureq::Error::ConnectionFailed)?;
        let state = OPENED.with(|o| o.borrow_mut().take()).unwrap_or_default();
        let state = Arc::new(state);
        {
            let mut live = self
                .inner
                .live
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            live.retain(|c| c.strong_count() > 0);
            live.push(Arc::downgrade(&state));
        }
        Ok(Tracked {
            inner: transport,
            state,
            idle_timeout: self.inner.idle_timeout,
            chunks: ChunkWatch::default(),
            held: HeldHead::default(),
        })
    }

    /// The spare for `details`' host, waiting (within the request's own connect budget) for a
    /// warm-up in progress when no other request waits for it yet.
    fn take_spare(&self, details: &ConnectionDetails) -> Option<Tracked> {
        let scheme = details.uri.scheme_str().unwrap_or("");
        let authority = details.uri.authority().map_or("", |a| a.as_str());
        let mut warm = self.warm_state();
        if warm.connecting && !warm.claimed {
            warm.claimed = true;
            let until = Instant::now() + (*details.timeout.after).min(MAX_WAIT);
            while warm.connecting {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                warm = self
                    .inner
                    .warmed
                    .wait_timeout(warm, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            warm.claimed = false;
        }
        let spare = warm.spare.take()?;
        drop(warm);
        let transport = spare.transport;
        if spare.scheme != scheme || spare.authority != authority {
            return None;
        }
        // Not the strict probe of a pooled connection: a TLS 1.3 server's session tickets
        // arrive after the handshake and sit unread in a spare's socket, which that probe
        // takes for "the server is done with it". Only an end of stream rules a spare out;
        // a spare is treated as reused, so a request failing on it gets the one retry.
        let usable = transport.state.within_idle_limit(self.inner.idle_timeout)
            && transport.state.peer_not_closed();
        usable.then_some(transport)
    }
}

impl UreqConnector<()> for Connector {
    type Out = Tracked;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _chained: Option<()>,
    ) -> Result<Option<Tracked>, ureq::Error> {
        if let Some(spare) = self.take_spare(details) {
            return Ok(Some(spare));
        }
        // A new connection, also when opening it fails (a refused connect or a proxy's
        // refusal is not the keep-alive race, and is not retried).
        with_attempt(|a| a.fresh = true);
        let transport = self.open(details)?;
        Ok(Some(transport))
    }
}

// --- what the request in progress on this thread did -----------------------------------------

thread_local! {
    /// Set while the client runs one request attempt on this thread (see [`track`]).
    static ATTEMPT: RefCell<Option<Attempt>> = const { RefCell::new(None) };
    /// Handed from [`Tcp`] to [`Connector::open`] within one `connect()` call.
    static OPENED: RefCell<Option<ConnState>> = const { RefCell::new(None) };
}

/// What one request attempt did (see [`track`]).
#[derive(Default)]
pub(crate) struct Attempt {
    /// It opened a new connection instead of reusing a pooled one or taking the spare (which
    /// sat idle like a pooled one, so a failure on it gets the retry too).
    pub(crate) fresh: bool,
    /// The whole request was written: ureq began waiting for the reply (it sends the head and
    /// the body before it reads; cbstatus never sends `Expect: 100-continue`).
    pub(crate) request_sent: bool,
    /// At least one byte of the reply arrived.
    pub(crate) reply_started: bool,
    conn: Option<Arc<ConnState>>,
}

impl Attempt {
    /// A reused connection failed before any reply byte: the server most likely closed it as
    /// the request arrived (the keep-alive race), and the request never reached it.
    pub(crate) fn reused_without_reply(&self) -> bool {
        !self.fresh && !self.reply_started
    }

    /// Apply the server's `Keep-Alive` header (`timeout=N`) to the connection used.
    pub(crate) fn apply_keep_alive(&self, header: Option<&str>) {
        let (Some(conn), Some(seconds)) = (&self.conn, header.and_then(keep_alive_timeout)) else {
            return;
        };
        let announced = Duration::from_secs(seconds);
        let reuse_for = announced.saturating_sub(KEEP_ALIVE_MARGIN.min(announced / 2));
        conn.server_idle_ms
            .store(reuse_for.as_millis() as u64, Ordering::Relaxed);
    }
}

/// Run one request attempt and report what it did.
pub(crate) fn track<T>(request: impl FnOnce() -> T) -> (T, Attempt) {
    ATTEMPT.with(|a| *a.borrow_mut() = Some(Attempt::default()));
    let outcome = request();
    let attempt = ATTEMPT.with(|a| a.borrow_mut().take()).unwrap_or_default();
    (outcome, attempt)
}

fn with_attempt(f: impl FnOnce(&mut Attempt)) {
    ATTEMPT.with(|a| {
        if let Some(attempt) = a.borrow_mut().as_mut() {
            f(attempt)
        }
    })
}

/// `timeout=N` of a `Keep-Alive` header value (`timeout=5, max=100`).
fn keep_alive_timeout(value: &str) -> Option<u64> {
    value.split(',').find_map(|part| {
        let (name, n) = part.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("timeout")
            .then(|| n.trim().parse().ok())?
    })
}

// --- one connection ----------------------------------------------------------------------------

/// Shared between a connection's [`Tracked`] transport and the [`Connector`]'s registry.
#[derive(Default)]
struct ConnState {
    /// The socket, to peek at without taking part in I/O.
    stream: Weak<TcpStream>,
    /// Last read or write, in ms since [`epoch`].
    active_ms: AtomicU64,
    /// How long the server lets it idle (`Keep-Alive: timeout`), in ms; 0: not announced.
    server_idle_ms: AtomicU64,
}

/// A monotonic origin for [`ConnState::active_ms`].
fn epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64
}

impl ConnState {
    fn touch(&self) {
        self.active_ms.store(now_ms(), Ordering::Relaxed);
    }

    fn within_idle_limit(&self, idle_timeout: Duration) -> bool {
        let mut limit = idle_timeout.as_millis() as u64;
        let server = self.server_idle_ms.load(Ordering::Relaxed);
        if server > 0 {
            limit = limit.min(server);
        }
        now_ms().saturating_sub(self.active_ms.load(Ordering::Relaxed)) < limit
    }

    /// No end of stream (and no error) on the socket: a peek that leaves readable bytes
    /// where they are.
    fn peer_not_closed(&self) -> bool {
        self.stream
            .upgrade()
            .is_some_and(|s| peek(&s) != Peek::Closed)
    }

    /// Nothing to read and no end of stream: the peer has not closed it (a peek, so it does
    /// not disturb a request in progress on it).
    fn peer_still_open(&self) -> bool {
        self.stream.upgrade().is_some_and(|s| peek_would_block(&s))
    }
}

/// A connection as ureq sees it: TCP (and TLS), watched for the module's purposes.
pub(crate) struct Tracked {
    inner: Box<dyn Transport>,
    state: Arc<ConnState>,
    idle_timeout: Duration,
    /// Refuses at once a chunked reply announcing more than the body cap (`chunks.rs`).
    chunks: ChunkWatch,
    /// A request head waiting for its body, so that both go out in one write (`one_write.rs`).
    held: HeldHead,
}

impl std::fmt::Debug for Tracked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracked")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl Tracked {
    /// Send the held request head on its own (it came from the output buffer, so it fits).
    fn send_held(&mut self, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let head = self.held.take();
        self.inner.buffers().output()[..head.len()].copy_from_slice(&head);
        self.inner.transmit_output(head.len(), timeout)
    }
}

impl Transport for Tracked {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        with_attempt(|a| a.conn = Some(Arc::clone(&self.state)));
        self.state.touch();
        self.chunks.request();
        if self.held.hold(&self.inner.buffers().output()[..amount]) {
            return Ok(());
        }
        if self.held.is_held() {
            if let Some(total) = self.held.prepend(self.inner.buffers().output(), amount) {
                return self.inner.transmit_output(total, timeout);
            }
            // The body does not fit beside the head: the head first, then the body.
            let body = self.inner.buffers().output()[..amount].to_vec();
            self.send_held(timeout)?;
            self.inner.buffers().output()[..amount].copy_from_slice(&body);
        }
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        if self.held.is_held() {
            self.send_held(timeout)?;
        }
        with_attempt(|a| a.request_sent = true);
        let before = self.inner.buffers().input().len();
        let outcome = self.inner.await_input(timeout);
        let input = self.inner.buffers().input();
        if input.len() > before {
            with_attempt(|a| a.reply_started = true);
            // The new bytes are appended after the ones ureq has not consumed yet.
            if self.chunks.feed(&input[before..], MAX_BODY_BYTES).is_err() {
                return Err(ureq::Error::BodyExceedsLimit(MAX_BODY_BYTES));
            }
        }
        self.state.touch();
        outcome
    }

    fn is_open(&mut self) -> bool {
        // Past the idle limit the server may close it any moment: do not start a request on it.
        self.state.within_idle_limit(self.idle_timeout) && self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

/// The last link of the chain: the transport, boxed (whatever the head and TLS made).
#[derive(Debug)]
struct Boxed;

impl<In: Transport> UreqConnector<In> for Boxed {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Box<dyn Transport>>, ureq::Error> {
        Ok(chained.map(Transport::boxed))
    }
}

// --- TCP ---------------------------------------------------------------------------------------

/// Opens TCP connections ([`TcpTransport`]).
#[derive(Debug)]
pub(crate) struct Tcp;

impl UreqConnector<()> for Tcp {
    type Out = TcpTransport;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _chained: Option<()>,
    ) -> Result<Option<TcpTransport>, ureq::Error> {
        let budget = (*details.timeout.after).min(MAX_WAIT);
        let stream = Arc::new(connect(&details.addrs, budget)?);
        (details.register_shutdown)(Arc::downgrade(&stream) as Weak<dyn ShutdownHandle>)?;
        OPENED.with(|o| {
            *o.borrow_mut() = Some(ConnState {
                stream: Arc::downgrade(&stream),
                active_ms: AtomicU64::new(now_ms()),
                server_idle_ms: AtomicU64::new(0),
            })
        });
        let config = details.config;
        Ok(Some(TcpTransport {
            stream,
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
            read_timeout: None,
            write_timeout: None,
            quickack: true,
        }))
    }
}

/// Try each address in turn, sharing what is left of `budget` between those not tried yet.
fn connect(addrs: &[SocketAddr], budget: Duration) -> Result<TcpStream, ureq::Error> {
    let started = Instant::now();
    let mut last = None;
    for (i, addr) in addrs.iter().enumerate() {
        let left = budget.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(ureq::Error::Timeout(Timeout::Connect));
        }
        let share = (left / (addrs.len() - i) as u32).max(Duration::from_millis(10));
        match TcpStream::connect_timeout(addr, share) {
            Ok(stream) => {
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) =>
            {
                last = Some(ureq::Error::Timeout(Timeout::Connect));
            }
            Err(e) => last = Some(ureq::Error::Io(e)),
        }
    }
    Err(last.unwrap_or_else(|| {
        ureq::Error::Io(io::Error::new(
            io::ErrorKind::ConnectionRefused,
            "no address to connect to",
        ))
    }))
}

/// A TCP connection. See the module documentation for `TCP_QUICKACK`.
pub(crate) struct TcpTransport {
    /// Shared (weakly) with the shutdown handle and the [`ConnState`] peek.
    stream: Arc<TcpStream>,
    buffers: LazyBuffers,
    /// The socket timeouts last set, to skip the system call when unchanged.
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    /// Set `TCP_QUICKACK` before the next read (the first read after sending).
    quickack: bool,
}

impl std::fmt::Debug for TcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

/// The timeout to give the socket for the next read or write: `Err` once spent.
///
/// Whole milliseconds, rounded down: the budget left shrinks by microseconds from one request
/// to the next, and setting `SO_RCVTIMEO`/`SO_SNDTIMEO` anew each time cost two system calls
/// per lookup (issue 24). A wait may end up to 1 ms early; the kernel counts these timeouts
/// in scheduler ticks (1-10 ms) anyway.
fn socket_timeout(timeout: NextTimeout) -> Result<Option<Duration>, ureq::Error> {
    if timeout.after.is_zero() {
        return Err(ureq::Error::Timeout(timeout.reason));
    }
    Ok(timeout.not_zero().map(|d| whole_millis(*d)))
}

/// `d` rounded down to whole milliseconds (kept as it is below 1 ms: never zero).
fn whole_millis(d: Duration) -> Duration {
    if d < Duration::from_millis(1) {
        d
    } else {
        Duration::from_millis(d.as_millis() as u64)
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
    )
}

impl Transport for TcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let timeout = timeout.for_write();
        let wanted = socket_timeout(timeout)?;
        if wanted != self.write_timeout {
            self.stream.set_write_timeout(wanted)?;
            self.write_timeout = wanted;
        }
        let output = &self.buffers.output()[..amount];
        match (&*self.stream).write_all(output) {
            Err(e) if is_timeout(&e) => return Err(ureq::Error::Timeout(timeout.reason)),
            other => other?,
        }
        // Sending right after receiving puts Linux in delayed-ACK ("ping-pong") mode.
        self.quickack = true;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let timeout = timeout.for_read();
        let started = Instant::now();
        let budget = socket_timeout(timeout)?;
        if budget != self.read_timeout {
            self.stream.set_read_timeout(budget)?;
            self.read_timeout = budget;
        }
        if std::mem::take(&mut self.quickack) {
            set_quickack(&self.stream);
        }
        let input = self.buffers.input_append_buf();
        let amount = loop {
            match (&*self.stream).read(input) {
                Ok(n) => break n,
                // Linux does not restart a socket read with SO_RCVTIMEO after a signal.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    let Some(budget) = budget else { continue };
                    let left = budget.saturating_sub(started.elapsed());
                    if left.is_zero() {
                        return Err(ureq::Error::Timeout(timeout.reason));
                    }
                    self.stream.set_read_timeout(Some(left))?;
                    self.read_timeout = Some(left);
                }
                Err(e) if is_timeout(&e) => return Err(ureq::Error::Timeout(timeout.reason)),
                Err(e) => return Err(e.into()),
            }
        };
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        peek_would_block(&self.stream)
    }
}

/// What a non-blocking peek at a socket found.
#[derive(PartialEq, Eq)]
enum Peek {
    /// Nothing to read, not closed.
    Idle,
    /// Bytes are waiting.
    Readable,
    /// End of stream, or an error.
    Closed,
}

fn peek(stream: &TcpStream) -> Peek {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        let mut byte = 0u8;
        // SAFETY: a 1-byte buffer we own, on a descriptor `stream` keeps open for the call.
        let n = unsafe {
            libc::recv(
                stream.as_raw_fd(),
                (&mut byte as *mut u8).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        match n {
            0 => Peek::Closed,
            n if n > 0 => Peek::Readable,
            _ if io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock => Peek::Idle,
            _ => Peek::Closed,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = stream;
        Peek::Idle
    }
}

/// `true` when nothing is readable and the peer has not closed (an idle keep-alive
/// connection must have nothing to read: a byte or an end of stream means the server is done
/// with it).
fn peek_would_block(stream: &TcpStream) -> bool {
    peek(stream) == Peek::Idle
}

/// Acknowledge what arrives at once instead of delaying the ACK (Linux only; a no-op
/// elsewhere). The kernel leaves quick-ACK mode on its own, so it is set again before the
/// first read of every reply.
fn set_quickack(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let on: libc::c_int = 1;
        // SAFETY: a valid int option value and its size, on a descriptor `stream` owns.
        unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_QUICKACK,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_timeouts_are_whole_milliseconds_and_never_zero() {
        assert_eq!(
            whole_millis(Duration::from_micros(4_999_970)),
            Duration::from_millis(4999)
        );
        assert_eq!(
            whole_millis(Duration::from_micros(4_999_010)),
            Duration::from_millis(4999)
        );
        assert_eq!(
            whole_millis(Duration::from_micros(300)),
            Duration::from_micros(300)
        );
    }

    #[test]
    fn keep_alive_header_forms() {
        assert_eq!(keep_alive_timeout("timeout=5, max=100"), Some(5));
        assert_eq!(keep_alive_timeout("max=100, Timeout = 2"), Some(2));
        assert_eq!(keep_alive_timeout("max=100"), None);
        assert_eq!(keep_alive_timeout("timeout=soon"), None);
    }

    #[test]
    fn announced_keep_alive_shortens_the_idle_limit() {
        let state = Arc::new(ConnState::default());
        state.touch();
        let attempt = Attempt {
            conn: Some(Arc::clone(&state)),
            ..Attempt::default()
        };
        assert!(state.within_idle_limit(Duration::from_secs(55)));
        attempt.apply_keep_alive(Some("timeout=1"));
        assert_eq!(state.server_idle_ms.load(Ordering::Relaxed), 500);
        attempt.apply_keep_alive(Some("timeout=10"));
        assert_eq!(state.server_idle_ms.load(Ordering::Relaxed), 9000);
        state.active_ms.store(0, Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(5));
        assert!(!state.within_idle_limit(Duration::from_millis(1)));
    }
}
