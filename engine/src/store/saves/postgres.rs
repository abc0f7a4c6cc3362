//! The save path's statements on PostgreSQL: constant text whose rows travel as one JSON
//! parameter (`json_to_recordset`), prepared and planned once per connection whatever the batch's
//! size; look-ups by key are lateral primary-key look-ups, never joins the generic plan may hash.

use std::collections::HashMap;

use sqlx::{Any, Row, Transaction};

use super::{BatchWrites, UPSERT_TAIL, check_written};
use crate::store::Result;

/// PostgreSQL takes a batch's rows as one JSON parameter (`json_to_recordset`), so the save
/// path's statements have constant text: prepared once per connection and planned once, whatever
/// the batch's size (a `VALUES` list of 1,000 rows costs PostgreSQL more to parse and plan than
/// to run). SQLite gets multi-row `VALUES` (parsing is cheap there, and it needs no JSON).
#[derive(serde::Serialize)]
pub(in crate::store) struct JsonRow<'a> {
    pub c: i64,
    pub s: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub o: Option<&'a str>,
}

pub(in crate::store) fn json_rows<'a>(rows: impl Iterator<Item = JsonRow<'a>>) -> String {
    let rows: Vec<JsonRow<'a>> = rows.collect();
    serde_json::to_string(&rows).expect("rows serialise")
}

/// The current sequence number (and the open choice's value) of each slot of `keys` that has one.
pub(super) async fn read_slots(
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

impl BatchWrites<'_> {
    /// PostgreSQL: two constant statements.
    pub(super) async fn write_pg(&self, tx: &mut Transaction<'static, Any>) -> Result<()> {
        let (winners, batch, now) = (self.winners, self.batch, self.now);
        if !winners.is_empty() {
            let rows = json_rows(winners.iter().map(|((c, s), save)| JsonRow {
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
            check_written(written, winners.len())?;
        }
        // In the batch's order (the function returns the array's rows in order), so the log's ids
        // follow the order the saves were judged in.
        let keys: Vec<String> = batch.iter().map(|save| save.slot.key()).collect();
        let rows = json_rows(
            batch
                .iter()
                .zip(&keys)
                .zip(self.logged)
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
}
