//! Keep-in-touch cadences: when each relationship is due, how urgent it is, and the
//! `reconnect` list of relationships going cold.
//!
//! The clock of a relationship is its last contact: the latest logged interaction of any kind
//! (a call counts as much as a lunch; see [`latest_interaction`]). Someone never contacted is
//! timed from when their record was created. A person is due `cadence_days` after that.
//!
//! Urgency = overdue factor × importance. The overdue factor is the elapsed time as a fraction
//! of the cadence (1.0 = due today), dampened logarithmically past 1 (1 + ln ratio), so that a
//! tier D contact forgotten for years does not outrank a tier A contact a month late: the
//! method says to attend most to those who matter. Importance comes from the tier alone
//! (A 1.0, B 0.6, C 0.35, D 0.15, none 0.3), so it is easy to explain.

use jiff::Timestamp;
use serde::Serialize;

use super::{Settings, add_days, days_between, human_days, round_to};
use crate::Id;
use crate::model::{InteractionKind, NetType, Tier};

/// A person is listed by [`reconnect`] once this fraction of their cadence or less is left.
pub const DUE_SOON_FRACTION: f64 = 0.1;

/// Elapsed time past this multiple of the cadence is "long overdue": time for more than a
/// quick message.
const LONG_OVERDUE_RATIO: f64 = 2.0;

/// What the cadence needs to know about a person.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: Id,
    pub name: String,
    pub tier: Option<Tier>,
    pub net_type: Option<NetType>,
    /// A per-person cadence that overrides the tier default.
    pub cadence_days: Option<u32>,
    /// The latest interaction of any kind ([`latest_interaction`]).
    pub last_contact: Option<Timestamp>,
    /// When the record was created: the clock's start for someone never contacted.
    pub first_seen: Timestamp,
    pub interactions_365d: u32,
    /// The title of an open follow-up hook with this person, if any: the best next step.
    pub open_hook: Option<String>,
    /// What they said they need; sharing something about it is a good reason to write.
    pub needs: Vec<String>,
}

impl Contact {
    /// A contact with only the required facts; set the others as known.
    pub fn new(id: Id, name: impl Into<String>, first_seen: Timestamp) -> Contact {
        Contact {
            id,
            name: name.into(),
            tier: None,
            net_type: None,
            cadence_days: None,
            last_contact: None,
            first_seen,
            interactions_365d: 0,
            open_hook: None,
            needs: Vec::new(),
        }
    }
}

/// Where a relationship stands against its cadence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cadence {
    pub id: Id,
    pub name: String,
    pub tier: Option<Tier>,
    pub net_type: Option<NetType>,
    pub cadence_days: u32,
    /// Where the cadence comes from: "tier A default", "set for this person", …
    pub why: &'static str,
    pub last_contact: Option<Timestamp>,
    /// When the next contact is due.
    pub due: Timestamp,
    /// Days past due; negative = days left. Rounded to 0.1.
    pub overdue_days: f64,
    /// Overdue factor × importance (see the module docs); higher = reach out sooner. Rounded
    /// to 0.001.
    pub urgency: f64,
    /// From the tier: A 1.0 … D 0.15.
    pub importance: f64,
    /// Worth a lunch rather than a message: tier A or B, or a strategic tie.
    pub lunch_worthy: bool,
    /// One line in words: "tier A, 12 days overdue (every 14 days), last contact 26 days ago".
    pub status: String,
    /// A short suggested next step: "propose lunch", "send a quick message", …
    pub suggestion: String,
}

/// The last contact with someone: the latest of their interactions, whatever the kind. The kind
/// is taken and ignored on purpose: a logged call, email or chat resets the clock as much as a
/// meeting does. Interactions dated in the future (a lunch already arranged) count too, so
/// nobody is nagged about a person they are already about to see.
pub fn latest_interaction(interactions: impl IntoIterator<Item = (InteractionKind, Timestamp)>) -> Option<Timestamp> {
    interactions.into_iter().map(|(_kind, at)| at).max()
}

