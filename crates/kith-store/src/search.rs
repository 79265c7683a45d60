//! Full-text search over people, organizations, interactions, tasks, events and projects.
//!
//! Each searchable record has one document (a title and a body) that is rebuilt whenever an op
//! touches the record or one of its children. SQLite indexes documents with FTS5 and ranks with
//! BM25; PostgreSQL uses a weighted tsvector and `ts_rank`. Both take the same query: every word
//! must appear, each as a prefix.

use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use kith_core::{Id, Kind};
use serde::Serialize;

use crate::Result;
use crate::backend::{Arg, Backend, Engine, Val};

/// One search result, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub kind: &'static str,
    pub id: Id,
    pub title: String,
    /// The part of the document that matched, or its start.
    pub snippet: String,
    /// Higher is better; comparable only within one search.
    pub score: f64,
}

/// The searchable record that a change to `kind`/`id` affects.
pub(crate) fn owner(db: &mut dyn Backend, kind: Kind, id: Id) -> Result<Option<(Kind, Id)>> {
    let parent = |db: &mut dyn Backend, sql: &str, k: Kind| -> Result<Option<(Kind, Id)>> {
        let rows = db.query(sql, &[id.into()])?;
        Ok(rows.first().and_then(|r| r[0].text()).and_then(|s| s.parse().ok()).map(|p| (k, p)))
    };
    match kind {
        Kind::Person | Kind::Org | Kind::Interaction | Kind::Task | Kind::Event | Kind::Project => Ok(Some((kind, id))),
        _ => match in_owner_document(kind) {
            Some((field, owner)) => parent(db, &format!("SELECT {field} FROM {} WHERE id = ?", kind.table()), owner),
            None => Ok(None),
        },
    }
}

/// For a kind whose records are text in their owner's search document (a person's items and
/// roles, an organization's items, an interaction's exchanges), the field naming the owner and
/// its kind (`Kind::owner`).
pub(crate) fn in_owner_document(kind: Kind) -> Option<(&'static str, Kind)> {
    match kind {
        Kind::PersonItem | Kind::OrgItem | Kind::Role | Kind::Exchange => kind.owner(),
        _ => None,
    }
}

pub(crate) fn reindex(
    db: &mut dyn Backend,
    changed: &BTreeSet<(Kind, Id)>,
    owners: &HashMap<Id, (Kind, Id)>,
    mut known: HashMap<Id, Doc>,
) -> Result<()> {
    let mut docs = BTreeSet::new();
    for &(kind, id) in changed {
        let o = match owners.get(&id) {
            Some(o) => Some(*o),
            None => owner(db, kind, id)?,
        };
        if let Some(o) = o {
            docs.insert(o);
        }
    }
    // People are most of a bulk load: the documents of people made by this apply are `known`
    // (built from its records), the others are read a few hundred at a time; all are written in
    // id order, as their rowids always were.
    let people: Vec<Id> = docs.iter().filter(|(k, _)| *k == Kind::Person).map(|(_, id)| *id).collect();
    // People inserted by this apply had no row before, so no document either.
    let fresh: HashSet<Id> = known.keys().copied().collect();
    let mut all = Vec::with_capacity(people.len());
    for chunk in people.chunks(500) {
        let unknown: Vec<Id> = chunk.iter().copied().filter(|id| !known.contains_key(id)).collect();
        let mut read: HashMap<Id, Doc> = person_documents(db, &unknown)?.into_iter().collect();
        for id in chunk {
            let doc = known.remove(id).or_else(|| read.remove(id)).flatten();
            all.push((*id, doc));
        }
    }
    write_docs(db, Kind::Person, all, &fresh)?;
    for (kind, id) in docs.into_iter().filter(|(k, _)| *k != Kind::Person) {
        let doc = document(db, kind, id)?;
        write_docs(db, kind, vec![(id, doc)], &HashSet::new())?;
    }
    Ok(())
}

/// A document's title and body; `None` when the record is deleted or has no text.
pub(crate) type Doc = Option<(String, String)>;

