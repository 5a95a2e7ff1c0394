//! Reading the audit trail: who may read what, the filters, and the names of the people and
//! places a page of events speaks of.

use crate::clock;
use crate::db::audit::{self as store, AuditQuery, AuditRow};
use crate::db::structure;
use crate::domain::access::{AuditReach, Principal};
use crate::domain::fields::Email;
use crate::error::Error;
use crate::ops::users::get_user;
use rusqlite::Connection;
use std::collections::HashMap;

/// What a caller asks of the trail.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// A user (id or email): the events they did or that were done to them.
    pub person: Option<String>,
    /// The events that concern this organisation.
    pub organisation_id: Option<String>,
    pub target: Option<String>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
}

pub struct AuditPage {
    pub items: Vec<NamedRow>,
    pub next_cursor: Option<String>,
}

/// An event with the names, as they are now, of its actor and target where the reader may see
/// them (None for someone deleted or out of the reader's reach).
pub struct NamedRow {
    pub row: AuditRow,
    pub actor_name: Option<String>,
    pub target_name: Option<String>,
    pub target_email: Option<String>,
}

fn time_filter(field: &str, value: Option<String>) -> Result<Option<String>, Error> {
    value
        .map(|v| {
            clock::parse(&v).map(clock::format).ok_or_else(|| {
                Error::invalid(
                    field,
                    "must be an RFC 3339 time such as 2026-11-01T00:00:00Z",
                )
            })
        })
        .transpose()
}

/// Superadmins read everything (None); organisation admins the events of their organisations.
fn readable(actor: &Principal) -> Result<Option<Vec<String>>, Error> {
    match actor.audit_reach() {
        Some(AuditReach::Everything) => Ok(None),
        Some(AuditReach::Organisations(ids)) => Ok(Some(ids)),
        None => Err(Error::Forbidden(
            "only superadmins and organisation admins read the audit trail".into(),
        )),
    }
}

pub fn list(conn: &Connection, actor: &Principal, filter: AuditFilter) -> Result<AuditPage, Error> {
    let limit = filter.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(Error::invalid("limit", "must be between 1 and 1000"));
    }
    let query = query_of(conn, readable(actor)?, filter, limit)?;
    let mut items = store::list(conn, &query)?;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    let mut names = Names::new(conn, actor);
    let items = items
        .into_iter()
        .map(|row| names.of(row))
        .collect::<Result<_, _>>()?;
    Ok(AuditPage { items, next_cursor })
}

/// The store's query for a filter, within the organisations the reader may read.
fn query_of(
    conn: &Connection,
    organisations: Option<Vec<String>>,
    filter: AuditFilter,
    limit: usize,
) -> Result<AuditQuery, Error> {
    let before_seq = filter
        .cursor
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| Error::invalid("cursor", "is not a cursor this server gave out"))
        })
        .transpose()?;
    let person = filter.person.filter(|v| !v.trim().is_empty());
    Ok(AuditQuery {
        organisations,
        actor: filter.actor.filter(|v| !v.is_empty()),
        person_id: person.as_deref().map(|p| person_id(conn, p)).transpose()?,
        person,
        organisation: filter.organisation_id.filter(|v| !v.is_empty()),
        target: filter.target.filter(|v| !v.is_empty()),
        action: filter.action.filter(|v| !v.is_empty()),
        since: time_filter("since", filter.since)?,
        until: time_filter("until", filter.until)?,
        before_seq,
        limit: limit + 1,
    })
}

/// The id of the user a person filter names by email (or the text itself: an id, or the
/// email of someone since deleted, still found in the events' actor column).
fn person_id(conn: &Connection, person: &str) -> Result<String, Error> {
    let found = crate::db::users::find_user_by_email(conn, &Email::key_of(person.trim()))?;
    Ok(found.map_or_else(|| person.trim().to_string(), |u| u.id))
}

/// A person's display name and email, or a place's name (and no email); None when unknown to
/// the reader.
type Named = Option<(String, Option<String>)>;

/// The names of the people and places a page speaks of, each looked up once.
struct Names<'a> {
    conn: &'a Connection,
    reader: &'a Principal,
    /// A user's display name and email, or a place's name (and no email).
    known: HashMap<(String, String), Named>,
}

