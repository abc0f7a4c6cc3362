//! The exam office's work that the CLI and the JSON API share: creating an event from a bank,
//! importing a roster (all or nothing, every bad row reported with its line).

use std::collections::HashMap;

use question_bank::{Bank, Blueprint, assemble};
use sha2::{Digest, Sha256};

use crate::auth::{Strength, hash_password, issue_password};
use crate::store::{NewEvent, RosterRow, Store, StoreError};
use exam_rules::scoring::MultiPolicy;

#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("题库不能用于本场考试：{0}")]
    Bank(String),
    #[error("考生名单有 {} 处问题，未导入任何考生：\n{}", .0.len(), .0.join("\n"))]
    Roster(Vec<String>),
    #[error("{0}")]
    Invalid(String),
}

/// The office's choices for a new event.
#[derive(Debug, Clone)]
pub struct EventSpec {
    pub name: String,
    pub starts_at_ms: i64,
    pub rooms: Vec<String>,
    /// `None`: every candidate their own paper; `Some(k)`: k fixed forms.
    pub forms: Option<u32>,
    pub seed: u64,
    pub multi_policy: MultiPolicy,
    /// Pass mark in whole points (default 90 of 150).
    pub pass_mark: i64,
    /// Optional per-section minimums of the pass rule, in whole points.
    pub min_objective: Option<i64>,
    pub min_open: Option<i64>,
    /// Create as a draft: the items are frozen only when it is published.
    pub draft: bool,
}

/// Creates an event drawing from `bank`: checks that a paper can be drawn, then freezes the
/// bank's active items into the event.
pub async fn create_event(
    store: &Store,
    bank: &Bank,
    blueprint: &Blueprint,
    spec: &EventSpec,
    now: i64,
) -> Result<i64, OfficeError> {
    if spec.name.trim().is_empty() {
        return Err(OfficeError::Invalid("考试名称不能为空".into()));
    }
    if spec.forms == Some(0) {
        return Err(OfficeError::Invalid("试卷套数必须至少为 1".into()));
    }
    if !(0..=blueprint.total_points).contains(&spec.pass_mark) {
        return Err(OfficeError::Invalid(format!(
            "合格分数线 {} 不在 0–{} 之内",
            spec.pass_mark, blueprint.total_points
        )));
    }
    let open_points = blueprint.open.points * blueprint.open.answered as i64;
    for (min, part, max) in [
        (spec.min_objective, "客观题", blueprint.objective_points),
        (spec.min_open, "开放题", open_points),
    ] {
        if let Some(m) = min
            && !(0..=max).contains(&m)
        {
            return Err(OfficeError::Invalid(format!("{part}最低分 {m} 不在 0–{max} 之内")));
        }
    }
    // Drawing once proves every cell can be filled (the error names the short cells).
    assemble(bank, blueprint, spec.seed, spec.forms.unwrap_or(1)).map_err(|e| OfficeError::Bank(e.to_string()))?;
    let items: Vec<_> = if spec.draft {
        Vec::new()
    } else {
        bank.active().cloned().collect()
    };
    let event = NewEvent {
        name: spec.name.trim().to_string(),
        starts_at_ms: spec.starts_at_ms,
        duration_ms: blueprint.duration_minutes as i64 * 60_000,
        rooms: spec.rooms.clone(),
        bank_id: bank.id.clone(),
        bank_hash: bank.content_hash(),
        blueprint: blueprint.clone(),
        forms: spec.forms,
        seed: spec.seed,
        multi_policy: spec.multi_policy,
        pass_mark: spec.pass_mark * 100,
        min_objective: spec.min_objective.map(|m| m * 100),
        min_open: spec.min_open.map(|m| m * 100),
        draft: spec.draft,
    };
    Ok(store.create_event(&event, &items, now).await?)
}

/// Publishes a draft event: checks that `bank` is the draft's bank and can still fill the
/// blueprint, then freezes its active items as they are now. Returns how many were frozen.
pub async fn publish_event(
    store: &Store,
    event_id: i64,
    bank: &Bank,
    actor: &str,
    now: i64,
) -> Result<usize, OfficeError> {
    let row = store
        .event(event_id)
        .await?
        .ok_or_else(|| OfficeError::Invalid(format!("考试 {event_id} 不存在")))?;
    // Checked before the work, and again by the store (another office may publish meanwhile).
    let already = || OfficeError::Invalid(format!("考试 {event_id} 已发布，题目已冻结，不能再次发布"));
    if row.published {
        return Err(already());
    }
    if bank.id != row.bank_id {
        return Err(OfficeError::Invalid(format!(
            "题库不符：考试 {event_id} 使用题库“{}”，给出的是“{}”",
            row.bank_id, bank.id
        )));
    }
    assemble(bank, &row.blueprint, row.seed, row.forms.unwrap_or(1)).map_err(|e| OfficeError::Bank(e.to_string()))?;
    let items: Vec<_> = bank.active().cloned().collect();
    if !store
        .publish_event(event_id, &bank.content_hash(), &items, actor, now)
        .await?
    {
        return Err(already());
    }
    Ok(items.len())
}

