//! Import and export over the API. Import reads a vCard or CSV file sent as the request body
//! with `kith_store::import` (the code behind `kith import`: the same matching, the same
//! all-or-nothing transaction unless `partial`) and answers its summary. Export writes people
//! as vCards, events and tasks as iCalendar, the op-log backup as JSON Lines, with
//! `kith_store::export` (the code behind `kith export`), so a file from the API is the file the
//! CLI writes.
//!
//! An import's body is bounded by the server's `body_limit` like every request (256 KiB by
//! default, a few hundred cards); larger files go through `kith import` for now.
//!
//! An export is streamed: a pool job, run with the caller's scope (private people stay out),
//! writes the file in chunks of 64 KiB into a channel of four, and the response body reads
//! them, so memory stays bounded whatever the size of the network (vCards are read 2,000 people
//! a page, the backup 5,000 operations a page). The job holds its pool store while the client
//! reads: a client that stops reading pauses the job at the next chunk for at most
//! `export_stall_ms` (30 s), then the job ends and gives its store back, so a few stalled
//! clients cannot hold the whole pool; one that goes away ends it at once. A failure before the
//! first chunk is an error response; a failure after it ends the body short, so the client sees
//! an incomplete transfer rather than a truncated file.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kith_interop::vcard;
use kith_store::Store;
use kith_store::import::{Options, Outcome, Source};
use serde::Deserialize;
use tokio::sync::mpsc;
use utoipa::IntoParams;

use crate::access::Principal;
use crate::error::{ApiError, Query};
use crate::state::AppState;

fn attachment(content_type: &'static str, file: &'static str, body: impl IntoResponse) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, file)], body).into_response()
}

/// How much of an export a chunk of the streamed body holds.
const CHUNK: usize = 64 * 1024;

/// Stream what `job` writes to its sink on a pool store, as an attachment (see the module
/// documentation).
async fn stream(
    state: &AppState,
    content_type: &'static str,
    file: &'static str,
    job: impl FnOnce(&mut Store, &mut Sink) -> Result<(), ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    let (tx, mut rx) = mpsc::channel(4);
    let pool = state.pool.clone();
    // The job outlives the handler's future: it keeps the caller's scope (private people).
    let scope = crate::access::current_scope();
    let stall = std::time::Duration::from_millis(state.config.export_stall_ms);
    let failed = tx.clone();
    tokio::spawn(crate::access::SCOPE.scope(scope, async move {
        let result = pool
            .run(move |s| {
                let mut sink = Sink { tx, buf: Vec::with_capacity(CHUNK), stall };
                job(s, &mut sink)?;
                sink.send()
            })
            .await;
        if let Err(e) = result
            && e.code != GONE
        {
            let _ = failed.send(Err(e)).await;
        }
    }));
    let first = match rx.recv().await {
        Some(Ok(chunk)) => Some(chunk),
        Some(Err(e)) => return Err(e),
        None => None,
    };
    Ok(attachment(content_type, file, Body::from_stream(Chunks { first, rx })))
}

/// The code of the error a job ends with when its client went away (never sent).
const GONE: &str = "client_gone";

/// Where a streaming job writes: a buffer sent to the response body a chunk at a time.
pub(crate) struct Sink {
    tx: mpsc::Sender<Result<Bytes, ApiError>>,
    buf: Vec<u8>,
    /// The longest wait for room in the channel (a client that stopped reading).
    stall: std::time::Duration,
}

impl Sink {
    /// Send what is buffered; an error when the body is no longer read.
    fn send(&mut self) -> Result<(), ApiError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Ok(Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK))));
        // A 4xx: the job ends cleanly and its store goes back to the pool. The job runs on one
        // of the runtime's blocking threads, so it may wait here for room in the channel.
        let gone = |why| ApiError::new(StatusCode::BAD_REQUEST, GONE, why);
        match tokio::runtime::Handle::current().block_on(self.tx.send_timeout(chunk, self.stall)) {
            Ok(()) => Ok(()),
            Err(mpsc::error::SendTimeoutError::Closed(_)) => Err(gone("the client went away")),
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                tracing::warn!("export ended: the client stopped reading");
                Err(gone("the client stopped reading"))
            }
        }
    }
}

