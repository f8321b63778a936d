//! `cbstatus lookup NUMBER`, `cbstatus cancel NUMBER`, `cbstatus widget`, `cbstatus offer`: one
//! request, printed
//! as text, SSML, prompts or JSON.

use crate::common::{client_from, print, Common, OutputFormat};
use cbstatus::LookupResult;

#[derive(clap::Args)]
pub struct NumberArgs {
    /// The caller number, e.g. +15551234567, 5551234567 or "(555) 123-4567".
    number: String,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args)]
pub struct WidgetArgs {
    /// Widget id; overrides CBSTATUS_WIDGET_ID.
    #[arg(long)]
    widget_id: Option<String>,
    #[command(flatten)]
    common: Common,
}

pub fn status(args: NumberArgs) -> u8 {
    match client_from(&args.common) {
        Ok(client) => print(&client.status(&args.number), args.common.format),
        Err(code) => code,
    }
}

pub fn cancel(args: NumberArgs) -> u8 {
    match client_from(&args.common) {
        Ok(client) => print(&client.cancel_callback(&args.number), args.common.format),
        Err(code) => code,
    }
}

pub fn widget(args: WidgetArgs) -> u8 {
    match client_from(&args.common) {
        Ok(client) => {
            let result = client.widget(args.widget_id.as_deref());
            let code = print(&result, args.common.format);
            if matches!(args.common.format, OutputFormat::Text) {
                for line in widget_details(&result) {
                    println!("{line}");
                }
            }
            code
        }
        Err(code) => code,
    }
}

pub fn offer(args: WidgetArgs) -> u8 {
    match client_from(&args.common) {
        Ok(client) => print(&client.offer(args.widget_id.as_deref()), args.common.format),
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