impl<'a> Names<'a> {
    fn new(conn: &'a Connection, reader: &'a Principal) -> Self {
        Names {
            conn,
            reader,
            known: HashMap::new(),
        }
    }

    fn of(&mut self, row: AuditRow) -> Result<NamedRow, Error> {
        let actor = match &row.actor_id {
            Some(id) => self.lookup("user", id)?,
            None => None,
        };
        let target = match (&row.target_type, &row.target_id) {
            (Some(kind), Some(id)) => self.lookup(kind, id)?,
            _ => None,
        };
        let (target_name, target_email) = target.map_or((None, None), |(n, e)| (Some(n), e));
        Ok(NamedRow {
            actor_name: actor.map(|(name, _)| name),
            target_name,
            target_email,
            row,
        })
    }

    fn lookup(&mut self, kind: &str, id: &str) -> Result<Named, Error> {
        let key = (kind.to_string(), id.to_string());
        if let Some(found) = self.known.get(&key) {
            return Ok(found.clone());
        }
        let found = match kind {
            // Only someone the reader may see is named; anyone else stays an id.
            "user" => match get_user(self.conn, self.reader, id) {
                Ok(r) => Some((r.user.display_name, Some(r.user.email))),
                Err(Error::NotFound(_) | Error::Forbidden(_)) => None,
                Err(e) => return Err(e),
            },
            "organisation" => structure::find_organisation(self.conn, id)?.map(|o| (o.name, None)),
            "site" => structure::find_site(self.conn, id)?.map(|s| (s.name, None)),
            "plant" => structure::find_plant(self.conn, id)?.map(|p| (p.name, None)),
            _ => None,
        };
        self.known.insert(key, found.clone());
        Ok(found)
    }
}

/// The hours a start page draws: the last seven days.
pub const ACTIVITY_HOURS: i64 = 7 * 24;

/// Sign-ins in one hour.
pub struct HourCount {
    /// The hour's start, RFC 3339 UTC.
    pub hour: String,
    pub succeeded: u64,
    pub failed: u64,
}

/// What the trail says of sign-ins over the last seven days, as the reader may see it.
pub struct Activity {
    pub since: String,
    /// Every hour of the seven days, oldest first, those without sign-ins included.
    pub hours: Vec<HourCount>,
    pub lockouts: u64,
    /// The addresses most failed sign-ins came from, most first.
    pub failing_addresses: Vec<(String, u64)>,
}

pub fn activity(
    conn: &Connection,
    env: &crate::ops::Env,
    actor: &Principal,
) -> Result<Activity, Error> {
    let organisations = readable(actor)?;
    let now = env.clock.now();
    let this_hour = now
        .replace_minute(0)
        .and_then(|t| t.replace_second(0))
        .unwrap_or(now);
    let first = this_hour - time::Duration::hours(ACTIVITY_HOURS - 1);
    let since = clock::format(first);
    let scope = organisations.as_deref();
    let failing_addresses = store::failing_sources(conn, &since, scope, 5)?
        .into_iter()
        .map(|(address, n)| (address, u64::try_from(n).unwrap_or(0)))
        .collect();
    let lockouts = store::count_since(conn, "account.lock", &since, scope)?;
    Ok(Activity {
        hours: hours_from(conn, first, scope)?,
        since,
        lockouts: u64::try_from(lockouts).unwrap_or(0),
        failing_addresses,
    })
}

/// Every hour from `first` for `ACTIVITY_HOURS`, with its sign-ins (none for a quiet hour).
fn hours_from(
    conn: &Connection,
    first: time::OffsetDateTime,
    scope: Option<&[String]>,
) -> Result<Vec<HourCount>, Error> {
    let mut by_hour: HashMap<String, (u64, u64)> = HashMap::new();
    for (hour, succeeded, count) in store::sign_ins_by_hour(conn, &clock::format(first), scope)? {
        let entry = by_hour.entry(hour).or_default();
        let count = u64::try_from(count).unwrap_or(0);
        if succeeded {
            entry.0 += count;
        } else {
            entry.1 += count;
        }
    }
    Ok((0..ACTIVITY_HOURS)
        .map(|i| {
            let hour = clock::format(first + time::Duration::hours(i));
            let (succeeded, failed) = by_hour.get(&hour[..13]).copied().unwrap_or_default();
            HourCount {
                hour,
                succeeded,
                failed,
            }
        })
        .collect())
}
