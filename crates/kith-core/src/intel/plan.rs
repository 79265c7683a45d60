//! The day plan: the day's events, what is due, birthdays, and reconnects placed into the free
//! time between events ("never lunch alone").
//!
//! Free time is the working day (settings, local time) minus the events, which may overlap,
//! run past the working day, or have their ends swapped: all are clipped and merged first.
//! Free time is then cut at the edges of the lunch and coffee windows, and each piece is one
//! slot of kind `lunch`, `coffee` or `free`. Slots shorter than the reconnect slot length are
//! dropped.
//!
//! Placement, in the order of the reconnect list (most urgent first), at most one person per
//! slot, nobody twice, at most `max_reconnects_per_day`:
//! 1. people worth a lunch (tier A/B or strategic) take the lunch slot, if it is long enough;
//! 2. then everyone left takes a coffee slot, else a free slot, else a lunch slot that is
//!    still free — better a lunch with someone than alone.
//!
//! Local times become instants with jiff's "compatible" rule: a time skipped by a DST jump moves
//! forward past the gap, a repeated time takes its first occurrence. So on a day when clocks
//! jump, a window can be shorter or empty, but never inverted.

use std::collections::HashSet;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::Serialize;

use super::cadence::Cadence;
use super::{PersonRef, Settings};
use crate::Id;
use crate::model::Birthday;

/// An event that takes time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Busy {
    pub id: Id,
    pub title: String,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// An open task or hook, as the store gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanTask {
    pub id: Id,
    pub title: String,
    pub due_date: Option<Date>,
    pub due_at: Option<Timestamp>,
    /// A follow-up hook rather than a plain task.
    pub hook: bool,
    /// Names of the people it is about.
    pub people: Vec<String>,
}

