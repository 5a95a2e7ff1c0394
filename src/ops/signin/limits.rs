//! What limits password checks before bcrypt runs: the per-address throttle, which counts
//! the checks under way with the failures, and one check per account at a time.

use crate::ops::Env;
use std::collections::HashMap;
use std::sync::Mutex;

/// Failed sign-ins per client address within a fixed window, with the checks under way
/// counted too, so that a parallel burst cannot overrun the limit before any of it fails.
pub struct Throttle {
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: i64,
    failures: u32,
    /// Password checks reserved and not finished yet.
    in_flight: u32,
}

const MAX_TRACKED_ADDRESSES: usize = 100_000;

/// A reserved place for one password check from an address; dropping it frees the place,
/// `failed` turns it into a failure of the window.
pub struct Ticket<'a> {
    throttle: &'a Throttle,
    address: String,
}

impl Ticket<'_> {
    pub fn failed(self, env: &Env) {
        self.throttle.failed(env, &self.address);
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if let Ok(mut windows) = self.throttle.windows.lock() {
            if let Some(w) = windows.get_mut(&self.address) {
                w.in_flight = w.in_flight.saturating_sub(1);
            }
        }
    }
}

impl Throttle {
    pub fn new() -> Throttle {
        Throttle {
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// The window of `address` as of `now`, started afresh once it has passed.
    fn current<'m>(
        windows: &'m mut HashMap<String, Window>,
        env: &Env,
        address: &str,
        now: i64,
    ) -> &'m mut Window {
        let span = env.config.lockout.address_window.0.as_secs() as i64;
        if windows.len() >= MAX_TRACKED_ADDRESSES {
            windows.retain(|_, w| now < w.start + span || w.in_flight > 0);
        }
        let w = windows.entry(address.to_string()).or_insert(Window {
            start: now,
            failures: 0,
            in_flight: 0,
        });
        if now >= w.start + span {
            w.start = now;
            w.failures = 0;
        }
        w
    }

    fn wait(env: &Env, w: &Window, now: i64) -> u64 {
        let span = env.config.lockout.address_window.0.as_secs() as i64;
        (w.start + span - now).max(1) as u64
    }

    /// Seconds to wait when `address` is over its limit, else None.
    pub fn blocked(&self, env: &Env, address: &str) -> Option<u64> {
        let now = env.clock.now().unix_timestamp();
        let mut windows = self.windows.lock().ok()?;
        let w = *Self::current(&mut windows, env, address, now);
        (w.failures + w.in_flight >= env.config.lockout.address_max_failures)
            .then(|| Self::wait(env, &w, now))
    }

    /// Reserves one password check for `address`, or says how long to wait. Checking and
    /// reserving are one step under the lock, so that at most the limit get past at once.
    pub fn reserve(&self, env: &Env, address: &str) -> Result<Ticket<'_>, u64> {
        let now = env.clock.now().unix_timestamp();
        let Ok(mut windows) = self.windows.lock() else {
            return Err(1);
        };
        let w = Self::current(&mut windows, env, address, now);
        if w.failures + w.in_flight >= env.config.lockout.address_max_failures {
            return Err(Self::wait(env, w, now));
        }
        w.in_flight += 1;
        Ok(Ticket {
            throttle: self,
            address: address.to_string(),
        })
    }

    pub fn failed(&self, env: &Env, address: &str) {
        let now = env.clock.now().unix_timestamp();
        let Ok(mut windows) = self.windows.lock() else {
            return;
        };
        Self::current(&mut windows, env, address, now).failures += 1;
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle::new()
    }
}

/// Turns at checking one account's password: a name can be held by one check at a time.
#[derive(Default)]
pub struct Turns {
    held: Mutex<std::collections::HashSet<String>>,
    freed: std::sync::Condvar,
}

/// A held turn; dropping it lets the next waiting check of the same account go.
pub struct Turn<'a> {
    turns: &'a Turns,
    key: String,
}

impl Turns {
    /// Waits until no other check of `key` is under way, then holds the turn.
    pub fn take(&self, key: &str) -> Turn<'_> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        while held.contains(key) {
            held = self.freed.wait(held).unwrap_or_else(|e| e.into_inner());
        }
        held.insert(key.to_string());
        Turn {
            turns: self,
            key: key.to_string(),
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut held = self.turns.held.lock().unwrap_or_else(|e| e.into_inner());
        held.remove(&self.key);
        self.turns.freed.notify_all();
    }
}
