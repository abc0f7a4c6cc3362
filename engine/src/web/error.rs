//! The one place errors become HTTP responses. Clients get a clear Chinese message for their own
//! mistakes; internal failures are logged in detail and answered with a generic message.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use exam_rules::{Refusal, RefusalKind};

use crate::exam::ServiceError;
use crate::exam::saver::SaverError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// The database or its disk cannot take the request now (locked, full, connection lost):
    /// nothing was changed and the client should try again.
    #[error("{0}")]
    Unavailable(String),
    /// A rule of the exam refused the request: answered with the refusal's stable `code`
    /// beside the message, so pages decide on the code, never on the text.
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What a client is told when the database cannot take a request now.
pub const UNAVAILABLE: &str = "服务器暂时无法写入数据（数据库繁忙或磁盘空间不足），本次操作未生效，请稍后重试";

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Refused(r) => match r.kind() {
                RefusalKind::Conflict => StatusCode::CONFLICT,
                RefusalKind::NotPermitted => StatusCode::FORBIDDEN,
                RefusalKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            },
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = match &self {
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "服务器内部错误，请稍后重试或联系考务人员".to_string()
            }
            other => other.to_string(),
        };
        let body = match &self {
            ApiError::Refused(r) => json!({ "error": message, "code": r.code() }),
            _ => json!({ "error": message }),
        };
        let mut response = (self.status(), Json(body)).into_response();
        if let ApiError::Unavailable(_) = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("2"),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "the database cannot take a request now; answered 503");
            ApiError::Unavailable(UNAVAILABLE.into())
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Store(e) => e.into(),
            ServiceError::Refused(r) => ApiError::Refused(r),
            ServiceError::NotFound(n) => ApiError::NotFound(n.to_string()),
            ServiceError::Forbidden(f) => ApiError::Forbidden(f.to_string()),
            ServiceError::Invalid(m) => ApiError::Unprocessable(m),
            ServiceError::Unauthorized(m) => ApiError::Unauthorized(m),
            ServiceError::TooManyAttempts(m) | ServiceError::Busy(m) => ApiError::TooManyRequests(m),
            ServiceError::NotReady(m) => ApiError::Conflict(m),
            other @ (ServiceError::Internal(_) | ServiceError::Assembly(..)) => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::exam::NotFound> for ApiError {
    fn from(n: crate::exam::NotFound) -> Self {
        ServiceError::from(n).into()
    }
}

impl From<SaverError> for ApiError {
    fn from(e: SaverError) -> Self {
        if e.unavailable {
            ApiError::Unavailable(
                "答案暂未保存：服务器暂时无法写入（数据库繁忙或磁盘空间不足）。本机会保留这些答案并自动重试，请继续作答"
                    .into(),
            )
        } else {
            ApiError::Internal(e.detail)
        }
    }
}

/// What a client is told when its request body is over the route's limit.
pub const TOO_LARGE: &str = "请求内容过大，超出本接口允许的大小";

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::PayloadTooLarge(TOO_LARGE.into());
        }
        match r {
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::BadRequest("请求须为 JSON（Content-Type: application/json）".into())
            }
            JsonRejection::JsonSyntaxError(e) => {
                tracing::debug!(detail = %e.body_text(), "request body is not JSON");
                ApiError::BadRequest("请求内容不是有效的 JSON".into())
            }
            JsonRejection::JsonDataError(e) => {
                ApiError::Unprocessable(format!("请求字段有误：{}", field_problem(&e.body_text())))
            }
            other => {
                tracing::debug!(detail = %other.body_text(), "request body unreadable");
                ApiError::BadRequest("无法读取请求内容".into())
            }
        }
    }
}

