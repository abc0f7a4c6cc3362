//! A question as a reader found it, before any rule is applied, and the one way every format
//! ends: ids resolved, duplicates found, the items written as bank files and loaded by
//! `Bank::from_parts` with the pictures the items show, so an import passes exactly the checks a
//! bank folder passes (a picture's size and bytes included), each problem mapped back to the
//! place in the source.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::rc::Rc;

use question_bank::{Bank, Item, ItemId, ItemKind, Module, Points, Status};

use crate::bank_files::{push_toml_string, push_toml_strings};
use crate::picture::{self, Picture};
use crate::report::{Import, ImportProblem, Place};

/// How a source names each bank field, for the report (`key` is “标准答案” in one workbook,
/// “【答案】” in a Word file).
pub type FieldNames = Rc<Vec<(&'static str, String)>>;

/// The Chinese name of a bank field when the source has none of its own.
pub fn default_field_name(field: &str) -> &'static str {
    match field {
        "id" => "题号",
        "module" => "模块",
        "kind" => "题型",
        "status" => "状态",
        "stem" => "题干",
        "options" => "选项",
        "key" => "正确答案",
        "explanation" => "解析",
        "knowledge_point" => "知识点",
        "difficulty" => "难度",
        "tags" => "标签",
        "rubric" => "评分要点",
        "points" => "分值",
        "images" => "图片",
        _ => "",
    }
}

/// One question as read. Readers fill what their format has and record what they could not
/// read (`problems`, which refuse the item) or could not keep (`lost`).
#[derive(Debug, Clone)]
pub struct Draft {
    /// The file as reported (inside a package: `package.zip/items/x.xml`).
    pub file: String,
    pub place: Place,
    /// The id as written in the source.
    pub id: Option<String>,
    /// The id is a title (GIFT `::title::`, Moodle's name, QTI's identifier): when it is not a
    /// valid Kaowu id a generated one is used instead of refusing the item.
    pub id_is_title: bool,
    /// The tail of a generated id (`1-0005` for sheet 1, row 5); prefixed with the file stem.
    pub auto_id: String,
    pub kind: Option<ItemKind>,
    pub module: Option<Module>,
    /// The category (GIFT, Moodle) the question sits in, to say why no module was found.
    pub category: Option<String>,
    pub status: Status,
    pub stem: String,
    pub options: Vec<String>,
    /// Answer letters as given (upper case), `None` when the source has no answer.
    pub key: Option<String>,
    pub explanation: Option<String>,
    pub knowledge_point: Option<String>,
    pub difficulty: Option<i64>,
    pub tags: Vec<String>,
    pub rubric: Vec<(String, Points)>,
    /// The points the source gives the question, if it does.
    pub points: Option<Points>,
    pub names: Option<FieldNames>,
    /// (bank field, message): the item is refused.
    pub problems: Vec<(&'static str, String)>,
    /// What was not kept (a formula, a GIF picture …), one message each.
    pub lost: Vec<String>,
    /// The PNG and JPEG pictures of the stem, in order.
    pub pictures: Vec<Picture>,
}

impl Draft {
    pub fn new(file: &str, place: Place, auto_id: String) -> Draft {
        Draft {
            file: file.to_string(),
            place,
            id: None,
            id_is_title: false,
            auto_id,
            kind: None,
            module: None,
            category: None,
            status: Status::Active,
            stem: String::new(),
            options: Vec::new(),
            key: None,
            explanation: None,
            knowledge_point: None,
            difficulty: None,
            tags: Vec::new(),
            rubric: Vec::new(),
            points: None,
            names: None,
            problems: Vec::new(),
            lost: Vec::new(),
            pictures: Vec::new(),
        }
    }

    /// A picture of the stem, as `source` names it: kept when it is PNG or JPEG; a picture the
    /// file does not hold (`bytes` is `None`) or of another format is named in the report, and
    /// the question comes without it.
    pub fn picture(&mut self, source: &str, name_hint: Option<&str>, bytes: Option<Vec<u8>>) {
        let message = match bytes {
            None => picture::missing(source),
            Some(bytes) if question_bank::image_type(&bytes).is_some() => {
                if !self.pictures.iter().any(|p| p.bytes == bytes) {
                    self.pictures.push(Picture {
                        source: source.to_string(),
                        name_hint: name_hint.map(str::to_string),
                        bytes,
                    });
                }
                return;
            }
            Some(bytes) => picture::not_png_or_jpeg(source, &bytes),
        };
        if !self.lost.contains(&message) {
            self.lost.push(message);
        }
    }

    pub fn problem(&mut self, field: &'static str, message: impl Into<String>) {
        self.problems.push((field, message.into()));
    }

