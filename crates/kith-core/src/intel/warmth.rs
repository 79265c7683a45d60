//! The warmth of a relationship, 0–100, from four explained parts.
//!
//! - **recency**: full points right after a contact, halving every cadence (a tier A contact
//!   cools in two weeks, a tier D one in a year). Never contacted: none.
//! - **frequency**: interactions over the last year, the last 90 days counted twice (what is
//!   happening now says more than what happened last spring), saturating logarithmically:
//!   [`FREQUENCY_SATURATION`] interactions a year earn full points, and the first few count most.
//! - **reciprocity**: best when giving and getting balance; one-sided giving keeps most of the
//!   points (giving first is the method), one-sided taking keeps few. With few exchanges the
//!   value is pulled toward neutral, since one favour says little.
//! - **tie**: the explicit strength of my tie with them, 1–5, as a fraction of 5. No tie: none.
//!
//! Each part's points are rounded to 0.1 and the score is their sum, rounded, so the parts
//! shown always add up to the score.

use jiff::Timestamp;
use serde::Serialize;

use super::{Component, Settings, days_between, human_days, round_to};

/// Interactions a year (after counting the last 90 days twice) that earn full frequency points.
pub const FREQUENCY_SATURATION: f64 = 24.0;

/// Exchanges (by weight) at which the reciprocity value is half-way from neutral to its full
/// value: with `n` exchanges the confidence is `n / (n + RECIPROCITY_PRIOR)`.
const RECIPROCITY_PRIOR: f64 = 2.0;

/// What the warmth of one relationship is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct WarmthInput {
    pub last_contact: Option<Timestamp>,
    /// The person's cadence ([`Settings::cadence_days`]); the recency half-life.
    pub cadence_days: u32,
    pub interactions_365d: u32,
    pub interactions_90d: u32,
    /// Sum of the weights of what I gave them.
    pub gave: u32,
    /// Sum of the weights of what I got from them.
    pub got: u32,
    /// Strength of my tie with them, 1–5, if one is recorded.
    pub tie_strength: Option<u8>,
}

/// A warmth score with its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warmth {
    /// 0..=100; the sum of the components' points, rounded.
    pub score: u8,
    /// "hot" (75+), "warm" (50+), "cool" (25+) or "cold".
    pub label: &'static str,
    /// recency, frequency, reciprocity, tie — in that order.
    pub components: Vec<Component>,
}

/// The warmth of one relationship at `now`.
pub fn warmth(input: &WarmthInput, settings: &Settings, now: Timestamp) -> Warmth {
    let max = maxima(settings);
    let (recency, recency_note) = recency(input, now);
    let (frequency, frequency_note) = frequency(input);
    let (reciprocity, reciprocity_note) = reciprocity(input.gave, input.got);
    let (tie, tie_note) = tie(input.tie_strength);

    let parts = [
        ("recency", recency, recency_note),
        ("frequency", frequency, frequency_note),
        ("reciprocity", reciprocity, reciprocity_note),
        ("tie", tie, tie_note),
    ];
    let components: Vec<Component> = parts
        .into_iter()
        .zip(max)
        .map(|((name, value, note), max)| Component {
            name,
            points: round_to(value.clamp(0.0, 1.0) * max, 1),
            max: round_to(max, 1),
            note,
        })
        .collect();
    let sum: f64 = components.iter().map(|c| c.points).sum();
    let score = sum.round().clamp(0.0, 100.0) as u8;
    Warmth { score, label: label(score), components }
}

/// `warmth(input, settings, now).score` without the explanations: `kith rank` scores 100,000
/// people and shows the parts of none of them, and the notes' formatting was most of the cost.
pub fn warmth_score(input: &WarmthInput, settings: &Settings, now: Timestamp) -> u8 {
    let values = [
        recency_value(input, now),
        frequency_value(input),
        reciprocity_value(input.gave, input.got),
        tie_value(input.tie_strength),
    ];
    let sum: f64 =
        values.into_iter().zip(maxima(settings)).map(|(value, max)| round_to(value.clamp(0.0, 1.0) * max, 1)).sum();
    sum.round().clamp(0.0, 100.0) as u8
}

/// The parts' maximum points: the weights scaled to sum to 100; all-zero weights fall back to
/// the defaults.
fn maxima(settings: &Settings) -> [f64; 4] {
    let w = &settings.warmth;
    let raw = [w.recency, w.frequency, w.reciprocity, w.tie].map(|x| if x.is_finite() && x > 0.0 { x } else { 0.0 });
    let total: f64 = raw.iter().sum();
    if total > 0.0 {
        raw.map(|x| x * 100.0 / total)
    } else {
        let d = super::settings::WarmthWeights::default();
        [d.recency, d.frequency, d.reciprocity, d.tie]
    }
}

fn recency_value(input: &WarmthInput, now: Timestamp) -> f64 {
    let Some(last) = input.last_contact else { return 0.0 };
    let half_life = f64::from(input.cadence_days.max(1));
    // A contact dated in the future (an arranged meeting) is as fresh as it gets.
    let days = days_between(last, now).max(0.0);
    0.5f64.powf(days / half_life)
}

