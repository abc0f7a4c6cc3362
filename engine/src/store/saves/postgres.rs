//! The save path's statements on PostgreSQL: constant text whose rows travel as one JSON
//! parameter (`json_to_recordset`), prepared and planned once per connection whatever the batch's
//! size (a `VALUES` list of 1,000 rows costs PostgreSQL more to parse and plan than to run);
//! look-ups by key are lateral primary-key look-ups, never joins the generic plan may hash.

use std::collections::HashMap;

use sqlx::{Any, Row, Transaction};

use super::{Decided, SaveBatch, SaveRequest, UPSERT_TAIL, candidate_ids, check_written, decide, wanted_slots};
use crate::store::sittings::{SITTING_COLUMNS, SittingRow, sitting_from_row};
use crate::store::{Result, Store};

/// A batch of saves in one transaction (see `Store::save_batch`): five constant statements.
pub(super) async fn save_batch(store: &Store, batch: &[SaveRequest], now: i64) -> Result<SaveBatch> {
    let mut tx = store.begin_write().await?;
    let sittings = lock_sittings(&mut tx, &candidate_ids(batch)).await?;
    let current = read_slots(&mut tx, &wanted_slots(batch, &sittings)).await?;
    let decided = decide(batch, &sittings, current, now);
    write(&mut tx, batch, &decided, now).await?;
    tx.commit().await?;
    Ok(SaveBatch {
        outcomes: decided.outcomes,
        sittings,
    })
}

/// One row of a batch as the statements take it: all rows as one JSON array, unpacked by
/// `json_to_recordset`.
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    c: i64,
    s: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    v: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    q: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    o: Option<&'a str>,
}

fn json_rows<'a>(rows: impl Iterator<Item = JsonRow<'a>>) -> String {
    let rows: Vec<JsonRow<'a>> = rows.collect();
    serde_json::to_string(&rows).expect("rows serialise")
}

/// The sittings of `ids`, locked in candidate order (no deadlock between batches), the ids as an
/// array literal. `FOR NO KEY UPDATE`: it excludes other batches and submission (`FOR UPDATE`) as
/// needed, but not the `FOR KEY SHARE` locks of foreign-key checks.
async fn lock_sittings(tx: &mut Transaction<'static, Any>, ids: &[i64]) -> Result<HashMap<i64, SittingRow>> {
    let sql = format!(
        "SELECT {SITTING_COLUMNS} FROM sittings WHERE candidate_id = ANY($1::BIGINT[]) ORDER BY candidate_id FOR NO KEY UPDATE"
    );
    let ids = format!("{{{}}}", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    let mut sittings = HashMap::with_capacity(ids.len());
    for row in sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(ids)
        .fetch_all(&mut **tx)
        .await?
    {
        let s = sitting_from_row(&row)?;
        sittings.insert(s.candidate_id, s);
    }
    Ok(sittings)
}

/// The current sequence number (and the open choice's value) of each slot of `keys` that has one.
async fn read_slots(
    tx: &mut Transaction<'static, Any>,
    keys: &[(i64, String)],
) -> Result<HashMap<(i64, String), (i64, Option<String>)>> {
    let mut current = HashMap::with_capacity(keys.len());
    let rows = sqlx::query(
        // A lateral look-up by primary key per row (`LIMIT 1` keeps the planner from
        // flattening it): the generic plan of a plain join, which assumes 100 rows, hashes
        // the whole answers table on every batch.
        "SELECT a.candidate_id, a.slot, a.seq, CASE WHEN a.slot = 'open' THEN a.value END AS open_value \
         FROM json_to_recordset($1::json) AS k (c BIGINT, s TEXT) \
         CROSS JOIN LATERAL (SELECT candidate_id, slot, seq, value FROM answers \
                             WHERE candidate_id = k.c AND slot = k.s LIMIT 1) a",
    )
    .bind(json_rows(keys.iter().map(|(c, s)| JsonRow {
        c: *c,
        s,
        v: None,
        q: None,
        o: None,
    })))
    .fetch_all(&mut **tx)
    .await?;
    for row in rows {
        current.insert(
            (row.try_get("candidate_id")?, row.try_get("slot")?),
            (row.try_get("seq")?, row.try_get("open_value")?),
        );
    }
    Ok(current)
}

/// The winning value per slot (in key order) and every save with its outcome for the log (in the
/// batch's order: the function returns the array's rows in order, so the log's ids follow the
/// order the saves were judged in).
async fn write(
    tx: &mut Transaction<'static, Any>,
    batch: &[SaveRequest],
    decided: &Decided<'_>,
    now: i64,
) -> Result<()> {
    if !decided.winners.is_empty() {
        let rows = json_rows(decided.winners.iter().map(|((c, s), save)| JsonRow {
            c: *c,
            s,
            v: Some(&save.value),
            q: Some(save.seq),
            o: None,
        }));
        let sql = format!(
            "INSERT INTO answers (candidate_id, slot, value, seq, saved_ms) \
             SELECT r.c, r.s, r.v, r.q, $2 FROM json_to_recordset($1::json) AS r (c BIGINT, s TEXT, v TEXT, q BIGINT) \
             {UPSERT_TAIL}"
        );
        let written = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(rows)
            .bind(now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        check_written(written, decided.winners.len())?;
    }
    let keys: Vec<String> = batch.iter().map(|save| save.slot.key()).collect();
    let rows = json_rows(
        batch
            .iter()
            .zip(&keys)
            .zip(&decided.logged)
            .map(|((save, key), outcome)| JsonRow {
                c: save.candidate_id,
                s: key,
                v: Some(&save.value),
                q: Some(save.seq),
                o: Some(outcome),
            }),
    );
    sqlx::query(
        "INSERT INTO save_log (candidate_id, seq, slot, value, outcome, received_ms) \
         SELECT r.c, r.q, r.s, r.v, r.o, $2 FROM json_to_recordset($1::json) AS r (c BIGINT, s TEXT, v TEXT, q BIGINT, o TEXT)",
    )
    .bind(rows)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
