//! The reciprocity ledger: what I gave and what I got, overall, by kind and per person.
//!
//! Amounts are sums of exchange weights (1–3). Balance = gave − got: negative means I owe.
//! Two lists turn the ledger into advice, following "give before you take":
//! - **taking without giving**: in the last 12 months I got 2 or more from someone and gave them
//!   nothing, or over all time my balance with them is −3 or lower;
//! - **gave recently**: I gave them something in the last 30 days (relationships in motion,
//!   where a follow-up is natural).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::{add_days, days_between, human_days};
use crate::Id;
use crate::model::{Direction, ExchangeKind};

/// Window of "taking without giving".
pub const TAKING_WINDOW_DAYS: f64 = 365.0;
/// Within the window, getting this much with nothing given back is taking.
pub const TAKING_MIN_GOT: u32 = 2;
/// A balance this low, over all time, is taking whatever the window says.
pub const TAKING_BALANCE: i64 = -3;
/// Window of "gave recently".
pub const GAVE_RECENTLY_DAYS: f64 = 30.0;

/// One exchange, as the store reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeFact {
    pub person: Id,
    pub name: String,
    pub at: Timestamp,
    pub direction: Direction,
    pub kind: ExchangeKind,
    /// 1–3; 0 is read as 1 (an exchange logged without a weight still happened).
    pub weight: u8,
    /// What was exchanged ("intro to Bob"); may be empty.
    pub what: String,
}

