//! Moodle XML (`<quiz>`): `multichoice` (single, or multiple with fractions: a positive
//! fraction is a correct option), `essay` (an open question; its rubric is the grader
//! information, one `要点（N分）` per line), and `category` questions whose path names a module.
//! HTML text is reduced to plain text and what it loses (formulas, attachments) named. The
//! question text's pictures — `<img src="@@PLUGINFILE@@/name">` with a base64
//! `<file name="name">` in the same field, a `data:` URI, or Moodle 1.9's `<image>` with
//! `<image_base64>` — come with the question; pictures in options or feedback are named.
//! Places are `quiz/question[N]`, N counting every `<question>` element from 1.
//!
//! Kaowu's fields without a Moodle element travel as tags: `知识点:…`, `难度:N`, and the status
//! `状态:草稿` / `状态:停用` (only for an item that is not active). Moodle itself has one flag,
//! `<hidden>`: Moodle up to 3.11 writes 1 for a hidden question, Moodle 4 always writes 0 (its
//! ready / draft / hidden status lives in question versions and is not exported) and neither
//! reads it back. So the export also sets `<hidden>1</hidden>` on a draft or retired item, and
//! the import, without a `状态:` tag, reads Moodle's own marks: `<status>` or `<hidden>` holding
//! `draft` is a draft, `1` or `hidden` a retired item (drawn for no new paper, as a hidden
//! Moodle question is offered to no new quiz), `0` or `ready` active.

use std::fmt::Write as _;

use question_bank::{Bank, Item, ItemBody, ItemKind, Module, Status};

use crate::draft::{Draft, Reading, Skipped, kind_points};
use crate::html::{self, Img};
use crate::picture;
use crate::report::{ImportProblem, Place};
use crate::text::{
    module_of_category, parse_difficulty, parse_points, parse_rubric, parse_status, rubric_text, status_zh,
};
use crate::xml::{self, Element, esc};

/// A picture of a field: (what the report calls it, its file name, its bytes if the file has them).
type FieldPicture = (String, Option<String>, Option<Vec<u8>>);

/// The text of `<field><text>…</text></field>` as plain text, with what it lost and its
/// pictures resolved against the field's own `<file>` elements.
fn field_text(q: &Element, field: &str) -> (String, Vec<String>, Vec<FieldPicture>) {
    let Some(f) = q.child(field) else {
        return (String::new(), Vec::new(), Vec::new());
    };
    let raw = f.child("text").map(|t| t.text()).unwrap_or_default();
    let format = f.attr("format").unwrap_or("html");
    let (text, mut lost, images) = if format == "html" || (format == "moodle_auto_format" && raw.contains('<')) {
        let p = html::to_text(&raw);
        (p.text, p.lost, p.images)
    } else {
        (html::tidy_lines(&raw), Vec::new(), Vec::new())
    };
    let pictures: Vec<FieldPicture> = images.iter().map(|img| resolve(f, img)).collect();
    for file in f.children_named("file") {
        let name = file.attr("name").unwrap_or("");
        let shown = pictures.iter().any(|(_, n, _)| n.as_deref() == Some(name));
        if !shown && !lost.iter().any(|m| m.contains(name)) {
            lost.push(format!("附件“{name}”未导入"));
        }
    }
    (text, lost, pictures)
}

/// An `<img>` of a field: `@@PLUGINFILE@@/name` is the field's `<file name="name">`, a `data:`
/// URI holds its bytes; anything else (a web address) is not in the file.
fn resolve(field: &Element, img: &Img) -> FieldPicture {
    if img.src.trim_start().starts_with("data:") {
        return (img.what.clone(), None, picture::data_uri(&img.src));
    }
    let Some(rest) = img.src.trim().strip_prefix("@@PLUGINFILE@@/") else {
        return (img.src.clone(), None, None);
    };
    let name = picture::base_name(rest);
    let bytes = field
        .children_named("file")
        .find(|f| f.attr("name").map(picture::percent_decode).as_deref() == Some(name.as_str()))
        .and_then(|f| picture::decode_base64(&f.text()));
    (name.clone(), Some(name), bytes)
}

/// Pictures of a field that is not the question text: named, not kept.
fn pictures_elsewhere(d: &mut Draft, pictures: Vec<FieldPicture>, where_zh: &str) {
    for (what, _, _) in pictures {
        let message = picture::not_in_stem(&what, where_zh);
        if !d.lost.contains(&message) {
            d.lost.push(message);
        }
    }
}

