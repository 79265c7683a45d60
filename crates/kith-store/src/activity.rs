//! The activity feed: who changed what in the workspace, read from the op log.
//!
//! Operations are read newest first through the `ops_hlc` index, a batch at a time, and folded
//! into entries: one entry per change set (the operations one command wrote), each listing the
//! records it touched. A child record (an email, a tag, a participant, a task's person…) counts
//! as a change of the record it belongs to.
//!
//! The op log does not mark where a change set ends, so entries are recovered from how commits
//! are stamped: one commit's operations have the same node and actor and consecutive HLCs (the
//! wall clock is read once per commit), and a later commit starts at a later millisecond unless
//! it lands in the same one. Two commands by one user in the same millisecond on one node are
//! shown as one entry. For a project's feed, whose operations are a subset of each change set,
//! operations of one node and actor in the same millisecond form an entry.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use kith_core::{Hlc, Id, Kind};
use serde::Serialize;
use serde_json::Value;

use crate::backend::Val;
use crate::query::{id_of, marks};
use crate::{Result, Store};

/// At most this many records are described per entry; the rest are counted.
const RECORDS_SHOWN: usize = 10;
/// Operations read per query.
const BATCH: usize = 2_000;
/// A change set with more operations is described from its newest this many (see `run_start`).
const DETAIL_OPS: usize = 2_000;

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct ActivityQuery {
    /// Only the project and its tasks (with their people links).
    pub project: Option<Id>,
    /// Entries older than this cursor (from [`ActivityPage::next_cursor`]).
    pub before: Option<i64>,
    /// How many entries, at least 1.
    pub limit: usize,
}

/// One change set: who, when, and what it did to which records.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityEntry {
    /// The user (email) or device name that made the change.
    pub actor: String,
    pub at: Option<Timestamp>,
    /// One line: "added task “Send deck”", "changed person “Ann Lee” (tier) and 2 more records".
    pub summary: String,
    /// The records it touched, newest first; at most ten.
    pub records: Vec<RecordChange>,
    /// How many records it touched in all.
    pub record_count: usize,
    /// How many operations it wrote.
    pub ops: usize,
    /// A large change (an import), described from its newest 2,000 operations: it touched more
    /// records than `record_count`.
    pub partial: bool,
}

/// A record a change set touched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordChange {
    /// person, org, project, task, interaction, event, tie
    pub kind: &'static str,
    pub id: Id,
    /// Its name or title now (kept after removal).
    pub label: Option<String>,
    /// added, changed or removed
    pub action: &'static str,
    /// The fields that changed (a child's kind for child records: `email`, `tag`, `person`…).
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityPage {
    pub items: Vec<ActivityEntry>,
    /// Pass as `before` for the next page; absent on the last.
    pub next_cursor: Option<i64>,
}

/// One operation as the feed needs it.
struct Row {
    hlc: i64,
    node: i64,
    actor: String,
    kind: Kind,
    entity: Id,
    field: String,
    value: Option<Value>,
}

/// A change set being gathered.
struct Group {
    node: i64,
    actor: String,
    /// Newest and oldest HLC seen.
    first: i64,
    last: i64,
    ops: usize,
    truncated: bool,
    /// Per record (kind, id): fields, whether it was deleted or brought back, the oldest HLC.
    records: BTreeMap<(Kind, Id), Touch>,
    /// Order records were first seen (newest first).
    order: Vec<(Kind, Id)>,
    /// Child records whose parent must be looked up in the tables.
    pending: Vec<(Kind, Id, String)>,
}

#[derive(Default)]
struct Touch {
    fields: Vec<String>,
    deleted: Option<bool>,
}

