-- Have I Been Pwned: breach facts, and which of the user's identifiers were in which breach.

-- One row per breach, from an account lookup or from the free breach list (/breaches).
CREATE TABLE breach (
    name             TEXT PRIMARY KEY,            -- HIBP's stable id, e.g. 'Adobe'
    title            TEXT NOT NULL,
    domain           TEXT NOT NULL DEFAULT '',    -- as HIBP gives it, lower case; '' when none
    breach_date      TEXT,                        -- YYYY-MM-DD
    added_date       TEXT,
    modified_date    TEXT,
    data_classes     TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings, sorted
    pwn_count        INTEGER,
    description_text TEXT NOT NULL DEFAULT '',    -- Description converted to plain text
    flags            TEXT NOT NULL DEFAULT '{}',  -- JSON: verified, fabricated, sensitive, retired, spam_list, ...
    in_list          INTEGER NOT NULL DEFAULT 0,  -- 1 when it came with the last downloaded breach list
    updated_at       TEXT NOT NULL
);
CREATE INDEX breach_domain ON breach(domain);

-- An identifier (email) found in a breach by an account lookup.
CREATE TABLE breach_identifier (
    breach_name TEXT NOT NULL REFERENCES breach(name) ON DELETE CASCADE,
    identifier  TEXT NOT NULL,
    checked_at  TEXT NOT NULL,
    PRIMARY KEY (breach_name, identifier)
);
CREATE INDEX breach_identifier_identifier ON breach_identifier(identifier);

-- When each identifier was last looked up, and how many breaches it was in then.
CREATE TABLE breach_check (
    identifier TEXT PRIMARY KEY,
    checked_at TEXT NOT NULL,
    breaches   INTEGER NOT NULL
);
