//! How a server function's answer is made: its error mapped to what the
//! browser is told, logged here when it is ours, and its HTTP status set.

use crate::domain::DomainError;
use crate::model::error::AppError;

/// Why a server function did not do what it was asked: a refusal phrased
/// already (bad input, signed out), or the domain's answer.
#[derive(Debug)]
pub enum Failure {
    Refused(AppError),
    Domain(DomainError),
}

impl From<AppError> for Failure {
    fn from(err: AppError) -> Self {
        Failure::Refused(err)
    }
}

impl From<DomainError> for Failure {
    fn from(err: DomainError) -> Self {
        Failure::Domain(err)
    }
}

impl From<sea_orm::DbErr> for Failure {
    fn from(err: sea_orm::DbErr) -> Self {
        Failure::Domain(err.into())
    }
}

impl Failure {
    /// What the browser is told. A failure of ours is logged here, with
    /// its detail, and answered without it.
    fn into_answer(self) -> AppError {
        match self {
            Failure::Refused(err) => err,
            Failure::Domain(err) => {
                if err.is_ours() {
                    let path = leptos::prelude::use_context::<axum::http::request::Parts>()
                        .map(|parts| parts.uri.path().to_owned())
                        .unwrap_or_default();
                    tracing::error!(error = %err, path, "server function failed");
                }
                err.into()
            }
        }
    }
}

/// Makes a server function's answer from its result: the error as the
/// browser is told it, and the HTTP status from it, so that refusals are
/// 4xx for any client, not 500s with a JSON body.
pub fn respond<T, E: Into<Failure>>(result: Result<T, E>) -> Result<T, AppError> {
    result.map_err(|err| {
        let err = err.into().into_answer();
        set_status(&err);
        err
    })
}

/// Sets the status of the server function answer being built, if any.
/// A plain HTML form post (a page not yet hydrated, or without
/// JavaScript) is answered with a redirect back to its page, the error in
/// the query (server_fn's form redirects); a status here would replace it.
pub fn set_status(err: &AppError) {
    if is_plain_form_post() {
        return;
    }
    if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(
            axum::http::StatusCode::from_u16(err.status())
                .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
}

/// Whether the server function being answered was posted by a plain HTML
/// form: such a request accepts `text/html`, as any navigation does, where
/// the server function client asks for its encoding only.
pub(crate) fn is_plain_form_post() -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}
