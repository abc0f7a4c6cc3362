//! Item analysis of an event: builds the response matrix from what the store holds (responses
//! in bank labels, open answers with their marks) and runs `question_bank::analysis` over it.
//! With per-candidate papers an item not on a candidate's paper is "not taken" by them.

use std::collections::HashMap;

use question_bank::analysis::{Analysis, AnalysisSettings, Answer, ItemSpec, ResponseMatrix, analyse};
use question_bank::{ItemBody, Label, Points};

use super::Exam;
use super::error::{ServiceError, ServiceResult};

impl Exam {
    /// Runs the item analysis over every submitted sitting of the event.
    pub async fn analyse_event(&self, event_id: i64, settings: &AnalysisSettings) -> ServiceResult<Analysis> {
        let exam = self;
        let event = exam.event(event_id).await?;
        let responses = exam.store.event_responses(event_id).await?;
        let open = exam.store.event_open_answers(event_id).await?;
        let submitted: Vec<i64> = exam
            .store
            .event_candidates(event_id)
            .await?
            .into_iter()
            .filter(|c| c.state == exam_rules::sitting::SittingState::Submitted)
            .map(|c| c.id)
            .collect();

        // Items that anyone answered, in bank order.
        let used: std::collections::HashSet<&str> = responses
            .iter()
            .map(|r| r.item_id.as_str())
            .chain(open.iter().map(|a| a.item_id.as_str()))
            .collect();
        let items: Vec<&question_bank::Item> = event
            .bank
            .items
            .iter()
            .filter(|i| used.contains(i.id.as_str()))
            .collect();
        let specs: Vec<ItemSpec> = items
            .iter()
            .map(|i| match &i.body {
                ItemBody::Choice { choice, options, key } => ItemSpec::choice(
                    i.id.clone(),
                    *choice,
                    event.row.blueprint.points_for((*choice).into()),
                    options.len(),
                    key.iter().copied().collect(),
                ),
                ItemBody::Open { .. } => ItemSpec::open(i.id.clone(), exam_rules::marking::MAX_MARK),
            })
            .collect();
        let column: HashMap<&str, usize> = items.iter().enumerate().map(|(c, i)| (i.id.as_str(), c)).collect();
        let row_of: HashMap<i64, usize> = submitted.iter().enumerate().map(|(r, id)| (*id, r)).collect();
        let mut rows: Vec<Vec<Answer>> = vec![vec![Answer::NotTaken; specs.len()]; submitted.len()];
        for x in &responses {
            if let (Some(&r), Some(&c)) = (row_of.get(&x.candidate_id), column.get(x.item_id.as_str())) {
                // The points in force, as results give them: a blank on a voided item scores
                // the item's points (it was counted as 0 here while the results gave them).
                rows[r][c] = if x.bank_response.is_empty() && x.points == 0 {
                    Answer::Blank
                } else {
                    Answer::choice(
                        Points::from_hundredths(x.points),
                        x.bank_response.chars().filter_map(Label::from_char),
                    )
                };
            }
        }
        for a in &open {
            if let (Some(&r), Some(&c)) = (row_of.get(&a.candidate_id), column.get(a.item_id.as_str())) {
                let score = a.final_mark.unwrap_or(Points::ZERO);
                let mut pair = a
                    .marks
                    .iter()
                    .filter(|m| !m.superseded && m.marker_slot <= 2)
                    .map(|m| m.mark);
                rows[r][c] = match (pair.next(), pair.next()) {
                    (Some(m1), Some(m2)) => Answer::double_marked(score, m1, m2),
                    _ => Answer::open(score),
                };
            }
        }
        // A candidate's full marks are the paper's (150), not the sum of every item anyone drew;
        // the strata are the blueprint's cells (module × kind; the open part is one), over which
        // the stratified coefficient gives a reliability when each candidate has a paper of their
        // own and no item is common to all.
        let mut cells: Vec<(Option<question_bank::Module>, question_bank::ItemKind)> = Vec::new();
        let strata: Vec<usize> = items
            .iter()
            .map(|i| {
                let kind = i.kind();
                let cell = ((kind != question_bank::ItemKind::Open).then_some(i.module), kind);
                cells.iter().position(|c| *c == cell).unwrap_or_else(|| {
                    cells.push(cell);
                    cells.len() - 1
                })
            })
            .collect();
        let matrix = ResponseMatrix::new(specs, rows)
            .map_err(|e| ServiceError::Invalid(format!("无法进行题目分析：{e}")))?
            .with_full_marks(Points::whole(event.row.blueprint.total_points))
            .with_strata(strata);
        Ok(analyse(&matrix, settings))
    }
}

/// One row per item: the figures an exam office reviews, with the flags' reasons.
pub fn to_csv(a: &Analysis) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record([
        "题号",
        "题型",
        "作答人数",
        "难度（通过率）",
        "题-余相关",
        "题-总相关",
        "区分度（27%）",
        "删除该题后α",
        "标记",
    ])
    .expect("in-memory CSV");
    let f = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
    for i in &a.items {
        let kind = i.kind.map(|k| k.name_zh()).unwrap_or("");
        let flags: Vec<&str> = i.flags.iter().map(|f| f.reason.as_str()).collect();
        w.write_record([
            i.id.as_str(),
            kind,
            &i.taken.to_string(),
            &f(i.facility),
            &f(i.item_rest_r),
            &f(i.item_total_r),
            &f(i.discrimination),
            &f(i.alpha_if_deleted),
            &flags.join("；"),
        ])
        .expect("in-memory CSV");
    }
    format!(
        "\u{feff}{}",
        String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8")
    )
}
