//! Turning what a user asked for into a [`ChangeSet`]: the validation and the record-building
//! rules that every front end shares: the server's API and the CLI use these, so a rule and its
//! message are defined once.
//!
//! Values are parsed with kith-core's vocabulary types; references to people, organizations and
//! projects are resolved through the store. Nothing here writes: the caller commits the change
//! set in one transaction, so a request that fails validation half-way writes nothing.

use jiff::{Unit, ZonedDateTime};
use kith_core::model::{
    Birthday, Direction, Email, EventKind, ExchangeKind, InteractionKind, Link, NetType, Phone, Priority,
    ProjectStatus, Recurrence, Strength, TaskStatus, TieKind, Tier, Weight, split_name, tag,
};
use kith_core::when::{When, parse_span, parse_when};
use kith_core::{ChangeSet, Id, Kind};
use serde_json::{Value, json};

use crate::{Error, Store, TaskView};

/// Why a change cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The input is not valid; the message says how to fix it.
    #[error("{0}")]
    Invalid(String),
    /// A reference matched nothing or several records, or the store failed.
    #[error(transparent)]
    Store(#[from] Error),
}

impl From<kith_core::model::ParseError> for EditError {
    fn from(e: kith_core::model::ParseError) -> EditError {
        EditError::Invalid(e.to_string())
    }
}
impl From<kith_core::when::WhenError> for EditError {
    fn from(e: kith_core::when::WhenError) -> EditError {
        EditError::Invalid(e.to_string())
    }
}

pub type Result<T, E = EditError> = std::result::Result<T, E>;

fn invalid(msg: impl Into<String>) -> EditError {
    EditError::Invalid(msg.into())
}

/// A trimmed, non-empty text.
pub fn nonempty(s: &str, what: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(invalid(format!("{what} cannot be empty")));
    }
    Ok(t.to_string())
}

/// What can be set on a person (all optional; lists add).
#[derive(Debug, Clone, Default)]
pub struct PersonInput {
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub addresses: Vec<String>,
    pub links: Vec<String>,
    pub tags: Vec<String>,
    pub untag: Vec<String>,
    pub needs: Vec<String>,
    pub offers: Vec<String>,
    pub org: Option<String>,
    pub title: Option<String>,
    pub net_type: Option<String>,
    pub tier: Option<String>,
    pub met: Option<String>,
    pub met_where: Option<String>,
    /// When they met, as a user writes a day.
    pub met_on: Option<String>,
    pub birthday: Option<String>,
    /// How often to keep in touch, as a span like `30d` or `3 months`.
    pub cadence: Option<String>,
    pub notes: Option<String>,
    /// Custom fields, each written `key=value`.
    pub fields: Vec<String>,
}

/// Set a set-like child value (email, tag, need…) on a person. Its id is derived from the person
/// and the normalized value, so adding it twice, or on two devices, makes one record. `revive`
/// undoes an earlier removal of the same value (not needed on a person just added).
pub fn person_item(
    cs: &mut ChangeSet,
    person: Id,
    kind: &'static str,
    key: &str,
    value: &str,
    label: Option<&str>,
    revive: bool,
) {
    let id = Id::derive(person, kind, key);
    cs.set(Kind::PersonItem, id, "parent", person.to_string());
    cs.set(Kind::PersonItem, id, "kind", kind);
    cs.set(Kind::PersonItem, id, "value", value);
    if let Some(l) = label {
        cs.set(Kind::PersonItem, id, "label", l);
    }
    if revive {
        cs.delete(Kind::PersonItem, id, false);
    }
}

/// Remove the set-like child value with normalized `key` from a person; `shown` is the value as
/// the user wrote it, for the message when they have no such value.
pub fn remove_person_item(
    store: &mut Store,
    cs: &mut ChangeSet,
    person: Id,
    kind: &'static str,
    key: &str,
    shown: &str,
) -> Result<()> {
    let item = Id::derive(person, kind, key);
    if !store.person_items(person, kind)?.iter().any(|(i, _)| *i == item) {
        return Err(invalid(format!("they have no {kind} `{shown}`")));
    }
    cs.delete(Kind::PersonItem, item, true);
    Ok(())
}

