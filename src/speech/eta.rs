//! How a wait is quoted: Mindful's ECBT announcement settings (exact or range, with a minimum
//! and a maximum), turned into an [`Eta`].
//!
//! Rules (pure, locale-independent):
//! - below the minimum (if set): "less than N minutes" ("less than a minute" when N is 1);
//! - above the maximum (if set): "more than N minutes" ("more than 2 hours" for whole hours);
//! - under 60 seconds: "less than a minute";
//! - `exact`: rounded to the nearest minute below a quarter of an hour ("about 12 minutes",
//!   the product's own example), then to the nearest 5 minutes;
//!   60 minutes and more are said in hours and minutes ("about 2 hours and 15 minutes");
//! - `range`: 5-minute bands below an hour ("between 10 and 15 minutes", "between 1 and 5
//!   minutes" at the start), then 1-hour bands ("between 1 and 2 hours"), trimmed to the
//!   minimum and maximum.

/// Below this many minutes, exact waits are said to the minute; from it on, to the nearest 5.
pub const WHOLE_MINUTES_BELOW: u32 = 15;

use super::message::{Eta, RangeUnit, Span};
use crate::error::{Error, ErrorKind};
use std::str::FromStr;
use std::time::Duration;

/// Quote waits exactly ("about 12 minutes") or as a range ("between 10 and 15 minutes").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum EtaStyle {
    /// "about 12 minutes".
    #[default]
    Exact,
    /// "between 10 and 15 minutes".
    Range,
}

impl EtaStyle {
    /// `exact` or `range`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EtaStyle::Exact => "exact",
            EtaStyle::Range => "range",
        }
    }
}

impl FromStr for EtaStyle {
    type Err = Error;

    fn from_str(s: &str) -> Result<EtaStyle, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "exact" => Ok(EtaStyle::Exact),
            "range" => Ok(EtaStyle::Range),
            _ => Err(Error::new(
                ErrorKind::InvalidConfig,
                format!(
                    "eta style must be \"exact\" or \"range\", not {:?}",
                    clip(s)
                ),
            )),
        }
    }
}

/// How waits are announced (Mindful's ECBT settings). Default: exact, no minimum, at most 90
/// minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EtaPolicy {
    /// Exact or range.
    pub style: EtaStyle,
    /// Below this many minutes say "less than N minutes".
    pub min_minutes: Option<u32>,
    /// Above this many minutes say "more than N minutes".
    pub max_minutes: Option<u32>,
}

impl Default for EtaPolicy {
    fn default() -> Self {
        EtaPolicy {
            style: EtaStyle::Exact,
            min_minutes: None,
            max_minutes: Some(90),
        }
    }
}

impl EtaPolicy {
    /// Check the bounds agree (for the configuration loader, naming its keys): a minimum at
    /// or above the maximum would say "less than 10 minutes" and "more than 10 minutes" of
    /// waits seconds apart and nothing of any wait between. A bound of 0 is no bound, as
    /// [`EtaPolicy::quote`] reads it.
    pub fn validate(&self) -> Result<(), Error> {
        let (Some(min), Some(max)) = (
            self.min_minutes.filter(|&m| m > 0),
            self.max_minutes.filter(|&m| m > 0),
        ) else {
            return Ok(());
        };
        if min < max {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::InvalidConfig,
            format!(
                "eta_min_minutes ({min}) must be less than eta_max_minutes ({max}; 90 unless \
                 set): lower the minimum, raise the maximum, or set either to none"
            ),
        ))
    }

    /// The spoken form of `wait` under this policy.
    ///
    /// Exact waits keep whole minutes below 15 (`WHOLE_MINUTES_BELOW`): callers hear "about 12
    /// minutes" (as the contact centre's own announcements would say), and "about 25" rather
    /// than "about 27" once precision stops meaning anything.
    pub fn quote(&self, wait: Duration) -> Eta {
        let secs = wait
            .as_secs()
            .saturating_add(u64::from(wait.subsec_nanos() > 0));
        let min = self.min_minutes.filter(|&m| m > 0);
        let max = self.max_minutes.filter(|&m| m > 0);
        if let Some(min) = min {
            if secs < u64::from(min) * 60 {
                return if min == 1 {
                    Eta::UnderAMinute
                } else {
                    Eta::LessThan(threshold(min))
                };
            }
        }
        if let Some(max) = max {
            if secs > u64::from(max) * 60 {
                return Eta::MoreThan(threshold(max));
            }
        }
        if secs < 60 {
            return Eta::UnderAMinute;
        }
        let clamp = |m: u32| {
            let m = min.map_or(m, |min| m.max(min));
            max.map_or(m, |max| m.min(max))
        };
        match self.style {
            EtaStyle::Exact => {
                let m = to_u32(secs.saturating_add(30) / 60);
                let m = if m < WHOLE_MINUTES_BELOW {
                    m
                } else {
                    m.saturating_add(2) / 5 * 5
                };
                Eta::About(Span::hours_and_minutes(clamp(m)))
            }
            EtaStyle::Range => {
                let m = to_u32(secs / 60);
                let (low, high) = if m < 60 {
                    let low = m / 5 * 5;
                    (low.max(1), low + 5)
                } else {
                    let low = m / 60 * 60;
                    (low, low.saturating_add(60))
                };
                let low = clamp(low);
                let high = max.map_or(high, |max| high.min(max));
                if high <= low {
                    return Eta::About(Span::hours_and_minutes(low));
                }
                if low >= 60 && low % 60 == 0 && high % 60 == 0 {
                    Eta::Between {
                        low: low / 60,
                        high: high / 60,
                        unit: RangeUnit::Hours,
                    }
                } else {
                    Eta::Between {
                        low,
                        high,
                        unit: RangeUnit::Minutes,
                    }
                }
            }
        }
    }
}

