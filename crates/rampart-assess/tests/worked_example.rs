//! The worked example of docs/assessment-methodology.md, reproduced with the numbers
//! worked out by hand there. If this test changes, change the document with it.

use rampart_assess::*;

mod common;
use common::{answers, setup};

#[test]
fn before_measures() {
    let (m, c) = setup();
    let s = score(&m, &c, &answers(), &[]).unwrap_or_else(|e| panic!("{e}"));
    let ram = &s.scenarios[0];
    assert_eq!(ram.scenario, "ram");
    // A = 1 + 9 × 3/4 = 7.75; T = 1 + 9 × (7-1)/9 = 7;
    // V = 1 + 9 × (3 × 0.75 + 1 × 1 + 1 × 0.5) / 5 = 1 + 9 × 0.75 = 7.75.
    assert_eq!((ram.before.asset_value, ram.before.threat, ram.before.vulnerability), (7.75, 7.0, 7.75));
    // 7.75 × 7 × 7.75 = 420.4375 → 420.44, above 175: High.
    assert_eq!(ram.before.risk, 420.44);
    assert_eq!(ram.before.band, Band::High);
    // T × V = 54.25: above 45, not above 70 → likelihood 4; A = 7.75 → consequence 4.
    assert_eq!((ram.before.likelihood, ram.before.consequence, ram.before.level.as_str()), (4, 4, "high"));

    let knife = &s.scenarios[1];
    // V = 1 + 9 × (2 × 1 + 1 × 0.5) / 3 = 8.5; risk 7.75 × 5 × 8.5 = 329.375 → 329.38.
    assert_eq!((knife.before.asset_value, knife.before.threat, knife.before.vulnerability), (7.75, 5.0, 8.5));
    assert_eq!(knife.before.risk, 329.38);
    // T × V = 42.5 → likelihood 3.
    assert_eq!((knife.before.likelihood, knife.before.consequence, knife.before.level.as_str()), (3, 4, "high"));

    // No measures: after = before.
    assert_eq!(ram.after, ram.before);
    assert_eq!(s.overall.max_risk, 420.44);
    assert_eq!(s.overall.worst_scenario, "ram");
    assert_eq!(s.overall.mean_risk, 374.91);
    assert_eq!((s.overall.band, s.overall.high, s.overall.medium, s.overall.low), (Band::High, 2, 0, 0));
    assert_eq!(s.overall.level, "high");
    assert_eq!(s.residual, s.overall);
}

#[test]
fn drivers_are_the_risk_that_the_best_answer_would_remove() {
    let (m, c) = setup();
    let s = score(&m, &c, &answers(), &[]).unwrap_or_else(|e| panic!("{e}"));
    let named = |i: usize| -> Vec<(String, f64)> { s.scenarios[i].drivers.iter().map(|d| (d.question.clone(), d.contribution)).collect() };
    // Barriers at 0 instead of 1 (exposure 0.75 → 0) lowers V by 9 × 3/5 × 0.75 = 4.05:
    // 7.75 × 7 × 4.05 = 219.7125 → 219.71. Bag search: 9 × 1/5 × 1 = 1.8 → 97.65.
    // Training: 9 × 1/5 × 0.5 = 0.9 → 48.825 → 48.83.
    assert_eq!(
        named(0),
        [("measures.barriers".to_string(), 219.71), ("measures.bag-search".to_string(), 97.65), ("measures.training".to_string(), 48.83)]
    );
    // Knife: bag search 9 × 2/3 × 1 = 6 → 7.75 × 5 × 6 = 232.5; training 9 × 1/3 × 0.5 = 1.5 → 58.125 → 58.13.
    assert_eq!(named(1), [("measures.bag-search".to_string(), 232.5), ("measures.training".to_string(), 58.13)]);
}

#[test]
fn after_measures() {
    let (m, c) = setup();
    let measures = ["bollards".to_string(), "awareness".to_string()];
    let s = score(&m, &c, &answers(), &measures).unwrap_or_else(|e| panic!("{e}"));
    let ram = &s.scenarios[0];
    // V' = 1 + (7.75 - 1) × (1 - 0.6) × (1 - 0.1) = 1 + 6.75 × 0.36 = 3.43;
    // risk 7.75 × 7 × 3.43 = 186.0775 → 186.08, still High.
    assert_eq!((ram.after.vulnerability, ram.after.risk, ram.after.band), (3.43, 186.08, Band::High));
    // T × V' = 24.01 → likelihood 2.
    assert_eq!((ram.after.likelihood, ram.after.consequence, ram.after.level.as_str()), (2, 4, "medium"));
    assert_eq!(ram.measures, ["bollards", "awareness"]);
    let knife = &s.scenarios[1];
    // Only awareness acts on knives: V' = 1 + 7.5 × 0.9 = 7.75; 7.75 × 5 × 7.75 = 300.3125 → 300.31.
    assert_eq!((knife.after.vulnerability, knife.after.risk), (7.75, 300.31));
    assert_eq!(knife.measures, ["awareness"]);
    assert_eq!((s.residual.max_risk, s.residual.worst_scenario.as_str(), s.residual.band), (300.31, "knife", Band::High));
}

#[test]
fn suggestions() {
    let (m, c) = setup();
    let s = suggest(&m, &c, &answers());
    let got: Vec<(&str, Vec<String>, Band, f64)> = s.iter().map(|x| (x.measure.as_str(), x.scenarios.clone(), x.priority, x.risk_reduction)).collect();
    // Bollards alone: V' = 1 + 6.75 × 0.4 = 3.7, risk 200.725 → 200.73, 420.44 - 200.73 = 219.71.
    // Bag search alone on knives: V' = 1 + 7.5 × 0.5 = 4.75, risk 184.0625 → 184.06, 329.38 - 184.06 = 145.32.
    assert_eq!(got, [("bollards", vec!["ram".to_string()], Band::High, 219.71), ("bag-search", vec!["knife".to_string()], Band::High, 145.32)]);
    assert_eq!(s[1].triggers, [Trigger { question: "measures.bag-search".into(), answer: AnswerValue::Bool(false) }]);
}
