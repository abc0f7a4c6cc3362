//! The pages people see on exam day: the landing page, the candidate's login and exam screen,
//! the staff login, the proctor's room console and the grader's marking page. Each page is a handlebars template from
//! `assets/pages/` around a shared layout, with a little plain JavaScript from
//! `assets/static/` that talks to the JSON API (the exam screen's as native ES modules in
//! `assets/static/exam/`). Templates and assets are compiled into
//! the binary, so a test centre needs nothing but `kaowu` — no build step, nothing from the
//! internet.
//!
//! The pages carry no answers and no timer of their own: the exam screen loads the paper,
//! answers and remaining time from the API, and the server stays the one source of truth.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use handlebars::Handlebars;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::AppState;
use super::account::LoggedIn;
use super::error::{ApiError, Path, Query};
use super::session::{Candidate, Chief, Grader, Office, Proctor, owes_password_change};
use crate::exam::{AccountRow, EventRow};
use exam_rules::paper_shape::MAX_OPEN_CHARS;
use exam_rules::scoring::MultiPolicy;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route("/login", get(candidate_login))
        .route("/staff-login", get(staff_login))
        .route("/exam", get(exam))
        .route("/proctor", get(proctor))
        .route("/marking", get(marking))
        .route("/marking/dashboard", get(marking_dashboard))
        .route("/office", get(office))
        .route("/office/analysis", get(office_analysis))
        .route("/password", get(password))
        .route("/apply", get(apply))
        .route("/verify", get(verify_form))
        .route("/verify/{number}", get(verify))
        .route("/directory", get(directory))
        .route(
            "/favicon.ico",
            get(|| async { Redirect::permanent("/static/favicon.svg") }),
        )
        .route("/static/{*file}", get(asset))
}

/// A page template from `assets/pages/`, by name.
macro_rules! template {
    ($name:literal) => {
        ($name, include_str!(concat!("../../../assets/pages/", $name, ".hbs")))
    };
}

/// The templates, by name. `layout` is the partial every page is wrapped in.
const TEMPLATES: [(&str, &str); 14] = [
    template!("layout"),
    template!("landing"),
    template!("login"),
    template!("staff-login"),
    template!("exam"),
    template!("proctor"),
    template!("marking"),
    template!("dashboard"),
    template!("analysis"),
    template!("password"),
    template!("office"),
    template!("apply"),
    template!("verify"),
    template!("directory"),
];

/// A static file from `assets/static/`, by its path there (also its address below `/static/`).
macro_rules! asset {
    ($path:literal) => {
        ($path, include_bytes!(concat!("../../../assets/static/", $path)))
    };
}

/// Static assets: path below `/static/`, bytes. The exam page is ES modules in `exam/`, whose
/// relative imports resolve to their neighbours here (a test checks each is listed). The
/// modules' tests (`test/`) are not served.
const ASSETS: &[(&str, &[u8])] = &[
    asset!("kaowu.css"),
    asset!("common.js"),
    asset!("login.js"),
    asset!("proctor.js"),
    asset!("marking.js"),
    asset!("password.js"),
    asset!("office.js"),
    asset!("apply.js"),
    asset!("office-registration.js"),
    asset!("favicon.svg"),
    asset!("exam/main.js"),
    asset!("exam/kaowu.js"),
    asset!("exam/state.js"),
    asset!("exam/queue.js"),
    asset!("exam/countdown.js"),
    asset!("exam/paper.js"),
    asset!("exam/screen.js"),
    asset!("exam/sheet.js"),
    asset!("exam/saving.js"),
    asset!("exam/status.js"),
    asset!("exam/submit.js"),
];

/// The content type of an asset, by its ending. Scripts must be JavaScript: a browser refuses
/// to run a module script served as anything else.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// A short hash of every asset: pages link `/static/x?v=VERSION`, so a new binary's assets are
/// never mixed with a browser's cached old ones.
static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for (name, bytes) in ASSETS {
        h.update(name.as_bytes());
        h.update(bytes);
    }
    hex::encode(&h.finalize()[..6])
});

static TEMPLATE_SET: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut hb = Handlebars::new();
    for (name, text) in TEMPLATES {
        hb.register_template_string(name, text)
            .unwrap_or_else(|e| panic!("page template {name} is invalid: {e}"));
    }
    hb
});

