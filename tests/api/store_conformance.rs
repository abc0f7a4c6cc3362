//! The store's conformance suite: the same behaviour, checked directly against the store, on
//! SQLite always and on PostgreSQL when TEST_DATABASE_URL is set.

use std::collections::HashMap;

use exam_rules::paper_shape::Slot;
use exam_rules::sitting::SittingState;
use exam_rules::timer::Timer;
use kaowu::store::{RosterRow, SaveOutcome, SaveRequest, Store, Submission, SubmitOutcome};

use crate::common::{Backend, MIN, START_MS, TestDb, each_backend};

struct Fixture {
    store: Store,
    db: TestDb,
    event_id: i64,
    /// Candidate ids of the demo roster, DEMO0001..DEMO0005.
    ids: Vec<i64>,
}

async fn fixture(b: Backend) -> Fixture {
    let db = TestDb::new(b).await;
    let store = Store::open(&db.url).await.expect("open");
    let exam = kaowu::exam::Exam::new(store.clone(), kaowu::clock::Clock::manual(START_MS));
    let demo = kaowu::exam::demo::ensure_demo(&exam).await.expect("demo");
    let mut ids = Vec::new();
    for (ticket, _) in &demo.candidates {
        ids.push(store.candidate_by_ticket(ticket).await.unwrap().unwrap().id);
    }
    Fixture {
        store,
        db,
        event_id: demo.event_id,
        ids,
    }
}

fn save(candidate_id: i64, session: &str, seq: i64, slot: Slot, value: &str) -> SaveRequest {
    SaveRequest {
        candidate_id,
        session_id: session.into(),
        seq,
        slot,
        value: value.into(),
    }
}

/// Runs `f` on a fresh fixture on every backend; `f` hands back the database to drop.
async fn each<F, Fut>(f: F)
where
    F: Fn(Fixture) -> Fut,
    Fut: std::future::Future<Output = TestDb>,
{
    each_backend(|b| {
        let f = &f;
        async move {
            let db = f(fixture(b).await).await;
            db.drop_db().await;
        }
    })
    .await;
}

#[tokio::test]
async fn saves_respect_sequence_numbers_and_sitting_state() {
    each(|fx| async move {
        let s = &fx.store;
        let id = fx.ids[0];
        // Not started: refused, but logged.
        let out = s
            .save_answers(&[save(id, "w1", 1, Slot::Objective(1), "A")], START_MS)
            .await
            .unwrap();
        assert!(
            matches!(&out[0], SaveOutcome::Refused(r) if r.code() == "not_started"),
            "{out:?}"
        );
        s.start_sitting(id, "w1", &Timer::start(START_MS, 180 * 60_000))
            .await
            .unwrap();
        let out = s
            .save_answers(
                &[
                    save(id, "w1", 2, Slot::Objective(1), "A"),
                    save(id, "w1", 1, Slot::Objective(1), "B"),
                    save(id, "w1", 3, Slot::OpenChoice, "1,2"),
                    save(id, "w1", 4, Slot::OpenText(2), "作答"),
                    save(id, "w1", 5, Slot::OpenText(4), "未选"),
                    save(id, "w2", 6, Slot::Objective(2), "C"),
                ],
                START_MS + 1,
            )
            .await
            .unwrap();
        assert_eq!(
            out[..4],
            [
                SaveOutcome::Saved,
                SaveOutcome::Stale,
                SaveOutcome::Saved,
                SaveOutcome::Saved
            ]
        );
        assert!(
            matches!(&out[4], SaveOutcome::Refused(r) if r.code() == "open_not_chosen"),
            "{out:?}"
        );
        assert!(
            matches!(&out[5], SaveOutcome::Refused(r) if r.code() == "moved"),
            "another session is refused: {out:?}"
        );
        let answers: HashMap<String, String> = s
            .answers(id)
            .await
            .unwrap()
            .into_iter()
            .map(|a| (a.slot, a.value))
            .collect();
        assert_eq!(answers.len(), 3);
        assert_eq!(answers["1"], "A");
        assert_eq!(s.save_log(id).await.unwrap().len(), 7, "every save is in the history");

        // Past the deadline: refused.
        let out = s
            .save_answers(&[save(id, "w1", 7, Slot::Objective(3), "A")], START_MS + 180 * MIN)
            .await
            .unwrap();
        assert!(
            matches!(&out[0], SaveOutcome::Refused(r) if r.code() == "time_up"),
            "{out:?}"
        );
        assert_eq!(s.expired_sittings(START_MS + 180 * MIN, 10).await.unwrap(), vec![id]);
        assert!(
            s.expired_sittings(START_MS + 180 * MIN - 1, 10)
                .await
                .unwrap()
                .is_empty()
        );
        fx.db
    })
    .await;
}

