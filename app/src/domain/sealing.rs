//! Sealing key secrets at rest with XChaCha20-Poly1305.
//!
//! The full secret is needed again later (webhook signatures are keyed with
//! it), so it cannot be only hashed. It is sealed with a master key that
//! lives outside the database, and the sealed bytes are bound to the row's
//! digest as associated data, so that a sealed secret copied onto another row
//! does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::domain::keys::secret::{ApiKeySecret, SecretDigest};

const NONCE_LEN: usize = 24;

/// 32 bytes of key material. No `Debug`, no `Display`.
pub struct MasterKey([u8; 32]);

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        MasterKey(bytes)
    }

    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random source is unavailable");
        MasterKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("sealed secret is too short")]
    Truncated,
    #[error("sealed secret does not open with this master key")]
    Open,
}

pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    pub fn new(key: &MasterKey) -> Self {
        Sealer {
            cipher: XChaCha20Poly1305::new(key.as_bytes().into()),
        }
    }

    /// `nonce || ciphertext`, with a fresh random nonce.
    pub fn seal(&self, secret: &ApiKeySecret, digest: &SecretDigest) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random source is unavailable");
        let ciphertext = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: secret.expose().as_bytes(),
                    aad: &digest.0,
                },
            )
            .expect("XChaCha20-Poly1305 encryption does not fail for short messages");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn unseal(&self, sealed: &[u8], digest: &SecretDigest) -> Result<ApiKeySecret, SealError> {
        if sealed.len() <= NONCE_LEN {
            return Err(SealError::Truncated);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: &digest.0,
                },
            )
            .map_err(|_| SealError::Open)?;
        let text = String::from_utf8(plain).map_err(|_| SealError::Open)?;
        ApiKeySecret::parse(&text).map_err(|_| SealError::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secret_opens_only_with_its_key_and_digest() {
        let sealer = Sealer::new(&MasterKey::generate());
        let secret = ApiKeySecret::generate();
        let digest = secret.digest();
        let sealed = sealer.seal(&secret, &digest);
        assert!(
            !sealed
                .windows(10)
                .any(|w| secret.expose().as_bytes().windows(10).any(|s| s == w))
        );
        assert_eq!(
            sealer.unseal(&sealed, &digest).unwrap().expose(),
            secret.expose()
        );

        let other_digest = ApiKeySecret::generate().digest();
        assert_eq!(
            sealer.unseal(&sealed, &other_digest).err(),
            Some(SealError::Open)
        );
        let other_sealer = Sealer::new(&MasterKey::generate());
        assert_eq!(
            other_sealer.unseal(&sealed, &digest).err(),
            Some(SealError::Open)
        );
        assert_eq!(
            sealer.unseal(&sealed[..10], &digest).err(),
            Some(SealError::Truncated)
        );
    }
}
