//! The HTML side: the page frame, the stylesheet, and the sign-in and sign-out forms. Server-rendered, no JavaScript,
//! every form carries a CSRF token, and pages fit a 375 px wide phone screen.

use std::net::SocketAddr;

use axum::Extension;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::access::{Principal, Via};
use crate::api::{authenticate, end_session, expired_cookie, session_cookie};
use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

/// Text made safe to put in HTML, in element content and in quoted attributes.
/// A link to a person's page, their name as text.
pub(crate) fn person_link(id: kith_core::Id, name: &str) -> String {
    format!("<a href=\"/people/{id}\">{}</a>", escape(name))
}

/// What an interaction says after its heading: the summary and notes, then each thing given or
/// got, a line each (the timeline of a person and what was logged today).
pub(crate) fn interaction_lines(i: &kith_store::InteractionView) -> String {
    let mut b = String::new();
    for t in [&i.summary, &i.notes].into_iter().flatten() {
        b.push_str(&format!("<br>{}", escape(t)));
    }
    for e in &i.exchanges {
        b.push_str(&format!(
            "<br><span class=\"kind\">{}</span> {}: {}",
            escape(&e.direction),
            escape(&e.kind),
            escape(&e.what)
        ));
    }
    b
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · kith</title><link rel=\"stylesheet\" href=\"/static/kith.css\"></head><body><main>{body}</main></body></html>\n",
        escape(title)
    )
}

/// Where a signed-in page's workspace line goes (after the menu, `pages::nav`): [`Frame::apply`]
/// puts it there after the handler, so that every page gets it whichever thread rendered it.
pub(crate) const FRAME_MARK: &str = "<!--kith-frame-->";

/// The header of a signed-in page: the current workspace's name and the switcher (a form
/// posting to `/workspace`, listing only the user's own workspaces).
pub(crate) struct Frame {
    html: String,
}

/// How a workspace is named to its member: a personal one as theirs.
pub(crate) fn workspace_label(w: &kith_store::workspaces::Workspace) -> String {
    match w.kind {
        kith_store::workspaces::WorkspaceKind::Personal => "Personal (only you)".to_string(),
        kith_store::workspaces::WorkspaceKind::Team => w.name.clone(),
    }
}

impl Frame {
    pub(crate) fn of(p: &Principal) -> Frame {
        let name = p.current().map(workspace_label).unwrap_or_default();
        let mut html = format!("<header class=\"ws\"><span class=\"ws-name\" id=\"ws-name\">{}</span>", escape(&name));
        if let Via::Session { token } = &p.via
            && p.workspaces.len() > 1
        {
            html.push_str(&format!(
                "<form method=\"post\" action=\"/workspace\" class=\"ws-switch\">\
                 <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
                 <label for=\"ws-switch\">Workspace</label> <select id=\"ws-switch\" name=\"workspace\">",
                escape(&auth::csrf_for_session(token))
            ));
            for w in p.workspaces.iter() {
                let selected = if w.id == p.workspace { " selected" } else { "" };
                html.push_str(&format!(
                    "<option value=\"{}\"{selected}>{}</option>",
                    w.id,
                    escape(&workspace_label(w))
                ));
            }
            html.push_str("</select> <button type=\"submit\">Switch</button></form>");
        }
        html.push_str("</header>");
        Frame { html }
    }

    /// Put the header into an HTML page's answer (other answers pass as they are).
    pub(crate) async fn apply(self, resp: Response) -> Response {
        let html = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if !html {
            return resp;
        }
        let (mut parts, body) = resp.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
            return ApiError::internal("a page's body could not be read").into_response();
        };
        let text = String::from_utf8_lossy(&bytes);
        let out = text.replacen(FRAME_MARK, &self.html, 1);
        parts.headers.remove(header::CONTENT_LENGTH);
        Response::from_parts(parts, axum::body::Body::from(out))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchForm {
    csrf: String,
    workspace: String,
}

#[utoipa::path(post, path = "/workspace", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, workspace (an id)"),
    responses((status = 303, description = "The session is in that workspace now, on to its today page"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 404, description = "Not a workspace of yours", body = Object)))]
pub async fn switch_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    form: Result<Form<SwitchForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    crate::pages::check_csrf(&p, &f.csrf)?;
    crate::workspaces::switch_workspace(&state, &p, &f.workspace).await?;
    Ok(Redirect::to("/").into_response())
}

fn sign_in_html(csrf: &str, error: Option<&str>) -> String {
    let error = error.map(|e| format!("<p role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    page(
        "Sign in",
        &format!(
            "<h1>Sign in to kith</h1>{error}<form method=\"post\" action=\"/signin\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <p><label for=\"email\">Email</label><br><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required autofocus></p>\
             <p><label for=\"password\">Password</label><br><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required></p>\
             <p><button type=\"submit\">Sign in</button></p></form>",
            csrf = escape(csrf)
        ),
    )
}

/// A fresh form token, set as a cookie and returned for the form's hidden field (double submit:
/// another site can make a browser post the cookie, but cannot read it to fill the field).
fn form_csrf(state: &AppState) -> Result<(String, String), ApiError> {
    let token = auth::new_secret().map_err(ApiError::internal)?;
    let cookie = auth::set_cookie(auth::FORM_CSRF_COOKIE, &token, 3600, state.config.cookie_secure);
    Ok((token, cookie))
}

#[utoipa::path(get, path = "/signin", tag = "web",
    responses((status = 200, description = "The sign-in form", content_type = "text/html")))]
