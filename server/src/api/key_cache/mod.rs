//! Verified keys, kept in memory so that a request with a known key does
//! no database work before its handler.
//!
//! An entry is everything a request needs about a presented secret (key,
//! organization, access, lifetimes), keyed by the secret's digest. The
//! cache is bounded by entries (`KEYWARD_KEY_CACHE_ENTRIES`, evicting the
//! least used first: `quick_cache`'s CLOCK-Pro); unknown secrets are never cached, so a key created a
//! moment ago works at once. Concurrent misses for one secret share one
//! database read.
//!
//! Staleness: a change that can narrow a key (edit, roll, delete) removes
//! its digests:
//! - on this instance, directly after its commit ([`KeyChangeSink`]);
//! - on the others (PostgreSQL only), from the change's `NOTIFY`, and from
//!   the `key_changes` journal, read every [`POLL_EVERY`] in case a
//!   notification was missed.
//!
//! On PostgreSQL the cache is only trusted while this instance can prove
//! it has seen every change of the last [`TRUST_FOR`] (see `in_sync.rs`).
//! Otherwise (a lost or silent connection, an unreachable database) every
//! request is verified against the database, and the cache starts empty
//! once it is trusted again: an instance never serves a key from memory
//! that it may have missed a change to.

mod hooks;
mod in_sync;
mod sync;

pub use hooks::SyncHooks;
pub use in_sync::TRUST_FOR;
pub use sync::POLL_EVERY;

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use app::domain::key_changes::{KeyChange, KeyChangeSink};
use app::domain::keys::secret::SecretDigest;
use sea_orm::DatabaseConnection;

/// Entries kept by default: about 100 MB at most, far more keys than are
/// in use at once on one instance.
pub const DEFAULT_ENTRIES: u64 = 100_000;

pub use app::domain::keys::lookup::VerifiedKey;

/// The database read behind a miss failed (and was logged by the reader).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadFailed;

pub struct KeyCache {
    entries: quick_cache::sync::Cache<[u8; 32], Arc<VerifiedKey>>,
    /// Bumped by every removal, so that a fill that read the database
    /// before a change and finished after it is not kept.
    generation: AtomicU64,
    /// Held (shared) by a fill from its generation check to its insert,
    /// and (exclusively) by a removal: a removal comes either before the
    /// check (and the fill is not kept) or after the insert (and removes
    /// it).
    removing: RwLock<()>,
    trust: Trust,
    hooks: SyncHooks,
}

/// When the entries may be used.
enum Trust {
    /// One instance on its own database (SQLite): every change is made
    /// here and removed here.
    Always,
    /// Several instances may share the database (PostgreSQL).
    WhileInSync(in_sync::InSync),
}

impl KeyCache {
    /// A cache for one instance alone on its database.
    pub fn local(max_entries: u64) -> KeyCache {
        KeyCache::new(max_entries, Trust::Always)
    }

    /// A cache that is trusted only while [`KeyCache::spawn_sync`] keeps it
    /// in step with the other instances.
    pub fn shared(max_entries: u64) -> KeyCache {
        KeyCache::new(max_entries, Trust::WhileInSync(in_sync::InSync::new()))
    }

