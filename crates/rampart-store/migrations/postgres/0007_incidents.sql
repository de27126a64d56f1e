-- Incident notifications (Directive (EU) 2022/2557 Art. 15). Times are Unix
-- milliseconds (UTC). `report` is the entity's latest account as JSON; `initial_at` is
-- NULL while the notification is a draft. Recipients are fixed when it is notified.
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    entity_id TEXT NOT NULL REFERENCES organisations(id),
    reported_by TEXT NOT NULL,
    tlp TEXT NOT NULL,
    title TEXT NOT NULL,
    report TEXT NOT NULL,
    aware_at BIGINT NOT NULL,
    initial_at BIGINT,
    detailed_at BIGINT,
    closed_at BIGINT,
    commission BOOLEAN NOT NULL DEFAULT FALSE,
    unrouted TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX incidents_entity ON incidents(entity_id, aware_at);

CREATE TABLE incident_recipients (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    reason TEXT NOT NULL,
    country TEXT,
    PRIMARY KEY (incident_id, organisation_id)
);
CREATE INDEX incident_recipients_organisation ON incident_recipients(organisation_id);

-- What was said, in order: the initial notification, updates, the detailed report, closing.
CREATE TABLE incident_updates (
    incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    author TEXT NOT NULL,
    kind TEXT NOT NULL,
    note TEXT NOT NULL,
    report TEXT,
    PRIMARY KEY (incident_id, seq)
);
