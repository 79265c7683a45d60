//! `/settings`: the signed-in user's own account (display name, password, API tokens, business
//! card with its QR code) and, for owners and admins, the workspace's members and their roles.
//! Also the API routes behind the same actions: `GET /api/v1/me/tokens`,
//! `DELETE /api/v1/tokens/{id}`, `GET/POST /api/v1/members`, `PATCH /api/v1/members/{id}`.
//!
//! "My card" on a server: the account is not a person record, so the card is the workspace's
//! person whose email is the account's email (as `kith me card` writes it: how to reach them and
//! their pitch, never private notes or tags), or, when there is none or the user is a guest (who
//! never sees the workspace's people), a card of the account's name and email.
//!
//! Access: the routes' rules decide who reaches them; a token of someone else is revoked only by
//! owners and admins (`can(Manage, Accounts)`), otherwise it does not exist for the caller.

use axum::Extension;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kith_core::Id;
use kith_core::model::Email;
use kith_store::Store;
use kith_store::accounts::{Role, TokenInfo, User};
use kith_store::members::MemberChange;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::access::{Action, Principal, Reach, Resource, Via, can};
use crate::auth;
use crate::error::{ApiError, Body, PathId, Query};
use crate::pages::{alert, check_csrf, csrf_of, nav, nonempty};
use crate::state::AppState;
use crate::web::{escape, form_error, page};

// ---------------------------------------------------------------------------------------------
// The rules shared by the API and the page

fn ms_text(ms: Option<i64>, state: &AppState) -> String {
    ms.and_then(|m| jiff::Timestamp::from_millisecond(m).ok())
        .map(|t| t.to_zoned_datetime(state.tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// A display name: 1 to 100 characters, no control characters.
fn display_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::invalid("the name cannot be empty"));
    }
    if name.chars().count() > 100 {
        return Err(ApiError::invalid("the name is at most 100 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid("the name cannot hold control characters"));
    }
    Ok(name.to_string())
}

fn new_password(new: &str) -> Result<(), ApiError> {
    if new.chars().count() < auth::MIN_PASSWORD {
        return Err(ApiError::invalid(format!("the new password must be at least {} characters", auth::MIN_PASSWORD)));
    }
    Ok(())
}

/// Change the principal's password after checking the current one (argon2id); the user's other
/// sessions end. Wrong current passwords count against the account like failed sign-ins.
/// `wrong` is the error for a wrong current password (the API's 403, the page's 422).
pub(crate) async fn change_password(
    state: &AppState,
    p: &Principal,
    current: String,
    new: String,
    wrong: fn() -> ApiError,
) -> Result<(), ApiError> {
    new_password(&new)?;
    let key = format!("account:{}", p.user.email);
    if state.limiter.blocked(&key, state.config.sign_in_attempts_per_account).is_some() {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many wrong passwords; try later",
        ));
    }
    let (user, email) = (p.user.id, p.user.email.clone());
    let keep = match &p.via {
        Via::Session { token } => Some(auth::token_hash(token)),
        Via::Token => None,
    };
    let changed = state
        .pool
        .accounts(move |s| {
            let stored = s.user_by_email(&email)?.and_then(|(_, h)| h);
            if !auth::verify_password(&current, stored.as_deref()) {
                return Ok(false);
            }
            let hash = auth::hash_password(&new).map_err(ApiError::internal)?;
            s.set_password_hash(user, &hash)?;
            s.delete_other_sessions(user, keep.as_deref())?;
            Ok(true)
        })
        .await?;
    if !changed {
        state.limiter.fail(&key);
        return Err(wrong());
    }
    state.limiter.clear(&key);
    tracing::info!(user = %p.user.id, "password changed");
    Ok(())
}

/// A new token for the principal: its id and the secret, which exists only in this answer.
async fn create_token(
    state: &AppState,
    p: &Principal,
    name: Option<String>,
    read_only: bool,
) -> Result<(Id, String), ApiError> {
    let name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return Err(ApiError::invalid("a token's name is at most 100 characters"));
    }
    let token = auth::new_api_token().map_err(ApiError::internal)?;
    let (hash, now, user, ws) = (auth::token_hash(&token), state.now_ms(), p.user.id, p.workspace);
    // Bound to the workspace it is made in.
    let id = state
        .pool
        .accounts(move |s| Ok(s.create_api_token_in(&hash, user, name.as_deref(), read_only, Some(ws), now)?))
        .await?;
    tracing::info!(user = %p.user.id, token = %id, "token created");
    Ok((id, token))
}

