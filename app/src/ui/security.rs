//! The Content-Security-Policy of every page. Scripts run only if they carry
//! this response's nonce, or were loaded by one that does ('strict-dynamic':
//! the hydration script imports the bundle); WebAssembly may compile; styles,
//! images, fonts and connections come from this site only; nothing may frame
//! the page, and no plugin, base URL or foreign form target is allowed. A
//! script injected into the page has no nonce, so it does not run.

use axum::http::{HeaderValue, header};
use leptos::config::{LeptosOptions, ReloadWSProtocol};
use leptos::nonce::{provide_nonce, use_nonce};
use leptos::prelude::use_context;

/// The policy for a page whose scripts carry `nonce`. `live_reload` is the
/// WebSocket source `cargo leptos watch` reloads the page through, when it
/// is watching; connections go nowhere else.
pub fn page_policy(nonce: &str, live_reload: Option<&str>) -> String {
    let live_reload = live_reload
        .map(|source| format!(" {source}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'{live_reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The live-reload socket's source when `watching` (under `cargo leptos
/// watch`): its own port, on whatever host the page was opened as.
fn live_reload_source(options: &LeptosOptions, watching: bool) -> Option<String> {
    if !watching {
        return None;
    }
    let port = options.reload_external_port.unwrap_or(options.reload_port);
    let scheme = match options.reload_ws_protocol {
        ReloadWSProtocol::WS => "ws",
        ReloadWSProtocol::WSS => "wss",
    };
    Some(format!("{scheme}://*:{port}"))
}

/// Makes a fresh nonce for the page being rendered and sends the policy
/// that allows it. Called by the shell, before the hydration scripts render.
pub fn provide_page_csp(options: &LeptosOptions) {
    provide_nonce();
    let (nonce, response) = (use_nonce(), use_context::<leptos_axum::ResponseOptions>());
    let (Some(nonce), Some(response)) = (nonce.as_ref(), response) else {
        // The page then goes out with the policy that allows no script
        // (`guards::security_headers`): it is safe, but it does not work.
        tracing::error!(
            has_nonce = nonce.is_some(),
            "a page is rendered without the response to put its policy on"
        );
        return;
    };
    // `cargo leptos watch` sets LEPTOS_WATCH; Leptos's AutoReload checks it too.
    let watching = std::env::var_os("LEPTOS_WATCH").is_some();
    let live_reload = live_reload_source(options, watching);
    match HeaderValue::from_str(&page_policy(&nonce.to_string(), live_reload.as_deref())) {
        Ok(value) => response.insert_header(header::CONTENT_SECURITY_POLICY, value),
        Err(err) => tracing::error!(error = %err, "the page's CSP is not a valid header value"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_go_to_this_site_and_in_development_to_the_reload_socket() {
        let served = page_policy("n0nce", None);
        assert!(served.contains("connect-src 'self';"), "{served}");
        assert!(served.contains("'nonce-n0nce'"), "{served}");

        let watched = page_policy("n0nce", Some("ws://*:3001"));
        assert!(
            watched.contains("connect-src 'self' ws://*:3001;"),
            "{watched}"
        );
    }

    #[test]
    fn the_reload_socket_follows_the_options() {
        let mut options = LeptosOptions::builder().output_name("keyward").build();
        options.reload_port = 3001;
        assert_eq!(
            live_reload_source(&options, true).as_deref(),
            Some("ws://*:3001")
        );
        options.reload_external_port = Some(443);
        options.reload_ws_protocol = ReloadWSProtocol::WSS;
        assert_eq!(
            live_reload_source(&options, true).as_deref(),
            Some("wss://*:443")
        );
        assert_eq!(live_reload_source(&options, false), None);
    }
}
