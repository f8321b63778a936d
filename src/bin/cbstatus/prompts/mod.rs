//! `cbstatus prompts generate --dir DIR [--locale L]`: synthesize the project's own prompts
//! (words the stock Asterisk sounds lack) with espeak-ng as 8 kHz mono 16-bit WAV files at
//! `DIR/<lang>/cbstatus/<name>.wav`, plus `DIR/<lang>/cbstatus/MANIFEST.txt` (name and
//! transcript) for deployers who record them with a real voice.
//!
//! `--layout freeswitch` writes every sound a playlist may name, the stock Asterisk ones
//! (digits, days, `minutes`, ...) included, as `DIR/<lang>/<name>.wav` with
//! `DIR/<lang>/MANIFEST.txt`: FreeSWITCH has none of Asterisk's sounds, and its `playback`
//! plays the `CBSTATUS_PLAYLIST` built over that folder (`cb_result_playlist`).

mod wav;

use crate::exit::{EXIT_LOOKUP_FAILED, EXIT_OK, EXIT_USAGE};
use cbstatus::speech::{manifest_text, playlist_prompts, project_prompts, Locale, PROMPT_DIR};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(clap::Subcommand)]
pub enum PromptsCommand {
    /// Generate the project prompts with espeak-ng as 8 kHz mono WAV files, and a manifest.
    Generate(GenerateArgs),
    /// Print the manifest (prompt names and transcripts) without generating anything.
    Manifest {
        /// Only this locale (default: every locale).
        #[arg(long)]
        locale: Option<String>,
    },
}

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// Asterisk sounds folder to write into (e.g. /usr/share/asterisk/sounds).
    #[arg(long)]
    dir: PathBuf,
    /// Only this locale (default: every locale).
    #[arg(long)]
    locale: Option<String>,
    /// The espeak-ng program.
    #[arg(long, default_value = "espeak-ng")]
    espeak: String,
    /// `asterisk`: only the project prompts, into an Asterisk sounds folder (DIR/<lang>/cbstatus/);
    /// `freeswitch`: every sound the playlists need, digits and words included (DIR/<lang>/).
    #[arg(long, value_enum, default_value = "asterisk")]
    layout: Layout,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    Asterisk,
    Freeswitch,
}

pub fn run(command: PromptsCommand) -> u8 {
    match command {
        PromptsCommand::Generate(args) => generate(args),
        PromptsCommand::Manifest { locale } => match locales(locale.as_deref()) {
            Ok(locales) => {
                for locale in locales {
                    print!("{}", manifest_text(locale));
                }
                EXIT_OK
            }
            Err(code) => code,
        },
    }
}

fn locales(requested: Option<&str>) -> Result<Vec<Locale>, u8> {
    match requested {
        None => Ok(Locale::all().collect()),
        Some(name) => Locale::parse(name).map(|l| vec![l]).map_err(|e| {
            eprintln!("cbstatus: {e}");
            EXIT_USAGE
        }),
    }
}

fn generate(args: GenerateArgs) -> u8 {
    let locales = match locales(args.locale.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let mut written = 0;
    for locale in locales {
        let (dir, prompts, manifest_body) = match args.layout {
            Layout::Asterisk => (
                args.dir.join(locale.sound_dir()).join(PROMPT_DIR),
                project_prompts(locale)
                    .into_iter()
                    .map(|(n, t)| (n.to_string(), t))
                    .collect::<Vec<_>>(),
                manifest_text(locale),
            ),
            Layout::Freeswitch => {
                let prompts = playlist_prompts(locale);
                let body = freeswitch_manifest(locale, &prompts);
                (args.dir.join(locale.sound_dir()), prompts, body)
            }
        };
        for (name, transcript) in &prompts {
            let path = dir.join(format!("{name}.wav"));
            if let Some(parent) = path.parent() {
                if let Err(e) = std::fs::create_dir_all(parent) {
                    eprintln!("cbstatus: cannot create {}: {e}", parent.display());
                    return EXIT_USAGE;
                }
            }
            if let Err(e) = synthesize(&args.espeak, locale.espeak_voice(), transcript, &path) {
                eprintln!("cbstatus: {}: {e}", path.display());
                return EXIT_LOOKUP_FAILED;
            }
            written += 1;
        }
        let manifest = dir.join("MANIFEST.txt");
        if let Err(e) = std::fs::write(&manifest, manifest_body) {
            eprintln!("cbstatus: {}: {e}", manifest.display());
            return EXIT_LOOKUP_FAILED;
        }
        println!("{}", dir.display());
    }
    eprintln!(
        "cbstatus: wrote {written} prompts (8 kHz mono WAV) under {}",
        args.dir.display()
    );
    EXIT_OK
}

/// The FreeSWITCH layout's manifest: every sound's name and words, tab-separated.
fn freeswitch_manifest(locale: Locale, prompts: &[(String, String)]) -> String {
    let mut out = format!(
        "# cbstatus sounds for {tag} on FreeSWITCH (cbstatus prompts generate --layout freeswitch)\n\
         # Each line: a sound at <dir>/{lang}/<name>.wav and its words. Record them with a real\n\
         # voice (8 kHz mono WAV) for a better sound.\n# name\ttranscript\n",
        tag = locale.tag(),
        lang = locale.sound_dir(),
    );
    for (name, words) in prompts {
        out.push_str(&format!("{name}\t{words}\n"));
    }
    out
}

/// Speak `text` with espeak-ng and write it as an 8 kHz mono 16-bit WAV file.
fn synthesize(espeak: &str, voice: &str, text: &str, path: &Path) -> Result<(), String> {
    let output = Command::new(espeak)
        .args(["-v", voice, "--stdout", text])
        .output()
        .map_err(|e| format!("cannot run {espeak} ({e}); install espeak-ng"))?;
    if !output.status.success() {
        return Err(format!(
            "{espeak} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let audio = wav::Pcm16::parse(&output.stdout)?;
    let telephone = audio.into_mono().resample(8000);
    std::fs::write(path, telephone.to_wav()).map_err(|e| e.to_string())
}
