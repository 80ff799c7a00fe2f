//! The permission model: groups, levels and what a key may do.
//!
//! This module is the single source of truth for the groups, their labels and
//! sections, which groups are action-only, and how levels compare. The UI, the
//! server functions, the API guard and the tests all read it from here.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a group sits in the settings grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Build,
    Monitor,
    Deploy,
}

impl Section {
    pub const ALL: [Section; 3] = [Section::Build, Section::Monitor, Section::Deploy];

    pub fn label(self) -> &'static str {
        match self {
            Section::Build => "Build",
            Section::Monitor => "Monitor",
            Section::Deploy => "Deploy",
        }
    }

    /// Its name in ids and URLs (`"build"`).
    pub fn slug(self) -> &'static str {
        match self {
            Section::Build => "build",
            Section::Monitor => "monitor",
            Section::Deploy => "deploy",
        }
    }

    /// The groups of this section, in display order.
    pub fn groups(self) -> impl Iterator<Item = Group> {
        Group::ALL.into_iter().filter(move |g| g.section() == self)
    }
}

/// A permission group. Serialized as its lower-case slug (`"agent"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Agent,
    Testing,
    History,
    Export,
    Call,
    Phone,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::Agent,
        Group::Testing,
        Group::History,
        Group::Export,
        Group::Call,
        Group::Phone,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Group::Agent => "Agent",
            Group::Testing => "Testing",
            Group::History => "History",
            Group::Export => "Export",
            Group::Call => "Call",
            Group::Phone => "Phone",
        }
    }

    /// Stable identifier used in stored restrictions, element ids and form names.
    pub fn slug(self) -> &'static str {
        match self {
            Group::Agent => "agent",
            Group::Testing => "testing",
            Group::History => "history",
            Group::Export => "export",
            Group::Call => "call",
            Group::Phone => "phone",
        }
    }

    /// The field an error about this group names (`permissions.<slug>`), in
    /// the server's answers and in the form that shows them.
    pub fn error_field(self) -> &'static str {
        match self {
            Group::Agent => "permissions.agent",
            Group::Testing => "permissions.testing",
            Group::History => "permissions.history",
            Group::Export => "permissions.export",
            Group::Call => "permissions.call",
            Group::Phone => "permissions.phone",
        }
    }

    pub fn section(self) -> Section {
        match self {
            Group::Agent | Group::Testing => Section::Build,
            Group::History | Group::Export => Section::Monitor,
            Group::Call | Group::Phone => Section::Deploy,
        }
    }

    /// Action-only groups have no separate Read level: No Access or Edit.
    pub fn is_action_only(self) -> bool {
        matches!(self, Group::Export | Group::Call)
    }

    /// What the group grants access to, in the product's words.
    pub fn description(self) -> &'static str {
        match self {
            Group::Agent => {
                "Agents and chat agents, conversation flows, Retell LLMs, knowledge bases, voices, and folders"
            }
            Group::Testing => {
                "Test cases and results, batch test jobs, playground threads and completions, and web-call testing"
            }
            Group::History => "Call and chat history, transcripts, recordings, and call metadata",
            Group::Export => "Creating and managing export requests for history data",
            Group::Call => {
                "Creating and managing web, phone, and batch calls, chat sessions, and live-call controls"
            }
            Group::Phone => {
                "Phone numbers, A2P campaigns, business profiles, branded call and phone verification, and SMS webhooks"
            }
        }
    }

    /// The levels this group offers, lowest first.
    pub fn levels(self) -> &'static [Level] {
        if self.is_action_only() {
            &[Level::NoAccess, Level::Edit]
        } else {
            &[Level::NoAccess, Level::Read, Level::Edit]
        }
    }

    pub fn offers(self, level: Level) -> bool {
        self.levels().contains(&level)
    }

    pub fn from_slug(slug: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.slug() == slug)
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// An access level. Ordered: `NoAccess < Read < Edit`, and a higher level
/// includes every lower one (Edit always includes Read).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    NoAccess,
    Read,
    Edit,
}

impl Level {
    /// Every level, in column order of the settings grid.
    pub const ALL: [Level; 3] = [Level::NoAccess, Level::Read, Level::Edit];

