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
    /// 签发电子证书（Open Badges 3.0）所用的 Ed25519 私钥文件（PKCS#8 PEM，如 openssl genpkey -algorithm ed25519 -out 文件 生成）；演示模式下未给出时在当前文件夹生成 kaowu-signing-key.pem
    #[arg(long)]
    signing_key: Option<std::path::PathBuf>,
}

/// The file the demo's signing key is kept in when none is given.
const DEMO_SIGNING_KEY: &str = "kaowu-signing-key.pem";

/// The signing key from its file; for the demo, made on first use when no file is given.
fn signing_key(path: Option<&std::path::Path>, demo: bool) -> anyhow::Result<Option<credentials::SigningKey>> {
    let path = match (path, demo) {
        (Some(p), _) => p.to_path_buf(),
        (None, true) => {
            let p = std::path::PathBuf::from(DEMO_SIGNING_KEY);
            if !p.exists() {
                write_private(&p, &credentials::SigningKey::generate().to_pkcs8_pem())
                    .with_context(|| format!("无法写入演示签名密钥 {}", p.display()))?;
            }
            p
        }
        (None, false) => return Ok(None),
    };
    let pem = std::fs::read_to_string(&path).with_context(|| format!("无法读取签名密钥文件 {}", path.display()))?;
    let key = credentials::SigningKey::from_pkcs8_pem(&pem)
        .map_err(|e| anyhow::anyhow!("签名密钥文件 {}：{}", path.display(), e.message_zh()))?;
    Ok(Some(key))
}

/// Writes a private key readable by its owner only.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let exam = Exam::open(&args.db.database)
        .await
        .with_context(|| format!("无法打开数据库 {}", args.db.database))?;
    let exam = match signing_key(args.signing_key.as_deref(), args.demo)? {
        Some(key) => exam.with_signing_key(key),
        None => exam,
    };
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
        crate::exam::demo::ensure_registration_demo(&exam).await?;
        println!("  网上报名：演示报名场次（北京、上海）已开放报名，申请人在 /apply 注册账号后填写报名表。");
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
