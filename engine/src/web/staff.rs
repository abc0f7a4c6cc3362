//! The office's staff API: the accounts, a new account, a new initial password, and who marks
//! which open questions of an event. Each handler is one call of the exam service
//! (`exam/staff.rs`, `exam/marking.rs`).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, Body, Path};
use super::openapi::ErrorBody;
use super::session::Office;
use crate::exam::marking::{GraderAssignment, OpenQuestion};
use crate::exam::staff::StaffMember;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(list_staff, add_staff))
        .routes(routes!(reset_password))
        .routes(routes!(graders, assign))
        .routes(routes!(open_questions))
        .routes(routes!(staff_audit))
}

#[utoipa::path(
    get, summary = "工作人员账号", description = "全部工作人员账号（考务办公室、监考老师、阅卷人、阅卷组长），不含密码",
    path = "/api/office/staff", tag = "office", security(("cookie" = [])),
    responses((status = 200, description = "账号", body = Vec<StaffMember>)))]
async fn list_staff(State(state): State<AppState>, _o: Office) -> ApiResult<Json<Vec<StaffMember>>> {
    Ok(Json(state.exam.staff().await?))
}

#[utoipa::path(
    get, summary = "账号与题库的操作记录（不属于任何考试）", description = "不属于任何一场考试的审计记录：新建账号、重置或修改密码、解除登录锁定、停用或恢复题目；按时间先后",
    path = "/api/office/staff/audit", tag = "office", security(("cookie" = [])),
    responses((status = 200, description = "审计记录", body = Vec<crate::store::AuditEntry>)))]
async fn staff_audit(State(state): State<AppState>, _o: Office) -> ApiResult<Json<Vec<crate::store::AuditEntry>>> {
    Ok(Json(state.exam.staff_audit().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStaff {
    pub username: String,
    /// 姓名（显示名）
    pub name: String,
    /// office、proctor、grader 或 chief
    pub role: String,
}

/// An initial password, shown once: it exists nowhere else afterwards.
#[derive(Debug, Serialize, ToSchema)]
pub struct InitialPassword {
    pub username: String,
    pub password: String,
}

#[utoipa::path(
    post, summary = "新建工作人员账号（返回初始密码，首次登录须修改）", description = "新建工作人员账号；返回的初始密码只显示这一次，首次登录须修改",
    path = "/api/office/staff", tag = "office", security(("cookie" = [])), request_body = NewStaff,
    responses((status = 200, description = "已新建", body = InitialPassword), (status = 422, description = "用户名已存在、角色无效等", body = ErrorBody)))]
async fn add_staff(
    State(state): State<AppState>,
    o: Office,
    Body(s): Body<NewStaff>,
) -> ApiResult<Json<InitialPassword>> {
    let username = s.username.trim().to_string();
    let password = state
        .exam
        .add_staff(&username, s.name.trim(), s.role.trim(), &o.0.actor())
        .await?;
    Ok(Json(InitialPassword { username, password }))
}

#[utoipa::path(
    post, summary = "重置工作人员密码（签发新的初始密码，原密码失效，已登录的会话结束）", description = "为忘记密码的工作人员签发新的初始密码：原密码立即失效，该账号已登录的会话全部结束，下次登录须修改；记入审计记录",
    path = "/api/office/staff/{username}/reset-password", tag = "office", security(("cookie" = [])), params(("username" = String, Path, description = "用户名")),
    responses((status = 200, description = "新的初始密码", body = InitialPassword), (status = 404, description = "没有该账号", body = ErrorBody)))]
async fn reset_password(
    State(state): State<AppState>,
    o: Office,
    Path(username): Path<String>,
) -> ApiResult<Json<InitialPassword>> {
    let reset = state.exam.reset_staff_password(&username, &o.0.actor()).await?;
    state.sessions.forget_account(reset.account_id);
    Ok(Json(InitialPassword {
        username,
        password: reset.password,
    }))
}

#[utoipa::path(
    get, summary = "阅卷安排：每位阅卷人分配到的开放题", description = "阅卷安排：每位阅卷人（含阅卷组长）分配到的开放题及本场开放题总数",
    path = "/api/office/events/{id}/assignments", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "阅卷安排", body = Vec<GraderAssignment>)))]
async fn graders(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<GraderAssignment>>> {
    Ok(Json(state.exam.grader_assignments(id).await?))
}

#[utoipa::path(
    get, summary = "本场考试可能出现的开放题（按题干），及分配到各题的阅卷人", description = "本场考试试卷可能出现的每道开放题：题目编号、题干摘要、已作答份数和分配到该题的阅卷人；按题分配阅卷人时据此选择",
    path = "/api/office/events/{id}/open-questions", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")),
    responses((status = 200, description = "开放题", body = Vec<OpenQuestion>)))]
async fn open_questions(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<OpenQuestion>>> {
    Ok(Json(state.exam.open_questions(id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Assignment {
    pub username: String,
    /// One open question's item id in the event's frozen items; left out, every open question.
    #[serde(default)]
    pub item_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Assigned {
    /// How many open questions the assignment covers.
    pub items: usize,
}

/// Assigns a grader to an open question of the event, or to all of them.
#[utoipa::path(
    post, summary = "分配阅卷人到开放题（不指定题目则分配全部开放题）", description = "分配阅卷人（或阅卷组长）到本场考试的一道开放题；不给 item_id 则分配到全部开放题",
    path = "/api/office/events/{id}/assignments", tag = "office", security(("cookie" = [])), params(("id" = i64, Path, description = "考试编号")), request_body = Assignment,
    responses((status = 200, description = "已分配", body = Assigned), (status = 422, description = "不是阅卷人员、没有该开放题等", body = ErrorBody)))]
async fn assign(
    State(state): State<AppState>,
    _o: Office,
    Path(id): Path<i64>,
    Body(a): Body<Assignment>,
) -> ApiResult<Json<Assigned>> {
    let items = state
        .exam
        .assign_grader(id, a.username.trim(), a.item_id.as_deref())
        .await?;
    Ok(Json(Assigned { items }))
}
