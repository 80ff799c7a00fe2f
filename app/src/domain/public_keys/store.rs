//! Adding, changing, deleting and listing an organization's public keys.
//! Every function takes the organization and filters by it, so another
//! organization's key is simply not found. Each change re-checks the
//! caller's role after the organization's lock and writes its audit entry
//! in its transaction.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::token::PublicKeyToken;
use super::usage;
use crate::domain::audit::store::{self as audit, Actor, before_after};
use crate::domain::entities::public_key::{self, ActiveModel, Column, Entity as PublicKey};
use crate::domain::entities::public_key_domain;
use crate::domain::keys::store::lock_organization;
use crate::domain::teams::still_may;
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::error::Missing;
use crate::model::members::UserId;
use crate::model::public_keys::{
    AllowedAgents, AllowedDomains, PublicKeyId, PublicKeySettings, PublicKeySummary,
    WebCallsPerMinute,
};
use crate::model::roles::Capability;

/// Public keys one organization may hold.
pub const MAX_PUBLIC_KEYS_PER_ORG: u64 = 100;

/// Who is acting: for the audit log, and to re-check their role.
pub type Acting<'a> = (&'a Actor, UserId);

/// The organization's public keys, oldest first, with their use.
pub async fn list(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<Vec<PublicKeySummary>, DomainError> {
    let rows = PublicKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let mut used = usage::by_key(db, org, Utc::now()).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (daily, refused) = used.remove(&row.id).unwrap_or_else(usage::none);
            summary(row, daily, refused)
        })
        .collect())
}

/// One of the organization's keys, as the list shows it.
pub async fn find(
    db: &impl ConnectionTrait,
    org: OrgId,
    id: PublicKeyId,
) -> Result<PublicKeySummary, DomainError> {
    let row = find_row(db, org, id).await?;
    let (daily, refused) = usage::by_key(db, org, Utc::now())
        .await?
        .remove(&row.id)
        .unwrap_or_else(usage::none);
    Ok(summary(row, daily, refused))
}

