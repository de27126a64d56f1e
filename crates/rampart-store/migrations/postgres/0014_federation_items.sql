-- Incident notifications and library documents over federation (docs/sharing.md,
-- "Federation"). A copy received from another instance is kept in the same table as a
-- local one, so lists, dashboards, feeds and search work unchanged; `origin_instance`
-- names the instance it came from (NULL: made here) and is read-only here;
-- `federated_audience` holds the audience its origin signed (JSON).
ALTER TABLE incidents ADD COLUMN origin_instance TEXT;
ALTER TABLE incidents ADD COLUMN federated_audience TEXT;
ALTER TABLE library_documents ADD COLUMN origin_instance TEXT;
ALTER TABLE library_documents ADD COLUMN federated_audience TEXT;
