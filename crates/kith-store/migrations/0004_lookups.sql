-- kith schema, version 4: indexes for lookups that every command makes.
--
-- `me` (the user's own person) is resolved by most commands; without an index that is a scan
-- of every person.
CREATE INDEX people_me ON people (id) WHERE is_me = 1;