/// A candidate as read from the roster CSV, before passwords are issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub line: u64,
    pub ticket: String,
    pub name: String,
    pub pinyin: String,
    pub id_number: String,
    pub room: String,
    pub seat: String,
}

/// An issued password, for the printed list handed to candidates.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct IssuedPassword {
    pub ticket: String,
    pub name: String,
    pub room: String,
    pub seat: String,
    pub password: String,
}

/// The CSV columns, by their Chinese or English header.
const COLUMNS: [(&str, &str, &str); 6] = [
    ("name", "姓名", "name"),
    ("pinyin", "姓名拼音", "pinyin"),
    ("id_number", "身份证号", "id_number"),
    ("ticket", "准考证号", "ticket"),
    ("room", "考场", "room"),
    ("seat", "座位", "seat"),
];

/// Parses and checks a roster CSV; every bad row is reported with its line number and reason.
pub fn parse_roster(csv_text: &str) -> Result<Vec<RosterEntry>, OfficeError> {
    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| OfficeError::Roster(vec![format!("第 1 行（表头）：无法读取：{e}")]))?
        .clone();
    let mut index = HashMap::new();
    let mut problems = Vec::new();
    for (key, zh, en) in COLUMNS {
        match headers
            .iter()
            .position(|h| h == zh || h.eq_ignore_ascii_case(en) || (key == "pinyin" && h == "拼音"))
        {
            Some(i) => {
                index.insert(key, i);
            }
            None => problems.push(format!("第 1 行（表头）：缺少“{zh}”列（也可写作 {en}）")),
        }
    }
    if !problems.is_empty() {
        return Err(OfficeError::Roster(problems));
    }
    let mut entries = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(format!("第 {line} 行：无法解析：{e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        let field = |key: &str| record.get(index[key]).unwrap_or("").to_string();
        let entry = RosterEntry {
            line,
            ticket: field("ticket"),
            name: field("name"),
            pinyin: field("pinyin"),
            id_number: field("id_number").to_uppercase(),
            room: field("room"),
            seat: field("seat"),
        };
        let mut bad = |what: &str, why: String| problems.push(format!("第 {line} 行 {what}：{why}"));
        for (key, zh, _) in COLUMNS {
            if field(key).is_empty() {
                bad(zh, "不能为空".into());
            }
        }
        if !entry.ticket.is_empty()
            && (entry.ticket.len() > 32 || !entry.ticket.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            bad(
                "准考证号",
                format!("“{}”只能由字母、数字和 - 组成，最长 32 位", entry.ticket),
            );
        }
        if !entry.pinyin.is_empty()
            && !entry
                .pinyin
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '-')
        {
            bad("姓名拼音", format!("“{}”只能包含拉丁字母、空格和 -", entry.pinyin));
        }
        if !entry.id_number.is_empty()
            && let Err(why) = check_id_number(&entry.id_number)
        {
            bad("身份证号", why);
        }
        if !entry.ticket.is_empty() {
            if let Some(first) = first_line.get(&entry.ticket) {
                bad("准考证号", format!("“{}”与第 {first} 行重复", entry.ticket));
            } else {
                first_line.insert(entry.ticket.clone(), line);
            }
        }
        entries.push(entry);
    }
    if entries.is_empty() && problems.is_empty() {
        problems.push("名单中没有考生".into());
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(OfficeError::Roster(problems))
    }
}

/// A mainland resident ID number (GB 11643): 17 digits and a check character (0–9 or X).
pub fn check_id_number(id: &str) -> Result<(), String> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = id.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return Err(format!("“{id}”应为 18 位（前 17 位为数字）"));
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    let expected = CHECK[(sum % 11) as usize];
    if bytes[17] != expected {
        return Err(format!("“{id}”校验位错误（应为 {}），请核对", expected as char));
    }
    Ok(())
}

