//! Deciding what to say: lookup outcome → [`Message`]. Pure: no I/O, no clock, no locale.
//!
//! - Failed lookup: the fallback sentence.
//! - No callback: "not found" (with the number's last digits when read-back is on).
//! - The callback spoken about is the report's primary one (the soonest open one, else the
//!   most recent closed one). With several open callbacks, say how many first.
//! - Final statuses: completed / canceled / ended. Connecting, queued or talking: calling now.
//! - Scheduled (type `scheduled`, or status `scheduled` when the type is not `asap`): the day
//!   and clock time in the configured zone ("today", "tomorrow", a weekday within the coming
//!   week, else weekday and date).
//! - Otherwise (ASAP, or an unknown/missing type or status): place in line and wait, from
//!   `forecast_waitlist_position` and `estimated_wait_time` (or `estimated_for - now`).
//! - Nothing usable: "We have your callback request. We will call you as soon as we can."
//! - Read-back (off by default): the last 4 digits of the callback number (else of the number
//!   looked up), for callbacks still to happen.
//!
//! - Cancel: canceled / nothing to cancel / several requests (none canceled) / failed.
//! - Widget: callbacks available or not, then the current wait (ECBT) when Mindful gives one,
//!   phrased with the same wait policy.
//!
//! - Offer: the ASAP offer with the current wait, then one menu line per choice (ASAP first,
//!   then the time slots still ahead, in the configured zone; at most 9).
//! - Register: the confirmation (reading back the last 4 digits of the number) only for
//!   `Requested`; each refusal its own sentence; a request that got no answer is "we could not
//!   confirm your callback", never success.
//!
//! Unknown status and type values are never spoken; only typed fields are.

use super::message::{Day, Digits, Message, Offered, Sentence, When};
use super::{Outcome, SpeechOptions};
use crate::cancel::CancelOutcome;
use crate::number::PhoneNumber;
use crate::register::{RegisterOutcome, Registration};
use crate::status::{Callback, CallbackStatus, CallbackType};
use crate::widget::{Choice, WidgetStatus};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use std::time::Duration;

/// How many digits "ending in" reads.
const READ_BACK_DIGITS: usize = 4;

/// A scheduled time this far in the past is still said as scheduled (the call is imminent).
const SCHEDULED_GRACE: SignedDuration = SignedDuration::from_mins(5);

pub(crate) fn decide(
    outcome: &Outcome<'_>,
    now: Timestamp,
    tz: &TimeZone,
    opts: &SpeechOptions,
) -> Message {
    let (report, number) = match outcome {
        Outcome::Status { report, number } => (report, number),
        Outcome::Failed => return Message::new(vec![Sentence::LookupFailed]),
        Outcome::Cancel(cancel) => return Message::new(vec![cancel_sentence(cancel)]),
        Outcome::CancelFailed => return Message::new(vec![Sentence::CancelFailed]),
        Outcome::Widget(widget) => return widget_message(widget, opts),
        Outcome::WidgetFailed => return Message::new(vec![Sentence::AvailabilityFailed]),
        Outcome::Offer(widget) => return offer_message(widget, now, tz, opts),
        Outcome::Register {
            registration,
            number,
        } => return register_message(registration, *number, now, tz, opts),
        Outcome::RegisterFailed { maybe_sent: true } => {
            return Message::new(vec![Sentence::RegisterUnconfirmed])
        }
        Outcome::RegisterFailed { maybe_sent: false } => {
            return Message::new(vec![Sentence::RegisterFailed])
        }
    };
    let number_digits = || {
        number
            .as_ref()
            .and_then(|n| Digits::last_of(n.digits(), READ_BACK_DIGITS))
    };
    let Some(primary) = report.primary() else {
        let sentence = match number_digits().filter(|_| opts.read_back_number) {
            Some(digits) => Sentence::NotFoundForNumber { digits },
            None => Sentence::NotFound,
        };
        return Message::new(vec![sentence]);
    };

    let mut sentences = Vec::new();
    let open = primary.is_open();
    let open_count = report.open_count();
    if open && open_count > 1 {
        sentences.push(Sentence::Several {
            count: u32::try_from(open_count).unwrap_or(u32::MAX),
        });
    }
    sentences.push(main_sentence(primary, now, tz, opts));
    if open && opts.read_back_number {
        let digits = primary
            .callback_number
            .as_deref()
            .and_then(|n| Digits::last_of(n, READ_BACK_DIGITS))
            .or_else(number_digits);
        if let Some(digits) = digits {
            sentences.push(Sentence::ReadBack { digits });
        }
    }
    Message::new(sentences)
}

