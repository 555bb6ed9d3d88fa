-- Mail scans (issue 4). Incremental IMAP: what was read per folder, and the per-domain
-- evidence read so far, so a rescan adds only new mail and totals stay exact.

-- One row per IMAP folder read: where to resume.
CREATE TABLE mail_folder (
    account     TEXT NOT NULL,              -- imap://user@host
    folder      TEXT NOT NULL,              -- decoded folder name
    uidvalidity INTEGER NOT NULL,
    last_uid    INTEGER NOT NULL DEFAULT 0, -- highest UID read
    messages    INTEGER NOT NULL DEFAULT 0, -- messages read (every one, with or without a From)
    skipped     INTEGER NOT NULL DEFAULT 0, -- messages without a usable sender
    sent        INTEGER NOT NULL DEFAULT 0, -- messages the user sent
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (account, folder)
);

-- Per folder and sender domain: the evidence so far (JSON of aggregate.DomainStats).
CREATE TABLE mail_sender (
    account TEXT NOT NULL,
    folder  TEXT NOT NULL,
    domain  TEXT NOT NULL,
    stats   TEXT NOT NULL,
    PRIMARY KEY (account, folder, domain)
);

-- Per account: the user's own addresses learnt from the mail (sent folders), JSON array.
CREATE TABLE mail_account (
    account    TEXT PRIMARY KEY,
    own        TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL
);
