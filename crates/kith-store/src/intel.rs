//! Reads that feed relationship intelligence (kith-core's `intel` and `paths`): per-person
//! contact statistics, the reciprocity exchanges, needs and offers, open hooks, and the tie
//! graph in compressed form.
//!
//! Each read is one aggregate query (GROUP BY) over the whole network, or one streamed scan, never
//! a query per person: `kith reconnect` and `kith rank` read 100,000 people at once. The SQL is
//! shared by both engines; the only engine-specific piece is the row streaming in `backend.rs`.
//!
//! The whole-network reads (everyone's contact statistics, exchange sums, the tie graph) go
//! through the caches of `derived.rs`: the compact result of such a scan is kept in the
//! database until `apply` changes one of the kinds it comes from, so an unchanged network is
//! read as a few MB of blobs. One person's reads query the tables directly.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;
use kith_core::Id;
use kith_core::intel::Settings;
use kith_core::intel::ledger::ExchangeFact;
use kith_core::intel::warmth::{Warmth, WarmthInput, warmth};
use kith_core::model::{Direction, NetType, Tier};
use kith_core::paths::{Graph, GraphBuilder};

use crate::backend::{Backend, Val};
use crate::derived::{self, Counter, Dec, Enc};
use crate::query::{id_of, marks, text, ts};
use crate::{Error, Result, Store};

const DAY_MS: i64 = 86_400_000;

/// Half-life, in days, of a tie's recency in the path graph: a contact 90 days ago counts half.
pub const TIE_RECENCY_HALF_LIFE_DAYS: f64 = 90.0;

/// One `(parent, kind, value)` row of a need, offer or strength, added to its person's tags.
fn add_person_tag(out: &mut HashMap<Id, PersonTags>, r: &[Val]) {
    let (Some(id), Some(value)) = (id_of(&r[0]), text(&r[2])) else { return };
    let t = out.entry(id).or_default();
    match r[1].text() {
        Some("need") => t.needs.push(value),
        Some("offer") => t.offers.push(value),
        Some("strength") => t.strengths.push(value),
        _ => {}
    }
}

/// The memo family of the tie graphs built for a scope that hides people, and how many of
/// them are kept: each user from whom people are hidden has their own graph, tens of MB at
/// 100,000 people, so a server keeps the whole graph and the latest few scoped ones (a user
/// whose graph was forgotten waits for one build, about as long as a page).
pub(crate) const SCOPED_GRAPHS: &str = "tie_graph/";
pub(crate) const SCOPED_GRAPHS_KEPT: usize = 2;

/// What the store knows about one person for cadences, warmth and rank.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactStats {
    pub id: Id,
    pub name: String,
    pub tier: Option<String>,
    pub net_type: Option<String>,
    pub cadence_days: Option<i64>,
    pub is_me: bool,
    pub birthday: Option<String>,
    /// When the record was created (from its UUIDv7 id).
    pub created_at: Option<Timestamp>,
    /// The latest interaction of any kind with them.
    pub last_contact: Option<Timestamp>,
    pub interactions_365d: u32,
    pub interactions_90d: u32,
}

/// The inputs of a warmth score from one person's contact statistics, the settings' cadence for
/// them, the exchange sums and the strength of their tie to me.
pub fn warmth_input(s: &ContactStats, cfg: &Settings, gave: u32, got: u32, tie: Option<u8>) -> WarmthInput {
    let tier = s.tier.as_deref().and_then(|t| t.parse::<Tier>().ok());
    let net_type = s.net_type.as_deref().and_then(|t| t.parse::<NetType>().ok());
    let cadence = s.cadence_days.map(|d| d.clamp(0, i64::from(u32::MAX)) as u32);
    let (cadence_days, _) = cfg.cadence_days(tier, net_type, cadence);
    WarmthInput {
        last_contact: s.last_contact,
        cadence_days,
        interactions_365d: s.interactions_365d,
        interactions_90d: s.interactions_90d,
        gave,
        got,
        tie_strength: tie,
    }
}

/// Name, tier and type of one person, for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonBasic {
    pub id: Id,
    pub name: String,
    pub tier: Option<String>,
    pub net_type: Option<String>,
    pub is_me: bool,
}

/// Sums of exchange weights with one person, as the ledger counts them (a weight below 1 is 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExchangeTotals {
    pub gave: u32,
    pub got: u32,
}

/// Needs, offers and strengths of one person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonTags {
    pub needs: Vec<String>,
    pub offers: Vec<String>,
    pub strengths: Vec<String>,
}

/// An open follow-up hook linked to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenHook {
    pub person: Id,
    pub task: Id,
    pub title: String,
    pub due_date: Option<String>,
    pub due_at: Option<Timestamp>,
}

/// A multiply-rotate hasher for ids in the graph loader's hot loop (800,000 lookups on the
/// seeded network): several times faster than SipHash, and the keys are not attacker-chosen
/// in a way that matters for a local tool's one-shot map.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub type IdMap<V> = HashMap<Id, V, std::hash::BuildHasherDefault<IdHasher>>;

/// The tie graph: people as dense node numbers, ties as weighted edges.
pub struct TieGraph {
    pub graph: Graph,
    /// Node number → person id.
    pub ids: Vec<Id>,
    /// Person id → node number.
    pub index: IdMap<u32>,
    /// For ties with `me`: the last contact with the other person, by node.
    pub my_last_contact: HashMap<u32, Timestamp>,
}

impl TieGraph {
    pub fn node(&self, id: Id) -> Option<u32> {
        self.index.get(&id).copied()
    }
}

/// `0.5^(days / half-life)`: 1 for a contact today, ½ after [`TIE_RECENCY_HALF_LIFE_DAYS`].
pub fn tie_recency(last: Option<Timestamp>, now: Timestamp) -> f32 {
    match last {
        None => 0.0,
        Some(t) => {
            let days = (now.as_millisecond() - t.as_millisecond()).max(0) as f64 / DAY_MS as f64;
            0.5f64.powf(days / TIE_RECENCY_HALF_LIFE_DAYS) as f32
        }
    }
}

