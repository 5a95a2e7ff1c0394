//! The 4PointX dialect: `/_config/users/` with HTTP Basic (4pointx-users-api.txt).
//!
//! `user_type` maps onto memberships: `site-admin` is admin at `site_id`, `plant-admin` admin at
//! `plant_id`, `general-user` member at `plant_id` (or at the site when `plant_id` is `"*"`),
//! `saas-admin` a superadmin. Reading back reports the highest type the user's memberships
//! give: saas-admin, then site-admin (admin at a site, or at an organisation with `site_id`
//! `"*"`), then plant-admin, then general-user.

use super::extract::Caller;
use super::refusal::{self, Shape};
use super::routes::Routes;
use crate::domain::model::Role;
use crate::error::Error;
use crate::ops::memberships::Selection;
use crate::ops::users::{
    self as ops, MembershipPlan, NewMembership, NewUser, ScopeRef, UserChanges,
};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod described;
use described::Refusals;

mod read;

pub fn configure(routes: &mut Routes) {
    let base = crate::api::openapi::dialect_base::<ErrorBody>(
        "Gatehouse: 4PointX users",
        "4PointX's user API (4pointx-users-api.txt), served by Gatehouse: HTTP Basic. \
         POST and PUT also answer at /_config/users without the slash.",
        &["basic"],
    );
    routes.document("/_config/users/openapi.json", base, |routes| {
        let scope = routes.scope("/_config/users", |routes| {
            routes
                .resource(|r| {
                    r.to(__path_create, create).to(__path_update, update);
                })
                .resource(|r| {
                    r.to(read::__path_list, read::list);
                })
                .resource(|r| {
                    r.to(read::__path_get, read::get).to(__path_delete, delete);
                })
                // The same two without the slash, as clients send them too.
                .undocumented(|cfg| {
                    cfg.route("", web::post().to(create))
                        .route("", web::put().to(update));
                });
        });
        routes.service(scope);
    });
}

/// The operation a failure happened in: the document words each one's errors differently.
#[derive(Clone, Copy)]
pub enum Op {
    Create,
    Update,
    Delete,
    Read,
}

/// 4PointX's error shape, in the words of one operation.
pub trait Operation: 'static {
    const OP: Op;
}

impl<O: Operation> Shape for O {
    fn render(error: &Error) -> HttpResponse {
        fail(O::OP, error)
    }
}

/// The shapes of the four operations' errors.
pub struct Creating;
pub struct Updating;
pub struct Deleting;
pub struct Reading;

impl Operation for Creating {
    const OP: Op = Op::Create;
}
impl Operation for Updating {
    const OP: Op = Op::Update;
}
impl Operation for Deleting {
    const OP: Op = Op::Delete;
}
impl Operation for Reading {
    const OP: Op = Op::Read;
}

type Reply<O> = refusal::Reply<O>;

/// 4PointX's error: `{error: {status, message}}`.
#[derive(Serialize, utoipa::ToSchema)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
struct ErrorDetail {
    status: u16,
    message: String,
}

fn reply(status: u16, message: impl Into<String>) -> HttpResponse {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(code).json(ErrorBody {
        error: ErrorDetail {
            status,
            message: message.into(),
        },
    })
}

/// Our field names in this dialect's words.
fn own_words(message: &str) -> String {
    [
        ("mobileNumber", "mobile_number"),
        ("countryCode", "country_code"),
        ("siteId", "site_id"),
        ("plantId", "plant_id"),
        ("email", "username"),
    ]
    .iter()
    .fold(message.to_string(), |m, (ours, theirs)| {
        m.replace(ours, theirs)
    })
}

