//! Request guards in front of the dashboard: cross-site refusal for
//! state-changing server function calls, and the signed-out redirect.

use app::domain::auth::session;
use app::model::error::AppError;
use app::server_fns::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Headers on every answer, pages and API alike:
/// - `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (no
///   URL of a settings page leaves the site; within it, a form posted before
///   hydration is sent back to the page it came from by its `Referer`),
///   `X-Frame-Options: DENY` for browsers older than `frame-ancestors`;
/// - `Cache-Control: no-store` on everything but the static files under
///   `/pkg/` and the site root: a page or an answer that showed a secret
///   once must not sit in any cache;
/// - a Content-Security-Policy that allows nothing on answers that are not
///   pages (pages send their own, with the nonce of their scripts).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let is_static = {
        let path = request.uri().path();
        path.starts_with("/pkg/") || path == "/favicon.svg"
    };
    let uri = request.uri().clone();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let is_page = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if is_page && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        // Every page sets its own policy (`app::ui::security`); one that
        // did not gets the policy below, which runs none of its scripts.
        tracing::error!(path = uri.path(), "a page left without its nonce policy");
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'",
        ));
    response
}

/// Refuses a state-changing call to a server function (`/api/…`) that a
/// browser says came from another site. Browsers send `Sec-Fetch-Site` on
/// every request and `Origin` on every cross-origin POST; a client that
/// sends neither is not a browser, and a cookie it holds was not lent to it
/// by one.
pub async fn refuse_cross_site(request: Request, next: Next) -> Response {
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes_state
        && request.uri().path().starts_with("/api/")
        && is_cross_site(request.headers())
    {
        tracing::warn!(path = request.uri().path(), "cross-site request refused");
        let err = AppError::CrossSite;
        return (StatusCode::FORBIDDEN, axum::Json(err)).into_response();
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin = origin.to_str().unwrap_or_default();
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or("null");
            origin_host != host.to_str().unwrap_or_default()
        }
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Settings pages need a session: signed-out visitors go to `/login` and
/// come back afterwards. Sign-in pages send signed-in visitors onwards.
pub async fn session_redirects(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    // The root has nothing of its own: answer with a redirect before any
    // rendering, so it works without JavaScript too.
    if path == "/" && request.method() == Method::GET {
        return Redirect::to("/settings/api-keys").into_response();
    }
    let needs_session = path == "/settings" || path.starts_with("/settings/");
    let is_sign_in_page = path == "/login" || path == "/signup";
    if (needs_session || is_sign_in_page) && request.method() == Method::GET {
        let member = match session::token_from_headers(request.headers(), state.cookie_secure) {
            Some(token) => match session::lookup(&state.db, &token).await {
                Ok(member) => member,
                Err(err) => {
                    tracing::error!(error = %err, "session look-up failed");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            },
            None => None,
        };
        let signed_in = member.is_some();
        if let Some(member) = member {
            // The page's server functions take the caller from here.
            request
                .extensions_mut()
                .insert(session::Authenticated(member));
        }
        if needs_session && !signed_in {
            let back = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/settings/api-keys");
            let target = format!("/login?next={}", urlencode(back));
            return Redirect::to(&target).into_response();
        }
        if is_sign_in_page && signed_in {
            // Where the sign-in was asked for: a plain form post of the
            // sign-in form comes back here once it has succeeded.
            let next =
                axum::extract::Query::<std::collections::HashMap<String, String>>::try_from_uri(
                    request.uri(),
                )
                .ok()
                .and_then(|q| q.0.get("next").cloned());
            return Redirect::to(&app::model::auth::safe_next(next.as_deref())).into_response();
        }
    }
    next.run(request).await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn cross_site_is_told_by_fetch_metadata_then_origin() {
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!is_cross_site(&headers(&[])), "not a browser");
    }

    #[test]
    fn next_is_encoded() {
        assert_eq!(
            urlencode("/settings/api-keys?a=b&c"),
            "/settings/api-keys%3Fa%3Db%26c"
        );
    }
}
