//! The proxy, DNS, TCP and tunnel stages: which way the client goes (the `proxy` key, else
//! curl's environment rules, `cbstatus::mindful::proxy_route`), the addresses of the host it
//! connects to, the TCP connect, and, through a proxy, its answer to `CONNECT`. Each has its
//! own deadline (`timeout_ms`). [`open`] replays them silently for a later connection.

use super::route::{io_why, set_deadline};
pub use super::route::{Conn, Route};
use super::{clean, tls, Stage};
use cbstatus::config::ProxyUrl;
use cbstatus::Config;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub fn check(config: &Config, stages: &mut Vec<Stage>) -> Option<Route> {
    let url = config.require_api_url().ok()?;
    let deadline = config.timeout;
    let origin = url.origin();
    let https = origin.starts_with("https://");
    let authority = origin
        .split_once("://")
        .map_or(origin, |(_, a)| a)
        .to_string();
    let (host, port) = split_authority(&authority, if https { 443 } else { 80 });

    // Proxy: which one and why.
    let started = Instant::now();
    let (proxy, why) = match cbstatus::mindful::proxy_route(config) {
        Ok(found) => found,
        Err(e) => {
            stages.push(
                Stage::fail(
                    "proxy",
                    clean(&e.to_string(), 300),
                    "set proxy = \"http://HOST:PORT\" (or \"none\") in the configuration, or \
                     correct the proxy variable named: only HTTP proxies (CONNECT) are supported",
                )
                .timed(started),
            );
            return None;
        }
    };
    let stage = match &proxy {
        None => Stage::ok("proxy", format!("direct ({why})")).fact("proxy", None::<String>),
        Some(p) => {
            Stage::ok("proxy", format!("through {p} (from {why})")).fact("proxy", p.to_string())
        }
    };
    stages.push(stage.fact("why", why.clone()).timed(started));

    // DNS of the host connected to.
    let (target, target_port) = match &proxy {
        Some(p) => (p.host().trim_matches(['[', ']']).to_string(), p.port()),
        None => (host.clone(), port),
    };
    let started = Instant::now();
    let addrs = match resolve(&target, target_port, deadline) {
        Ok(addrs) => addrs,
        Err(why) => {
            let fix = if proxy.is_some() {
                "the proxy's host name does not resolve: check the proxy setting or variable"
            } else {
                "the API host does not resolve from here: check api_url's host (copy it from \
                 the Mindful UI) and this machine's DNS (/etc/resolv.conf); behind a corporate \
                 proxy, set proxy"
            };
            stages.push(
                Stage::fail("dns", format!("{}: {why}", clean(&target, 200)), fix).timed(started),
            );
            return None;
        }
    };
    let shown: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
    let mut detail = format!("{} -> {}", clean(&target, 200), shown.join(", "));
    if proxy.is_some() {
        detail.push_str(" (the proxy resolves the API host)");
    }
    stages.push(
        Stage::ok("dns", detail)
            .fact("host", target.clone())
            .fact("addresses", shown)
            .timed(started),
    );

    let mut route = Route {
        https,
        host,
        port,
        authority,
        proxy,
        addrs,
        deadline,
        ca_bundle: config.ca_bundle.clone(),
        first: None,
    };

    // TCP connect.
    let started = Instant::now();
    let tcp = match connect(&route) {
        Ok((tcp, addr)) => {
            stages.push(
                Stage::ok("tcp", format!("connected to {addr}"))
                    .fact("address", addr.to_string())
                    .timed(started),
            );
            tcp
        }
        Err(why) => {
            let fix = if route.proxy.is_some() {
                "the proxy does not accept connections: check its host and port"
            } else {
                "nothing accepts connections there: a firewall may block outgoing HTTPS \
                 (ask for port 443 to the Mindful host, or set the corporate proxy), or \
                 api_url names the wrong host or port"
            };
            stages.push(Stage::fail("tcp", why, fix).timed(started));
            return None;
        }
    };

    // The proxy's tunnel.
    if let Some(proxy) = &route.proxy {
        let started = Instant::now();
        match tunnel(&tcp, proxy, &route) {
            Ok(answer) => stages.push(
                Stage::ok(
                    "tunnel",
                    format!("{proxy} opened a tunnel to {} ({answer})", route.authority),
                )
                .fact("answer", answer)
                .timed(started),
            ),
            Err(why) => {
                stages.push(
                    Stage::fail(
                        "tunnel",
                        format!("{proxy}: {why}"),
                        "the proxy refuses to tunnel to the Mindful host: ask for \
                         CONNECT to it on port 443 to be allowed (407: put the credentials in \
                         the proxy URL, http://user:password@proxy:3128), or set \
                         proxy = \"none\" if this machine reaches Mindful directly",
                    )
                    .timed(started),
                );
                return None;
            }
        }
    }

    // TLS.
    if route.https {
        let conn = tls::check(tcp, &route, stages)?;
        route.first = Some(conn);
    } else {
        stages.push(Stage::skip(
            "tls",
            "plain http:// URL (allowed for loopback hosts only: a simulator)",
        ));
        route.first = Some(Box::new(tcp));
    }
    Some(route)
}

