//! The Busroot dialect: `/api/admin/user` with X-API-KEY (busroot-user-api.txt).
//!
//! An account is an organisation. The account of a request is the organisation of the caller
//! (the key's owner); a caller in several organisations, or in none, passes `?accountId=`.
//! Busroot's roles map onto ours: admin, supervisor and member as they are, readonly as viewer
//! (support also reads back as readonly). `userRole` is `admin` for a superadmin, else
//! `customer`. `id` is the user's stable integer.

use super::csv;
use super::extract::{Body, Caller};
use super::refusal::{self, Shape};
use super::routes::Routes;
use super::stream::{self, Frame};
use crate::domain::access::Principal;
use crate::domain::model::{Role, UserRecord};
use crate::error::Error;
use crate::ops::joining;
use crate::ops::listing::{self, UserFilter};
use crate::ops::structure;
use crate::ops::users::{self as ops, ScopeRef};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use futures_util::Stream;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod described;
use described::{Listed, Refusals};

pub fn configure(routes: &mut Routes) {
    let base = crate::api::openapi::dialect_base::<Failure>(
        "Gatehouse: Busroot users",
        "Busroot's user API (busroot-user-api.txt), served by Gatehouse: an API key in X-API-KEY. \
         An account is an organisation.",
        &["apiKey"],
    );
    routes.document("/api/admin/openapi.json", base, |routes| {
        let scope = routes.scope("/api/admin/user", |routes| {
            routes
                .resource(|r| {
                    r.to(__path_list, list).to(__path_create, create);
                })
                .resource(|r| {
                    r.to(__path_export, export);
                })
                .resource(|r| {
                    r.to(__path_get, get);
                });
        });
        routes.service(scope);
    });
}

/// Busroot's error: `{isSuccess: false, error: {status, message}}`.
#[derive(Serialize, utoipa::ToSchema)]
struct Failure {
    #[serde(rename = "isSuccess")]
    is_success: bool,
    error: FailureDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
struct FailureDetail {
    status: u16,
    message: String,
}

fn fail(e: &Error) -> HttpResponse {
    // The document's codes: a body that is not JSON is a bad request like any other.
    let status = match e {
        Error::UnsupportedMediaType(_) => 400,
        _ => e.status(),
    };
    let message = match e {
        Error::Unauthenticated => "Unauthorized".to_string(),
        other => other.public_message(),
    };
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .json(Failure {
            is_success: false,
            error: FailureDetail { status, message },
        })
}

/// Busroot's error envelope.
pub struct Busroot;

impl Shape for Busroot {
    fn render(error: &Error) -> HttpResponse {
        fail(error)
    }
}

type Reply = refusal::Reply<Busroot>;

#[derive(Serialize, utoipa::ToSchema)]
struct One<T> {
    #[serde(rename = "isSuccess")]
    is_success: bool,
    result: T,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Account {
    role: &'static str,
    account_id: String,
    domain: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct UserOut {
    id: i64,
    email: String,
    user_role: &'static str,
    accounts: Vec<Account>,
}

fn busroot_role(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Supervisor => "supervisor",
        Role::Member => "member",
        Role::Viewer | Role::Support => "readonly",
    }
}

fn our_role(role: &str) -> Result<Role, Error> {
    match role {
        "admin" => Ok(Role::Admin),
        "supervisor" => Ok(Role::Supervisor),
        "member" => Ok(Role::Member),
        "readonly" => Ok(Role::Viewer),
        other => Err(Error::invalid(
            "role",
            format!(
                "`{}` is not one of admin, member, supervisor, readonly",
                crate::logging::escape(other)
            ),
        )),
    }
}

/// One account per organisation the user holds roles in, with the highest role held there.
fn render(record: UserRecord, domains: &HashMap<String, Option<String>>) -> UserOut {
    let mut best: Vec<(String, Role)> = Vec::new();
    for m in &record.memberships {
        match best
            .iter_mut()
            .find(|(org, _)| *org == m.scope.organisation_id)
        {
            Some((_, role)) if m.role < *role => *role = m.role,
            Some(_) => {}
            None => best.push((m.scope.organisation_id.clone(), m.role)),
        }
    }
    UserOut {
        id: record.user.number,
        email: record.user.email,
        user_role: if record.user.superadmin {
            "admin"
        } else {
            "customer"
        },
        accounts: best
            .into_iter()
            .map(|(org, role)| Account {
                role: busroot_role(role),
                domain: domains.get(&org).cloned().flatten(),
                account_id: org,
            })
            .collect(),
    }
}

fn domains(conn: &Connection, p: &Principal) -> Result<HashMap<String, Option<String>>, Error> {
    Ok(structure::list_organisations(conn, p)?
        .into_iter()
        .map(|o| (o.id, o.domain))
        .collect())
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
struct AccountQuery {
    account_id: Option<String>,
}

/// The organisation a request acts on: `?accountId=`, or the caller's only organisation.
fn account(conn: &Connection, p: &Principal, asked: Option<String>) -> Result<String, Error> {
    if let Some(id) = asked.filter(|a| !a.is_empty()) {
        return structure::get_organisation(conn, p, &id).map(|o| o.id);
    }
    let mut orgs: Vec<&str> = p
        .memberships
        .iter()
        .map(|m| m.scope.organisation_id.as_str())
        .collect();
    orgs.sort_unstable();
    orgs.dedup();
    match orgs.as_slice() {
        [only] => Ok(only.to_string()),
        [] => Err(Error::invalid(
            "accountId",
            "is required: the caller belongs to no account",
        )),
        _ => Err(Error::invalid(
            "accountId",
            "is required: the caller belongs to several accounts",
        )),
    }
}

/// Every user of the account (the one asked for, or the caller's own), page by page, each
/// rendered by `row` beside the account's id.
async fn account_pages<R>(
    state: &AppState,
    p: Principal,
    asked: Option<String>,
    frame: Frame,
    row: R,
) -> Result<impl Stream<Item = Result<Bytes, Error>>, Error>
where
    R: Fn(UserOut, &str) -> Result<Vec<u8>, Error> + Send + Sync + 'static,
{
    stream::pages(state, frame, move |conn, env, cursor| {
        let account = account(conn, &p, asked.clone())?;
        let domains = domains(conn, &p)?;
        let filter = UserFilter {
            scope: Some(ScopeRef::Organisation(account.clone())),
            cursor,
            limit: Some(listing::MAX_LIMIT),
            ..UserFilter::default()
        };
        let page = listing::list_users(conn, env, &p, filter)?;
        let rows = page
            .items
            .into_iter()
            .map(|r| row(render(r, &domains), &account))
            .collect::<Result<_, _>>()?;
        Ok((rows, page.next_cursor))
    })
    .await
}

fn json_row(user: UserOut, _: &str) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(&user).map_err(|e| Error::Internal(e.to_string()))
}

/// The users of the account.
#[utoipa::path(
    get,
    path = "/api/admin/user",
    tag = "busroot",
    params(AccountQuery),
    responses((status = 200, description = "OK", body = Listed), Refusals)
)]
async fn list(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Busroot>,
    q: web::Query<AccountQuery>,
) -> Reply {
    // The document's list: `{"isSuccess": true, "results": [user, ...]}`.
    let frame = Frame::json_array(r#"{"isSuccess":true,"results":"#, "}");
    let rows = account_pages(&state, p, q.into_inner().account_id, frame, json_row).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .streaming(rows))
}