impl Group {
    fn new(r: &Row) -> Group {
        Group {
            node: r.node,
            actor: r.actor.clone(),
            first: r.hlc,
            last: r.hlc,
            ops: 0,
            truncated: false,
            records: BTreeMap::new(),
            order: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn takes(&self, r: &Row, same_ms_only: bool) -> bool {
        if r.node != self.node || r.actor != self.actor {
            return false;
        }
        let same_ms = Hlc::from_i64(r.hlc).unix_ms() == Hlc::from_i64(self.last).unix_ms();
        same_ms || (!same_ms_only && self.last - r.hlc == 1)
    }

    fn touch(&mut self, kind: Kind, id: Id, field: String, deleted: Option<bool>) {
        let t = self.records.entry((kind, id)).or_insert_with(|| {
            self.order.push((kind, id));
            Touch::default()
        });
        if let Some(d) = deleted {
            t.deleted.get_or_insert(d);
        } else if !t.fields.contains(&field) {
            t.fields.push(field);
        }
    }

    fn add(&mut self, r: Row) {
        self.ops += 1;
        self.last = r.hlc;
        match (r.field.as_str(), r.value) {
            // A record op sets several fields at once: each counts as that field's change.
            (kith_core::op::RECORD, Some(Value::Object(map))) => {
                // The parent column first, so a new child is placed without a lookup.
                let col = parent_field(r.kind).map(|(_, col)| col);
                let (first, rest): (Vec<_>, Vec<_>) = map.into_iter().partition(|(f, _)| Some(f.as_str()) == col);
                for (field, value) in first.into_iter().chain(rest) {
                    self.add_field(r.kind, r.entity, field, Some(value));
                }
            }
            (_, value) => self.add_field(r.kind, r.entity, r.field, value),
        }
    }

    fn add_field(&mut self, kind: Kind, entity: Id, field: String, value: Option<Value>) {
        let deleted = (field == "deleted").then(|| value.as_ref().and_then(Value::as_bool).unwrap_or(false));
        match parent_field(kind) {
            None => self.touch(kind, entity, field, deleted),
            Some((parent_kind, col)) => {
                // A child's change is a change of its parent's field named after the child.
                let what = child_label(kind).to_string();
                if field == col
                    && let Some(parent) = value.as_ref().and_then(Value::as_str).and_then(|s| s.parse::<Id>().ok())
                {
                    self.touch(parent_kind, parent, what, None);
                } else if !self.pending.iter().any(|(_, id, _)| *id == entity) {
                    self.pending.push((kind, entity, what));
                }
            }
        }
    }
}

/// The kind and column a child record names its parent by.
fn parent_field(kind: Kind) -> Option<(Kind, &'static str)> {
    Some(match kind {
        Kind::PersonItem | Kind::PersonCard => (Kind::Person, "parent"),
        Kind::OrgItem => (Kind::Org, "parent"),
        Kind::Role => (Kind::Person, "person"),
        Kind::Participant | Kind::Exchange => (Kind::Interaction, "interaction"),
        Kind::TaskPerson => (Kind::Task, "task"),
        Kind::Attendee => (Kind::Event, "event"),
        _ => return None,
    })
}

fn child_label(kind: Kind) -> &'static str {
    match kind {
        Kind::PersonItem => "details",
        Kind::PersonCard => "card",
        Kind::OrgItem => "details",
        Kind::Role => "role",
        Kind::Participant => "people",
        Kind::Exchange => "exchanges",
        Kind::TaskPerson => "people",
        Kind::Attendee => "attendees",
        other => other.name(),
    }
}

impl Store {
    /// A page of the activity feed, newest first.
    pub fn activity(&mut self, q: &ActivityQuery) -> Result<ActivityPage> {
        let limit = q.limit.max(1);
        let mut before = q.before.unwrap_or(i64::MAX);
        let mut groups: Vec<Group> = Vec::new();
        // Read until one more change set than asked for has started (so the last one asked for
        // is complete), or the log ends.
        let filtered = q.project.is_some();
        while groups.len() <= limit {
            let rows = self.activity_rows(q.project, before, BATCH)?;
            let full = rows.len() == BATCH;
            let mut skipped = false;
            for r in rows {
                before = r.hlc;
                match groups.last_mut() {
                    Some(g) if g.takes(&r, filtered) => {
                        g.add(r);
                        if !filtered && !g.truncated && g.ops >= DETAIL_OPS {
                            // A bulk change (an import): describe it from its newest operations
                            // and jump to its start instead of reading all of it.
                            let start = self.run_start(g.node, &g.actor, g.last)?;
                            g.ops = usize::try_from(g.first - start + 1).unwrap_or(g.ops);
                            g.last = start;
                            g.truncated = true;
                            before = start;
                            skipped = true;
                            break;
                        }
                    }
                    _ => {
                        if groups.len() == limit {
                            // Entry `limit + 1` starts here: everything asked for is read.
                            groups.push(Group::new(&r));
                            break;
                        }
                        let mut g = Group::new(&r);
                        g.add(r);
                        groups.push(g);
                    }
                }
            }
            if !full && !skipped {
                break;
            }
        }
        let next_cursor = if groups.len() > limit {
            groups.truncate(limit);
            groups.last().map(|g| g.last)
        } else {
            None
        };
        let mut items = Vec::with_capacity(groups.len());
        for mut g in groups {
            self.resolve_parents(&mut g)?;
            items.push(self.entry(g)?);
        }
        let mut page = ActivityPage { items, next_cursor };
        self.scope.activity(&mut page);
        Ok(page)
    }

    /// Whether the operation stamped `hlc` was made by this node and actor.
    fn stamped_by(&mut self, hlc: i64, node: i64, actor: &str) -> Result<bool> {
        let rows = self.db().query("SELECT node, actor FROM ops WHERE hlc = ?", &[Val::Int(hlc)])?;
        Ok(rows.iter().any(|r| r[0].int() == Some(node) && r[1].text() == Some(actor)))
    }

