//! Approaches over small hand-built networks, with every figure computed by hand.
//!
//! The networks are laid out in metres on the plane the analysis uses (centred on
//! the perimeter's centroid), so distances are exact: a 100 m × 100 m square
//! perimeter centred at (0, 0) has its west side at x = −50.

use super::approach::Plane;
use super::*;
use serde_json::json;

const LON0: f64 = 24.95;
const LAT0: f64 = 60.17;

fn ll(x: f64, y: f64) -> [f64; 2] {
    let (lon, lat) = Plane::new(LON0, LAT0).unproject(x, y);
    [lon, lat]
}

fn square() -> Perimeter {
    let ring: Vec<[f64; 2]> = [(-50.0, -50.0), (50.0, -50.0), (50.0, 50.0), (-50.0, 50.0), (-50.0, -50.0)].iter().map(|&(x, y)| ll(x, y)).collect();
    Perimeter::from_geojson(&json!({"type": "Polygon", "coordinates": [ring]})).unwrap()
}

fn paths(lines: &[(&[(f64, f64)], Value)]) -> RoadNetwork {
    let features: Vec<Value> = lines
        .iter()
        .map(|(pts, props)| {
            let coords: Vec<[f64; 2]> = pts.iter().map(|&(x, y)| ll(x, y)).collect();
            json!({"type": "Feature", "properties": props, "geometry": {"type": "LineString", "coordinates": coords}})
        })
        .collect();
    RoadNetwork::from_geojson_paths(&json!({"type": "FeatureCollection", "features": features})).unwrap()
}

fn run(net: &RoadNetwork, classes: &[&str], adjust: impl FnOnce(&mut Config)) -> Analysis {
    let mut config = Config::with_classes(classes).unwrap();
    adjust(&mut config);
    analyse(&square(), net, &config).unwrap()
}

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} is not within {tol} of {b}");
}

fn rating(v: &VehicleResult, st: Standard) -> Option<String> {
    v.required.iter().find(|r| r.standard == st).and_then(|r| r.rating.clone())
}

#[test]
fn a_straight_run_up_of_100_m() {
    // From rest at x = −150 to the perimeter at x = −50: 100 m.
    let net = paths(&[(&[(-150.0, 0.0), (0.0, 0.0)], json!({"name": "Straight street"}))]);
    let a = run(&net, &["N3", "M1"], |_| {});
    assert_eq!(a.approaches.len(), 1, "the way out of the perimeter is no approach");
    let ap = &a.approaches[0];
    assert_eq!((ap.name.as_deref(), ap.angle_deg, ap.perimeter_edge), (Some("Straight street"), 90.0, 3));
    close(ap.entry[0], ll(-50.0, 0.0)[0], 1e-7);
    let (n3, m1) = (&ap.vehicles[0], &ap.vehicles[1]);
    // N3, 1.3 m/s²: v = √(2 · 1.3 · 100) = √260 = 16.125 m/s = 58.05 km/h; ½ · 7500 · 260 = 975 kJ.
    close(n3.speed_kmh, 58.0, 0.06);
    close(n3.energy_kj, 975.0, 0.5);
    assert_eq!(n3.run_up_m, 100.0);
    assert_eq!(rating(n3, Standard::Pas68).as_deref(), Some("V/7500[N3]/64/90"));
    assert_eq!(rating(n3, Standard::Iwa14), None);
    // M1, 2.9 m/s²: √580 = 24.083 m/s = 86.70 km/h; ½ · 1500 · 580 = 435 kJ; IWA and PAS 68 both have M1.
    close(m1.speed_kmh, 86.7, 0.05);
    close(m1.energy_kj, 435.0, 0.5);
    assert_eq!(rating(m1, Standard::Iwa14).as_deref(), Some("V/1500[M1]/96/90"));
    assert_eq!(rating(m1, Standard::Pas68).as_deref(), Some("V/1500[M1]/96/90"));
    // The profile rises from 0 to the impact speed over the 100 m.
    assert_eq!(n3.profile.first(), Some(&[0.0, 0.0]));
    assert_eq!(n3.profile.last(), Some(&[100.0, 58.0]));
}

