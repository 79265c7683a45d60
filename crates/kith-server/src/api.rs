//! The routes: one table ([`routes`]) that the router, the OpenAPI test and the security test
//! all read, and the JSON handlers under `/api/v1`.
//!
//! Handlers parse and validate input, run store work through the pool, and write through
//! change sets committed with the principal's email as the actor. They never decide access: the
//! rule in the table does, through `access::guard`.

use std::net::SocketAddr;
use std::sync::LazyLock;

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post};
use kith_core::model::{Email, NetType, Tier, tag};
use kith_core::{ChangeSet, Id, Kind};
use kith_store::edit::{self, InteractionInput, PersonInput, TaskInput};
use kith_store::{ListFilter, Store, TaskFilter, TaskView};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::access::{Access, Action, Principal, Reach, Resource, Via, WorkspaceAction};
use crate::auth;
use crate::error::{ApiError, Body, PathId, Query};
use crate::state::AppState;
use crate::{
    api_intel as intel, api_interop as interop, api_records as rec, api_team_paths, network, pages, pages_events,
    pages_tasks, pages_today, team, web, workspaces,
};
use crate::{pages_import as import_pages, pages_projects as projects, pages_settings as settings};

/// One route: its method and path, who may call it, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub(crate) handler: MethodRouter<AppState>,
}

