//! The vocabulary of kith's domain, parsed from what users type.
//!
//! Parse, don't validate: each type here can only hold a valid value, and its parser says what
//! was wrong and what is accepted.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A value a user typed that kith cannot take, with what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} `{input}` is not valid: {expected}")]
pub struct ParseError {
    pub what: &'static str,
    pub input: String,
    pub expected: String,
}

impl ParseError {
    pub fn new(what: &'static str, input: &str, expected: impl Into<String>) -> ParseError {
        ParseError { what, input: input.to_string(), expected: expected.into() }
    }
}

/// Normalize a keyword the way users type it: case, spaces, underscores and hyphens do not matter.
fn keyword(s: &str) -> String {
    s.trim().to_lowercase().replace([' ', '_'], "-")
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident = $text:literal $(| $alias:literal)*),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $text)] $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                match keyword(s).as_str() {
                    $($text $(| $alias)* => Ok($name::$variant),)*
                    _ => Err(ParseError::new($what, s, format!(
                        "use one of {}",
                        [$($text),*].join(", ")
                    ))),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// The networking method's three kinds of relationship.
    NetType, "networking type" {
        Operational = "operational" | "op" | "ops",
        Personal = "personal" | "pers",
        Strategic = "strategic" | "strat",
    }
}

vocabulary! {
    /// How much a relationship matters: A most, D least.
    Tier, "tier" { A = "A" | "a", B = "B" | "b", C = "C" | "c", D = "D" | "d" }
}

vocabulary! {
    TieKind, "tie kind" {
        Colleague = "colleague",
        Friend = "friend",
        Family = "family",
        IntroducedBy = "introduced-by" | "intro" | "introduced",
        FormerColleague = "former-colleague" | "ex-colleague",
        Client = "client",
        Mentor = "mentor",
        Other = "other",
    }
}

vocabulary! {
    InteractionKind, "interaction kind" {
        Meeting = "meeting",
        Call = "call" | "phone",
        Video = "video" | "zoom",
        Email = "email" | "e-mail",
        Message = "message" | "msg" | "chat" | "text",
        Lunch = "lunch",
        Coffee = "coffee",
        Event = "event",
        Intro = "intro" | "introduction",
        Other = "other",
    }
}

vocabulary! {
    /// What was given or received in an interaction.
    ExchangeKind, "exchange kind" {
        Intro = "intro" | "introduction",
        Advice = "advice",
        Referral = "referral",
        JobLead = "job-lead" | "job",
        Favor = "favor" | "favour",
        Gift = "gift",
        Recommendation = "recommendation" | "rec",
        Info = "info" | "information",
        Other = "other",
    }
}

vocabulary! {
    /// Which way an exchange went, seen from the user.
    Direction, "direction" { Gave = "gave" | "give", Got = "got" | "get" }
}

vocabulary! {
    TaskStatus, "task status" {
        Open = "open" | "todo",
        Done = "done" | "completed",
        Cancelled = "cancelled" | "canceled",
    }
}

vocabulary! {
    ProjectStatus, "project status" {
        Active = "active" | "open",
        Paused = "paused" | "on-hold",
        Done = "done" | "closed",
        Cancelled = "cancelled" | "canceled",
    }
}

vocabulary! {
    EventKind, "event kind" {
        Conference = "conference" | "conf",
        Seminar = "seminar",
        Training = "training" | "workshop",
        Meetup = "meetup",
        Forum = "forum",
        Exhibition = "exhibition" | "expo" | "trade-show",
        Coffee = "coffee",
        Lunch = "lunch",
        Webinar = "webinar",
        OnlineGroup = "online-group" | "online",
        Charity = "charity",
        Visit = "visit",
        Other = "other",
    }
}

impl ExchangeKind {
    /// Guess the kind of an exchange from its text ("intro to Bob" is an intro), so `--gave
    /// "intro to Bob"` needs no extra flag. Anything unrecognised is `other`.
    pub fn guess(text: &str) -> ExchangeKind {
        let t = text.to_lowercase();
        let has = |w: &[&str]| w.iter().any(|w| t.contains(w));
        if has(&["intro"]) {
            ExchangeKind::Intro
        } else if has(&["job", "role at", "opening", "position"]) {
            ExchangeKind::JobLead
        } else if has(&["referr", "refer "]) {
            ExchangeKind::Referral
        } else if has(&["recommend"]) {
            ExchangeKind::Recommendation
        } else if has(&["advice", "advise", "feedback", "tips"]) {
            ExchangeKind::Advice
        } else if has(&["gift", "present", "book for"]) {
            ExchangeKind::Gift
        } else if has(&["favor", "favour", "help with", "helped"]) {
            ExchangeKind::Favor
        } else if has(&["info", "link", "recording", "slides", "article", "deck"]) {
            ExchangeKind::Info
        } else {
            ExchangeKind::Other
        }
    }
}