#[tokio::test]
async fn open_text_is_stored_exactly_as_sent() {
    each(|fx| async move {
        let s = &fx.store;
        let id = fx.ids[2];
        s.start_sitting(id, "w1", &Timer::start(START_MS, 180 * 60_000))
            .await
            .unwrap();
        // Quotes, backslashes, JSON and SQL look-alikes, line breaks, tabs, non-BMP characters.
        let text =
            "他说：\"质量第一\"；路径 C:\\质量\\新建\n\t{\"c\": 1, \"s\": \"x\"} ' OR 1=1 -- $1 \\u0041 😀𠀀\r\n末尾 ";
        let out = s
            .save_answers(
                &[
                    save(id, "w1", 1, Slot::OpenChoice, "1,2,3"),
                    save(id, "w1", 2, Slot::OpenText(1), text),
                ],
                START_MS + 1,
            )
            .await
            .unwrap();
        assert_eq!(out, [SaveOutcome::Saved, SaveOutcome::Saved]);
        let answers = s.answers(id).await.unwrap();
        let stored = answers.iter().find(|a| a.slot == "open-1").expect("open-1 saved");
        assert_eq!(stored.value, text, "the answer comes back byte for byte");
        let log = s.save_log(id).await.unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(
            (log[1].seq, log[1].slot.as_str(), log[1].value.as_str()),
            (2, "open-1", text)
        );
        assert_eq!(log[1].outcome, "saved");
        fx.db
    })
    .await;
}

#[tokio::test]
async fn the_timer_changes_only_from_the_right_states() {
    each(|fx| async move {
        let s = &fx.store;
        let id = fx.ids[1];
        assert!(
            !s.change_timer(
                id,
                START_MS,
                &[SittingState::InProgress],
                Some(SittingState::Paused),
                |t| t.pause(START_MS)
            )
            .await
            .unwrap(),
            "not started"
        );
        s.start_sitting(id, "w", &Timer::start(START_MS, 180 * 60_000))
            .await
            .unwrap();
        let now = START_MS + 10 * MIN;
        assert!(
            s.change_timer(id, now, &[SittingState::InProgress], Some(SittingState::Paused), |t| t
                .pause(now))
                .await
                .unwrap()
        );
        assert!(
            !s.change_timer(id, now, &[SittingState::InProgress], Some(SittingState::Paused), |t| t
                .pause(now))
                .await
                .unwrap(),
            "already paused"
        );
        let row = s.sitting(id).await.unwrap().unwrap();
        assert_eq!((row.state, row.timer.unwrap().deadline()), (SittingState::Paused, None));
        assert!(
            s.expired_sittings(START_MS + 999 * MIN, 10).await.unwrap().is_empty(),
            "a paused sitting never expires"
        );
        let later = now + 30 * MIN;
        assert!(
            s.change_timer(
                id,
                later,
                &[SittingState::Paused],
                Some(SittingState::InProgress),
                |t| t.resume(later)
            )
            .await
            .unwrap()
        );
        assert!(
            s.change_timer(
                id,
                later,
                &[SittingState::InProgress, SittingState::Paused],
                None,
                |t| t.grant_extra(5 * MIN)
            )
            .await
            .unwrap()
        );
        let row = s.sitting(id).await.unwrap().unwrap();
        assert_eq!(row.state, SittingState::InProgress);
        assert_eq!(row.timer.unwrap().deadline(), Some(START_MS + 215 * MIN));
        assert_eq!(row.remaining_ms(later), 175 * MIN);
        fx.db
    })
    .await;
}

