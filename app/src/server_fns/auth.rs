//! Sign-up, sign-in, sign-out, "who am I", and joining an organization
//! by an invitation link.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::auth::{CurrentUser, LoginInput, SignupInput};
use crate::model::error::AppError;
use crate::model::members::JoinInput;
#[cfg(feature = "ssr")]
use {
    crate::domain::auth::accounts::{self, PasswordCheck},
    crate::domain::auth::{password, session},
    crate::domain::teams::invitations::{self, InvitationToken, Joiner, PendingInvitation},
    crate::model::members::{INVITATION_GONE, INVITATION_OTHER_EMAIL, JOIN_TOKEN},
    crate::server_fns::{respond, state},
    cookies::{end_presented_session, set_session_cookie},
};

/// Creates the user and their organization, and signs them in. Its input
/// is a URL-encoded form (`input[email]`, …), so the page's form works as
/// a plain HTML form before the page is hydrated.
#[server(prefix = "/api", endpoint = "auth/signup")]
pub async fn signup(input: SignupInput) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            let (email, organization) = input.validate()?;
            let address = crate::server_fns::client_address().await;
            if !state.sign_in_throttle.allow_signup(address) {
                tracing::warn!("sign-up throttled");
                return Err(AppError::TooManyAttempts.into());
            }
            // Signing up again with an account's own email and password
            // signs its owner in; anyone else is told to sign in instead.
            if accounts::find_user(&state.db, &email).await?.is_some() {
                // A password check like any sign-in: it spends the account's
                // sign-in budget, so sign-up is no way round it.
                return match checked_password(&state, &email, input.password, address).await? {
                    PasswordCheck::Right(user) => start_session(&state, &user, address).await,
                    PasswordCheck::Wrong(_) => {
                        Err(AppError::invalid("email", crate::model::auth::EMAIL_TAKEN).into())
                    }
                };
            }
            let hash = password::hash_blocking(input.password).await?;
            let token =
                accounts::create_account(&state.db, &email, &organization, hash, address).await?;
            set_session_cookie(&token, state.cookie_secure);
            tracing::info!("account created");
            Ok::<(), crate::server_fns::Failure>(())
        }
        .await,
    )
}

/// A URL-encoded form, like `signup`.
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(input: LoginInput) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            let email = input.validate()?;
            let address = crate::server_fns::client_address().await;
            match checked_password(&state, &email, input.password, address).await? {
                PasswordCheck::Right(user) => start_session(&state, &user, address).await?,
                PasswordCheck::Wrong(_) => return Err(AppError::SignInFailed.into()),
            }
            Ok::<(), crate::server_fns::Failure>(())
        }
        .await,
    )
}

/// Checks `password` for `email` within the sign-in throttle's budget, for
/// sign-in and for a sign-up with an account's email alike. Only a failure
/// stays counted: the right password, or no check at all (the server
/// busy), gives the attempt back. A wrong password for an account is
/// logged in its organization's audit log (within the throttle's bound).
#[cfg(feature = "ssr")]
async fn checked_password(
    state: &crate::server_fns::AppState,
    email: &str,
    password: String,
    address: Option<std::net::IpAddr>,
) -> Result<PasswordCheck, crate::server_fns::Failure> {
    let throttle = &state.sign_in_throttle;
    if !throttle.allow(email, address) {
        tracing::warn!("sign-in throttled");
        return Err(AppError::TooManyAttempts.into());
    }
    let checked = accounts::check_password(&state.db, email, password)
        .await
        .inspect_err(|_| throttle.refund(email, address))?;
    match &checked {
        PasswordCheck::Right(_) => throttle.refund(email, address),
        PasswordCheck::Wrong(Some(user)) => {
            accounts::sign_in_failed(&state.db, throttle, user, address).await?
        }
        // No account, no organization whose log it belongs in.
        PasswordCheck::Wrong(None) => {}
    }
    Ok(checked)
}

/// A fresh session id at every sign-in: any session the browser presented
/// is ended, and the new one's cookie set.
#[cfg(feature = "ssr")]
async fn start_session(
    state: &crate::server_fns::AppState,
    user: &crate::domain::entities::user::Model,
    address: Option<std::net::IpAddr>,
) -> Result<(), crate::server_fns::Failure> {
    end_presented_session(state).await?;
    let token = accounts::sign_in(&state.db, user, address).await?;
    set_session_cookie(&token, state.cookie_secure);
    Ok(())
}