/// For whoever edits the pages: with `KAOWU_PAGES_DIR=assets`, templates and assets are
/// read from that folder on every request, so a change shows on reload without a rebuild.
/// Unset (always, in a test centre), the copies compiled into the binary are served.
fn pages_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("KAOWU_PAGES_DIR").map(std::path::PathBuf::from)
}

fn render_html(template: &str, data: &serde_json::Value) -> Result<String, String> {
    let Some(dir) = pages_dir() else {
        return TEMPLATE_SET.render(template, data).map_err(|e| e.to_string());
    };
    let mut hb = Handlebars::new();
    for (name, _) in TEMPLATES {
        let path = dir.join("pages").join(format!("{name}.hbs"));
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        hb.register_template_string(name, text).map_err(|e| e.to_string())?;
    }
    hb.render(template, data).map_err(|e| e.to_string())
}

/// Headers every page carries. The pages run only their own scripts (no inline script, nothing
/// from elsewhere; module scripts and their imports come from `/static/` like the rest) and may
/// not be framed; answers and names are never cached.
fn page_headers(response: &mut Response) {
    let h = response.headers_mut();
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
}

/// Renders a page; `data` is merged with what the layout needs.
fn render(template: &str, mut data: serde_json::Value) -> Response {
    if let Some(map) = data.as_object_mut() {
        map.insert("asset_version".into(), json!(ASSET_VERSION.as_str()));
    }
    let mut response = match render_html(template, &data) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(template, error = %e, "page template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><meta charset=utf-8><title>错误</title><p>页面生成失败，请联系考务人员。</p>"),
            )
                .into_response()
        }
    };
    page_headers(&mut response);
    response
}

/// An internal failure while preparing a page: logged, answered with a plain page.
fn failure(e: impl Into<ApiError>) -> Response {
    let e: ApiError = e.into();
    tracing::error!(error = %e, "page failed");
    render(
        "landing",
        json!({ "title": "系统错误", "events": [], "problem": "服务器暂时无法处理请求，请稍后重试或联系考务人员。" }),
    )
}

async fn landing(State(state): State<AppState>) -> Response {
    let events = match state.exam.events().await {
        Ok(events) => events,
        Err(e) => return failure(e),
    };
    let names: Vec<String> = events.into_iter().map(|e| e.name).collect();
    render("landing", json!({ "title": "首页", "events": names, "problem": null }))
}

async fn candidate_login() -> Response {
    render("login", json!({ "title": "考生登录" }))
}

/// The applicant's page (网上报名): open to anyone; its script asks the API who is logged in.
async fn apply() -> Response {
    render("apply", json!({ "title": "网上报名" }))
}

#[derive(Deserialize)]
struct VerifyForm {
    number: Option<String>,
}

/// The verification page's own form: `/verify?number=…` goes to the number's page.
async fn verify_form(Query(q): Query<VerifyForm>) -> Response {
    let number = q.number.unwrap_or_default();
    let number: String = number
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    Redirect::to(&format!("/verify/{}", if number.is_empty() { "-" } else { &number })).into_response()
}

/// A certificate's public page (the QR code on the certificate leads here): valid, suspended or
/// revoked, with the holder's name and the certification date; never the ID number.
async fn verify(State(state): State<AppState>, Path(number): Path<String>) -> Response {
    match state.exam.verify_certificate(&number).await {
        Ok(v) => render("verify", json!({ "title": "证书查验", "v": v })),
        Err(e) => failure(e),
    }
}

#[derive(Deserialize)]
struct DirectorySearch {
    q: Option<String>,
}

/// The public directory of certified quality managers (§四 4.3).
async fn directory(State(state): State<AppState>, Query(q): Query<DirectorySearch>) -> Response {
    let query: String = q.q.unwrap_or_default().trim().chars().take(40).collect();
    match state.exam.directory(&query).await {
        Ok(entries) => render(
            "directory",
            json!({ "title": "质量经理公开名录", "q": query, "count": entries.len(), "entries": entries }),
        ),
        Err(e) => failure(e),
    }
}

async fn staff_login() -> Response {
    render("staff-login", json!({ "title": "工作人员登录" }))
}

/// Where a staff page sends a browser its login may not see: to the password change while the
/// initial password is unchanged, else to the staff login.
fn staff_redirect<T>(who: &Result<T, ApiError>) -> Response {
    match who {
        Err(e) if owes_password_change(e) => Redirect::to("/password").into_response(),
        _ => Redirect::to("/staff-login").into_response(),
    }
}

