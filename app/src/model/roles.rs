//! Who in an organization may do what: Retell's three roles and the one
//! table of what each may do. The pages (which controls they render), the
//! server functions (which calls they refuse) and the tests all read
//! `Role::may`.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use sea_orm::sea_query::StringLen;

/// A member's role in one organization. Stored as its snake-case name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "ssr",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum),
    sea_orm(rs_type = "String", db_type = "String(StringLen::None)")
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "admin"))]
    Admin,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "developer"))]
    Developer,
    #[cfg_attr(feature = "ssr", sea_orm(string_value = "member"))]
    Member,
}

/// Something only some roles may do. Seeing the API keys, the Webhooks
/// page and the Members list is every member's, so it is not here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability {
    /// Add, Edit, Roll, Delete, Set as Webhook Key; and public keys' Add,
    /// Edit and Delete.
    ManageKeys,
    /// Save the URL, send a test, resend.
    ManageWebhooks,
    ViewAuditLog,
    /// Invite, change a role, remove, revoke an invitation.
    ManageMembers,
    /// **Save policy** in the API Keys page's **Key policy**.
    SetKeyPolicy,
}

impl Role {
    /// In the order the Role select offers them.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Developer, Role::Member];
    /// What Invite member selects first.
    pub const DEFAULT_INVITED: Role = Role::Developer;

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Developer => "Developer",
            Role::Member => "Member",
        }
    }

    /// The value a form sends for this role.
    pub fn slug(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Developer => "developer",
            Role::Member => "member",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.slug() == slug)
    }

    /// The table: who may do what.
    pub fn may(self, capability: Capability) -> bool {
        use Capability::*;
        match self {
            Role::Admin => true,
            Role::Developer => matches!(capability, ManageKeys | ManageWebhooks | ViewAuditLog),
            Role::Member => false,
        }
    }

    /// `Ok` when this role may; otherwise the refusal, naming the role,
    /// as the page and the server function both say it.
    pub fn check(self, capability: Capability) -> Result<(), String> {
        if self.may(capability) {
            Ok(())
        } else {
            Err(format!(
                "Your role ({}) cannot {}.",
                self.label(),
                capability.verb()
            ))
        }
    }
}

impl Capability {
    pub const ALL: [Capability; 5] = [
        Capability::ManageKeys,
        Capability::ManageWebhooks,
        Capability::ViewAuditLog,
        Capability::ManageMembers,
        Capability::SetKeyPolicy,
    ];

    /// What is refused, after "Your role (Member) cannot".
    fn verb(self) -> &'static str {
        match self {
            Capability::ManageKeys => "manage API keys or public keys",
            Capability::ManageWebhooks => "manage webhooks",
            Capability::ViewAuditLog => "view the audit log",
            Capability::ManageMembers => "manage members",
            Capability::SetKeyPolicy => "change the key policy",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table, row by row: Admin everything, Developer all but
    /// members, Member nothing of these.
    #[test]
    fn the_role_table() {
        use Capability::*;
        let expected = [
            (ManageKeys, [true, true, false]),
            (ManageWebhooks, [true, true, false]),
            (ViewAuditLog, [true, true, false]),
            (ManageMembers, [true, false, false]),
            (SetKeyPolicy, [true, false, false]),
        ];
        // Every capability has its row.
        for capability in Capability::ALL {
            assert!(
                expected.iter().any(|(c, _)| *c == capability),
                "{capability:?}"
            );
        }
        for (capability, by_role) in expected {
            for (role, may) in Role::ALL.into_iter().zip(by_role) {
                assert_eq!(role.may(capability), may, "{role:?} {capability:?}");
                assert_eq!(role.check(capability).is_ok(), may);
            }
        }
    }

    #[test]
    fn a_refusal_names_the_role() {
        assert_eq!(
            Role::Member.check(Capability::ViewAuditLog).unwrap_err(),
            "Your role (Member) cannot view the audit log."
        );
        assert_eq!(
            Role::Developer
                .check(Capability::ManageMembers)
                .unwrap_err(),
            "Your role (Developer) cannot manage members."
        );
    }

    #[test]
    fn slugs_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_slug(role.slug()), Some(role));
        }
        assert_eq!(Role::from_slug("owner"), None);
    }
}
