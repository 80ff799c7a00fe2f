//! Accounts, sessions and the guards in front of the dashboard.

mod common;

use app::domain::auth::throttle::{Limits, ManualClock, SignInThrottle};
use app::domain::entities::{session, user};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use common::{FORM, PASSWORD, TestApp, backends, form_encoded};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tower::ServiceExt;

fn login_body(email: &str, password: &str) -> Value {
    json!({ "input": { "email": email, "password": password } })
}

/// Every key server function with a body that would succeed if allowed.
fn key_calls(id: i64) -> Vec<(&'static str, Value)> {
    vec![
        ("/api/keys/list", json!({})),
        ("/api/keys/table", json!({})),
        (
            "/api/keys/create",
            json!({ "input": { "name": "x", "restricted": false } }),
        ),
        (
            "/api/keys/update",
            json!({ "id": id, "input": { "name": "x", "restricted": false } }),
        ),
        ("/api/keys/dialog", json!({ "id": id, "dialog": "edit" })),
        ("/api/keys/roll", json!({ "id": id, "grace": "now" })),
        ("/api/keys/delete", json!({ "id": id })),
        ("/api/keys/set-webhook", json!({ "id": id })),
        ("/api/auth/me", json!({})),
    ]
}

#[tokio::test]
async fn signup_stores_an_argon2id_hash_and_signs_in() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let u = user::Entity::find()
            .filter(user::Column::Email.eq("owner@a.example"))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            u.password_hash
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            u.password_hash
        );
        assert!(!u.password_hash.contains(PASSWORD));
        let (status, me) = app.call("/api/auth/me", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            me,
            json!({
                "email": "owner@a.example",
                "organization": "Org A",
                "organization_id": me["organization_id"],
                "role": "admin",
                "organizations": [{ "id": me["organization_id"], "name": "Org A" }],
            })
        );
    }
}

#[tokio::test]
async fn signup_refuses_bad_input_next_to_each_field() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let cases = [
            (
                json!({ "email": "not-an-email", "password": PASSWORD, "organization": "X" }),
                "email",
            ),
            (
                json!({ "email": "new@x.example", "password": "short", "organization": "X" }),
                "password",
            ),
            (
                json!({ "email": "new@x.example", "password": "p".repeat(129), "organization": "X" }),
                "password",
            ),
            (
                json!({ "email": "new@x.example", "password": PASSWORD, "organization": "  " }),
                "organization",
            ),
            // The same email in other case is the same account.
            (
                // Taken, by someone with another password.
                json!({ "email": "OWNER@A.example", "password": "someone else's password", "organization": "X" }),
                "email",
            ),
        ];
        for (input, field) in cases {
            let (status, body, cookie) = app
                .call_with(None, "/api/auth/signup", json!({ "input": input }))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{input}: {body}");
            assert_eq!(body["Invalid"]["field"], field, "{input}");
            assert!(cookie.is_none());
        }
        assert_eq!(
            user::Entity::find().all(&app.db).await.unwrap().len(),
            1,
            "nothing half-created"
        );
    }
}

#[tokio::test]
async fn wrong_email_and_wrong_password_get_the_same_answer() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let wrong_password = app
            .call_with(
                None,
                "/api/auth/login",
                login_body("owner@a.example", "wrong password"),
            )
            .await;
        let wrong_email = app
            .call_with(
                None,
                "/api/auth/login",
                login_body("nobody@a.example", PASSWORD),
            )
            .await;
        assert_eq!(wrong_password.0, StatusCode::UNAUTHORIZED);
        assert_eq!(
            (wrong_password.0, &wrong_password.1),
            (wrong_email.0, &wrong_email.1)
        );
        assert_eq!(wrong_password.1, json!("SignInFailed"));
        assert!(wrong_password.2.is_none() && wrong_email.2.is_none());
    }
}

