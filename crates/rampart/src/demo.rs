//! The demo registry: generated assets of Europe plus one user per role.

use crate::config::Config;
use anyhow::{anyhow, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rampart_core::{OrgId, Role, Scope, Username};
use rampart_gen::{Chunk, GenConfig, Stats};
use rampart_server::clock::{Clock, SystemClock};
use rampart_store::{AssetFilter, NewUser, Store};
use rand::Rng;

/// A 20-character password from an unambiguous alphabet (about 115 bits).
pub fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

fn bar(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} chunks, {elapsed} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Generates a registry into the store in one transaction, with a progress bar.
pub async fn load_generated(store: &Store, assets: u64, seed: u64) -> Result<Stats> {
    if !(10_000..=10_000_000).contains(&assets) {
        anyhow::bail!("--assets must be from 10000 to 10000000, found {assets}");
    }
    let cfg = GenConfig::new(assets, seed);
    let progress = bar(rampart_gen::chunk_count(&cfg) as u64, "generating");
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    let generator = tokio::task::spawn_blocking(move || {
        rampart_gen::generate(&cfg, |chunk| tx.blocking_send(chunk).map_err(|_| "the database writer stopped"))
    });
    let mut writer = store.bulk_writer("generator", "generate", SystemClock.now_ms()).await?;
    while let Some(chunk) = rx.recv().await {
        writer.organisations(&chunk.organisations).await?;
        writer.assets(&chunk.assets).await?;
        writer.dependencies(&chunk.dependencies).await?;
        writer.links(&chunk.links).await?;
        progress.inc(1);
    }
    let stats = generator.await.context("the generator panicked")?.map_err(|e| anyhow!(e))?;
    progress.set_message("committing");
    writer.commit().await?;
    progress.finish_with_message("generated");
    Ok(stats)
}

/// The demo's users: one per role, in organisations of the generated registry.
const DEMO_USERS: [(&str, Role, &str); 5] = [
    ("admin", Role::Admin, rampart_gen::EU_BODY),
    ("analyst.de", Role::Analyst, "de-authority"),
    ("assessor.fr", Role::Assessor, "fr-authority"),
    ("viewer.eu", Role::Viewer, rampart_gen::EU_BODY),
    ("operator.de", Role::Operator, ""),
];

/// The demo stadium's host organisation.
pub const DEMO_STADIUM_HOST: &str = "de-demo-stadium";
pub const DEMO_STADIUM_ID: &str = "DE-DEMO-STADIUM-1";

/// Accounts for running an assessment of the demo stadium: its operator requests, an EU
/// protective security advisor leads, `assessor.fr` reviews.
const STADIUM_USERS: [(&str, Role, &str); 2] = [("stadium.operator", Role::Operator, DEMO_STADIUM_HOST), ("assessor.eu", Role::Assessor, rampart_gen::EU_BODY)];

/// An ellipse of `n` points around (lon, lat) with half-axes in metres, closed.
fn ellipse(lon: f64, lat: f64, east_m: f64, north_m: f64, n: usize) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            let round = |x: f64| (x * 1e6).round() / 1e6;
            [round(lon + east_m * a.cos() / (111_320.0 * lat.to_radians().cos())), round(lat + north_m * a.sin() / 111_320.0)]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

/// The demo stadium: a 60,000-seat football ground (invented, at a real place), with the
/// security perimeter of match days as its `perimeter` attribute; and its operator.
pub fn demo_stadium() -> Result<(rampart_core::Organisation, rampart_core::Asset)> {
    let (lon, lat) = (7.4519, 51.4926);
    let org = serde_json::json!({"id": DEMO_STADIUM_HOST, "name": "Demo Stadium Operations GmbH", "kind": "operator", "country": "DE"});
    let asset = serde_json::json!({"id": DEMO_STADIUM_ID, "name": "Demo stadium", "kind": "public_space", "category": "stadium", "country": "DE",
        "operator_id": DEMO_STADIUM_HOST, "peak_occupancy": 81_000, "people_served": 60_000,
        "geometry": {"type": "Polygon", "coordinates": [ellipse(lon, lat, 125.0, 100.0, 24)]},
        "attributes": {"perimeter": {"type": "Polygon", "coordinates": [ellipse(lon, lat, 230.0, 195.0, 24)]}}});
    let org = rampart_core::Organisation::from_json(org.as_object().ok_or_else(|| anyhow!("organisation"))?).map_err(|e| anyhow!("demo stadium operator: {e}"))?;
    let asset = rampart_core::Asset::from_json(asset.as_object().ok_or_else(|| anyhow!("asset"))?).map_err(|e| anyhow!("demo stadium: {e}"))?;
    Ok((org, asset))
}

/// Adds the demo stadium and its operator to the registry.
pub async fn seed_stadium(store: &Store) -> Result<()> {
    let (org, asset) = demo_stadium()?;
    store.put_organisation(&org).await?;
    store.create_asset(&asset, "demo", SystemClock.now_ms()).await?;
    Ok(())
}

/// Seeds the demo registry and users unless the database already has assets, and
/// prints how to log in.
pub async fn seed_if_empty(store: &Store, config: &Config, assets: u64, seed: u64) -> Result<()> {
    let credentials = config.data_dir.join("demo-credentials.txt");
    if store.count_assets(&AssetFilter::default(), &Scope::All).await? == 0 {
        println!("Seeding a demo registry of Europe with {assets} assets (seed {seed}) …");
        let stats = load_generated(store, assets, seed).await?;
        println!(
            "{} assets, {} dependencies, {} network links ({} cross-border) in {} countries",
            stats.assets, stats.dependencies, stats.links, stats.cross_border_links, stats.countries
        );
        // The operator account belongs to the operator of the first German electricity site.
        let energy = store
            .list_assets(&AssetFilter { country: rampart_core::CountryCode::parse("DE").ok(), sector: Some(rampart_core::Sector::Energy), ..Default::default() }, &Scope::All, 500, None)
            .await?;
        let operator_org = energy
            .items
            .iter()
            .find(|a| a.asset.subsector == Some(rampart_core::Subsector::Electricity))
            .and_then(|a| a.asset.operator_id.clone())
            .ok_or_else(|| anyhow!("the demo registry has no German electricity operator"))?;
        seed_stadium(store).await?;
        let mut lines = vec!["# Rampart demo accounts (created with the demo database)".to_string()];
        for (name, role, org) in DEMO_USERS.into_iter().chain(STADIUM_USERS) {
            let org = if org.is_empty() { operator_org.clone() } else { OrgId::parse(org).map_err(|e| anyhow!("{e}"))? };
            let pw = generated_password();
            let hash = rampart_server::auth::hash_password(pw.clone()).await.map_err(|e| anyhow!("{e}"))?;
            let username = Username::parse(name).map_err(|e| anyhow!("{e}"))?;
            store
                .create_user(&NewUser { username: &username, password_hash: &hash, role, organisation_id: &org }, SystemClock.now_ms())
                .await?;
            lines.push(format!("{name:<12} {pw}   ({}, {org})", role.key()));
        }
        seed_sharing_directory(store, &operator_org).await?;
        write_private(&credentials, &(lines.join("\n") + "\n"))?;
    }
    match std::fs::read_to_string(&credentials) {
        Ok(text) => {
            println!("\nLog in at http://{} with one of these accounts (also in {}):", config.bind, credentials.display());
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                println!("  {line}");
            }
            println!();
        }
        Err(_) => println!("The database already had assets; use `rampart user add` to create an account."),
    }
    Ok(())
}

