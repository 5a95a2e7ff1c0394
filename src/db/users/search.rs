//! Pages of users as one caller may see them, built from the clauses a query needs and put
//! to SQLite the way that lets it stop after the page.

use super::{user, USER};
use crate::domain::access::ScopeSet;
use crate::domain::model::{Role, ScopeType, User};
use crate::error::Error;
use rusqlite::Connection;

/// A page of users, in email order, as one caller may see them.
#[derive(Debug, Default)]
pub struct UserQuery {
    /// None: every user (a superadmin). Some: users with a membership in these scopes, and `me`.
    pub visible: Option<ScopeSet>,
    pub me: String,
    pub scope: Option<(ScopeType, String)>,
    pub role: Option<Role>,
    pub text: Option<String>,
    pub after: Option<String>,
    pub limit: usize,
}

/// Whether membership `alias` lies in the caller's visible scopes.
fn in_visible(alias: &str) -> String {
    format!(
        "({alias}.organisation_id IN (SELECT value FROM json_each(:orgs))
          OR {alias}.site_id IN (SELECT value FROM json_each(:sites))
          OR {alias}.plant_id IN (SELECT value FROM json_each(:plants)))"
    )
}

/// A statement built from the clauses a query needs, with its named arguments.
struct Sql {
    text: String,
    args: Vec<(&'static str, Box<dyn rusqlite::ToSql>)>,
}

impl Sql {
    fn push(&mut self, clause: &str) {
        self.text.push_str(clause);
    }

    fn arg(&mut self, name: &'static str, value: impl rusqlite::ToSql + 'static) {
        self.args.push((name, Box::new(value)));
    }
}

fn json_list(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// How a condition on memberships is put to SQLite. A wide one (an organisation, a site, a
/// role: a tenth, a hundredth of everyone or more) is checked user by user while walking the
/// email index, so that a page stops after its rows at any depth instead of sorting the whole
/// set; a narrow one (plants only) starts from its few memberships and sorts them. With a text
/// search, whose matches are few and anywhere, only an organisation is still walked: a site's
/// or a plant's users are gathered and searched.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Drive {
    Walk,
    Gather,
}

fn memberships_where(drive: Drive, alias: &str, conditions: &str) -> String {
    match drive {
        Drive::Walk => format!(
            "EXISTS (SELECT 1 FROM memberships {alias} WHERE {alias}.user_id = u.id AND {conditions})"
        ),
        Drive::Gather => {
            format!("u.id IN (SELECT {alias}.user_id FROM memberships {alias} WHERE {conditions})")
        }
    }
}

/// Only the caller and users with a membership in the caller's visible scopes.
fn visible_clause(sql: &mut Sql, me: &str, set: &ScopeSet, searching: bool) {
    let wide = !set.organisations.is_empty() || (!set.sites.is_empty() && !searching);
    let drive = if wide { Drive::Walk } else { Drive::Gather };
    let test = memberships_where(drive, "v", &in_visible("v"));
    sql.push(&format!(" AND (u.id = :me OR {test})"));
    sql.arg(":me", me.to_string());
    sql.arg(":orgs", json_list(&set.organisations));
    sql.arg(":sites", json_list(&set.sites));
    sql.arg(":plants", json_list(&set.plants));
}

/// Users with a membership at the scope and of the role asked for, among the memberships the
/// caller can see.
fn membership_clause(sql: &mut Sql, q: &UserQuery) {
    let mut conditions = String::from("1 = 1");
    let mut drive = Drive::Walk;
    if let Some((kind, id)) = &q.scope {
        let column = match kind {
            ScopeType::Organisation => "organisation_id",
            ScopeType::Site => "site_id",
            ScopeType::Plant => "plant_id",
        };
        let narrow = match kind {
            ScopeType::Organisation => false,
            ScopeType::Site => q.text.is_some(),
            ScopeType::Plant => true,
        };
        if narrow {
            drive = Drive::Gather;
        }
        conditions.push_str(&format!(" AND f.{column} = :scope"));
        sql.arg(":scope", id.clone());
    }
    if let Some(role) = q.role {
        conditions.push_str(" AND f.role = :role");
        sql.arg(":role", role.as_str());
    }
    if q.visible.is_some() {
        conditions.push_str(&format!(" AND {}", in_visible("f")));
    }
    sql.push(&format!(
        " AND {}",
        memberships_where(drive, "f", &conditions)
    ));
}

/// Users whose email or names contain `text`, case-insensitively.
fn text_clause(sql: &mut Sql, text: &str) {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    sql.push(
        " AND (u.email_key LIKE :text ESCAPE '\\' OR u.first_name LIKE :text ESCAPE '\\'
           OR u.last_name LIKE :text ESCAPE '\\' OR u.display_name LIKE :text ESCAPE '\\')",
    );
    sql.arg(":text", format!("%{escaped}%"));
}

/// A page of users in email order. The SQL holds only the clauses the query needs, each put
/// the way that lets SQLite stop after the page (see `Drive`).
pub fn search_users(conn: &Connection, q: &UserQuery) -> Result<Vec<User>, Error> {
    let sql = search_sql(q);
    let mut stmt = conn.prepare_cached(&sql.text)?;
    let bound: Vec<(&str, &dyn rusqlite::ToSql)> =
        sql.args.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    let rows = stmt.query_map(bound.as_slice(), user)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// SQLite's plan for a page query, one line per step: for checking that a page walks an index
/// in the order it returns instead of sorting everything it matched.
pub fn explain_search(conn: &Connection, q: &UserQuery) -> Result<Vec<String>, Error> {
    let sql = search_sql(q);
    let mut stmt = conn.prepare_cached(&format!("EXPLAIN QUERY PLAN {}", sql.text))?;
    let bound: Vec<(&str, &dyn rusqlite::ToSql)> =
        sql.args.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    let rows = stmt.query_map(bound.as_slice(), |r| r.get::<_, String>(3))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn search_sql(q: &UserQuery) -> Sql {
    let mut sql = Sql {
        text: format!("{USER} WHERE 1 = 1"),
        args: Vec::new(),
    };
    if let Some(set) = &q.visible {
        visible_clause(&mut sql, &q.me, set, q.text.is_some());
    }
    if q.scope.is_some() || q.role.is_some() {
        membership_clause(&mut sql, q);
    }
    if let Some(text) = &q.text {
        text_clause(&mut sql, text);
    }
    if let Some(after) = &q.after {
        sql.push(" AND u.email_key > :after");
        sql.arg(":after", after.clone());
    }
    sql.push(" ORDER BY u.email_key LIMIT :limit");
    sql.arg(":limit", q.limit as i64);
    sql
}
