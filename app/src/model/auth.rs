//! Accounts: sign-up, sign-in, sessions. Shared types and validation here;
//! hashing, sessions and throttling live behind `ssr`.

use serde::{Deserialize, Serialize};

use crate::model::error::AppError;

pub const PASSWORD_MIN_CHARS: usize = 8;
/// Long enough for any passphrase, short enough that hashing stays cheap.
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const EMAIL_MAX_CHARS: usize = 254;
pub const ORGANIZATION_MAX_CHARS: usize = 100;

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignupInput {
    pub email: String,
    pub password: String,
    pub organization: String,
}

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

// Passwords never reach a log through `{:?}`.
impl std::fmt::Debug for SignupInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignupInput")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .field("organization", &self.organization)
            .finish()
    }
}

impl std::fmt::Debug for LoginInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginInput")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Who is signed in, as the Settings layout shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub email: String,
    pub organization: String,
    /// The current organization's id, among `organizations`.
    pub organization_id: i64,
    pub role: crate::model::roles::Role,
    /// Every organization the person belongs to; the switch shows when
    /// there are several.
    pub organizations: Vec<OrganizationChoice>,
}

/// One organization the signed-in person belongs to, for the switch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationChoice {
    pub id: i64,
    pub name: String,
}

/// Sign-up with an email that has an account, and the wrong password.
pub const EMAIL_TAKEN: &str = "An account with this email already exists. Sign in instead.";
/// The right password for an account that belongs to no organization
/// any more (removed from every one).
pub const NO_ORGANIZATION: &str =
    "This account is not a member of any organization. Ask an Admin for an invitation.";
/// Sign-in without a password.
pub const PASSWORD_MISSING: &str = "Enter your password.";
/// Sign-in or sign-up without an email.
pub const EMAIL_MISSING: &str = "Enter your email address.";

/// Trimmed and lower-cased; a plausible address, not a full RFC 5322 parse.
pub fn validate_email(raw: &str) -> Result<String, AppError> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(AppError::invalid("email", EMAIL_MISSING));
    }
    let valid = email.chars().count() <= EMAIL_MAX_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(AppError::invalid(
            "email",
            "Enter an email address like name@example.com.",
        ))
    }
}

/// Length only: at least 8 characters, at most 128. Not trimmed.
pub fn validate_password(password: &str) -> Result<(), AppError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(AppError::invalid(
            "password",
            format!("Use at least {PASSWORD_MIN_CHARS} characters."),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(AppError::invalid(
            "password",
            format!("Use at most {PASSWORD_MAX_CHARS} characters."),
        ));
    }
    Ok(())
}

pub fn validate_organization(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::invalid(
            "organization",
            "Enter your organization's name.",
        ));
    }
    if name.chars().count() > ORGANIZATION_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::invalid(
            "organization",
            format!("Use at most {ORGANIZATION_MAX_CHARS} characters, without control characters."),
        ));
    }
    Ok(name.to_owned())
}

impl LoginInput {
    /// The email as accounts are keyed (trimmed, lower-cased), or what is
    /// missing. Any other text may be someone's address: a sign-in checks
    /// no format, but an address longer than any account's is refused
    /// before it is counted (or kept in the throttle's memory).
    pub fn validate(&self) -> Result<String, AppError> {
        let email = self.email.trim().to_lowercase();
        if email.is_empty() {
            return Err(AppError::invalid("email", EMAIL_MISSING));
        }
        if email.chars().count() > EMAIL_MAX_CHARS {
            return Err(AppError::invalid(
                "email",
                "Enter an email address like name@example.com.",
            ));
        }
        if self.password.is_empty() {
            return Err(AppError::invalid("password", PASSWORD_MISSING));
        }
        Ok(email)
    }
}

impl SignupInput {
    /// Every field is checked, so that all errors can be shown at once;
    /// the first one found is returned.
    pub fn validate(&self) -> Result<(String, String), AppError> {
        let email = validate_email(&self.email);
        let password = validate_password(&self.password);
        let organization = validate_organization(&self.organization);
        let email = email?;
        password?;
        Ok((email, organization?))
    }
}

