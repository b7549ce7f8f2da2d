//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::Modify;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Jiceng API",
        description = "基层治理平台接口：接诉即办、组织与用户、权限。错误统一为 {code, message}。\
                       以 Cookie 会话调用的修改类请求须带 X-CSRF-Token。",
        license(name = "Apache-2.0")
    ),
    modifiers(&Security),
    tags(
        (name = "auth", description = "登录、会话与 API 令牌"),
        (name = "org", description = "组织机构"),
        (name = "users", description = "用户与角色"),
        (name = "duty-lists", description = "权责清单：版本、导入（xlsx/csv）、发布、导出"),
        (name = "work-orders", description = "工单：受理、派单、签收、退单、办理、答复、回访、并案、归档、疑似重复件"),
        (name = "audit", description = "全程留痕：签名检查点、包含与一致性证明、证据包"),
        (name = "sla", description = "时限：签收、办理、回访计时，预警，催办、督办、通报，时限统计"),
        (name = "models", description = "智能分类自学习：派单员纠正分类，重新训练、启用与回退模型"),
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
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
