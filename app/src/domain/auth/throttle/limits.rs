//! What the sign-in throttle allows: its budgets a minute, and the bounds
//! of its tables.

/// Failed sign-ins a minute per account from one network, and from one
/// client address over all accounts.
pub const ATTEMPTS_PER_MINUTE: u32 = 10;
/// Failed sign-ins a minute per account from all networks together.
pub const ACCOUNT_ATTEMPTS_PER_MINUTE: u32 = 10 * ATTEMPTS_PER_MINUTE;
/// "Sign-in failed" entries a minute per account in its organization's
/// audit log; failures past these are refused and counted all the same.
pub const LOGGED_FAILURES_PER_MINUTE: u32 = ATTEMPTS_PER_MINUTE;
/// Sign-ups allowed per minute from one address (each costs an argon2
/// hash, and each tells whether an email has an account).
pub const SIGNUPS_PER_MINUTE: u32 = 10;
/// Entries each table (client addresses, accounts, sign-up addresses)
/// holds at most: a few MiB in practice, about 40 MiB at worst.
pub const MAX_ENTRIES: usize = 20_000;
/// Networks whose budget an account keeps at once. Past them the one that
/// holds least is forgotten, which never lets more than the account-wide
/// ceiling through.
pub const NETWORKS_PER_ACCOUNT: usize = 16;
/// How often the server prunes entries whose budget has refilled.
pub const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// What the throttle allows, each a minute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Failed sign-ins per account from one network, and per client
    /// address over all accounts.
    pub per_network: u32,
    /// Failed sign-ins per account from everywhere together.
    pub per_account: u32,
    /// "Sign-in failed" audit entries per account.
    pub logged_failures: u32,
    /// Sign-ups per client address.
    pub signups: u32,
    /// Entries each table holds at most.
    pub max_entries: usize,
}

impl Limits {
    /// `per_network` failures, ten times as many per account.
    pub fn per_minute(per_network: u32) -> Limits {
        Limits {
            per_network,
            per_account: 10 * per_network,
            logged_failures: per_network,
            signups: SIGNUPS_PER_MINUTE,
            max_entries: MAX_ENTRIES,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::per_minute(ATTEMPTS_PER_MINUTE)
    }
}
