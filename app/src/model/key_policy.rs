//! The organization's **Key policy**: how long a key may live from when
//! its expiry is set, and whether keys must be restricted. Admins change
//! it; Add, Edit and Roll keep to it. Keys made before it keep working;
//! while one breaks it, the list marks it **Outside policy**.
//!
//! Every rule is a pure function of `now`, like `expiry`, so the dialogs'
//! choices, the server's refusals and the list's marks agree.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::error::AppError;
use crate::model::expiry::{EXPIRY_PRESET_DAYS, Expiry};
use crate::model::key_fields as fields;
use crate::model::permissions::Access;

/// The policy form's field names.
pub mod policy_fields {
    pub const MAX_LIFETIME: &str = "max_lifetime";
    pub const REQUIRE_RESTRICTED: &str = "require_restricted";
}

/// A key without **Restrict permissions** where the policy requires it.
pub const RESTRICTED_REQUIRED: &str =
    "Keys in this organization must have restricted permissions: turn on Restrict permissions.";

/// A **Maximum key lifetime** the form does not offer.
pub const UNKNOWN_LIFETIME: &str = "Choose No maximum, 30 days, 90 days or 365 days.";

/// The refusal of an expiry past a maximum lifetime of `days`; the same
/// words say why a key is outside the policy.
pub fn lifetime_refusal(days: u32) -> String {
    format!("Keys in this organization must expire within {days} days.")
}

/// **Maximum key lifetime**. On the wire as in the form: its `slug`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MaxLifetime {
    #[default]
    #[serde(rename = "none")]
    NoMaximum,
    #[serde(rename = "30")]
    Days30,
    #[serde(rename = "90")]
    Days90,
    #[serde(rename = "365")]
    Days365,
}

impl MaxLifetime {
    pub const ALL: [MaxLifetime; 4] = [
        MaxLifetime::NoMaximum,
        MaxLifetime::Days30,
        MaxLifetime::Days90,
        MaxLifetime::Days365,
    ];

    pub fn days(self) -> Option<u32> {
        match self {
            MaxLifetime::NoMaximum => None,
            MaxLifetime::Days30 => Some(30),
            MaxLifetime::Days90 => Some(90),
            MaxLifetime::Days365 => Some(365),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MaxLifetime::NoMaximum => "No maximum",
            MaxLifetime::Days30 => "30 days",
            MaxLifetime::Days90 => "90 days",
            MaxLifetime::Days365 => "365 days",
        }
    }

    /// The form's value: the day count, or "none".
    pub fn slug(self) -> &'static str {
        match self {
            MaxLifetime::NoMaximum => "none",
            MaxLifetime::Days30 => "30",
            MaxLifetime::Days90 => "90",
            MaxLifetime::Days365 => "365",
        }
    }

    /// What the form sent; anything it does not offer is refused naming
    /// the field.
    pub fn from_slug(slug: &str) -> Result<MaxLifetime, AppError> {
        MaxLifetime::ALL
            .into_iter()
            .find(|m| m.slug() == slug.trim())
            .ok_or_else(|| AppError::invalid(policy_fields::MAX_LIFETIME, UNKNOWN_LIFETIME))
    }

    /// A stored day count. One the form never offers (never written by
    /// the app) reads as the longest offered within it, or as 30 days when
    /// it is shorter than any: a limit that does not decode stays a limit,
    /// if not always as tight a one.
    pub fn from_stored(days: Option<i64>) -> MaxLifetime {
        let Some(days) = days else {
            return MaxLifetime::NoMaximum;
        };
        MaxLifetime::ALL
            .into_iter()
            .rev()
            .find(|m| m.days().is_some_and(|d| i64::from(d) <= days))
            .unwrap_or(MaxLifetime::Days30)
    }

    pub fn to_stored(self) -> Option<i64> {
        self.days().map(i64::from)
    }
}

/// The organization's key policy. The default is no policy at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPolicy {
    pub max_lifetime: MaxLifetime,
    pub require_restricted: bool,
}

/// How a key breaks its organization's policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Breach {
    /// It never expires, or expires later than a key set now may (so this
    /// one lapses by itself once its remaining life is within the limit).
    Lifetime,
    /// It has full access where restricted keys are required.
    Unrestricted,
}

impl KeyPolicy {
    /// What the policy form sent: the lifetime's value, and whether the
    /// switch was on (a checkbox sends a value only when it is).
    pub fn from_form(max_lifetime: &str, require_restricted: bool) -> Result<KeyPolicy, AppError> {
        Ok(KeyPolicy {
            max_lifetime: MaxLifetime::from_slug(max_lifetime)?,
            require_restricted,
        })
    }

