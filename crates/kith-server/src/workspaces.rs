//! Workspaces on the server: the user's list, creating a team workspace, moving a session to
//! another of one's workspaces, taking a member out of the current one. The stores behind them
//! are `state::Pools`; the rule that a workspace's records stay in its store is
//! `kith_store::workspaces`.
//!
//! A workspace the caller is not a member of does not exist for them: switching to it is a 404
//! like switching to an id that names nothing, so its existence does not leak.

use axum::Extension;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kith_core::Id;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::access::{Principal, Via};
use crate::auth;
use crate::error::{ApiError, Body, PathId};
use crate::pages::check_csrf;
use crate::pages_settings::CsrfOnly;
use crate::state::AppState;
use crate::web::{escape, form_error, workspace_label};

fn workspace_json(w: &kith_store::workspaces::Workspace, current: Id) -> serde_json::Value {
    json!({ "id": w.id, "name": w.name, "kind": w.kind, "role": w.role, "current": w.id == current })
}

/// Move the principal's session into workspace `id` (text from a form or a body): a 404 for
/// anything that is not one of the user's workspaces, a 422 for a token (bound to its own).
pub(crate) async fn switch_workspace(state: &AppState, p: &Principal, id: &str) -> Result<Id, ApiError> {
    let not_found = || ApiError::not_found("no such workspace");
    let Via::Session { token } = &p.via else {
        return Err(ApiError::invalid("an API token stays in the workspace it was made for; make one for the other"));
    };
    let ws: Id = id.trim().parse().map_err(|_| not_found())?;
    let (hash, user) = (auth::token_hash(token), p.user.id);
    state
        .pool
        .accounts(move |s| {
            if s.role_in(user, ws)?.is_none() {
                return Err(not_found());
            }
            s.set_session_workspace(&hash, ws)?;
            Ok(())
        })
        .await?;
    tracing::info!(user = %p.user.id, workspace = %ws, "workspace switched");
    Ok(ws)
}

#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces",
    responses((status = 200, description = "The caller's workspaces (team ones, then their personal one) with their role in each and `current` on the one this request works in", body = Object)))]
pub async fn list(Extension(p): Extension<Principal>) -> impl IntoResponse {
    let items: Vec<_> = p.workspaces.iter().map(|w| workspace_json(w, p.workspace)).collect();
    axum::Json(json!({ "items": items, "current": p.workspace }))
}

/// A new team workspace; the caller becomes its owner.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorkspace {
    /// 1 to 100 characters
    pub name: String,
}

async fn create_workspace(
    state: &AppState,
    p: &Principal,
    name: String,
) -> Result<kith_store::workspaces::Workspace, ApiError> {
    let (user, now) = (p.user.id, state.now_ms());
    let w = state.pool.accounts(move |s| Ok(s.create_team_workspace(&name, user, now)?)).await?;
    tracing::info!(user = %p.user.id, workspace = %w.id, "team workspace created");
    Ok(w)
}

#[utoipa::path(post, path = "/api/v1/workspaces", tag = "workspaces", request_body = NewWorkspace,
    responses((status = 201, description = "The team workspace, with the caller as its owner", body = Object),
              (status = 422, description = "No name, or too long", body = Object)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<NewWorkspace>,
) -> Result<Response, ApiError> {
    let w = create_workspace(&state, &p, b.name).await?;
    Ok((StatusCode::CREATED, axum::Json(workspace_json(&w, p.workspace))).into_response())
}

/// The workspace a session moves to.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchBody {
    /// A workspace id from `GET /api/v1/workspaces`
    pub workspace: String,
}

#[utoipa::path(post, path = "/api/v1/session/workspace", tag = "workspaces", request_body = SwitchBody,
    responses((status = 200, description = "The session works in that workspace from the next request on", body = Object),
              (status = 404, description = "Not a workspace of the caller's", body = Object),
              (status = 422, description = "An API token: it stays in its workspace", body = Object)))]
pub async fn session_switch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<SwitchBody>,
) -> Result<Response, ApiError> {
    let ws = switch_workspace(&state, &p, &b.workspace).await?;
    Ok(axum::Json(json!({ "current": ws })).into_response())
}

