//! Exam events, their rooms, frozen items and rosters.

use question_bank::{Blueprint, Item};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Result, Store, StoreError};
use exam_rules::scoring::MultiPolicy;

/// What the exam office decides when it creates an event.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub name: String,
    pub starts_at_ms: i64,
    pub duration_ms: i64,
    pub rooms: Vec<String>,
    pub bank_id: String,
    pub bank_hash: String,
    pub blueprint: Blueprint,
    /// `None`: every candidate their own paper; `Some(k)`: k fixed forms.
    pub forms: Option<u32>,
    pub seed: u64,
    pub multi_policy: MultiPolicy,
    /// Total cut score in hundredths.
    pub pass_mark: i64,
    /// Optional per-section minimums, in hundredths.
    pub min_objective: Option<i64>,
    pub min_open: Option<i64>,
    /// A draft: no items frozen yet; rooms cannot open until it is published.
    pub draft: bool,
    /// How long after the start a candidate may still enter.
    pub late_entry_ms: i64,
    /// How long before the start a room may open.
    pub open_before_ms: i64,
    /// A rehearsal (模拟考试): any duration, marked as such wherever the event is shown.
    pub rehearsal: bool,
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub name: String,
    pub starts_at_ms: i64,
    pub duration_ms: i64,
    pub bank_id: String,
    pub bank_hash: String,
    pub blueprint: Blueprint,
    pub forms: Option<u32>,
    pub seed: u64,
    pub multi_policy: MultiPolicy,
    pub pass_mark: i64,
    pub min_objective: Option<i64>,
    pub min_open: Option<i64>,
    pub published: bool,
    pub released_ms: Option<i64>,
    pub late_entry_ms: i64,
    pub open_before_ms: i64,
    pub rehearsal: bool,
}

/// A candidate as registered for an event, for the tickets printed for them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Registered {
    pub ticket: String,
    pub name: String,
    pub pinyin: String,
    pub id_number: String,
    pub room: String,
    pub seat: String,
}

/// One candidate of a roster, checked, with the password hash already computed.
#[derive(Debug, Clone)]
pub struct RosterRow {
    pub ticket: String,
    pub name: String,
    pub pinyin: String,
    pub id_number: String,
    pub room: String,
    pub seat: String,
    pub password_hash: String,
    pub paper_seed: u64,
    pub form: u32,
}

fn event_from_row(r: &AnyRow) -> Result<EventRow> {
    let blueprint_json: String = r.try_get("blueprint_json")?;
    let mode: String = r.try_get("paper_mode")?;
    let policy: String = r.try_get("multi_policy")?;
    Ok(EventRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        starts_at_ms: r.try_get("starts_at_ms")?,
        duration_ms: r.try_get("duration_ms")?,
        bank_id: r.try_get("bank_id")?,
        bank_hash: r.try_get("bank_hash")?,
        blueprint: serde_json::from_str(&blueprint_json)
            .map_err(|e| StoreError::Corrupt(format!("event blueprint: {e}")))?,
        forms: (mode == "forms")
            .then(|| r.try_get::<i64, _>("forms").map(|f| f as u32))
            .transpose()?,
        seed: r.try_get::<i64, _>("seed")? as u64,
        multi_policy: MultiPolicy::parse(&policy)
            .ok_or_else(|| StoreError::Corrupt(format!("multi policy {policy}")))?,
        pass_mark: r.try_get("pass_mark")?,
        min_objective: r.try_get("min_objective")?,
        min_open: r.try_get("min_open")?,
        published: r.try_get::<String, _>("status")? == "published",
        released_ms: r.try_get("released_ms")?,
        late_entry_ms: r.try_get("late_entry_ms")?,
        open_before_ms: r.try_get("open_before_ms")?,
        rehearsal: r.try_get::<i64, _>("rehearsal")? != 0,
    })
}

/// The bank's pictures by file name (`Bank::images`): what the frozen items show.
pub type Pictures = std::collections::BTreeMap<String, Vec<u8>>;

