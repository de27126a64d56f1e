//! The command line as a user runs it: the real binary, real files, a real database.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn rampart(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("RAMPART_DATABASE_URL")
        .env_remove("RAMPART_CONFIG")
        .output()
        .expect("run rampart")
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "failed: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn help_names_every_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let help = ok(&rampart(dir.path(), &["--help"]));
    for command in ["serve", "demo", "generate", "import", "export", "migrate", "user", "org", "bench"] {
        assert!(help.contains(&format!("\n  {command} ")), "{command} missing from:\n{help}");
    }
    let import = ok(&rampart(dir.path(), &["import", "--help"]));
    assert!(import.contains("--check"), "{import}");
}

#[test]
fn users_organisations_import_export_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("a");
    ok(&rampart(&data, &["org", "add", "fi-authority", "--name", "Finnish CIP authority", "--kind", "authority", "--country", "FI"]));
    let added = ok(&rampart(&data, &["user", "add", "analyst.fi", "--role", "analyst", "--org", "fi-authority"]));
    assert!(added.starts_with("added user analyst.fi (analyst, fi-authority)\npassword: "), "{added}");
    let list = ok(&rampart(&data, &["user", "list"]));
    assert!(list.contains("analyst.fi               analyst   fi-authority             active"), "{list}");
    let bad = rampart(&data, &["user", "add", "x", "--role", "chief", "--org", "fi-authority"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown role \"chief\""));

    // The Helsinki extract: a dry run writes nothing, the import writes 104 assets.
    let pbf = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora/osm/Helsinki.osm.pbf");
    let checked = ok(&rampart(&data, &["import", pbf, "--check"]));
    assert!(checked.starts_with("checked, nothing written: 0 organisations, 104 assets"), "{checked}");
    let imported = ok(&rampart(&data, &["import", pbf]));
    assert!(imported.starts_with("imported 0 organisations, 104 assets"), "{imported}");
    let again = rampart(&data, &["import", pbf]);
    assert!(!again.status.success(), "importing the same ids twice must fail");

    // Export as CSV and GeoJSON, import both into fresh databases, export again: the same files.
    let csv = dir.path().join("csv");
    ok(&rampart(&data, &["export", "--format", "csv", "--out", csv.to_str().expect("path")]));
    let geojson = dir.path().join("registry.geojson");
    ok(&rampart(&data, &["export", "--out", geojson.to_str().expect("path")]));
    let b = dir.path().join("b");
    let files: Vec<String> = ["organisations", "assets", "dependencies", "links"].iter().map(|t| csv.join(format!("{t}.csv")).display().to_string()).collect();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    ok(&rampart(&b, &args));
    let again = dir.path().join("again.geojson");
    ok(&rampart(&b, &["export", "--out", again.to_str().expect("path")]));
    assert_eq!(std::fs::read_to_string(&geojson).ok(), std::fs::read_to_string(&again).ok());
    let c = dir.path().join("c");
    ok(&rampart(&c, &["import", geojson.to_str().expect("path")]));
    let third = dir.path().join("third.geojson");
    ok(&rampart(&c, &["export", "--out", third.to_str().expect("path")]));
    assert_eq!(std::fs::read_to_string(&geojson).ok(), std::fs::read_to_string(&third).ok());
}

#[test]
fn a_killed_import_leaves_the_registry_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("source");
    ok(&rampart(&source, &["generate", "--assets", "60000", "--seed", "3"]));
    let file = dir.path().join("registry.geojson");
    ok(&rampart(&source, &["export", "--out", file.to_str().expect("path")]));

    let target = dir.path().join("target");
    ok(&rampart(&target, &["org", "add", "keep", "--name", "Kept", "--kind", "eu_body"]));
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("--data-dir")
        .arg(&target)
        .args(["import", file.to_str().expect("path")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Kill it once it is writing: the write-ahead log grows past 4 MB.
    let wal = target.join("rampart.db-wal");
    let start = Instant::now();
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 4 << 20 {
        assert!(child.try_wait().expect("wait").is_none(), "the import finished before it could be killed");
        assert!(start.elapsed() < Duration::from_secs(120), "the import never started writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("kill");
    child.wait().expect("wait");

    let out = dir.path().join("after.geojson");
    ok(&rampart(&target, &["export", "--out", out.to_str().expect("path")]));
    let text = std::fs::read_to_string(&out).expect("export");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["features"].as_array().map(Vec::len), Some(0), "no asset of the killed import may remain");
    assert_eq!(v["organisations"].as_array().map(|o| o.iter().map(|x| x["id"].clone()).collect::<Vec<_>>()), Some(vec![serde_json::json!("keep")]));
}
