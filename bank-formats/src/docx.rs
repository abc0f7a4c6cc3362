//! Word documents (.docx) written the way question writers write them: numbered questions
//! (`1.` `1、` `1．` `（1）`), options `A、` / `A.` / `(A)` / `A．` / `A:` on their own lines or
//! several on one line, marker lines 【答案】 【解析】 【模块】 【知识点】 【分值】 【评分要点】
//! (also `答案：`), section headings such as 一、单项选择题 that set the kind. A question with no
//! answer line is an open question. Places are paragraphs, counted from 1 (第 N 段).
//!
//! A picture in a question's stem or options paragraphs (`<w:drawing>` with `a:blip r:embed`, or
//! VML `v:imagedata r:id`) is the question's: the relationship in
//! `word/_rels/document.xml.rels` leads to its file in `word/media/`. A linked picture (not in
//! the file), a picture under a marker (【解析】 …) or outside any question is named.
//!
//! `word/document.xml` is read here with quick-xml rather than with docx-rs: docx-rs 0.4.22's
//! reader has no Office Math (an `m:oMath` formula vanishes without a trace, and a formula lost
//! in silence is what the report must never do), it does not give Word's automatic list
//! numbers, and it would bring a second zip and quick-xml next to the workspace's.

use std::collections::HashMap;
use std::io::{Cursor, Read as _};
use std::rc::Rc;

use question_bank::ItemKind;

use crate::draft::{Draft, FieldNames, Reading, Skipped};
use crate::report::{ImportProblem, Place};
use crate::text::{
    KindText, find_module, fold_width, kind_in_heading, parse_difficulty, parse_key, parse_kind, parse_module,
    parse_points, parse_rubric, parse_tags,
};
use crate::xml::{self, Element, Node};

/// One paragraph's text (soft line breaks kept as `\n`) and what it held that text cannot.
struct Paragraph {
    number: u32,
    text: String,
    lost: Vec<String>,
    pictures: Vec<Found>,
}

/// A picture of a paragraph: what the report calls it, and its bytes when the file holds them.
struct Found {
    source: String,
    bytes: Option<Vec<u8>>,
}

/// A picture as the paragraph names it: a relationship id, embedded or linked.
struct PicRef {
    rid: String,
    linked: bool,
}