fn scoring(answers: &[kaowu::store::AnswerRow]) -> Submission {
    // A stand-in scorer: one point per answered objective slot, so the test sees exactly which
    // answers the submitting transaction read.
    let items: Vec<(u32, String, String, String, i64)> = answers
        .iter()
        .filter_map(|a| {
            a.slot
                .parse::<u32>()
                .ok()
                .map(|no| (no, format!("I{no}"), a.value.clone(), a.value.clone(), 100))
        })
        .collect();
    Submission {
        objective_total: items.len() as i64 * 100,
        items,
        open: vec![(1, "O1".into(), "答".into())],
    }
}

#[tokio::test]
async fn submission_is_atomic_with_concurrent_saves_and_happens_once() {
    each(|fx| async move {
        let s = fx.store.clone();
        let id = fx.ids[2];
        s.start_sitting(id, "w", &Timer::start(START_MS, 180 * 60_000))
            .await
            .unwrap();
        // 40 saves race one submission: every save acknowledged as saved must be in the scoring,
        // every refused one must not.
        let mut handles = Vec::new();
        for no in 1..=40u32 {
            let s1 = s.clone();
            handles.push(tokio::spawn(async move {
                let out = s1
                    .save_answers(&[save(id, "w", no as i64, Slot::Objective(no), "A")], START_MS + 1)
                    .await
                    .unwrap();
                (no, out[0].clone())
            }));
            if no == 20 {
                let s2 = s.clone();
                handles.push(tokio::spawn(async move {
                    let out = s2.submit_sitting(id, START_MS + 2, "candidate", scoring).await.unwrap();
                    (
                        0,
                        if matches!(out, SubmitOutcome::Submitted { .. }) {
                            SaveOutcome::Saved
                        } else {
                            SaveOutcome::Stale
                        },
                    )
                }));
            }
        }
        let mut acked = Vec::new();
        for h in handles {
            let (no, out) = h.await.unwrap();
            if no > 0 && out == SaveOutcome::Saved {
                acked.push(no as i64);
            }
        }
        let mut scored: Vec<i64> = s.item_results(id).await.unwrap().into_iter().map(|r| r.no).collect();
        scored.sort();
        acked.sort();
        assert_eq!(scored, acked, "the scoring saw exactly the acknowledged saves");
        assert_eq!(
            s.sitting(id).await.unwrap().unwrap().objective_score,
            Some(acked.len() as i64 * 100)
        );
        assert_eq!(
            s.submit_sitting(id, START_MS + 3, "candidate", scoring).await.unwrap(),
            SubmitOutcome::AlreadySubmitted
        );
        assert_eq!(
            s.queued_marking_tasks(fx.event_id).await.unwrap().len(),
            2,
            "one open answer, two marks, once"
        );
        fx.db
    })
    .await;
}