/// Per-person contact statistics from the derived `participants.at` (migration 0002). Each
/// subquery is a seek (the maximum) or a short range (the windows) in the covering index
/// `participants_person_at`: about 0.1 s for 100,000 people and 1,000,000 interactions, where a
/// GROUP BY over every participation takes several times that.
const STATS_SQL: &str = "SELECT p.id, p.display_name, p.tier, p.net_type, p.cadence_days, p.is_me, p.birthday,
        (SELECT max(x.at) FROM participants x WHERE x.person = p.id AND x.deleted = 0) {counts}
    FROM people p
    WHERE p.deleted = 0 AND p.display_name IS NOT NULL {id_filter}";

/// The window counts of [`STATS_SQL`], left out when only the last contact is wanted (the
/// cadences need nothing else, and the counts double the cost).
const STATS_COUNTS: &str = ",
        (SELECT count(*) FROM participants x WHERE x.person = p.id AND x.deleted = 0 AND x.at >= ?),
        (SELECT count(*) FROM participants x WHERE x.person = p.id AND x.deleted = 0 AND x.at >= ?)";

impl Store {
    /// Contact statistics of every live person (including me), or of one person.
    pub fn contact_stats(&mut self, person: Option<Id>, now: Timestamp) -> Result<Vec<ContactStats>> {
        self.stats(person, now, true)
    }

    /// Like [`Store::contact_stats`] but only the last contact: the interaction counts are 0.
    /// About half the cost on a large network; enough for cadences.
    pub fn last_contacts(&mut self, now: Timestamp) -> Result<Vec<ContactStats>> {
        self.stats(None, now, false)
    }

    fn stats(&mut self, person: Option<Id>, now: Timestamp, counts: bool) -> Result<Vec<ContactStats>> {
        let mut out = self.stats_unscoped(person, now, counts)?;
        if !self.scope.is_empty() {
            out.retain(|c| !self.scope.person(c.id));
        }
        // The statistics count every interaction: take out those hidden from the scope's user
        // (a private note, a note with someone private to another user) for the few people
        // who took part in one. Nothing to do (no query) when none is hidden.
        if let Some(fix) = self.scope_fix()? {
            for c in &mut out {
                fix.patch(c, now, counts);
            }
        }
        Ok(out)
    }

    fn stats_unscoped(&mut self, person: Option<Id>, now: Timestamp, counts: bool) -> Result<Vec<ContactStats>> {
        if person.is_none() {
            return self.all_stats(now, counts);
        }
        let now_ms = now.as_millisecond();
        let mut params = Vec::new();
        if counts {
            params.push(Val::Int(now_ms - 365 * DAY_MS));
            params.push(Val::Int(now_ms - 90 * DAY_MS));
        }
        let sql = STATS_SQL.replace("{counts}", if counts { STATS_COUNTS } else { "" });
        let sql = match person {
            Some(id) => {
                params.push(id.into());
                sql.replace("{id_filter}", "AND p.id = ?")
            }
            None => sql.replace("{id_filter}", ""),
        };
        let mut out = Vec::new();
        self.db().query_each(&sql, &params, &mut |r| {
            let Some(id) = id_of(&r[0]) else { return };
            out.push(ContactStats {
                id,
                name: text(&r[1]).unwrap_or_default(),
                tier: text(&r[2]),
                net_type: text(&r[3]),
                cadence_days: r[4].int(),
                is_me: r[5].int() == Some(1),
                birthday: text(&r[6]),
                created_at: id.unix_ms().and_then(|ms| Timestamp::from_millisecond(ms as i64).ok()),
                last_contact: ts(&r[7]),
                interactions_365d: r.get(8).and_then(Val::int).unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32,
                interactions_90d: r.get(9).and_then(Val::int).unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32,
            });
        })?;
        out.sort_by_key(|c| c.id);
        Ok(out)
    }

    /// Name, tier and type of every live person, by id.
    pub fn person_basics(&mut self) -> Result<Vec<PersonBasic>> {
        let mut out = Vec::new();
        self.db().query_each(
            "SELECT id, display_name, tier, net_type, is_me FROM people
             WHERE deleted = 0 AND display_name IS NOT NULL ORDER BY id",
            &[],
            &mut |r| {
                let Some(id) = id_of(&r[0]) else { return };
                out.push(PersonBasic {
                    id,
                    name: text(&r[1]).unwrap_or_default(),
                    tier: text(&r[2]),
                    net_type: text(&r[3]),
                    is_me: r[4].int() == Some(1),
                });
            },
        )?;
        out.retain(|p| !self.scope.person(p.id));
        Ok(out)
    }

    /// Every live exchange (with a live person and interaction), or those with one person.
    /// Rows whose direction or kind this kith does not know are skipped.
    pub fn exchange_facts(&mut self, person: Option<Id>) -> Result<Vec<ExchangeFact>> {
        let mut sql = String::from(
            "SELECT e.person, p.display_name, e.at, e.direction, e.kind, e.weight, e.what, e.interaction
             FROM exchanges e JOIN people p ON p.id = e.person
             WHERE e.deleted = 0 AND p.deleted = 0 AND e.at IS NOT NULL",
        );
        let mut params = Vec::new();
        if let Some(id) = person {
            sql.push_str(" AND e.person = ?");
            params.push(Val::from(id));
        }
        let mut out = Vec::new();
        // An exchange in an interaction hidden from the scope's user (a note with someone
        // private to another user) is not theirs to count, nor its text to read.
        let scope = self.scope.clone();
        self.db().query_each(&sql, &params, &mut |r| {
            let (Some(person), Some(at)) = (id_of(&r[0]), ts(&r[2])) else { return };
            if id_of(&r[7]).is_some_and(|i| scope.interaction(i)) {
                return;
            }
            let (Some(direction), Some(kind)) = (
                r[3].text().and_then(|d| d.parse().ok()),
                r[4].text().map(|k| k.parse().unwrap_or(kith_core::model::ExchangeKind::Other)),
            ) else {
                return;
            };
            out.push(ExchangeFact {
                person,
                name: text(&r[1]).unwrap_or_default(),
                at,
                direction,
                kind,
                weight: r[5].int().unwrap_or(1).clamp(0, 255) as u8,
                what: text(&r[6]).unwrap_or_default(),
            });
        })?;
        out.retain(|f| !self.scope.person(f.person));
        Ok(out)
    }

