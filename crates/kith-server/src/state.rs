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
    /// The stores: `pool.run` works in the request's workspace, `pool.accounts` in the server
    /// database (see [`Pools`]).
    pub pool: Arc<Pools>,
    pub config: Arc<Config>,
    pub limiter: Arc<Limiter>,
    pub tz: TimeZone,
    /// The live people's names for `GET /api/v1/people?q=`, per workspace, rebuilt when the
    /// `people` data version moves (see [`kith_store::NameIndex`]).
    pub names: Arc<Mutex<HashMap<Id, Arc<NameIndex>>>>,
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
        let home = first.team_workspace(Timestamp::now().as_millisecond())?;
        first.set_workspace(home);
        let principals = Arc::new(PrincipalCache::new(Duration::from_millis(config.principal_cache_ms)));
        let server = Pool {
            workspace: home,
            lender: None,
            location: location.clone(),
            principals: principals.clone(),
            memo,
            hidden: Mutex::default(),
            idle: Mutex::new(vec![first]),
            permits: Semaphore::new(config.pool_size),
            max_idle: config.pool_size,
            opening: Mutex::new(()),
        };
        let pools = Pools {
            base: location,
            home,
            server: Arc::new(server),
            others: Mutex::default(),
            pool_size: config.pool_size,
            principals: principals.clone(),
        };
        Ok(AppState {
            pool: Arc::new(pools),
            limiter: Arc::new(Limiter::new(Duration::from_secs(15 * 60))),
            config: Arc::new(config),
            tz,
            names: Arc::default(),
            imports: Arc::default(),
            principals,
        })
    }

    /// The name index at the store's current `people` version: the one kept if it is current,
    /// else a new one read now. Readers that find it stale while another rebuilds wait for that
    /// rebuild instead of reading the names again.
    pub fn name_index(&self, store: &mut Store) -> Result<Arc<NameIndex>, kith_store::Error> {
        // Kept per workspace: a store without one is the server database's (the home workspace).
        let ws = store.workspace_id().unwrap_or(self.pool.home);
        let version = store.people_version()?;
        let mut kept = self.names.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ix) = kept.get(&ws).filter(|ix| ix.version() >= version) {
            return Ok(ix.clone());
        }
        let ix = Arc::new(store.name_index()?);
        kept.insert(ws, ix.clone());
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

/// The stores of every workspace. The home workspace's records are in the server database, so
/// its pool is the server's own ([`Pools::accounts`] runs there, unscoped); every other
/// workspace has a pool of stores opened on its own file or schema
/// ([`kith_store::workspaces`]), made on first use and kept, each with its own memo of
/// whole-network reads and hidden sets. A job runs in the workspace of the request's
/// [`crate::access::SCOPE`]; a workspace's store borrows a server store for the job so that
/// account reads (members, assignees, names) come from the server database.
pub struct Pools {
    base: Location,
    pub home: Id,
    server: Arc<Pool>,
    others: Mutex<HashMap<Id, Arc<Pool>>>,
    pool_size: usize,
    principals: Arc<PrincipalCache>,
}

/// Idle stores a workspace other than the home one keeps (one connection each on PostgreSQL).
const OTHER_MAX_IDLE: usize = 2;

impl Pools {
    /// Run `f` on a store of the request's workspace (the home one outside a request), scoped to
    /// what the request's user may see.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
    {
        let scope = crate::access::current_scope();
        let pool = match scope {
            Some(s) => self.pool_for(s.workspace),
            None => self.server.clone(),
        };
        pool.run(scope.map(|s| s.user), f).await
    }

    /// Run `f` on the server database's store, unscoped: accounts, sessions, tokens, workspaces.
    pub async fn accounts<T, F>(self: &Arc<Self>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
    {
        self.server.run(None, f).await
    }

    fn pool_for(&self, ws: Id) -> Arc<Pool> {
        if ws == self.home {
            return self.server.clone();
        }
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        others
            .entry(ws)
            .or_insert_with(|| {
                Arc::new(Pool {
                    workspace: ws,
                    lender: Some(self.server.clone()),
                    location: self.base.clone(),
                    principals: self.principals.clone(),
                    memo: Arc::new(Memo::new()),
                    hidden: Mutex::default(),
                    idle: Mutex::new(Vec::new()),
                    permits: Semaphore::new(self.pool_size),
                    max_idle: OTHER_MAX_IDLE.min(self.pool_size),
                    opening: Mutex::new(()),
                })
            })
            .clone()
    }
}

/// Stores for request work in one workspace. The store is synchronous (rusqlite, the blocking postgres client),
/// so its work runs on tokio's blocking threads; at most `pool_size` run at once, each with its
/// own connection, kept for the next request. SQLite serializes writers itself (WAL,
/// `BEGIN IMMEDIATE`, busy timeout); PostgreSQL gets one connection per store.
pub struct Pool {
    /// The workspace whose records the stores hold.
    workspace: Id,
    /// The server database's pool, which lends its stores for account reads; `None` for the
    /// server's own pool (the home workspace).
    lender: Option<Arc<Pool>>,
    /// The server database (for the home workspace, the stores' own location).
    location: Location,
    /// Held while a store is opened: the first opening of a workspace creates and migrates it.
    opening: Mutex<()>,
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

    /// An idle store, or a new one (on a blocking thread).
    fn take(&self) -> Result<Store, ApiError> {
        if let Some(s) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(s);
        }
        let _opening = self.opening.lock().unwrap_or_else(|e| e.into_inner());
        let mut s = match self.lender {
            None => Store::open(&self.location),
            Some(_) => Store::open_workspace(&self.location, self.workspace),
        }
        .map_err(ApiError::internal)?;
        s.set_workspace(self.workspace);
        s.share_memo(self.memo.clone());
        s.limit_page_cache(PAGE_CACHE_KIB).map_err(ApiError::internal)?;
        Ok(s)
    }

    fn put_back(&self, store: Store) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < self.max_idle {
            idle.push(store);
        }
    }

    /// Run `f` with a store on a blocking thread, scoped to what `viewer` may see.
    async fn run<T, F>(self: &Arc<Self>, viewer: Option<Id>, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Store) -> Result<T, ApiError> + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(ApiError::internal)?;
        let pool = Arc::clone(self);
        // Every job sees what the request's principal may see (private people, access.rs),
        // read in the job at the current `privacy` version: never a set kept with the principal.
        tokio::task::spawn_blocking(move || {
            let mut store = pool.take()?;
            if let Some(lender) = &pool.lender {
                store.lend_accounts(lender.take()?);
            }
            let scope = match viewer {
                Some(user) => pool.hidden_for(&mut store, user),
                None => Ok(Arc::default()),
            };
            let out = match scope {
                Ok(scope) => {
                    store.set_scope(scope);
                    f(&mut store)
                }
                Err(e) => Err(ApiError::internal(e)),
            };
            if store.take_accounts_changed() {
                pool.principals.clear();
            }
            let lent = store.take_accounts();
            // A store whose work failed inside may hold a broken connection: drop it.
            if !matches!(&out, Err(e) if e.status.is_server_error()) {
                if let (Some(lender), Some(s)) = (&pool.lender, lent) {
                    lender.put_back(s);
                }
                pool.put_back(store);
            }
            out
        })
        .await
        .map_err(ApiError::internal)?
    }
}
