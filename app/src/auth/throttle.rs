//! Sign-in and sign-up throttling, in memory on each instance (governor's
//! keyed GCRA limiters).
//!
//! Memory is bounded by design, not by luck: an attempt is counted against
//! its client address first, and only an attempt the address may make is
//! counted against the account, so one client adds at most
//! `ATTEMPTS_PER_MINUTE` account entries a minute; emails longer than an
//! address can be are refused before they get here; and `prune` (every
//! minute, from the server) drops every entry whose minute has passed.
//! IPv6 clients are keyed by their /64, which one subscriber usually holds
//! whole, so rotating addresses inside it buys nothing.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Keyed<K, C> =
    RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Attempts allowed per minute, for one email and for one address alike.
pub const ATTEMPTS_PER_MINUTE: u32 = 10;
/// Sign-ups allowed per minute from one address (each costs an argon2
/// hash, and each tells whether an email has an account).
pub const SIGNUPS_PER_MINUTE: u32 = 10;
/// How often the server prunes entries whose budget has refilled.
pub const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Generic over the clock so that tests can let a minute pass at once.
pub struct SignInThrottle<C: Clock = DefaultClock> {
    per_account: Keyed<String, C>,
    per_address: Keyed<IpAddr, C>,
    signups_per_address: Keyed<IpAddr, C>,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self::new(ATTEMPTS_PER_MINUTE)
    }
}

/// The key an address is counted under: IPv4 as it is, IPv6 by its /64
/// (an IPv4-mapped IPv6 address as its IPv4 address).
pub fn client_network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

impl SignInThrottle {
    pub fn new(per_minute: u32) -> Self {
        Self::with_clock(per_minute, SIGNUPS_PER_MINUTE, DefaultClock::default())
    }

    /// The sign-in budget of `ATTEMPTS_PER_MINUTE`, and `signups` a minute.
    pub fn with_signups_per_minute(signups: u32) -> Self {
        Self::with_clock(ATTEMPTS_PER_MINUTE, signups, DefaultClock::default())
    }
}

impl<C: Clock + Clone> SignInThrottle<C> {
    pub fn with_clock(per_minute: u32, signups_per_minute: u32, clock: C) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n).expect("a positive quota"));
        SignInThrottle {
            per_account: RateLimiter::dashmap_with_clock(quota(per_minute), clock.clone()),
            per_address: RateLimiter::dashmap_with_clock(quota(per_minute), clock.clone()),
            signups_per_address: RateLimiter::dashmap_with_clock(quota(signups_per_minute), clock),
        }
    }

    /// Counts one sign-up from `address`; `false` once its budget is spent.
    pub fn allow_signup(&self, address: Option<IpAddr>) -> bool {
        address.is_none_or(|ip| {
            self.signups_per_address
                .check_key(&client_network(ip))
                .is_ok()
        })
    }

    /// Counts one sign-in attempt; `false` once either limit is spent. The
    /// address is checked first, so a client over its budget adds nothing.
    pub fn allow(&self, email: &str, address: Option<IpAddr>) -> bool {
        if let Some(ip) = address
            && self.per_address.check_key(&client_network(ip)).is_err()
        {
            return false;
        }
        self.per_account.check_key(&email.to_owned()).is_ok()
    }

    /// Drops every entry whose budget has fully refilled.
    pub fn prune(&self) {
        for limiter in [&self.per_address, &self.signups_per_address] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.per_account.retain_recent();
        self.per_account.shrink_to_fit();
    }

    /// How many keys (accounts and addresses) are held in memory.
    pub fn tracked(&self) -> usize {
        self.per_account.len() + self.per_address.len() + self.signups_per_address.len()
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
        assert!(
            !t.allow("x@example.com", Some(b)),
            "the account's budget is spent"
        );
        assert!(t.allow("y@example.com", Some(b)));
        assert!(
            !t.allow("z@example.com", Some(a)),
            "the address's budget is spent"
        );
    }

    #[test]
    fn an_address_over_its_budget_adds_no_accounts() {
        let t = SignInThrottle::new(3);
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        for i in 0..5000 {
            t.allow(&format!("user{i}@example.com"), Some(a));
        }
        assert_eq!(
            t.tracked(),
            3 + 1,
            "three accounts and one address, not 5,000"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let t = SignInThrottle::new(3);
        for i in 0..3u16 {
            let ip = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 1, 2, i, i, i, i));
            assert!(t.allow(&format!("u{i}@example.com"), Some(ip)));
        }
        let same_64: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        assert!(
            !t.allow("other@example.com", Some(same_64)),
            "one budget for the whole /64"
        );
        let next_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(t.allow("other@example.com", Some(next_64)));
        assert_eq!(
            client_network("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn sign_ups_have_a_budget_per_address() {
        let t = SignInThrottle::with_clock(10, 2, governor::clock::FakeRelativeClock::default());
        let a: IpAddr = "198.51.100.1".parse().unwrap();
        assert!(t.allow_signup(Some(a)) && t.allow_signup(Some(a)));
        assert!(!t.allow_signup(Some(a)));
        assert!(t.allow_signup(Some("198.51.100.2".parse().unwrap())));
        assert!(
            t.allow("x@example.com", Some(a)),
            "sign-in has its own budget"
        );
    }

    #[test]
    fn pruning_forgets_entries_once_their_minute_has_passed() {
        let clock = governor::clock::FakeRelativeClock::default();
        let t = SignInThrottle::with_clock(3, 3, clock.clone());
        for i in 0..100u8 {
            let ip = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, i));
            t.allow(&format!("u{i}@example.com"), Some(ip));
            t.allow_signup(Some(ip));
        }
        assert_eq!(t.tracked(), 300);
        t.prune();
        assert_eq!(t.tracked(), 300, "recent entries are kept");
        clock.advance(std::time::Duration::from_secs(61));
        t.prune();
        assert_eq!(t.tracked(), 0, "a minute later nothing is held");
    }
}
