//! Marking the open answers, results and release, through the real server on both backends:
//! blind leased tasks, double marking with a third marker, appeals, release gating, exports,
//! the audit trail, and concurrent pulls.

use std::collections::HashSet;

use question_bank::Points;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{Backend, Client, MIN, TestApp, each_backend, error_of};

/// Candidate `ticket` sits and submits with open questions 1, 2 and 3 answered.
async fn sit(app: &TestApp, ticket: &str) -> Client {
    let first = format!("第一题作答（{}）：应建立质量目标并逐层分解。", ticket.len());
    app.sat(
        ticket,
        &[
            (1, "1", "A"),
            (2, "open", "1,2,3"),
            (3, "open-1", &first),
            (4, "open-2", "第二题作答：运用排列图找出主要问题。"),
            (5, "open-3", "第三题作答：按 PDCA 循环持续改进。"),
        ],
    )
    .await
}

#[tokio::test]
async fn double_blind_marking_third_marker_release_appeal_and_audit() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        app.graders(&[("g1", "grader"), ("g2", "grader"), ("g3", "grader"), ("chief", "chief")])
            .await;
        let candidate = sit(&app, "DEMO0001").await;
        let office = app.staff("office").await;
        let ev = app.event_id;

        // Not released yet: the candidate sees nothing, and the office cannot release.
        let (status, body) = candidate.get("/api/candidate/result").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, body) = office.try_release(ev).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(error_of(&body).contains("未完成"), "{body}");

        let (g1, g2, g3, chief) = (
            app.staff("g1").await,
            app.staff("g2").await,
            app.staff("g3").await,
            app.staff("chief").await,
        );
        let mut seen_by_g1 = HashSet::new();
        let mut blind_bodies = Vec::new();
        // g1 marks all three answers (first marks); g2 the second marks: 12 & 14 (→ 13),
        // 10 & 13.5 (disputed → chief gives 13 → mean of 13.5 and 13 = 13.25), 15 & 15 (→ 15).
        let plan = [("12", "14"), ("10", "13.5"), ("15", "15")];
        let mut first_tasks = Vec::new();
        for (m1, _) in plan {
            let t = g1.next_task(ev).await.expect("a task for g1");
            blind_bodies.push(t.wire.clone());
            assert!(
                seen_by_g1.insert(t.answer.clone()),
                "g1 never gets the same answer twice"
            );
            // Asking again while holding a lease returns the same task.
            assert_eq!(g1.next_task(ev).await.unwrap().task_id, t.task_id);
            g1.mark(t.task_id, m1).await;
            first_tasks.push(t);
        }
        assert!(
            g1.next_task(ev).await.is_none(),
            "no grader marks the same answer twice"
        );
        for _ in 0..3 {
            let t = g2.next_task(ev).await.expect("a task for g2");
            blind_bodies.push(t.wire.clone());
            let i = first_tasks.iter().position(|f| f.answer == t.answer).unwrap();
            let marked = g2.mark(t.task_id, plan[i].1).await;
            assert_eq!(marked.status, if i == 1 { "disputed" } else { "final" }, "{marked:?}");
        }
        // The disputed answer goes to the chief only.
        assert!(g3.next_task(ev).await.is_none(), "graders do not get third markings");
        let third = chief.next_task(ev).await.expect("the chief gets the disputed answer");
        blind_bodies.push(third.wire.clone());
        assert_eq!(third.round, "第三评（仲裁）");
        assert_eq!(third.answer, first_tasks[1].answer);
        // Bad marks are refused with the reason.
        let (status, body) = chief.try_mark(third.task_id, "20.5").await;
        assert_eq!(
            (status, error_of(&body).contains("0–20")),
            (StatusCode::UNPROCESSABLE_ENTITY, true),
            "{body}"
        );
        let (status, body) = chief.try_mark(third.task_id, "12.25").await;
        assert_eq!(
            (status, error_of(&body).contains("0.5")),
            (StatusCode::UNPROCESSABLE_ENTITY, true),
            "{body}"
        );
        chief.mark(third.task_id, "13").await;

        // Blind: nothing a grader received names the candidate.
        for body in &blind_bodies {
            for secret in ["DEMO0001", "张伟", "第一考场", "candidate", "ticket", "room", "seat"] {
                assert!(!body.contains(secret), "a grader received “{secret}”: {body}");
            }
        }

        // The chief's dashboard.
        let dash = chief.dashboard(ev).await;
        let finals: u64 = dash.questions.iter().map(|q| q.final_).sum();
        assert_eq!(finals, 3);
        let g1_stats = dash.graders.iter().find(|g| g.name == "阅卷人g1").unwrap();
        assert_eq!(g1_stats.count, 3);
        assert!((g1_stats.agreement.unwrap() - 2.0 / 3.0).abs() < 1e-9, "{g1_stats:?}");
        assert!(
            g1_stats.mean_difference.unwrap() < 0.0,
            "g1 is the harsher marker: {g1_stats:?}"
        );
        assert_eq!(
            g1.get(&format!("/api/marking/events/{ev}/dashboard")).await.0,
            StatusCode::FORBIDDEN
        );

        // Everyone else in the room was absent; the result is complete: release.
        let results = office.results(ev).await;
        let me = results.of("DEMO0001");
        let open_total: f64 = 13.0 + 13.25 + 15.0;
        assert_eq!(me.open_total, open_total, "{me:?}");
        assert_eq!(me.total, me.objective + open_total);
        assert_eq!(results.absent, 4);
        // Everything is marked, but the four who never started may still enter until the
        // late-entry cut-off (30 minutes after the start): no release before it.
        let (status, body) = office.try_release(ev).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["code"], "results_incomplete", "{body}");
        assert!(
            error_of(&body).contains("还有 4 名考生尚未入场") && !error_of(&body).contains("未完成"),
            "the refusal says what is still missing: {body}"
        );
        assert!(!office.results(ev).await.releasable);
        app.clock.advance_ms(31 * MIN);
        assert!(office.results(ev).await.releasable, "absent after the cut-off");
        office.release(ev).await;
        let mine = candidate.result().await;
        assert_eq!(mine.total, me.total);
        assert_eq!(mine.verdict, "不合格", "{mine:?}");
        let text = candidate.get_text("/api/candidate/result").await.1;
        for secret in ["王芳", "DEMO0002", "\"key\"", "explanation", "rubric"] {
            assert!(!text.contains(secret), "result carries {secret}");
        }

        // Exports.
        let (status, csv) = office.get_text(&format!("/api/office/events/{ev}/results.csv")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            csv.starts_with('\u{feff}')
                && csv.contains("准考证号,姓名")
                && csv.contains("DEMO0001,张伟")
                && csv.contains("缺考"),
            "{csv}"
        );
        let r = office
            .http
            .get(format!("{}/api/office/events/{ev}/results.xlsx", office.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.bytes().await.unwrap().starts_with(b"PK"), "an XLSX is a zip");

        // Appeal on open question 1: re-marked by a grader who has not marked it (g3).
        let (status, body) = office
            .post(
                &format!("/api/office/events/{ev}/appeals"),
                json!({ "ticket": "DEMO0001", "open_no": 1, "reason": "考生申请复核" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(
            g1.next_task(ev).await.is_none() && g2.next_task(ev).await.is_none(),
            "its markers may not re-mark it"
        );
        let t = g3.next_task(ev).await.expect("g3 re-marks");
        assert_eq!(t.round, "复评（申诉）");
        g3.mark(t.task_id, "16").await;
        let results = office.results(ev).await;
        let q1 = results.of("DEMO0001").open.iter().find(|o| o.no == 1).unwrap().mark;
        assert_eq!(q1, Some(16.0), "the appeal re-mark is final");
        // Released results change only with a new release.
        assert_eq!(candidate.result().await.total, mine.total);
        office.release(ev).await;
        assert_ne!(candidate.result().await.total, mine.total);

        // Old and new marks are kept; the audit trail has every step.
        let answers = app.store.event_open_answers(ev).await.unwrap();
        let appealed = answers.iter().find(|a| a.open_no == 1).unwrap();
        assert_eq!(appealed.marks.len(), 3, "both original marks and the re-mark are kept");
        let audit = office.audit(ev).await;
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        for needed in ["mark", "release", "export", "appeal"] {
            assert!(actions.contains(&needed), "{needed} missing from {actions:?}");
        }
        let appeal = audit.iter().find(|a| a.action == "appeal").unwrap();
        assert_eq!(
            (appeal.old_value.as_str(), appeal.reason.as_str()),
            ("13", "考生申请复核")
        );
        app.finish().await;
    })
    .await;
}

/// Single marking is single: under `{"double": false}` each answer is queued once, one grader's
/// mark is final, and no second grader is ever offered it (the defect: every answer got two tasks
/// and a second mark later changed a final one).
#[tokio::test]
async fn single_marking_queues_one_task_per_answer_and_a_final_mark_stays() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        app.graders(&[("g1", "grader"), ("g2", "grader")]).await;
        let ev = app.event_id;
        let office = app.staff("office").await;
        let _: serde_json::Value = office
            .post_ok(
                &format!("/api/office/events/{ev}/marking-policy"),
                json!({ "double": false, "tolerance": 3 }),
            )
            .await;
        sit(&app, "DEMO0001").await;
        let queued = app.store.queued_marking_tasks(ev).await.unwrap();
        assert_eq!(queued.len(), 3, "three chosen answers, one task each: {queued:?}");

        let (g1, g2) = (app.staff("g1").await, app.staff("g2").await);
        for mark in ["12", "8.5", "20"] {
            let t = g1.next_task(ev).await.expect("a task for g1");
            assert_eq!(t.round, "第一评");
            g1.mark(t.task_id, mark).await;
        }
        assert!(g2.next_task(ev).await.is_none(), "nothing left for a second grader");
        let answers = app.store.event_open_answers(ev).await.unwrap();
        let finals: Vec<Option<Points>> = answers.iter().map(|a| a.final_mark).collect();
        assert!(
            answers.iter().all(|a| a.status == kaowu::store::AnswerStatus::Final),
            "{answers:?}"
        );
        let mut finals_sorted: Vec<String> = finals.iter().map(|m| m.unwrap().to_string()).collect();
        finals_sorted.sort();
        assert_eq!(finals_sorted, ["12", "20", "8.5"]);
        app.clock.advance_ms(31 * MIN); // past the late-entry cut-off: the others are absent
        office.release(ev).await;

        // Changing the policy later does not add marks to answers already queued.
        let _: serde_json::Value = office
            .post_ok(
                &format!("/api/office/events/{ev}/marking-policy"),
                json!({ "double": true, "tolerance": 3 }),
            )
            .await;
        assert!(g2.next_task(ev).await.is_none(), "still nothing for a second grader");
        assert_eq!(
            app.store
                .event_open_answers(ev)
                .await
                .unwrap()
                .iter()
                .map(|a| a.final_mark)
                .collect::<Vec<_>>(),
            finals
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn an_abandoned_lease_returns_to_the_queue_and_the_chief_can_reopen_a_mark() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        app.graders(&[("g1", "grader"), ("g2", "grader"), ("g3", "grader"), ("chief", "chief")])
            .await;
        sit(&app, "DEMO0002").await;
        let ev = app.event_id;
        let (g1, g2, chief) = (app.staff("g1").await, app.staff("g2").await, app.staff("chief").await);
        let t = g1.next_task(ev).await.unwrap();
        app.clock.advance_ms(21 * MIN);
        // g2 pulls everything; the lapsed task is among them.
        let mut got = Vec::new();
        while let Some(t2) = g2.next_task(ev).await {
            got.push(t2.task_id);
            g2.mark(t2.task_id, "10").await;
        }
        assert!(got.contains(&t.task_id), "the abandoned task returned to the queue");
        let (status, body) = g1.try_mark(t.task_id, "11").await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");

        // Re-open one of g2's marks: kept, superseded, and back in the queue for another grader.
        let answers = app.store.event_open_answers(ev).await.unwrap();
        let mark_id = answers[0].marks[0].id;
        let _: serde_json::Value = chief
            .post_ok(
                &format!("/api/marking/marks/{mark_id}/reopen"),
                json!({ "reason": "给分偏离评分要点" }),
            )
            .await;
        let answers = app.store.event_open_answers(ev).await.unwrap();
        assert!(answers[0].marks[0].superseded);
        assert_eq!(answers[0].status, kaowu::store::AnswerStatus::Marking);
        let t3 = app
            .staff("g3")
            .await
            .next_task(ev)
            .await
            .expect("re-opened task for a grader who has not marked it");
        assert_eq!(
            t3.answer, t.answer,
            "the re-opened answer is the first one, whose task g1 had abandoned"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_paper_handed_in_after_the_first_marks_were_taken_is_offered_at_once() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        app.graders(&[("g1", "grader"), ("g2", "grader")]).await;
        sit(&app, "DEMO0001").await;
        let ev = app.event_id;
        let (g1, g2) = (app.staff("g1").await, app.staff("g2").await);
        for _ in 0..3 {
            let t = g1.next_task(ev).await.expect("a first mark");
            assert_eq!(t.round, "第一评");
            g1.mark(t.task_id, "10").await;
        }
        // Nothing more for g1: every task left is the second mark of an answer g1 marked. The
        // node now knows the queue to begin at the second marks (it moves its note of where
        // the queue begins on at most every 50 ms).
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        assert!(g1.next_task(ev).await.is_none());
        // A paper handed in now queues first marks before that point: they come first, at once.
        sit(&app, "DEMO0002").await;
        let t = g2.next_task(ev).await.expect("a task");
        assert_eq!(
            t.round, "第一评",
            "the late paper's first mark comes before the second marks"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn concurrent_pulls_never_hand_out_the_same_task() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let names: Vec<(String, &str)> = (1..=8).map(|i| (format!("p{i}"), "grader")).collect();
        let refs: Vec<(&str, &str)> = names.iter().map(|(n, r)| (n.as_str(), *r)).collect();
        app.graders(&refs).await;
        for t in ["DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004", "DEMO0005"] {
            sit(&app, t).await;
        }
        let mut clients = Vec::new();
        for (n, _) in &names {
            clients.push(app.staff(n).await);
        }
        let ev = app.event_id;
        let handles: Vec<_> = clients
            .into_iter()
            .map(|c| tokio::spawn(async move { c.next_task(ev).await.map(|t| t.task_id) }))
            .collect();
        let mut ids = Vec::new();
        for h in handles {
            ids.extend(h.await.unwrap());
        }
        assert_eq!(ids.len(), 8, "30 tasks, 8 graders: each gets one");
        let unique: HashSet<i64> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len(), "two graders got the same task: {ids:?}");
        app.finish().await;
    })
    .await;
}

