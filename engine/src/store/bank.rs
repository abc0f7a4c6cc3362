//! The office's changes to a bank's items (retired or reinstated), kept beside the bank's files.

use super::{AuditRecord, Result, Store};

/// An item whose status the office set, overriding the bank's files.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemStatusRow {
    pub item_id: String,
    /// "active" or "retired"
    pub status: String,
    pub actor: String,
    pub reason: String,
    pub at_ms: i64,
}

impl Store {
    /// Every status the office set for the bank's items.
    pub async fn item_statuses(&self, bank_id: &str) -> Result<Vec<ItemStatusRow>> {
        Ok(sqlx::query_as(
            "SELECT item_id, status, actor, reason, at_ms FROM item_status WHERE bank_id = $1 ORDER BY item_id",
        )
        .bind(bank_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Sets an item's status and records it in the audit log, in one transaction.
    pub async fn set_item_status(&self, bank_id: &str, row: &ItemStatusRow, audit: &AuditRecord<'_>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO item_status (bank_id, item_id, status, actor, reason, at_ms) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (bank_id, item_id) DO UPDATE SET status = excluded.status, actor = excluded.actor, \
             reason = excluded.reason, at_ms = excluded.at_ms",
        )
        .bind(bank_id)
        .bind(&row.item_id)
        .bind(&row.status)
        .bind(&row.actor)
        .bind(&row.reason)
        .bind(row.at_ms)
        .execute(&mut *tx)
        .await?;
        super::marking::audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
