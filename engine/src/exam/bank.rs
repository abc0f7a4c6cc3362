//! The bank as the office sees it in the console: its items by module × kind against the
//! blueprint (and how many papers it can still feed without repeating an item), each item as the
//! candidate sees it and as the key shows it, and retiring or reinstating an item. The office's
//! statuses are kept in the database and override the bank's files whenever the bank is loaded
//! for a new event or a publication; events already published keep what they froze.

use serde::Serialize;

use super::Exam;
use super::error::{ServiceError, ServiceResult};
use crate::store::{AuditRecord, ItemStatusRow};
use question_bank::{Bank, Blueprint, ItemBody, Status};

/// One module of the bank against the blueprint.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageCell {
    pub module: u8,
    pub module_name: &'static str,
    /// Active single-choice items, how many a paper needs, and how many papers they feed
    /// without repeating one.
    pub single: [u32; 3],
    pub multi: [u32; 3],
    /// Active open questions of this module (the open part draws from every module).
    pub open: u32,
}

/// One item in the bank's list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BankItem {
    pub id: String,
    pub module: u8,
    /// 单选题, 多选题 or 开放题
    pub kind_name: &'static str,
    /// active, draft or retired
    pub status: &'static str,
    /// Whether the office set the status (rather than the bank's files).
    pub changed_by_office: bool,
    pub stem: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BankView {
    pub id: String,
    pub name: String,
    pub items: usize,
    pub active: usize,
    pub coverage: Vec<CoverageCell>,
    /// Active open questions, how many a paper offers, and how many papers they feed.
    pub open: [u32; 3],
    /// How many whole papers the bank feeds without repeating an item (the smallest cell).
    pub papers_without_repeats: u32,
    pub list: Vec<BankItem>,
}

/// One item as the candidate sees it (stem, options) and as the key shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemPreview {
    pub id: String,
    pub module: u8,
    pub module_name: &'static str,
    pub kind_name: &'static str,
    pub status: &'static str,
    pub stem: String,
    /// Options with their labels ("A", "B", …); empty for an open question.
    pub options: Vec<[String; 2]>,
    /// The correct labels ("AC"); empty for an open question.
    pub key: String,
    /// The marking points and their shares (open questions).
    pub rubric: Vec<[String; 2]>,
    pub explanation: Option<String>,
    pub knowledge_point: Option<String>,
    pub difficulty: Option<u8>,
    /// Who changed the status, when and why, if the office did.
    pub status_note: Option<String>,
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Active => "active",
        Status::Draft => "draft",
        Status::Retired => "retired",
    }
}

/// How many papers `have` items feed when each needs `need`.
fn papers(have: u32, need: u32) -> u32 {
    have.checked_div(need).unwrap_or(u32::MAX)
}

impl Exam {
    /// The bank the office names (a folder on the server, or "demo") with the office's statuses
    /// applied: what a new event draws from.
    pub async fn bank_in_use(&self, spec: &str) -> ServiceResult<Bank> {
        Ok(self.bank_with_changes(spec).await?.0)
    }

    /// [`Exam::bank_in_use`] and the office's status changes it applied.
    async fn bank_with_changes(&self, spec: &str) -> ServiceResult<(Bank, Vec<ItemStatusRow>)> {
        let mut bank = super::office::load_bank_blocking(spec).await?;
        let changed = self.store.item_statuses(&bank.id).await?;
        for c in &changed {
            if let (Ok(i), Some(status)) = (
                bank.items.binary_search_by(|i| i.id.as_str().cmp(c.item_id.as_str())),
                Status::parse(&c.status),
            ) {
                bank.items[i].status = status;
            }
        }
        Ok((bank, changed))
    }

