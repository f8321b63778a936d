//! The Mindful Scheduler API: organization URL, wire format (lenient parsing), HTTP client,
//! and what protects callers and the API from each other (cache, coalescing, circuit breaker).
mod background;
mod breaker;
mod cache;
mod chunks;
mod client;
mod connections;
mod formats;
mod freshness;
mod one_write;
mod prefetch;
mod proxy;
mod reply;
mod resolver;
mod transport;
mod wire;

/// Largest reply body read from the API (the client's reads and the transport's chunk watch).
pub const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// The `User-Agent` sent with every request (and every proxy `CONNECT`).
pub const USER_AGENT: &str = concat!("cbstatus/", env!("CARGO_PKG_VERSION"));

pub use breaker::Breaker;
pub use cache::LookupCache;
pub use client::Client;
pub(crate) use client::Replied;
pub use proxy::proxy_route;
// The URL is validated with the configuration (config/url.rs); re-exported where it was.
pub use crate::config::ApiUrl;
pub use reply::MAX_ENTRIES;
pub use wire::{parse_callback_status, parse_cancel, parse_widget};
// The cancel outcome is the domain's (cancel.rs); re-exported where it was.
pub use crate::cancel::CancelOutcome;
