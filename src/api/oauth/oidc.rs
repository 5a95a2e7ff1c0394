//! OpenID Connect at the edge: discovery, the JWKS, the authorization endpoint with its
//! pages, userinfo and RP-initiated logout. Each handler reads its wire format and renders
//! what `ops::oidc` decided.

use super::page;
use super::refusal::no_store;
use crate::api::extract::Caller;
use crate::api::refusal::{ApiError, Refusals};
use crate::api::routes::Routes;
use crate::auth;
use crate::error::Error;
use crate::ops::oidc::authorize::{self, Answer, Next, Refused, Request};
use crate::ops::oidc::{self as ops, claims::Person, logout};
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_discovery, discovery);
        })
        .resource(|r| {
            r.to(__path_jwks, jwks);
        })
        .resource(|r| {
            r.to(__path_authorize, authorize)
                .to(__path_authorize_form, authorize_form);
        })
        .resource(|r| {
            r.to(__path_userinfo, userinfo)
                .to(__path_userinfo_post, userinfo_post);
        })
        .resource(|r| {
            r.to(__path_logout, logout)
                .to(__path_logout_form, logout_form);
        });
}

/// OpenID Connect Discovery 1.0's provider metadata.
#[derive(Serialize, utoipa::ToSchema)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    grant_types_supported: [&'static str; 4],
    subject_types_supported: [&'static str; 1],
    id_token_signing_alg_values_supported: [&'static str; 3],
    token_endpoint_auth_methods_supported: [&'static str; 3],
    code_challenge_methods_supported: [&'static str; 1],
    scopes_supported: [&'static str; 4],
    claims_supported: [&'static str; 16],
    prompt_values_supported: [&'static str; 4],
    authorization_response_iss_parameter_supported: bool,
    request_parameter_supported: bool,
}

/// Where everything is and what is supported (OpenID Connect Discovery 1.0).
#[utoipa::path(
    get,
    path = "/.well-known/openid-configuration",
    operation_id = "openid_configuration",
    tag = "oidc",
    security(()),
    responses((status = 200, description = "The provider's metadata", body = Discovery))
)]
async fn discovery(state: web::Data<AppState>) -> HttpResponse {
    let issuer = ops::issuer(&state.env);
    let at = |path: &str| format!("{issuer}{path}");
    HttpResponse::Ok().json(Discovery {
        authorization_endpoint: at("/oauth/authorize"),
        token_endpoint: at("/oauth/token"),
        userinfo_endpoint: at("/oauth/userinfo"),
        jwks_uri: at("/oauth/jwks"),
        end_session_endpoint: at("/oauth/logout"),
        revocation_endpoint: at("/oauth/revoke"),
        introspection_endpoint: at("/oauth/introspect"),
        issuer,
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "password",
        ],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256", "ES256", "EdDSA"],
        token_endpoint_auth_methods_supported: [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        code_challenge_methods_supported: ["S256"],
        scopes_supported: crate::domain::oidc::SCOPES,
        claims_supported: ops::claims::SUPPORTED,
        prompt_values_supported: ["none", "login", "consent", "select_account"],
        authorization_response_iss_parameter_supported: true,
        request_parameter_supported: false,
    })
}

/// A JSON Web Key Set (RFC 7517): the public keys only.
#[derive(Serialize, utoipa::ToSchema)]
struct Jwks {
    #[schema(value_type = Vec<Object>)]
    keys: Vec<jsonwebtoken::jwk::Jwk>,
}

/// The public keys that ID tokens and JWT access tokens are signed with, including rotated
/// keys whose tokens may still be alive.
#[utoipa::path(
    get,
    path = "/oauth/jwks",
    operation_id = "jwks",
    tag = "oidc",
    security(()),
    responses((status = 200, description = "The public keys", body = Jwks), Refusals)
)]
async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state
        .run(|conn, env| ops::keys::published(conn, env))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(Jwks { keys }))
}

