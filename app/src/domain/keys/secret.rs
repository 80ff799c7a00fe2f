//! API key secrets: `key_` + 32 random base62 characters + a 6-character
//! base62 CRC-32 of those 32. The checksum lets the API refuse a mistyped or
//! truncated key without a database round trip; the 32 random characters
//! carry about 190 bits from the OS random source.
//!
//! `ApiKeySecret` deliberately implements neither `Debug`, `Display` nor
//! `Serialize`: the only way to see the text is `expose()`, called where the
//! secret is shown once or used to sign.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const PREFIX: &str = "key_";
const BODY_LEN: usize = 32;
const CHECK_LEN: usize = 6;
pub const SECRET_LEN: usize = PREFIX.len() + BODY_LEN + CHECK_LEN;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub struct ApiKeySecret(String);

/// Why a presented key was refused before any look-up. The API answers all
/// of these with the same 401; the variants exist for tests and logs.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MalformedKey {
    #[error("wrong length")]
    Length,
    #[error("missing key_ prefix")]
    Prefix,
    #[error("characters outside [A-Za-z0-9]")]
    Alphabet,
    #[error("checksum mismatch")]
    Checksum,
}

/// SHA-256 of the full secret: what the database indexes to find a key.
/// A fast hash is right here because secrets are long random strings, not
/// passwords: there is nothing to brute-force.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretDigest(pub [u8; 32]);

impl SecretDigest {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A digest as stored in the database; `None` if it is not 64 hex digits.
    pub fn from_hex(text: &str) -> Option<SecretDigest> {
        hex::decode(text)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .map(SecretDigest)
    }

