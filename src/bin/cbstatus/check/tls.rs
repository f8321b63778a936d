//! The TLS stage: a handshake as the client makes it (rustls, the Mozilla roots ureq uses,
//! or the `ca_bundle` file instead), reporting the version, the server certificate's subject
//! and issuer and its days to expiry, and, when verification fails, why in words and what to
//! do. The certificate is kept by a verifier that records it before the real (webpki)
//! verification runs, so a refused certificate can still be described.
//!
//! Only the few certificate fields shown are read, by a small DER walk ([`describe`]): the
//! subject and issuer common name / organization and `notAfter`.

use super::route::{io_why, set_deadline, Conn, Route};
use super::{clean, Stage};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore,
    SignatureScheme, StreamOwned,
};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Instant;

type Tls = StreamOwned<ClientConnection, TcpStream>;

impl Conn for Tls {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }
}

/// Records the server certificate, then verifies it as webpki does.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    seen: Mutex<Option<Vec<u8>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some(end_entity.to_vec());
        }
        self.inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The CA store the client uses, in words, and its roots.
fn roots(route: &Route) -> Result<(RootCertStore, String), String> {
    let Some(path) = &route.ca_bundle else {
        let store = RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        return Ok((store, "built-in Mozilla roots (webpki-roots)".to_string()));
    };
    let pem = std::fs::read(path).map_err(|e| format!("ca_bundle {}: {e}", path.display()))?;
    let mut store = RootCertStore::empty();
    for item in ureq::tls::parse_pem(&pem) {
        if let Ok(ureq::tls::PemItem::Certificate(cert)) = item {
            let _ = store.add(CertificateDer::from(cert.der().to_vec()));
        }
    }
    let n = store.len();
    Ok((
        store,
        format!("ca_bundle {} ({n} CA certificates)", path.display()),
    ))
}

fn handshake(
    tcp: TcpStream,
    route: &Route,
) -> (
    Result<Tls, String>,
    Option<Vec<u8>>,
    String,
    Option<CertificateError>,
) {
    let (store, described) = match roots(route) {
        Ok(r) => r,
        Err(why) => return (Err(why), None, String::new(), None),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = match WebPkiServerVerifier::builder_with_provider(
        Arc::new(store),
        provider.clone(),
    )
    .build()
    {
        Ok(v) => v,
        Err(e) => {
            return (
                Err(format!("CA store unusable: {e}")),
                None,
                described,
                None,
            )
        }
    };
    let recording = Arc::new(Recording {
        inner: verifier,
        seen: Mutex::new(None),
    });
    let config =
        match ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions() {
            Ok(b) => b
                .dangerous()
                .with_custom_certificate_verifier(recording.clone())
                .with_no_client_auth(),
            Err(e) => return (Err(e.to_string()), None, described, None),
        };
    let name = match ServerName::try_from(route.host.clone()) {
        Ok(n) => n,
        Err(e) => return (Err(format!("bad host name: {e}")), None, described, None),
    };
    let conn = match ClientConnection::new(Arc::new(config), name) {
        Ok(c) => c,
        Err(e) => return (Err(e.to_string()), None, described, None),
    };
    let mut tls = StreamOwned::new(conn, tcp);
    let until = Instant::now() + route.deadline;
    let mut refused = None;
    let result = loop {
        if !tls.conn.is_handshaking() {
            break Ok(());
        }
        if let Err(why) = set_deadline(&tls.sock, until) {
            break Err(format!(
                "no TLS answer within {} ms ({why})",
                route.deadline.as_millis()
            ));
        }
        if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
            let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
            break Err(match inner {
                Some(rustls::Error::InvalidCertificate(c)) => {
                    refused = Some(c.clone());
                    format!("certificate refused: {c:?}")
                }
                Some(other) => format!("TLS error: {other}"),
                None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    "the server closed the connection during the TLS handshake".to_string()
                }
                None => format!("TLS handshake: {}", io_why(&e, route.deadline)),
            });
        }
    };
    let seen = recording.seen.lock().ok().and_then(|s| s.clone());
    (result.map(|()| tls), seen, described, refused)
}

/// A new TLS connection along the route (no report).
pub fn open(tcp: TcpStream, route: &Route) -> Result<Box<dyn Conn>, String> {
    let (tls, ..) = handshake(tcp, route);
    tls.map(|t| Box::new(t) as Box<dyn Conn>)
}

