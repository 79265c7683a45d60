//! Operations: the only way state changes.
//!
//! A command (CLI, web form, API call, import, sync) turns into a [`ChangeSet`]; stamping it
//! gives [`Op`]s with an id, a hybrid-logical-clock timestamp and the node that made them; the
//! store appends them to the op log and folds them into the materialized tables in one
//! transaction. An `Op` is also the wire format for sync: its serde form (JSON, field names as
//! below) is stable.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hlc::{Clock, Hlc};
use crate::id::Id;
use crate::schema::Kind;

/// A device or server replica. Random, fixed for the life of a database.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub i64);

impl NodeId {
    /// A node id from 8 random bytes, kept positive so it sorts the same in every engine.
    pub fn from_random(bytes: [u8; 8]) -> NodeId {
        NodeId((u64::from_le_bytes(bytes) >> 1) as i64)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({self})")
    }
}

/// The `field` of a *record op*: one op that sets several registers of one record at once. Its
/// `value` is a JSON object from field name to value (`{"display_name": "Ann", "tier": "A"}`).
/// For last-writer-wins it counts as one op in each register it names: a register's winner is
/// the greatest (HLC, node, op id) among the ops that set that field, record ops included.
pub const RECORD: &str = "*";

/// One field of one record set to one value (or, for a record op, several fields of one record
/// set at once), at one moment, by one node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// Unique per operation; applying an op twice is a no-op.
    pub id: Id,
    pub hlc: Hlc,
    pub node: NodeId,
    /// Who made the change (a user name or account id), for history and audit.
    pub actor: String,
    pub kind: Kind,
    pub entity: Id,
    /// The field set, or [`RECORD`] for a record op.
    pub field: String,
    /// The new value; `null` clears the field. For a record op, an object of field → value.
    pub value: Value,
}

impl Op {
    /// Last-writer-wins order: the later (HLC, node, op id) wins a register.
    pub fn sort_key(&self) -> (Hlc, NodeId, Id) {
        (self.hlc, self.node, self.id)
    }

    /// Whether this op sets several fields at once (see [`RECORD`]).
    pub fn is_record(&self) -> bool {
        self.field == RECORD
    }

    /// The registers this op sets: its one field, or every field of a record op.
    pub fn fields(&self) -> Fields<'_> {
        match (&self.value, self.is_record()) {
            (Value::Object(map), true) => Fields::Many(map.iter()),
            _ => Fields::One(Some((self.field.as_str(), &self.value))),
        }
    }

    /// The value this op sets for `field`, if it sets that register.
    pub fn value_of(&self, field: &str) -> Option<&Value> {
        if self.is_record() { self.value.get(field) } else { (self.field == field).then_some(&self.value) }
    }

    /// Check that the op names known fields with values of the right type.
    pub fn check(&self) -> Result<(), OpError> {
        if self.is_record() {
            let Value::Object(map) = &self.value else {
                return Err(OpError::BadRecord { kind: self.kind, value: self.value.to_string() });
            };
            if map.is_empty() {
                return Err(OpError::BadRecord { kind: self.kind, value: self.value.to_string() });
            }
        }
        for (name, value) in self.fields() {
            let field = self
                .kind
                .field(name)
                .ok_or_else(|| OpError::UnknownField { kind: self.kind, field: name.to_string() })?;
            if !field.ty.accepts(value) {
                return Err(OpError::BadValue { kind: self.kind, field: name.to_string(), value: value.to_string() });
            }
        }
        Ok(())
    }
}

/// The (field, value) pairs an op sets: see [`Op::fields`].
pub enum Fields<'a> {
    One(Option<(&'a str, &'a Value)>),
    Many(serde_json::map::Iter<'a>),
}

impl<'a> Iterator for Fields<'a> {
    type Item = (&'a str, &'a Value);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Fields::One(one) => one.take(),
            Fields::Many(it) => it.next().map(|(k, v)| (k.as_str(), v)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpError {
    /// The op names a field its kind does not have.
    #[error("a {} has no field `{field}`", kind.name())]
    UnknownField { kind: Kind, field: String },
    /// The op's value has the wrong type for its field.
    #[error("`{value}` is not a valid value for {}.{field}", kind.name())]
    BadValue { kind: Kind, field: String, value: String },
    /// A record op whose value is not a non-empty object of fields.
    #[error("a {} record op needs an object of fields, not `{value}`", kind.name())]
    BadRecord { kind: Kind, value: String },
}

/// Changes a command wants to make, before they are stamped into operations.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ChangeSet {
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: Kind,
    pub entity: Id,
    pub field: &'static str,
    pub value: Value,
}

impl ChangeSet {
    pub fn new() -> ChangeSet {
        ChangeSet::default()
    }

