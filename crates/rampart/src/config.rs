//! Configuration: command-line flags, then `RAMPART_…` environment variables, then
//! the TOML file (`--config`, or `rampart.toml` in the working directory when present),
//! then secure defaults.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file's keys; every one optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub bind: Option<String>,
    pub secure_cookies: Option<bool>,
    pub session_hours: Option<i64>,
    pub max_body_mb: Option<usize>,
    pub log_format: Option<String>,
    pub hvm_osm: Option<PathBuf>,
    pub alert_liaison_after_min: Option<i64>,
    pub alert_authority_after_min: Option<i64>,
    pub webhook_allow_http: Option<bool>,
    pub federation_name: Option<String>,
    pub federation_key_file: Option<PathBuf>,
    pub federation_interval_s: Option<u64>,
    pub federation_lag_min: Option<i64>,
}

impl FileConfig {
    pub fn load(explicit: Option<&Path>) -> Result<FileConfig> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if Path::new("rampart.toml").exists() => PathBuf::from("rampart.toml"),
            None => return Ok(FileConfig::default()),
        };
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading the configuration file {}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }
}

/// The resolved settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub bind: String,
    pub secure_cookies: bool,
    pub session_hours: i64,
    pub max_body_mb: usize,
    pub json_logs: bool,
    /// An OpenStreetMap extract whose roads the hostile-vehicle API may use.
    pub hvm_osm: Option<PathBuf>,
    /// Minutes without acknowledgement before an alert is escalated to the recipient's liaison officer, then to its supervising authority.
    pub alert_escalation_min: (i64, i64),
    /// Allow plain-http webhook targets beyond this machine.
    pub webhook_allow_http: bool,
    /// This instance's federation name and the file holding its Ed25519 key (both, or
    /// neither: then federation is off).
    pub federation: Option<(String, PathBuf)>,
    /// Seconds between federation rounds (heartbeats); a peer not heard for three is silent.
    pub federation_interval_s: u64,
    /// Minutes a message may wait unconfirmed before its link is lagging.
    pub federation_lag_min: i64,
}

/// Values given on the command line or in the environment (clap reads both).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Overrides {
    /// Database: `sqlite://PATH` (default: rampart.db in the data directory) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "RAMPART_DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Folder for the embedded database and demo files [default: .rampart].
    #[arg(long, env = "RAMPART_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// TOML configuration file [default: rampart.toml when present].
    #[arg(long, env = "RAMPART_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Log format: `text` or `json`.
    #[arg(long, env = "RAMPART_LOG_FORMAT", global = true)]
    pub log_format: Option<String>,
}

/// Flags of commands that serve HTTP.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ServeOverrides {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "RAMPART_BIND")]
    pub bind: Option<String>,
    /// Mark the session cookie Secure [default: true]. Browsers accept Secure cookies from http://localhost and 127.0.0.1.
    #[arg(long, env = "RAMPART_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// Hours a login lasts [default: 12].
    #[arg(long, env = "RAMPART_SESSION_HOURS")]
    pub session_hours: Option<i64>,
    /// OpenStreetMap extract (.osm.pbf) whose roads POST /api/v1/hvm may use for approaches.
    #[arg(long, env = "RAMPART_HVM_OSM")]
    pub hvm_osm: Option<PathBuf>,
    /// Minutes after publication without acknowledgement before an alert goes to the recipient's liaison officer [default: 15].
    #[arg(long, env = "RAMPART_ALERT_LIAISON_AFTER_MIN")]
    pub alert_liaison_after_min: Option<i64>,
    /// Minutes after publication without acknowledgement before an alert goes to the recipient's supervising authority [default: 60].
    #[arg(long, env = "RAMPART_ALERT_AUTHORITY_AFTER_MIN")]
    pub alert_authority_after_min: Option<i64>,
    /// Allow webhooks to plain http:// URLs beyond this machine [default: false: https only, http to loopback].
    #[arg(long, env = "RAMPART_WEBHOOK_ALLOW_HTTP")]
    pub webhook_allow_http: Option<bool>,
    #[command(flatten)]
    pub federation: FederationOverrides,
}

/// Flags of commands that federate with other instances (`serve`, `demo`, `federation sync`).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct FederationOverrides {
    /// This instance's federation name, e.g. de or eu-hub (with --federation-key-file; federation is off without them).
    #[arg(long, env = "RAMPART_FEDERATION_NAME")]
    pub federation_name: Option<String>,
    /// File with this instance's Ed25519 key, as written by `rampart federation keygen`.
    #[arg(long, env = "RAMPART_FEDERATION_KEY_FILE")]
    pub federation_key_file: Option<PathBuf>,
    /// Seconds between federation rounds and heartbeats [default: 30].
    #[arg(long, env = "RAMPART_FEDERATION_INTERVAL_S")]
    pub federation_interval_s: Option<u64>,
    /// Minutes a message may wait unconfirmed before its peer is reported lagging [default: 5].
    #[arg(long, env = "RAMPART_FEDERATION_LAG_MIN")]
    pub federation_lag_min: Option<i64>,
}

