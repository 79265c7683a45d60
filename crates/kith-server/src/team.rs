//! The team's routes: the activity feed (the workspace's and a project's) and a project's member
//! list. Access is decided by the route table's rule and, per project, by [`Reach`].

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kith_core::Id;
use kith_store::Store;
use kith_store::activity::ActivityQuery as StoreActivityQuery;
use kith_store::edit;
use kith_store::team::ProjectRights;
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::access::{Action, Principal, Reach};
use crate::api::{limit, query_id};
use crate::error::{ApiError, Body, PathId, Query};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// Only this project and its tasks (id)
    pub project: Option<String>,
    /// From `next_cursor` of the previous page
    pub cursor: Option<String>,
    /// Entries, 1 to 500, default 50
    pub limit: Option<usize>,
}

fn cursor(c: Option<&str>) -> Result<Option<i64>, ApiError> {
    c.map(|c| {
        c.parse::<i64>()
            .ok()
            .filter(|h| *h > 0)
            .ok_or_else(|| ApiError::bad_request("bad_cursor", "the cursor is not one this server gave out"))
    })
    .transpose()
}

/// A project the principal may see, or 404 (a guest: one not shared with them).
fn project_in_reach(s: &mut Store, p: &Principal, reach: &Reach, id: Id, action: Action) -> Result<(), ApiError> {
    if !s.project_exists(id)? {
        return Err(ApiError::not_found(format!("no project {id}")));
    }
    reach.check(p, action, Some(id), &format!("project {id}"))
}

fn page(s: &mut Store, project: Option<Id>, before: Option<i64>, n: usize) -> Result<serde_json::Value, ApiError> {
    let page = s.activity(&StoreActivityQuery { project, before, limit: n })?;
    Ok(json!({ "items": page.items, "next_cursor": page.next_cursor.map(|c| c.to_string()) }))
}

#[utoipa::path(get, path = "/api/v1/activity", tag = "activity", params(ActivityQuery),
    responses((status = 200, description = "Who changed what, newest first: one entry per change (actor, time, summary, records)", body = Object)))]
pub async fn activity(
    State(state): State<AppState>,
    Query(q): Query<ActivityQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = limit(q.limit)?;
    let before = cursor(q.cursor.as_deref())?;
    let project = q.project.as_deref().map(query_id).transpose()?;
    let out = state.pool.run(move |s| page(s, project, before, n)).await?;
    Ok(axum::Json(out))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From `next_cursor` of the previous page
    pub cursor: Option<String>,
    /// Entries, 1 to 500, default 50
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/projects/{id}/activity", tag = "activity", params(("id" = String, Path, description = "The project's id"), PageQuery),
    responses((status = 200, description = "Changes to the project and its tasks, newest first", body = Object),
              (status = 404, description = "No such project (or not one shared with a guest)", body = Object)))]
pub async fn project_activity(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    Query(q): Query<PageQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = limit(q.limit)?;
    let before = cursor(q.cursor.as_deref())?;
    let out = state
        .pool
        .run(move |s| {
            let reach = Reach::of(s, &p)?;
            project_in_reach(s, &p, &reach, id, Action::Read)?;
            page(s, Some(id), before, n)
        })
        .await?;
    Ok(axum::Json(out))
}

#[utoipa::path(get, path = "/api/v1/projects/{id}/members", tag = "projects", params(("id" = String, Path, description = "The project's id")),
    responses((status = 200, description = "Who the project is shared with, and with what rights (view or edit)", body = Object),
              (status = 404, description = "No such project (or not one shared with a guest)", body = Object)))]
pub async fn project_members(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let items = state
        .pool
        .run(move |s| {
            let reach = Reach::of(s, &p)?;
            project_in_reach(s, &p, &reach, id, Action::Read)?;
            Ok(s.project_members(id)?)
        })
        .await?;
    Ok(axum::Json(json!({ "items": items })))
}

/// Share a project with a workspace user, change their rights, or stop sharing it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    /// The user's email
    pub email: String,
    /// view, edit, or none to take them off the list
    pub rights: String,
}

#[utoipa::path(post, path = "/api/v1/projects/{id}/members", tag = "projects", request_body = MemberBody,
    params(("id" = String, Path, description = "The project's id")),
    responses((status = 200, description = "The project's member list after the change; owners and admins only", body = Object),
              (status = 404, description = "No such project", body = Object),
              (status = 422, description = "Not a user of the workspace, or rights not view, edit or none", body = Object)))]
pub async fn project_member_set(
    State(state): State<AppState>,
    PathId(id): PathId,
    Body(b): Body<MemberBody>,
) -> Result<(StatusCode, axum::Json<serde_json::Value>), ApiError> {
    let rights = match b.rights.trim().to_ascii_lowercase().as_str() {
        "none" => None,
        r => Some(r.parse::<ProjectRights>().map_err(edit::EditError::from)?),
    };
    let now = state.now_ms();
    let items = state
        .pool
        .run(move |s| {
            if !s.project_exists(id)? {
                return Err(ApiError::not_found(format!("no project {id}")));
            }
            let user = edit::assignee(s, &b.email)?;
            s.set_project_member(id, user, rights, now)?;
            Ok(s.project_members(id)?)
        })
        .await?;
    tracing::info!(project = %id, "project members changed");
    Ok((StatusCode::OK, axum::Json(json!({ "items": items }))))
}
