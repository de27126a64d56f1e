//! Prints sample records of a run as JSON lines: `gen_sample N FILTER` prints the
//! assets whose name contains FILTER, with their dependencies and links.
fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let filter = args.next().unwrap_or_else(|| "Lyon".to_string());
    let mut ids = std::collections::HashSet::new();
    let _ = rampart_gen::generate(&rampart_gen::GenConfig::new(n, 1), |c| {
        for o in &c.organisations {
            if o.name.contains(&filter) {
                println!("{}", o.to_json());
            }
        }
        for a in &c.assets {
            if a.name.contains(&filter) {
                ids.insert(a.id.to_string());
                println!("{}", serde_json::Value::Object(a.to_json()));
            }
        }
        for d in &c.dependencies {
            if ids.contains(d.dependent.as_str()) {
                println!("{}", d.to_json());
            }
        }
        for l in &c.links {
            if ids.contains(l.from.as_str()) || ids.contains(l.to.as_str()) {
                println!("{}", l.to_json());
            }
        }
        Ok::<(), ()>(())
    });
}