    /// The cache for a database: shared on PostgreSQL, local otherwise.
    pub fn for_database(db: &DatabaseConnection, max_entries: u64) -> KeyCache {
        match db.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => KeyCache::shared(max_entries),
            _ => KeyCache::local(max_entries),
        }
    }

    fn new(max_entries: u64, trust: Trust) -> KeyCache {
        KeyCache {
            entries: quick_cache::sync::Cache::new(max_entries.max(1) as usize),
            generation: AtomicU64::new(0),
            removing: RwLock::new(()),
            trust,
            hooks: SyncHooks::default(),
        }
    }

    /// Faults tests put into the sync (see [`SyncHooks`]).
    pub fn hooks(&self) -> &SyncHooks {
        &self.hooks
    }

    /// Whether entries may be used now.
    pub fn trusted(&self) -> bool {
        self.in_sync().is_none_or(in_sync::InSync::trusted)
    }

    /// What keeps a shared cache in step; `None` for a local one.
    fn in_sync(&self) -> Option<&in_sync::InSync> {
        match &self.trust {
            Trust::Always => None,
            Trust::WhileInSync(in_sync) => Some(in_sync),
        }
    }

    /// The verified key for `digest`: from memory when trusted, otherwise
    /// (and on a miss) from `load`, which returns `None` for an unknown
    /// secret, and reports its own failures. Concurrent misses for one
    /// digest run `load` once, and share its outcome.
    pub async fn get_or_load<F>(
        &self,
        digest: &SecretDigest,
        load: F,
    ) -> Result<Option<Arc<VerifiedKey>>, LoadFailed>
    where
        F: Future<Output = Result<Option<VerifiedKey>, LoadFailed>>,
    {
        if !self.trusted() {
            return load.await.map(|found| found.map(Arc::new));
        }
        let guard = match self.entries.get_value_or_guard_async(&digest.0).await {
            Ok(hit) => return Ok(Some(hit)),
            Err(guard) => guard,
        };
        // This caller fills; others asking for the same digest meanwhile
        // wait for it (and read themselves if it finds nothing).
        let generation = self.generation.load(Ordering::Acquire);
        let Some(key) = load.await?.map(Arc::new) else {
            return Ok(None);
        };
        let _no_removal = self.removing.read().expect("key cache lock");
        if self.generation.load(Ordering::Acquire) == generation {
            // Err only if a removal took the placeholder: then not kept.
            let _ = guard.insert(key.clone());
        }
        // Otherwise the read may predate a change: this request overlapped
        // the change and may use it; the next one reads again.
        Ok(Some(key))
    }

    /// Whether `digest` belongs to a key verified before (in memory, trusted
    /// or not): such a key is never refused for its address's unknown keys.
    pub fn holds(&self, digest: &SecretDigest) -> bool {
        self.entries.peek(&digest.0).is_some()
    }

    /// Forgets the given digests.
    pub fn forget(&self, digests: &[SecretDigest]) {
        let _removing = self.removing.write().expect("key cache lock");
        self.generation.fetch_add(1, Ordering::AcqRel);
        for digest in digests {
            self.entries.remove(&digest.0);
        }
    }

    /// Forgets everything.
    pub fn forget_all(&self) {
        let _removing = self.removing.write().expect("key cache lock");
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.clear();
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl KeyChangeSink for KeyCache {
    fn key_changed(&self, change: &KeyChange) {
        self.forget(&change.digests);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    use app::domain::keys::secret::ApiKeySecret;

    use super::*;
    use app::domain::OrgId;
    use app::model::expiry::{Lifetimes, SecretSlot};
    use app::model::permissions::Access;

    fn verified(key_id: i64, name: &str) -> VerifiedKey {
        VerifiedKey {
            key_id,
            key_name: name.to_owned(),
            org: OrgId(1),
            org_name: "Org".to_owned(),
            access: Access::Full,
            lifetimes: Lifetimes::default(),
            slot: SecretSlot::Current,
            allowed_ips: Default::default(),
            rate_limit: Default::default(),
        }
    }

    /// A loader that counts its database reads and answers `name`.
    struct Db {
        reads: AtomicUsize,
    }

    impl Db {
        fn new() -> Db {
            Db {
                reads: AtomicUsize::new(0),
            }
        }

        async fn load(&self, name: Option<&str>) -> Result<Option<VerifiedKey>, LoadFailed> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok(name.map(|n| verified(1, n)))
        }

        fn reads(&self) -> usize {
            self.reads.load(Ordering::SeqCst)
        }
    }

    fn digest() -> SecretDigest {
        ApiKeySecret::generate().digest()
    }

    #[tokio::test]
    async fn a_hit_reads_nothing_and_a_miss_reads_once() {
        let cache = KeyCache::local(100);
        let db = Db::new();
        let d = digest();
        let first = cache.get_or_load(&d, db.load(Some("k"))).await.unwrap();
        let second = cache.get_or_load(&d, db.load(Some("k"))).await.unwrap();
        assert_eq!(first.unwrap().key_name, "k");
        assert_eq!(second.unwrap().key_name, "k");
        assert_eq!(db.reads(), 1);
    }

    #[tokio::test]
    async fn an_unknown_secret_is_not_remembered_as_unknown() {
        let cache = KeyCache::local(100);
        let db = Db::new();
        let d = digest();
        assert!(
            cache
                .get_or_load(&d, db.load(None))
                .await
                .unwrap()
                .is_none()
        );
        // Created a moment later: found at once.
        let found = cache.get_or_load(&d, db.load(Some("new"))).await.unwrap();
        assert_eq!(found.unwrap().key_name, "new");
        assert_eq!(db.reads(), 2);
    }

    #[tokio::test]
    async fn concurrent_misses_for_one_secret_read_the_database_once() {
        let cache = Arc::new(KeyCache::local(100));
        let db = Arc::new(Db::new());
        let d = digest();
        let lookups = (0..16).map(|_| {
            let (cache, db, d) = (cache.clone(), db.clone(), d.clone());
            tokio::spawn(async move {
                cache
                    .get_or_load(&d, async {
                        // Slow enough that every caller arrives meanwhile.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        db.load(Some("k")).await
                    })
                    .await
            })
        });
        for lookup in lookups.collect::<Vec<_>>() {
            assert_eq!(lookup.await.unwrap().unwrap().unwrap().key_name, "k");
        }
        assert_eq!(db.reads(), 1);
    }

    #[tokio::test]
    async fn a_forgotten_secret_is_read_again() {
        let cache = KeyCache::local(100);
        let db = Db::new();
        let (d, other) = (digest(), digest());
        cache.get_or_load(&d, db.load(Some("old"))).await.unwrap();
        cache
            .get_or_load(&other, db.load(Some("other")))
            .await
            .unwrap();
        cache.key_changed(&KeyChange {
            key_id: 1,
            digests: vec![d.clone()],
        });
        let again = cache
            .get_or_load(&d, db.load(Some("renamed")))
            .await
            .unwrap();
        assert_eq!(again.unwrap().key_name, "renamed");
        let kept = cache.get_or_load(&other, db.load(Some("x"))).await.unwrap();
        assert_eq!(kept.unwrap().key_name, "other", "others stay cached");
        assert_eq!(db.reads(), 3);
    }

    #[tokio::test]
    async fn a_fill_that_overlapped_a_change_is_not_kept() {
        let cache = KeyCache::local(100);
        let db = Db::new();
        let d = digest();
        // The read happens, then the key changes, then the fill completes.
        let stale = cache
            .get_or_load(&d, async {
                let read = db.load(Some("before")).await;
                cache.forget(std::slice::from_ref(&d));
                read
            })
            .await
            .unwrap();
        assert_eq!(stale.unwrap().key_name, "before");
        let next = cache.get_or_load(&d, db.load(Some("after"))).await.unwrap();
        assert_eq!(next.unwrap().key_name, "after");
    }

    #[tokio::test]
    async fn the_cache_holds_at_most_its_bound() {
        let cache = KeyCache::local(50);
        let db = Db::new();
        for _ in 0..1_000 {
            cache
                .get_or_load(&digest(), db.load(Some("k")))
                .await
                .unwrap();
        }
        let held = cache.len();
        assert!(held <= 50, "{held} entries held");
        assert!(held > 0);
    }

    #[tokio::test]
    async fn a_failed_read_is_reported_and_not_cached() {
        let cache = KeyCache::local(100);
        let db = Db::new();
        let d = digest();
        assert_eq!(
            cache
                .get_or_load(&d, async { Err(LoadFailed) })
                .await
                .unwrap_err(),
            LoadFailed
        );
        assert!(
            cache
                .get_or_load(&d, db.load(Some("k")))
                .await
                .unwrap()
                .is_some()
        );
    }

    #[tokio::test]
    async fn a_shared_cache_out_of_sync_reads_every_time() {
        // No sync task: never listening, never read the journal.
        let cache = KeyCache::shared(100);
        let db = Db::new();
        let d = digest();
        for _ in 0..3 {
            cache.get_or_load(&d, db.load(Some("k"))).await.unwrap();
        }
        assert_eq!(db.reads(), 3);
        assert!(cache.is_empty());
        // In sync: cached.
        cache.in_sync().unwrap().in_step_at(Instant::now());
        for _ in 0..3 {
            cache.get_or_load(&d, db.load(Some("k"))).await.unwrap();
        }
        assert_eq!(db.reads(), 4);
        // Nothing heard or read for longer than TRUST_FOR: not trusted any more.
        tokio::time::sleep(TRUST_FOR + Duration::from_millis(100)).await;
        cache.get_or_load(&d, db.load(Some("k"))).await.unwrap();
        assert_eq!(db.reads(), 5);
    }
}
