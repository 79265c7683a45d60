//! The tasks pages: `/tasks` (a list, open tasks first by due date, filtered by status, project
//! and assignee, with the "add a task" form and, on each open task, "assign to" and "done") and
//! `/tasks/board` (one column per status, with the assignees). Server-rendered like the other
//! pages; writes go through `kith_store::edit` as the signed-in user.

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use jiff::tz::TimeZone;
use kith_core::model::TaskStatus;
use kith_store::accounts::User;
use kith_store::edit::{self, TaskInput};
use kith_store::{TaskFilter, TaskView};
use serde::Deserialize;

use crate::access::{Action, Principal, Resource, can};
use crate::api::assignee_filter;
use crate::error::{ApiError, PathId, Query};
use crate::pages::{alert, check_csrf, csrf_of, nav, nonempty};
use crate::state::AppState;
use crate::web::{escape, form_error, page, person_link};

/// Tasks shown in the list, and in each column of the board.
const SHOWN: usize = 200;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TasksQuery {
    /// open, done, cancelled or all (default open).
    status: Option<String>,
    /// A project's name or id.
    project: Option<String>,
    /// `me`, `none`, or a member's email; empty for everyone's.
    assignee: Option<String>,
}

fn due_text(t: &TaskView, tz: &TimeZone) -> Option<String> {
    t.due_date
        .clone()
        .or_else(|| t.due_at.map(|at| at.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()))
}

/// One task as a list item: title, kind, due, project, people, priority and assignee, then
/// `actions` (the forms that change it, when the reader may).
pub(crate) fn task_item(t: &TaskView, tz: &TimeZone, today: &str, actions: &str) -> String {
    let due = due_text(t, tz);
    let overdue = t.status == "open" && due.as_deref().is_some_and(|d| d < today);
    let people = t.people.iter().map(|p| person_link(p.id, &p.name)).collect::<Vec<_>>().join(", ");
    let mut facts = Vec::new();
    if let Some(d) = &due {
        facts.push(if overdue {
            format!("<span class=\"overdue\">due {}</span>", escape(d))
        } else {
            format!("due {}", escape(d))
        });
    }
    if let Some(p) = &t.project {
        facts.push(format!("project {}", escape(p)));
    }
    if let Some(p) = t.priority {
        facts.push(format!("priority {p}"));
    }
    if !people.is_empty() {
        facts.push(format!("with {people}"));
    }
    if let Some(a) = &t.assignee {
        let who = a.name.as_deref().or(a.email.as_deref()).map(str::to_string).unwrap_or_else(|| a.id.to_string());
        facts.push(format!("<span class=\"assignee\">assigned to {}</span>", escape(&who)));
    }
    format!(
        "<li><span class=\"kind\">{}</span> <strong>{}</strong>{}{actions}</li>",
        if t.hook { "hook" } else { "task" },
        escape(&t.title),
        if facts.is_empty() {
            String::new()
        } else {
            format!("<br><span class=\"with\">{}</span>", facts.join(" · "))
        }
    )
}

/// The workspace's enabled members, who can be given work, by name.
fn assignable(s: &mut kith_store::Store) -> Result<Vec<User>, ApiError> {
    let mut users: Vec<User> =
        s.users()?.into_iter().filter(|(u, role)| !u.disabled && role.is_some()).map(|(u, _)| u).collect();
    users.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.email.cmp(&b.email)));
    Ok(users)
}

/// `<option>`s of the members, by email, `chosen` selected; `first` are fixed options before.
fn member_options(users: &[User], first: &[(&str, &str)], chosen: Option<&str>) -> String {
    let is = |v: &str| chosen.unwrap_or("").eq_ignore_ascii_case(v);
    let mut o = String::new();
    for (v, text) in first {
        let sel = if is(v) { " selected" } else { "" };
        o.push_str(&format!("<option value=\"{}\"{sel}>{}</option>", escape(v), escape(text)));
    }
    for u in users {
        let sel = if is(&u.email) { " selected" } else { "" };
        o.push_str(&format!(
            "<option value=\"{}\"{sel}>{} ({})</option>",
            escape(&u.email),
            escape(&u.name),
            escape(&u.email)
        ));
    }
    o
}