    /// The source's own name for a field (the header as the workbook writes it).
    pub fn field_name(&self, field: &str) -> String {
        self.names
            .as_ref()
            .and_then(|n| n.iter().find(|(f, _)| *f == field).map(|(_, name)| name.clone()))
            .unwrap_or_else(|| default_field_name(field).to_string())
    }

    fn has_problem(&self, field: &str) -> bool {
        self.problems.iter().any(|(f, _)| *f == field)
    }
}

/// A question the source holds but Kaowu cannot represent at all (a matching question …):
/// counted as read and named in `not_represented`.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub file: String,
    pub place: Place,
    pub item: Option<String>,
    pub message: String,
}

/// What a reader hands over: its drafts, the questions it skipped, and problems of the file.
#[derive(Debug, Default)]
pub struct Reading {
    pub drafts: Vec<Draft>,
    pub skipped: Vec<Skipped>,
    /// Problems of the file itself (cannot be opened, no question found …).
    pub file_problems: Vec<ImportProblem>,
    /// Things not kept that belong to no one question (pictures in a workbook …).
    pub file_lost: Vec<ImportProblem>,
    pub file_warnings: Vec<ImportProblem>,
}

/// Points a Kaowu item of each kind is worth (exam-rules §1).
pub fn kind_points(kind: ItemKind) -> Points {
    match kind {
        ItemKind::Single => Points::whole(1),
        ItemKind::Multi => Points::whole(2),
        ItemKind::Open => Points::whole(question_bank::bank::OPEN_POINTS),
    }
}

/// Letters, digits, `-`, `_`, `.` of the file's stem, for generated ids (`cmq2024-1-0005`);
/// `item` when the stem has none (a Chinese file name).
pub fn id_prefix(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = base.rsplit_once('.').map(|(s, _)| s).unwrap_or(base);
    let mut p: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    p.truncate(40);
    let p = p.trim_matches(['-', '_', '.']).to_string();
    if p.is_empty() { "item".into() } else { p }
}

const BANK_TOML: &str = "id = \"import\"\nname = \"导入\"\n";
const ITEMS_FILE: &str = "items/import.toml";

