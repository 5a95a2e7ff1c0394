//! The authorization endpoint at the edge: the request read from the query (or the consent
//! form), `ops::oidc::authorize::decide`, and what it decided rendered: a redirect, the
//! consent page, or a page that says what is wrong.

use super::page;
use super::page::{failed, origin_of};
use crate::api::routes::Routes;
use crate::auth;
use crate::ops::oidc::authorize::{self, Answer, Next, Refused, Request};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

pub fn configure(routes: &mut Routes) {
    routes.resource(|r| {
        r.to(__path_authorize, authorize)
            .to(__path_authorize_form, authorize_form);
    });
}

/// The request as hidden form fields, so that the consent form carries it along.
fn carried(request: &Request) -> Vec<(&'static str, String)> {
    let fields = [
        ("response_type", &request.response_type),
        ("client_id", &request.client_id),
        ("redirect_uri", &request.redirect_uri),
        ("scope", &request.scope),
        ("state", &request.state),
        ("nonce", &request.nonce),
        ("code_challenge", &request.code_challenge),
        ("code_challenge_method", &request.code_challenge_method),
        ("max_age", &request.max_age),
        ("auth_after", &request.auth_after),
    ];
    fields
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
        .collect()
}

/// The authorization request to come back to after a sign-in. `prompt=login` and `max_age`
/// are replaced by `auth_after`, so that the sign-in just made satisfies them and the person
/// is not sent round again.
fn come_back_to(request: &Request, auth_after: i64) -> String {
    let mut back = request.clone();
    back.max_age = None;
    back.auth_after = (auth_after > 0).then(|| auth_after.to_string());
    let mut pairs = carried(&back);
    if let Some(prompt) = request.prompt.as_deref().filter(|p| !p.contains("login")) {
        pairs.push(("prompt", prompt.to_string()));
    }
    format!(
        "/oauth/authorize?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

fn render(banner: &str, request: &Request, next: Next) -> HttpResponse {
    let redirect_origin = request.redirect_uri.as_deref().and_then(origin_of);
    match next {
        Next::SignIn { auth_after } => {
            super::sign_in::form(banner, &come_back_to(request, auth_after), None)
        }
        Next::Consent(screen) => {
            let mut fields = carried(request);
            fields.push(("csrf_token", screen.csrf_token.clone()));
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            page::consent(
                &screen.client_name,
                &screen.person,
                &screen.scopes,
                &page::hidden(&pairs),
                redirect_origin.as_deref(),
            )
        }
        Next::Redirect(to) => page::see_other(&to),
    }
}

async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: Request,
    answer: Option<Answer>,
) -> HttpResponse {
    let session = auth::browser_session(&req, &state.env.config);
    let source = auth::client_address(&req, &state.env.config.lockout.trusted_proxies);
    let asked = request.clone();
    let decided = state
        .run(move |conn, env| {
            Ok(authorize::decide(
                conn,
                env,
                &asked,
                session.as_deref(),
                answer,
                &source,
            ))
        })
        .await;
    match decided {
        Ok(Ok(next)) => render(&state.env.config.ui.banner, &request, next),
        Ok(Err(Refused::Page(message))) => page::error(StatusCode::BAD_REQUEST, &message),
        Ok(Err(Refused::Failed(e))) | Err(e) => failed(&state, e),
    }
}

/// The authorization endpoint (response_type `code`, PKCE S256 required). Signed in, the
/// person goes on (through the consent screen on an application's first use); otherwise they
/// sign in on Gatehouse's page and come back. Errors before the client and redirect URI are
/// known are shown here, never redirected.
#[utoipa::path(
    get,
    path = "/oauth/authorize",
    operation_id = "authorize",
    tag = "oidc",
    security(()),
    params(
        ("response_type" = Option<String>, Query, description = "`code`"),
        ("client_id" = Option<String>, Query, description = "The application's client id"),
        ("redirect_uri" = Option<String>, Query, description = "One of the application's registered redirect URIs, exactly"),
        ("scope" = Option<String>, Query, description = "`openid` and any of `profile`, `email`, `gatehouse`"),
        ("state" = Option<String>, Query, description = "Returned as it came"),
        ("nonce" = Option<String>, Query, description = "Put in the ID token"),
        ("code_challenge" = Option<String>, Query, description = "PKCE: base64url SHA-256 of the verifier"),
        ("code_challenge_method" = Option<String>, Query, description = "`S256`"),
        ("prompt" = Option<String>, Query, description = "`none`, `login`, `consent`"),
        ("max_age" = Option<String>, Query, description = "Seconds since the last sign-in at most"),
    ),
    responses(
        (status = 200, description = "The sign-in page (nobody is signed in; it comes back here), or the consent screen", content_type = "text/html", body = String),
        (status = 303, description = "Back to the application with a code or an error"),
        (status = 400, description = "An unknown client or redirect URI: a page that says so", content_type = "text/html", body = String),
        (status = 503, description = "The database refuses writes (a replica)", content_type = "text/html", body = String),
    )
)]
async fn authorize(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    match serde_urlencoded::from_str::<Request>(req.query_string()) {
        Ok(request) => decide(state, req, request, None).await,
        Err(e) => page::error(
            StatusCode::BAD_REQUEST,
            &format!("The authorization request does not parse: {e}."),
        ),
    }
}

/// The consent form's answer, with the request it carries.
#[derive(Deserialize, utoipa::ToSchema)]
struct ConsentForm {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    request: Request,
    /// `allow` or `deny`.
    decision: Option<String>,
    /// The session's CSRF token, which the consent screen put in the form.
    csrf_token: Option<String>,
}

/// The consent screen's answer.
#[utoipa::path(
    post,
    path = "/oauth/authorize",
    operation_id = "authorize_consent",
    tag = "oidc",
    security(()),
    request_body(content = ConsentForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Back to the application with a code or an error"),
        (status = 400, description = "The form is not Gatehouse's, or the request is wrong", content_type = "text/html", body = String),
        (status = 503, description = "The database refuses writes (a replica)", content_type = "text/html", body = String),
    )
)]
async fn authorize_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let form = match serde_urlencoded::from_bytes::<ConsentForm>(&body) {
        Ok(form) => form,
        Err(e) => {
            let message = format!("The consent form does not parse: {e}.");
            return page::error(StatusCode::BAD_REQUEST, &message);
        }
    };
    let answer = Answer {
        approve: form.decision.as_deref() == Some("allow"),
        csrf_token: form.csrf_token.unwrap_or_default(),
    };
    decide(state, req, form.request, Some(answer)).await
}
