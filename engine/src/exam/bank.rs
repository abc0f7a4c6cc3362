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
    /// The pictures under the stem, by file name in the bank's images/ folder.
    pub images: Vec<String>,
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
            images: item.images.iter().map(|i| i.file.clone()).collect(),
            options,
            key,
            rubric,
            explanation: item.explanation.clone(),
            knowledge_point: item.knowledge_point.clone(),
            difficulty: item.difficulty,
            status_note: note,
        })
    }

    /// A picture of the bank in use, by its file name: (content type, bytes).
    pub async fn bank_picture(&self, spec: &str, file: &str) -> ServiceResult<(String, Vec<u8>)> {
        let bank = self.bank_in_use(spec).await?;
        let bytes = bank.images.get(file).ok_or(super::NotFound::Picture)?;
        let (content_type, _) = question_bank::image_type(bytes).ok_or(super::NotFound::Picture)?;
        Ok((content_type.to_string(), bytes.clone()))
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

/// A bank version uploaded as a ZIP of its folder: every problem, or where it was stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BankUpload {
    /// Every problem found, by file, line, item and field; nothing is stored when there is one.
    pub problems: Vec<BankProblem>,
    pub stored: Option<StoredBank>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BankProblem {
    /// The file inside the ZIP, relative to the bank's folder (bank.toml, items/m1.toml).
    pub file: String,
    pub line: Option<usize>,
    pub item: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StoredBank {
    /// The folder on the server to give as the bank of a new event (题库).
    pub path: String,
    pub bank_id: String,
    pub name: String,
    pub items: usize,
    /// Whole papers the bank feeds without repeating an item.
    pub papers: u32,
    /// False when this very version was uploaded before (nothing new written).
    pub new: bool,
}

/// The most a bank's ZIP may hold once unpacked, and its number of entries.
const MAX_UNPACKED: u64 = 32 * 1024 * 1024;
const MAX_ENTRIES: usize = 5_000;

impl Exam {
    /// Checks a bank uploaded as a ZIP of its folder (`bank.toml` and `items/*.toml`, at the top
    /// or inside one folder) and, only when it has no problem at all, stores it as a new version
    /// under `banks_dir/<bank id>/<content hash>/`. Nothing already stored is replaced: events keep
    /// the items they froze, and a new event names the version by its folder. Audited.
    pub async fn upload_bank(
        &self,
        zip: Vec<u8>,
        banks_dir: &std::path::Path,
        actor: &str,
    ) -> ServiceResult<BankUpload> {
        let dir = banks_dir.to_path_buf();
        let (bank, files) = match tokio::task::spawn_blocking(move || read_bank_zip(&zip))
            .await
            .map_err(|e| ServiceError::Internal(format!("reading a bank ZIP: {e}")))?
        {
            Ok(read) => read,
            Err(problems) => {
                return Ok(BankUpload { problems, stored: None });
            }
        };
        let stored = self.store_bank_version(&bank, files, &dir, actor).await?;
        Ok(BankUpload {
            problems: Vec::new(),
            stored: Some(stored),
        })
    }

    /// Writes a checked bank as a version of its own under `banks_dir/<bank id>/<content hash>/`
    /// (nothing written when that version is there already) and records it in the audit.
    pub(super) async fn store_bank_version(
        &self,
        bank: &Bank,
        files: BankFiles,
        banks_dir: &std::path::Path,
        actor: &str,
    ) -> ServiceResult<StoredBank> {
        let hash = bank.content_hash();
        let folder = banks_dir.join(safe_name(&bank.id)).join(&hash[..16.min(hash.len())]);
        let target = folder.clone();
        let new = tokio::task::spawn_blocking(move || write_bank(&target, &files))
            .await
            .map_err(|e| ServiceError::Internal(format!("writing a bank: {e}")))?
            .map_err(|e| ServiceError::Internal(format!("无法保存题库到 {}：{e}", folder.display())))?;
        let path = folder.display().to_string();
        self.store
            .record_audit(&AuditRecord {
                event_id: 0,
                actor,
                action: "upload_bank",
                subject: &bank.id,
                old: "",
                new: &format!("{}（{} 道题），保存于 {path}", bank.name, bank.items.len()),
                reason: "",
                at_ms: self.now(),
            })
            .await?;
        Ok(StoredBank {
            path,
            bank_id: bank.id.clone(),
            name: bank.name.clone(),
            items: bank.items.len(),
            papers: papers_fed(bank),
            new,
        })
    }
}

/// Whole papers the bank's active items feed on the CMQ blueprint without repeating one.
pub(crate) fn papers_fed(bank: &Bank) -> u32 {
    let c = bank.coverage(&Blueprint::cmq_2010());
    c.rows
        .iter()
        .flat_map(|r| [papers(r.single.0, r.single.1), papers(r.multi.0, r.multi.1)])
        .min()
        .unwrap_or(0)
}

/// A bank id as a folder name: letters, digits, `-` and `_` kept, anything else `_`.
pub(crate) fn safe_name(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "bank".into() } else { s }
}

fn problem(file: &str, message: impl Into<String>) -> BankProblem {
    BankProblem {
        file: file.to_string(),
        line: None,
        item: None,
        field: None,
        message: message.into(),
    }
}

/// A bank's files as (path relative to its folder, text): `bank.toml` first.
pub(crate) struct BankFiles {
    /// `bank.toml` and `items/*.toml` as (path relative to the folder, text), `bank.toml` first.
    pub text: Vec<(String, String)>,
    /// The pictures of `images/` as (file name, bytes).
    pub images: Vec<(String, Vec<u8>)>,
}

/// The bank's files from a ZIP — `bank.toml` and `items/*.toml` under one root — checked as a
/// bank, or every problem found. Reads at most [`MAX_UNPACKED`] bytes in all, whatever the ZIP
/// claims; names with `..`, absolute paths and nested item folders are refused, never written.
fn read_bank_zip(bytes: &[u8]) -> Result<(Bank, BankFiles), Vec<BankProblem>> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| {
        vec![problem(
            "（ZIP 文件）",
            "不是有效的 ZIP 文件：请把题库文件夹（含 bank.toml 和 items 文件夹）压缩成 ZIP 后上传",
        )]
    })?;
    if archive.len() > MAX_ENTRIES {
        return Err(vec![problem(
            "（ZIP 文件）",
            format!("文件过多（{} 个，最多 {MAX_ENTRIES} 个）", archive.len()),
        )]);
    }
    let names: Vec<(usize, String)> = (0..archive.len())
        .filter_map(|i| {
            archive
                .name_for_index(i)
                .and_then(Result::ok)
                .map(|n| (i, n.to_string()))
        })
        .collect();
    // The root: the folder of the shallowest bank.toml ("" at the top).
    let root = names
        .iter()
        .map(|(_, n)| n)
        .filter(|n| *n == "bank.toml" || n.ends_with("/bank.toml"))
        .min_by_key(|n| n.matches('/').count())
        .map(|n| n[..n.len() - "bank.toml".len()].to_string())
        .ok_or_else(|| {
            vec![problem(
                "bank.toml",
                "ZIP 中没有 bank.toml：题库文件夹须含 bank.toml 和 items 文件夹",
            )]
        })?;
    let mut problems = Vec::new();
    let mut files: Vec<(String, String)> = Vec::new();
    let mut images: Vec<(String, Vec<u8>)> = Vec::new();
    let mut budget = MAX_UNPACKED;
    for (i, name) in &names {
        let Some(rel) = name.strip_prefix(&root) else { continue };
        let picture = rel.starts_with("images/") && !rel.ends_with('/');
        let wanted = rel == "bank.toml" || (rel.starts_with("items/") && rel.ends_with(".toml")) || picture;
        if !wanted {
            continue;
        }
        let file_name = rel.trim_start_matches("items/").trim_start_matches("images/");
        if rel != "bank.toml"
            && (file_name.contains('/')
                || file_name.contains("..")
                || !file_name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
        {
            problems.push(problem(
                rel,
                "文件名只能由字母、数字和 - _ . 组成，且须直接放在 items 或 images 文件夹中",
            ));
            continue;
        }
        let Ok(entry) = archive.by_index(*i) else {
            problems.push(problem(rel, "无法读取（ZIP 已损坏或加了密码）"));
            continue;
        };
        let mut raw = Vec::new();
        if entry.take(budget + 1).read_to_end(&mut raw).is_err() {
            problems.push(problem(rel, "无法解压（ZIP 已损坏或使用了不支持的压缩方式）"));
            continue;
        }
        if raw.len() as u64 > budget {
            return Err(vec![problem(
                rel,
                format!("解压后超过 {} MB：题库过大", MAX_UNPACKED / 1024 / 1024),
            )]);
        }
        budget -= raw.len() as u64;
        if picture {
            images.push((file_name.to_string(), raw));
            continue;
        }
        match String::from_utf8(raw) {
            Ok(text) => files.push((rel.to_string(), text.trim_start_matches('\u{feff}').to_string())),
            Err(_) => problems.push(problem(rel, "不是 UTF-8 编码的文本：请用 UTF-8 保存")),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // bank.toml first, then the items in name order (as a folder is read).
    files.sort_by(|a, b| (a.0 != "bank.toml", &a.0).cmp(&(b.0 != "bank.toml", &b.0)));
    if files.len() < 2 {
        return Err(vec![problem("items/", "items 文件夹中没有题目文件（*.toml）")]);
    }
    match Bank::from_parts(&files, images.clone()) {
        Ok(bank) => Ok((bank, BankFiles { text: files, images })),
        Err(found) => Err(found
            .into_iter()
            .map(|p| BankProblem {
                file: p.file,
                line: p.line,
                item: p.item,
                field: p.field,
                message: p.message,
            })
            .collect()),
    }
}

/// Writes the bank's files into `folder` through a temporary sibling renamed into place, so a
/// version is there whole or not at all. False when the version is there already.
pub(crate) fn write_bank(folder: &std::path::Path, files: &BankFiles) -> std::io::Result<bool> {
    if folder.join("bank.toml").exists() {
        return Ok(false);
    }
    let parent = folder.parent().unwrap_or(folder);
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(
        ".upload-{}-{}",
        std::process::id(),
        folder.file_name().and_then(|n| n.to_str()).unwrap_or("bank")
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(tmp.join("items"))?;
    for (rel, text) in &files.text {
        std::fs::write(tmp.join(rel), text)?;
    }
    if !files.images.is_empty() {
        std::fs::create_dir_all(tmp.join("images"))?;
        for (name, bytes) in &files.images {
            std::fs::write(tmp.join("images").join(name), bytes)?;
        }
    }
    match std::fs::rename(&tmp, folder) {
        Ok(()) => Ok(true),
        Err(_) if folder.join("bank.toml").exists() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(false)
        }
        Err(e) => Err(e),
    }
}
