//! What each command does: turn flags into changes (writes) or queries into output (reads).

use std::collections::BTreeMap;

use kith_core::model::{Email, NetType, Phone, TieKind, Tier, tag};
use kith_core::when::When;
use kith_core::{ChangeSet, Id, Kind};
use kith_store::edit::{self, InteractionInput, PersonInput, TaskInput, nonempty, set_name};
use kith_store::{PersonFilter, PersonView, TaskFilter, TaskView};
use serde_json::{Value, json};

use crate::app::{Ctx, Failure, Result, usage};
use crate::cli::*;
use crate::out::{self, Cell, DIM, NAME, OK, WARN};

pub fn dispatch(ctx: &mut Ctx, command: Command) -> Result<()> {
    match command {
        Command::Person(c) => person(ctx, c),
        Command::Org(c) => org(ctx, c),
        Command::Tie(c) => tie(ctx, c),
        Command::Log(a) => log(ctx, a),
        Command::Hook(a) => hook(ctx, a),
        Command::Task(c) => task(ctx, c),
        Command::Project(c) => project(ctx, c),
        Command::Event(c) => event(ctx, c),
        Command::Agenda(a) => agenda(ctx, a),
        Command::Search(a) => search(ctx, a),
        Command::History(a) => history(ctx, a),
        Command::Me(c) => me(ctx, c),
        Command::Dev(DevCmd::Seed { people, ties_per_person, interactions, seed }) => {
            crate::seed::seed(ctx, crate::seed::Plan { people, ties_per_person, interactions, seed })
        }
        Command::Import(c) => crate::interop::import(ctx, c),
        Command::Export(c) => crate::interop::export(ctx, c),
        Command::Dedupe(a) => crate::dedupe::dedupe(ctx, a),
        Command::Merge(a) => crate::dedupe::merge(ctx, a),
        // Run before a database is opened (`app::run`).
        Command::Completions { .. }
        | Command::Man { .. }
        | Command::Dev(DevCmd::Vcards { .. } | DevCmd::LinkedinCsv { .. }) => Ok(()),
        Command::Reconnect(a) => crate::intel_cmd::reconnect(ctx, a),
        Command::Ledger(a) => crate::intel_cmd::ledger_cmd(ctx, a),
        Command::Match(a) => crate::intel_cmd::match_cmd(ctx, a),
        Command::Path(a) => crate::intel_cmd::path(ctx, a),
        Command::Rank(a) => crate::intel_cmd::rank_cmd(ctx, a),
        Command::Brief(a) => crate::intel_cmd::brief(ctx, a),
        Command::Plan(a) => crate::intel_cmd::plan(ctx, a),
        Command::Debrief(a) => crate::intel_cmd::debrief(ctx, a),
        Command::Remind(a) => crate::intel_cmd::remind(ctx, a),
        Command::Settings => crate::intel_cmd::show_settings(ctx),
        Command::Serve(_) => Ok(()),
        Command::User(c) => crate::server_cmds::user(ctx, c),
        Command::Token(c) => crate::server_cmds::token(ctx, c),
        Command::Workspace(c) => crate::server_cmds::workspace(ctx, c),
    }
}

