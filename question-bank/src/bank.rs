//! Reading a bank folder (`bank.toml` + `items/*.toml`, see BANK-FORMAT.md) into checked items.
//!
//! The loader never stops at the first mistake: an exam office fixing a bank wants every problem
//! in one run, each naming the file, line, item id and field.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::blueprint::Blueprint;
use crate::item::{ChoiceKind, ContentHash, Item, ItemBody, ItemId, ItemImage, ItemKind, Label, RubricPoint, Status};
use crate::module::Module;
use crate::points::Points;

/// A loaded, fully checked bank. Items are sorted by id, so file layout never affects a paper.
#[derive(Debug, Clone)]
pub struct Bank {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub items: Vec<Item>,
    /// The pictures of the items, by file name in `images/` (only those some item shows).
    pub images: BTreeMap<String, Vec<u8>>,
}

/// One thing wrong with a bank, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Path relative to the bank folder, e.g. `items/m1.toml`.
    pub file: String,
    pub line: Option<usize>,
    pub item: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ":")?;
        if let Some(item) = &self.item {
            write!(f, " 题目 {item}")?;
        }
        if let Some(field) = &self.field {
            write!(f, " 字段 {field}")?;
        }
        if self.item.is_some() || self.field.is_some() {
            write!(f, ":")?;
        }
        write!(f, " {}", self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BankLoadError {
    #[error("无法读取题库 {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("题库有 {} 处问题:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Problems(Vec<Problem>),
}

const BANK_FILE: &str = "bank.toml";
const ITEMS_DIR: &str = "items";
const IMAGES_DIR: &str = "images";
/// The largest picture an item may carry.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
const ITEM_FIELDS: &[&str] = &[
    "id",
    "module",
    "kind",
    "status",
    "stem",
    "options",
    "key",
    "explanation",
    "knowledge_point",
    "difficulty",
    "tags",
    "rubric",
    "images",
];
const MIN_OPTIONS: usize = 4;

impl Bank {
    /// Reads `dir/bank.toml` and every `dir/items/*.toml` (in name order).
    pub fn load(dir: &Path) -> Result<Bank, BankLoadError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| BankLoadError::Io {
                path: path.to_path_buf(),
                source,
            })
        };
        let mut files = vec![(BANK_FILE.to_string(), read(&dir.join(BANK_FILE))?)];
        let items_dir = dir.join(ITEMS_DIR);
        let entries = std::fs::read_dir(&items_dir).map_err(|source| BankLoadError::Io {
            path: items_dir.clone(),
            source,
        })?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| BankLoadError::Io {
                path: items_dir.clone(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".toml") {
                names.push(name);
            }
        }
        names.sort();
        for name in names {
            files.push((format!("{ITEMS_DIR}/{name}"), read(&items_dir.join(&name))?));
        }
        let mut images = Vec::new();
        let images_dir = dir.join(IMAGES_DIR);
        if images_dir.is_dir() {
            let io = |source| BankLoadError::Io {
                path: images_dir.clone(),
                source,
            };
            for entry in std::fs::read_dir(&images_dir).map_err(io)? {
                let entry = entry.map_err(io)?;
                if entry.file_type().map_err(io)?.is_file() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let bytes = std::fs::read(entry.path()).map_err(|source| BankLoadError::Io {
                        path: entry.path(),
                        source,
                    })?;
                    images.push((name, bytes));
                }
            }
        }
        Bank::from_parts(&files, images).map_err(BankLoadError::Problems)
    }

    /// Builds a bank from `(relative path, text)` pairs; the first is `bank.toml`.
    pub fn from_files(files: &[(String, String)]) -> Result<Bank, Vec<Problem>> {
        Bank::from_parts(files, Vec::new())
    }

    /// [`Bank::from_files`] with the pictures of `images/` as `(file name, bytes)`: each must be
    /// a PNG or JPEG of at most [`MAX_IMAGE_BYTES`], and every picture an item names must be
    /// there. Pictures no item names are left out.
    pub fn from_parts(files: &[(String, String)], images: Vec<(String, Vec<u8>)>) -> Result<Bank, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut pictures: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for (name, bytes) in images {
            let file = format!("{IMAGES_DIR}/{name}");
            let message = if !valid_image_name(&name) {
                Some("图片文件名只能由字母、数字和 - _ . 组成，扩展名为 .png、.jpg 或 .jpeg".to_string())
            } else if crate::item::image_type(&bytes).is_none() {
                Some("不是 PNG 或 JPEG 图片".to_string())
            } else if bytes.len() > MAX_IMAGE_BYTES {
                Some(format!(
                    "图片过大（{} KB，最多 {} KB）",
                    bytes.len() / 1024,
                    MAX_IMAGE_BYTES / 1024
                ))
            } else {
                None
            };
            match message {
                Some(message) => problems.push(Problem {
                    file,
                    line: None,
                    item: None,
                    field: None,
                    message,
                }),
                None => {
                    pictures.insert(name, bytes);
                }
            }
        }
        let (meta_name, meta_text) = files
            .first()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .unwrap_or((BANK_FILE, ""));
        let meta = read_meta(meta_name, meta_text, &mut problems);
        let mut items: Vec<(Item, String, usize)> = Vec::new();
        for (name, text) in &files[1.min(files.len())..] {
            read_items(name, text, &mut items, &mut problems);
        }
        if items.is_empty() && problems.is_empty() {
            problems.push(Problem {
                file: ITEMS_DIR.into(),
                line: None,
                item: None,
                field: None,
                message: "题库中没有任何题目".into(),
            });
        }
        for (item, file, line) in &mut items {
            for image in &mut item.images {
                match pictures.get(&image.file) {
                    Some(bytes) => image.sha256 = hex::encode(Sha256::digest(bytes)),
                    None if problems
                        .iter()
                        .any(|p| p.file == format!("{IMAGES_DIR}/{}", image.file)) => {}
                    None => problems.push(Problem {
                        file: file.clone(),
                        line: Some(*line),
                        item: Some(item.id.to_string()),
                        field: Some("images".into()),
                        message: format!("图片“{}”不在题库的 images 文件夹中", image.file),
                    }),
                }
            }
        }
        let mut first_seen: HashMap<ItemId, (String, usize)> = HashMap::new();
        for (item, file, line) in &items {
            if let Some((f0, l0)) = first_seen.get(&item.id) {
                problems.push(Problem {
                    file: file.clone(),
                    line: Some(*line),
                    item: Some(item.id.to_string()),
                    field: Some("id".into()),
                    message: format!("题号重复：{f0}:{l0} 已有同一题号"),
                });
            } else {
                first_seen.insert(item.id.clone(), (file.clone(), *line));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let (id, name, description) = meta.expect("no problems means the metadata was read");
        let mut items: Vec<Item> = items.into_iter().map(|(item, _, _)| item).collect();
        items.sort_by(|a, b| a.id.cmp(&b.id));
        let shown: std::collections::BTreeSet<&str> = items
            .iter()
            .flat_map(|i| i.images.iter().map(|p| p.file.as_str()))
            .collect();
        pictures.retain(|name, _| shown.contains(name.as_str()));
        Ok(Bank {
            id,
            name,
            description,
            items,
            images: pictures,
        })
    }

    pub fn active(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.is_active())
    }

    pub fn get(&self, id: &ItemId) -> Option<&Item> {
        self.items
            .binary_search_by(|i| i.id.cmp(id))
            .ok()
            .map(|i| &self.items[i])
    }

    /// A hash over every item's id, status and content hash (in id order): the same hash means
    /// the same draw for the same seed, so a paper can be regenerated and verified.
    pub fn content_hash(&self) -> String {
        BankHashes::of(self).bank
    }

    /// Active items per module × kind, against what one paper of `blueprint` needs.
    pub fn coverage(&self, blueprint: &Blueprint) -> Coverage {
        let mut have: BTreeMap<(Module, ItemKind), u32> = BTreeMap::new();
        for item in self.active() {
            *have.entry((item.module, item.kind())).or_default() += 1;
        }
        let rows = Module::all()
            .map(|m| CoverageRow {
                module: m,
                single: (
                    have.get(&(m, ItemKind::Single)).copied().unwrap_or(0),
                    blueprint.needed(m, ChoiceKind::Single),
                ),
                multi: (
                    have.get(&(m, ItemKind::Multi)).copied().unwrap_or(0),
                    blueprint.needed(m, ChoiceKind::Multi),
                ),
                open: have.get(&(m, ItemKind::Open)).copied().unwrap_or(0),
            })
            .collect();
        Coverage {
            rows,
            open_needed: blueprint.open.offered,
        }
    }
}

