//! `/metrics`: who may scrape, and the stored totals it shows, counted at most once a minute
//! (a count of a million users is tens of milliseconds: never one per scrape).

use super::Env;
use crate::config::Metrics;
use crate::db;
use crate::error::Error;
use rusqlite::Connection;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long the stored totals stand.
const COUNT_EVERY: Duration = Duration::from_secs(60);

/// Whether this scrape may be answered: metrics on, the source among the allowed ones when
/// there is a list, and the bearer token when one is set. A refusal says nothing more than
/// 404 (off), 403 (address) or 401 (token).
pub fn may_scrape(
    config: &Metrics,
    peer: Option<IpAddr>,
    bearer: Option<&str>,
) -> Result<(), Error> {
    if !config.enabled {
        return Err(Error::not_found("metrics"));
    }
    let allowed = config.allowed_sources.is_empty()
        || peer.is_some_and(|ip| config.allowed_sources.contains(&ip));
    if !allowed {
        return Err(Error::Forbidden(
            "this address may not read the metrics".into(),
        ));
    }
    if let Some(token) = &config.token {
        let sent = bearer.unwrap_or("");
        let same: bool = subtle::ConstantTimeEq::ct_eq(sent.as_bytes(), token.as_bytes()).into();
        if !same {
            return Err(Error::Unauthenticated);
        }
    }
    Ok(())
}

/// When the stored totals were last counted.
#[derive(Default)]
pub struct Tallies {
    counted_at: Mutex<Option<Instant>>,
}

/// Counts what is stored into the gauges, unless that was done less than a minute ago.
pub fn tally(conn: &Connection, env: &Env) -> Result<(), Error> {
    {
        let mut at = env
            .tallies
            .counted_at
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if at.is_some_and(|t| t.elapsed() < COUNT_EVERY) {
            return Ok(());
        }
        *at = Some(Instant::now());
    }
    let t = db::structure::count_stored(conn)?;
    crate::metrics::stored(t.users, t.organisations, t.sites, t.plants, t.audit_rows);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_needs_the_token_and_an_allowed_address_when_they_are_set() {
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "10.0.0.9".parse().unwrap();
        let open = Metrics::default();
        assert!(may_scrape(&open, Some(other), None).is_ok());
        let off = Metrics {
            enabled: false,
            ..Metrics::default()
        };
        assert_eq!(
            may_scrape(&off, Some(local), None).unwrap_err().status(),
            404
        );
        let held = Metrics {
            token: Some("s3cret".into()),
            allowed_sources: vec![local],
            ..Metrics::default()
        };
        assert_eq!(
            may_scrape(&held, Some(other), Some("s3cret"))
                .unwrap_err()
                .status(),
            403
        );
        assert_eq!(
            may_scrape(&held, Some(local), Some("wrong"))
                .unwrap_err()
                .status(),
            401
        );
        assert_eq!(
            may_scrape(&held, Some(local), None).unwrap_err().status(),
            401
        );
        assert!(may_scrape(&held, Some(local), Some("s3cret")).is_ok());
    }
}
