//! A key's row and what the other operations make of it: its summary, its
//! access, its audit subject, and the organization lock they share.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::domain::audit::store::Subject;
use crate::domain::entities::api_key::{self, Column, Entity as ApiKey};
use crate::domain::entities::organization;
use crate::domain::{DomainError, OrgId};
use crate::model::allowed_ips::AllowedIps;
use crate::model::error::Missing;
use crate::model::keys::{KeyId, KeySettings, KeySummary, KeyUsage};
use crate::model::leaks::Leak;
use crate::model::permissions::{Access, Restrictions};
use crate::model::rate_limit::RateLimit;

/// The key an audit entry is about.
pub(crate) fn subject(row: &api_key::Model) -> Subject<'_> {
    Subject {
        id: KeyId(row.id),
        name: &row.name,
    }
}

/// An expiry in the audit log's words.
pub(super) fn expiry_words(at: Option<DateTime<Utc>>) -> String {
    match at {
        Some(at) => crate::model::expiry::format_time(&at),
        None => "Never".to_owned(),
    }
}

/// Writes the organization's row without changing it: the write lock it
/// takes makes concurrent changes to the organization's keys, its webhook
/// settings and its members and invitations queue here (on SQLite, rather than fail to upgrade a
/// read lock to a write).
pub(crate) async fn lock_organization(txn: &impl ConnectionTrait, org: OrgId) -> Result<(), DbErr> {
    organization::Entity::update_many()
        .col_expr(
            organization::Column::Id,
            Expr::col(organization::Column::Id),
        )
        .filter(organization::Column::Id.eq(org.0))
        .exec(txn)
        .await?;
    Ok(())
}

pub(super) async fn find_row(
    db: &impl ConnectionTrait,
    org: OrgId,
    id: KeyId,
) -> Result<api_key::Model, DomainError> {
    ApiKey::find()
        .filter(Column::OrganizationId.eq(org.0))
        .filter(Column::Id.eq(id.0))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound(Missing::ApiKey))
}

/// Writes the settings the key form sets onto a row, for create and update
/// alike.
pub(super) fn write_settings(row: &mut api_key::ActiveModel, settings: &KeySettings) {
    let (restricted, permissions) = encode_access(&settings.access);
    row.name = Set(settings.name.clone());
    row.restricted = Set(restricted);
    row.permissions = Set(permissions);
    if let Some(ips) = &settings.allowed_ips {
        row.allowed_ips = Set(ips.to_lines());
    }
    if let Some(limit) = settings.rate_limit {
        row.requests_per_minute = Set(limit.to_stored());
    }
}

fn encode_access(access: &Access) -> (bool, String) {
    match access {
        Access::Full => (false, "{}".to_owned()),
        Access::Restricted(r) => (
            true,
            serde_json::to_string(r).expect("restrictions serialize to JSON"),
        ),
    }
}

/// Allowed addresses in the audit log's words: "Anywhere", or the list.
pub(super) fn ips_words(ips: &AllowedIps) -> String {
    if ips.is_empty() {
        "Anywhere".to_owned()
    } else {
        ips.to_lines().replace('\n', ", ")
    }
}

/// Where a row's key may be used from. A stored list that no longer
/// decodes allows no address rather than every one.
pub fn allowed_ips_of(row: &api_key::Model) -> AllowedIps {
    AllowedIps::parse(&row.allowed_ips).unwrap_or_else(|err| {
        tracing::error!(key = row.id, error = %err, "stored allowed addresses do not decode; allowing none");
        AllowedIps::nowhere()
    })
}

/// The access stored on a row. A restriction that no longer decodes denies
/// everything rather than failing open.
pub fn access_of(row: &api_key::Model) -> Access {
    if !row.restricted {
        return Access::Full;
    }
    match serde_json::from_str::<Restrictions>(&row.permissions) {
        Ok(r) => Access::Restricted(r),
        Err(err) => {
            tracing::error!(key = row.id, error = %err, "stored restrictions do not decode; denying all");
            Access::Restricted(Restrictions::none())
        }
    }
}

pub(super) fn summary(row: api_key::Model, now: DateTime<Utc>) -> KeySummary {
    let lifetimes = row.lifetimes();
    KeySummary {
        id: KeyId(row.id),
        access: access_of(&row),
        allowed_ips: allowed_ips_of(&row),
        rate_limit: RateLimit::from_stored(row.requests_per_minute),
        // Named by the readers, who know the organization's members.
        created_by: None,
        expires_at: row.expires_at,
        expired: lifetimes.expired(now),
        previous_secret_until: lifetimes.previous_live_until(now),
        name: row.name,
        display: row.display_form,
        is_webhook: row.is_webhook,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        usage: KeyUsage::default(),
        // Named by the readers of the list, who know the organization's
        // policy (the answers of create, edit and roll do not carry it).
        outside_policy: Vec::new(),
        leaked: row.leaked_at.map(|at| Leak {
            at,
            url: row.leaked_url,
        }),
    }
}