fn route(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> Route {
    Route { method, path, access, handler }
}

/// Every route of the server. Adding a route here is the only way to add one, so the guard, the
/// OpenAPI check and the security test see all of them.
pub fn routes() -> Vec<Route> {
    use Action::{Read, Write};
    use Resource::*;
    use WorkspaceAction::{Delete, Leave, Rename};
    let can = Access::can;
    vec![
        route(Method::GET, "/healthz", Access::PUBLIC, get(healthz)),
        route(Method::GET, "/api/v1/openapi.json", Access::PUBLIC, get(openapi_json)),
        route(Method::POST, "/api/v1/session", Access::PUBLIC, post(sign_in)),
        route(Method::DELETE, "/api/v1/session", Access::SIGNED, delete(sign_out)),
        route(Method::GET, "/api/v1/me", Access::SIGNED, get(me)),
        route(Method::GET, "/api/v1/people", can(Read, People), get(people_list)),
        route(Method::POST, "/api/v1/people", can(Write, People), post(person_create)),
        route(Method::GET, "/api/v1/people/{id}", can(Read, People), get(person_get)),
        route(Method::PATCH, "/api/v1/people/{id}", can(Write, People), patch(person_patch)),
        route(Method::DELETE, "/api/v1/people/{id}", can(Write, People), delete(person_delete)),
        route(Method::GET, "/api/v1/interactions", can(Read, Interactions), get(interactions_list)),
        route(Method::POST, "/api/v1/interactions", can(Write, Interactions), post(interaction_create)),
        route(Method::GET, "/api/v1/tasks", can(Read, ProjectTasks), get(tasks_list)),
        route(Method::POST, "/api/v1/tasks", can(Write, ProjectTasks), post(task_create)),
        route(Method::PATCH, "/api/v1/tasks/{id}", can(Write, ProjectTasks), patch(task_patch)),
        route(Method::POST, "/api/v1/tasks/{id}/done", can(Write, ProjectTasks), post(task_done)),
        route(Method::GET, "/api/v1/activity", can(Read, Workspace), get(team::activity)),
        route(Method::GET, "/api/v1/projects/{id}/activity", can(Read, ProjectTasks), get(team::project_activity)),
        route(Method::GET, "/api/v1/projects/{id}/members", can(Read, ProjectTasks), get(team::project_members)),
        route(
            Method::POST,
            "/api/v1/projects/{id}/members",
            can(Action::Manage, Accounts),
            post(team::project_member_set),
        ),
        route(Method::GET, "/api/v1/search", can(Read, Workspace), get(search)),
        route(Method::GET, "/api/v1/agenda", can(Read, Workspace), get(agenda)),
        route(Method::GET, "/api/v1/tokens", can(Action::Manage, Accounts), get(tokens_list)),
        route(Method::POST, "/api/v1/tokens", can(Write, OwnAccount), post(token_create)),
        route(Method::POST, "/api/v1/me/password", can(Write, OwnAccount), post(password_change)),
        route(Method::GET, "/signin", Access::PUBLIC.html(), get(web::sign_in_page)),
        route(Method::POST, "/signin", Access::PUBLIC.html(), post(web::sign_in_form)),
        route(Method::POST, "/signout", Access::SIGNED.html(), post(web::sign_out_form)),
        route(Method::GET, "/", Access::can(Read, Workspace).html(), get(pages_today::today)),
        route(Method::GET, "/people", can(Read, People).html(), get(pages::people_page)),
        route(Method::GET, "/people/new", can(Write, People).html(), get(pages::new_person_page)),
        route(Method::POST, "/people", can(Write, People).html(), post(pages::add_person_form)),
        route(Method::GET, "/people/{id}", can(Read, People).html(), get(pages::person_page)),
        route(
            Method::POST,
            "/people/{id}/interactions",
            can(Write, Interactions).html(),
            post(pages::log_interaction_form),
        ),
        route(Method::POST, "/people/{id}/hooks", can(Write, Tasks).html(), post(pages::add_hook_form)),
        route(Method::GET, "/tasks", can(Read, Tasks).html(), get(pages_tasks::tasks_page)),
        route(Method::GET, "/tasks/board", can(Read, Tasks).html(), get(pages_tasks::board_page)),
        route(Method::POST, "/tasks", can(Write, Tasks).html(), post(pages_tasks::add_task_form)),
        route(Method::POST, "/tasks/{id}/assign", can(Write, Tasks).html(), post(pages_tasks::assign_form)),
        route(Method::POST, "/tasks/{id}/done", can(Write, Tasks).html(), post(pages_tasks::done_form)),
        route(Method::GET, "/events", can(Read, Interactions).html(), get(pages_events::events_page)),
        route(Method::GET, "/events/{id}", can(Read, Interactions).html(), get(pages_events::event_page)),
        route(Method::POST, "/events/{id}/debrief", can(Write, Interactions).html(), post(pages_events::debrief_form)),
        route(Method::GET, "/network", can(Read, People).html(), get(network::network_page)),
        route(Method::GET, "/static/kith.css", Access::PUBLIC, get(web::stylesheet)),
        // Organizations, ties, one interaction or task, exchanges, projects, events.
        route(Method::GET, "/api/v1/orgs", can(Read, People), get(rec::orgs_list)),
        route(Method::POST, "/api/v1/orgs", can(Write, People), post(rec::org_create)),
        route(Method::GET, "/api/v1/orgs/{id}", can(Read, People), get(rec::org_get)),
        route(Method::PATCH, "/api/v1/orgs/{id}", can(Write, People), patch(rec::org_patch)),
        route(Method::DELETE, "/api/v1/orgs/{id}", can(Write, People), delete(rec::org_delete)),
        route(Method::GET, "/api/v1/people/{id}/ties", can(Read, People), get(rec::ties_list)),
        route(Method::POST, "/api/v1/ties", can(Write, People), post(rec::tie_create)),
        route(Method::DELETE, "/api/v1/ties/{id}", can(Write, People), delete(rec::tie_delete)),
        route(Method::GET, "/api/v1/interactions/{id}", can(Read, Interactions), get(rec::interaction_get)),
        route(Method::PATCH, "/api/v1/interactions/{id}", can(Write, Interactions), patch(rec::interaction_patch)),
        route(Method::DELETE, "/api/v1/interactions/{id}", can(Write, Interactions), delete(rec::interaction_delete)),
        route(
            Method::POST,
            "/api/v1/interactions/{id}/exchanges",
            can(Write, Interactions),
            post(rec::exchange_create),
        ),
        route(
            Method::DELETE,
            "/api/v1/interactions/{id}/exchanges/{exchange}",
            can(Write, Interactions),
            delete(rec::exchange_delete),
        ),
        route(Method::GET, "/api/v1/tasks/{id}", can(Read, ProjectTasks), get(rec::task_get)),
        route(Method::DELETE, "/api/v1/tasks/{id}", can(Write, ProjectTasks), delete(rec::task_delete)),
        route(Method::GET, "/api/v1/projects", can(Read, Tasks), get(rec::projects_list)),
        route(Method::POST, "/api/v1/projects", can(Write, Tasks), post(rec::project_create)),
        route(Method::GET, "/api/v1/projects/{id}", can(Read, Tasks), get(rec::project_get)),
        route(Method::PATCH, "/api/v1/projects/{id}", can(Write, Tasks), patch(rec::project_patch)),
        route(Method::GET, "/api/v1/events", can(Read, Interactions), get(rec::events_list)),
        route(Method::POST, "/api/v1/events", can(Write, Interactions), post(rec::event_create)),
        route(Method::GET, "/api/v1/events/{id}", can(Read, Interactions), get(rec::event_get)),
        route(Method::PATCH, "/api/v1/events/{id}", can(Write, Interactions), patch(rec::event_patch)),
        route(Method::DELETE, "/api/v1/events/{id}", can(Write, Interactions), delete(rec::event_delete)),
        route(Method::POST, "/api/v1/events/{id}/attendees", can(Write, Interactions), post(rec::attendees_add)),
        route(
            Method::DELETE,
            "/api/v1/events/{id}/attendees/{person}",
            can(Write, Interactions),
            delete(rec::attendee_remove),
        ),
        // Relationship intelligence.
        route(Method::GET, "/api/v1/plan", can(Read, Workspace), get(intel::plan)),
        route(Method::GET, "/api/v1/reconnect", can(Read, Workspace), get(intel::reconnect)),
        route(Method::GET, "/api/v1/path", can(Read, Workspace), get(intel::path)),
        route(Method::GET, "/api/v1/rank", can(Read, Workspace), get(intel::rank)),
        route(Method::GET, "/api/v1/ledger", can(Read, Workspace), get(intel::ledger)),
        route(Method::GET, "/api/v1/people/{id}/ledger", can(Read, Workspace), get(intel::person_ledger)),
        route(Method::GET, "/api/v1/people/{id}/brief", can(Read, Workspace), get(intel::person_brief)),
        route(Method::GET, "/api/v1/events/{id}/brief", can(Read, Workspace), get(intel::event_brief)),
        // Import and export.
        route(Method::POST, "/api/v1/import/vcard", can(Write, People), post(interop::import_vcard)),
        route(Method::POST, "/api/v1/import/csv", can(Write, People), post(interop::import_csv)),
        route(Method::GET, "/api/v1/export/vcard", can(Read, Workspace), get(interop::export_vcard)),
        route(Method::GET, "/api/v1/export/ics", can(Read, Workspace), get(interop::export_ics)),
        route(Method::GET, "/api/v1/export/json", can(Read, Workspace), get(interop::export_json)),
        // Settings, import and projects pages (issue 5, parts 2 and 7), and their API routes.
        route(Method::GET, "/api/v1/me/tokens", Access::SIGNED, get(settings::my_tokens)),
        route(Method::DELETE, "/api/v1/tokens/{id}", can(Write, OwnAccount), delete(settings::token_revoke)),
        route(Method::GET, "/api/v1/members", can(Action::Manage, Accounts), get(settings::members_list)),
        route(Method::POST, "/api/v1/members", can(Action::Manage, Accounts), post(settings::member_create)),
        route(Method::PATCH, "/api/v1/members/{id}", can(Action::Manage, Accounts), patch(settings::member_patch)),
        route(Method::GET, "/settings", Access::SIGNED.html(), get(settings::settings_page)),
        route(Method::POST, "/settings/profile", can(Write, OwnAccount).html(), post(settings::profile_form)),
        route(Method::POST, "/settings/password", can(Write, OwnAccount).html(), post(settings::password_form)),
        route(Method::POST, "/settings/tokens", can(Write, OwnAccount).html(), post(settings::token_form)),
        route(Method::POST, "/settings/tokens/{id}/revoke", can(Write, OwnAccount).html(), post(settings::revoke_form)),
        route(Method::POST, "/settings/members", can(Action::Manage, Accounts).html(), post(settings::add_member_form)),
        route(
            Method::POST,
            "/settings/members/{id}",
            can(Action::Manage, Accounts).html(),
            post(settings::change_member_form),
        ),
        route(Method::GET, "/projects", can(Read, ProjectTasks).html(), get(projects::projects_page)),
        route(Method::POST, "/projects", can(Write, Tasks).html(), post(projects::add_project_form)),
        route(Method::GET, "/projects/{id}", can(Read, ProjectTasks).html(), get(projects::project_page)),
        route(Method::POST, "/projects/{id}/members", can(Action::Manage, Accounts).html(), post(projects::share_form)),
        route(Method::GET, "/import", can(Write, People).html(), get(import_pages::import_page)),
        route(Method::POST, "/import", can(Write, People).html(), post(import_pages::import_form)),
        route(Method::GET, "/import/{id}", can(Write, People).html(), get(import_pages::job_page)),
        // Private people and team-wide intro paths (issue 5, parts 3 and 4).
        route(Method::GET, "/api/v1/team/path", can(Read, Workspace), get(api_team_paths::team_path)),
        route(Method::GET, "/team/path", can(Read, Workspace).html(), get(api_team_paths::team_path_page)),
        // Workspaces (issue 5, part 3): the user's list, a new team one, switching, leaving.
        route(Method::GET, "/api/v1/workspaces", Access::SIGNED, get(workspaces::list)),
        route(Method::POST, "/api/v1/workspaces", can(Write, OwnAccount), post(workspaces::create)),
        route(Method::POST, "/api/v1/session/workspace", can(Write, OwnAccount), post(workspaces::session_switch)),
        route(Method::DELETE, "/api/v1/members/{id}", can(Action::Manage, Accounts), delete(workspaces::member_remove)),
        route(Method::POST, "/workspace", can(Write, OwnAccount).html(), post(web::switch_form)),
        route(Method::POST, "/settings/workspaces", can(Write, OwnAccount).html(), post(workspaces::create_form)),
        route(
            Method::POST,
            "/settings/members/{id}/remove",
            can(Action::Manage, Accounts).html(),
            post(workspaces::remove_member_form),
        ),
        // A workspace as a whole: rename, leave, delete (`access::can_workspace`, against the
        // caller's role in the workspace the path names).
        route(Method::PATCH, "/api/v1/workspaces/{id}", Access::workspace(Rename), patch(workspaces::rename)),
        route(Method::DELETE, "/api/v1/workspaces/{id}", Access::workspace(Delete), delete(workspaces::delete)),
        route(Method::POST, "/api/v1/workspaces/{id}/leave", Access::workspace(Leave), post(workspaces::leave)),
        route(
            Method::POST,
            "/settings/workspaces/{id}/rename",
            Access::workspace(Rename).html(),
            post(workspaces::rename_form),
        ),
        route(
            Method::POST,
            "/settings/workspaces/{id}/leave",
            Access::workspace(Leave).html(),
            post(workspaces::leave_form),
        ),
        route(
            Method::POST,
            "/settings/workspaces/{id}/delete",
            Access::workspace(Delete).html(),
            post(workspaces::delete_form),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// Health and the API's description

#[utoipa::path(get, path = "/healthz", tag = "server",
    responses((status = 200, description = "The server and its database answer", body = Object)))]
async fn healthz(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    state.pool.accounts(|s| Ok(s.user_count()?)).await?;
    Ok(axum::Json(json!({ "status": "ok" })))
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "server",
    responses((status = 200, description = "This document: OpenAPI 3.1", body = Object)))]
async fn openapi_json() -> impl IntoResponse {
    static DOC: LazyLock<String> = LazyLock::new(|| ApiDoc::openapi().to_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json")], DOC.as_str())
}

// ---------------------------------------------------------------------------------------------
// Sessions

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// Check an email and password against the rate limits and the stored hash; on success, start a
/// session and return its user and secret token. Failures do not say which part was wrong.
pub(crate) async fn authenticate(
    state: &AppState,
    email: &str,
    password: String,
    addr: SocketAddr,
) -> Result<(kith_store::accounts::User, String), ApiError> {
    let email = Email::parse(email).map(|e| e.as_str().to_string()).unwrap_or_else(|_| email.trim().to_lowercase());
    let (account_key, addr_key) = (format!("account:{email}"), format!("address:{}", addr.ip()));
    let c = &state.config;
    let blocked = state
        .limiter
        .blocked(&account_key, c.sign_in_attempts_per_account)
        .or_else(|| state.limiter.blocked(&addr_key, c.sign_in_attempts_per_address));
    if let Some(left) = blocked {
        tracing::warn!(address = %addr.ip(), "sign-in refused: too many failed attempts");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many failed sign-ins; try again in {} minutes", left.as_secs() / 60 + 1),
        ));
    }
    let now = state.now_ms();
    let expires = now + i64::from(c.session_hours) * 3_600_000;
    let lookup = email.clone();
    let outcome = state
        .pool
        .accounts(move |store| {
            let found = store.user_by_email(&lookup)?;
            let hash = found.as_ref().and_then(|(_, h)| h.as_deref());
            let ok = auth::verify_password(&password, hash);
            match found {
                Some((user, _)) if ok && !user.disabled => {
                    let token = auth::new_secret().map_err(ApiError::internal)?;
                    store.create_session(&auth::token_hash(&token), user.id, now, expires)?;
                    Ok(Some((user, token)))
                }
                _ => Ok(None),
            }
        })
        .await?;
    match outcome {
        Some(ok) => {
            state.limiter.clear(&account_key);
            tracing::info!(user = %ok.0.id, "signed in");
            Ok(ok)
        }
        None => {
            state.limiter.fail(&account_key);
            state.limiter.fail(&addr_key);
            tracing::info!(address = %addr.ip(), "sign-in failed");
            Err(ApiError::new(StatusCode::UNAUTHORIZED, "bad_credentials", "wrong email or password"))
        }
    }
}

