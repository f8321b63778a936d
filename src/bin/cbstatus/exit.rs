//! The exit statuses every subcommand shares (documented in `cbstatus --help` and the man
//! page): a leaf, so that any subcommand may use them without reaching into `main`.

/// Exit code: the lookup answered (found or not found).
pub const EXIT_OK: u8 = 0;
/// Exit code: the lookup failed (the fallback sentence was printed).
pub const EXIT_LOOKUP_FAILED: u8 = 1;
/// Exit code: usage error, bad configuration or invalid number.
pub const EXIT_USAGE: u8 = 2;
