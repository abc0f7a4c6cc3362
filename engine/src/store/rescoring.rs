//! Key corrections and rescoring: every response to one item, and applying new points to them
//! (and to each sitting's objective score) in one transaction.

use std::collections::HashMap;

use sqlx::Row;

use super::{Result, Store};

/// The points in force of an item result `r` joined with `rescored_points rp` (see
/// `rescored_join`): a key correction's points where one applies, else the points at submission.
pub(super) const POINTS_IN_FORCE: &str = "COALESCE(rp.points, r.points)";

/// Joins `rescored_points rp` to item results `r` of the event given by the SQL expression.
pub(super) fn rescored_join(event: &str) -> String {
    format!(
        "LEFT JOIN rescored_points rp ON rp.event_id = {event} AND rp.item_id = r.item_id AND rp.bank_response = r.bank_response"
    )
}

/// A key correction as recorded: `kind` is "rekey" or "void"; `accepted` and `old_key` list
/// answers in bank labels, '|'-separated.
#[derive(Debug, Clone)]
pub struct CorrectionRecord<'a> {
    pub event_id: i64,
    pub item_id: &'a str,
    pub kind: &'a str,
    pub accepted: &'a str,
    pub old_key: &'a str,
    pub reason: &'a str,
    pub actor: &'a str,
}

/// Whether a key correction is kept or only tried: a dry run does every write of the real one in
/// its transaction, reads the impact, and rolls back, so the preview is exactly what a commit
/// would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Apply {
    Commit,
    DryRun,
}

/// A candidate a correction rescored, as they stood before it, and by how much it moved them.
#[derive(Debug, Clone)]
pub struct RescoredCandidate {
    pub candidate_id: i64,
    pub ticket: String,
    pub name: String,
    pub state: exam_rules::sitting::SittingState,
    pub objective: i64,
    /// The sum of the final marks of their open answers so far.
    pub open_marks: i64,
    /// Open answers not yet final (marking, disputed, under appeal).
    pub open_pending: i64,
    pub delta: i64,
}

/// Responses to one item that are scored alike: the response (bank labels), its points in force
/// (hundredths) and how many candidates gave it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ResponseGroup {
    pub response: String,
    pub points: i64,
    pub responses: i64,
}

/// One scored objective response (points in force, hundredths).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoredResponse {
    pub candidate_id: i64,
    pub item_id: String,
    pub bank_response: String,
    pub points: i64,
}

/// One response a key correction rescored (points in hundredths).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RescoredItem {
    pub candidate_id: i64,
    /// The item's number on the candidate's paper.
    pub no: i64,
    pub old_points: i64,
    pub new_points: i64,
}

/// A key correction as recorded: `kind` "rekey" (with the accepted answers joined by "|") or
/// "void".
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyCorrectionRow {
    pub item_id: String,
    pub kind: String,
    pub accepted: String,
    pub reason: String,
    pub actor: String,
    pub at_ms: i64,
}

