//! A TLS 1.3 terminator in front of the simulator (rustls), with a test CA made at start-up
//! (rcgen): what a load balancer in front of the API does. Thread pair per connection.

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Terminator {
    addr: SocketAddr,
    ca: PathBuf,
    stop: Arc<AtomicBool>,
}

impl Terminator {
    /// Listen on 127.0.0.1, forward plain HTTP to `backend`; the CA certificate is written
    /// to `dir/wan-ca.pem` (for cbstatus `ca_bundle`, curl `--cacert`, requests `verify`).
    pub fn start(backend: SocketAddr, dir: &Path) -> Terminator {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "cbstatus WAN bench CA");
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        let ca_path = dir.join("wan-ca.pem");
        std::fs::write(&ca_path, ca.pem()).expect("write the test CA");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let (Ok(client), Ok(server)) = (client, TcpStream::connect(backend)) else {
                    continue;
                };
                let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                    continue;
                };
                std::thread::spawn(move || terminate(client, server, conn));
            }
        });
        Terminator {
            addr,
            ca: ca_path,
            stop,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn ca(&self) -> &Path {
        &self.ca
    }
}

impl Drop for Terminator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// Write what TLS wants to send to the client.
fn flush_tls(conn: &mut rustls::ServerConnection, client: &TcpStream) -> bool {
    while conn.wants_write() {
        if conn.write_tls(&mut &*client).is_err() {
            return false;
        }
    }
    true
}

fn terminate(client: TcpStream, server: TcpStream, conn: rustls::ServerConnection) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let conn = Arc::new(Mutex::new(conn));
    // Backend -> client, on its own thread.
    {
        let (conn, client, mut server) = (
            conn.clone(),
            client.try_clone().unwrap(),
            server.try_clone().unwrap(),
        );
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = server.read(&mut buf).unwrap_or(0);
                let mut c = conn.lock().unwrap();
                if n == 0 {
                    c.send_close_notify();
                    flush_tls(&mut c, &client);
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
                if c.writer().write_all(&buf[..n]).is_err() || !flush_tls(&mut c, &client) {
                    let _ = client.shutdown(Shutdown::Both);
                    return;
                }
            }
        });
    }
    // Client -> backend.
    let mut raw = vec![0u8; 64 * 1024];
    let mut plain = vec![0u8; 64 * 1024];
    let mut reader = &client;
    let mut to_server = &server;
    loop {
        let n = match reader.read(&mut raw) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut c = conn.lock().unwrap();
        if c.read_tls(&mut &raw[..n]).is_err() || c.process_new_packets().is_err() {
            break;
        }
        let mut done = false;
        loop {
            match c.reader().read(&mut plain) {
                Ok(0) => {
                    done = true;
                    break;
                }
                Ok(k) => {
                    if to_server.write_all(&plain[..k]).is_err() {
                        done = true;
                        break;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => {
                    done = true;
                    break;
                }
            }
        }
        if !flush_tls(&mut c, &client) || done {
            break;
        }
    }
    let _ = server.shutdown(Shutdown::Both);
}
