//! Listing SCIM users: by index for the lookups directories make, counted and cut for an
//! unfiltered page, narrowed in SQL where a filter allows, and matched on each user's document.

use super::super::base;
use crate::db::scim as store;
use crate::domain::access::Principal;
use crate::domain::fields::Email;
use crate::domain::model::UserRecord;
use crate::domain::scim::filter::{Filter, Op};
use crate::domain::scim::list::{self, ListRequest};
use crate::domain::scim::path::AttrPath;
use crate::domain::scim::user;
use crate::domain::scim::GATEHOUSE_USER;
use crate::error::Error;
use crate::ops::listing::{self, UserFilter};
use crate::ops::users;
use crate::ops::Env;
use rusqlite::Connection;
use serde_json::Value;
use std::collections::HashSet;

/// The users the caller can see that match the request: found by index for the filters
/// directories send (`userName eq`, `externalId eq`, `id eq`, `emails.value eq`, alone or
/// with `and`); with no filter and no order, counted and read only up to the page asked for;
/// else among the visible users the listing narrows to in SQL (`Narrowing`), or all of them.
pub fn list(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    request: &ListRequest,
) -> Result<(usize, Vec<Value>), Error> {
    if request.filter.is_none() && request.sort_by.is_none() {
        return unfiltered(conn, env, actor, request);
    }
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut keep = |record: UserRecord| -> Result<bool, Error> {
        if seen.insert(record.user.id.clone()) {
            found.extend(shown_if_matching(conn, env, request, &record)?);
        }
        Ok(true)
    };
    candidates(conn, env, actor, request.filter.as_ref(), &mut keep)?;
    Ok(list::page(found, request))
}

/// Gives `keep` every visible user the filter may match (some more than once).
fn candidates(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    filter: Option<&Filter>,
    keep: &mut dyn FnMut(UserRecord) -> Result<bool, Error>,
) -> Result<(), Error> {
    let anchor = filter.and_then(crate::ops::scim::anchor);
    if let Some(ids) = anchor
        .map(|a| anchored(conn, actor, &a))
        .transpose()?
        .flatten()
    {
        return by_id(conn, actor, ids, keep);
    }
    let narrowing = filter.and_then(narrowing).unwrap_or_default();
    let narrowed = UserFilter {
        text: narrowing.text.clone(),
        state: narrowing.state.map(str::to_string),
        ..UserFilter::default()
    };
    walk(conn, env, actor, narrowed, keep)?;
    // A userName the directory gave is not in the account's columns.
    match narrowing.text.filter(|_| narrowing.user_name) {
        Some(text) => by_id(
            conn,
            actor,
            store::find_by_user_name_containing(conn, &text)?,
            keep,
        ),
        None => Ok(()),
    }
}

/// The users of these ids the caller can see.
fn by_id(
    conn: &Connection,
    actor: &Principal,
    ids: Vec<String>,
    keep: &mut dyn FnMut(UserRecord) -> Result<bool, Error>,
) -> Result<(), Error> {
    for id in ids {
        match users::get_user(conn, actor, &id) {
            Ok(record) => keep(record)?,
            Err(Error::NotFound(_)) => true,
            Err(other) => return Err(other),
        };
    }
    Ok(())
}

/// What the listing can narrow a filter's matches to in SQL, sure to keep every one: a text
/// each contains (in its email or names, as the native list's `q`), and an account state.
#[derive(Debug, Default, Clone, PartialEq)]
struct Narrowing {
    text: Option<String>,
    state: Option<&'static str>,
    /// The text is what a `userName` holds: users with a directory's own userName containing
    /// it are looked up too.
    user_name: bool,
}

/// The narrowing of a filter, or `None` when the listing cannot narrow it (an `or`, a `not`,
/// other attributes). Only ASCII texts: SQLite's LIKE ignores case for ASCII alone.
fn narrowing(filter: &Filter) -> Option<Narrowing> {
    match filter {
        Filter::Compare {
            path,
            op: Op::Eq | Op::Co | Op::Sw | Op::Ew,
            value: Value::String(text),
        } => text_narrowing(path, text),
        Filter::Compare {
            path,
            op: Op::Eq,
            value: Value::Bool(active),
        } if path.schema.is_none() && path.attr.eq_ignore_ascii_case("active") => {
            let state = if *active { "active" } else { "disabled" };
            Some(Narrowing {
                state: Some(state),
                ..Narrowing::default()
            })
        }
        Filter::And(a, b) => match (narrowing(a), narrowing(b)) {
            (Some(x), Some(y)) => Some(match x.text.is_some() {
                true => Narrowing {
                    state: x.state.or(y.state),
                    ..x
                },
                false => Narrowing {
                    state: x.state.or(y.state),
                    ..y
                },
            }),
            (x, y) => x.or(y),
        },
        _ => None,
    }
}

