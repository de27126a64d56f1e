use super::*;
use serde_json::json;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-3, "got {a}, expected {b}");
}

fn stadium() -> Venue {
    Venue::from_json(&json!({
        "name": "Stadium",
        "areas": [{"id": "north", "seats": 4000}, {"id": "south", "seats": 2000}],
        "exits": [
            {"id": "A", "width_m": 6.0, "type": "level", "serves": ["north"]},
            {"id": "B", "width_m": 2.0, "type": "stairs", "serves": ["south"]}
        ]
    }))
    .unwrap()
}

/// Green Guide by hand: A passes 82 × 6 = 492 persons/min, 4000 / 492 = 8.130 min;
/// B passes 66 × 2 = 132/min, 2000 / 132 = 15.152 min: the bottleneck, which needs
/// 2000 / (66 × 8) = 3.788 m. Capacity in 8 min: (492 + 132) × 8 = 4992.
#[test]
fn green_guide_by_hand() {
    let r = assess(&stadium(), RuleSet::GreenGuide);
    assert_eq!(r.occupants, 6000);
    close(r.exits[0].time_min.unwrap(), 4000.0 / 492.0);
    close(r.exits[1].time_min.unwrap(), 2000.0 / 132.0);
    close(r.egress_time_min.unwrap(), 15.1515);
    close(r.capacity, 4992.0);
    let b = r.bottleneck.unwrap();
    assert_eq!(b.exit, "B");
    close(b.width_needed_m, 3.7879);
    close(r.exits[0].width_needed_m, 6.0976);
    close(r.extra_width_needed_m, 0.0976 + 1.7879);
    assert!(!r.meets_target);
    assert_eq!((r.exits[0].fruin, r.exits[1].fruin), (Some('E'), Some('E')));
}

/// Shared exits split the load by capacity: 10,000 people over 4 m level (328/min) and
/// 3 m stairs (198/min) leave in 10000 / 526 = 19.011 min through both.
#[test]
fn shared_exits_balance() {
    let v = Venue::from_json(&json!({"areas": [{"id": "bowl", "occupants": 10000}],
        "exits": [{"id": "A", "width_m": 4}, {"id": "B", "width_m": 3, "type": "stairs"}]}))
    .unwrap();
    let r = assess(&v, RuleSet::GreenGuide);
    close(r.exits[0].load, 10000.0 * 328.0 / 526.0);
    close(r.exits[0].time_min.unwrap(), 10000.0 / 526.0);
    close(r.exits[1].time_min.unwrap(), 10000.0 / 526.0);
}

/// UK places of entertainment: 1.05 m is 2 exit units (80 persons/min); 300 people take
/// 3.75 min against 2.5; 3 units (1.575 m) are needed. 1200 m² standing at 0.3 m² each
/// holds 4000.
#[test]
fn exit_units_by_hand() {
    let v = Venue::from_json(&json!({"areas": [{"id": "hall", "occupants": 300}], "exits": [{"id": "door", "width_m": 1.05}]})).unwrap();
    let r = assess(&v, RuleSet::UkEntertainment);
    assert_eq!(r.exits[0].units, Some(2));
    close(r.egress_time_min.unwrap(), 3.75);
    close(r.exits[0].width_needed_m, 1.575);
    assert_eq!(r.target_min, Some(2.5));
    let v = Venue::from_json(&json!({"areas": [{"id": "pitch", "area_m2": 1200, "use": "standing"}, {"id": "club", "area_m2": 110, "use": "dance"},
        {"id": "terrace", "area_m2": 100, "use": "terrace"}, {"id": "foyer", "area_m2": 50, "density_per_m2": 2}, {"id": "bar", "area_m2": 90, "m2_per_person": 0.9}],
        "exits": [{"id": "door", "width_m": 0.5}]}))
    .unwrap();
    assert_eq!(v.areas.iter().map(|a| a.occupants).collect::<Vec<_>>(), vec![4000, 200, 470, 100, 100]);
    // A door narrower than one unit passes nobody: the time is unbounded.
    let r = assess(&v, RuleSet::UkEntertainment);
    assert_eq!((r.exits[0].units, r.egress_time_min, r.meets_target), (Some(0), None, false));
}

