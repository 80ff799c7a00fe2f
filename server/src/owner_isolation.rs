//! Keeps requests' reactive owners apart, and a page's owner alive until
//! its render is over.
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
//!
//! A page render, once begun, is also never dropped midway. leptos's
//! `Suspense` and `Transition` wait for their resources with an effect that
//! runs in a task of its own, on any worker thread, and walks the suspended
//! view again (a page's `keys.await`, its islands' signals). Dropping the
//! render when the client goes away disposed the page's owner on this
//! thread under that effect's feet on another, and the effect panicked:
//! "Tried to access a reactive value that has already been disposed". So a
//! request dropped after its render began is finished in a task of its
//! own, and its answer thrown away. That costs the rest of the render's
//! CPU only: its reads (the resources) run to their end in any case. A
//! request dropped before (in the session check, say) is dropped as before.
//!
//! Finishing is bounded, since a client can open and drop renders faster
//! than they end: at most [`FINISHING_AT_ONCE`] renders are finished at
//! once on an instance, each within [`FINISH_WITHIN`]. Past either, the
//! render is dropped as it was before; the panic that may follow is caught
//! by tokio and logged, and harms nothing else.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use leptos::prelude::Owner;

type Answer = Pin<Box<dyn Future<Output = Response> + Send>>;

/// Renders whose client left that an instance finishes at once.
pub const FINISHING_AT_ONCE: usize = 64;
/// How long such a render may take to finish: the request timeout.
pub const FINISH_WITHIN: Duration = Duration::from_secs(30);

/// The renders being finished, and how many may be.
pub struct Finishers {
    now: AtomicUsize,
    at_once: usize,
    within: Duration,
}

impl Finishers {
    pub const fn new(at_once: usize, within: Duration) -> Finishers {
        Finishers {
            now: AtomicUsize::new(0),
            at_once,
            within,
        }
    }

    /// A place for one more, if there is one; given back when dropped.
    fn take(&'static self) -> Option<FinisherPlace> {
        self.now
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |now| {
                (now < self.at_once).then_some(now + 1)
            })
            .ok()
            .map(|_| FinisherPlace(self))
    }
}

struct FinisherPlace(&'static Finishers);

impl Drop for FinisherPlace {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::AcqRel);
    }
}

static FINISHERS: Finishers = Finishers::new(FINISHING_AT_ONCE, FINISH_WITHIN);

/// Middleware: runs the request with no reactive owner current between
/// polls, and finishes a page render whose client left.
pub async fn isolate_reactive_owners(request: Request, next: Next) -> Response {
    WithoutStaleOwner::new(Box::pin(next.run(request)), &FINISHERS).await
}

struct WithoutStaleOwner {
    /// `None` once answered.
    answer: Option<Answer>,
    /// A page render began: `Owner::new_root` left its owner current.
    rendering: bool,
    /// Finishing a render whose client left. Dropped in turn (only when the
    /// runtime shuts down, which drops every task), it is not handed on
    /// again: a runtime that is shutting down drops a new task at once, and
    /// each drop would spawn the next, without end.
    finishing: bool,
    /// Inside a poll of `answer`: dropped then, it is unwinding from a
    /// panic, and polling it again would only panic again.
    polling: bool,
    finishers: &'static Finishers,
}

impl WithoutStaleOwner {
    fn new(answer: Answer, finishers: &'static Finishers) -> Self {
        WithoutStaleOwner {
            answer: Some(answer),
            rendering: false,
            finishing: false,
            polling: false,
            finishers,
        }
    }
}

impl Future for WithoutStaleOwner {
    type Output = Response;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Response> {
        if self.answer.is_none() {
            panic!("polled after it answered");
        }
        clear_current_owner();
        self.polling = true;
        let Some(answer) = self.answer.as_mut() else {
            unreachable!("checked above");
        };
        let polled = answer.as_mut().poll(cx);
        self.polling = false;
        if clear_current_owner() {
            self.rendering = true;
        }
        if polled.is_ready() {
            self.answer = None;
        }
        polled
    }
}

impl Drop for WithoutStaleOwner {
    fn drop(&mut self) {
        if !self.rendering || self.finishing || self.polling {
            return;
        }
        let Some(answer) = self.answer.take() else {
            return;
        };
        // Without a runtime it is simply dropped: nothing runs any more.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(place) = self.finishers.take() else {
            tracing::debug!("too many renders being finished; dropping one midway");
            return;
        };
        let mut finisher = WithoutStaleOwner::new(answer, self.finishers);
        finisher.rendering = true;
        finisher.finishing = true;
        let within = self.finishers.within;
        runtime.spawn(async move {
            let _place = place;
            let _ = tokio::time::timeout(within, finisher).await;
        });
    }
}

