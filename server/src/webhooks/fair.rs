//! Who gets the free sending slots. Organizations with due work take turns,
//! the one served longest ago (or never) first, whatever the age of its
//! deliveries (a resend keeps its old id, so the oldest id says nothing of
//! how long an organization has waited). None has more than
//! `PER_ORG_IN_FLIGHT` in flight, and `WAITING_SHARE` of the slots are kept
//! for organizations with nothing in flight: organizations whose receivers
//! never answer fill at most the rest, and one more organization's event
//! still goes out at once.

use std::collections::{HashMap, HashSet};

/// Deliveries sent at once by one worker.
pub const MAX_IN_FLIGHT: usize = 64;
/// Deliveries of one organization sent at once by one worker.
pub const PER_ORG_IN_FLIGHT: usize = 4;
/// Slots that only an organization with nothing in flight may take (one
/// each), so sixteen more organizations can start at once even while the
/// others' sends hang.
pub const WAITING_SHARE: usize = 16;

/// One worker's record of whom it is sending for and whom it served last.
#[derive(Debug, Default)]
pub struct Turns {
    in_flight: HashMap<i64, usize>,
    /// When each organization was last given a slot, as a count of the
    /// slots handed out so far.
    last_served: HashMap<i64, u64>,
    served: u64,
}

impl Turns {
    /// The organizations with due work, in the order they are offered
    /// slots: never served first, then the one served longest ago. Forgets
    /// organizations that neither wait nor send, so its memory follows the
    /// organizations with work.
    pub fn order(&mut self, mut waiting: Vec<i64>) -> Vec<i64> {
        let keep: HashSet<i64> = waiting.iter().copied().collect();
        let in_flight = &self.in_flight;
        self.last_served
            .retain(|org, _| keep.contains(org) || in_flight.contains_key(org));
        // `None` (never served) sorts before any `Some`.
        waiting.sort_by_key(|org| (self.last_served.get(org).copied(), *org));
        waiting
    }

    /// How many of the `free` slots `org` may take now: up to its own cap
    /// from the slots outside the waiting share, or, with nothing in
    /// flight, one from the share.
    pub fn share(&self, org: i64, free: usize) -> usize {
        let sending = self.in_flight.get(&org).copied().unwrap_or(0);
        let room = PER_ORG_IN_FLIGHT.saturating_sub(sending);
        let general = room.min(free.saturating_sub(WAITING_SHARE));
        if general == 0 && sending == 0 && free > 0 {
            1
        } else {
            general
        }
    }

    /// `org` started `count` sends.
    pub fn started(&mut self, org: i64, count: usize) {
        *self.in_flight.entry(org).or_default() += count;
        self.served += 1;
        self.last_served.insert(org, self.served);
    }

    /// One send of `org` finished.
    pub fn finished(&mut self, org: i64) {
        if let Some(n) = self.in_flight.get_mut(&org) {
            *n -= 1;
            if *n == 0 {
                self.in_flight.remove(&org);
            }
        }
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_organization_served_longest_ago_goes_first_and_new_ones_before_it() {
        let mut turns = Turns::default();
        turns.started(1, 1);
        turns.started(2, 1);
        turns.finished(1);
        turns.finished(2);
        // 3 was never served; 1 was served before 2.
        assert_eq!(turns.order(vec![2, 1, 3]), vec![3, 1, 2]);
        turns.started(3, 1);
        turns.started(1, 1);
        assert_eq!(turns.order(vec![1, 2, 3]), vec![2, 3, 1]);
    }

    #[test]
    fn forgotten_once_neither_waiting_nor_sending() {
        let mut turns = Turns::default();
        turns.started(1, 1);
        turns.started(2, 1);
        turns.finished(2);
        turns.started(3, 1);
        turns.finished(3);
        // 2 has no due work and nothing in flight: forgotten. 1 still
        // sends: remembered.
        turns.order(vec![3]);
        assert_eq!(turns.order(vec![1, 2, 3]), vec![2, 1, 3]);
    }

    #[test]
    fn no_organization_passes_its_cap() {
        let mut turns = Turns::default();
        assert_eq!(turns.share(1, MAX_IN_FLIGHT), PER_ORG_IN_FLIGHT);
        turns.started(1, PER_ORG_IN_FLIGHT);
        assert_eq!(turns.share(1, MAX_IN_FLIGHT - PER_ORG_IN_FLIGHT), 0);
        turns.finished(1);
        assert_eq!(turns.share(1, MAX_IN_FLIGHT), 1);
    }

    #[test]
    fn the_waiting_share_is_kept_for_organizations_with_nothing_in_flight() {
        let mut turns = Turns::default();
        let mut free = MAX_IN_FLIGHT;
        // Busy organizations fill everything but the share...
        for org in 0.. {
            let n = turns.share(org, free);
            if free == WAITING_SHARE {
                break;
            }
            turns.started(org, n);
            free -= n;
        }
        assert_eq!(turns.in_flight(), MAX_IN_FLIGHT - WAITING_SHARE);
        // ... and, already sending, take none of it.
        assert_eq!(turns.share(0, free), 0);
        // Each organization with nothing in flight takes one from the share.
        for org in 100..100 + WAITING_SHARE as i64 {
            assert_eq!(turns.share(org, free), 1);
            turns.started(org, 1);
            free -= 1;
        }
        assert_eq!(turns.share(999, free), 0, "no slot is left");
    }
}
