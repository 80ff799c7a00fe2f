//! Who is calling a server function and what they may act on. Every server
//! function starts here, so that no query runs without an organization.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use leptos::prelude::use_context;

use super::{AppState, Failure};
use crate::domain::OrgId;
use crate::domain::audit::store::Actor;
use crate::domain::auth::session;
use crate::domain::entities::user;
use crate::model::error::AppError;
use crate::model::roles::{Capability, Role};

/// The signed-in caller of a server function: who, in which organization
/// and with which role there.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: user::Model,
    pub org: OrgId,
    pub role: Role,
    /// The client's address (behind a trusted proxy, the one it names).
    pub address: Option<IpAddr>,
}

impl Caller {
    /// The caller as the audit log names them.
    pub fn actor(&self) -> Actor {
        Actor::user(&self.user.email, self.address)
    }

    /// `Forbidden`, naming the role, unless it allows `capability`.
    pub fn require(&self, capability: Capability) -> Result<(), Failure> {
        self.role
            .check(capability)
            .map_err(|message| AppError::Forbidden(message).into())
    }
}

/// The client's address, when the server was started with connect info
/// (the server's `client_address` layer has resolved trusted proxies).
/// Through axum's extractor, so that a `MockConnectInfo` serves in tests.
pub async fn client_address() -> Option<IpAddr> {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical())
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("server function called without AppState in context");
        AppError::Internal
    })
}

/// The session token the request presented, if any.
pub fn presented_session(state: &AppState) -> Option<session::SessionToken> {
    let parts = use_context::<axum::http::request::Parts>()?;
    session::token_from_headers(&parts.headers, state.cookie_secure)
}

/// Establishes the signed-in caller from the session cookie, or refuses
/// with `Unauthorized`; hands back the state to act with.
pub async fn caller() -> Result<(Caller, AppState), Failure> {
    let state = state()?;
    let parts = use_context::<axum::http::request::Parts>().ok_or(AppError::Unauthorized)?;
    let member = match parts.extensions.get::<session::Authenticated>() {
        // Already looked up for this request (a page being rendered).
        Some(session::Authenticated(member)) => member.clone(),
        None => {
            let token = session::token_from_headers(&parts.headers, state.cookie_secure)
                .ok_or(AppError::Unauthorized)?;
            session::lookup(&state.db, &token)
                .await?
                .ok_or(AppError::Unauthorized)?
        }
    };
    Ok((
        Caller {
            user: member.user,
            org: member.org,
            role: member.role,
            address: client_address().await,
        },
        state,
    ))
}

/// The body of a server function that acts for the signed-in caller:
/// establishes who is calling (or refuses with `Unauthorized`), runs `body`
/// with the caller and the state, and sets the answer's HTTP status from
/// the result.
pub async fn with_caller<T, Body, Fut>(body: Body) -> Result<T, AppError>
where
    Body: FnOnce(Caller, AppState) -> Fut,
    Fut: std::future::Future<Output = Result<T, Failure>>,
{
    let result = match caller().await {
        Ok((caller, state)) => body(caller, state).await,
        Err(err) => Err(err),
    };
    super::respond(result)
}

/// `with_caller` for what only some roles may do: the caller is refused
/// with `Forbidden`, naming their role, before `body` runs unless their
/// role allows `capability`.
pub async fn with_caller_who_may<T, Body, Fut>(
    capability: Capability,
    body: Body,
) -> Result<T, AppError>
where
    Body: FnOnce(Caller, AppState) -> Fut,
    Fut: std::future::Future<Output = Result<T, Failure>>,
{
    with_caller(|caller, state| async move {
        caller.require(capability)?;
        body(caller, state).await
    })
    .await
}