impl std::io::Write for Sink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send().map_err(|e| std::io::Error::new(std::io::ErrorKind::BrokenPipe, e.message))?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The response body of a stream: the first chunk (already received), then the channel's.
struct Chunks {
    first: Option<Bytes>,
    rx: mpsc::Receiver<Result<Bytes, ApiError>>,
}

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(first)));
        }
        self.rx.poll_recv(cx).map(|next| {
            next.map(|r| {
                r.map_err(|e| {
                    tracing::warn!(code = e.code, "export ended early");
                    std::io::Error::other(e.message)
                })
            })
        })
    }
}

fn gone_or(e: std::io::Error) -> ApiError {
    match e.kind() {
        std::io::ErrorKind::BrokenPipe => ApiError::new(StatusCode::BAD_REQUEST, GONE, "the client went away"),
        _ => ApiError::internal(e),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VcardQuery {
    /// vCard version: 4 (default) or 3
    pub version: Option<u8>,
}

#[utoipa::path(get, path = "/api/v1/export/vcard", tag = "export", params(VcardQuery),
    responses((status = 200, description = "Every person as a vCard (`text/vcard`), as `kith export vcard`", content_type = "text/vcard")))]
pub(crate) async fn export_vcard(
    State(state): State<AppState>,
    Query(q): Query<VcardQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let version = match q.version.unwrap_or(4) {
        3 => vcard::Version::V3,
        4 => vcard::Version::V4,
        v => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("version {v} is not a vCard version kith writes: use 3 or 4"),
            ));
        }
    };
    stream(&state, "text/vcard; charset=utf-8", "attachment; filename=\"kith.vcf\"", move |s, sink| {
        use std::io::Write;
        kith_store::export::vcards_paged(s, version, |_, _, card| sink.write_all(card.as_bytes()).map_err(gone_or))?;
        Ok(())
    })
    .await
}

/// No parameters: an unknown one is refused rather than ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

#[utoipa::path(get, path = "/api/v1/export/ics", tag = "export",
    responses((status = 200, description = "Events (VEVENT) and tasks and hooks (VTODO) as iCalendar, as `kith export ics`", content_type = "text/calendar")))]
pub(crate) async fn export_ics(
    State(state): State<AppState>,
    Query(NoQuery {}): Query<NoQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now().timestamp();
    let (body, _, _) = state.pool.run(move |s| Ok(kith_store::export::ics(s, now)?)).await?;
    Ok(attachment("text/calendar; charset=utf-8", "attachment; filename=\"kith.ics\"", body))
}

#[utoipa::path(get, path = "/api/v1/export/json", tag = "export",
    responses((status = 200, description = "The backup: a header line, then every operation as one JSON object a line, as `kith export json`", content_type = "application/jsonl")))]
pub(crate) async fn export_json(
    State(state): State<AppState>,
    Query(NoQuery {}): Query<NoQuery>,
) -> Result<impl IntoResponse, ApiError> {
    stream(&state, "application/jsonl; charset=utf-8", "attachment; filename=\"kith-backup.jsonl\"", move |s, sink| {
        kith_store::export::backup(s, sink).map_err(|e| match e {
            kith_store::export::BackupError::Store(e) => ApiError::from(e),
            kith_store::export::BackupError::Io(e) => gone_or(e),
        })?;
        Ok(())
    })
    .await
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Read and match, report what would change, write nothing
    pub dry_run: Option<bool>,
    /// Keep the good records when some are bad (default: a bad record imports nothing)
    pub partial: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CsvImportQuery {
    /// linkedin, google, outlook or auto (from the header, the default)
    pub format: Option<String>,
    /// Columns read into fields, `COLUMN=FIELD` pairs separated by `;` ("E-mail=email;Firma=org"):
    /// name, given, family, email, phone, address, link, org, title, birthday, notes, tags,
    /// met-on, met-how
    pub map: Option<String>,
    /// Read and match, report what would change, write nothing
    pub dry_run: Option<bool>,
    /// Keep the good records when some are bad (default: a bad record imports nothing)
    pub partial: Option<bool>,
}

fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Vec<u8>, ApiError> {
    match body {
        Ok(b) if b.is_empty() => Err(ApiError::invalid("the request body is empty: send the file as the body")),
        Ok(b) => Ok(b.to_vec()),
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the file is larger than the server's body limit; import it with `kith import`",
        )),
        Err(e) => Err(ApiError::bad_request("malformed_request", e.body_text())),
    }
}

