//! Importing contacts (vCard, CSV) into the store, shared by `kith import` and the server's
//! `/api/v1/import/*`: matching records to the people stored (a UID kith wrote, an email, a
//! phone or name that nothing contradicts, a LinkedIn profile), planning the changes in chunks
//! of 1,000 records (one read of the stored people per chunk) and committing change sets of
//! about 20,000 ops. A writer thread holds the store and applies each change set while this
//! thread reads and plans the next. Without `partial` the whole import is one transaction
//! (`begin_bulk`): a bad record rolls everything back. The formats are kith-interop's readers.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use kith_core::model::Phone;
use kith_core::{ChangeSet, Id, Kind};
use kith_interop::{Contact, Entry, Kept, RecordError, name_key, vcard};
use serde::Serialize;

use crate::{Error, IdMaker, PersonRecord, Prepared, Result, Store};

/// Operations per batch (one `commit` each; one transaction overall unless `partial`).
const BATCH_OPS: usize = 20_000;
/// Records matched and planned together (one read of the stored people per chunk).
const CHUNK: usize = 1_000;
/// People kept in memory between flushes.
const STAGED_MAX: usize = 10_000;
/// Failures kept in the summary (the count covers all of them).
pub const MAX_FAILURES: usize = 500;

/// What the files are.
pub enum Source {
    Vcard,
    Csv(kith_interop::csv::Layout),
}

/// `dry_run`: match and count, write nothing. `partial`: keep the good records when some are
/// bad (otherwise a bad record imports nothing).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub dry_run: bool,
    pub partial: bool,
}

/// The end of an import: its summary, and whether nothing was written because of failures
/// (an all-or-nothing import with a bad record, or no good record at all).
#[derive(Debug)]
pub struct Outcome {
    pub summary: Summary,
    pub rolled_back: bool,
}

/// One file to import: its name for messages, its size, and its contents, in memory (a
/// request's body) or read as the import goes (a file on disk: a vCard file is read a block of
/// cards at a time, so a 100 MB file is not held whole).
pub struct Input {
    pub name: String,
    pub size: u64,
    reader: Box<dyn std::io::Read + Send>,
}

impl Input {
    pub fn bytes(name: impl Into<String>, bytes: Vec<u8>) -> Input {
        Input { name: name.into(), size: bytes.len() as u64, reader: Box::new(std::io::Cursor::new(bytes)) }
    }

    /// Open a file (an error when it cannot be opened, before anything is imported). A
    /// directory opens on Unix but cannot be read: refused here too. A pipe is read as it
    /// comes (its size is 0).
    pub fn open(path: &std::path::Path) -> std::io::Result<Input> {
        let file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a directory"));
        }
        Ok(Input { name: path.display().to_string(), size: meta.len(), reader: Box::new(file) })
    }
}

/// Import `files` as `actor` at `now`; `progress` is told, after each record, how many bytes
/// of all the files have been read. One file that cannot be decoded, or one bad record, is a
/// failure in the summary, not an error; an error is a failing store or a file that cannot be
/// read (and then nothing is written).
pub fn import_contacts(
    store: &mut Store,
    files: Vec<Input>,
    source: &Source,
    opts: Options,
    actor: &str,
    now: &jiff::ZonedDateTime,
    progress: &mut dyn FnMut(u64),
) -> Result<Outcome> {
    let index = Index::of_store(store)?;
    let orgs = store.org_names()?.into_iter().map(|(id, n)| (n.to_lowercase(), id)).collect();
    let today = now.date().to_string();
    let atomic = !opts.partial && !opts.dry_run;
    if atomic {
        store.begin_bulk()?;
    }
    let now_ms = now.timestamp().as_millisecond().max(0) as u64;
    let ids = store.id_maker();
    // Two threads: this one reads, matches and plans; the writer applies each change set while
    // the next is planned.
    let (result, summary) = std::thread::scope(|scope| {
        let (jobs, inbox) = std::sync::mpsc::sync_channel(0);
        let (used, written) = std::sync::mpsc::channel();
        let writing = &mut *store;
        let writer = scope.spawn(move || write(writing, inbox, used, actor, now_ms));
        let mut run = Run {
            writer: Writer { jobs, written, ids },
            now_ms,
            index,
            orgs,
            staged: HashMap::new(),
            touched: HashSet::new(),
            cs: ChangeSet::new(),
            summary: Summary { dry_run: opts.dry_run, ..Summary::default() },
            dry_run: opts.dry_run,
            today,
            pending: Vec::with_capacity(CHUNK),
            matched: None,
        };
        let planned = run.read(files, source, atomic, progress);
        let summary = std::mem::take(&mut run.summary);
        // Closing the channel lets the writer finish what it was sent, and stop.
        drop(run);
        let written = writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // A planner that stopped because the writer had is explained by the writer's error.
        (written.and(planned), summary)
    });
    let failed = summary.failed;
    if atomic {
        // A bad record, or any error, leaves the database as it was.
        let ok = result.is_ok() && failed == 0;
        store.end_bulk(ok)?;
    }
    result?;
    let nothing = summary.created + summary.updated + summary.unchanged + summary.merged == 0;
    Ok(Outcome { rolled_back: (atomic || nothing) && failed > 0, summary })
}

