-- The library of good practice, lessons learnt and guidance: documents with their TLP
-- label and audience, attachments, community events. Times are Unix milliseconds (UTC).
-- Lists (tags, sectors, recipients, recipient organisations) are stored as JSON arrays.
CREATE TABLE library_documents (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    author TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    tlp TEXT NOT NULL,
    community_id TEXT REFERENCES communities(id),
    content TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX library_documents_updated ON library_documents(updated_at);

-- Every write to a document appends one change; search indexes (one per server process,
-- several processes may share the database) apply the changes after the last they saw.
-- Writers serialise on this table so changes become visible in sequence order.
CREATE TABLE library_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE library_attachments (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES library_documents(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX library_attachments_document ON library_attachments(document_id);

CREATE TABLE library_events (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    author TEXT NOT NULL,
    community_id TEXT NOT NULL REFERENCES communities(id),
    tlp TEXT NOT NULL,
    title TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    place TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX library_events_starts ON library_events(starts_at);