/// A day as a user writes it (`2026-03-01`, `yesterday`…), as `YYYY-MM-DD`.
pub fn day(now: &ZonedDateTime, input: &str) -> Result<String> {
    Ok(parse_when(input, now)?.date().to_string())
}

/// A keep-in-touch cadence in whole days (at least one), from a span like `30d` or `3 months`.
pub fn cadence_days(now: &ZonedDateTime, input: &str) -> Result<i64> {
    let span = parse_span(input)?;
    let days =
        span.total((Unit::Day, now.date())).map_err(|e| invalid(format!("cannot use `{input}` as a cadence: {e}")))?;
    Ok(days.round().max(1.0) as i64)
}

/// A person's display name, and the given and family names split from it.
pub fn set_name(cs: &mut ChangeSet, id: Id, name: &str) -> Result<()> {
    let name = nonempty(name, "a name")?;
    let (given, family) = split_name(&name);
    cs.set(Kind::Person, id, "display_name", name.as_str());
    cs.set(Kind::Person, id, "given_name", given);
    cs.set(Kind::Person, id, "family_name", family);
    Ok(())
}

/// Find an organization by exact name, or add it in `cs`; a name given twice in one change set
/// (for example two attendees' organizations) makes one organization.
pub fn org_named(store: &mut Store, now: &ZonedDateTime, cs: &mut ChangeSet, name: &str) -> Result<Id> {
    let name = nonempty(name, "an organization name")?;
    if let Some(id) = store.find_by_name(Kind::Org, &name)? {
        return Ok(id);
    }
    if let Some(c) = cs.changes.iter().find(|c| {
        c.kind == Kind::Org && c.field == "name" && c.value.as_str().is_some_and(|v| v.eq_ignore_ascii_case(&name))
    }) {
        return Ok(c.entity);
    }
    let id = store.new_id(now_ms(now));
    cs.set(Kind::Org, id, "name", name);
    Ok(id)
}

fn now_ms(now: &ZonedDateTime) -> u64 {
    now.timestamp().as_millisecond().max(0) as u64
}