/// The planner's side of the import's writer thread, which holds the store. Jobs are done in
/// the order sent, so a read of stored people sees every change set sent before it.
struct Writer {
    jobs: std::sync::mpsc::SyncSender<Job>,
    /// The ops the writer is done with, freed here: the writer is the busier thread.
    written: std::sync::mpsc::Receiver<Vec<kith_core::Op>>,
    ids: IdMaker,
}

/// People as stored, by id: the writer's answer to [`Job::Load`].
type People = std::collections::HashMap<Id, PersonRecord>;

/// Where the writer's answer to [`Job::Load`] comes.
type Stored = std::sync::mpsc::Receiver<Result<People>>;

/// A chunk matched and not yet planned: its records, whether each is new, and the stored people
/// it asked the writer for.
struct Matched {
    plan: Vec<(Id, bool, Contact)>,
    load: Vec<Id>,
    stored: Option<Stored>,
}

enum Job {
    /// Stamp and apply a change set.
    Commit(Prepared),
    /// Read these people as stored, and answer.
    Load(Vec<Id>, std::sync::mpsc::Sender<Result<People>>),
}

impl Writer {
    fn send(&self, job: Job) -> Result<()> {
        self.jobs.send(job).map_err(|_| Writer::stopped())
    }

    /// The writer only stops early on an error, which `import_contacts` reports instead of this.
    fn stopped() -> Error {
        Error::Database("the import's writer stopped".into())
    }

    /// Ask for the stored state of these people: the answer comes after every job sent before.
    fn ask(&self, ids: &[Id]) -> Result<Stored> {
        let (answer, answered) = std::sync::mpsc::channel();
        self.send(Job::Load(ids.to_vec(), answer))?;
        Ok(answered)
    }

    fn answer(stored: Stored) -> Result<People> {
        stored.recv().map_err(|_| Writer::stopped())?
    }
}

/// The writer thread: do the jobs until the planner hangs up; the first failed write ends it.
fn write(
    store: &mut Store,
    jobs: std::sync::mpsc::Receiver<Job>,
    used: std::sync::mpsc::Sender<Vec<kith_core::Op>>,
    actor: &str,
    now_ms: u64,
) -> Result<()> {
    for job in jobs {
        match job {
            Job::Commit(changes) => {
                let ops = store.commit_prepared(changes, actor, now_ms)?;
                // Whatever the planner has stopped for, these ops are only to be freed.
                let _ = used.send(ops);
            }
            Job::Load(ids, answer) => {
                // The planner stops on a failed read; this thread then sees the channel close.
                let _ = answer.send(store.person_records(&ids));
            }
        }
    }
    Ok(())
}

/// Where a text read in one piece lies in the files, for progress: the file's line number of
/// its first line, its start in bytes of all the files, its length and its line ends.
struct Span {
    first_line: usize,
    at: u64,
    len: u64,
    lines: usize,
}

