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
//! The body is built whole before it is sent (about 550 bytes a person as vCard): fine for a
//! team's network, to be streamed before it is used on 100,000 people.

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use kith_interop::vcard;
use kith_store::import::{Options, Outcome, Source};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::access::Principal;
use crate::error::{ApiError, Query};
use crate::state::AppState;

fn attachment(content_type: &'static str, file: &'static str, body: String) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, file)], body)
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
    let body = state
        .pool
        .run(move |s| {
            let mut out = String::new();
            kith_store::export::vcards(s, version, |_, _, card| -> Result<(), ApiError> {
                out.push_str(card);
                Ok(())
            })?;
            Ok(out)
        })
        .await?;
    Ok(attachment("text/vcard; charset=utf-8", "attachment; filename=\"kith.vcf\"", body))
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
    let body = state
        .pool
        .run(move |s| {
            let mut out = Vec::new();
            kith_store::export::backup(s, &mut out).map_err(|e| match e {
                kith_store::export::BackupError::Store(e) => ApiError::from(e),
                kith_store::export::BackupError::Io(e) => ApiError::internal(e),
            })?;
            String::from_utf8(out).map_err(ApiError::internal)
        })
        .await?;
    Ok(attachment("application/jsonl; charset=utf-8", "attachment; filename=\"kith-backup.jsonl\"", body))
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
            let files = [("body".to_string(), bytes)];
            Ok(kith_store::import::import_contacts(s, &files, &source, opts, p.actor(), &now, &mut |_| {})?)
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