/// Copies `items` into the event, as they are now, with the pictures they show.
async fn freeze_items(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: i64,
    items: &[Item],
    pictures: &Pictures,
) -> Result<()> {
    for image in items.iter().flat_map(|i| &i.images) {
        let bytes = pictures
            .get(&image.file)
            .ok_or_else(|| StoreError::Corrupt(format!("the bank lacks the picture {}", image.file)))?;
        let (content_type, _) = question_bank::image_type(bytes)
            .ok_or_else(|| StoreError::Corrupt(format!("{} is not a PNG or JPEG", image.file)))?;
        sqlx::query(
            "INSERT INTO item_images (sha256, content_type, bytes) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&image.sha256)
        .bind(content_type)
        .bind(bytes.as_slice())
        .execute(&mut **tx)
        .await?;
    }
    for item in items {
        sqlx::query("INSERT INTO event_items (event_id, item_id, item_hash, item_json) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(item.id.as_str())
            .bind(item.content_hash().0)
            .bind(serde_json::to_string(item).expect("item serialises"))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// A picture of a frozen item, by its hash: (content type, bytes).
    pub async fn item_image(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>> {
        let row: Option<(String, Vec<u8>)> =
            sqlx::query_as("SELECT content_type, bytes FROM item_images WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(&self.read)
                .await?;
        Ok(row)
    }
}

impl EventRow {
    /// The event's published schedule: start, cut-off, common end, when rooms may open.
    pub fn schedule(&self) -> exam_rules::schedule::Schedule {
        exam_rules::schedule::Schedule {
            starts_at: self.starts_at_ms,
            duration_ms: self.duration_ms,
            late_entry_ms: self.late_entry_ms,
            open_before_ms: self.open_before_ms,
        }
    }

    /// The event's pass rule.
    pub fn pass_rule(&self) -> exam_rules::pass::PassRule {
        use question_bank::Points;
        exam_rules::pass::PassRule {
            total: Points::from_hundredths(self.pass_mark),
            min_objective: self.min_objective.map(Points::from_hundredths),
            min_open: self.min_open.map(Points::from_hundredths),
        }
    }
}

impl Store {
    /// Creates an event with its rooms and its items frozen: the bank's active items as they
    /// are now are copied into the event, so later edits to the bank change nothing here.
    pub async fn create_event(&self, e: &NewEvent, items: &[Item], pictures: &Pictures, now: i64) -> Result<i64> {
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO events (name, starts_at_ms, duration_ms, bank_id, bank_hash, blueprint_json, paper_mode, forms, seed, \
             multi_policy, pass_mark, min_objective, min_open, status, created_ms, late_entry_ms, open_before_ms, rehearsal) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
        )
        .bind(&e.name)
        .bind(e.starts_at_ms)
        .bind(e.duration_ms)
        .bind(&e.bank_id)
        .bind(&e.bank_hash)
        .bind(serde_json::to_string(&e.blueprint).expect("blueprint serialises"))
        .bind(if e.forms.is_some() { "forms" } else { "per-candidate" })
        .bind(e.forms.unwrap_or(0) as i64)
        .bind(e.seed as i64)
        .bind(e.multi_policy.as_str())
        .bind(e.pass_mark)
        .bind(e.min_objective)
        .bind(e.min_open)
        .bind(if e.draft { "draft" } else { "published" })
        .bind(now)
        .bind(e.late_entry_ms)
        .bind(e.open_before_ms)
        .bind(e.rehearsal as i64)
        .fetch_one(&mut *tx)
        .await?;
        for room in &e.rooms {
            sqlx::query("INSERT INTO event_rooms (event_id, room) VALUES ($1, $2)")
                .bind(id)
                .bind(room)
                .execute(&mut *tx)
                .await?;
        }
        freeze_items(&mut tx, id, items, pictures).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Publishes a draft: freezes `items` into it (with the bank's hash at this moment) and
    /// records who did it. False if the event is not a draft (already published, or unknown).
    pub async fn publish_event(
        &self,
        id: i64,
        bank_hash: &str,
        items: &[Item],
        pictures: &Pictures,
        actor: &str,
        now: i64,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE events SET status = 'published', bank_hash = $2 WHERE id = $1 AND status = 'draft'")
                .bind(id)
                .bind(bank_hash)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        freeze_items(&mut tx, id, items, pictures).await?;
        sqlx::query("INSERT INTO audit_log (event_id, actor, action, subject, old_value, new_value, reason, at_ms) VALUES ($1, $2, 'publish', $3, 'draft', 'published', '', $4)")
            .bind(id)
            .bind(actor)
            .bind(format!("考试 {id}（冻结 {} 道题目，题库版本 {bank_hash}）", items.len()))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Moves the start of an event in which nobody has started yet (the demo, when it is served
    /// again another day). False if someone has started, or the event is unknown.
    pub async fn reschedule_unstarted(&self, id: i64, starts_at_ms: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE events SET starts_at_ms = $2 WHERE id = $1 AND released_ms IS NULL \
             AND NOT EXISTS (SELECT 1 FROM sittings WHERE event_id = $1 AND state <> 'not_started')",
        )
        .bind(id)
        .bind(starts_at_ms)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("UPDATE event_rooms SET opened_ms = NULL WHERE event_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn event(&self, id: i64) -> Result<Option<EventRow>> {
        let row = sqlx::query("SELECT * FROM events WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(event_from_row).transpose()
    }

    pub async fn events(&self) -> Result<Vec<EventRow>> {
        let rows = sqlx::query("SELECT * FROM events ORDER BY id")
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The items frozen into an event, in id order.
    pub async fn event_items(&self, event_id: i64) -> Result<Vec<Item>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT item_json FROM event_items WHERE event_id = $1 ORDER BY item_id")
                .bind(event_id)
                .fetch_all(&self.read)
                .await?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(|e| StoreError::Corrupt(format!("frozen item: {e}"))))
            .collect()
    }

    pub async fn event_rooms(&self, event_id: i64) -> Result<Vec<(String, Option<i64>)>> {
        let rows = sqlx::query("SELECT room, opened_ms FROM event_rooms WHERE event_id = $1 ORDER BY room")
            .bind(event_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("room")?, r.try_get("opened_ms")?)))
            .collect()
    }

    /// Tickets already taken, anywhere: a ticket number identifies one candidate at login.
    pub async fn existing_tickets(&self, tickets: &[String]) -> Result<Vec<String>> {
        let mut taken = Vec::new();
        for chunk in tickets.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT ticket FROM candidates WHERE ticket IN ({})",
                placeholders.join(", ")
            );
            let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for t in chunk {
                q = q.bind(t);
            }
            taken.extend(q.fetch_all(&self.read).await?);
        }
        Ok(taken)
    }

    /// Adds a checked roster in one transaction: all of it or none of it.
    pub async fn import_roster(&self, event_id: i64, rows: &[RosterRow], base_ms: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for r in rows {
            insert_candidate(&mut tx, event_id, r, base_ms).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn roster_size(&self, event_id: i64) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM candidates WHERE event_id = $1")
                .bind(event_id)
                .fetch_one(&self.read)
                .await?,
        )
    }

    /// The event's candidates as registered (no password hash), by ticket.
    pub async fn roster(&self, event_id: i64) -> Result<Vec<Registered>> {
        Ok(sqlx::query_as(
            "SELECT ticket, name, pinyin, id_number, room, seat FROM candidates WHERE event_id = $1 ORDER BY ticket",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?)
    }
}

/// A candidate of an event with their sitting (not started) and their room; returns the
/// candidate's id.
pub(super) async fn insert_candidate(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    event_id: i64,
    r: &RosterRow,
    base_ms: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO candidates (event_id, ticket, name, pinyin, id_number, room, seat, password_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(event_id)
    .bind(&r.ticket)
    .bind(&r.name)
    .bind(&r.pinyin)
    .bind(&r.id_number)
    .bind(&r.room)
    .bind(&r.seat)
    .bind(&r.password_hash)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("INSERT INTO sittings (candidate_id, event_id, paper_seed, form, state, base_ms) VALUES ($1, $2, $3, $4, 'not_started', $5)")
        .bind(id)
        .bind(event_id)
        .bind(r.paper_seed as i64)
        .bind(r.form as i64)
        .bind(base_ms)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO event_rooms (event_id, room) VALUES ($1, $2) ON CONFLICT (event_id, room) DO NOTHING")
        .bind(event_id)
        .bind(&r.room)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}
