//! The accept loop: waits on the listening socket and on a wake-up pipe (shutdown), hands
//! each connection on, and rides out descriptor exhaustion (EMFILE, ENFILE) by backing off
//! instead of spinning: the pending connection stays in the kernel's backlog and is accepted
//! as soon as a descriptor frees up.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// First wait after an `accept()` failed for lack of resources.
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
/// Longest wait between two tries: the most a call waits once descriptors are free again.
const MAX_BACKOFF: Duration = Duration::from_millis(250);

/// A self-pipe that ends [`accept_until_woken`] from another thread (a signal handler
/// thread): it needs no new descriptor, so it works even when the process has none left.
pub struct Wake {
    read: OwnedFd,
    write: OwnedFd,
}

impl Wake {
    pub fn new() -> io::Result<Wake> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: `fds` is a valid out-array of two descriptors.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: pipe2 succeeded; both descriptors are new and owned only here.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        Ok(Wake { read, write })
    }

    /// End the accept loop (any thread, any number of times).
    pub fn wake(&self) {
        // SAFETY: writing one byte from a valid buffer to our own pipe. A full pipe (EAGAIN)
        // already holds a wake-up.
        unsafe {
            libc::write(self.write.as_raw_fd(), [1u8].as_ptr().cast(), 1);
        }
    }
}

/// Accept connections and pass each to `on_connection` with the time it was accepted, until
/// `wake` is woken.
pub fn accept_until_woken(
    listener: &TcpListener,
    wake: &Wake,
    mut on_connection: impl FnMut(TcpStream, Instant),
) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut backoff = Backoff::default();
    loop {
        // While backing off, only a wake-up ends the wait early.
        let listening = backoff.delay.is_none().then(|| listener.as_raw_fd());
        if wait(listening, wake.read.as_raw_fd(), backoff.delay)? {
            return Ok(());
        }
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    backoff.succeeded();
                    // Accepted sockets do not inherit non-blocking mode on Linux; be sure.
                    if stream.set_nonblocking(false).is_ok() {
                        on_connection(stream, Instant::now());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if transient(&e) => continue,
                Err(e) => {
                    backoff.failed(&e);
                    break;
                }
            }
        }
    }
}

/// A failure that concerns only the connection being accepted (it is gone already).
fn transient(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EINTR | libc::ECONNABORTED | libc::EPROTO | libc::EPERM)
    )
}

/// Poll the listener (if given) and the wake-up pipe, for at most `timeout` (None: forever).
/// True when woken.
fn wait(listener: Option<RawFd>, wake: RawFd, timeout: Option<Duration>) -> io::Result<bool> {
    let mut fds = vec![libc::pollfd {
        fd: wake,
        events: libc::POLLIN,
        revents: 0,
    }];
    if let Some(fd) = listener {
        fds.push(libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        });
    }
    let ms = timeout.map_or(-1, |t| i32::try_from(t.as_millis()).unwrap_or(i32::MAX));
    // SAFETY: `fds` is a valid array of `fds.len()` pollfd structures.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::Interrupted {
            Ok(false)
        } else {
            Err(e)
        };
    }
    Ok(fds[0].revents != 0)
}

/// Exponential back-off while `accept()` fails, reported once per episode.
#[derive(Default)]
struct Backoff {
    delay: Option<Duration>,
    failures: u64,
}

impl Backoff {
    fn failed(&mut self, e: &io::Error) {
        if self.failures == 0 {
            eprintln!(
                "cbstatus fastagi: cannot accept a connection: {e}; retrying every \
                 {} ms at most until descriptors free up (see LimitNOFILE)",
                MAX_BACKOFF.as_millis()
            );
        }
        self.failures += 1;
        self.delay = Some(
            self.delay
                .map_or(FIRST_BACKOFF, |d| (d * 2).min(MAX_BACKOFF)),
        );
    }

    fn succeeded(&mut self) {
        if self.failures > 0 {
            eprintln!(
                "cbstatus fastagi: accepting again after {} failed accept() calls",
                self.failures
            );
        }
        *self = Backoff::default();
    }
}
