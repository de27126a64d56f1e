//! `rampart bench alert-list`: a reader's page of the alert inbox, filtered by TLP in
//! the database, over many alerts.
//!
//! Loads into an empty database (the configured one) 10 issuing authorities, 200
//! operators (each supervised by one of the authorities), 5 communities of 40 members and
//! `alerts` published alerts with a mix of labels (10 % CLEAR, 30 % GREEN with a community,
//! 40 % AMBER, 15 % AMBER+STRICT, 5 % RED to named people), each sent to its originator
//! and 1 to 5 operators, publication times one minute apart. Then times
//! `Store::readable_alerts` (the query and loading the page's alerts) for operators and
//! authorities, first pages and pages further down reached through `before` (the query
//! alone, `readable_alert_keys`, and the whole page with its alerts loaded), and once
//! the old way (every alert read, filtered in Rust) for comparison.

use anyhow::{bail, Result};
use rampart_core::tlp::Tlp;
use rampart_core::{AlertState, CommunityId, OrgId, Organisation, Principal, RecipientReason, Role, SharingProfile, Username};
use rampart_store::{AlertDoc, AlertListQuery, AlertRecipient, LoadedAlert, NewAlert, NewUser, Store};
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::time::{Duration, Instant};

const AUTHORITIES: usize = 10;
const OPERATORS: usize = 200;
const COMMUNITIES: usize = 5;
const PAGE: u32 = 50;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn id(s: String) -> Result<OrgId> {
    OrgId::parse(&s).map_err(|e| anyhow::anyhow!("{e}"))
}