/// The documents of these people, as [`document`] builds them one at a time.
fn person_documents(db: &mut dyn Backend, ids: &[Id]) -> Result<Vec<(Id, Doc)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let params: Vec<Val> = ids.iter().map(|&id| Val::from(id)).collect();
    let marks = crate::query::marks(ids.len());
    let mut parts: HashMap<Id, (String, Vec<String>)> = HashMap::new();
    for row in db.query(
        &format!(
            "SELECT id, display_name, given_name, family_name, met_how, met_where, notes, pitch, deleted
             FROM people WHERE id IN ({marks})"
        ),
        &params,
    )? {
        let Some(id) = row[0].text().and_then(|s| s.parse::<Id>().ok()) else { continue };
        if row[8].int() == Some(1) {
            continue;
        }
        let mut it = row.into_iter().skip(1).take(7).map(Val::into_text);
        let title = it.next().flatten().unwrap_or_default();
        parts.insert(id, (title, it.flatten().collect()));
    }
    let mut add = |rows: Vec<Vec<Val>>| {
        for row in rows {
            let Some(id) = row[0].text().and_then(|s| s.parse::<Id>().ok()) else { continue };
            if let Some((_, body)) = parts.get_mut(&id) {
                body.extend(row.into_iter().skip(1).filter_map(Val::into_text));
            }
        }
    };
    add(db.query(
        &format!(
            "SELECT parent, value FROM person_items WHERE parent IN ({marks}) AND deleted = 0 ORDER BY parent, kind, value"
        ),
        &params,
    )?);
    add(db.query(
        &format!(
            "SELECT r.person, o.name, r.title FROM roles r LEFT JOIN orgs o ON o.id = r.org
             WHERE r.person IN ({marks}) AND r.deleted = 0 ORDER BY r.person, r.id"
        ),
        &params,
    )?);
    Ok(ids
        .iter()
        .map(|id| {
            let doc = parts.remove(id).and_then(|(title, mut body)| {
                body.retain(|s| !s.is_empty());
                (!title.is_empty() || !body.is_empty()).then(|| (title, body.join("\n")))
            });
            (*id, doc)
        })
        .collect())
}

fn texts(rows: Vec<Vec<Val>>) -> impl Iterator<Item = String> {
    rows.into_iter().flat_map(|r| r.into_iter().filter_map(Val::into_text))
}

/// The title and body of a record's document, or `None` when it is deleted or empty.
fn document(db: &mut dyn Backend, kind: Kind, id: Id) -> Result<Option<(String, String)>> {
    let one = |db: &mut dyn Backend, sql: &str| -> Result<Option<Vec<Val>>> {
        Ok(db.query(sql, &[id.into()])?.into_iter().next())
    };
    let (title, mut body): (String, Vec<String>) = match kind {
        Kind::Person => return Ok(person_documents(db, &[id])?.pop().and_then(|(_, doc)| doc)),
        Kind::Org => {
            let Some(row) = one(db, "SELECT name, domain, notes, deleted FROM orgs WHERE id = ?")? else {
                return Ok(None);
            };
            if row[3].int() == Some(1) {
                return Ok(None);
            }
            let mut it = row.into_iter().take(3).map(Val::into_text);
            let title = it.next().flatten().unwrap_or_default();
            let mut body: Vec<String> = it.flatten().collect();
            body.extend(texts(db.query("SELECT value FROM org_items WHERE parent = ? AND deleted = 0", &[id.into()])?));
            (title, body)
        }
        Kind::Interaction => {
            let Some(row) = one(db, "SELECT kind, summary, notes, deleted FROM interactions WHERE id = ?")? else {
                return Ok(None);
            };
            if row[3].int() == Some(1) {
                return Ok(None);
            }
            let mut it = row.into_iter().take(3).map(Val::into_text);
            let kind_word = it.next().flatten().unwrap_or_default();
            let summary = it.next().flatten();
            let title = summary.clone().unwrap_or_else(|| kind_word.clone());
            let mut body: Vec<String> = vec![kind_word];
            body.extend(it.flatten());
            body.extend(texts(
                db.query("SELECT what FROM exchanges WHERE interaction = ? AND deleted = 0", &[id.into()])?,
            ));
            (title, body)
        }
        Kind::Task => {
            let Some(row) = one(db, "SELECT title, notes, deleted FROM tasks WHERE id = ?")? else {
                return Ok(None);
            };
            if row[2].int() == Some(1) {
                return Ok(None);
            }
            let mut it = row.into_iter().take(2).map(Val::into_text);
            (it.next().flatten().unwrap_or_default(), it.flatten().collect())
        }
        Kind::Event => {
            let Some(row) =
                one(db, "SELECT title, kind, place, link, goals, prep, debrief, deleted FROM events WHERE id = ?")?
            else {
                return Ok(None);
            };
            if row[7].int() == Some(1) {
                return Ok(None);
            }
            let mut it = row.into_iter().take(7).map(Val::into_text);
            (it.next().flatten().unwrap_or_default(), it.flatten().collect())
        }
        Kind::Project => {
            let Some(row) = one(db, "SELECT name, description, deleted FROM projects WHERE id = ?")? else {
                return Ok(None);
            };
            if row[2].int() == Some(1) {
                return Ok(None);
            }
            let mut it = row.into_iter().take(2).map(Val::into_text);
            (it.next().flatten().unwrap_or_default(), it.flatten().collect())
        }
        _ => return Ok(None),
    };
    body.retain(|s| !s.is_empty());
    if title.is_empty() && body.is_empty() {
        return Ok(None);
    }
    Ok(Some((title, body.join("\n"))))
}

