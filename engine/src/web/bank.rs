//! The office's bank API: the bank by module × kind against the blueprint with its items, one
//! item as the candidate and the key see it, and retiring or reinstating an item. Each handler
//! is one call of the exam service (`exam/bank.rs`).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, Body, Path, Query};
use super::openapi::ErrorBody;
use super::session::Office;
use crate::exam::bank::{BankView, ItemPreview};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(view))
        .routes(routes!(item))
        .routes(routes!(set_status))
        .routes(routes!(upload).layer(axum::extract::DefaultBodyLimit::max(super::guard::ROSTER_BODY_LIMIT)))
        .routes(routes!(import).layer(axum::extract::DefaultBodyLimit::max(super::guard::ROSTER_BODY_LIMIT)))
        .routes(routes!(export))
        .routes(routes!(picture))
        .routes(routes!(template))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// The file's name as the office chose it (its extension helps tell the format)
    pub file_name: String,
    /// auto (default), xlsx, docx, qti, moodle or gift
    pub format: Option<String>,
    /// The module (1–6) of questions whose file names none
    pub module: Option<u8>,
    /// The new bank's id (letters, digits, - and _); from the file's name when left out
    pub bank_id: Option<String>,
    /// The new bank's name; the file's name when left out
    pub name: Option<String>,
    /// true: the office accepts the report, store the imported questions as a new bank version
    #[serde(default)]
    pub accept: bool,
}

/// A bank file in another format, reported on and (once accepted) stored as a bank version.
#[utoipa::path(
    post, summary = "导入题库文件（Excel、Word、QTI、Moodle XML、GIFT）：先出报告，确认后保存", description = "上传题库文件：读出全部题目，按文件、工作表与行（或段落、元素）、题目、字段列出每个问题、提醒和无法保留的内容（图片、公式、其他题型）；accept=true 时把导入的题目保存为新的题库版本（服务器上的一个文件夹，新建考试时填写），记入审计记录",
    path = "/api/office/bank/import", tag = "office", security(("cookie" = [])), params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "题库文件"),
    responses((status = 200, description = "导入报告，及保存的位置", body = crate::exam::bank_import::BankImport), (status = 413, description = "超过 16 MB", body = ErrorBody), (status = 422, description = "无法识别格式、模块无效、没有可导入的题目等", body = ErrorBody)))]
async fn import(
    State(state): State<AppState>,
    o: Office,
    Query(q): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<crate::exam::bank_import::BankImport>> {
    let request = crate::exam::bank_import::ImportRequest {
        file_name: &q.file_name,
        format: q.format.as_deref(),
        module: q.module,
        bank_id: q.bank_id.as_deref(),
        bank_name: q.name.as_deref(),
        accept: q.accept,
    };
    Ok(Json(
        state
            .exam
            .import_bank(body.to_vec(), request, &state.bank_dir, &o.0.actor())
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// The bank: a folder on the server, or "demo"
    pub bank: String,
    /// xlsx, qti, moodle or gift
    pub format: String,
}

/// The bank in use in another format.
#[utoipa::path(
    get, summary = "导出题库（Excel、QTI 3.0 题目包、Moodle XML、GIFT）", description = "把在用的题库（含考务办公室停用、恢复的状态）导出为其他格式；再导入可得到相同的题目",
    path = "/api/office/bank/export", tag = "office", security(("cookie" = [])), params(ExportQuery),
    responses((status = 200, description = "文件", content_type = "application/octet-stream", body = Vec<u8>), (status = 422, description = "格式不支持、题库无法使用", body = ErrorBody)))]
async fn export(
    State(state): State<AppState>,
    _o: Office,
    Query(q): Query<ExportQuery>,
) -> ApiResult<axum::response::Response> {
    let (bytes, name) = state.exam.export_bank(&q.bank, &q.format).await?;
    let content_type = match name.rsplit('.').next() {
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("zip") => "application/zip",
        Some("xml") => "application/xml",
        _ => "text/plain; charset=utf-8",
    };
    Ok(super::attachment(bytes, content_type, &name, &name))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PictureQuery {
    /// The bank: a folder on the server, or "demo"
    pub bank: String,
    /// The picture's file name in the bank's images/ folder
    pub file: String,
}

/// A picture of an item of the bank in use, for the preview.
#[utoipa::path(
    get, summary = "题库中的题目附图", description = "在用题库 images 文件夹中的一张图片（PNG 或 JPEG），供题目预览",
    path = "/api/office/bank/image", tag = "office", security(("cookie" = [])), params(PictureQuery),
    responses((status = 200, description = "图片", content_type = "image/png", body = Vec<u8>), (status = 404, description = "没有该图片", body = ErrorBody), (status = 422, description = "查询参数有误、题库无法使用", body = ErrorBody)))]
