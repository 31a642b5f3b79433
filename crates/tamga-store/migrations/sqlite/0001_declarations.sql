-- The declaration service (SQLite). Money is in integer minor units; rates are exact decimal
-- strings; dates are ISO 'YYYY-MM-DD' text; timestamps are RFC 3339 UTC text.

CREATE TABLE declarations (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT    NOT NULL UNIQUE,
    state               TEXT    NOT NULL,
    customs_office      TEXT    NOT NULL,
    declarant_tin       TEXT    NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('submitted', 'registered', 'released', 'refused', 'withdrawn')),
    version             INTEGER NOT NULL CHECK (version >= 1),
    registration_number TEXT    UNIQUE,
    registration_date   TEXT,
    reason              TEXT,
    submitted_on        TEXT    NOT NULL,
    submitted_at        TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    body_sha256         TEXT    NOT NULL,
    assessment_sha256   TEXT,
    state_sha256        TEXT    NOT NULL
);
CREATE INDEX declarations_by_state ON declarations (state, seq);
CREATE INDEX declarations_by_tin ON declarations (declarant_tin, seq);

CREATE TABLE declaration_versions (
    declaration_id TEXT    NOT NULL REFERENCES declarations (id),
    version        INTEGER NOT NULL,
    body           TEXT    NOT NULL,
    body_sha256    TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    actor          TEXT    NOT NULL,
    PRIMARY KEY (declaration_id, version)
);

CREATE TABLE assessments (
    declaration_id    TEXT    NOT NULL REFERENCES declarations (id),
    version           INTEGER NOT NULL,
    registration_date TEXT    NOT NULL,
    tariff_edition    TEXT    NOT NULL,
    rounding_rule     TEXT    NOT NULL,
    currency          TEXT    NOT NULL,
    exchange_rates    TEXT    NOT NULL,
    total_minor       INTEGER NOT NULL,
    document          TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    PRIMARY KEY (declaration_id, version)
);

CREATE TABLE payment_lines (
    declaration_id TEXT    NOT NULL,
    version        INTEGER NOT NULL,
    line           INTEGER NOT NULL,
    item           INTEGER,
    payment_code   TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    amount_minor   INTEGER NOT NULL,
    currency       TEXT    NOT NULL,
    PRIMARY KEY (declaration_id, version, line),
    FOREIGN KEY (declaration_id, version) REFERENCES assessments (declaration_id, version)
);

CREATE TABLE registration_sequences (
    customs_office TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    last_number    INTEGER NOT NULL,
    PRIMARY KEY (customs_office, day)
);

CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    object_id   TEXT    NOT NULL,
    before_hash TEXT,
    after_hash  TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL,
    entry_hash  TEXT    NOT NULL
);

CREATE TABLE audit_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq  INTEGER NOT NULL,
    last_hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE api_tokens (
    id         TEXT NOT NULL PRIMARY KEY,
    digest     TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL CHECK (role IN ('declarant', 'officer', 'treasury', 'commission', 'admin')),
    state      TEXT,
    tin        TEXT,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE idempotency_keys (
    actor          TEXT    NOT NULL,
    key            TEXT    NOT NULL,
    request_sha256 TEXT    NOT NULL,
    status         INTEGER NOT NULL,
    response       TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    PRIMARY KEY (actor, key)
);
