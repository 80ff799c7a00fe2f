//! API keys as both sides see them: what the list shows and what the form sends.
//! The secret itself, the database and the sealing are the domain's
//! (`domain::keys`), on the server only.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::allowed_ips::AllowedIps;
use crate::model::error::AppError;
use crate::model::expiry::Expiry;
use crate::model::key_policy::{Breach, KeyPolicy};
use crate::model::leaks::{Leak, LeakResponse};
use crate::model::permissions::{Access, Group, Level};
use crate::model::rate_limit::RateLimit;

pub use super::key_fields as fields;

/// Longest name a key may have, in characters.
pub const NAME_MAX_CHARS: usize = 100;

/// The most keys one organization may hold: bounds what a list reads and
/// what one account can make the server store.
pub const MAX_KEYS_PER_ORG: u64 = 1000;

/// What to do instead of deleting the webhook key (as Retell does, it
/// cannot be deleted): the page's explanation and the server's 409 say it.
/// Rolling does not make it deletable; it replaces the secret, which is
/// what someone deleting a leaked webhook key wants.
pub const WEBHOOK_KEY_UNDELETABLE: &str = "To delete this key, first set another key as the webhook key. To replace its secret instead, roll it.";

/// A key's id. Only meaningful within its organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(pub i64);

/// What the key list shows of a key. Never carries the secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySummary {
    pub id: KeyId,
    pub name: String,
    /// Prefix and last four characters, e.g. `key_Ab3x…9fQz`.
    pub display: String,
    pub is_webhook: bool,
    pub access: Access,
    // Times travel as milliseconds since the epoch: reading RFC 3339 text
    // would put chrono's date parser in the browser bundle for this alone.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When the key stops working, if it expires.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether `expires_at` had passed when the list was read (the browser
    /// has no clock of the server's; the list is read again after changes).
    pub expired: bool,
    /// After a roll with a grace period: when the previous secret stops
    /// working, while it still works.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// What the key was used for in the last `USAGE_DAYS` days.
    #[serde(default)]
    pub usage: KeyUsage,
    /// Where the key may be used from; empty: anywhere.
    #[serde(default)]
    pub allowed_ips: AllowedIps,
    /// The email of the member who created the key; `None` once they
    /// have left the organization (the row says "a former member").
    #[serde(default)]
    pub created_by: Option<String>,
    /// Requests per minute; none: no limit.
    #[serde(default)]
    pub rate_limit: RateLimit,
    /// How the key breaks its organization's key policy (made before the
    /// policy, and not edited since); empty when it keeps to it.
    #[serde(default)]
    pub outside_policy: Vec<Breach>,
    /// Quarantined: when and where its secret was reported leaked.
    #[serde(default)]
    pub leaked: Option<Leak>,
}

/// The API Keys page's list, and whether the viewer's role may change it
/// (Add, Edit, Roll, Delete, Set as Webhook Key); the organization's key
/// policy, and whether the viewer may change that.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyList {
    pub keys: Vec<KeySummary>,
    pub may_manage: bool,
    #[serde(default)]
    pub policy: KeyPolicy,
    #[serde(default)]
    pub may_set_policy: bool,
    /// The server's clock when the list was read: what the Add dialog's
    /// choices within the policy are measured from. (The dialog is
    /// rendered from the list by a component both builds compile, and
    /// the browser's build of chrono has no clock.)
    #[serde(default, with = "chrono::serde::ts_milliseconds")]
    pub read_at: DateTime<Utc>,
    /// **When a key is reported leaked**; changed by whoever may set the
    /// key policy.
    #[serde(default)]
    pub leak_response: LeakResponse,
}

/// The dialogs a row of the API Keys page opens. The server renders each
/// one for its key (`render_key_dialog`); the page only shows it and sends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyDialog {
    Edit,
    Roll,
    Delete,
}

/// The days the page's usage figures cover, today (UTC) included.
pub const USAGE_DAYS: usize = 30;

/// A key's use through the API in the last `USAGE_DAYS` days.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyUsage {
    /// Requests on each day, oldest first, today last (`USAGE_DAYS` of them
    /// once read; empty for a key just made).
    pub daily: Vec<u64>,
    /// Permissions that requests needed and were granted.
    pub used: Vec<crate::model::permissions::Requirement>,
    /// Permissions that requests needed and were refused (403), with how
    /// many times.
    pub refused: Vec<(crate::model::permissions::Requirement, u64)>,
}

