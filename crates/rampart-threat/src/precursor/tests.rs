use super::*;
use serde_json::json;

fn cat() -> Catalogue {
    Catalogue::parse("precursors.csv", DEFAULT_CATALOGUE_CSV).unwrap()
}

fn one(cas: &str, pct: f64) -> Screening {
    let c = cat();
    let f = Formulation::from_json(&json!({"components": [{"cas": cas, "percent": pct}]}), &c).unwrap();
    screen(&c, &f)
}

#[test]
fn the_shipped_catalogue_reads_and_holds_both_annexes() {
    let c = cat();
    assert_eq!(c.substances().iter().filter(|s| s.annex == Annex::I).count(), 9);
    assert_eq!(c.substances().iter().filter(|s| s.annex == Annex::II).count(), 9);
    let h2o2 = c.get(Cas::parse("7722-84-1").unwrap()).unwrap();
    assert_eq!((h2o2.limit_pct, h2o2.licence_upper_pct), (Some(12.0), Some(35.0)));
    assert_eq!(Cas::parse("10124-37-5").unwrap().to_string(), "10124-37-5");
}

#[test]
fn cas_check_digits_are_verified() {
    assert!(Cas::parse("7732-18-5").is_ok()); // water
    assert_eq!(
        Cas::parse("7722-84-2").unwrap_err(),
        "\"7722-84-2\" is not a valid CAS number: its check digit should be 1"
    );
    assert!(Cas::parse("77228-41").is_err());
    assert!(Cas::parse("7-84-1").is_err());
    let bad = "cas,name,annex,limit_pct,licence_upper_pct,basis,group,common_names\n7697-37-3,Nitric acid,I,3,10,w/w,,\n";
    assert_eq!(
        Catalogue::parse("x.csv", bad).unwrap_err().to_string(),
        "x.csv, line 2: cas: \"7697-37-3\" is not a valid CAS number: its check digit should be 2"
    );
}

/// Every Annex I substance at, just below and just above its limit and its licence
/// upper limit (ammonium nitrate by its nitrogen content).
#[test]
fn every_annex_i_substance_at_and_around_its_limits() {
    let c = cat();
    for s in c.substances().iter().filter(|s| s.annex == Annex::I) {
        let cas = s.cas.to_string();
        let limit = s.limit_pct.unwrap();
        // The % w/w that gives the compared value `x`.
        let ww = |x: f64| if s.basis == Basis::Nitrogen { x / NITROGEN_IN_AMMONIUM_NITRATE } else { x };
        let eps = 1e-3;
        assert_eq!(one(&cas, ww(limit - eps).min(100.0)).outcome, Outcome::Reportable, "{} just below", s.name);
        assert_eq!(one(&cas, ww(limit).min(100.0)).outcome, Outcome::Reportable, "{} at the limit", s.name);
        let above = one(&cas, ww(limit + eps).min(100.0));
        match s.licence_upper_pct {
            Some(u) => {
                assert_eq!(above.outcome, Outcome::Licence, "{} just above", s.name);
                assert_eq!(above.licence_up_to[0].upper_pct, u);
                assert_eq!(one(&cas, ww(u)).outcome, Outcome::Licence, "{} at the upper limit", s.name);
                if u < 100.0 {
                    assert_eq!(one(&cas, ww(u - eps)).outcome, Outcome::Licence);
                    assert_eq!(one(&cas, ww(u + eps)).outcome, Outcome::NotAvailable, "{} above the upper limit", s.name);
                }
            }
            None => assert_eq!(above.outcome, Outcome::NotAvailable, "{} just above", s.name),
        }
        assert!(above.reportable);
    }
}

