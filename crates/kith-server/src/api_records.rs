//! The API's records beyond people: organizations, ties, interactions (one at a time) and their
//! exchanges, tasks (one at a time), projects, events and their attendees.
//!
//! As in `api`: handlers parse the body (`deny_unknown_fields`), build a change set with
//! `kith_store::edit` (the rules the CLI uses) and commit it in one transaction as the user;
//! access is the route table's. Lists are cursor pages (`items`, `next_cursor`).

use axum::Extension;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use kith_core::{ChangeSet, Id, Kind};
use kith_store::edit::{self, EventInput, InteractionEdit, OrgInput, TieInput};
use kith_store::{Store, TaskFilter};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::access::{Action, Principal, Reach};
use crate::api::{decode_cursor, encode_cursor};
use crate::error::{ApiError, Body, PathId, Query};
use crate::state::AppState;

// ---------------------------------------------------------------------------------------------
// Shared by the handlers of this module and `api_intel`

/// A page of `n` items from `rows` (fetched `n + 1`), and the cursor after its last item.
fn page<T>(mut rows: Vec<T>, n: usize, key: impl Fn(&T) -> String) -> (Vec<T>, Option<String>) {
    if rows.len() > n {
        rows.truncate(n);
        let next = rows.last().map(key);
        (rows, next)
    } else {
        (rows, None)
    }
}

pub(crate) fn save(s: &mut Store, cs: ChangeSet, p: &Principal, now_ms: i64) -> Result<(), ApiError> {
    crate::api::commit(s, cs, p.actor(), now_ms)
}

fn new_id(s: &Store, now_ms: i64) -> Id {
    s.new_id(now_ms.max(0) as u64)
}

pub(crate) use crate::api::{limit as page_limit, resolve_people as people_refs};

/// Two record ids in the path (`/…/{id}/…/{other}`), or a 400.
pub struct PathIds(pub Id, pub Id);

impl<S: Send + Sync> FromRequestParts<S> for PathIds {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let (a, b) = match axum::extract::Path::<(String, String)>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(p)) => p,
            Err(e) => return Err(ApiError::bad_request("bad_id", e.body_text())),
        };
        let parse = |raw: &str| -> Result<Id, ApiError> {
            raw.parse().map_err(|_| ApiError::bad_request("bad_id", format!("`{raw}` is not a record id (a UUID)")))
        };
        Ok(PathIds(parse(&a)?, parse(&b)?))
    }
}

fn no_changes(cs: &ChangeSet) -> Result<(), ApiError> {
    if cs.is_empty() {
        return Err(ApiError::invalid("nothing to change: give at least one field"));
    }
    Ok(())
}

/// A cursor page's query: size and where to start.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 500, default 50
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page
    pub cursor: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Organizations

#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(PageQuery),
    responses((status = 200, description = "A page of organizations in name order: `items`, and `next_cursor` when there are more", body = Object)))]
pub(crate) async fn orgs_list(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = page_limit(q.limit)?;
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let rows =
        state.pool.run(move |s| Ok(s.orgs_after(after.as_ref().map(|(a, id)| (a.as_str(), *id)), n + 1)?)).await?;
    let (items, next) = page(rows, n, |o| encode_cursor(&o.name, o.id));
    Ok(axum::Json(json!({ "items": items, "next_cursor": next })))
}

#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs",
    params(("id" = String, Path, description = "The organization's id")),
    responses((status = 200, description = "The organization, with the people there now and before", body = Object),
              (status = 404, description = "No such organization", body = Object)))]
pub(crate) async fn org_get(State(state): State<AppState>, PathId(id): PathId) -> Result<impl IntoResponse, ApiError> {
    let o = state.pool.run(move |s| Ok(s.org(id)?)).await?;
    o.map(axum::Json).ok_or_else(|| ApiError::not_found(format!("no organization {id}")))
}

/// An organization's fields. On create, `name` is required; `tags` add, `untag` removes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgBody {
    pub name: Option<String>,
    /// acme.example
    pub domain: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Tags to remove (edits only)
    #[serde(default)]
    pub untag: Vec<String>,
}

