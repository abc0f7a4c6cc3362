//! The built-in demo: the demo bank compiled into the binary, and `kaowu serve --demo`'s event,
//! candidates and staff accounts.

use question_bank::{Bank, Blueprint};

use super::Exam;
use super::office::{EventSpec, candidate_seed};
use crate::auth::{Strength, hash_password};
use crate::store::RosterRow;

const FILES: [(&str, &str); 7] = [
    ("bank.toml", include_str!("../../../question-bank/banks/demo/bank.toml")),
    (
        "items/m1-quality.toml",
        include_str!("../../../question-bank/banks/demo/items/m1-quality.toml"),
    ),
    (
        "items/m2-drivers.toml",
        include_str!("../../../question-bank/banks/demo/items/m2-drivers.toml"),
    ),
    (
        "items/m3-excellence.toml",
        include_str!("../../../question-bank/banks/demo/items/m3-excellence.toml"),
    ),
    (
        "items/m4-qms.toml",
        include_str!("../../../question-bank/banks/demo/items/m4-qms.toml"),
    ),
    (
        "items/m5-methods.toml",
        include_str!("../../../question-bank/banks/demo/items/m5-methods.toml"),
    ),
    (
        "items/m6-tools.toml",
        include_str!("../../../question-bank/banks/demo/items/m6-tools.toml"),
    ),
];

/// The demo bank's pictures (question-bank/banks/demo/images), compiled in as its items are.
const IMAGES: &[(&str, &[u8])] = &[
    (
        "pareto.png",
        include_bytes!("../../../question-bank/banks/demo/images/pareto.png"),
    ),
    (
        "bimodal-histogram.png",
        include_bytes!("../../../question-bank/banks/demo/images/bimodal-histogram.png"),
    ),
    (
        "scatter-negative.png",
        include_bytes!("../../../question-bank/banks/demo/images/scatter-negative.png"),
    ),
    (
        "control-chart-run.png",
        include_bytes!("../../../question-bank/banks/demo/images/control-chart-run.png"),
    ),
    (
        "fishbone.png",
        include_bytes!("../../../question-bank/banks/demo/images/fishbone.png"),
    ),
];

/// A bank named the way the office names one: "demo" for the built-in demo bank, else a folder.
pub fn bank_or_folder(spec: &str) -> Result<Bank, question_bank::BankLoadError> {
    if spec == "demo" {
        return Ok(bank());
    }
    Bank::load(std::path::Path::new(spec))
}

/// The demo bank (the same files as question-bank/banks/demo).
pub fn bank() -> Bank {
    let files: Vec<(String, String)> = FILES.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    let images = IMAGES.iter().map(|(n, b)| (n.to_string(), b.to_vec())).collect();
    Bank::from_parts(&files, images).expect("the demo bank passes `kaowu bank check`")
}

pub const DEMO_ROOM: &str = "第一考场";
pub const DEMO_PASSWORD: &str = "kaowu2026";

/// Logins printed by `serve --demo`.
pub struct DemoLogins {
    pub event_id: i64,
    pub candidates: Vec<(String, String)>,
    pub staff: Vec<(String, String, String)>,
}

/// Creates the demo event (starting now, one room, five candidates) and staff accounts, once;
/// an existing demo event in which nobody has started is moved to start now when it could no
/// longer be sat.
/// Demo passwords are fixed and printed: this is a demo, not an exam.
pub async fn ensure_demo(exam: &Exam) -> anyhow::Result<DemoLogins> {
    let (store, now) = (&exam.store, exam.now());
    let candidates: Vec<(String, String)> = ["张伟", "王芳", "李娜", "刘洋", "陈静"]
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("DEMO{:04}", i + 1), n.to_string()))
        .collect();
    let staff = vec![
        ("office".to_string(), "考务办公室".to_string(), "office".to_string()),
        ("proctor".to_string(), "监考老师".to_string(), "proctor".to_string()),
    ];
    let existing = store.events().await?.into_iter().find(|e| e.bank_id == "demo");
    let event_id = match existing {
        // Served again on another day (or past its cut-off): while nobody has started, the demo
        // starts again now, so there is always an exam to sit.
        Some(e) => {
            if e.schedule().may_open_room(now).is_err() {
                store.reschedule_unstarted(e.id, now).await?;
            }
            e.id
        }
        None => {
            let spec = EventSpec {
                rooms: vec![DEMO_ROOM.into()],
                ..EventSpec::cmq("质量经理职业资格考试（演示）", now, 2026)
            };
            let id = exam.create_event(&bank(), &Blueprint::cmq_2010(), &spec).await?;
            let hash =
                tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD, Strength::IssuedToCandidate)).await?;
            let rows: Vec<RosterRow> = candidates
                .iter()
                .enumerate()
                .map(|(i, (ticket, name))| RosterRow {
                    ticket: ticket.clone(),
                    name: name.clone(),
                    pinyin: "Demo".into(),
                    id_number: "11010519491231002X".into(),
                    room: DEMO_ROOM.into(),
                    seat: format!("{:02}", i + 1),
                    password_hash: hash.clone(),
                    paper_seed: candidate_seed(2026, ticket),
                    form: 1,
                })
                .collect();
            store
                .import_roster(id, &rows, Blueprint::cmq_2010().duration_minutes as i64 * 60_000)
                .await?;
            let staff_hash = tokio::task::spawn_blocking(|| hash_password(DEMO_PASSWORD, Strength::Staff)).await?;
            for (user, display, role) in &staff {
                if store.account_by_username(user).await?.is_none() {
                    // No password change owed: the demo's password is printed for anyone to try.
                    store.create_account(user, display, role, &staff_hash, now).await?;
                }
                if role == "proctor"
                    && let Some(account) = store.account_by_username(user).await?
                {
                    store.assign_proctor(account.id, id, DEMO_ROOM).await?;
                }
            }
            id
        }
    };
    Ok(DemoLogins {
        event_id,
        candidates: candidates
            .into_iter()
            .map(|(t, _)| (t, DEMO_PASSWORD.to_string()))
            .collect(),
        staff: staff
            .into_iter()
            .map(|(u, d, _)| (u, DEMO_PASSWORD.to_string(), d))
            .collect(),
    })
}

/// The demo's sitting open for registration (`serve --demo`): 60 days on, in two cities with a
/// room each, so `/apply` has a sitting to register for. Made once; returns its id.
pub async fn ensure_registration_demo(exam: &Exam) -> anyhow::Result<i64> {
    const NAME: &str = "质量经理职业资格考试（演示报名场次）";
    let store = &exam.store;
    if let Some(e) = store.events().await?.into_iter().find(|e| e.name == NAME) {
        return Ok(e.id);
    }
    let starts = exam.now() + 60 * 86_400_000;
    let rooms = [("北京第一考场", "北京"), ("上海第一考场", "上海")];
    let spec = EventSpec {
        rooms: rooms.iter().map(|(r, _)| r.to_string()).collect(),
        ..EventSpec::cmq(NAME, starts, 2027)
    };
    let id = exam.create_event(&bank(), &Blueprint::cmq_2010(), &spec).await?;
    let cities: Vec<String> = rooms.iter().map(|(_, c)| c.to_string()).collect();
    exam.open_registration(id, &cities, "demo").await?;
    for (room, city) in rooms {
        exam.set_room_place(
            id,
            &super::tickets::RoomPlaceInput {
                room: room.into(),
                city: city.into(),
                seats: 30,
            },
            "demo",
        )
        .await?;
    }
    Ok(id)
}
