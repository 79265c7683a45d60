//! `kith import` and `kith export`: contacts from vCard and CSV files matched to the people
//! already known, written as batched change sets; people written out as vCard; the whole op log
//! as a backup.
//!
//! An import reads records one by one, matches each to a person (vCard UID written by kith, then
//! email, phone, LinkedIn URL, then exact name), and writes only the fields that differ. It is
//! one transaction unless `--partial`: a bad record rolls everything back, and the summary names
//! the file, line and field of every bad record.

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use kith_core::model::Phone;
use kith_core::{ChangeSet, Id, Kind, Op};
use kith_interop::{Contact, Entry, Kept, RecordError, name_key, vcard};
use kith_store::{MatchRow, PersonRecord};
use serde::Serialize;
use serde_json::json;

use crate::app::{Ctx, Failure, Result, usage};
use crate::cli::{ExportCmd, ImportCmd, ImportOpts};
use crate::out;
use crate::seed::Rng;

/// Operations per batch (one `commit` each; one transaction overall unless `--partial`).
const BATCH_OPS: usize = 20_000;
/// Records matched and planned together (one read of the stored people per chunk).
const CHUNK: usize = 1_000;
/// People kept in memory between flushes.
const STAGED_MAX: usize = 10_000;
/// Failures listed in the summary; the count covers all of them.
const MAX_SHOWN: usize = 50;

pub fn import(ctx: &mut Ctx, c: ImportCmd) -> Result<()> {
    match c {
        ImportCmd::Vcard { files, opts } => import_contacts(ctx, &files, Source::Vcard, opts),
        ImportCmd::Csv { file, format, map, opts } => {
            let layout = kith_interop::csv::Layout::parse(&format, &map).map_err(usage)?;
            import_contacts(ctx, std::slice::from_ref(&file), Source::Csv(layout), opts)
        }
        ImportCmd::Json { file } => import_backup(ctx, &file),
        ImportCmd::Ics { file, opts } => import_ics(ctx, &file, opts),
    }
}

pub fn export(ctx: &mut Ctx, c: ExportCmd) -> Result<()> {
    match c {
        ExportCmd::Vcard { version, out, dir } => export_vcard(ctx, version, out, dir),
        ExportCmd::Json { out } => export_backup(ctx, out),
        ExportCmd::Ics { out } => export_ics(ctx, out),
    }
}

enum Source {
    Vcard,
    Csv(kith_interop::csv::Layout),
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    created: usize,
    updated: usize,
    /// Records that matched a person another record of the same import had created or updated.
    merged: usize,
    unchanged: usize,
    failed: usize,
    failures: Vec<Failed>,
    dry_run: bool,
    ops: usize,
}

#[derive(Debug, Serialize)]
struct Failed {
    file: String,
    line: usize,
    field: Option<String>,
    message: String,
}

impl Failed {
    fn show(&self) -> String {
        match &self.field {
            Some(f) => format!("{}:{}: {f}: {}", self.file, self.line, self.message),
            None => format!("{}:{}: {}", self.file, self.line, self.message),
        }
    }
}

/// Who is who: the identities of the people stored and of those this import adds.
#[derive(Default)]
struct Index {
    known: HashSet<Id>,
    email: HashMap<String, Id>,
    phone: HashMap<String, Id>,
    linkedin: HashMap<String, Id>,
    /// `None` when several people have the name: a name alone then matches nobody.
    name: HashMap<String, Option<Id>>,
    /// Hashes of each person's emails and LinkedIn profiles: two people of one name whose
    /// emails (or profiles) differ are two people.
    ids: HashMap<Id, Vec<(u8, u64)>>,
}

fn hash(s: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(s)
}

const EMAIL: u8 = 0;
const LINKEDIN: u8 = 1;

/// The strong identities of a contact.
fn identities(c: &Contact) -> Vec<(u8, u64)> {
    let mut v: Vec<(u8, u64)> = c.emails.iter().map(|e| (EMAIL, hash(&e.key))).collect();
    v.extend(c.links.iter().filter_map(|l| linkedin_key(&l.value)).map(|k| (LINKEDIN, hash(&k))));
    v
}

/// Whether two sets of identities say "different people": both have an email (or a profile)
/// and they share none of that kind.
fn conflict(a: &[(u8, u64)], b: &[(u8, u64)]) -> bool {
    [EMAIL, LINKEDIN].iter().any(|&kind| {
        let of = |x: &[(u8, u64)]| x.iter().filter(|(k, _)| *k == kind).map(|(_, h)| *h).collect::<Vec<_>>();
        let (x, y) = (of(a), of(b));
        !x.is_empty() && !y.is_empty() && !x.iter().any(|h| y.contains(h))
    })
}

/// A LinkedIn profile URL reduced to host and path: `linkedin.com/in/priya`.
fn linkedin_key(url: &str) -> Option<String> {
    let u = url.trim().to_lowercase();
    let rest = u.split_once("://").map_or(u.as_str(), |(_, r)| r);
    let rest = rest.trim_start_matches("www.").trim_end_matches('/');
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let host = rest.split('/').next().unwrap_or("");
    let path = &rest[host.len()..];
    (host.ends_with("linkedin.com") && path.len() > 1).then(|| format!("linkedin.com{path}"))
}

/// Phone numbers short enough to be shared (extensions, switchboards) do not identify anyone.
fn phone_identifies(key: &str) -> bool {
    key.trim_start_matches('+').len() >= 7
}

impl Index {
    fn load(rows: Vec<MatchRow>) -> Index {
        let mut ix = Index::default();
        for r in rows {
            ix.known.insert(r.person);
            match r.kind.as_str() {
                "email" => {
                    ix.ids.entry(r.person).or_default().push((EMAIL, hash(&r.value.to_lowercase())));
                    ix.email.entry(r.value.to_lowercase()).or_insert(r.person);
                }
                "phone" => {
                    if let Ok(p) = Phone::parse(&r.value)
                        && phone_identifies(p.key())
                    {
                        ix.phone.entry(p.key().to_string()).or_insert(r.person);
                    }
                }
                "link" => {
                    if let Some(k) = linkedin_key(&r.value) {
                        ix.ids.entry(r.person).or_default().push((LINKEDIN, hash(&k)));
                        ix.linkedin.entry(k).or_insert(r.person);
                    }
                }
                "name" => ix.add_name(&r.value, r.person),
                _ => {}
            }
        }
        ix
    }

