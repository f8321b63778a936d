//! A loopback TLS server for the tests (tests/tls.rs, tests/proxy.rs): certificates made at
//! test time (rcgen) by a fresh private CA (or self-signed), served by rustls.

use super::{found_body, json_ok, response, RawServer};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// A private CA and a server certificate it signed.
pub struct Pki {
    pub ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
}

fn ca() -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "cbstatus test CA");
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A certificate for `names` (host names or IP addresses), signed by a fresh CA (or
/// self-signed), optionally expired.
pub fn pki(names: &[&str], self_signed: bool, expired: bool) -> Pki {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let (cert, ca_pem) = if self_signed {
        let cert = params.self_signed(&key).unwrap();
        let pem = cert.pem();
        (cert, pem)
    } else {
        let ca = ca();
        (params.signed_by(&key, &ca).unwrap(), ca.pem())
    };
    Pki {
        ca_pem,
        chain: vec![cert.der().clone()],
        key: key.serialize_der(),
    }
}

fn server_config(pki: &Pki) -> Arc<rustls::ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            pki.chain.clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key.clone())),
        )
        .unwrap();
    Arc::new(config)
}

/// A TLS server on 127.0.0.1 answering one request per connection with a found callback
/// (then closing).
pub fn tls_server(pki: &Pki) -> RawServer {
    let config = server_config(pki);
    RawServer::start(move |stream, ctx| {
        let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
            return;
        };
        let mut reader = BufReader::new(rustls::StreamOwned::new(conn, stream));
        if ctx.read_request(&mut reader).is_some() {
            let _ = reader.get_mut().write_all(&json_ok(&found_body(3, 300)));
            let _ = reader.get_mut().flush();
            reader.get_mut().conn.send_close_notify();
            let _ = reader.get_mut().flush();
        }
    })
}

/// A TLS server on 127.0.0.1 answering every request of a connection with a found callback,
/// keeping the connection open (keep-alive).
pub fn tls_server_keep_alive(pki: &Pki) -> RawServer {
    let config = server_config(pki);
    RawServer::start(move |stream, ctx| {
        let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
            return;
        };
        let mut reader = BufReader::new(rustls::StreamOwned::new(conn, stream));
        while ctx.read_request(&mut reader).is_some() {
            let body = found_body(3, 300);
            let mut reply = response(
                "200 OK",
                &[("Content-Type", "application/json")],
                body.as_bytes(),
            );
            // `response` frames with Connection: close; this server keeps it open.
            let text = String::from_utf8(reply.clone()).unwrap();
            reply = text.replace("Connection: close\r\n", "").into_bytes();
            if reader.get_mut().write_all(&reply).is_err() || reader.get_mut().flush().is_err() {
                return;
            }
        }
    })
}

/// Write `pem` to a scratch file of this test process named `name`.
pub fn write_pem(name: &str, pem: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cbstatus-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path
}
