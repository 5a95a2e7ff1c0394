//! The wire formats, one module each, over the same operations. `extract` holds the
//! extractors they share, `refusal` the one error type each renders in its own shape.

pub mod busroot;
pub mod csv;
pub mod extract;
pub mod fourpointx;
pub mod hoxton;
pub mod import;
pub mod oauth;
pub mod openapi;
pub mod prometheus;
pub mod refusal;
pub mod routes;
pub mod scim;
pub mod stream;
pub mod v1;

pub use refusal::ApiError;

/// The seed platforms' dialects that the configuration switches on; the others are not
/// mounted, so they answer 404.
/// Each is described in a document of its own (`/_config/users/openapi.json`,
/// `/api/admin/openapi.json`, `/users/openapi.json`).
pub fn dialects(enabled: &crate::config::Dialects) -> impl FnOnce(&mut routes::Routes) + '_ {
    move |cfg: &mut routes::Routes| {
        if enabled.fourpointx {
            fourpointx::configure(cfg);
        }
        if enabled.busroot {
            busroot::configure(cfg);
        }
        if enabled.hoxton {
            hoxton::configure(cfg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::refusal::{Native, Refused, Shape};
    use crate::error::{Error, Fault};
    use actix_web::body::MessageBody;
    use actix_web::ResponseError;

    /// Status, Retry-After and body of `error` as the wire format `S` answers it.
    fn answer<S: Shape>(error: Error) -> (u16, Option<String>, String) {
        let response = Refused::<S>::new(error).error_response();
        let retry = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let status = response.status().as_u16();
        let body = response.into_body().try_into_bytes().unwrap_or_default();
        (status, retry, String::from_utf8_lossy(&body).into_owned())
    }

    #[test]
    fn every_wire_format_answers_a_database_fault_with_503_retry_after_and_what_is_wrong() {
        for (fault, says) in [
            (Fault::Full, "the database disk is full"),
            (Fault::ReadOnly, "read-only file system"),
            (Fault::Busy, "busy_timeout"),
        ] {
            let answers = [
                answer::<Native>(Error::Unavailable(fault)),
                answer::<super::busroot::Busroot>(Error::Unavailable(fault)),
                answer::<super::hoxton::Hoxton>(Error::Unavailable(fault)),
                answer::<super::fourpointx::Creating>(Error::Unavailable(fault)),
                answer::<super::fourpointx::Reading>(Error::Unavailable(fault)),
            ];
            for (status, retry, body) in answers {
                assert_eq!(status, 503, "{body}");
                assert!(retry.is_some_and(|s| s.parse::<u64>().is_ok()));
                assert!(body.contains(says), "{body}");
            }
        }
    }
}
