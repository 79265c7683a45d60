//! Reading dates, times and lengths of time the way people type them at a prompt.
//!
//! jiff does all calendar arithmetic and all ISO 8601 / RFC 3339 / RFC 9557 parsing; this
//! module only adds a small English grammar on top ("next monday", "in 3d 14:00", "3 dec").
//! Nothing here reads the clock or the machine's time zone: "now" is passed in and carries the
//! zone every relative phrase is read in. Named zones written by the user
//! (`…[Europe/Prague]`) are looked up in jiff's time zone database.
//!
//! Note: jiff 1.0 renamed `Zoned` to [`ZonedDateTime`]; that is the type used throughout.

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan, ZonedDateTime};

/// Shown with every date error so the user sees what would have worked.
const DATE_FORMS: &str = "try 2026-12-03, today, tomorrow, fri, next monday, in 3d, 2w or 14:30";

/// Shown with every length-of-time error.
const SPAN_FORMS: &str = "try 3d, 2w, 1mo, 1y, 1h, 30m, 90min, 2 weeks or P3D";

/// What a user meant by a point in time: a whole day, or an instant in a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// A whole calendar day, e.g. `tomorrow` or `2026-12-03`.
    Date(Date),
    /// An instant, e.g. `tomorrow 9am` or `in 2h`, with the zone it was meant in.
    At(ZonedDateTime),
}

impl When {
    /// The civil date: the day itself, or the instant's date in the instant's own zone.
    pub fn date(&self) -> Date {
        match self {
            When::Date(date) => *date,
            When::At(zdt) => zdt.date(),
        }
    }

    /// The first instant this refers to: midnight in `tz` for a day (or the first instant of
    /// that day when a DST gap swallows midnight), the instant itself, in its own zone, for
    /// `At`. `At` keeps its zone because the user may have named one explicitly.
    pub fn start(&self, tz: &TimeZone) -> Result<ZonedDateTime, WhenError> {
        match self {
            When::Date(date) => {
                date.to_zoned_datetime(tz.clone()).map_err(|_| WhenError::new(format!("{date} is out of range")))
            }
            When::At(zdt) => Ok(zdt.clone()),
        }
    }
}

/// A date or length of time that could not be read. The message is lowercase, says what was
/// wrong and lists forms that would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WhenError {
    pub message: String,
}

impl WhenError {
    fn new(message: impl Into<String>) -> Self {
        WhenError { message: message.into() }
    }
}

/// Parse a date or date-time the way people type it. `now` carries the time zone.
///
/// Accepted (case-insensitive, surrounding whitespace ignored):
/// - ISO dates and date-times: `2026-12-03`, `2026-12-03 09:00`, `2026-12-03T09:00:00`,
///   `2026-12-03T09:00:00+01:00` (instant kept, shown in now's zone),
///   `2026-12-03T09:00[Europe/Prague]` (in that zone);
/// - `now`, `today`, `tomorrow`, `yesterday`;
/// - weekdays: `fri`/`friday` and `this fri` are the next such day, today included;
///   `next fri` is that day in next calendar week (weeks start on Monday);
///   `last fri` is the most recent such day before today;
/// - lengths of time: `in 3d`, `3d`, `in 2 weeks`, `in a week`, `3d ago`, `in 2h`; days and
///   longer give a day, hours and minutes an instant;
/// - month names: `3 dec`, `dec 3`, `3rd dec`, `december 3, 2026`; without a year, the next
///   such day (today included);
/// - a time of day: `14:30`, `9:00`, `9am`, `2:30pm`, `noon`, `midnight` (today);
/// - a day and a time in either order, optionally with `at`: `tomorrow 9am`,
///   `next monday at 10:00`, `in 3d 14:00`, `9am fri`.
///
/// Local times that fall into a DST gap or overlap resolve like jiff's "compatible"
/// disambiguation: a skipped time moves forward by the gap, a repeated time takes the earlier.
pub fn parse_when(input: &str, now: &ZonedDateTime) -> Result<When, WhenError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(WhenError::new(format!("no date given: {DATE_FORMS}")));
    }
    let fail = |reason: Option<String>| {
        WhenError::new(match reason {
            Some(reason) => format!("cannot read {text:?} as a date: {reason}; {DATE_FORMS}"),
            None => format!("cannot read {text:?} as a date: {DATE_FORMS}"),
        })
    };

    if let Some(result) = parse_iso_date_time(text, now.time_zone()) {
        return result.map_err(|reason| fail(Some(reason)));
    }

    // Commas only ever separate parts ("december 3, 2026"), so they are dropped.
    let lower = text.to_lowercase().replace(',', " ");
    let words: Vec<&str> = lower.split_whitespace().collect();
    match parse_words(&words, now) {
        Ok(Some(when)) => Ok(when),
        Ok(None) => Err(fail(None)),
        Err(reason) => Err(fail(Some(reason))),
    }
}

