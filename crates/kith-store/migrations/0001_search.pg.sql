-- Full-text search, PostgreSQL: a weighted tsvector (title A, body B) with a GIN index. The
-- 'simple' configuration does no stemming, like SQLite's unicode61 tokenizer, and punctuation
-- is turned into spaces first (PostgreSQL's parser would keep `ann@acme.example` as one token
-- where SQLite splits it), so both engines find the same words.
CREATE TABLE search_docs (
    entity TEXT COLLATE "C" PRIMARY KEY,
    kind TEXT COLLATE "C" NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', regexp_replace(title, '[^[:alnum:]]+', ' ', 'g')), 'A')
        || setweight(to_tsvector('simple', regexp_replace(body, '[^[:alnum:]]+', ' ', 'g')), 'B')
    ) STORED
);
CREATE INDEX search_docs_tsv ON search_docs USING GIN (tsv);