/// Graders and the chief pulling and marking all at once until nothing is left (on SQLite the
/// pulls and marks are committed together in batches): every answer ends final, from marks by
/// different graders, each mark stored once with its audit line, and no task left open.
#[tokio::test]
async fn graders_marking_at_once_settle_every_answer_once() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let names: Vec<String> = (1..=6).map(|i| format!("m{i}")).collect();
        let mut staff: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "grader")).collect();
        staff.push(("chief", "chief"));
        app.graders(&staff).await;
        for t in ["DEMO0001", "DEMO0002", "DEMO0003", "DEMO0004", "DEMO0005"] {
            sit(&app, t).await;
        }
        let ev = app.event_id;
        let mut markers = Vec::new();
        for (i, name) in names.iter().enumerate() {
            // Odd graders 10, even ones 15: a pair of them is 5 apart, beyond the tolerance (3),
            // and goes to the chief.
            let mark = if i % 2 == 0 { "10" } else { "15" };
            let g = app.staff(name).await;
            markers.push(tokio::spawn(async move {
                let mut given = 0;
                while let Some(t) = g.next_task(ev).await {
                    g.mark(t.task_id, mark).await;
                    given += 1;
                }
                given
            }));
        }
        let mut given = 0;
        for m in markers {
            given += m.await.unwrap();
        }
        assert_eq!(given, 30, "5 papers, 3 open answers each, 2 marks each");
        let chief = app.staff("chief").await;
        let mut third = 0;
        while let Some(t) = chief.next_task(ev).await {
            assert_eq!(t.round, "第三评（仲裁）");
            chief.mark(t.task_id, "12").await;
            third += 1;
        }
        let answers = app.store.event_open_answers(ev).await.unwrap();
        assert_eq!(answers.len(), 15);
        for a in &answers {
            assert_eq!(a.status, kaowu::store::AnswerStatus::Final, "{a:?}");
            let graders: HashSet<i64> = a.marks.iter().map(|m| m.grader_id).collect();
            assert_eq!(graders.len(), a.marks.len(), "one grader marked an answer twice: {a:?}");
            let expected = match a.marks.len() {
                2 if a.marks[0].mark == a.marks[1].mark => a.marks[0].mark,
                // 10, 15 and the chief's 12: the mean of the two closest, 10 and 12.
                3 => "11".parse().unwrap(),
                _ => panic!("{a:?}"),
            };
            assert_eq!(a.final_mark, Some(expected), "{a:?}");
        }
        let marks: usize = answers.iter().map(|a| a.marks.len()).sum();
        assert_eq!(marks, 30 + third);
        let logged = app.store.audit_log(ev).await.unwrap();
        assert_eq!(logged.iter().filter(|e| e.action == "mark").count(), marks);
        assert!(
            app.store
                .leased_tasks_per_item(ev, app.clock.now_ms())
                .await
                .unwrap()
                .is_empty()
        );
        app.finish().await;
    })
    .await;
}