    /// Gave/got sums by person, aggregated in SQL.
    pub fn exchange_totals(&mut self) -> Result<HashMap<Id, ExchangeTotals>> {
        let mut out = Arc::unwrap_or_clone(self.load(
            "exchanges.v1",
            Counter::Exchanges,
            build_exchange_totals,
            decode_exchange_totals,
        )?);
        if !self.scope.is_empty() {
            out.retain(|id, _| !self.scope.person(*id));
        }
        // Less what was exchanged in the interactions hidden from the scope's user.
        if let Some(fix) = self.scope_fix()? {
            for (id, hidden) in &fix.exchanges {
                if let Some(t) = out.get_mut(id) {
                    t.gave = t.gave.saturating_sub(hidden.gave);
                    t.got = t.got.saturating_sub(hidden.got);
                    if t.gave == 0 && t.got == 0 {
                        out.remove(id);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Needs, offers and strengths of every person who has any (or of one person).
    pub fn person_tags(&mut self, person: Option<Id>) -> Result<HashMap<Id, PersonTags>> {
        if let Some(id) = person {
            return self.person_tags_of(&[id]);
        }
        let mut out: HashMap<Id, PersonTags> = HashMap::new();
        self.db().query_each(
            "SELECT parent, kind, value FROM person_items
             WHERE kind IN ('need', 'offer', 'strength') AND deleted = 0 AND value IS NOT NULL
             ORDER BY parent, kind, value",
            &[],
            &mut |r| add_person_tag(&mut out, r),
        )?;
        Ok(out)
    }

    /// Needs, offers and strengths of some people, a few hundred per query.
    pub fn person_tags_of(&mut self, people: &[Id]) -> Result<HashMap<Id, PersonTags>> {
        let mut out: HashMap<Id, PersonTags> = HashMap::new();
        let ids: Vec<Val> = people.iter().map(|&id| Val::from(id)).collect();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT parent, kind, value FROM person_items
                 WHERE parent IN ({}) AND kind IN ('need', 'offer', 'strength') AND deleted = 0 AND value IS NOT NULL
                 ORDER BY parent, kind, value",
                marks(chunk.len())
            );
            self.db().query_each(&sql, chunk, &mut |r| add_person_tag(&mut out, r))?;
        }
        Ok(out)
    }

    /// The warmth of my relationship with one person, with its components (what `kith person
    /// show` and the person page explain); `None` for me or a person not in the store.
    pub fn person_warmth(&mut self, p: &crate::PersonView, cfg: &Settings, now: Timestamp) -> Result<Option<Warmth>> {
        if p.is_me {
            return Ok(None);
        }
        let Some(stats) = self.contact_stats(Some(p.id), now)?.pop() else { return Ok(None) };
        let (mut gave, mut got) = (0u32, 0u32);
        for f in self.exchange_facts(Some(p.id))? {
            let w = u32::from(f.weight.max(1));
            match f.direction {
                Direction::Gave => gave += w,
                Direction::Got => got += w,
            }
        }
        let me = self.me()?;
        let tie = p.ties.iter().find(|t| Some(t.to_id) == me).map(|t| t.strength.unwrap_or(3).clamp(1, 5) as u8);
        Ok(Some(warmth(&warmth_input(&stats, cfg, gave, got, tie), cfg, now)))
    }

    /// Open hooks with the people they concern, soonest due first, or those of one person.
    pub fn open_hooks(&mut self, person: Option<Id>) -> Result<Vec<OpenHook>> {
        let mut out = match person {
            Some(id) => self.open_hooks_where(" AND tp.person = ?", &[id.into()])?,
            None => self.open_hooks_where("", &[])?,
        };
        sort_hooks(&mut out);
        Ok(out)
    }

    /// [`Store::open_hooks`] of these people only (500 people per query, through the
    /// `task_people_person_live` index): the reconnect list needs the hooks of the few people
    /// it chose, not every open hook of the network.
    pub fn open_hooks_of(&mut self, people: &[Id]) -> Result<Vec<OpenHook>> {
        let ids: Vec<Val> = people.iter().map(|&id| Val::from(id)).collect();
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            out.extend(self.open_hooks_where(&format!(" AND tp.person IN ({})", marks(chunk.len())), chunk)?);
        }
        sort_hooks(&mut out);
        Ok(out)
    }

    /// The open hooks and their people matching `and` (a condition on `tp` or `t`), without
    /// the hidden people, unsorted.
    fn open_hooks_where(&mut self, and: &str, params: &[Val]) -> Result<Vec<OpenHook>> {
        let sql = format!(
            "SELECT tp.person, t.id, t.title, t.due_date, t.due_at
             FROM tasks t JOIN task_people tp ON tp.task = t.id
             WHERE t.deleted = 0 AND tp.deleted = 0 AND t.status = 'open' AND t.hook = 1 AND t.title IS NOT NULL{and}"
        );
        let rows = self.db().query(&sql, params)?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(OpenHook {
                    person: id_of(&r[0])?,
                    task: id_of(&r[1])?,
                    title: text(&r[2])?,
                    due_date: text(&r[3]),
                    due_at: ts(&r[4]),
                })
            })
            .filter(|h| !self.scope.person(h.person))
            .collect())
    }

    /// The last interaction in which both people took part.
    /// Interactions hidden from the store's scope do not count.
    pub fn last_contact_between(&mut self, a: Id, b: Id) -> Result<Option<Timestamp>> {
        if self.scope.interaction_count() == 0 {
            let rows = self.db().query(
                "SELECT max(x.at) FROM participants x JOIN participants y ON y.interaction = x.interaction
                 WHERE x.person = ? AND y.person = ? AND x.deleted = 0 AND y.deleted = 0",
                &[a.into(), b.into()],
            )?;
            return Ok(rows.first().and_then(|r| ts(&r[0])));
        }
        let rows = self.db().query(
            "SELECT x.interaction, x.at FROM participants x JOIN participants y ON y.interaction = x.interaction
             WHERE x.person = ? AND y.person = ? AND x.deleted = 0 AND y.deleted = 0 AND x.at IS NOT NULL",
            &[a.into(), b.into()],
        )?;
        let scope = self.scope.clone();
        Ok(rows
            .iter()
            .filter(|r| !id_of(&r[0]).is_some_and(|i| scope.interaction(i)))
            .filter_map(|r| r[1].int())
            .max()
            .and_then(|ms| Timestamp::from_millisecond(ms).ok()))
    }

    /// My last contact with `person` as the tie graph holds it (`TieGraph::my_last_contact`,
    /// shared by every scope), without the interactions hidden from the store's scope.
    pub fn my_last_contact(&mut self, g: &TieGraph, node: u32) -> Result<Option<Timestamp>> {
        let cached = g.my_last_contact.get(&node).copied();
        let Some(&person) = g.ids.get(node as usize) else { return Ok(cached) };
        Ok(match self.scope_fix()? {
            Some(fix) => fix.last_of(person).unwrap_or(cached),
            None => cached,
        })
    }

    /// Ids of the people currently (no end date) at an organization.
    pub fn org_people(&mut self, org: Id) -> Result<Vec<Id>> {
        let rows = self.db().query(
            "SELECT DISTINCT r.person FROM roles r JOIN people p ON p.id = r.person
             WHERE r.org = ? AND r.deleted = 0 AND r.end_on IS NULL AND p.deleted = 0 ORDER BY r.person",
            &[org.into()],
        )?;
        Ok(rows.iter().filter_map(|r| id_of(&r[0])).filter(|id| !self.scope.person(*id)).collect())
    }

    /// The tie graph of all live people and ties. One query numbers the people, one streams
    /// the ties into the builder; ties with `me` get their recency from my last contact with the
    /// other person (the only contacts kith records), other ties count as not recent.
    pub fn tie_graph(&mut self, me: Option<Id>, now: Timestamp) -> Result<Arc<TieGraph>> {
        // Kept in the memo (a server) per graph and contacts version and `me`, for a minute: the
        // recency of my ties changes by less than its quantum (1/65535) in a minute.
        // The graph leaves out the ties of the people hidden from the store's scope, so a scope
        // has its own entry, and its label ends with exactly the people and notes it hides: a
        // graph built for one user is never handed to another who may see less.
        let Some(memo) = self.memo() else { return Ok(Arc::new(self.build_tie_graph(me, now)?)) };
        let v = derived::versions(self.db())?;
        let me_bits = me.map_or(0, |m| m.uuid().as_u128());
        let mut label = vec![
            v[Counter::Graph.index()],
            v[Counter::Contacts.index()],
            me_bits as i64,
            (me_bits >> 64) as i64,
            now.as_millisecond().div_euclid(60_000),
        ];
        // The notes hidden from the scope's user do not count in the recency of my ties
        // either, so they are in the label too.
        let hidden = self.scope.people_label();
        let hidden_notes = self.scope.interactions_label();
        let scoped = !hidden.is_empty() || !hidden_notes.is_empty();
        let key = if scoped {
            format!("{SCOPED_GRAPHS}{:016x}{:016x}", self.scope.people_key(), self.scope.interactions_key())
        } else {
            "tie_graph".to_string()
        };
        label.push(hidden.len() as i64);
        label.extend(hidden);
        label.extend(hidden_notes);
        if let Some(g) = memo.get::<TieGraph>(&key, &label) {
            return Ok(g);
        }
        let g = Arc::new(self.build_tie_graph(me, now)?);
        if scoped {
            // Tens of MB each at 100,000 people: the latest few scopes only.
            memo.put_in(SCOPED_GRAPHS, SCOPED_GRAPHS_KEPT, &key, label, g.clone());
        } else {
            memo.put(&key, label, g.clone());
        }
        Ok(g)
    }

    fn build_tie_graph(&mut self, me: Option<Id>, now: Timestamp) -> Result<TieGraph> {
        let blob = self.load_kept("graph.v1", Counter::Graph, build_graph, decode_graph, false)?;
        let (ids, edges) = &*blob;
        let index: IdMap<u32> = ids.iter().enumerate().map(|(i, &id)| (id, i as u32)).collect();

        let mut my_last_contact: HashMap<u32, Timestamp> = HashMap::new();
        if let Some(me) = me {
            let rows = self.db().query(
                // Per neighbour a seek in `participants_person_at`; an `IN (subquery)` would let the
                // planner scan every participation instead.
                "SELECT n.other, (SELECT max(x.at) FROM participants x WHERE x.person = n.other AND x.deleted = 0)
                 FROM (SELECT CASE WHEN t.a = ? THEN t.b ELSE t.a END AS other FROM ties t
                       WHERE (t.a = ? OR t.b = ?) AND t.deleted = 0) n",
                &[me.into(), me.into(), me.into()],
            )?;
            for r in rows {
                if let (Some(&n), Some(t)) = (id_of(&r[0]).and_then(|id| index.get(&id)), ts(&r[1])) {
                    my_last_contact.insert(n, t);
                }
            }
        }
        // A neighbour who took part in a note hidden from the scope's user: their last contact
        // as that user sees it.
        if let Some(fix) = self.scope_fix()? {
            my_last_contact.retain(|&n, t| match fix.last_of(ids[n as usize]) {
                None => true,
                Some(Some(visible)) => {
                    *t = visible;
                    true
                }
                Some(None) => false,
            });
        }
        let me_node = me.and_then(|m| index.get(&m).copied());

        let mut builder = GraphBuilder::with_capacity(ids.len() as u32, edges.len());
        let scope = self.scope.clone();
        for &(a, b, strength) in edges {
            // A tie with a person hidden from the scope's user is not there for them.
            if !scope.is_empty() && (scope.person(ids[a as usize]) || scope.person(ids[b as usize])) {
                continue;
            }
            let other = match me_node {
                Some(m) if a == m => Some(b),
                Some(m) if b == m => Some(a),
                _ => None,
            };
            let recency = other.map_or(0.0, |o| tie_recency(my_last_contact.get(&o).copied(), now));
            builder.add_edge(a, b, strength, recency);
        }
        Ok(TieGraph { graph: builder.build(), ids: ids.clone(), index, my_last_contact })
    }
}