/// A new connection along the route (TCP, tunnel, TLS), for a later request.
pub fn open(route: &Route) -> Result<Box<dyn Conn>, String> {
    let (tcp, _) = connect(route)?;
    if let Some(proxy) = &route.proxy {
        tunnel(&tcp, proxy, route)?;
    }
    if route.https {
        tls::open(tcp, route)
    } else {
        Ok(Box::new(tcp))
    }
}

/// `host[:port]` (IPv6 in brackets) into the host without brackets and the port.
fn split_authority(authority: &str, default: u16) -> (String, u16) {
    if let Some(rest) = authority.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host.to_string(), port.unwrap_or(default));
        }
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => {
            (host.to_string(), port.parse().unwrap_or(default))
        }
        _ => (authority.to_string(), default),
    }
}

/// Resolve in a thread, waiting at most `deadline` (getaddrinfo has no timeout of its own).
fn resolve(host: &str, port: u16, deadline: Duration) -> Result<Vec<SocketAddr>, String> {
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let _ = tx.send((name.as_str(), port).to_socket_addrs().map(Vec::from_iter));
    });
    match rx.recv_timeout(deadline) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err("no addresses".to_string()),
        Ok(Err(e)) => Err(clean(&e.to_string(), 200)),
        Err(_) => Err(format!("no answer within {} ms", deadline.as_millis())),
    }
}

/// TCP to the first address that accepts, all within one deadline.
fn connect(route: &Route) -> Result<(TcpStream, SocketAddr), String> {
    let until = Instant::now() + route.deadline;
    let mut last = String::from("no address");
    for addr in &route.addrs {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            last = format!("no connection within {} ms", route.deadline.as_millis());
            break;
        }
        match TcpStream::connect_timeout(addr, left) {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                return Ok((tcp, *addr));
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = format!(
                    "{addr}: no connection within {} ms",
                    route.deadline.as_millis()
                )
            }
            Err(e) => last = format!("{addr}: {e}"),
        }
    }
    Err(last)
}

/// Ask the proxy for a tunnel to the API host; its status line on success.
fn tunnel(tcp: &TcpStream, proxy: &ProxyUrl, route: &Route) -> Result<String, String> {
    let target = if route.host.contains(':') {
        format!("[{}]:{}", route.host, route.port)
    } else {
        format!("{}:{}", route.host, route.port)
    };
    let mut head = format!(
        "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: {}\r\n",
        cbstatus::mindful::USER_AGENT
    );
    if let Some(auth) = proxy.authorization() {
        head.push_str(&format!("Proxy-Authorization: {}\r\n", auth.expose()));
    }
    head.push_str("\r\n");
    let until = Instant::now() + route.deadline;
    let mut stream = tcp;
    set_deadline(tcp, until)?;
    stream
        .write_all(head.as_bytes())
        .map_err(|e| io_why(&e, route.deadline))?;
    // Read the answer's head byte by byte: nothing of the tunnel may be read past it.
    let mut answer = Vec::new();
    let mut byte = [0u8; 1];
    while !answer.ends_with(b"\r\n\r\n") {
        set_deadline(tcp, until)?;
        match stream.read(&mut byte) {
            Ok(0) => return Err("the proxy closed the connection without an answer".into()),
            Ok(_) => answer.push(byte[0]),
            Err(e) => return Err(io_why(&e, route.deadline)),
        }
        if answer.len() > 16 * 1024 {
            return Err("the proxy's answer head is too long".into());
        }
    }
    let text = String::from_utf8_lossy(&answer);
    let line = text.lines().next().unwrap_or("");
    let status = line.split(' ').nth(1).unwrap_or("");
    if !line.starts_with("HTTP/1.") || status.len() != 3 {
        return Err(format!("not an HTTP answer: {}", clean(line, 80)));
    }
    if !status.starts_with('2') {
        return Err(format!("refused: {}", clean(line, 120)));
    }
    Ok(clean(line, 120))
}
