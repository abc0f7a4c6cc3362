//! The exam service: the only door to the store. Handlers and CLI commands extract what the caller
//! sent, call one method here and present the answer; the rules they apply are `exam_rules`'s.
//! Papers are never stored; they are regenerated from the event's frozen items and the sitting's
//! seed (cheap, and it keeps the invariant that a paper is regenerable from its seed).
//!
//! One file per area: this one (events, papers, submission, the expiry sweep), [`sitting`] (the
//! candidate's side, with [`starts`] committing their starts together and [`saver`] their saves),
//! [`proctoring`] (rooms and the proctor's changes), [`corrections`] (key corrections and
//! rescoring), and the one error type, [`error`].

pub mod accounts;
pub mod analysis;
pub mod bank;
pub mod bank_import;
pub mod certification;
pub mod corrections;
pub mod demo;
pub mod error;
pub mod live;
pub mod marking;
pub mod office;
pub mod overview;
pub mod print_jobs;
pub mod printing;
pub mod proctoring;
pub mod registration;
pub mod results;
pub mod roster;
pub mod saver;
pub mod sitting;
pub mod staff;
pub mod starts;
pub mod tickets;

/// The stored facts the services hand out, under the service's name: callers never name the store.
pub use crate::store::{AccountRow, AnswerStatus, AuditEntry, SaveOutcome, Session};
pub use corrections::{KeyCorrection, RescoreChange, RescoreReport, apply_corrections};
pub use error::{Forbidden, NotFound, ServiceError, ServiceResult};

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use question_bank::{Bank, BankHashes, Paper, assemble_hashed};
use serde::Serialize;

use crate::clock::Clock;
pub use crate::store::EventRow;
use crate::store::{SittingRow, Store, Submission, SubmitOutcome};
use exam_rules::paper_shape::PaperShape;
use exam_rules::paper_shape::parse_open_choice;
use exam_rules::scoring::{MultiPolicy, score_objective};

/// How many submissions are worked on at once ([`Exam::submit`]); the rest wait their turn
/// before reading anything.
const SUBMITTING_AT_ONCE: usize = 32;

/// An event with its frozen bank, loaded once per process.
pub struct LoadedEvent {
    pub row: EventRow,
    pub bank: Bank,
    /// The frozen bank's hashes, so drawing a candidate's own paper hashes nothing.
    pub hashes: BankHashes,
    /// The K fixed forms, when the event gives out forms.
    pub forms: Option<Vec<Paper>>,
}

#[derive(Clone)]
pub struct Exam {
    store: Store,
    pub clock: Clock,
    events: Arc<Mutex<HashMap<i64, Arc<LoadedEvent>>>>,
    shapes: Arc<Mutex<HashMap<i64, Arc<PaperShape>>>>,
    live: live::Live,
    /// Candidates' starts, committed together ([`starts`]).
    starts: Arc<starts::StartQueue>,
    /// Submissions being worked on at once. Each holds its paper and answers while it waits for
    /// the writer, which takes them one at a time anyway: when 10,000 hand in at the same minute
    /// only these hold a paper, not all 10,000.
    submitting: Arc<tokio::sync::Semaphore>,
    /// The body's Ed25519 key that signs certificates as credentials (`serve --signing-key`):
    /// read from a file the office configures, never kept in the database.
    signing_key: Option<Arc<credentials::SigningKey>>,
}

impl Exam {
    pub fn new(store: Store, clock: Clock) -> Exam {
        Exam {
            store,
            clock,
            events: Default::default(),
            shapes: Default::default(),
            live: Default::default(),
            starts: Default::default(),
            submitting: Arc::new(tokio::sync::Semaphore::new(SUBMITTING_AT_ONCE)),
            signing_key: None,
        }
    }

    /// The service with the key that signs certificates as credentials.
    pub fn with_signing_key(self, key: credentials::SigningKey) -> Exam {
        Exam {
            signing_key: Some(Arc::new(key)),
            ..self
        }
    }

