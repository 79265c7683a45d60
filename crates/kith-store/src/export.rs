//! Exports shared by `kith export` and the server's `/api/v1/export/*`: people as vCards,
//! events and tasks as iCalendar, and the op-log backup (JSON Lines). The formats themselves
//! are kith-interop's pure writers; this module reads the store for them.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

use jiff::Timestamp;
use kith_core::Id;
use kith_core::model::Phone;
use kith_interop::{ics, vcard};
use serde_json::json;

use crate::backend::Val;
use crate::bulk::{ItemView, Page};
use crate::{Error, PersonRecord, Store, TaskFilter};

/// The first line of a backup names its format and version.
pub const BACKUP_FORMAT: &str = "kith-backup";
pub const BACKUP_VERSION: u64 = 1;

/// What kith holds of a person, as the vCard writer's view of it: borrowed from the record,
/// with the kept properties read from their JSON without copying.
pub fn card_of(p: &PersonRecord) -> vcard::Card<'_> {
    card_with(p, p.items.iter().map(ItemView::of))
}

/// [`card_of`] with the person's items from elsewhere (a page's held items).
fn card_with<'a>(p: &'a PersonRecord, items: impl Iterator<Item = ItemView<'a>>) -> vcard::Card<'a> {
    let mut c = vcard::Card {
        name: p.display_name.as_deref().unwrap_or_default(),
        given: p.given_name.as_deref(),
        family: p.family_name.as_deref(),
        birthday: p.birthday.as_deref(),
        notes: p.notes.as_deref(),
        kept: p.card.as_ref().filter(|c| !c.deleted).and_then(|c| vcard::KeptRef::from_json(&c.data)),
        ..vcard::Card::default()
    };
    // The keys only find kept original lines: none to find, none to make.
    let keyed = c.kept.is_some();
    for i in items.filter(|i| !i.deleted) {
        let item = |key: Cow<'a, str>| vcard::Item {
            value: i.value,
            key: if keyed { key } else { Cow::Borrowed("") },
            label: i.label,
            pref: i.pref,
        };
        match i.kind {
            "email" => c.emails.push(item(lower(i.value, keyed))),
            "phone" => {
                let key = match keyed {
                    true => Phone::parse(i.value).map_or(Cow::Borrowed(i.value), |p| Cow::Owned(p.key().to_string())),
                    false => Cow::Borrowed(""),
                };
                c.phones.push(item(key));
            }
            "address" => c.addresses.push(item(lower(i.value, keyed))),
            "link" => c.links.push(item(lower(i.value, keyed))),
            "tag" => c.tags.push(i.value),
            _ => {}
        }
    }
    if let Some(r) = p.roles.iter().find(|r| r.end_on.is_none()) {
        c.org = r.org_name.as_deref();
        c.title = r.title.as_deref();
    }
    c
}

/// `s.to_lowercase()`, borrowed when that changes nothing (and when `needed` is false: empty).
fn lower(s: &str, needed: bool) -> Cow<'_, str> {
    if !needed {
        Cow::Borrowed("")
    } else if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// A person's business card (`kith me card`, the server's "my card"): their vCard 4.0 with how
/// to reach them and their pitch as the note; private notes, tags and kept properties stay out.
/// `None` when there is no such live person.
pub fn business_card(store: &mut Store, id: Id) -> Result<Option<String>, Error> {
    let Some(person) = store.person(id)? else { return Ok(None) };
    let Some(rec) = store.person_records(&[id])?.remove(&id) else { return Ok(None) };
    let mut c = card_of(&rec);
    c.notes = person.pitch.as_deref();
    c.kept = None;
    c.tags.clear();
    let mut card = String::new();
    vcard::Writer::default().card(&mut card, &c, &format!("urn:uuid:{id}"), vcard::Version::V4);
    Ok(Some(card))
}

/// How many people [`vcards`] reads at a time.
pub const VCARD_PAGE: usize = 2_000;

/// Every person as a vCard of `version`, in id order: `each` gets the person's id, name and
/// card text. Returns how many were written. Reads every person item at the start (see
/// [`Store::person_pages`]): the CLI's export; [`vcards_paged`] holds one page at a time.
pub fn vcards<E: From<Error>>(
    store: &mut Store,
    version: vcard::Version,
    each: impl FnMut(Id, &str, &str) -> Result<(), E>,
) -> Result<usize, E> {
    vcards_with(store, version, true, each)
}

/// [`vcards`] in bounded memory: each page of people reads its own items (slower at 100,000
/// people): the server's streamed export.
pub fn vcards_paged<E: From<Error>>(
    store: &mut Store,
    version: vcard::Version,
    each: impl FnMut(Id, &str, &str) -> Result<(), E>,
) -> Result<usize, E> {
    vcards_with(store, version, false, each)
}

fn vcards_with<E: From<Error>>(
    store: &mut Store,
    version: vcard::Version,
    whole_items: bool,
    mut each: impl FnMut(Id, &str, &str) -> Result<(), E>,
) -> Result<usize, E> {
    let mut out = CardOut { scope: store.scope(), version: Some(version), ..CardOut::default() };
    if !whole_items {
        let mut pages = store.person_pages(VCARD_PAGE, None);
        while let Some(page) = pages.next(store)? {
            out.page(&page, &mut each)?;
        }
        return Ok(out.count);
    }
    vcards_whole(store, &mut out, &mut each)
}