/// The confirmation of a cancel request.
fn cancel_sentence(outcome: &CancelOutcome) -> Sentence {
    match outcome {
        CancelOutcome::Canceled => Sentence::CancelDone,
        CancelOutcome::NotFound => Sentence::CancelNotFound,
        CancelOutcome::TooMany => Sentence::CancelTooMany,
        CancelOutcome::Failed => Sentence::CancelFailed,
    }
}

/// Whether callbacks are offered, then the current wait when Mindful gave one.
fn widget_message(widget: &WidgetStatus, opts: &SpeechOptions) -> Message {
    let mut sentences = vec![if widget.callbacks_available() {
        Sentence::CallbacksAvailable
    } else {
        Sentence::CallbacksUnavailable
    }];
    if let Some(ewt) = widget.ewt {
        sentences.push(Sentence::CurrentWait {
            eta: opts.eta.quote(ewt),
        });
    }
    Message::new(sentences)
}

/// The offer: an ASAP callback with the current wait (or, when only time slots are offered,
/// "we can call you back"), then one menu line per choice. Nothing to offer: what the widget
/// check says.
fn offer_message(
    widget: &WidgetStatus,
    now: Timestamp,
    tz: &TimeZone,
    opts: &SpeechOptions,
) -> Message {
    let menu = widget.menu(now);
    if menu.is_empty() {
        let mut message = widget_message(widget, opts);
        // Available in name only (no ASAP, no open slot): nothing can be offered.
        if let Some(first) = message.sentences.first_mut() {
            *first = Sentence::CallbacksUnavailable;
        }
        return message;
    }
    let mut sentences = vec![if widget.asap_offered() {
        Sentence::OfferAsap {
            eta: widget.ewt.map(|ewt| opts.eta.quote(ewt)),
        }
    } else {
        Sentence::CallbacksAvailable
    }];
    for (i, choice) in menu.iter().enumerate() {
        sentences.push(Sentence::MenuChoice {
            key: u32::try_from(i + 1).unwrap_or(u32::MAX),
            choice: match *choice {
                Choice::Asap => Offered::Asap,
                Choice::At(at) => Offered::At(when(at, now, tz)),
            },
        });
    }
    Message::new(sentences)
}

/// The confirmation of a registration. Only `Requested` is spoken as success.
fn register_message(
    registration: &Registration,
    number: Option<&PhoneNumber>,
    now: Timestamp,
    tz: &TimeZone,
    opts: &SpeechOptions,
) -> Message {
    let digits = number.and_then(|n| Digits::last_of(n.digits(), READ_BACK_DIGITS));
    Message::new(vec![match registration.outcome {
        RegisterOutcome::Requested => match registration.appointment {
            Some(at) => Sentence::RegisterDoneScheduled {
                digits,
                when: when(at, now, tz),
            },
            None => Sentence::RegisterDoneAsap {
                digits,
                eta: registration.ewt.map(|ewt| opts.eta.quote(ewt)),
            },
        },
        RegisterOutcome::Duplicate => Sentence::RegisterDuplicate,
        RegisterOutcome::Refused => Sentence::RegisterRefused,
        RegisterOutcome::InvalidContact => Sentence::RegisterInvalidContact,
        RegisterOutcome::InvalidTime => Sentence::RegisterInvalidTime,
        RegisterOutcome::Failed => Sentence::RegisterFailed,
    }])
}

