-- Requests (issue 6): what 0001's request / request_event tables lack.
--
-- * kind / parent_id: a follow-up reminder and a complaint to a regulator are requests of their own
--   (drafted, previewed, exported and sent like the first one), linked to the request they are about.
-- * extended / extended_at: the organization said it needs the law's extension; the due date moves.
-- * reminder_sent_at / escalated_at: when the follow-up and the complaint went out.
-- * regulator: the authority a complaint is addressed to (its name).
-- * last_error: the last send failure, shown until the request is sent.
-- * updated_at: when the request last changed.
-- "overdue" is never stored: it is derived from due_at and the status.

ALTER TABLE request ADD COLUMN kind TEXT NOT NULL DEFAULT 'request';   -- request, follow_up, complaint
ALTER TABLE request ADD COLUMN parent_id INTEGER REFERENCES request(id) ON DELETE CASCADE;
ALTER TABLE request ADD COLUMN extended INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request ADD COLUMN extended_at TEXT;
ALTER TABLE request ADD COLUMN reminder_sent_at TEXT;
ALTER TABLE request ADD COLUMN escalated_at TEXT;
ALTER TABLE request ADD COLUMN regulator TEXT;
ALTER TABLE request ADD COLUMN last_error TEXT;
ALTER TABLE request ADD COLUMN updated_at TEXT;
CREATE INDEX request_parent ON request(parent_id);
CREATE INDEX request_due ON request(due_at);

-- Every SMTP send attempt. It is written (and committed) with its Message-ID BEFORE the DATA
-- command, so a crash or a dropped connection can never lose track of a message that may have
-- gone out. state: sending (in progress, or the process died), accepted (250 after DATA),
-- failed (refused or dropped before the message was handed over: certainly not delivered),
-- unknown (the connection dropped after the message was handed over, before the server's reply).
-- It is also the send log for the daily cap and the per-organization cooldown.
CREATE TABLE send_attempt (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES request(id) ON DELETE CASCADE,
    org_id      INTEGER NOT NULL,
    message_id  TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    host        TEXT,
    state       TEXT NOT NULL CHECK (state IN ('sending', 'accepted', 'failed', 'unknown')),
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    error       TEXT
);
CREATE INDEX send_attempt_request ON send_attempt(request_id);
CREATE INDEX send_attempt_started ON send_attempt(started_at);
CREATE INDEX send_attempt_org ON send_attempt(org_id, started_at);
