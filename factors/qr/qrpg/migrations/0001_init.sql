-- Enrolled QR devices (qr.Device), one row each.
CREATE TABLE qr_devices (
    seq        bigint      GENERATED ALWAYS AS IDENTITY,
    id         text        PRIMARY KEY CHECK (id <> '' AND octet_length(id) <= 256),
    subject    text        NOT NULL CHECK (subject <> ''),
    name       text        NOT NULL CHECK (length(name) <= 64),
    public_key bytea       NOT NULL CHECK (octet_length(public_key) BETWEEN 1 AND 1024),
    thumbprint text        NOT NULL,
    created_at timestamptz NOT NULL,
    last_used  timestamptz,
    CONSTRAINT qr_devices_subject_key UNIQUE (subject, thumbprint)
);

-- List: a subject's devices in the order they were enrolled.
CREATE INDEX qr_devices_subject ON qr_devices (subject, seq);

-- The number of devices per subject, kept by Add and Remove in the same
-- statement as the device row: its row lock makes the device limit atomic.
CREATE TABLE qr_subjects (
    subject text    PRIMARY KEY,
    devices integer NOT NULL CHECK (devices >= 0)
);
