//! A budget of unknown keys per client address. A well-formed key (right
//! prefix, length and checksum, which anyone can compute) that is not in
//! the key cache costs a database read, and an unknown one costs it every
//! time, since unknown keys are never cached: without a budget, an
//! anonymous client could make the server read the database as fast as it
//! can send requests. Each client address (IPv6 by its /64; behind a proxy,
//! see `client_address`) may present `UNKNOWN_KEYS_PER_MINUTE` unknown keys
//! a minute. Past that, until its minute is over, a request of its whose
//! key was not verified before is answered 429 without a read; keys it
//! already uses keep working.
//!
//! Memory is bounded: an address is tracked only after it presented an
//! unknown key, and at most `TRACKED_ADDRESSES` at once (a few megabytes).
//! When full, addresses whose minute is over make room; if none has, new
//! addresses go untracked until one does.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use app::auth::throttle::client_network;

pub const UNKNOWN_KEYS_PER_MINUTE: u32 = 60;
pub const TRACKED_ADDRESSES: usize = 100_000;
const WINDOW: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct UnknownKeys {
    windows: Mutex<HashMap<IpAddr, Window>>,
}

struct Window {
    started: Instant,
    unknown: u32,
}

impl Window {
    fn current(&self, now: Instant) -> bool {
        now.duration_since(self.started) < WINDOW
    }
}

impl UnknownKeys {
    /// Whether `address` has used up its unknown keys for this minute.
    pub fn exhausted(&self, address: IpAddr) -> bool {
        let now = Instant::now();
        let windows = self.windows.lock().expect("unknown-key windows");
        windows
            .get(&client_network(address))
            .is_some_and(|w| w.current(now) && w.unknown >= UNKNOWN_KEYS_PER_MINUTE)
    }

    /// Counts an unknown key presented from `address`.
    pub fn record(&self, address: IpAddr) {
        let now = Instant::now();
        let mut windows = self.windows.lock().expect("unknown-key windows");
        let network = client_network(address);
        if !windows.contains_key(&network) && windows.len() >= TRACKED_ADDRESSES {
            windows.retain(|_, w| w.current(now));
            if windows.len() >= TRACKED_ADDRESSES {
                tracing::warn!("unknown-key budget: too many addresses at once; not tracking more");
                return;
            }
        }
        let window = windows.entry(network).or_insert(Window {
            started: now,
            unknown: 0,
        });
        if !window.current(now) {
            *window = Window {
                started: now,
                unknown: 0,
            };
        }
        window.unknown = window.unknown.saturating_add(1);
    }

    /// Addresses tracked now.
    pub fn tracked(&self) -> usize {
        self.windows.lock().expect("unknown-key windows").len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_has_a_minute_budget_and_others_are_unaffected() {
        let budget = UnknownKeys::default();
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "198.51.100.1".parse().unwrap();
        for _ in 0..UNKNOWN_KEYS_PER_MINUTE {
            assert!(!budget.exhausted(a));
            budget.record(a);
        }
        assert!(budget.exhausted(a));
        assert!(!budget.exhausted(b));
        // One /64 is one subscriber: another address inside it shares the budget.
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let same_net: IpAddr = "2001:db8::ffff".parse().unwrap();
        for _ in 0..UNKNOWN_KEYS_PER_MINUTE {
            budget.record(v6);
        }
        assert!(budget.exhausted(same_net));
        assert_eq!(budget.tracked(), 2);
    }
}
