//! Where a webhook may go: only to addresses on the public internet (unless
//! `KEYWARD_WEBHOOK_ALLOW_PRIVATE=1`), checked both before a send, for a
//! clear "not sent", and by the HTTP client's own resolver, so the address
//! checked is the address connected to.

use std::net::{IpAddr, SocketAddr};

/// What the page shows for a refused destination, whatever the reason.
pub const DESTINATION_NOT_ALLOWED: &str = "not sent: destination not allowed";

/// The system resolver's addresses for `host`.
pub async fn resolve(host: String, port: u16) -> Result<Vec<SocketAddr>, String> {
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

/// The first address of `addrs` that is not public, if any. The page must
/// not become a way to map internal networks: the address goes to the
/// server log only.
pub fn first_not_public(host: &str, addrs: &[SocketAddr]) -> Option<IpAddr> {
    let refused = addrs
        .iter()
        .map(SocketAddr::ip)
        .find(|ip| !is_public(*ip))?;
    tracing::warn!(%host, address = %refused, "webhook destination refused: not a public address");
    Some(refused)
}

/// The client's DNS: resolves, then refuses non-public answers.
pub struct CheckedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve(host.clone(), 0).await?;
            if !allow_private && let Some(ip) = first_not_public(&host, &addrs) {
                return Err(format!("{host} resolves to a non-public address ({ip})").into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
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