impl KeyUsage {
    pub fn total(&self) -> u64 {
        self.daily.iter().sum()
    }

    /// The narrowest restriction that grants everything the key was used
    /// for: per group, the highest level a granted request needed.
    pub fn suggestion(&self) -> BTreeMap<Group, Level> {
        let mut levels = BTreeMap::new();
        for need in &self.used {
            let level = levels.entry(need.group).or_insert(need.level);
            *level = (*level).max(need.level);
        }
        levels
    }

    /// Whether `suggestion` grants less than `access` does.
    pub fn narrows(&self, access: &Access) -> bool {
        let suggested = self.suggestion();
        Group::ALL
            .into_iter()
            .any(|g| suggested.get(&g).copied().unwrap_or(Level::NoAccess) < access.level(g))
    }
}

/// What the Add and Edit dialogs send. Levels are sent as chosen and
/// validated on the server, so that a bad level gets an error naming its
/// group instead of a generic decoding failure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInput {
    pub name: String,
    pub restricted: bool,
    #[serde(default)]
    pub levels: BTreeMap<Group, Level>,
    /// Absent means keep the key's expiry (none, for a new key).
    #[serde(default)]
    pub expires: Expiry,
    /// **Allowed IP addresses** as typed: one address or range per line,
    /// empty for anywhere. Absent keeps the key's list (none, for a new
    /// key), so that a client that does not know the field never widens
    /// where a key may be used from.
    #[serde(default)]
    pub allowed_ips: Option<String>,
    /// **Requests per minute** as typed: empty for no limit. Absent keeps
    /// the key's limit (none, for a new key), like `allowed_ips`.
    #[serde(default)]
    pub requests_per_minute: Option<String>,
}

/// A key's settings as the form sent them, checked: what the store writes
/// on create and on update. (Expiry is apart: `Keep` means the stored one,
/// which only the store's transaction can read.) A new setting of the key
/// form is a field here, read from `KeyInput` by `validate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySettings {
    pub name: String,
    pub access: Access,
    /// `None`: keep the stored list (anywhere, for a new key).
    pub allowed_ips: Option<AllowedIps>,
    /// `None`: keep the stored limit (none, for a new key).
    pub rate_limit: Option<RateLimit>,
}

impl KeyInput {
    /// Checks the input: the settings to store, or the field that is wrong.
    pub fn validate(&self) -> Result<KeySettings, AppError> {
        let name = validate_name(&self.name)?;
        let access = if self.restricted {
            let restrictions = self.levels.clone().try_into().map_err(
                |e: crate::model::permissions::PermissionError| {
                    let crate::model::permissions::PermissionError::ReadOnActionOnly { group } = &e;
                    AppError::invalid(group.error_field(), e.to_string())
                },
            )?;
            Access::Restricted(restrictions)
        } else {
            Access::Full
        };
        let allowed_ips = match &self.allowed_ips {
            Some(text) => Some(AllowedIps::parse(text)?),
            None => None,
        };
        let rate_limit = match &self.requests_per_minute {
            Some(text) => Some(RateLimit::parse(text)?),
            None => None,
        };
        Ok(KeySettings {
            name,
            access,
            allowed_ips,
            rate_limit,
        })
    }
}

/// A newly created or rolled key, as the server keeps it until it answers:
/// the only time the full secret leaves the server.
#[derive(Clone, PartialEq, Eq)]
pub struct CreatedKey {
    pub key: KeySummary,
    pub secret: String,
}

/// Never prints the secret, so a stray `{:?}` cannot put it in a log.
impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("key", &self.key)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// What the Add and Roll answers carry: the key's id and name, and its new
/// secret. Not the whole `KeySummary`: the page reads the list again as
/// HTML, and decoding a summary in the browser would put its reader in the
/// WASM bundle for nothing.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSecret {
    pub id: KeyId,
    pub name: String,
    pub secret: String,
}

impl From<CreatedKey> for NewSecret {
    fn from(created: CreatedKey) -> Self {
        NewSecret {
            id: created.key.id,
            name: created.key.name,
            secret: created.secret,
        }
    }
}