    /// Opens the database at `url` (bringing its schema up to date) with the system clock: how
    /// the CLI's commands get to the service.
    pub async fn open(url: &str) -> ServiceResult<Exam> {
        Ok(Exam::new(Store::open(url).await?, Clock::System))
    }

    /// Starts the group-committing save writers for this store's backend.
    pub fn start_saver(&self) -> saver::Saver {
        // PostgreSQL: two writers overlap one batch's commit with the next one's statements;
        // more make smaller batches, hence more statements per save (smoke runs: 2 writers did
        // at least as well as 4).
        let writers = match self.store.backend() {
            crate::store::Backend::Sqlite => 1,
            crate::store::Backend::Postgres => 2,
        };
        saver::Saver::start(self.store.clone(), self.clock.clone(), writers)
    }

    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    pub async fn event(&self, id: i64) -> ServiceResult<Arc<LoadedEvent>> {
        if let Some(e) = self.events.lock().expect("event cache lock").get(&id) {
            return Ok(e.clone());
        }
        let row = self.store.event(id).await?.ok_or(NotFound::Event(id))?;
        let items = self.store.event_items(id).await?;
        let bank = Bank {
            id: row.bank_id.clone(),
            name: row.name.clone(),
            description: None,
            items,
            // The pictures of a frozen event are in the store, by their hash (`item_images`).
            images: Default::default(),
        };
        let hashes = BankHashes::of(&bank);
        let forms = match row.forms {
            Some(k) if row.published => Some(
                assemble_hashed(&bank, &hashes, &row.blueprint, row.seed, k)
                    .map_err(|e| ServiceError::Assembly(id, e))?
                    .papers,
            ),
            _ => None,
        };
        let published = row.published;
        let loaded = Arc::new(LoadedEvent {
            row,
            bank,
            hashes,
            forms,
        });
        // A draft has no items yet and changes when it is published: never cached.
        if published {
            self.events.lock().expect("event cache lock").insert(id, loaded.clone());
        }
        Ok(loaded)
    }

    /// The sitting's paper, office view (keys included): never sent to a candidate as is.
    pub async fn paper(&self, sitting: &SittingRow) -> ServiceResult<Paper> {
        let event = self.event(sitting.event_id).await?;
        match &event.forms {
            Some(forms) => Ok(forms[(sitting.form as usize - 1) % forms.len()].clone()),
            None => {
                let mut papers =
                    assemble_hashed(&event.bank, &event.hashes, &event.row.blueprint, sitting.paper_seed, 1)
                        .map_err(|e| ServiceError::Assembly(event.row.id, e))?
                        .papers;
                Ok(papers.remove(0))
            }
        }
    }

    /// Every event, newest last.
    pub async fn events(&self) -> ServiceResult<Vec<EventRow>> {
        Ok(self.store.events().await?)
    }

    /// A staff account by id (the pages greet the person logged in).
    pub async fn account(&self, id: i64) -> ServiceResult<Option<crate::store::AccountRow>> {
        Ok(self.store.account(id).await?)
    }

    /// A candidate by id.
    pub async fn candidate(&self, id: i64) -> ServiceResult<Option<crate::store::CandidateRow>> {
        Ok(self.store.candidate(id).await?)
    }

    /// A candidate's paper, office view (keys included), for printing.
    pub async fn paper_of(&self, candidate_id: i64) -> ServiceResult<Paper> {
        let sitting = self.store.sitting(candidate_id).await?.ok_or(NotFound::Sitting)?;
        self.paper(&sitting).await
    }

    /// What a save is checked against; cached per candidate (it is tiny and never changes).
    pub async fn shape(&self, sitting: &SittingRow) -> ServiceResult<Arc<PaperShape>> {
        if let Some(s) = self.cached_shape(sitting.candidate_id) {
            return Ok(s);
        }
        let event = self.event(sitting.event_id).await?;
        let paper = self.paper(sitting).await?;
        Ok(self.keep_shape(sitting.candidate_id, &paper, &event))
    }

