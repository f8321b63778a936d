//! The floor of the WAN bench (issue 24): the least any TLS client can do on the same emulated
//! link. rustls over one `TcpStream` (`TCP_NODELAY`), the exact request bytes cbstatus sends
//! written in one `write` (one TLS record), the reply read to the end of its `Content-Length`
//! and nothing else: no pool, no probe, no parsing beyond the head.
//!
//! Every WAN target is a ratio to this client measured on the same link in the same run: the
//! emulated link (a user-space proxy) and the shared machine slow both alike, so what is left
//! is what cbstatus adds.

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One kept connection to `addr`, opened on demand.
pub struct Floor {
    addr: SocketAddr,
    config: Arc<ClientConfig>,
    request: Vec<u8>,
    conn: Option<StreamOwned<ClientConnection, TcpStream>>,
}

impl Floor {
    /// A client of `addr` (the link) trusting `ca`, sending `request` (cbstatus's own bytes,
    /// with the link's address in `Host`).
    pub fn new(addr: SocketAddr, ca: &Path, request: Vec<u8>) -> Floor {
        let mut roots = RootCertStore::empty();
        let pem = std::fs::read(ca).expect("read the test CA");
        for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
            let cert: CertificateDer<'static> = cert.expect("CA PEM");
            roots.add(cert).expect("CA certificate");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .expect("TLS 1.3")
            .with_root_certificates(roots)
            .with_no_client_auth();
        Floor {
            addr,
            config: Arc::new(config),
            request,
            conn: None,
        }
    }

    /// Open a new connection and finish the TLS handshake (dropping any kept one).
    pub fn connect(&mut self) -> io::Result<()> {
        self.conn = None;
        let tcp = TcpStream::connect_timeout(&self.addr, Duration::from_secs(5))?;
        tcp.set_nodelay(true)?;
        tcp.set_read_timeout(Some(Duration::from_secs(5)))?;
        let name = ServerName::IpAddress(self.addr.ip().into());
        let tls = ClientConnection::new(self.config.clone(), name).map_err(io::Error::other)?;
        let mut stream = StreamOwned::new(tls, tcp);
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock)?;
        }
        self.conn = Some(stream);
        Ok(())
    }

    /// One lookup on the kept connection (connecting first when there is none), timed from
    /// the write to the last byte of the body. A failure drops the connection.
    pub fn lookup(&mut self) -> Option<Duration> {
        let t = Instant::now();
        if self.conn.is_none() {
            self.connect().ok()?;
        }
        let outcome = self.exchange();
        if outcome.is_err() {
            self.conn = None;
        }
        outcome.ok().map(|()| t.elapsed())
    }

    /// A new connection and one lookup on it, both timed (what a cold client pays).
    pub fn cold_lookup(&mut self) -> Option<Duration> {
        self.conn = None;
        self.lookup()
    }

    fn exchange(&mut self) -> io::Result<()> {
        let conn = self.conn.as_mut().expect("connected");
        conn.write_all(&self.request)?;
        conn.flush()?;
        let mut reply = Vec::with_capacity(2048);
        let mut buf = [0u8; 4096];
        loop {
            let n = conn.read(&mut buf)?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            reply.extend_from_slice(&buf[..n]);
            if let Some(end) = reply_end(&reply) {
                if reply.len() >= end {
                    return if reply.starts_with(b"HTTP/1.1 200") {
                        Ok(())
                    } else {
                        Err(io::Error::other("not a 200 reply"))
                    };
                }
            }
        }
    }
}

/// Where the reply ends (head plus `Content-Length`), once the head is complete.
fn reply_end(reply: &[u8]) -> Option<usize> {
    let head_end = reply.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&reply[..head_end]).ok()?;
    let length: usize = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })?;
    Some(head_end + length)
}
