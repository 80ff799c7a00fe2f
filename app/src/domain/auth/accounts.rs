//! Accounts: creating one with its organization, checking a password,
//! and the sessions and audit entries of signing in.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, SqlErr, TransactionTrait,
};

use crate::domain::audit::store::{self as audit, Actor};
use crate::domain::auth::session::{self, SessionToken};
use crate::domain::auth::throttle::SignInThrottle;
use crate::domain::entities::{organization, user};
use crate::domain::teams;
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::roles::Role;

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
        last_signed_in_at: Set(None),
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
    // Its first member is its Admin.
    let org = OrgId(org.id);
    teams::add_member(&txn, org, user.id, Role::Admin).await?;
    let token = start_session(&txn, &user, org).await?;
    log_sign_in(
        &txn,
        &user,
        org,
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

/// A new session for `user` on its home organization (`teams::
/// home_organization`), and its "Signed in" entry, together. An account
/// that belongs to no organization any more cannot sign in.
pub async fn sign_in(
    db: &DatabaseConnection,
    user: &user::Model,
    address: Option<IpAddr>,
) -> Result<SessionToken, DomainError> {
    let txn = db.begin().await?;
    let Some(org) = teams::home_organization(&txn, user).await? else {
        return Err(DomainError::Invalid {
            field: "email".into(),
            message: crate::model::auth::NO_ORGANIZATION.into(),
        });
    };
    let token = start_session(&txn, user, org).await?;
    log_sign_in(&txn, user, org, address, AuditAction::SignedIn, "").await?;
    txn.commit().await?;
    Ok(token)
}

/// A session for `user` on `org`, and the account's last sign-in, on the
/// transaction that signs them in.
pub(crate) async fn start_session(
    txn: &impl ConnectionTrait,
    user: &user::Model,
    org: OrgId,
) -> Result<SessionToken, DomainError> {
    let token = session::create(txn, user.id, org).await?;
    user::Entity::update_many()
        .col_expr(user::Column::LastSignedInAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(user.id))
        .exec(txn)
        .await?;
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
    // In the log of the organization a sign-in would have opened.
    let Some(org) = teams::home_organization(db, user).await? else {
        return Ok(());
    };
    log_sign_in(
        db,
        user,
        org,
        address,
        AuditAction::SignInFailed,
        "Wrong password",
    )
    .await
}

/// A sign-in's (or failed sign-in's) entry in `org`'s log, written on
/// `db`.
async fn log_sign_in(
    db: &impl ConnectionTrait,
    user: &user::Model,
    org: OrgId,
    address: Option<IpAddr>,
    action: AuditAction,
    detail: &str,
) -> Result<(), DomainError> {
    let actor = Actor::user(&user.email, address);
    audit::record(db, org, &actor, action, None, detail).await?;
    Ok(())
}