    pub fn label(self) -> &'static str {
        match self {
            Level::NoAccess => "No Access",
            Level::Read => "Read",
            Level::Edit => "Edit",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Level::NoAccess => "no_access",
            Level::Read => "read",
            Level::Edit => "edit",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.slug() == slug)
    }

    /// Whether holding `self` satisfies a need for `needed`.
    pub fn satisfies(self, needed: Level) -> bool {
        self >= needed
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What one route needs: a level in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Requirement {
    pub group: Group,
    pub level: Level,
}

impl Requirement {
    /// `history.read`, as usage is stored.
    pub fn slug(self) -> String {
        format!("{}.{}", self.group.slug(), self.level.slug())
    }

    pub fn from_slug(text: &str) -> Option<Requirement> {
        let (group, level) = text.split_once('.')?;
        let group = Group::from_slug(group)?;
        let level = Level::from_slug(level)?;
        Some(Requirement { group, level })
    }
}

impl fmt::Display for Requirement {
    /// `Agent → Edit`, the form used in 403 answers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} → {}", self.group.label(), self.level.label())
    }
}

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
/// it in serde's `Content` first, and that reader alone was 15.6 KB of the
/// browser's WASM (4.2 KB brotli); the external tag reads straight through.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_hold_the_groups_of_the_spec_in_order() {
        let by_section: Vec<(Section, Vec<Group>)> = Section::ALL
            .iter()
            .map(|s| (*s, s.groups().collect()))
            .collect();
        assert_eq!(
            by_section,
            vec![
                (Section::Build, vec![Group::Agent, Group::Testing]),
                (Section::Monitor, vec![Group::History, Group::Export]),
                (Section::Deploy, vec![Group::Call, Group::Phone]),
            ]
        );
    }

    #[test]
    fn a_section_slug_is_its_label_in_lower_case() {
        for section in Section::ALL {
            assert_eq!(section.slug(), section.label().to_lowercase());
        }
    }

    #[test]
    fn only_export_and_call_are_action_only() {
        let action_only: Vec<Group> = Group::ALL
            .into_iter()
            .filter(|g| g.is_action_only())
            .collect();
        assert_eq!(action_only, vec![Group::Export, Group::Call]);
        assert_eq!(Group::Export.levels(), &[Level::NoAccess, Level::Edit]);
        assert_eq!(
            Group::Agent.levels(),
            &[Level::NoAccess, Level::Read, Level::Edit]
        );
    }

    #[test]
    fn edit_implies_read_and_no_access_grants_nothing() {
        assert!(Level::Edit.satisfies(Level::Read));
        assert!(Level::Edit.satisfies(Level::Edit));
        assert!(Level::Read.satisfies(Level::Read));
        assert!(!Level::Read.satisfies(Level::Edit));
        assert!(!Level::NoAccess.satisfies(Level::Read));
    }

    #[test]
    fn unrestricted_key_has_edit_everywhere() {
        for g in Group::ALL {
            assert_eq!(Access::Full.level(g), Level::Edit);
            assert!(Access::Full.allows(Requirement {
                group: g,
                level: Level::Edit
            }));
        }
    }

    #[test]
    fn restricted_key_missing_a_group_has_no_access() {
        let access = Access::Restricted(
            Restrictions::none()
                .with(Group::History, Level::Read)
                .unwrap(),
        );
        assert!(access.allows(Requirement {
            group: Group::History,
            level: Level::Read
        }));
        assert!(!access.allows(Requirement {
            group: Group::History,
            level: Level::Edit
        }));
        assert!(!access.allows(Requirement {
            group: Group::Agent,
            level: Level::Read
        }));
        assert_eq!(access.level(Group::Phone), Level::NoAccess);
    }

    #[test]
    fn read_on_an_action_only_group_is_rejected_not_mapped() {
        for g in [Group::Export, Group::Call] {
            assert_eq!(
                Restrictions::none().with(g, Level::Read),
                Err(PermissionError::ReadOnActionOnly { group: g })
            );
        }
        let err = serde_json::from_str::<Restrictions>(r#"{"call":"read"}"#).unwrap_err();
        assert!(err.to_string().contains("Call is action-only"), "{err}");
    }

    #[test]
    fn restrictions_round_trip_as_a_slug_map() {
        let r = Restrictions::none()
            .with(Group::Agent, Level::Read)
            .unwrap()
            .with(Group::Call, Level::Edit)
            .unwrap()
            .with(Group::Phone, Level::NoAccess)
            .unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"agent":"read","call":"edit"}"#);
        assert_eq!(serde_json::from_str::<Restrictions>(&json).unwrap(), r);
    }

    #[test]
    fn access_travels_externally_tagged() {
        let restricted = Access::Restricted(
            Restrictions::none()
                .with(Group::History, Level::Read)
                .unwrap(),
        );
        for (access, json) in [
            (Access::Full, r#""full""#),
            (restricted, r#"{"restricted":{"history":"read"}}"#),
        ] {
            assert_eq!(serde_json::to_string(&access).unwrap(), json);
            assert_eq!(serde_json::from_str::<Access>(json).unwrap(), access);
        }
        // The restrictions' own checks still apply inside the tag.
        let err = serde_json::from_str::<Access>(r#"{"restricted":{"call":"read"}}"#).unwrap_err();
        assert!(err.to_string().contains("Call is action-only"), "{err}");
    }

    #[test]
    fn summary_names_granted_groups() {
        assert_eq!(Access::Full.summary(), "Full access");
        assert_eq!(
            Access::Restricted(Restrictions::none()).summary(),
            "No access"
        );
        let r = Restrictions::none()
            .with(Group::Call, Level::Edit)
            .unwrap()
            .with(Group::Agent, Level::Read)
            .unwrap();
        assert_eq!(Access::Restricted(r).summary(), "Agent: Read · Call: Edit");
    }

    #[test]
    fn requirement_displays_as_in_403_answers() {
        let need = Requirement {
            group: Group::Agent,
            level: Level::Edit,
        };
        assert_eq!(need.to_string(), "Agent → Edit");
    }

    #[test]
    fn slugs_round_trip() {
        for g in Group::ALL {
            assert_eq!(Group::from_slug(g.slug()), Some(g));
        }
        assert_eq!(Group::from_slug("nope"), None);
        for g in Group::ALL {
            assert_eq!(g.error_field(), format!("permissions.{}", g.slug()));
        }
        for l in Level::ALL {
            assert_eq!(Level::from_slug(l.slug()), Some(l));
        }
        assert_eq!(Level::from_slug("Read"), None);
    }
}
