//! A candidate's result: objective score (by part and module) plus the final marks of the chosen
//! open answers, against the event's pass mark. Pure: built from what the store holds.

use std::collections::{BTreeMap, HashMap};

use question_bank::{Item, ItemKind, Module, Points};
use serde::{Deserialize, Serialize};

use exam_rules::pass::{PassRule, ResultStatus};
use exam_rules::sitting::SittingState;

use crate::store::{AnswerStatus, DashboardAnswer};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ModuleScore {
    pub module: u8,
    pub name: String,
    pub points: Points,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OpenScore {
    /// The open question's number on the paper (1–5).
    pub no: u32,
    pub mark: Option<Points>,
}

/// One candidate's result, as the office sees it and (once released) the candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CandidateResult {
    pub candidate_id: i64,
    pub ticket: String,
    pub name: String,
    pub room: String,
    pub status: ResultStatus,
    pub single: Points,
    pub multi: Points,
    pub objective: Points,
    pub modules: Vec<ModuleScore>,
    pub open: Vec<OpenScore>,
    pub open_total: Points,
    pub total: Points,
    pub pass_mark: Points,
    /// The pass rule's per-section minimums, where the event sets them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_objective: Option<Points>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_open: Option<Points>,
    /// `None` until complete.
    pub passed: Option<bool>,
}

/// A candidate as stored: id, ticket, name, room, sitting state.
pub struct CandidateFacts {
    pub id: i64,
    pub ticket: String,
    pub name: String,
    pub room: String,
    pub state: SittingState,
}

/// Builds every candidate's result from the stored facts.
/// `item_results`: (candidate id, item id, points) per scored objective item.
pub fn compute(
    candidates: &[CandidateFacts],
    items: &[Item],
    item_results: &[(i64, String, Points)],
    open_answers: &[DashboardAnswer],
    rule: PassRule,
) -> Vec<CandidateResult> {
    let item_info: HashMap<&str, (ItemKind, Module)> =
        items.iter().map(|i| (i.id.as_str(), (i.kind(), i.module))).collect();
    let mut objective: HashMap<i64, Vec<(&str, Points)>> = HashMap::new();
    for (cid, item_id, pts) in item_results {
        objective.entry(*cid).or_default().push((item_id.as_str(), *pts));
    }
    let mut open: HashMap<i64, Vec<&DashboardAnswer>> = HashMap::new();
    for a in open_answers {
        open.entry(a.candidate_id).or_default().push(a);
    }
    candidates
        .iter()
        .map(|c| {
            let mut single = Points::ZERO;
            let mut multi = Points::ZERO;
            let mut by_module: BTreeMap<Module, Points> = Module::all().map(|m| (m, Points::ZERO)).collect();
            for (item_id, pts) in objective.get(&c.id).into_iter().flatten() {
                if let Some((kind, module)) = item_info.get(item_id) {
                    match kind {
                        ItemKind::Single => single += *pts,
                        _ => multi += *pts,
                    }
                    *by_module.entry(*module).or_default() += *pts;
                }
            }
            let mut answers: Vec<&DashboardAnswer> = open.get(&c.id).cloned().unwrap_or_default();
            answers.sort_by_key(|a| a.open_no);
            let open_scores: Vec<OpenScore> = answers
                .iter()
                .map(|a| OpenScore {
                    no: a.open_no as u32,
                    mark: a.final_mark,
                })
                .collect();
            let open_total: Points = open_scores.iter().filter_map(|o| o.mark).sum();
            let objective = single + multi;
            let total = objective + open_total;
            let status = ResultStatus::of(c.state, answers.iter().all(|a| a.status == AnswerStatus::Final));
            CandidateResult {
                candidate_id: c.id,
                ticket: c.ticket.clone(),
                name: c.name.clone(),
                room: c.room.clone(),
                status,
                single,
                multi,
                objective,
                modules: by_module
                    .into_iter()
                    .map(|(m, points)| ModuleScore {
                        module: m.number(),
                        name: m.name_zh().to_string(),
                        points,
                    })
                    .collect(),
                open: open_scores,
                open_total,
                total,
                pass_mark: rule.total,
                min_objective: rule.min_objective,
                min_open: rule.min_open,
                passed: status.passed(&rule, objective, open_total),
            }
        })
        .collect()
}

