//! `kaowu event …`, `kaowu roster …` and `kaowu account …`: the exam office's work from the
//! command line, against the same database the server uses.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::DbArgs;
use super::paper::load_blueprint;
use crate::exam::Exam;
use crate::exam::office::{EventSpec, passwords_csv};
use exam_rules::scoring::MultiPolicy;

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// 创建考试：冻结题库中当前的有效题目，此后修改题库不影响本场考试
    Create {
        #[command(flatten)]
        db: DbArgs,
        /// 考试名称
        #[arg(long)]
        name: String,
        /// 开考时间，如 2026-12-06T09:00:00+08:00
        #[arg(long)]
        starts_at: String,
        /// 考场，逗号分隔
        #[arg(long, value_delimiter = ',', required = true)]
        rooms: Vec<String>,
        /// 题库目录，或 demo（内置演示题库）
        #[arg(long)]
        bank: String,
        /// 使用 K 套固定试卷（默认：每位考生一份独立试卷）
        #[arg(long)]
        forms: Option<u32>,
        /// 组卷种子（默认：当前时间）
        #[arg(long)]
        seed: Option<u64>,
        /// 多选题计分：exact（全对得分）或 partial（有错不得分，少选每项 0.5 分）
        #[arg(long, default_value = "exact")]
        multi_policy: String,
        /// 合格分数线（满分 150）
        #[arg(long, default_value_t = 90)]
        pass_mark: i64,
        /// 合格另须客观题不低于此分（满分 90，默认不设）
        #[arg(long)]
        min_objective: Option<i64>,
        /// 合格另须开放题不低于此分（满分 60，默认不设）
        #[arg(long)]
        min_open: Option<i64>,
        /// 仅创建草稿：题目在发布（kaowu event publish）时才冻结，发布前不能开考
        #[arg(long)]
        draft: bool,
        /// 蓝图文件（默认：内置 CMQ 2010 蓝图）
        #[arg(long)]
        blueprint: Option<PathBuf>,
        /// 开考后允许入场的分钟数（默认 30：开考 30 分钟后不得入场）
        #[arg(long, default_value_t = 30)]
        late_entry_minutes: i64,
        /// 开考前可开放考场的分钟数（默认 30，最多 120）
        #[arg(long, default_value_t = 30)]
        open_before_minutes: i64,
        /// 模拟考试：时长（分钟，1–180），代替蓝图规定的 180 分钟
        #[arg(long)]
        rehearsal_minutes: Option<i64>,
    },
    /// 发布草稿考试：冻结题库中此刻的有效题目，此后方可开考
    Publish {
        #[command(flatten)]
        db: DbArgs,
        /// 考试编号
        #[arg(long)]
        event: i64,
        /// 题库目录，或 demo（须与创建时的题库相同）
        #[arg(long)]
        bank: String,
    },
    /// 列出考试
    List {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// 导入考生名单（Excel 工作簿或 CSV；列：姓名,姓名拼音,身份证号,准考证号,考场,座位）并签发密码；有错则整份不导入
    Import {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        event: i64,
        /// 名单文件：Excel 工作簿（.xlsx，读第一个工作表）或 CSV（UTF-8 或 GBK）
        csv: PathBuf,
        /// 密码清单输出文件（CSV，供打印分发；密码只在此出现一次）
        #[arg(long, required_unless_present = "check")]
        passwords_out: Option<PathBuf>,
        /// 只检查名单、列出问题或人数，不导入
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// 新建工作人员账号（打印初始密码，首次登录须修改）
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// 显示名称
        #[arg(long)]
        name: String,
        /// office（考务办公室）、proctor（监考）、grader（阅卷）、chief（阅卷组长）
        #[arg(long)]
        role: String,
    },
    /// 指派监考老师到考试的考场（监考老师只能查看和操作所指派的考场）
    AssignProctor {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// 考试编号
        #[arg(long)]
        event: i64,
        /// 考场（可重复）
        #[arg(long = "room", required = true)]
        rooms: Vec<String>,
    },
    /// 列出全部工作人员账号
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// 重置密码：签发新的初始密码（原密码失效，已登录的会话结束，下次登录须修改）
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
    /// 分配阅卷人到开放题（不给 --item 则分配到全部开放题）
    AssignGrader {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// 考试编号
        #[arg(long)]
        event: i64,
        /// 开放题的题目编号（不给则全部开放题）
        #[arg(long)]
        item: Option<String>,
    },
}

