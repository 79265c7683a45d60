//! Relationship-intelligence reports: store reads → kith-core algorithms → serializable
//! answers. One definition each, called by the CLI (`kith reconnect|ledger|path|rank|brief|plan`,
//! which prints them as tables, Markdown or `--json`) and by the server's API (JSON). "Now", the
//! time zone and the settings are passed in.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use kith_core::Id;
use kith_core::intel::brief::{BriefInput, brief_text};
use kith_core::intel::cadence::{self, Cadence, Contact};
use kith_core::intel::ledger::{KindBalance, PersonBalance, PersonLedger, ledger, person_ledger};
use kith_core::intel::matching::{MyProfile, Offer, Profile, offers_for};
use kith_core::intel::plan::{Anniversary, Busy, DayPlan, PlanTask, plan_day, plan_week};
use kith_core::intel::rank::{self, RankInput, Ranked};
use kith_core::intel::warmth::{Warmth, warmth_score};
use kith_core::intel::{PersonRef, Settings};
use kith_core::model::{Birthday, NetType, Tier};
use kith_core::paths::{By, Path};
use serde::Serialize;

use crate::edit::EditError;
use crate::{Error, Result, Store, TaskFilter, TieGraph, warmth_input};

const DAY_MS: i64 = 86_400_000;

fn tier_of(s: &Option<String>) -> Option<Tier> {
    s.as_deref().and_then(|t| t.parse().ok())
}

fn type_of(s: &Option<String>) -> Option<NetType> {
    s.as_deref().and_then(|t| t.parse().ok())
}

fn cadence_override(d: Option<i64>) -> Option<u32> {
    d.map(|d| d.clamp(0, i64::from(u32::MAX)) as u32)
}

/// Days from `t` to `now` (negative when `t` is later).
fn days_since(now: Timestamp, t: Timestamp) -> f64 {
    (now.as_millisecond() - t.as_millisecond()) as f64 / DAY_MS as f64
}

/// "12 days ago", "today", "in 3 days".
pub fn ago(now: Timestamp, t: Timestamp) -> String {
    let days = days_since(now, t);
    if days.abs() < 1.0 {
        "today".to_string()
    } else if days > 0.0 {
        let d = days.floor() as i64;
        if d == 1 { "1 day ago".into() } else { format!("{d} days ago") }
    } else {
        let d = (-days).ceil() as i64;
        if d == 1 { "in 1 day".into() } else { format!("in {d} days") }
    }
}

