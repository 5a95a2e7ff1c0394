//! Pages of users as one caller may see them, put to SQLite so that a page walks an index in
//! the order it returns and stops after its rows, at any depth and at any size of the set.
//!
//! Every membership carries its user's email key, and each scope column has an index
//! `(scope, email_key, role)`. A page of the members of a few scopes is then one ordered walk
//! per scope, merged (SQLite's `MERGE (UNION)`), and a page of everyone is a walk of the
//! users' email index.

use super::records::{record, RECORD, RECORD_AND_SORT_VALUE};
use crate::domain::access::ListingReach;
use crate::domain::model::{Role, Scope, ScopeType, UserRecord};
use crate::error::Error;
use rusqlite::Connection;

/// A page of users, in email order, as one caller may see them.
#[derive(Debug, Clone)]
pub struct UserQuery {
    pub reach: ListingReach,
    /// The caller's email key (shown to themselves when the reach says `me`).
    pub me: String,
    /// Only users with a membership of this role (within the reach).
    pub role: Option<Role>,
    /// Only users whose email or names contain this, case-insensitively.
    pub text: Option<String>,
    /// Only users whose email key sorts after this (the page's cursor).
    pub after: Option<String>,
    /// Only users in this state.
    pub state: Option<AccountState>,
    /// The order of the page; `after` (and, for an order other than email, `after_value`) is
    /// the last row of the page before.
    pub sort: SortKey,
    pub descending: bool,
    pub after_value: Option<String>,
    pub limit: usize,
}

/// What a page is sorted by; ties, and the email order itself, go by email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Email,
    /// The name as a list shows it: first and last name, or else the display name.
    Name,
    LastSignIn,
    Status,
}

impl SortKey {
    /// The value a row sorts by, for the users alias `a`.
    fn value(self, a: &str) -> String {
        match self {
            SortKey::Email => format!("{a}.email_key"),
            SortKey::Name => format!(
                "lower(coalesce(nullif(trim(coalesce({a}.first_name, '') || ' ' || coalesce({a}.last_name, '')), ''), {a}.display_name))"
            ),
            SortKey::LastSignIn => format!("coalesce({a}.last_login_at, '')"),
            SortKey::Status => format!("{a}.status"),
        }
    }
}

impl UserQuery {
    /// Whether the page is in ascending email order, the order the indexes walk.
    pub fn walks_in_email_order(&self) -> bool {
        self.sort == SortKey::Email && !self.descending
    }
}

/// A state of an account that a list can be narrowed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountState {
    Active,
    Disabled,
    /// Locked out by failed sign-ins at this time (RFC 3339 UTC, as stored).
    Locked {
        now: String,
    },
    MustChangePassword,
}

/// Above this many scopes, a page merges one walk per kind of scope (each sorting its
/// scopes' members) instead of one walk per scope: a statement stays small.
const MERGED_WALKS: usize = 16;

/// A statement built from the clauses a query needs, with its named arguments.
struct Sql {
    text: String,
    args: Vec<(String, Box<dyn rusqlite::ToSql>)>,
}

impl Sql {
    fn new() -> Sql {
        Sql {
            text: String::new(),
            args: Vec::new(),
        }
    }

    /// Binds `value` to a new parameter and returns its name.
    fn arg(&mut self, value: impl rusqlite::ToSql + 'static) -> String {
        let name = format!(":a{}", self.args.len());
        self.args.push((name.clone(), Box::new(value)));
        name
    }
}

/// A membership's column for a kind of scope, and the table of that kind.
fn column(kind: ScopeType) -> (&'static str, &'static str) {
    match kind {
        ScopeType::Organisation => ("organisation", "organisations"),
        ScopeType::Site => ("site", "sites"),
        ScopeType::Plant => ("plant", "plants"),
    }
}

/// The LIKE pattern for "contains `text`", with LIKE's own characters escaped.
fn contains_pattern(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// " AND the user `alias` contains the query's text", or nothing.
fn text_condition(sql: &mut Sql, q: &UserQuery, alias: &str) -> String {
    let Some(text) = &q.text else {
        return String::new();
    };
    let t = sql.arg(contains_pattern(text));
    format!(
        " AND ({alias}.email_key LIKE {t} ESCAPE '\\' OR {alias}.first_name LIKE {t} ESCAPE '\\'
           OR {alias}.last_name LIKE {t} ESCAPE '\\' OR {alias}.display_name LIKE {t} ESCAPE '\\')"
    )
}

/// " AND the user `alias` is in the query's state", or nothing.
fn state_condition(sql: &mut Sql, q: &UserQuery, alias: &str) -> String {
    match &q.state {
        None => String::new(),
        Some(AccountState::Active) => format!(" AND {alias}.status = 'active'"),
        Some(AccountState::Disabled) => format!(" AND {alias}.status = 'disabled'"),
        Some(AccountState::MustChangePassword) => format!(" AND {alias}.must_change_password = 1"),
        Some(AccountState::Locked { now }) => {
            format!(" AND {alias}.locked_until > {}", sql.arg(now.clone()))
        }
    }
}

