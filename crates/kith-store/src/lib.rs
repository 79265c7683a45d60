//! kith's Store: the operation log applied to SQLite (embedded) or PostgreSQL.
//!
//! Data flows one way. A command becomes a [`ChangeSet`]; [`Store::commit`] stamps it into
//! operations and [`Store::apply`] appends them to the op log and folds them into the
//! materialized tables in one transaction; queries read the materialized tables.
//!
//! Architecture invariant: no code path writes a materialized table except `apply`, and `apply`
//! always writes the op log in the same transaction.

pub mod accounts;
pub mod activity;
pub mod agenda;
mod api_reads;
mod apply;
mod backend;
mod bulk;
pub mod debrief;
mod derived;
pub mod edit;
pub mod export;
pub mod import;
mod intel;
pub mod members;
mod migrate;
mod names;
pub mod privacy;
mod query;
pub mod reports;
mod search;
pub mod team;
pub mod team_paths;
pub mod workspaces;

use std::path::{Path, PathBuf};

use kith_core::{ChangeSet, Clock, Hlc, NodeId, Op, Stamper};

pub use apply::ApplyReport;
pub use backend::{Engine, Val};
pub use bulk::{CardRecord, ItemRecord, MatchRow, PersonLink, PersonRecord, RoleRecord};
pub use derived::Memo;
pub use intel::*;
pub use names::{ListFilter, NameIndex};
pub use privacy::Hidden;
pub use query::*;
pub use search::SearchHit;

