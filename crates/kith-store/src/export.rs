//! Exports shared by `kith export` and the server's `/api/v1/export/*`: people as vCards,
//! events and tasks as iCalendar, and the op-log backup (JSON Lines). The formats themselves
//! are kith-interop's pure writers; this module reads the store for them.

use std::io::Write;

use jiff::Timestamp;
use kith_core::Id;
use kith_core::model::Phone;
use kith_interop::{Contact, Entry, ics, vcard};
use serde_json::json;

use crate::{Error, PersonRecord, Store, TaskFilter};

/// The first line of a backup names its format and version.
pub const BACKUP_FORMAT: &str = "kith-backup";
pub const BACKUP_VERSION: u64 = 1;

/// What kith holds of a person, as a contact to write.
pub fn contact_of(p: &PersonRecord) -> Contact {
    let mut c = Contact {
        name: p.display_name.clone().unwrap_or_default(),
        given: p.given_name.clone(),
        family: p.family_name.clone(),
        birthday: p.birthday.clone(),
        notes: p.notes.clone(),
        met_on: p.met_on.clone(),
        met_how: p.met_how.clone(),
        ..Contact::default()
    };
    for i in p.items.iter().filter(|i| !i.deleted) {
        let entry = |key: String| Entry { value: i.value.clone(), key, label: i.label.clone(), pref: i.pref };
        match i.kind.as_str() {
            "email" => c.emails.push(entry(i.value.to_lowercase())),
            "phone" => {
                let key = Phone::parse(&i.value).map(|p| p.key().to_string()).unwrap_or_else(|_| i.value.clone());
                c.phones.push(entry(key));
            }
            "address" => c.addresses.push(entry(i.value.to_lowercase())),
            "link" => c.links.push(entry(i.value.to_lowercase())),
            "tag" => c.tags.push(i.value.clone()),
            _ => {}
        }
    }
    c.kept = p.card.as_ref().filter(|c| !c.deleted).and_then(|c| serde_json::from_str(&c.data).ok());
    if let Some(r) = p.roles.iter().find(|r| r.end_on.is_none()) {
        c.org = r.org_name.clone();
        c.title = r.title.clone();
    }
    c
}

/// A person's business card (`kith me card`, the server's "my card"): their vCard 4.0 with how
/// to reach them and their pitch as the note; private notes, tags and kept properties stay out.
/// `None` when there is no such live person.
pub fn business_card(store: &mut Store, id: Id) -> Result<Option<String>, Error> {
    let Some(person) = store.person(id)? else { return Ok(None) };
    let Some(rec) = store.person_records(&[id])?.remove(&id) else { return Ok(None) };
    let mut c = contact_of(&rec);
    c.notes = person.pitch;
    c.kept = None;
    c.tags.clear();
    let mut card = String::new();
    vcard::write(&mut card, &c, &format!("urn:uuid:{id}"), vcard::Version::V4);
    Ok(Some(card))
}

/// Every person as a vCard of `version`, in id order, 2,000 people read at a time: `each` gets
/// the person's id, name and card text. Returns how many were written.
pub fn vcards<E: From<Error>>(
    store: &mut Store,
    version: vcard::Version,
    mut each: impl FnMut(Id, &str, &str) -> Result<(), E>,
) -> Result<usize, E> {
    let mut after = None;
    let mut count = 0usize;
    let mut buf = String::new();
    loop {
        let page = store.person_page(after, 2_000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for p in page.iter().filter(|p| store.sees_person(p.id)) {
            let c = contact_of(p);
            buf.clear();
            vcard::write(&mut buf, &c, &format!("urn:uuid:{}", p.id), version);
            each(p.id, &c.name, &buf)?;
            count += 1;
        }
    }
    Ok(count)
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Every event (VEVENT) and task or hook (VTODO) as one iCalendar text, stamped `now`; with
/// the numbers of events and tasks.
pub fn ics(store: &mut Store, now: Timestamp) -> Result<(String, usize, usize), Error> {
    let people = |p: &[crate::PersonRef]| p.iter().map(|p| (p.name.clone(), format!("urn:uuid:{}", p.id))).collect();
    let events: Vec<ics::Event> = store
        .events(None, None)?
        .into_iter()
        .map(|e| ics::Event {
            id: e.id.to_string(),
            title: e.title,
            kind: e.kind,
            start: e.start.map(utc),
            end: e.end.map(utc),
            tz: e.tz,
            place: e.place,
            link: e.link,
            description: [e.goals.map(|g| format!("Goals: {g}")), e.prep.map(|p| format!("Prep: {p}")), e.debrief]
                .into_iter()
                .flatten()
                .reduce(|a, b| format!("{a}\n{b}")),
            attendees: people(&e.attendees),
        })
        .collect();
    let todos: Vec<ics::Todo> = store
        .tasks(&TaskFilter::default())?
        .into_iter()
        .map(|t| ics::Todo {
            id: t.id.to_string(),
            title: t.title,
            notes: t.notes,
            due: t.due_date.map(|d| d.replace('-', "")).or(t.due_at.map(utc)),
            status: t.status,
            priority: t.priority,
            rrule: t.recurrence.as_deref().and_then(|r| kith_core::model::Recurrence::parse(r).ok()).map(|r| {
                use kith_core::model::Recurrence::*;
                match r {
                    Daily => "FREQ=DAILY".to_string(),
                    Weekly => "FREQ=WEEKLY".to_string(),
                    Monthly => "FREQ=MONTHLY".to_string(),
                    Yearly => "FREQ=YEARLY".to_string(),
                    EveryDays(n) => format!("FREQ=DAILY;INTERVAL={n}"),
                }
            }),
            reminders: t.reminders,
            hook: t.hook,
            people: people(&t.people),
            completed: t.done_at.map(utc),
        })
        .collect();
    let text = ics::write(&events, &todos, &utc(now));
    Ok((text, events.len(), todos.len()))
}

/// The op log as a backup: a header line, then every operation in (hlc, node, id) order, one
/// JSON object a line. Returns how many operations were written.
pub fn backup(store: &mut Store, sink: &mut dyn Write) -> Result<usize, BackupError> {
    let mut ops = store.ops()?;
    store.scope_ops(&mut ops)?;
    let header = json!({ "format": BACKUP_FORMAT, "version": BACKUP_VERSION, "ops": ops.len() });
    writeln!(sink, "{header}")?;
    for op in &ops {
        serde_json::to_writer(&mut *sink, op).map_err(std::io::Error::from)?;
        sink.write_all(b"\n")?;
    }
    sink.flush()?;
    Ok(ops.len())
}

/// A backup that could not be read from the store or written out.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] Error),
    #[error("cannot write the backup: {0}")]
    Io(#[from] std::io::Error),
}
