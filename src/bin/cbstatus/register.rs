//! `cbstatus register NUMBER [--at UNIX]`: the last step of the callback journey from the
//! command line. Registration is sent once; a failure after sending is printed as
//! "we could not confirm your callback" and exits 1.

use crate::common::{client_from, print, Common};
use crate::exit::EXIT_USAGE;
use cbstatus::register::appointment_from_unix;
use cbstatus::RegisterRequest;

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
    let appointment = match args.at.map(appointment_from_unix) {
        None => None,
        Some(Some(at)) => Some(at),
        Some(None) => {
            eprintln!("cbstatus: --at must be a Unix time in seconds, e.g. 1767225600");
            return EXIT_USAGE;
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
