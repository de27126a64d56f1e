//! The command line as a user runs it: the real binary, real files, a real database.

use serde_json::json;
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
    for command in ["serve", "demo", "generate", "import", "export", "migrate", "user", "org", "bench", "assess"] {
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
fn communities_and_sharing_profiles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("a");
    ok(&rampart(&data, &["org", "add", "de-bbk", "--name", "BBK", "--kind", "authority", "--country", "DE"]));
    ok(&rampart(&data, &["org", "add", "de-op-grid", "--name", "Grid operator", "--kind", "operator", "--country", "DE"]));
    ok(&rampart(&data, &["user", "add", "slo.grid", "--role", "operator", "--org", "de-op-grid"]));
    let saved = ok(&rampart(&data, &["community", "add", "de-energy", "--name", "German energy", "--member", "de-op-grid,de-bbk"]));
    assert_eq!(saved, "community de-energy saved with 2 members\n");
    fails_with(&rampart(&data, &["community", "add", "de-energy", "--name", "x", "--member", "de-bbk,nobody"]), "members[1]: no organisation nobody");
    let list = ok(&rampart(&data, &["community", "list", "--member", "de-bbk"]));
    assert_eq!(list.lines().nth(1).map(|l| l.split_whitespace().collect::<Vec<_>>()), Some(vec!["de-energy", "German", "energy", "de-bbk,de-op-grid"]), "{list}");
    let shown = ok(&rampart(&data, &["org", "sharing", "de-op-grid", "--supervisor", "de-bbk", "--liaison", "slo.grid"]));
    assert!(shown.contains("supervisor:    de-bbk\nliaison:       slo.grid\ncontact point: no\n"), "{shown}");
    let authority = ok(&rampart(&data, &["org", "sharing", "de-bbk", "--contact-point", "true", "--precursor-contact-point", "true"]));
    assert!(authority.contains("contact point: yes\nprecursor NCP: yes\nclients:       de-op-grid\n"), "{authority}");
    // A theft of hydrogen peroxide goes to Germany's national contact point for explosives precursors.
    let theft = dir.path().join("theft.json");
    std::fs::write(&theft, r#"{"kind": "theft", "country": "DE", "products": [{"components": [{"cas": "7722-84-1", "percent": 35}]}]}"#).expect("write");
    let sent = ok(&rampart(&data, &["precursor", "send", theft.to_str().expect("path"), "--as", "slo.grid"]));
    assert!(sent.starts_with("str-") && sent.ends_with(": sent to de-bbk\n"), "{sent}");
    let listed = ok(&rampart(&data, &["precursor", "sent", "--as", "slo.grid"]));
    let row: Vec<&str> = listed.lines().nth(1).map(|l| l.split_whitespace().collect()).unwrap_or_default();
    assert_eq!((row[1], row[2], row[3], row[4], row[row.len() - 1]), ("theft", "DE", "de-op-grid", "de-bbk", "no"), "{listed}");
    fails_with(&rampart(&data, &["org", "sharing", "de-op-grid", "--contact-point", "true"]), "contact_point: a single point of contact is a member-state authority");
    ok(&rampart(&data, &["community", "remove", "de-energy"]));
    assert_eq!(ok(&rampart(&data, &["community", "list"])).lines().count(), 1);
}

#[test]
fn the_library_publishes_searches_and_attaches_as_labels_allow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("a");
    ok(&rampart(&data, &["org", "add", "nl-nctv", "--name", "NCTV", "--kind", "authority", "--country", "NL"]));
    ok(&rampart(&data, &["org", "add", "be-nccn", "--name", "NCCN", "--kind", "authority", "--country", "BE"]));
    ok(&rampart(&data, &["org", "add", "fr-sgdsn", "--name", "SGDSN", "--kind", "authority", "--country", "FR"]));
    ok(&rampart(&data, &["user", "add", "duty.nl", "--role", "analyst", "--org", "nl-nctv"]));
    ok(&rampart(&data, &["user", "add", "duty.be", "--role", "analyst", "--org", "be-nccn"]));
    ok(&rampart(&data, &["user", "add", "duty.fr", "--role", "analyst", "--org", "fr-sgdsn"]));
    ok(&rampart(&data, &["community", "add", "benelux", "--name", "Benelux authorities", "--member", "nl-nctv,be-nccn"]));
    let doc = dir.path().join("doc.json");
    std::fs::write(&doc, r#"{"kind": "lessons_learnt", "title": "Port evacuation drill", "summary": "What the drill taught us",
        "body": "Ferry passengers were moved to the muster area in eleven minutes.", "tlp": "TLP:GREEN", "community": "benelux", "tags": ["ports"]}"#)
        .expect("write");
    let out = ok(&rampart(&data, &["library", "add", doc.to_str().expect("path"), "--as", "duty.nl"]));
    let id = out.split(':').next().expect("id").to_string();
    assert_eq!(out, format!("{id}: published (TLP:GREEN)\n"));
    let found = ok(&rampart(&data, &["library", "search", "muster", "--as", "duty.be"]));
    assert!(found.starts_with("1 document(s)\n") && found.contains(&id) && found.contains("*muster*"), "{found}");
    assert!(ok(&rampart(&data, &["library", "search", "muster", "--as", "duty.fr"])).starts_with("0 document(s)\n"));
    fails_with(&rampart(&data, &["library", "show", &id, "--as", "duty.fr"]), &format!("document {id} not found"));
    let notes = dir.path().join("notes.md");
    std::fs::write(&notes, "# Notes\nMuster points were too small.\n").expect("write");
    let out = ok(&rampart(&data, &["library", "attach", &id, notes.to_str().expect("path"), "--as", "duty.nl"]));
    assert!(out.contains("attached notes.md (text/markdown, 38 bytes, sha256 "), "{out}");
    fails_with(&rampart(&data, &["library", "attach", &id, notes.to_str().expect("path"), "--as", "duty.be"]), "only the originating organisation's people attach files");
    let shown: serde_json::Value = serde_json::from_str(&ok(&rampart(&data, &["library", "show", &id, "--as", "duty.be"]))).expect("json");
    assert_eq!((shown["title"].as_str(), shown["attachments"][0]["name"].as_str()), (Some("Port evacuation drill"), Some("notes.md")));
    std::fs::write(&doc, r#"{"kind": "memo", "title": "x", "tlp": "TLP:GREEN"}"#).expect("write");
    fails_with(&rampart(&data, &["library", "add", doc.to_str().expect("path"), "--as", "duty.nl"]),
        "doc.json: kind: unknown document kind \"memo\"; expected one of: good_practice, lessons_learnt, guidance, exercise, other; community: is required for TLP:GREEN");
    let event = dir.path().join("event.json");
    std::fs::write(&event, r#"{"title": "Benelux exercise", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T17:00:00Z", "place": "Antwerp", "community": "benelux"}"#)
        .expect("write");
    ok(&rampart(&data, &["library", "event", "add", event.to_str().expect("path"), "--as", "duty.be"]));
    assert!(ok(&rampart(&data, &["library", "event", "list", "--as", "duty.nl"])).contains("Benelux exercise"));
    assert!(!ok(&rampart(&data, &["library", "event", "list", "--as", "duty.fr"])).contains("Benelux exercise"));
}

#[test]
fn incidents_are_notified_and_their_clocks_watched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("a");
    ok(&rampart(&data, &["org", "add", "nl-nctv", "--name", "NCTV", "--kind", "authority", "--country", "NL"]));
    ok(&rampart(&data, &["org", "add", "nl-port", "--name", "Port operator", "--kind", "operator", "--country", "NL"]));
    ok(&rampart(&data, &["org", "add", "be-ncccs", "--name", "NCCN", "--kind", "authority", "--country", "BE"]));
    ok(&rampart(&data, &["user", "add", "slo.port", "--role", "operator", "--org", "nl-port"]));
    ok(&rampart(&data, &["user", "add", "duty.nl", "--role", "analyst", "--org", "nl-nctv"]));
    ok(&rampart(&data, &["org", "sharing", "nl-port", "--supervisor", "nl-nctv"]));
    ok(&rampart(&data, &["org", "sharing", "be-ncccs", "--contact-point", "true"]));
    let report = dir.path().join("incident.json");
    std::fs::write(
        &report,
        r#"{"title": "Container terminal cranes stopped", "description": "Control system failure", "aware_at": "2026-03-02T06:00:00Z",
            "significance": {"users_affected": 40, "users_total": 160, "area": "Maasvlakte", "member_states": ["NL", "BE", "DE"]}}"#,
    )
    .expect("write");
    let out = ok(&rampart(&data, &["incident", "new", report.to_str().expect("path"), "--as", "slo.port", "--now", "2026-03-02T09:00:00Z"]));
    let id = out.split(':').next().expect("id").to_string();
    assert_eq!(out, format!("{id}: notified to be-ncccs (affected_member_state), nl-nctv (competent_authority)\nno single point of contact for: DE\n"));
    // The authority's duty officer sees it; a month and two days on, the detailed report is overdue.
    let list = ok(&rampart(&data, &["incident", "list", "--as", "duty.nl", "--overdue", "--now", "2026-04-04T09:00:00Z"]));
    let row: Vec<&str> = list.lines().nth(1).map(|l| l.split_whitespace().collect()).unwrap_or_default();
    assert_eq!(row[..7], [id.as_str(), "notified", "nl-port", "met", "2026-03-03T06:00", "overdue", "2026-04-02T09:00"], "{list}");
    fails_with(&rampart(&data, &["incident", "update", &id, "--kind", "close", "--as", "duty.nl"]), "only the entity's people add to its incidents");
    ok(&rampart(&data, &["incident", "update", &id, "--kind", "detailed", "--note", "firmware fault", "--file", report.to_str().expect("path"), "--as", "slo.port", "--now", "2026-04-04T10:00:00Z"]));
    let shown: serde_json::Value = serde_json::from_str(&ok(&rampart(&data, &["incident", "show", &id, "--now", "2026-04-04T11:00:00Z"]))).expect("json");
    assert_eq!((shown["state"].as_str(), shown["clocks"]["detailed"]["state"].as_str(), shown["updates"][1]["note"].as_str()), (Some("reported"), Some("met_late"), Some("firmware fault")));
    std::fs::write(&report, r#"{"title": "x", "aware_at": "2030-01-01T00:00:00Z"}"#).expect("write");
    fails_with(&rampart(&data, &["incident", "new", report.to_str().expect("path"), "--as", "slo.port", "--now", "2026-03-02T09:00:00Z"]), "description: is required; aware_at: 2030-01-01T00:00:00Z is in the future; significance: is required");
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

/// A small registry as the CSV tables of docs/formats.md: a plant feeding a substation
/// over the grid; a hospital (8 h generator) and a water works (none) on the substation.
fn town(dir: &Path) -> Vec<String> {
    let files = [
        (
            "assets.csv",
            "id,name,sector,subsector,lon,lat,country,people_served,value_per_day,restoration_hours,attr.source,attr.impact_function\n\
             plant,Plant,energy,electricity,10.0,50.0,DE,0,2400,24,grid,FL_residential\n\
             substation,Substation,energy,electricity,10.1,50.0,DE,10000,2400,12,,FL_residential\n\
             hospital,Hospital,health,,10.2,50.0,DE,2000,4800,48,,FL_residential\n\
             waterworks,Water works,drinking_water,,10.3,50.0,DE,5000,2400,6,,FL_residential\n",
        ),
        (
            "dependencies.csv",
            "supplier_id,dependent_id,service,k,n,buffer_hours\nsubstation,hospital,electricity,1,1,8\nsubstation,waterworks,electricity,1,1,0\n",
        ),
        ("links.csv", "network,from_id,to_id,length_km\ngrid,plant,substation,7\n"),
    ];
    files
        .iter()
        .map(|(name, text)| {
            let p = dir.join(name);
            std::fs::write(&p, text).expect("write");
            p.to_str().expect("path").to_string()
        })
        .collect()
}

fn json_file(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json")
}

#[test]
fn analysis_runs_on_files_the_database_and_the_binary_graph_alike() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("db");
    let files = town(dir.path());
    let path = |name: &str| dir.path().join(name).to_str().expect("path").to_string();

    // Losing the plant: substation and water works down 24 h, hospital from hour 8.
    let mut args = vec!["analyze", "scenario", "--asset", "plant", "--out"];
    let out = path("from-files.json");
    args.push(&out);
    args.push("--files");
    args.extend(files.iter().map(String::as_str));
    ok(&rampart(&data, &args));
    let from_files = json_file(Path::new(&out));
    assert_eq!(from_files["impact"]["person_hours"], 240_000.0 + 120_000.0 + 32_000.0);
    assert_eq!(from_files["impact"]["assets_down"], 4);

    // The same registry imported into the database gives the same answer.
    let mut import = vec!["import"];
    import.extend(files.iter().map(String::as_str));
    ok(&rampart(&data, &import));
    let db = path("from-db.json");
    ok(&rampart(&data, &["analyze", "scenario", "--asset", "plant", "--out", &db]));
    assert_eq!(json_file(Path::new(&db)), from_files);

    // The binary graph, then N-1 from it, ranked, as CSV.
    let graph = path("town.graph");
    ok(&rampart(&data, &["analyze", "graph", "--out", &graph]));
    let ranking = path("ranking.csv");
    ok(&rampart(&data, &["analyze", "criticality", "--graph", &graph, "--csv", &ranking, "--out", &path("n1.json")]));
    let csv = std::fs::read_to_string(&ranking).expect("read");
    let lines: Vec<&str> = csv.lines().take(3).collect();
    // Economic loss at 100 an hour (200 for the hospital): the plant 24 + 24 + 24 h and
    // the hospital 16 h; the substation (back after 12 h) 12 + 12 h and the hospital 4 h.
    assert_eq!(
        lines,
        [
            "rank,asset,class,country,person_hours,assets_down,economic_loss,member_states,european_significance",
            "1,plant,electricity,DE,392000.0,4,10400.0,1,false",
            "2,substation,electricity,DE,188000.0,3,3200.0,1,false",
        ]
    );

    // Connectivity: the substation is cut off when the plant fails.
    let conn = path("conn.json");
    ok(&rampart(&data, &["analyze", "connectivity", "--graph", &graph, "--out", &conn]));
    let grid = &json_file(Path::new(&conn))["networks"][0];
    assert_eq!((grid["network"].as_str(), grid["sources"].as_u64(), grid["single_failures"][0]["asset"].as_str()), (Some("grid"), Some(1), Some("plant")));
    assert_eq!(grid["single_failures"][0]["cut_off"], 2);

    // Risk from event-set files: 2 m of water at the plant once in 10 years.
    std::fs::write(path("events.csv"), "event_id,frequency\ne1,0.1\n").expect("write");
    std::fs::write(path("centroids.csv"), "centroid_id,lat,lon\nc1,50.0,10.0\n").expect("write");
    std::fs::write(path("intensity.csv"), "event_id,centroid_id,intensity\ne1,c1,2.0\n").expect("write");
    let risk = path("risk.json");
    let (e, c, i) = (path("events.csv"), path("centroids.csv"), path("intensity.csv"));
    let base = ["analyze", "risk", "--graph", &graph, "--measure", "flood_depth_m", "--events", &e, "--centroids", &c, "--intensity", &i, "--out", &risk];
    ok(&rampart(&data, &base));
    // Within 2° every asset takes c1's 2 m: MDD 0.6 of its value per day × restoration
    // days: plant 2,400 × 1, substation 2,400 × ½, hospital 4,800 × 2, water works 2,400 × ¼.
    let r = json_file(Path::new(&risk));
    assert!((r["aai"].as_f64().expect("aai") - 0.1 * 0.6 * (2_400.0 + 1_200.0 + 9_600.0 + 600.0)).abs() < 1e-6, "{}", r["aai"]);

    // Bad input names the file, the line and the field; nothing is computed.
    std::fs::write(path("bad.csv"), "event_id,frequency\ne1,0.1\ne2,NaN\n").expect("write");
    let bad_events = path("bad.csv");
    let mut bad = base.to_vec();
    bad[7] = &bad_events;
    let failed = rampart(&data, &bad);
    assert!(!failed.status.success());
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("bad.csv line 3, field frequency"), "{err}");
    std::fs::write(path("dependencies.csv"), "supplier_id,dependent_id,service\nsubstation,ghost,electricity\n").expect("write");
    let mut args = vec!["analyze", "connectivity", "--files"];
    args.extend(files.iter().map(String::as_str));
    let failed = rampart(&data, &args);
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("dependencies.csv: line 2: dependent_id: unknown asset id \"ghost\""), "{err}");
}

