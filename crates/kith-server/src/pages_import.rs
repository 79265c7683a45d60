//! `/import`: upload a vCard or CSV file and import it as the signed-in user, with progress.
//!
//! The upload is a `multipart/form-data` form, read whole (bounded by the server's
//! `import_limit`, 64 MiB by default, on this route only: the other routes keep `body_limit`)
//! and split by [`multipart`], a small reader of that format (no extra dependency). The import
//! then runs as a background job (`kith_store::import::import_contacts`, the code behind `kith
//! import`, on one of the pool's stores) and the browser is sent to `/import/{job}`, which shows
//! how much of the file has been read and refreshes itself every second
//! (`<meta http-equiv="refresh">`, no JavaScript) until the summary is there: created,
//! updated, merged, unchanged, failed with file, line and field. A user runs one import at a
//! time; jobs live in the server's memory ([`Jobs`]) and a finished one is forgotten after an
//! hour. A job is visible only to the user who started it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kith_core::Id;
use kith_store::import::{Options, Outcome, Source};

use crate::access::Principal;
use crate::auth;
use crate::error::ApiError;
use crate::pages::{alert, check_csrf, csrf_of, nav};
use crate::state::AppState;
use crate::web::{escape, page};

/// How long a finished job's summary stays readable.
const KEEP_FINISHED: Duration = Duration::from_secs(3600);
/// Failures listed on the summary page (the count covers all).
const FAILURES_SHOWN: usize = 100;

/// One import running or finished.
pub struct Job {
    user: Id,
    file: String,
    bytes_total: u64,
    /// Records in the file, counted before the import starts (a CSV's lines: about).
    records_total: usize,
    dry_run: bool,
    bytes_done: AtomicU64,
    records_done: AtomicUsize,
    /// The outcome, or the message of a failure of the server.
    end: Mutex<Option<(Instant, Result<Outcome, String>)>>,
}

impl Job {
    fn finished(&self) -> bool {
        self.end.lock().unwrap_or_else(|e| e.into_inner()).is_some()
    }
}

/// The server's import jobs, by id.
#[derive(Default)]
pub struct Jobs {
    map: Mutex<HashMap<String, Arc<Job>>>,
}

impl Jobs {
    fn get(&self, id: &str, user: Id) -> Option<Arc<Job>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).get(id).filter(|j| j.user == user).cloned()
    }

    /// Add a job unless the user has one running (then its id is the error); forget finished
    /// jobs past their time.
    fn start(&self, id: String, job: Arc<Job>) -> Result<(), String> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, j| match &*j.end.lock().unwrap_or_else(|e| e.into_inner()) {
            Some((at, _)) => at.elapsed() < KEEP_FINISHED,
            None => true,
        });
        if let Some((running, _)) = map.iter().find(|(_, j)| j.user == job.user && !j.finished()) {
            return Err(running.clone());
        }
        map.insert(id, job);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// multipart/form-data

/// One part of a `multipart/form-data` body: the field's name, the file name if it is a file,
/// and where its content is in the body.
#[derive(Debug, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: std::ops::Range<usize>,
}

/// A header's parameters (`form-data; name="file"; filename="a;b.vcf"`), quotes and
/// backslash escapes understood.
fn params(value: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    // Skip the disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ';') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() && chars.peek().is_none() {
            return out;
        }
        let mut val = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => val.extend(chars.next()),
                        '"' => break,
                        c => val.push(c),
                    }
                }
            }
            while let Some(&c) = chars.peek() {
                if c == ';' {
                    break;
                }
                val.push(c);
                chars.next();
            }
        }
        out.push((key.trim().to_ascii_lowercase(), val.trim().to_string()));
        if chars.peek().is_none() {
            return out;
        }
    }
}

