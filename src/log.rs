//! Diagnostics, routed to whoever hosts the library: a C callback (`cb_set_log_callback`), or
//! the Rust hook [`set_logger`]. Nothing is written anywhere until a host asks for it, so the
//! library never writes to stdout (the AGI channel) or stderr on its own.
//!
//! Messages never contain the API token; numbers are shown by their last 4 digits.

use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};
use std::sync::Arc;

/// How serious a message is. The numbers are part of the C API (`CB_LOG_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A request failed or the API misbehaved.
    Error = 1,
    /// Something degraded but handled (breaker opened, fallback spoken).
    Warn = 2,
    /// One line per request.
    Info = 3,
    /// Details for troubleshooting.
    Debug = 4,
}

impl Level {
    /// The level for a C code (1-4), if valid.
    pub fn from_code(code: i32) -> Option<Level> {
        [Level::Error, Level::Warn, Level::Info, Level::Debug]
            .into_iter()
            .find(|l| *l as i32 == code)
    }

    /// `error`, `warn`, `info`, `debug`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }
}

/// A log sink.
pub type Logger = Arc<dyn Fn(Level, &str) + Send + Sync>;

/// The current sink, read without any lock: a lock held by another thread when the host
/// calls `fork()` would stay locked for ever in the child, and its first log line would hang.
/// Each [`set_logger`] pushes a new [`Sink`] and nothing is ever freed (a host sets its logger
/// once or a few times), so a reader never sees a sink disappear under it.
static SINK: AtomicPtr<Sink> = AtomicPtr::new(std::ptr::null_mut());
/// Most verbose level delivered (0: nothing), checked before formatting anything.
static MAX_LEVEL: AtomicU8 = AtomicU8::new(0);

struct Sink {
    logger: Option<Logger>,
    /// The sink this one replaced: kept reachable, never freed.
    _replaced: *const Sink,
}

/// Send messages up to `max_level` to `logger`; `None` turns logging off.
pub fn set_logger(logger: Option<Logger>, max_level: Level) {
    let enabled = logger.is_some();
    let mut current = SINK.load(Ordering::Acquire);
    let sink = Box::into_raw(Box::new(Sink {
        logger,
        _replaced: current,
    }));
    loop {
        match SINK.compare_exchange(current, sink, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => break,
            Err(now) => {
                current = now;
                // SAFETY: `sink` is not published yet; only this thread refers to it.
                unsafe { (*sink)._replaced = now };
            }
        }
    }
    MAX_LEVEL.store(if enabled { max_level as u8 } else { 0 }, Ordering::SeqCst);
}

/// Would a message at `level` be delivered?
pub fn enabled(level: Level) -> bool {
    (level as u8) <= MAX_LEVEL.load(Ordering::Relaxed)
}

/// Deliver a message (formatted lazily by the caller after checking [`enabled`]).
pub fn emit(level: Level, message: &str) {
    if !enabled(level) {
        return;
    }
    // SAFETY: sinks are never freed (see `SINK`).
    if let Some(logger) =
        unsafe { SINK.load(Ordering::Acquire).as_ref() }.and_then(|sink| sink.logger.as_ref())
    {
        logger(level, message);
    }
}

/// Log with `format!` arguments, formatting only when the level is enabled.
macro_rules! log {
    ($level:expr, $($arg:tt)*) => {
        if $crate::log::enabled($level) {
            $crate::log::emit($level, &format!($($arg)*));
        }
    };
}
pub(crate) use log;

/// A number as it may appear in logs: its last 4 digits.
pub fn masked(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let tail: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn levels_filter_and_numbers_are_masked() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        set_logger(
            Some(Arc::new(move |level, msg: &str| {
                sink.lock().unwrap().push((level, msg.to_string()))
            })),
            Level::Warn,
        );
        log!(Level::Error, "bad {}", 1);
        log!(Level::Info, "chatty");
        set_logger(None, Level::Debug);
        log!(Level::Error, "after");
        let seen = seen.lock().unwrap();
        assert_eq!(*seen, vec![(Level::Error, "bad 1".to_string())]);
        assert_eq!(masked("+15551234567"), "…4567");
        assert_eq!(Level::from_code(3), Some(Level::Info));
        assert_eq!(Level::from_code(9), None);
    }
}
