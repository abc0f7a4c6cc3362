//! `kaowu bank check DIR`, `kaowu bank synth --items N --out DIR`, and the bank in other formats:
//! `kaowu bank import FILE… --out DIR`, `kaowu bank export DIR --format F --out FILE`,
//! `kaowu bank template --out 题库模板.xlsx`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use question_bank::bank::Coverage;
use question_bank::synth::synth_bank;
use question_bank::{Bank, BankLoadError, Blueprint};

use super::Outcome;
use super::paper::load_blueprint;

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// 检查题库：一次列出全部问题（文件、行号、题号、字段）；无误时列出各模块题量与蓝图需求
    Check {
        /// 题库目录（含 bank.toml 与 items/）
        dir: PathBuf,
        /// 蓝图文件（默认：内置 CMQ 2010 蓝图）
        #[arg(long)]
        blueprint: Option<PathBuf>,
    },
    /// 生成合成题库（用于性能测试），题型与模块分布与蓝图一致
    Synth {
        /// 题目总数（约数，按蓝图比例分配）
        #[arg(long)]
        items: u32,
        /// 输出目录（不能已存在题库）
        #[arg(long)]
        out: PathBuf,
    },
    /// 导入题库文件（Excel、Word、QTI、Moodle XML、GIFT）：先列出报告（读到、导入、未导入的题目，每个问题的文件、工作表与行、段落或元素、字段），加 --yes 确认后才写成题库目录
    Import {
        /// 题库文件，可以多个
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// 输出的题库目录（不能已存在题库）
        #[arg(long)]
        out: PathBuf,
        /// 文件格式：auto（按内容识别）、xlsx、docx、qti、moodle、gift
        #[arg(long, default_value = "auto")]
        format: String,
        /// 文件中未写明模块的题目归入此模块（1–6）
        #[arg(long)]
        module: Option<u8>,
        /// 题库编号（默认取第一个文件名中的字母和数字）
        #[arg(long)]
        id: Option<String>,
        /// 题库名称（默认为第一个文件名）
        #[arg(long)]
        name: Option<String>,
        /// 确认报告，写入题库目录（未确认时只列出报告，不写任何文件）
        #[arg(long)]
        yes: bool,
    },
    /// 导出题库为 Excel、QTI 3.0 题目包、Moodle XML 或 GIFT（再导入可得到相同的题目）
    Export {
        /// 题库目录（含 bank.toml 与 items/）
        dir: PathBuf,
        /// 格式：xlsx、qti、moodle、gift
        #[arg(long)]
        format: String,
        /// 输出文件
        #[arg(long)]
        out: PathBuf,
    },
    /// 下载 Excel 题库模板（每种题型一行示例，另附各列填写说明）
    Template {
        /// 输出文件，如 题库模板.xlsx
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(cmd: BankCommand) -> anyhow::Result<Outcome> {
    match cmd {
        BankCommand::Check { dir, blueprint } => {
            let blueprint = load_blueprint(blueprint.as_deref())?;
            match Bank::load(&dir) {
                Ok(bank) => {
                    println!(
                        "题库 {}（{}）：共 {} 道题，{} 道有效，无错误。",
                        bank.id,
                        bank.name,
                        bank.items.len(),
                        bank.active().count()
                    );
                    println!("内容哈希：{}", bank.content_hash());
                    println!();
                    let coverage = bank.coverage(&blueprint);
                    print!("{}", coverage_table(&coverage, &blueprint));
                    if coverage.sufficient() {
                        Ok(Outcome::Clean)
                    } else {
                        println!(
                            "\n有效题目不足以按蓝图 {} 组成一份试卷（见上表中的“不足”）。",
                            blueprint.id
                        );
                        Ok(Outcome::ProblemsFound)
                    }
                }
                Err(BankLoadError::Problems(problems)) => {
                    for p in &problems {
                        println!("{p}");
                    }
                    println!("\n共 {} 处问题。", problems.len());
                    Ok(Outcome::ProblemsFound)
                }
                Err(e) => Err(e.into()),
            }
        }
        BankCommand::Synth { items, out } => {
            if out.join("bank.toml").exists() {
                anyhow::bail!("{} 中已有题库（bank.toml），不会覆盖", out.display());
            }
            let blueprint = Blueprint::cmq_2010();
            let files = synth_bank(&blueprint, items);
            for (rel, text) in &files {
                let path = out.join(rel);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).with_context(|| format!("无法创建目录 {}", parent.display()))?;
                }
                std::fs::write(&path, text).with_context(|| format!("无法写入 {}", path.display()))?;
            }
            let bank = Bank::load(&out).context("生成的合成题库未通过检查（这是程序缺陷）")?;
            println!("已在 {} 生成合成题库：{} 道题。", out.display(), bank.items.len());
            Ok(Outcome::Clean)
        }
        BankCommand::Import {
            files,
            out,
            format,
            module,
            id,
            name,
            yes,
        } => import(&files, &out, &format, module, id.as_deref(), name.as_deref(), yes),
        BankCommand::Export { dir, format, out } => {
            let format = bank_formats::Format::parse(&format)
                .filter(|f| *f != bank_formats::Format::Docx)
                .with_context(|| format!("不支持导出为“{format}”：可选 xlsx、qti、moodle、gift"))?;
            let bank = Bank::load(&dir)?;
            let bytes = bank_formats::export(&bank, format)?;
            // (GIFT cannot carry pictures: a bank with pictures is refused, naming its items.)
            std::fs::write(&out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            println!(
                "已将题库 {}（{} 道题）导出为{}：{}",
                bank.id,
                bank.items.len(),
                format.name_zh(),
                out.display()
            );
            Ok(Outcome::Clean)
        }
        BankCommand::Template { out } => {
            std::fs::write(&out, bank_formats::xlsx_template())
                .with_context(|| format!("无法写入 {}", out.display()))?;
            println!("已写出 Excel 题库模板：{}（“填写说明”工作表解释每一列）", out.display());
            Ok(Outcome::Clean)
        }
    }
}

