//! What every request can reach: the connection pool and the operations' environment, and the
//! one door onto the blocking thread pool.

use crate::clock::Clock;
use crate::config::{Config, Mode};
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
        let pool = db::open_configured(&config.database)?;
        match config.database.mode {
            // A replica never writes, migrations least of all: the primary migrates the file.
            Mode::Replica => db::replica::refuse_newer(&*pool.get()?)?,
            Mode::Primary => {
                db::migrate(&mut *pool.get()?)?;
            }
        }
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
            let result = crate::request_id::on_this_thread(request_id, || match env.replica() {
                true => read_replica(&mut conn, &env, work),
                false => work(&mut conn, &env),
            });
            // Written (committed or not): callers known from before may have changed.
            if conn.total_changes() != changes {
                env.known.moved_on();
            }
            match &result {
                Err(Error::Unavailable(fault)) => env.health.write_failed(*fault),
                Ok(_) if conn.total_changes() != changes || env.replica() => {
                    env.health.write_succeeded()
                }
                _ => {}
            }
            result
        })
        .await;
        let primary = &self.env.config.replica.primary_url;
        result
            .map_err(Error::from)
            .and_then(|r| r)
            .map_err(|e| e.naming_primary(primary).logged())
    }

    /// Runs `work` on the writing thread, in a transaction shared with the other writes
    /// waiting then (see `batch`); answers once that transaction is committed. For small
    /// writes that are many: `work` must not hash passwords or wait on anything.
    pub async fn write<T, F>(&self, work: F) -> Result<T, Error>
    where
        F: FnOnce(&Connection, &Env) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        if self.env.replica() {
            let primary = self.env.config.replica.primary_url.clone();
            return Err(Error::ReadOnlyReplica(primary));
        }
        self.batches.write(work).await.map_err(Error::logged)
    }
}

/// Runs `work` on a replica: from an empty page cache, inside one read transaction (see
/// `db::replica`).
fn read_replica<T>(
    conn: &mut Connection,
    env: &Env,
    work: impl FnOnce(&mut Connection, &Env) -> Result<T, Error>,
) -> Result<T, Error> {
    db::replica::begin_read(conn)?;
    let result = work(conn, env);
    db::replica::end_read(conn);
    result
}
