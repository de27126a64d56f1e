-- Alert lists are read newest first, by publication time (creation time before
-- publication) and id, a page at a time (`Store::readable_alerts`): this index lets the
-- database walk alerts in that order and stop when a page is full.
CREATE INDEX alerts_recency ON alerts ((COALESCE(published_at, created_at)) DESC, id DESC);
-- Whether one alert was sent to one organisation, asked for every alert walked.
CREATE INDEX alert_recipients_alert_organisation ON alert_recipients(alert_id, organisation_id);
-- People an alert was sent to by name (named recipients, liaison officers).
CREATE INDEX alert_recipients_username ON alert_recipients(username) WHERE username IS NOT NULL;
