-- The treasury's ledger (SQLite): double-entry and append-only. An entry is one event (a
-- receipt of a duty line on release, the distribution of a closed day); its postings sum to
-- zero. Amounts are integer minor units; debit positive, credit negative.

CREATE TABLE ledger_entries (
    entry_key      TEXT    NOT NULL PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('receipt', 'distribution', 'distribution_due', 'transfer_sent', 'transfer_confirmed', 'late_interest')),
    state          TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    pool           TEXT    NOT NULL CHECK (pool IN ('import_duty', 'special_duty', 'transfer')),
    currency       TEXT    NOT NULL,
    amount_minor   INTEGER NOT NULL,
    declaration_id TEXT,
    line           INTEGER,
    created_at     TEXT    NOT NULL
);
CREATE INDEX ledger_entries_by_day ON ledger_entries (state, day, kind, pool, amount_minor);

CREATE TABLE ledger_postings (
    entry_key    TEXT    NOT NULL REFERENCES ledger_entries (entry_key),
    n            INTEGER NOT NULL,
    book         TEXT    NOT NULL,
    account      TEXT    NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (entry_key, n)
);

CREATE TABLE day_closings (
    state          TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    currency       TEXT    NOT NULL,
    normative_set  TEXT    NOT NULL,
    special_rule   TEXT    NOT NULL,
    receipts       INTEGER NOT NULL,
    closed_at      TEXT    NOT NULL,
    reported_at    TEXT    NOT NULL,
    report_deadline TEXT   NOT NULL,
    late           INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    PRIMARY KEY (state, day)
);

CREATE TABLE distribution_shares (
    state        TEXT    NOT NULL,
    day          TEXT    NOT NULL,
    pool         TEXT    NOT NULL,
    to_state     TEXT    NOT NULL,
    percent      TEXT    NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (state, day, pool, to_state),
    FOREIGN KEY (state, day) REFERENCES day_closings (state, day)
);
