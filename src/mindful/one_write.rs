//! A request and its body go out in one write (issue 24).
//!
//! ureq hands the transport a request's head and then its body in two calls. Sent as they
//! come, a POST costs two system calls, two TLS records and two TCP segments, and the server
//! (and every proxy or load balancer before it) wakes twice: on a machine short of CPU each
//! wake-up waits for a core, and the head-only segment is what a server's delayed ACK and a
//! client's Nagle would stall on. [`HeldHead`] keeps a head that announces a body
//! (`Content-Length` > 0) until that body is written, then both go out together: one write,
//! one record, one segment for a lookup, as a minimal client sends it.
//!
//! Anything else passes through at once: a head without a body, a head split over several
//! writes, a body larger than the output buffer can hold next to the head (sent as before:
//! head, then body). A read while a head is held (a `100-continue` wait) sends it first.

/// Longest head looked at: a head past it is sent as it comes.
const MAX_HELD: usize = 16 * 1024;

/// A request head waiting for its body (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct HeldHead {
    head: Vec<u8>,
}

impl HeldHead {
    /// Keep `bytes` (all the transport was asked to send) when they are a whole request head
    /// announcing a body, and nothing is held yet. `true`: kept, send nothing now.
    pub(crate) fn hold(&mut self, bytes: &[u8]) -> bool {
        if !self.head.is_empty() || bytes.len() > MAX_HELD || !announces_body(bytes) {
            return false;
        }
        self.head.extend_from_slice(bytes);
        true
    }

    /// Whether a head is held.
    pub(crate) fn is_held(&self) -> bool {
        !self.head.is_empty()
    }

    /// Put the held head in front of the `amount` bytes at the start of `output` and return
    /// the new amount to send, when they fit; `None` (the head still held) when they do not.
    pub(crate) fn prepend(&mut self, output: &mut [u8], amount: usize) -> Option<usize> {
        let total = self.head.len().checked_add(amount)?;
        if total > output.len() {
            return None;
        }
        output.copy_within(..amount, self.head.len());
        output[..self.head.len()].copy_from_slice(&self.head);
        self.head.clear();
        Some(total)
    }

    /// Take the held head, to send on its own.
    pub(crate) fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.head)
    }
}

/// A complete HTTP/1.x request head (a request line, headers, the empty line, nothing after
/// it) with a `Content-Length` above 0 and no `Expect` (a `100-continue` request must wait for
/// the server before its body). Bytes, not text: this runs on every request.
fn announces_body(bytes: &[u8]) -> bool {
    let Some(head) = bytes.strip_suffix(b"\r\n\r\n") else {
        return false;
    };
    let mut lines = head.split(|b| *b == b'\n');
    let request_line = lines.next().unwrap_or(&[]);
    if !request_line.ends_with(b" HTTP/1.1\r") && !request_line.ends_with(b" HTTP/1.0\r") {
        return false;
    }
    let mut length = None;
    for line in lines {
        // Every header line but the last (whose CRLF is the suffix) ends with CR.
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|b| *b == b':') else {
            return false;
        };
        let (name, value) = (line[..colon].trim_ascii(), line[colon + 1..].trim_ascii());
        if name.eq_ignore_ascii_case(b"expect") {
            return false;
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            length = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse::<u64>().ok());
        }
    }
    length.is_some_and(|n| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &[u8] = b"POST /api/x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n";

    #[test]
    fn a_head_announcing_a_body_is_held_and_sent_in_front_of_it() {
        let mut held = HeldHead::default();
        assert!(held.hold(HEAD));
        assert!(held.is_held());
        // A second head is never held on top of the first.
        assert!(!held.hold(HEAD));
        let mut output = vec![0u8; 256];
        output[..5].copy_from_slice(b"hello");
        let n = held.prepend(&mut output, 5).expect("fits");
        assert_eq!(&output[..n], [HEAD, b"hello"].concat().as_slice());
        assert!(!held.is_held());
    }

    #[test]
    fn what_is_not_a_whole_head_with_a_body_passes_through() {
        let mut held = HeldHead::default();
        for bytes in [
            &b"GET /api/x HTTP/1.1\r\nHost: h\r\n\r\n"[..],
            b"POST /api/x HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            b"POST /api/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST /api/x HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
            b"POST /api/x HTTP/1.1\r\nContent-Length: 5\r\n",
            b"{\"contact_number\":\"+15551230001\"}",
            b"POST /api/x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        ] {
            assert!(!held.hold(bytes), "{}", String::from_utf8_lossy(bytes));
        }
        assert!(!held.is_held());
    }

    #[test]
    fn a_body_that_does_not_fit_beside_the_head_leaves_it_held() {
        let mut held = HeldHead::default();
        assert!(held.hold(HEAD));
        let mut output = vec![7u8; HEAD.len() + 4];
        assert_eq!(held.prepend(&mut output, 5), None);
        assert!(held.is_held());
        assert_eq!(held.take(), HEAD);
        assert!(!held.is_held());
    }
}
