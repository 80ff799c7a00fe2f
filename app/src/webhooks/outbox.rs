//! The delivery outbox. Events are written in the same transaction as what
//! they announce; the server's worker claims due rows with a lease, so two
//! workers (or two instances) never send the same attempt.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};

use super::{DeliveryStatus, DeliverySummary, WebhookKeyStatus, WebhookOverview};
use crate::error::AppError;
use crate::keys::lifecycle::SecretSlot;
use crate::keys::secret::{ApiKeySecret, SecretDigest};
use crate::ssr::entities::{api_key, webhook_delivery as delivery, webhook_setting};
use crate::ssr::{OrgId, Sealer};

/// Attempts before a delivery is marked failed: 30 s, 1, 2, 4 and 8 minutes
/// apart, so about 15 minutes in all.
pub const MAX_ATTEMPTS: i32 = 6;
/// How long a worker owns a claimed attempt (longer than the 10 s timeout).
pub const LEASE: Duration = Duration::seconds(60);

/// The wait after `attempts` failed tries.
pub fn backoff(attempts: i32) -> Duration {
    Duration::seconds(30 * (1i64 << (attempts.clamp(1, 10) - 1)))
}

/// Queues `event` for the organization's webhook URL. Nothing is queued
/// when the organization has no URL.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    org: OrgId,
    event: &str,
    call: &Value,
) -> Result<Option<i64>, sea_orm::DbErr> {
    if webhook_setting::Entity::find_by_id(org.0)
        .one(db)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let now = Utc::now();
    // The body is fixed here, so every attempt (and a Resend) carries the
    // same `event_id`: receivers can drop replays and duplicates by it.
    let row = delivery::ActiveModel {
        organization_id: Set(org.0),
        event: Set(event.to_owned()),
        body: Set(json!({ "event": event, "event_id": new_event_id(), "call": call }).to_string()),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some(row.id))
}

pub async fn overview(db: &impl ConnectionTrait, org: OrgId) -> Result<WebhookOverview, AppError> {
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
            status: DeliveryStatus::parse(&d.status),
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
    })
}

pub async fn save_url(db: &impl ConnectionTrait, org: OrgId, url: &str) -> Result<(), AppError> {
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
    .exec(db)
    .await?;
    Ok(())
}

/// `evt_` and 128 random bits in hex.
fn new_event_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is unavailable");
    format!("evt_{}", hex::encode(bytes))
}

/// Sends a delivery again from scratch, unless a worker is sending it right
/// now: clearing its lease would let a second worker send it at once.
pub async fn resend(db: &impl ConnectionTrait, org: OrgId, id: i64) -> Result<(), AppError> {
    let now = Utc::now();
    let not_leased = Condition::any()
        .add(delivery::Column::LockedUntil.is_null())
        .add(delivery::Column::LockedUntil.lt(now));
    let result = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Pending.as_str()),
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
        let exists = delivery::Entity::find()
            .filter(delivery::Column::OrganizationId.eq(org.0))
            .filter(delivery::Column::Id.eq(id))
            .one(db)
            .await?
            .is_some();
        return Err(if exists {
            AppError::Conflict(
                "This delivery is being sent right now. Resend it once this attempt is over."
                    .into(),
            )
        } else {
            AppError::NotFound
        });
    }
    Ok(())
}

