//! Turning what a user asked for into a [`ChangeSet`]: the validation and the record-building
//! rules that every front end shares (the server's API today; the CLI's copies in
//! `kith/src/commands.rs` are to move here, see ARCHITECTURE.md).
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
    pub birthday: Option<String>,
    pub notes: Option<String>,
}

/// Set a set-like child value (email, tag, need…) on a person. Its id is derived from the person
/// and the normalized value, so adding it twice, or on two devices, makes one record.
pub fn person_item(cs: &mut ChangeSet, person: Id, kind: &'static str, key: &str, value: &str, label: Option<&str>) {
    let id = Id::derive(person, kind, key);
    cs.set(Kind::PersonItem, id, "parent", person.to_string());
    cs.set(Kind::PersonItem, id, "kind", kind);
    cs.set(Kind::PersonItem, id, "value", value);
    if let Some(l) = label {
        cs.set(Kind::PersonItem, id, "label", l);
    }
    cs.delete(Kind::PersonItem, id, false);
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

/// Find an organization by exact name, or add it in `cs`.
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
    for (i, e) in f.emails.iter().enumerate() {
        let email = Email::parse(e)?;
        match store.resolve_person(email.as_str()) {
            Ok(other) if other != id => {
                return Err(invalid(format!(
                    "{} already belongs to another person [{}]",
                    email.as_str(),
                    other.short()
                )));
            }
            Ok(_) => {}
            Err(e) if e.is_lookup() => {}
            Err(e) => return Err(e.into()),
        }
        person_item(cs, id, "email", email.as_str(), email.as_str(), None);
        if is_new && i == 0 {
            cs.set(Kind::PersonItem, Id::derive(id, "email", email.as_str()), "pref", 1);
        }
    }
    for p in &f.phones {
        let phone = Phone::parse(p)?;
        person_item(cs, id, "phone", phone.key(), phone.display(), None);
    }
    for l in &f.links {
        let link = Link::parse(l)?;
        person_item(cs, id, "link", &link.url.to_lowercase(), &link.url, Some(link.label));
    }
    for (kind, values) in [("tag", &f.tags), ("need", &f.needs), ("offer", &f.offers)] {
        for v in values {
            let v = tag(v)?;
            person_item(cs, id, kind, &v, &v, None);
        }
    }
    for t in &f.untag {
        let t = tag(t)?;
        let item = Id::derive(id, "tag", &t);
        if !store.person_items(id, "tag")?.iter().any(|(i, _)| *i == item) {
            return Err(invalid(format!("they have no tag `{t}`")));
        }
        cs.delete(Kind::PersonItem, item, true);
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
    if let Some(b) = &f.birthday {
        cs.set(Kind::Person, id, "birthday", Birthday::parse(b)?.to_string());
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
                return Err(invalid("a title needs an organization: at which organization is this their title?"));
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
    let mut people = a.people.clone();
    people.dedup();
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
    pub notes: Option<String>,
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

/// The changes that add task `id` titled `title`.
pub fn add_task(store: &mut Store, now: &ZonedDateTime, id: Id, title: &str, f: &TaskInput) -> Result<ChangeSet> {
    let mut cs = ChangeSet::new();
    cs.set(Kind::Task, id, "title", nonempty(title, "a task's title")?);
    cs.set(Kind::Task, id, "status", TaskStatus::Open.as_str());
    if f.hook {
        cs.set(Kind::Task, id, "hook", true);
    }
    if let Some(d) = &f.due {
        set_due(now, &mut cs, id, d)?;
    }
    if let Some(p) = &f.project {
        let name = nonempty(p, "a project name")?;
        let pid = match store.find_by_name(Kind::Project, &name)? {
            Some(pid) => pid,
            None => {
                let pid = store.new_id(now_ms(now));
                cs.set(Kind::Project, pid, "name", name);
                cs.set(Kind::Project, pid, "status", ProjectStatus::Active.as_str());
                pid
            }
        };
        cs.set(Kind::Task, id, "project", pid.to_string());
    }
    if let Some(p) = f.priority {
        cs.set(Kind::Task, id, "priority", i64::from(Priority::new(p)?.get()));
    }
    if let Some(r) = &f.recurrence {
        cs.set(Kind::Task, id, "recurrence", Recurrence::parse(r)?.to_string());
    }
    cs.set_opt(Kind::Task, id, "notes", f.notes.as_deref());
    for pid in &f.people {
        let tp = Id::derive(id, "task_person", &pid.to_string());
        cs.set(Kind::TaskPerson, tp, "task", id.to_string());
        cs.set(Kind::TaskPerson, tp, "person", pid.to_string());
        cs.delete(Kind::TaskPerson, tp, false);
    }
    Ok(cs)
}

/// The changes that mark a task done; a repeating task stays open and moves to its next date
/// after today. Returns the changes and the next due day of a repeating task.
pub fn task_done(now: &ZonedDateTime, t: &TaskView) -> Result<(ChangeSet, Option<jiff::civil::Date>)> {
    let tz = now.time_zone();
    let id = t.id;
    let mut cs = ChangeSet::new();
    cs.set(Kind::Task, id, "done_at", now.timestamp().as_millisecond());
    let due = match (&t.due_date, t.due_at) {
        (Some(d), _) => d.parse().ok(),
        (None, Some(at)) => Some(at.to_zoned_datetime(tz.clone()).date()),
        _ => None,
    };
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
