//! The catalogue of permissions: the sections of the settings grid, the
//! groups in them (labels, which are action-only, the levels each offers),
//! the levels and what one route needs.

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
