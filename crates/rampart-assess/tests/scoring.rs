//! Scoring: answers checked against their scales, incomplete surveys refused, measures
//! lower risk but never below the floor, the same inputs give the same scores.

use proptest::prelude::*;
use rampart_assess::*;

mod common;
use common::{answers, setup};

#[test]
fn answers_are_checked_against_their_question() {
    let (m, _) = setup();
    assert_eq!(m.check_answer("measures.barriers", &AnswerValue::Number(4.0)), Ok(()));
    assert_eq!(m.check_answer("measures.training", &AnswerValue::Choice("all".into())), Ok(()));
    assert_eq!(m.check_answer("measures.bag-search", &AnswerValue::Bool(true)), Ok(()));
    let out = |q: &str, v: AnswerValue| m.check_answer(q, &v).map_err(|e| e.to_string());
    assert_eq!(out("measures.barriers", AnswerValue::Number(5.0)), Err("measures.barriers: 5 is outside its scale: expected a whole number from 0 to 4".into()));
    assert_eq!(out("measures.barriers", AnswerValue::Number(2.5)), Err("measures.barriers: 2.5 is outside its scale: expected a whole number from 0 to 4".into()));
    assert_eq!(out("threat.ram", AnswerValue::Number(0.0)), Err("threat.ram: 0 is outside its scale: expected a whole number from 1 to 10".into()));
    assert_eq!(out("measures.barriers", AnswerValue::Choice("some".into())), Err("measures.barriers: \"some\" is outside its scale: expected a whole number from 0 to 4".into()));
    assert_eq!(
        out("measures.training", AnswerValue::Choice("most".into())),
        Err("measures.training: \"most\" is outside its scale: expected one of \"none\", \"some\", \"all\"".into())
    );
    assert_eq!(out("measures.bag-search", AnswerValue::Number(1.0)), Err("measures.bag-search: 1 is outside its scale: expected true or false".into()));
    assert_eq!(out("measures.fence", AnswerValue::Bool(true)), Err("measures.fence: no such question in this methodology".into()));
}

#[test]
fn answers_parse_from_json_by_shape() {
    let a: Answers = serde_json::from_str(r#"{"a": 3, "b": "some", "c": false, "d": 2.5}"#).unwrap_or_default();
    assert_eq!(a.get("a"), Some(&AnswerValue::Number(3.0)));
    assert_eq!(a.get("b"), Some(&AnswerValue::Choice("some".into())));
    assert_eq!(a.get("c"), Some(&AnswerValue::Bool(false)));
    assert_eq!(a.get("d"), Some(&AnswerValue::Number(2.5)));
}

#[test]
fn bad_answers_unknown_measures_and_incomplete_surveys_are_refused() {
    let (m, c) = setup();
    let mut bad = answers();
    bad.insert("measures.barriers".into(), AnswerValue::Number(7.0));
    bad.insert("measures.fence".into(), AnswerValue::Bool(true));
    let err = score(&m, &c, &bad, &[]).err();
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("measures.barriers: 7 is outside its scale: expected a whole number from 0 to 4; measures.fence: no such question in this methodology")
    );

    let err = score(&m, &c, &answers(), &["bollards".into(), "moat".into()]).err();
    assert_eq!(err, Some(ScoreError::UnknownMeasures { measures: vec!["moat".into()] }));

    let mut partial = answers();
    partial.remove("threat.knife");
    partial.remove("measures.training");
    let err = score(&m, &c, &partial, &[]).err();
    assert_eq!(err, Some(ScoreError::Incomplete { missing: vec!["threat.knife".into(), "measures.training".into()] }));
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some("the survey is incomplete: 2 question(s) unanswered: threat.knife, measures.training")
    );
}

