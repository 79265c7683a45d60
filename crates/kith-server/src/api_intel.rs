//! Relationship intelligence over the API: the day plan, reconnect, intro paths, briefs, rank
//! and the reciprocity ledger. Each is one call of `kith_store::reports`, the code behind the
//! CLI's `kith plan|reconnect|path|brief|rank|ledger`, so both answer the same; the JSON is the
//! CLI's `--json`.
//!
//! The server uses the documented default intelligence settings (cadences, weights): the CLI's
//! `settings.toml` is a local file of one user, not shared through the server yet.

use axum::Extension;
use axum::extract::State;
use axum::response::IntoResponse;
use kith_core::intel::Settings;
use kith_core::paths::{By, DEFAULT_MAX_HOPS};
use kith_store::edit;
use kith_store::reports;
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use crate::access::Principal;
use crate::api_records::page_limit;
use crate::error::{ApiError, PathId, Query};
use crate::state::AppState;

fn settings() -> Settings {
    Settings::default()
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// The day to plan (2026-12-03, tomorrow, fri…); default today
    pub date: Option<String>,
    /// Plan seven days from `date`: the answer is then a list of day plans
    pub week: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/plan", tag = "intelligence", params(PlanQuery),
    responses((status = 200, description = "The day plan (events, due and overdue tasks, birthdays, people to reconnect with in the free time), as `kith plan --json`; with `week`, seven of them", body = Object)))]
pub(crate) async fn plan(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<PlanQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now();
    let first = match &q.date {
        Some(s) => kith_core::when::parse_when(s, &now).map_err(edit::EditError::from)?.date(),
        None => now.date(),
    };
    let week = q.week.unwrap_or(false);
    let tz = state.tz.clone();
    let mut plans = state
        .pool
        .run(move |s| Ok(reports::plan(s, &settings(), &tz, first, week, now.timestamp(), Some(p.user.id))?))
        .await?;
    Ok(axum::Json(if week { json!(plans) } else { json!(plans.pop()) }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TopQuery {
    /// How many, 1 to 500; default 20
    pub limit: Option<usize>,
}

fn top(l: Option<usize>) -> Result<usize, ApiError> {
    page_limit(Some(l.unwrap_or(20)))
}

#[utoipa::path(get, path = "/api/v1/reconnect", tag = "intelligence", params(TopQuery),
    responses((status = 200, description = "People going cold, most urgent first, each with its status and a next step: `items`", body = Object)))]
pub(crate) async fn reconnect(
    State(state): State<AppState>,
    Query(q): Query<TopQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = top(q.limit)?;
    let now = state.now().timestamp();
    let items = state.pool.run(move |s| Ok(reports::reconnect(s, &settings(), now, n)?)).await?;
    Ok(axum::Json(json!({ "items": items })))
}

#[utoipa::path(get, path = "/api/v1/rank", tag = "intelligence", params(TopQuery),
    responses((status = 200, description = "The most important people, each score with its components: `items`", body = Object)))]
pub(crate) async fn rank(
    State(state): State<AppState>,
    Query(q): Query<TopQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = top(q.limit)?;
    let now = state.now().timestamp();
    let items = state.pool.run(move |s| Ok(reports::rank(s, &settings(), now, n)?)).await?;
    Ok(axum::Json(json!({ "items": items })))
}

#[utoipa::path(get, path = "/api/v1/ledger", tag = "intelligence", params(TopQuery),
    responses((status = 200, description = "The reciprocity ledger: overall, by kind, and people (each list at most `limit`), as `kith ledger --json`", body = Object)))]
pub(crate) async fn ledger(
    State(state): State<AppState>,
    Query(q): Query<TopQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = top(q.limit)?;
    let now = state.now().timestamp();
    let l = state.pool.run(move |s| Ok(reports::ledger_report(s, now, n)?)).await?;
    Ok(axum::Json(l))
}

/// A person of the path, that must exist and must not be "me".
fn someone_else(s: &mut kith_store::Store, id: kith_core::Id, why: &str) -> Result<(), ApiError> {
    if s.person(id)?.is_none() {
        return Err(ApiError::not_found(format!("no person {id}")));
    }
    if s.me()? == Some(id) {
        return Err(ApiError::invalid(why.to_string()));
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/people/{id}/ledger", tag = "intelligence",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 200, description = "What you gave and got with this person: balance, by kind, every exchange", body = Object),
              (status = 404, description = "No such person", body = Object),
              (status = 422, description = "The person is you", body = Object)))]