    /// The bank's items by module × kind against the CMQ blueprint, and the list of its items.
    pub async fn bank_view(&self, spec: &str) -> ServiceResult<BankView> {
        let (bank, changed) = self.bank_with_changes(spec).await?;
        let changed: std::collections::HashSet<String> = changed.into_iter().map(|c| c.item_id).collect();
        let blueprint = Blueprint::cmq_2010();
        let c = bank.coverage(&blueprint);
        let coverage: Vec<CoverageCell> = c
            .rows
            .iter()
            .map(|r| CoverageCell {
                module: r.module.number(),
                module_name: r.module.name_zh(),
                single: [r.single.0, r.single.1, papers(r.single.0, r.single.1)],
                multi: [r.multi.0, r.multi.1, papers(r.multi.0, r.multi.1)],
                open: r.open,
            })
            .collect();
        let open = [c.open_total(), c.open_needed, papers(c.open_total(), c.open_needed)];
        let papers_without_repeats = coverage
            .iter()
            .flat_map(|cell| [cell.single[2], cell.multi[2]])
            .chain([open[2]])
            .min()
            .unwrap_or(0);
        Ok(BankView {
            id: bank.id.clone(),
            name: bank.name.clone(),
            items: bank.items.len(),
            active: bank.active().count(),
            coverage,
            open,
            papers_without_repeats,
            list: bank
                .items
                .iter()
                .map(|i| BankItem {
                    id: i.id.to_string(),
                    module: i.module.number(),
                    kind_name: i.kind().name_zh(),
                    status: status_name(i.status),
                    changed_by_office: changed.contains(i.id.as_str()),
                    stem: i.stem.chars().take(80).collect(),
                })
                .collect(),
        })
    }

    /// One item of the bank, as the candidate sees it and as the key shows it.
    pub async fn bank_item(&self, spec: &str, item_id: &str) -> ServiceResult<ItemPreview> {
        let (bank, changed) = self.bank_with_changes(spec).await?;
        let item = bank
            .items
            .iter()
            .find(|i| i.id.as_str() == item_id)
            .ok_or_else(|| ServiceError::Invalid(format!("题库 {} 中没有题目“{item_id}”", bank.id)))?;
        let note = changed.into_iter().find(|c| c.item_id == item_id).map(|c| {
            format!(
                "{} 由 {} {}：{}",
                exam_rules::schedule::day_and_clock_zh(c.at_ms),
                c.actor,
                if c.status == "retired" {
                    "停用"
                } else {
                    "恢复启用"
                },
                c.reason
            )
        });
        let (options, key, rubric) = match &item.body {
            ItemBody::Choice { options, key, .. } => (
                options
                    .iter()
                    .enumerate()
                    .map(|(k, text)| [question_bank::Label::from_index(k).as_char().to_string(), text.clone()])
                    .collect(),
                key.iter().map(|l| l.as_char()).collect(),
                Vec::new(),
            ),
            ItemBody::Open { rubric } => (
                Vec::new(),
                String::new(),
                rubric.iter().map(|p| [p.point.clone(), p.share.to_string()]).collect(),
            ),
        };
        Ok(ItemPreview {
            id: item.id.to_string(),
            module: item.module.number(),
            module_name: item.module.name_zh(),
            kind_name: item.kind().name_zh(),
            status: status_name(item.status),
            stem: item.stem.clone(),
            options,
            key,
            rubric,
            explanation: item.explanation.clone(),
            knowledge_point: item.knowledge_point.clone(),
            difficulty: item.difficulty,
            status_note: note,
        })
    }

    /// Retires an item (never drawn again for a new event) or reinstates it, with a reason;
    /// audited. Events already published keep the items they froze.
    pub async fn set_item_retired(
        &self,
        spec: &str,
        item_id: &str,
        retired: bool,
        reason: &str,
        actor: &str,
    ) -> ServiceResult<ItemPreview> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ServiceError::Invalid("请填写原因（最多 500 字）".into()));
        }
        let bank = self.bank_in_use(spec).await?;
        let item = bank
            .items
            .iter()
            .find(|i| i.id.as_str() == item_id)
            .ok_or_else(|| ServiceError::Invalid(format!("题库 {} 中没有题目“{item_id}”", bank.id)))?;
        if item.status == Status::Draft && !retired {
            return Err(ServiceError::Invalid(format!(
                "题目“{item_id}”在题库文件中是草稿（draft），须在题库中改为 active 后才能启用"
            )));
        }
        let status = if retired { "retired" } else { "active" };
        let now = self.now();
        self.store
            .set_item_status(
                &bank.id,
                &ItemStatusRow {
                    item_id: item_id.to_string(),
                    status: status.to_string(),
                    actor: actor.to_string(),
                    reason: reason.to_string(),
                    at_ms: now,
                },
                &AuditRecord {
                    event_id: 0,
                    actor,
                    action: if retired { "retire_item" } else { "reinstate_item" },
                    subject: &format!("题库 {} 题目 {item_id}", bank.id),
                    old: status_name(item.status),
                    new: status,
                    reason,
                    at_ms: now,
                },
            )
            .await?;
        self.bank_item(spec, item_id).await
    }
}
