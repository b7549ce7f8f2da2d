//! The web UI, built by `web/` (`npm run build`) into `web/dist` and served by this binary: one
//! file to deploy, nothing fetched from a CDN (government intranets are offline).
//!
//! Every build carries the files inside the binary (`build.rs` rebuilds when `web/dist`
//! changes), so the tests serve what ships. The build writes a Brotli and a
//! gzip copy beside every text file (`scripts/compress.mjs`): a browser that accepts one gets it
//! as it is, and nothing is compressed per request. Every other path that is not a file and not
//! under `/api/` is a page of the single-page app and gets `index.html`; `/api/` paths stay JSON.
//!
//! A build without Node (no `web/dist`) still compiles: the pages then say how to build the UI.
//! `web_dir` (`JICENG_WEB_DIR`) names a folder to serve instead (a UI rebuilt or restyled by the
//! county, or one under development), with the same rules.

use crate::AppState;
use crate::routes::system::not_found;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::Embed;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

#[derive(Embed)]
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Dist;

/// Shown for every page when the binary was built without the UI.
const NOT_BUILT: &str = "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\">\
<title>基层治理平台</title><h1>界面尚未构建</h1>\
<p>此程序构建时没有网页界面。请在源码目录运行 <code>make web</code>（需要 Node.js 与 npm），\
再重新构建程序；接口 <code>/api/v1</code> 照常可用。</p>\
<p lang=\"en\">The web UI was not built into this binary: run <code>make web</code> \
(Node.js and npm), then build again. The API under <code>/api/v1</code> works.</p></html>";

/// Files under `assets/` carry a hash of their content in their name: cached for a year.
fn cache_control(path: &str) -> &'static str {
    if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// Whether the client accepts `coding` (`br`, `gzip`), by the `Accept-Encoding` list; a zero
/// quality value refuses it.
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    let Some(v) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    v.split(',').any(|part| {
        let mut it = part.split(';');
        let name = it.next().unwrap_or_default().trim();
        let refused = it.any(|p| {
            let p = p.trim();
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        name.eq_ignore_ascii_case(coding) && !refused
    })
}

/// A file of the UI, from the binary or from `JICENG_WEB_DIR`.
struct Asset {
    data: Cow<'static, [u8]>,
    sha256: [u8; 32],
    mime: String,
}

/// `path` inside `dir`, when it is a plain relative path (no `..`, no root, no hidden names).
fn inside(dir: &Path, path: &str) -> Option<PathBuf> {
    let rel = Path::new(path);
    let plain = rel.components().all(|c| match c {
        Component::Normal(n) => !n.to_string_lossy().starts_with('.'),
        _ => false,
    });
    plain.then(|| dir.join(rel))
}

fn asset(dir: Option<&Path>, path: &str) -> Option<Asset> {
    match dir {
        Some(dir) => {
            let file = inside(dir, path)?;
            let data = std::fs::read(&file).ok()?;
            let mime = mime_guess::from_path(&file)
                .first_or_octet_stream()
                .to_string();
            Some(Asset {
                sha256: Sha256::digest(&data).into(),
                data: Cow::Owned(data),
                mime,
            })
        }
        None => Dist::get(path).map(|f| Asset {
            sha256: f.metadata.sha256_hash(),
            mime: f.metadata.mimetype().to_owned(),
            data: f.data,
        }),
    }
}

fn etag(file: &Asset) -> String {
    format!("\"{}\"", hex::encode(&file.sha256[..16]))
}

/// The answer for a file of the build: the precompressed copy the client takes, an ETag of the
/// original content (the same for every encoding), 304 when the client has it already.
fn file_response(dir: Option<&Path>, path: &str, file: Asset, headers: &HeaderMap) -> Response {
    let tag = etag(&file);
    let mut out = HeaderMap::new();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.mime)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control(path)),
    );
    out.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        out.insert(header::ETAG, v);
    }
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if fresh {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    for (coding, ext) in [("br", "br"), ("gzip", "gz")] {
        if accepts(headers, coding)
            && let Some(packed) = asset(dir, &format!("{path}.{ext}"))
        {
            out.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            return (out, body(packed.data)).into_response();
        }
    }
    (out, body(file.data)).into_response()
}

/// A file's bytes as a body: the binary's own without a copy.
fn body(data: Cow<'static, [u8]>) -> axum::body::Body {
    match data {
        Cow::Borrowed(b) => axum::body::Body::from(b),
        Cow::Owned(v) => axum::body::Body::from(v),
    }
}

/// Whether the path names a file (its last segment has an extension): a missing one is a 404,
/// not the app's page.
fn looks_like_file(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
}

/// Everything that is not an API route: a file of the UI, or the app's page for its own paths.
pub async fn serve(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let dir = state.config.web_dir.as_deref();
    let path = uri.path().trim_start_matches('/');
    let api = path == "api" || path.starts_with("api/");
    if api || !matches!(method, Method::GET | Method::HEAD) {
        return not_found().await.into_response();
    }
    if !path.is_empty()
        && let Some(file) = asset(dir, path)
    {
        return file_response(dir, path, file, &headers);
    }
    if looks_like_file(path) {
        return (StatusCode::NOT_FOUND, "").into_response();
    }
    match asset(dir, "index.html") {
        Some(index) => file_response(dir, "index.html", index, &headers),
        None => (StatusCode::SERVICE_UNAVAILABLE, Html(NOT_BUILT)).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_is_read_with_its_quality_values() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br;q=0"),
        );
        assert!(accepts(&h, "gzip"));
        assert!(!accepts(&h, "br"));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("BR;q=0.5"),
        );
        assert!(accepts(&h, "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    #[test]
    fn a_folder_serves_only_plain_paths_inside_it() {
        let dir = Path::new("/srv/ui");
        assert_eq!(
            inside(dir, "assets/a.js"),
            Some(PathBuf::from("/srv/ui/assets/a.js"))
        );
        for bad in [
            "../etc/passwd",
            "assets/../../x",
            "/etc/passwd",
            ".env",
            "a/.git/config",
        ] {
            assert_eq!(inside(dir, bad), None, "{bad}");
        }
    }

    #[test]
    fn only_hashed_assets_are_cached_for_long() {
        assert_eq!(
            cache_control("assets/index-3f2a.js"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(cache_control("index.html"), "no-cache");
        assert!(looks_like_file("assets/x.js"));
        assert!(!looks_like_file("console/orders/0193"));
    }
}
