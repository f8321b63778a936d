//! What the simulator received: one record per request, kept by the server for tests to read
//! ([`crate::Simulator::requests`]).

use std::time::Instant;

/// One request the simulator received.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, without the query string (not percent-decoded).
    pub path: String,
    /// The raw query string, without `?` (empty if none).
    pub query: String,
    /// Headers in the order received; names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Vec<u8>,
    /// Which TCP connection carried it (1 for the first accepted connection, ...).
    pub connection: u64,
    /// When the request was complete.
    pub received_at: Instant,
}

impl RecordedRequest {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON, if it is.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