pub fn read(file_name: &str, bytes: &[u8]) -> Reading {
    let mut reading = Reading::default();
    let file_problem = |message: String| ImportProblem::of_file(file_name, message);
    let mut zip = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => {
            reading.file_problems.push(file_problem(format!(
                "无法作为 Word 文档（.docx）读取：{e}。旧的 .doc 文件请先在 Word 中另存为 .docx"
            )));
            return reading;
        }
    };
    let mut part = |name: &str| -> Option<String> {
        let mut f = zip.by_name(name).ok()?;
        let mut s = String::new();
        f.read_to_string(&mut s).ok()?;
        Some(s)
    };
    let Some(document) = part("word/document.xml") else {
        reading
            .file_problems
            .push(file_problem("文件中没有 word/document.xml，不是 Word 文档".into()));
        return reading;
    };
    let numbering = part("word/numbering.xml")
        .and_then(|t| xml::parse(&t).ok())
        .map(|n| Numbering::new(&n))
        .unwrap_or_default();
    let root = match xml::parse(&document) {
        Ok(r) => r,
        Err(e) => {
            reading
                .file_problems
                .push(file_problem(format!("word/document.xml：{e}")));
            return reading;
        }
    };
    // Relationship id → (target inside word/, external).
    let rels: HashMap<String, (String, bool)> = part("word/_rels/document.xml.rels")
        .and_then(|t| xml::parse(&t).ok())
        .map(|r| {
            r.children_named("Relationship")
                .filter_map(|e| {
                    let external = e.attr("TargetMode") == Some("External");
                    Some((e.attr("Id")?.to_string(), (e.attr("Target")?.to_string(), external)))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut resolve = |r: &PicRef| -> Found {
        match rels.get(&r.rid) {
            Some((target, false)) if !r.linked => {
                let entry = crate::picture::resolve("word/document.xml", target);
                Found {
                    source: crate::picture::base_name(target),
                    bytes: entry.and_then(|e| crate::picture::zip_entry(&mut zip, &e)),
                }
            }
            Some((target, _)) => Found {
                source: target.clone(),
                bytes: None,
            },
            None => Found {
                source: format!("关系 {}", r.rid),
                bytes: None,
            },
        }
    };
    let paragraphs = paragraphs(&root, numbering, &mut resolve);
    parse_questions(file_name, &paragraphs, &mut reading);
    if reading.drafts.is_empty() && reading.skipped.is_empty() {
        reading.file_problems.push(file_problem(
            "没有找到任何题目：题目应以题号开头（如“1.”“1、”“（1）”），选项以“A、”“A.”等开头，答案写在“【答案】”行"
                .into(),
        ));
    }
    reading
}

/// Word's automatic list numbers: the text of `%1.` in the level's format, counted per list.
#[derive(Default)]
struct Numbering {
    /// numId → abstractNumId
    nums: HashMap<String, String>,
    /// (abstractNumId, level) → (numFmt, lvlText, start)
    levels: HashMap<(String, String), (String, String, u32)>,
    counters: HashMap<(String, u32), u32>,
}

impl Numbering {
    fn new(root: &Element) -> Numbering {
        let mut n = Numbering::default();
        for a in root.children_named("abstractNum") {
            let id = a.attr("abstractNumId").unwrap_or("").to_string();
            for l in a.children_named("lvl") {
                let ilvl = l.attr("ilvl").unwrap_or("0").to_string();
                let fmt = l.child("numFmt").and_then(|e| e.attr("val")).unwrap_or("decimal");
                let text = l.child("lvlText").and_then(|e| e.attr("val")).unwrap_or("");
                let start = l
                    .child("start")
                    .and_then(|e| e.attr("val"))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1);
                n.levels
                    .insert((id.clone(), ilvl), (fmt.to_string(), text.to_string(), start));
            }
        }
        for num in root.children_named("num") {
            if let (Some(id), Some(abs)) = (
                num.attr("numId"),
                num.child("abstractNumId").and_then(|e| e.attr("val")),
            ) {
                n.nums.insert(id.to_string(), abs.to_string());
            }
        }
        n
    }

    /// The label Word shows before a paragraph of list `num_id` at `level`.
    fn label(&mut self, num_id: &str, level: u32) -> Option<String> {
        let abs = self.nums.get(num_id)?.clone();
        let (fmt, text, start) = self.levels.get(&(abs.clone(), level.to_string()))?.clone();
        let count = {
            let c = self.counters.entry((abs.clone(), level)).or_insert(start - 1);
            *c += 1;
            *c
        };
        // A new item at this level restarts the levels below it.
        self.counters.retain(|(a, l), _| *a != abs || *l <= level);
        if fmt == "bullet" || fmt == "none" {
            return None;
        }
        let mut label = text;
        for l in 0..=level {
            let value = if l == level {
                count
            } else {
                self.counters.get(&(abs.clone(), l)).copied().unwrap_or(1)
            };
            let f = if l == level {
                fmt.clone()
            } else {
                self.levels
                    .get(&(abs.clone(), l.to_string()))
                    .map(|v| v.0.clone())
                    .unwrap_or_default()
            };
            label = label.replace(&format!("%{}", l + 1), &format_number(value, &f));
        }
        Some(label)
    }
}

fn format_number(n: u32, fmt: &str) -> String {
    const CN: [&str; 11] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    match fmt {
        "upperLetter" => ((b'A' + ((n - 1) % 26) as u8) as char).to_string(),
        "lowerLetter" => ((b'a' + ((n - 1) % 26) as u8) as char).to_string(),
        "chineseCounting" | "chineseCountingThousand" | "ideographTraditional" | "taiwaneseCounting" if n <= 10 => {
            CN[n as usize].to_string()
        }
        "chineseCounting" | "chineseCountingThousand" if n < 20 => format!("十{}", CN[(n - 10) as usize]),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1).map(String::from).unwrap_or_default()
        }
        _ => n.to_string(),
    }
}

