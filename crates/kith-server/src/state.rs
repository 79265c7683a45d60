//! What every request shares: the store pool, the settings, the sign-in limiter, the clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use kith_core::Id;
use kith_store::{Hidden, Location, Memo, NameIndex, Store};
use tokio::sync::Semaphore;

use crate::access::PrincipalCache;
use crate::auth::Limiter;
use crate::config::Config;
use crate::error::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub pool: Arc<Pool>,
    pub config: Arc<Config>,
    pub limiter: Arc<Limiter>,
    pub tz: TimeZone,
    /// The live people's names for `GET /api/v1/people?q=`, rebuilt when the `people` data
    /// version moves (see [`kith_store::NameIndex`]).
    pub names: Arc<Mutex<Option<Arc<NameIndex>>>>,
    /// The import page's background jobs (`pages_import`).
    pub imports: Arc<crate::pages_import::Jobs>,
    /// Who was asking, by credential, for a few seconds (see [`PrincipalCache`]).
    pub principals: Arc<PrincipalCache>,
}

/// Per user: the `privacy` data version and the hidden set read at it.
pub type HiddenSets = HashMap<Id, (i64, Arc<Hidden>)>;

impl AppState {
    /// Open the database (creating or migrating it) and check that it answers.
    pub fn new(location: Location, config: Config) -> Result<AppState, kith_store::Error> {
        let tz = match &config.time_zone {
            Some(name) => TimeZone::get(name).unwrap_or(TimeZone::UTC),
            None => TimeZone::try_system().unwrap_or(TimeZone::UTC),
        };
        let memo = Arc::new(Memo::new());
        let mut first = Store::open(&location)?;
        first.share_memo(memo.clone());
        first.limit_page_cache(PAGE_CACHE_KIB)?;
        let principals = Arc::new(PrincipalCache::new(Duration::from_millis(config.principal_cache_ms)));
        let pool = Pool {
            location,
            principals: principals.clone(),
            memo,
            hidden: Mutex::default(),
            idle: Mutex::new(vec![first]),
            permits: Semaphore::new(config.pool_size),
            max_idle: config.pool_size,
        };
        Ok(AppState {
            pool: Arc::new(pool),
            limiter: Arc::new(Limiter::new(Duration::from_secs(15 * 60))),
            config: Arc::new(config),
            tz,
            names: Arc::new(Mutex::new(None)),
            imports: Arc::default(),
            principals,
        })
    }

    /// The name index at the store's current `people` version: the one kept if it is current,
    /// else a new one read now. Readers that find it stale while another rebuilds wait for that
    /// rebuild instead of reading the names again.
    pub fn name_index(&self, store: &mut Store) -> Result<Arc<NameIndex>, kith_store::Error> {
        let version = store.people_version()?;
        let mut kept = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ix) = kept.as_ref().filter(|ix| ix.version() >= version) {
            return Ok(ix.clone());
        }
        let ix = Arc::new(store.name_index()?);
        *kept = Some(ix.clone());
        Ok(ix)
    }

    pub fn now(&self) -> ZonedDateTime {
        Timestamp::now().to_zoned_datetime(self.tz.clone())
    }

    pub fn now_ms(&self) -> i64 {
        Timestamp::now().as_millisecond()
    }
}

/// SQLite's page cache per pooled connection, in KiB: the whole-network reads come from the
/// memo, so the pages and the API touch a few indexes; the file itself stays in the OS cache.
/// (The CLI's 64 MiB per connection would let `pool_size` connections hold 300 MB.)
const PAGE_CACHE_KIB: u32 = 8 * 1024;

/// Stores for request work. The store is synchronous (rusqlite, the blocking postgres client),
/// so its work runs on tokio's blocking threads; at most `pool_size` run at once, each with its
/// own connection, kept for the next request. SQLite serializes writers itself (WAL,
/// `BEGIN IMMEDIATE`, busy timeout); PostgreSQL gets one connection per store.
pub struct Pool {
    location: Location,
    idle: Mutex<Vec<Store>>,
    permits: Semaphore,
    max_idle: usize,
    /// Forgotten whenever a store's work changed an account in a way that can take access away.
    principals: Arc<PrincipalCache>,
    /// The decoded whole-network reads (tie graph, contact statistics…), shared by the stores
    /// and kept while their data versions stay put (see [`kith_store::Memo`]).
    memo: Arc<Memo>,
    /// Each user's hidden records (private people, `kith_store::privacy`) with the `privacy`
    /// data version they were read at.
    hidden: Mutex<HiddenSets>,
}

impl Drop for Pool {
    /// The blocking PostgreSQL client runs its own small runtime to close its connection, which
    /// must not happen on a thread that drives async tasks: close the stores on a plain thread.
    fn drop(&mut self) {
        let stores = std::mem::take(self.idle.get_mut().unwrap_or_else(|e| e.into_inner()));
        if stores.is_empty() {
            return;
        }
        if let Ok(t) = std::thread::Builder::new().name("kith-close-stores".into()).spawn(move || drop(stores)) {
            let _ = t.join();
        }
    }
}

impl Pool {
    /// What `user` may not see, at the store's current `privacy` version: the set kept if it is
    /// current, else one read now (one query; see `kith_store::privacy`).
    pub fn hidden_for(&self, store: &mut Store, user: Id) -> Result<Arc<Hidden>, kith_store::Error> {
        let Some(version) = store.privacy_version()? else { return Ok(Arc::new(store.hidden_for(user)?)) };
        if let Some((v, h)) = self.hidden.lock().unwrap_or_else(|e| e.into_inner()).get(&user)
            && *v >= version
        {
            return Ok(h.clone());
        }
        let h = Arc::new(store.hidden_for(user)?);
        self.hidden.lock().unwrap_or_else(|e| e.into_inner()).insert(user, (version, h.clone()));
        Ok(h)
    }

    /// Run `f` with a store on a blocking thread.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        let pool = Arc::clone(self);
        // Every job sees what the request's principal may see (private people, access.rs),
        // read in the job at the current `privacy` version: never a set kept with the principal.
        let viewer = crate::access::current_scope();
        tokio::task::spawn_blocking(move || {
            let taken = pool.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let mut store = match taken {
                Some(s) => s,
                None => {
                    let mut s = Store::open(&pool.location).map_err(ApiError::internal)?;
                    s.share_memo(pool.memo.clone());
                    s.limit_page_cache(PAGE_CACHE_KIB).map_err(ApiError::internal)?;
                    s
                }
            };
            let scope = match viewer {
                Some(user) => pool.hidden_for(&mut store, user).map_err(ApiError::internal)?,
                None => Arc::default(),
            };
            store.set_scope(scope);
            let out = f(&mut store);
            if store.take_accounts_changed() {
                pool.principals.clear();
            }
            // A store whose work failed inside may hold a broken connection: drop it.
            if !matches!(&out, Err(e) if e.status.is_server_error()) {
                let mut idle = pool.idle.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < pool.max_idle {
                    idle.push(store);
                }
            }
            out
        })
        .await
        .map_err(ApiError::internal)?
    }
}