/// The changes that set `f` on person `id` (new or existing).
pub fn person_fields(
    store: &mut Store,
    now: &ZonedDateTime,
    cs: &mut ChangeSet,
    id: Id,
    f: &PersonInput,
    is_new: bool,
) -> Result<()> {
    let revive = !is_new;
    for (i, e) in f.emails.iter().enumerate() {
        let email = Email::parse(e)?;
        match store.resolve_person(email.as_str()) {
            Ok(other) if other != id => {
                return Err(invalid(format!(
                    "{} already belongs to another person [{}]; use `kith person edit` on them instead",
                    email.as_str(),
                    other.short()
                )));
            }
            Ok(_) => {}
            Err(e) if e.is_lookup() => {}
            Err(e) => return Err(e.into()),
        }
        person_item(cs, id, "email", email.as_str(), email.as_str(), None, revive);
        if is_new && i == 0 {
            cs.set(Kind::PersonItem, Id::derive(id, "email", email.as_str()), "pref", 1);
        }
    }
    for p in &f.phones {
        let phone = Phone::parse(p)?;
        person_item(cs, id, "phone", phone.key(), phone.display(), None, revive);
    }
    for a in &f.addresses {
        let a = nonempty(a, "an address")?;
        person_item(cs, id, "address", &a.to_lowercase(), &a, None, revive);
    }
    for l in &f.links {
        let link = Link::parse(l)?;
        person_item(cs, id, "link", &link.url.to_lowercase(), &link.url, Some(link.label), revive);
    }
    for (kind, values) in [("tag", &f.tags), ("need", &f.needs), ("offer", &f.offers)] {
        for v in values {
            let v = tag(v)?;
            person_item(cs, id, kind, &v, &v, None, revive);
        }
    }
    for kv in &f.fields {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| invalid(format!("custom field `{kv}` is not valid: write it as key=value")))?;
        let k = nonempty(k, "a custom field's key")?;
        person_item(cs, id, "custom", &k.to_lowercase(), v.trim(), Some(&k), revive);
    }
    for t in &f.untag {
        remove_person_item(store, cs, id, "tag", &tag(t)?, t)?;
    }
    if let Some(t) = &f.net_type {
        cs.set(Kind::Person, id, "net_type", t.parse::<NetType>()?.as_str());
    }
    if let Some(t) = &f.tier {
        cs.set(Kind::Person, id, "tier", t.parse::<Tier>()?.as_str());
    }
    if let Some(m) = &f.met {
        cs.set(Kind::Person, id, "met_how", m.trim());
    }
    if let Some(m) = &f.met_where {
        cs.set(Kind::Person, id, "met_where", m.trim());
    }
    if let Some(m) = &f.met_on {
        cs.set(Kind::Person, id, "met_on", day(now, m)?);
    }
    if let Some(b) = &f.birthday {
        cs.set(Kind::Person, id, "birthday", Birthday::parse(b)?.to_string());
    }
    if let Some(c) = &f.cadence {
        cs.set(Kind::Person, id, "cadence_days", cadence_days(now, c)?);
    }
    if let Some(n) = &f.notes {
        cs.set(Kind::Person, id, "notes", n.as_str());
    }
    match (&f.org, &f.title) {
        (Some(org), title) => {
            let org_id = org_named(store, now, cs, org)?;
            let roles = if is_new { Vec::new() } else { store.roles_of(id)? };
            let today = now.date().to_string();
            let mut found = None;
            for r in roles.iter().filter(|r| r.end_on.is_none()) {
                if r.org_id == Some(org_id) {
                    found = Some(r.id);
                } else {
                    // A new current organization means they moved on from the old one.
                    cs.set(Kind::Role, r.id, "end_on", today.as_str());
                }
            }
            let role = match found {
                Some(r) => r,
                None => {
                    let r = store.new_id(now_ms(now));
                    cs.set(Kind::Role, r, "person", id.to_string());
                    cs.set(Kind::Role, r, "org", org_id.to_string());
                    r
                }
            };
            if let Some(t) = title {
                cs.set(Kind::Role, role, "title", t.trim());
            }
        }
        (None, Some(title)) => {
            let current = if is_new { None } else { store.roles_of(id)?.into_iter().find(|r| r.end_on.is_none()) };
            let Some(role) = current else {
                return Err(invalid("--title needs --org: at which organization is this their title?"));
            };
            cs.set(Kind::Role, role.id, "title", title.trim());
        }
        (None, None) => {}
    }
    Ok(())
}

/// `"advice: pricing"` names the exchange's kind; `"intro to Bob"` lets kith guess it.
pub fn exchange(text: &str) -> Result<(ExchangeKind, String)> {
    if let Some((k, rest)) = text.split_once(':')
        && let Ok(kind) = k.parse::<ExchangeKind>()
    {
        return Ok((kind, nonempty(rest, "what was exchanged")?));
    }
    let t = nonempty(text, "what was exchanged")?;
    Ok((ExchangeKind::guess(&t), t))
}

/// An interaction to log.
#[derive(Debug, Clone, Default)]
pub struct InteractionInput {
    /// Resolved people, at least one; exchanges are with the first.
    pub people: Vec<Id>,
    pub kind: String,
    /// When it happened, as a user writes it; `None` is now.
    pub at: Option<String>,
    pub summary: Option<String>,
    pub notes: Option<String>,
    pub gave: Vec<String>,
    pub got: Vec<String>,
    pub weight: i64,
}

