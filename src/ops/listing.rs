//! Listing users: the filters, keyset pages in email order, and whole lists for exports.

use super::users::{as_seen_by, ScopeRef};
use crate::db::structure;
use crate::db::users as store;
use crate::domain::access::Principal;
use crate::domain::fields::Email;
use crate::domain::model::{Role, Scope, UserRecord};
use crate::error::Error;
use crate::ops::Env;
use rusqlite::Connection;

/// The filter of a user list.
#[derive(Debug, Default, Clone)]
pub struct UserFilter {
    pub scope: Option<ScopeRef>,
    pub role: Option<String>,
    pub text: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<usize>,
    /// `active`, `disabled`, `locked` or `mustChangePassword`.
    pub state: Option<String>,
    /// `email` (the default), `name`, `lastSignIn` or `status`.
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub order: Option<String>,
}

pub struct Page {
    pub items: Vec<UserRecord>,
    pub next_cursor: Option<String>,
}

impl Page {
    fn empty() -> Page {
        Page {
            items: Vec::new(),
            next_cursor: None,
        }
    }
}

/// The named scope with its ancestors, or None when there is no such scope. Not
/// `users::resolve_scope`: whether the caller reaches the scope is `listing_reach`'s question,
/// and a scope beyond them lists nobody rather than answering "no such ...".
fn resolve(conn: &Connection, named: &ScopeRef) -> Result<Option<Scope>, Error> {
    Ok(match named {
        ScopeRef::Organisation(id) => {
            structure::find_organisation(conn, id)?.map(|o| Scope::organisation(&o.id))
        }
        ScopeRef::Site(id) => structure::find_site(conn, id)?.map(|s| s.scope()),
        ScopeRef::Plant(id) => structure::find_plant(conn, id)?.map(|p| p.scope()),
    })
}

pub const DEFAULT_LIMIT: usize = 50;

pub const MAX_LIMIT: usize = 500;

/// The page size asked for, or the default; one out of range is refused.
fn page_size(limit: Option<usize>) -> Result<usize, Error> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Error::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    Ok(limit)
}

/// A page of the users the caller can see under `filter`, in email order, with the cursor of
/// the next page.
pub fn list_users(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    filter: UserFilter,
) -> Result<Page, Error> {
    let limit = page_size(filter.limit)?;
    let Some(query) = page_query(conn, env, actor, filter, limit + 1)? else {
        return Ok(Page::empty());
    };
    let mut records = rows_with_cursors(conn, &query)?;
    let next_cursor = if records.len() > limit {
        records.truncate(limit);
        records.last().map(|(_, cursor)| cursor.clone())
    } else {
        None
    };
    let items = records
        .into_iter()
        .map(|(r, _)| as_seen_by(actor, r))
        .collect();
    Ok(Page { items, next_cursor })
}

/// A page's records, each with the cursor of the page after it: its email key, and in another
/// order than ascending email also the value it sorted by.
fn rows_with_cursors(
    conn: &Connection,
    query: &store::UserQuery,
) -> Result<Vec<(UserRecord, String)>, Error> {
    let key = |r: &UserRecord| Email::key_of(&r.user.email);
    Ok(match query.walks_in_email_order() {
        true => store::search_records(conn, query)?
            .into_iter()
            .map(|r| {
                let cursor = encode_cursor(&key(&r));
                (r, cursor)
            })
            .collect(),
        false => store::search_sorted(conn, query)?
            .into_iter()
            .map(|(r, value)| {
                let cursor = encode_cursor(&format!("{value}\0{}", key(&r)));
                (r, cursor)
            })
            .collect(),
    })
}

/// The last row of the page before, from its cursor: the sort value (for an order other than
/// ascending email) and the email key.
fn after_of(
    cursor: Option<&str>,
    by_email: bool,
) -> Result<(Option<String>, Option<String>), Error> {
    let Some(cursor) = cursor.map(decode_cursor).transpose()? else {
        return Ok((None, None));
    };
    if by_email {
        return Ok((None, Some(cursor)));
    }
    match cursor.rsplit_once('\0') {
        Some((value, email)) => Ok((Some(value.to_string()), Some(email.to_string()))),
        None => Err(Error::invalid(
            "cursor",
            "is not a cursor of a page in this order",
        )),
    }
}

