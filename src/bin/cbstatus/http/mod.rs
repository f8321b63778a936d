//! `cbstatus fastagi --http ADDR`: a small HTTP/1.1 endpoint for operators.
//!
//! `GET /metrics` (Prometheus text), `GET /healthz` (200 while the process serves calls),
//! `GET /readyz` (200, or 503 with a one-line reason), anything else 404 (a method other than
//! GET/HEAD: 405). One request per connection, answered with `Connection: close`.
//!
//! It never gets in the way of a call and a hostile client never gets in the way of a probe:
//! it runs on its own thread, reads only counters (atomics) and the current settings, and
//! holds each request to one deadline, its head to [`head::MAX_HEAD_BYTES`] (431 past it) and
//! the connections to [`server::MAX_CONNECTIONS`], the oldest closed to make room
//! (`server.rs` says why that keeps `/healthz` answering under a drip or a flood).
//! It has no authentication: bind it to loopback (or a management network) only.

mod head;
mod server;

use head::Head;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

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
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    std::thread::Builder::new()
        .name("http".into())
        .spawn(move || server::serve(listener, routes.as_ref()))?;
    Ok(local)
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
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

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

        // Clients that never finish their request, more than the connections held: a probe
        // closes the oldest of them and is answered at once; each is closed at its deadline.
        let idle: Vec<TcpStream> = (0..server::MAX_CONNECTIONS + 4)
            .map(|_| {
                let mut s = TcpStream::connect(addr).unwrap();
                s.write_all(b"GET /metr").unwrap();
                s
            })
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        let answered = get(addr, b"GET /healthz HTTP/1.1\r\n\r\n");
        assert!(answered.ends_with("ok\n"), "{answered:?}");
        assert!(started.elapsed() < Duration::from_secs(1));
        for mut stream in idle {
            stream
                .set_read_timeout(Some(server::REQUEST_TIMEOUT * 2))
                .unwrap();
            let mut rest = Vec::new();
            assert!(
                matches!(stream.read_to_end(&mut rest), Ok(0)),
                "closed unanswered"
            );
        }
        assert!(started.elapsed() < server::REQUEST_TIMEOUT + Duration::from_secs(1));
    }
}
