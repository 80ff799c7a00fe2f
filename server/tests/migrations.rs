//! The same migrations run forwards and backwards on every backend.

mod common;

use common::{TestDb, backends};
use migrations::{Migrator, MigratorTrait};
use sea_orm::Database;

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    for backend in backends() {
        let test_db = TestDb::create(&backend).await;
        let db = Database::connect(test_db.url()).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        assert!(
            Migrator::get_pending_migrations(&db)
                .await
                .unwrap()
                .is_empty()
        );
        Migrator::down(&db, None).await.unwrap();
        assert_eq!(
            Migrator::get_pending_migrations(&db).await.unwrap().len(),
            Migrator::migrations().len(),
            "{}",
            backend.name()
        );
        Migrator::up(&db, None).await.unwrap();
        db.close().await.unwrap();
    }
}

#[tokio::test]
async fn starting_twice_on_the_same_database_is_harmless() {
    for backend in backends() {
        let test_db = TestDb::create(&backend).await;
        let first = server::db::connect(test_db.url()).await.unwrap();
        first.close().await.unwrap();
        let second = server::db::connect(test_db.url()).await.unwrap();
        assert!(
            Migrator::get_pending_migrations(&second)
                .await
                .unwrap()
                .is_empty()
        );
        second.close().await.unwrap();
    }
}

/// Teams arrive on a database that has accounts: each user becomes the
/// Admin of the organization they signed up with, their sessions work on
/// it, and its keys were created by them.
#[tokio::test]
async fn teams_carry_over_each_existing_account_as_its_organizations_admin() {
    use app::domain::entities::{api_key, membership, organization, session, user};
    use app::model::roles::Role;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    for backend in backends() {
        let test_db = TestDb::create(&backend).await;
        let db = Database::connect(test_db.url()).await.unwrap();
        let before_teams = Migrator::migrations()
            .iter()
            .position(|m| m.name().ends_with("_teams"))
            .expect("the teams migration") as u32;
        Migrator::up(&db, Some(before_teams)).await.unwrap();
        let now = chrono::Utc::now();
        organization::Entity::insert(organization::ActiveModel {
            id: Set(7),
            name: Set("Old Org".into()),
            created_at: Set(now),
            // Columns of later migrations are left out.
            ..<organization::ActiveModel as sea_orm::ActiveModelTrait>::default()
        })
        .exec_without_returning(&db)
        .await
        .unwrap();
        user::Entity::insert(user::ActiveModel {
            id: Set(3),
            organization_id: Set(7),
            email: Set("old@a.example".into()),
            password_hash: Set("x".into()),
            created_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(&db)
        .await
        .unwrap();
        session::Entity::insert(session::ActiveModel {
            id: Set(1),
            token_digest: Set("d".repeat(64)),
            user_id: Set(3),
            created_at: Set(now),
            last_seen_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(&db)
        .await
        .unwrap();
        api_key::Entity::insert(api_key::ActiveModel {
            organization_id: Set(7),
            name: Set("old key".into()),
            display_form: Set("key_x".into()),
            secret_digest: Set("e".repeat(64)),
            sealed_secret: Set(vec![1, 2, 3]),
            is_webhook: Set(false),
            restricted: Set(false),
            permissions: Set("{}".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(&db)
        .await
        .unwrap();

        Migrator::up(&db, None).await.unwrap();
        let memberships = membership::Entity::find().all(&db).await.unwrap();
        assert_eq!(memberships.len(), 1, "{}", backend.name());
        assert_eq!(
            (
                memberships[0].organization_id,
                memberships[0].user_id,
                memberships[0].role
            ),
            (7, 3, Role::Admin)
        );
        let sessions = session::Entity::find().all(&db).await.unwrap();
        assert_eq!(sessions[0].organization_id, 7);
        let keys = api_key::Entity::find().all(&db).await.unwrap();
        assert_eq!(keys[0].created_by, Some(3));
        let users = user::Entity::find().all(&db).await.unwrap();
        assert!(users[0].last_signed_in_at.is_some());
        // An existing organization has no key policy until an Admin saves one.
        let orgs = organization::Entity::find().all(&db).await.unwrap();
        assert_eq!(
            (
                orgs[0].max_key_lifetime_days,
                orgs[0].require_restricted_keys
            ),
            (None, false)
        );
        // Nor a leaked key, and quarantine is what a report does.
        assert_eq!(orgs[0].leak_response, "quarantine");
        assert_eq!(
            (keys[0].leaked_at, keys[0].expiry_notice_stage),
            (None, None)
        );
        db.close().await.unwrap();
    }
}
