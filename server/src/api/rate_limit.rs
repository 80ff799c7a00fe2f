//! **Requests per minute**, enforced per key in memory. Each instance takes
//! part of a key's budget for the current minute from the database at a
//! time (`app::domain::keys::rate::take`, one statement on the database's
//! clock) and spends it here: a request with budget in hand costs a lock
//! and a subtraction. Between them the instances never take more than the
//! limit, so no more requests than the limit succeed in a minute however
//! many instances serve the key. On one instance the limit is exact.
//!
//! - One take at a time per key on each instance: requests that find
//!   nothing in hand queue behind the take in flight and then spend what
//!   it brought, so a burst costs one take, not one per request.
//! - Once a take says the minute's budget is spent, the key's requests are
//!   refused until the minute ends without asking the database again.
//! - If the database cannot be asked within `TAKE_TIMEOUT`, this instance
//!   hands out the budget from memory instead, never more than the limit
//!   in the minute: the guard is a brake on a leaked key, not a reason for
//!   an outage of every limited key, and not a way around the limit.
//!
//! Minutes are the database's calendar minutes; this instance follows how
//! long one has left by its monotonic clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::domain::keys::rate::{self, Bucket, Taken};
use sea_orm::DatabaseConnection;

/// How long a take may wait for the database.
pub const TAKE_TIMEOUT: Duration = Duration::from_millis(250);

/// How much of the budget one take asks for: a twentieth of the limit,
/// at least 1 and at most 1,000.
pub fn take_size(limit: u32) -> u32 {
    (limit / 20).clamp(1, 1000)
}

/// Where a key stands in the current minute, as the answer's `RateLimit`
/// header says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    /// At most this many more requests can succeed this minute.
    pub remaining: u32,
    /// Seconds until the budget renews.
    pub reset: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed(Quota),
    Refused(Quota),
}

/// A key's current minute on this instance.
struct Window {
    /// The database's minute, once a take has said it.
    minute: Option<i64>,
    /// When that minute ends, by this instance's monotonic clock.
    ends: Instant,
    limit: u32,
    /// Taken and not spent yet.
    in_hand: u32,
    /// Taken by every instance this minute, as of this one's last take
    /// (with what it handed out from memory while the database could not
    /// be asked).
    taken: u32,
    /// Nothing more to take this minute.
    spent: bool,
    /// Handed out from memory while the database could not be asked, in a
    /// minute of this instance's own (`minute` is `None` then): counted
    /// against the limit when the database answers again in that minute.
    lent: u32,
    /// Held while this instance takes from the database for the key.
    taking: Arc<tokio::sync::Mutex<()>>,
}

impl Window {
    fn new(limit: u32, now: Instant) -> Self {
        Window {
            minute: None,
            ends: now,
            limit,
            in_hand: 0,
            taken: 0,
            spent: false,
            lent: 0,
            taking: Arc::default(),
        }
    }

    fn reset_secs(&self, now: Instant) -> u64 {
        // At least 1: a client told 0 would ask again at once.
        self.ends.saturating_duration_since(now).as_secs().max(1)
    }

    fn quota(&self, now: Instant) -> Quota {
        Quota {
            limit: self.limit,
            remaining: self.limit.saturating_sub(self.taken) + self.in_hand,
            reset: self.reset_secs(now),
        }
    }

    /// Spends one request from what is in hand; refuses once the minute is
    /// spent; `None` when a take is needed.
    fn spend(&mut self, now: Instant) -> Option<Verdict> {
        if self.in_hand > 0 {
            self.in_hand -= 1;
            return Some(Verdict::Allowed(self.quota(now)));
        }
        self.spent.then(|| Verdict::Refused(self.quota(now)))
    }

