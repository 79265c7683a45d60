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
        let rows = self
            .db()
            .query("SELECT id, display_name FROM people WHERE deleted = 0 AND display_name IS NOT NULL", &[])?;
        for r in rows {
            let (Some(person), Some(value)) = (id_of(&r[0]), text(&r[1])) else { continue };
            out.push(MatchRow { person, kind: "name".into(), value, label: None });
        }
        // A person hidden from the importer (private to another user) matches nothing: the
        // import adds the importer's own record instead of touching theirs.
        out.retain(|m| !self.scope.person(m.person));
        Ok(out)
    }

    /// [`Store::match_rows`] without labels, one row at a time (person, kind, value), without
    /// holding them all: an import of 100,000 cards into a database of 100,000 people peaked
    /// at the half a million rows held twice (as read, then as `MatchRow`s). One pass over the
    /// people gives the names and the removed people; the items come from the covering
    /// `person_items_value` index, not a join with every person's row.
    pub fn each_match_row(&mut self, f: &mut dyn FnMut(Id, &str, &str)) -> Result<()> {
        let scope = self.scope.clone();
        let mut gone = std::collections::HashSet::new();
        self.db().query_each("SELECT id, display_name, deleted FROM people", &[], &mut |r| {
            let Some(person) = id_of(&r[0]) else { return };
            if r[2].int() != Some(0) {
                gone.insert(person);
            } else if let Some(name) = r[1].text()
                && !scope.person(person)
            {
                f(person, "name", name);
            }
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
        let mut out = HashMap::with_capacity(ids.len());
        let ids: Vec<Val> = ids.iter().map(|&id| Val::from(id)).collect();
        for chunk in ids.chunks(500) {
            let rows =
                self.db().query(&format!("SELECT {COLS} FROM people WHERE id IN ({})", marks(chunk.len())), chunk)?;
            let mut found = records_of(rows);
            found.sort_unstable_by_key(|r| r.id);
            self.fill_records(&mut found, Among::Ids(chunk), false)?;
            out.extend(found.into_iter().map(|r| (r.id, r)));
        }
        Ok(out)
    }

    /// Every live, named person in id order, `page` at a time (see [`PersonPages`]). With
    /// `items` (every person item, [`Store::item_table`]) the pages take their items from it;
    /// else each page reads its people's items through the parent index, one row lookup per
    /// item: bounded memory, but several times the time when the items lie in another order than
    /// their people's ids (an import's do).
    pub fn person_pages<'t>(&mut self, page: usize, items: Option<&'t ItemTable>) -> PersonPages<'t> {
        PersonPages { after: None, page: page.max(1), items, done: false }
    }

    /// Every person item, read at once in one scan of the table in storage order and held
    /// compactly (about 45 MB at 100,000 people, 690,000 items).
    pub fn item_table(&mut self) -> Result<ItemTable> {
        ItemTable::read(self)
    }

    /// Fill in the items (unless `held`: read whole elsewhere), roles and kept cards of `found`
    /// (sorted by id), the people with these ids (`Among::Ids`) or in this id range
    /// (`Among::Range`).
    fn fill_records(&mut self, found: &mut [PersonRecord], among: Among<'_>, held: bool) -> Result<()> {
        if found.is_empty() {
            return Ok(());
        }
        let cond = |col: &str| match among {
            Among::Ids(ids) => format!("{col} IN ({})", marks(ids.len())),
            Among::Range(..) => format!("{col} >= ? AND {col} <= ?"),
        };
        let params = match among {
            Among::Ids(ids) => ids.to_vec(),
            Among::Range(lo, hi) => vec![Val::from(lo), Val::from(hi)],
        };
        let slot = |found: &mut [PersonRecord], v: &Val| -> Option<usize> {
            let p = id_of(v)?;
            found.binary_search_by_key(&p, |r| r.id).ok()
        };
        match held {
            true => {}
            false => {
                let items = self.db().query(
                    &format!(
                        "SELECT parent, id, kind, value, label, pref, deleted FROM person_items WHERE {}
                         ORDER BY parent, coalesce(pref, 0) DESC, value, id",
                        cond("parent")
                    ),
                    &params,
                )?;
                for mut it in items {
                    let (Some(i), Some(id)) = (slot(found, &it[0]), id_of(&it[1])) else { continue };
                    found[i].items.push(ItemRecord {
                        id,
                        kind: take(&mut it[2]).unwrap_or_default(),
                        value: take(&mut it[3]).unwrap_or_default(),
                        label: take(&mut it[4]),
                        pref: it[5].int() == Some(1),
                        deleted: it[6].int() == Some(1),
                    });
                }
            }
        }
        let roles = self.db().query(
            &format!(
                "SELECT r.person, r.id, r.org, o.name, r.title, r.end_on FROM roles r LEFT JOIN orgs o ON o.id = r.org
                 WHERE {} AND r.deleted = 0 ORDER BY r.person, r.end_on IS NOT NULL, r.start_on DESC, r.id",
                cond("r.person")
            ),
            &params,
        )?;
        for mut r in roles {
            let (Some(i), Some(id)) = (slot(found, &r[0]), id_of(&r[1])) else { continue };
            found[i].roles.push(RoleRecord {
                id,
                org: id_of(&r[2]),
                org_name: take(&mut r[3]),
                title: take(&mut r[4]),
                end_on: take(&mut r[5]),
            });
        }
        // The kept cards are the bulk of the bytes (1 KB a card from a phone): streamed, so each
        // is copied once, from SQLite's buffer into its record.
        self.db().query_each(
            &format!(
                "SELECT parent, id, data, deleted FROM person_cards WHERE {} AND format = 'vcard' ORDER BY id",
                cond("parent")
            ),
            &params,
            &mut |c| {
                let (Some(i), Some(id)) = (slot(found, &c[0]), id_of(&c[1])) else { return };
                let data = c[2].text().unwrap_or_default().to_string();
                found[i].card = Some(CardRecord { id, data, deleted: c[3].int() == Some(1) });
            },
        )?;
        Ok(())
    }
}

