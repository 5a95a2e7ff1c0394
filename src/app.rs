//! The application: shared state, the routes of every API, and the HTTP server.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, Pool};
use crate::error::Error;
use crate::ops::Env;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, App, HttpServer};
use rusqlite::Connection;
use std::net::TcpListener;
use std::sync::Arc;

/// What every request can reach: the pool and the operations' environment.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub env: Arc<Env>,
}

impl AppState {
    /// Opens (creating and migrating) the database named by the configuration.
    pub fn open(config: Config, clock: Clock) -> Result<AppState, Error> {
        let pool = db::open(
            &config.database.path,
            config.database.pool_size,
            config.database.busy_timeout.0,
        )?;
        db::migrate(&mut *pool.get()?)?;
        let env = Env::new(config, clock)?;
        Ok(AppState {
            pool,
            env: Arc::new(env),
        })
    }

    /// Runs `work` with a pooled connection on the blocking thread pool, never on an async
    /// worker: SQLite and bcrypt both block.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Error>
    where
        F: FnOnce(&mut Connection, &Env) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let env = self.env.clone();
        let result = web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn, &env)
        })
        .await;
        result
            .map_err(Error::from)
            .and_then(|r| r)
            .map_err(Error::logged)
    }
}

/// Mounts every API on an app; used by the server and by in-process tests alike.
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        let limit = state.env.config.server.body_limit;
        cfg.app_data(web::Data::new(state))
            .app_data(web::PayloadConfig::new(limit))
            .app_data(crate::api::query_config())
            .configure(crate::api::v1::configure)
            .configure(crate::api::oauth::configure);
    }
}

/// Headers every response carries.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
}

/// Serves on `listener` until stopped.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let workers = state.env.config.server.workers;
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(security_headers())
            .wrap_fn(crate::logging::log_request)
            .configure(configure(state.clone()))
    })
    .listen(listener)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    server.run().await
}
