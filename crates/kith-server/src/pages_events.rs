//! The events pages: `/events` (the last 30 days and the next 90), `/events/{id}` (when and
//! where, goals and prep, attendees, the debrief so far) with the debrief form, which logs a
//! meeting with each person met, leaves the promised follow-ups as hooks and appends the note to
//! the event's debrief (kith-store's `debrief`, shared with `kith debrief`).

use axum::Extension;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use kith_core::Id;
use kith_store::EventView;
use kith_store::debrief::{DebriefInput, debrief};

use crate::access::{Action, Principal, Resource, can};
use crate::error::{ApiError, PathId};
use crate::pages::{alert, check_csrf, csrf_of, nav};
use crate::state::AppState;
use crate::web::{escape, form_error, page, person_link};

const DAY_MS: i64 = 86_400_000;
const PAST_DAYS: i64 = 30;
const FUTURE_DAYS: i64 = 90;

fn when(e: &EventView, tz: &TimeZone) -> String {
    let fmt = |t: jiff::Timestamp, f: &str| t.to_zoned_datetime(tz.clone()).strftime(f).to_string();
    match (e.start, e.end) {
        (Some(s), Some(end)) if fmt(s, "%F") == fmt(end, "%F") => {
            format!("{}–{}", fmt(s, "%a %Y-%m-%d %H:%M"), fmt(end, "%H:%M"))
        }
        (Some(s), Some(end)) => format!("{} – {}", fmt(s, "%a %Y-%m-%d %H:%M"), fmt(end, "%a %Y-%m-%d %H:%M")),
        (Some(s), None) => fmt(s, "%a %Y-%m-%d %H:%M"),
        _ => String::new(),
    }
}

