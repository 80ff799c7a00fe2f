//! The webhook delivery worker: claims due deliveries from the outbox,
//! signs each with the organization's current webhook key, and POSTs it.
//! Any number of workers (or instances) can run: a claim is a lease that
//! only one of them wins. The stored side (queuing, claims, outcomes, the
//! signing secret) is `app::domain::webhooks`; this module makes the
//! requests: to public addresses only (`address`), signed (`signature`),
//! in fair turns (`fair`).
//!
//! Delivery is continuous and fair (see `fair`): up to `MAX_IN_FLIGHT`
//! deliveries are sent at once, a new one starts as soon as a slot frees,
//! organizations take turns, none has more than `PER_ORG_IN_FLIGHT` in
//! flight, and a share of the slots waits for organizations with nothing in
//! flight. So receivers that never answer, behind however many queued
//! events, slow only their own organizations.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use app::domain::keys::secret::ApiKeySecret;
use app::domain::webhooks::sending::{self, ClaimedDelivery, Outcome, Signing};
use app::domain::{DomainError, OrgId, Sealer};
use sea_orm::DatabaseConnection;

pub mod address;
pub mod fair;
pub mod signature;

pub use address::{DESTINATION_NOT_ALLOWED, is_public};
pub use fair::{MAX_IN_FLIGHT, PER_ORG_IN_FLIGHT, WAITING_SHARE};

/// How long one attempt may take, from the destination's DNS check to the
/// receiver's answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// What the page shows for an attempt that ran out of `TIMEOUT`.
pub const TIMED_OUT: &str = "timed out after 10 s";

#[derive(Clone)]
pub struct DeliveryWorker {
    db: DatabaseConnection,
    sealer: Arc<Sealer>,
    /// `KEYWARD_WEBHOOK_ALLOW_PRIVATE=1`: allow loopback and private
    /// addresses (tests and local development).
    allow_private: bool,
    /// One client for every delivery, so connections are reused. Its
    /// resolver refuses non-public addresses, so the address checked is the
    /// address connected to.
    client: reqwest::Client,
    /// Free sending slots.
    slots: Arc<Semaphore>,
    /// Whom this worker is sending for, and whose turn is next.
    turns: Arc<Mutex<fair::Turns>>,
    /// Rung when a send finishes: an organization at its cap, or a full
    /// set of slots, may take the next delivery at once, not at the tick.
    finished: Arc<Notify>,
}

impl DeliveryWorker {
    pub fn new(db: DatabaseConnection, sealer: Arc<Sealer>, allow_private: bool) -> Self {
        let client = reqwest::Client::builder()
            // An HTTP(S)_PROXY in the environment would connect on our
            // behalf to whatever the URL names, past the resolver's check.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(address::CheckedResolver { allow_private }))
            .build()
            .expect("the HTTP client builds with static settings");
        DeliveryWorker {
            db,
            sealer,
            allow_private,
            client,
            slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            turns: Arc::default(),
            finished: Arc::default(),
        }
    }

