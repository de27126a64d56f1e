//! The assessment report: one self-contained HTML document (inline CSS, an inline SVG
//! risk matrix and an SVG site map drawn from the site's geometry — nothing fetched from
//! elsewhere), and the same document printed to PDF by headless Chromium.
//!
//! Every printed page carries the classification marking and the TLP label: they are
//! `position: fixed`, which Chromium repeats on each page, over spacers that a table's
//! repeated header and footer keep free.

use crate::assessments::{answers_of, changes_of, findings_of, methodology_of, notes_of, scores_of};
use crate::error::{ApiError, ApiResult};
use crate::{rfc3339, AppState};
use rampart_assess::{AnswerSpec, AnswerValue, Methodology, Scores};
use rampart_core::assessment::{AssessmentKind, AssessmentState, Findings};
use rampart_core::{AssetId, Geometry};
use rampart_store::{AssessmentRecord, AttachmentRecord};
use serde_json::Value;
use std::fmt::Write as _;
use std::time::Duration;

/// The label every report carries: the host organisation only (FIRST TLP 2.0).
pub const TLP_LABEL: &str = "TLP:AMBER+STRICT";
/// The classification marking on the cover and every page.
pub const MARKING: &str = "RESTRICTED — SECURITY ASSESSMENT";
/// How long Chromium may take to print one report.
const PRINT_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything the report shows, gathered from the store.
pub struct ReportData {
    pub record: AssessmentRecord,
    pub methodology: Methodology,
    pub scores: Scores,
    pub findings: Findings,
    pub host_name: String,
    pub site_name: String,
    pub site_category: Option<String>,
    pub geometry: Option<Geometry>,
    /// A GeoJSON polygon of the site's security perimeter (the asset's `perimeter` attribute).
    pub perimeter: Option<geo::Polygon<f64>>,
    pub team: Vec<(String, Vec<String>)>,
    pub event_name: Option<String>,
    pub answers: rampart_assess::Answers,
    pub notes: std::collections::BTreeMap<String, String>,
    pub attachments: Vec<AttachmentRecord>,
    pub changes: Option<Value>,
}

/// Gathers the report's data; a report needs a scored survey.
pub async fn html_of(state: &AppState, r: &AssessmentRecord) -> ApiResult<String> {
    let methodology = methodology_of(r)?;
    let scores = scores_of(r)?.ok_or_else(|| ApiError::Conflict("score the survey first: the report needs the scores".into()))?;
    let host_name = state.store.get_organisation(&r.host_org).await?.map(|o| o.name).unwrap_or_else(|| r.host_org.to_string());
    let site = state.store.get_asset(&AssetId::parse(&r.asset_id)?).await?;
    let perimeter = site
        .as_ref()
        .and_then(|s| s.asset.attributes.get("perimeter"))
        .and_then(|v| Geometry::from_geojson(v).ok())
        .and_then(|g| if let Geometry::Polygon(p) = g { Some(p) } else { None });
    let plan: Value = r.plan.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null);
    let team = r
        .team
        .iter()
        .zip(&r.team_expertise)
        .map(|(u, e)| {
            let labels = e
                .split(',')
                .filter_map(|k| rampart_core::assessment::Expertise::parse(k).ok())
                .map(|x| x.label().to_string())
                .collect();
            (u.to_string(), labels)
        })
        .collect();
    let data = ReportData {
        methodology,
        scores,
        findings: findings_of(r)?.unwrap_or_default(),
        host_name,
        site_name: site.as_ref().map(|s| s.asset.name.clone()).unwrap_or_else(|| r.asset_id.clone()),
        site_category: site.as_ref().and_then(|s| s.asset.category.map(|c| c.label().to_string())),
        geometry: site.map(|s| s.asset.geometry),
        perimeter,
        team,
        event_name: plan["event_name"].as_str().map(String::from),
        answers: answers_of(r)?,
        notes: notes_of(r)?,
        attachments: state.store.list_attachments(&r.id).await?,
        changes: changes_of(state, r).await?,
        record: r.clone(),
    };
    Ok(render(&data))
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Paragraphs from text with blank lines.
fn paragraphs(s: &str) -> String {
    s.split("\n\n").filter(|p| !p.trim().is_empty()).map(|p| format!("<p>{}</p>", esc(p.trim()).replace('\n', "<br>"))).collect()
}

