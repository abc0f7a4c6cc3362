//! Key challenges after an event: correcting a key or voiding an item rescores every affected
//! sitting, reports who changed, is audited, and reaches candidates only with a new release.

use question_bank::ItemBody;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backend, MIN, TestApp, assert_unprocessable, each_backend, error_of};

#[tokio::test]
async fn correcting_and_voiding_a_key_rescores_and_reports_changes() {
    each_backend(scenario).await;
}

async fn scenario(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (c, _) = app.started_candidate("DEMO0001").await;
    let id = app.candidate_id("DEMO0001").await;
    let paper = app.office_paper("DEMO0001").await;
    // Item 1 (single choice) answered with a wrong option; item 2 left blank.
    let item = &paper.objective[0];
    let wrong = item.options.iter().find(|o| !item.key.contains(&o.label)).unwrap();
    c.save(1, "1", &wrong.label.as_char().to_string()).await;
    c.submit().await;
    let score = |app: &TestApp| {
        let store = app.store.clone();
        async move { store.sitting(id).await.unwrap().unwrap().objective_score.unwrap() }
    };
    let before = score(&app).await;
    let office = app.staff("office").await;
    let ev = app.event_id;
    // Absentees make results complete once the open answers are settled (there are none here)
    // and the late-entry cut-off has passed.
    app.clock.advance_ms(31 * MIN);
    office.release(ev).await;
    let released = c.result().await.total;

    // "Also accept" the option this candidate chose (in the bank's labels).
    let frozen = app
        .store
        .event_items(ev)
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.id == item.item_id)
        .unwrap();
    let ItemBody::Choice { key, .. } = &frozen.body else {
        panic!("objective item")
    };
    let accept = vec![key[0].as_char().to_string(), wrong.source.as_char().to_string()];
    // A dry run first: the impact, and nothing changed — not the score, not the audit log.
    let correction = json!({ "item_id": item.item_id.as_str(), "accept": accept, "reason": "专家组复核：C 亦正确" });
    let mut dry = correction.clone();
    dry["dry_run"] = json!(true);
    let preview = office.correct_key(ev, dry).await;
    assert!(preview.dry_run);
    assert_eq!(
        (preview.rescored, preview.gains, preview.losses),
        (1, 1, 0),
        "{preview:?}"
    );
    assert_eq!(preview.old_key, key[0].as_char().to_string());
    assert_eq!(preview.new_key, accept.join(" 或 "));
    assert_eq!(score(&app).await, before, "a dry run changes no score");
    assert!(
        office.audit(ev).await.iter().all(|a| a.action != "key_correction"),
        "a dry run is not a correction"
    );
    let report = office.correct_key(ev, correction).await;
    assert!(!report.dry_run);
    assert_eq!(
        (report.rescored, report.gains, report.losses, report.changed.len()),
        (preview.rescored, preview.gains, preview.losses, preview.changed.len()),
        "the commit does what its preview said"
    );
    assert_eq!(report.rescored, 1, "{report:?}");
    let changed = &report.changed;
    assert_eq!(changed.len(), 1);
    assert_eq!(
        (changed[0].ticket.as_str(), changed[0].new_total - changed[0].old_total),
        ("DEMO0001", 1.0)
    );
    assert_eq!(score(&app).await, before + 100);
    assert_eq!(report.verdicts_changed, 0, "{report:?}");
    assert_eq!(
        rescored(&app, ev, item.item_id.as_str()).await,
        vec![(id, 1, 0, 100)],
        "the old and new points of the rescored response are kept"
    );
    assert_eq!(
        c.result().await.total,
        released,
        "released results wait for a new release"
    );

    // Void item 2: the blank now earns its points too.
    let item2 = &paper.objective[1];
    office
        .correct_key(
            ev,
            json!({ "item_id": item2.item_id.as_str(), "void": true, "reason": "题干有歧义，作废" }),
        )
        .await;
    assert_eq!(score(&app).await, before + 100 + item2.points.hundredths());
    office.release(ev).await;
    let total = c.result().await.total;
    assert_eq!(total, released + 1.0 + item2.points.hundredths() as f64 / 100.0);

    // Audited with old and new keys; bad corrections are refused with the reason.
    let audit = office.audit(ev).await;
    let corrections: Vec<_> = audit.iter().filter(|a| a.action == "key_correction").collect();
    assert_eq!(corrections.len(), 2);
    assert_eq!(corrections[0].old_value, key[0].as_char().to_string());
    assert_eq!(corrections[0].reason, "专家组复核：C 亦正确");

    // Correcting the same item again starts from the points in force: back to the bank's key.
    let report = office
        .correct_key(
            ev,
            json!({ "item_id": item.item_id.as_str(), "accept": [key[0].as_char().to_string()], "reason": "复议：仅原答案正确" }),
        )
        .await;
    assert_eq!(report.rescored, 1, "{report:?}");
    assert_eq!(score(&app).await, before + item2.points.hundredths());
    let in_force = app.store.item_results(id).await.unwrap();
    assert_eq!((in_force[0].no, in_force[0].points), (1, 0), "{in_force:?}");
    assert_eq!(
        in_force.iter().map(|r| r.points).sum::<i64>(),
        score(&app).await,
        "the objective score is the sum of the points in force"
    );
    assert_eq!(
        rescored(&app, ev, item.item_id.as_str()).await,
        vec![(id, 1, 0, 100), (id, 1, 100, 0)],
        "both corrections' old and new points are kept"
    );
    let audit = office.audit(ev).await;
    let last = audit.iter().rfind(|a| a.action == "key_correction").unwrap();
    assert_eq!(
        last.old_value,
        format!("{} 或 {}", key[0].as_char(), wrong.source.as_char()),
        "the old key is the one in force"
    );
    for (body, says) in [
        (
            json!({ "item_id": item.item_id.as_str(), "accept": ["Z"], "reason": "x" }),
            "无效",
        ),
        (
            json!({ "item_id": item.item_id.as_str(), "accept": ["A"], "void": true, "reason": "x" }),
            "二选一",
        ),
        (json!({ "item_id": "NOPE", "void": true, "reason": "x" }), "没有题目"),
        (
            json!({ "item_id": item.item_id.as_str(), "void": true, "reason": " " }),
            "原因",
        ),
    ] {
        let (status, reply) = office.try_correct_key(ev, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {reply}");
        assert!(error_of(&reply).contains(says), "{body} → {reply}");
    }
    app.finish().await;
}