/// The changes that log interaction `id`.
pub fn log_interaction(store: &Store, now: &ZonedDateTime, id: Id, a: &InteractionInput) -> Result<ChangeSet> {
    let kind = a.kind.parse::<InteractionKind>()?;
    let weight = Weight::new(a.weight)?;
    let at = match &a.at {
        Some(s) => parse_when(s, now)?.start(now.time_zone())?,
        None => now.clone(),
    };
    // The same person named twice takes part once.
    let mut people: Vec<Id> = Vec::with_capacity(a.people.len());
    for p in &a.people {
        if !people.contains(p) {
            people.push(*p);
        }
    }
    let Some(&first) = people.first() else { return Err(invalid("an interaction needs at least one person")) };
    let mut cs = ChangeSet::new();
    cs.set(Kind::Interaction, id, "kind", kind.as_str());
    cs.set(Kind::Interaction, id, "occurred_at", at.timestamp().as_millisecond());
    cs.set_opt(Kind::Interaction, id, "summary", a.summary.as_deref().map(str::trim));
    cs.set_opt(Kind::Interaction, id, "notes", a.notes.as_deref());
    for p in &people {
        let pt = Id::derive(id, "participant", &p.to_string());
        cs.set(Kind::Participant, pt, "interaction", id.to_string());
        cs.set(Kind::Participant, pt, "person", p.to_string());
    }
    for (direction, texts) in [(Direction::Gave, &a.gave), (Direction::Got, &a.got)] {
        for t in texts {
            let (kind, what) = exchange(t)?;
            let ex = store.new_id(now_ms(now));
            cs.set(Kind::Exchange, ex, "interaction", id.to_string());
            cs.set(Kind::Exchange, ex, "person", first.to_string());
            cs.set(Kind::Exchange, ex, "direction", direction.as_str());
            cs.set(Kind::Exchange, ex, "kind", kind.as_str());
            cs.set(Kind::Exchange, ex, "what", what);
            cs.set(Kind::Exchange, ex, "weight", i64::from(weight.get()));
        }
    }
    Ok(cs)
}

/// What can be set on a task.
#[derive(Debug, Clone, Default)]
pub struct TaskInput {
    pub due: Option<String>,
    pub project: Option<String>,
    pub priority: Option<i64>,
    /// Resolved people it concerns.
    pub people: Vec<Id>,
    pub recurrence: Option<String>,
    /// Reminder offsets, as spans like `1h` or `2d` before it is due.
    pub reminders: Vec<String>,
    pub notes: Option<String>,
    /// A hook: a promise to follow up with someone, rather than a plain task.
    pub hook: bool,
}

/// Due as a day or an instant, as the user wrote it.
pub fn set_due(now: &ZonedDateTime, cs: &mut ChangeSet, id: Id, input: &str) -> Result<()> {
    match parse_when(input, now)? {
        When::Date(d) => {
            cs.set(Kind::Task, id, "due_date", d.to_string());
            cs.set(Kind::Task, id, "due_at", Value::Null);
        }
        When::At(z) => {
            cs.set(Kind::Task, id, "due_at", z.timestamp().as_millisecond());
            cs.set(Kind::Task, id, "due_date", Value::Null);
        }
    }
    Ok(())
}

/// Reminder offsets in minutes, from spans like `1h` or `2d`.
pub fn reminders(inputs: &[String]) -> Result<Option<Value>> {
    if inputs.is_empty() {
        return Ok(None);
    }
    let mut minutes = Vec::new();
    for r in inputs {
        let span = parse_span(r)?;
        let m = span
            .total((Unit::Minute, jiff::civil::date(2000, 1, 1)))
            .map_err(|e| invalid(format!("cannot use `{r}` as a reminder: {e}")))?;
        minutes.push(m.round() as i64);
    }
    minutes.sort_unstable();
    minutes.dedup();
    Ok(Some(json!(minutes)))
}

/// Find a project by exact name, or add it (active) in `cs`.
pub fn project_named(store: &mut Store, now: &ZonedDateTime, cs: &mut ChangeSet, name: &str) -> Result<Id> {
    let name = nonempty(name, "a project name")?;
    if let Some(id) = store.find_by_name(Kind::Project, &name)? {
        return Ok(id);
    }
    let id = store.new_id(now_ms(now));
    cs.set(Kind::Project, id, "name", name);
    cs.set(Kind::Project, id, "status", ProjectStatus::Active.as_str());
    Ok(id)
}

/// The changes that add task (or hook) `id` titled `title`.
pub fn add_task(store: &mut Store, now: &ZonedDateTime, id: Id, title: &str, f: &TaskInput) -> Result<ChangeSet> {
    let mut cs = ChangeSet::new();
    let what = if f.hook { "a hook's text" } else { "a task's title" };
    cs.set(Kind::Task, id, "title", nonempty(title, what)?);
    cs.set(Kind::Task, id, "status", TaskStatus::Open.as_str());
    if f.hook {
        cs.set(Kind::Task, id, "hook", true);
    }
    task_fields(store, now, &mut cs, id, f)?;
    Ok(cs)
}

