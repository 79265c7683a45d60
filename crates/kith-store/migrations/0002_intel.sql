-- kith schema, version 2: what relationship intelligence (reconnect, warmth, rank, ledger,
-- paths) reads.
--
-- `participants.at` and `exchanges.at` are derived columns: the time of the row's interaction
-- while that interaction is live, NULL otherwise. `apply` recomputes them from the materialized
-- rows whenever an interaction, a participant or an exchange changes (so they converge like
-- every other column). Per-person contact statistics and reciprocity sums then read one
-- covering index each, instead of looking up a million interactions by text id.
ALTER TABLE participants ADD COLUMN at BIGINT;
UPDATE participants SET at = (
    SELECT i.occurred_at FROM interactions i WHERE i.id = participants.interaction AND i.deleted = 0
);
CREATE INDEX participants_person_at ON participants (person, deleted, at);

ALTER TABLE exchanges ADD COLUMN at BIGINT;
UPDATE exchanges SET at = (
    SELECT i.occurred_at FROM interactions i WHERE i.id = exchanges.interaction AND i.deleted = 0
);
CREATE INDEX exchanges_person_at ON exchanges (person, deleted, at, direction, weight);

-- The tie graph loads (a, b, strength) of every live tie from this index alone. `deleted`
-- comes last: leading with it would make the planner prefer this index to `ties_a`/`ties_b`
-- for one person's ties, and scan every live tie.
CREATE INDEX ties_graph ON ties (a, b, strength, deleted);
-- Open hooks and tasks per person.
CREATE INDEX task_people_person_live ON task_people (person, deleted, task);
