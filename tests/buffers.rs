//! Issue 10, class 10: functions copying into a caller buffer cut at a UTF-8 character
//! boundary and still return the full length (tests/c/utf8_buffers.c, every buffer size).

mod common;

use std::process::Command;

#[test]
fn last_error_message_is_cut_at_a_character_boundary_in_every_buffer_size() {
    let exe = common::c_program("utf8_buffers");
    let output = Command::new(exe).env_clear().output().expect("run");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("buffer checks passed"));
}
