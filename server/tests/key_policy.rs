//! The key policy, end to end through the router on every backend: only
//! Admins save it, each save is audited; every path that sets an expiry
//! (create, edit, roll) keeps to the maximum lifetime, and create and edit
//! to required restriction; keys made before it keep working, marked
//! Outside policy until edited; it holds on a second instance at once and
//! stays within its organization.

mod common;

use app::model::audit::{AuditAction, AuditQuery};
use app::model::key_policy::{
    RESTRICTED_REQUIRED, UNKNOWN_LIFETIME, lifetime_refusal, policy_fields,
};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::{TestApp, backends};
use serde_json::{Value, json};

/// Saves a policy as `cookie` (the owner, an Admin, when `None`).
async fn save_policy(
    app: &TestApp,
    cookie: Option<&str>,
    max_lifetime: &str,
    require_restricted: bool,
) -> (StatusCode, Value) {
    // The names the page's form posts: the server function must read them.
    let mut form = json!({});
    form[policy_fields::MAX_LIFETIME] = json!(max_lifetime);
    if require_restricted {
        form[policy_fields::REQUIRE_RESTRICTED] = json!("on");
    }
    let cookie = cookie.unwrap_or(&app.session).to_owned();
    let (status, body, _) = app.call_with(Some(&cookie), "/api/keys/policy", form).await;
    (status, body)
}

/// Creates a key with `expires` (absent when `Null`) and `restricted`.
async fn create(
    app: &TestApp,
    name: &str,
    restricted: bool,
    expires: Value,
) -> (StatusCode, Value) {
    let mut input = json!({ "name": name, "restricted": restricted });
    if !expires.is_null() {
        input["expires"] = expires;
    }
    app.call("/api/keys/create", json!({ "input": input }))
        .await
}

