//! The API Keys server functions, end to end through the router, on every
//! configured backend.

mod common;

use app::domain::OrgId;
use app::domain::entities::api_key;
use app::domain::keys::secret::ApiKeySecret;
use app::domain::keys::store;
use app::model::keys::KeySettings;
use app::model::permissions::{Access, Group, Level, Restrictions};
use axum::http::StatusCode;
use common::{TestApp, backends};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

async fn create(app: &TestApp, name: &str) -> Value {
    let (status, body) = app
        .call(
            "/api/keys/create",
            json!({ "input": { "name": name, "restricted": false } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);
    body
}

async fn list(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.call("/api/keys/list", json!({})).await;
    let body = body["keys"].clone();
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);
    body.as_array().unwrap().clone()
}

async fn other_org(app: &TestApp) -> OrgId {
    app.signup("owner@b.example", "Org B").await;
    app.org_of("owner@b.example").await
}

#[tokio::test]
async fn create_returns_the_secret_once_and_stores_only_digest_and_sealed_form() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let created = create(&app, "  Zapier  ").await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert!(ApiKeySecret::parse(&secret).is_ok(), "{secret}");
        assert_eq!(created["name"], "Zapier", "name is trimmed");
        // The answer is the new secret and what names it, not the summary:
        // the page reads the list again.
        let mut fields: Vec<_> = created.as_object().unwrap().keys().cloned().collect();
        fields.sort();
        assert_eq!(fields, ["id", "name", "secret"]);

        // The list never carries the secret.
        let listed = list(&app).await;
        assert_eq!(listed.len(), 1);
        assert!(!listed[0].to_string().contains(&secret));
        let display = listed[0]["display"].as_str().unwrap();
        assert!(
            display.starts_with(&secret[..8]) && display.ends_with(&secret[secret.len() - 4..])
        );

        // The row holds a digest and a sealed form, never the text.
        let row = api_key::Entity::find().one(&app.db).await.unwrap().unwrap();
        let parsed = ApiKeySecret::parse(&secret).unwrap();
        assert_eq!(row.secret_digest, parsed.digest().to_hex());
        assert!(
            !row.sealed_secret
                .windows(secret.len())
                .any(|w| w == secret.as_bytes())
        );
        let unsealed = app
            .state
            .sealer
            .unseal(&row.sealed_secret, &parsed.digest())
            .unwrap();
        assert_eq!(unsealed.expose(), secret);
    }
}

