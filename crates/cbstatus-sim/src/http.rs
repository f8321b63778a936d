//! Just enough HTTP/1.1: request-head parsing (with limits) and response-head writing.

use std::io::Write as _;
use std::ops::Range;

/// Largest accepted request head (request line + headers); larger → 431.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// Largest accepted request body; larger → 413.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// A parsed request head. Strings are byte ranges into the connection buffer, so parsing does not
/// copy; the buffer must stay unchanged while the head is used.
#[derive(Debug)]
pub(crate) struct Head {
    method: Range<usize>,
    path: Range<usize>,
    query: Range<usize>,
    headers: Vec<(Range<usize>, Range<usize>)>,
    /// Length of the head including the blank line.
    pub(crate) len: usize,
    pub(crate) content_length: usize,
    /// The client wants the connection closed after this request.
    pub(crate) close: bool,
    pub(crate) expect_continue: bool,
}

/// Result of [`parse_head`].
#[derive(Debug)]
pub(crate) enum Parsed {
    /// The head is not complete yet.
    Partial,
    Complete(Head),
    /// Answer this status (with the message) and close the connection.
    Error(u16, &'static str),
}

impl Head {
    pub(crate) fn method<'a>(&self, buf: &'a [u8]) -> &'a str {
        text(buf, &self.method)
    }

    /// The path, without the query.
    pub(crate) fn path<'a>(&self, buf: &'a [u8]) -> &'a str {
        text(buf, &self.path)
    }

    /// The raw query string, without `?` (empty if none).
    pub(crate) fn query<'a>(&self, buf: &'a [u8]) -> &'a str {
        text(buf, &self.query)
    }

    /// The value of the first header called `name` (ASCII case-insensitive).
    pub(crate) fn header<'a>(&self, buf: &'a [u8], name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| text(buf, n).eq_ignore_ascii_case(name))
            .map(|(_, v)| text(buf, v))
    }

    /// All headers, in order.
    pub(crate) fn headers<'a, 'h>(
        &'h self,
        buf: &'a [u8],
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'h
    where
        'a: 'h,
    {
        self.headers
            .iter()
            .map(move |(n, v)| (text(buf, n), text(buf, v)))
    }
}

fn text<'a>(buf: &'a [u8], r: &Range<usize>) -> &'a str {
    // The whole head was checked to be UTF-8 and ranges split it at ASCII bytes.
    std::str::from_utf8(&buf[r.clone()]).unwrap_or("")
}