/// Imports a roster into an event: checks every row (and that no ticket is already registered),
/// issues and hashes a password per candidate, and writes all of it in one transaction.
/// Returns the issued passwords, which exist nowhere else afterwards.
pub async fn import_roster(store: &Store, event_id: i64, csv_text: &str) -> Result<Vec<IssuedPassword>, OfficeError> {
    let event = store
        .event(event_id)
        .await?
        .ok_or_else(|| OfficeError::Invalid(format!("考试 {event_id} 不存在")))?;
    let entries = parse_roster(csv_text)?;
    let tickets: Vec<String> = entries.iter().map(|e| e.ticket.clone()).collect();
    let taken = store.existing_tickets(&tickets).await?;
    if !taken.is_empty() {
        let problems = entries
            .iter()
            .filter(|e| taken.contains(&e.ticket))
            .map(|e| format!("第 {} 行 准考证号：“{}”已被登记", e.line, e.ticket))
            .collect();
        return Err(OfficeError::Roster(problems));
    }
    let issued: Vec<(RosterEntry, String)> = entries.into_iter().map(|e| (e, issue_password())).collect();
    let forms = event.forms;
    let seed = event.seed;
    let (rows, passwords) = tokio::task::spawn_blocking(move || {
        let mut rows = Vec::with_capacity(issued.len());
        let mut passwords = Vec::with_capacity(issued.len());
        for (i, (e, password)) in issued.into_iter().enumerate() {
            let (paper_seed, form) = match forms {
                Some(k) => (seed, (i as u32 % k) + 1),
                None => (candidate_seed(seed, &e.ticket), 1),
            };
            rows.push(RosterRow {
                ticket: e.ticket.clone(),
                name: e.name.clone(),
                pinyin: e.pinyin,
                id_number: e.id_number,
                room: e.room.clone(),
                seat: e.seat.clone(),
                password_hash: hash_password(&password, Strength::IssuedToCandidate),
                paper_seed,
                form,
            });
            passwords.push(IssuedPassword {
                ticket: e.ticket,
                name: e.name,
                room: e.room,
                seat: e.seat,
                password,
            });
        }
        (rows, passwords)
    })
    .await
    .map_err(|e| OfficeError::Invalid(format!("internal error while hashing passwords: {e}")))?;
    store.import_roster(event_id, &rows, event.duration_ms).await?;
    Ok(passwords)
}

/// Each candidate's own paper seed: derived from the event seed and the ticket, so it is
/// reproducible by anyone who knows both.
pub fn candidate_seed(event_seed: u64, ticket: &str) -> u64 {
    let digest = Sha256::digest(format!("{event_seed}:{ticket}").as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes")) >> 1
}

/// The printable password list (CSV with a BOM so spreadsheet programs read the Chinese).
pub fn passwords_csv(list: &[IssuedPassword]) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(["准考证号", "姓名", "考场", "座位", "初始密码"])
        .expect("in-memory CSV");
    for p in list {
        w.write_record([&p.ticket, &p.name, &p.room, &p.seat, &p.password])
            .expect("in-memory CSV");
    }
    format!(
        "\u{feff}{}",
        String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8 CSV")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_checked() {
        assert!(check_id_number("11010519491231002X").is_ok());
        assert!(check_id_number("110105194912310021").unwrap_err().contains("校验位"));
        assert!(check_id_number("1101051949").unwrap_err().contains("18 位"));
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let csv = "姓名,姓名拼音,身份证号,准考证号,考场,座位\n\
                   张三,Zhang San,11010519491231002X,T001,A101,01\n\
                   李四,Li Si,110105194912310021,T002,A101,02\n\
                   王五,Wang Wu,11010519491231002X,T001,A101,03\n\
                   ,Zhao Liu,11010519491231002X,T004,A101,04\n";
        let OfficeError::Roster(problems) = parse_roster(csv).unwrap_err() else {
            panic!("expected roster problems")
        };
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("第 3 行 身份证号"), "{problems:?}");
        assert!(
            problems[1].starts_with("第 4 行 准考证号") && problems[1].contains("第 2 行重复"),
            "{problems:?}"
        );
        assert!(problems[2].starts_with("第 5 行 姓名"), "{problems:?}");
    }

    #[test]
    fn english_headers_and_bom_are_accepted() {
        let csv = "\u{feff}ticket,name,pinyin,id_number,room,seat\nT1,张三,Zhang San,11010519491231002X,A,1\n";
        let rows = parse_roster(csv).unwrap();
        assert_eq!(rows[0].ticket, "T1");
        assert_eq!(rows[0].line, 2);
    }
}
