//! Invitations: made by an Admin for one email and role, used once
//! through a link that carries 256 random bits, for `INVITATION_DAYS`.
//! The table keeps only the bits' SHA-256. An invitation stops working
//! when the Admin who made it leaves or stops being an Admin.

use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, SqlErr, TransactionTrait,
};
use sha2::{Digest, Sha256};

use super::{add_member, still_may};
use crate::domain::audit::store::{self as audit, Actor};
use crate::domain::auth::accounts::start_session;
use crate::domain::auth::session::SessionToken;
use crate::domain::entities::{invitation, membership, organization, user};
use crate::domain::keys::store::lock_organization;
use crate::domain::{DomainError, OrgId};
use crate::model::audit::AuditAction;
use crate::model::error::Missing;
use crate::model::members::{
    ALREADY_INVITED, ALREADY_MEMBER, INVITATION_DAYS, INVITATION_GONE, INVITATION_OTHER_EMAIL,
    InvitationId, InvitationLink, InvitationSummary, JOIN_PATH, MAX_INVITATION_ROWS,
    MAX_PENDING_INVITATIONS, TOO_MANY_INVITATIONS, UserId,
};
use crate::model::roles::{Capability, Role};

/// The token an invitation link carries. No `Debug`: it is the invitation.
pub struct InvitationToken(String);

impl InvitationToken {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random source is unavailable");
        InvitationToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// As it came in a link. Anything longer than a token is no token.
    pub fn from_link(value: &str) -> Option<Self> {
        (value.len() <= 64).then(|| InvitationToken(value.to_owned()))
    }

    fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

/// The invitations of `org` still pending, soonest to expire first.
pub async fn pending(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<Vec<InvitationSummary>, DomainError> {
    Ok(pending_rows(db, org)
        .await?
        .into_iter()
        .map(|row| InvitationSummary {
            id: InvitationId(row.id),
            email: row.email,
            role: row.role,
            expires_at: row.expires_at,
        })
        .collect())
}

async fn pending_rows(
    db: &impl ConnectionTrait,
    org: OrgId,
) -> Result<Vec<invitation::Model>, DomainError> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::OrganizationId.eq(org.0))
        .filter(invitation::Column::UsedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(Utc::now()))
        .order_by_asc(invitation::Column::ExpiresAt)
        .all(db)
        .await?)
}

/// Invites `email` to `org` as `role`, as `by`: answers the link, shown
/// once. Someone already a member, or already invited, is refused by
/// field.
pub async fn create(
    db: &DatabaseConnection,
    org: OrgId,
    (actor, by): (&Actor, UserId),
    email: &str,
    role: Role,
) -> Result<InvitationLink, DomainError> {
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    still_may(&txn, org, by, Capability::ManageMembers).await?;
    let member = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(org.0))
        .inner_join(user::Entity)
        .filter(user::Column::Email.eq(email))
        .count(&txn)
        .await?;
    if member > 0 {
        return Err(invalid("email", ALREADY_MEMBER));
    }
    let pending = pending_rows(&txn, org).await?;
    if pending.iter().any(|p| p.email == email) {
        return Err(invalid("email", ALREADY_INVITED));
    }
    // Pending ones, and every row until it is pruned after its expiry: a
    // loop of inviting and revoking cannot grow the table without bound.
    let held = invitation::Entity::find()
        .filter(invitation::Column::OrganizationId.eq(org.0))
        .count(&txn)
        .await?;
    if pending.len() as u64 >= MAX_PENDING_INVITATIONS || held >= MAX_INVITATION_ROWS {
        return Err(DomainError::Conflict(TOO_MANY_INVITATIONS.into()));
    }
    let token = InvitationToken::generate();
    let now = Utc::now();
    invitation::ActiveModel {
        organization_id: Set(org.0),
        email: Set(email.to_owned()),
        role: Set(role),
        token_digest: Set(token.digest()),
        invited_by: Set(Some(by.0)),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(INVITATION_DAYS)),
        used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let detail = format!("{email} as {}", role.label());
    audit::record(&txn, org, actor, AuditAction::MemberInvited, None, detail).await?;
    txn.commit().await?;
    tracing::info!(org = org.0, "member invited");
    Ok(InvitationLink(format!("{JOIN_PATH}{}", token.0)))
}