#[tokio::test]
async fn corrections_wait_until_no_one_is_sitting_and_apply_to_later_submissions() {
    each_backend(later_submissions).await;
}

async fn later_submissions(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ev = app.event_id;
    let (first, _) = app.started_candidate("DEMO0001").await;
    first.submit().await;
    let (sitting, _) = app.started_candidate("DEMO0003").await;
    // DEMO0002 has not started: its paper is already fixed by its seed.
    let late = app.candidate_id("DEMO0002").await;
    let paper = app.office_paper("DEMO0002").await;
    let item = &paper.objective[0];
    let office = app.staff("office").await;
    let void = json!({ "item_id": item.item_id.as_str(), "void": true, "reason": "题干有误，作废" });
    let (status, reply) = office.try_correct_key(ev, void.clone()).await;
    assert_unprocessable(status, &reply, "1 名考生正在考试");
    assert!(
        app.store.key_corrections(ev).await.unwrap().is_empty(),
        "nothing recorded"
    );

    sitting.submit().await;
    office.correct_key(ev, void).await;

    // A sitting submitted after the correction is scored under it: the blank voided item
    // earns its points, like everyone else's.
    let (late_client, _) = app.started_candidate("DEMO0002").await;
    late_client.submit().await;
    let results = app.store.item_results(late).await.unwrap();
    let voided = results.iter().find(|r| r.item_id == item.item_id.as_str()).unwrap();
    assert_eq!(voided.points, item.points.hundredths(), "{voided:?}");
    let objective = app.store.sitting(late).await.unwrap().unwrap().objective_score.unwrap();
    assert_eq!(objective, results.iter().map(|r| r.points).sum::<i64>());
    assert_eq!(
        objective,
        item.points.hundredths(),
        "only the voided item scores on a blank paper"
    );
    app.finish().await;
}

#[tokio::test]
async fn item_analysis_of_an_event_counts_what_candidates_answered() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // Candidates 1–3 answer item 1 correctly, 4–5 with the first wrong option.
    let (ev, paper, _) = app.analysed_event(1).await;
    let office = app.staff("office").await;
    let a = office.analysis(ev).await;
    assert_eq!(a.test.candidates, 5);
    let first = paper.objective[0].item_id.to_string();
    let item = a.items.iter().find(|i| i.id.as_str() == first).unwrap();
    assert_eq!(item.taken, 5);
    assert!((item.facility.unwrap() - 0.6).abs() < 1e-9, "{item:?}");
    let (status, csv) = office.get_text(&format!("/api/office/events/{ev}/analysis.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("难度（通过率）") && csv.contains(&first), "{csv:.300}");
    app.finish().await;
}

/// The rescored responses of an item as (candidate, paper number, old points, new points).
async fn rescored(app: &TestApp, event: i64, item_id: &str) -> Vec<(i64, i64, i64, i64)> {
    app.store
        .rescored_items(event, item_id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.candidate_id, r.no, r.old_points, r.new_points))
        .collect()
}
