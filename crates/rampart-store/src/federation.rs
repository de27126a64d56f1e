//! Federation between Rampart instances: the trust list of peers, each link's outbox
//! and cursors, the newest signed message known for each shared item, and applying a
//! verified batch from a peer in one transaction.
//!
//! The server verifies signatures before calling [`Store::apply_federation_batch`];
//! here a batch is checked against the link's cursor (a gap or a replay is refused and
//! nothing changes), every item is applied only if newer than what is stored, kept here
//! only if this instance hosts a reader its label admits, and forwarded to the peers
//! the distribution rule (`rampart_core::federation::targets`) names, all in one
//! transaction: the receiver's copy, its cursor and its onward outbox commit together.

use crate::alerts::{add_event, lock_events};
use crate::{on_pool, on_tx, Result, Store, StoreError, Tx};
use rampart_core::federation::{self as fed, Audience, Entry, Hosts, InstanceName, ItemType, Message, Op, Signed};
use rampart_core::{Invalid, OrgId, RecipientReason, Username};
use std::collections::BTreeSet;

/// A peer's configuration, as the administrator gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerConfig {
    pub name: InstanceName,
    /// Where its federation endpoints are (for push and pull), e.g. `https://de.example`.
    pub url: Option<String>,
    /// Base64 of its Ed25519 public key.
    pub public_key: String,
    pub hosts: Hosts,
    /// A direct link (with an outbox); `false` for an origin whose key is trusted but
    /// whose messages arrive through another peer.
    pub link: bool,
    /// We send our outbox to it.
    pub push: bool,
    /// We fetch its outbox for us.
    pub pull: bool,
}

/// A peer with its link's state.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerRecord {
    pub config: PeerConfig,
    pub added_at: i64,
    /// Their last message applied here.
    pub applied_seq: i64,
    /// Our last message they confirmed.
    pub acked_seq: i64,
    /// Our last message queued for them.
    pub out_seq: i64,
    /// Their newest message for us, as they last said.
    pub their_head: i64,
    pub last_heard: Option<i64>,
    /// `ok`, `lagging` or `silent`.
    pub status: String,
    pub status_since: Option<i64>,
}

/// A local change waiting to be turned into signed outbox entries.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingChange {
    pub id: i64,
    pub item_type: String,
    pub item_id: String,
}

/// An item shared from here, signed, with where each copy goes.
#[derive(Debug, Clone)]
pub struct SharedItem {
    pub message: Signed,
    pub retract: Signed,
    /// Peers that get the upsert (with its retraction).
    pub upsert_to: Vec<InstanceName>,
    /// Peers that got an earlier version and now get the tombstone only.
    pub retract_to: Vec<InstanceName>,
}

/// The newest signed message known for one item.
#[derive(Debug, Clone)]
pub struct KnownItem {
    pub version: i64,
    pub op: Op,
    pub message: Signed,
    pub retract: Option<Signed>,
}

/// How a batch was taken.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchOutcome {
    /// Applied (or skipped as older than what is stored); `cursor` is the link's new
    /// applied sequence.
    Applied { cursor: i64, applied: usize, stale: usize },
    /// Every entry had been applied before: nothing changed.
    Replay { cursor: i64 },
    /// The batch does not continue from the cursor: nothing changed.
    Gap { expected: i64, got: i64 },
}

/// A peer's backlog: our messages queued for it and not yet confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backlog {
    pub count: i64,
    pub oldest_at: Option<i64>,
}

type PeerRow = (String, Option<String>, String, String, bool, bool, bool, i64, i64, i64, i64, i64, Option<i64>, String, Option<i64>);

/// The organisations with a user on this instance.
const LOCAL_ORGS: &str = "SELECT DISTINCT organisation_id FROM users WHERE NOT disabled";

const PEER_COLUMNS: &str =
    "name, url, public_key, hosts, link, push, pull, added_at, applied_seq, acked_seq, out_seq, their_head, last_heard, status, status_since";

fn bad(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(Invalid::one(what, format!("stored value unreadable: {e}")))
}