/// Reads every file, prints one report, and writes the bank folder only when told `yes`.
fn import(
    files: &[PathBuf],
    out: &std::path::Path,
    format: &str,
    module: Option<u8>,
    id: Option<&str>,
    name: Option<&str>,
    yes: bool,
) -> anyhow::Result<Outcome> {
    use crate::exam::bank_import::{ImportRequest, imported_bank, read_import};
    if out.join("bank.toml").exists() {
        anyhow::bail!("{} 中已有题库（bank.toml），不会覆盖：请换一个输出目录", out.display());
    }
    let mut items: Vec<question_bank::Item> = Vec::new();
    let mut pictures: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
    let mut seen = std::collections::HashMap::new();
    let mut refused = 0;
    for path in files {
        let bytes = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
        let file_name = path.display().to_string();
        let request = ImportRequest {
            file_name: &file_name,
            format: Some(format),
            module,
            bank_id: None,
            bank_name: None,
            accept: false,
        };
        let (format, report) = read_import(&bytes, &request)?;
        println!("{file_name}（{}）：", format.name_zh());
        print!("{report}");
        refused += report.problems.len();
        for item in report.items {
            let clash = item.images.iter().find(|i| {
                pictures
                    .get(&i.file)
                    .is_some_and(|b| b != report.images.get(&i.file).unwrap_or(b))
            });
            if let Some(first) = seen.get(&item.id) {
                println!("  {file_name}：题目 {}：题号与 {first} 中的题目重复，未导入", item.id);
                refused += 1;
            } else if let Some(clash) = clash {
                println!(
                    "  {file_name}：题目 {}：图片“{}”与先前文件中的同名图片内容不同，未导入",
                    item.id, clash.file
                );
                refused += 1;
            } else {
                for image in &item.images {
                    if let Some(bytes) = report.images.get(&image.file) {
                        pictures.insert(image.file.clone(), bytes.clone());
                    }
                }
                seen.insert(item.id.clone(), file_name.clone());
                items.push(item);
            }
        }
        println!();
    }
    let first = files[0].display().to_string();
    let request = ImportRequest {
        file_name: &first,
        format: None,
        module,
        bank_id: id,
        bank_name: name,
        accept: yes,
    };
    let (bank, bank_files) = imported_bank(&items, &pictures, &request)?;
    println!("共导入 {} 道题，{refused} 处问题。", bank.items.len());
    if !yes {
        println!(
            "以上是导入报告，尚未写入任何文件。确认无误后加 --yes 重新运行，写入 {}。",
            out.display()
        );
        return Ok(if refused == 0 {
            Outcome::Clean
        } else {
            Outcome::ProblemsFound
        });
    }
    let written = crate::exam::bank::write_bank(out, &bank_files)
        .with_context(|| format!("无法写入题库目录 {}", out.display()))?;
    if !written {
        anyhow::bail!("{} 中已有题库（bank.toml），不会覆盖", out.display());
    }
    let bank = Bank::load(out).context("写出的题库未通过检查（这是程序缺陷）")?;
    println!(
        "已写入题库 {}（{}）：{} 道题，目录 {}。",
        bank.id,
        bank.name,
        bank.items.len(),
        out.display()
    );
    print!(
        "{}",
        coverage_table(&bank.coverage(&Blueprint::cmq_2010()), &Blueprint::cmq_2010())
    );
    Ok(Outcome::Clean)
}

/// Active items per module × kind next to what one paper needs.
pub fn coverage_table(c: &Coverage, blueprint: &Blueprint) -> String {
    let cell = |(have, need): (u32, u32)| {
        let mark = if have < need { " 不足" } else { "" };
        format!("{have:>4} / {need:<3}{mark}")
    };
    let mut out = format!("有效题目 / 每份试卷需要（蓝图 {}）\n", blueprint.id);
    out.push_str(&format!(
        "{}{}{}{}\n",
        pad("模块", 22),
        pad("单选", 16),
        pad("多选", 16),
        "开放题"
    ));
    for r in &c.rows {
        let name = format!("{} {}", r.module.number(), r.module.name_zh());
        out.push_str(&format!(
            "{}{:<16}{:<16}{:>4}\n",
            pad(&name, 22),
            cell(r.single),
            cell(r.multi),
            r.open
        ));
    }
    let single: (u32, u32) = c.rows.iter().fold((0, 0), |a, r| (a.0 + r.single.0, a.1 + r.single.1));
    let multi: (u32, u32) = c.rows.iter().fold((0, 0), |a, r| (a.0 + r.multi.0, a.1 + r.multi.1));
    out.push_str(&format!(
        "{}{:<16}{:<16}{}\n",
        pad("合计", 22),
        cell(single),
        cell(multi),
        cell((c.open_total(), c.open_needed))
    ));
    out
}

/// Pads to a display width in terminal columns: a Chinese character takes two.
fn pad(text: &str, columns: usize) -> String {
    let width: usize = text.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum();
    format!("{text}{}", " ".repeat(columns.saturating_sub(width)))
}
