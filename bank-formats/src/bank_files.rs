//! Items written as a bank folder's files (`bank.toml` + `items/*.toml` + `images/*`, see
//! question-bank/BANK-FORMAT.md), exactly what `Bank::load` reads back.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use question_bank::{Item, ItemBody, Module, Status};

use crate::draft::{kind_word, status_word};

/// `bank.toml` and one `items/mN.toml` per module (items in id order), as (relative path, text).
pub fn to_bank_files(bank_id: &str, bank_name: &str, items: &[Item]) -> Vec<(String, String)> {
    let mut meta = String::from("id = ");
    push_toml_string(&mut meta, bank_id);
    meta.push_str("\nname = ");
    push_toml_string(&mut meta, bank_name);
    meta.push('\n');
    let mut files = vec![("bank.toml".to_string(), meta)];

    let mut by_module: BTreeMap<Module, Vec<&Item>> = BTreeMap::new();
    for item in items {
        by_module.entry(item.module).or_default().push(item);
    }
    for (module, mut items) in by_module {
        items.sort_by(|a, b| a.id.cmp(&b.id));
        let mut text = format!("# {module}\n");
        for item in items {
            text.push('\n');
            push_item(&mut text, item);
        }
        files.push((format!("items/m{}.toml", module.number()), text));
    }
    files
}

/// The pictures `items` show, as (`images/<file>`, bytes) in file name order: the bank folder's
/// `images/` next to [`to_bank_files`]'s text. A picture `images` does not hold is left out (the
/// loader then names the item that shows it).
pub fn to_bank_images(items: &[Item], images: &BTreeMap<String, Vec<u8>>) -> Vec<(String, Vec<u8>)> {
    let shown: BTreeSet<&str> = items
        .iter()
        .flat_map(|i| i.images.iter().map(|p| p.file.as_str()))
        .collect();
    shown
        .into_iter()
        .filter_map(|f| images.get(f).map(|b| (format!("images/{f}"), b.clone())))
        .collect()
}

fn push_item(out: &mut String, item: &Item) {
    out.push_str("[[item]]\nid = ");
    push_toml_string(out, item.id.as_str());
    let _ = write!(
        out,
        "\nmodule = {}\nkind = \"{}\"\n",
        item.module.number(),
        kind_word(item.kind())
    );
    if item.status != Status::Active {
        let _ = writeln!(out, "status = \"{}\"", status_word(item.status));
    }
    out.push_str("stem = ");
    push_toml_string(out, &item.stem);
    out.push('\n');
    if let ItemBody::Choice { options, key, .. } = &item.body {
        out.push_str("options = ");
        push_toml_strings(out, options);
        out.push_str("\nkey = \"");
        for label in key {
            out.push(label.as_char());
        }
        out.push_str("\"\n");
    }
    for (name, value) in [
        ("explanation", &item.explanation),
        ("knowledge_point", &item.knowledge_point),
    ] {
        if let Some(v) = value {
            let _ = write!(out, "{name} = ");
            push_toml_string(out, v);
            out.push('\n');
        }
    }
    if let Some(d) = item.difficulty {
        let _ = writeln!(out, "difficulty = {d}");
    }
    if !item.tags.is_empty() {
        out.push_str("tags = ");
        push_toml_strings(out, &item.tags);
        out.push('\n');
    }
    if !item.images.is_empty() {
        out.push_str("images = ");
        let files: Vec<String> = item.images.iter().map(|p| p.file.clone()).collect();
        push_toml_strings(out, &files);
        out.push('\n');
    }
    if let ItemBody::Open { rubric } = &item.body {
        for r in rubric {
            out.push_str("[[item.rubric]]\npoint = ");
            push_toml_string(out, &r.point);
            let _ = writeln!(out, "\nshare = {}", r.share);
        }
    }
}

/// A TOML basic string: quotes, backslashes and control characters escaped, so any text
/// (new lines included) stays on one line.
pub fn push_toml_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A TOML array of strings, one per line.
pub fn push_toml_strings(out: &mut String, values: &[String]) {
    out.push('[');
    for v in values {
        out.push_str("\n  ");
        push_toml_string(out, v);
        out.push(',');
    }
    if !values.is_empty() {
        out.push('\n');
    }
    out.push(']');
}
