-- kith schema, version 3: interop. (Version 2 is another branch's; each runs once, in order.)
--
-- `person_cards` holds what an import kept verbatim of a person's card: the vCard properties
-- kith does not model (photos, related names, X- properties), as JSON, so that an export
-- writes them back. Its own table keeps these large values out of the person_items indexes and
-- out of search.

CREATE TABLE person_cards (
    id {txt} PRIMARY KEY,
    parent {txt} REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    format {txt},
    data {txt},
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX person_cards_parent ON person_cards (parent);