async fn remove_member(state: &AppState, p: &Principal, id: Id) -> Result<(), ApiError> {
    let (ws, me) = (p.workspace, p.clone());
    state
        .pool
        .accounts(move |s| {
            let Some(role) = s.role_in(id, ws)? else { return Err(ApiError::not_found(format!("no member {id}"))) };
            if role == kith_store::accounts::Role::Owner && me.role != kith_store::accounts::Role::Owner {
                return Err(ApiError::forbidden("only an owner may remove an owner"));
            }
            s.remove_member(ws, id).map_err(|e| match e {
                kith_store::Error::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "last_owner", m),
                e => e.into(),
            })?;
            Ok(())
        })
        .await?;
    tracing::info!(by = %p.user.id, user = %id, "member removed");
    Ok(())
}

#[utoipa::path(delete, path = "/api/v1/members/{id}", tag = "accounts",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 204, description = "No longer a member of the current workspace (the account stays)"),
              (status = 403, description = "Only an owner removes an owner", body = Object),
              (status = 404, description = "No such member", body = Object),
              (status = 409, description = "The last owner, or a personal workspace's owner, stays", body = Object)))]
pub async fn member_remove(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    remove_member(&state, &p, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameForm {
    csrf: String,
    name: Option<String>,
}

#[utoipa::path(post, path = "/settings/workspaces", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, name"),
    responses((status = 303, description = "Made, with the caller as owner; the session moves into it"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 422, description = "No name, or too long", body = Object)))]
pub async fn create_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    form: Result<Form<NameForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let w = create_workspace(&state, &p, f.name.unwrap_or_default()).await?;
    if matches!(p.via, Via::Session { .. }) {
        // The new workspace is not in the principal's list yet: the store checks membership.
        switch_workspace(&state, &p, &w.id.to_string()).await?;
    }
    Ok(Redirect::to("/settings?done=workspace").into_response())
}

#[utoipa::path(post, path = "/settings/members/{id}/remove", tag = "web",
    params(("id" = String, Path, description = "The user's id")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf"),
    responses((status = 303, description = "Removed from the current workspace: back to the settings"),
              (status = 403, description = "The form's CSRF token is missing or wrong, or only an owner removes an owner", body = Object),
              (status = 404, description = "No such member", body = Object),
              (status = 409, description = "The last owner stays", body = Object)))]
pub async fn remove_member_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    remove_member(&state, &p, id).await?;
    Ok(Redirect::to("/settings?done=member").into_response())
}

/// The settings page's workspaces section: the user's workspaces, with "rename" for their
/// owners and admins, "leave" for a team workspace's members and "delete" (typing its name)
/// for its owners unless it is the server's first one (`home`); then the "new team workspace"
/// form (`hidden` is the forms' CSRF field, `refusal` why the last of these forms was refused).
pub(crate) fn settings_section(p: &Principal, hidden: &str, home: Id, refusal: &str) -> String {
    use kith_store::accounts::Role;
    let mut b = format!(
        "<section aria-labelledby=\"workspaces\"><h2 id=\"workspaces\">Workspaces</h2>{refusal}<ul class=\"workspaces\">"
    );
    for w in p.workspaces.iter() {
        let role = w.role.map(|r| r.to_string()).unwrap_or_default();
        let current = if w.id == p.workspace { " (current)" } else { "" };
        let label = escape(&workspace_label(w));
        b.push_str(&format!("<li>{label} <span class=\"with\">{role}{current}</span>"));
        if w.kind == kith_store::workspaces::WorkspaceKind::Team {
            let id = w.id;
            if matches!(w.role, Some(Role::Owner | Role::Admin)) {
                b.push_str(&format!(
                    "<form method=\"post\" action=\"/settings/workspaces/{id}/rename\">{hidden}\
                     <p><label for=\"ws-rename-{id}\">New name for {label}</label><br>\
                     <input id=\"ws-rename-{id}\" name=\"name\" required maxlength=\"100\" value=\"{label}\"> \
                     <button type=\"submit\">Rename</button></p></form>"
                ));
            }
            b.push_str(&format!(
                "<form method=\"post\" action=\"/settings/workspaces/{id}/leave\">{hidden}\
                 <p><button type=\"submit\" aria-label=\"Leave {label}\">Leave</button></p></form>"
            ));
            if w.role == Some(Role::Owner) && w.id != home {
                b.push_str(&format!(
                    "<form method=\"post\" action=\"/settings/workspaces/{id}/delete\">{hidden}\
                     <p><label for=\"ws-delete-{id}\">Type {label} to delete it with all its records</label><br>\
                     <input id=\"ws-delete-{id}\" name=\"confirm\" required autocomplete=\"off\"> \
                     <button type=\"submit\">Delete the workspace</button></p></form>"
                ));
            }
        }
        b.push_str("</li>");
    }
    b.push_str(&format!(
        "</ul><h3>New team workspace</h3><form method=\"post\" action=\"/settings/workspaces\">{hidden}\
         <p><label for=\"ws-new-name\">Name</label><br><input id=\"ws-new-name\" name=\"name\" required maxlength=\"100\"></p>\
         <p><button type=\"submit\">Create the workspace</button></p><p class=\"with\">You become its owner.</p></form></section>"
    ));
    b
}

