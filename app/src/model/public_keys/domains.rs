//! Public keys' **Allowed domains**: which web origins a public key may be
//! used from. Pure functions of the text the form sends and of a request's
//! `Origin`, so the form's refusals and the API's check agree.
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

/// The longest host taken, in a line or an origin (DNS's limit).
const MAX_HOST: usize = 253;

/// A host's labels, when it is a well-formed DNS name: none empty or over
/// 63 characters, letters, digits and inner hyphens only.
fn labels(host: &str) -> Option<Vec<&str>> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let labels: Vec<&str> = host.split('.').collect();
    (host.len() <= MAX_HOST && labels.iter().all(|l| label_ok(l))).then_some(labels)
}

/// Whether a name is an IPv4 address (all its labels digits).
fn is_numeric(labels: &[&str]) -> bool {
    labels.iter().all(|l| l.bytes().all(|b| b.is_ascii_digit()))
}

impl AllowedDomain {
    /// A line: a host of at least two labels (or `localhost`), an IPv4
    /// address only exactly (never under `*.`), and a wildcard only over
    /// a name of two labels or more (`*.com` would be every site).
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
        let labels = labels(&host)?;
        let named = labels.len() >= 2 || (!wildcard && host == "localhost");
        let sound = named && !(wildcard && is_numeric(&labels));
        sound.then_some(AllowedDomain {
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

impl std::fmt::Display for AllowedDomain {
    /// The line as the form takes it back (normalized).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.host)?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
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
        // A line given twice is one line (stored once, matched once).
        let mut unique: Vec<AllowedDomain> = Vec::with_capacity(lines.len());
        for line in lines.into_iter().filter_map(AllowedDomain::parse) {
            if !unique.contains(&line) {
                unique.push(line);
            }
        }
        Ok(AllowedDomains(unique))
    }

    /// Whether a request with this `Origin` header may use the key. A
    /// request without one, or with `null` (a sandboxed page, a file), is
    /// never allowed.
    pub fn allows(&self, origin: Option<&str>) -> bool {
        self.matching(origin).is_some()
    }

    /// The first line that allows `origin`, as written: a key's web calls
    /// are counted per line, so that inventing subdomains under a `*.`
    /// line does not mint fresh budgets.
    pub fn matching(&self, origin: Option<&str>) -> Option<String> {
        let origin = Origin::parse(origin?)?;
        self.0
            .iter()
            .find(|d| d.allows(&origin))
            .map(ToString::to_string)
    }

    /// The lines, normalized, for the list and the form.
    pub fn lines(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    /// As stored: the normalized lines, one per line.
    pub fn to_text(&self) -> String {
        self.lines().join("\n")
    }
}

/// A serialized origin as browsers send it: `scheme://host[:port]`.
pub struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    /// Every line that could allow this origin, as stored (normalized):
    /// the host with and without its port (without only on the scheme's
    /// default port), then `*.` over each domain above it of two labels or
    /// more. A CORS preflight looks these up; at most about 250 of them,
    /// since a host is at most 253 characters.
    pub fn candidate_lines(&self) -> Vec<String> {
        let default_port = if self.scheme == "https" { 443 } else { 80 };
        let port = self.port.unwrap_or(default_port);
        let forms = |name: &str| {
            let mut forms = vec![format!("{name}:{port}")];
            if port == default_port {
                forms.push(name.to_owned());
            }
            forms
        };
        let mut lines = forms(&self.host);
        let mut rest = self.host.as_str();
        while let Some((_, parent)) = rest.split_once('.') {
            if parent.contains('.') {
                lines.extend(forms(&format!("*.{parent}")));
            }
            rest = parent;
        }
        lines
    }

    /// `scheme://host[:port]`, with a well-formed host: anything else (a
    /// path, userinfo, an IPv6 literal, a name too long for DNS) is no
    /// origin a line can allow.
    pub fn parse(text: &str) -> Option<Origin> {
        let (scheme, rest) = text.trim().split_once("://")?;
        if rest.is_empty() || rest.len() > MAX_HOST + 6 || rest.contains(['/', '?', '#', '@']) {
            return None;
        }
        let rest = rest.to_ascii_lowercase();
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port.parse().ok()?)),
            None => (rest, None),
        };
        labels(&host)?;
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
    fn the_matching_line_and_the_hosts_a_preflight_looks_up() {
        let d = domains("*.Example.com\nexample.com\nlocalhost:5173");
        assert_eq!(
            d.matching(Some("https://a.example.com")).as_deref(),
            Some("*.example.com")
        );
        assert_eq!(
            d.matching(Some("https://b.a.example.com")).as_deref(),
            Some("*.example.com"),
            "every subdomain shares its line's budget"
        );
        assert_eq!(
            d.matching(Some("https://example.com")).as_deref(),
            Some("example.com")
        );
        assert_eq!(d.matching(None), None);
        assert_eq!(d.to_text(), "*.example.com\nexample.com\nlocalhost:5173");
        assert_eq!(AllowedDomains::parse(&d.to_text()).unwrap(), d);
        assert_eq!(domains("example.com\nEXAMPLE.com").lines(), ["example.com"]);
        let origin = Origin::parse("https://a.b.example.com").unwrap();
        assert_eq!(
            origin.candidate_lines(),
            [
                "a.b.example.com:443",
                "a.b.example.com",
                "*.b.example.com:443",
                "*.b.example.com",
                "*.example.com:443",
                "*.example.com",
            ]
        );
        let local = Origin::parse("http://localhost:5173").unwrap();
        assert_eq!(local.candidate_lines(), ["localhost:5173"]);
        // Each candidate a line allows is one the preflight looks up.
        for (line, origin) in [
            ("example.com", "https://example.com"),
            ("example.com:443", "https://example.com"),
            ("*.example.com", "https://x.y.example.com"),
            ("*.example.com:8443", "https://x.example.com:8443"),
            ("localhost:5173", "http://localhost:5173"),
            ("127.0.0.1:3000", "http://127.0.0.1:3000"),
        ] {
            assert!(domains(line).allows(Some(origin)), "{line} {origin}");
            let stored = domains(line).to_text();
            let found = Origin::parse(origin).unwrap().candidate_lines();
            assert!(found.contains(&stored), "{line}: {found:?}");
        }
    }

    #[test]
    fn lines_that_would_allow_too_much_are_refused() {
        for bad in [
            "com",
            "*.com",
            "*.0.0.1",
            "*.localhost",
            "intranet",
            "exa mple.com",
        ] {
            assert!(AllowedDomains::parse(bad).is_err(), "{bad}");
        }
        for good in [
            "localhost",
            "localhost:5173",
            "127.0.0.1:3000",
            "*.example.co.uk",
        ] {
            assert!(AllowedDomains::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn an_origin_too_long_for_dns_is_none() {
        let long = format!("https://{}example.com", "a.".repeat(200));
        assert!(Origin::parse(&long).is_none());
        let d = domains("*.example.com");
        assert!(!d.allows(Some(&long)));
        assert!(Origin::parse("https://[::1]:3000").is_none());
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
