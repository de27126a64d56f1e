-- Analysis runs: a study request, who asked, its progress and its result.
-- Times are Unix milliseconds (UTC). `heartbeat_at` is written by the process running
-- the study at least every few seconds, so a run whose process died can be told apart
-- from one still in progress (several processes may share a database).
CREATE TABLE analysis_runs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    request TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress REAL NOT NULL DEFAULT 0,
    started_at INTEGER,
    finished_at INTEGER,
    heartbeat_at INTEGER NOT NULL,
    result TEXT,
    error TEXT
);
CREATE INDEX analysis_runs_created_by ON analysis_runs(created_by, created_at);
CREATE INDEX analysis_runs_created_at ON analysis_runs(created_at);
CREATE INDEX analysis_runs_unfinished ON analysis_runs(status) WHERE status IN ('queued', 'running');
