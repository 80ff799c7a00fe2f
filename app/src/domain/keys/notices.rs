//! Expiry notices: the `key_expiring` webhook event 7 days and again 1 day
//! before a key expires, and `key_expired` once it has, each sent once per
//! expiry however many instances look.
//!
//! Each key's row remembers the expiry its last notice was about and which
//! notice that was (`Stage`). A notice is claimed by a conditional update
//! of those two columns that only one instance can win, and queued in the
//! same transaction, so it is queued exactly once. A key given a new expiry
//! starts over. A key found late (created 12 hours before it expires, or a
//! server that was down) gets only the latest notice due, not every one it
//! missed; a key that expired more than `ALERT_DAYS` ago gets none.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use crate::domain::entities::api_key::{self, Column, Entity as ApiKey};
use crate::domain::webhooks::deliveries;
use crate::domain::{DomainError, OrgId};
use crate::model::key_alerts::{ALERT_DAYS, ExpiryWindow};
use crate::model::key_events::{KeyEvent, KeyEventDetail, KeyEventSubject};

/// Keys looked at per run, earliest expiry first: the longest overdue go
/// first, and the rest at the next run.
const BATCH: u64 = 500;

/// Which notice a key is due, by how near its expiry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    SevenDays = 1,
    OneDay = 2,
    Expired = 3,
}

impl Stage {
    /// The notice due at `now` for a key that expires at `expires_at`.
    pub fn due(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<Stage> {
        Some(match ExpiryWindow::of(expires_at, now)? {
            ExpiryWindow::WithinAlertDays => Stage::SevenDays,
            ExpiryWindow::WithinADay => Stage::OneDay,
            ExpiryWindow::Expired => Stage::Expired,
        })
    }

    fn stored(self) -> i16 {
        self as i16
    }

    /// Keys whose expiry lies where this notice is due at `now`, and which
    /// have not had it (or a later one) for that expiry.
    fn pending(self, now: DateTime<Utc>) -> Condition {
        let (after, until) = match self {
            Stage::Expired => (now - Duration::days(ALERT_DAYS), now),
            Stage::OneDay => (now, now + Duration::days(1)),
            Stage::SevenDays => (now + Duration::days(1), now + Duration::days(ALERT_DAYS)),
        };
        Condition::all()
            .add(Column::ExpiresAt.gt(after))
            .add(Column::ExpiresAt.lte(until))
            .add(not_yet(self))
    }
}

/// The key has not had `stage`'s notice, or a later one, for its expiry.
fn not_yet(stage: Stage) -> Condition {
    Condition::any()
        .add(Column::ExpiryNoticeFor.is_null())
        .add(ExprTrait::ne(
            Expr::col(Column::ExpiryNoticeFor),
            Expr::col(Column::ExpiresAt),
        ))
        .add(Column::ExpiryNoticeStage.is_null())
        .add(Column::ExpiryNoticeStage.lt(stage.stored()))
}

/// Queues every notice due at `now` that no instance has queued yet; how
/// many this call claimed. (An organization without a webhook URL has
/// nothing queued, but its notices are claimed all the same: a URL saved
/// later does not bring old news.)
pub async fn send_due(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DomainError> {
    let due = Condition::any()
        .add(Stage::Expired.pending(now))
        .add(Stage::OneDay.pending(now))
        .add(Stage::SevenDays.pending(now));
    let rows = ApiKey::find()
        .filter(due)
        .order_by_asc(Column::ExpiresAt)
        .limit(BATCH)
        .all(db)
        .await?;
    let mut queued = 0;
    for row in rows {
        let Some(stage) = row.expires_at.and_then(|at| Stage::due(at, now)) else {
            continue;
        };
        if send(db, &row, stage).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// Claims `stage`'s notice for `row`'s expiry and queues it, in one
/// transaction; whether this call was the one that did.
async fn send(
    db: &DatabaseConnection,
    row: &api_key::Model,
    stage: Stage,
) -> Result<bool, DomainError> {
    let Some(expires_at) = row.expires_at else {
        return Ok(false);
    };
    let txn = db.begin().await?;
    let claimed = ApiKey::update_many()
        .col_expr(Column::ExpiryNoticeFor, Expr::value(Some(expires_at)))
        .col_expr(Column::ExpiryNoticeStage, Expr::value(Some(stage.stored())))
        .filter(Column::Id.eq(row.id))
        .filter(Column::ExpiresAt.eq(expires_at))
        .filter(not_yet(stage))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !claimed {
        txn.rollback().await?;
        return Ok(false);
    }
    let (event, detail) = match stage {
        Stage::SevenDays | Stage::OneDay => (
            KeyEvent::Expiring,
            KeyEventDetail::Expiring {
                expires_at,
                within_days: if stage == Stage::OneDay {
                    1
                } else {
                    ALERT_DAYS
                },
            },
        ),
        Stage::Expired => (KeyEvent::Expired, KeyEventDetail::Expired { expires_at }),
    };
    let subject = KeyEventSubject {
        id: row.id,
        name: row.name.clone(),
        display: row.display_form.clone(),
        detail,
    };
    let org = OrgId(row.organization_id);
    deliveries::enqueue_key_event(&txn, org, event, &subject).await?;
    txn.commit().await?;
    tracing::info!(
        org = org.0,
        key = row.id,
        event = event.name(),
        "expiry notice queued"
    );
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_due_follows_the_time_left() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .to_utc();
        let at = |hours: i64| now + Duration::hours(hours);
        assert_eq!(Stage::due(at(24 * 7 + 1), now), None);
        assert_eq!(Stage::due(at(24 * 7), now), Some(Stage::SevenDays));
        assert_eq!(Stage::due(at(25), now), Some(Stage::SevenDays));
        assert_eq!(Stage::due(at(24), now), Some(Stage::OneDay));
        assert_eq!(Stage::due(at(1), now), Some(Stage::OneDay));
        assert_eq!(Stage::due(now, now), Some(Stage::Expired));
        assert_eq!(Stage::due(at(-24 * 7 + 1), now), Some(Stage::Expired));
        assert_eq!(Stage::due(at(-24 * 7), now), None);
    }
}