impl Store {
    /// Each cached read (`derived`) by key, and whether it is current: for tests and
    /// diagnostics.
    pub fn cache_status(&mut self) -> Result<Vec<(String, bool)>> {
        derived::status(self.db())
    }

    /// [`Store::contact_stats`] of everyone: the cached people joined in memory with the
    /// cached contact times (all of them for the counts, else only the last one per person).
    fn all_stats(&mut self, now: Timestamp, counts: bool) -> Result<Vec<ContactStats>> {
        if !counts {
            return Ok(Arc::unwrap_or_clone(self.last_contacts_all()?));
        }
        let times = self.load("contacts.v1", Counter::Contacts, build_contact_times, ContactTimes::decode)?;
        self.people_stats(&times, now, true)
    }

    /// Everyone in the cached `people.v1` joined with their contact `times` ([`join_stats`]),
    /// decoded straight into the statistics: the people's rows are never all in memory beside
    /// them (at 100,000 people they were 23 MB more at the server's peak).
    fn people_stats(&mut self, times: &ContactTimes, now: Timestamp, counts: bool) -> Result<Vec<ContactStats>> {
        let blob = derived::cached(self.db(), "people.v1", Counter::People, build_people)?;
        if let Some(out) = join_stats(&blob, times, now, counts) {
            return Ok(out);
        }
        // Written by a different build: a fresh one from the tables.
        join_stats(&build_people(self.db())?, times, now, counts).ok_or_else(|| bad_blob("people.v1"))
    }

