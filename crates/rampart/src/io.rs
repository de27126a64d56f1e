//! `rampart import` and `rampart export`.

use anyhow::{anyhow, bail, Context, Result};
use rampart_core::{CountryCode, Scope, Sector};
use rampart_formats::{BarProgress, ExportScope, Format, ImportOptions, OsmOptions, Source, TagMapping};
use rampart_server::clock::{Clock, SystemClock};
use rampart_store::{AssetFilter, Store};
use std::path::Path;
use std::sync::Arc;

/// The country of a position, from the Natural Earth borders the generator embeds.
pub fn locate() -> rampart_formats::osm::Locate {
    Arc::new(|lon, lat| {
        let world = rampart_gen::data::world();
        world.country_at(lon, lat).and_then(|i| world.shapes[i].code)
    })
}

pub async fn import(store: &Store, files: &[std::path::PathBuf], check: bool, mapping: Option<&Path>, country: Option<&str>, actor: &str) -> Result<()> {
    let osm = OsmOptions {
        mapping: Arc::new(match mapping {
            Some(p) => TagMapping::from_file(p).map_err(|e| anyhow!("{e}"))?,
            None => TagMapping::default(),
        }),
        default_country: country.map(CountryCode::parse).transpose().map_err(|e| anyhow!("--country{e}"))?,
        locate: Some(locate()),
    };
    let mut sources = Vec::new();
    for f in files {
        let mut s = Source::path(f).map_err(|e| anyhow!("{e}"))?;
        if let Format::OsmPbf(_) = s.format {
            s.format = Format::OsmPbf(osm.clone());
        }
        sources.push(s);
    }
    let mut opts = ImportOptions::new(actor, SystemClock.now_ms());
    opts.check = check;
    let progress = BarProgress::stderr();
    match rampart_formats::import(store, &sources, &opts, &progress).await {
        Ok(report) => {
            println!("{report}");
            for w in report.warnings.iter().take(10) {
                println!("warning: {w}");
            }
            if report.warning_count > 10 {
                println!("… and {} more warnings", report.warning_count - 10);
            }
            Ok(())
        }
        Err(e) => bail!("nothing was imported:\n{e}"),
    }
}

pub async fn export(store: &Store, format: &str, out: &Path, country: Option<&str>, sector: Option<&str>) -> Result<()> {
    let filter = AssetFilter {
        country: country.map(CountryCode::parse).transpose().map_err(|e| anyhow!("--country{e}"))?,
        sector: sector.map(Sector::parse).transpose().map_err(|e| anyhow!("--sector{e}"))?,
        ..Default::default()
    };
    let what = ExportScope { filter, scope: Scope::All };
    let counts = match format {
        "geojson" if out == Path::new("-") => {
            let mut w = std::io::BufWriter::new(std::io::stdout());
            rampart_formats::export_geojson(store, &what, &mut w).await?
        }
        "geojson" => {
            let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
            let mut w = std::io::BufWriter::new(file);
            rampart_formats::export_geojson(store, &what, &mut w).await?
        }
        "csv" => {
            std::fs::create_dir_all(out).with_context(|| format!("creating the folder {}", out.display()))?;
            rampart_formats::export_csv(store, &what, out).await?
        }
        other => bail!("--format must be geojson or csv, found {other:?}"),
    };
    eprintln!(
        "exported {} organisations, {} assets, {} dependencies, {} network links",
        counts.organisations, counts.assets, counts.dependencies, counts.links
    );
    Ok(())
}

/// An API error as the command line says it.
pub fn describe(e: rampart_server::error::ApiError) -> anyhow::Error {
    use rampart_server::error::ApiError;
    match e {
        ApiError::Invalid(i) | ApiError::BadFields(i) => anyhow::anyhow!("{i}"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// A handler's answer to a write made acting as `actor`: a refusal is audited as the
/// server audits refusals over HTTP (`rampart_server::audit::refused`), at `at`, then said
/// as [`describe`] says it. `kind`/`id` name the object, `what` the command.
pub async fn answer<T>(
    (store, at): (&Store, i64),
    actor: &str,
    object: (&str, &str),
    what: &str,
    r: rampart_server::error::ApiResult<T>,
) -> Result<T> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => Err(describe(rampart_server::audit::refused(store, at, actor, object, what, e).await)),
    }
}

/// A text file, or an error naming it.
pub fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// The moment a command acts at: `--now` (RFC 3339) or the system clock.
pub fn moment(now: Option<&str>) -> Result<i64> {
    let t = match now {
        None => std::time::SystemTime::now(),
        Some(s) => humantime::parse_rfc3339_weak(s).map_err(|e| anyhow!("--now: expected a date and time such as 2026-11-22T10:00:00Z: {e}"))?,
    };
    Ok(t.duration_since(std::time::UNIX_EPOCH).map_err(|_| anyhow!("--now: before 1970"))?.as_millis() as i64)
}

/// The enabled user a command acts as (`--as`).
pub async fn acting_as(store: &Store, user: &str) -> Result<rampart_core::Principal> {
    store.principal(user).await?.ok_or_else(|| anyhow!("--as: no user {user} (or the user is disabled)"))
}

/// The database's own operator, who reads everything (commands run without `--as`).
pub fn database_operator() -> Result<rampart_core::Principal> {
    Ok(rampart_core::Principal {
        username: rampart_core::Username::parse("rampart-cli").map_err(|e| anyhow!("{e}"))?,
        role: rampart_core::Role::Admin,
        organisation: rampart_core::OrgId::parse("rampart-cli").map_err(|e| anyhow!("{e}"))?,
        org_kind: rampart_core::OrgKind::EuBody,
        country: None,
    })
}

/// A JSON file, or an error naming it.
pub fn json_file(path: &Path) -> Result<serde_json::Value> {
    serde_json::from_str(&read_text(path)?).map_err(|e| anyhow!("{}: malformed JSON: {e}", path.display()))
}

/// A JSON file holding one object, or an error naming it.
pub fn json_object(path: &Path) -> Result<serde_json::Map<String, serde_json::Value>> {
    match json_file(path)? {
        serde_json::Value::Object(o) => Ok(o),
        _ => Err(anyhow!("{}: expected a JSON object", path.display())),
    }
}
