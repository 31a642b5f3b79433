-- Transfer orders between treasuries (SQLite): what a state owes another for a closed day,
-- in the sender's national currency (minor units) and, once sent, in the transfer currency.

CREATE TABLE transfer_orders (
    id                    TEXT    NOT NULL PRIMARY KEY,
    sender                TEXT    NOT NULL,
    receiver              TEXT    NOT NULL,
    day                   TEXT    NOT NULL,
    currency              TEXT    NOT NULL,
    amount_minor          INTEGER NOT NULL,
    transfer_currency     TEXT    NOT NULL,
    due_by                TEXT    NOT NULL,
    status                TEXT    NOT NULL CHECK (status IN ('due', 'sent', 'confirmed')),
    rate                  TEXT,
    transfer_amount_minor INTEGER,
    sent_on               TEXT,
    confirmed_on          TEXT,
    days_late             INTEGER,
    daily_interest_rate   TEXT,
    interest_minor        INTEGER,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL
);
CREATE INDEX transfer_orders_by_sender ON transfer_orders (sender, day);
CREATE INDEX transfer_orders_by_receiver ON transfer_orders (receiver, day);
