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
