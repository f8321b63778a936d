//! The operator endpoint's connections, served by one thread with `poll(2)`, so that no client
//! behaviour can keep a health probe waiting:
//!
//! - **One deadline per request.** From its `accept()`, a client has [`REQUEST_TIMEOUT`] for
//!   its whole head (request line and headers), however it spreads the bytes: a socket timeout
//!   restarts with every byte, this deadline does not. Then [`RESPONSE_TIMEOUT`] to take the
//!   answer (a client that never reads it is closed then).
//! - **The oldest connection makes room.** At most [`MAX_CONNECTIONS`] are held; a new one
//!   beyond that closes the oldest. A probe sends its request the moment it connects and is
//!   answered within the same turn of the loop (its bytes are read right after `accept()`), so
//!   it is never the oldest for long, while connections that drip or send nothing age out of
//!   the way. A reserved probe slot would not do: which connection is a probe is only known
//!   once its request line has arrived.
//! - **Nothing blocks.** Sockets are non-blocking; the head is parsed from what arrived
//!   (`head.rs`); an answer that does not fit the socket buffer is sent as the client reads.
//!   After the answer, the rest of the input is read and dropped until EOF (at most
//!   [`LINGER`]) so that closing with unread bytes does not reset the answer away.

use super::head::{HeadReader, Refused};
use super::{route, Response, Routes};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// Connections held at once; a new one beyond this closes the oldest.
pub const MAX_CONNECTIONS: usize = 64;
/// Time from `accept()` to the end of the request head, whatever the byte rate.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// Time to take the whole answer once the head has arrived.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest wait for the client to close after its answer was sent.
const LINGER: Duration = Duration::from_millis(500);
/// Wait after `accept()` failed for lack of descriptors, before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
/// Most connections accepted in one turn of the loop: a flood arriving faster than it is
/// accepted must not keep the loop from its deadlines and answers in progress.
const ACCEPTS_PER_TURN: usize = 256;

/// Serve `listener` (non-blocking) forever.
pub fn serve(listener: TcpListener, routes: &dyn Routes) {
    let mut connections: VecDeque<Connection> = VecDeque::new();
    let mut backoff_until: Option<Instant> = None;
    loop {
        let now = Instant::now();
        let accepting = backoff_until.is_none_or(|until| now >= until);
        if accepting {
            backoff_until = None;
        }
        let mut fds = Vec::with_capacity(connections.len() + 1);
        fds.push(pollfd(
            listener.as_raw_fd(),
            if accepting { libc::POLLIN } else { 0 },
        ));
        fds.extend(
            connections
                .iter()
                .map(|c| pollfd(c.stream.as_raw_fd(), c.events())),
        );
        let wake = connections
            .iter()
            .map(|c| c.deadline)
            .chain(backoff_until)
            .min();
        if poll(&mut fds, wake).is_err() {
            std::thread::sleep(ACCEPT_BACKOFF);
            continue;
        }
        let now = Instant::now();
        for (connection, fd) in connections.iter_mut().zip(&fds[1..]) {
            if fd.revents != 0 {
                connection.progress(routes, now);
            }
        }
        connections.retain(|c| !c.finished(now));
        if accepting && fds[0].revents != 0 {
            backoff_until = accept_all(&listener, &mut connections, routes);
        }
    }
}

/// Accept the pending connections (at most [`ACCEPTS_PER_TURN`]), answering at once those
/// whose request has arrived. Returns when to try again if the process is out of descriptors.
fn accept_all(
    listener: &TcpListener,
    connections: &mut VecDeque<Connection>,
    routes: &dyn Routes,
) -> Option<Instant> {
    for _ in 0..ACCEPTS_PER_TURN {
        match listener.accept() {
            Ok((stream, _)) => {
                if stream.set_nonblocking(true).is_err() {
                    continue;
                }
                let now = Instant::now();
                let mut connection = Connection::new(stream, now);
                connection.progress(routes, now);
                if connection.finished(now) {
                    continue;
                }
                if connections.len() >= MAX_CONNECTIONS {
                    connections.pop_front(); // closed: the oldest makes room
                }
                connections.push_back(connection);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return None,
            Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                // Free a descriptor for the next one; if none is ours, wait: the listener
                // stays readable, and polling it again at once would spin.
                if connections.pop_front().is_none() {
                    return Some(Instant::now() + ACCEPT_BACKOFF);
                }
            }
            Err(_) => {} // that connection is gone already (ECONNABORTED, EINTR ...)
        }
    }
    None // more may be waiting: the listener is still readable at the next poll
}

