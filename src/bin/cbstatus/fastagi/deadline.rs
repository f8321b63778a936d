//! Deadlines on a FastAGI socket: one overall deadline for the AGI environment, then one per
//! command reply. A socket timeout only bounds a single read, and a peer dripping a byte at a
//! time would stretch that forever, so every read gets only what is left of the deadline.

use crate::agi::protocol::ReplyTimer;
use std::cell::Cell;
use std::io::{self, Read};
use std::net::TcpStream;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// When the data awaited must have arrived; shared by a [`DeadlineReader`] and whoever moves
/// it (the conversation, through [`ReplyTimer`]).
#[derive(Clone, Default)]
pub struct Deadline(Rc<Cell<Option<Instant>>>);

impl Deadline {
    /// A deadline at `at`.
    pub fn at(at: Instant) -> Deadline {
        Deadline(Rc::new(Cell::new(Some(at))))
    }

    /// What is left of it; an error once it has passed.
    fn remaining(&self) -> io::Result<Option<Duration>> {
        let Some(at) = self.0.get() else {
            return Ok(None);
        };
        let left = at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(too_late());
        }
        Ok(Some(left))
    }
}

/// The error of a read that the deadline ended.
fn too_late() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the peer did not send in time")
}

/// A FastAGI call moves the deadline before each command: Asterisk's reply must arrive within
/// the command's bound.
impl ReplyTimer for Deadline {
    fn expect_reply_within(&mut self, bound: Duration) -> io::Result<()> {
        self.0.set(Instant::now().checked_add(bound));
        Ok(())
    }
}

/// Reads from a socket, each read bounded by what is left of a [`Deadline`].
pub struct DeadlineReader<'a> {
    stream: &'a TcpStream,
    deadline: Deadline,
}

impl<'a> DeadlineReader<'a> {
    pub fn new(stream: &'a TcpStream, deadline: Deadline) -> Self {
        DeadlineReader { stream, deadline }
    }
}

impl Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.stream.set_read_timeout(self.deadline.remaining()?)?;
        let mut stream = self.stream;
        match stream.read(buf) {
            // The socket timeout is what was left of the deadline: say so, not "EAGAIN".
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(too_late())
            }
            other => other,
        }
    }
}
