//! API keys as both sides see them: what the list shows and what the form sends.
//! The secret itself, the database and the sealing live behind `ssr`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::permissions::{Access, Group, Level};

pub mod server_fns;

#[cfg(feature = "ssr")]
pub mod secret;
#[cfg(feature = "ssr")]
pub mod store;

/// Longest name a key may have, in characters.
pub const NAME_MAX_CHARS: usize = 100;

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
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
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
}

impl KeyInput {
    /// Checks the input and turns it into a name and an access.
    pub fn validate(&self) -> Result<(String, Access), AppError> {
        let name = validate_name(&self.name)?;
        let access = if self.restricted {
            let restrictions = self.levels.clone().try_into().map_err(
                |e: crate::permissions::PermissionError| {
                    let crate::permissions::PermissionError::ReadOnActionOnly { group } = &e;
                    AppError::invalid(format!("permissions.{}", group.slug()), e.to_string())
                },
            )?;
            Access::Restricted(restrictions)
        } else {
            Access::Full
        };
        Ok((name, access))
    }
}

/// A newly created key: the only time the full secret leaves the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedKey {
    pub key: KeySummary,
    pub secret: String,
}

/// Trims the name and checks its length; the error names the field.
pub fn validate_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::invalid("name", "Enter a name for the key."));
    }
    let chars = name.chars().count();
    if chars > NAME_MAX_CHARS {
        return Err(AppError::invalid(
            "name",
            format!("Use at most {NAME_MAX_CHARS} characters (this name has {chars})."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", "The name cannot contain control characters."));
    }
    Ok(name.to_owned())
}

/// Dates in the list, in UTC so that server and browser render the same text.
pub fn format_date(at: &DateTime<Utc>) -> String {
    at.format("%b %-d, %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_name("  Zapier  ").unwrap(), "Zapier");
        assert_eq!(validate_name("   ").unwrap_err().message_for("name").unwrap(), "Enter a name for the key.");
        assert!(validate_name(&"x".repeat(100)).is_ok());
        let too_long = validate_name(&"é".repeat(101)).unwrap_err();
        assert!(too_long.message_for("name").unwrap().contains("at most 100"));
        assert!(validate_name("a\u{7}b").is_err());
    }

    #[test]
    fn unrestricted_input_ignores_levels_and_gets_full_access() {
        let input = KeyInput {
            name: "ci".into(),
            restricted: false,
            levels: [(Group::Call, Level::Read)].into(),
        };
        assert_eq!(input.validate().unwrap(), ("ci".into(), Access::Full));
    }

    #[test]
    fn read_on_call_names_the_permission_field() {
        let input = KeyInput {
            name: "ci".into(),
            restricted: true,
            levels: [(Group::Call, Level::Read)].into(),
        };
        let err = input.validate().unwrap_err();
        assert!(err.message_for("permissions.call").unwrap().contains("action-only"));
    }

    #[test]
    fn dates_render_in_utc() {
        let at = DateTime::parse_from_rfc3339("2026-11-27T23:30:00-05:00").unwrap().to_utc();
        assert_eq!(format_date(&at), "Nov 28, 2026");
    }
}
