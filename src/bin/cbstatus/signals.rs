//! The few POSIX signal operations the AGI and FastAGI modes need.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Ignore SIGHUP (Asterisk sends it to a classic AGI child when the caller hangs up).
pub fn ignore_sighup() {
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
}

/// Let SIGPIPE end the process, as it ends `cat` or `grep`, for the commands whose only output
/// is what they print: `cbstatus check | head -3` then stops quietly when `head` has read
/// enough, instead of panicking in `println!` (Rust ignores SIGPIPE, so the write fails with
/// EPIPE and `println!` panics on it). Not for AGI, FastAGI or the simulator: they own sockets
/// and pipes to a PBX and treat a closed peer as an ordinary error.
pub fn default_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_DFL has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The last line of defence that keeps a call from waiting on us: ends the process with its
/// exit code when its deadline passes, whatever the main thread is doing. The deadline can be
/// moved (later or earlier) at any time, e.g. once per AGI command.
#[derive(Clone)]
pub struct Watchdog {
    shared: Arc<(Mutex<Instant>, Condvar)>,
}

impl Watchdog {
    /// Start a watchdog that exits with `code` at `deadline` unless it is moved.
    pub fn start(deadline: Instant, code: i32) -> Watchdog {
        let shared = Arc::new((Mutex::new(deadline), Condvar::new()));
        let watched = Arc::clone(&shared);
        std::thread::spawn(move || {
            let (lock, moved) = &*watched;
            let mut deadline = lock.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                let now = Instant::now();
                let at = *deadline;
                if now >= at {
                    break;
                }
                deadline = moved
                    .wait_timeout(deadline, at - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            eprintln!("cbstatus: deadline passed; exiting");
            // `_exit`: do not run destructors or flush stdout, whose lock the main thread may
            // hold. SAFETY: `_exit` has no preconditions.
            unsafe { libc::_exit(code) }
        });
        Watchdog { shared }
    }

    /// Move the deadline to `deadline`.
    pub fn arm_at(&self, deadline: Instant) {
        let (lock, moved) = &*self.shared;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = deadline;
        moved.notify_all();
    }

    /// Move the deadline to `bound` from now (a bound too large for the clock: a year).
    pub fn arm(&self, bound: Duration) {
        let now = Instant::now();
        let year = Duration::from_secs(365 * 24 * 3600);
        self.arm_at(now.checked_add(bound).unwrap_or(now + year));
    }
}

/// Block SIGTERM and SIGINT in this thread (and every thread it spawns later), and run
/// `on_signal` on a dedicated thread when one arrives. Call before spawning other threads.
pub fn on_termination(on_signal: impl FnOnce(i32) + Send + 'static) {
    // SAFETY: plain sigset manipulation on a zeroed set owned by this frame.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    std::thread::spawn(move || {
        let mut signal: libc::c_int = 0;
        // SAFETY: `set` is a valid signal set and `signal` a valid out-pointer.
        let rc = unsafe { libc::sigwait(&set, &mut signal) };
        if rc == 0 {
            on_signal(signal);
        }
    });
}

/// Block SIGHUP in this thread and every thread it spawns later. Call before spawning any
/// thread (also the one of [`on_termination`]), so that none of them is killed by a SIGHUP
/// meant for [`on_hangup`].
pub fn block_hangup() {
    hangup_set();
}

/// Run `on_signal` on a dedicated thread each time SIGHUP arrives (`systemctl reload`).
/// [`block_hangup`] must have been called before any thread was spawned.
pub fn on_hangup(on_signal: impl Fn() + Send + 'static) {
    let set = hangup_set();
    std::thread::spawn(move || loop {
        let mut signal: libc::c_int = 0;
        // SAFETY: `set` is a valid signal set and `signal` a valid out-pointer.
        if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
            on_signal();
        }
    });
}

/// `{SIGHUP}`, blocked in the calling thread.
fn hangup_set() -> libc::sigset_t {
    // SAFETY: plain sigset manipulation on a zeroed set owned by this frame.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGHUP);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    }
}