#[tokio::test]
async fn sign_in_issues_a_new_session_and_sign_out_ends_it() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let first = app.session.clone();
        // Case and spaces in the email do not matter.
        let (status, _, cookie) = app
            .call_with(
                Some(&first),
                "/api/auth/login",
                login_body("  Owner@A.example ", PASSWORD),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let second = cookie.expect("a session cookie");
        assert_ne!(first, second, "a new session id at sign-in");
        let (status, _, _) = app
            .call_with(Some(&first), "/api/keys/list", json!({}))
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the presented session ended"
        );

        let (status, _, _) = app
            .call_with(Some(&second), "/api/auth/logout", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body, _) = app
            .call_with(Some(&second), "/api/keys/list", json!({}))
            .await;
        assert_eq!(
            (status, body),
            (StatusCode::UNAUTHORIZED, json!("Unauthorized"))
        );
        assert!(
            session::Entity::find()
                .all(&app.db)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let app = TestApp::start(&backends()[0]).await;
    let request = Request::post("/api/auth/login")
        .header(header::CONTENT_TYPE, FORM)
        .body(Body::from(form_encoded(&login_body(
            "owner@a.example",
            PASSWORD,
        ))))
        .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
}

#[tokio::test]
async fn signed_out_and_forged_sessions_are_refused_by_every_server_function() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let id = app
            .call(
                "/api/keys/create",
                json!({ "input": { "name": "a", "restricted": false } }),
            )
            .await
            .1["id"]
            .as_i64()
            .unwrap();
        for cookie in [None, Some("keyward_session=forged"), Some("other=1")] {
            for (path, body) in key_calls(id) {
                let (status, answer, _) = app.call_with(cookie, path, body).await;
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} with {cookie:?}");
                assert_eq!(answer, json!("Unauthorized"));
            }
        }
        let (_, keys) = app.call("/api/keys/list", json!({})).await;
        let keys = keys["keys"].clone();
        assert_eq!(keys.as_array().unwrap().len(), 1, "nothing changed");
    }
}

#[tokio::test]
async fn organization_b_cannot_see_or_touch_organization_a() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = app
            .call(
                "/api/keys/create",
                json!({ "input": { "name": "A's key", "restricted": false } }),
            )
            .await;
        let a_key = created["id"].as_i64().unwrap();
        let b = app.signup("owner@b.example", "Org B").await;

        let (status, listed, _) = app.call_with(Some(&b), "/api/keys/list", json!({})).await;
        let listed = listed["keys"].clone();
        assert_eq!((status, listed), (StatusCode::OK, json!([])));
        // The page's server-rendered list, too: no row of A's.
        let (status, table, _) = app.call_with(Some(&b), "/api/keys/table", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let html = table.as_str().unwrap();
        assert!(
            html.contains("No API keys yet")
                && !html.contains("A&#x27;s key")
                && !html.contains("A's key"),
            "{html}"
        );
        for (path, body) in key_calls(a_key).into_iter().filter(|(p, _)| {
            [
                "/api/keys/update",
                "/api/keys/dialog",
                "/api/keys/roll",
                "/api/keys/delete",
                "/api/keys/set-webhook",
            ]
            .contains(p)
        }) {
            let (status, answer, _) = app.call_with(Some(&b), path, body).await;
            assert_eq!(
                (status, answer),
                (StatusCode::NOT_FOUND, json!({ "NotFound": "ApiKey" })),
                "{path}"
            );
        }
        // What B creates is B's alone.
        let (status, _, _) = app
            .call_with(
                Some(&b),
                "/api/keys/create",
                json!({ "input": { "name": "B's key", "restricted": false } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, a_view) = app.call("/api/keys/list", json!({})).await;
        let a_view = a_view["keys"].clone();
        let names: Vec<_> = a_view
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["name"].clone())
            .collect();
        assert_eq!(names, vec![json!("A's key")]);
        let (_, a_table) = app.call("/api/keys/table", json!({})).await;
        let html = a_table.as_str().unwrap();
        assert!(html.contains(&format!(r#"data-key="{a_key}""#)), "{html}");
        assert!(
            !html.contains("B&#x27;s key") && !html.contains("B's key"),
            "{html}"
        );
        assert_eq!(a_view[0]["is_webhook"], false);
    }
}

#[tokio::test]
async fn cross_site_state_changes_are_refused() {
    let app = TestApp::start(&backends()[0]).await;
    let attempts = [
        vec![
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000"),
        ],
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
    ];
    for headers in attempts {
        let mut request = Request::post("/api/keys/create")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, &app.session);
        for (k, v) in &headers {
            request = request.header(*k, *v);
        }
        let body = json!({ "input": { "name": "csrf", "restricted": false } }).to_string();
        let response = app
            .router
            .clone()
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
    }
    // The same request from the page itself goes through.
    let request = Request::post("/api/keys/create")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &app.session)
        .header("origin", "http://127.0.0.1:3000")
        .header("host", "127.0.0.1:3000")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(
            json!({ "input": { "name": "ok", "restricted": false } }).to_string(),
        ))
        .unwrap();
    assert_eq!(
        app.router.clone().oneshot(request).await.unwrap().status(),
        StatusCode::OK
    );
    let (_, keys) = app.call("/api/keys/list", json!({})).await;
    let keys = keys["keys"].clone();
    let names: Vec<_> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("ok")]);
}

