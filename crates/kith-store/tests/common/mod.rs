//! Test databases: a fresh SQLite file, or a fresh schema on the PostgreSQL server.
//!
//! The PostgreSQL server is `KITH_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`).
//! With `CI=true` an unreachable server fails the test; elsewhere the test is skipped with a
//! notice on stderr, so the suite still runs on a laptop without PostgreSQL.

#![allow(dead_code, reason = "each test binary uses a different part of the harness")]

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use kith_store::{Location, Store};

pub struct TestDb {
    pub store: Store,
    pub location: Location,
    _guard: Guard,
}

enum Guard {
    Sqlite(#[allow(dead_code, reason = "held to delete the directory on drop")] tempfile::TempDir),
    Postgres { url: String, schema: String },
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Guard::Postgres { url, schema } = self
            && let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls)
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            // The workspaces a server test made beside it: `<schema>_w<hex>`.
            let prefix = format!("{schema}_w");
            let made: Vec<String> = c
                .query("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", &[&prefix])
                .map(|rows| rows.iter().map(|r| r.get::<_, String>(0)).collect())
                .unwrap_or_default();
            for s in made
                .iter()
                .filter(|s| s.starts_with(&prefix) && s[prefix.len()..].chars().all(|c| c.is_ascii_hexdigit()))
            {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {s} CASCADE"));
            }
        }
    }
}

pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let location = Location::Sqlite(dir.path().join("kith.db"));
    let store = Store::open(&location).expect("open sqlite");
    TestDb { store, location, _guard: Guard::Sqlite(dir) }
}

pub fn pg_url() -> String {
    std::env::var("KITH_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A URL whose connections see only a new, empty schema; `None` when the server is unreachable
/// outside CI.
pub fn pg_schema() -> Option<(String, String)> {
    let url = pg_url();
    let mut client = match postgres::Client::connect(&url, postgres::NoTls) {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("PostgreSQL at {url} is unreachable and CI=true requires it: {e}");
            }
            // Written to stderr directly so that it shows even when the harness captures output.
            let _ =
                writeln!(std::io::stderr(), "note: PostgreSQL at {url} is unreachable ({e}); PostgreSQL tests skipped");
            return None;
        }
    };
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let schema = format!("kith_t_{}_{}_{}", std::process::id(), n, nanos);
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).expect("create schema");
    let sep = if url.contains('?') { '&' } else { '?' };
    Some((format!("{url}{sep}options=-csearch_path%3D{schema}"), schema))
}

pub fn postgres() -> Option<TestDb> {
    let (url, schema) = pg_schema()?;
    let location = Location::Postgres(url);
    let store = Store::open(&location).expect("open postgres");
    Some(TestDb { store, location, _guard: Guard::Postgres { url: pg_url(), schema } })
}

/// Define each test once and run it against both engines: `conformance!(name, …)` makes
/// `sqlite::name` and `postgres::name` from a `fn name(db: &mut TestDb)`.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { let mut db = $crate::common::sqlite(); super::$name(&mut db); })*
        }
        mod postgres {
            $(#[test] fn $name() {
                let Some(mut db) = $crate::common::postgres() else { return };
                super::$name(&mut db);
            })*
        }
    };
}
