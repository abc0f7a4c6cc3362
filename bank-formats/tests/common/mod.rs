//! Helpers shared by the formats' tests.

use bank_formats::{Import, ImportProblem, Place};
use question_bank::{Item, ItemBody};

/// A problem as the tests spell it: (place, item, field, message).
pub type Spelt = (String, Option<String>, Option<String>, String);

pub fn spell(list: &[ImportProblem]) -> Vec<Spelt> {
    list.iter()
        .map(|p| (p.place.to_string(), p.item.clone(), p.field.clone(), p.message.clone()))
        .collect()
}

pub fn p(place: &str, item: Option<&str>, field: Option<&str>, message: &str) -> Spelt {
    (
        place.to_string(),
        item.map(str::to_string),
        field.map(str::to_string),
        message.to_string(),
    )
}

pub fn row(sheet: &str, row: u32) -> String {
    Place::Row {
        sheet: sheet.into(),
        row,
    }
    .to_string()
}

pub fn ids(import: &Import) -> Vec<String> {
    import.items.iter().map(|i| i.id.to_string()).collect()
}

pub fn item<'a>(import: &'a Import, id: &str) -> &'a Item {
    import
        .items
        .iter()
        .find(|i| i.id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} not imported; report:\n{import}"))
}

pub fn options(item: &Item) -> Vec<String> {
    match &item.body {
        ItemBody::Choice { options, .. } => options.clone(),
        ItemBody::Open { .. } => Vec::new(),
    }
}

pub fn key(item: &Item) -> String {
    match &item.body {
        ItemBody::Choice { key, .. } => key.iter().map(|l| l.as_char()).collect(),
        ItemBody::Open { .. } => String::new(),
    }
}

/// Every message of a report is Chinese: at least one CJK character in each.
pub fn assert_chinese(import: &Import) {
    for p in import
        .problems
        .iter()
        .chain(&import.warnings)
        .chain(&import.not_represented)
    {
        assert!(
            p.message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "not Chinese: {p}"
        );
    }
}
