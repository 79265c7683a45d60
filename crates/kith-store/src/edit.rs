//! Turning what a user asked for into a [`ChangeSet`]: the validation and the record-building
//! rules that every front end shares: the server's API and the CLI use these, so a rule and its
//! message are defined once.
//!
//! Values are parsed with kith-core's vocabulary types; references to people, organizations and
//! projects are resolved through the store. Nothing here writes: the caller commits the change
//! set in one transaction, so a request that fails validation half-way writes nothing.

use jiff::{Unit, ZonedDateTime};
use kith_core::model::{
    Birthday, Direction, Email, ExchangeKind, InteractionKind, Link, NetType, Phone, Priority, ProjectStatus,
    Recurrence, TaskStatus, Tier, Weight, split_name, tag,
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
    /// `Some(Some(email))`: assign it to the workspace member with this email;
    /// `Some(None)`: assign it to no one; `None`: leave the assignment as it is.
    pub assignee: Option<Option<String>>,
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
    if let Some(a) = &f.assignee {
        match a {
            Some(email) => cs.set(Kind::Task, id, "assignee", assignee(store, email)?.to_string()),
            None => cs.set(Kind::Task, id, "assignee", Value::Null),
        }
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

/// The user a task may be assigned to, by email: an enabled member of the workspace (any role).
/// Anyone else is refused, so a task never points at a stranger or a typo.
pub fn assignee(store: &mut Store, email: &str) -> Result<Id> {
    let email = Email::parse(email)?;
    match store.member_by_email(email.as_str())? {
        Some((user, _)) => Ok(user.id),
        None => Err(invalid(format!(
            "{} is not a member of this workspace: only users with an account here (`kith user add`) can be given work",
            email.as_str()
        ))),
    }
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
