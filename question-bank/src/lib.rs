//! The question bank: CMQ items, the syllabus, the blueprint and reproducible paper assembly.
//!
//! Pure: no server, no database. The only IO is reading a bank folder from disk.
//!
//! # Layout
//! - [`points`]: exact fixed-point scores ([`Points`], hundredths of a point).
//! - [`module`]: the six syllabus modules ([`Module`]).
//! - [`item`]: items of three kinds, their keys, rubrics and content hashes.
//! - [`bank`]: reading a bank folder, with every problem reported at once (`kaowu bank check`).
//! - [`blueprint`]: the paper's mandated distribution, as data.
//! - [`assembly`]: drawing blueprint-exact papers from a seed, option shuffling, forms.
//! - [`analysis`]: item analysis after an event (facility, discrimination, KR-20 …).
//! - [`synth`]: large synthetic banks for benchmarks.
#![forbid(unsafe_code)]

pub mod analysis;
pub mod assembly;
pub mod bank;
pub mod blueprint;
pub mod item;
pub mod module;
pub mod points;
pub mod synth;

pub use assembly::{Assembly, AssemblyError, OpenQuestion, OptionText, Paper, PaperItem, assemble, assemble_hashed};
pub use bank::{Bank, BankHashes, BankLoadError, Coverage, Problem};
pub use blueprint::{Blueprint, BlueprintError};
pub use item::{
    ChoiceKind, ContentHash, Item, ItemBody, ItemId, ItemImage, ItemKind, Label, RubricPoint, Status, image_type,
};
pub use module::Module;
pub use points::Points;
