-- passkey.Credential.ModelVerified: the authenticator model (AAGUID) was
-- proven by attestation against the host's metadata, not only claimed.
ALTER TABLE passkey_credentials ADD COLUMN model_verified boolean NOT NULL DEFAULT false;
