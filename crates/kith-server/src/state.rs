//! What every request shares: the store pool, the settings, the sign-in limiter, the clock.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

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
            names: Mutex::default(),
            idle: Mutex::new(vec![first]),
            permits: Semaphore::new(config.pool_size),
            max_idle: config.pool_size,
            opening: Mutex::new(()),
            gone: Arc::default(),
            gate: Arc::default(),
            last_used: Mutex::new(Instant::now()),
        };
        let pools = Pools {
            base: location,
            home,
            server: Arc::new(server),
            others: Mutex::default(),
            pool_size: config.pool_size,
            principals: principals.clone(),
            gone: Arc::default(),
            gate: Arc::default(),
            idle_close: Duration::from_millis(config.workspace_idle_ms),
            last_sweep: Mutex::new(Instant::now()),
        };
        Ok(AppState {
            pool: Arc::new(pools),
            limiter: Arc::new(Limiter::new(Duration::from_secs(15 * 60))),
            config: Arc::new(config),
            tz,
            imports: Arc::default(),
            principals,
        })
    }

    /// The name index at the store's current `people` version: the one kept if it is current,
    /// else a new one read now. Readers that find it stale while another rebuilds wait for that
    /// rebuild instead of reading the names again.
    ///
    /// Kept by the workspace's pool, so it goes with the pool when the workspace is deleted or
    /// its pool is closed for being idle. The stale index is dropped before the new one is
    /// built: at 100,000 people each is tens of MB, and two are never held at once by the pool
    /// (a request still reading the old one keeps it until it ends).
    pub fn name_index(&self, store: &mut Store) -> Result<Arc<NameIndex>, kith_store::Error> {
        // A store without a workspace is the server database's (the home workspace).
        let ws = store.workspace_id().unwrap_or(self.pool.home);
        let Some(pool) = self.pool.kept(ws) else {
            // The workspace was deleted while this job ran: nothing to keep it for.
            return Ok(Arc::new(store.name_index()?));
        };
        let version = store.people_version()?;
        // Held while building: readers of this workspace that find it stale wait for this build.
        let mut kept = pool.names.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ix) = kept.as_ref().filter(|ix| ix.version() >= version) {
            return Ok(ix.clone());
        }
        *kept = None;
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

/// The stores of every workspace. The home workspace's records are in the server database, so
/// its pool is the server's own ([`Pools::accounts`] runs there, unscoped); every other
/// workspace has a pool of stores opened on its own file or schema
/// ([`kith_store::workspaces`]), made on first use and kept, each with its own memo of
/// whole-network reads, hidden sets and name index. A job runs in the workspace of the request's
/// [`crate::access::SCOPE`]; a workspace's store borrows a server store for the job so that
/// account reads (members, assignees, names) come from the server database.
///
/// A pool other than the home one that no request has used for `workspace_idle_ms` (10
/// minutes by default) is closed, with its connections, page caches, memo and name index:
/// checked when a pool is taken, at most once per that period, no background thread. A
/// deleted workspace's pool is closed at once and its id is never opened again by this process.
pub struct Pools {
    base: Location,
    pub home: Id,
    server: Arc<Pool>,
    others: Mutex<HashMap<Id, Arc<Pool>>>,
    pool_size: usize,
    principals: Arc<PrincipalCache>,
    /// Workspaces deleted through this process (locked briefly, from async code too).
    gone: Arc<Mutex<HashSet<Id>>>,
    /// Read-held by every opening of a workspace's store (many at once), write-taken by a
    /// deletion after marking the workspace gone: it waits for the openings under way, so
    /// none creates the store again after it is dropped. Taken on blocking threads only.
    gate: Arc<RwLock<()>>,
    idle_close: Duration,
    last_sweep: Mutex<Instant>,
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
            Some(s) => self.pool_for(s.workspace)?,
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

    fn pool_for(&self, ws: Id) -> Result<Arc<Pool>, ApiError> {
        close_off_thread(self.sweep());
        if ws == self.home {
            return Ok(self.server.clone());
        }
        if self.gone.lock().unwrap_or_else(|e| e.into_inner()).contains(&ws) {
            return Err(ApiError::not_found("no such workspace"));
        }
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        let pool = others
            .entry(ws)
            .or_insert_with(|| {
                Arc::new(Pool {
                    workspace: ws,
                    lender: Some(self.server.clone()),
                    location: self.base.clone(),
                    principals: self.principals.clone(),
                    memo: Arc::new(Memo::new()),
                    hidden: Mutex::default(),
                    names: Mutex::default(),
                    idle: Mutex::new(Vec::new()),
                    permits: Semaphore::new(self.pool_size),
                    max_idle: OTHER_MAX_IDLE.min(self.pool_size),
                    opening: Mutex::new(()),
                    gone: self.gone.clone(),
                    gate: self.gate.clone(),
                    last_used: Mutex::new(Instant::now()),
                })
            })
            .clone();
        pool.touch();
        Ok(pool)
    }

