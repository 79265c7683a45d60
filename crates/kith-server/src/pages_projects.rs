//! The projects pages: `/projects` (name, status, open tasks; a form to add one for those who
//! write tasks) and `/projects/{id}` (its tasks with assignees and due dates, its member list
//! with rights, editable by owners and admins, and its activity feed). A guest sees only the
//! projects shared with them; any other project does not exist for them (404), as in the API.

use axum::Extension;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use kith_core::Id;
use kith_store::activity::ActivityQuery;
use kith_store::edit;
use kith_store::team::ProjectRights;
use kith_store::{ProjectView, TaskFilter, TaskView};
use serde::Deserialize;

use crate::access::{Action, Principal, Reach, Resource, can};
use crate::error::{ApiError, PathId};
use crate::pages::{alert, check_csrf, csrf_of, nav, nonempty};
use crate::state::AppState;
use crate::web::{escape, form_error, page};

/// Tasks shown on a project's page, and entries of its activity feed.
const TASKS_SHOWN: usize = 200;
const ACTIVITY_SHOWN: usize = 20;

/// The "add a project" form.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct ProjectForm {
    csrf: String,
    name: Option<String>,
    description: Option<String>,
}

fn projects_html(p: &Principal, projects: &[ProjectView], form: &ProjectForm, message: Option<&str>) -> String {
    let mut b = format!("<header>{}<h1>Projects</h1></header>", nav());
    if projects.is_empty() {
        b.push_str("<p>No projects.</p>");
    } else {
        b.push_str(
            "<table><thead><tr><th scope=\"col\">Project</th><th scope=\"col\">Status</th>\
             <th scope=\"col\">Open tasks</th></tr></thead><tbody>",
        );
        for pr in projects {
            b.push_str(&format!(
                "<tr><td><a href=\"/projects/{}\">{}</a></td><td>{}</td><td>{}</td></tr>",
                pr.id,
                escape(&pr.name),
                escape(pr.status.as_deref().unwrap_or("active")),
                pr.open_tasks
            ));
        }
        b.push_str("</tbody></table>");
    }
    if can(p, Action::Write, Resource::Tasks) {
        b.push_str(&format!(
            "<section aria-labelledby=\"add\"><h2 id=\"add\">Add a project</h2>{}\
             <form method=\"post\" action=\"/projects\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <p><label for=\"name\">Name</label><br><input id=\"name\" name=\"name\" required value=\"{}\"></p>\
             <p><label for=\"description\">Description</label><br><textarea id=\"description\" name=\"description\" rows=\"2\">{}</textarea></p>\
             <p><button type=\"submit\">Add the project</button></p></form></section>",
            message.map(alert).unwrap_or_default(),
            escape(&csrf_of(p)),
            escape(form.name.as_deref().unwrap_or("")),
            escape(form.description.as_deref().unwrap_or("")),
        ));
    }
    page("Projects", &b)
}

/// The projects in the principal's reach, by name.
async fn projects_in_reach(state: &AppState, p: &Principal) -> Result<Vec<ProjectView>, ApiError> {
    let p = p.clone();
    state
        .pool
        .run(move |s| {
            let reach = Reach::of(s, &p)?;
            let all = s.projects()?;
            Ok(match reach.projects() {
                None => all,
                Some(ids) => all.into_iter().filter(|pr| ids.contains(&pr.id)).collect(),
            })
        })
        .await
}

