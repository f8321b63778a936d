//! The man pages in `doc/man/` are rendered from the CLI definition itself ([`Cli`], through
//! clap_mangen), so they cannot drift from `cbstatus --help`. This test (in the binary crate,
//! where `Cli` lives) fails when a checked-in page differs from the rendering; regenerate them
//! with `CBSTATUS_BLESS=1 cargo test --bin cbstatus manpage`. The Debian package installs them.

use super::Cli;
use clap::CommandFactory;
use std::path::Path;

/// `(file name, roff text)` of every page: `cbstatus.1`, then `cbstatus-<command>.1` for each
/// visible subcommand (and `cbstatus-<command>-<sub>.1` for nested ones), in a stable order.
fn render_pages() -> Vec<(String, String)> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    render(&cmd, true, &mut pages);
    pages.sort();
    pages
}

fn render(cmd: &clap::Command, top: bool, pages: &mut Vec<(String, String)>) {
    let man = clap_mangen::Man::new(cmd.clone()).manual("cbstatus manual");
    let name = man.get_filename();
    let mut roff = Vec::new();
    man.render(&mut roff).expect("render to memory");
    let mut text = String::from_utf8(roff).expect("roff is UTF-8");
    if top {
        text.push_str(&environment_section());
    }
    text.push_str(&see_also_section(cmd, top));
    pages.push((name, text));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render(sub, false, pages);
    }
}

/// The `CBSTATUS_*` variables, with their meanings and defaults, from the library's table of
/// settings.
fn environment_section() -> String {
    let mut s = String::from(
        ".SH ENVIRONMENT\n\
         Every setting is read from the TOML file named by \\fBCBSTATUS_CONFIG\\fR (keys in \
         lower case without the prefix) and then from these variables, which override it:\n",
    );
    for key in cbstatus::config::KEY_TABLE {
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR\nfile key \\fI{}\\fR: {} (default: {})\n",
            roff_escape(&key.env_var()),
            roff_escape(key.name),
            roff_escape(&key.meaning.replace('`', "")),
            roff_escape(&key.default.replace('`', ""))
        ));
    }
    s.push_str(".TP\n\\fBCBSTATUS_CONFIG\\fR\nthe TOML configuration file\n");
    s.push_str(
        ".TP\n\\fBhttps_proxy\\fR, \\fBHTTPS_PROXY\\fR, \\fBall_proxy\\fR, \\fBALL_PROXY\\fR, \
         \\fBhttp_proxy\\fR, \\fBno_proxy\\fR, \\fBNO_PROXY\\fR\n\
         the HTTP proxy to reach the API through, read as curl reads them (\\fBhttp_proxy\\fR \
         only for an http:// URL; \\fBHTTP_PROXY\\fR is ignored), unless \\fBCBSTATUS_PROXY\\fR \
         is set (a proxy URL, or \\fInone\\fR to ignore them); a SOCKS proxy is refused\n",
    );
    s
}

fn see_also_section(cmd: &clap::Command, top: bool) -> String {
    let mut refs: Vec<String> = Vec::new();
    if !top {
        refs.push("\\fBcbstatus\\fR(1)".into());
    }
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_display_name().unwrap_or_else(|| sub.get_name());
        refs.push(format!("\\fB{}\\fR(1)", roff_escape(name)));
    }
    if top {
        refs.push("\\fI/usr/share/doc/cbstatus/README.md\\fR".into());
    }
    format!(".SH \"SEE ALSO\"\n{}\n", refs.join(", "))
}

/// Hyphens and backslashes as roff wants them in running text.
fn roff_escape(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

#[test]
fn man_pages_match_the_cli_definition() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("doc/man");
    let pages = render_pages();
    if std::env::var_os("CBSTATUS_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "1") {
                std::fs::remove_file(path).unwrap();
            }
        }
        for (name, text) in &pages {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut checked_in: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".1"))
                .collect()
        })
        .unwrap_or_default();
    checked_in.sort();
    let rendered: Vec<String> = pages.iter().map(|(name, _)| name.clone()).collect();
    let bless = "regenerate them with `CBSTATUS_BLESS=1 cargo test --bin cbstatus manpage` and \
                 commit doc/man/";
    assert_eq!(
        checked_in, rendered,
        "doc/man/ has other pages than the CLI: {bless}"
    );
    for (name, text) in &pages {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(&on_disk == text, "doc/man/{name} is stale: {bless}");
    }
}

#[test]
fn every_subcommand_has_a_page_and_a_description() {
    let pages = render_pages();
    let names: Vec<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
    for sub in Cli::command().get_subcommands() {
        let page = format!("cbstatus-{}.1", sub.get_name());
        assert!(names.contains(&page.as_str()), "no {page}");
        assert!(
            sub.get_about().is_some(),
            "`cbstatus {}` has no description for --help and its man page",
            sub.get_name()
        );
    }
    let top = &pages.iter().find(|(n, _)| n == "cbstatus.1").unwrap().1;
    assert!(top.contains("CBSTATUS_API_URL"), "{top}");
    assert!(top.contains(".SH \"SEE ALSO\""), "{top}");
}
