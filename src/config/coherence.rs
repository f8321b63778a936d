//! Settings that are each valid but contradict one another, refused once all of them are known
//! (at the end of a load, and when a client is made from settings set one by one), never while
//! they are being set: setting `eta_min_minutes` before `eta_max_minutes` must not fail for a
//! maximum about to be raised.

use super::Config;
use crate::error::Result;

impl Config {
    /// Refuse contradicting settings ([`crate::ErrorKind::InvalidConfig`], naming each of
    /// them): `eta_min_minutes` at or above `eta_max_minutes`.
    pub fn check_coherence(&self) -> Result<()> {
        self.speech.eta.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn an_eta_minimum_at_or_above_the_maximum_is_refused_naming_both() {
        for (min, max) in [("30", "10"), ("10", "10"), ("91", ""), ("1440", "1")] {
            let mut c = Config::new();
            c.set("eta_min_minutes", min).unwrap();
            c.set("eta_max_minutes", max).unwrap();
            let err = c.check_coherence().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig);
            assert!(
                err.detail().contains(&format!("eta_min_minutes ({min})"))
                    && err.detail().contains("eta_max_minutes ("),
                "{min}/{max}: {err}"
            );
        }
        // Either bound may be none (or 0, the same): no contradiction.
        for (min, max) in [
            ("9", "10"),
            ("100", "none"),
            ("100", "0"),
            ("0", "5"),
            ("none", "1"),
        ] {
            let mut c = Config::new();
            c.set("eta_min_minutes", min).unwrap();
            c.set("eta_max_minutes", max).unwrap();
            assert!(c.check_coherence().is_ok(), "{min}/{max}");
        }
        // Set one by one in either order: only the result is checked.
        let mut c = Config::new();
        c.set("eta_min_minutes", "100").unwrap();
        c.set("eta_max_minutes", "120").unwrap();
        assert!(c.check_coherence().is_ok());
    }
}