/// A chief grader assigned to a question also takes its first and second marks from the queue
/// (the chief's look-up of the queue runs only for a chief with an assignment); a chief assigned
/// to none is offered third markings and appeals only.
#[tokio::test]
async fn a_chief_takes_first_marks_only_of_a_question_assigned() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        app.graders(&[("c1", "chief"), ("c2", "chief")]).await;
        sit(&app, "DEMO0001").await;
        let ev = app.event_id;
        let (c1, c2) = (app.staff("c1").await, app.staff("c2").await);
        assert!(
            c1.next_task(ev).await.is_none(),
            "no first marks for a chief assigned to none"
        );
        let item = app.store.event_open_answers(ev).await.unwrap()[0].item_id.clone();
        app.staff("office").await.assign_grader(ev, "c2", &item).await;
        let t = c2.next_task(ev).await.expect("a first mark of the question assigned");
        assert_eq!(t.round, "第一评");
        c2.mark(t.task_id, "12").await;
        assert!(
            c2.next_task(ev).await.is_none(),
            "not the same answer's second mark, nor another question"
        );
        let marked: Vec<_> = app
            .store
            .event_open_answers(ev)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| !a.marks.is_empty())
            .collect();
        assert_eq!(marked.len(), 1, "{marked:?}");
        assert_eq!(marked[0].item_id, item);
        assert!(c1.next_task(ev).await.is_none());
        app.finish().await;
    })
    .await;
}