fn peer(row: PeerRow) -> Result<PeerRecord> {
    let (name, url, public_key, hosts, link, push, pull, added_at, applied_seq, acked_seq, out_seq, their_head, last_heard, status, status_since) = row;
    let hosts: Vec<String> = hosts.split(',').filter(|s| !s.is_empty()).map(String::from).collect();
    Ok(PeerRecord {
        config: PeerConfig {
            name: InstanceName::parse(&name).map_err(|e| bad("peer name", e))?,
            url,
            public_key,
            hosts: Hosts::parse(&hosts).map_err(|e| bad("peer hosts", e))?,
            link,
            push,
            pull,
        },
        added_at,
        applied_seq,
        acked_seq,
        out_seq,
        their_head,
        last_heard,
        status,
        status_since,
    })
}

/// The community members of a federated alert's signed audience (JSON as stored).
pub(crate) fn community_members(audience: &str) -> Result<Vec<OrgId>> {
    let a: Audience = serde_json::from_str(audience).map_err(|e| bad("federated audience", e))?;
    let members = a.community.map(|c| c.members).unwrap_or_default();
    Ok(members.iter().filter_map(|m| OrgId::parse(m).ok()).collect())
}

/// Records, in a change's own transaction, that a local item changed and is to be
/// shared (see [`Store::share_pending`]).
pub(crate) async fn queue_local_change(tx: &mut Tx, item_type: &str, item_id: &str, now: i64) -> Result<()> {
    // Nothing is queued without a peer to share with (a peer added later gets what
    // changes from then on), so an instance that does not federate keeps no queue.
    let linked: Option<i32> = on_tx!(&mut *tx, t => sqlx::query_scalar("SELECT 1 FROM federation_peers WHERE link LIMIT 1").fetch_optional(t).await?);
    if linked.is_none() {
        return Ok(());
    }
    // Only items made here are shared from here; received ones are forwarded when applied.
    if let Some(table) = crate::federation_items::table(item_type) {
        let sql = format!("SELECT origin_instance FROM {table} WHERE id = $1");
        let origin: Option<Option<String>> = on_tx!(&mut *tx, t => sqlx::query_scalar(&sql)
            .bind(item_id).fetch_optional(t).await?);
        if matches!(origin, Some(Some(_))) {
            return Ok(());
        }
    }
    on_tx!(tx, t => sqlx::query("INSERT INTO federation_pending (item_type, item_id, queued_at) VALUES ($1, $2, $3)")
        .bind(item_type).bind(item_id).bind(now).execute(t).await?.rows_affected());
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid(Invalid::one("", format!("cannot write federation message: {e}"))))
}

fn signed(text: &str) -> Result<Signed> {
    serde_json::from_str(text).map_err(|e| bad("federation message", e))
}

