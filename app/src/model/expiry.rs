//! A key's lifecycle: when it expires, and how a roll hands over from the
//! previous secret to the new one.
//!
//! The dialogs send *choices* (`Expiry`, `RollGrace`); the server turns them
//! into instants with its own clock. Every rule here is a pure function of
//! `now`, so tests check the boundaries with a fake clock instead of sleeping,
//! and the API guard, the webhook signer and the list all apply the same rule.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::model::error::AppError;
use crate::model::key_fields as fields;

/// The expiry options the dialogs offer besides Never and On a date, in days.
pub const EXPIRY_PRESET_DAYS: [u32; 3] = [7, 30, 90];
/// The furthest an "On a date" expiry may be, in days from today.
pub const EXPIRY_MAX_DAYS: i64 = 10 * 366;

/// What the Add, Edit and Roll dialogs ask for in **Expires**.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expiry {
    /// Leave the key's expiry as it is (for a new key: Never). The default,
    /// so that a client that does not mention expiry never changes it.
    #[default]
    Keep,
    Never,
    /// One of `EXPIRY_PRESET_DAYS` from now.
    InDays {
        days: u32,
    },
    /// `YYYY-MM-DD`: the key stops working at 00:00 UTC on that date.
    OnDate {
        date: String,
    },
}

impl Expiry {
    /// The **Expires** select's values besides the preset day counts.
    pub const KEEP: &str = "keep";
    pub const NEVER: &str = "never";
    pub const ON_A_DATE: &str = "date";

    /// What the **Expires** select (`choice`) and the **Expiry date** field
    /// ask for. A choice the form does not offer asks for `InDays` with no
    /// days, which the server refuses naming the field.
    pub fn from_form(choice: &str, date: String) -> Expiry {
        match choice {
            Self::KEEP => Expiry::Keep,
            Self::NEVER => Expiry::Never,
            Self::ON_A_DATE => Expiry::OnDate { date },
            days => Expiry::InDays {
                days: days.parse().unwrap_or(0),
            },
        }
    }

    /// The instant the key stops working (`None`: never), given the key's
    /// current expiry. Errors name the field: `expires` for the choice,
    /// `expiry_date` for the date.
    pub fn resolve(
        &self,
        now: DateTime<Utc>,
        current: Option<DateTime<Utc>>,
    ) -> Result<Option<DateTime<Utc>>, AppError> {
        match self {
            Expiry::Keep => Ok(current),
            Expiry::Never => Ok(None),
            Expiry::InDays { days } if EXPIRY_PRESET_DAYS.contains(days) => {
                Ok(Some(now + Duration::days(i64::from(*days))))
            }
            Expiry::InDays { .. } => Err(AppError::invalid(
                fields::EXPIRES,
                "Choose Never, In 7 days, In 30 days, In 90 days or On a date.",
            )),
            Expiry::OnDate { date } => {
                let date = date.trim();
                if date.is_empty() {
                    return Err(AppError::invalid(
                        fields::EXPIRY_DATE,
                        "Choose the date the key stops working.",
                    ));
                }
                let day = crate::model::dates::parse_iso_date(date).ok_or_else(|| {
                    AppError::invalid(fields::EXPIRY_DATE, "Enter the date as YYYY-MM-DD.")
                })?;
                let at = day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc();
                if at <= now {
                    return Err(AppError::invalid(
                        fields::EXPIRY_DATE,
                        "Choose a date after today (UTC): the key stops working at 00:00 UTC on that date.",
                    ));
                }
                if at > now + Duration::days(EXPIRY_MAX_DAYS) {
                    return Err(AppError::invalid(
                        fields::EXPIRY_DATE,
                        "Choose a date within the next 10 years.",
                    ));
                }
                Ok(Some(at))
            }
        }
    }
}

/// **Old key stops working**: how long the previous secret keeps working
/// after a roll.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollGrace {
    Now,
    OneHour,
    OneDay,
    SevenDays,
}

impl RollGrace {
    pub const ALL: [RollGrace; 4] = [
        RollGrace::Now,
        RollGrace::OneHour,
        RollGrace::OneDay,
        RollGrace::SevenDays,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RollGrace::Now => "Now",
            RollGrace::OneHour => "In 1 hour",
            RollGrace::OneDay => "In 24 hours",
            RollGrace::SevenDays => "In 7 days",
        }
    }

    /// The form value, also the wire name.
    pub fn slug(self) -> &'static str {
        match self {
            RollGrace::Now => "now",
            RollGrace::OneHour => "one_hour",
            RollGrace::OneDay => "one_day",
            RollGrace::SevenDays => "seven_days",
        }
    }

    pub fn from_slug(slug: &str) -> Option<RollGrace> {
        RollGrace::ALL.into_iter().find(|g| g.slug() == slug)
    }

    /// How long the previous secret keeps working; zero for Now.
    pub fn period(self) -> Duration {
        match self {
            RollGrace::Now => Duration::zero(),
            RollGrace::OneHour => Duration::hours(1),
            RollGrace::OneDay => Duration::hours(24),
            RollGrace::SevenDays => Duration::days(7),
        }
    }
}