impl ExchangeFact {
    fn weight(&self) -> u32 {
        u32::from(self.weight.max(1))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Balance {
    pub gave: u32,
    pub got: u32,
    /// gave − got.
    pub balance: i64,
}

impl Balance {
    fn add(&mut self, direction: Direction, weight: u32) {
        match direction {
            Direction::Gave => self.gave = self.gave.saturating_add(weight),
            Direction::Got => self.got = self.got.saturating_add(weight),
        }
        self.balance = i64::from(self.gave) - i64::from(self.got);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KindBalance {
    pub kind: ExchangeKind,
    pub gave: u32,
    pub got: u32,
    pub balance: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonBalance {
    pub id: Id,
    pub name: String,
    pub gave: u32,
    pub got: u32,
    /// gave − got; negative = I owe them.
    pub balance: i64,
    pub last_gave: Option<Timestamp>,
    pub last_got: Option<Timestamp>,
    /// One line of advice: "you owe them 3: offer an intro or advice", …
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ledger {
    pub overall: Balance,
    /// Only kinds that occur, in the kinds' declaration order.
    pub by_kind: Vec<KindBalance>,
    /// Everyone with an exchange, most negative balance (most owed) first, then by name, then id.
    pub people: Vec<PersonBalance>,
    /// People I keep taking from without giving back (module docs), same order as `people`.
    pub taking_without_giving: Vec<PersonBalance>,
    /// People I gave to in the last 30 days, most recent first.
    pub gave_recently: Vec<PersonBalance>,
}

/// One line of a person's ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExchangeLine {
    pub at: Timestamp,
    pub direction: Direction,
    pub kind: ExchangeKind,
    pub weight: u8,
    pub what: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonLedger {
    pub person: PersonBalance,
    pub by_kind: Vec<KindBalance>,
    /// Newest first.
    pub exchanges: Vec<ExchangeLine>,
}

/// Per-person running totals while reading the facts.
#[derive(Default)]
struct Acc {
    name: String,
    named_at: Option<Timestamp>,
    total: Balance,
    /// Within [`TAKING_WINDOW_DAYS`].
    window: Balance,
    last_gave: Option<Timestamp>,
    last_got: Option<Timestamp>,
}

/// The whole ledger at `now`. Facts may come in any order; the result does not depend on it.
pub fn ledger(facts: &[ExchangeFact], now: Timestamp) -> Ledger {
    let window_start = add_days(now, -TAKING_WINDOW_DAYS);
    let mut overall = Balance::default();
    let mut kinds: BTreeMap<ExchangeKind, Balance> = BTreeMap::new();
    let mut people: BTreeMap<Id, Acc> = BTreeMap::new();
    for fact in facts {
        let w = fact.weight();
        overall.add(fact.direction, w);
        kinds.entry(fact.kind).or_default().add(fact.direction, w);
        let acc = people.entry(fact.person).or_default();
        // The name on the latest fact, by (at, name), so input order cannot change it.
        if acc.named_at.is_none_or(|at| (fact.at, &fact.name) > (at, &acc.name)) {
            acc.named_at = Some(fact.at);
            acc.name = fact.name.clone();
        }
        acc.total.add(fact.direction, w);
        if fact.at >= window_start {
            acc.window.add(fact.direction, w);
        }
        let last = match fact.direction {
            Direction::Gave => &mut acc.last_gave,
            Direction::Got => &mut acc.last_got,
        };
        *last = (*last).max(Some(fact.at));
    }

    let taking: Vec<bool> = people.values().map(is_taking).collect();
    let mut all: Vec<(PersonBalance, bool)> =
        people.into_iter().zip(taking).map(|((id, acc), taking)| (person_balance(id, &acc, now), taking)).collect();
    all.sort_by(|(a, _), (b, _)| a.balance.cmp(&b.balance).then_with(|| a.name.cmp(&b.name)).then(a.id.cmp(&b.id)));

    let gave_since = add_days(now, -GAVE_RECENTLY_DAYS);
    let mut gave_recently: Vec<PersonBalance> =
        all.iter().filter(|(p, _)| p.last_gave.is_some_and(|t| t >= gave_since)).map(|(p, _)| p.clone()).collect();
    gave_recently.sort_by(|a, b| b.last_gave.cmp(&a.last_gave).then(a.id.cmp(&b.id)));
    let taking_without_giving = all.iter().filter(|(_, taking)| *taking).map(|(p, _)| p.clone()).collect();

    Ledger {
        overall,
        by_kind: by_kind(kinds),
        people: all.into_iter().map(|(p, _)| p).collect(),
        taking_without_giving,
        gave_recently,
    }
}

/// One person's ledger: their balance and every exchange with them, newest first. Facts about
/// other people are ignored, so the caller may pass a wider list.
pub fn person_ledger(person: Id, name: &str, facts: &[ExchangeFact], now: Timestamp) -> PersonLedger {
    let mine: Vec<ExchangeFact> = facts.iter().filter(|f| f.person == person).cloned().collect();
    let whole = ledger(&mine, now);
    let balance = whole.people.into_iter().next().map(|mut p| {
        p.name = name.to_string();
        p
    });
    let balance = balance.unwrap_or_else(|| {
        let acc = Acc { name: name.to_string(), ..Acc::default() };
        person_balance(person, &acc, now)
    });
    let mut exchanges: Vec<ExchangeLine> = mine
        .into_iter()
        .map(|f| ExchangeLine { at: f.at, direction: f.direction, kind: f.kind, weight: f.weight, what: f.what })
        .collect();
    exchanges.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then(a.direction.cmp(&b.direction))
            .then(a.kind.cmp(&b.kind))
            .then(a.what.cmp(&b.what))
            .then(a.weight.cmp(&b.weight))
    });
    PersonLedger { person: balance, by_kind: whole.by_kind, exchanges }
}

fn is_taking(acc: &Acc) -> bool {
    (acc.window.got >= TAKING_MIN_GOT && acc.window.gave == 0) || acc.total.balance <= TAKING_BALANCE
}

fn by_kind(kinds: BTreeMap<ExchangeKind, Balance>) -> Vec<KindBalance> {
    kinds.into_iter().map(|(kind, b)| KindBalance { kind, gave: b.gave, got: b.got, balance: b.balance }).collect()
}

fn person_balance(id: Id, acc: &Acc, now: Timestamp) -> PersonBalance {
    let b = acc.total;
    let since = |t: Option<Timestamp>| t.map(|t| human_days(days_between(t, now).max(0.0)));
    let note = if b.gave == 0 && b.got == 0 {
        "no exchanges yet: think what you could offer".to_string()
    } else if is_taking(acc) {
        if acc.window.gave == 0 && acc.window.got >= TAKING_MIN_GOT {
            format!(
                "in the last year you got {} and gave nothing back: offer an intro, advice or a useful link",
                acc.window.got
            )
        } else {
            format!("you owe them {}: offer an intro, advice or a useful link", -b.balance)
        }
    } else if b.balance < 0 {
        format!("you took a little more ({}): give something back when you can", -b.balance)
    } else if b.balance == 0 {
        "balanced".to_string()
    } else {
        match since(acc.last_gave) {
            Some(ago) if acc.last_gave.is_some_and(|t| days_between(t, now) < GAVE_RECENTLY_DAYS) => {
                format!("you gave more (+{}), last {} ago: a good moment to follow up", b.balance, ago)
            }
            _ => format!("you gave more (+{})", b.balance),
        }
    };
    PersonBalance {
        id,
        name: acc.name.clone(),
        gave: b.gave,
        got: b.got,
        balance: b.balance,
        last_gave: acc.last_gave,
        last_got: acc.last_got,
        note,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::intel::test_util::{ago, id, now};

    fn fact(person: u128, days_ago: f64, direction: Direction, kind: ExchangeKind, weight: u8) -> ExchangeFact {
        ExchangeFact {
            person: id(person),
            name: format!("P{person}"),
            at: ago(days_ago),
            direction,
            kind,
            weight,
            what: String::new(),
        }
    }

    use Direction::{Gave, Got};
    use ExchangeKind::{Advice, Intro, JobLead};

    fn sample() -> Vec<ExchangeFact> {
        vec![
            fact(1, 10.0, Got, Intro, 2),   // P1: took 2 this year, gave nothing
            fact(2, 400.0, Got, Advice, 3), // P2: took 3+1 long ago, gave 0: balance −4
            fact(2, 500.0, Got, Advice, 1),
            fact(3, 5.0, Gave, Advice, 1),   // P3: gave recently
            fact(3, 100.0, Got, JobLead, 1), // …and got once: balanced
            fact(4, 200.0, Gave, Intro, 3),  // P4: gave long ago
            fact(5, 20.0, Got, Advice, 1),   // P5: took 1: not (yet) taking
        ]
    }

    #[test]
    fn overall_kinds_and_people() {
        let l = ledger(&sample(), now());
        assert_eq!(l.overall, Balance { gave: 4, got: 8, balance: -4 });
        let kinds: Vec<_> = l.by_kind.iter().map(|k| (k.kind, k.gave, k.got)).collect();
        assert_eq!(kinds, vec![(Intro, 3, 2), (Advice, 1, 5), (JobLead, 0, 1)]);
        let order: Vec<_> = l.people.iter().map(|p| (p.name.as_str(), p.balance)).collect();
        assert_eq!(order, vec![("P2", -4), ("P1", -2), ("P5", -1), ("P3", 0), ("P4", 3)]);
        let p3 = &l.people[3];
        assert_eq!((p3.last_gave, p3.last_got), (Some(ago(5.0)), Some(ago(100.0))));
    }

    #[test]
    fn taking_and_giving_lists() {
        let l = ledger(&sample(), now());
        let taking: Vec<_> = l.taking_without_giving.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(taking, ["P2", "P1"]);
        assert!(
            l.taking_without_giving[1].note.contains("in the last year you got 2 and gave nothing back"),
            "{}",
            l.taking_without_giving[1].note
        );
        let gave: Vec<_> = l.gave_recently.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(gave, ["P3"]);
        assert_eq!(l.people[4].note, "you gave more (+3)");
    }

    #[test]
    fn giving_back_clears_taking() {
        let mut facts = sample();
        facts.push(fact(1, 1.0, Gave, Advice, 1));
        let l = ledger(&facts, now());
        assert!(!l.taking_without_giving.iter().any(|p| p.id == id(1)));
        assert!(l.gave_recently.iter().any(|p| p.id == id(1)));
    }

    #[test]
    fn person_ledger_lists_exchanges_newest_first() {
        let p = person_ledger(id(3), "Carol", &sample(), now());
        assert_eq!(p.person.name, "Carol");
        assert_eq!((p.person.gave, p.person.got, p.person.balance), (1, 1, 0));
        let when: Vec<_> = p.exchanges.iter().map(|e| e.at).collect();
        assert_eq!(when, vec![ago(5.0), ago(100.0)]);
        assert_eq!(p.by_kind.len(), 2);

        let nobody = person_ledger(id(99), "Zed", &sample(), now());
        assert_eq!(nobody.person.balance, 0);
        assert!(nobody.exchanges.is_empty());
        assert!(nobody.person.note.starts_with("no exchanges yet"));
    }

    #[test]
    fn odd_input() {
        assert_eq!(ledger(&[], now()).people.len(), 0);
        // weight 0 counts as 1; future exchanges count as recent
        let l = ledger(&[fact(1, -3.0, Gave, Intro, 0), fact(1, -3.0, Gave, Intro, 0)], now());
        assert_eq!(l.overall.gave, 2);
        assert_eq!(l.gave_recently.len(), 1);
        assert_eq!(ledger(&[fact(1, 1.0, Got, Intro, u8::MAX)], now()).overall.got, 255);
    }

    proptest! {
        /// The order of the facts never changes the ledger, and the totals add up.
        #[test]
        fn order_does_not_matter(raw in proptest::collection::vec((0u128..6, -10.0f64..800.0, any::<bool>(), 0usize..3, 0u8..4), 0..40), seed in any::<u64>()) {
            let kinds = [Intro, Advice, JobLead];
            let facts: Vec<ExchangeFact> = raw.iter()
                .map(|&(p, d, g, k, w)| fact(p, d, if g { Gave } else { Got }, kinds[k], w))
                .collect();
            let mut shuffled = facts.clone();
            // a deterministic shuffle from the seed
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            let a = ledger(&facts, now());
            prop_assert_eq!(&a, &ledger(&shuffled, now()));
            let gave: u32 = a.people.iter().map(|p| p.gave).sum();
            let got: u32 = a.people.iter().map(|p| p.got).sum();
            prop_assert_eq!((gave, got), (a.overall.gave, a.overall.got));
            for w in a.people.windows(2) {
                prop_assert!(w[0].balance <= w[1].balance);
            }
        }
    }
}
