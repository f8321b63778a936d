//! The local side: which locales have the project prompts installed (the
//! `cbstatus prompts generate` layout, `<sounds>/<lang>/cbstatus/<name>.*`) and, with
//! `--asterisk-sounds DIR`, every sound file the configured locales play that is missing.

use super::{Stage, Verdict};
use cbstatus::speech::{playlist_prompts, project_prompts, Locale, PROMPT_DIR};
use cbstatus::Config;
use std::path::Path;
use std::time::Instant;

/// Where Asterisk keeps its sounds when `--asterisk-sounds` is not given.
const DEFAULT_DIRS: [&str; 2] = ["/usr/share/asterisk/sounds", "/var/lib/asterisk/sounds"];

/// `dir/name.*` exists (Asterisk picks the format by extension).
fn has_sound(dir: &Path, name: &str) -> bool {
    let path = dir.join(name);
    let (Some(parent), Some(stem)) = (path.parent(), path.file_name()) else {
        return false;
    };
    let stem = stem.to_string_lossy();
    std::fs::read_dir(parent).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            let file = e.file_name();
            let file = file.to_string_lossy();
            file.strip_prefix(stem.as_ref())
                .is_some_and(|rest| rest.starts_with('.'))
        })
    })
}

pub fn check(config: &Config, given: Option<&Path>, locales: &[String], stages: &mut Vec<Stage>) {
    let started = Instant::now();
    let dir = match given {
        Some(d) => d.to_path_buf(),
        None => match DEFAULT_DIRS.iter().map(Path::new).find(|d| d.is_dir()) {
            Some(d) => d.to_path_buf(),
            None => {
                stages.push(Stage::skip(
                    "prompts",
                    "no Asterisk sounds folder here (pass --asterisk-sounds DIR to check one)",
                ));
                return;
            }
        },
    };
    if !dir.is_dir() {
        stages.push(
            Stage::fail(
                "prompts",
                format!("{} is not a folder", dir.display()),
                "give --asterisk-sounds the Asterisk sounds folder (e.g. /usr/share/asterisk/sounds)",
            )
            .timed(started),
        );
        return;
    }
    let installed: Vec<&str> = Locale::all()
        .filter(|l| {
            let d = dir.join(l.sound_dir()).join(PROMPT_DIR);
            project_prompts(*l)
                .iter()
                .all(|(name, _)| has_sound(&d, name))
        })
        .map(|l| l.tag())
        .collect();
    let mut wanted: Vec<Locale> = vec![config.speech.locale];
    for l in locales.iter().filter_map(|t| Locale::parse(t).ok()) {
        if !wanted.iter().any(|w| w.tag() == l.tag()) {
            wanted.push(l);
        }
    }
    let mut missing = Vec::new();
    if given.is_some() {
        for l in &wanted {
            for (name, _) in playlist_prompts(*l) {
                let file = format!("{}/{name}", l.sound_dir());
                if !has_sound(&dir, &file) && !missing.contains(&file) {
                    missing.push(file);
                }
            }
        }
    }
    let detail = format!(
        "{}: project prompts installed for {}",
        dir.display(),
        if installed.is_empty() {
            "no locale".to_string()
        } else {
            installed.join(", ")
        }
    );
    let lacking: Vec<&str> = wanted
        .iter()
        .map(|l| l.tag())
        .filter(|t| !installed.contains(t))
        .collect();
    let mut stage = if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(12).map(String::as_str).collect();
        Stage::fail(
            "prompts",
            format!(
                "{detail}; {} sound files missing: {}{}",
                missing.len(),
                shown.join(" "),
                if missing.len() > shown.len() {
                    " ..."
                } else {
                    ""
                }
            ),
            format!(
                "cbstatus prompts generate --dir {} (project prompts under cbstatus/), and \
                 install the Asterisk core sounds of each language for the others (digits/, ...)",
                dir.display()
            ),
        )
    } else if !lacking.is_empty() {
        Stage::new(
            "prompts",
            Verdict::Warn,
            format!("{detail}; none for {}", lacking.join(", ")),
        )
        .with_fix(format!(
            "cbstatus prompts generate --dir {} --locale {}",
            dir.display(),
            lacking[0]
        ))
    } else {
        Stage::ok("prompts", detail)
    };
    stage = stage
        .fact("sounds_dir", dir.display().to_string())
        .fact("installed", installed.clone())
        .fact("missing", missing.clone());
    stages.push(stage.timed(started));
}
