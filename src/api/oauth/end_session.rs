//! RP-initiated logout at the edge: the request from the query (or the confirmation form),
//! `ops::oidc::logout::end`, then the redirect, the confirmation or the signed-out page.

use super::page;
use super::page::{failed, is_form, origin_of};
use crate::api::routes::Routes;
use crate::auth;
use crate::ops::oidc::authorize::Refused;
use crate::ops::oidc::logout;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

pub fn configure(routes: &mut Routes) {
    routes.resource(|r| {
        r.to(__path_logout, logout)
            .to(__path_logout_form, logout_form);
    });
}

async fn end_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: logout::Request,
    confirmed: Option<String>,
) -> HttpResponse {
    let session = auth::browser_session(&req, &state.env.config);
    let source = auth::client_address(&req, &state.env.config.lockout.trusted_proxies);
    let asked = request.clone();
    let ended = state
        .run(move |conn, env| {
            let confirmed = confirmed.as_deref();
            Ok(logout::end(
                conn,
                env,
                &asked,
                session.as_deref(),
                confirmed,
                &source,
            ))
        })
        .await;
    match ended {
        Ok(Ok(logout::Next::Done { redirect })) => signed_out(&state, redirect),
        Ok(Ok(logout::Next::Confirm {
            csrf_token,
            client_name,
        })) => confirm(&request, &csrf_token, client_name.as_deref()),
        Ok(Err(Refused::Page(message))) => page::error(StatusCode::BAD_REQUEST, &message),
        Ok(Err(Refused::Failed(e))) | Err(e) => failed(&state, e),
    }
}

/// The sign-out confirmation, carrying the request and the session's CSRF token.
fn confirm(request: &logout::Request, csrf_token: &str, client_name: Option<&str>) -> HttpResponse {
    let redirect_origin = request
        .post_logout_redirect_uri
        .as_deref()
        .and_then(origin_of);
    let pairs = [
        ("id_token_hint", request.id_token_hint.as_deref()),
        (
            "post_logout_redirect_uri",
            request.post_logout_redirect_uri.as_deref(),
        ),
        ("state", request.state.as_deref()),
        ("client_id", request.client_id.as_deref()),
        ("csrf_token", Some(csrf_token)),
    ];
    let pairs: Vec<(&str, &str)> = pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    page::confirm_logout(
        client_name,
        &page::hidden(&pairs),
        redirect_origin.as_deref(),
    )
}

/// Signed out: both session cookies cleared, then back to the application or a page.
fn signed_out(state: &AppState, redirect: Option<String>) -> HttpResponse {
    let mut response = match redirect {
        Some(to) => page::see_other(&to),
        None => page::signed_out(),
    };
    for cookie in crate::api::v1::auth::cleared_cookies(state) {
        let _ = response.add_cookie(&cookie);
    }
    response
}

/// RP-initiated logout: ends the Gatehouse session, then sends the person to the
/// application's registered `post_logout_redirect_uri` with `state`. Without an ID token of
/// the signed-in person as `id_token_hint`, the person confirms first.
#[utoipa::path(
    get,
    path = "/oauth/logout",
    operation_id = "end_session",
    tag = "oidc",
    security(()),
    params(
        ("id_token_hint" = Option<String>, Query, description = "An ID token Gatehouse issued to the person"),
        ("post_logout_redirect_uri" = Option<String>, Query, description = "One the application registered"),
        ("state" = Option<String>, Query, description = "Returned as it came"),
        ("client_id" = Option<String>, Query, description = "The application, without a hint"),
    ),
    responses(
        (status = 200, description = "Signed out, or the confirmation", content_type = "text/html", body = String),
        (status = 303, description = "Signed out; back to the application"),
        (status = 400, description = "A hint or redirect URI Gatehouse does not know", content_type = "text/html", body = String),
    )
)]
async fn logout(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    match serde_urlencoded::from_str::<logout::Request>(req.query_string()) {
        Ok(request) => end_session(state, req, request, None).await,
        Err(e) => page::error(
            StatusCode::BAD_REQUEST,
            &format!("The logout request does not parse: {e}."),
        ),
    }
}

/// The sign-out form: the logout request's fields, and the session's CSRF token.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct LogoutForm {
    id_token_hint: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
    client_id: Option<String>,
    /// The session's CSRF token, from the confirmation form.
    csrf_token: Option<String>,
}

/// The sign-out confirmation's answer (or a logout request sent as a form).
#[utoipa::path(
    post,
    path = "/oauth/logout",
    operation_id = "end_session_form",
    tag = "oidc",
    security(()),
    request_body(content = LogoutForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "Signed out, or the confirmation", content_type = "text/html", body = String),
        (status = 303, description = "Signed out; back to the application"),
        (status = 400, description = "A hint or redirect URI Gatehouse does not know", content_type = "text/html", body = String),
        (status = 415, description = "Not a form", content_type = "text/html", body = String),
    )
)]
async fn logout_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    if !is_form(&req) {
        let message = "Send the sign-out form (application/x-www-form-urlencoded).";
        return page::error(StatusCode::UNSUPPORTED_MEDIA_TYPE, message);
    }
    match serde_urlencoded::from_bytes::<LogoutForm>(&body) {
        Ok(form) => {
            let request = logout::Request {
                id_token_hint: form.id_token_hint,
                post_logout_redirect_uri: form.post_logout_redirect_uri,
                state: form.state,
                client_id: form.client_id,
            };
            end_session(state, req, request, form.csrf_token).await
        }
        Err(e) => page::error(
            StatusCode::BAD_REQUEST,
            &format!("The logout form does not parse: {e}."),
        ),
    }
}
