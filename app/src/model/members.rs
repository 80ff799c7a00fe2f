//! Teams: the members of an organization, its pending invitations, and
//! the inputs of inviting, joining and switching organization.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::auth::{PASSWORD_MAX_CHARS, validate_email, validate_password};
use crate::model::error::AppError;
use crate::model::roles::Role;

/// How long an invitation link works.
pub const INVITATION_DAYS: i64 = 7;
/// Pending invitations an organization may hold at once: each is a row
/// anyone with the link can use, so there is a bound.
pub const MAX_PENDING_INVITATIONS: u64 = 100;
/// Invitations an organization may have made within one expiry period
/// (rows are deleted once expired), so that inviting and revoking in a
/// loop has a bounded cost.
pub const MAX_INVITATION_ROWS: u64 = 1000;
/// The join form's field for the link's token, as its errors name it.
pub const JOIN_TOKEN: &str = "token";
/// Where an invitation link points; the token follows.
pub const JOIN_PATH: &str = "/join/";

/// Demoting or removing the last Admin.
pub const LAST_ADMIN: &str = "An organization needs at least one Admin.";
/// A used, revoked, expired or unknown invitation link: one message for
/// all, saying nothing more.
pub const INVITATION_GONE: &str = "This invitation has expired or was already used.";
/// Joining with an email other than the invited one.
pub const INVITATION_OTHER_EMAIL: &str = "This invitation is for another email address.";
pub const ALREADY_MEMBER: &str = "This person is already a member.";
pub const ALREADY_INVITED: &str =
    "This email already has a pending invitation. Revoke it to invite again.";
pub const TOO_MANY_INVITATIONS: &str = "This organization has too many invitations: at most 100 pending, and 1,000 made in 7 days. Revoke some, or wait for old ones to expire.";

/// A member's id in an organization (the user's id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InvitationId(pub i64);

/// One member, as the Members page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSummary {
    pub user: UserId,
    pub email: String,
    pub role: Role,
    pub last_signed_in_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationSummary {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// The Members page: everyone, the pending invitations, and the viewer's
/// own role (which decides the controls).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembersOverview {
    pub members: Vec<MemberSummary>,
    pub invitations: Vec<InvitationSummary>,
    pub you: UserId,
    pub your_role: Role,
}

/// The Invite member form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteInput {
    pub email: String,
    /// A role's slug.
    pub role: String,
}

impl InviteInput {
    pub fn validate(&self) -> Result<(String, Role), AppError> {
        let email = validate_email(&self.email)?;
        let role = Role::from_slug(&self.role)
            .ok_or_else(|| AppError::invalid("role", "Choose Admin, Developer or Member."))?;
        Ok((email, role))
    }
}

/// The answer to Create invitation: the link's path, shown once. The page
/// puts its own origin in front.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationLink(pub String);

/// No `Debug` in the clear: the link is as good as the invitation.
impl std::fmt::Debug for InvitationLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvitationLink(<redacted>)")
    }
}

/// The join form on an invitation link's page.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinInput {
    pub token: String,
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for JoinInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinInput")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

impl JoinInput {
    /// The email, normalized; the password's length is checked where it
    /// is used, since a new account and a sign-in differ.
    pub fn validate(&self) -> Result<String, AppError> {
        let email = validate_email(&self.email)?;
        if self.password.is_empty() {
            return Err(AppError::invalid(
                "password",
                crate::model::auth::PASSWORD_MISSING,
            ));
        }
        if self.password.chars().count() > PASSWORD_MAX_CHARS {
            return Err(AppError::invalid(
                "password",
                format!("Use at most {PASSWORD_MAX_CHARS} characters."),
            ));
        }
        Ok(email)
    }

    /// A new account's password: as long as sign-up asks.
    pub fn check_new_password(&self) -> Result<(), AppError> {
        validate_password(&self.password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_input_names_its_bad_field() {
        let bad_role = InviteInput {
            email: "ada@example.com".into(),
            role: "owner".into(),
        };
        assert!(
            bad_role
                .validate()
                .unwrap_err()
                .message_for("role")
                .is_some()
        );
        let bad_email = InviteInput {
            email: "nope".into(),
            role: "member".into(),
        };
        assert!(
            bad_email
                .validate()
                .unwrap_err()
                .message_for("email")
                .is_some()
        );
        let good = InviteInput {
            email: " Ada@Example.com ".into(),
            role: "admin".into(),
        };
        assert_eq!(
            good.validate().unwrap(),
            ("ada@example.com".into(), Role::Admin)
        );
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let link = InvitationLink("/join/abc".into());
        assert!(!format!("{link:?}").contains("abc"));
        let join = JoinInput {
            token: "tok".into(),
            email: "a@b.co".into(),
            password: "hunter22".into(),
        };
        let shown = format!("{join:?}");
        assert!(
            !shown.contains("tok") && !shown.contains("hunter22"),
            "{shown}"
        );
    }
}
