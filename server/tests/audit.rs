//! The audit log, end to end through the router, on every configured
//! backend: what each change writes, that an entry and its change commit
//! together or not at all, paging, the key filter, the CSV, isolation
//! between organizations and retention.

mod common;

use std::io::Read;
use std::net::SocketAddr;

use app::domain::OrgId;
use app::domain::audit::store::{self, Actor, Subject};
use app::domain::entities::{api_key, audit_entry};
use app::model::audit::{AuditAction, AuditQuery, DELETED_KEY_CHOICES, PAGE_SIZE};
use app::model::keys::KeyId;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::{Duration, Utc};
use common::{FORM, PASSWORD, TestApp, backends, form_encoded};
use http_body_util::BodyExt;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde_json::{Value, json};
use tower::ServiceExt;

const OWNER: &str = "owner@a.example";

async fn create(app: &TestApp, name: &str) -> i64 {
    let (status, body) = app
        .call(
            "/api/keys/create",
            json!({ "input": { "name": name, "restricted": false } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);
    body["id"].as_i64().unwrap()
}

/// A page of an organization's log, as the store reads it.
async fn page_of(app: &TestApp, org: OrgId, query: Value) -> Value {
    let query: AuditQuery = serde_json::from_value(query).unwrap();
    serde_json::to_value(store::page(&app.db, org, query).await.unwrap()).unwrap()
}

async fn page(app: &TestApp, query: Value) -> Value {
    page_of(app, app.org().await, query).await
}

/// A page of the log as the page gets it: HTML rendered by the server
/// function for the account behind `cookie`.
async fn rendered(app: &TestApp, cookie: &str, query: Value) -> String {
    let (status, body, _) = app
        .call_with(Some(cookie), "/api/audit/page", json!({ "query": query }))
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);
    body.as_str().unwrap().to_owned()
}

/// (action, key name, detail) of each entry on the first page, newest first.
async fn entries(app: &TestApp) -> Vec<(String, String, String)> {
    page(app, json!({}))
        .await
        .get("entries")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["key_name"].as_str().unwrap_or_default().to_owned(),
                e["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn entry(action: &str, key: &str, detail: &str) -> (String, String, String) {
    (action.to_owned(), key.to_owned(), detail.to_owned())
}

async fn count(app: &TestApp) -> u64 {
    audit_entry::Entity::find().count(&app.db).await.unwrap()
}

#[tokio::test]
async fn each_change_writes_one_entry_with_its_before_and_after() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        assert_eq!(
            entries(&app).await,
            vec![entry("signed_in", "", "Account created")],
            "{}",
            app.backend
        );
        let ci = create(&app, "ci").await;
        let other = create(&app, "other").await;
        // One edit that renames, restricts and sets an expiry: three entries.
        let (status, body) = app
            .call(
                "/api/keys/update",
                json!({ "id": ci, "input": { "name": "ci-read", "restricted": true,
                    "levels": { "history": "read" },
                    "expires": { "kind": "on_date", "date": "2030-01-01" } } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Saving it unchanged records nothing.
        let (status, _) = app
            .call(
                "/api/keys/update",
                json!({ "id": ci, "input": { "name": "ci-read", "restricted": true,
                    "levels": { "history": "read" } } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app
            .call("/api/keys/roll", json!({ "id": ci, "grace": "one_hour" }))
            .await;
        assert_eq!(status, StatusCode::OK);
        for id in [other, ci, ci] {
            let (status, _) = app.call("/api/keys/set-webhook", json!({ "id": id })).await;
            assert_eq!(status, StatusCode::OK);
        }
        for url in [
            "https://hooks.a.example/one",
            "https://hooks.a.example/one",
            "https://hooks.a.example/two",
        ] {
            let (status, _, _) = app
                .call_with(
                    Some(&app.session),
                    "/api/webhooks/save-url",
                    json!({ "url": url }),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
        }
        let (status, _) = app.call("/api/keys/delete", json!({ "id": other })).await;
        assert_eq!(status, StatusCode::OK);

        assert_eq!(
            entries(&app).await,
            vec![
                entry("key_deleted", "other", ""),
                entry(
                    "webhook_url_changed",
                    "",
                    "https://hooks.a.example/one → https://hooks.a.example/two"
                ),
                entry(
                    "webhook_url_changed",
                    "",
                    "None → https://hooks.a.example/one"
                ),
                // Set again while it already is: no change, no entry.
                entry("webhook_key_set", "ci-read", "Instead of “other”"),
                entry("webhook_key_set", "other", ""),
                entry("key_rolled", "ci-read", "Old key stops working: In 1 hour"),
                entry("expiry_changed", "ci-read", "Never → Jan 1, 2030 00:00 UTC"),
                entry(
                    "restrictions_changed",
                    "ci-read",
                    "Full access → History: Read"
                ),
                entry("key_renamed", "ci-read", "“ci” → “ci-read”"),
                entry(
                    "key_created",
                    "other",
                    "Access: Full access. Expires: Never."
                ),
                entry("key_created", "ci", "Access: Full access. Expires: Never."),
                entry("signed_in", "", "Account created"),
            ],
            "{}",
            app.backend
        );
        let first = page(&app, json!({})).await;
        for e in first["entries"].as_array().unwrap() {
            assert_eq!(e["who"], OWNER, "{e}");
        }
        // The page's HTML names them, and escapes what people typed.
        create(&app, "<script>alert(1)</script>").await;
        let html = rendered(&app, &app.session, json!({})).await;
        assert!(html.contains("Full access → History: Read"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
    }
}

/// A sign-in request from `peer`, as `serve` would hand it to the router.
async fn sign_in_from(app: &TestApp, peer: &str, email: &str, password: &str) -> StatusCode {
    let mut request = Request::post("/api/auth/login")
        .header(header::CONTENT_TYPE, FORM)
        .header(header::ACCEPT, "application/json")
        .body(Body::from(form_encoded(
            &json!({ "input": { "email": email, "password": password } }),
        )))
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    app.send(request).await.0
}

#[tokio::test]
async fn sign_ins_and_failed_sign_ins_are_logged_with_the_client_address() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let before = count(&app).await;
        assert_eq!(
            sign_in_from(&app, "198.51.100.7:4000", OWNER, "wrong password").await,
            StatusCode::UNAUTHORIZED
        );
        // No account: no organization's log to write in.
        assert_eq!(
            sign_in_from(&app, "198.51.100.7:4000", "nobody@a.example", PASSWORD).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(count(&app).await, before + 1, "{}", app.backend);
        assert_eq!(
            sign_in_from(&app, "[2001:db8::5]:4000", OWNER, PASSWORD).await,
            StatusCode::OK
        );
        let first = page(&app, json!({})).await;
        let got: Vec<(String, String, String, String)> = first["entries"]
            .as_array()
            .unwrap()
            .iter()
            .take(2)
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_owned(),
                    e["who"].as_str().unwrap().to_owned(),
                    e["detail"].as_str().unwrap().to_owned(),
                    e["client_address"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let row = |a: &str, d: &str, ip: &str| (a.into(), OWNER.into(), d.into(), ip.into());
        assert_eq!(
            got,
            vec![
                row("signed_in", "", "2001:db8::5"),
                row("sign_in_failed", "Wrong password", "198.51.100.7"),
            ],
            "{}",
            app.backend
        );
    }
}

/// Makes every write that matches `when` fail inside the database, as a
/// broken constraint would.
async fn fail_writes(app: &TestApp, table: &str, event: &str, when: &str) {
    let name = format!("forced_failure_{table}");
    let statements = match app.db.get_database_backend() {
        DatabaseBackend::Postgres => vec![
            "CREATE OR REPLACE FUNCTION forced_failure() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$ LANGUAGE plpgsql".to_owned(),
            format!("CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION forced_failure()"),
        ],
        _ => vec![format!(
            "CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {when} BEGIN SELECT RAISE(ABORT, 'forced failure'); END"
        )],
    };
    for sql in statements {
        app.db.execute_unprepared(&sql).await.unwrap();
    }
}

#[tokio::test]
async fn a_change_and_its_entry_commit_together_or_not_at_all() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let id = create(&app, "ci").await;
        let entries_before = count(&app).await;

        // The change fails: no entry.
        fail_writes(&app, "api_keys", "UPDATE", "NEW.name = 'boom'").await;
        let (status, _) = app
            .call(
                "/api/keys/update",
                json!({ "id": id, "input": { "name": "boom", "restricted": false } }),
            )
            .await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{}", app.backend);
        assert_eq!(count(&app).await, entries_before, "{}", app.backend);

        // The entry fails: no change, for every audited action.
        fail_writes(&app, "audit_log", "INSERT", "1 = 1").await;
        let refused = [
            (
                "/api/keys/update",
                json!({ "id": id, "input": { "name": "renamed", "restricted": false } }),
            ),
            (
                "/api/keys/create",
                json!({ "input": { "name": "new", "restricted": false } }),
            ),
            ("/api/keys/roll", json!({ "id": id, "grace": "now" })),
            ("/api/keys/set-webhook", json!({ "id": id })),
            ("/api/keys/delete", json!({ "id": id })),
            (
                "/api/webhooks/save-url",
                json!({ "url": "https://hooks.a.example/" }),
            ),
        ];
        let key_before = api_key::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        for (path, body) in refused {
            let (status, _, _) = app.call_with(Some(&app.session), path, body).await;
            assert_eq!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{path} on {}",
                app.backend
            );
        }
        let keys = api_key::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(keys, vec![key_before], "{}", app.backend);
        let (_, overview) = app.call("/api/webhooks/overview", json!({})).await;
        assert_eq!(overview["url"], Value::Null, "{}", app.backend);
        // A sign-in whose entry cannot be written does not sign in.
        assert_eq!(
            sign_in_from(&app, "198.51.100.7:4000", OWNER, PASSWORD).await,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(count(&app).await, entries_before, "{}", app.backend);
    }
}

/// Writes `n` entries about `key` for the owner's organization directly.
async fn write_entries(app: &TestApp, org: OrgId, key: Option<(i64, &str)>, n: usize) {
    let actor = Actor::user(OWNER, None);
    for i in 0..n {
        store::record(
            &app.db,
            org,
            &actor,
            AuditAction::KeyRenamed,
            key.map(|(id, name)| Subject {
                id: KeyId(id),
                name,
            }),
            format!("entry {i}"),
        )
        .await
        .unwrap();
    }
}

fn details(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["detail"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn pages_of_fifty_newest_first_with_next_previous_and_the_key_filter() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        // The sign-up's entry, then 120 more: three pages.
        write_entries(&app, org, Some((77, "seventy-seven")), 120).await;
        write_entries(&app, org, Some((78, "other")), 3).await;
        let filtered = json!({ "key": 77 });
        let first = page(&app, filtered.clone()).await;
        let size = PAGE_SIZE as usize;
        assert_eq!(details(&first).len(), size);
        assert_eq!(details(&first)[0], "entry 119", "{}", app.backend);
        assert_eq!(first["newer"], Value::Null);
        let second = page(&app, first["older"].clone()).await;
        assert_eq!(details(&second)[0], "entry 69");
        let third = page(&app, second["older"].clone()).await;
        assert_eq!(
            details(&third),
            (0..20)
                .rev()
                .map(|i| format!("entry {i}"))
                .collect::<Vec<_>>()
        );
        assert_eq!(third["older"], Value::Null, "no page after the last");
        // Previous from the last page is the second page again.
        let back = page(&app, third["newer"].clone()).await;
        assert_eq!(details(&back), details(&second));
        assert_eq!(back["newer"]["key"], 77, "paging keeps the filter");
        let top = page(&app, back["newer"].clone()).await;
        assert_eq!(details(&top), details(&first));
        assert_eq!(top["newer"], Value::Null);

        // Unfiltered: the other key's entries first, the sign-up last.
        let all = page(&app, json!({})).await;
        assert_eq!(details(&all)[..3], ["entry 2", "entry 1", "entry 0"]);
        // The filter offers the keys the log names that were deleted, and
        // the live ones.
        let gone = create(&app, "gone").await;
        let (status, _) = app.call("/api/keys/delete", json!({ "id": gone })).await;
        assert_eq!(status, StatusCode::OK);
        let kept = create(&app, "kept").await;
        let choices = page(&app, json!({})).await["keys"].clone();
        assert_eq!(
            choices,
            json!([
                { "id": kept, "name": "kept", "deleted": false },
                { "id": gone, "name": "gone", "deleted": true },
            ]),
            "{}",
            app.backend
        );
    }
}

#[tokio::test]
async fn the_key_filter_offers_only_the_most_recently_deleted_keys() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        let live = create(&app, "live").await;
        // More deleted keys than the filter offers, deleted in id order
        // (the newest last).
        let extra = 20;
        let deleted = DELETED_KEY_CHOICES as i64 + extra;
        let entries = (0..deleted).map(|i| audit_entry::ActiveModel {
            organization_id: Set(org.0),
            at: Set(Utc::now()),
            actor: Set(OWNER.into()),
            action: Set(AuditAction::KeyDeleted),
            api_key_id: Set(Some(10_000 + i)),
            key_name: Set(Some(format!("gone-{i:03}"))),
            detail: Set(String::new()),
            ..Default::default()
        });
        audit_entry::Entity::insert_many(entries)
            .exec(&app.db)
            .await
            .unwrap();
        let choices = page(&app, json!({})).await["keys"].clone();
        let choices = choices.as_array().unwrap();
        let offered: Vec<i64> = choices
            .iter()
            .filter(|c| c["deleted"] == true)
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(
            offered,
            (10_000 + extra..10_000 + deleted).collect::<Vec<_>>(),
            "{}: the newest {DELETED_KEY_CHOICES}, by name",
            app.backend
        );
        assert_eq!(choices[0]["id"], live, "live keys first");
        // An older deleted key is still a filter by its id.
        let older = page(&app, json!({ "key": 10_000 })).await;
        assert_eq!(older["entries"][0]["key_name"], "gone-000");
    }
}

#[tokio::test]
async fn organizations_see_none_of_each_others_entries() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let a_key = create(&app, "a-key").await;
        let b = app.signup("owner@b.example", "Org B").await;
        let b_page = page_of(&app, app.org_of("owner@b.example").await, json!({})).await;
        let whos: Vec<&str> = b_page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["who"].as_str().unwrap())
            .collect();
        assert_eq!(whos, vec!["owner@b.example"], "{}", app.backend);
        assert_eq!(b_page["keys"], json!([]));
        // What B's page shows; asking for A's key by id finds nothing.
        let html = rendered(&app, &b, json!({})).await;
        assert!(html.contains("owner@b.example"), "{html}");
        assert!(!html.contains(OWNER) && !html.contains("a-key"), "{html}");
        let probe = rendered(&app, &b, json!({ "key": a_key })).await;
        assert!(probe.contains("No entries for this key."), "{probe}");
        assert!(!probe.contains("a-key"), "{probe}");
        let (status, csv) = app
            .get_with(
                Some(&b),
                &format!("{}?key={a_key}", app::model::audit::CSV_PATH),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(csv.lines().count(), 1, "the header only: {csv}");
        // Signed out: no page, and the download goes to sign-in.
        let (status, _, _) = app
            .call_with(None, "/api/audit/page", json!({ "query": {} }))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, location) = app.get_with(None, app::model::audit::CSV_PATH).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.starts_with("/login?next="), "{location}");
    }
}

#[tokio::test]
async fn the_csv_holds_every_entry_of_the_filter_and_refuses_a_bad_key() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        // More than one batch of the export.
        write_entries(&app, org, Some((5, "=cmd|' /C calc'!A0")), 1203).await;
        let (status, csv) = app.get(app::model::audit::CSV_PATH).await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines[0], "Time (UTC),Who,What,Key,Details,Client address");
        assert_eq!(lines.len(), 1 + 1203 + 1, "header, entries, sign-up");
        assert!(lines[1].contains(",owner@a.example,Key renamed,'=cmd|' /C calc'!A0,entry 1202,"));
        assert!(lines[1203].contains("entry 0"));
        assert!(lines[1204].contains("Signed in"));
        // Compressed, as a browser asks for it: the whole stream, read once.
        let request = Request::get(app::model::audit::CSV_PATH)
            .header(header::COOKIE, &app.session)
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        let gzipped = response.into_body().collect().await.unwrap().to_bytes();
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gzipped[..])
            .read_to_string(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, csv, "{}", app.backend);
        let (_, filtered) = app
            .get(&format!("{}?key=5", app::model::audit::CSV_PATH))
            .await;
        assert_eq!(
            filtered.split("\r\n").filter(|l| !l.is_empty()).count(),
            1204
        );

        let (status, body) = app
            .get(&format!("{}?key=five", app::model::audit::CSV_PATH))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["Invalid"]["field"], "key", "{body}");
    }
}

#[tokio::test]
async fn entries_older_than_the_retention_are_pruned() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        let now = Utc::now();
        for days in [100, 91, 89, 10] {
            audit_entry::ActiveModel {
                organization_id: Set(org.0),
                at: Set(now - Duration::days(days)),
                actor: Set(OWNER.into()),
                action: Set(AuditAction::SignedIn),
                detail: Set(format!("{days} days ago")),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .unwrap();
        }
        assert_eq!(store::prune(&app.db, now, 90).await.unwrap(), 2);
        let left: Vec<String> = audit_entry::Entity::find()
            .filter(audit_entry::Column::Detail.contains("days ago"))
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.detail)
            .collect();
        assert_eq!(left, vec!["89 days ago", "10 days ago"], "{}", app.backend);
        assert_eq!(store::prune(&app.db, now, 30).await.unwrap(), 1);
    }
}