pub(crate) fn session_cookie(state: &AppState, token: &str) -> String {
    auth::set_cookie(
        auth::SESSION_COOKIE,
        token,
        i64::from(state.config.session_hours) * 3600,
        state.config.cookie_secure,
    )
}

pub(crate) fn expired_cookie(state: &AppState, name: &str) -> String {
    auth::set_cookie(name, "", 0, state.config.cookie_secure)
}

#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses(
        (status = 200, description = "Signed in: the session cookie is set; `csrf_token` must be sent as X-CSRF-Token on unsafe requests", body = Object),
        (status = 401, description = "Wrong email or password", body = Object),
        (status = 429, description = "Too many failed sign-ins", body = Object)))]
async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Body(b): Body<SignIn>,
) -> Result<Response, ApiError> {
    let (user, token) = authenticate(&state, &b.email, b.password, addr).await?;
    let body = json!({ "user": user, "csrf_token": auth::csrf_for_session(&token) });
    Ok(([(header::SET_COOKIE, session_cookie(&state, &token))], axum::Json(body)).into_response())
}

pub(crate) async fn end_session(state: &AppState, p: &Principal) -> Result<(), ApiError> {
    if let Via::Session { token } = &p.via {
        let hash = auth::token_hash(token);
        state.pool.accounts(move |s| Ok(s.delete_session(&hash)?)).await?;
    }
    Ok(())
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Signed out; the session is gone on the server too")))]
async fn sign_out(State(state): State<AppState>, Extension(p): Extension<Principal>) -> Result<Response, ApiError> {
    end_session(&state, &p).await?;
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, expired_cookie(&state, auth::SESSION_COOKIE))]).into_response())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, description = "Who is signed in, with which role", body = Object)))]
async fn me(Extension(p): Extension<Principal>) -> impl IntoResponse {
    let kind = p.current().map(|w| w.kind);
    axum::Json(
        json!({ "user": p.user, "workspace": p.workspace, "workspace_kind": kind, "role": p.role, "read_only": p.read_only }),
    )
}

