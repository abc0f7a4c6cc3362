//! The roster as the office brings it: an Excel workbook (.xlsx, its first sheet) or a CSV file
//! (UTF-8, or GBK as Excel saves "CSV (逗号分隔)" on a Chinese Windows machine). Either is read into
//! a table whose rows carry their row number as Excel shows it (the header is row 1), then every
//! row is checked; every problem is collected, each naming its row, column and value.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

/// The GB 11643 check of an ID number, shared with the application form (one copy, in the rules).
pub use exam_rules::certification::id_number::check_id_number;

/// A candidate as read from the roster CSV, before passwords are issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEntry {
    pub line: u64,
    pub ticket: String,
    pub name: String,
    pub pinyin: String,
    pub id_number: String,
    pub room: String,
    pub seat: String,
}

/// The CSV columns, by their Chinese or English header.
const COLUMNS: [(&str, &str, &str); 6] = [
    ("name", "姓名", "name"),
    ("pinyin", "姓名拼音", "pinyin"),
    ("id_number", "身份证号", "id_number"),
    ("ticket", "准考证号", "ticket"),
    ("room", "考场", "room"),
    ("seat", "座位", "seat"),
];

/// A table as read from a file: the header's cells, and each data row with its row number as
/// Excel shows it.
#[derive(Debug, Default)]
struct Table {
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

/// Reads and checks a roster file, whichever of the accepted formats it is (told by its content,
/// not its name: an .xlsx is a ZIP archive).
pub fn read_roster(bytes: &[u8]) -> Result<Vec<RosterEntry>, Vec<String>> {
    if bytes.starts_with(b"PK\x03\x04") {
        check_rows(read_xlsx(bytes)?)
    } else {
        let text = roster_text(bytes).map_err(|e| vec![e])?;
        parse_roster(&text)
    }
}

/// Parses and checks a roster CSV.
pub fn parse_roster(csv_text: &str) -> Result<Vec<RosterEntry>, Vec<String>> {
    check_rows(read_csv(csv_text)?)
}

fn read_csv(csv_text: &str) -> Result<Table, Vec<String>> {
    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut table = Table::default();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        match record {
            Ok(r) => {
                let cells = r.iter().map(str::to_string).collect();
                if i == 0 {
                    table.header = cells;
                } else {
                    table.rows.push((r.position().map_or(0, |p| p.line()), cells));
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(format!("第 {line} 行：无法解析：{e}"));
            }
        }
    }
    if problems.is_empty() { Ok(table) } else { Err(problems) }
}

/// The first worksheet of an Excel workbook. Numbers are written as Excel shows them when they
/// are whole ("2026001", not "2026001.0"); a number of 16 digits or more has already lost its
/// last digits in Excel (an ID number typed into a cell formatted as a number), which is said so.
fn read_xlsx(bytes: &[u8]) -> Result<Table, Vec<String>> {
    let unreadable =
        |e: &dyn std::fmt::Display| vec![format!("Excel 文件无法读取（文件可能已损坏，或不是 .xlsx 格式）：{e}")];
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(vec!["Excel 文件中没有工作表".into()]);
    };
    let range = book.worksheet_range(&sheet).map_err(|e| unreadable(&e))?;
    let Some((first_row, first_col)) = range.start() else {
        return Err(vec![format!("工作表“{sheet}”是空的")]);
    };
    let mut table = Table::default();
    let mut problems = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let excel_row = u64::from(first_row) + i as u64 + 1;
        let mut cells = Vec::with_capacity(row.len());
        for (j, cell) in row.iter().enumerate() {
            let text = match cell {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                Data::Int(n) => n.to_string(),
                Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
                Data::Float(f) if f.abs() >= 1e15 => {
                    problems.push(format!(
                        "第 {excel_row} 行 {} 列：数字 {f:e} 超过 15 位，Excel 已丢失末几位：请把该列设置为“文本”格式后重新输入",
                        column_letters(first_col as usize + j)
                    ));
                    String::new()
                }
                Data::Float(f) => f.to_string(),
                Data::Bool(b) => b.to_string(),
                Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                Data::DateTime(d) => d.to_string(),
                Data::Error(e) => {
                    problems.push(format!(
                        "第 {excel_row} 行 {} 列：单元格是错误值 {e:?}",
                        column_letters(first_col as usize + j)
                    ));
                    String::new()
                }
            };
            cells.push(text);
        }
        if i == 0 {
            table.header = cells;
        } else {
            table.rows.push((excel_row, cells));
        }
    }
    if problems.is_empty() { Ok(table) } else { Err(problems) }
}