/// A birthday or anniversary to show on its day.
#[derive(Debug, Clone, PartialEq)]
pub struct Anniversary {
    pub person: Id,
    pub name: String,
    pub date: Birthday,
    /// "birthday", "work anniversary", …
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SlotKind {
    Lunch,
    Coffee,
    Free,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
    pub kind: SlotKind,
}

/// A reconnect placed in a slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placed {
    /// The time booked: the start of a free slot, for a lunch or a reconnect slot's length.
    pub slot: Slot,
    pub person: PersonRef,
    /// The cadence status and next step: "tier A, 6 days overdue (every 14 days), …".
    pub why: String,
    /// "lunch with Ann", "coffee or a call with Ann", "Ann: send a quick message".
    pub action: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueTask {
    pub id: Id,
    pub title: String,
    pub due_date: Option<Date>,
    pub due_at: Option<Timestamp>,
    pub hook: bool,
    pub people: Vec<String>,
    /// Due before this day.
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DateLine {
    pub person: PersonRef,
    pub label: String,
    pub date: Date,
    /// Years since, when the year is known.
    pub years: Option<i16>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayPlan {
    pub date: Date,
    /// The working day as instants; equal when the settings give no working time.
    pub work_start: Timestamp,
    pub work_end: Timestamp,
    /// Events touching this day, by start, end, id.
    pub events: Vec<Busy>,
    /// Free time inside working hours, in time order.
    pub free_slots: Vec<Slot>,
    /// Reconnects, in time order.
    pub suggestions: Vec<Placed>,
    /// Tasks due this day or overdue: overdue first, then by due time, then id.
    pub tasks: Vec<DueTask>,
    pub dates: Vec<DateLine>,
}

/// Plans one day. `candidates` is the reconnect list, most urgent first (see
/// [`super::cadence::reconnect`]); `tasks` may include tasks due later, which are left out.
pub fn plan_day(
    date: Date,
    tz: &TimeZone,
    settings: &Settings,
    events: &[Busy],
    tasks: &[PlanTask],
    dates: &[Anniversary],
    candidates: &[Cadence],
) -> DayPlan {
    plan(date, tz, settings, events, tasks, dates, candidates, true, &mut HashSet::new())
}

/// Plans seven days from `start`. A person is suggested on one day at most; overdue tasks are
/// shown on the first day only.
pub fn plan_week(
    start: Date,
    tz: &TimeZone,
    settings: &Settings,
    events: &[Busy],
    tasks: &[PlanTask],
    dates: &[Anniversary],
    candidates: &[Cadence],
) -> Vec<DayPlan> {
    let mut placed = HashSet::new();
    let mut days = Vec::with_capacity(7);
    let mut date = start;
    for i in 0..7 {
        days.push(plan(date, tz, settings, events, tasks, dates, candidates, i == 0, &mut placed));
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    days
}

#[allow(clippy::too_many_arguments)]
fn plan(
    date: Date,
    tz: &TimeZone,
    settings: &Settings,
    events: &[Busy],
    tasks: &[PlanTask],
    dates: &[Anniversary],
    candidates: &[Cadence],
    with_overdue: bool,
    placed: &mut HashSet<Id>,
) -> DayPlan {
    let day_start = local(date, Time::midnight(), tz).unwrap_or(Timestamp::MIN);
    let day_end = date.tomorrow().ok().and_then(|d| local(d, Time::midnight(), tz)).unwrap_or(Timestamp::MAX);
    let (work_start, work_end) = match (local(date, settings.work_start, tz), local(date, settings.work_end, tz)) {
        (Some(s), Some(e)) if s < e => (s, e),
        (Some(s), _) => (s, s),
        _ => (day_start, day_start),
    };

    let mut day_events: Vec<Busy> = events
        .iter()
        .map(|e| Busy { start: e.start.min(e.end), end: e.start.max(e.end), ..e.clone() })
        .filter(|e| e.start < day_end && (e.end > day_start || e.start >= day_start))
        .collect();
    day_events.sort_by(|a, b| a.start.cmp(&b.start).then(a.end.cmp(&b.end)).then(a.id.cmp(&b.id)));

    // An event with no length (a reminder-like entry) still takes its moment: give it one
    // minute so no slot runs across it.
    let blocking: Vec<Busy> = day_events
        .iter()
        .map(|e| match e.start == e.end {
            true => Busy { end: e.start.checked_add(jiff::SignedDuration::from_mins(1)).unwrap_or(e.end), ..e.clone() },
            false => e.clone(),
        })
        .collect();
    let free = free_time(work_start, work_end, &blocking);
    let slot_len = minutes(settings.slot_minutes);
    let lunch_len = minutes(settings.lunch_minutes);
    let free_slots: Vec<Slot> =
        slots(date, tz, settings, &free).into_iter().filter(|s| length(s) >= slot_len).collect();
    let suggestions = place(&free_slots, candidates, settings, placed, slot_len, lunch_len);

    DayPlan {
        date,
        work_start,
        work_end,
        events: day_events,
        free_slots,
        suggestions,
        tasks: due_tasks(tasks, date, tz, day_start, day_end, with_overdue),
        dates: dates_on(dates, date),
    }
}

/// A local date and time as an instant, with the "compatible" DST rule (module docs). `None`
/// only at the very ends of jiff's range.
fn local(date: Date, time: Time, tz: &TimeZone) -> Option<Timestamp> {
    tz.to_ambiguous_timestamp(date.to_datetime(time)).compatible().ok()
}

fn minutes(m: u32) -> jiff::SignedDuration {
    // A slot of less than 5 minutes is no slot; more than a day cannot fit anyway.
    jiff::SignedDuration::from_mins(i64::from(m.clamp(5, 24 * 60)))
}

fn length(s: &Slot) -> jiff::SignedDuration {
    s.end.duration_since(s.start)
}

/// The working day minus the events, as sorted, disjoint intervals.
fn free_time(start: Timestamp, end: Timestamp, events: &[Busy]) -> Vec<(Timestamp, Timestamp)> {
    let mut free = Vec::new();
    let mut cursor = start;
    // `events` is sorted by start, so one sweep merges overlaps.
    for e in events {
        let (s, t) = (e.start.max(start), e.end.min(end));
        if s >= t {
            continue;
        }
        if s > cursor {
            free.push((cursor, s));
        }
        cursor = cursor.max(t);
    }
    if cursor < end {
        free.push((cursor, end));
    }
    free
}

/// Cuts free intervals at the edges of the lunch and coffee windows and labels each piece.
fn slots(date: Date, tz: &TimeZone, settings: &Settings, free: &[(Timestamp, Timestamp)]) -> Vec<Slot> {
    let window = |w: &super::settings::Window| -> Option<(Timestamp, Timestamp)> {
        let (s, e) = (local(date, w.start, tz)?, local(date, w.end, tz)?);
        (s < e).then_some((s, e))
    };
    let lunch = window(&settings.lunch);
    let coffee: Vec<(Timestamp, Timestamp)> = settings.coffee.iter().filter_map(window).collect();
    let mut cuts: Vec<Timestamp> = lunch.iter().chain(&coffee).flat_map(|&(s, e)| [s, e]).collect();
    cuts.sort();
    cuts.dedup();

    let inside = |t: Timestamp, w: &(Timestamp, Timestamp)| w.0 <= t && t < w.1;
    let mut out = Vec::new();
    for &(start, end) in free {
        let mut piece_start = start;
        for &cut in cuts.iter().filter(|&&c| start < c && c < end).chain(std::iter::once(&end)) {
            // Each piece lies wholly inside or outside each window, so its start decides.
            let kind = if lunch.is_some_and(|w| inside(piece_start, &w)) {
                SlotKind::Lunch
            } else if coffee.iter().any(|w| inside(piece_start, w)) {
                SlotKind::Coffee
            } else {
                SlotKind::Free
            };
            out.push(Slot { start: piece_start, end: cut, kind });
            piece_start = cut;
        }
    }
    out
}

fn place(
    free_slots: &[Slot],
    candidates: &[Cadence],
    settings: &Settings,
    placed: &mut HashSet<Id>,
    slot_len: jiff::SignedDuration,
    lunch_len: jiff::SignedDuration,
) -> Vec<Placed> {
    let max = settings.max_reconnects_per_day as usize;
    let mut used = vec![false; free_slots.len()];
    let mut out: Vec<Placed> = Vec::new();
    let fits = |s: &Slot, len| length(s) >= len;

    // 1. The lunch slot goes to the most urgent person worth a lunch.
    for c in candidates.iter().filter(|c| c.lunch_worthy) {
        if out.len() >= max {
            break;
        }
        if placed.contains(&c.id) {
            continue;
        }
        let lunch = (0..free_slots.len())
            .find(|&i| !used[i] && free_slots[i].kind == SlotKind::Lunch && fits(&free_slots[i], lunch_len));
        match lunch {
            Some(i) => {
                used[i] = true;
                placed.insert(c.id);
                out.push(book(c, free_slots[i], true, slot_len, lunch_len));
            }
            None => break,
        }
    }
    // 2. Everyone else: coffee, then free, then a lunch slot still open.
    for c in candidates {
        if out.len() >= max {
            break;
        }
        if placed.contains(&c.id) {
            continue;
        }
        let open = |kind: SlotKind| (0..free_slots.len()).find(|&i| !used[i] && free_slots[i].kind == kind);
        let choice = open(SlotKind::Coffee).or_else(|| open(SlotKind::Free)).or_else(|| open(SlotKind::Lunch));
        let Some(i) = choice else { break };
        let as_lunch = free_slots[i].kind == SlotKind::Lunch && fits(&free_slots[i], lunch_len);
        used[i] = true;
        placed.insert(c.id);
        out.push(book(c, free_slots[i], as_lunch, slot_len, lunch_len));
    }
    out.sort_by(|a, b| a.slot.start.cmp(&b.slot.start).then(a.person.id.cmp(&b.person.id)));
    out
}

/// `c` booked at the start of `slot`: a lunch's length when `as_lunch`, else a reconnect's.
fn book(
    c: &Cadence,
    slot: Slot,
    as_lunch: bool,
    slot_len: jiff::SignedDuration,
    lunch_len: jiff::SignedDuration,
) -> Placed {
    let len = if as_lunch { lunch_len } else { slot_len };
    let kind = if as_lunch { SlotKind::Lunch } else { slot.kind };
    // A lunch slot too short for a lunch hosts a coffee or a call.
    let kind = if kind == SlotKind::Lunch && !as_lunch { SlotKind::Coffee } else { kind };
    let end = slot.start.checked_add(len).map_or(slot.end, |e| e.min(slot.end));
    let next = format!("{}; next step: {}", c.status, c.suggestion);
    let (action, why) = match kind {
        SlotKind::Lunch => (format!("lunch with {}", c.name), next),
        SlotKind::Coffee => (format!("coffee or a call with {}", c.name), next),
        SlotKind::Free => (format!("{}: {}", c.name, c.suggestion), c.status.clone()),
    };
    Placed {
        slot: Slot { start: slot.start, end, kind },
        person: PersonRef { id: c.id, name: c.name.clone() },
        why,
        action,
    }
}

fn due_tasks(
    tasks: &[PlanTask],
    date: Date,
    tz: &TimeZone,
    day_start: Timestamp,
    day_end: Timestamp,
    with_overdue: bool,
) -> Vec<DueTask> {
    let mut out: Vec<(Timestamp, DueTask)> = Vec::new();
    for t in tasks {
        // A time wins over a date when both are set: it is the more precise.
        let (due, overdue, today) = match (t.due_at, t.due_date) {
            (Some(at), _) => (at, at < day_start, day_start <= at && at < day_end),
            (None, Some(d)) => (local(d, Time::midnight(), tz).unwrap_or(Timestamp::MIN), d < date, d == date),
            (None, None) => continue,
        };
        if today || (overdue && with_overdue) {
            let task = DueTask {
                id: t.id,
                title: t.title.clone(),
                due_date: t.due_date,
                due_at: t.due_at,
                hook: t.hook,
                people: t.people.clone(),
                overdue,
            };
            out.push((due, task));
        }
    }
    out.sort_by(|(da, a), (db, b)| b.overdue.cmp(&a.overdue).then(da.cmp(db)).then(a.id.cmp(&b.id)));
    out.into_iter().map(|(_, t)| t).collect()
}

fn dates_on(dates: &[Anniversary], date: Date) -> Vec<DateLine> {
    let mut out: Vec<DateLine> = dates
        .iter()
        .filter(|a| a.date.in_year(date.year()) == Some(date))
        .map(|a| DateLine {
            person: PersonRef { id: a.person, name: a.name.clone() },
            label: a.label.clone(),
            date,
            years: a.date.year.map(|y| date.year() - y).filter(|&y| y >= 0),
        })
        .collect();
    out.sort_by(|a, b| {
        a.person.name.cmp(&b.person.name).then(a.person.id.cmp(&b.person.id)).then(a.label.cmp(&b.label))
    });
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;
    use crate::intel::cadence::{Contact, status};
    use crate::intel::test_util::id;
    use crate::model::{NetType, Tier};

    const DAY: Date = date(2026, 6, 15);

    fn tz() -> TimeZone {
        TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap()
    }

    fn at(h: i8, m: i8) -> Timestamp {
        local(DAY, Time::constant(h, m, 0, 0), &tz()).unwrap()
    }

    fn busy(n: u128, from: (i8, i8), to: (i8, i8)) -> Busy {
        Busy { id: id(n), title: format!("E{n}"), start: at(from.0, from.1), end: at(to.0, to.1) }
    }

    fn candidate(n: u128, tier: Option<Tier>) -> Cadence {
        candidate_typed(n, tier, None)
    }

    fn candidate_typed(n: u128, tier: Option<Tier>, net_type: Option<NetType>) -> Cadence {
        let now = at(8, 0);
        let mut c = Contact::new(id(n), format!("P{n}"), now);
        c.tier = tier;
        c.net_type = net_type;
        c.last_contact = Some(crate::intel::add_days(now, -400.0));
        status(&c, &Settings::default(), now)
    }

    fn plan_simple(events: &[Busy], candidates: &[Cadence]) -> DayPlan {
        plan_day(DAY, &tz(), &Settings::default(), events, &[], &[], candidates)
    }

    fn hm(t: Timestamp) -> String {
        t.to_zoned_datetime(tz()).time().strftime("%H:%M").to_string()
    }

    fn slot_table(p: &DayPlan) -> Vec<(String, String, SlotKind)> {
        p.free_slots.iter().map(|s| (hm(s.start), hm(s.end), s.kind)).collect()
    }

    #[test]
    fn an_empty_day_has_the_windows_as_slots() {
        let p = plan_simple(&[], &[]);
        let want = [
            ("09:00", "10:00", SlotKind::Free),
            ("10:00", "11:00", SlotKind::Coffee),
            ("11:00", "12:00", SlotKind::Free),
            ("12:00", "14:00", SlotKind::Lunch),
            ("14:00", "15:00", SlotKind::Free),
            ("15:00", "17:00", SlotKind::Coffee),
            ("17:00", "18:00", SlotKind::Free),
        ];
        let want: Vec<_> = want.iter().map(|(a, b, k)| (a.to_string(), b.to_string(), *k)).collect();
        assert_eq!(slot_table(&p), want);
        assert_eq!((hm(p.work_start), hm(p.work_end)), ("09:00".into(), "18:00".into()));
    }

    #[test]
    fn events_carve_the_day_and_odd_events_do_not_break_it() {
        let events = [
            busy(1, (8, 0), (9, 45)),    // starts before work
            busy(2, (10, 30), (11, 0)),  // inside the morning coffee
            busy(3, (10, 45), (10, 50)), // nested in 2
            busy(4, (13, 0), (12, 30)),  // ends before it starts: read as 12:30–13:00
            busy(5, (16, 50), (20, 0)),  // runs past work
            busy(6, (14, 0), (14, 0)),   // zero length
        ];
        let p = plan_simple(&events, &[]);
        let want = [
            ("09:45", "10:00", SlotKind::Free), // 15 min: dropped (< 30)
            ("10:00", "10:30", SlotKind::Coffee),
            ("11:00", "12:00", SlotKind::Free),
            ("12:00", "12:30", SlotKind::Lunch),
            ("13:00", "14:00", SlotKind::Lunch),
            ("14:01", "15:00", SlotKind::Free), // the zero-length event at 14:00 takes its minute
            ("15:00", "16:50", SlotKind::Coffee),
        ];
        let want: Vec<_> =
            want.iter().filter(|w| w.0 != "09:45").map(|(a, b, k)| (a.to_string(), b.to_string(), *k)).collect();
        assert_eq!(slot_table(&p), want);
        let order: Vec<_> = p.events.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(order, ["E1", "E2", "E3", "E4", "E6", "E5"]);
    }

    #[test]
    fn never_lunch_alone() {
        let strategic = candidate_typed(3, Some(Tier::D), Some(NetType::Strategic));
        let candidates = [candidate(1, Some(Tier::C)), strategic, candidate(2, Some(Tier::A)), candidate(4, None)];
        let p = plan_simple(&[], &candidates);
        let got: Vec<_> = p.suggestions.iter().map(|s| (hm(s.slot.start), hm(s.slot.end), s.action.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("09:00".into(), "09:30".into(), "P4: send a note to catch up"),
                ("10:00".into(), "10:30".into(), "coffee or a call with P1"),
                ("12:00".into(), "13:00".into(), "lunch with P3"),
                ("15:00".into(), "15:30".into(), "coffee or a call with P2"),
            ]
        );
        assert_eq!(
            p.suggestions[2].why,
            "tier D, 5 weeks overdue (every 365 days), last contact 13 months ago; next step: send a quick message"
        );
        assert_eq!(p.suggestions[0].why, "no tier, 7 months overdue (every 180 days), last contact 13 months ago");
    }

    #[test]
    fn lunch_goes_to_anyone_when_nothing_else_is_free() {
        let events = [busy(1, (9, 0), (12, 0)), busy(2, (13, 0), (18, 0))];
        let p = plan_simple(&events, &[candidate(1, Some(Tier::D)), candidate(2, Some(Tier::D))]);
        assert_eq!(p.suggestions.len(), 1);
        assert_eq!(p.suggestions[0].slot.kind, SlotKind::Lunch);
        assert_eq!(p.suggestions[0].action, "lunch with P1");
        assert_eq!(hm(p.suggestions[0].slot.end), "13:00");
    }

    #[test]
    fn limits_duplicates_and_week() {
        let c = candidate(1, Some(Tier::A));
        let many: Vec<Cadence> = (1..20).map(|n| candidate(n, None)).chain([c.clone(), c]).collect();
        let p = plan_simple(&[], &many);
        assert_eq!(p.suggestions.len(), 4);
        let ids: HashSet<_> = p.suggestions.iter().map(|s| s.person.id).collect();
        assert_eq!(ids.len(), 4);

        let week = plan_week(DAY, &tz(), &Settings::default(), &[], &[], &[], &many);
        assert_eq!(week.len(), 7);
        let all: Vec<Id> = week.iter().flat_map(|d| d.suggestions.iter().map(|s| s.person.id)).collect();
        let distinct: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), distinct.len());
        assert_eq!(all.len(), 19); // everyone once
        assert_eq!(week[6].date, date(2026, 6, 21));
    }

    #[test]
    fn tasks_and_dates() {
        let task = |n: u128, due_date: Option<Date>, due_at: Option<Timestamp>| PlanTask {
            id: id(n),
            title: format!("T{n}"),
            due_date,
            due_at,
            hook: n.is_multiple_of(2),
            people: vec![],
        };
        let tasks = [
            task(1, Some(date(2026, 6, 16)), None), // tomorrow: out
            task(2, Some(DAY), None),
            task(3, None, Some(at(15, 0))),
            task(4, Some(date(2026, 6, 1)), None), // overdue
            task(5, None, None),                   // no due: out
            task(6, None, Some(at(7, 0))),
        ];
        let p = plan_day(DAY, &tz(), &Settings::default(), &[], &tasks, &[], &[]);
        let got: Vec<_> = p.tasks.iter().map(|t| (t.title.as_str(), t.overdue)).collect();
        assert_eq!(got, vec![("T4", true), ("T2", false), ("T6", false), ("T3", false)]);

        let week = plan_week(DAY, &tz(), &Settings::default(), &[], &tasks, &[], &[]);
        assert_eq!(week[1].tasks.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["T1"]);

        let ann = |n: u128, s: &str, label: &str| Anniversary {
            person: id(n),
            name: format!("P{n}"),
            date: Birthday::parse(s).unwrap(),
            label: label.into(),
        };
        let dates = [ann(1, "1990-06-15", "birthday"), ann(2, "06-15", "birthday"), ann(3, "06-16", "birthday")];
        let p = plan_day(DAY, &tz(), &Settings::default(), &[], &[], &dates, &[]);
        let got: Vec<_> = p.dates.iter().map(|d| (d.person.name.as_str(), d.years)).collect();
        assert_eq!(got, vec![("P1", Some(36)), ("P2", None)]);
        // 29 February falls on 28 February in other years.
        let leap = [ann(4, "2000-02-29", "birthday")];
        let p = plan_day(date(2027, 2, 28), &tz(), &Settings::default(), &[], &[], &leap, &[]);
        assert_eq!(p.dates.len(), 1);
    }

    #[test]
    fn dst_days_work() {
        // A zone whose clocks jump from 10:00 to 11:00 on the last Sunday of March, and back
        // from 11:00 to 10:00 on the last Sunday of October.
        let tz = TimeZone::posix("XST-1XDT,M3.5.0/10,M10.5.0/11").unwrap();
        let spring = date(2026, 3, 29);
        let p = plan_day(spring, &tz, &Settings::default(), &[], &[], &[], &[candidate(1, None)]);
        // The 10:00–11:00 coffee window does not exist that day; the day has 8 hours.
        assert_eq!(p.work_end.duration_since(p.work_start).as_hours(), 8);
        assert!(p.free_slots.iter().all(|s| s.start < s.end));
        let coffee = p.free_slots.iter().filter(|s| s.kind == SlotKind::Coffee).count();
        assert_eq!(coffee, 1);
        let autumn = date(2026, 10, 25);
        let p = plan_day(autumn, &tz, &Settings::default(), &[], &[], &[], &[candidate(1, None)]);
        assert_eq!(p.work_end.duration_since(p.work_start).as_hours(), 10);
        assert_eq!(p.suggestions.len(), 1);
    }

    #[test]
    fn unusable_settings_plan_nothing() {
        let s = Settings {
            work_start: Time::constant(18, 0, 0, 0),
            work_end: Time::constant(9, 0, 0, 0),
            ..Settings::default()
        };
        let p = plan_day(DAY, &tz(), &s, &[busy(1, (10, 0), (11, 0))], &[], &[], &[candidate(1, Some(Tier::A))]);
        assert!(p.free_slots.is_empty() && p.suggestions.is_empty());
        assert_eq!(p.events.len(), 1);
        let s = Settings { slot_minutes: 0, lunch_minutes: 100_000, coffee: vec![], ..Settings::default() };
        let p = plan_day(DAY, &tz(), &s, &[], &[], &[], &[candidate(1, Some(Tier::A))]);
        assert_eq!(p.suggestions.len(), 1);
        assert_eq!(p.suggestions[0].slot.kind, SlotKind::Free); // the lunch is too short for a day-long lunch
    }

    proptest! {
        /// Suggestions never overlap events, lie within working hours, never share a slot, and
        /// name nobody twice, on any day of the year (DST days included) and any events.
        #[test]
        fn suggestions_fit_the_day(
            day in 0i64..366,
            raw in proptest::collection::vec((0i64..(36 * 60), -120i64..600), 0..12),
            tiers in proptest::collection::vec(0usize..5, 0..12),
        ) {
            let tz = TimeZone::posix("XST-1XDT,M3.5.0/10,M10.5.0/11").unwrap();
            let d = date(2026, 1, 1).checked_add(jiff::Span::new().days(day)).unwrap();
            let base = local(d, Time::midnight(), &tz).unwrap();
            let events: Vec<Busy> = raw.iter().enumerate().map(|(i, &(start, len))| {
                let s = base.checked_add(jiff::SignedDuration::from_mins(start - 360)).unwrap();
                let e = s.checked_add(jiff::SignedDuration::from_mins(len)).unwrap();
                Busy { id: id(i as u128), title: String::new(), start: s, end: e }
            }).collect();
            let tier_of = [None, Some(Tier::A), Some(Tier::B), Some(Tier::C), Some(Tier::D)];
            let candidates: Vec<Cadence> = tiers.iter().enumerate().map(|(i, &t)| candidate((i % 7) as u128, tier_of[t])).collect();
            let p = plan_day(d, &tz, &Settings::default(), &events, &[], &[], &candidates);
            let mut people = HashSet::new();
            for s in &p.suggestions {
                prop_assert!(p.work_start <= s.slot.start && s.slot.end <= p.work_end);
                prop_assert!(s.slot.start < s.slot.end);
                for e in &events {
                    let (es, ee) = (e.start.min(e.end), e.start.max(e.end));
                    prop_assert!(!(s.slot.start < ee && es < s.slot.end), "overlaps an event");
                }
                prop_assert!(people.insert(s.person.id));
            }
            for w in p.suggestions.windows(2) {
                prop_assert!(w[0].slot.end <= w[1].slot.start);
            }
            for w in p.free_slots.windows(2) {
                prop_assert!(w[0].end <= w[1].start);
            }
            prop_assert!(p.suggestions.len() <= 4);
        }
    }
}