/// "合格" / "不合格" / "缺考" / "未完成".
pub fn verdict_zh(r: &CandidateResult) -> &'static str {
    r.status.verdict_zh(r.passed)
}

/// The exports' column headings: the objective parts, each open question offered, the totals.
fn header(open_offered: u32) -> Vec<String> {
    let mut header: Vec<String> = ["准考证号", "姓名", "考场", "单选题", "多选题", "客观题"]
        .map(String::from)
        .to_vec();
    header.extend((1..=open_offered).map(|n| format!("开放题{n}")));
    header.extend(["开放题合计", "总分", "结果"].map(String::from));
    header
}

/// The CSV export: one row per candidate (with a BOM so spreadsheet programs read the Chinese).
pub fn to_csv(results: &[CandidateResult], open_offered: u32) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    let header = header(open_offered);
    w.write_record(&header).expect("in-memory CSV");
    for r in results {
        w.write_record(row(r, open_offered)).expect("in-memory CSV");
    }
    format!(
        "\u{feff}{}",
        String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8")
    )
}

fn row(r: &CandidateResult, open_offered: u32) -> Vec<String> {
    let mut row = vec![
        r.ticket.clone(),
        r.name.clone(),
        r.room.clone(),
        r.single.to_string(),
        r.multi.to_string(),
        r.objective.to_string(),
    ];
    for n in 1..=open_offered {
        row.push(
            r.open
                .iter()
                .find(|o| o.no == n)
                .and_then(|o| o.mark)
                .map(|m| m.to_string())
                .unwrap_or_default(),
        );
    }
    row.extend([r.open_total.to_string(), r.total.to_string(), verdict_zh(r).to_string()]);
    row
}

/// The XLSX export: the same table as the CSV, scores as numbers.
pub fn to_xlsx(results: &[CandidateResult], open_offered: u32) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("成绩")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let header = header(open_offered);
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (i, r) in results.iter().enumerate() {
        let line = i as u32 + 1;
        for (c, cell) in row(r, open_offered).iter().enumerate() {
            // Scores go in as numbers; the value is a decimal text of an exact score.
            match (c >= 3 && c < header.len() - 1, cell.parse::<f64>()) {
                (true, Ok(n)) => sheet.write_number(line, c as u16, n)?,
                _ => sheet.write_string(line, c as u16, cell)?,
            };
        }
    }
    sheet.autofit();
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_apply_the_events_pass_rule() {
        let items = crate::exam::demo::bank().items;
        let singles: Vec<&Item> = items.iter().filter(|i| i.kind() == ItemKind::Single).take(60).collect();
        let open_item = items.iter().find(|i| i.kind() == ItemKind::Open).unwrap();
        let facts = |id: i64| CandidateFacts {
            id,
            ticket: format!("T{id}"),
            name: format!("考生{id}"),
            room: "A".into(),
            state: SittingState::Submitted,
        };
        // Candidate 1: 60 objective + 30 open = 90; candidate 2: 50 objective + 45 open = 95.
        let mut objective = Vec::new();
        for (cid, correct) in [(1, 60), (2, 50)] {
            for i in &singles[..correct] {
                objective.push((cid, i.id.to_string(), Points::whole(1)));
            }
        }
        let open = |id: i64, cid: i64, mark: i64| DashboardAnswer {
            open_answer_id: id,
            candidate_id: cid,
            open_no: 1,
            item_id: open_item.id.to_string(),
            status: AnswerStatus::Final,
            final_mark: Some(Points::from_hundredths(mark)),
            marks: vec![],
            waiting_since_ms: None,
        };
        let answers = [open(1, 1, 3000), open(2, 2, 4500)];
        let candidates = [facts(1), facts(2)];
        let verdicts = |rule: PassRule| -> Vec<Option<bool>> {
            compute(&candidates, &items, &objective, &answers, rule)
                .iter()
                .map(|r| r.passed)
                .collect()
        };
        assert_eq!(verdicts(PassRule::total(Points::whole(90))), [Some(true), Some(true)]);
        let rule = PassRule {
            total: Points::whole(90),
            min_objective: Some(Points::whole(54)),
            min_open: Some(Points::whole(36)),
        };
        assert_eq!(verdicts(rule), [Some(false), Some(false)], "one short in each section");
        let rule = PassRule { min_open: None, ..rule };
        assert_eq!(verdicts(rule), [Some(true), Some(false)]);
    }
}
