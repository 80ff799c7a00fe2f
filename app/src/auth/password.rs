//! Password hashing: argon2id at OWASP's recommended cost (m = 19 MiB,
//! t = 2, p = 1), stored as a PHC string.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source is unavailable");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing does not fail for bounded inputs")
        .to_string()
}

pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the email is unknown, so that a wrong
/// email takes as long as a wrong password.
static DUMMY: LazyLock<String> = LazyLock::new(|| hash("not a real password, only for timing"));

pub fn verify_against_dummy(password: &str) {
    let _ = verify(password, &DUMMY);
}

/// Hashing is CPU-bound for tens of milliseconds: keep it off the async
/// worker threads.
pub async fn hash_blocking(password: String) -> String {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .expect("hashing task panicked")
}

pub async fn verify_blocking(password: String, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            verify_against_dummy(&password);
            false
        }
    })
    .await
    .expect("verification task panicked")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_phc_strings_with_owasp_cost() {
        let phc = hash("correct horse battery");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("wrong horse battery", &phc));
        assert_ne!(phc, hash("correct horse battery"), "salted");
        assert!(!verify("x", "not a phc string"));
    }
}
