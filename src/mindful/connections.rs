//! Counting the connections the client opens: the last link of the agent's connector chain
//! sees every new transport (a pooled connection reused never reaches the connectors).

use crate::stats::Stats;
use std::sync::Arc;
use ureq::unversioned::transport::{ConnectionDetails, Connector, Transport};

/// Passes every transport through unchanged and counts it.
#[derive(Debug)]
pub(crate) struct CountingConnector {
    stats: Arc<Stats>,
}

impl CountingConnector {
    pub(crate) fn new(stats: &Arc<Stats>) -> CountingConnector {
        CountingConnector {
            stats: Arc::clone(stats),
        }
    }
}

impl<In: Transport> Connector<In> for CountingConnector {
    type Out = In;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<In>, ureq::Error> {
        if chained.is_some() {
            self.stats.record_connection();
        }
        Ok(chained)
    }
}
