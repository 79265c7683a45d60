//! Folding operations into the materialized tables.
//!
//! Each field of each record is a last-writer-wins register: the op with the greatest
//! (HLC, node, op id) among all ops for that (record, field) holds the value. Applying an op
//! appends it to `ops` (a duplicate op id is ignored) and, when it is now the winner of its
//! register, writes its value into the record's column. Because the winner is a maximum over a
//! set, the result does not depend on the order or repetition of the ops.
//!
//! A record op (field `*`) sets several registers at once and counts in each of them. A record
//! new to the database is written with one INSERT of the new ops' winning values; only a record
//! that exists already has its stored ops read to find which registers the new ops win.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use kith_core::schema::FieldType;
use kith_core::{Id, Kind, Op, RECORD};
use serde_json::Value;

use crate::Result;
use crate::backend::{Backend, Engine, Val};
use crate::query::rows_of;
use crate::{derived, search};

/// What applying a batch of operations did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ApplyReport {
    /// Operations new to this database.
    pub applied: usize,
    /// Operations it already had (re-sent or re-imported).
    pub duplicates: usize,
}

/// Apply `ops`. `stamped`: they were stamped just now by this store (`Store::commit`), so none
/// can be in the log already and they are appended without asking which are new.
pub(crate) fn apply(db: &mut dyn Backend, ops: &[Op], stamped: bool) -> Result<ApplyReport> {
    let mut report = ApplyReport::default();
    // Parents before children, so a new child finds its parent row already there.
    let mut groups: BTreeMap<(usize, Id), Vec<&Op>> = BTreeMap::new();
    for op in ops {
        let rank = Kind::ALL.iter().position(|k| *k == op.kind).unwrap_or(usize::MAX);
        groups.entry((rank, op.entity)).or_default().push(op);
    }
    let mut fresh_ids = append_ops(db, ops, stamped)?;
    // The records the new ops touch, in that order, each with the best new value per register
    // (a record op counts in each register it sets) and the records its new ops point at.
    let mut records: Vec<Touched<'_>> = Vec::with_capacity(groups.len());
    for ((_, entity), group) in groups {
        let kind = group[0].kind;
        let mut fresh = Vec::with_capacity(group.len());
        for op in group {
            if fresh_ids.as_mut().is_none_or(|ids| ids.remove(&op.id)) {
                fresh.push(op);
            } else {
                report.duplicates += 1;
            }
        }
        if fresh.is_empty() {
            continue;
        }
        report.applied += fresh.len();
        let mut winners: BTreeMap<&str, (&Op, &Value)> = BTreeMap::new();
        let mut refs = Vec::new();
        for &op in &fresh {
            for (field, value) in op.fields() {
                if let (Some(FieldType::Ref(target)), Value::String(s)) = (kind.field(field).map(|f| f.ty), value) {
                    refs.push((target, s.as_str()));
                }
                let slot = winners.entry(field).or_insert((op, value));
                if op.sort_key() > slot.0.sort_key() {
                    *slot = (op, value);
                }
            }
        }
        records.push(Touched { kind, entity, winners, refs });
    }
    let mut dirty: BTreeSet<(Kind, Id)> = BTreeSet::new();
    // The searchable record a new child belongs to, known from the row just written: saves
    // `search::reindex` a lookup per child.
    let mut owners: HashMap<Id, (Kind, Id)> = HashMap::new();
    // Rows this apply made or made sure of: a child pointing at them needs no check.
    let mut present: HashSet<(Kind, Id)> = HashSet::new();
    for run in records.chunk_by(|a, b| a.kind == b.kind) {
        let kind = run[0].kind;
        // Every record any new op points at gets a row, winner or not, so which rows exist does
        // not depend on the order the ops came in (a child's ops may come before its parent's).
        for rec in run {
            for &(target, s) in &rec.refs {
                let known = s.parse::<Id>().ok().map(|id| (target, id));
                if known.is_some_and(|k| present.contains(&k)) {
                    continue;
                }
                ensure_row(db, target, s)?;
                if let Some(k) = known {
                    present.insert(k);
                }
            }
        }
        // A record new to this database takes the new ops' values as they are: no stored op can
        // beat them (a row exists as soon as any op names or points at the record). New records
        // of one kind and one set of fields are written together, many rows a statement.
        let created = insert_new(db, kind, run)?;
        for rec in run {
            let entity = rec.entity;
            if created.contains(&entity) {
                let owner = match kind {
                    Kind::PersonItem => rec.winners.get("parent").map(|v| (Kind::Person, v.1)),
                    Kind::Role => rec.winners.get("person").map(|v| (Kind::Person, v.1)),
                    Kind::OrgItem => rec.winners.get("parent").map(|v| (Kind::Org, v.1)),
                    Kind::Exchange => rec.winners.get("interaction").map(|v| (Kind::Interaction, v.1)),
                    _ => None,
                };
                if let Some((k, Some(parent))) = owner.map(|(k, v)| (k, v.as_str().and_then(|s| s.parse::<Id>().ok())))
                {
                    owners.insert(entity, (k, parent));
                }
                present.insert((kind, entity));
                dirty.insert((kind, entity));
                continue;
            }
            if update_existing(db, rec)? {
                dirty.insert((kind, entity));
            }
        }
    }
    contact_times(db, &dirty)?;
    search::reindex(db, &dirty, &owners)?;
    derived::bump(db, &dirty)?;
    Ok(report)
}

