//! Expiry notices on every backend: `key_expiring` 7 days and 1 day before
//! a key expires and `key_expired` once it has, each queued once however
//! many instances look at the same moment; a new expiry starts over.

mod common;

use app::domain::entities::{api_key, webhook_delivery};
use app::domain::keys::notices::send_due;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::{TestApp, backends};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

async fn create(app: &TestApp, name: &str, expires_at: DateTime<Utc>) -> i64 {
    let (id, _) = app.full_key(name).await;
    set_expiry(app, id, expires_at).await;
    id
}

async fn set_expiry(app: &TestApp, id: i64, at: DateTime<Utc>) {
    api_key::Entity::update_many()
        .col_expr(api_key::Column::ExpiresAt, Expr::value(Some(at)))
        .filter(api_key::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
}

/// The queued notices: (event, key name, within_days).
async fn notices(app: &TestApp) -> Vec<(String, String, Value)> {
    webhook_delivery::Entity::find()
        .order_by_asc(webhook_delivery::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| {
            let body: Value = serde_json::from_str(&d.body).unwrap();
            assert_eq!(body["event"], d.event.as_str());
            let key = &body["key"];
            assert!(key["display"].as_str().unwrap().starts_with("key_"));
            assert!(key["expires_at"].is_i64());
            (
                d.event,
                key["name"].as_str().unwrap().to_owned(),
                key["within_days"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn each_notice_is_queued_once_across_two_instances() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let replica = app.replica().await;
        let (status, _) = app
            .call(
                "/api/webhooks/save-url",
                json!({ "url": "https://hooks.example/keys" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let now = Utc::now();
        let week = create(&app, "in six days", now + Duration::days(6)).await;
        create(&app, "in twelve hours", now + Duration::hours(12)).await;
        create(&app, "an hour ago", now - Duration::hours(1)).await;
        create(&app, "in a month", now + Duration::days(30)).await;
        create(&app, "long gone", now - Duration::days(30)).await;

        // Both instances look at the same moment: three notices, once each.
        let (a, b) = tokio::join!(send_due(&app.db, now), send_due(&replica.db, now));
        assert_eq!(a.unwrap() + b.unwrap(), 3, "{}", app.backend);
        let mut got = notices(&app).await;
        got.sort_by_key(|(event, name, _)| (event.clone(), name.clone()));
        assert_eq!(
            got,
            [
                ("key_expired".into(), "an hour ago".into(), Value::Null),
                ("key_expiring".into(), "in six days".into(), json!(7)),
                ("key_expiring".into(), "in twelve hours".into(), json!(1)),
            ],
            "{}",
            app.backend
        );
        assert_eq!(send_due(&app.db, now).await.unwrap(), 0);

        // Five days on, the six-day key is a day away: its 1-day notice.
        let later = now + Duration::days(5) + Duration::hours(1);
        let (a, b) = tokio::join!(send_due(&app.db, later), send_due(&replica.db, later));
        assert_eq!(
            a.unwrap() + b.unwrap(),
            2,
            "{}: and the twelve-hour key expired",
            app.backend
        );

        // A new expiry starts over.
        set_expiry(&app, week, now + Duration::days(3)).await;
        assert_eq!(send_due(&app.db, now).await.unwrap(), 1);
        let last = notices(&app).await.pop().unwrap();
        assert_eq!(
            last,
            ("key_expiring".into(), "in six days".into(), json!(7))
        );
    }
}

#[tokio::test]
async fn an_organization_without_a_webhook_url_gets_nothing_queued() {
    let app = TestApp::start(&backends()[0]).await;
    let now = Utc::now();
    create(&app, "soon", now + Duration::hours(2)).await;
    send_due(&app.db, now).await.unwrap();
    assert!(notices(&app).await.is_empty());
    // Marked all the same: a URL saved later does not bring old notices.
    assert_eq!(send_due(&app.db, now).await.unwrap(), 0);
}