#[test]
fn a_right_angle_bend_caps_the_speed() {
    // 200 m south along x = −100, a right turn, 50 m east to the perimeter.
    // Bend radius through the points 25 m along each leg: √(25² + 25²) / 2 = 17.678 m;
    // cap v² = μ g r = 0.7 · 9.80665 · 17.678 = 121.350 (11.016 m/s, 39.7 km/h).
    // After it, 50 m of run-up: M1 v² = 121.350 + 2 · 2.9 · 50 = 411.350 → 20.282 m/s = 73.0 km/h;
    // N3 v² = 121.350 + 2 · 1.3 · 50 = 251.350 → 15.854 m/s = 57.1 km/h.
    let net = paths(&[(&[(-100.0, 200.0), (-100.0, 0.0), (0.0, 0.0)], json!({}))]);
    let a = run(&net, &["M1", "N3"], |_| {});
    let ap = &a.approaches[0];
    close(ap.vehicles[0].speed_kmh, 73.0, 0.05);
    close(ap.vehicles[1].speed_kmh, 57.1, 0.05);
    // ½ · 1500 · 411.350 = 308.5 kJ.
    close(ap.vehicles[0].energy_kj, 309.0, 0.5);
    // The run-up proper starts at the bend.
    assert_eq!(ap.vehicles[0].run_up_m, 50.0);
    assert_eq!(rating(&ap.vehicles[0], Standard::Iwa14).as_deref(), Some("V/1500[M1]/80/90"));
    // The profile shows the drop at the bend: 200 m in at 34.1 m/s (122.6 km/h), out at 39.7 km/h.
    let p = &ap.vehicles[0].profile;
    assert_eq!(p, &[[0.0, 0.0], [200.0, 122.6], [200.0, 39.7], [250.0, 73.0]]);
    assert_eq!(ap.vehicles[0].path.len(), 3);
    // A banked bend (e = 0.1): v² = g r (μ + e) / (1 − μ e) = 9.80665 · 17.678 · 0.8 / 0.93 = 149.13;
    // then + 290: √439.13 = 20.955 m/s = 75.4 km/h.
    let banked = paths(&[(&[(-100.0, 200.0), (-100.0, 0.0), (0.0, 0.0)], json!({"bank": 0.1}))]);
    close(run(&banked, &["M1"], |_| {}).approaches[0].vehicles[0].speed_kmh, 75.4, 0.05);
    // Less friction (μ = 0.35) halves v² at the bend: 60.675 + 290 = 350.675 → 18.727 m/s = 67.4 km/h.
    close(run(&net, &["M1"], |c| c.mu = 0.35).approaches[0].vehicles[0].speed_kmh, 67.4, 0.05);
}

#[test]
fn top_speed_and_legal_limits_cap_long_run_ups() {
    // 1 km of straight: an N3 would reach √2600 = 51 m/s, but its top speed is 90 km/h.
    let net = paths(&[(&[(-1050.0, 0.0), (0.0, 0.0)], json!({"maxspeed": 30}))]);
    let a = run(&net, &["N3"], |_| {});
    assert_eq!(a.approaches[0].vehicles[0].speed_kmh, 90.0);
    assert_eq!(rating(&a.approaches[0].vehicles[0], Standard::Pas68).as_deref(), Some("V/7500[N3]/96/90"));
    // Obeying the 30 km/h limit: 30 km/h, ½ · 7500 · 8.333² = 260 kJ.
    let a = run(&net, &["N3"], |c| c.legal_limits = true);
    assert_eq!((a.approaches[0].vehicles[0].speed_kmh, a.approaches[0].vehicles[0].energy_kj), (30.0, 260.0));
    // A car at 160 km/h is beyond every standard test speed.
    let a = run(&net, &["M1"], |_| {});
    assert_eq!(a.approaches[0].vehicles[0].speed_kmh, 160.0);
    assert_eq!(a.approaches[0].vehicles[0].required[0].note.as_deref(), Some("160 km/h is above the highest standard test speed (112 km/h)"));
}

#[test]
fn the_impact_angle_is_measured_against_the_perimeter_line() {
    // Heading north-east into the west side: 45°.
    let net = paths(&[(&[(-130.0, -80.0), (-40.0, 10.0)], json!({}))]);
    let a = run(&net, &["N3C"], |_| {});
    assert_eq!(a.approaches[0].angle_deg, 45.0);
    // The run-up is √(80² + 80²) = 113.1 m: √(2 · 1.3 · 113.137) = 17.151 m/s = 61.7 km/h.
    close(a.approaches[0].vehicles[0].speed_kmh, 61.7, 0.05);
    assert_eq!(rating(&a.approaches[0].vehicles[0], Standard::Iwa14).as_deref(), Some("V/7200[N3C]/64/90"));
}