/// A record that new ops touch: the best new value of each register they set, and the records
/// they point at.
struct Touched<'a> {
    kind: Kind,
    entity: Id,
    winners: BTreeMap<&'a str, (&'a Op, &'a Value)>,
    refs: Vec<(Kind, &'a str)>,
}

/// Insert the records of `run` (all of one kind) that have no row yet, with their new values;
/// returns those inserted. Records with the same fields share statements of up to 100 rows.
fn insert_new(db: &mut dyn Backend, kind: Kind, run: &[Touched<'_>]) -> Result<HashSet<Id>> {
    const ROWS: usize = 100;
    let mut by_fields: BTreeMap<Vec<&'static str>, Vec<&Touched<'_>>> = BTreeMap::new();
    for rec in run {
        let columns = rec.winners.keys().filter_map(|f| kind.field(f)).map(|def| def.name).collect();
        by_fields.entry(columns).or_default().push(rec);
    }
    let mut created = HashSet::with_capacity(run.len());
    let mut values = Vec::new();
    for (columns, recs) in by_fields {
        for chunk in recs.chunks(ROWS) {
            let mut sql = format!("{} {} (id", insert_into(db), kind.table());
            for c in &columns {
                sql.push_str(", ");
                sql.push_str(c);
            }
            sql.push_str(") VALUES ");
            sql.push_str(&rows_of(columns.len() + 1, chunk.len()));
            sql.push_str(" ON CONFLICT (id) DO NOTHING RETURNING id");
            values.clear();
            for rec in chunk {
                values.push(Val::from(rec.entity));
                for (field, (_, value)) in &rec.winners {
                    if let Some(def) = kind.field(field) {
                        values.push(to_val(def.ty, value));
                    }
                }
            }
            for r in db.query(&sql, &values)? {
                if let Some(id) = r[0].text().and_then(|s| s.parse::<Id>().ok()) {
                    created.insert(id);
                }
            }
        }
    }
    Ok(created)
}

/// Write the new values of a record that has a row already where a new op beats every stored op
/// of that register (the new ops are stored already, so "beats" is "is the greatest"); returns
/// whether anything was written.
fn update_existing(db: &mut dyn Backend, rec: &Touched<'_>) -> Result<bool> {
    let (kind, entity, winners) = (rec.kind, rec.entity, &rec.winners);
    let mut best: HashMap<&str, (i64, i64, String)> = HashMap::new();
    let stored = db.query("SELECT op_id, hlc, node, field, value FROM ops WHERE entity = ?", &[entity.into()])?;
    for r in &stored {
        let (Some(op_id), Some(hlc), Some(node), Some(field)) = (r[0].text(), r[1].int(), r[2].int(), r[3].text())
        else {
            continue;
        };
        let key = (hlc, node, op_id);
        let mut consider = |f: &str| {
            if let Some((name, _)) = winners.get_key_value(f) {
                let slot = best.entry(name).or_insert_with(|| (hlc, node, op_id.to_string()));
                if (slot.0, slot.1, slot.2.as_str()) < key {
                    *slot = (hlc, node, op_id.to_string());
                }
            }
        };
        if field == RECORD {
            let fields: serde_json::Map<String, Value> =
                r[4].text().and_then(|v| serde_json::from_str(v).ok()).unwrap_or_default();
            for f in fields.keys() {
                consider(f);
            }
        } else {
            consider(field);
        }
    }
    let mut sets = Vec::new();
    let mut values = Vec::new();
    for (field, (op, value)) in winners {
        let Some(def) = kind.field(field) else { continue };
        let wins = best
            .get(field)
            .is_none_or(|(hlc, node, id)| (*hlc, *node) == (op.hlc.as_i64(), op.node.0) && *id == op.id.to_string());
        if wins {
            sets.push(format!("{} = ?", def.name));
            values.push(to_val(def.ty, value));
        }
    }
    if sets.is_empty() {
        return Ok(false);
    }
    values.push(entity.into());
    db.execute(&format!("UPDATE {} SET {} WHERE id = ?", kind.table(), sets.join(", ")), &values)?;
    Ok(true)
}

/// `INSERT INTO` for a statement of many rows. On SQLite, `OR FAIL`: a statement that may stop
/// half-way with `ABORT` (the default for NOT NULL and other constraints) copies every page it
/// changes into a statement journal first, so that it can undo just itself; that copying was a
/// fifth of a bulk import (measured at 100,000 vCards). kith never continues a transaction after a
/// failed statement (it rolls the whole transaction back), so the statement's own undo is not
/// needed.
fn insert_into(db: &dyn Backend) -> &'static str {
    match db.engine() {
        Engine::Sqlite => "INSERT OR FAIL INTO",
        Engine::Postgres => "INSERT INTO",
    }
}

