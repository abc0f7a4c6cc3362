//! Moodle's GIFT text format, read as Moodle reads it (question/format/gift): questions
//! separated by blank lines, `//` comments, `::title::`, `[html]`, the answer block `{…}` with
//! `=right ~wrong`, `~%50%weights`, `#feedback`, `####general feedback`, `{}` for an essay,
//! `$CATEGORY:` lines, escapes `\: \= \~ \{ \} \# \\ \n`.
//!
//! Kaowu's additions, which Moodle reads as an ordinary comment or general feedback: a
//! `// [id:M1-S-001] [tag:…]` comment line before a question gives its id and tags (tags
//! `知识点:…`, `难度:N` and `状态:草稿` / `状态:停用` carry those fields; the status is written only
//! for an item that is not active, and a question without it is active), and an essay's general
//! feedback may end with a `【评分要点】` section holding the rubric, one `要点（N分）` per line.

use std::fmt::Write as _;

use question_bank::{Bank, ItemBody, ItemKind, Status};

use crate::draft::{Draft, Reading, Skipped};
use crate::html;
use crate::report::{ImportProblem, Place};
use crate::text::{module_of_category, parse_difficulty, parse_rubric, parse_status, rubric_text, status_zh};

/// The marker that starts the rubric inside an essay's general feedback.
pub const RUBRIC_MARKER: &str = "【评分要点】";

// Escaped characters are swapped for private-use characters while the structure is read.
const ESCAPES: [(char, char); 8] = [
    (':', '\u{E001}'),
    ('#', '\u{E002}'),
    ('=', '\u{E003}'),
    ('{', '\u{E004}'),
    ('}', '\u{E005}'),
    ('~', '\u{E006}'),
    ('n', '\u{E007}'),
    ('%', '\u{E008}'),
];

fn escape_pre(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek().copied() {
                Some('\\') => {
                    chars.next();
                    out.push('\u{E000}');
                }
                Some(n) if ESCAPES.iter().any(|(e, _)| *e == n) => {
                    chars.next();
                    out.push(ESCAPES.iter().find(|(e, _)| *e == n).map(|(_, p)| *p).unwrap_or(n));
                }
                _ => out.push(c),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn escape_post(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{E000}' => '\\',
            '\u{E007}' => '\n',
            c => ESCAPES.iter().find(|(_, p)| *p == c).map(|(e, _)| *e).unwrap_or(c),
        })
        .collect()
}

/// Why an `<img>` in GIFT's HTML does not come: the picture is a file the text only names.
const GIFT_NO_PICTURES: &str = "GIFT 文本不含图片文件，本题导入时不含此图片";

/// A text with its optional `[format]` prefix, as plain text and what was lost.
fn formatted(text: &str, default_html: bool) -> (String, Vec<String>, bool) {
    let t = text.trim();
    let (is_html, body) = match t.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((f @ ("html" | "moodle" | "plain" | "markdown"), rest)) => (f == "html", rest),
        _ => (default_html, t),
    };
    let body = escape_post(body);
    if is_html {
        let p = html::to_text(&body);
        let lost = p.lost_with_images(GIFT_NO_PICTURES);
        (p.text, lost, true)
    } else {
        (body.trim().to_string(), Vec::new(), false)
    }
}

pub fn read(file_name: &str, text: &str) -> Reading {
    let mut reading = Reading::default();
    let mut module = None;
    let mut category_without_module: Option<String> = None;
    // Lines of the question being gathered, with the line number of its first line.
    let mut block: Vec<&str> = Vec::new();
    let mut block_start = 0u32;
    let mut comments: Vec<&str> = Vec::new();
    let mut position = 0u32;
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().chain(std::iter::once(&"")).enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if !block.is_empty() {
                let joined = block.join("\n");
                let escaped = escape_pre(joined.trim());
                if let Some(category) = escaped.strip_prefix("$CATEGORY:") {
                    let category = escape_post(category).trim().to_string();
                    module = module_of_category(&category);
                    category_without_module = module.is_none().then_some(category);
                } else {
                    position += 1;
                    read_question(
                        file_name,
                        &escaped,
                        &comments,
                        block_start,
                        position,
                        module,
                        category_without_module.as_deref(),
                        &mut reading,
                    );
                }
                block.clear();
                comments.clear();
            }
            continue;
        }
        if trimmed.starts_with("//") {
            comments.push(trimmed);
            continue;
        }
        if block.is_empty() {
            block_start = i as u32 + 1;
        }
        block.push(line);
    }
    if reading.drafts.is_empty() && reading.skipped.is_empty() {
        reading.file_problems.push(ImportProblem {
            file: file_name.to_string(),
            place: Place::File,
            item: None,
            field: None,
            message: "没有找到任何 GIFT 题目（题目之间以空行分隔，答案写在 { } 中）".into(),
        });
    }
    reading
}

