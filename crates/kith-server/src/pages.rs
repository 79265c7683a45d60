//! The people pages: `/people` (search, filters, cursor pages) and `/people/{id}` (the person,
//! their warmth and why, timeline, hooks, ties), with the quick "log an interaction" and "add a
//! hook" forms. Server-rendered like [`crate::web`]: every user-typed text goes through
//! [`escape`], every form carries the session's CSRF token, and writes go through
//! `kith_store::edit` with the signed-in user as the actor.

use std::collections::{HashMap, HashSet};

use axum::Extension;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kith_core::intel::Settings;
use kith_core::intel::ledger::person_ledger;
use kith_core::model::{Email, NetType, Tier, tag};
use kith_core::paths::{By, DEFAULT_MAX_HOPS};
use kith_core::{ChangeSet, Id};
use kith_store::edit::{self, InteractionInput, PersonInput, TaskInput};
use kith_store::reports::PeopleOrder;
use kith_store::{PersonFilter, PersonView};
use serde::Deserialize;

use crate::access::{Action, Principal, Resource, Via, can};
use crate::api::{decode_cursor, encode_cursor};
use crate::auth;
use crate::error::{ApiError, PathId, Query};
use crate::state::AppState;
use crate::web::{escape, form_error, interaction_lines, page, person_link};

/// People shown on one page of `/people`.
const PAGE_SIZE: usize = 50;

/// The session's CSRF token for the page's forms; API tokens need none.
pub(crate) fn csrf_of(p: &Principal) -> String {
    match &p.via {
        Via::Session { token } => auth::csrf_for_session(token),
        Via::Token => String::new(),
    }
}

/// A form's CSRF field must match the session's token; a request with an API token is not a
/// browser's, so it has nothing to forge.
pub(crate) fn check_csrf(p: &Principal, sent: &str) -> Result<(), ApiError> {
    match &p.via {
        Via::Session { token } if !auth::same(sent, &auth::csrf_for_session(token)) => {
            Err(ApiError::forbidden("the form is stale or was not sent from this site; reload it"))
        }
        _ => Ok(()),
    }
}

pub(crate) fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub(crate) fn alert(message: &str) -> String {
    format!("<p role=\"alert\">{}</p>", escape(message))
}

/// The links at the top of every signed-in page, then the place of the workspace's name and
/// switcher (`web::Frame`, filled in after the handler).
pub(crate) fn nav() -> &'static str {
    "<nav aria-label=\"Main\"><a href=\"/\">Today</a> · <a href=\"/people\">People</a> · \
     <a href=\"/tasks\">Tasks</a> · <a href=\"/projects\">Projects</a> · <a href=\"/events\">Events</a> · \
     <a href=\"/network\">Network</a> · <a href=\"/import\">Import</a> · <a href=\"/settings\">Settings</a></nav>\
     <!--kith-frame-->"
}

// ---------------------------------------------------------------------------------------------
// /people

/// The search form's fields; empty fields are no filter (that is what a browser sends).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PeoplePageQuery {
    q: Option<String>,
    tag: Option<String>,
    tier: Option<String>,
    #[serde(rename = "type")]
    net_type: Option<String>,
    /// An organization's name (or id): the people with a role there.
    org: Option<String>,
    /// `name` (default), `warmth` (warmest first) or `overdue` (most overdue first).
    sort: Option<String>,
    cursor: Option<String>,
    /// The page of a list sorted by warmth or overdue, from 1.
    page: Option<String>,
}

/// The order of the people list besides by name, or the message that says why not.
fn order_of(q: &PeoplePageQuery) -> Result<Option<PeopleOrder>, String> {
    match nonempty(&q.sort).map(str::to_ascii_lowercase).as_deref() {
        None | Some("name") => Ok(None),
        Some("warmth") => Ok(Some(PeopleOrder::Warmth)),
        Some("overdue") => Ok(Some(PeopleOrder::Overdue)),
        Some(other) => Err(format!("cannot sort by `{other}`: use name, warmth or overdue")),
    }
}

/// The page number of a sorted list, from 1.
fn page_of(q: &PeoplePageQuery) -> Result<usize, String> {
    match nonempty(&q.page) {
        None => Ok(1),
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| format!("`{n}` is not a page number")),
    }
}

/// A labelled text field of the search form, holding what was sent.
fn text_input(id: &str, label: &str, value: &Option<String>) -> String {
    format!(
        "<p><label for=\"{id}\">{label}</label><br><input id=\"{id}\" name=\"{id}\" value=\"{}\"></p>",
        escape(nonempty(value).unwrap_or(""))
    )
}

