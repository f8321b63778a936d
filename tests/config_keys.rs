//! The configuration keys are declared once, in `src/config/keys.rs` (`KEY_TABLE`). This test
//! keeps every written list of them in step with it:
//! - the README's configuration table is rendered from the table and must equal it
//!   (regenerate with `CBSTATUS_BLESS=1 cargo test --test config_keys`);
//! - the PBX modules' sample configurations name only known keys (plus the FreeSWITCH
//!   module's own `sound_dir`), each with a value the library accepts.
//!
//! `tests/packaging.rs` checks the packaged `cbstatus.toml`, `tests/header.rs` the
//! `cb_config_set` comment, and the Python suite that `cbstatus.SETTINGS` is the library's
//! `cb_config_keys()`.

use cbstatus::config::{CONFIG_ENV, KEYS, KEY_TABLE};
use std::path::Path;

/// The comment that opens the generated table in the README.
const BEGIN: &str =
    "<!-- configuration keys: rendered from src/config/keys.rs; edit them there, then run \
                     `CBSTATUS_BLESS=1 cargo test --test config_keys` -->";
/// The comment that closes it.
const END: &str = "<!-- end of the configuration keys -->";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The README table: one row per key, in table order, then the configuration file.
fn rendered_table() -> String {
    let mut table = String::from("| key / env var | meaning | default |\n|---|---|---|\n");
    for key in KEY_TABLE {
        table.push_str(&format!(
            "| `{}` / `{}` | {} | {} |\n",
            key.name,
            key.env_var(),
            key.meaning,
            key.default
        ));
    }
    table.push_str(&format!(
        "| `{CONFIG_ENV}` | TOML file with the keys above, `[templates.<locale>]` rewordings and \
         `[profiles.NAME]` tables | none |\n"
    ));
    table
}

#[test]
fn readme_table_is_rendered_from_the_key_table() {
    let readme = read("README.md");
    let (before, rest) = readme
        .split_once(BEGIN)
        .expect("README.md has the configuration table's opening comment");
    let (current, after) = rest
        .split_once(END)
        .expect("README.md has the configuration table's closing comment");
    let wanted = format!("\n\n{}\n", rendered_table());
    if std::env::var_os("CBSTATUS_BLESS").is_some() {
        std::fs::write(
            root().join("README.md"),
            format!("{before}{BEGIN}{wanted}{END}{after}"),
        )
        .unwrap();
        return;
    }
    assert!(
        current == wanted,
        "README.md's configuration table differs from src/config/keys.rs: regenerate it with \
         `CBSTATUS_BLESS=1 cargo test --test config_keys`"
    );
}

#[test]
fn no_meaning_or_default_breaks_the_markdown_table() {
    for key in KEY_TABLE {
        for text in [key.meaning, key.default] {
            assert!(
                !text.contains('|') && !text.contains('\n') && text.trim() == text,
                "{}: {text:?}",
                key.name
            );
        }
    }
}

/// Check `(key, value)` pairs of a sample configuration: each key is a known one (or one of
/// `own`, the module's own settings) and every known key's value is accepted.
fn check_sample(file: &str, pairs: &[(String, String)], own: &[&str]) {
    assert!(!pairs.is_empty(), "{file}: no settings found");
    let mut config = cbstatus::Config::new();
    for (key, value) in pairs {
        if own.contains(&key.as_str()) {
            continue;
        }
        assert!(
            KEYS.contains(&key.as_str()),
            "{file} names {key:?}, which is not a configuration key (src/config/keys.rs)"
        );
        config
            .set(key, value)
            .unwrap_or_else(|e| panic!("{file}: {key} = {value:?}: {e}"));
    }
}

#[test]
fn asterisk_sample_names_only_known_keys() {
    let file = "bindings/asterisk/cbstatus.conf.sample";
    // `key = value` and commented-out `;key = value`, a `; comment` after the value.
    let pairs: Vec<(String, String)> = read(file)
        .lines()
        .filter_map(|line| line.strip_prefix(';').unwrap_or(line).split_once(" = "))
        .filter(|(key, _)| !key.contains(' '))
        .map(|(key, value)| {
            let value = value.split(';').next().unwrap_or("").trim();
            (key.to_string(), value.to_string())
        })
        .collect();
    check_sample(file, &pairs, &[]);
}

#[test]
fn freeswitch_sample_names_only_known_keys() {
    let file = "bindings/freeswitch/cbstatus.conf.xml";
    let text = read(file);
    let pairs: Vec<(String, String)> = text
        .split("<param name=\"")
        .skip(1)
        .map(|rest| {
            let (key, rest) = rest.split_once('"').expect("a quoted name");
            let value = rest
                .split_once("value=\"")
                .and_then(|(_, v)| v.split_once('"'))
                .map_or("", |(v, _)| v);
            (key.to_string(), value.to_string())
        })
        .collect();
    check_sample(file, &pairs, &["sound_dir"]);
}
