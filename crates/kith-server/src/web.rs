//! The HTML side: sign-in and sign-out forms and a first page. Server-rendered, no JavaScript,
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

#[utoipa::path(get, path = "/", tag = "web",
    responses((status = 200, description = "Today: overdue and due tasks and hooks, events and birthdays of the next 7 days", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn home(State(state): State<AppState>, Extension(p): Extension<Principal>) -> Result<Html<String>, ApiError> {
    let now = state.now();
    let first = now.date();
    let agenda = state.pool.run(move |s| Ok(kith_store::agenda::agenda(s, &now, first, 7, Some(20))?)).await?;
    let csrf = match &p.via {
        Via::Session { token } => auth::csrf_for_session(token),
        Via::Token => String::new(),
    };
    let mut body = format!(
        "<header><h1>Today</h1><p>{} · {}</p></header>",
        escape(&p.user.name),
        escape(&first.strftime("%A %-d %B %Y").to_string())
    );
    if agenda.overdue_not_shown > 0 {
        body.push_str(&format!("<p>{} older overdue items not shown.</p>", agenda.overdue_not_shown));
    }
    if agenda.items.is_empty() {
        body.push_str("<p>Nothing due or scheduled in the next 7 days.</p>");
    }
    let mut day = String::new();
    for i in &agenda.items {
        let heading = if i.overdue { "Overdue".to_string() } else { i.date.clone() };
        if heading != day {
            if !day.is_empty() {
                body.push_str("</ul></section>");
            }
            body.push_str(&format!("<section><h2>{}</h2><ul>", escape(&heading)));
            day = heading;
        }
        let with = i.people.iter().map(|x| escape(&x.name)).collect::<Vec<_>>().join(", ");
        body.push_str(&format!(
            "<li><span class=\"kind\">{}</span> {}<strong>{}</strong>{}{}</li>",
            i.kind,
            i.time.as_deref().map(|t| format!("<time>{}</time> ", escape(t))).unwrap_or_default(),
            escape(&i.title),
            if with.is_empty() { String::new() } else { format!(" <span class=\"with\">with {with}</span>") },
            if i.overdue { format!(" <span class=\"overdue\">due {}</span>", escape(&i.date)) } else { String::new() },
        ));
    }
    if !day.is_empty() {
        body.push_str("</ul></section>");
    }
    body.push_str("<p><a href=\"/people\">People</a></p>");
    body.push_str(&format!(
        "<footer><p>{} ({})</p><form method=\"post\" action=\"/signout\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">Sign out</button></form></footer>",
        escape(&p.user.email),
        p.role,
        escape(&csrf)
    ));
    Ok(Html(page("Today", &body)))
}

/// The one stylesheet: readable on a 375 px phone and on a desktop, no web fonts.
const CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;color:#1b1b1b}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.2rem 0 .3rem}\
ul{list-style:none;padding:0;margin:0}li{padding:.5rem 0;border-bottom:1px solid #ddd;overflow-wrap:anywhere}\
.kind{font-size:.8rem;text-transform:uppercase;color:#555;margin-right:.3rem}.with{color:#555}\
.overdue{color:#a40000;font-size:.9rem}input,button{font:inherit;padding:.5rem;max-width:100%;box-sizing:border-box}\
input[type=email],input[type=password]{width:100%}button{min-height:44px}\
input:not([type=hidden]),select,textarea{width:100%;font:inherit;padding:.5rem;box-sizing:border-box}\
nav{margin-bottom:.5rem}nav a,li a{display:inline-block;min-height:44px;line-height:44px}\
.tag{font-size:.8rem;background:#eee;border-radius:.3rem;padding:0 .3rem;margin-left:.2rem}\
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem .8rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem;border-bottom:1px solid #ddd;vertical-align:top}\
:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}[role=alert]{color:#a40000}";

#[utoipa::path(get, path = "/static/kith.css", tag = "web",
    responses((status = 200, description = "The stylesheet", content_type = "text/css")))]
pub async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}