/// How important a tier is for urgency and the day plan.
pub fn tier_importance(tier: Option<Tier>) -> f64 {
    match tier {
        Some(Tier::A) => 1.0,
        Some(Tier::B) => 0.6,
        Some(Tier::C) => 0.35,
        Some(Tier::D) => 0.15,
        None => 0.3,
    }
}

/// Whether someone is worth a lunch ("never lunch alone"): the people who matter most, and
/// strategic ties whatever their tier.
pub fn is_lunch_worthy(tier: Option<Tier>, net_type: Option<NetType>) -> bool {
    matches!(tier, Some(Tier::A | Tier::B)) || net_type == Some(NetType::Strategic)
}

/// Where `contact` stands at `now`.
pub fn status(contact: &Contact, settings: &Settings, now: Timestamp) -> Cadence {
    let (cadence_days, why) = settings.cadence_days(contact.tier, contact.net_type, contact.cadence_days);
    let cadence = f64::from(cadence_days);
    let anchor = contact.last_contact.unwrap_or(contact.first_seen);
    let due = add_days(anchor, cadence);
    // A contact in the future (an arranged meeting) counts as "just now" for elapsed time.
    let elapsed = days_between(anchor, now).max(0.0);
    let overdue_days = days_between(due, now);
    let ratio = elapsed / cadence;
    let factor = if ratio <= 1.0 { ratio } else { 1.0 + ratio.ln() };
    let importance = tier_importance(contact.tier);
    let lunch_worthy = is_lunch_worthy(contact.tier, contact.net_type);

    Cadence {
        id: contact.id,
        name: contact.name.clone(),
        tier: contact.tier,
        net_type: contact.net_type,
        cadence_days,
        why,
        last_contact: contact.last_contact,
        due,
        overdue_days: round_to(overdue_days, 1),
        urgency: round_to(factor * importance, 3),
        importance,
        lunch_worthy,
        status: status_line(contact, cadence_days, overdue_days, elapsed),
        suggestion: suggest(contact, ratio, lunch_worthy),
    }
}

/// Relationships going cold: overdue, or due within [`DUE_SOON_FRACTION`] of their cadence;
/// most urgent first, then most overdue, then by id. At most `limit` entries.
pub fn reconnect(contacts: &[Contact], settings: &Settings, now: Timestamp, limit: usize) -> Vec<Cadence> {
    let mut due: Vec<Cadence> = contacts
        .iter()
        .map(|c| status(c, settings, now))
        .filter(|c| c.overdue_days >= -DUE_SOON_FRACTION * f64::from(c.cadence_days))
        .collect();
    due.sort_by(|x, y| {
        y.urgency.total_cmp(&x.urgency).then(y.overdue_days.total_cmp(&x.overdue_days)).then(x.id.cmp(&y.id))
    });
    // The same person listed twice (duplicate input) would be advice to contact them twice.
    let mut seen = std::collections::HashSet::new();
    due.retain(|c| seen.insert(c.id));
    due.truncate(limit);
    due
}

fn status_line(contact: &Contact, cadence_days: u32, overdue_days: f64, elapsed: f64) -> String {
    let tier = match contact.tier {
        Some(t) => format!("tier {t}"),
        None => "no tier".to_string(),
    };
    let every = if cadence_days == 1 { "every day".to_string() } else { format!("every {cadence_days} days") };
    let state = if overdue_days >= 1.0 {
        format!("{} overdue", human_days(overdue_days))
    } else if overdue_days > -1.0 {
        "due today".to_string()
    } else {
        format!("due in {}", human_days(overdue_days))
    };
    let last = match contact.last_contact {
        None => format!("never contacted, added {} ago", human_days(elapsed)),
        Some(_) if elapsed < 1.0 => "last contact today".to_string(),
        Some(_) => format!("last contact {} ago", human_days(elapsed)),
    };
    format!("{tier}, {state} ({every}), {last}")
}