    /// Set one field. `None`-like values should be passed as `Value::Null` to clear a field.
    pub fn set(&mut self, kind: Kind, entity: Id, field: &'static str, value: impl Into<Value>) {
        debug_assert!(kind.field(field).is_some(), "{}.{field} is not in the schema", kind.name());
        self.changes.push(Change { kind, entity, field, value: value.into() });
    }

    /// Set a field only when there is a value: for optional inputs of a new record.
    pub fn set_opt<V: Into<Value>>(&mut self, kind: Kind, entity: Id, field: &'static str, value: Option<V>) {
        if let Some(v) = value {
            self.set(kind, entity, field, v);
        }
    }

    /// Mark a record deleted (a tombstone), or bring it back.
    pub fn delete(&mut self, kind: Kind, entity: Id, deleted: bool) {
        self.set(kind, entity, "deleted", deleted);
    }

    /// Set several fields of one record in one record op (see [`RECORD`]): for new records and
    /// bulk writes, where one op per field would cost one op-log row per field.
    pub fn set_record(&mut self, kind: Kind, entity: Id, fields: serde_json::Map<String, Value>) {
        debug_assert!(
            fields.keys().all(|f| kind.field(f).is_some()),
            "a field of {} is not in the schema",
            kind.name()
        );
        match fields.len() {
            0 => {}
            1 => {
                let Some((f, v)) = fields.into_iter().next() else { return };
                if let Some(field) = kind.field(&f) {
                    self.changes.push(Change { kind, entity, field: field.name, value: v });
                }
            }
            _ => self.changes.push(Change { kind, entity, field: RECORD, value: Value::Object(fields) }),
        }
    }

    /// Fold the changes of each record into one record op (a single change stays as it is). The
    /// order of records is kept (first change of each), and within a record a later change of a
    /// field replaces an earlier one, as its later timestamp would have.
    pub fn into_records(self) -> ChangeSet {
        let mut order: Vec<(Kind, Id)> = Vec::new();
        let mut by: foldhash::HashMap<(Kind, Id), serde_json::Map<String, Value>> = foldhash::HashMap::default();
        for c in self.changes {
            let key = (c.kind, c.entity);
            let map = by.entry(key).or_insert_with(|| {
                order.push(key);
                serde_json::Map::new()
            });
            if c.field == RECORD {
                if let Value::Object(m) = c.value {
                    map.extend(m);
                }
            } else {
                map.insert(c.field.to_string(), c.value);
            }
        }
        let mut out = ChangeSet::new();
        for key in order {
            if let Some(fields) = by.remove(&key) {
                out.set_record(key.0, key.1, fields);
            }
        }
        out
    }

    pub fn extend(&mut self, other: ChangeSet) {
        self.changes.extend(other.changes);
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// Turn the changes into operations with consecutive timestamps from `clock`.
    pub fn stamp(self, stamper: &mut Stamper<'_>) -> Vec<Op> {
        self.changes
            .into_iter()
            .map(|c| {
                let hlc = stamper.clock.tick(stamper.wall_ms);
                Op {
                    id: Id::v7(hlc.unix_ms(), (stamper.random)()),
                    hlc,
                    node: stamper.node,
                    actor: stamper.actor.to_string(),
                    kind: c.kind,
                    entity: c.entity,
                    field: c.field.to_string(),
                    value: c.value,
                }
            })
            .collect()
    }
}

/// What stamping needs from the outside world: the clock reading, the node, who acts, and
/// randomness for op ids. The store's caller supplies them so this crate stays free of IO.
pub struct Stamper<'a> {
    pub clock: &'a mut Clock,
    pub wall_ms: u64,
    pub node: NodeId,
    pub actor: &'a str,
    pub random: &'a mut dyn FnMut() -> [u8; 10],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamper_ops(changes: ChangeSet) -> Vec<Op> {
        let mut clock = Clock::default();
        let mut n = 0u8;
        let mut random = move || {
            n += 1;
            [n; 10]
        };
        let mut s = Stamper { clock: &mut clock, wall_ms: 5_000, node: NodeId(7), actor: "ann", random: &mut random };
        changes.stamp(&mut s)
    }