/// Split a `multipart/form-data` body (RFC 7578) into its parts. `content_type` is the request's
/// header, which names the boundary.
pub fn multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let not = || "the form was not sent as multipart/form-data".to_string();
    let (mime, rest) = content_type.split_once(';').ok_or_else(not)?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(not());
    }
    let boundary = params(&format!("x;{rest}"))
        .into_iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v)
        .filter(|b| (1..=70).contains(&b.len()))
        .ok_or_else(|| "the form's multipart boundary is missing".to_string())?;
    let bad = || "the form's multipart body is malformed".to_string();
    let dash = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let finder = memchr::memmem::Finder::new(delimiter.as_bytes());
    // The first boundary: at the start, or after a preamble line.
    let mut at = if body.starts_with(dash.as_bytes()) {
        dash.len()
    } else {
        finder.find(body).ok_or_else(bad)? + delimiter.len()
    };
    let mut parts = Vec::new();
    loop {
        let rest = body.get(at..).ok_or_else(bad)?;
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        // Transport padding, then the line break.
        let skip = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
        if !rest[skip..].starts_with(b"\r\n") {
            return Err(bad());
        }
        let head_start = at + skip + 2;
        let head_len = memchr::memmem::find(&body[head_start..], b"\r\n\r\n").ok_or_else(bad)?;
        let head = std::str::from_utf8(&body[head_start..head_start + head_len]).map_err(|_| bad())?;
        let data_start = head_start + head_len + 4;
        let data_len = finder.find(&body[data_start..]).ok_or_else(bad)?;
        let (mut name, mut filename) = (None, None);
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else { continue };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                for (k, v) in params(v) {
                    match k.as_str() {
                        "name" => name = Some(v),
                        "filename" => filename = Some(v),
                        _ => {}
                    }
                }
            }
        }
        parts.push(Part { name: name.ok_or_else(bad)?, filename, data: data_start..data_start + data_len });
        if parts.len() > 20 {
            return Err("the form has too many fields".into());
        }
        at = data_start + data_len + delimiter.len();
    }
}

// ---------------------------------------------------------------------------------------------
// The pages

/// What the upload form shows again after a refusal.
#[derive(Default)]
struct Sent {
    format: String,
    dry_run: bool,
    partial: bool,
}

const FORMATS: [(&str, &str); 6] = [
    ("auto", "From the file (vCard or CSV)"),
    ("vcard", "vCard"),
    ("csv", "CSV, layout from its header"),
    ("linkedin", "LinkedIn Connections.csv"),
    ("google", "Google Contacts CSV"),
    ("outlook", "Outlook CSV"),
];

fn form_html(p: &Principal, sent: &Sent, message: Option<&str>) -> String {
    let chosen = if sent.format.is_empty() { "auto" } else { sent.format.as_str() };
    let opts: String = FORMATS
        .iter()
        .map(|(v, text)| {
            let sel = if *v == chosen { " selected" } else { "" };
            format!("<option value=\"{v}\"{sel}>{text}</option>")
        })
        .collect();
    let check = |on: bool| if on { " checked" } else { "" };
    let mut b = format!("<header>{}<h1>Import contacts</h1></header>", nav());
    if let Some(m) = message {
        b.push_str(&alert(m));
    }
    b.push_str(&format!(
        "<p>A vCard file (from a phone, Google, Apple, Outlook, Nextcloud) or a CSV export (LinkedIn, Google, Outlook). \
         People already here are matched by email, phone or name and updated, not added twice.</p>\
         <form method=\"post\" action=\"/import\" enctype=\"multipart/form-data\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <p><label for=\"file\">File</label><br><input id=\"file\" name=\"file\" type=\"file\" required \
         accept=\".vcf,.vcard,.csv,text/vcard,text/csv\"></p>\
         <p><label for=\"format\">Format</label><br><select id=\"format\" name=\"format\">{opts}</select></p>\
         <p class=\"check\"><input id=\"partial\" name=\"partial\" type=\"checkbox\" value=\"on\"{}> \
         <label for=\"partial\">Keep the good records when some are bad (otherwise a bad record imports nothing)</label></p>\
         <p class=\"check\"><input id=\"dry_run\" name=\"dry_run\" type=\"checkbox\" value=\"on\"{}> \
         <label for=\"dry_run\">Dry run: count what would change, write nothing</label></p>\
         <p><button type=\"submit\">Import</button></p></form>",
        escape(&csrf_of(p)),
        check(sent.partial),
        check(sent.dry_run),
    ));
    page("Import", &b)
}

