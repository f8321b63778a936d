//! The requests a call flow makes, each answered by a [`LookupResult`] that never fails: a
//! status lookup, a cancel, a widget check, an offer and a registration. The requests layer:
//! it asks [`crate::mindful`] and wraps what came back (or why nothing did) with the number,
//! the time, the speech settings and the upstream HTTP status, then counts it in the
//! client's [`crate::stats`].

use super::{Answer, LookupResult};
use crate::action::Action;
use crate::mindful::{Client, Replied};
use crate::number::PhoneNumber;
use crate::register::RegisterRequest;
use jiff::Timestamp;

impl Client {
    /// Look `number` up and keep everything needed to speak the answer. Never fails: a failed
    /// lookup gives a result whose [`LookupResult::error`] says why.
    pub fn status(&self, number: &str) -> LookupResult {
        self.counted(|| {
            self.for_number(Action::Status, number, |n| {
                self.lookup_replied(n).map(Answer::Status)
            })
        })
    }

    /// Ask Mindful to cancel the callback of `number`. Never fails: see [`Client::status`].
    pub fn cancel_callback(&self, number: &str) -> LookupResult {
        self.counted(|| {
            self.for_number(Action::Cancel, number, |n| {
                self.cancel_replied(n).map(Answer::Cancel)
            })
        })
    }

    /// Check whether callbacks are offered (widget `widget_id`, else the configured one).
    /// Never fails: see [`Client::status`].
    pub fn widget(&self, widget_id: Option<&str>) -> LookupResult {
        self.counted(|| self.widget_request(Action::Widget, widget_id))
    }

    /// Check the widget (`widget_id`, else the configured one) and speak it as an offer: the
    /// ASAP offer with the current wait, and a menu of the choices (ASAP and the open time
    /// slots, at most 9). Never fails: see [`Client::status`].
    pub fn offer(&self, widget_id: Option<&str>) -> LookupResult {
        self.counted(|| self.widget_request(Action::Offer, widget_id))
    }

    /// Register a callback for `number` (any caller-id shape). Never fails: a failed request
    /// gives a result whose [`LookupResult::error`] says why, spoken as "we could not confirm
    /// your callback" when it may have reached Mindful. Sent once, never retried.
    pub fn register(&self, number: &str, request: RegisterRequest) -> LookupResult {
        self.counted(|| {
            self.for_number(Action::Register, number, |n| {
                self.register_replied(n, &request).map(Answer::Register)
            })
        })
    }

    /// Run one request: counted in flight, then by result and duration in the client's
    /// stats.
    fn counted(&self, request: impl FnOnce() -> LookupResult) -> LookupResult {
        let in_flight = self.stats_handle().start_request();
        let result = request();
        in_flight.finish(result.action(), result.request_result(), result.error());
        result
    }

    /// A widget request answered for `action` (a widget check or an offer).
    fn widget_request(&self, action: Action, widget_id: Option<&str>) -> LookupResult {
        let replied = self.widget_replied(widget_id).map(Answer::Widget);
        LookupResult::new(
            action,
            None,
            replied.outcome,
            Timestamp::now(),
            self.config(),
        )
        .with_upstream_status(replied.http_status)
    }

    /// A request about `number`: a number that does not normalise is a failed result, and
    /// nothing is asked.
    fn for_number(
        &self,
        action: Action,
        number: &str,
        request: impl FnOnce(&PhoneNumber) -> Replied<Answer>,
    ) -> LookupResult {
        let config = self.config();
        let number = match self.normalize(number) {
            Ok(number) => number,
            Err(error) => return LookupResult::failed(action, error, config),
        };
        let replied = request(&number);
        LookupResult::new(
            action,
            Some(number),
            replied.outcome,
            Timestamp::now(),
            config,
        )
        .with_upstream_status(replied.http_status)
    }
}