/// Which of a key's secrets a presented secret is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretSlot {
    Current,
    /// The secret a roll replaced, alive until its grace period ends.
    Previous,
}

/// Why a key's own secret no longer authenticates. Only the holder of that
/// full secret is told, so saying when reveals nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Expired { at: DateTime<Utc> },
    RolledOut { at: DateTime<Utc> },
}

/// The times that decide whether a key's secrets work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lifetimes {
    pub expires_at: Option<DateTime<Utc>>,
    /// When the previous secret stops working, if the key has one.
    pub previous_until: Option<DateTime<Utc>>,
    /// When the current secret was reported leaked: it works no more.
    pub leaked_at: Option<DateTime<Utc>>,
}

impl Lifetimes {
    /// Whether the key has expired at `now`: from the instant itself on.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }

    /// When the previous secret stops working, if it still works at `now`.
    pub fn previous_live_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.previous_until.filter(|until| now < *until)
    }

    /// Whether a secret in `slot` authenticates at `now`.
    pub fn check(&self, slot: SecretSlot, now: DateTime<Utc>) -> Result<(), Refusal> {
        if let Some(at) = self.expires_at.filter(|_| self.expired(now)) {
            return Err(Refusal::Expired { at });
        }
        match slot {
            SecretSlot::Current => Ok(()),
            SecretSlot::Previous => match self.previous_until {
                Some(until) if now < until => Ok(()),
                Some(until) => Err(Refusal::RolledOut { at: until }),
                None => Err(Refusal::RolledOut { at: now }),
            },
        }
    }

    /// When a secret in `slot` was reported leaked, if it is quarantined.
    /// A guardrail, not a lifetime: the API checks it after the key's
    /// allowed addresses and rate limit, and counts it as a refusal. A
    /// previous secret reported leaked has its grace period ended instead.
    pub fn quarantined(&self, slot: SecretSlot) -> Option<DateTime<Utc>> {
        self.leaked_at.filter(|_| slot == SecretSlot::Current)
    }

    /// Which secret signs webhooks at `now`: the previous one while its grace
    /// period lasts, so receivers have the whole period to switch.
    pub fn signing_slot(&self, now: DateTime<Utc>) -> SecretSlot {
        if self.previous_live_until(now).is_some() {
            SecretSlot::Previous
        } else {
            SecretSlot::Current
        }
    }
}

