//! The few POSIX signal operations the AGI and FastAGI modes need.

use std::time::Duration;

/// Ignore SIGHUP (Asterisk sends it to a classic AGI child when the caller hangs up).
pub fn ignore_sighup() {
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
    }
}

/// End the process with `code` after `delay`, whatever the main thread is doing: the last
/// line of defence that keeps a call from waiting on us.
pub fn exit_after(delay: Duration, code: i32) {
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        eprintln!(
            "cbstatus: deadline of {} ms passed; exiting",
            delay.as_millis()
        );
        // `_exit`: do not run destructors or flush stdout, whose lock the main thread may hold.
        // SAFETY: `_exit` has no preconditions.
        unsafe { libc::_exit(code) }
    });
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