/// What to say about one callback.
fn main_sentence(cb: &Callback, now: Timestamp, tz: &TimeZone, opts: &SpeechOptions) -> Sentence {
    match &cb.status {
        Some(CallbackStatus::Successful) => return Sentence::Completed,
        Some(CallbackStatus::Canceled) => return Sentence::Canceled,
        Some(s) if s.is_final() => return Sentence::Ended,
        Some(s) if s.is_in_progress() => return Sentence::CallingNow,
        _ => {}
    }
    let scheduled = match &cb.kind {
        Some(CallbackType::Scheduled) => true,
        Some(CallbackType::Asap) => false,
        _ => cb.status == Some(CallbackStatus::Scheduled),
    };
    if scheduled {
        return match cb.expected_at(now) {
            Some(at) if at >= now.checked_sub(SCHEDULED_GRACE).unwrap_or(now) => {
                Sentence::Scheduled {
                    when: when(at, now, tz),
                }
            }
            _ => Sentence::NoDetails,
        };
    }

    let position = cb.position.filter(|&p| p > 0);
    let wait = cb.wait.or_else(|| {
        let ahead = cb.estimated_for?.duration_since(now);
        Duration::try_from(ahead).ok().filter(|d| !d.is_zero())
    });
    let eta = wait.map(|wait| opts.eta.quote(wait));
    match (position, eta) {
        (Some(1), Some(eta)) => Sentence::NextInLine { eta },
        (Some(1), None) => Sentence::NextInLineNoWait,
        (Some(position), Some(eta)) => Sentence::AsapPosition { position, eta },
        (Some(position), None) => Sentence::AsapPositionNoWait { position },
        (None, Some(eta)) => Sentence::AsapWait { eta },
        (None, None) => Sentence::NoDetails,
    }
}

