//! The sitting's rules, with no IO: the timer, what may be saved where, and objective scoring.
//! The store and the web layer apply these; tests exercise them without a server or a clock.

pub mod answers;
pub mod scoring;
pub mod timer;

pub use answers::{PaperShape, SaveError, Slot};
pub use scoring::{KeyRule, MultiPolicy, ObjectiveResult, score_objective, score_response};
pub use timer::{SittingState, Timer};