    /// The latest a key's expiry set at `now` may be, if there is a limit.
    pub fn latest_expiry(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.max_lifetime
            .days()
            .map(|d| now + Duration::days(i64::from(d)))
    }

    /// The latest day **On a date** may choose (its key stops at 00:00 UTC
    /// on it, so that day's midnight is within the limit).
    pub fn latest_date(&self, now: DateTime<Utc>) -> Option<NaiveDate> {
        self.latest_expiry(now).map(|at| at.date_naive())
    }

    /// Whether **Expires** may offer a preset of `days`.
    pub fn allows_preset(&self, days: u32) -> bool {
        self.max_lifetime.days().is_none_or(|max| days <= max)
    }

    /// Whether **Expires** may offer Never.
    pub fn allows_never(&self) -> bool {
        self.max_lifetime.days().is_none()
    }

    /// Whether a key expiring at `expires_at` (`None`: never) keeps to the
    /// lifetime limit when that expiry is set at `now`.
    pub fn allows_expiry(&self, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        match self.latest_expiry(now) {
            None => true,
            Some(latest) => expires_at.is_some_and(|at| at <= latest),
        }
    }

    /// The instant a key stops working, as `choice` asks at `now` given
    /// its `current` expiry (see `Expiry::resolve`), if that keeps to the
    /// lifetime limit; otherwise the refusal, on the field of the choice
    /// that asked for it. Create, Edit and Roll all set an expiry this way.
    pub fn resolve(
        &self,
        choice: &Expiry,
        current: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, AppError> {
        let expires_at = choice.resolve(now, current)?;
        match self.max_lifetime.days() {
            Some(days) if !self.allows_expiry(expires_at, now) => {
                let field = match choice {
                    Expiry::OnDate { .. } => fields::EXPIRY_DATE,
                    _ => fields::EXPIRES,
                };
                Err(AppError::invalid(field, lifetime_refusal(days)))
            }
            _ => Ok(expires_at),
        }
    }

    /// Checks the access of a key about to be created or saved. (A roll
    /// does not change access, and is not asked.)
    pub fn check_access(&self, access: &Access) -> Result<(), AppError> {
        if self.require_restricted && !access.is_restricted() {
            return Err(AppError::invalid(fields::RESTRICTED, RESTRICTED_REQUIRED));
        }
        Ok(())
    }

    /// How a key with `access` expiring at `expires_at` breaks the policy
    /// at `now`; empty when it keeps to it.
    pub fn breaches(
        &self,
        access: &Access,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Vec<Breach> {
        let mut breaches = Vec::new();
        if !self.allows_expiry(expires_at, now) {
            breaches.push(Breach::Lifetime);
        }
        if self.require_restricted && !access.is_restricted() {
            breaches.push(Breach::Unrestricted);
        }
        breaches
    }

    /// A breach in words, for the row's **Outside policy** mark: the
    /// refusal a change of the key would get.
    pub fn describe(&self, breach: Breach) -> String {
        match (breach, self.max_lifetime.days()) {
            (Breach::Lifetime, Some(days)) => lifetime_refusal(days),
            (Breach::Lifetime, None) => "Keys may expire at any time.".to_owned(),
            (Breach::Unrestricted, _) => RESTRICTED_REQUIRED.to_owned(),
        }
    }

    /// In words, for the audit log: "Maximum key lifetime: 90 days;
    /// restricted keys required".
    pub fn summary(&self) -> String {
        let restricted = if self.require_restricted {
            "restricted keys required"
        } else {
            "restricted keys not required"
        };
        format!(
            "Maximum key lifetime: {}; {restricted}",
            self.max_lifetime.label()
        )
    }

    /// The **Expires** presets this policy leaves, longest last.
    pub fn presets(&self) -> impl Iterator<Item = u32> + '_ {
        EXPIRY_PRESET_DAYS
            .into_iter()
            .filter(|d| self.allows_preset(*d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::permissions::Restrictions;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn policy(max: MaxLifetime, require_restricted: bool) -> KeyPolicy {
        KeyPolicy {
            max_lifetime: max,
            require_restricted,
        }
    }

    #[test]
    fn the_lifetimes_read_back_from_the_form_and_the_database() {
        for m in MaxLifetime::ALL {
            assert_eq!(MaxLifetime::from_slug(m.slug()).unwrap(), m);
            assert_eq!(
                serde_json::to_value(m).unwrap(),
                m.slug(),
                "the wire says the slug"
            );
            assert_eq!(MaxLifetime::from_stored(m.to_stored()), m);
        }
        let err = MaxLifetime::from_slug("forever").unwrap_err();
        assert_eq!(
            err.message_for(policy_fields::MAX_LIFETIME).as_deref(),
            Some(UNKNOWN_LIFETIME)
        );
        // Values never written stay limits.
        assert_eq!(MaxLifetime::from_stored(Some(0)), MaxLifetime::Days30);
        assert_eq!(MaxLifetime::from_stored(Some(100)), MaxLifetime::Days90);
        assert_eq!(MaxLifetime::from_stored(Some(9999)), MaxLifetime::Days365);
    }

    #[test]
    fn a_limit_allows_expiries_up_to_and_including_its_last_instant() {
        let now = at("2026-12-03T10:00:00Z");
        let p = policy(MaxLifetime::Days30, false);
        let latest = now + Duration::days(30);
        assert!(p.allows_expiry(Some(latest), now));
        assert!(!p.allows_expiry(Some(latest + Duration::seconds(1)), now));
        assert!(!p.allows_expiry(None, now), "never is outside any limit");
        assert!(KeyPolicy::default().allows_expiry(None, now));
        assert!(KeyPolicy::default().allows_never() && !p.allows_never());
        assert_eq!(p.presets().collect::<Vec<_>>(), [7, 30]);
        assert_eq!(
            policy(MaxLifetime::Days365, false)
                .presets()
                .collect::<Vec<_>>(),
            [7, 30, 90]
        );
        // The latest date's midnight is within the limit.
        let day = p.latest_date(now).unwrap();
        let midnight = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert!(p.allows_expiry(Some(midnight), now));
        assert!(!p.allows_expiry(Some(midnight + Duration::days(1)), now));
    }

    #[test]
    fn a_refusal_names_the_field_of_the_choice_that_asked() {
        let now = at("2026-12-03T10:00:00Z");
        let p = policy(MaxLifetime::Days90, false);
        let err = p.resolve(&Expiry::Never, None, now).unwrap_err();
        assert_eq!(
            err.message_for(fields::EXPIRES).as_deref(),
            Some("Keys in this organization must expire within 90 days.")
        );
        let on = Expiry::OnDate {
            date: "2028-01-01".into(),
        };
        let err = p.resolve(&on, None, now).unwrap_err();
        assert!(err.message_for(fields::EXPIRY_DATE).is_some(), "{err:?}");
        assert_eq!(
            p.resolve(&Expiry::InDays { days: 90 }, None, now).unwrap(),
            p.latest_expiry(now)
        );
        // Keep: the current expiry, if it is within the limit.
        let soon = Some(now + Duration::days(3));
        assert_eq!(p.resolve(&Expiry::Keep, soon, now).unwrap(), soon);
        assert!(p.resolve(&Expiry::Keep, None, now).is_err());
        // The choice's own errors come first.
        let bad = p
            .resolve(&Expiry::InDays { days: 8 }, None, now)
            .unwrap_err();
        assert!(
            bad.message_for(fields::EXPIRES)
                .unwrap()
                .starts_with("Choose")
        );
        assert_eq!(
            KeyPolicy::default()
                .resolve(&Expiry::Never, None, now)
                .unwrap(),
            None
        );
    }

    #[test]
    fn required_restriction_refuses_full_access_only() {
        let p = policy(MaxLifetime::NoMaximum, true);
        let err = p.check_access(&Access::Full).unwrap_err();
        assert_eq!(
            err.message_for(fields::RESTRICTED).as_deref(),
            Some(RESTRICTED_REQUIRED)
        );
        assert!(
            p.check_access(&Access::Restricted(Restrictions::none()))
                .is_ok()
        );
        assert!(KeyPolicy::default().check_access(&Access::Full).is_ok());
    }

    #[test]
    fn a_key_made_before_the_policy_says_how_it_breaks_it() {
        let now = at("2026-12-03T10:00:00Z");
        let p = policy(MaxLifetime::Days30, true);
        assert_eq!(
            p.breaches(&Access::Full, None, now),
            [Breach::Lifetime, Breach::Unrestricted]
        );
        let restricted = Access::Restricted(Restrictions::none());
        let soon = Some(now + Duration::days(3));
        assert!(p.breaches(&restricted, soon, now).is_empty());
        assert!(
            KeyPolicy::default()
                .breaches(&Access::Full, None, now)
                .is_empty()
        );
        assert_eq!(p.describe(Breach::Lifetime), lifetime_refusal(30));
        // The lifetime mark lapses by itself as the expiry comes nearer.
        let far = Some(now + Duration::days(40));
        let later = now + Duration::days(11);
        assert_eq!(p.breaches(&restricted, far, now), [Breach::Lifetime]);
        assert!(p.breaches(&restricted, far, later).is_empty());
        assert_eq!(
            p.summary(),
            "Maximum key lifetime: 30 days; restricted keys required"
        );
    }
}