/// Which people [`Store::fill_records`] reads for.
#[derive(Clone, Copy)]
enum Among<'a> {
    Ids(&'a [Val]),
    /// From the first id to the last, both included (text ids sort as `Id`s do).
    Range(Id, Id),
}

/// The text of a value, moved out of a row the reader owns.
fn take(v: &mut Val) -> Option<String> {
    match std::mem::replace(v, Val::Null) {
        Val::Text(s) => Some(s),
        _ => None,
    }
}

/// People rows (`COLS`) as records without items, roles or card.
fn records_of(rows: Vec<Vec<Val>>) -> Vec<PersonRecord> {
    rows.into_iter()
        .filter_map(|mut r| {
            let id = id_of(&r[0])?;
            let mut rec = PersonRecord::new(id);
            rec.display_name = take(&mut r[1]);
            rec.given_name = take(&mut r[2]);
            rec.family_name = take(&mut r[3]);
            rec.birthday = take(&mut r[4]);
            rec.notes = take(&mut r[5]);
            rec.met_on = take(&mut r[6]);
            rec.met_how = take(&mut r[7]);
            Some(rec)
        })
        .collect()
}

/// Every live, named person in id order, a page at a time, with items (tombstoned ones too),
/// live roles and kept card, as [`Store::person_records`] has them: what an export streams.
/// Made by [`Store::person_pages`].
pub struct PersonPages<'t> {
    after: Option<Id>,
    page: usize,
    items: Option<&'t ItemTable>,
    done: bool,
}

/// A page of [`PersonPages`]: the people, and their items through [`Page::items`] (when the
/// items are held whole, the records' own `items` are empty).
pub struct Page<'a> {
    pub people: Vec<PersonRecord>,
    table: Option<&'a ItemTable>,
    /// For each person, their span of the table's `rows`.
    spans: Vec<(usize, usize)>,
}

/// One person item, borrowed from a page.
#[derive(Debug, Clone, Copy)]
pub struct ItemView<'a> {
    pub kind: &'a str,
    pub value: &'a str,
    pub label: Option<&'a str>,
    pub pref: bool,
    pub deleted: bool,
}

impl<'a> ItemView<'a> {
    pub fn of(i: &'a ItemRecord) -> ItemView<'a> {
        ItemView { kind: &i.kind, value: &i.value, label: i.label.as_deref(), pref: i.pref, deleted: i.deleted }
    }
}

impl Page<'_> {
    /// The items of `people[i]`, in their record order (preferred first, then by value).
    pub fn items(&self, i: usize) -> impl Iterator<Item = ItemView<'_>> {
        let (table, (from, to)) = match self.table {
            Some(t) => (Some(t), self.spans[i]),
            None => (None, (0, 0)),
        };
        let own = if table.is_none() { &self.people[i].items[..] } else { &[] };
        own.iter()
            .map(ItemView::of)
            .chain(table.into_iter().flat_map(move |t| t.rows[from..to].iter().map(move |r| t.view(r))))
    }
}

impl<'t> PersonPages<'t> {
    /// The next page, in id order; `None` after the last.
    pub fn next(&mut self, store: &mut Store) -> Result<Option<Page<'t>>> {
        if self.done {
            return Ok(None);
        }
        let rows = store.db().query(
            &format!(
                "SELECT {COLS} FROM people WHERE deleted = 0 AND display_name IS NOT NULL AND id > ? ORDER BY id LIMIT ?"
            ),
            &[Val::from(self.after.map(|a| a.to_string()).unwrap_or_default()), Val::Int(self.page as i64)],
        )?;
        let full = rows.len() >= self.page;
        let mut people = records_of(rows);
        people.sort_unstable_by_key(|r| r.id);
        let (Some(first), Some(last)) = (people.first().map(|r| r.id), people.last().map(|r| r.id)) else {
            self.done = true;
            return Ok(None);
        };
        self.after = Some(last);
        self.done = !full;
        let table = self.items;
        store.fill_records(&mut people, Among::Range(first, last), table.is_some())?;
        let spans = table.map(|t| t.spans(&people)).unwrap_or_default();
        Ok(Some(Page { people, table, spans }))
    }
}

