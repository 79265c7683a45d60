//! People's names in memory, for the type-ahead search of a long-running process.
//!
//! `GET /api/v1/people?q=ann` asks for the first page, in name order, of the people whose name
//! contains a fragment. In SQL that is a walk of the name index testing `LIKE '%ann%'` on each
//! row: quick for a common fragment (the page fills after a few hundred rows), a scan of every
//! person for a rare one (about 100 ms at 100,000 people), and 1–2 ms for the common case once
//! the rows come from the table. A server answers many such requests, so it keeps the names of
//! the live people in a [`NameIndex`]: lower-cased, in name order, about 10 MB at 100,000
//! people. A search scans the lower-cased names from the cursor on (a plain substring test over
//! a few MB for a rare fragment) and the page's details come from [`Store::people_rows`].
//!
//! The index is built from the `people` data version it was read under ([`Store::people_version`]);
//! its owner asks for that version per request (one row) and rebuilds when it has moved, so a
//! change made by any process (several servers on one PostgreSQL) is seen on the next request.
//! Order is by the name's bytes, then id, on both engines.

use std::collections::HashMap;

use kith_core::Id;

use crate::query::{id_of, text};
use crate::{Result, Store};

/// The live people's names, in (name, id) order, built at one `people` data version.
pub struct NameIndex {
    version: i64,
    /// (name, id), sorted.
    entries: Vec<(Box<str>, Id)>,
    /// The lower-cased names in the same order, each followed by a `\n` (never in a name
    /// fragment the search looks for), so one SIMD substring search runs over all of them.
    lower: String,
    /// Where each entry's lower-cased name starts in `lower`.
    starts: Vec<usize>,
    position: HashMap<Id, usize>,
}

impl NameIndex {
    fn new(version: i64, mut entries: Vec<(Box<str>, Id)>) -> NameIndex {
        entries.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let mut lower = String::with_capacity(entries.iter().map(|e| e.0.len() + 1).sum());
        let mut starts = Vec::with_capacity(entries.len());
        for (name, _) in &entries {
            starts.push(lower.len());
            // A name never holds a line break (names are one line), but be sure.
            lower.extend(name.chars().flat_map(char::to_lowercase).map(|c| if c == '\n' { ' ' } else { c }));
            lower.push('\n');
        }
        let position = entries.iter().enumerate().map(|(i, e)| (e.1, i)).collect();
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

    /// Up to `limit` ids of people whose name contains `fragment` (case-insensitive), in name
    /// order, after the person `after` = (name, id) when given. The cursor's person need not
    /// still exist: its place in the order is found from its name and id.
    pub fn find(&self, fragment: &str, after: Option<(&str, Id)>, limit: usize) -> Vec<Id> {
        let needle: String = fragment.trim().chars().flat_map(char::to_lowercase).collect();
        let first = match after {
            None => 0,
            Some((name, id)) => match self.position.get(&id) {
                Some(&i) if &*self.entries[i].0 == name => i + 1,
                _ => self.entries.partition_point(|(n, i)| (&**n, *i) <= (name, id)),
            },
        };
        let mut out = Vec::new();
        if first >= self.entries.len() || needle.contains('\n') || limit == 0 {
            return out;
        }
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let mut from = self.starts[first];
        while let Some(hit) = finder.find(&self.lower.as_bytes()[from..]) {
            let at = from + hit;
            // The entry holding the hit: the last one starting at or before it.
            let i = self.starts.partition_point(|&s| s <= at) - 1;
            out.push(self.entries[i].1);
            if out.len() == limit {
                break;
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

impl Store {
    /// The version of the `people` data (bumped by every change to a person), for caches of
    /// people's columns kept outside the database, such as [`NameIndex`].
    pub fn people_version(&mut self) -> Result<i64> {
        let rows = self.db().query("SELECT version FROM data_versions WHERE key = 'people'", &[])?;
        Ok(rows.first().and_then(|r| r[0].int()).unwrap_or(0))
    }

    /// Read the names of the live people. The version is read first, so the index is at least
    /// as new as its label: a concurrent change can only make it look stale.
    pub fn name_index(&mut self) -> Result<NameIndex> {
        let version = self.people_version()?;
        let mut entries = Vec::new();
        self.db().query_each(
            "SELECT id, display_name FROM people WHERE deleted = 0 AND display_name IS NOT NULL",
            &[],
            &mut |r| {
                if let (Some(id), Some(name)) = (id_of(&r[0]), text(&r[1])) {
                    entries.push((name.into_boxed_str(), id));
                }
            },
        )?;
        Ok(NameIndex::new(version, entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str]) -> NameIndex {
        let entries =
            names.iter().enumerate().map(|(i, n)| ((*n).into(), Id::from_uuid(uuid::Uuid::from_u128(i as u128 + 1))));
        NameIndex::new(1, entries.collect())
    }

    fn names(ix: &NameIndex, ids: &[Id]) -> Vec<String> {
        ids.iter().map(|id| ix.entries[ix.position[id]].0.to_string()).collect()
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
