//! The wire formats, one module each, over the same operations. `extract` holds the
//! extractors they share, `refusal` the one error type each renders in its own shape.

pub mod busroot;
pub mod csv;
pub mod extract;
pub mod fourpointx;
pub mod hoxton;
pub mod import;
pub mod oauth;
pub mod refusal;
pub mod stream;
pub mod v1;

pub use refusal::ApiError;

use actix_web::web;

/// The seed platforms' dialects that the configuration switches on; the others are not
/// mounted, so they answer 404.
pub fn dialects(enabled: &crate::config::Dialects) -> impl FnOnce(&mut web::ServiceConfig) + '_ {
    move |cfg: &mut web::ServiceConfig| {
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
