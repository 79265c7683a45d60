-- kith schema, version 10: a slimmer index over the op log. Shared by both engines.
--
-- Applying ops to a record that exists reads all of that record's ops (`WHERE entity = ?`) and
-- finds each register's winner in memory, so the index needs only the entity. `ops_register`
-- also held field, timestamp, node and op id: 2.2 times the bytes, a fifth of all index writes
-- of a bulk import (measured on 20,000 imported vCards: 22 MB against 10 MB).
CREATE INDEX ops_entity ON ops (entity);
DROP INDEX ops_register;
