-- kith schema, version 1. Shared by both engines: `{txt}` becomes TEXT in SQLite and
-- TEXT COLLATE "C" in PostgreSQL, so text sorts and compares byte-wise in both.
--
-- `ops` is the source of truth: every change, from every device. The other tables are the
-- materialized current state: one row per record, one column per field of the schema catalogue
-- (kith-core's schema.rs), folded from `ops` by last-writer-wins per field. Foreign keys are
-- deferred because operations from other devices may arrive children first.

CREATE TABLE meta (
    key {txt} PRIMARY KEY,
    value {txt} NOT NULL
);

CREATE TABLE ops (
    op_id {txt} PRIMARY KEY,
    hlc BIGINT NOT NULL,
    node BIGINT NOT NULL,
    actor {txt} NOT NULL,
    kind {txt} NOT NULL,
    entity {txt} NOT NULL,
    field {txt} NOT NULL,
    value {txt} NOT NULL
);
-- The register lookup: the winning op of one field of one record.
CREATE INDEX ops_register ON ops (entity, field, hlc, node, op_id);
-- Sync and clock resume: ops since a timestamp, the newest timestamp.
CREATE INDEX ops_hlc ON ops (hlc);

CREATE TABLE people (
    id {txt} PRIMARY KEY,
    display_name {txt},
    given_name {txt},
    family_name {txt},
    birthday {txt},
    met_how {txt},
    met_where {txt},
    met_on {txt},
    net_type {txt},
    tier {txt},
    cadence_days BIGINT,
    notes {txt},
    is_me BIGINT,
    pitch {txt},
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX people_name ON people (display_name);
CREATE INDEX people_tier ON people (tier);
-- Birthdays by month and day, whether or not the year is known ("1990-04-12", "--04-12").
CREATE INDEX people_birthday ON people (substr(birthday, length(birthday) - 4));

CREATE TABLE orgs (
    id {txt} PRIMARY KEY,
    name {txt},
    domain {txt},
    notes {txt},
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX orgs_name ON orgs (name);

CREATE TABLE projects (
    id {txt} PRIMARY KEY,
    name {txt},
    description {txt},
    status {txt},
    deleted BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE person_items (
    id {txt} PRIMARY KEY,
    parent {txt} REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    kind {txt},
    value {txt},
    label {txt},
    pref BIGINT,
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX person_items_parent ON person_items (parent, kind);
-- Covering for `person list --tag`: the tag's people without reading the rows.
CREATE INDEX person_items_value ON person_items (kind, value, deleted, parent);

CREATE TABLE org_items (
    id {txt} PRIMARY KEY,
    parent {txt} REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    kind {txt},
    value {txt},
    label {txt},
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX org_items_parent ON org_items (parent);

CREATE TABLE roles (
    id {txt} PRIMARY KEY,
    person {txt} REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    org {txt} REFERENCES orgs (id) DEFERRABLE INITIALLY DEFERRED,
    title {txt},
    start_on {txt},
    end_on {txt},
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX roles_person ON roles (person);
CREATE INDEX roles_org ON roles (org);

CREATE TABLE ties (
    id {txt} PRIMARY KEY,
    a {txt} REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    b {txt} REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    kind {txt},
    strength BIGINT,
    since {txt},
    source {txt},
    note {txt},
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ties_a ON ties (a);
CREATE INDEX ties_b ON ties (b);

CREATE TABLE interactions (
    id {txt} PRIMARY KEY,
    kind {txt},
    occurred_at BIGINT,
    summary {txt},
    notes {txt},
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX interactions_at ON interactions (occurred_at);

CREATE TABLE participants (
    id {txt} PRIMARY KEY,
    interaction {txt} REFERENCES interactions (id) DEFERRABLE INITIALLY DEFERRED,
    person {txt} REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX participants_interaction ON participants (interaction);
CREATE INDEX participants_person ON participants (person);

CREATE TABLE exchanges (
    id {txt} PRIMARY KEY,
    interaction {txt} REFERENCES interactions (id) DEFERRABLE INITIALLY DEFERRED,
    person {txt} REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    direction {txt},
    kind {txt},
    what {txt},
    weight BIGINT,
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX exchanges_interaction ON exchanges (interaction);
CREATE INDEX exchanges_person ON exchanges (person);

CREATE TABLE tasks (
    id {txt} PRIMARY KEY,
    title {txt},
    notes {txt},
    status {txt},
    due_date {txt},
    due_at BIGINT,
    priority BIGINT,
    project {txt} REFERENCES projects (id) DEFERRABLE INITIALLY DEFERRED,
    recurrence {txt},
    reminders {txt},
    hook BIGINT,
    interaction {txt} REFERENCES interactions (id) DEFERRABLE INITIALLY DEFERRED,
    done_at BIGINT,
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tasks_due_date ON tasks (status, due_date);
CREATE INDEX tasks_due_at ON tasks (status, due_at);
CREATE INDEX tasks_project ON tasks (project);

CREATE TABLE task_people (
    id {txt} PRIMARY KEY,
    task {txt} REFERENCES tasks (id) DEFERRABLE INITIALLY DEFERRED,
    person {txt} REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX task_people_task ON task_people (task);
CREATE INDEX task_people_person ON task_people (person);

CREATE TABLE events (
    id {txt} PRIMARY KEY,
    title {txt},
    kind {txt},
    start_at BIGINT,
    end_at BIGINT,
    tz {txt},
    place {txt},
    link {txt},
    goals {txt},
    prep {txt},
    debrief {txt},
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX events_start ON events (start_at);

CREATE TABLE attendees (
    id {txt} PRIMARY KEY,
    event {txt} REFERENCES events (id) DEFERRABLE INITIALLY DEFERRED,
    person {txt} REFERENCES people (id) DEFERRABLE INITIALLY DEFERRED,
    deleted BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX attendees_event ON attendees (event);
CREATE INDEX attendees_person ON attendees (person);
