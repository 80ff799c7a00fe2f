//! Webhook deliveries as the dashboard and the API write and read them:
//! events are queued in the same transaction as what they announce. The
//! server's delivery worker (`server::webhooks`) claims, signs and sends them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde_json::{Value, json};

use crate::domain::audit::store::{self as audit, Actor};
use crate::domain::entities::{api_key, webhook_delivery as delivery, webhook_setting};
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::error::Missing;
use crate::model::key_events::{KeyEvent, KeyEventSubject};
use crate::model::webhooks::{DeliveryStatus, DeliverySummary, WebhookKeyStatus, WebhookOverview};

/// Deliveries one organization may have waiting to be sent. Past it, a new
/// event is recorded as dropped, not queued: a receiver that never answers
/// cannot grow the outbox without bound.
pub const PENDING_PER_ORG: u64 = 1_000;

/// Queues `event` about `call` for the organization's webhook URL.
/// Nothing is queued when the organization has no URL.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    org: OrgId,
    event: &str,
    call: &Value,
) -> Result<Option<i64>, DomainError> {
    enqueue_about(db, org, event, ("call", call)).await
}

/// Queues a key event for the organization's webhook URL.
pub async fn enqueue_key_event(
    db: &impl ConnectionTrait,
    org: OrgId,
    event: KeyEvent,
    key: &KeyEventSubject,
) -> Result<Option<i64>, DomainError> {
    let key = serde_json::to_value(key).map_err(|e| DomainError::Broken(e.to_string()))?;
    enqueue_about(db, org, event.name(), ("key", &key)).await
}

/// Queues `event` with its subject under its name (`("key", {...})`):
/// `{"event", "event_id", "<name>": subject}`.
async fn enqueue_about(
    db: &impl ConnectionTrait,
    org: OrgId,
    event: &str,
    (name, subject): (&str, &Value),
) -> Result<Option<i64>, DomainError> {
    if webhook_setting::Entity::find_by_id(org.0)
        .one(db)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let now = Utc::now();
    // Concurrent events of one organization may each see room for one more:
    // the cap can be passed by as many as arrive at the same instant.
    let (status, last_error) = if pending(db, org, None).await? >= PENDING_PER_ORG {
        (DeliveryStatus::Dropped, Some(dropped_reason()))
    } else {
        (DeliveryStatus::Pending, None)
    };
    // The body is fixed here, so every attempt (and a Resend) carries the
    // same `event_id`: receivers can drop replays and duplicates by it.
    let row = delivery::ActiveModel {
        organization_id: Set(org.0),
        event: Set(event.to_owned()),
        body: Set({
            let mut body = json!({ "event": event, "event_id": new_event_id() });
            body[name] = subject.clone();
            body.to_string()
        }),
        status: Set(status),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_status_code: Set(None),
        last_error: Set(last_error),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some(row.id))
}

/// Makes the organization's deliveries held for a leaked webhook key due
/// now: a roll has given the key a secret to sign them with.
pub async fn release_held(
    db: &impl ConnectionTrait,
    org: OrgId,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    delivery::Entity::update_many()
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
        .filter(delivery::Column::OrganizationId.eq(org.0))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Pending))
        .filter(delivery::Column::LastError.eq(crate::model::leaks::WEBHOOK_KEY_LEAKED))
        .exec(db)
        .await?;
    Ok(())
}

/// What the page shows for a dropped delivery.
fn dropped_reason() -> String {
    format!("dropped: {PENDING_PER_ORG} deliveries already waiting")
}

/// The organization's deliveries waiting to be sent, `except` one.
async fn pending(
    db: &impl ConnectionTrait,
    org: OrgId,
    except: Option<i64>,
) -> Result<u64, DomainError> {
    let mut query = delivery::Entity::find()
        .filter(delivery::Column::OrganizationId.eq(org.0))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Pending));
    if let Some(id) = except {
        query = query.filter(delivery::Column::Id.ne(id));
    }
    Ok(query.count(db).await?)
}

