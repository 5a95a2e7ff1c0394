//! `/api/v1/auth`: browser sign-in with a session cookie, sign-out, and the current session.

use super::wire::UserOut;
use crate::api::extract::{Body, PendingCaller};
use crate::api::refusal::{ApiError, Refusals};
use crate::api::routes::Routes;
use crate::auth::{self, session_cookie_name};
use crate::domain::access::Credential;
use crate::error::Error;
use crate::ops::{sessions, users};
use crate::state::AppState;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_login, login);
        })
        .resource(|r| {
            r.to(__path_logout, logout);
        })
        .resource(|r| {
            r.to(__path_session, session);
        });
}

type Reply = Result<HttpResponse, ApiError>;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Login {
    email: String,
    password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionOut {
    csrf_token: String,
    expires_at: String,
    idle_timeout_seconds: u64,
    user: UserOut,
    /// What the page may offer: the server decides, the page only shows.
    rights: crate::domain::access::CallerRights,
}

/// The session cookies: the admin page's (Strict, everywhere) and the one `/oauth` reads
/// when an application sends the person there from another site (Lax, `/oauth` only).
pub fn cookies(state: &AppState, value: String, max_age_seconds: i64) -> [Cookie<'static>; 2] {
    let tls = crate::auth::origin::secure_cookies(&state.env.config);
    let build = |name: &'static str, same_site: SameSite, path: &'static str| {
        Cookie::build(name, value.clone())
            .http_only(true)
            .same_site(same_site)
            .path(path)
            .secure(tls)
            .max_age(CookieDuration::seconds(max_age_seconds))
            .finish()
    };
    [
        build(session_cookie_name(tls), SameSite::Strict, "/"),
        build(auth::sso_cookie_name(tls), SameSite::Lax, "/oauth"),
    ]
}

/// Both session cookies, cleared.
pub fn cleared_cookies(state: &AppState) -> [Cookie<'static>; 2] {
    cookies(state, String::new(), 0)
}

/// Signs in with email and password; the answer sets the session cookie and carries the CSRF
/// token that every state-changing request of the session must send in X-CSRF-Token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    security(()),
    request_body = Login,
    responses((status = 200, description = "Signed in; the session cookie is set", body = SessionOut), Refusals)
)]
async fn login(state: web::Data<AppState>, req: HttpRequest, Body(b, _): Body<Login>) -> Reply {
    let source = auth::client_address(&req, &state.env.config.lockout.trusted_proxies);
    let (new, record, rights) = state
        .run(move |conn, env| {
            let new =
                sessions::login(conn, env, &b.email, &b.password, &source).map_err(
                    |e| match e {
                        Error::Unauthenticated => {
                            Error::SignInRequired("wrong email or password".into())
                        }
                        other => other,
                    },
                )?;
            let credential = Credential::Session(new.session.id.clone());
            let p = auth::load_principal(conn, &new.session.user_id, credential, source)?;
            let record = users::me(conn, &p)?;
            Ok((new, record, p.rights()))
        })
        .await?;
    let max_age = state.env.config.sessions.absolute_timeout.0.as_secs() as i64;
    let [admin, sso] = cookies(&state, new.secret, max_age);
    Ok(HttpResponse::Ok()
        .cookie(admin)
        .cookie(sso)
        .json(SessionOut {
            csrf_token: new.session.csrf_token.unwrap_or_default(),
            expires_at: new.session.expires_at,
            idle_timeout_seconds: state.env.config.sessions.idle_timeout.0.as_secs(),
            user: UserOut::from(record),
            rights,
        }))
}

/// Ends the browser session this request carries.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    responses((status = 204, description = "Signed out; the cookie is cleared"), Refusals)
)]
async fn logout(state: web::Data<AppState>, PendingCaller(p, _): PendingCaller) -> Reply {
    state
        .run(move |conn, env| sessions::logout(conn, env, &p))
        .await?;
    let [admin, sso] = cleared_cookies(&state);
    Ok(HttpResponse::NoContent().cookie(admin).cookie(sso).finish())
}

/// The browser session this request carries.
#[utoipa::path(
    get,
    path = "/api/v1/auth/session",
    tag = "auth",
    responses((status = 200, description = "The session", body = SessionOut), Refusals)
)]
async fn session(state: web::Data<AppState>, PendingCaller(p, _): PendingCaller) -> Reply {
    let Credential::Session(id) = p.credential.clone() else {
        return Err(
            Error::bad_request("this request is not signed in with a browser session").into(),
        );
    };
    Ok(HttpResponse::Ok().json(describe(&state, p, id).await?))
}

async fn describe(
    state: &AppState,
    p: crate::domain::access::Principal,
    id: String,
) -> Result<SessionOut, Error> {
    let idle_timeout_seconds = state.env.config.sessions.idle_timeout.0.as_secs();
    state
        .run(move |conn, _| {
            let session = crate::ops::sessions::get(conn, &id)?;
            Ok(SessionOut {
                csrf_token: session.csrf_token.unwrap_or_default(),
                expires_at: session.expires_at,
                idle_timeout_seconds,
                user: UserOut::from(users::me(conn, &p)?),
                rights: p.rights(),
            })
        })
        .await
}

/// The browser session the request carries, if it is live; None otherwise (never an error).
pub async fn current_session(state: &AppState, req: &HttpRequest) -> Option<SessionOut> {
    let tls = crate::auth::origin::secure_cookies(&state.env.config);
    req.cookie(session_cookie_name(tls))?;
    let p = auth::authenticate(state, req, true).await.ok()?;
    let Credential::Session(id) = p.credential.clone() else {
        return None;
    };
    describe(state, p, id).await.ok()
}