/// A configured bound as spoken: whole hours in hours ("2 hours"), else in minutes ("90 minutes").
fn threshold(minutes: u32) -> Span {
    if minutes >= 60 && minutes % 60 == 0 {
        Span::hours_and_minutes(minutes)
    } else {
        Span::minutes(minutes)
    }
}

fn to_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// At most 40 characters of user input, for error messages.
pub(crate) fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(secs: u64) -> Eta {
        EtaPolicy::default().quote(Duration::from_secs(secs))
    }

    fn range(secs: u64) -> Eta {
        let p = EtaPolicy {
            style: EtaStyle::Range,
            ..EtaPolicy::default()
        };
        p.quote(Duration::from_secs(secs))
    }

    fn about(m: u32) -> Eta {
        Eta::About(Span::hours_and_minutes(m))
    }

    fn between(low: u32, high: u32) -> Eta {
        Eta::Between {
            low,
            high,
            unit: RangeUnit::Minutes,
        }
    }

    #[test]
    fn exact_rounding() {
        assert_eq!(exact(0), Eta::UnderAMinute);
        assert_eq!(exact(59), Eta::UnderAMinute);
        assert_eq!(exact(60), about(1));
        assert_eq!(exact(89), about(1));
        assert_eq!(exact(90), about(2));
        assert_eq!(exact(9 * 60 + 29), about(9));
        assert_eq!(exact(9 * 60 + 30), about(10));
        assert_eq!(exact(12 * 60), about(12), "the product's own example");
        assert_eq!(exact(12 * 60 + 30), about(13));
        assert_eq!(exact(14 * 60 + 29), about(14));
        assert_eq!(exact(14 * 60 + 30), about(15));
        assert_eq!(exact(16 * 60), about(15));
        assert_eq!(exact(18 * 60), about(20));
        assert_eq!(exact(47 * 60), about(45));
        assert_eq!(exact(58 * 60), about(60));
        assert_eq!(
            exact(60 * 60),
            Eta::About(Span {
                hours: 1,
                minutes: 0
            })
        );
        assert_eq!(
            exact(77 * 60),
            Eta::About(Span {
                hours: 1,
                minutes: 15
            })
        );
        assert_eq!(
            exact(90 * 60),
            Eta::About(Span {
                hours: 1,
                minutes: 30
            })
        );
    }

    #[test]
    fn default_maximum_is_90_minutes() {
        assert_eq!(exact(90 * 60 + 1), Eta::MoreThan(Span::minutes(90)));
        let none = EtaPolicy {
            max_minutes: None,
            ..EtaPolicy::default()
        };
        assert_eq!(
            none.quote(Duration::from_secs(134 * 60 + 40)),
            Eta::About(Span {
                hours: 2,
                minutes: 15
            })
        );
        let two_hours = EtaPolicy {
            max_minutes: Some(120),
            ..EtaPolicy::default()
        };
        assert_eq!(
            two_hours.quote(Duration::from_secs(3 * 3600)),
            Eta::MoreThan(Span {
                hours: 2,
                minutes: 0
            })
        );
    }

    #[test]
    fn minimum() {
        let p = EtaPolicy {
            min_minutes: Some(2),
            ..EtaPolicy::default()
        };
        assert_eq!(
            p.quote(Duration::from_secs(30)),
            Eta::LessThan(Span::minutes(2))
        );
        assert_eq!(
            p.quote(Duration::from_secs(119)),
            Eta::LessThan(Span::minutes(2))
        );
        assert_eq!(p.quote(Duration::from_secs(120)), about(2));
        let one = EtaPolicy {
            min_minutes: Some(1),
            ..EtaPolicy::default()
        };
        assert_eq!(one.quote(Duration::from_secs(10)), Eta::UnderAMinute);
        // Rounding never goes below the minimum.
        let twelve = EtaPolicy {
            min_minutes: Some(12),
            ..EtaPolicy::default()
        };
        assert_eq!(twelve.quote(Duration::from_secs(12 * 60)), about(12));
    }

    #[test]
    fn range_bands() {
        assert_eq!(range(30), Eta::UnderAMinute);
        assert_eq!(range(60), between(1, 5));
        assert_eq!(range(4 * 60 + 59), between(1, 5));
        assert_eq!(range(5 * 60), between(5, 10));
        assert_eq!(range(12 * 60), between(10, 15));
        assert_eq!(range(59 * 60), between(55, 60));
        // With the default maximum of 90 the hour band is trimmed and said in minutes.
        assert_eq!(range(70 * 60), between(60, 90));
        assert_eq!(range(91 * 60), Eta::MoreThan(Span::minutes(90)));
        let open = EtaPolicy {
            style: EtaStyle::Range,
            min_minutes: None,
            max_minutes: None,
        };
        assert_eq!(
            open.quote(Duration::from_secs(150 * 60)),
            Eta::Between {
                low: 2,
                high: 3,
                unit: RangeUnit::Hours
            }
        );
    }

    #[test]
    fn range_with_minimum_and_maximum() {
        let p = EtaPolicy {
            style: EtaStyle::Range,
            min_minutes: Some(8),
            max_minutes: Some(10),
        };
        assert_eq!(
            p.quote(Duration::from_secs(5 * 60)),
            Eta::LessThan(Span::minutes(8))
        );
        assert_eq!(p.quote(Duration::from_secs(9 * 60)), between(8, 10));
        assert_eq!(p.quote(Duration::from_secs(10 * 60)), about(10));
        assert_eq!(
            p.quote(Duration::from_secs(11 * 60)),
            Eta::MoreThan(Span::minutes(10))
        );
    }

    #[test]
    fn parse_and_validate() {
        assert_eq!("Range".parse::<EtaStyle>().unwrap(), EtaStyle::Range);
        assert_eq!(" exact ".parse::<EtaStyle>().unwrap(), EtaStyle::Exact);
        let err = "approx".parse::<EtaStyle>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(EtaPolicy::default().validate().is_ok());
        for (min, max) in [(30, 10), (10, 10)] {
            let bad = EtaPolicy {
                min_minutes: Some(min),
                max_minutes: Some(max),
                ..EtaPolicy::default()
            };
            let detail = bad.validate().unwrap_err().detail().to_string();
            assert!(
                detail.contains(&format!("eta_min_minutes ({min})"))
                    && detail.contains(&format!("eta_max_minutes ({max}")),
                "{detail}"
            );
        }
        for (min, max) in [(Some(9), Some(10)), (Some(10), None), (Some(10), Some(0))] {
            let fine = EtaPolicy {
                min_minutes: min,
                max_minutes: max,
                ..EtaPolicy::default()
            };
            assert!(fine.validate().is_ok(), "{min:?} {max:?}");
        }
    }

    #[test]
    fn huge_waits_do_not_overflow() {
        let open = EtaPolicy {
            style: EtaStyle::Exact,
            min_minutes: None,
            max_minutes: None,
        };
        assert!(matches!(open.quote(Duration::MAX), Eta::About(_)));
        let range = EtaPolicy {
            style: EtaStyle::Range,
            ..open
        };
        assert!(matches!(
            range.quote(Duration::MAX),
            Eta::Between { .. } | Eta::About(_)
        ));
        assert_eq!(
            EtaPolicy::default().quote(Duration::MAX),
            Eta::MoreThan(Span::minutes(90))
        );
    }
}
