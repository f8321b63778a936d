//! The README's list of template situations and their placeholders is rendered from the one
//! declaration in `src/speech/situation.rs` (`Situation::ALL`, `name()`, `placeholders()`) and
//! must equal it; regenerate with `CBSTATUS_BLESS=1 cargo test --test situations_doc`.

use cbstatus::speech::Situation;
use std::path::Path;

const BEGIN: &str = "<!-- situations: rendered from src/speech/situation.rs; run \
                     `CBSTATUS_BLESS=1 cargo test --test situations_doc` after changing them -->";
const END: &str = "<!-- end of the situations -->";

/// Where the list sits: inside a bullet of the feature list.
const INDENT: &str = "  ";
/// Longest line written (the README wraps at 100 columns).
const WIDTH: usize = 98;

/// "`several` {count}, `asap_position` {position} {wait}, ..., `register_unconfirmed`.",
/// wrapped at [`WIDTH`] and indented, each situation kept on one line.
fn rendered_list() -> String {
    let items: Vec<String> = Situation::ALL
        .iter()
        .enumerate()
        .map(|(i, situation)| {
            let mut item = format!("`{}`", situation.name());
            for placeholder in situation.placeholders() {
                item.push_str(&format!(" {{{}}}", placeholder.name()));
            }
            let last = i + 1 == Situation::ALL.len();
            item.push(if last { '.' } else { ',' });
            item
        })
        .collect();
    let mut text = String::new();
    let mut line = String::from(INDENT);
    for item in items {
        if line.len() > INDENT.len() && line.len() + 1 + item.len() > WIDTH {
            text.push_str(&line);
            text.push('\n');
            line = String::from(INDENT);
        }
        if line.len() > INDENT.len() {
            line.push(' ');
        }
        line.push_str(&item);
    }
    text.push_str(&line);
    text.push('\n');
    text
}

#[test]
fn readme_situations_are_rendered_from_the_declaration() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let (before, rest) = readme
        .split_once(BEGIN)
        .expect("README.md has the situations' opening comment");
    let (current, after) = rest
        .split_once(END)
        .expect("README.md has the situations' closing comment");
    let wanted = format!("\n{}{INDENT}", rendered_list());
    if std::env::var_os("CBSTATUS_BLESS").is_some() {
        std::fs::write(
            root.join("README.md"),
            format!("{before}{BEGIN}{wanted}{END}{after}"),
        )
        .unwrap();
        return;
    }
    assert!(
        current == wanted,
        "README.md's situations differ from src/speech/situation.rs: regenerate them with \
         `CBSTATUS_BLESS=1 cargo test --test situations_doc`"
    );
}
