//! The API Keys page's banner: keys that need someone's attention now.
//! A pure function of the list and the instant it was read, so the banner
//! and its tests agree without a clock.

use chrono::{DateTime, Duration, Utc};

use crate::model::keys::{KeyId, KeySummary};

/// How far ahead an expiry, and how far back an expiry that passed, is
/// worth a banner.
pub const ALERT_DAYS: i64 = 7;

/// One line of the banner: what happened, to which keys (in list order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlertKind {
    Leaked,
    Expired,
    Expiring,
}

impl AlertKind {
    pub const ALL: [AlertKind; 3] = [AlertKind::Leaked, AlertKind::Expired, AlertKind::Expiring];

    /// "1 key was reported leaked", "2 keys expire within 7 days".
    pub fn words(self, count: usize) -> String {
        let one = count == 1;
        let keys = if one {
            "1 key".to_owned()
        } else {
            format!("{count} keys")
        };
        let what = match (self, one) {
            (AlertKind::Leaked, true) => "was reported leaked".to_owned(),
            (AlertKind::Leaked, false) => "were reported leaked".to_owned(),
            (AlertKind::Expired, _) => format!("expired in the last {ALERT_DAYS} days"),
            (AlertKind::Expiring, true) => format!("expires within {ALERT_DAYS} days"),
            (AlertKind::Expiring, false) => format!("expire within {ALERT_DAYS} days"),
        };
        format!("{keys} {what}")
    }

    /// Which kind a key is, if any: a leak first, as the most urgent (a
    /// leaked key that also expires soon is counted once, as leaked).
    pub fn of(key: &KeySummary, now: DateTime<Utc>) -> Option<AlertKind> {
        if key.leaked.is_some() {
            return Some(AlertKind::Leaked);
        }
        Some(match ExpiryWindow::of(key.expires_at?, now)? {
            ExpiryWindow::Expired => AlertKind::Expired,
            ExpiryWindow::WithinADay | ExpiryWindow::WithinAlertDays => AlertKind::Expiring,
        })
    }
}

/// Where an expiry lies from `now`, if that is worth telling: the one
/// definition of the windows the banner counts and the expiry notices
/// (`domain::keys::notices`) are sent for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExpiryWindow {
    /// Expires after a day, within `ALERT_DAYS`.
    WithinAlertDays,
    /// Expires within a day.
    WithinADay,
    /// Expired, less than `ALERT_DAYS` ago.
    Expired,
}

impl ExpiryWindow {
    pub fn of(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<ExpiryWindow> {
        let left = expires_at - now;
        if left <= Duration::zero() {
            (-left < Duration::days(ALERT_DAYS)).then_some(ExpiryWindow::Expired)
        } else if left <= Duration::days(1) {
            Some(ExpiryWindow::WithinADay)
        } else {
            (left <= Duration::days(ALERT_DAYS)).then_some(ExpiryWindow::WithinAlertDays)
        }
    }
}

/// The banner's lines, each with its keys; empty kinds are left out.
pub fn alerts(keys: &[KeySummary], now: DateTime<Utc>) -> Vec<(AlertKind, Vec<KeyId>)> {
    AlertKind::ALL
        .into_iter()
        .map(|kind| {
            let ids = keys
                .iter()
                .filter(|k| AlertKind::of(k, now) == Some(kind))
                .map(|k| k.id)
                .collect::<Vec<_>>();
            (kind, ids)
        })
        .filter(|(_, ids)| !ids.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::leaks::Leak;

    fn key(id: i64, expires_at: Option<DateTime<Utc>>) -> KeySummary {
        let mut key = crate::model::keys::tests::summary(id);
        key.expires_at = expires_at;
        key
    }

    #[test]
    fn keys_are_counted_by_what_needs_doing_within_seven_days() {
        let now = DateTime::parse_from_rfc3339("2026-12-03T12:00:00Z")
            .unwrap()
            .to_utc();
        let days = |d: i64| Some(now + Duration::days(d));
        let mut leaked = key(1, days(2));
        leaked.leaked = Some(Leak { at: now, url: None });
        let keys = vec![
            leaked,
            key(2, days(7)),
            key(3, days(1)),
            key(4, days(8)),
            key(5, days(-6)),
            key(6, days(-7)),
            key(7, None),
        ];
        let got = alerts(&keys, now);
        assert_eq!(
            got,
            vec![
                (AlertKind::Leaked, vec![KeyId(1)]),
                (AlertKind::Expired, vec![KeyId(5)]),
                (AlertKind::Expiring, vec![KeyId(2), KeyId(3)]),
            ]
        );
        assert!(alerts(&keys[6..], now).is_empty());
    }

    #[test]
    fn the_banner_counts_in_words() {
        assert_eq!(AlertKind::Leaked.words(1), "1 key was reported leaked");
        assert_eq!(AlertKind::Leaked.words(3), "3 keys were reported leaked");
        assert_eq!(AlertKind::Expiring.words(2), "2 keys expire within 7 days");
        assert_eq!(AlertKind::Expiring.words(1), "1 key expires within 7 days");
        assert_eq!(
            AlertKind::Expired.words(1),
            "1 key expired in the last 7 days"
        );
    }
}
