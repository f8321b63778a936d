//! Watching the framing of a reply as its bytes arrive, to refuse at once a chunked body that
//! announces more than [`super::MAX_BODY_BYTES`] (issue 10, class 8).
//!
//! ureq checks the body limit only as body bytes arrive, so a server that announces a 64 GiB
//! chunk, sends a few bytes and waits kept the caller until the deadline. [`ChunkWatch`] is fed
//! every reply byte once, in order (by the connection wrapper, `transport::Tracked`), follows
//! the head and the chunk lines, and reports an announced size past the cap the moment its
//! chunk line is complete. It only watches: ureq still parses the reply itself.

/// Longest head or chunk line followed; past it ureq refuses the reply anyway.
const MAX_LINE: usize = 64 * 1024;

#[derive(Debug, Default)]
enum Scan {
    /// Reading the status line and headers (again after a 1xx interim reply).
    #[default]
    Head,
    /// Reading a chunk-size line (`size[;ext]\r\n`).
    ChunkLine,
    /// Inside a chunk's data (this many bytes left), then its CRLF.
    ChunkData(u64),
    /// The body is not chunked, or the last chunk came: nothing more to watch.
    Done,
}

/// See the module documentation. One per connection; [`ChunkWatch::request`] resets it.
#[derive(Debug, Default)]
pub(crate) struct ChunkWatch {
    scan: Scan,
    /// The head, or the current chunk line, so far (bounded by [`MAX_LINE`]).
    line: Vec<u8>,
    /// Body bytes announced so far (the sum of the chunk sizes).
    announced: u64,
}

impl ChunkWatch {
    /// A request is being sent: its reply starts with a head.
    pub(crate) fn request(&mut self) {
        *self = ChunkWatch::default();
    }

    /// The next reply bytes. `Err(announced)` when the chunks announce more than `cap` bytes.
    pub(crate) fn feed(&mut self, mut bytes: &[u8], cap: u64) -> Result<(), u64> {
        while !bytes.is_empty() {
            match self.scan {
                Scan::Done => return Ok(()),
                Scan::Head => {
                    let (taken, end) = take_until(bytes, &mut self.line, b"\r\n\r\n");
                    bytes = &bytes[taken..];
                    if end {
                        self.scan = head_outcome(&self.line);
                        self.line.clear();
                    } else if self.line.len() > MAX_LINE {
                        self.scan = Scan::Done;
                    }
                }
                Scan::ChunkLine => {
                    let (taken, end) = take_until(bytes, &mut self.line, b"\n");
                    bytes = &bytes[taken..];
                    if end {
                        let size = chunk_size(&self.line);
                        self.line.clear();
                        self.announced = self.announced.saturating_add(size);
                        if self.announced > cap {
                            self.scan = Scan::Done;
                            return Err(self.announced);
                        }
                        // The last chunk: trailers follow, which ureq bounds itself.
                        self.scan = if size == 0 {
                            Scan::Done
                        } else {
                            Scan::ChunkData(size.saturating_add(2))
                        };
                    } else if self.line.len() > MAX_LINE {
                        self.scan = Scan::Done;
                    }
                }
                Scan::ChunkData(left) => {
                    let n = left.min(bytes.len() as u64);
                    bytes = &bytes[n as usize..];
                    self.scan = if n == left {
                        Scan::ChunkLine
                    } else {
                        Scan::ChunkData(left - n)
                    };
                }
            }
        }
        Ok(())
    }
}