/// The forms on an open task in the list: give it to a member (or no one), mark it done.
fn task_actions(t: &TaskView, users: &[User], csrf: &str) -> String {
    if t.status != "open" {
        return String::new();
    }
    let id = t.id;
    let current = t.assignee.as_ref().and_then(|a| a.email.as_deref());
    format!(
        "<div class=\"actions\"><form method=\"post\" action=\"/tasks/{id}/assign\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label for=\"assign-{id}\">Assign to</label> <select id=\"assign-{id}\" name=\"assignee\">{}</select> \
         <button type=\"submit\">Assign</button></form>\
         <form method=\"post\" action=\"/tasks/{id}/done\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\" aria-label=\"Done: {title}\">Done</button></form></div>",
        member_options(users, &[("", "No one")], current),
        csrf = escape(csrf),
        title = escape(&t.title),
    )
}

/// The status filter: `None` for all; an unknown word is a message for the page.
fn status_of(q: &TasksQuery) -> Result<Option<TaskStatus>, String> {
    match nonempty(&q.status) {
        None => Ok(Some(TaskStatus::Open)),
        Some(s) if s.eq_ignore_ascii_case("all") => Ok(None),
        Some(s) => s.parse::<TaskStatus>().map(Some).map_err(|e| e.to_string()),
    }
}

fn filter_form(q: &TasksQuery, action: &str, with_status: bool, users: &[User]) -> String {
    let mut b = format!("<form method=\"get\" action=\"{action}\">");
    if with_status {
        let chosen = nonempty(&q.status).unwrap_or("open");
        let opts: String = ["open", "done", "cancelled", "all"]
            .iter()
            .map(|s| {
                let sel = if chosen.eq_ignore_ascii_case(s) { " selected" } else { "" };
                format!("<option value=\"{s}\"{sel}>{s}</option>")
            })
            .collect();
        b.push_str(&format!(
            "<p><label for=\"status\">Status</label><br><select id=\"status\" name=\"status\">{opts}</select></p>"
        ));
    }
    b.push_str(&format!(
        "<p><label for=\"project\">Project</label><br><input id=\"project\" name=\"project\" value=\"{}\"></p>\
         <p><label for=\"assignee\">Assigned to</label><br><select id=\"assignee\" name=\"assignee\">{}</select></p>\
         <p><button type=\"submit\">Show</button></p></form>",
        escape(nonempty(&q.project).unwrap_or("")),
        member_options(users, &[("", "Anyone"), ("me", "Me"), ("none", "No one")], nonempty(&q.assignee)),
    ));
    b
}

/// What a tasks page shows: the members (for the assignee menus) and the tasks of a project (by
/// name or id), status and assignee, or the message that says why not.
struct Read {
    users: Vec<User>,
    tasks: Result<Vec<TaskView>, String>,
}

