//! Faults a test can put into one instance's sync with the others, to show
//! what its key cache does when the database misbehaves in ways a test
//! cannot cause from outside: reads that fail, notifications that go
//! missing, a listening connection that goes silent without an error (a
//! half-open socket). Nothing in the server sets them; they are plain
//! fields of the in-process cache, out of reach of any request or setting.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

#[derive(Default)]
pub struct SyncHooks {
    journal_fails: AtomicBool,
    key_notifications_lost: AtomicBool,
    stall_listener: AtomicBool,
    /// The journal's look-back in ms, when a test shortened it; 0: the default.
    journal_window_ms: AtomicU64,
}

impl SyncHooks {
    /// Every read of the change journal fails while `on`.
    pub fn fail_journal_reads(&self, on: bool) {
        self.journal_fails.store(on, Ordering::Release);
    }

    /// Key-change notifications are lost while `on` (others still arrive).
    pub fn lose_key_notifications(&self, on: bool) {
        self.key_notifications_lost.store(on, Ordering::Release);
    }

    /// The listening connection in use now stops delivering anything, and
    /// never errors; a new one works.
    pub fn stall_listener(&self) {
        self.stall_listener.store(true, Ordering::Release);
    }

    /// A shorter look-back for the journal, so that a test's outage can be
    /// longer than it in seconds rather than minutes.
    pub fn set_journal_window(&self, window: Duration) {
        self.journal_window_ms
            .store(window.as_millis().max(1) as u64, Ordering::Release);
    }

    pub(super) fn journal_fails(&self) -> bool {
        self.journal_fails.load(Ordering::Acquire)
    }

    pub(super) fn key_notifications_lost(&self) -> bool {
        self.key_notifications_lost.load(Ordering::Acquire)
    }

    /// Whether a stall was asked for since the last call (then the
    /// listener that asks stalls).
    pub(super) fn take_stall(&self) -> bool {
        self.stall_listener.swap(false, Ordering::AcqRel)
    }

    pub(super) fn journal_window(&self, default: Duration) -> Duration {
        match self.journal_window_ms.load(Ordering::Acquire) {
            0 => default,
            ms => Duration::from_millis(ms),
        }
    }
}