/// The demo's warning network: every national authority is its member state's single
/// point of contact and explosives-precursor contact point, the authorities and the EU body form one community, and the demo
/// operator has its security liaison officer.
async fn seed_sharing_directory(store: &Store, operator_org: &OrgId) -> Result<()> {
    let orgs = store.list_organisations().await?;
    let authorities: Vec<&rampart_core::Organisation> = orgs.iter().filter(|o| o.kind == rampart_core::OrgKind::Authority && o.country.is_some()).collect();
    for a in &authorities {
        store.set_sharing_profile(&a.id, &rampart_core::SharingProfile { contact_point: true, precursor_contact_point: true, ..Default::default() }).await?;
    }
    let mut members: Vec<OrgId> = authorities.iter().map(|a| a.id.clone()).collect();
    members.push(OrgId::parse(rampart_gen::EU_BODY).map_err(|e| anyhow!("{e}"))?);
    let community = rampart_core::Community {
        id: rampart_core::CommunityId::parse("eu-cip-authorities").map_err(|e| anyhow!("{e}"))?,
        name: "EU critical-infrastructure authorities".into(),
        description: "The national CIP authorities and the EU coordination body".into(),
        members,
    };
    store.put_community(&community).await?;
    let liaison = Username::parse("operator.de").map_err(|e| anyhow!("{e}"))?;
    let supervisor = OrgId::parse("de-authority").ok().filter(|d| orgs.iter().any(|o| &o.id == d));
    store.set_sharing_profile(operator_org, &rampart_core::SharingProfile { supervisor, liaison: Some(liaison), ..Default::default() }).await?;
    Ok(())
}

/// Writes a file only its owner can read.
fn write_private(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}
