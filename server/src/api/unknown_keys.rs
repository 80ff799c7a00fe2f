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
//! The budget is taken before the read, not counted after it: a look-up
//! first reserves a unit of its address's budget, and gives it back only if
//! the key turned out to be valid. So requests sent all at once cannot all
//! pass before any is counted, and a look-up abandoned half-way stays
//! counted.
//!
//! Memory is bounded: a network is tracked only once it asks for a look-up,
//! and at most `TRACKED_ADDRESSES` at once (a few megabytes). When full, the
//! table is swept of networks whose minute is over, at most once a second
//! (a sweep reads the whole table). A new network that still finds no room
//! is limited all the same, never let through: it shares one of
//! `OVERFLOW_BUDGETS` budgets, picked by a keyed hash of its wider prefix
//! (IPv4 /24, IPv6 /48), so that whoever filled the table cannot aim at the
//! budget of a given newcomer.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use app::domain::auth::throttle::client_network;

pub const UNKNOWN_KEYS_PER_MINUTE: u32 = 60;
pub const TRACKED_ADDRESSES: usize = 100_000;
/// Budgets shared by the networks that find the table full.
pub const OVERFLOW_BUDGETS: usize = 1024;
const WINDOW: Duration = Duration::from_secs(60);
/// How often a full table may be swept.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

pub struct UnknownKeys {
    table: Mutex<Table>,
}

/// The address has spent its budget for this minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exhausted;

/// One unit of a budget, taken for one look-up. Dropped, it stays spent
/// (the key was unknown, the read failed or was abandoned);
/// [`Reservation::give_back`] returns it when the key was valid.
#[must_use = "a reservation is for a look-up"]
pub struct Reservation<'a> {
    budget: &'a UnknownKeys,
    counter: Counter,
    /// The minute it was taken in: one given back later counts for nothing.
    window_started: Instant,
}

/// Whose budget a unit was taken from.
#[derive(Clone, Copy)]
enum Counter {
    Network(IpAddr),
    Overflow(usize),
}

struct Table {
    networks: HashMap<IpAddr, Window>,
    capacity: usize,
    overflow: Vec<Window>,
    /// Keys the choice of overflow budget.
    hasher: RandomState,
    swept_at: Option<Instant>,
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    spent: u32,
}

impl Window {
    fn fresh(now: Instant) -> Window {
        Window {
            started: now,
            spent: 0,
        }
    }

    fn current(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.started) < WINDOW
    }

    /// Takes a unit (starting a new minute if this one is over); returns
    /// the minute it was taken in.
    fn take(&mut self, now: Instant) -> Result<Instant, Exhausted> {
        if !self.current(now) {
            *self = Window::fresh(now);
        }
        if self.spent >= UNKNOWN_KEYS_PER_MINUTE {
            return Err(Exhausted);
        }
        self.spent += 1;
        Ok(self.started)
    }

    fn give_back(&mut self, taken_in: Instant) {
        if self.started == taken_in {
            self.spent = self.spent.saturating_sub(1);
        }
    }
}

impl Table {
    /// The budget `network` spends from, tracking it if there is room.
    fn counter_for(&mut self, network: IpAddr, now: Instant) -> Counter {
        if self.networks.contains_key(&network) {
            return Counter::Network(network);
        }
        if self.networks.len() >= self.capacity {
            self.sweep(now);
        }
        if self.networks.len() < self.capacity {
            self.networks.insert(network, Window::fresh(now));
            return Counter::Network(network);
        }
        let bucket = self.hasher.hash_one(wider_prefix(network)) % OVERFLOW_BUDGETS as u64;
        Counter::Overflow(bucket as usize)
    }

    /// Drops the networks whose minute is over, unless the last sweep was
    /// less than `SWEEP_EVERY` ago.
    fn sweep(&mut self, now: Instant) {
        if self
            .swept_at
            .is_some_and(|at| now.saturating_duration_since(at) < SWEEP_EVERY)
        {
            return;
        }
        self.swept_at = Some(now);
        self.networks.retain(|_, window| window.current(now));
        if self.networks.len() >= self.capacity {
            tracing::warn!(
                tracked = self.networks.len(),
                "unknown-key budget: table full; new networks share overflow budgets"
            );
        }
    }

    fn window(&mut self, counter: Counter) -> Option<&mut Window> {
        match counter {
            Counter::Network(network) => self.networks.get_mut(&network),
            Counter::Overflow(bucket) => self.overflow.get_mut(bucket),
        }
    }
}

/// The prefix an untracked network shares an overflow budget by.
fn wider_prefix(network: IpAddr) -> IpAddr {
    match network {
        IpAddr::V4(v4) => IpAddr::V4((u32::from(v4) & !0xff).into()),
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 80) - 1)).into()),
    }
}

impl Default for UnknownKeys {
    fn default() -> Self {
        UnknownKeys::with_capacity(TRACKED_ADDRESSES)
    }
}

