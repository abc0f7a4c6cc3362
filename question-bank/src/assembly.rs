//! Paper assembly: draw a blueprint-exact paper (or K forms) from a bank with a seeded ChaCha RNG.
//!
//! Determinism is the contract: the same bank content, blueprint and seed give a byte-identical
//! paper, and the paper records all three so anyone can regenerate and verify it. Items are taken
//! in id order before any randomness, and the RNG is consumed in a fixed order:
//! 1. one stream draws the items, cell by cell (single then multi, modules 1–6, then open);
//! 2. each form has its own stream (`set_stream(form)`) that shuffles that form's options.

use std::collections::BTreeMap;
use std::fmt;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};

use crate::bank::{Bank, BankHashes};
use crate::blueprint::Blueprint;
use crate::item::{ChoiceKind, ContentHash, Item, ItemBody, ItemId, ItemImage, ItemKind, Label, RubricPoint};
use crate::module::Module;
use crate::points::Points;

/// One assembled paper: the office's view, keys and rubrics included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    pub paper_id: String,
    pub seed: u64,
    /// 1-based form number (1 when a single paper was drawn).
    pub form: u32,
    pub blueprint: String,
    pub bank_hash: String,
    pub objective: Vec<PaperItem>,
    pub open: Vec<OpenQuestion>,
}

/// An objective item as printed on a paper, with its options in this paper's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperItem {
    pub no: u32,
    pub item_id: ItemId,
    pub module: Module,
    pub kind: ChoiceKind,
    pub points: Points,
    pub stem: String,
    pub options: Vec<OptionText>,
    /// The correct labels *on this paper* (after shuffling), sorted.
    pub key: Vec<Label>,
    /// The bank item's content hash when the paper was drawn.
    pub item_hash: ContentHash,
    /// The item's pictures, shown under the stem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ItemImage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionText {
    pub label: Label,
    pub text: String,
    /// The option's label in the bank, so responses on differently shuffled papers can be
    /// analysed per original option (distractor analysis).
    pub source: Label,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenQuestion {
    pub no: u32,
    pub item_id: ItemId,
    pub module: Module,
    pub points: Points,
    pub stem: String,
    pub rubric: Vec<RubricPoint>,
    pub item_hash: ContentHash,
    /// The question's pictures, shown under the stem.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ItemImage>,
}

impl Paper {
    pub fn total_objective_points(&self) -> Points {
        self.objective.iter().map(|i| i.points).sum()
    }

    pub fn item_ids(&self) -> impl Iterator<Item = &ItemId> {
        self.objective
            .iter()
            .map(|i| &i.item_id)
            .chain(self.open.iter().map(|o| &o.item_id))
    }
}

/// The result of one assembly run: the papers and how often each item was used across them.
#[derive(Debug, Clone)]
pub struct Assembly {
    pub papers: Vec<Paper>,
    pub exposure: BTreeMap<ItemId, u32>,
}

/// A blueprint cell the bank cannot fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortage {
    /// `None` for the open part, which is drawn from every module.
    pub module: Option<Module>,
    pub kind: ItemKind,
    pub needed: u32,
    pub active: u32,
}