/// The `bank check` table: per module, (active, needed) for each kind.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub rows: Vec<CoverageRow>,
    pub open_needed: u32,
}

#[derive(Debug, Clone)]
pub struct CoverageRow {
    pub module: Module,
    pub single: (u32, u32),
    pub multi: (u32, u32),
    pub open: u32,
}

impl Coverage {
    pub fn open_total(&self) -> u32 {
        self.rows.iter().map(|r| r.open).sum()
    }

    /// Whether one paper can be drawn.
    pub fn sufficient(&self) -> bool {
        self.rows
            .iter()
            .all(|r| r.single.0 >= r.single.1 && r.multi.0 >= r.multi.1)
            && self.open_total() >= self.open_needed
    }
}

/// A string read from a bank file and where it stands.
type SpannedText = (String, Range<usize>);

/// Byte offsets → 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        )
    }

    fn line(&self, span: &Range<usize>) -> usize {
        self.0.partition_point(|&start| start <= span.start)
    }
}

/// Reads fields from one TOML table, recording a problem for each mistake instead of stopping.
struct Fields<'a, 't, 'i> {
    file: &'a str,
    lines: &'a Lines,
    table: &'t DeTable<'i>,
    table_span: Range<usize>,
    item: Option<String>,
    problems: &'a mut Vec<Problem>,
}