async fn read_tasks(
    state: &AppState,
    p: &Principal,
    q: &TasksQuery,
    status: Option<TaskStatus>,
) -> Result<Read, ApiError> {
    let project = nonempty(&q.project).map(str::to_string);
    let assignee = nonempty(&q.assignee).map(str::to_string);
    let p = p.clone();
    state
        .pool
        .run(move |s| {
            let users = assignable(s)?;
            let project = match project {
                Some(name) => match s.resolve_project(&name) {
                    Ok(id) => Some(id),
                    Err(e) if e.is_lookup() => return Ok(Read { users, tasks: Err(e.to_string()) }),
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
            let assignee = match assignee.map(|a| assignee_filter(s, &p, &a)).transpose() {
                Ok(a) => a,
                Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                    return Ok(Read { users, tasks: Err(e.message) });
                }
                Err(e) => return Err(e),
            };
            let tasks = s.tasks(&TaskFilter {
                status: status.map(|s| s.as_str().to_string()),
                project,
                assignee,
                limit: Some(SHOWN * 3),
                ..Default::default()
            })?;
            Ok(Read { users, tasks: Ok(tasks) })
        })
        .await
}

/// The "add a task" form, with the values sent back when it was refused.
fn add_form(f: &TaskForm, users: &[User], csrf: &str) -> String {
    let v = |s: &Option<String>| escape(s.as_deref().unwrap_or(""));
    format!(
        "<section aria-labelledby=\"add\"><h2 id=\"add\">Add a task</h2>\
         <form method=\"post\" action=\"/tasks\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <p><label for=\"title\">Title</label><br><input id=\"title\" name=\"title\" required value=\"{}\"></p>\
         <p><label for=\"due\">Due (a date, or words like fri or in 3d)</label><br><input id=\"due\" name=\"due\" value=\"{}\"></p>\
         <p><label for=\"task-project\">Project</label><br><input id=\"task-project\" name=\"project\" value=\"{}\"></p>\
         <p><label for=\"task-assignee\">Assign to</label><br><select id=\"task-assignee\" name=\"assignee\">{}</select></p>\
         <p><button type=\"submit\">Add the task</button></p></form></section>",
        escape(csrf),
        v(&f.title),
        v(&f.due),
        v(&f.project),
        member_options(users, &[("", "No one")], nonempty(&f.assignee)),
    )
}

/// The list page; `refused` is a form's refusal: the message, and the "add a task" values sent.
async fn tasks_html(
    state: &AppState,
    p: &Principal,
    q: &TasksQuery,
    refused: Option<(&str, Option<&TaskForm>)>,
) -> Result<(StatusCode, String), ApiError> {
    let now = state.now();
    let tz = now.time_zone().clone();
    let today = now.date().to_string();
    let read = match status_of(q) {
        Err(m) => Read { users: Vec::new(), tasks: Err(m) },
        Ok(status) => read_tasks(state, p, q, status).await?,
    };
    let writer = can(p, Action::Write, Resource::Tasks);
    let csrf = csrf_of(p);
    let mut b = format!("<header>{}<h1>Tasks</h1><p><a href=\"/tasks/board\">Board</a></p></header>", nav());
    let mut status = StatusCode::OK;
    if let Some((message, _)) = refused {
        b.push_str(&alert(message));
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    if writer {
        let sent = refused.and_then(|(_, f)| f).cloned().unwrap_or_default();
        b.push_str(&add_form(&sent, &read.users, &csrf));
    }
    b.push_str(&filter_form(q, "/tasks", true, &read.users));
    match &read.tasks {
        Err(m) => {
            b.push_str(&alert(m));
            status = StatusCode::UNPROCESSABLE_ENTITY;
        }
        Ok(tasks) if tasks.is_empty() => b.push_str("<p>No tasks.</p>"),
        Ok(tasks) => {
            b.push_str("<ul class=\"tasks\">");
            for t in tasks.iter().take(SHOWN) {
                let actions = if writer { task_actions(t, &read.users, &csrf) } else { String::new() };
                b.push_str(&task_item(t, &tz, &today, &actions));
            }
            b.push_str("</ul>");
            if tasks.len() > SHOWN {
                b.push_str(&format!("<p>The first {SHOWN} shown.</p>"));
            }
        }
    }
    Ok((status, page("Tasks", &b)))
}

#[utoipa::path(get, path = "/tasks", tag = "web",
    params(("status" = Option<String>, Query, description = "open (default), done, cancelled or all"),
           ("project" = Option<String>, Query, description = "Only this project's tasks (name or id)"),
           ("assignee" = Option<String>, Query, description = "me, none, or a member's email")),
    responses((status = 200, description = "Tasks as a list, by due date, with the add, assign and done forms for writers", content_type = "text/html"),
              (status = 422, description = "A filter is not valid: the page with the message", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn tasks_page(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<TasksQuery>,
) -> Result<Response, ApiError> {
    let (status, html) = tasks_html(&state, &p, &q, None).await?;
    Ok((status, Html(html)).into_response())
}

#[utoipa::path(get, path = "/tasks/board", tag = "web",
    params(("project" = Option<String>, Query, description = "Only this project's tasks (name or id)"),
           ("assignee" = Option<String>, Query, description = "me, none, or a member's email")),
    responses((status = 200, description = "Tasks as a board: a column per status", content_type = "text/html"),
              (status = 422, description = "A filter is not valid: the page with the message", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn board_page(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<TasksQuery>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let tz = now.time_zone().clone();
    let today = now.date().to_string();
    let head = format!("<header>{}<h1>Task board</h1><p><a href=\"/tasks\">List</a></p></header>", nav());
    if nonempty(&q.status).is_some() {
        let b = format!("{head}{}", alert("the board shows every status: leave out status"));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page("Task board", &b))).into_response());
    }
    let read = read_tasks(&state, &p, &q, None).await?;
    let mut b = format!("{head}{}", filter_form(&q, "/tasks/board", false, &read.users));
    let tasks = match read.tasks {
        Ok(t) => t,
        Err(m) => {
            b.push_str(&alert(&m));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page("Task board", &b))).into_response());
        }
    };
    b.push_str("<div class=\"board\">");
    for status in TaskStatus::ALL {
        let column: Vec<&TaskView> = tasks.iter().filter(|t| t.status == status.as_str()).collect();
        b.push_str(&format!(
            "<section class=\"column\" aria-labelledby=\"col-{s}\"><h2 id=\"col-{s}\">{s} ({})</h2><ul>",
            column.len(),
            s = status.as_str()
        ));
        for t in column.iter().take(SHOWN) {
            b.push_str(&task_item(t, &tz, &today, ""));
        }
        b.push_str("</ul></section>");
    }
    b.push_str("</div>");
    Ok(Html(page("Task board", &b)).into_response())
}

