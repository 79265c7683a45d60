-- kith schema, version 14: the op log filed by owner. Shared by both engines.
--
-- `ops.root` is the record that an op's record belongs to (`kith_core::Kind::owner`: the person
-- for its emails, roles and kept card, the interaction for its participants…) as its row names
-- it, or the record itself. Applying ops to a stored record reads the ops of its root, so the log
-- is indexed by root rather than by entity. A bulk import files a new person's ten or so ops
-- under the person's id, which is newer than any before it: the index grows at its end, where
-- the entity index took the random derived ids of items, cards and roles, one insert anywhere in
-- a large tree for each op (100,000 vCards: see ARCHITECTURE.md, "Session 11").
ALTER TABLE ops ADD COLUMN root {txt};
UPDATE ops SET root = CASE kind
    WHEN 'person_item' THEN (SELECT parent FROM person_items WHERE id = ops.entity)
    WHEN 'person_card' THEN (SELECT parent FROM person_cards WHERE id = ops.entity)
    WHEN 'role' THEN (SELECT person FROM roles WHERE id = ops.entity)
    WHEN 'org_item' THEN (SELECT parent FROM org_items WHERE id = ops.entity)
    WHEN 'participant' THEN (SELECT interaction FROM participants WHERE id = ops.entity)
    WHEN 'exchange' THEN (SELECT interaction FROM exchanges WHERE id = ops.entity)
    WHEN 'task_person' THEN (SELECT task FROM task_people WHERE id = ops.entity)
    WHEN 'attendee' THEN (SELECT event FROM attendees WHERE id = ops.entity)
END;
UPDATE ops SET root = entity WHERE root IS NULL;
CREATE INDEX ops_root ON ops (root);
DROP INDEX IF EXISTS ops_entity;