/// The changes that set `f` on task `id` (new or existing; `f.hook` is not changed here).
pub fn task_fields(store: &mut Store, now: &ZonedDateTime, cs: &mut ChangeSet, id: Id, f: &TaskInput) -> Result<()> {
    if let Some(d) = &f.due {
        set_due(now, cs, id, d)?;
    }
    if let Some(p) = &f.project {
        let pid = project_named(store, now, cs, p)?;
        cs.set(Kind::Task, id, "project", pid.to_string());
    }
    if let Some(p) = f.priority {
        cs.set(Kind::Task, id, "priority", i64::from(Priority::new(p)?.get()));
    }
    if let Some(r) = &f.recurrence {
        cs.set(Kind::Task, id, "recurrence", Recurrence::parse(r)?.to_string());
    }
    cs.set_opt(Kind::Task, id, "reminders", reminders(&f.reminders)?);
    cs.set_opt(Kind::Task, id, "notes", f.notes.as_deref());
    for pid in &f.people {
        let tp = Id::derive(id, "task_person", &pid.to_string());
        cs.set(Kind::TaskPerson, tp, "task", id.to_string());
        cs.set(Kind::TaskPerson, tp, "person", pid.to_string());
        cs.delete(Kind::TaskPerson, tp, false);
    }
    Ok(())
}

/// The day a task is due, in `tz` for a task due at an instant.
pub fn due_day(t: &TaskView, tz: &jiff::tz::TimeZone) -> Option<jiff::civil::Date> {
    match (&t.due_date, t.due_at) {
        (Some(d), _) => d.parse().ok(),
        (None, Some(at)) => Some(at.to_zoned_datetime(tz.clone()).date()),
        _ => None,
    }
}

/// The changes that mark a task done; a repeating task stays open and moves to its next date
/// after today. Returns the changes and the next due day of a repeating task.
pub fn task_done(now: &ZonedDateTime, t: &TaskView) -> Result<(ChangeSet, Option<jiff::civil::Date>)> {
    let tz = now.time_zone();
    let id = t.id;
    let mut cs = ChangeSet::new();
    cs.set(Kind::Task, id, "done_at", now.timestamp().as_millisecond());
    let due = due_day(t, tz);
    let repeat = t.recurrence.as_deref().and_then(|r| Recurrence::parse(r).ok());
    if let (Some(rule), Some(due)) = (repeat, due) {
        let mut next = rule.next(due).unwrap_or(due);
        while next <= now.date() {
            next = rule.next(next).unwrap_or(next);
            if next == due {
                break;
            }
        }
        match t.due_at {
            Some(at) => {
                let z = at.to_zoned_datetime(tz.clone());
                let moved = next
                    .to_datetime(z.time())
                    .to_zoned_datetime(tz.clone())
                    .map_err(|e| invalid(format!("cannot move the task to {next}: {e}")))?;
                cs.set(Kind::Task, id, "due_at", moved.timestamp().as_millisecond());
            }
            None => cs.set(Kind::Task, id, "due_date", next.to_string()),
        }
        return Ok((cs, Some(next)));
    }
    cs.set(Kind::Task, id, "status", TaskStatus::Done.as_str());
    Ok((cs, None))
}

// ---------------------------------------------------------------------------------------------
// Organizations, ties, events and projects

/// What can be set on an organization (lists add; `untag` removes).
#[derive(Debug, Clone, Default)]
pub struct OrgInput {
    pub domain: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub untag: Vec<String>,
}

/// The changes that add organization `id` named `name`; a name in use is refused.
pub fn add_org(store: &mut Store, id: Id, name: &str, f: &OrgInput) -> Result<ChangeSet> {
    let name = nonempty(name, "an organization name")?;
    if let Some(existing) = store.find_by_name(Kind::Org, &name)? {
        return Err(invalid(format!("an organization named `{name}` exists already [{}]", existing.short())));
    }
    let mut cs = ChangeSet::new();
    cs.set(Kind::Org, id, "name", name.as_str());
    org_fields(&mut cs, id, f, true)?;
    Ok(cs)
}