#[tokio::test]
async fn many_concurrent_writers_lose_no_acknowledged_save() {
    each(|fx| async move {
        let s = fx.store.clone();
        for &id in &fx.ids {
            s.start_sitting(id, "w", &Timer::start(START_MS, 180 * 60_000))
                .await
                .unwrap();
        }
        let mut handles = Vec::new();
        for &id in &fx.ids {
            for round in 0..10i64 {
                let s = s.clone();
                handles.push(tokio::spawn(async move {
                    let batch: Vec<SaveRequest> = (1..=7u32)
                        .map(|no| {
                            save(
                                id,
                                "w",
                                round * 10 + no as i64,
                                Slot::Objective(no),
                                ["A", "B", "C", "D"][(round % 4) as usize],
                            )
                        })
                        .collect();
                    s.save_answers(&batch, START_MS + 5).await.unwrap()
                }));
            }
        }
        for h in handles {
            assert!(
                h.await
                    .unwrap()
                    .iter()
                    .all(|o| matches!(o, SaveOutcome::Saved | SaveOutcome::Stale))
            );
        }
        for &id in &fx.ids {
            let answers = s.answers(id).await.unwrap();
            assert_eq!(answers.len(), 7);
            // The highest sequence number wins, whatever order the batches committed in.
            assert!(answers.iter().all(|a| a.seq >= 91 && a.value == "B"), "{answers:?}");
        }
        fx.db
    })
    .await;
}

#[tokio::test]
async fn a_roster_import_is_all_or_nothing() {
    each(|fx| async move {
        let s = &fx.store;
        let row = |ticket: &str| RosterRow {
            ticket: ticket.into(),
            name: "测试".into(),
            pinyin: "Ce Shi".into(),
            id_number: "11010519491231002X".into(),
            room: "Z9".into(),
            seat: "1".into(),
            password_hash: "x".into(),
            paper_seed: 1,
            form: 1,
        };
        let before = s.roster_size(fx.event_id).await.unwrap();
        assert!(
            s.import_roster(fx.event_id, &[row("N1"), row("N2"), row("DEMO0001")], 180 * MIN)
                .await
                .is_err()
        );
        assert_eq!(
            s.roster_size(fx.event_id).await.unwrap(),
            before,
            "nothing from the failed file"
        );
        assert!(s.candidate_by_ticket("N1").await.unwrap().is_none());
        s.import_roster(fx.event_id, &[row("N1"), row("N2")], 180 * MIN)
            .await
            .unwrap();
        assert_eq!(s.roster_size(fx.event_id).await.unwrap(), before + 2);
        assert!(
            s.event_rooms(fx.event_id).await.unwrap().iter().any(|(r, _)| r == "Z9"),
            "the roster's rooms exist"
        );
        fx.db
    })
    .await;
}

#[tokio::test]
async fn sessions_and_login_failures() {
    each(|fx| async move {
        let s = &fx.store;
        s.create_session("abc", "candidate", fx.ids[0], START_MS, START_MS + 1000)
            .await
            .unwrap();
        assert_eq!(
            s.session("abc", START_MS + 999).await.unwrap().unwrap().subject_id,
            fx.ids[0]
        );
        assert!(s.session("abc", START_MS + 1000).await.unwrap().is_none(), "expired");
        s.create_session("def", "office", 1, START_MS, START_MS + 1000)
            .await
            .unwrap();
        s.revoke_session("def").await.unwrap();
        assert!(s.session("def", START_MS).await.unwrap().is_none(), "revoked");
        for i in 0..3 {
            s.record_login_failure("candidate:X", &["candidate:X", "candidate:X@ip"], START_MS + i, 0)
                .await
                .unwrap();
        }
        assert_eq!(s.login_failures_since("candidate:X", START_MS + 1).await.unwrap(), 2);
        s.clear_login_failures(&["candidate:X"]).await.unwrap();
        assert_eq!(s.login_failures_since("candidate:X", 0).await.unwrap(), 0);
        assert_eq!(s.login_failures_since("candidate:X@ip", 0).await.unwrap(), 3);
        // Old failures are forgotten when a new one is counted; an unlock forgets an account's.
        s.record_login_failure("candidate:Y", &["candidate:Y"], START_MS + 10, START_MS + 2)
            .await
            .unwrap();
        assert_eq!(s.login_failures_since("candidate:X@ip", 0).await.unwrap(), 1);
        let record = kaowu::store::UnlockRecord {
            event_id: 0,
            actor: "office#1",
            subject: "X",
            reason: "忘记密码",
            at_ms: START_MS + 20,
            room_log: None,
        };
        assert_eq!(s.unlock_account("candidate:X", &record).await.unwrap(), 1);
        assert_eq!(s.login_failures_since("candidate:X@ip", 0).await.unwrap(), 0);
        assert_eq!(s.login_failures_since("candidate:Y", 0).await.unwrap(), 1);
        assert_eq!(s.setting_or_init("k", || "v1".into()).await.unwrap(), "v1");
        assert_eq!(
            s.setting_or_init("k", || "v2".into()).await.unwrap(),
            "v1",
            "first value stays"
        );
        fx.db
    })
    .await;
}

