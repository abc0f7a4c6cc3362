//! Answers shared out evenly (平均分配): the chief grader hands every first or second mark still
//! waiting to one grader of its question — the one with the fewest marks of it given or handed
//! so far, never one who has marked the answer or holds its other task — so the shares differ by
//! at most one where the answers allow it. `marking::pull_rule` offers a handed task to its
//! grader only. Handing out again (more graders, more answers, a grader gone) starts from what
//! is given; setting it free lets whoever is ready take any.

use std::collections::{BTreeMap, HashMap, HashSet};

use sqlx::Row;

use super::marking::{AuditRecord, audit};
use super::{Result, Store};

/// One question's shares as handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRow {
    pub item_id: String,
    /// Graders (not chiefs) assigned to it.
    pub graders: usize,
    /// First and second marks its answers need in all (given, being given or waiting).
    pub marks: usize,
    /// The fewest and most one grader gives (given and handed).
    pub least: usize,
    pub most: usize,
}

impl Store {
    /// Hands every waiting first or second mark of the event out evenly (see the module); returns
    /// each question's shares. Questions with no grader stay free.
    pub async fn share_out(&self, event_id: i64, actor: &str, now: i64) -> Result<Vec<ShareRow>> {
        let mut tx = self.begin_write().await?;
        let mut graders: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        for r in sqlx::query(
            "SELECT g.item_id, g.account_id FROM grader_assignments g JOIN accounts ac ON ac.id = g.account_id \
             WHERE g.event_id = $1 AND ac.role = 'grader' ORDER BY g.account_id",
        )
        .bind(event_id)
        .fetch_all(&mut *tx)
        .await?
        {
            graders
                .entry(r.try_get("item_id")?)
                .or_default()
                .push(r.try_get("account_id")?);
        }
        // Who has marked (or holds) each answer, and how many marks of each question each grader
        // has given or is giving.
        let mut taken: HashMap<i64, HashSet<i64>> = HashMap::new();
        let mut given: HashMap<(String, i64), usize> = HashMap::new();
        let mut marks: HashMap<String, usize> = HashMap::new();
        let mut waiting: Vec<(i64, i64, String)> = Vec::new();
        for r in sqlx::query(
            "SELECT t.id, t.open_answer_id, t.item_id, t.state, t.leased_by, a.status FROM marking_tasks t \
             JOIN open_answers a ON a.id = t.open_answer_id WHERE a.event_id = $1 AND t.marker_slot < 3 ORDER BY t.id",
        )
        .bind(event_id)
        .fetch_all(&mut *tx)
        .await?
        {
            let (id, answer, item): (i64, i64, String) =
                (r.try_get("id")?, r.try_get("open_answer_id")?, r.try_get("item_id")?);
            *marks.entry(item.clone()).or_default() += 1;
            let state: String = r.try_get("state")?;
            if state == "queued" {
                if r.try_get::<String, _>("status")? != "final" {
                    waiting.push((id, answer, item));
                }
            } else if let Some(grader) = r.try_get::<Option<i64>, _>("leased_by")? {
                taken.entry(answer).or_default().insert(grader);
                *given.entry((item, grader)).or_default() += 1;
            }
        }
        for r in sqlx::query(
            "SELECT m.open_answer_id, m.grader_id FROM marks m JOIN open_answers a ON a.id = m.open_answer_id WHERE a.event_id = $1",
        )
        .bind(event_id)
        .fetch_all(&mut *tx)
        .await?
        {
            taken
                .entry(r.try_get("open_answer_id")?)
                .or_default()
                .insert(r.try_get("grader_id")?);
        }
        let mut handed: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut freed: Vec<i64> = Vec::new();
        for (task, answer, item) in waiting {
            let pick = graders.get(&item).and_then(|team| {
                let busy = taken.get(&answer);
                team.iter()
                    .copied()
                    .filter(|g| busy.is_none_or(|b| !b.contains(g)))
                    .min_by_key(|g| given.get(&(item.clone(), *g)).copied().unwrap_or(0))
            });
            match pick {
                Some(grader) => {
                    *given.entry((item, grader)).or_default() += 1;
                    taken.entry(answer).or_default().insert(grader);
                    handed.entry(grader).or_default().push(task);
                }
                None => freed.push(task),
            }
        }
        sqlx::query(
            "UPDATE marking_tasks SET assigned_to = NULL WHERE state = 'queued' AND marker_slot < 3 \
             AND open_answer_id IN (SELECT id FROM open_answers WHERE event_id = $1)",
        )
        .bind(event_id)
        .execute(&mut *tx)
        .await?;
        for (grader, tasks) in &handed {
            for chunk in tasks.chunks(500) {
                let ids = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE marking_tasks SET assigned_to = $1 WHERE id IN ({ids})"
                )))
                .bind(grader)
                .execute(&mut *tx)
                .await?;
            }
        }
        let shares: Vec<ShareRow> = graders
            .iter()
            .filter_map(|(item, team)| {
                let marks = *marks.get(item)?;
                let counts: Vec<usize> = team
                    .iter()
                    .map(|g| given.get(&(item.clone(), *g)).copied().unwrap_or(0))
                    .collect();
                Some(ShareRow {
                    item_id: item.clone(),
                    graders: team.len(),
                    marks,
                    least: counts.iter().copied().min().unwrap_or(0),
                    most: counts.iter().copied().max().unwrap_or(0),
                })
            })
            .collect();
        if shares.is_empty() {
            // Nothing to share: the transaction is dropped, so nothing changes.
            return Ok(shares);
        }
        let summary = shares
            .iter()
            .map(|s| format!("{}:{}人{}–{}份", s.item_id, s.graders, s.least, s.most))
            .collect::<Vec<_>>()
            .join(" ");
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "share_out",
                subject: "平均分配",
                old: "",
                new: &summary,
                reason: "",
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(shares)
    }

    /// Lets whoever is ready take any waiting answer again (undoes `share_out`).
    pub async fn share_freely(&self, event_id: i64, actor: &str, now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE marking_tasks SET assigned_to = NULL WHERE assigned_to IS NOT NULL \
             AND open_answer_id IN (SELECT id FROM open_answers WHERE event_id = $1)",
        )
        .bind(event_id)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            &AuditRecord {
                event_id,
                actor,
                action: "share_out",
                subject: "自由领取",
                old: "",
                new: "",
                reason: "",
                at_ms: now,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Questions whose waiting marks are handed to graders (shared out evenly), with how many.
    pub async fn handed_out_per_item(&self, event_id: i64) -> Result<HashMap<String, usize>> {
        sqlx::query(
            "SELECT t.item_id, COUNT(*) AS n FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id \
             WHERE a.event_id = $1 AND t.assigned_to IS NOT NULL AND t.state = 'queued' GROUP BY t.item_id",
        )
        .bind(event_id)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("item_id")?, r.try_get::<i64, _>("n")? as usize)))
        .collect()
    }

    /// Whether answers of a question assigned to this grader still wait, each handed to another
    /// grader (so this one has their share done).
    pub async fn share_done(&self, event_id: i64, grader_id: i64) -> Result<bool> {
        Ok(sqlx::query_scalar::<_, i64>(
            "SELECT t.id FROM marking_tasks t JOIN open_answers a ON a.id = t.open_answer_id \
             WHERE a.event_id = $1 AND t.state = 'queued' AND t.marker_slot < 3 AND t.assigned_to IS NOT NULL AND t.assigned_to <> $2 \
               AND t.item_id IN (SELECT g.item_id FROM grader_assignments g WHERE g.event_id = $1 AND g.account_id = $2) LIMIT 1",
        )
        .bind(event_id)
        .bind(grader_id)
        .fetch_optional(&self.read)
        .await?
        .is_some())
    }
}