impl OrgBody {
    fn input(self) -> (Option<String>, OrgInput) {
        (self.name, OrgInput { domain: self.domain, notes: self.notes, tags: self.tags, untag: self.untag })
    }
}

#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = OrgBody,
    responses((status = 201, description = "The organization added", body = Object),
              (status = 422, description = "A value is not valid, or the name is in use; nothing was written", body = Object)))]
pub(crate) async fn org_create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<OrgBody>,
) -> Result<Response, ApiError> {
    let (name, input) = b.input();
    let Some(name) = name else { return Err(ApiError::invalid("an organization needs a name")) };
    if !input.untag.is_empty() {
        return Err(ApiError::invalid("untag applies to edits, not to a new organization"));
    }
    let now = state.now_ms();
    let view = state
        .pool
        .run(move |s| {
            let id = new_id(s, now);
            let cs = edit::add_org(s, id, &name, &input)?;
            save(s, cs, &p, now)?;
            s.org(id)?.ok_or_else(|| ApiError::internal("an organization just added cannot be read"))
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "orgs", request_body = OrgBody,
    params(("id" = String, Path, description = "The organization's id")),
    responses((status = 200, description = "The organization after the change", body = Object),
              (status = 404, description = "No such organization", body = Object),
              (status = 422, description = "A value is not valid, or nothing to change; nothing was written", body = Object)))]
pub(crate) async fn org_patch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    Body(b): Body<OrgBody>,
) -> Result<impl IntoResponse, ApiError> {
    let (name, input) = b.input();
    let now = state.now_ms();
    let view = state
        .pool
        .run(move |s| {
            if s.org(id)?.is_none() {
                return Err(ApiError::not_found(format!("no organization {id}")));
            }
            let mut cs = ChangeSet::new();
            if let Some(n) = &name {
                let n = edit::nonempty(n, "an organization name")?;
                if s.find_by_name(Kind::Org, &n)?.is_some_and(|other| other != id) {
                    return Err(ApiError::invalid(format!("an organization named `{n}` exists already")));
                }
                cs.set(Kind::Org, id, "name", n);
            }
            edit::org_fields(&mut cs, id, &input, false)?;
            no_changes(&cs)?;
            save(s, cs, &p, now)?;
            s.org(id)?.ok_or_else(|| ApiError::internal("an organization just changed cannot be read"))
        })
        .await?;
    Ok(axum::Json(view))
}

#[utoipa::path(delete, path = "/api/v1/orgs/{id}", tag = "orgs",
    params(("id" = String, Path, description = "The organization's id")),
    responses((status = 204, description = "Removed (the history is kept)"),
              (status = 404, description = "No such organization", body = Object)))]
pub(crate) async fn org_delete(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now_ms();
    state
        .pool
        .run(move |s| {
            if s.org(id)?.is_none() {
                return Err(ApiError::not_found(format!("no organization {id}")));
            }
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Org, id, true);
            save(s, cs, &p, now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Ties

#[utoipa::path(get, path = "/api/v1/people/{id}/ties", tag = "ties", params(("id" = String, Path, description = "The person's id"), PageQuery),
    responses((status = 200, description = "A page of the person's ties, by the other person's name: `items`, `next_cursor`", body = Object),
              (status = 404, description = "No such person", body = Object)))]
pub(crate) async fn ties_list(
    State(state): State<AppState>,
    PathId(id): PathId,
    Query(q): Query<PageQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = page_limit(q.limit)?;
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let rows = state
        .pool
        .run(move |s| {
            if s.person(id)?.is_none() {
                return Err(ApiError::not_found(format!("no person {id}")));
            }
            Ok(s.ties_after(id, after.as_ref().map(|(a, t)| (a.as_str(), *t)), n + 1)?)
        })
        .await?;
    let (items, next) = page(rows, n, |t| encode_cursor(&t.to, t.id));
    Ok(axum::Json(json!({ "items": items, "next_cursor": next })))
}

/// Two people who know each other (references as in the CLI: an email, an id, a name).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TieBody {
    pub a: String,
    pub b: String,
    /// colleague, friend, family, introduced-by, former-colleague, client, mentor, other (default)
    pub kind: Option<String>,
    /// 1 (weak) to 5 (strong), default 3
    pub strength: Option<i64>,
    /// Since when (2024-03-01, last year…)
    pub since: Option<String>,
    /// Where this knowledge comes from
    pub source: Option<String>,
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/ties", tag = "ties", request_body = TieBody,
    responses((status = 201, description = "The tie (a pair has one tie: adding it again updates it)", body = Object),
              (status = 422, description = "A value or reference is not valid; nothing was written", body = Object)))]
