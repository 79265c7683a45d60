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
//!
//! The log is filed by owner: every op is under its record's root (`ops.root`, see [`root_of`]),
//! the owner that the record's row names or else the record itself.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use kith_core::schema::FieldType;
use kith_core::{Id, Kind, Op, RECORD};
use serde_json::Value;

use crate::Result;
use crate::backend::{Arg, ArgBuf, Backend, Engine, Val};
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
/// can be in the log already and they are appended without asking which are new. `values`: the
/// ops' values as JSON, in order, when the caller wrote them already (see [`crate::Prepared`]).
pub(crate) fn apply(db: &mut dyn Backend, ops: &[Op], stamped: bool, values: Option<&[String]>) -> Result<ApplyReport> {
    let mut report = ApplyReport::default();
    // Parents before children, so a new child finds its parent row already there.
    let mut groups: BTreeMap<(usize, Id), Vec<&Op>> = BTreeMap::new();
    for op in ops {
        let rank = Kind::ALL.iter().position(|k| *k == op.kind).unwrap_or(usize::MAX);
        groups.entry((rank, op.entity)).or_default().push(op);
    }
    // The root each record's new ops are filed under: for a new record, the owner its new ops
    // name (its row will say so); a stored record's is checked once its row is read.
    let mut guessed: HashMap<Id, &str> = HashMap::new();
    for ((_, entity), group) in &groups {
        let Some((field, _)) = group[0].kind.owner() else { continue };
        let mut best: Option<(&Op, &Value)> = None;
        for &op in group {
            if let Some((_, value)) = op.fields().find(|(f, _)| *f == field)
                && best.is_none_or(|(b, _)| op.sort_key() > b.sort_key())
            {
                best = Some((op, value));
            }
        }
        if let Some((_, Value::String(owner))) = best {
            guessed.insert(*entity, owner.as_str());
        }
    }
    let mut fresh_ids = append_ops(db, ops, stamped, values, &guessed)?;
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
        records.push(Touched { kind, entity, winners, refs, inserted: false });
    }
    let mut dirty: BTreeSet<(Kind, Id)> = BTreeSet::new();
    // The searchable record a new child belongs to, known from the row just written: saves
    // `search::reindex` a lookup per child.
    let mut owners: HashMap<Id, (Kind, Id)> = HashMap::new();
    // Rows this apply made or made sure of: a child pointing at them needs no check.
    let mut present: HashSet<(Kind, Id)> = HashSet::new();
    // The searchable records that children of this apply moved away from.
    let mut moved_from: Vec<(Kind, Id)> = Vec::new();
    for run in records.chunk_by_mut(|a, b| a.kind == b.kind) {
        let kind = run[0].kind;
        // Every record any new op points at gets a row, winner or not, so which rows exist does
        // not depend on the order the ops came in (a child's ops may come before its parent's).
        for rec in run.iter() {
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
        for rec in run.iter_mut() {
            let entity = rec.entity;
            if created.contains(&entity) {
                rec.inserted = true;
                if let Some((field, k)) = search::in_owner_document(kind)
                    && let Some(parent) = rec.winners.get(field).and_then(|v| v.1.as_str()?.parse::<Id>().ok())
                {
                    owners.insert(entity, (k, parent));
                }
                present.insert((kind, entity));
                dirty.insert((kind, entity));
                continue;
            }
            // The ops of a stored record are all filed under its root (see `root_of`), the new
            // ones too once the guess is put right; they move with the record to a new owner.
            let root = root_of(db, kind, entity)?;
            // A child moved to another parent (an email or a role moved to another person):
            // the parent it leaves, which the root names, has a search document to refresh too.
            if let Some((field, k)) = search::in_owner_document(kind)
                && rec.winners.contains_key(field)
                && root != entity.to_string()
                && let Ok(old) = root.parse::<Id>()
            {
                moved_from.push((k, old));
            }
            let filed = guessed.get(&entity).map_or_else(|| Cow::Owned(entity.to_string()), |&s| Cow::Borrowed(s));
            if filed != root {
                refile(db, entity, &filed, &root)?;
            }
            let written = update_existing(db, rec, &root)?;
            if let Some((field, _)) = kind.owner()
                && written.contains(&field)
            {
                let owner = rec.winners.get(field).and_then(|(_, v)| v.as_str());
                let moved = owner.map_or_else(|| Cow::Owned(entity.to_string()), Cow::Borrowed);
                if moved != root {
                    refile(db, entity, &root, &moved)?;
                }
            }
            if !written.is_empty() {
                dirty.insert((kind, entity));
            }
        }
    }
    contact_times(db, &dirty)?;
    let known = new_people_docs(db, &records)?;
    if moved_from.is_empty() {
        search::reindex(db, &dirty, &owners, known)?;
    } else {
        let mut docs = dirty.clone();
        docs.extend(moved_from);
        search::reindex(db, &docs, &owners, known)?;
    }
    derived::bump(db, &dirty)?;
    Ok(report)
}