    /// Everyone's [`ContactStats`] with the interaction counts, as the store's scope sees them
    /// (what [`Store::contact_stats`] of everyone holds), given one at a time in no particular
    /// order, so that a caller keeping a key a person (the people list by warmth) never holds
    /// everyone's statistics at once. `false` when the cached people did not decode (written
    /// by another build): then some people may have been given already, and the caller reads
    /// [`Store::contact_stats`] instead.
    pub(crate) fn each_contact_stats(&mut self, now: Timestamp, each: &mut dyn FnMut(ContactStats)) -> Result<bool> {
        let times = self.load("contacts.v1", Counter::Contacts, build_contact_times, ContactTimes::decode)?;
        let fix = self.scope_fix()?;
        let scope = self.scope.clone();
        let blob = derived::cached(self.db(), "people.v1", Counter::People, build_people)?;
        let decoded = each_joined(&blob, &times, now, true, &mut |mut s| {
            if scope.person(s.id) {
                return;
            }
            if let Some(fix) = &fix {
                fix.patch(&mut s, now, true);
            }
            each(s);
        });
        Ok(decoded.is_some())
    }

    /// Everyone's last contact, read by reference, as the store's scope sees it: the shared list
    /// (every person, every interaction: leave out the hidden people) and, when interactions
    /// are hidden from the scope's user, the fix for the few people who took part in them
    /// ([`LastContacts::last`]). The shared list is never changed for a scope.
    pub(crate) fn last_contacts_shared(&mut self) -> Result<LastContacts> {
        let all = self.last_contacts_all()?;
        let fix = self.scope_fix()?;
        Ok(LastContacts { all, fix })
    }

    /// Everyone's last contact ([`Store::last_contacts`]), which does not depend on "now":
    /// kept whole in the memo of a long-running process. Not scoped.
    fn last_contacts_all(&mut self) -> Result<Arc<Vec<ContactStats>>> {
        let memo = self.memo();
        let label = match &memo {
            Some(memo) => {
                let v = derived::versions(self.db())?;
                let label = vec![v[Counter::People.index()], v[Counter::Contacts.index()]];
                if let Some(kept) = memo.get::<Vec<ContactStats>>("stats.last", &label) {
                    return Ok(kept);
                }
                Some(label)
            }
            None => None,
        };
        let times =
            self.load_kept("contacts.last.v1", Counter::Contacts, build_last_contacts, ContactTimes::decode, false)?;
        let out = Arc::new(self.people_stats(&times, Timestamp::UNIX_EPOCH, false)?);
        if let (Some(memo), Some(label)) = (memo, label) {
            memo.put("stats.last", label, out.clone());
        }
        Ok(out)
    }

    /// What the interactions hidden from the store's scope change in the whole-network contact
    /// statistics and exchange sums; `None` (no query) when the scope hides no interaction, so
    /// the unscoped path costs what it did. Kept in the memo per viewer, labelled with the
    /// `contacts` and `exchanges` versions and exactly the hidden interactions, so a fix made
    /// for one scope is never used for another.
    pub(crate) fn scope_fix(&mut self) -> Result<Option<Arc<ScopeFix>>> {
        if self.scope.interaction_count() == 0 {
            return Ok(None);
        }
        let scope = self.scope.clone();
        let memo = self.memo().zip(scope.viewer());
        let label = match &memo {
            Some((memo, viewer)) => {
                // Read before the data: the value is at least as new as its label.
                let v = derived::versions(self.db())?;
                let mut label = vec![v[Counter::Contacts.index()], v[Counter::Exchanges.index()]];
                label.extend(scope.interactions_label());
                if let Some(kept) = memo.get::<ScopeFix>(&format!("scope_fix/{viewer}"), &label) {
                    return Ok(Some(kept));
                }
                Some(label)
            }
            None => None,
        };
        let fix = Arc::new(self.build_scope_fix()?);
        if let (Some((memo, viewer)), Some(label)) = (memo, label) {
            memo.put_in("scope_fix/", 32, &format!("scope_fix/{viewer}"), label, fix.clone());
        }
        Ok(Some(fix))
    }