fn other_kind(t: &str) -> String {
    let name = match t {
        "truefalse" => "判断题",
        "shortanswer" => "简答（填空）题",
        "numerical" => "数值题",
        "matching" | "randomsamatch" => "匹配题",
        "cloze" | "multianswer" => "完形填空（Cloze）题",
        "description" => return "说明文字（description），不是题目，未导入".into(),
        "calculated" | "calculatedsimple" | "calculatedmulti" => "计算题",
        "ddwtos" | "ddimageortext" | "ddmarker" => "拖放题",
        "gapselect" => "选词填空题",
        "ordering" => "排序题",
        other => return format!("“{other}”类型的题目：Kaowu 只有单选题、多选题和开放题，本题未导入"),
    };
    format!("{name}：Kaowu 只有单选题、多选题和开放题，本题未导入")
}

pub fn read(file_name: &str, text: &str) -> Reading {
    let mut reading = Reading::default();
    let file_problem = |message: String| ImportProblem::of_file(file_name, message);
    let root = match xml::parse(text) {
        Ok(r) => r,
        Err(e) => {
            reading.file_problems.push(file_problem(e));
            return reading;
        }
    };
    if root.local() != "quiz" {
        reading.file_problems.push(file_problem(format!(
            "不是 Moodle XML：根元素应为 <quiz>，实为 <{}>",
            root.name
        )));
        return reading;
    }
    let mut module: Option<Module> = None;
    let mut category: Option<String> = None;
    for (i, q) in root.children_named("question").enumerate() {
        let place = Place::Element(format!("quiz/question[{}]", i + 1));
        let kind = q.attr("type").unwrap_or("");
        let name = q
            .child("name")
            .and_then(|n| n.child("text"))
            .map(|t| t.text().trim().to_string())
            .filter(|s| !s.is_empty());
        match kind {
            "category" => {
                let path = q
                    .child("category")
                    .and_then(|c| c.child("text"))
                    .map(|t| t.text().trim().to_string())
                    .unwrap_or_default();
                module = module_of_category(&path);
                category = module.is_none().then_some(path);
            }
            "multichoice" | "essay" => {
                let mut d = Draft::new(file_name, place, format!("{:04}", i + 1));
                let idnumber = q.child("idnumber").map(|e| e.text().trim().to_string());
                d.id = idnumber.filter(|s| !s.is_empty()).or(name);
                d.id_is_title = true;
                d.module = module;
                d.category = category.clone();
                read_question(q, kind == "essay", &mut d);
                reading.drafts.push(d);
            }
            other => reading.skipped.push(Skipped {
                file: file_name.to_string(),
                place,
                item: name,
                message: other_kind(other),
            }),
        }
    }
    if reading.drafts.is_empty() && reading.skipped.is_empty() && reading.file_problems.is_empty() {
        reading.file_problems.push(file_problem(
            "没有找到任何题目（<question type=\"multichoice\"> 或 essay）".into(),
        ));
    }
    reading
}

