-- One row per accepted record. The id is minted by the generator (a time-ordered UUIDv7), so a
-- redelivered message finds its row already there and inserts nothing.
CREATE TABLE data_record (
    id           uuid        PRIMARY KEY,
    user_id      text        NOT NULL CHECK (char_length(user_id) BETWEEN 1 AND 128),
    payload      jsonb       NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    received_at  timestamptz NOT NULL,
    persisted_at timestamptz NOT NULL DEFAULT now()
);

-- Serves "one user's records, newest first" and its keyset pages:
--   WHERE user_id = ? AND (received_at, id) < (?, ?) ORDER BY received_at DESC, id DESC LIMIT n
-- is one index range scan whatever the table size or the page depth.
CREATE INDEX data_record_user_newest ON data_record (user_id, received_at DESC, id DESC);
