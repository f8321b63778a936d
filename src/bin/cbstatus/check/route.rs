//! What the network stages share: the route to the API (host, port, proxy, addresses, the
//! deadline of each stage), a connection with its deadlines, and I/O errors in words. Its own
//! module so that `net.rs` (which opens connections) and `tls.rs` (which wraps them) do not
//! import each other.

use super::clean;
use cbstatus::config::ProxyUrl;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A connection to the API, plain or TLS, with a way to set its deadlines.
pub trait Conn: Read + Write + Send {
    fn tcp(&self) -> &TcpStream;
}

impl Conn for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

/// Where and how the API is reached, and the connection the stages opened.
pub struct Route {
    pub https: bool,
    /// The API host (no brackets) and port, and `host[:port]` as the URL wrote it.
    pub host: String,
    pub port: u16,
    pub authority: String,
    pub proxy: Option<ProxyUrl>,
    /// The addresses of the host connected to (the proxy's, through one).
    pub addrs: Vec<SocketAddr>,
    /// Each stage's deadline.
    pub deadline: Duration,
    pub ca_bundle: Option<PathBuf>,
    /// The connection opened by the stages, ready for a request.
    pub first: Option<Box<dyn Conn>>,
}

/// Set the socket's read and write timeouts to what is left until `until`.
pub fn set_deadline(tcp: &TcpStream, until: Instant) -> Result<(), String> {
    let left = until.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err("deadline passed".into());
    }
    tcp.set_read_timeout(Some(left))
        .and_then(|_| tcp.set_write_timeout(Some(left)))
        .map_err(|e| e.to_string())
}

/// An I/O error in words: a timeout says the deadline.
pub fn io_why(e: &std::io::Error, deadline: Duration) -> String {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            format!("no answer within {} ms", deadline.as_millis())
        }
        _ => clean(&e.to_string(), 200),
    }
}
