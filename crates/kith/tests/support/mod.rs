//! The `kith` binary as a user runs it, for the end-to-end tests: a fresh SQLite file or a fresh
//! PostgreSQL schema each, "now" and the time zone fixed so the output is the same on every
//! machine, and a scratch directory for files (exports, a settings file).

// Each test file uses part of this.
#![allow(dead_code, unused_macros, unused_imports)]

#[path = "../../../kith-store/tests/common/mod.rs"]
pub mod common;

use std::path::PathBuf;
use std::process::Command;

use kith_store::{Location, Store};
use serde_json::Value;

pub struct Kith {
    pub db: String,
    pub location: Location,
    /// Scratch files: exports, and this test's settings file (absent unless a test writes
    /// it, so the machine's own settings never change a result).
    pub dir: tempfile::TempDir,
    _keep: Box<dyn std::any::Any>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Kith {
    /// A SQLite file in a directory that does not exist yet: kith creates it.
    pub fn sqlite() -> Kith {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("kith.db");
        Kith { db: path.display().to_string(), location: Location::Sqlite(path), dir, _keep: Box::new(()) }
    }

    pub fn postgres() -> Option<Kith> {
        let db = common::postgres()?;
        let Location::Postgres(url) = &db.location else { unreachable!() };
        Some(Kith {
            db: url.clone(),
            location: db.location.clone(),
            dir: tempfile::tempdir().unwrap(),
            _keep: Box::new(db),
        })
    }

    /// Another empty database of the same engine.
    pub fn fresh(&self) -> Kith {
        match self.location {
            Location::Sqlite(_) => Kith::sqlite(),
            Location::Postgres(_) => Kith::postgres().expect("postgres was reachable a moment ago"),
        }
    }

    /// A file in the scratch directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn settings_file(&self) -> PathBuf {
        self.path("settings.toml")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_kith"))
            .args(args)
            .env("KITH_DB", &self.db)
            .env("KITH_NOW", "2026-11-25T09:00:00Z")
            .env("TZ", "Europe/Prague")
            .env("KITH_ACTOR", "tester")
            .env("KITH_SETTINGS", self.settings_file())
            .env("NO_COLOR", "1")
            .output()
            .expect("run kith");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Run a command that must succeed, and return its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "kith {args:?} failed: {}", r.stderr);
        r.stdout
    }

    /// Run a command with `--json` that must succeed, and parse its output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        serde_json::from_str(&self.ok(&a)).expect("valid json")
    }

    pub fn op_count(&self) -> usize {
        Store::open(&self.location).unwrap().ops().unwrap().len()
    }
}

/// Each named test function, once on SQLite and once on PostgreSQL (skipped with a notice when
/// no server answers, unless `CI=true`).
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $(#[test] fn $name() { super::$name(&super::Kith::sqlite()); })* }
        mod postgres { $(#[test] fn $name() { if let Some(k) = super::Kith::postgres() { super::$name(&k); } })* }
    };
}
pub(crate) use both;