impl UnknownKeys {
    /// A budget that tracks at most `capacity` networks at once.
    pub fn with_capacity(capacity: usize) -> Self {
        let now = Instant::now();
        UnknownKeys {
            table: Mutex::new(Table {
                networks: HashMap::new(),
                capacity,
                overflow: vec![Window::fresh(now); OVERFLOW_BUDGETS],
                hasher: RandomState::new(),
                swept_at: None,
            }),
        }
    }

    /// Takes a unit of `address`'s budget for one look-up.
    pub fn reserve(&self, address: IpAddr) -> Result<Reservation<'_>, Exhausted> {
        self.reserve_at(address, Instant::now())
    }

    /// `reserve` for a request whose address may be unknown (a test
    /// without connect info): then nothing is taken.
    pub fn reserve_for(
        &self,
        address: Option<IpAddr>,
    ) -> Result<Option<Reservation<'_>>, Exhausted> {
        address.map(|a| self.reserve(a)).transpose()
    }

    fn reserve_at(&self, address: IpAddr, now: Instant) -> Result<Reservation<'_>, Exhausted> {
        let mut table = self.table.lock().expect("unknown-key budget");
        let counter = table.counter_for(client_network(address), now);
        let window = table.window(counter).expect("the counter just chosen");
        let window_started = window.take(now)?;
        Ok(Reservation {
            budget: self,
            counter,
            window_started,
        })
    }

    /// Networks tracked now.
    pub fn tracked(&self) -> usize {
        self.table
            .lock()
            .expect("unknown-key budget")
            .networks
            .len()
    }
}

impl Reservation<'_> {
    /// The key was valid: its look-up is not counted.
    pub fn give_back(self) {
        let mut table = self.budget.table.lock().expect("unknown-key budget");
        if let Some(window) = table.window(self.counter) {
            window.give_back(self.window_started);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes `n` units for `address` at `now`, keeping them spent.
    fn spend(budget: &UnknownKeys, address: IpAddr, n: u32, now: Instant) {
        for i in 0..n {
            assert!(budget.reserve_at(address, now).is_ok(), "unit {i}");
        }
    }

    #[test]
    fn an_address_has_a_minute_budget_and_others_are_unaffected() {
        let budget = UnknownKeys::default();
        let now = Instant::now();
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "198.51.100.1".parse().unwrap();
        spend(&budget, a, UNKNOWN_KEYS_PER_MINUTE, now);
        assert_eq!(budget.reserve_at(a, now).err(), Some(Exhausted));
        assert!(budget.reserve_at(b, now).is_ok());
        // One /64 is one subscriber: another address inside it shares the budget.
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let same_net: IpAddr = "2001:db8::ffff".parse().unwrap();
        spend(&budget, v6, UNKNOWN_KEYS_PER_MINUTE, now);
        assert_eq!(budget.reserve_at(same_net, now).err(), Some(Exhausted));
        assert_eq!(budget.tracked(), 3);
        // A new minute, a new budget.
        assert!(budget.reserve_at(a, now + WINDOW).is_ok());
    }

    #[test]
    fn a_unit_given_back_is_not_counted_but_only_within_its_minute() {
        let budget = UnknownKeys::default();
        let now = Instant::now();
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        spend(&budget, a, UNKNOWN_KEYS_PER_MINUTE - 1, now);
        let last = budget.reserve_at(a, now).unwrap();
        assert!(budget.reserve_at(a, now).is_err());
        last.give_back();
        budget.reserve_at(a, now).unwrap().give_back();
        // Taken in one minute, given back in the next: counts for nothing.
        let old = budget.reserve_at(a, now).unwrap();
        let next = now + WINDOW;
        spend(&budget, a, UNKNOWN_KEYS_PER_MINUTE, next);
        old.give_back();
        assert!(budget.reserve_at(a, next).is_err());
    }

    #[test]
    fn a_full_table_still_limits_a_new_network() {
        let budget = UnknownKeys::with_capacity(3);
        let t0 = Instant::now();
        for last in 1..=3u8 {
            spend(&budget, IpAddr::from([192, 0, 2, last]), 1, t0);
        }
        let newcomer: IpAddr = "198.51.100.9".parse().unwrap();
        let later = t0 + Duration::from_secs(10);
        spend(&budget, newcomer, UNKNOWN_KEYS_PER_MINUTE, later);
        assert_eq!(budget.reserve_at(newcomer, later).err(), Some(Exhausted));
        assert_eq!(budget.tracked(), 3);
    }

    #[test]
    fn a_full_table_is_swept_at_most_once_a_second() {
        let budget = UnknownKeys::with_capacity(2);
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let ip = |last: u8| IpAddr::from([192, 0, 2, last]);
        spend(&budget, ip(1), 1, at(0));
        spend(&budget, ip(2), 1, at(0));
        // Full, nothing over: a sweep finds nothing to drop.
        spend(&budget, ip(3), 1, at(59_900));
        assert_eq!(budget.tracked(), 2);
        // Their minutes are over, but the last sweep was 200 ms ago.
        spend(&budget, ip(4), 1, at(60_100));
        assert_eq!(budget.tracked(), 2);
        // A second after the last sweep, the next one makes room.
        spend(&budget, ip(5), 1, at(60_900));
        assert_eq!(budget.tracked(), 1);
    }
}
