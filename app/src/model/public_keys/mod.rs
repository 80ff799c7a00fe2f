//! Public keys: keys a web page may carry, to start web calls from the
//! sites an organization allows (`domains.rs`), optionally only with some
//! agents, at most so many a minute per site. The types the page, the
//! server functions and the API guard share.

mod domains;
mod settings;

pub use domains::{ALLOWED_DOMAINS_FIELD, AllowedDomains, MAX_DOMAINS, Origin};
pub use settings::{
    AGENTS_FIELD, AllowedAgents, DEFAULT_WEB_CALLS_PER_MINUTE, MAX_AGENTS,
    MAX_WEB_CALLS_PER_MINUTE, PublicKeyInput, PublicKeySettings, WEB_CALLS_FIELD,
    WebCallsPerMinute,
};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A public key's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PublicKeyId(pub i64);

/// The one route a public key opens; any other is refused with this.
pub const ONLY_WEB_CALLS: &str = "Public keys can only create web calls.";

/// The refusal of a request whose `Origin` no line allows.
pub fn not_allowed_on(origin: Option<&str>) -> String {
    match origin {
        Some(origin) => format!("This public key is not allowed on {origin}."),
        None => "This public key is not allowed on a request without an Origin header: use it from a web page on one of its allowed domains.".to_owned(),
    }
}

/// The refusal of a web call with an agent the key does not list (the
/// id as sent, shortened to what an id may be).
pub fn agent_not_allowed(agent: &str) -> String {
    let agent: String = agent.chars().take(settings::AGENT_ID_MAX).collect();
    format!("This public key cannot start calls with agent {agent}.")
}

/// The refusal of a preflight from an origin no public key allows.
pub const NO_KEY_FOR_ORIGIN: &str = "No public key allows requests from this origin.";

/// The refusal of a web call over a key's limit on one of its lines.
pub fn web_calls_limited(per_minute: u32, line: &str, retry_after: u64) -> String {
    format!(
        "This public key is over its limit of {per_minute} web calls a minute on {line}. Retry after {retry_after} seconds."
    )
}

/// A public key as the page lists it. The key is shown whole: it is not a
/// secret, only a name for what its domains and agents allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeySummary {
    pub id: PublicKeyId,
    pub name: String,
    pub key: String,
    pub domains: Vec<String>,
    /// Empty: any agent.
    pub agents: Vec<String>,
    pub web_calls_per_minute: u32,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Web calls asked each day of the last `USAGE_DAYS`, oldest first.
    pub daily: Vec<u64>,
    /// Of those, refused (origin, agent, rate).
    pub refused: u64,
}

impl PublicKeySummary {
    pub fn total(&self) -> u64 {
        self.daily.iter().sum()
    }
}

/// What Create answers: enough for the page's message and for a program
/// to use the key. (Not the whole summary: its times would bring a date
/// parser into the browser's bundle for nothing.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedPublicKey {
    pub id: PublicKeyId,
    pub name: String,
    pub key: String,
}

/// The Public Keys page: the keys, and whether the viewer may change them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyList {
    pub keys: Vec<PublicKeySummary>,
    pub may_manage: bool,
}
