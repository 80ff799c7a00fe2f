//! Sessions in the database, so that every instance sees the same ones.
//! The cookie carries 256 random bits; the table keeps only their SHA-256,
//! so a copy of the database holds no usable session.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use cookie::{Cookie, SameSite};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter,
};
use sha2::{Digest, Sha256};

use crate::domain::entities::{session, user};
use crate::domain::teams::{self, Member};
use crate::domain::{DomainError, OrgId};

/// The cookie's name over plain HTTP (local use only).
pub const COOKIE_NAME: &str = "keyward_session";
/// Its name when `Secure` (the default): browsers accept a `__Host-` cookie
/// only if it was set over HTTPS with `Path=/` and no `Domain`, so no other
/// host (a sibling subdomain, a plain-HTTP page) can plant or shadow it.
pub const SECURE_COOKIE_NAME: &str = "__Host-keyward_session";
/// A session not used for this long is over.
pub const IDLE_EXPIRY: Duration = Duration::days(7);
/// A session this old is over, however much it is used: a stolen cookie
/// does not stay good forever.
pub const ABSOLUTE_EXPIRY: Duration = Duration::days(30);

/// The session cookie's name in this mode.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}
/// `last_seen_at` is written at most this often, not on every request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// The signed-in member, attached to a request by the server's guard after
/// it looked the session up, so that rendering the page does not look it up
/// again. Request extensions are set by the server only.
#[derive(Clone, Debug)]
pub struct Authenticated(pub Member);

/// The cookie's value. No `Debug`: it is as good as a password.
pub struct SessionToken(String);

impl SessionToken {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random source is unavailable");
        SessionToken(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn from_cookie_value(value: &str) -> Self {
        SessionToken(value.to_owned())
    }

    fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

/// Starts a new session for `user_id` on `org`: always a fresh token.
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: i64,
    org: OrgId,
) -> Result<SessionToken, DomainError> {
    let token = SessionToken::generate();
    let now = Utc::now();
    session::ActiveModel {
        token_digest: Set(token.digest()),
        user_id: Set(user_id),
        organization_id: Set(org.0),
        created_at: Set(now),
        last_seen_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The member behind a live session, with their role as it is now, and
/// refreshing its idle timer. An expired session, or one on an
/// organization the user is no longer a member of, is removed and treated
/// as absent: a removal ends the person's next request, on any instance.
pub async fn lookup(
    db: &impl ConnectionTrait,
    token: &SessionToken,
) -> Result<Option<Member>, DomainError> {
    let Some((row, Some(user))) = session::Entity::find()
        .filter(session::Column::TokenDigest.eq(token.digest()))
        .find_also_related(user::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    let org = OrgId(row.organization_id);
    let role = if now - row.last_seen_at > IDLE_EXPIRY || now - row.created_at > ABSOLUTE_EXPIRY {
        None
    } else {
        teams::role_of(db, user.id, org).await?
    };
    let Some(role) = role else {
        session::Entity::delete_by_id(row.id).exec(db).await?;
        return Ok(None);
    };
    if now - row.last_seen_at > TOUCH_EVERY {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .filter(session::Column::Id.eq(row.id))
            .exec(db)
            .await?;
    }
    Ok(Some(Member { user, org, role }))
}

/// Moves a session to another organization of its user's (checked by the
/// caller). The token stays: it is the same person, signed in once.
pub async fn switch(
    db: &impl ConnectionTrait,
    token: &SessionToken,
    org: OrgId,
) -> Result<(), DomainError> {
    session::Entity::update_many()
        .col_expr(session::Column::OrganizationId, Expr::value(org.0))
        .filter(session::Column::TokenDigest.eq(token.digest()))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of `user` on `org`: they were removed from it.
pub async fn end_on(
    db: &impl ConnectionTrait,
    user_id: i64,
    org: OrgId,
) -> Result<(), DomainError> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::OrganizationId.eq(org.0))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes every session past its idle or absolute expiry at `now`, of
/// every user, and answers how many went. `lookup` already refuses them;
/// this frees the rows of sessions nobody presents again. Deleting what is
/// already gone is a no-op, so instances may run it at the same time.
pub async fn delete_expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<u64, DomainError> {
    let idle_or_too_old = Condition::any()
        .add(session::Column::LastSeenAt.lt(now - IDLE_EXPIRY))
        .add(session::Column::CreatedAt.lt(now - ABSOLUTE_EXPIRY));
    Ok(session::Entity::delete_many()
        .filter(idle_or_too_old)
        .exec(db)
        .await?
        .rows_affected)
}

pub async fn delete(db: &impl ConnectionTrait, token: &SessionToken) -> Result<(), DomainError> {
    session::Entity::delete_many()
        .filter(session::Column::TokenDigest.eq(token.digest()))
        .exec(db)
        .await?;
    Ok(())
}

/// The session token in a request's `Cookie` headers, if any, under this
/// mode's cookie name only: in secure mode a plain `keyward_session` (which
/// anyone on the network path could have planted) is ignored.
pub fn token_from_headers(headers: &axum::http::HeaderMap, secure: bool) -> Option<SessionToken> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == cookie_name(secure))
        .map(|c| SessionToken::from_cookie_value(c.value()))
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, and Secure with
/// the `__Host-` prefix unless plain HTTP was asked for
/// (`KEYWARD_COOKIE_SECURE=0`).
pub fn set_cookie(token: &SessionToken, secure: bool) -> String {
    Cookie::build((cookie_name(secure), token.0.clone()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(IDLE_EXPIRY.num_seconds()))
        .build()
        .to_string()
}

pub fn clear_cookie(secure: bool) -> String {
    Cookie::build((cookie_name(secure), ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_carry_the_required_attributes() {
        let token = SessionToken::generate();
        let plain = set_cookie(&token, false);
        assert!(plain.starts_with("keyward_session="));
        assert!(
            plain.contains("HttpOnly")
                && plain.contains("SameSite=Lax")
                && plain.contains("Path=/")
        );
        assert!(!plain.contains("Secure"));
        let secure = set_cookie(&token, true);
        assert!(
            secure.starts_with("__Host-keyward_session=") && secure.contains("; Secure"),
            "{secure}"
        );
        assert!(
            secure.contains("Path=/") && !secure.contains("Domain"),
            "what __Host- requires: {secure}"
        );
        assert!(clear_cookie(false).contains("Max-Age=0"));
        assert!(
            clear_cookie(true).starts_with("__Host-keyward_session=;")
                || clear_cookie(true).starts_with("__Host-keyward_session=\"\"")
        );
    }

    #[test]
    fn tokens_are_found_among_other_cookies() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            "a=1; keyward_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(token_from_headers(&headers, false).unwrap().0, "abc");
        assert!(token_from_headers(&axum::http::HeaderMap::new(), false).is_none());
        // In secure mode only the prefixed cookie counts.
        assert!(token_from_headers(&headers, true).is_none());
        headers.insert(
            axum::http::header::COOKIE,
            "keyward_session=planted; __Host-keyward_session=real"
                .parse()
                .unwrap(),
        );
        assert_eq!(token_from_headers(&headers, true).unwrap().0, "real");
    }
}