/// Revoke a token: the principal's own, or anyone's for owners and admins; any other token does
/// not exist for the caller (404).
async fn revoke_token(state: &AppState, p: &Principal, id: Id) -> Result<(), ApiError> {
    let (me, any) = (p.user.id, can(p, Action::Manage, Resource::Accounts));
    let now = state.now_ms();
    state
        .pool
        .accounts(move |s| {
            match s.api_token_user(id)? {
                Some(owner) if owner == me || any => {}
                _ => return Err(ApiError::not_found(format!("no token {id}"))),
            }
            s.revoke_api_token(&id.to_string(), now)?;
            Ok(())
        })
        .await?;
    tracing::info!(user = %p.user.id, token = %id, "token revoked");
    Ok(())
}

fn role_of(s: &str) -> Result<Role, ApiError> {
    s.parse::<Role>().map_err(|e| ApiError::invalid(e.to_string()))
}

/// Only an owner gives or takes away the owner role.
fn may_touch_owner(p: &Principal, from: Option<Role>, to: Option<Role>) -> Result<(), ApiError> {
    if p.role != Role::Owner && (from == Some(Role::Owner) || to == Some(Role::Owner)) {
        return Err(ApiError::forbidden("only an owner may make or change an owner"));
    }
    Ok(())
}

/// A new member of the current workspace: a user of the server by email, or a new account
/// (then with a name and a first password).
#[derive(Deserialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub email: String,
    /// For a new account
    #[serde(default)]
    pub name: String,
    /// owner, admin, member (the default), viewer or guest
    pub role: Option<String>,
    /// For a new account: the first password (at least 8 characters); they change it in their
    /// settings
    #[serde(default)]
    pub password: String,
}

async fn add_member(state: &AppState, p: &Principal, b: NewMember) -> Result<(User, Role), ApiError> {
    let email = Email::parse(&b.email).map_err(|e| ApiError::invalid(e.to_string()))?;
    let role = match nonempty(&b.role) {
        Some(r) => role_of(r)?,
        None => Role::Member,
    };
    may_touch_owner(p, None, Some(role))?;
    if p.personal() {
        return Err(ApiError::invalid("a personal workspace has no other members"));
    }
    // A new account needs a name and a password; an existing one is only added to the workspace.
    let new = if b.password.is_empty() && b.name.trim().is_empty() {
        None
    } else {
        let name = display_name(&b.name)?;
        new_password(&b.password)?;
        Some((name, auth::hash_password(&b.password).map_err(ApiError::internal)?))
    };
    let (now, ws) = (state.now_ms(), p.workspace);
    let user = state
        .pool
        .accounts(move |s| match (s.user_by_email(email.as_str())?, new) {
            (Some((u, _)), None) => {
                if s.role_in(u.id, ws)?.is_some() {
                    return Err(ApiError::invalid(format!("{} is a member already", email.as_str())));
                }
                s.add_member(ws, u.id, role, now)?;
                Ok(u)
            }
            (Some(_), Some(_)) => Err(ApiError::invalid(format!(
                "{} has an account already: add it without a name and password",
                email.as_str()
            ))),
            (None, Some((name, hash))) => Ok(s.add_user_to(email.as_str(), &name, Some(&hash), role, Some(ws), now)?),
            (None, None) => Err(ApiError::invalid(format!(
                "{} has no account: give a name and a first password to make one",
                email.as_str()
            ))),
        })
        .await?;
    tracing::info!(by = %p.user.id, user = %user.id, role = %role, "member added");
    Ok((user, role))
}

async fn change_member(
    state: &AppState,
    p: &Principal,
    id: Id,
    role: Option<Role>,
    disabled: Option<bool>,
) -> Result<(User, Role), ApiError> {
    let who = p.clone();
    let out = state
        .pool
        .run(move |s| {
            let Some((_, current)) = s.member(id)? else { return Err(ApiError::not_found(format!("no member {id}"))) };
            may_touch_owner(&who, current, role)?;
            s.change_member(id, MemberChange { role, disabled }).map_err(|e| match e {
                kith_store::Error::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "last_owner", m),
                e => e.into(),
            })
        })
        .await?;
    tracing::info!(by = %p.user.id, user = %id, "member changed");
    Ok(out)
}

