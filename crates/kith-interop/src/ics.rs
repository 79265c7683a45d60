//! iCalendar out: events as VEVENT, tasks and hooks as VTODO with their reminders as VALARM.
//! iCalendar in: the VEVENTs of a calendar or a conference agenda, with their attendees.
//!
//! Instants are written in UTC (`…Z`), which every client places correctly in its own zone; an
//! event's zone is kept as `X-KITH-TZ` for the record. Tasks due on a day are `DUE;VALUE=DATE`.

use crate::vcard::{esc, fold};

/// An event to write.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub id: String,
    pub title: String,
    pub kind: Option<String>,
    /// `YYYYMMDDTHHMMSSZ`
    pub start: Option<String>,
    pub end: Option<String>,
    pub tz: Option<String>,
    pub place: Option<String>,
    pub link: Option<String>,
    pub description: Option<String>,
    /// (name, uid) of each attendee.
    pub attendees: Vec<(String, String)>,
}

/// A task (or hook) to write.
#[derive(Debug, Clone, Default)]
pub struct Todo {
    pub id: String,
    pub title: String,
    pub notes: Option<String>,
    /// `YYYYMMDD` for a day, or `YYYYMMDDTHHMMSSZ` for an instant.
    pub due: Option<String>,
    /// `open`, `done` or `cancelled`.
    pub status: String,
    /// kith's 0 (none) to 3 (high).
    pub priority: Option<i64>,
    /// `FREQ=…` rule.
    pub rrule: Option<String>,
    /// Minutes before the due time.
    pub reminders: Vec<i64>,
    pub hook: bool,
    pub people: Vec<(String, String)>,
    pub completed: Option<String>,
}