/// " AND `alias`'s email key sorts after the cursor", or nothing.
fn after_condition(sql: &mut Sql, q: &UserQuery, alias: &str) -> String {
    match &q.after {
        Some(after) => format!(" AND {alias}.email_key > {}", sql.arg(after.clone())),
        None => String::new(),
    }
}

/// One ordered walk: the members of the scopes `ids` of one kind (one id: an index range in
/// email order; several: gathered and sorted), with the role and the page's conditions.
fn walk(sql: &mut Sql, q: &UserQuery, kind: ScopeType, ids: &[&str]) -> String {
    let (column, table) = column(kind);
    let scope = match ids {
        [one] => format!(
            "m.{column} = (SELECT number FROM {table} WHERE id = {})",
            sql.arg(one.to_string())
        ),
        many => {
            let list = serde_json::to_string(many).unwrap_or_else(|_| "[]".into());
            format!(
                "m.{column} IN (SELECT number FROM {table} WHERE id IN (SELECT value FROM json_each({})))",
                sql.arg(list)
            )
        }
    };
    let role = match q.role {
        Some(role) => format!(" AND m.role = {}", sql.arg(role.as_str())),
        None => String::new(),
    };
    // The text is on the user's row; the cursor is on the membership's copy of the email key,
    // which is in the index being walked.
    let join = if q.text.is_some() || q.state.is_some() {
        " JOIN users t ON t.email_key = m.email_key"
    } else {
        ""
    };
    let text = text_condition(sql, q, "t");
    let state = state_condition(sql, q, "t");
    let after = after_condition(sql, q, "m");
    format!(
        "SELECT m.email_key AS k FROM memberships m{join} WHERE {scope}{role}{text}{state}{after}"
    )
}

/// The walks of a page of members: one per scope, or one per kind of scope when there are many.
fn walks(sql: &mut Sql, q: &UserQuery, scopes: &[Scope]) -> Vec<String> {
    let kinds = [ScopeType::Organisation, ScopeType::Site, ScopeType::Plant];
    let mut out = Vec::new();
    for kind in kinds {
        let ids: Vec<&str> = scopes
            .iter()
            .filter(|s| s.kind() == kind)
            .map(|s| s.id())
            .collect();
        if ids.is_empty() {
            continue;
        }
        if scopes.len() > MERGED_WALKS {
            out.push(walk(sql, q, kind, &ids));
        } else {
            out.extend(ids.iter().map(|id| walk(sql, q, kind, &[id])));
        }
    }
    out
}

/// The email keys of the users with a membership at or below the reach's scopes (and the
/// caller when asked), each once, merged in email order; None when the reach holds nobody.
fn member_keys(sql: &mut Sql, q: &UserQuery, scopes: &[Scope], me: bool) -> Option<String> {
    let mut arms = walks(sql, q, scopes);
    if me {
        let key = sql.arg(q.me.clone());
        let text = text_condition(sql, q, "t");
        let state = state_condition(sql, q, "t");
        let after = after_condition(sql, q, "t");
        arms.push(format!(
            "SELECT t.email_key AS k FROM users t WHERE t.email_key = {key}{text}{state}{after}"
        ));
    }
    // DISTINCT for one walk, UNION for several: a user with two memberships shows once.
    match arms.as_slice() {
        [] => None,
        [one] => Some(one.replacen("SELECT ", "SELECT DISTINCT ", 1)),
        many => Some(many.join(" UNION ")),
    }
}

/// A page of the members of the reach's scopes (see `member_keys`).
fn members_sql(q: &UserQuery, scopes: &[Scope], me: bool) -> Option<Sql> {
    let mut sql = Sql::new();
    let keys = member_keys(&mut sql, q, scopes, me)?;
    let limit = sql.arg(q.limit as i64);
    sql.text = format!(
        "{RECORD} JOIN ({keys} ORDER BY k LIMIT {limit}) p ON u.email_key = p.k ORDER BY p.k"
    );
    Some(sql)
}

/// " AND the user `u` matches the query" for a list of everyone: with a role filter, those
/// holding that role anywhere.
fn everyone_conditions(sql: &mut Sql, q: &UserQuery) -> String {
    let text = text_condition(sql, q, "u");
    let state = state_condition(sql, q, "u");
    let after = after_condition(sql, q, "u");
    let role = match q.role {
        Some(role) => format!(
            " AND EXISTS (SELECT 1 FROM memberships m WHERE m.user_number = u.number AND m.role = {})",
            sql.arg(role.as_str())
        ),
        None => String::new(),
    };
    format!("{role}{text}{state}{after}")
}

