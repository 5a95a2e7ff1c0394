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

-- migration 2: tokens and sessions, and the audit trail
-- Bearer access tokens, refresh tokens and browser sessions. Only the SHA-256 of each secret is
-- stored. `epoch` is the user's credential_epoch at issue: when it moves on (password change,
-- disable), every older token and session stops working.
CREATE TABLE tokens (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('access', 'refresh', 'session')),
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash   BLOB NOT NULL UNIQUE,
    -- Tokens issued from one grant and its refreshes; replaying a used refresh token ends them all.
    family_id     TEXT NOT NULL,
    -- The API key a client_credentials token was issued to; revoking the key ends the token.
    api_key_id    TEXT,
    audience      TEXT,
    epoch         INTEGER NOT NULL,
    csrf_token    TEXT,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
CREATE INDEX tokens_by_user ON tokens (user_id);
CREATE INDEX tokens_by_family ON tokens (family_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

-- The audit trail: append-only, each row chained to the one before by a SHA-256 over its
-- content and the previous row's hash (IEC 62443-4-2 CR 2.8, 2.9, 3.9).
CREATE TABLE audit (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    at               TEXT NOT NULL,
    actor_id         TEXT,
    actor_email      TEXT,
    credential_kind  TEXT,
    credential_id    TEXT,
    source           TEXT,
    action           TEXT NOT NULL,
    target_type      TEXT,
    target_id        TEXT,
    outcome          TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    -- The organisations the event concerns, as a JSON array: what an organisation admin may read.
    organisations    TEXT NOT NULL DEFAULT '[]',
    summary          TEXT NOT NULL DEFAULT '{}',
    prev_hash        TEXT NOT NULL,
    hash             TEXT NOT NULL
);
CREATE INDEX audit_by_time ON audit (at);
CREATE INDEX audit_by_actor ON audit (actor_id, seq);
CREATE INDEX audit_by_target ON audit (target_id, seq);

-- Where the chain starts after pruning: the hash of the last row removed.
CREATE TABLE audit_anchor (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    after_seq  INTEGER NOT NULL,
    hash       TEXT NOT NULL
);

-- Deleting audit rows is allowed only while a prune holds this flag inside its transaction.
CREATE TABLE audit_guard (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    pruning  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO audit_guard (id, pruning) VALUES (1, 0);

CREATE TRIGGER audit_rows_are_never_changed BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit rows cannot be changed');
END;

CREATE TRIGGER audit_rows_are_removed_only_by_pruning BEFORE DELETE ON audit
WHEN (SELECT pruning FROM audit_guard WHERE id = 1) = 0
BEGIN
    SELECT RAISE(ABORT, 'audit rows are removed only by retention pruning');
END;

-- migration 3: who owns each account
-- The scope an account was created at owns it: only admins of that scope (and superadmins)
-- manage the account itself. No organisation: the system owns it (superadmins only). Existing
-- users get the scope of their first membership; superadmins and canIntrospect users the system.
ALTER TABLE users ADD COLUMN owner_organisation_id TEXT REFERENCES organisations (id);
ALTER TABLE users ADD COLUMN owner_site_id TEXT REFERENCES sites (id);
ALTER TABLE users ADD COLUMN owner_plant_id TEXT REFERENCES plants (id);
UPDATE users SET
    owner_organisation_id = (SELECT m.organisation_id FROM memberships m WHERE m.user_id = users.id
                             ORDER BY m.created_at, m.rowid LIMIT 1),
    owner_site_id = (SELECT m.site_id FROM memberships m WHERE m.user_id = users.id
                     ORDER BY m.created_at, m.rowid LIMIT 1),
    owner_plant_id = (SELECT m.plant_id FROM memberships m WHERE m.user_id = users.id
                      ORDER BY m.created_at, m.rowid LIMIT 1)
WHERE superadmin = 0 AND can_introspect = 0;

-- migration 4: pages of a scope's users in email order
-- Each membership carries its user's email key, kept by the trigger below, so that the users of
-- a scope are one index range in email order: a page walks it and stops after its rows instead
-- of sorting the scope's thousands of users. The role is in the index so that a role filter is
-- checked without reading the row.
ALTER TABLE memberships ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
UPDATE memberships SET email_key = (SELECT u.email_key FROM users u WHERE u.id = memberships.user_id);
DROP INDEX memberships_by_organisation;
DROP INDEX memberships_by_site;
DROP INDEX memberships_by_plant;
CREATE INDEX memberships_by_organisation ON memberships (organisation_id, email_key, role);
CREATE INDEX memberships_by_site ON memberships (site_id, email_key, role);
CREATE INDEX memberships_by_plant ON memberships (plant_id, email_key, role);
CREATE TRIGGER memberships_follow_the_email AFTER UPDATE OF email_key ON users
BEGIN
    UPDATE memberships SET email_key = NEW.email_key WHERE user_id = NEW.id;
END;

-- migration 5: integer keys inside
-- The ids the APIs show stay as they are; inside, a membership, a module and an account's owner
-- point at their user and scopes by integer. A membership was four UUIDs of text (organisation,
-- site, plant, scope) plus its user's, in the row and again in each index: at 1,000,000 users the
-- file was 1.2 GB, and reading a membership's scope name took a query of its own. Tables are
-- rebuilt in SQLite's documented way (foreign keys off while `migrate` runs this, checked before
-- commit).
CREATE TABLE organisations_5 (
    -- Never reused (AUTOINCREMENT), so a stale number can never name another organisation.
    number      INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    domain      TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
INSERT INTO organisations_5 (id, name, domain, created_at, updated_at)
    SELECT id, name, domain, created_at, updated_at FROM organisations ORDER BY rowid;
DROP TABLE organisations;
ALTER TABLE organisations_5 RENAME TO organisations;
CREATE UNIQUE INDEX organisations_by_name ON organisations (name COLLATE NOCASE);

CREATE TABLE sites_5 (
    number           INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    organisation_id  TEXT NOT NULL REFERENCES organisations (id),
    name             TEXT NOT NULL,
    timezone         TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
INSERT INTO sites_5 (id, organisation_id, name, timezone, created_at, updated_at)
    SELECT id, organisation_id, name, timezone, created_at, updated_at FROM sites ORDER BY rowid;
DROP TABLE sites;
ALTER TABLE sites_5 RENAME TO sites;
CREATE UNIQUE INDEX sites_by_name ON sites (organisation_id, name COLLATE NOCASE);

CREATE TABLE plants_5 (
    number      INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    site_id     TEXT NOT NULL REFERENCES sites (id),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
INSERT INTO plants_5 (id, site_id, name, created_at, updated_at)
    SELECT id, site_id, name, created_at, updated_at FROM plants ORDER BY rowid;
DROP TABLE plants;
ALTER TABLE plants_5 RENAME TO plants;
CREATE UNIQUE INDEX plants_by_name ON plants (site_id, name COLLATE NOCASE);

CREATE TABLE users_5 (
    number                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                    TEXT NOT NULL UNIQUE,
    -- The email as it was typed, only where it differs from its key (most are typed in lower
    -- case already: the key is then the email, and is not stored twice).
    email                 TEXT,
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
    credential_epoch      INTEGER NOT NULL DEFAULT 0,
    failed_logins         INTEGER NOT NULL DEFAULT 0,
    locked_until          TEXT,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    last_login_at         TEXT,
    -- The owning scope (migration 3); no organisation: the system.
    owner_organisation    INTEGER REFERENCES organisations (number),
    owner_site            INTEGER REFERENCES sites (number),
    owner_plant           INTEGER REFERENCES plants (number)
);
INSERT INTO users_5 (number, id, email, email_key, first_name, last_name, display_name,
        mobile_number, country_code, status, superadmin, can_introspect, must_change_password,
        password_hash, credential_epoch, failed_logins, locked_until, created_at, updated_at,
        last_login_at, owner_organisation, owner_site, owner_plant)
    SELECT u.number, u.id, nullif(u.email, u.email_key), u.email_key, u.first_name, u.last_name, u.display_name,
        u.mobile_number, u.country_code, u.status, u.superadmin, u.can_introspect,
        u.must_change_password, u.password_hash, u.credential_epoch, u.failed_logins,
        u.locked_until, u.created_at, u.updated_at, u.last_login_at,
        (SELECT o.number FROM organisations o WHERE o.id = u.owner_organisation_id),
        (SELECT s.number FROM sites s WHERE s.id = u.owner_site_id),
        (SELECT p.number FROM plants p WHERE p.id = u.owner_plant_id)
    FROM users u ORDER BY u.number;
-- A user's number is never reused, even the numbers of users deleted before this migration.
UPDATE sqlite_sequence SET seq = max(seq, ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'users'), 0))
    WHERE name = 'users_5';

CREATE TABLE memberships_5 (
    number        INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    user_number   INTEGER NOT NULL REFERENCES users (number) ON DELETE CASCADE,
    -- The scope and its ancestors: a plant's membership names its site and organisation too.
    organisation  INTEGER NOT NULL REFERENCES organisations (number),
    site          INTEGER REFERENCES sites (number),
    plant         INTEGER REFERENCES plants (number),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'support', 'supervisor', 'member', 'viewer')),
    created_at    TEXT NOT NULL,
    -- The user's email key (migration 4), kept by the trigger below.
    email_key     TEXT NOT NULL,
    CHECK (plant IS NULL OR site IS NOT NULL)
);
INSERT INTO memberships_5 (id, user_number, organisation, site, plant, role, created_at, email_key)
    SELECT m.id, u.number,
        (SELECT o.number FROM organisations o WHERE o.id = m.organisation_id),
        (SELECT s.number FROM sites s WHERE s.id = m.site_id),
        (SELECT p.number FROM plants p WHERE p.id = m.plant_id),
        m.role, m.created_at, u.email_key
    FROM memberships m JOIN users u ON u.id = m.user_id ORDER BY m.rowid;