async fn run_import(
    state: &AppState,
    p: Principal,
    bytes: Vec<u8>,
    source: Source,
    opts: Options,
) -> Result<axum::Json<kith_store::import::Summary>, ApiError> {
    let now = state.now();
    let outcome: Outcome = state
        .pool
        .run(move |s| {
            let files = vec![kith_store::import::Input::bytes("body", bytes)];
            Ok(kith_store::import::import_contacts(s, files, &source, opts, p.actor(), &now, &mut |_| {})?)
        })
        .await?;
    if outcome.rolled_back {
        let s = &outcome.summary;
        let shown: Vec<String> = s.failures.iter().take(5).map(|f| f.show()).collect();
        let more =
            if s.failed > shown.len() { format!("; and {} more", s.failed - shown.len()) } else { String::new() };
        let why = if s.created + s.updated + s.merged + s.unchanged == 0 {
            "no record could be imported".to_string()
        } else {
            format!(
                "{} record{} could not be imported, so nothing was (send partial=true to import the others)",
                s.failed,
                if s.failed == 1 { "" } else { "s" }
            )
        };
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "import_failed",
            format!("{why}: {}{more}", shown.join("; ")),
        ));
    }
    Ok(axum::Json(outcome.summary))
}

#[utoipa::path(post, path = "/api/v1/import/vcard", tag = "import", params(ImportQuery),
    request_body(content = String, content_type = "text/vcard", description = "A vCard file (2.1, 3.0 or 4.0; any number of cards)"),
    responses((status = 200, description = "What was imported (or, with `dry_run`, would be): created, updated, merged, unchanged, failed and the failures with their line", body = Object),
              (status = 413, description = "The file is larger than the body limit", body = Object),
              (status = 422, description = "A record is bad (without `partial`), or none is good: nothing was written; the message lists the first failures", body = Object)))]
pub(crate) async fn import_vcard(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ImportQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let bytes = body_bytes(body)?;
    let opts = Options { dry_run: q.dry_run.unwrap_or(false), partial: q.partial.unwrap_or(false) };
    run_import(&state, p, bytes, Source::Vcard, opts).await
}

#[utoipa::path(post, path = "/api/v1/import/csv", tag = "import", params(CsvImportQuery),
    request_body(content = String, content_type = "text/csv", description = "A CSV file: LinkedIn Connections.csv, Google Contacts, Outlook, or any with `map`"),
    responses((status = 200, description = "What was imported (or, with `dry_run`, would be), as for vCard", body = Object),
              (status = 400, description = "`format` or `map` is not valid", body = Object),
              (status = 413, description = "The file is larger than the body limit", body = Object),
              (status = 422, description = "A record is bad (without `partial`), or none is good: nothing was written", body = Object)))]
pub(crate) async fn import_csv(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<CsvImportQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let map: Vec<String> = q
        .map
        .as_deref()
        .map(|m| m.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
        .unwrap_or_default();
    let layout = kith_interop::csv::Layout::parse(q.format.as_deref().unwrap_or("auto"), &map)
        .map_err(|e| ApiError::bad_request("invalid_query", e.replace("--format", "format").replace("--map", "map")))?;
    let bytes = body_bytes(body)?;
    let opts = Options { dry_run: q.dry_run.unwrap_or(false), partial: q.partial.unwrap_or(false) };
    run_import(&state, p, bytes, Source::Csv(layout), opts).await
}
