-- Rampart registry schema for SQLite. Times are Unix milliseconds (UTC).
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT
);

CREATE TABLE assets (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sector TEXT,
    subsector TEXT,
    category TEXT,
    country TEXT NOT NULL,
    operator_id TEXT REFERENCES organisations(id),
    geometry TEXT NOT NULL,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    min_lon REAL NOT NULL,
    min_lat REAL NOT NULL,
    max_lon REAL NOT NULL,
    max_lat REAL NOT NULL,
    people_served INTEGER,
    peak_occupancy INTEGER,
    value_per_day REAL,
    restoration_hours REAL,
    attributes TEXT NOT NULL DEFAULT '{}',
    version INTEGER NOT NULL DEFAULT 1,
    updated_at INTEGER NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX assets_country ON assets(country, id);
CREATE INDEX assets_sector ON assets(sector, id);
CREATE INDEX assets_category ON assets(category, id);
CREATE INDEX assets_operator ON assets(operator_id, id);

-- The spatial index: the bounding box of every asset, kept in step by triggers.
CREATE VIRTUAL TABLE assets_rtree USING rtree(rid, min_lon, max_lon, min_lat, max_lat);
CREATE TRIGGER assets_rtree_insert AFTER INSERT ON assets BEGIN
    INSERT INTO assets_rtree VALUES (new.rid, new.min_lon, new.max_lon, new.min_lat, new.max_lat);
END;
CREATE TRIGGER assets_rtree_update AFTER UPDATE OF min_lon, min_lat, max_lon, max_lat ON assets BEGIN
    UPDATE assets_rtree SET min_lon = new.min_lon, max_lon = new.max_lon, min_lat = new.min_lat, max_lat = new.max_lat
    WHERE rid = new.rid;
END;
CREATE TRIGGER assets_rtree_delete AFTER DELETE ON assets BEGIN
    DELETE FROM assets_rtree WHERE rid = old.rid;
END;

CREATE TABLE dependencies (
    id INTEGER PRIMARY KEY,
    supplier_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    dependent_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    service TEXT NOT NULL,
    k INTEGER NOT NULL,
    n INTEGER NOT NULL,
    buffer_hours REAL NOT NULL,
    UNIQUE (supplier_id, dependent_id, service)
);
CREATE INDEX dependencies_dependent ON dependencies(dependent_id);

CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    network TEXT NOT NULL,
    from_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    to_id TEXT NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    capacity REAL,
    length_km REAL,
    UNIQUE (network, from_id, to_id)
);
CREATE INDEX links_to ON links(to_id);

CREATE TABLE asset_history (
    id INTEGER PRIMARY KEY,
    asset_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX asset_history_asset ON asset_history(asset_id, id);

CREATE TABLE users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at INTEGER NOT NULL
);

-- Login sessions and API tokens are stored as SHA-256 hashes of the secret.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);

CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(username, at);
