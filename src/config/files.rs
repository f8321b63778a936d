//! Reading configuration input (the config file, the CA bundle, the system time zone) without
//! ever waiting on it or reading it without limit.
//!
//! A path such as a FIFO (`mkfifo`), `/dev/zero`, `/dev/stdin`, a terminal or a huge file
//! must give an error at once: `open()` of a FIFO blocks until a writer comes, and a device
//! never ends. So files are opened with `O_NONBLOCK` (a FIFO opens at once), checked with
//! `fstat()` on the opened descriptor (no race with a renamed path) to be a regular file no
//! larger than the cap, and only then read, still bounded.

use crate::log::{log, Level};
use jiff::tz::TimeZone;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Largest TZif file accepted for the system zone (real ones are a few KiB).
const MAX_ZONE_BYTES: u64 = 256 * 1024;

/// The bytes of the regular file at `path`, at most `max` of them; otherwise why not (a
/// sentence fragment such as "is a FIFO, not a regular file").
pub(crate) fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let file = open_regular(path, max)?;
    let mut bytes = Vec::new();
    // The file may have grown since fstat(): still read at most max + 1 bytes.
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot be read ({e})"))?;
    if bytes.len() as u64 > max {
        return Err(format!("is larger than {max} bytes"));
    }
    Ok(bytes)
}

/// Open `path` without blocking and check that it is a regular file of at most `max` bytes.
fn open_regular(path: &Path, max: u64) -> Result<File, String> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| format!("cannot be opened ({e})"))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot be examined ({e})"))?;
    let kind = meta.file_type();
    let what = if kind.is_file() {
        None
    } else if kind.is_fifo() {
        Some("a FIFO")
    } else if kind.is_char_device() || kind.is_block_device() {
        Some("a device")
    } else if kind.is_socket() {
        Some("a socket")
    } else if kind.is_dir() {
        Some("a directory")
    } else {
        Some("not a plain file")
    };
    if let Some(what) = what {
        return Err(format!("is {what}, not a regular file"));
    }
    if meta.len() > max {
        return Err(format!("is larger than {max} bytes ({} bytes)", meta.len()));
    }
    Ok(file)
}

/// The system time zone (`TZ`, else `/etc/localtime`), or UTC with a warning when the file it
/// names is a FIFO, a device or huge (jiff would block on it or read it without limit), or
/// when there is none.
pub(crate) fn system_zone() -> TimeZone {
    if let Some(path) = system_zone_file() {
        // A missing file is not refused here: TZ may be a zone name after all.
        if std::fs::symlink_metadata(&path).is_ok() {
            if let Err(why) = open_regular(&path, MAX_ZONE_BYTES) {
                log!(
                    Level::Warn,
                    "system time zone {} {why}: using UTC (set CBSTATUS_TIMEZONE)",
                    path.display()
                );
                return TimeZone::UTC;
            }
        }
    }
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

/// The file the system zone would be read from, if any: `TZ` naming a path (`/x`, `:/x`,
/// `dir/x`), else `/etc/localtime` when `TZ` is unset.
fn system_zone_file() -> Option<std::path::PathBuf> {
    let Some(tz) = std::env::var_os("TZ") else {
        return Some("/etc/localtime".into());
    };
    let tz = tz.to_string_lossy();
    let tz = tz.strip_prefix(':').unwrap_or(&tz);
    tz.contains('/').then(|| tz.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_fifos_directories_and_big_files_are_refused_at_once() {
        let dir = std::env::temp_dir().join(format!("cbstatus-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo(3) with a valid path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let big = dir.join("big");
        File::create(&big).unwrap().set_len(10_000).unwrap();
        let small = dir.join("small");
        std::fs::write(&small, "abc").unwrap();
        let refused = |p: &Path| read_bounded(p, 1000).unwrap_err();
        assert!(refused(&fifo).contains("FIFO"));
        assert!(refused(Path::new("/dev/zero")).contains("device"));
        assert!(refused(&dir).contains("directory"));
        assert!(refused(&big).contains("larger than 1000"));
        assert!(refused(&dir.join("missing")).contains("cannot be opened"));
        assert_eq!(read_bounded(&small, 1000).unwrap(), b"abc");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