/// Every user, walking the email index.
fn everyone_sql(q: &UserQuery) -> Sql {
    let mut sql = Sql::new();
    let conditions = everyone_conditions(&mut sql, q);
    let limit = sql.arg(q.limit as i64);
    sql.text = format!("{RECORD} WHERE 1 = 1{conditions} ORDER BY u.email_key LIMIT {limit}");
    sql
}

/// How many users the query matches, every page together (its cursor and limit aside).
fn count_sql(q: &UserQuery) -> Option<Sql> {
    let mut sql = Sql::new();
    sql.text = match &q.reach {
        ListingReach::Everyone => {
            let conditions = everyone_conditions(&mut sql, q);
            match conditions.is_empty() {
                // Everyone, unfiltered: the count the triggers keep (migration 12).
                true => "SELECT n FROM user_count WHERE id = 1".to_string(),
                false => format!("SELECT count(*) FROM users u WHERE 1 = 1{conditions}"),
            }
        }
        ListingReach::Members { scopes, me } => {
            let keys = member_keys(&mut sql, q, scopes, *me)?;
            format!("SELECT count(*) FROM ({keys})")
        }
    };
    Some(sql)
}

fn search_sql(q: &UserQuery) -> Option<Sql> {
    match &q.reach {
        ListingReach::Everyone => Some(everyone_sql(q)),
        ListingReach::Members { scopes, me } => members_sql(q, scopes, *me),
    }
}

fn bound(sql: &Sql) -> Vec<(&str, &dyn rusqlite::ToSql)> {
    sql.args
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_ref()))
        .collect()
}

/// A page in another order than ascending email: the matching users' keys and sort values,
/// from the walk of the email order without its cursor, sorted and cut after the page (SQLite
/// keeps only the page's rows while sorting). The page's last sort value and email are the
/// cursor.
fn sorted_sql(q: &UserQuery) -> Option<Sql> {
    let value = q.sort.value("t");
    let mut sql = Sql::new();
    let whole = UserQuery {
        after: None,
        ..q.clone()
    };
    let keys = match &q.reach {
        ListingReach::Everyone => {
            let conditions = everyone_conditions(&mut sql, &whole);
            format!("SELECT u.email_key AS k FROM users u WHERE 1 = 1{conditions}")
        }
        ListingReach::Members { scopes, me } => member_keys(&mut sql, &whole, scopes, *me)?,
    };
    let (cmp, dir) = if q.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let after = match (&q.after_value, &q.after) {
        (Some(v), Some(k)) => {
            let (v, k) = (sql.arg(v.clone()), sql.arg(k.clone()));
            format!(" WHERE (s, k) {cmp} ({v}, {k})")
        }
        _ => String::new(),
    };
    let limit = sql.arg(q.limit as i64);
    sql.text = format!(
        "{RECORD_AND_SORT_VALUE} JOIN (SELECT k, s FROM (SELECT w.k AS k, {value} AS s FROM ({keys}) w
            JOIN users t ON t.email_key = w.k){after} ORDER BY s {dir}, k {dir} LIMIT {limit}) p
         ON u.email_key = p.k ORDER BY p.s {dir}, p.k {dir}"
    );
    Some(sql)
}

/// A page of users' records in email order (see the module's comment for how it is walked).
pub fn search_records(conn: &Connection, q: &UserQuery) -> Result<Vec<UserRecord>, Error> {
    if q.sort != SortKey::Email {
        return Ok(search_sorted(conn, q)?
            .into_iter()
            .map(|(r, _)| r)
            .collect());
    }
    let Some(sql) = search_sql(q) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&sql.text)?;
    let rows = stmt.query_map(bound(&sql).as_slice(), record)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A page in the query's order (other than ascending email), each record with the value it
/// sorted by.
pub fn search_sorted(conn: &Connection, q: &UserQuery) -> Result<Vec<(UserRecord, String)>, Error> {
    let Some(sql) = sorted_sql(q) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&sql.text)?;
    let rows = stmt.query_map(bound(&sql).as_slice(), |r| {
        Ok((record(r)?, r.get::<_, String>(21)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many users a query matches, all pages together: the cursor and the limit are ignored.
pub fn count_records(conn: &Connection, q: &UserQuery) -> Result<u64, Error> {
    let whole = UserQuery {
        after: None,
        ..q.clone()
    };
    let Some(sql) = count_sql(&whole) else {
        return Ok(0);
    };
    let mut stmt = conn.prepare_cached(&sql.text)?;
    let count: i64 = stmt.query_row(bound(&sql).as_slice(), |r| r.get(0))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// SQLite's plan for a page query, one line per step: for checking that a page walks an index
/// in the order it returns instead of sorting everything it matched.
pub fn explain_search(conn: &Connection, q: &UserQuery) -> Result<Vec<String>, Error> {
    let Some(sql) = search_sql(q) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!("EXPLAIN QUERY PLAN {}", sql.text))?;
    let rows = stmt.query_map(bound(&sql).as_slice(), |r| r.get::<_, String>(3))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
