//! The store's conformance suite: the same behaviour, checked directly against the store, on
//! SQLite always and on PostgreSQL when TEST_DATABASE_URL is set.

mod common;

use std::collections::HashMap;

use common::{Backend, MIN, START_MS, TestDb, backends};
use kaowu::sitting::{SittingState, Slot};
use kaowu::store::{RosterRow, SaveOutcome, SaveRequest, Store, Submission, SubmitOutcome};

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
    let demo = kaowu::demo::ensure_demo(&store, START_MS).await.expect("demo");
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

async fn each<F, Fut>(f: F)
where
    F: Fn(Fixture) -> Fut,
    Fut: std::future::Future<Output = TestDb>,
{
    for b in backends() {
        eprintln!("--- backend {b:?}");
        let db = f(fixture(b).await).await;
        db.drop_db().await;
    }
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
            matches!(&out[0], SaveOutcome::Refused(m) if m.contains("尚未开始")),
            "{out:?}"
        );
        s.start_sitting(id, "w1", START_MS).await.unwrap();
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
            matches!(&out[4], SaveOutcome::Refused(m) if m.contains("尚未选答")),
            "{out:?}"
        );
        assert!(
            matches!(&out[5], SaveOutcome::Refused(m) if m.contains("其他机位")),
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
            matches!(&out[0], SaveOutcome::Refused(m) if m.contains("时间已到")),
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
        s.start_sitting(id, "w", START_MS).await.unwrap();
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
        marks_per_answer: 2,
    }
}

#[tokio::test]
async fn submission_is_atomic_with_concurrent_saves_and_happens_once() {
    each(|fx| async move {
        let s = fx.store.clone();
        let id = fx.ids[2];
        s.start_sitting(id, "w", START_MS).await.unwrap();
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
        let mut scored: Vec<i64> = s
            .item_results(id)
            .await
            .unwrap()
            .into_iter()
            .map(|(no, ..)| no)
            .collect();
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
            s.start_sitting(id, "w", START_MS).await.unwrap();
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
            s.record_login_failure("candidate:X", START_MS + i).await.unwrap();
        }
        assert_eq!(s.login_failures_since("candidate:X", START_MS + 1).await.unwrap(), 2);
        s.clear_login_failures("candidate:X").await.unwrap();
        assert_eq!(s.login_failures_since("candidate:X", 0).await.unwrap(), 0);
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
