//! A key's **Requests per minute** (and a public key's **Web calls per
//! minute** per allowed domain), shared by every instance: each takes
//! part of the minute's budget from the database at a time and spends it
//! in memory (`server/src/api/rate_limit.rs`). What the instances take
//! between them never exceeds the limit, so the limit holds however many
//! instances serve the key. A take is one statement, and the minute is
//! the database's: instances whose clocks differ still share one budget.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::domain::DomainError;

/// What a take got from a key's budget, in which minute (the database's,
/// in minutes since the epoch), how many the instances have taken in that
/// minute now, this take included, and the seconds left in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub minute: i64,
    pub got: u32,
    pub total: u32,
    pub seconds_left: u64,
}

/// The database's clock, in whole seconds since the epoch, the same
/// throughout one statement.
fn epoch_seconds(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Postgres => "floor(extract(epoch from statement_timestamp()))::bigint",
        _ => "CAST(strftime('%s', 'now') AS INTEGER)",
    }
}

/// Whose budget a take is from: an API key's, or a public key's for one
/// of its allowed domains (each line has its own, `public_key_windows`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Bucket {
    ApiKey(i64),
    PublicKeySite {
        key: crate::model::public_keys::PublicKeyId,
        site: String,
    },
}

impl Bucket {
    /// Every table of budgets, for pruning.
    const TABLES: [&'static str; 2] = ["rate_windows", "public_key_windows"];
}

impl Bucket {
    /// The table, its key columns and their values.
    fn row(&self) -> (&'static str, &'static str, Vec<sea_orm::Value>) {
        match self {
            Bucket::ApiKey(id) => (Bucket::TABLES[0], "api_key_id", vec![(*id).into()]),
            Bucket::PublicKeySite { key, site } => (
                Bucket::TABLES[1],
                "public_key_id, site",
                vec![key.0.into(), site.clone().into()],
            ),
        }
    }
}

impl std::fmt::Display for Bucket {
    /// For logs: the key's id (and site).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bucket::ApiKey(id) => write!(f, "api key {id}"),
            Bucket::PublicKeySite { key, site } => write!(f, "public key {} on {site}", key.0),
        }
    }
}

/// Takes up to `want` of `bucket`'s `limit` for the current minute:
/// all of it while the budget lasts, what is left when less is, nothing
/// once it is spent. One upsert: the row of a new minute is made with the
/// first take.
pub async fn take(
    db: &impl ConnectionTrait,
    bucket: &Bucket,
    want: u32,
    limit: u32,
) -> Result<Taken, DomainError> {
    let backend = db.get_database_backend();
    let now = epoch_seconds(backend);
    let (table, columns, key_values) = bucket.row();
    let (least, greatest) = match backend {
        DatabaseBackend::Postgres => ("LEAST", "GREATEST"),
        _ => ("MIN", "MAX"),
    };
    let param = |n: usize| match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    let (want_p, limit_p) = (param(1), param(2));
    let keys = (3..3 + key_values.len())
        .map(param)
        .collect::<Vec<_>>()
        .join(", ");
    // What this take gets: as much as asked while it lasts, what is left
    // when less is, nothing once it is spent. Every right-hand side of the
    // update reads the row as it was, so `last_take` is what this
    // statement added to `taken`; and the statement always answers a row,
    // with the database's clock, so the minute and the seconds left are
    // read in the same instant as the budget.
    let share = format!("{greatest}({least}({want_p}, {limit_p} - {table}.taken), 0)");
    // `WHERE true`: SQLite cannot otherwise tell an `INSERT … SELECT`'s
    // `ON CONFLICT` from a join's `ON`.
    let sql = format!(
        "INSERT INTO {table} ({columns}, minute, taken, last_take) \
         SELECT {keys}, {now} / 60, {least}({want_p}, {limit_p}), {least}({want_p}, {limit_p}) WHERE true \
         ON CONFLICT ({columns}, minute) DO UPDATE SET \
         taken = {table}.taken + {share}, last_take = {share} \
         RETURNING minute, taken, last_take, {now} AS now_seconds"
    );
    let mut values: Vec<sea_orm::Value> = vec![i64::from(want).into(), i64::from(limit).into()];
    values.extend(key_values);
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?
        .ok_or_else(|| DomainError::Broken("a rate budget upsert answered no row".into()))?;
    let clamp = |n: i64| u32::try_from(n.clamp(0, i64::from(limit))).unwrap_or(0);
    let now: i64 = row.try_get("", "now_seconds")?;
    Ok(Taken {
        minute: row.try_get("", "minute")?,
        got: clamp(row.try_get::<i64>("", "last_take")?),
        total: clamp(row.try_get::<i64>("", "taken")?),
        seconds_left: seconds_left(now),
    })
}

/// Seconds from `epoch_seconds` to the end of its minute: 1 to 60.
pub fn seconds_left(epoch_seconds: i64) -> u64 {
    let window = crate::model::rate_limit::WINDOW_SECONDS as i64;
    (window - epoch_seconds.rem_euclid(window)) as u64
}

/// Deletes the budgets (of API keys and of public keys) of minutes
/// before `minute`.
pub async fn prune(db: &impl ConnectionTrait, minute: i64) -> Result<u64, DomainError> {
    let backend = db.get_database_backend();
    let param = match backend {
        DatabaseBackend::Postgres => "$1",
        _ => "?1",
    };
    let mut deleted = 0;
    for table in Bucket::TABLES {
        let sql = format!("DELETE FROM {table} WHERE minute < {param}");
        deleted += db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [minute.into()],
            ))
            .await?
            .rows_affected();
    }
    Ok(deleted)
}