/// Claims up to `limit` due deliveries for this worker, fairly: the
/// organizations with due work take turns, the one waiting longest first,
/// and none gets more than `per_org` in flight (`in_flight` is what this
/// worker is already sending, by organization). So one organization's
/// backlog, or a receiver that never answers, cannot hold every slot. A row
/// is claimed by a conditional update that only one worker can win.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    limit: usize,
    per_org: usize,
    in_flight: &std::collections::HashMap<i64, usize>,
) -> Result<Vec<delivery::Model>, sea_orm::DbErr> {
    let now = Utc::now();
    let unlocked = Condition::any()
        .add(delivery::Column::LockedUntil.is_null())
        .add(delivery::Column::LockedUntil.lt(now));
    let due = Condition::all()
        .add(delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .add(delivery::Column::NextAttemptAt.lte(now))
        .add(unlocked.clone());
    // The organizations with due work, in the order their oldest due
    // delivery was queued; those already at their cap are skipped.
    let mut waiting: Vec<(i64, i64)> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::OrganizationId)
        .column_as(delivery::Column::Id.min(), "oldest")
        .filter(due.clone())
        .group_by(delivery::Column::OrganizationId)
        .into_tuple()
        .all(db)
        .await?;
    waiting.sort_by_key(|(_, oldest)| *oldest);
    let mut claimed = Vec::new();
    for (org, _) in waiting {
        if claimed.len() >= limit {
            break;
        }
        let room = per_org
            .saturating_sub(in_flight.get(&org).copied().unwrap_or(0))
            .min(limit - claimed.len());
        if room == 0 {
            continue;
        }
        let candidates = delivery::Entity::find()
            .filter(delivery::Column::OrganizationId.eq(org))
            .filter(due.clone())
            .order_by_asc(delivery::Column::NextAttemptAt)
            .order_by_asc(delivery::Column::Id)
            .limit(room as u64)
            .all(db)
            .await?;
        for row in candidates {
            let won = delivery::Entity::update_many()
                .col_expr(delivery::Column::LockedUntil, Expr::value(now + LEASE))
                .filter(delivery::Column::Id.eq(row.id))
                .filter(delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
                .filter(unlocked.clone())
                .exec(db)
                .await?;
            if won.rows_affected == 1 {
                claimed.push(row);
            }
        }
    }
    Ok(claimed)
}

/// What became of one attempt.
pub enum Outcome {
    Delivered {
        status_code: u16,
    },
    Failed {
        status_code: Option<u16>,
        error: String,
    },
    NotSent {
        reason: String,
    },
}

pub async fn record(
    db: &impl ConnectionTrait,
    row: &delivery::Model,
    outcome: Outcome,
) -> Result<(), sea_orm::DbErr> {
    let now = Utc::now();
    let mut active: delivery::ActiveModel = row.clone().into();
    active.locked_until = Set(None);
    active.updated_at = Set(now);
    match outcome {
        Outcome::Delivered { status_code } => {
            active.status = Set(DeliveryStatus::Delivered.as_str().to_owned());
            active.attempts = Set(row.attempts + 1);
            active.last_status_code = Set(Some(i32::from(status_code)));
            active.last_error = Set(None);
        }
        Outcome::Failed { status_code, error } => {
            let attempts = row.attempts + 1;
            let done = attempts >= MAX_ATTEMPTS;
            let status = if done {
                DeliveryStatus::Failed
            } else {
                DeliveryStatus::Pending
            };
            active.status = Set(status.as_str().to_owned());
            active.attempts = Set(attempts);
            active.last_status_code = Set(status_code.map(i32::from));
            active.last_error = Set(Some(error));
            active.next_attempt_at = Set(now + backoff(attempts));
        }
        Outcome::NotSent { reason } => {
            active.status = Set(DeliveryStatus::NotSent.as_str().to_owned());
            active.last_error = Set(Some(reason));
        }
    }
    active.update(db).await?;
    Ok(())
}

/// How a delivery can be signed at a given instant.
pub enum Signing {
    NoKey,
    /// The webhook key has expired: it signs nothing any more.
    Expired,
    With(ApiKeySecret),
}

async fn webhook_key(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<Option<api_key::Model>, sea_orm::DbErr> {
    api_key::Entity::find()
        .filter(api_key::Column::OrganizationId.eq(org.0))
        .filter(api_key::Column::IsWebhook.eq(true))
        .one(db)
        .await
}

/// The URL and how to sign for an organization at `now`, read at send time:
/// a changed webhook key signs every later delivery; during a roll's grace
/// period the previous secret signs, so receivers have the whole period to
/// switch; an expired key signs nothing.
pub async fn destination(
    db: &impl ConnectionTrait,
    sealer: &Sealer,
    org: OrgId,
    now: DateTime<Utc>,
) -> Result<(Option<String>, Signing), sea_orm::DbErr> {
    let url = webhook_setting::Entity::find_by_id(org.0)
        .one(db)
        .await?
        .map(|s| s.url);
    let Some(key) = webhook_key(db, org).await? else {
        return Ok((url, Signing::NoKey));
    };
    let lifetimes = key.lifetimes();
    if lifetimes.expired(now) {
        return Ok((url, Signing::Expired));
    }
    let (digest, sealed) = match lifetimes.signing_slot(now) {
        SecretSlot::Previous => (
            key.previous_secret_digest.as_deref(),
            key.previous_sealed_secret.as_deref(),
        ),
        SecretSlot::Current => (
            Some(key.secret_digest.as_str()),
            Some(key.sealed_secret.as_slice()),
        ),
    };
    let secret = digest.and_then(SecretDigest::from_hex).zip(sealed).and_then(|(digest, sealed)| {
        sealer
            .unseal(sealed, &digest)
            .inspect_err(|err| tracing::error!(key = key.id, error = %err, "webhook key does not unseal"))
            .ok()
    });
    Ok((url, secret.map_or(Signing::NoKey, Signing::With)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_spans_more_than_ten_minutes() {
        let waits: Vec<i64> = (1..MAX_ATTEMPTS)
            .map(|n| backoff(n).num_seconds())
            .collect();
        assert_eq!(waits, vec![30, 60, 120, 240, 480]);
        assert!(waits.iter().sum::<i64>() >= 600);
    }
}
