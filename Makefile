# Keyward. `make run` and `make test` are the two commands a fresh machine
# needs; both install whatever is missing first.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

# Builds may share a cache outside the clone (CI sets this).
export CARGO_TARGET_DIR ?= $(CURDIR)/target
# npm's wasm-opt must win over any Debian /usr/bin/wasm-opt.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

BIN := $(CARGO_TARGET_DIR)/release/keyward
ADDR ?= 127.0.0.1:3000

.PHONY: run dev build tools lint test test-rust test-e2e bench fuzz cluster clean

tools:
	@.ci/ensure-tools

## Release build: the WASM bundle (size-optimised through the wasm-release
## profile; content-hashed names; brotli and gzip copies beside each file),
## then the server (speed-optimised). One side after the other, as
## separate packages: never one --workspace build, never two cargo builds
## fighting over two cores.
build: tools
	cargo leptos build --release --precompress --split --cargo-locked --frontend-only
	cargo leptos build --release --cargo-locked --server-only

## Serves http://127.0.0.1:3000 with SQLite and the master key under ./data.
## Plain HTTP on loopback, so the session cookie is not `Secure` here; a
## deployment behind TLS keeps the default.
run: build
	mkdir -p data
	KEYWARD_COOKIE_SECURE=0 LEPTOS_SITE_ADDR=$(ADDR) LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD $(BIN)

## Several instances on the local PostgreSQL, one database, one master
## key: N (default 2) on ports 3000, 3001, …; Ctrl-C stops them.
cluster: build
	@.ci/cluster

## Hot reload while editing.
dev: tools
	cargo leptos watch --split

## The shape first (imports go one way between the layers, no file or
## function too large; each check tests itself before it runs), then
## rustfmt's defaults, and clippy with warnings as errors on each side:
## the server and its tests, the app's server side and its tests, and the
## hydrate side on the wasm target (never one --workspace build).
lint: tools
	.ci/layers --self-test
	.ci/layers
	.ci/sizes --self-test
	.ci/sizes
	cargo fmt --all --check
	cargo clippy --locked -p server --tests -- -D warnings
	cargo clippy --locked -p app --features ssr --tests -- -D warnings
	cargo clippy --locked -p migrations -- -D warnings
	cargo clippy --locked -p frontend --target wasm32-unknown-unknown -- -D warnings

## Every test: Rust (each crate on its own side), then Playwright.
test: test-rust test-e2e

test-rust: tools
	cargo test -p app --features ssr
	cargo test -p server

test-e2e: build
	@.ci/ensure-tools --browser
	cd end2end && KEYWARD_BIN=$(BIN) KEYWARD_E2E_PORT=$$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})") npx playwright test

## Requests per second with key verification against /healthz in the same
## run, at 1,000 and 100,000 keys. Prints ratios; asserts nothing.
bench: build
	@.ci/bench

## Schemathesis over /openapi.json against a release server (a few
## minutes; not part of `make test`). FUZZ_EXAMPLES and FUZZ_SEED tune it.
fuzz: build
	@.ci/fuzz

clean:
	cargo clean
	rm -rf target/site
