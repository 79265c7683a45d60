//! `kith dev seed`: a deterministic synthetic network for benchmarks and demos.
//!
//! Everything is drawn from a seeded PRNG (splitmix64) and the command's "now" (`KITH_NOW`), so
//! one seed and one "now" give the same records, with the same ids, on any machine and either
//! engine. Only the operations' own ids and timestamps come from the store's stamping, as for any
//! other command.
//!
//! The shape of the network:
//! - organizations (about N/20) whose sizes follow a Zipf law; most people hold a role at one;
//! - tags, needs and offers from shared vocabularies with a Zipf-like skew, so that filters and
//!   matchmaking find something;
//! - ties by preferential attachment (Barabási–Albert): power-law degrees with average T, and
//!   `me` tied to about 150 people;
//! - interactions over the past two years, more of them recently, with people picked by tier and
//!   degree, a fifth of them with exchanges;
//! - tasks, hooks and events around now.
//!
//! Changes are committed in batches of about [`BATCH_OPS`] operations, one transaction each, so
//! memory stays bounded however large the plan.

use std::collections::HashSet;
use std::time::Instant;

use jiff::civil::Date;
use kith_core::model::{
    Birthday, Direction, EventKind, ExchangeKind, InteractionKind, NetType, Phone, ProjectStatus, Recurrence,
    TaskStatus, TieKind, Tier, split_name,
};
use kith_core::{ChangeSet, Id, Kind};
use serde::Serialize;
use serde_json::json;

use crate::app::{Ctx, Failure, Result, usage};
use crate::commands::tie_id;
use kith_store::edit::person_item;

pub struct Plan {
    pub people: usize,
    pub ties_per_person: usize,
    pub interactions: usize,
    pub seed: u64,
}

/// Operations per transaction.
pub const BATCH_OPS: usize = 20_000;
const MAX_PEOPLE: usize = 1_000_000;
const MAX_TIES_PER_PERSON: usize = 100;
const MAX_INTERACTIONS: usize = 10_000_000;
/// How many people `me` knows directly.
const ME_TIES: usize = 150;
const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;
/// The day table covers this many days before and after today.
const DAYS_PAST: i64 = 12 * 366;
const DAYS_AHEAD: i64 = 400;

/// What was written, for the summary line and `--json`.
#[derive(Debug, Default, Serialize)]
struct Counts {
    people: usize,
    me_created: bool,
    orgs: usize,
    roles: usize,
    ties: usize,
    interactions: usize,
    participants: usize,
    exchanges: usize,
    projects: usize,
    tasks: usize,
    hooks: usize,
    events: usize,
    attendees: usize,
    ops: usize,
    batches: usize,
    seconds: f64,
}

pub fn seed(ctx: &mut Ctx, plan: Plan) -> Result<()> {
    check(&plan)?;
    let started = Instant::now();
    let me = ctx.store.me()?;
    let mut g = Gen::new(ctx, &plan)?;
    let mut counts = Counts::default();
    {
        let mut w = Writer { ctx: &mut *ctx, cs: ChangeSet::new(), ops: 0, batches: 0, started };
        g.orgs(&mut w, &mut counts)?;
        let me = match me {
            Some(id) => id,
            None => {
                counts.me_created = true;
                g.me(&mut w)
            }
        };
        g.people(&mut w, &mut counts)?;
        g.ties(&mut w, &mut counts, me)?;
        let projects = g.projects(&mut w, &mut counts)?;
        let recent = g.interactions(&mut w, &mut counts)?;
        g.tasks(&mut w, &mut counts, &projects)?;
        g.hooks(&mut w, &mut counts, &recent)?;
        g.events(&mut w, &mut counts)?;
        w.flush("done", 0, 0)?;
        counts.ops = w.ops;
        counts.batches = w.batches;
    }
    ctx.store.optimize()?;
    counts.seconds = (started.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    if ctx.json {
        return crate::out::json(&counts).map_err(Failure::from);
    }
    crate::out::line(format!(
        "seeded {} people, {} ties, {} interactions ({} exchanges), {} tasks, {} hooks, {} events, {} orgs, {} projects{}: {} ops in {:.1} s",
        counts.people,
        counts.ties,
        counts.interactions,
        counts.exchanges,
        counts.tasks,
        counts.hooks,
        counts.events,
        counts.orgs,
        counts.projects,
        if counts.me_created { " and your profile" } else { "" },
        counts.ops,
        counts.seconds
    ))?;
    Ok(())
}

fn check(plan: &Plan) -> Result<()> {
    if plan.people == 0 || plan.people > MAX_PEOPLE {
        return Err(usage(format!("--people must be from 1 to {MAX_PEOPLE}, not {}", plan.people)));
    }
    if plan.ties_per_person > MAX_TIES_PER_PERSON {
        return Err(usage(format!(
            "--ties-per-person is the average number of ties per person: use 0 to {MAX_TIES_PER_PERSON}, not {}",
            plan.ties_per_person
        )));
    }
    if plan.interactions > MAX_INTERACTIONS {
        return Err(usage(format!("--interactions must be from 0 to {MAX_INTERACTIONS}, not {}", plan.interactions)));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Randomness

/// splitmix64: small, fast, and the same on every platform.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// An independent stream for one part of the network, so that changing how one part is drawn
    /// leaves the others as they were.
    fn stream(seed: u64, part: u64) -> Rng {
        let mut r = Rng(seed.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ part.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }

    /// splitmix64.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    fn word(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len())]
    }

    /// One value from a small table of (value, weight).
    fn weighted<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u32 = table.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total as usize) as u32;
        for &(v, w) in table {
            if x < w {
                return v;
            }
            x -= w;
        }
        table[table.len() - 1].0
    }

    /// A UUIDv7 record id for a moment in the past (or future), random bits from the stream.
    fn id(&mut self, ms: i64) -> Id {
        let (a, b) = (self.next().to_le_bytes(), self.next().to_le_bytes());
        let mut bytes = [0u8; 10];
        bytes[..8].copy_from_slice(&a);
        bytes[8..].copy_from_slice(&b[..2]);
        Id::v7(ms.max(0) as u64, bytes)
    }
}