impl Config {
    pub fn resolve(o: &Overrides, s: &ServeOverrides) -> Result<Config> {
        let f = FileConfig::load(o.config.as_deref())?;
        let data_dir = o.data_dir.clone().or(f.data_dir).unwrap_or_else(|| PathBuf::from(".rampart"));
        let database_url = match o.database_url.clone().or(f.database_url) {
            Some(url) => url,
            None => {
                std::fs::create_dir_all(&data_dir).with_context(|| format!("creating the data directory {}", data_dir.display()))?;
                format!("sqlite://{}", data_dir.join("rampart.db").display())
            }
        };
        let log_format = o.log_format.clone().or(f.log_format).unwrap_or_else(|| "text".into());
        if log_format != "text" && log_format != "json" {
            bail!("log_format must be \"text\" or \"json\", found {log_format:?}");
        }
        let session_hours = s.session_hours.or(f.session_hours).unwrap_or(12);
        if !(1..=24 * 30).contains(&session_hours) {
            bail!("session_hours must be from 1 to 720, found {session_hours}");
        }
        let liaison = s.alert_liaison_after_min.or(f.alert_liaison_after_min).unwrap_or(15);
        let authority = s.alert_authority_after_min.or(f.alert_authority_after_min).unwrap_or(60);
        if !(1..=7 * 24 * 60).contains(&liaison) || !(liaison..=7 * 24 * 60).contains(&authority) {
            bail!("alert_liaison_after_min must be from 1 to 10080 and alert_authority_after_min from it to 10080; found {liaison} and {authority}");
        }
        let fo = &s.federation;
        let federation = match (fo.federation_name.clone().or(f.federation_name), fo.federation_key_file.clone().or(f.federation_key_file)) {
            (Some(name), Some(key)) => Some((name, key)),
            (None, None) => None,
            (Some(_), None) => bail!("federation_name is set but federation_key_file is not: a federated instance needs its key (rampart federation keygen --out FILE)"),
            (None, Some(_)) => bail!("federation_key_file is set but federation_name is not: name this instance, e.g. de or eu-hub"),
        };
        let federation_interval_s = fo.federation_interval_s.or(f.federation_interval_s).unwrap_or(30);
        if !(1..=3600).contains(&federation_interval_s) {
            bail!("federation_interval_s must be from 1 to 3600, found {federation_interval_s}");
        }
        let federation_lag_min = fo.federation_lag_min.or(f.federation_lag_min).unwrap_or(5);
        if !(1..=7 * 24 * 60).contains(&federation_lag_min) {
            bail!("federation_lag_min must be from 1 to 10080, found {federation_lag_min}");
        }
        Ok(Config {
            federation,
            federation_interval_s,
            federation_lag_min,
            database_url,
            data_dir,
            bind: s.bind.clone().or(f.bind).unwrap_or_else(|| "127.0.0.1:8080".into()),
            secure_cookies: s.secure_cookies.or(f.secure_cookies).unwrap_or(true),
            session_hours,
            max_body_mb: f.max_body_mb.unwrap_or(2),
            json_logs: log_format == "json",
            hvm_osm: s.hvm_osm.clone().or(f.hvm_osm),
            alert_escalation_min: (liaison, authority),
            webhook_allow_http: s.webhook_allow_http.or(f.webhook_allow_http).unwrap_or(false),
        })
    }

    /// The database URL with any password replaced, for logs.
    pub fn redacted_database_url(&self) -> String {
        redact(&self.database_url)
    }
}

pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(redact("postgres://rampart:s3cret@db.example:5432/rampart"), "postgres://rampart:***@db.example:5432/rampart");
        assert_eq!(redact("postgres://rampart@db/rampart"), "postgres://rampart@db/rampart");
        assert_eq!(redact("sqlite://.rampart/rampart.db"), "sqlite://.rampart/rampart.db");
    }

    #[test]
    fn file_keys_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rampart.toml");
        std::fs::write(&path, "bind = \"0.0.0.0:9000\"\nsesion_hours = 3\n").expect("write");
        let err = FileConfig::load(Some(&path)).expect_err("typo must be refused").to_string();
        assert!(err.contains("unknown field `sesion_hours`"), "{err}");
    }

    #[test]
    fn flags_beat_the_file_and_defaults_are_secure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("rampart.toml");
        std::fs::write(&path, "bind = \"0.0.0.0:9000\"\nsession_hours = 3\n").expect("write");
        let o = Overrides { config: Some(path), data_dir: Some(dir.path().into()), ..Default::default() };
        let c = Config::resolve(&o, &ServeOverrides { session_hours: Some(5), ..Default::default() }).expect("config");
        assert_eq!((c.bind.as_str(), c.session_hours, c.secure_cookies), ("0.0.0.0:9000", 5, true));
        let c = Config::resolve(&Overrides { data_dir: Some(dir.path().into()), ..Default::default() }, &ServeOverrides::default()).expect("config");
        assert_eq!(c.bind, "127.0.0.1:8080");
    }
}