CREATE TABLE user_modules_5 (
    user_number  INTEGER NOT NULL REFERENCES users (number) ON DELETE CASCADE,
    module       TEXT NOT NULL,
    PRIMARY KEY (user_number, module)
) WITHOUT ROWID;
INSERT INTO user_modules_5 (user_number, module)
    SELECT u.number, m.module FROM user_modules m JOIN users u ON u.id = m.user_id;

DROP TABLE user_modules;
DROP TABLE memberships;
DROP TABLE users;
ALTER TABLE users_5 RENAME TO users;
ALTER TABLE memberships_5 RENAME TO memberships;
ALTER TABLE user_modules_5 RENAME TO user_modules;
-- One role once at one scope; a missing site or plant counts as 0, since NULLs never clash.
CREATE UNIQUE INDEX memberships_unique
    ON memberships (user_number, organisation, ifnull(site, 0), ifnull(plant, 0), role);
CREATE INDEX memberships_by_organisation ON memberships (organisation, email_key, role);
CREATE INDEX memberships_by_site ON memberships (site, email_key, role);
CREATE INDEX memberships_by_plant ON memberships (plant, email_key, role);
-- Only when the key really changes: every profile update writes the column.
CREATE TRIGGER memberships_follow_the_email AFTER UPDATE OF email_key ON users
WHEN NEW.email_key IS NOT OLD.email_key
BEGIN
    UPDATE memberships SET email_key = NEW.email_key WHERE user_number = NEW.number;
