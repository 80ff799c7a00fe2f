//! Sign-in and sign-up throttling, in memory on each instance.
//!
//! Failed sign-ins are budgeted per account **and client network** (an
//! IPv4 address, an IPv6 /64, as `client_network` reads them): guesses from
//! one client spend that client's budget for the account, not the owner's,
//! who still signs in from anywhere else, even from the address next door
//! (a shared office or cloud range). An account-wide ceiling, ten times higher, bounds
//! guessing spread over many networks, and each client address has a
//! budget over all accounts, so one host cannot try a password on many.
//! An attempt is counted in all of these or, when one refuses it, in none;
//! one that turns out right (or never reaches the password check) is given
//! back, so only failures are counted.
//!
//! Memory is bounded: every table has a cap (`MAX_ENTRIES`; an account
//! holds at most `NETWORKS_PER_ACCOUNT` networks) and drops what holds
//! least when full (see `table`), never refusing a new key, so filling it
//! locks no one out. Filling it would take far more failed sign-ins than
//! the password-hashing gate lets through: an entry from one failure holds
//! six seconds, so keeping `MAX_ENTRIES` of them takes over 3,000 failed
//! password checks a second, against the gate's few hundred. A refused
//! attempt adds nothing; emails longer than an address can be are refused
//! before they get here; and `prune` (every minute, from the server) drops
//! every entry whose budget is whole again.

mod limits;
mod table;

use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};

use governor::clock::Clock;
use table::{Budget, Held, Nanos, Quota, Table};

pub use limits::{
    ACCOUNT_ATTEMPTS_PER_MINUTE, ATTEMPTS_PER_MINUTE, LOGGED_FAILURES_PER_MINUTE, Limits,
    MAX_ENTRIES, NETWORKS_PER_ACCOUNT, PRUNE_EVERY, SIGNUPS_PER_MINUTE,
};

/// A clock that moves only when told (`advance`), for tests.
pub use governor::clock::FakeRelativeClock as ManualClock;

struct Quotas {
    per_network: Quota,
    per_account: Quota,
    logged_failures: Quota,
    signups: Quota,
}

/// Where the attempts on one account came from, in one network or none
/// known (no client address: every such attempt shares one budget).
type Network = Option<IpAddr>;

/// One account's budgets: its failures from all networks, from each, and
/// its "Sign-in failed" entries.
struct Account {
    total: Budget,
    logged: Budget,
    networks: Table<Network, Budget>,
}

impl Default for Account {
    fn default() -> Self {
        Account {
            total: Budget::default(),
            logged: Budget::default(),
            networks: Table::new(NETWORKS_PER_ACCOUNT),
        }
    }
}

impl Held for Account {
    fn whole_at(&self) -> Nanos {
        let networks = self.networks.values().map(Held::whole_at);
        networks
            .chain([self.total.whole_at(), self.logged.whole_at()])
            .max()
            .unwrap_or_default()
    }
}

struct Tables {
    addresses: Table<IpAddr, Budget>,
    accounts: Table<String, Account>,
    signups: Table<IpAddr, Budget>,
}

/// The throttle's time: the system's, or one that tests move.
enum ThrottleClock {
    System(std::time::Instant),
    Manual(ManualClock),
}

pub struct SignInThrottle {
    clock: ThrottleClock,
    quotas: Quotas,
    tables: Mutex<Tables>,
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self::new(ATTEMPTS_PER_MINUTE)
    }
}

