//! Route table. One module per resource; handlers parse, call a service, render.

pub mod attachments;
pub mod audit;
pub mod auth;
pub mod duplicates;
pub mod duty_lists;
pub mod models;
pub mod org_units;
pub mod personal_data;
pub mod sla;
pub mod system;
pub mod users;
pub mod work_order_view;
pub mod work_orders;

use crate::AppState;
use crate::openapi::ApiDoc;
use axum::Router;
use axum::routing::{get, post};
use serde::Serialize;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A page of a list, with the cursor for the next page when there may be one.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, limit: u32, cursor: impl Fn(&T) -> String) -> Self {
        let next = if items.len() as u32 >= limit {
            items.last().map(cursor)
        } else {
            None
        };
        Self { items, next }
    }
}

pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (api, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::list_tokens, auth::create_token))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(org_units::list, org_units::create))
        .routes(routes!(org_units::get, org_units::update))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get))
        .routes(routes!(users::grant_role))
        .routes(routes!(users::revoke_role))
        .routes(routes!(users::disable))
        .routes(routes!(users::enable))
        .routes(routes!(users::reset_password))
        .routes(routes!(work_orders::register, work_orders::list))
        .routes(routes!(work_orders::inbox))
        .routes(routes!(work_orders::intake_checks::preview))
        .routes(routes!(work_orders::intake_checks::by_phone))
        .routes(routes!(work_orders::export::export))
        .routes(routes!(work_orders::get))
        .routes(routes!(work_orders::history))
        .routes(routes!(duplicates::list))
        .routes(routes!(work_orders::dispatch::dispatch))
        .routes(routes!(work_orders::arbitrate::arbitrate))
        .routes(routes!(work_orders::accept::accept))
        .routes(routes!(work_orders::accept_co::accept_co))
        .routes(routes!(work_orders::r#return::return_order))
        .routes(routes!(work_orders::note::note))
        .routes(routes!(work_orders::extension_request::request_extension))
        .routes(routes!(work_orders::extension_decision::decide_extension))
        .routes(routes!(work_orders::suspend::suspend))
        .routes(routes!(work_orders::resume::resume))
        .routes(routes!(work_orders::reply::reply))
        .routes(routes!(work_orders::co_reply::co_reply))
        .routes(routes!(work_orders::review::review))
        .routes(routes!(work_orders::follow_up::follow_up))
        .routes(routes!(work_orders::archive::archive))
        .routes(routes!(work_orders::merge::merge))
        .routes(routes!(work_orders::lookup))
        .routes(routes!(attachments::upload, attachments::list))
        .routes(routes!(attachments::download))
        .routes(routes!(audit::public_key))
        .routes(routes!(audit::inclusion))
        .routes(routes!(audit::consistency))
        .routes(routes!(audit::trail))
        .routes(routes!(audit::evidence))
        .routes(routes!(sla::board))
        .routes(routes!(sla::figures))
        .routes(routes!(sla::clocks))
        .routes(routes!(duty_lists::list, duty_lists::upload))
        .routes(routes!(duty_lists::get))
        .routes(routes!(duty_lists::publish))
        .routes(routes!(duty_lists::download))
        .routes(routes!(models::correct))
        .routes(routes!(models::list))
        .routes(routes!(models::retrain))
        .routes(routes!(models::activate))
        .routes(routes!(personal_data::export))
        .routes(routes!(personal_data::erase))
        .routes(routes!(system::admin_metrics))
        .split_for_parts();
    let api = api.route(
        "/api/v1/work-orders/{id}/{action}",
        post(work_orders::unknown_action),
    );
    (api, crate::openapi::finish(doc))
}

pub fn all(state: AppState) -> Router {
    let (api, doc) = api_router();
    let doc = Arc::new(doc);
    api.route(
        "/api/v1/openapi.json",
        get(move || {
            let doc = Arc::clone(&doc);
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    )
    .route("/healthz", get(system::healthz))
    .fallback(crate::ui::serve)
    .with_state(state)
}
