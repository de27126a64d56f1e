-- Federation between Rampart instances (docs/sharing.md, "Federation").
--
-- An alert received from another instance is kept in `alerts` like a local one, so the
-- inbox, live events, feeds and TAXII work unchanged; `origin_instance` names the
-- instance it came from (NULL: made here) and `federated_audience` holds the audience
-- its origin signed (JSON), which decides who may read it here.
ALTER TABLE alerts ADD COLUMN origin_instance TEXT;
ALTER TABLE alerts ADD COLUMN federated_audience TEXT;
-- An organisation of another instance, known here because an item it originated
-- arrived (NULL: an organisation of this instance's own directory).
ALTER TABLE organisations ADD COLUMN federated_from TEXT;

-- The trust list: instances whose signatures are accepted, with the organisations each
-- hosts (directly or behind it; '*' = every organisation not hosted here). A `link` is
-- a direct peer with its own outbox sequence; `push` (we send to `url`) and `pull` (we
-- fetch from `url`) say who opens the connection. The rest is the link's state:
-- `applied_seq` their last message applied here, `acked_seq` our last message they
-- confirmed, `out_seq` our last message queued for them, `their_head` their last
-- message for us as they last said, `last_heard` when they were last heard from.
CREATE TABLE federation_peers (
    name TEXT PRIMARY KEY,
    url TEXT,
    public_key TEXT NOT NULL,
    hosts TEXT NOT NULL,
    link BOOLEAN NOT NULL DEFAULT TRUE,
    push BOOLEAN NOT NULL DEFAULT FALSE,
    pull BOOLEAN NOT NULL DEFAULT FALSE,
    added_at BIGINT NOT NULL,
    applied_seq BIGINT NOT NULL DEFAULT 0,
    acked_seq BIGINT NOT NULL DEFAULT 0,
    out_seq BIGINT NOT NULL DEFAULT 0,
    their_head BIGINT NOT NULL DEFAULT 0,
    last_heard BIGINT,
    status TEXT NOT NULL DEFAULT 'ok',
    status_since BIGINT
);

-- What each peer is sent, in its link's order. `entry` is the JSON of the signed
-- message (and, with an upsert, the signed tombstone that retracts it).
CREATE TABLE federation_outbox (
    peer TEXT NOT NULL REFERENCES federation_peers(name) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    item_type TEXT NOT NULL,
    item_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    entry TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (peer, seq)
);

-- Local changes to share, written in the change's own transaction; the server turns
-- them into signed outbox entries (and deletes them) in one later transaction.
CREATE TABLE federation_pending (
    id BIGSERIAL PRIMARY KEY,
    item_type TEXT NOT NULL,
    item_id TEXT NOT NULL,
    queued_at BIGINT NOT NULL
);

-- The newest signed message known for each item, shared from here or received: what a
-- later message's version is compared with (an older one never rolls an item back, a
-- tombstone is kept so a late upsert does not resurrect it) and what retractions are
-- computed from.
CREATE TABLE federation_items (
    origin TEXT NOT NULL,
    item_type TEXT NOT NULL,
    item_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    op TEXT NOT NULL,
    message TEXT NOT NULL,
    retract TEXT,
    from_peer TEXT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (origin, item_type, item_id)
);
