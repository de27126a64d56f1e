//! `rampart federation …`: this instance's key, its peers, their links' status, and one
//! round of sharing now (docs/sharing.md, "Federation").

use crate::audit;
use crate::config::Config;
use anyhow::{anyhow, bail, Context, Result};
use rampart_core::federation::{Hosts, InstanceName, PublicKey, SecretKey};
use rampart_server::clock::{Clock, SystemClock};
use rampart_server::federation::{FederationSettings, Identity};
use rampart_store::{AuditAction, PeerConfig, Store};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Subcommand)]
pub enum FederationCommand {
    /// Make this instance's Ed25519 key: writes the seed (base64) to FILE, readable by its owner only, and prints the public key to give to peers.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Peers and trusted origins.
    Peer {
        #[command(subcommand)]
        command: PeerCommand,
    },
    /// Every peer with its link's state: ok, lagging or silent, cursors and backlog.
    Status,
    /// Offline bundles: a peer's outbox written to a signed file, applied at the other end by the same code as a push.
    Bundle {
        #[command(subcommand)]
        command: BundleCommand,
    },
    /// One round now: share local changes, push to push-peers, pull from pull-peers, update the links' status.
    Sync {
        #[command(flatten)]
        federation: crate::config::FederationOverrides,
    },
}

#[derive(clap::Subcommand)]
pub enum BundleCommand {
    /// Write what is queued for PEER (not yet confirmed by it) to FILE, signed by this instance.
    Export {
        #[arg(long)]
        peer: String,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        federation: crate::config::FederationOverrides,
    },
    /// Apply a bundle a peer exported for this instance.
    Import {
        file: PathBuf,
        #[command(flatten)]
        federation: crate::config::FederationOverrides,
    },
}

#[derive(clap::Subcommand)]
pub enum PeerCommand {
    /// Add a peer (or change it).
    Add {
        /// The peer's instance name, e.g. eu-hub.
        name: String,
        /// Its public key (base64), as `rampart federation keygen` printed it there.
        #[arg(long)]
        key: String,
        /// The organisations it hosts, directly or behind it, comma-separated; `*` for every organisation without users here (a hub).
        #[arg(long)]
        hosts: String,
        /// Where it serves, e.g. https://hub.example.eu (needed to push or pull).
        #[arg(long)]
        url: Option<String>,
        /// Send our messages for it to it.
        #[arg(long)]
        push: bool,
        /// Fetch its messages for us from it.
        #[arg(long)]
        pull: bool,
        /// Only trust its signature on messages relayed by other peers (no direct link).
        #[arg(long)]
        origin_only: bool,
    },
    /// List peers and trusted origins.
    List,
    /// Remove a peer and what is queued for it.
    Remove { name: String },
}

/// Reads this instance's identity from the configuration.
pub fn settings(config: &Config) -> Result<FederationSettings> {
    let mut s = FederationSettings {
        interval_ms: config.federation_interval_s * 1000,
        lag_ms: config.federation_lag_min * 60_000,
        ..FederationSettings::default()
    };
    if let Some((name, file)) = &config.federation {
        let name = InstanceName::parse(name).map_err(|e| anyhow!("federation_name: {}", e.0[0].message))?;
        s.identity = Some(Identity { name, key: Arc::new(read_key(file)?) });
    }
    Ok(s)
}

fn read_key(file: &Path) -> Result<SecretKey> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading the federation key {}", file.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(file)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(file = %file.display(), mode = format!("{:o}", mode & 0o777), "the federation key is readable by others than its owner; chmod 600 it");
        }
    }
    SecretKey::parse(&text).map_err(|e| anyhow!("{}: {}", file.display(), e.0[0].message))
}

fn keygen(out: &Path) -> Result<()> {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    let key = SecretKey::from_seed(seed);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(out).with_context(|| format!("creating {} (an existing key is never overwritten)", out.display()))?;
    writeln!(f, "{}", key.to_base64())?;
    println!("{}", key.public());
    Ok(())
}

