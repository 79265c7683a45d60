//! Relationship intelligence: cadences, warmth, reciprocity, matching, rank, plans.
//!
//! Every function here is pure: the caller gathers the facts from the store and passes "now"
//! (and, for the day plan, the time zone). Every score comes with its parts and a note for each,
//! so `kith` can always answer "why?". Every list is sorted with a final tie-break on the id, so
//! the same input always gives the same output.
//!
//! - [`settings`]: cadences, working hours, weights ([`Settings`]).
//! - [`cadence`]: when each relationship is due, and the `reconnect` list.
//! - [`warmth`]: a 0–100 warmth score per relationship.
//! - [`ledger`]: the reciprocity ledger (gave / got).
//! - [`matching`]: needs against offers; suggested introductions.
//! - [`rank`]: PageRank over ties and the explained importance rank.
//! - [`plan`]: the day plan with reconnects placed into free slots.
//! - [`brief`]: talking points and questions for a meeting brief.

pub mod brief;
pub mod cadence;
pub mod ledger;
pub mod matching;
pub mod plan;
pub mod rank;
pub mod settings;
pub mod warmth;

pub use settings::Settings;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::Id;

/// One part of an explained score: how many points it gave out of how many it could give, and
/// why, in words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// `recency`, `frequency`, `reciprocity`, `tie`, `tier`, `warmth`, `centrality`, `hooks`.
    pub name: &'static str,
    pub points: f64,
    pub max: f64,
    pub note: String,
}

/// A person named in a result: the id for machines, the name for people.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PersonRef {
    pub id: Id,
    pub name: String,
}

const SECONDS_PER_DAY: f64 = 86_400.0;

/// Days from `from` to `to` (negative when `to` is earlier), as a fraction.
pub(crate) fn days_between(from: Timestamp, to: Timestamp) -> f64 {
    to.duration_since(from).as_secs_f64() / SECONDS_PER_DAY
}

/// `t` plus a (possibly fractional, possibly negative) number of days, saturating at the ends of
/// the time line instead of failing: an absurd cadence must not break a listing.
pub(crate) fn add_days(t: Timestamp, days: f64) -> Timestamp {
    let secs = days * SECONDS_PER_DAY;
    if secs.is_nan() {
        return t;
    }
    let limit = 1e15; // well past jiff's range (about ±2.5e11 s) and well inside f64's exact range
    let span = SignedDuration::from_secs_f64(secs.clamp(-limit, limit));
    t.checked_add(span).unwrap_or(if secs >= 0.0 { Timestamp::MAX } else { Timestamp::MIN })
}

/// Rounds to `places` decimals, for output that people read and that `--json` prints.
pub(crate) fn round_to(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    let r = (x * f).round() / f;
    // -0.0 prints as "-0" in JSON; nobody wants that.
    if r == 0.0 { 0.0 } else { r }
}

/// A length of time in days as people say it: "today", "3 days", "5 weeks", "4 months", "2 years".
pub(crate) fn human_days(days: f64) -> String {
    let d = days.abs();
    let plural = |n: f64, unit: &str| {
        let n = n.round() as i64;
        if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
    };
    if !d.is_finite() {
        "a very long time".to_string()
    } else if d < 1.0 {
        "less than a day".to_string()
    } else if d < 31.0 {
        plural(d.floor(), "day")
    } else if d < 56.0 {
        plural(d / 7.0, "week")
    } else if d < 548.0 {
        plural(d / 30.44, "month")
    } else {
        plural(d / 365.25, "year")
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use jiff::Timestamp;

    use crate::Id;

    /// A fixed "now": 2026-06-15 12:00 UTC.
    pub fn now() -> Timestamp {
        "2026-06-15T12:00:00Z".parse().unwrap()
    }

    /// `now()` minus `days`.
    pub fn ago(days: f64) -> Timestamp {
        super::add_days(now(), -days)
    }

    /// A distinct, ordered id per number.
    pub fn id(n: u128) -> Id {
        Id::from_uuid(uuid::Uuid::from_u128(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_days_reads_naturally() {
        let table = [
            (0.2, "less than a day"),
            (1.0, "1 day"),
            (3.7, "3 days"),
            (-3.0, "3 days"),
            (20.0, "20 days"),
            (45.0, "6 weeks"),
            (60.0, "2 months"),
            (90.0, "3 months"),
            (400.0, "13 months"),
            (800.0, "2 years"),
            (f64::INFINITY, "a very long time"),
        ];
        for (days, want) in table {
            assert_eq!(human_days(days), want, "{days}");
        }
    }

    #[test]
    fn add_days_saturates() {
        let t = test_util::now();
        assert_eq!(add_days(t, 1e300), Timestamp::MAX);
        assert_eq!(add_days(t, -1e300), Timestamp::MIN);
        assert_eq!(days_between(t, add_days(t, 2.5)), 2.5);
    }

    #[test]
    fn round_to_has_no_negative_zero() {
        assert_eq!(round_to(-0.0001, 2).to_string(), "0");
        assert_eq!(round_to(1.256, 2), 1.26);
    }
}
