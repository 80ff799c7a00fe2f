//! The stored side of sending webhook deliveries, for the server's worker
//! (`server::webhooks`), which makes the requests: claiming due deliveries
//! with a lease (so two workers, or two instances, never send the same
//! attempt), recording what became of each attempt, and where and how to
//! sign at send time.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::deliveries::webhook_key;
use crate::domain::DomainError;
use crate::domain::entities::{webhook_delivery as delivery, webhook_setting};
use crate::domain::keys::secret::{ApiKeySecret, SecretDigest};
use crate::domain::{OrgId, Sealer};
use crate::model::expiry::SecretSlot;
use crate::model::webhooks::DeliveryStatus;

/// Attempts before a delivery is marked failed: 30 s, 1, 2, 4 and 8 minutes
/// apart, so about 15 minutes in all.
pub const MAX_ATTEMPTS: i32 = 6;
/// How long a worker owns a claimed attempt (longer than the 10 s timeout).
pub const LEASE: Duration = Duration::seconds(60);

/// The wait after `attempts` failed tries.
pub fn backoff(attempts: i32) -> Duration {
    Duration::seconds(30 * (1i64 << (attempts.clamp(1, 10) - 1)))
}

/// Due: pending, its time come, and not leased to a worker.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(delivery::Column::Status.eq(DeliveryStatus::Pending))
        .add(delivery::Column::NextAttemptAt.lte(now))
        .add(unleased(now))
}

fn unleased(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(delivery::Column::LockedUntil.is_null())
        .add(delivery::Column::LockedUntil.lt(now))
}

/// The organizations with due deliveries (in no particular order: whose
/// turn it is, is the worker's to say).
pub async fn due_organizations(db: &impl ConnectionTrait) -> Result<Vec<i64>, DomainError> {
    Ok(delivery::Entity::find()
        .select_only()
        .column(delivery::Column::OrganizationId)
        .filter(due(Utc::now()))
        .distinct()
        .into_tuple()
        .all(db)
        .await?)
}

/// A delivery claimed for one attempt: its row as it was claimed, which
/// [`record`] takes back with the attempt's outcome.
pub type ClaimedDelivery = delivery::Model;

/// Claims up to `limit` of `org`'s due deliveries for this worker, the
/// earliest due first. A row is claimed by a conditional update that only
/// one worker can win, so two workers never send the same attempt.
pub async fn claim(
    db: &impl ConnectionTrait,
    org: OrgId,
    limit: usize,
) -> Result<Vec<ClaimedDelivery>, DomainError> {
    let now = Utc::now();
    let candidates = delivery::Entity::find()
        .filter(delivery::Column::OrganizationId.eq(org.0))
        .filter(due(now))
        .order_by_asc(delivery::Column::NextAttemptAt)
        .order_by_asc(delivery::Column::Id)
        .limit(limit as u64)
        .all(db)
        .await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for row in candidates {
        let won = delivery::Entity::update_many()
            .col_expr(delivery::Column::LockedUntil, Expr::value(now + LEASE))
            .filter(delivery::Column::Id.eq(row.id))
            .filter(delivery::Column::Status.eq(DeliveryStatus::Pending))
            .filter(unleased(now))
            .exec(db)
            .await?;
        if won.rows_affected == 1 {
            claimed.push(row);
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
    /// Not sent now, and no attempt spent: it waits, saying why, and is
    /// looked at again after `HOLD`.
    Held {
        reason: String,
    },
}

/// How long a held delivery waits before it is looked at again.
pub const HOLD: chrono::Duration = chrono::Duration::minutes(1);

pub async fn record(
    db: &impl ConnectionTrait,
    row: &ClaimedDelivery,
    outcome: Outcome,
) -> Result<(), DomainError> {
    let now = Utc::now();
    let mut active: delivery::ActiveModel = row.clone().into();
    active.locked_until = Set(None);
    active.updated_at = Set(now);
    match outcome {
        Outcome::Delivered { status_code } => {
            active.status = Set(DeliveryStatus::Delivered);
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
            active.status = Set(status);
            active.attempts = Set(attempts);
            active.last_status_code = Set(status_code.map(i32::from));
            active.last_error = Set(Some(error));
            active.next_attempt_at = Set(now + backoff(attempts));
        }
        Outcome::NotSent { reason } => {
            active.status = Set(DeliveryStatus::NotSent);
            active.last_error = Set(Some(reason));
        }
        Outcome::Held { reason } => {
            active.last_error = Set(Some(reason));
            active.next_attempt_at = Set(now + HOLD);
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
    /// The webhook key's secret was reported leaked: it signs nothing
    /// until a roll gives it a new one.
    Leaked,
    With(ApiKeySecret),
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
) -> Result<(Option<String>, Signing), DomainError> {
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
    if lifetimes.leaked_at.is_some() {
        return Ok((url, Signing::Leaked));
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