    /// The first HLC of the run of consecutive HLCs by `node` and `actor` that holds `known`: one
    /// commit's operations (see the module comment). Found by probing further back in doubling
    /// steps and then bisecting, a few dozen index lookups however long the run.
    fn run_start(&mut self, node: i64, actor: &str, known: i64) -> Result<i64> {
        let (mut inside, mut step) = (known, 1i64);
        let mut outside = loop {
            let probe = known.saturating_sub(step);
            if probe <= 0 || !self.stamped_by(probe, node, actor)? {
                break probe.max(0);
            }
            inside = probe;
            step = step.saturating_mul(2);
        };
        while inside - outside > 1 {
            let mid = outside + (inside - outside) / 2;
            if self.stamped_by(mid, node, actor)? {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        Ok(inside)
    }

    fn activity_rows(&mut self, project: Option<Id>, before: i64, n: usize) -> Result<Vec<Row>> {
        let cols = "SELECT hlc, node, actor, kind, entity, field, value FROM ops";
        let rows = match project {
            None => self.db().query(
                &format!("{cols} WHERE hlc < ? ORDER BY hlc DESC, node DESC, op_id DESC LIMIT ?"),
                &[Val::Int(before), Val::Int(n as i64)],
            )?,
            Some(p) => self.db().query(
                &format!(
                    "{cols} WHERE hlc < ? AND (entity = ?
                        OR entity IN (SELECT id FROM tasks WHERE project = ?)
                        OR entity IN (SELECT tp.id FROM task_people tp JOIN tasks t ON t.id = tp.task WHERE t.project = ?))
                     ORDER BY hlc DESC, node DESC, op_id DESC LIMIT ?"
                ),
                &[Val::Int(before), p.into(), p.into(), p.into(), Val::Int(n as i64)],
            )?,
        };
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(Row {
                    hlc: r[0].int()?,
                    node: r[1].int()?,
                    actor: r[2].text()?.to_string(),
                    kind: Kind::parse(r[3].text()?)?,
                    entity: id_of(&r[4])?,
                    field: r[5].text()?.to_string(),
                    value: r[6].text().and_then(|s| serde_json::from_str(s).ok()),
                })
            })
            .collect())
    }

    /// Find the parents of child records whose change set did not name them.
    fn resolve_parents(&mut self, g: &mut Group) -> Result<()> {
        let pending = std::mem::take(&mut g.pending);
        let mut by_kind: HashMap<Kind, Vec<(Id, String)>> = HashMap::new();
        for (kind, id, what) in pending {
            by_kind.entry(kind).or_default().push((id, what));
        }
        for (kind, children) in by_kind {
            let Some((parent_kind, col)) = parent_field(kind) else { continue };
            for chunk in children.chunks(500) {
                let ids: Vec<Val> = chunk.iter().map(|(id, _)| Val::from(*id)).collect();
                let rows = self.db().query(
                    &format!("SELECT id, {col} FROM {} WHERE id IN ({})", kind.table(), marks(ids.len())),
                    &ids,
                )?;
                let parents: HashMap<Id, Id> =
                    rows.iter().filter_map(|r| Some((id_of(&r[0])?, id_of(&r[1])?))).collect();
                for (id, what) in chunk {
                    if let Some(&parent) = parents.get(id) {
                        g.touch(parent_kind, parent, what.clone(), None);
                    }
                }
            }
        }
        Ok(())
    }

    fn entry(&mut self, g: Group) -> Result<ActivityEntry> {
        let mut records = Vec::new();
        for key in g.order.iter().take(RECORDS_SHOWN) {
            let t = &g.records[key];
            let (kind, id) = *key;
            let action = match t.deleted {
                Some(true) => "removed",
                _ => {
                    // Added when its first operation is in this change set.
                    let root = crate::apply::root_of(self.db(), kind, id)?;
                    let rows = self.db().query(
                        "SELECT min(hlc) FROM ops WHERE root = ? AND entity = ?",
                        &[Val::from(root), id.into()],
                    )?;
                    let first = rows.first().and_then(|r| r[0].int());
                    if first.is_some_and(|h| h >= g.last && h <= g.first) { "added" } else { "changed" }
                }
            };
            let fields = if action == "changed" { t.fields.clone() } else { Vec::new() };
            records.push(RecordChange { kind: kind.name(), id, label: self.label(id)?, action, fields });
        }
        let summary = match records.first() {
            None => "no change".to_string(),
            Some(r) => {
                let name = r.label.as_deref().map(|l| format!(" “{l}”")).unwrap_or_default();
                let what = if r.fields.is_empty() { String::new() } else { format!(" ({})", r.fields.join(", ")) };
                let more = match g.records.len() - 1 {
                    _ if g.truncated => " and more records".to_string(),
                    0 => String::new(),
                    1 => " and 1 more record".to_string(),
                    n => format!(" and {n} more records"),
                };
                format!("{} {}{name}{what}{more}", r.action, r.kind.replace('_', " "))
            }
        };
        Ok(ActivityEntry {
            actor: g.actor,
            at: Timestamp::from_millisecond(Hlc::from_i64(g.first).unix_ms() as i64).ok(),
            summary,
            records,
            record_count: g.records.len(),
            ops: g.ops,
            partial: g.truncated,
        })
    }
}