#[utoipa::path(get, path = "/import", tag = "web",
    responses((status = 200, description = "The import form: a vCard or CSV file, its format, dry run", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn import_page(Extension(p): Extension<Principal>) -> Html<String> {
    Html(form_html(&p, &Sent::default(), None))
}

fn refuse(status: StatusCode, p: &Principal, sent: &Sent, message: &str) -> Response {
    (status, Html(form_html(p, sent, Some(message)))).into_response()
}

/// Whether the bytes look like vCards: `BEGIN:VCARD` first, after a BOM and blank lines.
fn looks_like_vcard(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    b[start..].len() >= 11 && b[start..start + 11].eq_ignore_ascii_case(b"BEGIN:VCARD")
}

/// Records in the file, for the progress: cards, or a CSV's lines after the header.
fn count_records(bytes: &[u8], vcard: bool) -> usize {
    if vcard {
        let upper = memchr::memmem::find_iter(bytes, b"BEGIN:VCARD").count();
        let lower = memchr::memmem::find_iter(bytes, b"begin:vcard").count();
        upper + lower
    } else {
        memchr::memchr_iter(b'\n', bytes).count().max(1) - 1 + usize::from(!bytes.ends_with(b"\n"))
    }
}

#[utoipa::path(post, path = "/import", tag = "web",
    request_body(content_type = "multipart/form-data", description = "csrf, file, format (auto, vcard, csv, linkedin, google, outlook), partial, dry_run"),
    responses((status = 303, description = "The import started: on to its progress page"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 409, description = "An import of this user is running: the form with a link to it", content_type = "text/html"),
              (status = 413, description = "The file is larger than the server's import_limit", body = Object),
              (status = 422, description = "No file, an empty one, or an unknown format: the form with the message; nothing was written", content_type = "text/html")))]
pub async fn import_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = axum::body::to_bytes(body, state.config.import_limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the file is larger than this server imports at once ({} MiB); split it or use `kith import`",
                state.config.import_limit / (1024 * 1024)
            ),
        )
    })?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let parts = match multipart(content_type, &bytes) {
        Ok(parts) => parts,
        Err(m) => {
            // Without the fields there is no CSRF token to check: refuse like a forged form.
            check_csrf(&p, "")?;
            return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, &p, &Sent::default(), &m));
        }
    };
    let field = |name: &str| {
        parts.iter().find(|x| x.name == name).map(|x| String::from_utf8_lossy(&bytes[x.data.clone()]).into_owned())
    };
    check_csrf(&p, &field("csrf").unwrap_or_default())?;
    let sent = Sent {
        format: field("format").map(|f| f.trim().to_ascii_lowercase()).unwrap_or_default(),
        dry_run: field("dry_run").is_some_and(|v| !v.is_empty()),
        partial: field("partial").is_some_and(|v| !v.is_empty()),
    };
    if let Some(x) = parts.iter().find(|x| !["csrf", "file", "format", "dry_run", "partial"].contains(&x.name.as_str()))
    {
        let m = format!("the form has a field `{}` that the import does not take", x.name);
        return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, &p, &sent, &m));
    }
    let Some(file) = parts.iter().find(|x| x.name == "file") else {
        return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, &p, &sent, "choose a file to import"));
    };
    let data = &bytes[file.data.clone()];
    let name = file.filename.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| "upload".into());
    if data.iter().all(u8::is_ascii_whitespace) {
        let m = format!("{name} is empty: there is nothing to import");
        return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, &p, &sent, &m));
    }
    let lower = name.to_ascii_lowercase();
    let source = match sent.format.as_str() {
        "" | "auto" if lower.ends_with(".vcf") || lower.ends_with(".vcard") || looks_like_vcard(data) => Source::Vcard,
        "vcard" => Source::Vcard,
        "" | "auto" | "csv" => Source::Csv(layout("auto")?),
        f @ ("linkedin" | "google" | "outlook") => Source::Csv(layout(f)?),
        other => {
            let m = format!("`{other}` is not a format the import reads: choose one from the list");
            return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, &p, &sent, &m));
        }
    };
    let vcard = matches!(source, Source::Vcard);
    let job = Arc::new(Job {
        user: p.user.id,
        file: name.clone(),
        bytes_total: data.len() as u64,
        records_total: count_records(data, vcard),
        dry_run: sent.dry_run,
        bytes_done: AtomicU64::new(0),
        records_done: AtomicUsize::new(0),
        end: Mutex::new(None),
    });
    let id = auth::new_secret().map_err(ApiError::internal)?[..32].to_string();
    if let Err(running) = state.imports.start(id.clone(), job.clone()) {
        let m = "one of your imports is still running: wait for it to finish";
        let mut resp = refuse(StatusCode::CONFLICT, &p, &sent, m);
        if let Ok(v) = format!("/import/{running}").parse() {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return Ok(resp);
    }
    let files = vec![kith_store::import::Input::bytes(name, data.to_vec())];
    drop(bytes);
    let opts = Options { dry_run: sent.dry_run, partial: sent.partial };
    let (now, actor, pool) = (state.now(), p.actor().to_string(), state.pool.clone());
    tracing::info!(user = %p.user.id, job = %id, bytes = job.bytes_total, "import started");
    // The job outlives the request: it keeps the principal's visibility scope (private people).
    let scope = Some(p.scope());
    tokio::spawn(crate::access::SCOPE.scope(scope, async move {
        let j = job.clone();
        let result = pool
            .run(move |s| {
                let mut progress = |done: u64| {
                    j.bytes_done.store(done, Ordering::Relaxed);
                    j.records_done.fetch_add(1, Ordering::Relaxed);
                };
                Ok(kith_store::import::import_contacts(s, files, &source, opts, &actor, &now, &mut progress)?)
            })
            .await;
        let end = result.map_err(|e| e.message);
        tracing::info!(ok = end.is_ok(), "import finished");
        *job.end.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), end));
    }));
    Ok(Redirect::to(&format!("/import/{id}")).into_response())
}