/// Everything after reading, the same for every format.
pub fn finish(file_name: &str, reading: Reading) -> Import {
    let Reading {
        mut drafts,
        skipped,
        file_problems,
        file_lost,
        file_warnings,
    } = reading;
    let prefix = id_prefix(file_name);
    let mut import = Import {
        read: drafts.len() + skipped.len(),
        problems: file_problems,
        warnings: file_warnings,
        not_represented: file_lost,
        ..Import::default()
    };
    for s in skipped {
        import.not_represented.push(ImportProblem {
            file: s.file,
            place: s.place,
            item: s.item,
            field: None,
            message: s.message,
        });
    }

    // Ids: as given when valid; a title that is no valid id, or no id at all, gets a generated one.
    let mut ids: Vec<String> = Vec::with_capacity(drafts.len());
    for d in &mut drafts {
        let generated = format!("{prefix}-{}", d.auto_id);
        let id = match d.id.clone() {
            Some(given) => match ItemId::parse(&given) {
                Ok(_) => given,
                Err(_) if d.id_is_title => {
                    d.lost
                        .push(format!("标题“{given}”不是有效的题号，已改用题号 {generated}"));
                    generated
                }
                Err(message) => {
                    d.problem("id", message);
                    generated
                }
            },
            None => generated,
        };
        ids.push(id);
    }
    let mut first: HashMap<&str, usize> = HashMap::new();
    let mut duplicate_ids = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some(&j) = first.get(id.as_str()) {
            duplicate_ids.push((i, j));
        } else {
            first.insert(id, i);
        }
    }
    for (i, j) in duplicate_ids {
        let message = format!("题号“{}”重复：{} 已有同一题号", ids[i], place_words(&drafts[j]));
        drafts[i].problem("id", message);
    }

    // Kinds not given are inferred: no options → open; one answer letter → single; more → multi.
    for d in &mut drafts {
        if d.kind.is_none() && !d.has_problem("kind") {
            d.kind = if d.options.is_empty() && d.key.is_none() {
                Some(ItemKind::Open)
            } else {
                match d.key.as_ref().map(|k| k.len()) {
                    Some(1) => Some(ItemKind::Single),
                    Some(_) => Some(ItemKind::Multi),
                    None => {
                        d.problem("key", "缺少正确答案，无法判断是单选题还是多选题");
                        None
                    }
                }
            };
        }
        if d.module.is_none() && !d.has_problem("module") {
            let message = match &d.category {
                Some(c) => format!("所在分类“{c}”没有指明模块（分类名中应含模块编号或名称，如“模块2”或“质量驱动力”）"),
                None => "缺少模块（应为 1–6 或模块名称，如“质量驱动力”）".to_string(),
            };
            d.problem("module", message);
        }
        if let (Some(kind), Some(points)) = (d.kind, d.points)
            && points != kind_points(kind)
        {
            d.lost.push(format!(
                "分值 {points} 分未保留：Kaowu 的{}固定为 {} 分",
                kind.name_zh(),
                kind_points(kind)
            ));
        }
    }

    // Pictures: the name the source gives when it is a valid bank file name not taken by other
    // bytes (an export read back keeps the bank's names), else `<item id>-<n>.<ext>`.
    let mut named: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut image_files: Vec<Vec<String>> = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        let mut files: Vec<String> = Vec::new();
        for (n, p) in d.pictures.iter().enumerate() {
            let fits = |name: &str| named.get(name).is_none_or(|b| *b == p.bytes) && !files.iter().any(|f| f == name);
            let name = match p.name_hint.as_deref().filter(|h| picture::valid_name(h) && fits(h)) {
                Some(hint) => hint.to_string(),
                None => {
                    let ext = question_bank::image_type(&p.bytes).map_or("png", |t| t.1);
                    let stem: String = ids[i].chars().take(100).collect();
                    (n + 1..)
                        .map(|k| format!("{stem}-{k}.{ext}"))
                        .find(|c| fits(c))
                        .expect("some number is free")
                }
            };
            named.entry(name.clone()).or_insert_with(|| p.bytes.clone());
            files.push(name);
        }
        image_files.push(files);
    }

    // The bank loader's own checks, until what is left loads cleanly.
    let mut loader_problems: Vec<Vec<(String, String)>> = vec![Vec::new(); drafts.len()];
    let mut active: Vec<usize> = (0..drafts.len()).filter(|&i| drafts[i].kind.is_some()).collect();
    let mut bank = None;
    // Problems the loader gives no item line for (none are expected; kept so nothing is lost).
    let mut unplaced: Vec<String> = Vec::new();
    for _ in 0..4 {
        if active.is_empty() {
            break;
        }
        let (text, starts) = items_toml(&drafts, &ids, &image_files, &active);
        let files = [
            ("bank.toml".to_string(), BANK_TOML.to_string()),
            (ITEMS_FILE.to_string(), text),
        ];
        let mut images: BTreeMap<&str, &Vec<u8>> = BTreeMap::new();
        for &i in &active {
            for f in &image_files[i] {
                images.insert(f, &named[f]);
            }
        }
        let images = images.into_iter().map(|(f, b)| (f.to_string(), b.clone())).collect();
        match Bank::from_parts(&files, images) {
            Ok(b) if active.iter().all(|&i| drafts[i].problems.is_empty()) => {
                bank = Some(b);
                break;
            }
            Ok(_) => {}
            Err(problems) => {
                for p in problems {
                    // A picture the loader refuses (too big, not really PNG or JPEG) refuses
                    // the questions that show it, each told which of its pictures.
                    if let Some(name) = p.file.strip_prefix("images/") {
                        for &i in &active {
                            if let Some(at) = image_files[i].iter().position(|f| f == name) {
                                let message = format!("图片“{}”：{}", drafts[i].pictures[at].source, p.message);
                                loader_problems[i].push(("images".to_string(), message));
                            }
                        }
                        continue;
                    }
                    let Some(line) = p.line.filter(|_| p.file == ITEMS_FILE) else {
                        if !unplaced.contains(&p.message) {
                            unplaced.push(p.message);
                        }
                        continue;
                    };
                    let at = starts.partition_point(|&s| s <= line).saturating_sub(1);
                    let i = active[at];
                    let field = p.field.unwrap_or_default();
                    let base = field.split(['[', '.']).next().unwrap_or("").to_string();
                    if p.message.starts_with("题号重复") || drafts[i].has_problem(&base) {
                        continue;
                    }
                    if !loader_problems[i].iter().any(|(f, m)| *f == base && *m == p.message) {
                        loader_problems[i].push((base, tidy(&p.message)));
                    }
                }
            }
        }
        active.retain(|&i| drafts[i].problems.is_empty() && loader_problems[i].is_empty());
    }
    if bank.is_none() {
        for &i in &active {
            let message = format!("题库检查未能完成：{}", unplaced.join("；"));
            loader_problems[i].push((String::new(), message));
        }
    }

    if let Some(b) = &mut bank {
        import.images = std::mem::take(&mut b.images);
    }
    let mut by_id: HashMap<String, Item> = bank
        .map(|b| b.items.into_iter().map(|it| (it.id.to_string(), it)).collect())
        .unwrap_or_default();
    let mut stems: HashMap<String, usize> = HashMap::new();
    for (i, d) in drafts.iter().enumerate() {
        let item = Some(ids[i].clone());
        for (field, message) in &d.problems {
            import.problems.push(problem(d, &item, field, message.clone()));
        }
        for (field, message) in &loader_problems[i] {
            import.problems.push(problem(d, &item, field, message.clone()));
        }
        for message in &d.lost {
            import.not_represented.push(ImportProblem {
                file: d.file.clone(),
                place: d.place.clone(),
                item: item.clone(),
                field: None,
                message: message.clone(),
            });
        }
        let stem: String = d.stem.split_whitespace().collect();
        if !stem.is_empty() {
            if let Some(&j) = stems.get(&stem) {
                import.warnings.push(ImportProblem {
                    file: d.file.clone(),
                    place: d.place.clone(),
                    item: item.clone(),
                    field: Some(d.field_name("stem")),
                    message: format!("题干与{}（题目 {}）相同", place_words(&drafts[j]), ids[j]),
                });
            } else {
                stems.insert(stem, i);
            }
        }
        if let Some(it) = by_id.remove(&ids[i]) {
            import.items.push(it);
        }
    }
    import
}