/// Sampling from many weighted choices (people, organizations, tags) by binary search.
struct Weighted {
    cum: Vec<f64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut total = 0.0;
        let cum = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Weighted { cum }
    }

    /// Rank k (from 1) has weight k^-s.
    fn zipf(n: usize, s: f64) -> Weighted {
        Weighted::new((1..=n).map(|k| (k as f64).powf(-s)))
    }

    fn len(&self) -> usize {
        self.cum.len()
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cum.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        self.cum.partition_point(|&c| c <= x).min(self.cum.len().saturating_sub(1))
    }

    /// Up to `k` distinct choices (fewer when the draws keep repeating, as with a tiny table).
    fn distinct(&self, rng: &mut Rng, k: usize) -> Vec<usize> {
        let k = k.min(self.len());
        let mut out = Vec::with_capacity(k);
        let mut tries = 0;
        while out.len() < k && tries < 20 * k + 20 {
            tries += 1;
            let i = self.sample(rng);
            if !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Time

/// Local days around today: their `YYYY-MM-DD` and the instant they start, computed once.
struct Days {
    dates: Vec<String>,
    starts: Vec<i64>,
}

impl Days {
    fn new(ctx: &Ctx) -> Result<Days> {
        let today = ctx.now.date();
        let tz = ctx.tz().clone();
        let n = (DAYS_PAST + DAYS_AHEAD + 1) as usize;
        let (mut dates, mut starts) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for off in -DAYS_PAST..=DAYS_AHEAD {
            let day: Date = today
                .checked_add(jiff::Span::new().days(off))
                .map_err(|e| usage(format!("KITH_NOW is too close to the end of the calendar to seed: {e}")))?;
            let start = day.to_zoned_datetime(tz.clone()).map_err(|e| Failure::Internal(e.into()))?;
            dates.push(day.to_string());
            starts.push(start.timestamp().as_millisecond());
        }
        Ok(Days { dates, starts })
    }

    fn index(off: i64) -> usize {
        (off.clamp(-DAYS_PAST, DAYS_AHEAD) + DAYS_PAST) as usize
    }

    /// The day `off` days from today (negative: in the past).
    fn date(&self, off: i64) -> &str {
        &self.dates[Days::index(off)]
    }

    /// The instant local time `minutes` after midnight on day `off` (a DST change that day is
    /// ignored: synthetic data can be an hour off).
    fn at(&self, off: i64, minutes: i64) -> i64 {
        self.starts[Days::index(off)] + minutes * MINUTE_MS
    }
}

/// A time of day in working hours, in minutes after midnight, mostly 9 to 17.
fn working_minutes(rng: &mut Rng) -> i64 {
    let hour = rng.weighted(&[
        (8i64, 3),
        (9, 8),
        (10, 10),
        (11, 10),
        (12, 8),
        (13, 8),
        (14, 10),
        (15, 10),
        (16, 8),
        (17, 5),
        (18, 3),
        (19, 2),
    ]);
    hour * 60 + *rng.pick(&[0i64, 0, 15, 30, 30, 45])
}

// ---------------------------------------------------------------------------------------------
// Writing in batches

struct Writer<'a> {
    ctx: &'a mut Ctx,
    cs: ChangeSet,
    ops: usize,
    batches: usize,
    started: Instant,
}

impl Writer<'_> {
    fn set(&mut self, kind: Kind, id: Id, field: &'static str, value: impl Into<serde_json::Value>) {
        self.cs.set(kind, id, field, value);
    }

    /// Call after each whole record: commits when the batch is full.
    fn record(&mut self, what: &str, done: usize, total: usize) -> Result<()> {
        if self.cs.len() >= BATCH_OPS { self.flush(what, done, total) } else { Ok(()) }
    }

    fn flush(&mut self, what: &str, done: usize, total: usize) -> Result<()> {
        if self.cs.is_empty() {
            return Ok(());
        }
        let cs = std::mem::take(&mut self.cs);
        let n = cs.len();
        self.ctx.commit(cs)?;
        self.ops += n;
        self.batches += 1;
        let progress = if total > 0 { format!("{what} {done}/{total}") } else { what.to_string() };
        eprintln!(
            "seed: batch {:>4}  {:<28} {:>11} ops  {:>7.1} s",
            self.batches,
            progress,
            self.ops,
            self.started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The generator

struct Gen {
    plan_people: usize,
    ties_per_person: usize,
    interactions: usize,
    seed: u64,
    now_ms: i64,
    tz: Option<String>,
    days: Days,
    /// Organizations: id, name, domain.
    orgs: Vec<(Id, String, String)>,
    /// Bigger organizations first: a Zipf law over `orgs`.
    org_size: Weighted,
    /// People: id, display name, tier (0 = A … 3 = D), current organization.
    ids: Vec<Id>,
    names: Vec<String>,
    tiers: Vec<u8>,
    org_of: Vec<Option<u32>>,
    degree: Vec<u32>,
    /// Who takes part in interactions, events and tasks: higher tiers and hubs more often.
    active: Option<Weighted>,
}

const TIER_WEIGHT: [f64; 4] = [10.0, 4.0, 1.5, 0.6];

impl Gen {
    fn new(ctx: &Ctx, plan: &Plan) -> Result<Gen> {
        let orgs = (plan.people / 20).max(1);
        Ok(Gen {
            plan_people: plan.people,
            ties_per_person: plan.ties_per_person,
            interactions: plan.interactions,
            seed: plan.seed,
            now_ms: ctx.now.timestamp().as_millisecond(),
            tz: ctx.tz().iana_name().map(str::to_string),
            days: Days::new(ctx)?,
            orgs: Vec::with_capacity(orgs),
            org_size: Weighted::zipf(orgs, 0.8),
            ids: Vec::with_capacity(plan.people),
            names: Vec::with_capacity(plan.people),
            tiers: Vec::with_capacity(plan.people),
            org_of: Vec::with_capacity(plan.people),
            degree: vec![0; plan.people],
            active: None,
        })
    }

    fn rng(&self, part: u64) -> Rng {
        Rng::stream(self.seed, part)
    }

    fn active(&mut self) -> &Weighted {
        if self.active.is_none() {
            let w = (0..self.ids.len())
                .map(|i| TIER_WEIGHT[self.tiers[i] as usize] * (1.0 + f64::from(self.degree[i])).sqrt());
            self.active = Some(Weighted::new(w));
        }
        self.active.as_ref().unwrap()
    }

    fn orgs(&mut self, w: &mut Writer, counts: &mut Counts) -> Result<()> {
        let mut rng = self.rng(1);
        let n = self.org_size.len();
        let mut used = HashSet::new();
        for i in 0..n {
            let mut attempt = 0;
            let name = loop {
                let mut name = if rng.chance(0.35) {
                    format!("{} {} {}", rng.pick(ORG_FIRST), rng.pick(ORG_MIDDLE), rng.pick(ORG_LAST))
                } else {
                    format!("{} {}", rng.pick(ORG_FIRST), rng.pick(ORG_LAST))
                };
                attempt += 1;
                if attempt > 20 {
                    // All the likely names are taken: number it.
                    name = format!("{name} {}", i + 1);
                }
                if used.insert(name.clone()) {
                    break name;
                }
            };
            let domain = format!("{}.example", slug(&name, ""));
            // Organizations were added to the network over the last seven years.
            let id = rng.id(self.now_ms - 7 * 365 * DAY_MS + (i as i64) * (6 * 365 * DAY_MS / n as i64));
            w.set(Kind::Org, id, "name", name.as_str());
            w.set(Kind::Org, id, "domain", domain.as_str());
            let industry = *rng.pick(INDUSTRIES);
            let item = Id::derive(id, "tag", industry);
            w.set(Kind::OrgItem, item, "parent", id.to_string());
            w.set(Kind::OrgItem, item, "kind", "tag");
            w.set(Kind::OrgItem, item, "value", industry);
            if rng.chance(0.1) {
                w.set(
                    Kind::Org,
                    id,
                    "notes",
                    format!("{} company based in {}.", capitalize(industry), rng.pick(CITIES)),
                );
            }
            self.orgs.push((id, name, domain));
            counts.orgs += 1;
            w.record("orgs", i + 1, n)?;
        }
        Ok(())
    }

    fn me(&mut self, w: &mut Writer) -> Id {
        let mut rng = self.rng(2);
        let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
        let name = format!("{first} {last}");
        let id = rng.id(self.now_ms - 7 * 365 * DAY_MS - DAY_MS);
        let (given, family) = split_name(&name);
        w.set(Kind::Person, id, "display_name", name.as_str());
        w.set(Kind::Person, id, "given_name", given);
        w.set(Kind::Person, id, "family_name", family);
        w.set(Kind::Person, id, "is_me", true);
        let industry = *rng.pick(INDUSTRIES);
        w.set(
            Kind::Person,
            id,
            "pitch",
            format!(
                "I help {industry} teams turn {} into products people love; ask me about {}.",
                rng.pick(&["messy research", "customer interviews", "half-built prototypes", "big ideas"]),
                rng.pick(TOPICS)
            ),
        );
        let email = format!("{}.{}@{}", slug(first, ""), slug(last, ""), rng.pick(MAIL_DOMAINS));
        person_item(&mut w.cs, id, "email", &email, &email, None, false);
        w.set(Kind::PersonItem, Id::derive(id, "email", &email), "pref", 1);
        let vocab = Weighted::zipf(NEEDS_OFFERS.len(), 0.7);
        for s in Weighted::zipf(STRENGTHS.len(), 0.5).distinct(&mut rng, 3) {
            person_item(&mut w.cs, id, "strength", STRENGTHS[s], STRENGTHS[s], None, false);
        }
        for o in vocab.distinct(&mut rng, 3) {
            person_item(&mut w.cs, id, "offer", NEEDS_OFFERS[o], NEEDS_OFFERS[o], None, false);
        }
        for n in vocab.distinct(&mut rng, 2) {
            person_item(&mut w.cs, id, "need", NEEDS_OFFERS[n], NEEDS_OFFERS[n], None, false);
        }
        id
    }

    fn people(&mut self, w: &mut Writer, counts: &mut Counts) -> Result<()> {
        let mut rng = self.rng(3);
        let n = self.plan_people;
        let tags = Weighted::zipf(TAGS.len(), 0.75);
        let vocab = Weighted::zipf(NEEDS_OFFERS.len(), 0.7);
        let titles = Weighted::zipf(TITLES.len(), 0.6);
        let span = 6 * 365 * DAY_MS;
        for i in 0..n {
            let (first, last) = (*rng.pick(FIRST), *rng.pick(LAST));
            let name = format!("{first} {last}");
            // Contacts were added over the last six years, oldest first.
            let created = self.now_ms - span + (i as i64) * (span / n as i64) + rng.between(0, 3_600_000);
            let created_day = (created - self.now_ms) / DAY_MS;
            let id = rng.id(created);
            let (given, family) = split_name(&name);
            w.set(Kind::Person, id, "display_name", name.as_str());
            w.set(Kind::Person, id, "given_name", given);
            w.set(Kind::Person, id, "family_name", family);
            let tier = rng.weighted(&[(0u8, 5), (1, 15), (2, 40), (3, 40)]);
            w.set(Kind::Person, id, "tier", [Tier::A, Tier::B, Tier::C, Tier::D][tier as usize].as_str());
            let net = rng.weighted(&[(NetType::Operational, 45), (NetType::Personal, 30), (NetType::Strategic, 25)]);
            w.set(Kind::Person, id, "net_type", net.as_str());
            if rng.chance(0.6) {
                w.set(Kind::Person, id, "met_how", met_how(&mut rng));
                if rng.chance(0.5) {
                    w.set(Kind::Person, id, "met_where", *rng.pick(CITIES));
                }
                if rng.chance(0.5) {
                    w.set(Kind::Person, id, "met_on", self.days.date(created_day - rng.between(0, 400)));
                }
            }
            if rng.chance(0.12) {
                let month = rng.between(1, 12) as i8;
                let day = rng.between(1, days_in_month(month)) as i8;
                let year = if rng.chance(0.6) { Some(rng.between(1958, 2003) as i16) } else { None };
                w.set(Kind::Person, id, "birthday", Birthday { year, month, day }.to_string());
            }
            let cadence = match tier {
                0 if rng.chance(0.6) => Some(*rng.pick(&[14, 30, 30, 45])),
                1 if rng.chance(0.4) => Some(*rng.pick(&[60, 90])),
                _ if rng.chance(0.05) => Some(180),
                _ => None,
            };
            if let Some(c) = cadence {
                w.set(Kind::Person, id, "cadence_days", c as i64);
            }
            if rng.chance(0.08) {
                w.set(Kind::Person, id, "notes", person_note(&mut rng));
            }

            // Work: a current role at an organization (big ones more likely), sometimes a past one.
            let org = if rng.chance(0.8) { Some(self.org_size.sample(&mut rng) as u32) } else { None };
            if let Some(o) = org {
                let role = rng.id(created);
                w.set(Kind::Role, role, "person", id.to_string());
                w.set(Kind::Role, role, "org", self.orgs[o as usize].0.to_string());
                w.set(Kind::Role, role, "title", TITLES[titles.sample(&mut rng)]);
                w.set(Kind::Role, role, "start_on", self.days.date(-rng.between(90, 8 * 365)));
                counts.roles += 1;
                if rng.chance(0.15) {
                    let past = self.org_size.sample(&mut rng);
                    if past != o as usize {
                        let role = rng.id(created + 1);
                        let end = rng.between(8 * 365 + 1, 10 * 365);
                        w.set(Kind::Role, role, "person", id.to_string());
                        w.set(Kind::Role, role, "org", self.orgs[past].0.to_string());
                        w.set(Kind::Role, role, "title", TITLES[titles.sample(&mut rng)]);
                        w.set(Kind::Role, role, "start_on", self.days.date(-end - rng.between(200, 1500)));
                        w.set(Kind::Role, role, "end_on", self.days.date(-end));
                        counts.roles += 1;
                    }
                }
            }

            // Contact details: a work email at the organization and/or a personal one.
            let local = format!("{}.{}.{}", slug(first, ""), slug(last, ""), i + 1);
            let mut emails = Vec::new();
            if let Some(o) = org
                && rng.chance(0.75)
            {
                emails.push(format!("{local}@{}", self.orgs[o as usize].2));
            }
            if emails.is_empty() || rng.chance(0.3) {
                emails.push(format!("{local}@{}", rng.pick(MAIL_DOMAINS)));
            }
            for (k, e) in emails.iter().enumerate() {
                person_item(&mut w.cs, id, "email", e, e, None, false);
                if k == 0 {
                    w.set(Kind::PersonItem, Id::derive(id, "email", e), "pref", 1);
                }
            }
            if rng.chance(0.35) {
                let raw = phone_number(&mut rng);
                if let Ok(p) = Phone::parse(&raw) {
                    let label = if rng.chance(0.7) { Some("mobile") } else { Some("work") };
                    person_item(&mut w.cs, id, "phone", p.key(), p.display(), label, false);
                }
            }
            if rng.chance(0.2) {
                let url = format!("https://www.linkedin.com/in/{}", slug(&name, "-")) + &format!("-{}", i + 1);
                person_item(&mut w.cs, id, "link", &url.to_lowercase(), &url, Some("linkedin"), false);
            }

            // Tags, needs and offers from shared vocabularies.
            let k = rng.weighted(&[(0usize, 25), (1, 40), (2, 25), (3, 10)]);
            for t in tags.distinct(&mut rng, k) {
                person_item(&mut w.cs, id, "tag", TAGS[t], TAGS[t], None, false);
            }
            if rng.chance(0.35) {
                let k = rng_count(&mut rng);
                for v in vocab.distinct(&mut rng, k) {
                    person_item(&mut w.cs, id, "need", NEEDS_OFFERS[v], NEEDS_OFFERS[v], None, false);
                }
            }
            if rng.chance(0.4) {
                let k = rng_count(&mut rng);
                for v in vocab.distinct(&mut rng, k) {
                    person_item(&mut w.cs, id, "offer", NEEDS_OFFERS[v], NEEDS_OFFERS[v], None, false);
                }
            }

            self.ids.push(id);
            self.names.push(name);
            self.tiers.push(tier);
            self.org_of.push(org);
            counts.people += 1;
            w.record("people", i + 1, n)?;
        }
        Ok(())
    }

    /// Preferential attachment: each newcomer ties to `T/2` people chosen in proportion to how
    /// many ties they have already, so a few hubs know many and most know a few.
    fn ties(&mut self, w: &mut Writer, counts: &mut Counts, me: Id) -> Result<()> {
        let mut rng = self.rng(4);
        let n = self.ids.len();
        let t = self.ties_per_person;
        // Every tie adds both of its ends here: a uniform pick is a pick by degree.
        let mut ends: Vec<u32> = Vec::with_capacity(n * t + 2);
        let mut chosen: Vec<u32> = Vec::with_capacity(t / 2 + 1);
        for i in 1..n {
            // T/2 ties per newcomer, T odd: half of them make one more.
            let m = (t / 2 + usize::from(t % 2 == 1 && rng.chance(0.5))).min(i);
            chosen.clear();
            if ends.is_empty() || i <= m {
                // The first few people all know each other.
                chosen.extend((0..i as u32).rev().take(m));
            } else {
                let mut tries = 0;
                while chosen.len() < m && tries < 50 * m {
                    tries += 1;
                    // A few picks uniformly, so that newcomers can be found too.
                    let j = if rng.chance(0.1) { rng.below(i) as u32 } else { ends[rng.below(ends.len())] };
                    if !chosen.contains(&j) {
                        chosen.push(j);
                    }
                }
            }
            for &j in &chosen {
                self.tie(w, &mut rng, i, j as usize);
                ends.push(i as u32);
                ends.push(j);
                counts.ties += 1;
            }
            w.record("ties", i + 1, n)?;
        }
        drop(ends);
        // Me: ties to about 150 people, the ones who matter most first.
        let mine = self.active().distinct(&mut rng, ME_TIES.min(n));
        for j in mine {
            let other = self.ids[j];
            let id = tie_id(me, other);
            w.set(Kind::Tie, id, "a", me.to_string());
            w.set(Kind::Tie, id, "b", other.to_string());
            let kind = rng.weighted(&[
                (TieKind::Colleague, 20),
                (TieKind::FormerColleague, 20),
                (TieKind::Friend, 20),
                (TieKind::Client, 15),
                (TieKind::Mentor, 5),
                (TieKind::IntroducedBy, 10),
                (TieKind::Family, 2),
                (TieKind::Other, 8),
            ]);
            w.set(Kind::Tie, id, "kind", kind.as_str());
            let strength = 6 - i64::from(self.tiers[j]) - rng.between(0, 1);
            w.set(Kind::Tie, id, "strength", strength.clamp(1, 5));
            w.set(Kind::Tie, id, "since", self.days.date(-rng.between(30, 10 * 365)));
            self.degree[j] += 1;
            counts.ties += 1;
        }
        // Degrees changed: the weights of who is active follow them.
        self.active = None;
        w.record("ties", n, n)
    }

    fn tie(&mut self, w: &mut Writer, rng: &mut Rng, i: usize, j: usize) {
        let (a, b) = (self.ids[i], self.ids[j]);
        let id = tie_id(a, b);
        w.set(Kind::Tie, id, "a", a.to_string());
        w.set(Kind::Tie, id, "b", b.to_string());
        let same_org = self.org_of[i].is_some() && self.org_of[i] == self.org_of[j];
        let kind = if same_org && rng.chance(0.8) {
            TieKind::Colleague
        } else {
            rng.weighted(&[
                (TieKind::Colleague, 20),
                (TieKind::FormerColleague, 18),
                (TieKind::Friend, 18),
                (TieKind::Client, 12),
                (TieKind::IntroducedBy, 10),
                (TieKind::Mentor, 5),
                (TieKind::Family, 3),
                (TieKind::Other, 14),
            ])
        };
        w.set(Kind::Tie, id, "kind", kind.as_str());
        w.set(Kind::Tie, id, "strength", rng.weighted(&[(1i64, 15), (2, 30), (3, 30), (4, 17), (5, 8)]));
        if rng.chance(0.5) {
            w.set(Kind::Tie, id, "since", self.days.date(-rng.between(30, 12 * 365)));
        }
        if kind == TieKind::IntroducedBy && rng.chance(0.5) {
            let k = rng.below(self.names.len());
            w.set(Kind::Tie, id, "note", format!("introduced by {}", self.names[k]));
        } else if rng.chance(0.05) {
            w.set(Kind::Tie, id, "source", *rng.pick(&["linkedin", "conference", "university", "import"]));
        }
        self.degree[i] += 1;
        self.degree[j] += 1;
    }

    fn projects(&mut self, w: &mut Writer, counts: &mut Counts) -> Result<Vec<Id>> {
        let mut rng = self.rng(5);
        let n = (self.plan_people / 100).clamp(1, 20);
        let mut names: Vec<&str> = PROJECTS.to_vec();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let name = names.remove(rng.below(names.len()));
            let created = self.now_ms - rng.between(20, 400) * DAY_MS;
            let id = rng.id(created);
            w.set(Kind::Project, id, "name", name);
            let status = match i {
                0 | 1 => ProjectStatus::Active,
                _ => rng.weighted(&[(ProjectStatus::Active, 16), (ProjectStatus::Paused, 2), (ProjectStatus::Done, 2)]),
            };
            w.set(Kind::Project, id, "status", status.as_str());
            if rng.chance(0.6) {
                w.set(
                    Kind::Project,
                    id,
                    "description",
                    format!("{} for {}.", capitalize(rng.word(GOALS)), rng.pick(TOPICS)),
                );
            }
            out.push(id);
            counts.projects += 1;
        }
        w.record("projects", n, n)?;
        Ok(out)
    }

    /// Interactions over the past two years, more recent ones more frequent, written oldest
    /// first. Returns the last 45 days' interactions (id, first participant, time), for hooks.
    fn interactions(&mut self, w: &mut Writer, counts: &mut Counts) -> Result<Vec<(Id, u32, i64)>> {
        let mut rng = self.rng(6);
        let m = self.interactions;
        let mut recent = Vec::new();
        if m == 0 || self.ids.is_empty() {
            return Ok(recent);
        }
        // Ages follow an exponential law (mean about a year) cut at two years.
        let (tau, horizon) = (400.0_f64, 730.0_f64);
        let cut = 1.0 - (-horizon / tau).exp();
        let mut times: Vec<i64> = (0..m)
            .map(|_| {
                let age = -tau * (1.0 - rng.unit() * cut).ln();
                let day = -(age.floor() as i64).min(729);
                let t = self.days.at(day, working_minutes(&mut rng));
                if t >= self.now_ms { self.now_ms - rng.between(5, 600) * MINUTE_MS } else { t }
            })
            .collect();
        times.sort_unstable();
        let recent_from = self.now_ms - 45 * DAY_MS;
        let exchange_what = Weighted::zipf(TOPICS.len(), 0.5);
        for (k, &at) in times.iter().enumerate() {
            let id = rng.id(at);
            let kind = rng.weighted(&[
                (InteractionKind::Meeting, 20),
                (InteractionKind::Call, 15),
                (InteractionKind::Video, 15),
                (InteractionKind::Email, 18),
                (InteractionKind::Message, 12),
                (InteractionKind::Lunch, 6),
                (InteractionKind::Coffee, 9),
                (InteractionKind::Event, 2),
                (InteractionKind::Intro, 2),
                (InteractionKind::Other, 1),
            ]);
            let count = rng.weighted(&[(1usize, 72), (2, 20), (3, 8)]);
            let people = self.active().distinct(&mut rng, count);
            w.set(Kind::Interaction, id, "kind", kind.as_str());
            w.set(Kind::Interaction, id, "occurred_at", at);
            let first = first_name(&self.names[people[0]]);
            if rng.chance(0.9) {
                w.set(Kind::Interaction, id, "summary", self.summary(&mut rng, kind, people[0]));
            }
            if rng.chance(0.45) {
                w.set(Kind::Interaction, id, "notes", interaction_note(&mut rng, first));
            }
            for &p in &people {
                let pid = self.ids[p];
                let pt = Id::derive(id, "participant", &pid.to_string());
                w.set(Kind::Participant, pt, "interaction", id.to_string());
                w.set(Kind::Participant, pt, "person", pid.to_string());
                counts.participants += 1;
            }
            if rng.chance(0.2) {
                let n = if rng.chance(0.8) { 1 } else { 2 };
                for _ in 0..n {
                    let ex = rng.id(at);
                    let direction = if rng.chance(0.55) { Direction::Gave } else { Direction::Got };
                    let (kind, what) = self.exchange(&mut rng, &exchange_what);
                    let with = people[rng.below(people.len())];
                    w.set(Kind::Exchange, ex, "interaction", id.to_string());
                    w.set(Kind::Exchange, ex, "person", self.ids[with].to_string());
                    w.set(Kind::Exchange, ex, "direction", direction.as_str());
                    w.set(Kind::Exchange, ex, "kind", kind.as_str());
                    w.set(Kind::Exchange, ex, "what", what);
                    w.set(Kind::Exchange, ex, "weight", rng.weighted(&[(1i64, 60), (2, 30), (3, 10)]));
                    counts.exchanges += 1;
                }
            }
            if at >= recent_from {
                recent.push((id, people[0] as u32, at));
            }
            counts.interactions += 1;
            w.record("interactions", k + 1, m)?;
        }
        Ok(recent)
    }

    fn summary(&self, rng: &mut Rng, kind: InteractionKind, with: usize) -> String {
        let first = first_name(&self.names[with]);
        let topic = *rng.pick(TOPICS);
        match rng.below(6) {
            0 => format!("{} {topic}", rng.pick(VERBS)),
            1 => format!("{} {topic} and {}", rng.pick(VERBS), other_topic(rng, topic)),
            2 => match self.org_of[with] {
                Some(o) => format!("{} {topic} at {}", rng.pick(VERBS), self.orgs[o as usize].1),
                None => format!("{} {topic}", rng.pick(VERBS)),
            },
            3 => format!("{} with {first}: {topic}", capitalize(kind.as_str())),
            4 => format!("{first} asked about {topic}"),
            _ => format!("{} {topic} with {first}", rng.pick(VERBS)),
        }
    }

    fn exchange(&self, rng: &mut Rng, topics: &Weighted) -> (ExchangeKind, String) {
        let kind = rng.weighted(&[
            (ExchangeKind::Intro, 20),
            (ExchangeKind::Advice, 25),
            (ExchangeKind::Referral, 8),
            (ExchangeKind::JobLead, 6),
            (ExchangeKind::Favor, 10),
            (ExchangeKind::Gift, 4),
            (ExchangeKind::Recommendation, 8),
            (ExchangeKind::Info, 17),
            (ExchangeKind::Other, 2),
        ]);
        let topic = TOPICS[topics.sample(rng)];
        let org = &self.orgs[self.org_size.sample(rng)].1;
        let what = match kind {
            ExchangeKind::Intro => format!("intro to {}", self.names[rng.below(self.names.len())]),
            ExchangeKind::Advice => format!("advice on {topic}"),
            ExchangeKind::Referral => format!("referral to {org}"),
            ExchangeKind::JobLead => format!("job lead: {} at {org}", TITLES[rng.below(TITLES.len())]),
            ExchangeKind::Favor => format!("help with {topic}"),
            ExchangeKind::Gift => format!("book: {}", rng.pick(BOOKS)),
            ExchangeKind::Recommendation => format!("recommendation for {topic}"),
            ExchangeKind::Info => format!("{} about {topic}", rng.pick(THINGS)),
            ExchangeKind::Other => {
                (*rng.pick(&["coffee", "lunch", "a ride to the airport", "conference ticket"])).to_string()
            }
        };
        (kind, what)
    }

    fn tasks(&mut self, w: &mut Writer, counts: &mut Counts, projects: &[Id]) -> Result<()> {
        let mut rng = self.rng(7);
        let n = self.plan_people / 10;
        for k in 0..n {
            let due_day = rng.between(-30, 30);
            let created = (self.days.at(due_day, 0) - rng.between(1, 30) * DAY_MS).min(self.now_ms - MINUTE_MS);
            let id = rng.id(created);
            let person =
                if !self.ids.is_empty() && rng.chance(0.4) { Some(self.active().sample(&mut rng)) } else { None };
            let title = match (person, rng.below(5)) {
                (Some(p), 0 | 1) => format!("Follow up with {} about {}", self.names[p], rng.pick(TOPICS)),
                (Some(p), _) => format!("Send {} the {}", self.names[p], rng.pick(THINGS)),
                (None, 0) => format!("Prepare {}", rng.pick(DOCS)),
                (None, 1) => format!("Review {}", rng.pick(TOPICS)),
                (None, 2) => format!("Draft {} for {}", rng.pick(DOCS), rng.pick(TOPICS)),
                (None, 3) => format!("Book a venue in {}", rng.pick(CITIES)),
                (None, _) => format!("Update notes on {}", rng.pick(TOPICS)),
            };
            w.set(Kind::Task, id, "title", title);
            self.due_and_status(w, &mut rng, id, due_day, 0.8, 0.05);
            if !projects.is_empty() && rng.chance(0.4) {
                w.set(Kind::Task, id, "project", rng.pick(projects).to_string());
            }
            if rng.chance(0.4) {
                w.set(Kind::Task, id, "priority", rng.between(1, 3));
            }
            if rng.chance(0.04) {
                let r =
                    rng.weighted(&[(Recurrence::Weekly, 3), (Recurrence::Monthly, 2), (Recurrence::EveryDays(14), 1)]);
                w.set(Kind::Task, id, "recurrence", r.to_string());
            }
            if rng.chance(0.15) {
                w.set(Kind::Task, id, "reminders", json!([*rng.pick(&[15, 60, 1440])]));
            }
            if rng.chance(0.1) {
                w.set(Kind::Task, id, "notes", format!("{} first.", capitalize(rng.word(GOALS))));
            }
            if let Some(p) = person {
                self.task_person(w, id, p);
                if rng.chance(0.2) {
                    let q = self.active().sample(&mut rng);
                    if q != p {
                        self.task_person(w, id, q);
                    }
                }
            }
            counts.tasks += 1;
            w.record("tasks", k + 1, n)?;
        }
        Ok(())
    }

    /// Follow-up hooks on people, most of them left after a recent interaction.
    fn hooks(&mut self, w: &mut Writer, counts: &mut Counts, recent: &[(Id, u32, i64)]) -> Result<()> {
        let mut rng = self.rng(8);
        let n = if self.ids.is_empty() { 0 } else { self.plan_people / 20 };
        for k in 0..n {
            let due_day = rng.between(-30, 30);
            let due_ms = self.days.at(due_day, 0);
            // An interaction 2 to 14 days before the hook is due, if one happened then.
            let lo = recent.partition_point(|r| r.2 < due_ms - 14 * DAY_MS);
            let hi = recent.partition_point(|r| r.2 < due_ms - 2 * DAY_MS);
            let (from, person, created) = if hi > lo && rng.chance(0.85) {
                let (i, p, at) = recent[lo + rng.below(hi - lo)];
                (Some(i), p as usize, at + rng.between(10, 120) * MINUTE_MS)
            } else {
                let p = self.active().sample(&mut rng);
                (None, p, (due_ms - rng.between(2, 14) * DAY_MS).min(self.now_ms - MINUTE_MS))
            };
            let id = rng.id(created.min(self.now_ms - MINUTE_MS));
            let title = match rng.below(5) {
                0 => format!("send the {}", rng.pick(THINGS)),
                1 => {
                    format!("intro {} to {}", first_name(&self.names[person]), self.names[rng.below(self.names.len())])
                }
                2 => format!("check in about {}", rng.pick(TOPICS)),
                3 => format!("share the {} about {}", rng.pick(THINGS), rng.pick(TOPICS)),
                _ => format!("ask how {} went", rng.pick(TOPICS)),
            };
            w.set(Kind::Task, id, "title", title);
            w.set(Kind::Task, id, "hook", true);
            self.due_and_status(w, &mut rng, id, due_day, 0.65, 0.05);
            if let Some(i) = from {
                w.set(Kind::Task, id, "interaction", i.to_string());
            }
            if rng.chance(0.3) {
                w.set(Kind::Task, id, "reminders", json!([1440]));
            }
            self.task_person(w, id, person);
            counts.hooks += 1;
            w.record("hooks", k + 1, n)?;
        }
        Ok(())
    }

    /// Due on a day (mostly) or at a time; done with probability `done_past` when due before
    /// today, `done_future` otherwise.
    fn due_and_status(&self, w: &mut Writer, rng: &mut Rng, id: Id, due_day: i64, done_past: f64, done_future: f64) {
        let due_ms = if rng.chance(0.7) {
            w.set(Kind::Task, id, "due_date", self.days.date(due_day));
            self.days.at(due_day, 17 * 60)
        } else {
            let at = self.days.at(due_day, working_minutes(rng));
            w.set(Kind::Task, id, "due_at", at);
            at
        };
        let done = rng.chance(if due_day < 0 { done_past } else { done_future });
        if done {
            let at = (due_ms - rng.between(0, 3 * 24 * 60) * MINUTE_MS).min(self.now_ms - MINUTE_MS);
            w.set(Kind::Task, id, "status", TaskStatus::Done.as_str());
            w.set(Kind::Task, id, "done_at", at);
        } else {
            w.set(Kind::Task, id, "status", TaskStatus::Open.as_str());
        }
    }

    fn task_person(&self, w: &mut Writer, task: Id, person: usize) {
        let pid = self.ids[person];
        let tp = Id::derive(task, "task_person", &pid.to_string());
        w.set(Kind::TaskPerson, tp, "task", task.to_string());
        w.set(Kind::TaskPerson, tp, "person", pid.to_string());
    }

    fn events(&mut self, w: &mut Writer, counts: &mut Counts) -> Result<()> {
        let mut rng = self.rng(9);
        let n = if self.ids.is_empty() { 0 } else { (self.plan_people + 50) / 100 };
        let year = self.days.date(0)[..4].to_string();
        for k in 0..n {
            let day = rng.between(-60, 60);
            let kind = rng.weighted(&[
                (EventKind::Conference, 10),
                (EventKind::Seminar, 6),
                (EventKind::Training, 6),
                (EventKind::Meetup, 14),
                (EventKind::Forum, 4),
                (EventKind::Exhibition, 3),
                (EventKind::Coffee, 16),
                (EventKind::Lunch, 14),
                (EventKind::Webinar, 12),
                (EventKind::OnlineGroup, 5),
                (EventKind::Charity, 2),
                (EventKind::Visit, 5),
                (EventKind::Other, 3),
            ]);
            let city = *rng.pick(CITIES);
            let host = self.active().sample(&mut rng);
            let topic = *rng.pick(TOPICS);
            let (title, minutes, hours, attendees) = match kind {
                EventKind::Conference => (format!("{}Conf {city} {year}", rng.pick(CONF_PREFIX)), 9 * 60, 9, (5, 20)),
                EventKind::Seminar => (format!("Seminar: {topic}"), 14 * 60, 3, (2, 8)),
                EventKind::Training => (format!("Workshop: {topic}"), 9 * 60, 7, (2, 10)),
                EventKind::Meetup => (format!("{} Meetup {city}", rng.pick(MEETUPS)), 18 * 60, 3, (3, 12)),
                EventKind::Forum => (format!("{} Forum {city}", capitalize(rng.word(INDUSTRIES))), 10 * 60, 6, (3, 12)),
                EventKind::Exhibition => {
                    (format!("{} Expo {year}", capitalize(rng.word(INDUSTRIES))), 10 * 60, 8, (2, 8))
                }
                EventKind::Coffee => {
                    (format!("Coffee with {}", self.names[host]), working_minutes(&mut rng), 1, (0, 1))
                }
                EventKind::Lunch => (format!("Lunch with {}", self.names[host]), 12 * 60 + 30, 2, (0, 2)),
                EventKind::Webinar => (format!("Webinar: {topic}"), working_minutes(&mut rng), 1, (1, 6)),
                EventKind::OnlineGroup => (format!("{} community call", rng.pick(MEETUPS)), 17 * 60, 1, (2, 8)),
                EventKind::Charity => (format!("Charity run {city}"), 9 * 60, 4, (1, 5)),
                EventKind::Visit => {
                    let org = match self.org_of[host] {
                        Some(o) => self.orgs[o as usize].1.clone(),
                        None => self.orgs[self.org_size.sample(&mut rng)].1.clone(),
                    };
                    (format!("Visit {org}"), working_minutes(&mut rng), 2, (1, 3))
                }
                EventKind::Other => (format!("Team offsite: {topic}"), 10 * 60, 6, (1, 5)),
            };
            let start = self.days.at(day, minutes);
            let created = (start - rng.between(3, 60) * DAY_MS).min(self.now_ms - MINUTE_MS);
            let id = rng.id(created);
            w.set(Kind::Event, id, "title", title);
            w.set(Kind::Event, id, "kind", kind.as_str());
            w.set(Kind::Event, id, "start_at", start);
            let end = if kind == EventKind::Conference && rng.chance(0.4) {
                self.days.at(day + 1, 18 * 60)
            } else {
                start + hours * 60 * MINUTE_MS
            };
            w.set(Kind::Event, id, "end_at", end);
            if let Some(tz) = &self.tz {
                w.set(Kind::Event, id, "tz", tz.as_str());
            }
            if matches!(kind, EventKind::Webinar | EventKind::OnlineGroup) {
                w.set(Kind::Event, id, "link", format!("https://meet.example/{}", slug(topic, "-")));
            } else {
                let place = match kind {
                    EventKind::Coffee | EventKind::Lunch => format!("{} Café, {city}", rng.pick(ORG_FIRST)),
                    _ => city.to_string(),
                };
                w.set(Kind::Event, id, "place", place);
            }
            if rng.chance(0.4) {
                w.set(Kind::Event, id, "goals", format!("{}; {}", capitalize(rng.word(GOALS)), rng.pick(GOALS)));
            }
            if rng.chance(0.2) {
                w.set(Kind::Event, id, "prep", format!("Read up on {}", rng.pick(TOPICS)));
            }
            if day < 0 && rng.chance(0.5) {
                w.set(Kind::Event, id, "debrief", interaction_note(&mut rng, first_name(&self.names[host])));
            }
            let mut people = vec![host];
            let extra = rng.between(attendees.0, attendees.1) as usize;
            for p in self.active().distinct(&mut rng, extra + 1) {
                if !people.contains(&p) && people.len() <= extra {
                    people.push(p);
                }
            }
            for p in people {
                let pid = self.ids[p];
                let at = Id::derive(id, "attendee", &pid.to_string());
                w.set(Kind::Attendee, at, "event", id.to_string());
                w.set(Kind::Attendee, at, "person", pid.to_string());
                counts.attendees += 1;
            }
            counts.events += 1;
            w.record("events", k + 1, n)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Text

fn first_name(name: &str) -> &str {
    name.split(' ').next().unwrap_or(name)
}

/// A topic other than `topic`.
fn other_topic(rng: &mut Rng, topic: &str) -> &'static str {
    let i = TOPICS.iter().position(|t| *t == topic).unwrap_or(0);
    TOPICS[(i + 1 + rng.below(TOPICS.len() - 1)) % TOPICS.len()]
}

fn rng_count(rng: &mut Rng) -> usize {
    if rng.chance(0.7) { 1 } else { 2 }
}

fn days_in_month(month: i8) -> i64 {
    match month {
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Lower-case ASCII letters and digits for emails, domains and URLs; words joined by `sep`.
fn slug(s: &str, sep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        let w: String = word
            .chars()
            .flat_map(char::to_lowercase)
            .filter_map(|c| match c {
                'a'..='z' | '0'..='9' => Some(c),
                'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => Some('a'),
                'é' | 'è' | 'ê' | 'ë' | 'ě' => Some('e'),
                'í' | 'ì' | 'î' | 'ï' => Some('i'),
                'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => Some('o'),
                'ú' | 'ù' | 'û' | 'ü' | 'ů' => Some('u'),
                'ý' => Some('y'),
                'č' | 'ç' => Some('c'),
                'ř' => Some('r'),
                'š' => Some('s'),
                'ž' => Some('z'),
                'ň' | 'ñ' => Some('n'),
                'ł' => Some('l'),
                'ď' => Some('d'),
                'ť' => Some('t'),
                _ => None,
            })
            .collect();
        if w.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str(sep);
        }
        out.push_str(&w);
    }
    out
}

fn phone_number(rng: &mut Rng) -> String {
    match rng.below(5) {
        0 | 1 => format!("+1 {} 555 {:04}", rng.pick(&[212, 312, 415, 512, 617, 646, 206, 303]), rng.below(10_000)),
        2 => format!("+44 20 7946 {:04}", rng.below(10_000)),
        3 => format!(
            "+420 {} {:03} {:03}",
            rng.pick(&[601, 602, 603, 604, 605, 731, 777]),
            rng.below(1000),
            rng.below(1000)
        ),
        _ => format!("+49 30 {:04} {:04}", rng.below(10_000), rng.below(10_000)),
    }
}

fn met_how(rng: &mut Rng) -> String {
    match rng.below(9) {
        0 => format!("{}Conf {}", rng.pick(CONF_PREFIX), rng.between(2019, 2026)),
        1 => format!("{} meetup", rng.pick(MEETUPS)),
        2 => "intro from a colleague".to_string(),
        3 => "LinkedIn".to_string(),
        4 => "university".to_string(),
        5 => "former colleague".to_string(),
        6 => format!("webinar on {}", rng.pick(TOPICS)),
        7 => "through a friend".to_string(),
        _ => (*rng.pick(&["a hackathon", "a client project", "coworking space", "a workshop", "the school run"]))
            .to_string(),
    }
}

fn person_note(rng: &mut Rng) -> String {
    format!(
        "Prefers {}; {}.",
        rng.pick(&["email", "a call", "WhatsApp", "LinkedIn messages", "meeting in person"]),
        match rng.below(4) {
            0 => format!("big on {}", rng.pick(TOPICS)),
            1 => format!("moving to {} next year", rng.pick(CITIES)),
            2 => (*rng.pick(&["runs marathons", "plays the cello", "two kids", "loves board games", "vegetarian"]))
                .to_string(),
            _ => format!("wants to learn about {}", rng.pick(TOPICS)),
        }
    )
}

fn interaction_note(rng: &mut Rng, first: &str) -> String {
    match rng.below(4) {
        0 => format!(
            "{first} is {} {}; {}.",
            rng.pick(&[
                "worried about",
                "excited about",
                "halfway through",
                "stuck on",
                "leading",
                "rethinking",
                "hiring for"
            ]),
            rng.pick(TOPICS),
            rng.pick(FOLLOWUPS)
        ),
        1 => {
            let topic = *rng.pick(TOPICS);
            format!("{first} mentioned {topic} and asked about {}.", other_topic(rng, topic))
        }
        2 => format!(
            "Agreed to {} by {}.",
            rng.pick(FOLLOWUPS),
            rng.pick(&["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "next week", "end of month"])
        ),
        _ => format!(
            "{first} will {}. {}.",
            rng.pick(FOLLOWUPS),
            capitalize(rng.word(&[
                "very open",
                "a bit distracted",
                "keen to collaborate",
                "busy but friendly",
                "good energy"
            ]))
        ),
    }
}

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "Aarav", "Abigail", "Adaeze", "Adam", "Ahmed", "Aiko", "Alejandro", "Alexei", "Alice", "Amara", "Amelia", "Ana",
    "Andrea", "Anh", "Anna", "Arjun", "Astrid", "Ayesha", "Beatriz", "Ben", "Bilal", "Camila", "Carlos", "Chen",
    "Chiara", "Chloe", "Daniel", "Daria", "David", "Diego", "Dmitri", "Ebony", "Elena", "Elif", "Eliška", "Emma",
    "Eva", "Fatima", "Felix", "Finn", "Freya", "Gabriel", "Grace", "Hana", "Hannah", "Hiroshi", "Ibrahim", "Ines",
    "Isabel", "Ivan", "Jakub", "James", "Jana", "Javier", "Jin", "João", "Jonas", "José", "Julia", "Kai", "Karim",
    "Katarzyna", "Kavya", "Kenji", "Kofi", "Lars", "Laura", "Leila", "Leon", "Liam", "Lina", "Lucas", "Lucía", "Luis",
    "Lukáš", "Maja", "Malik", "Mara", "Marco", "Maria", "Mateo", "Matteo", "Mei", "Mia", "Michael", "Mohammed",
    "Nadia", "Naomi", "Nia", "Nikhil", "Nina", "Noah", "Nora", "Olga", "Oliver", "Omar", "Ondřej", "Oscar", "Pablo",
    "Petra", "Pierre", "Priya", "Rafael", "Rahul", "Rania", "Ravi", "Rosa", "Ryan", "Sara", "Sebastian", "Sipho",
    "Sofia", "Søren", "Sven", "Tanvi", "Tariq", "Tereza", "Thomas", "Tomás", "Uma", "Valentina", "Victor", "Wei",
    "Yara", "Yusuf", "Zanele", "Zoë", "Zofia", "Bob", "Sam", "Lea", "Max",
];

#[rustfmt::skip]
const LAST: &[&str] = &[
    "Abe", "Achebe", "Adeyemi", "Alvarez", "Andersen", "Anderson", "Bakker", "Banerjee", "Becker", "Bennett",
    "Bergström", "Bianchi", "Brown", "Carter", "Castro", "Černý", "Chen", "Chowdhury", "Clarke", "Costa", "Cruz",
    "Dang", "Das", "Dubois", "Dvořák", "Eriksson", "Evans", "Fernandes", "Fischer", "Fontaine", "Garcia", "Ghosh",
    "Gomez", "Gonzalez", "Gupta", "Haddad", "Hansen", "Hoffmann", "Horvat", "Horváth", "Huang", "Hughes", "Ibrahim",
    "Ito", "Iyer", "Jansen", "Johansson", "Johnson", "Jovanovic", "Kato", "Khan", "Kim", "Kovač", "Kowalski",
    "Kozlov", "Kumar", "Kuznetsova", "Larsen", "Laurent", "Lee", "Lewis", "Li", "Lindqvist", "Lopez", "Mahlangu",
    "Martin", "Martinez", "Mendes", "Menon", "Mensah", "Meyer", "Miller", "Moreau", "Morris", "Müller", "Murphy",
    "Mwangi", "Nakamura", "Nguyen", "Nieminen", "Novák", "Nowak", "O'Brien", "Okafor", "Okonkwo", "Olsen", "Osei",
    "Park", "Patel", "Pereira", "Petrov", "Popescu", "Procházka", "Quinn", "Rahman", "Raman", "Rao", "Reddy",
    "Richter", "Rossi", "Russo", "Sato", "Schmidt", "Schneider", "Shah", "Silva", "Singh", "Smith", "Sokolova",
    "Stone", "Suzuki", "Svoboda", "Tanaka", "Taylor", "Thomas", "Tran", "Vasquez", "Volkov", "Wagner", "Walker",
    "Wang", "Watanabe", "Weber", "Williams", "Wilson", "Wong", "Wright", "Yamamoto", "Yilmaz", "Young", "Zhang",
    "Zhou", "Zimmermann",
];

#[rustfmt::skip]
const ORG_FIRST: &[&str] = &[
    "Northwind", "Blue Harbor", "Acme", "Brightpath", "Cobalt", "Copperleaf", "Driftwood", "Evergreen", "Fieldstone",
    "Granite", "Helix", "Ironbridge", "Juniper", "Keystone", "Lakeside", "Lumen", "Maple", "Meridian", "Nimbus",
    "Oakridge", "Orbit", "Pinecrest", "Quarry", "Redwood", "Riverstone", "Saffron", "Silverline", "Summit",
    "Tidewater", "Umber", "Vantage", "Willow", "Zenith", "Aurora", "Beacon", "Cedar", "Crescent", "Delta", "Ember",
    "Falcon", "Glacier", "Harbor", "Indigo", "Jade", "Kestrel", "Lighthouse", "Mosaic", "Nova", "Onyx", "Polar",
    "Quill", "Radiant", "Sable", "Terra", "Upland", "Vertex", "Westbrook", "Yellowtail", "Zephyr", "Atlas",
];

#[rustfmt::skip]
const ORG_MIDDLE: &[&str] = &[
    "North", "Digital", "Global", "United", "Pacific", "Alpine", "Urban", "Open", "Smart", "Green", "First", "Blue",
    "Bright", "Rapid", "Clear", "Deep", "Modern", "Golden", "Silver", "Next",
];

#[rustfmt::skip]
const ORG_LAST: &[&str] = &[
    "Labs", "Systems", "Analytics", "Health", "Capital", "Partners", "Studio", "Robotics", "Logistics", "Foods",
    "Energy", "Media", "Software", "Bank", "Consulting", "Ventures", "Networks", "Bio", "Security", "Design",
    "Education", "Travel", "Insurance", "Games", "Retail", "Cloud", "Data", "Mobility", "Legal", "Architects",
];

#[rustfmt::skip]
const INDUSTRIES: &[&str] = &[
    "saas", "fintech", "healthcare", "ecommerce", "manufacturing", "consulting", "education", "media", "logistics",
    "energy", "public sector", "nonprofit", "gaming", "biotech", "real estate", "travel",
];

/// Most common first: the skew makes "product", "engineering" and "design" cover many people.
#[rustfmt::skip]
const TAGS: &[&str] = &[
    "product", "engineering", "design", "marketing", "sales", "founder", "investor", "recruiting", "data", "startup",
    "ai", "fintech", "healthcare", "saas", "leadership", "ux", "consulting", "devops", "open source", "community",
    "security", "mobile", "ecommerce", "climate", "education", "speaker", "mentor", "writer", "podcast", "legal",
    "finance", "hr", "operations", "research", "hardware", "gaming", "media", "nonprofit", "government", "alumni",
];

/// Needs and offers share one vocabulary, so one person's need is another's offer.
#[rustfmt::skip]
const NEEDS_OFFERS: &[&str] = &[
    "product feedback", "design reviews", "hiring advice", "seed investors", "intros to vcs", "beta testers",
    "mentoring", "speaking slots", "customer intros", "pricing advice", "user interviews", "marketing help",
    "engineering hires", "design hires", "sales leads", "partnerships", "a cofounder", "legal advice", "tax advice",
    "pitch feedback", "data engineering help", "security review", "career advice", "job opportunities",
    "podcast guests", "conference tickets", "ux research", "fundraising advice", "open source contributors",
    "office space",
];

#[rustfmt::skip]
const STRENGTHS: &[&str] = &[
    "product strategy", "design systems", "public speaking", "hiring", "storytelling", "user research", "negotiation",
    "community building", "fundraising", "data analysis",
];

#[rustfmt::skip]
const TITLES: &[&str] = &[
    "Software Engineer", "Product Manager", "Account Executive", "Product Designer", "Marketing Manager",
    "Engineering Manager", "Data Scientist", "Founder", "CEO", "CTO", "Head of Design", "Head of Product", "VP Sales",
    "Recruiter", "Talent Partner", "Customer Success Manager", "Operations Manager", "UX Researcher",
    "Solutions Architect", "Consultant", "Partner", "Investor", "Analyst", "Developer Advocate", "Content Strategist",
    "Finance Director", "COO", "Head of Growth", "Project Manager", "Business Development Manager", "Legal Counsel",
    "HR Business Partner", "Sales Engineer", "Frontend Developer", "Backend Developer", "DevOps Engineer",
    "Brand Manager", "Community Manager", "Chief of Staff", "Professor",
];

#[rustfmt::skip]
const CITIES: &[&str] = &[
    "Prague", "Berlin", "London", "Paris", "Amsterdam", "Lisbon", "Madrid", "Barcelona", "Warsaw", "Vienna",
    "Stockholm", "Copenhagen", "Helsinki", "Dublin", "Zurich", "Milan", "New York", "San Francisco", "Austin",
    "Toronto", "Boston", "Seattle", "Singapore", "Tokyo", "Bangalore", "Nairobi", "Lagos", "Cape Town", "Sydney",
    "São Paulo", "Mexico City", "Tel Aviv", "Dubai", "Brno",
];

const MAIL_DOMAINS: &[&str] = &["mail.example", "inbox.example", "post.example", "fastmail.example", "proton.example"];

const CONF_PREFIX: &[&str] = &["Product", "Dev", "Design", "Data", "Growth", "Cloud", "Founder", "AI", "Sec", "UX"];

#[rustfmt::skip]
const MEETUPS: &[&str] = &[
    "Rust", "Python", "Product Tank", "UX Book Club", "Women in Tech", "Startup Grind", "DevOps Days", "Data Science",
    "React", "Founders Coffee",
];

#[rustfmt::skip]
const TOPICS: &[&str] = &[
    "the design system", "the hiring plan", "pricing", "the product roadmap", "the seed round", "fundraising",
    "onboarding", "churn", "the Kubernetes migration", "the data pipeline", "the brand refresh", "a conference talk",
    "the team offsite", "OKRs", "go-to-market", "partnerships", "customer interviews", "the beta launch",
    "remote work", "career moves", "the reorg", "the API redesign", "accessibility", "the mobile app", "analytics",
    "the board meeting", "budget planning", "vendor selection", "the security audit", "the sales pipeline",
    "contract renewal", "the case study", "the podcast episode", "the webinar series", "the website relaunch", "SEO",
    "the newsletter", "the marketplace idea", "open source strategy", "LLM features", "the pilot project",
    "their new role", "parental leave", "the book club", "mentoring juniors", "the grant application",
    "the product launch", "the pricing page", "the sales deck", "the investor update", "the community event",
    "a joint workshop", "the research findings", "the usability study", "cloud costs", "the incident review",
    "next quarter's roadmap", "hiring a designer", "hiring engineers", "the demo day", "the customer advisory board",
    "the partnership deal", "the renewal", "the relocation", "the side project", "design reviews", "team rituals",
    "the annual plan", "expansion to Germany", "the accelerator application", "developer experience",
    "the support backlog", "the rebrand", "the trade show", "the referral program", "the loyalty program",
    "the ESG report", "the migration to Postgres", "the hackathon", "a mentoring circle",
];

#[rustfmt::skip]
const VERBS: &[&str] = &[
    "Discussed", "Caught up on", "Talked through", "Reviewed", "Brainstormed", "Compared notes on", "Quick sync on",
    "Deep dive into", "Went over", "Planned", "Debated", "Walked through",
];

#[rustfmt::skip]
const FOLLOWUPS: &[&str] = &[
    "send them the slides", "check back in two weeks", "share our notes", "ask about budget next time",
    "send a proposal", "share the deck", "review their draft", "set up an intro", "book a follow-up call",
    "send the recording", "connect them with our designer", "invite them to the meetup",
];

#[rustfmt::skip]
const THINGS: &[&str] = &[
    "slides", "recording", "deck", "article", "book recommendation", "case study", "pricing sheet", "job description",
    "intro email", "meeting notes", "proposal", "contract draft", "demo link", "reading list", "report",
];

#[rustfmt::skip]
const DOCS: &[&str] = &[
    "the board deck", "the quarterly report", "the investor update", "the hiring plan", "the conference talk",
    "the newsletter", "the workshop agenda", "the budget", "the case study", "the job post", "the roadmap",
];

#[rustfmt::skip]
const GOALS: &[&str] = &[
    "meet three new investors", "find two design hires", "get feedback on the beta", "collect customer stories",
    "reconnect with old colleagues", "give a lightning talk", "find a pilot customer", "learn what competitors do",
    "line up podcast guests", "recruit beta testers",
];

#[rustfmt::skip]
const BOOKS: &[&str] = &[
    "Never Eat Alone", "Give and Take", "The Mom Test", "Inspired", "Thinking in Systems", "Shape Up",
    "The Culture Map", "Deep Work", "Crossing the Chasm", "Working Backwards",
];

#[rustfmt::skip]
const PROJECTS: &[&str] = &[
    "Fundraising", "Website relaunch", "Q3 hiring", "ProductConf talk", "Customer advisory board", "Partner program",
    "Design system", "Mobile app v2", "Community meetups", "Annual report", "Office move", "Security audit",
    "Pricing revamp", "Podcast", "Sales kickoff", "Onboarding revamp", "Data platform", "Brand refresh",
    "Mentoring program", "EU expansion", "Open source release", "Investor relations", "Recruiting pipeline",
    "Webinar series", "Beta program", "Newsletter", "Board meetings", "Research study", "Grant application",
    "Alumni network",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let (mut a, mut b) = (Rng::stream(7, 1), Rng::stream(7, 1));
        for _ in 0..1000 {
            assert_eq!(a.next(), b.next());
        }
        assert_ne!(Rng::stream(7, 1).next(), Rng::stream(7, 2).next());
        assert_ne!(Rng::stream(7, 1).next(), Rng::stream(8, 1).next());
        let mut r = Rng::stream(1, 1);
        for _ in 0..10_000 {
            assert!(r.below(3) < 3);
            let x = r.between(-2, 2);
            assert!((-2..=2).contains(&x));
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }

    #[test]
    fn zipf_sampling_is_skewed_and_distinct_draws_are_distinct() {
        let w = Weighted::zipf(40, 0.75);
        let mut r = Rng::stream(3, 3);
        let mut hits = [0usize; 40];
        for _ in 0..100_000 {
            hits[w.sample(&mut r)] += 1;
        }
        assert!(hits[0] > hits[2] && hits[2] > hits[39] && hits[39] > 0, "{hits:?}");
        let d = w.distinct(&mut r, 5);
        let mut s = d.clone();
        s.sort();
        s.dedup();
        assert_eq!(s.len(), 5);
        assert_eq!(Weighted::zipf(2, 1.0).distinct(&mut r, 5).len(), 2);
    }

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(slug("Zoë O'Brien", "."), "zoe.obrien");
        assert_eq!(slug("Ondřej Dvořák", ""), "ondrejdvorak");
        assert_eq!(slug("Blue Harbor Labs", ""), "blueharborlabs");
        for name in FIRST.iter().chain(LAST) {
            assert!(!slug(name, "").is_empty(), "{name}");
        }
    }

    #[test]
    fn vocabularies_are_valid_values() {
        for t in TAGS.iter().chain(NEEDS_OFFERS).chain(STRENGTHS).chain(INDUSTRIES) {
            assert_eq!(kith_core::model::tag(t).unwrap(), *t);
        }
        let mut r = Rng::stream(1, 9);
        for _ in 0..200 {
            assert!(Phone::parse(&phone_number(&mut r)).is_ok());
        }
    }

    #[test]
    fn plans_are_checked() {
        let plan = |people, ties_per_person, interactions| Plan { people, ties_per_person, interactions, seed: 1 };
        assert!(check(&plan(0, 8, 10)).is_err());
        assert!(check(&plan(1, 8, 10)).is_ok());
        assert!(check(&plan(10, 1000, 10)).is_err());
        assert!(check(&plan(10, 8, MAX_INTERACTIONS + 1)).is_err());
    }

    fn seeded(people: usize, seed: u64) -> (tempfile::TempDir, kith_store::Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = kith_store::Store::open_sqlite(&dir.path().join("seed.db")).unwrap();
        let now: jiff::Timestamp = "2026-11-25T09:00:00Z".parse().unwrap();
        let mut ctx =
            Ctx { store, now: now.to_zoned_datetime(jiff::tz::TimeZone::UTC), json: true, actor: "test".into() };
        super::seed(&mut ctx, Plan { people, ties_per_person: 6, interactions: people * 5, seed }).unwrap();
        (dir, ctx.store)
    }

    #[test]
    fn the_same_seed_gives_the_same_network() {
        let ((_da, mut a), (_db, mut b)) = (seeded(300, 5), seeded(300, 5));
        assert_eq!(a.snapshot().unwrap(), b.snapshot().unwrap());
        let (_dc, mut c) = seeded(300, 6);
        assert_ne!(a.snapshot().unwrap(), c.snapshot().unwrap());
        let me = a.me().unwrap().expect("a profile");
        assert!(a.ties(Some(me)).unwrap().len() >= 140);
        assert_eq!(a.people(&kith_store::PersonFilter::default()).unwrap().len(), 301);
    }

    #[test]
    fn tiny_networks_work() {
        let (_d, mut s) = seeded(1, 1);
        assert_eq!(s.people(&kith_store::PersonFilter::default()).unwrap().len(), 2);
    }
}
