//! Excel workbooks (.xlsx) in the wide layout Chinese exam offices use: one row per question,
//! 题型 / 题干 / 选项A … / 正确答案 / 解析 / 难度 / 分值 / 知识点 / 模块 / 评分要点, headers matched
//! leniently. Read with calamine, written with rust_xlsxwriter; the template is the export's
//! layout with an example row per kind and a sheet explaining each column.
//!
//! A picture placed on a question's row is the question's, left to right by column: a drawing
//! anchored at that row (`xdr:from/xdr:row`), or a picture WPS Office put inside a cell. calamine
//! does not read drawings, so they are found through the package's relationships: workbook.xml's
//! sheet → its drawing → the picture's file in `xl/media/`. A WPS in-cell picture is a cell whose
//! formula (or cached value) is `=DISPIMG("ID_…",1)`; the picture is the `etc:cellImage` of
//! `xl/cellimages.xml` whose `xdr:cNvPr` is named by that ID, its blip pointing through
//! `xl/_rels/cellimages.xml.rels` at the file. Such a cell's text is not read as a value; an ID
//! the workbook does not hold is named at its row and cell. The export puts each picture in the
//! 图片 column of its question's row, its file name as the picture's alternative text (which the
//! reader takes as the name).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read as _};
use std::rc::Rc;

use calamine::{Data, Reader, Xlsx};
use question_bank::{Bank, ItemBody, ItemKind, Status};
use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Image, Workbook, Worksheet, XlsxError};

use crate::draft::{Draft, FieldNames, Reading, Skipped};
use crate::report::{ImportProblem, Place};
use crate::text::{
    KindText, find_module, fold_width, kind_in_heading, parse_difficulty, parse_key, parse_kind, parse_module,
    parse_points, parse_rubric, parse_status, parse_tags, rubric_text, status_zh,
};
use crate::xml::{self, Element};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    Kind,
    Stem,
    Option(usize),
    Key,
    Explanation,
    Difficulty,
    Points,
    KnowledgePoint,
    Module,
    Rubric,
    Tags,
    Status,
    /// Where the export places pictures; a picture is read from the row it is on, whatever column.
    Images,
}

impl Col {
    fn field(self) -> &'static str {
        match self {
            Col::Id => "id",
            Col::Kind => "kind",
            Col::Stem => "stem",
            Col::Option(_) => "options",
            Col::Key => "key",
            Col::Explanation => "explanation",
            Col::Difficulty => "difficulty",
            Col::Points => "points",
            Col::KnowledgePoint => "knowledge_point",
            Col::Module => "module",
            Col::Rubric => "rubric",
            Col::Tags => "tags",
            Col::Status => "status",
            Col::Images => "images",
        }
    }
}

/// A header as written → what it holds. Width, spaces, `*` and （必填） do not matter.
fn header_column(text: &str) -> Option<Col> {
    let mut t: String = fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .collect::<String>()
        .to_lowercase();
    for suffix in ["(必填)", "(选填)", "(可选)"] {
        if let Some(s) = t.strip_suffix(suffix) {
            t = s.to_string();
        }
    }
    let col = match t.as_str() {
        "题号" | "编号" | "试题编号" | "题目编号" | "试题id" | "题目id" | "id" => Col::Id,
        "题型" | "类型" | "试题类型" | "题目类型" | "题类" => Col::Kind,
        "题干" | "题目" | "试题内容" | "题目内容" | "试题" | "问题" | "题干内容" | "题目描述" | "stem" => {
            Col::Stem
        }
        "正确答案" | "答案" | "标准答案" | "正确选项" | "参考答案" | "key" => Col::Key,
        "解析" | "答案解析" | "试题解析" | "题目解析" | "解释" | "explanation" => Col::Explanation,
        "难度" | "难度系数" | "难易程度" | "难易度" | "difficulty" => Col::Difficulty,
        "分值" | "分数" | "题目分值" | "试题分值" | "points" => Col::Points,
        "知识点" | "考点" | "knowledge_point" => Col::KnowledgePoint,
        "模块" | "知识模块" | "所属模块" | "大纲模块" | "module" => Col::Module,
        "评分要点" | "评分标准" | "评分细则" | "采分点" | "rubric" => Col::Rubric,
        "标签" | "关键词" | "tags" => Col::Tags,
        "状态" | "status" => Col::Status,
        "图片" | "插图" | "配图" | "附图" | "images" => Col::Images,
        _ => return option_column(&t).map(Col::Option),
    };
    Some(col)
}

/// 选项A / A选项 / 选项a / A / 选项1 → the option's index.
fn option_column(t: &str) -> Option<usize> {
    let letter = |s: &str| {
        let mut cs = s.chars();
        match (cs.next(), cs.next()) {
            (Some(c @ 'a'..='z'), None) => Some(c as usize - 'a' as usize),
            _ => None,
        }
    };
    match t
        .strip_prefix("选项")
        .or_else(|| t.strip_suffix("选项"))
        .or_else(|| t.strip_prefix("option"))
    {
        Some(rest) => letter(rest).or_else(|| {
            rest.parse::<usize>()
                .ok()
                .filter(|n| (1..=26).contains(n))
                .map(|n| n - 1)
        }),
        None => letter(t),
    }
}

