//! Broken methodology and catalogue files: every problem names the file, the line and
//! the key, and says what was expected.

use rampart_assess::*;

/// A small valid methodology; the tests break it one line at a time.
const GOOD: &str = r#"id = "small"
version = "1"
title = "Small"

[scoring]
low_max = 60
medium_max = 175

[scoring.matrix]
likelihood_bounds = [10, 25, 45, 70]
consequence_bounds = [2, 4, 6, 8]
levels = [{ id = "low", title = "Low" }, { id = "high", title = "High" }]
cells = [
  ["low", "low", "low", "low", "high"],
  ["low", "low", "low", "high", "high"],
  ["low", "low", "high", "high", "high"],
  ["low", "high", "high", "high", "high"],
  ["high", "high", "high", "high", "high"],
]

[[factors]]
id = "a"
title = "Asset value"
role = "asset-value"

[[factors]]
id = "t"
title = "Threat"
role = "threat"

[[factors]]
id = "v"
title = "Vulnerability"
role = "vulnerability"

[[scenarios]]
id = "ram"
title = "Vehicle ramming"
threat = "vehicle-ramming"

[[layers]]
id = "site"
title = "Site"

[[questions]]
id = "site.people"
layer = "site"
factor = "a"
text = "How many people?"
higher = "exposes"
levels = ["0 - few", "1 - many"]
bears_on = { "*" = 1 }

[[questions]]
id = "site.threat"
layer = "site"
factor = "t"
text = "Threat?"
higher = "exposes"
levels = ["0 - low", "1 - high"]
bears_on = { ram = 1 }

[[questions]]
id = "site.barriers"
layer = "site"
factor = "v"
text = "Barriers?"
yes = "protects"
bears_on = { ram = 2 }

[[suggestions]]
question = "site.barriers"
is = false
measures = ["bollards"]
"#;

fn problems(text: &str) -> Vec<String> {
    match Methodology::from_toml("small.toml", text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
    }
}

fn broken(from: &str, to: &str) -> Vec<String> {
    assert!(GOOD.contains(from), "{from}");
    problems(&GOOD.replacen(from, to, 1))
}

#[test]
fn the_small_file_is_valid() {
    let m = Methodology::from_toml("small.toml", GOOD).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((m.scenarios.len(), m.questions.len(), m.suggestions.len()), (1, 3, 1));
    assert_eq!(m.questions[0].bears_on.get("ram"), Some(&1.0));
}