#[utoipa::path(get, path = "/events", tag = "web",
    responses((status = 200, description = "Events of the last 30 days and the next 90", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn events_page(
    State(state): State<AppState>,
    Extension(_p): Extension<Principal>,
) -> Result<Html<String>, ApiError> {
    let now = state.now();
    let tz = now.time_zone().clone();
    let ms = now.timestamp().as_millisecond();
    let events =
        state.pool.run(move |s| Ok(s.events(Some(ms - PAST_DAYS * DAY_MS), Some(ms + FUTURE_DAYS * DAY_MS))?)).await?;
    let mut b = format!("<header>{}<h1>Events</h1></header>", nav());
    let (past, coming): (Vec<&EventView>, Vec<&EventView>) =
        events.iter().partition(|e| e.end.or(e.start).is_some_and(|t| t.as_millisecond() < ms));
    for (id, title, list, empty) in [
        ("coming", "Coming up", &coming, "Nothing scheduled in the next 90 days."),
        ("past", "The last 30 days", &past, "No events in the last 30 days."),
    ] {
        b.push_str(&format!("<section aria-labelledby=\"{id}\"><h2 id=\"{id}\">{title}</h2>"));
        if list.is_empty() {
            b.push_str(&format!("<p>{empty}</p>"));
        } else {
            b.push_str("<ul class=\"events\">");
            let ordered: Box<dyn Iterator<Item = &&EventView>> =
                if id == "past" { Box::new(list.iter().rev()) } else { Box::new(list.iter()) };
            for e in ordered {
                b.push_str(&format!(
                    "<li><a href=\"/events/{}\">{}</a><br><span class=\"with\"><time>{}</time>{}{}</span></li>",
                    e.id,
                    escape(&e.title),
                    escape(&when(e, &tz)),
                    e.place.as_deref().map(|p| format!(" · {}", escape(p))).unwrap_or_default(),
                    match e.attendees.len() {
                        0 => String::new(),
                        n => format!(" · {n} attendee{}", if n == 1 { "" } else { "s" }),
                    }
                ));
            }
            b.push_str("</ul>");
        }
        b.push_str("</section>");
    }
    Ok(Html(page("Events", &b)))
}

/// What the debrief form shows after a refused submission: the values sent and the message.
#[derive(Default)]
struct Sent {
    met: Vec<Id>,
    note: String,
    hook: String,
    within: String,
    message: Option<String>,
}

async fn event_page_html(state: &AppState, p: &Principal, id: Id, sent: Sent) -> Result<String, ApiError> {
    let tz = state.tz.clone();
    let e = state.pool.run(move |s| s.event(id)?.ok_or_else(|| ApiError::not_found(format!("no event {id}")))).await?;
    let mut b = format!("<header>{}<h1>{}</h1>", nav(), escape(&e.title));
    b.push_str(&format!("<p><time>{}</time></p></header><dl>", escape(&when(&e, &tz))));
    for (label, value) in [
        ("Kind", &e.kind),
        ("Place", &e.place),
        ("Link", &e.link),
        ("Goals", &e.goals),
        ("Prep", &e.prep),
        ("Debrief", &e.debrief),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            b.push_str(&format!("<dt>{label}</dt><dd class=\"text\">{}</dd>", escape(v)));
        }
    }
    b.push_str("</dl><section aria-labelledby=\"attendees\"><h2 id=\"attendees\">Attendees</h2>");
    if e.attendees.is_empty() {
        b.push_str("<p>None recorded.</p>");
    } else {
        b.push_str("<ul>");
        for a in &e.attendees {
            b.push_str(&format!("<li>{}</li>", person_link(a.id, &a.name)));
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>");
    if can(p, Action::Write, Resource::Interactions) && can(p, Action::Write, Resource::Tasks) {
        b.push_str(&format!(
            "<section aria-labelledby=\"debrief\"><h2 id=\"debrief\">Debrief</h2>{}\
             <form method=\"post\" action=\"/events/{}/debrief\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            sent.message.as_deref().map(alert).unwrap_or_default(),
            e.id,
            escape(&csrf_of(p))
        ));
        if e.attendees.is_empty() {
            b.push_str("<p>Add attendees to the event first (<code>kith event edit</code>) to debrief here.</p>");
        } else {
            b.push_str("<fieldset><legend>Whom did you meet?</legend>");
            for (i, a) in e.attendees.iter().enumerate() {
                let checked = if sent.met.contains(&a.id) { " checked" } else { "" };
                b.push_str(&format!(
                    "<p class=\"check\"><input type=\"checkbox\" id=\"met{i}\" name=\"met\" value=\"{}\"{checked}> \
                     <label for=\"met{i}\">{}</label></p>",
                    a.id,
                    escape(&a.name)
                ));
            }
            b.push_str("</fieldset>");
        }
        b.push_str(&format!(
            "<p><label for=\"note\">What was said</label><br><textarea id=\"note\" name=\"note\" rows=\"3\">{}</textarea></p>\
             <p><label for=\"hook\">A follow-up you promised (one a line)</label><br><textarea id=\"hook\" name=\"hook\" rows=\"2\">{}</textarea></p>\
             <p><label for=\"within\">Follow up within</label><br><input id=\"within\" name=\"within\" value=\"{}\" placeholder=\"3d, 1w\"></p>\
             <p><button type=\"submit\">Save the debrief</button></p></form></section>",
            escape(&sent.note),
            escape(&sent.hook),
            escape(if sent.within.is_empty() { "3d" } else { &sent.within }),
        ));
    }
    Ok(page(&e.title, &b))
}

#[utoipa::path(get, path = "/events/{id}", tag = "web",
    params(("id" = String, Path, description = "The event's id")),
    responses((status = 200, description = "The event: when, where, goals, attendees, debrief and its form", content_type = "text/html"),
              (status = 404, description = "No such event", body = Object),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn event_page(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<Html<String>, ApiError> {
    Ok(Html(event_page_html(&state, &p, id, Sent::default()).await?))
}

/// A form that does not fit, in the same terms as the other forms' (`web::form_error`).
fn bad_form(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_form", message)
}

#[utoipa::path(post, path = "/events/{id}/debrief", tag = "web",
    params(("id" = String, Path, description = "The event's id")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, met (an attendee's id, repeated), note, hook (one a line), within"),
    responses((status = 303, description = "Saved: back to the event page"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 404, description = "No such event", body = Object),
              (status = 422, description = "A value is not valid: the page again with the message; nothing was written", content_type = "text/html")))]
pub async fn debrief_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(fields) = form.map_err(form_error)?;
    let mut sent = Sent::default();
    let mut csrf = None;
    for (k, v) in fields {
        match k.as_str() {
            "csrf" => csrf = Some(v),
            "met" => match v.parse::<Id>() {
                Ok(id) => sent.met.push(id),
                Err(_) => return Err(bad_form(format!("met: `{v}` is not an id"))),
            },
            "note" => sent.note = v,
            "hook" => sent.hook = v,
            "within" => sent.within = v,
            other => return Err(bad_form(format!("unknown field `{other}`"))),
        }
    }
    let Some(csrf) = csrf else { return Err(bad_form("missing field `csrf`".into())) };
    check_csrf(&p, &csrf)?;
    let now = state.now();
    let actor = p.actor().to_string();
    let input = DebriefInput {
        people: sent.met.clone(),
        note: Some(sent.note.clone()),
        hooks: sent.hook.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect(),
        within: if sent.within.trim().is_empty() { "3d".into() } else { sent.within.trim().to_string() },
        kind: "meeting".into(),
    };
    let result = state
        .pool
        .run(move |s| {
            let Some(event) = s.event(id)? else { return Err(ApiError::not_found(format!("no event {id}"))) };
            if let Some(stranger) = input.people.iter().find(|m| !event.attendees.iter().any(|a| a.id == **m)) {
                return Err(ApiError::invalid(format!("{stranger} is not an attendee of this event")));
            }
            let d = debrief(s, &now, &event, &input)?;
            s.commit(d.changes, &actor, now.timestamp().as_millisecond().max(0) as u64)?;
            Ok(())
        })
        .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/events/{id}")).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            sent.message = Some(e.message);
            let html = event_page_html(&state, &p, id, sent).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(e),
    }
}
