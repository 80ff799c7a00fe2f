//! What a browser downloads: the built CSS, JS and WASM under `/pkg/`, and
//! the compression of everything else.
//!
//! - `/pkg/` files are served from their brotli or gzip copies (made by
//!   `cargo leptos build --precompress`) by `Accept-Encoding`. When their
//!   names carry a content hash (`hash-files`), they never change, so they
//!   are cached for a year as immutable; otherwise they are revalidated.
//! - Pages, server-function answers and API answers are compressed on the
//!   fly, except answers that carry a key's secret (create, roll): a
//!   compressed secret beside text an attacker can choose is what BREACH
//!   reads, and those answers are small anyway.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use leptos::config::LeptosOptions;
use leptos::server_fn::ServerFn;
use tower_http::services::ServeDir;

/// `Cache-Control` of content-hashed files: a new build has new names.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of files whose names do not change between builds.
const REVALIDATE: &str = "no-cache";

/// Server functions whose answer carries a secret: a key's full secret, or
/// an invitation link.
fn carries_a_secret(path: &str) -> bool {
    [
        <app::server_fns::keys::CreateKey as ServerFn>::PATH,
        <app::server_fns::keys::RollKey as ServerFn>::PATH,
        <app::server_fns::members::InviteMember as ServerFn>::PATH,
    ]
    .contains(&path)
}

/// Turns on hashed file names when the build made them: cargo-leptos
/// writes the hashes beside the binary, where the shell reads them.
pub fn detect_hashed_files(options: &mut LeptosOptions) {
    let beside_binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
    if beside_binary.as_deref().is_some_and(Path::exists) {
        options.hash_files = true;
    }
}

/// The `/pkg/` files, precompressed copies first.
pub fn pkg(options: &LeptosOptions) -> Router {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let cache_control = HeaderValue::from_static(if options.hash_files {
        IMMUTABLE
    } else {
        REVALIDATE
    });
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(from_fn(move |request: Request, next: Next| {
            let cache_control = cache_control.clone();
            async move {
                let mut response = next.run(request).await;
                if response.status().is_success() {
                    response
                        .headers_mut()
                        .insert(header::CACHE_CONTROL, cache_control);
                }
                response
            }
        }))
}

/// Asks for no compression of answers that carry a secret, by removing
/// `Accept-Encoding` before the compression layer reads it.
pub async fn no_compression_for_secrets(mut request: Request, next: Next) -> Response {
    if carries_a_secret(request.uri().path()) {
        request.headers_mut().remove(header::ACCEPT_ENCODING);
    }
    next.run(request).await
}