/// The changes that set `f` on organization `id` (new or existing).
pub fn org_fields(cs: &mut ChangeSet, id: Id, f: &OrgInput, is_new: bool) -> Result<()> {
    if let Some(d) = &f.domain {
        let d =
            d.trim().trim_start_matches("https://").trim_start_matches("http://").trim_end_matches('/').to_lowercase();
        if !d.contains('.') || d.contains(char::is_whitespace) {
            return Err(invalid(format!("domain `{d}` is not valid: write it like acme.example")));
        }
        cs.set(Kind::Org, id, "domain", d);
    }
    cs.set_opt(Kind::Org, id, "notes", f.notes.as_deref());
    for t in &f.tags {
        let t = tag(t)?;
        let item = Id::derive(id, "tag", &t);
        cs.set(Kind::OrgItem, item, "parent", id.to_string());
        cs.set(Kind::OrgItem, item, "kind", "tag");
        cs.set(Kind::OrgItem, item, "value", t);
        if !is_new {
            cs.delete(Kind::OrgItem, item, false);
        }
    }
    for t in &f.untag {
        cs.delete(Kind::OrgItem, Id::derive(id, "tag", &tag(t)?), true);
    }
    Ok(())
}

/// One tie per pair of people, whichever way round it is named: its id is derived from the
/// pair, so re-adding updates it and two devices adding it make one tie.
pub fn tie_id(a: Id, b: Id) -> Id {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    Id::derive(lo, "tie", &hi.to_string())
}

/// A tie between two people.
#[derive(Debug, Clone)]
pub struct TieInput {
    /// colleague, friend, family… (`TieKind`)
    pub kind: String,
    /// 1 to 5
    pub strength: i64,
    pub since: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
}

/// The changes that tie `a` and `b` (or update their tie), and the tie's id.
pub fn add_tie(now: &ZonedDateTime, a: Id, b: Id, f: &TieInput) -> Result<(Id, ChangeSet)> {
    if a == b {
        return Err(invalid("a tie needs two different people"));
    }
    let kind = f.kind.parse::<TieKind>()?;
    let strength = Strength::new(f.strength)?;
    let id = tie_id(a, b);
    let mut cs = ChangeSet::new();
    cs.set(Kind::Tie, id, "a", a.to_string());
    cs.set(Kind::Tie, id, "b", b.to_string());
    cs.set(Kind::Tie, id, "kind", kind.as_str());
    cs.set(Kind::Tie, id, "strength", i64::from(strength.get()));
    if let Some(s) = &f.since {
        cs.set(Kind::Tie, id, "since", day(now, s)?);
    }
    cs.set_opt(Kind::Tie, id, "source", f.source.as_deref());
    cs.set_opt(Kind::Tie, id, "note", f.note.as_deref());
    cs.delete(Kind::Tie, id, false);
    Ok((id, cs))
}

/// What can be set on an event; `attendees` are resolved people, added.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub kind: Option<String>,
    /// When it starts, read in the event's time zone
    pub at: Option<String>,
    /// When it ends [default on a new event: an hour after the start]
    pub until: Option<String>,
    /// IANA time zone [default: the existing event's, else `now`'s]
    pub tz: Option<String>,
    pub place: Option<String>,
    pub link: Option<String>,
    pub goals: Option<String>,
    pub prep: Option<String>,
    pub debrief: Option<String>,
    pub attendees: Vec<Id>,
}

/// The changes that add event `id` titled `title`; it needs a start.
pub fn add_event(now: &ZonedDateTime, id: Id, title: &str, f: &EventInput) -> Result<ChangeSet> {
    if f.at.is_none() {
        return Err(invalid("an event needs a start (at): when does it start?"));
    }
    let mut cs = ChangeSet::new();
    cs.set(Kind::Event, id, "title", nonempty(title, "an event's title")?);
    if f.kind.is_none() {
        cs.set(Kind::Event, id, "kind", EventKind::Other.as_str());
    }
    event_fields(now, &mut cs, id, f, None)?;
    Ok(cs)
}

