//! The C ABI (`include/cbstatus.h`).
//!
//! One module per C concept: [`codes`] (status codes, names, version), [`config`]
//! (`cb_config`), [`client`] (`cb_client` and every request it makes, the callback journey's
//! `cb_client_offer`/`cb_client_register` included), [`result`] (`cb_result` and all its
//! accessors), [`variables`] (`cb_variables`, the channel variables), [`oneshot`]
//! (`cb_status_lookup`, `cb_string_free`, `cb_shutdown`). Every export runs its body through
//! `boundary`'s one panic boundary, checks every pointer, and validates UTF-8.
//!
//! Thread-safety: `cb_client` and `cb_result` handles may be used from many threads at once;
//! a `cb_config` belongs to one thread at a time. The last error is kept per thread.

// Each export's doc comment states its C contract (pointer validity, ownership); that is
// the safety section C callers read in the header.
#![allow(clippy::missing_safety_doc)]

// Declared in the order the header presents them (rustfmt.toml keeps this order).
pub mod codes;
pub mod oneshot;
pub mod log;
pub mod config;
pub mod client;
pub mod result;
pub mod variables;
#[cfg(feature = "test-panic")]
pub mod testing;
mod boundary;

pub use self::log::*;
pub use client::*;
pub use codes::*;
pub use result::*;
pub use variables::*;
