//! Password hashing: argon2id at OWASP's recommended cost (m = 19 MiB,
//! t = 2, p = 1), stored as a PHC string.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::DomainError;

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

/// Bounds the argon2 work in flight: each hash holds 19 MiB and a core
/// for tens of milliseconds, so a burst of sign-ups or sign-ins must queue
/// for a few turns, and past a short wait be told to come back, instead of
/// exhausting memory or starving every other request.
pub struct HashGate {
    turns: tokio::sync::Semaphore,
    wait: std::time::Duration,
}

impl HashGate {
    pub const fn new(at_once: usize, wait: std::time::Duration) -> Self {
        HashGate {
            turns: tokio::sync::Semaphore::const_new(at_once),
            wait,
        }
    }

    /// Runs `work` on the blocking pool once a turn is free; `Busy` if
    /// none frees up within the wait. The turn goes with the work: a
    /// request dropped while its hash runs cannot stop the hash (blocking
    /// work is not cancelled), so its turn is free only once the hash ends.
    pub async fn run<T: Send + 'static>(
        &'static self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, DomainError> {
        let turn = tokio::time::timeout(self.wait, self.turns.acquire())
            .await
            .map_err(|_| {
                tracing::warn!("password hashing is saturated; answering busy");
                DomainError::Busy
            })?
            .expect("the gate is never closed");
        let done = tokio::task::spawn_blocking(move || {
            let _turn = turn;
            work()
        })
        .await
        .expect("hashing task panicked");
        Ok(done)
    }
}

/// Two hashes per core at once, and a 2-second queue.
pub const HASHES_AT_ONCE: usize = 4;
static GATE: HashGate = HashGate::new(HASHES_AT_ONCE, std::time::Duration::from_secs(2));

pub async fn hash_blocking(password: String) -> Result<String, DomainError> {
    GATE.run(move || hash(&password)).await
}

pub async fn verify_blocking(password: String, phc: Option<String>) -> Result<bool, DomainError> {
    GATE.run(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            verify_against_dummy(&password);
            false
        }
    })
    .await
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_its_turns_and_a_short_wait_the_gate_answers_busy() {
        let gate: &'static HashGate = Box::leak(Box::new(HashGate::new(
            1,
            std::time::Duration::from_millis(100),
        )));
        let held = {
            tokio::spawn(async move {
                gate.run(|| std::thread::sleep(std::time::Duration::from_millis(600)))
                    .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            matches!(gate.run(|| 1).await, Err(DomainError::Busy)),
            "the only turn is taken"
        );
        assert!(held.await.unwrap().is_ok());
        assert!(matches!(gate.run(|| 2).await, Ok(2)), "free again");
    }

    /// A request dropped while its hash runs (the client gone) leaves the
    /// hash running on the blocking pool: its turn stays taken until the
    /// hash ends, so dropped requests cannot run more hashes than the gate
    /// allows.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_request_keeps_its_turn_until_its_hash_ends() {
        let gate: &'static HashGate = Box::leak(Box::new(HashGate::new(
            1,
            std::time::Duration::from_millis(100),
        )));
        let dropped = tokio::spawn(async move {
            gate.run(|| std::thread::sleep(std::time::Duration::from_millis(600)))
                .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        dropped.abort();
        assert!(dropped.await.unwrap_err().is_cancelled());
        assert!(
            matches!(gate.run(|| 1).await, Err(DomainError::Busy)),
            "the dropped request's hash still runs"
        );
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
        assert!(matches!(gate.run(|| 2).await, Ok(2)), "free once it ended");
    }
}
