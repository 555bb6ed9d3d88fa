-- exposure: the first schema. Later issues add migrations; never edit an applied one.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE setting (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Exactly one row: who the user is. List fields are JSON arrays of strings.
CREATE TABLE profile (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    names         TEXT NOT NULL DEFAULT '[]',
    emails        TEXT NOT NULL DEFAULT '[]',
    phones        TEXT NOT NULL DEFAULT '[]',
    addresses     TEXT NOT NULL DEFAULT '[]',
    usernames     TEXT NOT NULL DEFAULT '[]',
    country       TEXT,
    region        TEXT,
    language      TEXT,
    date_of_birth TEXT,
    updated_at    TEXT NOT NULL
);

CREATE TABLE organization (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    category       TEXT NOT NULL DEFAULT 'unknown',
    country        TEXT,
    privacy_email  TEXT,
    web_form       TEXT,
    postal_address TEXT,
    opt_out_url    TEXT,
    opt_out_steps  TEXT NOT NULL DEFAULT '[]',   -- JSON array
    requires       TEXT NOT NULL DEFAULT '[]',   -- JSON array: id_document, phone, email, profile_url, ...
    relisting_days INTEGER,
    parent_slug    TEXT,
    source         TEXT NOT NULL,                -- 'bundled', 'finding', 'manual', or a catalog source name
    source_url     TEXT,
    source_date    TEXT
);
CREATE INDEX organization_name ON organization(name COLLATE NOCASE);
CREATE INDEX organization_category ON organization(category);

-- Every domain an organization is known by. The first (alias = 0) is its main domain.
CREATE TABLE org_domain (
    domain TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organization(id) ON DELETE CASCADE,
    alias  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX org_domain_org ON org_domain(org_id);

-- One piece of evidence that an organization holds the user's data.
CREATE TABLE finding (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organization(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,             -- source kind: bitwarden_csv, mbox, imap, hibp, manual, ...
    key         TEXT NOT NULL,             -- idempotency key within the source kind
    domain      TEXT,
    identifier  TEXT,
    location    TEXT,                      -- file path, mailbox, URL
    evidence    TEXT NOT NULL DEFAULT '{}',-- JSON object
    first_seen  TEXT,
    last_seen   TEXT,
    confidence  REAL NOT NULL DEFAULT 0.9,
    created_at  TEXT NOT NULL,
    UNIQUE (source, key)
);
CREATE INDEX finding_org ON finding(org_id);

-- The user's decisions about an inventory row.
CREATE TABLE inventory_state (
    org_id     INTEGER PRIMARY KEY REFERENCES organization(id) ON DELETE CASCADE,
    state      TEXT NOT NULL CHECK (state IN ('active', 'not_mine', 'ignored')),
    note       TEXT,
    updated_at TEXT NOT NULL
);

-- What was read, when, and where to resume.
CREATE TABLE scan (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,             -- import, mbox, maildir, imap, hibp, ...
    location    TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    stats       TEXT NOT NULL DEFAULT '{}',
    state       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX scan_kind_location ON scan(kind, location);

CREATE TABLE request (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organization(id) ON DELETE CASCADE,
    right       TEXT NOT NULL,             -- erasure, access, opt_out, objection, correction, limit
    law         TEXT,                      -- regime id, or NULL for a plain request citing no law
    language    TEXT NOT NULL DEFAULT 'en',
    channel     TEXT NOT NULL,             -- email, eml, mailto, letter, web_form
    status      TEXT NOT NULL DEFAULT 'draft',
    to_addr     TEXT,
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    identifiers TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    due_at      TEXT,
    message_id  TEXT
);
CREATE INDEX request_org ON request(org_id);
CREATE INDEX request_status ON request(status);

CREATE TABLE request_event (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES request(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,              -- drafted, sent, reply, reminder, complaint, status, extension
    at         TEXT NOT NULL,
    note       TEXT,
    data       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX request_event_request ON request_event(request_id);