/// Append ops to the log, 100 rows per statement, and return the ids that were new (a duplicate
/// op id is skipped). Ops the store `stamped` just now are all new: nothing to skip or read back
/// (`None`).
fn append_ops(db: &mut dyn Backend, ops: &[Op], stamped: bool) -> Result<Option<HashSet<Id>>> {
    const ROWS: usize = 100;
    let mut fresh = (!stamped).then(|| HashSet::with_capacity(ops.len()));
    let mut params = Vec::with_capacity(ROWS * 8);
    for chunk in ops.chunks(ROWS) {
        let mut sql = format!(
            "{} ops (op_id, hlc, node, actor, kind, entity, field, value) VALUES {}",
            insert_into(db),
            rows_of(8, chunk.len())
        );
        params.clear();
        for op in chunk {
            params.extend([
                op.id.into(),
                Val::Int(op.hlc.as_i64()),
                Val::Int(op.node.0),
                Val::from(op.actor.as_str()),
                Val::from(op.kind.name()),
                op.entity.into(),
                Val::from(op.field.as_str()),
                Val::Text(op.value.to_string()),
            ]);
        }
        let Some(fresh) = fresh.as_mut() else {
            db.execute(&sql, &params)?;
            continue;
        };
        sql.push_str(" ON CONFLICT (op_id) DO NOTHING RETURNING op_id");
        for row in db.query(&sql, &params)? {
            if let Some(id) = row[0].text().and_then(|s| s.parse::<Id>().ok()) {
                fresh.insert(id);
            }
        }
    }
    Ok(fresh)
}

/// Keep the derived `participants.at` and `exchanges.at` (migration 0002) equal to the time of
/// the row's interaction while that interaction is live. They are recomputed from the current
/// rows, never from the ops at hand, so they end the same whatever order the ops came in.
fn contact_times(db: &mut dyn Backend, dirty: &BTreeSet<(Kind, Id)>) -> Result<()> {
    let set = |table: &str, filter: &str| {
        format!(
            "UPDATE {table} SET at = (SELECT i.occurred_at FROM interactions i
             WHERE i.id = {table}.interaction AND i.deleted = 0) WHERE {filter} = ?"
        )
    };
    for (kind, id) in dirty {
        let statements = match kind {
            Kind::Interaction => vec![set("participants", "interaction"), set("exchanges", "interaction")],
            Kind::Participant => vec![set("participants", "id")],
            Kind::Exchange => vec![set("exchanges", "id")],
            _ => continue,
        };
        for sql in statements {
            db.execute(&sql, &[Val::from(*id)])?;
        }
    }
    Ok(())
}

/// Make sure a referenced record has a row, so the foreign key holds even when a child's ops
/// arrive before its parent's. The parent's own ops fill the row in when they come.
fn ensure_row(db: &mut dyn Backend, kind: Kind, id: &str) -> Result<()> {
    db.execute(&format!("INSERT INTO {} (id) VALUES (?) ON CONFLICT (id) DO NOTHING", kind.table()), &[Val::from(id)])?;
    Ok(())
}

fn to_val(ty: FieldType, v: &Value) -> Val {
    match (ty, v) {
        (_, Value::Null) => Val::Null,
        (FieldType::Json, v) => Val::Text(v.to_string()),
        (_, Value::String(s)) => Val::Text(s.clone()),
        (_, Value::Bool(b)) => Val::Int(i64::from(*b)),
        (_, Value::Number(n)) => n.as_i64().map_or_else(|| Val::Text(n.to_string()), Val::Int),
        (_, other) => Val::Text(other.to_string()),
    }
}