END;

-- migration 6: tokens found by their id
-- A token's secret now begins with its id (`gha_` + the id's 32 hex digits + 64 random hex
-- digits), so a token is found by its id, whose index grows at its end, and its secret's hash
-- is compared in the row. A unique index over the hashes put every new token on a random page
-- of that index, one more page written at every commit. Tokens issued before this migration are
-- still found by their hash, through an index that holds only them.
CREATE TABLE tokens_6 (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('access', 'refresh', 'session')),
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash   BLOB NOT NULL,
    -- 1 for a token issued before migration 6, whose secret does not carry its id.
    found_by_hash INTEGER NOT NULL DEFAULT 0 CHECK (found_by_hash IN (0, 1)),
    family_id     TEXT NOT NULL,
    api_key_id    TEXT,
    audience      TEXT,
    epoch         INTEGER NOT NULL,
    csrf_token    TEXT,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
-- Stored in id order: finding a token and adding one is one B-tree, not a table and its index.
) WITHOUT ROWID;
INSERT INTO tokens_6 (id, kind, user_id, secret_hash, found_by_hash, family_id, api_key_id,
        audience, epoch, csrf_token, created_at, expires_at, last_used_at, revoked_at)
    SELECT id, kind, user_id, secret_hash, 1, family_id, api_key_id, audience, epoch,
        csrf_token, created_at, expires_at, last_used_at, revoked_at
    FROM tokens ORDER BY rowid;
