//! Sections 1 and 2: in-process lookups through the library, and the raw floor (the same
//! request bytes over a plain persistent TCP socket, no HTTP client, no parsing).

use crate::stats::Sample;
use crate::util::{self, timed_threads, NUMBER};
use cbstatus::Client;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Mutex;

/// `client.status(number)` (what `cb_client_lookup` runs) on `threads` threads, thread `t`
/// looking up [`util::number_for`]`(t)`: no two threads share a number, so no lookup waits
/// for another's (coalescing) and, with the cache off, every one reaches the simulator.
pub fn lookups(client: &Client, threads: usize, per_thread: usize) -> Sample {
    timed_threads(threads, per_thread, util::number_for, |number, _| {
        let result = client.status(number);
        assert!(result.found(), "lookup failed: {:?}", result.error());
    })
}

/// Like [`lookups`], but every thread looks up [`NUMBER`]: concurrent lookups coalesce.
pub fn shared_lookups(client: &Client, threads: usize, per_thread: usize) -> Sample {
    timed_threads(
        threads,
        per_thread,
        |_| (),
        |_, _| {
            let result = client.status(NUMBER);
            assert!(result.found(), "lookup failed: {:?}", result.error());
        },
    )
}

/// Persistent sockets to the simulator, one per thread, for the raw floor.
pub struct RawSockets {
    sockets: Vec<Mutex<Raw>>,
}

struct Raw {
    stream: TcpStream,
    /// The library's request bytes for this thread's number.
    request: Vec<u8>,
    buf: Vec<u8>,
}

impl RawSockets {
    /// `request`: the library's bytes for [`NUMBER`]; thread `t` sends them for
    /// [`util::number_for`]`(t)` (the same length: the same `Content-Length`).
    pub fn connect(addr: SocketAddr, request: &[u8], threads: usize) -> RawSockets {
        let text = String::from_utf8_lossy(request);
        let sockets = (0..threads)
            .map(|t| {
                let stream = TcpStream::connect(addr).expect("connect to the simulator");
                stream.set_nodelay(true).expect("nodelay");
                let request = text.replace(NUMBER, &util::number_for(t)).into_bytes();
                Mutex::new(Raw {
                    stream,
                    request,
                    buf: Vec::with_capacity(16 * 1024),
                })
            })
            .collect();
        RawSockets { sockets }
    }

    /// The exact request bytes over thread `t`'s socket; each reply read to the end of its
    /// `Content-Length`.
    pub fn run(&self, threads: usize, per_thread: usize) -> Sample {
        assert!(threads <= self.sockets.len());
        timed_threads(
            threads,
            per_thread,
            |t| self.sockets[t].lock().expect("socket"),
            |raw, _| {
                let Raw {
                    stream,
                    request,
                    buf,
                } = &mut **raw;
                stream.write_all(request).expect("write request");
                read_reply(stream, buf).expect("read reply");
            },
        )
    }
}

/// Read one HTTP reply: up to the end of the head, then `Content-Length` body bytes. Returns
/// the reply's total length. The only parsing is finding the blank line and that header.
pub fn read_reply(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<usize> {
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    let mut head_end = None;
    let mut total = usize::MAX;
    while buf.len() < total {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "reply cut"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if head_end.is_none() {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                head_end = Some(i + 4);
                let length = content_length(&buf[..i]).ok_or_else(|| {
                    io::Error::new(io::ErrorKind::InvalidData, "no Content-Length")
                })?;
                total = i + 4 + length;
            }
        }
    }
    if !buf.starts_with(b"HTTP/1.1 200") {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "not a 200"));
    }
    Ok(total)
}

fn content_length(head: &[u8]) -> Option<usize> {
    head.split(|b| *b == b'\n').find_map(|line| {
        let line = std::str::from_utf8(line).ok()?;
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())?
    })
}

/// The bytes the library's client sends for one lookup of [`NUMBER`]: one lookup through a
/// recording proxy in front of the simulator, with the proxy's address in the URL (and so in
/// the `Host` header) replaced by the simulator's.
pub fn capture_request(sim: SocketAddr, organization: &str) -> Vec<u8> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let proxy = listener.local_addr().expect("proxy addr");
    let recorder = std::thread::spawn(move || -> Vec<u8> {
        let (mut down, _) = listener.accept().expect("proxy accept");
        let mut up = TcpStream::connect(sim).expect("proxy connect");
        let (mut down_w, mut up_r) = (down.try_clone().unwrap(), up.try_clone().unwrap());
        let back = std::thread::spawn(move || {
            let _ = io::copy(&mut up_r, &mut down_w);
        });
        let mut recorded = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match down.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    recorded.extend_from_slice(&chunk[..n]);
                    if up.write_all(&chunk[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = up.shutdown(std::net::Shutdown::Both);
        let _ = back.join();
        recorded
    });
    {
        let url = format!("http://{proxy}/api/organization/{organization}");
        let client = util::client(&url, util::NO_CACHE);
        assert!(client.status(NUMBER).found(), "lookup through the proxy");
        // Dropping the client closes its pooled connection: the recorder sees EOF.
    }
    let recorded = recorder.join().expect("recorder");
    let text = String::from_utf8(recorded).expect("request is text");
    assert_eq!(
        text.matches("POST ").count(),
        1,
        "one request recorded:\n{text}"
    );
    text.replace(&proxy.to_string(), &sim.to_string())
        .into_bytes()
}
