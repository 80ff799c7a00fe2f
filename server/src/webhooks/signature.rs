//! Retell's webhook signature: `v=<unix ms>,d=<hex HMAC-SHA256>`, keyed with
//! the full secret of the organization's webhook key, over the raw body
//! followed directly by the decimal timestamp.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use app::domain::keys::secret::ApiKeySecret;

pub const HEADER: &str = "x-retell-signature";
/// How far a signature's timestamp may be from the receiver's clock, as
/// `Retell.verify` allows.
pub const TOLERANCE_MS: i64 = 5 * 60 * 1000;

pub fn sign(secret: &ApiKeySecret, body: &str, timestamp_ms: i64) -> String {
    format!(
        "v={timestamp_ms},d={}",
        digest(secret.expose(), body, timestamp_ms)
    )
}

fn digest(key: &str, body: &str, timestamp_ms: i64) -> String {
    hex::encode(
        mac(key, body, &timestamp_ms.to_string())
            .finalize()
            .into_bytes(),
    )
}

fn mac(key: &str, body: &str, timestamp: &str) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body.as_bytes());
    mac.update(timestamp.as_bytes());
    mac
}

/// What a receiver (and `Retell.verify`) checks: the header reads
/// `v=<unix ms>,d=<64 hex digits>`, the timestamp is within `TOLERANCE_MS` of
/// `now_ms`, and the HMAC matches, compared in constant time. Any other
/// header, however malformed, is simply `false`.
pub fn verify(secret: &str, body: &str, header: &str, now_ms: i64) -> bool {
    let Some((timestamp, digest)) = header.strip_prefix("v=").and_then(|s| s.split_once(",d="))
    else {
        return false;
    };
    let well_formed = !timestamp.is_empty()
        && timestamp.len() <= 15
        && timestamp.bytes().all(|b| b.is_ascii_digit())
        && digest.len() == 64;
    if !well_formed {
        return false;
    }
    let Ok(at) = timestamp.parse::<i64>() else {
        return false;
    };
    if (now_ms - at).abs() > TOLERANCE_MS {
        return false;
    }
    let Ok(expected) = hex::decode(digest) else {
        return false;
    };
    mac(secret, body, timestamp).verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// A signed body verifies anywhere within the tolerance, and not
        /// with another body, another secret, or outside the tolerance.
        #[test]
        fn signatures_verify_only_for_their_body_secret_and_time(
            body in ".{0,200}",
            other in ".{0,200}",
            at in 0i64..4_000_000_000_000,
            skew in -TOLERANCE_MS..=TOLERANCE_MS,
        ) {
            let secret = ApiKeySecret::generate();
            let header = sign(&secret, &body, at);
            prop_assert!(verify(secret.expose(), &body, &header, at + skew));
            prop_assert!(!verify(secret.expose(), &body, &header, at + TOLERANCE_MS + 1));
            prop_assert!(!verify(ApiKeySecret::generate().expose(), &body, &header, at));
            if other != body {
                prop_assert!(!verify(secret.expose(), &other, &header, at));
            }
        }

        /// Whatever the header says, verifying it neither panics nor passes.
        #[test]
        fn any_other_header_is_refused_without_panicking(header in "(v=)?[0-9a-f,=dv -]{0,90}|.{0,90}") {
            let secret = ApiKeySecret::generate();
            let refused = !verify(secret.expose(), r#"{"event":"test"}"#, &header, 1_700_000_000_000);
            prop_assert!(refused);
        }
    }

    #[test]
    fn matches_a_known_vector() {
        // Computed independently: Python's hmac.new(key, body + "1700000000000", sha256).
        let key = "key_0123456789ABCDEFGHIJKLMNOPQRSTUV000000";
        let body = r#"{"event":"call_started","call":{"call_id":"call_1"}}"#;
        assert_eq!(
            digest(key, body, 1_700_000_000_000),
            "e3a6015f5b47c648668431a9c80153159fb712b1fd1eac769537c62a5c1dd853"
        );
    }
}