/// The browser session's cookie secret: the admin page's cookie, or the one kept for
/// applications' redirects (SameSite=Lax, sent when another site sends the person here).
fn session_secret(state: &AppState, req: &HttpRequest) -> Option<String> {
    let tls = crate::auth::origin::secure_cookies(&state.env.config);
    req.cookie(auth::session_cookie_name(tls))
        .or_else(|| req.cookie(auth::sso_cookie_name(tls)))
        .map(|c| c.value().to_string())
}

/// The page for an operation that failed: 503 with its reason when the database refuses
/// (a replica names its primary), a generic 500 otherwise (logged).
fn failed(state: &AppState, e: Error) -> HttpResponse {
    let e = e
        .naming_primary(&state.env.config.replica.primary_url)
        .logged();
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    page::error(status, &e.public_message())
}

/// The origin of a URI, for the pages' form-action policy.
fn origin_of(uri: &str) -> Option<String> {
    let parsed: actix_web::http::Uri = uri.parse().ok()?;
    Some(format!(
        "{}://{}",
        parsed.scheme_str()?,
        parsed.authority()?
    ))
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

/// Where the person signs in before coming back: the admin page, told to continue here.
/// `prompt=login` and `max_age` are replaced by `auth_after`, so that the sign-in just made
/// satisfies them and the person is not sent round again.
fn sign_in_first(request: &Request, auth_after: i64) -> HttpResponse {
    let mut back = request.clone();
    back.max_age = None;
    back.auth_after = (auth_after > 0).then(|| auth_after.to_string());
    let mut pairs = carried(&back);
    if let Some(prompt) = request.prompt.as_deref().filter(|p| !p.contains("login")) {
        pairs.push(("prompt", prompt.to_string()));
    }
    let next = format!(
        "/oauth/authorize?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    );
    let mut to = vec![("next", next)];
    if auth_after > 0 {
        to.push(("reauth", "1".to_string()));
    }
    let location = format!("/?{}", serde_urlencoded::to_string(&to).unwrap_or_default());
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn render(request: &Request, next: Next) -> HttpResponse {
    let redirect_origin = request.redirect_uri.as_deref().and_then(origin_of);
    match next {
        Next::SignIn { auth_after } => sign_in_first(request, auth_after),
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
        Next::Redirect(to) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
    }
}

async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: Request,
    answer: Option<Answer>,
) -> HttpResponse {
    let session = session_secret(&state, &req);
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
        Ok(Ok(next)) => render(&request, next),
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
        (status = 200, description = "The consent screen", content_type = "text/html", body = String),
        (status = 302, description = "To the sign-in page, which comes back here"),
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

/// Whether the request body is a form.
fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
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

/// The claims the access token's scope allows (OpenID Connect Core section 5.3). GET or POST,
/// with the access token as `Authorization: Bearer`.
#[utoipa::path(
    get,
    path = "/oauth/userinfo",
    operation_id = "userinfo",
    tag = "oidc",
    responses((status = 200, description = "The person's claims", body = Person), Refusals)
)]
async fn userinfo(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    claims_of(state, caller).await
}

/// The same, asked with POST (OpenID Connect Core section 5.3.1 allows both).
#[utoipa::path(
    post,
    path = "/oauth/userinfo",
    operation_id = "userinfo_post",
    tag = "oidc",
    responses((status = 200, description = "The person's claims", body = Person), Refusals)
)]
async fn userinfo_post(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    claims_of(state, caller).await
}

async fn claims_of(
    state: web::Data<AppState>,
    Caller(caller, _): Caller,
) -> Result<HttpResponse, ApiError> {
    let person = state
        .run(move |conn, _| ops::userinfo(conn, &caller))
        .await?;
    Ok(no_store(StatusCode::OK).json(person))
}

async fn end_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    request: logout::Request,
    confirmed: Option<String>,
) -> HttpResponse {
    let session = session_secret(&state, &req);
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
        Some(to) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
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
