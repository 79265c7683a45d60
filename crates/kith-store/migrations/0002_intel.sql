-- kith schema, version 2: what relationship intelligence (reconnect, warmth, rank, plan) reads.
--
-- `participants.at` is a derived column: the time of the participant's interaction while that
-- interaction is live, NULL otherwise. `apply` recomputes it from the materialized rows whenever
-- an interaction or a participant changes (so it converges like every other column), and it
-- lets per-person contact statistics (last contact, interactions in the last year) read one
-- covering index instead of joining every participant to its interaction.
ALTER TABLE participants ADD COLUMN at BIGINT;
UPDATE participants SET at = (
    SELECT i.occurred_at FROM interactions i WHERE i.id = participants.interaction AND i.deleted = 0
);
CREATE INDEX participants_person_at ON participants (person, deleted, at);
-- Exchanges by person with everything the ledger sums.
CREATE INDEX exchanges_person_live ON exchanges (person, deleted, direction, weight);
-- Open hooks and tasks per person.
CREATE INDEX task_people_person_live ON task_people (person, deleted, task);
