//! `rampart community …` and `rampart org sharing …`: the sharing directory from the
//! command line, on the database directly (as an administrator would).

use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use rampart_core::{Community, CommunityId, OrgId, SharingProfile, Username};
use crate::audit;
use rampart_store::{AuditAction, Store};

#[derive(Subcommand)]
pub enum CommunityCommand {
    /// Add or replace a community (a sharing group of organisations).
    Add {
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// A member organisation (repeat, or comma-separate).
        #[arg(long = "member", value_delimiter = ',')]
        members: Vec<String>,
    },
    /// List the communities, or those an organisation belongs to.
    List {
        #[arg(long)]
        member: Option<String>,
    },
    /// Delete a community.
    Remove { id: String },
}

pub async fn community(store: &Store, command: CommunityCommand) -> Result<()> {
    match command {
        CommunityCommand::Add { id, name, description, members } => {
            let obj = serde_json::json!({"id": id, "name": name, "description": description, "members": members});
            let c = Community::from_json(obj.as_object().ok_or_else(|| anyhow!("community"))?).map_err(|e| anyhow!("{e}"))?;
            let actor = audit::cli_actor();
            store.put_community_audited(&c, &audit::entry(&actor, AuditAction::Change, "community", c.id.as_str(), serde_json::json!({"members": c.members}))).await?;
            println!("community {} saved with {} members", c.id, c.members.len());
        }
        CommunityCommand::List { member } => {
            let member = member.map(|m| OrgId::parse(&m)).transpose().map_err(|e| anyhow!("--member: {e}"))?;
            println!("{:<24} {:<32} MEMBERS", "ID", "NAME");
            for c in store.list_communities(member.as_ref()).await? {
                let members: Vec<&str> = c.members.iter().map(OrgId::as_str).collect();
                println!("{:<24} {:<32} {}", c.id.as_str(), c.name, members.join(","));
            }
        }
        CommunityCommand::Remove { id } => {
            let id = CommunityId::parse(&id).map_err(|e| anyhow!("{e}"))?;
            let actor = audit::cli_actor();
            store.delete_community_audited(&id, &audit::entry(&actor, AuditAction::Delete, "community", id.as_str(), serde_json::json!({}))).await?;
            println!("community {id} deleted");
        }
    }
    Ok(())
}

/// Shows an organisation's sharing profile, changing first what is given
/// (`none` clears the supervisor or the liaison officer).
pub async fn sharing(
    store: &Store,
    org: &str,
    supervisor: Option<String>,
    liaison: Option<String>,
    contact_point: Option<bool>,
    precursor_contact_point: Option<bool>,
) -> Result<()> {
    let org = OrgId::parse(org).map_err(|e| anyhow!("{e}"))?;
    if store.get_organisation(&org).await?.is_none() {
        bail!("no organisation {org}");
    }
    let mut p: SharingProfile = store.sharing_profile(&org).await?;
    let cleared = |v: &str| v.is_empty() || v.eq_ignore_ascii_case("none");
    let changing = supervisor.is_some() || liaison.is_some() || contact_point.is_some() || precursor_contact_point.is_some();
    if let Some(s) = supervisor {
        p.supervisor = if cleared(&s) { None } else { Some(OrgId::parse(&s).map_err(|e| anyhow!("--supervisor: {e}"))?) };
    }
    if let Some(u) = liaison {
        p.liaison = if cleared(&u) { None } else { Some(Username::parse(&u).map_err(|e| anyhow!("--liaison: {e}"))?) };
    }
    if let Some(c) = contact_point {
        p.contact_point = c;
    }
    if let Some(c) = precursor_contact_point {
        p.precursor_contact_point = c;
    }
    if changing {
        let actor = audit::cli_actor();
        store.set_sharing_profile_audited(&org, &p, &audit::entry(&actor, AuditAction::Change, "sharing_profile", org.as_str(), p.to_json())).await?;
    }
    let clients: Vec<String> = store.clients_of(&org).await?.iter().map(ToString::to_string).collect();
    let or_none = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    println!("organisation:  {org}");
    println!("supervisor:    {}", or_none(p.supervisor.map(|s| s.to_string())));
    println!("liaison:       {}", or_none(p.liaison.map(|u| u.to_string())));
    println!("contact point: {}", if p.contact_point { "yes" } else { "no" });
    println!("precursor NCP: {}", if p.precursor_contact_point { "yes" } else { "no" });
    println!("clients:       {}", if clients.is_empty() { "—".into() } else { clients.join(",") });
    Ok(())
}