#[tokio::test]
async fn sign_in_attempts_are_throttled_per_account() {
    let app = TestApp::start(&backends()[0]).await;
    for _ in 0..10 {
        let (status, _, _) = app
            .call_with(
                None,
                "/api/auth/login",
                login_body("owner@a.example", "wrong password"),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body, cookie) = app
        .call_with(
            None,
            "/api/auth/login",
            login_body("owner@a.example", PASSWORD),
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::TOO_MANY_REQUESTS, json!("TooManyAttempts"))
    );
    assert!(cookie.is_none(), "even the right password waits");
    app.signup("owner@b.example", "Org B").await;
    let (status, _, _) = app
        .call_with(
            None,
            "/api/auth/login",
            login_body("owner@b.example", PASSWORD),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "another account is not affected");
}

#[tokio::test]
async fn settings_pages_redirect_signed_out_visitors_and_back() {
    let app = TestApp::start(&backends()[0]).await;
    let (status, location) = app.get_with(None, "/").await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(location, "/settings/api-keys");
    let (status, location) = app.get_with(None, "/settings/api-keys").await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(location, "/login?next=/settings/api-keys");
    let (status, html) = app.get("/settings/api-keys").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("owner@a.example") && html.contains("Sign out"));
    let (status, location) = app.get("/login").await;
    assert!(status.is_redirection());
    assert_eq!(location, "/settings/api-keys");
    // Signed in, a sign-in page sends on to where the sign-in was asked
    // for (where a plain form post of the sign-in form lands), never to
    // another site.
    let (status, location) = app.get("/login?next=%2Fsettings%2Fwebhooks").await;
    assert!(status.is_redirection());
    assert_eq!(location, "/settings/webhooks");
    let (_, location) = app.get("/login?next=https%3A%2F%2Fevil.example%2F").await;
    assert_eq!(location, "/settings/api-keys");
    let (status, html) = app.get_with(None, "/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sign in"));
    let (status, html) = app.get_with(None, "/signup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Create account") && html.contains("Organization name"));
}

#[tokio::test]
async fn sessions_end_thirty_days_after_sign_in_however_busy() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        assert_eq!(
            app.call("/api/keys/list", json!({})).await.0,
            StatusCode::OK
        );
        // Used a moment ago, but signed in 31 days ago.
        session::Entity::update_many()
            .col_expr(
                session::Column::CreatedAt,
                Expr::value(Utc::now() - Duration::days(31)),
            )
            .col_expr(session::Column::LastSeenAt, Expr::value(Utc::now()))
            .exec(&app.db)
            .await
            .unwrap();
        let (status, _) = app.call("/api/keys/list", json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            session::Entity::find()
                .all(&app.db)
                .await
                .unwrap()
                .is_empty(),
            "expired session removed"
        );
    }
}

