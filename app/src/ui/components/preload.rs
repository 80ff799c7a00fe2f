//! Preload links for a lazy island's WASM chunks.

use leptos::prelude::*;

/// Asks the browser to fetch the WASM chunks of the lazy island `island`
/// (its function's name in snake case) beside the main module. Without it
/// they are asked for only once the main module runs and the island's
/// loader starts: a round trip and the main module's start later.
///
/// leptos_axum 0.8.10 means to add these links itself, but it looks up the
/// split manifest after the render, outside the page's reactive owner, and
/// finds none. `HydrationScripts` in the shell provides that manifest to
/// the page, so it is read here, where the page renders.
#[component]
pub fn PreloadLazyIsland(island: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        use leptos_meta::Link;
        chunks(island)
            .into_iter()
            .map(|href| {
                // `crossorigin`: the loader's `fetch` is a CORS-mode request,
                // and a preload is used only by a request of its own mode.
                view! {
                    <Link
                        rel="preload"
                        href
                        as_="fetch"
                        type_="application/wasm"
                        crossorigin="anonymous"
                    />
                }
            })
            .collect_view()
    }
    #[cfg(not(feature = "ssr"))]
    {
        // The pages are rendered on the server only.
        let _ = island;
    }
}

/// The `/pkg/` paths of the chunks `island`'s loader fetches. None in a
/// build without `--split`, which has no manifest.
#[cfg(feature = "ssr")]
fn chunks(island: &str) -> Vec<String> {
    use leptos::prelude::ReadValue;
    let Some(manifest) = use_context::<leptos::WasmSplitManifest>() else {
        return Vec::new();
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return Vec::new();
    };
    let (pkg, splits, _) = &*manifest;
    // A lazy island's loader is split as `<island>_loader_<number>`.
    let prefix = format!("{island}_loader_");
    splits
        .iter()
        .filter(|(split, _)| {
            split
                .strip_prefix(&prefix)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .flat_map(|(_, modules)| modules.iter().map(|m| format!("{pkg}/{m}.wasm")))
        .collect()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use leptos::prelude::ArcStoredValue;
    use std::collections::HashMap;

    fn with_manifest(splits: &[(&str, &[&str])], read: impl FnOnce()) {
        let owner = Owner::new();
        owner.with(|| {
            let splits: HashMap<String, Vec<String>> = splits
                .iter()
                .map(|(s, m)| (s.to_string(), m.iter().map(|m| m.to_string()).collect()))
                .collect();
            provide_context(leptos::WasmSplitManifest(ArcStoredValue::new((
                "/pkg".to_string(),
                splits,
                "__wasm_split.js".to_string(),
            ))));
            read();
        });
    }

    #[test]
    fn an_islands_chunks_are_its_loaders_and_no_others() {
        with_manifest(
            &[
                ("login_form_loader_363902", &["chunk_7.a", "split_login.b"]),
                ("login_form_extra_loader_1", &["chunk_9.c"]),
                (
                    "signup_form_loader_482765",
                    &["chunk_7.a", "split_signup.d"],
                ),
                ("roll_dialog_947328", &["chunk_8.e"]),
            ],
            || {
                assert_eq!(
                    chunks("login_form"),
                    ["/pkg/chunk_7.a.wasm", "/pkg/split_login.b.wasm"]
                );
                assert!(chunks("roll_dialog").is_empty());
                assert!(chunks("login").is_empty());
            },
        );
    }

    #[test]
    fn without_a_manifest_there_is_nothing_to_preload() {
        Owner::new().with(|| assert!(chunks("login_form").is_empty()));
    }
}