/// One client, from `accept()` to close.
struct Connection {
    stream: TcpStream,
    /// When the current phase must be over.
    deadline: Instant,
    phase: Phase,
}

enum Phase {
    /// The head is arriving.
    Reading(HeadReader),
    /// The answer is going out.
    Writing {
        bytes: Vec<u8>,
        sent: usize,
    },
    /// Answered; reading and dropping input until the client closes.
    Draining,
    Closed,
}

impl Connection {
    fn new(stream: TcpStream, accepted: Instant) -> Connection {
        Connection {
            stream,
            deadline: accepted + REQUEST_TIMEOUT,
            phase: Phase::Reading(HeadReader::default()),
        }
    }

    fn events(&self) -> libc::c_short {
        match self.phase {
            Phase::Writing { .. } => libc::POLLOUT,
            _ => libc::POLLIN,
        }
    }

    /// Over: closed, or its deadline passed (dropping it closes the socket).
    fn finished(&self, now: Instant) -> bool {
        matches!(self.phase, Phase::Closed) || now >= self.deadline
    }

    /// Do whatever the socket allows now, without blocking.
    fn progress(&mut self, routes: &dyn Routes, now: Instant) {
        if let Phase::Reading(head) = &mut self.phase {
            match read_head(&mut self.stream, head) {
                Step::Waiting => return,
                Step::Gone => {
                    self.phase = Phase::Closed;
                    return;
                }
                Step::Answer(response) => {
                    let bytes = match response {
                        Ok(head) => route(&head, routes),
                        Err(Refused::TooLarge) => Response::text(431, "request head too large\n"),
                        Err(Refused::Bad) => Response::text(400, "bad request\n"),
                    }
                    .bytes();
                    self.deadline = now + RESPONSE_TIMEOUT;
                    self.phase = Phase::Writing { bytes, sent: 0 };
                }
            }
        }
        if let Phase::Writing { bytes, sent } = &mut self.phase {
            while *sent < bytes.len() {
                match self.stream.write(&bytes[*sent..]) {
                    Ok(0) => break,
                    Ok(n) => *sent += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                    Err(_) => {
                        self.phase = Phase::Closed;
                        return;
                    }
                }
            }
            if *sent < bytes.len() {
                self.phase = Phase::Closed;
                return;
            }
            let _ = self.stream.shutdown(Shutdown::Write);
            self.deadline = self.deadline.min(now + LINGER);
            self.phase = Phase::Draining;
        }
        if let Phase::Draining = self.phase {
            let mut sink = [0u8; 4096];
            loop {
                match self.stream.read(&mut sink) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                    Err(_) => break,
                }
            }
            self.phase = Phase::Closed;
        }
    }
}

/// What reading the head came to.
enum Step {
    /// Not all there yet.
    Waiting,
    /// Closed or failed before a request: nobody to answer.
    Gone,
    /// The head (or why it gets no route): answer it.
    Answer(Result<super::head::Head, Refused>),
}

/// Read what has arrived (at most what the head may still hold) into `head`.
fn read_head(stream: &mut TcpStream, head: &mut HeadReader) -> Step {
    let mut buf = [0u8; 4096];
    loop {
        let room = head.room().clamp(1, buf.len());
        match stream.read(&mut buf[..room]) {
            Ok(0) if head.started() => return Step::Answer(Err(Refused::Bad)),
            Ok(0) => return Step::Gone,
            Ok(n) => match head.feed(&buf[..n]) {
                Ok(None) => {}
                Ok(Some(request)) => return Step::Answer(Ok(request)),
                Err(refused) => return Step::Answer(Err(refused)),
            },
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Waiting,
            Err(_) => return Step::Gone,
        }
    }
}

fn pollfd(fd: libc::c_int, events: libc::c_short) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

/// `poll(2)` until an event or `wake` (None: no deadline pending).
fn poll(fds: &mut [libc::pollfd], wake: Option<Instant>) -> io::Result<()> {
    let ms = match wake {
        None => -1,
        Some(at) => {
            // Rounded up: waking a little before the deadline would spin until it passes.
            let left = at.saturating_duration_since(Instant::now());
            let ms = left.as_millis() + u128::from(left.subsec_nanos() % 1_000_000 != 0);
            i32::try_from(ms).unwrap_or(i32::MAX)
        }
    };
    // SAFETY: `fds` is a valid array of `fds.len()` pollfd structures.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
        fds.iter_mut().for_each(|fd| fd.revents = 0);
    }
    Ok(())
}
