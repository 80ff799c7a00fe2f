//! Serving HTTP with limits an anonymous client cannot get around: a client
//! must send its request head within `header_read_timeout` (silent and idle
//! connections included), a request must be answered within
//! `request_timeout`, at most `max_connections` are served at once, and at
//! most `max_connections_per_client` of them from one client. One more is
//! answered `503` at once and closed, so the server's memory and file
//! descriptors stay bounded whatever is thrown at it, and one client cannot
//! take every connection.
//!
//! A connection is counted against its TCP peer (IPv6 by its /64), since
//! nothing else is known before its request head arrives, and that is what
//! a client holding connections open never sends. Behind a proxy, every
//! connection comes from the proxy: the peers in `uncapped_peers` (the
//! trusted proxies) are held to the server's cap only, and limiting the
//! clients is the proxy's part.
//!
//! HTTP/1.1 only: browsers and the SDKs speak it, and TLS (and with it
//! HTTP/2) belongs to the proxy in front (see the README).

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::domain::auth::throttle::client_network;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::Layer;

use crate::client_address::TrustedProxies;

/// What one instance accepts, and for how long.
#[derive(Clone, Debug)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub request_timeout: Duration,
    pub max_connections: usize,
    /// Connections served at once from one TCP peer (an IPv6 /64).
    pub max_connections_per_client: usize,
    /// Peers held to `max_connections` only: the trusted proxies, whose
    /// connections carry many clients.
    pub uncapped_peers: TrustedProxies,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_connections_per_client: 64,
            uncapped_peers: TrustedProxies::default(),
        }
    }
}

/// The body of the answer to a connection over `max_connections`, shaped
/// like every other API error.
pub const TOO_MANY_CONNECTIONS: &str = r#"{"error":{"status":503,"message":"The server has too many open connections. Try again shortly."}}"#;

/// The body of the answer to a connection over `max_connections_per_client`.
pub const TOO_MANY_CONNECTIONS_FROM_CLIENT: &str = r#"{"error":{"status":503,"message":"Too many open connections from this address. Try again shortly."}}"#;

/// How long connections in flight get to finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` completes, then lets
/// connections in flight finish (for at most `DRAIN`).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let admission = Admission::new(&limits);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: the connection is
                // lost, the server is not.
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slots = match admission.admit(peer.ip()) {
            Ok(slots) => slots,
            Err(full) => {
                tokio::spawn(refuse(stream, full));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        // The client's address, for sign-in throttling (as axum's
        // `into_make_service_with_connect_info` would give it).
        let service =
            TowerToHyperService::new(axum::Extension(ConnectInfo(peer)).layer(app.clone()));
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%peer, error = %err, "connection ended with an error");
            }
            drop(slots);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN:?}; closing them");
    }
    Ok(())
}

/// Which cap a refused connection met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Full {
    Server,
    Client,
}

/// Decides whether a new connection is served, by both caps.
struct Admission {
    server: Arc<Semaphore>,
    per_client: Arc<OpenPerClient>,
    uncapped_peers: TrustedProxies,
}

/// What a served connection holds until it ends.
struct Slots {
    _server: OwnedSemaphorePermit,
    _client: Option<ClientSlot>,
}

impl Admission {
    fn new(limits: &Limits) -> Admission {
        Admission {
            server: Arc::new(Semaphore::new(limits.max_connections)),
            per_client: Arc::new(OpenPerClient {
                open: Mutex::default(),
                max: limits.max_connections_per_client,
            }),
            uncapped_peers: limits.uncapped_peers.clone(),
        }
    }

    /// The server's cap first: when it is full, that is the answer for all.
    fn admit(&self, peer: IpAddr) -> Result<Slots, Full> {
        let server = self
            .server
            .clone()
            .try_acquire_owned()
            .map_err(|_| Full::Server)?;
        let client = if self.uncapped_peers.trusts(peer) {
            None
        } else {
            Some(self.per_client.open(peer).ok_or(Full::Client)?)
        };
        Ok(Slots {
            _server: server,
            _client: client,
        })
    }
}

