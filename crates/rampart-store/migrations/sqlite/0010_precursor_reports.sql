-- Explosives precursors (Regulation (EU) 2019/1148 Art. 9): which authority is each
-- member state's national contact point for reports (at most one per member state), and
-- the reports sent to them. `report` is the screened report as JSON. Times are Unix
-- milliseconds (UTC).
ALTER TABLE sharing_profiles ADD COLUMN precursor_country TEXT;
CREATE UNIQUE INDEX sharing_profiles_precursor_country ON sharing_profiles(precursor_country);

CREATE TABLE precursor_reports (
    id TEXT PRIMARY KEY,
    country TEXT NOT NULL,
    kind TEXT NOT NULL,
    report TEXT NOT NULL,
    prepared_by TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    recipient_id TEXT NOT NULL REFERENCES organisations(id),
    detected_at BIGINT NOT NULL,
    due_at BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL
);
CREATE INDEX precursor_reports_organisation ON precursor_reports(organisation_id, submitted_at);
CREATE INDEX precursor_reports_recipient ON precursor_reports(recipient_id, submitted_at);
