//! **Allowed IP addresses**: where a key may be used from. One IPv4 or
//! IPv6 address or CIDR range per line; none means anywhere. Entries are
//! kept normalized (the range's first address, the single address without
//! its prefix), so that the same list is saved and shown the same way.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::model::error::AppError;
use crate::model::key_fields as fields;

/// The most lines a key's list may have.
pub const MAX_RANGES: usize = 50;
/// The most text the field may hold: 50 of the longest entries with room
/// to spare. Longer text is refused before it is read, so its cost is
/// bounded whatever a client sends.
pub const MAX_TEXT_BYTES: usize = 8 * 1024;

/// One address or CIDR range, its host bits cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpRange {
    first: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// `10.0.0.0/8`, `203.0.113.9`, `2001:db8::/32`, `::ffff:10.0.0.1` (as
    /// the IPv4 address it is). `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr = addr.parse::<IpAddr>().ok()?.to_canonical();
        let width = bits(addr);
        let prefix = match prefix {
            None => width,
            // Digits only: `+8` or ` 8` are not prefixes.
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
        };
        (prefix <= width).then(|| IpRange {
            first: masked(addr, prefix),
            prefix,
        })
    }

    pub fn contains(&self, addr: IpAddr) -> bool {
        let addr = addr.to_canonical();
        bits(addr) == bits(self.first) && masked(addr, self.prefix) == self.first
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == bits(self.first) {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}/{}", self.first, self.prefix)
        }
    }
}

fn bits(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn masked(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(a) & mask).into())
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(a) & mask).into())
        }
    }
}

/// A key's allowed addresses; empty allows every address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct AllowedIps(Vec<IpRange>);

