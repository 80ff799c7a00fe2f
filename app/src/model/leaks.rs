//! Leak response as every layer sees it: what an organization does when a
//! secret scanner reports one of its keys (**When a key is reported
//! leaked**), what a quarantined key's row says, and the words of the
//! refusals. The receiving route is the server's; the change, the domain's
//! (`domain::keys::leaks`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::error::AppError;

/// The setting's form field.
pub const LEAK_RESPONSE_FIELD: &str = "leak_response";

/// Who the audit log names for a change made on a scanner's report.
pub const SCANNER_ACTOR: &str = "GitHub secret scanning";

/// What the Webhooks page and a held delivery say while the webhook key is
/// quarantined.
pub const WEBHOOK_KEY_LEAKED: &str = "not sent: the webhook key was reported leaked";

/// **When a key is reported leaked**. Stored and posted as its `slug`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakResponse {
    /// The reported secret stops working; the key stays, marked **Leaked**,
    /// until it is rolled or deleted.
    #[default]
    Quarantine,
    /// The key is deleted (the webhook key, which cannot be, is quarantined).
    Delete,
}

impl LeakResponse {
    pub const ALL: [LeakResponse; 2] = [LeakResponse::Quarantine, LeakResponse::Delete];

    pub fn label(self) -> &'static str {
        match self {
            LeakResponse::Quarantine => "Quarantine it",
            LeakResponse::Delete => "Delete it",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            LeakResponse::Quarantine => "quarantine",
            LeakResponse::Delete => "delete",
        }
    }

    /// The posted choice; anything else is refused naming the field.
    pub fn from_slug(slug: &str) -> Result<LeakResponse, AppError> {
        LeakResponse::ALL
            .into_iter()
            .find(|r| r.slug() == slug)
            .ok_or_else(|| {
                AppError::invalid(LEAK_RESPONSE_FIELD, "Choose Quarantine it or Delete it.")
            })
    }

    /// The stored value. Anything unknown reads as Quarantine, which keeps
    /// the key and stops the secret: the choice that loses nothing.
    pub fn from_stored(stored: &str) -> LeakResponse {
        LeakResponse::from_slug(stored).unwrap_or_default()
    }
}

/// A quarantined key: when its current secret was reported, and where it
/// was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leak {
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    /// The report's URL (a commit, a file), if it had one.
    pub url: Option<String>,
}

impl Leak {
    /// The row's **Leaked** badge, spelled out: when and where.
    pub fn describe(&self) -> String {
        let when = crate::model::expiry::format_time(&self.at);
        match &self.url {
            Some(url) => {
                format!("Reported leaked on {when}, found at {url}. Roll it or delete it.")
            }
            None => format!("Reported leaked on {when}. Roll it or delete it."),
        }
    }
}

/// What a scanner is told about one token it reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakLabel {
    /// A live secret of some organization's key (now quarantined, or its
    /// key deleted, or its grace period ended).
    TruePositive,
    /// Not a secret that works: unknown, deleted, expired or already ended.
    FalsePositive,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_reads_back_what_the_form_posts_and_refuses_the_rest() {
        for response in LeakResponse::ALL {
            assert_eq!(LeakResponse::from_slug(response.slug()).unwrap(), response);
            assert_eq!(LeakResponse::from_stored(response.slug()), response);
        }
        let err = LeakResponse::from_slug("ignore").unwrap_err();
        assert!(err.message_for(LEAK_RESPONSE_FIELD).is_some(), "{err:?}");
        // A stored value no build wrote keeps the key.
        assert_eq!(
            LeakResponse::from_stored("ignore"),
            LeakResponse::Quarantine
        );
    }

    #[test]
    fn a_leak_says_when_and_where() {
        let at = DateTime::parse_from_rfc3339("2026-12-03T14:05:00Z")
            .unwrap()
            .to_utc();
        let leak = Leak {
            at,
            url: Some("https://github.com/o/r/blob/abc/config.py".into()),
        };
        assert_eq!(
            leak.describe(),
            "Reported leaked on Dec 3, 2026 14:05 UTC, found at https://github.com/o/r/blob/abc/config.py. Roll it or delete it."
        );
        assert!(
            Leak { at, url: None }
                .describe()
                .starts_with("Reported leaked on Dec 3, 2026")
        );
    }
}