/// The people whose stored search document is not what their rows say now (as
/// [`person_documents`] reads it): a check for tests of the writes that build documents without
/// reading them back.
pub(crate) fn stale_person_documents(db: &mut dyn Backend) -> Result<Vec<Id>> {
    let sql = match db.engine() {
        Engine::Sqlite => {
            "SELECT d.entity, s.title, s.body FROM search_docs d JOIN search s ON s.rowid = d.rowid
             WHERE d.kind = 'person'"
        }
        Engine::Postgres => "SELECT entity, title, body FROM search_docs WHERE kind = 'person'",
    };
    let mut stored: HashMap<Id, (String, String)> = HashMap::new();
    for r in db.query(sql, &[])? {
        let mut it = r.into_iter();
        let (Some(id), Some(title), Some(body)) = (it.next(), it.next(), it.next()) else { continue };
        if let Some(id) = id.text().and_then(|s| s.parse().ok()) {
            stored.insert(id, (title.into_text().unwrap_or_default(), body.into_text().unwrap_or_default()));
        }
    }
    let ids: Vec<Id> =
        db.query("SELECT id FROM people ORDER BY id", &[])?.iter().filter_map(|r| r[0].text()?.parse().ok()).collect();
    let mut stale = Vec::new();
    for chunk in ids.chunks(500) {
        for (id, doc) in person_documents(db, chunk)? {
            if doc != stored.remove(&id) {
                stale.push(id);
            }
        }
    }
    // Documents of people that have no row.
    stale.extend(stored.into_keys());
    Ok(stale)
}

/// Replace the documents of these records of `kind` (`None`: the record has none now); those in
/// `fresh` are known to have none stored (inserted by this apply), so they are not looked up.
/// New documents are written with one statement for all of them: FTS5 writes its pending terms
/// out at the start of every statement of a transaction, so one statement per document made one
/// index segment per document, and merging those was a tenth of a bulk import.
fn write_docs(db: &mut dyn Backend, kind: Kind, docs: Vec<(Id, Doc)>, fresh: &HashSet<Id>) -> Result<()> {
    const ROWS: usize = 250;
    if docs.is_empty() {
        return Ok(());
    }
    match db.engine() {
        Engine::Sqlite => {
            let ids: Vec<Val> =
                docs.iter().filter(|(id, _)| !fresh.contains(id)).map(|(id, _)| Val::from(*id)).collect();
            let mut stored: HashMap<Id, i64> = HashMap::new();
            for chunk in ids.chunks(ROWS) {
                let sql = format!(
                    "SELECT entity, rowid FROM search_docs WHERE entity IN ({})",
                    crate::query::marks(chunk.len())
                );
                for r in db.query(&sql, chunk)? {
                    if let (Some(id), Some(rowid)) = (r[0].text().and_then(|s| s.parse().ok()), r[1].int()) {
                        stored.insert(id, rowid);
                    }
                }
            }
            let mut next = if docs.iter().any(|(id, doc)| doc.is_some() && !stored.contains_key(id)) {
                let max = db.query("SELECT coalesce(max(rowid), 0) FROM search_docs", &[])?;
                max.first().and_then(|r| r[0].int()).unwrap_or(0) + 1
            } else {
                0
            };
            let mut new_docs = Vec::new();
            let mut rows = Vec::new();
            for (id, doc) in docs {
                let rowid = stored.get(&id).copied();
                if let Some(rowid) = rowid {
                    db.execute("DELETE FROM search WHERE rowid = ?", &[Val::Int(rowid)])?;
                }
                match (doc, rowid) {
                    (None, Some(rowid)) => {
                        db.execute("DELETE FROM search_docs WHERE rowid = ?", &[Val::Int(rowid)])?;
                    }
                    (None, None) => {}
                    (Some((title, body)), Some(rowid)) => rows.push((rowid, title, body)),
                    (Some((title, body)), None) => {
                        new_docs.push((next, id));
                        rows.push((next, title, body));
                        next += 1;
                    }
                }
            }
            for chunk in new_docs.chunks(ROWS) {
                let sql = format!(
                    "INSERT OR FAIL INTO search_docs (rowid, entity, kind) VALUES {}",
                    crate::query::rows_of(3, chunk.len())
                );
                let params: Vec<Val> = chunk
                    .iter()
                    .flat_map(|(rowid, id)| [Val::Int(*rowid), Val::from(*id), Val::from(kind.name())])
                    .collect();
                db.execute(&sql, &params)?;
            }
            for chunk in rows.chunks(ROWS) {
                let sql = format!(
                    "INSERT OR FAIL INTO search (rowid, title, body) VALUES {}",
                    crate::query::rows_of(3, chunk.len())
                );
                let params: Vec<Arg<'_>> = chunk
                    .iter()
                    .flat_map(|(rowid, title, body)| [Arg::Int(*rowid), Arg::Text(title), Arg::Text(body)])
                    .collect();
                db.execute_args(&sql, &params)?;
            }
        }
        Engine::Postgres => {
            let mut rows = Vec::new();
            for (id, doc) in docs {
                match doc {
                    None => {
                        db.execute("DELETE FROM search_docs WHERE entity = ?", &[id.into()])?;
                    }
                    Some((title, body)) => rows.push((id, title, body)),
                }
            }
            for chunk in rows.chunks(ROWS) {
                let sql = format!(
                    "INSERT INTO search_docs (entity, kind, title, body) VALUES {}
                     ON CONFLICT (entity) DO UPDATE SET title = excluded.title, body = excluded.body",
                    crate::query::rows_of(4, chunk.len())
                );
                let params: Vec<Val> = chunk
                    .iter()
                    .flat_map(|(id, title, body)| {
                        [Val::from(*id), Val::from(kind.name()), Val::Text(title.clone()), Val::Text(body.clone())]
                    })
                    .collect();
                db.execute(&sql, &params)?;
            }
        }
    }
    Ok(())
}

