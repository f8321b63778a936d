//! `cbstatus fastagi --http ADDR`: a small HTTP/1.1 endpoint for operators.
//!
//! `GET /metrics` (Prometheus text), `GET /healthz` (200 while the process serves calls),
//! `GET /readyz` (200, or 503 with a one-line reason), anything else 404 (a method other than
//! GET/HEAD: 405). One request per connection, answered with `Connection: close`.
//!
//! It never gets in the way of a call: it runs on its own threads, reads only counters
//! (atomics) and the current settings, and is bounded against a hostile or broken client:
//! at most [`MAX_CONNECTIONS`] handled at once (more are closed unanswered), a request head
//! of at most [`MAX_HEAD_BYTES`] (431 past it), and [`IO_TIMEOUT`] for the whole request.
//! It has no authentication: bind it to loopback (or a management network) only.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Connections handled at once; more are closed at once.
pub const MAX_CONNECTIONS: usize = 8;
/// Largest request head (request line and headers) read.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
/// Time a client has to send its request and read the answer.
pub const IO_TIMEOUT: Duration = Duration::from_secs(3);

/// What the endpoint serves.
pub trait Routes: Send + Sync + 'static {
    /// The Prometheus exposition.
    fn metrics(&self) -> String;
    /// `Ok` when ready for calls, else a one-line reason.
    fn ready(&self) -> Result<(), String>;
}

/// Bind `addr` and serve `routes` on a background thread. Returns the bound address.
pub fn start(addr: &str, routes: Arc<dyn Routes>) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let active = Arc::new(AtomicUsize::new(0));
    std::thread::Builder::new()
        .name("http-accept".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                    active.fetch_sub(1, Ordering::SeqCst);
                    continue; // dropped: closed unanswered
                }
                let (routes, done) = (Arc::clone(&routes), Arc::clone(&active));
                let spawned = std::thread::Builder::new()
                    .name("http".into())
                    .spawn(move || {
                        let _ = serve(stream, routes.as_ref());
                        done.fetch_sub(1, Ordering::SeqCst);
                    });
                if spawned.is_err() {
                    active.fetch_sub(1, Ordering::SeqCst);
                }
            }
        })?;
    Ok(local)
}

/// Answer one request.
fn serve(stream: TcpStream, routes: &dyn Routes) -> io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let deadline = Instant::now() + IO_TIMEOUT;
    let mut reader = BufReader::new(stream.try_clone()?);
    let response = match read_head(&mut reader, deadline) {
        Ok(head) => route(&head, routes),
        Err(Refused::TooLarge) => Response::text(431, "request head too large\n"),
        Err(Refused::Bad) => Response::text(400, "bad request\n"),
        Err(Refused::Gone) => return Ok(()),
    };
    let mut stream = stream;
    stream.write_all(&response.bytes())?;
    stream.flush()
}

/// The request line and headers, up to the empty line.
struct Head {
    method: String,
    path: String,
}

enum Refused {
    TooLarge,
    Bad,
    /// Closed, timed out: nobody to answer.
    Gone,
}

fn read_head(reader: &mut impl BufRead, deadline: Instant) -> Result<Head, Refused> {
    let mut total = 0;
    let mut first: Option<String> = None;
    loop {
        if Instant::now() > deadline {
            return Err(Refused::Gone);
        }
        let mut line = Vec::new();
        let limit = (MAX_HEAD_BYTES + 1 - total) as u64;
        let n = reader
            .by_ref()
            .take(limit)
            .read_until(b'\n', &mut line)
            .map_err(|_| Refused::Gone)?;
        if n == 0 {
            return Err(if first.is_some() || total > 0 {
                Refused::Bad
            } else {
                Refused::Gone
            });
        }
        total += n;
        if total > MAX_HEAD_BYTES {
            return Err(Refused::TooLarge);
        }
        if !line.ends_with(b"\n") {
            return Err(Refused::Bad);
        }
        let text = String::from_utf8(line).map_err(|_| Refused::Bad)?;
        let text = text.trim_end_matches(['\r', '\n']);
        match &first {
            None if text.is_empty() => continue, // tolerated before the request line
            None => first = Some(text.to_string()),
            Some(_) if text.is_empty() => break,
            Some(_) => {}
        }
    }
    let first = first.unwrap_or_default();
    let mut parts = first.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::Bad);
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Err(Refused::Bad);
    }
    let path = target.split('?').next().unwrap_or(target).to_string();
    Ok(Head {
        method: method.to_string(),
        path,
    })
}

