//! What every request can reach: the connection pool and the operations' environment, and the
//! one door onto the blocking thread pool.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{self, Pool};
use crate::error::Error;
use crate::ops::Env;
use actix_web::web;
use rusqlite::Connection;
use std::sync::Arc;

mod batch;

/// What every request can reach: the pool and the operations' environment.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub env: Arc<Env>,
    batches: batch::Batches,
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
        let env = Arc::new(Env::new(config, clock)?);
        Ok(AppState {
            batches: batch::Batches::start(pool.clone(), env.clone()),
            pool,
            env,
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
        let request_id = crate::request_id::current();
        let result = web::block(move || {
            let asked = std::time::Instant::now();
            let mut conn = pool.get()?;
            crate::metrics::pool_wait(asked.elapsed());
            let changes = conn.total_changes();
            let result = crate::request_id::on_this_thread(request_id, || work(&mut conn, &env));
            // Written (committed or not): callers known from before may have changed.
            if conn.total_changes() != changes {
                env.known.moved_on();
            }
            match &result {
                Err(Error::Unavailable(fault)) => env.health.write_failed(*fault),
                Ok(_) if conn.total_changes() != changes => env.health.write_succeeded(),
                _ => {}
            }
            result
        })
        .await;
        result
            .map_err(Error::from)
            .and_then(|r| r)
            .map_err(Error::logged)
    }

    /// Runs `work` on the writing thread, in a transaction shared with the other writes
    /// waiting then (see `batch`); answers once that transaction is committed. For small
    /// writes that are many: `work` must not hash passwords or wait on anything.
    pub async fn write<T, F>(&self, work: F) -> Result<T, Error>
    where
        F: FnOnce(&Connection, &Env) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        self.batches.write(work).await.map_err(Error::logged)
    }
}
