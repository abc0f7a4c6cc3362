//! What every request passes before a handler, and every response after: cross-site requests
//! refused, the documented content types required, body sizes bounded, and answers that no
//! browser or proxy keeps. Also the answers for addresses and methods no route serves, so that
//! every error a client can cause is `{"error": "中文说明"}`.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST, ORIGIN, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The largest request body most routes take (a browser's whole offline queue of saves is far
/// below it).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// A login: a ticket or user name and a password.
pub const LOGIN_BODY_LIMIT: usize = 4 * 1024;
/// A roster: 10,000 candidates as CSV are about 1 MB.
pub const ROSTER_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Refuses a state-changing request that a page of another site could have sent: one whose
/// `Origin` is not this server's own address, or that the browser marks as cross-site
/// (`Sec-Fetch-Site`). Requests without these headers (scripts, the CLI, curl) come from no
/// browser page and pass. Also refuses the content types an HTML form can send without asking
/// (text/plain, form encodings): every route that takes a body documents JSON, or CSV for a
/// roster.
pub async fn same_origin_writes(request: Request, next: Next) -> Response {
    if has_control_char(request.uri().path()) || request.uri().query().is_some_and(has_control_char) {
        return ApiError::NotFound("找不到该地址：地址中含有不可见的控制字符".into()).into_response();
    }
    let method = request.method();
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if fetch_site.is_some_and(|site| site != "same-origin" && site != "none") {
        return cross_site();
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let host = headers.get(HOST).and_then(|v| v.to_str().ok());
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map(|(_, rest)| rest.trim_end_matches('/'));
        if host.is_none() || origin_host != host {
            return cross_site();
        }
    }
    if let Some(content_type) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        // A roster is a file (CSV or an Excel workbook). None of these types is one a cross-site
        // form can send without the browser asking first (CORS-safelisted types are only
        // text/plain, multipart/form-data and application/x-www-form-urlencoded).
        let path = request.uri().path();
        let roster = path.ends_with("/roster") || path.ends_with("/roster/check");
        let bank = path == "/api/office/bank/upload";
        let bank_file = path == "/api/office/bank/import";
        let document = path.starts_with("/api/apply/documents/")
            || (path.starts_with("/api/office/applications/") && path.contains("/paper-documents/"));
        let allowed = essence == "application/json"
            || (document && DOCUMENT_TYPES.contains(&essence.as_str()))
            || (roster && ROSTER_TYPES.contains(&essence.as_str()))
            || (bank && BANK_TYPES.contains(&essence.as_str()))
            || (bank_file && (BANK_TYPES.contains(&essence.as_str()) || BANK_FILE_TYPES.contains(&essence.as_str())));
        if !allowed {
            let expected = if roster {
                "text/csv、application/octet-stream 或 Excel 工作簿（.xlsx）"
            } else if bank {
                "ZIP 文件（application/zip 或 application/octet-stream）"
            } else if bank_file {
                "题库文件（application/octet-stream、Excel、Word、ZIP 或 XML）"
            } else if document {
                "材料文件（application/octet-stream、image/jpeg、image/png 或 application/pdf）"
            } else {
                "application/json"
            };
            return (
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                axum::Json(serde_json::json!({
                    "error": format!("请求的内容类型“{essence}”不受支持：本接口只接受 {expected}")
                })),
            )
                .into_response();
        }
    }
    next.run(request).await
}

/// The content types a bank's ZIP may be sent as (none is CORS-safelisted).
const BANK_TYPES: [&str; 3] = [
    "application/zip",
    "application/x-zip-compressed",
    "application/octet-stream",
];

/// The content types a bank file in another format may be sent as, besides [`BANK_TYPES`] (none
/// is CORS-safelisted: GIFT text goes as application/octet-stream, never text/plain).
const BANK_FILE_TYPES: [&str; 4] = [
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/xml",
    "text/xml",
];

/// The content types an applicant's document may be sent as (none is CORS-safelisted).
const DOCUMENT_TYPES: [&str; 4] = ["application/octet-stream", "image/jpeg", "image/png", "application/pdf"];

/// The content types a roster may be sent as.
const ROSTER_TYPES: [&str; 3] = [
    "text/csv",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

fn cross_site() -> Response {
    ApiError::Forbidden("已拒绝来自其他网站的请求：请在本系统的页面中操作".into()).into_response()
}

/// Every answer: `nosniff`, and `no-store` unless the handler chose its own caching (static
/// files are revalidated by ETag). A candidate's paper or answers never stay in a shared
/// machine's cache or a proxy.
pub async fn response_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    // axum's own rejections (a body over the limit before any extractor ran, …) are plain text
    // in English: say them in Chinese, as JSON.
    let status = response.status();
    let plain = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("text/plain"));
    if (status.is_client_error() || status.is_server_error()) && plain {
        return reworded(status, response);
    }
    response
}

fn reworded(status: axum::http::StatusCode, response: Response) -> Response {
    use axum::http::StatusCode;
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(super::error::TOO_LARGE.into()),
        StatusCode::NOT_FOUND => ApiError::NotFound("找不到该地址".into()),
        StatusCode::METHOD_NOT_ALLOWED => return method_not_allowed(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            return (
                status,
                axum::Json(serde_json::json!({ "error": "请求的内容类型不受支持：请使用 application/json" })),
            )
                .into_response();
        }
        s if s.is_server_error() => ApiError::Internal(format!("{s} without a body")),
        _ => ApiError::BadRequest("请求有误".into()),
    };
    let mut fresh = error.into_response();
    // Keep headers the original answer carried (Allow, Retry-After, …).
    for (name, value) in response.headers() {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fresh
}

/// An address no route serves.
pub async fn not_found() -> Response {
    ApiError::NotFound("找不到该地址".into()).into_response()
}

/// A method the address does not take.
pub async fn method_not_allowed_fallback() -> Response {
    method_not_allowed()
}

fn method_not_allowed() -> Response {
    let body: Body = serde_json::json!({ "error": "该地址不支持这种请求方式" })
        .to_string()
        .into();
    Response::builder()
        .status(axum::http::StatusCode::METHOD_NOT_ALLOWED)
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .expect("a static response")
}

/// Whether a percent-encoded URI part decodes to a control character (`%00`, `%0A`, …).
fn has_control_char(part: &str) -> bool {
    let bytes = part.as_bytes();
    bytes.iter().any(|b| b.is_ascii_control())
        || bytes.windows(3).any(|w| {
            w[0] == b'%'
                && std::str::from_utf8(&w[1..])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .is_some_and(|b| b.is_ascii_control())
        })
}