pub(crate) async fn tie_create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<TieBody>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            let pa = s.resolve_person(&b.a).map_err(edit::EditError::from)?;
            let pb = s.resolve_person(&b.b).map_err(edit::EditError::from)?;
            let input = TieInput {
                kind: b.kind.unwrap_or_else(|| "other".into()),
                strength: b.strength.unwrap_or(3),
                since: b.since,
                source: b.source,
                note: b.note,
            };
            let (id, cs) = edit::add_tie(&now, pa, pb, &input)?;
            let ms = now.timestamp().as_millisecond();
            save(s, cs, &p, ms)?;
            s.tie(id)?.ok_or_else(|| ApiError::internal("a tie just added cannot be read"))
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/ties/{id}", tag = "ties",
    params(("id" = String, Path, description = "The tie's id")),
    responses((status = 204, description = "Removed"),
              (status = 404, description = "No such tie", body = Object)))]
pub(crate) async fn tie_delete(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now_ms();
    state
        .pool
        .run(move |s| {
            if s.tie(id)?.is_none() {
                return Err(ApiError::not_found(format!("no tie {id}")));
            }
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Tie, id, true);
            save(s, cs, &p, now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Interactions, one at a time, and their exchanges

fn no_interaction(id: Id) -> ApiError {
    ApiError::not_found(format!("no interaction {id}"))
}

#[utoipa::path(get, path = "/api/v1/interactions/{id}", tag = "interactions",
    params(("id" = String, Path, description = "The interaction's id")),
    responses((status = 200, description = "The interaction, its people and exchanges", body = Object),
              (status = 404, description = "No such interaction", body = Object)))]
pub(crate) async fn interaction_get(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let i = state.pool.run(move |s| Ok(s.interaction(id)?)).await?;
    i.map(axum::Json).ok_or_else(|| no_interaction(id))
}

/// What to change on an interaction; `people` are added, `remove_people` removed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionPatch {
    pub kind: Option<String>,
    pub at: Option<String>,
    pub summary: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub people: Vec<String>,
    #[serde(default)]
    pub remove_people: Vec<String>,
    /// `true`: private to you (a private note: nobody else on the team sees it or its
    /// exchanges); `false`: seen by whoever sees its people. Any writer who sees the
    /// interaction may change it, which for a private one means only its author.
    pub private: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/interactions/{id}", tag = "interactions", request_body = InteractionPatch,
    params(("id" = String, Path, description = "The interaction's id")),
    responses((status = 200, description = "The interaction after the change", body = Object),
              (status = 404, description = "No such interaction", body = Object),
              (status = 422, description = "A value or reference is not valid, or nothing to change; nothing was written", body = Object)))]
pub(crate) async fn interaction_patch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    Body(b): Body<InteractionPatch>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            let Some(before) = s.interaction(id)? else { return Err(no_interaction(id)) };
            let f = InteractionEdit {
                kind: b.kind,
                at: b.at,
                summary: b.summary,
                notes: b.notes,
                people: people_refs(s, &b.people)?,
                remove_people: people_refs(s, &b.remove_people)?,
            };
            let left = before.people.iter().filter(|x| !f.remove_people.contains(&x.id)).count() + f.people.len();
            if left == 0 {
                return Err(ApiError::invalid("an interaction needs at least one person"));
            }
            let mut cs = ChangeSet::new();
            edit::interaction_fields(&now, &mut cs, id, &f)?;
            // Mirrors people: a private note is seen by its author only (anyone else got a 404
            // above), and a writer who sees a shared one may make it private to themselves.
            match b.private {
                Some(true) if before.private_to != Some(p.user.id) => {
                    kith_store::privacy::set_interaction_private(&mut cs, id, Some(p.user.id))
                }
                Some(false) if before.private_to.is_some() => {
                    kith_store::privacy::set_interaction_private(&mut cs, id, None)
                }
                _ => {}
            }
            no_changes(&cs)?;
            save(s, cs, &p, now.timestamp().as_millisecond())?;
            s.interaction(id)?.ok_or_else(|| ApiError::internal("an interaction just changed cannot be read"))
        })
        .await?;
    Ok(axum::Json(view))
}