#[tokio::test]
async fn idle_sessions_expire() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        session::Entity::update_many()
            .col_expr(
                session::Column::LastSeenAt,
                Expr::value(Utc::now() - Duration::days(8)),
            )
            .exec(&app.db)
            .await
            .unwrap();
        let (status, _) = app.call("/api/keys/list", json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            session::Entity::find()
                .all(&app.db)
                .await
                .unwrap()
                .is_empty(),
            "expired session removed"
        );
    }
}

#[tokio::test]
async fn by_default_the_session_cookie_is_secure_with_the_host_prefix() {
    let app = TestApp::start(&backends()[0]).await;
    let secure_state = app::server_fns::AppState {
        cookie_secure: true,
        ..app.state.clone()
    };
    let router = server::routes::router(secure_state, app.last_used.clone(), app.keys.clone());
    let request = Request::post("/api/auth/login")
        .header(header::CONTENT_TYPE, FORM)
        .body(Body::from(form_encoded(&login_body(
            "owner@a.example",
            PASSWORD,
        ))))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("__Host-keyward_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let list = |cookie: String| {
        Request::post("/api/keys/list")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, cookie)
            .body(Body::from("{}"))
            .unwrap()
    };
    let answer = router
        .clone()
        .oneshot(list(format!("__Host-keyward_session={token}")))
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    // The same token under the unprefixed name, as a plain-HTTP page or a
    // sibling host could plant it, is not a session here.
    let answer = router
        .oneshot(list(format!("keyward_session={token}")))
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_in_attempts_cannot_grow_the_throttle_without_bound() {
    let app = TestApp::start(&backends()[0]).await;
    // As the real server does, give the server functions a client address.
    let router = app
        .router
        .clone()
        .layer(axum::extract::connect_info::MockConnectInfo(
            std::net::SocketAddr::from(([203, 0, 113, 7], 40000)),
        ));
    let attempt = |email: String| {
        Request::post("/api/auth/login")
            .header(header::CONTENT_TYPE, FORM)
            .body(Body::from(form_encoded(&login_body(
                &email,
                "wrong password",
            ))))
            .unwrap()
    };
    // An email longer than any address is refused before it is counted.
    let long = format!("{}@example.com", "a".repeat(100_000));
    let response = router.clone().oneshot(attempt(long)).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.state.sign_in_throttle.tracked(), 0);
    // 5,000 attempts with distinct long emails from one address: after the
    // address's budget, attempts are refused without adding an entry.
    let mut refused = 0;
    for i in 0..5000 {
        let email = format!("{i}-{}@example.com", "x".repeat(230));
        if router
            .clone()
            .oneshot(attempt(email))
            .await
            .unwrap()
            .status()
            == StatusCode::TOO_MANY_REQUESTS
        {
            refused += 1;
        }
    }
    assert_eq!(
        refused,
        5000 - app::domain::auth::throttle::ATTEMPTS_PER_MINUTE
    );
    let tracked = app.state.sign_in_throttle.tracked();
    assert!(
        tracked <= app::domain::auth::throttle::ATTEMPTS_PER_MINUTE as usize + 1,
        "{tracked} entries held"
    );
}

