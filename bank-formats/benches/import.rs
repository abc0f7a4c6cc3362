//! Importing a 10,000-question Excel bank and checking it (issue 17's target: under 5 s on the
//! 2-core machine), against the raw limit measured in the same run: calamine alone reading every
//! cell of the same workbook as text. Run: `cargo bench -p bank-formats --bench import`.

use std::io::Cursor;
use std::time::{Duration, Instant};

use bank_formats::{Format, import};
use calamine::{Reader, Xlsx};
use rust_xlsxwriter::Workbook;

const ROWS: u32 = 10_000;
const RUNS: usize = 5;

/// A wide-layout bank: two singles to a multi, every module, five options, an explanation.
fn workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "题号",
        "题型",
        "模块",
        "题干",
        "选项A",
        "选项B",
        "选项C",
        "选项D",
        "选项E",
        "正确答案",
        "解析",
        "难度",
        "知识点",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    for i in 0..ROWS {
        let r = i + 1;
        let multi = i % 3 == 0;
        let row: [String; 13] = [
            format!("Q{i:05}"),
            (if multi { "多选题" } else { "单选题" }).into(),
            (i % 6 + 1).to_string(),
            format!("第 {i} 题：按照 GB/T 19000—2016，下列关于质量管理体系的说法中，正确的是"),
            format!("第 {i} 题的选项 0，文字略长一些以接近真实题目"),
            format!("第 {i} 题的选项 1，文字略长一些以接近真实题目"),
            format!("第 {i} 题的选项 2，文字略长一些以接近真实题目"),
            format!("第 {i} 题的选项 3，文字略长一些以接近真实题目"),
            format!("第 {i} 题的选项 4，文字略长一些以接近真实题目"),
            (if multi { "ACD" } else { "B" }).into(),
            "解析：这是一段解析文字。".into(),
            (i % 5 + 1).to_string(),
            "质量管理体系".into(),
        ];
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r, c as u16, v).expect("cell");
        }
    }
    wb.save_to_buffer().expect("workbook")
}

/// The raw limit: every cell of the first sheet read as text by calamine, nothing checked.
fn raw(bytes: &[u8]) -> usize {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook");
    let range = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    range.rows().flatten().map(|c| c.to_string().len()).sum()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn main() {
    let bytes = workbook();
    let (mut raw_runs, mut import_runs) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        std::hint::black_box(raw(&bytes));
        raw_runs.push(t.elapsed());
        let t = Instant::now();
        let imported = import("big.xlsx", &bytes, Format::Xlsx);
        import_runs.push(t.elapsed());
        assert_eq!(imported.items.len(), ROWS as usize, "{}", imported.summary());
        assert!(imported.problems.is_empty(), "{imported}");
    }
    let (raw, imported) = (median(raw_runs), median(import_runs));
    println!(
        "Excel bank import, {ROWS} rows ({} KB workbook), median of {RUNS} runs:",
        bytes.len() / 1024
    );
    println!(
        "  calamine reading every cell (raw limit): {:>8.1} ms",
        raw.as_secs_f64() * 1e3
    );
    println!(
        "  import + every bank check:               {:>8.1} ms",
        imported.as_secs_f64() * 1e3
    );
    println!(
        "  import / raw: {:.2}×; target < 5,000 ms: {}",
        imported.as_secs_f64() / raw.as_secs_f64(),
        if imported < Duration::from_secs(5) {
            "met"
        } else {
            "MISSED"
        }
    );
}