#[utoipa::path(delete, path = "/api/v1/interactions/{id}", tag = "interactions",
    params(("id" = String, Path, description = "The interaction's id")),
    responses((status = 204, description = "Removed (the history is kept)"),
              (status = 404, description = "No such interaction", body = Object)))]
pub(crate) async fn interaction_delete(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now_ms();
    state
        .pool
        .run(move |s| {
            if s.interaction(id)?.is_none() {
                return Err(no_interaction(id));
            }
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Interaction, id, true);
            save(s, cs, &p, now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What was given or got in an interaction.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeBody {
    /// gave or got
    pub direction: String,
    /// `"advice: pricing"` names the kind; free text lets kith guess it
    pub what: String,
    /// 1 to 3, default 1
    pub weight: Option<i64>,
    /// Who with: one of the interaction's people (email, id or name); needed when it has several
    pub person: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/interactions/{id}/exchanges", tag = "interactions", request_body = ExchangeBody,
    params(("id" = String, Path, description = "The interaction's id")),
    responses((status = 201, description = "The interaction with the exchange added", body = Object),
              (status = 404, description = "No such interaction", body = Object),
              (status = 422, description = "A value or reference is not valid; nothing was written", body = Object)))]
pub(crate) async fn exchange_create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    Body(b): Body<ExchangeBody>,
) -> Result<Response, ApiError> {
    let now = state.now_ms();
    let view = state
        .pool
        .run(move |s| {
            let Some(i) = s.interaction(id)? else { return Err(no_interaction(id)) };
            let person = match &b.person {
                Some(r) => {
                    let pid = s.resolve_person(r).map_err(edit::EditError::from)?;
                    if !i.people.iter().any(|x| x.id == pid) {
                        return Err(ApiError::invalid(format!("`{r}` did not take part in this interaction")));
                    }
                    pid
                }
                None => match i.people.as_slice() {
                    [only] => only.id,
                    [] => return Err(ApiError::invalid("this interaction has nobody to exchange with")),
                    _ => {
                        return Err(ApiError::invalid(
                            "this interaction has several people: say which one in `person`",
                        ));
                    }
                },
            };
            let mut cs = ChangeSet::new();
            let ex = new_id(s, now);
            edit::add_exchange(&mut cs, ex, id, &b.direction, &b.what, b.weight.unwrap_or(1), person)?;
            save(s, cs, &p, now)?;
            s.interaction(id)?.ok_or_else(|| ApiError::internal("an interaction just changed cannot be read"))
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

#[utoipa::path(delete, path = "/api/v1/interactions/{id}/exchanges/{exchange}", tag = "interactions",
    params(("id" = String, Path, description = "The interaction's id"),
           ("exchange" = String, Path, description = "The exchange's id")),
    responses((status = 204, description = "Removed"),
              (status = 404, description = "No such interaction, or no such exchange on it", body = Object)))]
pub(crate) async fn exchange_delete(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathIds(id, ex): PathIds,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now_ms();
    state
        .pool
        .run(move |s| {
            let Some(i) = s.interaction(id)? else { return Err(no_interaction(id)) };
            if !i.exchanges.iter().any(|e| e.id == ex) {
                return Err(ApiError::not_found(format!("no exchange {ex} on interaction {id}")));
            }
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Exchange, ex, true);
            save(s, cs, &p, now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Tasks, one at a time

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = String, Path, description = "The task's id")),
    responses((status = 200, description = "The task", body = Object),
              (status = 404, description = "No such task", body = Object)))]
pub(crate) async fn task_get(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    // A guest sees only the tasks of projects shared with them, without the people on them.
    let t = state
        .pool
        .run(move |s| {
            let reach = Reach::of(s, &p)?;
            let t = crate::api::task_in_reach(s, &p, &reach, id, Action::Read)?;
            Ok(reach.task_view(t))
        })
        .await?;
    Ok(axum::Json(t))
}

#[utoipa::path(delete, path = "/api/v1/tasks/{id}", tag = "tasks",
    params(("id" = String, Path, description = "The task's id")),
    responses((status = 204, description = "Removed (the history is kept)"),
              (status = 404, description = "No such task", body = Object)))]
