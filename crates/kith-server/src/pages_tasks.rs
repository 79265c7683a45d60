//! The tasks pages: `/tasks` (a list, open tasks first by due date, filtered by status and
//! project) and `/tasks/board` (one column per status). Server-rendered like the other pages.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiff::tz::TimeZone;
use kith_core::model::TaskStatus;
use kith_store::{TaskFilter, TaskView};
use serde::Deserialize;

use crate::access::Principal;
use crate::error::{ApiError, Query};
use crate::pages::{alert, nav, nonempty};
use crate::state::AppState;
use crate::web::{escape, page};

/// Tasks shown in the list, and in each column of the board.
const SHOWN: usize = 200;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TasksQuery {
    /// open, done, cancelled or all (default open).
    status: Option<String>,
    /// A project's name or id.
    project: Option<String>,
}

fn due_text(t: &TaskView, tz: &TimeZone) -> Option<String> {
    t.due_date
        .clone()
        .or_else(|| t.due_at.map(|at| at.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()))
}

/// One task as a list item: title, kind, due, project, people and priority.
pub(crate) fn task_item(t: &TaskView, tz: &TimeZone, today: &str) -> String {
    let due = due_text(t, tz);
    let overdue = t.status == "open" && due.as_deref().is_some_and(|d| d < today);
    let people = t
        .people
        .iter()
        .map(|p| format!("<a href=\"/people/{}\">{}</a>", p.id, escape(&p.name)))
        .collect::<Vec<_>>()
        .join(", ");
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
    format!(
        "<li><span class=\"kind\">{}</span> <strong>{}</strong>{}</li>",
        if t.hook { "hook" } else { "task" },
        escape(&t.title),
        if facts.is_empty() {
            String::new()
        } else {
            format!("<br><span class=\"with\">{}</span>", facts.join(" · "))
        }
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

fn filter_form(q: &TasksQuery, action: &str, with_status: bool) -> String {
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
         <p><button type=\"submit\">Show</button></p></form>",
        escape(nonempty(&q.project).unwrap_or(""))
    ));
    b
}

/// The tasks of a project (by name or id) and status, or the message that says why not.
async fn read_tasks(
    state: &AppState,
    q: &TasksQuery,
    status: Option<TaskStatus>,
) -> Result<Result<Vec<TaskView>, String>, ApiError> {
    let project = nonempty(&q.project).map(str::to_string);
    state
        .pool
        .run(move |s| {
            let project = match project {
                Some(p) => match s.resolve_project(&p) {
                    Ok(id) => Some(id),
                    Err(e) if e.is_lookup() => return Ok(Err(e.to_string())),
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
            let tasks = s.tasks(&TaskFilter {
                status: status.map(|s| s.as_str().to_string()),
                project,
                limit: Some(SHOWN * 3),
                ..Default::default()
            })?;
            Ok(Ok(tasks))
        })
        .await
}

#[utoipa::path(get, path = "/tasks", tag = "web",
    params(("status" = Option<String>, Query, description = "open (default), done, cancelled or all"),
           ("project" = Option<String>, Query, description = "Only this project's tasks (name or id)")),
    responses((status = 200, description = "Tasks as a list, by due date", content_type = "text/html"),
              (status = 422, description = "A filter is not valid: the page with the message", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn tasks_page(
    State(state): State<AppState>,
    Extension(_p): Extension<Principal>,
    Query(q): Query<TasksQuery>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let tz = now.time_zone().clone();
    let today = now.date().to_string();
    let mut b = format!(
        "<header>{}<h1>Tasks</h1><p><a href=\"/tasks/board\">Board</a></p></header>{}",
        nav(),
        filter_form(&q, "/tasks", true)
    );
    let tasks = match status_of(&q) {
        Err(m) => Err(m),
        Ok(status) => read_tasks(&state, &q, status).await?,
    };
    let status = match tasks {
        Err(m) => {
            b.push_str(&alert(&m));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Ok(tasks) => {
            if tasks.is_empty() {
                b.push_str("<p>No tasks.</p>");
            } else {
                b.push_str("<ul class=\"tasks\">");
                for t in tasks.iter().take(SHOWN) {
                    b.push_str(&task_item(t, &tz, &today));
                }
                b.push_str("</ul>");
                if tasks.len() > SHOWN {
                    b.push_str(&format!("<p>The first {SHOWN} shown.</p>"));
                }
            }
            StatusCode::OK
        }
    };
    Ok((status, Html(page("Tasks", &b))).into_response())
}

#[utoipa::path(get, path = "/tasks/board", tag = "web",
    params(("project" = Option<String>, Query, description = "Only this project's tasks (name or id)")),
    responses((status = 200, description = "Tasks as a board: a column per status", content_type = "text/html"),
              (status = 422, description = "A filter is not valid: the page with the message", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn board_page(
    State(state): State<AppState>,
    Extension(_p): Extension<Principal>,
    Query(q): Query<TasksQuery>,
) -> Result<Response, ApiError> {
    let now = state.now();
    let tz = now.time_zone().clone();
    let today = now.date().to_string();
    let mut b = format!(
        "<header>{}<h1>Task board</h1><p><a href=\"/tasks\">List</a></p></header>{}",
        nav(),
        filter_form(&q, "/tasks/board", false)
    );
    if nonempty(&q.status).is_some() {
        b.push_str(&alert("the board shows every status: leave out status"));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page("Task board", &b))).into_response());
    }
    let tasks = match read_tasks(&state, &q, None).await? {
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
            b.push_str(&task_item(t, &tz, &today));
        }
        b.push_str("</ul></section>");
    }
    b.push_str("</div>");
    Ok(Html(page("Task board", &b)).into_response())
}