#[test]
fn ammonium_nitrate_is_judged_by_its_nitrogen() {
    // 45 % w/w of NH4NO3 carries 15.75 % nitrogen: below 16 %; 46 % carries 16.10 %.
    let below = one("6484-52-2", 45.0);
    assert_eq!(below.outcome, Outcome::Reportable);
    assert!((below.findings[0].compared_pct.unwrap() - 15.749).abs() < 1e-3);
    assert_eq!(one("6484-52-2", 46.0).outcome, Outcome::NotAvailable);
    assert_eq!(one("6484-52-2", 100.0).findings[0].reason, "34.998 % nitrogen, above the limit 16 %; no licence possible");
}

#[test]
fn hydrogen_peroxide_examples() {
    let s = one("7722-84-1", 30.0);
    assert_eq!(s.outcome, Outcome::Licence);
    assert_eq!(s.summary, "restricted: licence needed: Hydrogen peroxide up to 35 %");
    assert_eq!(one("7722-84-1", 6.0).summary, "reportable (regulated precursor available to the general public)");
}

#[test]
fn every_annex_ii_substance_is_reportable() {
    let c = cat();
    for s in c.substances().iter().filter(|s| s.annex == Annex::II) {
        for pct in [0.5, 69.999, 70.0, 100.0] {
            let r = one(&s.cas.to_string(), pct);
            let expected = if s.group == Some(Group::MetalPowder) && pct < 70.0 { Outcome::Free } else { Outcome::Reportable };
            assert_eq!(r.outcome, expected, "{} at {pct} %", s.name);
        }
    }
}

#[test]
fn metal_powders_need_fine_particles() {
    let c = cat();
    let f = |um: f64| {
        Formulation::from_json(&json!({"components": [{"cas": "7429-90-5", "percent": 95, "particle_um": um}]}), &c).unwrap()
    };
    assert_eq!(screen(&c, &f(199.9)).outcome, Outcome::Reportable);
    assert_eq!(screen(&c, &f(200.0)).outcome, Outcome::Free);
}

#[test]
fn chlorates_and_perchlorates_are_summed() {
    let c = cat();
    let mix = |a: f64, b: f64| {
        let f = Formulation::from_json(
            &json!({"components": [{"cas": "3811-04-9", "percent": a}, {"cas": "7601-89-0", "percent": b}, {"name": "sugar", "percent": 100.0 - a - b}]}),
            &c,
        )
        .unwrap();
        screen(&c, &f)
    };
    // Each below 40 %, together 45 %: not available.
    let r = mix(25.0, 20.0);
    assert_eq!(r.outcome, Outcome::NotAvailable);
    assert_eq!(r.findings[0].compared_pct, Some(45.0));
    assert_eq!(r.findings[0].reason, "45 % chlorates and perchlorates together, above the limit 40 %; no licence possible");
    assert_eq!(mix(20.0, 20.0).outcome, Outcome::Reportable);
    assert_eq!(mix(20.0, 20.001).outcome, Outcome::NotAvailable);
}

#[test]
fn mixtures_take_the_strictest_outcome() {
    let c = cat();
    let f = Formulation::from_json(
        &json!({"name": "Pool kit", "components": [{"cas": "7722-84-1", "percent": 20}, {"cas": "7664-93-9", "percent": 41}, {"cas": "67-64-1", "percent": 10}, {"name": "water", "percent": 29}]}),
        &c,
    )
    .unwrap();
    let r = screen(&c, &f);
    assert_eq!(r.outcome, Outcome::NotAvailable);
    assert_eq!(r.findings.iter().map(|x| x.outcome).collect::<Vec<_>>(), vec![Outcome::Licence, Outcome::NotAvailable, Outcome::Reportable]);
    let water = Formulation::from_json(&json!({"components": [{"name": "water", "percent": 100}]}), &c).unwrap();
    let r = screen(&c, &water);
    assert_eq!((r.outcome, r.reportable, r.summary.as_str()), (Outcome::Free, false, "no regulated explosives precursor"));
}