    #[test]
    fn stamping_gives_increasing_timestamps_and_distinct_ids() {
        let p = Id::v7(1, [0; 10]);
        let mut cs = ChangeSet::new();
        cs.set(Kind::Person, p, "display_name", "Ann");
        cs.set(Kind::Person, p, "tier", "A");
        let ops = stamper_ops(cs);
        assert_eq!(ops.len(), 2);
        assert!(ops[0].hlc < ops[1].hlc);
        assert_ne!(ops[0].id, ops[1].id);
        assert!(ops.iter().all(|o| o.check().is_ok()));
    }

    #[test]
    fn check_refuses_unknown_fields_and_wrong_types() {
        let p = Id::v7(1, [0; 10]);
        let mut op = stamper_ops({
            let mut cs = ChangeSet::new();
            cs.set(Kind::Person, p, "tier", "A");
            cs
        })
        .remove(0);
        op.field = "shoe_size".into();
        assert_eq!(op.check().unwrap_err().to_string(), "a person has no field `shoe_size`");
        op.field = "cadence_days".into();
        op.value = Value::from("soon");
        assert!(matches!(op.check(), Err(OpError::BadValue { .. })));
    }

    #[test]
    fn record_ops_set_several_fields_and_are_checked_field_by_field() {
        let p = Id::v7(1, [0; 10]);
        let mut cs = ChangeSet::new();
        cs.set(Kind::Person, p, "display_name", "Ann");
        cs.set(Kind::Org, Id::v7(2, [1; 10]), "name", "Acme");
        cs.set(Kind::Person, p, "tier", "A");
        cs.set(Kind::Person, p, "display_name", "Ann Lee");
        let ops = stamper_ops(cs.into_records());
        assert_eq!(ops.len(), 2, "one op per record");
        let person = &ops[0];
        assert!(person.is_record());
        assert_eq!(person.value, serde_json::json!({"display_name": "Ann Lee", "tier": "A"}));
        assert_eq!(person.value_of("tier"), Some(&Value::from("A")));
        assert_eq!(person.value_of("notes"), None);
        let mut fields: Vec<_> = person.fields().map(|(f, _)| f).collect();
        fields.sort();
        assert_eq!(fields, ["display_name", "tier"]);
        // A record of one field stays a plain op.
        assert_eq!(ops[1].field, "name");
        assert_eq!(ops[1].fields().collect::<Vec<_>>(), [("name", &Value::from("Acme"))]);
        assert!(ops.iter().all(|o| o.check().is_ok()));

        let mut bad = person.clone();
        bad.value = serde_json::json!({"tier": "A", "cadence_days": "soon"});
        assert_eq!(bad.check().unwrap_err().to_string(), "`\"soon\"` is not a valid value for person.cadence_days");
        bad.value = serde_json::json!({"shoe_size": 3});
        assert!(matches!(bad.check(), Err(OpError::UnknownField { .. })));
        bad.value = serde_json::json!({});
        assert!(matches!(bad.check(), Err(OpError::BadRecord { .. })));
        bad.value = Value::from("Ann");
        assert!(matches!(bad.check(), Err(OpError::BadRecord { .. })));
    }

    #[test]
    fn wire_format_is_stable_json() {
        let p: Id = "01900000-0000-7000-8000-000000000001".parse().unwrap();
        let op = Op {
            id: p,
            hlc: Hlc::new(1_000, 1),
            node: NodeId(255),
            actor: "ann".into(),
            kind: Kind::PersonItem,
            entity: p,
            field: "value".into(),
            value: Value::from("design"),
        };
        let json = serde_json::to_string(&op).unwrap();
        assert_eq!(
            json,
            r#"{"id":"01900000-0000-7000-8000-000000000001","hlc":65536001,"node":255,"actor":"ann","kind":"person_item","entity":"01900000-0000-7000-8000-000000000001","field":"value","value":"design"}"#
        );
        assert_eq!(serde_json::from_str::<Op>(&json).unwrap(), op);
    }
}