// ---------------------------------------------------------------------------------------------
// People

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

/// A page size: 1 to 500, default 50.
pub(crate) fn limit(l: Option<usize>) -> Result<usize, ApiError> {
    match l {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::bad_request("invalid_query", format!("limit {n} is not from 1 to {MAX_LIMIT}"))),
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Only names containing this text
    pub q: Option<String>,
    pub tag: Option<String>,
    /// A to D
    pub tier: Option<String>,
    /// operational, personal or strategic
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub net_type: Option<String>,
    /// 1 to 500, default 50
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page
    pub cursor: Option<String>,
}

/// The cursor is the last row's (name, id), hex-encoded: opaque to clients, stable under inserts.
pub(crate) fn encode_cursor(name: &str, id: Id) -> String {
    format!("{name}\u{1f}{id}").bytes().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn decode_cursor(c: &str) -> Result<(String, Id), ApiError> {
    let bad = || ApiError::bad_request("bad_cursor", "the cursor is not one this server gave out");
    if !c.len().is_multiple_of(2) || c.len() > 2048 {
        return Err(bad());
    }
    let bytes: Vec<u8> = (0..c.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(c.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()
        .ok_or_else(bad)?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (name, id) = text.split_once('\u{1f}').ok_or_else(bad)?;
    Ok((name.to_string(), id.parse().map_err(|_| bad())?))
}

#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PeopleQuery),
    responses((status = 200, description = "A page of people in name order: `items`, and `next_cursor` when there are more", body = Object)))]
async fn people_list(
    State(state): State<AppState>,
    Query(q): Query<PeopleQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = limit(q.limit)?;
    let tag = q.tag.as_deref().map(tag).transpose().map_err(edit::EditError::from)?;
    let tier = q.tier.as_deref().map(|t| t.parse::<Tier>()).transpose().map_err(edit::EditError::from)?;
    let net_type = q.net_type.as_deref().map(|t| t.parse::<NetType>()).transpose().map_err(edit::EditError::from)?;
    let name = q.q.filter(|s| !s.trim().is_empty());
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;
    // A name search and the tag, tier and type filters are answered from the in-memory name
    // index (the same rows and order as `people_after`; a rare tag was a walk of the people in
    // name order probing each one's tags, 61 requests a second at 100,000 people on PostgreSQL).
    let st = state.clone();
    let mut rows = state
        .pool
        .run(move |s| {
            let after = after.as_ref().map(|(n, id)| (n.as_str(), *id));
            let ix = st.name_index(s)?;
            let only = ListFilter {
                tag: tag.as_deref(),
                tier: tier.map(Tier::as_str),
                net_type: net_type.map(NetType::as_str),
            };
            Ok(ix.rows(&ix.find_filtered(name.as_deref(), &only, after, n + 1, &s.scope())))
        })
        .await?;
    let next = if rows.len() > n {
        rows.truncate(n);
        rows.last().map(|p| encode_cursor(&p.name, p.id))
    } else {
        None
    };
    Ok(axum::Json(json!({ "items": rows, "next_cursor": next })))
}

#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 200, description = "Everything about one person", body = Object),
              (status = 404, description = "No such person", body = Object)))]
async fn person_get(State(state): State<AppState>, PathId(id): PathId) -> Result<impl IntoResponse, ApiError> {
    let p = state.pool.run(move |s| Ok(s.person(id)?)).await?;
    p.map(axum::Json).ok_or_else(|| ApiError::not_found(format!("no person {id}")))
}

/// A person's fields. On create, `name` is required; lists add values.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PersonBody {
    pub name: Option<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Tags to remove (edits only)
    #[serde(default)]
    pub untag: Vec<String>,
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub offers: Vec<String>,
    /// Current organization, created if new
    pub org: Option<String>,
    pub title: Option<String>,
    /// operational, personal or strategic
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub net_type: Option<String>,
    /// A to D
    pub tier: Option<String>,
    /// How or where you met
    pub met: Option<String>,
    /// 1990-04-12, or 04-12
    pub birthday: Option<String>,
    pub notes: Option<String>,
    /// `true`: private to you (nobody else on the team sees the person or their notes);
    /// `false`: shared with the workspace
    pub private: Option<bool>,
}

