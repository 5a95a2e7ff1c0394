//! Time: RFC 3339 UTC text as stored and shown, and a clock that tests can move.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The server's clock. Production reads the system time; tests may add an offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        let offset = self.offset_seconds.load(Ordering::Relaxed);
        let now = OffsetDateTime::now_utc() + time::Duration::seconds(offset);
        now.replace_nanosecond(0).unwrap_or(now)
    }

    pub fn now_text(&self) -> String {
        format(self.now())
    }

    /// Moves this clock (and every copy of it) forward; for tests of expiry.
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds.fetch_add(seconds, Ordering::Relaxed);
    }
}

/// RFC 3339 in UTC with whole seconds, e.g. `2026-11-22T18:51:15Z`.
pub fn format(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Parses RFC 3339 text (any offset) into a UTC time.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|t| t.to_offset(time::UtcOffset::UTC))
}

/// Milliseconds since the epoch, as the 4PointX dialect shows times.
pub fn epoch_millis(text: &str) -> Option<String> {
    parse(text).map(|t| (t.unix_timestamp_nanos() / 1_000_000).to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_round_trip_in_utc() {
        let t = super::parse("2026-11-22T19:51:15+01:00").unwrap();
        assert_eq!(super::format(t), "2026-11-22T18:51:15Z");
        assert_eq!(super::epoch_millis("1970-01-01T00:00:01Z").unwrap(), "1000");
    }
}
