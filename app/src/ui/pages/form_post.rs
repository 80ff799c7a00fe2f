//! Forms that work before the page is hydrated. Until the WASM has loaded
//! (or without JavaScript at all) a form posts as plain HTML to its server
//! function; server_fn answers such a post with a redirect back to the
//! page, carrying any error in the query (`__path`, `__err`). The page reads
//! it from there, on the server and again when hydrating.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;
use leptos_router::hooks::use_query_map;

use crate::model::auth::{
    EMAIL_TAKEN, PASSWORD_MISSING, validate_email, validate_organization, validate_password,
};
use crate::model::error::AppError;
use crate::model::webhooks::{URL_MAX_CHARS, validate_url};

/// The error a plain form post of the server function `F` came back with,
/// if it is one the server could have said: anyone can write a query
/// string, so a link must not put words of its own next to a field.
pub fn form_post_error<F: ServerFn<Error = AppError>>() -> Option<AppError> {
    let query = use_query_map();
    let err = query.with_untracked(|q| {
        if q.get_str("__path") != Some(F::PATH) {
            return None;
        }
        q.get_str("__err")
            .map(ServerFnUrlError::<AppError>::decode_err)
    })?;
    is_ours(&err).then_some(err)
}

/// Errors with fixed words, and field errors whose words one of the form
/// validations says.
fn is_ours(err: &AppError) -> bool {
    match err {
        AppError::Invalid { field, message } => known_field_errors()
            .iter()
            .any(|known| known.message_for(field).as_ref() == Some(message)),
        AppError::Conflict(_) | AppError::Forbidden(_) | AppError::Transport(_) => false,
        AppError::NotFound(_)
        | AppError::Unauthorized
        | AppError::SignInFailed
        | AppError::TooManyAttempts
        | AppError::CrossSite
        | AppError::Busy
        | AppError::TooLarge
        | AppError::Internal => true,
    }
}

/// Every field error the sign-in, sign-up, webhook URL and key policy
/// forms can get: each validation, given inputs that fail each of its
/// checks.
fn known_field_errors() -> Vec<AppError> {
    let long = |n: usize| "a".repeat(n + 1);
    [
        validate_email("").err(),
        validate_email("not an address").err(),
        validate_password("").err(),
        validate_password(&long(crate::model::auth::PASSWORD_MAX_CHARS)).err(),
        validate_organization("").err(),
        validate_organization("\u{7}").err(),
        validate_url("").err(),
        validate_url("example.com").err(),
        validate_url("https://").err(),
        validate_url(&format!("https://{}", long(URL_MAX_CHARS))).err(),
        Some(AppError::invalid("email", EMAIL_TAKEN)),
        Some(AppError::invalid("password", PASSWORD_MISSING)),
        Some(AppError::invalid(
            "email",
            crate::model::auth::NO_ORGANIZATION,
        )),
        Some(AppError::invalid(
            "token",
            crate::model::members::INVITATION_GONE,
        )),
        Some(AppError::invalid(
            "email",
            crate::model::members::INVITATION_OTHER_EMAIL,
        )),
        crate::model::key_policy::MaxLifetime::from_slug("").err(),
        crate::model::leaks::LeakResponse::from_slug("").err(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_servers_own_words_are_taken_from_the_query() {
        assert!(is_ours(&AppError::SignInFailed));
        assert!(is_ours(&AppError::invalid("email", EMAIL_TAKEN)));
        assert!(is_ours(&validate_url("ftp://example.com").unwrap_err()));
        assert!(is_ours(&validate_password("short").unwrap_err()));
        // The right words on the wrong field, or words of a link's own.
        assert!(!is_ours(&AppError::invalid("url", EMAIL_TAKEN)));
        assert!(!is_ours(&AppError::invalid(
            "email",
            "Your account is locked: call +1 555 0100."
        )));
        assert!(!is_ours(&AppError::Conflict("Call us.".into())));
        // The key policy form's own refusal comes back to its page.
        let unknown = crate::model::key_policy::MaxLifetime::from_slug("45").unwrap_err();
        assert!(is_ours(&unknown));
    }
}
