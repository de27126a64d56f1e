//! `rampart alert …`: check CAP alerts and convert them between CAP XML and JSON
//! (rampart_formats::cap; docs/sharing.md).

use anyhow::{bail, Context, Result};
use rampart_formats::cap::{self, Alert};
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand)]
pub enum AlertCommand {
    /// Check CAP 1.2 (or 1.1) alerts against the official schema's rules and the standard's text rules; prints OK or every problem per file, and exits with 1 if any file has one.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Convert an alert (CAP XML, or the JSON this command writes) to JSON or CAP XML on standard output; the alert is validated first.
    Convert {
        file: PathBuf,
        /// `json` or `cap`.
        #[arg(long, value_enum)]
        to: Target,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Target {
    Json,
    Cap,
}

pub fn run(command: AlertCommand) -> Result<()> {
    match command {
        AlertCommand::Validate { files } => {
            let mut bad = 0;
            for file in &files {
                match load(file) {
                    Ok(_) => println!("{}: OK", file.display()),
                    Err(e) => {
                        bad += 1;
                        println!("{e:#}");
                    }
                }
            }
            if bad > 0 {
                bail!("{bad} of {} file{} invalid", files.len(), if files.len() == 1 { " is" } else { "s are" });
            }
            Ok(())
        }
        AlertCommand::Convert { file, to } => {
            let alert = load(&file)?;
            match to {
                Target::Json => println!("{}", serde_json::to_string_pretty(&alert)?),
                Target::Cap => print!("{}", cap::write(&alert)),
            }
            Ok(())
        }
    }
}

/// Reads an alert from CAP XML, or from JSON when the file starts with `{`.
fn load(file: &Path) -> Result<Alert> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file.display().to_string();
    let Ok(text) = String::from_utf8(bytes) else {
        bail!("{name}: not UTF-8 text; CAP alerts are UTF-8");
    };
    if text.trim_start().starts_with('{') {
        let alert: Alert = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{name}:{}:{}: not a CAP alert in JSON: {e}", e.line(), e.column())
        })?;
        cap::validate(&alert).map_err(|e| anyhow::anyhow!("{}", prefix(&name, &e.to_string())))?;
        return Ok(alert);
    }
    cap::read(&text, Some(&name)).map_err(|e| anyhow::anyhow!("{e}"))
}

fn prefix(name: &str, errors: &str) -> String {
    errors.lines().map(|l| format!("{name}: {l}")).collect::<Vec<_>>().join("\n")
}