    /// [`ScopeFix`] from the tables: the hidden interactions' participants and exchange sums
    /// (through the `participants_interaction` and `exchanges_interaction` indexes), then every
    /// live participation of those people (`participants_person_at`), less the hidden ones.
    fn build_scope_fix(&mut self) -> Result<ScopeFix> {
        let scope = self.scope.clone();
        let hidden: Vec<Val> = scope.interactions().map(Val::from).collect();
        let mut fix = ScopeFix::default();
        let mut affected: Vec<Val> = Vec::new();
        for chunk in hidden.chunks(500) {
            let m = marks(chunk.len());
            let rows = self.db().query(
                &format!(
                    "SELECT DISTINCT person FROM participants
                     WHERE interaction IN ({m}) AND deleted = 0 AND at IS NOT NULL AND person IS NOT NULL"
                ),
                chunk,
            )?;
            for r in rows {
                if let Some(id) = id_of(&r[0])
                    && !fix.times.contains_key(&id)
                {
                    fix.times.insert(id, Vec::new());
                    affected.push(Val::from(id));
                }
            }
            // The same sums as `build_exchange_totals`, over the hidden interactions only.
            let rows = self.db().query(
                &format!(
                    "SELECT person, direction, CAST(sum(CASE WHEN weight >= 1 THEN weight ELSE 1 END) AS BIGINT)
                     FROM exchanges WHERE interaction IN ({m}) AND deleted = 0 AND at IS NOT NULL
                     GROUP BY person, direction"
                ),
                chunk,
            )?;
            for r in rows {
                let Some(id) = id_of(&r[0]) else { continue };
                let n = r[2].int().unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
                let t = fix.exchanges.entry(id).or_default();
                match r[1].text() {
                    Some("gave") => t.gave = t.gave.saturating_add(n),
                    Some("got") => t.got = t.got.saturating_add(n),
                    _ => {}
                }
            }
        }
        for chunk in affected.chunks(500) {
            let rows = self.db().query(
                &format!(
                    "SELECT person, interaction, at FROM participants
                     WHERE person IN ({}) AND deleted = 0 AND at IS NOT NULL",
                    marks(chunk.len())
                ),
                chunk,
            )?;
            for r in rows {
                let (Some(person), Some(at)) = (id_of(&r[0]), r[2].int()) else { continue };
                if id_of(&r[1]).is_some_and(|i| scope.interaction(i)) {
                    continue;
                }
                if let Some(times) = fix.times.get_mut(&person) {
                    times.push(at);
                }
            }
        }
        for times in fix.times.values_mut() {
            times.sort_unstable();
        }
        Ok(fix)
    }

    /// The cached blob `key`, decoded; if it does not decode (written by a different build),
    /// a fresh one from the tables. With a memo ([`Store::share_memo`]) the decoded value is
    /// kept there and used while the counter has not moved.
    fn load<T: Send + Sync + 'static>(
        &mut self,
        key: &str,
        counter: Counter,
        build: fn(&mut dyn Backend) -> Result<Vec<u8>>,
        decode: fn(&[u8]) -> Option<T>,
    ) -> Result<Arc<T>> {
        self.load_kept(key, counter, build, decode, true)
    }

    /// [`Store::load`], kept in the memo only when `keep`: the inputs of a value that is kept
    /// itself (the people and the last contacts of [`Store::last_contacts_shared`], the edges of
    /// the tie graph) would only double the memory.
    fn load_kept<T: Send + Sync + 'static>(
        &mut self,
        key: &str,
        counter: Counter,
        build: fn(&mut dyn Backend) -> Result<Vec<u8>>,
        decode: fn(&[u8]) -> Option<T>,
        keep: bool,
    ) -> Result<Arc<T>> {
        let memo = self.memo().filter(|_| keep);
        let label = match &memo {
            Some(memo) => {
                // Read before the blob: the value is at least as new as its label.
                let label = vec![derived::versions(self.db())?[counter.index()]];
                if let Some(kept) = memo.get::<T>(key, &label) {
                    return Ok(kept);
                }
                Some(label)
            }
            None => None,
        };
        let blob = derived::cached(self.db(), key, counter, build)?;
        let value = Arc::new(match decode(&blob) {
            Some(v) => v,
            None => decode(&build(self.db())?).ok_or_else(|| bad_blob(key))?,
        });
        if let (Some(memo), Some(label)) = (memo, label) {
            memo.put(key, label, value.clone());
        }
        Ok(value)
    }
}

/// What the interactions hidden from one scope change in the whole-network reads: for each
/// person who took part in one, their contact times from the interactions the scope's user may
/// see; for each person who exchanged something in one, the sums to take off. Built by
/// [`Store::scope_fix`] for the few people concerned, so the shared whole-network results are
/// patched per read (never changed in place) instead of rebuilt per scope.
#[derive(Default)]
pub(crate) struct ScopeFix {
    /// Person → the times of their visible participations, ascending.
    times: IdMap<Vec<i64>>,
    /// Person → gave/got in hidden interactions.
    exchanges: IdMap<ExchangeTotals>,
}

impl ScopeFix {
    /// `s` as the scope sees it: last contact and (when `counts`) the window counts from the
    /// visible interactions, if they took part in a hidden one.
    fn patch(&self, s: &mut ContactStats, now: Timestamp, counts: bool) {
        let Some(times) = self.times.get(&s.id) else { return };
        s.last_contact = times.last().and_then(|&ms| Timestamp::from_millisecond(ms).ok());
        if counts {
            let now_ms = now.as_millisecond();
            let count = |since: i64| (times.len() - times.partition_point(|&t| t < since)) as u32;
            s.interactions_365d = count(now_ms - 365 * DAY_MS);
            s.interactions_90d = count(now_ms - 90 * DAY_MS);
        }
    }

    /// The visible last contact of `person`: `Some(last)` if the fix knows them (they took part
    /// in a hidden interaction), `None` if their shared figure stands.
    fn last_of(&self, person: Id) -> Option<Option<Timestamp>> {
        let times = self.times.get(&person)?;
        Some(times.last().and_then(|&ms| Timestamp::from_millisecond(ms).ok()))
    }
}

/// Everyone's last contact shared by every scope ([`Store::last_contacts_shared`]), with the
/// scope's fix: read a person's last contact through [`LastContacts::last`].
pub(crate) struct LastContacts {
    /// Every live person, whatever the scope: the caller leaves out the hidden people.
    pub all: Arc<Vec<ContactStats>>,
    fix: Option<Arc<ScopeFix>>,
}

impl LastContacts {
    /// `s`'s last contact as the scope sees it.
    pub fn last(&self, s: &ContactStats) -> Option<Timestamp> {
        match &self.fix {
            Some(fix) => fix.last_of(s.id).unwrap_or(s.last_contact),
            None => s.last_contact,
        }
    }
}

