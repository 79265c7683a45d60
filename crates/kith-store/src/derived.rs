//! Caches of whole-network reads, stored in the database and keyed by a data version.
//!
//! `kith path`, `rank`, `reconnect` and `plan` each read the whole network (100,000 people,
//! 400,000 ties, 1,000,000 participations at the scale kith aims for); with text UUID keys that
//! costs a few hundred milliseconds per call in SQLite. The answers change only when certain
//! kinds of records change, so the compact form of such a read (the tie graph as node ids and
//! edge arrays, the contact times per person, the exchange sums) is kept in the `derived` table
//! (migration 0006) as one blob per key, with the version of the data it was built from.
//!
//! `data_versions` holds one counter per group of kinds; `apply` bumps the counters of the kinds
//! it changed, in the same transaction as the change, so a cached blob is current exactly when
//! its version equals its counter. A read that finds the blob stale or missing rebuilds it from
//! the tables and stores it (best effort: a read-only or busy database just skips the store).
//!
//! The cache is not state: it is never replicated, and deleting every row of `derived` changes
//! nothing but speed. Its rows are written outside `apply` for that reason only.

use std::any::Any;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use kith_core::{Id, Kind};

use crate::Result;
use crate::backend::{Backend, Val};

/// A group of kinds whose changes invalidate the blobs built from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Counter {
    /// People: names, tiers and the other columns the whole-network reads and the people
    /// lists show (emails and tags, roles and their organizations' names too).
    People,
    /// People (which are nodes, and their names) and ties: the tie graph.
    Graph,
    /// Interactions and participants: contact times per person.
    Contacts,
    /// Interactions and exchanges: exchange sums per person.
    Exchanges,
    /// What decides the records hidden from a user (`privacy`): people, ties, interactions
    /// (their `private_to`), participants, exchanges, task people.
    Privacy,
}

impl Counter {
    fn key(self) -> &'static str {
        match self {
            Counter::People => "people",
            Counter::Graph => "graph",
            Counter::Contacts => "contacts",
            Counter::Exchanges => "exchanges",
            Counter::Privacy => "privacy",
        }
    }

    /// The counters a change to a record of `kind` invalidates.
    fn of(kind: Kind) -> &'static [Counter] {
        match kind {
            Kind::Person => &[Counter::People, Counter::Graph, Counter::Privacy],
            // A list row shows the first email, the tags, the current role's title and its
            // organization's name.
            Kind::PersonItem | Kind::Role | Kind::Org => &[Counter::People],
            Kind::Tie => &[Counter::Graph, Counter::Privacy],
            Kind::Participant => &[Counter::Contacts, Counter::Privacy],
            Kind::Exchange => &[Counter::Exchanges, Counter::Privacy],
            // A task that follows up a hidden interaction is hidden with it (its `interaction`).
            Kind::TaskPerson | Kind::Task => &[Counter::Privacy],
            // `participants.at` and `exchanges.at` follow their interaction; its `private_to`
            // decides who sees it. (Logging one adds participants, which bump `privacy` anyway,
            // so bumping it for every interaction change costs the hidden-set caches nearly
            // nothing more than a check of the field would.)
            Kind::Interaction => &[Counter::Contacts, Counter::Exchanges, Counter::Privacy],
            _ => &[],
        }
    }
}

/// The current value of each counter, in [`Counter`] order, from one query.
pub(crate) fn versions(db: &mut dyn Backend) -> Result<[i64; 5]> {
    let mut out = [0; 5];
    for r in db.query("SELECT key, version FROM data_versions", &[])? {
        let i = match r[0].text() {
            Some("people") => 0,
            Some("graph") => 1,
            Some("contacts") => 2,
            Some("exchanges") => 3,
            Some("privacy") => 4,
            _ => continue,
        };
        out[i] = r[1].int().unwrap_or(0);
    }
    Ok(out)
}

