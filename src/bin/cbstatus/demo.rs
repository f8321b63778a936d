//! `cbstatus demo`: start the simulator on a loopback port and show what callers hear.

use crate::exit::{EXIT_OK, EXIT_USAGE};
use cbstatus::speech::Format;
use cbstatus::{Client, Config, LookupResult, RegisterRequest};
use cbstatus_sim::{Scenarios, Simulator};

#[derive(clap::Args)]
pub struct Args {
    /// Speech language (en-US, es-US, fr-CA).
    #[arg(long, default_value = "en-US")]
    locale: String,
    /// IANA time zone for clock times (default: the system zone).
    #[arg(long)]
    timezone: Option<String>,
    /// Also print the SSML and the Asterisk prompt list of each answer.
    #[arg(long)]
    all_formats: bool,
}

pub fn run(args: Args) -> u8 {
    let scenarios = Scenarios::demo();
    let simulator = match Simulator::start("127.0.0.1:0", scenarios.clone()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cbstatus: cannot start the simulator: {e}");
            return EXIT_USAGE;
        }
    };
    let mut config = Config::new();
    let settings = [
        ("api_url", Some(simulator.organization_url())),
        ("locale", Some(args.locale.clone())),
        ("timezone", args.timezone.clone()),
        // Short, so the "API hangs" scenario shows the fallback quickly.
        ("timeout_ms", Some("1000".to_string())),
        // Each scenario on its own: no breaker tripped by the fault scenarios, no cache.
        ("breaker_threshold", Some("0".to_string())),
        ("cache_ttl_ms", Some("0".to_string())),
        ("not_found_ttl_ms", Some("0".to_string())),
    ];
    for (key, value) in settings {
        if let Some(value) = value {
            if let Err(e) = config.set(key, &value) {
                eprintln!("cbstatus: {e}");
                return EXIT_USAGE;
            }
        }
    }
    let client = match Client::new(&config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cbstatus: {e}");
            return EXIT_USAGE;
        }
    };
    println!(
        "cbstatus demo: Mindful simulator at {} (locale {}, time zone {})\n",
        simulator.organization_url(),
        config.speech.locale.tag(),
        config.timezone.iana_name().unwrap_or("system")
    );
    for (number, description) in scenarios.numbers() {
        show(
            &format!("{number}  ({description})"),
            &client.status(&number),
            &args,
        );
    }
    println!("Call-flow actions:\n");
    show(
        "cancel +15551230002",
        &client.cancel_callback("+15551230002"),
        &args,
    );
    show(
        "cancel +15551230007 (two callbacks)",
        &client.cancel_callback("+15551230007"),
        &args,
    );
    show("widget w-open", &client.widget(Some("w-open")), &args);
    show("widget w-closed", &client.widget(Some("w-closed")), &args);
    journey(&client, &args);
    simulator.shutdown();
    EXIT_OK
}

/// The callback journey: offer, register (ASAP and at a slot), confirm, then what a returning
/// caller hears, and the refusals.
fn journey(client: &Client, args: &Args) {
    println!("The callback journey (widget w-open):\n");
    let offer = client.offer(Some("w-open"));
    show("offer", &offer, args);
    let asap = |widget: &str| RegisterRequest {
        widget_id: Some(widget.to_string()),
        ..RegisterRequest::default()
    };
    show(
        "register +15557770001 (key 1: as soon as possible)",
        &client.register("+15557770001", asap("w-open")),
        args,
    );
    show(
        "returning caller +15557770001",
        &client.status("+15557770001"),
        args,
    );
    let slot = offer
        .widget()
        .and_then(|w| w.open_slots(offer.at()).first().copied());
    if let Some(slot) = slot {
        let request = RegisterRequest {
            appointment: Some(slot),
            ..asap("w-open")
        };
        show(
            "register +15557770002 (key 2: the first time slot)",
            &client.register("+15557770002", request),
            args,
        );
        show(
            "returning caller +15557770002",
            &client.status("+15557770002"),
            args,
        );
    }
    show(
        "register +15557770001 again (within 10 s)",
        &client.register("+15557770001", asap("w-open")),
        args,
    );
    show(
        "register +15557770003 on w-closed",
        &client.register("+15557770003", asap("w-closed")),
        args,
    );
    show(
        "register +15551230400 (a number Mindful cannot call)",
        &client.register("+15551230400", asap("w-open")),
        args,
    );
    show("offer on w-closed", &client.offer(Some("w-closed")), args);
}

fn show(title: &str, result: &LookupResult, args: &Args) {
    println!("{title}");
    println!("  caller hears: {}", result.render(Format::Text));
    if let Some(error) = result.error() {
        println!(
            "  error:        {} ({})",
            error.kind().name(),
            error.detail()
        );
    }
    if args.all_formats {
        println!("  ssml:         {}", result.render(Format::Ssml));
        println!("  prompts:      {}", result.render(Format::Prompts));
    }
    println!();
}
