//! Accounts: creating one with its organization, checking a password,
//! and the sessions and audit entries of signing in.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, SqlErr, TransactionTrait,
};

use crate::domain::audit::store::{self as audit, Actor};
use crate::domain::auth::session::{self, SessionToken};
use crate::domain::auth::throttle::SignInThrottle;
use crate::domain::entities::{organization, user};
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;

/// Organization, user, first session and its "Signed in" entry in one
/// transaction.
pub async fn create_account(
    db: &DatabaseConnection,
    email: &str,
    organization: &str,
    password_hash: String,
    address: Option<IpAddr>,
) -> Result<SessionToken, DomainError> {
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
            return Err(DomainError::Invalid {
                field: "email".into(),
                message: crate::model::auth::EMAIL_TAKEN.into(),
            });
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
) -> Result<PasswordCheck, DomainError> {
    let user = find_user(db, email).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let right = crate::domain::auth::password::verify_blocking(password, hash).await?;
    Ok(match user {
        Some(user) if right => PasswordCheck::Right(user),
        user => PasswordCheck::Wrong(user),
    })
}

pub async fn find_user(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, DomainError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?)
}

pub async fn organization_name(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<String, DomainError> {
    Ok(organization::Entity::find_by_id(org.0)
        .one(db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default())
}

/// A new session for `user`, and its "Signed in" entry, together.
pub async fn sign_in(
    db: &DatabaseConnection,
    user: &user::Model,
    address: Option<IpAddr>,
) -> Result<SessionToken, DomainError> {
    let txn = db.begin().await?;
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
    db: &DatabaseConnection,
    throttle: &SignInThrottle,
    user: &user::Model,
    address: Option<IpAddr>,
) -> Result<(), DomainError> {
    if !throttle.log_failure(&user.email) {
        return Ok(());
    }
    log_sign_in(
        db,
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
) -> Result<(), DomainError> {
    let actor = Actor::user(&user.email, address);
    let org = OrgId(user.organization_id);
    audit::record(db, org, &actor, action, None, detail).await?;
    Ok(())
}
