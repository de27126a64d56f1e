-- Rampart registry schema for PostgreSQL. Times are Unix milliseconds (UTC).
-- Asset ids sort bytewise ("C"), as on SQLite, so pages and exports agree between backends.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    country TEXT
);

CREATE TABLE assets (
    rid BIGSERIAL PRIMARY KEY,
    id TEXT COLLATE "C" NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    sector TEXT,
    subsector TEXT,
    category TEXT,
    country TEXT NOT NULL,
    operator_id TEXT REFERENCES organisations(id),
    geometry TEXT NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    min_lon DOUBLE PRECISION NOT NULL,
    min_lat DOUBLE PRECISION NOT NULL,
    max_lon DOUBLE PRECISION NOT NULL,
    max_lat DOUBLE PRECISION NOT NULL,
    people_served BIGINT,
    peak_occupancy BIGINT,
    value_per_day DOUBLE PRECISION,
    restoration_hours DOUBLE PRECISION,
    attributes TEXT NOT NULL DEFAULT '{}',
    version BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX assets_country ON assets(country, id);
CREATE INDEX assets_sector ON assets(sector, id);
CREATE INDEX assets_category ON assets(category, id);
CREATE INDEX assets_operator ON assets(operator_id, id);

-- The spatial index: a GiST index over each asset's bounding box.
CREATE INDEX assets_bbox ON assets USING gist (box(point(min_lon, min_lat), point(max_lon, max_lat)));

CREATE TABLE dependencies (
    id BIGSERIAL PRIMARY KEY,
    supplier_id TEXT COLLATE "C" NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    dependent_id TEXT COLLATE "C" NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    service TEXT NOT NULL,
    k BIGINT NOT NULL,
    n BIGINT NOT NULL,
    buffer_hours DOUBLE PRECISION NOT NULL,
    UNIQUE (supplier_id, dependent_id, service)
);
CREATE INDEX dependencies_dependent ON dependencies(dependent_id);

CREATE TABLE links (
    id BIGSERIAL PRIMARY KEY,
    network TEXT NOT NULL,
    from_id TEXT COLLATE "C" NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    to_id TEXT COLLATE "C" NOT NULL REFERENCES assets(id) ON DELETE CASCADE,
    capacity DOUBLE PRECISION,
    length_km DOUBLE PRECISION,
    UNIQUE (network, from_id, to_id)
);
CREATE INDEX links_to ON links(to_id);

CREATE TABLE asset_history (
    id BIGSERIAL PRIMARY KEY,
    asset_id TEXT NOT NULL,
    at BIGINT NOT NULL,
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
    created_at BIGINT NOT NULL
);

-- Login sessions and API tokens are stored as SHA-256 hashes of the secret.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);

CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(username, at);
