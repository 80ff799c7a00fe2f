//! The webhook events about keys, as a receiver gets them:
//! `{"event": "<name>", "event_id": "evt_…", "key": KeyEventSubject}`.
//! Never a secret: a key is named by its id, name and display form.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyEvent {
    /// A secret-scanning report changed the key.
    Leaked,
    /// The key expires within 7 days, or within 1.
    Expiring,
    Expired,
}

impl KeyEvent {
    pub const ALL: [KeyEvent; 3] = [KeyEvent::Leaked, KeyEvent::Expiring, KeyEvent::Expired];

    /// The body's `event`, and the delivery list's.
    pub fn name(self) -> &'static str {
        match self {
            KeyEvent::Leaked => "key_leaked",
            KeyEvent::Expiring => "key_expiring",
            KeyEvent::Expired => "key_expired",
        }
    }
}

/// The body's `key`: the key, and what happened to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyEventSubject {
    pub id: i64,
    pub name: String,
    pub display: String,
    #[serde(flatten)]
    pub detail: KeyEventDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum KeyEventDetail {
    Leaked {
        #[serde(with = "chrono::serde::ts_milliseconds")]
        leaked_at: DateTime<Utc>,
        /// Where the scanner found it, if it said.
        found_at: Option<String>,
        secret: LeakedSecret,
        response: LeakOutcome,
    },
    Expiring {
        #[serde(with = "chrono::serde::ts_milliseconds")]
        expires_at: DateTime<Utc>,
        within_days: i64,
    },
    Expired {
        #[serde(with = "chrono::serde::ts_milliseconds")]
        expires_at: DateTime<Utc>,
    },
}

/// Which of the key's secrets was reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakedSecret {
    Current,
    /// The one a roll replaced, during its grace period.
    Previous,
}

/// What the report did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakOutcome {
    Quarantined,
    Deleted,
    GracePeriodEnded,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_event_reads_as_the_readme_lists_it() {
        let at = DateTime::from_timestamp_millis(1_795_000_000_000).unwrap();
        let subject = |detail| KeyEventSubject {
            id: 7,
            name: "ci".into(),
            display: "key_Ab3x…9fQz".into(),
            detail,
        };
        let leaked = serde_json::to_value(subject(KeyEventDetail::Leaked {
            leaked_at: at,
            found_at: None,
            secret: LeakedSecret::Previous,
            response: LeakOutcome::GracePeriodEnded,
        }))
        .unwrap();
        assert_eq!(
            leaked,
            serde_json::json!({
                "id": 7, "name": "ci", "display": "key_Ab3x…9fQz",
                "leaked_at": 1_795_000_000_000_i64, "found_at": null,
                "secret": "previous", "response": "grace_period_ended",
            })
        );
        let expiring = serde_json::to_value(subject(KeyEventDetail::Expiring {
            expires_at: at,
            within_days: 1,
        }))
        .unwrap();
        assert_eq!(expiring["within_days"], 1);
        assert_eq!(expiring["expires_at"], 1_795_000_000_000_i64);
        let names: Vec<_> = KeyEvent::ALL.map(KeyEvent::name).into();
        assert_eq!(names, ["key_leaked", "key_expiring", "key_expired"]);
    }
}