pub async fn run_event(cmd: EventCommand) -> anyhow::Result<()> {
    match cmd {
        EventCommand::Create {
            db,
            name,
            starts_at,
            rooms,
            bank,
            forms,
            seed,
            multi_policy,
            pass_mark,
            min_objective,
            min_open,
            draft,
            blueprint,
            late_entry_minutes,
            open_before_minutes,
            rehearsal_minutes,
        } => {
            let blueprint = load_blueprint(blueprint.as_deref())?;
            let starts = OffsetDateTime::parse(&starts_at, &Rfc3339)
                .with_context(|| format!("开考时间“{starts_at}”格式有误（应如 2026-12-06T09:00:00+08:00）"))?;
            let multi_policy = MultiPolicy::parse(&multi_policy)
                .with_context(|| format!("多选题计分规则“{multi_policy}”无效，应为 exact 或 partial"))?;
            let exam = Exam::open(&db.database).await?;
            // With the office's retired items applied, as the console creates events.
            let bank = exam.bank_in_use(&bank).await?;
            let spec = EventSpec {
                name,
                starts_at_ms: (starts.unix_timestamp_nanos() / 1_000_000) as i64,
                rooms,
                forms,
                seed: seed.unwrap_or_else(crate::auth::random_seed),
                multi_policy,
                pass_mark,
                min_objective,
                min_open,
                draft,
                schedule: crate::exam::office::ScheduleSpec {
                    late_entry_minutes,
                    open_before_minutes,
                    rehearsal_minutes,
                },
            };
            let id = exam.create_event(&bank, &blueprint, &spec).await?;
            if draft {
                println!(
                    "已创建考试草稿 {id}：{}（题库 {}）。发布后题目才冻结、方可开考：kaowu event publish --event {id} --bank …",
                    spec.name, bank.id
                );
            } else {
                println!(
                    "已创建并发布考试 {id}：{}（题库 {}，{} 道有效题目已冻结）。",
                    spec.name,
                    bank.id,
                    bank.active().count()
                );
            }
            if let Some(event) = exam.events().await?.into_iter().find(|e| e.id == id) {
                let kind = if event.rehearsal { "模拟考试，" } else { "" };
                println!(
                    "{kind}{}（{} 分钟）。",
                    event.schedule().timetable_zh(),
                    event.duration_ms / 60_000
                );
            }
        }
        EventCommand::Publish { db, event, bank } => {
            let exam = Exam::open(&db.database).await?;
            let bank = exam.bank_in_use(&bank).await?;
            let frozen = exam.publish_event(event, &bank, "cli").await?;
            println!("已发布考试 {event}：{frozen} 道有效题目已冻结（题库 {}）。", bank.id);
        }
        EventCommand::List { db } => {
            for (e, candidates) in Exam::open(&db.database).await?.event_list().await? {
                println!(
                    "{}\t{}\t{}\t题库 {}\t考生 {candidates} 人",
                    e.id,
                    e.name,
                    if e.published { "已发布" } else { "草稿" },
                    e.bank_id,
                );
            }
        }
    }
    Ok(())
}

pub async fn run_roster(cmd: RosterCommand) -> anyhow::Result<()> {
    let RosterCommand::Import {
        db,
        event,
        csv,
        passwords_out,
        check,
    } = cmd;
    let bytes = std::fs::read(&csv).with_context(|| format!("无法读取 {}", csv.display()))?;
    let exam = Exam::open(&db.database).await?;
    if check {
        let p = exam
            .check_roster(event, &bytes)
            .await
            .with_context(|| format!("{} 不能导入", csv.display()))?;
        let rooms: Vec<String> = p
            .rooms
            .iter()
            .map(|r| format!("{} {} 人", r.room, r.candidates))
            .collect();
        println!(
            "{} 可以导入：考生 {} 名（{}）。尚未导入；去掉 --check 即导入。",
            csv.display(),
            p.candidates,
            rooms.join("，")
        );
        return Ok(());
    }
    let Some(passwords_out) = passwords_out else {
        anyhow::bail!("请用 --passwords-out 指定密码清单的保存位置（或用 --check 只检查名单）");
    };
    if passwords_out.exists() {
        anyhow::bail!("{} 已存在，不会覆盖（密码清单只生成一次）", passwords_out.display());
    }
    let issued = exam
        .import_roster(event, &bytes)
        .await
        .with_context(|| format!("{} 未导入", csv.display()))?;
    std::fs::write(&passwords_out, passwords_csv(&issued))
        .with_context(|| format!("无法写入 {}", passwords_out.display()))?;
    println!(
        "已导入 {} 名考生；密码清单已写入 {}。",
        issued.len(),
        passwords_out.display()
    );
    Ok(())
}

pub async fn run_account(cmd: AccountCommand) -> anyhow::Result<()> {
    let (db, username, name, role) = match cmd {
        AccountCommand::Add {
            db,
            username,
            name,
            role,
        } => (db, username, name, role),
        AccountCommand::AssignProctor {
            db,
            username,
            event,
            rooms,
        } => return assign_proctor(db, &username, event, &rooms).await,
        AccountCommand::List { db } => return list_staff(db).await,
        AccountCommand::ResetPassword { db, username } => return reset_password(db, &username).await,
        AccountCommand::AssignGrader {
            db,
            username,
            event,
            item,
        } => {
            let n = Exam::open(&db.database)
                .await?
                .assign_grader(event, &username, item.as_deref())
                .await?;
            println!("已分配 {username} 评阅考试 {event} 的开放题 {n} 道");
            return Ok(());
        }
    };
    let password = Exam::open(&db.database)
        .await?
        .add_staff(&username, &name, &role, "cli")
        .await?;
    // The password ends the output (scripts take what follows the last "：").
    println!("已创建账号 {username}（{role}），首次登录须修改初始密码");
    println!("初始密码：{password}");
    Ok(())
}

async fn assign_proctor(db: DbArgs, username: &str, event: i64, rooms: &[String]) -> anyhow::Result<()> {
    Exam::open(&db.database)
        .await?
        .assign_proctor(event, username, rooms, "cli")
        .await?;
    println!("已指派 {username} 监考考试 {event} 的考场：{}", rooms.join("、"));
    Ok(())
}

async fn list_staff(db: DbArgs) -> anyhow::Result<()> {
    let staff = Exam::open(&db.database).await?.staff().await?;
    println!("用户名\t姓名\t角色\t状态");
    for s in &staff {
        let state = if s.must_change_password {
            "初始密码未修改"
        } else {
            "正常"
        };
        println!("{}\t{}\t{}\t{state}", s.username, s.name, s.role_name);
    }
    println!("共 {} 个账号", staff.len());
    Ok(())
}

async fn reset_password(db: DbArgs, username: &str) -> anyhow::Result<()> {
    let reset = Exam::open(&db.database)
        .await?
        .reset_staff_password(username, "cli")
        .await?;
    // The password ends the output (scripts take what follows the last "：").
    println!("已重置 {username} 的密码：原密码已失效，下次登录须修改");
    println!("初始密码：{}", reset.password);
    Ok(())
}
