//! What a browser is told and what it may do from elsewhere: security headers on every answer,
//! state changes refused when they come from another origin, and safe headers for downloads.
//!
//! The server does not terminate TLS; `secure_cookies` (on unless `--insecure-cookies`) is the
//! operator's statement that browsers reach it over HTTPS through a proxy, so it also decides HSTS.

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiceng_kernel::error::codes;

/// For the Vue single-page UI built to files served from this origin: no inline script or style
/// and no `eval`, so an injected `<script>` or `onerror=` attribute does not run. `data:` and
/// `blob:` images are previews of photos about to be uploaded.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; \
     media-src 'self' blob:; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// For a downloaded file opened in a tab: it runs nothing and reaches nothing, whatever it is.
pub const DOWNLOAD_POLICY: &str = "default-src 'none'; sandbox";

/// The UI needs none of these browser features, so a script that got in cannot use them
/// either; only location stays, for this origin: a grid worker on a phone fills in where a
/// demand is from where they stand.
pub const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(self), payment=(), usb=(), serial=(), bluetooth=()";

/// One year; sent only over a deployment declared HTTPS (see the module comment).
pub const HSTS: &str = "max-age=31536000";

/// Types served as themselves: none of them is rendered as a page by a browser.
const SAFE_DOWNLOAD_TYPES: [&str; 5] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
];

/// Sets the security headers on every answer, errors and panics included. A handler's own
/// `Content-Security-Policy` or `Cache-Control` (a download's) is kept.
pub async fn headers(State(hsts): State<bool>, req: Request, next: Next) -> Response {
    // Answers under /api carry personal data or a session's view of it: never kept by a cache.
    // The UI's files, served later from the same router, may be cached.
    let api = req.uri().path().starts_with("/api/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let fixed = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        ("permissions-policy", PERMISSIONS_POLICY),
    ];
    for (name, value) in fixed {
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    if api {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    if hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    resp
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a browser says the request comes from a page of another origin. Modern browsers send
/// `Sec-Fetch-Site`, which a page cannot forge; without it, `Origin` is compared with the host
/// the request was sent to (the rule of Go's `net/http.CrossOriginProtection`). A request with
/// neither is not from a browser page (curl, the CLI, API-token clients) and carries no
/// ambient cookie worth forging.
pub fn cross_origin(headers: &HeaderMap, authority: Option<&str>) -> bool {
    let text = |name: HeaderName| headers.get(name).map(|v| v.to_str().unwrap_or("?"));
    if let Some(site) = text(HeaderName::from_static("sec-fetch-site")) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = text(header::ORIGIN) else {
        return false;
    };
    let host = text(header::HOST).or(authority);
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    match (origin_host, host) {
        (Some(o), Some(h)) => !o.eq_ignore_ascii_case(h),
        _ => true,
    }
}

/// Refuses a state-changing request sent by a page of another origin, before any handler runs,
/// whatever credentials it carries: the login too, so no page can log a browser in as someone
/// else. No `Access-Control-Allow-*` header is ever sent, so browsers also keep other origins
/// from reading any answer (CORS closed).
pub async fn same_origin_changes(req: Request, next: Next) -> Response {
    if changes_state(req.method())
        && cross_origin(req.headers(), req.uri().authority().map(|a| a.as_str()))
    {
        tracing::warn!(method = %req.method(), "cross-origin state change refused");
        return ApiError::new(codes::AUTH_CSRF, "跨站请求已被拒绝，请在本系统页面中操作")
            .into_response();
    }
    next.run(req).await
}

/// Headers of a file download: a type from the safe list (anything else as opaque bytes, so no
/// stored type can make a browser render HTML), a sandboxing policy, and the file's name made
/// safe for the header.
pub fn download_headers(h: &mut HeaderMap, content_type: &str, filename: &str) {
    let ty = SAFE_DOWNLOAD_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(content_type))
        .copied()
        .unwrap_or("application/octet-stream");
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOWNLOAD_POLICY),
    );
    h.insert(header::CONTENT_DISPOSITION, content_disposition(filename));
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266, RFC 8187). The
/// name loses any directory part, quotes, backslashes and control characters first; the plain
/// `filename` is for old clients and replaces every non-ASCII character.
pub fn content_disposition(filename: &str) -> HeaderValue {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '"' | '\\' | '/') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim().trim_start_matches('.');
    let clean = if clean.is_empty() { "download" } else { clean };
    let ascii: String = clean
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '%' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = clean
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cd(name: &str) -> String {
        content_disposition(name)
            .to_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn a_file_name_cannot_break_out_of_its_header() {
        let v = cd("a\"b\r\nSet-Cookie: x=1\\..\\../../etc/passwd");
        assert_eq!(
            v,
            "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
        );
        let v = cd("报告\"; filename=evil.html\r\n.pdf");
        assert!(!v.contains('\r') && !v.contains('\n'), "{v}");
        assert_eq!(v.matches('"').count(), 2, "only the delimiting quotes: {v}");
        assert!(
            v.contains("filename*=UTF-8''%E6%8A%A5%E5%91%8A_%3B%20filename%3Devil.html__.pdf"),
            "{v}"
        );
        assert_eq!(
            cd("../.."),
            "attachment; filename=\"download\"; filename*=UTF-8''download"
        );
        assert_eq!(
            cd("C:\\x\\a.png"),
            "attachment; filename=\"a.png\"; filename*=UTF-8''a.png"
        );
        assert!(cd("x\0y.png").contains("filename=\"x_y.png\""));
    }

    #[test]
    fn only_safe_types_are_served_as_themselves() {
        let mut h = HeaderMap::new();
        download_headers(&mut h, "text/html", "a.html");
        assert_eq!(h[header::CONTENT_TYPE], "application/octet-stream");
        download_headers(&mut h, "image/png", "a.png");
        assert_eq!(h[header::CONTENT_TYPE], "image/png");
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], DOWNLOAD_POLICY);
    }

    #[test]
    fn foreign_pages_are_told_apart_from_this_one() {
        let with = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
            }
            h
        };
        let host = ("host", "gov.example:8080");
        assert!(!cross_origin(&with(&[host]), None), "no browser headers");
        assert!(!cross_origin(
            &with(&[host, ("origin", "https://gov.example:8080")]),
            None
        ));
        assert!(cross_origin(
            &with(&[host, ("origin", "https://evil.example")]),
            None
        ));
        assert!(cross_origin(&with(&[host, ("origin", "null")]), None));
        assert!(cross_origin(
            &with(&[("sec-fetch-site", "cross-site"), host]),
            None
        ));
        assert!(cross_origin(
            &with(&[("sec-fetch-site", "same-site"), host]),
            None
        ));
        assert!(!cross_origin(
            &with(&[("sec-fetch-site", "same-origin")]),
            None
        ));
        assert!(!cross_origin(
            &with(&[("origin", "http://h:1")]),
            Some("h:1")
        ));
    }
}
