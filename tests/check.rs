//! `cbstatus check` (issue 21): the real binary against the simulator and hostile servers
//! (tests/support/): one test per failing stage, a healthy run, the number formats, the
//! deadline kept against a server that hangs, usage errors and the JSON form.

mod support;

use cbstatus_sim::{Scenarios, Simulator};
use serde_json::Value;
use std::time::Duration;
use support::proxy::{ConnectProxy, Mode};
use support::tls::{pki, tls_server, write_pem};
use support::*;

const TOKEN: &str = "tok-check-SECRET-42";
const ORG: &str = "562a519b54f83b56";

fn check(env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let mut cmd = cli(env);
    cmd.arg("check").args(args);
    let (out, _) = run_bounded(cmd, None, Duration::from_secs(30));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The JSON form, parsed; its stage named `name`.
fn stage<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no stage {name} in {json:#}"))
}

fn json_check(env: &[(&str, &str)], args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, out, err) = check(env, &all);
    let json: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    (code, json)
}

fn with_token() -> Simulator {
    let scenarios = Scenarios::from_toml_str(&format!(
        r#"
[settings]
organization = "{ORG}"
token = "{TOKEN}"

[[number]]
number = "+15551230001"
[[number.callback]]
call_request_id = "c1"
type = "ASAP"
status = "waitlisted"
forecast_waitlist_position = "4"
estimated_wait_time = "720"
"#
    ))
    .unwrap();
    Simulator::start("127.0.0.1:0", scenarios).unwrap()
}

#[test]
fn a_healthy_check_passes_every_stage_and_never_prints_the_token_or_the_number() {
    let sim = with_token();
    let url = sim.organization_url();
    let env = [
        ("CBSTATUS_API_URL", url.as_str()),
        ("CBSTATUS_API_TOKEN", TOKEN),
    ];
    let (code, out, err) = check(&env, &["--number", "+15551230001"]);
    assert_eq!(code, 0, "{out}{err}");
    for name in [
        "configuration",
        "proxy",
        "dns",
        "tcp",
        "http",
        "authentication",
        "reply",
        "number",
    ] {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no {name} line: {out}"));
        assert!(line.starts_with("ok "), "{line}");
    }
    assert!(out.contains("token accepted"), "{out}");
    assert!(
        out.contains("en-US hears: You are number 4 in line"),
        "{out}"
    );
    assert!(out.contains("status \"waitlisted\" (known)"), "{out}");
    assert!(out.lines().last().unwrap().starts_with("check ok"), "{out}");
    for secret in [TOKEN, "5551230001", "15551230001"] {
        assert!(
            !out.contains(secret) && !err.contains(secret),
            "{secret} leaked: {out}{err}"
        );
    }
    assert!(out.contains("…0001"), "{out}");
    let (code, json) = json_check(&env, &["--number", "+15551230001"]);
    assert_eq!(code, 0);
    assert_eq!(json["ok"], true);
    assert_eq!(json["failed_stage"], Value::Null);
    assert_eq!(stage(&json, "authentication")["facts"]["with_token"], 200);
    assert_eq!(
        stage(&json, "authentication")["facts"]["without_token"],
        401
    );
    assert_eq!(stage(&json, "configuration")["facts"]["token"], "present");
    assert!(!json.to_string().contains(TOKEN));
}

#[test]
fn a_url_without_the_right_organization_is_a_404_at_the_http_stage() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let url = format!("{}/api/organization/0000000000000000", sim.base_url());
    let (code, out, _) = check(&[("CBSTATUS_API_URL", &url)], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("fail  http") && out.contains("404"), "{out}");
    assert!(out.contains("/api/organization/<id>"), "{out}");
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("check failed at stage http"),
        "{out}"
    );
}

#[test]
fn an_html_error_page_is_not_the_api() {
    let server = RawServer::answering(response(
        "502 Bad Gateway",
        &[("Content-Type", "text/html"), ("Server", "corp-gw\x1b[31m")],
        b"<html><body>Bad gateway</body></html>",
    ));
    let (code, json) = json_check(&[("CBSTATUS_API_URL", &server.url())], &[]);
    assert_eq!(code, 1);
    assert_eq!(json["failed_stage"], "http");
    let http = stage(&json, "http");
    assert!(
        http["detail"].as_str().unwrap().contains("HTML page"),
        "{http}"
    );
    assert!(
        !json.to_string().contains('\u{1b}'),
        "an escape sequence got through"
    );
}

