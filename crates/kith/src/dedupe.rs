//! `kith dedupe` and `kith merge`: find people recorded twice, and make them one.
//!
//! Duplicates are found by what identifies a person: a shared email or LinkedIn profile is
//! sure; a shared phone number is sure when the two have no emails or profiles that differ; the
//! same name alone is only a candidate, shown but never merged by `--apply`.
//!
//! Merging keeps the first person and retires the second. The rule for conflicts: the kept
//! person's value of a field wins; the other's fills the fields the kept one lacks; notes are
//! joined, so nothing written is lost. Every email, phone, tag… of the second moves over, and
//! every role, tie, interaction, exchange, task and event attendance is re-pointed. All of it is
//! one change set: ops in `kith history`, one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kith_core::model::Phone;
use kith_core::{ChangeSet, Id, Kind};
use kith_interop::name_key;
use kith_store::PersonRecord;
use serde::Serialize;

use crate::app::{Ctx, Failure, Result, usage};
use crate::cli::{DedupeArgs, MergeArgs};
use crate::out;

#[derive(Debug, Clone, Serialize)]
struct Pair {
    keep: Id,
    keep_name: String,
    merge: Id,
    merge_name: String,
    /// `email`, `linkedin`, `phone` or `name`.
    reason: String,
    value: String,
    sure: bool,
}

fn linkedin_key(url: &str) -> Option<String> {
    let u = url.trim().to_lowercase();
    let rest = u.split_once("://").map_or(u.as_str(), |(_, r)| r);
    let rest = rest.trim_start_matches("www.").trim_end_matches('/');
    let host = rest.split('/').next().unwrap_or("");
    (host.ends_with("linkedin.com") && rest.len() > host.len() + 1)
        .then(|| format!("linkedin.com{}", &rest[host.len()..]))
}

pub fn dedupe(ctx: &mut Ctx, a: DedupeArgs) -> Result<()> {
    let rows = ctx.store.match_rows()?;
    let mut names: HashMap<Id, String> = HashMap::new();
    // identity → people; person → their emails and profiles
    let mut groups: BTreeMap<(String, String), BTreeSet<Id>> = BTreeMap::new();
    let mut strong: HashMap<Id, BTreeSet<String>> = HashMap::new();
    for r in rows {
        let key = match r.kind.as_str() {
            "email" => Some(("email".to_string(), r.value.to_lowercase())),
            "phone" => Phone::parse(&r.value)
                .ok()
                .filter(|p| p.key().trim_start_matches('+').len() >= 7)
                .map(|p| ("phone".to_string(), p.key().to_string())),
            "link" => linkedin_key(&r.value).map(|k| ("linkedin".to_string(), k)),
            "name" => {
                names.insert(r.person, r.value.clone());
                let k = name_key(&r.value);
                (!k.is_empty()).then(|| ("name".to_string(), k))
            }
            _ => None,
        };
        if let Some((kind, value)) = key {
            if kind == "email" || kind == "linkedin" {
                strong.entry(r.person).or_default().insert(format!("{kind}:{value}"));
            }
            groups.entry((kind, value)).or_default().insert(r.person);
        }
    }
    let conflict = |a: Id, b: Id| {
        let (x, y) = (strong.get(&a), strong.get(&b));
        ["email:", "linkedin:"].iter().any(|kind| {
            let of = |s: Option<&BTreeSet<String>>| -> Vec<String> {
                s.map(|s| s.iter().filter(|v| v.starts_with(kind)).cloned().collect()).unwrap_or_default()
            };
            let (x, y) = (of(x), of(y));
            !x.is_empty() && !y.is_empty() && !x.iter().any(|v| y.contains(v))
        })
    };
    let mut pairs: BTreeMap<(Id, Id), Pair> = BTreeMap::new();
    for ((kind, value), people) in &groups {
        let people: Vec<Id> = people.iter().copied().collect();
        if people.len() < 2 || people.len() > 50 {
            // fifty people sharing one phone is a switchboard, not a duplicate
            continue;
        }
        // The oldest record is kept: the others merge into it.
        let keep = people[0];
        for &other in &people[1..] {
            let sure = match kind.as_str() {
                "email" | "linkedin" => true,
                "phone" => !conflict(keep, other),
                _ => false,
            };
            if kind == "name" && conflict(keep, other) {
                continue;
            }
            let entry = pairs.entry((keep, other)).or_insert_with(|| Pair {
                keep,
                keep_name: names.get(&keep).cloned().unwrap_or_default(),
                merge: other,
                merge_name: names.get(&other).cloned().unwrap_or_default(),
                reason: kind.clone(),
                value: value.clone(),
                sure,
            });
            if sure && !entry.sure {
                entry.sure = true;
                entry.reason = kind.clone();
                entry.value = value.clone();
            }
        }
    }
    let pairs: Vec<Pair> = pairs.into_values().collect();
    let mut merged = 0;
    if a.apply {
        // Chains (A–B, B–C) end in one person: follow each merged id to where it went.
        let mut into: HashMap<Id, Id> = HashMap::new();
        let resolve = |into: &HashMap<Id, Id>, mut id: Id| {
            while let Some(&next) = into.get(&id) {
                id = next;
            }
            id
        };
        for p in pairs.iter().filter(|p| p.sure) {
            let (keep, gone) = (resolve(&into, p.keep), resolve(&into, p.merge));
            if keep == gone {
                continue;
            }
            let cs = merge_changes(ctx, keep, gone)?;
            ctx.commit(cs)?;
            into.insert(gone, keep);
            merged += 1;
        }
    }
    if ctx.json {
        return out::json(&serde_json::json!({ "pairs": pairs, "merged": merged })).map_err(Failure::from);
    }
    if pairs.is_empty() {
        return out::line("no duplicates found").map_err(Failure::from);
    }
    for p in &pairs {
        out::line(format!(
            "{} {} [{}]  ←  {} [{}]  same {} {}",
            if p.sure { "sure " } else { "maybe" },
            p.keep_name,
            p.keep.short(),
            p.merge_name,
            p.merge.short(),
            p.reason,
            p.value
        ))?;
    }
    let sure = pairs.iter().filter(|p| p.sure).count();
    if a.apply {
        out::line(format!(
            "merged {merged} pairs; the {} \"maybe\" pairs are left for `kith merge`",
            pairs.len() - sure
        ))?;
    } else {
        out::line(format!("{sure} sure, {} maybe; `kith dedupe --apply` merges the sure ones", pairs.len() - sure))?;
    }
    Ok(())
}