fn fail(op: Op, e: &Error) -> HttpResponse {
    let verb = match op {
        Op::Create => "create user",
        Op::Update => "update User",
        Op::Delete => "delete user",
        Op::Read => "read user",
    };
    match e {
        Error::Unauthenticated | Error::SignInRequired(_) => reply(401, "Unauthorized access"),
        Error::PasswordChangeRequired => {
            reply(403, "Password change required before anything else")
        }
        Error::Forbidden(_) => reply(403, format!("Unauthorized operation!, can't {verb}")),
        Error::NotFound(_) if matches!(op, Op::Update) => reply(404, "User not found"),
        Error::NotFound(_) => reply(404, "User not found!"),
        Error::Conflict(_) if matches!(op, Op::Create) => reply(409, "User already exists"),
        Error::Conflict(_) | Error::Invalid { .. } if matches!(op, Op::Delete) => {
            reply(400, "Invalid operation, can't delete user")
        }
        Error::Conflict(m) => reply(409, m.clone()),
        Error::Invalid { .. } => reply(400, own_words(&e.public_message())),
        Error::Malformed(m) => reply(400, m.clone()),
        Error::UnsupportedMediaType(_) => reply(400, "Invalid content type"),
        Error::PayloadTooLarge(_) => reply(413, e.public_message()),
        Error::MethodNotAllowed(_) => reply(405, e.public_message()),
        Error::TooManyRequests(_) => reply(429, e.public_message()),
        Error::Unavailable(_) | Error::ReadOnlyReplica(_) => reply(503, e.public_message()),
        Error::Internal(_) => reply(500, e.public_message()),
    }
}

/// A user as 4PointX sends one.
#[derive(Deserialize, utoipa::ToSchema)]
struct UserIn {
    site_id: Option<String>,
    plant_id: Option<String>,
    username: Option<String>,
    mobile_number: Option<String>,
    country_code: Option<String>,
    user_type: Option<String>,
    password: Option<String>,
    modules: Option<Vec<String>>,
}

/// The fields every write needs.
struct Required {
    username: String,
    mobile_number: String,
    country_code: String,
    user_type: String,
}

/// Parses the body: not JSON, or not sent as JSON, is "Invalid content type"; a required field
/// missing is "Insufficient inputs".
fn parse(req: &HttpRequest, bytes: &[u8]) -> Result<(UserIn, Required), Error> {
    let content_type = || Error::Malformed("Invalid content type".into());
    if !crate::api::extract::is_json(req) {
        return Err(content_type());
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|_| content_type())?;
    if !value.is_object() {
        return Err(content_type());
    }
    let user: UserIn = serde_json::from_value(value)
        .map_err(|e| Error::Malformed(format!("Invalid inputs: {e}")))?;
    let present = |v: &Option<String>| v.as_ref().filter(|s| !s.trim().is_empty()).cloned();
    let required = match (
        present(&user.username),
        present(&user.mobile_number),
        present(&user.country_code),
        present(&user.user_type),
    ) {
        (Some(username), Some(mobile_number), Some(country_code), Some(user_type)) => Required {
            username,
            mobile_number,
            country_code,
            user_type,
        },
        _ => return Err(insufficient()),
    };
    Ok((user, required))
}

fn insufficient() -> Error {
    Error::Malformed("Insufficient inputs".into())
}

/// What a user_type means: memberships, and whether the user is a superadmin.
fn memberships_for(
    user_type: &str,
    site_id: Option<&str>,
    plant_id: Option<&str>,
) -> Result<(Vec<NewMembership>, bool), Error> {
    let site = site_id.filter(|s| !s.is_empty() && *s != "*");
    let plant = plant_id.filter(|p| !p.is_empty() && *p != "*");
    let one = |scope: ScopeRef, role: Role| Ok((vec![NewMembership { scope, role }], false));
    match (user_type, site, plant) {
        ("saas-admin", _, _) => Ok((Vec::new(), true)),
        ("site-admin", Some(site), _) => one(ScopeRef::Site(site.into()), Role::Admin),
        ("plant-admin", _, Some(plant)) => one(ScopeRef::Plant(plant.into()), Role::Admin),
        ("general-user", _, Some(plant)) => one(ScopeRef::Plant(plant.into()), Role::Member),
        ("general-user", Some(site), None) => one(ScopeRef::Site(site.into()), Role::Member),
        ("site-admin" | "plant-admin" | "general-user", _, _) => Err(insufficient()),
        (other, _, _) => Err(Error::Malformed(format!(
            "Invalid user_type '{}': use site-admin, plant-admin, general-user or saas-admin",
            crate::logging::escape(other)
        ))),
    }
}