/// Every paragraph of the body in reading order, tables' cells included, numbered from 1.
fn paragraphs(root: &Element, mut numbering: Numbering, resolve: &mut dyn FnMut(&PicRef) -> Found) -> Vec<Paragraph> {
    let mut out = Vec::new();
    let body = root.child("body").unwrap_or(root);
    fn walk(
        e: &Element,
        numbering: &mut Numbering,
        resolve: &mut dyn FnMut(&PicRef) -> Found,
        out: &mut Vec<Paragraph>,
    ) {
        for c in e.elements() {
            match c.local() {
                "p" => {
                    let mut text = String::new();
                    let mut lost = Vec::new();
                    if let Some(num) = c.child("pPr").and_then(|p| p.child("numPr")) {
                        let id = num.child("numId").and_then(|e| e.attr("val")).unwrap_or("0");
                        let level = num
                            .child("ilvl")
                            .and_then(|e| e.attr("val"))
                            .and_then(|v| v.parse().ok())
                            .unwrap_or(0);
                        if let Some(label) = numbering.label(id, level) {
                            text.push_str(&label);
                        }
                    }
                    let mut refs = Vec::new();
                    run_text(c, &mut text, &mut lost, &mut refs);
                    out.push(Paragraph {
                        number: out.len() as u32 + 1,
                        text,
                        lost,
                        pictures: refs.iter().map(&mut *resolve).collect(),
                    });
                }
                "tbl" | "tr" | "tc" | "sdt" | "sdtContent" | "customXml" => walk(c, numbering, resolve, out),
                _ => {}
            }
        }
    }
    walk(body, &mut numbering, resolve, &mut out);
    out
}

/// The visible text of a paragraph: runs, inserted text, hyperlinks and fields' results;
/// deleted text and field codes left out; pictures, embedded objects and formulas named.
fn run_text(e: &Element, text: &mut String, lost: &mut Vec<String>, pictures: &mut Vec<PicRef>) {
    for c in &e.children {
        let Node::Element(c) = c else { continue };
        let qualified = c.name.as_str();
        match c.local() {
            "t" if !qualified.starts_with("m:") => text.push_str(&c.text()),
            "tab" if !qualified.starts_with("m:") => text.push('\t'),
            "br" | "cr" => text.push('\n'),
            // mc:Fallback repeats mc:Choice for older readers (a drawing's VML copy).
            "pPr" | "rPr" | "del" | "moveFrom" | "instrText" | "delText" | "fldChar" | "Fallback" => {}
            "drawing" | "pict" => {
                let before = pictures.len();
                for d in c.descendants() {
                    let found = match d.local() {
                        // DrawingML: r:embed (in the file) or r:link (a linked file).
                        "blip" => d
                            .attr("embed")
                            .map(|r| (r, false))
                            .or_else(|| d.attr("link").map(|r| (r, true))),
                        // VML (older Word): v:imagedata r:id.
                        "imagedata" => d.attr("id").map(|r| (r, false)),
                        _ => None,
                    };
                    if let Some((rid, linked)) = found {
                        pictures.push(PicRef {
                            rid: rid.to_string(),
                            linked,
                        });
                    }
                }
                if pictures.len() == before {
                    note(
                        lost,
                        "图形（形状、文本框或图表）未导入：Kaowu 只能导入 PNG 或 JPEG 图片",
                    );
                }
            }
            "object" => note(lost, "嵌入对象（如 MathType 公式）未导入"),
            "oMath" | "oMathPara" => {
                note(lost, "Word 公式已按纯文字导入，格式（上下标、分式等）未保留");
                math_text(c, text);
            }
            _ => run_text(c, text, lost, pictures),
        }
    }
}

fn math_text(e: &Element, text: &mut String) {
    for c in e.elements() {
        if c.local() == "t" {
            text.push_str(&c.text());
        } else {
            math_text(c, text);
        }
    }
}

fn note(lost: &mut Vec<String>, message: &str) {
    if !lost.iter().any(|m| m == message) {
        lost.push(message.to_string());
    }
}

