//! The application: the routes of every API mounted on one app, and the HTTP server.

use crate::api::routes::{Described, Routes};
use crate::config::{Checkpoint, Config, Mode};
use crate::db;
use crate::error::Error;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, DefaultHeaders, Next};
use actix_web::{web, App, HttpServer, ResponseError};
use std::net::TcpListener;

/// Mounts every API on an app; used by the server and by in-process tests alike. The native
/// API, OAuth2 and `/health` are mounted through `Routes`, which gathers their descriptions
/// into the OpenAPI document (served at `/api/v1/openapi.json`).
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let limit = state.env.config.server.body_limit;
        let dialects = state.env.config.dialects.clone();
        let modules = state.env.config.modules.catalogue.clone();
        let mut described = Described::default();
        let mut routes = Routes::new(cfg, &mut described);
        routes
            .app_data(web::Data::new(state))
            .app_data(web::PayloadConfig::new(limit))
            .app_data(crate::api::extract::query_config());
        crate::api::v1::configure(&mut routes);
        crate::api::oauth::configure(&mut routes);
        crate::api::dialects(&dialects)(&mut routes);
        routes
            .undocumented(crate::api::scim::configure)
            .undocumented(crate::api::prometheus::configure)
            .undocumented(crate::web::configure);
        cfg.app_data(web::Data::new(crate::api::openapi::document_of(
            described, &modules,
        )));
    }
}

/// The whole application as the server runs it: every API, the headers every response
/// carries, the cross-site check and the request log. In-process tests use the same.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    crate::metrics::install();
    let mut headers = security_headers();
    if state.env.config.tls.enabled() {
        headers = headers.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ));
    }
    App::new()
        .wrap(from_fn(refuse_cross_site))
        .wrap(headers)
        .wrap_fn(crate::logging::log_request)
        .configure(configure(state))
}

/// Refuses, before any handler runs, a state-changing request that a browser sent from a page
/// of another site, whatever credential it carries.
async fn refuse_cross_site(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let refused = match req.app_data::<web::Data<AppState>>() {
        Some(state) => crate::auth::origin::refuse_cross_site(req.request(), &state.env.config),
        None => Err(Error::Internal(
            "application state is not configured".into(),
        )),
    };
    if let Err(e) = refused {
        let response = crate::api::refusal::ApiError::new(e.logged()).error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Headers every response carries.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        // Answers of every API may carry secrets (temporary passwords, keys, tokens) or
        // personal data: never stored by a cache. The page's own files set their own.
        .add(("Cache-Control", "no-store"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
                .add(("X-Frame-Options", "DENY"))
        // The admin page needs nothing but its own files: no inline script, no eval.
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ))
}

/// Serves on `listener` until stopped: HTTPS when `[tls]` is configured, else plain HTTP.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let config = state.env.config.clone();
    let tls = match config.tls.enabled() {
        true => Some(tls_config(&config).map_err(std::io::Error::other)?),
        false => None,
    };
    start_background(&state);
    if let Ok(address) = listener.local_addr() {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let _ = state.env.listening.set(format!("{scheme}://{address}"));
    }
    let workers = match config.server.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    // More threads for blocking work than connections in the pool would only wait for one
    // (each holding its stack and its allocator's leftovers): a worker gets its share.
    let pool = config.database.pool_size as usize;
    let server = HttpServer::new(move || app(state.clone()))
        .workers(workers)
        .worker_max_blocking_threads(pool.div_ceil(workers).max(2));
    match tls {
        Some(tls) => server.listen_rustls_0_23(listener, tls)?.run().await,
        None => server.listen(listener)?.run().await,
    }
}

/// Reads the PEM certificate chain and key named in `[tls]`.
fn tls_config(config: &Config) -> Result<rustls::ServerConfig, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (Some(cert_file), Some(key_file)) = (&config.tls.cert_file, &config.tls.key_file) else {
        return Err("tls: set both cert_file and key_file".into());
    };
    let certs = CertificateDer::pem_file_iter(cert_file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("tls.cert_file {}: {e}", cert_file.display()))?;
    let key = PrivateKeyDer::from_pem_file(key_file)
        .map_err(|e| format!("tls.key_file {}: {e}", key_file.display()))?;
    rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
    .map_err(|e| format!("tls: {e}"))
}

/// The primary's background work; a replica's file is written by Litestream alone.
fn start_background(state: &AppState) {
    let database = &state.env.config.database;
    if database.mode == Mode::Replica {
        return;
    }
    start_housekeeping(state.clone());
    if database.checkpoint == Checkpoint::Gatehouse {
        start_checkpoints(state.clone());
    }
    start_heartbeat(state.clone());
}

/// How often the primary records its clock while Litestream replicates the file.
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// While Litestream replicates the database (its state directory is beside the file), writes
/// the primary's clock every second, so that a replica can say how stale it is even when
/// nothing else changes. Without Litestream, nothing is written.
fn start_heartbeat(state: AppState) {
    std::thread::spawn(move || loop {
        std::thread::sleep(HEARTBEAT_EVERY);
        if !crate::litestream::replicates(&state.env.config.database.path) {
            continue;
        }
        let beat = state
            .pool
            .get()
            .map_err(Error::from)
            .and_then(|mut conn| crate::ops::replication::beat(&mut conn, &state.env));
        match beat {
            Ok(()) => state.env.health.write_succeeded(),
            Err(Error::Unavailable(fault)) => state.env.health.write_failed(fault),
            Err(e) => log::warn!("heartbeat: {e}"),
        }
    });
}

/// How often the write-ahead log is copied into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Copies the write-ahead log into the database file in the background, a quarter of a second
/// apart, so that the log stays below SQLite's automatic checkpoint (1,000 pages): otherwise
/// the write that crosses it copies the whole log and fsyncs the database file while every
/// other writer waits (the long tail of durable writes). PASSIVE: it never waits for, or
/// holds up, a reader or a writer.
fn start_checkpoints(state: AppState) {
    std::thread::spawn(move || loop {
        std::thread::sleep(CHECKPOINT_EVERY);
        let done = state.pool.get().map_err(Error::from).and_then(|conn| {
            let sql = "PRAGMA wal_checkpoint(PASSIVE)";
            Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))?)
        });
        match done {
            Ok(_) => {}
            // A full disk or a read-only file system stops the checkpoints too: said once a
            // minute with the writes, not four times a second.
            Err(Error::Unavailable(fault)) => state.env.health.write_failed(fault),
            Err(e) => log::warn!("checkpoint: {e}"),
        }
    });
}

/// Once at start and then daily: prune the audit trail to its retention and drop expired
/// tokens. Failures are logged and retried the next day.
fn start_housekeeping(state: AppState) {
    std::thread::spawn(move || loop {
        let result = state.pool.get().map_err(Error::from).and_then(|mut conn| {
            let removed = crate::ops::audit::prune(&mut conn, &state.env)?;
            let now = state.env.clock.now_text();
            let expired = db::tokens::delete_expired_tokens(&conn, &now)?
                + crate::ops::oidc::forget_expired_codes(&conn, &state.env)?;
            Ok((removed, expired))
        });
        match result {
            Ok((removed, expired)) if removed + expired as i64 > 0 => {
                log::info!("housekeeping: {removed} audit rows past retention and {expired} expired tokens and codes removed")
            }
            Ok(_) => {}
            Err(e) => log::error!("housekeeping failed: {e}"),
        }
        std::thread::sleep(std::time::Duration::from_secs(24 * 3600));
    });
}
