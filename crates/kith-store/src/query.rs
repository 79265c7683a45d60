//! Reading the materialized state: references, records, lists, agenda data, history.
//!
//! Every query filters tombstoned records (`deleted = 0`). The view types are the `--json`
//! output of the CLI and the API's bodies, so their field names are a stable interface
//! (documented in docs/cli-json.md).

use std::collections::HashMap;

use jiff::Timestamp;
use kith_core::{Hlc, Id, Kind, NodeId, Op};
use serde::Serialize;

use crate::backend::{Backend, Val};
use crate::{Error, Result, SearchHit, Store, search};

pub(crate) fn meta(db: &mut dyn Backend, key: &str) -> Result<Option<String>> {
    let rows = db.query("SELECT value FROM meta WHERE key = ?", &[Val::from(key)])?;
    Ok(rows.into_iter().next().and_then(|r| r.into_iter().next()).and_then(Val::into_text))
}

/// Row-reading helpers shared by the store's query modules.
pub(crate) fn id_of(v: &Val) -> Option<Id> {
    v.text().and_then(|s| s.parse().ok())
}

/// An operation from its row (`op_id, hlc, node, actor, kind, entity, field, value`).
pub(crate) fn op_of(r: &[Val]) -> Result<Op> {
    let bad = || Error::Database("unreadable row in ops".into());
    Ok(Op {
        id: id_of(&r[0]).ok_or_else(bad)?,
        hlc: Hlc::from_i64(r[1].int().ok_or_else(bad)?),
        node: NodeId(r[2].int().ok_or_else(bad)?),
        actor: text(&r[3]).ok_or_else(bad)?,
        kind: r[4].text().and_then(Kind::parse).ok_or_else(bad)?,
        entity: id_of(&r[5]).ok_or_else(bad)?,
        field: text(&r[6]).ok_or_else(bad)?,
        value: r[7].text().and_then(|s| serde_json::from_str(s).ok()).ok_or_else(bad)?,
    })
}

pub(crate) fn ts(v: &Val) -> Option<Timestamp> {
    v.int().and_then(|ms| Timestamp::from_millisecond(ms).ok())
}

pub(crate) fn text(v: &Val) -> Option<String> {
    v.text().map(str::to_string)
}

/// `?, ?, ?` for an `IN (…)` list.
pub(crate) fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// `n` rows of `width` placeholders for a multi-row `VALUES`: `(?, ?), (?, ?)`.
pub(crate) fn rows_of(width: usize, n: usize) -> String {
    // Built in place: bulk writes make one per statement of 100 rows, and the `vec!`/`join` form
    // (a string per row) was 1.3% of a bulk import's instructions.
    let mut out = String::with_capacity(n * (3 * width + 1));
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for j in 0..width {
            out.push_str(if j == 0 { "?" } else { ", ?" });
        }
        out.push(')');
    }
    out
}