/// Parse a length of time: `3d`, `2w`, `1h`, `30m` (minutes), `90min`, `1mo` (months), `1y`,
/// `2 weeks`, `1 month`, or ISO 8601 (`P3D`, `PT2H`). Zero and negative lengths are errors.
///
/// This is jiff's own span syntax (its "friendly" format and ISO 8601), so combinations such
/// as `1w 2d` or `1h30m` work too.
pub fn parse_span(input: &str) -> Result<Span, WhenError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(WhenError::new(format!("no length of time given: {SPAN_FORMS}")));
    }
    // jiff's unit names are lowercase and ISO designators uppercase; accept any case.
    let span = [text.to_string(), text.to_lowercase(), text.to_uppercase()]
        .iter()
        .find_map(|candidate| candidate.parse::<Span>().ok())
        .ok_or_else(|| WhenError::new(format!("cannot read {text:?} as a length of time: {SPAN_FORMS}")))?;
    if !span.is_positive() {
        return Err(WhenError::new(format!("a length of time must be more than zero, got {text:?}: {SPAN_FORMS}")));
    }
    Ok(span)
}

/// A sub-parser's answer: `Ok(None)` means "not this form, try another"; `Err` means "this
/// form, but wrong" (e.g. `25:00`), with a reason worth showing the user.
type Attempt<T> = Result<Option<T>, String>;

/// What a date phrase means before a time of day is attached to it.
enum Anchor {
    Day(Date),
    /// From a length in hours or minutes ("in 2h"), which already fixes the time.
    Instant(ZonedDateTime),
}

impl Anchor {
    fn into_when(self) -> When {
        match self {
            Anchor::Day(date) => When::Date(date),
            Anchor::Instant(zdt) => When::At(zdt),
        }
    }

    fn at(self, time: Time, tz: &TimeZone) -> Result<When, String> {
        match self {
            Anchor::Day(date) => {
                date.to_datetime(time).to_zoned_datetime(tz.clone()).map(When::At).map_err(|_| out_of_range())
            }
            Anchor::Instant(_) => Err("a time of day cannot follow a length in hours or minutes".to_string()),
        }
    }
}

fn out_of_range() -> String {
    "that date is out of range".to_string()
}

/// ISO forms that start with `YYYY-MM-DD` and carry more than the date. Returns `None` to let
/// the word grammar try (`2026-12-03 9am` is a date word plus a time word).
fn parse_iso_date_time(text: &str, tz: &TimeZone) -> Option<Result<When, String>> {
    let rest = text.get(10..).filter(|rest| !rest.is_empty())?;
    if !is_iso_date_shape(text.get(..10)?) {
        return None;
    }
    let parsed = iso_instant(text, tz);
    // A `T` or a zone annotation can only be ISO, so its error is the one worth showing.
    if rest.starts_with(['T', 't']) || rest.contains('[') { Some(parsed) } else { parsed.ok().map(Ok) }
}

fn iso_instant(text: &str, tz: &TimeZone) -> Result<When, String> {
    if text.contains('[') {
        return text
            .parse::<ZonedDateTime>()
            .map(When::At)
            .map_err(|e| format!("not a valid RFC 9557 date-time ({e})"));
    }
    // An explicit offset or `Z` pins the instant; show it in the user's zone.
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(When::At(ts.to_zoned_datetime(tz.clone())));
    }
    let dt = text.parse::<DateTime>().map_err(|e| format!("not a valid ISO 8601 date-time ({e})"))?;
    dt.to_zoned_datetime(tz.clone()).map(When::At).map_err(|_| out_of_range())
}

fn is_iso_date_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// The word grammar: `now`, or a date phrase and a time phrase in either order, either one
/// optional. `words` are lowercase.
fn parse_words(words: &[&str], now: &ZonedDateTime) -> Attempt<When> {
    let tz = now.time_zone();
    if words == ["now"] {
        return Ok(Some(When::At(now.clone())));
    }
    if let Some((anchor, used)) = date_phrase(words, now)? {
        let rest = &words[used..];
        if rest.is_empty() {
            return Ok(Some(anchor.into_when()));
        }
        return match time_phrase(rest)? {
            Some((time, n)) if n == rest.len() => anchor.at(time, tz).map(Some),
            _ => Err(format!("{:?} is not a time of day", rest.join(" "))),
        };
    }
    if let Some((time, used)) = time_phrase(words)? {
        let rest = &words[used..];
        let anchor = if rest.is_empty() {
            Anchor::Day(now.date())
        } else {
            match date_phrase(rest, now)? {
                Some((anchor, n)) if n == rest.len() => anchor,
                _ => return Err(format!("{:?} is not a date", rest.join(" "))),
            }
        };
        return anchor.at(time, tz).map(Some);
    }
    Ok(None)
}