/// A tie's or an exchange's bounded score.
macro_rules! bounded {
    ($name:ident, $what:literal, $lo:literal ..= $hi:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name(u8);

        impl $name {
            pub fn new(v: i64) -> Result<$name, ParseError> {
                if ($lo..=$hi).contains(&v) {
                    Ok($name(v as u8))
                } else {
                    Err(ParseError::new($what, &v.to_string(), concat!("use a whole number from ", $lo, " to ", $hi)))
                }
            }
            pub fn get(self) -> u8 {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                let v: i64 = s
                    .trim()
                    .parse()
                    .map_err(|_| ParseError::new($what, s, concat!("use a whole number from ", $lo, " to ", $hi)))?;
                $name::new(v)
            }
        }
    };
}

bounded!(Strength, "strength", 1..=5);
bounded!(Weight, "weight", 1..=3);
bounded!(Priority, "priority", 0..=3);

/// An email address, trimmed and lower-cased so the same address typed twice is one address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Email, ParseError> {
        let t = s.trim().trim_start_matches("mailto:").to_lowercase();
        let bad = || ParseError::new("email", s, "write it like name@example.com");
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !t.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == ';');
        if ok { Ok(Email(t)) } else { Err(bad()) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number. Kept as the user wrote it for display; [`Phone::key`] is the normalized form
/// (`+` and digits) that tells whether two numbers are the same.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone {
    display: String,
    key: String,
}

impl Phone {
    pub fn parse(s: &str) -> Result<Phone, ParseError> {
        let t = s.trim().trim_start_matches("tel:");
        let bad = |why: &str| ParseError::new("phone", s, why.to_string());
        if t.chars().any(|c| !(c.is_ascii_digit() || " +-().\u{a0}/".contains(c) || c == 'x')) {
            return Err(bad("use digits, spaces, + - ( ) . and an optional x extension"));
        }
        let (main, ext) = match t.split_once('x') {
            Some((m, e)) => (m, Some(e.trim())),
            None => (t, None),
        };
        let mut key: String = main.chars().filter(char::is_ascii_digit).collect();
        if main.trim_start().starts_with('+') {
            key.insert(0, '+');
        } else if let Some(rest) = key.strip_prefix("00") {
            key = format!("+{rest}");
        }
        let digits = key.trim_start_matches('+').len();
        if !(3..=17).contains(&digits) {
            return Err(bad("a phone number has 3 to 17 digits"));
        }
        if let Some(ext) = ext {
            if ext.is_empty() || !ext.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad("an extension is digits after x"));
            }
            key.push('x');
            key.push_str(ext);
        }
        Ok(Phone { display: t.split_whitespace().collect::<Vec<_>>().join(" "), key })
    }
    pub fn display(&self) -> &str {
        &self.display
    }
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A web link with the kind of profile it is, guessed from its host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Link {
    pub url: String,
    pub label: &'static str,
}

impl Link {
    pub fn parse(s: &str) -> Result<Link, ParseError> {
        let t = s.trim();
        if t.is_empty() || t.chars().any(char::is_whitespace) {
            return Err(ParseError::new("link", s, "write a web address like https://example.com/ann"));
        }
        let url = if t.contains("://") { t.to_string() } else { format!("https://{t}") };
        let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
        let host = rest.split(['/', '?', '#']).next().unwrap_or("").to_lowercase();
        if !host.contains('.') {
            return Err(ParseError::new("link", s, "write a web address like https://example.com/ann"));
        }
        let host = host.trim_start_matches("www.");
        let label = match host {
            h if h.ends_with("linkedin.com") => "linkedin",
            "twitter.com" | "x.com" => "x",
            "github.com" => "github",
            h if h.ends_with("mastodon.social") || h.contains("mastodon") => "mastodon",
            "bsky.app" => "bluesky",
            "instagram.com" => "instagram",
            "facebook.com" => "facebook",
            _ => "site",
        };
        Ok(Link { url, label })
    }
}

/// A birthday or anniversary, with or without the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Birthday {
    pub year: Option<i16>,
    pub month: i8,
    pub day: i8,
}

