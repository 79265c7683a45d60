//! `kith import` and `kith export`: contacts from vCard and CSV files matched to the people
//! already known, written as batched change sets; people written out as vCard; the whole op log
//! as a backup.
//!
//! An import reads records one by one, matches each to a person (vCard UID written by kith, then
//! email, phone, LinkedIn URL, then exact name), and writes only the fields that differ. It is
//! one transaction unless `--partial`: a bad record rolls everything back, and the summary names
//! the file, line and field of every bad record.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use kith_core::{ChangeSet, Id, Kind, Op};
use kith_interop::{Contact, Entry, RecordError, vcard};
use serde_json::json;

use crate::app::{Ctx, Failure, Result, usage};
use crate::cli::{ExportCmd, ImportCmd, ImportOpts};
use crate::out;
use crate::seed::Rng;

/// Operations per batch (one `commit` each; one transaction overall unless `--partial`).
const BATCH_OPS: usize = 20_000;
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

use kith_store::import::{Failed, Index, Input, Options, Source, Summary};

fn import_contacts(ctx: &mut Ctx, files: &[PathBuf], source: Source, opts: ImportOpts) -> Result<()> {
    // Open every file first: a missing file fails before anything is written.
    let mut inputs = Vec::new();
    for f in files {
        inputs.push(Input::open(f).map_err(|e| usage(format!("cannot read {}: {e}", f.display())))?);
    }
    let total: u64 = inputs.iter().map(|i| i.size).sum();
    let bar = progress(total);
    let options = Options { dry_run: opts.dry_run, partial: opts.partial };
    let actor = ctx.actor.clone();
    let now = ctx.now.clone();
    let outcome =
        kith_store::import::import_contacts(&mut ctx.store, inputs, &source, options, &actor, &now, &mut |n| {
            bar.set_position(n)
        });
    bar.finish_and_clear();
    let outcome = outcome?;
    let summary = outcome.summary;
    let failed = summary.failed;
    report(ctx, &summary, outcome.rolled_back)?;
    let atomic = !opts.partial && !opts.dry_run;
    if atomic && failed > 0 {
        return Err(usage(format!(
            "{failed} record{} could not be imported, so nothing was; fix {}, or use --partial to import the others",
            if failed == 1 { "" } else { "s" },
            if failed == 1 { "it" } else { "them" }
        )));
    }
    if outcome.rolled_back {
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

// ---------------------------------------------------------------------------------------------
// Export

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
    let mut names = HashSet::new();
    let count = kith_store::export::vcards(&mut ctx.store, version, |id, name, card| -> Result<()> {
        if let Some(d) = &dir {
            let path = d.join(file_name(name, id, &mut names));
            std::fs::write(&path, card).map_err(|e| usage(format!("cannot write {}: {e}", path.display())))?;
        } else if let Some(s) = sink.as_mut() {
            s.write_all(card.as_bytes())?;
        }
        Ok(())
    })?;
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

use kith_store::export::{BACKUP_FORMAT, BACKUP_VERSION};

fn export_backup(ctx: &mut Ctx, out_file: Option<PathBuf>) -> Result<()> {
    let mut sink: Box<dyn Write> = match &out_file {
        Some(f) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(f).map_err(|e| usage(format!("cannot write {}: {e}", f.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let n = kith_store::export::backup(&mut ctx.store, &mut sink).map_err(|e| match e {
        kith_store::export::BackupError::Store(e) => Failure::from(e),
        kith_store::export::BackupError::Io(e) => Failure::from(e),
    })?;
    if let Some(f) = out_file {
        out::line(format!("exported {n} operations to {}", f.display()))?;
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
    let Some(card) = kith_store::export::business_card(&mut ctx.store, me)? else {
        return Err(Failure::Lookup("your profile is not set up yet".into()));
    };
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
    let mut index = Index::of_store(&mut ctx.store)?;
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
    let (text, events, todos) = kith_store::export::ics(&mut ctx.store, ctx.now.timestamp())?;
    match &out_file {
        Some(f) => {
            std::fs::write(f, &text).map_err(|e| usage(format!("cannot write {}: {e}", f.display())))?;
            if ctx.json {
                out::json(&json!({ "events": events, "tasks": todos, "path": f }))?;
            } else {
                out::line(format!("exported {events} events and {todos} tasks to {}", f.display()))?;
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
