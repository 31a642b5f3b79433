-- Integrity (SQLite): receipts keyed by their state with the day they were asked for; every
-- append-only row names the audit entry that wrote it (0: written before the chain was keyed);
-- the audit chain is keyed by the node key, whose public id the head records; interest above
-- the cap on a transfer is approved separately.

ALTER TABLE ledger_entries ADD COLUMN requested_day TEXT;
ALTER TABLE ledger_entries ADD COLUMN audit_seq INTEGER;
UPDATE ledger_entries SET audit_seq = 0;
CREATE INDEX ledger_entries_by_audit ON ledger_entries (audit_seq);

ALTER TABLE declaration_versions ADD COLUMN audit_seq INTEGER;
UPDATE declaration_versions SET audit_seq = 0;
CREATE INDEX declaration_versions_by_audit ON declaration_versions (audit_seq);

ALTER TABLE assessments ADD COLUMN audit_seq INTEGER;
UPDATE assessments SET audit_seq = 0;
CREATE INDEX assessments_by_audit ON assessments (audit_seq);

ALTER TABLE day_closings ADD COLUMN audit_seq INTEGER;
UPDATE day_closings SET audit_seq = 0;

ALTER TABLE transfer_orders ADD COLUMN audit_seq INTEGER;
UPDATE transfer_orders SET audit_seq = 0;
ALTER TABLE transfer_orders ADD COLUMN interest_approved_minor INTEGER;
ALTER TABLE transfer_orders ADD COLUMN interest_approval TEXT;

ALTER TABLE audit_log ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_log ADD COLUMN rows_sha256 TEXT;
ALTER TABLE audit_head ADD COLUMN key_id TEXT;
-- The entry from which the chain is keyed, and the node key's MAC over (key, entry): entries
-- before it may be unkeyed; a binding removed or altered shows in verification.
ALTER TABLE audit_head ADD COLUMN keyed_from INTEGER;
ALTER TABLE audit_head ADD COLUMN key_binding TEXT;
