//! The context every command runs in (store, clock, time zone, who acts) and the mapping of
//! failures to one-line messages and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};
use kith_core::when::{When, parse_when};
use kith_core::{ChangeSet, Id};
use kith_store::{Location, Store};

use crate::cli::Cli;

/// Exit codes. Scripts can tell a typo from a missing record from a broken database.
pub mod exit {
    /// Bad usage or an invalid value.
    pub const USAGE: u8 = 2;
    /// A reference matched nothing, or several records.
    pub const LOOKUP: u8 = 3;
    /// The database or the system failed.
    pub const INTERNAL: u8 = 1;
}

/// A failure, by whose fault it is.
#[derive(Debug)]
pub enum Failure {
    /// The user asked for something invalid; the message says how to fix it.
    Usage(String),
    /// A reference matched nothing or several records.
    Lookup(String),
    /// Anything else: the store, the file system, a bug.
    Internal(anyhow::Error),
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

impl From<kith_store::Error> for Failure {
    fn from(e: kith_store::Error) -> Failure {
        if e.is_lookup() { Failure::Lookup(e.to_string()) } else { Failure::Internal(e.into()) }
    }
}
/// An edit rule's failure (kith-store's `edit`, shared with the server): invalid input is a usage
/// error, a store failure maps as above.
impl From<kith_store::edit::EditError> for Failure {
    fn from(e: kith_store::edit::EditError) -> Failure {
        match e {
            kith_store::edit::EditError::Invalid(m) => Failure::Usage(m),
            kith_store::edit::EditError::Store(e) => Failure::from(e),
        }
    }
}
impl From<kith_core::model::ParseError> for Failure {
    fn from(e: kith_core::model::ParseError) -> Failure {
        Failure::Usage(e.to_string())
    }
}
impl From<kith_core::when::WhenError> for Failure {
    fn from(e: kith_core::when::WhenError) -> Failure {
        Failure::Usage(e.to_string())
    }
}
impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Internal(e.into())
    }
}
impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::Internal(e)
    }
}

/// The exit status of a command that succeeded (0 unless the command says otherwise, like
/// `kith remind` when something is due).
static EXIT_STATUS: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

pub fn set_exit_status(code: u8) {
    EXIT_STATUS.store(code, std::sync::atomic::Ordering::Relaxed);
}

pub fn usage(msg: impl Into<String>) -> Failure {
    Failure::Usage(msg.into())
}

pub struct Ctx {
    pub store: Store,
    pub now: ZonedDateTime,
    pub json: bool,
    pub actor: String,
}

impl Ctx {
    pub fn tz(&self) -> &TimeZone {
        self.now.time_zone()
    }

    pub fn now_ms(&self) -> u64 {
        self.now.timestamp().as_millisecond().max(0) as u64
    }

    pub fn new_id(&self) -> Id {
        self.store.new_id(self.now_ms())
    }

    /// Apply the command's changes in one transaction.
    pub fn commit(&mut self, changes: ChangeSet) -> Result<()> {
        let now = self.now_ms();
        self.store.commit(changes, &self.actor, now)?;
        Ok(())
    }

    pub fn when(&self, input: &str) -> Result<When> {
        Ok(parse_when(input, &self.now)?)
    }

    /// Show an instant in the user's zone.
    pub fn local(&self, t: Timestamp) -> String {
        t.to_zoned_datetime(self.tz().clone()).strftime("%Y-%m-%d %H:%M").to_string()
    }
}

/// The default database: `$XDG_DATA_HOME/kith/kith.db`.
fn default_db() -> PathBuf {
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("kith").join("kith.db")
}

fn now() -> Result<ZonedDateTime> {
    let tz = TimeZone::try_system().unwrap_or(TimeZone::UTC);
    match std::env::var("KITH_NOW") {
        Ok(s) if !s.is_empty() => {
            let ts: Timestamp = s
                .parse()
                .map_err(|e| usage(format!("KITH_NOW `{s}` is not an RFC 3339 time like 2026-11-25T09:00:00Z: {e}")))?;
            Ok(ts.to_zoned_datetime(tz))
        }
        _ => Ok(Timestamp::now().to_zoned_datetime(tz)),
    }
}

/// The error and its causes, each said once: kith's errors already quote their cause, so a
/// cause whose text is in the message so far is left out (not `sqlite: disk I/O error: disk I/O
/// error: Error code 778: …`).
fn causes(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with success, usage errors to stderr.
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(exit::USAGE) } else { ExitCode::SUCCESS };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::from(EXIT_STATUS.load(std::sync::atomic::Ordering::Relaxed)),
        Err(f) => {
            let (code, msg) = match f {
                Failure::Usage(m) => (exit::USAGE, m),
                Failure::Lookup(m) => (exit::LOOKUP, m),
                Failure::Internal(e) => {
                    // A closed pipe (`kith person list | head`) is not an error.
                    if let Some(io) = e.downcast_ref::<std::io::Error>()
                        && io.kind() == std::io::ErrorKind::BrokenPipe
                    {
                        return ExitCode::SUCCESS;
                    }
                    (exit::INTERNAL, causes(&e))
                }
            };
            eprintln!("kith: {msg}");
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    use crate::cli::{Command, DevCmd};
    // Commands that need no database.
    match &cli.command {
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "kith", &mut std::io::stdout());
            return Ok(());
        }
        Command::Man { dir } => {
            std::fs::create_dir_all(dir)?;
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::generate_to(cmd, dir)?;
            return Ok(());
        }
        Command::Serve(_) => {
            let Command::Serve(args) = cli.command else { unreachable!() };
            return crate::server_cmds::serve(args, cli.db, default_db());
        }
        // Benchmark files: made from a seed, whatever database (or none) is there.
        &Command::Dev(DevCmd::Vcards { count, seed }) => return crate::interop::sample_vcards(count, seed),
        &Command::Dev(DevCmd::LinkedinCsv { count, seed }) => return crate::interop::sample_linkedin(count, seed),
        _ => {}
    }
    let location = match &cli.db {
        Some(db) if !db.is_empty() => Location::parse(db),
        _ => Location::Sqlite(default_db()),
    };
    let store = Store::open(&location).map_err(|e| match &location {
        Location::Postgres(_) => Failure::Internal(anyhow::anyhow!("cannot open the database: {e}")),
        Location::Sqlite(p) => Failure::Internal(anyhow::anyhow!("cannot open {}: {e}", p.display())),
    })?;
    let actor = std::env::var("KITH_ACTOR").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "local".to_string());
    let mut ctx = Ctx { store, now: now()?, json: cli.json, actor };
    crate::commands::dispatch(&mut ctx, cli.command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_said_once() {
        // kith's errors quote their cause, which is also their source.
        let read =
            kith_store::Error::Read { file: "cards.vcf".into(), source: std::io::Error::other("the disk went away") };
        assert_eq!(causes(&anyhow::Error::new(read)), "cannot read cards.vcf: the disk went away");
        // A cause that adds something is kept.
        let e = anyhow::Error::new(std::io::Error::other("no room")).context("cannot write the export");
        assert_eq!(causes(&e), "cannot write the export: no room");
    }
}