/// What a write command prints: the record's id with `--json`, a short line otherwise.
fn done(ctx: &Ctx, id: Id, message: String) -> Result<()> {
    if ctx.json {
        out::json(&json!({ "id": id }))?;
    } else {
        out::line(format!("{OK}{message}{OK:#} {DIM}[{}]{DIM:#}", id.short()))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// People

/// Up to three names for a table cell, and how many more: "Ann Lee, Bob Stone, Cy Diaz +8".
fn few_names(people: &[kith_store::PersonRef]) -> String {
    const SHOWN: usize = 3;
    let mut s = people.iter().take(SHOWN).map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
    if people.len() > SHOWN {
        s.push_str(&format!(" +{}", people.len() - SHOWN));
    }
    s
}

/// The person's fields from the command line, as kith-store's shared edit rules take them.
fn person_fields(ctx: &mut Ctx, cs: &mut ChangeSet, id: Id, f: &PersonFields, is_new: bool) -> Result<()> {
    let input = PersonInput {
        emails: f.emails.clone(),
        phones: f.phones.clone(),
        addresses: f.addresses.clone(),
        links: f.links.clone(),
        tags: f.tags.clone(),
        // --untag is one of the removals, made after the additions.
        untag: Vec::new(),
        needs: f.needs.clone(),
        offers: f.offers.clone(),
        org: f.org.clone(),
        title: f.title.clone(),
        net_type: f.net_type.clone(),
        tier: f.tier.clone(),
        met: f.met.clone(),
        met_where: f.met_where.clone(),
        met_on: f.met_on.clone(),
        birthday: f.birthday.clone(),
        cadence: f.cadence.clone(),
        notes: f.notes.clone(),
        fields: f.fields.clone(),
    };
    Ok(edit::person_fields(&mut ctx.store, &ctx.now, cs, id, &input, is_new)?)
}

fn removals(ctx: &mut Ctx, cs: &mut ChangeSet, id: Id, r: &Removals) -> Result<()> {
    let s = &mut ctx.store;
    for t in &r.untag {
        edit::remove_person_item(s, cs, id, "tag", &tag(t)?, t)?;
    }
    for e in &r.remove_emails {
        edit::remove_person_item(s, cs, id, "email", Email::parse(e)?.as_str(), e)?;
    }
    for p in &r.remove_phones {
        edit::remove_person_item(s, cs, id, "phone", Phone::parse(p)?.key(), p)?;
    }
    for n in &r.remove_needs {
        edit::remove_person_item(s, cs, id, "need", &tag(n)?, n)?;
    }
    for o in &r.remove_offers {
        edit::remove_person_item(s, cs, id, "offer", &tag(o)?, o)?;
    }
    if let Some(org) = &r.left {
        let org_id = ctx.store.resolve_org(org)?;
        let today = ctx.now.date().to_string();
        let roles = ctx.store.roles_of(id)?;
        let current: Vec<_> = roles.iter().filter(|r| r.org_id == Some(org_id) && r.end_on.is_none()).collect();
        if current.is_empty() {
            return Err(usage(format!("they have no current role at `{org}`")));
        }
        for role in current {
            cs.set(Kind::Role, role.id, "end_on", today.as_str());
        }
    }
    Ok(())
}

fn person(ctx: &mut Ctx, c: PersonCmd) -> Result<()> {
    match c {
        PersonCmd::Add { name, fields } => {
            let id = ctx.new_id();
            let mut cs = ChangeSet::new();
            set_name(&mut cs, id, &name)?;
            person_fields(ctx, &mut cs, id, &fields, true)?;
            ctx.commit(cs)?;
            done(ctx, id, format!("added {}", name.trim()))
        }
        PersonCmd::List(a) => person_list(ctx, a),
        PersonCmd::Show { person } => {
            let id = ctx.store.resolve_person(&person)?;
            person_show(ctx, id)
        }
        PersonCmd::Edit { person, name, fields, removals: r } => {
            let id = ctx.store.resolve_person(&person)?;
            let mut cs = ChangeSet::new();
            if let Some(n) = &name {
                set_name(&mut cs, id, n)?;
            }
            person_fields(ctx, &mut cs, id, &fields, false)?;
            removals(ctx, &mut cs, id, &r)?;
            if cs.is_empty() {
                return Err(usage("nothing to change: give at least one flag (see `kith person edit --help`)"));
            }
            ctx.commit(cs)?;
            done(ctx, id, "updated".into())
        }
        PersonCmd::Rm { person } => {
            let id = ctx.store.resolve_person(&person)?;
            let name = ctx.store.person(id)?.map(|p| p.name).unwrap_or_default();
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Person, id, true);
            ctx.commit(cs)?;
            done(ctx, id, format!("removed {name}"))
        }
    }
}

fn person_list(ctx: &mut Ctx, a: PersonListArgs) -> Result<()> {
    let org = a.org.as_deref().map(|o| ctx.store.resolve_org(o)).transpose()?;
    let filter = PersonFilter {
        tag: a.tag.as_deref().map(tag).transpose()?,
        tier: a.tier.as_deref().map(|t| t.parse::<Tier>().map(|t| t.as_str().to_string())).transpose()?,
        net_type: a.net_type.as_deref().map(|t| t.parse::<NetType>().map(|t| t.as_str().to_string())).transpose()?,
        org,
        name: a.name.clone(),
        limit: if a.all { None } else { Some(a.limit + 1) },
    };
    let mut rows = ctx.store.people(&filter)?;
    let more = !a.all && rows.len() > a.limit;
    rows.truncate(if a.all { usize::MAX } else { a.limit });
    if ctx.json {
        return out::json(&rows).map_err(Failure::from);
    }
    let cells = rows
        .iter()
        .map(|p| {
            vec![
                Cell::styled(p.name.clone(), NAME),
                Cell::new(p.org.clone().unwrap_or_default()),
                Cell::new(p.title.clone().unwrap_or_default()),
                Cell::new(p.tier.clone().unwrap_or_default()),
                Cell::new(p.net_type.clone().unwrap_or_default()),
                Cell::new(p.email.clone().unwrap_or_default()),
                Cell::new(p.tags.join(", ")),
                Cell::styled(p.id.short(), DIM),
            ]
        })
        .collect();
    out::table(&["NAME", "ORG", "TITLE", "TIER", "TYPE", "EMAIL", "TAGS", "ID"], cells)?;
    if more {
        let total = ctx.store.count_people(&filter)?;
        out::line(format!("{DIM}… {} more; narrow the filter or use --all{DIM:#}", total - a.limit))?;
    }
    Ok(())
}

fn person_show(ctx: &mut Ctx, id: Id) -> Result<()> {
    let Some(p) = ctx.store.person(id)? else {
        return Err(Failure::Lookup(format!("no person with id {id}")));
    };
    let warmth = crate::intel_cmd::person_warmth(ctx, &p)?;
    if ctx.json {
        #[derive(serde::Serialize)]
        struct WithWarmth<'a> {
            #[serde(flatten)]
            person: &'a PersonView,
            /// Null for your own profile.
            warmth: Option<kith_core::intel::warmth::Warmth>,
        }
        return out::json(&WithWarmth { person: &p, warmth }).map_err(Failure::from);
    }
    print_person(ctx, &p)?;
    match &warmth {
        Some(w) => crate::intel_cmd::print_warmth(w),
        None => Ok(()),
    }
}