#[test]
fn a_criticality_ranking_as_parquet_reads_back_typed() {
    use parquet::basic::{Compression, LogicalType, Type as Physical};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::RowAccessor;

    let dir = tempfile::tempdir().expect("tempdir");
    let files = town(dir.path());
    let path = |name: &str| dir.path().join(name).to_str().expect("path").to_string();
    let (pq, csv) = (path("ranking.parquet"), path("ranking.csv"));
    let mut args = vec!["analyze", "criticality", "--out", "/dev/null", "--parquet", &pq, "--csv", &csv, "--files"];
    args.extend(files.iter().map(String::as_str));
    ok(&rampart(&dir.path().join("db"), &args));

    let reader = SerializedFileReader::new(std::fs::File::open(&pq).expect("open")).expect("parquet");
    let meta = reader.metadata();
    // The column types come from the cells: integers, finite numbers, true/false, text.
    let columns: Vec<(String, Physical, Option<LogicalType>)> =
        meta.file_metadata().schema_descr().columns().iter().map(|c| (c.name().to_string(), c.physical_type(), c.logical_type_ref().cloned())).collect();
    let text = Some(LogicalType::String);
    assert_eq!(
        columns,
        [
            ("rank".to_string(), Physical::INT64, None),
            ("asset".to_string(), Physical::BYTE_ARRAY, text.clone()),
            ("class".to_string(), Physical::BYTE_ARRAY, text.clone()),
            ("country".to_string(), Physical::BYTE_ARRAY, text),
            ("person_hours".to_string(), Physical::DOUBLE, None),
            ("assets_down".to_string(), Physical::INT64, None),
            ("economic_loss".to_string(), Physical::DOUBLE, None),
            ("member_states".to_string(), Physical::INT64, None),
            ("european_significance".to_string(), Physical::BOOLEAN, None),
        ]
    );
    assert_eq!((meta.num_row_groups(), meta.file_metadata().num_rows()), (1, 4));
    assert_eq!(meta.row_group(0).column(0).compression(), Compression::SNAPPY);

    let rows: Vec<parquet::record::Row> = reader.get_row_iter(None).expect("rows").map(|r| r.expect("row")).collect();
    let first = |r: &parquet::record::Row| {
        (
            r.get_long(0).expect("rank"),
            r.get_string(1).expect("asset").clone(),
            r.get_string(2).expect("class").clone(),
            r.get_string(3).expect("country").clone(),
            r.get_double(4).expect("person_hours"),
            r.get_long(5).expect("assets_down"),
            r.get_double(6).expect("economic_loss"),
            r.get_long(7).expect("member_states"),
            r.get_bool(8).expect("european_significance"),
        )
    };
    // As in the CSV of the test above: the plant, then the substation.
    assert_eq!(first(&rows[0]), (1, "plant".into(), "electricity".into(), "DE".into(), 392_000.0, 4, 10_400.0, 1, false));
    assert_eq!(first(&rows[1]), (2, "substation".into(), "electricity".into(), "DE".into(), 188_000.0, 3, 3_200.0, 1, false));
    // And every row holds what the CSV holds.
    let csv = std::fs::read_to_string(&csv).expect("read");
    let from_parquet: Vec<String> = rows
        .iter()
        .map(|r| {
            let (rank, asset, class, country, ph, down, loss, states, eu) = first(r);
            format!("{rank},{asset},{class},{country},{ph:?},{down},{loss:?},{states},{eu}")
        })
        .collect();
    assert_eq!(from_parquet, csv.lines().skip(1).collect::<Vec<_>>());
}