/// The staff account a page greets, or the response that sends the browser elsewhere (an account
/// gone since the login: the staff login; a database failure: the error page).
async fn greeted(state: &AppState, session: &crate::exam::Session) -> Result<AccountRow, Response> {
    match state.exam.account(session.subject_id).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(Redirect::to("/staff-login").into_response()),
        Err(e) => Err(failure(e)),
    }
}

/// [`greeted`] with the event `?event=ID` names, by default the first one, for pages about one
/// event.
async fn greeted_with_event(
    state: &AppState,
    session: &crate::exam::Session,
    id: Option<i64>,
) -> Result<(AccountRow, Option<EventRow>), Response> {
    let account = greeted(state, session).await?;
    let mut events = state.exam.events().await.map_err(failure)?.into_iter();
    let event = match id {
        Some(id) => events.find(|e| e.id == id),
        None => events.next(),
    };
    Ok((account, event))
}

/// The event as a page names it.
fn event_line(event: &EventRow) -> serde_json::Value {
    json!({ "id": event.id, "name": event.name })
}

/// The header's "who is logged in": the name, and the role unless the name is the role.
fn staff_line(account: &AccountRow) -> serde_json::Value {
    let role = match account.role.as_str() {
        "office" => "考务办公室",
        "proctor" => "监考老师",
        "chief" => "阅卷组长",
        _ => "阅卷人",
    };
    json!({ "same": account.display_name == role, "name": account.display_name, "role": role })
}

/// Changing one's own password (修改密码), for any staff member — the only page open to one
/// whose initial password is unchanged. Everyone else is sent to the staff login.
async fn password(State(state): State<AppState>, who: Result<LoggedIn, ApiError>) -> Response {
    let Ok(LoggedIn(session)) = who else {
        return Redirect::to("/staff-login").into_response();
    };
    if !session.is_staff() {
        return Redirect::to("/staff-login").into_response();
    }
    let account = match greeted(&state, &session).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    render(
        "password",
        json!({
            "title": "修改密码",
            "first": account.must_change_password,
            "username": account.username,
            // Where the staff login sends everyone (the proctor page sends graders on).
            "home": if account.role == "office" { "/office" } else { "/proctor" },
            "staff": staff_line(&account),
        }),
    )
}

/// What the instructions say about the paper, from the event's blueprint.
#[derive(Serialize)]
struct Instructions {
    exam_name: String,
    duration_minutes: i64,
    total_points: i64,
    single_count: u32,
    single_points: i64,
    multi_count: u32,
    multi_points: i64,
    objective_points: i64,
    open_offered: u32,
    open_answered: u32,
    open_points: i64,
    open_total: i64,
    max_open_chars: usize,
    multi_rule: &'static str,
}

/// The exam screen. Without a candidate's login it sends the browser to the login page.
async fn exam(State(state): State<AppState>, who: Result<Candidate, ApiError>) -> Response {
    let Ok(Candidate(session)) = who else {
        return Redirect::to("/login").into_response();
    };
    let candidate = match state.exam.candidate(session.subject_id).await {
        Ok(Some(c)) => c,
        Ok(None) => return Redirect::to("/login").into_response(),
        Err(e) => return failure(e),
    };
    let event = match state.exam.event(candidate.event_id).await {
        Ok(e) => e,
        Err(e) => return failure(e),
    };
    let bp = &event.row.blueprint;
    let single_count: u32 = bp.modules.iter().map(|m| m.single).sum();
    let multi_count: u32 = bp.modules.iter().map(|m| m.multi).sum();
    let instructions = Instructions {
        exam_name: event.row.name.clone(),
        duration_minutes: event.row.duration_ms / 60_000,
        total_points: bp.total_points,
        single_count,
        single_points: bp.single_points,
        multi_count,
        multi_points: bp.multi_points,
        objective_points: bp.objective_points,
        open_offered: bp.open.offered,
        open_answered: bp.open.answered,
        open_points: bp.open.points,
        open_total: bp.open.points * bp.open.answered as i64,
        max_open_chars: MAX_OPEN_CHARS,
        multi_rule: match event.row.multi_policy {
            MultiPolicy::Exact => "须选出全部正确选项才得分，多选、少选或错选均不得分",
            MultiPolicy::Partial => "选项中有错误选项不得分；未选全时每选对一项得 0.5 分",
        },
    };
    render(
        "exam",
        json!({
            "title": "考试",
            "exam": instructions,
            "candidate": {
                "name": candidate.name,
                "ticket": candidate.ticket,
                "room": candidate.room,
                "seat": candidate.seat,
            },
        }),
    )
}