fn vcards_whole<E: From<Error>>(
    store: &mut Store,
    out: &mut CardOut,
    mut each: impl FnMut(Id, &str, &str) -> Result<(), E>,
) -> Result<usize, E> {
    let table = store.item_table()?;
    // The store's reads of the next pages overlap with the writing of this one: another thread
    // reads, this one (which may hold a sink that must stay on it) writes. Two pages in flight.
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let table = &table;
        s.spawn(move || {
            let mut pages = store.person_pages(VCARD_PAGE, Some(table));
            loop {
                let next = pages.next(store);
                let last = !matches!(next, Ok(Some(_)));
                if tx.send(next).is_err() || last {
                    break;
                }
            }
        });
        // Returning early (a failed write) drops `rx`: the reader stops at its next page.
        for next in rx {
            match next? {
                Some(page) => out.page(&page, &mut each)?,
                None => break,
            }
        }
        Ok(out.count)
    })
}

/// Writes the cards of pages, reusing its buffers.
#[derive(Default)]
struct CardOut {
    scope: std::sync::Arc<crate::privacy::Hidden>,
    version: Option<vcard::Version>,
    writer: vcard::Writer,
    buf: String,
    uid: String,
    count: usize,
}

impl CardOut {
    fn page<E>(&mut self, page: &Page<'_>, each: &mut impl FnMut(Id, &str, &str) -> Result<(), E>) -> Result<(), E> {
        let version = self.version.unwrap_or(vcard::Version::V4);
        for (i, p) in page.people.iter().enumerate().filter(|(_, p)| !self.scope.person(p.id)) {
            let c = card_with(p, page.items(i));
            self.buf.clear();
            self.uid.clear();
            let _ = write!(self.uid, "urn:uuid:{}", p.id);
            self.writer.card(&mut self.buf, &c, &self.uid, version);
            each(p.id, c.name, &self.buf)?;
            self.count += 1;
        }
        Ok(())
    }
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

/// How many operations a backup reads at a time.
const BACKUP_PAGE: usize = 5_000;

/// The op log as a backup: a header line, then every operation in (hlc, node, id) order, one
/// JSON object a line, read 5,000 at a time in one read transaction (one snapshot: the header's
/// count is what follows). Returns how many operations were written.
pub fn backup(store: &mut Store, sink: &mut dyn Write) -> Result<usize, BackupError> {
    let (begin, nested) = match store.engine() {
        _ if store.in_bulk => ("", true),
        crate::Engine::Sqlite => ("BEGIN", false),
        crate::Engine::Postgres => ("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", false),
    };
    if !nested {
        store.db().batch(begin)?;
    }
    let result = backup_ops(store, sink);
    if !nested {
        // Read only: ending it changes nothing, whatever happened.
        let end = store.db().batch("COMMIT");
        if result.is_ok() {
            end?;
        }
    }
    result
}

fn backup_ops(store: &mut Store, sink: &mut dyn Write) -> Result<usize, BackupError> {
    let gone = store.hidden_records()?;
    let count = |store: &mut Store, sql: &str, params: &[Val]| -> Result<usize, Error> {
        Ok(store.db().query(sql, params)?.first().and_then(|r| r[0].int()).unwrap_or(0) as usize)
    };
    let hidden: Vec<Id> = gone.iter().copied().collect();
    let total =
        count(store, "SELECT count(*) FROM ops", &[])? - crate::apply::ops_of(store.db(), &hidden, "op_id")?.len();
    let header = json!({ "format": BACKUP_FORMAT, "version": BACKUP_VERSION, "ops": total });
    writeln!(sink, "{header}")?;
    const COLS: &str = "SELECT op_id, hlc, node, actor, kind, entity, field, value FROM ops";
    let mut after: Option<[Val; 3]> = None;
    let mut written = 0usize;
    loop {
        let rows = match &after {
            None => {
                store.db().query(&format!("{COLS} ORDER BY hlc, node, op_id LIMIT ?"), &[Val::Int(BACKUP_PAGE as i64)])
            }
            Some([hlc, node, id]) => store.db().query(
                &format!("{COLS} WHERE hlc >= ? AND (hlc, node, op_id) > (?, ?, ?) ORDER BY hlc, node, op_id LIMIT ?"),
                &[hlc.clone(), hlc.clone(), node.clone(), id.clone(), Val::Int(BACKUP_PAGE as i64)],
            ),
        }?;
        for r in &rows {
            let op = crate::query::op_of(r)?;
            if gone.contains(&op.entity) {
                continue;
            }
            serde_json::to_writer(&mut *sink, &op).map_err(std::io::Error::from)?;
            sink.write_all(b"\n")?;
            written += 1;
        }
        match rows.last() {
            Some(r) if rows.len() >= BACKUP_PAGE => after = Some([r[1].clone(), r[2].clone(), r[0].clone()]),
            _ => break,
        }
    }
    if written != total {
        return Err(
            Error::Database(format!("the op log changed during the backup ({total} counted, {written} read)")).into()
        );
    }
    sink.flush()?;
    Ok(written)
}

/// A backup that could not be read from the store or written out.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] Error),
    #[error("cannot write the backup: {0}")]
    Io(#[from] std::io::Error),
}
