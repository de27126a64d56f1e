//! `rampart library …`: the library of good practice, lessons learnt and guidance on the
//! database, acting as a user (`--as`), with the same rules, TLP filtering and search as
//! the API. Without `--as`, list, search and show read as the database's operator (all).

use crate::io::{answer, describe as api};
use anyhow::{anyhow, Result};
use clap::Subcommand;
use rampart_core::library::{DocKind, DocumentContent, EventContent};
use rampart_core::Principal;
use rampart_server::library::{self as ops, Library};
use rampart_server::library_index::SearchRequest;
use rampart_store::Store;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum LibraryCommand {
    /// Publish a document from a JSON file (docs/sharing.md, "Library").
    Add {
        file: PathBuf,
        #[arg(long = "as")]
        user: String,
    },
    /// The documents a user may read, most recently updated first.
    List {
        #[arg(long = "as")]
        user: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Full-text search over the documents a user may read.
    Search {
        words: String,
        #[arg(long = "as")]
        user: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// One document with its attachments, as JSON.
    Show {
        id: String,
        #[arg(long = "as")]
        user: Option<String>,
    },
    /// Attach a file (PDF, PNG, JPEG, text, Markdown, CSV; at most 10 MiB) to a document.
    Attach {
        id: String,
        file: PathBuf,
        #[arg(long = "as")]
        user: String,
        /// The content type (default: from the file name's extension).
        #[arg(long = "type")]
        content_type: Option<String>,
    },
    /// Community events: `event add FILE --as USER`, `event list [--as USER]`.
    Event {
        #[command(subcommand)]
        command: EventCommand,
    },
}

#[derive(Subcommand)]
pub enum EventCommand {
    /// Announce an event from a JSON file to one of the user's communities.
    Add {
        file: PathBuf,
        #[arg(long = "as")]
        user: String,
    },
    /// The events a user may see, soonest first.
    List {
        #[arg(long = "as")]
        user: Option<String>,
    },
}

fn now_ms() -> Result<i64> {
    crate::io::moment(None)
}

async fn principal(store: &Store, user: Option<&str>) -> Result<Principal> {
    match user {
        Some(u) => crate::io::acting_as(store, u).await,
        None => crate::io::database_operator(),
    }
}

fn content_type_of(file: &Path) -> Result<&'static str> {
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    Ok(match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "txt" => "text/plain",
        "md" | "markdown" => "text/markdown",
        "csv" => "text/csv",
        _ => return Err(anyhow!("{}: cannot tell the content type from the extension; give --type (one of: {})", file.display(), ops::ATTACHMENT_TYPES.join(", "))),
    })
}

fn request(words: String, kind: Option<String>, tag: Option<String>, limit: usize) -> Result<SearchRequest> {
    let kind = kind.map(|k| DocKind::parse(&k)).transpose().map_err(|e| anyhow!("--kind: {e}"))?;
    Ok(SearchRequest { q: words, kind, tag, limit, offset: 0 })
}

fn print_hits(v: &Value) {
    println!("{} document(s)", v["total"]);
    println!("{:<22} {:<17} {:<15} {:<16} TITLE", "ID", "TLP", "KIND", "ORGANISATION");
    for d in v["items"].as_array().into_iter().flatten() {
        let s = |k: &str| d[k].as_str().unwrap_or("").to_string();
        println!("{:<22} {:<17} {:<15} {:<16} {}", s("id"), s("tlp"), s("kind"), s("organisation"), s("title"));
        let snippet = s("snippet");
        if !snippet.is_empty() {
            println!("    {}", snippet.replace("<b>", "*").replace("</b>", "*").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&quot;", "\""));
        }
    }
}

pub async fn library(store: &Store, command: LibraryCommand) -> Result<()> {
    let index = Library::default();
    match command {
        LibraryCommand::Add { file, user } => {
            let p = principal(store, Some(&user)).await?;
            let content = DocumentContent::from_json(&crate::io::json_object(&file)?).map_err(|e| anyhow!("{}: {e}", file.display()))?;
            let tlp = content.tlp;
            let now = now_ms()?;
            let r = ops::publish(store, &index, &p, content, now).await;
            let id = answer((store, now), &user, ("library document", ""), "library add", r).await?;
            println!("{id}: published ({tlp})");
        }
        LibraryCommand::List { user, kind, tag, limit } => {
            let p = principal(store, user.as_deref()).await?;
            print_hits(&ops::search(store, &index, &p, &request(String::new(), kind, tag, limit)?).await.map_err(api)?);
        }
        LibraryCommand::Search { words, user, kind, tag, limit } => {
            let p = principal(store, user.as_deref()).await?;
            print_hits(&ops::search(store, &index, &p, &request(words, kind, tag, limit)?).await.map_err(api)?);
        }
        LibraryCommand::Show { id, user } => {
            let p = principal(store, user.as_deref()).await?;
            println!("{}", serde_json::to_string_pretty(&ops::show(store, &p, &id).await.map_err(api)?)?);
        }
        LibraryCommand::Attach { id, file, user, content_type } => {
            let p = principal(store, Some(&user)).await?;
            let ct = match content_type {
                Some(t) => t,
                None => content_type_of(&file)?.to_string(),
            };
            let data = std::fs::read(&file).map_err(|e| anyhow!("reading {}: {e}", file.display()))?;
            let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("attachment");
            let now = now_ms()?;
            let r = ops::attach(store, &p, &id, name, &ct, &data, now).await;
            let meta = answer((store, now), &user, ("library document", &id), "library attach", r).await.map_err(|e| anyhow!("{}: {e}", file.display()))?;
            println!("{}: attached {} ({}, {} bytes, sha256 {})", meta.id, meta.name, meta.content_type, meta.size, meta.sha256);
        }
        LibraryCommand::Event { command: EventCommand::Add { file, user } } => {
            let p = principal(store, Some(&user)).await?;
            let content = EventContent::from_json(&crate::io::json_object(&file)?).map_err(|e| anyhow!("{}: {e}", file.display()))?;
            let now = now_ms()?;
            let r = ops::add_event(store, &p, content, now).await;
            let e = answer((store, now), &user, ("library event", ""), "library event add", r).await?;
            println!("{}: announced to {}", e.id, e.content.community);
        }
        LibraryCommand::Event { command: EventCommand::List { user } } => {
            let p = principal(store, user.as_deref()).await?;
            println!("{:<20} {:<22} {:<22} {:<16} TITLE", "ID", "STARTS", "ENDS", "COMMUNITY");
            for e in ops::events(store, &p, None).await.map_err(api)? {
                let v = ops::event_json(&e);
                let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
                println!("{:<20} {:<22} {:<22} {:<16} {}", e.id, s("starts_at"), s("ends_at"), e.content.community.as_str(), e.content.title);
            }
        }
    }
    Ok(())
}