fn member_json(u: &User, role: Option<Role>) -> serde_json::Value {
    json!({ "user": u, "role": role })
}

// ---------------------------------------------------------------------------------------------
// The API routes

#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "accounts",
    responses((status = 200, description = "The caller's own API tokens (never the secrets), newest first", body = Object)))]
pub async fn my_tokens(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, ApiError> {
    let user = p.user.id;
    let items = state.pool.run(move |s| Ok(s.api_tokens_of(user)?)).await?;
    Ok(axum::Json(json!({ "items": items })).into_response())
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked (revoking twice is fine): the token no longer signs in"),
              (status = 404, description = "No such token, or another user's (owners and admins revoke anyone's)", body = Object)))]
pub async fn token_revoke(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    revoke_token(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/members", tag = "accounts",
    responses((status = 200, description = "The workspace's users with their roles, by email; owners and admins only", body = Object)))]
pub async fn members_list(State(state): State<AppState>) -> Result<Response, ApiError> {
    let users = state.pool.run(|s| Ok(s.users()?)).await?;
    let items: Vec<_> = users.iter().map(|(u, r)| member_json(u, *r)).collect();
    Ok(axum::Json(json!({ "items": items })).into_response())
}

#[utoipa::path(post, path = "/api/v1/members", tag = "accounts", request_body = NewMember,
    responses((status = 201, description = "The member added", body = Object),
              (status = 403, description = "Only an owner adds an owner", body = Object),
              (status = 422, description = "A value is not valid, or the email has an account already", body = Object)))]
pub async fn member_create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<NewMember>,
) -> Result<Response, ApiError> {
    let (u, role) = add_member(&state, &p, b).await?;
    Ok((StatusCode::CREATED, axum::Json(member_json(&u, Some(role)))).into_response())
}

/// A change to a member: a role, disabled or enabled again.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    /// owner, admin, member, viewer or guest
    pub role: Option<String>,
    pub disabled: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/members/{id}", tag = "accounts", request_body = MemberPatch,
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 200, description = "The member after the change", body = Object),
              (status = 403, description = "Only an owner makes or changes an owner", body = Object),
              (status = 404, description = "No such member", body = Object),
              (status = 409, description = "The last enabled owner cannot be demoted or disabled", body = Object),
              (status = 422, description = "Not a role, or nothing to change", body = Object)))]
pub async fn member_patch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    Body(b): Body<MemberPatch>,
) -> Result<Response, ApiError> {
    let role = b.role.as_deref().map(role_of).transpose()?;
    if role.is_none() && b.disabled.is_none() {
        return Err(ApiError::invalid("nothing to change: give role or disabled"));
    }
    let (u, role) = change_member(&state, &p, id, role, b.disabled).await?;
    Ok(axum::Json(member_json(&u, Some(role))).into_response())
}

// ---------------------------------------------------------------------------------------------
// The page

/// What the page shows besides the account: a message for one of its forms, or a new token.
#[derive(Default)]
struct Shown {
    /// (form, message): the form it belongs to and why it was refused.
    refused: Option<(&'static str, String)>,
    /// A token just created: shown on this page only.
    new_token: Option<(String, bool)>,
    notice: Option<String>,
    /// The values of a refused "add a member" form.
    member: NewMember,
}

/// The account's card: the workspace's person with the account's email, else name and email.
fn my_card(s: &mut Store, user: &User, sees_people: bool) -> Result<(String, bool), ApiError> {
    if sees_people
        && let Some(id) = s.person_with_email(&user.email)?
        && let Some(card) = kith_store::export::business_card(s, id)?
    {
        return Ok((card, true));
    }
    let c = kith_interop::Contact {
        name: user.name.clone(),
        emails: vec![kith_interop::Entry {
            value: user.email.clone(),
            key: user.email.to_lowercase(),
            label: None,
            pref: true,
        }],
        ..Default::default()
    };
    let mut card = String::new();
    kith_interop::vcard::write(&mut card, &c, &format!("urn:uuid:{}", user.id), kith_interop::vcard::Version::V4);
    Ok((card, false))
}

/// A QR code as inline SVG: one path of dark modules, a quiet zone of 4, scaled by the page.
pub(crate) fn qr_svg(text: &str, label: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L).ok()?;
    let w = code.width();
    let side = w + 8;
    let mut d = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            d.push_str(&format!("M{} {}h1v1h-1z", i % w + 4, i / w + 4));
        }
    }
    Some(format!(
        "<svg class=\"qr\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {side} {side}\" xmlns=\"http://www.w3.org/2000/svg\" \
         shape-rendering=\"crispEdges\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{d}\"/></svg>",
        escape(label)
    ))
}