    /// A take's answer. One for an older minute than the window's (it
    /// waited while the minute turned) still lets this request through
    /// (the database counted it) and leaves the window alone.
    fn apply(&mut self, taken: Taken, now: Instant) -> Verdict {
        if self.minute.is_some_and(|m| taken.minute < m) {
            return if taken.got > 0 {
                Verdict::Allowed(self.quota(now))
            } else {
                Verdict::Refused(self.quota(now))
            };
        }
        if self.minute != Some(taken.minute) {
            // What this instance lent from memory in the minute the
            // database now names still counts.
            let lent = if self.minute.is_none() && now < self.ends {
                self.lent
            } else {
                0
            };
            let taking = self.taking.clone();
            *self = Window::new(self.limit, now);
            self.taking = taking;
            self.minute = Some(taken.minute);
            self.lent = lent;
        }
        self.ends = now + Duration::from_secs(taken.seconds_left);
        let used = taken.total.saturating_add(self.lent);
        let room = self.limit.saturating_sub(used.saturating_sub(taken.got));
        self.in_hand += taken.got.min(room);
        self.taken = self.taken.max(used.min(self.limit));
        self.spent |= used >= self.limit || taken.got == 0;
        self.spend(now)
            .unwrap_or_else(|| Verdict::Refused(self.quota(now)))
    }

    /// The database could not be asked: hand out up to a take's worth
    /// from memory, counted as taken, so that this instance stays within
    /// the limit in the minute.
    fn fall_back(&mut self, now: Instant) -> Verdict {
        if now >= self.ends {
            // A minute of this instance's own, from its wall clock.
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            self.minute = None;
            self.ends = now + Duration::from_secs(rate::seconds_left(secs));
            self.taken = 0;
            self.lent = 0;
            self.spent = false;
        }
        let got = take_size(self.limit).min(self.limit.saturating_sub(self.taken));
        self.in_hand += got;
        self.taken += got;
        if self.minute.is_none() {
            self.lent += got;
        }
        self.spent |= self.taken >= self.limit;
        self.spend(now)
            .unwrap_or_else(|| Verdict::Refused(self.quota(now)))
    }
}

/// Every limited key's window on this instance. Windows past their minute
/// go at the first request after it, so it holds at most the keys used in
/// about one minute.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<(Option<Instant>, HashMap<Bucket, Window>)>,
}

impl RateLimiter {
    /// One request of key `key_id`, limited to `limit` a minute.
    pub async fn check(&self, db: &DatabaseConnection, key_id: i64, limit: u32) -> Verdict {
        self.check_bucket(db, &Bucket::ApiKey(key_id), limit).await
    }

    /// One request from `bucket`'s budget, limited to `limit` a minute.
    pub async fn check_bucket(
        &self,
        db: &DatabaseConnection,
        bucket: &Bucket,
        limit: u32,
    ) -> Verdict {
        let taking =
            match self.with_window(bucket, limit, |w, now| w.spend(now).ok_or(w.taking.clone())) {
                Ok(verdict) => return verdict,
                Err(taking) => taking,
            };
        // One take at a time; whoever waited spends what it brought.
        let _taking = taking.lock().await;
        if let Some(verdict) = self.with_window(bucket, limit, |w, now| w.spend(now)) {
            return verdict;
        }
        let asked = tokio::time::timeout(
            TAKE_TIMEOUT,
            rate::take(db, bucket, take_size(limit), limit),
        )
        .await;
        match asked {
            Ok(Ok(taken)) => self.with_window(bucket, limit, |w, now| w.apply(taken, now)),
            failed => {
                let why = match failed {
                    Ok(Err(err)) => err.to_string(),
                    _ => "timed out".to_owned(),
                };
                tracing::warn!(budget = %bucket, error = %why, "rate limit budget unavailable; counting in memory");
                self.with_window(bucket, limit, |w, now| w.fall_back(now))
            }
        }
    }

    fn with_window<T>(
        &self,
        bucket: &Bucket,
        limit: u32,
        act: impl FnOnce(&mut Window, Instant) -> T,
    ) -> T {
        let now = Instant::now();
        let mut guard = self.windows.lock().expect("rate limiter lock");
        let (swept, windows) = &mut *guard;
        // Once a minute, forget windows whose minute has ended.
        if swept.is_none_or(|at| now.duration_since(at) >= Duration::from_secs(60)) {
            // A window whose first take is on its way stays: its queue is
            // the one take in flight for the key.
            windows.retain(|_, w| w.ends > now || Arc::strong_count(&w.taking) > 1);
            *swept = Some(now);
        }
        let window = windows
            .entry(bucket.clone())
            .or_insert_with(|| Window::new(limit, now));
        // A minute that has ended, or a new limit: nothing in hand. (What
        // the instances took this minute stays counted in the database.)
        if now >= window.ends || window.limit != limit {
            let taking = window.taking.clone();
            *window = Window::new(limit, now);
            window.taking = taking;
        }
        act(window, now)
    }
}

