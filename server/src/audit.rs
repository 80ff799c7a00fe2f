//! The audit log's CSV download. Writing and reading entries is
//! `app::domain::audit::store`; its retention is `prune`.

use app::domain::audit::csv;
use app::domain::audit::store::older_than;
use app::domain::auth::session::Authenticated;
use app::model::error::AppError;
use app::model::roles::Capability;
use app::server_fns::AppState;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

/// Entries read per query while the CSV streams: memory stays at one
/// batch, however long the log.
const CSV_BATCH: u64 = 500;

/// `GET /settings/audit-log/export.csv[?key=<id>]`: the signed-in user's
/// organization's log, filtered like the page, newest first. The session
/// guard has redirected anyone not signed in to the sign-in page.
pub async fn export_csv(State(state): State<AppState>, request: Request) -> Response {
    let Some(Authenticated(member)) = request.extensions().get::<Authenticated>().cloned() else {
        return refuse(AppError::Unauthorized);
    };
    if let Err(message) = member.role.check(Capability::ViewAuditLog) {
        return refuse(AppError::Forbidden(message));
    }
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
    let org = member.org;
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