DROP TABLE tokens;
ALTER TABLE tokens_6 RENAME TO tokens;
CREATE INDEX tokens_by_user ON tokens (user_id);
CREATE INDEX tokens_by_family ON tokens (family_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);
CREATE UNIQUE INDEX tokens_by_old_secret ON tokens (secret_hash) WHERE found_by_hash = 1;

-- migration 7: where each token was issued
-- A user's page lists their sessions and tokens with the address each was issued to.
ALTER TABLE tokens ADD COLUMN address TEXT;

-- migration 8: membership ids made from their numbers
-- A membership's id was a UUID kept twice, in its row and in a unique index: 85 MiB of a
-- million users' database. A new membership's id is made from its number instead
-- (`00000000-0000-8000-8000-` and the number in 12 hex digits); the number is never reused
-- (AUTOINCREMENT), so an id never comes to name another membership. Memberships made before
-- keep the ids they were given, found through an index that holds only them.
DROP TRIGGER memberships_follow_the_email;
CREATE TABLE memberships_8 (
    number        INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The id given before migration 8; NULL for a membership whose id is made from its number.
    id            TEXT,
    user_number   INTEGER NOT NULL REFERENCES users (number) ON DELETE CASCADE,
    -- The scope and its ancestors: a plant's membership names its site and organisation too.
    organisation  INTEGER NOT NULL REFERENCES organisations (number),
    site          INTEGER REFERENCES sites (number),
    plant         INTEGER REFERENCES plants (number),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'support', 'supervisor', 'member', 'viewer')),
    created_at    TEXT NOT NULL,
    -- The user's email key (migration 4), kept by the trigger below.
    email_key     TEXT NOT NULL,
    CHECK (plant IS NULL OR site IS NOT NULL)
);
INSERT INTO memberships_8 (number, id, user_number, organisation, site, plant, role, created_at,
        email_key)
    SELECT number, id, user_number, organisation, site, plant, role, created_at, email_key
    FROM memberships ORDER BY number;
DROP TABLE memberships;
ALTER TABLE memberships_8 RENAME TO memberships;
CREATE UNIQUE INDEX memberships_by_old_id ON memberships (id) WHERE id IS NOT NULL;
CREATE UNIQUE INDEX memberships_unique
    ON memberships (user_number, organisation, ifnull(site, 0), ifnull(plant, 0), role);
CREATE INDEX memberships_by_organisation ON memberships (organisation, email_key, role);
CREATE INDEX memberships_by_site ON memberships (site, email_key, role);
CREATE INDEX memberships_by_plant ON memberships (plant, email_key, role);
CREATE TRIGGER memberships_follow_the_email AFTER UPDATE OF email_key ON users
WHEN NEW.email_key IS NOT OLD.email_key
BEGIN
    UPDATE memberships SET email_key = NEW.email_key WHERE user_number = NEW.number;
END;

-- migration 9: the request each audit row came from
-- The id the request's response carried in X-Request-Id and its log lines carried; NULL for
-- rows written before this migration and for rows no request wrote (housekeeping, the CLI).
ALTER TABLE audit ADD COLUMN request_id TEXT;