#[test]
fn suggestions_work_on_a_partial_survey() {
    let (m, c) = setup();
    let mut partial = answers();
    partial.remove("threat.ram");
    partial.insert("measures.unknown".into(), AnswerValue::Bool(true));
    let s = suggest(&m, &c, &partial);
    let ids: Vec<&str> = s.iter().map(|x| x.measure.as_str()).collect();
    // threat.ram unanswered counts as half exposed: T = 5.5, ram risk 7.75 × 5.5 × 7.75 = 330.34;
    // bollards alone: 7.75 × 5.5 × 3.7 = 157.71; reduction 172.63, still above bag search.
    assert_eq!(ids, ["bollards", "bag-search"]);
    assert_eq!(s[0].risk_reduction, 172.63);
}

#[test]
fn measures_never_take_vulnerability_below_one() {
    let (m, c) = setup();
    let worst: Answers = [
        ("site.occupancy", AnswerValue::Number(4.0)),
        ("threat.ram", AnswerValue::Number(10.0)),
        ("threat.knife", AnswerValue::Number(10.0)),
        ("measures.barriers", AnswerValue::Number(0.0)),
        ("measures.bag-search", AnswerValue::Bool(false)),
        ("measures.training", AnswerValue::Choice("none".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let all: Vec<String> = c.measures.iter().map(|x| x.id.clone()).collect();
    let s = score(&m, &c, &worst, &all).unwrap_or_else(|e| panic!("{e}"));
    let ram = &s.scenarios[0];
    assert_eq!((ram.before.asset_value, ram.before.threat, ram.before.vulnerability, ram.before.risk), (10.0, 10.0, 10.0, 1000.0));
    // 1 + 9 × 0.4 × 0.9 = 4.24.
    assert_eq!(ram.after.vulnerability, 4.24);

    // A catalogue of many strong measures: vulnerability approaches 1 and stays there.
    let mut strong = String::from("version = \"1\"\n");
    for i in 0..40 {
        strong.push_str(&format!(
            "[[measures]]\nid = \"m{i}\"\ntitle = \"M{i}\"\nfamily = \"cooperation\"\ncost = \"low\"\nlead_time = \"days\"\neffects = {{ vehicle-ramming = 0.9, bladed-weapon = 0.9 }}\n"
        ));
    }
    let strong = Catalogue::from_toml("strong.toml", &strong).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<String> = strong.measures.iter().map(|x| x.id.clone()).collect();
    let s = score(&m, &strong, &worst, &ids).unwrap_or_else(|e| panic!("{e}"));
    for sc in &s.scenarios {
        assert_eq!(sc.after.vulnerability, 1.0, "{}", sc.scenario);
        assert_eq!(sc.after.risk, 100.0, "{}", sc.scenario);
        assert!(sc.after.risk < sc.before.risk);
    }
}

#[test]
fn the_same_inputs_give_the_same_scores() {
    let m = shipped_methodology("eu-public-spaces").unwrap_or_else(|| panic!("shipped"));
    let c = shipped_catalogue();
    let text = include_str!("../surveys/shopping-centre.toml");
    let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}"));
    let mut answers = Answers::new();
    for (layer, questions) in table {
        for (q, v) in questions.as_table().cloned().unwrap_or_default() {
            let v = match v {
                toml::Value::Integer(i) => AnswerValue::Number(i as f64),
                toml::Value::Boolean(b) => AnswerValue::Bool(b),
                toml::Value::String(s) => AnswerValue::Choice(s),
                other => panic!("{other}"),
            };
            answers.insert(format!("{layer}.{q}"), v);
        }
    }
    let measures = vec!["hvm-certified-barriers".to_string(), "entry-search".to_string()];
    let first = score(&m, &c, &answers, &measures).unwrap_or_else(|e| panic!("{e}"));
    let again = score(&m, &c, &answers, &measures).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(serde_json::to_string(&first).ok(), serde_json::to_string(&again).ok());
    // A fresh parse of the same file scores the same, bit for bit.
    let reparsed = Methodology::from_toml("x", SHIPPED_METHODOLOGY_FILES[0].1).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(score(&reparsed, &c, &answers, &measures).ok(), Some(first.clone()));
    // Scores survive a JSON round trip (the API and the store keep them as JSON).
    let json = serde_json::to_string(&first).unwrap_or_default();
    assert_eq!(serde_json::from_str::<Scores>(&json).ok(), Some(first.clone()));
    // Measures only ever lower risk.
    for s in &first.scenarios {
        assert!(s.after.risk <= s.before.risk, "{}", s.scenario);
    }
    let ram = &first.scenarios[0];
    assert!(ram.after.risk < ram.before.risk && ram.measures == ["hvm-certified-barriers"], "{ram:?}");
}

/// The shipped public-spaces methodology with a random completed survey and, per
/// vulnerability question, whether to make its answer more protective.
fn survey_and_improvements() -> impl Strategy<Value = (Answers, Answers)> {
    let m = shipped_methodology("eu-public-spaces").unwrap_or_else(|| panic!("shipped"));
    let n = m.questions.len();
    (proptest::collection::vec(0u32..1000, n), proptest::collection::vec(0u32..1000, n), proptest::collection::vec(any::<bool>(), n)).prop_map(
        move |(draw, better, change)| {
            let mut before = Answers::new();
            let mut after = Answers::new();
            for (i, q) in m.questions.iter().enumerate() {
                let (value, improved) = match &q.answer {
                    AnswerSpec::Scale { min, max, higher, .. } => {
                        let span = (max - min + 1) as u32;
                        let v = min + (draw[i] % span) as i64;
                        // More protective: towards max where higher protects, towards min otherwise.
                        let w = match higher {
                            Direction::Protects => v + (better[i] % ((max - v + 1) as u32)) as i64,
                            Direction::Exposes => v - (better[i] % ((v - min + 1) as u32)) as i64,
                        };
                        (AnswerValue::Number(v as f64), AnswerValue::Number(w as f64))
                    }
                    AnswerSpec::YesNo { yes } => {
                        let v = draw[i] % 2 == 0;
                        let protective = *yes == Direction::Protects;
                        (AnswerValue::Bool(v), AnswerValue::Bool(if better[i] % 2 == 0 { protective } else { v }))
                    }
                    AnswerSpec::Choice { options } => {
                        let o = &options[draw[i] as usize % options.len()];
                        let lower: Vec<_> = options.iter().filter(|p| p.exposure <= o.exposure).collect();
                        let p = lower[better[i] as usize % lower.len()];
                        (AnswerValue::Choice(o.key.clone()), AnswerValue::Choice(p.key.clone()))
                    }
                };
                let is_vulnerability = q.factor == "vulnerability";
                before.insert(q.id.clone(), value.clone());
                after.insert(q.id.clone(), if is_vulnerability && change[i] { improved } else { value });
            }
            (before, after)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    /// More protective answers never raise any scenario's risk, before or after measures.
    #[test]
    fn more_protective_answers_never_raise_risk((before, after) in survey_and_improvements(), k in 0usize..88) {
        let m = shipped_methodology("eu-public-spaces").unwrap_or_else(|| panic!("shipped"));
        let c = shipped_catalogue();
        let measures = vec![c.measures[k % c.measures.len()].id.clone()];
        let a = score(&m, &c, &before, &measures).unwrap_or_else(|e| panic!("{e}"));
        let b = score(&m, &c, &after, &measures).unwrap_or_else(|e| panic!("{e}"));
        for (x, y) in a.scenarios.iter().zip(&b.scenarios) {
            prop_assert!(y.before.vulnerability <= x.before.vulnerability, "{}", x.scenario);
            prop_assert!(y.before.risk <= x.before.risk, "{}: {} > {}", x.scenario, y.before.risk, x.before.risk);
            prop_assert!(y.after.risk <= x.after.risk, "{}", x.scenario);
            prop_assert!(x.after.risk <= x.before.risk && x.after.vulnerability >= 1.0);
        }
    }
}
