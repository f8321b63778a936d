//! The checked-in `include/cbstatus.h` must be exactly what cbindgen generates from the
//! sources. Regenerate with `CBSTATUS_BLESS=1 cargo test --test header`.

use std::path::Path;

#[test]
fn checked_in_header_matches_cbindgen() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    let path = root.join("include/cbstatus.h");
    if std::env::var_os("CBSTATUS_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "include/cbstatus.h is stale: regenerate it with `CBSTATUS_BLESS=1 cargo test --test header` and commit it"
    );
}

#[test]
fn cb_config_set_documents_every_setting() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header = std::fs::read_to_string(root.join("include/cbstatus.h")).unwrap();
    let doc = header
        .split("Set one setting by name:")
        .nth(1)
        .and_then(|rest| rest.split("(the `CBSTATUS_*`").next())
        .expect("cb_config_set's comment");
    for key in cbstatus::config::KEYS {
        assert!(
            doc.contains(&format!("`{key}`")),
            "cb_config_set does not list {key}"
        );
    }
}

#[test]
fn every_c_name_has_the_cb_prefix() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header = std::fs::read_to_string(root.join("include/cbstatus.h")).unwrap();
    for line in header.lines() {
        if let Some(name) = line
            .strip_prefix("#define ")
            .and_then(|d| d.split_whitespace().next())
        {
            assert!(
                name.starts_with("CB_") || name == "CBSTATUS_H",
                "{name}: a C macro without the CB_ prefix (exclude it in cbindgen.toml)"
            );
        }
        if let Some(rest) = line.strip_prefix("typedef ") {
            assert!(
                rest.contains("cb_"),
                "typedef without the cb_ prefix: {line}"
            );
        }
    }
}

#[test]
fn every_export_is_declared_and_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let header = std::fs::read_to_string(root.join("include/cbstatus.h")).unwrap();
    let mut exports = 0;
    for entry in std::fs::read_dir(root.join("src/ffi")).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let lines: Vec<&str> = source.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[no_mangle]" {
                continue;
            }
            exports += 1;
            let signature = lines[i + 1];
            let name = signature
                .split("fn ")
                .nth(1)
                .and_then(|rest| rest.split('(').next())
                .expect("an exported fn");
            assert!(
                name.starts_with("cb_"),
                "export {name} lacks the cb_ prefix"
            );
            let declared = [" ", "*"]
                .iter()
                .any(|before| header.contains(&format!("{before}{name}(")));
            assert!(declared, "{name} missing from the header");
            assert!(
                lines[i.saturating_sub(1)].trim_start().starts_with("///"),
                "{name} has no doc comment (its contract belongs in the header)"
            );
        }
    }
    assert!(exports >= 20, "found only {exports} exports");
}