fn layout(name: &str) -> Result<kith_interop::csv::Layout, ApiError> {
    kith_interop::csv::Layout::parse(name, &[]).map_err(ApiError::internal)
}

fn summary_html(job: &Job, outcome: &Outcome) -> String {
    let s = &outcome.summary;
    let mut b = String::new();
    if outcome.rolled_back {
        b.push_str(&alert(&if s.created + s.updated + s.merged + s.unchanged == 0 {
            "No record could be imported.".to_string()
        } else {
            format!(
                "{} record{} could not be imported, so nothing was. Import again with \"Keep the good records\" to import the others.",
                s.failed,
                if s.failed == 1 { "" } else { "s" }
            )
        }));
    } else if job.dry_run {
        b.push_str("<p role=\"status\">Dry run: this is what the import would do; nothing was written.</p>");
    } else {
        b.push_str("<p role=\"status\">Imported.</p>");
    }
    b.push_str(&format!(
        "<dl class=\"summary\"><dt>Created</dt><dd>{}</dd><dt>Updated</dt><dd>{}</dd><dt>Merged</dt><dd>{}</dd>\
         <dt>Unchanged</dt><dd>{}</dd><dt>Failed</dt><dd>{}</dd></dl>",
        s.created, s.updated, s.merged, s.unchanged, s.failed
    ));
    if !s.failures.is_empty() {
        b.push_str(
            "<h2>Failures</h2><table><thead><tr><th scope=\"col\">Line</th><th scope=\"col\">Field</th>\
             <th scope=\"col\">Why</th></tr></thead><tbody>",
        );
        for f in s.failures.iter().take(FAILURES_SHOWN) {
            b.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                f.line,
                escape(f.field.as_deref().unwrap_or("")),
                escape(&f.message)
            ));
        }
        b.push_str("</tbody></table>");
        if s.failed > FAILURES_SHOWN.min(s.failures.len()) {
            b.push_str(&format!("<p>The first {} of {} shown.</p>", FAILURES_SHOWN.min(s.failures.len()), s.failed));
        }
    }
    b.push_str("<p><a href=\"/import\">Import another file</a> · <a href=\"/people\">People</a></p>");
    b
}

