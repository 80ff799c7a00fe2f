//! Public keys in the API: a web page's `Authorization: Bearer pk_…`.
//!
//! A public key opens one route, creating a web call, and only from a web
//! origin one of its **Allowed domains** lines allows; then its **Web calls
//! per minute** budget of that line, then (in the handler) its **Agents**.
//! Answers to an allowed origin carry CORS headers naming that origin
//! (never `*`) and `Vary: Origin`; answers to any other origin carry none,
//! so the browser's own check refuses them too.
//!
//! A CORS preflight carries no key: it is answered for an origin that some
//! public key allows (`domain::public_keys::some_key_allows`: one indexed
//! look-up of the lines that could allow it, no key read). It is not
//! charged to the address's budget of unknown keys, so that a page on
//! another site cannot spend its visitors' budget through their browsers.
//!
//! Looking a key up is: a unit of the address's budget is taken first and
//! given back only when the key exists and the request is for its route
//! from an allowed origin, so that a flood with someone's public key from
//! anywhere else costs the sender its budget.

use std::net::IpAddr;
use std::sync::Arc;

use app::domain::keys::rate::Bucket;
use app::domain::public_keys::token::PublicKeyToken;
use app::domain::public_keys::{self, PublicKeyGrant};
use app::model::api_routes::ApiRoute;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiState;
use super::error::ApiError;
use super::rate_limit::{self, Verdict};
use super::unknown_keys::{Exhausted, Reservation};

/// The longest origin an answer repeats; a longer one is cut.
const ORIGIN_SHOWN: usize = 200;
/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: &str = "600";

/// The public key a request was made with, for the handler.
#[derive(Clone, Debug)]
pub struct PublicCaller(pub Arc<PublicKeyGrant>);

/// Whether a bearer token is a public key's (by its prefix): the guard
/// then takes the public key's way.
pub fn is_public(token: &str) -> bool {
    token.starts_with(public_keys::token::PREFIX)
}

/// The guard's way for a public key: see the module's comment.
pub async fn guard(
    state: &ApiState,
    route: &'static ApiRoute,
    presented: &str,
    address: Option<IpAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let (key, reservation) = match find(state, presented, address).await {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (refusal, quota) = check(state, route, &key, origin.as_deref()).await;
    // A quota exists exactly when the route and the origin are allowed:
    // then the look-up was not an abuse, and CORS headers may go out.
    if let (Some(reservation), Some(_)) = (reservation, quota) {
        reservation.give_back();
    }
    let allowed_origin = quota.and(origin);
    let mut response = match refusal {
        Some(refusal) => refusal.into_response(),
        None => {
            request.extensions_mut().insert(PublicCaller(key.clone()));
            next.run(request).await
        }
    };
    // Refused: any answer but a web call created (an agent not listed, a
    // bad body, the route, the origin, the limit).
    let refused = !response.status().is_success();
    state.last_used.record_public(key.id, key.org, refused);
    if let Some(origin) = allowed_origin {
        allow_origin(response.headers_mut(), &origin);
    }
    if let Some(quota) = quota {
        rate_limit::insert_headers(response.headers_mut(), quota);
    }
    response
}

/// The route (403), then the origin (403), then the budget of the line
/// that allows it (429): the refusal, if any, and where the budget stands
/// (only once the origin is allowed).
async fn check(
    state: &ApiState,
    route: &ApiRoute,
    key: &PublicKeyGrant,
    origin: Option<&str>,
) -> (Option<ApiError>, Option<rate_limit::Quota>) {
    if !route.operation.opens_to_public_keys() {
        return (Some(ApiError::PublicKeyRoute), None);
    }
    let Some(site) = key.domains.matching(origin) else {
        return (Some(ApiError::OriginNotAllowed(origin.map(shown))), None);
    };
    let limit = key.per_minute.get();
    let bucket = Bucket::PublicKeySite {
        key: key.id,
        site: site.clone(),
    };
    match state
        .rate_limiter
        .check_bucket(&state.db, &bucket, limit)
        .await
    {
        Verdict::Allowed(quota) => (None, Some(quota)),
        Verdict::Refused(quota) => {
            let refusal = ApiError::WebCallsLimited {
                per_minute: limit,
                site,
                retry_after: quota.reset,
            };
            (Some(refusal), Some(quota))
        }
    }
}

/// The key a presented token names, and the unit of the address's budget
/// its look-up took (for the guard to give back). A malformed key is
/// refused without the database; an unknown one keeps its unit spent.
async fn find<'a>(
    state: &'a ApiState,
    presented: &str,
    address: Option<IpAddr>,
) -> Result<(Arc<PublicKeyGrant>, Option<Reservation<'a>>), ApiError> {
    let token = PublicKeyToken::parse(presented).map_err(|_| ApiError::Unauthenticated)?;
    let reservation = state
        .unknown_keys
        .reserve_for(address)
        .map_err(|Exhausted| ApiError::TooManyUnknownKeys)?;
    let found = public_keys::by_token(&state.db, &token)
        .await
        .map_err(|err| ApiError::Internal(Some(err)))?;
    let key = found.ok_or(ApiError::Unauthenticated)?;
    Ok((Arc::new(key), reservation))
}

/// `OPTIONS` on a route public keys open: the browser asks before sending
/// `Authorization`. Allowed origins get what a web call needs; any other
/// gets 403 and no CORS headers.
pub async fn preflight(State(state): State<ApiState>, headers: HeaderMap) -> Response {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return ApiError::NoKeyForOrigin.into_response();
    };
    match public_keys::some_key_allows(&state.db, origin).await {
        Ok(true) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let headers = response.headers_mut();
            allow_origin(headers, origin);
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(PREFLIGHT_MAX_AGE),
            );
            response
        }
        Ok(false) => ApiError::NoKeyForOrigin.into_response(),
        Err(err) => ApiError::Internal(Some(err)).into_response(),
    }
}

/// `Access-Control-Allow-Origin: <origin>`, `Vary: Origin`, and the
/// rate-limit headers a page may read.
fn allow_origin(headers: &mut HeaderMap, origin: &str) {
    let Ok(value) = HeaderValue::from_str(origin) else {
        return;
    };
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    let exposed = format!(
        "{}, {}, {}",
        rate_limit::RATELIMIT,
        rate_limit::RATELIMIT_POLICY,
        header::RETRY_AFTER
    );
    if let Ok(exposed) = HeaderValue::from_str(&exposed) {
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, exposed);
    }
}

/// An origin as an answer repeats it: at most `ORIGIN_SHOWN` characters.
fn shown(origin: &str) -> String {
    origin.chars().take(ORIGIN_SHOWN).collect()
}
