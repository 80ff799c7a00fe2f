//! Keeps one request's reactive owner from becoming another's parent.
//!
//! leptos's `Owner::new_root` (each page render) leaves the new owner as
//! the thread's current owner after it returns, and `Owner::new` makes its
//! owner a child of the current one. leptos_axum's static-file answer (the
//! favicon) and its server-function handler both start with `Owner::new()`;
//! run on a thread where a page was being rendered, they became children
//! of that page, and the static-file answer then copied the page's
//! `ResponseOptions` (its Content-Security-Policy) onto itself, taking
//! them. The page went out with the policy that runs no script.
//!
//! So every poll of every request starts and ends with no current owner.
//! Within a poll leptos sets and restores its owners itself.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use leptos::prelude::Owner;

/// Middleware: runs the request with no reactive owner current between polls.
pub async fn isolate_reactive_owners(request: Request, next: Next) -> Response {
    WithoutStaleOwner(Box::pin(next.run(request))).await
}

struct WithoutStaleOwner<F>(Pin<Box<F>>);

impl<F: Future> Future for WithoutStaleOwner<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        clear_current_owner();
        let polled = self.0.as_mut().poll(cx);
        clear_current_owner();
        polled
    }
}

/// Forgets the thread's current owner, if any. It only drops this handle:
/// the request that owns the owner keeps it alive.
fn clear_current_owner() {
    if let Some(owner) = Owner::current() {
        owner.unset();
    }
}