impl AllowedIps {
    /// The text area's lines: blank ones are skipped, the rest must each be
    /// an address or range, and there may be at most `MAX_RANGES`.
    pub fn parse(text: &str) -> Result<Self, AppError> {
        let too_many = || {
            AppError::invalid(
                fields::ALLOWED_IPS,
                format!("Enter at most {MAX_RANGES} addresses or ranges."),
            )
        };
        if text.len() > MAX_TEXT_BYTES {
            return Err(too_many());
        }
        let mut ranges = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some(range) = IpRange::parse(line) else {
                return Err(AppError::invalid(
                    fields::ALLOWED_IPS,
                    format!(
                        "Line {}: “{}” is not an IP address or CIDR range.",
                        n + 1,
                        shortened(line)
                    ),
                ));
            };
            if !ranges.contains(&range) {
                if ranges.len() == MAX_RANGES {
                    return Err(too_many());
                }
                ranges.push(range);
            }
        }
        Ok(AllowedIps(ranges))
    }

    /// A list no client matches: only the unspecified addresses, which no
    /// peer has. What a stored list that no longer decodes becomes, so
    /// that it fails closed.
    pub fn nowhere() -> Self {
        AllowedIps(vec![
            IpRange::parse("0.0.0.0/32").expect("a range"),
            IpRange::parse("::/128").expect("a range"),
        ])
    }

    /// Whether a request from `addr` may use the key.
    pub fn allows(&self, addr: IpAddr) -> bool {
        self.0.is_empty() || self.0.iter().any(|r| r.contains(addr))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// One normalized entry per line, as stored and as the form shows it.
    pub fn to_lines(&self) -> String {
        self.0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Where the key may be used from, in a few words: "From anywhere",
    /// "From 203.0.113.9", "From 2 ranges".
    pub fn summary(&self) -> String {
        match self.0.as_slice() {
            [] => "From anywhere".to_owned(),
            [one] => format!("From {one}"),
            many => format!("From {} ranges", many.len()),
        }
    }
}

/// A refused line, quoted in the message, within reason.
fn shortened(line: &str) -> String {
    const MAX: usize = 60;
    match line.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

impl TryFrom<Vec<String>> for AllowedIps {
    type Error = String;
    fn try_from(lines: Vec<String>) -> Result<Self, String> {
        AllowedIps::parse(&lines.join("\n")).map_err(|e| e.to_string())
    }
}

impl From<AllowedIps> for Vec<String> {
    fn from(ips: AllowedIps) -> Self {
        ips.0.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn addresses_and_ranges_are_normalized() {
        let ips = AllowedIps::parse(
            " 10.1.2.3/8 \n\n203.0.113.9\n2001:DB8::1/32\n::ffff:192.0.2.1\n10.0.0.0/8\n0.0.0.0/0",
        )
        .unwrap();
        assert_eq!(
            ips.to_lines(),
            "10.0.0.0/8\n203.0.113.9\n2001:db8::/32\n192.0.2.1\n0.0.0.0/0"
        );
        assert_eq!(ips.summary(), "From 5 ranges");
        assert_eq!(
            AllowedIps::parse("198.51.100.7").unwrap().summary(),
            "From 198.51.100.7"
        );
        assert_eq!(AllowedIps::default().summary(), "From anywhere");
    }

    #[test]
    fn a_bad_line_is_refused_by_its_number() {
        for (text, line) in [
            ("10.0.0.1\n10.0.0.300", "Line 2: “10.0.0.300”"),
            ("10.0.0.0/33", "Line 1: “10.0.0.0/33”"),
            ("2001:db8::/129", "Line 1: “2001:db8::/129”"),
            ("10.0.0.0/", "Line 1: “10.0.0.0/”"),
            ("10.0.0.0/+8", "Line 1:"),
            ("example.com", "Line 1: “example.com”"),
            ("\n\n10.0.0.0/8/8", "Line 3:"),
        ] {
            let err = AllowedIps::parse(text).unwrap_err();
            let message = err
                .message_for(fields::ALLOWED_IPS)
                .expect("names its field");
            assert!(message.starts_with(line), "{text:?}: {message}");
            assert!(
                message.ends_with("is not an IP address or CIDR range."),
                "{message}"
            );
        }
    }

    #[test]
    fn at_most_fifty_ranges() {
        let lines = |n: u32| {
            (0..n)
                .map(|i| format!("10.0.{i}.0/24"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(AllowedIps::parse(&lines(50)).unwrap().len(), 50);
        assert!(
            AllowedIps::parse(&lines(51))
                .unwrap_err()
                .message_for(fields::ALLOWED_IPS)
                .is_some()
        );
        // A megabyte of addresses is refused before it is read.
        let huge = "1.1.1.1\n".repeat(130_000);
        let err = AllowedIps::parse(&huge).unwrap_err();
        assert_eq!(
            err.message_for(fields::ALLOWED_IPS).as_deref(),
            Some("Enter at most 50 addresses or ranges.")
        );
    }

    #[test]
    fn who_may_use_the_key() {
        let ips = AllowedIps::parse("10.0.0.0/8\n2001:db8::/32\n198.51.100.7").unwrap();
        for allowed in [
            "10.255.0.1",
            "2001:db8:ffff::1",
            "198.51.100.7",
            "::ffff:10.0.0.9",
        ] {
            assert!(ips.allows(ip(allowed)), "{allowed}");
        }
        for refused in [
            "11.0.0.1",
            "127.0.0.1",
            "2001:db9::1",
            "198.51.100.8",
            "::ffff:11.0.0.1",
            "::a00:1",
        ] {
            assert!(!ips.allows(ip(refused)), "{refused}");
        }
        assert!(AllowedIps::default().allows(ip("203.0.113.9")));
        // A mapped address in the list is its IPv4 address.
        let mapped = AllowedIps::parse("::ffff:127.0.0.1").unwrap();
        assert!(mapped.allows(ip("127.0.0.1")));
    }

    #[test]
    fn a_list_round_trips_through_json() {
        let ips = AllowedIps::parse("10.0.0.0/8\n::1").unwrap();
        let json = serde_json::to_string(&ips).unwrap();
        assert_eq!(json, r#"["10.0.0.0/8","::1"]"#);
        assert_eq!(serde_json::from_str::<AllowedIps>(&json).unwrap(), ips);
        assert!(serde_json::from_str::<AllowedIps>(r#"["nope"]"#).is_err());
    }
}
