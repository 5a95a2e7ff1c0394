//! `/api/v1/users`: profiles, memberships, modules, the caller's own account, CSV export.

use super::wire::{List, MembershipOut, UserOut};
use crate::api::extract::{present, Body, Caller, PendingCaller};
use crate::api::refusal::ApiError;
use crate::domain::model::Role;
use crate::error::Error;
use crate::ops::listing::{self, UserFilter};
use crate::ops::users::{self as ops, NewMembership, NewUser, ScopeRef, UserChanges};
use crate::ops::{accounts, memberships};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/users")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/users/me").route(web::get().to(me)))
    .service(web::resource("/users/me/password").route(web::put().to(change_password)))
    .service(web::resource("/users/export.csv").route(web::get().to(export::export)))
    .service(web::resource("/users/count").route(web::get().to(count)))
    .service(web::resource("/users/count-by-place").route(web::get().to(count_by_place)))
    .service(web::resource("/users/bulk").route(web::post().to(bulk::bulk)))
    .service(web::resource("/users/import").route(web::post().to(import::import)))
    .service(
        web::resource("/users/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .service(web::resource("/users/{id}/reset-password").route(web::post().to(reset_password)))
    .service(web::resource("/users/{id}/unlock").route(web::post().to(unlock)))
    .service(
        web::resource("/users/{id}/sessions")
            .route(web::get().to(signed_in::list))
            .route(web::delete().to(signed_in::end_all)),
    )
    .service(web::resource("/users/{id}/memberships").route(web::post().to(add_membership)))
    .service(
        web::resource("/users/{id}/memberships/{membership}")
            .route(web::delete().to(remove_membership)),
    );
}

mod bulk;
mod export;
mod import;
mod signed_in;

type Reply = Result<HttpResponse, ApiError>;

/// A role at exactly one of an organisation, a site or a plant (also a line of
/// `gatehouse import`, which takes the fields of `POST /api/v1/users`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MembershipIn {
    organisation_id: Option<String>,
    site_id: Option<String>,
    plant_id: Option<String>,
    role: String,
}

fn one_scope(
    field: &str,
    org: Option<String>,
    site: Option<String>,
    plant: Option<String>,
) -> Result<Option<ScopeRef>, Error> {
    match (org, site, plant) {
        (Some(o), None, None) => Ok(Some(ScopeRef::Organisation(o))),
        (None, Some(s), None) => Ok(Some(ScopeRef::Site(s))),
        (None, None, Some(p)) => Ok(Some(ScopeRef::Plant(p))),
        (None, None, None) => Ok(None),
        _ => Err(Error::invalid(
            field,
            "give only one of organisationId, siteId, plantId",
        )),
    }
}

impl MembershipIn {
    pub(crate) fn into_request(self, field: &str) -> Result<NewMembership, Error> {
        let scope = one_scope(field, self.organisation_id, self.site_id, self.plant_id)?
            .ok_or_else(|| Error::invalid(field, "give one of organisationId, siteId, plantId"))?;
        Ok(NewMembership {
            scope,
            role: Role::parse(&self.role)?,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewUserIn {
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    display_name: Option<String>,
    mobile_number: Option<String>,
    country_code: Option<String>,
    password: Option<String>,
    #[serde(default)]
    superadmin: bool,
    #[serde(default)]
    memberships: Vec<MembershipIn>,
    #[serde(default)]
    modules: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UserPatch {
    email: Option<String>,
    #[serde(default, deserialize_with = "present")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    mobile_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    country_code: Option<Option<String>>,
    status: Option<String>,
    superadmin: Option<bool>,
    can_introspect: Option<bool>,
    modules: Option<Vec<String>>,
    /// The scope that owns the account (a superadmin's change), or null for the system.
    #[serde(default, deserialize_with = "present")]
    owner: Option<Option<OwnerIn>>,
    /// Needed when the caller changes their own email.
    current_password: Option<String>,
}

/// An account's owner: exactly one of an organisation, a site or a plant.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OwnerIn {
    organisation_id: Option<String>,
    site_id: Option<String>,
    plant_id: Option<String>,
}

impl OwnerIn {
    fn into_scope(self) -> Result<ScopeRef, Error> {
        one_scope("owner", self.organisation_id, self.site_id, self.plant_id)?
            .ok_or_else(|| Error::invalid("owner", "give one of organisationId, siteId, plantId"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ListQuery {
    organisation_id: Option<String>,
    site_id: Option<String>,
    plant_id: Option<String>,
    role: Option<String>,
    q: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
    state: Option<String>,
    sort: Option<String>,
    order: Option<String>,
}

impl ListQuery {
    fn into_filter(self) -> Result<UserFilter, Error> {
        Ok(UserFilter {
            scope: one_scope(
                "organisationId",
                self.organisation_id,
                self.site_id,
                self.plant_id,
            )?,
            role: self.role,
            text: self.q,
            cursor: self.cursor,
            limit: self.limit,
            state: self.state,
            sort: self.sort,
            order: self.order,
        })
    }
}

async fn list(state: web::Data<AppState>, Caller(p, _): Caller, q: web::Query<ListQuery>) -> Reply {
    let filter = q.into_inner().into_filter()?;
    let page = state
        .run(move |conn, env| listing::list_users(conn, env, &p, filter))
        .await?;
    let mut list = List::<UserOut>::of(page.items);
    list.next_cursor = Some(page.next_cursor);
    Ok(HttpResponse::Ok().json(list))
}

/// How many users the caller sees at each place they see:
/// `{"organisations": {id: N}, "sites": {id: N}, "plants": {id: N}}`.
async fn count_by_place(state: web::Data<AppState>, Caller(p, _): Caller) -> Reply {
    let counts = state
        .run(move |conn, env| listing::count_by_place(conn, env, &p))
        .await?;
    let map = |v: Vec<(String, u64)>| {
        v.into_iter()
            .map(|(id, n)| (id, serde_json::Value::from(n)))
            .collect::<serde_json::Map<_, _>>()
    };
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "organisations": map(counts.organisations),
        "sites": map(counts.sites),
        "plants": map(counts.plants),
    })))
}

/// How many users the list's filters match, all pages together: `{"total": N}`.
async fn count(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    q: web::Query<ListQuery>,
) -> Reply {
    let filter = q.into_inner().into_filter()?;
    let total = state
        .run(move |conn, env| listing::count_users(conn, env, &p, filter))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "total": total })))
}

