//! A public key's text: `pk_` + 32 random base62 characters + a 6-character
//! checksum, the shape of API key secrets (`keys::secret`) under its own
//! prefix, so that the API tells the two apart by their first characters
//! and refuses a mistyped key without a database read. Not a secret: it is
//! stored and shown as it is.

use crate::domain::keys::secret::{MalformedKey, checksummed, is_checksummed};

pub const PREFIX: &str = "pk_";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKeyToken(String);

impl PublicKeyToken {
    pub fn generate() -> PublicKeyToken {
        PublicKeyToken(checksummed(PREFIX))
    }

    /// Checks the shape and checksum of a presented key, without I/O.
    pub fn parse(text: &str) -> Result<PublicKeyToken, MalformedKey> {
        is_checksummed(text, PREFIX)?;
        Ok(PublicKeyToken(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_parses_and_a_typo_or_an_api_key_does_not() {
        let key = PublicKeyToken::generate();
        assert!(key.as_str().starts_with("pk_"));
        assert_eq!(key.as_str().len(), 3 + 32 + 6);
        assert_eq!(PublicKeyToken::parse(key.as_str()), Ok(key.clone()));
        let mut typo = key.as_str().to_owned();
        let last = typo.pop().unwrap();
        typo.push(if last == 'a' { 'b' } else { 'a' });
        assert_eq!(PublicKeyToken::parse(&typo), Err(MalformedKey::Checksum));
        let secret = crate::domain::keys::secret::ApiKeySecret::generate();
        assert!(PublicKeyToken::parse(secret.expose()).is_err());
        assert!(
            crate::domain::keys::secret::ApiKeySecret::parse(key.as_str()).is_err(),
            "a public key is never taken for an API key"
        );
    }
}
