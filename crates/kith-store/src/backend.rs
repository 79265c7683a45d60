//! The two SQL engines behind one small interface.
//!
//! Everything above this module writes SQL once, in the dialect both engines share (`?`
//! placeholders, `ON CONFLICT`, `BIGINT`/`TEXT` columns), and passes values as [`Val`]. The
//! PostgreSQL side numbers the placeholders and converts values to the column types the server
//! asks for. Engine differences that SQL cannot hide (full-text search) are chosen by
//! [`Engine`] in the callers.

use std::collections::HashMap;
use std::error::Error as StdError;

use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use crate::Error;

/// A value crossing the SQL boundary.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    /// Bytes: only the caches of `derived` store them.
    Blob(Vec<u8>),
}

impl Val {
    pub fn text(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Real(f) => Some(*f as i64),
            _ => None,
        }
    }
    pub fn real(&self) -> Option<f64> {
        match self {
            Val::Real(f) => Some(*f),
            Val::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
    pub fn into_text(self) -> Option<String> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Val {
    fn from(s: &str) -> Val {
        Val::Text(s.to_string())
    }
}
impl From<String> for Val {
    fn from(s: String) -> Val {
        Val::Text(s)
    }
}
impl From<i64> for Val {
    fn from(i: i64) -> Val {
        Val::Int(i)
    }
}
impl From<kith_core::Id> for Val {
    fn from(id: kith_core::Id) -> Val {
        Val::Text(id.to_string())
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Val {
        v.map_or(Val::Null, Into::into)
    }
}

pub type Row = Vec<Val>;

/// A parameter borrowed from the caller, for bulk writes: a [`Val`] would copy every text (ids,
/// names, op values) into a `String` of its own first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Arg<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

/// Texts for the [`Arg`]s of one statement, written into one buffer (ids, JSON) or borrowed.
#[derive(Default)]
pub(crate) struct ArgBuf<'a> {
    bytes: Vec<u8>,
    parts: Vec<Part<'a>>,
}

#[derive(Clone, Copy)]
enum Part<'a> {
    Arg(Arg<'a>),
    /// A span of the buffer.
    Span(usize, usize),
}

impl<'a> ArgBuf<'a> {
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.parts.clear();
    }
    pub(crate) fn push(&mut self, a: Arg<'a>) {
        self.parts.push(Part::Arg(a));
    }
    /// An id, as its `Display` writes it.
    pub(crate) fn id(&mut self, id: kith_core::Id) {
        let start = self.bytes.len();
        let mut out = [0u8; uuid::fmt::Hyphenated::LENGTH];
        self.bytes.extend_from_slice(id.uuid().hyphenated().encode_lower(&mut out).as_bytes());
        self.parts.push(Part::Span(start, self.bytes.len()));
    }
    /// A text made here, copied into the buffer.
    pub(crate) fn copy(&mut self, s: &str) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(s.as_bytes());
        self.parts.push(Part::Span(start, self.bytes.len()));
    }
    /// A value's compact JSON, as its `Display` writes it.
    pub(crate) fn json(&mut self, v: &serde_json::Value) {
        let start = self.bytes.len();
        if serde_json::to_writer(&mut self.bytes, v).is_err() {
            self.bytes.truncate(start);
            self.bytes.extend_from_slice(v.to_string().as_bytes());
        }
        self.parts.push(Part::Span(start, self.bytes.len()));
    }
    /// The arguments, in the order pushed.
    pub(crate) fn args(&self) -> Result<Vec<Arg<'_>>, Error> {
        let text = std::str::from_utf8(&self.bytes).map_err(|e| Error::Database(e.to_string()))?;
        Ok(self
            .parts
            .iter()
            .map(|p| match *p {
                Part::Arg(a) => a,
                Part::Span(from, to) => Arg::Text(&text[from..to]),
            })
            .collect())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub(crate) trait Backend: Send {
    fn engine(&self) -> Engine;
    /// Run statements with no parameters and no results (DDL, BEGIN, COMMIT).
    fn batch(&mut self, sql: &str) -> Result<(), Error>;
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, Error>;
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, Error>;
    /// `execute` with borrowed parameters (bulk writes).
    fn execute_args(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, Error>;
    /// `query` with borrowed parameters (bulk writes).
    fn query_args(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>, Error>;
    /// Run a query and hand each row to `f` as it arrives, without collecting the result: for
    /// loads of hundreds of thousands of rows (the tie graph). The row slice is reused.
    fn query_each(&mut self, sql: &str, params: &[Val], f: &mut dyn FnMut(&[Val])) -> Result<(), Error>;
    /// Like `execute`, but fail at once rather than wait for another writer's lock: for writes
    /// a read may skip (storing a cache) while an import holds the database.
    fn execute_nowait(&mut self, sql: &str, params: &[Val]) -> Result<u64, Error> {
        self.execute(sql, params)
    }
    /// A transaction is open. SQLite ends one by itself when a write fails for want of room
    /// (SQLITE_FULL) or on an I/O error; PostgreSQL keeps a failed one open until ROLLBACK.
    fn in_transaction(&self) -> bool {
        true
    }
}

// ---------------------------------------------------------------------------------------------
// SQLite

pub(crate) struct Sqlite {
    pub(crate) conn: rusqlite::Connection,
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Val::Null => ValueRef::Null,
            Val::Int(i) => ValueRef::Integer(*i),
            Val::Real(f) => ValueRef::Real(*f),
            Val::Text(s) => ValueRef::Text(s.as_bytes()),
            Val::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Arg::Null => ValueRef::Null,
            Arg::Int(i) => ValueRef::Integer(*i),
            Arg::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

impl Sqlite {
    pub(crate) fn open(path: &std::path::Path) -> Result<Sqlite, Error> {
        let conn = rusqlite::Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // 16 KiB pages for a new file (an existing one keeps its own): fewer B-tree splits and
        // cells moved per row, a fifth less time for a 100,000-card import, and reads of a
        // person's rows touch fewer pages (export and re-import a little faster too).
        // WAL lets a reader (a CLI call) run while a writer (the server) writes; NORMAL sync is
        // durable across application crashes and only risks the last commit on power loss.
        const PRAGMAS: &str = "PRAGMA page_size = 16384;
             PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -65536;
             PRAGMA temp_store = MEMORY;";
        // A bulk load may hold the file in rollback-journal mode (`Store::begin_bulk`). Asking
        // for WAL then fails at once, without the busy handler (this connection reads the
        // schema while the load holds the write lock: waiting could deadlock), so the open
        // waits here, as long as the busy timeout, for the load to end.
        let start = std::time::Instant::now();
        loop {
            match conn.execute_batch(PRAGMAS) {
                Err(e) if is_busy(&e) && start.elapsed() < BUSY_TIMEOUT => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                other => break other?,
            }
        }
        conn.set_prepared_statement_cache_capacity(256);
        Ok(Sqlite { conn })
    }
}

/// SQLite said another connection holds the lock it needs.
pub(crate) fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked))
}

fn sqlite_row(row: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    use rusqlite::types::ValueRef;
    (0..n)
        .map(|i| {
            Ok(match row.get_ref(i)? {
                ValueRef::Null => Val::Null,
                ValueRef::Integer(i) => Val::Int(i),
                ValueRef::Real(f) => Val::Real(f),
                ValueRef::Text(t) => Val::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Val::Blob(b.to_vec()),
            })
        })
        .collect()
}

/// The `busy_timeout` of [`Sqlite::open`].
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(5000);

impl Backend for Sqlite {
    fn engine(&self) -> Engine {
        Engine::Sqlite
    }
    fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }
    fn execute_nowait(&mut self, sql: &str, params: &[Val]) -> Result<u64, Error> {
        self.conn.busy_timeout(std::time::Duration::ZERO)?;
        let result = self.execute(sql, params);
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        result
    }
    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        Ok(self.conn.execute_batch(sql)?)
    }
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, Error> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, Error> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let n = stmt.column_count();
        let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), |r| sqlite_row(r, n))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
    fn execute_args(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, Error> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt.execute(rusqlite::params_from_iter(args.iter()))? as u64)
    }
    fn query_args(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>, Error> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let n = stmt.column_count();
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| sqlite_row(r, n))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
    fn query_each(&mut self, sql: &str, params: &[Val], f: &mut dyn FnMut(&[Val])) -> Result<(), Error> {
        use rusqlite::types::ValueRef;
        let mut stmt = self.conn.prepare_cached(sql)?;
        let n = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut buf: Vec<Val> = vec![Val::Null; n];
        while let Some(row) = rows.next()? {
            for (i, slot) in buf.iter_mut().enumerate() {
                match row.get_ref(i)? {
                    ValueRef::Null => *slot = Val::Null,
                    ValueRef::Integer(v) => *slot = Val::Int(v),
                    ValueRef::Real(v) => *slot = Val::Real(v),
                    ValueRef::Blob(b) => *slot = Val::Blob(b.to_vec()),
                    ValueRef::Text(t) => {
                        // Reuse the string's buffer from the previous row.
                        let text = match std::str::from_utf8(t) {
                            Ok(s) => std::borrow::Cow::Borrowed(s),
                            Err(_) => String::from_utf8_lossy(t),
                        };
                        match slot {
                            Val::Text(s) => {
                                s.clear();
                                s.push_str(&text);
                            }
                            _ => *slot = Val::Text(text.into_owned()),
                        }
                    }
                }
            }
            f(&buf);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

pub(crate) struct Postgres {
    client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl Postgres {
    pub(crate) fn connect(url: &str) -> Result<Postgres, Error> {
        let mut client = postgres::Client::connect(url, postgres::NoTls)?;
        // kith's queries are short interactive lookups: starting parallel workers costs more
        // than it saves (measured: a tag list at 100k people took 126 ms with a parallel plan,
        // 27 ms without), and on a shared server they would compete with other requests.
        client.batch_execute("SET max_parallel_workers_per_gather = 0")?;
        Ok(Postgres { client, statements: HashMap::new() })
    }

    fn prepare(&mut self, sql: &str) -> Result<postgres::Statement, Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let stmt = self.client.prepare(&number_placeholders(sql))?;
        self.statements.insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }
}

/// Turn `?` placeholders into PostgreSQL's `$1, $2, …`, leaving quoted text alone.
pub(crate) fn number_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

type BoxError = Box<dyn StdError + Sync + Send>;

impl ToSql for Val {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::FLOAT4 => (*i as f32).to_sql(ty, out),
                _ => i.to_string().to_sql(ty, out),
            },
            Val::Real(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                Type::INT8 => (*f as i64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => f.to_string().to_sql(ty, out),
                _ => f.to_sql(ty, out),
            },
            Val::Text(s) => match *ty {
                Type::INT8 => s.parse::<i64>()?.to_sql(ty, out),
                _ => s.as_str().to_sql(ty, out),
            },
            Val::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

impl ToSql for Arg<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match *self {
            Arg::Null => Ok(IsNull::Yes),
            Arg::Int(i) => Val::Int(i).to_sql(ty, out),
            Arg::Text(s) => match *ty {
                Type::INT8 => s.parse::<i64>()?.to_sql(ty, out),
                _ => s.to_sql(ty, out),
            },
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

impl<'a> FromSql<'a> for Val {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Val, BoxError> {
        Ok(match *ty {
            Type::INT8 => Val::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Val::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT2 => Val::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::BOOL => Val::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::FLOAT8 => Val::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Val::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::BYTEA => Val::Blob(raw.to_vec()),
            _ => Val::Text(<&str>::from_sql(ty, raw)?.to_string()),
        })
    }
    fn from_sql_null(_: &Type) -> Result<Val, BoxError> {
        Ok(Val::Null)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

impl Backend for Postgres {
    fn engine(&self) -> Engine {
        Engine::Postgres
    }
    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        Ok(self.client.batch_execute(sql)?)
    }
    fn execute(&mut self, sql: &str, params: &[Val]) -> Result<u64, Error> {
        let stmt = self.prepare(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        Ok(self.client.execute(&stmt, &refs)?)
    }
    fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>, Error> {
        let stmt = self.prepare(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let rows = self.client.query(&stmt, &refs)?;
        let n = stmt.columns().len();
        rows.iter().map(|r| (0..n).map(|i| r.try_get::<_, Val>(i).map_err(Error::from)).collect()).collect()
    }
    fn execute_args(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, Error> {
        let stmt = self.prepare(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|p| p as _).collect();
        Ok(self.client.execute(&stmt, &refs)?)
    }
    fn query_args(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>, Error> {
        let stmt = self.prepare(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|p| p as _).collect();
        let rows = self.client.query(&stmt, &refs)?;
        let n = stmt.columns().len();
        rows.iter().map(|r| (0..n).map(|i| r.try_get::<_, Val>(i).map_err(Error::from)).collect()).collect()
    }
    fn query_each(&mut self, sql: &str, params: &[Val], f: &mut dyn FnMut(&[Val])) -> Result<(), Error> {
        use postgres::fallible_iterator::FallibleIterator;
        let stmt = self.prepare(sql)?;
        let n = stmt.columns().len();
        let mut rows = self.client.query_raw(&stmt, params.iter())?;
        let mut buf: Vec<Val> = Vec::with_capacity(n);
        while let Some(row) = rows.next()? {
            buf.clear();
            for i in 0..n {
                buf.push(row.try_get::<_, Val>(i)?);
            }
            f(&buf);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::number_placeholders;

    /// Bulk writes' borrowed parameters: the texts are what `Val` held (`Display` of ids and of
    /// op values; ops are replicated data, their bytes must not change).
    #[test]
    fn arg_buffers_write_what_display_writes() {
        use super::{Arg, ArgBuf};
        let id: kith_core::Id = "01900000-0000-7000-8000-00000000abcd".parse().unwrap();
        let v = serde_json::json!({"name": "Zoë \"Z\"\n\u{1}😀", "pref": 1, "x": [0.5, null, true]});
        let owned = "borrowed".to_string();
        let mut buf = ArgBuf::default();
        buf.id(id);
        buf.push(Arg::Int(7));
        buf.json(&v);
        buf.push(Arg::Text(&owned));
        buf.copy("copied");
        buf.push(Arg::Null);
        let id_text = id.to_string();
        let json_text = v.to_string();
        assert_eq!(
            buf.args().unwrap(),
            [
                Arg::Text(&id_text),
                Arg::Int(7),
                Arg::Text(&json_text),
                Arg::Text("borrowed"),
                Arg::Text("copied"),
                Arg::Null
            ]
        );
        buf.clear();
        assert!(buf.args().unwrap().is_empty());
    }

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            number_placeholders("SELECT '?' , x FROM t WHERE a = ? AND b IN (?, ?)"),
            "SELECT '?' , x FROM t WHERE a = $1 AND b IN ($2, $3)"
        );
    }
}