/// Strength of my tie with each person.
fn my_tie_strengths(store: &mut Store, me: Option<Id>) -> Result<HashMap<Id, u8>> {
    let Some(me) = me else { return Ok(HashMap::new()) };
    Ok(store
        .ties(Some(me))?
        .into_iter()
        .filter(|t| t.from_id == me)
        .map(|t| (t.to_id, t.strength.unwrap_or(3).clamp(1, 5) as u8))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// reconnect

/// A person's tier, type and own cadence, as stored: what their cadence follows from.
type CadenceKey<'a> = (Option<&'a str>, Option<&'a str>, Option<i64>);

/// A map keyed by short texts, with the store's fast hasher (no need to resist chosen keys here).
type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<crate::intel::IdHasher>>;

/// People's cadences in days, worked out once per (tier, type, own cadence) rather than a parse
/// per person: a network of 100,000 has a few dozen such keys.
struct Cadences<'a> {
    cfg: &'a Settings,
    kept: FastMap<CadenceKey<'a>, u32>,
}

impl<'a> Cadences<'a> {
    fn new(cfg: &'a Settings) -> Cadences<'a> {
        Cadences { cfg, kept: FastMap::default() }
    }

    fn of(&mut self, s: &'a crate::ContactStats) -> u32 {
        let cfg = self.cfg;
        *self.kept.entry((s.tier.as_deref(), s.net_type.as_deref(), s.cadence_days)).or_insert_with(|| {
            cfg.cadence_days(tier_of(&s.tier), type_of(&s.net_type), cadence_override(s.cadence_days)).0
        })
    }
}

/// A person's place in their reconnect group: the anchor in milliseconds, then their index in
/// the (id-sorted) statistics, packed so that the order of the numbers is that of (anchor, id).
fn anchor_key(anchor: Timestamp, index: usize) -> u128 {
    let ms = (anchor.as_millisecond() as u64) ^ (1 << 63);
    (u128::from(ms) << 64) | index as u128
}

/// The reconnect list at `now`, most urgent first.
///
/// On 100,000 people most are not due, and the order depends only on the cadence and the last
/// contact. So the list is chosen first from those facts alone, among the people who can be
/// due (the same rule as `cadence::reconnect`); only then are the open hooks and needs of the
/// chosen people read, for their suggested next step.
pub fn reconnect(store: &mut Store, cfg: &Settings, now: Timestamp, limit: usize) -> Result<Vec<Cadence>> {
    // Shared with the other stores of a server (and kept while nothing changes): read by
    // reference. Grouped by cadence and tier, people differ only by their anchor (last contact,
    // else first seen), and both sort keys of `cadence::reconnect` (urgency, then days overdue;
    // rounded) only fall as the anchor gets later. So the `limit` most urgent of a group, plus
    // those tied with the last of them, are the only ones of the group that can make the list:
    // a few hundred people get a full status instead of every due one of 100,000.
    let shared = store.last_contacts_shared()?;
    let stats = &shared.all;
    // The shared list is everyone's: leave out the people hidden from the store's scope, and
    // read each last contact through `shared.last` (without the interactions hidden from it).
    let scope = store.scope();
    // Each person's group, (cadence, tier), found with one lookup of their cadence key; the
    // members as packed (anchor, index) numbers, which sort fast.
    let mut group_of: FastMap<CadenceKey, usize> = FastMap::default();
    let mut keys: Vec<(u32, Option<&str>)> = Vec::new();
    let mut groups: Vec<Vec<u128>> = Vec::new();
    for (i, s) in stats.iter().enumerate() {
        if s.is_me || (!scope.is_empty() && scope.person(s.id)) {
            continue;
        }
        let g = *group_of.entry((s.tier.as_deref(), s.net_type.as_deref(), s.cadence_days)).or_insert_with(|| {
            let days = cfg.cadence_days(tier_of(&s.tier), type_of(&s.net_type), cadence_override(s.cadence_days)).0;
            let key = (days, s.tier.as_deref());
            keys.iter().position(|k| *k == key).unwrap_or_else(|| {
                keys.push(key);
                groups.push(Vec::new());
                keys.len() - 1
            })
        });
        let days = keys[g].0;
        let anchor = shared.last(s).unwrap_or(s.created_at.unwrap_or(now));
        // Due soon: elapsed ≥ (1 − DUE_SOON_FRACTION) × cadence. A day of margin, so the
        // exact test stays with `cadence::reconnect`.
        let elapsed = days_since(now, anchor);
        if elapsed + 1.0 >= (1.0 - cadence::DUE_SOON_FRACTION) * f64::from(days) {
            groups[g].push(anchor_key(anchor, i));
        }
    }
    let contact = |s: &crate::ContactStats| {
        let mut c = Contact::new(s.id, s.name.clone(), s.created_at.unwrap_or(now));
        c.tier = tier_of(&s.tier);
        c.net_type = type_of(&s.net_type);
        c.cadence_days = cadence_override(s.cadence_days);
        c.last_contact = shared.last(s);
        c.interactions_365d = s.interactions_365d;
        c
    };
    let mut contacts: Vec<Contact> = Vec::new();
    for mut group in groups {
        group.sort_unstable();
        let mut last_kept: Option<(f64, f64)> = None;
        for (i, key) in group.iter().enumerate() {
            let c = contact(&stats[*key as u64 as usize]);
            let st = cadence::status(&c, cfg, now);
            let key = (st.urgency, st.overdue_days);
            if i >= limit && last_kept != Some(key) {
                break;
            }
            if i + 1 == limit {
                last_kept = Some(key);
            }
            contacts.push(c);
        }
    }
    let chosen: HashSet<Id> = cadence::reconnect(&contacts, cfg, now, limit).into_iter().map(|c| c.id).collect();
    contacts.retain(|c| chosen.contains(&c.id));
    let ids: Vec<Id> = contacts.iter().map(|c| c.id).collect();
    let mut tags = store.person_tags_of(&ids)?;
    let mut hooks: HashMap<Id, String> = HashMap::new();
    for h in store.open_hooks_of(&ids)? {
        hooks.entry(h.person).or_insert(h.title);
    }
    for c in &mut contacts {
        c.open_hook = hooks.remove(&c.id);
        c.needs = tags.remove(&c.id).map(|t| t.needs).unwrap_or_default();
    }
    Ok(cadence::reconnect(&contacts, cfg, now, limit))
}

// ---------------------------------------------------------------------------------------------
// ledger

/// The whole network's reciprocity ledger, each list cut to `limit` people.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerReport {
    pub overall: kith_core::intel::ledger::Balance,
    pub by_kind: Vec<KindBalance>,
    pub people: Vec<PersonBalance>,
    /// How many people have exchanges (before the cut).
    pub people_total: usize,
    pub taking_without_giving: Vec<PersonBalance>,
    pub gave_recently: Vec<PersonBalance>,
    /// Whether any exchange is recorded at all.
    #[serde(skip)]
    pub empty: bool,
}

pub fn ledger_report(store: &mut Store, now: Timestamp, limit: usize) -> Result<LedgerReport> {
    let facts = store.exchange_facts(None)?;
    let mut l = ledger(&facts, now);
    let people_total = l.people.len();
    l.people.truncate(limit);
    l.taking_without_giving.truncate(limit);
    l.gave_recently.truncate(limit);
    Ok(LedgerReport {
        overall: l.overall,
        by_kind: l.by_kind,
        people: l.people,
        people_total,
        taking_without_giving: l.taking_without_giving,
        gave_recently: l.gave_recently,
        empty: facts.is_empty(),
    })
}

/// One person's ledger with me. The caller refuses "me" (a ledger is between me and others).
pub fn ledger_of(store: &mut Store, id: Id, now: Timestamp) -> Result<PersonLedger> {
    let name = store.person(id)?.map(|p| p.name).unwrap_or_default();
    let facts = store.exchange_facts(Some(id))?;
    Ok(person_ledger(id, &name, &facts, now))
}

// ---------------------------------------------------------------------------------------------
// path

/// Where a path goes: a person, or an organization (anyone currently there).
#[derive(Debug, Clone, Serialize)]
pub struct PathTarget {
    /// `person` or `org`.
    pub kind: &'static str,
    pub id: Id,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub from: PersonRef,
    pub to: PersonRef,
    pub kind: Option<String>,
    pub strength: u8,
    pub last_contact: Option<Timestamp>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Chain {
    pub hops: u32,
    /// Product of the hops' success probabilities, 0–1.
    pub warmth: f64,
    pub people: Vec<PersonRef>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Nearest {
    pub person: PersonRef,
    pub hops_from_source: u32,
    pub hops_to_target: u32,
    pub chain: Vec<PersonRef>,
}

/// The answer of `kith path` and `GET /api/v1/path`.
#[derive(Debug, Clone, Serialize)]
pub struct PathReport {
    pub target: PathTarget,
    pub by: &'static str,
    pub max_hops: u32,
    pub paths: Vec<Chain>,
    pub nearest: Option<Nearest>,
    /// Why there is no path, in words.
    pub message: Option<String>,
}

/// A reference that may name a record of two kinds: `(true, id)` for the first kind,
/// `(false, id)` for the second. A unique match of one kind wins over a lookup failure of the
/// other; matches of both kinds are ambiguous; both missing is "no X or Y matches".
pub fn one_of(
    q: &str,
    first: (&'static str, Result<Id>),
    second: (&'static str, Result<Id>),
    both: &'static str,
) -> Result<(bool, Id)> {
    use Error::NotFound;
    match (first.1, second.1) {
        (Ok(_), Ok(_)) => Err(Error::Ambiguous {
            what: both,
            query: q.to_string(),
            candidates: vec![format!("a {}", first.0), format!("an {}", second.0)],
        }),
        (Ok(a), Err(e)) if e.is_lookup() => Ok((true, a)),
        (Err(e), Ok(b)) if e.is_lookup() => Ok((false, b)),
        (Err(NotFound { .. }), Err(NotFound { .. })) => Err(NotFound { what: both, query: q.to_string() }),
        (Err(NotFound { .. }), Err(e)) => Err(e),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// A person or organization named by the user (`org_only`: an organization even if a person
/// matches too).
pub fn path_target(store: &mut Store, q: &str, org_only: bool) -> Result<PathTarget> {
    let org = |store: &mut Store| -> Result<PathTarget> {
        let id = store.resolve_org(q)?;
        // Its name only: the organization's view would read everyone who ever worked there.
        let name = store.label(id)?.unwrap_or_default();
        Ok(PathTarget { kind: "org", id, name })
    };
    if org_only {
        return org(store);
    }
    let person = store.resolve_person(q);
    let organization = store.resolve_org(q);
    match one_of(q, ("person", person), ("organization", organization), "person or organization")? {
        (true, id) => {
            let name = store.person(id)?.map(|p| p.name).unwrap_or_default();
            Ok(PathTarget { kind: "person", id, name })
        }
        (false, _) => org(store),
    }
}

fn hops_text(n: u32) -> String {
    if n == 1 { "1 hop".into() } else { format!("{n} hops") }
}

/// Up to `k` intro chains from `source` to `target` (sharing no middle person), ranked `by`,
/// at most `max_hops` long; when there is none, the nearest person to the target that can be
/// reached. `from_me`: the source is me (the wording says "you").
#[allow(clippy::too_many_arguments)]
pub fn paths(
    store: &mut Store,
    source: Id,
    from_me: bool,
    target: PathTarget,
    k: usize,
    by: By,
    max_hops: u32,
    now: Timestamp,
) -> Result<PathReport> {
    let me = store.me()?;
    let g = store.tie_graph(me, now)?;
    let by_text = match by {
        By::Hops => "hops",
        By::Strength => "strength",
    };
    let Some(from) = g.node(source) else {
        return Err(Error::NotFound { what: "starting person", query: source.to_string() });
    };
    let target_ids: Vec<Id> = match target.kind {
        "org" => store.org_people(target.id)?,
        _ => vec![target.id],
    };
    let targets: Vec<u32> = target_ids.iter().filter_map(|id| g.node(*id)).filter(|&n| n != from).collect();
    let name_of = |store: &mut Store, n: u32| -> Result<PersonRef> {
        let id = g.ids[n as usize];
        let name = if Some(id) == me { "you".to_string() } else { store.label(id)?.unwrap_or_default() };
        Ok(PersonRef { id, name })
    };
    let mut report = PathReport { target, by: by_text, max_hops, paths: vec![], nearest: None, message: None };
    if targets.is_empty() {
        report.message = Some(if target_ids.contains(&source) && report.target.kind == "person" {
            "that is the starting person".to_string()
        } else {
            format!("nobody is currently at {} in your contacts", report.target.name)
        });
        return Ok(report);
    }
    let found = g.graph.k_paths(from, &targets, k, by, max_hops);
    for p in &found {
        let mut chain = explain_chain(store, &g, p, me, now, &name_of)?;
        if report.target.kind == "org"
            && let Some(last) = chain.steps.last_mut()
        {
            last.text.push_str(&format!(" (at {})", report.target.name));
        }
        report.paths.push(chain);
    }
    if found.is_empty() {
        match g.graph.nearest(from, &targets, max_hops) {
            Some(n) => {
                let person = name_of(store, n.node)?;
                let mut chain = Vec::new();
                for &v in &n.from_source.nodes {
                    chain.push(name_of(store, v)?);
                }
                let from_who = if from_me { "you" } else { "the start" };
                report.message = Some(format!(
                    "no chain within {}; nearest: {} ({} from {from_who}, {} from {})",
                    hops_text(max_hops),
                    person.name,
                    hops_text(n.from_source.hops()),
                    hops_text(n.to_target.hops()),
                    report.target.name
                ));
                report.nearest = Some(Nearest {
                    person,
                    hops_from_source: n.from_source.hops(),
                    hops_to_target: n.to_target.hops(),
                    chain,
                });
            }
            None => {
                report.message = Some(format!(
                    "no chain within {}; nearest: nobody — {} is not connected to anyone you can reach",
                    hops_text(max_hops),
                    report.target.name
                ));
            }
        }
    }
    Ok(report)
}

pub(crate) fn explain_chain(
    store: &mut Store,
    g: &TieGraph,
    p: &Path,
    me: Option<Id>,
    now: Timestamp,
    name_of: &dyn Fn(&mut Store, u32) -> Result<PersonRef>,
) -> Result<Chain> {
    let mut people = Vec::new();
    for &v in &p.nodes {
        people.push(name_of(store, v)?);
    }
    let mut steps = Vec::new();
    for w in p.nodes.windows(2) {
        let (u, v) = (w[0], w[1]);
        let (a, b) = (g.ids[u as usize], g.ids[v as usize]);
        let info = g.graph.edge(u, v);
        let kind = store.ties(Some(a))?.into_iter().find(|t| t.to_id == b).and_then(|t| t.kind);
        let last = if Some(a) == me {
            store.my_last_contact(g, v)?
        } else if Some(b) == me {
            store.my_last_contact(g, u)?
        } else {
            store.last_contact_between(a, b)?
        };
        let strength = info.map_or(3, |i| i.strength);
        let (from, to) = (people[steps.len()].clone(), people[steps.len() + 1].clone());
        let spoke = match last {
            Some(t) => format!("spoke {}", ago(now, t)),
            None => "no contact on record".to_string(),
        };
        let knows = if Some(a) == me { "know" } else { "knows" };
        let text = format!(
            "{} — {}, strength {strength}, {spoke} — {knows} {}",
            if Some(a) == me { "You".to_string() } else { from.name.clone() },
            kind.clone().unwrap_or_else(|| "tie".into()),
            to.name
        );
        steps.push(Step { from, to, kind, strength, last_contact: last, text });
    }
    Ok(Chain { hops: p.hops(), warmth: (f64::from(p.warmth()) * 1000.0).round() / 1000.0, people, steps })
}

// ---------------------------------------------------------------------------------------------
// rank

/// The `limit` most important people, each score with its components.
pub fn rank(store: &mut Store, cfg: &Settings, now: Timestamp, limit: usize) -> Result<Vec<Ranked>> {
    let me = store.me()?;
    let stats = store.contact_stats(None, now)?;
    let totals = store.exchange_totals()?;
    let ties = my_tie_strengths(store, me)?;
    let mut hooks: HashMap<Id, u32> = HashMap::new();
    for h in store.open_hooks(None)? {
        *hooks.entry(h.person).or_default() += 1;
    }
    let g = store.tie_graph(me, now)?;
    let mut edges: Vec<(u32, u32, f32)> = Vec::with_capacity(g.graph.edge_count());
    for v in 0..g.graph.node_count() {
        for (u, info) in g.graph.neighbors(v) {
            if v < u {
                edges.push((v, u, f32::from(info.strength)));
            }
        }
    }
    let pr = rank::pagerank(
        g.graph.node_count() as usize,
        &edges,
        rank::DEFAULT_DAMPING,
        rank::DEFAULT_ITERATIONS,
        rank::DEFAULT_TOLERANCE,
    );
    // The stats and the graph's nodes are both in id order: find each person's node by walking
    // the two lists together rather than by 100,000 hash lookups.
    let sorted = g.ids.is_sorted();
    let mut cursor = 0usize;
    let mut node_of = |id: Id| -> Option<u32> {
        if !sorted {
            return g.node(id);
        }
        while cursor < g.ids.len() && g.ids[cursor] < id {
            cursor += 1;
        }
        (g.ids.get(cursor) == Some(&id)).then_some(cursor as u32)
    };
    let inputs: Vec<RankInput> = stats
        .iter()
        .filter(|s| !s.is_me)
        .map(|s| {
            let t = totals.get(&s.id).copied().unwrap_or_default();
            let score = warmth_score(&warmth_input(s, cfg, t.gave, t.got, ties.get(&s.id).copied()), cfg, now);
            RankInput {
                id: s.id,
                name: s.name.clone(),
                tier: tier_of(&s.tier),
                warmth: score,
                centrality: node_of(s.id).and_then(|n| pr.get(n as usize).copied()).unwrap_or(0.0),
                gave: t.gave,
                got: t.got,
                open_hooks: hooks.get(&s.id).copied().unwrap_or(0),
            }
        })
        .collect();
    Ok(rank::importance(&inputs, limit))
}

// ---------------------------------------------------------------------------------------------
// the people list in another order than by name

/// How the people list can be ordered besides by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeopleOrder {
    /// Warmest first: the warmth score 0–100, as `kith person show` explains it.
    Warmth,
    /// Most overdue first: days past the keep-in-touch cadence (negative: days left).
    Overdue,
}

/// Every live person but me (only those in `only`, when given) with the key of `order`, in that
/// order (ties by name, then id). Warmth uses the same inputs as [`rank`]; overdue the same
/// cadence rule as [`reconnect`].
///
/// A server keeps the whole ordering for a minute in its memo (24 bytes a person), so paging
/// through it, or showing it again, does not read and score everyone again: building it holds
/// everyone's statistics for a moment (about 30 MB at 100,000 people). The entry is labelled with
/// every data version, `me`, the minute, the settings and exactly what the scope hides; scoped
/// orderings are a bounded family (see [`crate::Memo::put_in`]).
pub fn people_by(
    store: &mut Store,
    cfg: &Settings,
    now: Timestamp,
    order: PeopleOrder,
    only: Option<&HashSet<Id>>,
) -> Result<Vec<(Id, f64)>> {
    let Some(memo) = store.memo() else {
        return people_by_built(store, cfg, now, order, only);
    };
    let scope = store.scope();
    let name = match order {
        PeopleOrder::Warmth => "warmth",
        PeopleOrder::Overdue => "overdue",
    };
    let key = match scope.viewer() {
        Some(viewer) if !scope.is_empty() => format!("{PEOPLE_BY}{name}/{viewer}"),
        _ => format!("{PEOPLE_BY}{name}"),
    };
    // Read before the data: the value is at least as new as its label.
    let mut label: Vec<i64> = crate::derived::versions(store.db())?.to_vec();
    let me = store.me()?.map_or(0, |m| m.uuid().as_u128());
    label.extend([me as i64, (me >> 64) as i64, now.as_millisecond().div_euclid(60_000), settings_key(cfg)]);
    label.extend(scope.people_label());
    label.push(-1);
    label.extend(scope.interactions_label());
    let all = match memo.get::<Vec<(Id, f64)>>(&key, &label) {
        Some(kept) => kept,
        None => {
            let built = std::sync::Arc::new(people_by_built(store, cfg, now, order, None)?);
            memo.put_in(PEOPLE_BY, PEOPLE_BY_KEPT, &key, label, built.clone());
            built
        }
    };
    Ok(match only {
        Some(o) => all.iter().filter(|(id, _)| o.contains(id)).copied().collect(),
        None => std::sync::Arc::unwrap_or_clone(all),
    })
}

/// The memo family of [`people_by`]'s orderings and how many are kept (2.4 MB each at
/// 100,000 people): the two orders for everyone from whom nothing is hidden, and a few scoped.
const PEOPLE_BY: &str = "people_by/";
const PEOPLE_BY_KEPT: usize = 6;

/// The settings as one number for a memo label (a server uses one set).
fn settings_key(cfg: &Settings) -> i64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{cfg:?}").hash(&mut h);
    h.finish() as i64
}

/// [`people_by`] read and scored now.
fn people_by_built(
    store: &mut Store,
    cfg: &Settings,
    now: Timestamp,
    order: PeopleOrder,
    only: Option<&HashSet<Id>>,
) -> Result<Vec<(Id, f64)>> {
    let scope = store.scope();
    let keep = |s: &crate::ContactStats| !s.is_me && !scope.person(s.id) && only.is_none_or(|o| o.contains(&s.id));
    // (id, name, key): the name by reference for the ties, which are many (warmth is 0–100).
    let by_key =
        |a: &(Id, &str, f64), b: &(Id, &str, f64)| b.2.total_cmp(&a.2).then_with(|| a.1.cmp(b.1)).then(a.0.cmp(&b.0));
    if order == PeopleOrder::Warmth {
        // Each person's statistics are scored as they are read and only the name and key are
        // kept: everyone's statistics at once were 20 MB more at 100,000 people.
        let me = store.me()?;
        let totals = store.exchange_totals()?;
        let ties = my_tie_strengths(store, me)?;
        let score = |s: &crate::ContactStats| {
            let t = totals.get(&s.id).copied().unwrap_or_default();
            let input = warmth_input(s, cfg, t.gave, t.got, ties.get(&s.id).copied());
            f64::from(warmth_score(&input, cfg, now))
        };
        let add = |keyed: &mut Vec<(Id, String, f64)>, s: crate::ContactStats| {
            if keep(&s) {
                let key = score(&s);
                keyed.push((s.id, s.name, key));
            }
        };
        let mut keyed = Vec::new();
        if !store.each_contact_stats(now, &mut |s| add(&mut keyed, s))? {
            keyed.clear();
            for s in store.contact_stats(None, now)? {
                add(&mut keyed, s);
            }
        }
        keyed.sort_by(|a, b| by_key(&(a.0, &a.1, a.2), &(b.0, &b.1, b.2)));
        return Ok(keyed.into_iter().map(|(id, _, k)| (id, k)).collect());
    }
    // Overdue: the people by reference from the shared last-contact list (a server keeps it).
    let shared = store.last_contacts_shared()?;
    let mut cadences = Cadences::new(cfg);
    let mut keyed: Vec<(Id, &str, f64)> = shared
        .all
        .iter()
        .filter(|s| keep(s))
        .map(|s| {
            let anchor = shared.last(s).or(s.created_at).unwrap_or(now);
            let overdue = days_since(now, anchor) - f64::from(cadences.of(s));
            (s.id, s.name.as_str(), (overdue * 10.0).round() / 10.0)
        })
        .collect();
    keyed.sort_by(by_key);
    Ok(keyed.into_iter().map(|(id, _, k)| (id, k)).collect())
}

// ---------------------------------------------------------------------------------------------
// brief

#[derive(Debug, Clone, Serialize)]
pub struct InteractionLine {
    pub at: Option<Timestamp>,
    pub kind: String,
    pub summary: String,
}

/// What to know before meeting someone.
#[derive(Debug, Clone, Serialize)]
pub struct PersonBrief {
    pub person: PersonRef,
    pub works: Vec<String>,
    pub tier: Option<String>,
    pub net_type: Option<String>,
    pub met: Option<String>,
    pub warmth: Option<Warmth>,
    pub last_contact: Option<Timestamp>,
    pub cadence_days: u32,
    pub last_interactions: Vec<InteractionLine>,
    pub hooks_mine: Vec<String>,
    pub ledger: PersonBalance,
    pub needs: Vec<String>,
    pub offers: Vec<String>,
    pub i_can_offer: Vec<Offer>,
    pub mutual: Vec<PersonRef>,
    pub talking_points: Vec<String>,
    pub questions: Vec<String>,
    pub my_pitch: Option<String>,
    pub my_strengths: Vec<String>,
}

/// An event's brief: its facts and a brief for each attendee but me.
#[derive(Debug, Clone, Serialize)]
pub struct EventBrief {
    pub id: Id,
    pub title: String,
    pub kind: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub place: Option<String>,
    pub link: Option<String>,
    pub goals: Option<String>,
    pub prep: Option<String>,
    pub people: Vec<PersonBrief>,
}

/// One person's brief. `me` is my person (for mutual ties, my offers and pitch).
pub fn person_brief(store: &mut Store, cfg: &Settings, id: Id, me: Option<Id>, now: Timestamp) -> Result<PersonBrief> {
    let Some(p) = store.person(id)? else {
        return Err(Error::NotFound { what: "person", query: id.to_string() });
    };
    let w = store.person_warmth(&p, cfg, now)?;
    let stats = store.contact_stats(Some(id), now)?.pop();
    let facts = store.exchange_facts(Some(id))?;
    let ledger = person_ledger(id, &p.name, &facts, now).person;
    let hooks: Vec<String> = store.open_hooks(Some(id))?.into_iter().map(|h| h.title).collect();
    let mine = match me {
        Some(m) => store.person(m)?,
        None => None,
    };
    let (my_offers, my_needs, my_strengths, my_pitch) = match &mine {
        Some(m) => (m.offers.clone(), m.needs.clone(), m.strengths.clone(), m.pitch.clone()),
        None => (vec![], vec![], vec![], None),
    };
    // Mutual connections: tied to both of us.
    let mut mutual = Vec::new();
    if let Some(m) = me {
        let mine: HashSet<Id> = store.ties(Some(m))?.into_iter().map(|t| t.to_id).collect();
        for t in &p.ties {
            if t.to_id != m && mine.contains(&t.to_id) {
                mutual.push(PersonRef { id: t.to_id, name: t.to.clone() });
            }
        }
    }
    let last_interactions: Vec<InteractionLine> = p
        .interactions
        .iter()
        .take(5)
        .map(|i| InteractionLine {
            at: i.at,
            kind: i.kind.clone(),
            summary: [i.summary.clone(), i.notes.clone()].into_iter().flatten().collect::<Vec<_>>().join(" — "),
        })
        .collect();
    let (cadence_days, _) = cfg.cadence_days(tier_of(&p.tier), type_of(&p.net_type), cadence_override(p.cadence_days));
    let met = [p.met_how.clone(), p.met_where.clone(), p.met_on.clone()].into_iter().flatten().collect::<Vec<_>>();
    let met = (!met.is_empty()).then(|| met.join(", "));
    let input = BriefInput {
        name: p.name.clone(),
        their_needs: p.needs.clone(),
        their_offers: p.offers.clone(),
        my_offers: my_offers.iter().chain(&my_strengths).cloned().collect(),
        my_needs,
        last_topics: p
            .interactions
            .iter()
            .take(5)
            .filter_map(|i| i.summary.clone())
            .filter(|s| !s.trim().is_empty())
            .collect(),
        last_contact: stats.as_ref().and_then(|s| s.last_contact),
        cadence_days: Some(cadence_days),
        hooks_mine: hooks.clone(),
        hooks_theirs: vec![],
        gave: ledger.gave,
        got: ledger.got,
        mutual: mutual.iter().map(|m| m.name.clone()).collect(),
        met_how: met.clone(),
    };
    let text = brief_text(&input, now);
    let target = Profile {
        id,
        name: p.name.clone(),
        needs: p.needs.clone(),
        offers: p.offers.clone(),
        is_me: false,
        tier: tier_of(&p.tier),
    };
    let my = MyProfile {
        id: me.unwrap_or(Id::from_uuid(uuid::Uuid::nil())),
        name: "you".into(),
        offers: my_offers,
        strengths: my_strengths.clone(),
    };
    let i_can_offer = offers_for(&target, &[], &my, 5);
    let works =
        p.roles.iter().filter(|r| r.end_on.is_none()).map(crate::RoleView::label).filter(|s| !s.is_empty()).collect();
    Ok(PersonBrief {
        person: PersonRef { id, name: p.name.clone() },
        works,
        tier: p.tier.clone(),
        net_type: p.net_type.clone(),
        met,
        warmth: w,
        last_contact: input.last_contact,
        cadence_days,
        last_interactions,
        hooks_mine: hooks,
        ledger,
        needs: p.needs,
        offers: p.offers,
        i_can_offer,
        mutual,
        talking_points: text.talking_points,
        questions: text.questions,
        my_pitch,
        my_strengths,
    })
}

/// An event's brief, with a person brief for every attendee but me.
pub fn event_brief(store: &mut Store, cfg: &Settings, event: Id, me: Option<Id>, now: Timestamp) -> Result<EventBrief> {
    let Some(e) = store.event(event)? else {
        return Err(Error::NotFound { what: "event", query: event.to_string() });
    };
    let mut people = Vec::new();
    for att in e.attendees.iter().filter(|p| Some(p.id) != me) {
        people.push(person_brief(store, cfg, att.id, me, now)?);
    }
    Ok(EventBrief {
        id: e.id,
        title: e.title,
        kind: e.kind,
        start: e.start,
        end: e.end,
        place: e.place,
        link: e.link,
        goals: e.goals,
        prep: e.prep,
        people,
    })
}

// ---------------------------------------------------------------------------------------------
// plan

fn day_start_ms(tz: &TimeZone, d: Date) -> Result<i64, EditError> {
    d.to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .map_err(|e| EditError::Invalid(format!("bad date {d}: {e}")))
}

/// The day plan of `first` (or of seven days from it, `week`) in time zone `tz`: events, due
/// and overdue tasks, birthdays, and reconnect suggestions in the free time. With `user` (a
/// team server's signed-in user), the tasks are that user's share: assigned to them or to no one.
#[allow(clippy::too_many_arguments, reason = "the plan's inputs, each a different thing")]
pub fn plan(
    store: &mut Store,
    cfg: &Settings,
    tz: &TimeZone,
    first: Date,
    week: bool,
    now: Timestamp,
    user: Option<Id>,
) -> Result<Vec<DayPlan>, EditError> {
    let candidates = reconnect(store, cfg, now, PLAN_CANDIDATES)?;
    plan_from(store, cfg, tz, first, week, &candidates, user)
}

/// How many reconnect candidates a plan places from.
pub const PLAN_CANDIDATES: usize = 50;

/// [`plan`] with the reconnect candidates already read (most urgent first).
pub fn plan_from(
    store: &mut Store,
    cfg: &Settings,
    tz: &TimeZone,
    first: Date,
    week: bool,
    candidates: &[Cadence],
    user: Option<Id>,
) -> Result<Vec<DayPlan>, EditError> {
    Ok(plan_kept(store, cfg, tz, first, week, candidates, user, None)?.0)
}

/// The plan of one day, `today`, for the web app's today page (which lists the reconnect
/// `candidates` too): only the `keep_overdue` most recently due overdue tasks are read with
/// their people, the older ones are counted (the second value). Otherwise as [`plan_from`].
#[allow(clippy::too_many_arguments, reason = "the plan's inputs, each a different thing")]
pub fn plan_today(
    store: &mut Store,
    cfg: &Settings,
    tz: &TimeZone,
    today: Date,
    candidates: &[Cadence],
    user: Option<Id>,
    keep_overdue: usize,
) -> Result<(DayPlan, usize), EditError> {
    let (mut plans, older) = plan_kept(store, cfg, tz, today, false, candidates, user, Some(keep_overdue))?;
    let plan = plans.pop().ok_or_else(|| EditError::Invalid("a day plan has one day".into()))?;
    Ok((plan, older))
}

/// [`plan_from`], keeping at most `keep_overdue` overdue tasks on each day (the most recently
/// due), with the number left out.
#[allow(clippy::too_many_arguments, reason = "the plan's inputs, each a different thing")]
fn plan_kept(
    store: &mut Store,
    cfg: &Settings,
    tz: &TimeZone,
    first: Date,
    week: bool,
    candidates: &[Cadence],
    user: Option<Id>,
    keep_overdue: Option<usize>,
) -> Result<(Vec<DayPlan>, usize), EditError> {
    let days: i64 = if week { 7 } else { 1 };
    let bad = |e: jiff::Error| EditError::Invalid(format!("bad date: {e}"));
    let last = first.checked_add(jiff::Span::new().days(days - 1)).map_err(bad)?;
    let end_day = last.tomorrow().map_err(bad)?;
    let (from_ms, to_ms) = (day_start_ms(tz, first)?, day_start_ms(tz, end_day)?);
    let events: Vec<Busy> = store
        .events(Some(from_ms), Some(to_ms))?
        .into_iter()
        .filter_map(|e| {
            let start = e.start?;
            Some(Busy { id: e.id, title: e.title, start, end: e.end.unwrap_or(start) })
        })
        .collect();
    // With a cap, the tasks are read without their people first (and without those the scope
    // hides): the plan orders them, and only the ones it keeps get their people read.
    let scope = store.scope();
    let tasks: Vec<PlanTask> = store
        .tasks(&TaskFilter {
            status: Some("open".into()),
            due_before: Some((last.to_string(), to_ms)),
            for_user: user,
            without_people: keep_overdue.is_some(),
            ..Default::default()
        })?
        .into_iter()
        .filter(|t| keep_overdue.is_none() || !scope.record("task", t.id))
        .map(|t| PlanTask {
            id: t.id,
            title: t.title,
            due_date: t.due_date.as_deref().and_then(|d| d.parse().ok()),
            due_at: t.due_at,
            hook: t.hook,
            people: t.people.into_iter().map(|p| p.name).collect(),
        })
        .collect();
    let md = |d: Date| d.strftime("%m-%d").to_string();
    let dates: Vec<Anniversary> = store
        .birthdays(&md(first), &md(last))?
        .into_iter()
        .filter_map(|b| {
            Some(Anniversary {
                person: b.id,
                name: b.name,
                date: Birthday::parse(&b.birthday).ok()?,
                label: "birthday".into(),
            })
        })
        .collect();
    let mut plans = if week {
        plan_week(first, tz, cfg, &events, &tasks, &dates, candidates)
    } else {
        vec![plan_day(first, tz, cfg, &events, &tasks, &dates, candidates)]
    };
    let Some(keep) = keep_overdue else { return Ok((plans, 0)) };
    // Overdue tasks sort first, oldest first: leave out the oldest beyond `keep`.
    let mut older = 0;
    for p in &mut plans {
        let left_out = p.tasks.iter().filter(|t| t.overdue).count().saturating_sub(keep);
        p.tasks.drain(..left_out);
        older += left_out;
    }
    let ids: Vec<Id> = plans.iter().flat_map(|p| p.tasks.iter().map(|t| t.id)).collect();
    let mut people = store.linked_people_all("task_people", "task", &ids)?;
    for p in &mut plans {
        p.tasks.retain_mut(|t| {
            // As `Store::tasks` with its people: without the hidden ones, and not at all when
            // it is about hidden people only.
            match scope.refs(people.remove(&t.id).unwrap_or_default()) {
                Some(refs) => {
                    t.people = refs.into_iter().map(|r| r.name).collect();
                    true
                }
                None => false,
            }
        });
    }
    Ok((plans, older))
}