/// `[id:…]` and `[tag:…]` in the comment lines before a question.
fn comment_fields(comments: &[&str]) -> (Option<String>, Vec<String>) {
    let mut id = None;
    let mut tags = Vec::new();
    for c in comments {
        let mut rest = *c;
        while let Some(start) = rest.find('[') {
            let after = &rest[start + 1..];
            let Some(end) = after.find(']') else { break };
            let inside = &after[..end];
            if let Some(v) = inside.strip_prefix("id:") {
                id = Some(v.trim().to_string());
            } else if let Some(v) = inside.strip_prefix("tag:") {
                tags.push(v.trim().to_string());
            }
            rest = &after[end + 1..];
        }
    }
    (id, tags)
}

#[allow(clippy::too_many_arguments)]
fn read_question(
    file: &str,
    text: &str,
    comments: &[&str],
    line: u32,
    position: u32,
    module: Option<question_bank::Module>,
    category: Option<&str>,
    reading: &mut Reading,
) {
    let place = Place::Line(line);
    let mut d = Draft::new(file, place.clone(), format!("{position:04}"));
    d.module = module;
    let (comment_id, tags) = comment_fields(comments);
    let mut text = text.trim();
    let mut title = None;
    if let Some(rest) = text.strip_prefix("::")
        && let Some(end) = rest.find("::")
    {
        title = Some(escape_post(&rest[..end]).trim().to_string());
        text = rest[end + 2..].trim();
    }
    match comment_id {
        Some(id) => d.id = Some(id),
        None => {
            d.id = title.clone();
            d.id_is_title = true;
        }
    }
    let skip = |reading: &mut Reading, message: String| {
        reading.skipped.push(Skipped {
            file: file.to_string(),
            place: place.clone(),
            item: title.clone(),
            message,
        });
    };
    let (open, close) = (text.find('{'), text.find('}'));
    let (Some(open), Some(close)) = (open, close) else {
        if open.is_none() && close.is_none() {
            skip(reading, "说明文字（没有答案的 GIFT 段落），不是题目，未导入".into());
        } else {
            d.problem("stem", "GIFT 答案块的花括号不成对（缺少 { 或 }）");
            reading.drafts.push(d);
        }
        return;
    };
    if close < open {
        d.problem("stem", "GIFT 答案块的花括号不成对（} 在 { 之前）");
        reading.drafts.push(d);
        return;
    }
    let mut answers = text[open + 1..close].trim().to_string();
    let stem_text = if text[close + 1..].trim().is_empty() {
        format!("{}{}", &text[..open], &text[close + 1..])
    } else {
        d.lost
            .push("填空位置（题干中间的答案块）已改为“_____”：Kaowu 的题目没有填空".into());
        format!("{}_____{}", &text[..open], &text[close + 1..])
    };
    let mut general = String::new();
    if let Some(at) = answers.rfind("####") {
        general = answers[at + 4..].to_string();
        answers = answers[..at].trim().to_string();
    }
    let (stem, lost, is_html) = formatted(&stem_text, false);
    d.stem = stem;
    d.lost.extend(lost);
    let (general, lost, _) = formatted(&general, is_html);
    d.lost.extend(lost);

    let kind = if answers.is_empty() {
        Some(ItemKind::Open)
    } else if answers.starts_with('#') {
        skip(reading, "数值题：Kaowu 只有单选题、多选题和开放题，本题未导入".into());
        return;
    } else if answers.contains('~') {
        None // multiple choice, below
    } else if answers.contains('=') && answers.contains("->") {
        skip(reading, "匹配题：Kaowu 只有单选题、多选题和开放题，本题未导入".into());
        return;
    } else {
        let check = answers.split('#').next().unwrap_or("").trim();
        if ["T", "TRUE", "F", "FALSE"].contains(&check) {
            skip(reading, "判断题：Kaowu 只有单选题、多选题和开放题，本题未导入".into());
        } else {
            skip(
                reading,
                "填空（简答）题：Kaowu 只有单选题、多选题和开放题，本题未导入".into(),
            );
        }
        return;
    };

    match kind {
        Some(_) => {
            d.kind = Some(ItemKind::Open);
            let (explanation, rubric) = match general.split_once(RUBRIC_MARKER) {
                Some((e, r)) => (e.trim().to_string(), Some(r.to_string())),
                None => (general.trim().to_string(), None),
            };
            d.explanation = Some(explanation).filter(|e| !e.is_empty());
            if let Some(r) = rubric {
                match parse_rubric(&r) {
                    Ok(r) => d.rubric = r,
                    Err(e) => d.problem("rubric", e),
                }
            }
        }
        None => {
            // As Moodle: `=` anywhere makes it single-answer; each `~` or `=` starts an answer.
            let single = answers.contains('=');
            d.kind = Some(if single { ItemKind::Single } else { ItemKind::Multi });
            let mut key = String::new();
            let mut partial = false;
            for (i, raw) in answers
                .replace('=', "~=")
                .split('~')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .enumerate()
            {
                let (weight, rest) = if let Some(r) = raw.strip_prefix('=') {
                    (100.0, r)
                } else if let Some(r) = raw.strip_prefix('%')
                    && let Some((w, after)) = r.split_once('%')
                    && let Ok(w) = w.trim().parse::<f64>()
                {
                    (w, after)
                } else {
                    (0.0, raw)
                };
                let answer_text = rest.split('#').next().unwrap_or("");
                let (option, lost, _) = formatted(answer_text, is_html);
                d.lost.extend(lost);
                d.options.push(option);
                if weight > 0.0 {
                    if i < 26 {
                        key.push((b'A' + i as u8) as char);
                    }
                    if single && weight < 100.0 {
                        partial = true;
                    }
                }
            }
            if partial {
                d.lost
                    .push("部分得分的选项权重未保留：Kaowu 的单选题只认一个正确选项".into());
            }
            d.key = Some(key).filter(|k| !k.is_empty());
            if d.key.is_none() {
                d.problem(
                    "key",
                    "没有正确选项（应以 = 标出正确答案，或以 ~%50% 这样的正权重标出多选题的正确选项）",
                );
            }
            d.explanation = Some(general.trim().to_string()).filter(|e| !e.is_empty());
        }
    }
    for tag in tags {
        if let Some(kp) = tag.strip_prefix("知识点:") {
            d.knowledge_point = Some(kp.trim().to_string());
        } else if let Some(n) = tag.strip_prefix("难度:") {
            match parse_difficulty(n) {
                Ok(n) => d.difficulty = Some(n),
                Err(e) => d.problem("difficulty", e),
            }
        } else if let Some(status) = tag.strip_prefix("状态:") {
            match parse_status(status) {
                Ok(s) => d.status = s,
                Err(e) => d.problem("status", e),
            }
        } else {
            d.tags.push(tag);
        }
    }
    d.category = category.map(str::to_string);
    reading.drafts.push(d);
}

