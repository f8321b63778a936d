//! Issue #5, part 8 (TLS): certificates are always verified. A local rustls server on
//! 127.0.0.1 with certificates made at test time (rcgen) is refused when nothing vouches for
//! it (ErrorKind::Tls, no request sent), accepted when its CA is configured with `ca_bundle`,
//! and refused again for a wrong host name or an expired certificate even then.

mod support;

use cbstatus::{Client, ErrorKind};
use rcgen::KeyPair;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use support::tls::*;
use support::*;

fn url(server: &RawServer, host: &str) -> String {
    format!("https://{host}:{}/api/organization/tls", server.port())
}

fn tls_client(url: &str, ca_bundle: Option<&PathBuf>) -> Client {
    let mut settings = vec![
        ("timeout_ms", "2000"),
        ("breaker_threshold", "0"),
        ("cache_ttl_ms", "0"),
        ("api_token", "tok-tls-secret"),
    ];
    let bundle;
    if let Some(path) = ca_bundle {
        bundle = path.to_str().unwrap().to_string();
        settings.push(("ca_bundle", &bundle));
    }
    client(url, &settings)
}

#[test]
fn a_self_signed_certificate_is_refused() {
    let pki = pki(&["localhost"], true, false);
    let server = tls_server(&pki);
    let client = tls_client(&url(&server, "localhost"), None);
    let (outcome, elapsed) = timed(|| client.lookup("+15551230001"));
    let err = outcome.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(server.requests(), 0, "a request (and the token) went out");
    assert!(!err.to_string().contains("tok-tls-secret"));
}

#[test]
fn a_certificate_from_an_unknown_ca_is_refused_and_accepted_with_its_ca_bundle() {
    let pki = pki(&["localhost"], false, false);
    let server = tls_server(&pki);
    let without = tls_client(&url(&server, "localhost"), None);
    assert_eq!(
        without.lookup("+15551230001").unwrap_err().kind(),
        ErrorKind::Tls
    );
    assert_eq!(server.requests(), 0);

    let bundle = write_pem("ca-ok.pem", &pki.ca_pem);
    let with = tls_client(&url(&server, "localhost"), Some(&bundle));
    let report = with
        .lookup("+15551230001")
        .expect("trusted through ca_bundle");
    assert_eq!(report.primary().unwrap().position, Some(3));
    assert_eq!(server.requests(), 1);
    // Also by address, when the certificate names it.
    let pki_ip = pki_for_ip();
    let server_ip = tls_server(&pki_ip);
    let bundle_ip = write_pem("ca-ip.pem", &pki_ip.ca_pem);
    let by_ip = tls_client(&url(&server_ip, "127.0.0.1"), Some(&bundle_ip));
    assert!(by_ip.lookup("+15551230001").unwrap().found());
}

fn pki_for_ip() -> Pki {
    pki(&["127.0.0.1"], false, false)
}

#[test]
fn a_self_signed_certificate_configured_as_its_own_ca_is_accepted() {
    let pki = pki(&["localhost"], true, false);
    let server = tls_server(&pki);
    let bundle = write_pem("self.pem", &pki.ca_pem);
    let client = tls_client(&url(&server, "localhost"), Some(&bundle));
    let report = client
        .lookup("+15551230001")
        .expect("pinned self-signed certificate");
    assert!(report.found());
}

#[test]
fn the_wrong_host_name_is_refused_even_with_the_ca() {
    let pki = pki(&["api.example.com"], false, false);
    let server = tls_server(&pki);
    let bundle = write_pem("ca-wrong-name.pem", &pki.ca_pem);
    let client = tls_client(&url(&server, "localhost"), Some(&bundle));
    let err = client.lookup("+15551230001").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert_eq!(server.requests(), 0);
}

#[test]
fn an_expired_certificate_is_refused_even_with_the_ca() {
    let pki = pki(&["localhost"], false, true);
    let server = tls_server(&pki);
    let bundle = write_pem("ca-expired.pem", &pki.ca_pem);
    let client = tls_client(&url(&server, "localhost"), Some(&bundle));
    let err = client.lookup("+15551230001").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert_eq!(server.requests(), 0);
}

#[test]
fn the_ca_bundle_replaces_the_built_in_roots() {
    // Trusting the test CA does not make another unknown CA trusted.
    let trusted = pki(&["localhost"], false, false);
    let other = pki(&["localhost"], false, false);
    let server = tls_server(&other);
    let bundle = write_pem("ca-other.pem", &trusted.ca_pem);
    let client = tls_client(&url(&server, "localhost"), Some(&bundle));
    assert_eq!(
        client.lookup("+15551230001").unwrap_err().kind(),
        ErrorKind::Tls
    );
}

#[test]
fn plain_http_on_an_https_url_is_a_tls_error() {
    // What an HTTP server says to a TLS ClientHello: 400 in clear text.
    let server = RawServer::start(|mut stream, ctx| {
        let mut hello = [0u8; 512];
        if std::io::Read::read(&mut stream, &mut hello).unwrap_or(0) > 0 {
            let _ = stream.write_all(&response("400 Bad Request", &[], b"plain HTTP here"));
            ctx.sleep(Duration::from_millis(200));
        }
    });
    let client = tls_client(&url(&server, "localhost"), None);
    let (outcome, elapsed) = timed(|| client.lookup("+15551230001"));
    let err = outcome.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert_eq!(server.requests(), 0, "the request went out in clear text");
    assert!(elapsed < Duration::from_secs(2));
}

#[test]
fn a_handshake_that_never_completes_meets_the_deadline() {
    let server = RawServer::start(|_stream, ctx| ctx.hold());
    let client = client(
        &url(&server, "localhost"),
        &[("timeout_ms", "500"), ("breaker_threshold", "0")],
    );
    let (outcome, elapsed) = timed(|| client.lookup("+15551230001"));
    assert_eq!(outcome.unwrap_err().kind(), ErrorKind::Timeout);
    eprintln!(
        "deadline scenario tls_handshake_hang: {} ms",
        elapsed.as_millis()
    );
    assert!(elapsed < Duration::from_millis(500 + 1500), "{elapsed:?}");
}

#[test]
fn plain_http_is_refused_to_anything_but_loopback() {
    for url in [
        "http://api.example.com/api/organization/1",
        "http://10.0.0.1/api/organization/1",
        "http://192.168.1.10:8080/api/organization/1",
        "http://127.0.0.1.nip.io/api/organization/1",
        "http://[::ffff:10.0.0.1]/api/organization/1",
    ] {
        let mut config = cbstatus::Config::new();
        let err = config.set("api_url", url).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{url}");
    }
}

#[test]
fn bad_ca_bundles_are_configuration_errors() {
    let empty = write_pem("empty.pem", "");
    let junk = write_pem(
        "junk.pem",
        "-----BEGIN CERTIFICATE-----\nnot base64!!\n-----END CERTIFICATE-----\n",
    );
    let key_only = write_pem(
        "key-only.pem",
        &KeyPair::generate().unwrap().serialize_pem(),
    );
    for path in [
        empty.to_str().unwrap(),
        junk.to_str().unwrap(),
        key_only.to_str().unwrap(),
        "/nonexistent/ca.pem",
        "/dev/zero",
        "/tmp",
    ] {
        let config = config(
            "https://localhost:9/api/organization/x",
            &[("ca_bundle", path)],
        );
        let (outcome, elapsed) = timed(|| Client::new(&config));
        let err = outcome.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{path}: {err}");
        assert!(elapsed < Duration::from_secs(5), "{path}: {elapsed:?}");
    }
}
