-- Gatehouse schema. Embedded in the binary and applied in order as numbered migrations;
-- PRAGMA user_version records the last one applied. Never edit a released migration:
-- add a new "-- migration N" block at the end instead.

-- migration 1: organisations, sites, plants, users, memberships, modules, API keys
CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    domain      TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX organisations_by_name ON organisations (name COLLATE NOCASE);

CREATE TABLE sites (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    name             TEXT NOT NULL,
    timezone         TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX sites_by_name ON sites (organisation_id, name COLLATE NOCASE);

CREATE TABLE plants (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites (id),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX plants_by_name ON plants (site_id, name COLLATE NOCASE);

CREATE TABLE users (
    -- A stable integer that is never reused (AUTOINCREMENT); the Busroot dialect's id.
    number                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                    TEXT NOT NULL UNIQUE,
    email                 TEXT NOT NULL,
    -- Lower-cased email: the login name, unique whatever the case it was typed in.
    email_key             TEXT NOT NULL UNIQUE,
    first_name            TEXT,
    last_name             TEXT,
    display_name          TEXT NOT NULL,
    mobile_number         TEXT,
    country_code          TEXT,
    status                TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    superadmin            INTEGER NOT NULL DEFAULT 0 CHECK (superadmin IN (0, 1)),
    can_introspect        INTEGER NOT NULL DEFAULT 0 CHECK (can_introspect IN (0, 1)),
    must_change_password  INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    password_hash         TEXT NOT NULL,
    -- Bumped whenever earlier credentials must stop working (password change, disable).
    credential_epoch      INTEGER NOT NULL DEFAULT 0,
    failed_logins         INTEGER NOT NULL DEFAULT 0,
    locked_until          TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    last_login_at         TEXT
);

-- A role held at exactly one scope. The scope's ancestors are stored with it (structure never
-- moves between parents), so "at this scope or below" is one indexed comparison.
CREATE TABLE memberships (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scope_type       TEXT NOT NULL CHECK (scope_type IN ('organisation', 'site', 'plant')),
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    site_id          TEXT REFERENCES sites (id),
    plant_id         TEXT REFERENCES plants (id),
    scope_id         TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('admin', 'support', 'supervisor', 'member', 'viewer')),
    created_at       TEXT NOT NULL,
    CHECK (
        (scope_type = 'organisation' AND site_id IS NULL AND plant_id IS NULL AND scope_id = organisation_id) OR
        (scope_type = 'site' AND site_id IS NOT NULL AND plant_id IS NULL AND scope_id = site_id) OR
        (scope_type = 'plant' AND site_id IS NOT NULL AND plant_id IS NOT NULL AND scope_id = plant_id)
    )
);
CREATE UNIQUE INDEX memberships_unique ON memberships (user_id, scope_id, role);
CREATE INDEX memberships_by_organisation ON memberships (organisation_id, user_id);
CREATE INDEX memberships_by_site ON memberships (site_id, user_id);
CREATE INDEX memberships_by_plant ON memberships (plant_id, user_id);

CREATE TABLE user_modules (
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    module   TEXT NOT NULL,
    PRIMARY KEY (user_id, module)
) WITHOUT ROWID;

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    -- SHA-256 of the whole key; the key itself is shown once and never stored.
    secret_hash   BLOB NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    expires_at    TEXT,
    last_used_at  TEXT
);
CREATE INDEX api_keys_by_user ON api_keys (user_id);