#[tokio::test]
async fn sign_ups_are_throttled_per_client_address() {
    let app = TestApp::start(&backends()[0]).await;
    let from = |ip: [u8; 4]| {
        app.router
            .clone()
            .layer(axum::extract::connect_info::MockConnectInfo(
                std::net::SocketAddr::from((ip, 40000)),
            ))
    };
    let signup = |i: u32| {
        Request::post("/api/auth/signup")
            .header(header::CONTENT_TYPE, FORM)
            .body(Body::from(
                form_encoded(&json!({ "input": { "email": format!("new{i}@example.com"), "password": PASSWORD, "organization": "O" } })),
            ))
            .unwrap()
    };
    let busy = from([203, 0, 113, 9]);
    let budget = app::domain::auth::throttle::SIGNUPS_PER_MINUTE;
    for i in 0..budget {
        assert_eq!(
            busy.clone().oneshot(signup(i)).await.unwrap().status(),
            StatusCode::OK,
            "sign-up {i}"
        );
    }
    let refused = busy.oneshot(signup(budget)).await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another address still signs up.
    let other = from([203, 0, 113, 10])
        .oneshot(signup(budget + 1))
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn signing_up_again_signs_the_owner_in_and_tells_others_to_sign_in() {
    let app = TestApp::start(&backends()[0]).await;
    let again = |password: &str| json!({ "input": { "email": "owner@a.example", "password": password, "organization": "Again" } });
    let (status, _, cookie) = app
        .call_with(None, "/api/auth/signup", again(PASSWORD))
        .await;
    assert_eq!(status, StatusCode::OK, "the owner is signed in");
    let (status, me, _) = app
        .call_with(cookie.as_deref(), "/api/auth/me", json!({}))
        .await;
    assert_eq!(
        (status, me["organization"].clone()),
        (StatusCode::OK, json!("Org A")),
        "into the existing account"
    );
    let (status, body, cookie) = app
        .call_with(None, "/api/auth/signup", again("not the password at all"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"]["field"], "email");
    assert!(cookie.is_none());
    assert_eq!(
        user::Entity::find().all(&app.db).await.unwrap().len(),
        1,
        "no second account"
    );
}

#[tokio::test]
async fn signing_up_with_a_taken_email_counts_against_that_accounts_sign_in_budget() {
    let app = TestApp::start(&backends()[0]).await;
    // Password guesses through sign-up, each from another address, as a
    // botnet would send them: the account-wide budget still runs out. It is
    // set to one address's budget here, for 10 password checks, not 100.
    let budget = app::domain::auth::throttle::ATTEMPTS_PER_MINUTE;
    let base = router_with_account_ceiling(&app, budget);
    let mut statuses = Vec::new();
    for i in 0..=budget {
        let router = base
            .clone()
            .layer(axum::extract::connect_info::MockConnectInfo(
                std::net::SocketAddr::from(([198, 51, 100, i as u8 + 1], 40000)),
            ));
        let guess = json!({ "input": { "email": "owner@a.example", "password": format!("guess number {i}"), "organization": "X" } });
        let request = Request::post("/api/auth/signup")
            .header(header::CONTENT_TYPE, FORM)
            .body(Body::from(form_encoded(&guess)))
            .unwrap();
        statuses.push(router.oneshot(request).await.unwrap().status());
    }
    assert!(
        statuses[..budget as usize]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    assert_eq!(
        statuses[budget as usize],
        StatusCode::TOO_MANY_REQUESTS,
        "{statuses:?}"
    );
}

/// Before hydration the sign-in form posts as plain HTML: the answer is a
/// redirect back to the page, with the error in the query on failure (not
/// a 401 page), and without it, signed in, on success.
#[tokio::test]
async fn a_plain_form_post_is_answered_with_a_redirect() {
    let app = TestApp::start(&backends()[0]).await;
    let page = "http://127.0.0.1:3000/login?next=%2Fsettings%2Fwebhooks";
    let post = |password: &str| {
        Request::post("/api/auth/login")
            .header(header::CONTENT_TYPE, FORM)
            .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
            .header(header::REFERER, page)
            .body(Body::from(form_encoded(&login_body(
                "owner@a.example",
                password,
            ))))
            .unwrap()
    };
    let refused = app
        .router
        .clone()
        .oneshot(post("wrong password"))
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FOUND);
    let back = refused.headers()[header::LOCATION].to_str().unwrap();
    assert!(back.starts_with(page) && back.contains("__err="), "{back}");
    assert!(refused.headers().get(header::SET_COOKIE).is_none());

    let accepted = app.router.clone().oneshot(post(PASSWORD)).await.unwrap();
    assert_eq!(accepted.status(), StatusCode::FOUND);
    assert_eq!(accepted.headers()[header::LOCATION], page);
    assert!(accepted.headers().get(header::SET_COOKIE).is_some());
}

/// A sign-in from `peer` (as the real server sees its client): the status,
/// the JSON answer, and whether a session cookie was set.
async fn sign_in_from(
    router: &axum::Router,
    peer: [u8; 4],
    email: &str,
    password: &str,
) -> (StatusCode, Value, bool) {
    let mut request = Request::post("/api/auth/login")
        .header(header::CONTENT_TYPE, FORM)
        .header(header::ACCEPT, "application/json")
        .body(Body::from(form_encoded(&login_body(email, password))))
        .unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            peer, 40000,
        ))));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let signed_in = response.headers().contains_key(header::SET_COOKIE);
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap(), signed_in)
}