/// The people of a `people.v1` blob joined with their contact times (sorted by id, like the
/// people): the interaction counts in the windows before `now` when `counts`, else 0. `None`
/// when the blob does not decode.
fn join_stats(people: &[u8], times: &ContactTimes, now: Timestamp, counts: bool) -> Option<Vec<ContactStats>> {
    let n = Dec(people).u32()? as usize;
    let mut out: Vec<ContactStats> = Vec::with_capacity(n.min(people.len() / 16));
    each_joined(people, times, now, counts, &mut |s| out.push(s))?;
    out.sort_by_key(|c| c.id);
    Some(out)
}

/// [`join_stats`] one person at a time, in the blob's order. `None` when the blob does not
/// decode (some people may have been given already).
fn each_joined(
    people: &[u8],
    times: &ContactTimes,
    now: Timestamp,
    counts: bool,
    each: &mut dyn FnMut(ContactStats),
) -> Option<()> {
    let now_ms = now.as_millisecond();
    let (since_365, since_90) = (now_ms - 365 * DAY_MS, now_ms - 90 * DAY_MS);
    decode_people(people, &mut |p| {
        let at = times.of(p.id);
        let count = |since: i64| if counts { (at.len() - at.partition_point(|&t| t < since)) as u32 } else { 0 };
        each(ContactStats {
            id: p.id,
            name: p.name,
            tier: p.tier,
            net_type: p.net_type,
            cadence_days: p.cadence_days,
            is_me: p.is_me,
            birthday: p.birthday,
            created_at: p.id.unix_ms().and_then(|ms| Timestamp::from_millisecond(ms as i64).ok()),
            last_contact: at.last().and_then(|&ms| Timestamp::from_millisecond(ms).ok()),
            interactions_365d: count(since_365),
            interactions_90d: count(since_90),
        });
    })
}

/// The columns of a live named person that the whole-network reads show, cached as
/// `people.v1`.
struct PersonRow {
    id: Id,
    name: String,
    tier: Option<String>,
    net_type: Option<String>,
    cadence_days: Option<i64>,
    is_me: bool,
    birthday: Option<String>,
}

fn build_people(db: &mut dyn Backend) -> Result<Vec<u8>> {
    let mut e = Enc::default();
    let mut n = 0u32;
    let mut rows = Enc::default();
    db.query_each(
        "SELECT id, display_name, tier, net_type, cadence_days, is_me, birthday FROM people
         WHERE deleted = 0 AND display_name IS NOT NULL ORDER BY id",
        &[],
        &mut |r| {
            let Some(id) = id_of(&r[0]) else { return };
            rows.id(id);
            rows.opt_str(Some(r[1].text().unwrap_or_default()));
            rows.opt_str(r[2].text());
            rows.opt_str(r[3].text());
            rows.opt_i64(r[4].int());
            rows.u8(u8::from(r[5].int() == Some(1)));
            rows.opt_str(r[6].text());
            n += 1;
        },
    )?;
    e.u32(n);
    e.0.extend_from_slice(&rows.0);
    Ok(e.0)
}

/// Decode a `people.v1` blob (a count, then the people), handing `each` every person in turn.
/// `None` when it does not decode.
fn decode_people(blob: &[u8], each: &mut dyn FnMut(PersonRow)) -> Option<()> {
    let mut d = Dec(blob);
    let n = d.u32()? as usize;
    for _ in 0..n {
        each(PersonRow {
            id: d.id()?,
            name: d.opt_str()?.unwrap_or_default(),
            tier: d.opt_str()?,
            net_type: d.opt_str()?,
            cadence_days: d.opt_i64()?,
            is_me: d.u8()? == 1,
            birthday: d.opt_str()?,
        });
    }
    d.is_empty().then_some(())
}

/// The last contact per person, in [`ContactTimes`] form (one time each): `contacts.last.v1`.
fn build_last_contacts(db: &mut dyn Backend) -> Result<Vec<u8>> {
    let mut per: Vec<(Id, i64)> = Vec::new();
    db.query_each(
        "SELECT person, max(at) FROM participants WHERE deleted = 0 AND at IS NOT NULL AND person IS NOT NULL
         GROUP BY person",
        &[],
        &mut |r| {
            if let (Some(id), Some(at)) = (id_of(&r[0]), r[1].int()) {
                per.push((id, at));
            }
        },
    )?;
    per.sort_unstable();
    // One entry per id, even if two spellings of an id were grouped apart.
    per.dedup_by(|later, first| {
        if later.0 == first.0 {
            first.1 = first.1.max(later.1);
            true
        } else {
            false
        }
    });
    let mut e = Enc::default();
    e.u32(per.len() as u32);
    for (i, (id, _)) in per.iter().enumerate() {
        e.id(*id);
        e.u32(i as u32 + 1);
    }
    for (_, at) in &per {
        e.i64(*at);
    }
    Ok(e.0)
}

fn bad_blob(key: &str) -> Error {
    Error::Database(format!("the freshly built cache `{key}` does not decode"))
}

/// The times of every live participation with a time, per person: the source of the last
/// contact and the interaction counts, cached as `contacts.v1`, the gaps between times as varints.
struct ContactTimes {
    /// Sorted person ids.
    ids: Vec<Id>,
    /// `times[offsets[i]..offsets[i + 1]]` are person `i`'s, ascending.
    offsets: Vec<u32>,
    times: Vec<i64>,
}

impl ContactTimes {
    fn of(&self, id: Id) -> &[i64] {
        match self.ids.binary_search(&id) {
            Ok(i) => &self.times[self.offsets[i] as usize..self.offsets[i + 1] as usize],
            Err(_) => &[],
        }
    }

    fn decode(blob: &[u8]) -> Option<ContactTimes> {
        let mut d = Dec(blob);
        let n = d.u32()? as usize;
        let mut ids = Vec::with_capacity(n);
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0u32);
        for _ in 0..n {
            ids.push(d.id()?);
            let end = d.u32()?;
            if end < *offsets.last()? {
                return None;
            }
            offsets.push(end);
        }
        // Each person's times ascending: the first one whole, then the gaps as varints (about
        // half the bytes of whole times, and the blob is read on every call).
        let total = *offsets.last()? as usize;
        let mut times = Vec::with_capacity(total);
        for w in offsets.windows(2) {
            let mut t = 0i64;
            for k in w[0]..w[1] {
                t = if k == w[0] { d.i64()? } else { t.wrapping_add(d.varint()? as i64) };
                times.push(t);
            }
        }
        (d.is_empty() && ids.windows(2).all(|w| w[0] < w[1])).then_some(ContactTimes { ids, offsets, times })
    }
}

