//! Sign-up, sign-in, sign-out and "who am I".

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{CurrentUser, LoginInput, SignupInput};
use crate::error::AppError;

/// Creates the user and their organization, and signs them in. Its input
/// is a URL-encoded form (`input[email]`, …), so the page's form works as
/// a plain HTML form before the page is hydrated.
#[server(prefix = "/api", endpoint = "auth/signup")]
pub async fn signup(input: SignupInput) -> Result<(), AppError> {
    use crate::ssr::{respond, state};
    respond(
        async {
            let state = state()?;
            let (email, organization) = input.validate()?;
            let address = crate::ssr::client_address().await;
            if !state.sign_in_throttle.allow_signup(address) {
                tracing::warn!("sign-up throttled");
                return Err(AppError::TooManyAttempts);
            }
            // Signing up again with an account's own email and password
            // signs its owner in; anyone else is told to sign in instead.
            if let Some(user) = ssr::find_user(&state.db, &email).await? {
                // A password check like any sign-in: it spends the account's
                // sign-in budget, so sign-up is no way round it.
                let throttle = &state.sign_in_throttle;
                if !throttle.allow(&email, address) {
                    tracing::warn!("sign-in throttled (through sign-up)");
                    return Err(AppError::TooManyAttempts);
                }
                let owner = super::password::verify_blocking(
                    input.password,
                    Some(user.password_hash.clone()),
                )
                .await
                .inspect_err(|_| throttle.refund(&email, address))?;
                if !owner {
                    ssr::sign_in_failed(&state, &user, address).await?;
                    return Err(AppError::invalid("email", super::EMAIL_TAKEN));
                }
                throttle.refund(&email, address);
                ssr::end_presented_session(&state).await?;
                let token = ssr::sign_in(&state, &user, address).await?;
                ssr::set_session_cookie(&token, state.cookie_secure);
                return Ok(());
            }
            let hash = super::password::hash_blocking(input.password).await?;
            let token =
                ssr::create_account(&state.db, &email, &organization, hash, address).await?;
            ssr::set_session_cookie(&token, state.cookie_secure);
            tracing::info!("account created");
            Ok(())
        }
        .await,
    )
}