/// The words of a query, lower-cased, without punctuation that the engines' query languages
/// would read as syntax.
fn words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).take(16).collect()
}

/// How many of the newest matching documents are ranked (BM25 in SQLite, ts_rank in
/// PostgreSQL). A personal network rarely has more matches than this, and then the ranking is
/// exact; beyond it, older matches are left out rather than making every search slow.
const RANKED: i64 = 5000;

pub(crate) fn search(db: &mut dyn Backend, q: &str, kinds: &[Kind], limit: usize) -> Result<Vec<SearchHit>> {
    let words = words(q);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut kind_filter = String::new();
    let mut params: Vec<Val> = Vec::new();
    let rows = match db.engine() {
        Engine::Sqlite => {
            let expr: Vec<String> = words.iter().map(|w| format!("\"{w}\"*")).collect();
            let expr = Val::Text(expr.join(" "));
            // Ranking costs per matching document; a common word in a big network matches a
            // hundred thousand interactions. Rank only the newest RANKED matches: walking the
            // index by rowid without scoring is cheap, and finds where that window starts.
            let kind_vals: Vec<Val> = kinds.iter().map(|k| Val::from(k.name())).collect();
            if !kinds.is_empty() {
                kind_filter = format!(" AND d.kind IN ({})", vec!["?"; kinds.len()].join(", "));
            }
            let mut floor_params = vec![expr.clone()];
            floor_params.extend(kind_vals.iter().cloned());
            floor_params.push(Val::Int(RANKED));
            let floor = db
                .query(
                    &format!(
                        "SELECT search.rowid FROM search JOIN search_docs d ON d.rowid = search.rowid
                         WHERE search MATCH ?{kind_filter} ORDER BY search.rowid DESC LIMIT 1 OFFSET ?"
                    ),
                    &floor_params,
                )?
                .first()
                .and_then(|r| r[0].int())
                .unwrap_or(0);
            params.push(expr.clone());
            params.push(Val::Int(floor));
            params.extend(kind_vals);
            params.push(Val::Int(limit as i64));
            let mut rows = db.query(
                &format!(
                    "SELECT d.kind, d.entity, search.title, search.rowid, -bm25(search, 4.0, 1.0) AS score
                     FROM search JOIN search_docs d ON d.rowid = search.rowid
                     WHERE search MATCH ? AND search.rowid > ?{kind_filter}
                     ORDER BY score DESC LIMIT ?"
                ),
                &params,
            )?;
            // Snippets only for the hits shown, and outside FTS5: its snippet() in the ranking
            // query would run for every candidate, and a MATCH per hit would expand the prefix
            // query again each time. Reading a document's body by rowid is a plain lookup.
            for row in &mut rows {
                let body = db
                    .query("SELECT body FROM search WHERE rowid = ?", &[row[3].clone()])?
                    .into_iter()
                    .next()
                    .and_then(|r| r.into_iter().next())
                    .and_then(Val::into_text)
                    .unwrap_or_default();
                row[3] = Val::Text(snippet(&body, &words));
            }
            rows
        }
        Engine::Postgres => {
            let expr: Vec<String> = words.iter().map(|w| format!("{w}:*")).collect();
            let expr = Val::Text(expr.join(" & "));
            params.push(expr.clone());
            if !kinds.is_empty() {
                kind_filter = format!(" AND kind IN ({})", vec!["?"; kinds.len()].join(", "));
                params.extend(kinds.iter().map(|k| Val::from(k.name())));
            }
            params.push(expr);
            params.push(Val::Int(limit as i64));
            // As in SQLite, rank only the newest RANKED matches: ids are UUIDv7, so the primary
            // key walked backwards is newest first, and ts_rank (which reads every candidate's
            // tsvector) runs on the window only.
            db.query(
                &format!(
                    "SELECT d.kind, d.entity, d.title,
                            ts_headline('simple', d.body, q, 'StartSel=[, StopSel=], MaxWords=12, MinWords=4'),
                            ts_rank(d.tsv, q)
                     FROM (SELECT kind, entity, title, body, tsv FROM search_docs
                           WHERE tsv @@ to_tsquery('simple', ?){kind_filter}
                           ORDER BY entity DESC LIMIT {RANKED}) d,
                          to_tsquery('simple', ?) q
                     ORDER BY ts_rank(d.tsv, q) DESC, d.entity LIMIT ?"
                ),
                &params,
            )?
        }
    };
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let mut it = r.into_iter();
            let kind = Kind::parse(it.next()?.text()?)?;
            let id = it.next()?.text()?.parse().ok()?;
            let title = it.next()?.into_text().unwrap_or_default();
            let snippet = it.next()?.into_text().unwrap_or_default();
            let score = it.next()?.real().unwrap_or_default();
            Some(SearchHit { kind: kind.name(), id, title, snippet, score })
        })
        .collect())
}

