//! The today page (`/`): the day plan (events, reconnects placed in free slots, tasks due,
//! birthdays), what was logged today, the agenda of the coming days and the reconnect list. The
//! same kith-store reads as `kith plan`, `kith agenda` and `kith reconnect`.

use std::collections::HashSet;

use axum::Extension;
use axum::extract::State;
use axum::response::Html;
use jiff::Timestamp;
use kith_core::Id;
use kith_core::intel::Settings;
use kith_core::intel::plan::DayPlan;

use crate::access::Principal;
use crate::error::ApiError;
use crate::pages::{csrf_of, nav};
use crate::state::AppState;
use crate::web::{escape, interaction_lines, page, person_link};

/// Overdue tasks listed on the page; the rest are counted.
const MAX_OVERDUE_SHOWN: usize = 10;
/// People on the reconnect list.
const RECONNECT_SHOWN: usize = 10;
/// Days the "coming up" list covers after today.
const COMING_DAYS: u32 = 6;
/// Items on the "coming up" list; the rest are counted (the tasks page has them all).
const COMING_SHOWN: usize = 30;

#[utoipa::path(get, path = "/", tag = "web",
    responses((status = 200, description = "Today: the day plan, what was logged today, the coming days and who to reconnect with", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn today(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Html<String>, ApiError> {
    let now = state.now();
    let today = now.date();
    let tz = now.time_zone().clone();
    let zoned = now.clone();
    let user = p.user.id;
    let (plan, candidates, logged, agenda) = state
        .pool
        .run(move |s| {
            let cfg = Settings::default();
            let ts = zoned.timestamp();
            let candidates = kith_store::reports::reconnect(s, &cfg, ts, kith_store::reports::PLAN_CANDIDATES)?;
            let plan = kith_store::reports::plan_today(
                s,
                &cfg,
                zoned.time_zone(),
                today,
                &candidates,
                Some(user),
                MAX_OVERDUE_SHOWN,
            )?;
            let day_start = zoned.start_of_day().map_or(i64::MIN, |d| d.timestamp().as_millisecond());
            let logged: Vec<_> = s
                .interactions_since(day_start, 20)?
                .into_iter()
                .filter(|i| i.at.is_some_and(|at| at.to_zoned_datetime(zoned.time_zone().clone()).date() == today))
                .collect();
            let agenda = match today.tomorrow() {
                Ok(first) => {
                    Some(kith_store::agenda::coming_up(s, &zoned, first, COMING_DAYS, Some(user), COMING_SHOWN)?)
                }
                Err(_) => None,
            };
            Ok((plan, candidates, logged, agenda))
        })
        .await?;
    let hm = |t: Timestamp| t.to_zoned_datetime(tz.clone()).strftime("%H:%M").to_string();
    let today_text = today.to_string();

    let mut b = format!(
        "<header>{}<h1>Today</h1><p>{} · {}</p></header>",
        nav(),
        escape(&p.user.name),
        escape(&today.strftime("%A %-d %B %Y").to_string())
    );
    b.push_str(&plan_html(&plan.0, plan.1, &hm));

    b.push_str("<section aria-labelledby=\"logged\"><h2 id=\"logged\">Logged today</h2>");
    if logged.is_empty() {
        b.push_str("<p>Nothing logged yet today.</p>");
    } else {
        b.push_str("<ul class=\"logged\">");
        for i in &logged {
            let with = i.people.iter().map(|x| person_link(x.id, &x.name)).collect::<Vec<_>>().join(", ");
            b.push_str(&format!(
                "<li><span class=\"kind\">{}</span> {}{}",
                escape(&i.kind),
                i.at.map(|t| format!("<time>{}</time> ", hm(t))).unwrap_or_default(),
                if with.is_empty() { String::new() } else { format!("with {with}") },
            ));
            b.push_str(&interaction_lines(i));
            b.push_str("</li>");
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>");

    if let Some((agenda, more)) = &agenda {
        b.push_str("<section aria-labelledby=\"coming\"><h2 id=\"coming\">Coming up</h2>");
        // Today's and overdue items are in the plan above.
        let items: Vec<_> = agenda.items.iter().filter(|i| !i.overdue && i.date > today_text).collect();
        if items.is_empty() {
            b.push_str(&format!("<p>Nothing due or scheduled in the next {COMING_DAYS} days.</p>"));
        } else {
            b.push_str("<ul>");
            for i in items {
                let with = i.people.iter().map(|x| person_link(x.id, &x.name)).collect::<Vec<_>>().join(", ");
                b.push_str(&format!(
                    "<li><span class=\"kind\">{}</span> <time>{}{}</time> <strong>{}</strong>{}</li>",
                    i.kind,
                    escape(&i.date),
                    i.time.as_deref().map(|t| format!(" {}", escape(t))).unwrap_or_default(),
                    escape(&i.title),
                    if with.is_empty() { String::new() } else { format!(" <span class=\"with\">with {with}</span>") },
                ));
            }
            b.push_str("</ul>");
        }
        if *more > 0 {
            b.push_str(&format!(
                "<p>{more} more in the next {COMING_DAYS} days: see <a href=\"/tasks\">tasks</a> and <a href=\"/events\">events</a>.</p>"
            ));
        }
        b.push_str("</section>");
    }

    let placed: HashSet<Id> = plan.0.suggestions.iter().map(|s| s.person.id).collect();
    let rest: Vec<_> = candidates.iter().filter(|c| !placed.contains(&c.id)).take(RECONNECT_SHOWN).collect();
    b.push_str("<section aria-labelledby=\"reconnect\"><h2 id=\"reconnect\">Reconnect</h2>");
    if candidates.is_empty() {
        b.push_str("<p>Nobody is going cold: every relationship is within its cadence.</p>");
    } else if rest.is_empty() {
        b.push_str("<p>Everyone due is in today's plan.</p>");
    } else {
        b.push_str("<ul class=\"reconnect\">");
        for c in rest {
            b.push_str(&format!(
                "<li>{} <span class=\"with\">{}</span><br>{}</li>",
                person_link(c.id, &c.name),
                escape(&c.status),
                escape(&c.suggestion)
            ));
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>");

    b.push_str(&format!(
        "<footer><p>{} ({})</p><form method=\"post\" action=\"/signout\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\"><button type=\"submit\">Sign out</button></form></footer>",
        escape(&p.user.email),
        p.role,
        escape(&csrf_of(&p))
    ));
    Ok(Html(page("Today", &b)))
}

/// The day plan: events and placed reconnects in one timeline, then the tasks due (overdue
/// first; `older` overdue ones were left out) and the day's birthdays.
fn plan_html(plan: &DayPlan, older: usize, hm: &dyn Fn(Timestamp) -> String) -> String {
    let mut b = String::from("<section aria-labelledby=\"plan\"><h2 id=\"plan\">Plan</h2>");
    let mut rows: Vec<(Timestamp, String)> = Vec::new();
    for e in &plan.events {
        rows.push((
            e.start,
            format!(
                "<li><span class=\"kind\">event</span> <time>{}–{}</time> <strong>{}</strong></li>",
                hm(e.start),
                hm(e.end),
                escape(&e.title)
            ),
        ));
    }
    for s in &plan.suggestions {
        rows.push((
            s.slot.start,
            format!(
                "<li><span class=\"kind\">reconnect</span> <time>{}–{}</time> {}<br><span class=\"with\">{}</span></li>",
                hm(s.slot.start),
                hm(s.slot.end),
                escape(&s.action).replacen(
                    &escape(&s.person.name),
                    &person_link(s.person.id, &s.person.name),
                    1
                ),
                escape(&s.why)
            ),
        ));
    }
    rows.sort_by_key(|r| r.0);
    if rows.is_empty() && plan.tasks.is_empty() && plan.dates.is_empty() && older == 0 {
        b.push_str("<p>Nothing planned, nothing due.</p>");
    }
    if !rows.is_empty() {
        b.push_str("<ul class=\"timeline\">");
        for (_, r) in rows {
            b.push_str(&r);
        }
        b.push_str("</ul>");
    }
    if !plan.tasks.is_empty() {
        b.push_str("<h3>Due</h3><ul class=\"due\">");
        for t in &plan.tasks {
            let due = match (t.due_date, t.due_at) {
                (Some(d), _) => d.to_string(),
                (None, Some(at)) => hm(at),
                _ => String::new(),
            };
            b.push_str(&format!(
                "<li><span class=\"kind\">{}</span> <strong>{}</strong>{}{}</li>",
                if t.hook { "hook" } else { "task" },
                escape(&t.title),
                if t.people.is_empty() {
                    String::new()
                } else {
                    format!(" <span class=\"with\">with {}</span>", escape(&t.people.join(", ")))
                },
                if t.overdue {
                    format!(" <span class=\"overdue\">due {}</span>", escape(&due))
                } else if due.is_empty() {
                    String::new()
                } else {
                    format!(" <span class=\"with\">{}</span>", escape(&due))
                }
            ));
        }
        b.push_str("</ul>");
    }
    if older > 0 {
        b.push_str(&format!("<p>{older} older overdue items not shown.</p>"));
    }
    if !plan.dates.is_empty() {
        b.push_str("<h3>Dates</h3><ul>");
        for d in &plan.dates {
            b.push_str(&format!(
                "<li>{}'s {}{}</li>",
                person_link(d.person.id, &d.person.name),
                escape(&d.label),
                d.years.map(|y| format!(" ({y})")).unwrap_or_default()
            ));
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>");
    b
}
