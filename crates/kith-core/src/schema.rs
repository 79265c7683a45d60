//! The catalogue of record kinds and their fields.
//!
//! Every record is a set of last-writer-wins registers, one per field. This table is the single
//! description of which fields exist and what they hold: the store builds its materialized
//! tables from it, and an operation that names an unknown kind or field, or carries a value of
//! the wrong type, is refused before it reaches storage (that matters once operations arrive
//! from other devices).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a field holds, and so what JSON value an operation may carry for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Int,
    Bool,
    /// Another record's id. The store keeps a foreign key for it.
    Ref(Kind),
    /// Arbitrary JSON, stored as text (for example a list of reminder offsets).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub ty: FieldType,
}

const fn f(name: &'static str, ty: FieldType) -> Field {
    Field { name, ty }
}

use FieldType::{Bool, Int, Json, Ref, Text};

macro_rules! kinds {
    ($( $variant:ident = $name:literal in $table:literal { $($field:literal : $ty:expr),* $(,)? } )*) => {
        /// The kind of a record. Its name is the one used on the wire and in `kith history`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind { $($variant),* }

        impl Kind {
            /// Every kind, parents before the children that point at them.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Kind::$variant => $name),* }
            }

            /// The materialized table that holds the current state of records of this kind.
            pub fn table(self) -> &'static str {
                match self { $(Kind::$variant => $table),* }
            }

            /// The fields of this kind, without the implicit `deleted` tombstone.
            pub fn fields(self) -> &'static [Field] {
                match self { $(Kind::$variant => { const FIELDS: &[Field] = &[$(f($field, $ty)),*]; FIELDS }),* }
            }

            pub fn parse(name: &str) -> Option<Kind> {
                match name { $($name => Some(Kind::$variant),)* _ => None }
            }

            /// Look up a field, including the `deleted` tombstone. A `match` on the names
            /// rather than a search of `fields()`: each arm compares with a constant, and the
            /// lookup inlines where it is called (an import looks up a field for every value it
            /// writes: 2.2% of a LinkedIn import's instructions before, callgrind).
            pub fn field(self, name: &str) -> Option<Field> {
                match self {
                    $(Kind::$variant => match name {
                        $($field => Some(f($field, $ty)),)*
                        "deleted" => Some(DELETED),
                        _ => None,
                    }),*
                }
            }
        }
    };
}

kinds! {
    Person = "person" in "people" {
        "display_name": Text, "given_name": Text, "family_name": Text, "birthday": Text,
        "met_how": Text, "met_where": Text, "met_on": Text, "net_type": Text, "tier": Text,
        "cadence_days": Int, "notes": Text, "is_me": Bool, "pitch": Text,
        // The team server user the person is private to (their id; absent: shared with the
        // workspace). Means nothing to the single-user CLI. See ARCHITECTURE.md, "Private people".
        "private_to": Text,
    }
    Org = "org" in "orgs" { "name": Text, "domain": Text, "notes": Text }
    Project = "project" in "projects" { "name": Text, "description": Text, "status": Text }
    PersonItem = "person_item" in "person_items" {
        "parent": Ref(Kind::Person), "kind": Text, "value": Text, "label": Text, "pref": Int,
    }
    OrgItem = "org_item" in "org_items" {
        "parent": Ref(Kind::Org), "kind": Text, "value": Text, "label": Text,
    }
    Role = "role" in "roles" {
        "person": Ref(Kind::Person), "org": Ref(Kind::Org), "title": Text,
        "start_on": Text, "end_on": Text,
    }
    Tie = "tie" in "ties" {
        "a": Ref(Kind::Person), "b": Ref(Kind::Person), "kind": Text, "strength": Int,
        "since": Text, "source": Text, "note": Text,
    }
    Interaction = "interaction" in "interactions" {
        "kind": Text, "occurred_at": Int, "summary": Text, "notes": Text,
        // The team server user this note is private to (their id; absent: seen by whoever sees
        // its people). See ARCHITECTURE.md, "Private people".
        "private_to": Text,
    }
    Participant = "participant" in "participants" {
        "interaction": Ref(Kind::Interaction), "person": Ref(Kind::Person),
    }
    Exchange = "exchange" in "exchanges" {
        "interaction": Ref(Kind::Interaction), "person": Ref(Kind::Person), "direction": Text,
        "kind": Text, "what": Text, "weight": Int,
    }
    Task = "task" in "tasks" {
        "title": Text, "notes": Text, "status": Text, "due_date": Text, "due_at": Int,
        "priority": Int, "project": Ref(Kind::Project), "recurrence": Text, "reminders": Json,
        "hook": Bool, "interaction": Ref(Kind::Interaction), "done_at": Int,
        // The coworker it is assigned to: a team server user's id (see ARCHITECTURE.md, "Task
        // assignment"). Not a `Ref`: users are server-local accounts, not records.
        "assignee": Text,
    }
    TaskPerson = "task_person" in "task_people" {
        "task": Ref(Kind::Task), "person": Ref(Kind::Person),
    }
    Event = "event" in "events" {
        "title": Text, "kind": Text, "start_at": Int, "end_at": Int, "tz": Text, "place": Text,
        "link": Text, "goals": Text, "prep": Text, "debrief": Text,
    }
    Attendee = "attendee" in "attendees" {
        "event": Ref(Kind::Event), "person": Ref(Kind::Person),
    }
    // What an import kept verbatim of a person's card (vCard properties kith does not model),
    // one record per person and format, so an export writes it back.
    PersonCard = "person_card" in "person_cards" {
        "parent": Ref(Kind::Person), "format": Text, "data": Text,
    }
}

