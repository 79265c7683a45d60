//! kith's team server: `kith serve`.
//!
//! An axum application over the same [`kith_store::Store`] the CLI uses. The parts:
//! - [`api`]: the route table and the JSON API under `/api/v1`, with its OpenAPI document;
//! - [`access`]: who is asking and what they may do, decided in one place for every route;
//! - [`auth`]: password hashing, tokens, CSRF, cookies, the sign-in rate limiter;
//! - [`state`]: the store pool (synchronous store work on blocking threads), settings, clock;
//! - [`web`]: the page frame, the stylesheet, sign-in and sign-out; [`pages`] (people),
//!   [`pages_today`], [`pages_tasks`], [`pages_events`] and [`network`]: the other pages;
//! - [`admin`]: `kith user` and `kith token`, the accounts commands of the CLI;
//! - [`config`]: defaults, TOML file, `KITH_*` environment.

pub mod access;
pub mod admin;
pub mod api;
mod api_intel;
mod api_interop;
mod api_records;
mod api_team_paths;
pub mod auth;
pub mod config;
pub mod error;
pub mod network;
pub mod pages;
pub mod pages_events;
pub mod pages_import;
pub mod pages_projects;
pub mod pages_settings;
pub mod pages_tasks;
pub mod pages_today;
pub mod state;
pub mod team;
pub mod web;
pub mod workspaces;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use kith_store::Location;

pub use config::Config;
pub use state::AppState;

use crate::error::ApiError;

/// `kith serve`'s flags. `--db` is kith's global flag.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on [default: 127.0.0.1:7717]
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<SocketAddr>,
    /// A TOML file with settings (listen, db, body_limit, import_limit, session_hours, cookie_secure,
    /// pool_size, sign_in_attempts_per_account, sign_in_attempts_per_address, time_zone, log,
    /// principal_cache_ms, export_stall_ms, workspace_idle_ms);
    /// KITH_* environment variables override it, flags override both
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The whole application: every route of [`api::routes`] behind its access guard, then the
/// body limit, the security headers and the request log around everything.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new();
    for r in api::routes() {
        let guard = middleware::from_fn_with_state((state.clone(), r.access), access::guard);
        app = app.route(r.path, r.handler.route_layer(guard));
    }
    app.fallback(|| async { ApiError::not_found("no such page or API route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(middleware::from_fn(request_bodies))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// A body this small is read off the connection before routing.
const SMALL_BODY: usize = 64 * 1024;

/// Take care of a request's body before routing, so an answer never leaves it on the
/// connection under a client that reuses it. A small body (a declared length up to
/// [`SMALL_BODY`]) is read now: a handler that takes no body (leaving a workspace), the access
/// guard's refusal or a 404 would otherwise leave its bytes there, and hyper closes a
/// connection that holds unread bytes after the response, while the client may already have
/// sent its next request on it ("peer disconnected"; a test met it once in CI). Handlers still
/// read the buffered body through their extractors, with the configured body limit. A larger or
/// chunked body answered with a refusal (redirected to sign-in, over the size limit) is left
/// unread, and the response says `Connection: close`.
async fn request_bodies(req: Request, next: Next) -> Response {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<usize>().ok());
    let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
    if chunked || declared.is_some_and(|n| n > SMALL_BODY) {
        let mut resp = next.run(req).await;
        if !resp.status().is_success() {
            resp.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        return resp;
    }
    if declared.is_none_or(|n| n == 0) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, SMALL_BODY).await {
        Ok(bytes) => next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await,
        Err(_) => ApiError::bad_request("bad_body", "the request body could not be read").into_response(),
    }
}

/// Headers on every response: no framing, no sniffing, no referrer leaks, same-origin content.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    resp
}

/// One log line per request: method, path (without the query, which may hold search words),
/// status and time. Never headers or bodies: they carry passwords, tokens and cookies.
async fn log_request(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let start = std::time::Instant::now();
    let resp = next.run(req).await;
    tracing::info!(%method, %path, status = resp.status().as_u16(), ms = start.elapsed().as_millis() as u64, "request");
    resp
}

/// Serve on `listener` until `shutdown` completes, then finish the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// SIGINT (Ctrl-C) or SIGTERM.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("stopping: finishing the requests in flight");
}

/// How a database is named in messages: never a PostgreSQL URL, which may carry a password.
pub fn describe(location: &Location) -> String {
    match location {
        Location::Sqlite(p) => format!("SQLite {}", p.display()),
        Location::Postgres(_) => "PostgreSQL".to_string(),
    }
}

/// `kith serve`: settings from defaults, `--config`, the environment and the flags; then serve
/// until SIGINT or SIGTERM. `db` is `--db`/`KITH_DB`; `default_db` is used when neither it nor
/// the config file names a database.
pub fn run(args: ServeArgs, db: Option<String>, default_db: PathBuf) -> Result<(), String> {
    let mut config = Config::load(args.config.as_deref(), |k| std::env::var(k).ok())?;
    if let Some(l) = args.listen {
        config.listen = l;
    }
    if let Some(db) = db.filter(|d| !d.is_empty()) {
        config.db = Some(db);
    }
    let location = match &config.db {
        Some(db) => Location::parse(db),
        None => Location::Sqlite(default_db),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&config.log).map_err(|e| format!("log filter: {e}"))?)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none())
        .try_init();
    let listen = config.listen;
    // Opened before the runtime starts: the blocking PostgreSQL client cannot connect from a
    // thread that drives async tasks.
    let state = AppState::new(location.clone(), config)
        .map_err(|e| format!("cannot open the database ({}): {e}", describe(&location)))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let users = state.pool.run(|s| Ok(s.user_count()?)).await.map_err(|e| e.message)?;
        let listener =
            tokio::net::TcpListener::bind(listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("kith is serving {} at http://{addr}/", describe(&location));
        if users == 0 {
            println!(
                "no accounts yet: create the owner with `kith user add EMAIL --name NAME --password-stdin --owner`"
            );
        }
        tracing::info!(%addr, db = %describe(&location), "listening");
        serve(listener, state, stop_signal()).await.map_err(|e| format!("server failed: {e}"))
    })
}
