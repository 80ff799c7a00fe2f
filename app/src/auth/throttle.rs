//! Sign-in throttling: per account and per client address, in memory on
//! each instance (governor's keyed GCRA limiters).

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Attempts allowed per minute, for one email and for one address alike.
pub const ATTEMPTS_PER_MINUTE: u32 = 10;

pub struct SignInThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_address: DefaultKeyedRateLimiter<IpAddr>,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self::new(ATTEMPTS_PER_MINUTE)
    }
}

impl SignInThrottle {
    pub fn new(per_minute: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).expect("a positive quota"));
        SignInThrottle { per_account: RateLimiter::keyed(quota), per_address: RateLimiter::keyed(quota) }
    }

    /// Counts one attempt; `false` once either limit is spent.
    pub fn allow(&self, email: &str, address: Option<IpAddr>) -> bool {
        let account_ok = self.per_account.check_key(&email.to_owned()).is_ok();
        let address_ok = address.is_none_or(|ip| self.per_address.check_key(&ip).is_ok());
        account_ok && address_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_account_and_each_address_has_its_own_budget() {
        let t = SignInThrottle::new(3);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!((0..3).all(|_| t.allow("x@example.com", Some(a))));
        assert!(!t.allow("x@example.com", Some(b)), "the account's budget is spent");
        assert!(t.allow("y@example.com", Some(b)));
        assert!(t.allow("y@example.com", Some(b)));
        assert!(!t.allow("z@example.com", Some(a)), "the address's budget is spent");
    }
}
