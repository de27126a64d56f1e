-- Alerts of the warning network (CAP 1.2). The CAP document (`cap_xml`, as written by
-- rampart_formats::cap) is the source of truth; the other columns index it and keep
-- the workflow: draft -> pending (approval) -> approved -> published. An Update or a
-- Cancel is a new alert whose `references` name earlier ones (`alert_references`);
-- the earlier alert's `followed_by` then names the newest one that followed it.
CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    identifier TEXT NOT NULL,
    sender TEXT NOT NULL,
    sent TEXT NOT NULL,
    msg_type TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    author TEXT NOT NULL,
    approver TEXT,
    state TEXT NOT NULL,
    tlp TEXT NOT NULL,
    community_id TEXT REFERENCES communities(id),
    headline TEXT NOT NULL DEFAULT '',
    cap_xml TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT,
    followed_by TEXT,
    -- Unique within the organisation that holds the alert, so a clash never tells
    -- anyone about an alert of another organisation they may not read.
    UNIQUE (organisation_id, sender, identifier)
);
CREATE INDEX alerts_reference ON alerts(sender, identifier);
CREATE INDEX alerts_organisation ON alerts(organisation_id);
CREATE INDEX alerts_published ON alerts(published_at);

CREATE TABLE alert_references (
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    referenced_id TEXT NOT NULL REFERENCES alerts(id),
    PRIMARY KEY (alert_id, referenced_id)
);

-- Named recipients chosen by the author (before and after publication).
CREATE TABLE alert_named (
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    username TEXT NOT NULL REFERENCES users(username),
    PRIMARY KEY (alert_id, username)
);

-- Who received a published alert and why: an organisation (username NULL) or a person;
-- `asset_ids` lists the matched sites (reason 'area'), `level` the escalation level.
CREATE TABLE alert_recipients (
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    username TEXT REFERENCES users(username),
    reason TEXT NOT NULL,
    asset_ids TEXT NOT NULL DEFAULT '',
    level INTEGER NOT NULL DEFAULT 0,
    added_at BIGINT NOT NULL
);
CREATE INDEX alert_recipients_alert ON alert_recipients(alert_id);
CREATE INDEX alert_recipients_organisation ON alert_recipients(organisation_id);

-- One acknowledgement per recipient organisation, kept as the CAP Ack message it is.
CREATE TABLE alert_acks (
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    username TEXT NOT NULL,
    at BIGINT NOT NULL,
    identifier TEXT NOT NULL,
    cap_xml TEXT NOT NULL,
    PRIMARY KEY (alert_id, organisation_id)
);

-- Escalations of an unacknowledged alert for one recipient organisation: level 1 to
-- its liaison officer, level 2 to its supervising authority; `target` is who (empty
-- when the profile named nobody). Unique, so concurrent sweeps apply each once.
CREATE TABLE alert_escalations (
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    level INTEGER NOT NULL,
    target TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (alert_id, organisation_id, level)
);

-- Live delivery: every change readers may be told about, in commit order, written in
-- the change's transaction. `audience` narrows who of the alert's readers is told
-- ('' = all of them; otherwise organisation ids separated by commas).
CREATE TABLE events (
    seq BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    audience TEXT NOT NULL DEFAULT ''
);
