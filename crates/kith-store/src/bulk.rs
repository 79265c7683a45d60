//! Reads for bulk work (import, export, dedupe): whole people with their items and roles, many
//! at a time, and the identities that tell whether two records are one person.

use std::collections::HashMap;

use kith_core::Id;

use crate::backend::Val;
use crate::query::{id_of, marks, text};
use crate::{Result, Store};

/// A person's stored state, as an importer compares it with incoming data and an exporter
/// writes it out.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub id: Id,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub birthday: Option<String>,
    pub notes: Option<String>,
    pub met_on: Option<String>,
    pub met_how: Option<String>,
    /// Every item, tombstoned ones too (so that an import does not bring back what the user
    /// removed); ordered preferred first, then by value.
    pub items: Vec<ItemRecord>,
    /// Live roles, current ones first.
    pub roles: Vec<RoleRecord>,
    /// What an import kept of their vCard.
    pub card: Option<CardRecord>,
}

/// A person's kept card (see `Kind::PersonCard`).
#[derive(Debug, Clone, PartialEq)]
pub struct CardRecord {
    pub id: Id,
    pub data: String,
    pub deleted: bool,
}

impl PersonRecord {
    /// A person with nothing stored yet.
    pub fn new(id: Id) -> PersonRecord {
        PersonRecord {
            id,
            display_name: None,
            given_name: None,
            family_name: None,
            birthday: None,
            notes: None,
            met_on: None,
            met_how: None,
            items: vec![],
            roles: vec![],
            card: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemRecord {
    pub id: Id,
    pub kind: String,
    pub value: String,
    pub label: Option<String>,
    pub pref: bool,
    pub deleted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoleRecord {
    pub id: Id,
    pub org: Option<Id>,
    pub org_name: Option<String>,
    pub title: Option<String>,
    pub end_on: Option<String>,
}

/// One identity of a live person: an email, phone, link or their name.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchRow {
    pub person: Id,
    /// `email`, `phone`, `link` or `name`.
    pub kind: String,
    pub value: String,
    pub label: Option<String>,
}

const COLS: &str = "id, display_name, given_name, family_name, birthday, notes, met_on, met_how";

impl Store {
    /// Every identity of every live person, for matching imported records.
    pub fn match_rows(&mut self) -> Result<Vec<MatchRow>> {
        let mut out = Vec::new();
        let rows = self.db().query(
            "SELECT i.parent, i.kind, i.value, i.label FROM person_items i JOIN people p ON p.id = i.parent
             WHERE i.deleted = 0 AND p.deleted = 0 AND i.kind IN ('email', 'phone', 'link')",
            &[],
        )?;
        for r in rows {
            let (Some(person), Some(kind), Some(value)) = (id_of(&r[0]), text(&r[1]), text(&r[2])) else { continue };
            out.push(MatchRow { person, kind, value, label: text(&r[3]) });
        }
        self.each_name(&mut |person, name| {
            out.push(MatchRow { person, kind: "name".into(), value: name.into(), label: None })
        })?;
        // A person hidden from the importer (private to another user) matches nothing: the
        // import adds the importer's own record instead of touching theirs.
        out.retain(|m| !self.scope.person(m.person));
        Ok(out)
    }

    /// [`Store::match_rows`] without labels, one row at a time (person, kind, value), without
    /// holding them all: an import of 100,000 cards into a database of 100,000 people peaked
    /// at the half a million rows held twice (as read, then as `MatchRow`s). The items come from
    /// the covering `person_items_value` index, not a join with every person's row.
    pub fn each_match_row(&mut self, f: &mut dyn FnMut(Id, &str, &str)) -> Result<()> {
        let scope = self.scope.clone();
        let mut gone = std::collections::HashSet::new();
        self.db().query_each("SELECT id FROM people WHERE deleted <> 0", &[], &mut |r| {
            gone.extend(id_of(&r[0]));
        })?;
        self.db().query_each(
            "SELECT parent, kind, value FROM person_items WHERE kind IN ('email', 'link', 'phone') AND deleted = 0",
            &[],
            &mut |r| {
                if let (Some(person), Some(kind), Some(value)) = (id_of(&r[0]), r[1].text(), r[2].text())
                    && !gone.contains(&person)
                    && !scope.person(person)
                {
                    f(person, kind, value);
                }
            },
        )?;
        self.each_name(&mut |person, name| {
            if !scope.person(person) {
                f(person, "name", name);
            }
        })
    }

    /// Every live person's display name.
    fn each_name(&mut self, f: &mut dyn FnMut(Id, &str)) -> Result<()> {
        self.db().query_each(
            "SELECT id, display_name FROM people WHERE deleted = 0 AND display_name IS NOT NULL",
            &[],
            &mut |r| {
                if let (Some(person), Some(value)) = (id_of(&r[0]), r[1].text()) {
                    f(person, value);
                }
            },
        )?;
        Ok(())
    }

    /// Organizations by name (live ones), for find-or-create during an import.
    pub fn org_names(&mut self) -> Result<Vec<(Id, String)>> {
        let rows =
            self.db().query("SELECT id, name FROM orgs WHERE deleted = 0 AND name IS NOT NULL ORDER BY id", &[])?;
        Ok(rows.iter().filter_map(|r| Some((id_of(&r[0])?, text(&r[1])?))).collect())
    }

    /// The stored state of these people (live or not), by id.
    pub fn person_records(&mut self, ids: &[Id]) -> Result<HashMap<Id, PersonRecord>> {
        let mut out = HashMap::new();
        let ids: Vec<Val> = ids.iter().map(|&id| Val::from(id)).collect();
        for chunk in ids.chunks(500) {
            let rows =
                self.db().query(&format!("SELECT {COLS} FROM people WHERE id IN ({})", marks(chunk.len())), chunk)?;
            self.fill_records(rows, chunk, &mut out)?;
        }
        Ok(out)
    }

    /// A page of live, named people in id order, after `after`: for exports that stream.
    pub fn person_page(&mut self, after: Option<Id>, limit: usize) -> Result<Vec<PersonRecord>> {
        let rows = self.db().query(
            &format!(
                "SELECT {COLS} FROM people WHERE deleted = 0 AND display_name IS NOT NULL AND id > ? ORDER BY id LIMIT ?"
            ),
            &[Val::from(after.map(|a| a.to_string()).unwrap_or_default()), Val::Int(limit as i64)],
        )?;
        let ids: Vec<Val> = rows.iter().map(|r| r[0].clone()).collect();
        let mut map = HashMap::new();
        self.fill_records(rows, &ids, &mut map)?;
        let mut page: Vec<PersonRecord> = map.into_values().collect();
        page.sort_by_key(|p| p.id);
        Ok(page)
    }

    fn fill_records(&mut self, rows: Vec<Vec<Val>>, chunk: &[Val], out: &mut HashMap<Id, PersonRecord>) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let mut found = HashMap::new();
        for r in rows {
            let Some(id) = id_of(&r[0]) else { continue };
            found.insert(
                id,
                PersonRecord {
                    id,
                    display_name: text(&r[1]),
                    given_name: text(&r[2]),
                    family_name: text(&r[3]),
                    birthday: text(&r[4]),
                    notes: text(&r[5]),
                    met_on: text(&r[6]),
                    met_how: text(&r[7]),
                    items: vec![],
                    roles: vec![],
                    card: None,
                },
            );
        }
        let items = self.db().query(
            &format!(
                "SELECT parent, id, kind, value, label, pref, deleted FROM person_items WHERE parent IN ({})
                 ORDER BY parent, coalesce(pref, 0) DESC, value, id",
                marks(chunk.len())
            ),
            chunk,
        )?;
        for it in items {
            let (Some(p), Some(id)) = (id_of(&it[0]), id_of(&it[1])) else { continue };
            let Some(rec) = found.get_mut(&p) else { continue };
            rec.items.push(ItemRecord {
                id,
                kind: text(&it[2]).unwrap_or_default(),
                value: text(&it[3]).unwrap_or_default(),
                label: text(&it[4]),
                pref: it[5].int() == Some(1),
                deleted: it[6].int() == Some(1),
            });
        }
        let roles = self.db().query(
            &format!(
                "SELECT r.person, r.id, r.org, o.name, r.title, r.end_on FROM roles r LEFT JOIN orgs o ON o.id = r.org
                 WHERE r.person IN ({}) AND r.deleted = 0 ORDER BY r.person, r.end_on IS NOT NULL, r.start_on DESC, r.id",
                marks(chunk.len())
            ),
            chunk,
        )?;
        for r in roles {
            let (Some(p), Some(id)) = (id_of(&r[0]), id_of(&r[1])) else { continue };
            let Some(rec) = found.get_mut(&p) else { continue };
            rec.roles.push(RoleRecord {
                id,
                org: id_of(&r[2]),
                org_name: text(&r[3]),
                title: text(&r[4]),
                end_on: text(&r[5]),
            });
        }
        let cards = self.db().query(
            &format!(
                "SELECT parent, id, data, deleted FROM person_cards WHERE parent IN ({}) AND format = 'vcard' ORDER BY id",
                marks(chunk.len())
            ),
            chunk,
        )?;
        for c in cards {
            let (Some(p), Some(id)) = (id_of(&c[0]), id_of(&c[1])) else { continue };
            let Some(rec) = found.get_mut(&p) else { continue };
            rec.card = Some(CardRecord { id, data: text(&c[2]).unwrap_or_default(), deleted: c[3].int() == Some(1) });
        }
        out.extend(found);
        Ok(())
    }
}

/// The records that point at people, and the field that does: what a merge re-points.
const PERSON_REFS: &[(kith_core::Kind, &str)] = &[
    (kith_core::Kind::Role, "person"),
    (kith_core::Kind::Tie, "a"),
    (kith_core::Kind::Tie, "b"),
    (kith_core::Kind::Participant, "person"),
    (kith_core::Kind::Exchange, "person"),
    (kith_core::Kind::TaskPerson, "person"),
    (kith_core::Kind::Attendee, "person"),
];

/// A live record that refers to a person.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonLink {
    pub kind: kith_core::Kind,
    pub id: Id,
    /// The field that holds the person (`person`, or a tie's `a` or `b`).
    pub field: &'static str,
    /// For a tie: the person at the other end.
    pub other: Option<Id>,
}

impl Store {
    /// Every live record that refers to `person`: roles, ties, participants, exchanges, task
    /// people, attendees.
    pub fn references_to(&mut self, person: Id) -> Result<Vec<PersonLink>> {
        let mut out = Vec::new();
        for &(kind, field) in PERSON_REFS {
            let other = match (kind, field) {
                (kith_core::Kind::Tie, "a") => "b",
                (kith_core::Kind::Tie, _) => "a",
                _ => "NULL",
            };
            let rows = self.db().query(
                &format!("SELECT id, {other} FROM {} WHERE {field} = ? AND deleted = 0 ORDER BY id", kind.table()),
                &[person.into()],
            )?;
            for r in rows {
                let Some(id) = id_of(&r[0]) else { continue };
                out.push(PersonLink { kind, id, field, other: id_of(&r[1]) });
            }
        }
        Ok(out)
    }
}