impl Counter {
    pub(crate) fn index(self) -> usize {
        match self {
            Counter::People => 0,
            Counter::Graph => 1,
            Counter::Contacts => 2,
            Counter::Exchanges => 3,
            Counter::Privacy => 4,
        }
    }
}

/// Decoded whole-network reads kept in memory by a long-running process (the server), shared
/// by its stores ([`crate::Store::share_memo`]): the `derived` blobs once decoded, and what is
/// built from them (the tie graph's CSR, everyone's last contact). Each value is labelled with
/// the `data_versions` counters it was read under, read *before* the data, so a concurrent
/// change can only make a value look stale; a read asks for the counters (one query) and uses
/// the kept value only when they are unchanged. So a write by any process (another server on
/// the same PostgreSQL, the CLI) is seen by the next read, as with the blobs. Not state: it
/// holds nothing the tables do not.
///
/// Values kept per scope (a user from whom people or notes are hidden has their own tie graph,
/// ordering…) are put in a *family* with a bound ([`Memo::put_in`]): the family keeps its most
/// recently put entries only, so the memory of a server does not grow with its users.
#[derive(Default)]
pub struct Memo {
    kept: Mutex<HashMap<String, Kept>>,
}

/// A kept value, the counter values (and other inputs) it was built at, and when it was put
/// (a sequence number: the oldest of a family goes first).
type Kept = (Vec<i64>, Arc<dyn Any + Send + Sync>, u64);

/// The sequence number of the next put.
static PUTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Memo {
    pub fn new() -> Memo {
        Memo::default()
    }

    /// The value kept under `key` if it was built at `label`. A value built at another label
    /// is forgotten at once: the caller builds a new one, and the old one (a whole-network read,
    /// a tie graph of tens of MB at 100,000 people) should not still be held while it does.
    pub(crate) fn get<T: Send + Sync + 'static>(&self, key: &str, label: &[i64]) -> Option<Arc<T>> {
        let stale = {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            let (l, v, _) = kept.get(key)?;
            if l.as_slice() == label {
                return v.clone().downcast::<T>().ok();
            }
            kept.remove(key)
        };
        // Freed (when nobody else holds it) outside the lock.
        drop(stale);
        None
    }

    pub(crate) fn put<T: Send + Sync + 'static>(&self, key: &str, label: Vec<i64>, value: Arc<T>) {
        let seq = PUTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), (label, value, seq));
    }

    /// Put `value` under `key`, a key of the family of keys that start with `family`, which
    /// keeps at most `max` entries: the least recently put others are forgotten.
    pub(crate) fn put_in<T: Send + Sync + 'static>(
        &self,
        family: &str,
        max: usize,
        key: &str,
        label: Vec<i64>,
        value: Arc<T>,
    ) {
        debug_assert!(key.starts_with(family));
        let seq = PUTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let gone: Vec<Kept> = {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            kept.insert(key.to_string(), (label, value, seq));
            let mut members: Vec<(u64, String)> =
                kept.iter().filter(|(k, _)| k.starts_with(family)).map(|(k, v)| (v.2, k.clone())).collect();
            members.sort_unstable();
            let extra = members.len().saturating_sub(max.max(1));
            members.into_iter().take(extra).filter_map(|(_, k)| kept.remove(&k)).collect()
        };
        // Freed (when nobody else holds them) outside the lock.
        drop(gone);
    }

    /// How many values are kept under keys that start with `family`.
    pub fn family_len(&self, family: &str) -> usize {
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).keys().filter(|k| k.starts_with(family)).count()
    }

    /// Forget everything kept (for tests and diagnostics).
    pub fn clear(&self) {
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// Bump the counter of every group a change in `dirty` touched. Called by `apply` in its
/// transaction.
pub(crate) fn bump(db: &mut dyn Backend, dirty: &BTreeSet<(Kind, Id)>) -> Result<()> {
    let counters: BTreeSet<Counter> = dirty.iter().flat_map(|(kind, _)| Counter::of(*kind).iter().copied()).collect();
    for c in counters {
        db.execute("UPDATE data_versions SET version = version + 1 WHERE key = ?", &[Val::from(c.key())])?;
    }
    Ok(())
}

/// The blob `key` built from the data of `counter`: the stored one if it is current, else a new
/// one from `build`, stored for the next call. `key` names the layout too (`graph.v1`), so a
/// kith that encodes differently uses its own rows.
pub(crate) fn cached(
    db: &mut dyn Backend,
    key: &str,
    counter: Counter,
    build: impl FnOnce(&mut dyn Backend) -> Result<Vec<u8>>,
) -> Result<Vec<u8>> {
    let rows = db.query(
        "SELECT d.data FROM derived d JOIN data_versions v ON v.key = ? AND v.version = d.version WHERE d.key = ?",
        &[Val::from(counter.key()), Val::from(key)],
    )?;
    if let Some(Val::Blob(b)) = rows.into_iter().next().and_then(|r| r.into_iter().next()) {
        return Ok(b);
    }
    // The version is read before the data, so the blob is at least as new as its label: a
    // concurrent change can only make it look stale, never make stale data look current.
    let version = db.query("SELECT version FROM data_versions WHERE key = ?", &[Val::from(counter.key())])?;
    let version = version.first().and_then(|r| r[0].int());
    let data = build(db)?;
    if let Some(v) = version {
        // Best effort, without waiting for another writer: failing to store (read-only file, an
        // import holding the lock) only costs the next call a rebuild.
        let _ = db.execute_nowait(
            "INSERT INTO derived (key, version, data) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET version = excluded.version, data = excluded.data
             WHERE derived.version <= excluded.version",
            &[Val::from(key), Val::Int(v), Val::Blob(data.clone())],
        );
    }
    Ok(data)
}

/// Each stored blob by key, and whether it is current. A key is named after its counter
/// (`graph.v1` is built from `graph`).
pub(crate) fn status(db: &mut dyn Backend) -> Result<Vec<(String, bool)>> {
    let counters = db.query("SELECT key, version FROM data_versions", &[])?;
    let rows = db.query("SELECT key, version FROM derived ORDER BY key", &[])?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let key = r[0].text()?;
            let counter = key.split('.').next()?;
            let current = counters.iter().any(|c| c[0].text() == Some(counter) && c[1].int() == r[1].int());
            Some((key.to_string(), current))
        })
        .collect())
}