pub fn check(tcp: TcpStream, route: &Route, stages: &mut Vec<Stage>) -> Option<Box<dyn Conn>> {
    let started = Instant::now();
    let (tls, seen, store, refused) = handshake(tcp, route);
    let cert = seen.as_deref().and_then(describe);
    let mut facts = serde_json::Map::new();
    facts.insert("ca_store".into(), store.clone().into());
    let mut about = String::new();
    if let Some(c) = &cert {
        facts.insert("subject".into(), c.subject.clone().into());
        facts.insert("issuer".into(), c.issuer.clone().into());
        facts.insert("days_to_expiry".into(), c.days_left.into());
        about = format!(
            "subject {}, issuer {}, expires in {} days",
            c.subject, c.issuer, c.days_left
        );
    }
    match tls {
        Ok(tls) => {
            let version = tls
                .conn
                .protocol_version()
                .map(|v| format!("{v:?}").replace("TLSv1_", "TLS 1."))
                .unwrap_or_default();
            let mut stage = Stage::ok("tls", format!("{version}, {about}, CA store: {store}"))
                .fact("version", version.clone());
            stage.facts.extend(facts);
            if cert.as_ref().is_some_and(|c| c.days_left < 14) {
                stage.verdict = super::Verdict::Warn;
                stage = stage.with_fix("the certificate expires within 14 days: tell Mindful (or whoever runs the proxy)");
            }
            stages.push(stage.timed(started));
            Some(Box::new(tls))
        }
        Err(why) => {
            let issuer = cert
                .as_ref()
                .map_or("its issuer".to_string(), |c| c.issuer.clone());
            let fix = match &refused {
                Some(CertificateError::UnknownIssuer) => format!(
                    "the certificate's issuer ({issuer}) is not in the CA store ({store}). A \
                     corporate proxy doing TLS inspection signs with its own CA: set ca_bundle to \
                     that CA's PEM file (ask the network team). Otherwise the URL points at \
                     something other than Mindful."
                ),
                Some(CertificateError::Expired | CertificateError::ExpiredContext { .. }) => {
                    "the server's certificate has expired: if api_url is the Mindful URL, tell \
                     Mindful; if a corporate proxy or load balancer answers, its certificate \
                     must be renewed"
                        .to_string()
                }
                Some(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                ) => format!(
                    "the certificate is not for {}: copy api_url exactly from the Mindful UI \
                     (Scheduler > API > API Endpoints); a corporate proxy that intercepts TLS \
                     must be given the right host or trusted with ca_bundle",
                    route.host
                ),
                _ => "check that api_url is https:// to the Mindful host, and any proxy or \
                      firewall between (a server that accepts TCP but never answers TLS is \
                      not the API)"
                    .to_string(),
            };
            let detail = if about.is_empty() {
                why
            } else {
                format!("{why} ({about})")
            };
            let mut stage = Stage::fail("tls", detail, fix);
            stage.facts.extend(facts);
            stages.push(stage.timed(started));
            None
        }
    }
}

/// What is shown of a certificate.
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub days_left: i64,
}

/// One DER element: tag, contents, what follows.
fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Subject, issuer and days to expiry of a DER certificate.
pub fn describe(der: &[u8]) -> Option<CertInfo> {
    let (_, cert, _) = tlv(der)?;
    let (_, tbs, _) = tlv(cert)?;
    let mut rest = tbs;
    let (tag, _, after) = tlv(rest)?;
    if tag == 0xa0 {
        rest = after; // version
    }
    let (_, _, rest) = tlv(rest)?; // serial
    let (_, _, rest) = tlv(rest)?; // signature algorithm
    let (_, issuer, rest) = tlv(rest)?;
    let (_, validity, rest) = tlv(rest)?;
    let (_, subject, _) = tlv(rest)?;
    let (_, _, after) = tlv(validity)?;
    let (tag, not_after, _) = tlv(after)?;
    let days_left = expiry(tag, not_after)
        .map(|t| (t.as_second() - jiff::Timestamp::now().as_second()).div_euclid(86_400))
        .unwrap_or(0);
    Some(CertInfo {
        subject: name(subject),
        issuer: name(issuer),
        days_left,
    })
}

/// A Name as `CN=..., O=...` (common name, organization, organizational unit).
fn name(mut rdns: &[u8]) -> String {
    let mut parts = Vec::new();
    while let Some((_, set, rest)) = tlv(rdns) {
        rdns = rest;
        let mut set = set;
        while let Some((_, atv, rest)) = tlv(set) {
            set = rest;
            let Some((_, oid, value)) = tlv(atv) else {
                continue;
            };
            let label = match oid {
                [0x55, 0x04, 0x03] => "CN",
                [0x55, 0x04, 0x0a] => "O",
                [0x55, 0x04, 0x0b] => "OU",
                _ => continue,
            };
            if let Some((_, text, _)) = tlv(value) {
                parts.push(format!(
                    "{label}={}",
                    clean(&String::from_utf8_lossy(text), 80)
                ));
            }
        }
    }
    if parts.is_empty() {
        "(empty)".to_string()
    } else {
        parts.join(", ")
    }
}

/// UTCTime (0x17) or GeneralizedTime (0x18) as a timestamp.
fn expiry(tag: u8, text: &[u8]) -> Option<jiff::Timestamp> {
    let text = std::str::from_utf8(text).ok()?.trim_end_matches('Z');
    let full = match tag {
        0x17 => {
            let yy: i32 = text.get(..2)?.parse().ok()?;
            format!("{}{text}", if yy >= 50 { "19" } else { "20" })
        }
        0x18 => text.to_string(),
        _ => return None,
    };
    let n = |a: usize, b: usize| full.get(a..b)?.parse::<i32>().ok();
    let dt = jiff::civil::DateTime::new(
        n(0, 4)? as i16,
        n(4, 6)? as i8,
        n(6, 8)? as i8,
        n(8, 10)? as i8,
        n(10, 12)? as i8,
        n(12, 14).unwrap_or(0) as i8,
        0,
    )
    .ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}
