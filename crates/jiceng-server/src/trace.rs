//! The span of an HTTP request: named by the matched route, with the subject's id taken from the
//! path, so a failed request's log line says which operation on which object failed.
//!
//! The raw URI is left out on purpose: query strings carry personal data (the public lookup's
//! phone number) and would put it in every log line.

use axum::extract::{MatchedPath, Request};
use tracing::Span;

/// Path parameters that name the object a request acts on; other parameters (usernames,
/// free text) are not logged.
fn is_subject(param: &str) -> bool {
    param == "id" || param.ends_with("_id") || param == "number"
}

/// `id=…` pairs of the path's subject parameters, e.g. `id=0190…` for `/work-orders/{id}/accept`.
pub fn subject_of(route: &str, path: &str) -> Option<String> {
    let pairs: Vec<String> = route
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(pattern, value)| {
            let name = pattern.strip_prefix('{')?.strip_suffix('}')?;
            is_subject(name).then(|| format!("{name}={value}"))
        })
        .collect();
    (!pairs.is_empty()).then(|| pairs.join(","))
}

/// The request's span; every event of the request, its error line included, carries these fields.
pub fn request_span(req: &Request) -> Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let subject = route.and_then(|r| subject_of(r, req.uri().path()));
    tracing::info_span!(
        "request",
        method = %req.method(),
        route = route.unwrap_or("unmatched"),
        subject = subject.as_deref().unwrap_or("-"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_is_the_id_parameters_of_the_path() {
        assert_eq!(
            subject_of(
                "/api/v1/work-orders/{id}/{action}",
                "/api/v1/work-orders/0190ab/accept"
            )
            .as_deref(),
            Some("id=0190ab")
        );
        assert_eq!(
            subject_of(
                "/api/v1/public/work-orders/{number}",
                "/api/v1/public/work-orders/JC1"
            )
            .as_deref(),
            Some("number=JC1")
        );
        assert_eq!(
            subject_of("/api/v1/users/{username}", "/api/v1/users/wang"),
            None
        );
        assert_eq!(
            subject_of("/api/v1/work-orders", "/api/v1/work-orders"),
            None
        );
    }
}