fn frequency_value(input: &WarmthInput) -> f64 {
    // The 90 days are part of the 365; odd input where they are not is read generously.
    let year = input.interactions_365d.max(input.interactions_90d);
    let effective = f64::from(year) + f64::from(input.interactions_90d);
    ((1.0 + effective).ln() / (1.0 + FREQUENCY_SATURATION).ln()).min(1.0)
}

fn reciprocity_value(gave: u32, got: u32) -> f64 {
    let total = f64::from(gave) + f64::from(got);
    if total == 0.0 {
        return 0.5;
    }
    let share = f64::from(gave) / total;
    let value = if share <= 0.5 { 0.1 + 0.9 * share / 0.5 } else { 1.0 - 0.3 * (share - 0.5) / 0.5 };
    let confidence = total / (total + RECIPROCITY_PRIOR);
    0.5 + (value - 0.5) * confidence
}

fn tie_value(strength: Option<u8>) -> f64 {
    match strength {
        None | Some(0) => 0.0,
        Some(s) => f64::from(s.min(5)) / 5.0,
    }
}

/// The word for a warmth score.
pub fn label(score: u8) -> &'static str {
    match score {
        75.. => "hot",
        50..=74 => "warm",
        25..=49 => "cool",
        _ => "cold",
    }
}

/// Fraction of the recency points, and why.
fn recency(input: &WarmthInput, now: Timestamp) -> (f64, String) {
    let Some(last) = input.last_contact else {
        return (0.0, "never contacted".to_string());
    };
    let value = recency_value(input, now);
    let days = days_between(last, now).max(0.0);
    let when = if days < 1.0 { "today".to_string() } else { format!("{} ago", human_days(days)) };
    (value, format!("last contact {when}; halves every {} days", input.cadence_days.max(1)))
}

fn frequency(input: &WarmthInput) -> (f64, String) {
    // The 90 days are part of the 365; odd input where they are not is read generously.
    let year = input.interactions_365d.max(input.interactions_90d);
    let quarter = input.interactions_90d;
    let value = frequency_value(input);
    let note = match (year, quarter) {
        (0, _) => "no interactions in the last year".to_string(),
        (y, q) => format!("{y} interaction{} in the last year, {q} in the last 90 days", if y == 1 { "" } else { "s" }),
    };
    (value, note)
}

/// Fraction of the reciprocity points. The value by my share of the giving, `share` = gave /
/// (gave + got): 0.1 when I only take, 1.0 when balanced, 0.7 when I only give, linear in
/// between; then pulled toward the neutral 0.5 when there are few exchanges.
fn reciprocity(gave: u32, got: u32) -> (f64, String) {
    if gave == 0 && got == 0 {
        return (0.5, "no exchanges yet".to_string());
    }
    let value = reciprocity_value(gave, got);
    let how = if gave == got {
        "balanced"
    } else if got == 0 {
        "you only gave (giving first is good)"
    } else if gave == 0 {
        "you only took: give something back"
    } else if gave > got {
        "you gave more (giving first is good)"
    } else {
        "you took more: give something back"
    };
    (value, format!("gave {gave}, got {got}: {how}"))
}

