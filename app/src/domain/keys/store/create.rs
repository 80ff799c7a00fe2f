//! Adding a key.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait,
};

use super::rows::{expiry_words, ips_words, lock_organization, subject, summary, write_settings};
use crate::domain::audit::store::{self as audit, Actor};
use crate::domain::entities::api_key::{ActiveModel, Column, Entity as ApiKey};
use crate::domain::keys::policy;
use crate::domain::keys::secret::ApiKeySecret;
use crate::domain::{DomainError, OrgId, Sealer};
use crate::model::audit::AuditAction;
use crate::model::expiry::Expiry;
use crate::model::keys::{CreatedKey, KeySettings, MAX_KEYS_PER_ORG};

/// Creates a key, unless the organization already holds
/// `MAX_KEYS_PER_ORG` or its key policy refuses the key's access or
/// `expiry`. The count, the policy and the insert share a transaction that
/// first writes the organization's row, so concurrent creates for one
/// organization queue there and cannot both pass the count, and a policy
/// saved meanwhile applies wholly before or wholly after.
pub async fn create(
    db: &DatabaseConnection,
    sealer: &Sealer,
    org: OrgId,
    actor: &Actor,
    created_by: i64,
    settings: &KeySettings,
    expiry: &Expiry,
) -> Result<CreatedKey, DomainError> {
    let now = Utc::now();
    let secret = ApiKeySecret::generate();
    let digest = secret.digest();
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    let policy = policy::read(&txn, org).await?;
    policy.check_access(&settings.access)?;
    let expires_at = policy.resolve(expiry, None, now)?;
    let held = ApiKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .count(&txn)
        .await?;
    if held >= MAX_KEYS_PER_ORG {
        return Err(DomainError::Conflict(format!(
            "An organization can have at most {MAX_KEYS_PER_ORG} API keys. Delete keys you no longer use to add new ones."
        )));
    }
    let mut row = ActiveModel {
        organization_id: Set(org.0),
        display_form: Set(secret.display_form()),
        secret_digest: Set(digest.to_hex()),
        sealed_secret: Set(sealer.seal(&secret, &digest)),
        is_webhook: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set(expires_at),
        previous_secret_digest: Set(None),
        previous_sealed_secret: Set(None),
        previous_secret_until: Set(None),
        created_by: Set(Some(created_by)),
        ..Default::default()
    };
    write_settings(&mut row, settings);
    let row = row.insert(&txn).await?;
    audit::record(
        &txn,
        org,
        actor,
        AuditAction::KeyCreated,
        Some(subject(&row)),
        created_words(settings, expires_at),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(org = org.0, key = row.id, "api key created");
    Ok(CreatedKey {
        key: summary(row, now),
        secret: secret.expose().to_owned(),
    })
}

/// The "Key created" entry's detail: its access and expiry, and where it
/// may be used from when that is not anywhere.
fn created_words(settings: &KeySettings, expires_at: Option<DateTime<Utc>>) -> String {
    let mut words = format!(
        "Access: {}. Expires: {}.",
        settings.access.summary(),
        expiry_words(expires_at)
    );
    if let Some(ips) = settings.allowed_ips.as_ref().filter(|ips| !ips.is_empty()) {
        words.push_str(&format!(" Allowed from: {}.", ips_words(ips)));
    }
    if let Some(limit) = settings.rate_limit.and_then(|l| l.per_minute_words()) {
        words.push_str(&format!(" Requests per minute: {limit}."));
    }
    words
}
