//! Profiles (`[profiles.NAME]`): two organizations, each its own simulator, from one file;
//! selected with `--profile`, `CBSTATUS_PROFILE`, `cbstatus agi --profile`; an unknown one is
//! an error naming it, never the other organization's answer.

mod support;

use cbstatus_sim::{Scenarios, Simulator};
use std::path::PathBuf;
use std::time::Duration;
use support::{agi_env_block, cli, fake_asterisk, run_bounded};

/// Organization A is the demo (+15551230001 is 4th in line); B has the same number 9th.
fn two_organizations() -> (Simulator, Simulator) {
    let a = Simulator::start("127.0.0.1:0", Scenarios::demo()).unwrap();
    let b = support::organization_b();
    (a, b)
}

fn config_file(dir: &tempdir::Dir, a: &Simulator, b: &Simulator) -> PathBuf {
    let path = dir.path().join("cbstatus.toml");
    std::fs::write(
        &path,
        format!(
            "api_url = \"{}\"\ntimeout_ms = 1500\n\n[profiles.b]\napi_url = \"{}\"\n\
             [profiles.b.templates.en-US]\nasap_position_no_wait = \"Organization B: {{position}}.\"\n",
            a.organization_url(),
            b.organization_url()
        ),
    )
    .unwrap();
    path
}

fn lookup(env: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = cli(env);
    cmd.arg("lookup").arg("+15551230001").args(args);
    let (out, _) = run_bounded(cmd, None, Duration::from_secs(20));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_and_agi_select_a_profile_and_refuse_an_unknown_one() {
    let (a, b) = two_organizations();
    let dir = tempdir::Dir::new();
    let file = config_file(&dir, &a, &b);
    let file = file.to_str().unwrap();
    let env = [("CBSTATUS_CONFIG", file)];

    let (code, out, _) = lookup(&env, &[]);
    assert_eq!(code, Some(0));
    assert!(out.contains("number 4"), "top level: organization A: {out}");
    let (code, out, _) = lookup(&env, &["--profile", "b"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("Organization B: 9."), "{out}");
    let (_, out, _) = lookup(&[("CBSTATUS_CONFIG", file), ("CBSTATUS_PROFILE", "b")], &[]);
    assert!(out.starts_with("Organization B: 9."), "{out}");
    assert_eq!(a.request_count(), 1);
    assert_eq!(b.request_count(), 2);

    for (env, args) in [
        (
            vec![("CBSTATUS_CONFIG", file)],
            vec!["--profile", "billing"],
        ),
        (
            vec![("CBSTATUS_CONFIG", file), ("CBSTATUS_PROFILE", "billing")],
            vec![],
        ),
    ] {
        let (code, out, err) = lookup(&env, &args);
        assert_eq!(code, Some(2), "{err}");
        assert!(out.is_empty(), "no answer from another organization: {out}");
        assert!(err.contains("\"billing\"") && err.contains("b"), "{err}");
    }
    assert_eq!((a.request_count(), b.request_count()), (1, 2));

    // cbstatus agi --profile: the variables come from organization B; an unknown profile
    // sets CBSTATUS_ERROR and asks nobody.
    let agi = |args: &[&str]| {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        fake_asterisk(
            &args,
            &env,
            &agi_env_block(b"+15551230001"),
            "200 result=1\n",
            Duration::from_secs(20),
        )
    };
    let run = agi(&["--profile", "b"]);
    assert_eq!(run.code, Some(0));
    assert_eq!(run.var("CBSTATUS_POSITION").as_deref(), Some("9"));
    let run = agi(&["--profile", "billing"]);
    assert_eq!(run.code, Some(0));
    assert_eq!(run.var("CBSTATUS_RESULT").as_deref(), Some("ERROR"));
    assert_eq!(run.var("CBSTATUS_ERROR").as_deref(), Some("invalid_config"));
    assert!(run.stderr.contains("billing"), "{}", run.stderr);
    assert_eq!((a.request_count(), b.request_count()), (1, 3));
}

/// A private temporary directory, removed when dropped.
mod tempdir {
    use std::path::{Path, PathBuf};

    pub struct Dir(PathBuf);

    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!(
                "cbstatus-profiles-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