#[utoipa::path(get, path = "/import/{id}", tag = "web",
    params(("id" = String, Path, description = "The import job, from the redirect after the upload")),
    responses((status = 200, description = "The import's progress (the page refreshes itself each second) or, once done, its summary", content_type = "text/html"),
              (status = 404, description = "No such import of this user (or finished more than an hour ago)", body = Object)))]
pub async fn job_page(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(job) = state.imports.get(&id, p.user.id) else {
        return Err(ApiError::not_found("no such import (a summary is kept for an hour)"));
    };
    let mut b = format!("<header>{}<h1>Import of {}</h1></header>", nav(), escape(&job.file));
    let end = job.end.lock().unwrap_or_else(|e| e.into_inner());
    let running = end.is_none();
    match &*end {
        None => {
            let (done, total) = (job.bytes_done.load(Ordering::Relaxed), job.bytes_total.max(1));
            let records = job.records_done.load(Ordering::Relaxed);
            // Every record read: what is left is matching the last ones and writing.
            let phase = if records > 0 && records >= job.records_total { "writing" } else { "reading and matching" };
            b.push_str(&format!(
                "<p role=\"status\">Importing ({phase}): {records} of {} records read.</p>\
                 <p><label for=\"progress\">Progress</label><br><progress id=\"progress\" max=\"{total}\" value=\"{done}\">{}%</progress></p>\
                 <p class=\"with\">This page refreshes itself until the import is done.</p>",
                job.records_total,
                done * 100 / total
            ));
        }
        Some((_, Ok(outcome))) => b.push_str(&summary_html(&job, outcome)),
        Some((_, Err(message))) => {
            b.push_str(&alert(&format!("The import failed on the server ({message}); nothing was written.")));
        }
    }
    drop(end);
    let mut html = page("Import", &b);
    if running {
        html = html.replacen("<head>", "<head><meta http-equiv=\"refresh\" content=\"1\">", 1);
    }
    Ok(Html(html).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_split_into_fields_and_files() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;\\\"b\\\".vcf\"\r\nContent-Type: text/vcard\r\n\r\n\
BEGIN:VCARD\r\n--Xy\r\nEND:VCARD\r\n\r\n--XyZ--\r\n";
        let parts = multipart("multipart/form-data; boundary=\"XyZ\"", body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].name.as_str(), &body[parts[0].data.clone()]), ("csrf", &b"abc"[..]));
        assert_eq!(parts[1].filename.as_deref(), Some("a;\"b\".vcf"));
        assert_eq!(&body[parts[1].data.clone()], b"BEGIN:VCARD\r\n--Xy\r\nEND:VCARD\r\n");
        for bad in [&b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end"[..], b"", b"--XyZ"] {
            assert!(multipart("multipart/form-data; boundary=XyZ", bad).is_err());
        }
        // Every cut of a good body, and every byte changed, is an answer, never a panic.
        let ct = "multipart/form-data; boundary=\"XyZ\"";
        for n in 0..body.len() {
            let _ = multipart(ct, &body[..n]);
            let mut changed = body.to_vec();
            for b in [b'\r', b'\n', b'-', b'"', b';', b'=', 0xff] {
                changed[n] = b;
                let _ = multipart(ct, &changed);
            }
        }
        assert!(multipart("application/x-www-form-urlencoded", b"a=b").is_err());
        assert!(multipart("multipart/form-data", b"").is_err());
    }

    #[test]
    fn records_are_counted_for_the_progress() {
        assert_eq!(count_records(b"BEGIN:VCARD\nEND:VCARD\nbegin:vcard\nend:vcard\n", true), 2);
        assert_eq!(count_records(b"a,b\n1,2\n3,4\n", false), 2);
        assert_eq!(count_records(b"a,b\n1,2\n3,4", false), 2);
        assert!(looks_like_vcard(b"\xEF\xBB\xBF\r\nbegin:vcard\r\n") && !looks_like_vcard(b"First Name,Last"));
    }
}