/// Pulls and marks that meet a database another process is writing (the office's CLI on
/// SQLite) wait for it together and go through once it commits; when it holds on beyond the
/// busy timeout, each is refused with a clear 503 in Chinese and nothing of them is kept (no
/// lease, no mark) — and they go through when sent again.
#[tokio::test]
async fn pulls_and_marks_wait_for_a_busy_database_and_are_refused_503_if_it_never_frees() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.graders(&[("g1", "grader"), ("g2", "grader")]).await;
    sit(&app, "DEMO0001").await;
    let ev = app.event_id;
    let (g1, g2) = (app.staff("g1").await, app.staff("g2").await);
    let next = format!("/api/marking/events/{ev}/next");
    let held = g1.next_task(ev).await.expect("a task for g1");
    let mut cli = app.db_connection().await;

    sqlx::query("BEGIN IMMEDIATE").execute(&mut cli).await.unwrap();
    let (marked, pulled) = {
        let (g1, g2, next) = (g1.clone(), g2.clone(), next.clone());
        let work = tokio::spawn(async move {
            tokio::join!(g1.try_mark(held.task_id, "12"), g2.post(&next, serde_json::Value::Null))
        });
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        sqlx::query("COMMIT").execute(&mut cli).await.unwrap();
        work.await.unwrap()
    };
    assert_eq!(marked.0, StatusCode::OK, "{:?}", marked.1);
    assert_eq!(pulled.0, StatusCode::OK, "{:?}", pulled.1);
    let g2_task = pulled.1["task_id"].as_i64().expect("g2's task");

    let now = app.clock.now_ms();
    let before = app.store.event_open_answers(ev).await.unwrap();
    let leased_before = app.store.leased_tasks_per_item(ev, now).await.unwrap();
    sqlx::query("BEGIN IMMEDIATE").execute(&mut cli).await.unwrap();
    let t = std::time::Instant::now();
    let (marked, pulled) = tokio::join!(g2.try_mark(g2_task, "13"), g1.post(&next, serde_json::Value::Null));
    for (status, body) in [&marked, &pulled] {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert!(crate::common::chinese_error(body), "{body}");
    }
    assert!(
        t.elapsed() >= std::time::Duration::from_secs(9),
        "they waited first ({:?})",
        t.elapsed()
    );
    sqlx::query("ROLLBACK").execute(&mut cli).await.unwrap();
    let after = app.store.event_open_answers(ev).await.unwrap();
    assert_eq!(
        format!("{before:?}"),
        format!("{after:?}"),
        "nothing of the refused mark was kept"
    );
    assert_eq!(
        app.store.leased_tasks_per_item(ev, now).await.unwrap(),
        leased_before,
        "nothing of the refused pull was kept"
    );

    assert_eq!(g2.try_mark(g2_task, "13").await.0, StatusCode::OK);
    assert!(g1.next_task(ev).await.is_some(), "g1 pulls again");
    app.finish().await;
}

