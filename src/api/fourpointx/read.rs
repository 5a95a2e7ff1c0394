//! Reading users the 4PointX way: `GET /_config/users/{username}` and `_list`.

use super::{Reading, Reply};
use crate::api::extract::Caller;
use crate::api::stream::{self, Frame};
use crate::clock;
use crate::domain::access::Principal;
use crate::domain::model::{Membership, Role, ScopeType, UserRecord};
use crate::error::Error;
use crate::ops::listing::{self, UserFilter};
use crate::ops::users::{self as ops, ScopeRef};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where a user stands in 4PointX's terms.
struct Standing {
    user_type: &'static str,
    site_id: Option<String>,
    plant_id: Option<String>,
    site_name: Option<String>,
    plant_name: Option<String>,
}

/// The highest user_type the memberships give; see the module comment for the order.
// long: one arm per scope kind, as the document's table of user types reads.
fn standing(record: &UserRecord, site_names: &HashMap<String, String>) -> Standing {
    let star = || Some("*".to_string());
    if record.user.superadmin {
        return Standing {
            user_type: "saas-admin",
            site_id: star(),
            plant_id: star(),
            site_name: None,
            plant_name: None,
        };
    }
    let rank = |m: &Membership| match (m.role, m.scope.kind()) {
        (Role::Admin, ScopeType::Organisation | ScopeType::Site) => 0,
        (Role::Admin, ScopeType::Plant) => 1,
        _ => 2,
    };
    let Some(best) = record.memberships.iter().min_by_key(|m| rank(m)) else {
        return Standing {
            user_type: "general-user",
            site_id: None,
            plant_id: None,
            site_name: None,
            plant_name: None,
        };
    };
    let user_type = ["site-admin", "plant-admin", "general-user"][rank(best)];
    let site_name = |id: &str| site_names.get(id).cloned();
    match best.scope.kind() {
        ScopeType::Organisation => Standing {
            user_type,
            site_id: star(),
            plant_id: star(),
            site_name: None,
            plant_name: None,
        },
        ScopeType::Site => Standing {
            user_type,
            site_id: best.scope.site_id.clone(),
            plant_id: star(),
            site_name: Some(best.scope_name.clone()),
            plant_name: None,
        },
        ScopeType::Plant => Standing {
            user_type,
            site_id: best.scope.site_id.clone(),
            plant_id: best.scope.plant_id.clone(),
            site_name: best.scope.site_id.as_deref().and_then(site_name),
            plant_name: Some(best.scope_name.clone()),
        },
    }
}

fn millis(text: Option<&str>) -> Option<String> {
    text.and_then(clock::epoch_millis)
}

#[derive(Serialize, utoipa::ToSchema)]
struct Attributes {
    site_id: Option<String>,
    plant_id: Option<String>,
    user_type: &'static str,
    created_at: Option<String>,
    country_code: Option<String>,
    mobile_number: Option<String>,
    last_login_time: Option<String>,
    site_name: Option<String>,
    plant_name: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
struct UserOut {
    hash: &'static str,
    reserved: bool,
    hidden: bool,
    backend_roles: Vec<String>,
    attributes: Attributes,
    opendistro_security_roles: Vec<String>,
    #[serde(rename = "static")]
    is_static: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ListItem {
    username: String,
    country_code: Option<String>,
    mobile_number: Option<String>,
    site_id: Option<String>,
    plant_id: Option<String>,
    user_type: &'static str,
    site_name: Option<String>,
    plant_name: Option<String>,
    created_at: Option<String>,
    last_login_time: Option<String>,
    permissions: Option<Vec<String>>,
}

/// Names of the sites the caller can see, for plant users' `site_name`.
fn site_names(conn: &Connection, p: &Principal) -> Result<HashMap<String, String>, Error> {
    let sites = crate::ops::structure::list_sites(conn, p, None)?;
    Ok(sites.into_iter().map(|s| (s.id, s.name)).collect())
}

/// One user.
#[utoipa::path(
    get,
    path = "/_config/users/{username}",
    tag = "fourpointx",
    params(("username" = String, Path, description = "The user's username (email)")),
    responses((status = 200, description = "OK", body = UserOut), super::Refusals)
)]
pub(super) async fn get(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Reading>,
    username: web::Path<String>,
) -> Reply<Reading> {
    let (names, record) = state
        .run(move |conn, _| {
            let record = ops::find_by_email(conn, &p, &username)?;
            Ok((site_names(conn, &p)?, record))
        })
        .await?;
    let s = standing(&record, &names);
    let u = record.user;
    Ok(HttpResponse::Ok().json(UserOut {
        hash: "",
        reserved: false,
        hidden: false,
        backend_roles: Vec::new(),
        attributes: Attributes {
            site_id: s.site_id,
            plant_id: s.plant_id,
            user_type: s.user_type,
            created_at: millis(Some(&u.created_at)),
            country_code: u.country_code,
            mobile_number: u.mobile_number,
            last_login_time: millis(u.last_login_at.as_deref()),
            site_name: s.site_name,
            plant_name: s.plant_name,
        },
        opendistro_security_roles: Vec::new(),
        is_static: false,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    site_id: Option<String>,
    plant_id: Option<String>,
}

/// The users of a site or plant.
#[utoipa::path(
    get,
    path = "/_config/users/_list",
    tag = "fourpointx",
    params(ListQuery),
    responses((status = 200, description = "OK", body = Vec<ListItem>), super::Refusals)
)]
pub(super) async fn list(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Reading>,
    q: web::Query<ListQuery>,
) -> Reply<Reading> {
    let q = q.into_inner();
    let given = |v: Option<String>| v.filter(|s| !s.is_empty() && s != "*");
    let scope = match (given(q.site_id), given(q.plant_id)) {
        (_, Some(plant)) => Some(ScopeRef::Plant(plant)),
        (Some(site), None) => Some(ScopeRef::Site(site)),
        (None, None) if p.may_list_everyone() => None,
        (None, None) => return Err(Error::Malformed("Insufficient inputs".into()).into()),
    };
    let rows = stream::pages(
        &state,
        Frame::json_array("", ""),
        move |conn, env, cursor| {
            let filter = UserFilter {
                scope: scope.clone(),
                cursor,
                limit: Some(listing::MAX_LIMIT),
                ..UserFilter::default()
            };
            let names = site_names(conn, &p)?;
            let page = listing::list_users(conn, env, &p, filter)?;
            let rows = page
                .items
                .into_iter()
                .map(|r| serde_json::to_vec(&list_item(r, &names)))
                .collect::<Result<_, _>>()
                .map_err(|e| Error::Internal(e.to_string()))?;
            Ok((rows, page.next_cursor))
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .streaming(rows))
}

/// One row of the `_list` answer, in the document's shape.
fn list_item(r: UserRecord, names: &HashMap<String, String>) -> ListItem {
    let s = standing(&r, names);
    let u = r.user;
    ListItem {
        username: u.email,
        country_code: u.country_code,
        mobile_number: u.mobile_number,
        site_id: s.site_id,
        plant_id: s.plant_id,
        user_type: s.user_type,
        site_name: s.site_name,
        plant_name: s.plant_name,
        created_at: millis(Some(&u.created_at)),
        last_login_time: millis(u.last_login_at.as_deref()),
        permissions: Some(r.modules).filter(|m| !m.is_empty()),
    }
}