/// The proctor's room console. Without a staff login it sends the browser to the staff login;
/// graders and the chief grader (whom the staff login also sends here) go to the marking page.
async fn proctor(
    State(state): State<AppState>,
    who: Result<Proctor, ApiError>,
    grader: Result<Grader, ApiError>,
) -> Response {
    let Ok(Proctor(session)) = who else {
        if grader.is_ok() {
            return Redirect::to("/marking").into_response();
        }
        return staff_redirect(&who);
    };
    let account = match greeted(&state, &session).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    render(
        "proctor",
        json!({
            "title": "监考控制台",
            "staff": staff_line(&account),
        }),
    )
}

/// The exam office's console (考务管理): its events and what each needs next, creating an event,
/// publishing, the roster, results and their release. Other staff are sent to their own page.
async fn office(State(state): State<AppState>, who: Result<Office, ApiError>) -> Response {
    let Ok(Office(session)) = who else {
        return staff_redirect(&who);
    };
    let account = match greeted(&state, &session).await {
        Ok(account) => account,
        Err(response) => return response,
    };
    render("office", json!({ "title": "考务管理", "staff": staff_line(&account) }))
}

#[derive(Debug, Deserialize)]
struct MarkingQuery {
    event: Option<i64>,
}

/// The grader's marking page: one answer at a time, blind (the API gives no candidate data).
/// `?event=ID` picks the event, by default the first one. Without a grader's or chief's login
/// it sends the browser to the staff login.
async fn marking(
    State(state): State<AppState>,
    who: Result<Grader, ApiError>,
    Query(q): Query<MarkingQuery>,
) -> Response {
    let Ok(Grader(session)) = who else {
        return staff_redirect(&who);
    };
    let (account, event) = match greeted_with_event(&state, &session, q.event).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    render(
        "marking",
        json!({
            "title": "网上阅卷",
            "event": event.as_ref().map(event_line),
            "chief": account.role == "chief",
            "staff": staff_line(&account),
        }),
    )
}

/// The chief grader's progress page (`?event=ID`, by default the first event): progress per
/// question, each grader's marks and agreement, and the answers waiting for a decision. Graders
/// are sent to their marking page, everyone else to the staff login.
async fn marking_dashboard(
    State(state): State<AppState>,
    who: Result<Chief, ApiError>,
    grader: Result<Grader, ApiError>,
    Query(q): Query<MarkingQuery>,
) -> Response {
    let Ok(Chief(session)) = who else {
        if grader.is_ok() {
            return Redirect::to("/marking").into_response();
        }
        return staff_redirect(&who);
    };
    let (account, event) = match greeted_with_event(&state, &session, q.event).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    render(
        "dashboard",
        json!({
            "title": "阅卷进度",
            "event": event.as_ref().map(event_line),
            "staff": staff_line(&account),
        }),
    )
}

/// A figure to 3 decimals, "—" when there is none.
fn fig(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "—".into())
}

/// The score histogram as SVG geometry: one bar per bin, labelled with its range and count.
fn histogram(bins: &[question_bank::analysis::ScoreBin]) -> serde_json::Value {
    const BAR: f64 = 28.0;
    const GAP: f64 = 6.0;
    const HEIGHT: f64 = 160.0;
    const TOP: f64 = 18.0;
    let most = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let bars: Vec<serde_json::Value> = bins
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let x = 30.0 + i as f64 * (BAR + GAP);
            let h = HEIGHT * b.count as f64 / most;
            let y = TOP + HEIGHT - h;
            json!({
                "x": x, "y": y, "w": BAR, "h": h,
                "cx": x + BAR / 2.0, "count_y": y - 4.0, "label_y": TOP + HEIGHT + 14.0,
                "count": b.count, "from": b.from.to_string(), "to": b.to.to_string(),
            })
        })
        .collect();
    let width = 30.0 + bins.len() as f64 * (BAR + GAP) + 10.0;
    json!({
        "bars": bars, "width": width, "height": TOP + HEIGHT + 40.0,
        "axis_y": TOP + HEIGHT, "axis_x2": width - 6.0, "caption_y": TOP + HEIGHT + 32.0,
    })
}