#[tokio::test]
async fn restricted_levels_persist_and_read_on_action_only_groups_is_refused() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (status, body) = app
            .call(
                "/api/keys/create",
                json!({ "input": { "name": "history reader", "restricted": true,
                                   "levels": { "history": "read", "call": "edit", "agent": "no_access" } } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let listed = list(&app).await;
        assert_eq!(
            listed[0]["access"],
            json!({ "restricted": { "history": "read", "call": "edit" } })
        );

        for group in ["call", "export"] {
            let (status, body) = app
                .call(
                    "/api/keys/create",
                    json!({ "input": { "name": "bad", "restricted": true, "levels": { group: "read" } } }),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(body["Invalid"]["field"], format!("permissions.{group}"));
            assert!(
                body["Invalid"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("action-only")
            );
        }
        assert_eq!(list(&app).await.len(), 1, "refused creations store nothing");
    }
}

#[tokio::test]
async fn bad_names_are_refused_naming_the_field() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        for name in ["", "   ", &"x".repeat(101)] {
            let (status, body) = app
                .call(
                    "/api/keys/create",
                    json!({ "input": { "name": name, "restricted": false } }),
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(body["Invalid"]["field"], "name");
        }
        let id = create(&app, "ok").await["id"].clone();
        let (status, body) = app
            .call(
                "/api/keys/update",
                json!({ "id": id, "input": { "name": " ", "restricted": false } }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["Invalid"]["field"], "name");
        // A body that is not the expected shape is bad input, not a 500.
        let (status, body) = app
            .call("/api/keys/create", json!({ "input": { "name": 5 } }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["Invalid"]["field"], "body");
        assert_eq!(list(&app).await.len(), 1);
    }
}

#[tokio::test]
async fn update_renames_and_changes_restrictions() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let id = create(&app, "ci").await["id"].clone();
        let (status, body) = app
            .call(
                "/api/keys/update",
                json!({ "id": id, "input": { "name": "ci (read only)", "restricted": true, "levels": { "agent": "read" } } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, "ci (read only)", "the answer is the name as saved");
        let listed = list(&app).await;
        assert_eq!(listed[0]["name"], "ci (read only)");
        assert_eq!(
            listed[0]["access"]["restricted"],
            json!({ "agent": "read" })
        );

        // And back to full access.
        let (status, _) = app
            .call(
                "/api/keys/update",
                json!({ "id": id, "input": { "name": "ci", "restricted": false } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list(&app).await[0]["access"], "full");
    }
}

/// The page's Edit, Roll and Delete dialogs are rendered on the server for
/// their key, from the key as it is now.
#[tokio::test]
async fn each_dialog_is_rendered_for_its_key() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let id = create(&app, "<b>ci</b>").await["id"].clone();
        let (status, _) = app
            .call(
                "/api/keys/update",
                json!({ "id": id, "input": { "name": "<b>ci</b>", "restricted": true, "levels": { "history": "read", "call": "edit" } } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let dialog = |which: &'static str| {
            let id = id.clone();
            let app = &app;
            async move {
                let (status, body) = app
                    .call("/api/keys/dialog", json!({ "id": id, "dialog": which }))
                    .await;
                assert_eq!(status, StatusCode::OK, "{which}: {body}");
                body.as_str().unwrap().to_owned()
            }
        };

        let edit = dialog("edit").await;
        assert!(edit.contains(r#"data-submit="update""#), "{edit}");
        assert!(edit.contains(&format!(r#"data-key="{id}""#)), "{edit}");
        // The name is text, as the key holds it.
        assert!(edit.contains(r#"value="&lt;b&gt;ci&lt;/b&gt;""#), "{edit}");
        assert!(!edit.contains("<b>ci"), "{edit}");
        assert!(edit.contains(r#"role="switch" checked"#), "{edit}");
        for (group, level) in [
            ("history", "read"),
            ("call", "edit"),
            ("agent", "no_access"),
        ] {
            assert!(
                edit.contains(&format!(r#"name="level-{group}" value="{level}" checked"#)),
                "{group}: {edit}"
            );
        }
        // Edit never carries a place for a secret.
        assert!(!edit.contains("new-key-secret"), "{edit}");

        let roll = dialog("roll").await;
        assert!(roll.contains(r#"data-submit="roll""#), "{roll}");
        assert!(roll.contains(r#"value="one_day" selected"#), "{roll}");
        assert!(roll.contains(r#"id="new-key-secret""#), "{roll}");

        let delete = dialog("delete").await;
        assert!(delete.contains(r#"data-submit="delete""#), "{delete}");
        assert!(
            delete.contains(r#"data-name="&lt;b&gt;ci&lt;/b&gt;""#) && !delete.contains("<b>ci"),
            "{delete}"
        );

        // The webhook key's Delete offers nothing that would fail.
        app.call("/api/keys/set-webhook", json!({ "id": id })).await;
        let delete = dialog("delete").await;
        assert!(delete.contains("cannot be deleted"), "{delete}");
        assert!(!delete.contains("data-submit"), "{delete}");

        // Bad input: an unknown dialog, an unknown key.
        let (status, body) = app
            .call("/api/keys/dialog", json!({ "id": id, "dialog": "drop" }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["Invalid"]["field"], "body");
        let (status, body) = app
            .call(
                "/api/keys/dialog",
                json!({ "id": 999_999, "dialog": "edit" }),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
}

#[tokio::test]
async fn delete_removes_and_unknown_ids_are_not_found() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let a = create(&app, "a").await["id"].clone();
        create(&app, "b").await;
        let (status, _) = app.call("/api/keys/delete", json!({ "id": a })).await;
        assert_eq!(status, StatusCode::OK);
        let names: Vec<_> = list(&app).await.iter().map(|k| k["name"].clone()).collect();
        assert_eq!(names, vec![json!("b")]);
        let (status, body) = app.call("/api/keys/delete", json!({ "id": a })).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        assert_eq!(body, json!({ "NotFound": "ApiKey" }));
        for path in ["/api/keys/set-webhook", "/api/keys/delete"] {
            let (status, _) = app.call(path, json!({ "id": 999_999 })).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
    }
}

#[tokio::test]
async fn webhook_badge_moves_and_only_one_key_holds_it() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let a = create(&app, "a").await["id"].clone();
        let b = create(&app, "b").await["id"].clone();
        let webhook = |keys: Vec<Value>| -> Vec<Value> {
            keys.into_iter()
                .filter(|k| k["is_webhook"] == true)
                .map(|k| k["name"].clone())
                .collect()
        };
        assert!(webhook(list(&app).await).is_empty());
        assert_eq!(
            app.call("/api/keys/set-webhook", json!({ "id": a }))
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(webhook(list(&app).await), vec![json!("a")]);
        assert_eq!(
            app.call("/api/keys/set-webhook", json!({ "id": b }))
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(webhook(list(&app).await), vec![json!("b")]);
        // Setting it again is a no-op, not an error.
        assert_eq!(
            app.call("/api/keys/set-webhook", json!({ "id": b }))
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(webhook(list(&app).await), vec![json!("b")]);
        // The webhook key cannot be deleted: 409, saying what to do instead.
        let (status, body) = app.call("/api/keys/delete", json!({ "id": b })).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            body["Conflict"]
                .as_str()
                .unwrap()
                .contains("first set another key as the webhook key")
        );
        assert_eq!(webhook(list(&app).await), vec![json!("b")]);
        // Once another key holds the badge, the old one can go.
        assert_eq!(
            app.call("/api/keys/set-webhook", json!({ "id": a }))
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(
            app.call("/api/keys/delete", json!({ "id": b })).await.0,
            StatusCode::OK
        );
        assert_eq!(webhook(list(&app).await), vec![json!("a")]);
    }
}

#[tokio::test]
async fn the_database_itself_refuses_a_second_webhook_key() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        let a = store::create(
            &app.db,
            &app.state.sealer,
            org,
            &common::actor(),
            common::NO_USER,
            &KeySettings {
                name: "a".into(),
                access: Access::Full,
                allowed_ips: Default::default(),
                rate_limit: None,
            },
            &app::model::expiry::Expiry::Never,
        )
        .await
        .unwrap();
        let b = store::create(
            &app.db,
            &app.state.sealer,
            org,
            &common::actor(),
            common::NO_USER,
            &KeySettings {
                name: "b".into(),
                access: Access::Full,
                allowed_ips: Default::default(),
                rate_limit: None,
            },
            &app::model::expiry::Expiry::Never,
        )
        .await
        .unwrap();
        store::set_webhook(&app.db, org, &common::actor(), a.key.id)
            .await
            .unwrap();
        // Bypass the store: a raw update that would make two webhook keys.
        let mut row: api_key::ActiveModel = api_key::Entity::find_by_id(b.key.id.0)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        row.is_webhook = Set(true);
        let err = row
            .update(&app.db)
            .await
            .expect_err("partial unique index must refuse");
        assert!(
            matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ),
            "{}: {err}",
            app.backend
        );
        // Another organization may have its own webhook key.
        let other = other_org(&app).await;
        let c = store::create(
            &app.db,
            &app.state.sealer,
            other,
            &common::actor(),
            common::NO_USER,
            &KeySettings {
                name: "c".into(),
                access: Access::Full,
                allowed_ips: Default::default(),
                rate_limit: None,
            },
            &app::model::expiry::Expiry::Never,
        )
        .await
        .unwrap();
        store::set_webhook(&app.db, other, &common::actor(), c.key.id)
            .await
            .unwrap();
        let count = api_key::Entity::find()
            .filter(api_key::Column::IsWebhook.eq(true))
            .all(&app.db)
            .await
            .unwrap()
            .len();
        assert_eq!(count, 2);
    }
}

#[tokio::test]
async fn a_hundred_concurrent_webhook_moves_over_ten_keys_leave_exactly_one() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        let mut ids = Vec::new();
        for i in 0..10 {
            let k = store::create(
                &app.db,
                &app.state.sealer,
                org,
                &common::actor(),
                common::NO_USER,
                &KeySettings {
                    name: format!("k{i}"),
                    access: Access::Full,
                    allowed_ips: Default::default(),
                    rate_limit: None,
                },
                &app::model::expiry::Expiry::Never,
            )
            .await
            .unwrap();
            ids.push(k.key.id);
        }
        // Through the server function, as a hundred clicks would arrive.
        let tasks: Vec<_> = ids
            .iter()
            .cycle()
            .take(100)
            .map(|id| {
                let (router, session, id) = (app.router.clone(), app.session.clone(), *id);
                tokio::spawn(async move {
                    let request = axum::http::Request::post("/api/keys/set-webhook")
                        .header("content-type", "application/json")
                        .header("cookie", session)
                        .body(axum::body::Body::from(json!({ "id": id }).to_string()))
                        .unwrap();
                    tower::ServiceExt::oneshot(router, request)
                        .await
                        .unwrap()
                        .status()
                })
            })
            .collect();
        let mut moved = 0;
        for t in tasks {
            // Under contention a move may give up; it must never leave two.
            if t.await.unwrap() == StatusCode::OK {
                moved += 1;
            }
        }
        assert!(moved > 0, "{}", app.backend);
        let holders = store::list(&app.db, org, &Default::default())
            .await
            .unwrap()
            .into_iter()
            .filter(|k| k.is_webhook)
            .count();
        assert_eq!(
            holders, 1,
            "{}: {moved} of 100 moves succeeded",
            app.backend
        );
    }
}

#[tokio::test]
async fn another_organizations_keys_are_invisible_and_untouchable() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let other = other_org(&app).await;
        let foreign = store::create(
            &app.db,
            &app.state.sealer,
            other,
            &common::actor(),
            common::NO_USER,
            &KeySettings {
                name: "theirs".into(),
                access: Access::Full,
                allowed_ips: Default::default(),
                rate_limit: None,
            },
            &app::model::expiry::Expiry::Never,
        )
        .await
        .unwrap();
        let fid = foreign.key.id.0;
        create(&app, "mine").await;

        let names: Vec<_> = list(&app).await.iter().map(|k| k["name"].clone()).collect();
        assert_eq!(names, vec![json!("mine")]);
        let calls = [
            (
                "/api/keys/update",
                json!({ "id": fid, "input": { "name": "pwned", "restricted": false } }),
            ),
            ("/api/keys/delete", json!({ "id": fid })),
            ("/api/keys/set-webhook", json!({ "id": fid })),
        ];
        for (path, body) in calls {
            let (status, answer) = app.call(path, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(
                answer,
                json!({ "NotFound": "ApiKey" }),
                "same answer as a missing key"
            );
        }
        let theirs = store::list(&app.db, other, &Default::default())
            .await
            .unwrap();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].name, "theirs");
        assert!(!theirs[0].is_webhook);
    }
}

#[tokio::test]
async fn undecodable_stored_restrictions_deny_everything() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let k = store::create(
            &app.db,
            &app.state.sealer,
            app.org().await,
            &common::actor(),
            common::NO_USER,
            &KeySettings {
                name: "r".into(),
                access: Access::Restricted(
                    Restrictions::none()
                        .with(Group::Agent, Level::Edit)
                        .unwrap(),
                ),
                allowed_ips: Default::default(),
                rate_limit: None,
            },
            &app::model::expiry::Expiry::Never,
        )
        .await
        .unwrap();
        let mut row: api_key::ActiveModel = api_key::Entity::find_by_id(k.key.id.0)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        row.permissions = Set(r#"{"call":"read"}"#.into());
        let row = row.update(&app.db).await.unwrap();
        assert_eq!(
            store::access_of(&row),
            Access::Restricted(Restrictions::none())
        );
    }
}

#[tokio::test]
async fn the_page_renders_on_the_server_with_the_seed_wording() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        create(&app, "Production").await;
        let (status, html) = app.get("/settings/api-keys").await;
        assert_eq!(status, StatusCode::OK);
        for text in [
            "API Keys",
            "Add",
            "Production",
            "Set as Webhook Key",
            "Full access",
            "Keep your API keys secure",
        ] {
            assert!(html.contains(text), "missing {text:?}");
        }
        let (status, _) = app.get("/no-such-page").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = app.get("/healthz").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    }
}

#[tokio::test]
async fn an_organization_holds_at_most_a_thousand_keys_even_under_concurrent_creates() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        let cap = app::model::keys::MAX_KEYS_PER_ORG as usize;
        common::fill_keys(&app, org, cap - 2).await;
        // Ten creates at once with room for two: exactly two get in.
        let creates: Vec<_> = (0..10)
            .map(|i| {
                let (router, session) = (app.router.clone(), app.session.clone());
                tokio::spawn(async move {
                    let request = axum::http::Request::post("/api/keys/create")
                        .header("content-type", "application/json")
                        .header("cookie", session)
                        .body(axum::body::Body::from(
                            json!({ "input": { "name": format!("late {i}"), "restricted": false } }).to_string(),
                        ))
                        .unwrap();
                    let response = tower::ServiceExt::oneshot(router, request).await.unwrap();
                    let status = response.status();
                    let bytes = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
                    (status, serde_json::from_slice::<Value>(&bytes).unwrap())
                })
            })
            .collect();
        let mut created = 0;
        for c in creates {
            match c.await.unwrap() {
                (StatusCode::OK, _) => created += 1,
                (StatusCode::CONFLICT, body) => {
                    assert!(
                        body["Conflict"]
                            .as_str()
                            .unwrap()
                            .contains("at most 1000 API keys"),
                        "{body}"
                    )
                }
                other => panic!("{}: {other:?}", app.backend),
            }
        }
        assert_eq!(created, 2, "{}", app.backend);
        assert_eq!(list(&app).await.len(), cap);
        // Another organization is not affected.
        let other = app.signup("owner@b.example", "Org B").await;
        let (status, _, _) = app
            .call_with(
                Some(&other),
                "/api/keys/create",
                json!({ "input": { "name": "b", "restricted": false } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
}

/// An edit reads the key, then writes it, in one transaction. On SQLite a
/// transaction that has read cannot start writing once another connection
/// has committed a write since (the batched last-use and usage writes do,
/// every few seconds): it must take the write lock first, or the edit
/// fails with a 500 now and then.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn edits_succeed_while_other_writes_commit() {
    for backend in backends() {
        let app = std::sync::Arc::new(TestApp::start(&backend).await);
        let (_, created) = app
            .call(
                "/api/keys/create",
                json!({ "input": { "name": "edited", "restricted": false } }),
            )
            .await;
        let id = created["id"].clone();
        let (_, other) = app
            .call(
                "/api/keys/create",
                json!({ "input": { "name": "busy", "restricted": false } }),
            )
            .await;
        let busy = other["id"].as_i64().unwrap();
        let org = app.org().await;
        let writer = {
            let app = app.clone();
            tokio::spawn(async move {
                for _ in 0..400 {
                    app.last_used.record(busy, org, None, false);
                    app.last_used.flush(&app.db).await.unwrap();
                }
            })
        };
        for i in 0..40 {
            let (status, body) = app
                .call(
                    "/api/keys/update",
                    json!({ "id": id, "input": { "name": format!("edited {i}"), "restricted": false } }),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{}: edit {i}: {body}", app.backend);
        }
        writer.await.unwrap();
    }
}
