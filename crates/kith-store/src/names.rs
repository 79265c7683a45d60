//! People's names and list columns in memory, for the type-ahead search of a long-running process.
//!
//! `GET /api/v1/people?q=ann` asks for the first page, in name order, of the people whose name
//! contains a fragment. In SQL that is a walk of the name index testing `LIKE '%ann%'` on each
//! row: quick for a common fragment (the page fills after a few hundred rows), a scan of every
//! person for a rare one (about 100 ms at 100,000 people), and 1–2 ms for the common case once
//! the rows come from the table. A server answers many such requests, so it keeps the live
//! people in a [`NameIndex`]: the names lower-cased, in name order, and the columns a list shows
//! (organization, title, tier, type, first email, tags), about 30 MB at 100,000 people. A search
//! scans the lower-cased names from the cursor on (a plain substring test over a few MB for a
//! rare fragment) and the page's rows come from the same index ([`NameIndex::rows`]). The list's
//! tag, tier and type filters are answered the same way ([`NameIndex::find_filtered`]): a walk
//! of the entries in name order comparing shared texts, where SQL walked the people probing each
//! one's tags (a rare tag: every person).
//!
//! The index is built from the `people` data version it was read under ([`Store::people_version`]);
//! its owner asks for that version per request (one row) and rebuilds when it has moved, so a
//! change made by any process (several servers on one PostgreSQL) is seen on the next request.
//! Order is by the name's bytes, then id, on both engines.

use std::collections::HashMap;
use std::sync::Arc;

use kith_core::Id;

use crate::PersonRow;
use crate::privacy::Hidden;
use crate::query::{id_of, text};
use crate::{Result, Store};

/// One live person as a list shows them ([`PersonRow`]), compactly: the repeated texts
/// (organizations, tiers, types, tags) shared, about 200 bytes a person.
struct Entry {
    id: Id,
    name: Box<str>,
    org: Option<Arc<str>>,
    title: Option<Box<str>>,
    tier: Option<Arc<str>>,
    net_type: Option<Arc<str>>,
    email: Option<Box<str>>,
    tags: Box<[Arc<str>]>,
}

impl Entry {
    fn row(&self) -> PersonRow {
        PersonRow {
            id: self.id,
            name: self.name.to_string(),
            org: self.org.as_deref().map(str::to_string),
            title: self.title.as_deref().map(str::to_string),
            tier: self.tier.as_deref().map(str::to_string),
            net_type: self.net_type.as_deref().map(str::to_string),
            email: self.email.as_deref().map(str::to_string),
            tags: self.tags.iter().map(|t| t.to_string()).collect(),
        }
    }
}

/// The live people's names and list columns, in (name, id) order, built at one `people` data
/// version (which every change to a person, their emails and tags, roles or organizations
/// bumps).
pub struct NameIndex {
    version: i64,
    /// Sorted by (name, id).
    entries: Vec<Entry>,
    /// The lower-cased names in the same order, each followed by a `\n` (never in a name
    /// fragment the search looks for), so one SIMD substring search runs over all of them.
    lower: String,
    /// Where each entry's lower-cased name starts in `lower`.
    starts: Vec<usize>,
    position: HashMap<Id, usize>,
}

impl NameIndex {
    fn new(version: i64, mut entries: Vec<Entry>) -> NameIndex {
        // Read row by row, the vector doubled as it grew: up to twice the room it needs, kept
        // for as long as the index.
        entries.shrink_to_fit();
        entries.sort_unstable_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        let mut lower = String::with_capacity(entries.iter().map(|e| e.name.len() + 1).sum());
        let mut starts = Vec::with_capacity(entries.len());
        for e in &entries {
            starts.push(lower.len());
            // A name never holds a line break (names are one line), but be sure.
            lower.extend(e.name.chars().flat_map(char::to_lowercase).map(|c| if c == '\n' { ' ' } else { c }));
            lower.push('\n');
        }
        let position = entries.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
        NameIndex { version, entries, lower, starts, position }
    }