/// Where to go after signing in: only a path on this site, so that `next`
/// cannot send anyone to another origin. Browsers parse URLs leniently (they
/// drop tabs and newlines anywhere, trim controls and spaces, and read `\`
/// as `/`), so `/\t/evil.example` would become `//evil.example`: a path is
/// accepted only if it has none of those, starts with one `/`, and so can
/// carry no scheme or authority.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path
                    .chars()
                    .any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            path.to_owned()
        }
        _ => DEFAULT_NEXT.to_owned(),
    }
}

/// Where a sign-in goes when `next` is absent or refused.
pub const DEFAULT_NEXT: &str = "/settings/api-keys";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            validate_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "a@b@c.com",
        ] {
            let err = validate_email(bad).unwrap_err();
            assert!(err.message_for("email").is_some(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_have_a_minimum_and_a_maximum() {
        assert!(
            validate_password("1234567")
                .unwrap_err()
                .message_for("password")
                .unwrap()
                .contains("at least 8")
        );
        assert!(validate_password("12345678").is_ok());
        assert!(validate_password(&"p".repeat(128)).is_ok());
        assert!(validate_password(&"p".repeat(129)).is_err());
    }

    #[test]
    fn debug_output_never_shows_a_password() {
        let signup = SignupInput {
            email: "a@example.com".into(),
            password: "pw-hunter2".into(),
            organization: "A".into(),
        };
        let login = LoginInput {
            email: "a@example.com".into(),
            password: "pw-hunter2".into(),
        };
        let shown = format!("{signup:?} {signup:#?} {login:?} {login:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("a@example.com") && shown.contains("<redacted>"));
    }

    #[test]
    fn organization_names_are_required() {
        assert!(
            validate_organization("  ")
                .unwrap_err()
                .message_for("organization")
                .is_some()
        );
        assert_eq!(validate_organization(" Acme ").unwrap(), "Acme");
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/settings/api-keys")), "/settings/api-keys");
        assert_eq!(safe_next(Some("//evil.example")), "/settings/api-keys");
        assert_eq!(
            safe_next(Some("https://evil.example")),
            "/settings/api-keys"
        );
        assert_eq!(safe_next(Some("/\\evil.example")), "/settings/api-keys");
        assert_eq!(safe_next(None), "/settings/api-keys");
        assert_eq!(
            safe_next(Some("/settings/webhooks?tab=log#x")),
            "/settings/webhooks?tab=log#x"
        );
    }

    /// Pieces that mean something to a URL parser; `next` strings are made
    /// of them, so that tricks like `/` + tab + `/` come up thousands of times.
    const URL_ATOMS: &[&str] = &[
        "/",
        "/",
        "\\",
        "\t",
        "\n",
        "\r",
        " ",
        "\u{0}",
        "\u{1f}",
        "evil.example",
        ".",
        ":",
        "@",
        "?",
        "#",
        "%09",
        "a",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Whatever `next` is, a browser resolving the answer against this
        /// site (the `url` crate is the WHATWG parser browsers follow) stays
        /// on this site.
        #[test]
        fn next_never_leaves_the_site(
            atoms in proptest::collection::vec(proptest::sample::select(URL_ATOMS), 0..7)
        ) {
            let next = atoms.concat();
            let base = url::Url::parse("https://keyward.example/login").unwrap();
            let target = base.join(&safe_next(Some(&next))).unwrap();
            proptest::prop_assert_eq!(target.origin(), base.origin(), "{:?} -> {}", next, target);
        }
    }

    #[test]
    fn next_refuses_what_browsers_would_read_as_another_site() {
        // `/login?next=/%09/evil.example` decodes to a tab, which browsers drop.
        for trick in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            " //evil.example",
            "/ /evil.example",
            "/\u{0}/x",
            "\\\\evil.example",
        ] {
            assert_eq!(safe_next(Some(trick)), DEFAULT_NEXT, "{trick:?}");
        }
    }
}