impl fmt::Display for Shortage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.module {
            Some(m) => write!(f, "{m} × {}", self.kind.name_zh())?,
            None => write!(f, "{}（不限模块）", self.kind.name_zh())?,
        }
        write!(
            f,
            "：每份试卷需要 {} 道，题库中只有 {} 道有效（active）题目",
            self.needed, self.active
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssemblyError {
    #[error("题库不足以组卷：\n{}", .0.iter().map(|s| format!("  {s}")).collect::<Vec<_>>().join("\n"))]
    Shortage(Vec<Shortage>),
    #[error("试卷套数必须至少为 1")]
    NoForms,
}

/// Draws `forms` papers (1 for a single paper) from `seed`.
///
/// Each cell's active items are shuffled once; form `f` takes the `n` items starting at
/// position `f·n` of that shuffled list, wrapping around. A window of `n ≤ pool` consecutive
/// positions never repeats an item, and K windows cover K·n positions of the cycle, so every
/// item is used ⌊K·n/pool⌋ or ⌈K·n/pool⌉ times: exposure is as even as the bank allows.
pub fn assemble(bank: &Bank, blueprint: &Blueprint, seed: u64, forms: u32) -> Result<Assembly, AssemblyError> {
    assemble_hashed(bank, &BankHashes::of(bank), blueprint, seed, forms)
}

/// [`assemble`] with the bank's hashes already worked out ([`BankHashes::of`] the same bank):
/// the same papers, without hashing the bank for every draw.
pub fn assemble_hashed(
    bank: &Bank,
    hashes: &BankHashes,
    blueprint: &Blueprint,
    seed: u64,
    forms: u32,
) -> Result<Assembly, AssemblyError> {
    if forms == 0 {
        return Err(AssemblyError::NoForms);
    }
    let mut cells: Vec<(Option<Module>, ItemKind, u32)> = Vec::new();
    for kind in [ChoiceKind::Single, ChoiceKind::Multi] {
        for row in &blueprint.modules {
            cells.push((Some(row.module), kind.into(), blueprint.needed(row.module, kind)));
        }
    }
    cells.push((None, ItemKind::Open, blueprint.open.offered));

    let pools: Vec<Vec<&Item>> = cells
        .iter()
        .map(|&(module, kind, _)| {
            bank.active()
                .filter(|i| i.kind() == kind && module.is_none_or(|m| i.module == m))
                .collect()
        })
        .collect();
    let shortages: Vec<Shortage> = cells
        .iter()
        .zip(&pools)
        .filter(|((_, _, needed), pool)| pool.len() < *needed as usize)
        .map(|(&(module, kind, needed), pool)| Shortage {
            module,
            kind,
            needed,
            active: pool.len() as u32,
        })
        .collect();
    if !shortages.is_empty() {
        return Err(AssemblyError::Shortage(shortages));
    }

    let mut draw = ChaCha20Rng::seed_from_u64(seed);
    // drawn[form] = the form's items, cell by cell, in paper order.
    let mut drawn: Vec<Vec<&Item>> = vec![Vec::new(); forms as usize];
    for ((_, _, needed), pool) in cells.iter().zip(pools) {
        let mut pool = pool;
        pool.shuffle(&mut draw);
        let n = *needed as usize;
        for (f, form_items) in drawn.iter_mut().enumerate() {
            form_items.extend((0..n).map(|j| pool[(f * n + j) % pool.len()]));
        }
    }

    let mut exposure: BTreeMap<ItemId, u32> = bank.active().map(|i| (i.id.clone(), 0)).collect();
    let papers = drawn
        .into_iter()
        .enumerate()
        .map(|(f, items)| {
            for item in &items {
                *exposure.get_mut(&item.id).expect("drawn items are active") += 1;
            }
            build_paper(blueprint, seed, f as u32 + 1, hashes, &items)
        })
        .collect();
    Ok(Assembly { papers, exposure })
}

fn build_paper(blueprint: &Blueprint, seed: u64, form: u32, hashes: &BankHashes, items: &[&Item]) -> Paper {
    let bank_hash = &hashes.bank;
    let mut shuffle = ChaCha20Rng::seed_from_u64(seed);
    shuffle.set_stream(form as u64);
    let mut objective = Vec::new();
    let mut open = Vec::new();
    for item in items {
        match &item.body {
            ItemBody::Choice { choice, options, key } => {
                let mut order: Vec<usize> = (0..options.len()).collect();
                order.shuffle(&mut shuffle);
                let options: Vec<OptionText> = order
                    .iter()
                    .enumerate()
                    .map(|(pos, &src)| OptionText {
                        label: Label::from_index(pos),
                        text: options[src].clone(),
                        source: Label::from_index(src),
                    })
                    .collect();
                let mut key: Vec<Label> = options
                    .iter()
                    .filter(|o| key.contains(&o.source))
                    .map(|o| o.label)
                    .collect();
                key.sort();
                objective.push(PaperItem {
                    no: objective.len() as u32 + 1,
                    item_id: item.id.clone(),
                    module: item.module,
                    kind: *choice,
                    points: blueprint.points_for((*choice).into()),
                    stem: item.stem.clone(),
                    options,
                    key,
                    item_hash: hashes.item(item),
                    images: item.images.clone(),
                });
            }
            ItemBody::Open { rubric } => open.push(OpenQuestion {
                no: open.len() as u32 + 1,
                item_id: item.id.clone(),
                module: item.module,
                points: blueprint.points_for(ItemKind::Open),
                stem: item.stem.clone(),
                rubric: rubric.clone(),
                item_hash: hashes.item(item),
                images: item.images.clone(),
            }),
        }
    }
    Paper {
        paper_id: format!("{}-{}-{seed}-{form}", blueprint.id, &bank_hash[..8]),
        seed,
        form,
        blueprint: blueprint.id.clone(),
        bank_hash: bank_hash.to_string(),
        objective,
        open,
    }
}
