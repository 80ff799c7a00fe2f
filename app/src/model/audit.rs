//! The audit log: who changed what, and who signed in, per organization.
//! The types the page shows are here; writing, reading and the CSV export
//! live behind `ssr`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use sea_orm::sea_query::StringLen;

/// Entries per page, on the page and in nothing else: the CSV holds every
/// entry of the filter.
pub const PAGE_SIZE: u64 = 50;
/// The deleted keys the page's key filter offers: the most recently
/// deleted ones, so the page reads a bounded number of entries however many
/// keys were ever deleted. An older deleted key's entries are still in the
/// unfiltered log, its CSV, and `?key=<id>`.
pub const DELETED_KEY_CHOICES: u64 = 100;
/// How long entries are kept unless `KEYWARD_AUDIT_RETENTION_DAYS` says
/// otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// Where the page's **Download CSV** link points; `?key=<id>` filters.
pub const CSV_PATH: &str = "/settings/audit-log/export.csv";

/// What an entry records. Stored as its snake-case name; a stored value
/// that is none of these is an error on read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ssr",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "String(StringLen::None)")
)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "key_created"))]
    KeyCreated,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "key_renamed"))]
    KeyRenamed,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "restrictions_changed"))]
    RestrictionsChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "expiry_changed"))]
    ExpiryChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "allowed_ips_changed"))]
    AllowedIpsChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "rate_limit_changed"))]
    RateLimitChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "key_policy_changed"))]
    KeyPolicyChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "leak_response_changed"))]
    LeakResponseChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "reported_leaked"))]
    ReportedLeaked,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "key_rolled"))]
    KeyRolled,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "key_deleted"))]
    KeyDeleted,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_key_set"))]
    WebhookKeySet,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "webhook_url_changed"))]
    WebhookUrlChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "public_key_created"))]
    PublicKeyCreated,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "public_key_changed"))]
    PublicKeyChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "public_key_deleted"))]
    PublicKeyDeleted,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "signed_in"))]
    SignedIn,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "sign_in_failed"))]
    SignInFailed,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "member_invited"))]
    MemberInvited,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "invitation_revoked"))]
    InvitationRevoked,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "member_joined"))]
    MemberJoined,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "role_changed"))]
    RoleChanged,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "member_removed"))]
    MemberRemoved,
}

impl AuditAction {
    /// The "What" column.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::KeyCreated => "Key created",
            AuditAction::KeyRenamed => "Key renamed",
            AuditAction::RestrictionsChanged => "Restrictions changed",
            AuditAction::ExpiryChanged => "Expiry changed",
            AuditAction::AllowedIpsChanged => "Allowed IP addresses changed",
            AuditAction::RateLimitChanged => "Rate limit changed",
            AuditAction::KeyPolicyChanged => "Key policy changed",
            AuditAction::LeakResponseChanged => "Leak response changed",
            AuditAction::ReportedLeaked => "Reported leaked",
            AuditAction::KeyRolled => "Key rolled",
            AuditAction::KeyDeleted => "Key deleted",
            AuditAction::WebhookKeySet => "Set as webhook key",
            AuditAction::WebhookUrlChanged => "Webhook URL changed",
            AuditAction::PublicKeyCreated => "Public key created",
            AuditAction::PublicKeyChanged => "Public key changed",
            AuditAction::PublicKeyDeleted => "Public key deleted",
            AuditAction::SignedIn => "Signed in",
            AuditAction::SignInFailed => "Sign-in failed",
            AuditAction::MemberInvited => "Member invited",
            AuditAction::InvitationRevoked => "Invitation revoked",
            AuditAction::MemberJoined => "Member joined",
            AuditAction::RoleChanged => "Role changed",
            AuditAction::MemberRemoved => "Member removed",
        }
    }
}

/// One entry, as the page and the CSV show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// The user's email, or "API key <name>".
    pub who: String,
    pub action: AuditAction,
    /// The name the key had then, for entries about a key.
    pub key_name: Option<String>,
    /// Before → after, in words; empty when the action says it all.
    pub detail: String,
    pub client_address: Option<String>,
}

/// Which entries to show: those about one key, or all; and which page, as
/// an entry id to read past (Next: older than `before`; Previous: newer
/// than `after`). Ids grow with time, so they order entries newest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub key: Option<i64>,
    pub before: Option<i64>,
    pub after: Option<i64>,
}

impl AuditQuery {
    /// From the page's query string; a parameter that is not a number is
    /// ignored, as if it were absent.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> AuditQuery {
        let number = |name: &str| get(name).and_then(|v| v.trim().parse::<i64>().ok());
        AuditQuery {
            key: number("key"),
            before: number("before"),
            after: number("after"),
        }
    }

    /// The page's address for this query.
    pub fn href(&self) -> String {
        let params: Vec<String> = [
            ("key", self.key),
            ("before", self.before),
            ("after", self.after),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| format!("{name}={v}")))
        .collect();
        if params.is_empty() {
            "/settings/audit-log".to_owned()
        } else {
            format!("/settings/audit-log?{}", params.join("&"))
        }
    }

    /// The CSV of this query's filter (every page of it).
    pub fn csv_href(&self) -> String {
        match self.key {
            Some(key) => format!("{CSV_PATH}?key={key}"),
            None => CSV_PATH.to_owned(),
        }
    }
}

/// A key the log can be filtered by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyChoice {
    pub id: i64,
    pub name: String,
    pub deleted: bool,
}

/// One page of entries, newest first, and where the neighbouring pages
/// start (`None`: there is none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub newer: Option<AuditQuery>,
    pub older: Option<AuditQuery>,
    pub keys: Vec<KeyChoice>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_round_trips_through_its_address_and_ignores_junk() {
        let query = AuditQuery {
            key: Some(7),
            before: Some(120),
            after: None,
        };
        assert_eq!(query.href(), "/settings/audit-log?key=7&before=120");
        assert_eq!(query.csv_href(), "/settings/audit-log/export.csv?key=7");
        assert_eq!(AuditQuery::default().href(), "/settings/audit-log");
        let params = |name: &str| match name {
            "key" => Some("7".to_owned()),
            "before" => Some(" 120 ".to_owned()),
            "after" => Some("soon".to_owned()),
            _ => None,
        };
        assert_eq!(AuditQuery::from_params(params), query);
    }
}
