//! The shipped methodologies and catalogue: they parse, and they meet the counts the
//! product asks for.

use rampart_assess::*;
use std::collections::BTreeSet;

fn parsed() -> (Vec<Methodology>, Catalogue) {
    let methodologies = SHIPPED_METHODOLOGY_FILES
        .iter()
        .map(|(name, text)| Methodology::from_toml(name, text).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let (name, text) = SHIPPED_CATALOGUE_FILE;
    (methodologies, Catalogue::from_toml(name, text).unwrap_or_else(|e| panic!("{e}")))
}

#[test]
fn shipped_files_parse_and_link_to_the_catalogue() {
    let (methodologies, catalogue) = parsed();
    let ids: Vec<&str> = methodologies.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["eu-public-spaces", "carver-shock"]);
    assert_eq!(shipped_methodologies().len(), 2);
    assert_eq!(shipped_catalogue(), catalogue);
    for (m, (name, _)) in methodologies.iter().zip(SHIPPED_METHODOLOGY_FILES) {
        m.check_catalogue(name, &catalogue).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn public_spaces() -> Methodology {
    shipped_methodology("eu-public-spaces").unwrap_or_else(|| panic!("eu-public-spaces is not shipped"))
}

#[test]
fn public_spaces_has_the_ten_threat_scenarios() {
    let m = public_spaces();
    assert!(m.scenarios.len() >= 10);
    let threats: BTreeSet<&str> = m.scenarios.iter().map(|s| s.threat.key()).collect();
    for t in ["vehicle-ramming", "pbied", "vbied", "armed-attack", "bladed-weapon", "cbrn", "drone", "insider", "arson", "cyber-physical"] {
        assert!(threats.contains(t), "no scenario for {t}");
    }
}

#[test]
fn public_spaces_asks_eighty_questions_across_the_twelve_layers() {
    let m = public_spaces();
    let named = [
        "Perimeter and vehicle approach",
        "Access control",
        "Surveillance and detection",
        "Building envelope",
        "Crowd management",
        "Staff awareness and training",
        "Emergency planning",
        "Communications",
        "Insider risk",
        "Drones",
        "CBRN preparedness",
        "Cyber-physical",
    ];
    let mut in_named = 0;
    for title in named {
        let layer = m.layers.iter().find(|l| l.title == title).unwrap_or_else(|| panic!("no layer {title:?}"));
        let n = m.questions.iter().filter(|q| q.layer == layer.id).count();
        assert!(n >= 5, "{title}: {n} questions");
        in_named += n;
    }
    assert!(in_named >= 80, "{in_named} questions in the twelve layers");
    // Risk = asset value × threat × vulnerability on 1-10 scales; bins Low ≤ 60 < Medium ≤ 175 < High.
    assert_eq!((m.scoring.low_max, m.scoring.medium_max), (60.0, 175.0));
    assert_eq!((m.scoring.matrix.cells.len(), m.scoring.matrix.cells.iter().all(|r| r.len() == 5)), (5, true));
}

#[test]
fn every_question_bears_on_a_scenario_and_every_scenario_is_asked_about() {
    for m in shipped_methodologies() {
        for q in &m.questions {
            assert!(!q.bears_on.is_empty(), "{}: {} bears on nothing", m.id, q.id);
            assert!(!q.text.trim().is_empty());
            if let AnswerSpec::Scale { min, max, labels, .. } = &q.answer {
                // Every value of every scale is described.
                for v in *min..=*max {
                    assert!(labels.iter().any(|l| l.from <= v && v <= l.to), "{}: {} value {v} has no description", m.id, q.id);
                }
            }
        }
        for s in &m.scenarios {
            for role in Role::ALL {
                let n = m.questions.iter().filter(|q| q.bears_on.contains_key(&s.id) && m.factors.iter().any(|f| f.id == q.factor && f.role == role)).count();
                assert!(n >= 1, "{}: {} has no {} question", m.id, s.id, role.key());
            }
            let vulnerability = m.questions.iter().filter(|q| q.bears_on.contains_key(&s.id) && q.factor == "vulnerability").count();
            if m.id == "eu-public-spaces" {
                assert!(vulnerability >= 8, "{}: only {vulnerability} vulnerability questions", s.id);
            }
        }
    }
}

#[test]
fn carver_shock_rates_every_node_on_the_seven_criteria() {
    let m = shipped_methodology("carver-shock").unwrap_or_else(|| panic!("carver-shock is not shipped"));
    let criteria = ["criticality", "accessibility", "recuperability", "vulnerability", "effect", "recognizability", "shock"];
    let ids: Vec<&str> = m.factors.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, criteria);
    for s in &m.scenarios {
        for c in criteria {
            let q = m.question(&format!("carver.{}.{c}", s.id)).unwrap_or_else(|| panic!("{} not rated on {c}", s.id));
            assert!(matches!(q.answer, AnswerSpec::Scale { min: 1, max: 10, higher: Direction::Exposes, .. }));
        }
    }
    assert!(m.scenarios.iter().any(|s| s.threat == ThreatType::Contamination));
}

#[test]
fn the_catalogue_has_sixty_measures_in_all_four_families() {
    let c = shipped_catalogue();
    assert!(c.measures.len() >= 60, "{}", c.measures.len());
    for family in Family::ALL {
        let n = c.measures.iter().filter(|m| m.family == family).count();
        assert!(n >= 8, "{family:?}: {n}");
    }
    // Every threat type of the shipped scenarios has measures against it.
    for m in shipped_methodologies() {
        for s in &m.scenarios {
            let n = c.measures.iter().filter(|x| x.effects.contains_key(&s.threat)).count();
            assert!(n >= 3, "{}: {n} measures", s.threat.key());
        }
    }
}

#[test]
fn every_suggestion_rule_points_to_a_question_and_to_measures_that_act_on_its_scenarios() {
    let c = shipped_catalogue();
    for m in shipped_methodologies() {
        for rule in &m.suggestions {
            let q = m.question(&rule.question).unwrap_or_else(|| panic!("{}: rule on unknown {}", m.id, rule.question));
            for id in &rule.measures {
                let measure = c.measure(id).unwrap_or_else(|| panic!("{}: rule on {} names unknown measure {id}", m.id, q.id));
                let acts = m.scenarios.iter().any(|s| q.bears_on.contains_key(&s.id) && measure.effects.contains_key(&s.threat));
                assert!(acts, "{}: {id} acts on none of the scenarios {} bears on", m.id, q.id);
            }
        }
        // Every vulnerability question of the public-spaces methodology that has a protective direction leads somewhere.
        if m.id == "eu-public-spaces" {
            let ruled: BTreeSet<&str> = m.suggestions.iter().map(|r| r.question.as_str()).collect();
            let unruled: Vec<&str> = m
                .questions
                .iter()
                .filter(|q| q.factor == "vulnerability" && matches!(q.answer, AnswerSpec::Scale { higher: Direction::Protects, .. }) && !ruled.contains(q.id.as_str()))
                .map(|q| q.id.as_str())
                .collect();
            assert!(unruled.is_empty(), "{unruled:?}");
        }
    }
}

/// A survey file: tables by the first part of the question id.
fn survey(text: &str) -> Answers {
    fn walk(prefix: &str, value: &toml::Value, out: &mut Answers) {
        match value {
            toml::Value::Table(t) => {
                for (k, v) in t {
                    walk(&if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, v, out);
                }
            }
            toml::Value::Integer(i) => {
                out.insert(prefix.to_string(), AnswerValue::Number(*i as f64));
            }
            toml::Value::Boolean(b) => {
                out.insert(prefix.to_string(), AnswerValue::Bool(*b));
            }
            toml::Value::String(s) => {
                out.insert(prefix.to_string(), AnswerValue::Choice(s.clone()));
            }
            other => panic!("{prefix}: {other}"),
        }
    }
    let mut out = Answers::new();
    walk("", &toml::Value::Table(text.parse().unwrap_or_else(|e| panic!("{e}"))), &mut out);
    out
}

#[test]
fn the_example_surveys_are_complete_and_score() {
    let c = shipped_catalogue();
    for (id, text) in [("eu-public-spaces", include_str!("../surveys/shopping-centre.toml")), ("carver-shock", include_str!("../surveys/dairy-plant.toml"))] {
        let m = shipped_methodology(id).unwrap_or_else(|| panic!("{id}"));
        let answers = survey(text);
        assert_eq!(answers.len(), m.questions.len(), "{id}");
        let suggested: Vec<String> = suggest(&m, &c, &answers).into_iter().map(|s| s.measure).collect();
        assert!(!suggested.is_empty(), "{id}");
        let plain = score(&m, &c, &answers, &suggested).unwrap_or_else(|e| panic!("{id}: {e}"));
        let scorer = Scorer::new(&m, &c);
        assert_eq!(scorer.score(&answers, &suggested).ok(), Some(plain.clone()));
        assert_eq!(scorer.suggest(&answers), suggest(&m, &c, &answers));
        // Taking every suggested measure lowers the overall risk.
        assert!(plain.residual.max_risk < plain.overall.max_risk, "{id}: {:?} → {:?}", plain.overall, plain.residual);
        for s in &plain.scenarios {
            assert!(s.after.vulnerability >= 1.0 && s.after.risk <= s.before.risk);
            assert_eq!(s.factors.len(), m.factors.len(), "{id}: {}", s.scenario);
        }
    }
}
