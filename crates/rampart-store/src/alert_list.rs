//! Lists of alerts filtered in the database: only the alerts a reader may read, a page
//! at a time, newest first.
//!
//! The SQL is `AlertAccess::may_read` (`rampart_core::alert`) restated over the tables:
//!
//! - not yet published: the originating organisation's issuers;
//! - published: the originating organisation; anyone for TLP:CLEAR; people named
//!   (`alert_named`) or added by name (`alert_recipients.username`: named recipients and
//!   liaison officers) for every label; members of a recipient organisation for GREEN,
//!   AMBER and AMBER+STRICT; clients of a recipient organisation other than the originator
//!   (their sharing profile names it as supervisor) for GREEN and AMBER; members of the
//!   alert's community for GREEN.
//!
//! Every row the query returns is checked again with `may_read` before it is handed out
//! (defence in depth: a row the two disagree on is logged and left out), and a property
//! test (`tests/alert_list.rs`) holds the query equal to the brute-force filter.

use crate::{on_pool, Result, Store};
use rampart_core::{AlertState, CommunityId, Invalid, Principal};
use std::fmt;

use crate::alerts::{AlertRecipient, DocRow, MainRow, NewAlert, RecipientRow, StoredAlert, MAIN_COLUMNS};
use crate::on_tx;
use rampart_core::Username;
use std::collections::HashMap;

/// Where a page starts: after the alert with this sort key (publication time, or
/// creation time before publication) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCursor {
    pub key: i64,
    pub id: String,
}

impl AlertCursor {
    /// `KEY:ID`, as [`fmt::Display`] writes it.
    pub fn parse(s: &str) -> Result<AlertCursor, Invalid> {
        let bad = || Invalid::one("", format!("expected the next_before of an earlier page (KEY:ID), found {s:?}"));
        let (key, id) = s.split_once(':').ok_or_else(bad)?;
        let key = key.parse::<i64>().map_err(|_| bad())?;
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(bad());
        }
        Ok(AlertCursor { key, id: id.to_string() })
    }
}

impl fmt::Display for AlertCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.key, self.id)
    }
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct AlertListQuery {
    pub state: Option<AlertState>,
    /// Only published Alerts and Updates the reader's organisation was sent (or the
    /// reader was named in) and has not acknowledged.
    pub unacknowledged: bool,
    /// Only alerts shared with this community.
    pub community: Option<CommunityId>,
    pub before: Option<AlertCursor>,
    /// At most this many (1 to 1000).
    pub limit: u32,
}

/// One page, and where the next one starts when there may be more.
#[derive(Debug, Clone)]
pub struct AlertPage {
    pub items: Vec<StoredAlert>,
    pub next_before: Option<AlertCursor>,
}

/// The readable-alert condition; `$1` organisation, `$2` username, `$3` the reader
/// issues alerts (1 or 0).
const READABLE: &str = "(
    (a.state <> 'published' AND a.organisation_id = $1 AND $3 = 1)
 OR (a.state = 'published' AND (
        a.organisation_id = $1
     OR a.tlp = 'TLP:CLEAR'
     OR EXISTS (SELECT 1 FROM alert_named n WHERE n.alert_id = a.id AND n.username = $2)
     OR EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.username = $2)
     OR (a.tlp IN ('TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT')
         AND EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.username IS NULL AND r.organisation_id = $1))
     OR (a.tlp IN ('TLP:GREEN', 'TLP:AMBER')
         AND EXISTS (SELECT 1 FROM alert_recipients r JOIN sharing_profiles sp ON sp.supervisor_id = r.organisation_id
                     WHERE r.alert_id = a.id AND r.username IS NULL AND r.reason <> 'originator' AND sp.organisation_id = $1))
     OR (a.tlp = 'TLP:GREEN' AND a.community_id IS NOT NULL
         AND EXISTS (SELECT 1 FROM community_members m WHERE m.community_id = a.community_id AND m.organisation_id = $1))
     OR (a.tlp = 'TLP:GREEN' AND a.federated_audience LIKE $10 ESCAPE '\\')
    ))
)";

/// Alerts the reader may acknowledge and whose acknowledgement by their organisation is
/// still missing (`$1` organisation, `$2` username).
const UNACKNOWLEDGED: &str = "(a.state = 'published' AND a.organisation_id <> $1 AND a.msg_type IN ('Alert', 'Update')
    AND (EXISTS (SELECT 1 FROM alert_recipients r WHERE r.alert_id = a.id AND r.organisation_id = $1 AND (r.username IS NULL OR r.username = $2))
         OR EXISTS (SELECT 1 FROM alert_named n WHERE n.alert_id = a.id AND n.username = $2))
    AND NOT EXISTS (SELECT 1 FROM alert_acks k WHERE k.alert_id = a.id AND k.organisation_id = $1))";