/// Connections open per client network. Only networks with one open are
/// kept, so there are never more entries than connections served.
struct OpenPerClient {
    open: Mutex<HashMap<IpAddr, usize>>,
    max: usize,
}

/// One connection counted against its network until dropped.
struct ClientSlot {
    table: Arc<OpenPerClient>,
    network: IpAddr,
}

impl OpenPerClient {
    fn open(self: &Arc<Self>, peer: IpAddr) -> Option<ClientSlot> {
        let network = client_network(peer);
        let mut open = self.open.lock().expect("connections per client");
        let count = open.get(&network).copied().unwrap_or(0);
        if count >= self.max {
            return None;
        }
        open.insert(network, count + 1);
        Some(ClientSlot {
            table: self.clone(),
            network,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.table.open.lock().expect("connections per client");
        if let Some(count) = open.get_mut(&self.network) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.network);
            }
        }
    }
}

/// Refusals of one kind, logged at most once a second with how many there
/// were: a client over its cap can open connections far faster than anyone
/// reads log lines, and one line each would let it flood the log.
struct RefusalLog {
    last_line: std::sync::Mutex<Option<Instant>>,
    unlogged: std::sync::atomic::AtomicU64,
}

impl RefusalLog {
    const EVERY: Duration = Duration::from_secs(1);

    const fn new() -> RefusalLog {
        RefusalLog {
            last_line: std::sync::Mutex::new(None),
            unlogged: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Counts one refusal at `now`; when a line is due, how many refusals
    /// it reports (this one and those not logged since the last line).
    fn count(&self, now: Instant) -> Option<u64> {
        use std::sync::atomic::Ordering;
        self.unlogged.fetch_add(1, Ordering::AcqRel);
        let mut last = self.last_line.lock().unwrap_or_else(|e| e.into_inner());
        if last.is_some_and(|at| now.saturating_duration_since(at) < Self::EVERY) {
            return None;
        }
        *last = Some(now);
        Some(self.unlogged.swap(0, Ordering::AcqRel))
    }
}

static SERVER_FULL: RefusalLog = RefusalLog::new();
static CLIENT_FULL: RefusalLog = RefusalLog::new();

/// Answers a connection over a cap without reading from it.
async fn refuse(mut stream: TcpStream, full: Full) {
    let now = Instant::now();
    let body = match full {
        Full::Server => {
            if let Some(refused) = SERVER_FULL.count(now) {
                tracing::warn!(refused, "connections refused: too many open connections");
            }
            TOO_MANY_CONNECTIONS
        }
        Full::Client => {
            if let Some(refused) = CLIENT_FULL.count(now) {
                tracing::warn!(
                    refused,
                    "connections refused: too many open connections from one address"
                );
            }
            TOO_MANY_CONNECTIONS_FROM_CLIENT
        }
    };
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_logged_once_a_second_with_their_count() {
        let log = RefusalLog::new();
        let start = Instant::now();
        assert_eq!(log.count(start), Some(1), "the first is logged at once");
        let within: Vec<_> = (1..=9)
            .map(|i| log.count(start + Duration::from_millis(100 * i)))
            .collect();
        assert!(within.iter().all(Option::is_none), "{within:?}");
        assert_eq!(
            log.count(start + Duration::from_millis(1_000)),
            Some(10),
            "the next line counts the nine unlogged and itself"
        );
    }

    #[test]
    fn a_network_holds_its_cap_and_gets_its_connections_back() {
        let admission = Admission::new(&Limits {
            max_connections: 10,
            max_connections_per_client: 2,
            ..Limits::default()
        });
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let first = admission.admit(ip("2001:db8::1")).unwrap();
        let _second = admission.admit(ip("2001:db8::2")).unwrap();
        // One /64 is one client.
        assert_eq!(admission.admit(ip("2001:db8::3")).err(), Some(Full::Client));
        assert!(admission.admit(ip("2001:db8:0:1::1")).is_ok());
        drop(first);
        assert!(admission.admit(ip("2001:db8::3")).is_ok());
        // Only networks with a connection open are kept.
        assert_eq!(admission.per_client.open.lock().unwrap().len(), 1);
    }
}
