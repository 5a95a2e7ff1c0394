//! `/api/v1/users`: profiles, memberships, modules, the caller's own account, CSV export.

use super::wire::{List, MembershipOut, UserOut};
use crate::api::extract::{Body, Caller, PendingCaller};
use crate::api::refusal::{ApiError, Refusals};
use crate::api::routes::Routes;
use crate::ops::listing;
use crate::ops::users::{self as ops, NewUser, UserChanges};
use crate::ops::{accounts, memberships};
use crate::state::AppState;
use actix_web::{web, HttpResponse};

// long: one resource a path, the fixed paths before `{id}`, which would take them.
pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_list, list).to(__path_create, create);
        })
        .resource(|r| {
            r.to(__path_me, me);
        })
        .resource(|r| {
            r.to(__path_change_password, change_password);
        })
        .resource(|r| {
            r.to(export::__path_export, export::export);
        })
        .resource(|r| {
            r.to(__path_count, count);
        })
        .resource(|r| {
            r.to(__path_count_by_place, count_by_place);
        })
        .resource(|r| {
            r.to(bulk::__path_bulk, bulk::bulk);
        })
        .resource(|r| {
            r.to(import::__path_import, import::import);
        })
        .resource(|r| {
            r.to(__path_get, get)
                .to(__path_update, update)
                .to(__path_delete, delete);
        })
        .resource(|r| {
            r.to(__path_reset_password, reset_password);
        })
        .resource(|r| {
            r.to(__path_unlock, unlock);
        })
        .resource(|r| {
            r.to(signed_in::__path_list, signed_in::list)
                .to(signed_in::__path_end_all, signed_in::end_all);
        })
        .resource(|r| {
            r.to(__path_add_membership, add_membership);
        })
        .resource(|r| {
            r.to(__path_remove_membership, remove_membership);
        });
}

mod bodies;
mod bulk;
mod export;
mod import;
mod signed_in;

pub(crate) use bodies::MembershipIn;
use bodies::*;

type Reply = Result<HttpResponse, ApiError>;

/// The users the caller can see, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    operation_id = "list_users",
    tag = "users",
    params(ListQuery),
    responses((status = 200, description = "OK", body = List<UserOut>), Refusals)
)]
async fn list(state: web::Data<AppState>, Caller(p, _): Caller, q: web::Query<ListQuery>) -> Reply {
    let filter = q.into_inner().into_filter()?;
    let page = state
        .run(move |conn, env| listing::list_users(conn, env, &p, filter))
        .await?;
    let mut list = List::<UserOut>::of(page.items);
    list.next_cursor = Some(page.next_cursor);
    Ok(HttpResponse::Ok().json(list))
}

/// How many users the caller sees at each place they see.
#[utoipa::path(
    get,
    path = "/api/v1/users/count-by-place",
    operation_id = "count_users_by_place",
    tag = "users",
    responses((status = 200, description = "OK", body = CountsByPlace), Refusals)
)]
async fn count_by_place(state: web::Data<AppState>, Caller(p, _): Caller) -> Reply {
    let counts = state
        .run(move |conn, env| listing::count_by_place(conn, env, &p))
        .await?;
    let map = |v: Vec<(String, u64)>| v.into_iter().collect();
    Ok(HttpResponse::Ok().json(CountsByPlace {
        organisations: map(counts.organisations),
        sites: map(counts.sites),
        plants: map(counts.plants),
    }))
}

/// How many users the list's filters match, all pages together.
#[utoipa::path(
    get,
    path = "/api/v1/users/count",
    operation_id = "count_users",
    tag = "users",
    params(ListQuery),
    responses((status = 200, description = "OK", body = Total), Refusals)
)]
async fn count(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    q: web::Query<ListQuery>,
) -> Reply {
    let filter = q.into_inner().into_filter()?;
    let total = state
        .run(move |conn, env| listing::count_users(conn, env, &p, filter))
        .await?;
    Ok(HttpResponse::Ok().json(Total { total }))
}

/// Creates a user; without a password the answer carries a temporary one, once.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    operation_id = "create_user",
    tag = "users",
    request_body = NewUserIn,
    responses((status = 201, description = "Created", body = UserOut), Refusals)
)]
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

/// One user.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    operation_id = "get_user",
    tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "OK", body = UserOut), Refusals)
)]
async fn get(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    let record = state
        .run(move |conn, _| ops::get_user(conn, &p, &id))
        .await?;
    Ok(HttpResponse::Ok().json(UserOut::from(record)))
}

/// The caller's own account.
#[utoipa::path(
    get,
    path = "/api/v1/users/me",
    operation_id = "get_me",
    tag = "users",
    responses((status = 200, description = "OK", body = UserOut), Refusals)
)]
async fn me(state: web::Data<AppState>, PendingCaller(p, _): PendingCaller) -> Reply {
    let record = state.run(move |conn, _| ops::me(conn, &p)).await?;
    Ok(HttpResponse::Ok().json(UserOut::from(record)))
}

/// Changes a user's fields, status, owner or modules.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    operation_id = "update_user",
    tag = "users",
    request_body = UserPatch,
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "OK", body = UserOut), Refusals)
)]
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

/// Deletes a user.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}",
    operation_id = "delete_user",
    tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 204, description = "Done"), Refusals)
)]
async fn delete(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    state
        .run(move |conn, env| ops::delete_user(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes the caller's own password.
#[utoipa::path(
    put,
    path = "/api/v1/users/me/password",
    tag = "users",
    request_body = PasswordChange,
    responses((status = 204, description = "Done"), Refusals)
)]
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

/// Grants a role at a scope.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/memberships",
    tag = "users",
    request_body = MembershipIn,
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 201, description = "Created", body = MembershipOut), Refusals)
)]
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

/// Takes a role away.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}/memberships/{membership}",
    tag = "users",
    params(("id" = String, Path, description = "The user's id"), ("membership" = String, Path, description = "The membership's id")),
    responses((status = 204, description = "Done"), Refusals)
)]
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

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Reset {
    temporary_password: String,
}

/// Sets a temporary password, shown this once; it must be changed at the next sign-in.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/reset-password",
    tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "OK", body = Reset), Refusals)
)]
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

/// Ends a lockout at once.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/unlock",
    operation_id = "unlock_user",
    tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "OK", body = UserOut), Refusals)
)]
async fn unlock(state: web::Data<AppState>, Caller(p, _): Caller, id: web::Path<String>) -> Reply {
    let record = state
        .run(move |conn, env| accounts::unlock(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::Ok().json(UserOut::from(record)))
}