pub fn merge(ctx: &mut Ctx, a: MergeArgs) -> Result<()> {
    let keep = ctx.store.resolve_person(&a.keep)?;
    let gone = ctx.store.resolve_person(&a.other)?;
    if keep == gone {
        return Err(usage(format!("`{}` and `{}` are the same person", a.keep, a.other)));
    }
    let cs = merge_changes(ctx, keep, gone)?;
    let n = cs.len();
    ctx.commit(cs)?;
    let name = ctx.store.person(keep)?.map(|p| p.name).unwrap_or_default();
    if ctx.json {
        out::json(&serde_json::json!({ "id": keep, "merged": gone, "ops": n }))?;
    } else {
        out::line(format!(
            "merged [{}] into {name} [{}] ({n} changes, see `kith history`)",
            gone.short(),
            keep.short()
        ))?;
    }
    Ok(())
}

fn field(rec: &PersonRecord, name: &str) -> Option<String> {
    match name {
        "display_name" => rec.display_name.clone(),
        "given_name" => rec.given_name.clone(),
        "family_name" => rec.family_name.clone(),
        "birthday" => rec.birthday.clone(),
        "met_on" => rec.met_on.clone(),
        "met_how" => rec.met_how.clone(),
        _ => None,
    }
}

/// The changes that fold `gone` into `keep`.
fn merge_changes(ctx: &mut Ctx, keep: Id, gone: Id) -> Result<ChangeSet> {
    let mut records = ctx.store.person_records(&[keep, gone])?;
    let (Some(k), Some(g)) = (records.remove(&keep), records.remove(&gone)) else {
        return Err(usage("both people must exist"));
    };
    let mut cs = ChangeSet::new();
    // Fields: the kept person's value wins; the other's fills a gap.
    for f in ["display_name", "given_name", "family_name", "birthday", "met_on", "met_how"] {
        if field(&k, f).is_none()
            && let Some(v) = field(&g, f)
        {
            cs.set(Kind::Person, keep, f, v);
        }
    }
    // Fields the record above does not carry, from the full views.
    if let (Some(kv), Some(gv)) = (ctx.store.person(keep)?, ctx.store.person(gone)?) {
        if kv.tier.is_none()
            && let Some(t) = gv.tier
        {
            cs.set(Kind::Person, keep, "tier", t);
        }
        if kv.net_type.is_none()
            && let Some(t) = gv.net_type
        {
            cs.set(Kind::Person, keep, "net_type", t);
        }
        if kv.cadence_days.is_none()
            && let Some(d) = gv.cadence_days
        {
            cs.set(Kind::Person, keep, "cadence_days", d);
        }
        if kv.pitch.is_none()
            && let Some(p) = gv.pitch
        {
            cs.set(Kind::Person, keep, "pitch", p);
        }
    }
    let notes = match (&k.notes, &g.notes) {
        (Some(a), Some(b)) if !a.contains(b.as_str()) => Some(format!("{a}\n\n{b}")),
        (None, Some(b)) => Some(b.clone()),
        _ => None,
    };
    if let Some(n) = notes {
        cs.set(Kind::Person, keep, "notes", n);
    }
    // Items: each moves to the kept person (same derived id as if added there).
    for i in g.items.iter().filter(|i| !i.deleted) {
        let key = match i.kind.as_str() {
            "email" => i.value.to_lowercase(),
            "phone" => Phone::parse(&i.value).map(|p| p.key().to_string()).unwrap_or_else(|_| i.value.clone()),
            "address" | "link" | "custom" => i.value.to_lowercase(),
            _ => i.value.clone(),
        };
        let key = if i.kind == "custom" { i.label.clone().unwrap_or_default().to_lowercase() } else { key };
        let id = Id::derive(keep, &i.kind, &key);
        if k.items.iter().any(|x| x.id == id) {
            // already theirs
        } else {
            let kind: &'static str = match i.kind.as_str() {
                "email" => "email",
                "phone" => "phone",
                "address" => "address",
                "link" => "link",
                "tag" => "tag",
                "need" => "need",
                "offer" => "offer",
                "strength" => "strength",
                _ => "custom",
            };
            cs.set(Kind::PersonItem, id, "parent", keep.to_string());
            cs.set(Kind::PersonItem, id, "kind", kind);
            cs.set(Kind::PersonItem, id, "value", i.value.as_str());
            cs.set_opt(Kind::PersonItem, id, "label", i.label.as_deref());
            if i.pref && !k.items.iter().any(|x| x.kind == i.kind && x.pref && !x.deleted) {
                cs.set(Kind::PersonItem, id, "pref", 1);
            }
        }
        cs.delete(Kind::PersonItem, i.id, true);
    }
    // Kept vCard properties: the kept person's card gains the other's properties.
    if let Some(gc) = g.card.as_ref().filter(|c| !c.deleted) {
        match k.card.as_ref().filter(|c| !c.deleted) {
            Some(kc) => {
                let merged = merge_kept(&kc.data, &gc.data);
                if merged != kc.data {
                    cs.set(Kind::PersonCard, kc.id, "data", merged);
                }
            }
            None => {
                let id = Id::derive(keep, "card", "vcard");
                cs.set(Kind::PersonCard, id, "parent", keep.to_string());
                cs.set(Kind::PersonCard, id, "format", "vcard");
                cs.set(Kind::PersonCard, id, "data", gc.data.as_str());
                cs.delete(Kind::PersonCard, id, false);
            }
        }
        cs.delete(Kind::PersonCard, gc.id, true);
    }
    // Everything that points at the other person now points at the kept one.
    for r in ctx.store.references_to(gone)? {
        if r.kind == Kind::Tie && r.other == Some(keep) {
            // a tie between the two is a tie of one person with themselves
            cs.delete(Kind::Tie, r.id, true);
            continue;
        }
        let f = match r.field {
            "a" => "a",
            "b" => "b",
            _ => "person",
        };
        cs.set(r.kind, r.id, f, keep.to_string());
    }
    cs.delete(Kind::Person, gone, true);
    Ok(cs)
}

fn merge_kept(mine: &str, theirs: &str) -> String {
    let (Ok(mut a), Ok(b)) =
        (serde_json::from_str::<kith_interop::Kept>(mine), serde_json::from_str::<kith_interop::Kept>(theirs))
    else {
        return mine.to_string();
    };
    for p in b.props {
        if !a.props.contains(&p) {
            a.props.push(p);
        }
    }
    serde_json::to_string(&a).unwrap_or_else(|_| mine.to_string())
}