fn print_person(ctx: &Ctx, p: &PersonView) -> Result<()> {
    let items = |v: &[kith_store::Item]| {
        v.iter()
            .map(|i| match &i.label {
                Some(l) => format!("{} ({l})", i.value),
                None => i.value.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let current: Vec<String> = p.roles.iter().filter(|r| r.end_on.is_none()).map(kith_store::RoleView::label).collect();
    let past: Vec<String> = p
        .roles
        .iter()
        .filter(|r| r.end_on.is_some())
        .map(|r| {
            format!(
                "{}{} (until {})",
                r.title.as_ref().map(|t| format!("{t} at ")).unwrap_or_default(),
                r.org.clone().unwrap_or_default(),
                r.end_on.clone().unwrap_or_default()
            )
        })
        .collect();
    let met =
        [p.met_how.clone(), p.met_where.clone(), p.met_on.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ");
    out::line(format!("{NAME}{}{NAME:#}{}  {DIM}{}{DIM:#}", p.name, if p.is_me { " (me)" } else { "" }, p.id))?;
    out::fields(&[
        ("works", current.join("; ")),
        ("worked", past.join("; ")),
        ("email", items(&p.emails)),
        ("phone", items(&p.phones)),
        ("address", items(&p.addresses)),
        ("links", items(&p.links)),
        ("tier", p.tier.clone().unwrap_or_default()),
        ("type", p.net_type.clone().unwrap_or_default()),
        ("tags", p.tags.join(", ")),
        ("met", met),
        ("birthday", p.birthday.clone().unwrap_or_default()),
        ("cadence", p.cadence_days.map(|d| format!("every {d} days")).unwrap_or_default()),
        ("needs", p.needs.join(", ")),
        ("offers", p.offers.join(", ")),
        ("strengths", p.strengths.join(", ")),
        ("pitch", p.pitch.clone().unwrap_or_default()),
        ("notes", p.notes.clone().unwrap_or_default()),
    ])?;
    if !p.custom.is_empty() {
        let pairs: Vec<(&str, String)> = p.custom.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        out::fields(&pairs)?;
    }
    if !p.ties.is_empty() {
        out::heading("Knows")?;
        out::table(
            &["PERSON", "KIND", "STRENGTH", "SINCE"],
            p.ties
                .iter()
                .map(|t| {
                    vec![
                        Cell::styled(t.to.clone(), NAME),
                        Cell::new(t.kind.clone().unwrap_or_default()),
                        Cell::new(t.strength.map(|s| s.to_string()).unwrap_or_default()),
                        Cell::new(t.since.clone().unwrap_or_default()),
                    ]
                })
                .collect(),
        )?;
    }
    if !p.interactions.is_empty() {
        out::heading("Recent interactions")?;
        out::table(
            &["WHEN", "KIND", "WITH", "WHAT"],
            p.interactions
                .iter()
                .map(|i| {
                    let mut what: Vec<String> = [i.summary.clone(), i.notes.clone()].into_iter().flatten().collect();
                    for e in &i.exchanges {
                        what.push(format!("{} {}: {}", e.direction, e.kind, e.what));
                    }
                    let with: Vec<&str> = i.people.iter().filter(|x| x.id != p.id).map(|x| x.name.as_str()).collect();
                    vec![
                        Cell::new(i.at.map(|t| ctx.local(t)).unwrap_or_default()),
                        Cell::new(i.kind.clone()),
                        Cell::new(with.join(", ")),
                        Cell::new(what.join(" · ")),
                    ]
                })
                .collect(),
        )?;
    }
    if !p.open_tasks.is_empty() {
        out::heading("Open follow-ups and tasks")?;
        task_table(ctx, &p.open_tasks)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Organizations

fn org(ctx: &mut Ctx, c: OrgCmd) -> Result<()> {
    match c {
        OrgCmd::Add { name, domain, notes, tags } => {
            let id = ctx.new_id();
            let input = edit::OrgInput { domain, notes, tags, untag: vec![] };
            let cs = edit::add_org(&mut ctx.store, id, &name, &input)?;
            ctx.commit(cs)?;
            done(ctx, id, format!("added {}", name.trim()))
        }
        OrgCmd::List => {
            let orgs = ctx.store.orgs()?;
            if ctx.json {
                return out::json(&orgs).map_err(Failure::from);
            }
            out::table(
                &["NAME", "DOMAIN", "TAGS", "ID"],
                orgs.into_iter()
                    .map(|o| {
                        vec![
                            Cell::styled(o.name, NAME),
                            Cell::new(o.domain.unwrap_or_default()),
                            Cell::new(o.tags.join(", ")),
                            Cell::styled(o.id.short(), DIM),
                        ]
                    })
                    .collect(),
            )?;
            Ok(())
        }
        OrgCmd::Show { org } => {
            let id = ctx.store.resolve_org(&org)?;
            let Some(o) = ctx.store.org(id)? else { return Err(Failure::Lookup(format!("no organization {id}"))) };
            if ctx.json {
                return out::json(&o).map_err(Failure::from);
            }
            out::line(format!("{NAME}{}{NAME:#}  {DIM}{}{DIM:#}", o.name, o.id))?;
            out::fields(&[
                ("domain", o.domain.clone().unwrap_or_default()),
                ("tags", o.tags.join(", ")),
                ("notes", o.notes.clone().unwrap_or_default()),
            ])?;
            if !o.people.is_empty() {
                out::heading("People")?;
                out::table(
                    &["NAME", "TITLE", "NOW"],
                    o.people
                        .iter()
                        .map(|m| {
                            vec![
                                Cell::styled(m.name.clone(), NAME),
                                Cell::new(m.title.clone().unwrap_or_default()),
                                Cell::new(if m.current { "yes" } else { "former" }),
                            ]
                        })
                        .collect(),
                )?;
            }
            Ok(())
        }
        OrgCmd::Edit { org, name, domain, notes, tags, untag } => {
            let id = ctx.store.resolve_org(&org)?;
            let mut cs = ChangeSet::new();
            if let Some(n) = name {
                cs.set(Kind::Org, id, "name", nonempty(&n, "an organization name")?);
            }
            edit::org_fields(&mut cs, id, &edit::OrgInput { domain, notes, tags, untag }, false)?;
            if cs.is_empty() {
                return Err(usage("nothing to change: give at least one flag (see `kith org edit --help`)"));
            }
            ctx.commit(cs)?;
            done(ctx, id, "updated".into())
        }
        OrgCmd::Rm { org } => {
            let id = ctx.store.resolve_org(&org)?;
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Org, id, true);
            ctx.commit(cs)?;
            done(ctx, id, "removed".into())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ties

/// One tie per pair of people (`kith_store::edit::tie_id`).
pub(crate) fn tie_id(a: Id, b: Id) -> Id {
    edit::tie_id(a, b)
}

fn tie(ctx: &mut Ctx, c: TieCmd) -> Result<()> {
    match c {
        TieCmd::Add { a, b, kind, strength, since, source, note } => {
            let (pa, pb) = (ctx.store.resolve_person(&a)?, ctx.store.resolve_person(&b)?);
            let input = edit::TieInput { kind, strength, since, source, note };
            let (id, cs) = edit::add_tie(&ctx.now, pa, pb, &input)?;
            ctx.commit(cs)?;
            let kind = input.kind.parse::<TieKind>()?;
            done(ctx, id, format!("tied {a} and {b} ({kind}, strength {})", input.strength))
        }
        TieCmd::List { person } => {
            let p = person.as_deref().map(|p| ctx.store.resolve_person(p)).transpose()?;
            let ties = ctx.store.ties(p)?;
            if ctx.json {
                return out::json(&ties).map_err(Failure::from);
            }
            out::table(
                &["PERSON", "KNOWS", "KIND", "STRENGTH", "SINCE", "NOTE"],
                ties.into_iter()
                    .map(|t| {
                        vec![
                            Cell::styled(t.from, NAME),
                            Cell::styled(t.to, NAME),
                            Cell::new(t.kind.unwrap_or_default()),
                            Cell::new(t.strength.map(|s| s.to_string()).unwrap_or_default()),
                            Cell::new(t.since.unwrap_or_default()),
                            Cell::new(t.note.unwrap_or_default()),
                        ]
                    })
                    .collect(),
            )?;
            Ok(())
        }
        TieCmd::Rm { a, b } => {
            let (pa, pb) = (ctx.store.resolve_person(&a)?, ctx.store.resolve_person(&b)?);
            let id = tie_id(pa, pb);
            if !ctx.store.ties(Some(pa))?.iter().any(|t| t.id == id) {
                return Err(Failure::Lookup(format!("there is no tie between `{a}` and `{b}`")));
            }
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Tie, id, true);
            ctx.commit(cs)?;
            done(ctx, id, "removed the tie".into())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Interactions and hooks

/// People named on the command line, resolved in order.
fn resolve_people(ctx: &mut Ctx, people: &[String]) -> Result<Vec<Id>> {
    people.iter().map(|p| Ok(ctx.store.resolve_person(p)?)).collect()
}

fn log(ctx: &mut Ctx, a: LogArgs) -> Result<()> {
    let people = resolve_people(ctx, &a.people)?;
    let input = InteractionInput {
        people,
        kind: a.kind,
        at: a.at,
        summary: a.summary,
        notes: a.notes,
        gave: a.gave,
        got: a.got,
        weight: a.weight,
    };
    let id = ctx.new_id();
    let cs = edit::log_interaction(&ctx.store, &ctx.now, id, &input)?;
    ctx.commit(cs)?;
    let Some(i) = ctx.store.interaction(id)? else {
        return Err(Failure::Internal(anyhow::anyhow!("the interaction just logged cannot be read")));
    };
    done(ctx, id, format!("logged {} on {}", i.kind, i.at.map(|t| ctx.local(t)).unwrap_or_default()))
}

fn hook(ctx: &mut Ctx, a: HookArgs) -> Result<()> {
    let mut people = vec![a.person.clone()];
    people.extend(a.with);
    let people = resolve_people(ctx, &people)?;
    let input = TaskInput {
        due: Some(a.due.clone()),
        people,
        reminders: a.reminders,
        notes: a.notes,
        hook: true,
        ..Default::default()
    };
    let id = ctx.new_id();
    let cs = edit::add_task(&mut ctx.store, &ctx.now, id, &a.title, &input)?;
    ctx.commit(cs)?;
    done(ctx, id, format!("hook on {} due {}", a.person, describe_due_input(ctx, &a.due)))
}

fn describe_due_input(ctx: &Ctx, input: &str) -> String {
    match ctx.when(input) {
        Ok(When::Date(d)) => d.to_string(),
        Ok(When::At(z)) => ctx.local(z.timestamp()),
        Err(_) => input.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks and projects

/// The task's fields from the command line, as kith-store's shared edit rules take them.
fn task_input(ctx: &mut Ctx, f: TaskFields) -> Result<TaskInput> {
    Ok(TaskInput {
        due: f.due,
        project: f.project,
        priority: f.priority,
        people: resolve_people(ctx, &f.people)?,
        recurrence: f.recurrence,
        reminders: f.reminders,
        notes: f.notes,
        hook: false,
        assignee: f.assign.map(Some),
    })
}

fn task(ctx: &mut Ctx, c: TaskCmd) -> Result<()> {
    match c {
        TaskCmd::Add { title, fields } => {
            let input = task_input(ctx, fields)?;
            let id = ctx.new_id();
            let cs = edit::add_task(&mut ctx.store, &ctx.now, id, &title, &input)?;
            ctx.commit(cs)?;
            done(ctx, id, format!("added task {}", title.trim()))
        }
        TaskCmd::List { all, done: only_done, project, person, hooks } => {
            let project = project.as_deref().map(|p| ctx.store.resolve_project(p)).transpose()?;
            let person = person.as_deref().map(|p| ctx.store.resolve_person(p)).transpose()?;
            let status = if all {
                None
            } else if only_done {
                Some("done".into())
            } else {
                Some("open".into())
            };
            let tasks =
                ctx.store.tasks(&TaskFilter { status, project, person, hooks_only: hooks, ..Default::default() })?;
            if ctx.json {
                return out::json(&tasks).map_err(Failure::from);
            }
            task_table(ctx, &tasks)
        }
        TaskCmd::Done { task } => {
            let id = ctx.store.resolve_task(&task)?;
            let Some(t) = ctx.store.task(id)? else { return Err(Failure::Lookup(format!("no task {id}"))) };
            // A repeating task stays open and moves to its next date after today.
            let (cs, next) = edit::task_done(&ctx.now, &t)?;
            let message = match next {
                Some(next) => format!("done; next due {next}"),
                None => format!("done: {}", t.title),
            };
            ctx.commit(cs)?;
            done(ctx, id, message)
        }
        TaskCmd::Edit { task, title, status, no_due, unassign, fields } => {
            let id = ctx.store.resolve_task(&task)?;
            let mut cs = ChangeSet::new();
            let mut input = task_input(ctx, fields)?;
            if unassign {
                input.assignee = Some(None);
            }
            edit::task_edit(
                &mut ctx.store,
                &ctx.now,
                &mut cs,
                id,
                title.as_deref(),
                status.as_deref(),
                no_due,
                &input,
            )?;
            if cs.is_empty() {
                return Err(usage("nothing to change: give at least one flag (see `kith task edit --help`)"));
            }
            ctx.commit(cs)?;
            done(ctx, id, "updated".into())
        }
        TaskCmd::Rm { task } => {
            let id = ctx.store.resolve_task(&task)?;
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Task, id, true);
            ctx.commit(cs)?;
            done(ctx, id, "removed".into())
        }
    }
}

fn due_text(ctx: &Ctx, t: &TaskView) -> String {
    match (&t.due_date, t.due_at) {
        (Some(d), _) => d.clone(),
        (None, Some(at)) => ctx.local(at),
        _ => String::new(),
    }
}

fn task_table(ctx: &Ctx, tasks: &[TaskView]) -> Result<()> {
    let today = ctx.now.date();
    out::table(
        &["DUE", "TASK", "WITH", "PROJECT", "STATUS", "ID"],
        tasks
            .iter()
            .map(|t| {
                let overdue = t.status == "open" && edit::due_day(t, ctx.tz()).is_some_and(|d| d < today);
                let title = if t.hook { format!("↪ {}", t.title) } else { t.title.clone() };
                vec![
                    Cell::styled(due_text(ctx, t), if overdue { WARN } else { anstyle::Style::new() }),
                    Cell::new(title),
                    Cell::new(few_names(&t.people)),
                    Cell::new(t.project.clone().unwrap_or_default()),
                    Cell::new(t.status.clone()),
                    Cell::styled(t.id.short(), DIM),
                ]
            })
            .collect(),
    )?;
    Ok(())
}

fn project(ctx: &mut Ctx, c: ProjectCmd) -> Result<()> {
    match c {
        ProjectCmd::Add { name, description } => {
            let id = ctx.new_id();
            let cs = edit::add_project(&mut ctx.store, id, &name, description.as_deref())?;
            ctx.commit(cs)?;
            done(ctx, id, format!("added project {}", name.trim()))
        }
        ProjectCmd::List => {
            let projects = ctx.store.projects()?;
            if ctx.json {
                return out::json(&projects).map_err(Failure::from);
            }
            out::table(
                &["PROJECT", "STATUS", "OPEN", "DONE", "ID"],
                projects
                    .into_iter()
                    .map(|p| {
                        vec![
                            Cell::styled(p.name, NAME),
                            Cell::new(p.status.unwrap_or_default()),
                            Cell::new(p.open_tasks.to_string()),
                            Cell::new(p.done_tasks.to_string()),
                            Cell::styled(p.id.short(), DIM),
                        ]
                    })
                    .collect(),
            )?;
            Ok(())
        }
        ProjectCmd::Show { project } => {
            let id = ctx.store.resolve_project(&project)?;
            let p = ctx.store.projects()?.into_iter().find(|p| p.id == id);
            let Some(p) = p else { return Err(Failure::Lookup(format!("no project {id}"))) };
            let tasks = ctx.store.tasks(&TaskFilter { project: Some(id), ..Default::default() })?;
            if ctx.json {
                return out::json(&json!({ "project": p, "tasks": tasks })).map_err(Failure::from);
            }
            out::line(format!("{NAME}{}{NAME:#}  {DIM}{}{DIM:#}", p.name, p.id))?;
            out::fields(&[
                ("status", p.status.clone().unwrap_or_default()),
                ("about", p.description.clone().unwrap_or_default()),
            ])?;
            out::heading("Tasks")?;
            task_table(ctx, &tasks)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Events

/// The event's fields from the command line, as kith-store's shared edit rules take them.
fn event_input(ctx: &mut Ctx, f: &EventFields) -> Result<edit::EventInput> {
    Ok(edit::EventInput {
        kind: f.kind.clone(),
        at: f.at.clone(),
        until: f.until.clone(),
        tz: f.tz.clone(),
        place: f.place.clone(),
        link: f.link.clone(),
        goals: f.goals.clone(),
        prep: f.prep.clone(),
        debrief: f.debrief.clone(),
        attendees: resolve_people(ctx, &f.attendees)?,
    })
}

fn event(ctx: &mut Ctx, c: EventCmd) -> Result<()> {
    match c {
        EventCmd::Add { title, fields } => {
            if fields.at.is_none() {
                return Err(usage("an event needs --at: when does it start?"));
            }
            let id = ctx.new_id();
            let input = event_input(ctx, &fields)?;
            let cs = edit::add_event(&ctx.now, id, &title, &input)?;
            ctx.commit(cs)?;
            done(ctx, id, format!("added event {}", title.trim()))
        }
        EventCmd::List { all } => {
            let from = if all {
                None
            } else {
                Some(ctx.now.start_of_day().map_err(|e| Failure::Internal(e.into()))?.timestamp().as_millisecond())
            };
            let events = ctx.store.events(from, None)?;
            if ctx.json {
                return out::json(&events).map_err(Failure::from);
            }
            out::table(
                &["WHEN", "EVENT", "KIND", "WHERE", "ATTENDEES", "ID"],
                events
                    .into_iter()
                    .map(|e| {
                        vec![
                            Cell::new(e.start.map(|t| ctx.local(t)).unwrap_or_default()),
                            Cell::styled(e.title, NAME),
                            Cell::new(e.kind.unwrap_or_default()),
                            Cell::new(e.place.or(e.link).unwrap_or_default()),
                            Cell::new(e.attendees.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")),
                            Cell::styled(e.id.short(), DIM),
                        ]
                    })
                    .collect(),
            )?;
            Ok(())
        }
        EventCmd::Show { event } => {
            let id = ctx.store.resolve_event(&event)?;
            let Some(e) = ctx.store.event(id)? else { return Err(Failure::Lookup(format!("no event {id}"))) };
            if ctx.json {
                return out::json(&e).map_err(Failure::from);
            }
            let tz = e.tz.as_deref().and_then(|n| jiff::tz::TimeZone::get(n).ok()).unwrap_or_else(|| ctx.tz().clone());
            let there = |t: jiff::Timestamp| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string();
            out::line(format!("{NAME}{}{NAME:#}  {DIM}{}{DIM:#}", e.title, e.id))?;
            out::fields(&[
                ("kind", e.kind.clone().unwrap_or_default()),
                ("starts", e.start.map(there).unwrap_or_default()),
                ("ends", e.end.map(there).unwrap_or_default()),
                ("where", e.place.clone().unwrap_or_default()),
                ("link", e.link.clone().unwrap_or_default()),
                ("attendees", e.attendees.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")),
                ("goals", e.goals.clone().unwrap_or_default()),
                ("prep", e.prep.clone().unwrap_or_default()),
                ("debrief", e.debrief.clone().unwrap_or_default()),
            ])?;
            Ok(())
        }
        EventCmd::Edit { event, title, fields, remove_attendees } => {
            let id = ctx.store.resolve_event(&event)?;
            let existing = ctx.store.event(id)?;
            let mut cs = ChangeSet::new();
            if let Some(t) = title {
                cs.set(Kind::Event, id, "title", nonempty(&t, "an event's title")?);
            }
            let input = event_input(ctx, &fields)?;
            edit::event_fields(&ctx.now, &mut cs, id, &input, existing.as_ref())?;
            for p in &remove_attendees {
                let pid = ctx.store.resolve_person(p)?;
                edit::remove_attendee(&mut cs, id, pid);
            }
            if cs.is_empty() {
                return Err(usage("nothing to change: give at least one flag (see `kith event edit --help`)"));
            }
            ctx.commit(cs)?;
            done(ctx, id, "updated".into())
        }
        EventCmd::Rm { event } => {
            let id = ctx.store.resolve_event(&event)?;
            let mut cs = ChangeSet::new();
            cs.delete(Kind::Event, id, true);
            ctx.commit(cs)?;
            done(ctx, id, "removed".into())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Agenda, search, history, me

fn agenda(ctx: &mut Ctx, a: AgendaArgs) -> Result<()> {
    if a.days == 0 || a.days > 366 {
        return Err(usage("--days must be from 1 to 366"));
    }
    let first = match &a.from {
        Some(s) => ctx.when(s)?.date(),
        None => ctx.now.date(),
    };
    // The same rules as the server's agenda: one definition, in kith-store.
    let agenda = kith_store::agenda::agenda(&mut ctx.store, &ctx.now, first, a.days, a.overdue.0)?;
    if ctx.json {
        return out::json(&agenda).map_err(Failure::from);
    }
    let kith_store::agenda::Agenda { from: first, to: last, items, overdue_not_shown: hidden } = agenda;
    if hidden > 0 {
        out::line(format!("{hidden} older overdue tasks and hooks not shown (kith agenda --overdue all lists them)"))?;
    }
    if items.is_empty() {
        if hidden == 0 {
            out::line(format!("nothing due or scheduled from {first} to {last}"))?;
        }
        return Ok(());
    }
    out::table(
        &["DAY", "TIME", "WHAT", "", "WITH", "ID"],
        items
            .into_iter()
            .map(|i| {
                let day = if i.overdue { format!("{} overdue", i.date) } else { i.date.clone() };
                vec![
                    Cell::styled(day, if i.overdue { WARN } else { anstyle::Style::new() }),
                    Cell::new(i.time.unwrap_or_default()),
                    Cell::new(i.kind),
                    Cell::styled(i.title, NAME),
                    Cell::new(few_names(&i.people)),
                    Cell::styled(i.id.short(), DIM),
                ]
            })
            .collect(),
    )?;
    Ok(())
}

#[derive(serde::Serialize)]
struct SearchResult {
    kind: &'static str,
    id: Id,
    title: String,
    snippet: String,
    score: f64,
    /// For interactions: who it was with. For people found through an interaction: which one.
    people: Vec<kith_store::PersonRef>,
    via: Option<Id>,
}

fn search(ctx: &mut Ctx, a: SearchArgs) -> Result<()> {
    let q = a.words.join(" ");
    let hits = ctx.store.search(&q, a.limit)?;
    let mut results: Vec<SearchResult> = Vec::new();
    let mut related = Vec::new();
    for h in hits {
        let mut people = Vec::new();
        if h.kind == "interaction"
            && let Some(i) = ctx.store.interaction(h.id)?
        {
            people = i.people.clone();
            let when = i.at.map(|t| ctx.local(t)).unwrap_or_default();
            for p in &i.people {
                related.push((p.clone(), h.id, format!("{} on {when}", i.kind)));
            }
        }
        results.push(SearchResult {
            kind: h.kind,
            id: h.id,
            title: h.title,
            snippet: h.snippet,
            score: h.score,
            people,
            via: None,
        });
    }
    // The people of matching interactions are results too: "design system" finds the lunch
    // and the person it was with.
    for (p, via, what) in related {
        if results.iter().any(|r| r.id == p.id) {
            continue;
        }
        results.push(SearchResult {
            kind: "person",
            id: p.id,
            title: p.name.clone(),
            snippet: format!("via {what}"),
            score: 0.0,
            people: vec![],
            via: Some(via),
        });
    }
    if ctx.json {
        return out::json(&results).map_err(Failure::from);
    }
    if results.is_empty() {
        out::line(format!("nothing matches `{q}`"))?;
        return Ok(());
    }
    out::table(
        &["KIND", "TITLE", "WITH", "MATCH", "ID"],
        results
            .into_iter()
            .map(|r| {
                vec![
                    Cell::new(r.kind),
                    Cell::styled(r.title, NAME),
                    Cell::new(few_names(&r.people)),
                    Cell::new(r.snippet),
                    Cell::styled(r.id.short(), DIM),
                ]
            })
            .collect(),
    )?;
    Ok(())
}

fn history(ctx: &mut Ctx, a: HistoryArgs) -> Result<()> {
    let id = match a.kind.as_deref() {
        Some("person") | Some("people") => ctx.store.resolve_person(&a.record)?,
        Some("org") | Some("organization") => ctx.store.resolve_org(&a.record)?,
        Some("event") => ctx.store.resolve_event(&a.record)?,
        Some("task") | Some("hook") => ctx.store.resolve_task(&a.record)?,
        Some("project") => ctx.store.resolve_project(&a.record)?,
        Some(other) => {
            return Err(usage(format!("kind `{other}` is not valid: use person, org, event, task or project")));
        }
        None => resolve_any(ctx, &a.record)?,
    };
    let entries = ctx.store.history(id)?;
    if ctx.json {
        return out::json(&entries).map_err(Failure::from);
    }
    // One line per record per change: the ops of one command share a node, an actor and a
    // wall-clock millisecond.
    let mut labels: BTreeMap<Id, Option<String>> = BTreeMap::new();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    type Group = (u64, kith_core::NodeId, String, Kind, Id, Vec<(String, Value)>);
    let mut groups: Vec<Group> = Vec::new();
    for e in entries {
        let o = e.op;
        let key = (o.hlc.unix_ms(), o.node, o.actor.clone(), o.kind, o.entity);
        // A record op (an import's new record) shows as the fields it set.
        let set: Vec<(String, Value)> = o.fields().map(|(f, v)| (f.to_string(), v.clone())).collect();
        match groups.last_mut() {
            Some(g) if (g.0, g.1, g.2.clone(), g.3, g.4) == key => g.5.extend(set),
            _ => groups.push((key.0, key.1, key.2, key.3, key.4, set)),
        }
    }
    for (ms, node, actor, kind, entity, fields) in groups {
        let mut changes = Vec::new();
        let only = fields.len() == 1;
        for (field, value) in fields {
            let shown = match (&value, field.as_str()) {
                (Value::Bool(true), "deleted") => "removed".to_string(),
                (Value::Bool(false), "deleted") if only => "restored".to_string(),
                (Value::Bool(false), "deleted") => continue,
                (Value::String(s), _) => match s.parse::<Id>() {
                    Ok(r) => {
                        let label = match labels.get(&r) {
                            Some(l) => l.clone(),
                            None => {
                                let l = ctx.store.label(r)?;
                                labels.insert(r, l.clone());
                                l
                            }
                        };
                        label.unwrap_or_else(|| r.short())
                    }
                    Err(_) => format!("{field}: {s}"),
                },
                (Value::Null, _) => format!("{field} cleared"),
                (v, _) => format!("{field}: {v}"),
            };
            // A reference reads better with its field name in front.
            let shown = if matches!(&value, Value::String(s) if s.parse::<Id>().is_ok()) {
                format!("{field}: {shown}")
            } else {
                shown
            };
            changes.push(shown);
        }
        let when = jiff::Timestamp::from_millisecond(ms as i64).map(|t| ctx.local(t)).unwrap_or_default();
        rows.push(vec![
            Cell::new(when),
            Cell::new(actor),
            Cell::styled(node.to_string()[..8].to_string(), DIM),
            Cell::new(format!("{} {}", kind.name().replace('_', " "), entity.short())),
            Cell::new(changes.join(", ")),
        ]);
    }
    out::table(&["WHEN", "WHO", "DEVICE", "RECORD", "CHANGE"], rows)?;
    Ok(())
}

/// A reference to any kind of record: a person first, then the others; a reference that fits
/// records of several kinds is ambiguous.
fn resolve_any(ctx: &mut Ctx, q: &str) -> Result<Id> {
    let mut found = Vec::new();
    let mut ambiguous = None;
    type Resolve = fn(&mut kith_store::Store, &str) -> kith_store::Result<Id>;
    let tries: [(&str, Resolve); 5] = [
        ("person", kith_store::Store::resolve_person),
        ("org", kith_store::Store::resolve_org),
        ("event", kith_store::Store::resolve_event),
        ("task", kith_store::Store::resolve_task),
        ("project", kith_store::Store::resolve_project),
    ];
    for (kind, resolve) in tries {
        match resolve(&mut ctx.store, q) {
            Ok(id) => found.push((kind, id)),
            Err(e @ kith_store::Error::Ambiguous { .. }) => ambiguous = Some(e),
            Err(e) if e.is_lookup() => {}
            Err(e) => return Err(e.into()),
        }
    }
    match (found.as_slice(), ambiguous) {
        ([(_, id)], None) => Ok(*id),
        ([], Some(e)) => Err(e.into()),
        ([], None) => Err(Failure::Lookup(format!("no person, organization, event, task or project matches `{q}`"))),
        _ => Err(Failure::Lookup(format!(
            "`{q}` matches records of several kinds ({}); add --kind person|org|event|task|project",
            found.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
        ))),
    }
}

fn me(ctx: &mut Ctx, c: MeCmd) -> Result<()> {
    match c {
        MeCmd::Card { qr, out } => crate::interop::me_card(ctx, qr.as_deref(), out),
        MeCmd::Show => {
            let Some(id) = ctx.store.me()? else {
                return Err(Failure::Lookup(
                    "your profile is not set up yet: run `kith me edit --name \"Your Name\"`".into(),
                ));
            };
            person_show(ctx, id)
        }
        MeCmd::Edit { name, pitch, strengths, fields } => {
            let mut cs = ChangeSet::new();
            let (id, is_new) = match ctx.store.me()? {
                Some(id) => (id, false),
                None => {
                    let Some(n) = &name else {
                        return Err(usage("your profile is new: give your name with --name"));
                    };
                    let id = ctx.new_id();
                    set_name(&mut cs, id, n)?;
                    cs.set(Kind::Person, id, "is_me", true);
                    (id, true)
                }
            };
            if let (Some(n), false) = (&name, is_new) {
                set_name(&mut cs, id, n)?;
            }
            cs.set_opt(Kind::Person, id, "pitch", pitch.as_deref().map(str::trim));
            for s in &strengths {
                let s = tag(s)?;
                edit::person_item(&mut cs, id, "strength", &s, &s, None, !is_new);
            }
            person_fields(ctx, &mut cs, id, &fields, is_new)?;
            if cs.is_empty() {
                return Err(usage("nothing to change: give at least one flag (see `kith me edit --help`)"));
            }
            ctx.commit(cs)?;
            done(ctx, id, if is_new { "your profile is set up".into() } else { "updated your profile".into() })
        }
    }
}