#[utoipa::path(get, path = "/projects", tag = "web",
    responses((status = 200, description = "Projects with their status and open tasks (a guest: those shared with them)", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn projects_page(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, ApiError> {
    let projects = projects_in_reach(&state, &p).await?;
    Ok(Html(projects_html(&p, &projects, &ProjectForm::default(), None)).into_response())
}

#[utoipa::path(post, path = "/projects", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, name, description"),
    responses((status = 303, description = "Added: on to the project's page"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 422, description = "The name is empty or in use: the list with the message; nothing was written", content_type = "text/html")))]
pub async fn add_project_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    form: Result<Form<ProjectForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let sent = f.clone();
    let (now, actor) = (state.now_ms(), p.actor().to_string());
    let result = state
        .pool
        .run(move |s| {
            let id = s.new_id(now.max(0) as u64);
            let cs = edit::add_project(s, id, f.name.as_deref().unwrap_or(""), nonempty(&f.description))?;
            crate::api::commit(s, cs, &actor, now)?;
            Ok(id)
        })
        .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/projects/{id}")).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let projects = projects_in_reach(&state, &p).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(projects_html(&p, &projects, &sent, Some(&e.message))))
                .into_response())
        }
        Err(e) => Err(e),
    }
}

fn task_row(t: &TaskView, tz: &TimeZone, today: &str) -> String {
    let due = t
        .due_date
        .clone()
        .or_else(|| t.due_at.map(|at| at.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()));
    let overdue = t.status == "open" && due.as_deref().is_some_and(|d| d < today);
    let due = match due {
        Some(d) if overdue => format!("<span class=\"overdue\">{}</span>", escape(&d)),
        Some(d) => escape(&d),
        None => String::new(),
    };
    let assignee = t
        .assignee
        .as_ref()
        .map(|a| escape(a.name.as_deref().or(a.email.as_deref()).unwrap_or("a user of another server")))
        .unwrap_or_else(|| "no one".to_string());
    format!("<tr><td>{}</td><td>{}</td><td>{assignee}</td><td>{due}</td></tr>", escape(&t.title), escape(&t.status))
}

/// What a refused member form sends back.
struct MemberMessage {
    email: String,
    message: String,
}

