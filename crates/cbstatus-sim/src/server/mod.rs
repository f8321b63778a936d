//! The accept loop and connection handling (reading requests, writing answers).
//!
//! Routing is in `routes.rs`; applying a fault to a connection is in `inject.rs`, beside this
//! file, and what a fault is in `faults.rs`.

mod inject;

use super::http::{self, Head, Parsed, ResponseHead};
use super::registry::Registry;
use super::scenarios::Scenarios;
use crate::options::Options;
use crate::recorded::RecordedRequest;
use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long a write may block (a client that stopped reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// How many requests [`Shared::requests`] keeps.
pub(crate) const LOG_CAP: usize = 10_000;
/// Stack size of connection threads.
const STACK_SIZE: usize = 512 * 1024;
/// Bodies up to this size go out in the same write as the head.
const COALESCE: usize = 32 * 1024;

/// Locks a mutex, ignoring poisoning (a panicking handler must not take the server down).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The shutdown flag, with a condition variable so sleepers wake at once.
#[derive(Default)]
pub(crate) struct Stop {
    flag: AtomicBool,
    lock: Mutex<()>,
    cv: Condvar,
}

impl Stop {
    pub(crate) fn is_set(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    pub(crate) fn set(&self) {
        self.flag.store(true, Ordering::Release);
        let _guard = lock(&self.lock);
        self.cv.notify_all();
    }

    /// Sleeps `d` (or until `deadline` for `sleep_until`); false when interrupted by shutdown.
    pub(crate) fn sleep(&self, d: Duration) -> bool {
        self.sleep_until(Some(Instant::now() + d))
    }

    /// `None` sleeps until shutdown.
    fn sleep_until(&self, deadline: Option<Instant>) -> bool {
        let mut guard = lock(&self.lock);
        loop {
            if self.is_set() {
                return false;
            }
            match deadline {
                None => guard = self.cv.wait(guard).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return true;
                    }
                    guard = self
                        .cv
                        .wait_timeout(guard, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
    }
}

/// State shared by the accept loop, the connection threads and the [`Simulator`](super::Simulator).
pub(crate) struct Shared {
    pub(crate) scenarios: Scenarios,
    pub(crate) options: Options,
    pub(crate) stop: Stop,
    log: Mutex<VecDeque<RecordedRequest>>,
    pub(crate) total: AtomicUsize,
    pub(crate) connections: AtomicUsize,
    /// Per number: its only open callback was canceled.
    pub(super) canceled: Vec<AtomicBool>,
    pub(super) number_counters: Vec<AtomicU64>,
    pub(super) widget_counters: Vec<AtomicU64>,
    pub(super) global_counter: AtomicU64,
    pub(super) seq: AtomicU64,
    /// Callbacks registered with `request_callback`.
    pub(super) registry: Mutex<Registry>,
    /// `no_accept`: `Some(None)` pauses until shutdown, `Some(Some(t))` until `t`.
    pause: Mutex<Option<Option<Instant>>>,
    /// Clones of the open connections, to shut them down on shutdown.
    open: Mutex<HashMap<u64, TcpStream>>,
    handlers: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    pub(crate) fn new(scenarios: Scenarios, options: Options) -> Shared {
        let counters = |n: usize| (0..n).map(|_| AtomicU64::new(0)).collect();
        Shared {
            canceled: (0..scenarios.numbers.len())
                .map(|_| AtomicBool::new(false))
                .collect(),
            number_counters: counters(scenarios.numbers.len()),
            widget_counters: counters(scenarios.widgets.len()),
            scenarios,
            options,
            stop: Stop::default(),
            log: Mutex::new(VecDeque::new()),
            total: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            global_counter: AtomicU64::new(0),
            seq: AtomicU64::new(0),
            registry: Mutex::new(Registry::default()),
            pause: Mutex::new(None),
            open: Mutex::new(HashMap::new()),
            handlers: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.log).iter().cloned().collect()
    }

    fn record(&self, r: RecordedRequest) {
        self.total.fetch_add(1, Ordering::Relaxed);
        let mut log = lock(&self.log);
        if log.len() >= LOG_CAP {
            log.pop_front();
        }
        log.push_back(r);
    }

    /// Stops every connection: called once the accept loop has ended.
    pub(crate) fn close_all(&self) {
        for (_, s) in lock(&self.open).drain() {
            let _ = s.shutdown(Shutdown::Both);
        }
        let handlers = std::mem::take(&mut *lock(&self.handlers));
        for h in handlers {
            let _ = h.join();
        }
    }

    /// Blocks the accept loop while a `no_accept` fault is active.
    fn wait_while_paused(&self) {
        loop {
            let until = match *lock(&self.pause) {
                None => return,
                Some(until) => until,
            };
            if until.is_some_and(|t| Instant::now() >= t) {
                let mut p = lock(&self.pause);
                if *p == Some(until) {
                    *p = None;
                }
                continue;
            }
            if !self.stop.sleep_until(until) {
                return;
            }
        }
    }
}

/// The accept loop; ends when [`Stop`] is set (and a connection wakes it).
pub(crate) fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    loop {
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(_) => {
                // EMFILE, ECONNABORTED...: back off briefly instead of spinning.
                if shared.stop.is_set() || !shared.stop.sleep(Duration::from_millis(10)) {
                    return;
                }
                continue;
            }
        };
        if shared.stop.is_set() {
            return;
        }
        shared.wait_while_paused();
        if shared.stop.is_set() {
            return;
        }
        let id = shared.connections.fetch_add(1, Ordering::Relaxed) as u64 + 1;
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        lock(&shared.open).insert(id, clone);
        let sh = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name(format!("cbstatus-sim-{id}"))
            .stack_size(STACK_SIZE)
            .spawn(move || connection(&sh, stream, id));
        match spawned {
            Ok(h) => {
                let mut handlers = lock(&shared.handlers);
                // Finished threads are already gone; dropping their handles only frees them.
                handlers.retain(|h| !h.is_finished());
                handlers.push(h);
            }
            Err(_) => {
                lock(&shared.open).remove(&id);
            }
        }
    }
}

/// How a connection ends.
enum End {
    /// Close normally.
    Close,
    /// Close after an error answer: stop writing, drain what the client still sends, close (so
    /// the answer is not lost to a reset).
    Linger,
    /// Close with a TCP RST.
    Reset,
}

/// Removes a connection's clone from [`Shared::open`] when dropped (also on panic).
struct Registered<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        lock(&self.shared.open).remove(&self.id);
    }
}

