//! Reading the values people type: answer letters (`AB`, `A,B`, `A、B`, `ＡＢ`), kinds (单选题,
//! 多项选择题, 论述题 …), modules (2, 模块二, 质量驱动力), difficulty, points and rubric lines
//! (`要点文字（5分）`), statuses (启用 / 草稿 / 停用). Shared by every format, so a convention
//! learnt once holds everywhere.

use question_bank::{ItemKind, Module, Points, Status};

/// Full-width ASCII (Ａ, １, （, ：…) to half-width, and the ideographic space to a space.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Trims a cell or paragraph and returns `None` when nothing is left.
pub fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// An answer as typed: letters in either width and case, separated or not by `,` `，` `、`
/// `;` `；` `/` or spaces. Returns the letters in upper case, in the order given (the bank loader
/// sorts them and reports repeats). `Ok(None)` when the text is blank.
pub fn parse_key(text: &str) -> Result<Option<String>, String> {
    let mut letters = String::new();
    for c in fold_width(text).chars() {
        match c {
            'A'..='Z' => letters.push(c),
            'a'..='z' => letters.push(c.to_ascii_uppercase()),
            ',' | '、' | ';' | '/' | '|' | '，' | '；' => {}
            c if c.is_whitespace() => {}
            _ => {
                return Err(format!(
                    "答案“{}”中的“{c}”不是选项字母（应写作 AB、A,B 或 A、B）",
                    text.trim()
                ));
            }
        }
    }
    Ok((!letters.is_empty()).then_some(letters))
}

/// What a kind written by hand means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindText {
    Kind(ItemKind),
    /// A kind Kaowu has not (判断题, 填空题 …), with its name for the report.
    Unsupported(&'static str),
    Unknown,
}

/// 单选 / 单选题 / 单项选择题 / single; 多选 …; 开放题 / 简答 / 论述 / 案例分析 / essay …
pub fn parse_kind(text: &str) -> KindText {
    let t: String = fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    const OPEN: [&str; 9] = ["开放", "简答", "论述", "案例", "问答", "主观", "分析", "综合", "essay"];
    const OTHER: [(&str, &str); 6] = [
        ("判断", "判断题"),
        ("填空", "填空题"),
        ("匹配", "匹配题"),
        ("连线", "匹配题"),
        ("排序", "排序题"),
        ("计算", "计算题"),
    ];
    if t.contains("多选") || t.contains("多项") || t == "multi" || t == "multiple" {
        KindText::Kind(ItemKind::Multi)
    } else if t.contains("单选") || t.contains("单项") || t == "single" {
        KindText::Kind(ItemKind::Single)
    } else if OPEN.iter().any(|k| t.contains(k)) || t == "open" {
        KindText::Kind(ItemKind::Open)
    } else if let Some((_, name)) = OTHER.iter().find(|(k, _)| t.contains(k)) {
        KindText::Unsupported(name)
    } else {
        KindText::Unknown
    }
}

/// The kind a heading or a sheet name names, if any (一、单项选择题; “多选”).
pub fn kind_in_heading(text: &str) -> Option<ItemKind> {
    match parse_kind(text) {
        KindText::Kind(k) => Some(k),
        _ => None,
    }
}

fn numeral(c: char) -> Option<u8> {
    match c {
        '1'..='9' => Some(c as u8 - b'0'),
        '一' => Some(1),
        '二' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    }
}

/// A module named inside a longer text: its Chinese name (质量驱动力), `模块2`, `模块二`,
/// `第二部分`, `第2模块`, `M2`. `None` when nothing names one (or a number out of 1–6 does:
/// the caller reports it).
pub fn find_module(text: &str) -> Option<Module> {
    let t: String = fold_width(text).chars().filter(|c| !c.is_whitespace()).collect();
    numbered_module(&t).or_else(|| Module::all().find(|m| t.contains(m.name_zh())))
}

/// `模块2`, `模块二`, `第二部分`, `第2模块`, `M2` inside a text without spaces.
fn numbered_module(t: &str) -> Option<Module> {
    let chars: Vec<char> = t.chars().collect();
    for (i, w) in chars.windows(2).enumerate() {
        let number = match w {
            ['块', c] if i >= 1 && chars[i - 1] == '模' => numeral(*c),
            ['第', c] => {
                let after = chars.get(i + 2).copied();
                numeral(*c).filter(|_| matches!(after, Some('部' | '模' | '章')))
            }
            ['M' | 'm', c] if c.is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) => {
                numeral(*c).filter(|_| !chars.get(i + 2).is_some_and(|d| d.is_ascii_digit()))
            }
            _ => None,
        };
        if let Some(n) = number {
            return Module::new(n as i64);
        }
    }
    None
}