/// A cell's text as the office sees it: whole numbers without `.0`.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        other => other.to_string(),
    }
}

/// Sheets that explain rather than hold questions (the template's own).
fn is_notes_sheet(name: &str) -> bool {
    ["填写说明", "说明", "使用说明", "填表说明"].contains(&name.trim())
}

pub fn read(file_name: &str, bytes: &[u8]) -> Reading {
    let mut reading = Reading::default();
    let file_problem = |message: String| ImportProblem::of_file(file_name, message);
    let mut book = match Xlsx::new(Cursor::new(bytes)) {
        Ok(b) => b,
        Err(e) => {
            reading.file_problems.push(file_problem(format!(
                "无法作为 Excel 工作簿（.xlsx）读取：{e}。旧的 .xls 文件请先在 Excel 中另存为 .xlsx"
            )));
            return reading;
        }
    };
    // Formulas are read (a second pass over a sheet) only where WPS in-cell pictures may be.
    let has_cell_images = zip::ZipArchive::new(Cursor::new(bytes))
        .map(|z| crate::zip_names(&z).iter().any(|n| is_cell_images_part(n)))
        .unwrap_or(false);
    let mut in_cells: Vec<CellPicture> = Vec::new();
    for (sheet_no, sheet) in book.sheet_names().into_iter().enumerate() {
        if is_notes_sheet(&sheet) {
            continue;
        }
        let range = match book.worksheet_range(&sheet) {
            Ok(r) => r,
            Err(e) => {
                reading
                    .file_problems
                    .push(file_problem(format!("无法读取工作表“{sheet}”：{e}")));
                continue;
            }
        };
        let Some((top, left)) = range.start() else {
            continue;
        };
        let mut grid: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(cell_text).collect()).collect();
        if has_cell_images || grid.iter().flatten().any(|c| dispimg_id(c).is_some()) {
            let formulas = book.worksheet_formula(&sheet).unwrap_or_default();
            find_cell_pictures(&sheet, (top, left), &formulas, &mut grid, &mut in_cells);
        }
        // A merged cell holds its value only in its top-left cell; every cell it covers means it.
        if let Ok(merges) = book.merge_cells_by_sheet_name(&sheet) {
            for m in merges {
                let (r0, c0) = (m.start.0 as i64 - top as i64, m.start.1 as i64 - left as i64);
                let value = usize::try_from(r0)
                    .ok()
                    .zip(usize::try_from(c0).ok())
                    .and_then(|(r, c)| grid.get(r).and_then(|row| row.get(c)))
                    .cloned()
                    .unwrap_or_default();
                for r in m.start.0..=m.end.0 {
                    for c in m.start.1..=m.end.1 {
                        let (Some(r), Some(c)) = (r.checked_sub(top), c.checked_sub(left)) else {
                            continue;
                        };
                        if let Some(cell) = grid.get_mut(r as usize).and_then(|row| row.get_mut(c as usize)) {
                            *cell = value.clone();
                        }
                    }
                }
            }
        }
        read_sheet(file_name, &sheet, sheet_no + 1, top + 1, &grid, &mut reading);
    }
    attach_pictures(file_name, bytes, in_cells, &mut reading);
    if reading.drafts.is_empty() && reading.skipped.is_empty() && reading.file_problems.is_empty() {
        reading.file_problems.push(file_problem(
            "没有找到任何题目：需要一行表头（含“题干”列，以及“题型”“选项A”“正确答案”之一），其下每行一题".into(),
        ));
    }
    reading
}