    fn add_name(&mut self, name: &str, id: Id) {
        let k = name_key(name);
        if k.is_empty() {
            return;
        }
        self.name
            .entry(k)
            .and_modify(|v| {
                if *v != Some(id) {
                    *v = None;
                }
            })
            .or_insert(Some(id));
    }

    fn find(&self, c: &Contact) -> Option<Id> {
        if let Some(uid) = &c.uid
            && let Ok(id) = uid.trim_start_matches("urn:uuid:").parse::<Id>()
            && self.known.contains(&id)
        {
            return Some(id);
        }
        if let Some(id) = c.emails.iter().find_map(|e| self.email.get(&e.key)) {
            return Some(*id);
        }
        // A phone or a name can be shared (a switchboard, a common name): they match only a
        // person whose emails and profiles do not say otherwise.
        let mine = identities(c);
        let fits = |id: &Id| !conflict(&mine, self.ids.get(id).map(Vec::as_slice).unwrap_or(&[]));
        c.phones
            .iter()
            .filter(|p| phone_identifies(&p.key))
            .filter_map(|p| self.phone.get(&p.key))
            .find(|id| fits(id))
            .or_else(|| c.links.iter().filter_map(|l| linkedin_key(&l.value)).find_map(|k| self.linkedin.get(&k)))
            .copied()
            .or_else(|| self.name.get(&name_key(&c.name)).copied().flatten().filter(fits))
    }

    fn add(&mut self, id: Id, c: &Contact) {
        self.known.insert(id);
        let mine = self.ids.entry(id).or_default();
        for i in identities(c) {
            if !mine.contains(&i) {
                mine.push(i);
            }
        }
        for e in &c.emails {
            self.email.entry(e.key.clone()).or_insert(id);
        }
        for p in c.phones.iter().filter(|p| phone_identifies(&p.key)) {
            self.phone.entry(p.key.clone()).or_insert(id);
        }
        for l in &c.links {
            if let Some(k) = linkedin_key(&l.value) {
                self.linkedin.entry(k).or_insert(id);
            }
        }
        self.add_name(&c.name, id);
    }
}

/// Everything one import run keeps between records.
struct Run<'a> {
    ctx: &'a mut Ctx,
    index: Index,
    orgs: HashMap<String, Id>,
    /// People as this import has left them so far (loaded, then updated by its own changes).
    staged: HashMap<Id, PersonRecord>,
    /// People this import created or changed, to tell merges within the file.
    touched: HashSet<Id>,
    cs: ChangeSet,
    summary: Summary,
    dry_run: bool,
    today: String,
}

fn import_contacts(ctx: &mut Ctx, files: &[PathBuf], source: Source, opts: ImportOpts) -> Result<()> {
    // Read every file first: a missing file fails before anything is written.
    let mut inputs = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).map_err(|e| usage(format!("cannot read {}: {e}", f.display())))?;
        inputs.push((f.display().to_string(), bytes));
    }
    let index = Index::load(ctx.store.match_rows()?);
    let orgs = ctx.store.org_names()?.into_iter().map(|(id, n)| (n.to_lowercase(), id)).collect();
    let today = ctx.now.date().to_string();
    let total: u64 = inputs.iter().map(|(_, b)| b.len() as u64).sum();
    let bar = progress(total);
    let atomic = !opts.partial && !opts.dry_run;
    if atomic {
        ctx.store.begin_bulk()?;
    }
    let mut run = Run {
        ctx,
        index,
        orgs,
        staged: HashMap::new(),
        touched: HashSet::new(),
        cs: ChangeSet::new(),
        summary: Summary { dry_run: opts.dry_run, ..Summary::default() },
        dry_run: opts.dry_run,
        today,
    };
    let result = (|| -> Result<()> {
        let mut done_bytes = 0u64;
        for (file, bytes) in &inputs {
            let text = match kith_interop::decode(bytes) {
                Ok(t) => t,
                Err(e) => {
                    run.fail(file, e);
                    continue;
                }
            };
            let lines = text.bytes().filter(|&b| b == b'\n').count().max(1) as u64;
            let mut records = 0usize;
            let mut chunk: Vec<Contact> = Vec::with_capacity(CHUNK);
            let iter: Box<dyn Iterator<Item = std::result::Result<Contact, RecordError>>> = match &source {
                Source::Vcard => Box::new(vcard::parse(&text)),
                Source::Csv(layout) => match kith_interop::csv::parse(&text, layout) {
                    Ok(it) => Box::new(it),
                    Err(e) => {
                        run.fail(file, e);
                        continue;
                    }
                },
            };
            for rec in iter {
                records += 1;
                match rec {
                    Ok(c) => {
                        bar.set_position(done_bytes + bytes.len() as u64 * c.line as u64 / lines);
                        chunk.push(c);
                        if chunk.len() >= CHUNK {
                            run.chunk(std::mem::take(&mut chunk))?;
                        }
                    }
                    Err(e) => run.fail(file, e),
                }
            }
            run.chunk(chunk)?;
            if records == 0 {
                let what = match source {
                    Source::Vcard => "no vCard (BEGIN:VCARD … END:VCARD)",
                    Source::Csv(_) => "no rows",
                };
                run.fail(file, RecordError::new(1, None, format!("the file is empty: it has {what}")));
            }
            done_bytes += bytes.len() as u64;
        }
        if atomic && run.summary.failed > 0 {
            return Ok(());
        }
        run.flush()
    })();
    bar.finish_and_clear();
    let failed = run.summary.failed;
    let summary = std::mem::take(&mut run.summary);
    let ctx = run.ctx;
    if atomic {
        // A bad record, or any error, leaves the database as it was.
        let ok = result.is_ok() && failed == 0;
        ctx.store.end_bulk(ok)?;
    }
    result?;
    let nothing = summary.created + summary.updated + summary.unchanged + summary.merged == 0;
    report(ctx, &summary, (atomic || nothing) && failed > 0)?;
    if atomic && failed > 0 {
        return Err(usage(format!(
            "{failed} record{} could not be imported, so nothing was; fix {}, or use --partial to import the others",
            if failed == 1 { "" } else { "s" },
            if failed == 1 { "it" } else { "them" }
        )));
    }
    if nothing && failed > 0 {
        return Err(usage("no record could be imported"));
    }
    Ok(())
}

