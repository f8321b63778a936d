//! Work ahead of the caller: connecting before the first lookup (prewarm) and looking a
//! number up while the greeting plays (prefetch). Both run on the client's background threads
//! (see `background.rs`), in this process's state.

use super::super::prefetch::Start;
use super::Client;
use crate::error::Result;
use crate::log::{log, Level};
use crate::stats::PrefetchOutcome;
use std::time::Duration;

impl Client {
    /// Open one connection to the API ahead of use (DNS, TCP, TLS) on a background thread,
    /// unless a usable one is open or being opened: the next lookup then costs one round trip.
    /// Returns at once and never fails (a failed warm-up is logged; the lookup connects as
    /// usual). [`Client::new`] does it unless `prewarm` is off.
    pub fn warm(&self) {
        let state = self.state();
        let uri: ureq::http::Uri = match self.inner.url.callback_status().parse() {
            Ok(uri) => uri,
            Err(_) => return,
        };
        if !state.connector.claim_warm_up() {
            return;
        }
        let client = self.clone();
        let started = state.background.spawn("cbstatus-prewarm", move || {
            let state = client.state();
            let started = std::time::Instant::now();
            let made = state.connector.warm(
                &uri,
                state.agent.config(),
                &state.resolver,
                client.inner.timeout,
            );
            let ms = started.elapsed().as_millis();
            match made {
                Ok(()) => log!(Level::Info, "prewarm: connected to the API in {ms} ms"),
                Err(e) => {
                    let error = client.transport_error(e);
                    log!(Level::Warn, "prewarm: failed after {ms} ms: {error}");
                }
            }
        });
        if !started {
            state.connector.unclaim();
        }
    }

    /// Start looking `number` up in the background (e.g. while the greeting plays); the next
    /// lookup of that number joins it or takes its answer, kept for `prefetch_ttl_ms`. Returns
    /// at once: an error only for a number that cannot be looked up. At most `prefetch_max`
    /// prefetches run at once; more are ignored (the later lookup does the work).
    pub fn prefetch(&self, number: &str) -> Result<()> {
        let number = self.normalize(number)?;
        let state = self.state();
        let ticket = match state.prefetches.start(number.as_str()) {
            Start::Run(ticket) => ticket,
            Start::Already | Start::Full => {
                self.inner.stats.record_prefetch(PrefetchOutcome::Ignored);
                return Ok(());
            }
        };
        self.inner.stats.record_prefetch(PrefetchOutcome::Started);
        let client = self.clone();
        let key = number.as_str().to_owned();
        let started = state.background.spawn("cbstatus-prefetch", move || {
            let answer = client.lookup_cached(&number).outcome;
            if answer.is_err() {
                client.inner.stats.record_prefetch(PrefetchOutcome::Failed);
            }
            client
                .state()
                .prefetches
                .finish(number.as_str(), ticket, answer);
        });
        if !started {
            state.prefetches.abandon(&key);
        }
        Ok(())
    }

    /// Wait (at most `limit`) for this client's background work in this process (prewarm,
    /// prefetch) to end: before unloading the code it runs, e.g. `cb_client_free`.
    pub fn wait_background(&self, limit: Duration) {
        self.state().background.wait_idle(limit);
    }
}
