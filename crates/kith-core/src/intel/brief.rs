//! The words of a meeting brief: talking points and questions. The caller gathers the facts
//! (needs, offers, interactions, hooks, ledger, mutual connections); this module only turns
//! them into short, natural lines, most useful first.
//!
//! The order follows the method: keep promises first, then give (what I can offer for their
//! needs, and give back if I took more), then continuity (last time, mutual people), and only
//! then ask for something.

use jiff::Timestamp;
use serde::Serialize;

use super::matching::fit;
use super::{days_between, human_days};

/// Most lines in each list.
pub const MAX_LINES: usize = 6;

/// What a brief's text is made from. Lists may be empty; text is trimmed and blanks skipped.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BriefInput {
    pub name: String,
    pub their_needs: Vec<String>,
    pub their_offers: Vec<String>,
    /// My offers and strengths.
    pub my_offers: Vec<String>,
    pub my_needs: Vec<String>,
    /// Summaries of the last interactions, newest first.
    pub last_topics: Vec<String>,
    pub last_contact: Option<Timestamp>,
    /// Their cadence, to tell a long gap from a normal one.
    pub cadence_days: Option<u32>,
    /// Open hooks I owe them ("send the recording").
    pub hooks_mine: Vec<String>,
    /// Open hooks they owe me, or that I am waiting on.
    pub hooks_theirs: Vec<String>,
    /// Ledger sums (by weight).
    pub gave: u32,
    pub got: u32,
    /// Names of people we both know.
    pub mutual: Vec<String>,
    /// How we met ("at RustConf 2025", "through Ann").
    pub met_how: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BriefText {
    pub talking_points: Vec<String>,
    pub questions: Vec<String>,
}

/// Both lists.
pub fn brief_text(input: &BriefInput, now: Timestamp) -> BriefText {
    BriefText { talking_points: talking_points(input, now), questions: questions(input, now) }
}

