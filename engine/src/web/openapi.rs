//! The OpenAPI description of the JSON API, served at `/api/openapi.json`. It is generated from
//! the handlers' own `#[utoipa::path]` annotations and request and response types as the routes
//! are registered (utoipa-axum's `OpenApiRouter`, see `web::api_router`): a route and its
//! documentation are one declaration, so they cannot drift apart. The error answers that every
//! operation can give (the request guard's, the extractors', a database that cannot take a
//! write) are added once here, from what each operation is.

use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};
use utoipa::{Modify, ToSchema};

/// The document's frame: title, description, tags, the cookie scheme, the error body.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Kaowu 考务 API",
        description = "CMQ 质量经理考试的考试引擎接口。登录（POST /api/login）后以 HttpOnly Cookie（kaowu_session）鉴权。\
                       分值为十进制数（如 12.5），内部以百分之一分的整数精确保存。\
                       出错时正文一律为 {\"error\": \"中文说明\"}。\
                       改变状态的请求若带有其他网站的 Origin 或 Sec-Fetch-Site: cross-site，一律拒绝（403）。"
    ),
    components(schemas(ErrorBody, OkBody)),
    modifiers(&CookieAuth),
    tags(
        (name = "system", description = "系统"),
        (name = "auth", description = "登录与退出"),
        (name = "candidate", description = "考生"),
        (name = "proctor", description = "监考"),
        (name = "office", description = "考务办公室"),
        (name = "marking", description = "阅卷"),
        (name = "apply", description = "报名（申请人）"),
        (name = "public", description = "公开查询（证书查验、质量经理名录）"),
    )
)]
pub struct ApiDoc;

/// The answer of an action that has nothing more to say.
#[derive(Debug, Serialize, ToSchema)]
pub struct OkBody {
    /// 总为 true
    pub ok: bool,
}

impl OkBody {
    pub const YES: OkBody = OkBody { ok: true };
}

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// 出错原因（中文），指明出错的字段或对象
    pub error: String,
    /// 考试规则拒绝时的稳定代码（如 moved、time_up、room_not_open），程序据此判断，不依赖 error 的文字
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

struct CookieAuth;

impl Modify for CookieAuth {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::session::COOKIE_NAME,
                "登录时由 Set-Cookie 发给浏览器的会话令牌（HttpOnly, SameSite=Strict）",
            ))),
        );
    }
}

/// Adds to every operation the error answers it can give besides its own: a body the guard or
/// the extractors refuse (400, 413, 415, 422), an unknown id in the path (404), a login that is
/// missing or of another role (401, 403), a database that cannot take a write now (503).
pub fn with_error_responses(mut doc: OpenApi) -> OpenApi {
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_params = path.contains('{');
        for (writes, op) in [
            (false, item.get.as_mut()),
            (true, item.post.as_mut()),
            (true, item.put.as_mut()),
            (true, item.delete.as_mut()),
            (true, item.patch.as_mut()),
        ] {
            let Some(op) = op else { continue };
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            // An address with parameters may name nothing, or carry control characters (refused
            // as an address that does not exist).
            let has_query = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let mut add = |code: &str, description: &str| add_error(op, code, description);
            add("400", "请求格式有误（如正文不是有效的 JSON）");
            if has_params {
                add("404", "找不到路径中的编号或名称所指的对象");
            } else if has_query {
                add("404", "地址中含有不可见的控制字符");
            }
            if path.starts_with("/api/candidate/") {
                add("404", "找不到本人的考试安排");
            }
            if writes {
                add("403", "已拒绝来自其他网站的请求");
                add("413", "请求内容超出本接口允许的大小");
                add("415", "请求的内容类型不受支持");
                add("422", "请求字段有误（字段缺失、类型不对、超出范围或含控制字符）");
            }
            if secured {
                add("401", "未登录或登录已失效");
                add("403", "当前账号无权使用此功能");
            }
            if path.starts_with("/api/") && path != "/api/openapi.json" {
                add(
                    "503",
                    "数据库暂时无法写入（繁忙或磁盘空间不足），本次操作未生效，请稍后重试",
                );
            }
        }
    }
    doc
}

fn add_error(op: &mut Operation, code: &str, description: &str) {
    op.responses.responses.entry(code.to_string()).or_insert_with(|| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
            .into()
    });
}
