-- Vulnerability assessments of a site or an event, confidential to the host organisation,
-- the assessing team and administrators. Times are Unix milliseconds (UTC). JSON columns
-- (plan, answers, notes, findings, scores) are written and read by the server only.
CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    -- No foreign key: an issued report outlives a change to the registry.
    asset_id TEXT NOT NULL,
    host_org TEXT NOT NULL REFERENCES organisations(id),
    title TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('requested', 'planning', 'survey', 'scoring', 'findings', 'review', 'approved', 'issued')),
    kind TEXT CHECK (kind IN ('facility', 'event')),
    methodology_id TEXT,
    methodology_version TEXT,
    starts_on TEXT,
    ends_on TEXT,
    plan TEXT,
    answers TEXT NOT NULL DEFAULT '{}',
    notes TEXT NOT NULL DEFAULT '{}',
    findings TEXT,
    findings_by TEXT,
    scores TEXT,
    previous_id TEXT REFERENCES assessments(id),
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    approved_by TEXT,
    approved_at INTEGER,
    issued_at INTEGER
);
CREATE INDEX assessments_host ON assessments(host_org, created_at);
CREATE INDEX assessments_asset ON assessments(asset_id, state);

-- The team, one row per member, so lists can be filtered by membership in SQL.
CREATE TABLE assessment_team (
    assessment_id TEXT NOT NULL REFERENCES assessments(id),
    username TEXT NOT NULL,
    expertise TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    PRIMARY KEY (assessment_id, username)
);
CREATE INDEX assessment_team_user ON assessment_team(username);

-- Append-only: who did what to an assessment, when, and the state before and after.
CREATE TABLE assessment_trail (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assessment_id TEXT NOT NULL REFERENCES assessments(id),
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX assessment_trail_of ON assessment_trail(assessment_id, id);
CREATE TRIGGER assessment_trail_no_update BEFORE UPDATE ON assessment_trail
BEGIN SELECT RAISE(ABORT, 'the assessment trail is append-only'); END;
CREATE TRIGGER assessment_trail_no_delete BEFORE DELETE ON assessment_trail
BEGIN SELECT RAISE(ABORT, 'the assessment trail is append-only'); END;

-- Photos and documents of the survey; the content type was sniffed from the bytes.
CREATE TABLE assessment_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assessment_id TEXT NOT NULL REFERENCES assessments(id),
    question_id TEXT,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL
);
CREATE INDEX assessment_attachments_of ON assessment_attachments(assessment_id, id);