/// Revokes a pending invitation of `org`, as `by`: its link stops
/// working.
pub async fn revoke(
    db: &DatabaseConnection,
    org: OrgId,
    (actor, by): (&Actor, UserId),
    id: InvitationId,
) -> Result<(), DomainError> {
    let txn = db.begin().await?;
    lock_organization(&txn, org).await?;
    still_may(&txn, org, by, Capability::ManageMembers).await?;
    let revoked = invitation::Entity::update_many()
        .col_expr(invitation::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(invitation::Column::Id.eq(id.0))
        .filter(invitation::Column::OrganizationId.eq(org.0))
        .filter(invitation::Column::UsedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(Utc::now()))
        .exec_with_returning(&txn)
        .await?;
    let Some(row) = revoked.first() else {
        return Err(DomainError::NotFound(Missing::Invitation));
    };
    audit::record(
        &txn,
        org,
        actor,
        AuditAction::InvitationRevoked,
        None,
        row.email.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Revokes the pending invitations `inviter` made in `org`, on the
/// transaction that removes or demotes them: an Admin on the way out
/// cannot leave a link behind that lets someone in.
pub(super) async fn revoke_made_by(
    txn: &impl ConnectionTrait,
    org: OrgId,
    actor: &Actor,
    inviter: UserId,
) -> Result<(), DomainError> {
    let revoked = invitation::Entity::update_many()
        .col_expr(invitation::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(invitation::Column::OrganizationId.eq(org.0))
        .filter(invitation::Column::InvitedBy.eq(inviter.0))
        .filter(invitation::Column::UsedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .exec_with_returning(txn)
        .await?;
    for row in revoked {
        let detail = format!("{} (the Admin who invited them left)", row.email);
        audit::record(
            txn,
            org,
            actor,
            AuditAction::InvitationRevoked,
            None,
            detail,
        )
        .await?;
    }
    Ok(())
}

/// Deletes every invitation past its expiry, used or not, of every
/// organization: a link past it works for nobody, and the audit log keeps
/// what happened. Answers how many went; instances may run it at once.
pub async fn delete_expired(
    db: &impl ConnectionTrait,
    now: chrono::DateTime<Utc>,
) -> Result<u64, DomainError> {
    Ok(invitation::Entity::delete_many()
        .filter(invitation::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected)
}

/// A pending invitation and its organization's name.
pub type PendingInvitation = (invitation::Model, String);

/// A pending invitation by its link, with its organization's name; `None`
/// for a link that is used, revoked, expired or unknown alike.
pub async fn find_pending(
    db: &impl ConnectionTrait,
    token: &InvitationToken,
) -> Result<Option<PendingInvitation>, DomainError> {
    let found = invitation::Entity::find()
        .filter(invitation::Column::TokenDigest.eq(token.digest()))
        .one(db)
        .await?
        .filter(|row| row.is_pending(Utc::now()));
    let Some(row) = found else {
        return Ok(None);
    };
    let name = organization::Entity::find_by_id(row.organization_id)
        .one(db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(Some((row, name)))
}

/// Who is accepting: an account that proved its password, or a new one.
pub enum Joiner {
    Existing(user::Model),
    New {
        email: String,
        password_hash: String,
    },
}

/// Uses the invitation once: the joiner becomes a member with its role
/// and is signed in on its organization. Two uses of one link race on the
/// update that marks it used; only one wins.
pub async fn accept(
    db: &DatabaseConnection,
    token: &InvitationToken,
    joiner: Joiner,
    address: Option<IpAddr>,
) -> Result<SessionToken, DomainError> {
    let txn = db.begin().await?;
    let now = Utc::now();
    let used = invitation::Entity::update_many()
        .col_expr(invitation::Column::UsedAt, Expr::value(now))
        .filter(invitation::Column::TokenDigest.eq(token.digest()))
        .filter(invitation::Column::UsedAt.is_null())
        .filter(invitation::Column::RevokedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec_with_returning(&txn)
        .await?;
    let Some(invitation) = used.into_iter().next() else {
        return Err(invalid("token", INVITATION_GONE));
    };
    let org = OrgId(invitation.organization_id);
    let user = match joiner {
        Joiner::Existing(user) => user,
        Joiner::New {
            email,
            password_hash,
        } => new_user(&txn, org, &email, password_hash).await?,
    };
    if user.email != invitation.email {
        return Err(invalid("email", INVITATION_OTHER_EMAIL));
    }
    add_member(&txn, org, user.id, invitation.role).await?;
    let token = start_session(&txn, &user, org).await?;
    let actor = Actor::user(&user.email, address);
    let detail = format!("{} as {}", user.email, invitation.role.label());
    audit::record(&txn, org, &actor, AuditAction::MemberJoined, None, detail).await?;
    txn.commit().await?;
    tracing::info!(org = org.0, user = user.id, "member joined");
    Ok(token)
}

async fn new_user(
    txn: &impl ConnectionTrait,
    org: OrgId,
    email: &str,
    password_hash: String,
) -> Result<user::Model, DomainError> {
    let inserted = user::ActiveModel {
        organization_id: Set(org.0),
        email: Set(email.to_owned()),
        password_hash: Set(password_hash),
        created_at: Set(Utc::now()),
        last_signed_in_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await;
    match inserted {
        Ok(user) => Ok(user),
        // Made between the page's check and this insert: sign in instead.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(invalid("email", crate::model::auth::EMAIL_TAKEN))
        }
        Err(err) => Err(err.into()),
    }
}

fn invalid(field: &str, message: &str) -> DomainError {
    DomainError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}