fn outcome_names(out: &[SaveOutcome]) -> Vec<String> {
    out.iter()
        .map(|o| match o {
            SaveOutcome::Saved => "saved".to_string(),
            SaveOutcome::Stale => "stale".to_string(),
            SaveOutcome::Refused(m) => format!("refused: {m}"),
        })
        .collect()
}

async fn answer_map(s: &Store, id: i64) -> HashMap<String, (String, i64)> {
    s.answers(id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.slot, (a.value, a.seq)))
        .collect()
}

#[tokio::test]
async fn one_batch_of_several_candidates_is_judged_save_by_save_in_order() {
    each(|fx| async move {
        let s = &fx.store;
        let [a, b, c, d] = [fx.ids[0], fx.ids[1], fx.ids[2], fx.ids[3]];
        for id in [a, b, c] {
            s.start_sitting(id, "w", &Timer::start(START_MS, 180 * 60_000))
                .await
                .unwrap();
        }
        // `d` has not started: its saves are refused while the others' go through.
        let batch = [
            save(a, "w", 5, Slot::Objective(1), "A"),
            save(b, "w", 2, Slot::Objective(1), "B"),
            save(a, "w", 3, Slot::Objective(1), "C"),
            save(d, "w", 1, Slot::Objective(1), "A"),
            save(a, "w", 6, Slot::Objective(2), "D"),
            save(a, "w", 4, Slot::Objective(2), "A"),
            save(b, "w", 3, Slot::OpenChoice, "1,3"),
            save(b, "w", 4, Slot::OpenText(3), "第三题作答"),
            save(b, "w", 5, Slot::OpenText(2), "未选的题"),
            save(b, "w", 6, Slot::OpenText(5), ""),
            save(c, "other", 1, Slot::Objective(1), "B"),
            save(c, "w", 2, Slot::Objective(1), "C"),
            save(d, "w", 2, Slot::Objective(2), "B"),
            save(a, "w", 7, Slot::Objective(1), "B"),
            save(a, "w", 7, Slot::Objective(1), "D"),
        ];
        let out = s.save_answers(&batch, START_MS + 1).await.unwrap();
        let names = outcome_names(&out);
        let expected = [
            "saved", "saved", "stale", "refused", "saved", "stale", "saved", "saved", "refused", "saved", "refused",
            "saved", "refused", "saved", "stale",
        ];
        assert_eq!(names.len(), expected.len());
        for (i, (got, want)) in names.iter().zip(expected).enumerate() {
            assert!(got.starts_with(want), "save {i}: {got}, expected {want}: {names:?}");
        }
        assert!(
            names[3].contains("尚未开始") && names[12].contains("尚未开始"),
            "{names:?}"
        );
        assert!(
            names[8].contains("尚未选答"),
            "text for an unchosen question: {names:?}"
        );
        assert!(names[10].contains("其他机位"), "another workstation: {names:?}");

        let answers_a = answer_map(s, a).await;
        assert_eq!(answers_a.len(), 2, "{answers_a:?}");
        assert_eq!(answers_a["1"], ("B".to_string(), 7), "the newest save holds the slot");
        assert_eq!(answers_a["2"], ("D".to_string(), 6), "an older save never overwrites");
        let answers_b = answer_map(s, b).await;
        assert_eq!(answers_b.len(), 4, "{answers_b:?}");
        assert_eq!(answers_b["open"].0, "1,3");
        assert_eq!(
            answers_b["open-3"].0, "第三题作答",
            "text for a question chosen earlier in the same batch"
        );
        assert!(!answers_b.contains_key("open-2"));
        assert_eq!(answers_b["open-5"].0, "", "clearing an unchosen answer is allowed");
        assert_eq!(answer_map(s, c).await["1"], ("C".to_string(), 2));
        assert!(answer_map(s, d).await.is_empty());

        // Every save is logged with its outcome, in the order received.
        let log_a: Vec<(i64, String, String)> = s
            .save_log(a)
            .await
            .unwrap()
            .into_iter()
            .map(|l| (l.seq, l.slot, l.outcome))
            .collect();
        let want = |seq: i64, slot: &str, outcome: &str| (seq, slot.to_string(), outcome.to_string());
        assert_eq!(
            log_a,
            vec![
                want(5, "1", "saved"),
                want(3, "1", "stale"),
                want(6, "2", "saved"),
                want(4, "2", "stale"),
                want(7, "1", "saved"),
                want(7, "1", "stale"),
            ]
        );
        let log_b = s.save_log(b).await.unwrap();
        assert_eq!(log_b.len(), 5);
        assert!(
            log_b[3].outcome.starts_with("refused: ") && log_b[3].outcome.contains("尚未选答"),
            "{log_b:?}"
        );
        assert_eq!(s.save_log(c).await.unwrap().len(), 2);
        assert_eq!(s.save_log(d).await.unwrap().len(), 2);

        // The next batch starts from what the last one committed; a stale open choice changes
        // nothing that later saves are judged by.
        let out = s
            .save_answers(
                &[
                    save(b, "w", 8, Slot::OpenChoice, "1,2"),
                    save(b, "w", 7, Slot::OpenChoice, "3,4"),
                    save(b, "w", 9, Slot::OpenText(3), "不再选答"),
                    save(b, "w", 10, Slot::OpenText(2), "第二题"),
                    save(a, "w", 6, Slot::Objective(1), "A"),
                ],
                START_MS + 2,
            )
            .await
            .unwrap();
        let names = outcome_names(&out);
        assert_eq!(names[..2], ["saved", "stale"], "{names:?}");
        assert!(names[2].contains("尚未选答"), "{names:?}");
        assert_eq!(names[3..], ["saved", "stale"], "{names:?}");
        let answers_b = answer_map(s, b).await;
        assert_eq!(answers_b["open"], ("1,2".to_string(), 8));
        assert_eq!(answers_b["open-3"].0, "第三题作答", "a refused save changes nothing");
        assert_eq!(answers_b["open-2"].0, "第二题");
        assert_eq!(answer_map(s, a).await["1"], ("B".to_string(), 7));
        fx.db
    })
    .await;
}