#[test]
fn iim_and_percolation_reproduce_published_results() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = |name: &str| dir.path().join(name).to_str().expect("path").to_string();
    // q = (I − A*)⁻¹ c*: with A* = [[0, 0.9], [0.4, 0]] and c* = (0.1, 0), det = 0.64,
    // q = (0.1 / 0.64, 0.04 / 0.64) = (0.15625, 0.0625).
    std::fs::write(path("a.csv"), "sector,power,water\npower,0,0.9\nwater,0.4,0\n").expect("write");
    std::fs::write(path("c.csv"), "sector,value\npower,0.1\n").expect("write");
    let out = path("iim.json");
    ok(&rampart(dir.path(), &["analyze", "iim", "--matrix", &path("a.csv"), "--perturbation", &path("c.csv"), "--steps", "200", "--out", &out]));
    let r = json_file(Path::new(&out));
    let q: Vec<f64> = r["inoperability"].as_array().expect("q").iter().map(|v| v.as_f64().expect("number")).collect();
    assert!((q[0] - 0.15625).abs() < 1e-12 && (q[1] - 0.0625).abs() < 1e-12, "{q:?}");
    let last = &r["dynamic"]["steps"][200];
    assert!((last[0].as_f64().expect("q") - 0.15625).abs() < 1e-6, "{last}");
    std::fs::write(path("bad.csv"), "sector,power,water\npower,0,0.9\n").expect("write");
    let failed = rampart(dir.path(), &["analyze", "iim", "--matrix", &path("bad.csv"), "--perturbation", &path("c.csv")]);
    assert!(String::from_utf8_lossy(&failed.stderr).contains("bad.csv"), "{}", String::from_utf8_lossy(&failed.stderr));

    // Coupled random graphs, mean degree 4: the mutual giant component survives at
    // p = 0.7 and collapses below p_c = 2.4554 / 4 ≈ 0.614.
    let out = path("perc.json");
    ok(&rampart(dir.path(), &["analyze", "percolation", "--nodes", "20000", "--p", "0.55,0.7", "--seeds", "2", "--out", &out]));
    let r = json_file(Path::new(&out));
    let giant: Vec<f64> = r["points"].as_array().expect("points").iter().map(|p| p["giant_component"].as_f64().expect("number")).collect();
    assert!(giant[0] < 0.05 && giant[1] > 0.4, "{giant:?}");
}