/// A URL-encoded form, like `signup`.
#[server(prefix = "/api", endpoint = "auth/login")]
pub async fn login(input: LoginInput) -> Result<(), AppError> {
    use crate::ssr::{respond, state};
    respond(
        async {
            let state = state()?;
            let email = input.email.trim().to_lowercase();
            if email.is_empty() {
                return Err(AppError::invalid("email", "Enter your email address."));
            }
            // No address is this long: refused before it is counted (or
            // kept in the throttle's memory).
            if email.chars().count() > super::EMAIL_MAX_CHARS {
                return Err(AppError::invalid(
                    "email",
                    "Enter an email address like name@example.com.",
                ));
            }
            if input.password.is_empty() {
                return Err(AppError::invalid("password", super::PASSWORD_MISSING));
            }
            let address = crate::ssr::client_address().await;
            let throttle = &state.sign_in_throttle;
            if !throttle.allow(&email, address) {
                tracing::warn!("sign-in throttled");
                return Err(AppError::TooManyAttempts);
            }
            // Only a failure stays counted: the right password, or no
            // check at all (the server busy), gives the attempt back.
            let checked = ssr::check_password(&state.db, &email, input.password)
                .await
                .inspect_err(|_| throttle.refund(&email, address))?;
            let user = match checked {
                ssr::PasswordCheck::Right(user) => {
                    throttle.refund(&email, address);
                    user
                }
                ssr::PasswordCheck::Wrong(Some(user)) => {
                    ssr::sign_in_failed(&state, &user, address).await?;
                    return Err(AppError::SignInFailed);
                }
                // No account, no organization whose log it belongs in.
                ssr::PasswordCheck::Wrong(None) => return Err(AppError::SignInFailed),
            };
            // A fresh session id at every sign-in; any session the browser
            // presented is ended.
            ssr::end_presented_session(&state).await?;
            let token = ssr::sign_in(&state, &user, address).await?;
            ssr::set_session_cookie(&token, state.cookie_secure);
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    use crate::ssr::{respond, state};
    respond(
        async {
            let state = state()?;
            ssr::end_presented_session(&state).await?;
            if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                resp.append_header(
                    axum::http::header::SET_COOKIE,
                    axum::http::HeaderValue::from_str(&super::session::clear_cookie(
                        state.cookie_secure,
                    ))
                    .expect("cookie is a valid header value"),
                );
            }
            Ok(())
        }
        .await,
    )
}

#[server(prefix = "/api", endpoint = "auth/me", input = Json)]
pub async fn signed_in_user() -> Result<CurrentUser, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        let org = ssr::organization_name(&state.db, caller.org).await?;
        Ok(CurrentUser {
            email: caller.user.email,
            organization: org,
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
}

#[cfg(feature = "ssr")]
mod ssr {
    use std::net::IpAddr;

    use axum::http::{HeaderValue, header};
    use chrono::Utc;
    use leptos::prelude::use_context;
    use sea_orm::{
        ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
        EntityTrait, QueryFilter, SqlErr, TransactionTrait,
    };

    use crate::audit::{self, AuditAction, store::Actor};
    use crate::auth::session::{self, SessionToken};
    use crate::error::AppError;
    use crate::ssr::entities::{organization, user};
    use crate::ssr::{AppState, OrgId};

    /// Organization, user, first session and its "Signed in" entry in one
    /// transaction.
    pub async fn create_account(
        db: &DatabaseConnection,
        email: &str,
        organization: &str,
        password_hash: String,
        address: Option<IpAddr>,
    ) -> Result<SessionToken, AppError> {
        let txn = db.begin().await?;
        let org = organization::ActiveModel {
            name: Set(organization.to_owned()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let inserted = user::ActiveModel {
            organization_id: Set(org.id),
            email: Set(email.to_owned()),
            password_hash: Set(password_hash),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let user = match inserted {
            Ok(user) => user,
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(AppError::invalid("email", crate::auth::EMAIL_TAKEN));
            }
            Err(err) => return Err(err.into()),
        };
        let token = session::create(&txn, user.id).await?;
        log_sign_in(
            &txn,
            &user,
            address,
            AuditAction::SignedIn,
            "Account created",
        )
        .await?;
        txn.commit().await?;
        Ok(token)
    }

    /// What a sign-in's password check found.
    pub enum PasswordCheck {
        /// The password of this account.
        Right(user::Model),
        /// Not the password of the account, or no account with the email.
        Wrong(Option<user::Model>),
    }

    /// Checks `password` against `email`'s account. Without an account,
    /// the same hashing work is done, so the answer's timing says nothing
    /// (and long inputs are refused only after it too).
    pub async fn check_password(
        db: &impl ConnectionTrait,
        email: &str,
        password: String,
    ) -> Result<PasswordCheck, AppError> {
        let user = find_user(db, email).await?;
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let right = crate::auth::password::verify_blocking(password, hash).await?;
        Ok(match user {
            Some(user) if right => PasswordCheck::Right(user),
            user => PasswordCheck::Wrong(user),
        })
    }

    pub async fn find_user(
        db: &impl ConnectionTrait,
        email: &str,
    ) -> Result<Option<user::Model>, AppError> {
        Ok(user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(db)
            .await?)
    }

    pub async fn organization_name(
        db: &impl ConnectionTrait,
        org: OrgId,
    ) -> Result<String, AppError> {
        Ok(organization::Entity::find_by_id(org.0)
            .one(db)
            .await?
            .map(|o| o.name)
            .unwrap_or_default())
    }

    pub async fn end_presented_session(state: &AppState) -> Result<(), AppError> {
        if let Some(parts) = use_context::<axum::http::request::Parts>()
            && let Some(token) = session::token_from_headers(&parts.headers, state.cookie_secure)
        {
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

    /// A new session for `user`, and its "Signed in" entry, together.
    pub async fn sign_in(
        state: &AppState,
        user: &user::Model,
        address: Option<IpAddr>,
    ) -> Result<SessionToken, AppError> {
        let txn = state.db.begin().await?;
        let token = session::create(&txn, user.id).await?;
        log_sign_in(&txn, user, address, AuditAction::SignedIn, "").await?;
        txn.commit().await?;
        Ok(token)
    }

    /// A wrong password for `user`'s account: an entry in its
    /// organization's log, unless the account had its minute's worth of
    /// them already (`throttle::LOGGED_FAILURES_PER_MINUTE`), so that
    /// guessing from many networks cannot flood the log. Attempts the
    /// throttle refuses never get here.
    pub async fn sign_in_failed(
        state: &AppState,
        user: &user::Model,
        address: Option<IpAddr>,
    ) -> Result<(), AppError> {
        if !state.sign_in_throttle.log_failure(&user.email) {
            return Ok(());
        }
        log_sign_in(
            &state.db,
            user,
            address,
            AuditAction::SignInFailed,
            "Wrong password",
        )
        .await
    }

    /// A sign-in's (or failed sign-in's) entry in the user's organization's
    /// log, written on `db`.
    async fn log_sign_in(
        db: &impl ConnectionTrait,
        user: &user::Model,
        address: Option<IpAddr>,
        action: AuditAction,
        detail: &str,
    ) -> Result<(), AppError> {
        let actor = Actor::user(&user.email, address);
        let org = OrgId(user.organization_id);
        audit::store::record(db, org, &actor, action, None, detail).await?;
        Ok(())
    }
}