#[tokio::test]
async fn a_batch_larger_than_one_statement_is_applied_whole() {
    each(|fx| async move {
        let s = &fx.store;
        // 250 more candidates × 70 slots: more rows than one statement may bind on SQLite, for
        // every statement of the batch (sittings, current slots, answers, save log).
        let rows: Vec<RosterRow> = (0..250)
            .map(|i| RosterRow {
                ticket: format!("BIG{i:04}"),
                name: "测试".into(),
                pinyin: "Ce Shi".into(),
                id_number: "11010519491231002X".into(),
                room: "Z1".into(),
                seat: format!("{i}"),
                password_hash: "x".into(),
                paper_seed: i as u64,
                form: 1,
            })
            .collect();
        s.import_roster(fx.event_id, &rows, 180 * MIN).await.unwrap();
        let mut ids = Vec::new();
        for r in &rows {
            let id = s.candidate_by_ticket(&r.ticket).await.unwrap().unwrap().id;
            s.start_sitting(id, "w", &Timer::start(START_MS, 180 * 60_000))
                .await
                .unwrap();
            ids.push(id);
        }
        let refused = fx.ids[4];
        let mut batch = Vec::new();
        for no in 1..=70u32 {
            for (k, &id) in ids.iter().enumerate() {
                let value = ["A", "B", "C", "D"][(k + no as usize) % 4];
                batch.push(save(id, "w", 2 * no as i64, Slot::Objective(no), value));
            }
            batch.push(save(refused, "w", no as i64, Slot::Objective(no), "A"));
        }
        // A stale save for every slot, after the one it loses to.
        for no in 1..=70u32 {
            for &id in &ids {
                batch.push(save(id, "w", 2 * no as i64 - 1, Slot::Objective(no), "X"));
            }
        }
        assert!(batch.len() > 32_766, "more saves than one statement may bind");
        let out = s.save_answers(&batch, START_MS + 1).await.unwrap();
        assert_eq!(out.len(), batch.len());
        for (o, b) in out.iter().zip(&batch) {
            let want = if b.candidate_id == refused {
                "refused"
            } else if b.value == "X" {
                "stale"
            } else {
                "saved"
            };
            assert!(
                outcome_names(std::slice::from_ref(o))[0].starts_with(want),
                "{b:?}: {o:?}"
            );
        }
        for (k, &id) in ids.iter().enumerate() {
            let answers = answer_map(s, id).await;
            assert_eq!(answers.len(), 70, "candidate {k}");
            for no in 1..=70u32 {
                let value = ["A", "B", "C", "D"][(k + no as usize) % 4];
                assert_eq!(
                    answers[&no.to_string()],
                    (value.to_string(), 2 * no as i64),
                    "candidate {k}, slot {no}"
                );
            }
        }
        for &id in [ids[0], ids[137], ids[249]].iter() {
            assert_eq!(s.save_log(id).await.unwrap().len(), 140);
        }
        assert_eq!(s.save_log(refused).await.unwrap().len(), 70);
        assert!(answer_map(s, refused).await.is_empty());
        fx.db
    })
    .await;
}