fn role_select(id: &str, chosen: Role, may_owner: bool) -> String {
    let opts: String = Role::ALL
        .iter()
        .filter(|r| may_owner || **r != Role::Owner || chosen == Role::Owner)
        .map(|r| {
            let sel = if *r == chosen { " selected" } else { "" };
            format!("<option value=\"{r}\"{sel}>{r}</option>")
        })
        .collect();
    format!("<select id=\"{id}\" name=\"role\">{opts}</select>")
}

async fn settings_html(state: &AppState, p: &Principal, shown: Shown) -> Result<String, ApiError> {
    let (user, me) = (p.user.clone(), p.clone());
    let manage = can(p, Action::Manage, Resource::Accounts);
    let (tokens, card, members) = state
        .pool
        .run(move |s| {
            let sees_people = Reach::of(s, &me)?.sees_people();
            let tokens: Vec<TokenInfo> = s.api_tokens_of(user.id)?;
            let card = my_card(s, &user, sees_people)?;
            let members: Vec<(User, Option<Role>)> = if manage { s.users()? } else { Vec::new() };
            Ok((tokens, card, members))
        })
        .await?;
    let csrf = escape(&csrf_of(p));
    let hidden = format!("<input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">");
    let message = |form: &str| match &shown.refused {
        Some((f, m)) if *f == form => alert(m),
        _ => String::new(),
    };
    let mut b = format!("<header>{}<h1>Settings</h1></header>", nav());
    if let Some(n) = &shown.notice {
        b.push_str(&format!("<p role=\"status\">{}</p>", escape(n)));
    }
    b.push_str(&format!("<p>Signed in as {} ({}), {}.</p>", escape(&p.user.name), escape(&p.user.email), p.role));

    // Profile
    b.push_str(&format!(
        "<section aria-labelledby=\"profile\"><h2 id=\"profile\">Profile</h2>{}\
         <form method=\"post\" action=\"/settings/profile\">{hidden}\
         <p><label for=\"name\">Display name</label><br><input id=\"name\" name=\"name\" required autocomplete=\"name\" value=\"{}\"></p>\
         <p><button type=\"submit\">Save the name</button></p></form></section>",
        message("profile"),
        escape(&p.user.name)
    ));

    // Password
    b.push_str(&format!(
        "<section aria-labelledby=\"password\"><h2 id=\"password\">Password</h2>{}\
         <form method=\"post\" action=\"/settings/password\">{hidden}\
         <p><label for=\"current\">Current password</label><br><input id=\"current\" name=\"current\" type=\"password\" autocomplete=\"current-password\" required></p>\
         <p><label for=\"new\">New password (at least {} characters)</label><br><input id=\"new\" name=\"new\" type=\"password\" autocomplete=\"new-password\" required minlength=\"{}\"></p>\
         <p><label for=\"confirm\">New password again</label><br><input id=\"confirm\" name=\"confirm\" type=\"password\" autocomplete=\"new-password\" required></p>\
         <p><button type=\"submit\">Change the password</button></p><p class=\"with\">Your other sign-ins end.</p></form></section>",
        message("password"),
        auth::MIN_PASSWORD,
        auth::MIN_PASSWORD
    ));

    // Tokens
    b.push_str("<section aria-labelledby=\"tokens\"><h2 id=\"tokens\">API tokens</h2>");
    b.push_str(&message("tokens"));
    if let Some((token, read_only)) = &shown.new_token {
        b.push_str(&format!(
            "<div role=\"status\"><p>Your new {}token; copy it now, it is not shown again:</p>\
             <p><code class=\"token\">{}</code></p></div>",
            if *read_only { "read-only " } else { "" },
            escape(token)
        ));
    }
    if tokens.is_empty() {
        b.push_str("<p>No tokens.</p>");
    } else {
        b.push_str(
            "<table><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Created</th><th scope=\"col\">Access</th>\
             <th scope=\"col\">State</th></tr></thead><tbody>",
        );
        for t in &tokens {
            let name = t.name.as_deref().map(escape).unwrap_or_else(|| "(no name)".to_string());
            let state_cell = match t.revoked_at {
                Some(at) => format!("revoked {}", ms_text(Some(at), state)),
                None => format!(
                    "active<form method=\"post\" action=\"/settings/tokens/{id}/revoke\">{hidden}\
                     <button type=\"submit\" aria-label=\"Revoke the token {name}\">Revoke</button></form>",
                    id = t.id,
                ),
            };
            b.push_str(&format!(
                "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{state_cell}</td></tr>",
                ms_text(Some(t.created_at), state),
                if t.read_only { "read-only" } else { "read and write" },
            ));
        }
        b.push_str("</tbody></table>");
    }
    b.push_str(&format!(
        "<h3>New token</h3><form method=\"post\" action=\"/settings/tokens\">{hidden}\
         <p><label for=\"token-name\">What it is for</label><br><input id=\"token-name\" name=\"name\" placeholder=\"backup script\"></p>\
         <p class=\"check\"><input id=\"read_only\" name=\"read_only\" type=\"checkbox\" value=\"on\"> <label for=\"read_only\">Read only</label></p>\
         <p><button type=\"submit\">Create a token</button></p></form></section>"
    ));

    // Card
    let (card_text, linked) = &card;
    b.push_str("<section aria-labelledby=\"card\"><h2 id=\"card\">My card</h2>");
    b.push_str(if *linked {
        "<p class=\"with\">From the person in the workspace with your email.</p>"
    } else {
        "<p class=\"with\">Your account's name and email (no person in the workspace has your email).</p>"
    });
    match qr_svg(card_text, "QR code of your card") {
        Some(svg) => b.push_str(&svg),
        None => b.push_str("<p>The card is too long for a QR code.</p>"),
    }
    b.push_str(&format!("<pre class=\"card\">{}</pre></section>", escape(card_text)));

    b.push_str(&crate::workspaces::settings_section(p, &hidden, state.pool.home, &message("workspaces")));

    // Members
    if manage && !p.personal() {
        let may_owner = p.role == Role::Owner;
        b.push_str("<section aria-labelledby=\"members\"><h2 id=\"members\">Members and roles</h2>");
        b.push_str(&message("members"));
        b.push_str("<ul class=\"members\">");
        for (u, role) in &members {
            let role = role.unwrap_or(Role::Guest);
            let fid = format!("m-{}", u.id);
            b.push_str(&format!(
                "<li><strong>{}</strong> {} <span class=\"with\">{}{}</span>\
                 <form method=\"post\" action=\"/settings/members/{}\">{hidden}\
                 <p><label for=\"{fid}\">Role of {}</label><br>{}</p>\
                 <p><label for=\"{fid}-state\">Account</label><br><select id=\"{fid}-state\" name=\"state\">\
                 <option value=\"enabled\"{}>enabled</option><option value=\"disabled\"{}>disabled</option></select></p>\
                 <p><button type=\"submit\">Save</button></p></form>\
                 <form method=\"post\" action=\"/settings/members/{}/remove\">{hidden}\
                 <button type=\"submit\" aria-label=\"Remove {} from this workspace\">Remove from this workspace</button></form></li>",
                escape(&u.name),
                escape(&u.email),
                role,
                if u.disabled { ", disabled" } else { "" },
                u.id,
                escape(&u.email),
                role_select(&fid, role, may_owner),
                if u.disabled { "" } else { " selected" },
                if u.disabled { " selected" } else { "" },
                u.id,
                escape(&u.email),
            ));
        }
        b.push_str("</ul>");
        let f = &shown.member;
        let chosen = nonempty(&f.role).and_then(|r| r.parse().ok()).unwrap_or(Role::Member);
        b.push_str(&format!(
            "<h3>Add a member</h3><form method=\"post\" action=\"/settings/members\">{hidden}\
             <p><label for=\"m-email\">Email</label><br><input id=\"m-email\" name=\"email\" type=\"email\" required value=\"{}\"></p>\
             <p class=\"with\">A user of this server joins with the role; for someone new, give a name and a first password too.</p>\
             <p><label for=\"m-name\">Name (new account)</label><br><input id=\"m-name\" name=\"name\" value=\"{}\"></p>\
             <p><label for=\"m-role\">Role</label><br>{}</p>\
             <p><label for=\"m-password\">First password (new account, at least {} characters)</label><br>\
             <input id=\"m-password\" name=\"password\" type=\"password\" autocomplete=\"new-password\"></p>\
             <p><button type=\"submit\">Add the member</button></p></form></section>",
            escape(&f.email),
            escape(&f.name),
            role_select("m-role", chosen, may_owner),
            auth::MIN_PASSWORD
        ));
    }
    Ok(page("Settings", &b))
}

/// A refused form: the page again with its message and the error's status (422 for bad input,
/// 409 for the last owner, 429 when rate limited); other errors as they are.
async fn refused(state: &AppState, p: &Principal, e: ApiError, form: &'static str, member: NewMember) -> Response {
    if ![StatusCode::UNPROCESSABLE_ENTITY, StatusCode::CONFLICT, StatusCode::TOO_MANY_REQUESTS].contains(&e.status) {
        return e.into_response();
    }
    let shown = Shown { refused: Some((form, e.message)), member, ..Default::default() };
    match settings_html(state, p, shown).await {
        Ok(html) => (e.status, Html(html)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A refused workspace form (rename, leave, delete): the settings page with why, or the error.
pub(crate) async fn refused_workspace(state: &AppState, p: &Principal, e: ApiError) -> Response {
    refused(state, p, e, "workspaces", NewMember::default()).await
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SettingsQuery {
    /// What was just done, for the notice: name, password, revoked, member, workspace, renamed,
    /// left, deleted.
    done: Option<String>,
}

#[utoipa::path(get, path = "/settings", tag = "web",
    params(("done" = Option<String>, Query, description = "What was just done (name, password, revoked, member, workspace, renamed, left, deleted), for the notice")),
    responses((status = 200, description = "The account's settings: profile, password, API tokens, my card; members and roles for owners and admins", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn settings_page(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<SettingsQuery>,
) -> Result<Response, ApiError> {
    let notice = match nonempty(&q.done) {
        Some("name") => Some("Your name is saved."),
        Some("password") => Some("Your password is changed; your other sign-ins have ended."),
        Some("revoked") => Some("The token is revoked."),
        Some("member") => Some("The member is saved."),
        Some("workspace") => Some("The workspace is made, and you are in it now."),
        Some("renamed") => Some("The workspace is renamed."),
        Some("left") => Some("You have left the workspace."),
        Some("deleted") => Some("The workspace is deleted, with all its records."),
        _ => None,
    };
    let shown = Shown { notice: notice.map(str::to_string), ..Default::default() };
    Ok(Html(settings_html(&state, &p, shown).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileForm {
    csrf: String,
    name: Option<String>,
}

#[utoipa::path(post, path = "/settings/profile", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, name"),
    responses((status = 303, description = "Saved: back to the settings"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 422, description = "The name is not valid: the page with the message; nothing was written", content_type = "text/html")))]
pub async fn profile_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    form: Result<Form<ProfileForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let user = p.user.id;
    let result = match display_name(f.name.as_deref().unwrap_or("")) {
        Ok(name) => state.pool.run(move |s| Ok(s.set_user_name(user, &name)?)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/settings?done=name").into_response()),
        Err(e) => Ok(refused(&state, &p, e, "profile", NewMember::default()).await),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    confirm: String,
}

#[utoipa::path(post, path = "/settings/password", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, current, new, confirm"),
    responses((status = 303, description = "Changed, the other sessions ended: back to the settings"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 422, description = "The current password is wrong, the new one too short or not confirmed: the page with the message", content_type = "text/html"),
              (status = 429, description = "Too many wrong passwords: the page with the message", content_type = "text/html")))]
pub async fn password_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    form: Result<Form<PasswordForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let result = if f.new != f.confirm {
        Err(ApiError::invalid("the new password and its confirmation differ"))
    } else {
        change_password(&state, &p, f.current, f.new, || ApiError::invalid("the current password is wrong")).await
    };
    match result {
        Ok(()) => Ok(Redirect::to("/settings?done=password").into_response()),
        Err(e) => Ok(refused(&state, &p, e, "password", NewMember::default()).await),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenForm {
    csrf: String,
    name: Option<String>,
    read_only: Option<String>,
}

#[utoipa::path(post, path = "/settings/tokens", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, name, read_only"),
    responses((status = 201, description = "Created: the settings page with the token, shown this once", content_type = "text/html"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 422, description = "The name is too long: the page with the message; nothing was written", content_type = "text/html")))]
pub async fn token_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let read_only = nonempty(&f.read_only).is_some();
    match create_token(&state, &p, f.name, read_only).await {
        Ok((_, token)) => {
            let shown = Shown { new_token: Some((token, read_only)), ..Default::default() };
            Ok((StatusCode::CREATED, Html(settings_html(&state, &p, shown).await?)).into_response())
        }
        Err(e) => Ok(refused(&state, &p, e, "tokens", NewMember::default()).await),
    }
}

/// A form whose only field is its CSRF token (revoke, remove, leave…).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsrfOnly {
    pub(crate) csrf: String,
}

#[utoipa::path(post, path = "/settings/tokens/{id}/revoke", tag = "web",
    params(("id" = String, Path, description = "The token's id")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf"),
    responses((status = 303, description = "Revoked: back to the settings"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 404, description = "No such token of yours", body = Object)))]
pub async fn revoke_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    revoke_token(&state, &p, id).await?;
    Ok(Redirect::to("/settings?done=revoked").into_response())
}

/// The "add a member" form (fields a browser may leave out are optional).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberForm {
    csrf: String,
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
    password: Option<String>,
}

#[utoipa::path(post, path = "/settings/members", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, email, name, role, password"),
    responses((status = 303, description = "Added: back to the settings"),
              (status = 403, description = "The form's CSRF token is missing or wrong, or only an owner adds an owner", body = Object),
              (status = 422, description = "A value is not valid or the email has an account: the page with the message; nothing was written", content_type = "text/html")))]
