//! The task that sends expiry notices (`app::domain::keys::notices`) on
//! every instance: each notice is claimed by one of them, so running it
//! everywhere sends each once, and any instance left running sends them.

use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::task::JoinHandle;

/// How often each instance looks. A notice is at most this late.
pub const EVERY: Duration = Duration::from_secs(30);

pub fn spawn(db: DatabaseConnection) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            if let Err(err) = app::domain::keys::notices::send_due(&db, chrono::Utc::now()).await {
                tracing::warn!(error = %err, "could not send expiry notices; trying again");
            }
        }
    })
}
