//! No import circles: no module of a crate of this repository uses, directly or through
//! others, a module that uses it (ARCHITECTURE.md draws the layers this keeps apart).
//!
//! The check reads the sources, not the compiler: every `crate::`, `$crate::` and `super::`
//! path in code (comments and string literals are skipped; `#[cfg(test)]` code counts too: a
//! unit test that reaches up a layer is a circle like any other) is resolved to the module it
//! names. Two granularities:
//!
//! - **top-level modules** (`src/mindful/**` is `mindful`): a circle between two of them fails.
//!   A name the crate root re-exports (`crate::LookupResult`) counts as the module that
//!   defines it. The root itself is a node only through the items it defines (e.g. the CLI's
//!   `main`, which runs every subcommand): using one of them from a module it reaches is a
//!   circle too. Its `mod` declarations and `pub use` re-exports are the crate's table of
//!   contents, not uses.
//! - **submodules of one top-level module** (`mindful::client` and `mindful::cache`): a circle
//!   between siblings fails. The parent (`mindful/mod.rs`) is left out at this level: a parent
//!   declares and re-exports its children, and children may use what it declares. A name the
//!   parent takes from a child (`pub use client::Client`) counts as that child.
//!
//! The crates checked: the library (`src/lib.rs`), the CLI (`src/bin/cbstatus/main.rs`) and
//! every workspace crate under `crates/*/src/lib.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One crate: where its sources are, and which directory under them belongs to another crate.
struct Crate {
    name: String,
    dir: PathBuf,
    root: PathBuf,
    /// A directory under `dir` that is another crate's (the CLI's `src/bin`).
    skip: Option<PathBuf>,
}

fn crates() -> Vec<Crate> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut crates = vec![
        Crate {
            name: "cbstatus (library)".into(),
            dir: repo.join("src"),
            root: repo.join("src/lib.rs"),
            skip: Some(repo.join("src/bin")),
        },
        Crate {
            name: "cbstatus (CLI)".into(),
            dir: repo.join("src/bin/cbstatus"),
            root: repo.join("src/bin/cbstatus/main.rs"),
            skip: None,
        },
    ];
    if let Ok(entries) = std::fs::read_dir(repo.join("crates")) {
        let mut found: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        found.sort();
        for path in found {
            let root = path.join("src/lib.rs");
            if root.is_file() {
                crates.push(Crate {
                    name: path.file_name().unwrap().to_string_lossy().into_owned(),
                    dir: path.join("src"),
                    root,
                    skip: None,
                });
            }
        }
    }
    crates
}