fn is_too_many_attempts(answer: &(StatusCode, Value, bool)) -> bool {
    let message = serde_json::from_value::<app::model::error::AppError>(answer.1.clone())
        .map(|err| err.to_string())
        .unwrap_or_default();
    answer.0 == StatusCode::TOO_MANY_REQUESTS
        && message == "Too many attempts. Wait a minute, then try again."
        && !answer.2
}

#[tokio::test]
async fn wrong_passwords_from_one_network_do_not_lock_the_owner_out_elsewhere() {
    let app = TestApp::start(&backends()[0]).await;
    let attacker = [203, 0, 113, 7];
    for _ in 0..app::domain::auth::throttle::ATTEMPTS_PER_MINUTE {
        let (status, _, _) =
            sign_in_from(&app.router, attacker, "owner@a.example", "wrong password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The owner, from the address next door (as in the report: 127.0.0.2
    // guessed, 127.0.0.3 was refused) and from far away, signs in.
    for owner in [[203, 0, 113, 8], [198, 51, 100, 7]] {
        let (status, body, signed_in) =
            sign_in_from(&app.router, owner, "owner@a.example", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "the owner, from {owner:?}: {body}");
        assert!(signed_in);
    }
    // The guessing address still waits, even with the right password.
    let answer = sign_in_from(&app.router, attacker, "owner@a.example", PASSWORD).await;
    assert!(is_too_many_attempts(&answer), "{attacker:?}: {answer:?}");
}

#[tokio::test]
async fn the_account_wide_ceiling_holds_across_many_networks() {
    let app = TestApp::start(&backends()[0]).await;
    // A ceiling of 20 rather than the default 100, for 20 password
    // checks instead of 100 (the throttle's unit tests use the default),
    // on a clock that stands still like the test app's.
    let router = router_with_account_ceiling(&app, 20);
    let logged_before = failed_sign_in_entries(&app).await;
    // One guess from each of 20 networks.
    for i in 0..20 {
        let (status, _, _) = sign_in_from(
            &router,
            [198, 18, i, 1],
            "owner@a.example",
            "wrong password",
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "network {i}");
    }
    let answer = sign_in_from(&router, [198, 19, 0, 1], "owner@a.example", PASSWORD).await;
    assert!(
        is_too_many_attempts(&answer),
        "a network that never guessed: {answer:?}"
    );
    app.signup("owner@b.example", "Org B").await;
    let (status, _, _) = sign_in_from(&router, [198, 19, 0, 1], "owner@b.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "another account is not affected");
    // The audit log got the first ten failures of the minute, not all 20.
    assert_eq!(
        failed_sign_in_entries(&app).await - logged_before,
        u64::from(app::domain::auth::throttle::LOGGED_FAILURES_PER_MINUTE)
    );
}

/// The app's router with a sign-in throttle whose account-wide ceiling is
/// `per_account` (the default is 100 password checks), on a clock that
/// stands still like the test app's.
fn router_with_account_ceiling(app: &TestApp, per_account: u32) -> axum::Router {
    let limits = Limits {
        per_account,
        ..Limits::default()
    };
    let throttle = SignInThrottle::with_limits_and_clock(limits, ManualClock::default());
    let state = app::server_fns::AppState {
        sign_in_throttle: std::sync::Arc::new(throttle),
        ..app.state.clone()
    };
    server::routes::router(state, app.last_used.clone(), app.keys.clone())
}

async fn failed_sign_in_entries(app: &TestApp) -> u64 {
    use app::domain::entities::audit_entry;
    use sea_orm::PaginatorTrait;
    audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq(app::model::audit::AuditAction::SignInFailed))
        .count(&app.db)
        .await
        .unwrap()
}
