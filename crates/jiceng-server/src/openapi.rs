//! The OpenAPI 3.1 document, generated from the handlers' annotations and committed as
//! `openapi/jiceng.json`, the contract the web client is generated from.
//!
//! What every handler shares is declared here once, from the extractors it uses, so that no
//! path can leave it out: the security (a session cookie with the CSRF header for changes, or a
//! bearer token; nothing for the public paths) and the 4xx answers the extractors give
//! (`401` without a login, `403` without the CSRF header, `400`/`413`/`415`/`422` for a bad path,
//! query or body), all with the `{code, message}` body. Answers a handler gives itself (`404`,
//! `409`, …) are declared on the handler.

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Jiceng API",
        description = "基层治理平台接口：接诉即办、组织与用户、权限。错误统一为 {code, message}。\
                       以 Cookie 会话调用的修改类请求须带 X-CSRF-Token。",
        license(name = "Apache-2.0")
    ),
    modifiers(&Security),
    // Types named only as path parameters: the handlers' signatures do not register them.
    components(schemas(jiceng_orders::use_cases::Inbox)),
    tags(
        (name = "auth", description = "登录、会话与 API 令牌"),
        (name = "org", description = "组织机构"),
        (name = "users", description = "用户与角色"),
        (name = "duty-lists", description = "权责清单：版本、导入（xlsx/csv）、发布、导出"),
        (name = "work-orders", description = "工单：受理、派单、签收、退单、办理、答复、回访、并案、归档、疑似重复件"),
        (name = "audit", description = "全程留痕：签名检查点、包含与一致性证明、证据包"),
        (name = "sla", description = "时限：签收、办理、回访计时，预警，催办、督办、通报，时限统计"),
        (name = "models", description = "智能分类自学习：派单员纠正分类，重新训练、启用与回退模型"),
        (name = "personal-data", description = "个人信息：按电话号码导出、删除某位市民在工单中的联系方式（仅系统管理员）"),
        (name = "system", description = "服务器运行：运行指标（仅最高一级单位的系统管理员）"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::extract::SESSION_COOKIE,
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "登录时返回的 csrf_token；以 Cookie 会话发出的修改类请求必须携带",
            ))),
        );
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Paths anyone may call without logging in.
pub const PUBLIC_PATHS: &[&str] = &[
    "/api/v1/auth/login",
    "/api/v1/audit/public-key",
    "/api/v1/public/work-orders/{number}",
];

/// Declares on every operation its security and the 4xx answers of the extractors it uses.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    for (path, item) in doc.paths.paths.iter_mut() {
        let public = PUBLIC_PATHS.contains(&path.as_str());
        for (reads, op) in operations(item) {
            op.security = Some(security(public, reads));
            declare_errors(op, public, reads);
        }
    }
    doc
}

fn operations(item: &mut PathItem) -> Vec<(bool, &mut Operation)> {
    [
        (true, item.get.as_mut()),
        (true, item.head.as_mut()),
        (false, item.post.as_mut()),
        (false, item.put.as_mut()),
        (false, item.patch.as_mut()),
        (false, item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(reads, op)| op.map(|op| (reads, op)))
    .collect()
}

/// A session cookie (with the CSRF header when the request changes something) or a token.
fn security(public: bool, reads: bool) -> Vec<SecurityRequirement> {
    if public {
        return Vec::new();
    }
    let none: [&str; 0] = [];
    let session = if reads {
        SecurityRequirement::new("session", none)
    } else {
        SecurityRequirement::new("session", none).add("csrf", none)
    };
    vec![session, SecurityRequirement::new("token", none)]
}

fn declare_errors(op: &mut Operation, public: bool, reads: bool) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let json_body = op
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.contains_key("application/json"));
    let mut add = |status: &str, why: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(why));
    };
    if !public {
        add("401", "未登录、会话已过期或令牌无效");
        if !reads {
            add("403", "无权操作，或以会话调用时缺少 X-CSRF-Token");
        }
    }
    if in_path {
        add("400", "路径中的编号格式不正确");
    }
    if in_query {
        add("400", "查询参数不正确");
    }
    if json_body {
        add("400", "请求内容不是合法的 JSON");
        add("413", "请求内容过大");
        add("415", "请求须带 Content-Type: application/json");
        add("422", "请求字段缺失或类型不对");
    }
}

fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(Ref::from_schema_name("ErrorBody"))),
        )
        .build()
        .into()
}
