//! # cbstatus
//!
//! Tells a caller, in words an IVR can speak, where their callback stands: it looks the caller's
//! number up with the Mindful (Medallia) Scheduler API `callback_status` endpoint and renders the
//! answer as plain text for a TTS engine, SSML, or a playlist of Asterisk sound files.
//!
//! The pipeline: [`number`] (caller number → E.164) → [`mindful`] (HTTP client, wire types,
//! lenient parsing) → [`status`] (the domain result) → [`speech`] (decide the message, render
//! it). [`ffi`] is the C ABI; the `cbstatus` binary is the CLI, AGI and simulator shell.

pub mod config;
pub mod error;
pub mod log;
pub mod ffi;
mod lookup;
pub mod mindful;
pub mod number;
pub mod simulator;
pub mod speech;
pub mod status;
pub mod widget;

pub use config::Config;
pub use error::{Error, ErrorKind, Result};
pub use lookup::{Action, Answer, LookupResult};
pub use mindful::Client;
pub use number::PhoneNumber;
pub use status::{Callback, CallbackStatus, CallbackType, StatusReport};

/// The crate version, e.g. `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