impl<'a, 't, 'i> Fields<'a, 't, 'i> {
    fn problem(&mut self, span: &Range<usize>, field: Option<&str>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            line: Some(self.lines.line(span)),
            item: self.item.clone(),
            field: field.map(str::to_string),
            message: message.into(),
        });
    }

    fn get(&self, name: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == name)
            .map(|(_, v)| v)
    }

    fn unknown_fields(&mut self, known: &[&str]) {
        let unknown: Vec<(String, Range<usize>)> = self
            .table
            .iter()
            .filter(|(k, _)| !known.contains(&k.get_ref().as_ref()))
            .map(|(k, _)| (k.get_ref().to_string(), k.span()))
            .collect();
        for (name, span) in unknown {
            self.problem(
                &span,
                Some(&name),
                format!("未知字段“{name}”（可用字段：{}）", known.join("、")),
            );
        }
    }

    fn missing(&mut self, name: &str) {
        let span = self.table_span.clone();
        self.problem(&span, Some(name), "缺少必填字段");
    }

    fn string(&mut self, name: &str, required: bool) -> Option<(String, Range<usize>)> {
        match self.get(name) {
            None => {
                if required {
                    self.missing(name);
                }
                None
            }
            Some(v) => match v.get_ref().as_str() {
                Some(s) => Some((s.to_string(), v.span())),
                None => {
                    self.problem(
                        &v.span(),
                        Some(name),
                        format!("应为字符串，实为 {}", v.get_ref().type_str()),
                    );
                    None
                }
            },
        }
    }

    /// A string that must not be blank.
    fn text(&mut self, name: &str, required: bool) -> Option<String> {
        let (s, span) = self.string(name, required)?;
        if s.trim().is_empty() {
            self.problem(&span, Some(name), "不能为空");
            return None;
        }
        Some(s)
    }

    fn integer(&mut self, name: &str, required: bool) -> Option<(i64, Range<usize>)> {
        let v = match self.get(name) {
            None => {
                if required {
                    self.missing(name);
                }
                return None;
            }
            Some(v) => v,
        };
        match v
            .get_ref()
            .as_integer()
            .and_then(|i| i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok())
        {
            Some(n) => Some((n, v.span())),
            None => {
                self.problem(
                    &v.span(),
                    Some(name),
                    format!("应为整数，实为 {}", v.get_ref().type_str()),
                );
                None
            }
        }
    }

    fn array(&mut self, name: &str) -> Option<(&'t [Spanned<DeValue<'i>>], Range<usize>)> {
        let v = self.get(name)?;
        match v.get_ref().as_array() {
            Some(a) => Some((&a[..], v.span())),
            None => {
                self.problem(
                    &v.span(),
                    Some(name),
                    format!("应为数组，实为 {}", v.get_ref().type_str()),
                );
                None
            }
        }
    }

    /// The strings of an array field, each with its span, and the array's span.
    fn string_list(&mut self, name: &str) -> Option<(Vec<SpannedText>, Range<usize>)> {
        let (values, span) = self.array(name)?;
        let mut out = Vec::new();
        for v in values {
            match v.get_ref().as_str() {
                Some(s) => out.push((s.to_string(), v.span())),
                None => self.problem(
                    &v.span(),
                    Some(name),
                    format!("数组元素应为字符串，实为 {}", v.get_ref().type_str()),
                ),
            }
        }
        Some((out, span))
    }
}