async fn create(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    Body(b, _): Body<NewUserIn>,
) -> Reply {
    let memberships = b
        .memberships
        .into_iter()
        .enumerate()
        .map(|(i, m)| m.into_request(&format!("memberships[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    let input = NewUser {
        email: b.email,
        first_name: b.first_name,
        last_name: b.last_name,
        display_name: b.display_name,
        mobile_number: b.mobile_number,
        country_code: b.country_code,
        password: b.password,
        superadmin: b.superadmin,
        memberships,
        modules: b.modules,
    };
    let created = state
        .run(move |conn, env| ops::create_user(conn, env, &p, input))
        .await?;
    let mut out = UserOut::from(created.record);
    out.temporary_password = created.temporary_password;
    Ok(HttpResponse::Created().json(out))
}

async fn get(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    let record = state
        .run(move |conn, _| ops::get_user(conn, &p, &id))
        .await?;
    Ok(HttpResponse::Ok().json(UserOut::from(record)))
}

async fn me(state: web::Data<AppState>, PendingCaller(p, _): PendingCaller) -> Reply {
    let record = state.run(move |conn, _| ops::me(conn, &p)).await?;
    Ok(HttpResponse::Ok().json(UserOut::from(record)))
}

async fn update(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
    Body(b, _): Body<UserPatch>,
) -> Reply {
    let changes = UserChanges {
        email: b.email,
        first_name: b.first_name,
        last_name: b.last_name,
        display_name: b.display_name,
        mobile_number: b.mobile_number,
        country_code: b.country_code,
        status: b.status,
        superadmin: b.superadmin,
        can_introspect: b.can_introspect,
        modules: b.modules,
        owner: b
            .owner
            .map(|o| o.map(OwnerIn::into_scope).transpose())
            .transpose()?,
        password: None,
        current_password: b.current_password,
    };
    let record = state
        .run(move |conn, env| ops::update_user(conn, env, &p, &id, changes))
        .await?;
    Ok(HttpResponse::Ok().json(UserOut::from(record)))
}

async fn delete(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    state
        .run(move |conn, env| ops::delete_user(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn change_password(
    state: web::Data<AppState>,
    PendingCaller(p, _): PendingCaller,
    Body(b, _): Body<PasswordChange>,
) -> Reply {
    state
        .run(move |conn, env| {
            accounts::change_own_password(conn, env, &p, &b.current_password, &b.new_password)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn add_membership(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
    Body(b, _): Body<MembershipIn>,
) -> Reply {
    let request = b.into_request("membership")?;
    let m = state
        .run(move |conn, env| memberships::add_membership(conn, env, &p, &id, request))
        .await?;
    Ok(HttpResponse::Created().json(MembershipOut::from(&m)))
}

async fn remove_membership(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    path: web::Path<(String, String)>,
) -> Reply {
    let (user, membership) = path.into_inner();
    state
        .run(move |conn, env| memberships::remove_membership(conn, env, &p, &user, &membership))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Reset {
    temporary_password: String,
}

async fn reset_password(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    let temporary_password = state
        .run(move |conn, env| accounts::reset_password(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::Ok().json(Reset { temporary_password }))
}

async fn unlock(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    let record = state
        .run(move |conn, env| accounts::unlock(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::Ok().json(UserOut::from(record)))
}
