//! **Requests per minute**: how many API requests a key may make in one
//! minute (a calendar minute, UTC). Empty means no limit.

use serde::{Deserialize, Serialize};

use crate::model::error::AppError;
use crate::model::key_fields as fields;

/// The highest limit the field takes.
pub const MAX_PER_MINUTE: u32 = 1_000_000;
/// The window the limit counts in, in seconds.
pub const WINDOW_SECONDS: u64 = 60;

pub const OUT_OF_RANGE: &str =
    "Enter a whole number from 1 to 1,000,000, or leave it empty for no limit.";

/// A key's limit: `None` for none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RateLimit(Option<u32>);

impl RateLimit {
    pub const NONE: RateLimit = RateLimit(None);

    /// As typed in the form: empty for none, else a whole number from 1
    /// to `MAX_PER_MINUTE` (thousands may be separated by commas or
    /// spaces: "1,000").
    pub fn parse(text: &str) -> Result<RateLimit, AppError> {
        let digits = plain_digits(text);
        if digits.is_empty() {
            return Ok(RateLimit::NONE);
        }
        let refused = || AppError::invalid(fields::REQUESTS_PER_MINUTE, OUT_OF_RANGE);
        if digits.len() > 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refused());
        }
        match digits.parse::<u32>() {
            Ok(n) if (1..=MAX_PER_MINUTE).contains(&n) => Ok(RateLimit(Some(n))),
            _ => Err(refused()),
        }
    }

    /// A stored limit. A value out of range (never written) is brought
    /// into it, not read as no limit: a brake that does not decode stays on.
    pub fn from_stored(value: Option<i64>) -> RateLimit {
        RateLimit(value.map(|n| n.clamp(1, i64::from(MAX_PER_MINUTE)) as u32))
    }

    pub fn per_minute(self) -> Option<u32> {
        self.0
    }

    pub fn to_stored(self) -> Option<i64> {
        self.0.map(i64::from)
    }

    /// What the form's field shows.
    pub fn to_text(self) -> String {
        self.0.map(|n| n.to_string()).unwrap_or_default()
    }

    /// The limit's number as people write it ("1,200"), if there is one.
    pub fn per_minute_words(self) -> Option<String> {
        self.0.map(thousands)
    }

    /// In words, for the list and the audit log: "600 requests a minute",
    /// or "No limit".
    pub fn summary(self) -> String {
        match self.0 {
            Some(1) => "1 request a minute".to_owned(),
            Some(n) => format!("{} requests a minute", thousands(n)),
            None => "No limit".to_owned(),
        }
    }
}

/// A number as typed, without the separators people write in it
/// ("1,000", "1 000", "1_000").
pub fn plain_digits(text: &str) -> String {
    text.trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '_'))
        .collect()
}

/// `1000000` as `1,000,000`.
pub fn thousands(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_limit_is_a_whole_number_in_range_or_nothing() {
        assert_eq!(RateLimit::parse("").unwrap(), RateLimit::NONE);
        assert_eq!(RateLimit::parse("  ").unwrap(), RateLimit::NONE);
        assert_eq!(RateLimit::parse("600").unwrap().per_minute(), Some(600));
        assert_eq!(
            RateLimit::parse(" 1,000,000 ").unwrap().per_minute(),
            Some(MAX_PER_MINUTE)
        );
        assert_eq!(RateLimit::parse("1").unwrap().per_minute(), Some(1));
        for bad in [
            "0",
            "-5",
            "1000001",
            "1.5",
            "ten",
            "99999999999999999999",
            "6e2",
            "+60",
        ] {
            let err = RateLimit::parse(bad).unwrap_err();
            assert_eq!(
                err.message_for(fields::REQUESTS_PER_MINUTE).as_deref(),
                Some(OUT_OF_RANGE),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_limit_reads_back_as_stored_and_says_itself() {
        let limit = RateLimit::parse("1200").unwrap();
        assert_eq!(RateLimit::from_stored(limit.to_stored()), limit);
        assert_eq!(RateLimit::from_stored(None), RateLimit::NONE);
        assert_eq!(RateLimit::from_stored(Some(0)).per_minute(), Some(1));
        assert_eq!(
            RateLimit::from_stored(Some(5_000_000)).per_minute(),
            Some(MAX_PER_MINUTE)
        );
        assert_eq!(limit.summary(), "1,200 requests a minute");
        assert_eq!(RateLimit::NONE.summary(), "No limit");
        assert_eq!(
            RateLimit::parse("1").unwrap().summary(),
            "1 request a minute"
        );
        assert_eq!(limit.to_text(), "1200");
    }
}