impl Store {
    /// Every peer and trusted origin, by name.
    pub async fn federation_peers(&self) -> Result<Vec<PeerRecord>> {
        let sql = format!("SELECT {PEER_COLUMNS} FROM federation_peers ORDER BY name");
        let rows: Vec<PeerRow> = on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?);
        rows.into_iter().map(peer).collect()
    }

    pub async fn federation_peer(&self, name: &str) -> Result<Option<PeerRecord>> {
        let sql = format!("SELECT {PEER_COLUMNS} FROM federation_peers WHERE name = $1");
        let row: Option<PeerRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(name).fetch_optional(p).await?);
        row.map(peer).transpose()
    }

    /// Adds a peer or changes its configuration (its link's state is kept). Returns
    /// whether it was new.
    pub async fn put_federation_peer(&self, c: &PeerConfig, now: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i32> = on_tx!(&mut tx, t => sqlx::query_scalar("SELECT 1 FROM federation_peers WHERE name = $1")
            .bind(c.name.as_str()).fetch_optional(t).await?);
        let hosts = c.hosts.to_list().join(",");
        if exists.is_some() {
            on_tx!(&mut tx, t => sqlx::query("UPDATE federation_peers SET url = $2, public_key = $3, hosts = $4, link = $5, push = $6, pull = $7 WHERE name = $1")
                .bind(c.name.as_str()).bind(&c.url).bind(&c.public_key).bind(&hosts).bind(c.link).bind(c.push).bind(c.pull).execute(t).await?.rows_affected());
        } else {
            on_tx!(&mut tx, t => sqlx::query("INSERT INTO federation_peers (name, url, public_key, hosts, link, push, pull, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(c.name.as_str()).bind(&c.url).bind(&c.public_key).bind(&hosts).bind(c.link).bind(c.push).bind(c.pull).bind(now).execute(t).await?.rows_affected());
        }
        tx.commit().await?;
        Ok(exists.is_none())
    }

    /// Removes a peer and its outbox. Returns whether it existed.
    pub async fn delete_federation_peer(&self, name: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, t => sqlx::query("DELETE FROM federation_outbox WHERE peer = $1").bind(name).execute(t).await?.rows_affected());
        let n = on_tx!(&mut tx, t => sqlx::query("DELETE FROM federation_peers WHERE name = $1").bind(name).execute(t).await?.rows_affected());
        tx.commit().await?;
        Ok(n > 0)
    }

    /// The organisations this instance hosts readers of: those with a user here. (The
    /// directory may name organisations of other instances, e.g. as community members
    /// or operators of a cross-border site; without users here they are read elsewhere.)
    pub async fn local_organisations(&self) -> Result<BTreeSet<String>> {
        let rows: Vec<String> = on_pool!(self, p => sqlx::query_scalar(LOCAL_ORGS).fetch_all(p).await?);
        Ok(rows.into_iter().collect())
    }

    /// Local changes waiting to be shared, oldest first.
    pub async fn federation_pending(&self, limit: i64) -> Result<Vec<PendingChange>> {
        let rows: Vec<(i64, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, item_type, item_id FROM federation_pending ORDER BY id LIMIT $1").bind(limit).fetch_all(p).await?);
        Ok(rows.into_iter().map(|(id, item_type, item_id)| PendingChange { id, item_type, item_id }).collect())
    }

    /// The newest message known for an item.
    pub async fn federation_item(&self, origin: &str, item_type: &str, item_id: &str) -> Result<Option<KnownItem>> {
        let row: Option<(i64, String, String, Option<String>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT version, op, message, retract FROM federation_items WHERE origin = $1 AND item_type = $2 AND item_id = $3")
            .bind(origin).bind(item_type).bind(item_id).fetch_optional(p).await?);
        row.map(|(version, op, message, retract)| {
            Ok(KnownItem {
                version,
                op: if op == "tombstone" { Op::Tombstone } else { Op::Upsert },
                message: signed(&message)?,
                retract: retract.as_deref().map(signed).transpose()?,
            })
        })
        .transpose()
    }

    /// Writes the signed messages of local changes into the outboxes of the peers they
    /// go to and forgets the pending changes, in one transaction. A pending change some
    /// other process already took is skipped (its row is gone).
    pub async fn share_pending(&self, origin: &InstanceName, taken: &[i64], items: &[SharedItem], now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        for id in taken {
            on_tx!(&mut tx, t => sqlx::query("DELETE FROM federation_pending WHERE id = $1").bind(id).execute(t).await?.rows_affected());
        }
        for item in items {
            let m = &item.message.message;
            let known: Option<i64> = on_tx!(&mut tx, t => sqlx::query_scalar(
                "SELECT version FROM federation_items WHERE origin = $1 AND item_type = $2 AND item_id = $3")
                .bind(origin.as_str()).bind(m.item.kind.as_str()).bind(&m.item.id).fetch_optional(t).await?);
            if known.is_some_and(|v| v >= m.item.version) {
                continue;
            }
            put_item(&mut tx, &item.message, Some(&item.retract), None, now).await?;
            for to in &item.upsert_to {
                let entry = Entry { seq: 0, message: item.message.clone(), retract: Some(item.retract.clone()) };
                enqueue(&mut tx, to, &entry, now).await?;
            }
            for to in &item.retract_to {
                let entry = Entry { seq: 0, message: item.retract.clone(), retract: None };
                enqueue(&mut tx, to, &entry, now).await?;
            }
        }
        tx.commit().await
    }

    /// Our entries for `peer` after `after`, oldest first, at most `limit`.
    pub async fn outbox_after(&self, peer: &str, after: i64, limit: i64) -> Result<Vec<Entry>> {
        let rows: Vec<(i64, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, entry FROM federation_outbox WHERE peer = $1 AND seq > $2 ORDER BY seq LIMIT $3")
            .bind(peer).bind(after).bind(limit).fetch_all(p).await?);
        rows.into_iter()
            .map(|(seq, text)| {
                let mut e: Entry = serde_json::from_str(&text).map_err(|e| bad("outbox entry", e))?;
                e.seq = seq;
                Ok(e)
            })
            .collect()
    }

    /// Our messages for `peer` not yet confirmed.
    pub async fn outbox_backlog(&self, peer: &str) -> Result<Backlog> {
        let (count, oldest_at): (i64, Option<i64>) = on_pool!(self, p => sqlx::query_as(
            "SELECT COUNT(*), MIN(o.created_at) FROM federation_outbox o JOIN federation_peers f ON f.name = o.peer
             WHERE o.peer = $1 AND o.seq > f.acked_seq").bind(peer).fetch_one(p).await?);
        Ok(Backlog { count, oldest_at })
    }

    /// The peer confirmed our messages up to `acked` (its cursor: a peer restored from
    /// a backup may move it back, and is sent again what it lost) and said its newest
    /// message for us is `their_head`.
    pub async fn federation_heard(&self, peer: &str, acked: Option<i64>, their_head: Option<i64>, now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        on_tx!(&mut tx, t => sqlx::query(
            "UPDATE federation_peers SET last_heard = $2,
                 acked_seq = CASE WHEN $3 IS NOT NULL AND $3 >= 0 AND $3 <= out_seq THEN $3 ELSE acked_seq END,
                 their_head = COALESCE($4, their_head) WHERE name = $1")
            .bind(peer).bind(now).bind(acked).bind(their_head).execute(t).await?.rows_affected());
        tx.commit().await
    }

    /// Sets a peer's status; returns whether it changed.
    pub async fn set_federation_status(&self, peer: &str, status: &str, now: i64) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let n = on_tx!(&mut tx, t => sqlx::query("UPDATE federation_peers SET status = $2, status_since = $3 WHERE name = $1 AND status <> $2")
            .bind(peer).bind(status).bind(now).execute(t).await?.rows_affected());
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Applies a batch from the direct peer `from` whose signatures the caller has
    /// verified. See the module docs.
    pub async fn apply_federation_batch(&self, own: &InstanceName, from: &InstanceName, entries: &[Entry], now: i64) -> Result<BatchOutcome> {
        let mut tx = self.begin_write().await?;
        lock_events(&mut tx).await?;
        let lock = match tx {
            Tx::Postgres(_) => " FOR UPDATE",
            Tx::Sqlite(_) => "",
        };
        let sql = format!("SELECT applied_seq FROM federation_peers WHERE name = $1 AND link{lock}");
        let cursor: Option<i64> = on_tx!(&mut tx, t => sqlx::query_scalar(&sql).bind(from.as_str()).fetch_optional(t).await?);
        let Some(cursor) = cursor else { return Err(StoreError::NotFound(format!("peer {from}"))) };
        let fresh: Vec<&Entry> = entries.iter().filter(|e| e.seq > cursor).collect();
        if fresh.is_empty() && !entries.is_empty() {
            return Ok(BatchOutcome::Replay { cursor });
        }
        for (i, e) in fresh.iter().enumerate() {
            let expected = cursor + 1 + i as i64;
            if e.seq != expected {
                return Ok(BatchOutcome::Gap { expected, got: e.seq });
            }
        }
        let peers = link_peers(&mut tx).await?;
        let local: BTreeSet<String> = on_tx!(&mut tx, t => sqlx::query_scalar(LOCAL_ORGS).fetch_all(t).await?)
            .into_iter()
            .collect();
        let is_local = |o: &str| local.contains(o);
        // The directory's organisations, read once per batch rather than per recipient.
        let mut orgs: BTreeSet<String> = on_tx!(&mut tx, t => sqlx::query_scalar("SELECT id FROM organisations").fetch_all(t).await?).into_iter().collect();
        let (mut applied, mut stale) = (0, 0);
        for e in &fresh {
            if apply_entry(&mut tx, own, from, e, &peers, &is_local, &mut orgs, now).await? {
                applied += 1;
            } else {
                stale += 1;
            }
        }
        let cursor = fresh.last().map_or(cursor, |e| e.seq);
        on_tx!(&mut tx, t => sqlx::query("UPDATE federation_peers SET applied_seq = $2, last_heard = $3 WHERE name = $1")
            .bind(from.as_str()).bind(cursor).bind(now).execute(t).await?.rows_affected());
        tx.commit().await?;
        Ok(BatchOutcome::Applied { cursor, applied, stale })
    }
}

async fn link_peers(tx: &mut Tx) -> Result<Vec<(InstanceName, Hosts)>> {
    let sql = format!("SELECT {PEER_COLUMNS} FROM federation_peers WHERE link ORDER BY name");
    let rows: Vec<PeerRow> = on_tx!(tx, t => sqlx::query_as(&sql).fetch_all(t).await?);
    rows.into_iter().map(|r| peer(r).map(|p| (p.config.name, p.config.hosts))).collect()
}

async fn enqueue(tx: &mut Tx, to: &InstanceName, entry: &Entry, now: i64) -> Result<()> {
    let seq: Option<i64> = on_tx!(&mut *tx, t => sqlx::query_scalar(
        "UPDATE federation_peers SET out_seq = out_seq + 1 WHERE name = $1 RETURNING out_seq").bind(to.as_str()).fetch_optional(t).await?);
    let Some(seq) = seq else { return Ok(()) };
    let item = &entry.message.message.item;
    let text = to_json(&Entry { seq, ..entry.clone() })?;
    on_tx!(tx, t => sqlx::query(
        "INSERT INTO federation_outbox (peer, seq, item_type, item_id, version, entry, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(to.as_str()).bind(seq).bind(item.kind.as_str()).bind(&item.id).bind(item.version).bind(&text).bind(now)
        .execute(t).await?.rows_affected());
    Ok(())
}

async fn put_item(tx: &mut Tx, message: &Signed, retract: Option<&Signed>, from: Option<&InstanceName>, now: i64) -> Result<()> {
    let m = &message.message;
    let op = match m.op {
        Op::Upsert => "upsert",
        Op::Tombstone => "tombstone",
    };
    let text = to_json(message)?;
    let retract = retract.map(to_json).transpose()?;
    on_tx!(tx, t => sqlx::query(
        "INSERT INTO federation_items (origin, item_type, item_id, version, op, message, retract, from_peer, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (origin, item_type, item_id) DO UPDATE SET version = excluded.version, op = excluded.op, message = excluded.message,
             retract = excluded.retract, from_peer = excluded.from_peer, received_at = excluded.received_at")
        .bind(m.origin.as_str()).bind(m.item.kind.as_str()).bind(&m.item.id).bind(m.item.version).bind(op).bind(&text).bind(&retract)
        .bind(from.map(InstanceName::as_str)).bind(now).execute(t).await?.rows_affected());
    Ok(())
}

/// Applies one entry; `false` when it is not newer than what is stored. `orgs` is the
/// directory's organisations (kept up to date as organisations are learnt).
#[allow(clippy::too_many_arguments)]
async fn apply_entry(
    tx: &mut Tx,
    own: &InstanceName,
    from: &InstanceName,
    e: &Entry,
    peers: &[(InstanceName, Hosts)],
    local: &(dyn Fn(&str) -> bool + Sync),
    orgs: &mut BTreeSet<String>,
    now: i64,
) -> Result<bool> {
    let m = &e.message.message;
    if &m.origin == own {
        // Our own item come back round: we hold the newest version already.
        return Ok(false);
    }
    let row: Option<(i64, String, String)> = on_tx!(&mut *tx, t => sqlx::query_as(
        "SELECT version, op, message FROM federation_items WHERE origin = $1 AND item_type = $2 AND item_id = $3")
        .bind(m.origin.as_str()).bind(m.item.kind.as_str()).bind(&m.item.id).fetch_optional(t).await?);
    let previous = match row {
        Some((version, op, text)) => {
            let op = if op == "tombstone" { Op::Tombstone } else { Op::Upsert };
            if !fed::newer(m.item.version, m.op, version, op) {
                return Ok(false);
            }
            Some(signed(&text)?)
        }
        None => None,
    };
    let had: Vec<InstanceName> = match &previous {
        Some(p) if p.message.op == Op::Upsert => fed::targets(p.message.tlp, &p.message.audience, peers, Some(from), local).into_iter().cloned().collect(),
        _ => vec![],
    };
    match m.op {
        Op::Upsert => {
            put_item(tx, &e.message, e.retract.as_ref(), Some(from), now).await?;
            if fed::hosted_here(m.tlp, &m.audience, local) {
                put_copy(tx, m, orgs, previous.is_none(), now).await?;
            } else {
                remove_copy(tx, m).await?;
            }
            let to: Vec<InstanceName> = fed::targets(m.tlp, &m.audience, peers, Some(from), local).into_iter().cloned().collect();
            for peer in &to {
                enqueue(tx, peer, &Entry { seq: 0, message: e.message.clone(), retract: e.retract.clone() }, now).await?;
            }
            if let Some(retract) = &e.retract {
                for peer in had.iter().filter(|p| !to.contains(p)) {
                    enqueue(tx, peer, &Entry { seq: 0, message: retract.clone(), retract: None }, now).await?;
                }
            }
        }
        Op::Tombstone => {
            put_item(tx, &e.message, None, Some(from), now).await?;
            remove_copy(tx, m).await?;
            let to: Vec<InstanceName> = if previous.is_some() {
                had
            } else {
                fed::targets(m.tlp, &m.audience, peers, Some(from), local).into_iter().cloned().collect()
            };
            for peer in &to {
                enqueue(tx, peer, &Entry { seq: 0, message: e.message.clone(), retract: None }, now).await?;
            }
        }
    }
    Ok(true)
}

/// The alert of an upsert message, as its origin shares it.
#[derive(Debug, serde::Deserialize)]
struct AlertBody {
    identifier: String,
    sender: String,
    sent: String,
    msg_type: String,
    #[serde(default)]
    headline: String,
    cap_xml: String,
    #[serde(default)]
    author: String,
    published_at: i64,
    #[serde(default)]
    references: Vec<String>,
}

/// Keeps (or refreshes) this instance's copy of a received item.
async fn put_copy(tx: &mut Tx, m: &Message, orgs: &mut BTreeSet<String>, first: bool, now: i64) -> Result<()> {
    match m.item.kind {
        ItemType::Alert => put_alert(tx, m, orgs, first, now).await,
        ItemType::Incident => crate::federation_items::put_incident(tx, m, orgs, now).await,
        ItemType::Library => crate::federation_items::put_document(tx, m, orgs, now).await,
    }
}

/// Removes this instance's copy of a received item, if it has one.
async fn remove_copy(tx: &mut Tx, m: &Message) -> Result<()> {
    match m.item.kind {
        ItemType::Alert => {
            on_tx!(&mut *tx, t => sqlx::query("DELETE FROM alert_references WHERE referenced_id = $1 AND referenced_id IN (SELECT id FROM alerts WHERE origin_instance = $2)")
                .bind(&m.item.id).bind(m.origin.as_str()).execute(t).await?.rows_affected());
            on_tx!(tx, t => sqlx::query("DELETE FROM alerts WHERE id = $1 AND origin_instance = $2")
                .bind(&m.item.id).bind(m.origin.as_str()).execute(t).await?.rows_affected());
            Ok(())
        }
        ItemType::Incident => crate::federation_items::remove_incident(tx, m).await,
        ItemType::Library => crate::federation_items::remove_document(tx, m).await,
    }
}

/// Writes the copy of a received alert; `first` when nothing of this item was known
/// before (so there is no copy to replace).
async fn put_alert(tx: &mut Tx, m: &Message, orgs: &mut BTreeSet<String>, first: bool, now: i64) -> Result<()> {
    let id = &m.item.id;
    let body: AlertBody = serde_json::from_value(m.body.clone())
        .map_err(|e| StoreError::Invalid(Invalid::one("body", format!("alert {id} from {}: {e}", m.origin))))?;
    // The originating organisation: known here, or learnt from the origin.
    let o = &m.organisation;
    if !orgs.contains(&o.id) {
        on_tx!(&mut *tx, t => sqlx::query("INSERT INTO organisations (id, name, kind, country, federated_from) VALUES ($1, $2, $3, $4, $5)")
            .bind(&o.id).bind(&o.name).bind(&o.kind).bind(&o.country).bind(m.origin.as_str()).execute(t).await?.rows_affected());
        orgs.insert(o.id.clone());
    }
    let held: Option<Option<String>> = if first {
        None
    } else {
        on_tx!(&mut *tx, t => sqlx::query_scalar("SELECT origin_instance FROM alerts WHERE id = $1").bind(id).fetch_optional(t).await?)
    };
    let audience = to_json(&m.audience)?;
    match &held {
        Some(Some(origin)) if origin == m.origin.as_str() => {
            on_tx!(&mut *tx, t => sqlx::query(
                "UPDATE alerts SET identifier = $2, sender = $3, sent = $4, msg_type = $5, tlp = $6, headline = $7, cap_xml = $8, version = $9,
                     updated_at = $10, federated_audience = $11 WHERE id = $1")
                .bind(id).bind(&body.identifier).bind(&body.sender).bind(&body.sent).bind(&body.msg_type).bind(m.tlp.as_str())
                .bind(&body.headline).bind(&body.cap_xml).bind(m.item.version).bind(now).bind(&audience).execute(t).await?.rows_affected());
            on_tx!(&mut *tx, t => sqlx::query("DELETE FROM alert_recipients WHERE alert_id = $1").bind(id).execute(t).await?.rows_affected());
            on_tx!(&mut *tx, t => sqlx::query("DELETE FROM alert_named WHERE alert_id = $1").bind(id).execute(t).await?.rows_affected());
        }
        Some(_) => {
            return Err(StoreError::Conflict(format!("alert {id} from {} clashes with an alert held here that did not come from {}", m.origin, m.origin)));
        }
        None => {
            let written = on_tx!(&mut *tx, t => sqlx::query(
                "INSERT INTO alerts (id, identifier, sender, sent, msg_type, organisation_id, author, state, tlp, headline, cap_xml, version, created_at, updated_at,
                     published_at, origin_instance, federated_audience)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', $8, $9, $10, $11, $12, $12, $13, $14, $15)")
                .bind(id).bind(&body.identifier).bind(&body.sender).bind(&body.sent).bind(&body.msg_type).bind(&o.id).bind(&body.author)
                .bind(m.tlp.as_str()).bind(&body.headline).bind(&body.cap_xml).bind(m.item.version).bind(now).bind(body.published_at)
                .bind(m.origin.as_str()).bind(&audience).execute(t).await.map(|r| r.rows_affected()));
            if let Err(e) = written {
                return Err(StoreError::unique(e, || {
                    format!("alert {id} from {}: an alert with this id, or from sender {} with identifier {}, is already held here", m.origin, body.sender, body.identifier)
                }));
            }
        }
    }
    // Recipients and named people that exist here; the others have no reader here.
    let recipients: Vec<&String> = m.audience.organisations.iter().filter(|o| orgs.contains(*o) && OrgId::parse(o).is_ok()).collect();
    if !recipients.is_empty() {
        // One statement for all of them.
        let rows: Vec<String> = (0..recipients.len()).map(|i| format!("($1, ${}, NULL, $2, '', 0, $3)", i + 4)).collect();
        let sql = format!("INSERT INTO alert_recipients (alert_id, organisation_id, username, reason, asset_ids, level, added_at) VALUES {}", rows.join(", "));
        on_tx!(&mut *tx, t => {
            let mut q = sqlx::query(&sql).bind(id).bind(RecipientReason::Federated.key()).bind(now);
            for o in &recipients {
                q = q.bind(o.as_str());
            }
            q.execute(t).await?.rows_affected()
        });
    }
    for u in &m.audience.users {
        // A username names a person only together with their organisation: the same
        // name on another instance is someone else.
        let here: Option<i32> = on_tx!(&mut *tx, t => sqlx::query_scalar("SELECT 1 FROM users WHERE username = $1 AND organisation_id = $2")
            .bind(&u.username).bind(&u.organisation).fetch_optional(t).await?);
        if here.is_some() && Username::parse(&u.username).is_ok() {
            on_tx!(&mut *tx, t => sqlx::query("INSERT INTO alert_named (alert_id, username) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id).bind(&u.username).execute(t).await?.rows_affected());
        }
    }
    for r in &body.references {
        let exists: Option<i32> = on_tx!(&mut *tx, t => sqlx::query_scalar("SELECT 1 FROM alerts WHERE id = $1 AND origin_instance = $2")
            .bind(r).bind(m.origin.as_str()).fetch_optional(t).await?);
        if exists.is_some() {
            on_tx!(&mut *tx, t => sqlx::query("INSERT INTO alert_references (alert_id, referenced_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id).bind(r).execute(t).await?.rows_affected());
            on_tx!(&mut *tx, t => sqlx::query("UPDATE alerts SET followed_by = $1 WHERE id = $2").bind(id).bind(r).execute(t).await?.rows_affected());
        }
    }
    let kind = if held.is_some() { "relabelled" } else { "published" };
    add_event(tx, now, kind, id, &[]).await
}
