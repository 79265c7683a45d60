CREATE TABLE derived (
    key TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    data BLOB NOT NULL
);
