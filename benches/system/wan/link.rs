//! A latency-injecting TCP proxy: every byte crosses it `rtt / 2` later in each direction,
//! and, like a cloud load balancer, its far end closes a connection idle for `idle_close`
//! (the close reaches the client `rtt / 2` later; bytes that reach the far end after it are
//! dropped, as a reset would).
//!
//! A user-space proxy cannot delay the TCP handshake itself: `connect()` to it returns at
//! once. On a real link a new connection costs one more round trip than here.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[derive(Clone, Copy)]
pub struct LinkConfig {
    pub rtt: Duration,
    pub idle_close: Option<Duration>,
}

pub struct Link {
    addr: SocketAddr,
    trace: Trace,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    closed_idle: Arc<AtomicUsize>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    accept: Option<JoinHandle<()>>,
}

/// When bytes crossed the link's client side, for the bench's breakdown of a lookup.
#[derive(Clone, Copy, Debug)]
pub struct Crossing {
    pub at: Instant,
    /// `true`: read from the client (request bytes); `false`: written to the client.
    pub upstream: bool,
    pub bytes: usize,
}

type Trace = Arc<Mutex<Vec<Crossing>>>;

enum Chunk {
    Data(Vec<u8>),
    Close,
}

/// The far end's view of one connection: when it last saw bytes, and whether it closed it.
struct Far {
    last: Instant,
    closed: bool,
}

impl Link {
    pub fn start(upstream: SocketAddr, config: LinkConfig) -> Link {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the link");
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let closed_idle = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(Mutex::new(Vec::new()));
        let trace = Trace::default();
        let (s, a, c, o, t) = (
            stop.clone(),
            accepted.clone(),
            closed_idle.clone(),
            open.clone(),
            trace.clone(),
        );
        let accept = std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                a.fetch_add(1, Ordering::SeqCst);
                if let (Ok(c1), Ok(c2)) = (client.try_clone(), server.try_clone()) {
                    o.lock().unwrap().extend([c1, c2]);
                }
                let (closed, trace) = (c.clone(), Tracer { trace: t.clone() });
                std::thread::spawn(move || carry(client, server, config, closed, trace));
            }
        });
        Link {
            addr,
            trace,
            stop,
            accepted,
            closed_idle,
            open,
            accept: Some(accept),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections the link accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Every crossing of the client side so far, in time order per direction.
    pub fn crossings(&self) -> Vec<Crossing> {
        self.trace.lock().unwrap().clone()
    }

    /// Connections its far end closed for idleness.
    pub fn idle_closes(&self) -> usize {
        self.closed_idle.load(Ordering::SeqCst)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(a) = self.accept.take() {
            let _ = a.join();
        }
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// Records one connection's crossings.
#[derive(Clone)]
struct Tracer {
    trace: Trace,
}

impl Tracer {
    fn record(&self, upstream: bool, bytes: usize) {
        let at = Instant::now();
        self.trace.lock().unwrap().push(Crossing {
            at,
            upstream,
            bytes,
        });
    }
}

fn carry(
    client: TcpStream,
    server: TcpStream,
    config: LinkConfig,
    closed_idle: Arc<AtomicUsize>,
    trace: Tracer,
) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let one_way = config.rtt / 2;
    let far = Arc::new(Mutex::new(Far {
        last: Instant::now(),
        closed: false,
    }));
    let (to_server, to_server_rx) = channel::<(Instant, Chunk)>();
    let (to_client, to_client_rx) = channel::<(Instant, Chunk)>();

    // Client -> far end.
    let reader = client.try_clone().unwrap();
    let up = trace.clone();
    std::thread::spawn(move || pump_in(reader, one_way, to_server, up));
    let (writer, far_w) = (server.try_clone().unwrap(), far.clone());
    std::thread::spawn(move || deliver_to_server(writer, to_server_rx, far_w));
    // Far end -> client.
    let writer = client;
    std::thread::spawn(move || deliver_to_client(writer, to_client_rx, trace));
    let mut buf = vec![0u8; 64 * 1024];
    let _ = server.set_read_timeout(Some(Duration::from_millis(20)));
    let mut reader = server;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => {
                let _ = to_client.send((Instant::now() + one_way, Chunk::Close));
                return;
            }
            Ok(n) => {
                far.lock().unwrap().last = Instant::now();
                let chunk = Chunk::Data(buf[..n].to_vec());
                let _ = to_client.send((Instant::now() + one_way, chunk));
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                let Some(limit) = config.idle_close else {
                    continue;
                };
                let mut f = far.lock().unwrap();
                if f.closed {
                    return;
                }
                if f.last.elapsed() >= limit {
                    f.closed = true;
                    drop(f);
                    closed_idle.fetch_add(1, Ordering::SeqCst);
                    let _ = reader.shutdown(Shutdown::Both);
                    let _ = to_client.send((Instant::now() + one_way, Chunk::Close));
                    return;
                }
            }
            Err(_) => {
                let _ = to_client.send((Instant::now() + one_way, Chunk::Close));
                return;
            }
        }
    }
}

fn pump_in(mut from: TcpStream, delay: Duration, to: Sender<(Instant, Chunk)>, trace: Tracer) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = to.send((Instant::now() + delay, Chunk::Close));
                return;
            }
            Ok(n) => {
                trace.record(true, n);
                if to
                    .send((Instant::now() + delay, Chunk::Data(buf[..n].to_vec())))
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

fn sleep_until(due: Instant) {
    let now = Instant::now();
    if due > now {
        std::thread::sleep(due - now);
    }
}

fn deliver_to_server(mut to: TcpStream, chunks: Receiver<(Instant, Chunk)>, far: Arc<Mutex<Far>>) {
    for (due, chunk) in chunks {
        sleep_until(due);
        let mut f = far.lock().unwrap();
        if f.closed {
            // The far end closed it: what arrives now is refused.
            continue;
        }
        match chunk {
            Chunk::Data(bytes) => {
                f.last = Instant::now();
                drop(f);
                if to.write_all(&bytes).is_err() {
                    return;
                }
            }
            Chunk::Close => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
        }
    }
}

fn deliver_to_client(mut to: TcpStream, chunks: Receiver<(Instant, Chunk)>, trace: Tracer) {
    for (due, chunk) in chunks {
        sleep_until(due);
        match chunk {
            Chunk::Data(bytes) => {
                // Recorded before the write: the client may read and finish before it returns.
                trace.record(false, bytes.len());
                if to.write_all(&bytes).is_err() {
                    return;
                }
            }
            Chunk::Close => {
                let _ = to.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}