fn connection(shared: &Shared, stream: TcpStream, id: u64) {
    let registered = Registered { shared, id };
    let end = {
        let mut conn = Conn {
            shared,
            stream: &stream,
            id,
            buf: Vec::with_capacity(8 * 1024),
            out: Vec::with_capacity(8 * 1024),
            body: Vec::with_capacity(4 * 1024),
            scratch: String::new(),
        };
        conn.serve()
    };
    // Drop our clone first: the socket only closes when the last descriptor does.
    drop(registered);
    match end {
        End::Close => {}
        End::Reset => set_linger_zero(&stream),
        End::Linger => {
            let _ = stream.shutdown(Shutdown::Write);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
            let start = Instant::now();
            let mut sink = [0u8; 4096];
            while start.elapsed() < Duration::from_millis(500) && !shared.stop.is_set() {
                match (&stream).read(&mut sink) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if is_timeout(&e) => {}
                    Err(_) => break,
                }
            }
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Sets SO_LINGER to 0 so closing the socket sends a RST.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
fn set_linger_zero(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    use std::os::raw::{c_int, c_void};

    #[repr(C)]
    struct Linger {
        l_onoff: c_int,
        l_linger: c_int,
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const SOL_SOCKET: c_int = 1;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const SO_LINGER: c_int = 13;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const SOL_SOCKET: c_int = 0xffff;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const SO_LINGER: c_int = 0x0080;

    extern "C" {
        fn setsockopt(
            socket: c_int,
            level: c_int,
            name: c_int,
            value: *const c_void,
            len: u32,
        ) -> c_int;
    }
    let linger = Linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: `linger` is a valid `struct linger` that outlives the call, its size is passed,
    // and the descriptor is owned by `stream` for the duration of the call.
    unsafe {
        setsockopt(
            stream.as_raw_fd(),
            SOL_SOCKET,
            SO_LINGER,
            (&linger as *const Linger).cast(),
            std::mem::size_of::<Linger>() as u32,
        );
    }
}

/// Without a known `setsockopt`, a reset is a plain close.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)))]
fn set_linger_zero(_stream: &TcpStream) {}

/// What to do with a request.
pub(super) enum Action {
    Reply(Reply),
    /// Keep the socket open, never answer.
    Hang,
    /// Close with a RST.
    Reset,
    /// Close unanswered and pause the accept loop.
    NoAccept(Option<u64>),
    /// Shutdown began while handling: close.
    Close,
}

/// A response; the body is in [`Conn::body`] unless `huge`.
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) content_type: Cow<'static, str>,
    pub(super) retry_after: Option<String>,
    pub(super) allow: Option<&'static str>,
    /// Stream a valid-looking body of this many bytes instead.
    pub(super) huge: Option<u64>,
    /// Drip the body: (interval, bytes per write).
    pub(super) drip: Option<(Duration, usize)>,
    pub(super) close: bool,
}

impl Reply {
    pub(super) fn json(status: u16) -> Reply {
        Reply {
            status,
            content_type: Cow::Borrowed("application/json"),
            retry_after: None,
            allow: None,
            huge: None,
            drip: None,
            close: false,
        }
    }
}

const HUGE_PREFIX: &[u8] =
    b"{\"data\":[{\"status\":\"waitlisted\",\"type\":\"ASAP\",\"padding\":\"";
const HUGE_SUFFIX: &[u8] = b"\"}]}";

pub(super) struct Conn<'a> {
    pub(super) shared: &'a Shared,
    stream: &'a TcpStream,
    id: u64,
    /// Bytes received and not yet consumed.
    pub(super) buf: Vec<u8>,
    /// Response head (and small bodies).
    out: Vec<u8>,
    /// Response body.
    pub(super) body: Vec<u8>,
    pub(super) scratch: String,
}

