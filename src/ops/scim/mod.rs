//! SCIM 2.0 provisioning: users and groups as a directory sees them, each request one of the
//! operations the native API runs, with the caller's rights. What SCIM means is
//! `domain::scim`'s; this is where it meets the accounts and memberships.

pub mod groups;
pub mod provisioning;
pub mod users;

use crate::domain::access::{Credential, Home, Principal};
use crate::domain::model::{Scope, ScopeType};
use crate::domain::scim::filter::{Filter, Op};
use crate::domain::scim::list::{self, ListRequest};
use crate::domain::scim::schemas;
use crate::error::Error;
use crate::ops::users::ScopeRef;
use crate::ops::Env;
use rusqlite::Connection;
use serde_json::Value;

/// How many group names the Group schema offers as `canonicalValues`.
const OFFERED_GROUPS: usize = 200;

/// The root of the SCIM API as clients reach it: the base of every `location` and `$ref`.
pub fn base(env: &Env) -> String {
    format!("{}/scim/v2", crate::ops::oidc::issuer(env))
}

/// The schemas, as this caller's requests should be built: the group names they may create.
pub fn schemas(conn: &Connection, env: &Env, actor: &Principal) -> Result<Vec<Value>, Error> {
    let offered = groups::offered(conn, actor, OFFERED_GROUPS)?;
    Ok(schemas::schemas(
        &base(env),
        &env.config.modules.catalogue,
        &offered,
    ))
}

/// Where the accounts this caller provisions are placed: with an organisation's provisioning
/// key, as viewers of that organisation (if the key's holder administers it); else where
/// `Principal::provisioning_home` says.
pub fn home(conn: &Connection, actor: &Principal) -> Result<Option<Home>, Error> {
    if let Credential::ApiKey(key_id) = &actor.credential {
        if let Some(organisation_id) = crate::db::scim::provisioned_by_key(conn, key_id)? {
            let scope = Scope::organisation(&organisation_id);
            if actor.administers(&scope) {
                return Ok(Some(Home::Viewer(scope)));
            }
        }
    }
    Ok(actor.provisioning_home())
}

/// The kinds of SCIM resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Users,
    Groups,
}

/// A list (or a `.search`) over one kind of resource, or over both (`/.search` at the root):
/// the first `startIndex + count - 1` of each are enough for the page asked for, in any order.
pub fn list(
    conn: &Connection,
    env: &Env,
    actor: &Principal,
    resources: &[Resource],
    request: &ListRequest,
) -> Result<(usize, Vec<Value>), Error> {
    let one = |resource: Resource, request: &ListRequest| match resource {
        Resource::Users => users::list(conn, env, actor, request),
        Resource::Groups => groups::list(conn, env, actor, request),
    };
    if let [resource] = resources {
        return one(*resource, request);
    }
    let window = ListRequest {
        start_index: 1,
        count: (request.start_index - 1).saturating_add(request.count),
        ..request.clone()
    };
    let (mut total, mut found) = (0, Vec::new());
    for resource in resources {
        let (count, items) = one(*resource, &window)?;
        total += count;
        found.extend(items);
    }
    Ok((total, list::page(found, request).1))
}

/// A scope as the user operations name one.
pub(crate) fn scope_ref(scope: &Scope) -> ScopeRef {
    let id = scope.id().to_string();
    match scope.kind() {
        ScopeType::Organisation => ScopeRef::Organisation(id),
        ScopeType::Site => ScopeRef::Site(id),
        ScopeType::Plant => ScopeRef::Plant(id),
    }
}

/// An equality an index can answer, found in a filter (alone, or beside others under `and`,
/// which are then checked on what it finds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The attribute, lower case, with its sub-attribute: `username`, `emails.value`.
    pub attribute: String,
    pub value: String,
}

/// The attributes an index answers, of users and of groups.
const INDEXED: [&str; 6] = [
    "id",
    "externalid",
    "username",
    "emails.value",
    "emails",
    "displayname",
];

pub fn anchor(filter: &Filter) -> Option<Anchor> {
    match filter {
        Filter::Compare {
            path,
            op: Op::Eq,
            value: serde_json::Value::String(value),
        } if path.schema.is_none() => {
            let mut attribute = path.attr.to_ascii_lowercase();
            if let Some(sub) = &path.sub {
                attribute = format!("{attribute}.{}", sub.to_ascii_lowercase());
            }
            INDEXED.contains(&attribute.as_str()).then(|| Anchor {
                attribute,
                value: value.clone(),
            })
        }
        Filter::And(a, b) => anchor(a).or_else(|| anchor(b)),
        _ => None,
    }
}