/// The changes that set `f` on event `id`; `existing` is the event before the change (`None`
/// for a new one). Times are read in the event's zone: "09:00" at a conference abroad is 09:00
/// there.
pub fn event_fields(
    now: &ZonedDateTime,
    cs: &mut ChangeSet,
    id: Id,
    f: &EventInput,
    existing: Option<&crate::EventView>,
) -> Result<()> {
    let tz = match &f.tz {
        Some(name) => jiff::tz::TimeZone::get(name)
            .map_err(|_| invalid(format!("time zone `{name}` is not known: use an IANA name like Europe/Prague")))?,
        None => match existing.and_then(|e| e.tz.as_deref()) {
            Some(name) => jiff::tz::TimeZone::get(name).unwrap_or_else(|_| now.time_zone().clone()),
            None => now.time_zone().clone(),
        },
    };
    let now_there = now.with_time_zone(tz.clone());
    let instant = |s: &str| -> Result<ZonedDateTime> { Ok(parse_when(s, &now_there)?.start(&tz)?) };
    if let Some(k) = &f.kind {
        cs.set(Kind::Event, id, "kind", k.parse::<EventKind>()?.as_str());
    }
    let start = match &f.at {
        Some(s) => {
            let z = instant(s)?;
            cs.set(Kind::Event, id, "start_at", z.timestamp().as_millisecond());
            Some(z.timestamp())
        }
        None => existing.and_then(|e| e.start),
    };
    match (&f.until, start) {
        (Some(u), Some(start)) => {
            let end = instant(u)?.timestamp();
            if end < start {
                return Err(invalid(format!("the event ends ({u}) before it starts")));
            }
            cs.set(Kind::Event, id, "end_at", end.as_millisecond());
        }
        (Some(_), None) => return Err(invalid("an end (until) needs a start (at): when does the event start?")),
        (None, Some(start)) if existing.is_none() => {
            cs.set(Kind::Event, id, "end_at", start.as_millisecond() + 3_600_000);
        }
        _ => {}
    }
    if f.tz.is_some() || existing.is_none() {
        cs.set_opt(Kind::Event, id, "tz", tz.iana_name());
    }
    cs.set_opt(Kind::Event, id, "place", f.place.as_deref());
    if let Some(l) = &f.link {
        cs.set(Kind::Event, id, "link", Link::parse(l)?.url);
    }
    cs.set_opt(Kind::Event, id, "goals", f.goals.as_deref());
    cs.set_opt(Kind::Event, id, "prep", f.prep.as_deref());
    cs.set_opt(Kind::Event, id, "debrief", f.debrief.as_deref());
    for pid in &f.attendees {
        let at = Id::derive(id, "attendee", &pid.to_string());
        cs.set(Kind::Attendee, at, "event", id.to_string());
        cs.set(Kind::Attendee, at, "person", pid.to_string());
        cs.delete(Kind::Attendee, at, false);
    }
    Ok(())
}

/// The change that removes person `person` from event `event`'s attendees.
pub fn remove_attendee(cs: &mut ChangeSet, event: Id, person: Id) {
    cs.delete(Kind::Attendee, Id::derive(event, "attendee", &person.to_string()), true);
}

/// The changes that add project `id` named `name` (active); a name in use is refused.
pub fn add_project(store: &mut Store, id: Id, name: &str, description: Option<&str>) -> Result<ChangeSet> {
    let name = nonempty(name, "a project name")?;
    if let Some(existing) = store.find_by_name(Kind::Project, &name)? {
        return Err(invalid(format!("a project named `{name}` exists already [{}]", existing.short())));
    }
    let mut cs = ChangeSet::new();
    cs.set(Kind::Project, id, "name", name.as_str());
    cs.set(Kind::Project, id, "status", ProjectStatus::Active.as_str());
    cs.set_opt(Kind::Project, id, "description", description);
    Ok(cs)
}

/// The changes that edit project `id`: a new name (not one in use by another project), a
/// description, a status (`ProjectStatus`).
pub fn project_fields(
    store: &mut Store,
    cs: &mut ChangeSet,
    id: Id,
    name: Option<&str>,
    description: Option<&str>,
    status: Option<&str>,
) -> Result<()> {
    if let Some(n) = name {
        let n = nonempty(n, "a project name")?;
        if let Some(other) = store.find_by_name(Kind::Project, &n)?.filter(|&o| o != id) {
            return Err(invalid(format!("a project named `{n}` exists already [{}]", other.short())));
        }
        cs.set(Kind::Project, id, "name", n);
    }
    cs.set_opt(Kind::Project, id, "description", description);
    if let Some(s) = status {
        cs.set(Kind::Project, id, "status", s.parse::<ProjectStatus>()?.as_str());
    }
    Ok(())
}