/// Append `bytes` to `line` up to and including the first `end` (which may straddle earlier
/// bytes already in `line`); returns how many bytes were taken and whether `end` was reached.
/// At most `MAX_LINE + 1` bytes are kept in `line` (the caller gives up past `MAX_LINE`).
fn take_until(bytes: &[u8], line: &mut Vec<u8>, end: &[u8]) -> (usize, bool) {
    let before = line.len();
    // Where a straddling `end` could start: its first bytes may already be in `line`.
    let from = before.saturating_sub(end.len() - 1);
    let room = (MAX_LINE + 1).saturating_sub(before);
    line.extend_from_slice(&bytes[..bytes.len().min(room)]);
    // One pass over the new bytes looking for `end`'s last byte, instead of a comparison per
    // byte pushed (a reply head passes through here on every lookup).
    let last = end[end.len() - 1];
    let mut at = from + end.len() - 1;
    while at < line.len() {
        if line[at] == last && line[at + 1 - end.len()..=at] == *end {
            line.truncate(at + 1);
            return (at + 1 - before, true);
        }
        at += 1;
    }
    (line.len() - before, false)
}

/// What follows a complete head: another head after a 1xx, chunks, or nothing to watch.
/// Bytes, not text: this runs on every reply.
fn head_outcome(head: &[u8]) -> Scan {
    let mut lines = head.split(|b| *b == b'\n');
    let status = lines
        .next()
        .and_then(|l| {
            l.split(|b| b.is_ascii_whitespace())
                .filter(|w| !w.is_empty())
                .nth(1)
        })
        .and_then(|s| std::str::from_utf8(s).ok()?.parse::<u16>().ok())
        .unwrap_or(0);
    if (100..200).contains(&status) {
        return Scan::Head;
    }
    let chunked = lines.any(|l| {
        let Some(colon) = l.iter().position(|b| *b == b':') else {
            return false;
        };
        l[..colon]
            .trim_ascii()
            .eq_ignore_ascii_case(b"transfer-encoding")
            && l[colon + 1..]
                .windows(7)
                .any(|w| w.eq_ignore_ascii_case(b"chunked"))
    });
    if chunked && status != 204 && status != 304 {
        Scan::ChunkLine
    } else {
        Scan::Done
    }
}

/// The size of a chunk line (`1a2b;ext=...\r\n`): its leading hex digits, saturating. A line
/// that is not hex is ureq's to refuse; it counts as 0 here.
fn chunk_size(line: &[u8]) -> u64 {
    line.iter()
        .map_while(|b| (*b as char).to_digit(16))
        .fold(0u64, |n, d| n.saturating_mul(16).saturating_add(d.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(watch: &mut ChunkWatch, reply: &[u8], step: usize) -> Result<(), u64> {
        reply
            .chunks(step)
            .try_for_each(|part| watch.feed(part, 1000))
    }

    #[test]
    fn an_announced_size_past_the_cap_is_reported_when_its_line_ends() {
        let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        for step in [1, 3, 1000] {
            let mut w = ChunkWatch::default();
            let reply = [&head[..], b"FFFFFFFFF\r\n{\"data\":["].concat();
            assert_eq!(
                feed_all(&mut w, &reply, step),
                Err(0xF_FFFF_FFFF),
                "step {step}"
            );
            // Several chunks adding up past the cap.
            let mut w = ChunkWatch::default();
            let reply = [
                &head[..],
                b"200\r\n",
                &[b'x'; 0x200],
                b"\r\n",
                b"300;e=1\r\n",
            ]
            .concat();
            assert_eq!(feed_all(&mut w, &reply, step), Err(0x500), "step {step}");
        }
    }

    #[test]
    fn replies_within_the_cap_and_unchunked_ones_pass() {
        let mut w = ChunkWatch::default();
        let reply =
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                      5\r\nhello\r\n0\r\nX-Trailer: FFFFFFFFFF\r\n\r\n";
        assert_eq!(feed_all(&mut w, reply, 2), Ok(()));
        let mut w = ChunkWatch::default();
        let reply = b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nFFFFFFFFF\r\n\r\n";
        assert_eq!(feed_all(&mut w, reply, 1), Ok(()));
        // A new request starts over.
        let mut w = ChunkWatch::default();
        let _ = w.feed(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFF\r\n",
            10,
        );
        w.request();
        assert_eq!(w.feed(b"HTTP/1.1 204 No Content\r\n\r\n", 10), Ok(()));
    }
}
