//! Refusals of the token endpoints in RFC 6749 section 5.2's shape, with the headers a client
//! needs.

use crate::error::Error;
use crate::ops::tokens::GrantError;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// RFC 6749 section 5.2's error.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct OAuthError {
    error: &'static str,
    error_description: String,
}

pub(super) fn no_store(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    response
}

fn oauth_error(
    status: StatusCode,
    error: &'static str,
    description: impl Into<String>,
) -> HttpResponse {
    no_store(status).json(OAuthError {
        error,
        error_description: description.into(),
    })
}

/// A refusal in RFC 6749 section 5.2's shape, so that the token endpoints end with `?`.
#[derive(Debug)]
pub(super) struct OAuthRefusal(GrantError);

impl From<GrantError> for OAuthRefusal {
    fn from(e: GrantError) -> OAuthRefusal {
        OAuthRefusal(e)
    }
}

impl From<Error> for OAuthRefusal {
    fn from(e: Error) -> OAuthRefusal {
        OAuthRefusal(GrantError::Internal(e))
    }
}

impl std::fmt::Display for OAuthRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl ResponseError for OAuthRefusal {
    fn status_code(&self) -> StatusCode {
        self.error_response().status()
    }

    fn error_response(&self) -> HttpResponse {
        refusal(&self.0)
    }
}

/// The answer to a refused grant: the RFC's error code, a description, and the headers a
/// client needs (a Basic challenge for a bad client, `Retry-After` when throttled).
// long: one arm per error of RFC 6749 section 5.2.
fn refusal(e: &GrantError) -> HttpResponse {
    match e {
        GrantError::InvalidRequest(m) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_request", m.clone())
        }
        GrantError::InvalidClient => {
            let mut response = oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "the client id or secret is wrong",
            );
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"gatehouse\""),
            );
            response
        }
        GrantError::InvalidGrant(m) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", m.clone())
        }
        GrantError::UnsupportedGrantType(m) => {
            oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", m.clone())
        }
        GrantError::Throttled(wait) => {
            let mut response = oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "slow_down",
                format!("too many failures; retry in {wait} seconds"),
            );
            with_retry_after(&mut response, Some(*wait));
            response
        }
        GrantError::Internal(e @ (Error::Unavailable(_) | Error::ReadOnlyReplica(_))) => {
            let status = StatusCode::SERVICE_UNAVAILABLE;
            let mut response = oauth_error(status, "temporarily_unavailable", e.public_message());
            with_retry_after(&mut response, e.retry_after());
            response
        }
        GrantError::Internal(e) => {
            e.clone().logged();
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal error; the server log has the details",
            )
        }
    }
}

fn with_retry_after(response: &mut HttpResponse, seconds: Option<u64>) {
    if let Some(seconds) = seconds {
        let value = header::HeaderValue::from(seconds);
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
}
