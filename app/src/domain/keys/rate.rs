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
    let (least, params) = match backend {
        DatabaseBackend::Postgres => ("LEAST", ["$1", "$2", "$3"]),
        _ => ("MIN", ["?1", "?2", "?3"]),
    };
    let [key, want_p, limit_p] = params;
    // Every right-hand side of the update reads the row as it was, so
    // `last_take` is what this statement added to `taken`.
    let sql = format!(
        "INSERT INTO rate_windows (api_key_id, minute, taken, last_take) \
         SELECT {key}, {now} / 60, {least}({want_p}, {limit_p}), {least}({want_p}, {limit_p}) WHERE true \
         ON CONFLICT (api_key_id, minute) DO UPDATE SET \
         taken = rate_windows.taken + {least}({want_p}, {limit_p} - rate_windows.taken), \
         last_take = {least}({want_p}, {limit_p} - rate_windows.taken) \
         WHERE rate_windows.taken < {limit_p} \
         RETURNING minute, taken, last_take, {now} AS now_seconds"
    );
    let values = [
        key_id.into(),
        i64::from(want).into(),
        i64::from(limit).into(),
    ];
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let clamp = |n: i64| u32::try_from(n.clamp(0, i64::from(limit))).unwrap_or(0);
    let left = |now: i64| 60 - now.rem_euclid(60) as u64;
    match row {
        Some(row) => {
            let now: i64 = row.try_get("", "now_seconds")?;
            Ok(Taken {
                minute: row.try_get("", "minute")?,
                got: clamp(row.try_get::<i64>("", "last_take")?),
                total: clamp(row.try_get::<i64>("", "taken")?),
                seconds_left: left(now),
            })
        }
        // The minute's budget is spent already: only the clock to read.
        None => {
            let sql = format!("SELECT {now} AS now_seconds");
            let row = db
                .query_one_raw(Statement::from_string(backend, sql))
                .await?
                .ok_or_else(|| DomainError::Broken("the database told no time".into()))?;
            let now: i64 = row.try_get("", "now_seconds")?;
            Ok(Taken {
                minute: now.div_euclid(60),
                got: 0,
                total: limit,
                seconds_left: left(now),
            })
        }
    }
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
