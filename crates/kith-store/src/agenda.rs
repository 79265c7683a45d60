//! The agenda: what is due, overdue and scheduled on a run of days, in the user's time zone.
//! `kith agenda` and the server's `GET /api/v1/agenda` are both built here.

use jiff::ZonedDateTime;
use jiff::civil::Date;
use kith_core::Id;
use kith_core::model::Birthday;
use serde::Serialize;

use crate::edit::EditError;
use crate::{Assignee, PersonRef, Store, TaskFilter};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgendaItem {
    /// task, hook, event or birthday
    pub kind: &'static str,
    pub id: Id,
    pub title: String,
    /// The day it falls on (local).
    pub date: String,
    /// The local time, when it has one.
    pub time: Option<String>,
    pub at: Option<jiff::Timestamp>,
    pub overdue: bool,
    pub people: Vec<PersonRef>,
    /// The coworker a task is assigned to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Assignee>,
    #[serde(skip)]
    sort: (String, String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agenda {
    pub from: String,
    pub to: String,
    pub items: Vec<AgendaItem>,
    pub overdue_not_shown: usize,
}

/// Days `first ..= first + days - 1` seen from `now` (whose zone is the user's); at most
/// `keep_overdue` overdue tasks are listed (the most recently due), the rest counted. Every open
/// task is listed: the agenda of a single user (`kith agenda`).
pub fn agenda(
    store: &mut Store,
    now: &ZonedDateTime,
    first: Date,
    days: u32,
    keep_overdue: Option<usize>,
) -> Result<Agenda, EditError> {
    agenda_for(store, now, first, days, keep_overdue, None)
}

/// [`agenda`] as one team member sees it when `user` is given: the tasks assigned to them and
/// those assigned to no one, not those assigned to a coworker (events and birthdays are shared).
pub fn agenda_for(
    store: &mut Store,
    now: &ZonedDateTime,
    first: Date,
    days: u32,
    keep_overdue: Option<usize>,
    user: Option<Id>,
) -> Result<Agenda, EditError> {
    Ok(window(store, now, first, days, keep_overdue, user, None)?.0)
}

/// What is coming on days `first ..= first + days - 1` for `user` (as [`agenda_for`]): the
/// items dated from `first` on only (tasks due before it are not read), the first `limit` of
/// them in agenda order, and how many more there are. For the web app's today page, whose
/// coming days are tomorrow and after: the people of the tasks left out are not read.
pub fn coming_up(
    store: &mut Store,
    now: &ZonedDateTime,
    first: Date,
    days: u32,
    user: Option<Id>,
    limit: usize,
) -> Result<(Agenda, usize), EditError> {
    window(store, now, first, days, None, user, Some(limit))
}

/// [`agenda_for`], or with `limit` [`coming_up`] (then also the number of items left out).
fn window(
    store: &mut Store,
    now: &ZonedDateTime,
    first: Date,
    days: u32,
    keep_overdue: Option<usize>,
    user: Option<Id>,
    limit: Option<usize>,
) -> Result<(Agenda, usize), EditError> {
    let err = |e: jiff::Error| EditError::Invalid(format!("cannot show those days: {e}"));
    let store_err = EditError::Store;
    let last = first.checked_add(jiff::Span::new().days(i64::from(days.max(1)) - 1)).map_err(err)?;
    let tz = now.time_zone().clone();
    let day_start = |d: Date| -> Result<i64, EditError> {
        Ok(d.to_zoned_datetime(tz.clone()).map_err(err)?.timestamp().as_millisecond())
    };
    let (from_ms, to_ms) = (day_start(first)?, day_start(last.tomorrow().map_err(err)?)?);
    let today = now.date();
    let mut items = Vec::new();
    let scope = store.scope();
    let tasks = store
        .tasks(&TaskFilter {
            status: Some("open".into()),
            due_before: Some((last.to_string(), to_ms)),
            due_from: limit.map(|_| (first.to_string(), from_ms)),
            without_people: true,
            for_user: user,
            ..Default::default()
        })
        .map_err(store_err)?;
    // With a limit, a task about hidden people only is left out before the cut (so it takes
    // no place and is not counted); without one, below with its people, as always.
    for t in tasks.into_iter().filter(|t| limit.is_none() || !scope.record("task", t.id)) {
        let (date, time) = match (&t.due_date, t.due_at) {
            (Some(d), _) => (d.clone(), None),
            (None, Some(at)) => {
                let z = at.to_zoned_datetime(tz.clone());
                (z.date().to_string(), Some(z.strftime("%H:%M").to_string()))
            }
            _ => continue,
        };
        let overdue = date < today.to_string() || t.due_at.is_some_and(|at| at < now.timestamp());
        items.push(AgendaItem {
            kind: if t.hook { "hook" } else { "task" },
            id: t.id,
            title: t.title,
            sort: (date.clone(), time.clone().unwrap_or_default()),
            date,
            time,
            at: t.due_at,
            overdue,
            people: t.people,
            assignee: t.assignee,
        });
    }
    for e in store.events(Some(from_ms), Some(to_ms)).map_err(store_err)? {
        let Some(start) = e.start else { continue };
        let z = start.to_zoned_datetime(tz.clone());
        let (date, time) = (z.date().to_string(), z.strftime("%H:%M").to_string());
        items.push(AgendaItem {
            kind: "event",
            id: e.id,
            title: e.title,
            sort: (date.clone(), time.clone()),
            date,
            time: Some(time),
            at: Some(start),
            overdue: false,
            people: e.attendees,
            assignee: None,
        });
    }
    let md = |d: Date| d.strftime("%m-%d").to_string();
    for b in store.birthdays(&md(first), &md(last)).map_err(store_err)? {
        let Ok(bd) = Birthday::parse(&b.birthday) else { continue };
        // The occurrence inside the window: this year's or next year's.
        let Some(day) = [first.year(), first.year() + 1]
            .into_iter()
            .filter_map(|y| bd.in_year(y))
            .find(|d| *d >= first && *d <= last)
        else {
            continue;
        };
        let title = match bd.year {
            Some(y) => format!("{}'s birthday ({})", b.name, day.year() - y),
            None => format!("{}'s birthday", b.name),
        };
        items.push(AgendaItem {
            kind: "birthday",
            id: b.id,
            title,
            sort: (day.to_string(), String::new()),
            date: day.to_string(),
            time: None,
            at: None,
            overdue: false,
            people: vec![PersonRef { id: b.id, name: b.name }],
            assignee: None,
        });
    }
    items.sort_by(|x, y| x.sort.cmp(&y.sort).then_with(|| x.title.cmp(&y.title)));
    // Overdue items sort first, oldest first: hide the oldest beyond `keep_overdue`.
    let overdue = items.iter().filter(|i| i.overdue).count();
    let hidden = keep_overdue.map_or(0, |keep| overdue.saturating_sub(keep));
    let mut to_hide = hidden;
    items.retain(|i| {
        let hide = i.overdue && to_hide > 0;
        to_hide -= usize::from(hide);
        !hide
    });
    let more = limit.map_or(0, |limit| items.len().saturating_sub(limit));
    items.truncate(items.len() - more);
    let shown: Vec<Id> = items.iter().filter(|i| i.kind == "task" || i.kind == "hook").map(|i| i.id).collect();
    let mut people = store.linked_people_all("task_people", "task", &shown).map_err(store_err)?;
    for i in items.iter_mut().filter(|i| i.kind == "task" || i.kind == "hook") {
        i.people = people.remove(&i.id).unwrap_or_default();
    }
    // A task about people hidden from the scope's user only is not on their agenda.
    items.retain_mut(|i| match scope.refs(std::mem::take(&mut i.people)) {
        Some(p) => {
            i.people = p;
            true
        }
        None => false,
    });
    Ok((Agenda { from: first.to_string(), to: last.to_string(), items, overdue_not_shown: hidden }, more))
}