async fn picture(
    State(state): State<AppState>,
    _o: Office,
    Query(q): Query<PictureQuery>,
) -> ApiResult<axum::response::Response> {
    let (content_type, bytes) = state.exam.bank_picture(&q.bank, &q.file).await?;
    Ok(super::picture_response(content_type, bytes))
}

/// The Excel template for writing a bank.
#[utoipa::path(
    get, summary = "下载 Excel 题库模板", description = "题库模板.xlsx：每种题型一行示例，另有“填写说明”工作表解释每一列",
    path = "/api/office/bank/template.xlsx", tag = "office", security(("cookie" = [])),
    responses((status = 200, description = "题库模板", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
async fn template(_o: Office) -> axum::response::Response {
    // 题库模板.xlsx
    super::attachment(
        bank_formats::xlsx_template(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "kaowu-bank-template.xlsx",
        "%E9%A2%98%E5%BA%93%E6%A8%A1%E6%9D%BF.xlsx",
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct BankQuery {
    /// The bank: a folder on the server, or "demo"
    pub bank: String,
}

/// A bank version uploaded as a ZIP of its folder.
#[utoipa::path(
    post, summary = "上传题库新版本（题库文件夹的 ZIP）：先全部检查，无误才保存", description = "上传题库文件夹（bank.toml 与 items/*.toml）压缩成的 ZIP：逐一检查，按文件、行、题目、字段列出全部问题；没有问题才保存为新版本（服务器上的一个文件夹，新建考试时填写），不替换已有版本，已发布的考试不受影响；记入审计记录",
    path = "/api/office/bank/upload", tag = "office", security(("cookie" = [])),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "题库文件夹的 ZIP（也接受 Content-Type: application/zip）"),
    responses((status = 200, description = "问题清单，或保存的位置", body = crate::exam::bank::BankUpload), (status = 413, description = "超过 16 MB", body = ErrorBody)))]
async fn upload(
    State(state): State<AppState>,
    o: Office,
    body: axum::body::Bytes,
) -> ApiResult<Json<crate::exam::bank::BankUpload>> {
    Ok(Json(
        state
            .exam
            .upload_bank(body.to_vec(), &state.bank_dir, &o.0.actor())
            .await?,
    ))
}

#[utoipa::path(
    get, summary = "题库：各模块题量与蓝图对照、可组多少份不重复的试卷、题目列表", description = "题库概况：各模块单选、多选、开放题的有效题量与每份试卷所需，能组成多少份不重复题目的试卷；以及全部题目（编号、模块、题型、状态、题干开头）",
    path = "/api/office/bank", tag = "office", security(("cookie" = [])), params(BankQuery),
    responses((status = 200, description = "题库", body = BankView), (status = 422, description = "题库无法使用", body = ErrorBody)))]
async fn view(State(state): State<AppState>, _o: Office, Query(q): Query<BankQuery>) -> ApiResult<Json<BankView>> {
    Ok(Json(state.exam.bank_view(&q.bank).await?))
}

#[utoipa::path(
    get, summary = "题目预览（考生所见与标准答案）", description = "一道题目：题干、选项（考生所见），正确答案、评分要点、解析（标准答案所示），以及考务办公室对其状态的更改",
    path = "/api/office/bank/items/{item}", tag = "office", security(("cookie" = [])),
    params(("item" = String, Path, description = "题目编号"), BankQuery),
    responses((status = 200, description = "题目", body = ItemPreview), (status = 422, description = "没有该题目", body = ErrorBody)))]
async fn item(
    State(state): State<AppState>,
    _o: Office,
    Path(item): Path<String>,
    Query(q): Query<BankQuery>,
) -> ApiResult<Json<ItemPreview>> {
    Ok(Json(state.exam.bank_item(&q.bank, &item).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusRequest {
    /// The bank: a folder on the server, or "demo"
    pub bank: String,
    /// true: retire (never drawn for a new event); false: reinstate.
    pub retired: bool,
    pub reason: String,
}

#[utoipa::path(
    post, summary = "停用或恢复启用一道题目（停用后新考试不再抽取；已发布的考试不受影响）", description = "停用（retired: true）或恢复启用（false）一道题目，须填写原因，记入审计记录；停用的题目不再被新考试抽取，已发布的考试保留其冻结的题目",
    path = "/api/office/bank/items/{item}/status", tag = "office", security(("cookie" = [])),
    params(("item" = String, Path, description = "题目编号")), request_body = StatusRequest,
    responses((status = 200, description = "更改后的题目", body = ItemPreview), (status = 422, description = "没有该题目、未填原因等", body = ErrorBody)))]
async fn set_status(
    State(state): State<AppState>,
    o: Office,
    Path(item): Path<String>,
    Body(r): Body<StatusRequest>,
) -> ApiResult<Json<ItemPreview>> {
    Ok(Json(
        state
            .exam
            .set_item_retired(&r.bank, &item, r.retired, &r.reason, &o.0.actor())
            .await?,
    ))
}