/// The search documents of the people this apply inserted, built from the records in memory
/// rather than read back from the rows just written (that read was a sixth of a bulk import).
/// The text is what `search::person_documents` reads from the database: a person inserted now
/// had no row before, so no stored child can point at it (a child's apply makes its parent's row);
/// its children are the items and roles inserted now. A person that a child *updated* in this
/// apply points at is left out, and read back as before. Organization names come from the orgs
/// inserted now, else from the database.
fn new_people_docs<'a>(db: &mut dyn Backend, records: &[Touched<'a>]) -> Result<HashMap<Id, search::Doc>> {
    /// A field's text, borrowed from the ops where it is a string as it stands (most of it).
    type Text<'a> = Option<Cow<'a, str>>;
    struct Parts<'a> {
        title: Text<'a>,
        fields: Vec<Cow<'a, str>>,
        /// (kind, value) of live items.
        items: Vec<(Text<'a>, Text<'a>)>,
        /// (role id, org, title) of live roles.
        roles: Vec<(Id, Option<Id>, Text<'a>)>,
        deleted: bool,
    }
    let text = |rec: &Touched<'a>, field: &str| -> Text<'a> {
        let &(_, value) = rec.winners.get(field)?;
        let def = rec.kind.field(field)?;
        match value {
            // As `to_val` gives it, without the copy.
            Value::String(s) if !matches!(def.ty, FieldType::Json) => Some(Cow::Borrowed(s.as_str())),
            _ => to_val(def.ty, value).into_text().map(Cow::Owned),
        }
    };
    let live =
        |rec: &Touched<'_>| rec.winners.get("deleted").is_none_or(|(_, v)| to_val(FieldType::Bool, v).int() == Some(0));
    let points_at = |rec: &Touched<'_>, field: &str| -> Option<Id> {
        rec.winners.get(field).and_then(|(_, v)| v.as_str()).and_then(|s| s.parse().ok())
    };
    let mut people: HashMap<Id, Parts<'a>> = HashMap::new();
    let mut orgs: HashMap<Id, Text<'a>> = HashMap::new();
    for rec in records {
        match (rec.kind, rec.inserted) {
            (Kind::Person, true) => {
                let fields = ["given_name", "family_name", "met_how", "met_where", "notes", "pitch"]
                    .iter()
                    .filter_map(|f| text(rec, f))
                    .collect();
                people.insert(
                    rec.entity,
                    Parts {
                        title: text(rec, "display_name"),
                        fields,
                        items: Vec::new(),
                        roles: Vec::new(),
                        deleted: !live(rec),
                    },
                );
            }
            (Kind::Org, true) => {
                orgs.insert(rec.entity, text(rec, "name"));
            }
            _ => {}
        }
    }
    if people.is_empty() {
        return Ok(HashMap::new());
    }
    let mut unknown: HashSet<Id> = HashSet::new();
    for rec in records {
        let new = rec.inserted;
        let parent = match rec.kind {
            Kind::PersonItem => points_at(rec, "parent"),
            Kind::Role => points_at(rec, "person"),
            _ => continue,
        };
        let Some(parent) = parent else { continue };
        if !new {
            // An existing child moved to this person: read the person back.
            unknown.insert(parent);
            continue;
        }
        let Some(p) = people.get_mut(&parent) else { continue };
        if !live(rec) {
            continue;
        }
        match rec.kind {
            Kind::PersonItem => p.items.push((text(rec, "kind"), text(rec, "value"))),
            _ => p.roles.push((rec.entity, points_at(rec, "org"), text(rec, "title"))),
        }
    }
    // The names of the other organizations the new roles point at, from the database.
    let mut stored: Vec<Id> =
        people.values().flat_map(|p| p.roles.iter().filter_map(|r| r.1)).filter(|o| !orgs.contains_key(o)).collect();
    stored.sort_unstable();
    stored.dedup();
    for chunk in stored.chunks(500) {
        let params: Vec<Val> = chunk.iter().map(|&id| Val::from(id)).collect();
        let sql = format!("SELECT id, name FROM orgs WHERE id IN ({})", crate::query::marks(chunk.len()));
        for mut r in db.query(&sql, &params)? {
            if let Some(id) = r[0].text().and_then(|s| s.parse::<Id>().ok()) {
                orgs.insert(id, std::mem::replace(&mut r[1], Val::Null).into_text().map(Cow::Owned));
            }
        }
    }
    // `ORDER BY kind, value`: text byte-wise (`COLLATE "C"` in PostgreSQL), NULL first in SQLite
    // and last in PostgreSQL.
    let nulls_first = db.engine() == Engine::Sqlite;
    fn key<'k>(s: &'k Text<'_>, nulls_first: bool) -> (bool, Option<&'k [u8]>) {
        (s.is_some() == nulls_first, s.as_deref().map(str::as_bytes))
    }
    let mut docs = HashMap::with_capacity(people.len());
    for (id, mut p) in people {
        if unknown.contains(&id) {
            continue;
        }
        if p.deleted {
            docs.insert(id, None);
            continue;
        }
        p.items.sort_by(|a, b| {
            (key(&a.0, nulls_first), key(&a.1, nulls_first)).cmp(&(key(&b.0, nulls_first), key(&b.1, nulls_first)))
        });
        p.roles.sort_by_key(|r| r.0);
        let mut body = p.fields;
        body.extend(p.items.into_iter().filter_map(|(_, value)| value));
        for (_, org, title) in p.roles {
            body.extend(org.and_then(|o| orgs.get(&o).cloned().flatten()));
            body.extend(title);
        }
        body.retain(|s| !s.is_empty());
        let title = p.title.map(Cow::into_owned).unwrap_or_default();
        let doc = (!title.is_empty() || !body.is_empty()).then(|| (title, body.join("\n")));
        docs.insert(id, doc);
    }
    Ok(docs)
}

