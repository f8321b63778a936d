//! What operators do with a running server: reload its configuration (SIGHUP, `systemctl
//! reload`), and read its metrics and readiness (`--http`).

use super::profiles::ProfileSet;
use super::Server;
use crate::http::Routes;
use cbstatus::log::Level;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

impl Server {
    /// Re-read the configuration. New calls get the new clients; calls in progress finish
    /// with the ones they started with. A configuration that cannot be read, or whose
    /// profiles cannot all make a client, is refused with a log line and the old one stays.
    pub fn reload(&self) {
        self.notifier.reloading();
        let old = self.current();
        match ProfileSet::load(&self.source, Some(&old)) {
            Ok(new) => match new.first_failure() {
                Some((profile, error)) => self.log.event(
                    Level::Error,
                    &format!(
                        "reload refused (profile {profile}: {error}); keeping the previous configuration"
                    ),
                ),
                None => {
                    let names: Vec<&str> = new.all().iter().map(|p| p.name.as_str()).collect();
                    let names = names.join(", ");
                    *self.profiles.write().unwrap_or_else(PoisonError::into_inner) =
                        Arc::new(new);
                    self.log.event(
                        Level::Info,
                        &format!("configuration reloaded (profiles: {names})"),
                    );
                }
            },
            Err(error) => self.log.event(
                Level::Error,
                &format!("reload refused ({error}); keeping the previous configuration"),
            ),
        }
        self.notifier.notify("READY=1");
    }

    /// `Ok` when every profile has a client and a closed breaker, else the first reason.
    fn readiness(&self) -> Result<(), String> {
        if self.stopping.load(Ordering::SeqCst) {
            return Err("shutting down".to_string());
        }
        let set = self.current();
        if let Some((profile, error)) = set.first_failure() {
            return Err(format!("profile {profile}: {error}"));
        }
        match set.all().into_iter().find(|p| p.breaker_open()) {
            Some(p) => Err(format!(
                "profile {}: circuit breaker open (the Mindful API keeps failing)",
                p.name
            )),
            None => Ok(()),
        }
    }
}

/// The HTTP endpoint's view of the server.
pub struct Operator(pub Arc<Server>);

impl Routes for Operator {
    fn metrics(&self) -> String {
        let set = self.0.current();
        let profiles = set
            .all()
            .into_iter()
            .map(|p| (p.name.clone(), p.stats.snapshot(p.breaker_open())))
            .collect();
        crate::metrics::render(profiles)
    }

    fn ready(&self) -> Result<(), String> {
        self.0.readiness()
    }
}