fn read_sheet(file: &str, sheet: &str, sheet_no: usize, first_row: u32, grid: &[Vec<String>], reading: &mut Reading) {
    let row_no = |i: usize| first_row + i as u32;
    let header = grid.iter().take(20).position(|row| {
        let cols: Vec<Col> = row.iter().filter_map(|c| header_column(c)).collect();
        cols.contains(&Col::Stem)
            && cols
                .iter()
                .any(|c| matches!(c, Col::Kind | Col::Option(_) | Col::Key | Col::Rubric))
    });
    let Some(h) = header else {
        if grid.iter().flatten().any(|c| !c.trim().is_empty()) {
            reading.file_warnings.push(ImportProblem {
                file: file.to_string(),
                place: Place::Row {
                    sheet: sheet.to_string(),
                    row: first_row,
                },
                item: None,
                field: None,
                message: "没有找到表头行（需要“题干”列，以及“题型”“选项A”“正确答案”之一），本工作表未读取".into(),
            });
        }
        return;
    };
    let columns: Vec<Option<Col>> = grid[h].iter().map(|c| header_column(c)).collect();
    let mut names: Vec<(&'static str, String)> = Vec::new();
    for (i, col) in columns.iter().enumerate() {
        match col {
            Some(Col::Option(_)) => {}
            Some(col) if !names.iter().any(|(f, _)| *f == col.field()) => {
                names.push((col.field(), grid[h][i].trim().to_string()));
            }
            Some(_) => {}
            None => {
                let title = grid[h][i].trim();
                let used = grid[h + 1..]
                    .iter()
                    .any(|r| r.get(i).is_some_and(|c| !c.trim().is_empty()));
                if used {
                    let message = if title.is_empty() {
                        format!("第 {} 列没有表头，其内容未导入", column_letter(i))
                    } else {
                        format!("“{title}”列无法识别，其内容未导入")
                    };
                    reading.file_lost.push(ImportProblem {
                        file: file.to_string(),
                        place: Place::Row {
                            sheet: sheet.to_string(),
                            row: row_no(h),
                        },
                        item: None,
                        field: None,
                        message,
                    });
                }
            }
        }
    }
    let names: FieldNames = Rc::new(names);
    let sheet_kind = kind_in_heading(sheet);
    let sheet_module = find_module(sheet);
    let max_option = columns
        .iter()
        .filter_map(|c| match c {
            Some(Col::Option(i)) => Some(*i),
            _ => None,
        })
        .max();

    for (i, row) in grid.iter().enumerate().skip(h + 1) {
        let cell = |want: Col| -> &str {
            columns
                .iter()
                .position(|c| *c == Some(want))
                .and_then(|j| row.get(j))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        // An empty row (or one with only its number filled in, as pre-numbered templates have) is skipped.
        let filled = columns
            .iter()
            .zip(row)
            .any(|(c, v)| !matches!(c, Some(Col::Id | Col::Images)) && c.is_some() && !v.trim().is_empty());
        if !filled {
            continue;
        }
        let place = Place::Row {
            sheet: sheet.to_string(),
            row: row_no(i),
        };
        let mut d = Draft::new(file, place.clone(), format!("{sheet_no}-{:04}", row_no(i)));
        d.names = Some(names.clone());
        d.id = Some(cell(Col::Id).to_string()).filter(|s| !s.is_empty());
        let kind_text = cell(Col::Kind);
        if kind_text.is_empty() {
            d.kind = sheet_kind;
        } else {
            match parse_kind(kind_text) {
                KindText::Kind(k) => d.kind = Some(k),
                KindText::Unsupported(name) => {
                    reading.skipped.push(Skipped {
                        file: file.to_string(),
                        place,
                        item: d.id.clone(),
                        message: format!("{name}：Kaowu 只有单选题、多选题和开放题，本题未导入"),
                    });
                    continue;
                }
                KindText::Unknown => d.problem(
                    "kind",
                    format!("题型“{kind_text}”无法识别：应为 单选题、多选题 或 开放题"),
                ),
            }
        }
        let module_text = cell(Col::Module);
        if module_text.is_empty() {
            d.module = sheet_module;
        } else {
            match parse_module(module_text) {
                Ok(m) => d.module = Some(m),
                Err(e) => d.problem("module", e),
            }
        }
        d.stem = cell(Col::Stem).to_string();
        if let Some(max) = max_option {
            let mut options = vec![String::new(); max + 1];
            for (j, col) in columns.iter().enumerate() {
                if let Some(Col::Option(k)) = col {
                    options[*k] = strip_own_label(row.get(j).map(|s| s.trim()).unwrap_or(""), *k);
                }
            }
            while options.last().is_some_and(|o| o.is_empty()) {
                options.pop();
            }
            d.options = options;
        }
        let explanation = cell(Col::Explanation);
        d.explanation = Some(explanation.to_string()).filter(|s| !s.is_empty());
        let key_text = cell(Col::Key);
        if d.kind == Some(ItemKind::Open) && !key_text.is_empty() {
            // An open question's 参考答案 is its model answer, not letters.
            if d.explanation.is_none() {
                d.explanation = Some(key_text.to_string());
            } else {
                d.lost
                    .push(format!("开放题“{}”列的内容未导入（已有解析）", d.field_name("key")));
            }
        } else {
            match parse_key(key_text) {
                Ok(k) => d.key = k,
                Err(e) => d.problem("key", e),
            }
        }
        d.knowledge_point = Some(cell(Col::KnowledgePoint).to_string()).filter(|s| !s.is_empty());
        let difficulty = cell(Col::Difficulty);
        if !difficulty.is_empty() {
            match parse_difficulty(difficulty) {
                Ok(n) => d.difficulty = Some(n),
                Err(e) => d.problem("difficulty", e),
            }
        }
        let points = cell(Col::Points);
        if !points.is_empty() {
            match parse_points(points) {
                Some(p) => d.points = Some(p),
                None => d.lost.push(format!("分值“{points}”无法识别，未保留")),
            }
        }
        let rubric = cell(Col::Rubric);
        if !rubric.is_empty() {
            match parse_rubric(rubric) {
                Ok(r) => d.rubric = r,
                Err(e) => d.problem("rubric", e),
            }
        }
        d.tags = parse_tags(cell(Col::Tags));
        let images_text = cell(Col::Images);
        if !images_text.is_empty() {
            d.lost.push(format!(
                "“{}”列的文字“{images_text}”未导入：图片请插入（粘贴）到本题所在的行",
                d.field_name("images")
            ));
        }
        match parse_status(cell(Col::Status)) {
            Ok(s) => d.status = s,
            Err(e) => d.problem("status", e),
        }
        reading.drafts.push(d);
    }
}

/// `A. 文字` in the 选项A column: the label is the column's already.
fn strip_own_label(text: &str, index: usize) -> String {
    let label = (b'A' + index as u8) as char;
    let folded = fold_width(text);
    let rest = folded
        .strip_prefix(label)
        .or_else(|| folded.strip_prefix(label.to_ascii_lowercase()))
        .and_then(|r| r.strip_prefix(['.', '、', ':', ')']))
        .or_else(|| {
            folded
                .strip_prefix('(')
                .and_then(|r| r.strip_prefix(label))
                .and_then(|r| r.strip_prefix(')'))
        });
    match rest {
        // Folding maps one character to one, so the prefix is as many characters of the original.
        Some(r) if !r.trim().is_empty() => {
            let skip = folded.chars().count() - r.chars().count();
            text.chars().skip(skip).collect::<String>().trim().to_string()
        }
        _ => text.to_string(),
    }
}

fn column_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push((b'A' + r as u8) as char);
        n = (n - 1) / 26;
    }
    s.iter().rev().collect()
}