impl Conn<'_> {
    fn serve(&mut self) -> End {
        // Two segments: Nagle on, so the body waits for the client's ACK of the head.
        let _ = self.stream.set_nodelay(!self.shared.options.two_segments);
        let _ = self
            .stream
            .set_read_timeout(Some(self.shared.options.idle_timeout));
        let _ = self.stream.set_write_timeout(Some(WRITE_TIMEOUT));
        loop {
            // Blank lines before a request line are ignored (RFC 9112 §2.2).
            let blank = self
                .buf
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            if blank > 0 {
                self.buf.drain(..blank);
            }
            let head = match http::parse_head(&self.buf) {
                Parsed::Partial => {
                    if !self.fill(4096) {
                        return End::Close;
                    }
                    continue;
                }
                Parsed::Error(code, message) => {
                    self.send_error(code, message);
                    return End::Linger;
                }
                Parsed::Complete(head) => head,
            };
            let total = head.len + head.content_length;
            if self.buf.len() < total
                && head.expect_continue
                && self
                    .stream
                    .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                    .is_err()
            {
                return End::Close;
            }
            while self.buf.len() < total {
                if !self.fill(total - self.buf.len()) {
                    return End::Close;
                }
            }
            self.record(&head);
            let action = self.handle(&head);
            let keep_alive = !head.close && !self.shared.stop.is_set();
            match action {
                Action::Reply(reply) => {
                    let keep_alive = keep_alive && !reply.close;
                    if self.send(&reply, keep_alive).is_err() || !keep_alive {
                        return End::Close;
                    }
                }
                Action::Hang => {
                    self.hang();
                    return End::Close;
                }
                Action::Reset => return End::Reset,
                Action::NoAccept(ms) => {
                    *lock(&self.shared.pause) =
                        Some(ms.map(|ms| Instant::now() + Duration::from_millis(ms)));
                    return End::Close;
                }
                Action::Close => return End::Close,
            }
            self.buf.drain(..total);
        }
    }

    /// Reads more bytes (at least tries `want`); false on EOF, error, idle timeout or shutdown.
    fn fill(&mut self, want: usize) -> bool {
        let chunk = want.clamp(4096, 64 * 1024);
        let len = self.buf.len();
        self.buf.resize(len + chunk, 0);
        loop {
            match self.stream.read(&mut self.buf[len..]) {
                Ok(0) => {
                    self.buf.truncate(len);
                    return false;
                }
                Ok(n) => {
                    self.buf.truncate(len + n);
                    return !self.shared.stop.is_set();
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.buf.truncate(len);
                    return false;
                }
            }
        }
    }

    /// `hang`: read and discard until the client closes or shutdown.
    fn hang(&mut self) {
        let mut sink = [0u8; 1024];
        loop {
            if self.shared.stop.is_set() {
                return;
            }
            match self.stream.read(&mut sink) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted || is_timeout(&e) => {}
                Err(_) => return,
            }
        }
    }

    fn record(&mut self, head: &Head) {
        let buf = &self.buf;
        let body_range = head.len..head.len + head.content_length;
        self.shared.record(RecordedRequest {
            method: head.method(buf).to_owned(),
            path: head.path(buf).to_owned(),
            query: head.query(buf).to_owned(),
            headers: head
                .headers(buf)
                .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
                .collect(),
            body: buf[body_range].to_vec(),
            connection: self.id,
            received_at: Instant::now(),
        });
    }

    fn send_error(&mut self, code: u16, message: &str) {
        self.body.clear();
        http::error_body(&mut self.body, http::reason(code), message);
        let mut reply = Reply::json(code);
        reply.close = true;
        let _ = self.send(&reply, false);
    }

    fn send(&mut self, reply: &Reply, keep_alive: bool) -> io::Result<()> {
        let len = reply.huge.unwrap_or(self.body.len() as u64);
        self.out.clear();
        http::write_head(
            &mut self.out,
            &ResponseHead {
                status: reply.status,
                content_type: &reply.content_type,
                content_length: len,
                keep_alive,
                keep_alive_timeout: self.shared.options.keep_alive_timeout,
                retry_after: reply.retry_after.as_deref(),
                allow: reply.allow,
            },
        );
        let mut stream = self.stream;
        if let Some(size) = reply.huge {
            stream.write_all(&self.out)?;
            return self.stream_huge(size);
        }
        if let Some((interval, step)) = reply.drip {
            stream.write_all(&self.out)?;
            for (i, piece) in self.body.chunks(step).enumerate() {
                if i > 0 && !self.shared.stop.sleep(interval) {
                    return Err(io::ErrorKind::ConnectionAborted.into());
                }
                stream.write_all(piece)?;
            }
            return Ok(());
        }
        if self.body.len() <= COALESCE && !self.shared.options.two_segments {
            self.out.extend_from_slice(&self.body);
            stream.write_all(&self.out)
        } else {
            stream.write_all(&self.out)?;
            stream.write_all(&self.body)
        }
    }

    /// Streams `size` bytes of `{"data":[{..."padding":"xxxx..."}]}` without allocating it.
    fn stream_huge(&self, size: u64) -> io::Result<()> {
        static PAD: [u8; 64 * 1024] = [b'x'; 64 * 1024];
        let mut stream = self.stream;
        let frame = (HUGE_PREFIX.len() + HUGE_SUFFIX.len()) as u64;
        if size < frame {
            let mut all = HUGE_PREFIX.to_vec();
            all.extend_from_slice(HUGE_SUFFIX);
            return stream.write_all(&all[..size as usize]);
        }
        stream.write_all(HUGE_PREFIX)?;
        let mut left = size - frame;
        while left > 0 {
            if self.shared.stop.is_set() {
                return Err(io::ErrorKind::ConnectionAborted.into());
            }
            let n = left.min(PAD.len() as u64) as usize;
            stream.write_all(&PAD[..n])?;
            left -= n as u64;
        }
        stream.write_all(HUGE_SUFFIX)
    }
}

/// How many connections are open (their handler threads have not finished).
#[cfg(test)]
pub(crate) fn tests_open_connections(shared: &Shared) -> usize {
    lock(&shared.open).len()
}
