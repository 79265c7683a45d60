CREATE TABLE derived (
    key TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    data BYTEA NOT NULL
);
-- The blobs are read whole on every call: skip TOAST compression (a few MB of ids and numbers
-- compress poorly and would cost a decompression per read).
ALTER TABLE derived ALTER COLUMN data SET STORAGE EXTERNAL;