#[tokio::test]
async fn a_pass_rule_with_section_minimums_is_checked_and_kept() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let office = app.staff("office").await;
    let event = |extra: serde_json::Value| {
        let mut body = json!({ "name": "分部合格线", "starts_at": "2026-12-06T09:00:00+08:00", "rooms": ["C1"], "bank": "demo", "forms": 1, "seed": 8 });
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    for (extra, says) in [
        (json!({ "min_objective": 95 }), "客观题最低分 95 不在 0–90 之内"),
        (json!({ "min_open": 61 }), "开放题最低分 61 不在 0–60 之内"),
        (json!({ "min_open": -1 }), "开放题最低分 -1"),
    ] {
        let (status, body) = office.post("/api/office/events", event(extra.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{extra} → {body}");
        assert!(error_of(&body).contains(says), "{extra} → {body}");
    }
    let created = office
        .create_event(event(json!({ "pass_mark": 90, "min_objective": 54, "min_open": 36 })))
        .await;
    let row = app.store.event(created.id).await.unwrap().unwrap();
    assert_eq!(
        row.pass_rule(),
        exam_rules::pass::PassRule {
            total: Points::whole(90),
            min_objective: Some(Points::whole(54)),
            min_open: Some(Points::whole(36)),
        }
    );
    assert_eq!(
        app.store.event(app.event_id).await.unwrap().unwrap().pass_rule(),
        exam_rules::pass::PassRule::total(Points::whole(90)),
        "without minimums only the total counts"
    );
    app.finish().await;
}

/// The number of marks an answer needs is fixed when it is queued; rounds are named in the order
/// marks are given; three marks with two equally close pairs give the median; an appeal on an
/// answer every grader and the chief have marked reaches the chief (it was offered to nobody),
/// shown on the dashboard with its age; a grader with no assignment is told so.
#[tokio::test]
async fn appeals_reach_someone_and_rounds_follow_the_order_marks_are_given() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        app.graders(&[("g1", "grader"), ("g2", "grader"), ("chief", "chief")])
            .await;
        let ev = app.event_id;
        let office = app.staff("office").await;
        sit(&app, "DEMO0001").await; // queued under double marking
        let _: serde_json::Value = office
            .post_ok(
                &format!("/api/office/events/{ev}/marking-policy"),
                json!({ "double": false, "tolerance": 3 }),
            )
            .await;
        let policy = office
            .get_ok::<serde_json::Value>(&format!("/api/office/events/{ev}/marking-policy"))
            .await;
        assert_eq!(policy["double"], false, "{policy}");
        assert!(
            policy["rule"].as_str().unwrap().contains("中位数"),
            "the tie rule is stated: {policy}"
        );
        let (g1, g2, chief) = (app.staff("g1").await, app.staff("g2").await, app.staff("chief").await);
        // Shared out evenly: each answer's two marks go one to g1, one to g2 (left free, the
        // queue offers every first mark before any second one).
        let _: serde_json::Value = chief
            .post_ok(&format!("/api/marking/events/{ev}/shares"), json!({ "even": true }))
            .await;

        // g1 takes an answer; g2, asking while g1 holds it, gets the same answer's other task.
        let t1 = g1.next_task(ev).await.expect("a task for g1");
        assert_eq!(t1.round, "第一评");
        let t2 = g2.next_task(ev).await.expect("a task for g2");
        assert_eq!(t2.answer, t1.answer, "both markers of one answer at once");
        assert_eq!(t2.round, "第二评");
        // g2 is quicker: theirs is the first mark given. Under the single marking set after the
        // answer was queued it would now be final; the answer was queued for two marks.
        assert_eq!(g2.mark(t2.task_id, "6").await.status, "marking");
        assert_eq!(g1.mark(t1.task_id, "11.5").await.status, "disputed");
        let dash: serde_json::Value = chief.get_ok(&format!("/api/marking/events/{ev}/dashboard")).await;
        let disputed = &dash["disputed"][0];
        let rounds: Vec<(String, f64)> = disputed["marks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m[1].as_str().unwrap().to_string(), m[3].as_f64().unwrap()))
            .collect();
        assert_eq!(
            rounds,
            [("第一评".to_string(), 6.0), ("第二评".to_string(), 11.5)],
            "labels in the order given: {dash}"
        );
        assert_eq!(disputed["waiting_for"], "阅卷组长", "{dash}");
        assert!(disputed["waiting_since_ms"].as_i64().is_some(), "{dash}");
        let third = chief.next_task(ev).await.expect("the chief takes the dispute");
        assert_eq!(third.round, "第三评（仲裁）");
        // 6, 11.5 and 17: (6, 11.5) and (11.5, 17) are both 5.5 apart — the median, 11.5.
        assert_eq!(chief.mark(third.task_id, "17").await.status, "final");
        let disputed_no = open_no_of(&t1.answer);
        let final_of = |answers: &[kaowu::store::DashboardAnswer], no: i64| {
            answers.iter().find(|a| a.open_no == no).unwrap().final_mark
        };
        let answers = app.store.event_open_answers(ev).await.unwrap();
        assert_eq!(final_of(&answers, disputed_no), Some("11.5".parse::<Points>().unwrap()));

        // An appeal before an answer is final, and a second appeal while one is pending, are refused.
        let other_no = (1..=3).find(|n| *n != disputed_no).unwrap();
        let appeal = |no: i64| json!({ "ticket": "DEMO0001", "open_no": no, "reason": "考生申请复核" });
        let (status, body) = office
            .post(&format!("/api/office/events/{ev}/appeals"), appeal(other_no))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("appeal_before_final")),
            "{body}"
        );
        // The rest is marked by the two graders (within the tolerance).
        for _ in 0..2 {
            for g in [&g1, &g2] {
                let t = g.next_task(ev).await.expect("the other answers");
                assert_ne!(g.mark(t.task_id, "12").await.status, "disputed");
            }
        }
        assert!(g1.next_task(ev).await.is_none() && g2.next_task(ev).await.is_none());

        // The disputed answer is appealed: both graders and the chief have marked it, so it goes
        // to the chief (before, nobody was offered it).
        let _: serde_json::Value = office
            .post_ok(&format!("/api/office/events/{ev}/appeals"), appeal(disputed_no))
            .await;
        let (status, body) = office
            .post(&format!("/api/office/events/{ev}/appeals"), appeal(disputed_no))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("appeal_pending")),
            "{body}"
        );
        assert!(
            g1.next_task(ev).await.is_none() && g2.next_task(ev).await.is_none(),
            "its markers may not"
        );
        let dash: serde_json::Value = chief.get_ok(&format!("/api/marking/events/{ev}/dashboard")).await;
        let waiting = dash["disputed"].as_array().unwrap();
        assert_eq!(waiting.len(), 1, "{dash}");
        assert_eq!(
            (waiting[0]["status"].as_str(), waiting[0]["waiting_for"].as_str()),
            (Some("appeal"), Some("阅卷组长"))
        );
        app.clock.advance_ms(7 * MIN);
        let dash: serde_json::Value = chief.get_ok(&format!("/api/marking/events/{ev}/dashboard")).await;
        let age = dash["now_ms"].as_i64().unwrap() - dash["disputed"][0]["waiting_since_ms"].as_i64().unwrap();
        assert_eq!(age, 7 * MIN, "the appeal's age: {dash}");
        let re = chief.next_task(ev).await.expect("the appeal reaches the chief");
        assert_eq!(
            (re.round.as_str(), re.answer.as_str()),
            ("复评（申诉）", t1.answer.as_str())
        );
        assert_eq!(chief.mark(re.task_id, "15").await.status, "final");
        let answers = app.store.event_open_answers(ev).await.unwrap();
        assert_eq!(final_of(&answers, disputed_no), Some(Points::whole(15)));

        // A grader with no assignment in the event is told so; a chief without one is not.
        app.add_staff("g9", "阅卷人g9", "grader").await;
        let (status, body) = app
            .staff("g9")
            .await
            .post(&format!("/api/marking/events/{ev}/next"), serde_json::Value::Null)
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("not_assigned")),
            "{body}"
        );
        assert!(error_of(&body).contains("尚未被分配"), "{body}");
        assert!(chief.next_task(ev).await.is_none());
        app.finish().await;
    })
    .await;
}