// ---------------------------------------------------------------------------------------------
// A workspace as a whole: rename, leave, delete. Who may is `access::can_workspace`, applied by
// the guard from the route's `{id}` before these run; what may be done to which workspace
// (not a personal one, not the server's first one, not by its last owner) is the store's rule.

/// A workspace's new name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameBody {
    /// 1 to 100 characters
    pub name: String,
}

/// The workspace's exact name, typed to confirm its deletion.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteBody {
    pub confirm: String,
}

async fn rename_workspace(
    state: &AppState,
    p: &Principal,
    ws: Id,
    name: String,
) -> Result<kith_store::workspaces::Workspace, ApiError> {
    let mut w = state.pool.accounts(move |s| Ok(s.rename_workspace(ws, &name)?)).await?;
    w.role = p.workspaces.iter().find(|x| x.id == ws).and_then(|x| x.role);
    tracing::info!(user = %p.user.id, workspace = %ws, "workspace renamed");
    Ok(w)
}

async fn leave_workspace(state: &AppState, p: &Principal, ws: Id) -> Result<(), ApiError> {
    let user = p.user.id;
    state
        .pool
        .accounts(move |s| {
            s.leave_workspace(ws, user).map_err(|e| match e {
                kith_store::Error::Conflict(m) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "last_owner", m),
                e => e.into(),
            })
        })
        .await?;
    tracing::info!(user = %p.user.id, workspace = %ws, "workspace left");
    Ok(())
}

/// Delete workspace `ws` (see `Store::delete_workspace`): the refusals are checked first, then
/// this process stops using its stores (`Pools::forget`: its pool with its memo and name index
/// goes, and it is never opened again here), then one transaction takes it out of the server
/// database (on PostgreSQL dropping its schema with it), then its SQLite file goes.
async fn delete_workspace(state: &AppState, p: &Principal, ws: Id, confirm: String) -> Result<(), ApiError> {
    let check = confirm.clone();
    state
        .pool
        .accounts(move |s| {
            let w = s.workspace(ws)?.ok_or_else(|| ApiError::not_found("no such workspace"))?;
            if w.kind == kith_store::workspaces::WorkspaceKind::Personal {
                return Err(ApiError::invalid("a personal workspace cannot be deleted"));
            }
            if s.home_workspace()? == Some(ws) {
                return Err(ApiError::invalid(
                    "the server's first workspace holds the server database's own records: it cannot be deleted",
                ));
            }
            if check.trim() != w.name {
                return Err(ApiError::invalid(format!("type the workspace's name, `{}`, to confirm", w.name)));
            }
            Ok(())
        })
        .await?;
    let pool = state.pool.forget(ws);
    let (now, pools) = (state.now_ms(), state.pool.clone());
    let done = state
        .pool
        .accounts(move |s| {
            // Its idle connections close here, on a blocking thread, before its store goes, and
            // no opening that began before `forget` is still under way.
            drop(pool);
            pools.wait_for_openings();
            Ok(s.delete_workspace(ws, &confirm, now)?)
        })
        .await;
    if done.is_err() {
        state.pool.unforget(ws);
    }
    let w = done?;
    tracing::info!(user = %p.user.id, workspace = %ws, name = %w.name, "workspace deleted");
    Ok(())
}

#[utoipa::path(patch, path = "/api/v1/workspaces/{id}", tag = "workspaces", request_body = RenameBody,
    params(("id" = String, Path, description = "A workspace of the caller's (a token: the one it is bound to)")),
    responses((status = 200, description = "Renamed (owners and admins of that workspace)", body = Object),
              (status = 403, description = "Not an owner or admin there, or a read-only token", body = Object),
              (status = 404, description = "Not a workspace of the caller's", body = Object),
              (status = 422, description = "No name, too long, or a personal workspace", body = Object)))]