/// Text with GIFT's reserved characters escaped and new lines as `\n`, as Moodle writes it.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '#' | '=' | '~' | '{' | '}' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Moodle's weights for k correct options: 100/k, written as Moodle writes them (33.33333).
fn weight(k: usize) -> String {
    let w = format!("{:.5}", 100.0 / k as f64);
    w.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub fn export(bank: &Bank) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "// {}（{}）：Kaowu 题库导出，GIFT 格式", bank.name, bank.id);
    let _ = writeln!(
        out,
        "// 每题前的 [id:…] 是 Kaowu 题号，[tag:…] 是标签（知识点:…、难度:N、状态:草稿/停用 为 Kaowu 字段，没有状态的题目为启用）；开放题的评分要点在总评反馈的“{RUBRIC_MARKER}”之后。"
    );
    for (first_of, item) in crate::in_module_order(bank) {
        if let Some(module) = first_of {
            let _ = writeln!(
                out,
                "\n$CATEGORY: $course$/{}/{}\n",
                bank.name.replace('\n', " "),
                module
            );
        }
        let mut meta = format!("// [id:{}]", item.id);
        for t in &item.tags {
            let _ = write!(meta, " [tag:{t}]");
        }
        if let Some(kp) = &item.knowledge_point {
            let _ = write!(meta, " [tag:知识点:{kp}]");
        }
        if let Some(d) = item.difficulty {
            let _ = write!(meta, " [tag:难度:{d}]");
        }
        if item.status != Status::Active {
            let _ = write!(meta, " [tag:状态:{}]", status_zh(item.status));
        }
        let _ = writeln!(out, "{meta}");
        let _ = write!(out, "::{}::{}{{", esc(item.id.as_str()), esc(&item.stem));
        match &item.body {
            ItemBody::Choice { options, key, .. } => {
                out.push('\n');
                let single = key.len() == 1;
                for (i, o) in options.iter().enumerate() {
                    let correct = key.iter().any(|l| l.index() == i);
                    let mark = match (single, correct) {
                        (true, true) => "=".to_string(),
                        (true, false) => "~".to_string(),
                        (false, true) => format!("~%{}%", weight(key.len())),
                        (false, false) => "~%-100%".to_string(),
                    };
                    let _ = writeln!(out, "\t{mark}{}", esc(o));
                }
                if let Some(e) = &item.explanation {
                    let _ = writeln!(out, "\t####{}", esc(e));
                }
            }
            ItemBody::Open { rubric } => {
                let mut general = item.explanation.clone().unwrap_or_default();
                if !general.is_empty() {
                    general.push('\n');
                }
                general.push_str(RUBRIC_MARKER);
                general.push('\n');
                general.push_str(&rubric_text(rubric));
                let _ = write!(out, "####{}", esc(&general));
            }
        }
        out.push_str("}\n\n");
    }
    out
}