fn syntax_problem(file: &str, text: &str, err: &toml::de::Error) -> Problem {
    Problem {
        file: file.to_string(),
        line: err.span().map(|s| Lines::new(text).line(&s)),
        item: None,
        field: None,
        message: format!("TOML 语法错误：{}", err.message()),
    }
}

fn read_meta(file: &str, text: &str, problems: &mut Vec<Problem>) -> Option<(String, String, Option<String>)> {
    let table = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            problems.push(syntax_problem(file, text, &e));
            return None;
        }
    };
    let lines = Lines::new(text);
    let mut f = Fields {
        file,
        lines: &lines,
        table: table.get_ref(),
        table_span: 0..0,
        item: None,
        problems,
    };
    f.unknown_fields(&["id", "name", "description"]);
    let id = f.text("id", true);
    if let Some(id) = &id
        && let Err(message) = ItemId::parse(id)
    {
        let span = f.get("id").map(|v| v.span()).unwrap_or(0..0);
        f.problem(&span, Some("id"), message.replace("题号", "题库编号"));
    }
    let name = f.text("name", true);
    let description = f.text("description", false);
    Some((id?, name?, description))
}

fn read_items(file: &str, text: &str, out: &mut Vec<(Item, String, usize)>, problems: &mut Vec<Problem>) {
    let table = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            problems.push(syntax_problem(file, text, &e));
            return;
        }
    };
    let lines = Lines::new(text);
    let mut top = Fields {
        file,
        lines: &lines,
        table: table.get_ref(),
        table_span: 0..0,
        item: None,
        problems,
    };
    top.unknown_fields(&["item"]);
    let Some((entries, _)) = top.array("item") else {
        if top.get("item").is_none() {
            problems.push(Problem {
                file: file.into(),
                line: None,
                item: None,
                field: None,
                message: "文件中没有 [[item]] 题目".into(),
            });
        }
        return;
    };
    for entry in entries {
        let Some(t) = entry.get_ref().as_table() else {
            let line = lines.line(&entry.span());
            problems.push(Problem {
                file: file.into(),
                line: Some(line),
                item: None,
                field: Some("item".into()),
                message: "应为 [[item]] 表".into(),
            });
            continue;
        };
        let mut f = Fields {
            file,
            lines: &lines,
            table: t,
            table_span: entry.span(),
            item: None,
            problems,
        };
        if let Some(item) = read_item(&mut f) {
            out.push((item, file.to_string(), lines.line(&entry.span())));
        }
    }
}

