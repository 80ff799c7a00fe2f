//! Bearer-key authentication and the per-route permission check.

use app::api_routes::Need;
use app::keys::lifecycle::Refusal;
use app::keys::secret::ApiKeySecret;
use app::keys::store;
use app::permissions::Access;
use app::ssr::OrgId;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiState;
use super::error::ApiError;

/// The key a request was made with, for the handlers.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    pub key_id: i64,
    pub key_name: String,
    pub org: OrgId,
    pub access: Access,
}

/// Authenticates (401), then checks the route's need (403), then lets the
/// handler read the request.
pub async fn guard(
    State((state, need)): State<(ApiState, Need)>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match authenticate(&state, request.headers()).await {
        Ok(caller) => caller,
        Err(err) => return err.into_response(),
    };
    if let Need::Permission(required) = need
        && !caller.access.allows(required)
    {
        return ApiError::Forbidden(required).into_response();
    }
    state.last_used.touch(caller.key_id);
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// A malformed or badly-checksummed key is refused without the database;
/// a well-formed one is found by its indexed digest, then must still work:
/// not expired, and not a previous secret past its grace period.
pub async fn authenticate(state: &ApiState, headers: &HeaderMap) -> Result<ApiCaller, ApiError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim())
        .ok_or(ApiError::Unauthenticated)?;
    let secret = ApiKeySecret::parse(presented).map_err(|_| ApiError::Unauthenticated)?;
    let (row, slot) = store::find_by_secret(&state.db, &secret)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    row.lifetimes()
        .check(slot, chrono::Utc::now())
        .map_err(|refusal| match refusal {
            Refusal::Expired { at } => ApiError::Expired { at },
            Refusal::RolledOut { at } => ApiError::RolledOut { at },
        })?;
    Ok(ApiCaller {
        key_id: row.id,
        access: store::access_of(&row),
        key_name: row.name,
        org: OrgId(row.organization_id),
    })
}