fn name(s: String) -> Result<Username> {
    Username::parse(&s).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn directory(store: &Store) -> Result<()> {
    for i in 0..AUTHORITIES {
        let o = Organisation::from_json(json!({"id": format!("auth-{i}"), "name": format!("Authority {i}"), "kind": "authority", "country": "DE"}).as_object().ok_or_else(|| anyhow::anyhow!("object"))?)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        store.put_organisation(&o).await?;
        store.create_user(&NewUser { username: &name(format!("analyst-{i}"))?, password_hash: "-", role: Role::Analyst, organisation_id: &o.id }, 0).await?;
    }
    for i in 0..OPERATORS {
        let o = Organisation::from_json(json!({"id": format!("op-{i}"), "name": format!("Operator {i}"), "kind": "operator", "country": "DE"}).as_object().ok_or_else(|| anyhow::anyhow!("object"))?)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        store.put_organisation(&o).await?;
        store.create_user(&NewUser { username: &name(format!("operator-{i}"))?, password_hash: "-", role: Role::Operator, organisation_id: &o.id }, 0).await?;
        let profile = SharingProfile { supervisor: Some(id(format!("auth-{}", i % AUTHORITIES))?), liaison: None, contact_point: false, precursor_contact_point: false };
        store.set_sharing_profile(&o.id, &profile).await?;
    }
    for c in 0..COMMUNITIES {
        let members: Vec<String> = (0..OPERATORS).filter(|i| i % COMMUNITIES == c).take(38).map(|i| format!("op-{i}")).chain([format!("auth-{c}"), format!("auth-{}", c + 5)]).collect();
        let community = rampart_core::Community::from_json(json!({"id": format!("c-{c}"), "name": format!("Community {c}"), "members": members}).as_object().ok_or_else(|| anyhow::anyhow!("object"))?)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        store.put_community(&community).await?;
    }
    Ok(())
}

fn alert(rng: &mut rand::rngs::StdRng, n: usize) -> Result<LoadedAlert> {
    let origin = rng.gen_range(0..AUTHORITIES);
    let organisation = id(format!("auth-{origin}"))?;
    let roll: f64 = rng.gen();
    let (tlp, community) = match roll {
        r if r < 0.10 => (Tlp::Clear, None),
        r if r < 0.40 => (Tlp::Green, Some(CommunityId::parse(&format!("c-{}", rng.gen_range(0..COMMUNITIES))).map_err(|e| anyhow::anyhow!("{e}"))?)),
        r if r < 0.80 => (Tlp::Amber, None),
        r if r < 0.95 => (Tlp::AmberStrict, None),
        _ => (Tlp::Red, None),
    };
    let published_at = 1_700_000_000_000 + n as i64 * 60_000;
    let mut recipients = vec![AlertRecipient { organisation: organisation.clone(), username: None, reason: RecipientReason::Originator, asset_ids: vec![], level: 0, added_at: published_at }];
    for _ in 0..rng.gen_range(1..=5) {
        let o = id(format!("op-{}", rng.gen_range(0..OPERATORS)))?;
        if !recipients.iter().any(|r| r.organisation == o) {
            recipients.push(AlertRecipient { organisation: o, username: None, reason: RecipientReason::Area, asset_ids: vec!["SITE".into()], level: 0, added_at: published_at });
        }
    }
    let named = if tlp == Tlp::Red { vec![name(format!("operator-{}", rng.gen_range(0..OPERATORS)))?] } else { vec![] };
    let key = format!("a{n:08}");
    Ok(LoadedAlert {
        alert: NewAlert {
            id: key.clone(),
            doc: AlertDoc { identifier: key.clone(), sender: organisation.to_string(), sent: "2026-11-22T12:00:00+00:00".into(), msg_type: "Alert".into(), headline: format!("Alert {n}"), cap_xml: "<alert/>".into() },
            organisation,
            author: name(format!("analyst-{origin}"))?,
            tlp,
            community,
            named,
            references: vec![],
        },
        published_at,
        recipients,
    })
}

pub async fn alert_list(store: &Store, alerts: usize, rounds: usize, seed: u64) -> Result<()> {
    if !store.list_organisations().await?.is_empty() {
        bail!("bench alert-list needs an empty database (use --data-dir with a fresh folder, or --database-url of an empty database)");
    }
    directory(store).await?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let start = Instant::now();
    let mut n = 0;
    while n < alerts {
        let chunk: Vec<LoadedAlert> = (n..(n + 10_000).min(alerts)).map(|i| alert(&mut rng, i)).collect::<Result<_>>()?;
        store.load_published_alerts(&chunk).await?;
        n += chunk.len();
    }
    println!("loaded {alerts} published alerts in {:.1} s ({:?})", start.elapsed().as_secs_f64(), store.backend());

    let mut readers: Vec<Principal> = Vec::new();
    for u in (0..8).map(|i| format!("operator-{}", i * 25)).chain((0..2).map(|i| format!("analyst-{i}"))) {
        readers.extend(store.principal(&u).await?);
    }
    println!("| page ({PAGE} alerts) | reader | runs | query p50 | query p99 | page p50 | page p99 | alerts on the page |");
    println!("|---|---|---|---|---|---|---|---|");
    for (label, depth) in [("first page", 0usize), ("fifth page (via before)", 4)] {
        for (kind, of_kind) in [("operator", Role::Operator), ("authority analyst", Role::Analyst)] {
            let (mut times, mut query_times) = (Vec::new(), Vec::new());
            let mut rows = 0usize;
            let readers: Vec<&Principal> = readers.iter().filter(|p| p.role == of_kind).collect();
            for i in 0..rounds {
                let p = readers[i % readers.len()];
                let mut q = AlertListQuery { state: Some(AlertState::Published), limit: PAGE, ..Default::default() };
                for _ in 0..depth {
                    q.before = store.readable_alerts(p, &q).await?.next_before;
                }
                let t = Instant::now();
                let (keys, _) = store.readable_alert_keys(p, &q).await?;
                query_times.push(t.elapsed());
                let t = Instant::now();
                let page = store.readable_alerts(p, &q).await?;
                times.push(t.elapsed());
                rows += page.items.len().min(keys.len());
            }
            times.sort();
            query_times.sort();
            println!(
                "| {label} | {kind} | {rounds} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
                percentile(&query_times, 0.5),
                percentile(&query_times, 0.99),
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                rows / rounds.max(1)
            );
        }
    }
    let p = &readers[0];
    let t = Instant::now();
    let all = store.list_alerts(None).await?;
    let readable = all.iter().filter(|a| a.access().may_read(p)).count();
    println!("\nfor comparison, every alert read and filtered in Rust (the list before): {:.0} ms for {readable} readable of {} (one run, {})", t.elapsed().as_secs_f64() * 1000.0, all.len(), p.username);
    Ok(())
}
