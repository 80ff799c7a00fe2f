//! The webhook delivery worker: claims due deliveries from the outbox,
//! signs each with the organization's current webhook key, and POSTs it.
//! Any number of workers (or instances) can run: a claim is a lease that
//! only one of them wins.
//!
//! Delivery is continuous and fair: up to `MAX_IN_FLIGHT` deliveries are
//! sent at once, a new one starts as soon as a slot frees, and no
//! organization has more than `PER_ORG_IN_FLIGHT` in flight, so a receiver
//! that never answers, behind however many queued events, slows only its
//! own organization.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};

use app::keys::secret::ApiKeySecret;
use app::ssr::entities::webhook_delivery;
use app::ssr::{OrgId, Sealer};
use sea_orm::DatabaseConnection;

pub mod outbox;
pub mod signature;

use outbox::{Outcome, Signing};

/// How long one request may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries sent at once by one worker.
pub const MAX_IN_FLIGHT: usize = 64;
/// Deliveries of one organization sent at once by one worker.
pub const PER_ORG_IN_FLIGHT: usize = 4;

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
    /// Deliveries being sent, by organization.
    in_flight: Arc<Mutex<HashMap<i64, usize>>>,
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
            .timeout(TIMEOUT)
            .dns_resolver(Arc::new(CheckedResolver { allow_private }))
            .build()
            .expect("the HTTP client builds with static settings");
        DeliveryWorker {
            db,
            sealer,
            allow_private,
            client,
            slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            in_flight: Arc::default(),
            finished: Arc::default(),
        }
    }

    /// Polls the outbox every `every` until the task is aborted, at once
    /// whenever a send finishes, and without pause while rounds find due
    /// work and slots are free.
    pub fn spawn(self, every: Duration) -> tokio::task::JoinHandle<()> {
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
    pub async fn run_once(&self) -> Result<usize, sea_orm::DbErr> {
        let started = self.dispatch().await?;
        let count = started.len();
        for send in started {
            let _ = send.await;
        }
        Ok(count)
    }

    /// Claims due deliveries for the free slots and starts sending each;
    /// returns the sends started.
    async fn dispatch(&self) -> Result<Vec<tokio::task::JoinHandle<()>>, sea_orm::DbErr> {
        let free = self.slots.available_permits();
        if free == 0 {
            return Ok(Vec::new());
        }
        let busy = self.in_flight.lock().expect("in-flight lock").clone();
        let claimed = outbox::claim_due(&self.db, free, PER_ORG_IN_FLIGHT, &busy).await?;
        let mut started = Vec::with_capacity(claimed.len());
        for row in claimed {
            let slot = self
                .slots
                .clone()
                .acquire_owned()
                .await
                .expect("never closed");
            let org = row.organization_id;
            *self
                .in_flight
                .lock()
                .expect("in-flight lock")
                .entry(org)
                .or_default() += 1;
            let worker = self.clone();
            started.push(tokio::spawn(async move {
                let outcome = worker.attempt(&row).await;
                if let Err(err) = outbox::record(&worker.db, &row, outcome).await {
                    tracing::warn!(delivery = row.id, error = %err, "could not record a delivery attempt");
                }
                let mut in_flight = worker.in_flight.lock().expect("in-flight lock");
                if let Some(n) = in_flight.get_mut(&org) {
                    *n -= 1;
                    if *n == 0 {
                        in_flight.remove(&org);
                    }
                }
                drop(slot);
                worker.finished.notify_one();
            }));
        }
        Ok(started)
    }

    async fn attempt(&self, row: &webhook_delivery::Model) -> Outcome {
        let now = chrono::Utc::now();
        let (url, signing) = match outbox::destination(
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
        let host = parsed
            .host_str()
            .ok_or_else(|| Refusal::Final("not sent: URL without a host".into()))?
            .to_owned();
        let port = parsed.port_or_known_default().unwrap_or(443);
        if !self.allow_private {
            // An address written in the URL never reaches the resolver:
            // check it here. A name is checked here for a clear "not sent",
            // and again by the resolver when connecting.
            let addrs = resolve(&host, port).await.map_err(Refusal::Retry)?;
            if let Some(addr) = addrs.iter().find(|a| !is_public(a.ip())) {
                // The page must not become a way to map internal networks:
                // the address goes to the server log only.
                tracing::warn!(%host, address = %addr.ip(), "webhook destination refused: not a public address");
                return Err(Refusal::Final(DESTINATION_NOT_ALLOWED.into()));
            }
        }
        let timestamp = chrono::Utc::now().timestamp_millis();
        let response = self
            .client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(signature::HEADER, signature::sign(secret, body, timestamp))
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| Refusal::Retry(describe_send_error(&e)))?;
        Ok(response.status().as_u16())
    }
}