/// The source with comments removed and the contents of string and character literals
/// blanked (quotes kept), so that only code is searched for paths.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && matches!(next, Some('"') | Some('#'))
            && (i == 0 || !ident(chars[i - 1]) || {
                // br"..." and cr"...": the prefix letter starts the token.
                matches!(chars[i - 1], 'b' | 'c') && (i < 2 || !ident(chars[i - 2]))
            })
        {
            // A raw string: r#*"...."#*
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// A tiny reader of use trees and paths over [`code_only`] text.
struct Reader<'a> {
    text: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn skip_space(&mut self) {
        while self.at < self.text.len() && self.text[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_space();
        if self.text[self.at..].starts_with(s.as_bytes()) {
            self.at += s.len();
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<String> {
        self.skip_space();
        let start = self.at;
        while self.at < self.text.len()
            && (self.text[self.at].is_ascii_alphanumeric() || self.text[self.at] == b'_')
        {
            self.at += 1;
        }
        (self.at > start).then(|| String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
    }

    /// The paths of a use tree or path starting here, each as its segments (`*` and `self`
    /// included as written). Stops at anything that is not part of a path.
    fn tree(&mut self) -> Vec<Vec<String>> {
        let mut prefix = Vec::new();
        loop {
            if self.eat("{") {
                let mut paths = Vec::new();
                loop {
                    if self.eat("}") {
                        break;
                    }
                    let before = self.at;
                    for mut sub in self.tree() {
                        let mut full = prefix.clone();
                        full.append(&mut sub);
                        paths.push(full);
                    }
                    self.eat(",");
                    if self.at == before {
                        // Not a use tree after all (e.g. a struct literal): give up here.
                        break;
                    }
                }
                return paths;
            }
            if self.eat("*") {
                prefix.push("*".into());
                return vec![prefix];
            }
            match self.ident() {
                Some(segment) => prefix.push(segment),
                None => {
                    return if prefix.is_empty() {
                        vec![]
                    } else {
                        vec![prefix]
                    }
                }
            }
            if !self.eat("::") {
                return vec![prefix];
            }
        }
    }
}

/// The module path of a file relative to its crate's directory (`mindful/client/send.rs` is
/// `["mindful", "client", "send"]`; the root file is `[]`).
fn module_path(krate: &Crate, file: &Path) -> Vec<String> {
    if file == krate.root {
        return Vec::new();
    }
    let relative = file.strip_prefix(&krate.dir).unwrap().with_extension("");
    let mut path: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if path.last().map(String::as_str) == Some("mod") {
        path.pop();
    }
    path
}

fn rust_files(dir: &Path, skip: Option<&Path>, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if Some(path.as_path()) == skip {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, skip, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every path a file's code names, made absolute (from the crate root), with the module it
/// was written in (inline `mod NAME { .. }` blocks included).
fn absolute_paths(code: &str, file_module: &[String]) -> Vec<(Vec<String>, Vec<String>)> {
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    // The inline modules open at each brace depth.
    let mut inline: Vec<(usize, String)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let boundary =
        |i: usize| i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                while inline.last().is_some_and(|(d, _)| *d > depth) {
                    inline.pop();
                }
            }
            _ => {}
        }
        if boundary(i) && code[i..].starts_with("mod ") {
            let mut reader = Reader {
                text: bytes,
                at: i + 4,
            };
            if let Some(name) = reader.ident() {
                if reader.eat("{") {
                    depth += 1;
                    inline.push((depth, name));
                    i = reader.at;
                    continue;
                }
            }
        }
        let here: Vec<String> = file_module
            .iter()
            .cloned()
            .chain(inline.iter().map(|(_, n)| n.clone()))
            .collect();
        let start = if boundary(i) && code[i..].starts_with("crate::") {
            Some((i + "crate::".len(), Vec::new()))
        } else if boundary(i) && code[i..].starts_with("super::") {
            let mut at = i;
            let mut base = here.clone();
            while code[at..].starts_with("super::") {
                base.pop();
                at += "super::".len();
            }
            Some((at, base))
        } else {
            None
        };
        if let Some((at, base)) = start {
            // `$crate::` is `crate::` too: the boundary check sees `$` as a boundary.
            let mut reader = Reader { text: bytes, at };
            for path in reader.tree() {
                let full: Vec<String> = base.iter().cloned().chain(path).collect();
                found.push((here.clone(), full));
            }
            i = reader.at.max(i + 1);
            continue;
        }
        i += 1;
    }
    found
}

/// What one crate's modules use: top-level edges and, per top-level module, sibling edges.
struct Graph {
    top: BTreeMap<String, BTreeSet<String>>,
    nested: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
}

/// The name the root node goes by.
const ROOT: &str = "(crate root)";

/// The names a module file imports or re-exports from its own children (`pub use
/// client::{Client, USER_AGENT}`, `use send::Idempotent`), by the child they come from: a
/// child's `super::USER_AGENT` uses `client`, not the parent.
fn names_from_children(code: &str, children: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for statement in code.split(';') {
        let trimmed = statement.trim_start();
        let item = trimmed
            .rfind("]\n")
            .map_or(trimmed, |at| trimmed[at + 1..].trim_start());
        let rest = ["pub use ", "pub(crate) use ", "pub(super) use ", "use "]
            .iter()
            .find_map(|prefix| item.strip_prefix(prefix));
        let Some(rest) = rest else { continue };
        let mut reader = Reader {
            text: rest.as_bytes(),
            at: 0,
        };
        for path in reader.tree() {
            if let (Some(first), Some(last)) = (path.first(), path.last()) {
                if children.contains(first) && path.len() > 1 {
                    names.insert(last.clone(), first.clone());
                }
            }
        }
    }
    names
}

fn graph(krate: &Crate) -> Graph {
    let mut files = Vec::new();
    rust_files(&krate.dir, krate.skip.as_deref(), &mut files);
    let root_code = code_only(&std::fs::read_to_string(&krate.root).unwrap());
    // Top-level modules: every first path segment of a file of the crate.
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| module_path(krate, f).first().cloned())
        .collect();
    // Names the root re-exports (`pub use lookup::{Action, ...}`), by the module they come from.
    let mut reexports: BTreeMap<String, String> = BTreeMap::new();
    let mut root_uses: BTreeSet<String> = BTreeSet::new();
    for statement in root_code.split(';') {
        let trimmed = statement.trim_start();
        let item_start = trimmed
            .rfind("]\n")
            .map_or(trimmed, |at| trimmed[at + 1..].trim_start());
        if let Some(rest) = item_start.strip_prefix("pub use ") {
            let mut reader = Reader {
                text: rest.as_bytes(),
                at: 0,
            };
            for path in reader.tree() {
                let path: Vec<&String> = path.iter().filter(|s| *s != "crate").collect();
                if let (Some(first), Some(last)) = (path.first(), path.last()) {
                    if modules.contains(*first) {
                        reexports.insert((*last).clone(), (*first).clone());
                    }
                }
            }
            continue;
        }
        if item_start.starts_with("mod ") || item_start.starts_with("pub mod ") {
            continue;
        }
        // The root's own items: any child module they name is used by the root.
        let bytes = statement.as_bytes();
        for module in &modules {
            let needle = format!("{module}::");
            let mut from = 0;
            while let Some(at) = statement[from..].find(&needle) {
                let at = from + at;
                let clean = at == 0
                    || !(bytes[at - 1].is_ascii_alphanumeric()
                        || bytes[at - 1] == b'_'
                        || bytes[at - 1] == b':');
                if clean {
                    root_uses.insert(module.clone());
                }
                from = at + needle.len();
            }
        }
    }
    // Per top-level module: its children, and the names its own file takes from them.
    let mut children: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        if let [top, child, ..] = &module_path(krate, file)[..] {
            children
                .entry(top.clone())
                .or_default()
                .insert(child.clone());
        }
    }
    let mut parent_names: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in &files {
        if let [top] = &module_path(krate, file)[..] {
            if let Some(kids) = children.get(top) {
                let code = code_only(&std::fs::read_to_string(file).unwrap());
                parent_names.insert(top.clone(), names_from_children(&code, kids));
            }
        }
    }
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut nested: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    if !root_uses.is_empty() {
        top.insert(ROOT.into(), root_uses);
    }
    for file in &files {
        if *file == krate.root {
            continue;
        }
        let module = module_path(krate, file);
        let code = code_only(&std::fs::read_to_string(file).unwrap());
        for (here, path) in absolute_paths(&code, &module) {
            let Some(first) = path.first() else { continue };
            let target = if modules.contains(first) {
                first.clone()
            } else if let Some(source) = reexports.get(first) {
                source.clone()
            } else if first == "*" || first == "self" {
                continue;
            } else {
                ROOT.to_string()
            };
            let from = &here[0];
            if target != *from {
                top.entry(from.clone()).or_default().insert(target);
                continue;
            }
            // Within one top-level module: between children, the parent left out (a name
            // the parent takes from a child counts as that child).
            let (Some(from_child), Some(named)) = (here.get(1), path.get(1)) else {
                continue;
            };
            let to_child = if children.get(from).is_some_and(|kids| kids.contains(named)) {
                Some(named)
            } else {
                parent_names.get(from).and_then(|names| names.get(named))
            };
            let Some(to_child) = to_child else { continue };
            if from_child != to_child {
                nested
                    .entry(from.clone())
                    .or_default()
                    .entry(from_child.clone())
                    .or_default()
                    .insert(to_child.clone());
            }
        }
    }
    Graph { top, nested }
}

/// A way round one knot of modules, and the others tied into the same knot.
#[derive(Debug, PartialEq)]
struct Circle {
    circle: Vec<String>,
    others: Vec<String>,
}

impl Circle {
    fn describe(&self, name: impl Fn(&String) -> String) -> String {
        let circle: Vec<String> = self.circle.iter().map(&name).collect();
        let mut text = circle.join(" -> ");
        if !self.others.is_empty() {
            let others: Vec<String> = self.others.iter().map(&name).collect();
            text += &format!(" (the same knot also holds: {})", others.join(", "));
        }
        text
    }
}

/// Every circle of `edges`, one per strongly connected component of more than one node, each
/// spelled as a shortest path that returns to its start.
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Circle> {
    let nodes: BTreeSet<&String> = edges
        .iter()
        .flat_map(|(from, to)| std::iter::once(from).chain(to))
        .collect();
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for next in edges.get(&n).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for node in nodes {
        if done.contains(node) || !reach(node).contains(node) {
            continue;
        }
        // The component of `node`, and a shortest way round it (breadth first).
        let component: BTreeSet<String> = reach(node)
            .into_iter()
            .filter(|m| reach(m).contains(node))
            .collect();
        let mut previous: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([node.clone()]);
        'search: while let Some(n) = queue.pop_front() {
            for next in edges.get(&n).into_iter().flatten() {
                if next == node {
                    previous.insert(node.clone() + "#end", n.clone());
                    break 'search;
                }
                if component.contains(next) && !previous.contains_key(next) {
                    previous.insert(next.clone(), n.clone());
                    queue.push_back(next.clone());
                }
            }
        }
        let mut circle = vec![node.clone()];
        let mut at = previous[&(node.clone() + "#end")].clone();
        while at != *node {
            circle.push(at.clone());
            at = previous[&at].clone();
        }
        circle.push(node.clone());
        circle.reverse();
        let others: Vec<String> = component
            .iter()
            .filter(|m| !circle.contains(m))
            .cloned()
            .collect();
        out.push(Circle { circle, others });
        done.extend(component);
    }
    out
}