    /// The `people` data version this index was built at.
    pub fn version(&self) -> i64 {
        self.version
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The list rows of these people, in the order given, leaving out the ones not in the
    /// index (deleted or unnamed): what [`Store::people_rows`] reads, from memory.
    pub fn rows(&self, ids: &[Id]) -> Vec<PersonRow> {
        ids.iter().filter_map(|id| self.position.get(id)).map(|&i| self.entries[i].row()).collect()
    }

    /// Up to `limit` ids of people whose name contains `fragment` (case-insensitive), in name
    /// order, after the person `after` = (name, id) when given. The cursor's person need not
    /// still exist: its place in the order is found from its name and id.
    pub fn find(&self, fragment: &str, after: Option<(&str, Id)>, limit: usize) -> Vec<Id> {
        self.find_visible(fragment, after, limit, &Hidden::none())
    }

    /// [`NameIndex::find`] without the people `hidden` leaves out (private to another user):
    /// the index holds everyone, and a store scoped to a user searches it through this.
    pub fn find_visible(&self, fragment: &str, after: Option<(&str, Id)>, limit: usize, hidden: &Hidden) -> Vec<Id> {
        self.find_filtered(Some(fragment), &ListFilter::default(), after, limit, hidden)
    }

    /// Up to `limit` ids, in name order after `after`, of the people `hidden` leaves in whose
    /// name contains `fragment` (when given) and who pass `filter`: a page of
    /// [`Store::people_after`] (tag, tier and type filters) answered from memory. Without a
    /// fragment the entries are walked from the cursor on: a common tag fills a page soon, a
    /// rare one costs a pass over the entries comparing shared texts, never a query.
    pub fn find_filtered(
        &self,
        fragment: Option<&str>,
        filter: &ListFilter<'_>,
        after: Option<(&str, Id)>,
        limit: usize,
        hidden: &Hidden,
    ) -> Vec<Id> {
        let first = match after {
            None => 0,
            Some((name, id)) => match self.position.get(&id) {
                Some(&i) if &*self.entries[i].name == name => i + 1,
                _ => self.entries.partition_point(|e| (&*e.name, e.id) <= (name, id)),
            },
        };
        let mut out = Vec::new();
        let Some(fragment) = fragment else {
            if limit > 0 {
                out.extend(
                    self.entries
                        .iter()
                        .skip(first)
                        .filter(|e| filter.keeps(e) && !hidden.person(e.id))
                        .map(|e| e.id)
                        .take(limit),
                );
            }
            return out;
        };
        let needle: String = fragment.trim().chars().flat_map(char::to_lowercase).collect();
        if first >= self.entries.len() || needle.contains('\n') || limit == 0 {
            return out;
        }
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let mut from = self.starts[first];
        while let Some(hit) = finder.find(&self.lower.as_bytes()[from..]) {
            let at = from + hit;
            // The entry holding the hit: the last one starting at or before it.
            let i = self.starts.partition_point(|&s| s <= at) - 1;
            if filter.keeps(&self.entries[i]) && !hidden.person(self.entries[i].id) {
                out.push(self.entries[i].id);
                if out.len() == limit {
                    break;
                }
            }
            // Go on at the next entry: one hit per person.
            match self.starts.get(i + 1) {
                Some(&next) => from = next,
                None => break,
            }
        }
        out
    }
}

/// The exact-value filters of a people list ([`crate::PersonFilter`]'s tag, tier and type),
/// as [`NameIndex::find_filtered`] applies them: a person with that tag, that tier, that type.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter<'a> {
    pub tag: Option<&'a str>,
    pub tier: Option<&'a str>,
    pub net_type: Option<&'a str>,
}

impl ListFilter<'_> {
    fn keeps(&self, e: &Entry) -> bool {
        self.tag.is_none_or(|t| e.tags.iter().any(|x| &**x == t))
            && self.tier.is_none_or(|t| e.tier.as_deref() == Some(t))
            && self.net_type.is_none_or(|t| e.net_type.as_deref() == Some(t))
    }
}

/// Shares equal texts (organizations, tiers, tags) between entries.
#[derive(Default)]
struct Interner(HashMap<Box<str>, Arc<str>>);

impl Interner {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(s.into(), a.clone());
        a
    }
}

impl Store {
    /// The version of the `people` data (bumped by every change to a person, their items and
    /// roles, and organizations), for caches of people's columns kept outside the database,
    /// such as [`NameIndex`].
    pub fn people_version(&mut self) -> Result<i64> {
        let rows = self.db().query("SELECT version FROM data_versions WHERE key = 'people'", &[])?;
        Ok(rows.first().and_then(|r| r[0].int()).unwrap_or(0))
    }