pub async fn create(
    db: &DatabaseConnection,
    org: OrgId,
    (actor, by): Acting<'_>,
    settings: &PublicKeySettings,
) -> Result<PublicKeySummary, DomainError> {
    let now = Utc::now();
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    still_may(&txn, org, by, Capability::ManageKeys).await?;
    let held = PublicKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .count(&txn)
        .await?;
    if held >= MAX_PUBLIC_KEYS_PER_ORG {
        return Err(DomainError::Conflict(format!(
            "An organization can have at most {MAX_PUBLIC_KEYS_PER_ORG} public keys. Delete keys you no longer use to add new ones."
        )));
    }
    let key = PublicKeyToken::generate();
    let row = ActiveModel {
        organization_id: Set(org.0),
        name: Set(settings.name.clone()),
        key: Set(key.as_str().to_owned()),
        allowed_domains: Set(settings.domains.to_text()),
        agents: Set(settings.agents.to_text()),
        web_calls_per_minute: Set(i64::from(settings.per_minute.get())),
        created_by: Set(Some(by.0)),
        created_at: Set(now),
        updated_at: Set(now),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    write_domains(&txn, row.id, &settings.domains).await?;
    let detail = describe(settings, &key);
    audit::record(
        &txn,
        org,
        actor,
        AuditAction::PublicKeyCreated,
        None,
        detail,
    )
    .await?;
    txn.commit().await?;
    tracing::info!(org = org.0, public_key = row.id, "public key created");
    Ok(summary(row, usage::none().0, 0))
}

/// Saves Edit's settings; an unchanged save writes nothing.
pub async fn update(
    db: &DatabaseConnection,
    org: OrgId,
    (actor, by): Acting<'_>,
    id: PublicKeyId,
    settings: &PublicKeySettings,
) -> Result<(), DomainError> {
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    still_may(&txn, org, by, Capability::ManageKeys).await?;
    let row = find_row(&txn, org, id).await?;
    let before = settings_of(&row);
    let changes = changes(&before, settings);
    if changes.is_empty() {
        return Ok(());
    }
    let mut active: ActiveModel = row.clone().into();
    active.name = Set(settings.name.clone());
    active.allowed_domains = Set(settings.domains.to_text());
    active.agents = Set(settings.agents.to_text());
    active.web_calls_per_minute = Set(i64::from(settings.per_minute.get()));
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    write_domains(&txn, row.id, &settings.domains).await?;
    let detail = format!("{}: {}", row.name, changes.join("; "));
    audit::record(
        &txn,
        org,
        actor,
        AuditAction::PublicKeyChanged,
        None,
        detail,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn delete(
    db: &DatabaseConnection,
    org: OrgId,
    (actor, by): Acting<'_>,
    id: PublicKeyId,
) -> Result<(), DomainError> {
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    still_may(&txn, org, by, Capability::ManageKeys).await?;
    let row = find_row(&txn, org, id).await?;
    public_key_domain::Entity::delete_many()
        .filter(public_key_domain::Column::PublicKeyId.eq(row.id))
        .exec(&txn)
        .await?;
    usage::forget(&txn, id).await?;
    PublicKey::delete_by_id(row.id).exec(&txn).await?;
    let detail = format!("{} ({})", row.name, row.key);
    audit::record(
        &txn,
        org,
        actor,
        AuditAction::PublicKeyDeleted,
        None,
        detail,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn find_row(
    db: &impl ConnectionTrait,
    org: OrgId,
    id: PublicKeyId,
) -> Result<public_key::Model, DomainError> {
    PublicKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::Id.eq(id.0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound(Missing::PublicKey))
}

/// The lines a preflight finds, replaced whole.
async fn write_domains(
    txn: &impl ConnectionTrait,
    id: i64,
    domains: &AllowedDomains,
) -> Result<(), DomainError> {
    public_key_domain::Entity::delete_many()
        .filter(public_key_domain::Column::PublicKeyId.eq(id))
        .exec(txn)
        .await?;
    let rows = domains
        .lines()
        .into_iter()
        .map(|domain| public_key_domain::ActiveModel {
            public_key_id: Set(id),
            domain: Set(domain),
        });
    public_key_domain::Entity::insert_many(rows)
        .exec(txn)
        .await?;
    Ok(())
}

/// A stored row's settings. Lines are stored normalized, so they parse;
/// one that does not (never written) reads as none.
fn settings_of(row: &public_key::Model) -> (String, Vec<String>, Vec<String>, u32) {
    let domains = AllowedDomains::parse(&row.allowed_domains)
        .map(|d| d.lines())
        .unwrap_or_default();
    let agents = AllowedAgents::parse(&row.agents)
        .map(|a| a.ids().to_vec())
        .unwrap_or_default();
    let per_minute = WebCallsPerMinute::from_stored(row.web_calls_per_minute).get();
    (row.name.clone(), domains, agents, per_minute)
}

/// What a save changes, in words, one item per setting.
fn changes(
    (name, domains, agents, per_minute): &(String, Vec<String>, Vec<String>, u32),
    to: &PublicKeySettings,
) -> Vec<String> {
    let mut said = Vec::new();
    if *name != to.name {
        said.push(format!("Name: {}", before_after(name, &to.name)));
    }
    if *domains != to.domains.lines() {
        let words = before_after(&domains.join(", "), &to.domains.lines().join(", "));
        said.push(format!("Allowed domains: {words}"));
    }
    if agents != to.agents.ids() {
        let words = before_after(&agents_words(agents), &agents_words(to.agents.ids()));
        said.push(format!("Agents: {words}"));
    }
    if *per_minute != to.per_minute.get() {
        let words = before_after(&per_minute.to_string(), &to.per_minute.get().to_string());
        said.push(format!("Web calls per minute: {words}"));
    }
    said
}

fn agents_words(agents: &[String]) -> String {
    if agents.is_empty() {
        "any agent".to_owned()
    } else {
        agents.join(", ")
    }
}

/// A new key's settings, for its audit entry (with the key: it is not a
/// secret, and it is what a misuse is seen by).
fn describe(settings: &PublicKeySettings, key: &PublicKeyToken) -> String {
    format!(
        "{} ({}): allowed domains {}; agents {}; {} web calls per minute",
        settings.name,
        key.as_str(),
        settings.domains.lines().join(", "),
        agents_words(settings.agents.ids()),
        settings.per_minute.get()
    )
}

fn summary(row: public_key::Model, daily: Vec<u64>, refused: u64) -> PublicKeySummary {
    let (_, domains, agents, per_minute) = settings_of(&row);
    PublicKeySummary {
        id: PublicKeyId(row.id),
        name: row.name,
        key: row.key,
        domains,
        agents,
        web_calls_per_minute: per_minute,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        daily,
        refused,
    }
}
