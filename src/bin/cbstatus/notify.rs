//! systemd's service notification protocol (sd_notify(3)), spoken directly: one datagram per
//! state change to the unix socket `NOTIFY_SOCKET` names (a path, or `@name` in the abstract
//! namespace). `READY=1` once listening, `RELOADING=1` / `READY=1` around a reload,
//! `STOPPING=1` on SIGTERM, and `WATCHDOG=1` every half `WATCHDOG_USEC` when the unit sets
//! `WatchdogSec=`. Without `NOTIFY_SOCKET` (not started by systemd) every call does nothing.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::Arc;
use std::time::Duration;

/// Where to send notifications, if anywhere.
pub struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
}

impl Notifier {
    /// From `NOTIFY_SOCKET`; a missing or unusable socket disables notifications (with a
    /// note on stderr when it is set but unusable).
    pub fn from_env() -> Notifier {
        let target = std::env::var_os("NOTIFY_SOCKET").and_then(|path| {
            let connect = || -> std::io::Result<(UnixDatagram, SocketAddr)> {
                let addr = socket_addr(path.as_encoded_bytes())?;
                Ok((UnixDatagram::unbound()?, addr))
            };
            connect()
                .map_err(|e| eprintln!("cbstatus fastagi: NOTIFY_SOCKET unusable: {e}"))
                .ok()
        });
        Notifier { target }
    }

    /// Send `state` (e.g. `READY=1`). Failures are reported on stderr, never fatal.
    pub fn notify(&self, state: &str) {
        if let Some((socket, addr)) = &self.target {
            if let Err(e) = socket.send_to_addr(state.as_bytes(), addr) {
                eprintln!("cbstatus fastagi: cannot notify systemd ({state}): {e}");
            }
        }
    }

    /// `RELOADING=1` with the monotonic time systemd asks for.
    pub fn reloading(&self) {
        self.notify(&format!("RELOADING=1\nMONOTONIC_USEC={}", monotonic_usec()));
    }

    /// When the unit sets `WatchdogSec=` (`WATCHDOG_USEC`, for this process per
    /// `WATCHDOG_PID`), send `WATCHDOG=1` every half of it on a background thread.
    pub fn start_watchdog(self: &Arc<Self>) {
        let Some(interval) = watchdog_interval() else {
            return;
        };
        let notifier = Arc::clone(self);
        let _ = std::thread::Builder::new()
            .name("watchdog".into())
            .spawn(move || loop {
                notifier.notify("WATCHDOG=1");
                std::thread::sleep(interval / 2);
            });
    }
}

/// `WATCHDOG_USEC` when it is meant for this process.
fn watchdog_interval() -> Option<Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.trim().parse().ok()?;
    if let Ok(pid) = std::env::var("WATCHDOG_PID") {
        if pid.trim().parse::<u32>().ok()? != std::process::id() {
            return None;
        }
    }
    (usec > 0).then(|| Duration::from_micros(usec))
}

fn socket_addr(path: &[u8]) -> std::io::Result<SocketAddr> {
    match path.strip_prefix(b"@") {
        Some(name) => SocketAddr::from_abstract_name(name),
        None => SocketAddr::from_pathname(std::ffi::OsStr::from_bytes(path)),
    }
}

fn monotonic_usec() -> u64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    (now.tv_sec as u64) * 1_000_000 + (now.tv_nsec as u64) / 1000
}
