//! The id of the request being served, so that its log lines, its audit rows and its
//! response's `X-Request-Id` all carry the same one and an operator can follow it.
//!
//! The id travels with the request's task (a task-local) and, while a blocking closure runs
//! for it, with that thread (a thread-local): the operations and the database functions need
//! no extra parameter for what is only a label.

use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

pub type RequestId = Arc<str>;

tokio::task_local! {
    static IN_TASK: RequestId;
}

thread_local! {
    static ON_THREAD: RefCell<Option<RequestId>> = const { RefCell::new(None) };
}

/// The longest id accepted from a proxy.
const MOST: usize = 128;

/// The id the request carries when a trusted proxy sent a sound one, else a new one.
pub fn choose(sent: Option<&str>, from_trusted_proxy: bool) -> RequestId {
    match sent {
        Some(id) if from_trusted_proxy && acceptable(id) => Arc::from(id),
        _ => generate(),
    }
}

/// Letters, digits and `-_.:` only, so that an id can neither forge a log line nor carry
/// markup into the admin page.
fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MOST
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// A process-wide random prefix and a counter: unique, and no system call per request.
fn generate() -> RequestId {
    static PREFIX: OnceLock<String> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let prefix = PREFIX.get_or_init(|| {
        crate::secrets::token("", 6).unwrap_or_else(|_| format!("{:x}", std::process::id()))
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    Arc::from(format!("{prefix}-{n:x}"))
}

/// Runs `work` (the rest of the request) with `id` as its request id.
pub async fn scope<F: Future>(id: RequestId, work: F) -> F::Output {
    IN_TASK.scope(id, work).await
}

/// The id of the request this code runs for, if any.
pub fn current() -> Option<RequestId> {
    IN_TASK
        .try_with(RequestId::clone)
        .ok()
        .or_else(|| ON_THREAD.with(|id| id.borrow().clone()))
}

/// Runs `work` on this (blocking) thread as part of request `id`; the thread's earlier id is
/// back afterwards, even when `work` panics.
pub fn on_this_thread<T>(id: Option<RequestId>, work: impl FnOnce() -> T) -> T {
    struct Restore(Option<RequestId>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            ON_THREAD.with(|slot| slot.replace(before));
        }
    }
    let _restore = Restore(ON_THREAD.with(|slot| slot.replace(id)));
    work()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_id_is_kept_only_from_a_trusted_proxy_and_only_when_sound() {
        assert_eq!(&*choose(Some("abc-123"), true), "abc-123");
        assert_ne!(&*choose(Some("abc-123"), false), "abc-123");
        assert_ne!(&*choose(Some("a\nb"), true), "a\nb");
        assert_ne!(&*choose(Some(&"x".repeat(129)), true), "x".repeat(129));
        assert_ne!(choose(None, false), choose(None, false));
    }

    #[test]
    fn the_thread_carries_the_id_only_while_the_work_runs() {
        let id: RequestId = Arc::from("r-1");
        let seen = on_this_thread(Some(id.clone()), current);
        assert_eq!(seen, Some(id));
        assert_eq!(current(), None);
    }
}