/// The next step, from the situation: an open hook first (a promise is the best reason to
/// write), then a first contact, then by how late it is and how much the person matters.
fn suggest(contact: &Contact, ratio: f64, lunch_worthy: bool) -> String {
    let hook = contact.open_hook.as_deref().map(str::trim).filter(|h| !h.is_empty());
    if let Some(hook) = hook {
        return format!("follow up on: {hook}");
    }
    if contact.last_contact.is_none() {
        return "introduce yourself / follow up on how you met".to_string();
    }
    let need = contact.needs.iter().map(|n| n.trim()).find(|n| !n.is_empty());
    let share = need.map(|n| format!("share something about {n}"));
    if ratio >= LONG_OVERDUE_RATIO {
        let step = if lunch_worthy {
            "propose lunch"
        } else if contact.net_type == Some(NetType::Personal) {
            "call to catch up"
        } else {
            "send a note to catch up"
        };
        match share {
            Some(share) => format!("{step}; {share}"),
            None => step.to_string(),
        }
    } else {
        share.unwrap_or_else(|| "send a quick message".to_string())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::intel::test_util::{ago, id, now};

    fn contact(n: u128, tier: Option<Tier>, last_days_ago: Option<f64>) -> Contact {
        let mut c = Contact::new(id(n), format!("P{n}"), ago(1000.0));
        c.tier = tier;
        c.last_contact = last_days_ago.map(ago);
        c
    }

    #[test]
    fn status_counts_from_last_contact() {
        let s = Settings::default();
        let c = contact(1, Some(Tier::A), Some(20.0));
        let st = status(&c, &s, now());
        assert_eq!(st.cadence_days, 14);
        assert_eq!(st.why, "tier A default");
        assert_eq!(st.overdue_days, 6.0);
        assert_eq!(st.due, ago(6.0));
        assert_eq!(st.importance, 1.0);
        assert!((st.urgency - (1.0 + (20.0f64 / 14.0).ln())).abs() < 1e-3);
        assert_eq!(st.status, "tier A, 6 days overdue (every 14 days), last contact 20 days ago");
        assert_eq!(st.suggestion, "send a quick message");
        assert!(st.lunch_worthy);
    }

    #[test]
    fn never_contacted_counts_from_first_seen() {
        let s = Settings::default();
        let mut c = contact(1, Some(Tier::B), None);
        c.first_seen = ago(40.0);
        let st = status(&c, &s, now());
        assert_eq!(st.overdue_days, 10.0);
        assert_eq!(st.suggestion, "introduce yourself / follow up on how you met");
        assert!(st.status.contains("never contacted, added 6 weeks ago"), "{}", st.status);
    }

    #[test]
    fn any_interaction_kind_resets_the_clock() {
        let s = Settings::default();
        for &kind in InteractionKind::ALL {
            // Met for lunch 60 days ago, then one interaction of `kind` 2 days ago.
            let log = [(InteractionKind::Lunch, ago(60.0)), (kind, ago(2.0))];
            let mut c = contact(1, Some(Tier::A), None);
            c.last_contact = latest_interaction(log);
            assert_eq!(c.last_contact, Some(ago(2.0)), "{kind}");
            let st = status(&c, &s, now());
            assert_eq!(st.overdue_days, -12.0, "{kind}");
            assert!(reconnect(&[c], &s, now(), 10).is_empty(), "{kind} did not reset the clock");
        }
        assert_eq!(latest_interaction([]), None);
    }

    #[test]
    fn suggestions_follow_the_situation() {
        let s = Settings::default();
        // (tier, net type, days since contact, hook, needs, expected)
        type Row =
            (Option<Tier>, Option<NetType>, Option<f64>, Option<&'static str>, &'static [&'static str], &'static str);
        let table: &[Row] = &[
            (Some(Tier::A), None, Some(40.0), None, &[], "propose lunch"),
            (Some(Tier::A), None, Some(16.0), None, &[], "send a quick message"),
            (Some(Tier::C), None, Some(200.0), None, &[], "send a note to catch up"),
            (Some(Tier::C), Some(NetType::Strategic), Some(200.0), None, &[], "propose lunch"),
            (Some(Tier::D), Some(NetType::Personal), Some(1500.0), None, &[], "call to catch up"),
            (Some(Tier::B), None, Some(35.0), None, &["", "a CTO"], "share something about a CTO"),
            (Some(Tier::B), None, Some(90.0), None, &["hiring"], "propose lunch; share something about hiring"),
            (Some(Tier::B), None, Some(90.0), Some(" send the deck "), &["hiring"], "follow up on: send the deck"),
            (None, None, None, Some("   "), &[], "introduce yourself / follow up on how you met"),
            (None, None, None, Some("intro to Bob"), &[], "follow up on: intro to Bob"),
        ];
        for (i, &(tier, ty, last, hook, needs, want)) in table.iter().enumerate() {
            let mut c = contact(1, tier, last);
            c.net_type = ty;
            c.open_hook = hook.map(String::from);
            c.needs = needs.iter().map(|n| n.to_string()).collect();
            assert_eq!(status(&c, &s, now()).suggestion, want, "row {i}");
        }
    }

    #[test]
    fn reconnect_orders_by_urgency_then_id() {
        let s = Settings::default();
        let contacts = vec![
            contact(5, Some(Tier::D), Some(2000.0)), // years late but tier D
            contact(4, Some(Tier::A), Some(30.0)),   // A, 16 days late
            contact(3, Some(Tier::B), Some(10.0)),   // not due: left out
            contact(2, Some(Tier::C), Some(85.0)),   // due in 5 days, within 10% of 90: listed
            contact(1, Some(Tier::A), Some(30.0)),   // same as 4: id breaks the tie
            contact(1, Some(Tier::A), Some(30.0)),   // duplicate input: listed once
        ];
        let list = reconnect(&contacts, &s, now(), 10);
        let ids: Vec<Id> = list.iter().map(|c| c.id).collect();
        assert_eq!(ids, vec![id(1), id(4), id(5), id(2)]);
        assert!(list[3].overdue_days < 0.0);
        assert_eq!(reconnect(&contacts, &s, now(), 2).len(), 2);
        assert!(reconnect(&[], &s, now(), 10).is_empty());
    }

    #[test]
    fn future_contact_is_not_overdue() {
        let s = Settings::default();
        let mut c = contact(1, Some(Tier::A), None);
        c.last_contact = Some(ago(-3.0)); // lunch booked in 3 days
        let st = status(&c, &s, now());
        assert_eq!(st.overdue_days, -17.0);
        assert_eq!(st.urgency, 0.0);
        assert!(st.status.contains("last contact today"));
    }

    #[test]
    fn extreme_timestamps_do_not_panic() {
        let s = Settings::default();
        for t in [Timestamp::MIN, Timestamp::MAX] {
            let mut c = contact(1, None, None);
            c.first_seen = t;
            c.cadence_days = Some(u32::MAX);
            let st = status(&c, &s, now());
            assert!(st.urgency.is_finite());
            c.last_contact = Some(t);
            let _ = reconnect(&[c], &s, now(), 10);
        }
    }

    proptest! {
        /// A later last contact never makes someone more urgent or more overdue.
        #[test]
        fn later_contact_never_raises_urgency(tier in 0usize..5, d1 in 0.0f64..3000.0, d2 in 0.0f64..3000.0) {
            let tier = [None, Some(Tier::A), Some(Tier::B), Some(Tier::C), Some(Tier::D)][tier];
            let s = Settings::default();
            let (recent, older) = if d1 <= d2 { (d1, d2) } else { (d2, d1) };
            let a = status(&contact(1, tier, Some(recent)), &s, now());
            let b = status(&contact(1, tier, Some(older)), &s, now());
            prop_assert!(a.urgency <= b.urgency);
            prop_assert!(a.overdue_days <= b.overdue_days);
        }

        /// Everything `reconnect` lists is due soon or overdue, and the list is sorted.
        #[test]
        fn reconnect_lists_only_due_people(days in proptest::collection::vec(0.0f64..500.0, 0..40)) {
            let s = Settings::default();
            let contacts: Vec<Contact> = days.iter().enumerate()
                .map(|(i, &d)| contact(i as u128, [Some(Tier::A), Some(Tier::C), None][i % 3], Some(d)))
                .collect();
            let list = reconnect(&contacts, &s, now(), usize::MAX);
            for c in &list {
                prop_assert!(c.overdue_days >= -0.1 * f64::from(c.cadence_days) - 0.05);
            }
            for w in list.windows(2) {
                prop_assert!(w[0].urgency >= w[1].urgency);
            }
        }
    }
}