pub(crate) async fn person_ledger(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now().timestamp();
    let l = state
        .pool
        .run(move |s| {
            someone_else(s, id, "the ledger is between you and others: name someone else")?;
            Ok(reports::ledger_of(s, id, now)?)
        })
        .await?;
    Ok(axum::Json(l))
}

#[utoipa::path(get, path = "/api/v1/people/{id}/brief", tag = "intelligence",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 200, description = "What to know before meeting them, as `kith brief --json`", body = Object),
              (status = 404, description = "No such person", body = Object),
              (status = 422, description = "The person is you", body = Object)))]
pub(crate) async fn person_brief(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now().timestamp();
    let b = state
        .pool
        .run(move |s| {
            someone_else(s, id, "a brief is for meeting someone else: name a person or an event")?;
            let me = s.me()?;
            Ok(reports::person_brief(s, &settings(), id, me, now)?)
        })
        .await?;
    Ok(axum::Json(b))
}

#[utoipa::path(get, path = "/api/v1/events/{id}/brief", tag = "intelligence",
    params(("id" = String, Path, description = "The event's id")),
    responses((status = 200, description = "The event and a brief for each attendee, as `kith brief --event --json`", body = Object),
              (status = 404, description = "No such event", body = Object)))]
pub(crate) async fn event_brief(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now().timestamp();
    let b = state
        .pool
        .run(move |s| {
            if s.event(id)?.is_none() {
                return Err(ApiError::not_found(format!("no event {id}")));
            }
            let me = s.me()?;
            Ok(reports::event_brief(s, &settings(), id, me, now)?)
        })
        .await?;
    Ok(axum::Json(b))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PathQuery {
    /// A person or an organization (paths to anyone currently there): email, id or name
    pub to: String,
    /// Treat `to` as an organization even if a person matches too
    pub org: Option<bool>,
    /// Start from this person instead of you
    pub from: Option<String>,
    /// How many alternative chains, sharing no middle person: 1 to 20, default 1
    pub k: Option<usize>,
    /// The longest chain to consider, in ties: 1 to 20, default 6
    pub max_hops: Option<u32>,
    /// `strength` (warmest first, default) or `hops` (fewest first)
    pub by: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/path", tag = "intelligence", params(PathQuery),
    responses((status = 200, description = "Intro chains to the person or organization, each hop explained, or the nearest reachable person: as `kith path --json`", body = Object),
              (status = 422, description = "`to` or `from` names nobody (or several), or you have no profile to start from", body = Object)))]
pub(crate) async fn path(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<PathQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let by = match q.by.as_deref().unwrap_or("strength").to_lowercase().as_str() {
        "strength" | "strongest" | "warmth" => By::Strength,
        "hops" | "fewest" | "shortest" => By::Hops,
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("by `{other}` is not valid: use strength or hops"),
            ));
        }
    };
    let max_hops = q.max_hops.unwrap_or(DEFAULT_MAX_HOPS);
    if !(1..=20).contains(&max_hops) {
        return Err(ApiError::bad_request("invalid_query", "max_hops must be from 1 to 20"));
    }
    let k = q.k.unwrap_or(1);
    if !(1..=20).contains(&k) {
        return Err(ApiError::bad_request("invalid_query", "k must be from 1 to 20"));
    }
    if q.to.trim().is_empty() {
        return Err(ApiError::bad_request("invalid_query", "to cannot be empty"));
    }
    let now = state.now().timestamp();
    let report = state
        .pool
        .run(move |s| {
            let source = match &q.from {
                Some(f) => s.resolve_person(f).map_err(edit::EditError::from)?,
                // The asker's own card (the person with their email), else the workspace's "me".
                None => s.person_with_email(&p.user.email)?.or(s.me()?).ok_or_else(|| {
                    ApiError::invalid("the workspace has no profile of yours to start from: give `from`")
                })?,
            };
            let target = reports::path_target(s, &q.to, q.org.unwrap_or(false)).map_err(edit::EditError::from)?;
            Ok(reports::paths(s, source, q.from.is_none(), target, k, by, max_hops, now)?)
        })
        .await?;
    Ok(axum::Json(report))
}