/// Excel's name of a column: 0 → A, 25 → Z, 26 → AA.
fn column_letters(mut index: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// Finds the columns by their headers (Chinese or English, in any order) and checks every row.
fn check_rows(table: Table) -> Result<Vec<RosterEntry>, Vec<String>> {
    let header: Vec<&str> = table.header.iter().map(|h| h.trim()).collect();
    let mut index = HashMap::new();
    let mut problems = Vec::new();
    for (key, zh, en) in COLUMNS {
        match header
            .iter()
            .position(|h| *h == zh || h.eq_ignore_ascii_case(en) || (key == "pinyin" && *h == "拼音"))
        {
            Some(i) => {
                index.insert(key, i);
            }
            None => problems.push(format!("第 1 行（表头）：缺少“{zh}”列（也可写作 {en}）")),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut entries = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for (line, record) in table.rows {
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        let field = |key: &str| record.get(index[key]).map_or("", |f| f.trim()).to_string();
        let entry = RosterEntry {
            line,
            ticket: field("ticket"),
            name: field("name"),
            pinyin: field("pinyin"),
            id_number: field("id_number").to_uppercase(),
            room: field("room"),
            seat: field("seat"),
        };
        let mut bad = |what: &str, why: String| problems.push(format!("第 {line} 行 {what}：{why}"));
        for (key, zh, _) in COLUMNS {
            if field(key).is_empty() {
                bad(zh, "不能为空".into());
            }
        }
        if !entry.ticket.is_empty()
            && (entry.ticket.len() > 32 || !entry.ticket.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            bad(
                "准考证号",
                format!("“{}”只能由字母、数字和 - 组成，最长 32 位", entry.ticket),
            );
        }
        if !entry.pinyin.is_empty()
            && !entry
                .pinyin
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '-')
        {
            bad("姓名拼音", format!("“{}”只能包含拉丁字母、空格和 -", entry.pinyin));
        }
        if !entry.id_number.is_empty()
            && let Err(why) = check_id_number(&entry.id_number)
        {
            bad("身份证号", why);
        }
        if !entry.ticket.is_empty() {
            if let Some(first) = first_line.get(&entry.ticket) {
                bad("准考证号", format!("“{}”与第 {first} 行重复", entry.ticket));
            } else {
                first_line.insert(entry.ticket.clone(), line);
            }
        }
        entries.push(entry);
    }
    if entries.is_empty() && problems.is_empty() {
        problems.push("名单中没有考生".into());
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

/// A roster file's text: UTF-8 (with or without Excel's byte-order mark), or GBK as Excel saves
/// "CSV (逗号分隔)" on a Chinese Windows machine (read as GB18030, its superset).
pub fn roster_text(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, String> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.into());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| {
            let at = std::str::from_utf8(bytes).err().map_or(0, |e| e.valid_up_to()) + 1;
            format!(
                "名单文件的编码无法识别（既不是 UTF-8，也不是 GBK；第 {at} 个字节起无法识别）：请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”或 Excel 工作簿（.xlsx）后再导入"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_are_checked() {
        assert!(check_id_number("11010519491231002X").is_ok());
        assert!(check_id_number("110105194912310021").unwrap_err().contains("校验位"));
        assert!(check_id_number("1101051949").unwrap_err().contains("18 位"));
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let csv = "姓名,姓名拼音,身份证号,准考证号,考场,座位\n\
                   张三,Zhang San,11010519491231002X,T001,A101,01\n\
                   李四,Li Si,110105194912310021,T002,A101,02\n\
                   王五,Wang Wu,11010519491231002X,T001,A101,03\n\
                   ,Zhao Liu,11010519491231002X,T004,A101,04\n";
        let problems = parse_roster(csv).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("第 3 行 身份证号"), "{problems:?}");
        assert!(
            problems[1].starts_with("第 4 行 准考证号") && problems[1].contains("第 2 行重复"),
            "{problems:?}"
        );
        assert!(problems[2].starts_with("第 5 行 姓名"), "{problems:?}");
    }

    #[test]
    fn english_headers_and_bom_are_accepted() {
        let csv = "\u{feff}ticket,name,pinyin,id_number,room,seat\nT1,张三,Zhang San,11010519491231002X,A,1\n";
        let rows = parse_roster(csv).unwrap();
        assert_eq!(rows[0].ticket, "T1");
        assert_eq!(rows[0].line, 2);
    }
}