    /// Take out of `others` the pools nobody has used for `idle_close` and nobody holds now (no
    /// job running or waiting: the map's is the only reference), at most once per `idle_close`.
    fn sweep(&self) -> Vec<Arc<Pool>> {
        {
            let mut last = self.last_sweep.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() < self.idle_close {
                return Vec::new();
            }
            *last = Instant::now();
        }
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        let idle: Vec<Id> = others
            .iter()
            .filter(|(_, p)| Arc::strong_count(p) == 1 && p.unused_for() >= self.idle_close)
            .map(|(id, _)| *id)
            .collect();
        idle.iter().filter_map(|id| others.remove(id)).collect()
    }

    /// The pool kept for workspace `ws`, if one is open (the home one always is).
    pub(crate) fn kept(&self, ws: Id) -> Option<Arc<Pool>> {
        if ws == self.home {
            return Some(self.server.clone());
        }
        self.others.lock().unwrap_or_else(|e| e.into_inner()).get(&ws).cloned()
    }

    /// Whether workspace `ws` has a pool open in this process, and its idle stores (the home
    /// workspace's pool is the server's own and always open).
    pub fn open_stores(&self, ws: Id) -> Option<usize> {
        self.kept(ws).map(|p| p.idle.lock().unwrap_or_else(|e| e.into_inner()).len())
    }

    /// Workspace `ws` is being deleted: no store of it is opened again by this process, and its
    /// pool (idle connections, memo, hidden sets, name index) is taken out to be closed. Jobs
    /// already running on it finish on their stores, which are then closed.
    pub(crate) fn forget(&self, ws: Id) -> Option<Arc<Pool>> {
        if ws == self.home {
            return None;
        }
        self.gone.lock().unwrap_or_else(|e| e.into_inner()).insert(ws);
        self.others.lock().unwrap_or_else(|e| e.into_inner()).remove(&ws)
    }

    /// Wait for the openings of workspace stores under way (after [`Pools::forget`], before
    /// the store is dropped): each checked `gone` before it began. On a blocking thread only.
    pub(crate) fn wait_for_openings(&self) {
        drop(self.gate.write().unwrap_or_else(|e| e.into_inner()));
    }

    /// A deletion that failed: the workspace may be opened again.
    pub(crate) fn unforget(&self, ws: Id) {
        self.gone.lock().unwrap_or_else(|e| e.into_inner()).remove(&ws);
    }
}

/// Close pools without blocking the async thread that found them idle (see `Pool`'s `Drop`).
fn close_off_thread(pools: Vec<Arc<Pool>>) {
    if pools.is_empty() {
        return;
    }
    let ids: Vec<String> = pools.iter().map(|p| p.workspace.to_string()).collect();
    tracing::info!(workspaces = %ids.join(","), "idle workspace stores closed");
    if let Err(e) = std::thread::Builder::new().name("kith-close-idle".into()).spawn(move || drop(pools)) {
        tracing::warn!(error = %e, "could not close idle stores on a thread of their own");
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
    /// The name index of `GET /api/v1/people?q=` (see [`AppState::name_index`]).
    names: Mutex<Option<Arc<NameIndex>>>,
    /// The workspaces deleted through this process, and the gate of openings (shared with
    /// [`Pools`]).
    gone: Arc<Mutex<HashSet<Id>>>,
    gate: Arc<RwLock<()>>,
    /// When a job last took or gave back a store.
    last_used: Mutex<Instant>,
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

    fn touch(&self) {
        *self.last_used.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    fn unused_for(&self) -> Duration {
        self.last_used.lock().unwrap_or_else(|e| e.into_inner()).elapsed()
    }

    /// An idle store, or a new one (on a blocking thread). A workspace's store is opened only
    /// while the workspace exists: not once this process deleted it, nor when the server
    /// database (asked through `accounts`, the lent server store) no longer has it — another
    /// process deleted it — so a late request never makes its file or schema again.
    fn take(&self, accounts: Option<&mut Store>) -> Result<Store, ApiError> {
        if let Some(s) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(s);
        }
        let _opening = self.opening.lock().unwrap_or_else(|e| e.into_inner());
        let mut s = match (self.lender.is_some(), accounts) {
            (true, Some(accounts)) => {
                let gate = self.gate.read().unwrap_or_else(|e| e.into_inner());
                let gone = self.gone.lock().unwrap_or_else(|e| e.into_inner()).contains(&self.workspace);
                if gone || accounts.workspace(self.workspace)?.is_none() {
                    return Err(ApiError::not_found("no such workspace"));
                }
                let s = Store::open_workspace(&self.location, self.workspace);
                drop(gate);
                s
            }
            _ => Store::open(&self.location),
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
            let mut lent = match &pool.lender {
                Some(lender) => Some(lender.take(None)?),
                None => None,
            };
            let mut store = match pool.take(lent.as_mut()) {
                Ok(s) => s,
                Err(e) => {
                    if let (Some(lender), Some(s)) = (&pool.lender, lent)
                        && !e.status.is_server_error()
                    {
                        lender.put_back(s);
                    }
                    return Err(e);
                }
            };
            if let Some(server) = lent {
                store.lend_accounts(server);
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
            pool.touch();
            out
        })
        .await
        .map_err(ApiError::internal)?
    }
}