/// What the page shows for a refused destination, whatever the reason.
pub const DESTINATION_NOT_ALLOWED: &str = "not sent: destination not allowed";

/// A failed send, in words that name no address: reqwest's own text can
/// carry the resolved IP ("error trying to connect: tcp connect error …").
fn describe_send_error(err: &reqwest::Error) -> String {
    tracing::info!(error = %err, "webhook delivery attempt failed");
    if err.is_timeout() {
        "timed out after 10 s".into()
    } else if err.is_connect() {
        "could not connect to the receiver".into()
    } else {
        "the request failed before an answer came".into()
    }
}

async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("{host} has no address"));
    }
    Ok(addrs)
}

/// The client's DNS: resolves, then refuses non-public answers.
struct CheckedResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve(&host, 0).await?;
            if !allow_private && let Some(addr) = addrs.iter().find(|a| !is_public(a.ip())) {
                return Err(
                    format!("{host} resolves to a non-public address ({})", addr.ip()).into(),
                );
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

enum Refusal {
    /// Will not change by retrying: recorded as not sent.
    Final(String),
    Retry(String),
}

/// Whether an address is on the public internet: not in any block of
/// IANA's IPv4 and IPv6 special-purpose registries that is not globally
/// reachable, nor a form that embeds such an IPv4 address (mapped,
/// compatible, NAT64, 6to4, Teredo).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: std::net::Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    let special = a == 0                                // "this network"
        || a == 10                                      // private
        || (a == 100 && (64..128).contains(&b))         // shared (carrier-grade NAT)
        || a == 127                                     // loopback
        || (a == 169 && b == 254)                       // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))          // private
        || (a == 192 && b == 0 && c == 0)               // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)               // documentation
        || (a == 192 && b == 88 && c == 99)             // 6to4 relay anycast
        || (a == 192 && b == 168)                       // private
        || (a == 198 && (18..20).contains(&b))          // benchmarking
        || (a == 198 && b == 51 && c == 100)            // documentation
        || (a == 203 && b == 0 && c == 113)             // documentation
        || a >= 224; // multicast, reserved, broadcast
    !special
}

fn is_public_v6(v6: std::net::Ipv6Addr) -> bool {
    let s = v6.segments();
    let embedded_v4 =
        |hi: u16, lo: u16| std::net::Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    // Forms that carry an IPv4 address: judged by that address.
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if s[..6] == [0; 6] {
        // IPv4-compatible ::a.b.c.d (deprecated), ::1 and :: included.
        return false;
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) {
        // NAT64, well-known and local-use prefixes: a translator would
        // connect to the embedded IPv4 address.
        return false;
    }
    if s[0] == 0x2002 {
        // 6to4: judged by the IPv4 address in bits 16..48.
        return is_public_v4(embedded_v4(s[1], s[2]));
    }
    let special = (s[0] == 0x0100 && s[1..4] == [0, 0, 0])  // discard-only 100::/64
        || (s[0] == 0x2001 && s[1] < 0x0200)                // IETF protocol assignments, Teredo
        || (s[0] == 0x2001 && s[1] == 0x0db8)               // documentation
        || (s[0] == 0x3fff && s[1] < 0x1000)                // documentation 3fff::/20
        || (s[0] & 0xfe00) == 0xfc00                        // unique local
        || (s[0] & 0xffc0) == 0xfe80                        // link-local
        || (s[0] & 0xffc0) == 0xfec0                        // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00; // multicast
    !special
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn special_purpose_blocks_and_embedded_ipv4_are_not_public() {
        for special in [
            // IPv4 special-purpose registry
            "198.18.0.1",
            "198.19.255.254",
            "240.0.0.1",
            "255.255.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "192.88.99.1",
            "224.0.0.1",
            // IPv6 forms that embed a private IPv4 address
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::a00:1",
            "::127.0.0.1",
            "::a9fe:a9fe",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            // IPv6 special-purpose registry
            "100::1",
            "2001::1",
            "2001:db8::1",
            "3fff::1",
            "fec0::1",
            "ff02::1",
            "::",
        ] {
            assert!(!is_public(special.parse().unwrap()), "{special}");
        }
        // 6to4 of a public address, and ordinary public ones, stay public.
        for public in [
            "2002:5db8:d822::1",
            "198.20.0.1",
            "223.255.255.255",
            "2a00:1450:4001::200e",
            "64:ff9c::1",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