#[test]
fn one_way_streets_count_only_when_asked() {
    // Drawn leaving the perimeter, and one-way: a hostile driver goes against it anyway.
    let net = paths(&[(&[(0.0, 0.0), (-150.0, 0.0)], json!({"oneway": true}))]);
    assert_eq!(run(&net, &["N3"], |_| {}).approaches.len(), 1);
    assert_eq!(run(&net, &["N3"], |c| c.respect_oneway = true).approaches.len(), 0);
}

#[test]
fn the_best_of_two_run_ups_wins_and_approaches_are_ranked() {
    // Two streets into the west side: 100 m straight, and one that turns sharply
    // 20 m out; a third street meets the east side after 300 m.
    let net = paths(&[
        (&[(-150.0, 0.0), (-40.0, 0.0)], json!({"name": "west"})),
        (&[(-70.0, 300.0), (-70.0, 30.0), (-40.0, 30.0)], json!({"name": "bend"})),
        (&[(350.0, -20.0), (40.0, -20.0)], json!({"name": "east"})),
    ]);
    let a = run(&net, &["N3C"], |_| {});
    let names: Vec<_> = a.approaches.iter().map(|ap| (ap.id, ap.name.clone().unwrap_or_default())).collect();
    assert_eq!(names, [(1, "east".to_string()), (2, "west".into()), (3, "bend".into())]);
    // East: 300 m, √(780) = 27.93 m/s capped at 25 m/s (90 km/h).
    assert_eq!(a.approaches[0].vehicles[0].speed_kmh, 90.0);
}

#[test]
fn an_insufficient_barrier_is_named_with_its_reasons() {
    let net = paths(&[(&[(-150.0, 0.0), (0.0, 0.0)], json!({"name": "Straight street"}))]);
    let a = run(&net, &["N3C"], |c| c.barrier = Some(parse_rating("IWA14-1: V/7200[N3C]/48/90:0.6").unwrap()));
    // N3C over 100 m: 58.05 km/h > 48.
    assert_eq!(a.insufficient, ["installed barrier V/7200[N3C]/48/90:0.6 is insufficient for approach 1 (Straight street, N3C): it was tested at 48 km/h, but a N3C reaches 58.0 km/h here"]);
    let a = run(&net, &["N3C"], |c| c.barrier = Some(parse_rating("V/7200[N3C]/64/90:0.6").unwrap()));
    assert!(a.insufficient.is_empty());
    assert_eq!(a.approaches[0].vehicles[0].barrier.as_ref().map(|b| b.text.as_str()), Some("installed barrier V/7200[N3C]/64/90:0.6 stops a N3C on this approach"));
}

#[test]
fn bad_options_are_refused_by_field() {
    let o = json!({"vehicles": ["N3C", {"code": "N3", "mass_kg": -7500}, "X9"], "mu": 0, "barrier": "bollard", "max_penetration_m": -1});
    let e = Config::from_json(o.as_object().unwrap()).expect_err("bad");
    let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["barrier", "vehicles[1].mass_kg", "vehicles[2]", "mu", "max_penetration_m"]);
    assert_eq!(e.0[1].message, "the mass must be a positive number, found -7500");
    assert!(e.0[2].message.starts_with("unknown vehicle class \"X9\"; expected one of M1, N1G, N1, N2, N3, N2A"), "{}", e.0[2].message);
    // A custom class needs all three numbers.
    let o = json!({"vehicles": [{"code": "BUS", "mass_kg": 18000, "accel": 1.2, "top_speed_kmh": 100}]});
    let c = Config::from_json(o.as_object().unwrap()).expect("custom");
    assert_eq!((c.vehicles[0].code.as_str(), c.vehicles[0].standards.len()), ("BUS", 0));
}

#[test]
fn no_roads_no_approaches() {
    let a = analyse(&square(), &RoadNetwork::default(), &Config::default()).unwrap();
    assert!(a.approaches.is_empty());
    assert_eq!(a.to_csv_rows().len(), 1);
}
