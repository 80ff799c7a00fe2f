//! Editing a key: its name, restrictions and expiry.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, TransactionTrait};

use super::rows::{
    access_of, allowed_ips_of, expiry_words, find_row, ips_words, lock_organization, subject,
    summary, write_settings,
};
use crate::domain::audit::store::{self as audit, Actor, before_after};
use crate::domain::entities::api_key::{self, ActiveModel};
use crate::domain::key_changes::{self, KeyChangeSink};
use crate::domain::keys::policy;
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::error::Missing;
use crate::model::expiry::Expiry;
use crate::model::keys::{KeyId, KeySettings, KeySummary};
use crate::model::rate_limit::RateLimit;

/// Renames, re-restricts and re-dates a key in one transaction, so that two
/// edits at once cannot mix, and `Keep` keeps the expiry read in it. The
/// result must keep to the organization's key policy. What verified the
/// key's secrets before is told to forget them.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    db: &DatabaseConnection,
    changes: &Arc<dyn KeyChangeSink>,
    org: OrgId,
    actor: &Actor,
    id: KeyId,
    settings: &KeySettings,
    expiry: &Expiry,
    now: DateTime<Utc>,
) -> Result<KeySummary, DomainError> {
    let txn = db.begin().await?;
    // Write first, read after: on SQLite a transaction that has read cannot
    // begin writing once another write has committed meanwhile.
    lock_organization(&txn, org).await?;
    let row = find_row(&txn, org, id).await?;
    // An edit brings a key made before the policy within it.
    let policy = policy::read(&txn, org).await?;
    policy.check_access(&settings.access)?;
    let expires_at = policy.resolve(expiry, row.expires_at, now)?;
    let change = row.key_change();
    let entries = audit_entries(&row, settings, expires_at);
    let mut active: ActiveModel = row.into();
    write_settings(&mut active, settings);
    active.expires_at = Set(expires_at);
    active.updated_at = Set(now);
    let row = active.update(&txn).await.map_err(not_found_if_gone)?;
    for (action, detail) in entries {
        audit::record(&txn, org, actor, action, Some(subject(&row)), detail).await?;
    }
    key_changes::record(&txn, &change).await?;
    key_changes::commit_and_tell(txn, changes, &change).await?;
    tracing::info!(org = org.0, key = row.id, "api key updated");
    Ok(summary(row, now))
}

/// What an edit changes, in the audit log's words: one entry per kind of
/// change, each with its before and after; none for an unchanged save.
fn audit_entries(
    row: &api_key::Model,
    settings: &KeySettings,
    expires_at: Option<DateTime<Utc>>,
) -> Vec<(AuditAction, String)> {
    let mut entries = Vec::new();
    if row.name != settings.name {
        entries.push((
            AuditAction::KeyRenamed,
            before_after(&format!("“{}”", row.name), &format!("“{}”", settings.name)),
        ));
    }
    let before = access_of(row);
    if before != settings.access {
        entries.push((
            AuditAction::RestrictionsChanged,
            before_after(&before.summary(), &settings.access.summary()),
        ));
    }
    let before = allowed_ips_of(row);
    if let Some(after) = settings
        .allowed_ips
        .as_ref()
        .filter(|after| **after != before)
    {
        entries.push((
            AuditAction::AllowedIpsChanged,
            before_after(&ips_words(&before), &ips_words(after)),
        ));
    }
    let before = RateLimit::from_stored(row.requests_per_minute);
    if let Some(after) = settings.rate_limit.filter(|after| *after != before) {
        entries.push((
            AuditAction::RateLimitChanged,
            before_after(&before.summary(), &after.summary()),
        ));
    }
    if row.expires_at != expires_at {
        entries.push((
            AuditAction::ExpiryChanged,
            before_after(&expiry_words(row.expires_at), &expiry_words(expires_at)),
        ));
    }
    entries
}

/// `update` of a row deleted since it was read: the key is gone.
fn not_found_if_gone(err: DbErr) -> DomainError {
    match err {
        DbErr::RecordNotUpdated => DomainError::NotFound(Missing::ApiKey),
        other => DomainError::Db(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An edit that finds its row gone between reading and writing it (a
    /// delete in between) is a missing key, not a server error.
    #[test]
    fn an_update_of_a_row_deleted_meanwhile_is_not_found() {
        assert!(matches!(
            not_found_if_gone(DbErr::RecordNotUpdated),
            DomainError::NotFound(Missing::ApiKey)
        ));
        assert!(matches!(
            not_found_if_gone(DbErr::Custom("disk full".into())),
            DomainError::Db(_)
        ));
    }
}