fn read_question(q: &Element, essay: bool, d: &mut Draft) {
    let (stem, lost, pictures) = field_text(q, "questiontext");
    d.stem = stem;
    d.lost.extend(lost);
    for (what, name, bytes) in pictures {
        d.picture(&what, name.as_deref(), bytes);
    }
    // Moodle 1.9's picture of the question: `<image>` naming it, `<image_base64>` holding it.
    if let Some(image) = q.child("image").map(|e| e.text()).filter(|s| !s.trim().is_empty()) {
        let name = picture::base_name(image.trim());
        let bytes = q.child("image_base64").and_then(|b| picture::decode_base64(&b.text()));
        d.picture(&name, Some(&name), bytes);
    }
    let (explanation, lost, pictures) = field_text(q, "generalfeedback");
    d.explanation = Some(explanation).filter(|e| !e.is_empty());
    d.lost.extend(lost);
    pictures_elsewhere(d, pictures, "解析（generalfeedback）");
    if let Some(grade) = q.child("defaultgrade").map(|g| g.text()) {
        match parse_points(&grade) {
            Some(p) => d.points = Some(p),
            None => d.lost.push(format!("分值“{}”无法识别，未保留", grade.trim())),
        }
    }
    let mut status_tag = None;
    for tag in q.child("tags").into_iter().flat_map(|t| t.children_named("tag")) {
        let t = tag
            .child("text")
            .map(|t| t.text())
            .unwrap_or_default()
            .trim()
            .to_string();
        if let Some(s) = t.strip_prefix("状态:") {
            status_tag = Some(s.to_string());
        } else if let Some(kp) = t.strip_prefix("知识点:") {
            d.knowledge_point = Some(kp.trim().to_string());
        } else if let Some(n) = t.strip_prefix("难度:") {
            match parse_difficulty(n) {
                Ok(n) => d.difficulty = Some(n),
                Err(e) => d.problem("difficulty", e),
            }
        } else if !t.is_empty() {
            d.tags.push(t);
        }
    }
    // Kaowu's tag tells draft from retired; without it, Moodle's own marks.
    let status = match status_tag {
        Some(s) => parse_status(&s),
        None => moodle_status(q),
    };
    match status {
        Ok(s) => d.status = s,
        Err(e) => d.problem("status", e),
    }
    if essay {
        d.kind = Some(ItemKind::Open);
        let (rubric, lost, pictures) = field_text(q, "graderinfo");
        d.lost.extend(lost);
        pictures_elsewhere(d, pictures, "评分信息（graderinfo）");
        if !rubric.is_empty() {
            match parse_rubric(&rubric) {
                Ok(r) => d.rubric = r,
                Err(e) => d.problem("rubric", e),
            }
        }
        return;
    }
    let single = q
        .child("single")
        .map(|s| matches!(s.text().trim(), "true" | "1"))
        .unwrap_or(true);
    d.kind = Some(if single { ItemKind::Single } else { ItemKind::Multi });
    let mut key = String::new();
    let mut partial = false;
    let mut feedback = false;
    for (i, a) in q.children_named("answer").enumerate() {
        let raw = a.child("text").map(|t| t.text()).unwrap_or_default();
        let format = a.attr("format").unwrap_or("moodle_auto_format");
        let option = if format == "html" || raw.contains('<') {
            let p = html::to_text(&raw);
            d.lost.extend(p.lost);
            let pictures = p.images.iter().map(|img| (img.what.clone(), None, None)).collect();
            pictures_elsewhere(d, pictures, &format!("选项 {}", (b'A' + i.min(25) as u8) as char));
            p.text
        } else {
            html::tidy_lines(&raw)
        };
        for file in a.children_named("file") {
            let name = file.attr("name").unwrap_or("");
            if !d.lost.iter().any(|m| m.contains(name)) {
                d.lost.push(format!("附件“{name}”未导入"));
            }
        }
        d.options.push(option);
        let fraction: f64 = a.attr("fraction").and_then(|f| f.trim().parse().ok()).unwrap_or(0.0);
        if fraction > 0.0 {
            if i < 26 {
                key.push((b'A' + i as u8) as char);
            }
            partial |= single && fraction < 100.0;
        }
        feedback |= a
            .child("feedback")
            .and_then(|f| f.child("text"))
            .is_some_and(|t| !t.text().trim().is_empty());
    }
    if partial {
        d.lost
            .push("部分得分的选项分数未保留：Kaowu 的单选题只认一个正确选项".into());
    }
    if feedback {
        d.lost.push("各选项的反馈未保留：Kaowu 只保留整题的解析".into());
    }
    let combined = ["correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"]
        .iter()
        .any(|f| {
            q.child(f)
                .and_then(|f| f.child("text"))
                .is_some_and(|t| !t.text().trim().is_empty())
        });
    if combined {
        d.lost.push("答对、部分答对、答错时的反馈未保留".into());
    }
    d.key = Some(key).filter(|k| !k.is_empty());
    if d.key.is_none() {
        d.problem("key", "没有正确选项（fraction 大于 0 的选项为正确选项）");
    }
}

/// The status Moodle's own elements give: `<status>` (ready, draft, hidden, the status of a
/// Moodle 4 question version, for a tool that writes it), else `<hidden>` (0 or 1, or such a
/// word). Neither: active.
fn moodle_status(q: &Element) -> Result<Status, String> {
    for name in ["status", "hidden"] {
        let Some(value) = q.child(name).map(|e| e.text().trim().to_lowercase()) else {
            continue;
        };
        return match value.as_str() {
            "" | "0" | "false" | "ready" => Ok(Status::Active),
            "draft" => Ok(Status::Draft),
            "1" | "true" | "hidden" => Ok(Status::Retired),
            _ => Err(format!(
                "Moodle 的状态标记 <{name}>“{value}”无法识别：应为 0（使用中）、1（隐藏）、ready、draft 或 hidden"
            )),
        };
    }
    Ok(Status::Active)
}