/// The module a category path names (`$course$/CMQ 题库/模块2 质量驱动力`): the last segment
/// that numbers one (模块2, 第二部分, M2) or is a module's name, alone or after its number — a
/// bank's own name that merely contains a module's (“质量管理体系题库”) does not count.
pub fn module_of_category(path: &str) -> Option<Module> {
    path.rsplit('/').find_map(|segment| {
        let t: String = fold_width(segment).chars().filter(|c| !c.is_whitespace()).collect();
        numbered_module(&t).or_else(|| {
            let name = t.trim_start_matches(|c: char| c.is_ascii_digit() || "．.、".contains(c));
            Module::all().find(|m| m.name_zh() == name)
        })
    })
}

/// A module as written in a module field: `1`–`6` (also `2.0` from a number cell), or anything
/// [`find_module`] recognises.
pub fn parse_module(text: &str) -> Result<Module, String> {
    let t = fold_width(text).trim().to_string();
    let number = t.strip_suffix(".0").unwrap_or(&t);
    if let Ok(n) = number.parse::<i64>() {
        return Module::new(n).ok_or_else(|| format!("模块编号 {n} 不在 1–6 之内"));
    }
    if let Some(m) = find_module(&t) {
        return Ok(m);
    }
    if let Some(n) = t.chars().next().and_then(numeral)
        && t.chars().count() == 1
        && let Some(m) = Module::new(n as i64)
    {
        return Ok(m);
    }
    Err(format!(
        "模块“{}”无法识别：应为 1–6 或模块名称（如“质量驱动力”）",
        text.trim()
    ))
}

/// Difficulty 1–5, or 易 / 较易 / 中 / 较难 / 难. Out-of-range numbers are returned as they are
/// for the bank loader to report.
pub fn parse_difficulty(text: &str) -> Result<i64, String> {
    let t = fold_width(text).trim().to_string();
    let number = t.strip_suffix(".0").unwrap_or(&t);
    if let Ok(n) = number.parse::<i64>() {
        return Ok(n);
    }
    let words = [
        ("较易", 2),
        ("较难", 4),
        ("容易", 1),
        ("简单", 1),
        ("易", 1),
        ("中等", 3),
        ("一般", 3),
        ("适中", 3),
        ("中", 3),
        ("困难", 5),
        ("难", 5),
    ];
    words
        .iter()
        .find(|(w, _)| t == *w)
        .map(|(_, n)| *n)
        .ok_or_else(|| format!("难度“{}”无法识别：应为 1–5（或 易、较易、中、较难、难）", text.trim()))
}

/// A status as typed: 启用 / 草稿 / 停用 (also 正常, 退役, and the bank's own words active, draft,
/// retired in any case); blank is active.
pub fn parse_status(text: &str) -> Result<Status, String> {
    let t = fold_width(text).trim().to_lowercase();
    match t.as_str() {
        "" | "启用" | "正常" | "active" => Ok(Status::Active),
        "草稿" | "draft" => Ok(Status::Draft),
        "停用" | "退役" | "retired" => Ok(Status::Retired),
        _ => Err(format!("状态“{}”无法识别：应为 启用、草稿 或 停用", text.trim())),
    }
}

/// A status as the office says it, which [`parse_status`] reads back.
pub fn status_zh(status: Status) -> &'static str {
    match status {
        Status::Active => "启用",
        Status::Draft => "草稿",
        Status::Retired => "停用",
    }
}

/// Points as written: `2`, `2.0`, `2.5`, `20分`, `20 分`, `1.0000000` (Moodle). `None` when the
/// text is no number of at most two decimals.
pub fn parse_points(text: &str) -> Option<Points> {
    let t = fold_width(text);
    let t = t.trim().trim_end_matches('分').trim();
    let t = if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.')
    } else {
        t
    };
    t.parse::<Points>().ok()
}

/// Removes a leading list number: `1.`, `1、`, `1．`, `（1）`, `(1)`, `①`.
pub fn strip_list_number(line: &str) -> &str {
    let t = line.trim_start();
    if let Some(c) = t.chars().next()
        && ('①'..='⑳').contains(&c)
    {
        return t[c.len_utf8()..].trim_start();
    }
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(rest) = t.strip_prefix(open)
            && let Some(end) = rest.find(close)
            && end > 0
            && rest[..end].chars().all(|c| c.is_ascii_digit())
        {
            return rest[end + close.len_utf8()..].trim_start();
        }
    }
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 {
        let rest = &t[digits..];
        for sep in ['、', '．', '.'] {
            if let Some(after) = rest.strip_prefix(sep)
                && !after.starts_with(|c: char| c.is_ascii_digit())
            {
                return after.trim_start();
            }
        }
    }
    t
}

/// The rubric convention, the same in every format: one marking point per line, its points at
/// the end in brackets — `指出问题的根本原因（6分）` (also `(6分)`, `（6）`, `：6分`). A leading
/// list number is dropped. Blank lines are skipped.
pub fn parse_rubric(text: &str) -> Result<Vec<(String, Points)>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = strip_list_number(line).trim();
        if line.is_empty() {
            continue;
        }
        match split_rubric_line(line) {
            Some((point, share)) if !point.is_empty() => out.push((point, share)),
            _ => {
                return Err(format!(
                    "评分要点第 {} 行“{line}”没有写分值（每行一个要点，分值写在末尾，如“指出问题的根本原因（6分）”）",
                    i + 1
                ));
            }
        }
    }
    Ok(out)
}