/// One side of an exchange on an interaction: `gave` or `got`, what (`"advice: pricing"`), its
/// weight (1 to 3) and the person it was with (a participant). Its id is new: the same text twice
/// is two exchanges, as when logged together.
pub fn add_exchange(
    cs: &mut ChangeSet,
    id: Id,
    interaction: Id,
    direction: &str,
    text: &str,
    weight: i64,
    person: Id,
) -> Result<()> {
    let direction = direction.parse::<Direction>()?;
    let (kind, what) = exchange(text)?;
    let weight = Weight::new(weight)?;
    cs.set(Kind::Exchange, id, "interaction", interaction.to_string());
    cs.set(Kind::Exchange, id, "person", person.to_string());
    cs.set(Kind::Exchange, id, "direction", direction.as_str());
    cs.set(Kind::Exchange, id, "kind", kind.as_str());
    cs.set(Kind::Exchange, id, "what", what);
    cs.set(Kind::Exchange, id, "weight", i64::from(weight.get()));
    Ok(())
}

/// What can be changed on a logged interaction; `people` are added, `remove_people` removed.
#[derive(Debug, Clone, Default)]
pub struct InteractionEdit {
    pub kind: Option<String>,
    pub at: Option<String>,
    pub summary: Option<String>,
    pub notes: Option<String>,
    pub people: Vec<Id>,
    pub remove_people: Vec<Id>,
}

/// The changes that edit interaction `id`.
pub fn interaction_fields(now: &ZonedDateTime, cs: &mut ChangeSet, id: Id, f: &InteractionEdit) -> Result<()> {
    if let Some(k) = &f.kind {
        cs.set(Kind::Interaction, id, "kind", k.parse::<InteractionKind>()?.as_str());
    }
    if let Some(s) = &f.at {
        let at = parse_when(s, now)?.start(now.time_zone())?;
        cs.set(Kind::Interaction, id, "occurred_at", at.timestamp().as_millisecond());
    }
    cs.set_opt(Kind::Interaction, id, "summary", f.summary.as_deref().map(str::trim));
    cs.set_opt(Kind::Interaction, id, "notes", f.notes.as_deref());
    for p in &f.people {
        let pt = Id::derive(id, "participant", &p.to_string());
        cs.set(Kind::Participant, pt, "interaction", id.to_string());
        cs.set(Kind::Participant, pt, "person", p.to_string());
        cs.delete(Kind::Participant, pt, false);
    }
    for p in &f.remove_people {
        if f.people.contains(p) {
            return Err(invalid("a person cannot be both added to and removed from an interaction"));
        }
        cs.delete(Kind::Participant, Id::derive(id, "participant", &p.to_string()), true);
    }
    Ok(())
}

/// The changes that edit task `id`: a new title, a status (`done` stamps the time), clearing
/// the due date (`no_due`), and the fields of `f`.
#[allow(clippy::too_many_arguments)]
pub fn task_edit(
    store: &mut Store,
    now: &ZonedDateTime,
    cs: &mut ChangeSet,
    id: Id,
    title: Option<&str>,
    status: Option<&str>,
    no_due: bool,
    f: &TaskInput,
) -> Result<()> {
    if let Some(t) = title {
        cs.set(Kind::Task, id, "title", nonempty(t, "a task's title")?);
    }
    if let Some(s) = status {
        let s = s.parse::<TaskStatus>()?;
        cs.set(Kind::Task, id, "status", s.as_str());
        if s == TaskStatus::Done {
            cs.set(Kind::Task, id, "done_at", now.timestamp().as_millisecond());
        }
    }
    if no_due {
        if f.due.is_some() {
            return Err(invalid("give a new due date or clear it, not both"));
        }
        cs.set(Kind::Task, id, "due_date", Value::Null);
        cs.set(Kind::Task, id, "due_at", Value::Null);
    }
    task_fields(store, now, cs, id, f)
}
