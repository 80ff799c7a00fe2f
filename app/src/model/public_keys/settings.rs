//! What the Add and Edit dialogs of a public key send, and its checks:
//! **Name**, **Allowed domains**, **Agents** and **Web calls per minute**.

use serde::{Deserialize, Serialize};

use super::domains::AllowedDomains;
use crate::model::error::AppError;
use crate::model::keys::validate_name;

pub const AGENTS_FIELD: &str = "agents";
pub const WEB_CALLS_FIELD: &str = "web_calls_per_minute";
/// Agent lines one key may list.
pub const MAX_AGENTS: usize = 50;
pub const DEFAULT_WEB_CALLS_PER_MINUTE: u32 = 60;
pub const MAX_WEB_CALLS_PER_MINUTE: u32 = 10_000;
/// The longest agent id taken.
pub(super) const AGENT_ID_MAX: usize = 128;

/// The **Agents** a key may start calls with; empty: any agent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowedAgents(Vec<String>);

impl AllowedAgents {
    /// One agent id per line; blank lines are skipped; an empty list
    /// allows any agent. The error names every line it refuses.
    pub fn parse(text: &str) -> Result<AllowedAgents, AppError> {
        let mut ids: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if ids.len() > MAX_AGENTS {
            return Err(AppError::invalid(
                AGENTS_FIELD,
                format!("List at most {MAX_AGENTS} agents, or none for any agent."),
            ));
        }
        let looks_like_id = |id: &str| {
            id.len() <= AGENT_ID_MAX
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        };
        let bad: Vec<&str> = ids
            .iter()
            .map(String::as_str)
            .filter(|id| !looks_like_id(id))
            .collect();
        if !bad.is_empty() {
            return Err(AppError::invalid(
                AGENTS_FIELD,
                format!(
                    "Not an agent id: {}. Write one agent id per line, such as agent_3f9a.",
                    bad.join(", ")
                ),
            ));
        }
        ids.dedup();
        Ok(AllowedAgents(ids))
    }

    pub fn allows(&self, agent: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|id| id == agent)
    }

    pub fn ids(&self) -> &[String] {
        &self.0
    }

    /// As stored: one id per line.
    pub fn to_text(&self) -> String {
        self.0.join("\n")
    }
}

/// **Web calls per minute**, per allowed domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebCallsPerMinute(u32);

impl WebCallsPerMinute {
    /// As typed: empty for the default, else 1 to the maximum.
    pub fn parse(text: &str) -> Result<WebCallsPerMinute, AppError> {
        let digits = crate::model::rate_limit::plain_digits(text);
        if digits.is_empty() {
            return Ok(WebCallsPerMinute(DEFAULT_WEB_CALLS_PER_MINUTE));
        }
        match digits.parse::<u32>() {
            Ok(n) if digits.len() <= 6 && (1..=MAX_WEB_CALLS_PER_MINUTE).contains(&n) => {
                Ok(WebCallsPerMinute(n))
            }
            _ => Err(AppError::invalid(
                WEB_CALLS_FIELD,
                format!(
                    "Enter a whole number from 1 to {} ({DEFAULT_WEB_CALLS_PER_MINUTE} if left empty).",
                    crate::model::rate_limit::thousands(MAX_WEB_CALLS_PER_MINUTE)
                ),
            )),
        }
    }

    /// A stored value, brought into range (a brake that does not decode
    /// stays on).
    pub fn from_stored(value: i64) -> WebCallsPerMinute {
        WebCallsPerMinute(value.clamp(1, i64::from(MAX_WEB_CALLS_PER_MINUTE)) as u32)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// What the form sends, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyInput {
    pub name: String,
    pub allowed_domains: String,
    #[serde(default)]
    pub agents: String,
    #[serde(default)]
    pub web_calls_per_minute: String,
}

/// The input, checked: what the store writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKeySettings {
    pub name: String,
    pub domains: AllowedDomains,
    pub agents: AllowedAgents,
    pub per_minute: WebCallsPerMinute,
}

impl PublicKeyInput {
    /// The settings, or the first field that is wrong, in the form's order.
    pub fn validate(&self) -> Result<PublicKeySettings, AppError> {
        Ok(PublicKeySettings {
            name: validate_name(&self.name)?,
            domains: AllowedDomains::parse(&self.allowed_domains)?,
            agents: AllowedAgents::parse(&self.agents)?,
            per_minute: WebCallsPerMinute::parse(&self.web_calls_per_minute)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: AppError) -> String {
        match err {
            AppError::Invalid { field, .. } => field,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn agents_are_optional_ids_and_bad_lines_are_named() {
        let any = AllowedAgents::parse("  \n").unwrap();
        assert!(any.allows("agent_1"), "no agents: any agent");
        let some = AllowedAgents::parse("agent_1\nagent-2\n").unwrap();
        assert!(some.allows("agent-2"));
        assert!(!some.allows("agent_3"));
        assert_eq!(some.to_text(), "agent_1\nagent-2");
        let err = AllowedAgents::parse("agent_1\nhttps://x\nagent 2").unwrap_err();
        assert!(err.to_string().contains("https://x, agent 2"), "{err}");
        assert_eq!(field_of(err), AGENTS_FIELD);
        let many = (0..=MAX_AGENTS)
            .map(|i| format!("a{i}\n"))
            .collect::<String>();
        assert_eq!(
            field_of(AllowedAgents::parse(&many).unwrap_err()),
            AGENTS_FIELD
        );
    }

    #[test]
    fn web_calls_default_to_60_and_stay_in_range() {
        assert_eq!(WebCallsPerMinute::parse("").unwrap().get(), 60);
        assert_eq!(WebCallsPerMinute::parse("1,000").unwrap().get(), 1000);
        for bad in ["0", "10001", "-1", "ten", "99999999999"] {
            let err = WebCallsPerMinute::parse(bad).unwrap_err();
            assert_eq!(field_of(err), WEB_CALLS_FIELD, "{bad}");
        }
        assert_eq!(WebCallsPerMinute::from_stored(0).get(), 1);
        assert_eq!(WebCallsPerMinute::from_stored(1 << 40).get(), 10_000);
    }

    #[test]
    fn the_form_is_checked_field_by_field() {
        let input = |name: &str, domains: &str| PublicKeyInput {
            name: name.into(),
            allowed_domains: domains.into(),
            agents: String::new(),
            web_calls_per_minute: String::new(),
        };
        assert_eq!(
            field_of(input("", "example.com").validate().unwrap_err()),
            "name"
        );
        assert_eq!(
            field_of(input("Site", "").validate().unwrap_err()),
            super::super::ALLOWED_DOMAINS_FIELD
        );
        let ok = input(" Site ", "Example.com").validate().unwrap();
        assert_eq!(ok.name, "Site");
        assert_eq!(ok.domains.lines(), ["example.com"]);
        assert_eq!(ok.per_minute.get(), DEFAULT_WEB_CALLS_PER_MINUTE);
    }
}
