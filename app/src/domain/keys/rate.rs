//! A key's **Requests per minute**, shared by every instance: each takes
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

/// Takes up to `want` of key `key_id`'s `limit` for the current minute:
/// all of it while the budget lasts, what is left when less is, nothing
/// once it is spent. One upsert: the row of a new minute is made with the
/// first take.
pub async fn take(
    db: &impl ConnectionTrait,
    key_id: i64,
    want: u32,
    limit: u32,
) -> Result<Taken, DomainError> {
    let backend = db.get_database_backend();
    let now = epoch_seconds(backend);
    let (least, greatest, params) = match backend {
        DatabaseBackend::Postgres => ("LEAST", "GREATEST", ["$1", "$2", "$3"]),
        _ => ("MIN", "MAX", ["?1", "?2", "?3"]),
    };
    let [key, want_p, limit_p] = params;
    // What this take gets: as much as asked while it lasts, what is left
    // when less is, nothing once it is spent. Every right-hand side of the
    // update reads the row as it was, so `last_take` is what this
    // statement added to `taken`; and the statement always answers a row,
    // with the database's clock, so the minute and the seconds left are
    // read in the same instant as the budget.
    let share = format!("{greatest}({least}({want_p}, {limit_p} - rate_windows.taken), 0)");
    // `WHERE true`: SQLite cannot otherwise tell an `INSERT … SELECT`'s
    // `ON CONFLICT` from a join's `ON`.
    let sql = format!(
        "INSERT INTO rate_windows (api_key_id, minute, taken, last_take) \
         SELECT {key}, {now} / 60, {least}({want_p}, {limit_p}), {least}({want_p}, {limit_p}) WHERE true \
         ON CONFLICT (api_key_id, minute) DO UPDATE SET \
         taken = rate_windows.taken + {share}, last_take = {share} \
         RETURNING minute, taken, last_take, {now} AS now_seconds"
    );
    let values = [
        key_id.into(),
        i64::from(want).into(),
        i64::from(limit).into(),
    ];
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

/// Deletes the budgets of minutes before `minute`.
pub async fn prune(db: &impl ConnectionTrait, minute: i64) -> Result<u64, DomainError> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DatabaseBackend::Postgres => "DELETE FROM rate_windows WHERE minute < $1",
        _ => "DELETE FROM rate_windows WHERE minute < ?1",
    };
    Ok(db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [minute.into()],
        ))
        .await?
        .rows_affected())
}
