//! The worked example of docs/assessment-methodology.md, shared by the tests.
#![allow(dead_code)]

use rampart_assess::*;

pub const METHODOLOGY: &str = r#"
id = "worked-example"
version = "1"
title = "Worked example"

[scoring]
low_max = 60
medium_max = 175
drivers = 3

[scoring.matrix]
likelihood_bounds = [10, 25, 45, 70]
consequence_bounds = [2, 4, 6, 8]
levels = [{ id = "low", title = "Low" }, { id = "medium", title = "Medium" }, { id = "high", title = "High" }]
cells = [
  ["low",    "low",    "low",    "medium", "medium"],
  ["low",    "low",    "medium", "medium", "high"],
  ["low",    "medium", "medium", "high",   "high"],
  ["medium", "medium", "high",   "high",   "high"],
  ["medium", "high",   "high",   "high",   "high"],
]

[[factors]]
id = "asset-value"
title = "Asset value"
role = "asset-value"

[[factors]]
id = "threat"
title = "Threat"
role = "threat"

[[factors]]
id = "vulnerability"
title = "Vulnerability"
role = "vulnerability"

[[scenarios]]
id = "ram"
title = "Vehicle ramming"
threat = "vehicle-ramming"

[[scenarios]]
id = "knife"
title = "Knife attack"
threat = "bladed-weapon"

[[layers]]
id = "site"
title = "Site"

[[layers]]
id = "measures"
title = "Measures in place"

[scales.rating]
higher = "exposes"
min = 1
max = 10

[[questions]]
id = "site.occupancy"
layer = "site"
factor = "asset-value"
text = "How many people are there at the peak?"
higher = "exposes"
levels = ["0 - under 100", "1 - 100 to 999", "2 - 1,000 to 4,999", "3 - 5,000 to 19,999", "4 - 20,000 or more"]
bears_on = { "*" = 1 }

[[questions]]
id = "threat.ram"
layer = "site"
factor = "threat"
text = "How likely is a vehicle-ramming attack (1-10)?"
scale = "rating"
bears_on = { ram = 1 }

[[questions]]
id = "threat.knife"
layer = "site"
factor = "threat"
text = "How likely is a knife attack (1-10)?"
scale = "rating"
bears_on = { knife = 1 }

[[questions]]
id = "measures.barriers"
layer = "measures"
factor = "vulnerability"
text = "What stops a hostile vehicle on the approaches?"
higher = "protects"
levels = ["0 - nothing", "1 - street furniture", "2 - some barriers", "3 - rated barriers, gaps", "4 - rated barriers everywhere"]
bears_on = { ram = 3 }

[[questions]]
id = "measures.bag-search"
layer = "measures"
factor = "vulnerability"
text = "Are bags searched at every entrance?"
yes = "protects"
bears_on = { ram = 1, knife = 2 }

[[questions]]
id = "measures.training"
layer = "measures"
factor = "vulnerability"
text = "How many staff are trained in attack response?"
choices = [
  { key = "none", label = "None", exposure = 1.0 },
  { key = "some", label = "Some", exposure = 0.5 },
  { key = "all", label = "All", exposure = 0.0 },
]
bears_on = { "*" = 1 }

[[suggestions]]
question = "measures.barriers"
at_most = 2
measures = ["bollards"]

[[suggestions]]
question = "measures.bag-search"
is = false
measures = ["bag-search"]
"#;

pub const CATALOGUE: &str = r#"
version = "1"

[[measures]]
id = "bollards"
title = "Rated bollards"
family = "physical-protection"
cost = "high"
lead_time = "months"
effects = { vehicle-ramming = 0.6 }

[[measures]]
id = "bag-search"
title = "Bag search"
family = "physical-protection"
cost = "medium"
lead_time = "weeks"
effects = { bladed-weapon = 0.5 }

[[measures]]
id = "awareness"
title = "Awareness training"
family = "awareness-training"
cost = "low"
lead_time = "weeks"
effects = { vehicle-ramming = 0.1, bladed-weapon = 0.1 }
"#;

pub fn answers() -> Answers {
    [
        ("site.occupancy", AnswerValue::Number(3.0)),
        ("threat.ram", AnswerValue::Number(7.0)),
        ("threat.knife", AnswerValue::Number(5.0)),
        ("measures.barriers", AnswerValue::Number(1.0)),
        ("measures.bag-search", AnswerValue::Bool(false)),
        ("measures.training", AnswerValue::Choice("some".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

pub fn setup() -> (Methodology, Catalogue) {
    let m = Methodology::from_toml("worked-example.toml", METHODOLOGY).unwrap_or_else(|e| panic!("{e}"));
    let c = Catalogue::from_toml("worked-catalogue.toml", CATALOGUE).unwrap_or_else(|e| panic!("{e}"));
    m.check_catalogue("worked-example.toml", &c).unwrap_or_else(|e| panic!("{e}"));
    (m, c)
}

