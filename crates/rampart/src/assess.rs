//! `rampart assess …`: vulnerability assessment with a common methodology
//! (rampart_assess; docs/assessment-methodology.md). `methodology` and `score` work on
//! files only, no database.

use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use rampart_assess::{AnswerValue, Answers, Catalogue, Methodology, Scores};
use rampart_store::Store;
use std::future::Future;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum AssessCommand {
    /// Methodologies: list the shipped ones, print one as TOML, check a methodology or catalogue file.
    Methodology {
        #[command(subcommand)]
        command: MethodologyCommand,
    },
    /// Score a completed survey from files: risk per scenario before and after measures.
    Score(ScoreArgs),
    /// Assessments in the database (create, plan, answer, run-score, findings, review, issue, report).
    #[command(flatten)]
    Db(crate::assess_db::AssessDbCommand),
}

#[derive(Subcommand)]
pub enum MethodologyCommand {
    /// The shipped methodologies and catalogue, with their counts.
    List,
    /// Print a shipped methodology (or `measures` for the catalogue) as TOML, to start your own from.
    Show { id: String },
    /// Check a methodology or catalogue file (TOML): print its counts, or every problem with file, line and key (exit code 1).
    Check {
        file: PathBuf,
        /// The catalogue a methodology's suggestion rules are checked against (default: the shipped one).
        #[arg(long)]
        catalogue: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
pub struct ScoreArgs {
    /// A shipped methodology id (see `rampart assess methodology list`) or a methodology file.
    #[arg(long)]
    pub methodology: String,
    /// The answers: a JSON object or TOML table of question id → answer (a number on the scale, a choice key, or true/false).
    #[arg(long)]
    pub answers: PathBuf,
    /// Measures (catalogue ids, comma-separated or repeated) to score the residual risk with.
    #[arg(long = "measures", value_delimiter = ',')]
    pub measures: Vec<String>,
    /// A catalogue file instead of the shipped one.
    #[arg(long)]
    pub catalogue: Option<PathBuf>,
    /// Print the scores as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Runs an assess command; `store` is opened only by commands that need the database.
pub async fn run(command: AssessCommand, store: impl Future<Output = Result<Store>>) -> Result<()> {
    match command {
        AssessCommand::Methodology { command } => methodology(command),
        AssessCommand::Score(args) => score(&args),
        AssessCommand::Db(command) => crate::assess_db::run(store.await?, command).await,
    }
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

fn counts(m: &Methodology) -> String {
    format!(
        "{} scenarios, {} layers, {} questions, {} factors, {} suggestion rules",
        m.scenarios.len(),
        m.layers.len(),
        m.questions.len(),
        m.factors.len(),
        m.suggestions.len()
    )
}

fn catalogue_counts(c: &Catalogue) -> String {
    let families: Vec<String> =
        rampart_assess::Family::ALL.iter().map(|f| format!("{} {}", c.measures.iter().filter(|m| m.family == *f).count(), f.key())).collect();
    format!("{} measures ({})", c.measures.len(), families.join(", "))
}

fn catalogue(path: Option<&Path>) -> Result<Catalogue> {
    match path {
        Some(p) => Catalogue::from_toml(&p.display().to_string(), &read(p)?).map_err(|e| anyhow!("{e}")),
        None => Ok(rampart_assess::shipped_catalogue()),
    }
}

fn methodology(command: MethodologyCommand) -> Result<()> {
    match command {
        MethodologyCommand::List => {
            println!("{:<18} {:<8} {:<72} TITLE", "ID", "VERSION", "CONTENT");
            for m in rampart_assess::shipped_methodologies() {
                println!("{:<18} {:<8} {:<72} {}", m.id, m.version, counts(&m), m.title);
            }
            let c = rampart_assess::shipped_catalogue();
            println!("{:<18} {:<8} {:<72} Catalogue of measures", "measures", c.version, catalogue_counts(&c));
            Ok(())
        }
        MethodologyCommand::Show { id } => {
            if id == "measures" {
                print!("{}", rampart_assess::SHIPPED_CATALOGUE_FILE.1);
                return Ok(());
            }
            for (_, text) in rampart_assess::SHIPPED_METHODOLOGY_FILES {
                if Methodology::from_toml("", text).is_ok_and(|m| m.id == id) {
                    print!("{text}");
                    return Ok(());
                }
            }
            bail!("no shipped methodology {id:?}: see `rampart assess methodology list`")
        }
        MethodologyCommand::Check { file, catalogue: catalogue_file } => {
            let text = read(&file)?;
            let source = file.display().to_string();
            let is_catalogue = text.parse::<toml::Table>().is_ok_and(|t| t.contains_key("measures") && !t.contains_key("questions"));
            let checked = if is_catalogue {
                Catalogue::from_toml(&source, &text).map(|c| format!("{source}: catalogue {} — {}", c.version, catalogue_counts(&c)))
            } else {
                let c = catalogue(catalogue_file.as_deref())?;
                Methodology::from_toml(&source, &text)
                    .and_then(|m| m.check_catalogue(&source, &c).map(|()| format!("{source}: methodology {} {} — {}", m.id, m.version, counts(&m))))
            };
            match checked {
                Ok(summary) => {
                    println!("{summary}");
                    Ok(())
                }
                Err(e) => {
                    // The problems themselves, one per line, are the whole message.
                    eprintln!("{e}");
                    eprintln!("{} problem(s) in {source}", e.problems.len());
                    std::process::exit(1);
                }
            }
        }
    }
}

/// Flattens nested tables into dotted question ids (`perimeter.hvm-barriers = 2` in TOML
/// is a nested table) and turns values into answers.
fn flatten(prefix: &str, value: &serde_json::Value, source: &str, out: &mut Answers) -> Result<()> {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, source, out)?;
            }
        }
        Value::Bool(b) => {
            out.insert(prefix.to_string(), AnswerValue::Bool(*b));
        }
        Value::Number(n) => {
            out.insert(prefix.to_string(), AnswerValue::Number(n.as_f64().unwrap_or(f64::NAN)));
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), AnswerValue::Choice(s.clone()));
        }
        other => bail!("{source}: {prefix}: expected a number, a choice key or true/false, found {other}"),
    }
    Ok(())
}