impl PersonBody {
    fn input(self) -> (Option<String>, PersonInput) {
        let input = PersonInput {
            emails: self.emails,
            phones: self.phones,
            links: self.links,
            tags: self.tags,
            untag: self.untag,
            needs: self.needs,
            offers: self.offers,
            org: self.org,
            title: self.title,
            net_type: self.net_type,
            tier: self.tier,
            met: self.met,
            birthday: self.birthday,
            notes: self.notes,
            ..Default::default()
        };
        (self.name, input)
    }
}

pub(crate) fn commit(store: &mut Store, cs: ChangeSet, actor: &str, now_ms: i64) -> Result<(), ApiError> {
    store.commit(cs, actor, now_ms.max(0) as u64)?;
    Ok(())
}

#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = PersonBody,
    responses((status = 201, description = "The person added", body = Object),
              (status = 422, description = "A value is not valid; nothing was written", body = Object)))]
async fn person_create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<PersonBody>,
) -> Result<Response, ApiError> {
    let private = b.private;
    let (name, input) = b.input();
    let Some(name) = name else { return Err(ApiError::invalid("a person needs a name")) };
    if !input.untag.is_empty() {
        return Err(ApiError::invalid("untag applies to edits, not to a new person"));
    }
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            let id = s.new_id(now.timestamp().as_millisecond().max(0) as u64);
            let mut cs = ChangeSet::new();
            edit::set_name(&mut cs, id, &name)?;
            edit::person_fields(s, &now, &mut cs, id, &input, true)?;
            if private == Some(true) {
                kith_store::privacy::set_private(&mut cs, id, Some(p.user.id));
            }
            commit(s, cs, p.actor(), now.timestamp().as_millisecond())?;
            s.person(id)?.ok_or_else(|| ApiError::internal("a person just added cannot be read"))
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

#[utoipa::path(patch, path = "/api/v1/people/{id}", tag = "people", request_body = PersonBody,
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 200, description = "The person after the change", body = Object),
              (status = 404, description = "No such person", body = Object),
              (status = 422, description = "A value is not valid, or nothing to change; nothing was written", body = Object)))]
async fn person_patch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    Body(b): Body<PersonBody>,
) -> Result<impl IntoResponse, ApiError> {
    let private = b.private;
    let (name, input) = b.input();
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            // A person private to someone else is not found (the store's scope hides it).
            let Some(before) = s.person(id)? else {
                return Err(ApiError::not_found(format!("no person {id}")));
            };
            let mut cs = ChangeSet::new();
            if let Some(n) = &name {
                edit::set_name(&mut cs, id, n)?;
            }
            edit::person_fields(s, &now, &mut cs, id, &input, false)?;
            match private {
                Some(true) if before.private_to != Some(p.user.id) => {
                    kith_store::privacy::set_private(&mut cs, id, Some(p.user.id))
                }
                Some(false) if before.private_to.is_some() => kith_store::privacy::set_private(&mut cs, id, None),
                _ => {}
            }
            if cs.is_empty() {
                return Err(ApiError::invalid("nothing to change: give at least one field"));
            }
            commit(s, cs, p.actor(), now.timestamp().as_millisecond())?;
            s.person(id)?.ok_or_else(|| ApiError::internal("a person just changed cannot be read"))
        })
        .await?;
    Ok(axum::Json(view))
}

#[utoipa::path(delete, path = "/api/v1/people/{id}", tag = "people",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 204, description = "Removed (the history is kept)"),
              (status = 404, description = "No such person", body = Object)))]
async fn person_delete(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now_ms();
    state
        .pool
        .run(move |s| {
            if s.person(id)?.is_none() {
                return Err(ApiError::not_found(format!("no person {id}")));
            }
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Person, id, true);
            commit(s, cs, p.actor(), now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// Interactions

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InteractionsQuery {
    /// Only interactions with this person (id)
    pub person: Option<String>,
    /// 1 to 500, default 50
    pub limit: Option<usize>,
}

pub(crate) fn query_id(s: &str) -> Result<Id, ApiError> {
    s.parse().map_err(|_| ApiError::bad_request("bad_id", format!("`{s}` is not a record id (a UUID)")))
}

#[utoipa::path(get, path = "/api/v1/interactions", tag = "interactions", params(InteractionsQuery),
    responses((status = 200, description = "Interactions, newest first", body = Object)))]
async fn interactions_list(
    State(state): State<AppState>,
    Query(q): Query<InteractionsQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = limit(q.limit)?;
    let person = q.person.as_deref().map(query_id).transpose()?;
    let items = state.pool.run(move |s| Ok(s.interactions(person, n)?)).await?;
    Ok(axum::Json(json!({ "items": items })))
}

/// An interaction to log: who it was with (references as in the CLI: an email, an id, a name),
/// and what each side gave and got (`"advice: pricing"` or free text).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InteractionBody {
    pub people: Vec<String>,
    /// meeting (default), call, video, email, message, lunch, coffee, event, intro, other
    pub kind: Option<String>,
    /// When it happened (2026-11-24 12:30, yesterday 12:30…); default now
    pub at: Option<String>,
    pub summary: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub gave: Vec<String>,
    #[serde(default)]
    pub got: Vec<String>,
    /// 1 to 3, default 1
    pub weight: Option<i64>,
    /// `true`: a private note, private to you (nobody else on the team sees it, its exchanges
    /// or what it adds to the people's warmth and contact counts); default: seen by whoever
    /// sees its people
    pub private: Option<bool>,
}

/// People named in a body (an email, an id or a name, as in the CLI), each once.
pub(crate) fn resolve_people(s: &mut Store, refs: &[String]) -> Result<Vec<Id>, ApiError> {
    let mut out = Vec::new();
    for r in refs {
        let id = s.resolve_person(r).map_err(edit::EditError::from)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

#[utoipa::path(post, path = "/api/v1/interactions", tag = "interactions", request_body = InteractionBody,
    responses((status = 201, description = "The interaction logged", body = Object),
              (status = 422, description = "A value or reference is not valid; nothing was written", body = Object)))]
