//! A debrief after an event: one interaction per person met, each with the note, a follow-up
//! hook per promise, the people met recorded as attendees, and the note appended to the event's
//! debrief. `kith debrief` and the web app's event page both build their change set here.

use jiff::ZonedDateTime;
use kith_core::model::{InteractionKind, TaskStatus};
use kith_core::when::parse_span;
use kith_core::{ChangeSet, Id, Kind};

use crate::edit::{EditError, Result};
use crate::{EventView, Store};

/// What the user said about an event.
#[derive(Debug, Clone, Default)]
pub struct DebriefInput {
    /// The people met, by id (at least one).
    pub people: Vec<Id>,
    /// What was said.
    pub note: Option<String>,
    /// Follow-ups promised: a hook each, on each person met.
    pub hooks: Vec<String>,
    /// When the hooks are due, as a span from now (`3d`).
    pub within: String,
    /// The kind of interaction logged (`meeting`).
    pub kind: String,
}

/// What a debrief wrote.
#[derive(Debug, Clone, Default)]
pub struct Debrief {
    pub changes: ChangeSet,
    pub interactions: Vec<Id>,
    pub hooks: Vec<Id>,
    /// The day the hooks are due.
    pub due: Option<jiff::civil::Date>,
}

/// The change set of a debrief of `event` at `now`. Nothing is written here.
pub fn debrief(store: &Store, now: &ZonedDateTime, event: &EventView, input: &DebriefInput) -> Result<Debrief> {
    let kind = input.kind.parse::<InteractionKind>()?;
    let span = parse_span(&input.within)?;
    if input.people.is_empty() {
        return Err(EditError::Invalid("nobody to debrief: name at least one person you met".into()));
    }
    let hooks: Vec<String> = input.hooks.iter().map(|h| h.trim().to_string()).collect();
    if hooks.iter().any(String::is_empty) {
        return Err(EditError::Invalid("a hook's text cannot be empty".into()));
    }
    let mut people: Vec<Id> = Vec::new();
    for &p in &input.people {
        if !people.contains(&p) {
            people.push(p);
        }
    }
    let note = input.note.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    let ts = now.timestamp();
    let ms = ts.as_millisecond().max(0) as u64;
    // The meeting happened at the event (its end), or now if the event has not ended yet.
    let at = event.end.or(event.start).filter(|t| *t <= ts).unwrap_or(ts);
    let due = now
        .checked_add(span)
        .map_err(|e| EditError::Invalid(format!("cannot use within {}: {e}", input.within)))?
        .date();
    let eid = event.id;
    let mut out = Debrief { due: (!hooks.is_empty()).then_some(due), ..Default::default() };
    let cs = &mut out.changes;
    for &p in &people {
        let iid = store.new_id(ms);
        cs.set(Kind::Interaction, iid, "kind", kind.as_str());
        cs.set(Kind::Interaction, iid, "occurred_at", at.as_millisecond());
        cs.set(Kind::Interaction, iid, "summary", format!("met at {}", event.title));
        cs.set_opt(Kind::Interaction, iid, "notes", note.clone());
        let pt = Id::derive(iid, "participant", &p.to_string());
        cs.set(Kind::Participant, pt, "interaction", iid.to_string());
        cs.set(Kind::Participant, pt, "person", p.to_string());
        // Whoever was met was there.
        let att = Id::derive(eid, "attendee", &p.to_string());
        cs.set(Kind::Attendee, att, "event", eid.to_string());
        cs.set(Kind::Attendee, att, "person", p.to_string());
        cs.delete(Kind::Attendee, att, false);
        out.interactions.push(iid);
        for h in &hooks {
            let tid = store.new_id(ms);
            cs.set(Kind::Task, tid, "title", h.as_str());
            cs.set(Kind::Task, tid, "status", TaskStatus::Open.as_str());
            cs.set(Kind::Task, tid, "hook", true);
            cs.set(Kind::Task, tid, "due_date", due.to_string());
            cs.set(Kind::Task, tid, "interaction", iid.to_string());
            let tp = Id::derive(tid, "task_person", &p.to_string());
            cs.set(Kind::TaskPerson, tp, "task", tid.to_string());
            cs.set(Kind::TaskPerson, tp, "person", p.to_string());
            out.hooks.push(tid);
        }
    }
    if let Some(n) = &note {
        let debrief = match &event.debrief {
            Some(old) if !old.trim().is_empty() => format!("{old}\n{n}"),
            _ => n.clone(),
        };
        cs.set(Kind::Event, eid, "debrief", debrief);
    }
    Ok(out)
}