/// A date phrase at the start of `words`, and how many words it used.
fn date_phrase(words: &[&str], now: &ZonedDateTime) -> Attempt<(Anchor, usize)> {
    let today = now.date();
    let Some(&first) = words.first() else {
        return Ok(None);
    };
    let day = |result: Result<Date, jiff::Error>, used| {
        result.map(|date| Some((Anchor::Day(date), used))).map_err(|_| out_of_range())
    };
    match first {
        "today" => return Ok(Some((Anchor::Day(today), 1))),
        "tomorrow" => return day(today.tomorrow(), 1),
        "yesterday" => return day(today.yesterday(), 1),
        "this" | "next" | "last" => {
            let Some(weekday) = words.get(1).and_then(|w| weekday(w)) else {
                return Err(format!("expected a weekday after {first:?}, like \"{first} friday\""));
            };
            let days = match first {
                "this" => upcoming(today, weekday),
                "next" => in_next_week(today, weekday),
                _ => -most_recent_before(today, weekday),
            };
            return day(today.checked_add(days.days()), 2);
        }
        _ => {}
    }
    if let Some(weekday) = weekday(first) {
        return day(today.checked_add(upcoming(today, weekday).days()), 1);
    }
    if is_iso_date_shape(first) {
        return match first.parse::<Date>() {
            Ok(date) => Ok(Some((Anchor::Day(date), 1))),
            Err(_) => Err(format!("{first} is not a real calendar date")),
        };
    }
    if let Some((date, used)) = month_day(words, today)? {
        return Ok(Some((Anchor::Day(date), used)));
    }
    relative(words, now)
}

/// Days from `today` to the next `weekday`, 0 if today is that day.
fn upcoming(today: Date, weekday: Weekday) -> i64 {
    weekday.since(today.weekday()).into()
}

/// Days from `today` to `weekday` in the following Monday-to-Sunday week (always 1..=13).
fn in_next_week(today: Date, weekday: Weekday) -> i64 {
    let into_this_week = i64::from(today.weekday().to_monday_zero_offset());
    7 - into_this_week + i64::from(weekday.to_monday_zero_offset())
}

/// Days back from `today` to the last `weekday` strictly before it (always 1..=7).
fn most_recent_before(today: Date, weekday: Weekday) -> i64 {
    match today.weekday().since(weekday) {
        0 => 7,
        days => days.into(),
    }
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word {
        "mon" | "monday" => Weekday::Monday,
        "tue" | "tues" | "tuesday" => Weekday::Tuesday,
        "wed" | "wednesday" => Weekday::Wednesday,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thursday,
        "fri" | "friday" => Weekday::Friday,
        "sat" | "saturday" => Weekday::Saturday,
        "sun" | "sunday" => Weekday::Sunday,
        _ => return None,
    })
}

fn month(word: &str) -> Option<i8> {
    Some(match word {
        "jan" | "january" => 1,
        "feb" | "february" => 2,
        "mar" | "march" => 3,
        "apr" | "april" => 4,
        "may" => 5,
        "jun" | "june" => 6,
        "jul" | "july" => 7,
        "aug" | "august" => 8,
        "sep" | "sept" | "september" => 9,
        "oct" | "october" => 10,
        "nov" | "november" => 11,
        "dec" | "december" => 12,
        _ => return None,
    })
}

/// `3`, `03`, `3rd`: a day-of-month number; its range is checked when the date is built.
fn day_number(word: &str) -> Option<i8> {
    let digits = ["st", "nd", "rd", "th"].iter().find_map(|suffix| word.strip_suffix(suffix)).unwrap_or(word);
    if (1..=2).contains(&digits.len()) && digits.bytes().all(|c| c.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    }
}

/// Only four-digit years, so a year is never mistaken for a day or a time.
fn year_number(word: &str) -> Option<i16> {
    if word.len() == 4 && word.bytes().all(|c| c.is_ascii_digit()) { word.parse().ok() } else { None }
}

