//! Signing in on the way to an application, on a page the server renders: the same sign-in as
//! the admin page's (`ops::sessions::login`: the lockout, the throttle, the audit), under the
//! same system-use banner, with no script, so that any browser (and any client that follows
//! forms) gets through. A temporary password goes on to the admin page, which has the forced
//! password change and then comes back here.

use super::page::{self, escape};
use crate::api::routes::Routes;
use crate::auth;
use crate::error::Error;
use crate::ops::{oidc, sessions, users};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

pub fn configure(routes: &mut Routes) {
    routes.resource(|r| {
        r.to(__path_sign_in, sign_in);
    });
}

/// The sign-in page: the banner, email and password, and where to go on (`next`).
pub fn form(banner: &str, next: &str, error: Option<&str>) -> HttpResponse {
    form_with(StatusCode::OK, banner, next, error)
}

fn form_with(status: StatusCode, banner: &str, next: &str, error: Option<&str>) -> HttpResponse {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<div class=\"banner\" role=\"note\" id=\"system-use-banner\">{banner}</div>\n{error}\
         <div class=\"panel\"><form method=\"post\" action=\"/oauth/signin\" class=\"stack\" aria-label=\"Sign in\">\n\
         {hidden}\n\
         <div class=\"field\"><label for=\"email\">Email</label>\
         <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required autofocus></div>\n\
         <div class=\"field\"><label for=\"password\">Password</label>\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></div>\n\
         <div class=\"actions\"><button type=\"submit\" class=\"primary\">Sign in</button></div>\n\
         </form></div>",
        banner = escape(banner),
        hidden = page::hidden(&[("next", next)]),
    );
    page::render(status, "Sign in to continue", &body, None)
}

/// The sign-in form's fields.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct SignInForm {
    email: String,
    password: String,
    /// The authorization request to go back to (`/oauth/authorize?…`).
    next: String,
}

/// Where a signed-in person goes: back to the request, or first to the admin page's forced
/// password change (which then comes back).
fn onward(must_change_password: bool, next: &str) -> String {
    match must_change_password {
        true => format!(
            "/?{}",
            serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
        ),
        false => next.to_string(),
    }
}

/// Signs in from the page `/oauth/authorize` showed, then goes back to it. A wrong password
/// shows the form again with what is wrong; the session cookies are those of the admin page.
#[utoipa::path(
    post,
    path = "/oauth/signin",
    operation_id = "sign_in_form",
    tag = "oidc",
    security(()),
    request_body(content = SignInForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: back to the authorization request"),
        (status = 400, description = "Not a form, or `next` is not an authorization request", content_type = "text/html", body = String),
        (status = 401, description = "Wrong email or password: the form again", content_type = "text/html", body = String),
        (status = 429, description = "Too many failures: the form again, saying when to retry", content_type = "text/html", body = String),
        (status = 503, description = "A read-only replica: sign in on the primary", content_type = "text/html", body = String),
    )
)]
async fn sign_in(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let banner = state.env.config.ui.banner.clone();
    let form = match serde_urlencoded::from_bytes::<SignInForm>(&body) {
        Ok(form) if page::is_form(&req) => form,
        Ok(_) | Err(_) => {
            let message = "The sign-in form did not arrive whole; go back to the application and start again.";
            return page::error(StatusCode::BAD_REQUEST, message);
        }
    };
    let Some(next) = oidc::continuation(Some(&form.next)) else {
        let message = "The sign-in form names no application's request to go back to.";
        return page::error(StatusCode::BAD_REQUEST, message);
    };
    let source = auth::client_address(&req, &state.env.config.lockout.trusted_proxies);
    let signed_in = state
        .run(move |conn, env| {
            let new = sessions::login(conn, env, &form.email, &form.password, &source)?;
            let record = users::load_record(conn, &new.session.user_id)?;
            Ok((new, record.is_some_and(|r| r.user.must_change_password)))
        })
        .await;
    match signed_in {
        Ok((new, must_change)) => signed(&state, new.secret, &onward(must_change, &next)),
        Err(Error::Unauthenticated) => form_with(
            StatusCode::UNAUTHORIZED,
            &banner,
            &next,
            Some("Wrong email or password."),
        ),
        Err(e @ Error::TooManyRequests(_)) => form_with(
            StatusCode::TOO_MANY_REQUESTS,
            &banner,
            &next,
            Some(&e.public_message()),
        ),
        Err(e) => page::failed(&state, e),
    }
}

/// Signed in: the session cookies set, and on to `to`.
fn signed(state: &AppState, secret: String, to: &str) -> HttpResponse {
    let max_age = state.env.config.sessions.absolute_timeout.0.as_secs() as i64;
    let mut response = page::see_other(to);
    for cookie in crate::api::v1::auth::cookies(state, secret, max_age) {
        let _ = response.add_cookie(&cookie);
    }
    response
}
