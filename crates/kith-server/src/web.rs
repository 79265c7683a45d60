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

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · kith</title></head><body><main>{body}</main></body></html>\n",
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

fn form_error(e: FormRejection) -> ApiError {
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
    responses((status = 200, description = "The first page: who is signed in", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn home(Extension(p): Extension<Principal>) -> Html<String> {
    let csrf = match &p.via {
        Via::Session { token } => auth::csrf_for_session(token),
        Via::Token => String::new(),
    };
    Html(page(
        "Home",
        &format!(
            "<h1>kith</h1><p>Signed in as {} ({}), {}.</p>\
             <form method=\"post\" action=\"/signout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <button type=\"submit\">Sign out</button></form>",
            escape(&p.user.name),
            escape(&p.user.email),
            p.role,
            escape(&csrf)
        ),
    ))
}
