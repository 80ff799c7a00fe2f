//! Dates and times as the pages show them and date inputs hold them, in
//! UTC so that server and browser render the same text.
//!
//! They are written out by hand, not with chrono's `format`: its
//! format-string parser and formatter would ship in the browser bundle for
//! these few fixed shapes.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Dates in the list, in UTC so that server and browser render the same
/// text: "Nov 27, 2026".
pub fn format_date(at: &DateTime<Utc>) -> String {
    format!(
        "{} {}, {}",
        MONTHS[at.month0() as usize],
        at.day(),
        at.year()
    )
}

/// The time of day in UTC, with the zone written: "14:05:09 UTC".
pub fn format_clock(at: &DateTime<Utc>) -> String {
    format!("{:02}:{:02}:{:02} UTC", at.hour(), at.minute(), at.second())
}

/// A day as a date input holds it: "2026-11-27".
pub fn iso_date(at: &DateTime<Utc>) -> String {
    iso_day(at.date_naive())
}

/// The same for a day without a time.
pub fn iso_day(day: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day())
}

/// The day a date input sent ("YYYY-MM-DD"), if it is one.
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let number = |part: &str| {
        (!part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() > 2 || day.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(number(year)? as i32, number(month)?, number(day)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_render_in_utc() {
        let at = DateTime::parse_from_rfc3339("2026-11-27T23:30:00-05:00")
            .unwrap()
            .to_utc();
        assert_eq!(format_date(&at), "Nov 28, 2026");
        assert_eq!(format_clock(&at), "04:30:00 UTC");
        assert_eq!(iso_date(&at), "2026-11-28");
        let early = DateTime::parse_from_rfc3339("2027-01-05T09:07:03Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            (format_date(&early), format_clock(&early), iso_date(&early)),
            (
                "Jan 5, 2027".into(),
                "09:07:03 UTC".into(),
                "2027-01-05".into()
            )
        );
    }

    #[test]
    fn date_inputs_parse_as_days() {
        assert_eq!(
            parse_iso_date("2027-01-05"),
            NaiveDate::from_ymd_opt(2027, 1, 5)
        );
        assert_eq!(
            parse_iso_date("2027-1-5"),
            NaiveDate::from_ymd_opt(2027, 1, 5)
        );
        for bad in [
            "",
            "2027-02-30",
            "27-01-05",
            "2027/01/05",
            "2027-01-05-1",
            "2027-+1-05",
            "2027-001-05",
            "soon",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad:?}");
        }
    }
}
