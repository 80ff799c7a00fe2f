//! Who is calling a server function and what they may act on. Every server
//! function starts here, so that no query runs without an organization.

use leptos::prelude::use_context;

use super::{AppState, OrgId};
use crate::error::AppError;

/// The caller of a server function, as far as authorization is concerned.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub org: OrgId,
}

/// Establishes the caller and hands back the state to act with.
pub fn caller() -> Result<(Caller, AppState), AppError> {
    let state = use_context::<AppState>().ok_or_else(|| {
        tracing::error!("server function called without AppState in context");
        AppError::Internal
    })?;
    Ok((Caller { org: state.default_org }, state))
}