/// `3 dec`, `dec 3`, `3rd december 2026`, `december 3 2026` (commas are already gone).
fn month_day(words: &[&str], today: Date) -> Attempt<(Date, usize)> {
    let (day_word, month) = match (words.first(), words.get(1)) {
        (Some(a), Some(b)) => match (month(a), month(b)) {
            (Some(m), _) => (*b, m),
            (None, Some(m)) => (*a, m),
            (None, None) => return Ok(None),
        },
        _ => return Ok(None),
    };
    let Some(day) = day_number(day_word) else {
        return Ok(None);
    };
    let year = words.get(2).and_then(|w| year_number(w));
    let used = if year.is_some() { 3 } else { 2 };
    let not_real = || format!("{:?} is not a real calendar date", words[..used].join(" "));
    let date = match year {
        Some(year) => Date::new(year, month, day).map_err(|_| not_real())?,
        // The next such day, today included; a few years ahead covers 29 feb.
        None => (today.year()..=today.year().saturating_add(8))
            .filter_map(|year| Date::new(year, month, day).ok())
            .find(|date| *date >= today)
            .ok_or_else(not_real)?,
    };
    Ok(Some((date, used)))
}

/// `in 3d`, `in 2 weeks`, `3d`, `2 weeks ago`, `in a week`, `in 1h`.
fn relative(words: &[&str], now: &ZonedDateTime) -> Attempt<(Anchor, usize)> {
    let has_in = words.first() == Some(&"in");
    let body = if has_in { &words[1..] } else { words };
    // The length may take several words ("2 weeks", "1w 2d"). It stops before a clock time
    // (jiff would read "14:00" as 14 hours), "ago" and "at"; the longest prefix jiff accepts
    // wins, so "in 3d 14:00" is 3 days, then a time.
    let limit = body.iter().position(|w| w.contains(':') || *w == "ago" || *w == "at").unwrap_or(body.len());
    let found = (1..=limit).rev().find_map(|n| span_of(&body[..n]).map(|span| (span, n)));
    let Some((span, n)) = found else {
        return if has_in {
            Err("expected a length of time after \"in\", like \"in 3d\"".to_string())
        } else {
            Ok(None)
        };
    };
    let ago = body.get(n) == Some(&"ago");
    if ago && has_in {
        return Err("use either \"in …\" or \"… ago\", not both".to_string());
    }
    if !span.is_positive() {
        return Err("the length of time must be more than zero (use \"3d ago\" for the past)".to_string());
    }
    let used = n + usize::from(has_in) + usize::from(ago);
    let span = if ago { span.negate() } else { span };
    let anchor = if is_whole_days(&span) {
        Anchor::Day(now.date().checked_add(span).map_err(|_| out_of_range())?)
    } else {
        Anchor::Instant(now.checked_add(span).map_err(|_| out_of_range())?)
    };
    Ok(Some((anchor, used)))
}

/// jiff's span syntax over some words, with "a"/"an" read as 1 ("in a week").
fn span_of(words: &[&str]) -> Option<Span> {
    let text = words.iter().map(|w| if matches!(*w, "a" | "an") { "1" } else { w }).collect::<Vec<_>>().join(" ");
    text.parse().ok()
}

/// Days, weeks, months and years name a day; anything finer names an instant.
fn is_whole_days(span: &Span) -> bool {
    span.get_hours() == 0
        && span.get_minutes() == 0
        && span.get_seconds() == 0
        && span.get_milliseconds() == 0
        && span.get_microseconds() == 0
        && span.get_nanoseconds() == 0
}

/// A time of day at the start of `words` (after an optional "at"), and how many words it used.
fn time_phrase(words: &[&str]) -> Attempt<(Time, usize)> {
    let skip = usize::from(words.first() == Some(&"at"));
    let words = &words[skip..];
    let Some(&first) = words.first() else {
        return Ok(None);
    };
    match first {
        "noon" => return Ok(Some((Time::constant(12, 0, 0, 0), skip + 1))),
        "midnight" => return Ok(Some((Time::midnight(), skip + 1))),
        _ => {}
    }
    // "9 am": the am/pm as its own word.
    if let Some(pm) = words.get(1).and_then(|w| meridiem(w))
        && let Some(time) = clock(first, Some(pm))?
    {
        return Ok(Some((time, skip + 2)));
    }
    let (body, pm) = split_meridiem(first);
    Ok(clock(body, pm)?.map(|time| (time, skip + 1)))
}

/// `Some(true)` for pm, `Some(false)` for am.
fn meridiem(word: &str) -> Option<bool> {
    match word {
        "am" | "a.m." => Some(false),
        "pm" | "p.m." => Some(true),
        _ => None,
    }
}