/// A record that new ops touch: the best new value of each register they set, and the records
/// they point at.
struct Touched<'a> {
    kind: Kind,
    entity: Id,
    winners: BTreeMap<&'a str, (&'a Op, &'a Value)>,
    refs: Vec<(Kind, &'a str)>,
    /// This apply inserted its row: it holds exactly the winners' values.
    inserted: bool,
}

/// Insert the records of `run` (all of one kind) that have no row yet, with their new values;
/// returns those inserted. Records with the same fields share statements of up to 100 rows.
///
/// Every touched record goes through this insert, stored or not, and that matters on
/// PostgreSQL: there the insert of a row that another transaction has inserted or changed waits
/// for that transaction to end, so a record's stored ops are read only once every earlier writer
/// of the record has committed (`concurrent_writers_keep_the_later_op` in the conformance tests).
fn insert_new(db: &mut dyn Backend, kind: Kind, run: &[Touched<'_>]) -> Result<HashSet<Id>> {
    const ROWS: usize = 100;
    let mut by_fields: BTreeMap<Vec<&'static str>, Vec<&Touched<'_>>> = BTreeMap::new();
    for rec in run {
        let columns = rec.winners.keys().filter_map(|f| kind.field(f)).map(|def| def.name).collect();
        by_fields.entry(columns).or_default().push(rec);
    }
    let mut created = HashSet::with_capacity(run.len());
    let mut buf = ArgBuf::default();
    for (columns, recs) in by_fields {
        for chunk in recs.chunks(ROWS) {
            let mut sql = format!("{} {} (id", insert_into(db), kind.table());
            for c in &columns {
                sql.push_str(", ");
                sql.push_str(c);
            }
            sql.push_str(") VALUES ");
            sql.push_str(&crate::query::rows_of(columns.len() + 1, chunk.len()));
            sql.push_str(" ON CONFLICT (id) DO NOTHING");
            buf.clear();
            for rec in chunk {
                buf.id(rec.entity);
                for (field, (_, value)) in &rec.winners {
                    if let Some(def) = kind.field(field) {
                        push_value(&mut buf, def.ty, value);
                    }
                }
            }
            let values = buf.args()?;
            if db.engine() == Engine::Postgres {
                sql.push_str(" RETURNING id");
                for r in db.query_args(&sql, &values)? {
                    if let Some(id) = r[0].text().and_then(|s| s.parse::<Id>().ok()) {
                        created.insert(id);
                    }
                }
                continue;
            }
            // SQLite: no RETURNING (its rows are collected in a temporary table and read back, a
            // string and an id parse each). The count of inserted rows says whether all are new,
            // as in a bulk load; if not, the rows this statement inserted are the table's last
            // ones, since each new row takes the greatest rowid plus one.
            let inserted = db.execute_args(&sql, &values)? as usize;
            if inserted == chunk.len() {
                created.extend(chunk.iter().map(|rec| rec.entity));
            } else if inserted > 0 {
                let last = db.query(
                    &format!("SELECT id FROM {} ORDER BY rowid DESC LIMIT ?", kind.table()),
                    &[Val::Int(inserted as i64)],
                )?;
                for r in last {
                    let id = r[0].text().and_then(|s| s.parse::<Id>().ok());
                    match id.filter(|id| chunk.iter().any(|rec| rec.entity == *id)) {
                        Some(id) => created.insert(id),
                        None => {
                            return Err(crate::Error::Database(format!(
                                "the rows just inserted into {} are not the last ones",
                                kind.table()
                            )));
                        }
                    };
                }
            }
        }
    }
    Ok(created)
}

/// Write the new values of a record that has a row already where a new op beats every stored op
/// of that register (the new ops are stored already, so "beats" is "is the greatest"); returns
/// the columns written. `root`: where the record's ops are filed.
fn update_existing(db: &mut dyn Backend, rec: &Touched<'_>, root: &str) -> Result<Vec<&'static str>> {
    let (kind, entity, winners) = (rec.kind, rec.entity, &rec.winners);
    let mut best: HashMap<&str, (i64, i64, String)> = HashMap::new();
    let stored = db.query(
        "SELECT op_id, hlc, node, field, value FROM ops WHERE root = ? AND entity = ?",
        &[Val::from(root), entity.into()],
    )?;
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
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for (field, (op, value)) in winners {
        let Some(def) = kind.field(field) else { continue };
        let wins = best
            .get(field)
            .is_none_or(|(hlc, node, id)| (*hlc, *node) == (op.hlc.as_i64(), op.node.0) && *id == op.id.to_string());
        if wins {
            columns.push(def.name);
            values.push(to_val(def.ty, value));
        }
    }
    if columns.is_empty() {
        return Ok(columns);
    }
    values.push(entity.into());
    let sets: Vec<String> = columns.iter().map(|c| format!("{c} = ?")).collect();
    db.execute(&format!("UPDATE {} SET {} WHERE id = ?", kind.table(), sets.join(", ")), &values)?;
    Ok(columns)
}

/// Where the ops of a stored record are filed (`ops.root`): the owner its row names
/// (`Kind::owner`), as the row holds it, or the record itself. Every op of a record is filed
/// there, whatever order its ops came in: `apply` moves them when the owner changes.
pub(crate) fn root_of(db: &mut dyn Backend, kind: Kind, id: Id) -> Result<String> {
    if let Some((field, _)) = kind.owner() {
        let rows = db.query(&format!("SELECT {field} FROM {} WHERE id = ?", kind.table()), &[id.into()])?;
        if let Some(owner) = rows.into_iter().next().and_then(|r| r.into_iter().next()).and_then(Val::into_text) {
            return Ok(owner);
        }
    }
    Ok(id.to_string())
}

/// See [`crate::Store::misfiled_ops`].
pub(crate) fn misfiled_ops(db: &mut dyn Backend) -> Result<Vec<(String, String, Option<String>)>> {
    let mut sql = "SELECT o.kind, o.entity, o.root FROM ops o WHERE o.root IS NULL".to_string();
    let mut owned = Vec::new();
    for kind in Kind::ALL {
        let name = kind.name();
        match kind.owner() {
            Some((field, _)) => {
                owned.push(format!("'{name}'"));
                sql.push_str(&format!(
                    " UNION ALL SELECT o.kind, o.entity, o.root FROM ops o JOIN {} t ON t.id = o.entity
                     WHERE o.kind = '{name}' AND o.root <> coalesce(t.{field}, t.id)",
                    kind.table()
                ));
            }
            None => continue,
        }
    }
    sql.push_str(&format!(
        " UNION ALL SELECT kind, entity, root FROM ops WHERE kind NOT IN ({}) AND root <> entity",
        owned.join(", ")
    ));
    let rows = db.query(&sql, &[])?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut r = r.into_iter().map(Val::into_text);
            (r.next().flatten().unwrap_or_default(), r.next().flatten().unwrap_or_default(), r.next().flatten())
        })
        .collect())
}

