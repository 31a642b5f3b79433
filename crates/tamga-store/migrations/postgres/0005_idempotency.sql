-- Idempotency keys (PostgreSQL) keep what the store knows, not an HTTP response: the declaration,
-- the version the request left it at, and its head as it was then (the body and assessment of
-- that version are read back from their own rows). Keys stored before, as responses, are
-- dropped: a retry of a request made before this migration runs again.

DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys DROP COLUMN status;
ALTER TABLE idempotency_keys DROP COLUMN response;
ALTER TABLE idempotency_keys ADD COLUMN declaration_id TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency_keys ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE idempotency_keys ADD COLUMN snapshot TEXT NOT NULL DEFAULT '';
