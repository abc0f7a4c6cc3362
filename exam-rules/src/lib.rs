//! The exam's rules, with no IO: plain functions over plain types, each tested without a
//! database, a server or a clock. The store asks these functions and stores what they decide; the
//! web layer turns a [`Refusal`] into an HTTP answer in one place, and the pages read its
//! [`Refusal::code`], never its text.
//!
//! # Layout
//! - [`sitting`]: the sitting's state machine, one command per file (open a room, start, save,
//!   submit, pause or resume, extra time, move to another workstation); each returns what to
//!   change or a [`Refusal`].
//! - [`refusal`]: why a command was refused: a stable `code()` for programs and `message_zh()`
//!   for people.
//! - [`timer`]: one sitting's clock as stored facts (start, pauses, extra time) and its deadline.
//! - [`paper_shape`]: which slots a candidate's paper has and what each may hold.
//! - [`scoring`]: objective scoring under the event's multiple-choice policy, at submission and
//!   after a key correction (one rule for both).
//! - [`marking`]: how many marks an open answer needs, the tolerance, the third marker, the final
//!   mark.
//! - [`schedule`]: the national schedule: when rooms open, the late-entry cut-off, the common
//!   end, absence (the release gate applies the cut-off; opening a room and starting do not yet:
//!   issue 13).
//! - [`pass`]: a result's status and the pass rule.
//! - [`release`]: when an event's results may be released.
//! - [`certification`]: the certification around the exam (§四, §八): eligibility, fees, what
//!   makes a registration successful, the ticket/result/validity/application dates, the work
//!   report's length, certificate numbers, the application photo, the name in pinyin and the ID
//!   number.
#![forbid(unsafe_code)]

pub mod certification;
pub mod event_phase;
pub mod marking;
pub mod paper_shape;
pub mod pass;
pub mod refusal;
pub mod release;
pub mod schedule;
pub mod scoring;
pub mod sitting;
pub mod timer;

pub use refusal::{Refusal, RefusalKind};