#[test]
fn no_module_imports_a_module_that_imports_it() {
    let mut problems = Vec::new();
    for krate in crates() {
        let graph = graph(&krate);
        if std::env::var_os("CBSTATUS_LAYERS").is_some() {
            for (from, to) in &graph.top {
                eprintln!("{}: {from} -> {to:?}", krate.name);
            }
        }
        for circle in circles(&graph.top) {
            problems.push(format!(
                "{}: {}",
                krate.name,
                circle.describe(String::clone)
            ));
        }
        for (parent, edges) in &graph.nested {
            for circle in circles(edges) {
                let named = circle.describe(|m| format!("{parent}::{m}"));
                problems.push(format!("{}: {named}", krate.name));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "import circles (each module uses the next; see ARCHITECTURE.md for the layers):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_a_circle_and_skips_comments_and_strings() {
    let code = code_only(
        "use crate::a::X; // crate::b::Y\n/* crate::c */ let s = \"crate::d\"; let r = r#\"crate::e\"#;\n\
         fn f<'a>(c: char) -> bool { c == '{' }\nuse crate::{f::{self, G}, g::H};\nmod tests { use super::super::h; }",
    );
    let paths: Vec<Vec<String>> = absolute_paths(&code, &["m".to_string()])
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    let spelled: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(spelled, ["a::X", "f::self", "f::G", "g::H", "h"]);
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("a", &["b"][..]),
        ("b", &["c"][..]),
        ("c", &["a", "d"][..]),
        ("d", &[][..]),
    ]
    .iter()
    .map(|(f, t)| (f.to_string(), t.iter().map(|s| s.to_string()).collect()))
    .collect();
    let kids: BTreeSet<String> = ["client", "send"].map(String::from).into();
    let names = names_from_children(
        &code_only("pub use client::{Client, USER_AGENT};\n#[cfg(x)]\nuse send::Idempotent;\nuse std::x::Y;"),
        &kids,
    );
    let names: Vec<(&str, &str)> = names
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Client", "client"),
            ("Idempotent", "send"),
            ("USER_AGENT", "client")
        ]
    );
    let found = circles(&edges);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].circle, ["a", "b", "c", "a"]);
    assert!(found[0].others.is_empty());
}