/// Little-endian writer for the blobs.
#[derive(Default)]
pub(crate) struct Enc(pub Vec<u8>);

impl Enc {
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn id(&mut self, id: Id) {
        self.0.extend_from_slice(id.uuid().as_bytes());
    }
    /// LEB128: seven bits a byte, small numbers short.
    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }
    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u32(u32::MAX),
            Some(s) => {
                self.u32(s.len() as u32);
                self.0.extend_from_slice(s.as_bytes());
            }
        }
    }
    pub fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                self.i64(v);
            }
        }
    }
}

/// Reader for [`Enc`]'s blobs; `None` on a short or malformed blob (the caller rebuilds).
pub(crate) struct Dec<'a>(pub &'a [u8]);

impl Dec<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }
    pub fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }
    pub fn u32(&mut self) -> Option<u32> {
        self.take::<4>().map(u32::from_le_bytes)
    }
    pub fn i64(&mut self) -> Option<i64> {
        self.take::<8>().map(i64::from_le_bytes)
    }
    pub fn id(&mut self) -> Option<Id> {
        self.take::<16>().map(|b| Id::from_uuid(uuid::Uuid::from_bytes(b)))
    }
    pub fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }
    pub fn opt_str(&mut self) -> Option<Option<String>> {
        let n = self.u32()?;
        if n == u32::MAX {
            return Some(None);
        }
        let n = n as usize;
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(Some(std::str::from_utf8(head).ok()?.to_string()))
    }
    pub fn opt_i64(&mut self) -> Option<Option<i64>> {
        match self.u8()? {
            0 => Some(None),
            _ => self.i64().map(Some),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