/// The markers a question may carry, and the bank field each fills.
const MARKERS: [(&str, &str); 17] = [
    ("答案", "key"),
    ("正确答案", "key"),
    ("参考答案", "key"),
    ("标准答案", "key"),
    ("解析", "explanation"),
    ("答案解析", "explanation"),
    ("模块", "module"),
    ("知识点", "knowledge_point"),
    ("考点", "knowledge_point"),
    ("分值", "points"),
    ("分数", "points"),
    ("评分要点", "rubric"),
    ("评分标准", "rubric"),
    ("难度", "difficulty"),
    ("题号", "id"),
    ("题型", "kind"),
    ("标签", "tags"),
];

fn marker_field(name: &str) -> Option<&'static str> {
    let name: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    MARKERS.iter().find(|(m, _)| *m == name).map(|(_, f)| *f)
}

/// A line's markers: `【答案】B【解析】……` → [(key, "B"), (explanation, "……")]. A line starting
/// with `答案：` counts too. `None` when the line starts with no marker.
fn markers(line: &str) -> Option<Vec<(&'static str, String)>> {
    let t = line.trim_start();
    let mut out = Vec::new();
    if t.starts_with('【') || t.starts_with('[') {
        let mut rest = t;
        let mut current: Option<&'static str> = None;
        let mut value = String::new();
        while !rest.is_empty() {
            let open = rest.find(['【', '[']);
            let Some(open) = open else {
                value.push_str(rest);
                break;
            };
            let close_char = if rest[open..].starts_with('【') { '】' } else { ']' };
            let name_start = open + rest[open..].chars().next().map_or(1, char::len_utf8);
            match rest[name_start..].find(close_char) {
                Some(len) if marker_field(&rest[name_start..name_start + len]).is_some() => {
                    value.push_str(&rest[..open]);
                    if let Some(f) = current {
                        out.push((f, value.trim().to_string()));
                    } else if !value.trim().is_empty() {
                        return None;
                    }
                    value = String::new();
                    current = marker_field(&rest[name_start..name_start + len]);
                    rest = &rest[name_start + len + close_char.len_utf8()..];
                    rest = rest.strip_prefix(['：', ':']).unwrap_or(rest);
                }
                _ => {
                    value.push_str(&rest[..name_start]);
                    rest = &rest[name_start..];
                }
            }
        }
        let f = current?;
        out.push((f, value.trim().to_string()));
        return Some(out);
    }
    let (name, value) = t.split_once(['：', ':'])?;
    let field = marker_field(name)?;
    Some(vec![(field, value.trim().to_string())])
}

/// `1.` `1、` `1．` `（1）` `(1)` `1)` at the start: the number, whether it is bracketed, and
/// the rest. A question's explanation numbered `（1）（2）` under questions numbered `1.` is told
/// apart by the brackets.
fn question_number(line: &str) -> Option<(u32, bool, &str)> {
    let t = line.trim_start();
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(rest) = t.strip_prefix(open)
            && let Some(end) = rest.find(close)
            && let Ok(n) = rest[..end].trim().parse::<u32>()
        {
            return Some((n, true, &rest[end + close.len_utf8()..]));
        }
    }
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 4 {
        return None;
    }
    let rest = &t[digits..];
    let rest = rest.strip_prefix(['.', '、', '．', ')', '）'])?;
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None; // 3.5 is a number, not a question
    }
    Some((t[..digits].parse().ok()?, false, rest))
}

/// A section heading: `一、单项选择题`, `第二部分 质量驱动力`, `三、案例分析题（每题 20 分）`.
fn heading(line: &str) -> Option<(Option<ItemKind>, Option<question_bank::Module>)> {
    let t = line.trim();
    if t.chars().count() > 40 {
        return None;
    }
    let numerals = "一二三四五六七八九十";
    let n = t.chars().take_while(|c| numerals.contains(*c)).count();
    let is_heading = if n > 0 {
        t.chars().nth(n).is_some_and(|c| "、.．".contains(c))
    } else {
        t.starts_with('第') && (t.contains("部分") || t.contains("章") || t.contains("模块")) || t.starts_with("模块")
    };
    if !is_heading {
        return None;
    }
    let kind = kind_in_heading(t);
    let module = find_module(t);
    (kind.is_some() || module.is_some()).then_some((kind, module))
}