pub(crate) async fn task_delete(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now_ms();
    state
        .pool
        .run(move |s| {
            let reach = Reach::of(s, &p)?;
            crate::api::task_in_reach(s, &p, &reach, id, Action::Write)?;
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Task, id, true);
            save(s, cs, &p, now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Projects

fn no_project(id: Id) -> ApiError {
    ApiError::not_found(format!("no project {id}"))
}

#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(PageQuery),
    responses((status = 200, description = "A page of projects in name order, with task counts: `items`, `next_cursor`", body = Object)))]
pub(crate) async fn projects_list(
    State(state): State<AppState>,
    Query(q): Query<PageQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = page_limit(q.limit)?;
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    let rows =
        state.pool.run(move |s| Ok(s.projects_after(after.as_ref().map(|(a, id)| (a.as_str(), *id)), n + 1)?)).await?;
    let (items, next) = page(rows, n, |p| encode_cursor(&p.name, p.id));
    Ok(axum::Json(json!({ "items": items, "next_cursor": next })))
}

#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "The project's id")),
    responses((status = 200, description = "`project` and its `tasks` (open and done), as `kith project show --json`", body = Object),
              (status = 404, description = "No such project", body = Object)))]
pub(crate) async fn project_get(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let out = state
        .pool
        .run(move |s| {
            let Some(p) = s.project(id)? else { return Err(no_project(id)) };
            let tasks = s.tasks(&TaskFilter { project: Some(id), ..Default::default() })?;
            Ok(json!({ "project": p, "tasks": tasks }))
        })
        .await?;
    Ok(axum::Json(out))
}

/// A project's fields. On create, `name` is required.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectBody {
    pub name: Option<String>,
    pub description: Option<String>,
    /// active (the default for a new project), paused, done, cancelled
    pub status: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectBody,
    responses((status = 201, description = "The project added (active)", body = Object),
              (status = 422, description = "A value is not valid, or the name is in use; nothing was written", body = Object)))]
pub(crate) async fn project_create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<ProjectBody>,
) -> Result<Response, ApiError> {
    let Some(name) = b.name else { return Err(ApiError::invalid("a project needs a name")) };
    let now = state.now_ms();
    let view = state
        .pool
        .run(move |s| {
            let id = new_id(s, now);
            let mut cs = edit::add_project(s, id, &name, b.description.as_deref())?;
            if b.status.is_some() {
                edit::project_fields(s, &mut cs, id, None, None, b.status.as_deref())?;
            }
            save(s, cs, &p, now)?;
            s.project(id)?.ok_or_else(|| ApiError::internal("a project just added cannot be read"))
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects", request_body = ProjectBody,
    params(("id" = String, Path, description = "The project's id")),
    responses((status = 200, description = "The project after the change", body = Object),
              (status = 404, description = "No such project", body = Object),
              (status = 422, description = "A value is not valid, or nothing to change; nothing was written", body = Object)))]
pub(crate) async fn project_patch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    Body(b): Body<ProjectBody>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now_ms();
    let view = state
        .pool
        .run(move |s| {
            if s.project(id)?.is_none() {
                return Err(no_project(id));
            }
            let mut cs = ChangeSet::new();
            edit::project_fields(s, &mut cs, id, b.name.as_deref(), b.description.as_deref(), b.status.as_deref())?;
            no_changes(&cs)?;
            save(s, cs, &p, now)?;
            s.project(id)?.ok_or_else(|| ApiError::internal("a project just changed cannot be read"))
        })
        .await?;
    Ok(axum::Json(view))
}

// ---------------------------------------------------------------------------------------------
// Events and attendees

fn no_event(id: Id) -> ApiError {
    ApiError::not_found(format!("no event {id}"))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Events ending on or after this day or time (today, 2026-12-01…); default today
    pub from: Option<String>,
    /// Every event, past ones too
    pub all: Option<bool>,
    /// 1 to 500, default 50
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventsQuery),
    responses((status = 200, description = "A page of events in time order, from today unless `all` or `from`: `items`, `next_cursor`", body = Object)))]