pub async fn sign_in_page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (token, cookie) = form_csrf(&state)?;
    Ok(([(header::SET_COOKIE, cookie)], Html(sign_in_html(&token, None))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInForm {
    email: String,
    password: String,
    csrf: String,
}

pub(crate) fn form_error(e: FormRejection) -> ApiError {
    let status = if e.status().is_client_error() { e.status() } else { StatusCode::BAD_REQUEST };
    ApiError::new(status, "invalid_form", e.body_text())
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| auth::cookie(c, name))
        .map(str::to_string)
}

#[utoipa::path(post, path = "/signin", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "email, password, csrf"),
    responses((status = 303, description = "Signed in: the session cookie is set, on to the first page"),
              (status = 401, description = "Wrong email or password: the form again", content_type = "text/html"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object)))]
pub async fn sign_in_form(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    let expected = cookie_value(&headers, auth::FORM_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::same(&f.csrf, &expected) {
        return Err(ApiError::forbidden("the form is stale or was not sent from this site; reload it"));
    }
    match authenticate(&state, &f.email, f.password, addr).await {
        Ok((_, token)) => {
            let mut resp = Redirect::to("/").into_response();
            let h = resp.headers_mut();
            for c in [session_cookie(&state, &token), expired_cookie(&state, auth::FORM_CSRF_COOKIE)] {
                if let Ok(v) = c.parse() {
                    h.append(header::SET_COOKIE, v);
                }
            }
            Ok(resp)
        }
        Err(e) if e.status == StatusCode::UNAUTHORIZED || e.status == StatusCode::TOO_MANY_REQUESTS => {
            let (token, cookie) = form_csrf(&state)?;
            Ok((e.status, [(header::SET_COOKIE, cookie)], Html(sign_in_html(&token, Some(&e.message)))).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsrfForm {
    csrf: String,
}

#[utoipa::path(post, path = "/signout", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf"),
    responses((status = 303, description = "Signed out, back to the sign-in form"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object)))]
pub async fn sign_out_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    let Via::Session { token } = &p.via else {
        return Err(ApiError::bad_request("not_a_session", "sign-out ends a browser session; revoke tokens instead"));
    };
    if !auth::same(&f.csrf, &auth::csrf_for_session(token)) {
        return Err(ApiError::forbidden("the form is stale or was not sent from this site; reload it"));
    }
    end_session(&state, &p).await?;
    Ok(([(header::SET_COOKIE, expired_cookie(&state, auth::SESSION_COOKIE))], Redirect::to("/signin")).into_response())
}

/// The one stylesheet: readable on a 375 px phone and on a desktop, no web fonts.
const CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;color:#1b1b1b}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.2rem 0 .3rem}\
ul{list-style:none;padding:0;margin:0}li{padding:.5rem 0;border-bottom:1px solid #ddd;overflow-wrap:anywhere}\
.kind{font-size:.8rem;text-transform:uppercase;color:#555;margin-right:.3rem}.with{color:#555}.private{color:#555;font-style:italic}\
.overdue{color:#a40000;font-size:.9rem}input,button{font:inherit;padding:.5rem;max-width:100%;box-sizing:border-box}\
input[type=email],input[type=password]{width:100%}button{min-height:44px}\
input:not([type=hidden]),select,textarea{width:100%;font:inherit;padding:.5rem;box-sizing:border-box}\
nav{margin-bottom:.5rem}nav a,li a{display:inline-block;min-height:44px;line-height:44px}\
.tag{font-size:.8rem;background:#eee;border-radius:.3rem;padding:0 .3rem;margin-left:.2rem}\
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem;border-bottom:1px solid #ddd;vertical-align:top}\
:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}[role=alert]{color:#a40000}\
h3{font-size:1rem;margin:.8rem 0 .2rem}fieldset{border:1px solid #ddd;padding:.5rem}.check input{width:auto;min-width:24px;min-height:24px}\
.text{white-space:pre-wrap}.chain{font-weight:600}\
.actions form{display:inline-block;margin:.3rem .5rem 0 0;max-width:100%}.actions select{width:auto;max-width:100%}\
.board{display:grid;grid-template-columns:1fr;gap:1rem}\
@media(min-width:48rem){body:has(.board),body:has(svg.network){max-width:72rem}.board{grid-template-columns:repeat(3,1fr)}}\
svg.network{width:100%;height:auto;max-height:90vh;display:block}.edge{stroke:#bbb;stroke-width:1.5}\
.edge.path{stroke:#c64600;stroke-width:5}.node circle{fill:#1a5fb4}.node.centre circle{fill:#26a269}\
.node.path circle{fill:#c64600}.node text{font-size:15px;fill:#1b1b1b}\
.node:focus-visible circle{stroke:#000;stroke-width:4}\
svg.qr{width:100%;max-width:16rem;height:auto;display:block}pre{white-space:pre-wrap;overflow-wrap:anywhere}\
code.token{overflow-wrap:anywhere;font-size:.9rem}progress{width:100%}td{overflow-wrap:anywhere}\
div.ws{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;border-bottom:1px solid #ddd;padding-bottom:.3rem;margin-bottom:.5rem}\
.ws-name{font-weight:600}.ws-switch{display:flex;flex-wrap:wrap;gap:.3rem;align-items:center}.ws-switch select{width:auto;max-width:100%}";

#[utoipa::path(get, path = "/static/kith.css", tag = "web",
    responses((status = 200, description = "The stylesheet", content_type = "text/css")))]
pub async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}