pub async fn run(command: FederationCommand, config: &Config, store: impl std::future::Future<Output = Result<Store>>) -> Result<()> {
    match command {
        FederationCommand::Keygen { out } => keygen(&out),
        FederationCommand::Peer { command } => peer(&store.await?, command).await,
        FederationCommand::Status => status(&store.await?).await,
        FederationCommand::Bundle { command } => {
            let state = federated_state(config, store.await?)?;
            match command {
                BundleCommand::Export { peer, out, .. } => {
                    let bundle = rampart_server::federation::export_bundle(&state, &peer).await.map_err(|e| anyhow!("{e}"))?;
                    let text = serde_json::to_vec(&bundle)?;
                    std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
                    println!("wrote {} message(s) for {peer} to {}", bundle.batch.entries.len(), out.display());
                    Ok(())
                }
                BundleCommand::Import { file, .. } => {
                    let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                    let bundle: rampart_server::federation::Bundle =
                        serde_json::from_slice(&text).map_err(|e| anyhow!("{}: not a federation bundle: {e}", file.display()))?;
                    let n = bundle.batch.entries.len();
                    let cursor = rampart_server::federation::import_bundle(&state, &bundle).await.map_err(|e| anyhow!("{}: refused: {e}", file.display()))?;
                    println!("applied {n} message(s) from {}; its cursor here is now {cursor}", bundle.batch.from);
                    Ok(())
                }
            }
        }
        FederationCommand::Sync { .. } => {
            let state = federated_state(config, store.await?)?;
            let report = rampart_server::federation::tick(&state).await.map_err(|e| anyhow!("{e}"))?;
            println!("shared {} item(s)", report.shared);
            let failed = report.links.iter().filter(|(_, what)| what.contains("failed")).count();
            for (peer, what) in &report.links {
                println!("{peer}: {what}");
            }
            for (peer, status) in &report.alarms {
                println!("{peer} is now {status}");
            }
            if failed > 0 {
                bail!("{failed} link(s) failed this round; what is queued stays queued for the next");
            }
            Ok(())
        }
    }
}

/// The server's state for a command that acts as this instance (its identity needed).
fn federated_state(config: &Config, store: Store) -> Result<rampart_server::AppState> {
    let settings = rampart_server::Settings { federation: settings(config)?, ..rampart_server::Settings::default() };
    if settings.federation.identity.is_none() {
        bail!("this instance has no federation identity: set federation_name and federation_key_file (or --federation-name and --federation-key-file)");
    }
    Ok(rampart_server::AppState::new(store, Arc::new(SystemClock), settings))
}

async fn peer(store: &Store, command: PeerCommand) -> Result<()> {
    match command {
        PeerCommand::Add { name, key, hosts, url, push, pull, origin_only } => {
            let name = InstanceName::parse(&name).map_err(|e| anyhow!("NAME: {}", e.0[0].message))?;
            let key = PublicKey::parse(&key).map_err(|e| anyhow!("--key: {}", e.0[0].message))?;
            let list: Vec<String> = hosts.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            let hosts = Hosts::parse(&list).map_err(|e| anyhow!("--hosts: {e}"))?;
            if (push || pull) && url.is_none() {
                bail!("--url is needed to push to or pull from {name}");
            }
            if origin_only && (push || pull) {
                bail!("--origin-only is a trusted key without a link: it takes no --push or --pull");
            }
            let config = PeerConfig { name: name.clone(), url: url.map(|u| u.trim_end_matches('/').to_string()), public_key: key.to_string(), hosts, link: !origin_only, push, pull };
            let created = store.put_federation_peer(&config, SystemClock.now_ms()).await?;
            let action = if created { AuditAction::Create } else { AuditAction::Change };
            audit::record(store, action, "federation_peer", name.as_str(), json!({"url": config.url, "hosts": config.hosts.to_list(), "link": config.link, "push": push, "pull": pull, "public_key": config.public_key})).await?;
            println!("{} peer {name}", if created { "added" } else { "changed" });
            Ok(())
        }
        PeerCommand::List => {
            for p in store.federation_peers().await? {
                let c = &p.config;
                let how = match (c.link, c.push, c.pull) {
                    (false, _, _) => "origin only".to_string(),
                    (true, false, false) => "link (they connect)".to_string(),
                    (true, push, pull) => format!("link ({})", [push.then_some("push"), pull.then_some("pull")].into_iter().flatten().collect::<Vec<_>>().join("+")),
                };
                println!("{}\t{}\t{}\t{}\t{}", c.name, how, c.url.as_deref().unwrap_or("-"), c.hosts.to_list().join(","), c.public_key);
            }
            Ok(())
        }
        PeerCommand::Remove { name } => {
            if !store.delete_federation_peer(&name).await? {
                bail!("no peer {name}");
            }
            audit::record(store, AuditAction::Delete, "federation_peer", &name, json!({})).await?;
            println!("removed peer {name}");
            Ok(())
        }
    }
}

async fn status(store: &Store) -> Result<()> {
    println!("peer\tstatus\tlast heard\tapplied/their head\tconfirmed/queued\tbacklog");
    for p in store.federation_peers().await?.into_iter().filter(|p| p.config.link) {
        let backlog = store.outbox_backlog(p.config.name.as_str()).await?;
        println!(
            "{}\t{}\t{}\t{}/{}\t{}/{}\t{}",
            p.config.name,
            p.status,
            p.last_heard.map_or("never".to_string(), rampart_server::rfc3339),
            p.applied_seq,
            p.their_head,
            p.acked_seq,
            p.out_seq,
            backlog.count
        );
    }
    Ok(())
}