fn read_item(f: &mut Fields<'_, '_, '_>) -> Option<Item> {
    let raw_id = f.string("id", false).map(|(s, _)| s);
    f.item = raw_id.clone();
    let id = match raw_id {
        None => {
            // A present id of the wrong type was already reported by `string`.
            if f.get("id").is_none() {
                f.missing("id");
            }
            None
        }
        Some(s) => match ItemId::parse(&s) {
            Ok(id) => Some(id),
            Err(message) => {
                let span = f.get("id").map(|v| v.span()).unwrap_or(0..0);
                f.problem(&span, Some("id"), message);
                None
            }
        },
    };
    f.unknown_fields(ITEM_FIELDS);

    let module = f.integer("module", true).and_then(|(n, span)| {
        let m = Module::new(n);
        if m.is_none() {
            f.problem(&span, Some("module"), format!("模块编号 {n} 不在 1–6 之内"));
        }
        m
    });
    let kind = f.string("kind", true).and_then(|(s, span)| {
        let k = ItemKind::parse(&s);
        if k.is_none() {
            f.problem(
                &span,
                Some("kind"),
                format!("题型“{s}”无效，应为 single、multi 或 open"),
            );
        }
        k
    });
    let status = match f.string("status", false) {
        None => Some(Status::Active),
        Some((s, span)) => {
            let st = Status::parse(&s);
            if st.is_none() {
                f.problem(
                    &span,
                    Some("status"),
                    format!("状态“{s}”无效，应为 active、draft 或 retired"),
                );
            }
            st
        }
    };
    let stem = f.text("stem", true);
    let explanation = f.text("explanation", false);
    let knowledge_point = f.text("knowledge_point", false);
    let difficulty = f.integer("difficulty", false).and_then(|(n, span)| {
        if (1..=5).contains(&n) {
            Some(Some(n as u8))
        } else {
            f.problem(&span, Some("difficulty"), format!("难度 {n} 不在 1–5 之内"));
            None
        }
    });
    let difficulty = match f.get("difficulty") {
        None => Some(None),
        Some(_) => difficulty,
    };
    let tags = match f.string_list("tags") {
        None => Some(Vec::new()),
        Some((tags, _)) => Some(tags.into_iter().map(|(t, _)| t).collect()),
    };
    let mut images = Vec::new();
    if let Some((names, _)) = f.string_list("images") {
        for (name, span) in names {
            if !valid_image_name(&name) {
                f.problem(
                    &span,
                    Some("images"),
                    format!("图片“{name}”无效：应为 images 文件夹中的 .png、.jpg 或 .jpeg 文件名"),
                );
            } else if images.iter().any(|i: &ItemImage| i.file == name) {
                f.problem(&span, Some("images"), format!("图片“{name}”重复"));
            } else {
                images.push(ItemImage {
                    file: name,
                    sha256: String::new(),
                });
            }
        }
    }

    let body = match kind? {
        ItemKind::Single => read_choice(f, ChoiceKind::Single),
        ItemKind::Multi => read_choice(f, ChoiceKind::Multi),
        ItemKind::Open => read_open(f),
    };
    Some(Item {
        id: id?,
        module: module?,
        status: status?,
        stem: stem?,
        body: body?,
        explanation,
        knowledge_point,
        difficulty: difficulty?,
        tags: tags?,
        images,
    })
}

/// A picture's file name: letters, digits, `-`, `_`, `.`, ending in .png, .jpg or .jpeg.
fn valid_image_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.len() <= 128
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && [".png", ".jpg", ".jpeg"].iter().any(|e| lower.ends_with(e))
}

