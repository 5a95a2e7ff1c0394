//! Writes gathered into shared transactions (group commit).
//!
//! A durable commit costs an fsync and a turn at the write lock, and small writes (a token
//! issued to a service) spent most of their time waiting for both. Writes sent here queue to
//! one thread, which runs as many as are waiting (up to `MOST`) in one IMMEDIATE transaction,
//! each in a savepoint of its own, commits once, and only then answers each of them: an
//! acknowledged write has reached the disk as before, and a write that fails is rolled back
//! to its savepoint without touching the others.

use crate::db::{self, Pool};
use crate::error::Error;
use crate::ops::Env;
use rusqlite::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::oneshot;

/// The most writes one transaction takes.
const MOST: usize = 64;

/// A write waiting for its transaction: it runs, then hears how the commit went.
trait Job: Send {
    /// Runs inside the shared transaction; true when its changes are to be kept.
    fn run(&mut self, tx: &Connection, env: &Env) -> bool;
    /// The commit's outcome (or why the transaction never began).
    fn answer(self: Box<Self>, committed: Result<(), Error>);
}

struct Pending<F, T> {
    work: Option<F>,
    /// The request the write is for, for its audit rows.
    request_id: Option<crate::request_id::RequestId>,
    outcome: Option<Result<T, Error>>,
    reply: oneshot::Sender<Result<T, Error>>,
}

impl<F, T> Job for Pending<F, T>
where
    F: FnOnce(&Connection, &Env) -> Result<T, Error> + Send,
    T: Send,
{
    fn run(&mut self, tx: &Connection, env: &Env) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let request_id = self.request_id.clone();
        let run = || crate::request_id::on_this_thread(request_id, || work(tx, env));
        let outcome = catch_unwind(AssertUnwindSafe(run))
            .unwrap_or_else(|_| Err(Error::Internal("a write panicked".into())));
        let keep = outcome.is_ok();
        self.outcome = Some(outcome);
        keep
    }

    fn answer(self: Box<Self>, committed: Result<(), Error>) {
        // A write that failed says why, whatever became of the others.
        let answer = match self.outcome {
            Some(Err(own)) => Err(own),
            Some(Ok(value)) => committed.map(|()| value),
            None => committed.and(Err(Error::Internal("a write was never run".into()))),
        };
        // The request may have gone (its client hung up); nobody is left to tell.
        let _ = self.reply.send(answer);
    }
}

/// The queue to the writing thread.
#[derive(Clone)]
pub struct Batches {
    queue: mpsc::Sender<Box<dyn Job>>,
}

impl Batches {
    /// Starts the writing thread on connections from `pool`.
    pub fn start(pool: Pool, env: Arc<Env>) -> Batches {
        let (queue, waiting) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("gatehouse-writer".into())
            .spawn(move || write_batches(&pool, &env, &waiting))
            .map(|_| ())
            .unwrap_or_else(|e| log::error!("cannot start the writing thread: {e}"));
        Batches { queue }
    }

    /// Runs `work` in the next shared transaction and answers once it is committed.
    pub async fn write<T, F>(&self, work: F) -> Result<T, Error>
    where
        F: FnOnce(&Connection, &Env) -> Result<T, Error> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Pending {
            work: Some(work),
            request_id: crate::request_id::current(),
            outcome: None,
            reply,
        };
        self.queue
            .send(Box::new(job))
            .map_err(|_| Error::Internal("the writing thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the writing thread dropped a write".into()))?
    }
}

fn write_batches(pool: &Pool, env: &Env, waiting: &mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = waiting.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MOST {
            match waiting.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let committed = pool
            .get()
            .map_err(Error::from)
            .and_then(|mut conn| commit_together(&mut conn, env, &mut jobs));
        match &committed {
            Ok(()) => env.health.write_succeeded(),
            // Said once a minute, however many writes it refuses.
            Err(Error::Unavailable(fault)) => env.health.write_failed(*fault),
            Err(e) => log::error!("a batch of {} writes failed: {e}", jobs.len()),
        }
        for job in jobs {
            job.answer(committed.clone());
        }
    }
}

/// Runs each job in a savepoint of one transaction and commits it.
fn commit_together(
    conn: &mut Connection,
    env: &Env,
    jobs: &mut [Box<dyn Job>],
) -> Result<(), Error> {
    let changes = conn.total_changes();
    let tx = db::write(conn)?;
    for job in jobs.iter_mut() {
        tx.execute_batch("SAVEPOINT job")?;
        let keep = job.run(&tx, env);
        if !keep {
            tx.execute_batch("ROLLBACK TO job")?;
        }
        tx.execute_batch("RELEASE job")?;
    }
    tx.commit()?;
    if conn.total_changes() != changes {
        env.known.moved_on();
    }
    Ok(())
}
