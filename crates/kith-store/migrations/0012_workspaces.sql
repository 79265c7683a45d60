-- kith schema, version 12: several workspaces on one server. Shared by both engines.
--
-- The server database keeps the accounts and the records of the first team workspace; every
-- other workspace (each user's personal one, further teams) is a store of its own with this same
-- schema (see ARCHITECTURE.md, "Workspaces"). In those stores the account tables stay empty.
--
-- A workspace is a team's or one user's ('personal': its only member is its owner). A session
-- is in one workspace at a time (NULL: the user's default); an API token is bound to one
-- workspace at creation (NULL, for tokens made before: the user's default).

ALTER TABLE workspaces ADD COLUMN kind {txt} NOT NULL DEFAULT 'team';
ALTER TABLE sessions ADD COLUMN workspace {txt};
ALTER TABLE api_tokens ADD COLUMN workspace {txt};

-- A project's list names users of the server database, which a workspace's own store does not
-- hold: the list keeps their ids without a foreign key.
CREATE TABLE project_members_12 (
    project {txt} NOT NULL,
    user_id {txt} NOT NULL,
    rights {txt} NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project, user_id)
);
INSERT INTO project_members_12 (project, user_id, rights, created_at)
    SELECT project, user_id, rights, created_at FROM project_members;
DROP TABLE project_members;
ALTER TABLE project_members_12 RENAME TO project_members;
CREATE INDEX project_members_user ON project_members (user_id);