fn band_class(b: rampart_assess::Band) -> &'static str {
    match b {
        rampart_assess::Band::Low => "low",
        rampart_assess::Band::Medium => "medium",
        rampart_assess::Band::High => "high",
    }
}

/// Colours of the matrix levels, lowest first, spread over green → amber → red.
fn level_colour(index: usize, count: usize) -> &'static str {
    const RAMP: [&str; 5] = ["#8cc084", "#d9e07a", "#f2c14e", "#ec8a3c", "#d1495b"];
    if count <= 1 {
        return RAMP[0];
    }
    RAMP[(index * (RAMP.len() - 1) + (count - 1) / 2) / (count - 1)]
}

/// How an answer reads in the report: the scale's or option's label.
pub fn answer_label(m: &Methodology, question: &str, value: &AnswerValue) -> String {
    let Some(q) = m.question(question) else { return value.to_string() };
    match (&q.answer, value) {
        (AnswerSpec::Scale { labels, .. }, AnswerValue::Number(n)) => {
            let label = labels.iter().find(|l| (l.from as f64) <= *n && *n <= (l.to as f64)).map(|l| l.label.as_str());
            // Labels usually start with their value ("2 - partly in place"); others get it added.
            match label {
                Some(l) if l.starts_with(&n.to_string()) => l.to_string(),
                Some(l) => format!("{n} — {l}"),
                None => n.to_string(),
            }
        }
        (AnswerSpec::Choice { options }, AnswerValue::Choice(k)) => options.iter().find(|o| &o.key == k).map(|o| o.label.clone()).unwrap_or_else(|| k.clone()),
        (_, AnswerValue::Bool(b)) => (if *b { "Yes" } else { "No" }).to_string(),
        _ => value.to_string(),
    }
}

