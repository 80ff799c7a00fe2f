//! Reads that can overlap, of which only the last one asked for counts.

use std::future::Future;

use leptos::prelude::*;

/// An action for reads that may overlap (a poll, a refresh after each
/// change) and whose answers can come back in any order. Each read is
/// numbered when it is asked for; its answer is kept only if no other read
/// was asked for since, so an older answer never replaces a newer one.
///
/// Why not a plain `Action`: leptos 0.8's `Action` puts every answer in its
/// `value`, in the order the answers arrive.
pub struct LastAsked<I: 'static, O: 'static> {
    action: Action<I, ()>,
    answer: RwSignal<Option<O>>,
}

impl<I, O> Clone for LastAsked<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I, O> Copy for LastAsked<I, O> {}

impl<I, O> LastAsked<I, O>
where
    I: Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    pub fn new<F, Fut>(read: F) -> Self
    where
        F: Fn(&I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = O> + Send + 'static,
    {
        let answer = RwSignal::new(None);
        let asked = StoredValue::new(0_u64);
        let action = Action::new(move |input: &I| {
            asked.update_value(|n| *n += 1);
            let number = asked.get_value();
            let reading = read(input);
            async move {
                let result = reading.await;
                // The page may be gone by now: a disposed owner reads as
                // "not the last one", and the answer is dropped.
                if asked.try_get_value() == Some(number) {
                    answer.try_set(Some(result));
                }
            }
        });
        Self { action, answer }
    }

    pub fn dispatch(&self, input: I) {
        self.action.dispatch(input);
    }

    /// The answer to the last read asked for, once it is in; tracked, so an
    /// effect that reads it runs again for each answer kept.
    pub fn answer(&self) -> Option<O> {
        self.answer.get()
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};
    use tokio::sync::oneshot;

    /// Waits, a bounded number of executor turns, until `done` holds.
    async fn until(done: impl Fn() -> bool) {
        for _ in 0..1000 {
            if done() {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("still waiting after 1000 turns");
    }

    /// Two reads asked for, one after the other, whose answers the test
    /// hands over (through the senders, first read's first) in any order.
    /// The owner must outlive the test's reads.
    struct TwoReads {
        _owner: Owner,
        reads: LastAsked<(), &'static str>,
        first: oneshot::Sender<&'static str>,
        second: oneshot::Sender<&'static str>,
        /// The action's count of reads that are over.
        over: RwSignal<usize>,
    }

    fn two_reads_asked() -> TwoReads {
        let _ = any_spawner::Executor::init_tokio();
        let owner = Owner::new();
        owner.set();
        let ((first, a), (second, b)) = (oneshot::channel(), oneshot::channel());
        let receivers = Arc::new(Mutex::new(VecDeque::from([a, b])));
        let reads = LastAsked::new(move |_: &()| {
            let answer = receivers
                .lock()
                .unwrap()
                .pop_front()
                .expect("one read too many");
            async move { answer.await.unwrap() }
        });
        reads.dispatch(());
        reads.dispatch(());
        let over = reads.action.version();
        TwoReads {
            _owner: owner,
            reads,
            first,
            second,
            over,
        }
    }

    #[tokio::test]
    async fn an_older_answer_that_arrives_last_is_not_kept() {
        let t = two_reads_asked();
        t.second.send("second").unwrap();
        until(|| t.reads.answer() == Some("second")).await;
        t.first.send("first").unwrap();
        until(|| t.over.get_untracked() == 2).await;
        assert_eq!(t.reads.answer(), Some("second"));
    }

    #[tokio::test]
    async fn an_older_answer_that_arrives_first_is_not_kept_either() {
        let t = two_reads_asked();
        t.first.send("first").unwrap();
        until(|| t.over.get_untracked() == 1).await;
        assert_eq!(t.reads.answer(), None);
        t.second.send("second").unwrap();
        until(|| t.over.get_untracked() == 2).await;
        assert_eq!(t.reads.answer(), Some("second"));
    }
}