    /// The shape of a paper this node has already worked out (a save then needs no read).
    pub fn cached_shape(&self, candidate_id: i64) -> Option<Arc<PaperShape>> {
        self.shapes
            .lock()
            .expect("shape cache lock")
            .get(&candidate_id)
            .cloned()
    }

    /// Caches the shape of `candidate_id`'s `paper`. The candidate page fetches the paper before
    /// its first save, so serving the paper warms the cache: saves never wait for a read of
    /// the sitting, not even when thousands of candidates make their first save at once.
    pub fn keep_shape(&self, candidate_id: i64, paper: &Paper, event: &LoadedEvent) -> Arc<PaperShape> {
        let shape = Arc::new(PaperShape::of(paper, event.row.blueprint.open.answered));
        self.shapes
            .lock()
            .expect("shape cache lock")
            .insert(candidate_id, shape.clone());
        shape
    }

    /// Submits and scores a sitting (`by` is "candidate" or "system").
    pub async fn submit(&self, candidate_id: i64, by: &str) -> ServiceResult<SubmitOutcome> {
        let _turn = self.submitting.acquire().await.expect("the semaphore is never closed");
        let Some(sitting) = self.store.sitting(candidate_id).await? else {
            return Ok(SubmitOutcome::NotStarted);
        };
        let event = self.event(sitting.event_id).await?;
        let paper = self.paper(&sitting).await?;
        let policy = event.row.multi_policy;
        let answered = event.row.blueprint.open.answered as usize;
        let now = self.now();
        let corrections = self.corrections_in_force(sitting.event_id).await?;
        Ok(self
            .store
            .submit_sitting(candidate_id, now, by, |answers| {
                let mut submission = build_submission(&paper, answers, policy, answered);
                apply_corrections(&mut submission, &paper, &corrections, policy);
                submission
            })
            .await?)
    }

    /// Submits every sitting whose time has run out; returns how many. Runs on every node
    /// periodically and at start-up (so a restart never leaves an expired sitting open).
    pub async fn sweep_expired(&self) -> ServiceResult<usize> {
        let mut done = 0;
        loop {
            let expired = self.store.expired_sittings(self.now(), 200).await?;
            if expired.is_empty() {
                return Ok(done);
            }
            for id in expired {
                if let SubmitOutcome::Submitted { .. } = self.submit(id, crate::store::SYSTEM).await? {
                    done += 1;
                }
            }
        }
    }

    /// Submits this one sitting if its time has run out (called when a candidate shows up, so
    /// they never see a stale "in progress" between sweeps).
    pub async fn submit_if_expired(&self, sitting: SittingRow) -> ServiceResult<SittingRow> {
        if sitting.timer.is_some_and(|t| t.expired(self.now()))
            && sitting.state != exam_rules::sitting::SittingState::Submitted
        {
            self.submit(sitting.candidate_id, crate::store::SYSTEM).await?;
            return Ok(self.store.sitting(sitting.candidate_id).await?.unwrap_or(sitting));
        }
        Ok(sitting)
    }
}