#[test]
fn token_refused_and_token_needed_but_absent() {
    let sim = with_token();
    let url = sim.organization_url();
    let (code, out, _) = check(
        &[
            ("CBSTATUS_API_URL", &url),
            ("CBSTATUS_API_TOKEN", "wrong-token"),
        ],
        &[],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("token refused (HTTP 401"), "{out}");
    assert!(out.contains("auth_header"), "{out}");
    assert!(!out.contains("wrong-token"));
    let (code, out, _) = check(&[("CBSTATUS_API_URL", &url)], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("token needed but absent"), "{out}");
    assert!(
        out.lines().last().unwrap().contains("authentication"),
        "{out}"
    );
}

#[test]
fn the_number_found_only_in_national_form_suggests_that_number_format() {
    let scenarios = Scenarios::from_toml_str(&format!(
        r#"
[settings]
organization = "{ORG}"

[[number]]
number = "7700900123"
[[number.callback]]
call_request_id = "uk1"
type = "ASAP"
status = "waitlisted"
forecast_waitlist_position = "2"
"#
    ))
    .unwrap();
    let sim = Simulator::start("127.0.0.1:0", scenarios).unwrap();
    let url = sim.organization_url();
    let env = [
        ("CBSTATUS_API_URL", url.as_str()),
        ("CBSTATUS_DEFAULT_COUNTRY", "44"),
    ];
    let (code, json) = json_check(&env, &["--number", "+447700900123"]);
    assert_eq!(code, 1, "{json:#}");
    let number = stage(&json, "number");
    assert_eq!(
        number["facts"]["suggested_number_format"], "national",
        "{number}"
    );
    let counts = number["facts"]["per_format"].as_array().unwrap();
    assert_eq!(counts[0]["callbacks"], 0);
    assert_eq!(counts[1]["callbacks"], 1);
    assert_eq!(counts[2]["callbacks"], 0);
    assert!(!json.to_string().contains("7700900123"));
    // Configured as suggested: the check passes.
    let env = [
        ("CBSTATUS_API_URL", url.as_str()),
        ("CBSTATUS_DEFAULT_COUNTRY", "44"),
        ("CBSTATUS_NUMBER_FORMAT", "national"),
    ];
    let (code, out, _) = check(&env, &["--number", "+447700900123"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("(as configured)"), "{out}");
}

fn tls_check(names: &[&str], expired: bool, trust: bool) -> (i32, Value) {
    let pki = pki(names, false, expired);
    let server = tls_server(&pki);
    let url = format!("https://127.0.0.1:{}/api/organization/{ORG}", server.port());
    let ca = write_pem(&format!("check-ca-{}-{expired}.pem", names[0]), &pki.ca_pem);
    let ca = ca.to_str().unwrap().to_string();
    let mut env = vec![("CBSTATUS_API_URL", url.as_str())];
    if trust {
        env.push(("CBSTATUS_CA_BUNDLE", ca.as_str()));
    }
    json_check(&env, &[])
}

#[test]
fn tls_unknown_issuer_expired_and_wrong_host_certificates() {
    let (code, json) = tls_check(&["127.0.0.1"], false, false);
    assert_eq!(
        (code, &json["failed_stage"]),
        (1, &Value::from("tls")),
        "{json:#}"
    );
    let tls = stage(&json, "tls");
    assert!(
        tls["detail"].as_str().unwrap().contains("UnknownIssuer"),
        "{tls}"
    );
    assert!(tls["fix"].as_str().unwrap().contains("ca_bundle"), "{tls}");
    assert_eq!(tls["facts"]["issuer"], "CN=cbstatus test CA");

    let (code, json) = tls_check(&["127.0.0.1"], true, true);
    assert_eq!(code, 1, "{json:#}");
    let tls = stage(&json, "tls");
    assert!(tls["detail"].as_str().unwrap().contains("Expired"), "{tls}");
    assert!(
        tls["facts"]["days_to_expiry"].as_i64().unwrap() < -300,
        "{tls}"
    );

    let (code, json) = tls_check(&["api.example.com"], false, true);
    assert_eq!(code, 1, "{json:#}");
    let tls = stage(&json, "tls");
    assert!(
        tls["detail"].as_str().unwrap().contains("NotValidForName"),
        "{tls}"
    );

    // Trusted and valid: TLS passes and names the version and the store.
    let (_, json) = tls_check(&["127.0.0.1"], false, true);
    let tls = stage(&json, "tls");
    assert_eq!(tls["verdict"], "ok", "{tls}");
    assert!(tls["facts"]["version"]
        .as_str()
        .unwrap()
        .starts_with("TLS 1."));
    assert!(tls["facts"]["ca_store"]
        .as_str()
        .unwrap()
        .contains("ca_bundle"));
}

#[test]
fn a_proxy_that_refuses_fails_the_tunnel_stage() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let proxy = ConnectProxy::start(Mode::Refuse("403 Forbidden"));
    let url = sim.organization_url();
    let (code, json) = json_check(
        &[("CBSTATUS_API_URL", &url), ("CBSTATUS_PROXY", &proxy.url())],
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(json["failed_stage"], "tunnel", "{json:#}");
    assert!(stage(&json, "proxy")["detail"]
        .as_str()
        .unwrap()
        .contains("the proxy setting"));
    assert!(stage(&json, "tunnel")["detail"]
        .as_str()
        .unwrap()
        .contains("403"));
}

#[test]
fn a_server_that_hangs_costs_one_stage_deadline() {
    let server = RawServer::start(|_stream, ctx| ctx.hold());
    let mut cmd = cli(&[
        ("CBSTATUS_API_URL", &server.url()),
        ("CBSTATUS_TIMEOUT_MS", "500"),
    ]);
    cmd.args(["check", "--format", "json"]);
    let (out, elapsed) = run_bounded(cmd, None, Duration::from_secs(10));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["failed_stage"], "http", "{json:#}");
    let http = stage(&json, "http");
    let ms = http["ms"].as_u64().unwrap();
    assert!((450..1500).contains(&ms), "http stage took {ms} ms");
    assert!(
        http["detail"]
            .as_str()
            .unwrap()
            .contains("no answer within 500 ms"),
        "{http}"
    );
    assert!(elapsed < Duration::from_secs(3), "check took {elapsed:?}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["--format", "xml"],
        vec!["--bogus"],
        vec!["--number", "not a number"],
        vec!["--number", ""],
    ] {
        let (code, out, err) = check(
            &[("CBSTATUS_API_URL", "http://127.0.0.1:9/api/organization/1")],
            &args,
        );
        assert_eq!(code, 2, "{args:?}: {out}{err}");
    }
    // No api_url: the configuration stage fails (exit 1) and says how to set it.
    let (code, out, _) = check(&[], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("api_url") && out.contains("Mindful UI"),
        "{out}"
    );
}

