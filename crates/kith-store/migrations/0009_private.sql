-- kith schema, version 9: private people. Shared by both engines (`{txt}` as in 0001).
--
-- `people.private_to` is the materialized column of the person field `private_to` (replicated,
-- in the op log): the id of the team server user the person is private to; NULL means shared
-- with the workspace. The partial index holds only private people, so finding the people hidden
-- from a user (see `kith_store::privacy`) reads a handful of index entries, not the people table.
ALTER TABLE people ADD COLUMN private_to {txt};
CREATE INDEX people_private ON people (private_to) WHERE private_to IS NOT NULL;

-- The `privacy` data version: bumped by every change to people, ties, participants, exchanges and
-- task people (what decides which records are hidden from whom), so the server keeps each user's
-- hidden set in memory until it moves.
INSERT INTO data_versions (key, version) VALUES ('privacy', 0);
