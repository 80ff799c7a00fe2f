//! What a secret scanner's report of a token does. A token that is a live
//! secret of some organization's key stops working at once, in one
//! transaction with its audit entry and the announcement that makes every
//! instance forget it:
//!
//! - a current secret is quarantined (`leaked_at`), or its key deleted
//!   where the organization chose **Delete it** (never the webhook key,
//!   which is quarantined instead);
//! - a previous secret, still in a roll's grace period, has that period
//!   ended now.
//!
//! Reports are idempotent: each change is a conditional write that only
//! the first report of a secret wins, so a second report, here or on
//! another instance, changes nothing and writes no entry.

pub mod response;

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};

use super::lookup;
use super::secret::ApiKeySecret;
use super::store::{forget_usage, lock_organization, subject};
use crate::domain::audit::store::{self as audit, Actor};
use crate::domain::entities::api_key::{self, Column, Entity as ApiKey};
use crate::domain::key_changes::{self, KeyChangeSink};
use crate::domain::webhooks::deliveries;
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::expiry::SecretSlot;
use crate::model::key_events::{
    KeyEvent, KeyEventDetail, KeyEventSubject, LeakOutcome, LeakedSecret,
};
use crate::model::keys::KeyId;
use crate::model::leaks::{LeakLabel, LeakResponse, SCANNER_ACTOR};
use crate::model::webhooks::URL_MAX_CHARS;

/// One reported token and where it was found.
pub struct ReportedToken<'a> {
    pub token: &'a str,
    pub url: Option<&'a str>,
}

/// What was done about a live secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Quarantine,
    Delete,
    EndGrace,
}

