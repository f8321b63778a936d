//! The AGI wire protocol, as Asterisk's res_agi.c speaks it: the `agi_*` environment block,
//! one command per line, and `200`/`510`/`511`/`520`/`HANGUP` replies.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read, Write};
use std::time::Duration;

/// Longest quoted value (escapes included) we hand to Asterisk. res_agi.c reads a command with
/// `fgets` into a 2048-byte buffer (`AGI_BUF_LEN`) and runs whatever is left of a longer line
/// as the next command, so a whole command line must stay under 2047 bytes: this leaves room
/// for `SET VARIABLE <longest name> ""` and the newline.
pub const MAX_VALUE_BYTES: usize = 1900;

/// Longest line we accept from Asterisk.
const MAX_LINE_BYTES: usize = 64 * 1024;

/// Largest AGI environment accepted. Asterisk's is about 1 KiB (20 `agi_*` lines plus the
/// arguments); anything near these caps is not Asterisk, and reading it unbounded would let
/// one connection grow the process without limit.
pub const MAX_ENV_BYTES: usize = 64 * 1024;
/// Most lines in an AGI environment (see [`MAX_ENV_BYTES`]).
pub const MAX_ENV_LINES: usize = 512;

/// The `agi_*: value` block Asterisk sends first.
#[derive(Debug, Default, Clone)]
pub struct AgiEnv {
    vars: BTreeMap<String, String>,
}

impl AgiEnv {
    /// Read `key: value` lines up to the empty line, from a peer that may be hostile (a
    /// FastAGI connection): EOF before it, or more than [`MAX_ENV_BYTES`] /
    /// [`MAX_ENV_LINES`], is an error.
    pub fn read(input: &mut impl BufRead) -> io::Result<AgiEnv> {
        AgiEnv::read_capped(input, true)
    }

    /// Read the environment Asterisk writes to a classic AGI child: past the caps, lines are
    /// read and dropped (memory stays bounded) up to the empty line, so that the conversation
    /// stays in step. EOF before the empty line is an error.
    pub fn read_from_asterisk(input: &mut impl BufRead) -> io::Result<AgiEnv> {
        AgiEnv::read_capped(input, false)
    }

    fn read_capped(input: &mut impl BufRead, refuse_excess: bool) -> io::Result<AgiEnv> {
        let mut env = AgiEnv::default();
        let (mut lines, mut bytes) = (0, 0);
        loop {
            let line = read_line(input)?.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "no AGI environment (end of input before the empty line)",
                )
            })?;
            if line.is_empty() {
                return Ok(env);
            }
            lines += 1;
            bytes += line.len() + 1;
            if lines > MAX_ENV_LINES || bytes > MAX_ENV_BYTES {
                if refuse_excess {
                    let why = if lines > MAX_ENV_LINES {
                        format!("AGI environment longer than {MAX_ENV_LINES} lines")
                    } else {
                        format!("AGI environment larger than {MAX_ENV_BYTES} bytes")
                    };
                    return Err(io::Error::new(io::ErrorKind::InvalidData, why));
                }
                continue;
            }
            if let Some((key, value)) = line.split_once(':') {
                env.vars
                    .insert(key.trim().to_string(), value.trim_start().to_string());
            }
        }
    }

    /// A variable, e.g. `agi_callerid`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// The caller number Asterisk reports, unless it is absent, `unknown` or presentation
    /// restricted/unavailable (`agi_callingpres` bits 0x20 and 0x40).
    pub fn caller_number(&self) -> Option<&str> {
        let number = self.get("agi_callerid")?.trim();
        if number.is_empty() || number.eq_ignore_ascii_case("unknown") {
            return None;
        }
        let pres = self
            .get("agi_callingpres")
            .and_then(|p| p.trim().parse::<u32>().ok())
            .unwrap_or(0);
        if pres & 0x60 != 0 {
            return None;
        }
        Some(number)
    }

    /// `agi_arg_1`, ... in order.
    pub fn args(&self) -> Vec<&str> {
        (1..)
            .map_while(|i| self.get(&format!("agi_arg_{i}")))
            .collect()
    }
}

/// How Asterisk answered a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `200 result=N ...`.
    Success { result: i64, rest: String },
    /// `510`: unknown command.
    InvalidCommand,
    /// `511`: the channel is dead (only a few commands still work).
    DeadChannel,
    /// `520`: usage error (possibly multi-line).
    Usage(String),
    /// Anything else.
    Other(String),
}

/// Bounds how long Asterisk may take to answer one command. The classic AGI arms its
/// process watchdog; FastAGI sets the socket's read deadline.
pub trait ReplyTimer {
    /// The reply to the command about to be sent must arrive within `bound`.
    fn expect_reply_within(&mut self, bound: Duration) -> io::Result<()>;
}

/// No bound (tests over in-memory streams).
#[cfg(test)]
pub struct Unbounded;

#[cfg(test)]
impl ReplyTimer for Unbounded {
    fn expect_reply_within(&mut self, _: Duration) -> io::Result<()> {
        Ok(())
    }
}

