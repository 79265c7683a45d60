//! `kith serve`, `kith user` and `kith token`: thin wrappers over kith-server, mapping its
//! failures to the CLI's exit codes.

use std::path::PathBuf;

use kith_server::admin::{AdminError, TokenCmd, UserCmd};

use crate::app::{Ctx, Failure, Result};

fn failure(e: AdminError) -> Failure {
    match e {
        AdminError::Usage(m) => Failure::Usage(m),
        AdminError::Lookup(m) => Failure::Lookup(m),
        AdminError::Internal(m) => Failure::Internal(anyhow::anyhow!(m)),
    }
}

pub fn serve(args: kith_server::ServeArgs, db: Option<String>, default_db: PathBuf) -> Result<()> {
    few_malloc_arenas();
    kith_server::run(args, db, default_db).map_err(|m| Failure::Internal(anyhow::anyhow!(m)))
}

/// glibc's malloc gives each thread that allocates while another does its own heap (up to 8 a
/// core) and returns little of them: under load the server's threads left it holding ~80 MB
/// more than it used (228 MB peak at 100,000 people, 143–158 MB with two heaps; measured in
/// ARCHITECTURE.md). The limit is read from `MALLOC_ARENA_MAX` when the process starts, so
/// `kith serve` starts itself again once with it set to 2, unless it is already set (then the
/// operator's value stands). If that fails, it serves as it is. With it goes a fixed
/// `MALLOC_MMAP_THRESHOLD_` of 128 KiB (unless set): glibc otherwise raises its threshold after
/// the first large free, and later whole-network reads (tens of MB, rebuilt when the data
/// changes) come from the heap and stay there once freed; fixed, they are mapped and unmapped
/// (151 → 137 MB peak after every page and the team paths, 100,000 people, SQLite, a run each).
/// kith's own allocations go to jemalloc (`main.rs`), but SQLite's (page caches, statements)
/// still go to glibc: with jemalloc, the two settings left at glibc's defaults took the peak
/// from 222 to 297 MB (`scripts/bench-server.sh`, 100,000 people).
fn few_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
            return;
        }
        let Ok(exe) = std::env::current_exe() else { return };
        // `exec` replaces this process (same pid, same open files); it returns only on failure.
        let mut cmd = std::process::Command::new(exe);
        cmd.args(std::env::args_os().skip(1)).env("MALLOC_ARENA_MAX", "2");
        if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
            cmd.env("MALLOC_MMAP_THRESHOLD_", "131072");
        }
        let err = cmd.exec();
        eprintln!("note: cannot restart with MALLOC_ARENA_MAX=2 ({err}); serving with glibc's default heaps");
    }
}

pub fn user(ctx: &mut Ctx, c: UserCmd) -> Result<()> {
    let stdin = std::io::stdin();
    kith_server::admin::user(&mut ctx.store, c, ctx.json, &mut stdin.lock(), &mut std::io::stdout()).map_err(failure)
}

pub fn token(ctx: &mut Ctx, c: TokenCmd) -> Result<()> {
    kith_server::admin::token(&mut ctx.store, c, ctx.json, &mut std::io::stdout()).map_err(failure)
}

pub fn workspace(ctx: &mut Ctx, c: kith_server::admin::WorkspaceCmd) -> Result<()> {
    kith_server::admin::workspace(&mut ctx.store, c, ctx.json, &mut std::io::stdout()).map_err(failure)
}