/// What an import did (or, dry, would do).
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    /// Records that matched a person another record of the same import had created or updated.
    pub merged: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub failures: Vec<Failed>,
    pub dry_run: bool,
    pub ops: usize,
}

/// A record that could not be imported: where, and why.
#[derive(Debug, Serialize)]
pub struct Failed {
    pub file: String,
    pub line: usize,
    pub field: Option<String>,
    pub message: String,
}

impl Failed {
    /// `file:line: field: message`.
    pub fn show(&self) -> String {
        match &self.field {
            Some(f) => format!("{}:{}: {f}: {}", self.file, self.line, self.message),
            None => format!("{}:{}: {}", self.file, self.line, self.message),
        }
    }
}

/// Who is who: the identities of the people stored and of those this import adds.
#[derive(Default)]
pub struct Index {
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
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(s)
}

const EMAIL: u8 = 0;
const LINKEDIN: u8 = 1;

/// The strong identities of a contact whose LinkedIn profile keys are `profiles`.
fn identities(c: &Contact, profiles: &[String]) -> Vec<(u8, u64)> {
    let mut v: Vec<(u8, u64)> = c.emails.iter().map(|e| (EMAIL, hash(&e.key))).collect();
    v.extend(profiles.iter().map(|k| (LINKEDIN, hash(k))));
    v
}

