//! The audit log's CSV download, and its retention. Writing and reading
//! entries is `app::audit::store`.

use std::time::Duration;

use app::audit::csv;
use app::audit::store::older_than;
use app::auth::session::Authenticated;
use app::error::AppError;
use app::ssr::{AppState, OrgId};
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;

/// Entries read per query while the CSV streams: memory stays at one
/// batch, however long the log.
const CSV_BATCH: u64 = 500;
/// How often entries past their retention are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);
/// The longest retention `KEYWARD_AUDIT_RETENTION_DAYS` accepts (10 years).
pub const MAX_RETENTION_DAYS: u32 = 3660;

/// `GET /settings/audit-log/export.csv[?key=<id>]`: the signed-in user's
/// organization's log, filtered like the page, newest first. The session
/// guard has redirected anyone not signed in to the sign-in page.
pub async fn export_csv(State(state): State<AppState>, request: Request) -> Response {
    let Some(Authenticated(user)) = request.extensions().get::<Authenticated>().cloned() else {
        return refuse(AppError::Unauthorized);
    };
    let params = Query::<Vec<(String, String)>>::try_from_uri(request.uri())
        .map(|Query(params)| params)
        .unwrap_or_default();
    let key = match params.iter().find(|(name, _)| name == "key") {
        // "All keys" sends an empty value.
        None => None,
        Some((_, value)) if value.is_empty() => None,
        Some((_, value)) => match value.trim().parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                return refuse(AppError::invalid(
                    "key",
                    "Choose a key from the list, or All keys.",
                ));
            }
        },
    };
    let org = OrgId(user.organization_id);
    let db = state.db.clone();
    // The header, then the entries a batch at a time, each batch read
    // below the last id sent.
    let rows = futures_util::stream::unfold(Some(None), move |cursor| {
        let db = db.clone();
        async move {
            let before = cursor?;
            match older_than(&db, org, key, before, CSV_BATCH).await {
                Ok(batch) if batch.is_empty() => None,
                Ok(batch) => {
                    let next =
                        (batch.len() as u64 == CSV_BATCH).then(|| batch.last().map(|e| e.id));
                    let text: String = batch.iter().map(csv::row).collect();
                    Some((Ok::<_, std::io::Error>(text), next.flatten().map(Some)))
                }
                Err(err) => {
                    tracing::error!(error = %err, "audit log export failed part-way");
                    Some((
                        Err(std::io::Error::other("the audit log could not be read")),
                        None,
                    ))
                }
            }
        }
    });
    let header_row =
        futures_util::stream::once(async { Ok::<_, std::io::Error>(csv::HEADER.to_owned()) });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        // Fused: the compression layer polls the body once more after its
        // end, which an unfused `unfold` answers with a panic.
        Body::from_stream(header_row.chain(rows).fuse()),
    )
        .into_response()
}

/// An error as the server functions answer it: its status, and the error
/// as JSON (`{"Invalid":{"field":"key",…}}`).
pub(crate) fn refuse(err: AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(err)).into_response()
}

/// `KEYWARD_AUDIT_RETENTION_DAYS`: empty for the default, else whole days
/// from 1 to `MAX_RETENTION_DAYS`.
pub fn retention_days(raw: &str) -> Result<u32, String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(app::audit::DEFAULT_RETENTION_DAYS);
    }
    raw.parse::<u32>()
        .ok()
        .filter(|days| (1..=MAX_RETENTION_DAYS).contains(days))
        .ok_or_else(|| raw.to_owned())
}

/// Deletes entries older than `days`, now and every `PRUNE_EVERY`.
pub fn spawn_pruner(db: DatabaseConnection, days: u32) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PRUNE_EVERY);
        loop {
            tick.tick().await;
            match app::audit::store::prune(&db, Utc::now(), days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    entries = n,
                    days,
                    "audit log entries past retention deleted"
                ),
                Err(err) => tracing::warn!(error = %err, "could not prune the audit log"),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_whole_days_within_bounds() {
        assert_eq!(retention_days(""), Ok(90));
        assert_eq!(retention_days(" 30 "), Ok(30));
        assert_eq!(retention_days("3660"), Ok(3660));
        for bad in ["0", "-1", "3661", "ninety", "1.5"] {
            assert_eq!(retention_days(bad), Err(bad.to_owned()), "{bad}");
        }
    }
}
