//! The keys that sign GitHub's secret-scanning reports, from the file named
//! by `KEYWARD_SECRET_SCANNING_KEYS`, in the shape of GitHub's published
//! document (`https://api.github.com/meta/public_keys/secret_scanning`):
//! `{"public_keys": [{"key_identifier", "key" (PEM), "is_current"}]}`.
//! Every key in it verifies: GitHub may still sign with one that is no
//! longer current while it rotates.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::Deserialize;

/// Keys by their `key_identifier`.
#[derive(Clone, Debug, Default)]
pub struct ScannerKeys {
    keys: HashMap<String, VerifyingKey>,
}

#[derive(Deserialize)]
struct Document {
    public_keys: Vec<PublishedKey>,
}

#[derive(Deserialize)]
struct PublishedKey {
    key_identifier: String,
    key: String,
}

/// Why a signature was not accepted; the answer says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unverified {
    #[error(
        "Send the report's signature in Github-Public-Key-Identifier and Github-Public-Key-Signature."
    )]
    Missing,
    #[error("The report is signed with a key this server does not know.")]
    UnknownKey,
    #[error("The report's signature does not verify.")]
    BadSignature,
}

impl ScannerKeys {
    /// Reads the document at `path`; what is wrong with it, in words.
    pub fn load(path: &Path) -> Result<ScannerKeys, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        ScannerKeys::parse(&text)
    }

    pub fn parse(text: &str) -> Result<ScannerKeys, String> {
        let document: Document = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if document.public_keys.is_empty() {
            return Err("it lists no public_keys".to_owned());
        }
        let mut keys = HashMap::new();
        for published in document.public_keys {
            let key = VerifyingKey::from_public_key_pem(published.key.trim()).map_err(|e| {
                format!(
                    "key {:?} is not a P-256 public key in PEM ({e})",
                    published.key_identifier
                )
            })?;
            keys.insert(published.key_identifier, key);
        }
        Ok(ScannerKeys { keys })
    }

    /// The key named `identifier` and the signature (base64 of an ASN.1
    /// DER ECDSA P-256 / SHA-256 signature) it is to check: what can be
    /// refused from the headers alone, before the body is read.
    pub fn signed_by(
        &self,
        identifier: Option<&str>,
        signature: Option<&str>,
    ) -> Result<ClaimedSignature<'_>, Unverified> {
        let (Some(identifier), Some(signature)) = (identifier, signature) else {
            return Err(Unverified::Missing);
        };
        let key = self
            .keys
            .get(identifier.trim())
            .ok_or(Unverified::UnknownKey)?;
        let der = base64::engine::general_purpose::STANDARD
            .decode(signature.trim())
            .map_err(|_| Unverified::BadSignature)?;
        let signature = Signature::from_der(&der).map_err(|_| Unverified::BadSignature)?;
        Ok(ClaimedSignature { key, signature })
    }
}

/// A well-formed signature by a known key, not yet checked against a body.
pub struct ClaimedSignature<'a> {
    key: &'a VerifyingKey,
    signature: Signature,
}

impl ClaimedSignature<'_> {
    /// Whether it signs `body`, byte for byte.
    pub fn verify(&self, body: &[u8]) -> Result<(), Unverified> {
        self.key
            .verify(body, &self.signature)
            .map_err(|_| Unverified::BadSignature)
    }
}
