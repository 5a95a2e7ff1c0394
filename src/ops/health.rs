//! Whether the database can be read, probed at most once a second: `/health` is asked often
//! (by load balancers, by every service's watchdog), and a probe per request would put a
//! blocking-pool round trip and a query behind each of them. It also remembers the last
//! write that failed for a reason an operator must mend (a full disk, a read-only file
//! system, a lock held too long) until a write succeeds again.

use crate::error::Fault;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// How long one probe's answer stands.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// A fault that lasts is logged once in this long, not once per refused write.
const LOG_EVERY: Duration = Duration::from_secs(60);

pub struct Health {
    started: Instant,
    /// Milliseconds after `started` of the last probe plus one; 0 before the first.
    probed_at: AtomicU64,
    readable: AtomicBool,
    /// The fault of the last failed write (`fault_code`), 0 once a write succeeds.
    fault: AtomicU8,
    /// Milliseconds after `started` of the last fault logged, plus one; 0 before the first.
    logged_at: AtomicU64,
    /// On a replica: the primary's last heartbeat in this file, in Unix milliseconds (0: none).
    heartbeat_ms: AtomicI64,
}

impl Health {
    pub fn new() -> Health {
        Health {
            started: Instant::now(),
            probed_at: AtomicU64::new(0),
            readable: AtomicBool::new(false),
            fault: AtomicU8::new(0),
            logged_at: AtomicU64::new(0),
            heartbeat_ms: AtomicI64::new(0),
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

    /// Records what a probe of the database found; returns whether it could be read. A
    /// replica's file of another release's schema is readable: its fault says why requests
    /// are refused.
    pub fn record_probe(&self, probe: &Result<(), crate::error::Error>) -> bool {
        let readable = match probe {
            Err(crate::error::Error::Unavailable(fault)) => fault.is_schema(),
            other => other.is_ok(),
        };
        self.record(readable);
        readable
    }

    fn record(&self, readable: bool) {
        self.readable.store(readable, Ordering::Release);
        self.probed_at.store(self.now_ms(), Ordering::Release);
    }

    /// The primary's last heartbeat, as a replica's probe read it.
    pub fn heard(&self, beat: Option<time::OffsetDateTime>) {
        let ms = beat.map_or(0, |at| (at.unix_timestamp_nanos() / 1_000_000) as i64);
        self.heartbeat_ms.store(ms, Ordering::Release);
    }

    /// Seconds from the primary's last heartbeat to `now` (how stale a replica may be).
    pub fn lag(&self, now: time::OffsetDateTime) -> Option<f64> {
        let ms = self.heartbeat_ms.load(Ordering::Acquire);
        let now_ms = (now.unix_timestamp_nanos() / 1_000_000) as i64;
        (ms != 0).then(|| (now_ms - ms).max(0) as f64 / 1000.0)
    }

    /// The fault that stopped the last write, while no write has succeeded since.
    pub fn fault(&self) -> Option<Fault> {
        match self.fault.load(Ordering::Acquire) {
            1 => Some(Fault::Full),
            2 => Some(Fault::ReadOnly),
            3 => Some(Fault::Busy),
            4 => Some(Fault::SchemaNewer),
            5 => Some(Fault::SchemaOlder),
            _ => None,
        }
    }

    /// A write failed for `fault`: say so at `error` once a minute, and count it.
    pub fn write_failed(&self, fault: Fault) {
        let code = match fault {
            Fault::Full => 1,
            Fault::ReadOnly => 2,
            Fault::Busy => 3,
            Fault::SchemaNewer => 4,
            Fault::SchemaOlder => 5,
        };
        self.fault.store(code, Ordering::Release);
        crate::metrics::database_fault(fault);
        let now = self.now_ms();
        let last = self.logged_at.load(Ordering::Acquire);
        let due = last == 0 || now - last >= LOG_EVERY.as_millis() as u64;
        if due
            && self
                .logged_at
                .compare_exchange(last, now, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            let what = if fault.is_schema() {
                "requests"
            } else {
                "writes"
            };
            log::error!("{what} are refused: {}", fault.message());
        }
    }

    /// A write went through (on a replica: a read did): whatever stopped the earlier ones
    /// has passed.
    pub fn write_succeeded(&self) {
        if self.fault.load(Ordering::Acquire) != 0 && self.fault.swap(0, Ordering::AcqRel) != 0 {
            crate::metrics::database_recovered();
            log::warn!("the database takes requests again");
        }
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

    #[test]
    fn a_fault_stands_until_a_write_succeeds() {
        use crate::error::Fault;
        let h = super::Health::new();
        assert_eq!(h.fault(), None);
        h.write_failed(Fault::Full);
        h.write_failed(Fault::ReadOnly);
        assert_eq!(h.fault(), Some(Fault::ReadOnly));
        h.write_succeeded();
        assert_eq!(h.fault(), None);
    }
}