async fn interaction_create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<InteractionBody>,
) -> Result<Response, ApiError> {
    if b.people.is_empty() {
        return Err(ApiError::invalid("an interaction needs at least one person"));
    }
    let private = b.private;
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            let people = resolve_people(s, &b.people)?;
            let input = InteractionInput {
                people,
                kind: b.kind.unwrap_or_else(|| "meeting".into()),
                at: b.at,
                summary: b.summary,
                notes: b.notes,
                gave: b.gave,
                got: b.got,
                weight: b.weight.unwrap_or(1),
            };
            let id = s.new_id(now.timestamp().as_millisecond().max(0) as u64);
            let mut cs = edit::log_interaction(s, &now, id, &input)?;
            if private == Some(true) {
                kith_store::privacy::set_interaction_private(&mut cs, id, Some(p.user.id));
            }
            commit(s, cs, p.actor(), now.timestamp().as_millisecond())?;
            s.interaction(id)?.ok_or_else(|| ApiError::internal("an interaction just logged cannot be read"))
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Tasks

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TasksQuery {
    /// open (default), done or all
    pub status: Option<String>,
    /// Only tasks concerning this person (id)
    pub person: Option<String>,
    /// Only tasks of this project (id)
    pub project: Option<String>,
    /// Only tasks assigned to `me`, to no one (`none`), or to the member with this email
    pub assignee: Option<String>,
    /// Only follow-up hooks
    pub hooks: Option<bool>,
    /// 1 to 500, default 50
    pub limit: Option<usize>,
}

/// Who `assignee` in a query names: `me`, `none`, or a member's email.
pub(crate) fn assignee_filter(s: &mut Store, p: &Principal, q: &str) -> Result<Option<Id>, ApiError> {
    match q.trim().to_ascii_lowercase().as_str() {
        "me" => Ok(Some(p.user.id)),
        "none" => Ok(None),
        _ => Ok(Some(edit::assignee(s, q)?)),
    }
}

#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TasksQuery),
    responses((status = 200, description = "Tasks in due order (a guest: those of the projects shared with them)", body = Object)))]
async fn tasks_list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<TasksQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let n = limit(q.limit)?;
    let status = match q.status.as_deref().unwrap_or("open") {
        "all" => None,
        s @ ("open" | "done") => Some(s.to_string()),
        other => {
            return Err(ApiError::bad_request("invalid_query", format!("status `{other}` is not open, done or all")));
        }
    };
    let person = q.person.as_deref().map(query_id).transpose()?;
    let project = q.project.as_deref().map(query_id).transpose()?;
    let items = state
        .pool
        .run(move |s| {
            let reach = Reach::of(s, &p)?;
            if person.is_some() && !reach.sees_people() {
                return Err(ApiError::forbidden("a guest sees no people"));
            }
            let assignee = q.assignee.as_deref().map(|a| assignee_filter(s, &p, a)).transpose()?;
            let filter = TaskFilter {
                status,
                person,
                project,
                assignee,
                projects: reach.projects(),
                hooks_only: q.hooks.unwrap_or(false),
                limit: Some(n),
                ..Default::default()
            };
            Ok(s.tasks(&filter)?.into_iter().map(|t| reach.task_view(t)).collect::<Vec<_>>())
        })
        .await?;
    Ok(axum::Json(json!({ "items": items })))
}

/// A task, or with `hook: true` a follow-up hook on its people.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBody {
    pub title: String,
    /// fri, in 3d, 2026-12-03 09:00…
    pub due: Option<String>,
    /// Project name, created if new (a guest: a project shared with them to edit)
    pub project: Option<String>,
    /// 0 to 3
    pub priority: Option<i64>,
    /// People it concerns (email, id or name)
    #[serde(default)]
    pub people: Vec<String>,
    /// daily, weekly, monthly, yearly, every-N-days
    pub recurrence: Option<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub hook: bool,
    /// The email of the workspace member it is assigned to
    pub assignee: Option<String>,
}

/// The project a guest's task goes in: one shared with them, found by exact name; a guest never
/// creates projects. `None` when no such project is in their reach.
fn project_in_reach(s: &mut Store, reach: &Reach, name: &str) -> Result<Option<Id>, ApiError> {
    let Some(id) = s.find_by_name(Kind::Project, name)? else { return Ok(None) };
    Ok(reach.projects().is_none_or(|ps| ps.contains(&id)).then_some(id))
}

#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = TaskBody,
    responses((status = 201, description = "The task added", body = Object),
              (status = 403, description = "A guest may add tasks only to a project shared with them to edit", body = Object),
              (status = 422, description = "A value or reference is not valid (an assignee who is not a member); nothing was written", body = Object)))]
async fn task_create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<TaskBody>,
) -> Result<Response, ApiError> {
    if b.hook && b.people.is_empty() {
        return Err(ApiError::invalid("a hook is a follow-up on someone: give at least one person"));
    }
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            let reach = Reach::of(s, &p)?;
            if !reach.sees_people() {
                let project = match &b.project {
                    Some(name) => project_in_reach(s, &reach, name)?,
                    None => None,
                };
                if !b.people.is_empty() || !reach.allows(&p, Action::Write, project) {
                    return Err(ApiError::forbidden(
                        "a guest adds tasks, without people, only to a project shared with them to edit",
                    ));
                }
            }
            reach.check_assignee(&p, b.assignee.as_deref())?;
            let people = resolve_people(s, &b.people)?;
            let input = TaskInput {
                due: b.due,
                project: b.project,
                priority: b.priority,
                people,
                recurrence: b.recurrence,
                notes: b.notes,
                hook: b.hook,
                assignee: b.assignee.map(Some),
                ..Default::default()
            };
            let id = s.new_id(now.timestamp().as_millisecond().max(0) as u64);
            let cs = edit::add_task(s, &now, id, &b.title, &input)?;
            commit(s, cs, p.actor(), now.timestamp().as_millisecond())?;
            let t = s.task(id)?.ok_or_else(|| ApiError::internal("a task just added cannot be read"))?;
            Ok(reach.task_view(t))
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(view)).into_response())
}

