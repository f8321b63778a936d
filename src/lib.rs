//! # cbstatus
//!
//! Tells a caller, in words an IVR can speak, where their callback stands: it looks the caller's
//! number up with the Mindful (Medallia) Scheduler API `callback_status` endpoint and renders the
//! answer as plain text for a TTS engine, SSML, or a playlist of Asterisk sound files.
//!
//! The layers (ARCHITECTURE.md draws them; `tests/layers.rs` keeps them free of import
//! circles): base ([`error`], [`token`], [`number`], [`log`]) → domain ([`action`],
//! [`status`], [`widget`], [`cancel`], [`register`], [`stats`]) → [`speech`] (decide the
//! message, render it) and [`config`] → [`mindful`] (HTTP client, wire types, lenient
//! parsing) → requests ([`LookupResult`] and the [`Client`] methods that make one, the
//! [`channel`] variables) → shells: [`ffi`] is the C ABI; the `cbstatus` binary is the CLI, AGI
//! and FastAGI shell.
//!
//! # Example
//!
//! Look a caller up and get what to say. Here the API is the project's Mindful simulator (the
//! `cbstatus-sim` crate, which the tests and examples use and the library does not contain) on
//! a loopback port, whose demo data has a caller 4th in line; against a real organization, set
//! `api_url` to the endpoint URL from the Mindful UI (and `api_token`), or use
//! [`Config::from_env`].
//!
//! ```
//! use cbstatus::speech::Format;
//! use cbstatus::{Client, Config};
//! use cbstatus_sim::{Scenarios, Simulator};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let simulator = Simulator::start("127.0.0.1:0", Scenarios::demo())?;
//!
//! let mut config = Config::new();
//! config.set("api_url", &simulator.organization_url())?;
//! config.set("timeout_ms", "1500")?;
//! config.set("timezone", "America/New_York")?;
//! // One client serves every call: it is thread-safe and reuses its connections.
//! let client = Client::new(&config)?;
//!
//! // Never fails: a failed lookup renders the fallback sentence and says why in `error()`.
//! let result = client.status("(555) 123-0001");
//! assert!(result.error().is_none());
//! assert!(result.found());
//! assert_eq!(result.primary().and_then(|c| c.position), Some(4));
//! let text = result.render(Format::Text);
//! assert!(text.starts_with("You are number 4 in line for your callback."));
//! println!("{text}");
//! // The same answer as SSML, or as Asterisk sound files for Playback().
//! assert!(result.render(Format::Ssml).starts_with("<speak"));
//! assert!(result.render(Format::Prompts).contains("digits/4"));
//!
//! // A number with no callback, and an API that fails: still something to say.
//! assert!(!client.status("+15551230099").found());
//! let failed = client.status("+15551230500");
//! assert!(failed.error().is_some());
//! assert!(failed.render(Format::Text).starts_with("Sorry"));
//! # Ok(())
//! # }
//! ```

pub mod action;
pub mod cancel;
pub mod channel;
pub mod config;
pub mod error;
pub mod log;
pub mod ffi;
mod lookup;
mod process;
pub mod mindful;
pub mod number;
pub mod register;
pub mod speech;
pub mod stats;
pub mod status;
pub mod token;
pub mod widget;

pub use action::Action;
pub use cancel::CancelOutcome;
pub use channel::{ChannelVariables, Variable};
pub use config::Config;
pub use error::{Error, ErrorKind, Result};
pub use lookup::{Answer, LookupResult};
pub use mindful::Client;
pub use number::{NumberFormat, NumberFormats, PhoneNumber};
pub use register::{RegisterOutcome, RegisterRequest, Registration};
pub use status::{Callback, CallbackStatus, CallbackType, StatusReport};
pub use token::Token;

/// The crate version, e.g. `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
