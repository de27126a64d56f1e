-- The audit trail: who created, read, changed, shared, exported what. Append-only
-- (the trigger refuses UPDATE and DELETE) and tamper-evident: each entry's hash is
-- SHA-256 over a canonical encoding of the entry and the previous entry's hash (see
-- crates/rampart-store/src/audit.rs), so changing, removing or reordering entries
-- breaks the chain that `rampart audit verify` walks.
-- `audit_head` holds the last seq and hash: appenders lock its one row (a row lock held
-- to the end of their transaction), so concurrent appends form one chain, and removing
-- entries from the end is detected.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
