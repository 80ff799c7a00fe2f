//! Bearer-key authentication and the per-route permission check.

use app::domain::OrgId;
use app::domain::keys::lookup;
use app::domain::keys::secret::ApiKeySecret;
use app::model::api_routes::{ApiRoute, Need};
use app::model::expiry::Refusal;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use super::ApiState;
use super::error::ApiError;
use super::key_cache::{LoadFailed, VerifiedKey};
use super::public_keys::{self, PublicCaller};
use super::rate_limit::{self, Verdict};

/// The key a request was made with, for the handlers: the verified key,
/// shared with the cache.
#[derive(Clone, Debug)]
pub struct ApiCaller(pub Arc<VerifiedKey>);

impl std::ops::Deref for ApiCaller {
    type Target = VerifiedKey;
    fn deref(&self) -> &VerifiedKey {
        &self.0
    }
}

/// Who a request was made with: an API key, or a public key (which the
/// guard lets through to creating a web call only).
#[derive(Clone, Debug)]
pub enum CalledWith {
    ApiKey(ApiCaller),
    PublicKey(PublicCaller),
}

/// What every handler acts with: the database and the verified caller,
/// whose organization scopes every query.
pub struct Ctx {
    pub db: DatabaseConnection,
    pub caller: CalledWith,
}

impl Ctx {
    pub fn org(&self) -> OrgId {
        match &self.caller {
            CalledWith::ApiKey(key) => key.org,
            CalledWith::PublicKey(key) => key.0.org,
        }
    }

    /// Whether a public key made the request (the guard let it through to
    /// creating a web call only).
    pub fn is_public(&self) -> bool {
        matches!(self.caller, CalledWith::PublicKey(_))
    }

    /// Refuses an agent a public key does not list; an API key may use
    /// any agent its permissions reach.
    pub fn may_use_agent(&self, agent: &str) -> Result<(), ApiError> {
        // (The refusal names the agent, shortened: `agent_not_allowed`.)
        match &self.caller {
            CalledWith::PublicKey(key) if !key.0.agents.allows(agent) => {
                Err(ApiError::AgentNotAllowed(agent.to_owned()))
            }
            _ => Ok(()),
        }
    }
}

impl FromRequestParts<ApiState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, ApiError> {
        // `guard` runs before every handler and leaves the caller here; a
        // route without the guard has no caller, and so no answer but 401.
        let api_key = parts.extensions.get::<ApiCaller>().cloned();
        let public_key = parts.extensions.get::<PublicCaller>().cloned();
        let caller = match (api_key, public_key) {
            (Some(key), _) => CalledWith::ApiKey(key),
            (None, Some(key)) => CalledWith::PublicKey(key),
            (None, None) => return Err(ApiError::Unauthenticated),
        };
        Ok(Ctx {
            db: state.db.clone(),
            caller,
        })
    }
}

/// Authenticates (401), then checks the key's allowed addresses (403), its
/// rate limit (429), its quarantine (401, reported leaked) and the route's
/// need (403), then lets the handler read the request. A public key
/// (`pk_…`) takes its own way (`public_keys::guard`).
pub async fn guard(
    State((state, route)): State<(ApiState, &'static ApiRoute)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let address = client_of(&mut parts).await;
    let mut request = Request::from_parts(parts, body);
    if let Some(token) = bearer(request.headers()).filter(|t| public_keys::is_public(t)) {
        let token = token.to_owned();
        return public_keys::guard(&state, route, &token, address, request, next).await;
    }
    let caller = match authenticate(&state, request.headers(), address).await {
        Ok(caller) => caller,
        Err(err) => return err.into_response(),
    };
    let required = match route.need {
        Need::AnyKey => None,
        Need::Permission(required) => Some(required),
    };
    // The key's allowed addresses first, then its rate limit (a request
    // from elsewhere spends none of it), then the route's permission.
    let mut quota = None;
    let refusal = if !address.is_some_and(|ip| caller.allowed_ips.allows(ip))
        && !caller.allowed_ips.is_empty()
    {
        Some(ApiError::AddressNotAllowed(
            address.map(|ip| ip.to_canonical()),
        ))
    } else {
        match rate_verdict(&state, &caller).await {
            Some(Verdict::Refused(q)) => {
                quota = Some(q);
                Some(ApiError::RateLimited {
                    limit: caller.rate_limit.summary(),
                    retry_after: q.reset,
                })
            }
            allowed => {
                quota = allowed.map(|(Verdict::Allowed(q) | Verdict::Refused(q))| q);
                let quarantined = caller.lifetimes.quarantined(caller.slot);
                quarantined.map(|at| ApiError::Leaked { at }).or_else(|| {
                    required
                        .filter(|r| !caller.access.allows(*r))
                        .map(ApiError::Forbidden)
                })
            }
        }
    };
    // Recorded allowed or not: the page shows what a key did and what a
    // restriction refused it. A refusal for its address, its rate or its
    // quarantine is counted under no permission: it says nothing about the permissions
    // the key needs.
    let counted_need = match refusal {
        Some(
            ApiError::AddressNotAllowed(_) | ApiError::RateLimited { .. } | ApiError::Leaked { .. },
        ) => None,
        _ => required,
    };
    state
        .last_used
        .record(caller.key_id, caller.org, counted_need, refusal.is_some());
    let mut response = match refusal {
        Some(refusal) => refusal.into_response(),
        None => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
    };
    // Every answer to a limited key says where it stands.
    if let Some(quota) = quota {
        rate_limit::insert_headers(response.headers_mut(), quota);
    }
    response
}

/// The key's rate limit's verdict on this request; `None` for a key
/// without a limit.
async fn rate_verdict(state: &ApiState, caller: &ApiCaller) -> Option<Verdict> {
    let limit = caller.rate_limit.per_minute()?;
    Some(
        state
            .rate_limiter
            .check(&state.db, caller.key_id, limit)
            .await,
    )
}

/// The client, as serve.rs and client_address record it (read through
/// the extractor, which also takes a test's MockConnectInfo).
pub async fn client_of(parts: &mut Parts) -> Option<IpAddr> {
    ConnectInfo::<SocketAddr>::from_request_parts(parts, &())
        .await
        .ok()
        .map(|ConnectInfo(client)| client.ip())
}

/// The key of `Authorization: Bearer <key>`, trimmed.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim())
}