/// One option label at byte `at` of `line`: `A、` `A.` `A．` `A:` `A：` `A)` `(A)` `（A）`, in
/// either width. Returns the label's index and where its text starts.
fn option_label(line: &str, at: usize) -> Option<(usize, usize)> {
    let rest = &line[at..];
    let mut chars = rest.char_indices();
    let (_, first) = chars.next()?;
    let letter = |c: char| {
        let c = fold_width(&c.to_string()).chars().next()?;
        c.is_ascii_uppercase().then(|| c as usize - 'A' as usize)
    };
    if first == '(' || first == '（' {
        let (_, c) = chars.next()?;
        let idx = letter(c)?;
        let (i, close) = chars.next()?;
        return (close == ')' || close == '）').then(|| (idx, at + i + close.len_utf8()));
    }
    let idx = letter(first)?;
    let (i, sep) = chars.next()?;
    "、.．:：)）".contains(sep).then(|| (idx, at + i + sep.len_utf8()))
}

/// A line of options, `A、甲 B、乙` or one option; each label must be the next letter expected.
fn option_line(line: &str, next: usize) -> Option<Vec<(usize, String)>> {
    let t = line.trim();
    let (idx, start) = option_label(t, 0)?;
    if idx != next {
        return None;
    }
    let mut found = vec![(idx, start)];
    let mut bounds = Vec::new();
    let mut expected = idx + 1;
    let mut prev_space = false;
    for (i, c) in t.char_indices().skip_while(|(i, _)| *i < start) {
        if prev_space
            && let Some((j, s)) = option_label(t, i)
            && j == expected
        {
            bounds.push(i);
            found.push((j, s));
            expected += 1;
        }
        prev_space = c.is_whitespace();
    }
    bounds.push(t.len());
    Some(
        found
            .iter()
            .zip(bounds)
            .map(|((j, s), end)| (*j, t[*s..end].trim().to_string()))
            .collect(),
    )
}

/// Which part of a question the lines being read belong to.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Stem,
    Options,
    Marker(&'static str),
}

