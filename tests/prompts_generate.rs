//! `cbstatus prompts generate` writes every project prompt of every locale as an 8 kHz mono
//! 16-bit WAV file with speech in it, plus a manifest.

use cbstatus::speech::{playlist_prompts, project_prompts, Locale, PROMPT_DIR};
use std::process::Command;

#[test]
#[cfg_attr(
    not(cbstatus_has_espeak_ng),
    ignore = "espeak-ng is not installed (scripts/test installs it)"
)]
fn generates_every_prompt_as_telephone_wav() {
    let dir = std::env::temp_dir().join(format!("cbstatus-prompts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .args(["prompts", "generate", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for locale in Locale::all() {
        let folder = dir.join(locale.sound_dir()).join(PROMPT_DIR);
        let manifest = std::fs::read_to_string(folder.join("MANIFEST.txt")).unwrap();
        assert!(!project_prompts(locale).is_empty());
        for (name, transcript) in project_prompts(locale) {
            assert!(manifest.contains(&format!("{PROMPT_DIR}/{name}\t{transcript}")));
            let wav = std::fs::read(folder.join(format!("{name}.wav"))).unwrap();
            assert_eq!(&wav[0..4], b"RIFF");
            assert_eq!(&wav[8..16], b"WAVEfmt ");
            let u16_at = |i: usize| u16::from_le_bytes([wav[i], wav[i + 1]]);
            let rate = u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]);
            assert_eq!(
                (u16_at(20), u16_at(22), rate, u16_at(34)),
                (1, 1, 8000, 16),
                "{name}: PCM mono 8 kHz 16-bit"
            );
            let samples: Vec<i16> = wav[44..]
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            assert!(samples.len() > 8000 / 5, "{name}: at least 0.2 s of audio");
            let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
            assert!(peak > 3000, "{name}: speech, not silence (peak {peak})");
        }
    }
    // One locale only.
    let only = dir.join("only-es");
    let out = Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .args(["prompts", "generate", "--locale", "es-US", "--dir"])
        .arg(&only)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(only.join("es").join(PROMPT_DIR).is_dir() && !only.join("en").exists());
    let out = Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .args(["prompts", "generate", "--locale", "xx", "--dir"])
        .arg(&only)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--layout freeswitch`: every sound a playlist names, stock ones included, as
/// `DIR/<lang>/<name>.wav` (telephone WAV with speech), plus `DIR/<lang>/MANIFEST.txt`.
#[test]
#[cfg_attr(
    not(cbstatus_has_espeak_ng),
    ignore = "espeak-ng is not installed (scripts/test installs it)"
)]
fn freeswitch_layout_writes_every_playlist_sound() {
    let dir = std::env::temp_dir().join(format!("cbstatus-fs-prompts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_cbstatus"))
        .args([
            "prompts",
            "generate",
            "--layout",
            "freeswitch",
            "--locale",
            "es-US",
            "--dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let folder = dir.join("es");
    let manifest = std::fs::read_to_string(folder.join("MANIFEST.txt")).unwrap();
    let all = playlist_prompts(Locale::ES_US);
    assert!(all.iter().any(|(n, _)| n == "digits/4"));
    assert!(all.iter().any(|(n, _)| n == "cbstatus/you-are-number"));
    for (name, words) in &all {
        assert!(manifest.contains(&format!("{name}\t{words}\n")), "{name}");
        let wav = std::fs::read(folder.join(format!("{name}.wav")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let rate = u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]);
        assert_eq!((&wav[0..4], rate), (&b"RIFF"[..], 8000), "{name}");
        let peak = wav[44..]
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]).unsigned_abs())
            .max()
            .unwrap();
        assert!(peak > 3000, "{name}: speech, not silence (peak {peak})");
    }
    assert!(!dir.join("en").exists(), "only the requested locale");
    let _ = std::fs::remove_dir_all(&dir);
}