impl Birthday {
    /// Accepts `1990-04-12`, `04-12` and `--04-12` (the vCard form for no year).
    pub fn parse(s: &str) -> Result<Birthday, ParseError> {
        let t = s.trim();
        let bad = || ParseError::new("birthday", s, "write it as 1990-04-12, or 04-12 without the year");
        let parts: Vec<&str> = t.trim_start_matches("--").split('-').collect();
        let num = |p: &str| p.parse::<i16>().map_err(|_| bad());
        let (year, month, day) = match parts.as_slice() {
            [y, m, d] if y.len() == 4 => (Some(num(y)?), num(m)?, num(d)?),
            [m, d] => (None, num(m)?, num(d)?),
            _ => return Err(bad()),
        };
        let (Ok(month), Ok(day)) = (i8::try_from(month), i8::try_from(day)) else { return Err(bad()) };
        Birthday::new(year, month, day).ok_or_else(bad)
    }

    /// A birthday whose day exists (without a year, 29 February does).
    pub fn new(year: Option<i16>, month: i8, day: i8) -> Option<Birthday> {
        Date::new(year.unwrap_or(2000), month, day).ok()?;
        Some(Birthday { year, month, day })
    }

    /// This birthday's date in `year`; 29 February falls on 28 February in other years.
    pub fn in_year(&self, year: i16) -> Option<Date> {
        Date::new(year, self.month, self.day).or_else(|_| Date::new(year, self.month, self.day - 1)).ok()
    }
}

impl fmt::Display for Birthday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.year {
            Some(y) => write!(f, "{y:04}-{:02}-{:02}", self.month, self.day),
            None => write!(f, "--{:02}-{:02}", self.month, self.day),
        }
    }
}

/// Recurrence of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Recurrence {
    Daily,
    Weekly,
    Monthly,
    Yearly,
    EveryDays(u16),
}

impl Recurrence {
    pub fn parse(s: &str) -> Result<Recurrence, ParseError> {
        let k = keyword(s);
        let bad = || {
            ParseError::new(
                "recurrence",
                s,
                "use daily, weekly, monthly, yearly or every N days (e.g. every-10-days, 10d)",
            )
        };
        Ok(match k.as_str() {
            "daily" | "day" | "every-day" => Recurrence::Daily,
            "weekly" | "week" | "every-week" => Recurrence::Weekly,
            "monthly" | "month" | "every-month" => Recurrence::Monthly,
            "yearly" | "annually" | "year" | "every-year" => Recurrence::Yearly,
            other => {
                let n = other
                    .trim_start_matches("every-")
                    .trim_end_matches("-days")
                    .trim_end_matches("days")
                    .trim_end_matches('d')
                    .trim_end_matches('-');
                let n: u16 = n.parse().map_err(|_| bad())?;
                if n == 0 {
                    return Err(bad());
                }
                Recurrence::EveryDays(n)
            }
        })
    }

    /// The next due date after `from`.
    pub fn next(self, from: Date) -> Option<Date> {
        use jiff::ToSpan;
        let span = match self {
            Recurrence::Daily => 1.day(),
            Recurrence::Weekly => 1.week(),
            Recurrence::Monthly => 1.month(),
            Recurrence::Yearly => 1.year(),
            Recurrence::EveryDays(n) => i64::from(n).days(),
        };
        from.checked_add(span).ok()
    }
}

impl fmt::Display for Recurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recurrence::Daily => f.write_str("daily"),
            Recurrence::Weekly => f.write_str("weekly"),
            Recurrence::Monthly => f.write_str("monthly"),
            Recurrence::Yearly => f.write_str("yearly"),
            Recurrence::EveryDays(n) => write!(f, "every-{n}-days"),
        }
    }
}

/// Split a display name into given and family names: the last word is the family name.
pub fn split_name(display: &str) -> (Option<String>, Option<String>) {
    let words: Vec<&str> = display.split_whitespace().collect();
    match words.as_slice() {
        [] => (None, None),
        [one] => (Some(one.to_string()), None),
        [given @ .., family] => (Some(given.join(" ")), Some(family.to_string())),
    }
}