/// A text comparison narrows to users containing the text, for the attributes the listing's
/// text reads (email, names) and `userName`.
fn text_narrowing(path: &AttrPath, text: &str) -> Option<Narrowing> {
    if path.schema.is_some() || text.is_empty() || !text.is_ascii() {
        return None;
    }
    let attr = path.attr.to_ascii_lowercase();
    let sub = path.sub.as_deref().map(str::to_ascii_lowercase);
    let user_name = match (attr.as_str(), sub.as_deref()) {
        ("username", None) => true,
        ("emails", None | Some("value")) | ("displayname", None) => false,
        ("name", Some("givenname" | "familyname")) => false,
        _ => return None,
    };
    Some(Narrowing {
        text: Some(text.to_string()),
        state: None,
        user_name,
    })
}

/// The document of a user who matches the request's filter (matched on every attribute, shown
/// with what the request asks for).
fn shown_if_matching(
    conn: &Connection,
    env: &Env,
    request: &ListRequest,
    record: &UserRecord,
) -> Result<Option<Value>, Error> {
    let identity = store::find_identity(conn, &record.user.id)?;
    let doc = user::document(record, identity.as_ref(), &base(env), true);
    if !request.matches(&doc) {
        return Ok(None);
    }
    Ok(Some(match request.asks_for(GATEHOUSE_USER) {
        true => doc,
        false => user::without_gatehouse(doc, identity.as_ref()),
    }))
}

/// Every visible user, in email order: counted by the index, and read only up to the end of
/// the page asked for (Okta's first request, `startIndex=1&count=2`, reads two).
fn unfiltered(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    request: &ListRequest,
) -> Result<(usize, Vec<Value>), Error> {
    let total = listing::count_users(conn, env, actor, UserFilter::default())?;
    let total = usize::try_from(total).unwrap_or(usize::MAX);
    let end = (request.start_index - 1).saturating_add(request.count);
    let mut page = Vec::new();
    let mut seen = 0;
    if request.count > 0 {
        let size = UserFilter {
            limit: Some(end.clamp(1, listing::MAX_LIMIT)),
            ..UserFilter::default()
        };
        walk(conn, env, actor, size, &mut |record| {
            seen += 1;
            if seen >= request.start_index {
                page.extend(shown_if_matching(conn, env, request, &record)?);
            }
            Ok(seen < end)
        })?;
    }
    Ok((total, page))
}

/// Visible users under `filter` (its text and state), 500 at a time, while `each` says to go
/// on.
fn walk(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    filter: UserFilter,
    each: &mut dyn FnMut(UserRecord) -> Result<bool, Error>,
) -> Result<(), Error> {
    let mut cursor = None;
    loop {
        let page_filter = UserFilter {
            cursor,
            limit: Some(filter.limit.unwrap_or(listing::MAX_LIMIT)),
            ..filter.clone()
        };
        let page = listing::list_users(conn, env, actor, page_filter)?;
        for record in page.items {
            if !each(record)? {
                return Ok(());
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(()),
        }
    }
}
/// The ids an indexed filter names; `None` when no index of users answers it.
fn anchored(
    conn: &Connection,
    actor: &Principal,
    anchor: &crate::ops::scim::Anchor,
) -> Result<Option<Vec<String>>, Error> {
    Ok(Some(match anchor.attribute.as_str() {
        "id" => vec![anchor.value.clone()],
        "externalid" => store::find_by_external_id(conn, &anchor.value)?,
        "username" => {
            let key = anchor.value.to_lowercase();
            store::find_by_user_name(conn, &key, &Email::key_of(&anchor.value))?
                .into_iter()
                .collect()
        }
        "emails" | "emails.value" => match users::find_by_email(conn, actor, &anchor.value) {
            Ok(record) => vec![record.user.id],
            Err(Error::NotFound(_)) => Vec::new(),
            Err(other) => return Err(other),
        },
        _ => return Ok(None),
    }))
}
