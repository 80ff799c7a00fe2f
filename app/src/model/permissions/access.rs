//! What a key may do: everything, or the levels its restrictions grant
//! per group.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::catalogue::{Group, Level, Requirement};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PermissionError {
    #[error("{group} is action-only: choose No Access or Edit, Read is not available")]
    ReadOnActionOnly { group: Group },
}

/// Per-group levels of a restricted key. A group that is absent has No Access
/// (deny by default), so a group added to the product later is closed to
/// existing restricted keys until someone grants it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BTreeMap<Group, Level>", into = "BTreeMap<Group, Level>")]
pub struct Restrictions(BTreeMap<Group, Level>);

impl Restrictions {
    /// Every group at No Access: the starting point of a new restriction.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn level(&self, group: Group) -> Level {
        self.0.get(&group).copied().unwrap_or(Level::NoAccess)
    }

    /// Sets a level, refusing one the group does not offer.
    pub fn set(&mut self, group: Group, level: Level) -> Result<(), PermissionError> {
        if !group.offers(level) {
            return Err(PermissionError::ReadOnActionOnly { group });
        }
        if level == Level::NoAccess {
            self.0.remove(&group);
        } else {
            self.0.insert(group, level);
        }
        Ok(())
    }

    pub fn with(mut self, group: Group, level: Level) -> Result<Self, PermissionError> {
        self.set(group, level)?;
        Ok(self)
    }

    /// The groups granted more than No Access, in display order.
    pub fn granted(&self) -> impl Iterator<Item = (Group, Level)> + '_ {
        self.0.iter().map(|(g, l)| (*g, *l))
    }
}

impl TryFrom<BTreeMap<Group, Level>> for Restrictions {
    type Error = PermissionError;

    fn try_from(levels: BTreeMap<Group, Level>) -> Result<Self, Self::Error> {
        levels
            .into_iter()
            .try_fold(Restrictions::none(), |acc, (g, l)| acc.with(g, l))
    }
}

impl From<Restrictions> for BTreeMap<Group, Level> {
    fn from(r: Restrictions) -> Self {
        r.0
    }
}

/// What a key may do: everything, or what its restrictions grant.
///
/// On the wire `"full"` or `{"restricted": {"history": "read", …}}`: serde's
/// default (external) tag. An adjacently tagged enum is read by buffering
/// it in serde's `Content` first, a reader that would ship in the browser's
/// WASM for this one type; the external tag reads straight through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Created without "Restrict permissions": Edit on every group, including
    /// groups added later.
    Full,
    Restricted(Restrictions),
}

impl Access {
    pub fn level(&self, group: Group) -> Level {
        match self {
            Access::Full => Level::Edit,
            Access::Restricted(r) => r.level(group),
        }
    }

    pub fn allows(&self, need: Requirement) -> bool {
        self.level(need.group).satisfies(need.level)
    }

    pub fn is_restricted(&self) -> bool {
        matches!(self, Access::Restricted(_))
    }

    /// A one-line summary for the key list: "Full access", "No access", or
    /// the granted groups, e.g. "Agent: Read · Call: Edit".
    pub fn summary(&self) -> String {
        match self {
            Access::Full => "Full access".to_owned(),
            Access::Restricted(r) => {
                let parts: Vec<String> = r
                    .granted()
                    .map(|(g, l)| format!("{}: {}", g.label(), l.label()))
                    .collect();
                if parts.is_empty() {
                    "No access".to_owned()
                } else {
                    parts.join(" · ")
                }
            }
        }
    }
}