/// Accepts an invitation: a new email sets its password, an account's
/// email signs in with its own (within the sign-in throttle). A URL-encoded
/// form, like `signup`, so the join page works before hydration; such a
/// plain post goes on to the API Keys page once joined (back to the link,
/// used now, would say it has expired).
#[server(prefix = "/api", endpoint = "auth/join")]
pub async fn join(input: JoinInput) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            let email = input.validate()?;
            let (token, (invitation, _)) = pending_invitation(&state, &input.token).await?;
            // Before any password work: the link is for one email only.
            if invitation.email != email {
                return Err(AppError::invalid("email", INVITATION_OTHER_EMAIL).into());
            }
            let address = crate::server_fns::client_address().await;
            let joiner = joiner(&state, email, input, address).await?;
            let session = invitations::accept(&state.db, &token, joiner, address).await?;
            // The session the browser presented ends only once the new one
            // exists: a join that fails signs nobody out.
            end_presented_session(&state).await?;
            set_session_cookie(&session, state.cookie_secure);
            if crate::server_fns::respond::is_plain_form_post() {
                leptos_axum::redirect(crate::model::auth::DEFAULT_NEXT);
            }
            Ok::<(), crate::server_fns::Failure>(())
        }
        .await,
    )
}

/// The invitation behind a link while it is pending; otherwise the one
/// refusal for every link that does not work.
#[cfg(feature = "ssr")]
async fn pending_invitation(
    state: &crate::server_fns::AppState,
    link: &str,
) -> Result<(InvitationToken, PendingInvitation), crate::server_fns::Failure> {
    let gone = || AppError::invalid(JOIN_TOKEN, INVITATION_GONE);
    let token = InvitationToken::from_link(link).ok_or_else(gone)?;
    let pending = invitations::find_pending(&state.db, &token)
        .await?
        .ok_or_else(gone)?;
    Ok((token, pending))
}

/// Who accepts: the account with this email, if its password is right
/// (a check within the sign-in budget, like sign-in's), or a new account
/// with this password (within the sign-up budget, like sign-up's).
#[cfg(feature = "ssr")]
async fn joiner(
    state: &crate::server_fns::AppState,
    email: String,
    input: JoinInput,
    address: Option<std::net::IpAddr>,
) -> Result<Joiner, crate::server_fns::Failure> {
    if accounts::find_user(&state.db, &email).await?.is_some() {
        return match checked_password(state, &email, input.password, address).await? {
            PasswordCheck::Right(user) => Ok(Joiner::Existing(user)),
            PasswordCheck::Wrong(_) => Err(AppError::SignInFailed.into()),
        };
    }
    input.check_new_password()?;
    if !state.sign_in_throttle.allow_signup(address) {
        return Err(AppError::TooManyAttempts.into());
    }
    let password_hash = password::hash_blocking(input.password).await?;
    Ok(Joiner::New {
        email,
        password_hash,
    })
}

/// The name of the organization an invitation link is for, while the
/// link works; otherwise the one message for every link that does not.
#[server(prefix = "/api", endpoint = "auth/invitation", input = Json)]
pub async fn invitation_organization(token: String) -> Result<String, AppError> {
    respond(
        async {
            let state = state()?;
            let (_, (_, organization)) = pending_invitation(&state, &token).await?;
            Ok::<String, crate::server_fns::Failure>(organization)
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            end_presented_session(&state).await?;
            if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                resp.append_header(
                    axum::http::header::SET_COOKIE,
                    axum::http::HeaderValue::from_str(&session::clear_cookie(state.cookie_secure))
                        .expect("cookie is a valid header value"),
                );
            }
            Ok::<(), crate::server_fns::Failure>(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/me", input = Json)]
pub async fn signed_in_user() -> Result<CurrentUser, AppError> {
    crate::server_fns::with_caller(|caller, state| async move {
        let organizations =
            crate::domain::teams::organizations_of(&state.db, caller.user.id).await?;
        let organization = organizations
            .iter()
            .find(|o| o.id == caller.org.0)
            .map(|o| o.name.clone())
            .unwrap_or_default();
        Ok(CurrentUser {
            email: caller.user.email,
            organization,
            organization_id: caller.org.0,
            role: caller.role,
            organizations,
        })
    })
    .await
}

#[cfg(feature = "ssr")]
pub fn register() {
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<Signup>();
    register_explicit::<Login>();
    register_explicit::<Logout>();
    register_explicit::<SignedInUser>();
    register_explicit::<Join>();
    register_explicit::<InvitationOrganization>();
}

/// Request-side steps of signing in and out: the cookie the browser
/// presented and the one it is given.
#[cfg(feature = "ssr")]
mod cookies {
    use axum::http::{HeaderValue, header};
    use leptos::prelude::use_context;

    use crate::domain::auth::session::{self, SessionToken};
    use crate::server_fns::{AppState, Failure};

    pub async fn end_presented_session(state: &AppState) -> Result<(), Failure> {
        if let Some(token) = crate::server_fns::presented_session(state) {
            session::delete(&state.db, &token).await?;
        }
        Ok(())
    }

    pub fn set_session_cookie(token: &SessionToken, secure: bool) {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.append_header(
                header::SET_COOKIE,
                HeaderValue::from_str(&session::set_cookie(token, secure))
                    .expect("cookie is a valid header value"),
            );
        }
    }
}