/// Which open question (1–3) an answer written by `sit` is, from its text.
fn open_no_of(answer: &str) -> i64 {
    ["第一题", "第二题", "第三题"]
        .iter()
        .position(|p| answer.starts_with(p))
        .map(|i| i as i64 + 1)
        .unwrap_or_else(|| panic!("not an answer of `sit`: {answer}"))
}

/// The office assigns a grader to one open question, chosen among the event's questions listed
/// by stem; that grader is offered answers to that question only.
#[tokio::test]
async fn a_grader_assigned_to_one_question_marks_only_that_question() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        let ev = app.event_id;
        let office = app.staff("office").await;
        app.add_staff("q1", "王评", "grader").await;
        sit(&app, "DEMO0001").await;
        let questions: serde_json::Value = office.get_ok(&format!("/api/office/events/{ev}/open-questions")).await;
        let list = questions.as_array().unwrap();
        assert!(list.len() >= 5, "every open question the papers can carry: {questions}");
        assert!(
            list.iter()
                .all(|q| !q["stem"].as_str().unwrap().is_empty() && q["graders"].as_array().unwrap().is_empty())
        );
        let answered: Vec<&serde_json::Value> = list.iter().filter(|q| q["answers"] == 1).collect();
        assert_eq!(answered.len(), 3, "three answers handed in: {questions}");
        let item = answered[1]["item_id"].as_str().unwrap().to_string();
        let assigned: serde_json::Value = office
            .post_ok(
                &format!("/api/office/events/{ev}/assignments"),
                json!({ "username": "q1", "item_id": item }),
            )
            .await;
        assert_eq!(assigned["items"], 1);
        let questions: serde_json::Value = office.get_ok(&format!("/api/office/events/{ev}/open-questions")).await;
        for q in questions.as_array().unwrap() {
            let names: Vec<&str> = q["graders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g.as_str().unwrap())
                .collect();
            assert_eq!(
                names,
                if q["item_id"] == item.as_str() {
                    vec!["王评"]
                } else {
                    vec![]
                },
                "{questions}"
            );
        }
        let q1 = app.staff("q1").await;
        let t = q1.next_task(ev).await.expect("the answer to that question");
        q1.mark(t.task_id, "10").await;
        assert!(q1.next_task(ev).await.is_none(), "nothing of the other questions");
        let answers = app.store.event_open_answers(ev).await.unwrap();
        let marked: Vec<&str> = answers
            .iter()
            .filter(|a| !a.marks.is_empty())
            .map(|a| a.item_id.as_str())
            .collect();
        assert_eq!(marked, [item.as_str()]);
        app.finish().await;
    })
    .await;
}

