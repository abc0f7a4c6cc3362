//! Key corrections and rescoring: every response to one item, and applying new points to them
//! (and to each sitting's objective score) in one transaction.

use sqlx::Row;

use super::{Result, Store};

impl Store {
    /// Every stored response to `item_id` in the event: (candidate id, paper number, response in
    /// bank labels, current points).
    pub async fn item_responses(&self, event_id: i64, item_id: &str) -> Result<Vec<(i64, i64, String, i64)>> {
        let rows = sqlx::query(
            "SELECT r.candidate_id, r.no, r.bank_response, r.points FROM item_results r JOIN candidates c ON c.id = r.candidate_id \
             WHERE c.event_id = $1 AND r.item_id = $2",
        )
        .bind(event_id)
        .bind(item_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("candidate_id")?,
                    r.try_get("no")?,
                    r.try_get("bank_response")?,
                    r.try_get("points")?,
                ))
            })
            .collect()
    }

    /// Every scored objective response of an event: (candidate id, item id, response in bank
    /// labels, points).
    pub async fn event_responses(&self, event_id: i64) -> Result<Vec<(i64, String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT r.candidate_id, r.item_id, r.bank_response, r.points FROM item_results r JOIN candidates c ON c.id = r.candidate_id \
             WHERE c.event_id = $1 ORDER BY r.candidate_id, r.no",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("candidate_id")?,
                    r.try_get("item_id")?,
                    r.try_get("bank_response")?,
                    r.try_get("points")?,
                ))
            })
            .collect()
    }

    /// Records a key correction and applies the new points: `changes` are (candidate id, paper
    /// number, new points, difference). The correction, its audit entry and every score change
    /// commit together or not at all.
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_key_correction(
        &self,
        event_id: i64,
        item_id: &str,
        kind: &str,
        accepted: &str,
        old_key: &str,
        reason: &str,
        actor: &str,
        changes: &[(i64, i64, i64, i64)],
        now: i64,
    ) -> Result<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("INSERT INTO key_corrections (event_id, item_id, kind, accepted, reason, actor, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(event_id)
            .bind(item_id)
            .bind(kind)
            .bind(accepted)
            .bind(reason)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        for (candidate_id, no, points, delta) in changes {
            sqlx::query("UPDATE item_results SET points = $3 WHERE candidate_id = $1 AND no = $2")
                .bind(candidate_id)
                .bind(no)
                .bind(points)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE sittings SET objective_score = objective_score + $2 WHERE candidate_id = $1")
                .bind(candidate_id)
                .bind(delta)
                .execute(&mut *tx)
                .await?;
        }
        let new = if kind == "void" {
            "作废（全体给分）".to_string()
        } else {
            accepted.replace('|', " 或 ")
        };
        sqlx::query("INSERT INTO audit_log (event_id, actor, action, subject, old_value, new_value, reason, at_ms) VALUES ($1, $2, 'key_correction', $3, $4, $5, $6, $7)")
            .bind(event_id)
            .bind(actor)
            .bind(format!("item {item_id}（{} 份作答改分）", changes.len()))
            .bind(old_key)
            .bind(new)
            .bind(reason)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The key corrections of an event, oldest first: (item id, kind, accepted, reason, actor, at).
    pub async fn key_corrections(&self, event_id: i64) -> Result<Vec<(String, String, String, String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT item_id, kind, accepted, reason, actor, at_ms FROM key_corrections WHERE event_id = $1 ORDER BY id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("item_id")?,
                    r.try_get("kind")?,
                    r.try_get("accepted")?,
                    r.try_get("reason")?,
                    r.try_get("actor")?,
                    r.try_get("at_ms")?,
                ))
            })
            .collect()
    }
}
