-- Registered WebAuthn credentials (passkey.Credential), one row each.
CREATE TABLE passkey_credentials (
    id                 bytea       PRIMARY KEY CHECK (octet_length(id) BETWEEN 1 AND 1023),
    subject            text        NOT NULL CHECK (subject <> ''),
    user_handle        bytea       NOT NULL CHECK (octet_length(user_handle) BETWEEN 1 AND 64),
    public_key         bytea       NOT NULL CHECK (octet_length(public_key) BETWEEN 1 AND 2048),
    attestation_format text        NOT NULL DEFAULT '',
    attestation_type   text        NOT NULL DEFAULT '',
    aaguid             bytea       NOT NULL CHECK (octet_length(aaguid) = 16),
    sign_count         bigint      NOT NULL CHECK (sign_count BETWEEN 0 AND 4294967295),
    transports         text[]      NOT NULL DEFAULT '{}',
    attachment         text        NOT NULL DEFAULT '',
    backup_eligible    boolean     NOT NULL,
    backup_state       boolean     NOT NULL CHECK (backup_eligible OR NOT backup_state),
    name               text        NOT NULL DEFAULT '' CHECK (length(name) <= 64),
    created_at         timestamptz NOT NULL,
    last_used_at       timestamptz
);

-- List: a subject's credentials, oldest first.
CREATE INDEX passkey_credentials_subject ON passkey_credentials (subject, created_at, id);
