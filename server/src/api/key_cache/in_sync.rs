//! Whether a shared cache (PostgreSQL) is in step with the other
//! instances. It is trusted only while three things hold:
//! - a listening connection is up;
//! - the listener heard this instance's own heartbeat, sent less than
//!   [`TRUST_FOR`] ago. PostgreSQL delivers notifications in commit order,
//!   so hearing it proves that every change committed before it was sent
//!   has been heard too. A half-open connection (a silent partition, a
//!   failover, a pooler) never errors; it only goes quiet, and a listener
//!   that hears nothing for a while is replaced (see `sync.rs`);
//! - the journal was read in full less than [`TRUST_FOR`] ago. When reads
//!   stopped for so long that the journal's window no longer reaches back
//!   to the last good one, the changes in between are unknown, and
//!   everything is forgotten.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a heartbeat heard and a good read of the journal keep the
/// cache trusted: a change is seen by every instance within this time
/// even when its notification is lost.
pub const TRUST_FOR: Duration = Duration::from_millis(900);
/// The start of a heartbeat's payload, which is never a digest.
pub(super) const HEARTBEAT: &str = "heartbeat";

/// What tells whether a shared cache is in step.
pub(super) struct InSync {
    epoch: Instant,
    listening: AtomicBool,
    /// When the last good journal read started, in ms since `epoch`; 0: never.
    read_at_ms: AtomicU64,
    /// When the latest own heartbeat heard was sent, in ms since `epoch`;
    /// 0: none heard by the current listener.
    heard_at_ms: AtomicU64,
    /// In this instance's heartbeats, so that it knows its own.
    nonce: String,
}

impl InSync {
    pub(super) fn new() -> InSync {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).expect("the OS random source is unavailable");
        InSync {
            epoch: Instant::now(),
            listening: AtomicBool::new(false),
            read_at_ms: AtomicU64::new(0),
            heard_at_ms: AtomicU64::new(0),
            nonce: nonce.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    pub(super) fn trusted(&self) -> bool {
        self.trusted_at(Instant::now())
    }

    fn trusted_at(&self, now: Instant) -> bool {
        let now = self.ms(now);
        let recent = |stamp: &AtomicU64| {
            let at = stamp.load(Ordering::Acquire);
            at != 0 && now.saturating_sub(at) < TRUST_FOR.as_millis() as u64
        };
        self.listening.load(Ordering::Acquire)
            && recent(&self.heard_at_ms)
            && recent(&self.read_at_ms)
    }

    /// `at` as a stamp: ms since `epoch`, plus 1 so that 0 is "never".
    fn ms(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_millis() as u64 + 1
    }

    pub(super) fn set_listening(&self, on: bool) {
        self.listening.store(on, Ordering::Release);
        if !on {
            self.heard_at_ms.store(0, Ordering::Release);
        }
    }

    pub(super) fn set_read_at(&self, at: Instant) {
        self.read_at_ms.store(self.ms(at), Ordering::Release);
    }

    /// Listening, with a journal read and an own heartbeat heard from `at`.
    #[cfg(test)]
    pub(super) fn in_step_at(&self, at: Instant) {
        self.set_listening(true);
        self.set_read_at(at);
        assert!(self.heard(&self.heartbeat(at)));
    }

    /// A heartbeat's payload, sent at `at`.
    pub(super) fn heartbeat(&self, at: Instant) -> String {
        format!("{HEARTBEAT} {} {}", self.nonce, self.ms(at))
    }

    /// Takes note of a heard heartbeat; whether it is one of ours.
    pub(super) fn heard(&self, payload: &str) -> bool {
        let mut words = payload.split(' ').skip(1);
        let (Some(nonce), Some(Ok(sent))) = (words.next(), words.next().map(str::parse::<u64>))
        else {
            return false;
        };
        if nonce != self.nonce {
            return false;
        }
        self.heard_at_ms.fetch_max(sent, Ordering::AcqRel);
        true
    }
}

/// Whether the journal reads so far saw every change.
#[derive(Default)]
pub(super) struct Coverage {
    /// When the last good read started.
    last_read: Option<Instant>,
}

impl Coverage {
    /// Takes note of a good read of the last `window` of the journal,
    /// from `started` to `ended`; whether it and the one before overlap.
    /// Only half the window counts: a change's row is stamped before its
    /// commit, and the database's clock is not this one.
    pub(super) fn read(&mut self, started: Instant, ended: Instant, window: Duration) -> bool {
        let covered = self
            .last_read
            .is_some_and(|last| ended.saturating_duration_since(last) < window / 2);
        self.last_read = Some(started);
        covered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(10);

    #[test]
    fn reads_close_together_cover_the_journal_and_a_gap_longer_than_half_its_window_does_not() {
        let mut coverage = Coverage::default();
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        assert!(!coverage.read(t0, at(5), WINDOW), "nothing read before");
        assert!(coverage.read(at(250), at(260), WINDOW));
        // A read that hung, or reads that failed, for longer than half the
        // window: whatever changed in between may be out of it.
        assert!(!coverage.read(at(600), at(5_300), WINDOW));
        assert!(coverage.read(at(5_550), at(5_560), WINDOW));
        assert!(!coverage.read(at(20_000), at(20_010), WINDOW));
        assert!(
            coverage.read(at(24_000), at(24_990), WINDOW),
            "4.99 s after"
        );
    }

    #[test]
    fn only_its_own_heartbeat_heard_recently_with_a_listener_and_a_recent_read_is_trust() {
        let sync = InSync::new();
        let other = InSync::new();
        let now = Instant::now();
        sync.set_read_at(now);
        assert!(!sync.trusted_at(now), "not listening, nothing heard");
        sync.set_listening(true);
        assert!(!sync.trusted_at(now), "nothing heard");
        assert!(!sync.heard(&other.heartbeat(now)), "another instance's");
        assert!(!sync.heard("heartbeat"));
        assert!(!sync.trusted_at(now));
        assert!(sync.heard(&sync.heartbeat(now)));
        assert!(sync.trusted_at(now));
        // What was heard or read TRUST_FOR ago proves nothing about now.
        assert!(!sync.trusted_at(now + TRUST_FOR));
        sync.set_read_at(now + TRUST_FOR);
        assert!(!sync.trusted_at(now + TRUST_FOR), "the heartbeat is old");
        assert!(sync.heard(&sync.heartbeat(now + TRUST_FOR)));
        assert!(sync.trusted_at(now + TRUST_FOR));
        // A lost listener forgets what it heard.
        sync.set_listening(false);
        sync.set_listening(true);
        assert!(!sync.trusted_at(now + TRUST_FOR));
    }
}