async fn project_html(
    state: &AppState,
    p: &Principal,
    id: Id,
    refused: Option<MemberMessage>,
) -> Result<String, ApiError> {
    let who = p.clone();
    let (project, tasks, members, activity) = state
        .pool
        .run(move |s| {
            let reach = Reach::of(s, &who)?;
            let Some(project) = s.project(id)? else { return Err(ApiError::not_found(format!("no project {id}"))) };
            reach.check(&who, Action::Read, Some(id), &format!("project {id}"))?;
            let tasks: Vec<TaskView> = s
                .tasks(&TaskFilter { project: Some(id), limit: Some(TASKS_SHOWN + 1), ..Default::default() })?
                .into_iter()
                .map(|t| reach.task_view(t))
                .collect();
            let members = s.project_members(id)?;
            let activity = s.activity(&ActivityQuery { project: Some(id), before: None, limit: ACTIVITY_SHOWN })?;
            Ok((project, tasks, members, activity.items))
        })
        .await?;
    let now = state.now();
    let tz = now.time_zone().clone();
    let today = now.date().to_string();
    let mut b = format!("<header>{}<h1>{}</h1>", nav(), escape(&project.name));
    b.push_str(&format!(
        "<p class=\"with\">{} · {} open, {} done · <a href=\"/tasks/board?project={id}\">Board</a></p></header>",
        escape(project.status.as_deref().unwrap_or("active")),
        project.open_tasks,
        project.done_tasks
    ));
    if let Some(d) = &project.description {
        b.push_str(&format!("<p class=\"text\">{}</p>", escape(d)));
    }

    b.push_str("<section aria-labelledby=\"tasks\"><h2 id=\"tasks\">Tasks</h2>");
    if tasks.is_empty() {
        b.push_str("<p>No tasks.</p>");
    } else {
        b.push_str(
            "<table><thead><tr><th scope=\"col\">Task</th><th scope=\"col\">Status</th>\
             <th scope=\"col\">Assignee</th><th scope=\"col\">Due</th></tr></thead><tbody>",
        );
        for t in tasks.iter().take(TASKS_SHOWN) {
            b.push_str(&task_row(t, &tz, &today));
        }
        b.push_str("</tbody></table>");
        if tasks.len() > TASKS_SHOWN {
            b.push_str(&format!("<p>The first {TASKS_SHOWN} shown.</p>"));
        }
    }
    b.push_str("</section>");

    b.push_str("<section aria-labelledby=\"members\"><h2 id=\"members\">Shared with</h2>");
    if members.is_empty() {
        b.push_str("<p>No one besides the workspace's members.</p>");
    } else {
        b.push_str("<ul>");
        for m in &members {
            b.push_str(&format!(
                "<li>{} <span class=\"with\">{} · {}</span></li>",
                escape(&m.name),
                escape(&m.email),
                m.rights
            ));
        }
        b.push_str("</ul>");
    }
    if can(p, Action::Manage, Resource::Accounts) {
        let (email, message) = match &refused {
            Some(r) => (r.email.as_str(), alert(&r.message)),
            None => ("", String::new()),
        };
        b.push_str(&format!(
            "<h3>Share or change rights</h3>{message}<form method=\"post\" action=\"/projects/{id}/members\">\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <p><label for=\"email\">User's email</label><br><input id=\"email\" name=\"email\" type=\"email\" required value=\"{}\"></p>\
             <p><label for=\"rights\">Rights</label><br><select id=\"rights\" name=\"rights\">\
             <option value=\"view\">view</option><option value=\"edit\">edit</option><option value=\"none\">none (stop sharing)</option></select></p>\
             <p><button type=\"submit\">Save</button></p></form>",
            escape(&csrf_of(p)),
            escape(email)
        ));
    }
    b.push_str("</section>");

    b.push_str("<section aria-labelledby=\"activity\"><h2 id=\"activity\">Activity</h2>");
    if activity.is_empty() {
        b.push_str("<p>Nothing yet.</p>");
    } else {
        b.push_str("<ul>");
        for e in &activity {
            let at = e.at.map(|t| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string());
            b.push_str(&format!(
                "<li><time>{}</time> <strong>{}</strong> {}</li>",
                escape(at.as_deref().unwrap_or("")),
                escape(&e.actor),
                escape(&e.summary)
            ));
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>");
    Ok(page(&project.name, &b))
}

#[utoipa::path(get, path = "/projects/{id}", tag = "web",
    params(("id" = String, Path, description = "The project's id")),
    responses((status = 200, description = "The project: its tasks with assignees and due dates, who it is shared with, its activity", content_type = "text/html"),
              (status = 404, description = "No such project (or, for a guest, not one shared with them)", body = Object),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn project_page(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    Ok(Html(project_html(&state, &p, id, None).await?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareForm {
    csrf: String,
    email: Option<String>,
    rights: Option<String>,
}

#[utoipa::path(post, path = "/projects/{id}/members", tag = "web",
    params(("id" = String, Path, description = "The project's id")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, email, rights (view, edit or none)"),
    responses((status = 303, description = "Saved: back to the project"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 404, description = "No such project", body = Object),
              (status = 422, description = "Not a user of the workspace, or not view, edit or none: the page with the message", content_type = "text/html")))]
pub async fn share_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    form: Result<Form<ShareForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let email = f.email.clone().unwrap_or_default();
    let now = state.now_ms();
    let result = state
        .pool
        .run(move |s| {
            if !s.project_exists(id)? {
                return Err(ApiError::not_found(format!("no project {id}")));
            }
            let rights = match nonempty(&f.rights).unwrap_or("").to_ascii_lowercase().as_str() {
                "none" => None,
                r => Some(r.parse::<ProjectRights>().map_err(edit::EditError::from)?),
            };
            let user = edit::assignee(s, f.email.as_deref().unwrap_or(""))?;
            s.set_project_member(id, user, rights, now)?;
            Ok(())
        })
        .await;
    match result {
        Ok(()) => {
            tracing::info!(project = %id, "project members changed");
            Ok(Redirect::to(&format!("/projects/{id}")).into_response())
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let html = project_html(&state, &p, id, Some(MemberMessage { email, message: e.message })).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}