/// A cell WPS put a picture in (`=DISPIMG("ID_…",1)`): its sheet, row and column (0-based, as a
/// drawing's anchor has them) and the picture's ID.
struct CellPicture {
    sheet: String,
    at: (u32, u32),
    id: String,
}

/// `xl/cellimages.xml`, where WPS keeps the pictures it shows inside cells.
fn is_cell_images_part(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "xl/cellimages.xml" || lower.ends_with("/cellimages.xml")
}

/// The picture ID of a WPS in-cell picture, from the cell's formula (`_xlfn.DISPIMG("ID_…",1)`,
/// as the sheet stores it) or its cached value (`=DISPIMG("ID_…",1)`, as WPS writes it).
fn dispimg_id(text: &str) -> Option<String> {
    let t = text.trim().trim_start_matches('=');
    let t = match t.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("_xlfn.") => &t[6..],
        _ => t,
    };
    let call = "DISPIMG(";
    if !t.get(..call.len())?.eq_ignore_ascii_case(call) {
        return None;
    }
    let (id, _) = t[call.len()..].trim_start().strip_prefix('"')?.split_once('"')?;
    Some(id.trim().to_string()).filter(|id| !id.is_empty())
}

/// The sheet's DISPIMG cells, by formula or by value, added to `out`; their text is cleared from
/// `grid` (it is a picture, not a stem or an option).
fn find_cell_pictures(
    sheet: &str,
    (top, left): (u32, u32),
    formulas: &calamine::Range<String>,
    grid: &mut [Vec<String>],
    out: &mut Vec<CellPicture>,
) {
    let mut found: BTreeMap<(u32, u32), String> = BTreeMap::new();
    for (r, row) in grid.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if let Some(id) = dispimg_id(value) {
                found.insert((top + r as u32, left + c as u32), id);
            }
        }
    }
    if let Some((f_top, f_left)) = formulas.start() {
        for (r, c, formula) in formulas.used_cells() {
            if let Some(id) = dispimg_id(formula) {
                found.insert((f_top + r as u32, f_left + c as u32), id);
            }
        }
    }
    for ((r, c), id) in found {
        let cell = r
            .checked_sub(top)
            .zip(c.checked_sub(left))
            .and_then(|(gr, gc)| grid.get_mut(gr as usize)?.get_mut(gc as usize));
        if let Some(cell) = cell {
            cell.clear();
        }
        out.push(CellPicture {
            sheet: sheet.to_string(),
            at: (r, c),
            id,
        });
    }
}

/// A picture placed on a sheet, anchored in a drawing or inside a cell: its sheet, row and
/// column (0-based, as the drawing has them), its file's name, the name its alternative text
/// gives, its bytes; `lost` says why a picture the sheet names cannot be found at all.
struct Placed {
    sheet: String,
    at: Option<(u32, u32)>,
    source: String,
    hint: Option<String>,
    bytes: Option<Vec<u8>>,
    lost: Option<String>,
}

