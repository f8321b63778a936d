//! Which request a result answers: the five things a call flow can ask Mindful.
//!
//! A leaf of the domain (it uses no other module), so that the counters ([`crate::stats`]),
//! the results ([`crate::LookupResult`]) and every shell name requests the same way.

/// Which API request a result answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `callback_status`: where the caller's callback stands.
    Status,
    /// `cancel_callback`: cancel the caller's callback.
    Cancel,
    /// Widget status: are callbacks offered, and what is the wait.
    Widget,
    /// Widget status spoken as an offer: the ASAP offer and the menu of choices.
    Offer,
    /// `request_callback`: register a callback.
    Register,
}

impl Action {
    /// Every action, in the order the documentation lists them. The names a dialplan may use
    /// (`cbstatus agi --action NAME`, FastAGI `.../cbstatus/NAME` and `?action=NAME`) are
    /// exactly theirs ([`Action::as_str`]), so every shell accepts the same set.
    pub const ALL: [Action; 5] = [
        Action::Status,
        Action::Cancel,
        Action::Widget,
        Action::Offer,
        Action::Register,
    ];

    /// The action named `name`, spelled exactly as documented (lower case): `cancel`, not
    /// `Cancel` or `cancle`. A near miss names no action: run as a status lookup, a cancel
    /// that was never sent would look like one that was.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The names of [`Action::ALL`], for messages: `status, cancel, widget, offer, register`.
    pub fn names() -> String {
        Action::ALL.map(Action::as_str).join(", ")
    }

    /// `status`, `cancel`, `widget`, `offer` or `register`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Status => "status",
            Action::Cancel => "cancel",
            Action::Widget => "widget",
            Action::Offer => "offer",
            Action::Register => "register",
        }
    }
}
