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

/// jemalloc rather than glibc's malloc: quicker for the import's many small allocations (about
/// a hundred a record) and for `kith serve`'s request threads, which glibc serves from two
/// shared heaps there (LinkedIn import −12%, 100k vCards −22%, the API's searches 1.1-4 times the requests a
/// second; ARCHITECTURE.md, "Memory allocator"). Its build options are in .cargo/config.toml.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    app::main()
}
