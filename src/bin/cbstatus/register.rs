//! `cbstatus register NUMBER [--at UNIX]` and `cbstatus offer`: the callback journey from the
//! command line. Registration is sent once; a failure after sending is printed as
//! "we could not confirm your callback" and exits 1.

use crate::lookup::{client_from, print, Common};
use cbstatus::{LookupResult, RegisterRequest};
use jiff::Timestamp;

#[derive(clap::Args)]
pub struct RegisterArgs {
    /// The number to call back, e.g. +15551234567, 5551234567 or "(555) 123-4567".
    number: String,
    /// Appointment as Unix seconds (one of the widget's time slots; see `cbstatus widget`).
    /// Without it: a callback as soon as possible.
    #[arg(long, value_name = "UNIX")]
    at: Option<i64>,
    /// Widget id; overrides CBSTATUS_WIDGET_ID.
    #[arg(long)]
    widget_id: Option<String>,
    #[command(flatten)]
    common: Common,
}

pub fn register(args: RegisterArgs) -> u8 {
    let appointment = match args.at.map(Timestamp::from_second) {
        None => None,
        Some(Ok(t)) if t > Timestamp::UNIX_EPOCH => Some(t),
        Some(_) => {
            eprintln!("cbstatus: --at must be a Unix time in seconds, e.g. 1767225600");
            return crate::EXIT_USAGE;
        }
    };
    match client_from(&args.common) {
        Ok(client) => {
            let result = client.register(
                &args.number,
                RegisterRequest {
                    widget_id: args.widget_id,
                    appointment,
                    ..RegisterRequest::default()
                },
            );
            print(&result, args.common.format)
        }
        Err(code) => code,
    }
}

/// Lines after the sentence of `cbstatus widget --format text`: what is offered and the time
/// slots (Unix seconds and local time).
pub fn widget_details(result: &LookupResult) -> Vec<String> {
    let Some(widget) = result.widget() else {
        return Vec::new();
    };
    let mut offered = Vec::new();
    if widget.asap_offered() {
        offered.push("asap");
    }
    if widget.scheduled_offered() {
        offered.push("scheduled");
    }
    let offered = if offered.is_empty() {
        "none".to_string()
    } else {
        offered.join(" ")
    };
    let slots: Vec<String> = widget
        .timeslots
        .iter()
        .map(|t| {
            let local = t.to_zoned(result.timezone().clone());
            format!(
                "{} ({})",
                t.as_second(),
                local.strftime("%Y-%m-%d %H:%M %Z")
            )
        })
        .collect();
    vec![
        format!("offered: {offered}"),
        format!(
            "timeslots: {}",
            if slots.is_empty() {
                "none".to_string()
            } else {
                slots.join(", ")
            }
        ),
    ]
}