    /// Polls the outbox every `every` until the task is aborted, at once
    /// whenever a send finishes, and without pause while rounds find due
    /// work and slots are free.
    pub fn spawn(self, every: Duration) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = self.finished.notified() => {}
                }
                loop {
                    match self.dispatch().await {
                        Ok(started) if started.is_empty() => break,
                        // Sends run on their own; claim again once a slot frees.
                        Ok(_) => {
                            let _slot = self.slots.acquire().await.expect("never closed");
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "webhook worker round failed; will retry");
                            break;
                        }
                    }
                }
            }
        })
    }

    /// One round, waited for: claims what is due (fairly, within the free
    /// slots) and sends it. Returns how many deliveries it attempted.
    pub async fn run_once(&self) -> Result<usize, DomainError> {
        let started = self.dispatch().await?;
        let count = started.len();
        for send in started {
            let _ = send.await;
        }
        Ok(count)
    }

    fn turns(&self) -> MutexGuard<'_, fair::Turns> {
        self.turns.lock().expect("turns lock")
    }

    /// Offers the free slots to the organizations with due work, in turn,
    /// each taking its share; returns the sends started.
    async fn dispatch(&self) -> Result<Vec<JoinHandle<()>>, DomainError> {
        if self.slots.available_permits() == 0 {
            return Ok(Vec::new());
        }
        let waiting = sending::due_organizations(&self.db).await?;
        let order = self.turns().order(waiting);
        let mut started = Vec::new();
        for org in order {
            let free = self.slots.available_permits();
            if free == 0 {
                break;
            }
            let share = self.turns().share(org, free);
            if share == 0 {
                continue;
            }
            let claimed = sending::claim(&self.db, OrgId(org), share).await?;
            if claimed.is_empty() {
                continue;
            }
            self.turns().started(org, claimed.len());
            for row in claimed {
                let slot = self
                    .slots
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("never closed");
                started.push(self.start_send(row, slot));
            }
        }
        Ok(started)
    }

    /// Sends `row` on its own task, holding `slot` until it is recorded.
    fn start_send(&self, row: ClaimedDelivery, slot: OwnedSemaphorePermit) -> JoinHandle<()> {
        let worker = self.clone();
        tokio::spawn(async move {
            let outcome = worker.attempt(&row).await;
            if let Err(err) = sending::record(&worker.db, &row, outcome).await {
                tracing::warn!(delivery = row.id, error = %err, "could not record a delivery attempt");
            }
            worker.turns().finished(row.organization_id);
            drop(slot);
            worker.finished.notify_one();
        })
    }

    async fn attempt(&self, row: &ClaimedDelivery) -> Outcome {
        let now = chrono::Utc::now();
        let (url, signing) = match sending::destination(
            &self.db,
            &self.sealer,
            OrgId(row.organization_id),
            now,
        )
        .await
        {
            Ok(found) => found,
            Err(err) => {
                // The detail is for the log; the page says what happened.
                tracing::warn!(delivery = row.id, error = %err, "could not read a delivery's destination");
                return Outcome::Failed {
                    status_code: None,
                    error: "could not be prepared; will try again".into(),
                };
            }
        };
        let Some(url) = url else {
            return Outcome::NotSent {
                reason: "not sent: no webhook URL".into(),
            };
        };
        // Never unsigned: without a usable webhook key there is nothing to sign with.
        let secret = match signing {
            Signing::With(secret) => secret,
            Signing::NoKey => {
                return Outcome::NotSent {
                    reason: "not sent: no webhook key".into(),
                };
            }
            Signing::Expired => {
                return Outcome::NotSent {
                    reason: "not sent: the webhook key expired".into(),
                };
            }
            // A roll gives the key a secret to sign with: until then the
            // delivery waits, rather than be lost.
            Signing::Leaked => {
                return Outcome::Held {
                    reason: app::model::leaks::WEBHOOK_KEY_LEAKED.into(),
                };
            }
        };
        match self.post(&url, &secret, &row.body).await {
            Ok(status) if (200..300).contains(&status) => Outcome::Delivered {
                status_code: status,
            },
            Ok(status) => Outcome::Failed {
                status_code: Some(status),
                error: format!("receiver answered {status}"),
            },
            Err(Refusal::Final(reason)) => Outcome::NotSent { reason },
            Err(Refusal::Retry(error)) => Outcome::Failed {
                status_code: None,
                error,
            },
        }
    }

    async fn post(&self, url: &str, secret: &ApiKeySecret, body: &str) -> Result<u16, Refusal> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| Refusal::Final(format!("not sent: bad URL ({e})")))?;
        let destination = Destination {
            host: parsed
                .host_str()
                .ok_or_else(|| Refusal::Final("not sent: URL without a host".into()))?
                .to_owned(),
            port: parsed.port_or_known_default().unwrap_or(443),
            allow_private: self.allow_private,
        };
        let timestamp = chrono::Utc::now().timestamp_millis();
        let request = self
            .client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signature::HEADER, signature::sign(secret, body, timestamp))
            .body(body.to_owned());
        send_checked(request, destination, address::resolve, TIMEOUT).await
    }
}

/// Where a request goes, for the check before it is sent.
struct Destination {
    host: String,
    port: u16,
    allow_private: bool,
}

/// Checks the destination, then sends, both within `budget`: a resolver
/// that never answers holds a sending slot no longer than a receiver that
/// never answers. `lookup` is the resolver (the system's, but for tests).
async fn send_checked<F>(
    request: reqwest::RequestBuilder,
    to: Destination,
    lookup: impl FnOnce(String, u16) -> F,
    budget: Duration,
) -> Result<u16, Refusal>
where
    F: Future<Output = Result<Vec<SocketAddr>, String>>,
{
    let attempt = async {
        if !to.allow_private {
            // An address written in the URL never reaches the client's
            // resolver: check it here. A name is checked here for a clear
            // "not sent", and again by the resolver when connecting.
            let addrs = lookup(to.host.clone(), to.port)
                .await
                .map_err(Refusal::Retry)?;
            if address::first_not_public(&to.host, &addrs).is_some() {
                return Err(Refusal::Final(DESTINATION_NOT_ALLOWED.into()));
            }
        }
        let response = request
            .send()
            .await
            .map_err(|e| Refusal::Retry(describe_send_error(&e)))?;
        Ok(response.status().as_u16())
    };
    tokio::time::timeout(budget, attempt)
        .await
        .unwrap_or_else(|_| Err(Refusal::Retry(TIMED_OUT.into())))
}

/// A failed send, in words that name no address: reqwest's own text can
/// carry the resolved IP ("error trying to connect: tcp connect error …").
fn describe_send_error(err: &reqwest::Error) -> String {
    tracing::info!(error = %err, "webhook delivery attempt failed");
    if err.is_timeout() {
        TIMED_OUT.into()
    } else if err.is_connect() {
        "could not connect to the receiver".into()
    } else {
        "the request failed before an answer came".into()
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    /// Will not change by retrying: recorded as not sent.
    Final(String),
    Retry(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DNS answer that never comes ends the attempt with the budget, as a
    /// receiver that never answers does: it cannot hold a slot for good.
    #[tokio::test]
    async fn the_destinations_dns_check_is_inside_the_attempts_budget() {
        let budget = Duration::from_millis(100);
        let request = reqwest::Client::new().post("http://hook.example/hook");
        let to = Destination {
            host: "hook.example".into(),
            port: 80,
            allow_private: false,
        };
        let never = |_, _| std::future::pending();
        let started = std::time::Instant::now();
        let outcome = tokio::time::timeout(budget * 20, send_checked(request, to, never, budget))
            .await
            .expect("the attempt ended within its budget");
        assert_eq!(outcome, Err(Refusal::Retry(TIMED_OUT.into())));
        assert!(started.elapsed() < budget * 10, "{:?}", started.elapsed());
    }
}