/// A malformed or badly-checksummed key is refused without the database;
/// a well-formed one is found by its digest (in the key cache, or by the
/// indexed digest columns), then must still work: not expired, and not a
/// previous secret past its grace period.
pub async fn authenticate(
    state: &ApiState,
    headers: &HeaderMap,
    address: Option<IpAddr>,
) -> Result<ApiCaller, ApiError> {
    let presented = bearer(headers).ok_or(ApiError::Unauthenticated)?;
    let secret = ApiKeySecret::parse(presented).map_err(|_| ApiError::Unauthenticated)?;
    let digest = secret.digest();
    // A key verified before (in memory) goes through whatever its address
    // spent; any other look-up is paid from the address's budget of
    // unknown keys. (A key in the cache is checked first, so the common
    // request takes no lock of the budget's.)
    let budgeted = address.filter(|_| !state.keys.holds(&digest));
    let mut refused = false;
    let key = state
        .keys
        .get_or_load(
            &digest,
            load_within_budget(state, budgeted, &secret, &mut refused),
        )
        .await
        .map_err(|LoadFailed| ApiError::Internal(None))?;
    if refused {
        return Err(ApiError::TooManyUnknownKeys);
    }
    let Some(key) = key else {
        return Err(ApiError::Unauthenticated);
    };
    key.lifetimes
        .check(key.slot, chrono::Utc::now())
        .map_err(|refusal| match refusal {
            Refusal::Expired { at } => ApiError::Expired { at },
            Refusal::RolledOut { at } => ApiError::RolledOut { at },
        })?;
    Ok(ApiCaller(key))
}

/// `load`, paid from `address`'s budget of unknown keys when it has one:
/// a unit is taken before the read (so that requests sent at once cannot
/// all pass before any is counted) and given back only if the key was
/// found. Past the budget nothing is read: `refused` is set, and the secret
/// is reported unknown to the cache, which keeps nothing for it. Run by the
/// cache only for a read it makes: requests that join another's read of the
/// same secret take nothing.
async fn load_within_budget(
    state: &ApiState,
    address: Option<IpAddr>,
    secret: &ApiKeySecret,
    refused: &mut bool,
) -> Result<Option<VerifiedKey>, LoadFailed> {
    let Ok(reservation) = state.unknown_keys.reserve_for(address) else {
        *refused = true;
        return Ok(None);
    };
    let found = load(&state.db, secret).await;
    if let (Some(reservation), Ok(Some(_))) = (reservation, &found) {
        reservation.give_back();
    }
    found
}

/// Reads what the cache keeps about a secret (`domain::keys::lookup`).
async fn load(
    db: &DatabaseConnection,
    secret: &ApiKeySecret,
) -> Result<Option<VerifiedKey>, LoadFailed> {
    lookup::by_secret(db, secret).await.map_err(|err| {
        tracing::error!(error = %err, "key look-up failed");
        LoadFailed
    })
}