/// Up to a dozen words of `body` around the first word that starts with a query word, the
/// matching words in [brackets]; the start of the body when only the title matched.
fn snippet(body: &str, query: &[String]) -> String {
    const WORDS: usize = 12;
    const BEFORE: usize = 4;
    // Word spans: runs of alphanumeric characters, as the tokenizer sees them.
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in body.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, body.len()));
    }
    let hit = |&(s, e): &(usize, usize)| {
        let w = body[s..e].to_lowercase();
        query.iter().any(|q| w.starts_with(q.as_str()))
    };
    let first = spans.iter().position(hit).unwrap_or(0);
    let from = first.saturating_sub(BEFORE);
    let to = (from + WORDS).min(spans.len());
    let Some(&(text_start, _)) = spans.get(from) else { return String::new() };
    let text_end = spans[to - 1].1;
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = text_start;
    for span in &spans[from..to] {
        out.push_str(&body[at..span.0]);
        if hit(span) {
            out.push('[');
            out.push_str(&body[span.0..span.1]);
            out.push(']');
        } else {
            out.push_str(&body[span.0..span.1]);
        }
        at = span.1;
    }
    debug_assert_eq!(at, text_end);
    if to < spans.len() {
        out.push('…');
    }
    out.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn snippets_mark_word_starts_around_the_first_match() {
        let q = vec!["design".to_string()];
        assert_eq!(super::snippet("we talked about the design system", &q), "we talked about the [design] system");
        let long = "one two three four five six seven eight designers nine ten eleven twelve thirteen fourteen";
        assert_eq!(
            super::snippet(long, &q),
            "…five six seven eight [designers] nine ten eleven twelve thirteen fourteen"
        );
        // A title-only match shows the start of the body; an empty body an empty snippet.
        assert_eq!(super::snippet("coffee, then a walk", &q), "coffee, then a walk");
        assert_eq!(super::snippet("", &q), "");
        // Not inside a word, and not across multi-byte characters.
        assert_eq!(super::snippet("redesign — café design", &q), "redesign — café [design]");
    }

    #[test]
    fn query_words_drop_syntax() {
        assert_eq!(super::words("design \"system\" OR* -x"), vec!["design", "system", "or", "x"]);
        assert!(super::words(" :* & ").is_empty());
    }
}
