//! The services' one error type. A rule of the exam refuses with a [`Refusal`]; what the caller
//! named but does not exist, may not touch or sent malformed is said here, in Chinese, once; the
//! web layer maps each variant to an HTTP status in `web/error.rs` and the CLI prints the message.

use exam_rules::Refusal;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("{0}")]
    NotFound(NotFound),
    #[error("{0}")]
    Forbidden(Forbidden),
    /// A value the caller sent is malformed or out of range; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// Wrong credentials, or a session that has ended.
    #[error("{0}")]
    Unauthorized(String),
    /// Too many wrong passwords: try again later.
    #[error("{0}")]
    TooManyAttempts(String),
    /// The server is doing as much of this as it may at once (print jobs): try again later.
    #[error("{0}")]
    Busy(String),
    /// What was asked for exists but is not there yet (a print job still printing, or failed).
    #[error("{0}")]
    NotReady(String),
    /// A failure of the server itself (a worker thread lost): logged in detail, never shown.
    #[error("internal error: {0}")]
    Internal(String),
    /// The frozen items of an event cannot make a paper: a defect, never the caller's doing.
    #[error("the frozen items of event {0} cannot make a paper: {1}")]
    Assembly(i64, question_bank::AssemblyError),
}

/// What the caller named and the store does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotFound {
    #[error("找不到考试（编号 {0}）")]
    Event(i64),
    #[error("考试 {event} 没有考场“{room}”")]
    Room { event: i64, room: String },
    #[error("准考证号“{0}”不存在")]
    Ticket(String),
    #[error("找不到考生")]
    Candidate,
    #[error("找不到您的考试安排")]
    Sitting,
    #[error("找不到账号“{0}”")]
    Account(String),
    #[error("成绩尚未发布，请在考试结束约 60 天后查询")]
    ResultNotReleased,
    #[error("本场考试没有准考证号“{0}”")]
    TicketInEvent(String),
    #[error("考生 {ticket} 没有作答开放题第 {open_no} 题")]
    OpenAnswer { ticket: String, open_no: i64 },
    #[error("评分 {0} 不存在或已被重评")]
    Mark(i64),
    #[error("没有打印任务“{0}”（任务完成 30 分钟后即删除，请重新打印）")]
    PrintJob(String),
    #[error("找不到该图片")]
    Picture,
    #[error("找不到报名申请（编号 {0}）")]
    Application(i64),
    #[error("找不到该材料")]
    Document,
    #[error("找不到认证申请（编号 {0}）")]
    CertificationRequest(i64),
    #[error("没有编号为 {0} 的证书")]
    Certificate(String),
    #[error("没有“{0}”状态列表（只有 revocation 和 suspension）")]
    StatusList(String),
}

/// What the caller may not do, though it exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Forbidden {
    #[error("您未被分配监考考试 {event} 的考场“{room}”，不能查看或操作该考场；如有需要请联系考务办公室")]
    NotAssignedToRoom { event: i64, room: String },
    #[error("{0}")]
    Other(String),
}

impl From<NotFound> for ServiceError {
    fn from(n: NotFound) -> Self {
        ServiceError::NotFound(n)
    }
}

impl From<Forbidden> for ServiceError {
    fn from(f: Forbidden) -> Self {
        ServiceError::Forbidden(f)
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