fn problem(d: &Draft, item: &Option<String>, field: &str, message: String) -> ImportProblem {
    ImportProblem {
        file: d.file.clone(),
        place: d.place.clone(),
        item: item.clone(),
        field: (!field.is_empty()).then(|| d.field_name(field)),
        message,
    }
}

/// Where a draft is, in words that fit inside a sentence (“第 5 行”, “第 12 段”).
fn place_words(d: &Draft) -> String {
    match &d.place {
        Place::File => d.file.clone(),
        p => p.to_string(),
    }
}

/// The loader's messages speak of TOML fields; the office never saw those.
fn tidy(message: &str) -> String {
    message
        .replace("（[[item.rubric]]）", "")
        .replace("不应有评分要点 rubric", "不应有评分要点")
        .replace("不应有 options", "不应有选项")
        .replace("不应有 key", "不应有答案")
}

/// The drafts at `active` as one items file, and the line each `[[item]]` starts on.
fn items_toml(drafts: &[Draft], ids: &[String], images: &[Vec<String>], active: &[usize]) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(active.len() * 400);
    let mut starts = Vec::with_capacity(active.len());
    let mut line = 1;
    for &i in active {
        let d = &drafts[i];
        let kind = d.kind.expect("only drafts with a kind are loaded");
        starts.push(line);
        let before = out.len();
        out.push_str("[[item]]\nid = ");
        push_toml_string(&mut out, &ids[i]);
        let module = d.module.map(|m| m.number()).unwrap_or(1);
        let _ = write!(out, "\nmodule = {module}\nkind = \"{}\"\n", kind_word(kind));
        if d.status != Status::Active {
            let _ = writeln!(out, "status = \"{}\"", status_word(d.status));
        }
        out.push_str("stem = ");
        push_toml_string(&mut out, &d.stem);
        out.push('\n');
        if kind != ItemKind::Open || !d.options.is_empty() {
            out.push_str("options = ");
            push_toml_strings(&mut out, &d.options);
            out.push('\n');
        }
        match (&d.key, kind) {
            (Some(key), _) if !(kind == ItemKind::Open && d.has_problem("key")) => {
                out.push_str("key = ");
                push_toml_string(&mut out, key);
                out.push('\n');
            }
            (None, ItemKind::Single | ItemKind::Multi) if d.has_problem("key") => {
                out.push_str("key = \"A\"\n");
            }
            _ => {}
        }
        for (name, value) in [("explanation", &d.explanation), ("knowledge_point", &d.knowledge_point)] {
            if let Some(v) = value.as_ref().filter(|v| !v.trim().is_empty()) {
                let _ = write!(out, "{name} = ");
                push_toml_string(&mut out, v);
                out.push('\n');
            }
        }
        if let Some(n) = d.difficulty {
            let _ = writeln!(out, "difficulty = {n}");
        }
        if !d.tags.is_empty() {
            out.push_str("tags = ");
            push_toml_strings(&mut out, &d.tags);
            out.push('\n');
        }
        if !images[i].is_empty() {
            out.push_str("images = ");
            push_toml_strings(&mut out, &images[i]);
            out.push('\n');
        }
        if kind == ItemKind::Open || !d.rubric.is_empty() {
            for (point, share) in &d.rubric {
                out.push_str("[[item.rubric]]\npoint = ");
                push_toml_string(&mut out, point);
                let _ = writeln!(out, "\nshare = {share}");
            }
        }
        out.push('\n');
        line += out[before..].bytes().filter(|&b| b == b'\n').count();
    }
    (out, starts)
}

pub fn kind_word(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Single => "single",
        ItemKind::Multi => "multi",
        ItemKind::Open => "open",
    }
}

pub fn status_word(status: Status) -> &'static str {
    match status {
        Status::Active => "active",
        Status::Draft => "draft",
        Status::Retired => "retired",
    }
}