pub async fn rename(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(ws): PathId,
    Body(b): Body<RenameBody>,
) -> Result<Response, ApiError> {
    let w = rename_workspace(&state, &p, ws, b.name).await?;
    Ok(axum::Json(workspace_json(&w, p.workspace)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/workspaces/{id}", tag = "workspaces", request_body = DeleteBody,
    params(("id" = String, Path, description = "A team workspace of the caller's (a token: the one it is bound to)")),
    responses((status = 204, description = "Deleted with its records: members, sessions in it go back to their default workspace, tokens bound to it are revoked"),
              (status = 403, description = "Not an owner there, or a read-only token", body = Object),
              (status = 404, description = "Not a workspace of the caller's", body = Object),
              (status = 422, description = "`confirm` is not its name, a personal workspace, or the server's first one", body = Object)))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(ws): PathId,
    Body(b): Body<DeleteBody>,
) -> Result<StatusCode, ApiError> {
    delete_workspace(&state, &p, ws, b.confirm).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/workspaces/{id}/leave", tag = "workspaces",
    params(("id" = String, Path, description = "A team workspace of the caller's (a token: the one it is bound to)")),
    responses((status = 204, description = "No longer a member: sessions in it go back to the default workspace"),
              (status = 403, description = "A read-only token", body = Object),
              (status = 404, description = "Not a workspace of the caller's", body = Object),
              (status = 422, description = "A personal workspace (`invalid`), or the last owner (`last_owner`)", body = Object)))]
pub async fn leave(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(ws): PathId,
) -> Result<StatusCode, ApiError> {
    leave_workspace(&state, &p, ws).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/settings/workspaces/{id}/rename", tag = "web",
    params(("id" = String, Path, description = "A workspace of the user's")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, name"),
    responses((status = 303, description = "Renamed: back to the settings"),
              (status = 403, description = "The form's CSRF token is missing or wrong, or not an owner or admin there", body = Object),
              (status = 404, description = "Not a workspace of the user's", body = Object),
              (status = 422, description = "The settings page with why (no name, a personal workspace)", content_type = "text/html")))]
pub async fn rename_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(ws): PathId,
    form: Result<Form<NameForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    match rename_workspace(&state, &p, ws, f.name.unwrap_or_default()).await {
        Ok(_) => Ok(Redirect::to("/settings?done=renamed").into_response()),
        Err(e) => Ok(crate::pages_settings::refused_workspace(&state, &p, e).await),
    }
}

#[utoipa::path(post, path = "/settings/workspaces/{id}/leave", tag = "web",
    params(("id" = String, Path, description = "A team workspace of the user's")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf"),
    responses((status = 303, description = "Left: back to the settings, in the default workspace if the session was in it"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 404, description = "Not a workspace of the user's", body = Object),
              (status = 422, description = "The settings page with why (a personal workspace, the last owner)", content_type = "text/html")))]
pub async fn leave_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(ws): PathId,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    match leave_workspace(&state, &p, ws).await {
        Ok(()) => Ok(Redirect::to("/settings?done=left").into_response()),
        Err(e) => Ok(crate::pages_settings::refused_workspace(&state, &p, e).await),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmForm {
    csrf: String,
    confirm: Option<String>,
}

#[utoipa::path(post, path = "/settings/workspaces/{id}/delete", tag = "web",
    params(("id" = String, Path, description = "A team workspace the user owns")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, confirm (the workspace's name)"),
    responses((status = 303, description = "Deleted: back to the settings"),
              (status = 403, description = "The form's CSRF token is missing or wrong, or not an owner there", body = Object),
              (status = 404, description = "Not a workspace of the user's", body = Object),
              (status = 422, description = "The settings page with why (the name typed is not its name, a personal workspace, the server's first one)", content_type = "text/html")))]
pub async fn delete_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(ws): PathId,
    form: Result<Form<ConfirmForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    match delete_workspace(&state, &p, ws, f.confirm.unwrap_or_default()).await {
        Ok(()) => Ok(Redirect::to("/settings?done=deleted").into_response()),
        Err(e) => Ok(crate::pages_settings::refused_workspace(&state, &p, e).await),
    }
}
