//! The schema, as one ordered list of migrations. The same migrations run on
//! SQLite (the embedded default) and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_organizations_and_api_keys;
mod m20261127_000002_users_and_sessions;
mod m20261127_000003_api_resources;
mod m20261127_000004_webhooks;
mod m20261127_000005_key_lifecycle;
mod m20261127_000006_key_changes;
mod m20261127_000007_key_usage;
mod m20261128_000008_audit_log;
mod m20261202_000009_webhook_pending_by_org;
mod m20261202_000010_prune_indexes;
mod m20261203_000011_allowed_ips;
mod m20261203_000012_teams;
mod m20261203_000013_rate_limits;
mod m20261203_000014_key_policy;
mod m20261203_000015_leaks;
mod m20261203_000016_public_keys;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_organizations_and_api_keys::Migration),
            Box::new(m20261127_000002_users_and_sessions::Migration),
            Box::new(m20261127_000003_api_resources::Migration),
            Box::new(m20261127_000004_webhooks::Migration),
            Box::new(m20261127_000005_key_lifecycle::Migration),
            Box::new(m20261127_000006_key_changes::Migration),
            Box::new(m20261127_000007_key_usage::Migration),
            Box::new(m20261128_000008_audit_log::Migration),
            Box::new(m20261202_000009_webhook_pending_by_org::Migration),
            Box::new(m20261202_000010_prune_indexes::Migration),
            Box::new(m20261203_000011_allowed_ips::Migration),
            Box::new(m20261203_000012_teams::Migration),
            Box::new(m20261203_000013_rate_limits::Migration),
            Box::new(m20261203_000014_key_policy::Migration),
            Box::new(m20261203_000015_leaks::Migration),
            Box::new(m20261203_000016_public_keys::Migration),
        ]
    }
}
