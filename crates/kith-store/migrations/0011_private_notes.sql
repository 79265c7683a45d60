-- kith schema, version 11: private notes. Shared by both engines (`{txt}` as in 0001).
--
-- `interactions.private_to` is the materialized column of the interaction field `private_to`
-- (replicated, in the op log, like `people.private_to` of migration 9): the id of the team server
-- user a logged interaction (a note, with its exchanges) is private to; NULL means it is seen by
-- whoever sees its people. The partial index holds only private interactions, so the hidden set of
-- a user (`kith_store::privacy`) stays one cheap query. The `privacy` data version (migration 9)
-- now follows interactions too (`derived::Counter::of`).
ALTER TABLE interactions ADD COLUMN private_to {txt};
CREATE INDEX interactions_private ON interactions (private_to) WHERE private_to IS NOT NULL;
