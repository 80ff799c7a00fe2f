//! Teams, end to end through the router on every backend: invitations
//! (once, for one email, for 7 days, revocable), the role table enforced
//! by every server function, the last-Admin guard, removal ending
//! sessions on every instance, switching organizations, isolation between
//! organizations, and the audit entries of each change.

mod common;

use app::domain::entities::{audit_entry, invitation};
use app::model::audit::AuditAction;
use app::model::members::{INVITATION_GONE, INVITATION_OTHER_EMAIL, LAST_ADMIN};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::{PASSWORD, TestApp, backends};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const OWNER: &str = "owner@a.example";

async fn user_id(app: &TestApp, cookie: &str, email: &str) -> i64 {
    let (status, body, _) = app
        .call_with(Some(cookie), "/api/members/overview", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .map(|m| m["user"].as_i64().unwrap())
        .unwrap_or_else(|| panic!("{email} not in {body}"))
}

fn create_body(name: &str) -> Value {
    json!({ "input": { "name": name, "restricted": false } })
}

#[tokio::test]
async fn each_role_may_do_what_the_table_says_and_no_more() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let dev = app.member("dev@a.example", "developer").await;
        let viewer = app.member("viewer@a.example", "member").await;

        // The Developer manages keys, and the key says who made it.
        let (status, body, _) = app
            .call_with(Some(&dev), "/api/keys/create", create_body("ci"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let key = body["id"].as_i64().unwrap();
        let (_, list, _) = app
            .call_with(Some(&viewer), "/api/keys/list", json!({}))
            .await;
        assert_eq!(list["may_manage"], false, "{list}");
        assert_eq!(list["keys"][0]["created_by"], "dev@a.example", "{list}");

        // The Member sees, and is refused every change, by name.
        let refusals = [
            ("/api/keys/create", create_body("nope")),
            ("/api/keys/delete", json!({ "id": key })),
            ("/api/keys/set-webhook", json!({ "id": key })),
            ("/api/keys/roll", json!({ "id": key, "grace": "now" })),
            ("/api/keys/dialog", json!({ "id": key, "dialog": "edit" })),
            ("/api/webhooks/test", json!({})),
            (
                "/api/members/invite",
                json!({ "input": { "email": "x@a.example", "role": "admin" } }),
            ),
        ];
        for (path, body) in refusals {
            let (status, answer, _) = app.call_with(Some(&viewer), path, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
            assert!(
                answer.to_string().contains("Your role (Member)"),
                "{path}: {answer}"
            );
        }
        let (status, answer, _) = app
            .call_with(Some(&viewer), "/api/audit/page", json!({ "query": {} }))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        let (status, csv) = app
            .get_with(Some(&viewer), app::model::audit::CSV_PATH)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{csv}");
        assert!(csv.contains("cannot view the audit log"), "{csv}");
        let (status, page) = app.get_with(Some(&viewer), "/settings/audit-log").await;
        assert!(
            page.contains("Your role (Member) cannot view the audit log."),
            "{status}: {page}"
        );
        // Reading is everyone's.
        for path in [
            "/api/keys/list",
            "/api/webhooks/overview",
            "/api/members/overview",
        ] {
            let (status, answer, _) = app.call_with(Some(&viewer), path, json!({})).await;
            assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        }

        // The Developer may not manage members.
        let dev_id = user_id(&app, &dev, "dev@a.example").await;
        let (status, answer, _) = app
            .call_with(
                Some(&dev),
                "/api/members/role",
                json!({ "user": dev_id, "role": "admin" }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        assert!(
            answer
                .to_string()
                .contains("Your role (Developer) cannot manage members.")
        );
        let (status, _, _) = app
            .call_with(Some(&dev), "/api/audit/page", json!({ "query": {} }))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn an_invitation_works_once_for_its_email_and_only_while_pending() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let token = app.invite("new@a.example", "developer").await;
        // Only the digest is kept.
        let stored = invitation::Entity::find().all(&app.db).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert!(stored[0].token_digest.len() == 64 && stored[0].token_digest != token);
        assert!(token.len() >= 43, "256 bits: {token}");

        let (status, body, _) = app.join_with(&token, "other@a.example", PASSWORD).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["Invalid"]["message"], INVITATION_OTHER_EMAIL, "{body}");
        let (status, body, _) = app.join_with(&token, "new@a.example", "short").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["Invalid"]["field"], "password");
        // The email's case does not matter.
        let (status, body, cookie) = app.join_with(&token, "New@A.example", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(cookie.is_some());

        // Used: gone, with the one message.
        let (status, body, _) = app.join_with(&token, "new@a.example", PASSWORD).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["Invalid"]["message"], INVITATION_GONE, "{body}");
        let (status, body, _) = app
            .call_with(None, "/api/auth/invitation", json!({ "token": token }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["Invalid"]["message"], INVITATION_GONE);

        // Revoked: gone.
        let revoked = app.invite("rev@a.example", "member").await;
        let (status, body, _) = app
            .call_with(None, "/api/auth/invitation", json!({ "token": revoked }))
            .await;
        assert_eq!((status, body), (StatusCode::OK, json!("Org A")));
        let pending = app.call("/api/members/overview", json!({})).await.1;
        let id = pending["invitations"][0]["id"].as_i64().unwrap();
        let (status, _) = app.call("/api/members/revoke", json!({ "id": id })).await;
        assert_eq!(status, StatusCode::OK);
        let (status, body, _) = app.join_with(&revoked, "rev@a.example", PASSWORD).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["Invalid"]["message"], INVITATION_GONE);
        let (status, _) = app.call("/api/members/revoke", json!({ "id": id })).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "revoked twice");

        // Expired after 7 days: gone.
        let late = app.invite("late@a.example", "member").await;
        invitation::Entity::update_many()
            .col_expr(
                invitation::Column::ExpiresAt,
                Expr::value(Utc::now() - Duration::seconds(1)),
            )
            .filter(invitation::Column::Email.eq("late@a.example"))
            .exec(&app.db)
            .await
            .unwrap();
        let (status, body, _) = app.join_with(&late, "late@a.example", PASSWORD).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["Invalid"]["message"], INVITATION_GONE);
        // A made-up link says the same, and nothing more.
        let (_, body, _) = app.join_with("made-up", "late@a.example", PASSWORD).await;
        assert_eq!(body["Invalid"]["message"], INVITATION_GONE);

        // Inviting a member or a pending email again is refused by field.
        app.invite("twice@a.example", "member").await;
        let (status, body) = app
            .call(
                "/api/members/invite",
                json!({ "input": { "email": "Twice@a.example", "role": "admin" } }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["Invalid"]["message"],
            app::model::members::ALREADY_INVITED
        );
        let (status, body) = app
            .call(
                "/api/members/invite",
                json!({ "input": { "email": "new@a.example", "role": "member" } }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["Invalid"]["field"], "email", "{body}");
        let (status, body) = app
            .call(
                "/api/members/invite",
                json!({ "input": { "email": "x@a.example", "role": "owner" } }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["Invalid"]["field"], "role", "{body}");
    }
}

#[tokio::test]
async fn an_existing_account_joins_with_its_own_password_and_switches() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let b_session = app.signup("bea@b.example", "Org B").await;
        app.call_with(Some(&b_session), "/api/keys/create", create_body("b-key"))
            .await;
        app.call("/api/keys/create", create_body("a-key")).await;
        let token = app.invite("bea@b.example", "developer").await;
        let (status, _, _) = app
            .join_with(&token, "bea@b.example", "wrong password")
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body, cookie) = app.join_with(&token, "bea@b.example", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let bea = cookie.unwrap();

        // Joined: the session works on Org A, and knows both.
        let (_, me, _) = app.call_with(Some(&bea), "/api/auth/me", json!({})).await;
        assert_eq!(me["organization"], "Org A", "{me}");
        assert_eq!(me["role"], "developer");
        assert_eq!(me["organizations"].as_array().unwrap().len(), 2, "{me}");
        let names = |list: &Value| -> Vec<String> {
            list["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let (_, list, _) = app.call_with(Some(&bea), "/api/keys/list", json!({})).await;
        assert_eq!(names(&list), ["a-key"]);

        // Switching to Org B shows Org B's keys, as its Admin.
        let b = me["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "Org B")
            .unwrap()["id"]
            .clone();
        let (status, body, _) = app
            .call_with(
                Some(&bea),
                "/api/members/switch",
                json!({ "organization": b }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, list, _) = app.call_with(Some(&bea), "/api/keys/list", json!({})).await;
        assert_eq!(names(&list), ["b-key"]);
        assert_eq!(list["may_manage"], true);

        // Not to an organization she is not in.
        let c_session = app.signup("cy@c.example", "Org C").await;
        let (_, c_me, _) = app
            .call_with(Some(&c_session), "/api/auth/me", json!({}))
            .await;
        let (status, _, _) = app
            .call_with(
                Some(&bea),
                "/api/members/switch",
                json!({ "organization": c_me["organization_id"] }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, list, _) = app.call_with(Some(&bea), "/api/keys/list", json!({})).await;
        assert_eq!(names(&list), ["b-key"], "still on Org B");
    }
}

#[tokio::test]
async fn the_last_admin_can_be_neither_demoted_nor_removed() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let me = user_id(&app, &app.session.clone(), OWNER).await;
        for (path, body) in [
            (
                "/api/members/role",
                json!({ "user": me, "role": "developer" }),
            ),
            ("/api/members/remove", json!({ "user": me })),
        ] {
            let (status, answer) = app.call(path, body).await;
            assert_eq!(status, StatusCode::CONFLICT, "{path}: {answer}");
            assert_eq!(answer["Conflict"], LAST_ADMIN, "{answer}");
        }
        // With a second Admin, the first may step down.
        let other = app.member("second@a.example", "admin").await;
        let (status, _) = app
            .call(
                "/api/members/role",
                json!({ "user": me, "role": "developer" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let second = user_id(&app, &other, "second@a.example").await;
        let (status, answer, _) = app
            .call_with(
                Some(&other),
                "/api/members/remove",
                json!({ "user": second }),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    }
}

#[tokio::test]
async fn a_change_of_role_or_a_removal_applies_at_the_next_request_on_every_instance() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let replica = app.replica().await;
        let viewer = app.member("viewer@a.example", "member").await;
        let viewer_id = user_id(&app, &viewer, "viewer@a.example").await;
        let (status, _) = app
            .call(
                "/api/members/role",
                json!({ "user": viewer_id, "role": "developer" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = replica
            .call_with(Some(&viewer), "/api/keys/create", create_body("by-viewer"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let secret = body["secret"].as_str().unwrap().to_owned();

        let (status, _) = app
            .call("/api/members/remove", json!({ "user": viewer_id }))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = replica
            .call_with(Some(&viewer), "/api/keys/list", json!({}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, location) = app.get_with(Some(&viewer), "/settings/api-keys").await;
        assert!(
            status.is_redirection() && location.starts_with("/login"),
            "{status} {location}"
        );
        // Their key stays the organization's, and works.
        let (status, _) = app
            .api("GET", "/get-api-key-info", Some(&secret), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, list) = app.call("/api/keys/list", json!({})).await;
        assert_eq!(list["keys"][0]["created_by"], Value::Null, "{list}");
        // Removed from their only organization, they cannot sign in.
        let (status, body, _) = app
            .call_with(
                None,
                "/api/auth/login",
                json!({ "input": { "email": "viewer@a.example", "password": PASSWORD } }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["Invalid"]["message"],
            app::model::auth::NO_ORGANIZATION
        );
    }
}

#[tokio::test]
async fn an_admin_acts_on_their_own_organization_only() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        app.member("dev@a.example", "developer").await;
        let dev_id = user_id(&app, &app.session.clone(), "dev@a.example").await;
        app.invite("pending@a.example", "member").await;
        let pending = app.call("/api/members/overview", json!({})).await.1;
        let invitation = pending["invitations"][0]["id"].as_i64().unwrap();

        let other = app.signup("boss@b.example", "Org B").await;
        for (path, body) in [
            (
                "/api/members/role",
                json!({ "user": dev_id, "role": "member" }),
            ),
            ("/api/members/remove", json!({ "user": dev_id })),
            ("/api/members/revoke", json!({ "id": invitation })),
        ] {
            let (status, answer, _) = app.call_with(Some(&other), path, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {answer}");
        }
        let (_, theirs, _) = app
            .call_with(Some(&other), "/api/members/overview", json!({}))
            .await;
        assert_eq!(theirs["members"].as_array().unwrap().len(), 1, "{theirs}");
        assert!(theirs["invitations"].as_array().unwrap().is_empty());
        let ours = app.call("/api/members/overview", json!({})).await.1;
        assert_eq!(ours["members"].as_array().unwrap().len(), 2);
        assert_eq!(ours["invitations"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn each_change_to_the_team_is_in_the_audit_log() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let viewer = app.member("viewer@a.example", "member").await;
        let viewer_id = user_id(&app, &viewer, "viewer@a.example").await;
        app.invite("later@a.example", "admin").await;
        let pending = app.call("/api/members/overview", json!({})).await.1;
        let id = pending["invitations"][0]["id"].as_i64().unwrap();
        app.call("/api/members/revoke", json!({ "id": id })).await;
        app.call(
            "/api/members/role",
            json!({ "user": viewer_id, "role": "developer" }),
        )
        .await;
        app.call("/api/members/remove", json!({ "user": viewer_id }))
            .await;

        let entries = audit_entry::Entity::find()
            .filter(audit_entry::Column::OrganizationId.eq(app.org().await.0))
            .filter(
                audit_entry::Column::Action
                    .is_not_in([AuditAction::SignedIn, AuditAction::SignInFailed]),
            )
            .order_by_asc(audit_entry::Column::Id)
            .all(&app.db)
            .await
            .unwrap();
        let seen: Vec<(AuditAction, &str, &str)> = entries
            .iter()
            .map(|e| (e.action, e.actor.as_str(), e.detail.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    AuditAction::MemberInvited,
                    OWNER,
                    "viewer@a.example as Member"
                ),
                (
                    AuditAction::MemberJoined,
                    "viewer@a.example",
                    "viewer@a.example as Member"
                ),
                (
                    AuditAction::MemberInvited,
                    OWNER,
                    "later@a.example as Admin"
                ),
                (AuditAction::InvitationRevoked, OWNER, "later@a.example"),
                (
                    AuditAction::RoleChanged,
                    OWNER,
                    "viewer@a.example: Member → Developer"
                ),
                (AuditAction::MemberRemoved, OWNER, "viewer@a.example"),
            ],
            "{}",
            app.backend
        );
    }
}

/// An Admin on the way out leaves no working link behind: removing or
/// demoting them revokes the invitations they made; and a request they
/// started before that is refused once it gets the organization's lock.
#[tokio::test]
async fn an_admin_who_leaves_takes_their_invitations_and_their_rights_along() {
    use app::domain::audit::store::Actor;
    use app::domain::teams::{invitations, members};
    use app::model::members::UserId;
    use app::model::roles::Role;
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let second = app.member("second@a.example", "admin").await;
        let second_id = user_id(&app, &second, "second@a.example").await;
        let (_, link, _) = app
            .call_with(
                Some(&second),
                "/api/members/invite",
                json!({ "input": { "email": "friend@x.example", "role": "admin" } }),
            )
            .await;
        let token = link
            .as_str()
            .unwrap()
            .trim_start_matches("/join/")
            .to_owned();
        let (status, _) = app
            .call(
                "/api/members/role",
                json!({ "user": second_id, "role": "developer" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body, _) = app.join_with(&token, "friend@x.example", PASSWORD).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["Invalid"]["message"], INVITATION_GONE);

        // Demoted already: what they asked for as an Admin is refused
        // under the lock, whatever their session said when it started.
        let org = app.org().await;
        let them = (&Actor::user("second@a.example", None), UserId(second_id));
        let refused = invitations::create(&app.db, org, them, "late@x.example", Role::Admin).await;
        assert!(
            matches!(refused, Err(app::domain::DomainError::Forbidden(_))),
            "{refused:?}"
        );
        let me = user_id(&app, &second, OWNER).await;
        let refused = members::change_role(&app.db, org, them, UserId(me), Role::Member).await;
        assert!(matches!(
            refused,
            Err(app::domain::DomainError::Forbidden(_))
        ));
        let refused = members::remove(&app.db, org, them, UserId(me)).await;
        assert!(matches!(
            refused,
            Err(app::domain::DomainError::Forbidden(_))
        ));
    }
}

/// Two Admins demoting each other at the same moment: the organization
/// keeps one.
#[tokio::test]
async fn concurrent_demotions_leave_an_admin() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        for round in 0..5 {
            let email = format!("other{round}@a.example");
            let other = app.member(&email, "admin").await;
            let other_id = user_id(&app, &other, &email).await;
            let me = user_id(&app, &other, OWNER).await;
            let (a, b) = tokio::join!(
                app.call(
                    "/api/members/role",
                    json!({ "user": other_id, "role": "member" })
                ),
                app.call_with(
                    Some(&other),
                    "/api/members/role",
                    json!({ "user": me, "role": "member" })
                ),
            );
            let (_, overview) = app.call("/api/members/overview", json!({})).await;
            let admins = overview["members"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["role"] == "admin")
                .count();
            assert_eq!(admins, 1, "{}: {a:?} {b:?}", app.backend);
            // The owner stays the Admin for the next round.
            if a.0 != StatusCode::OK {
                let (status, _, _) = app
                    .call_with(
                        Some(&other),
                        "/api/members/role",
                        json!({ "user": me, "role": "admin" }),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK);
                app.call(
                    "/api/members/role",
                    json!({ "user": other_id, "role": "member" }),
                )
                .await;
            }
        }
    }
}

/// The join form posted as plain HTML (no JavaScript) goes on to the API
/// Keys page; a join that fails leaves the presented session alone.
#[tokio::test]
async fn a_plain_join_goes_on_and_a_failed_one_signs_nobody_out() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tower::ServiceExt;
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let token = app.invite("plain@a.example", "member").await;
        // The owner's browser opens a link for someone else: refused, and
        // the owner is still signed in.
        let (status, _, _) = app
            .call_with(
                Some(&app.session.clone()),
                "/api/auth/join",
                json!({ "input": { "token": token, "email": OWNER, "password": PASSWORD } }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.call("/api/keys/list", json!({})).await.0,
            StatusCode::OK
        );

        let form = format!(
            "input%5Btoken%5D={token}&input%5Bemail%5D=plain%40a.example&input%5Bpassword%5D={}",
            PASSWORD.replace(' ', "+")
        );
        let request = Request::post("/api/auth/join")
            .header(header::CONTENT_TYPE, common::FORM)
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("http://localhost/join/{token}"))
            .body(Body::from(form))
            .unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND, "{}", app.backend);
        assert_eq!(
            response.headers()[header::LOCATION],
            app::model::auth::DEFAULT_NEXT
        );
        assert!(response.headers().contains_key(header::SET_COOKIE));
    }
}

/// Invitations go once past their expiry, used or not; a pending one
/// stays.
#[tokio::test]
async fn expired_invitations_are_pruned() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        app.invite("old@a.example", "member").await;
        app.invite("new@a.example", "member").await;
        invitation::Entity::update_many()
            .col_expr(
                invitation::Column::ExpiresAt,
                Expr::value(Utc::now() - Duration::days(1)),
            )
            .filter(invitation::Column::Email.eq("old@a.example"))
            .exec(&app.db)
            .await
            .unwrap();
        let pruned =
            server::prune::prune_once(&app.db, Utc::now(), server::prune::Retention::default())
                .await;
        assert_eq!(pruned.invitations.unwrap(), 1);
        let left: Vec<String> = invitation::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.email)
            .collect();
        assert_eq!(left, ["new@a.example"]);
    }
}
