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
    /// (lower-cased name, name, id), sorted by (name, id).
    entries: Vec<(Box<str>, Box<str>, Id)>,
    position: HashMap<Id, usize>,
}

impl NameIndex {
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
        let needle = fragment.trim().to_lowercase();
        let start = match after {
            None => 0,
            Some((name, id)) => match self.position.get(&id) {
                Some(&i) if &*self.entries[i].1 == name => i + 1,
                _ => self.entries.partition_point(|(_, n, i)| (&**n, *i) <= (name, id)),
            },
        };
        self.entries[start..]
            .iter()
            .filter(|(lower, _, _)| lower.contains(needle.as_str()))
            .take(limit)
            .map(|(_, _, id)| *id)
            .collect()
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
                    entries.push((name.to_lowercase().into_boxed_str(), name.into_boxed_str(), id));
                }
            },
        )?;
        entries.sort_unstable_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
        let position = entries.iter().enumerate().map(|(i, e)| (e.2, i)).collect();
        Ok(NameIndex { version, entries, position })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str]) -> NameIndex {
        let mut entries: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let id = Id::from_uuid(uuid::Uuid::from_u128(i as u128 + 1));
                (n.to_lowercase().into_boxed_str(), (*n).into(), id)
            })
            .collect();
        entries.sort_unstable_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)));
        let position = entries.iter().enumerate().map(|(i, e)| (e.2, i)).collect();
        NameIndex { version: 1, entries, position }
    }

    fn names(ix: &NameIndex, ids: &[Id]) -> Vec<String> {
        ids.iter().map(|id| ix.entries[ix.position[id]].1.to_string()).collect()
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