impl Kind {
    /// The field that names the record this one belongs to, and that record's kind: a person's
    /// email belongs to the person, a participant to its interaction. The store files a record's
    /// operations under its owner (`ops.root`), so a person and everything that belongs to it are
    /// read together. Owners own nothing in turn.
    pub fn owner(self) -> Option<(&'static str, Kind)> {
        match self {
            Kind::PersonItem | Kind::PersonCard => Some(("parent", Kind::Person)),
            Kind::Role => Some(("person", Kind::Person)),
            Kind::OrgItem => Some(("parent", Kind::Org)),
            Kind::Participant | Kind::Exchange => Some(("interaction", Kind::Interaction)),
            Kind::TaskPerson => Some(("task", Kind::Task)),
            Kind::Attendee => Some(("event", Kind::Event)),
            _ => None,
        }
    }
}

/// The tombstone every kind has. Deleting a record sets it; it is a register like any other.
pub const DELETED: Field = f("deleted", Bool);

impl FieldType {
    /// Whether `value` is acceptable for a field of this type. `null` clears any field.
    pub fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null) => true,
            (FieldType::Text, Value::String(_)) => true,
            (FieldType::Int, Value::Number(n)) => n.is_i64(),
            (FieldType::Bool, Value::Bool(_)) => true,
            (FieldType::Ref(_), Value::String(s)) => s.parse::<crate::Id>().is_ok(),
            (FieldType::Json, _) => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_before_children() {
        for (i, kind) in Kind::ALL.iter().enumerate() {
            for field in kind.fields() {
                if let FieldType::Ref(target) = field.ty {
                    let j = Kind::ALL.iter().position(|k| *k == target).unwrap();
                    assert!(j < i, "{} refers to {} which comes later", kind.name(), target.name());
                }
            }
        }
    }

    /// An owner is named by a reference field of the owned kind, and owns nothing itself.
    #[test]
    fn owners_are_references_to_kinds_without_owners() {
        for kind in Kind::ALL {
            if let Some((field, owner)) = kind.owner() {
                assert_eq!(kind.field(field).map(|f| f.ty), Some(Ref(owner)), "{}.{field}", kind.name());
                assert_eq!(owner.owner(), None, "{} owns {}", owner.name(), kind.name());
            }
        }
    }

    #[test]
    fn names_round_trip_and_fields_are_unique() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.name()), Some(*kind));
            let mut names: Vec<_> = kind.fields().iter().map(|f| f.name).collect();
            names.push("deleted");
            let n = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), n, "duplicate field in {}", kind.name());
        }
    }

    /// `field` is a `match` of its own: it must find exactly `fields()` and the tombstone.
    #[test]
    fn field_finds_every_field_and_nothing_else() {
        for kind in Kind::ALL {
            for field in kind.fields() {
                assert_eq!(kind.field(field.name), Some(*field), "{}.{}", kind.name(), field.name);
            }
            assert_eq!(kind.field("deleted"), Some(DELETED));
            for other in ["", "nope", "Deleted", "display_name ", "id"] {
                assert_eq!(kind.field(other), None, "{}.{other}", kind.name());
            }
        }
    }

    #[test]
    fn field_types_check_values() {
        assert!(Text.accepts(&Value::from("x")));
        assert!(!Text.accepts(&Value::from(1)));
        assert!(Int.accepts(&Value::from(3)));
        assert!(!Int.accepts(&Value::from(1.5)));
        assert!(Ref(Kind::Person).accepts(&Value::from("0190f3a0-0000-7000-8000-000000000000")));
        assert!(!Ref(Kind::Person).accepts(&Value::from("bob")));
        assert!(Bool.accepts(&Value::Null));
    }
}