/// The pure part of submission: score the objective answers, collect the chosen open answers.
pub fn build_submission(
    paper: &Paper,
    answers: &[crate::store::AnswerRow],
    policy: MultiPolicy,
    open_answered: usize,
) -> Submission {
    let by_slot: HashMap<&str, &str> = answers.iter().map(|a| (a.slot.as_str(), a.value.as_str())).collect();
    let responses: BTreeMap<u32, String> = paper
        .objective
        .iter()
        .filter_map(|i| by_slot.get(i.no.to_string().as_str()).map(|v| (i.no, v.to_string())))
        .collect();
    let result = score_objective(paper, &responses, policy);
    let chosen = parse_open_choice(by_slot.get("open").copied().unwrap_or("")).unwrap_or_default();
    let open = paper
        .open
        .iter()
        .filter(|q| chosen.contains(&q.no))
        .take(open_answered)
        .map(|q| {
            (
                q.no,
                q.item_id.to_string(),
                by_slot
                    .get(format!("open-{}", q.no).as_str())
                    .copied()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    Submission {
        items: result
            .items
            .iter()
            .zip(&paper.objective)
            .map(|(i, item)| {
                (
                    i.no,
                    i.item_id.clone(),
                    i.response.clone(),
                    bank_labels(item, &i.response),
                    i.points.hundredths(),
                )
            })
            .collect(),
        objective_total: result.total.hundredths(),
        open,
    }
}

/// A response in the bank's option labels ("ACD" on the paper → the same options' bank labels,
/// sorted), so rescoring needs no paper.
pub fn bank_labels(item: &question_bank::PaperItem, response: &str) -> String {
    let mut labels: Vec<char> = response
        .chars()
        .filter_map(|c| {
            item.options
                .iter()
                .find(|o| o.label.as_char() == c)
                .map(|o| o.source.as_char())
        })
        .collect();
    labels.sort();
    labels.into_iter().collect()
}

/// What a candidate's page knows its paper by: a digest of the paper's id, which names the
/// bank's hash and the paper's seed (from which the event's seed, and so other candidates'
/// papers, could be worked out).
fn opaque_paper_id(paper_id: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(format!("kaowu candidate paper id\n{paper_id}").as_bytes());
    format!("P{}", hex::encode(&digest[..12]))
}

/// The paper as a candidate receives it: no keys, no explanations, no rubrics, no bank labels.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidatePaper {
    pub paper_id: String,
    pub exam_name: String,
    pub duration_minutes: u32,
    pub total_points: i64,
    pub open_answered: u32,
    pub objective: Vec<CandidateItem>,
    pub open: Vec<CandidateOpen>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateItem {
    pub no: u32,
    pub module: u8,
    pub module_name: &'static str,
    pub kind: question_bank::ChoiceKind,
    pub points: question_bank::Points,
    pub stem: String,
    /// The pictures shown under the stem: addresses to fetch while logged in.
    pub images: Vec<String>,
    pub options: Vec<CandidateOption>,
}

/// Where a candidate fetches a picture of their paper.
fn picture_urls(images: &[question_bank::ItemImage]) -> Vec<String> {
    images
        .iter()
        .map(|i| format!("/api/candidate/images/{}", i.sha256))
        .collect()
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateOption {
    pub label: question_bank::Label,
    pub text: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateOpen {
    pub no: u32,
    pub module: u8,
    pub module_name: &'static str,
    pub points: question_bank::Points,
    pub stem: String,
    /// The pictures shown under the stem: addresses to fetch while logged in.
    pub images: Vec<String>,
}

impl CandidatePaper {
    pub fn of(paper: &Paper, event: &EventRow) -> CandidatePaper {
        CandidatePaper {
            paper_id: opaque_paper_id(&paper.paper_id),
            exam_name: event.name.clone(),
            duration_minutes: (event.duration_ms / 60_000) as u32,
            total_points: event.blueprint.total_points,
            open_answered: event.blueprint.open.answered,
            objective: paper
                .objective
                .iter()
                .map(|i| CandidateItem {
                    no: i.no,
                    module: i.module.number(),
                    module_name: i.module.name_zh(),
                    kind: i.kind,
                    points: i.points,
                    stem: i.stem.clone(),
                    images: picture_urls(&i.images),
                    options: i
                        .options
                        .iter()
                        .map(|o| CandidateOption {
                            label: o.label,
                            text: o.text.clone(),
                        })
                        .collect(),
                })
                .collect(),
            open: paper
                .open
                .iter()
                .map(|q| CandidateOpen {
                    no: q.no,
                    module: q.module.number(),
                    module_name: q.module.name_zh(),
                    points: q.points,
                    stem: q.stem.clone(),
                    images: picture_urls(&q.images),
                })
                .collect(),
        }
    }
}
