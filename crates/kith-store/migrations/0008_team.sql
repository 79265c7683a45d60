-- kith schema, version 8: the team. Shared by both engines (`{txt}` as in 0001).
--
-- `tasks.assignee` is the materialized column of the task field `assignee` (replicated, in the op
-- log): the id of the team server user the task is assigned to.
--
-- `project_members` is local server state like `memberships` (not in the op log, never synced):
-- who besides the workspace's own roles may see (`view`) or change (`edit`) one project and its
-- tasks. It is access control, so a replica must not be able to grant it by sending operations.
ALTER TABLE tasks ADD COLUMN assignee {txt};
CREATE INDEX tasks_assignee ON tasks (assignee, status);

CREATE TABLE project_members (
    project {txt} NOT NULL,
    user_id {txt} NOT NULL REFERENCES users (id),
    rights {txt} NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project, user_id)
);
CREATE INDEX project_members_user ON project_members (user_id);