pub(crate) async fn events_list(
    State(state): State<AppState>,
    Query(q): Query<EventsQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = page_limit(q.limit)?;
    let after = match q.cursor.as_deref().map(decode_cursor).transpose()? {
        Some((start, id)) => Some((
            start
                .parse::<i64>()
                .map_err(|_| ApiError::bad_request("bad_cursor", "the cursor is not one this server gave out"))?,
            id,
        )),
        None => None,
    };
    let now = state.now();
    let from = if q.all.unwrap_or(false) {
        if q.from.is_some() {
            return Err(ApiError::bad_request("invalid_query", "give `from` or `all`, not both"));
        }
        None
    } else {
        let start = match &q.from {
            Some(s) => kith_core::when::parse_when(s, &now)
                .and_then(|w| w.start(now.time_zone()))
                .map_err(edit::EditError::from)?,
            None => now.start_of_day().map_err(|e| ApiError::internal(format!("the start of today: {e}")))?,
        };
        Some(start.timestamp().as_millisecond())
    };
    let rows = state.pool.run(move |s| Ok(s.events_after(from, after, n + 1)?)).await?;
    let (items, next) =
        page(rows, n, |e| encode_cursor(&e.start.map(|t| t.as_millisecond()).unwrap_or(0).to_string(), e.id));
    Ok(axum::Json(json!({ "items": items, "next_cursor": next })))
}

#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events",
    params(("id" = String, Path, description = "The event's id")),
    responses((status = 200, description = "The event and its attendees", body = Object),
              (status = 404, description = "No such event", body = Object)))]
pub(crate) async fn event_get(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let e = state.pool.run(move |s| Ok(s.event(id)?)).await?;
    e.map(axum::Json).ok_or_else(|| no_event(id))
}

/// An event's fields. On create, `title` and `at` are required; `attendees` are added.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    pub title: Option<String>,
    /// conference, seminar, training, meetup, forum, exhibition, coffee, lunch, webinar,
    /// online-group, charity, visit, other
    pub kind: Option<String>,
    /// When it starts (2026-12-03 09:00, fri 18:00…), in the event's time zone
    pub at: Option<String>,
    /// When it ends; default an hour after the start
    pub until: Option<String>,
    /// IANA time zone, e.g. Europe/Prague; default the server's
    pub tz: Option<String>,
    /// Where: a place
    pub place: Option<String>,
    /// Where: a link for online events
    pub link: Option<String>,
    pub goals: Option<String>,
    pub prep: Option<String>,
    /// Notes afterwards
    pub debrief: Option<String>,
    /// People who will be there (email, id or name)
    #[serde(default)]
    pub attendees: Vec<String>,
    /// People to remove from the attendees (edits only)
    #[serde(default)]
    pub remove_attendees: Vec<String>,
}

impl EventBody {
    fn input(&self, s: &mut Store) -> Result<EventInput, ApiError> {
        Ok(EventInput {
            kind: self.kind.clone(),
            at: self.at.clone(),
            until: self.until.clone(),
            tz: self.tz.clone(),
            place: self.place.clone(),
            link: self.link.clone(),
            goals: self.goals.clone(),
            prep: self.prep.clone(),
            debrief: self.debrief.clone(),
            attendees: people_refs(s, &self.attendees)?,
        })
    }
}

#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = EventBody,
    responses((status = 201, description = "The event added", body = Object),
              (status = 422, description = "A value or reference is not valid; nothing was written", body = Object)))]
pub(crate) async fn event_create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<EventBody>,
) -> Result<Response, ApiError> {
    let Some(title) = b.title.clone() else { return Err(ApiError::invalid("an event needs a title")) };
    if !b.remove_attendees.is_empty() {
        return Err(ApiError::invalid("remove_attendees applies to edits, not to a new event"));
    }
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            let input = b.input(s)?;
            let ms = now.timestamp().as_millisecond();
            let id = new_id(s, ms);
            let cs = edit::add_event(&now, id, &title, &input)?;
            save(s, cs, &p, ms)?;
            s.event(id)?.ok_or_else(|| ApiError::internal("an event just added cannot be read"))
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

#[utoipa::path(patch, path = "/api/v1/events/{id}", tag = "events", request_body = EventBody,
    params(("id" = String, Path, description = "The event's id")),
    responses((status = 200, description = "The event after the change", body = Object),
              (status = 404, description = "No such event", body = Object),
              (status = 422, description = "A value or reference is not valid, or nothing to change; nothing was written", body = Object)))]