/// A square of the registry (about 136 m × 111 m) and one straight street running
/// 101.7 m from the east into it.
fn square(dir: &Path) -> (String, String) {
    let square = dir.join("square.geojson");
    std::fs::write(
        &square,
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "sq-1",
            "geometry": {"type": "Polygon", "coordinates": [[[13.0, 52.5], [13.002, 52.5], [13.002, 52.501], [13.0, 52.501], [13.0, 52.5]]]},
            "properties": {"name": "Market square", "category": "pedestrian_zone", "country": "DE", "peak_occupancy": 4000}}]}"#,
    )
    .expect("write");
    let street = dir.join("street.geojson");
    std::fs::write(
        &street,
        r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[13.0035, 52.5005], [13.001, 52.5005]]},
            "properties": {"name": "East street"}}]}"#,
    )
    .expect("write");
    (square.to_str().expect("path").into(), street.to_str().expect("path").into())
}

fn fails_with(out: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains(expected), "expected an error containing {expected:?}, got status {:?}:\n{stderr}", out.status);
}

/// A planner's walk through the threat tools on a square of the registry: vehicle
/// approaches, blast stand-off, the egress of a venue beside it, its drone zone and an
/// incursion, and a product screened — each with a bad input refused.
#[test]
fn threat_tools_on_a_square_of_the_registry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("db");
    let (square, street) = square(dir.path());
    ok(&rampart(&data, &["import", &square]));

    // Vehicle approach: 101.7 m of run-up at 2 m/s² → √(2·2·101.7) = 20.2 m/s = 72.6 km/h.
    let hvm = ok(&rampart(&data, &["hvm", "--perimeter", "sq-1", "--paths", &street, "--vehicle", "N3C", "--accel", "N3C=2", "--barrier", "V/7200[N3C]/48/90"]));
    let row = hvm.lines().find(|l| l.contains("East street")).unwrap_or_else(|| panic!("no approach in:\n{hvm}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    // Energy ½ · 7,200 kg · (72.6 / 3.6 m/s)² = 1,464 kJ; the rating is the next test speed up, 80 km/h.
    assert_eq!(cells[3..9], ["90°", "N3C", "72.6", "1462", "102m", "V/7200[N3C]/80/90"], "{row}");
    assert!(hvm.contains("installed barrier V/7200[N3C]/48/90 is insufficient for approach 1"), "{hvm}");
    fails_with(&rampart(&data, &["hvm", "--perimeter", "no-such-square", "--paths", &street]), "no-such-square");

    // Blast stand-off of a pipe bomb in the square: the NCTC chart's distances.
    let blast = ok(&rampart(&data, &["blast", "--item", "pipe_bomb", "--lon", "13.001", "--lat", "52.5005", "--json"]));
    let blast: serde_json::Value = serde_json::from_str(&blast).expect("blast json");
    let recommended = &blast["recommended"];
    assert_eq!((blast["kg_tnt"].as_f64(), recommended["evacuation_m"].as_f64(), recommended["shelter_m"].as_f64()), (Some(2.3), Some(21.0), Some(366.0)), "{recommended}");
    let sites: Vec<&str> = blast["exposure"]["sites"].as_array().expect("sites").iter().filter_map(|s| s["id"].as_str()).collect();
    assert!(sites.contains(&"sq-1"), "the square is inside the rings: {}", blast["exposure"]);
    fails_with(&rampart(&data, &["blast", "--kg", "-5"]), "--kg: a charge must be a positive number of kg TNT equivalent, found -5");

    // Egress of a hall beside the square: 1,800 people through one 2.5 m level exit at
    // 82 persons/m/min = 205/min → 8.78 min, over the 8-minute target; 2.74 m would do.
    let venue = dir.path().join("hall.toml");
    std::fs::write(&venue, "name = \"Hall\"\n[[areas]]\nid = \"floor\"\noccupants = 1800\n[[exits]]\nid = \"A\"\nwidth_m = 2.5\ntype = \"level\"\n").expect("write");
    let egress: serde_json::Value = serde_json::from_str(&ok(&rampart(&data, &["egress", venue.to_str().expect("path"), "--json"]))).expect("egress json");
    let exit = &egress["exits"][0];
    assert_eq!((egress["bottleneck"]["exit"].as_str(), exit["flow_per_min"].as_f64(), egress["capacity"].as_f64()), (Some("A"), Some(205.0), Some(1640.0)), "{egress}");
    assert!((exit["time_min"].as_f64().expect("time") - 1800.0 / 205.0).abs() < 0.01, "{egress}");
    assert!((exit["width_needed_m"].as_f64().expect("width") - 1800.0 / (82.0 * 8.0)).abs() < 0.01, "{egress}");
    std::fs::write(&venue, "[[areas]]\nid = \"floor\"\noccupants = 10\n[[exits]]\nid = \"A\"\nwidth_m = 0\n").expect("write");
    fails_with(&rampart(&data, &["egress", venue.to_str().expect("path")]), "exits[0].width_m: an exit needs a clear width above 0 m, found 0");

    // The square as a drone zone (50 m around it, up to 120 m above ground), read back,
    // and a track checked against it: inside at 60 m, outside, and above the zone.
    let zones = dir.path().join("zones.json");
    let zones = zones.to_str().expect("path");
    ok(&rampart(&data, &["drone", "zones", "--asset", "sq-1", "--buffer", "50", "--lower", "0", "--upper", "120", "--reference", "AGL", "--format", "ed269", "--out", zones]));
    let read: serde_json::Value = serde_json::from_str(&ok(&rampart(&data, &["drone", "import", zones, "--json"]))).expect("zones json");
    assert_eq!(read["zones"].as_array().map(Vec::len), Some(1), "{read}");
    let track = dir.path().join("track.json");
    std::fs::write(
        &track,
        r#"{"reports": [
            {"uas_id": "D1", "time": "2026-11-22T10:00:00Z", "lat": 52.5005, "lon": 12.99, "height_agl_m": 60},
            {"uas_id": "D1", "time": "2026-11-22T10:00:05Z", "lat": 52.5005, "lon": 13.001, "height_agl_m": 60},
            {"uas_id": "D1", "time": "2026-11-22T10:00:10Z", "lat": 52.5005, "lon": 13.0015, "height_agl_m": 60},
            {"uas_id": "D2", "time": "2026-11-22T10:00:10Z", "lat": 52.5005, "lon": 13.001, "height_agl_m": 200}
        ]}"#,
    )
    .expect("write");
    let check: serde_json::Value =
        serde_json::from_str(&ok(&rampart(&data, &["drone", "check", "--zones", zones, "--track", track.to_str().expect("path")]))).expect("check json");
    let stays: Vec<_> = check["incursions"].as_array().expect("incursions").iter().map(|i| (i["uas_id"].clone(), i["status"].clone(), i["first_report"].clone(), i["reports"].clone(), i["asset_id"].clone())).collect();
    assert_eq!(stays, vec![(json!("D1"), json!("confirmed"), json!(1), json!(2), json!("sq-1"))], "{check}");
    fails_with(&rampart(&data, &["drone", "decode", "0D20"]), "message 1: a Remote ID message is 25 bytes; found 2");

    // A product screened: hydrogen peroxide at 15 % needs a licence (limit 12 %, licence to 35 %).
    let screened = ok(&rampart(&data, &["precursor", "screen", "--substance", "7722-84-1=15"]));
    assert!(screened.starts_with("product: restricted: licence needed: Hydrogen peroxide up to 35 %"), "{screened}");
    fails_with(&rampart(&data, &["precursor", "screen", "--substance", "1234-56-7=40"]), "\"1234-56-7\" is not a valid CAS number: its check digit should be 6");
}