/// A tag, trimmed and lower-cased with single spaces, so `Design` and `design ` are one tag.
pub fn tag(s: &str) -> Result<String, ParseError> {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    if t.is_empty() || t.len() > 100 {
        return Err(ParseError::new("tag", s, "a tag is 1 to 100 characters"));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_take_what_people_type() {
        assert_eq!("Strategic".parse::<NetType>().unwrap(), NetType::Strategic);
        assert_eq!("a".parse::<Tier>().unwrap(), Tier::A);
        assert_eq!("former colleague".parse::<TieKind>().unwrap(), TieKind::FormerColleague);
        assert_eq!("job_lead".parse::<ExchangeKind>().unwrap(), ExchangeKind::JobLead);
        let err = "brunch".parse::<InteractionKind>().unwrap_err().to_string();
        assert_eq!(
            err,
            "interaction kind `brunch` is not valid: use one of meeting, call, video, email, message, lunch, coffee, event, intro, other"
        );
        for k in EventKind::ALL {
            assert_eq!(k.as_str().parse::<EventKind>().unwrap(), *k);
        }
    }

    #[test]
    fn bounded_scores() {
        assert_eq!("4".parse::<Strength>().unwrap().get(), 4);
        assert!("0".parse::<Strength>().is_err());
        assert!("6".parse::<Strength>().is_err());
        assert!("x".parse::<Weight>().is_err());
        assert_eq!(
            "9".parse::<Weight>().unwrap_err().to_string(),
            "weight `9` is not valid: use a whole number from 1 to 3"
        );
    }

    #[test]
    fn emails() {
        assert_eq!(Email::parse(" Priya@Northwind.Example ").unwrap().as_str(), "priya@northwind.example");
        for bad in ["", "priya", "@x.com", "a@b", "a b@c.com", "a@.com", "a@b.c@d.e"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_normalize_to_a_key() {
        let p = Phone::parse("+1 415 555 0100").unwrap();
        assert_eq!(p.key(), "+14155550100");
        assert_eq!(Phone::parse("(415) 555-0100").unwrap().key(), "4155550100");
        assert_eq!(Phone::parse("0044 20 7946 0000").unwrap().key(), "+442079460000");
        assert_eq!(Phone::parse("tel:+1-415-555-0100").unwrap().key(), "+14155550100");
        assert_eq!(Phone::parse("555 0100 x12").unwrap().key(), "5550100x12");
        assert!(Phone::parse("call me").is_err());
        assert!(Phone::parse("12").is_err());
    }

    #[test]
    fn links_know_their_network() {
        assert_eq!(Link::parse("linkedin.com/in/priya").unwrap().label, "linkedin");
        assert_eq!(Link::parse("https://www.linkedin.com/in/priya").unwrap().url, "https://www.linkedin.com/in/priya");
        assert_eq!(Link::parse("https://priya.design").unwrap().label, "site");
        assert!(Link::parse("not a link").is_err());
        assert!(Link::parse("localhost").is_err());
    }

    #[test]
    fn birthdays_with_and_without_year() {
        assert_eq!(Birthday::parse("1990-04-12").unwrap().to_string(), "1990-04-12");
        assert_eq!(Birthday::parse("--04-12").unwrap().to_string(), "--04-12");
        assert_eq!(Birthday::parse("04-12").unwrap().year, None);
        assert!(Birthday::parse("02-29").is_ok());
        assert!(Birthday::parse("1991-02-29").is_err());
        assert!(Birthday::parse("13-01").is_err());
        // 268 is 12 as an i8: out of range, not December.
        assert!(Birthday::parse("2024-268-01").is_err());
        assert!(Birthday::parse("2024-01-257").is_err());
        let leap = Birthday::parse("--02-29").unwrap();
        assert_eq!(leap.in_year(2027).unwrap().to_string(), "2027-02-28");
    }

    #[test]
    fn recurrences() {
        assert_eq!(Recurrence::parse("weekly").unwrap(), Recurrence::Weekly);
        assert_eq!(Recurrence::parse("every 10 days").unwrap(), Recurrence::EveryDays(10));
        assert_eq!(Recurrence::parse("10d").unwrap(), Recurrence::EveryDays(10));
        assert!(Recurrence::parse("sometimes").is_err());
        assert!(Recurrence::parse("every 0 days").is_err());
        let d = jiff::civil::date(2026, 1, 31);
        assert_eq!(Recurrence::Monthly.next(d).unwrap().to_string(), "2026-02-28");
        assert_eq!(Recurrence::parse(&Recurrence::EveryDays(3).to_string()).unwrap(), Recurrence::EveryDays(3));
    }

    #[test]
    fn names_and_tags() {
        assert_eq!(split_name("Priya Raman"), (Some("Priya".into()), Some("Raman".into())));
        assert_eq!(split_name("Cher"), (Some("Cher".into()), None));
        assert_eq!(split_name("Mary Ann van Dyke").1.as_deref(), Some("Dyke"));
        assert_eq!(tag("  Design  Systems ").unwrap(), "design systems");
        assert!(tag("   ").is_err());
        assert_eq!(ExchangeKind::guess("intro to Bob"), ExchangeKind::Intro);
        assert_eq!(ExchangeKind::guess("advice on hiring"), ExchangeKind::Advice);
    }
}
