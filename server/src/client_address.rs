//! Which client a request comes from. Per-address budgets (sign-in,
//! sign-up, unknown API keys) need the client's address, and behind a
//! proxy the TCP peer is the proxy. The operator names the proxies it runs
//! in `KEYWARD_TRUSTED_PROXIES`; a request from one of them is attributed
//! to the last address in its `X-Forwarded-For` that is not a trusted proxy
//! itself (earlier entries are whatever the client chose to send). A
//! request from any other peer is attributed to the peer, whatever headers
//! it sends.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<[IpAddr]>);

impl TrustedProxies {
    /// From `KEYWARD_TRUSTED_PROXIES`: addresses separated by commas.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| entry.parse::<IpAddr>().map_err(|_| entry.to_owned()))
            .collect::<Result<Vec<_>, _>>()
            .map(|ips| TrustedProxies(ips.into()))
    }

    /// Whether `ip` is one of the proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }

    /// The client behind `peer`, as described above.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        if !self.trusts(peer.ip()) {
            return peer;
        }
        // Split as bytes: an entry that is not text (or not an address)
        // must not hide the entries after it, which the proxy appended.
        let hops: Vec<Option<IpAddr>> = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|v| v.as_bytes().split(|b| *b == b','))
            .map(|hop| {
                std::str::from_utf8(hop)
                    .ok()
                    .and_then(|h| h.trim().parse().ok())
            })
            .collect();
        if hops.is_empty() {
            return peer;
        }
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) if self.trusts(*ip) => continue,
                Some(ip) => return SocketAddr::new(ip.to_canonical(), 0),
                // Not an address: nothing before it can be believed.
                None => break,
            }
        }
        // Forwarded, but by no client we can name: not the proxy itself
        // (a key allowed from the proxy's address would then be usable
        // from anywhere), but the unspecified address, which no allowlist
        // holds and which shares one budget with every such request.
        SocketAddr::new(IpAddr::from([0, 0, 0, 0]), 0)
    }
}

/// Replaces the request's `ConnectInfo` (the TCP peer, set by `serve`) with
/// the client it stands for.
pub async fn resolve(
    State(trusted): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(&ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = trusted.client(peer, request.headers());
        request.extensions_mut().insert(ConnectInfo(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn only_a_trusted_proxy_is_believed_and_only_its_own_entry() {
        let trusted = TrustedProxies::parse("127.0.0.1, 10.0.0.2").unwrap();
        let proxy: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let stranger: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        let ip = |a: SocketAddr| a.ip().to_string();
        // The entry the proxy appended wins over what the client wrote.
        let h = forwarded(&["1.2.3.4, 198.51.100.7"]);
        assert_eq!(ip(trusted.client(proxy, &h)), "198.51.100.7");
        // Through two trusted proxies, the first untrusted hop from the right.
        let h = forwarded(&["198.51.100.7", "10.0.0.2"]);
        assert_eq!(ip(trusted.client(proxy, &h)), "198.51.100.7");
        // A peer that is not a trusted proxy is the client, whatever it says.
        assert_eq!(trusted.client(stranger, &h), stranger);
        // No header: the proxy itself is the client. Garbage where the
        // proxy's own entry should be: no client anyone can name (never
        // the proxy, whose address a key may allow).
        assert_eq!(trusted.client(proxy, &HeaderMap::new()), proxy);
        let nobody = "0.0.0.0";
        assert_eq!(
            ip(trusted.client(proxy, &forwarded(&["1.2.3.4, nonsense"]))),
            nobody
        );
        assert_eq!(
            ip(trusted.client(proxy, &forwarded(&["198.51.100.7:4000"]))),
            nobody
        );
        // Bytes that are not text before the proxy's entry do not hide it.
        let mut h = HeaderMap::new();
        h.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff, 198.51.100.7").unwrap(),
        );
        assert_eq!(ip(trusted.client(proxy, &h)), "198.51.100.7");
        // Through a trusted proxy, then garbage: nobody, not the proxy.
        let h = forwarded(&["junk, 10.0.0.2"]);
        assert_eq!(ip(trusted.client(proxy, &h)), nobody);
        // An IPv4-mapped peer is the IPv4 proxy it is.
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        assert_eq!(
            ip(trusted.client(mapped, &forwarded(&["198.51.100.7"]))),
            "198.51.100.7"
        );
        // Nothing trusted by default.
        assert_eq!(TrustedProxies::default().client(proxy, &h), proxy);
        assert_eq!(
            TrustedProxies::parse("127.0.0.1, proxy.local").unwrap_err(),
            "proxy.local"
        );
    }
}
