//! Who is calling a server function and what they may act on. Every server
//! function starts here, so that no query runs without an organization.

use leptos::prelude::use_context;

use super::entities::user;
use super::{AppState, OrgId};
use crate::auth::session;
use crate::error::AppError;

/// The signed-in caller of a server function.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: user::Model,
    pub org: OrgId,
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("server function called without AppState in context");
        AppError::Internal
    })
}

/// Establishes the signed-in caller from the session cookie, or refuses
/// with `Unauthorized`; hands back the state to act with.
pub async fn caller() -> Result<(Caller, AppState), AppError> {
    let state = state()?;
    let parts = use_context::<axum::http::request::Parts>().ok_or(AppError::Unauthorized)?;
    let user = match parts.extensions.get::<session::Authenticated>() {
        // Already looked up for this request (a page being rendered).
        Some(session::Authenticated(user)) => user.clone(),
        None => {
            let token = session::token_from_headers(&parts.headers, state.cookie_secure)
                .ok_or(AppError::Unauthorized)?;
            session::lookup(&state.db, &token)
                .await?
                .ok_or(AppError::Unauthorized)?
        }
    };
    let org = OrgId(user.organization_id);
    Ok((Caller { user, org }, state))
}