/// A choice item's option shares as small horizontal SVG bars, the key in its own colour.
fn option_bars(c: &question_bank::analysis::ChoiceAnalysis) -> serde_json::Value {
    const ROW: f64 = 16.0;
    const LEN: f64 = 110.0;
    let bars: Vec<serde_json::Value> = c
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let y = 2.0 + i as f64 * ROW;
            json!({
                "label": o.label.to_string(), "key": o.is_key, "y": y, "text_y": y + 11.0,
                "w": (o.share.clamp(0.0, 1.0) * LEN).max(0.5), "share_x": 18.0 + LEN + 4.0,
                "share": format!("{:.0}%", o.share * 100.0), "count": o.count,
            })
        })
        .collect();
    json!({ "bars": bars, "height": 4.0 + c.options.len() as f64 * ROW })
}

/// The exam office's item-analysis page (`?event=ID`, by default the first event): the test
/// statistics, the score distribution, and each item's figures and flags, rendered on the
/// server. Everyone but the exam office is sent to the staff login.
async fn office_analysis(
    State(state): State<AppState>,
    who: Result<Office, ApiError>,
    Query(q): Query<MarkingQuery>,
) -> Response {
    let Ok(Office(session)) = who else {
        return staff_redirect(&who);
    };
    let (account, event) = match greeted_with_event(&state, &session, q.event).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let staff = staff_line(&account);
    let Some(event) = event else {
        return render(
            "analysis",
            json!({ "title": "题目分析", "event": null, "problem": "没有该考试场次。", "staff": staff }),
        );
    };
    let event_json = event_line(&event);
    let a = match state.exam.analyse_event(event.id, &Default::default()).await {
        Ok(a) => a,
        Err(e @ crate::exam::ServiceError::Invalid(_)) => {
            return render(
                "analysis",
                json!({ "title": "题目分析", "event": event_json, "problem": e.to_string(), "staff": staff }),
            );
        }
        Err(e) => return failure(e),
    };
    let t = &a.test;
    let test = json!({
        "candidates": t.candidates,
        "items": t.items,
        "max_possible": t.max_possible.to_string(),
        "mean": fig(Some(t.mean)),
        "sd": fig(t.sd),
        "alpha": fig(t.alpha),
        "stratified_alpha": fig(t.stratified_alpha),
        "strata": t.strata,
        // Papers of their own: α covers only the items common to all (often none), so the
        // stratified coefficient is the reliability shown.
        "own_papers": t.stratified_alpha.is_some() && t.alpha_items < t.items,
        "sem": fig(t.sem),
        "min": t.min.to_string(),
        "median": fig(Some(t.median)),
        "max": t.max.to_string(),
    });
    let items: Vec<serde_json::Value> = a
        .items
        .iter()
        .map(|i| {
            let flags: Vec<&str> = i.flags.iter().map(|f| f.reason.as_str()).collect();
            json!({
                "id": i.id.to_string(),
                "kind": i.kind.map(|k| k.name_zh()).unwrap_or("—"),
                "taken": i.taken,
                "facility": fig(i.facility),
                "item_rest_r": fig(i.item_rest_r),
                "discrimination": fig(i.discrimination),
                "alpha_if_deleted": fig(i.alpha_if_deleted),
                "flagged": !flags.is_empty(),
                "flags": flags,
                "options": i.choices.as_ref().map(option_bars),
            })
        })
        .collect();
    let flagged = items.iter().filter(|i| i["flagged"] == true).count();
    render(
        "analysis",
        json!({
            "title": "题目分析",
            "event": event_json,
            "problem": null,
            "caveat": t.too_few_candidates.then(|| format!(
                "仅 {} 名考生交卷，少于 {} 人：样本太小，不计算信度（α、测量标准误、删除后α），也不标记需复核的题目；其余数字仅供参考",
                t.candidates, a.settings.min_candidates
            )),
            "staff": staff,
            "test": test,
            "histogram": histogram(&t.distribution),
            "bin_width": t.bin_width.to_string(),
            "items": items,
            "flagged": flagged,
        }),
    )
}