/// Acts on one reported token at `now` and says whether it was a live
/// secret. A secret that is not live but could come back (the current
/// secret of an expired key) is quarantined all the same. `address` is the
/// scanner's, for the audit entry.
pub async fn report(
    db: &DatabaseConnection,
    changes: &Arc<dyn KeyChangeSink>,
    reported: &ReportedToken<'_>,
    address: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<LeakLabel, DomainError> {
    let Ok(secret) = ApiKeySecret::parse(reported.token.trim()) else {
        return Ok(LeakLabel::FalsePositive);
    };
    let actor = Actor {
        who: SCANNER_ACTOR.to_owned(),
        address,
    };
    let url = source_url(reported.url);
    // A write lost to a concurrent change (a roll, a delete, the same
    // report on another instance) is looked at again as it now stands.
    const ATTEMPTS: usize = 3;
    for _ in 0..ATTEMPTS {
        let Some((row, slot)) = lookup::find_by_secret(db, &secret).await? else {
            return Ok(LeakLabel::FalsePositive);
        };
        // Live: it works now, or would but for an earlier report's
        // quarantine (a guardrail, not a lifetime).
        let label = match row.lifetimes().check(slot, now) {
            Ok(()) => LeakLabel::TruePositive,
            Err(_) => LeakLabel::FalsePositive,
        };
        if !still_works_somehow(&row, slot, now) {
            return Ok(label);
        }
        let org = OrgId(row.organization_id);
        let txn = db.begin().await?;
        lock_organization(&txn, org).await?;
        let action = match slot {
            SecretSlot::Previous => Action::EndGrace,
            SecretSlot::Current if row.is_webhook => Action::Quarantine,
            SecretSlot::Current => match response::read(&txn, org).await? {
                LeakResponse::Quarantine => Action::Quarantine,
                LeakResponse::Delete => Action::Delete,
            },
        };
        if apply(&txn, &row, action, url.as_deref(), now).await? {
            record(&txn, &row, action, (url.as_deref(), now), &actor).await?;
            let change = row.key_change();
            key_changes::record(&txn, &change).await?;
            key_changes::commit_and_tell(txn, changes, &change).await?;
            tracing::warn!(org = org.0, key = row.id, action = ?action, "api key reported leaked");
            return Ok(label);
        }
        txn.rollback().await?;
    }
    Err(DomainError::Conflict(
        "This key was changed at the same time. Report it again.".to_owned(),
    ))
}

/// Whether the reported secret could still work, now or once its key's
/// expiry is moved: a current secret not yet quarantined (even of an
/// expired key, which an edit can bring back), or a previous secret still
/// in its grace period. Only then is there something to change.
fn still_works_somehow(row: &api_key::Model, slot: SecretSlot, now: DateTime<Utc>) -> bool {
    match slot {
        SecretSlot::Current => row.leaked_at.is_none(),
        SecretSlot::Previous => {
            row.previous_sealed_secret.is_some()
                && row.previous_secret_until.is_some_and(|until| now < until)
        }
    }
}

/// The report's URL, kept only if it is a web address of bounded length:
/// the page shows it, and nothing else should pass for where a key was found.
fn source_url(url: Option<&str>) -> Option<String> {
    let url = url?.trim();
    let web = url.starts_with("https://") || url.starts_with("http://");
    (web && url.len() <= URL_MAX_CHARS && !url.chars().any(char::is_control))
        .then(|| url.to_owned())
}

/// Makes the change if the secret is still as it was read; whether it was.
async fn apply(
    txn: &impl ConnectionTrait,
    row: &api_key::Model,
    action: Action,
    url: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let this_key = ApiKey::update_many()
        .filter(Column::OrganizationId.eq(row.organization_id))
        .filter(Column::Id.eq(row.id));
    let changed = match action {
        Action::Quarantine => {
            this_key
                .col_expr(Column::LeakedAt, Expr::value(Some(now)))
                .col_expr(Column::LeakedUrl, Expr::value(url.map(str::to_owned)))
                .filter(Column::SecretDigest.eq(row.secret_digest.clone()))
                .filter(Column::LeakedAt.is_null())
                .exec(txn)
                .await?
                .rows_affected
        }
        // The sealed copy goes too: a leaked secret never signs again.
        Action::EndGrace => {
            this_key
                .col_expr(Column::PreviousSecretUntil, Expr::value(Some(now)))
                .col_expr(Column::PreviousSealedSecret, Expr::value(None::<Vec<u8>>))
                .filter(Column::PreviousSecretDigest.eq(row.previous_secret_digest.clone()))
                .filter(Column::PreviousSecretUntil.gt(now))
                // Ended already (by a report that read the clock later).
                .filter(Column::PreviousSealedSecret.is_not_null())
                .exec(txn)
                .await?
                .rows_affected
        }
        Action::Delete => {
            let deleted = ApiKey::delete_many()
                .filter(Column::OrganizationId.eq(row.organization_id))
                .filter(Column::Id.eq(row.id))
                .filter(Column::SecretDigest.eq(row.secret_digest.clone()))
                .filter(Column::IsWebhook.eq(false))
                .exec(txn)
                .await?
                .rows_affected;
            if deleted == 1 {
                forget_usage(txn, KeyId(row.id)).await?;
            }
            deleted
        }
    };
    Ok(changed == 1)
}

/// "Reported leaked", naming the scanner and where, and for a deleted key
/// also "Key deleted", so the log's filter by action finds it; and the
/// `key_leaked` webhook event, queued with them.
async fn record(
    txn: &impl ConnectionTrait,
    row: &api_key::Model,
    action: Action,
    (url, now): (Option<&str>, DateTime<Utc>),
    actor: &Actor,
) -> Result<(), DomainError> {
    let org = OrgId(row.organization_id);
    let found = match url {
        Some(url) => format!("GitHub found it at {url}."),
        None => "GitHub found it in public.".to_owned(),
    };
    let detail = match action {
        Action::Quarantine => {
            format!(
                "{found} Quarantined: the secret no longer works; roll the key to use it again."
            )
        }
        Action::Delete => format!("{found} The key was deleted."),
        Action::EndGrace => {
            format!("{found} It was the secret the last roll replaced: its grace period ended now.")
        }
    };
    let key = Some(subject(row));
    audit::record(txn, org, actor, AuditAction::ReportedLeaked, key, detail).await?;
    let (secret, response) = match action {
        Action::Quarantine => (LeakedSecret::Current, LeakOutcome::Quarantined),
        Action::Delete => (LeakedSecret::Current, LeakOutcome::Deleted),
        Action::EndGrace => (LeakedSecret::Previous, LeakOutcome::GracePeriodEnded),
    };
    let subject = KeyEventSubject {
        id: row.id,
        name: row.name.clone(),
        display: row.display_form.clone(),
        detail: KeyEventDetail::Leaked {
            leaked_at: now,
            found_at: url.map(str::to_owned),
            secret,
            response,
        },
    };
    deliveries::enqueue_key_event(txn, org, KeyEvent::Leaked, &subject).await?;
    if action == Action::Delete {
        audit::record(txn, org, actor, AuditAction::KeyDeleted, key, "").await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_bounded_web_address_is_kept_as_where_a_key_was_found() {
        let kept = |u: &str| source_url(Some(u));
        assert_eq!(
            kept(" https://github.com/o/r/blob/1/a.py ").as_deref(),
            Some("https://github.com/o/r/blob/1/a.py")
        );
        assert_eq!(kept("javascript:alert(1)"), None);
        assert_eq!(kept("https://x/\nforged"), None);
        assert_eq!(
            kept(&format!("https://{}", "a".repeat(URL_MAX_CHARS))),
            None
        );
        assert_eq!(source_url(None), None);
    }
}
