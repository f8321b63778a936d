//! What the criterion benches share: real reply bodies from the project's simulator.

use cbstatus_sim::{Scenarios, Simulator};
use std::io::{Read, Write};
use std::net::TcpStream;

/// The `callback_status` reply body the demo simulator sends for each of `numbers`.
pub fn reply_bodies(numbers: &[&str]) -> Vec<Vec<u8>> {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).expect("simulator");
    let path = format!(
        "/api/organization/{}/callback_status",
        cbstatus_sim::DEFAULT_ORGANIZATION
    );
    numbers
        .iter()
        .map(|number| {
            let body = format!("{{\"contact_number\":\"{number}\"}}");
            let mut stream = TcpStream::connect(sim.addr()).expect("connect");
            write!(
                stream,
                "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                sim.addr(),
                body.len()
            )
            .expect("send");
            let mut reply = Vec::new();
            stream.read_to_end(&mut reply).expect("read");
            let split = reply
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .expect("head");
            reply[split + 4..].to_vec()
        })
        .collect()
}