/// Forgets the thread's current owner, if any, and says whether there was
/// one. It only drops this handle: the request that owns the owner keeps
/// it alive.
fn clear_current_owner() -> bool {
    match Owner::current() {
        Some(owner) => {
            owner.unset();
            true
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::middleware::from_fn;
    use axum::routing::get;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::Duration;
    use tokio::sync::Notify;
    use tower::ServiceExt;

    /// Counts its drops.
    struct Dropped(Arc<AtomicUsize>);

    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// What a test's handler does and tells.
    #[derive(Clone, Default)]
    struct Probe {
        /// Lets the handler go on past its first wait.
        go: Arc<Notify>,
        finished: Arc<AtomicBool>,
        /// How many times the handler's future was dropped.
        drops: Arc<AtomicUsize>,
    }

    /// A handler that begins a render (or not), waits for `go`, then says
    /// it finished.
    async fn handle(renders: bool, probe: Probe) {
        let _counted = Dropped(probe.drops.clone());
        let root = renders.then(|| Owner::new_root(None));
        probe.go.notified().await;
        probe.finished.store(true, Ordering::SeqCst);
        drop(root);
    }

    fn router(renders: bool, probe: Probe) -> Router {
        let handler = move || handle(renders, probe.clone());
        Router::new()
            .route("/", get(handler))
            .layer(from_fn(isolate_reactive_owners))
    }

    /// Sends a request to `router` and drops it unanswered.
    async fn leave(router: Router) {
        let request = Request::get("/").body(Body::empty()).unwrap();
        let answer = router.oneshot(request);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), answer)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_render_its_client_left_is_finished_and_other_requests_are_dropped() {
        for renders in [true, false] {
            let probe = Probe::default();
            leave(router(renders, probe.clone())).await;
            probe.go.notify_waiters();
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert_eq!(
                probe.finished.load(Ordering::SeqCst),
                renders,
                "renders: {renders}"
            );
            assert_eq!(probe.drops.load(Ordering::SeqCst), 1, "renders: {renders}");
        }
    }

    /// Sends a request straight to the layer's future, with its own
    /// bound on finishing, and drops it unanswered once it has begun.
    async fn leave_with(finishers: &'static Finishers, probe: Probe) {
        let answer = async move {
            handle(true, probe).await;
            Response::new(Body::empty())
        };
        let mut pending = WithoutStaleOwner::new(Box::pin(answer), finishers);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), &mut pending)
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn past_its_bound_or_its_deadline_a_left_render_is_dropped() {
        // No place left: dropped at once, as before.
        let none: &'static Finishers = Box::leak(Box::new(Finishers::new(0, FINISH_WITHIN)));
        let probe = Probe::default();
        leave_with(none, probe.clone()).await;
        assert_eq!(probe.drops.load(Ordering::SeqCst), 1, "dropped at once");
        // A place, but a render that never ends: dropped at the deadline,
        // and its place given back.
        let brief: &'static Finishers =
            Box::leak(Box::new(Finishers::new(1, Duration::from_millis(100))));
        let probe = Probe::default();
        leave_with(brief, probe.clone()).await;
        assert_eq!(probe.drops.load(Ordering::SeqCst), 0, "being finished");
        assert_eq!(brief.now.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            probe.drops.load(Ordering::SeqCst),
            1,
            "dropped at its deadline"
        );
        assert!(!probe.finished.load(Ordering::SeqCst));
        assert_eq!(brief.now.load(Ordering::SeqCst), 0, "its place given back");
    }

    /// A render still being finished when the runtime shuts down is dropped
    /// once: handed on again, each drop spawned the next, and the stack
    /// overflowed.
    #[test]
    fn a_render_being_finished_at_shutdown_is_dropped_once() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let probe = Probe::default();
        runtime.block_on(leave(router(true, probe.clone())));
        assert_eq!(
            probe.drops.load(Ordering::SeqCst),
            0,
            "it is being finished"
        );
        drop(runtime);
        assert_eq!(probe.drops.load(Ordering::SeqCst), 1);
        assert!(!probe.finished.load(Ordering::SeqCst));
    }
}
