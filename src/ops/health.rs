//! Whether the database can be read, probed at most once a second: `/health` is asked often
//! (by load balancers, by every service's watchdog), and a probe per request would put a
//! blocking-pool round trip and a query behind each of them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long one probe's answer stands.
const FRESH_FOR: Duration = Duration::from_secs(1);

pub struct Health {
    started: Instant,
    /// Milliseconds after `started` of the last probe plus one; 0 before the first.
    probed_at: AtomicU64,
    readable: AtomicBool,
}

impl Health {
    pub fn new() -> Health {
        Health {
            started: Instant::now(),
            probed_at: AtomicU64::new(0),
            readable: AtomicBool::new(false),
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64 + 1
    }

    /// The last probe's answer, if it is recent enough to stand.
    pub fn fresh(&self) -> Option<bool> {
        let at = self.probed_at.load(Ordering::Acquire);
        let fresh = at != 0 && self.now_ms() - at < FRESH_FOR.as_millis() as u64;
        fresh.then(|| self.readable.load(Ordering::Acquire))
    }

    pub fn record(&self, readable: bool) {
        self.readable.store(readable, Ordering::Release);
        self.probed_at.store(self.now_ms(), Ordering::Release);
    }
}

impl Default for Health {
    fn default() -> Self {
        Health::new()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_answer_stands_for_a_second_and_none_before_the_first_probe() {
        let h = super::Health::new();
        assert_eq!(h.fresh(), None);
        h.record(false);
        assert_eq!(h.fresh(), Some(false));
        h.record(true);
        assert_eq!(h.fresh(), Some(true));
    }
}
