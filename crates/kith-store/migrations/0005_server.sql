-- kith schema, version 5: the team server's accounts. Shared by both engines (`{txt}` as in 0001).
--
-- These tables are local server state, not replicated data: they are not in the op log and never
-- sync. One database is one team workspace for now (see ARCHITECTURE.md, "Access control");
-- `workspaces` and `memberships` already name the workspace so that more can follow.
-- Secrets are stored only as hashes: argon2id for passwords (PHC strings), SHA-256 for the random
-- session and API tokens.

CREATE TABLE users (
    id {txt} PRIMARY KEY,
    email {txt} NOT NULL UNIQUE,
    name {txt} NOT NULL,
    password_hash {txt},
    created_at BIGINT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE workspaces (
    id {txt} PRIMARY KEY,
    name {txt} NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    workspace {txt} NOT NULL REFERENCES workspaces (id),
    user_id {txt} NOT NULL REFERENCES users (id),
    role {txt} NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (workspace, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE sessions (
    token_hash {txt} PRIMARY KEY,
    user_id {txt} NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id {txt} PRIMARY KEY,
    token_hash {txt} NOT NULL UNIQUE,
    user_id {txt} NOT NULL REFERENCES users (id),
    name {txt},
    read_only BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