fn route(head: &Head, routes: &dyn Routes) -> Response {
    if head.method != "GET" && head.method != "HEAD" {
        let mut response = Response::text(405, "only GET and HEAD\n");
        response.allow = true;
        response.head_only = false;
        return response;
    }
    let mut response = match head.path.as_str() {
        "/metrics" => Response {
            status: 200,
            content_type: crate::metrics::CONTENT_TYPE,
            body: routes.metrics(),
            allow: false,
            head_only: false,
        },
        "/healthz" => Response::text(200, "ok\n"),
        "/readyz" => match routes.ready() {
            Ok(()) => Response::text(200, "ready\n"),
            Err(why) => Response::text(503, &format!("{}\n", one_line(&why))),
        },
        _ => Response::text(404, "not found\n"),
    };
    response.head_only = head.method == "HEAD";
    response
}

/// A reason as one line of printable text.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(500)
        .collect()
}

struct Response {
    status: u16,
    content_type: &'static str,
    body: String,
    allow: bool,
    /// A HEAD request: the headers only.
    head_only: bool,
}

impl Response {
    fn text(status: u16, body: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.to_string(),
            allow: false,
            head_only: false,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            431 => "Request Header Fields Too Large",
            503 => "Service Unavailable",
            _ => "Status",
        };
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
            self.status,
            self.content_type,
            self.body.len()
        );
        if self.allow {
            out.push_str("Allow: GET, HEAD\r\n");
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if !self.head_only {
            bytes.extend_from_slice(self.body.as_bytes());
        }
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    struct Fixed {
        ready: AtomicBool,
    }

    impl Routes for Fixed {
        fn metrics(&self) -> String {
            "cbstatus_build_info{version=\"x\"} 1\n".into()
        }
        fn ready(&self) -> Result<(), String> {
            if self.ready.load(Ordering::SeqCst) {
                Ok(())
            } else {
                Err("profile default: circuit breaker open\nsecond line".into())
            }
        }
    }

    fn get(addr: SocketAddr, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let _ = stream.write_all(request);
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    #[test]
    fn routes_and_hostile_clients() {
        let routes = Arc::new(Fixed {
            ready: AtomicBool::new(true),
        });
        let addr = start("127.0.0.1:0", routes.clone()).unwrap();
        let ok = get(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(
            ok.contains("version=0.0.4") && ok.ends_with("} 1\n"),
            "{ok}"
        );
        assert!(get(addr, b"GET /healthz HTTP/1.0\r\n\r\n").ends_with("\r\n\r\nok\n"));
        assert!(get(addr, b"GET /readyz?x=1 HTTP/1.1\r\n\r\n").ends_with("ready\n"));
        routes.ready.store(false, Ordering::SeqCst);
        let not_ready = get(addr, b"GET /readyz HTTP/1.1\r\n\r\n");
        assert!(not_ready.starts_with("HTTP/1.1 503 "), "{not_ready}");
        assert!(
            not_ready.ends_with("\r\n\r\nprofile default: circuit breaker open second line\n"),
            "one line: {not_ready}"
        );
        assert!(get(addr, b"GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 "));
        let post = get(addr, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        assert!(post.starts_with("HTTP/1.1 405 ") && post.contains("Allow: GET, HEAD"));
        let head = get(addr, b"HEAD /healthz HTTP/1.1\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200 ") && head.ends_with("\r\n\r\n"));
        assert!(get(addr, b"garbage\r\n\r\n").starts_with("HTTP/1.1 400 "));
        let huge = format!("GET /metrics HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000));
        assert!(get(addr, huge.as_bytes()).starts_with("HTTP/1.1 431 "));

        // Slow clients that never finish their request take at most MAX_CONNECTIONS slots
        // for IO_TIMEOUT; a scrape after that is answered.
        let idle: Vec<TcpStream> = (0..MAX_CONNECTIONS + 4)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"GET /metr").unwrap();
                s
            })
            .collect();
        let started = Instant::now();
        let mut answered = String::new();
        while started.elapsed() < IO_TIMEOUT * 3 {
            answered = get(addr, b"GET /healthz HTTP/1.1\r\n\r\n");
            if answered.ends_with("ok\n") {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(answered.ends_with("ok\n"), "{answered:?}");
        assert!(started.elapsed() < IO_TIMEOUT * 2);
        drop(idle);
    }
}
