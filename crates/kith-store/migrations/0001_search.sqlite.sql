-- Full-text search, SQLite: FTS5 with BM25 ranking. `search_docs` gives every indexed record a
-- stable integer rowid so its document can be replaced without scanning the index.
CREATE TABLE search_docs (
    rowid INTEGER PRIMARY KEY,
    entity TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL
);
CREATE VIRTUAL TABLE search USING fts5 (
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
