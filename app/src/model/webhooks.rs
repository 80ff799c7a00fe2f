//! Outgoing webhooks as both sides see them: the organization's URL, its
//! deliveries, and what the Webhooks page shows. Queuing them is the
//! domain's (`domain::webhooks`); signing and sending, the server's
//! delivery worker (`server::webhooks`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::error::AppError;
#[cfg(feature = "ssr")]
use sea_orm::sea_query::StringLen;

pub const URL_MAX_CHARS: usize = 2048;

/// Everything the Webhooks page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookOverview {
    pub url: Option<String>,
    /// The organization's webhook key, if one is set.
    pub webhook_key: Option<WebhookKeyStatus>,
    pub deliveries: Vec<DeliverySummary>,
    /// Whether the viewer's role may save the URL, send a test and
    /// resend; the page shows those controls only then.
    #[serde(default)]
    pub may_manage: bool,
}

/// Which key signs deliveries, and with which of its secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookKeyStatus {
    pub name: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// An expired webhook key signs nothing: deliveries are not sent.
    pub expired: bool,
    /// After a roll with a grace period, deliveries are signed with the
    /// previous secret until this instant, then with the new one.
    pub previous_signs_until: Option<DateTime<Utc>>,
    /// When the key's secret was reported leaked: until it is rolled it
    /// signs nothing, and deliveries wait.
    #[serde(default)]
    pub leaked_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySummary {
    pub id: i64,
    pub event: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
}

/// Stored as its snake-case name; a stored value that is none of these is
/// an error on read, never mistaken for one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ssr",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "String(StringLen::None)")
)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "pending"))]
    Pending,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "delivered"))]
    Delivered,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "failed"))]
    Failed,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "not_sent"))]
    NotSent,
    /// Never sent: the organization already had `PENDING_PER_ORG`
    /// deliveries waiting when it was queued.
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "dropped"))]
    Dropped,
}

impl DeliveryStatus {
    pub fn label(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "Pending",
            DeliveryStatus::Delivered => "Delivered",
            DeliveryStatus::Failed => "Failed",
            DeliveryStatus::NotSent => "Not sent",
            DeliveryStatus::Dropped => "Dropped",
        }
    }
}

/// http or https, a host, at most 2048 characters, no spaces. The server
/// parses it strictly again before each send.
pub fn validate_url(raw: &str) -> Result<String, AppError> {
    let url = raw.trim();
    if url.is_empty() {
        return Err(AppError::invalid(
            "url",
            "Enter the URL that should receive webhooks.",
        ));
    }
    if url.chars().count() > URL_MAX_CHARS {
        return Err(AppError::invalid(
            "url",
            format!("Use at most {URL_MAX_CHARS} characters."),
        ));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| AppError::invalid("url", "The URL must start with https:// or http://."))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = if host.starts_with('[') {
        host
    } else {
        host.split(':').next().unwrap_or_default()
    };
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::invalid(
            "url",
            "The URL needs a host, like https://example.com/webhooks.",
        ));
    }
    Ok(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_need_a_scheme_a_host_and_a_bounded_length() {
        assert_eq!(
            validate_url(" https://example.com/hook ").unwrap(),
            "https://example.com/hook"
        );
        assert!(validate_url("http://127.0.0.1:8080").is_ok());
        assert!(validate_url("http://[::1]:8080/x").is_ok());
        for bad in [
            "",
            "ftp://example.com",
            "example.com",
            "https://",
            "https:///path",
            "https://exa mple.com",
        ] {
            assert!(
                validate_url(bad).unwrap_err().message_for("url").is_some(),
                "{bad:?}"
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(2048));
        assert!(
            validate_url(&long)
                .unwrap_err()
                .message_for("url")
                .unwrap()
                .contains("2048")
        );
    }
}