-- migration 10: replication
-- The primary's clock, written every second while Litestream replicates the file, so that a
-- replica can tell how old what it serves is (its lag), whether or not anything else changed.
CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL
);
-- Each time `gatehouse restore` made this file from a replica: where from and up to which
-- position. The first start on it checks the file and its audit chain, writes an audit row
-- naming the position, and sets started_at; a start on a file that fails is refused.
CREATE TABLE restores (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,
    position      TEXT NOT NULL,
    point_in_time TEXT,
    restored_at   TEXT NOT NULL,
    started_at    TEXT
);

-- migration 11: OpenID Connect
-- The keys ID tokens and JWT access tokens are signed with: one current key per algorithm.
-- A rotated key no longer signs, but stays published in the JWKS until `published_until`,
-- when every token it signed has expired.
CREATE TABLE signing_keys (
    id              TEXT PRIMARY KEY,
    algorithm       TEXT NOT NULL CHECK (algorithm IN ('EdDSA', 'ES256', 'RS256')),
    private_der     BLOB NOT NULL,
    public_jwk      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    retired_at      TEXT,
    published_until TEXT
);
CREATE UNIQUE INDEX signing_keys_current ON signing_keys (algorithm) WHERE retired_at IS NULL;
-- Applications that sign people in with Gatehouse. Lists are JSON arrays of text; the secret
-- of a confidential client is stored as its SHA-256 only.
CREATE TABLE oidc_clients (
    id                        TEXT PRIMARY KEY,
    name                      TEXT NOT NULL,
    secret_hash               BLOB,
    redirect_uris             TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL,
    public                    INTEGER NOT NULL CHECK (public IN (0, 1)),
    skip_consent              INTEGER NOT NULL CHECK (skip_consent IN (0, 1)),
    scopes                    TEXT NOT NULL,
    -- Empty: anyone may sign in; else only members of these organisations.
    organisation_ids          TEXT NOT NULL,
    signing_alg               TEXT NOT NULL CHECK (signing_alg IN ('EdDSA', 'ES256', 'RS256')),
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL
);
-- Authorization codes: single use. A code used twice revokes every token of its family.
CREATE TABLE oidc_codes (
    id              TEXT PRIMARY KEY,
    code_hash       BLOB NOT NULL,
    client_id       TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri    TEXT NOT NULL,
    scope           TEXT NOT NULL,
    nonce           TEXT,
    code_challenge  TEXT NOT NULL,
    auth_time       TEXT NOT NULL,
    session_id      TEXT,
    family_id       TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    used_at         TEXT
);
CREATE INDEX oidc_codes_expiry ON oidc_codes (expires_at);
-- What each person allowed each application to know.
CREATE TABLE oidc_consents (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES oidc_clients (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, client_id)
) WITHOUT ROWID;
CREATE INDEX oidc_consents_client ON oidc_consents (client_id);
-- Tokens issued to an application through the authorization code grant: its id and the scope
-- granted, so that a refresh keeps them and userinfo answers for that scope alone.
ALTER TABLE tokens ADD COLUMN client_id TEXT;
ALTER TABLE tokens ADD COLUMN scope TEXT;
CREATE INDEX tokens_client ON tokens (client_id, user_id) WHERE client_id IS NOT NULL;

-- migration 12: SCIM provisioning
-- What a directory (Entra ID, Okta) knows a person by, beside the account: the `userName` it
-- sent (often the email, not always), its own id for them (`externalId`), whether it set the
-- display name (when it did not, Gatehouse shows one made from the names, but SCIM does not),
-- and whether it sent Gatehouse's extension (shown then even when it holds nothing).
CREATE TABLE scim_users (
    user_id            TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    user_name          TEXT NOT NULL,
    -- The user name in lower case: userName is unique without regard to case (RFC 7643 4.1).
    user_name_key      TEXT NOT NULL UNIQUE,
    external_id        TEXT,
    display_name_given INTEGER NOT NULL DEFAULT 1 CHECK (display_name_given IN (0, 1)),
    extension_given    INTEGER NOT NULL DEFAULT 0 CHECK (extension_given IN (0, 1))
) WITHOUT ROWID;
CREATE INDEX scim_users_by_external_id ON scim_users (external_id) WHERE external_id IS NOT NULL;
-- A SCIM group is a role at a scope. It exists while someone holds that role there, or once a
-- directory has created it (and until it deletes it): this row.
CREATE TABLE scim_groups (
    id          TEXT PRIMARY KEY,
    external_id TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) WITHOUT ROWID;