/// `Some(None)` for an explicit `null`, `None` for a field left out.
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Changes to a task: only the fields given change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    pub title: Option<String>,
    /// open or done
    pub status: Option<String>,
    /// fri, in 3d, 2026-12-03 09:00…
    pub due: Option<String>,
    /// Clear the due date
    #[serde(default)]
    pub no_due: bool,
    /// Project name, created if new (not for guests)
    pub project: Option<String>,
    /// 0 to 3
    pub priority: Option<i64>,
    /// People it also concerns (email, id or name)
    #[serde(default)]
    pub people: Vec<String>,
    /// daily, weekly, monthly, yearly, every-N-days
    pub recurrence: Option<String>,
    /// Reminders before the due time: 15m, 1h, 1d…
    #[serde(default)]
    pub reminders: Vec<String>,
    pub notes: Option<String>,
    /// The email of the workspace member it is assigned to; `null` to assign it to no one
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub assignee: Option<Option<String>>,
}

/// A task in the principal's reach, or 404; 403 when they may see it but not do `action`.
pub(crate) fn task_in_reach(
    s: &mut Store,
    p: &Principal,
    reach: &Reach,
    id: Id,
    action: Action,
) -> Result<TaskView, ApiError> {
    let t = s.task(id)?.ok_or_else(|| ApiError::not_found(format!("no task {id}")))?;
    reach.check(p, action, t.project_id, &format!("task {id}"))?;
    Ok(t)
}

#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "tasks", request_body = TaskPatch,
    params(("id" = String, Path, description = "The task's id")),
    responses((status = 200, description = "The task after the change", body = Object),
              (status = 404, description = "No such task (or not one shared with a guest)", body = Object),
              (status = 422, description = "A value is not valid, or nothing to change; nothing was written", body = Object)))]
async fn task_patch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    Body(b): Body<TaskPatch>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            let reach = Reach::of(s, &p)?;
            task_in_reach(s, &p, &reach, id, Action::Write)?;
            if !reach.sees_people() && (b.project.is_some() || !b.people.is_empty()) {
                return Err(ApiError::forbidden("a guest may not move tasks between projects or link people"));
            }
            if let Some(a) = &b.assignee {
                reach.check_assignee(&p, a.as_deref())?;
            }
            let mut cs = ChangeSet::new();
            let input = TaskInput {
                due: b.due,
                project: b.project,
                priority: b.priority,
                people: resolve_people(s, &b.people)?,
                recurrence: b.recurrence,
                reminders: b.reminders,
                notes: b.notes,
                assignee: b.assignee,
                ..Default::default()
            };
            edit::task_edit(s, &now, &mut cs, id, b.title.as_deref(), b.status.as_deref(), b.no_due, &input)?;
            if cs.is_empty() {
                return Err(ApiError::invalid("nothing to change: give at least one field"));
            }
            commit(s, cs, p.actor(), now.timestamp().as_millisecond())?;
            let t = s.task(id)?.ok_or_else(|| ApiError::internal("a task just changed cannot be read"))?;
            Ok(reach.task_view(t))
        })
        .await?;
    Ok(axum::Json(view))
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/done", tag = "tasks",
    params(("id" = String, Path, description = "The task's id")),
    responses((status = 200, description = "The task after it is done (a repeating task moves to its next date)", body = Object),
              (status = 404, description = "No such task", body = Object)))]
async fn task_done(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now();
    let view = state
        .pool
        .run(move |s| {
            let reach = Reach::of(s, &p)?;
            let t = task_in_reach(s, &p, &reach, id, Action::Write)?;
            let (cs, _) = edit::task_done(&now, &t)?;
            commit(s, cs, p.actor(), now.timestamp().as_millisecond())?;
            let t = s.task(id)?.ok_or_else(|| ApiError::internal("a task just done cannot be read"))?;
            Ok(reach.task_view(t))
        })
        .await?;
    Ok(axum::Json(view))
}

// ---------------------------------------------------------------------------------------------
// Search and agenda

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find (all must match; each as a word start)
    pub q: String,
    /// 1 to 500, default 50
    pub limit: Option<usize>,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, description = "Matching records, best first", body = Object)))]
async fn search(State(state): State<AppState>, Query(q): Query<SearchQuery>) -> Result<impl IntoResponse, ApiError> {
    let n = limit(q.limit)?;
    if q.q.trim().is_empty() {
        return Err(ApiError::bad_request("invalid_query", "q cannot be empty"));
    }
    let items = state.pool.run(move |s| Ok(s.search(&q.q, n)?)).await?;
    Ok(axum::Json(json!({ "items": items })))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AgendaQuery {
    /// How many days, 1 to 366, default 7
    pub days: Option<u32>,
    /// The first day (2026-12-03, tomorrow, fri…); default today
    pub from: Option<String>,
    /// How many overdue tasks to list (the most recently due), or `all`; default 20
    pub overdue: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/agenda", tag = "agenda", params(AgendaQuery),
    responses((status = 200, description = "Due, overdue and scheduled items, day by day: the tasks assigned to the caller or to no one, events and birthdays", body = Object)))]
async fn agenda(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<AgendaQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let days = q.days.unwrap_or(7);
    if !(1..=366).contains(&days) {
        return Err(ApiError::bad_request("invalid_query", "days must be from 1 to 366"));
    }
    let keep =
        match q.overdue.as_deref() {
            None => Some(20),
            Some(s) if s.eq_ignore_ascii_case("all") => None,
            Some(s) => Some(s.parse::<usize>().map_err(|_| {
                ApiError::bad_request("invalid_query", format!("overdue `{s}` is not a number or `all`"))
            })?),
        };
    let now = state.now();
    let first = match &q.from {
        Some(s) => kith_core::when::parse_when(s, &now).map_err(edit::EditError::from)?.date(),
        None => now.date(),
    };
    let user = p.user.id;
    let out =
        state.pool.run(move |s| Ok(kith_store::agenda::agenda_for(s, &now, first, days, keep, Some(user))?)).await?;
    Ok(axum::Json(out))
}