/// Where the head ends (just past the blank line), accepting bare `\n` line ends.
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = buf[from..].iter().position(|&b| b == b'\n') {
        let nl = from + p;
        let rest = &buf[nl + 1..];
        if rest.first() == Some(&b'\n') {
            return Some(nl + 2);
        }
        if rest.starts_with(b"\r\n") {
            return Some(nl + 3);
        }
        from = nl + 1;
    }
    None
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses the request head at the start of `buf` (leading blank lines must have been skipped).
pub(crate) fn parse_head(buf: &[u8]) -> Parsed {
    let Some(end) = head_end(buf) else {
        return if buf.len() > MAX_HEAD {
            Parsed::Error(431, "request head larger than 16 KiB")
        } else {
            Parsed::Partial
        };
    };
    if end > MAX_HEAD {
        return Parsed::Error(431, "request head larger than 16 KiB");
    }
    let Ok(head) = std::str::from_utf8(&buf[..end]) else {
        return Parsed::Error(400, "request head is not UTF-8");
    };
    let base = head.as_ptr() as usize;
    let range = |s: &str| {
        let start = s.as_ptr() as usize - base;
        start..start + s.len()
    };
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));

    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Parsed::Error(400, "malformed request line");
    };
    if !is_token(method) {
        return Parsed::Error(400, "malformed method");
    }
    let minor = match version.strip_prefix("HTTP/1.") {
        Some("1") => 1,
        Some("0") => 0,
        _ if version.starts_with("HTTP/") => {
            return Parsed::Error(505, "only HTTP/1.0 and HTTP/1.1 are supported")
        }
        _ => return Parsed::Error(400, "malformed HTTP version"),
    };
    // Absolute form (`http://host/path`) as sent to proxies: keep the path.
    let target = match target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        Some(rest) => match rest.find('/') {
            Some(i) => &rest[i..],
            None => return Parsed::Error(400, "malformed request target"),
        },
        None => target,
    };
    if !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Parsed::Error(400, "malformed request target");
    }
    let target = target.split('#').next().unwrap_or(target);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, q),
        None => (target, &target[target.len()..]),
    };

    let mut headers = Vec::with_capacity(8);
    let mut content_length: Option<usize> = None;
    let mut close = minor == 0;
    let mut expect_continue = false;
    for line in lines {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            return Parsed::Error(400, "obsolete header line folding is not supported");
        }
        let Some((name, value)) = line.split_once(':') else {
            return Parsed::Error(400, "malformed header line");
        };
        if !is_token(name) {
            return Parsed::Error(400, "malformed header name");
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("content-length") {
            let Ok(n) = value.parse::<u64>() else {
                return Parsed::Error(400, "malformed Content-Length");
            };
            if !value.bytes().all(|b| b.is_ascii_digit()) {
                return Parsed::Error(400, "malformed Content-Length");
            }
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if content_length.is_some_and(|c| c != n) {
                return Parsed::Error(400, "conflicting Content-Length headers");
            }
            content_length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Parsed::Error(
                411,
                "chunked request bodies are not supported: send a Content-Length",
            );
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    close = true;
                } else if token.eq_ignore_ascii_case("keep-alive") && minor == 0 {
                    close = false;
                }
            }
        } else if name.eq_ignore_ascii_case("expect") && value.eq_ignore_ascii_case("100-continue")
        {
            expect_continue = true;
        }
        headers.push((range(name), range(value)));
    }
    let content_length = content_length.unwrap_or(0);
    if content_length > MAX_BODY {
        return Parsed::Error(413, "request body larger than 1 MiB");
    }
    Parsed::Complete(Head {
        method: range(method),
        path: range(path),
        query: range(query),
        headers,
        len: end,
        content_length,
        close,
        expect_continue,
    })
}

/// The standard reason phrase of a status code.
pub(crate) fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// Response head fields beyond the status.
pub(crate) struct ResponseHead<'a> {
    pub(crate) status: u16,
    pub(crate) content_type: &'a str,
    pub(crate) content_length: u64,
    pub(crate) keep_alive: bool,
    /// Announce `Keep-Alive: timeout=N` (seconds) on kept-alive connections.
    pub(crate) keep_alive_timeout: Option<u64>,
    pub(crate) retry_after: Option<&'a str>,
    pub(crate) allow: Option<&'a str>,
}

/// Appends the response head (status line, headers, blank line) to `out`.
pub(crate) fn write_head(out: &mut Vec<u8>, h: &ResponseHead<'_>) {
    // Writing to a Vec cannot fail.
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n",
        h.status,
        reason(h.status),
        h.content_type,
        h.content_length,
        if h.keep_alive { "keep-alive" } else { "close" }
    );
    if let (true, Some(n)) = (h.keep_alive, h.keep_alive_timeout) {
        let _ = write!(out, "Keep-Alive: timeout={n}\r\n");
    }
    if let Some(r) = h.retry_after {
        let _ = write!(out, "Retry-After: {r}\r\n");
    }
    if let Some(a) = h.allow {
        let _ = write!(out, "Allow: {a}\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// A JSON error body: `{"error":"...","message":"..."}`.
pub(crate) fn error_body(out: &mut Vec<u8>, error: &str, message: &str) {
    out.extend_from_slice(b"{\"error\":");
    json_string(out, error);
    out.extend_from_slice(b",\"message\":");
    json_string(out, message);
    out.push(b'}');
}

/// Appends `s` as a JSON string literal.
pub(crate) fn json_string(out: &mut Vec<u8>, s: &str) {
    // Serializing a str cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}