fn read_choice(f: &mut Fields<'_, '_, '_>, choice: ChoiceKind) -> Option<ItemBody> {
    if let Some(v) = f.get("rubric") {
        f.problem(
            &v.span(),
            Some("rubric"),
            format!("{}不应有评分要点 rubric", choice.name_zh()),
        );
    }
    let options = match f.string_list("options") {
        None => {
            if f.get("options").is_none() {
                f.missing("options");
            }
            None
        }
        Some((opts, span)) => {
            let mut ok = true;
            if opts.len() < MIN_OPTIONS {
                f.problem(
                    &span,
                    Some("options"),
                    format!("只有 {} 个选项，至少需要 {MIN_OPTIONS} 个", opts.len()),
                );
                ok = false;
            }
            if opts.len() > Label::MAX_OPTIONS {
                f.problem(
                    &span,
                    Some("options"),
                    format!("选项多达 {} 个，最多 {} 个", opts.len(), Label::MAX_OPTIONS),
                );
                ok = false;
            }
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (i, (text, span)) in opts.iter().enumerate().take(Label::MAX_OPTIONS) {
                let label = Label::from_index(i);
                let normalised: String = text.split_whitespace().collect();
                if normalised.is_empty() {
                    f.problem(span, Some("options"), format!("选项 {label} 为空"));
                    ok = false;
                } else if let Some(&j) = seen.get(&normalised) {
                    f.problem(
                        span,
                        Some("options"),
                        format!("选项 {label} 与选项 {} 文字相同", Label::from_index(j)),
                    );
                    ok = false;
                } else {
                    seen.insert(normalised, i);
                }
            }
            ok.then(|| opts.into_iter().map(|(t, _)| t).collect::<Vec<_>>())
        }
    };
    let key = read_key(f);
    let (options, key) = (options?, key?);
    let key_span = f.get("key").map(|v| v.span()).unwrap_or(0..0);
    let mut ok = true;
    for label in &key {
        if label.index() >= options.len() {
            let last = Label::from_index(options.len() - 1);
            f.problem(
                &key_span,
                Some("key"),
                format!("答案 {label} 不是该题的选项（选项为 A–{last}）"),
            );
            ok = false;
        }
    }
    match choice {
        ChoiceKind::Single if key.len() != 1 => {
            f.problem(
                &key_span,
                Some("key"),
                format!("单选题的答案必须恰好是一个选项，现为 {} 个", key.len()),
            );
            ok = false;
        }
        ChoiceKind::Multi if key.len() < 2 => {
            f.problem(
                &key_span,
                Some("key"),
                format!("多选题至少要有 2 个正确选项，现为 {} 个", key.len()),
            );
            ok = false;
        }
        ChoiceKind::Multi if key.len() == options.len() => {
            f.problem(&key_span, Some("key"), "多选题的所有选项都是答案，题目没有区分度");
            ok = false;
        }
        _ => {}
    }
    ok.then_some(ItemBody::Choice { choice, options, key })
}

/// `key = "ACD"` or `key = ["A", "C", "D"]`.
fn read_key(f: &mut Fields<'_, '_, '_>) -> Option<Vec<Label>> {
    let Some(v) = f.get("key") else {
        f.missing("key");
        return None;
    };
    let span = v.span();
    let letters: Vec<String> = match v.get_ref() {
        DeValue::String(s) => s
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ',')
            .map(String::from)
            .collect(),
        DeValue::Array(a) => match a
            .iter()
            .map(|x| x.get_ref().as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
        {
            Some(l) => l,
            None => {
                f.problem(&span, Some("key"), "答案数组的元素应为选项字母字符串");
                return None;
            }
        },
        other => {
            f.problem(
                &span,
                Some("key"),
                format!("答案应为字符串（如 \"B\" 或 \"ACD\"），实为 {}", other.type_str()),
            );
            return None;
        }
    };
    let mut key = Vec::new();
    let mut ok = true;
    for l in letters {
        match Label::try_from(l.clone()) {
            Ok(label) if key.contains(&label) => {
                f.problem(&span, Some("key"), format!("答案中 {label} 重复出现"));
                ok = false;
            }
            Ok(label) => key.push(label),
            Err(_) => {
                f.problem(
                    &span,
                    Some("key"),
                    format!("答案“{l}”不是选项字母（应为大写 A、B、C…）"),
                );
                ok = false;
            }
        }
    }
    key.sort();
    ok.then_some(key)
}

