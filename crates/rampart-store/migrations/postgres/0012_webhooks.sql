-- Webhooks: an organisation's subscriptions to the events table, delivered in order with
-- retries. `after_seq` is the cursor (the last event handled: delivered, or skipped
-- because the organisation may not be told of it); it moves only after the receiver
-- answered 2xx. `lease_owner`/`lease_until` let one server process at a time deliver a
-- subscription. `secret` signs deliveries; it is needed in clear to sign, is shown once
-- at creation and never again. Times are Unix milliseconds (UTC).
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    url TEXT NOT NULL,
    kinds TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL,
    -- active, paused or failing
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    after_seq BIGINT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    failing_since BIGINT,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    last_attempt_at BIGINT,
    last_success_at BIGINT,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_organisation ON webhooks(organisation_id, created_at);
CREATE INDEX webhooks_due ON webhooks(status, next_attempt_at);

-- Every attempt: a delivery of one event (or a ping), its answer and what comes next.
CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    delivery_id TEXT NOT NULL,
    seq BIGINT,
    kind TEXT NOT NULL,
    alert_id TEXT,
    attempt INTEGER NOT NULL,
    at BIGINT NOT NULL,
    -- delivered or failed
    outcome TEXT NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    next_attempt_at BIGINT
);
CREATE INDEX webhook_attempts_webhook ON webhook_attempts(webhook_id, id);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(webhook_id, delivery_id);