/// The 5 × 5 matrix with each scenario placed before (filled) and after measures (ring).
pub fn matrix_svg(m: &Methodology, scores: &Scores) -> String {
    let (cell, left, top) = (64.0, 70.0, 16.0);
    let size = cell * 5.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="matrix" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="Risk matrix">"#,
        w = left + size + 20.0,
        h = top + size + 60.0
    );
    let levels = &m.scoring.matrix.levels;
    for l in 1..=5u8 {
        for c in 1..=5u8 {
            let id = m.scoring.matrix.cells.get(l as usize - 1).and_then(|row| row.get(c as usize - 1)).map(String::as_str).unwrap_or("");
            let index = levels.iter().position(|x| x.id == id).unwrap_or(0);
            let (x, y) = (left + (c as f64 - 1.0) * cell, top + (5.0 - l as f64) * cell);
            let _ = write!(s, r##"<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{}" stroke="#fff" stroke-width="2"/>"##, level_colour(index, levels.len()));
        }
    }
    for i in 1..=5 {
        let _ = write!(s, r#"<text x="{}" y="{}" class="tick" text-anchor="middle">{i}</text>"#, left + (i as f64 - 0.5) * cell, top + size + 16.0);
        let _ = write!(s, r#"<text x="{}" y="{}" class="tick" text-anchor="end">{i}</text>"#, left - 8.0, top + (5.0 - i as f64 + 0.5) * cell + 4.0);
    }
    let _ = write!(s, r#"<text x="{}" y="{}" class="axis" text-anchor="middle">Consequence (asset value)</text>"#, left + size / 2.0, top + size + 36.0);
    let _ = write!(
        s,
        r#"<text transform="translate(18 {}) rotate(-90)" class="axis" text-anchor="middle">Likelihood (threat × vulnerability)</text>"#,
        top + size / 2.0
    );
    // Several scenarios can share a cell: spread their markers along a small grid inside it.
    let mut used: std::collections::BTreeMap<(u8, u8), usize> = Default::default();
    let mut place = |l: u8, c: u8| {
        let n = used.entry((l, c)).or_insert(0);
        let k = *n;
        *n += 1;
        let (col, row) = ((k % 3) as f64, (k / 3 % 3) as f64);
        (left + (c as f64 - 1.0) * cell + 14.0 + col * 18.0, top + (5.0 - l as f64) * cell + 14.0 + row * 18.0)
    };
    for (i, sc) in scores.scenarios.iter().enumerate() {
        let (x, y) = place(sc.before.likelihood, sc.before.consequence);
        let _ = write!(s, r##"<circle cx="{x}" cy="{y}" r="8" fill="#1d2b3a"/><text x="{x}" y="{}" class="dot" text-anchor="middle">{}</text>"##, y + 3.5, i + 1);
    }
    if !scores.measures.is_empty() {
        for (i, sc) in scores.scenarios.iter().enumerate() {
            if sc.after.likelihood == sc.before.likelihood && sc.after.consequence == sc.before.consequence {
                continue;
            }
            let (x, y) = place(sc.after.likelihood, sc.after.consequence);
            let _ = write!(
                s,
                r##"<circle cx="{x}" cy="{y}" r="8" fill="#fff" stroke="#1d2b3a" stroke-width="2"/><text x="{x}" y="{}" class="dot after" text-anchor="middle">{}</text>"##,
                y + 3.5,
                i + 1
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// A length for a scale bar: 1, 2 or 5 × 10^n metres, at most `max_m`.
fn nice_length(max_m: f64) -> f64 {
    let mut best = 1.0;
    let mut p = 1.0;
    while p <= max_m {
        for f in [1.0, 2.0, 5.0] {
            if f * p <= max_m {
                best = f * p;
            }
        }
        p *= 10.0;
    }
    best
}

/// The site drawn from its geometry with its perimeter, a scale bar and north arrow.
pub fn site_map_svg(geometry: &Geometry, perimeter: Option<&geo::Polygon<f64>>) -> String {
    let (w, h, pad) = (640.0, 400.0, 40.0);
    let (clon, clat) = geometry.centroid();
    let k = clat.to_radians().cos();
    let metres_per_degree = 111_320.0;
    // Local metres east and north of the centroid.
    let to_m = |lon: f64, lat: f64| ((lon - clon) * k * metres_per_degree, (lat - clat) * metres_per_degree);
    let mut rings: Vec<Vec<(f64, f64)>> = Vec::new();
    if let Geometry::Polygon(p) = geometry {
        rings.push(p.exterior().coords().map(|c| to_m(c.x, c.y)).collect());
    }
    let perimeter_ring: Option<Vec<(f64, f64)>> = perimeter.map(|p| p.exterior().coords().map(|c| to_m(c.x, c.y)).collect());
    let mut pts: Vec<(f64, f64)> = rings.iter().flatten().copied().chain(perimeter_ring.iter().flatten().copied()).collect();
    pts.push((0.0, 0.0));
    let (mut minx, mut maxx, mut miny, mut maxy) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in &pts {
        minx = minx.min(*x);
        maxx = maxx.max(*x);
        miny = miny.min(*y);
        maxy = maxy.max(*y);
    }
    // At least 300 m across, so a point site still shows its surroundings' scale.
    let span = (maxx - minx).max(maxy - miny).max(300.0) * 1.15;
    let scale = ((w - 2.0 * pad) / span).min((h - 2.0 * pad) / span);
    let (cx, cy) = ((minx + maxx) / 2.0, (miny + maxy) / 2.0);
    let px = |(x, y): (f64, f64)| (w / 2.0 + (x - cx) * scale, h / 2.0 - (y - cy) * scale);
    let path = |ring: &[(f64, f64)]| {
        ring.iter().enumerate().map(|(i, p)| {
            let (x, y) = px(*p);
            format!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { " L" })
        }).collect::<String>() + " Z"
    };
    let mut s = String::new();
    let _ = write!(s, r#"<svg class="sitemap" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="Site map">"#);
    let _ = write!(s, r##"<rect x="0" y="0" width="{w}" height="{h}" fill="#f4f6f2" stroke="#b8c0b0"/>"##);
    // A 100 m grid for orientation.
    let grid = nice_length(span / 4.0);
    let mut gx = ((cx - span) / grid).floor() * grid;
    while gx <= cx + span {
        let (x, _) = px((gx, 0.0));
        if (0.0..=w).contains(&x) {
            let _ = write!(s, r##"<line x1="{x:.1}" y1="0" x2="{x:.1}" y2="{h}" stroke="#e2e6dc"/>"##);
        }
        gx += grid;
    }
    let mut gy = ((cy - span) / grid).floor() * grid;
    while gy <= cy + span {
        let (_, y) = px((0.0, gy));
        if (0.0..=h).contains(&y) {
            let _ = write!(s, r##"<line x1="0" y1="{y:.1}" x2="{w}" y2="{y:.1}" stroke="#e2e6dc"/>"##);
        }
        gy += grid;
    }
    if let Some(ring) = &perimeter_ring {
        let _ = write!(s, r##"<path d="{}" fill="#d1495b" fill-opacity="0.06" stroke="#d1495b" stroke-width="2.5" stroke-dasharray="8 5"/>"##, path(ring));
    }
    for ring in &rings {
        let _ = write!(s, r##"<path d="{}" fill="#3b6ea5" fill-opacity="0.35" stroke="#1d2b3a" stroke-width="1.5"/>"##, path(ring));
    }
    if rings.is_empty() {
        let (x, y) = px((0.0, 0.0));
        let _ = write!(s, r##"<circle cx="{x:.1}" cy="{y:.1}" r="7" fill="#3b6ea5" stroke="#1d2b3a" stroke-width="2"/>"##);
    }
    // Scale bar, bottom left.
    let bar_m = nice_length((w / 4.0) / scale);
    let bar_px = bar_m * scale;
    let (bx, by) = (pad, h - 22.0);
    let _ = write!(
        s,
        r##"<g class="scale"><rect x="{bx}" y="{by}" width="{:.1}" height="6" fill="#1d2b3a"/><rect x="{bx}" y="{by}" width="{:.1}" height="6" fill="#fff" stroke="#1d2b3a"/><text x="{bx}" y="{}" class="tick">0</text><text x="{:.1}" y="{}" class="tick" text-anchor="end">{} m</text></g>"##,
        bar_px,
        bar_px / 2.0,
        by - 4.0,
        bx + bar_px,
        by - 4.0,
        bar_m
    );
    // North arrow, top right.
    let (nx, ny) = (w - 30.0, 20.0);
    let _ = write!(s, r##"<path d="M{nx} {ny} L{} {} L{nx} {} L{} {} Z" fill="#1d2b3a"/><text x="{nx}" y="{}" class="tick" text-anchor="middle">N</text>"##, nx + 8.0, ny + 26.0, ny + 20.0, nx - 8.0, ny + 26.0, ny + 40.0);
    // Legend.
    let _ = write!(s, r##"<g class="legend"><rect x="{}" y="12" width="14" height="10" fill="#3b6ea5" fill-opacity="0.35" stroke="#1d2b3a"/><text x="{}" y="21" class="tick">site</text>"##, pad, pad + 20.0);
    if perimeter_ring.is_some() {
        let _ = write!(s, r##"<line x1="{}" y1="17" x2="{}" y2="17" stroke="#d1495b" stroke-width="2.5" stroke-dasharray="6 4"/><text x="{}" y="21" class="tick">security perimeter</text>"##, pad + 60.0, pad + 84.0, pad + 90.0);
    }
    s.push_str("</g></svg>");
    s
}

const CSS: &str = r#"
@page { size: A4; margin: 12mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1d2b3a; font-size: 10pt; line-height: 1.45; margin: 0; }
.marking { position: fixed; left: 0; right: 0; text-align: center; font-size: 8.5pt; font-weight: 700; letter-spacing: 0.04em; background: #fff; z-index: 2; }
.marking.top { top: 0; border-bottom: 1px solid #c9ced4; padding-bottom: 2mm; }
.marking.bottom { bottom: 0; border-top: 1px solid #c9ced4; padding-top: 2mm; }
.tlp { background: #000; color: #ffc000; padding: 0.5mm 2mm; font-family: "DejaVu Sans Mono", monospace; }
table.frame { width: 100%; border-collapse: collapse; }
table.frame > thead td, table.frame > tfoot td { height: 11mm; padding: 0; }
.cover { page-break-after: always; padding-top: 30mm; }
.cover h1 { font-size: 24pt; margin: 0 0 4mm; }
.cover .subtitle { font-size: 13pt; color: #4a5a6a; margin-bottom: 14mm; }
.cover .classification { border: 2px solid #d1495b; color: #d1495b; display: inline-block; padding: 2mm 5mm; font-weight: 700; margin-bottom: 12mm; }
.cover dl { display: grid; grid-template-columns: 45mm 1fr; gap: 2mm 4mm; }
.cover dt { color: #4a5a6a; }
.cover dd { margin: 0; }
.draft { color: #d1495b; font-weight: 700; font-size: 14pt; }
.distribution { margin-top: 14mm; font-size: 9pt; color: #4a5a6a; border-left: 3px solid #ffc000; padding-left: 3mm; }
h2 { font-size: 15pt; border-bottom: 2px solid #1d2b3a; padding-bottom: 1mm; margin: 8mm 0 3mm; page-break-after: avoid; }
h3 { font-size: 11.5pt; margin: 5mm 0 2mm; page-break-after: avoid; }
section { page-break-inside: auto; }
.keep { page-break-inside: avoid; }
table.data { width: 100%; border-collapse: collapse; margin: 2mm 0 4mm; font-size: 9pt; }
table.data th, table.data td { border: 1px solid #c9ced4; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
table.data th { background: #eef1f4; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
.band { font-weight: 700; padding: 0.3mm 1.5mm; border-radius: 1mm; }
.band.high { background: #d1495b; color: #fff; }
.band.medium { background: #f2c14e; }
.band.low { background: #8cc084; }
.summary-grid { display: grid; grid-template-columns: repeat(3, 1fr); gap: 3mm; margin: 3mm 0; }
.summary-grid div { border: 1px solid #c9ced4; padding: 2mm 3mm; }
.summary-grid b { display: block; font-size: 14pt; }
svg text.tick { font-size: 11px; fill: #1d2b3a; }
svg text.axis { font-size: 12px; fill: #1d2b3a; font-weight: 700; }
svg text.dot { font-size: 10px; fill: #fff; font-weight: 700; }
svg text.dot.after { fill: #1d2b3a; }
.muted { color: #4a5a6a; }
"#;

fn state_line(r: &AssessmentRecord) -> String {
    match (r.state, r.issued_at) {
        (AssessmentState::Issued, Some(at)) => format!("Issued {}", &rfc3339(at)[..10]),
        (s, _) => format!("DRAFT — {} (not issued)", s.label()),
    }
}

/// The whole report as HTML.
pub fn render(d: &ReportData) -> String {
    let r = &d.record;
    let m = &d.methodology;
    let mut h = String::new();
    let title = format!("Vulnerability assessment — {}", d.site_name);
    let _ = write!(
        h,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{}</title><style>{CSS}</style></head><body>"#,
        esc(&title)
    );
    let marking = format!(r#"{} &nbsp;·&nbsp; <span class="tlp">{TLP_LABEL}</span>"#, esc(MARKING));
    let _ = write!(h, r#"<div class="marking top">{marking}</div><div class="marking bottom">{marking} &nbsp;·&nbsp; {}</div>"#, esc(&r.id));
    h.push_str(r#"<table class="frame"><thead><tr><td></td></tr></thead><tfoot><tr><td></td></tr></tfoot><tbody><tr><td>"#);

    // Cover.
    let kind = r.kind.map(|k| k.label()).unwrap_or("Assessment");
    let _ = write!(h, r#"<section class="cover"><div class="classification">{} · {TLP_LABEL}</div><h1>{}</h1><div class="subtitle">{}{}</div>"#,
        esc(MARKING), esc(&title), esc(kind),
        d.event_name.as_ref().filter(|_| r.kind == Some(AssessmentKind::Event)).map(|e| format!(" — {}", esc(e))).unwrap_or_default());
    if r.state != AssessmentState::Issued {
        let _ = write!(h, r#"<p class="draft">{}</p>"#, esc(&state_line(r)));
    }
    let team: Vec<String> = d.team.iter().map(|(u, e)| if e.is_empty() { esc(u) } else { format!("{} ({})", esc(u), esc(&e.join(", "))) }).collect();
    let _ = write!(
        h,
        "<dl><dt>Report</dt><dd>{}</dd><dt>Site</dt><dd>{}{}</dd><dt>Host</dt><dd>{}</dd><dt>Dates</dt><dd>{} to {}</dd><dt>Methodology</dt><dd>{} (version {})</dd>\
         <dt>Team</dt><dd>{}</dd><dt>Findings by</dt><dd>{}</dd><dt>Approved by</dt><dd>{}</dd><dt>Status</dt><dd>{}</dd></dl>",
        esc(&r.id),
        esc(&d.site_name),
        d.site_category.as_ref().map(|c| format!(" — {}", esc(c))).unwrap_or_default(),
        esc(&d.host_name),
        esc(r.starts_on.as_deref().unwrap_or("?")),
        esc(r.ends_on.as_deref().unwrap_or("?")),
        esc(&m.title),
        esc(&m.version),
        team.join("<br>"),
        esc(r.findings_by.as_ref().map(|u| u.as_str()).unwrap_or("—")),
        esc(&r.approved_by.clone().map(|a| format!("{a}, {}", &rfc3339(r.approved_at.unwrap_or(0))[..10])).unwrap_or_else(|| "—".into())),
        esc(&state_line(r)),
    );
    let _ = write!(
        h,
        r#"<p class="distribution"><b>{TLP_LABEL}</b>: for {} only. Do not share outside that organisation. This report describes vulnerabilities of the site; keep it, and any copy, under the host's protection for security information.</p></section>"#,
        esc(&d.host_name)
    );

    // Executive summary.
    let s = &d.scores;
    let worst = s.scenarios.iter().find(|x| x.scenario == s.overall.worst_scenario).map(|x| x.title.as_str()).unwrap_or(&s.overall.worst_scenario);
    h.push_str("<section><h2>1. Executive summary</h2>");
    h.push_str(&paragraphs(&d.findings.summary));
    let count = |p: rampart_core::assessment::Priority| d.findings.recommendations.iter().filter(|x| x.priority == p).count();
    let _ = write!(
        h,
        r#"<div class="summary-grid keep"><div>Overall risk now<b><span class="band {}">{}</span></b>highest {} of 1000 ({})</div><div>Residual risk with the recommendations<b><span class="band {}">{}</span></b>highest {} of 1000</div><div>Recommendations<b>{}</b>{} immediate, {} within a year, {} longer term</div></div>"#,
        band_class(s.overall.band), s.overall.band, s.overall.max_risk, esc(worst),
        band_class(s.residual.band), s.residual.band, s.residual.max_risk,
        d.findings.recommendations.len(),
        count(rampart_core::assessment::Priority::Immediate), count(rampart_core::assessment::Priority::Short), count(rampart_core::assessment::Priority::Long),
    );
    let _ = write!(h, "<p class=\"muted\">{} scenarios assessed: {} high, {} medium, {} low before the recommended measures.</p></section>", s.scenarios.len(), s.overall.high, s.overall.medium, s.overall.low);

    // Risk matrix and table.
    h.push_str(r#"<section><h2>2. Risk by scenario</h2><div class="keep">"#);
    h.push_str(&matrix_svg(m, s));
    h.push_str(r#"<p class="muted">Filled markers: risk now; rings: with the recommended measures (shown where the cell changes). Numbers refer to the table.</p></div>"#);
    h.push_str(r#"<table class="data"><thead><tr><th>#</th><th>Scenario</th><th>Asset value</th><th>Threat</th><th>Vulnerability</th><th>Risk now</th><th>With measures</th></tr></thead><tbody>"#);
    for (i, sc) in s.scenarios.iter().enumerate() {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{} <span class="band {}">{}</span></td><td class="num">{} <span class="band {}">{}</span></td></tr>"#,
            i + 1, esc(&sc.title), sc.before.asset_value, sc.before.threat, sc.before.vulnerability,
            sc.before.risk, band_class(sc.before.band), sc.before.band, sc.after.risk, band_class(sc.after.band), sc.after.band
        );
    }
    h.push_str("</tbody></table></section>");

    // Findings per scenario.
    h.push_str("<section><h2>3. Findings per scenario</h2>");
    for sc in &s.scenarios {
        let _ = write!(h, r#"<div class="keep"><h3>{} <span class="band {}">{} {}</span></h3>"#, esc(&sc.title), band_class(sc.before.band), sc.before.band, sc.before.risk);
        for f in d.findings.findings.iter().filter(|f| f.scenario == sc.scenario) {
            h.push_str(&paragraphs(&f.text));
        }
        if !sc.drivers.is_empty() {
            h.push_str(r#"<p class="muted">What drives this risk most:</p><ul>"#);
            for dr in &sc.drivers {
                let text = m.question(&dr.question).map(|q| q.text.clone()).unwrap_or_else(|| dr.question.clone());
                let _ = write!(h, "<li>{} — <i>{}</i> (+{} risk points)</li>", esc(&text), esc(&answer_label(m, &dr.question, &dr.answer)), dr.contribution);
            }
            h.push_str("</ul>");
        }
        h.push_str("</div>");
    }
    h.push_str("</section>");

    // Recommendations.
    h.push_str(r#"<section><h2>4. Recommendations</h2><table class="data"><thead><tr><th>#</th><th>Priority</th><th>Recommendation</th><th>Scenarios</th><th>Cost band</th></tr></thead><tbody>"#);
    for (i, rec) in d.findings.recommendations.iter().enumerate() {
        let scenarios: Vec<String> = rec.scenarios.iter().map(|id| m.scenario(id).map(|x| x.title.clone()).unwrap_or_else(|| id.clone())).collect();
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td><b>{}</b>{}{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            esc(rec.priority.label()),
            esc(&rec.title),
            if rec.text.is_empty() { String::new() } else { format!("<br>{}", esc(&rec.text)) },
            rec.measure.as_ref().map(|x| format!(r#"<br><span class="muted">catalogue measure {}</span>"#, esc(x))).unwrap_or_default(),
            esc(&scenarios.join(", ")),
            esc(rec.cost_band.label()),
        );
    }
    if d.findings.recommendations.is_empty() {
        h.push_str(r#"<tr><td colspan="5" class="muted">No recommendations were written.</td></tr>"#);
    }
    h.push_str("</tbody></table></section>");

    // Site map.
    h.push_str(r#"<section class="keep"><h2>5. Site</h2>"#);
    match &d.geometry {
        Some(g) => {
            h.push_str(&site_map_svg(g, d.perimeter.as_ref()));
            let (lon, lat) = g.centroid();
            let _ = write!(h, r#"<p class="muted">{} — centre {lat:.5}° N, {lon:.5}° E (WGS 84). Drawn from the registry's geometry.</p>"#, esc(&d.site_name));
        }
        None => h.push_str(r#"<p class="muted">The site is no longer in the registry.</p>"#),
    }
    h.push_str("</section>");

    // Changes since the previous assessment.
    if let Some(c) = &d.changes {
        h.push_str("<section><h2>6. Changes since the previous assessment</h2>");
        let _ = write!(h, "<p>Previous assessment: {} ({}), issued {}.</p>", esc(c["previous_title"].as_str().unwrap_or("")), esc(c["previous_id"].as_str().unwrap_or("")), esc(c["previous_issued_at"].as_str().map(|t| &t[..10.min(t.len())]).unwrap_or("?")));
        if let Some(rows) = c["scenarios"].as_array().filter(|a| !a.is_empty()) {
            h.push_str(r#"<table class="data"><thead><tr><th>Scenario</th><th>Risk then</th><th>Risk now</th><th>Change</th></tr></thead><tbody>"#);
            for row in rows {
                let _ = write!(h, r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                    esc(row["title"].as_str().unwrap_or("")), row["risk_before"], row["risk_now"], row["change"]);
            }
            h.push_str("</tbody></table>");
        }
        let changed = c["answers"].as_array().cloned().unwrap_or_default();
        let _ = write!(h, "<p>{} answers changed.</p>", changed.len());
        if !changed.is_empty() {
            h.push_str(r#"<table class="data"><thead><tr><th>Question</th><th>Then</th><th>Now</th></tr></thead><tbody>"#);
            for row in &changed {
                let q = row["question"].as_str().unwrap_or("");
                let label = |v: &Value| serde_json::from_value::<AnswerValue>(v.clone()).map(|a| answer_label(m, q, &a)).unwrap_or_else(|_| "—".into());
                let text = m.question(q).map(|x| x.text.clone()).unwrap_or_else(|| q.to_string());
                let _ = write!(h, "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", esc(&text), esc(&label(&row["before"])), esc(&label(&row["now"])));
            }
            h.push_str("</tbody></table>");
        }
        h.push_str("</section>");
    }

    // Annex: the survey.
    h.push_str(r#"<section><h2>Annex — survey answers</h2>"#);
    for layer in &m.layers {
        let _ = write!(h, r#"<h3>{}</h3><table class="data"><thead><tr><th style="width:55%">Question</th><th>Answer</th><th>Note</th></tr></thead><tbody>"#, esc(&layer.title));
        for q in m.questions.iter().filter(|q| q.layer == layer.id) {
            let a = d.answers.get(&q.id).map(|v| answer_label(m, &q.id, v)).unwrap_or_else(|| "—".into());
            let note = d.notes.get(&q.id).map(|n| esc(n)).unwrap_or_default();
            let _ = write!(h, "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", esc(&q.text), esc(&a), note);
        }
        h.push_str("</tbody></table>");
    }
    if !d.attachments.is_empty() {
        h.push_str(r#"<h3>Attachments</h3><table class="data"><thead><tr><th>File</th><th>Type</th><th>Question</th><th>SHA-256</th></tr></thead><tbody>"#);
        for a in &d.attachments {
            let _ = write!(h, r#"<tr><td>{}</td><td>{}</td><td>{}</td><td style="font-family:monospace;font-size:7pt;word-break:break-all">{}</td></tr>"#,
                esc(&a.filename), esc(&a.content_type), esc(a.question_id.as_deref().unwrap_or("")), esc(&a.sha256));
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section></td></tr></tbody></table></body></html>");
    h
}

/// Where Chromium is: `RAMPART_CHROMIUM`, else /usr/bin/chromium.
pub fn chromium_path() -> std::path::PathBuf {
    std::env::var_os("RAMPART_CHROMIUM").map(std::path::PathBuf::from).unwrap_or_else(|| "/usr/bin/chromium".into())
}

/// Prints HTML to PDF with headless Chromium in a fresh profile, with no network.
pub async fn pdf_of(html: String) -> ApiResult<Vec<u8>> {
    pdf_of_with(html, &chromium_path()).await
}

/// Like [`pdf_of`] with the Chromium binary named.
pub async fn pdf_of_with(html: String, chromium: &std::path::Path) -> ApiResult<Vec<u8>> {
    if !chromium.exists() {
        return Err(ApiError::Unavailable(format!(
            "PDF reports need Chromium, which is not installed at {} (install it, e.g. apt-get install chromium, or set RAMPART_CHROMIUM); the HTML report is available",
            chromium.display()
        )));
    }
    let dir = tempfile::tempdir().map_err(|e| ApiError::Internal(format!("report folder: {e}")))?;
    let input = dir.path().join("report.html");
    let output = dir.path().join("report.pdf");
    let profile = dir.path().join("profile");
    tokio::fs::write(&input, html).await.map_err(|e| ApiError::Internal(format!("writing the report: {e}")))?;
    let mut cmd = tokio::process::Command::new(chromium);
    cmd.arg("--headless")
        .arg("--no-sandbox")
        .arg("--disable-gpu")
        .arg("--disable-background-networking")
        .arg("--disable-extensions")
        .arg("--no-first-run")
        // One process instead of a browser, a zygote and a renderer: about 40 % faster to
        // print. The page is Rampart's own escaped HTML without scripts, read from a file
        // with networking disabled, so the renderer's isolation buys nothing here.
        .arg("--single-process")
        .arg("--no-zygote")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", output.display()))
        .arg(format!("file://{}", input.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().map_err(|e| ApiError::Unavailable(format!("Chromium at {} could not be started: {e}", chromium.display())))?;
    let out = match tokio::time::timeout(PRINT_TIMEOUT, child.wait_with_output()).await {
        Ok(r) => r.map_err(|e| ApiError::Internal(format!("Chromium: {e}")))?,
        Err(_) => return Err(ApiError::Unavailable(format!("Chromium did not print the report within {} s", PRINT_TIMEOUT.as_secs()))),
    };
    let pdf = tokio::fs::read(&output).await.unwrap_or_default();
    if !out.status.success() || !pdf.starts_with(b"%PDF") {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(ApiError::Internal(format!("Chromium failed to print ({}): {}", out.status, stderr.chars().take(2000).collect::<String>())));
    }
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc(r#"<script>"x" & 'y'</script>"#), "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;");
    }

    #[test]
    fn scale_bars_have_round_lengths() {
        assert_eq!([nice_length(0.5), nice_length(7.0), nice_length(180.0), nice_length(2600.0)], [1.0, 5.0, 100.0, 2000.0]);
    }

    #[test]
    fn matrix_levels_spread_from_green_to_red() {
        let colours: Vec<&str> = (0..4).map(|i| level_colour(i, 4)).collect();
        assert_eq!(colours, ["#8cc084", "#d9e07a", "#ec8a3c", "#d1495b"]);
    }

    #[test]
    fn site_maps_draw_the_outline_perimeter_and_a_scale_bar() {
        let square = |d: f64| geo::Polygon::new(geo::LineString::from(vec![(7.0 - d, 51.5 - d), (7.0 + d, 51.5 - d), (7.0 + d, 51.5 + d), (7.0 - d, 51.5 + d), (7.0 - d, 51.5 - d)]), vec![]);
        let svg = site_map_svg(&Geometry::Polygon(square(0.001)), Some(&square(0.002)));
        assert_eq!(svg.matches("<path d=\"M").count(), 3, "perimeter, site and north arrow");
        assert!(svg.contains("stroke-dasharray=\"8 5\""));
        // The perimeter is 445 m north to south: 512 m (with a margin) over 320 px, so a quarter of
        // the map's width is 256 m and the bar shows 200 m.
        assert!(svg.contains(">200 m</text>"), "{svg}");
    }
}