// ---------------------------------------------------------------------------------------------
// Accounts

#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts",
    responses((status = 200, description = "API tokens (never the secrets), newest first; owners and admins only", body = Object)))]
async fn tokens_list(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let items = state.pool.accounts(|s| Ok(s.api_tokens()?)).await?;
    Ok(axum::Json(json!({ "items": items })))
}

/// A new API token for the signed-in user.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What it is for ("backup script")
    pub name: Option<String>,
    /// Reads only
    #[serde(default)]
    pub read_only: bool,
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts", request_body = NewToken,
    responses((status = 201, description = "The token, shown only in this response, and its id", body = Object)))]
async fn token_create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<NewToken>,
) -> Result<Response, ApiError> {
    let name = b.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        return Err(ApiError::invalid("a token's name is at most 100 characters"));
    }
    let token = auth::new_api_token().map_err(ApiError::internal)?;
    let (hash, now, user, ws) = (auth::token_hash(&token), state.now_ms(), p.user.id, p.workspace);
    let read_only = b.read_only;
    // Bound to the workspace the request works in.
    let id = state
        .pool
        .accounts(move |s| Ok(s.create_api_token_in(&hash, user, name.as_deref(), read_only, Some(ws), now)?))
        .await?;
    tracing::info!(user = %p.user.id, token = %id, "token created");
    Ok((StatusCode::CREATED, axum::Json(json!({ "id": id, "token": token, "read_only": read_only }))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    /// At least 8 characters
    pub new: String,
}

#[utoipa::path(post, path = "/api/v1/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204, description = "Changed; the user's other sessions are ended"),
              (status = 403, description = "The current password is wrong", body = Object),
              (status = 422, description = "The new password is too short", body = Object),
              (status = 429, description = "Too many wrong passwords", body = Object)))]
async fn password_change(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Body(b): Body<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let wrong = || ApiError::forbidden("the current password is wrong");
    crate::pages_settings::change_password(&state, &p, b.current, b.new, wrong).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------------
// The document

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("`kith token create`")).build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                auth::SESSION_COOKIE,
                "From sign-in; unsafe requests must also send X-CSRF-Token",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "kith", description = "kith's team server: people, interactions, tasks, search and agenda over one shared store. Errors are `{\"error\": {\"status\", \"code\", \"message\"}}`."),
    paths(
        healthz, openapi_json, sign_in, sign_out, me, people_list, person_create, person_get, person_patch,
        person_delete, interactions_list, interaction_create, tasks_list, task_create, task_patch, task_done, search, agenda,
        team::activity, team::project_activity, team::project_members, team::project_member_set,
        tokens_list, token_create, password_change, web::sign_in_page, web::sign_in_form, web::sign_out_form, web::stylesheet,
        pages::people_page, pages::person_page, pages::log_interaction_form, pages::add_hook_form,
        rec::orgs_list, rec::org_create, rec::org_get, rec::org_patch, rec::org_delete, rec::ties_list,
        rec::tie_create, rec::tie_delete, rec::interaction_get, rec::interaction_patch, rec::interaction_delete,
        rec::exchange_create, rec::exchange_delete, rec::task_get, rec::task_delete,
        rec::projects_list, rec::project_create, rec::project_get, rec::project_patch, rec::events_list,
        rec::event_create, rec::event_get, rec::event_patch, rec::event_delete, rec::attendees_add,
        rec::attendee_remove, intel::plan, intel::reconnect, intel::path, intel::rank, intel::ledger,
        intel::person_ledger, intel::person_brief, intel::event_brief, interop::export_vcard, interop::export_ics,
        interop::export_json, interop::import_vcard, interop::import_csv,
        pages_today::today, pages::new_person_page, pages::add_person_form, pages_tasks::tasks_page,
        pages_tasks::board_page, pages_tasks::add_task_form, pages_tasks::assign_form, pages_tasks::done_form,
        pages_events::events_page, pages_events::event_page, pages_events::debrief_form,
        network::network_page,
        // Settings, import and projects pages.
        settings::my_tokens, settings::token_revoke, settings::members_list, settings::member_create,
        settings::member_patch, settings::settings_page, settings::profile_form, settings::password_form,
        settings::token_form, settings::revoke_form, settings::add_member_form, settings::change_member_form,
        projects::projects_page, projects::add_project_form, projects::project_page, projects::share_form,
        import_pages::import_page, import_pages::import_form, import_pages::job_page,
        // Private people and team-wide intro paths.
        api_team_paths::team_path, api_team_paths::team_path_page,
        // Workspaces.
        workspaces::list, workspaces::create, workspaces::session_switch, workspaces::member_remove,
        web::switch_form, workspaces::create_form, workspaces::remove_member_form,
        workspaces::rename, workspaces::delete, workspaces::leave, workspaces::rename_form,
        workspaces::leave_form, workspaces::delete_form,
    ),
    components(schemas(
        SignIn, PersonBody, InteractionBody, TaskBody, NewToken, PasswordChange, rec::OrgBody, rec::TieBody,
        rec::InteractionPatch, rec::ExchangeBody, rec::ProjectBody, rec::EventBody,
        rec::AttendeesBody, TaskPatch, team::MemberBody, settings::NewMember, settings::MemberPatch,
        workspaces::NewWorkspace, workspaces::SwitchBody, workspaces::RenameBody, workspaces::DeleteBody
    )),
    modifiers(&Security),
    security(("token" = []), ("session" = []))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id: Id = "01234567-89ab-7def-8123-456789abcdef".parse().unwrap();
        let c = encode_cursor("Zoë Ölund", id);
        assert_eq!(decode_cursor(&c).unwrap(), ("Zoë Ölund".to_string(), id));
        for bad in ["", "zz", "abc", "6162", &c[..c.len() - 2]] {
            assert_eq!(decode_cursor(bad).unwrap_err().code, "bad_cursor", "{bad}");
        }
    }
}