fn read_open(f: &mut Fields<'_, '_, '_>) -> Option<ItemBody> {
    for field in ["options", "key"] {
        if let Some(v) = f.get(field) {
            f.problem(&v.span(), Some(field), format!("开放题不应有 {field}"));
        }
    }
    let Some((entries, span)) = f.array("rubric") else {
        if f.get("rubric").is_none() {
            f.missing("rubric");
            f.problems.last_mut().expect("just pushed").message = "开放题缺少评分要点（[[item.rubric]]）".into();
        }
        return None;
    };
    if entries.is_empty() {
        f.problem(&span, Some("rubric"), "开放题的评分要点为空");
        return None;
    }
    let mut rubric = Vec::new();
    let mut ok = true;
    for (i, entry) in entries.iter().enumerate() {
        let field = format!("rubric[{}]", i + 1);
        let Some(t) = entry.get_ref().as_table() else {
            f.problem(&entry.span(), Some(&field), "评分要点应为表（point 与 share）");
            ok = false;
            continue;
        };
        let mut sub = Fields {
            file: f.file,
            lines: f.lines,
            table: t,
            table_span: entry.span(),
            item: f.item.clone(),
            problems: f.problems,
        };
        let unknown: Vec<(String, Range<usize>)> = t
            .iter()
            .filter(|(k, _)| !["point", "share"].contains(&k.get_ref().as_ref()))
            .map(|(k, _)| (k.get_ref().to_string(), k.span()))
            .collect();
        for (name, span) in unknown {
            sub.problem(
                &span,
                Some(&format!("{field}.{name}")),
                format!("未知字段“{name}”（可用字段：point、share）"),
            );
            ok = false;
        }
        let point = sub.text("point", true);
        let share = match sub.get("share") {
            None => {
                sub.missing("share");
                None
            }
            Some(v) => {
                let text = match v.get_ref() {
                    DeValue::Integer(i) => Some(i.as_str().to_string()),
                    DeValue::Float(x) => Some(x.as_str().to_string()),
                    _ => None,
                };
                match text.map(|t| t.parse::<Points>()) {
                    Some(Ok(p)) if p > Points::ZERO => Some(p),
                    Some(Ok(p)) => {
                        sub.problem(
                            &v.span(),
                            Some(&format!("{field}.share")),
                            format!("分值 {p} 必须大于 0"),
                        );
                        None
                    }
                    Some(Err(e)) => {
                        sub.problem(&v.span(), Some(&format!("{field}.share")), e.to_string());
                        None
                    }
                    None => {
                        sub.problem(
                            &v.span(),
                            Some(&format!("{field}.share")),
                            format!("分值应为数字，实为 {}", v.get_ref().type_str()),
                        );
                        None
                    }
                }
            }
        };
        match (point, share) {
            (Some(point), Some(share)) => rubric.push(RubricPoint { point, share }),
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let total: Points = rubric.iter().map(|r| r.share).sum();
    if total != Points::whole(OPEN_POINTS) {
        f.problem(
            &span,
            Some("rubric"),
            format!("评分要点分值合计 {total} 分，应为 {OPEN_POINTS} 分"),
        );
        return None;
    }
    Some(ItemBody::Open { rubric })
}

/// An open question is worth 20 points (exam-rules §1); its rubric shares must add up to that.
pub const OPEN_POINTS: i64 = 20;

/// A bank's content hash and each of its items', worked out once. A published event's items
/// never change, so the engine keeps these beside them: drawing a candidate's own paper then
/// hashes nothing (hashing serialises every item of the bank).
#[derive(Debug, Clone)]
pub struct BankHashes {
    /// [`Bank::content_hash`].
    pub bank: String,
    items: HashMap<ItemId, ContentHash>,
}

impl BankHashes {
    pub fn of(bank: &Bank) -> BankHashes {
        let items: HashMap<ItemId, ContentHash> = bank.items.iter().map(|i| (i.id.clone(), i.content_hash())).collect();
        let mut h = Sha256::new();
        for item in &bank.items {
            let status = match item.status {
                Status::Active => "active",
                Status::Draft => "draft",
                Status::Retired => "retired",
            };
            h.update(format!("{}\t{}\t{}\n", item.id, status, items[&item.id]).as_bytes());
        }
        BankHashes {
            bank: hex::encode(h.finalize()),
            items,
        }
    }

    /// The content hash of `item`, one of the bank's (worked out now for any other).
    pub fn item(&self, item: &Item) -> ContentHash {
        match self.items.get(&item.id) {
            Some(h) => h.clone(),
            None => item.content_hash(),
        }
    }
}
