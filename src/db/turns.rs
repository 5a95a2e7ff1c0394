//! One writer at a time per database file, queued in this process.
//!
//! SQLite lets one connection write at a time; the others wait in its busy handler, which
//! sleeps (1, 2, 5, 10 ... 100 ms) and retries. Under a burst of writes most of the time
//! went to those sleeps (p99 of a PATCH near a second, at a fifth of what the disk allows).
//! Writers of this process therefore take a turn here first and are woken the moment the
//! writer before them finishes. Other processes (the CLI) still meet SQLite's busy timeout.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock};

#[derive(Default)]
struct Turnstile {
    taken: Mutex<bool>,
    freed: Condvar,
}

/// A writer's turn on one database file: held while its transaction lives.
pub struct Turn {
    turnstile: Arc<Turnstile>,
}

impl Turn {
    /// Waits for, and takes, the turn to write `file` (the connection's path; an in-memory
    /// database has none and its own turnstile under the empty name).
    pub fn take(file: &str) -> Turn {
        let turnstile = turnstile_of(file);
        let mut taken = turnstile.taken.lock().unwrap_or_else(|p| p.into_inner());
        while *taken {
            taken = turnstile
                .freed
                .wait(taken)
                .unwrap_or_else(|p| p.into_inner());
        }
        *taken = true;
        drop(taken);
        Turn { turnstile }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut taken = self
            .turnstile
            .taken
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *taken = false;
        self.turnstile.freed.notify_one();
    }
}

fn turnstile_of(file: &str) -> Arc<Turnstile> {
    static ALL: OnceLock<Mutex<HashMap<String, Arc<Turnstile>>>> = OnceLock::new();
    let mut all = ALL
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    all.entry(file.to_string()).or_default().clone()
}

#[cfg(test)]
mod tests {
    use super::Turn;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn writers_of_one_file_take_turns_and_other_files_do_not_wait() {
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (inside, most) = (inside.clone(), most.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let _turn = Turn::take("/tmp/turns-test.db");
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        let _one = Turn::take("/tmp/turns-a.db");
        let _other = Turn::take("/tmp/turns-b.db");
    }
}