/// The LinkedIn profile keys of a contact's links: worked out once per contact, for both
/// [`Index::find`] and [`Index::add`] (they were four lower-cased copies of each URL).
fn profiles(c: &Contact) -> Vec<String> {
    c.links.iter().filter_map(|l| linkedin_key(&l.value)).collect()
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
    /// The identities of the people in `store` (those its scope lets it see).
    pub fn of_store(store: &mut Store) -> Result<Index> {
        let mut ix = Index::default();
        store.each_match_row(&mut |person, kind, value| ix.add_row(person, kind, value))?;
        Ok(ix)
    }

    fn add_row(&mut self, person: Id, kind: &str, value: &str) {
        self.known.insert(person);
        match kind {
            "email" => {
                let key = value.to_lowercase();
                self.ids.entry(person).or_default().push((EMAIL, hash(&key)));
                self.email.entry(key).or_insert(person);
            }
            "phone" => {
                if let Ok(p) = Phone::parse(value)
                    && phone_identifies(p.key())
                {
                    self.phone.entry(p.key().to_string()).or_insert(person);
                }
            }
            "link" => {
                if let Some(k) = linkedin_key(value) {
                    self.ids.entry(person).or_default().push((LINKEDIN, hash(&k)));
                    self.linkedin.entry(k).or_insert(person);
                }
            }
            "name" => self.add_name(value, person),
            _ => {}
        }
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

    pub fn find(&self, c: &Contact) -> Option<Id> {
        self.find_with(c, &profiles(c))
    }

    /// [`Index::find`], given the contact's [`profiles`].
    fn find_with(&self, c: &Contact, profiles: &[String]) -> Option<Id> {
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
        let mine = identities(c, profiles);
        let fits = |id: &Id| !conflict(&mine, self.ids.get(id).map(Vec::as_slice).unwrap_or(&[]));
        c.phones
            .iter()
            .filter(|p| phone_identifies(&p.key))
            .filter_map(|p| self.phone.get(&p.key))
            .find(|id| fits(id))
            .or_else(|| profiles.iter().find_map(|k| self.linkedin.get(k)))
            .copied()
            .or_else(|| self.name.get(&name_key(&c.name)).copied().flatten().filter(fits))
    }

    pub fn add(&mut self, id: Id, c: &Contact) {
        self.add_with(id, c, profiles(c));
    }

    /// [`Index::add`], given the contact's [`profiles`].
    fn add_with(&mut self, id: Id, c: &Contact, profiles: Vec<String>) {
        self.known.insert(id);
        let mine = self.ids.entry(id).or_default();
        for i in identities(c, &profiles) {
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
        for k in profiles {
            self.linkedin.entry(k).or_insert(id);
        }
        self.add_name(&c.name, id);
    }
}

/// Everything one import run keeps between records.
struct Run {
    writer: Writer,
    now_ms: u64,
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
    /// Records read and not yet matched (fewer than a chunk).
    pending: Vec<Contact>,
    /// The chunk matched last, planned when the next one is matched.
    matched: Option<Matched>,
}

impl Run {
    /// Read every file, planning its records a chunk at a time, and flush what is left unless
    /// an atomic import already failed.
    fn read(&mut self, files: Vec<Input>, source: &Source, atomic: bool, progress: &mut dyn FnMut(u64)) -> Result<()> {
        let mut done_bytes = 0u64;
        for Input { name: file, size, mut reader } in files {
            let unreadable = |source| Error::Read { file: file.clone(), source };
            let records = match source {
                // A block of whole cards at a time.
                Source::Vcard => {
                    let mut records = 0;
                    for block in vcard::Blocks::new(&mut reader) {
                        let block = block.map_err(unreadable)?;
                        let text = match kith_interop::decode(&block.bytes) {
                            Ok(t) => t,
                            Err(mut e) => {
                                // A binary file: the rest of it is not read.
                                e.line += block.first_line - 1;
                                self.fail(&file, e);
                                records += 1;
                                break;
                            }
                        };
                        let at = done_bytes + block.start;
                        let cards = vcard::parse_from(&text, block.first_line);
                        let span =
                            Span { first_line: block.first_line, at, len: text.len() as u64, lines: block.lines };
                        records += self.records(&file, cards, span, progress)?;
                    }
                    records
                }
                // CSV fields may span lines: the whole file at once (CSV exports are small).
                Source::Csv(layout) => {
                    let mut bytes = Vec::new();
                    reader.read_to_end(&mut bytes).map_err(unreadable)?;
                    let text = match kith_interop::decode(&bytes) {
                        Ok(t) => t,
                        Err(e) => {
                            self.fail(&file, e);
                            continue;
                        }
                    };
                    match kith_interop::csv::parse(&text, layout) {
                        Ok(rows) => {
                            let lines = text.bytes().filter(|&b| b == b'\n').count();
                            let span = Span { first_line: 1, at: done_bytes, len: text.len() as u64, lines };
                            self.records(&file, rows, span, progress)?
                        }
                        Err(e) => {
                            self.fail(&file, e);
                            continue;
                        }
                    }
                }
            };
            let chunk = std::mem::take(&mut self.pending);
            self.chunk(chunk)?;
            if records == 0 {
                let what = match source {
                    Source::Vcard => "no vCard (BEGIN:VCARD … END:VCARD)",
                    Source::Csv(_) => "no rows",
                };
                self.fail(&file, RecordError::new(1, None, format!("the file is empty: it has {what}")));
            }
            done_bytes += size;
        }
        self.plan_matched()?;
        if atomic && self.summary.failed > 0 {
            return Ok(());
        }
        self.flush()
    }

    /// Read `records` of `file`, parsed from the text `span`, planning them a chunk at a time;
    /// how many there were, good or bad.
    fn records(
        &mut self,
        file: &str,
        records: impl Iterator<Item = std::result::Result<Contact, RecordError>>,
        span: Span,
        progress: &mut dyn FnMut(u64),
    ) -> Result<usize> {
        let Span { first_line, at, len, lines } = span;
        let lines = lines.max(1) as u64;
        let mut n = 0;
        for rec in records {
            n += 1;
            match rec {
                Ok(c) => {
                    progress(at + len * c.line.saturating_sub(first_line) as u64 / lines);
                    self.pending.push(c);
                    if self.pending.len() >= CHUNK {
                        let chunk = std::mem::replace(&mut self.pending, Vec::with_capacity(CHUNK));
                        self.chunk(chunk)?;
                    }
                }
                Err(e) => self.fail(file, e),
            }
        }
        Ok(n)
    }

    fn fail(&mut self, file: &str, e: RecordError) {
        self.summary.failed += 1;
        if self.summary.failures.len() < MAX_FAILURES {
            self.summary.failures.push(Failed {
                file: file.to_string(),
                line: e.line,
                field: e.field,
                message: e.message,
            });
        }
    }

    /// Match `chunk` and ask the writer for the stored people it matched; the chunk before is
    /// planned first. The answer is awaited only when the next chunk comes (or the files end),
    /// so the writer reads while this thread parses.
    fn chunk(&mut self, chunk: Vec<Contact>) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        self.plan_matched()?;
        let mut plan = Vec::with_capacity(chunk.len());
        let mut load = Vec::new();
        for c in chunk {
            let profiles = profiles(&c);
            let found = self.index.find_with(&c, &profiles);
            let id = match found {
                Some(id) => {
                    if !self.staged.contains_key(&id) {
                        load.push(id);
                    }
                    id
                }
                None => {
                    let id = self.writer.ids.new_id(self.now_ms);
                    self.staged.insert(id, PersonRecord::new(id));
                    id
                }
            };
            self.index.add_with(id, &c, profiles);
            plan.push((id, found.is_none(), c));
        }
        load.sort();
        load.dedup();
        let stored = if load.is_empty() { None } else { Some(self.writer.ask(&load)?) };
        self.matched = Some(Matched { plan, load, stored });
        Ok(())
    }

    /// Plan the chunk [`Run::chunk`] matched last, once the people it read are here.
    fn plan_matched(&mut self) -> Result<()> {
        let Some(Matched { plan, load, stored }) = self.matched.take() else { return Ok(()) };
        if let Some(stored) = stored {
            let mut records = Writer::answer(stored)?;
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
        self.writer.send(Job::Commit(Prepared::new(cs)))?;
        self.writer.written.try_iter().for_each(drop);
        // What was staged is the writer's now: a later read of these people waits for it.
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
                rec.items.push(crate::ItemRecord {
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
        let alone = serde_json::to_string(kept).unwrap_or_default();
        let data = match rec.card.as_ref() {
            None => alone,
            // The same card again (a re-import): what is stored is this card's own properties,
            // so merging the stored ones in would give it back unchanged.
            Some(c) if c.data == alone => return,
            Some(c) => {
                let mut merged = kept.clone();
                if let Ok(old) = serde_json::from_str::<Kept>(&c.data) {
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
                serde_json::to_string(&merged).unwrap_or_default()
            }
        };
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
                rec.card = Some(crate::CardRecord { id: card, data, deleted: false });
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
                let id = self.writer.ids.new_id(self.now_ms);
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
            crate::RoleRecord {
                id: role,
                org: Some(org_id),
                org_name: Some(org.to_string()),
                title: c.title.clone(),
                end_on: None,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database that fills up half-way (a full disk) fails the import with SQLite's own
    /// error, leaves nothing behind and keeps working. SQLite rolls the transaction back itself
    /// when a write finds no room; the rollback after must not hide why.
    #[test]
    fn a_full_database_is_the_error_reported_and_nothing_stays() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open_sqlite(&dir.path().join("kith.db")).unwrap();
        let pages = store.db().query("PRAGMA page_count", &[]).unwrap()[0][0].int().unwrap();
        store.db().batch(&format!("PRAGMA max_page_count = {}", pages + 40)).unwrap();
        let mut text = String::from("First Name,Last Name,URL,Email Address,Company,Position,Connected On\n");
        for n in 0..3_000 {
            text.push_str(&format!("Given{n},Family{n},,p{n}@example.com,Company {},Title,17 Oct 2015\n", n % 40));
        }
        let csv = || Source::Csv(kith_interop::csv::Layout::parse("auto", &[]).unwrap());
        let now: jiff::ZonedDateTime = "2026-11-26T10:00:00+00:00[UTC]".parse().unwrap();
        let file = Input::bytes("connections.csv", text.clone().into_bytes());
        let err =
            import_contacts(&mut store, vec![file], &csv(), Options::default(), "ann", &now, &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("full"), "{err}");
        assert!(store.resolve_person("p0@example.com").is_err());

        store.db().batch("PRAGMA max_page_count = 1073741823").unwrap();
        let file = Input::bytes("connections.csv", text.into_bytes());
        let out =
            import_contacts(&mut store, vec![file], &csv(), Options::default(), "ann", &now, &mut |_| {}).unwrap();
        assert_eq!(out.summary.created, 3_000);
    }
}