/// Each picture of the workbook goes to the question on its row; the others are named.
fn attach_pictures(file: &str, bytes: &[u8], in_cells: Vec<CellPicture>, reading: &mut Reading) {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return;
    };
    let names = crate::zip_names(&zip);
    let media: Vec<&String> = names.iter().filter(|n| n.starts_with("xl/media/")).collect();
    if media.is_empty() && in_cells.is_empty() {
        return;
    }
    let mut pictures: Vec<Placed> = Vec::new();
    let mut reached: HashSet<String> = HashSet::new();
    for (drawing, sheet) in drawing_sheets(&mut zip) {
        let Some(root) =
            crate::picture::zip_entry(&mut zip, &drawing).and_then(|b| xml::parse(&crate::decode_text(&b).0).ok())
        else {
            continue;
        };
        let (dir, base) = drawing.rsplit_once('/').unwrap_or(("", &drawing));
        let rels = crate::picture::zip_entry(&mut zip, &format!("{dir}/_rels/{base}.rels"))
            .and_then(|b| xml::parse(&crate::decode_text(&b).0).ok())
            .unwrap_or_default();
        let target = |rid: &str| {
            rels.children_named("Relationship")
                .find(|r| r.attr("Id") == Some(rid))
                .and_then(|r| r.attr("Target"))
                .map(str::to_string)
        };
        let mut anchors = Vec::new();
        anchors_of(&root, &mut anchors);
        for anchor in anchors {
            let at = anchor.child("from").and_then(|f| {
                let n = |name: &str| f.child(name).and_then(|e| e.text().trim().parse::<u32>().ok());
                Some((n("row")?, n("col").unwrap_or(0)))
            });
            for pic in anchor.descendants().into_iter().filter(|e| e.local() == "pic") {
                let Some(rid) = pic
                    .descendants()
                    .into_iter()
                    .find(|e| e.local() == "blip")
                    .and_then(|b| b.attr("embed"))
                else {
                    continue;
                };
                let hint = pic
                    .descendants()
                    .into_iter()
                    .find(|e| e.local() == "cNvPr")
                    .and_then(|c| c.attr("descr"))
                    .map(|d| d.trim().to_string());
                let (source, bytes) = match target(rid) {
                    Some(t) => {
                        let entry = crate::picture::resolve(&drawing, &t);
                        let bytes = entry.as_ref().and_then(|e| crate::picture::zip_entry(&mut zip, e));
                        reached.extend(entry);
                        (crate::picture::base_name(&t), bytes)
                    }
                    None => (format!("关系 {rid}"), None),
                };
                pictures.push(Placed {
                    sheet: sheet.clone(),
                    at,
                    source,
                    hint,
                    bytes,
                    lost: None,
                });
            }
        }
    }
    pictures.extend(cell_images(&mut zip, &names, in_cells, &mut reached));
    // Left to right along a row (the order the drawing lists them in where they share a cell).
    pictures.sort_by_key(|p| p.at);
    let by_row: std::collections::HashMap<(String, u32), usize> = reading
        .drafts
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match &d.place {
            Place::Row { sheet, row } => Some(((sheet.clone(), *row), i)),
            _ => None,
        })
        .collect();
    for p in pictures {
        let Some((row, _)) = p.at else {
            reading.file_lost.push(ImportProblem::of_file(
                file,
                format!("图片“{}”没有固定在任何行上，未导入", p.source),
            ));
            continue;
        };
        let place = Place::Row {
            sheet: p.sheet.clone(),
            row: row + 1,
        };
        match (by_row.get(&(p.sheet.clone(), row + 1)), p.lost) {
            (Some(&i), None) => reading.drafts[i].picture(&p.source, p.hint.as_deref(), p.bytes),
            (Some(&i), Some(message)) => {
                let d = &mut reading.drafts[i];
                if !d.lost.contains(&message) {
                    d.lost.push(message);
                }
            }
            (None, _) => reading.file_lost.push(ImportProblem {
                file: file.to_string(),
                place,
                item: None,
                field: None,
                message: format!("本行有一张图片（“{}”），但本行不是可导入的题目：图片未导入", p.source),
            }),
        }
    }
    let elsewhere = media.iter().filter(|m| !reached.contains(m.as_str())).count();
    if elsewhere > 0 {
        reading.file_lost.push(ImportProblem::of_file(
            file,
            format!(
                "工作簿中有 {elsewhere} 张图片没有放在工作表的行上（如图表中的图片，或没有单元格引用的嵌入单元格图片）：未导入，请把图片插入到题目所在的行"
            ),
        ));
    }
}

/// WPS's in-cell pictures, each found by its ID among the `etc:cellImage`s of
/// `xl/cellimages.xml`; the files reached are added to `reached`.
fn cell_images(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    names: &[String],
    cells: Vec<CellPicture>,
    reached: &mut HashSet<String>,
) -> Vec<Placed> {
    if cells.is_empty() {
        return Vec::new();
    }
    let part = names
        .iter()
        .find(|n| is_cell_images_part(n))
        .cloned()
        .unwrap_or_else(|| "xl/cellimages.xml".to_string());
    let parse = |b: Vec<u8>| xml::parse(&crate::decode_text(&b).0).ok();
    let root = crate::picture::zip_entry(zip, &part)
        .and_then(parse)
        .unwrap_or_default();
    let (dir, base) = part.rsplit_once('/').unwrap_or(("", &part));
    let rels = crate::picture::zip_entry(zip, &format!("{dir}/_rels/{base}.rels"))
        .and_then(parse)
        .unwrap_or_default();
    // ID → (the file's name, the alternative text, its entry in the package).
    let mut by_id: HashMap<String, (String, Option<String>, Option<String>)> = HashMap::new();
    for pic in root.descendants().into_iter().filter(|e| e.local() == "pic") {
        let properties = pic.descendants().into_iter().find(|e| e.local() == "cNvPr");
        let Some(id) = properties.and_then(|c| c.attr("name")).map(str::trim) else {
            continue;
        };
        let hint = properties.and_then(|c| c.attr("descr")).map(|d| d.trim().to_string());
        let target = pic
            .descendants()
            .into_iter()
            .find(|e| e.local() == "blip")
            .and_then(|b| b.attr("embed"))
            .and_then(|rid| {
                rels.children_named("Relationship")
                    .find(|r| r.attr("Id") == Some(rid))
                    .and_then(|r| r.attr("Target"))
            });
        let (source, entry) = match target {
            Some(t) => (crate::picture::base_name(t), crate::picture::resolve(&part, t)),
            None => (format!("嵌入单元格的图片 {id}"), None),
        };
        by_id.entry(id.to_string()).or_insert((source, hint, entry));
    }
    // Only the pictures a cell shows are reached; the others are counted with those elsewhere.
    cells
        .into_iter()
        .map(|c| match by_id.get(&c.id) {
            Some((source, hint, entry)) => {
                let bytes = entry.as_ref().and_then(|e| crate::picture::zip_entry(zip, e));
                reached.extend(entry.clone());
                Placed {
                    sheet: c.sheet,
                    at: Some(c.at),
                    source: source.clone(),
                    hint: hint.clone(),
                    bytes,
                    lost: None,
                }
            }
            None => {
                let cell = format!("{}{}", column_letter(c.at.1 as usize), c.at.0 + 1);
                Placed {
                    sheet: c.sheet,
                    at: Some(c.at),
                    source: c.id.clone(),
                    hint: None,
                    bytes: None,
                    lost: Some(format!(
                        "单元格 {cell} 中嵌入的图片（DISPIMG“{}”）在工作簿的嵌入图片（xl/cellimages.xml）中找不到：本题导入时不含此图片",
                        c.id
                    )),
                }
            }
        })
        .collect()
}

