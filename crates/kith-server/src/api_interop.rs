//! Export over the API: people as vCards, events and tasks as iCalendar, the op-log backup as
//! JSON Lines. Each is `kith_store::export`, the code behind `kith export`, so a file from the
//! API is the file the CLI writes.
//!
//! The body is built whole before it is sent (about 550 bytes a person as vCard): fine for a
//! team's network, to be streamed before it is used on 100,000 people.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use kith_interop::vcard;
use serde::Deserialize;
use utoipa::IntoParams;

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
