//! A key's **Requests per minute**, shared by every instance: each takes
//! part of the minute's budget from the database at a time and spends it
//! in memory (`server/src/api/rate_limit.rs`). What the instances take
//! between them never exceeds the limit, so the limit holds however many
//! instances serve the key; a take is one statement, so concurrent takes
//! on one PostgreSQL cannot both get the last of a minute.

use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::domain::DomainError;

/// What a take got from a key's budget for a minute, and how many the
/// instances have taken in that minute now, this one included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taken {
    pub got: u32,
    pub total: u32,
}

/// Takes up to `want` of key `key_id`'s `limit` for `minute` (minutes
/// since the epoch): all of it while the budget lasts, what is left when
/// less is, nothing once it is spent.
pub async fn take(
    db: &impl ConnectionTrait,
    key_id: i64,
    minute: i64,
    want: u32,
    limit: u32,
) -> Result<Taken, DomainError> {
    let backend = db.get_database_backend();
    let (want, limit) = (i64::from(want), i64::from(limit));
    let (insert, update) = match backend {
        DatabaseBackend::Postgres => (
            "INSERT INTO rate_windows (api_key_id, minute, taken, last_take) \
             VALUES ($1, $2, 0, 0) ON CONFLICT DO NOTHING",
            // Every right-hand side reads the row as it was, so `last_take`
            // is what this statement added to `taken`.
            "UPDATE rate_windows SET \
             taken = taken + CASE WHEN taken + $3 > $4 THEN $4 - taken ELSE $3 END, \
             last_take = CASE WHEN taken + $3 > $4 THEN $4 - taken ELSE $3 END \
             WHERE api_key_id = $1 AND minute = $2 AND taken < $4 \
             RETURNING taken, last_take",
        ),
        _ => (
            "INSERT INTO rate_windows (api_key_id, minute, taken, last_take) \
             VALUES (?1, ?2, 0, 0) ON CONFLICT DO NOTHING",
            "UPDATE rate_windows SET \
             taken = taken + CASE WHEN taken + ?3 > ?4 THEN ?4 - taken ELSE ?3 END, \
             last_take = CASE WHEN taken + ?3 > ?4 THEN ?4 - taken ELSE ?3 END \
             WHERE api_key_id = ?1 AND minute = ?2 AND taken < ?4 \
             RETURNING taken, last_take",
        ),
    };
    let key = [key_id.into(), minute.into()];
    db.execute_raw(Statement::from_sql_and_values(backend, insert, key.clone()))
        .await?;
    let values = [key_id.into(), minute.into(), want.into(), limit.into()];
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, update, values))
        .await?;
    let clamp = |n: i64| u32::try_from(n.clamp(0, limit)).unwrap_or(0);
    Ok(match row {
        Some(row) => Taken {
            got: clamp(row.try_get::<i64>("", "last_take")?),
            total: clamp(row.try_get::<i64>("", "taken")?),
        },
        // Spent already.
        None => Taken {
            got: 0,
            total: clamp(limit),
        },
    })
}

/// Deletes the budgets of minutes before `minute`: nothing reads them.
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