async fn created(app: &TestApp, name: &str, restricted: bool, expires: Value) -> (i64, String) {
    let (status, body) = create(app, name, restricted, expires).await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);
    (
        body["id"].as_i64().unwrap(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn update(app: &TestApp, id: i64, restricted: bool, expires: Value) -> (StatusCode, Value) {
    let mut input = json!({ "name": "edited", "restricted": restricted });
    if !expires.is_null() {
        input["expires"] = expires;
    }
    app.call("/api/keys/update", json!({ "id": id, "input": input }))
        .await
}

async fn roll(app: &TestApp, id: i64, expires: Value) -> (StatusCode, Value) {
    let mut body = json!({ "id": id, "grace": "now" });
    if !expires.is_null() {
        body["expires"] = expires;
    }
    app.call("/api/keys/roll", body).await
}

/// The list's entry for a key.
async fn listed(app: &TestApp, id: i64) -> Value {
    let found = app.listed_key(id).await;
    found.unwrap_or_else(|| panic!("{id} is not listed"))
}

#[track_caller]
fn refused(answer: (StatusCode, Value), field: &str, message: &str) {
    let (status, body) = answer;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["Invalid"]["field"], field, "{body}");
    assert_eq!(body["Invalid"]["message"], message, "{body}");
}

fn days(n: u32) -> Value {
    json!({ "kind": "in_days", "days": n })
}

fn on_date(in_days: i64) -> Value {
    let date = (Utc::now() + Duration::days(in_days)).date_naive();
    json!({ "kind": "on_date", "date": date.to_string() })
}

#[tokio::test]
async fn only_admins_save_the_policy_and_each_change_is_audited() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let dev = app.member("dev@a.example", "developer").await;
        let viewer = app.member("viewer@a.example", "member").await;
        for (cookie, role) in [(&dev, "Developer"), (&viewer, "Member")] {
            let (status, body) = save_policy(&app, Some(cookie), "30", true).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            assert_eq!(
                body["Forbidden"],
                format!("Your role ({role}) cannot change the key policy."),
                "{body}"
            );
            let (_, list, _) = app
                .call_with(Some(cookie), "/api/keys/list", json!({}))
                .await;
            assert_eq!(list["may_set_policy"], false, "{list}");
            assert_eq!(list["policy"]["max_lifetime"], "none", "{list}");
        }
        refused(
            save_policy(&app, None, "45", false).await,
            policy_fields::MAX_LIFETIME,
            UNKNOWN_LIFETIME,
        );

        let (status, body) = save_policy(&app, None, "30", true).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Saved again unchanged: no second entry.
        save_policy(&app, None, "30", true).await;
        let (_, list) = app.call("/api/keys/list", json!({})).await;
        assert_eq!(list["may_set_policy"], true, "{list}");
        assert_eq!(
            list["policy"],
            json!({ "max_lifetime": "30", "require_restricted": true })
        );
        // Everyone sees it.
        let (_, seen, _) = app
            .call_with(Some(&viewer), "/api/keys/list", json!({}))
            .await;
        assert_eq!(seen["policy"], list["policy"]);

        let page = app::domain::audit::store::page(&app.db, app.org().await, AuditQuery::default())
            .await
            .unwrap();
        let changes: Vec<(&str, &str)> = page
            .entries
            .iter()
            .filter(|e| e.action == AuditAction::KeyPolicyChanged)
            .map(|e| (e.who.as_str(), e.detail.as_str()))
            .collect();
        assert_eq!(
            changes,
            [(
                "owner@a.example",
                "Maximum key lifetime: No maximum; restricted keys not required → Maximum key lifetime: 30 days; restricted keys required"
            )]
        );

        // Another organization's policy is its own.
        let other = app.signup("owner@b.example", "B").await;
        let (_, theirs, _) = app
            .call_with(Some(&other), "/api/keys/list", json!({}))
            .await;
        assert_eq!(theirs["policy"]["max_lifetime"], "none", "{theirs}");
        let (status, body, _) = app
            .call_with(
                Some(&other),
                "/api/keys/create",
                json!({ "input": { "name": "free", "restricted": false } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test]
async fn create_edit_and_roll_keep_to_the_maximum_lifetime() {
    let thirty_days = lifetime_refusal(30);
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (old, old_secret) = created(&app, "old", false, Value::Null).await;
        let (older, _) = created(&app, "older", false, days(90)).await;
        assert_eq!(save_policy(&app, None, "30", false).await.0, StatusCode::OK);

        // Create: nothing past 30 days, on either field.
        refused(
            create(&app, "k", false, json!({ "kind": "never" })).await,
            "expires",
            &thirty_days,
        );
        refused(
            create(&app, "k", false, Value::Null).await,
            "expires",
            &thirty_days,
        );
        refused(
            create(&app, "k", false, days(90)).await,
            "expires",
            &thirty_days,
        );
        refused(
            create(&app, "k", false, on_date(45)).await,
            "expiry_date",
            &thirty_days,
        );
        let (month, _) = created(&app, "month", false, days(30)).await;
        created(&app, "dated", false, on_date(20)).await;
        assert_eq!(listed(&app, month).await["outside_policy"], json!([]));

        // Made before the policy: marked, and still working.
        assert_eq!(
            listed(&app, old).await["outside_policy"],
            json!(["lifetime"])
        );
        assert_eq!(
            listed(&app, older).await["outside_policy"],
            json!(["lifetime"])
        );
        let (status, _) = app
            .api("GET", "/get-api-key-info", Some(&old_secret), None)
            .await;
        assert_eq!(status, StatusCode::OK);

        // Edit: keeping an expiry outside the policy is refused; a new
        // one within it brings the key in.
        refused(
            update(&app, old, false, Value::Null).await,
            "expires",
            &thirty_days,
        );
        refused(
            update(&app, old, false, json!({ "kind": "never" })).await,
            "expires",
            &thirty_days,
        );
        let (status, body) = update(&app, old, false, days(7)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(listed(&app, old).await["outside_policy"], json!([]));
        // A key within the policy keeps its expiry on a plain rename.
        let (status, body) = update(&app, month, false, Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Roll: the same, and the new expiry is audited.
        refused(
            roll(&app, older, Value::Null).await,
            "expires",
            &thirty_days,
        );
        refused(
            roll(&app, older, on_date(31)).await,
            "expiry_date",
            &thirty_days,
        );
        let (status, body) = roll(&app, older, days(30)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let rolled = listed(&app, older).await;
        assert_eq!(rolled["outside_policy"], json!([]), "{rolled}");
        let expires = rolled["expires_at"].as_i64().unwrap();
        let wanted = (Utc::now() + Duration::days(30)).timestamp_millis();
        assert!((expires - wanted).abs() < 60_000, "{rolled}");
        let (status, body) = roll(&app, month, Value::Null).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "a key within the policy rolls as it is: {body}"
        );
        let page = app::domain::audit::store::page(&app.db, app.org().await, AuditQuery::default())
            .await
            .unwrap();
        let expiry_changed = |name: &str| {
            page.entries.iter().any(|e| {
                e.action == AuditAction::ExpiryChanged && e.key_name.as_deref() == Some(name)
            })
        };
        assert!(expiry_changed("older"), "{:?}", page.entries);
        assert!(!expiry_changed("month"), "kept: {:?}", page.entries);
    }
}

#[tokio::test]
async fn required_restriction_refuses_full_access_on_create_and_edit_but_not_roll() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (full, _) = created(&app, "full", false, Value::Null).await;
        assert_eq!(
            save_policy(&app, None, "none", true).await.0,
            StatusCode::OK
        );

        refused(
            create(&app, "k", false, Value::Null).await,
            "restricted",
            RESTRICTED_REQUIRED,
        );
        let (restricted, _) = created(&app, "narrow", true, Value::Null).await;
        assert_eq!(listed(&app, restricted).await["outside_policy"], json!([]));
        assert_eq!(
            listed(&app, full).await["outside_policy"],
            json!(["unrestricted"])
        );

        refused(
            update(&app, full, false, Value::Null).await,
            "restricted",
            RESTRICTED_REQUIRED,
        );
        // A leaked key can always be rolled.
        let (status, body) = roll(&app, full, Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = update(&app, full, true, Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(listed(&app, full).await["outside_policy"], json!([]));
    }
}

/// The policy is read in each change's transaction, so a second instance
/// applies it from the moment it is saved.
#[tokio::test]
async fn a_saved_policy_holds_on_another_instance_at_once() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let replica = app.replica().await;
        assert_eq!(save_policy(&app, None, "90", false).await.0, StatusCode::OK);
        let (status, body) = replica
            .call_with(
                Some(&app.session),
                "/api/keys/create",
                json!({ "input": { "name": "k", "restricted": false, "expires": { "kind": "never" } } }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["Invalid"]["message"], lifetime_refusal(90));
    }
}

/// An Admin demoted while their save waited for the organization's row
/// may no longer set the policy: the role is asked again under the lock.
#[tokio::test]
async fn a_save_by_an_admin_demoted_meanwhile_is_refused() {
    use app::domain::keys::policy;
    use app::model::key_policy::{KeyPolicy, MaxLifetime};
    use app::model::members::UserId;
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let id = app.demoted_admin("second@a.example").await;
        let loose = KeyPolicy {
            max_lifetime: MaxLifetime::NoMaximum,
            require_restricted: false,
        };
        let actor = common::actor();
        let refused = policy::save(&app.db, app.org().await, (&actor, UserId(id)), loose).await;
        assert!(
            matches!(&refused, Err(app::domain::DomainError::Forbidden(m)) if m.contains("Developer")),
            "{refused:?}"
        );
    }
}

/// A policy saved at the same moment as a key is created applies wholly
/// before or wholly after it: the create waits for the organization's row
/// that the save holds, then reads the policy the save wrote.
#[tokio::test]
async fn a_create_waiting_on_a_policy_save_gets_the_saved_policy() {
    use app::domain::entities::organization;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        let save = app.db.begin().await.unwrap();
        organization::Entity::update_many()
            .col_expr(
                organization::Column::MaxKeyLifetimeDays,
                Expr::value(Some(30_i64)),
            )
            .filter(organization::Column::Id.eq(org.0))
            .exec(&save)
            .await
            .unwrap();
        let (router, cookie) = (app.router.clone(), app.session.clone());
        let create = tokio::spawn(async move {
            let never = json!({ "input": { "name": "racing", "restricted": false, "expires": { "kind": "never" } } });
            common::call_on(&router, Some(&cookie), "/api/keys/create", never).await
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!create.is_finished(), "{}: the create waits", app.backend);
        save.commit().await.unwrap();
        let (status, body, _) = create.await.unwrap();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {body}",
            app.backend
        );
        assert_eq!(body["Invalid"]["message"], lifetime_refusal(30));
    }
}