    /// Read the names and list columns of the live people: three scans, with the same rules
    /// as [`Store::people_rows`] (the first email by preference then value, the tags in that
    /// order, the organization and title of the last current role by start date). The version
    /// is read first, so the index is at least as new as its label: a concurrent change can
    /// only make it look stale.
    pub fn name_index(&mut self) -> Result<NameIndex> {
        let version = self.people_version()?;
        let mut strings = Interner::default();
        let mut entries = Vec::new();
        self.db().query_each(
            "SELECT id, display_name, tier, net_type FROM people WHERE deleted = 0 AND display_name IS NOT NULL",
            &[],
            &mut |r| {
                if let (Some(id), Some(name)) = (id_of(&r[0]), r[1].text()) {
                    entries.push(Entry {
                        id,
                        name: name.into(),
                        org: None,
                        title: None,
                        tier: r[2].text().map(|t| strings.get(t)),
                        net_type: r[3].text().map(|t| strings.get(t)),
                        email: None,
                        tags: Box::new([]),
                    });
                }
            },
        )?;
        let at: HashMap<Id, usize> = entries.iter().enumerate().map(|(i, e)| (e.id, i)).collect();
        let mut tags: HashMap<usize, Vec<Arc<str>>> = HashMap::new();
        self.db().query_each(
            "SELECT parent, kind, value FROM person_items WHERE kind IN ('email', 'tag') AND deleted = 0
             ORDER BY coalesce(pref, 0) DESC, value",
            &[],
            &mut |r| {
                let Some(&i) = id_of(&r[0]).and_then(|id| at.get(&id)) else { return };
                match (r[1].text(), r[2].text()) {
                    (Some("email"), Some(e)) if entries[i].email.is_none() => entries[i].email = Some(e.into()),
                    (Some("tag"), Some(t)) => tags.entry(i).or_default().push(strings.get(t)),
                    _ => {}
                }
            },
        )?;
        for (i, t) in tags {
            entries[i].tags = t.into_boxed_slice();
        }
        self.db().query_each(
            "SELECT r.person, o.name, r.title FROM roles r LEFT JOIN orgs o ON o.id = r.org
             WHERE r.deleted = 0 AND r.end_on IS NULL ORDER BY r.start_on, r.id",
            &[],
            &mut |r| {
                let Some(&i) = id_of(&r[0]).and_then(|id| at.get(&id)) else { return };
                entries[i].org = text(&r[1]).map(|o| strings.get(&o));
                entries[i].title = text(&r[2]).map(String::into_boxed_str);
            },
        )?;
        Ok(NameIndex::new(version, entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str]) -> NameIndex {
        let entries = names.iter().enumerate().map(|(i, n)| Entry {
            id: Id::from_uuid(uuid::Uuid::from_u128(i as u128 + 1)),
            name: (*n).into(),
            org: None,
            title: None,
            tier: None,
            net_type: None,
            email: None,
            tags: Box::new([]),
        });
        NameIndex::new(1, entries.collect())
    }

    fn names(ix: &NameIndex, ids: &[Id]) -> Vec<String> {
        ix.rows(ids).into_iter().map(|r| r.name).collect()
    }

    #[test]
    fn finds_fragments_in_name_order_without_case_or_wildcards() {
        let ix = index(&["Zoë Ann", "Anna Berg", "Bob Hoffmann", "ÅSA ÄNN", "Carl 50%", "Dan"]);
        assert_eq!(names(&ix, &ix.find("ann", None, 10)), ["Anna Berg", "Bob Hoffmann", "Zoë Ann"]);
        // Unicode case folding, which SQLite's lower() does not do.
        assert_eq!(names(&ix, &ix.find("änn", None, 10)), ["ÅSA ÄNN"]);
        // `%` and `_` are text, not LIKE wildcards.
        assert_eq!(names(&ix, &ix.find("%", None, 10)), ["Carl 50%"]);
        assert!(ix.find("_", None, 10).is_empty());
        assert_eq!(names(&ix, &ix.find("ANN", None, 2)), ["Anna Berg", "Bob Hoffmann"]);
        // One hit per person, even with the fragment twice in a name; none across two names.
        let ix = index(&["Ann Annsdottir", "Bo Xan", "Nils"]);
        assert_eq!(names(&ix, &ix.find("ann", None, 10)), ["Ann Annsdottir"]);
        assert!(ix.find("xann", None, 10).is_empty() && ix.find("an\nn", None, 10).is_empty());
        assert_eq!(names(&ix, &ix.find("", None, 10)), ["Ann Annsdottir", "Bo Xan", "Nils"]);
    }

    #[test]
    fn pages_continue_after_the_cursor_even_when_its_person_is_gone() {
        let ix = index(&["Ann A", "Ann B", "Ann C", "Ann D"]);
        let first = ix.find("ann", None, 2);
        assert_eq!(names(&ix, &first), ["Ann A", "Ann B"]);
        let last = first[1];
        let second = ix.find("ann", Some(("Ann B", last)), 2);
        assert_eq!(names(&ix, &second), ["Ann C", "Ann D"]);
        // A cursor whose person was deleted or renamed: placed by its (name, id).
        let gone = Id::from_uuid(uuid::Uuid::from_u128(999));
        assert_eq!(names(&ix, &ix.find("ann", Some(("Ann B", gone)), 5)), ["Ann C", "Ann D"]);
        assert_eq!(names(&ix, &ix.find("ann", Some(("Ann Bz", gone)), 5)), ["Ann C", "Ann D"]);
        assert!(ix.find("ann", Some(("Zed", gone)), 5).is_empty());
    }
}