    /// Constant-time comparison, for checking a stored digest against a
    /// presented one.
    pub fn matches(&self, other: &SecretDigest) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl ApiKeySecret {
    /// A fresh secret from the OS random source.
    pub fn generate() -> Self {
        ApiKeySecret(checksummed(PREFIX))
    }

    /// Checks the shape and checksum of a presented key, without I/O.
    pub fn parse(text: &str) -> Result<Self, MalformedKey> {
        is_checksummed(text, PREFIX)?;
        Ok(ApiKeySecret(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn digest(&self) -> SecretDigest {
        SecretDigest(Sha256::digest(self.0.as_bytes()).into())
    }

    /// Prefix and last four characters, e.g. `key_Ab3x…9fQz`: enough to tell
    /// keys apart, far too little to use one.
    pub fn display_form(&self) -> String {
        let s = &self.0;
        format!("{}…{}", &s[..PREFIX.len() + 4], &s[s.len() - 4..])
    }
}

/// `prefix` + `BODY_LEN` random base62 characters from the OS random
/// source + their checksum: the shape of API key secrets and public keys.
pub(crate) fn checksummed(prefix: &str) -> String {
    let mut body = String::with_capacity(BODY_LEN);
    // Rejection sampling keeps every character uniform: 248 = 4 * 62.
    while body.len() < BODY_LEN {
        let mut buf = [0u8; 64];
        getrandom::fill(&mut buf).expect("the OS random source is unavailable");
        for b in buf {
            if b < 248 && body.len() < BODY_LEN {
                body.push(BASE62[(b % 62) as usize] as char);
            }
        }
    }
    let check = checksum(&body);
    format!("{prefix}{body}{check}")
}

/// Whether `text` is `prefix` + `BODY_LEN` base62 characters + their
/// checksum (compared in constant time).
pub(crate) fn is_checksummed(text: &str, prefix: &str) -> Result<(), MalformedKey> {
    if text.len() != prefix.len() + BODY_LEN + CHECK_LEN {
        return Err(MalformedKey::Length);
    }
    let rest = text.strip_prefix(prefix).ok_or(MalformedKey::Prefix)?;
    if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(MalformedKey::Alphabet);
    }
    let (body, check) = rest.split_at(BODY_LEN);
    if checksum(body).as_bytes().ct_eq(check.as_bytes()).into() {
        Ok(())
    } else {
        Err(MalformedKey::Checksum)
    }
}

fn checksum(body: &str) -> String {
    let mut n = crc32fast::hash(body.as_bytes()) as u64;
    let mut out = [b'0'; CHECK_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).expect("base62 is ASCII")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]

        /// Any string at all: parsing never panics, and accepts only the
        /// documented shape.
        #[test]
        fn parsing_anything_is_safe_and_strict(text in ".{0,60}|key_[A-Za-z0-9]{0,40}") {
            if let Ok(parsed) = ApiKeySecret::parse(&text) {
                prop_assert_eq!(parsed.expose(), text.as_str());
                prop_assert_eq!(text.len(), SECRET_LEN);
                prop_assert!(text.starts_with(PREFIX));
            }
        }

        /// A mistyped key (any one character after the prefix changed to
        /// another base62 character) is refused without a look-up.
        #[test]
        fn every_single_character_typo_is_caught(at in PREFIX.len()..SECRET_LEN, to in 0usize..62) {
            let key = ApiKeySecret::generate().expose().to_owned();
            let mut bytes = key.into_bytes();
            let replacement = BASE62[to];
            prop_assume!(bytes[at] != replacement);
            bytes[at] = replacement;
            let typo = String::from_utf8(bytes).unwrap();
            prop_assert!(ApiKeySecret::parse(&typo).is_err());
        }
    }

    #[test]
    fn generated_secrets_have_the_documented_shape_and_parse() {
        let s = ApiKeySecret::generate();
        let text = s.expose();
        assert_eq!(text.len(), SECRET_LEN);
        assert!(text.starts_with("key_"));
        assert!(text[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(ApiKeySecret::parse(text).is_ok());
    }

    /// The checksum as the README gives it to secret scanners: CRC-32
    /// (IEEE) of the 32 body characters, in base62 (`0-9A-Za-z`), most
    /// significant digit first, six digits. The expected values were
    /// computed apart, with Python's `zlib.crc32`.
    #[test]
    fn the_checksum_is_the_one_the_readme_documents() {
        assert_eq!(checksum(&"0".repeat(32)), "2wjyrI");
        assert_eq!(checksum("Ab3xQ9fQzKkLmNoPqRsTuVwXyZ012345"), "46AsXr");
        let key = "key_Ab3xQ9fQzKkLmNoPqRsTuVwXyZ01234546AsXr";
        assert!(ApiKeySecret::parse(key).is_ok());
    }

    #[test]
    fn secrets_are_distinct() {
        let a = ApiKeySecret::generate();
        let b = ApiKeySecret::generate();
        assert_ne!(a.expose(), b.expose());
        assert!(!a.digest().matches(&b.digest()));
        assert!(
            a.digest()
                .matches(&ApiKeySecret::parse(a.expose()).unwrap().digest())
        );
    }

    #[test]
    fn malformed_keys_are_refused_without_lookup() {
        let good = ApiKeySecret::generate().expose().to_owned();
        assert_eq!(ApiKeySecret::parse("").err(), Some(MalformedKey::Length));
        assert_eq!(
            ApiKeySecret::parse(&good[..good.len() - 1]).err(),
            Some(MalformedKey::Length)
        );
        let wrong_prefix = format!("kex_{}", &good[4..]);
        assert_eq!(
            ApiKeySecret::parse(&wrong_prefix).err(),
            Some(MalformedKey::Prefix)
        );
        let bad_char = format!("{}-{}", &good[..10], &good[11..]);
        assert_eq!(
            ApiKeySecret::parse(&bad_char).err(),
            Some(MalformedKey::Alphabet)
        );
        // Change one body character: the checksum no longer matches.
        let mut bytes = good.clone().into_bytes();
        bytes[5] = if bytes[5] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(bytes).unwrap();
        assert_eq!(
            ApiKeySecret::parse(&typo).err(),
            Some(MalformedKey::Checksum)
        );
    }

    #[test]
    fn display_form_shows_prefix_and_last_four_only() {
        let s = ApiKeySecret::generate();
        let shown = s.display_form();
        assert!(shown.starts_with(&s.expose()[..8]));
        assert!(shown.ends_with(&s.expose()[SECRET_LEN - 4..]));
        assert_eq!(shown.chars().count(), 8 + 1 + 4);
    }
}
