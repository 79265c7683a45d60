-- Full-text search, PostgreSQL: a weighted tsvector (title A, body B) with a GIN index. The
-- 'simple' configuration does no stemming, like SQLite's unicode61 tokenizer, so both engines
-- find the same words.
CREATE TABLE search_docs (
    entity TEXT COLLATE "C" PRIMARY KEY,
    kind TEXT COLLATE "C" NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')
    ) STORED
);
CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv);
