//! A loopback HTTP `CONNECT` proxy for the tests (tests/proxy.rs, tests/c_api.rs), with a
//! mode for each way a real one refuses or misbehaves. It records every byte clients send it
//! (the `CONNECT` heads and everything tunnelled), so a test can say what a proxy could see.

use super::{Ctx, RawServer};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the proxy answers a `CONNECT`.
#[derive(Clone, Debug)]
pub enum Mode {
    /// Open every tunnel asked for.
    Tunnel,
    /// Open it only when `Proxy-Authorization` is exactly this value (`Basic ...`); else 407.
    RequireAuth(String),
    /// Answer this status (e.g. `403 Forbidden`) and close.
    Refuse(&'static str),
    /// Answer bytes that are not HTTP (an SSH banner).
    Garbage,
    /// Send half a status line, then close.
    CloseMidReply,
    /// Read the `CONNECT`, never answer, keep the connection open.
    Silent,
    /// Answer `200 Connection established`, one byte every 100 ms.
    Drip,
}

/// The proxy: see the module documentation. Stops when dropped.
pub struct ConnectProxy {
    server: RawServer,
    seen: Arc<Mutex<Vec<u8>>>,
    heads: Arc<Mutex<Vec<String>>>,
}

/// Longest `CONNECT` head read.
const MAX_HEAD: usize = 16 * 1024;

impl ConnectProxy {
    pub fn start(mode: Mode) -> ConnectProxy {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let (s, h) = (Arc::clone(&seen), Arc::clone(&heads));
        let server = RawServer::start(move |client, ctx| {
            let Some(head) = read_head(&client, &s) else {
                return;
            };
            h.lock().unwrap().push(head.clone());
            serve(&mode, client, &head, &s, ctx);
        });
        ConnectProxy {
            server,
            seen,
            heads,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// `127.0.0.1:PORT`, how cbstatus names it in errors.
    pub fn name(&self) -> String {
        self.server.addr().to_string()
    }

    /// `CONNECT` requests received.
    pub fn connects(&self) -> usize {
        self.heads.lock().unwrap().len()
    }

    /// TCP connections accepted.
    pub fn connections(&self) -> usize {
        self.server.connections()
    }

    /// The `CONNECT` heads received.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }

    /// Whether any client ever sent the proxy `needle` (in a head or through a tunnel).
    pub fn saw(&self, needle: &[u8]) -> bool {
        let seen = self.seen.lock().unwrap();
        !needle.is_empty() && seen.windows(needle.len()).any(|w| w == needle)
    }

    /// Bytes clients sent the proxy so far.
    pub fn bytes_seen(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// The value of header `name` in a request head.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// Read a request head byte by byte (nothing past it), recording it.
fn read_head(mut client: &TcpStream, seen: &Mutex<Vec<u8>>) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > MAX_HEAD || client.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
        seen.lock().unwrap().push(byte[0]);
    }
    String::from_utf8(head).ok()
}

fn serve(mode: &Mode, mut client: TcpStream, head: &str, seen: &Arc<Mutex<Vec<u8>>>, ctx: &Ctx) {
    let refuse = |mut client: &TcpStream, status: &str, extra: &str| {
        let _ = client.write_all(
            format!("HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        );
    };
    match mode {
        Mode::Tunnel => tunnel(client, head, seen),
        Mode::RequireAuth(expected) => {
            if header(head, "proxy-authorization").as_deref() == Some(expected.as_str()) {
                tunnel(client, head, seen)
            } else {
                refuse(
                    &client,
                    "407 Proxy Authentication Required",
                    "Proxy-Authenticate: Basic realm=\"test\"\r\n",
                )
            }
        }
        Mode::Refuse(status) => refuse(&client, status, ""),
        Mode::Garbage => {
            let _ = client.write_all(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
            ctx.sleep(Duration::from_millis(300));
        }
        Mode::CloseMidReply => {
            let _ = client.write_all(b"HTTP/1.1 200 Conn");
        }
        Mode::Silent => ctx.hold(),
        Mode::Drip => {
            for byte in b"HTTP/1.1 200 Connection established\r\n\r\n" {
                if client.write_all(&[*byte]).is_err() || !ctx.sleep(Duration::from_millis(100)) {
                    return;
                }
            }
            ctx.hold();
        }
    }
}

/// Connect to the `CONNECT` target, answer 200, and copy bytes both ways until either side
/// closes (what the client sends is recorded).
fn tunnel(mut client: TcpStream, head: &str, seen: &Arc<Mutex<Vec<u8>>>) {
    let target = head.split(' ').nth(1).unwrap_or("").to_string();
    let Ok(mut upstream) = TcpStream::connect(&target) else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        return;
    };
    let _ = upstream.set_read_timeout(Some(super::MAX_HOLD));
    if client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .is_err()
    {
        return;
    }
    let (Ok(mut client_in), Ok(mut upstream_out)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let seen = Arc::clone(seen);
    let upward = std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = client_in.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.lock().unwrap().extend_from_slice(&buf[..n]);
            if upstream_out.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = upstream_out.shutdown(Shutdown::Write);
    });
    let mut buf = [0u8; 16 * 1024];
    while let Ok(n) = upstream.read(&mut buf) {
        if n == 0 || client.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = client.shutdown(Shutdown::Both);
    let _ = upward.join();
}