fn progress(total: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() || total < 1_000_000 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("importing {bar:40} {bytes}/{total_bytes} {elapsed} (eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}

fn report(ctx: &Ctx, s: &Summary, rolled_back: bool) -> Result<()> {
    if rolled_back {
        // A failed command prints nothing on stdout: the bad records go to stderr, before the
        // one-line error.
        for f in s.failures.iter().take(MAX_SHOWN) {
            eprintln!("kith: {}", f.show());
        }
        if s.failures.len() > MAX_SHOWN {
            eprintln!("kith: … and {} more", s.failures.len() - MAX_SHOWN);
        }
        return Ok(());
    }
    if ctx.json {
        return out::json(s).map_err(Failure::from);
    }
    let verb = if s.dry_run { "would import" } else { "imported" };
    out::line(format!(
        "{verb}: {} created, {} updated, {} merged, {} unchanged, {} failed",
        s.created, s.updated, s.merged, s.unchanged, s.failed
    ))?;
    for f in s.failures.iter().take(MAX_SHOWN) {
        out::line(format!("  failed {}", f.show()))?;
    }
    if s.failures.len() > MAX_SHOWN {
        out::line(format!("  … and {} more", s.failures.len() - MAX_SHOWN))?;
    }
    Ok(())
}

impl Run<'_> {
    fn fail(&mut self, file: &str, e: RecordError) {
        self.summary.failed += 1;
        if self.summary.failures.len() < 10 * MAX_SHOWN {
            self.summary.failures.push(Failed {
                file: file.to_string(),
                line: e.line,
                field: e.field,
                message: e.message,
            });
        }
    }

    fn chunk(&mut self, chunk: Vec<Contact>) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        // Match first, then read every matched person once.
        let mut plan = Vec::with_capacity(chunk.len());
        let mut load = Vec::new();
        for c in chunk {
            let found = self.index.find(&c);
            let id = match found {
                Some(id) => {
                    if !self.staged.contains_key(&id) {
                        load.push(id);
                    }
                    id
                }
                None => {
                    let id = self.ctx.new_id();
                    self.staged.insert(id, PersonRecord::new(id));
                    id
                }
            };
            self.index.add(id, &c);
            plan.push((id, found.is_none(), c));
        }
        if !load.is_empty() {
            load.sort();
            load.dedup();
            let mut records = self.ctx.store.person_records(&load)?;
            for id in load {
                let rec = records.remove(&id).unwrap_or_else(|| PersonRecord::new(id));
                self.staged.insert(id, rec);
            }
        }
        for (id, is_new, c) in plan {
            let before = self.cs.len();
            let Some(mut rec) = self.staged.remove(&id) else { continue };
            self.person(&mut rec, &c, is_new);
            self.staged.insert(id, rec);
            let changed = self.cs.len() > before;
            if is_new {
                self.summary.created += 1;
            } else if self.touched.contains(&id) {
                self.summary.merged += 1;
            } else if changed {
                self.summary.updated += 1;
            } else {
                self.summary.unchanged += 1;
            }
            self.touched.insert(id);
        }
        // Memory stays bounded: write what is pending once enough is staged, and forget what the
        // database already says (a re-import that changes nothing stages every person).
        if self.cs.len() >= BATCH_OPS || self.staged.len() >= STAGED_MAX {
            self.flush()?;
        }
        if self.cs.is_empty() && !self.dry_run {
            self.staged.clear();
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        // One record op per record written: a new card is about ten op-log rows, not forty.
        let cs = std::mem::take(&mut self.cs).into_records();
        self.summary.ops += cs.len();
        if self.dry_run {
            return Ok(());
        }
        self.ctx.commit(cs)?;
        // What was staged is in the database now (inside the open transaction).
        self.staged.clear();
        Ok(())
    }

    fn set(&mut self, id: Id, field: &'static str, have: &mut Option<String>, want: &Option<String>) {
        if let Some(w) = want
            && have.as_ref() != Some(w)
        {
            self.cs.set(Kind::Person, id, field, w.as_str());
            *have = Some(w.clone());
        }
    }

    /// The changes that bring `rec` up to date with `c`: new values win (notes add up), nothing
    /// is removed.
    fn person(&mut self, rec: &mut PersonRecord, c: &Contact, is_new: bool) {
        let id = rec.id;
        self.set(id, "display_name", &mut rec.display_name, &Some(c.name.clone()));
        self.set(id, "given_name", &mut rec.given_name, &c.given);
        self.set(id, "family_name", &mut rec.family_name, &c.family);
        self.set(id, "birthday", &mut rec.birthday, &c.birthday);
        // Notes from another source add to the notes kept: nothing written is lost.
        if let Some(n) = &c.notes {
            let merged = match &rec.notes {
                Some(old) if old.contains(n.as_str()) => old.clone(),
                Some(old) if !old.is_empty() && !n.contains(old.as_str()) => format!("{old}\n\n{n}"),
                _ => n.clone(),
            };
            self.set(id, "notes", &mut rec.notes, &Some(merged));
        }
        // How and when we met does not change: the first import that knows it says it.
        if rec.met_on.is_none() {
            self.set(id, "met_on", &mut rec.met_on, &c.met_on);
        }
        if rec.met_how.is_none() {
            self.set(id, "met_how", &mut rec.met_how, &c.met_how);
        }
        for (kind, entries) in
            [("email", &c.emails), ("phone", &c.phones), ("address", &c.addresses), ("link", &c.links)]
        {
            for e in entries {
                self.item(rec, kind, e);
            }
        }
        for t in &c.tags {
            let e = Entry { value: t.clone(), key: t.clone(), label: None, pref: false };
            self.item(rec, "tag", &e);
        }
        if let Some(kept) = &c.kept {
            self.kept(rec, kept);
        }
        self.role(rec, c, is_new);
    }

    fn item(&mut self, rec: &mut PersonRecord, kind: &'static str, e: &Entry) {
        let item = Id::derive(rec.id, kind, &e.key);
        match rec.items.iter_mut().find(|i| i.id == item) {
            // Removed in kith: the user's removal stands.
            Some(i) if i.deleted => {}
            Some(i) => {
                if e.label.is_some() && i.label != e.label {
                    self.cs.set(Kind::PersonItem, item, "label", e.label.clone());
                    i.label = e.label.clone();
                }
            }
            None => {
                self.cs.set(Kind::PersonItem, item, "parent", rec.id.to_string());
                self.cs.set(Kind::PersonItem, item, "kind", kind);
                self.cs.set(Kind::PersonItem, item, "value", e.value.as_str());
                self.cs.set_opt(Kind::PersonItem, item, "label", e.label.as_deref());
                let first_of_kind = !rec.items.iter().any(|i| i.kind == kind && !i.deleted);
                let pref = e.pref || (kind == "email" && first_of_kind);
                if pref {
                    self.cs.set(Kind::PersonItem, item, "pref", 1);
                }
                rec.items.push(kith_store::ItemRecord {
                    id: item,
                    kind: kind.into(),
                    value: e.value.clone(),
                    label: e.label.clone(),
                    pref,
                    deleted: false,
                });
            }
        }
    }

    /// Keep the card's verbatim properties. A property named in the new card replaces the
    /// stored ones of that name (a re-import of an edited card); others stay (a second source).
    fn kept(&mut self, rec: &mut PersonRecord, kept: &Kept) {
        let card = Id::derive(rec.id, "card", "vcard");
        if rec.card.as_ref().is_some_and(|c| c.deleted) {
            return;
        }
        let mut merged = kept.clone();
        if let Some(old) = rec.card.as_ref().and_then(|c| serde_json::from_str::<Kept>(&c.data).ok()) {
            let prop_name = |raw: &str| {
                let head = raw.split([';', ':']).next().unwrap_or("");
                head.rsplit('.').next().unwrap_or(head).to_ascii_uppercase()
            };
            let names: HashSet<String> = kept.props.iter().map(|p| prop_name(&p.raw)).collect();
            for p in old.props {
                if !names.contains(&prop_name(&p.raw)) && !merged.props.contains(&p) {
                    merged.props.push(p);
                }
            }
        }
        let data = serde_json::to_string(&merged).unwrap_or_default();
        match &mut rec.card {
            Some(c) => {
                if c.data != data {
                    self.cs.set(Kind::PersonCard, c.id, "data", data.as_str());
                    c.data = data;
                }
            }
            None => {
                self.cs.set(Kind::PersonCard, card, "parent", rec.id.to_string());
                self.cs.set(Kind::PersonCard, card, "format", "vcard");
                self.cs.set(Kind::PersonCard, card, "data", data.as_str());
                rec.card = Some(kith_store::CardRecord { id: card, data, deleted: false });
            }
        }
    }

    fn role(&mut self, rec: &mut PersonRecord, c: &Contact, is_new: bool) {
        let Some(org) = c.org.as_deref().map(str::trim).filter(|o| !o.is_empty()) else {
            // A title alone belongs to the current role, if there is one.
            if let (Some(t), Some(r)) = (&c.title, rec.roles.iter_mut().find(|r| r.end_on.is_none()))
                && r.title.as_ref() != Some(t)
            {
                self.cs.set(Kind::Role, r.id, "title", t.as_str());
                r.title = Some(t.clone());
            }
            return;
        };
        let org_id = match self.orgs.get(&org.to_lowercase()) {
            Some(id) => *id,
            None => {
                let id = self.ctx.new_id();
                self.cs.set(Kind::Org, id, "name", org);
                self.orgs.insert(org.to_lowercase(), id);
                id
            }
        };
        if let Some(r) = rec.roles.iter_mut().find(|r| r.end_on.is_none() && r.org == Some(org_id)) {
            if let Some(t) = &c.title
                && r.title.as_ref() != Some(t)
            {
                self.cs.set(Kind::Role, r.id, "title", t.as_str());
                r.title = Some(t.clone());
            }
            return;
        }
        if !is_new {
            // A new current organization means they moved on from the old one.
            for r in rec.roles.iter_mut().filter(|r| r.end_on.is_none()) {
                self.cs.set(Kind::Role, r.id, "end_on", self.today.as_str());
                r.end_on = Some(self.today.clone());
            }
        }
        let role = Id::derive(rec.id, "role", &org_id.to_string());
        self.cs.set(Kind::Role, role, "person", rec.id.to_string());
        self.cs.set(Kind::Role, role, "org", org_id.to_string());
        self.cs.set_opt(Kind::Role, role, "title", c.title.as_deref());
        if rec.roles.iter().any(|r| r.id == role) {
            // They are back at an organization they had left.
            self.cs.set(Kind::Role, role, "end_on", serde_json::Value::Null);
        }
        rec.roles.retain(|r| r.id != role);
        rec.roles.insert(
            0,
            kith_store::RoleRecord {
                id: role,
                org: Some(org_id),
                org_name: Some(org.to_string()),
                title: c.title.clone(),
                end_on: None,
            },
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Export

/// What kith holds of a person, as a contact to write.
fn contact_of(p: &PersonRecord) -> Contact {
    let mut c = Contact {
        name: p.display_name.clone().unwrap_or_default(),
        given: p.given_name.clone(),
        family: p.family_name.clone(),
        birthday: p.birthday.clone(),
        notes: p.notes.clone(),
        met_on: p.met_on.clone(),
        met_how: p.met_how.clone(),
        ..Contact::default()
    };
    for i in p.items.iter().filter(|i| !i.deleted) {
        let entry = |key: String| Entry { value: i.value.clone(), key, label: i.label.clone(), pref: i.pref };
        match i.kind.as_str() {
            "email" => c.emails.push(entry(i.value.to_lowercase())),
            "phone" => {
                let key = Phone::parse(&i.value).map(|p| p.key().to_string()).unwrap_or_else(|_| i.value.clone());
                c.phones.push(entry(key));
            }
            "address" => c.addresses.push(entry(i.value.to_lowercase())),
            "link" => c.links.push(entry(i.value.to_lowercase())),
            "tag" => c.tags.push(i.value.clone()),
            _ => {}
        }
    }
    c.kept = p.card.as_ref().filter(|c| !c.deleted).and_then(|c| serde_json::from_str(&c.data).ok());
    if let Some(r) = p.roles.iter().find(|r| r.end_on.is_none()) {
        c.org = r.org_name.clone();
        c.title = r.title.clone();
    }
    c
}

fn export_vcard(ctx: &mut Ctx, version: u8, out_file: Option<PathBuf>, dir: Option<PathBuf>) -> Result<()> {
    let version = match version {
        3 => vcard::Version::V3,
        4 => vcard::Version::V4,
        v => return Err(usage(format!("--version {v} is not a vCard version kith writes: use 3 or 4"))),
    };
    if let Some(d) = &dir {
        std::fs::create_dir_all(d).map_err(|e| usage(format!("cannot create {}: {e}", d.display())))?;
    }
    let mut sink: Option<Box<dyn Write>> = match (&dir, &out_file) {
        (Some(_), _) => None,
        (None, Some(f)) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(f).map_err(|e| usage(format!("cannot write {}: {e}", f.display())))?,
        ))),
        (None, None) => Some(Box::new(std::io::BufWriter::new(std::io::stdout().lock()))),
    };
    let mut after = None;
    let mut count = 0usize;
    let mut names = HashSet::new();
    loop {
        let page = ctx.store.person_page(after, 2_000)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        let mut buf = String::with_capacity(page.len() * 400);
        for p in &page {
            let c = contact_of(p);
            let start = buf.len();
            vcard::write(&mut buf, &c, &format!("urn:uuid:{}", p.id), version);
            count += 1;
            if let Some(d) = &dir {
                let name = file_name(&c.name, p.id, &mut names);
                let path = d.join(name);
                std::fs::write(&path, &buf[start..])
                    .map_err(|e| usage(format!("cannot write {}: {e}", path.display())))?;
                buf.truncate(start);
            }
        }
        if let Some(s) = sink.as_mut() {
            s.write_all(buf.as_bytes())?;
        }
    }
    if let Some(mut s) = sink {
        s.flush()?;
    }
    if out_file.is_some() || dir.is_some() {
        let target = dir.or(out_file).unwrap_or_default();
        if ctx.json {
            out::json(&json!({ "people": count, "path": target }))?;
        } else {
            out::line(format!("exported {count} people to {}", target.display()))?;
        }
    }
    Ok(())
}

/// `priya-raman-1a2b3c4d.vcf`: readable, and unique even for two people of one name.
fn file_name(name: &str, id: Id, seen: &mut HashSet<String>) -> String {
    let slug: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c.to_lowercase().next().unwrap_or(c) } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    let slug = if slug.is_empty() { "contact".to_string() } else { slug };
    let mut n = format!("{slug}-{}.vcf", id.short());
    if !seen.insert(n.clone()) {
        n = format!("{slug}-{}.vcf", id.uuid().simple());
        seen.insert(n.clone());
    }
    n
}