/// The anchors of a drawing (`xdr:twoCellAnchor`, `oneCellAnchor`, `absoluteAnchor`), the
/// fallback copies of `mc:AlternateContent` left out.
fn anchors_of<'a>(e: &'a Element, out: &mut Vec<&'a Element>) {
    for c in e.elements() {
        match c.local() {
            "twoCellAnchor" | "oneCellAnchor" | "absoluteAnchor" => out.push(c),
            "Fallback" => {}
            _ => anchors_of(c, out),
        }
    }
}

/// (drawing part, sheet name) from workbook.xml and the sheets' relationships.
fn drawing_sheets(zip: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Vec<(String, String)> {
    let mut read = |name: &str| -> String {
        let mut s = String::new();
        if let Ok(mut f) = zip.by_name(name) {
            let _ = f.read_to_string(&mut s);
        }
        s
    };
    let workbook = read("xl/workbook.xml");
    let workbook_rels = read("xl/_rels/workbook.xml.rels");
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        tag.split_once(&key)
            .and_then(|(_, r)| r.split_once('"'))
            .map(|(v, _)| v.to_string())
    };
    let mut out = Vec::new();
    for tag in workbook.split("<sheet ").skip(1) {
        let (Some(sheet), Some(rid)) = (attr(tag, "name"), attr(tag, "r:id")) else {
            continue;
        };
        let Some(target) = workbook_rels
            .split("<Relationship ")
            .find(|r| attr(r, "Id").as_deref() == Some(&rid))
            .and_then(|r| attr(r, "Target"))
        else {
            continue;
        };
        let target = target.trim_start_matches("/xl/").to_string();
        let sheet_file = target.rsplit('/').next().unwrap_or(&target).to_string();
        let rels = read(&format!("xl/worksheets/_rels/{sheet_file}.rels"));
        for r in rels.split("<Relationship ").skip(1) {
            if let Some(t) = attr(r, "Target").filter(|t| t.contains("drawings/")) {
                let drawing = format!("xl/drawings/{}", t.rsplit('/').next().unwrap_or(&t));
                out.push((drawing, sheet.clone().replace("&amp;", "&")));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Writing

const FIXED_HEADERS: [&str; 4] = ["题号", "题型", "模块", "题干"];
const TAIL_HEADERS: [&str; 9] = [
    "正确答案",
    "解析",
    "难度",
    "分值",
    "知识点",
    "标签",
    "评分要点",
    "状态",
    "图片",
];

fn headers(options: usize) -> Vec<String> {
    let mut h: Vec<String> = FIXED_HEADERS.iter().map(|s| s.to_string()).collect();
    h.extend((0..options).map(|i| format!("选项{}", (b'A' + i as u8) as char)));
    h.extend(TAIL_HEADERS.iter().filter(|s| !s.is_empty()).map(|s| s.to_string()));
    h
}

fn kind_text(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Single => "单选题",
        ItemKind::Multi => "多选题",
        ItemKind::Open => "开放题",
    }
}

/// One row per item, the columns the reader understands.
struct Row {
    id: String,
    kind: ItemKind,
    module: String,
    stem: String,
    options: Vec<String>,
    key: String,
    explanation: String,
    difficulty: Option<u8>,
    knowledge_point: String,
    tags: String,
    rubric: String,
    status: Status,
    /// (file name, bytes) of each picture, placed on the row from the 图片 column rightwards.
    images: Vec<(String, Vec<u8>)>,
}

fn write_sheet(ws: &mut Worksheet, rows: &[Row], option_columns: usize) -> Result<(), XlsxError> {
    let head = Format::new().set_bold().set_background_color("#DDEBF7");
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let headers = headers(option_columns);
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &head)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let col = |name: &str| headers.iter().position(|h| h == name).expect("known header") as u16;
    for (c, width) in [
        ("题号", 12.0),
        ("题型", 8.0),
        ("模块", 14.0),
        ("题干", 50.0),
        ("解析", 40.0),
        ("评分要点", 50.0),
    ] {
        ws.set_column_width(col(c), width)?;
    }
    for i in 0..option_columns {
        ws.set_column_width(4 + i as u16, 24.0)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, col("题号"), &row.id)?;
        ws.write_string(r, col("题型"), kind_text(row.kind))?;
        ws.write_string(r, col("模块"), &row.module)?;
        ws.write_string_with_format(r, col("题干"), &row.stem, &wrap)?;
        for (i, o) in row.options.iter().enumerate() {
            ws.write_string_with_format(r, 4 + i as u16, o, &wrap)?;
        }
        ws.write_string(r, col("正确答案"), &row.key)?;
        ws.write_string_with_format(r, col("解析"), &row.explanation, &wrap)?;
        if let Some(d) = row.difficulty {
            ws.write_number(r, col("难度"), d as f64)?;
        }
        let points = crate::draft::kind_points(row.kind);
        ws.write_number(r, col("分值"), points.hundredths() as f64 / 100.0)?;
        ws.write_string(r, col("知识点"), &row.knowledge_point)?;
        ws.write_string(r, col("标签"), &row.tags)?;
        ws.write_string_with_format(r, col("评分要点"), &row.rubric, &wrap)?;
        ws.write_string(r, col("状态"), status_zh(row.status))?;
        if !row.images.is_empty() {
            ws.set_row_height(r, 60)?;
        }
        for (j, (file, bytes)) in row.images.iter().enumerate() {
            // The file name as the alternative text is the name the reader gives it back.
            let image = Image::new_from_buffer(bytes)?.set_alt_text(file.as_str());
            ws.insert_image_fit_to_cell(r, col("图片") + j as u16, &image, true)?;
        }
    }
    ws.set_column_width(col("图片"), 16.0)?;
    let last = rows.len().max(1000) as u32;
    let kinds = DataValidation::new().allow_list_strings(&["单选题", "多选题", "开放题"])?;
    ws.add_data_validation(1, col("题型"), last, col("题型"), &kinds)?;
    let statuses = DataValidation::new().allow_list_strings(&["启用", "草稿", "停用"])?;
    ws.add_data_validation(1, col("状态"), last, col("状态"), &statuses)?;
    Ok(())
}

pub fn export(bank: &Bank) -> Result<Vec<u8>, XlsxError> {
    let rows: Vec<Row> = bank
        .items
        .iter()
        .map(|item| {
            let (options, key, rubric) = match &item.body {
                ItemBody::Choice { options, key, .. } => (
                    options.clone(),
                    key.iter().map(|l| l.as_char()).collect(),
                    String::new(),
                ),
                ItemBody::Open { rubric } => (Vec::new(), String::new(), rubric_text(rubric)),
            };
            Row {
                id: item.id.to_string(),
                kind: item.kind(),
                module: item.module.to_string(),
                stem: item.stem.clone(),
                options,
                key,
                explanation: item.explanation.clone().unwrap_or_default(),
                difficulty: item.difficulty,
                knowledge_point: item.knowledge_point.clone().unwrap_or_default(),
                tags: item.tags.join("、"),
                rubric,
                status: item.status,
                images: item
                    .images
                    .iter()
                    .filter_map(|p| bank.images.get(&p.file).map(|b| (p.file.clone(), b.clone())))
                    .collect(),
            }
        })
        .collect();
    let option_columns = rows.iter().map(|r| r.options.len()).max().unwrap_or(0).max(4);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("题库")?;
    write_sheet(ws, &rows, option_columns)?;
    wb.save_to_buffer()
}

/// 题库模板.xlsx: the export's layout with one example row per kind, and a sheet that explains
/// every column.
pub fn template() -> Result<Vec<u8>, XlsxError> {
    let example = |id: &str, kind, module: &str, stem: &str, options: &[&str], key: &str| Row {
        id: id.into(),
        kind,
        module: module.into(),
        stem: stem.into(),
        options: options.iter().map(|s| s.to_string()).collect(),
        key: key.into(),
        explanation: String::new(),
        difficulty: Some(2),
        knowledge_point: String::new(),
        tags: String::new(),
        rubric: String::new(),
        status: Status::Active,
        images: Vec::new(),
    };
    let mut single = example(
        "M1-S-001",
        ItemKind::Single,
        "1",
        "朱兰提出的“质量管理三部曲”是指",
        &[
            "质量策划、质量控制、质量改进",
            "质量计划、质量保证、质量改进",
            "质量检验、统计质量控制、全面质量管理",
            "计划、实施、检查、处置",
        ],
        "A",
    );
    single.explanation = "朱兰三部曲由质量策划、质量控制和质量改进三个管理过程组成。".into();
    single.knowledge_point = "朱兰质量三部曲".into();
    single.tags = "朱兰、质量管理大师".into();
    let mut multi = example(
        "M6-M-001",
        ItemKind::Multi,
        "质量管理工具",
        "下列工具中，常用于分析问题原因的有",
        &["因果图", "排列图", "控制图", "5Why 分析", "甘特图"],
        "AD",
    );
    multi.explanation =
        "因果图和 5Why 用于分析原因；排列图用于找主要问题，控制图用于监控过程，甘特图用于进度管理。".into();
    multi.knowledge_point = "原因分析工具".into();
    let mut open = example(
        "M5-O-001",
        ItemKind::Open,
        "5",
        "案例分析：某企业顾客投诉居高不下，请分析可能的原因并提出改进措施。",
        &[],
        "",
    );
    open.difficulty = Some(3);
    open.explanation = "参考要点：从人、机、料、法、环、测分析原因，按 PDCA 提出措施。".into();
    open.rubric = "指出问题的主要原因（8分）\n提出可行的改进措施（8分）\n说明如何验证改进效果（4分）".into();

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("题库")?;
    write_sheet(ws, &[single, multi, open], 6)?;

    let notes = wb.add_worksheet();
    notes.set_name("填写说明")?;
    let head = Format::new().set_bold().set_background_color("#DDEBF7");
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    for (c, h) in ["列名", "是否必填", "说明"].iter().enumerate() {
        notes.write_string_with_format(0, c as u16, *h, &head)?;
    }
    notes.set_column_width(0, 14.0)?;
    notes.set_column_width(1, 10.0)?;
    notes.set_column_width(2, 100.0)?;
    let rows: [(&str, &str, &str); 17] = [
        (
            "题号",
            "选填",
            "题目的唯一编号，只能由字母、数字、-、_、. 组成，如 M1-S-001。不填时按“文件名-工作表序号-行号”自动生成。也可写作“编号”。",
        ),
        (
            "题型",
            "必填",
            "单选题、多选题 或 开放题（也认“单选”“多项选择题”“简答题”“论述题”“案例分析题”等写法）。不填时：有选项且答案一个字母为单选题，多个字母为多选题，没有选项为开放题。工作表名称含题型（如“多选题”）时，该表的题目默认为该题型。判断题、填空题等 Kaowu 没有的题型不会导入，并在报告中列出。",
        ),
        (
            "模块",
            "必填",
            "知识大纲模块：1–6 的数字，或模块名称（1 质量与质量管理、2 质量驱动力、3 卓越绩效模式、4 质量管理体系、5 管理技能和方法、6 质量管理工具），也认“模块三”“第三部分”。工作表名称含模块时可不填。",
        ),
        ("题干", "必填", "题目正文。也可写作“题目”“试题内容”。"),
        (
            "选项A … 选项F",
            "单选/多选必填",
            "每个选项一列，至少 4 个，按 A、B、C… 顺序填写，不能有两个相同的选项；需要更多选项时增加“选项G”等列。开放题不填。单元格里多写的“A.”前缀会被去掉。",
        ),
        (
            "正确答案",
            "单选/多选必填",
            "选项字母：单选题一个字母（如 B），多选题至少两个字母（如 ACD）。也可写作 A,B 或 A、B，全角字母（ＡＢ）和小写字母都可以。也可写作“答案”“标准答案”“正确选项”。开放题若在此列填写参考答案，会作为解析导入。",
        ),
        ("解析", "选填", "答案解析，只给考务人员和阅卷人看。"),
        (
            "难度",
            "选填",
            "1（易）到 5（难）的整数，或写“易、较易、中、较难、难”。",
        ),
        (
            "分值",
            "选填",
            "Kaowu 的分值固定：单选题 1 分，多选题 2 分，开放题 20 分。填写了不同的分值时，导入报告会指出，并按固定分值计。",
        ),
        ("知识点", "选填", "该题考查的知识点。"),
        ("标签", "选填", "多个标签用顿号或逗号分隔，如“朱兰、质量概念”。"),
        (
            "评分要点",
            "开放题必填",
            "开放题的评分要点，每行一个要点，分值写在末尾的括号里，如“指出问题的主要原因（8分）”；各要点分值合计必须为 20 分，可以有半分（如 2.5分）。行首的编号（1. 或（1））会被去掉。单元格内换行：Alt+Enter。",
        ),
        (
            "状态",
            "选填",
            "启用（默认）、草稿 或 停用；只有启用的题目会被抽到试卷中。",
        ),
        (
            "图片",
            "选填",
            "题干下显示的图片（如控制图、排列图、因果图）：把 PNG 或 JPEG 图片插入（粘贴）到该题所在的行即可，可放在本列，一行可放多张，按从左到右的顺序显示；每张不超过 2 MB。GIF、EMF 等其他格式的图片不会导入，请先另存为 PNG。本列的文字不会导入。",
        ),
        (
            "合并单元格",
            "",
            "合并的单元格（如一列相同的题型或模块）按每一行都填了该值读取。",
        ),
        ("空行", "", "中间的空行会被跳过，不算错误。只填了题号的行也跳过。"),
        (
            "多个工作表",
            "",
            "每个工作表都会读取（“填写说明”表除外），每个表都需要自己的表头行。导入时每个问题都会报告工作表名称和行号（与 Excel 左侧显示的行号一致）。",
        ),
    ];
    for (r, (name, required, text)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        notes.write_string_with_format(r, 0, *name, &wrap)?;
        notes.write_string_with_format(r, 1, *required, &wrap)?;
        notes.write_string_with_format(r, 2, *text, &wrap)?;
    }
    wb.save_to_buffer()
}