/// How long Asterisk may take to answer, per kind of command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyBounds {
    /// A command that answers at once (`SET VARIABLE`, `NOOP`, ...).
    pub command: Duration,
    /// `STREAM FILE`, which answers only when the file has played: the caller listening is
    /// never cut short, yet an Asterisk that stops answering still ends the call.
    pub playback: Duration,
}

impl ReplyBounds {
    /// Longest one prompt file is expected to play (the project's and the stock prompts are
    /// words and short phrases, well under this).
    pub const LONGEST_PROMPT: Duration = Duration::from_secs(10);
    /// Time Asterisk gets to answer a command, past the lookup deadline.
    pub const MARGIN: Duration = Duration::from_millis(1500);

    /// The bounds for a lookup deadline of `timeout`.
    pub fn for_timeout(timeout: Duration) -> ReplyBounds {
        let command = timeout + Self::MARGIN;
        ReplyBounds {
            command,
            playback: command + Self::LONGEST_PROMPT,
        }
    }
}

/// One AGI conversation over a reader/writer pair (stdin/stdout, or a FastAGI socket).
pub struct Conversation<R, W, T> {
    input: R,
    output: W,
    timer: T,
    bounds: ReplyBounds,
    hung_up: bool,
}

#[cfg(test)]
impl<R: BufRead, W: Write> Conversation<R, W, Unbounded> {
    /// A conversation whose replies may take any time.
    pub fn new(input: R, output: W) -> Self {
        let forever = Duration::MAX;
        Conversation::with_timer(
            input,
            output,
            Unbounded,
            ReplyBounds {
                command: forever,
                playback: forever,
            },
        )
    }
}

impl<R: BufRead, W: Write, T: ReplyTimer> Conversation<R, W, T> {
    /// A conversation whose every reply must arrive within its `bounds`, enforced by `timer`.
    pub fn with_timer(input: R, output: W, timer: T, bounds: ReplyBounds) -> Self {
        Conversation {
            input,
            output,
            timer,
            bounds,
            hung_up: false,
        }
    }

    /// Asterisk told us the caller hung up (a `HANGUP` line or a 511 reply).
    pub fn hung_up(&self) -> bool {
        self.hung_up
    }

    /// Send one command line, then read its reply. `None` when Asterisk closed the stream.
    pub fn command(&mut self, line: &str) -> io::Result<Option<Reply>> {
        self.send(line, self.bounds.command)
    }

    /// Play one sound file (`STREAM FILE name ""`): its reply comes when the file has played.
    pub fn stream_file(&mut self, prompt: &str) -> io::Result<Option<Reply>> {
        // Prompt names are [A-Za-z0-9/_-] by construction; quote anyway.
        let line = format!("STREAM FILE {} \"\"", quote(prompt));
        self.send(&line, self.bounds.playback)
    }

    /// Play one sound file that a key in `keys` (digits) interrupts: the reply's result is
    /// the key's ASCII code, 0 when the file played to its end.
    pub fn stream_file_until(&mut self, prompt: &str, keys: &str) -> io::Result<Option<Reply>> {
        let keys: String = keys.chars().filter(char::is_ascii_digit).collect();
        let line = format!("STREAM FILE {} {}", quote(prompt), quote(&keys));
        self.send(&line, self.bounds.playback)
    }

    fn send(&mut self, line: &str, bound: Duration) -> io::Result<Option<Reply>> {
        debug_assert!(
            !line.contains(['\r', '\n']),
            "AGI command with a line break"
        );
        self.timer.expect_reply_within(bound)?;
        self.output.write_all(line.as_bytes())?;
        self.output.write_all(b"\n")?;
        self.output.flush()?;
        self.read_reply()
    }

    fn read_reply(&mut self) -> io::Result<Option<Reply>> {
        loop {
            let Some(line) = read_line(&mut self.input)? else {
                return Ok(None);
            };
            // FastAGI announces a hang-up where a reply was expected; the reply follows.
            if line == "HANGUP" {
                self.hung_up = true;
                continue;
            }
            // GOSUB and friends may say "100 Trying..." before the real reply.
            if line.starts_with("100 ") || line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix("200 ") {
                let rest = rest.trim();
                let value = rest.strip_prefix("result=").unwrap_or(rest);
                let (number, tail) = value.split_once(' ').unwrap_or((value, ""));
                return Ok(Some(Reply::Success {
                    result: number.parse().unwrap_or(0),
                    rest: tail.to_string(),
                }));
            }
            if line.starts_with("510") {
                return Ok(Some(Reply::InvalidCommand));
            }
            if line.starts_with("511") {
                self.hung_up = true;
                return Ok(Some(Reply::DeadChannel));
            }
            if let Some(first) = line.strip_prefix("520-") {
                let mut text = first.to_string();
                loop {
                    let Some(more) = read_line(&mut self.input)? else {
                        return Ok(None);
                    };
                    if let Some(last) = more.strip_prefix("520 ") {
                        text.push('\n');
                        text.push_str(last);
                        break;
                    }
                    text.push('\n');
                    text.push_str(&more);
                }
                return Ok(Some(Reply::Usage(text)));
            }
            if let Some(rest) = line.strip_prefix("520") {
                return Ok(Some(Reply::Usage(rest.trim().to_string())));
            }
            return Ok(Some(Reply::Other(line)));
        }
    }
}