/// Every person item, read in one scan in storage order and held compactly (the texts in one
/// buffer), then sorted as the items of a record are: by person, preferred first, value, id.
pub struct ItemTable {
    text: String,
    kinds: Vec<String>,
    rows: Vec<ItemRow>,
}

struct ItemRow {
    /// The person, as a number (`Id` order).
    parent: u128,
    id: Id,
    /// `coalesce(pref, 0)`.
    pref: i64,
    /// Spans of `text`; a label's `NONE` means none, a value's NULL.
    value: (u32, u32),
    label: (u32, u32),
    kind: u32,
    deleted: bool,
}

const NONE: (u32, u32) = (u32::MAX, 0);

fn num(id: Id) -> u128 {
    id.uuid().as_u128()
}

impl ItemTable {
    fn read(store: &mut Store) -> Result<ItemTable> {
        let mut t = ItemTable { text: String::new(), kinds: Vec::new(), rows: Vec::new() };
        let mut kind_of: HashMap<String, u32> = HashMap::new();
        let mut too_big = false;
        let mut last_kind = u32::MAX;
        store.db().query_each(
            "SELECT parent, id, kind, value, label, pref, deleted FROM person_items",
            &[],
            &mut |r| {
                let (Some(parent), Some(id)) = (id_of(&r[0]), id_of(&r[1])) else { return };
                let kind = r[2].text().unwrap_or_default();
                // A handful of kinds: the last one seen, else the table.
                let kind = match t.kinds.get(last_kind as usize) {
                    Some(k) if k == kind => last_kind,
                    _ => match kind_of.get(kind) {
                        Some(&k) => k,
                        None => {
                            let k = t.kinds.len() as u32;
                            t.kinds.push(kind.to_string());
                            kind_of.insert(kind.to_string(), k);
                            k
                        }
                    },
                };
                last_kind = kind;
                let mut span = |v: &Val| match v.text() {
                    Some(s) => {
                        let start = t.text.len();
                        t.text.push_str(s);
                        too_big |= t.text.len() >= u32::MAX as usize;
                        (start as u32, s.len() as u32)
                    }
                    None => NONE,
                };
                let (value, label) = (span(&r[3]), span(&r[4]));
                let parent = num(parent);
                t.rows.push(ItemRow {
                    parent,
                    id,
                    pref: r[5].int().unwrap_or(0),
                    value,
                    label,
                    kind,
                    deleted: r[6].int() == Some(1),
                });
            },
        )?;
        if too_big {
            return Err(crate::Error::Database("too much person item text to hold for an export".into()));
        }
        // The order of `fill_records`' query: by person, then within each person preferred
        // first, NULL values first, text byte-wise (both engines' text columns compare
        // byte-wise), id.
        t.rows.sort_unstable_by_key(|r| r.parent);
        let text = &t.text;
        let value = |s: (u32, u32)| (s != NONE).then(|| &text.as_bytes()[s.0 as usize..(s.0 + s.1) as usize]);
        let key = |r: &ItemRow| (std::cmp::Reverse(r.pref), value(r.value), r.id);
        for group in t.rows.chunk_by_mut(|a, b| a.parent == b.parent) {
            if group.len() > 1 {
                group.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
            }
        }
        Ok(t)
    }

    fn str(&self, s: (u32, u32)) -> Option<&str> {
        (s != NONE).then(|| &self.text[s.0 as usize..(s.0 + s.1) as usize])
    }

    fn view(&self, r: &ItemRow) -> ItemView<'_> {
        ItemView {
            kind: &self.kinds[r.kind as usize],
            value: self.str(r.value).unwrap_or_default(),
            label: self.str(r.label),
            pref: r.pref == 1,
            deleted: r.deleted,
        }
    }

    /// Each of `people`'s (sorted by id) span of `rows`.
    fn spans(&self, people: &[PersonRecord]) -> Vec<(usize, usize)> {
        let rows = &self.rows;
        let mut i = people.first().map_or(0, |p| rows.partition_point(|r| r.parent < num(p.id)));
        people
            .iter()
            .map(|p| {
                let n = num(p.id);
                while i < rows.len() && rows[i].parent < n {
                    i += 1;
                }
                let from = i;
                while i < rows.len() && rows[i].parent == n {
                    i += 1;
                }
                (from, i)
            })
            .collect()
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
