//! The throttle's budgets (GCRA, as governor keeps them) and the bounded
//! tables that hold them.
//!
//! A table never refuses a new key for lack of room: that would let
//! whoever fills it lock everyone else out. When it is full, it first drops
//! the entries whose budget is whole again (they hold nothing), and if none
//! is, the one that will be whole soonest: it holds the least, so
//! forgetting it gives its owner back the least.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// Nanoseconds since the throttle was made: its clock's reading.
pub type Nanos = u64;

pub const MINUTE: Nanos = 60_000_000_000;

/// `n` uses a minute: up to `n` at once, then one back every minute / `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    interval: Nanos,
}

impl Quota {
    pub fn per_minute(n: u32) -> Quota {
        assert!(n > 0, "a positive quota");
        Quota {
            interval: MINUTE / Nanos::from(n),
        }
    }
}

/// One budget, as the moment it is whole again: each use pushes that
/// moment one interval further, and a use that would push it more than a
/// minute ahead is refused. A budget whose moment has passed is whole, the
/// same as one never used, so it need not be kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    whole_at: Nanos,
}

impl Budget {
    /// The budget after one more use, or `None` when none is left.
    pub fn spend(self, quota: Quota, now: Nanos) -> Option<Budget> {
        let whole_at = self.whole_at.max(now) + quota.interval;
        (whole_at - now <= MINUTE).then_some(Budget { whole_at })
    }

    /// The budget with one use given back.
    pub fn refund(self, quota: Quota, now: Nanos) -> Budget {
        Budget {
            whole_at: self.whole_at.saturating_sub(quota.interval).max(now),
        }
    }
}

/// What a table holds: kept while some budget in it is not whole.
pub trait Held: Default {
    /// When every budget in it is whole again.
    fn whole_at(&self) -> Nanos;
}

impl Held for Budget {
    fn whole_at(&self) -> Nanos {
        self.whole_at
    }
}

/// At most `cap` entries (see the module's comment for what happens when
/// it is full).
pub struct Table<K, V> {
    entries: HashMap<K, V>,
    cap: usize,
}

impl<K: Eq + Hash + Clone, V: Held> Table<K, V> {
    pub fn new(cap: usize) -> Self {
        assert!(cap > 0, "a table with room");
        Table {
            entries: HashMap::new(),
            cap,
        }
    }

    pub fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key)
    }

    pub fn get_mut<Q: Eq + Hash + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.entries.get_mut(key)
    }

    /// The entry of `key`, made (room made for it first) if missing.
    pub fn entry(&mut self, key: K, now: Nanos) -> &mut V {
        if self.entries.len() >= self.cap && !self.entries.contains_key(&key) {
            self.make_room(now);
        }
        self.entries.entry(key).or_default()
    }

    /// Drops `key`'s entry if it holds nothing any more.
    pub fn forget_if_whole<Q: Eq + Hash + ?Sized>(&mut self, key: &Q, now: Nanos)
    where
        K: Borrow<Q>,
    {
        if self.entries.get(key).is_some_and(|v| v.whole_at() <= now) {
            self.entries.remove(key);
        }
    }

    /// Drops every entry that holds nothing, and the memory they took.
    pub fn prune(&mut self, now: Nanos) {
        self.entries.retain(|_, v| v.whole_at() > now);
        self.entries.shrink_to_fit();
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.entries.values_mut()
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.values()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    fn make_room(&mut self, now: Nanos) {
        self.entries.retain(|_, v| v.whole_at() > now);
        if self.entries.len() < self.cap {
            return;
        }
        let soonest = self
            .entries
            .iter()
            .min_by_key(|(_, v)| v.whole_at())
            .map(|(k, _)| k.clone());
        if let Some(key) = soonest {
            self.entries.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Nanos = 1_000_000_000;

    #[test]
    fn a_budget_allows_its_quota_at_once_then_one_per_interval() {
        let quota = Quota::per_minute(3);
        let mut budget = Budget::default();
        for _ in 0..3 {
            budget = budget.spend(quota, 0).expect("within the quota");
        }
        assert_eq!(budget.spend(quota, 0), None);
        assert_eq!(budget.spend(quota, 19 * SECOND), None);
        assert!(budget.spend(quota, 20 * SECOND).is_some(), "one back");
        assert_eq!(budget.whole_at(), MINUTE);
        let refunded = budget.refund(quota, 0);
        assert!(
            refunded.spend(quota, 0).is_some(),
            "a refund gives one back"
        );
        assert_eq!(refunded.refund(quota, 0).refund(quota, 0).whole_at(), 0);
    }

    #[test]
    fn a_full_table_drops_what_holds_least_and_never_refuses_a_key() {
        let quota = Quota::per_minute(10);
        let mut table: Table<u8, Budget> = Table::new(3);
        let owing = |n: u32| (0..n).fold(Budget::default(), |b, _| b.spend(quota, 0).unwrap());
        *table.entry(1, 0) = owing(10);
        *table.entry(2, 0) = owing(1);
        *table.entry(3, 0) = owing(5);
        *table.entry(4, 0) = owing(1);
        assert_eq!(table.len(), 3);
        assert!(table.get(&2).is_none(), "the entry that held least went");
        assert_eq!(table.get(&1), Some(&owing(10)), "a spent budget stays");
        // Six seconds later entry 4 (one use) is whole: it makes the room.
        *table.entry(5, 6 * SECOND) = owing(1);
        assert!(table.get(&4).is_none() && table.get(&3).is_some());
        table.prune(59 * SECOND);
        assert_eq!(table.len(), 1, "only the spent budget is still held");
    }
}
