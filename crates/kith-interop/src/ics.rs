//! iCalendar out: events as VEVENT, tasks and hooks as VTODO with their reminders as VALARM.
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

#[cfg(test)]
mod tests {
    use super::*;
    use calcard::icalendar::ICalendarComponentType;

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
    }
}