struct Question {
    draft: Draft,
    /// Whether the question's number is bracketed, `（1）`.
    bracketed: bool,
    /// Numbered lines read so far under 【评分要点】.
    rubric_lines: u32,
    mode: Mode,
    has_answer: bool,
    kind_given: bool,
    values: Vec<(&'static str, String)>,
}

fn parse_questions(file: &str, paragraphs: &[Paragraph], reading: &mut Reading) {
    let names: FieldNames = Rc::new(
        MARKERS
            .iter()
            .filter(|(m, _)| {
                ![
                    "正确答案",
                    "参考答案",
                    "标准答案",
                    "答案解析",
                    "考点",
                    "分数",
                    "评分标准",
                ]
                .contains(m)
            })
            .map(|(m, f)| (*f, format!("【{m}】")))
            .collect(),
    );
    let mut section_kind: Option<ItemKind> = None;
    let mut section_module = None;
    let mut current: Option<Question> = None;
    let mut last_number = 0;

    let close = |q: Option<Question>, reading: &mut Reading| {
        if let Some(q) = q {
            finish_question(file, q, reading);
        }
    };

    for p in paragraphs {
        let mut lost_here = p.lost.clone();
        for line in p.text.split('\n') {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some((kind, module)) = heading(line) {
                close(current.take(), reading);
                section_kind = kind.or(if module.is_some() { section_kind } else { None });
                if module.is_some() {
                    section_module = module;
                }
                last_number = 0;
                continue;
            }
            if let Some(found) = markers(line)
                && let Some(q) = current.as_mut()
            {
                for (field, value) in found {
                    if field == "key" {
                        q.has_answer = true;
                    }
                    q.values.push((field, value));
                    q.mode = Mode::Marker(field);
                }
                continue;
            }
            if let Some((n, bracketed, rest)) = question_number(line) {
                // Under a marker, a numbered line is the marker's own list unless it is the next
                // question in the questions' own style.
                let continues = match current.as_mut() {
                    Some(q) if matches!(q.mode, Mode::Marker(_)) => {
                        let next_question = bracketed == q.bracketed && n == last_number + 1;
                        let rubric_line = q.mode == Mode::Marker("rubric")
                            && crate::text::parse_rubric(line).is_ok()
                            && n == q.rubric_lines + 1;
                        if rubric_line {
                            q.rubric_lines += 1;
                        }
                        rubric_line || !next_question
                    }
                    _ => false,
                };
                if !continues {
                    close(current.take(), reading);
                    let mut draft = Draft::new(file, Place::Paragraph(p.number), format!("p{:04}", p.number));
                    draft.names = Some(names.clone());
                    draft.kind = section_kind;
                    draft.module = section_module;
                    draft.stem = rest.trim().to_string();
                    current = Some(Question {
                        draft,
                        bracketed,
                        rubric_lines: 0,
                        mode: Mode::Stem,
                        has_answer: false,
                        kind_given: section_kind.is_some(),
                        values: Vec::new(),
                    });
                    last_number = n;
                    if let Some(q) = current.as_mut() {
                        q.draft.lost.append(&mut lost_here);
                    }
                    continue;
                }
            }
            let Some(q) = current.as_mut() else {
                // Text before the first question: the document's title or instructions.
                continue;
            };
            q.draft.lost.append(&mut lost_here);
            if matches!(q.mode, Mode::Stem | Mode::Options)
                && let Some(options) = option_line(line, q.draft.options.len())
            {
                for (_, text) in options {
                    q.draft.options.push(text);
                }
                q.mode = Mode::Options;
                continue;
            }
            match q.mode {
                Mode::Stem => {
                    if !q.draft.stem.is_empty() {
                        q.draft.stem.push('\n');
                    }
                    q.draft.stem.push_str(line);
                }
                Mode::Options => {
                    if let Some(last) = q.draft.options.last_mut() {
                        last.push(' ');
                        last.push_str(line);
                    }
                }
                Mode::Marker(field) => {
                    if let Some((_, value)) = q.values.iter_mut().rev().find(|(f, _)| *f == field) {
                        if !value.is_empty() {
                            value.push('\n');
                        }
                        value.push_str(line);
                    }
                }
            }
        }
        // A picture in the stem's or the options' paragraphs is the question's; one under a
        // marker (the explanation …) would show the candidate what is not theirs to see.
        for found in &p.pictures {
            match current.as_mut() {
                Some(q) => match q.mode {
                    Mode::Stem | Mode::Options => q.draft.picture(&found.source, None, found.bytes.clone()),
                    Mode::Marker(field) => {
                        let marker = q.draft.field_name(field);
                        let place = format!("（第 {} 段）{marker}", p.number);
                        let message = crate::picture::not_in_stem(&found.source, &place);
                        q.draft.lost.push(message);
                    }
                },
                None => reading.file_lost.push(ImportProblem {
                    file: file.to_string(),
                    place: Place::Paragraph(p.number),
                    item: None,
                    field: None,
                    message: format!("图片“{}”不属于任何题目，未导入", found.source),
                }),
            }
        }
        // A paragraph holding only a picture belongs to the question being read.
        if let Some(q) = current.as_mut() {
            for message in lost_here.drain(..) {
                q.draft.lost.push(format!("（第 {} 段）{message}", p.number));
            }
        }
        if !lost_here.is_empty() {
            for message in lost_here {
                reading.file_lost.push(ImportProblem {
                    file: file.to_string(),
                    place: Place::Paragraph(p.number),
                    item: None,
                    field: None,
                    message,
                });
            }
        }
    }
    close(current.take(), reading);
}

fn finish_question(file: &str, q: Question, reading: &mut Reading) {
    let Question {
        mut draft,
        has_answer,
        kind_given,
        values,
        ..
    } = q;
    for (field, value) in values {
        match field {
            "key" => {
                if draft.kind == Some(ItemKind::Open) {
                    draft.explanation.get_or_insert(value);
                    continue;
                }
                match parse_key(&value) {
                    Ok(k) => draft.key = k,
                    Err(e) => draft.problem("key", e),
                }
            }
            "explanation" => draft.explanation = Some(value).filter(|v| !v.is_empty()),
            "module" => match parse_module(&value) {
                Ok(m) => draft.module = Some(m),
                Err(e) => draft.problem("module", e),
            },
            "knowledge_point" => draft.knowledge_point = Some(value).filter(|v| !v.is_empty()),
            "points" => match parse_points(&value) {
                Some(p) => draft.points = Some(p),
                None => draft.lost.push(format!("分值“{value}”无法识别，未保留")),
            },
            "rubric" => match parse_rubric(&value) {
                Ok(r) => draft.rubric = r,
                Err(e) => draft.problem("rubric", e),
            },
            "difficulty" => match parse_difficulty(&value) {
                Ok(n) => draft.difficulty = Some(n),
                Err(e) => draft.problem("difficulty", e),
            },
            "id" => draft.id = Some(value).filter(|v| !v.is_empty()),
            "tags" => draft.tags = parse_tags(&value),
            "kind" => match parse_kind(&value) {
                KindText::Kind(k) => draft.kind = Some(k),
                KindText::Unsupported(name) => {
                    reading.skipped.push(Skipped {
                        file: file.to_string(),
                        place: draft.place.clone(),
                        item: draft.id.clone(),
                        message: format!("{name}：Kaowu 只有单选题、多选题和开放题，本题未导入"),
                    });
                    return;
                }
                KindText::Unknown => {
                    draft.problem("kind", format!("题型“{value}”无法识别：应为 单选题、多选题 或 开放题"))
                }
            },
            _ => {}
        }
    }
    // A question with no answer line is an open question, unless its section says otherwise.
    if !has_answer && !kind_given && draft.options.is_empty() {
        draft.kind = draft.kind.or(Some(ItemKind::Open));
    }
    // Empty answer brackets left in a stem: “……是指（　　）。”
    draft.stem = strip_blank_brackets(&draft.stem);
    reading.drafts.push(draft);
}

fn strip_blank_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['（', '(']) {
        let open_len = if rest[i..].starts_with('（') {
            '（'.len_utf8()
        } else {
            1
        };
        let after = &rest[i + open_len..];
        let blank = after.chars().take_while(|c| c.is_whitespace() || *c == '_').count();
        let skipped: usize = after.chars().take(blank).map(char::len_utf8).sum();
        let tail = &after[skipped..];
        if let Some(close) = tail.chars().next().filter(|c| *c == '）' || *c == ')') {
            out.push_str(&rest[..i]);
            rest = &tail[close.len_utf8()..];
        } else {
            out.push_str(&rest[..i + open_len]);
            rest = after;
        }
    }
    out.push_str(rest);
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(question_number("1．朱兰"), Some((1, false, "朱兰")));
        assert_eq!(question_number("（12）案例"), Some((12, true, "案例")));
        assert_eq!(question_number("3.5 倍"), None);
        assert_eq!(
            option_line("A、甲  B、乙\tC．丙 D:丁", 0).unwrap(),
            vec![(0, "甲".into()), (1, "乙".into()), (2, "丙".into()), (3, "丁".into())]
        );
        assert_eq!(option_line("(A)甲", 0).unwrap(), vec![(0, "甲".into())]);
        assert_eq!(option_line("B、乙", 0), None);
        assert_eq!(option_line("A公司的做法", 0), None);
        assert_eq!(
            markers("【答案】B【解析】因为……").unwrap(),
            vec![("key", "B".into()), ("explanation", "因为……".into())]
        );
        assert_eq!(markers("答案：AB").unwrap(), vec![("key", "AB".into())]);
        assert_eq!(markers("【注意】x"), None);
        assert_eq!(
            heading("一、单项选择题（每题 1 分）"),
            Some((Some(ItemKind::Single), None))
        );
        assert_eq!(heading("三、案例分析题").map(|h| h.0), Some(Some(ItemKind::Open)));
        assert_eq!(strip_blank_brackets("是指（　　）。"), "是指。");
        assert_eq!(strip_blank_brackets("是指（ISO）"), "是指（ISO）");
    }
}
