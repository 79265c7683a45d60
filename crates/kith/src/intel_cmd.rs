//! Relationship-intelligence commands: `reconnect`, `ledger`, `match`, `path`, `rank`, `brief`,
//! `plan`, `debrief`, `remind`, and the warmth shown by `person show`.
//!
//! Each command reads what it needs from the store in a few aggregate queries
//! (`kith_store::intel`), hands it to the pure algorithms of `kith_core::intel` and
//! `kith_core::paths` with "now" and the time zone from [`Ctx`], and prints a table, Markdown or
//! `--json` (field names in docs/cli-json.md). Settings are `kith_core::intel::Settings`:
//! the values in `settings.toml` over the defaults (`load_settings`; both documented in the README).

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};

use clap::Args;
use jiff::Timestamp;
use jiff::civil::Date;
use kith_core::Id;
use kith_core::intel::cadence::Cadence;
use kith_core::intel::matching::{MyProfile, Offer, Profile, offers_for, suggest_intros};
use kith_core::intel::plan::DayPlan;
use kith_core::intel::warmth::Warmth;
use kith_core::intel::{PersonRef, Settings};
use kith_core::model::{Birthday, InteractionKind, Tier};
use kith_core::paths::{By, DEFAULT_MAX_HOPS};
use kith_core::when::parse_span;
use kith_store::reports::{self, PersonBrief};
use kith_store::{PersonView, TaskFilter};
use serde::Serialize;
use std::path::PathBuf;

use serde_json::json;

use crate::app::{Ctx, Failure, Result, usage};
use crate::out::{self, Cell, DIM, NAME, OK, WARN};

const DAY_MS: i64 = 86_400_000;

/// A 0–1 chance as a whole percentage, "<1%" for what would round to nothing.
fn percent(x: f64) -> String {
    if x > 0.0 && x < 0.005 { "<1%".to_string() } else { format!("{:.0}%", x * 100.0) }
}

/// Where the settings file is: `KITH_SETTINGS`, else `settings.toml` in kith's XDG config
/// directory (`~/.config/kith/settings.toml`).
pub(crate) fn settings_path() -> PathBuf {
    match std::env::var_os("KITH_SETTINGS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => dirs::config_dir().unwrap_or_else(|| PathBuf::from(".")).join("kith").join("settings.toml"),
    }
}

/// The settings every command uses: the file's values over the documented defaults (a missing
/// file means all defaults). A file that does not parse, or asks for something unusable, is
/// a usage error naming the file and the field.
pub(crate) fn load_settings() -> Result<Settings> {
    let path = settings_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
        Err(e) => return Err(usage(format!("cannot read the settings file {}: {e}", path.display()))),
    };
    let settings: Settings = toml::from_str(&text).map_err(|e| {
        let message = e.message().trim_end();
        let at = e
            .span()
            .map(|span| format!(" (line {})", text[..span.start].matches('\n').count() + 1))
            .unwrap_or_default();
        usage(format!("{}{at}: {message}", path.display()))
    })?;
    settings.check().map_err(|e| usage(format!("{}: {e}", path.display())))?;
    Ok(settings)
}

/// `kith settings`: where the file is, and the values in effect (as TOML a settings file can
/// start from, or as JSON).
pub fn show_settings(ctx: &mut Ctx) -> Result<()> {
    let path = settings_path();
    let settings = load_settings()?;
    if ctx.json {
        return out::json(&json!({ "path": path, "exists": path.exists(), "settings": settings }))
            .map_err(Failure::from);
    }
    let body = toml::to_string(&settings).map_err(|e| Failure::Internal(e.into()))?;
    let state = if path.exists() { "in effect" } else { "not there: these are the defaults" };
    out::line(format!("# {} ({state})\n{body}", path.display()))?;
    Ok(())
}

fn now(ctx: &Ctx) -> Timestamp {
    ctx.now.timestamp()
}

fn tier_of(s: &Option<String>) -> Option<Tier> {
    s.as_deref().and_then(|t| t.parse().ok())
}

/// "12 days ago", "today", "in 3 days".
fn ago(now: Timestamp, t: Timestamp) -> String {
    reports::ago(now, t)
}

fn me_required(ctx: &mut Ctx) -> Result<Id> {
    ctx.store.me()?.ok_or_else(|| usage("your profile is not set up yet: run `kith me edit --name \"Your Name\"`"))
}

// ---------------------------------------------------------------------------------------------
// person show: warmth

/// The warmth of my relationship with one person; `None` for me.
pub fn person_warmth(ctx: &mut Ctx, p: &PersonView) -> Result<Option<Warmth>> {
    let now = now(ctx);
    let cfg = load_settings()?;
    Ok(ctx.store.person_warmth(p, &cfg, now)?)
}