/// NFPA 101: 2 m of stairs hold 2000 / 7.6 = 263.16 persons, 1.5 m level 300; 500
/// occupants split 233.64 / 266.36 and fit.
#[test]
fn nfpa_capacity_by_hand() {
    let v = Venue::from_json(&json!({"areas": [{"id": "hall", "occupants": 500}],
        "exits": [{"id": "stair", "width_m": 2, "type": "stairs"}, {"id": "door", "width_m": 1.5, "type": "ramp"}]}))
    .unwrap();
    let r = assess(&v, RuleSet::Nfpa101);
    close(r.exits[0].capacity, 263.158);
    close(r.exits[1].capacity, 300.0);
    close(r.exits[0].load, 500.0 * 263.158 / 563.158);
    close(r.exits[0].width_needed_m, r.exits[0].load * 7.6 / 1000.0);
    assert!(r.meets_target);
    assert_eq!(r.egress_time_min, None);
    let v = Venue::from_json(&json!({"areas": [{"id": "hall", "occupants": 700}], "exits": [{"id": "door", "width_m": 3}]})).unwrap();
    let r = assess(&v, RuleSet::Nfpa101);
    assert!(!r.meets_target);
    close(r.bottleneck.unwrap().width_needed_m, 3.5);
}

#[test]
fn fruin_levels() {
    let levels: String = [0.0, 22.9, 23.0, 32.9, 33.0, 48.9, 49.0, 65.9, 66.0, 82.0, 82.1].iter().map(|q| fruin_level(*q)).collect();
    assert_eq!(levels, "AABBCCDDEEF");
    let v = Venue::from_json(&json!({"areas": [{"id": "a", "occupants": 1}], "exits": [{"id": "x", "width_m": 1}],
        "flows": [{"id": "bridge", "persons_per_min": 300, "width_m": 5}]}))
    .unwrap();
    let r = assess(&v, RuleSet::GreenGuide);
    assert_eq!((r.flows[0].persons_per_m_min, r.flows[0].fruin), (60.0, 'D'));
}

#[test]
fn bad_venues_name_the_field() {
    let err = |v: Value| Venue::from_json(&v).unwrap_err().to_string();
    assert_eq!(
        err(json!({"areas": [{"id": "a", "occupants": 10}], "exits": [{"id": "x", "width_m": 0}]})),
        "exits[0].width_m: an exit needs a clear width above 0 m, found 0"
    );
    assert_eq!(
        err(json!({"areas": [{"id": "a", "occupants": 10}], "exits": [{"id": "x", "width_m": 1, "type": "lift", "serves": ["b"]}]})),
        "exits[0].type: expected level, stairs or ramp, found \"lift\"; exits[0].serves[0]: no area with id \"b\""
    );
    assert_eq!(
        err(json!({"areas": [{"id": "a"}, {"id": "b", "area_m2": 10}], "exits": []})),
        "areas[0]: give the occupant load: occupants, seats, or area_m2 with a density; areas[1].area_m2: give exactly one of m2_per_person, density_per_m2 or use (standing, dance, terrace) with a floor area; exits: list at least one exit"
    );
    assert_eq!(
        err(json!({"areas": [{"id": "a", "seats": -3}], "exits": [{"id": "x", "width_m": 1}]})),
        "areas[0].seats: expected a whole number >= 0, found -3"
    );
    let toml = "name = \"Hall\"\n[[areas]]\nid = \"a\"\noccupants = 10\n[[exits]]\nid = \"x\"\nwidth_m = \"wide\"\n";
    assert_eq!(
        Venue::parse_file("hall.toml", toml).unwrap_err().to_string(),
        "hall.toml: exits[0].width_m: an exit needs a clear width above 0 m, found \"wide\""
    );
    let e = Venue::parse_file("hall.toml", "[[areas]\n").unwrap_err().to_string();
    assert!(e.starts_with("hall.toml: TOML parse error at line 1"), "{e}");
    let e = Venue::parse_file("hall.json", "{\"areas\": [\n}").unwrap_err().to_string();
    assert!(e.contains("line 2"), "{e}");
}

#[test]
fn toml_venues_read_like_json() {
    let toml = "name = \"Hall\"\ntarget_min = 3\n[[areas]]\nid = \"a\"\nseats = 400\n[[exits]]\nid = \"x\"\nwidth_m = 2.1\ntype = \"stairs\"\n";
    let v = Venue::parse_file("hall.toml", toml).unwrap();
    let r = assess(&v, RuleSet::UkEntertainment);
    assert_eq!((r.exits[0].units, r.target_min), (Some(4), Some(3.0)));
    close(r.egress_time_min.unwrap(), 2.5);
    assert!(r.meets_target);
}
