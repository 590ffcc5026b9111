-- The numbers bound to accounts, with their history: one row per binding.
CREATE TABLE phone_bindings (
    seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject    text        NOT NULL CHECK (subject <> ''),
    phone      text        NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    previous   text        NOT NULL DEFAULT '',
    bound_at   timestamptz NOT NULL,
    usable_at  timestamptz NOT NULL,
    unbound_at timestamptz
);

-- At most one current binding per account.
CREATE UNIQUE INDEX phone_bindings_current ON phone_bindings (subject) WHERE unbound_at IS NULL;
CREATE INDEX phone_bindings_history ON phone_bindings (subject, seq);