/// Never prints the secret, like `CreatedKey`.
impl std::fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSecret")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Trims the name and checks its length; the error names the field.
pub fn validate_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::invalid(fields::NAME, "Enter a name for the key."));
    }
    let chars = name.chars().count();
    if chars > NAME_MAX_CHARS {
        return Err(AppError::invalid(
            fields::NAME,
            format!("Use at most {NAME_MAX_CHARS} characters (this name has {chars})."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            fields::NAME,
            "The name cannot contain control characters.",
        ));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_name("  Zapier  ").unwrap(), "Zapier");
        assert_eq!(
            validate_name("   ")
                .unwrap_err()
                .message_for("name")
                .unwrap(),
            "Enter a name for the key."
        );
        assert!(validate_name(&"x".repeat(100)).is_ok());
        let too_long = validate_name(&"é".repeat(101)).unwrap_err();
        assert!(
            too_long
                .message_for("name")
                .unwrap()
                .contains("at most 100")
        );
        assert!(validate_name("a\u{7}b").is_err());
    }

    #[test]
    fn unrestricted_input_ignores_levels_and_gets_full_access() {
        let input = KeyInput {
            name: "ci".into(),
            restricted: false,
            levels: [(Group::Call, Level::Read)].into(),
            expires: Expiry::Keep,
            ..KeyInput::default()
        };
        assert_eq!(
            input.validate().unwrap(),
            KeySettings {
                name: "ci".into(),
                access: Access::Full,
                allowed_ips: Default::default(),
                rate_limit: None,
            }
        );
    }

    #[test]
    fn read_on_call_names_the_permission_field() {
        let input = KeyInput {
            name: "ci".into(),
            restricted: true,
            levels: [(Group::Call, Level::Read)].into(),
            expires: Expiry::Keep,
            ..KeyInput::default()
        };
        let err = input.validate().unwrap_err();
        assert!(
            err.message_for("permissions.call")
                .unwrap()
                .contains("action-only")
        );
    }

    /// A full-access key named "ci" that never expires, for tests.
    pub(crate) fn summary(id: i64) -> KeySummary {
        KeySummary {
            id: KeyId(id),
            name: "ci".into(),
            display: "key_Ab3x…9fQz".into(),
            is_webhook: false,
            access: Access::Full,
            created_at: DateTime::from_timestamp(1_795_000_000, 0).expect("in range"),
            last_used_at: None,
            expires_at: None,
            expired: false,
            previous_secret_until: None,
            usage: KeyUsage::default(),
            allowed_ips: Default::default(),
            created_by: None,
            rate_limit: Default::default(),
            outside_policy: Vec::new(),
            leaked: None,
        }
    }

    #[test]
    fn debug_output_never_shows_a_new_secret() {
        let at = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .to_utc();
        let mut key = summary(1);
        key.created_at = at;
        let created = CreatedKey {
            key,
            secret: "key_0123456789ABCDEFGHIJKLMNOPQRSTUV000000".into(),
        };
        let shown = format!("{created:?} {created:#?}");
        assert!(!shown.contains("0123456789ABCDEF"), "{shown}");
        assert!(shown.contains("<redacted>") && shown.contains("ci"));
        let answer = NewSecret::from(created);
        let shown = format!("{answer:?} {answer:#?}");
        assert!(!shown.contains("0123456789ABCDEF"), "{shown}");
        assert!(shown.contains("<redacted>") && shown.contains("ci"));
    }

    #[test]
    fn the_suggestion_is_the_highest_level_used_per_group() {
        use crate::model::permissions::{Requirement, Restrictions};
        let need = |group, level| Requirement { group, level };
        let usage = KeyUsage {
            daily: vec![0; USAGE_DAYS],
            used: vec![
                need(Group::History, Level::Read),
                need(Group::Agent, Level::Read),
                need(Group::Agent, Level::Edit),
            ],
            refused: vec![(need(Group::Call, Level::Edit), 12)],
        };
        assert_eq!(
            usage.suggestion(),
            BTreeMap::from([(Group::Agent, Level::Edit), (Group::History, Level::Read)])
        );
        assert!(usage.narrows(&Access::Full));
        let same = Restrictions::none()
            .with(Group::Agent, Level::Edit)
            .and_then(|r| r.with(Group::History, Level::Read))
            .unwrap();
        assert!(!usage.narrows(&Access::Restricted(same.clone())));
        let wider = same.with(Group::Phone, Level::Read).unwrap();
        assert!(usage.narrows(&Access::Restricted(wider)));
    }
}
