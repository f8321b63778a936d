//! The request head (request line and headers) of the operator endpoint, parsed from the bytes
//! received so far: complete, still arriving, or refused. Parsing whatever has arrived (not
//! reading line by line from a blocking socket) is what lets the server hold one deadline over
//! the whole head, whatever the byte rate (see `server.rs`).

/// Largest request head (request line and headers) read.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;

/// What the request asks for.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    /// The target without its query.
    pub path: String,
}

/// Why a request gets no route.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Past [`MAX_HEAD_BYTES`]: 431.
    TooLarge,
    /// Not an HTTP/1.x request: 400.
    Bad,
}

/// The bytes of one request head as they arrive, scanned once each (a client sending its head
/// a byte at a time costs a byte of work per byte, never a rescan).
#[derive(Default)]
pub struct HeadReader {
    received: Vec<u8>,
    /// Where the line being received starts.
    line_start: usize,
    /// The request line, once complete (blank lines before it are tolerated, as RFC 9112
    /// asks).
    request_line: Option<(usize, usize)>,
}

impl HeadReader {
    /// How many more bytes may come before the head is too large: read at most this many.
    pub fn room(&self) -> usize {
        MAX_HEAD_BYTES + 1 - self.received.len().min(MAX_HEAD_BYTES + 1)
    }

    /// Whether anything but blank lines arrived (EOF then is a bad request, not a probe of
    /// the port).
    pub fn started(&self) -> bool {
        self.received.iter().any(|b| !b" \t\r\n".contains(b))
    }

    /// Take `bytes`: the head once its empty line arrived, `Ok(None)` while it has not.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Option<Head>, Refused> {
        let mut scan = self.received.len();
        self.received.extend_from_slice(bytes);
        while let Some(at) = self.received[scan..].iter().position(|b| *b == b'\n') {
            let end = scan + at;
            if end + 1 > MAX_HEAD_BYTES {
                return Err(Refused::TooLarge);
            }
            let start = self.line_start;
            let text_end = if end > start && self.received[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            self.line_start = end + 1;
            scan = end + 1;
            match self.request_line {
                None if text_end == start => {}
                None => self.request_line = Some((start, text_end)),
                Some((from, to)) if text_end == start => {
                    return request(&self.received[from..to]).map(Some)
                }
                Some(_) => {}
            }
        }
        if self.received.len() > MAX_HEAD_BYTES {
            return Err(Refused::TooLarge);
        }
        Ok(None)
    }
}

/// `METHOD /target HTTP/1.x`.
fn request(line: &[u8]) -> Result<Head, Refused> {
    let line = std::str::from_utf8(line).map_err(|_| Refused::Bad)?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refused::Bad);
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') || method.is_empty() {
        return Err(Refused::Bad);
    }
    Ok(Head {
        method: method.to_string(),
        path: target.split('?').next().unwrap_or(target).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(method: &str, path: &str) -> Result<Option<Head>, Refused> {
        Ok(Some(Head {
            method: method.into(),
            path: path.into(),
        }))
    }

    /// `bytes` fed in pieces of `step`.
    fn parse(bytes: &[u8], step: usize) -> Result<Option<Head>, Refused> {
        let mut reader = HeadReader::default();
        for piece in bytes.chunks(step) {
            if let Some(head) = reader.feed(piece)? {
                return Ok(Some(head));
            }
        }
        Ok(None)
    }

    #[test]
    fn heads_complete_arriving_and_refused_whatever_the_pieces() {
        for step in [1, 2, 7, 4096] {
            let parse = |bytes: &[u8]| parse(bytes, step);
            assert_eq!(
                parse(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
                head("GET", "/metrics")
            );
            assert_eq!(
                parse(b"\r\n\nGET /readyz?x=1 HTTP/1.0\n\n"),
                head("GET", "/readyz")
            );
            for partial in [&b"GET /metr"[..], b"GET /metrics HTTP/1.1\r\n", b"\r\n\r\n"] {
                assert_eq!(parse(partial), Ok(None), "{partial:?}");
            }
            for bad in [
                &b"garbage\r\n\r\n"[..],
                b"GET metrics HTTP/1.1\n\n",
                b"GET / SPDY/3\n\n",
                b"GET /\xff HTTP/1.1\n\n",
            ] {
                assert_eq!(parse(bad), Err(Refused::Bad), "{bad:?}");
            }
            let huge = format!(
                "GET / HTTP/1.1\r\nX: {}\r\n\r\n",
                "a".repeat(MAX_HEAD_BYTES)
            );
            assert_eq!(parse(huge.as_bytes()), Err(Refused::TooLarge));
            let endless = "a".repeat(MAX_HEAD_BYTES + 1);
            assert_eq!(parse(endless.as_bytes()), Err(Refused::TooLarge));
            let lines = "x\n".repeat(MAX_HEAD_BYTES);
            assert_eq!(parse(lines.as_bytes()), Err(Refused::TooLarge));
        }
        let mut reader = HeadReader::default();
        assert!(!reader.started() && reader.room() == MAX_HEAD_BYTES + 1);
        reader.feed(b"\r\nG").unwrap();
        assert!(reader.started() && reader.room() == MAX_HEAD_BYTES - 2);
    }
}
