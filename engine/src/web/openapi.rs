//! The OpenAPI 3 description of the JSON API, served at `/api/openapi.json`. Written by hand
//! next to the routes; a test checks that every documented operation is routed.

use serde_json::{Value, json};

fn op(tag: &str, summary: &str, body: Option<Value>) -> Value {
    let mut o = json!({
        "tags": [tag],
        "summary": summary,
        "responses": {
            "200": { "description": "成功", "content": { "application/json": {} } },
            "4XX": { "description": "请求有误；正文为 {\"error\": \"中文说明\"}", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
        }
    });
    if let Some(schema) = body {
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    }
    o
}

fn obj(props: Value, required: &[&str]) -> Value {
    json!({ "type": "object", "properties": props, "required": required })
}

fn reason() -> Value {
    obj(
        json!({ "reason": { "type": "string", "description": "原因（记入考场记录）" } }),
        &["reason"],
    )
}

pub fn document() -> Value {
    let s = json!({ "type": "string" });
    let i = json!({ "type": "integer" });
    let ev = json!({ "name": "event", "in": "path", "required": true, "schema": { "type": "integer" } });
    let room = json!({ "name": "room", "in": "path", "required": true, "schema": { "type": "string" } });
    let ticket = json!({ "name": "ticket", "in": "path", "required": true, "schema": { "type": "string" } });
    let id = json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } });
    let with = |mut o: Value, params: &[&Value]| {
        o["parameters"] = Value::Array(params.iter().map(|p| (*p).clone()).collect());
        o
    };
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Kaowu 考务 API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "CMQ 质量经理考试的考试引擎接口。登录后以 HttpOnly Cookie（kaowu_session）鉴权。分值为十进制数（如 12.5），内部以百分之一分的整数精确保存。" },
        "components": {
            "schemas": {
                "Error": obj(json!({ "error": s }), &["error"]),
                "Save": obj(json!({ "seq": i, "slot": { "type": "string", "description": "题号 1–70、open（所选开放题，如 \"1,3,5\"）或 open-N（开放题作答）" }, "value": s }), &["seq", "slot", "value"]),
            },
            "securitySchemes": { "cookie": { "type": "apiKey", "in": "cookie", "name": "kaowu_session" } }
        },
        "security": [{ "cookie": [] }],
        "paths": {
            "/healthz": { "get": op("system", "健康检查", None) },
            "/api/openapi.json": { "get": op("system", "本文档", None) },
            "/api/login": { "post": op("auth", "登录：考生用准考证号，工作人员用用户名", Some(obj(json!({ "ticket": s, "username": s, "password": s }), &["password"]))) },
            "/api/logout": { "post": op("auth", "退出登录", None) },
            "/api/candidate/status": { "get": op("candidate", "考生状态与服务器计时的剩余时间", None) },
            "/api/candidate/start": { "post": op("candidate", "开始答题（考场开考后）", None) },
            "/api/candidate/paper": { "get": op("candidate", "本人试卷（不含答案）", None) },
            "/api/candidate/answers": { "get": op("candidate", "已保存的全部答案与最大序号", None) },
            "/api/candidate/saves": { "post": op("candidate", "保存答案（持久化后才应答）", Some(obj(json!({ "saves": { "type": "array", "items": { "$ref": "#/components/schemas/Save" } } }), &["saves"]))) },
            "/api/candidate/submit": { "post": op("candidate", "交卷", None) },
            "/api/proctor/events": { "get": op("proctor", "考试与考场列表", None) },
            "/api/proctor/events/{event}/rooms/{room}": { "get": with(op("proctor", "考场座位与状态", None), &[&ev, &room]) },
            "/api/proctor/events/{event}/rooms/{room}/open": { "post": with(op("proctor", "开考", None), &[&ev, &room]) },
            "/api/proctor/events/{event}/rooms/{room}/pause": { "post": with(op("proctor", "暂停整个考场", Some(reason())), &[&ev, &room]) },
            "/api/proctor/events/{event}/rooms/{room}/resume": { "post": with(op("proctor", "恢复整个考场", Some(reason())), &[&ev, &room]) },
            "/api/proctor/events/{event}/rooms/{room}/incidents": { "post": with(op("proctor", "记录考场事件", Some(obj(json!({ "ticket": s, "reason": s }), &["reason"]))), &[&ev, &room]) },
            "/api/proctor/events/{event}/rooms/{room}/log": { "get": with(op("proctor", "考场记录", None), &[&ev, &room]) },
            "/api/proctor/candidates/{ticket}/pause": { "post": with(op("proctor", "暂停考生", Some(reason())), &[&ticket]) },
            "/api/proctor/candidates/{ticket}/resume": { "post": with(op("proctor", "恢复考生", Some(reason())), &[&ticket]) },
            "/api/proctor/candidates/{ticket}/extra-time": { "post": with(op("proctor", "延长考生时间", Some(obj(json!({ "minutes": i, "reason": s }), &["minutes", "reason"]))), &[&ticket]) },
            "/api/proctor/candidates/{ticket}/allow-move": { "post": with(op("proctor", "允许考生更换机位", Some(reason())), &[&ticket]) },
            "/api/office/events": {
                "get": op("office", "考试列表", None),
                "post": op("office", "创建考试（冻结题库中的题目）", Some(obj(json!({ "name": s, "starts_at": { "type": "string", "format": "date-time" }, "rooms": { "type": "array", "items": s }, "bank": s, "forms": i, "seed": i, "multi_policy": { "type": "string", "enum": ["exact", "partial"] }, "pass_mark": i, "min_objective": i, "min_open": i, "draft": { "type": "boolean" } }), &["name", "starts_at", "rooms", "bank"])))
            },
            "/api/office/events/{id}/roster": { "post": with(json!({
                "tags": ["office"], "summary": "导入考生名单（CSV：姓名,姓名拼音,身份证号,准考证号,考场,座位），签发密码",
                "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } } } },
                "responses": { "200": { "description": "成功" }, "4XX": { "description": "名单有误，未导入任何考生" } }
            }), &[&id]) },
            "/api/office/events/{id}/sittings": { "get": with(op("office", "考生作答与客观题成绩", None), &[&id]) },
            "/api/office/candidates/{ticket}/save-log": { "get": with(op("office", "考生全部保存记录（申诉复核）", None), &[&ticket]) },
            "/api/office/events/{id}/assignments": { "post": with(op("office", "分配阅卷人到开放题", Some(obj(json!({ "username": s, "item_id": s }), &["username", "item_id"]))), &[&id]) },
            "/api/office/events/{id}/marking-policy": { "post": with(op("office", "阅卷规则：双评与误差阈值", Some(obj(json!({ "double": { "type": "boolean" }, "tolerance": { "type": "number" } }), &["double", "tolerance"]))), &[&id]) },
            "/api/office/events/{id}/results": { "get": with(op("office", "成绩与完成进度", None), &[&id]) },
            "/api/office/events/{id}/results.csv": { "get": with(op("office", "导出成绩（CSV）", None), &[&id]) },
            "/api/office/events/{id}/results.xlsx": { "get": with(op("office", "导出成绩（XLSX）", None), &[&id]) },
            "/api/office/events/{id}/release": { "post": with(op("office", "发布成绩（有未评完或争议答卷时拒绝）", None), &[&id]) },
            "/api/office/events/{id}/appeals": { "post": with(op("office", "申诉复评：重新评阅某考生的一道开放题", Some(obj(json!({ "ticket": s, "open_no": i, "reason": s }), &["ticket", "open_no", "reason"]))), &[&id]) },
            "/api/office/events/{id}/audit": { "get": with(op("office", "审计记录（只读）", None), &[&id]) },
            "/api/office/events/{id}/publish": { "post": with(op("office", "发布草稿考试（冻结题目）", Some(obj(json!({ "bank": s }), &["bank"]))), &[&id]) },
            "/api/office/events/{id}/key-corrections": { "post": with(op("office", "更正答案或作废试题并重新计分", Some(obj(json!({ "item_id": s, "accept": { "type": "array", "items": s }, "void": { "type": "boolean" }, "reason": s }), &["item_id", "reason"]))), &[&id]) },
            "/api/office/events/{id}/analysis": { "get": with(op("office", "题目分析（难度、区分度、选项分析、信度）", None), &[&id]) },
            "/api/office/events/{id}/analysis.csv": { "get": with(op("office", "题目分析（CSV）", None), &[&id]) },
            "/api/candidate/result": { "get": op("candidate", "已发布的本人成绩", None) },
            "/api/marking/events/{event}/next": { "post": with(op("marking", "领取下一份待评答卷（盲评；无任务时 204）", None), &[&ev]) },
            "/api/marking/tasks/{task}/mark": { "post": with(op("marking", "提交评分（0–20 分，0.5 分为单位）", Some(obj(json!({ "mark": { "type": "number" }, "comment": s }), &["mark"]))), &[&json!({ "name": "task", "in": "path", "required": true, "schema": { "type": "integer" } })]) },
            "/api/marking/events/{event}/dashboard": { "get": with(op("marking", "阅卷组长看板", None), &[&ev]) },
            "/api/marking/marks/{mark}/reopen": { "post": with(op("marking", "组长重评某一评分", Some(reason())), &[&json!({ "name": "mark", "in": "path", "required": true, "schema": { "type": "integer" } })]) }
        }
    })
}