fn build_contact_times(db: &mut dyn Backend) -> Result<Vec<u8>> {
    let mut per: Vec<(Id, Vec<i64>)> = Vec::new();
    let mut last_text = String::new();
    db.query_each(
        "SELECT person, at FROM participants WHERE deleted = 0 AND at IS NOT NULL AND person IS NOT NULL ORDER BY person",
        &[],
        &mut |r| {
            let (Some(p), Some(at)) = (r[0].text(), r[1].int()) else { return };
            // Rows come grouped by person: parse an id once per person, not once per row.
            if p != last_text || per.is_empty() {
                let Ok(id) = p.parse::<Id>() else { return };
                last_text.clear();
                last_text.push_str(p);
                per.push((id, Vec::new()));
            }
            if let Some((_, v)) = per.last_mut() {
                v.push(at);
            }
        },
    )?;
    per.sort_by_key(|(id, _)| *id);
    // One entry per id, even if two spellings of an id came apart in the scan.
    let mut merged: Vec<(Id, Vec<i64>)> = Vec::with_capacity(per.len());
    for (id, v) in per {
        match merged.last_mut() {
            Some((last, times)) if *last == id => times.extend(v),
            _ => merged.push((id, v)),
        }
    }
    let mut per = merged;
    let mut e = Enc::default();
    e.u32(per.len() as u32);
    let mut end = 0u32;
    for (id, v) in &mut per {
        v.sort_unstable();
        end += v.len() as u32;
        e.id(*id);
        e.u32(end);
    }
    for (_, v) in &per {
        if let Some((&first, rest)) = v.split_first() {
            e.i64(first);
            let mut prev = first;
            for &t in rest {
                e.varint(t.wrapping_sub(prev) as u64);
                prev = t;
            }
        }
    }
    Ok(e.0)
}

fn build_exchange_totals(db: &mut dyn Backend) -> Result<Vec<u8>> {
    let rows = db.query(
        "SELECT person, direction, CAST(sum(CASE WHEN weight >= 1 THEN weight ELSE 1 END) AS BIGINT)
         FROM exchanges WHERE deleted = 0 AND at IS NOT NULL GROUP BY person, direction",
        &[],
    )?;
    let mut out: HashMap<Id, ExchangeTotals> = HashMap::new();
    for r in rows {
        let Some(id) = id_of(&r[0]) else { continue };
        let n = r[2].int().unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32;
        let t = out.entry(id).or_default();
        match r[1].text() {
            Some("gave") => t.gave = t.gave.saturating_add(n),
            Some("got") => t.got = t.got.saturating_add(n),
            _ => {}
        }
    }
    let mut e = Enc::default();
    e.u32(out.len() as u32);
    for (id, t) in out {
        e.id(id);
        e.u32(t.gave);
        e.u32(t.got);
    }
    Ok(e.0)
}

fn decode_exchange_totals(blob: &[u8]) -> Option<HashMap<Id, ExchangeTotals>> {
    let mut d = Dec(blob);
    let n = d.u32()? as usize;
    let mut out = HashMap::with_capacity(n);
    for _ in 0..n {
        let id = d.id()?;
        out.insert(id, ExchangeTotals { gave: d.u32()?, got: d.u32()? });
    }
    d.is_empty().then_some(out)
}

/// The tie graph's source, cached as `graph.v1`: the live named people in id order (node
/// numbers), and each live tie between two of them as (node, node, strength).
fn build_graph(db: &mut dyn Backend) -> Result<Vec<u8>> {
    let mut ids: Vec<Id> = Vec::new();
    db.query_each("SELECT id FROM people WHERE deleted = 0 AND display_name IS NOT NULL ORDER BY id", &[], &mut |r| {
        if let Some(id) = id_of(&r[0]) {
            ids.push(id);
        }
    })?;
    let index: IdMap<u32> = ids.iter().enumerate().map(|(i, &id)| (id, i as u32)).collect();
    let mut e = Enc::default();
    e.u32(ids.len() as u32);
    for &id in &ids {
        e.id(id);
    }
    let mut edges = Enc::default();
    let mut m = 0u32;
    db.query_each("SELECT a, b, strength FROM ties WHERE deleted = 0", &[], &mut |r| {
        let (Some(a), Some(b)) = (
            r[0].text().and_then(|s| s.parse::<Id>().ok()).and_then(|id| index.get(&id).copied()),
            r[1].text().and_then(|s| s.parse::<Id>().ok()).and_then(|id| index.get(&id).copied()),
        ) else {
            return;
        };
        edges.u32(a);
        edges.u32(b);
        edges.u8(r[2].int().unwrap_or(3).clamp(1, 5) as u8);
        m += 1;
    })?;
    e.u32(m);
    e.0.extend_from_slice(&edges.0);
    Ok(e.0)
}

type GraphSource = (Vec<Id>, Vec<(u32, u32, u8)>);

fn decode_graph(blob: &[u8]) -> Option<GraphSource> {
    let mut d = Dec(blob);
    let n = d.u32()?;
    let mut ids = Vec::with_capacity(n as usize);
    for _ in 0..n {
        ids.push(d.id()?);
    }
    let m = d.u32()? as usize;
    let mut edges = Vec::with_capacity(m);
    for _ in 0..m {
        let (a, b, s) = (d.u32()?, d.u32()?, d.u8()?);
        if a >= n || b >= n {
            return None;
        }
        edges.push((a, b, s));
    }
    d.is_empty().then_some((ids, edges))
}

/// Open hooks soonest due first: a day sorts at its start (UTC), like `tasks`; undated last.
fn sort_hooks(hooks: &mut [OpenHook]) {
    let key = |h: &OpenHook| match (&h.due_date, h.due_at) {
        (Some(d), _) => (0, format!("{d}T00:00:00")),
        (None, Some(at)) => (0, at.strftime("%Y-%m-%dT%H:%M:%S").to_string()),
        _ => (1, String::new()),
    };
    hooks.sort_by_cached_key(|h| (key(h), h.task, h.person));
}