fn split_rubric_line(line: &str) -> Option<(String, Points)> {
    for (open, close) in [('（', '）'), ('(', ')'), ('（', ')'), ('(', '）')] {
        if let Some(inner) = line.strip_suffix(close)
            && let Some(start) = inner.rfind(open)
            && let Some(points) = parse_points(&inner[start + open.len_utf8()..])
        {
            return Some((inner[..start].trim().to_string(), points));
        }
    }
    // `要点：6分` / `要点 6分`
    let body = line.strip_suffix('分')?;
    let digits_start = body
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    let points = parse_points(&body[digits_start..])?;
    let before = &body[..digits_start];
    let point = before.trim_end();
    let point = point
        .strip_suffix(['：', ':', '，', ','])
        .map(str::trim_end)
        .or_else(|| (point.len() < before.len()).then_some(point))?;
    Some((point.to_string(), points))
}

/// The rubric written back in the same convention, one point per line.
pub fn rubric_text(rubric: &[question_bank::RubricPoint]) -> String {
    rubric
        .iter()
        .map(|r| format!("{}（{}分）", r.point, r.share))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Tags as typed in one field: separated by `、` `，` `,` `；` `;` or new lines.
pub fn parse_tags(text: &str) -> Vec<String> {
    text.split(['、', '，', ',', '；', ';', '\n'])
        .filter_map(non_empty)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(parse_key("AB").unwrap().as_deref(), Some("AB"));
        assert_eq!(parse_key("A,B").unwrap().as_deref(), Some("AB"));
        assert_eq!(parse_key("A、B").unwrap().as_deref(), Some("AB"));
        assert_eq!(parse_key("ＡＢ").unwrap().as_deref(), Some("AB"));
        assert_eq!(parse_key(" a c ").unwrap().as_deref(), Some("AC"));
        assert_eq!(parse_key("  ").unwrap(), None);
        assert!(parse_key("对").unwrap_err().contains("“对”不是选项字母"));
    }

    #[test]
    fn modules() {
        assert_eq!(parse_module("2").unwrap().number(), 2);
        assert_eq!(parse_module("2.0").unwrap().number(), 2);
        assert_eq!(parse_module("模块三").unwrap().number(), 3);
        assert_eq!(parse_module("质量驱动力").unwrap().number(), 2);
        assert_eq!(parse_module("模块6 质量管理工具").unwrap().number(), 6);
        assert_eq!(parse_module("第五部分").unwrap().number(), 5);
        assert_eq!(parse_module("四").unwrap().number(), 4);
        assert_eq!(parse_module("7").unwrap_err(), "模块编号 7 不在 1–6 之内");
        assert!(parse_module("财务管理").unwrap_err().contains("无法识别"));
        assert_eq!(find_module("$course$/CMQ/M4 体系").unwrap().number(), 4);
        assert_eq!(find_module("$course$/Default for 2023"), None);
        assert_eq!(module_of_category("$course$/质量管理体系题库/其他"), None);
        assert_eq!(
            module_of_category("$course$/CMQ/4 质量管理体系/子类").unwrap().number(),
            4
        );
    }

    #[test]
    fn rubric_lines() {
        let r = parse_rubric("1. 指出原因（6分）\n（2）提出措施(14)\n\n说明团队：2.5分").unwrap();
        assert_eq!(
            r,
            vec![
                ("指出原因".to_string(), Points::whole(6)),
                ("提出措施".to_string(), Points::whole(14)),
                ("说明团队".to_string(), Points::from_hundredths(250)),
            ]
        );
        let text = "界定阶段：项目章程（倡导者、黑带等）（4分）";
        assert_eq!(parse_rubric(text).unwrap()[0].0, "界定阶段：项目章程（倡导者、黑带等）");
        assert!(
            parse_rubric("只写了要点")
                .unwrap_err()
                .contains("第 1 行“只写了要点”没有写分值")
        );
    }

    #[test]
    fn kinds_and_points() {
        assert_eq!(parse_kind("单项选择题"), KindText::Kind(ItemKind::Single));
        assert_eq!(parse_kind("多选"), KindText::Kind(ItemKind::Multi));
        assert_eq!(parse_kind("案例分析题"), KindText::Kind(ItemKind::Open));
        assert_eq!(parse_kind("判断题"), KindText::Unsupported("判断题"));
        assert_eq!(parse_points("1.0000000"), Some(Points::whole(1)));
        assert_eq!(parse_points("20 分"), Some(Points::whole(20)));
        assert_eq!(parse_difficulty("较难"), Ok(4));
    }
}
