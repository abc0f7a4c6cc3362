//! The HTTP server: JSON API (and, with the pages, the candidate and proctor screens).
//! `serve(listener, state, shutdown)` lets the caller own the socket, so tests bind port 0.

pub mod account;
pub mod apply;
pub mod bank;
pub mod candidate;
pub mod error;
pub mod guard;
pub mod marking;
pub mod office;
pub mod openapi;
pub mod pages;
pub mod printing;
pub mod proctor;
pub mod public;
pub mod registration;
pub mod session;
pub mod staff;

use std::future::Future;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::{Json, Router, middleware};
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::exam::Exam;
use crate::exam::saver::Saver;
use session::SessionCache;

#[derive(Clone)]
pub struct AppState {
    pub exam: Exam,
    pub saver: Saver,
    pub sessions: SessionCache,
    /// Mark the login cookie `Secure` (`serve --secure-cookies`, behind an HTTPS proxy).
    pub secure_cookies: bool,
    /// Where banks uploaded from the console are stored (`serve --bank-dir`, default `banks`).
    pub bank_dir: std::path::PathBuf,
}

impl AppState {
    /// Starts the save writers for the store's backend.
    pub fn new(exam: Exam) -> AppState {
        let saver = exam.start_saver();
        AppState {
            exam,
            saver,
            sessions: SessionCache::default(),
            secure_cookies: false,
            bank_dir: std::path::PathBuf::from("banks"),
        }
    }

    /// Where banks uploaded from the console are stored.
    pub fn with_bank_dir(self, bank_dir: std::path::PathBuf) -> AppState {
        AppState { bank_dir, ..self }
    }

    /// The login cookie marked `Secure`, so browsers send it over HTTPS only.
    pub fn with_secure_cookies(self, secure_cookies: bool) -> AppState {
        AppState { secure_cookies, ..self }
    }
}

/// The JSON API: every route together with its OpenAPI operation, and the document they make.
pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(healthz))
        .routes(routes!(openapi_json))
        .routes(routes!(session::login).layer(DefaultBodyLimit::max(guard::LOGIN_BODY_LIMIT)))
        .routes(routes!(session::logout))
        .merge(account::router())
        .merge(candidate::router())
        .merge(proctor::router())
        .merge(office::router())
        .merge(staff::router())
        .merge(printing::router())
        .merge(bank::router())
        .merge(marking::router())
        .merge(apply::router())
        .merge(registration::router())
        .merge(public::router())
        .split_for_parts();
    (router, openapi::with_error_responses(doc))
}

/// The OpenAPI document of the API (what `/api/openapi.json` serves).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api_router().1
}

pub fn router(state: AppState) -> Router {
    let (api, _) = api_router();
    api.merge(pages::router())
        .fallback(guard::not_found)
        .method_not_allowed_fallback(guard::method_not_allowed_fallback)
        .layer(middleware::from_fn(guard::same_origin_writes))
        .layer(DefaultBodyLimit::max(guard::DEFAULT_BODY_LIMIT))
        .layer(middleware::from_fn(guard::response_headers))
        .with_state(state)
}

#[utoipa::path(
    get, summary = "健康检查：服务器在运行", description = "健康检查：服务器在运行", path = "/healthz", tag = "system",
    responses((status = 200, description = "在运行", content_type = "text/plain", body = String)))]
async fn healthz() -> &'static str {
    "ok"
}

#[utoipa::path(
    get, summary = "本接口文档（OpenAPI 3.1，由各接口的代码生成）", description = "本接口文档（OpenAPI 3.1，由各接口的代码生成）", path = "/api/openapi.json", tag = "system",
    responses((status = 200, description = "OpenAPI 文档", body = Object)))]
async fn openapi_json() -> Json<&'static serde_json::Value> {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    Json(DOC.get_or_init(|| serde_json::to_value(openapi_document()).expect("the OpenAPI document is JSON")))
}

/// Submits expired sittings now and then every second, so time runs out on the server even
/// when no browser is open, and a restarted server catches up at once.
pub fn spawn_expiry_sweeper(exam: Exam) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            match exam.sweep_expired().await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(submitted = n, "time ran out: sittings submitted by the server");
                }
                Err(e) => tracing::error!(error = %e, "expiry sweep failed"),
            }
        }
    })
}

/// Serves until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = spawn_expiry_sweeper(state.exam.clone());
    let live = state.exam.spawn_live_feed();
    let exam = state.exam.clone();
    let shutdown = async move {
        shutdown.await;
        // Candidates' live feeds never end by themselves: end them so the shutdown can finish.
        exam.stop_live();
    };
    let result = axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    sweeper.abort();
    live.abort();
    result
}

/// This server's address as the browser reached it (`Host`), for links printed on paper (the
/// QR code of a certificate): https behind a proxy that ends TLS (`--secure-cookies`).
pub(crate) fn base_url(headers: &axum::http::HeaderMap, state: &AppState) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1:8080");
    let scheme = if state.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// A credential secured as a VC-JWT.
pub(crate) fn vc_jwt_response(jwt: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::CONTENT_TYPE, "application/vc+jwt")], jwt).into_response()
}

/// A PDF as a download: `ascii` names the file for old browsers, `utf8` (percent-encoded) in
/// Chinese for the rest.
pub(crate) fn pdf_attachment(printed: crate::print::Printed, ascii: &str, utf8: &str) -> axum::response::Response {
    attachment(
        printed.pdf,
        "application/pdf",
        &format!("{ascii}.pdf"),
        &format!("{utf8}.pdf"),
    )
}

/// A picture of an item, as the pages show it: its type, never sniffed, never cached by others.
pub(crate) fn picture_response(content_type: String, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (axum::http::header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// A file as a download: `ascii` names it for old browsers, `utf8` (percent-encoded) for the rest.
pub(crate) fn attachment(bytes: Vec<u8>, content_type: &str, ascii: &str, utf8: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}"),
            ),
        ],
        bytes,
    )
        .into_response()
}