/// The day (relative to today in `tz`) and local time of `at`.
pub(crate) fn when(at: Timestamp, now: Timestamp, tz: &TimeZone) -> When {
    let local = at.to_zoned(tz.clone());
    let today = now.to_zoned(tz.clone()).date();
    let date = local.date();
    let day = if date <= today {
        Day::Today
    } else if Some(date) == today.checked_add(1.day()).ok() {
        Day::Tomorrow
    } else if today.checked_add(7.days()).is_ok_and(|week| date < week) {
        Day::Weekday(date)
    } else if today.checked_add(6.months()).is_ok_and(|half| date <= half) {
        Day::Date(date)
    } else {
        Day::DateYear(date)
    };
    let time = local.time();
    When {
        day,
        time: jiff::civil::Time::constant(time.hour(), time.minute(), 0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::{CountryCode, PhoneNumber};
    use crate::speech::message::{Eta, Span};
    use crate::status::StatusReport;
    use jiff::civil::{date, time};

    fn ny() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    const NOW: &str = "2026-03-11T14:00:00Z"; // Wednesday 10:00 EDT

    fn decide_one(cb: Callback, opts: &SpeechOptions) -> Vec<Sentence> {
        let now = ts(NOW);
        let report = StatusReport::new(vec![cb], now);
        decide(
            &Outcome::Status {
                report: &report,
                number: None,
            },
            now,
            &ny(),
            opts,
        )
        .sentences
    }

    fn mins(m: u64) -> Option<Duration> {
        Some(Duration::from_secs(m * 60))
    }

    fn about(m: u32) -> Eta {
        Eta::About(Span::hours_and_minutes(m))
    }

    #[test]
    fn asap_position_and_wait() {
        let o = SpeechOptions::default();
        let cb = Callback {
            kind: Some(CallbackType::Asap),
            status: Some(CallbackStatus::Waitlisted),
            position: Some(4),
            wait: mins(12),
            ..Default::default()
        };
        assert_eq!(
            decide_one(cb.clone(), &o),
            vec![Sentence::AsapPosition {
                position: 4,
                eta: about(12)
            }]
        );
        let next = Callback {
            position: Some(1),
            ..cb.clone()
        };
        assert_eq!(
            decide_one(next, &o),
            vec![Sentence::NextInLine { eta: about(12) }]
        );
        let no_wait = Callback {
            wait: None,
            ..cb.clone()
        };
        assert_eq!(
            decide_one(no_wait, &o),
            vec![Sentence::AsapPositionNoWait { position: 4 }]
        );
        let next_no_wait = Callback {
            wait: None,
            position: Some(1),
            ..cb.clone()
        };
        assert_eq!(
            decide_one(next_no_wait, &o),
            vec![Sentence::NextInLineNoWait]
        );
        let wait_only = Callback {
            position: None,
            wait: Some(Duration::from_secs(20)),
            ..cb
        };
        assert_eq!(
            decide_one(wait_only, &o),
            vec![Sentence::AsapWait {
                eta: Eta::UnderAMinute
            }]
        );
    }

    #[test]
    fn unknown_type_and_status_speak_from_the_other_fields() {
        let o = SpeechOptions::default();
        let cb = Callback {
            kind: Some(CallbackType::Other("weird".into())),
            status: Some(CallbackStatus::Other("parked".into())),
            estimated_for: Some(ts(NOW) + SignedDuration::from_mins(25)),
            ..Default::default()
        };
        assert_eq!(
            decide_one(cb, &o),
            vec![Sentence::AsapWait { eta: about(25) }]
        );
        let nothing = Callback {
            status: Some(CallbackStatus::Other("parked".into())),
            ..Default::default()
        };
        assert_eq!(decide_one(nothing, &o), vec![Sentence::NoDetails]);
        assert_eq!(
            decide_one(Callback::default(), &o),
            vec![Sentence::NoDetails]
        );
    }

    #[test]
    fn statuses() {
        let o = SpeechOptions::default();
        let with = |s| Callback {
            status: Some(s),
            position: Some(3),
            wait: mins(5),
            ..Default::default()
        };
        assert_eq!(
            decide_one(with(CallbackStatus::Connecting), &o),
            vec![Sentence::CallingNow]
        );
        assert_eq!(
            decide_one(with(CallbackStatus::Talking), &o),
            vec![Sentence::CallingNow]
        );
        assert_eq!(
            decide_one(with(CallbackStatus::Successful), &o),
            vec![Sentence::Completed]
        );
        assert_eq!(
            decide_one(with(CallbackStatus::Canceled), &o),
            vec![Sentence::Canceled]
        );
        assert_eq!(
            decide_one(with(CallbackStatus::Failure), &o),
            vec![Sentence::Ended]
        );
        assert_eq!(
            decide_one(with(CallbackStatus::Abandoned), &o),
            vec![Sentence::Ended]
        );
    }

    #[test]
    fn scheduled_days() {
        let o = SpeechOptions::default();
        let at = |s: &str| Callback {
            kind: Some(CallbackType::Scheduled),
            estimated_for: Some(ts(s)),
            ..Default::default()
        };
        let when = |s: &str| match decide_one(at(s), &o).remove(0) {
            Sentence::Scheduled { when } => when,
            other => panic!("{other:?}"),
        };
        // 15:45 EDT today.
        assert_eq!(
            when("2026-03-11T19:45:00Z"),
            When {
                day: Day::Today,
                time: time(15, 45, 0, 0)
            }
        );
        // 23:30 EDT today is already tomorrow in UTC.
        assert_eq!(when("2026-03-12T03:30:00Z").day, Day::Today);
        assert_eq!(when("2026-03-12T13:00:00Z").day, Day::Tomorrow);
        assert_eq!(
            when("2026-03-17T13:00:00Z").day,
            Day::Weekday(date(2026, 3, 17))
        );
        assert_eq!(
            when("2026-03-18T13:00:00Z").day,
            Day::Date(date(2026, 3, 18))
        );
        // Status "scheduled" with no type also counts; a time long past does not.
        let by_status = Callback {
            status: Some(CallbackStatus::Scheduled),
            estimated_for: Some(ts("2026-03-11T19:45:00Z")),
            ..Default::default()
        };
        assert!(matches!(
            decide_one(by_status, &o)[0],
            Sentence::Scheduled { .. }
        ));
        assert_eq!(
            decide_one(at("2026-03-11T13:00:00Z"), &o),
            vec![Sentence::NoDetails]
        );
        assert_eq!(
            decide_one(
                Callback {
                    kind: Some(CallbackType::Scheduled),
                    ..Default::default()
                },
                &o
            ),
            vec![Sentence::NoDetails]
        );
    }

    #[test]
    fn dst_spring_forward_new_york_2026_03_08() {
        let tz = ny();
        // Saturday 23:00 EST; callback Sunday 15:45 EDT (19:45Z, not 20:45Z).
        let now = ts("2026-03-08T04:00:00Z");
        let w = when(ts("2026-03-08T19:45:00Z"), now, &tz);
        assert_eq!(
            w,
            When {
                day: Day::Tomorrow,
                time: time(15, 45, 0, 0)
            }
        );
        // Across the jump, same night: 00:30 EST → 03:30 EDT.
        let now = ts("2026-03-08T05:30:00Z");
        assert_eq!(
            when(ts("2026-03-08T07:30:00Z"), now, &tz),
            When {
                day: Day::Today,
                time: time(3, 30, 0, 0)
            }
        );
        // A week later, same local time, one hour less of UTC offset.
        let now = ts("2026-03-07T17:00:00Z"); // Saturday 12:00 EST
        assert_eq!(
            when(ts("2026-03-14T16:00:00Z"), now, &tz),
            When {
                day: Day::Date(date(2026, 3, 14)),
                time: time(12, 0, 0, 0)
            }
        );
    }

    #[test]
    fn dst_fall_back_new_york_2026_11_01() {
        let tz = ny();
        // Saturday 22:00 EDT; callback Sunday 09:00 EST (14:00Z).
        let now = ts("2026-11-01T02:00:00Z");
        assert_eq!(
            when(ts("2026-11-01T14:00:00Z"), now, &tz),
            When {
                day: Day::Tomorrow,
                time: time(9, 0, 0, 0)
            }
        );
        // The repeated hour: 05:30Z is 1:30 EDT and 06:30Z is 1:30 EST.
        let now = ts("2026-11-01T05:00:00Z");
        assert_eq!(
            when(ts("2026-11-01T05:30:00Z"), now, &tz).time,
            time(1, 30, 0, 0)
        );
        assert_eq!(
            when(ts("2026-11-01T06:30:00Z"), now, &tz).time,
            time(1, 30, 0, 0)
        );
        // An ASAP wait across the change is measured in real time: 90 minutes.
        let report = StatusReport::new(
            vec![Callback {
                estimated_for: Some(ts("2026-11-01T06:30:00Z")),
                ..Default::default()
            }],
            now,
        );
        let msg = decide(
            &Outcome::Status {
                report: &report,
                number: None,
            },
            now,
            &tz,
            &SpeechOptions::default(),
        );
        assert_eq!(
            msg.sentences,
            vec![Sentence::AsapWait {
                eta: Eta::About(Span {
                    hours: 1,
                    minutes: 30
                })
            }]
        );
    }

    #[test]
    fn several_callbacks_say_the_soonest_and_the_count() {
        let now = ts(NOW);
        let report = StatusReport::new(
            vec![
                Callback {
                    position: Some(9),
                    wait: mins(40),
                    ..Default::default()
                },
                Callback {
                    position: Some(4),
                    wait: mins(12),
                    ..Default::default()
                },
                Callback {
                    status: Some(CallbackStatus::Successful),
                    ..Default::default()
                },
            ],
            now,
        );
        let msg = decide(
            &Outcome::Status {
                report: &report,
                number: None,
            },
            now,
            &ny(),
            &SpeechOptions::default(),
        );
        assert_eq!(
            msg.sentences,
            vec![
                Sentence::Several { count: 2 },
                Sentence::AsapPosition {
                    position: 4,
                    eta: about(12)
                },
            ]
        );
    }

    #[test]
    fn not_found_failed_and_read_back() {
        let now = ts(NOW);
        let number = PhoneNumber::parse("5551234567", &CountryCode::default()).unwrap();
        let empty = StatusReport::default();
        let off = SpeechOptions::default();
        let on = SpeechOptions {
            read_back_number: true,
            ..SpeechOptions::default()
        };
        let run = |report: &StatusReport, opts: &SpeechOptions| {
            decide(
                &Outcome::Status {
                    report,
                    number: Some(&number),
                },
                now,
                &ny(),
                opts,
            )
            .sentences
        };
        assert_eq!(run(&empty, &off), vec![Sentence::NotFound]);
        assert_eq!(
            run(&empty, &on),
            vec![Sentence::NotFoundForNumber {
                digits: Digits::new("4567").unwrap()
            }]
        );
        let failed = decide(&Outcome::Failed, now, &ny(), &on);
        assert_eq!(failed.sentences, vec![Sentence::LookupFailed]);

        let report = StatusReport::new(
            vec![Callback {
                callback_number: Some("+1 (555) 987-6543".into()),
                position: Some(2),
                ..Default::default()
            }],
            now,
        );
        assert_eq!(
            run(&report, &off),
            vec![Sentence::AsapPositionNoWait { position: 2 }]
        );
        assert_eq!(
            run(&report, &on),
            vec![
                Sentence::AsapPositionNoWait { position: 2 },
                Sentence::ReadBack {
                    digits: Digits::new("6543").unwrap()
                },
            ]
        );
        // No usable callback number: the number looked up.
        let report = StatusReport::new(
            vec![Callback {
                callback_number: Some("n/a".into()),
                ..Default::default()
            }],
            now,
        );
        assert_eq!(
            run(&report, &on),
            vec![
                Sentence::NoDetails,
                Sentence::ReadBack {
                    digits: Digits::new("4567").unwrap()
                }
            ]
        );
        // Final callbacks are not read back.
        let report = StatusReport::new(
            vec![Callback {
                status: Some(CallbackStatus::Canceled),
                ..Default::default()
            }],
            now,
        );
        assert_eq!(run(&report, &on), vec![Sentence::Canceled]);
    }

    #[test]
    fn cancel_and_widget_messages() {
        use crate::cancel::CancelOutcome;
        use crate::widget::{WidgetState, WidgetStatus};
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let opts = SpeechOptions::default();
        let say = |o: Outcome| decide(&o, now, &ny(), &opts).sentences;
        assert_eq!(
            say(Outcome::Cancel(&CancelOutcome::Canceled)),
            vec![Sentence::CancelDone]
        );
        assert_eq!(
            say(Outcome::Cancel(&CancelOutcome::NotFound)),
            vec![Sentence::CancelNotFound]
        );
        assert_eq!(
            say(Outcome::Cancel(&CancelOutcome::TooMany)),
            vec![Sentence::CancelTooMany]
        );
        assert_eq!(
            say(Outcome::Cancel(&CancelOutcome::Failed)),
            vec![Sentence::CancelFailed]
        );
        assert_eq!(say(Outcome::CancelFailed), vec![Sentence::CancelFailed]);
        assert_eq!(
            say(Outcome::WidgetFailed),
            vec![Sentence::AvailabilityFailed]
        );
        let open = WidgetStatus {
            state: Some(WidgetState::OfferCallback),
            offer_asap: true,
            offer_scheduled: true,
            ewt: Some(Duration::from_secs(600)),
            timeslots: Vec::new(),
        };
        assert_eq!(
            say(Outcome::Widget(&open)),
            vec![
                Sentence::CallbacksAvailable,
                Sentence::CurrentWait { eta: about(10) }
            ]
        );
        let closed = WidgetStatus {
            state: Some(WidgetState::PlatformUnavailable),
            ..WidgetStatus::default()
        };
        assert_eq!(
            say(Outcome::Widget(&closed)),
            vec![Sentence::CallbacksUnavailable]
        );
        let ewt_only = WidgetStatus {
            state: Some(WidgetState::DisplayEwtOnly),
            ewt: Some(Duration::from_secs(240)),
            ..WidgetStatus::default()
        };
        assert_eq!(
            say(Outcome::Widget(&ewt_only)),
            vec![
                Sentence::CallbacksUnavailable,
                Sentence::CurrentWait { eta: about(4) }
            ]
        );
    }
}
