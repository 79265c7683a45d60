//! The reconnect list and the day plan, gathered from the store for kith-core's pure
//! algorithms: `kith reconnect`, `kith plan` and the web app's today page are all built here.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use kith_core::Id;
use kith_core::intel::Settings;
use kith_core::intel::cadence::{self, Cadence, Contact};
use kith_core::intel::plan::{Anniversary, Busy, DayPlan, PlanTask, plan_day, plan_week};
use kith_core::model::{Birthday, NetType, Tier};

use crate::edit::EditError;
use crate::{Store, TaskFilter};

const DAY_MS: i64 = 86_400_000;

fn tier_of(s: &Option<String>) -> Option<Tier> {
    s.as_deref().and_then(|t| t.parse().ok())
}

fn type_of(s: &Option<String>) -> Option<NetType> {
    s.as_deref().and_then(|t| t.parse().ok())
}

/// The reconnect list at `now`, most urgent first, at most `limit` people.
///
/// On 100,000 people most are not due, and the order depends only on the cadence and the last
/// contact. So the list is chosen first from those facts alone (the cached last contacts),
/// among the people who can be due (the same rule as `cadence::reconnect`); only then are the
/// open hooks and needs of the chosen people read, for their suggested next step.
pub fn reconnect_list(store: &mut Store, cfg: &Settings, now: Timestamp, limit: usize) -> crate::Result<Vec<Cadence>> {
    let stats = store.last_contacts(now)?;
    let mut contacts: Vec<Contact> = stats
        .into_iter()
        .filter(|s| !s.is_me)
        .map(|s| {
            let mut c = Contact::new(s.id, s.name, s.created_at.unwrap_or(now));
            c.tier = tier_of(&s.tier);
            c.net_type = type_of(&s.net_type);
            c.cadence_days = s.cadence_days.map(|d| d.clamp(0, i64::from(u32::MAX)) as u32);
            c.last_contact = s.last_contact;
            c.interactions_365d = s.interactions_365d;
            c
        })
        .filter(|c| {
            // Due soon: elapsed ≥ (1 − DUE_SOON_FRACTION) × cadence. A day of margin, so the
            // exact test stays with `cadence::reconnect`.
            let (days, _) = cfg.cadence_days(c.tier, c.net_type, c.cadence_days);
            let anchor = c.last_contact.unwrap_or(c.first_seen);
            let elapsed = (now.as_millisecond() - anchor.as_millisecond()) as f64 / DAY_MS as f64;
            elapsed + 1.0 >= (1.0 - cadence::DUE_SOON_FRACTION) * f64::from(days)
        })
        .collect();
    let chosen: HashSet<Id> = cadence::reconnect(&contacts, cfg, now, limit).into_iter().map(|c| c.id).collect();
    contacts.retain(|c| chosen.contains(&c.id));
    let ids: Vec<Id> = contacts.iter().map(|c| c.id).collect();
    let mut tags = store.person_tags_of(&ids)?;
    let mut hooks: HashMap<Id, String> = HashMap::new();
    for h in store.open_hooks(None)? {
        if chosen.contains(&h.person) {
            hooks.entry(h.person).or_insert(h.title);
        }
    }
    for c in &mut contacts {
        c.open_hook = hooks.remove(&c.id);
        c.needs = tags.remove(&c.id).map(|t| t.needs).unwrap_or_default();
    }
    Ok(cadence::reconnect(&contacts, cfg, now, limit))
}

/// How many reconnect candidates a plan places from.
pub const PLAN_CANDIDATES: usize = 50;

/// The day plan of `first` (or of the seven days from it, `week`), seen at `now` in `tz`: the
/// events, the open tasks due by the last day, birthdays, and reconnects placed in free slots.
pub fn plan(
    store: &mut Store,
    cfg: &Settings,
    tz: &TimeZone,
    now: Timestamp,
    first: Date,
    week: bool,
) -> Result<Vec<DayPlan>, EditError> {
    let candidates = reconnect_list(store, cfg, now, PLAN_CANDIDATES)?;
    plan_from(store, cfg, tz, first, week, &candidates)
}

/// [`plan`] with the reconnect candidates already read (most urgent first), for a caller that
/// shows them too.
pub fn plan_from(
    store: &mut Store,
    cfg: &Settings,
    tz: &TimeZone,
    first: Date,
    week: bool,
    candidates: &[Cadence],
) -> Result<Vec<DayPlan>, EditError> {
    let err = |e: jiff::Error| EditError::Invalid(format!("bad date: {e}"));
    let days: i64 = if week { 7 } else { 1 };
    let last = first.checked_add(jiff::Span::new().days(days - 1)).map_err(err)?;
    let end_day = last.tomorrow().map_err(err)?;
    let day_start = |d: Date| -> Result<i64, EditError> {
        Ok(d.to_zoned_datetime(tz.clone()).map_err(err)?.timestamp().as_millisecond())
    };
    let (from_ms, to_ms) = (day_start(first)?, day_start(end_day)?);
    let events: Vec<Busy> = store
        .events(Some(from_ms), Some(to_ms))?
        .into_iter()
        .filter_map(|e| {
            let start = e.start?;
            Some(Busy { id: e.id, title: e.title, start, end: e.end.unwrap_or(start) })
        })
        .collect();
    let tasks: Vec<PlanTask> = store
        .tasks(&TaskFilter {
            status: Some("open".into()),
            due_before: Some((last.to_string(), to_ms)),
            ..Default::default()
        })?
        .into_iter()
        .map(|t| PlanTask {
            id: t.id,
            title: t.title,
            due_date: t.due_date.as_deref().and_then(|d| d.parse().ok()),
            due_at: t.due_at,
            hook: t.hook,
            people: t.people.into_iter().map(|p| p.name).collect(),
        })
        .collect();
    let md = |d: Date| d.strftime("%m-%d").to_string();
    let dates: Vec<Anniversary> = store
        .birthdays(&md(first), &md(last))?
        .into_iter()
        .filter_map(|b| {
            Some(Anniversary {
                person: b.id,
                name: b.name,
                date: Birthday::parse(&b.birthday).ok()?,
                label: "birthday".into(),
            })
        })
        .collect();
    Ok(if week {
        plan_week(first, tz, cfg, &events, &tasks, &dates, candidates)
    } else {
        vec![plan_day(first, tz, cfg, &events, &tasks, &dates, candidates)]
    })
}
