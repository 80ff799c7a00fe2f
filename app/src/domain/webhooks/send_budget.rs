//! **Send test event** and **Resend**, counted per organization: each queues
//! a signed POST to a URL the organization chose, so a budget keeps one
//! organization from flooding the outbox, or a receiver, by clicking.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::domain::OrgId;

/// Test events and resends allowed per organization per minute, together.
pub const MANUAL_SENDS_PER_MINUTE: u32 = 10;

pub struct ManualSends(DefaultKeyedRateLimiter<i64>);

impl Default for ManualSends {
    fn default() -> Self {
        Self::new(MANUAL_SENDS_PER_MINUTE)
    }
}

impl ManualSends {
    pub fn new(per_minute: u32) -> Self {
        ManualSends(RateLimiter::keyed(Quota::per_minute(
            NonZeroU32::new(per_minute).expect("a positive quota"),
        )))
    }

    /// Counts one manual send; `false` once the organization's budget is spent.
    pub fn allow(&self, org: OrgId) -> bool {
        self.0.check_key(&org.0).is_ok()
    }

    /// Drops organizations whose budget has fully refilled.
    pub fn prune(&self) {
        self.0.retain_recent();
        self.0.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_organization_has_its_own_budget() {
        let budget = ManualSends::new(3);
        assert!((0..3).all(|_| budget.allow(OrgId(1))));
        assert!(!budget.allow(OrgId(1)));
        assert!(budget.allow(OrgId(2)));
    }
}