/// A LIKE pattern for an organisation named in the JSON of an alert's signed audience
/// (received from another instance): its members are the GREEN alert's community. The
/// text match may also hit a username or community id spelled like the organisation;
/// `may_read` checks every row afterwards.
fn in_audience(organisation: &str) -> String {
    let escaped = organisation.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%\"{escaped}\"%")
}

impl Store {
    /// The alerts `reader` may read, newest first (by publication time, or creation time
    /// before publication; then by id, descending), one page of at most `q.limit`; each
    /// row checked again with `may_read`.
    pub async fn readable_alerts(&self, reader: &Principal, q: &AlertListQuery) -> Result<AlertPage> {
        let (page, next_before) = self.readable_alert_keys(reader, q).await?;
        let ids: Vec<String> = page.into_iter().map(|c| c.id).collect();
        let mut items = Vec::with_capacity(ids.len());
        for a in self.alerts_by_ids(&ids).await? {
            if a.access().may_read(reader) {
                items.push(a);
            } else {
                tracing::error!(alert = %a.id, reader = %reader.username, "the readable-alerts query returned an alert may_read refuses; left out");
            }
        }
        Ok(AlertPage { items, next_before })
    }

    /// The alerts with these ids (at most 1,000), in the order given, read with a fixed
    /// number of queries: each exactly as [`Store::get_alert`] reads it.
    pub async fn alerts_by_ids(&self, ids: &[String]) -> Result<Vec<StoredAlert>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let list = (1..=ids.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let main = format!("SELECT {MAIN_COLUMNS} FROM alerts WHERE id IN ({list})");
        let docs = format!("SELECT id, cap_xml, followed_by, origin_instance, federated_audience FROM alerts WHERE id IN ({list})");
        let sub = |table: &str, cols: &str| format!("SELECT {cols} FROM {table} WHERE alert_id IN ({list})");
        let recips_sql = sub("alert_recipients", "alert_id, organisation_id, username, reason, asset_ids, level, added_at") + " ORDER BY added_at, organisation_id, username";
        let members_sql = format!(
            "SELECT community_id, organisation_id FROM community_members WHERE community_id IN (SELECT community_id FROM alerts WHERE id IN ({list})) ORDER BY organisation_id"
        );
        let clients_sql = format!(
            "SELECT supervisor_id, organisation_id FROM sharing_profiles
             WHERE supervisor_id IN (SELECT organisation_id FROM alert_recipients WHERE alert_id IN ({list})) ORDER BY organisation_id"
        );
        macro_rules! fetch {
            ($sql:expr, $row:ty) => {{
                let rows: Vec<$row> = on_pool!(self, p => {
                    let mut q = sqlx::query_as($sql);
                    for id in ids {
                        q = q.bind(id);
                    }
                    q.fetch_all(p).await?
                });
                rows
            }};
        }
        let rows = fetch!(&main, MainRow);
        let docs = fetch!(&docs, DocRow);
        let (named_sql, refs_sql) = (sub("alert_named", "alert_id, username"), sub("alert_references", "alert_id, referenced_id"));
        let named = fetch!(&named_sql, (String, String));
        let refs = fetch!(&refs_sql, (String, String));
        let recips = fetch!(&recips_sql, RecipientRow);
        let members = fetch!(&members_sql, (String, String));
        let clients = fetch!(&clients_sql, (String, String));

        let mut by_id: HashMap<String, StoredAlert> =
            super::alerts::assemble(rows, docs, named, refs, recips, members, clients)?.into_iter().map(|a| (a.id.clone(), a)).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// The query alone: the sort keys and ids of one page of readable alerts, and where
    /// the next page starts (`None` on the last page).
    pub async fn readable_alert_keys(&self, reader: &Principal, q: &AlertListQuery) -> Result<(Vec<AlertCursor>, Option<AlertCursor>)> {
        let limit = i64::from(q.limit.clamp(1, 1000));
        // One statement for every query: an absent filter is a NULL (or 0) parameter.
        let sql = format!(
            "SELECT a.id, COALESCE(a.published_at, a.created_at) FROM alerts a WHERE {READABLE}
               AND ($4 IS NULL OR a.state = $4)
               AND ($5 IS NULL OR COALESCE(a.published_at, a.created_at) < $5 OR (COALESCE(a.published_at, a.created_at) = $5 AND a.id < $6))
               AND ($7 = 0 OR {UNACKNOWLEDGED})
               AND ($9 IS NULL OR a.community_id = $9)
             ORDER BY COALESCE(a.published_at, a.created_at) DESC, a.id DESC LIMIT $8"
        );
        let issuer = i32::from(reader.can_issue_alerts());
        let (key, id) = match &q.before {
            Some(c) => (Some(c.key), Some(c.id.as_str())),
            None => (None, None),
        };
        let rows: Vec<(String, i64)> = on_pool!(self, p => sqlx::query_as(&sql)
            .bind(reader.organisation.as_str()).bind(reader.username.as_str()).bind(issuer)
            .bind(q.state.map(|s| s.key())).bind(key).bind(id).bind(i32::from(q.unacknowledged)).bind(limit + 1)
            .bind(q.community.as_ref().map(CommunityId::as_str))
            .bind(in_audience(reader.organisation.as_str()))
            .fetch_all(p).await?);
        let more = rows.len() as i64 > limit;
        let page: Vec<AlertCursor> = rows.into_iter().take(limit as usize).map(|(id, key)| AlertCursor { key, id }).collect();
        let next_before = if more { page.last().cloned() } else { None };
        Ok((page, next_before))
    }
}

/// A published alert for bulk loading.
#[derive(Debug, Clone)]
pub struct LoadedAlert {
    pub alert: NewAlert,
    pub published_at: i64,
    pub recipients: Vec<AlertRecipient>,
}

impl Store {
    /// Writes published alerts with their named people and recipients in one
    /// transaction, without events or audit entries: for benchmarks that need many
    /// alerts quickly (`rampart bench alert-list`), never for alerts people send.
    pub async fn load_published_alerts(&self, alerts: &[LoadedAlert]) -> Result<()> {
        let mut tx = self.begin().await?;
        for l in alerts {
            let a = &l.alert;
            on_tx!(&mut tx, t => sqlx::query(
                "INSERT INTO alerts (id, identifier, sender, sent, msg_type, organisation_id, author, state, tlp, community_id, headline, cap_xml, version, created_at, updated_at, published_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', $8, $9, $10, $11, 1, $12, $12, $12)")
                .bind(&a.id).bind(&a.doc.identifier).bind(&a.doc.sender).bind(&a.doc.sent).bind(&a.doc.msg_type).bind(a.organisation.as_str())
                .bind(a.author.as_str()).bind(a.tlp.as_str()).bind(a.community.as_ref().map(CommunityId::as_str)).bind(&a.doc.headline)
                .bind(&a.doc.cap_xml).bind(l.published_at).execute(t).await?.rows_affected());
            for u in &a.named {
                on_tx!(&mut tx, t => sqlx::query("INSERT INTO alert_named (alert_id, username) VALUES ($1, $2)")
                    .bind(&a.id).bind(u.as_str()).execute(t).await?.rows_affected());
            }
            for r in &l.recipients {
                on_tx!(&mut tx, t => sqlx::query(
                    "INSERT INTO alert_recipients (alert_id, organisation_id, username, reason, asset_ids, level, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&a.id).bind(r.organisation.as_str()).bind(r.username.as_ref().map(Username::as_str)).bind(r.reason.key())
                    .bind(r.asset_ids.join(",")).bind(r.level as i32).bind(r.added_at).execute(t).await?.rows_affected());
            }
        }
        tx.commit().await?;
        // PostgreSQL plans from table statistics, which autovacuum would refresh only
        // later; a benchmark right after a bulk load needs them now.
        if let crate::Pool::Postgres(p) = &self.pool {
            sqlx::query("ANALYZE alerts, alert_named, alert_recipients").execute(p).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::AlertCursor;

    #[test]
    fn cursors_print_and_parse() {
        let c = AlertCursor { key: 1_732_280_000_000, id: "0123abcd".into() };
        assert_eq!(c.to_string(), "1732280000000:0123abcd");
        assert_eq!(AlertCursor::parse("1732280000000:0123abcd"), Ok(c));
        assert_eq!(
            AlertCursor::parse("yesterday").map_err(|e| e.to_string()),
            Err(": expected the next_before of an earlier page (KEY:ID), found \"yesterday\"".to_string())
        );
        assert!(AlertCursor::parse("12:a'b").is_err());
    }
}
