-- Catalog at scale (issue 5): the records each public catalog gave, the source and date of each
-- fact of a merged organization, the download state of each source, and contact health.

-- Download / import state of each catalog source.
CREATE TABLE catalog_source (
    source        TEXT PRIMARY KEY,       -- datarequests, justdeleteme, eraser, duckduckgo, california
    location      TEXT,                   -- URL downloaded, or the file imported
    etag          TEXT,                   -- for conditional requests (If-None-Match)
    last_modified TEXT,                   -- for conditional requests (If-Modified-Since)
    digest        TEXT,                   -- sha256 of the accepted content
    source_date   TEXT,                   -- the date the file states for itself, if any
    fetched_at    TEXT,                   -- when the current records were accepted
    checked_at    TEXT,                   -- last time an update asked (changed or not)
    records       INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    counts        TEXT NOT NULL DEFAULT '{}'  -- JSON, e.g. {"companies": 3069, "authorities": 57}
);

-- Every record a source gave (parsed, as JSON), and the organization it was merged into.
CREATE TABLE catalog_record (
    source    TEXT NOT NULL,
    source_id TEXT NOT NULL,
    org_id    INTEGER REFERENCES organization(id) ON DELETE SET NULL,
    name      TEXT NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (source, source_id)
);
CREATE INDEX catalog_record_org ON catalog_record(org_id);

-- What one source record says about a merged organization: its values (JSON object, field ->
-- value), the fields the organization takes from it (chosen) and the fields where its value is
-- the one the organization uses (agrees): "the sources that agree".
CREATE TABLE catalog_fact (
    org_id      INTEGER NOT NULL REFERENCES organization(id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    source_id   TEXT NOT NULL,
    fields      TEXT NOT NULL,
    chosen      TEXT NOT NULL DEFAULT '[]',
    agrees      TEXT NOT NULL DEFAULT '[]',
    source_url  TEXT,
    source_date TEXT,                     -- when the source knew it
    fetched_at  TEXT NOT NULL,            -- when exposure got it
    PRIMARY KEY (org_id, source, source_id)
);

-- Other names of an organization (brands, DBA, mirror sites), for search.
CREATE TABLE org_alias (
    org_id INTEGER NOT NULL REFERENCES organization(id) ON DELETE CASCADE,
    name   TEXT NOT NULL,
    PRIMARY KEY (org_id, name)
);

-- Contact health: an address or page that bounced or is dead (or was checked and works).
-- Keyed by the contact itself, so it holds whichever organization lists it. A row from the
-- user (source = 'user') overrides what a catalog source reported.
CREATE TABLE contact_status (
    kind   TEXT NOT NULL CHECK (kind IN ('email', 'web_form', 'opt_out_url', 'postal')),
    value  TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'bounced', 'dead')),
    at     TEXT NOT NULL,                 -- the date of the bounce, or of the check
    org_id INTEGER REFERENCES organization(id) ON DELETE SET NULL,
    note   TEXT,
    PRIMARY KEY (kind, value, source)
);
CREATE INDEX contact_status_org ON contact_status(org_id);