/// serde's complaint about a JSON body, said in Chinese with the field it names (serde's own
/// English text goes to the log only).
fn field_problem(detail: &str) -> String {
    tracing::debug!(%detail, "request body does not fit its type");
    // "Failed to deserialize the JSON body into the target type: saves[0].seq: invalid type: …"
    let detail = detail.split_once("target type: ").map_or(detail, |(_, d)| d);
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_string);
    if let Some(field) = detail.strip_prefix("missing field ").and_then(quoted) {
        return format!("缺少字段 {field}");
    }
    let (path, what) = match detail.split_once(": ") {
        Some((path, what)) if !path.contains(' ') => (Some(path), what),
        _ => (None, detail),
    };
    let problem = if let Some(field) = what.strip_prefix("missing field ").and_then(quoted) {
        format!("缺少字段 {field}")
    } else if let Some(field) = what.strip_prefix("unknown field ").and_then(quoted) {
        format!("不认识的字段 {field}")
    } else if what.starts_with("invalid type") {
        let expected = what.split("expected ").nth(1).unwrap_or("");
        format!("类型不对（应为{}）", expected_in_chinese(expected))
    } else if what.starts_with("invalid value") || what.starts_with("unknown variant") {
        "取值无效".to_string()
    } else if what.contains("out of range") || what.contains("too large") {
        "数值超出范围".to_string()
    } else {
        "格式有误".to_string()
    };
    match path {
        Some(path) => format!("字段 {path} {problem}"),
        None => problem,
    }
}

fn expected_in_chinese(expected: &str) -> &'static str {
    let e = expected.trim();
    if e.contains("string") {
        "文本"
    } else if e.contains("i64") || e.contains("u32") || e.contains("integer") || e.contains("u64") || e.contains("i32")
    {
        "整数"
    } else if e.contains("bool") {
        "true 或 false"
    } else if e.contains("sequence") {
        "数组"
    } else if e.contains("struct") || e.contains("map") {
        "对象"
    } else {
        "规定的类型"
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        tracing::debug!(detail = %r.body_text(), "path parameter rejected");
        ApiError::NotFound("找不到该地址：路径中的编号或名称无效".into())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        tracing::debug!(detail = %r.body_text(), "query string rejected");
        ApiError::Unprocessable("地址中的查询参数有误".into())
    }
}

/// `Path<T>` whose rejections are [`ApiError`]s (a bad id is a Chinese 404, not axum's English).
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `Query<T>` whose rejections are [`ApiError`]s.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// A JSON request body as `T`, whose rejections are [`ApiError`]s (so malformed JSON gets a
/// clear JSON answer). Strings may not hold control characters other than tab and line breaks
/// (NUL above all, which PostgreSQL cannot store): such a body is refused whole with 422, naming
/// the field, before anything is stored.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|t| t.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
            .is_some_and(|t| t == "application/json" || (t.starts_with("application/") && t.ends_with("+json")));
        if !json {
            return Err(ApiError::BadRequest(
                "请求须为 JSON（Content-Type: application/json）".into(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(TOO_LARGE.into())
            } else {
                tracing::debug!(detail = %r.body_text(), "request body unreadable");
                ApiError::BadRequest("无法读取请求内容".into())
            }
        })?;
        if let Some(code) = escaped_control_char(&bytes) {
            let field = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| field_with_control_char(&v, String::new()));
            return Err(ApiError::Unprocessable(match field {
                Some(field) if !field.is_empty() => {
                    format!("字段 {field} 含有不可见的控制字符（U+{code:04X}），请删除后再提交")
                }
                _ => format!("请求内容含有不可见的控制字符（U+{code:04X}），请删除后再提交"),
            }));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(Body(value))
    }
}

/// A control character (other than tab, line feed and carriage return) written as an escape in
/// a JSON text: `\u0000`…`\u001F`, `\u007F`, `\b`, `\f`. (Valid JSON has none unescaped.)
fn escaped_control_char(json: &[u8]) -> Option<u32> {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            match json.get(i + 1) {
                Some(b'b') => return Some(0x08),
                Some(b'f') => return Some(0x0c),
                Some(b'u') => {
                    let code = json
                        .get(i + 2..i + 6)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u32::from_str_radix(h, 16).ok());
                    if let Some(code) = code
                        && (code < 0x20 || (0x7f..0xa0).contains(&code))
                        && !matches!(code, 0x09 | 0x0a | 0x0d)
                    {
                        return Some(code);
                    }
                    i += 6;
                    continue;
                }
                _ => {}
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    None
}

/// The path (`saves[0].value`) of the first string holding a control character.
fn field_with_control_char(value: &serde_json::Value, path: String) -> Option<String> {
    use serde_json::Value;
    let bad = |s: &str| s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
    match value {
        Value::String(s) if bad(s) => Some(path),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| field_with_control_char(v, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            if bad(k) {
                return Some(path.clone());
            }
            let path = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            field_with_control_char(v, path)
        }),
        _ => None,
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