const CAP_ALERT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>RAMPART-CLI-1</identifier>
  <sender>ops@authority.example.eu</sender>
  <sent>2026-11-22T13:00:00+01:00</sent>
  <status>Exercise</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Infra</category>
    <event>Substation outage &amp; flooding</event>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <area>
      <areaDesc>Rhine-Ruhr</areaDesc>
      <polygon>51.0,6.5 51.5,6.5 51.5,7.5 51.0,6.5</polygon>
    </area>
  </info>
</alert>
"#;

#[test]
fn alerts_validate_and_convert_between_cap_and_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.xml");
    let bad = dir.path().join("bad.xml");
    std::fs::write(&good, CAP_ALERT).expect("write");
    std::fs::write(&bad, CAP_ALERT.replace("51.0,6.5 51.5,6.5 51.5,7.5 51.0,6.5", "51.0,6.5 51.5,6.5 51.0,6.5")).expect("write");
    let out = ok(&rampart(dir.path(), &["alert", "validate", good.to_str().expect("path")]));
    assert_eq!(out, format!("{}: OK\n", good.display()));

    let out = rampart(dir.path(), &["alert", "validate", good.to_str().expect("path"), bad.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{}: OK\n{}:17:7: alert/info[0]/area[0]/polygon[0]: expected a closed ring of at least 4 \"lat,lon\" points; found 3 points\n",
            good.display(),
            bad.display()
        )
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 2 files are invalid"));

    let json = ok(&rampart(dir.path(), &["alert", "convert", good.to_str().expect("path"), "--to", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["identifier"], "RAMPART-CLI-1");
    assert_eq!(v["infos"][0]["event"], "Substation outage & flooding");
    let json_file = dir.path().join("alert.json");
    std::fs::write(&json_file, &json).expect("write");
    let xml = ok(&rampart(dir.path(), &["alert", "convert", json_file.to_str().expect("path"), "--to", "cap"]));
    assert!(xml.contains("<event>Substation outage &amp; flooding</event>"), "{xml}");
    let back = dir.path().join("back.xml");
    std::fs::write(&back, &xml).expect("write");
    ok(&rampart(dir.path(), &["alert", "validate", back.to_str().expect("path")]));

    // A JSON alert breaking a rule is refused with the path at fault.
    std::fs::write(&json_file, json.replace("\"Public\"", "\"Private\"")).expect("write");
    let out = rampart(dir.path(), &["alert", "convert", json_file.to_str().expect("path"), "--to", "cap"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("alert.json: alert/scope: scope is Private, so <addresses> is required (the intended recipients)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An assessment of the demo stadium from request to issued report, through the command
/// line only, with the same rules as the API: bad answers change nothing, the author may
/// not approve, a reader of another organisation is told it does not exist.
#[test]
fn an_assessment_from_request_to_issued_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("db");
    let site = dir.path().join("site.geojson");
    std::fs::write(
        &site,
        r#"{"type": "FeatureCollection",
            "organisations": [{"id": "de-demo-stadium", "name": "Demo Stadium Operations GmbH", "kind": "operator", "country": "DE"},
                              {"id": "eu-psa", "name": "EU protective security advisors", "kind": "eu_body"}],
            "features": [{"type": "Feature", "id": "DE-DEMO-STADIUM-1",
              "geometry": {"type": "Polygon", "coordinates": [[[7.4501, 51.4917], [7.4537, 51.4917], [7.4537, 51.4935], [7.4501, 51.4935], [7.4501, 51.4917]]]},
              "properties": {"name": "Demo stadium", "kind": "public_space", "category": "stadium", "country": "DE", "operator_id": "de-demo-stadium"}}]}"#,
    )
    .expect("write");
    ok(&rampart(&data, &["import", site.to_str().expect("path")]));
    for (user, role, org) in [("stadium.operator", "operator", "de-demo-stadium"), ("assessor.eu", "assessor", "eu-psa"), ("assessor.two", "assessor", "eu-psa"), ("other.op", "operator", "eu-psa")] {
        ok(&rampart(&data, &["user", "add", user, "--role", role, "--org", org]));
    }
    let created = ok(&rampart(&data, &["assess", "create", "--site", "DE-DEMO-STADIUM-1", "--lead", "assessor.eu", "--title", "Stadium 2026", "--as", "stadium.operator"]));
    let id = created.split_whitespace().next().expect("id").to_string();
    assert!(created.ends_with("Stadium 2026 — requested (version 1)\n"), "{created}");
    let as_ = |who: &'static str, args: &[&str]| {
        let mut all: Vec<String> = vec!["assess".into()];
        all.extend(args.iter().map(|a| a.replace("{id}", &id)));
        all.extend(["--as".to_string(), who.to_string()]);
        rampart(&data, &all.iter().map(String::as_str).collect::<Vec<_>>())
    };
    ok(&as_("assessor.eu", &["plan", "{id}", "--kind", "facility", "--from", "2026-05-20", "--to", "2026-05-21", "--member", "assessor.eu=drones", "--member", "assessor.two=crisis_management"]));

    // A bad answer file changes nothing and names the file and question.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"site.peak-occupancy": 9, "site.nope": 1}"#).expect("write");
    let refused = as_("assessor.eu", &["answer", "{id}", "--file", bad.to_str().expect("path")]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("bad.json: answers.site.nope: no question \"site.nope\" in eu-public-spaces 1.0.0\nanswers.site.peak-occupancy: 9 is outside its scale"), "{stderr}");
    let shown = ok(&as_("assessor.eu", &["show", "{id}", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&shown).expect("json");
    assert_eq!((v["state"].as_str(), v["version"].as_i64(), v["answers"].as_object().map(|a| a.len())), (Some("planning"), Some(2), Some(0)));

    let survey = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/demo-stadium-survey.toml");
    assert_eq!(ok(&as_("assessor.eu", &["answer", "{id}", "--file", survey])).lines().next(), Some("100 answers saved (100 in all)"));
    let scored = ok(&as_("assessor.eu", &["run-score", "{id}"]));
    assert!(scored.contains("Vehicle ramming                  287.04 High"), "{scored}");
    let findings = ok(&as_("assessor.eu", &["findings", "{id}", "--suggested", "--top", "5", "--summary", "Crowds outside the perimeter."]));
    assert!(findings.starts_with("5 recommendations\n"), "{findings}");
    ok(&as_("assessor.eu", &["submit", "{id}"]));
    let own = as_("assessor.eu", &["approve", "{id}"]);
    assert_eq!(String::from_utf8_lossy(&own.stderr).lines().next(), Some("Error: assessor.eu wrote these findings; a second person must review them"));
    ok(&as_("assessor.two", &["approve", "{id}", "--comment", "Agreed."]));
    assert!(ok(&as_("assessor.eu", &["issue", "{id}"])).contains("— issued (version 8)"));

    let html = dir.path().join("report.html");
    let pdf = dir.path().join("report.pdf");
    ok(&as_("stadium.operator", &["report", "{id}", "--html", html.to_str().expect("path"), "--pdf", pdf.to_str().expect("path")]));
    let text = std::fs::read_to_string(&html).expect("html");
    assert!(text.contains("TLP:AMBER+STRICT") && text.contains("Crowds outside the perimeter."));
    assert_eq!(std::fs::read(&pdf).expect("pdf").get(..5), Some(&b"%PDF-"[..]));
    let list = ok(&as_("stadium.operator", &["list"]));
    assert!(list.contains(&format!("{id}   issued     DE-DEMO-STADIUM-1    de-demo-stadium    Stadium 2026")), "{list}");
    let other = as_("other.op", &["show", "{id}"]);
    assert_eq!(String::from_utf8_lossy(&other.stderr).lines().next(), Some(format!("Error: assessment {id} not found").as_str()));
    assert_eq!(ok(&as_("other.op", &["list"])).lines().count(), 1, "only the header");
}

fn assess_file(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../rampart-assess/").to_string() + name
}

#[test]
fn assess_methodology_list_and_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = ok(&rampart(dir.path(), &["assess", "methodology", "list"]));
    assert!(list.contains("eu-public-spaces   1.0.0    10 scenarios, 14 layers, 100 questions"), "{list}");
    assert!(list.contains("carver-shock"), "{list}");

    let good = assess_file("methodologies/eu-public-spaces.toml");
    let checked = ok(&rampart(dir.path(), &["assess", "methodology", "check", &good]));
    assert!(checked.ends_with("eu-public-spaces.toml: methodology eu-public-spaces 1.0.0 — 10 scenarios, 14 layers, 100 questions, 3 factors, 82 suggestion rules\n"), "{checked}");
    let catalogue = ok(&rampart(dir.path(), &["assess", "methodology", "check", &assess_file("measures.toml")]));
    assert!(catalogue.contains(": catalogue 1.0.0 — 88 measures ("), "{catalogue}");

    // A broken copy: two problems, each with file, line and key; exit code 1.
    let text = std::fs::read_to_string(&good).expect("read")
        .replacen("layer = \"perimeter\"", "layer = \"perimetre\"", 1)
        .replacen("measures = [\"hvm-certified-barriers\", \"hvm-temporary-barriers\", \"speed-reducing-layout\"]", "measures = [\"moat\"]", 1);
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, &text).expect("write");
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).expect("needle") + 1;
    let out = rampart(dir.path(), &["assess", "methodology", "check", bad.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let path = bad.display().to_string();
    assert!(err.contains(&format!("{path}:{}: questions[17].layer: unknown layer \"perimetre\"", line_of("perimetre"))), "{err}");
    // Fixing the layer leaves the unknown measure, found against the catalogue.
    std::fs::write(&bad, text.replacen("perimetre", "perimeter", 1)).expect("write");
    let out = rampart(dir.path(), &["assess", "methodology", "check", bad.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let rule_line = text.lines().position(|l| l == "question = \"perimeter.hvm-barriers\"").expect("rule") + 1;
    assert!(err.contains(&format!("{path}:{rule_line}: suggestions[0].measures[0]: unknown measure \"moat\": not in the catalogue")), "{err}");
}

#[test]
fn assess_score_from_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let survey = assess_file("surveys/shopping-centre.toml");
    let table = ok(&rampart(dir.path(), &["assess", "score", "--methodology", "eu-public-spaces", "--answers", &survey, "--measures", "hvm-certified-barriers,entry-search"]));
    assert!(table.contains("measures: hvm-certified-barriers, entry-search"), "{table}");
    let row = table.lines().find(|l| l.starts_with("vehicle-ramming ")).expect("vehicle-ramming row");
    assert!(row.contains(" High ") && row.contains(" Medium "), "{row}");
    assert!(table.contains("overall:  High"), "{table}");
    assert!(!table.contains("FACTORS"), "{table}");

    // CARVER + Shock: the seven criteria and their total per node.
    let carver = ok(&rampart(dir.path(), &["assess", "score", "--methodology", "carver-shock", "--answers", &assess_file("surveys/dairy-plant.toml")]));
    assert!(carver.contains(" Critic Access Recupe Vulner Effect Recogn  Shock  TOTAL\n"), "{carver}");
    let mixing = carver.lines().find(|l| l.starts_with("mixing ") && l.ends_with(|c: char| c.is_ascii_digit()) && l.split_whitespace().count() == 9).expect("mixing factors row");
    // Criticality 9 and recognizability 5 are the assessor's ratings alone.
    let cells: Vec<&str> = mixing.split_whitespace().collect();
    assert_eq!((cells[1], cells[6]), ("9.00", "5.00"), "{mixing}");

    let json = rampart(dir.path(), &["assess", "score", "--methodology", &assess_file("methodologies/eu-public-spaces.toml"), "--answers", &survey, "--measures", "hvm-certified-barriers", "--json"]);
    let scores: serde_json::Value = serde_json::from_str(&ok(&json)).expect("json");
    assert_eq!(scores["methodology"], "eu-public-spaces");
    assert_eq!(scores["scenarios"].as_array().map(Vec::len), Some(10));
    let ram = &scores["scenarios"][0];
    assert_eq!(ram["scenario"], "vehicle-ramming");
    assert!(ram["after"]["risk"].as_f64() < ram["before"]["risk"].as_f64(), "{ram}");
    assert_eq!(ram["measures"], serde_json::json!(["hvm-certified-barriers"]));

    // The same answers as JSON with flat ids score the same.
    let flat: serde_json::Map<String, serde_json::Value> = {
        let text = std::fs::read_to_string(&survey).expect("read");
        let t: toml::Table = text.parse().expect("toml");
        t.iter().flat_map(|(layer, qs)| qs.as_table().expect("table").iter().map(move |(q, v)| (format!("{layer}.{q}"), serde_json::to_value(v).expect("value")))).collect()
    };
    let answers = dir.path().join("answers.json");
    std::fs::write(&answers, serde_json::to_string(&flat).expect("json")).expect("write");
    let again = rampart(dir.path(), &["assess", "score", "--methodology", "eu-public-spaces", "--answers", answers.to_str().expect("path"), "--measures", "hvm-certified-barriers", "--json"]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&ok(&again)).expect("json"), scores);

    // An answer off its scale, a question that does not exist, an incomplete survey, an unknown measure.
    let mut broken = flat.clone();
    broken.insert("perimeter.hvm-barriers".into(), serde_json::json!(9));
    broken.insert("perimeter.moat".into(), serde_json::json!(true));
    std::fs::write(&answers, serde_json::to_string(&broken).expect("json")).expect("write");
    let out = rampart(dir.path(), &["assess", "score", "--methodology", "eu-public-spaces", "--answers", answers.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("perimeter.hvm-barriers: 9 is outside its scale: expected a whole number from 0 to 4; perimeter.moat: no such question in this methodology"), "{err}");
    let mut partial = flat.clone();
    partial.remove("drones.detection");
    std::fs::write(&answers, serde_json::to_string(&partial).expect("json")).expect("write");
    let out = rampart(dir.path(), &["assess", "score", "--methodology", "eu-public-spaces", "--answers", answers.to_str().expect("path")]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("the survey is incomplete: 1 question(s) unanswered: drones.detection"), "{out:?}");
    let out = rampart(dir.path(), &["assess", "score", "--methodology", "eu-public-spaces", "--answers", &survey, "--measures", "moat"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown measure(s) moat: not in the catalogue"), "{out:?}");
}

#[test]
fn audit_verify_finds_a_tampered_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    ok(&rampart(&data, &["org", "add", "fi-authority", "--name", "Finnish CIP authority", "--kind", "authority", "--country", "FI"]));
    ok(&rampart(&data, &["user", "add", "analyst.fi", "--role", "analyst", "--org", "fi-authority"]));
    ok(&rampart(&data, &["user", "set-role", "analyst.fi", "viewer"]));
    let out = ok(&rampart(&data, &["audit", "verify"]));
    assert!(out.starts_with("audit trail intact: 3 entries, last hash "), "{out}");
    let list = ok(&rampart(&data, &["audit", "list", "--json"]));
    let entries: Vec<serde_json::Value> = list.lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    let summary: Vec<(i64, &str, &str, &str)> = entries
        .iter()
        .map(|e| (e["seq"].as_i64().unwrap_or(0), e["action"].as_str().unwrap_or(""), e["object_kind"].as_str().unwrap_or(""), e["object_id"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(summary, [(1, "create", "organisation", "fi-authority"), (2, "create", "user", "analyst.fi"), (3, "change", "user", "analyst.fi")]);
    assert_eq!(entries[2]["detail"], serde_json::json!({"role": "viewer"}));
    let table = ok(&rampart(&data, &["audit", "list", "--since", "2000-01-01T00:00:00Z"]));
    assert_eq!(table.lines().count(), 4, "{table}");
    assert_eq!(ok(&rampart(&data, &["audit", "list", "--since", "2999-01-01T00:00:00Z"])).lines().count(), 1);

    // Someone with the database file rewrites entry 2 behind Rampart's back.
    let url = format!("sqlite://{}", data.join("rampart.db").display());
    tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let store = rampart_store::Store::connect(&rampart_store::StoreOptions::new(&url)).await.expect("connect");
        store.execute_sql_for_tests("DROP TRIGGER audit_log_no_update").await.expect("drop guard");
        store.execute_sql_for_tests("UPDATE audit_log SET detail = '{\"role\":\"admin\"}' WHERE seq = 2").await.expect("tamper");
        store.close().await;
    });
    let out = rampart(&data, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "audit trail broken at entry 2: its hash does not match its content: the entry was changed (1 entries before it verify)\n"
    );
}

/// An alert's life on the command line, each command acting as a user: composed from a
/// CAP file, approved by a second person, published to the operator whose substation is
/// in the area, acknowledged, exported (and valid), cancelled.
#[test]
fn alert_workflow_as_users() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("db");
    ok(&rampart(&data, &["org", "add", "de-bbk", "--name", "BBK", "--kind", "authority", "--country", "DE"]));
    ok(&rampart(&data, &["org", "add", "de-op-grid", "--name", "Grid operator", "--kind", "operator", "--country", "DE"]));
    for (user, role, org) in [("ana.de", "analyst", "de-bbk"), ("ben.de", "assessor", "de-bbk"), ("op.grid", "operator", "de-op-grid")] {
        ok(&rampart(&data, &["user", "add", user, "--role", role, "--org", org]));
    }
    let sites = dir.path().join("sites.geojson");
    std::fs::write(&sites, json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "DE-SUB-1", "geometry": {"type": "Point", "coordinates": [6.9, 51.2]},
         "properties": {"name": "Substation", "sector": "energy", "country": "DE", "operator_id": "de-op-grid"}},
        {"type": "Feature", "id": "DE-SUB-2", "geometry": {"type": "Point", "coordinates": [9.0, 53.0]},
         "properties": {"name": "Far substation", "sector": "energy", "country": "DE", "operator_id": "de-op-grid"}}]}).to_string()).expect("write");
    ok(&rampart(&data, &["import", sites.to_str().expect("path")]));
    let file = dir.path().join("alert.xml");
    std::fs::write(&file, CAP_ALERT.replace("51.0,6.5 51.5,6.5 51.5,7.5 51.0,6.5", "51.0,6.5 51.5,6.5 51.5,7.5 51.0,7.5 51.0,6.5")).expect("write");

    fails_with(&rampart(&data, &["alert", "compose", file.to_str().expect("path"), "--as", "op.grid"]), "alerts are composed by administrators, analysts and protective security advisors");
    let composed = ok(&rampart(&data, &["alert", "compose", file.to_str().expect("path"), "--as", "ana.de"]));
    let id = composed.strip_prefix("draft ").and_then(|s| s.split_whitespace().next()).expect("an id").to_string();
    assert_eq!(composed, format!("draft {id} composed (Alert TLP:AMBER)\n"));
    ok(&rampart(&data, &["alert", "submit", &id, "--as", "ana.de"]));
    fails_with(&rampart(&data, &["alert", "approve", &id, "--as", "ana.de"]), "the author may not approve their own alert");
    ok(&rampart(&data, &["alert", "approve", &id, "--as", "ben.de"]));
    let published = ok(&rampart(&data, &["alert", "publish", &id, "--as", "ana.de"]));
    assert!(published.contains("\n  to de-bbk: originator \n  to de-op-grid: area DE-SUB-1\n"), "{published}");
    let listed = ok(&rampart(&data, &["alert", "list", "--unacknowledged", "--as", "op.grid"]));
    assert!(listed.starts_with(&format!("{id}  published Alert  TLP:AMBER        Substation outage & flooding\n")) && listed.ends_with("1 alert\n"), "{listed}");
    let acked = ok(&rampart(&data, &["alert", "ack", &id, "--as", "op.grid"]));
    assert!(acked.starts_with(&format!("alert {id} acknowledged by op.grid for de-op-grid (CAP Ack de-op-grid-ack-")), "{acked}");
    assert_eq!(ok(&rampart(&data, &["alert", "list", "--unacknowledged", "--as", "op.grid"])), "0 alerts\n");
    let shown: serde_json::Value = serde_json::from_str(&ok(&rampart(&data, &["alert", "show", &id, "--as", "ana.de"]))).expect("JSON");
    assert_eq!((shown["acks"].as_i64(), shown["cap"]["identifier"].as_str()), (Some(1), Some("RAMPART-CLI-1")));
    let exported = dir.path().join("out.xml");
    ok(&rampart(&data, &["alert", "export", &id, "--out", exported.to_str().expect("path"), "--as", "op.grid"]));
    assert_eq!(ok(&rampart(&data, &["alert", "validate", exported.to_str().expect("path")])), format!("{}: OK\n", exported.display()));
    let cancelled = ok(&rampart(&data, &["alert", "cancel", &id, "--note", "all clear", "--as", "ben.de"]));
    assert!(cancelled.ends_with(" composed (Cancel)\n"), "{cancelled}");
    fails_with(&rampart(&data, &["alert", "show", &id, "--as", "nobody"]), "--as: no user nobody");
    fails_with(&rampart(&data, &["alert", "show", "0123456789abcdef01234567", "--as", "ana.de"]), "alert 0123456789abcdef01234567 not found");
    // Refused writes are in the audit trail with the reason given, as over HTTP.
    let refused: Vec<serde_json::Value> = ok(&rampart(&data, &["audit", "list", "--json"]))
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .filter(|e| e["action"] == "reject")
        .collect();
    let said: Vec<(&str, &str, &str, &str)> = refused
        .iter()
        .map(|e| (e["actor"].as_str().unwrap_or(""), e["object_id"].as_str().unwrap_or(""), e["detail"]["command"].as_str().unwrap_or(""), e["detail"]["reason"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        said,
        vec![
            ("op.grid", "", "alert compose", "alerts are composed by administrators, analysts and protective security advisors of authorities and EU bodies"),
            ("ana.de", id.as_str(), "alert approve", "the author may not approve their own alert; a second person of the organisation approves it"),
        ]
    );
}

/// An organisation's webhooks on the command line, each command acting as a user; the
/// ping goes to a port nobody listens on, so it fails and says why.
#[test]
fn webhooks_as_users() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("db");
    ok(&rampart(&data, &["org", "add", "de-op-grid", "--name", "Grid operator", "--kind", "operator", "--country", "DE"]));
    ok(&rampart(&data, &["org", "add", "de-bbk", "--name", "BBK", "--kind", "authority", "--country", "DE"]));
    for (user, role, org) in [("op.grid", "operator", "de-op-grid"), ("see.grid", "viewer", "de-op-grid"), ("ana.de", "analyst", "de-bbk")] {
        ok(&rampart(&data, &["user", "add", user, "--role", role, "--org", org]));
    }
    fails_with(&rampart(&data, &["webhook", "add", "ftp://example.org/x", "--as", "op.grid"]), "url: expected an https:// URL, found a ftp: URL");
    fails_with(&rampart(&data, &["webhook", "add", "https://example.org/x", "--kind", "published,bogus", "--as", "op.grid"]), "kinds[1]: unknown event kind \"bogus\"");
    fails_with(&rampart(&data, &["webhook", "add", "https://example.org/x", "--as", "see.grid"]), "viewers may not register webhooks");
    let added = ok(&rampart(&data, &["webhook", "add", "http://127.0.0.1:9/hook", "--kind", "published,acknowledged", "--description", "control room", "--as", "op.grid"]));
    let id = added.split_whitespace().next().expect("an id").to_string();
    assert_eq!(added.lines().next(), Some(format!("{id}  active   http://127.0.0.1:9/hook  [published,acknowledged]  nothing delivered yet").as_str()));
    let secret = added.lines().nth(1).and_then(|l| l.strip_prefix("signing secret (shown this once; keep it with the receiver): ")).expect("the secret");
    assert!(secret.starts_with("whsec_") && secret.len() == 70, "{secret}");
    let shown = ok(&rampart(&data, &["webhook", "show", &id, "--as", "see.grid"]));
    assert!(!shown.contains(secret) && shown.contains("\"description\": \"control room\""), "{shown}");
    fails_with(&rampart(&data, &["webhook", "show", &id, "--as", "ana.de"]), &format!("webhook {id} not found"));
    fails_with(&rampart(&data, &["webhook", "pause", &id, "--as", "see.grid"]), "viewers may not manage webhooks");
    assert!(ok(&rampart(&data, &["webhook", "pause", &id, "--as", "op.grid"])).starts_with(&format!("{id}  paused ")));
    assert!(ok(&rampart(&data, &["webhook", "resume", &id, "--as", "op.grid"])).starts_with(&format!("{id}  active ")));
    fails_with(&rampart(&data, &["webhook", "change", &id, "--url", "http://example.org/x", "--as", "op.grid"]), "url: expected an https:// URL (plain http only to this machine");
    let changed = ok(&rampart(&data, &["webhook", "change", &id, "--kind", "escalated", "--as", "op.grid"]));
    assert_eq!(changed, format!("{id}  active   http://127.0.0.1:9/hook  [escalated]  nothing delivered yet\n"));
    let ping = ok(&rampart(&data, &["webhook", "test", &id, "--as", "op.grid"]));
    assert!(ping.contains(" ping         attempt 1  failed    could not connect: "), "{ping}");
    let log = ok(&rampart(&data, &["webhook", "deliveries", &id, "--as", "op.grid"]));
    assert!(log.contains(" ping ") && log.ends_with("1 attempt\n"), "{log}");
    assert_eq!(ok(&rampart(&data, &["webhook", "list", "--as", "ana.de"])), "0 webhooks\n");
    assert!(ok(&rampart(&data, &["webhook", "list", "--as", "op.grid"])).ends_with("1 webhook\n"));
    assert_eq!(ok(&rampart(&data, &["webhook", "remove", &id, "--as", "op.grid"])), format!("webhook {id} removed\n"));
    assert_eq!(ok(&rampart(&data, &["webhook", "list", "--as", "op.grid"])), "0 webhooks\n");
}

#[test]
fn federation_keys_and_peers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("de.key");
    let key_s = key.to_str().expect("path");
    let public = ok(&rampart(dir.path(), &["federation", "keygen", "--out", key_s])).trim().to_string();
    assert_eq!(public.len(), 44, "base64 of 32 bytes: {public}");
    let seed = std::fs::read_to_string(&key).expect("key");
    assert!(!seed.contains(&public));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).expect("meta").permissions().mode() & 0o777, 0o600);
    }
    fails_with(&rampart(dir.path(), &["federation", "keygen", "--out", key_s]), "an existing key is never overwritten");
    assert_eq!(std::fs::read_to_string(&key).expect("key"), seed, "the key is unchanged");

    let hub = dir.path().join("hub.key");
    let hub_public = ok(&rampart(dir.path(), &["federation", "keygen", "--out", hub.to_str().expect("path")])).trim().to_string();
    fails_with(&rampart(dir.path(), &["federation", "peer", "add", "eu-hub", "--key", "n*pe", "--hosts", "*"]), "--key: a public key is base64 of 32 bytes; this is not base64");
    fails_with(&rampart(dir.path(), &["federation", "peer", "add", "eu-hub", "--key", &hub_public, "--hosts", "*", "--push"]), "--url is needed to push to or pull from eu-hub");
    assert_eq!(ok(&rampart(dir.path(), &["federation", "peer", "list"])), "", "nothing was added");
    ok(&rampart(dir.path(), &["federation", "peer", "add", "eu-hub", "--key", &hub_public, "--hosts", "*", "--url", "http://127.0.0.1:9/", "--push"]));
    ok(&rampart(dir.path(), &["federation", "peer", "add", "fr", "--key", &public, "--hosts", "fr-authority,fr-op-grid", "--origin-only"]));
    let list = ok(&rampart(dir.path(), &["federation", "peer", "list"]));
    assert_eq!(
        list,
        format!("eu-hub\tlink (push)\thttp://127.0.0.1:9\t*\t{hub_public}\nfr\torigin only\t-\tfr-authority,fr-op-grid\t{public}\n")
    );
    let status = ok(&rampart(dir.path(), &["federation", "status"]));
    assert!(status.contains("eu-hub\tok\tnever\t0/0\t0/0\t0"), "{status}");
    // A round with the hub unreachable fails, naming it; nothing is lost.
    fails_with(&rampart(dir.path(), &["federation", "sync"]), "this instance has no federation identity");
    let out = rampart(dir.path(), &["federation", "sync", "--federation-name", "de", "--federation-key-file", key_s]);
    fails_with(&out, "1 link(s) failed this round");
    assert!(String::from_utf8_lossy(&out.stdout).contains("eu-hub: push failed"));
    ok(&rampart(dir.path(), &["federation", "peer", "remove", "fr"]));
    fails_with(&rampart(dir.path(), &["federation", "peer", "remove", "fr"]), "no peer fr");
    let audit = ok(&rampart(dir.path(), &["audit", "list", "--json"]));
    assert_eq!(audit.lines().filter(|l| l.contains("federation_peer")).count(), 3, "{audit}");
}