/// Times in the page: UTC, with the zone written: "Nov 27, 2026 14:05 UTC".
pub fn format_time(at: &DateTime<Utc>) -> String {
    use chrono::Timelike;
    format!(
        "{} {:02}:{:02} UTC",
        crate::model::dates::format_date(at),
        at.hour(),
        at.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expires_choices_read_back_as_offered() {
        let date = || "2027-01-05".to_owned();
        assert_eq!(Expiry::from_form(Expiry::KEEP, date()), Expiry::Keep);
        assert_eq!(Expiry::from_form(Expiry::NEVER, date()), Expiry::Never);
        assert_eq!(
            Expiry::from_form(Expiry::ON_A_DATE, date()),
            Expiry::OnDate { date: date() }
        );
        for days in EXPIRY_PRESET_DAYS {
            assert_eq!(
                Expiry::from_form(&days.to_string(), date()),
                Expiry::InDays { days }
            );
        }
        // Anything else is refused by the server, naming the field.
        let forged = Expiry::from_form("forever", date());
        let err = forged.resolve(Utc::now(), None).unwrap_err();
        assert!(err.message_for("expires").is_some(), "{err:?}");
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn expiry_choices_resolve_against_the_clock() {
        let now = at("2026-11-27T15:00:00Z");
        let current = Some(at("2027-01-01T00:00:00Z"));
        assert_eq!(Expiry::Keep.resolve(now, current).unwrap(), current);
        assert_eq!(Expiry::Keep.resolve(now, None).unwrap(), None);
        assert_eq!(Expiry::Never.resolve(now, current).unwrap(), None);
        for days in EXPIRY_PRESET_DAYS {
            let got = Expiry::InDays { days }.resolve(now, None).unwrap().unwrap();
            assert_eq!(got - now, Duration::days(i64::from(days)));
        }
        let odd = Expiry::InDays { days: 8 }.resolve(now, None).unwrap_err();
        assert!(odd.message_for("expires").is_some());
        let on = Expiry::OnDate {
            date: "2026-12-31".into(),
        }
        .resolve(now, None)
        .unwrap();
        assert_eq!(on, Some(at("2026-12-31T00:00:00Z")));
    }

    #[test]
    fn a_date_must_be_after_today_and_well_formed() {
        let now = at("2026-11-27T15:00:00Z");
        let date = |d: &str| Expiry::OnDate { date: d.into() }.resolve(now, None);
        // Today's midnight has passed; tomorrow's has not.
        assert!(
            date("2026-11-27")
                .unwrap_err()
                .message_for("expiry_date")
                .unwrap()
                .contains("after today")
        );
        assert!(date("2026-11-28").is_ok());
        assert!(
            date("2020-01-01")
                .unwrap_err()
                .message_for("expiry_date")
                .is_some()
        );
        assert!(
            date("")
                .unwrap_err()
                .message_for("expiry_date")
                .unwrap()
                .contains("Choose the date")
        );
        assert!(
            date("27/11/2027")
                .unwrap_err()
                .message_for("expiry_date")
                .unwrap()
                .contains("YYYY-MM-DD")
        );
        assert!(date("2026-02-30").is_err());
        assert!(
            date("9999-01-01")
                .unwrap_err()
                .message_for("expiry_date")
                .unwrap()
                .contains("10 years")
        );
    }

    #[test]
    fn expiry_takes_effect_at_the_instant_itself() {
        let expires = at("2026-12-01T00:00:00Z");
        let life = Lifetimes {
            expires_at: Some(expires),
            previous_until: None,
            leaked_at: None,
        };
        let just_before = expires - Duration::milliseconds(1);
        assert_eq!(life.check(SecretSlot::Current, just_before), Ok(()));
        assert_eq!(
            life.check(SecretSlot::Current, expires),
            Err(Refusal::Expired { at: expires })
        );
        assert_eq!(
            life.check(SecretSlot::Current, expires + Duration::days(3)),
            Err(Refusal::Expired { at: expires })
        );
        assert!(!life.expired(just_before) && life.expired(expires));
        assert!(
            !Lifetimes::default().expired(expires),
            "no expiry never expires"
        );
    }

    #[test]
    fn the_previous_secret_works_until_its_grace_period_ends() {
        let until = at("2026-11-27T16:00:00Z");
        let life = Lifetimes {
            expires_at: None,
            previous_until: Some(until),
            leaked_at: None,
        };
        let before = until - Duration::milliseconds(1);
        assert_eq!(life.check(SecretSlot::Previous, before), Ok(()));
        assert_eq!(
            life.check(SecretSlot::Previous, until),
            Err(Refusal::RolledOut { at: until })
        );
        assert_eq!(
            life.check(SecretSlot::Current, until + Duration::days(30)),
            Ok(())
        );
        assert_eq!(life.previous_live_until(before), Some(until));
        assert_eq!(life.previous_live_until(until), None);
        // An expired key refuses both secrets, and says it expired.
        let expired = Lifetimes {
            expires_at: Some(before),
            previous_until: Some(until),
            leaked_at: None,
        };
        assert_eq!(
            expired.check(SecretSlot::Previous, before),
            Err(Refusal::Expired { at: before })
        );
    }

    #[test]
    fn a_leaked_secret_is_refused_and_the_previous_one_keeps_its_own_clock() {
        let leaked = at("2026-11-27T15:00:00Z");
        let until = at("2026-11-27T16:00:00Z");
        let life = Lifetimes {
            expires_at: None,
            previous_until: Some(until),
            leaked_at: Some(leaked),
        };
        assert_eq!(life.quarantined(SecretSlot::Current), Some(leaked));
        // A leak report is about one secret: a previous secret reported
        // leaked has its grace period ended instead (`previous_until`).
        assert_eq!(life.quarantined(SecretSlot::Previous), None);
        assert_eq!(life.check(SecretSlot::Previous, leaked), Ok(()));
        // Expiry still says expired: that is what the holder must fix first.
        let expired = Lifetimes {
            expires_at: Some(leaked),
            ..life
        };
        assert_eq!(
            expired.check(SecretSlot::Current, until),
            Err(Refusal::Expired { at: leaked })
        );
    }

    #[test]
    fn webhooks_are_signed_with_the_previous_secret_during_the_grace_period() {
        let until = at("2026-11-27T16:00:00Z");
        let life = Lifetimes {
            expires_at: None,
            previous_until: Some(until),
            leaked_at: None,
        };
        assert_eq!(
            life.signing_slot(until - Duration::seconds(1)),
            SecretSlot::Previous
        );
        assert_eq!(life.signing_slot(until), SecretSlot::Current);
        assert_eq!(
            Lifetimes::default().signing_slot(until),
            SecretSlot::Current
        );
    }

    #[test]
    fn grace_periods_match_their_labels() {
        let periods: Vec<_> = RollGrace::ALL
            .iter()
            .map(|g| (g.label(), g.period().num_minutes()))
            .collect();
        assert_eq!(
            periods,
            vec![
                ("Now", 0),
                ("In 1 hour", 60),
                ("In 24 hours", 1440),
                ("In 7 days", 10080)
            ]
        );
        for g in RollGrace::ALL {
            assert_eq!(RollGrace::from_slug(g.slug()), Some(g));
        }
    }

    #[test]
    fn times_are_written_in_utc_with_the_zone() {
        assert_eq!(
            format_time(&at("2026-11-27T23:30:00-05:00")),
            "Nov 28, 2026 04:30 UTC"
        );
    }
}
