//! The client's background threads (prewarm, prefetch), counted so that `cb_client_free`
//! can wait for them before the host unloads the library code they run.

use crate::log::{log, Level};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// Stack of a background thread: a lookup (TLS handshake included) needs far less.
const STACK_SIZE: usize = 512 * 1024;

/// See the module documentation. Per process, like the rest of the client's state: a forked
/// child has no threads of its parent's to wait for.
#[derive(Default)]
pub(crate) struct Background {
    running: Mutex<usize>,
    idle: Condvar,
}

/// Counts one thread out, also when it panics.
struct Done(Arc<Background>);

impl Drop for Done {
    fn drop(&mut self) {
        *self.0.running() -= 1;
        self.0.idle.notify_all();
    }
}

impl Background {
    fn running(&self) -> MutexGuard<'_, usize> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Run `work` on a new thread named `name`. False (and logged) when no thread could be
    /// started; `work` is then dropped unrun.
    pub(crate) fn spawn(
        self: &Arc<Self>,
        name: &str,
        work: impl FnOnce() + Send + 'static,
    ) -> bool {
        *self.running() += 1;
        let done = Done(Arc::clone(self));
        let started = std::thread::Builder::new()
            .name(name.to_owned())
            .stack_size(STACK_SIZE)
            .spawn(move || {
                let _done = done;
                work()
            });
        match started {
            Ok(_) => true,
            Err(e) => {
                // The closure (and its `Done`) was dropped: the count is already back.
                log!(Level::Warn, "{name}: cannot start a thread: {e}");
                false
            }
        }
    }

    /// Wait until no background thread runs, at most `limit`.
    pub(crate) fn wait_idle(&self, limit: Duration) {
        let until = Instant::now() + limit;
        let mut running = self.running();
        while *running > 0 {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            running = self
                .idle
                .wait_timeout(running, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_its_threads_and_no_longer_than_the_limit() {
        let bg = Arc::new(Background::default());
        assert!(bg.spawn("t", || std::thread::sleep(Duration::from_millis(50))));
        let started = Instant::now();
        bg.wait_idle(Duration::from_secs(5));
        assert!(started.elapsed() >= Duration::from_millis(40));
        assert_eq!(*bg.running(), 0);
        assert!(bg.spawn("t", || std::thread::sleep(Duration::from_secs(2))));
        let started = Instant::now();
        bg.wait_idle(Duration::from_millis(50));
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(bg.spawn("t", || panic!("a panicking thread is counted out too")));
    }
}