/// File the ops of `entity` that are under `from` under `to`.
fn refile(db: &mut dyn Backend, entity: Id, from: &str, to: &str) -> Result<()> {
    db.execute(
        "UPDATE ops SET root = ? WHERE root = ? AND entity = ?",
        &[Val::from(to), Val::from(from), entity.into()],
    )?;
    Ok(())
}

/// The ops of any records (of any kinds), `columns` of each, in no particular order: read by
/// the records' roots, so through the `ops_root` index.
pub(crate) fn ops_of(db: &mut dyn Backend, ids: &[Id], columns: &str) -> Result<Vec<Vec<Val>>> {
    let all: Vec<Val> = ids.iter().map(|&id| id.into()).collect();
    let ids: HashSet<Id> = ids.iter().copied().collect();
    let mut roots: BTreeSet<String> = ids.iter().map(Id::to_string).collect();
    for kind in Kind::ALL {
        let Some((field, _)) = kind.owner() else { continue };
        for chunk in all.chunks(500) {
            let sql = format!(
                "SELECT {field} FROM {} WHERE {field} IS NOT NULL AND id IN ({})",
                kind.table(),
                crate::query::marks(chunk.len())
            );
            roots.extend(db.query(&sql, chunk)?.into_iter().filter_map(|r| r.into_iter().next()?.into_text()));
        }
    }
    let roots: Vec<Val> = roots.into_iter().map(Val::Text).collect();
    let mut out = Vec::new();
    for chunk in roots.chunks(500) {
        let sql = format!("SELECT {columns}, entity FROM ops WHERE root IN ({})", crate::query::marks(chunk.len()));
        for mut row in db.query(&sql, chunk)? {
            let entity = row.pop().and_then(Val::into_text).and_then(|s| s.parse::<Id>().ok());
            if entity.is_some_and(|id| ids.contains(&id)) {
                out.push(row);
            }
        }
    }
    Ok(out)
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

/// Append ops to the log, 100 rows per statement, each under its record's root in `roots` or
/// else under its record, and return the ids that were new (a duplicate op id is skipped). Ops
/// the store `stamped` just now are all new: nothing to skip or read back (`None`).
fn append_ops(
    db: &mut dyn Backend,
    ops: &[Op],
    stamped: bool,
    values: Option<&[String]>,
    roots: &HashMap<Id, &str>,
) -> Result<Option<HashSet<Id>>> {
    const ROWS: usize = 100;
    let mut fresh = (!stamped).then(|| HashSet::with_capacity(ops.len()));
    let mut buf = ArgBuf::default();
    let mut values = values.map(|v| v.iter());
    for chunk in ops.chunks(ROWS) {
        let mut sql = format!(
            "{} ops (op_id, hlc, node, actor, kind, entity, root, field, value) VALUES {}",
            insert_into(db),
            crate::query::rows_of(9, chunk.len())
        );
        buf.clear();
        for op in chunk {
            buf.id(op.id);
            buf.push(Arg::Int(op.hlc.as_i64()));
            buf.push(Arg::Int(op.node.0));
            buf.push(Arg::Text(&op.actor));
            buf.push(Arg::Text(op.kind.name()));
            buf.id(op.entity);
            match roots.get(&op.entity) {
                Some(root) => buf.push(Arg::Text(root)),
                None => buf.id(op.entity),
            }
            buf.push(Arg::Text(&op.field));
            match values.as_mut().and_then(Iterator::next) {
                Some(json) => buf.push(Arg::Text(json)),
                None => buf.json(&op.value),
            }
        }
        let params = buf.args()?;
        let Some(fresh) = fresh.as_mut() else {
            db.execute_args(&sql, &params)?;
            continue;
        };
        sql.push_str(" ON CONFLICT (op_id) DO NOTHING RETURNING op_id");
        for row in db.query_args(&sql, &params)? {
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

/// A value's compact JSON, as its `Display` writes it (the op log's `value` column), but
/// serialized into a byte buffer directly: `to_string()` goes through `fmt::Write` one piece at a
/// time, which made the op values' JSON about 4% of a bulk import's instructions.
pub(crate) fn json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| v.to_string())
}

/// `to_val`, into a statement's [`ArgBuf`]: strings borrowed, JSON written into its buffer.
fn push_value<'a>(buf: &mut ArgBuf<'a>, ty: FieldType, v: &'a Value) {
    match (ty, v) {
        (_, Value::Null) => buf.push(Arg::Null),
        (FieldType::Json, v) => buf.json(v),
        (_, Value::String(s)) => buf.push(Arg::Text(s)),
        (_, Value::Bool(b)) => buf.push(Arg::Int(i64::from(*b))),
        (_, Value::Number(n)) => match n.as_i64() {
            Some(i) => buf.push(Arg::Int(i)),
            None => buf.copy(&n.to_string()),
        },
        (_, other) => buf.json(other),
    }
}

fn to_val(ty: FieldType, v: &Value) -> Val {
    match (ty, v) {
        (_, Value::Null) => Val::Null,
        (FieldType::Json, v) => Val::Text(json(v)),
        (_, Value::String(s)) => Val::Text(s.clone()),
        (_, Value::Bool(b)) => Val::Int(i64::from(*b)),
        (_, Value::Number(n)) => n.as_i64().map_or_else(|| Val::Text(n.to_string()), Val::Int),
        (_, other) => Val::Text(json(other)),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    /// Op values are replicated data: the bytes in the op log must stay what `Display` wrote.
    #[test]
    fn op_values_are_written_as_display_writes_them() {
        let values = [
            json!({"display_name": "Zoë \"Z\" O'Neil", "notes": "line\nnext\ttab \u{1} \\ /", "pref": 1, "deleted": false}),
            json!({"b": null, "a": [1, 2.5, -3], "c": {"x": "😀 \u{7f} \u{2028}"}}),
            json!("plain"),
            json!(12345678901234_i64),
            json!(0.1),
            json!(null),
            Value::from(f64::NAN),
        ];
        for v in values {
            assert_eq!(super::json(&v), v.to_string());
        }
    }
}