#[test]
fn unknown_variables_and_unused_keys_are_named() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let url = sim.organization_url();
    let (code, json) = json_check(
        &[
            ("CBSTATUS_API_URL", &url),
            ("CBSTATUS_API_TOKN", "x"),
            ("CBSTATUS_AUTH_SCHEME", "Token"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{json:#}");
    let config = stage(&json, "configuration");
    assert_eq!(config["verdict"], "warn");
    assert!(config["facts"]["unknown"]
        .to_string()
        .contains("CBSTATUS_API_TOKN"));
    assert!(config["facts"]["unused"]
        .to_string()
        .contains("auth_scheme"));
    assert_eq!(
        config["facts"]["keys"]["api_url"]["source"],
        "environment CBSTATUS_API_URL"
    );
}

#[test]
fn asterisk_sounds_names_the_missing_file_and_the_locales_installed() {
    use cbstatus::speech::{playlist_prompts, Locale};
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let url = sim.organization_url();
    let dir = std::env::temp_dir().join(format!("cbstatus-check-sounds-{}", std::process::id()));
    let en = Locale::parse("en-US").unwrap();
    for (name, _) in playlist_prompts(en) {
        let path = dir.join(en.sound_dir()).join(format!("{name}.wav"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"RIFF").unwrap();
    }
    let dir_text = dir.to_str().unwrap().to_string();
    let (code, json) = json_check(
        &[("CBSTATUS_API_URL", &url)],
        &["--asterisk-sounds", &dir_text],
    );
    assert_eq!(code, 0, "{json:#}");
    let prompts = stage(&json, "prompts");
    assert_eq!(prompts["facts"]["installed"], serde_json::json!(["en-US"]));
    std::fs::remove_file(dir.join("en/digits/4.wav")).unwrap();
    let (code, json) = json_check(
        &[("CBSTATUS_API_URL", &url)],
        &["--asterisk-sounds", &dir_text],
    );
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["failed_stage"], "prompts");
    assert_eq!(
        stage(&json, "prompts")["facts"]["missing"],
        serde_json::json!(["en/digits/4"])
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_server_that_accepts_but_never_answers_tls_costs_one_stage_deadline() {
    let server = RawServer::start(|_stream, ctx| ctx.hold());
    let url = format!("https://127.0.0.1:{}/api/organization/{ORG}", server.port());
    let mut cmd = cli(&[("CBSTATUS_API_URL", &url), ("CBSTATUS_TIMEOUT_MS", "500")]);
    cmd.args(["check", "--format", "json"]);
    let (out, elapsed) = run_bounded(cmd, None, Duration::from_secs(10));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["failed_stage"], "tls", "{json:#}");
    let ms = stage(&json, "tls")["ms"].as_u64().unwrap();
    assert!((450..1500).contains(&ms), "tls stage took {ms} ms");
    assert!(elapsed < Duration::from_secs(3), "check took {elapsed:?}");
}

#[test]
fn values_from_a_file_and_a_profile_say_where_they_came_from() {
    let sim = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let dir = std::env::temp_dir().join(format!("cbstatus-check-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cbstatus.toml");
    std::fs::write(
        &file,
        format!(
            "api_url = \"{}\"\ntimeout_ms = 1500\n[profiles.sales]\ntimeout_ms = 900\nlocale = \"es-US\"\n",
            sim.organization_url()
        ),
    )
    .unwrap();
    let file_text = file.to_str().unwrap().to_string();
    let (code, json) = json_check(
        &[("CBSTATUS_LOCALE", "fr-CA")],
        &[
            "--config",
            &file_text,
            "--profile",
            "sales",
            "--number",
            "+15551230001",
        ],
    );
    assert_eq!(code, 0, "{json:#}");
    let keys = &stage(&json, "configuration")["facts"]["keys"];
    assert_eq!(keys["api_url"]["source"], format!("file {file_text}"));
    assert_eq!(keys["timeout_ms"]["source"], "profile sales");
    assert_eq!(keys["timeout_ms"]["value"], "900");
    assert_eq!(keys["locale"]["source"], "environment CBSTATUS_LOCALE");
    assert!(stage(&json, "configuration")["facts"]["unused"]
        .to_string()
        .contains("locale in the file is overridden by CBSTATUS_LOCALE"));
    // Every configured locale: the effective one and the profile's.
    let heard = &stage(&json, "number")["facts"]["heard"];
    assert!(heard["fr-CA"].as_str().unwrap().contains('4'), "{heard}");
    assert!(heard["es-US"].is_string(), "{heard}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_status_and_field_are_named_but_not_their_number() {
    let scenarios = Scenarios::from_toml_str(&format!(
        r#"
[settings]
organization = "{ORG}"

[[number]]
number = "+15551230077"
[[number.callback]]
call_request_id = "x1"
type = "ASAP"
status = "parked"
"#
    ))
    .unwrap();
    let sim = Simulator::start("127.0.0.1:0", scenarios).unwrap();
    let url = sim.organization_url();
    let (code, json) = json_check(&[("CBSTATUS_API_URL", &url)], &["--number", "+15551230077"]);
    assert_eq!(code, 0, "{json:#}");
    let reply = stage(&json, "reply");
    assert_eq!(reply["verdict"], "warn", "{reply}");
    assert_eq!(
        reply["facts"]["status_values"],
        serde_json::json!([{"value": "parked", "known": false}])
    );
    assert_eq!(reply["facts"]["timezone"], "America/New_York");
    assert!(!json.to_string().contains("5551230077"));
}