pub(crate) async fn event_patch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    Body(b): Body<EventBody>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            let Some(existing) = s.event(id)? else { return Err(no_event(id)) };
            let input = b.input(s)?;
            let remove = people_refs(s, &b.remove_attendees)?;
            let mut cs = ChangeSet::new();
            if let Some(t) = &b.title {
                cs.set(Kind::Event, id, "title", edit::nonempty(t, "an event's title")?);
            }
            edit::event_fields(&now, &mut cs, id, &input, Some(&existing))?;
            for pid in remove {
                if input.attendees.contains(&pid) {
                    return Err(ApiError::invalid("a person cannot be both added to and removed from an event"));
                }
                edit::remove_attendee(&mut cs, id, pid);
            }
            no_changes(&cs)?;
            save(s, cs, &p, now.timestamp().as_millisecond())?;
            s.event(id)?.ok_or_else(|| ApiError::internal("an event just changed cannot be read"))
        })
        .await?;
    Ok(axum::Json(view))
}

#[utoipa::path(delete, path = "/api/v1/events/{id}", tag = "events",
    params(("id" = String, Path, description = "The event's id")),
    responses((status = 204, description = "Removed (the history is kept)"),
              (status = 404, description = "No such event", body = Object)))]
pub(crate) async fn event_delete(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now_ms();
    state
        .pool
        .run(move |s| {
            if s.event(id)?.is_none() {
                return Err(no_event(id));
            }
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Event, id, true);
            save(s, cs, &p, now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// People to add to an event's attendees.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendeesBody {
    /// Email, id or name of each
    pub people: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/events/{id}/attendees", tag = "events", request_body = AttendeesBody,
    params(("id" = String, Path, description = "The event's id")),
    responses((status = 200, description = "The event with its attendees", body = Object),
              (status = 404, description = "No such event", body = Object),
              (status = 422, description = "A reference is not valid; nothing was written", body = Object)))]
pub(crate) async fn attendees_add(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    Body(b): Body<AttendeesBody>,
) -> Result<impl IntoResponse, ApiError> {
    if b.people.is_empty() {
        return Err(ApiError::invalid("name at least one person"));
    }
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            let Some(existing) = s.event(id)? else { return Err(no_event(id)) };
            let input = EventInput { attendees: people_refs(s, &b.people)?, ..Default::default() };
            let mut cs = ChangeSet::new();
            edit::event_fields(&now, &mut cs, id, &input, Some(&existing))?;
            save(s, cs, &p, now.timestamp().as_millisecond())?;
            s.event(id)?.ok_or_else(|| ApiError::internal("an event just changed cannot be read"))
        })
        .await?;
    Ok(axum::Json(view))
}

#[utoipa::path(delete, path = "/api/v1/events/{id}/attendees/{person}", tag = "events",
    params(("id" = String, Path, description = "The event's id"),
           ("person" = String, Path, description = "The attendee's person id")),
    responses((status = 200, description = "The event with its attendees", body = Object),
              (status = 404, description = "No such event, or the person does not attend it", body = Object)))]
pub(crate) async fn attendee_remove(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathIds(id, person): PathIds,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now_ms();
    let view = state
        .pool
        .run(move |s| {
            let Some(e) = s.event(id)? else { return Err(no_event(id)) };
            if !e.attendees.iter().any(|a| a.id == person) {
                return Err(ApiError::not_found(format!("person {person} does not attend event {id}")));
            }
            let mut cs = ChangeSet::new();
            edit::remove_attendee(&mut cs, id, person);
            save(s, cs, &p, now)?;
            s.event(id)?.ok_or_else(|| ApiError::internal("an event just changed cannot be read"))
        })
        .await?;
    Ok(axum::Json(view))
}