/// Reads answers from a JSON or TOML file (by extension; `.json` or anything else as TOML).
pub fn read_answers(path: &Path) -> Result<Answers> {
    let text = read(path)?;
    let source = path.display().to_string();
    let value: serde_json::Value = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        serde_json::from_str(&text).map_err(|e| anyhow!("{source}:{}: {e}", e.line()))?
    } else {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| anyhow!("{source}: {}", e.to_string().trim().replace('\n', " ")))?;
        serde_json::to_value(table)?
    };
    if !value.is_object() {
        bail!("{source}: expected an object of question id → answer");
    }
    let mut answers = Answers::new();
    flatten("", &value, &source, &mut answers)?;
    Ok(answers)
}

fn load_methodology(spec: &str) -> Result<Methodology> {
    if let Some(m) = rampart_assess::shipped_methodology(spec) {
        return Ok(m);
    }
    let path = Path::new(spec);
    if !path.exists() {
        let ids: Vec<String> = rampart_assess::shipped_methodologies().into_iter().map(|m| m.id).collect();
        bail!("--methodology {spec:?}: neither a shipped methodology ({}) nor a file", ids.join(", "));
    }
    Methodology::from_toml(&path.display().to_string(), &read(path)?).map_err(|e| anyhow!("{e}"))
}