/// Read one line without its `\n` (and a `\r` before it). `None` at EOF.
fn read_line<R: BufRead>(input: &mut R) -> io::Result<Option<String>> {
    let mut buf = Vec::new();
    let n = input
        .by_ref()
        .take(MAX_LINE_BYTES as u64)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Quote any text as one AGI argument: control characters (CR and LF above all, which would
/// end the command and inject another) become spaces, `\` and `"` are escaped, the escaped
/// value is cut to [`MAX_VALUE_BYTES`] on a character boundary and wrapped in double quotes.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_VALUE_BYTES) + 8);
    out.push('"');
    let mut used = 0;
    for c in value.chars() {
        // Count what is written (an escape doubles a byte), not what was read.
        used += match c {
            '\\' | '"' => 2,
            c if c.is_control() => 1,
            c => c.len_utf8(),
        };
        if used > MAX_VALUE_BYTES {
            break;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_block_and_caller_number() {
        let text = "agi_request: cbstatus\nagi_callerid: +15551230001\nagi_callingpres: 0\n\
                    agi_arg_1: 5551230002\nagi_arg_2: cancel\n\n200 result=1\n";
        let mut input = io::Cursor::new(text.as_bytes());
        let env = AgiEnv::read(&mut input).unwrap();
        assert_eq!(env.caller_number(), Some("+15551230001"));
        assert_eq!(env.args(), vec!["5551230002", "cancel"]);
        for (callerid, pres) in [
            ("unknown", "0"),
            ("", "0"),
            ("+15551230001", "32"),
            ("+1555", "67"),
        ] {
            let text = format!("agi_callerid: {callerid}\nagi_callingpres: {pres}\n\n");
            let env = AgiEnv::read(&mut io::Cursor::new(text.as_bytes())).unwrap();
            assert_eq!(env.caller_number(), None, "{callerid} {pres}");
        }
        assert!(AgiEnv::read(&mut io::Cursor::new(b"agi_request: x\n".as_slice())).is_err());
    }

    #[test]
    fn environment_caps() {
        let many: String = (0..600).map(|i| format!("agi_x{i}: 1\n")).collect();
        let big = format!("agi_x: {}\n", "y".repeat(70_000));
        for text in [many, big] {
            let text = format!("{text}agi_callerid: 1\n\n200 result=1\n");
            let err = AgiEnv::read(&mut io::Cursor::new(text.as_bytes())).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
            // From Asterisk's stdin: the excess is dropped and the stream stays in step.
            let mut input = io::Cursor::new(text.as_bytes());
            let env = AgiEnv::read_from_asterisk(&mut input).unwrap();
            assert!(env.vars.len() <= MAX_ENV_LINES);
            assert_eq!(read_line(&mut input).unwrap().unwrap(), "200 result=1");
        }
    }

    #[test]
    fn replies() {
        let text = "200 result=1\n510 Invalid or unknown command\nHANGUP\n511 Command Not Permitted on a dead channel\n\
                    520-Invalid command syntax.  Proper usage follows:\nUsage: SET VARIABLE\n520 End of proper usage.\n\
                    100 result=0 Trying...\n200 result=-1 endpos=0\n";
        let mut conv = Conversation::new(io::Cursor::new(text.as_bytes()), Vec::new());
        assert_eq!(
            conv.command("NOOP").unwrap(),
            Some(Reply::Success {
                result: 1,
                rest: String::new()
            })
        );
        assert_eq!(conv.command("X").unwrap(), Some(Reply::InvalidCommand));
        assert!(!conv.hung_up());
        assert_eq!(conv.command("NOOP").unwrap(), Some(Reply::DeadChannel));
        assert!(conv.hung_up());
        match conv.command("SET VARIABLE").unwrap() {
            Some(Reply::Usage(text)) => assert!(text.contains("Usage: SET VARIABLE")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            conv.command("STREAM FILE x \"\"").unwrap(),
            Some(Reply::Success {
                result: -1,
                rest: "endpos=0".into()
            })
        );
        assert_eq!(conv.command("NOOP").unwrap(), None);
        let written = String::from_utf8(conv.output).unwrap();
        assert_eq!(written.lines().count(), 6);
    }

    #[test]
    fn quoting_neutralises_injection() {
        assert_eq!(quote("plain"), "\"plain\"");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(quote("x\r\nHANGUP\n"), "\"x  HANGUP \"");
        assert_eq!(quote("tab\tnul\0"), "\"tab nul \"");
        let long = "é".repeat(5000);
        let q = quote(&long);
        assert!(q.len() <= MAX_VALUE_BYTES + 2);
        assert!(q.is_char_boundary(q.len() - 1));
    }
}
