//! The `kith` binary. All the work is in the modules; this only maps the outcome to an exit code.

#![forbid(unsafe_code)]

mod app;
mod cli;
mod commands;
mod dedupe;
mod intel_cmd;
mod interop;
mod out;
mod seed;
mod server_cmds;

use std::process::ExitCode;

fn main() -> ExitCode {
    app::main()
}
