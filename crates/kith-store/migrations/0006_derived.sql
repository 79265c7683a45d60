-- kith schema, version 6: caches of whole-network reads (see `derived.rs`).
--
-- `data_versions` has one counter per group of record kinds; `apply` bumps a counter in the same
-- transaction as a change to one of its kinds. `derived` holds one blob per key with the counter
-- value it was built from: current when the two are equal. The rows are a cache, not state:
-- never replicated, safe to delete.
CREATE TABLE data_versions (
    key {txt} PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (key, version) VALUES ('people', 0), ('graph', 0), ('contacts', 0), ('exchanges', 0);