// ---------------------------------------------------------------------------------------------
// The forms

/// The "add a task" form.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct TaskForm {
    csrf: String,
    title: Option<String>,
    due: Option<String>,
    project: Option<String>,
    /// A member's email; empty for no one.
    assignee: Option<String>,
}

#[utoipa::path(post, path = "/tasks", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, title, due, project, assignee (a member's email)"),
    responses((status = 303, description = "Added: back to the tasks"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 422, description = "A value is not valid (an assignee who is not a member…): the page again with the message; nothing was written", content_type = "text/html")))]
pub async fn add_task_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    form: Result<Form<TaskForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let now = state.now();
    let actor = p.actor().to_string();
    let sent = f.clone();
    let result = state
        .pool
        .run(move |s| {
            let input = TaskInput {
                due: nonempty(&f.due).map(str::to_string),
                project: nonempty(&f.project).map(str::to_string),
                assignee: nonempty(&f.assignee).map(|a| Some(a.to_string())),
                ..Default::default()
            };
            let ms = now.timestamp().as_millisecond();
            let id = s.new_id(ms.max(0) as u64);
            let cs = edit::add_task(s, &now, id, f.title.as_deref().unwrap_or(""), &input)?;
            s.commit(cs, &actor, ms.max(0) as u64)?;
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Ok(Redirect::to("/tasks").into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let (status, html) =
                tasks_html(&state, &p, &TasksQuery::default(), Some((&e.message, Some(&sent)))).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The "assign to" form of one task.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct AssignForm {
    csrf: String,
    /// A member's email; empty for no one.
    assignee: Option<String>,
}

/// The "done" form of one task.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct DoneForm {
    csrf: String,
}

/// Change one existing task as the signed-in user: 404 when there is none, and a refusal by
/// `edit` shown on the list with a 422.
async fn change_task(
    state: &AppState,
    p: &Principal,
    id: kith_core::Id,
    build: impl FnOnce(&mut kith_store::Store, &jiff::ZonedDateTime, &TaskView) -> Result<kith_core::ChangeSet, ApiError>
    + Send
    + 'static,
) -> Result<Response, ApiError> {
    let now = state.now();
    let actor = p.actor().to_string();
    let result = state
        .pool
        .run(move |s| {
            let t = s.task(id)?.ok_or_else(|| ApiError::not_found(format!("no task {id}")))?;
            let cs = build(s, &now, &t)?;
            s.commit(cs, &actor, now.timestamp().as_millisecond().max(0) as u64)?;
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Ok(Redirect::to("/tasks").into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let (status, html) = tasks_html(state, p, &TasksQuery::default(), Some((&e.message, None))).await?;
            Ok((status, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}

#[utoipa::path(post, path = "/tasks/{id}/assign", tag = "web",
    params(("id" = String, Path, description = "The task's id")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, assignee (a member's email; empty for no one)"),
    responses((status = 303, description = "Assigned: back to the tasks"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 404, description = "No such task", body = Object),
              (status = 422, description = "Not a member of the workspace: the tasks again with the message; nothing was written", content_type = "text/html")))]
pub async fn assign_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    form: Result<Form<AssignForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    change_task(&state, &p, id, move |s, now, t| {
        let mut cs = kith_core::ChangeSet::new();
        let input = TaskInput { assignee: Some(nonempty(&f.assignee).map(str::to_string)), ..Default::default() };
        edit::task_fields(s, now, &mut cs, t.id, &input)?;
        Ok(cs)
    })
    .await
}

#[utoipa::path(post, path = "/tasks/{id}/done", tag = "web",
    params(("id" = String, Path, description = "The task's id")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf"),
    responses((status = 303, description = "Done (a repeating task moves to its next date): back to the tasks"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 404, description = "No such task", body = Object)))]
pub async fn done_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    form: Result<Form<DoneForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    change_task(&state, &p, id, |_, now, t| Ok(edit::task_done(now, t)?.0)).await
}
