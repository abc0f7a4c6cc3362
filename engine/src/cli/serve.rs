//! `kaowu serve`: the test-centre server.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;
use tokio::net::TcpListener;

use crate::exam::Exam;
use crate::web::{AppState, serve};

/// The port `kaowu serve` listens on unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// 监听地址
    #[arg(long, default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    #[command(flatten)]
    db: super::DbArgs,
    /// 载入演示题库并创建演示考试、考生与工作人员账号（打印登录信息）
    #[arg(long)]
    demo: bool,
    /// 登录 Cookie 加上 Secure 标记（浏览器只经 HTTPS 发送）：在 HTTPS 反向代理之后运行时使用
    #[arg(long)]
    secure_cookies: bool,
    /// 考务办公室在控制台上传的题库保存在此文件夹（每个版本一个子文件夹）
    #[arg(long, default_value = "banks")]
    bank_dir: std::path::PathBuf,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let exam = Exam::open(&args.db.database)
        .await
        .with_context(|| format!("无法打开数据库 {}", args.db.database))?;
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("无法监听 {}", args.listen))?;
    let addr = listener.local_addr()?;
    if args.demo {
        let logins = crate::exam::demo::ensure_demo(&exam).await?;
        println!(
            "演示考试已就绪（考试编号 {}，考场：{}）。",
            logins.event_id,
            crate::exam::demo::DEMO_ROOM
        );
        let event = exam.event(logins.event_id).await?;
        println!("  {}。", event.row.schedule().timetable_zh());
        if event.row.schedule().may_open_room(exam.now()).is_err() {
            println!("  本场演示考试已有考生作答、现已不能入场；如需重新演示，请删除 kaowu.db 后重新运行。");
        }
        println!("  考生（准考证号 / 密码）：");
        for (ticket, password) in &logins.candidates {
            println!("    {ticket} / {password}");
        }
        println!("  工作人员（用户名 / 密码）：");
        for (user, password, role) in &logins.staff {
            println!("    {user} / {password}（{role}）");
        }
    }
    // Sittings whose time ran out while the server was down are submitted by the expiry
    // sweeper, which starts with the server: candidates are served at once rather than after
    // thousands of submissions (a save after a deadline is refused either way, and a candidate
    // who shows up has their own expired paper handed in first).
    println!("Kaowu 已启动：http://{addr}/");
    // A machine-readable line for scripts and tests that start the server on port 0.
    println!("listening on {addr}");
    tracing::info!(%addr, database = %args.db.database, "serving");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve(
        listener,
        AppState::new(exam)
            .with_secure_cookies(args.secure_cookies)
            .with_bank_dir(args.bank_dir),
        shutdown,
    )
    .await?;
    Ok(())
}