#[test]
fn references_that_do_not_resolve() {
    assert_eq!(
        broken("layer = \"site\"\nfactor = \"t\"", "layer = \"sitte\"\nfactor = \"t\""),
        ["small.toml:56: questions[1].layer: unknown layer \"sitte\": expected one of the ids under [[layers]]"]
    );
    assert_eq!(broken("factor = \"v\"", "factor = \"vv\""), ["small.toml:66: questions[2].factor: unknown factor \"vv\": expected one of a, t, v"]);
    assert_eq!(
        broken("bears_on = { ram = 2 }", "bears_on = { rma = 2 }"),
        [
            "small.toml:69: questions[2].bears_on.rma: unknown scenario \"rma\": expected a scenario id or \"*\"",
            // The scenario is now asked about by nobody for vulnerability.
        ]
    );
    assert_eq!(broken("question = \"site.barriers\"", "question = \"site.barrier\""), ["small.toml:72: suggestions[0].question: unknown question \"site.barrier\""]);
    assert_eq!(
        broken("threat = \"vehicle-ramming\"", "threat = \"ramming\""),
        ["small.toml:39: scenarios[0].threat: unknown threat type \"ramming\": expected one of vehicle-ramming, pbied, vbied, armed-attack, bladed-weapon, cbrn, drone, insider, arson, cyber-physical, contamination, sabotage"]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = GOOD.replacen("layer = \"site\"\nfactor = \"a\"", "layer = \"nowhere\"\nfactor = \"a\"", 1).replacen("bears_on = { ram = 2 }", "bears_on = { ram = -2 }", 1);
    assert_eq!(
        problems(&text),
        [
            "small.toml:47: questions[0].layer: unknown layer \"nowhere\": expected one of the ids under [[layers]]",
            "small.toml:69: questions[2].bears_on.ram: -2 is not a positive weight",
        ]
    );
}

#[test]
fn a_scenario_nobody_asks_about() {
    let text = GOOD.replacen("[[layers]]", "[[scenarios]]\nid = \"knife\"\ntitle = \"Knife\"\nthreat = \"bladed-weapon\"\n\n[[layers]]", 1);
    let p = problems(&text);
    assert_eq!(
        p,
        [
            "small.toml:42: scenarios[1]: no question bears on scenario \"knife\" for threat: expected at least one",
            "small.toml:42: scenarios[1]: no question bears on scenario \"knife\" for vulnerability: expected at least one",
        ]
    );
}

#[test]
fn types_syntax_and_unknown_keys() {
    assert_eq!(broken("low_max = 60", "low_max = \"sixty\""), ["small.toml:6: scoring.low_max: invalid type: string \"sixty\", expected f64"]);
    assert_eq!(
        broken("text = \"Threat?\"", "txt = \"Threat?\""),
        ["small.toml:58: questions[1].txt: unknown field `txt`, expected one of `id`, `layer`, `factor`, `text`, `guidance`, `scale`, `levels`, `higher`, `yes`, `choices`, `bears_on`"]
    );
    assert_eq!(broken("[scoring.matrix]", "[scoring.matrix"), ["small.toml:9: (file): invalid table header; expected `.`, `]`"]);
    assert_eq!(broken("id = \"site.barriers\"\n", ""), ["small.toml:63: questions[2]: missing field `id`"]);
    assert_eq!(broken("role = \"threat\"", "role = \"danger\""), ["small.toml:29: factors[1].role: unknown variant `danger`, expected one of `asset-value`, `threat`, `vulnerability`"]);
}

#[test]
fn scales_conditions_and_the_matrix() {
    assert_eq!(
        broken("is = false", "at_most = 1"),
        ["small.toml:72: suggestions[0]: the condition does not fit question \"site.barriers\": expected true or false"]
    );
    assert_eq!(
        broken("yes = \"protects\"", "yes = \"protects\"\nscale = \"provision\""),
        ["small.toml:64: questions[2]: expected exactly one way to answer: `scale` (a named scale), `levels` with `higher`, `yes`, or `choices`"]
    );
    assert_eq!(
        broken("higher = \"exposes\"\nlevels = [\"0 - low\", \"1 - high\"]", "levels = [\"0 - low\", \"1 - high\"]"),
        ["small.toml:59: questions[1].higher: inline `levels` need `higher = \"protects\"` or `higher = \"exposes\"`"]
    );
    assert_eq!(
        broken("[\"high\", \"high\", \"high\", \"high\", \"high\"],", "[\"high\", \"high\", \"high\", \"high\", \"severe\"],"),
        ["small.toml:18: scoring.matrix.cells[4][4]: unknown level \"severe\": expected one of scoring.matrix.levels"]
    );
    assert_eq!(
        broken("likelihood_bounds = [10, 25, 45, 70]", "likelihood_bounds = [10, 45, 25, 70]"),
        ["small.toml:10: scoring.matrix.likelihood_bounds: expected four increasing upper bounds from 1 to below 100"]
    );
    assert_eq!(broken("medium_max = 175", "medium_max = 50"), ["small.toml:6: scoring.low_max: expected 1 ≤ low_max < medium_max < 1000, found 60 and 50"]);
}

#[test]
fn suggestion_rules_are_checked_against_a_catalogue() {
    let m = Methodology::from_toml("small.toml", GOOD).unwrap_or_else(|e| panic!("{e}"));
    let c = Catalogue::from_toml("c.toml", "version = \"1\"\n[[measures]]\nid = \"bag-search\"\ntitle = \"Bag search\"\nfamily = \"physical-protection\"\ncost = \"low\"\nlead_time = \"days\"\neffects = { pbied = 0.3 }\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let e = m.check_catalogue("small.toml", &c).err().map(|e| e.to_string());
    assert_eq!(e.as_deref(), Some("small.toml:72: suggestions[0].measures[0]: unknown measure \"bollards\": not in the catalogue"));
}

#[test]
fn broken_catalogues() {
    let good = "version = \"1\"\n\n[[measures]]\nid = \"bollards\"\ntitle = \"Bollards\"\nfamily = \"physical-protection\"\ncost = \"high\"\nlead_time = \"months\"\neffects = { vehicle-ramming = 0.6 }\n";
    assert!(Catalogue::from_toml("c.toml", good).is_ok());
    let err = |from: &str, to: &str| Catalogue::from_toml("c.toml", &good.replacen(from, to, 1)).err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(err("vehicle-ramming = 0.6", "vehicle-ramming = 1.5"), "c.toml:9: measures[0].effects.vehicle-ramming: 1.5 is outside 0 < share ≤ 0.9");
    assert_eq!(
        err("vehicle-ramming = 0.6", "ramming = 0.6"),
        "c.toml:9: measures[0].effects.ramming: unknown threat type \"ramming\": expected one of vehicle-ramming, pbied, vbied, armed-attack, bladed-weapon, cbrn, drone, insider, arson, cyber-physical, contamination, sabotage"
    );
    assert_eq!(
        err("family = \"physical-protection\"", "family = \"physical\""),
        "c.toml:6: measures[0].family: unknown variant `physical`, expected one of `assessment-planning`, `awareness-training`, `physical-protection`, `cooperation`"
    );
    assert_eq!(err("cost = \"high\"", "cost = 3"), "c.toml:7: measures[0].cost: wanted string or table");
    let twice = format!("{good}\n[[measures]]\nid = \"bollards\"\ntitle = \"Again\"\nfamily = \"cooperation\"\ncost = \"low\"\nlead_time = \"days\"\neffects = {{ drone = 0.1 }}\n");
    assert_eq!(Catalogue::from_toml("c.toml", &twice).err().map(|e| e.to_string()).unwrap_or_default(), "c.toml:12: measures[1].id: \"bollards\" is defined twice");
}