/// Static assets, revalidated by ETag (cheap 304s) so a new binary's files are picked up at once.
async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(&(name, bytes)) = ASSETS.iter().find(|(name, _)| *name == file) else {
        return ApiError::NotFound("找不到该文件".into()).into_response();
    };
    let etag = format!("\"{}\"", *ASSET_VERSION);
    let mut response = if let Some(dir) = pages_dir() {
        match std::fs::read(dir.join("static").join(name)) {
            Ok(b) => (StatusCode::OK, b).into_response(),
            Err(_) => ApiError::NotFound("找不到该文件".into()).into_response(),
        }
    } else if headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (StatusCode::OK, bytes).into_response()
    };
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type(name)));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_renders() {
        let landing = TEMPLATE_SET
            .render(
                "landing",
                &json!({ "title": "首页", "events": ["演示"], "problem": null, "asset_version": "x" }),
            )
            .unwrap();
        assert!(
            landing.contains("考生登录") && landing.contains("工作人员登录"),
            "{landing}"
        );
        assert!(landing.contains("/static/kaowu.css?v=x"));
        let password = TEMPLATE_SET
            .render(
                "password",
                &json!({
                    "title": "修改密码",
                    "first": true,
                    "username": "p1",
                    "home": "/proctor",
                    "staff": { "same": false, "name": "张三", "role": "监考老师" },
                    "asset_version": "x",
                }),
            )
            .unwrap();
        assert!(
            password.contains("首次登录") && password.contains("/static/password.js?v=x"),
            "{password}"
        );
        for page in ["login", "staff-login"] {
            TEMPLATE_SET
                .render(page, &json!({ "title": "t", "asset_version": "x" }))
                .unwrap();
        }
        let marking = TEMPLATE_SET
            .render(
                "marking",
                &json!({
                    "title": "网上阅卷",
                    "event": { "id": 7, "name": "演示" },
                    "staff": { "same": false, "name": "张三", "role": "阅卷人" },
                    "asset_version": "x",
                }),
            )
            .unwrap();
        assert!(
            marking.contains("data-event=\"7\"") && marking.contains("/static/marking.js?v=x"),
            "{marking}"
        );
    }

    #[test]
    fn the_exam_page_loads_its_modules() {
        let exam = TEMPLATE_SET
            .render(
                "exam",
                &json!({
                    "title": "考试",
                    "candidate": { "ticket": "T1", "name": "张三", "room": "R", "seat": 1 },
                    "exam": { "duration_minutes": 180 },
                    "asset_version": "x",
                }),
            )
            .unwrap();
        assert!(
            exam.contains(r#"<script type="module" src="/static/exam/main.js?v=x"></script>"#),
            "{exam}"
        );
        assert_eq!(content_type("exam/main.js"), "text/javascript; charset=utf-8");
    }

    /// Every file in `assets/static/` (but the tests and Node's package.json) is served, and every relative import in a
    /// served script names a served file: a module left out of `ASSETS` would break the page.
    #[test]
    fn every_static_file_is_served_and_every_import_resolves() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/static");
        let mut on_disk = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
                if path.is_dir() {
                    if rel != "test" {
                        dirs.push(path);
                    }
                } else if !rel.ends_with("package.json") {
                    // (package.json only tells Node the scripts are modules.)
                    on_disk.push(rel);
                }
            }
        }
        for file in &on_disk {
            assert!(
                ASSETS.iter().any(|(name, _)| name == file),
                "assets/static/{file} is not in ASSETS"
            );
        }
        for (name, bytes) in ASSETS {
            let text = String::from_utf8_lossy(bytes);
            let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let target = line
                    .split(['\'', '"'])
                    .nth(1)
                    .unwrap_or_else(|| panic!("{name}: cannot read {line}"));
                let rel = target
                    .strip_prefix("./")
                    .unwrap_or_else(|| panic!("{name}: imports must be relative: {line}"));
                let path = if dir.is_empty() {
                    rel.to_string()
                } else {
                    format!("{dir}/{rel}")
                };
                assert!(
                    ASSETS.iter().any(|(n, _)| *n == path),
                    "{name} imports {path}, which is not served"
                );
            }
        }
    }

    #[test]
    fn pages_load_nothing_from_elsewhere() {
        for (name, text) in TEMPLATES {
            assert!(
                !text.contains("http://") && !text.contains("https://"),
                "{name} links outside"
            );
        }
        for (name, bytes) in ASSETS {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains("https://") && !text.contains("@import"),
                "{name} loads something from elsewhere"
            );
        }
    }
}