pub async fn add_member_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    form: Result<Form<MemberForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let input = NewMember {
        email: f.email.unwrap_or_default(),
        name: f.name.unwrap_or_default(),
        role: f.role,
        password: f.password.unwrap_or_default(),
    };
    // The password is never sent back into the form.
    let sent = NewMember { password: String::new(), ..input.clone() };
    match add_member(&state, &p, input).await {
        Ok(_) => Ok(Redirect::to("/settings?done=member").into_response()),
        Err(e) => Ok(refused(&state, &p, e, "members", sent).await),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberChangeForm {
    csrf: String,
    role: Option<String>,
    /// enabled or disabled
    state: Option<String>,
}

#[utoipa::path(post, path = "/settings/members/{id}", tag = "web",
    params(("id" = String, Path, description = "The user's id")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, role, state (enabled or disabled)"),
    responses((status = 303, description = "Saved: back to the settings"),
              (status = 403, description = "The form's CSRF token is missing or wrong, or only an owner changes an owner", body = Object),
              (status = 404, description = "No such member", body = Object),
              (status = 409, description = "The last owner cannot be demoted or disabled: the page with the message", content_type = "text/html"),
              (status = 422, description = "Not a role or state: the page with the message", content_type = "text/html")))]
pub async fn change_member_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    form: Result<Form<MemberChangeForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let parsed = (|| {
        let role = nonempty(&f.role).map(role_of).transpose()?;
        let disabled = match nonempty(&f.state) {
            None => None,
            Some("enabled") => Some(false),
            Some("disabled") => Some(true),
            Some(other) => return Err(ApiError::invalid(format!("`{other}` is not enabled or disabled"))),
        };
        Ok((role, disabled))
    })();
    let result = match parsed {
        Ok((role, disabled)) => change_member(&state, &p, id, role, disabled).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/settings?done=member").into_response()),
        Err(e) => Ok(refused(&state, &p, e, "members", NewMember::default()).await),
    }
}