impl Store {
    /// The event's responses to `item_id`, grouped by response and points in force. New points
    /// depend only on these two, so a handful of groups stand for all the responses, however many
    /// candidates sat the event.
    pub async fn item_response_groups(&self, event_id: i64, item_id: &str) -> Result<Vec<ResponseGroup>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.bank_response AS response, {POINTS_IN_FORCE} AS points, COUNT(*) AS responses FROM item_results r \
             JOIN sittings s ON s.candidate_id = r.candidate_id {} WHERE s.event_id = $1 AND r.item_id = $2 \
             GROUP BY r.bank_response, {POINTS_IN_FORCE} ORDER BY r.bank_response, points",
            rescored_join("s.event_id")
        )))
        .bind(event_id)
        .bind(item_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Every scored objective response of an event, by candidate and paper number.
    pub async fn event_responses(&self, event_id: i64) -> Result<Vec<ScoredResponse>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.candidate_id, r.item_id, r.bank_response, {POINTS_IN_FORCE} AS points FROM item_results r \
             JOIN candidates c ON c.id = r.candidate_id {} WHERE c.event_id = $1 ORDER BY r.candidate_id, r.no",
            rescored_join("c.event_id")
        )))
        .bind(event_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Records a key correction and applies the new points, set-based: every response in a
    /// group (`moves`: response in bank labels, points in force, new points) gets the new points
    /// (one `rescored_points` row per group; the item results keep their points at submission),
    /// each affected sitting's objective score moves by the difference, and each response's old
    /// and new points are kept in `rescored_items`. The correction, its audit entry and every score
    /// change commit together or not at all (a dry run rolls them all back). Returns each rescored candidate as they stood before.
    pub async fn apply_key_correction(
        &self,
        c: &CorrectionRecord<'_>,
        moves: &[(String, i64, i64)],
        now: i64,
        apply: Apply,
    ) -> Result<Vec<RescoredCandidate>> {
        let mut tx = self.begin_write().await?;
        let correction_id: i64 = sqlx::query_scalar(
            "INSERT INTO key_corrections (event_id, item_id, kind, accepted, old_key, reason, actor, at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(c.event_id)
        .bind(c.item_id)
        .bind(c.kind)
        .bind(c.accepted)
        .bind(c.old_key)
        .bind(c.reason)
        .bind(c.actor)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        // Every response in a moving group, in one pass over the item's results: which group a
        // response is in is (response, points in force); binds $3, $4 for the first group, …
        let groups: HashMap<(&str, i64), i64> = moves.iter().map(|(r, old, new)| ((r.as_str(), *old), *new)).collect();
        let mut rescored: Vec<RescoredCandidate> = Vec::new();
        let mut kept: Vec<(i64, i64, i64, i64)> = Vec::new();
        for chunk in moves.chunks(200) {
            let which: Vec<String> = (0..chunk.len())
                .map(|k| {
                    format!(
                        "(r.bank_response = ${} AND {POINTS_IN_FORCE} = ${})",
                        3 + 2 * k,
                        4 + 2 * k
                    )
                })
                .collect();
            let sql = format!(
                "SELECT c.id, c.ticket, c.name, s.state, COALESCE(s.objective_score, 0) AS objective, r.no, r.bank_response, \
                   {POINTS_IN_FORCE} AS points, \
                   (SELECT CAST(COALESCE(SUM(a.final_mark), 0) AS BIGINT) FROM open_answers a WHERE a.candidate_id = c.id) AS open_marks, \
                   (SELECT COUNT(*) FROM open_answers a WHERE a.candidate_id = c.id AND a.status <> 'final') AS open_pending \
                 FROM item_results r {} JOIN sittings s ON s.candidate_id = r.candidate_id JOIN candidates c ON c.id = r.candidate_id \
                 WHERE r.item_id = $2 AND s.event_id = $1 AND ({}) ORDER BY c.id",
                rescored_join("$1"),
                which.join(" OR ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(c.event_id).bind(c.item_id);
            for (response, old, _) in chunk {
                q = q.bind(response).bind(old);
            }
            for r in q.fetch_all(&mut *tx).await? {
                let response: String = r.try_get("bank_response")?;
                let old: i64 = r.try_get("points")?;
                let new = groups[&(response.as_str(), old)];
                let candidate_id: i64 = r.try_get("id")?;
                kept.push((candidate_id, r.try_get("no")?, old, new));
                rescored.push(RescoredCandidate {
                    candidate_id,
                    ticket: r.try_get("ticket")?,
                    name: r.try_get("name")?,
                    state: super::sittings::stored_state(r.try_get("state")?)?,
                    objective: r.try_get("objective")?,
                    open_marks: r.try_get("open_marks")?,
                    open_pending: r.try_get("open_pending")?,
                    delta: new - old,
                });
            }
        }
        // Old and new points per response, kept with the correction.
        for chunk in kept.chunks(1000) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|k| format!("($1, ${}, ${}, ${}, ${})", 2 + 4 * k, 3 + 4 * k, 4 + 4 * k, 5 + 4 * k))
                .collect();
            let sql = format!(
                "INSERT INTO rescored_items (correction_id, candidate_id, no, old_points, new_points) VALUES {}",
                rows.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(correction_id);
            for (candidate_id, no, old, new) in chunk {
                q = q.bind(candidate_id).bind(no).bind(old).bind(new);
            }
            q.execute(&mut *tx).await?;
        }
        // Each affected sitting's objective score, by primary key, candidates with the same
        // difference together.
        let mut by_delta: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in &rescored {
            by_delta.entry(r.delta).or_default().push(r.candidate_id);
        }
        for (delta, ids) in &by_delta {
            for chunk in ids.chunks(1000) {
                let list: Vec<String> = (0..chunk.len()).map(|k| format!("${}", 2 + k)).collect();
                let sql = format!(
                    "UPDATE sittings SET objective_score = objective_score + $1 WHERE candidate_id IN ({})",
                    list.join(", ")
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(delta);
                for id in chunk {
                    q = q.bind(id);
                }
                q.execute(&mut *tx).await?;
            }
        }
        // The points in force for each moved response.
        for (response, _, new) in moves {
            sqlx::query(
                "INSERT INTO rescored_points (event_id, item_id, bank_response, points) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (event_id, item_id, bank_response) DO UPDATE SET points = excluded.points",
            )
            .bind(c.event_id)
            .bind(c.item_id)
            .bind(response)
            .bind(new)
            .execute(&mut *tx)
            .await?;
        }
        rescored.sort_by_key(|r| r.candidate_id);
        let new_key = if c.kind == "void" {
            "作废（全体给分）".to_string()
        } else {
            c.accepted.replace('|', " 或 ")
        };
        sqlx::query("INSERT INTO audit_log (event_id, actor, action, subject, old_value, new_value, reason, at_ms) VALUES ($1, $2, 'key_correction', $3, $4, $5, $6, $7)")
            .bind(c.event_id)
            .bind(c.actor)
            .bind(format!("题目 {}（{} 份作答改分）", c.item_id, rescored.len()))
            .bind(c.old_key.replace('|', " 或 "))
            .bind(new_key)
            .bind(c.reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        match apply {
            Apply::Commit => tx.commit().await?,
            Apply::DryRun => tx.rollback().await?,
        }
        Ok(rescored)
    }

    /// The old and new points of every response a correction of `item_id` rescored, oldest
    /// correction first.
    pub async fn rescored_items(&self, event_id: i64, item_id: &str) -> Result<Vec<RescoredItem>> {
        Ok(sqlx::query_as(
            "SELECT ri.candidate_id, ri.no, ri.old_points, ri.new_points FROM rescored_items ri \
             JOIN key_corrections k ON k.id = ri.correction_id WHERE k.event_id = $1 AND k.item_id = $2 \
             ORDER BY k.id, ri.candidate_id",
        )
        .bind(event_id)
        .bind(item_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Sittings of the event not yet submitted but under way (in progress or paused).
    pub async fn sittings_under_way(&self, event_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM sittings WHERE event_id = $1 AND state IN ('in_progress', 'paused')",
        )
        .bind(event_id)
        .fetch_one(&self.read)
        .await?)
    }

    /// The key corrections of an event, oldest first.
    pub async fn key_corrections(&self, event_id: i64) -> Result<Vec<KeyCorrectionRow>> {
        Ok(sqlx::query_as(
            "SELECT item_id, kind, accepted, reason, actor, at_ms FROM key_corrections WHERE event_id = $1 ORDER BY id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?)
    }
}
