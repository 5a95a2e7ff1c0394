//! `GET /metrics`: the Prometheus text format, behind `[metrics]`'s access rule.

use super::ApiError;
use crate::error::Error;
use crate::ops::scrape;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/metrics", web::get().to(metrics));
}

async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let peer = req.peer_addr().map(|a| a.ip());
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    scrape::may_scrape(&state.env.config.metrics, peer, bearer)?;
    // The figures matter most when the database is in trouble: a failed count leaves the last
    // one standing and the scrape goes on.
    if let Err(e) = state.run(|conn, env| scrape::tally(conn, env)).await {
        log::warn!("metrics: cannot count what is stored: {e}");
    }
    let text = crate::metrics::render()
        .ok_or_else(|| Error::Internal("the metrics recorder is not installed".into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