pub fn print_warmth(w: &Warmth) -> Result<()> {
    out::heading(&format!("Warmth {} / 100 ({})", w.score, w.label))?;
    out::table(
        &["PART", "POINTS", "WHY"],
        w.components
            .iter()
            .map(|c| {
                vec![Cell::new(c.name), Cell::new(format!("{:.1} / {:.0}", c.points, c.max)), Cell::new(c.note.clone())]
            })
            .collect(),
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// reconnect

#[derive(Debug, Args)]
pub struct ReconnectArgs {
    /// Show at most N people
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

/// The reconnect list at "now", most urgent first (`kith_store::reports::reconnect`).
fn reconnect_list(ctx: &mut Ctx, limit: usize) -> Result<Vec<Cadence>> {
    let now = now(ctx);
    let cfg = load_settings()?;
    Ok(reports::reconnect(&mut ctx.store, &cfg, now, limit)?)
}

pub fn reconnect(ctx: &mut Ctx, a: ReconnectArgs) -> Result<()> {
    let list = reconnect_list(ctx, a.limit)?;
    if ctx.json {
        return out::json(&list).map_err(Failure::from);
    }
    if list.is_empty() {
        out::line("nobody is going cold: every relationship is within its cadence")?;
        return Ok(());
    }
    let now = now(ctx);
    out::table(
        &["NAME", "TIER", "LAST CONTACT", "STATUS", "NEXT STEP", "ID"],
        list.iter()
            .map(|c| {
                let overdue = c.overdue_days >= 1.0;
                vec![
                    Cell::styled(c.name.clone(), NAME),
                    Cell::new(c.tier.map(|t| t.to_string()).unwrap_or_default()),
                    Cell::new(c.last_contact.map(|t| ago(now, t)).unwrap_or_else(|| "never".into())),
                    Cell::styled(c.status.clone(), if overdue { WARN } else { anstyle::Style::new() }),
                    Cell::new(c.suggestion.clone()),
                    Cell::styled(c.id.short(), DIM),
                ]
            })
            .collect(),
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ledger

#[derive(Debug, Args)]
pub struct LedgerArgs {
    /// One person's ledger (`me` is not allowed) [default: everyone]
    pub person: Option<String>,
    /// Show at most N people in each list
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

pub fn ledger_cmd(ctx: &mut Ctx, a: LedgerArgs) -> Result<()> {
    let now = now(ctx);
    if let Some(q) = &a.person {
        let id = ctx.store.resolve_person(q)?;
        if ctx.store.me()? == Some(id) {
            return Err(usage("the ledger is between you and others: name someone else"));
        }
        let l = reports::ledger_of(&mut ctx.store, id, now)?;
        if ctx.json {
            return out::json(&l).map_err(Failure::from);
        }
        let p = &l.person;
        out::line(format!("{NAME}{}{NAME:#}  gave {}, got {}, balance {:+}", p.name, p.gave, p.got, p.balance))?;
        out::line(format!("{DIM}{}{DIM:#}", p.note))?;
        if !l.by_kind.is_empty() {
            out::heading("By kind")?;
            kind_table(&l.by_kind)?;
        }
        if !l.exchanges.is_empty() {
            out::heading("Exchanges")?;
            out::table(
                &["WHEN", "", "KIND", "WEIGHT", "WHAT"],
                l.exchanges
                    .iter()
                    .map(|e| {
                        vec![
                            Cell::new(ctx.local(e.at)),
                            Cell::new(e.direction.as_str()),
                            Cell::new(e.kind.as_str()),
                            Cell::new(e.weight.max(1).to_string()),
                            Cell::new(e.what.clone()),
                        ]
                    })
                    .collect(),
            )?;
        }
        return Ok(());
    }
    let l = reports::ledger_report(&mut ctx.store, now, a.limit)?;
    let total_people = l.people_total;
    if ctx.json {
        return out::json(&l).map_err(Failure::from);
    }
    if l.empty {
        out::line("no exchanges yet: log what you gave and got with `kith log PERSON --gave … --got …`")?;
        return Ok(());
    }
    let o = l.overall;
    out::line(format!("Overall: gave {}, got {}, balance {:+} ({} people)", o.gave, o.got, o.balance, total_people))?;
    out::heading("By kind")?;
    kind_table(&l.by_kind)?;
    let people_table = |rows: &[kith_core::intel::ledger::PersonBalance]| -> Result<()> {
        out::table(
            &["NAME", "GAVE", "GOT", "BALANCE", "NOTE", "ID"],
            rows.iter()
                .map(|p| {
                    vec![
                        Cell::styled(p.name.clone(), NAME),
                        Cell::new(p.gave.to_string()),
                        Cell::new(p.got.to_string()),
                        Cell::new(format!("{:+}", p.balance)),
                        Cell::new(p.note.clone()),
                        Cell::styled(p.id.short(), DIM),
                    ]
                })
                .collect(),
        )?;
        Ok(())
    };
    if !l.taking_without_giving.is_empty() {
        out::heading("Taking without giving back")?;
        people_table(&l.taking_without_giving)?;
    }
    if !l.gave_recently.is_empty() {
        out::heading("You gave recently (last 30 days)")?;
        people_table(&l.gave_recently)?;
    }
    out::heading("Balances (you owe most first)")?;
    people_table(&l.people)?;
    Ok(())
}

fn kind_table(rows: &[kith_core::intel::ledger::KindBalance]) -> Result<()> {
    out::table(
        &["KIND", "GAVE", "GOT", "BALANCE"],
        rows.iter()
            .map(|k| {
                vec![
                    Cell::new(k.kind.as_str()),
                    Cell::new(k.gave.to_string()),
                    Cell::new(k.got.to_string()),
                    Cell::new(format!("{:+}", k.balance)),
                ]
            })
            .collect(),
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// match

#[derive(Debug, Args)]
pub struct MatchArgs {
    /// What you and your network can offer this person [default: suggest introductions]
    pub person: Option<String>,
    /// Show at most N suggestions
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

pub fn match_cmd(ctx: &mut Ctx, a: MatchArgs) -> Result<()> {
    let me = ctx.store.me()?;
    let people = ctx.store.person_basics()?;
    let mut tags = ctx.store.person_tags(None)?;
    let names: HashMap<Id, String> = people.iter().map(|p| (p.id, p.name.clone())).collect();
    let mut my = MyProfile {
        id: me.unwrap_or(Id::from_uuid(uuid::Uuid::nil())),
        name: "you".into(),
        offers: vec![],
        strengths: vec![],
    };
    if let Some(t) = me.and_then(|m| tags.get(&m)) {
        my.offers = t.offers.clone();
        my.strengths = t.strengths.clone();
    }
    let profiles: Vec<Profile> = people
        .iter()
        .filter_map(|p| {
            let t = tags.remove(&p.id)?;
            if t.needs.is_empty() && t.offers.is_empty() {
                return None;
            }
            Some(Profile {
                id: p.id,
                name: p.name.clone(),
                needs: t.needs,
                offers: t.offers,
                is_me: p.is_me,
                tier: tier_of(&p.tier),
            })
        })
        .collect();
    match &a.person {
        Some(q) => {
            let id = ctx.store.resolve_person(q)?;
            if Some(id) == me {
                return Err(usage("`kith match PERSON` says what you can offer someone else: name a contact"));
            }
            let name = names.get(&id).cloned().unwrap_or_default();
            let target = profiles.iter().find(|p| p.id == id).cloned().unwrap_or(Profile {
                id,
                name: name.clone(),
                needs: vec![],
                offers: vec![],
                is_me: false,
                tier: None,
            });
            let offers: Vec<Offer> = offers_for(&target, &profiles, &my, a.limit);
            if ctx.json {
                return out::json(&json!({
                    "person": PersonRef { id, name: name.clone() },
                    "needs": target.needs,
                    "offers": offers,
                }))
                .map_err(Failure::from);
            }
            if target.needs.is_empty() {
                out::line(format!(
                    "{name} has no recorded needs: ask what they are looking for, then `kith person edit {q} --needs …`"
                ))?;
                return Ok(());
            }
            out::line(format!("{NAME}{name}{NAME:#} needs: {}", target.needs.join(", ")))?;
            if offers.is_empty() {
                out::line("nobody in your network offers that yet: ask around, or offer what you can")?;
                return Ok(());
            }
            out::table(
                &["FROM", "OFFER", "FOR NEED", "FIT", "WHY"],
                offers
                    .iter()
                    .map(|o| {
                        vec![
                            Cell::styled(if o.from_me { "you".to_string() } else { o.from.name.clone() }, NAME),
                            Cell::new(o.offer.clone()),
                            Cell::new(o.need.clone()),
                            Cell::new(format!("{:.2}", o.strength)),
                            Cell::new(o.why.clone()),
                        ]
                    })
                    .collect(),
            )?;
        }
        None => {
            let intros = suggest_intros(&profiles, a.limit);
            if ctx.json {
                return out::json(&intros).map_err(Failure::from);
            }
            if intros.is_empty() {
                out::line(
                    "no introductions to suggest: record needs and offers with `kith person edit … --needs … --offers …`",
                )?;
                return Ok(());
            }
            out::table(
                &["INTRODUCE", "TO", "SCORE", "WHY"],
                intros
                    .iter()
                    .map(|i| {
                        vec![
                            Cell::styled(i.a.name.clone(), NAME),
                            Cell::styled(i.b.name.clone(), NAME),
                            Cell::new(format!("{:.2}{}", i.score, if i.mutual { " mutual" } else { "" })),
                            Cell::new(i.why.clone()),
                        ]
                    })
                    .collect(),
            )?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// path

#[derive(Debug, Args)]
pub struct PathArgs {
    /// A person or an organization (paths to anyone currently there)
    pub target: String,
    /// How many alternative chains, sharing no middle person
    #[arg(long, default_value_t = 1)]
    pub k: usize,
    /// The longest chain to consider, in ties
    #[arg(long = "max-hops", default_value_t = DEFAULT_MAX_HOPS)]
    pub max_hops: u32,
    /// Rank chains by `strength` (warmest first) or `hops` (fewest first)
    #[arg(long, default_value = "strength")]
    pub by: String,
    /// Treat TARGET as an organization even if a person matches too
    #[arg(long)]
    pub org: bool,
    /// Start from this person instead of you
    #[arg(long, value_name = "PERSON")]
    pub from: Option<String>,
}

pub fn path(ctx: &mut Ctx, a: PathArgs) -> Result<()> {
    let by = match a.by.to_lowercase().as_str() {
        "strength" | "strongest" | "warmth" => By::Strength,
        "hops" | "fewest" | "shortest" => By::Hops,
        other => return Err(usage(format!("--by `{other}` is not valid: use strength or hops"))),
    };
    if a.max_hops == 0 || a.max_hops > 20 {
        return Err(usage("--max-hops must be from 1 to 20"));
    }
    if a.k == 0 || a.k > 20 {
        return Err(usage("--k must be from 1 to 20"));
    }
    let source = match &a.from {
        Some(f) => ctx.store.resolve_person(f)?,
        None => me_required(ctx)?,
    };
    let target = reports::path_target(&mut ctx.store, &a.target, a.org)?;
    let now = now(ctx);
    let r = reports::paths(&mut ctx.store, source, a.from.is_none(), target, a.k, by, a.max_hops, now)?;
    if ctx.json {
        return out::json(&r).map_err(Failure::from);
    }
    if let Some(m) = &r.message {
        out::line(m)?;
        if let Some(n) = &r.nearest {
            let names: Vec<&str> = n.chain.iter().map(|p| p.name.as_str()).collect();
            out::line(format!("{DIM}  closest chain: {}{DIM:#}", names.join(" → ")))?;
        }
        return Ok(());
    }
    for (i, c) in r.paths.iter().enumerate() {
        let names: Vec<&str> = c.people.iter().map(|p| p.name.as_str()).collect();
        out::line(format!(
            "{}{}. {}{:#}  {DIM}({} hop{}, chain warmth {}){DIM:#}",
            NAME,
            i + 1,
            names.join(" → "),
            NAME,
            c.hops,
            if c.hops == 1 { "" } else { "s" },
            percent(c.warmth)
        ))?;
        for s in &c.steps {
            out::line(format!("   {}", s.text))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// rank

#[derive(Debug, Args)]
pub struct RankArgs {
    /// Show the N most important people
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

pub fn rank_cmd(ctx: &mut Ctx, a: RankArgs) -> Result<()> {
    let now = now(ctx);
    let cfg = load_settings()?;
    let ranked = reports::rank(&mut ctx.store, &cfg, now, a.limit)?;
    if ctx.json {
        return out::json(&ranked).map_err(Failure::from);
    }
    if ranked.is_empty() {
        out::line("nobody to rank yet: add people with `kith person add`")?;
        return Ok(());
    }
    let mut header = vec!["#", "NAME", "SCORE"];
    let names: Vec<&str> = ranked[0].components.iter().map(|c| c.name).collect();
    let upper: Vec<String> = names.iter().map(|n| n.to_uppercase()).collect();
    header.extend(upper.iter().map(String::as_str));
    header.push("ID");
    out::table(
        &header,
        ranked
            .iter()
            .map(|r| {
                let mut row = vec![
                    Cell::new(r.rank.to_string()),
                    Cell::styled(r.name.clone(), NAME),
                    Cell::new(format!("{:.1}", r.score)),
                ];
                row.extend(r.components.iter().map(|c| Cell::new(format!("{:.1}", c.points))));
                row.push(Cell::styled(r.id.short(), DIM));
                row
            })
            .collect(),
    )?;
    if let Some(top) = ranked.first() {
        out::heading(&format!("Why {} is first", top.name))?;
        for c in &top.components {
            out::line(format!("  {:<12} {:>5.1} / {:<3.0} {}", c.name, c.points, c.max, c.note))?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// brief

#[derive(Debug, Args)]
pub struct BriefArgs {
    /// A person or an event
    pub target: String,
    /// Treat TARGET as an event even if a person matches too
    #[arg(long)]
    pub event: bool,
}

/// One person's brief (`kith_store::reports::person_brief`) with the settings in effect.
fn person_brief(ctx: &mut Ctx, id: Id, me: Option<Id>) -> Result<PersonBrief> {
    let now = now(ctx);
    let cfg = load_settings()?;
    Ok(reports::person_brief(&mut ctx.store, &cfg, id, me, now)?)
}

fn markdown_person(ctx: &Ctx, b: &PersonBrief, level: &str, md: &mut String) {
    use std::fmt::Write as _;
    let now = now(ctx);
    let _ = writeln!(md, "{level} Brief: {}\n", b.person.name);
    let _ = writeln!(md, "{level}# Who they are\n");
    if !b.works.is_empty() {
        let _ = writeln!(md, "- Works: {}", b.works.join("; "));
    }
    let _ = writeln!(
        md,
        "- Tier: {}; type: {}",
        b.tier.as_deref().unwrap_or("none"),
        b.net_type.as_deref().unwrap_or("not set")
    );
    if let Some(w) = &b.warmth {
        let parts: Vec<String> =
            w.components.iter().map(|c| format!("{} {:.0}/{:.0}", c.name, c.points, c.max)).collect();
        let _ = writeln!(md, "- Warmth: {}/100 ({}): {}", w.score, w.label, parts.join(", "));
    }
    let _ = writeln!(md, "\n{level}# How we met\n");
    let _ = writeln!(md, "{}", b.met.as_deref().unwrap_or("Not recorded."));
    let _ = writeln!(md, "\n{level}# Last interactions\n");
    if b.last_interactions.is_empty() {
        let _ = writeln!(md, "None logged yet.");
    }
    for i in &b.last_interactions {
        let when = i.at.map(|t| format!("{} ({})", ctx.local(t), ago(now, t))).unwrap_or_default();
        let what = if i.summary.is_empty() { String::new() } else { format!(": {}", i.summary) };
        let _ = writeln!(md, "- {when} {}{what}", i.kind);
    }
    let _ = writeln!(md, "\n{level}# Open hooks\n");
    if b.hooks_mine.is_empty() {
        let _ = writeln!(md, "None.");
    }
    for h in &b.hooks_mine {
        let _ = writeln!(md, "- You promised: {h}");
    }
    let _ = writeln!(md, "\n{level}# Reciprocity\n");
    let _ =
        writeln!(md, "Gave {}, got {}, balance {:+}: {}", b.ledger.gave, b.ledger.got, b.ledger.balance, b.ledger.note);
    let _ = writeln!(md, "\n{level}# Their needs and what you can offer\n");
    let _ = writeln!(md, "- Needs: {}", if b.needs.is_empty() { "not recorded".into() } else { b.needs.join(", ") });
    let _ = writeln!(md, "- Offers: {}", if b.offers.is_empty() { "not recorded".into() } else { b.offers.join(", ") });
    for o in &b.i_can_offer {
        let _ = writeln!(md, "- You can offer {} for {}", o.offer, o.need);
    }
    let _ = writeln!(md, "\n{level}# Mutual connections\n");
    if b.mutual.is_empty() {
        let _ = writeln!(md, "None recorded.");
    } else {
        let names: Vec<&str> = b.mutual.iter().map(|m| m.name.as_str()).collect();
        let _ = writeln!(md, "{}", names.join(", "));
    }
    let _ = writeln!(md, "\n{level}# Talking points\n");
    for t in &b.talking_points {
        let _ = writeln!(md, "- {t}");
    }
    let _ = writeln!(md, "\n{level}# Questions to ask\n");
    for q in &b.questions {
        let _ = writeln!(md, "- {q}");
    }
    let _ = writeln!(md, "\n{level}# Your pitch\n");
    match &b.my_pitch {
        Some(p) => {
            let _ = writeln!(md, "{p}");
        }
        None => {
            let _ = writeln!(md, "Not set: `kith me edit --pitch \"…\"`.");
        }
    }
    if !b.my_strengths.is_empty() {
        let _ = writeln!(md, "\nStrengths to bring up: {}", b.my_strengths.join(", "));
    }
}

pub fn brief(ctx: &mut Ctx, a: BriefArgs) -> Result<()> {
    let me = ctx.store.me()?;
    let event = if a.event {
        Some(ctx.store.resolve_event(&a.target)?)
    } else {
        let person = ctx.store.resolve_person(&a.target);
        let event = ctx.store.resolve_event(&a.target);
        match reports::one_of(&a.target, ("person", person), ("event", event), "person or event")? {
            (true, _) => None,
            (false, id) => Some(id),
        }
    };
    let mut md = String::new();
    match event {
        None => {
            let id = ctx.store.resolve_person(&a.target)?;
            if Some(id) == me {
                return Err(usage("a brief is for meeting someone else: name a person or an event"));
            }
            let b = person_brief(ctx, id, me)?;
            if ctx.json {
                return out::json(&b).map_err(Failure::from);
            }
            markdown_person(ctx, &b, "#", &mut md);
        }
        Some(eid) => {
            let now = now(ctx);
            let cfg = load_settings()?;
            let eb = reports::event_brief(&mut ctx.store, &cfg, eid, me, now)?;
            if ctx.json {
                return out::json(&eb).map_err(Failure::from);
            }
            use std::fmt::Write as _;
            let _ = writeln!(md, "# Event brief: {}\n", eb.title);
            if let Some(s) = eb.start {
                let _ = writeln!(md, "- When: {}", ctx.local(s));
            }
            if let Some(k) = &eb.kind {
                let _ = writeln!(md, "- Kind: {k}");
            }
            if let Some(p) = eb.place.as_ref().or(eb.link.as_ref()) {
                let _ = writeln!(md, "- Where: {p}");
            }
            let _ = writeln!(md, "- Goals: {}", eb.goals.as_deref().unwrap_or("not set"));
            if let Some(p) = &eb.prep {
                let _ = writeln!(md, "- Prep: {p}");
            }
            if eb.people.is_empty() {
                let _ = writeln!(md, "\nNo attendees recorded: add them with `kith event edit … --attendee PERSON`.");
            }
            for b in &eb.people {
                md.push('\n');
                markdown_person(ctx, b, "##", &mut md);
            }
        }
    }
    out::line(md.trim_end())?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// plan

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The day to plan [default: today]
    pub date: Option<String>,
    /// Plan seven days from DATE
    #[arg(long)]
    pub week: bool,
}

pub fn plan(ctx: &mut Ctx, a: PlanArgs) -> Result<()> {
    let first = match &a.date {
        Some(s) => ctx.when(s)?.date(),
        None => ctx.now.date(),
    };
    let cfg = load_settings()?;
    let tz = ctx.tz().clone();
    let now = now(ctx);
    let plans = reports::plan(&mut ctx.store, &cfg, &tz, first, a.week, now, None)?;
    if ctx.json {
        return if a.week { out::json(&plans) } else { out::json(&plans[0]) }.map_err(Failure::from);
    }
    for (i, p) in plans.iter().enumerate() {
        if i > 0 {
            out::line("")?;
        }
        print_day(ctx, p)?;
    }
    Ok(())
}

/// Overdue tasks shown in a human day plan; `--json` has them all.
const MAX_OVERDUE_SHOWN: usize = 10;

fn print_day(ctx: &Ctx, p: &DayPlan) -> Result<()> {
    let hm = |t: Timestamp| t.to_zoned_datetime(ctx.tz().clone()).strftime("%H:%M").to_string();
    out::line(format!("{}{}{:#}", out::HEAD, p.date.strftime("%A %Y-%m-%d"), out::HEAD))?;
    // Events and suggestions in one timeline.
    let mut rows: Vec<(Timestamp, Vec<Cell>)> = Vec::new();
    for e in &p.events {
        rows.push((
            e.start,
            vec![
                Cell::new(format!("{}–{}", hm(e.start), hm(e.end))),
                Cell::new("event"),
                Cell::styled(e.title.clone(), NAME),
                Cell::styled(e.id.short(), DIM),
            ],
        ));
    }
    for s in &p.suggestions {
        let kind = match s.slot.kind {
            kith_core::intel::plan::SlotKind::Lunch => "lunch",
            kith_core::intel::plan::SlotKind::Coffee => "coffee",
            kith_core::intel::plan::SlotKind::Free => "reconnect",
        };
        rows.push((
            s.slot.start,
            vec![
                Cell::new(format!("{}–{}", hm(s.slot.start), hm(s.slot.end))),
                Cell::styled(kind, OK),
                Cell::new(format!("{} — {}", s.action, s.why)),
                Cell::styled(s.person.id.short(), DIM),
            ],
        ));
    }
    rows.sort_by_key(|r| r.0);
    if rows.is_empty() {
        out::line(format!("{DIM}no events and no free slot for a reconnect{DIM:#}"))?;
    } else {
        out::table(&["TIME", "WHAT", "", "ID"], rows.into_iter().map(|r| r.1).collect())?;
    }
    if !p.tasks.is_empty() {
        // A long backlog of overdue tasks would bury the day: as in `kith agenda`, the most
        // recently due few, then a count of the older ones.
        let overdue = p.tasks.iter().filter(|t| t.overdue).count();
        let hidden = overdue.saturating_sub(MAX_OVERDUE_SHOWN);
        out::line(format!("{}Due{:#}", out::HEAD, out::HEAD))?;
        out::table(
            &["DUE", "WHAT", "", "WITH", "ID"],
            p.tasks
                .iter()
                .filter(|t| t.overdue)
                .skip(hidden)
                .chain(p.tasks.iter().filter(|t| !t.overdue))
                .map(|t| {
                    let due = match (t.due_date, t.due_at) {
                        (Some(d), _) => d.to_string(),
                        (None, Some(at)) => ctx.local(at),
                        _ => String::new(),
                    };
                    let due = if t.overdue { format!("{due} overdue") } else { due };
                    vec![
                        Cell::styled(due, if t.overdue { WARN } else { anstyle::Style::new() }),
                        Cell::new(if t.hook { "hook" } else { "task" }),
                        Cell::styled(t.title.clone(), NAME),
                        Cell::new(t.people.join(", ")),
                        Cell::styled(t.id.short(), DIM),
                    ]
                })
                .collect(),
        )?;
        if hidden > 0 {
            out::line(format!(
                "{DIM}… and {hidden} older overdue not shown: `kith agenda --overdue all`, or `--json` for all{DIM:#}"
            ))?;
        }
    }
    for d in &p.dates {
        let years = d.years.map(|y| format!(" ({y})")).unwrap_or_default();
        out::line(format!("{}'s {}{years}", d.person.name, d.label))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// debrief

#[derive(Debug, Args)]
pub struct DebriefArgs {
    /// The event that just happened
    pub event: String,
    /// Someone you met there (repeat for several)
    #[arg(long = "met", value_name = "PERSON")]
    pub met: Vec<String>,
    /// What was said: stored on each logged meeting and as the event's debrief
    #[arg(long = "note", value_name = "TEXT")]
    pub note: Option<String>,
    /// A follow-up you promised, left as a hook on each person met (repeat for several)
    #[arg(long = "hook", value_name = "TEXT")]
    pub hooks: Vec<String>,
    /// When the hooks are due, from now
    #[arg(long, default_value = "3d", value_name = "SPAN")]
    pub within: String,
    /// The kind of interaction to log
    #[arg(long, default_value = "meeting")]
    pub kind: String,
}

fn prompt(question: &str) -> Result<String> {
    let mut err = std::io::stderr().lock();
    write!(err, "{question} ")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_string())
}

pub fn debrief(ctx: &mut Ctx, mut a: DebriefArgs) -> Result<()> {
    let kind = a.kind.parse::<InteractionKind>()?;
    parse_span(&a.within)?; // refused before any prompt
    let eid = ctx.store.resolve_event(&a.event)?;
    let Some(event) = ctx.store.event(eid)? else {
        return Err(Failure::Lookup(format!("no event with id {eid}")));
    };
    let interactive = std::io::stdin().is_terminal();
    if a.met.is_empty() {
        if !interactive {
            return Err(usage("say whom you met with --met PERSON (repeat for several)"));
        }
        let names: Vec<&str> = event.attendees.iter().map(|p| p.name.as_str()).collect();
        if !names.is_empty() {
            eprintln!("Attendees: {}", names.join(", "));
        }
        let answer = prompt("Whom did you meet? (names, comma-separated)")?;
        a.met = answer.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
        if a.met.is_empty() {
            return Err(usage("nobody to debrief: name at least one person you met"));
        }
        if a.note.is_none() {
            let n = prompt("What was said? (empty to skip)")?;
            a.note = (!n.is_empty()).then_some(n);
        }
        if a.hooks.is_empty() {
            let h = prompt("A follow-up you promised? (empty for none)")?;
            if !h.is_empty() {
                a.hooks.push(h);
            }
        }
    }
    let mut people = Vec::new();
    for q in &a.met {
        let id = ctx.store.resolve_person(q)?;
        if !people.contains(&id) {
            people.push(id);
        }
    }
    let input = kith_store::debrief::DebriefInput {
        people: people.clone(),
        note: a.note.clone(),
        hooks: a.hooks.clone(),
        within: a.within.clone(),
        kind: a.kind.clone(),
    };
    let d = kith_store::debrief::debrief(&ctx.store, &ctx.now, &event, &input)?;
    let (interactions, hook_ids, due) = (d.interactions, d.hooks, d.due);
    ctx.commit(d.changes)?;
    if ctx.json {
        return out::json(&json!({ "event": eid, "interactions": interactions, "hooks": hook_ids }))
            .map_err(Failure::from);
    }
    let mut names = Vec::new();
    for &p in &people {
        names.push(ctx.store.label(p)?.unwrap_or_default());
    }
    let hooks_text = match hook_ids.len() {
        0 => String::new(),
        n => format!(
            "; {n} hook{} due {}",
            if n == 1 { "" } else { "s" },
            due.map(|d| d.to_string()).unwrap_or_default()
        ),
    };
    out::line(format!("{OK}logged {kind} with {} at {}{hooks_text}{OK:#}", names.join(", "), event.title))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// remind

#[derive(Debug, Args)]
pub struct RemindArgs {
    /// How far ahead "soon" reaches
    #[arg(long, default_value = "1d", value_name = "SPAN")]
    pub within: String,
}

/// Exit status of `kith remind` when something is due.
pub const REMIND_DUE: u8 = 10;

#[derive(Serialize)]
struct Reminder {
    /// hook, task, event, birthday, reconnect.
    kind: &'static str,
    id: Id,
    title: String,
    /// When it is due or starts; null for a day-long item.
    at: Option<Timestamp>,
    /// The day, for items due on a day.
    date: Option<String>,
    overdue: bool,
    people: Vec<PersonRef>,
    why: String,
}

pub fn remind(ctx: &mut Ctx, a: RemindArgs) -> Result<()> {
    let span = parse_span(&a.within)?;
    let now_z = ctx.now.clone();
    let now = now_z.timestamp();
    let until_z = now_z.checked_add(span).map_err(|e| usage(format!("cannot use --within {}: {e}", a.within)))?;
    if until_z.timestamp() < now {
        return Err(usage("--within must not be negative"));
    }
    let until = until_z.timestamp();
    let today = now_z.date();
    let last_day = until_z.date();
    let mut items: Vec<Reminder> = Vec::new();

    // Tasks and hooks: due by the horizon, or inside one of their reminder offsets. Reminders
    // reach at most 60 days ahead.
    let far = until.as_millisecond() + 60 * DAY_MS;
    let far_day = Timestamp::from_millisecond(far).map_err(|_| usage(format!("--within {} is too far", a.within)))?;
    let far_day = far_day.to_zoned_datetime(ctx.tz().clone()).date().to_string();
    let tasks = ctx.store.tasks(&TaskFilter {
        status: Some("open".into()),
        due_before: Some((far_day, far)),
        ..Default::default()
    })?;
    for t in tasks {
        let due: Option<(Timestamp, Option<String>)> = match (&t.due_date, t.due_at) {
            (Some(d), _) => d.parse::<Date>().ok().and_then(|d| {
                let start = d.to_zoned_datetime(ctx.tz().clone()).ok()?.timestamp();
                Some((start, Some(d.to_string())))
            }),
            (None, Some(at)) => Some((at, None)),
            _ => None,
        };
        let Some((due_at, date)) = due else { continue };
        let date_due = date.as_deref().is_some_and(|d| d <= last_day.to_string().as_str());
        let overdue = match &date {
            Some(d) => d.as_str() < today.to_string().as_str(),
            None => due_at < now,
        };
        let reminded = t.reminders.iter().any(|&m| due_at.as_millisecond() - m * 60_000 <= now.as_millisecond());
        let soon = if date.is_some() { date_due } else { due_at <= until };
        if !(soon || reminded) {
            continue;
        }
        let why = if overdue {
            "overdue".to_string()
        } else if soon {
            format!("due {}", date.clone().unwrap_or_else(|| ctx.local(due_at)))
        } else {
            format!("reminder: due {}", date.clone().unwrap_or_else(|| ctx.local(due_at)))
        };
        items.push(Reminder {
            kind: if t.hook { "hook" } else { "task" },
            id: t.id,
            title: t.title,
            at: if date.is_some() { None } else { Some(due_at) },
            date,
            overdue,
            people: t.people.into_iter().map(|p| PersonRef { id: p.id, name: p.name }).collect(),
            why,
        });
    }
    // Events starting between now and the horizon.
    for e in ctx.store.events(Some(now.as_millisecond()), Some(until.as_millisecond()))? {
        let Some(start) = e.start else { continue };
        if start < now {
            continue;
        }
        items.push(Reminder {
            kind: "event",
            id: e.id,
            title: e.title,
            at: Some(start),
            date: None,
            overdue: false,
            people: e.attendees.into_iter().map(|p| PersonRef { id: p.id, name: p.name }).collect(),
            why: format!("starts {}", ctx.local(start)),
        });
    }
    // Birthdays from today to the horizon's day.
    let md = |d: Date| d.strftime("%m-%d").to_string();
    for b in ctx.store.birthdays(&md(today), &md(last_day))? {
        let Ok(bd) = Birthday::parse(&b.birthday) else { continue };
        let Some(day) = [today.year(), today.year() + 1]
            .into_iter()
            .filter_map(|y| bd.in_year(y))
            .find(|d| *d >= today && *d <= last_day)
        else {
            continue;
        };
        let title = match bd.year {
            Some(y) => format!("{}'s birthday ({})", b.name, day.year() - y),
            None => format!("{}'s birthday", b.name),
        };
        items.push(Reminder {
            kind: "birthday",
            id: b.id,
            title,
            at: None,
            date: Some(day.to_string()),
            overdue: false,
            people: vec![PersonRef { id: b.id, name: b.name }],
            why: if day == today { "today".into() } else { format!("on {day}") },
        });
    }
    // Cadences that went overdue within the last span (not every long-overdue relationship:
    // `kith reconnect` lists those).
    let since = now.as_millisecond() - (until.as_millisecond() - now.as_millisecond());
    for c in reconnect_list(ctx, usize::MAX)? {
        let due = c.due.as_millisecond();
        if due <= now.as_millisecond() && due > since {
            items.push(Reminder {
                kind: "reconnect",
                id: c.id,
                title: format!("reconnect with {}", c.name),
                at: Some(c.due),
                date: None,
                overdue: true,
                people: vec![PersonRef { id: c.id, name: c.name.clone() }],
                why: format!("{}; {}", c.status, c.suggestion),
            });
        }
    }
    // Overdue first, then by when: a day counts from its start in the user's zone.
    let tz = ctx.tz().clone();
    let when = |r: &Reminder| -> Option<Timestamp> {
        r.at.or_else(|| {
            r.date.as_deref()?.parse::<Date>().ok()?.to_zoned_datetime(tz.clone()).ok().map(|z| z.timestamp())
        })
    };
    items.sort_by(|x, y| (!x.overdue, when(x)).cmp(&(!y.overdue, when(y))).then_with(|| x.title.cmp(&y.title)));
    if !items.is_empty() {
        crate::app::set_exit_status(REMIND_DUE);
    }
    if ctx.json {
        return out::json(&json!({ "now": now, "until": until, "items": items })).map_err(Failure::from);
    }
    if items.is_empty() {
        out::line(format!("nothing due until {}", ctx.local(until)))?;
        return Ok(());
    }
    out::table(
        &["WHEN", "WHAT", "", "WITH", "WHY", "ID"],
        items
            .iter()
            .map(|r| {
                let when = match (&r.date, r.at) {
                    (Some(d), _) => d.clone(),
                    (None, Some(at)) => ctx.local(at),
                    _ => String::new(),
                };
                vec![
                    Cell::styled(when, if r.overdue { WARN } else { anstyle::Style::new() }),
                    Cell::new(r.kind),
                    Cell::styled(r.title.clone(), NAME),
                    Cell::new(r.people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")),
                    Cell::new(r.why.clone()),
                    Cell::styled(r.id.short(), DIM),
                ]
            })
            .collect(),
    )?;
    Ok(())
}
