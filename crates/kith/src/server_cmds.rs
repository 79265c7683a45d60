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
    kith_server::run(args, db, default_db).map_err(|m| Failure::Internal(anyhow::anyhow!(m)))
}

pub fn user(ctx: &mut Ctx, c: UserCmd) -> Result<()> {
    let stdin = std::io::stdin();
    kith_server::admin::user(&mut ctx.store, c, ctx.json, &mut stdin.lock(), &mut std::io::stdout()).map_err(failure)
}

pub fn token(ctx: &mut Ctx, c: TokenCmd) -> Result<()> {
    kith_server::admin::token(&mut ctx.store, c, ctx.json, &mut std::io::stdout()).map_err(failure)
}