/// A write's body, with the memberships and superadmin flag its user_type means.
struct Write {
    user: UserIn,
    required: Required,
    memberships: Vec<NewMembership>,
    superadmin: bool,
}

fn parse_write(req: &HttpRequest, bytes: &[u8]) -> Result<Write, Error> {
    let (user, required) = parse(req, bytes)?;
    let (memberships, superadmin) = memberships_for(
        &required.user_type,
        user.site_id.as_deref(),
        user.plant_id.as_deref(),
    )?;
    Ok(Write {
        user,
        required,
        memberships,
        superadmin,
    })
}

#[derive(Serialize, utoipa::ToSchema)]
struct Done {
    status: &'static str,
    message: String,
    /// Only when the password was generated: 4PointX mails it, a plant server has no mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    temporary_password: Option<String>,
}

/// Creates a user with a user type at a site or plant.
#[utoipa::path(
    post,
    path = "/_config/users/",
    tag = "fourpointx",
    request_body = UserIn,
    responses((status = 201, description = "Created", body = Done), Refusals)
)]
async fn create(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Creating>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> Reply<Creating> {
    let Write {
        user,
        required,
        memberships,
        superadmin,
    } = parse_write(&req, &bytes)?;
    let username = required.username.clone();
    let input = NewUser {
        email: required.username,
        mobile_number: Some(required.mobile_number),
        country_code: Some(required.country_code),
        password: user.password.filter(|p| !p.is_empty()),
        superadmin,
        memberships,
        modules: user.modules.unwrap_or_default(),
        ..NewUser::default()
    };
    let created = state
        .run(move |conn, env| ops::create_user(conn, env, &p, input))
        .await?;
    Ok(HttpResponse::Created().json(Done {
        status: "CREATED",
        message: format!(" '{username}' created."),
        temporary_password: created.temporary_password,
    }))
}

/// Updates a user by username.
#[utoipa::path(
    put,
    path = "/_config/users/",
    tag = "fourpointx",
    request_body = UserIn,
    responses((status = 200, description = "OK", body = Done), Refusals)
)]
async fn update(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Updating>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> Reply<Updating> {
    let Write {
        user,
        required,
        memberships: wanted,
        superadmin,
    } = parse_write(&req, &bytes)?;
    let username = required.username.clone();
    let changes = UserChanges {
        mobile_number: Some(Some(required.mobile_number)),
        country_code: Some(Some(required.country_code)),
        superadmin: Some(superadmin),
        modules: user.modules,
        password: user.password.filter(|p| !p.is_empty()),
        ..UserChanges::default()
    };
    // A user has one user_type here, so its memberships replace all the user's memberships.
    let plan = MembershipPlan {
        selection: Selection::default(),
        wanted,
    };
    state
        .run(move |conn, env| {
            let target = ops::find_by_email(conn, &p, &required.username)?;
            ops::save_user(conn, env, &p, &target.user.id, changes, Some(plan))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Done {
        status: "OK",
        message: format!("'{username}' updated."),
        temporary_password: None,
    }))
}

/// Deletes a user.
#[utoipa::path(
    delete,
    path = "/_config/users/{username}",
    tag = "fourpointx",
    params(("username" = String, Path, description = "The user's username (email)")),
    responses((status = 200, description = "OK", body = Done), Refusals)
)]
async fn delete(
    state: web::Data<AppState>,
    Caller(p, _): Caller<Deleting>,
    username: web::Path<String>,
) -> Reply<Deleting> {
    let name = username.into_inner();
    let email = name.clone();
    state
        .run(move |conn, env| {
            let target = ops::find_by_email(conn, &p, &email)?;
            ops::delete_user(conn, env, &p, &target.user.id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Done {
        status: "OK",
        message: format!("'{name}' deleted."),
        temporary_password: None,
    }))
}
