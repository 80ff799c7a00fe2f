//! **Requests per minute**, enforced per key in memory. Each instance takes
//! part of a key's budget for the current minute from the database at a
//! time (`app::domain::keys::rate::take`) and spends it here: a request
//! with budget in hand costs a lock and a subtraction. Between them the
//! instances never take more than the limit, so no more requests than the
//! limit succeed in a minute however many instances serve the key; an
//! instance holds at most a twentieth of the limit unspent, so across
//! instances a little less may succeed. On one instance the limit is
//! exact. Once the database says a minute's budget is spent, this
//! instance refuses the key's requests until the minute ends without
//! asking again: a refused request costs no database work.
//!
//! Minutes are calendar minutes (UTC), as the `RateLimit` headers' reset
//! says: the budget renews at the start of each.

use std::collections::HashMap;
use std::sync::Mutex;

use app::domain::keys::rate;
use sea_orm::DatabaseConnection;

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

#[derive(Default)]
struct Window {
    minute: i64,
    limit: u32,
    /// Taken from the database and not spent yet.
    in_hand: u32,
    /// Taken by every instance this minute, as of this one's last take.
    taken: u32,
    /// The database has no more for this minute.
    spent: bool,
}

impl Window {
    fn quota(&self, reset: u64) -> Quota {
        Quota {
            limit: self.limit,
            remaining: self.limit.saturating_sub(self.taken) + self.in_hand,
            reset,
        }
    }

    /// Spends one request from what is in hand, if any.
    fn spend(&mut self, reset: u64) -> Option<Verdict> {
        if self.in_hand > 0 {
            self.in_hand -= 1;
            return Some(Verdict::Allowed(self.quota(reset)));
        }
        self.spent.then(|| Verdict::Refused(self.quota(reset)))
    }
}

/// Every limited key's window on this instance. Entries of past minutes go
/// at the first request of a new minute, so it holds at most the keys used
/// in one minute.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<(i64, HashMap<i64, Window>)>,
}

impl RateLimiter {
    /// One request of key `key_id` (limited to `limit` a minute) at
    /// `now_secs` (Unix seconds). If the database cannot be asked, the
    /// request is allowed: the guard is a brake on a leaked key, not a
    /// reason for an outage of every limited key.
    pub async fn check(
        &self,
        db: &DatabaseConnection,
        key_id: i64,
        limit: u32,
        now_secs: u64,
    ) -> Verdict {
        let minute = (now_secs / 60) as i64;
        let reset = 60 - now_secs % 60;
        if let Some(verdict) = self.with_window(key_id, minute, limit, |w| w.spend(reset)) {
            return verdict;
        }
        match rate::take(db, key_id, minute, take_size(limit), limit).await {
            Ok(taken) => self.with_window(key_id, minute, limit, |w| {
                w.in_hand += taken.got;
                w.taken = w.taken.max(taken.total);
                w.spent = taken.total >= limit;
                // Nothing came back: the minute is spent, whatever `total`
                // said.
                w.spent |= taken.got == 0;
                w.spend(reset)
                    .unwrap_or_else(|| Verdict::Refused(w.quota(reset)))
            }),
            Err(err) => {
                tracing::warn!(error = %err, key = key_id, "rate limit budget unavailable; allowed");
                Verdict::Allowed(Quota {
                    limit,
                    remaining: 0,
                    reset,
                })
            }
        }
    }

    fn with_window<T>(
        &self,
        key_id: i64,
        minute: i64,
        limit: u32,
        act: impl FnOnce(&mut Window) -> T,
    ) -> T {
        let mut guard = self.windows.lock().expect("rate limiter lock");
        let (swept, windows) = &mut *guard;
        if *swept < minute {
            windows.retain(|_, w| w.minute >= minute);
            *swept = minute;
        }
        let window = windows.entry(key_id).or_default();
        // A new minute, or a new limit: a fresh start.
        if window.minute != minute || window.limit != limit {
            *window = Window {
                minute,
                limit,
                ..Window::default()
            };
        }
        act(window)
    }
}

/// `RateLimit-Policy` and `RateLimit`, as the IETF httpapi rate-limit
/// headers draft writes them.
pub fn headers(quota: Quota) -> [(&'static str, String); 2] {
    [
        (
            "ratelimit-policy",
            format!("\"per-minute\";q={};w=60", quota.limit),
        ),
        (
            "ratelimit",
            format!("\"per-minute\";r={};t={}", quota.remaining, quota.reset),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_take_is_a_twentieth_within_bounds() {
        assert_eq!(take_size(1), 1);
        assert_eq!(take_size(5), 1);
        assert_eq!(take_size(600), 30);
        assert_eq!(take_size(1_000_000), 1000);
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