/// SQLite: a saved answer reaches the database file itself within moments, copied there by the
/// store's checkpointer beside the writer (a commit checkpoints by itself only past 64 MiB of
/// WAL), so the write-ahead log does not grow without bound between checkpoints. The test reads
/// a copy of the database file alone, without its WAL: only what was checkpointed is there.
#[tokio::test]
async fn sqlite_saves_are_checkpointed_into_the_database_file_beside_the_writer() {
    let fx = fixture(Backend::Sqlite).await;
    let s = &fx.store;
    let id = fx.ids[0];
    s.start_sitting(id, "w", &Timer::start(START_MS, 180 * 60_000))
        .await
        .unwrap();
    let out = s
        .save_answers(&[save(id, "w", 1, Slot::Objective(7), "C")], START_MS + 1)
        .await
        .unwrap();
    assert_eq!(outcome_names(&out), ["saved"]);
    let file = std::path::PathBuf::from(fx.db.url.trim_start_matches("sqlite:"));
    let copy = file.with_file_name("copy-without-wal.db");
    let mut found = None;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let _ = std::fs::remove_file(&copy);
        std::fs::copy(&file, &copy).unwrap();
        // A copy taken while a checkpoint writes may be torn: read it again at the next tick.
        let read = rusqlite::Connection::open(&copy).and_then(|c| {
            c.query_row(
                "SELECT value FROM answers WHERE candidate_id = ?1 AND slot = '7'",
                [id],
                |r| r.get::<_, String>(0),
            )
        });
        if let Ok(value) = read {
            found = Some(value);
            break;
        }
    }
    assert_eq!(found.as_deref(), Some("C"), "the save never reached the database file");
    fx.db.drop_db().await;
}