use backend::Backend;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The SQLite engine failed.
    #[error("{}", sqlite_message(.0))]
    Sqlite(#[from] rusqlite::Error),
    /// The PostgreSQL engine failed or could not be reached.
    #[error("postgresql: {0}")]
    Postgres(#[from] postgres::Error),
    /// A reference matched nothing.
    #[error("no {what} matches `{query}`")]
    NotFound { what: &'static str, query: String },
    /// A reference matched several records; the user must say which.
    #[error("`{query}` matches {} {what}s: {}; use more of the name, an email or the id in brackets", candidates.len(), candidates.join("; "))]
    Ambiguous { what: &'static str, query: String, candidates: Vec<String> },
    /// An operation that cannot be applied (from a bad import or a peer with another schema).
    #[error("invalid operation {op}: {why}")]
    InvalidOp { op: String, why: String },
    /// The request conflicts with what exists (an account's email in use).
    #[error("{0}")]
    Conflict(String),
    /// The request makes no sense for what it names (a member for a personal workspace).
    #[error("{0}")]
    Invalid(String),
    /// The database was written by a newer kith, or its files cannot be used.
    #[error("{0}")]
    Database(String),
    #[error("cannot create {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// A file being imported could not be read to its end.
    #[error("cannot read {file}: {source}")]
    Read { file: String, source: std::io::Error },
}

/// SQLite's message, except for a file another connection holds past the busy timeout: that
/// says what to do.
fn sqlite_message(e: &rusqlite::Error) -> String {
    if backend::is_busy(e) {
        "sqlite: the database is busy: another kith command or server is writing to it (an import holds it \
         until it ends); try again when it has finished"
            .to_string()
    } else {
        format!("sqlite: {e}")
    }
}

impl Error {
    /// Whether the error is about what the user asked for (not found, ambiguous) rather than a
    /// failure of the store.
    pub fn is_lookup(&self) -> bool {
        matches!(self, Error::NotFound { .. } | Error::Ambiguous { .. })
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where the data lives: a SQLite file, or a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// `postgres://…` or `postgresql://…` is a server; anything else is a SQLite file path
    /// (`sqlite://` prefix optional).
    pub fn parse(s: &str) -> Location {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Location::Postgres(s.to_string())
        } else {
            Location::Sqlite(PathBuf::from(s.strip_prefix("sqlite://").unwrap_or(s)))
        }
    }
}

/// One open database, SQLite or PostgreSQL, with this device's node id and clock.
pub struct Store {
    db: Box<dyn Backend>,
    node: NodeId,
    clock: Clock,
    /// Inside [`Store::bulk`]: commits join the open transaction.
    in_bulk: bool,
    /// An account change that can take access away (a revoked token, an ended session, a new
    /// password) was written through this store since [`Store::take_accounts_changed`].
    accounts_changed: bool,
    /// Decoded derived reads shared with the other stores of this process, if any.
    memo: Option<std::sync::Arc<derived::Memo>>,
    /// What the reads leave out: the records private to other users (see [`privacy`]).
    scope: std::sync::Arc<privacy::Hidden>,
    /// The random part of the ids this store makes, shared with its [`IdMaker`]s.
    tails: std::sync::Arc<IdTails>,
    /// SQLite's `cache_size` before [`Store::begin_bulk`] raised it.
    cache_before_bulk: Option<i64>,
    /// [`Store::limit_page_cache`] was called: bulk loads keep that limit.
    cache_limited: bool,
    /// [`Store::begin_bulk`] moved the SQLite file to a rollback journal: back to WAL after.
    bulk_journal: bool,
    /// The workspace whose records this store holds, when a server said so (see [`workspaces`]).
    workspace: Option<kith_core::Id>,
    /// The server database's store, lent to a workspace's store for one job: every account read
    /// and write goes there, never to this store's own (empty) account tables.
    accounts: Option<Box<Store>>,
}

/// SQLite's page cache during [`Store::begin_bulk`], in KiB.
const BULK_CACHE_KIB: u32 = 112 * 1024;

impl Store {
    /// Open (and create or migrate) the database at `location`.
    pub fn open(location: &Location) -> Result<Store> {
        let db: Box<dyn Backend> = match location {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
                }
                Box::new(backend::Sqlite::open(path)?)
            }
            Location::Postgres(url) => Box::new(backend::Postgres::connect(url)?),
        };
        Store::init(db)
    }

    /// Open a SQLite file.
    pub fn open_sqlite(path: &Path) -> Result<Store> {
        Store::open(&Location::Sqlite(path.to_path_buf()))
    }

    fn init(mut db: Box<dyn Backend>) -> Result<Store> {
        migrate::migrate(db.as_mut())?;
        let node = match query::meta(db.as_mut(), "node")? {
            Some(n) => NodeId(n.parse().map_err(|_| Error::Database(format!("bad node id `{n}` in meta")))?),
            None => {
                let node = NodeId::from_random(random_bytes::<8>());
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('node', ?) ON CONFLICT (key) DO NOTHING",
                    &[Val::Text(node.0.to_string())],
                )?;
                // Another process may have won the race; read back whatever is stored.
                let stored = query::meta(db.as_mut(), "node")?.unwrap_or_default();
                NodeId(stored.parse().unwrap_or(node.0))
            }
        };
        let last = db.query("SELECT max(hlc) FROM ops", &[])?;
        let last = last.first().and_then(|r| r[0].int()).map(Hlc::from_i64).unwrap_or_default();
        Ok(Store {
            db,
            node,
            clock: Clock::resume(last),
            in_bulk: false,
            accounts_changed: false,
            memo: None,
            scope: Default::default(),
            tails: std::sync::Arc::new(IdTails::new()),
            cache_before_bulk: None,
            cache_limited: false,
            bulk_journal: false,
            workspace: None,
            accounts: None,
        })
    }

    pub fn engine(&self) -> Engine {
        self.db.engine()
    }

    pub fn node(&self) -> NodeId {
        self.node
    }

    /// Stamp `changes` as operations by `actor` at wall-clock time `wall_ms`, and apply them in
    /// one transaction. Returns the operations written.
    pub fn commit(&mut self, changes: ChangeSet, actor: &str, wall_ms: u64) -> Result<Vec<Op>> {
        self.commit_with(changes, None, actor, wall_ms)
    }

    /// [`Store::commit`] of a change set whose values were written as JSON beforehand.
    pub fn commit_prepared(&mut self, prepared: Prepared, actor: &str, wall_ms: u64) -> Result<Vec<Op>> {
        self.commit_with(prepared.changes, Some(&prepared.values), actor, wall_ms)
    }

    fn commit_with(
        &mut self,
        changes: ChangeSet,
        values: Option<&[String]>,
        actor: &str,
        wall_ms: u64,
    ) -> Result<Vec<Op>> {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        // Another process may have written since this store was opened: never stamp behind it.
        let last = self.db.query("SELECT max(hlc) FROM ops", &[])?;
        if let Some(h) = last.first().and_then(|r| r[0].int()) {
            self.clock.observe(Hlc::from_i64(h));
        }
        let tails = &self.tails;
        let mut random = || tails.next();
        let mut stamper = Stamper { clock: &mut self.clock, wall_ms, node: self.node, actor, random: &mut random };
        let ops = changes.stamp(&mut stamper);
        self.apply_ops(&ops, true, values)?;
        Ok(ops)
    }

    /// Apply operations (local, imported or from another replica) in one transaction. Applying
    /// the same operations again, or in another order, gives the same state.
    pub fn apply(&mut self, ops: &[Op]) -> Result<ApplyReport> {
        self.apply_ops(ops, false, None)
    }

    /// `stamped`: this store stamped `ops` just now (see [`apply::apply`]).
    fn apply_ops(&mut self, ops: &[Op], stamped: bool, values: Option<&[String]>) -> Result<ApplyReport> {
        for op in ops {
            op.check().map_err(|e| Error::InvalidOp { op: op.id.to_string(), why: e.to_string() })?;
            self.clock.observe(op.hlc);
        }
        self.transaction(|db| apply::apply(db, ops, stamped, values))
    }

    fn transaction<T>(&mut self, f: impl FnOnce(&mut dyn Backend) -> Result<T>) -> Result<T> {
        if self.in_bulk {
            return f(self.db.as_mut());
        }
        let begin = match self.db.engine() {
            // IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
            // instead of failing half-way with SQLITE_BUSY.
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN",
        };
        self.db.batch(begin)?;
        match f(self.db.as_mut()) {
            Ok(v) => {
                self.db.batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                // The original error matters more than a failure to roll back.
                let _ = self.db.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Refresh the query planner's statistics after a bulk load (seed, import), so queries on
    /// a freshly filled database pick their indexes as they will later.
    ///
    /// SQLite keeps only the per-index statistics (`sqlite_stat1`), not the value samples of
    /// `sqlite_stat4`: with samples, a statement whose plan could depend on a bound value is
    /// compiled again on every run, which cost a busy server about 40% of its time (profiled on
    /// `GET /api/v1/people?q=` at 100,000 people: 1,343 → 2,333 requests/s without them). The
    /// queries that depend on a value's frequency (a common tag) decide that themselves.
    pub fn optimize(&mut self) -> Result<()> {
        match self.db.engine() {
            Engine::Sqlite => {
                self.db.batch("ANALYZE; PRAGMA optimize;")?;
                if self.has_stat4_table()? {
                    // `ANALYZE sqlite_schema` makes this connection load the statistics again.
                    self.db.batch("DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;")?;
                }
                Ok(())
            }
            Engine::Postgres => self.db.batch("ANALYZE"),
        }
    }

    /// Whether SQLite holds value samples (`sqlite_stat4`) that make statements recompile; see
    /// [`Store::optimize`]. Always false on PostgreSQL.
    pub fn has_value_samples(&mut self) -> Result<bool> {
        if self.db.engine() != Engine::Sqlite || !self.has_stat4_table()? {
            return Ok(false);
        }
        Ok(!self.db.query("SELECT 1 FROM sqlite_stat4 LIMIT 1", &[])?.is_empty())
    }

    /// Whether this SQLite build made a `sqlite_stat4` table (it does with `SQLITE_ENABLE_STAT4`).
    fn has_stat4_table(&mut self) -> Result<bool> {
        Ok(!self.db.query("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat4'", &[])?.is_empty())
    }

    /// Open one transaction that the following commits join, so an import of many batches
    /// lands whole or not at all; [`Store::end_bulk`] commits or rolls it back.
    pub fn begin_bulk(&mut self) -> Result<()> {
        if self.in_bulk {
            return Ok(());
        }
        if self.engine() == Engine::Sqlite && !self.cache_limited {
            self.bulk_journal = self.rollback_journal();
        }
        let begin = match self.db.engine() {
            Engine::Sqlite => "BEGIN IMMEDIATE",
            Engine::Postgres => "BEGIN",
        };
        self.db.batch(begin)?;
        self.in_bulk = true;
        if self.engine() == Engine::Sqlite && !self.cache_limited {
            // A bulk load inserts into indexes keyed by values in no particular order (derived
            // item ids, names, emails): with more of them in memory, fewer pages are written
            // out and read back during the load (100,000 vCards: 7.3 s of system time with
            // 64 MiB, 3.9 s with 128 MiB at a 293 MB peak for the whole import, 4.8 s with
            // 112 MiB at 277 MB; the target is 300 MB).
            let was = self.db.query("PRAGMA cache_size", &[])?;
            self.cache_before_bulk = was.first().and_then(|r| r[0].int());
            self.db.batch(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}"))?;
        }
        Ok(())
    }

    /// Close the transaction of [`Store::begin_bulk`]: commit it, or roll everything back.
    pub fn end_bulk(&mut self, commit: bool) -> Result<()> {
        if !self.in_bulk {
            return Ok(());
        }
        self.in_bulk = false;
        let end = match commit {
            true => self.db.batch("COMMIT"),
            // SQLite may have rolled back already, after a write failed (a full disk): the
            // error of that write is the one to report, not that nothing is left to roll back.
            false if !self.db.in_transaction() => Ok(()),
            false => self.db.batch("ROLLBACK"),
        };
        if std::mem::take(&mut self.bulk_journal) {
            // Another process that opened the file meanwhile may have done it already; if it
            // cannot be done now, every open of the file asks for WAL again.
            let _ = self.db.query("PRAGMA journal_mode = WAL", &[]);
            self.db.batch("PRAGMA synchronous = NORMAL")?;
        }
        if let Some(size) = self.cache_before_bulk.take() {
            self.db.batch(&format!("PRAGMA cache_size = {size}"))?;
        }
        end
    }

    /// Move an SQLite file that no other connection has open from WAL to a rollback journal,
    /// for one bulk transaction: a load into an empty or small database then writes its pages
    /// once, into the file, instead of into the WAL and again at the checkpoint (100,000
    /// vCards: 1 GB written once, about a quarter less time). SQLite refuses while another
    /// connection (a running server, another command) has the file open; the load then stays
    /// in WAL. While the load runs, other commands wait for it (up to the busy timeout), as
    /// they would for any writer holding the file's lock in that mode.
    fn rollback_journal(&mut self) -> bool {
        // Asked without waiting (then the timeout of every connection again): an idle
        // connection elsewhere would make SQLite retry for the whole busy timeout before it
        // refused.
        let moved = self.db.batch("PRAGMA busy_timeout = 0").is_ok()
            && match self.db.query("PRAGMA journal_mode = DELETE", &[]) {
                Ok(rows) => rows.first().and_then(|r| r[0].text()).is_some_and(|m| m.eq_ignore_ascii_case("delete")),
                Err(_) => false,
            };
        let _ = self.db.batch(&format!("PRAGMA busy_timeout = {}", backend::BUSY_TIMEOUT.as_millis()));
        // NORMAL syncs enough for WAL; a rollback journal needs FULL to survive a power cut.
        if moved && self.db.batch("PRAGMA synchronous = FULL").is_err() {
            let _ = self.db.query("PRAGMA journal_mode = WAL", &[]);
            return false;
        }
        moved
    }

    /// The people whose search document differs from what their rows say (none, unless a write
    /// path builds documents wrongly): for tests.
    #[doc(hidden)]
    pub fn stale_person_documents(&mut self) -> Result<Vec<kith_core::Id>> {
        search::stale_person_documents(self.db())
    }

    /// The ops filed under another root than their record's (none, unless `apply` lost track of
    /// an owner; see `apply::root_of`), as (kind, entity, root): for tests.
    #[doc(hidden)]
    pub fn misfiled_ops(&mut self) -> Result<Vec<(String, String, Option<String>)>> {
        apply::misfiled_ops(self.db())
    }

    /// A new record id for wall-clock time `wall_ms`.
    pub fn new_id(&self, wall_ms: u64) -> kith_core::Id {
        self.tails.id(wall_ms)
    }

    /// Makes ids from this store's sequence on another thread while the store itself is busy
    /// (an import plans records while its writer applies the batch before).
    pub fn id_maker(&self) -> IdMaker {
        IdMaker(self.tails.clone())
    }

    /// Keep decoded derived reads in `memo`, shared with the process's other stores (see
    /// [`derived::Memo`]): for a long-running process such as the server.
    pub fn share_memo(&mut self, memo: std::sync::Arc<derived::Memo>) {
        self.memo = Some(memo);
    }

    /// Bound SQLite's page cache of this connection to `kib` KiB (64 MiB by default, for the
    /// CLI's whole-network scans). A server keeps the whole-network reads in memory and holds
    /// several connections, so each needs far less. The limit holds in bulk loads too (a
    /// server's import job does not grow the server by [`BULK_CACHE_KIB`]). Nothing to do on
    /// PostgreSQL.
    pub fn limit_page_cache(&mut self, kib: u32) -> Result<()> {
        if self.engine() == Engine::Sqlite {
            self.db().batch(&format!("PRAGMA cache_size = -{kib}"))?;
        }
        self.cache_limited = true;
        Ok(())
    }

    pub(crate) fn memo(&self) -> Option<std::sync::Arc<derived::Memo>> {
        self.memo.clone()
    }

    pub(crate) fn db(&mut self) -> &mut dyn Backend {
        self.db.as_mut()
    }
}

/// A change set with its values written as JSON, as the op log stores them: made on one thread
/// while the store is busy on another (an import's planner and writer), for
/// [`Store::commit_prepared`].
pub struct Prepared {
    changes: ChangeSet,
    values: Vec<String>,
}

impl Prepared {
    pub fn new(changes: ChangeSet) -> Prepared {
        let values = changes.changes.iter().map(|c| apply::json(&c.value)).collect();
        Prepared { changes, values }
    }
}

/// [`Store::new_id`] apart from the store: the ids continue the store's sequence.
#[derive(Clone)]
pub struct IdMaker(std::sync::Arc<IdTails>);

impl IdMaker {
    /// A new record id for wall-clock time `wall_ms`.
    pub fn new_id(&self, wall_ms: u64) -> kith_core::Id {
        self.0.id(wall_ms)
    }
}

/// The random part of UUIDv7 ids (record and op ids) that increases from one id to the next
/// within a millisecond: a 30-bit counter from a random start, then 44 random bits. Ids made in
/// a row then sort in the order they were made, so a bulk load appends to the id indexes
/// instead of inserting at random places in them (a B-tree page split and a cache miss each,
/// at 100,000 imported cards); the random bits keep two devices' ids apart.
struct IdTails {
    /// The counter (low 30 bits) and the state of the random bits' generator (splitmix64).
    counter: std::sync::atomic::AtomicU64,
    mix: std::sync::atomic::AtomicU64,
}

impl IdTails {
    const COUNTER_BITS: u32 = 30;

    fn new() -> IdTails {
        let seed = u64::from_le_bytes(random_bytes::<8>());
        // Start low enough that a process makes 2^29 ids before the counter wraps.
        let start = u64::from_le_bytes(random_bytes::<8>()) & ((1 << (Self::COUNTER_BITS - 1)) - 1);
        IdTails { counter: start.into(), mix: seed.into() }
    }

    /// A record id for wall-clock time `wall_ms`, next in this sequence.
    fn id(&self, wall_ms: u64) -> kith_core::Id {
        kith_core::Id::v7(wall_ms, self.next())
    }

    /// Ten bytes for [`kith_core::Id::v7`]: it keeps 12 bits of the first two bytes, 6 of the
    /// third and all of the last seven, so the counter's 30 bits go there in that order.
    fn next(&self) -> [u8; 10] {
        use std::sync::atomic::Ordering::Relaxed;
        let c = self.counter.fetch_add(1, Relaxed) & ((1 << Self::COUNTER_BITS) - 1);
        let mut z = self.mix.fetch_add(0x9E37_79B9_7F4A_7C15, Relaxed).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let r = (z ^ (z >> 31)).to_be_bytes();
        let mut out = [0u8; 10];
        out[0] = ((c >> 26) & 0x0F) as u8;
        out[1] = ((c >> 18) & 0xFF) as u8;
        out[2] = ((c >> 12) & 0x3F) as u8;
        out[3] = ((c >> 4) & 0xFF) as u8;
        out[4] = (((c & 0x0F) as u8) << 4) | (r[0] & 0x0F);
        out[5..10].copy_from_slice(&r[1..6]);
        out
    }
}

/// Random bytes for node ids and op ids, from the operating system via `uuid`'s generator.
fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    let mut filled = 0;
    while filled < N {
        let u = uuid::Uuid::new_v4();
        let b = u.as_bytes();
        let take = (N - filled).min(16);
        out[filled..filled + take].copy_from_slice(&b[..take]);
        filled += take;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_loads_raise_the_page_cache_unless_it_was_limited() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open_sqlite(&dir.path().join("kith.db")).unwrap();
        let size = |s: &mut Store| s.db().query("PRAGMA cache_size", &[]).unwrap()[0][0].int().unwrap();
        let before = size(&mut s);
        s.begin_bulk().unwrap();
        assert_eq!(size(&mut s), -i64::from(BULK_CACHE_KIB));
        s.end_bulk(true).unwrap();
        assert_eq!(size(&mut s), before, "restored after the load");
        // A server's store keeps its small cache through an import job.
        s.limit_page_cache(8 * 1024).unwrap();
        s.begin_bulk().unwrap();
        assert_eq!(size(&mut s), -8 * 1024);
        s.end_bulk(false).unwrap();
        assert_eq!(size(&mut s), -8 * 1024);
    }

    #[test]
    fn a_bulk_load_alone_on_the_file_uses_a_rollback_journal_then_wal_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kith.db");
        let mut s = Store::open_sqlite(&path).unwrap();
        let pragma = |s: &mut Store, p: &str| s.db().query(&format!("PRAGMA {p}"), &[]).unwrap()[0][0].clone();
        assert_eq!(pragma(&mut s, "page_size").int(), Some(16384), "a new file");
        assert_eq!(pragma(&mut s, "journal_mode").text(), Some("wal"));
        s.begin_bulk().unwrap();
        assert_eq!(pragma(&mut s, "journal_mode").text(), Some("delete"));
        assert_eq!(pragma(&mut s, "synchronous").int(), Some(2), "FULL while the journal is a file");
        s.commit(person_named("Ann"), "test", 1).unwrap();
        s.end_bulk(true).unwrap();
        assert_eq!(pragma(&mut s, "journal_mode").text(), Some("wal"));
        assert_eq!(pragma(&mut s, "synchronous").int(), Some(1));
        // Rolled back: nothing written, WAL again.
        s.begin_bulk().unwrap();
        s.commit(person_named("Bob"), "test", 2).unwrap();
        s.end_bulk(false).unwrap();
        assert_eq!(pragma(&mut s, "journal_mode").text(), Some("wal"));
        // Another connection on the file (a server, another command): the load stays in WAL,
        // and that connection reads on while it runs.
        let mut other = Store::open_sqlite(&path).unwrap();
        let count = |s: &mut Store| s.db().query("SELECT COUNT(*) FROM people", &[]).unwrap()[0][0].int();
        assert_eq!(count(&mut other), Some(1));
        let t = std::time::Instant::now();
        s.begin_bulk().unwrap();
        assert!(t.elapsed() < std::time::Duration::from_secs(4), "asked without waiting for the busy timeout");
        assert_eq!(pragma(&mut s, "busy_timeout").int(), Some(5000), "and the timeout is back");
        assert_eq!(pragma(&mut s, "journal_mode").text(), Some("wal"));
        s.commit(person_named("Cleo"), "test", 3).unwrap();
        assert_eq!(count(&mut other), Some(1), "the open load is not seen");
        s.end_bulk(true).unwrap();
        assert_eq!(count(&mut other), Some(2));
    }

    #[test]
    fn a_command_opened_during_a_bulk_load_waits_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kith.db");
        let mut s = Store::open_sqlite(&path).unwrap();
        s.begin_bulk().unwrap();
        s.commit(person_named("Ann"), "test", 1).unwrap();
        let reader = {
            let path = path.clone();
            std::thread::spawn(move || {
                // Opening asks for WAL, which the load's lock refuses until the load ends.
                let mut other = Store::open_sqlite(&path).unwrap();
                other.db().query("SELECT COUNT(*) FROM people", &[]).unwrap()[0][0].int()
            })
        };
        // Keep the load open while the reader starts; the test does not depend on the timing
        // (a reader that starts late opens after the load and passes the same way).
        std::thread::sleep(std::time::Duration::from_millis(300));
        s.end_bulk(true).unwrap();
        assert_eq!(reader.join().unwrap(), Some(1), "it opened after the load and sees it");
        let mode = s.db().query("PRAGMA journal_mode", &[]).unwrap()[0][0].clone();
        assert_eq!(mode.text(), Some("wal"));
    }

    #[test]
    fn a_busy_database_says_what_to_do() {
        let busy = Error::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("database is locked".into()),
        ));
        assert!(busy.to_string().contains("try again when it has finished"), "{busy}");
    }

    fn person_named(name: &str) -> kith_core::ChangeSet {
        let mut cs = kith_core::ChangeSet::new();
        cs.set(
            kith_core::Kind::Person,
            kith_core::Id::derive(kith_core::Id::v7(1, [0; 10]), "test", name),
            "display_name",
            name,
        );
        cs
    }

    #[test]
    fn ids_made_in_a_row_increase_within_a_millisecond() {
        let tails = IdTails::new();
        let ids: Vec<kith_core::Id> = (0..10_000).map(|_| kith_core::Id::v7(1_700_000_000_000, tails.next())).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids of one millisecond sort in the order made");
        for id in &ids {
            assert_eq!(id.uuid().get_version_num(), 7);
            assert_eq!(id.unix_ms(), Some(1_700_000_000_000));
        }
        // Two sources (two devices) do not make the same ids.
        let other = IdTails::new();
        let theirs: std::collections::HashSet<_> =
            (0..10_000).map(|_| kith_core::Id::v7(1_700_000_000_000, other.next())).collect();
        assert!(ids.iter().all(|id| !theirs.contains(id)));
    }
}