fn select(id: &str, label: &str, options: &[(&str, &str)], chosen: Option<&str>) -> String {
    let opts: String = options
        .iter()
        .map(|(v, text)| {
            let sel = if chosen.is_some_and(|c| c.eq_ignore_ascii_case(v)) { " selected" } else { "" };
            format!("<option value=\"{v}\"{sel}>{text}</option>")
        })
        .collect();
    format!("<p><label for=\"{id}\">{label}</label><br><select id=\"{id}\" name=\"{id}\">{opts}</select></p>")
}

fn filter_of(q: &PeoplePageQuery) -> Result<PersonFilter, String> {
    let tier = nonempty(&q.tier)
        .map(|t| t.parse::<Tier>().map(|t| t.as_str().to_string()).map_err(|e| e.to_string()))
        .transpose()?;
    let net_type = nonempty(&q.net_type)
        .map(|t| t.parse::<NetType>().map(|t| t.as_str().to_string()).map_err(|e| e.to_string()))
        .transpose()?;
    let tag = nonempty(&q.tag).map(|t| tag(t).map_err(|e| e.to_string())).transpose()?;
    Ok(PersonFilter {
        tag,
        tier,
        net_type,
        org: None,
        name: nonempty(&q.q).filter(|s| !s.contains('@')).map(str::to_string),
        limit: Some(PAGE_SIZE + 1),
    })
}

/// One row of the list: the person's name as a link, and what tells them apart.
struct Row {
    id: Id,
    name: String,
    detail: Vec<String>,
    tags: Vec<String>,
}