-- How many hold each role at each scope (a SCIM group and its size), kept by the triggers
-- below, so that listing the groups that exist reads this, not every membership. No site or
-- plant is 0 here, so that the key is plain columns.
CREATE TABLE group_sizes (
    role         TEXT NOT NULL,
    organisation INTEGER NOT NULL,
    site         INTEGER NOT NULL,
    plant        INTEGER NOT NULL,
    members      INTEGER NOT NULL,
    PRIMARY KEY (role, organisation, site, plant)
) WITHOUT ROWID;
INSERT INTO group_sizes (role, organisation, site, plant, members)
    SELECT role, organisation, ifnull(site, 0), ifnull(plant, 0), count(*)
    FROM memberships GROUP BY role, organisation, ifnull(site, 0), ifnull(plant, 0);
CREATE TRIGGER group_sizes_grow AFTER INSERT ON memberships
BEGIN
    INSERT INTO group_sizes (role, organisation, site, plant, members)
        VALUES (NEW.role, NEW.organisation, ifnull(NEW.site, 0), ifnull(NEW.plant, 0), 1)
        ON CONFLICT (role, organisation, site, plant) DO UPDATE SET members = members + 1;
END;
CREATE TRIGGER group_sizes_shrink AFTER DELETE ON memberships
BEGIN
    UPDATE group_sizes SET members = members - 1
        WHERE role = OLD.role AND organisation = OLD.organisation
          AND site = ifnull(OLD.site, 0) AND plant = ifnull(OLD.plant, 0);
    DELETE FROM group_sizes
        WHERE role = OLD.role AND organisation = OLD.organisation
          AND site = ifnull(OLD.site, 0) AND plant = ifnull(OLD.plant, 0) AND members <= 0;
END;
CREATE TRIGGER group_sizes_move AFTER UPDATE OF role, organisation, site, plant ON memberships
BEGIN
    UPDATE group_sizes SET members = members - 1
        WHERE role = OLD.role AND organisation = OLD.organisation
          AND site = ifnull(OLD.site, 0) AND plant = ifnull(OLD.plant, 0);
    DELETE FROM group_sizes
        WHERE role = OLD.role AND organisation = OLD.organisation
          AND site = ifnull(OLD.site, 0) AND plant = ifnull(OLD.plant, 0) AND members <= 0;
    INSERT INTO group_sizes (role, organisation, site, plant, members)
        VALUES (NEW.role, NEW.organisation, ifnull(NEW.site, 0), ifnull(NEW.plant, 0), 1)
        ON CONFLICT (role, organisation, site, plant) DO UPDATE SET members = members + 1;
END;
-- How many users there are, kept by triggers: a superadmin's unfiltered list (Okta's first
-- request) counts a million users without reading them.
CREATE TABLE user_count (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO user_count (id, n) SELECT 1, count(*) FROM users;
CREATE TRIGGER user_count_up AFTER INSERT ON users
BEGIN
    UPDATE user_count SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER user_count_down AFTER DELETE ON users
BEGIN
    UPDATE user_count SET n = n - 1 WHERE id = 1;
END;
-- The API keys an organisation's admins made for their directory to provision with (the
-- organisation's page shows them, and the last change they made from the audit trail).
CREATE TABLE provisioning_keys (
    key_id          TEXT PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    created_at      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX provisioning_keys_by_organisation ON provisioning_keys (organisation_id);
-- The last change made with a credential, without walking the trail.
CREATE INDEX audit_by_credential ON audit (credential_id, seq) WHERE credential_id IS NOT NULL;
