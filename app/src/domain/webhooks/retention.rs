//! How long deliveries stay in the outbox once they are done with: the
//! Webhooks page shows the latest, and nothing reads a delivery after its
//! retention, so its row (with the event's body) is deleted.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::DomainError;
use crate::domain::entities::webhook_delivery as delivery;
use crate::model::webhooks::DeliveryStatus;

/// Days a finished delivery is kept unless `KEYWARD_DELIVERY_RETENTION_DAYS`
/// says otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// Deletes the deliveries, of every organization, last changed more than
/// `days` before `now`, and answers how many went. A pending delivery is
/// kept whatever its age: it is still to be sent, and a worker may hold it.
pub async fn prune(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    days: u32,
) -> Result<u64, DomainError> {
    let cutoff = now - Duration::days(i64::from(days));
    Ok(delivery::Entity::delete_many()
        .filter(delivery::Column::Status.ne(DeliveryStatus::Pending))
        .filter(delivery::Column::UpdatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