fn score(args: &ScoreArgs) -> Result<()> {
    let m = load_methodology(&args.methodology)?;
    let c = catalogue(args.catalogue.as_deref())?;
    let answers = read_answers(&args.answers)?;
    let measures: Vec<String> = args.measures.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    let scores = rampart_assess::score(&m, &c, &answers, &measures).map_err(|e| anyhow!("{}: {e}", args.answers.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&scores)?);
        return Ok(());
    }
    print_scores(&m, &c, &answers, &scores);
    Ok(())
}

fn print_scores(m: &Methodology, c: &Catalogue, answers: &Answers, s: &Scores) {
    println!("{} {} — {}", m.id, m.version, m.title);
    if s.measures.is_empty() {
        println!("measures: none (after = before)");
    } else {
        println!("measures: {}", s.measures.join(", "));
    }
    println!();
    println!(
        "{:<24} {:>5} {:>5} {:>5} {:>7} {:<6} {:<3} {:<9} │ {:>5} {:>7} {:<6} {:<3} {:<9}",
        "SCENARIO", "A", "T", "V", "RISK", "BAND", "L C", "LEVEL", "V'", "RISK'", "BAND'", "L C", "LEVEL'"
    );
    for sc in &s.scenarios {
        let (b, a) = (&sc.before, &sc.after);
        println!(
            "{:<24} {:>5.2} {:>5.2} {:>5.2} {:>7.2} {:<6} {} {} {:<9} │ {:>5.2} {:>7.2} {:<6} {} {} {:<9}",
            sc.scenario, b.asset_value, b.threat, b.vulnerability, b.risk, b.band, b.likelihood, b.consequence, b.level, a.vulnerability, a.risk, a.band, a.likelihood, a.consequence, a.level
        );
    }
    println!();
    let o = &s.overall;
    let r = &s.residual;
    println!("overall:  {} (max risk {:.2} in {}, mean {:.2}; {} high, {} medium, {} low; matrix {})", o.band, o.max_risk, o.worst_scenario, o.mean_risk, o.high, o.medium, o.low, o.level);
    println!("residual: {} (max risk {:.2} in {}, mean {:.2}; {} high, {} medium, {} low; matrix {})", r.band, r.max_risk, r.worst_scenario, r.mean_risk, r.high, r.medium, r.low, r.level);
    if m.factors.len() > 3 {
        // Methodologies rated on more than asset value, threat and vulnerability (CARVER +
        // Shock): each factor's rating and their sum, the methodology's own ranking.
        println!();
        let names: Vec<String> = m.factors.iter().map(|f| f.title.chars().take(6).collect()).collect();
        println!("{:<24} {} {:>6}", "FACTORS", names.iter().map(|n| format!("{n:>6}")).collect::<Vec<_>>().join(" "), "TOTAL");
        for sc in &s.scenarios {
            let ratings: Vec<String> = m
                .factors
                .iter()
                .map(|f| sc.factors.iter().find(|r| r.factor == f.id).map(|r| format!("{:>6.2}", r.rating)).unwrap_or_else(|| format!("{:>6}", "—")))
                .collect();
            let total: f64 = sc.factors.iter().map(|r| r.rating).sum();
            println!("{:<24} {} {:>6.2}", sc.scenario, ratings.join(" "), total);
        }
    }
    println!();
    println!("What drives the risk (risk points that would go with the best answer):");
    for sc in &s.scenarios {
        let drivers: Vec<String> = sc.drivers.iter().take(3).map(|d| format!("{} = {} (−{:.2})", d.question, d.answer, d.contribution)).collect();
        println!("  {:<24} {}", sc.scenario, drivers.join("; "));
    }
    let suggestions = rampart_assess::suggest(m, c, answers);
    if !suggestions.is_empty() {
        println!();
        println!("Suggested measures ({}; most urgent first):", suggestions.len());
        for sg in suggestions.iter().take(15) {
            println!("  {:<6} {:<32} −{:>7.2} risk  {}", sg.priority, sg.measure, sg.risk_reduction, sg.title);
        }
    }
}