/// Whether a reference looks like part of an id (hex digits and hyphens).
fn looks_like_id_prefix(q: &str) -> bool {
    q.len() >= 4 && q.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// An id is named by its start (as typed from a full id) or by its end: listings show the last
/// eight digits (`Id::short`), because ids made in the same millisecond share their start.
fn id_patterns(q: &str) -> [Val; 2] {
    let q = q.to_lowercase();
    [Val::from(format!("{q}%")), Val::from(format!("%{q}"))]
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleView {
    pub id: Id,
    pub org_id: Option<Id>,
    pub org: Option<String>,
    pub title: Option<String>,
    pub start_on: Option<String>,
    pub end_on: Option<String>,
}

impl RoleView {
    /// "Head of Design at Acme", "Acme" or "Head of Design"; empty when it has neither.
    pub fn label(&self) -> String {
        match (&self.title, &self.org) {
            (Some(t), Some(o)) => format!("{t} at {o}"),
            (None, Some(o)) => o.clone(),
            (Some(t), None) => t.clone(),
            _ => String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TieView {
    pub id: Id,
    /// The person this tie was listed for.
    pub from_id: Id,
    pub from: String,
    /// The other end.
    pub to_id: Id,
    pub to: String,
    pub kind: Option<String>,
    pub strength: Option<i64>,
    pub since: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExchangeView {
    pub id: Id,
    pub direction: String,
    pub kind: String,
    pub what: String,
    pub weight: i64,
    pub person_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InteractionView {
    pub id: Id,
    pub kind: String,
    pub at: Option<Timestamp>,
    pub summary: Option<String>,
    pub notes: Option<String>,
    pub people: Vec<PersonRef>,
    pub exchanges: Vec<ExchangeView>,
    /// The team server user this note is private to (absent: seen by whoever sees its people).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_to: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRef {
    pub id: Id,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskView {
    pub id: Id,
    pub title: String,
    pub notes: Option<String>,
    pub status: String,
    /// Due on a day (`YYYY-MM-DD`), when the task has no time.
    pub due_date: Option<String>,
    /// Due at an instant.
    pub due_at: Option<Timestamp>,
    pub priority: Option<i64>,
    pub project_id: Option<Id>,
    pub project: Option<String>,
    pub recurrence: Option<String>,
    /// Reminder offsets before the due time, in minutes.
    pub reminders: Vec<i64>,
    pub hook: bool,
    pub people: Vec<PersonRef>,
    pub done_at: Option<Timestamp>,
    /// The coworker it is assigned to, if any.
    pub assignee: Option<Assignee>,
}

/// A task's assignee: a team server user. `email` and `name` are absent when this database does
/// not know the user (a replica that only has the task's operations).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignee {
    pub id: Id,
    pub email: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventView {
    pub id: Id,
    pub title: String,
    pub kind: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub tz: Option<String>,
    pub place: Option<String>,
    pub link: Option<String>,
    pub goals: Option<String>,
    pub prep: Option<String>,
    pub debrief: Option<String>,
    pub attendees: Vec<PersonRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectView {
    pub id: Id,
    pub name: String,
    pub description: Option<String>,
    pub status: Option<String>,
    pub open_tasks: i64,
    pub done_tasks: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgView {
    pub id: Id,
    pub name: String,
    pub domain: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub people: Vec<OrgMember>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgMember {
    pub id: Id,
    pub name: String,
    pub title: Option<String>,
    pub current: bool,
}

/// A list row from (id, display_name, tier, net_type), details to be filled.
fn person_row(r: &[Val]) -> Option<PersonRow> {
    Some(PersonRow {
        id: id_of(&r[0])?,
        name: text(&r[1])?,
        org: None,
        title: None,
        tier: text(&r[2]),
        net_type: text(&r[3]),
        email: None,
        tags: vec![],
    })
}

/// Live projects with their open and done task counts, read by [`project_row`].
pub(crate) const PROJECT_SELECT: &str = "SELECT p.id, p.name, p.description, p.status,
        (SELECT count(*) FROM tasks t WHERE t.project = p.id AND t.deleted = 0 AND t.status = 'open'),
        (SELECT count(*) FROM tasks t WHERE t.project = p.id AND t.deleted = 0 AND t.status = 'done')
     FROM projects p WHERE p.deleted = 0 AND p.name IS NOT NULL";

pub(crate) fn project_row(r: &[Val]) -> Option<ProjectView> {
    Some(ProjectView {
        id: id_of(&r[0])?,
        name: text(&r[1])?,
        description: text(&r[2]),
        status: text(&r[3]),
        open_tasks: r[4].int().unwrap_or(0),
        done_tasks: r[5].int().unwrap_or(0),
    })
}

/// Live organizations, read by [`org_row`] (tags and people to be filled).
pub(crate) const ORG_SELECT: &str =
    "SELECT o.id, o.name, o.domain, o.notes FROM orgs o WHERE o.deleted = 0 AND o.name IS NOT NULL";

pub(crate) fn org_row(r: &[Val]) -> Option<OrgView> {
    Some(OrgView {
        id: id_of(&r[0])?,
        name: text(&r[1])?,
        domain: text(&r[2]),
        notes: text(&r[3]),
        tags: vec![],
        people: vec![],
    })
}

/// One row of `kith person list`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonRow {
    pub id: Id,
    pub name: String,
    pub org: Option<String>,
    pub title: Option<String>,
    pub tier: Option<String>,
    pub net_type: Option<String>,
    pub email: Option<String>,
    pub tags: Vec<String>,
}

/// Everything about one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonView {
    pub id: Id,
    pub name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub is_me: bool,
    pub birthday: Option<String>,
    pub met_how: Option<String>,
    pub met_where: Option<String>,
    pub met_on: Option<String>,
    pub net_type: Option<String>,
    pub tier: Option<String>,
    pub cadence_days: Option<i64>,
    pub notes: Option<String>,
    pub pitch: Option<String>,
    pub emails: Vec<Item>,
    pub phones: Vec<Item>,
    pub addresses: Vec<Item>,
    pub links: Vec<Item>,
    pub tags: Vec<String>,
    pub needs: Vec<String>,
    pub offers: Vec<String>,
    pub strengths: Vec<String>,
    pub custom: std::collections::BTreeMap<String, String>,
    pub roles: Vec<RoleView>,
    pub ties: Vec<TieView>,
    pub interactions: Vec<InteractionView>,
    pub open_tasks: Vec<TaskView>,
    pub created_at: Option<Timestamp>,
    /// The team server user the person is private to (absent: shared with the workspace).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_to: Option<Id>,
}

/// Filters for `kith person list`.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    pub tag: Option<String>,
    pub tier: Option<String>,
    pub net_type: Option<String>,
    pub org: Option<Id>,
    pub name: Option<String>,
    pub limit: Option<usize>,
}

/// Filters for `kith task list`.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub id: Option<Id>,
    pub status: Option<String>,
    pub project: Option<Id>,
    pub person: Option<Id>,
    pub hooks_only: bool,
    /// Open tasks due on or before this day (and untimed ones due up to it).
    pub due_before: Option<(String, i64)>,
    /// Tasks dated this day or later, and those with only a due time from this instant on (the
    /// start of that day): the agenda's day of a task is its date when it has one.
    pub due_from: Option<(String, i64)>,
    pub limit: Option<usize>,
    /// Leave `people` empty; fetch them for the tasks shown with `task_people`.
    pub without_people: bool,
    /// `Some(Some(user))`: only tasks assigned to this user; `Some(None)`: only unassigned ones.
    pub assignee: Option<Option<Id>>,
    /// One user's share of the work: tasks assigned to them and tasks assigned to no one (not
    /// those assigned to a coworker). The agenda and plan of a team server user.
    pub for_user: Option<Id>,
    /// Only tasks in these projects (what a guest may see); an empty list matches nothing.
    pub projects: Option<Vec<Id>>,
}

/// A person with a birthday, for the agenda.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BirthdayRow {
    pub id: Id,
    pub name: String,
    pub birthday: String,
}

/// One line of `kith history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub op: Op,
    pub at: Option<Timestamp>,
}

/// The WHERE clause of a person filter (without its limit), shared by listing and counting.
///
/// `common_tag` says the tag is held by many people: a page in name order then finds its rows
/// soonest by walking the name index and probing each person's tags (`EXISTS`); for a rare tag
/// that walk would cross everyone, and starting from the tagged few (`IN`) is faster.
fn person_where(f: &PersonFilter, common_tag: bool) -> (String, Vec<Val>) {
    let mut sql = String::from("p.deleted = 0 AND p.display_name IS NOT NULL");
    let mut params = Vec::new();
    if let Some(tag) = &f.tag {
        if common_tag {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM person_items i WHERE i.kind = 'tag' AND i.value = ? AND i.deleted = 0 AND i.parent = p.id)",
            );
        } else {
            sql.push_str(
                " AND p.id IN (SELECT parent FROM person_items WHERE kind = 'tag' AND value = ? AND deleted = 0)",
            );
        }
        params.push(Val::from(tag.as_str()));
    }
    if let Some(tier) = &f.tier {
        sql.push_str(" AND p.tier = ?");
        params.push(Val::from(tier.as_str()));
    }
    if let Some(t) = &f.net_type {
        sql.push_str(" AND p.net_type = ?");
        params.push(Val::from(t.as_str()));
    }
    if let Some(org) = f.org {
        sql.push_str(" AND p.id IN (SELECT person FROM roles WHERE org = ? AND deleted = 0)");
        params.push(org.into());
    }
    if let Some(name) = &f.name {
        sql.push_str(" AND lower(p.display_name) LIKE ?");
        params.push(Val::from(format!("%{}%", name.to_lowercase())));
    }
    (sql, params)
}

/// A tag held by at least this many people is "common" for [`person_where`].
const COMMON_TAG: i64 = 500;

const PERSON_COLS: &str = "id, display_name, given_name, family_name, is_me, birthday, met_how, met_where, met_on, \
    net_type, tier, cadence_days, notes, pitch, private_to";

impl Store {
    /// The person who stands for the user, if set up.
    pub fn me(&mut self) -> Result<Option<Id>> {
        let rows = self.db().query("SELECT id FROM people WHERE is_me = 1 AND deleted = 0 ORDER BY id LIMIT 1", &[])?;
        Ok(rows.first().and_then(|r| id_of(&r[0])))
    }

    /// Find one person by `me`, an email, an id prefix or a fragment of the name.
    pub fn resolve_person(&mut self, q: &str) -> Result<Id> {
        let q = q.trim();
        let not_found = || Error::NotFound { what: "person", query: q.to_string() };
        if q.is_empty() {
            return Err(not_found());
        }
        if q.eq_ignore_ascii_case("me") {
            return self.me()?.ok_or_else(|| Error::NotFound {
                what: "person",
                query: "me (set up your profile with `kith me edit --name …`)".into(),
            });
        }
        let db = self.db();
        let mut ids: Vec<Id> = Vec::new();
        if q.contains('@') {
            let rows = db.query(
                "SELECT DISTINCT i.parent FROM person_items i JOIN people p ON p.id = i.parent
                 WHERE i.kind = 'email' AND i.value = ? AND i.deleted = 0 AND p.deleted = 0",
                &[Val::from(q.to_lowercase())],
            )?;
            ids = rows.iter().filter_map(|r| id_of(&r[0])).collect();
        }
        if ids.is_empty() && looks_like_id_prefix(q) {
            let rows = db.query(
                "SELECT id FROM people WHERE (id LIKE ? OR id LIKE ?) AND deleted = 0 LIMIT 10",
                &id_patterns(q),
            )?;
            ids = rows.iter().filter_map(|r| id_of(&r[0])).collect();
        }
        if ids.is_empty() {
            ids = self.people_named(q)?;
        }
        ids.retain(|id| !self.scope.person(*id));
        self.pick("person", q, ids)
    }

    /// People whose name contains `q` (case-insensitive). Word starts are found through the
    /// search index, so this stays fast on large networks; a fragment inside a word falls back
    /// to a scan.
    fn people_named(&mut self, q: &str) -> Result<Vec<Id>> {
        let needle = q.to_lowercase();
        let hits = search::search(self.db(), q, &[Kind::Person], 50)?;
        let mut ids: Vec<Id> = hits.iter().filter(|h| h.title.to_lowercase().contains(&needle)).map(|h| h.id).collect();
        if ids.is_empty() {
            let rows = self.db().query(
                "SELECT id FROM people WHERE lower(display_name) LIKE ? AND deleted = 0 ORDER BY display_name LIMIT 50",
                &[Val::from(format!("%{needle}%"))],
            )?;
            ids = rows.iter().filter_map(|r| id_of(&r[0])).collect();
        }
        // A name typed in full picks its person even when it is part of longer names.
        let exact: Vec<Id> = hits.iter().filter(|h| h.title.to_lowercase() == needle).map(|h| h.id).collect();
        if exact.len() == 1 {
            return Ok(exact);
        }
        Ok(ids)
    }

    fn pick(&mut self, what: &'static str, q: &str, mut ids: Vec<Id>) -> Result<Id> {
        ids.sort();
        ids.dedup();
        match ids.len() {
            0 => Err(Error::NotFound { what, query: q.to_string() }),
            1 => Ok(ids[0]),
            _ => {
                let mut candidates = Vec::new();
                for id in ids.iter().take(10) {
                    candidates.push(self.describe(what, *id)?);
                }
                candidates.sort();
                if ids.len() > 10 {
                    candidates.push(format!("and {} more", ids.len() - 10));
                }
                Err(Error::Ambiguous { what, query: q.to_string(), candidates })
            }
        }
    }

    /// A one-line description that tells a record apart from others with a similar name.
    fn describe(&mut self, what: &str, id: Id) -> Result<String> {
        let db = self.db();
        let (sql, extra) = match what {
            "person" => (
                "SELECT p.display_name, (SELECT min(value) FROM person_items i WHERE i.parent = p.id AND i.kind = 'email' AND i.deleted = 0) FROM people p WHERE p.id = ?",
                true,
            ),
            "organization" => ("SELECT name, domain FROM orgs WHERE id = ?", true),
            "event" => ("SELECT title, NULL FROM events WHERE id = ?", false),
            "project" => ("SELECT name, NULL FROM projects WHERE id = ?", false),
            _ => ("SELECT title, NULL FROM tasks WHERE id = ?", false),
        };
        let row = db.query(sql, &[id.into()])?.into_iter().next().unwrap_or_default();
        let name = row.first().and_then(Val::text).unwrap_or("(unnamed)").to_string();
        let detail = if extra { row.get(1).and_then(Val::text).map(|e| format!(" <{e}>")) } else { None };
        Ok(format!("{name}{} [{}]", detail.unwrap_or_default(), id.short()))
    }

    /// Find records of a named kind by id prefix or a fragment of the name column.
    fn resolve_named(&mut self, what: &'static str, table: &str, name_col: &str, q: &str) -> Result<Id> {
        let q = q.trim();
        let db = self.db();
        let mut ids = Vec::new();
        if looks_like_id_prefix(q) {
            let rows = db.query(
                &format!("SELECT id FROM {table} WHERE (id LIKE ? OR id LIKE ?) AND deleted = 0 LIMIT 10"),
                &id_patterns(q),
            )?;
            ids = rows.iter().filter_map(|r| id_of(&r[0])).collect();
        }
        if ids.is_empty() && !q.is_empty() {
            let rows = db.query(
                &format!(
                    "SELECT id, lower({name_col}) FROM {table} WHERE lower({name_col}) LIKE ? AND deleted = 0 LIMIT 50"
                ),
                &[Val::from(format!("%{}%", q.to_lowercase()))],
            )?;
            let exact: Vec<Id> =
                rows.iter().filter(|r| r[1].text() == Some(&q.to_lowercase())).filter_map(|r| id_of(&r[0])).collect();
            ids = if exact.len() == 1 { exact } else { rows.iter().filter_map(|r| id_of(&r[0])).collect() };
        }
        self.pick(what, q, ids)
    }

    pub fn resolve_org(&mut self, q: &str) -> Result<Id> {
        self.resolve_named("organization", "orgs", "name", q)
    }
    pub fn resolve_event(&mut self, q: &str) -> Result<Id> {
        self.resolve_named("event", "events", "title", q)
    }
    pub fn resolve_task(&mut self, q: &str) -> Result<Id> {
        self.resolve_named("task", "tasks", "title", q)
    }
    pub fn resolve_project(&mut self, q: &str) -> Result<Id> {
        self.resolve_named("project", "projects", "name", q)
    }

    /// An organization or project with exactly this name (any case), for find-or-create.
    pub fn find_by_name(&mut self, kind: Kind, name: &str) -> Result<Option<Id>> {
        let col = match kind {
            Kind::Org | Kind::Project => "name",
            _ => "title",
        };
        let rows = self.db().query(
            &format!("SELECT id FROM {} WHERE lower({col}) = ? AND deleted = 0 ORDER BY id LIMIT 1", kind.table()),
            &[Val::from(name.trim().to_lowercase())],
        )?;
        Ok(rows.first().and_then(|r| id_of(&r[0])))
    }

    /// Ids of a record's live child items of one kind (for edits that remove tags, emails…).
    pub fn person_items(&mut self, person: Id, kind: &str) -> Result<Vec<(Id, String)>> {
        let rows = self.db().query(
            "SELECT id, value FROM person_items WHERE parent = ? AND kind = ? AND deleted = 0 ORDER BY value",
            &[person.into(), Val::from(kind)],
        )?;
        Ok(rows.iter().filter_map(|r| Some((id_of(&r[0])?, text(&r[1])?))).collect())
    }

    /// The live roles of a person: (role id, org id, end date).
    pub fn roles_of(&mut self, person: Id) -> Result<Vec<RoleView>> {
        let rows = self.db().query(
            "SELECT r.id, r.org, o.name, r.title, r.start_on, r.end_on FROM roles r LEFT JOIN orgs o ON o.id = r.org
             WHERE r.person = ? AND r.deleted = 0 ORDER BY r.end_on IS NOT NULL, r.start_on DESC, r.id",
            &[person.into()],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                Some(RoleView {
                    id: id_of(&r[0])?,
                    org_id: id_of(&r[1]),
                    org: text(&r[2]),
                    title: text(&r[3]),
                    start_on: text(&r[4]),
                    end_on: text(&r[5]),
                })
            })
            .collect())
    }

    pub fn person(&mut self, id: Id) -> Result<Option<PersonView>> {
        if self.scope.person(id) {
            return Ok(None);
        }
        let rows =
            self.db().query(&format!("SELECT {PERSON_COLS} FROM people WHERE id = ? AND deleted = 0"), &[id.into()])?;
        let Some(r) = rows.into_iter().next() else { return Ok(None) };
        let mut v = PersonView {
            id,
            name: text(&r[1]).unwrap_or_default(),
            given_name: text(&r[2]),
            family_name: text(&r[3]),
            is_me: r[4].int() == Some(1),
            birthday: text(&r[5]),
            met_how: text(&r[6]),
            met_where: text(&r[7]),
            met_on: text(&r[8]),
            net_type: text(&r[9]),
            tier: text(&r[10]),
            cadence_days: r[11].int(),
            notes: text(&r[12]),
            pitch: text(&r[13]),
            emails: vec![],
            phones: vec![],
            addresses: vec![],
            links: vec![],
            tags: vec![],
            needs: vec![],
            offers: vec![],
            strengths: vec![],
            custom: Default::default(),
            roles: vec![],
            ties: vec![],
            interactions: vec![],
            open_tasks: vec![],
            created_at: id.unix_ms().and_then(|ms| Timestamp::from_millisecond(ms as i64).ok()),
            private_to: id_of(&r[14]),
        };
        let items = self.db().query(
            "SELECT kind, value, label FROM person_items WHERE parent = ? AND deleted = 0 ORDER BY coalesce(pref, 0) DESC, value",
            &[id.into()],
        )?;
        for it in items {
            let (Some(kind), Some(value)) = (text(&it[0]), text(&it[1])) else { continue };
            let item = Item { value: value.clone(), label: text(&it[2]) };
            match kind.as_str() {
                "email" => v.emails.push(item),
                "phone" => v.phones.push(item),
                "address" => v.addresses.push(item),
                "link" => v.links.push(item),
                "tag" => v.tags.push(value),
                "need" => v.needs.push(value),
                "offer" => v.offers.push(value),
                "strength" => v.strengths.push(value),
                "custom" => {
                    v.custom.insert(item.label.unwrap_or_default(), value);
                }
                _ => {}
            }
        }
        v.roles = self.roles_of(id)?;
        v.ties = self.ties(Some(id))?;
        v.interactions = self.interactions(Some(id), 10)?;
        v.open_tasks =
            self.tasks(&TaskFilter { status: Some("open".into()), person: Some(id), ..Default::default() })?;
        Ok(self.scope.person_view(v))
    }

    pub fn people(&mut self, f: &PersonFilter) -> Result<Vec<PersonRow>> {
        self.people_after(f, None)
    }

    /// A page of people in name order, after the person with this (name, id) when given: the
    /// cursor of the API's pagination, stable while records are added or removed.
    pub fn people_after(&mut self, f: &PersonFilter, after: Option<(&str, Id)>) -> Result<Vec<PersonRow>> {
        // How many hold the tag decides how to find them (see `person_where`); counting uses the
        // covering (kind, value, deleted, parent) index and stops early.
        let common_tag = match (&f.tag, f.limit) {
            (Some(tag), Some(_)) => {
                let rows = self.db().query(
                    "SELECT count(*) FROM (SELECT 1 FROM person_items WHERE kind = 'tag' AND value = ? AND deleted = 0 LIMIT ?) t",
                    &[Val::from(tag.as_str()), Val::Int(COMMON_TAG)],
                )?;
                rows.first().and_then(|r| r[0].int()) == Some(COMMON_TAG)
            }
            _ => false,
        };
        let (filter, mut params) = person_where(f, common_tag);
        let mut sql = format!("SELECT p.id, p.display_name, p.tier, p.net_type FROM people p WHERE {filter}");
        if let Some((name, id)) = after {
            sql.push_str(" AND (p.display_name > ? OR (p.display_name = ? AND p.id > ?))");
            params.extend([Val::from(name), Val::from(name), id.into()]);
        }
        sql.push_str(" ORDER BY p.display_name, p.id");
        if let Some(limit) = f.limit {
            // Hidden people are left out after the query: ask for as many more.
            sql.push_str(" LIMIT ?");
            params.push(Val::Int((limit + self.scope.people_count()) as i64));
        }
        let rows = self.db().query(&sql, &params)?;
        let mut out: Vec<PersonRow> = rows.iter().filter_map(|r| person_row(r)).collect();
        self.scope.rows(&mut out);
        if let Some(limit) = f.limit {
            out.truncate(limit);
        }
        self.fill_rows(&mut out)?;
        Ok(out)
    }

    /// The list rows of these people, in this order (missing or deleted ones are left out).
    pub fn people_rows(&mut self, ids: &[Id]) -> Result<Vec<PersonRow>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.iter().map(|id| Val::from(*id)).collect::<Vec<_>>().chunks(500) {
            let rows = self.db().query(
                &format!(
                    "SELECT p.id, p.display_name, p.tier, p.net_type FROM people p
                     WHERE p.id IN ({}) AND p.deleted = 0 AND p.display_name IS NOT NULL",
                    marks(chunk.len())
                ),
                chunk,
            )?;
            out.extend(rows.iter().filter_map(|r| person_row(r)));
        }
        let order: HashMap<Id, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        out.sort_by_key(|p| order.get(&p.id).copied());
        self.scope.rows(&mut out);
        self.fill_rows(&mut out)?;
        Ok(out)
    }

    /// Fill the organization, title, first email and tags of list rows.
    fn fill_rows(&mut self, out: &mut [PersonRow]) -> Result<()> {
        // Details for the page of people, a few hundred ids per query.
        let index: HashMap<Id, usize> = out.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        for chunk in out.iter().map(|p| Val::from(p.id)).collect::<Vec<_>>().chunks(500) {
            let items = self.db().query(
                &format!(
                    "SELECT parent, kind, value FROM person_items WHERE parent IN ({}) AND kind IN ('email', 'tag') AND deleted = 0 ORDER BY coalesce(pref, 0) DESC, value",
                    marks(chunk.len())
                ),
                chunk,
            )?;
            for it in items {
                let Some(&i) = id_of(&it[0]).and_then(|id| index.get(&id)) else { continue };
                match (it[1].text(), text(&it[2])) {
                    (Some("email"), Some(e)) if out[i].email.is_none() => out[i].email = Some(e),
                    (Some("tag"), Some(t)) => out[i].tags.push(t),
                    _ => {}
                }
            }
            let roles = self.db().query(
                &format!(
                    "SELECT r.person, o.name, r.title FROM roles r LEFT JOIN orgs o ON o.id = r.org
                     WHERE r.person IN ({}) AND r.deleted = 0 AND r.end_on IS NULL ORDER BY r.start_on, r.id",
                    marks(chunk.len())
                ),
                chunk,
            )?;
            for r in roles {
                let Some(&i) = id_of(&r[0]).and_then(|id| index.get(&id)) else { continue };
                out[i].org = text(&r[1]);
                out[i].title = text(&r[2]);
            }
        }
        Ok(())
    }

    /// How many people match a filter, ignoring its limit.
    pub fn count_people(&mut self, f: &PersonFilter) -> Result<usize> {
        let mut g = f.clone();
        g.limit = None;
        // Counting through the same query keeps one definition of the filter.
        Ok(self.people_ids(&g)?.len())
    }

    /// The ids of every live person a filter matches (its limit ignored), in no set order.
    pub fn people_ids(&mut self, f: &PersonFilter) -> Result<Vec<Id>> {
        let (filter, params) = person_where(f, false);
        let sql = format!("SELECT p.id FROM people p WHERE {filter}");
        let rows = self.db().query(&sql, &params)?;
        Ok(rows.iter().filter_map(|r| id_of(&r[0])).filter(|id| !self.scope.person(*id)).collect())
    }

    /// Ties of one person (both directions), or all ties.
    pub fn ties(&mut self, person: Option<Id>) -> Result<Vec<TieView>> {
        let base =
            "SELECT t.id, t.a, pa.display_name, t.b, pb.display_name, t.kind, t.strength, t.since, t.source, t.note
                    FROM ties t JOIN people pa ON pa.id = t.a JOIN people pb ON pb.id = t.b
                    WHERE t.deleted = 0 AND pa.deleted = 0 AND pb.deleted = 0";
        let rows = match person {
            Some(p) => self.db().query(
                &format!("{base} AND (t.a = ? OR t.b = ?) ORDER BY t.strength DESC, t.id"),
                &[p.into(), p.into()],
            )?,
            None => self.db().query(&format!("{base} ORDER BY pa.display_name, pb.display_name, t.id"), &[])?,
        };
        let scope = self.scope.clone();
        Ok(rows
            .iter()
            .filter_map(|r| {
                let (a, b) = (id_of(&r[1])?, id_of(&r[3])?);
                if scope.person(a) || scope.person(b) {
                    return None;
                }
                let (an, bn) = (text(&r[2]).unwrap_or_default(), text(&r[4]).unwrap_or_default());
                // Seen from `person`, the tie goes from them to the other end.
                let flip = person == Some(b) && person != Some(a);
                let ((from_id, from), (to_id, to)) = if flip { ((b, bn), (a, an)) } else { ((a, an), (b, bn)) };
                Some(TieView {
                    id: id_of(&r[0])?,
                    from_id,
                    from,
                    to_id,
                    to,
                    kind: text(&r[5]),
                    strength: r[6].int(),
                    since: text(&r[7]),
                    source: text(&r[8]),
                    note: text(&r[9]),
                })
            })
            .collect())
    }

    /// Interactions, newest first, optionally only those with one person.
    pub fn interactions(&mut self, person: Option<Id>, limit: usize) -> Result<Vec<InteractionView>> {
        if person.is_some_and(|p| self.scope.person(p)) {
            return Ok(vec![]);
        }
        // Hidden interactions are left out after the query: ask for as many more.
        let (want, limit) = (limit, limit + self.scope.interaction_count());
        let rows = match person {
            Some(p) => self.db().query(
                "SELECT i.id, i.kind, i.occurred_at, i.summary, i.notes, i.private_to FROM interactions i
                 JOIN participants pt ON pt.interaction = i.id
                 WHERE pt.person = ? AND pt.deleted = 0 AND i.deleted = 0
                 ORDER BY i.occurred_at DESC, i.id DESC LIMIT ?",
                &[p.into(), Val::Int(limit as i64)],
            )?,
            None => self.db().query(
                "SELECT id, kind, occurred_at, summary, notes, private_to FROM interactions WHERE deleted = 0
                 ORDER BY occurred_at DESC, id DESC LIMIT ?",
                &[Val::Int(limit as i64)],
            )?,
        };
        self.interactions_of(&rows, want)
    }

    /// The newest `limit` interactions at or after `from_ms` (the start of today, for the today
    /// page), newest first: a range of the `interactions_at` index, however many there are.
    pub fn interactions_since(&mut self, from_ms: i64, limit: usize) -> Result<Vec<InteractionView>> {
        // Hidden interactions are left out after the query: ask for as many more.
        let (want, limit) = (limit, limit + self.scope.interaction_count());
        let rows = self.db().query(
            "SELECT id, kind, occurred_at, summary, notes, private_to FROM interactions WHERE occurred_at >= ? AND deleted = 0
             ORDER BY occurred_at DESC, id DESC LIMIT ?",
            &[Val::Int(from_ms), Val::Int(limit as i64)],
        )?;
        self.interactions_of(&rows, want)
    }

    /// The first `want` of these `SELECT id, kind, occurred_at, summary, notes, private_to` rows that the
    /// scope does not hide, with their people and exchanges.
    fn interactions_of(&mut self, rows: &[Vec<Val>], want: usize) -> Result<Vec<InteractionView>> {
        let mut out: Vec<InteractionView> = rows
            .iter()
            .filter_map(|r| {
                Some(InteractionView {
                    id: id_of(&r[0])?,
                    kind: text(&r[1]).unwrap_or_else(|| "other".into()),
                    at: ts(&r[2]),
                    summary: text(&r[3]),
                    notes: text(&r[4]),
                    people: vec![],
                    exchanges: vec![],
                    private_to: r.get(5).and_then(id_of),
                })
            })
            .filter(|i| !self.scope.interaction(i.id))
            .take(want)
            .collect();
        self.fill_interactions(&mut out)?;
        Ok(out)
    }

    pub fn interaction(&mut self, id: Id) -> Result<Option<InteractionView>> {
        if self.scope.interaction(id) {
            return Ok(None);
        }
        let rows = self.db().query(
            "SELECT id, kind, occurred_at, summary, notes, private_to FROM interactions WHERE id = ? AND deleted = 0",
            &[id.into()],
        )?;
        Ok(self.interactions_of(&rows, 1)?.pop())
    }

    fn fill_interactions(&mut self, out: &mut [InteractionView]) -> Result<()> {
        let ids: Vec<Id> = out.iter().map(|x| x.id).collect();
        let mut people = self.linked_people("participants", "interaction", &ids)?;
        for x in out.iter_mut() {
            x.people = people.remove(&x.id).unwrap_or_default();
        }
        let index: HashMap<Id, usize> = out.iter().enumerate().map(|(i, x)| (x.id, i)).collect();
        let ids: Vec<Val> = out.iter().map(|x| Val::from(x.id)).collect();
        for chunk in ids.chunks(500) {
            let ex = self.db().query(
                &format!(
                    "SELECT interaction, id, direction, kind, what, weight, person FROM exchanges
                     WHERE interaction IN ({}) AND deleted = 0 ORDER BY direction DESC, id",
                    marks(chunk.len())
                ),
                chunk,
            )?;
            for r in ex {
                let (Some(&i), Some(id)) = (id_of(&r[0]).and_then(|x| index.get(&x)), id_of(&r[1])) else { continue };
                out[i].exchanges.push(ExchangeView {
                    id,
                    direction: text(&r[2]).unwrap_or_default(),
                    kind: text(&r[3]).unwrap_or_else(|| "other".into()),
                    what: text(&r[4]).unwrap_or_default(),
                    weight: r[5].int().unwrap_or(1),
                    person_id: id_of(&r[6]),
                });
            }
        }
        Ok(())
    }

    pub fn tasks(&mut self, f: &TaskFilter) -> Result<Vec<TaskView>> {
        let mut sql = String::from(
            "SELECT t.id, t.title, t.notes, t.status, t.due_date, t.due_at, t.priority, t.project, pr.name,
                    t.recurrence, t.reminders, t.hook, t.done_at, t.assignee
             FROM tasks t LEFT JOIN projects pr ON pr.id = t.project
             WHERE t.deleted = 0 AND t.title IS NOT NULL",
        );
        let mut params = Vec::new();
        if let Some(s) = &f.status {
            sql.push_str(" AND t.status = ?");
            params.push(Val::from(s.as_str()));
        }
        if let Some(id) = f.id {
            sql.push_str(" AND t.id = ?");
            params.push(id.into());
        }
        if let Some(p) = f.project {
            sql.push_str(" AND t.project = ?");
            params.push(p.into());
        }
        if let Some(p) = f.person {
            sql.push_str(" AND t.id IN (SELECT task FROM task_people WHERE person = ? AND deleted = 0)");
            params.push(p.into());
        }
        if f.hooks_only {
            sql.push_str(" AND t.hook = 1");
        }
        match f.assignee {
            Some(Some(u)) => {
                sql.push_str(" AND t.assignee = ?");
                params.push(u.into());
            }
            Some(None) => sql.push_str(" AND t.assignee IS NULL"),
            None => {}
        }
        if let Some(u) = f.for_user {
            sql.push_str(" AND (t.assignee IS NULL OR t.assignee = ?)");
            params.push(u.into());
        }
        if let Some(projects) = &f.projects {
            if projects.is_empty() {
                sql.push_str(" AND 1 = 0");
            } else {
                sql.push_str(&format!(" AND t.project IN ({})", marks(projects.len())));
                params.extend(projects.iter().map(|&p| Val::from(p)));
            }
        }
        if let Some((day, ms)) = &f.due_before {
            sql.push_str(" AND (t.due_date <= ? OR t.due_at < ?)");
            params.push(Val::from(day.as_str()));
            params.push(Val::Int(*ms));
        }
        if let Some((day, ms)) = &f.due_from {
            sql.push_str(" AND (t.due_date >= ? OR (t.due_date IS NULL AND t.due_at >= ?))");
            params.push(Val::from(day.as_str()));
            params.push(Val::Int(*ms));
        }
        sql.push_str(" ORDER BY t.due_date IS NULL AND t.due_at IS NULL, t.due_date, t.due_at, t.id");
        if let Some(limit) = f.limit {
            sql.push_str(" LIMIT ?");
            params.push(Val::Int(limit as i64));
        }
        let rows = self.db().query(&sql, &params)?;
        let mut out: Vec<TaskView> = rows
            .iter()
            .filter_map(|r| {
                Some(TaskView {
                    id: id_of(&r[0])?,
                    title: text(&r[1])?,
                    notes: text(&r[2]),
                    status: text(&r[3]).unwrap_or_else(|| "open".into()),
                    due_date: text(&r[4]),
                    due_at: ts(&r[5]),
                    priority: r[6].int(),
                    project_id: id_of(&r[7]),
                    project: text(&r[8]),
                    recurrence: text(&r[9]),
                    reminders: r[10].text().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default(),
                    hook: r[11].int() == Some(1),
                    people: vec![],
                    done_at: ts(&r[12]),
                    assignee: id_of(&r[13]).map(|id| Assignee { id, email: None, name: None }),
                })
            })
            .collect();
        // The assignees' names come from the server's accounts, never this workspace's tables.
        let mut assignees: Vec<Id> = out.iter().filter_map(|t| t.assignee.as_ref().map(|a| a.id)).collect();
        if !assignees.is_empty() {
            assignees.sort();
            assignees.dedup();
            let users = self.users_by_id(&assignees)?;
            for a in out.iter_mut().filter_map(|t| t.assignee.as_mut()) {
                if let Some(u) = users.get(&a.id) {
                    a.email = Some(u.email.clone());
                    a.name = Some(u.name.clone());
                }
            }
        }
        // Chronological: a task due on a day sorts at the start of that day (in UTC: the store
        // knows no time zone), a timed task at its time, undated tasks last.
        let key = |t: &TaskView| match (&t.due_date, t.due_at) {
            (Some(d), _) => (0, d.clone(), String::new()),
            (None, Some(at)) => (0, at.strftime("%Y-%m-%d").to_string(), at.strftime("%H:%M:%S").to_string()),
            _ => (1, String::new(), String::new()),
        };
        out.sort_by_cached_key(|t| (key(t), std::cmp::Reverse(t.priority), t.id));
        if !f.without_people {
            let ids: Vec<Id> = out.iter().map(|t| t.id).collect();
            let mut people = self.linked_people_all("task_people", "task", &ids)?;
            for t in &mut out {
                t.people = people.remove(&t.id).unwrap_or_default();
            }
            if !self.scope.is_empty() {
                let scope = self.scope.clone();
                out = out.into_iter().filter_map(|t| scope.task_view(t)).collect();
            }
        }
        Ok(out)
    }

    /// The live people linked to each of `tasks`, by name.
    pub fn task_people(&mut self, tasks: &[Id]) -> Result<HashMap<Id, Vec<PersonRef>>> {
        self.linked_people("task_people", "task", tasks)
    }

    /// The live people linked to each of `parents` through a link table (participants,
    /// attendees, task people), by name, a few hundred parents per query.
    /// Hidden people (see [`crate::privacy`]) are left out.
    fn linked_people(&mut self, table: &str, parent_col: &str, parents: &[Id]) -> Result<HashMap<Id, Vec<PersonRef>>> {
        let mut out = self.linked_people_all(table, parent_col, parents)?;
        if !self.scope.is_empty() {
            for people in out.values_mut() {
                people.retain(|p| !self.scope.person(p.id));
            }
        }
        Ok(out)
    }

    /// [`Store::linked_people`] with the hidden people too: a task about hidden people only is
    /// itself hidden, which takes knowing they were there.
    pub(crate) fn linked_people_all(
        &mut self,
        table: &str,
        parent_col: &str,
        parents: &[Id],
    ) -> Result<HashMap<Id, Vec<PersonRef>>> {
        let mut out: HashMap<Id, Vec<PersonRef>> = HashMap::new();
        let ids: Vec<Val> = parents.iter().map(|&id| Val::from(id)).collect();
        for chunk in ids.chunks(500) {
            let rows = self.db().query(
                &format!(
                    "SELECT l.{parent_col}, p.id, p.display_name FROM {table} l JOIN people p ON p.id = l.person
                     WHERE l.{parent_col} IN ({}) AND l.deleted = 0 AND p.deleted = 0 ORDER BY p.display_name",
                    marks(chunk.len())
                ),
                chunk,
            )?;
            for r in rows {
                let (Some(parent), Some(id)) = (id_of(&r[0]), id_of(&r[1])) else { continue };
                out.entry(parent).or_default().push(PersonRef { id, name: text(&r[2]).unwrap_or_default() });
            }
        }
        Ok(out)
    }

    pub fn task(&mut self, id: Id) -> Result<Option<TaskView>> {
        Ok(self.tasks(&TaskFilter { id: Some(id), ..Default::default() })?.pop())
    }

    /// Events that overlap `[from_ms, to_ms)`, in time order.
    pub fn events(&mut self, from_ms: Option<i64>, to_ms: Option<i64>) -> Result<Vec<EventView>> {
        let rows = self.db().query(
            "SELECT id, title, kind, start_at, end_at, tz, place, link, goals, prep, debrief FROM events
             WHERE deleted = 0 AND title IS NOT NULL AND start_at < ? AND coalesce(end_at, start_at) >= ?
             ORDER BY start_at, id",
            &[Val::Int(to_ms.unwrap_or(i64::MAX)), Val::Int(from_ms.unwrap_or(i64::MIN))],
        )?;
        self.event_views(rows)
    }

    pub fn event(&mut self, id: Id) -> Result<Option<EventView>> {
        let rows = self.db().query(
            "SELECT id, title, kind, start_at, end_at, tz, place, link, goals, prep, debrief FROM events
             WHERE deleted = 0 AND id = ?",
            &[id.into()],
        )?;
        Ok(self.event_views(rows)?.pop())
    }

    pub(crate) fn event_views(&mut self, rows: Vec<Vec<Val>>) -> Result<Vec<EventView>> {
        let out: Vec<EventView> = rows
            .iter()
            .filter_map(|r| {
                Some(EventView {
                    id: id_of(&r[0])?,
                    title: text(&r[1]).unwrap_or_default(),
                    kind: text(&r[2]),
                    start: ts(&r[3]),
                    end: ts(&r[4]),
                    tz: text(&r[5]),
                    place: text(&r[6]),
                    link: text(&r[7]),
                    goals: text(&r[8]),
                    prep: text(&r[9]),
                    debrief: text(&r[10]),
                    attendees: vec![],
                })
            })
            .collect();
        let ids: Vec<Id> = out.iter().map(|e| e.id).collect();
        let mut people = self.linked_people("attendees", "event", &ids)?;
        let scope = self.scope.clone();
        Ok(out
            .into_iter()
            .map(|mut e| {
                e.attendees = people.remove(&e.id).unwrap_or_default();
                scope.event_view(e)
            })
            .collect())
    }

    pub fn projects(&mut self) -> Result<Vec<ProjectView>> {
        let rows = self.db().query(&format!("{PROJECT_SELECT} ORDER BY p.name, p.id"), &[])?;
        Ok(rows.iter().filter_map(|r| project_row(r)).collect())
    }

    pub fn orgs(&mut self) -> Result<Vec<OrgView>> {
        let rows = self.db().query(&format!("{ORG_SELECT} ORDER BY o.name, o.id"), &[])?;
        let mut tags: HashMap<Id, Vec<String>> = HashMap::new();
        for t in self
            .db()
            .query("SELECT parent, value FROM org_items WHERE kind = 'tag' AND deleted = 0 ORDER BY value", &[])?
        {
            if let (Some(parent), Some(tag)) = (id_of(&t[0]), text(&t[1])) {
                tags.entry(parent).or_default().push(tag);
            }
        }
        Ok(rows
            .iter()
            .filter_map(|r| {
                let mut o = org_row(r)?;
                o.tags = tags.remove(&o.id).unwrap_or_default();
                Some(o)
            })
            .collect())
    }

    pub fn org(&mut self, id: Id) -> Result<Option<OrgView>> {
        let rows =
            self.db().query("SELECT id, name, domain, notes FROM orgs WHERE id = ? AND deleted = 0", &[id.into()])?;
        let Some(r) = rows.into_iter().next() else { return Ok(None) };
        let tags = self.db().query(
            "SELECT value FROM org_items WHERE parent = ? AND kind = 'tag' AND deleted = 0 ORDER BY value",
            &[id.into()],
        )?;
        let people = self.db().query(
            "SELECT p.id, p.display_name, r.title, r.end_on FROM roles r JOIN people p ON p.id = r.person
             WHERE r.org = ? AND r.deleted = 0 AND p.deleted = 0 ORDER BY r.end_on IS NOT NULL, p.display_name",
            &[id.into()],
        )?;
        Ok(Some(
            self.scope.org_view(OrgView {
                id,
                name: text(&r[1]).unwrap_or_default(),
                domain: text(&r[2]),
                notes: text(&r[3]),
                tags: tags.iter().filter_map(|t| text(&t[0])).collect(),
                people: people
                    .iter()
                    .filter_map(|p| {
                        Some(OrgMember {
                            id: id_of(&p[0])?,
                            name: text(&p[1]).unwrap_or_default(),
                            title: text(&p[2]),
                            current: p[3] == Val::Null,
                        })
                    })
                    .collect(),
            }),
        ))
    }

    /// Everyone with a birthday, month-day between `from_md` and `to_md` inclusive (`MM-DD`;
    /// when the range wraps the year end, `from_md > to_md`).
    pub fn birthdays(&mut self, from_md: &str, to_md: &str) -> Result<Vec<BirthdayRow>> {
        let md = "substr(birthday, length(birthday) - 4)";
        let cond = if from_md <= to_md { format!("{md} BETWEEN ? AND ?") } else { format!("({md} >= ? OR {md} <= ?)") };
        let rows = self.db().query(
            &format!(
                "SELECT id, display_name, birthday FROM people WHERE birthday IS NOT NULL AND deleted = 0 AND {cond}"
            ),
            &[Val::from(from_md), Val::from(to_md)],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| Some(BirthdayRow { id: id_of(&r[0])?, name: text(&r[1])?, birthday: text(&r[2])? }))
            .filter(|b| !self.scope.person(b.id))
            .collect())
    }

    /// Full-text search, best first.
    pub fn search(&mut self, q: &str, limit: usize) -> Result<Vec<SearchHit>> {
        // Hidden records are left out after the ranking: ask for as many more.
        let extra = self.scope.people_count() + self.scope.interaction_count();
        let mut hits = search::search(self.db(), q, &[], limit + extra)?;
        self.scope.hits(&mut hits);
        hits.truncate(limit);
        Ok(hits)
    }

    /// Every operation on a record and on the child records that belong to it, oldest first.
    pub fn history(&mut self, id: Id) -> Result<Vec<HistoryEntry>> {
        let children = "SELECT id FROM person_items WHERE parent = ?1
            UNION SELECT id FROM org_items WHERE parent = ?1
            UNION SELECT id FROM roles WHERE person = ?1 OR org = ?1
            UNION SELECT id FROM ties WHERE a = ?1 OR b = ?1
            UNION SELECT id FROM participants WHERE interaction = ?1 OR person = ?1
            UNION SELECT id FROM exchanges WHERE interaction = ?1
            UNION SELECT id FROM task_people WHERE task = ?1 OR person = ?1
            UNION SELECT id FROM attendees WHERE event = ?1 OR person = ?1
            UNION SELECT id FROM person_cards WHERE parent = ?1";
        // One parameter, repeated: number it by hand, the same way in both engines.
        let children = children.replace("?1", "?");
        let n = children.matches('?').count();
        let mut ids = vec![id];
        ids.extend(self.db().query(&children, &vec![Val::from(id); n])?.iter().filter_map(|r| id_of(&r[0])));
        let mut rows = crate::apply::ops_of(self.db(), &ids, "op_id, hlc, node, actor, kind, entity, field, value")?;
        // Oldest first, as the op log orders them (hlc, node, op id).
        rows.sort_by(|a, b| (a[1].int(), a[2].int(), a[0].text()).cmp(&(b[1].int(), b[2].int(), b[0].text())));
        Ok(rows
            .iter()
            .filter_map(|r| {
                let op = Op {
                    id: id_of(&r[0])?,
                    hlc: Hlc::from_i64(r[1].int()?),
                    node: NodeId(r[2].int()?),
                    actor: text(&r[3])?,
                    kind: Kind::parse(r[4].text()?)?,
                    entity: id_of(&r[5])?,
                    field: text(&r[6])?,
                    value: serde_json::from_str(r[7].text()?).ok()?,
                };
                let at = Timestamp::from_millisecond(op.hlc.unix_ms() as i64).ok();
                Some(HistoryEntry { op, at })
            })
            .collect())
    }

    /// A human name for any record: a person's or organization's name, a task's title…
    pub fn label(&mut self, id: Id) -> Result<Option<String>> {
        let sql = "SELECT display_name FROM people WHERE id = ?
            UNION ALL SELECT name FROM orgs WHERE id = ?
            UNION ALL SELECT name FROM projects WHERE id = ?
            UNION ALL SELECT title FROM tasks WHERE id = ?
            UNION ALL SELECT title FROM events WHERE id = ?
            UNION ALL SELECT kind FROM interactions WHERE id = ?";
        let rows = self.db().query(sql, &[id.into(), id.into(), id.into(), id.into(), id.into(), id.into()])?;
        Ok(rows.into_iter().filter_map(|r| r.into_iter().next().and_then(Val::into_text)).next())
    }

    /// All operations, oldest first (for export and tests).
    pub fn ops(&mut self) -> Result<Vec<Op>> {
        let rows = self.db().query(
            "SELECT op_id, hlc, node, actor, kind, entity, field, value FROM ops ORDER BY hlc, node, op_id",
            &[],
        )?;
        rows.iter().map(|r| op_of(r)).collect()
    }

    /// The materialized state of every table as sorted rows: for comparing two databases in
    /// tests of convergence.
    pub fn snapshot(&mut self) -> Result<Vec<(String, Vec<Vec<Val>>)>> {
        let mut out = Vec::new();
        for kind in Kind::ALL {
            let mut cols = vec!["id".to_string()];
            cols.extend(kind.fields().iter().map(|f| f.name.to_string()));
            cols.push("deleted".into());
            let rows =
                self.db().query(&format!("SELECT {} FROM {} ORDER BY id", cols.join(", "), kind.table()), &[])?;
            out.push((kind.table().to_string(), rows));
        }
        Ok(out)
    }
}