/// The key a client is counted under (by each sign-in budget, and by the
/// server's per-client caps): IPv4 as it is,
/// IPv6 by its /64 (an IPv4-mapped IPv6 address as its IPv4 address).
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
        Self::with_limits(Limits::per_minute(per_minute))
    }

    /// The default sign-in budgets, and `signups` a minute.
    pub fn with_signups_per_minute(signups: u32) -> Self {
        Self::with_limits(Limits {
            signups,
            ..Limits::default()
        })
    }

    pub fn with_limits(limits: Limits) -> Self {
        Self::on_clock(limits, ThrottleClock::System(std::time::Instant::now()))
    }

    /// On a clock that tests move, so that no minute passes unless they say.
    pub fn with_clock(per_minute: u32, signups_per_minute: u32, clock: ManualClock) -> Self {
        let limits = Limits {
            signups: signups_per_minute,
            ..Limits::per_minute(per_minute)
        };
        Self::with_limits_and_clock(limits, clock)
    }

    pub fn with_limits_and_clock(limits: Limits, clock: ManualClock) -> Self {
        Self::on_clock(limits, ThrottleClock::Manual(clock))
    }

    fn on_clock(limits: Limits, clock: ThrottleClock) -> Self {
        SignInThrottle {
            clock,
            quotas: Quotas {
                per_network: Quota::per_minute(limits.per_network),
                per_account: Quota::per_minute(limits.per_account),
                logged_failures: Quota::per_minute(limits.logged_failures),
                signups: Quota::per_minute(limits.signups),
            },
            tables: Mutex::new(Tables {
                addresses: Table::new(limits.max_entries),
                accounts: Table::new(limits.max_entries),
                signups: Table::new(limits.max_entries),
            }),
        }
    }

    fn now(&self) -> Nanos {
        match &self.clock {
            ThrottleClock::System(start) => {
                Nanos::try_from(start.elapsed().as_nanos()).unwrap_or(Nanos::MAX)
            }
            ThrottleClock::Manual(clock) => clock.now().as_u64(),
        }
    }

    /// Nothing in the tables is left half-updated by a panic: each update
    /// is a plain assignment, so a poisoned lock is still good to use.
    fn tables(&self) -> MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one sign-up from `address`; `false` once its budget is spent.
    pub fn allow_signup(&self, address: Option<IpAddr>) -> bool {
        let Some(ip) = address.map(client_network) else {
            return true;
        };
        let now = self.now();
        let mut tables = self.tables();
        let used = tables.signups.get(&ip).copied().unwrap_or_default();
        match used.spend(self.quotas.signups, now) {
            Some(budget) => {
                *tables.signups.entry(ip, now) = budget;
                true
            }
            None => false,
        }
    }

    /// Counts one sign-in attempt as failed (give it back with `refund`
    /// once it is known not to be); `false`, counting nothing, when the
    /// address, the account from this network, or the account as a whole
    /// has no failures left.
    pub fn allow(&self, email: &str, address: Option<IpAddr>) -> bool {
        let now = self.now();
        let q = &self.quotas;
        // The account's budget from one client is kept under the same key
        // as the client's budget over all accounts; it alone applies to an
        // attempt whose address is unknown.
        let address = address.map(client_network);
        let network = address;
        let mut tables = self.tables();
        let at_address = match address {
            Some(ip) => {
                let used = tables.addresses.get(&ip).copied().unwrap_or_default();
                match used.spend(q.per_network, now) {
                    Some(budget) => Some((ip, budget)),
                    None => return false,
                }
            }
            None => None,
        };
        let account = tables.accounts.get(email);
        let total = account.map(|a| a.total).unwrap_or_default();
        let from_network = account
            .and_then(|a| a.networks.get(&network).copied())
            .unwrap_or_default();
        let (Some(total), Some(from_network)) = (
            total.spend(q.per_account, now),
            from_network.spend(q.per_network, now),
        ) else {
            return false;
        };
        if let Some((ip, budget)) = at_address {
            *tables.addresses.entry(ip, now) = budget;
        }
        let account = tables.accounts.entry(email.to_owned(), now);
        account.total = total;
        *account.networks.entry(network, now) = from_network;
        true
    }

    /// Gives back what `allow` counted for an attempt that did not fail:
    /// the right password, or no password check at all (the server busy).
    pub fn refund(&self, email: &str, address: Option<IpAddr>) {
        let now = self.now();
        let q = &self.quotas;
        let network = address.map(client_network);
        let mut tables = self.tables();
        if let Some(ip) = network
            && let Some(budget) = tables.addresses.get_mut(&ip)
        {
            *budget = budget.refund(q.per_network, now);
            tables.addresses.forget_if_whole(&ip, now);
        }
        if let Some(account) = tables.accounts.get_mut(email) {
            account.total = account.total.refund(q.per_account, now);
            if let Some(budget) = account.networks.get_mut(&network) {
                *budget = budget.refund(q.per_network, now);
                account.networks.forget_if_whole(&network, now);
            }
            tables.accounts.forget_if_whole(email, now);
        }
    }

    /// Whether a failed sign-in on this account gets its own "Sign-in
    /// failed" entry: the first `logged_failures` a minute do, so that
    /// guessing spread over many networks cannot flood the audit log.
    pub fn log_failure(&self, email: &str) -> bool {
        let now = self.now();
        let mut tables = self.tables();
        let account = tables.accounts.entry(email.to_owned(), now);
        match account.logged.spend(self.quotas.logged_failures, now) {
            Some(budget) => {
                account.logged = budget;
                true
            }
            None => false,
        }
    }

    /// Drops every entry whose budget has fully refilled.
    pub fn prune(&self) {
        let now = self.now();
        let mut tables = self.tables();
        tables.addresses.prune(now);
        tables.signups.prune(now);
        tables.accounts.prune(now);
        for account in tables.accounts.values_mut() {
            account.networks.prune(now);
        }
    }

    /// How many keys (accounts and addresses) are held in memory; an
    /// account holds its networks' budgets within it.
    pub fn tracked(&self) -> usize {
        let tables = self.tables();
        tables.addresses.len() + tables.accounts.len() + tables.signups.len()
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
            !t.allow("x@example.com", Some(a)),
            "the account's budget from that address is spent"
        );
        assert!(
            t.allow("x@example.com", Some(b)),
            "another address has its own"
        );
        assert!(t.allow("y@example.com", Some(b)));
        assert!(
            !t.allow("z@example.com", Some(a)),
            "the address's budget over all accounts is spent"
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

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_network_out_of_budget_leaves_the_account_to_other_networks() {
        let t = SignInThrottle::new(3);
        assert!((0..3).all(|_| t.allow("x@example.com", Some(ip("203.0.113.7")))));
        assert!(
            !t.allow("x@example.com", Some(ip("203.0.113.7"))),
            "that address has spent its budget for the account"
        );
        assert!(
            t.allow("x@example.com", Some(ip("203.0.113.8"))),
            "the address next door is another client"
        );
        assert!(t.allow("x@example.com", Some(ip("198.51.100.7"))));
        assert!(t.allow("x@example.com", None), "no address: its own budget");
        assert_eq!(client_network(ip("::ffff:192.0.2.77")), ip("192.0.2.77"));
        assert_eq!(client_network(ip("2001:db8:1:2::9")), ip("2001:db8:1:2::"));
    }

    #[test]
    fn the_account_wide_ceiling_holds_across_many_networks() {
        let t = SignInThrottle::default();
        let network = |i: u32| Some(IpAddr::V4([10, (i / 256) as u8, (i % 256) as u8, 1].into()));
        for i in 0..ACCOUNT_ATTEMPTS_PER_MINUTE {
            assert!(t.allow("x@example.com", network(i)), "network {i}");
        }
        let fresh = network(ACCOUNT_ATTEMPTS_PER_MINUTE);
        assert!(!t.allow("x@example.com", fresh), "the ceiling is spent");
        assert!(t.allow("y@example.com", fresh), "another account is not");
    }

    #[test]
    fn only_failures_are_counted() {
        let t = SignInThrottle::new(3);
        let a = Some(ip("203.0.113.7"));
        for _ in 0..20 {
            assert!(t.allow("x@example.com", a));
            t.refund("x@example.com", a);
        }
        assert_eq!(t.tracked(), 0, "a refunded attempt holds nothing");
        assert!((0..3).all(|_| t.allow("x@example.com", a)));
        assert!(!t.allow("x@example.com", a));
    }

    #[test]
    fn failure_entries_have_a_budget_per_account() {
        let clock = governor::clock::FakeRelativeClock::default();
        let t = SignInThrottle::with_clock(10, 10, clock.clone());
        assert!((0..10).all(|_| t.log_failure("x@example.com")));
        assert!(!t.log_failure("x@example.com"));
        assert!(t.log_failure("y@example.com"));
        clock.advance(std::time::Duration::from_secs(6));
        assert!(t.log_failure("x@example.com"), "one more each 6 seconds");
        assert!(!t.log_failure("x@example.com"));
    }

    #[test]
    fn a_full_throttle_forgets_what_holds_least_and_refuses_no_newcomer() {
        let t = SignInThrottle::with_limits(Limits {
            max_entries: 4,
            ..Limits::per_minute(3)
        });
        let guesser = Some(ip("203.0.113.7"));
        assert!((0..3).all(|_| t.allow("victim@example.com", guesser)));
        for i in 0..200u8 {
            let newcomer = Some(IpAddr::V4([198, 51, i, 1].into()));
            assert!(t.allow(&format!("u{i}@example.com"), newcomer), "{i}");
        }
        assert!(t.tracked() <= 8, "{} entries", t.tracked());
        assert!(
            !t.allow("victim@example.com", guesser),
            "a spent budget outlasts the newcomers' single attempts"
        );
        assert!(!t.allow("other@example.com", guesser));
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