fn tie(strength: Option<u8>) -> (f64, String) {
    match strength {
        None | Some(0) => (0.0, "no tie strength recorded".to_string()),
        Some(s) => (tie_value(Some(s)), format!("tie strength {} of 5", s.min(5))),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::intel::test_util::{ago, now};

    fn input() -> WarmthInput {
        WarmthInput {
            last_contact: Some(ago(14.0)),
            cadence_days: 14,
            interactions_365d: 10,
            interactions_90d: 2,
            gave: 2,
            got: 2,
            tie_strength: Some(4),
        }
    }

    fn points(w: &Warmth, name: &str) -> f64 {
        w.components.iter().find(|c| c.name == name).unwrap().points
    }

    #[test]
    fn components_explain_the_score() {
        let w = warmth(&input(), &Settings::default(), now());
        let names: Vec<_> = w.components.iter().map(|c| c.name).collect();
        assert_eq!(names, ["recency", "frequency", "reciprocity", "tie"]);
        assert_eq!(points(&w, "recency"), 20.0); // one half-life
        assert_eq!(points(&w, "tie"), 16.0);
        // balanced 2:2 → 0.5 + 0.5 · 4/6
        assert_eq!(points(&w, "reciprocity"), 12.5);
        let sum: f64 = w.components.iter().map(|c| c.points).sum();
        assert_eq!(w.score, sum.round() as u8);
        assert_eq!(w.components[0].note, "last contact 14 days ago; halves every 14 days");
        assert_eq!(w.components[2].note, "gave 2, got 2: balanced");
        assert_eq!(w.label, "warm");
    }

    #[test]
    fn empty_relationship_is_cold() {
        let i = WarmthInput {
            last_contact: None,
            cadence_days: 0,
            interactions_365d: 0,
            interactions_90d: 0,
            gave: 0,
            got: 0,
            tie_strength: None,
        };
        let w = warmth(&i, &Settings::default(), now());
        // only the neutral reciprocity half remains
        assert_eq!(w.score, 8);
        assert_eq!(w.label, "cold");
        assert_eq!(w.components[0].note, "never contacted");
        assert_eq!(w.components[1].note, "no interactions in the last year");
    }

    #[test]
    fn reciprocity_prefers_giving_to_taking() {
        // (gave, got) in increasing order of value
        let order = [(0, 6), (1, 5), (0, 0), (6, 0), (5, 1), (3, 3)];
        let values: Vec<f64> = order.iter().map(|&(g, t)| reciprocity(g, t).0).collect();
        for w in values.windows(2) {
            assert!(w[0] < w[1], "{values:?}");
        }
        assert!(reciprocity(0, 6).1.contains("you only took"));
        assert!(reciprocity(6, 0).1.contains("giving first"));
    }

    #[test]
    fn frequency_saturates() {
        let f = |y, q| frequency(&WarmthInput { interactions_365d: y, interactions_90d: q, ..input() }).0;
        assert_eq!(f(0, 0), 0.0);
        assert!(f(1, 0) > 0.2); // the first interaction counts most
        assert_eq!(f(24, 0), 1.0);
        assert_eq!(f(1000, 1000), 1.0);
        assert!(f(10, 5) > f(10, 0));
        assert_eq!(f(0, 5), f(5, 5)); // odd input: the quarter is part of the year
    }

    #[test]
    fn weights_are_scaled_to_100() {
        let mut s = Settings::default();
        s.warmth.recency = 1.0;
        s.warmth.frequency = 1.0;
        s.warmth.reciprocity = 1.0;
        s.warmth.tie = 1.0;
        let w = warmth(&input(), &s, now());
        assert!(w.components.iter().all(|c| c.max == 25.0));
        s.warmth.recency = f64::NAN;
        s.warmth.frequency = -1.0;
        s.warmth.reciprocity = 0.0;
        s.warmth.tie = 0.0;
        let w = warmth(&input(), &s, now()); // all unusable: defaults
        assert_eq!(w.components[0].max, 40.0);
    }

    #[test]
    fn future_contact_counts_as_now() {
        let mut i = input();
        i.last_contact = Some(ago(-5.0));
        let w = warmth(&i, &Settings::default(), now());
        assert_eq!(points(&w, "recency"), 40.0);
        assert_eq!(w.components[0].note, "last contact today; halves every 14 days");
    }

    fn arb_input() -> impl Strategy<Value = WarmthInput> {
        (
            proptest::option::of(-100.0f64..5000.0),
            0u32..1000,
            0u32..500,
            0u32..500,
            0u32..50,
            0u32..50,
            proptest::option::of(0u8..8),
        )
            .prop_map(|(last, cadence, y, q, gave, got, tie)| WarmthInput {
                last_contact: last.map(ago),
                cadence_days: cadence,
                interactions_365d: y,
                interactions_90d: q,
                gave,
                got,
                tie_strength: tie,
            })
    }

    proptest! {
        #[test]
        fn the_score_alone_equals_the_explained_score(i in arb_input(), weights in prop::array::uniform4(0.0f64..50.0)) {
            let mut s = Settings::default();
            prop_assert_eq!(warmth_score(&i, &s, now()), warmth(&i, &s, now()).score);
            [s.warmth.recency, s.warmth.frequency, s.warmth.reciprocity, s.warmth.tie] = weights;
            prop_assert_eq!(warmth_score(&i, &s, now()), warmth(&i, &s, now()).score);
        }

        #[test]
        fn score_is_bounded_and_the_sum_of_its_parts(i in arb_input()) {
            let w = warmth(&i, &Settings::default(), now());
            prop_assert!(w.score <= 100);
            let sum: f64 = w.components.iter().map(|c| c.points).sum();
            prop_assert_eq!(f64::from(w.score), sum.round());
            for c in &w.components {
                prop_assert!(c.points >= 0.0 && c.points <= c.max);
            }
        }

        #[test]
        fn more_recent_contact_never_lowers_the_score(i in arb_input(), d1 in -10.0f64..3000.0, d2 in -10.0f64..3000.0) {
            let (recent, older) = if d1 <= d2 { (d1, d2) } else { (d2, d1) };
            let s = Settings::default();
            let a = warmth(&WarmthInput { last_contact: Some(ago(recent)), ..i.clone() }, &s, now());
            let b = warmth(&WarmthInput { last_contact: Some(ago(older)), ..i.clone() }, &s, now());
            let never = warmth(&WarmthInput { last_contact: None, ..i }, &s, now());
            prop_assert!(a.score >= b.score);
            prop_assert!(b.score >= never.score);
        }

        #[test]
        fn monotone_in_tie_strength(i in arb_input()) {
            let s = Settings::default();
            let scores: Vec<u8> = [None, Some(1), Some(2), Some(3), Some(4), Some(5)]
                .into_iter()
                .map(|t| warmth(&WarmthInput { tie_strength: t, ..i.clone() }, &s, now()).score)
                .collect();
            for w in scores.windows(2) {
                prop_assert!(w[0] <= w[1], "{:?}", scores);
            }
        }
    }
}