/// Both markers of one answer mark at the same moment: the answer is settled, not left waiting
/// for a mark it already has (on PostgreSQL each transaction saw only its own mark, and 2,371 of
/// 6,000 answers in the marking bench stayed 评阅中 with both marks given).
#[tokio::test]
async fn two_marks_given_at_once_settle_the_answer() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        app.graders(&[("g1", "grader"), ("g2", "grader"), ("c1", "chief")]).await;
        let ev = app.event_id;
        sit(&app, "DEMO0001").await;
        // Each answer's two marks handed one to g1, one to g2, in the same order.
        let _: serde_json::Value = app
            .staff("c1")
            .await
            .post_ok(&format!("/api/marking/events/{ev}/shares"), json!({ "even": true }))
            .await;
        let (g1, g2) = (app.staff("g1").await, app.staff("g2").await);
        for _ in 0..3 {
            let (t1, t2) = (g1.next_task(ev).await.unwrap(), g2.next_task(ev).await.unwrap());
            assert_eq!(t1.answer, t2.answer, "the two tasks of one answer");
            let (m1, m2) = tokio::join!(g1.mark(t1.task_id, "12"), g2.mark(t2.task_id, "13"));
            assert!(
                m1.status == "final" || m2.status == "final",
                "one of the two settles it: {m1:?} {m2:?}"
            );
        }
        let answers = app.store.event_open_answers(ev).await.unwrap();
        assert!(
            answers
                .iter()
                .all(|a| a.status == kaowu::store::AnswerStatus::Final && a.final_mark == Some("12.5".parse().unwrap())),
            "{answers:?}"
        );
        app.finish().await;
    })
    .await;
}

/// The chief plants a control answer (质检卷) with an agreed mark: each grader of the question is
/// offered it once, after at least one real answer, looking like any task on the wire; their
/// deviations show on the dashboard; it never becomes a candidate's answer or a mark of one.
#[tokio::test]
async fn a_control_answer_reaches_each_grader_as_any_answer_and_never_counts() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        app.graders(&[("g1", "grader"), ("g2", "grader"), ("c1", "chief")])
            .await;
        let ev = app.event_id;
        sit(&app, "DEMO0001").await;
        sit(&app, "DEMO0002").await;
        let chief = app.staff("c1").await;
        let item = chief.dashboard(ev).await.questions[0].item_id.clone();
        let url = format!("/api/marking/events/{ev}/controls");
        const CONTROL: &str = "答：先用排列图找出主要缺陷类型，再用因果图分析原因，制定对策并验证效果。";

        // Refused, each with what was wrong; nothing planted.
        for (body, says) in [
            (
                json!({ "item_id": item, "answer": CONTROL, "agreed_mark": 25 }),
                "约定分数 25 不在 0–20 分之内",
            ),
            (
                json!({ "item_id": item, "answer": CONTROL, "agreed_mark": 12.25 }),
                "须以 0.5 分为单位",
            ),
            (
                json!({ "item_id": item, "answer": "  ", "agreed_mark": 12 }),
                "请填写质检卷的答卷内容",
            ),
            (
                json!({ "item_id": "M9-O-999", "answer": CONTROL, "agreed_mark": 12 }),
                "不是本场考试的开放式试题",
            ),
        ] {
            let (status, err) = chief.post(&url, body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
            assert!(error_of(&err).contains(says), "{err}");
        }
        let g1 = app.staff("g1").await;
        let (status, _) = g1
            .post(&url, json!({ "item_id": item, "answer": CONTROL, "agreed_mark": 12 }))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a grader cannot plant one");
        assert!(chief.dashboard(ev).await.controls.is_empty());

        let planted: serde_json::Value = chief
            .post_ok(&url, json!({ "item_id": item, "answer": CONTROL, "agreed_mark": 12 }))
            .await;
        assert_eq!(
            planted["graders"], 2,
            "both graders of the question, not the chief: {planted}"
        );

        let g2 = app.staff("g2").await;
        let mut seen = HashSet::new();
        for (grader, mark, name) in [(&g1, "15", "g1"), (&g2, "10", "g2")] {
            let mut pulled = Vec::new();
            while let Some(t) = grader.next_task(ev).await {
                assert!(seen.insert(t.task_id), "task numbers are never shared: {}", t.task_id);
                assert!(!t.wire.contains("质检") && !t.wire.contains("control"), "{}", t.wire);
                assert!(["第一评", "第二评"].contains(&t.round.as_str()), "{}", t.round);
                let is_control = t.answer == CONTROL;
                let marked = grader.mark(t.task_id, if is_control { mark } else { "11" }).await;
                if is_control {
                    assert_eq!(marked.status, "marking");
                    let (again, err) = grader.try_mark(t.task_id, "3").await;
                    assert_eq!(again, StatusCode::CONFLICT, "a control is marked once: {err}");
                }
                pulled.push(is_control);
            }
            assert_eq!(
                pulled.len(),
                7,
                "{name}: the six real answers and the control: {pulled:?}"
            );
            assert_eq!(pulled.iter().filter(|c| **c).count(), 1, "{name}: {pulled:?}");
            assert!(!pulled[0], "{name}: not straight after planting: {pulled:?}");
        }

        let d = chief.dashboard(ev).await;
        let control = &d.controls[0];
        assert_eq!((control.item_id.as_str(), control.agreed_mark), (item.as_str(), 12.0));
        assert_eq!((control.planted_for, control.marked), (2, 2));
        let given: Vec<(&str, f64, f64)> = control
            .marks
            .iter()
            .map(|m| (m.name.as_str(), m.mark, m.deviation))
            .collect();
        assert_eq!(given, [("阅卷人g1", 15.0, 3.0), ("阅卷人g2", 10.0, -2.0)]);
        for (name, deviation) in [("阅卷人g1", 3.0), ("阅卷人g2", -2.0)] {
            let g = d.graders.iter().find(|g| g.name == name).expect(name);
            assert_eq!(g.count, 6, "{name}: control marks are not among the real ones");
            assert_eq!(g.control_count, 1);
            assert_eq!(g.control_deviation, Some(deviation));
            assert_eq!(g.control_abs_deviation, Some(f64::abs(deviation)));
            assert_eq!(g.agreement, Some(1.0), "{name}: agreement counts real answers only");
        }
        // Every real answer settled by its two real marks of 11; the control is none of them.
        let answers = app.store.event_open_answers(ev).await.unwrap();
        assert_eq!(answers.len(), 6);
        for a in &answers {
            assert_eq!(a.final_mark, Some(Points::whole(11)), "{a:?}");
            assert!(a.marks.iter().all(|m| m.mark == Points::whole(11)), "{a:?}");
        }
        assert!(
            app.store
                .audit_log(ev)
                .await
                .unwrap()
                .iter()
                .any(|e| e.action == "plant_control" && e.new_value == "12"),
            "planting is audited"
        );
        app.finish().await;
    })
    .await;
}