pub async fn overview(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<WebhookOverview, DomainError> {
    let url = webhook_setting::Entity::find_by_id(org.0)
        .one(db)
        .await?
        .map(|s| s.url);
    let now = Utc::now();
    let webhook_key = webhook_key(db, org).await?.map(|k| {
        let lifetimes = k.lifetimes();
        WebhookKeyStatus {
            expired: lifetimes.expired(now),
            previous_signs_until: lifetimes.previous_live_until(now),
            expires_at: k.expires_at,
            leaked_at: k.leaked_at,
            name: k.name,
        }
    });
    let deliveries = delivery::Entity::find()
        .filter(delivery::Column::OrganizationId.eq(org.0))
        .order_by_desc(delivery::Column::Id)
        .limit(50)
        .all(db)
        .await?
        .into_iter()
        .map(|d| DeliverySummary {
            id: d.id,
            event: d.event,
            status: d.status,
            attempts: d.attempts,
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            created_at: d.created_at,
            next_attempt_at: d.next_attempt_at,
        })
        .collect();
    Ok(WebhookOverview {
        url,
        webhook_key,
        deliveries,
        // The role's to say: the server function sets it.
        may_manage: false,
    })
}

/// Saves the organization's webhook URL and, when it changed, its audit
/// entry, in one transaction.
pub async fn save_url(
    db: &DatabaseConnection,
    org: OrgId,
    actor: &Actor,
    url: &str,
) -> Result<(), DomainError> {
    let txn = db.begin().await?;
    // Write first, read after (see `lock_organization`).
    crate::domain::keys::store::lock_organization(&txn, org).await?;
    let before = webhook_setting::Entity::find_by_id(org.0)
        .one(&txn)
        .await?
        .map(|s| s.url);
    if before.as_deref() == Some(url) {
        return Ok(txn.rollback().await?);
    }
    webhook_setting::Entity::insert(webhook_setting::ActiveModel {
        organization_id: Set(org.0),
        url: Set(url.to_owned()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(webhook_setting::Column::OrganizationId)
            .update_columns([
                webhook_setting::Column::Url,
                webhook_setting::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(&txn)
    .await?;
    audit::record(
        &txn,
        org,
        actor,
        AuditAction::WebhookUrlChanged,
        None,
        audit::before_after(before.as_deref().unwrap_or("None"), url),
    )
    .await?;
    Ok(txn.commit().await?)
}

/// `evt_` and 128 random bits in hex.
fn new_event_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is unavailable");
    format!("evt_{}", hex::encode(bytes))
}

/// Sends a delivery again from scratch, unless a worker is sending it right
/// now: clearing its lease would let a second worker send it at once.
pub async fn resend(db: &impl ConnectionTrait, org: OrgId, id: i64) -> Result<(), DomainError> {
    // A resend counts towards the cap like a new event (the budget of manual
    // sends bounds how far racing resends can pass it).
    if pending(db, org, Some(id)).await? >= PENDING_PER_ORG {
        if !exists(db, org, id).await? {
            return Err(DomainError::NotFound(Missing::Delivery));
        }
        return Err(DomainError::Conflict(format!(
            "{PENDING_PER_ORG} deliveries are already waiting to be sent. Resend this one once fewer are waiting."
        )));
    }
    let now = Utc::now();
    let not_leased = Condition::any()
        .add(delivery::Column::LockedUntil.is_null())
        .add(delivery::Column::LockedUntil.lt(now));
    let result = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Pending),
        )
        .col_expr(delivery::Column::Attempts, Expr::value(0))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            delivery::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .filter(delivery::Column::OrganizationId.eq(org.0))
        .filter(delivery::Column::Id.eq(id))
        .filter(not_leased)
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        // Missing (or another organization's), or in flight.
        return Err(if exists(db, org, id).await? {
            DomainError::Conflict(
                "This delivery is being sent right now. Resend it once this attempt is over."
                    .into(),
            )
        } else {
            DomainError::NotFound(Missing::Delivery)
        });
    }
    Ok(())
}

/// Whether the organization has delivery `id`.
async fn exists(db: &impl ConnectionTrait, org: OrgId, id: i64) -> Result<bool, DomainError> {
    Ok(delivery::Entity::find()
        .filter(delivery::Column::OrganizationId.eq(org.0))
        .filter(delivery::Column::Id.eq(id))
        .one(db)
        .await?
        .is_some())
}

/// The organization's webhook key, if one is set.
pub async fn webhook_key(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<Option<api_key::Model>, DomainError> {
    Ok(api_key::Entity::find()
        .filter(api_key::Column::OrganizationId.eq(org.0))
        .filter(api_key::Column::IsWebhook.eq(true))
        .one(db)
        .await?)
}