fn clean(list: &[String]) -> impl Iterator<Item = &str> {
    list.iter().map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn name(input: &BriefInput) -> &str {
    let n = input.name.trim();
    if n.is_empty() { "them" } else { n }
}

/// Days since the last contact, when there was one (0 for a contact in the future).
fn gap(input: &BriefInput, now: Timestamp) -> Option<f64> {
    input.last_contact.map(|t| days_between(t, now).max(0.0))
}

/// Whether the gap is long: past the cadence, or past 90 days when there is none.
fn long_gap(input: &BriefInput, now: Timestamp) -> bool {
    let limit = input.cadence_days.map_or(90.0, |d| f64::from(d.max(1)));
    gap(input, now).is_some_and(|g| g > limit)
}

/// Things to say or do in the meeting, most useful first.
pub fn talking_points(input: &BriefInput, now: Timestamp) -> Vec<String> {
    let who = name(input);
    let mut out = Vec::new();
    for hook in clean(&input.hooks_mine).take(2) {
        out.push(format!("Deliver what you promised: {hook}"));
    }

    // What I can give for their needs: the best of my offers per need.
    let mut unmet = None;
    let mut offered = 0;
    for need in clean(&input.their_needs) {
        let best = clean(&input.my_offers)
            .filter_map(|o| fit(need, o))
            .max_by(|a, b| a.strength.total_cmp(&b.strength).then_with(|| b.offer.cmp(&a.offer)));
        match best {
            Some(f) if offered < 2 => {
                offered += 1;
                out.push(format!("Offer your {} for their need: {need}", f.offer));
            }
            Some(_) => {}
            None => {
                unmet.get_or_insert(need);
            }
        }
    }
    if let Some(need) = unmet {
        out.push(format!("{who} needs {need}: think who you could introduce"));
    }

    if input.got > input.gave {
        out.push(format!(
            "You have received more than you gave ({} vs {}): give something first",
            input.got, input.gave
        ));
    } else if input.gave == 0 && input.got == 0 && offered == 0 {
        out.push("Give first: find one thing you can offer".to_string());
    }

    if let Some(topic) = clean(&input.last_topics).next() {
        out.push(format!("Pick up from last time: {topic}"));
    }
    match gap(input, now) {
        None => {
            let how = input.met_how.as_deref().map(str::trim).filter(|s| !s.is_empty());
            out.push(match how {
                Some(how) => format!("First real conversation: you met {how}"),
                None => "First real conversation: say how you came across them".to_string(),
            });
        }
        Some(g) if long_gap(input, now) => {
            out.push(format!("It has been {} since you last spoke: catch up first", human_days(g)));
        }
        Some(_) => {}
    }

    let mutual: Vec<&str> = clean(&input.mutual).collect();
    match mutual.as_slice() {
        [] => {}
        [a] => out.push(format!("You both know {a}")),
        [a, b] => out.push(format!("You both know {a} and {b}")),
        [a, b, rest @ ..] => out.push(format!("You both know {a}, {b} and {} more", rest.len())),
    }

    // Asking comes last, and only when I am not already in their debt.
    if input.got <= input.gave {
        let ask = clean(&input.my_needs)
            .flat_map(|need| clean(&input.their_offers).filter_map(move |o| fit(need, o)))
            .max_by(|a, b| a.strength.total_cmp(&b.strength).then_with(|| b.need.cmp(&a.need)));
        if let Some(f) = ask {
            out.push(format!("{who} offers {}, which could help with your need: {}", f.offer, f.need));
        }
    }
    if out.is_empty() {
        out.push("Listen for what they need: that is where giving starts".to_string());
    }
    dedup_take(out)
}

/// Questions to ask, most useful first.
pub fn questions(input: &BriefInput, now: Timestamp) -> Vec<String> {
    let mut out = Vec::new();
    for need in clean(&input.their_needs).take(2) {
        out.push(format!("How is it going with {need}? What would help most?"));
    }
    for hook in clean(&input.hooks_theirs).take(2) {
        out.push(format!("Any news on {hook}?"));
    }
    if let Some(topic) = clean(&input.last_topics).next() {
        // A topic is whatever the last summary said, a noun ("her fundraising plan") or a
        // sentence ("Talked through the roadmap"): quote it rather than build a sentence on it.
        out.push(format!("Last time: \u{201c}{topic}\u{201d}. How did it go?"));
    }
    if long_gap(input, now) {
        out.push("What has changed since we last spoke?".to_string());
    }
    if clean(&input.their_needs).next().is_none() {
        out.push("What are you working on now, and what would make it easier?".to_string());
    }
    out.push("Who would you like to meet? I may know someone.".to_string());
    dedup_take(out)
}

fn dedup_take(lines: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    lines.into_iter().filter(|l| seen.insert(l.to_lowercase())).take(MAX_LINES).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::intel::test_util::{ago, now};

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_full_brief() {
        let input = BriefInput {
            name: "Ann".into(),
            their_needs: strings(&["seed investors", "a cofounder"]),
            their_offers: strings(&["design reviews"]),
            my_offers: strings(&["investor intros", "public speaking"]),
            my_needs: strings(&["design review"]),
            last_topics: strings(&["her fundraising plan", "older topic"]),
            last_contact: Some(ago(60.0)),
            cadence_days: Some(30),
            hooks_mine: strings(&["send the pitch deck template"]),
            hooks_theirs: strings(&["intro to Bob"]),
            gave: 1,
            got: 3,
            mutual: strings(&["Bob", "Cat", "Dan", "Eve"]),
            met_how: Some("at RustConf".into()),
        };
        assert_eq!(
            talking_points(&input, now()),
            [
                "Deliver what you promised: send the pitch deck template",
                "Offer your investor intros for their need: seed investors",
                "Ann needs a cofounder: think who you could introduce",
                "You have received more than you gave (3 vs 1): give something first",
                "Pick up from last time: her fundraising plan",
                "It has been 2 months since you last spoke: catch up first",
            ]
        );
        assert_eq!(
            questions(&input, now()),
            [
                "How is it going with seed investors? What would help most?",
                "How is it going with a cofounder? What would help most?",
                "Any news on intro to Bob?",
                "Last time: \u{201c}her fundraising plan\u{201d}. How did it go?",
                "What has changed since we last spoke?",
                "Who would you like to meet? I may know someone.",
            ]
        );
    }

    #[test]
    fn first_meeting_and_asking() {
        let input = BriefInput {
            name: "Bob".into(),
            their_offers: strings(&["design reviews"]),
            my_needs: strings(&["design review"]),
            mutual: strings(&["Ann", " "]),
            met_how: Some("through Ann".into()),
            ..BriefInput::default()
        };
        assert_eq!(
            talking_points(&input, now()),
            [
                "Give first: find one thing you can offer",
                "First real conversation: you met through Ann",
                "You both know Ann",
                "Bob offers design reviews, which could help with your need: design review",
            ]
        );
        assert_eq!(
            questions(&input, now()),
            [
                "What are you working on now, and what would make it easier?",
                "Who would you like to meet? I may know someone."
            ]
        );
    }

    #[test]
    fn empty_input_still_says_something() {
        let input = BriefInput::default();
        let t = talking_points(&input, now());
        assert_eq!(
            t,
            ["Give first: find one thing you can offer", "First real conversation: say how you came across them"]
        );
        assert_eq!(questions(&input, now()).len(), 2);
        // A recent contact within the cadence: no "it has been" line.
        let recent = BriefInput { last_contact: Some(ago(3.0)), cadence_days: Some(30), ..BriefInput::default() };
        assert!(!talking_points(&recent, now()).iter().any(|l| l.starts_with("It has been")));
        let giver = BriefInput { gave: 2, ..recent };
        assert_eq!(talking_points(&giver, now()), ["Listen for what they need: that is where giving starts"]);
    }

    proptest! {
        #[test]
        fn lines_are_short_bounded_and_unique(
            needs in proptest::collection::vec("[a-z ]{0,20}", 0..6),
            offers in proptest::collection::vec("[a-z ]{0,20}", 0..6),
            topics in proptest::collection::vec("[a-z ]{0,30}", 0..4),
            gave in 0u32..5, got in 0u32..5, last in proptest::option::of(-10.0f64..1000.0),
        ) {
            let input = BriefInput {
                name: "Ann".into(),
                their_needs: needs.clone(),
                their_offers: offers.clone(),
                my_offers: offers,
                my_needs: needs,
                last_topics: topics,
                last_contact: last.map(ago),
                gave,
                got,
                ..BriefInput::default()
            };
            for list in [talking_points(&input, now()), questions(&input, now())] {
                prop_assert!(!list.is_empty() && list.len() <= MAX_LINES);
                let distinct: std::collections::HashSet<_> = list.iter().collect();
                prop_assert_eq!(distinct.len(), list.len());
                for line in &list {
                    prop_assert!(line.len() < 200 && !line.trim().is_empty());
                }
            }
        }
    }
}
