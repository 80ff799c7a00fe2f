//! The real `keyward` binary, for tests that start, kill or restart it.

use std::process::Command;

/// A port nothing listens on at this moment.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The binary with a clean environment: `PATH`, the output name that
/// cargo-leptos sets at build time (a plain `cargo test` build does not),
/// quiet logs and a plain-HTTP cookie, then `envs`.
pub fn keyward(envs: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_keyward"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LEPTOS_OUTPUT_NAME", "keyward")
        .env("RUST_LOG", "error")
        .env("KEYWARD_COOKIE_SECURE", "0")
        .envs(envs.iter().copied());
    command
}