/// The order a filter asks for: the key, and whether it is descending.
fn order_of(filter: &UserFilter) -> Result<(store::SortKey, bool), Error> {
    let key = match filter.sort.as_deref().unwrap_or("email") {
        "email" => store::SortKey::Email,
        "name" => store::SortKey::Name,
        "lastSignIn" => store::SortKey::LastSignIn,
        "status" => store::SortKey::Status,
        _ => {
            return Err(Error::invalid(
                "sort",
                "must be one of email, name, lastSignIn, status",
            ))
        }
    };
    let descending = match filter.order.as_deref().unwrap_or("asc") {
        "asc" => false,
        "desc" => true,
        _ => return Err(Error::invalid("order", "must be asc or desc")),
    };
    Ok((key, descending))
}

/// How many users the caller can see under `filter`, every page together.
pub fn count_users(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    filter: UserFilter,
) -> Result<u64, Error> {
    // A count has no pages, but a limit it is sent must still be one a list would take.
    page_size(filter.limit)?;
    match page_query(conn, env, actor, filter, 1)? {
        Some(query) => store::count_records(conn, &query),
        None => Ok(0),
    }
}

/// How many users the caller sees at each place they see (its members and those of the places
/// below it, each once): the counts of the structure tree, ids to counts by kind of place.
pub struct PlaceCounts {
    pub organisations: Vec<(String, u64)>,
    pub sites: Vec<(String, u64)>,
    pub plants: Vec<(String, u64)>,
}

pub fn count_by_place(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
) -> Result<PlaceCounts, Error> {
    let count = |scope: ScopeRef| {
        count_users(
            conn,
            env,
            actor,
            UserFilter {
                scope: Some(scope),
                ..UserFilter::default()
            },
        )
    };
    let mut out = PlaceCounts {
        organisations: Vec::new(),
        sites: Vec::new(),
        plants: Vec::new(),
    };
    for o in crate::ops::structure::list_organisations(conn, actor)? {
        out.organisations
            .push((o.id.clone(), count(ScopeRef::Organisation(o.id))?));
    }
    for s in crate::ops::structure::list_sites(conn, actor, None)? {
        out.sites.push((s.id.clone(), count(ScopeRef::Site(s.id))?));
    }
    for p in crate::ops::structure::list_plants(conn, actor, None)? {
        out.plants
            .push((p.id.clone(), count(ScopeRef::Plant(p.id))?));
    }
    Ok(out)
}

/// The states a list can be narrowed to, as the filter names them.
fn account_state(env: &Env, named: &str) -> Result<store::AccountState, Error> {
    Ok(match named {
        "active" => store::AccountState::Active,
        "disabled" => store::AccountState::Disabled,
        "locked" => store::AccountState::Locked {
            now: env.clock.now_text(),
        },
        "mustChangePassword" => store::AccountState::MustChangePassword,
        _ => {
            return Err(Error::invalid(
                "state",
                "must be one of active, disabled, locked, mustChangePassword",
            ))
        }
    })
}

/// The role and the account state a filter narrows to.
fn narrowing(
    env: &Env,
    filter: &UserFilter,
) -> Result<(Option<Role>, Option<store::AccountState>), Error> {
    let role = filter.role.as_deref().map(Role::parse).transpose()?;
    let state = filter
        .state
        .as_deref()
        .map(|named| account_state(env, named))
        .transpose()?;
    Ok((role, state))
}

/// The page query for the filter as the caller may see it; None when the filter names a
/// scope that does not exist (nobody to show).
fn page_query(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    filter: UserFilter,
    limit: usize,
) -> Result<Option<store::UserQuery>, Error> {
    let (sort, descending) = order_of(&filter)?;
    let (after_value, after) = after_of(
        filter.cursor.as_deref(),
        sort == store::SortKey::Email && !descending,
    )?;
    let (role, state) = narrowing(env, &filter)?;
    let within = match &filter.scope {
        None => None,
        Some(named) => match resolve(conn, named)? {
            Some(scope) => Some(scope),
            None => return Ok(None),
        },
    };
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    Ok(Some(store::UserQuery {
        reach: actor.listing_reach(within.as_ref(), role.is_some()),
        me: Email::key_of(&actor.email),
        role,
        text: text.map(str::to_string),
        after,
        state,
        sort,
        descending,
        after_value,
        limit,
    }))
}

fn encode_cursor(email_key: &str) -> String {
    crate::secrets::hex(email_key.as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<String, Error> {
    let bad = || Error::invalid("cursor", "is not a cursor this server gave out");
    if !cursor.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| bad())?;
    String::from_utf8(bytes).map_err(|_| bad())
}