#[utoipa::path(get, path = "/people", tag = "web",
    params(("q" = Option<String>, Query, description = "Name contains, or an exact email"),
           ("tag" = Option<String>, Query), ("tier" = Option<String>, Query), ("type" = Option<String>, Query),
           ("org" = Option<String>, Query, description = "People with a role at this organization (name or id)"),
           ("sort" = Option<String>, Query, description = "name (default), warmth (warmest first) or overdue (most overdue first)"),
           ("cursor" = Option<String>, Query, description = "From the page's \"Next\" link, in name order"),
           ("page" = Option<String>, Query, description = "The page of a list sorted by warmth or overdue, from 1")),
    responses((status = 200, description = "People in name, warmth or overdue order, 50 a page, with the search form", content_type = "text/html"),
              (status = 422, description = "A filter is not valid: the form again with the message", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn people_page(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<PeoplePageQuery>,
) -> Result<Response, ApiError> {
    let checked = filter_of(&q).and_then(|f| Ok((f, order_of(&q)?, page_of(&q)?)));
    let after = nonempty(&q.cursor).map(decode_cursor).transpose()?;
    let email = nonempty(&q.q).filter(|s| s.contains('@')).map(str::to_string);
    let org = nonempty(&q.org).map(str::to_string);
    let now = state.now().timestamp();
    let found: Result<(Vec<Row>, bool), String> = match checked.clone() {
        Err(m) => Err(m),
        Ok((mut filter, order, page)) => {
            state
                .pool
                .run(move |s| {
                    if let Some(name) = org {
                        match s.resolve_org(&name) {
                            Ok(id) => filter.org = Some(id),
                            Err(e) if e.is_lookup() => return Ok(Err(e.to_string())),
                            Err(e) => return Err(e.into()),
                        }
                    }
                    if let Some(e) = email {
                        // An email finds the one person who has it (the store's own lookup).
                        let Ok(e) = Email::parse(&e) else { return Ok(Ok((Vec::new(), false))) };
                        let found = s.resolve_person(e.as_str()).ok();
                        let rows = match found.map(|id| s.person(id)).transpose()?.flatten() {
                            Some(v) => vec![row_of_view(&v)],
                            None => Vec::new(),
                        };
                        return Ok(Ok((rows, false)));
                    }
                    let Some(order) = order else {
                        let mut rows = s.people_after(&filter, after.as_ref().map(|(n, id)| (n.as_str(), *id)))?;
                        let more = rows.len() > PAGE_SIZE;
                        rows.truncate(PAGE_SIZE);
                        return Ok(Ok((rows.into_iter().map(|r| row_of_list(r, None)).collect(), more)));
                    };
                    // Sorted by a score: the filter chooses who, the score the order.
                    let filtered = filter.tag.is_some()
                        || filter.tier.is_some()
                        || filter.net_type.is_some()
                        || filter.org.is_some()
                        || filter.name.is_some();
                    let only: Option<HashSet<Id>> =
                        if filtered { Some(s.people_ids(&filter)?.into_iter().collect()) } else { None };
                    let keyed = kith_store::reports::people_by(s, &Settings::default(), now, order, only.as_ref())?;
                    let start = (page - 1) * PAGE_SIZE;
                    let shown: Vec<(Id, f64)> = keyed.iter().skip(start).take(PAGE_SIZE).copied().collect();
                    let more = keyed.len() > start + shown.len();
                    let ids: Vec<Id> = shown.iter().map(|(id, _)| *id).collect();
                    let keys: HashMap<Id, f64> = shown.into_iter().collect();
                    let rows = s
                        .people_rows(&ids)?
                        .into_iter()
                        .map(|r| {
                            let key = keys.get(&r.id).copied().map(|k| score_text(order, k));
                            row_of_list(r, key)
                        })
                        .collect();
                    Ok(Ok((rows, more)))
                })
                .await?
        }
    };
    let mut body = format!("<header>{}<h1>People</h1></header>", nav());
    if can(&p, Action::Write, Resource::People) {
        body.push_str("<p><a href=\"/people/new\">Add a person</a></p>");
    }
    body.push_str("<form method=\"get\" action=\"/people\" role=\"search\">");
    body.push_str(&format!(
        "<p><label for=\"q\">Name or email</label><br><input id=\"q\" name=\"q\" type=\"search\" value=\"{}\"></p>",
        escape(nonempty(&q.q).unwrap_or(""))
    ));
    body.push_str(&text_input("tag", "Tag", &q.tag));
    body.push_str(&select(
        "tier",
        "Tier",
        &[("", "Any"), ("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
        nonempty(&q.tier),
    ));
    body.push_str(&select(
        "type",
        "Type",
        &[("", "Any"), ("operational", "Operational"), ("personal", "Personal"), ("strategic", "Strategic")],
        nonempty(&q.net_type),
    ));
    body.push_str(&text_input("org", "Organization", &q.org));
    body.push_str(&select(
        "sort",
        "Sort by",
        &[("name", "Name"), ("warmth", "Warmth, warmest first"), ("overdue", "Overdue, most overdue first")],
        nonempty(&q.sort),
    ));
    body.push_str("<p><button type=\"submit\">Search</button></p></form>");
    let (rows, more) = match found {
        Err(message) => {
            body.push_str(&alert(&message));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page("People", &body))).into_response());
        }
        Ok(found) => found,
    };
    if rows.is_empty() {
        body.push_str("<p>No one matches.</p>");
    }
    body.push_str("<ul class=\"people\">");
    for r in &rows {
        body.push_str(&format!("<li>{}", person_link(r.id, &r.name)));
        if !r.detail.is_empty() {
            body.push_str(&format!(" <span class=\"with\">{}</span>", escape(&r.detail.join(" · "))));
        }
        for t in &r.tags {
            body.push_str(&format!(" <span class=\"tag\">{}</span>", escape(t)));
        }
        body.push_str("</li>");
    }
    body.push_str("</ul>");
    if more && let Some(last) = rows.last() {
        let mut link = match &checked {
            Ok((_, Some(_), page)) => format!("/people?page={}", page + 1),
            _ => format!("/people?cursor={}", encode_cursor(&last.name, last.id)),
        };
        for (k, v) in
            [("q", &q.q), ("tag", &q.tag), ("tier", &q.tier), ("type", &q.net_type), ("org", &q.org), ("sort", &q.sort)]
        {
            if let Some(v) = nonempty(v) {
                link.push_str(&format!("&{k}={}", url_encode(v)));
            }
        }
        body.push_str(&format!("<p><a href=\"{}\" rel=\"next\">Next page</a></p>", escape(&link)));
    }
    Ok((StatusCode::OK, Html(page("People", &body))).into_response())
}

/// What a score says in the list: "warmth 72", "12 days overdue", "due in 5 days".
fn score_text(order: PeopleOrder, key: f64) -> String {
    match order {
        PeopleOrder::Warmth => format!("warmth {key:.0}"),
        PeopleOrder::Overdue if key >= 0.5 => format!("{key:.0} days overdue"),
        PeopleOrder::Overdue if key > -0.5 => "due today".to_string(),
        PeopleOrder::Overdue => format!("due in {:.0} days", -key),
    }
}

/// A list row of the people list, with the score it is sorted by first.
fn row_of_list(r: kith_store::PersonRow, score: Option<String>) -> Row {
    Row {
        id: r.id,
        name: r.name,
        detail: [score, r.title, r.org, r.tier.map(|t| format!("tier {t}")), r.net_type]
            .into_iter()
            .flatten()
            .collect(),
        tags: r.tags,
    }
}

fn row_of_view(v: &PersonView) -> Row {
    let role = v.roles.iter().find(|r| r.end_on.is_none());
    Row {
        id: v.id,
        name: v.name.clone(),
        detail: [role.and_then(|r| r.title.clone()), role.and_then(|r| r.org.clone()), v.tier.clone()]
            .into_iter()
            .flatten()
            .collect(),
        tags: v.tags.clone(),
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// /people/{id}

/// What the forms on the person page show: the values sent back and the message, after a
/// refused submission.
#[derive(Default)]
struct Forms {
    interaction: Option<(InteractionForm, String)>,
    hook: Option<(HookForm, String)>,
}

const KINDS: [&str; 10] =
    ["meeting", "call", "video", "email", "message", "lunch", "coffee", "event", "intro", "other"];

async fn person_page_html(state: &AppState, p: &Principal, id: Id, forms: Forms) -> Result<String, ApiError> {
    let now = state.now();
    let ts = now.timestamp();
    let (v, warmth, timeline, ledger, path, brief) = state
        .pool
        .run(move |s| {
            let Some(v) = s.person(id)? else { return Err(ApiError::not_found(format!("no person {id}"))) };
            let warmth = s.person_warmth(&v, &Settings::default(), ts)?;
            let timeline = s.interactions(Some(id), 50)?;
            let ledger = person_ledger(id, &v.name, &s.exchange_facts(Some(id))?, ts);
            let path = if v.is_me { None } else { intro_path(s, id, ts)? };
            let brief = if v.is_me {
                None
            } else {
                let me = s.me()?;
                Some(kith_store::reports::person_brief(s, &Settings::default(), id, me, ts)?)
            };
            Ok((v, warmth, timeline, ledger, path, brief))
        })
        .await?;
    let tz = now.time_zone().clone();
    let csrf = escape(&csrf_of(p));
    let mut b = format!("<header>{}<h1>{}</h1>", nav(), escape(&v.name));
    let current: Vec<String> = v
        .roles
        .iter()
        .filter(|r| r.end_on.is_none())
        .map(kith_store::RoleView::label)
        .filter(|s| !s.is_empty())
        .collect();
    if !current.is_empty() {
        b.push_str(&format!("<p class=\"with\">{}</p>", escape(&current.join("; "))));
    }
    // Only the user a person is private to sees them (the store's scope hides them from
    // everyone else), so the page says so to that user.
    match v.private_to {
        Some(owner) if owner == p.user.id => {
            b.push_str("<p class=\"private\">Private — only you can see them</p>");
        }
        Some(_) => b.push_str("<p class=\"private\">Private to another user</p>"),
        None => {}
    }
    b.push_str("</header><dl>");
    let mut fact = |label: &str, value: String| {
        if !value.is_empty() {
            b.push_str(&format!("<dt>{label}</dt><dd>{value}</dd>"));
        }
    };
    let items = |v: &[kith_store::Item], scheme: &str| {
        v.iter()
            .map(|i| {
                let label = i.label.as_deref().map(|l| format!(" ({})", escape(l))).unwrap_or_default();
                format!("<a href=\"{scheme}{}\">{}</a>{label}", escape(&i.value), escape(&i.value))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let list = |v: &[String]| v.iter().map(|s| escape(s)).collect::<Vec<_>>().join(", ");
    fact("Email", items(&v.emails, "mailto:"));
    fact("Phone", items(&v.phones, "tel:"));
    fact("Tags", list(&v.tags));
    fact("Tier", v.tier.as_deref().map(escape).unwrap_or_default());
    fact("Type", v.net_type.as_deref().map(escape).unwrap_or_default());
    fact("Needs", list(&v.needs));
    fact("Offers", list(&v.offers));
    let met = [v.met_how.as_deref(), v.met_where.as_deref(), v.met_on.as_deref()]
        .into_iter()
        .flatten()
        .map(escape)
        .collect::<Vec<_>>()
        .join(", ");
    fact("Met", met);
    fact("Notes", v.notes.as_deref().map(escape).unwrap_or_default());
    b.push_str("</dl>");

    if let Some(w) = &warmth {
        b.push_str(&format!(
            "<section aria-labelledby=\"warmth\"><h2 id=\"warmth\">Warmth {} / 100 ({})</h2><table><thead><tr>\
             <th scope=\"col\">Part</th><th scope=\"col\">Points</th><th scope=\"col\">Why</th></tr></thead><tbody>",
            w.score,
            escape(w.label)
        ));
        for c in &w.components {
            b.push_str(&format!(
                "<tr><th scope=\"row\">{}</th><td>{:.1} / {:.0}</td><td>{}</td></tr>",
                escape(c.name),
                c.points,
                c.max,
                escape(&c.note)
            ));
        }
        b.push_str("</tbody></table></section>");
    }

    if !v.is_me {
        b.push_str("<section aria-labelledby=\"path\"><h2 id=\"path\">Intro path</h2>");
        b.push_str(&match &path {
            Some(IntroPath::NoMe) => {
                "<p>Set up your own profile (<code>kith me edit</code>) to see how you reach people.</p>".to_string()
            }
            Some(IntroPath::Chain { people, warmth }) => {
                let names: Vec<String> = people
                    .iter()
                    .enumerate()
                    .map(|(i, (pid, name))| if i == 0 { "You".to_string() } else { person_link(*pid, name) })
                    .collect();
                let hops = people.len().saturating_sub(1);
                format!(
                    "<p class=\"chain\">{}</p><p class=\"with\">{hops} hop{}, chain warmth {:.0}%</p>",
                    names.join(" → "),
                    if hops == 1 { "" } else { "s" },
                    warmth * 100.0
                )
            }
            None => format!("<p>No chain of ties from you to them within {DEFAULT_MAX_HOPS} hops.</p>"),
        });
        b.push_str(&format!("<p><a href=\"/network?to={id}\">See it on the network picture</a></p>"));
        b.push_str("</section>");

        let l = &ledger.person;
        b.push_str(&format!(
            "<section aria-labelledby=\"ledger\"><h2 id=\"ledger\">Reciprocity</h2>\
             <p>Gave {}, got {}, balance {:+}: {}</p>",
            l.gave,
            l.got,
            l.balance,
            escape(&l.note)
        ));
        if !ledger.exchanges.is_empty() {
            b.push_str("<ul class=\"ledger\">");
            for e in ledger.exchanges.iter().take(20) {
                b.push_str(&format!(
                    "<li><time>{}</time> <span class=\"kind\">{}</span> {}: {}</li>",
                    e.at.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d"),
                    e.direction,
                    e.kind,
                    escape(&e.what)
                ));
            }
            b.push_str("</ul>");
        }
        b.push_str("</section>");
    }

    if let Some(brief) = &brief {
        b.push_str("<section aria-labelledby=\"brief\"><h2 id=\"brief\">Brief</h2>");
        let list = |b: &mut String, title: &str, items: &[String]| {
            if !items.is_empty() {
                b.push_str(&format!("<h3>{title}</h3><ul>"));
                for i in items {
                    b.push_str(&format!("<li>{}</li>", escape(i)));
                }
                b.push_str("</ul>");
            }
        };
        list(&mut b, "Talking points", &brief.talking_points);
        list(&mut b, "Questions to ask", &brief.questions);
        let offers: Vec<String> = brief.i_can_offer.iter().map(|o| format!("{} for {}", o.offer, o.need)).collect();
        list(&mut b, "You can offer", &offers);
        if !brief.mutual.is_empty() {
            let names: Vec<String> = brief.mutual.iter().map(|m| person_link(m.id, &m.name)).collect();
            b.push_str(&format!("<h3>Mutual connections</h3><p>{}</p>", names.join(", ")));
        }
        b.push_str("</section>");
    }

    let hooks: Vec<_> = v.open_tasks.iter().filter(|t| t.hook).collect();
    b.push_str("<section aria-labelledby=\"hooks\"><h2 id=\"hooks\">Open hooks</h2>");
    if hooks.is_empty() {
        b.push_str("<p>None.</p>");
    } else {
        b.push_str("<ul>");
        for t in hooks {
            let due = t
                .due_date
                .clone()
                .or_else(|| t.due_at.map(|at| at.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()));
            b.push_str(&format!(
                "<li><strong>{}</strong>{}</li>",
                escape(&t.title),
                due.map(|d| format!(" <span class=\"with\">due {}</span>", escape(&d))).unwrap_or_default()
            ));
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>");

    let may_log = can(p, Action::Write, Resource::Interactions);
    let may_hook = can(p, Action::Write, Resource::Tasks);
    if may_log {
        let (f, message) = forms.interaction.unwrap_or_default();
        b.push_str(&format!(
            "<section aria-labelledby=\"log\"><h2 id=\"log\">Log an interaction</h2>{}\
             <form method=\"post\" action=\"/people/{id}/interactions\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">",
            if message.is_empty() { String::new() } else { alert(&message) }
        ));
        let chosen = nonempty(&f.kind).unwrap_or("meeting");
        let opts: Vec<(&str, &str)> = KINDS.iter().map(|k| (*k, *k)).collect();
        b.push_str(&select("kind", "Kind", &opts, Some(chosen)));
        b.push_str(&format!(
            "<p><label for=\"at\">When</label><br><input id=\"at\" name=\"at\" value=\"{}\" placeholder=\"now, yesterday 12:30, 2026-11-24\"></p>\
             <p><label for=\"note\">Note</label><br><textarea id=\"note\" name=\"note\" rows=\"3\">{}</textarea></p>\
             <p><label for=\"gave\">I gave (one a line, e.g. advice: pricing)</label><br><textarea id=\"gave\" name=\"gave\" rows=\"2\">{}</textarea></p>\
             <p><label for=\"got\">I got</label><br><textarea id=\"got\" name=\"got\" rows=\"2\">{}</textarea></p>\
             <p class=\"check\"><input type=\"checkbox\" id=\"private_note\" name=\"private\" value=\"yes\"{}> \
             <label for=\"private_note\">Private note — only you see it</label></p>\
             <p><button type=\"submit\">Log it</button></p></form></section>",
            escape(nonempty(&f.at).unwrap_or("")),
            escape(f.note.as_deref().unwrap_or("")),
            escape(f.gave.as_deref().unwrap_or("")),
            escape(f.got.as_deref().unwrap_or("")),
            if f.private.is_some() { " checked" } else { "" },
        ));
    }
    if may_hook {
        let (f, message) = forms.hook.unwrap_or_default();
        b.push_str(&format!(
            "<section aria-labelledby=\"addhook\"><h2 id=\"addhook\">Add a hook</h2>{}\
             <form method=\"post\" action=\"/people/{id}/hooks\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <p><label for=\"title\">Follow up on</label><br><input id=\"title\" name=\"title\" required value=\"{}\"></p>\
             <p><label for=\"due\">Due</label><br><input id=\"due\" name=\"due\" value=\"{}\" placeholder=\"fri, in 3d, 2026-12-03\"></p>\
             <p><button type=\"submit\">Add the hook</button></p></form></section>",
            if message.is_empty() { String::new() } else { alert(&message) },
            escape(f.title.as_deref().unwrap_or("")),
            escape(nonempty(&f.due).unwrap_or("")),
        ));
    }

    b.push_str("<section aria-labelledby=\"timeline\"><h2 id=\"timeline\">Timeline</h2>");
    if timeline.is_empty() {
        b.push_str("<p>No interactions yet.</p>");
    } else {
        b.push_str("<ul>");
        for i in &timeline {
            let at =
                i.at.map(|t| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default();
            b.push_str(&format!("<li><span class=\"kind\">{}</span> <time>{}</time>", escape(&i.kind), escape(&at)));
            // Only its author sees a private note (the store's scope hides it from everyone else).
            if i.private_to.is_some_and(|owner| owner == p.user.id) {
                b.push_str(" <span class=\"private\">Private</span>");
            }
            let others: Vec<String> =
                i.people.iter().filter(|x| x.id != id).map(|x| person_link(x.id, &x.name)).collect();
            if !others.is_empty() {
                b.push_str(&format!(" <span class=\"with\">with {}</span>", others.join(", ")));
            }
            b.push_str(&interaction_lines(i));
            b.push_str("</li>");
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>");

    b.push_str("<section aria-labelledby=\"ties\"><h2 id=\"ties\">Ties</h2>");
    if v.ties.is_empty() {
        b.push_str("<p>None recorded.</p>");
    } else {
        b.push_str("<ul>");
        for t in &v.ties {
            let (other_id, other) = if t.from_id == id { (t.to_id, &t.to) } else { (t.from_id, &t.from) };
            let about = [t.kind.clone(), t.strength.map(|s| format!("strength {s}")), t.note.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
            b.push_str(&format!(
                "<li><a href=\"/people/{other_id}\">{}</a>{}</li>",
                escape(other),
                if about.is_empty() {
                    String::new()
                } else {
                    format!(" <span class=\"with\">{}</span>", escape(&about))
                }
            ));
        }
        b.push_str("</ul>");
    }
    b.push_str("</section>");
    Ok(page(&v.name, &b))
}

/// How I reach a person through ties.
enum IntroPath {
    /// My own profile is not set up: there is no "from".
    NoMe,
    /// Me first, them last, with the chain's warmth (0–1).
    Chain { people: Vec<(Id, String)>, warmth: f32 },
}

/// The warmest chain of ties from me to `id` within the default hops; `None` when there is none.
fn intro_path(s: &mut kith_store::Store, id: Id, now: jiff::Timestamp) -> Result<Option<IntroPath>, ApiError> {
    let Some(me) = s.me()? else { return Ok(Some(IntroPath::NoMe)) };
    let g = s.tie_graph(Some(me), now)?;
    let (Some(from), Some(to)) = (g.node(me), g.node(id)) else { return Ok(None) };
    let Some(p) = g.graph.k_paths(from, &[to], 1, By::Strength, DEFAULT_MAX_HOPS).into_iter().next() else {
        return Ok(None);
    };
    let mut people = Vec::with_capacity(p.nodes.len());
    for &n in &p.nodes {
        let pid = g.ids[n as usize];
        people.push((pid, s.label(pid)?.unwrap_or_default()));
    }
    Ok(Some(IntroPath::Chain { people, warmth: p.warmth() }))
}

#[utoipa::path(get, path = "/people/{id}", tag = "web",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 200, description = "The person: details, warmth and why, hooks, timeline, ties, quick forms", content_type = "text/html"),
              (status = 404, description = "No such person", body = Object),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn person_page(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
) -> Result<Html<String>, ApiError> {
    Ok(Html(person_page_html(&state, &p, id, Forms::default()).await?))
}

/// The quick "log an interaction" form.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct InteractionForm {
    csrf: String,
    kind: Option<String>,
    at: Option<String>,
    note: Option<String>,
    gave: Option<String>,
    got: Option<String>,
    /// The "private note" box: present (any value) when ticked.
    private: Option<String>,
}

fn lines(s: &Option<String>) -> Vec<String> {
    s.as_deref().unwrap_or("").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// A refused form: 422 and the page again with the message and the values sent; other errors
/// (a missing person, a failing database) as they are.
async fn refused(
    state: &AppState,
    p: &Principal,
    id: Id,
    e: ApiError,
    forms: impl FnOnce(String) -> Forms,
) -> Response {
    if e.status != StatusCode::UNPROCESSABLE_ENTITY {
        return e.into_response();
    }
    match person_page_html(state, p, id, forms(e.message)).await {
        Ok(html) => (StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A quick form's write: the person must exist; `build` turns the form into a change set for a
/// new record id, committed as the signed-in user in one transaction.
async fn commit_for_person(
    state: &AppState,
    p: &Principal,
    id: Id,
    build: impl FnOnce(&mut kith_store::Store, &jiff::ZonedDateTime, Id) -> Result<ChangeSet, ApiError> + Send + 'static,
) -> Result<(), ApiError> {
    let now = state.now();
    let actor = p.actor().to_string();
    state
        .pool
        .run(move |s| {
            if s.person(id)?.is_none() {
                return Err(ApiError::not_found(format!("no person {id}")));
            }
            let ms = now.timestamp().as_millisecond().max(0) as u64;
            let new_id = s.new_id(ms);
            let cs = build(s, &now, new_id)?;
            s.commit(cs, &actor, ms)?;
            Ok(())
        })
        .await
}

#[utoipa::path(post, path = "/people/{id}/interactions", tag = "web",
    params(("id" = String, Path, description = "The person's id")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, kind, at, note, gave, got (one a line), private (present: a private note)"),
    responses((status = 303, description = "Logged: back to the person page"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 404, description = "No such person", body = Object),
              (status = 422, description = "A value is not valid: the page again with the message; nothing was written", content_type = "text/html")))]
pub async fn log_interaction_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    form: Result<Form<InteractionForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let sent = f.clone();
    let owner = f.private.is_some().then_some(p.user.id);
    let result = commit_for_person(&state, &p, id, move |s, now, new_id| {
        let input = InteractionInput {
            people: vec![id],
            kind: nonempty(&f.kind).unwrap_or("meeting").to_string(),
            at: nonempty(&f.at).map(str::to_string),
            summary: None,
            notes: nonempty(&f.note).map(str::to_string),
            gave: lines(&f.gave),
            got: lines(&f.got),
            weight: 1,
        };
        let mut cs = edit::log_interaction(s, now, new_id, &input)?;
        if owner.is_some() {
            kith_store::privacy::set_interaction_private(&mut cs, new_id, owner);
        }
        Ok(cs)
    })
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(e) => {
            Ok(refused(&state, &p, id, e, |m| Forms { interaction: Some((sent, m)), ..Default::default() }).await)
        }
    }
}

/// The quick "add a hook" form.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct HookForm {
    csrf: String,
    title: Option<String>,
    due: Option<String>,
}

#[utoipa::path(post, path = "/people/{id}/hooks", tag = "web",
    params(("id" = String, Path, description = "The person's id")),
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, title, due"),
    responses((status = 303, description = "Added: back to the person page"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 404, description = "No such person", body = Object),
              (status = 422, description = "A value is not valid: the page again with the message; nothing was written", content_type = "text/html")))]
pub async fn add_hook_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    PathId(id): PathId,
    form: Result<Form<HookForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let sent = f.clone();
    let result = commit_for_person(&state, &p, id, move |s, now, new_id| {
        let input = TaskInput {
            due: nonempty(&f.due).map(str::to_string),
            project: None,
            priority: None,
            people: vec![id],
            recurrence: None,
            reminders: vec![],
            notes: None,
            hook: true,
            assignee: None,
        };
        Ok(edit::add_task(s, now, new_id, f.title.as_deref().unwrap_or(""), &input)?)
    })
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(e) => Ok(refused(&state, &p, id, e, |m| Forms { hook: Some((sent, m)), ..Default::default() }).await),
    }
}

// ---------------------------------------------------------------------------------------------
// /people/new and POST /people

/// The "add a person" form. Lists are typed one to a line (emails, phones) or comma-separated
/// (tags), the way people type them on a phone.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct NewPersonForm {
    csrf: String,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    org: Option<String>,
    title: Option<String>,
    tier: Option<String>,
    #[serde(rename = "type")]
    net_type: Option<String>,
    tags: Option<String>,
    met: Option<String>,
    notes: Option<String>,
    /// The "private to me" box: present (any value) when ticked.
    private: Option<String>,
}

fn new_person_html(p: &Principal, f: &NewPersonForm, message: Option<&str>) -> String {
    let v = |s: &Option<String>| escape(s.as_deref().unwrap_or(""));
    let mut b = format!("<header>{}<h1>Add a person</h1></header>", nav());
    if let Some(m) = message {
        b.push_str(&alert(m));
    }
    b.push_str(&format!(
        "<form method=\"post\" action=\"/people\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <p><label for=\"name\">Name</label><br><input id=\"name\" name=\"name\" required autocomplete=\"off\" value=\"{}\"></p>\
         <p><label for=\"email\">Email</label><br><input id=\"email\" name=\"email\" type=\"email\" value=\"{}\"></p>\
         <p><label for=\"phone\">Phone</label><br><input id=\"phone\" name=\"phone\" type=\"tel\" value=\"{}\"></p>\
         <p><label for=\"org\">Organization</label><br><input id=\"org\" name=\"org\" value=\"{}\"></p>\
         <p><label for=\"title\">Title</label><br><input id=\"title\" name=\"title\" value=\"{}\"></p>",
        escape(&csrf_of(p)),
        v(&f.name),
        v(&f.email),
        v(&f.phone),
        v(&f.org),
        v(&f.title),
    ));
    b.push_str(&select(
        "tier",
        "Tier",
        &[("", "None"), ("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
        nonempty(&f.tier),
    ));
    b.push_str(&select(
        "type",
        "Type",
        &[("", "None"), ("operational", "Operational"), ("personal", "Personal"), ("strategic", "Strategic")],
        nonempty(&f.net_type),
    ));
    b.push_str(&format!(
        "<p><label for=\"tags\">Tags (comma-separated)</label><br><input id=\"tags\" name=\"tags\" value=\"{}\"></p>\
         <p><label for=\"met\">How we met</label><br><input id=\"met\" name=\"met\" value=\"{}\"></p>\
         <p><label for=\"notes\">Notes</label><br><textarea id=\"notes\" name=\"notes\" rows=\"3\">{}</textarea></p>\
         <p><input type=\"checkbox\" id=\"private\" name=\"private\" value=\"yes\"{}> \
         <label for=\"private\">Private to me: nobody else on the team sees this person or notes about them</label></p>\
         <p><button type=\"submit\">Add the person</button></p></form>",
        v(&f.tags),
        v(&f.met),
        v(&f.notes),
        if f.private.is_some() { " checked" } else { "" },
    ));
    page("Add a person", &b)
}

#[utoipa::path(get, path = "/people/new", tag = "web",
    responses((status = 200, description = "The \"add a person\" form", content_type = "text/html"),
              (status = 303, description = "Not signed in: to the sign-in form")))]
pub async fn new_person_page(Extension(p): Extension<Principal>) -> Html<String> {
    Html(new_person_html(&p, &NewPersonForm::default(), None))
}

#[utoipa::path(post, path = "/people", tag = "web",
    request_body(content_type = "application/x-www-form-urlencoded", description = "csrf, name, email, phone, org, title, tier, type, tags, met, notes, private"),
    responses((status = 303, description = "Added: on to the new person's page"),
              (status = 403, description = "The form's CSRF token is missing or wrong", body = Object),
              (status = 422, description = "A value is not valid: the form again with the message; nothing was written", content_type = "text/html")))]
pub async fn add_person_form(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    form: Result<Form<NewPersonForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form.map_err(form_error)?;
    check_csrf(&p, &f.csrf)?;
    let sent = f.clone();
    let now = state.now();
    let actor = p.actor().to_string();
    let owner = f.private.is_some().then_some(p.user.id);
    let result = state
        .pool
        .run(move |s| {
            let ms = now.timestamp().as_millisecond().max(0) as u64;
            let id = s.new_id(ms);
            let input = PersonInput {
                emails: nonempty(&f.email).map(str::to_string).into_iter().collect(),
                phones: nonempty(&f.phone).map(str::to_string).into_iter().collect(),
                tags: f
                    .tags
                    .as_deref()
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
                org: nonempty(&f.org).map(str::to_string),
                title: nonempty(&f.title).map(str::to_string),
                tier: nonempty(&f.tier).map(str::to_string),
                net_type: nonempty(&f.net_type).map(str::to_string),
                met: nonempty(&f.met).map(str::to_string),
                notes: nonempty(&f.notes).map(str::to_string),
                ..Default::default()
            };
            let mut cs = ChangeSet::new();
            edit::set_name(&mut cs, id, f.name.as_deref().unwrap_or(""))?;
            edit::person_fields(s, &now, &mut cs, id, &input, true)?;
            if owner.is_some() {
                kith_store::privacy::set_private(&mut cs, id, owner);
            }
            s.commit(cs, &actor, ms)?;
            Ok(id)
        })
        .await;
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(new_person_html(&p, &sent, Some(&e.message)))).into_response())
        }
        Err(e) => Err(e),
    }
}