// ---------------------------------------------------------------------------------------------
// Backup: the op log, which holds every record and its whole history.

const BACKUP_FORMAT: &str = "kith-backup";
const BACKUP_VERSION: u64 = 1;

fn export_backup(ctx: &mut Ctx, out_file: Option<PathBuf>) -> Result<()> {
    let ops = ctx.store.ops()?;
    let mut sink: Box<dyn Write> = match &out_file {
        Some(f) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(f).map_err(|e| usage(format!("cannot write {}: {e}", f.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    // One JSON object per line: a header, then every operation in (hlc, node, id) order.
    let header = json!({ "format": BACKUP_FORMAT, "version": BACKUP_VERSION, "ops": ops.len() });
    writeln!(sink, "{header}")?;
    for op in &ops {
        serde_json::to_writer(&mut sink, op).map_err(|e| Failure::Internal(e.into()))?;
        sink.write_all(b"\n")?;
    }
    sink.flush()?;
    if let Some(f) = out_file {
        out::line(format!("exported {} operations to {}", ops.len(), f.display()))?;
    }
    Ok(())
}

fn import_backup(ctx: &mut Ctx, file: &Path) -> Result<()> {
    let shown = file.display().to_string();
    let text = std::fs::read(file).map_err(|e| usage(format!("cannot read {shown}: {e}")))?;
    let text = kith_interop::decode(&text).map_err(|e| usage(format!("{shown}:{e}")))?;
    let mut lines = text.lines().enumerate();
    let bad = |line: usize, why: String| usage(format!("{shown}:{}: {why}", line + 1));
    let Some((n, head)) = lines.next() else { return Err(usage(format!("{shown}: the file is empty"))) };
    let head: serde_json::Value =
        serde_json::from_str(head).map_err(|e| bad(n, format!("not a kith backup header: {e}")))?;
    if head["format"] != BACKUP_FORMAT {
        return Err(bad(n, "not a kith backup (no \"format\": \"kith-backup\")".into()));
    }
    let version = head["version"].as_u64().unwrap_or(0);
    if version != BACKUP_VERSION {
        return Err(bad(n, format!("backup version {version} is not one this kith reads ({BACKUP_VERSION})")));
    }
    let mut ops: Vec<Op> = Vec::new();
    for (n, l) in lines {
        if l.trim().is_empty() {
            continue;
        }
        let op: Op = serde_json::from_str(l).map_err(|e| bad(n, format!("not an operation: {e}")))?;
        op.check().map_err(|e| bad(n, e.to_string()))?;
        ops.push(op);
    }
    let total = ops.len();
    let mut applied = 0;
    ctx.store.begin_bulk()?;
    let result = (|| -> Result<()> {
        for chunk in ops.chunks(BATCH_OPS) {
            applied += ctx.store.apply(chunk)?.applied;
        }
        Ok(())
    })();
    ctx.store.end_bulk(result.is_ok())?;
    result?;
    if ctx.json {
        out::json(&json!({ "ops": total, "applied": applied }))?;
    } else {
        out::line(format!("imported {total} operations ({applied} new) from {shown}"))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// My business card

pub fn me_card(ctx: &mut Ctx, qr: Option<&str>, out_file: Option<PathBuf>) -> Result<()> {
    let Some(me) = ctx.store.me()? else {
        return Err(Failure::Lookup("your profile is not set up yet: run `kith me edit --name \"Your Name\"`".into()));
    };
    let Some(rec) = ctx.store.person_records(&[me])?.remove(&me) else {
        return Err(Failure::Lookup("your profile is not set up yet".into()));
    };
    let mut c = contact_of(&rec);
    // The card says who I am and how to reach me; private notes stay out of it.
    c.notes = ctx.store.person(me)?.and_then(|p| p.pitch);
    c.kept = None;
    c.tags.clear();
    let mut card = String::new();
    vcard::write(&mut card, &c, &format!("urn:uuid:{me}"), vcard::Version::V4);
    // The format: --qr, else the output file's extension (`card.png`, `card.svg`), else the vCard.
    let by_extension = || {
        let ext = out_file.as_ref()?.extension()?.to_str()?.to_ascii_lowercase();
        ["png", "svg"].contains(&ext.as_str()).then_some(ext)
    };
    let format = qr.map(str::to_string).or_else(by_extension);
    let bytes: Vec<u8> = match format.as_deref() {
        None => card.into_bytes(),
        Some(format) => {
            let code = qrcode::QrCode::with_error_correction_level(card.as_bytes(), qrcode::EcLevel::L)
                .map_err(|e| usage(format!("your card is too long for a QR code ({e}); shorten the pitch or notes")))?;
            match format {
                "svg" => code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(256, 256).build().into_bytes(),
                "terminal" => code
                    .render::<qrcode::render::unicode::Dense1x2>()
                    .dark_color(qrcode::render::unicode::Dense1x2::Light)
                    .light_color(qrcode::render::unicode::Dense1x2::Dark)
                    .build()
                    .into_bytes(),
                "png" if out_file.is_none() => {
                    return Err(usage("a PNG is written to a file: add --out FILE (for example --out card.png)"));
                }
                "png" => qr_png(&code)?,
                other => {
                    return Err(usage(format!("--qr `{other}` is not a format kith draws: use terminal, svg or png")));
                }
            }
        }
    };
    match out_file {
        Some(f) => {
            std::fs::write(&f, &bytes).map_err(|e| usage(format!("cannot write {}: {e}", f.display())))?;
            out::line(format!("wrote your card to {}", f.display()))?;
        }
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(&bytes)?;
            if !bytes.ends_with(b"\n") {
                o.write_all(b"\n")?;
            }
            o.flush()?;
        }
    }
    Ok(())
}

/// Pixels per QR module in a PNG, and the quiet zone around the code, in modules.
pub const PNG_SCALE: usize = 8;
pub const PNG_QUIET: usize = 4;

/// The QR code as a black-on-white 8-bit grayscale PNG: `PNG_SCALE` pixels per module and a
/// quiet zone of `PNG_QUIET` modules, the margin readers need.
fn qr_png(code: &qrcode::QrCode) -> Result<Vec<u8>> {
    let modules = code.width();
    let side = (modules + 2 * PNG_QUIET) * PNG_SCALE;
    let colors = code.to_colors();
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i % modules + PNG_QUIET, i / modules + PNG_QUIET);
            for y in my * PNG_SCALE..(my + 1) * PNG_SCALE {
                pixels[y * side + mx * PNG_SCALE..y * side + (mx + 1) * PNG_SCALE].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    let side32 = u32::try_from(side).map_err(|_| usage("the QR code is too large for a PNG"))?;
    let mut enc = png::Encoder::new(&mut out, side32, side32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let failed = |e: png::EncodingError| Failure::Internal(anyhow::anyhow!("cannot encode the PNG: {e}"));
    let mut w = enc.write_header().map_err(failed)?;
    w.write_image_data(&pixels).map_err(failed)?;
    w.finish().map_err(failed)?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// iCalendar

fn utc(t: jiff::Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A calendar's moment as an instant; floating times and whole days are in the user's zone.
fn instant(ctx: &Ctx, w: &kith_interop::ics::When) -> std::result::Result<(jiff::Timestamp, Option<String>), String> {
    use jiff::tz::TimeZone;
    use kith_interop::ics::When;
    let dt = |(y, m, d): (i16, i8, i8), (h, mi, s): (i8, i8, i8)| {
        jiff::civil::DateTime::new(y, m, d, h, mi, s, 0).map_err(|e| format!("not a date and time: {e}"))
    };
    let user = ctx.tz().clone();
    let (civil, tz) = match w {
        When::Utc { date, time } => (dt(*date, *time)?, TimeZone::UTC),
        When::Date { date } => (dt(*date, (0, 0, 0))?, user),
        When::Local { date, time, tzid: None } => (dt(*date, *time)?, user),
        When::Local { date, time, tzid: Some(name) } => {
            let tz = if name.starts_with(['+', '-']) {
                let sign = if name.starts_with('-') { -1 } else { 1 };
                let (h, m) = name[1..].split_once(':').unwrap_or((&name[1..], "0"));
                let secs = sign * (h.parse::<i32>().unwrap_or(0) * 3600 + m.parse::<i32>().unwrap_or(0) * 60);
                TimeZone::fixed(jiff::tz::Offset::from_seconds(secs).map_err(|e| e.to_string())?)
            } else {
                TimeZone::get(name).map_err(|_| format!("`{name}` is not a time zone kith knows"))?
            };
            (dt(*date, *time)?, tz)
        }
    };
    let name = tz.iana_name().map(str::to_string);
    let z = civil.to_zoned_datetime(tz).map_err(|e| e.to_string())?;
    Ok((z.timestamp(), name))
}

fn import_ics(ctx: &mut Ctx, file: &Path, opts: ImportOpts) -> Result<()> {
    let shown = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|e| usage(format!("cannot read {shown}: {e}")))?;
    let mut summary = Summary { dry_run: opts.dry_run, ..Summary::default() };
    let fail = |summary: &mut Summary, e: RecordError| {
        summary.failed += 1;
        summary.failures.push(Failed { file: shown.clone(), line: e.line, field: e.field, message: e.message });
    };
    let events = match kith_interop::decode(&bytes) {
        Ok(t) => kith_interop::ics::parse(&t),
        Err(e) => vec![Err(e)],
    };
    if events.is_empty() {
        fail(&mut summary, RecordError::new(1, None, "the file is empty: it has no event (BEGIN:VEVENT)"));
    }
    let mut index = Index::load(ctx.store.match_rows()?);
    let mut cs = ChangeSet::new();
    let mut people_created = 0;
    let ns = Id::from_uuid(uuid::Uuid::nil());
    for ev in events {
        let ev = match ev {
            Ok(ev) => ev,
            Err(e) => {
                fail(&mut summary, e);
                continue;
            }
        };
        let Some(start_w) = &ev.start else { continue };
        let (start, tz) = match instant(ctx, start_w) {
            Ok(x) => x,
            Err(m) => {
                fail(&mut summary, RecordError::new(ev.line, Some("DTSTART"), m));
                continue;
            }
        };
        let end = match ev.end.as_ref().map(|w| instant(ctx, w)).transpose() {
            Ok(e) => e.map(|(t, _)| t),
            Err(m) => {
                fail(&mut summary, RecordError::new(ev.line, Some("DTEND"), m));
                continue;
            }
        };
        let id = match &ev.uid {
            Some(uid) => Id::derive(ns, "ics-event", uid),
            None => ctx.new_id(),
        };
        let existing = ctx.store.event(id)?;
        let before = cs.len();
        let same = |a: Option<&str>, b: Option<&str>| a == b;
        let (old_title, old_start, old_end, old_place, old_link, old_goals, old_tz) = match &existing {
            Some(e) => (
                Some(e.title.as_str()),
                e.start.map(|t| t.as_millisecond()),
                e.end.map(|t| t.as_millisecond()),
                e.place.as_deref(),
                e.link.as_deref(),
                e.goals.as_deref(),
                e.tz.as_deref(),
            ),
            None => (None, None, None, None, None, None, None),
        };
        if !same(old_title, Some(&ev.title)) {
            cs.set(Kind::Event, id, "title", ev.title.as_str());
        }
        if old_start != Some(start.as_millisecond()) {
            cs.set(Kind::Event, id, "start_at", start.as_millisecond());
        }
        let end_ms = end.map_or(start.as_millisecond() + 3_600_000, |e| e.as_millisecond());
        if old_end != Some(end_ms) {
            cs.set(Kind::Event, id, "end_at", end_ms);
        }
        let tz = tz.or_else(|| ctx.tz().iana_name().map(str::to_string));
        if tz.is_some() && !same(old_tz, tz.as_deref()) {
            cs.set_opt(Kind::Event, id, "tz", tz);
        }
        if ev.place.is_some() && !same(old_place, ev.place.as_deref()) {
            cs.set_opt(Kind::Event, id, "place", ev.place.as_deref());
        }
        if ev.link.is_some() && !same(old_link, ev.link.as_deref()) {
            cs.set_opt(Kind::Event, id, "link", ev.link.as_deref());
        }
        if ev.description.is_some() && !same(old_goals, ev.description.as_deref()) {
            cs.set_opt(Kind::Event, id, "goals", ev.description.as_deref());
        }
        let attending: HashSet<Id> =
            existing.as_ref().map(|e| e.attendees.iter().map(|p| p.id).collect()).unwrap_or_default();
        for (name, email) in &ev.attendees {
            let mut c =
                Contact { name: name.clone().or_else(|| email.clone()).unwrap_or_default(), ..Contact::default() };
            if let Some(e) = email {
                c.emails.push(Entry { value: e.clone(), key: e.clone(), label: None, pref: true });
            }
            let pid = match index.find(&c) {
                Some(p) => p,
                None => {
                    let p = ctx.new_id();
                    let (given, family) = kith_core::model::split_name(&c.name);
                    cs.set(Kind::Person, p, "display_name", c.name.as_str());
                    cs.set_opt(Kind::Person, p, "given_name", given);
                    cs.set_opt(Kind::Person, p, "family_name", family);
                    if let Some(e) = email {
                        let item = Id::derive(p, "email", e);
                        cs.set(Kind::PersonItem, item, "parent", p.to_string());
                        cs.set(Kind::PersonItem, item, "kind", "email");
                        cs.set(Kind::PersonItem, item, "value", e.as_str());
                        cs.set(Kind::PersonItem, item, "pref", 1);
                    }
                    index.add(p, &c);
                    people_created += 1;
                    p
                }
            };
            if !attending.contains(&pid) {
                let at = Id::derive(id, "attendee", &pid.to_string());
                cs.set(Kind::Attendee, at, "event", id.to_string());
                cs.set(Kind::Attendee, at, "person", pid.to_string());
                cs.delete(Kind::Attendee, at, false);
            }
        }
        if existing.is_none() {
            summary.created += 1;
        } else if cs.len() > before {
            summary.updated += 1;
        } else {
            summary.unchanged += 1;
        }
    }
    let failed = summary.failed;
    let atomic = !opts.partial;
    let nothing = summary.created + summary.updated + summary.unchanged == 0;
    let rolled_back = atomic && failed > 0;
    if !opts.dry_run && !rolled_back {
        summary.ops = cs.len();
        ctx.commit(cs)?;
    }
    report(ctx, &summary, (atomic || nothing) && failed > 0)?;
    if failed > 0 && (atomic || nothing) {
        return Err(usage(format!(
            "{failed} event{} could not be imported, so nothing was; use --partial to import the others",
            if failed == 1 { "" } else { "s" }
        )));
    }
    if !ctx.json && people_created > 0 {
        out::line(format!("{people_created} attendees were new and became people"))?;
    }
    Ok(())
}

fn export_ics(ctx: &mut Ctx, out_file: Option<PathBuf>) -> Result<()> {
    use kith_interop::ics;
    let people =
        |p: &[kith_store::PersonRef]| p.iter().map(|p| (p.name.clone(), format!("urn:uuid:{}", p.id))).collect();
    let events: Vec<ics::Event> = ctx
        .store
        .events(None, None)?
        .into_iter()
        .map(|e| ics::Event {
            id: e.id.to_string(),
            title: e.title,
            kind: e.kind,
            start: e.start.map(utc),
            end: e.end.map(utc),
            tz: e.tz,
            place: e.place,
            link: e.link,
            description: [e.goals.map(|g| format!("Goals: {g}")), e.prep.map(|p| format!("Prep: {p}")), e.debrief]
                .into_iter()
                .flatten()
                .reduce(|a, b| format!("{a}\n{b}")),
            attendees: people(&e.attendees),
        })
        .collect();
    let todos: Vec<ics::Todo> = ctx
        .store
        .tasks(&kith_store::TaskFilter::default())?
        .into_iter()
        .map(|t| ics::Todo {
            id: t.id.to_string(),
            title: t.title,
            notes: t.notes,
            due: t.due_date.map(|d| d.replace('-', "")).or(t.due_at.map(utc)),
            status: t.status,
            priority: t.priority,
            rrule: t.recurrence.as_deref().and_then(|r| kith_core::model::Recurrence::parse(r).ok()).map(|r| {
                use kith_core::model::Recurrence::*;
                match r {
                    Daily => "FREQ=DAILY".to_string(),
                    Weekly => "FREQ=WEEKLY".to_string(),
                    Monthly => "FREQ=MONTHLY".to_string(),
                    Yearly => "FREQ=YEARLY".to_string(),
                    EveryDays(n) => format!("FREQ=DAILY;INTERVAL={n}"),
                }
            }),
            reminders: t.reminders,
            hook: t.hook,
            people: people(&t.people),
            completed: t.done_at.map(utc),
        })
        .collect();
    let text = ics::write(&events, &todos, &utc(ctx.now.timestamp()));
    match &out_file {
        Some(f) => {
            std::fs::write(f, &text).map_err(|e| usage(format!("cannot write {}: {e}", f.display())))?;
            if ctx.json {
                out::json(&json!({ "events": events.len(), "tasks": todos.len(), "path": f }))?;
            } else {
                out::line(format!("exported {} events and {} tasks to {}", events.len(), todos.len(), f.display()))?;
            }
        }
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(text.as_bytes())?;
            o.flush()?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Synthetic files for benchmarks (`kith dev vcards`, `kith dev linkedin-csv`)

const GIVEN: &[&str] = &[
    "Ann", "Bob", "Chen", "Dana", "Emeka", "Fatima", "Goran", "Hana", "Ivan", "Jürgen", "Kofi", "Lena", "Marco",
    "Nadia", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tomás", "Uma", "Viktor", "Wei", "Yuki", "Zoë",
];
const FAMILY: &[&str] = &[
    "Lee",
    "Stone",
    "Novak",
    "Raman",
    "Okafor",
    "Müller",
    "Rossi",
    "Tanaka",
    "García",
    "Diallo",
    "Smith",
    "Kowalski",
    "Nguyen",
    "Haddad",
    "Silva",
    "Johansson",
    "O'Neil",
    "Petrov",
    "Kim",
    "Dubois",
];
const ORGS: &[&str] = &[
    "Northwind Labs",
    "Acme, Inc.",
    "BrightPath s.r.o.",
    "Sahel Grid",
    "Sakura Robotics",
    "Rossi Consulting",
    "Grün & Partner GmbH",
    "Lagos Health Partners",
    "Cooperativa Sol",
    "Blue Harbor",
    "Kite Analytics",
];
const TITLES: &[&str] = &["CTO", "Head of Design", "Founder", "VP Sales, EMEA", "Engineer", "Director", "Buyer"];
const TAGS: &[&str] = &["conference", "investor", "design", "robotics", "energy", "health", "mentor", "founder"];

/// The benchmark files' generator: kith dev seed's splitmix64, picking by modulo.
struct Mix(Rng);
impl Mix {
    fn new(seed: u64) -> Mix {
        Mix(Rng(seed))
    }
    fn next(&mut self) -> u64 {
        self.0.next()
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// A deterministic card of about 400 bytes: the mix of properties phones export.
pub fn sample_vcards(count: usize, seed: u64) -> Result<()> {
    let mut r = Mix::new(seed);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for i in 0..count {
        let (g, f) = (r.pick(GIVEN), r.pick(FAMILY));
        let org = r.pick(ORGS);
        let user = format!("{}.{}{i}", g.to_lowercase(), f.to_lowercase().replace('\'', ""));
        let month = 1 + r.next() % 12;
        let day = 1 + r.next() % 28;
        write!(
            out,
            "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//kith//bench//EN\r\nN:{f};{g};;;\r\nFN:{g} {f}\r\n\
             ORG:{};\r\nTITLE:{}\r\nEMAIL;type=INTERNET;type=WORK;type=pref:{user}@example.com\r\n\
             EMAIL;type=INTERNET;type=HOME:{user}@mail.example\r\nTEL;type=CELL;type=pref:+1 415 {:03} {:04}\r\n\
             item1.ADR;type=WORK:;;{} Market St;San Francisco;CA;94105;United States\r\nitem1.X-ABADR:us\r\n\
             URL:https://www.linkedin.com/in/{user}\r\nBDAY:19{:02}-{month:02}-{day:02}\r\n\
             NOTE:Met at ProductConf\\, talked about {}.\r\nCATEGORIES:{},{}\r\nX-PHONETIC-FIRST-NAME:{g}\r\nEND:VCARD\r\n",
            org.replace(',', "\\,"),
            r.pick(TITLES).replace(',', "\\,"),
            r.next() % 1000,
            i % 10_000,
            1 + r.next() % 999,
            50 + r.next() % 50,
            r.pick(TAGS),
            r.pick(TAGS),
            r.pick(TAGS),
        )?;
    }
    out.flush()?;
    Ok(())
}

/// A deterministic LinkedIn `Connections.csv`, preamble included.
pub fn sample_linkedin(count: usize, seed: u64) -> Result<()> {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mut r = Mix::new(seed);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\n"
    )?;
    writeln!(out, "First Name,Last Name,URL,Email Address,Company,Position,Connected On")?;
    for i in 0..count {
        let (g, f) = (r.pick(GIVEN), r.pick(FAMILY));
        let user = format!("{}-{}-{i}", g.to_lowercase(), f.to_lowercase().replace('\'', ""));
        let email = if r.next().is_multiple_of(3) { format!("{user}@example.com") } else { String::new() };
        writeln!(
            out,
            "{g},{f},https://www.linkedin.com/in/{user},{email},\"{}\",\"{}\",{:02} {} 20{:02}",
            r.pick(ORGS),
            r.pick(TITLES),
            1 + r.next() % 28,
            MONTHS[(r.next() % 12) as usize],
            10 + r.next() % 16
        )?;
    }
    out.flush()?;
    Ok(())
}