/// A whole calendar. `stamp` is the `DTSTAMP` of every component (`YYYYMMDDTHHMMSSZ`).
pub fn write(events: &[Event], todos: &[Todo], stamp: &str) -> String {
    let mut out = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kith//kith//EN\r\nCALSCALE:GREGORIAN\r\n");
    for e in events {
        out.push_str("BEGIN:VEVENT\r\n");
        fold(&mut out, &format!("UID:{}@kith", e.id));
        fold(&mut out, &format!("DTSTAMP:{stamp}"));
        if let Some(s) = &e.start {
            fold(&mut out, &format!("DTSTART:{s}"));
        }
        if let Some(s) = &e.end {
            fold(&mut out, &format!("DTEND:{s}"));
        }
        fold(&mut out, &format!("SUMMARY:{}", esc(&e.title)));
        if let Some(k) = &e.kind {
            fold(&mut out, &format!("CATEGORIES:{}", esc(k)));
        }
        if let Some(p) = &e.place {
            fold(&mut out, &format!("LOCATION:{}", esc(p)));
        }
        if let Some(l) = &e.link {
            fold(&mut out, &format!("URL:{l}"));
        }
        if let Some(d) = &e.description {
            fold(&mut out, &format!("DESCRIPTION:{}", esc(d)));
        }
        if let Some(tz) = &e.tz {
            fold(&mut out, &format!("X-KITH-TZ:{}", esc(tz)));
        }
        for (name, uid) in &e.attendees {
            fold(&mut out, &format!("ATTENDEE;CN=\"{}\":{uid}", name.replace('"', "'")));
        }
        out.push_str("END:VEVENT\r\n");
    }
    for t in todos {
        out.push_str("BEGIN:VTODO\r\n");
        fold(&mut out, &format!("UID:{}@kith", t.id));
        fold(&mut out, &format!("DTSTAMP:{stamp}"));
        fold(&mut out, &format!("SUMMARY:{}", esc(&t.title)));
        if let Some(n) = &t.notes {
            fold(&mut out, &format!("DESCRIPTION:{}", esc(n)));
        }
        match &t.due {
            Some(d) if d.len() == 8 => fold(&mut out, &format!("DUE;VALUE=DATE:{d}")),
            Some(d) => fold(&mut out, &format!("DUE:{d}")),
            None => {}
        }
        let status = match t.status.as_str() {
            "done" => "COMPLETED",
            "cancelled" => "CANCELLED",
            _ => "NEEDS-ACTION",
        };
        fold(&mut out, &format!("STATUS:{status}"));
        if let Some(c) = &t.completed {
            fold(&mut out, &format!("COMPLETED:{c}"));
        }
        // iCalendar: 1 highest … 9 lowest, 0 undefined.
        if let Some(p) = t.priority.filter(|p| *p > 0) {
            let p = match p {
                3 => 1,
                2 => 5,
                _ => 9,
            };
            fold(&mut out, &format!("PRIORITY:{p}"));
        }
        if let Some(r) = &t.rrule {
            fold(&mut out, &format!("RRULE:{r}"));
        }
        if t.hook {
            out.push_str("CATEGORIES:hook\r\n");
        }
        for (name, uid) in &t.people {
            fold(&mut out, &format!("ATTENDEE;CN=\"{}\":{uid}", name.replace('"', "'")));
        }
        // An alarm needs a due date to be relative to.
        if t.due.is_some() {
            for m in &t.reminders {
                out.push_str("BEGIN:VALARM\r\nACTION:DISPLAY\r\n");
                fold(&mut out, &format!("TRIGGER:-PT{}M", m.max(&0)));
                fold(&mut out, &format!("DESCRIPTION:{}", esc(&t.title)));
                out.push_str("END:VALARM\r\n");
            }
        }
        out.push_str("END:VTODO\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

// ---------------------------------------------------------------------------------------------
// Reading

use calcard::icalendar::{
    ICalendarComponentType, ICalendarEntry, ICalendarParameterName, ICalendarParameterValue, ICalendarProperty,
    ICalendarValue, Uri,
};

use crate::RecordError;

/// A moment as the calendar wrote it; the caller places it in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// `…Z`, or with an explicit offset already applied: UTC.
    Utc { date: (i16, i8, i8), time: (i8, i8, i8) },
    /// Local time in the named zone (`TZID=`), or floating (no zone) when `None`.
    Local { date: (i16, i8, i8), time: (i8, i8, i8), tzid: Option<String> },
    /// A whole day.
    Date { date: (i16, i8, i8) },
}

/// One VEVENT.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InEvent {
    /// The line of its `BEGIN:VEVENT`.
    pub line: usize,
    pub uid: Option<String>,
    pub title: String,
    pub start: Option<When>,
    pub end: Option<When>,
    pub place: Option<String>,
    pub link: Option<String>,
    pub description: Option<String>,
    /// (name, email) of each attendee and the organizer.
    pub attendees: Vec<(Option<String>, Option<String>)>,
}

fn text(e: &ICalendarEntry) -> Option<String> {
    e.values
        .iter()
        .find_map(|v| match v {
            ICalendarValue::Text(t) => Some(t.trim().to_string()),
            ICalendarValue::Uri(Uri::Location(t)) => Some(t.trim().to_string()),
            _ => None,
        })
        .filter(|t| !t.is_empty())
}

fn when(e: &ICalendarEntry) -> Option<When> {
    let d = e.values.iter().find_map(|v| match v {
        ICalendarValue::PartialDateTime(d) => Some(d),
        _ => None,
    })?;
    let date = (d.year? as i16, d.month? as i8, d.day? as i8);
    let Some(h) = d.hour else { return Some(When::Date { date }) };
    let time = (h as i8, d.minute.unwrap_or(0) as i8, d.second.unwrap_or(0) as i8);
    let tzid = e.params.iter().find_map(|p| match (&p.name, &p.value) {
        (ICalendarParameterName::Tzid, ICalendarParameterValue::Text(t)) => Some(t.clone()),
        _ => None,
    });
    if d.tz_hour.is_some() && tzid.is_none() {
        // `Z` or an offset: move to UTC
        let off = i32::from(d.tz_hour.unwrap_or(0)) * 60 + i32::from(d.tz_minute.unwrap_or(0));
        let off = if d.tz_minus { -off } else { off };
        if off == 0 {
            return Some(When::Utc { date, time });
        }
        return Some(When::Local {
            date,
            time,
            tzid: Some(format!("{}{:02}:{:02}", if off < 0 { '-' } else { '+' }, off.abs() / 60, off.abs() % 60)),
        });
    }
    Some(When::Local { date, time, tzid })
}

fn attendee(e: &ICalendarEntry) -> (Option<String>, Option<String>) {
    let name = e.params.iter().find_map(|p| match (&p.name, &p.value) {
        (ICalendarParameterName::Cn, ICalendarParameterValue::Text(t)) => Some(t.trim().trim_matches('"').to_string()),
        _ => None,
    });
    let email = text(e).and_then(|v| {
        let v = v.strip_prefix("mailto:").or_else(|| v.strip_prefix("MAILTO:")).unwrap_or(&v).to_string();
        kith_core::model::Email::parse(&v).ok().map(|e| e.as_str().to_string())
    });
    (name.filter(|n| !n.is_empty()), email)
}

/// The events of an iCalendar text, each or an error naming its line.
pub fn parse(text_in: &str) -> Vec<Result<InEvent, RecordError>> {
    // Where each VEVENT starts, for messages.
    let begins: Vec<usize> = text_in
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim().eq_ignore_ascii_case("BEGIN:VEVENT"))
        .map(|(i, _)| i + 1)
        .collect();
    let mut out = Vec::new();
    let mut parser = calcard::Parser::new(text_in);
    let mut n = 0;
    loop {
        match parser.entry() {
            calcard::Entry::ICalendar(cal) => {
                for c in cal.components.iter().filter(|c| c.component_type == ICalendarComponentType::VEvent) {
                    let line = begins.get(n).copied().unwrap_or(1);
                    n += 1;
                    let mut ev = InEvent { line, ..InEvent::default() };
                    for e in &c.entries {
                        match e.name {
                            ICalendarProperty::Uid => ev.uid = text(e),
                            ICalendarProperty::Summary => ev.title = text(e).unwrap_or_default(),
                            ICalendarProperty::Dtstart => ev.start = when(e),
                            ICalendarProperty::Dtend => ev.end = when(e),
                            ICalendarProperty::Location => ev.place = text(e),
                            ICalendarProperty::Url => ev.link = text(e),
                            ICalendarProperty::Description => ev.description = text(e),
                            ICalendarProperty::Attendee | ICalendarProperty::Organizer => {
                                let a = attendee(e);
                                if (a.0.is_some() || a.1.is_some()) && !ev.attendees.contains(&a) {
                                    ev.attendees.push(a);
                                }
                            }
                            _ => {}
                        }
                    }
                    out.push(if ev.title.is_empty() {
                        Err(RecordError::new(line, Some("SUMMARY"), "the event has no title"))
                    } else if ev.start.is_none() {
                        Err(RecordError::new(line, Some("DTSTART"), "the event has no start (or one kith cannot read)"))
                    } else {
                        Ok(ev)
                    });
                }
            }
            calcard::Entry::Eof => break,
            calcard::Entry::VCard(_) => {
                out.push(Err(RecordError::new(
                    1,
                    None,
                    "this is a vCard file, not iCalendar: use `kith import vcard`",
                )));
                break;
            }
            calcard::Entry::InvalidLine(l) => {
                let line = text_in.lines().position(|x| x.contains(l.as_str())).map_or(1, |i| i + 1);
                let shown: String = l.chars().take(40).collect();
                out.push(Err(RecordError::new(line, None, format!("`{shown}` is not iCalendar"))));
                break;
            }
            _ => {
                out.push(Err(RecordError::new(1, None, "the calendar is cut short (a BEGIN without its END)")));
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parser_reads_what_is_written() {
        let events = [Event {
            id: "e1".into(),
            title: "DevForum, Prague".into(),
            start: Some("20261203T080000Z".into()),
            end: Some("20261203T160000Z".into()),
            attendees: vec![("Priya Raman".into(), "urn:uuid:1".into())],
            ..Event::default()
        }];
        let todos = [Todo {
            id: "t1".into(),
            title: "send the deck".into(),
            due: Some("20261128".into()),
            status: "open".into(),
            reminders: vec![60, 1440],
            hook: true,
            ..Todo::default()
        }];
        let text = write(&events, &todos, "20261125T090000Z");
        assert!(text.contains("SUMMARY:DevForum\\, Prague\r\n"));
        assert!(text.contains("DUE;VALUE=DATE:20261128\r\n"));
        assert!(text.contains("TRIGGER:-PT1440M\r\n"));
        let cal = match calcard::Parser::new(&text).entry() {
            calcard::Entry::ICalendar(c) => c,
            other => panic!("not a calendar: {other:?}"),
        };
        let kinds: Vec<_> = cal.components.iter().map(|c| c.component_type.clone()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == ICalendarComponentType::VEvent).count(), 1);
        assert_eq!(kinds.iter().filter(|k| **k == ICalendarComponentType::VTodo).count(), 1);
        assert_eq!(kinds.iter().filter(|k| **k == ICalendarComponentType::VAlarm).count(), 2);
        // and kith reads its own events back
        let back = parse(&text);
        assert_eq!(back.len(), 1);
        let ev = back[0].as_ref().unwrap();
        assert_eq!(ev.title, "DevForum, Prague");
        assert_eq!(ev.start, Some(When::Utc { date: (2026, 12, 3), time: (8, 0, 0) }));
    }

    #[test]
    fn zones_days_and_attendees() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a1\r\nSUMMARY:Keynote\r\n\
                    DTSTART;TZID=Europe/Prague:20261203T090000\r\nDTEND;VALUE=DATE:20261204\r\n\
                    ATTENDEE;CN=\"Priya Raman\";ROLE=REQ-PARTICIPANT:mailto:Priya@Northwind.example\r\n\
                    ORGANIZER:mailto:org@devforum.example\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:No start\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let evs = parse(text);
        let ev = evs[0].as_ref().unwrap();
        assert_eq!(
            ev.start,
            Some(When::Local { date: (2026, 12, 3), time: (9, 0, 0), tzid: Some("Europe/Prague".into()) })
        );
        assert_eq!(ev.end, Some(When::Date { date: (2026, 12, 4) }));
        assert_eq!(ev.attendees[0], (Some("Priya Raman".into()), Some("priya@northwind.example".into())));
        assert_eq!(ev.attendees[1].1.as_deref(), Some("org@devforum.example"));
        let err = evs[1].as_ref().unwrap_err();
        assert_eq!((err.line, err.field.as_deref()), (11, Some("DTSTART")));
    }
}