#[test]
fn homogeneous_mixtures_of_many_ingredients_below_one_percent_are_exempt() {
    let c = cat();
    let comps = |pct: f64| {
        let mut v = vec![json!({"cas": "7722-84-1", "percent": pct})];
        for i in 0..5 {
            v.push(json!({"name": format!("ingredient {i}"), "percent": 10}));
        }
        v
    };
    let f = Formulation::from_json(&json!({"homogeneous": true, "components": comps(0.9)}), &c).unwrap();
    assert_eq!(screen(&c, &f).outcome, Outcome::Free);
    let f = Formulation::from_json(&json!({"homogeneous": true, "components": comps(1.0)}), &c).unwrap();
    assert_eq!(screen(&c, &f).outcome, Outcome::Reportable);
    let f = Formulation::from_json(&json!({"homogeneous": false, "components": comps(0.9)}), &c).unwrap();
    assert_eq!(screen(&c, &f).outcome, Outcome::Reportable);
}

#[test]
fn bad_formulations_name_the_field() {
    let c = cat();
    let err = |v: Value| Formulation::from_json(&v, &c).unwrap_err().to_string();
    assert_eq!(
        err(json!({"components": [{"cas": "7722-84-1", "percent": 120}]})),
        "components[0].percent: a concentration cannot be above 100 %, found 120"
    );
    assert_eq!(
        err(json!({"components": [{"cas": "7722-84-1", "percent": -1}]})),
        "components[0].percent: expected a percentage from 0 to 100, found -1"
    );
    assert_eq!(
        err(json!({"components": [{"cas": "7732-18-5", "percent": 50}]})),
        "components[0].cas: unknown CAS number 7732-18-5: not a substance of Annex I or II (list other ingredients by name only, without a CAS number)"
    );
    assert_eq!(
        err(json!({"components": [{"cas": "7722-84-1", "percent": 60}, {"cas": "67-64-1", "percent": 50}]})),
        "components: the concentrations add up to 110 %, above 100 %"
    );
    assert_eq!(err(json!({"components": []})), "components: lists no ingredients");
    assert_eq!(err(json!({"components": [{"percent": 5}]})), "components[0].cas: give the CAS number of a regulated substance, or the name of another ingredient");
    let pairs = Formulation::from_pairs(&["7722-84-1=abc".into()], &c).unwrap_err().to_string();
    assert_eq!(pairs, "substance[0].percent: expected a percentage from 0 to 100, found \"abc\"");
    assert_eq!(Formulation::from_pairs(&["7722-84-1=30%".into()], &c).unwrap().components[0].percent, 30.0);
}

#[test]
fn a_suspicious_transaction_report_is_due_within_24_hours() {
    let c = cat();
    let now = 1_750_000_000_000;
    let req = json!({"kind": "suspicious_transaction", "country": "DE", "indicators": ["unusual_quantity", "unusual_payment"],
        "products": [{"name": "Peroxide 30", "components": [{"cas": "7722-84-1", "percent": 30}]}], "quantity": "20 l"});
    let r = Report::from_json(&req, &c, now).unwrap();
    assert_eq!(r.due_by_ms - r.detected_at_ms, 24 * 3600 * 1000);
    assert_eq!(r.detected_at_ms, now);
    assert_eq!(r.routed_to, "the national contact point of Germany (DE) under Art 9(1)");
    assert_eq!(r.products[0].screening.outcome, Outcome::Licence);
    let bad = json!({"kind": "suspicious_transaction", "country": "XX", "indicators": ["odd"], "products": [{"components": [{"name": "water", "percent": 100}]}]});
    let e = Report::from_json(&bad, &c, now).unwrap_err();
    let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, vec!["country", "indicators[0]", "indicators", "products[0]"]);
    let theft = json!({"kind": "theft", "country": "FR", "detected_at_ms": now - 3_600_000, "products": [{"components": [{"cas": "67-64-1", "percent": 100}]}]});
    let r = Report::from_json(&theft, &c, now).unwrap();
    assert_eq!(r.due_by_ms, now + 23 * 3_600_000);
}