/// Moodle's fraction for one of k correct options: 100/k as Moodle writes it (33.33333).
fn fraction(k: usize) -> String {
    let w = format!("{:.5}", 100.0 / k as f64);
    w.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn text_field(out: &mut String, name: &str, text: &str) {
    let _ = writeln!(
        out,
        "    <{name} format=\"html\">\n      <text>{}</text>\n    </{name}>",
        esc(&html::from_text(text))
    );
}

/// The stem as HTML with each picture after it as `<img src="@@PLUGINFILE@@/file">`, the
/// picture's bytes in a base64 `<file>` of the same field, as Moodle writes them.
fn question_text(out: &mut String, bank: &Bank, item: &Item) {
    let mut html = html::from_text(&item.stem);
    for p in &item.images {
        let _ = write!(html, "<p><img src=\"@@PLUGINFILE@@/{0}\" alt=\"{0}\" /></p>", p.file);
    }
    let _ = writeln!(
        out,
        "    <questiontext format=\"html\">\n      <text>{}</text>",
        esc(&html)
    );
    for p in &item.images {
        if let Some(bytes) = bank.images.get(&p.file) {
            let _ = writeln!(
                out,
                "      <file name=\"{}\" path=\"/\" encoding=\"base64\">{}</file>",
                esc(&p.file),
                picture::encode_base64(bytes)
            );
        }
    }
    out.push_str("    </questiontext>\n");
}

pub fn export(bank: &Bank) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<quiz>\n");
    let _ = writeln!(
        out,
        "<!-- {}（{}）：Kaowu 题库导出。标签“知识点:…”“难度:N”“状态:草稿/停用”是 Kaowu 的字段（没有状态标签的题目为启用）；开放题的评分要点在评分信息（graderinfo）中，每行一个“要点（N分）”。 -->",
        esc(&bank.name),
        esc(&bank.id)
    );
    for (first_of, item) in crate::in_module_order(bank) {
        if let Some(module) = first_of {
            let _ = writeln!(
                out,
                "  <question type=\"category\">\n    <category>\n      <text>$course$/{}/{}</text>\n    </category>\n  </question>",
                esc(&bank.name.replace('/', "／")),
                esc(&module.to_string())
            );
        }
        let kind = if item.kind() == ItemKind::Open {
            "essay"
        } else {
            "multichoice"
        };
        let _ = writeln!(out, "  <question type=\"{kind}\">");
        let _ = writeln!(
            out,
            "    <name>\n      <text>{}</text>\n    </name>",
            esc(item.id.as_str())
        );
        question_text(&mut out, bank, item);
        text_field(&mut out, "generalfeedback", item.explanation.as_deref().unwrap_or(""));
        let _ = writeln!(out, "    <defaultgrade>{}</defaultgrade>", kind_points(item.kind()));
        // Moodle's one flag for a question not in use; the tag below tells draft from retired.
        let hidden = u8::from(item.status != Status::Active);
        let _ = writeln!(out, "    <penalty>0</penalty>\n    <hidden>{hidden}</hidden>");
        let _ = writeln!(out, "    <idnumber>{}</idnumber>", esc(item.id.as_str()));
        match &item.body {
            ItemBody::Choice { options, key, .. } => {
                let single = key.len() == 1;
                let _ = writeln!(
                    out,
                    "    <single>{single}</single>\n    <shuffleanswers>true</shuffleanswers>\n    <answernumbering>ABCD</answernumbering>"
                );
                for (i, o) in options.iter().enumerate() {
                    let correct = key.iter().any(|l| l.index() == i);
                    let f = match (correct, single) {
                        (true, true) => "100".to_string(),
                        (true, false) => fraction(key.len()),
                        (false, true) => "0".to_string(),
                        (false, false) => "-100".to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "    <answer fraction=\"{f}\" format=\"html\">\n      <text>{}</text>\n      <feedback format=\"html\">\n        <text></text>\n      </feedback>\n    </answer>",
                        esc(&html::from_text(o))
                    );
                }
            }
            ItemBody::Open { rubric } => {
                let _ = writeln!(
                    out,
                    "    <responseformat>editor</responseformat>\n    <responserequired>1</responserequired>\n    <responsefieldlines>15</responsefieldlines>\n    <attachments>0</attachments>\n    <attachmentsrequired>0</attachmentsrequired>"
                );
                text_field(&mut out, "graderinfo", &rubric_text(rubric));
                let _ = writeln!(
                    out,
                    "    <responsetemplate format=\"html\">\n      <text></text>\n    </responsetemplate>"
                );
            }
        }
        let mut tags: Vec<String> = item.tags.clone();
        if let Some(kp) = &item.knowledge_point {
            tags.push(format!("知识点:{kp}"));
        }
        if let Some(d) = item.difficulty {
            tags.push(format!("难度:{d}"));
        }
        if item.status != Status::Active {
            tags.push(format!("状态:{}", status_zh(item.status)));
        }
        if !tags.is_empty() {
            out.push_str("    <tags>\n");
            for t in tags {
                let _ = writeln!(out, "      <tag><text>{}</text></tag>", esc(&t));
            }
            out.push_str("    </tags>\n");
        }
        out.push_str("  </question>\n");
    }
    out.push_str("</quiz>\n");
    out
}
