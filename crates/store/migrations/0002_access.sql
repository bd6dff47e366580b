-- Users, role grants at region scopes, server-side sessions, API tokens, login throttling,
-- and the hash chain of the audit trail.

CREATE TABLE app_user (
    id BIGINT PRIMARY KEY,
    username TEXT {C} NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    locale TEXT NOT NULL,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);
CREATE UNIQUE INDEX app_user_username ON app_user (username);

-- one role of a user at a region scope (a code prefix)
CREATE TABLE role_grant (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES app_user (id),
    role TEXT NOT NULL,
    region_code TEXT {C} NOT NULL,
    granted_at TEXT NOT NULL,
    granted_by TEXT NOT NULL
);
CREATE UNIQUE INDEX role_grant_unique ON role_grant (user_id, role, region_code);

-- the cookie holds a random token; only its hash is stored
CREATE TABLE web_session (
    token_hash TEXT {C} PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES app_user (id),
    grant_id BIGINT,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ip TEXT
);
CREATE INDEX web_session_user ON web_session (user_id);

CREATE TABLE api_token (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES app_user (id),
    grant_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT {C} NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked BOOLEAN NOT NULL
);
CREATE UNIQUE INDEX api_token_hash ON api_token (token_hash);

CREATE TABLE login_attempt (
    username TEXT {C} NOT NULL,
    ip TEXT,
    at TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL
);
CREATE INDEX login_attempt_user ON login_attempt (username, at);

-- the audit trail is chained per chain (the county code, or '-' for installation-wide entries):
-- hash = sha256 over the length-prefixed fields of the entry and prev_hash (see store/src/audit.rs)
ALTER TABLE audit_log ADD COLUMN chain TEXT {C};
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN client_ip TEXT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_log_chain_seq ON audit_log (chain, seq);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);

CREATE TABLE audit_head (
    chain TEXT {C} PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