/// Sets `headers` on an answer: where its budget stands.
pub fn insert_headers(answer: &mut axum::http::HeaderMap, quota: Quota) {
    for (name, value) in headers(quota) {
        if let Ok(value) = axum::http::HeaderValue::from_str(&value) {
            answer.insert(name, value);
        }
    }
}

/// The headers of the IETF httpapi rate-limit headers draft.
pub const RATELIMIT_POLICY: &str = "ratelimit-policy";
pub const RATELIMIT: &str = "ratelimit";
/// The policy's name in both.
pub const POLICY: &str = "per-minute";

/// `RateLimit-Policy` and `RateLimit`, as the draft writes them.
pub fn headers(quota: Quota) -> [(&'static str, String); 2] {
    let window = app::model::rate_limit::WINDOW_SECONDS;
    [
        (
            RATELIMIT_POLICY,
            format!("\"{POLICY}\";q={};w={window}", quota.limit),
        ),
        (
            RATELIMIT,
            format!("\"{POLICY}\";r={};t={}", quota.remaining, quota.reset),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(minute: i64, got: u32, total: u32) -> Taken {
        Taken {
            minute,
            got,
            total,
            seconds_left: 30,
        }
    }

    #[test]
    fn a_take_is_a_twentieth_within_bounds() {
        assert_eq!(take_size(1), 1);
        assert_eq!(take_size(5), 1);
        assert_eq!(take_size(600), 30);
        assert_eq!(take_size(1_000_000), 1000);
    }

    #[test]
    fn a_window_spends_what_it_took_then_refuses_without_asking() {
        let now = Instant::now();
        let mut w = Window::new(5, now);
        assert_eq!(w.spend(now), None, "nothing in hand: a take is needed");
        assert!(matches!(w.apply(taken(100, 3, 5), now), Verdict::Allowed(q) if q.remaining == 2));
        assert!(matches!(w.spend(now), Some(Verdict::Allowed(_))));
        assert!(matches!(w.spend(now), Some(Verdict::Allowed(q)) if q.remaining == 0));
        // The take said the budget was spent: refused from memory.
        assert!(matches!(w.spend(now), Some(Verdict::Refused(q)) if q.reset == 30));
    }

    #[test]
    fn a_late_answer_for_an_older_minute_leaves_the_window_alone() {
        let now = Instant::now();
        let mut w = Window::new(10, now);
        w.apply(taken(101, 1, 1), now);
        let before = (w.minute, w.in_hand, w.taken, w.spent);
        assert!(matches!(
            w.apply(taken(100, 1, 10), now),
            Verdict::Allowed(_)
        ));
        assert_eq!((w.minute, w.in_hand, w.taken, w.spent), before);
        // An empty answer never clears what an earlier one said.
        w.apply(taken(101, 0, 10), now);
        assert!(w.spent);
        w.apply(taken(101, 1, 5), now);
        assert!(w.spent, "spent stays spent within the minute");
    }

    #[test]
    fn without_the_database_an_instance_still_stays_within_the_limit() {
        let now = Instant::now();
        let mut w = Window::new(40, now);
        let mut allowed = 0;
        for _ in 0..100 {
            let verdict = w.spend(now).unwrap_or_else(|| w.fall_back(now));
            if matches!(verdict, Verdict::Allowed(_)) {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 40);
    }

    /// The database comes back within the minute the instance lent from:
    /// what it lent still counts.
    #[test]
    fn what_was_lent_from_memory_counts_when_the_database_answers_again() {
        let now = Instant::now();
        let mut w = Window::new(10, now);
        for _ in 0..10 {
            let verdict = w.spend(now).unwrap_or_else(|| w.fall_back(now));
            assert!(matches!(verdict, Verdict::Allowed(_)));
        }
        assert!(matches!(
            w.apply(taken(100, 1, 1), now),
            Verdict::Refused(_)
        ));
        assert!(matches!(w.spend(now), Some(Verdict::Refused(_))));
    }

    #[test]
    fn the_headers_follow_the_draft() {
        let [policy, now] = headers(Quota {
            limit: 600,
            remaining: 12,
            reset: 34,
        });
        assert_eq!(
            policy,
            ("ratelimit-policy", "\"per-minute\";q=600;w=60".into())
        );
        assert_eq!(now, ("ratelimit", "\"per-minute\";r=12;t=34".into()));
    }
}