/// One user by email.
#[utoipa::path(
    get,
    path = "/api/admin/user/{email}",
    tag = "busroot",
    params(("email" = String, Path, description = "The user's email")),
    responses((status = 200, description = "OK", body = One<UserOut>), Refusals)
)]
async fn get(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Busroot>,
    email: web::Path<String>,
) -> Reply {
    let (domains, record) = state
        .run(move |conn, _| Ok((domains(conn, &p)?, ops::find_by_email(conn, &p, &email)?)))
        .await?;
    Ok(HttpResponse::Ok().json(One {
        is_success: true,
        result: render(record, &domains),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewUser {
    email: String,
    role: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Joining {
    user_id: i64,
    role: &'static str,
    account_id: String,
    created_at: String,
    updated_at: String,
    /// Only for a new user: Busroot mails an invitation, a plant server has no mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    temporary_password: Option<String>,
}

/// Adds a user to the account (creating them when new) with a role.
#[utoipa::path(
    post,
    path = "/api/admin/user",
    tag = "busroot",
    request_body = NewUser,
    params(AccountQuery),
    responses((status = 200, description = "OK", body = One<Joining>), Refusals)
)]
async fn create(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Busroot>,
    q: web::Query<AccountQuery>,
    Body(body, _): Body<NewUser, Busroot>,
) -> Reply {
    let asked = q.into_inner().account_id;
    let result = state
        .run(move |conn, env| {
            let role = our_role(&body.role)?;
            let account = account(conn, &p, asked)?;
            let joined = joining::join_organisation(conn, env, &p, &body.email, &account, role)?;
            Ok(Joining {
                user_id: joined.user.number,
                role: busroot_role(role),
                account_id: account,
                created_at: joined.user.created_at,
                updated_at: joined.user.updated_at,
                temporary_password: joined.temporary_password,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(One {
        is_success: true,
        result,
    }))
}

fn csv_row(user: UserOut, account: &str) -> Result<Vec<u8>, Error> {
    let here = user.accounts.iter().find(|a| a.account_id == account);
    let cells = [
        user.id.to_string(),
        user.email.clone(),
        user.user_role.to_string(),
        here.map(|a| a.role).unwrap_or("").to_string(),
        account.to_string(),
        here.and_then(|a| a.domain.clone()).unwrap_or_default(),
    ];
    Ok(csv::row(&cells).into_bytes())
}

/// The users of the account as CSV.
#[utoipa::path(
    get,
    path = "/api/admin/user/csv",
    tag = "busroot",
    params(AccountQuery),
    responses((status = 200, description = "The users as CSV", content_type = "text/csv", body = String), Refusals)
)]
async fn export(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Busroot>,
    q: web::Query<AccountQuery>,
) -> Reply {
    let header = csv::row(&["id", "email", "userRole", "role", "accountId", "domain"]);
    let frame = Frame::csv(header);
    let rows = account_pages(&state, p, q.into_inner().account_id, frame, csv_row).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .streaming(rows))
}