fn split_meridiem(word: &str) -> (&str, Option<bool>) {
    ["am", "a.m.", "pm", "p.m."]
        .iter()
        .find_map(|suffix| {
            let body = word.strip_suffix(suffix)?;
            Some((body, meridiem(suffix)))
        })
        .unwrap_or((word, None))
}

/// `H:MM`, `HH:MM`, `HH:MM:SS`, or with am/pm also a bare hour. A 24-hour time needs the
/// colon so that a lone number is never taken for a time.
fn clock(body: &str, pm: Option<bool>) -> Attempt<Time> {
    let parts: Vec<&str> = body.split(':').collect();
    let shaped = (1..=3).contains(&parts.len())
        && parts.iter().enumerate().all(|(i, part)| {
            let width_ok = if i == 0 { (1..=2).contains(&part.len()) } else { part.len() == 2 };
            width_ok && part.bytes().all(|c| c.is_ascii_digit())
        });
    if !shaped || (parts.len() == 1 && pm.is_none()) {
        return Ok(None);
    }
    // At most two digits each, so these parse and fit.
    let mut numbers = parts.iter().map(|part| part.parse::<i8>().unwrap_or(i8::MAX));
    let mut hour = numbers.next().unwrap_or(0);
    let minute = numbers.next().unwrap_or(0);
    let second = numbers.next().unwrap_or(0);
    let shown = match pm {
        Some(true) => format!("{body}pm"),
        Some(false) => format!("{body}am"),
        None => body.to_string(),
    };
    if let Some(pm) = pm {
        if !(1..=12).contains(&hour) {
            return Err(format!("{shown} is not a valid time (with am/pm the hour goes from 1 to 12)"));
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    Time::new(hour, minute, second, 0)
        .map(Some)
        .map_err(|_| format!("{shown} is not a valid time (hours go from 0 to 23, minutes and seconds from 0 to 59)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Wednesday, in a zone with DST.
    const NOW: &str = "2026-11-25T10:00:00[Europe/Prague]";
    /// `NOW` as an instant prints.
    const NOW_STR: &str = "2026-11-25T10:00:00+01:00[Europe/Prague]";

    fn zdt(s: &str) -> ZonedDateTime {
        s.parse().expect("test timestamp")
    }

    /// Days print as `2026-12-03`, instants in full with offset and zone, so one string says
    /// both which variant came back and its exact value.
    fn show(when: &When) -> String {
        match when {
            When::Date(date) => date.to_string(),
            When::At(zdt) => zdt.to_string(),
        }
    }

    fn check_from(now: &str, input: &str, expected: &str) {
        match parse_when(input, &zdt(now)) {
            Ok(when) => assert_eq!(show(&when), expected, "input {input:?}, now {now}"),
            Err(e) => panic!("input {input:?}, now {now}: unexpected error: {e}"),
        }
    }

    fn check(input: &str, expected: &str) {
        check_from(NOW, input, expected);
    }

    fn check_err(input: &str, fragment: &str) {
        match parse_when(input, &zdt(NOW)) {
            Ok(when) => panic!("input {input:?}: expected an error, got {}", show(&when)),
            Err(e) => {
                assert!(e.message.contains(fragment), "input {input:?}: {:?} lacks {fragment:?}", e.message);
                assert!(e.message.contains("try "), "no accepted forms in {e}");
            }
        }
    }

    /// Today's date at a time, in Prague, as `show` prints it.
    fn at(date_time: &str) -> String {
        zdt(&format!("{date_time}[Europe/Prague]")).to_string()
    }

    #[test]
    fn iso_dates_and_date_times() {
        check("2026-12-03", "2026-12-03");
        check("  2026-12-03\t", "2026-12-03");
        check("2026-12-03 09:00", &at("2026-12-03T09:00"));
        check("2026-12-03T09:00", &at("2026-12-03T09:00"));
        check("2026-12-03t09:00", &at("2026-12-03T09:00"));
        check("2026-12-03T09:00:00", &at("2026-12-03T09:00"));
        check("2026-12-03T09:00:30", &at("2026-12-03T09:00:30"));
        check("2026-12-03 9am", &at("2026-12-03T09:00"));
        check("2026-12-03 9:15", &at("2026-12-03T09:15"));
        check("2026-12-03 at 14:00", &at("2026-12-03T14:00"));
    }

    #[test]
    fn iso_with_offset_keeps_the_instant_in_nows_zone() {
        check("2026-12-03T09:00:00+01:00", &at("2026-12-03T09:00"));
        check("2026-12-03T09:00:00-05:00", &at("2026-12-03T15:00"));
        check("2026-12-03T08:00:00Z", &at("2026-12-03T09:00"));
    }

    #[test]
    fn iso_with_zone_annotation_keeps_that_zone() {
        check("2026-12-03T09:00[Europe/Prague]", "2026-12-03T09:00:00+01:00[Europe/Prague]");
        check("2026-12-03T09:00[America/New_York]", "2026-12-03T09:00:00-05:00[America/New_York]");
    }

    #[test]
    fn day_words() {
        check("now", NOW_STR);
        check("NOW", NOW_STR);
        check("today", "2026-11-25");
        check("  Today ", "2026-11-25");
        check("TOMORROW", "2026-11-26");
        check("yesterday", "2026-11-24");
    }

    #[test]
    fn weekdays_from_a_wednesday() {
        for (input, expected) in [
            // bare and "this": the next such day, today included
            ("wed", "2026-11-25"),
            ("wednesday", "2026-11-25"),
            ("thu", "2026-11-26"),
            ("thurs", "2026-11-26"),
            ("fri", "2026-11-27"),
            ("Friday", "2026-11-27"),
            ("sat", "2026-11-28"),
            ("sun", "2026-11-29"),
            ("mon", "2026-11-30"),
            ("tue", "2026-12-01"),
            ("this friday", "2026-11-27"),
            ("this wed", "2026-11-25"),
            ("this monday", "2026-11-30"),
            // "next": that day in the following Monday-to-Sunday week
            ("next monday", "2026-11-30"),
            ("next tue", "2026-12-01"),
            ("next wed", "2026-12-02"),
            ("next fri", "2026-12-04"),
            ("next sunday", "2026-12-06"),
            // "last": the most recent such day before today
            ("last tue", "2026-11-24"),
            ("last mon", "2026-11-23"),
            ("last wednesday", "2026-11-18"),
            ("last fri", "2026-11-20"),
            ("last sun", "2026-11-22"),
        ] {
            check(input, expected);
        }
    }

    #[test]
    fn weekdays_at_the_edges_of_a_week() {
        let sunday = "2026-11-29T10:00:00[Europe/Prague]";
        check_from(sunday, "sun", "2026-11-29");
        check_from(sunday, "mon", "2026-11-30");
        check_from(sunday, "next monday", "2026-11-30");
        check_from(sunday, "next sun", "2026-12-06");
        check_from(sunday, "last sun", "2026-11-22");
        let monday = "2026-11-30T10:00:00[Europe/Prague]";
        check_from(monday, "mon", "2026-11-30");
        check_from(monday, "next monday", "2026-12-07");
        check_from(monday, "next sun", "2026-12-13");
        check_from(monday, "last mon", "2026-11-23");
        check_from(monday, "last sun", "2026-11-29");
    }

    #[test]
    fn relative_days_and_longer_give_a_day() {
        for (input, expected) in [
            ("in 3d", "2026-11-28"),
            ("in 3 days", "2026-11-28"),
            ("in 1 day", "2026-11-26"),
            ("in 2 weeks", "2026-12-09"),
            ("in a week", "2026-12-02"),
            ("in 1 month", "2026-12-25"),
            ("3d", "2026-11-28"),
            ("2w", "2026-12-09"),
            ("1mo", "2026-12-25"),
            ("3mo", "2027-02-25"),
            ("1y", "2027-11-25"),
            ("1w 2d", "2026-12-04"),
            ("3d ago", "2026-11-22"),
            ("2 weeks ago", "2026-11-11"),
            ("a month ago", "2026-10-25"),
        ] {
            check(input, expected);
        }
    }

    #[test]
    fn relative_hours_and_minutes_give_an_instant() {
        check("in 1h", &at("2026-11-25T11:00"));
        check("in 30m", &at("2026-11-25T10:30"));
        check("in 30 min", &at("2026-11-25T10:30"));
        check("90min", &at("2026-11-25T11:30"));
        check("in an hour", &at("2026-11-25T11:00"));
        check("2h ago", &at("2026-11-25T08:00"));
        check("in 1d 2h", &at("2026-11-26T12:00"));
    }

    #[test]
    fn times_of_day_are_today() {
        for (input, expected) in [
            ("14:30", "14:30"),
            ("9:00", "09:00"),
            ("09:05:30", "09:05:30"),
            ("0:00", "00:00"),
            ("23:59", "23:59"),
            ("9am", "09:00"),
            ("9 am", "09:00"),
            ("9 a.m.", "09:00"),
            ("2pm", "14:00"),
            ("2PM", "14:00"),
            ("2:30pm", "14:30"),
            ("12am", "00:00"),
            ("12:30am", "00:30"),
            ("12pm", "12:00"),
            ("noon", "12:00"),
            ("midnight", "00:00"),
            ("at 14:00", "14:00"),
        ] {
            check(input, &at(&format!("2026-11-25T{expected}")));
        }
    }

    #[test]
    fn a_day_with_a_time() {
        for (input, expected) in [
            ("yesterday 12:30", "2026-11-24T12:30"),
            ("tomorrow 9am", "2026-11-26T09:00"),
            ("tomorrow at noon", "2026-11-26T12:00"),
            ("today 9 pm", "2026-11-25T21:00"),
            ("fri 14:00", "2026-11-27T14:00"),
            ("next monday 10:00", "2026-11-30T10:00"),
            ("next monday at 10:00", "2026-11-30T10:00"),
            ("last fri 8am", "2026-11-20T08:00"),
            ("in 3d 14:00", "2026-11-28T14:00"),
            ("3d ago 14:00", "2026-11-22T14:00"),
            ("2w 9am", "2026-12-09T09:00"),
            ("3 dec 14:00", "2026-12-03T14:00"),
            ("december 3, 2026 at 9:30am", "2026-12-03T09:30"),
            // time first
            ("9am tomorrow", "2026-11-26T09:00"),
            ("14:00 fri", "2026-11-27T14:00"),
            ("noon next monday", "2026-11-30T12:00"),
        ] {
            check(input, &at(expected));
        }
    }

    #[test]
    fn month_names() {
        for (input, expected) in [
            ("3 dec", "2026-12-03"),
            ("dec 3", "2026-12-03"),
            ("3rd dec", "2026-12-03"),
            ("Dec 03", "2026-12-03"),
            ("3 december 2026", "2026-12-03"),
            ("december 3, 2026", "2026-12-03"),
            ("dec 3 2027", "2027-12-03"),
            ("1st jan 2030", "2030-01-01"),
            // no year: the next such day, today included
            ("25 nov", "2026-11-25"),
            ("24 nov", "2027-11-24"),
            ("1 jan", "2027-01-01"),
            ("sept 1", "2027-09-01"),
            ("29 feb", "2028-02-29"),
        ] {
            check(input, expected);
        }
    }

    #[test]
    fn errors_say_what_was_wrong() {
        for (input, fragment) in [
            ("", "no date given"),
            ("   ", "no date given"),
            ("nxt mon", "cannot read \"nxt mon\" as a date: try 2026-12-03, today"),
            ("garbage", "cannot read \"garbage\""),
            ("12", "cannot read \"12\""),
            ("25:00", "25:00 is not a valid time"),
            ("9:60", "9:60 is not a valid time"),
            ("13pm", "13pm is not a valid time"),
            ("0am", "0am is not a valid time"),
            ("tomorrow 25:00", "25:00 is not a valid time"),
            ("in 0d", "more than zero"),
            ("0d", "more than zero"),
            ("in -3d", "more than zero"),
            ("in", "expected a length of time after \"in\""),
            ("in soon", "expected a length of time"),
            ("in 3d ago", "not both"),
            ("in 2h 14:00", "cannot follow a length in hours"),
            ("2026-13-01", "2026-13-01 is not a real calendar date"),
            ("2026-02-30", "is not a real calendar date"),
            ("2026-02-30 9am", "is not a real calendar date"),
            ("2026-12-03T25:00", "not a valid ISO 8601 date-time"),
            ("2026-12-03T09:00[Mars/Olympus]", "not a valid RFC 9557 date-time"),
            ("31 feb 2026", "\"31 feb 2026\" is not a real calendar date"),
            ("31 feb", "is not a real calendar date"),
            ("45 dec", "is not a real calendar date"),
            ("next week", "expected a weekday after \"next\""),
            ("tomorrow foo", "\"foo\" is not a time of day"),
            ("9am foo", "\"foo\" is not a date"),
            ("in 9000y", "out of range"),
        ] {
            check_err(input, fragment);
        }
    }

    #[test]
    fn dst_gaps_and_overlaps_resolve_compatibly() {
        // Prague springs forward 02:00 -> 03:00 on 2026-03-29: 02:30 does not exist.
        check("2026-03-29 02:30", "2026-03-29T03:30:00+02:00[Europe/Prague]");
        let before_gap = "2026-03-28T12:00:00[Europe/Prague]";
        check_from(before_gap, "tomorrow 2:30am", "2026-03-29T03:30:00+02:00[Europe/Prague]");
        // A day is a calendar day, 24h are 24 real hours.
        check_from(before_gap, "in 1d", "2026-03-29");
        check_from(before_gap, "in 24h", "2026-03-29T13:00:00+02:00[Europe/Prague]");
        // Prague falls back 03:00 -> 02:00 on 2026-10-25: 02:30 happens twice, take the first.
        check("2026-10-25 02:30", "2026-10-25T02:30:00+02:00[Europe/Prague]");
    }

    #[test]
    fn when_date_and_start() {
        let prague = zdt(NOW).time_zone().clone();
        let day = parse_when("3 dec", &zdt(NOW)).expect("parses");
        assert_eq!(day.date().to_string(), "2026-12-03");
        assert_eq!(day.start(&prague).expect("in range").to_string(), "2026-12-03T00:00:00+01:00[Europe/Prague]");

        let instant = parse_when("2026-12-03T23:30[America/New_York]", &zdt(NOW)).expect("parses");
        // The date in the instant's own zone, not in Prague (where it is already the 4th).
        assert_eq!(instant.date().to_string(), "2026-12-03");
        assert_eq!(
            instant.start(&prague).expect("in range").to_string(),
            "2026-12-03T23:30:00-05:00[America/New_York]"
        );

        // São Paulo skipped midnight on 2018-11-04: the day starts at 01:00.
        let sao_paulo = zdt("2018-11-01T12:00[America/Sao_Paulo]").time_zone().clone();
        let gap_day = When::Date(jiff::civil::date(2018, 11, 4));
        assert_eq!(
            gap_day.start(&sao_paulo).expect("in range").to_string(),
            "2018-11-04T01:00:00-02:00[America/Sao_Paulo]"
        );
    }

    /// Spans print in jiff's friendly format, so `2 weeks` shows as `2w`.
    fn check_span(input: &str, expected: &str) {
        match parse_span(input) {
            Ok(span) => assert_eq!(format!("{span:#}"), expected, "input {input:?}"),
            Err(e) => panic!("input {input:?}: unexpected error: {e}"),
        }
    }

    #[test]
    fn spans() {
        for (input, expected) in [
            ("3d", "3d"),
            ("2w", "2w"),
            ("1h", "1h"),
            ("30m", "30m"),
            ("90min", "90m"),
            ("1mo", "1mo"),
            ("3mo", "3mo"),
            ("1y", "1y"),
            ("2 weeks", "2w"),
            ("3 days", "3d"),
            ("1 month", "1mo"),
            ("  2 Weeks ", "2w"),
            ("3D", "3d"),
            ("1w 2d", "1w 2d"),
            ("1h30m", "1h 30m"),
            ("P3D", "3d"),
            ("p3d", "3d"),
            ("PT2H", "2h"),
            ("P1Y2M", "1y 2mo"),
        ] {
            check_span(input, expected);
        }
    }

    #[test]
    fn span_errors() {
        for (input, fragment) in [
            ("", "no length of time given"),
            ("0d", "must be more than zero"),
            ("P0D", "must be more than zero"),
            ("-3d", "must be more than zero"),
            ("3d ago", "must be more than zero"),
            ("soon", "cannot read \"soon\" as a length of time: try 3d"),
            ("3 fortnights", "cannot read"),
        ] {
            match parse_span(input) {
                Ok(span) => panic!("input {input:?}: expected an error, got {span:#}"),
                Err(e) => assert!(e.message.contains(fragment), "input {input:?}: {:?} lacks {fragment:?}", e.message),
            }
        }
    }

    proptest::proptest! {
        /// Whatever is typed, the answer is a value or an error, never a panic.
        #[test]
        fn never_panics_on_any_input(input in "\\PC{0,40}") {
            let _ = parse_when(&input, &zdt(NOW));
            let _ = parse_span(&input);
        }

        /// The same, for inputs built from the grammar's own pieces, which reach deeper.
        #[test]
        fn never_panics_on_near_misses(
            words in proptest::collection::vec(
                "(in|ago|at|next|last|this|a|0|3|12|25|99|2026|2026-02-30|2026-12-03|3d|0d|2h|-1w|9999y|dec|feb|29|31st|fri|9am|13pm|12:60|24:00|9:30|noon|p\\.m\\.|,|T09:00|\\[Europe/Prague\\])",
                0..5,
            )
        ) {
            let input = words.join(" ");
            let _ = parse_when(&input, &zdt(NOW));
            let _ = parse_span(&input);
        }
    }
}
