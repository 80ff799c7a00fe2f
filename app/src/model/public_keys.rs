//! Public keys' **Allowed domains** (issue 29, first piece): which web
//! origins a public key may be used from. Pure functions of the text the
//! form sends and of a request's `Origin`, so the form's refusals and the
//! API's check agree; the rest of public keys is not built yet.
//!
//! A line is `example.com` (that host, on the default port), `*.example.com`
//! (its subdomains, at any depth, not the domain itself) or `host:port`
//! (`localhost:5173`). An origin must be `https://`, except `http://` for
//! `localhost` and `127.0.0.1`, which browsers treat as secure contexts
//! when they are listed.

use crate::model::error::AppError;

/// The form's field.
pub const ALLOWED_DOMAINS_FIELD: &str = "allowed_domains";
/// Lines one public key may list.
pub const MAX_DOMAINS: usize = 50;

/// One **Allowed domains** line, normalized (lowercase).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedDomain {
    /// `*.example.com`: subdomains of `host`, not `host` itself.
    wildcard: bool,
    host: String,
    /// None: the scheme's default port.
    port: Option<u16>,
}

/// A key's allowed domains, at least one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedDomains(Vec<AllowedDomain>);

impl AllowedDomain {
    fn parse(line: &str) -> Option<AllowedDomain> {
        let line = line.trim().to_ascii_lowercase();
        let (wildcard, rest) = match line.strip_prefix("*.") {
            Some(rest) => (true, rest.to_owned()),
            None => (false, line),
        };
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (
                host.to_owned(),
                Some(port.parse::<u16>().ok().filter(|p| *p > 0)?),
            ),
            None => (rest, None),
        };
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let labels: Vec<&str> = host.split('.').collect();
        let valid = host.len() <= 253 && labels.iter().all(|l| label_ok(l));
        // A wildcard needs a registrable-looking domain under it.
        (valid && (!wildcard || labels.len() >= 2)).then_some(AllowedDomain {
            wildcard,
            host,
            port,
        })
    }

    /// Whether a request from `scheme://host[:port]` is allowed by this line.
    fn allows(&self, origin: &Origin) -> bool {
        let local = matches!(origin.host.as_str(), "localhost" | "127.0.0.1");
        let scheme_ok = origin.scheme == "https" || (origin.scheme == "http" && local);
        let default_port = if origin.scheme == "https" { 443 } else { 80 };
        let host_ok = if self.wildcard {
            origin
                .host
                .strip_suffix(self.host.as_str())
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
        } else {
            origin.host == self.host
        };
        scheme_ok
            && host_ok
            && origin.port.unwrap_or(default_port) == self.port.unwrap_or(default_port)
    }
}

impl AllowedDomains {
    /// The form's text, one domain per line; blank lines are skipped. The
    /// error names the field and every line it refuses.
    pub fn parse(text: &str) -> Result<AllowedDomains, AppError> {
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            return Err(AppError::invalid(
                ALLOWED_DOMAINS_FIELD,
                "Add at least one domain.",
            ));
        }
        if lines.len() > MAX_DOMAINS {
            return Err(AppError::invalid(
                ALLOWED_DOMAINS_FIELD,
                format!("List at most {MAX_DOMAINS} domains."),
            ));
        }
        let bad: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| AllowedDomain::parse(l).is_none())
            .collect();
        if !bad.is_empty() {
            return Err(AppError::invalid(
                ALLOWED_DOMAINS_FIELD,
                format!(
                    "Not a domain: {}. Write example.com, *.example.com or localhost:5173, without https://.",
                    bad.join(", ")
                ),
            ));
        }
        Ok(AllowedDomains(
            lines.into_iter().filter_map(AllowedDomain::parse).collect(),
        ))
    }

    /// Whether a request with this `Origin` header may use the key. A
    /// request without one, or with `null` (a sandboxed page, a file), is
    /// never allowed.
    pub fn allows(&self, origin: Option<&str>) -> bool {
        origin
            .and_then(Origin::parse)
            .is_some_and(|origin| self.0.iter().any(|d| d.allows(&origin)))
    }
}

/// A serialized origin as browsers send it: `scheme://host[:port]`.
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn parse(text: &str) -> Option<Origin> {
        let (scheme, rest) = text.trim().split_once("://")?;
        if rest.is_empty() || rest.contains(['/', '?', '#', '@']) {
            return None;
        }
        let rest = rest.to_ascii_lowercase();
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port.parse().ok()?)),
            None => (rest, None),
        };
        Some(Origin {
            scheme: scheme.to_ascii_lowercase(),
            host,
            port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domains(text: &str) -> AllowedDomains {
        AllowedDomains::parse(text).unwrap()
    }

    #[test]
    fn a_domain_allows_its_https_origin_on_the_default_port_only() {
        let d = domains("Example.com");
        assert!(d.allows(Some("https://example.com")));
        assert!(d.allows(Some("https://EXAMPLE.com:443")));
        assert!(!d.allows(Some("https://example.com:8443")));
        assert!(
            !d.allows(Some("http://example.com")),
            "plain http is refused"
        );
        assert!(!d.allows(Some("https://www.example.com")));
        assert!(!d.allows(Some("https://example.com.evil.net")));
        assert!(!d.allows(Some("https://notexample.com")));
    }

    #[test]
    fn a_wildcard_allows_subdomains_at_any_depth_but_not_the_domain() {
        let d = domains("*.example.com");
        assert!(d.allows(Some("https://app.example.com")));
        assert!(d.allows(Some("https://a.b.example.com")));
        assert!(!d.allows(Some("https://example.com")));
        assert!(!d.allows(Some("https://badexample.com")));
        assert!(!d.allows(Some("https://.example.com")));
    }

    #[test]
    fn localhost_may_be_plain_http_on_its_listed_port() {
        let d = domains("localhost:5173\n127.0.0.1:3000");
        assert!(d.allows(Some("http://localhost:5173")));
        assert!(d.allows(Some("https://localhost:5173")));
        assert!(!d.allows(Some("http://localhost:5174")));
        assert!(!d.allows(Some("http://localhost")));
        assert!(d.allows(Some("http://127.0.0.1:3000")));
        assert!(!d.allows(Some("http://127.0.0.2:3000")));
    }

    #[test]
    fn missing_null_and_malformed_origins_are_refused() {
        let d = domains("example.com\nlocalhost:5173");
        for origin in [
            None,
            Some("null"),
            Some(""),
            Some("example.com"),
            Some("https://example.com/path"),
            Some("https://user@example.com"),
            Some("https://example.com:notaport"),
            Some("file://"),
        ] {
            assert!(!d.allows(origin), "{origin:?}");
        }
    }

    #[test]
    fn bad_lines_are_refused_naming_each() {
        let err = AllowedDomains::parse("example.com\nhttps://x.com\n*.com\nfoo bar\nhost:99999")
            .unwrap_err();
        let message = err.message_for(ALLOWED_DOMAINS_FIELD).unwrap();
        for bad in ["https://x.com", "*.com", "foo bar", "host:99999"] {
            assert!(message.contains(bad), "{bad}: {message}");
        }
        // The good line is not among those named.
        let named = message.split(". Write").next().unwrap();
        assert!(!named.contains("example.com"), "{message}");
        assert!(
            AllowedDomains::parse(" \n ")
                .unwrap_err()
                .message_for(ALLOWED_DOMAINS_FIELD)
                .is_some()
        );
        let many = (0..=MAX_DOMAINS)
            .map(|i| format!("d{i}.example.com"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(AllowedDomains::parse(&many).is_err());
    }
}