/// The chief shares the answers out evenly: every waiting mark is handed to one grader of its
/// question (never one who marked the answer), shares within one of each other; a grader who has
/// marked their share is told so while the others' wait; set free again, anyone takes what is left.
#[tokio::test]
async fn answers_shared_out_evenly_go_to_their_grader_and_free_lifts_it() {
    each_backend(|b| async move {
        let app = TestApp::spawn(b).await;
        app.graders(&[("g1", "grader"), ("g2", "grader"), ("g3", "grader"), ("c1", "chief")])
            .await;
        let ev = app.event_id;
        let chief = app.staff("c1").await;
        let url = format!("/api/marking/events/{ev}/shares");
        let (status, err) = chief.post(&url, json!({ "even": true })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "nothing to share yet: {err}");
        assert!(error_of(&err).contains("尚无可分配的答卷"), "{err}");
        for ticket in ["DEMO0001", "DEMO0002", "DEMO0003"] {
            sit(&app, ticket).await;
        }
        let shares: serde_json::Value = chief.post_ok(&url, json!({ "even": true })).await;
        let (mut marks, mut least, mut most) = (0, 0, 0);
        for s in shares.as_array().unwrap() {
            assert_eq!(s["graders"], 3, "{s}");
            let (l, m) = (s["least"].as_u64().unwrap(), s["most"].as_u64().unwrap());
            assert!(m - l <= 1, "even within one: {s}");
            assert!(!s["stem"].as_str().unwrap().is_empty());
            marks += s["marks"].as_u64().unwrap();
            least += l;
            most += m;
        }
        assert_eq!(marks, 18, "nine answers, two marks each: {shares}");
        let d = chief.dashboard(ev).await;
        assert_eq!(d.questions.iter().map(|q| q.handed_out).sum::<u64>(), 18, "{d:?}");

        // g1 marks its share, then is told the rest are the others'.
        let g1 = app.staff("g1").await;
        let next = format!("/api/marking/events/{ev}/next");
        let mut g1_marked = 0;
        let (status, err) = loop {
            let (status, body) = g1.post(&next, serde_json::Value::Null).await;
            if status != StatusCode::OK {
                break (status, body);
            }
            g1.mark(body["task_id"].as_i64().unwrap(), "10").await;
            g1_marked += 1;
        };
        assert!((least..=most).contains(&g1_marked), "{least} ≤ {g1_marked} ≤ {most}");
        assert_eq!(status, StatusCode::CONFLICT, "{err}");
        assert_eq!(err["code"], "share_done", "{err}");
        assert!(error_of(&err).contains("平均分配给其他阅卷人"), "{err}");

        // g2 is gone: free again, and g1 and g3 mark everything between them.
        let free: serde_json::Value = chief.post_ok(&url, json!({ "even": false })).await;
        assert_eq!(free, json!([]));
        assert!(chief.dashboard(ev).await.questions.iter().all(|q| q.handed_out == 0));
        let g3 = app.staff("g3").await;
        for g in [&g1, &g3] {
            while let Some(t) = g.next_task(ev).await {
                g.mark(t.task_id, "10").await;
            }
        }
        let answers = app.store.event_open_answers(ev).await.unwrap();
        assert!(
            answers.iter().all(|a| a.status == kaowu::store::AnswerStatus::Final),
            "{answers:?}"
        );
        let audit = app.store.audit_log(ev).await.unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|e| e.action == "share_out")
                .map(|e| e.subject.as_str())
                .collect::<Vec<_>>(),
            ["平均分配", "自由领取"],
            "the refused attempt changed nothing"
        );
        app.finish().await;
    })
    .await;
}
