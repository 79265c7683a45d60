//! Folding operations into the materialized tables.
//!
//! Each field of each record is a last-writer-wins register: the op with the greatest
//! (HLC, node, op id) among all ops for that (record, field) holds the value. Applying an op
//! appends it to `ops` (a duplicate op id is ignored) and, when it is now the winner of its
//! register, writes its value into the record's column. Because the winner is a maximum over a
//! set, the result does not depend on the order or repetition of the ops.

use std::collections::{BTreeMap, BTreeSet};

use kith_core::schema::FieldType;
use kith_core::{Id, Kind, Op};
use serde_json::Value;

use crate::Result;
use crate::backend::{Backend, Val};
use crate::{derived, search};

/// What applying a batch of operations did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ApplyReport {
    /// Operations new to this database.
    pub applied: usize,
    /// Operations it already had (re-sent or re-imported).
    pub duplicates: usize,
}

pub(crate) fn apply(db: &mut dyn Backend, ops: &[Op]) -> Result<ApplyReport> {
    let mut report = ApplyReport::default();
    // Parents before children, so a new child finds its parent row already there.
    let mut groups: BTreeMap<(usize, Id), Vec<&Op>> = BTreeMap::new();
    for op in ops {
        let rank = Kind::ALL.iter().position(|k| *k == op.kind).unwrap_or(usize::MAX);
        groups.entry((rank, op.entity)).or_default().push(op);
    }
    let mut dirty: BTreeSet<(Kind, Id)> = BTreeSet::new();
    for ((_, entity), group) in groups {
        let kind = group[0].kind;
        let mut fresh = Vec::with_capacity(group.len());
        for op in group {
            let n = db.execute(
                "INSERT INTO ops (op_id, hlc, node, actor, kind, entity, field, value)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (op_id) DO NOTHING",
                &[
                    op.id.into(),
                    Val::Int(op.hlc.as_i64()),
                    Val::Int(op.node.0),
                    Val::from(op.actor.as_str()),
                    Val::from(kind.name()),
                    entity.into(),
                    Val::from(op.field.as_str()),
                    Val::Text(op.value.to_string()),
                ],
            )?;
            if n == 1 {
                fresh.push(op);
            } else {
                report.duplicates += 1;
            }
        }
        if fresh.is_empty() {
            continue;
        }
        report.applied += fresh.len();
        // Every record any new op points at gets a row, winner or not, so which rows exist does
        // not depend on the order the ops came in.
        for op in &fresh {
            if let (Some(FieldType::Ref(target)), Value::String(s)) = (kind.field(&op.field).map(|f| f.ty), &op.value) {
                ensure_row(db, target, s)?;
            }
        }

        // The best new op per field.
        let mut winners: BTreeMap<&str, &Op> = BTreeMap::new();
        for op in fresh {
            let slot = winners.entry(op.field.as_str()).or_insert(op);
            if op.sort_key() > slot.sort_key() {
                *slot = op;
            }
        }
        let table = kind.table();
        let exists = !db.query(&format!("SELECT 1 FROM {table} WHERE id = ?"), &[entity.into()])?.is_empty();
        if exists {
            // Keep only the fields where a new op beats everything already stored.
            let mut keep = BTreeMap::new();
            for (field, op) in winners {
                let best = db.query(
                    "SELECT op_id FROM ops WHERE entity = ? AND field = ?
                     ORDER BY hlc DESC, node DESC, op_id DESC LIMIT 1",
                    &[entity.into(), Val::from(field)],
                )?;
                if best.first().and_then(|r| r[0].text()) == Some(op.id.to_string().as_str()) {
                    keep.insert(field, op);
                }
            }
            winners = keep;
        }
        let mut columns = Vec::with_capacity(winners.len());
        let mut values = Vec::with_capacity(winners.len() + 1);
        for (field, op) in &winners {
            let Some(def) = kind.field(field) else { continue };
            columns.push(*field);
            values.push(to_val(def.ty, &op.value));
        }
        if exists {
            if !columns.is_empty() {
                let sets: Vec<String> = columns.iter().map(|c| format!("{c} = ?")).collect();
                values.push(entity.into());
                db.execute(&format!("UPDATE {table} SET {} WHERE id = ?", sets.join(", ")), &values)?;
            }
        } else {
            let mut sql = format!("INSERT INTO {table} (id");
            for c in &columns {
                sql.push_str(", ");
                sql.push_str(c);
            }
            sql.push_str(") VALUES (?");
            sql.push_str(&", ?".repeat(columns.len()));
            sql.push(')');
            values.insert(0, entity.into());
            db.execute(&sql, &values)?;
        }
        if !columns.is_empty() {
            dirty.insert((kind, entity));
        }
    }
    contact_times(db, &dirty)?;
    search::reindex(db, &dirty)?;
    derived::bump(db, &dirty)?;
    Ok(report)
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
