// The Risk tab of the analysis page: a risk study over an event set (three CSV files
// read in the browser, or a seeded synthetic set), then the average annual impact,
// the impacts at 10–500-year return periods, the exceedance curve, the assets with the
// largest expected annual impact (on the map) and the event table as a CSV download.
import { classLabel, errorText, figure, runTracker, table } from './analysis.js';
import { MEASURES, measureOf } from './analysis-hazard.js';
import { lineChart } from './chart.js';
import { h, replace, toast } from './dom.js';
import { fmtInt } from './format.js';

/** Synthetic event sets: peak range per intensity measure (its unit). */
const PEAKS = {
  flood_depth_m: [0.5, 4],
  wind_speed_m_s: [25, 60],
  pga_g: [0.05, 0.8],
  overpressure_kpa: [5, 100],
  toxic_mg_m3: [5, 200],
};
/**
 * Assets asked for by expected annual impact. The server cuts the list to `top` before
 * it leaves out the assets the reader may not read, so a national analyst asks for many
 * to see those of their country; the page lists SHOWN of them at first.
 */
const TOP = 1000;
const SHOWN = 20;
/** The server refuses larger request bodies by default (max_body_mb = 2). */
const MAX_UPLOAD = 2 * 1024 * 1024 - 4096;

const eur = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', notation: 'compact', maximumFractionDigits: 1 });
const compact = new Intl.NumberFormat('en-GB', { notation: 'compact', maximumFractionDigits: 1 });
const sig = new Intl.NumberFormat('en-GB', { maximumSignificantDigits: 3 });

function num(attrs) {
  return h('input', { type: 'number', inputmode: 'decimal', ...attrs });
}

function field(id, label, input, hint) {
  return h('div', { class: 'field' }, h('label', { class: 'field-label', for: id }, label), input,
    hint ? h('p', { class: 'field-hint' }, hint) : null);
}

/** A CSV cell: quoted when it holds a comma, quote or line break. */
function cell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function eventTableCsv(rows) {
  const lines = ['event_id,frequency,direct_impact,cascade_impact,total_impact'];
  for (const r of rows || []) lines.push([r.event, r.frequency, r.impact, r.cascade, r.total].map(cell).join(','));
  return `${lines.join('\n')}\n`;
}

/**
 * The engine reads the curve by linear interpolation in return period; on a log axis
 * that is a curve, so long segments get points in between (the dots then lie on it).
 */
function densify(curve) {
  const out = [];
  curve.forEach(([x, y], i) => {
    if (i > 0) {
      const [x0, y0] = curve[i - 1];
      const steps = Math.min(40, Math.floor(Math.log(x / x0) / Math.log(1.05)));
      for (let k = 1; k < steps; k += 1) {
        const xi = x0 * (x / x0) ** (k / steps);
        out.push([xi, y0 + ((y - y0) * (xi - x0)) / (x - x0)]);
      }
    }
    out.push([x, y]);
  });
  return out;
}

let csvUrl = null;

function riskResults(container, run, mapApi) {
  const r = run.result;
  const places = r.places || {};
  const people = r.value === 'people';
  const fmt = (v) => (people ? compact.format(v) : eur.format(v));
  const unit = people ? 'people' : 'EUR';
  const rps = r.return_periods || [];
  const curve = (r.exceedance || []).filter(([rp]) => rp > 0).sort((a, b) => a[0] - b[0]);
  const longest = curve.length ? curve.at(-1)[0] : 0;
  const drawn = densify(curve);

  const xMin = Math.min(curve[0]?.[0] ?? 1, 1);
  const xMax = Math.max(longest, ...rps.map((p) => p.return_period), 10);
  const chart = lineChart({
    series: [{ points: drawn, label: 'Impact exceeded', className: 'chart-line-risk' }],
    dots: rps.map((p) => ({
      x: p.return_period, y: p.impact, hollow: !p.within_curve,
      label: `${fmtInt(p.return_period)} years: ${fmt(p.impact)}${p.within_curve ? '' : ' (beyond the curve)'}`,
    })),
    xLabel: 'Return period (years, log scale)', yLabel: people ? 'People' : 'Impact (EUR)', title: 'Exceedance curve',
    xLog: true, xMin, xMax, yMin: 0,
    summary: `${fmtInt(curve.length)} events; ${rps.map((p) => `${fmtInt(p.return_period)} years: ${fmt(p.impact)}${p.within_curve ? '' : ' (beyond the curve)'}`).join(', ')}`,
    xFormat: (v) => fmtInt(v), yFormat: (v) => fmt(v),
  });

  const topRows = (r.top_assets || []).map((a, i) => {
    const p = places[a.asset];
    return h('tr', null,
      h('td', { class: 'num' }, String(i + 1)),
      h('td', null,
        p ? h('button', {
          type: 'button', class: 'btn-link asset-link', title: 'Show on the map',
          onclick: () => { mapApi.fit([[p.lon, p.lat]]); mapApi.setImpact(topItems(a.asset), 'risk'); },
        }, p.name) : a.asset,
        h('span', { class: 'dep-id' }, a.asset),
        h('span', { class: 'dep-via-plain' }, `${classLabel(a.class)} · ${a.country}`)),
      h('td', { class: 'num', title: sig.format(a.eai) }, fmt(a.eai)));
  });
  topRows.forEach((tr, i) => { tr.hidden = i >= SHOWN; });
  const more = topRows.length > SHOWN ? h('button', {
    type: 'button', class: 'btn btn-secondary btn-small', id: 'top-assets-more',
    onclick: () => { for (const tr of topRows) tr.hidden = false; more.remove(); },
  }, `Show all ${fmtInt(topRows.length)}`) : null;
  function topItems(focus) {
    return (r.top_assets || []).map((a) => ({ a, p: places[a.asset] })).filter((x) => x.p)
      .map(({ a, p }) => ({ id: a.asset, lon: p.lon, lat: p.lat, state: focus === undefined || focus === a.asset ? 'down' : 'affected' }));
  }

  if (csvUrl) URL.revokeObjectURL(csvUrl);
  csvUrl = URL.createObjectURL(new Blob([eventTableCsv(r.event_table)], { type: 'text/csv' }));
  const measure = measureOf(r.intensity_measure);

  replace(container,
    h('h2', { class: 'section-title' }, 'Risk'),
    h('p', { class: 'small muted' },
      `${fmtInt(r.events)} events of ${measure.label.toLowerCase()} (${measure.unit}) over ${fmtInt(r.assets)} assets; value: ${people ? 'people served' : 'economic loss'}; `,
      r.mode === 'monte_carlo' ? `damage sampled (Monte Carlo, seed ${r.seed})` : 'mean damage',
      r.cascades ? '; with cascades.' : '; without cascades.'),
    h('dl', { class: 'figures', id: 'risk-figures' },
      figure(r.cascades ? 'Average annual impact, with cascades' : 'Average annual impact', fmt(r.aai), 'fig-aai'),
      figure('Direct only', fmt(r.aai_direct), 'fig-aai-direct'),
      r.cascades ? figure('Added by cascades', fmt(Math.max(0, r.aai - r.aai_direct)), 'fig-aai-cascade') : null,
      figure('Events', fmtInt(r.events), 'fig-events')),
    r.unassigned_assets ? h('p', { class: 'note' }, `${fmtInt(r.unassigned_assets)} assets have no centroid within 2° and are not exposed.`) : null,
    r.withheld ? h('p', { class: 'note', id: 'risk-withheld' }, `${fmtInt(r.withheld)} of the assets with the largest expected annual impact lie outside what you may read and are not listed; the figures include them.`) : null,
    table(`Impact by return period (${unit})`, [['Return period'], ['Impact', true]],
      rps.map((p) => h('tr', { class: p.within_curve ? null : 'beyond' },
        h('td', { class: 'rp' }, `${fmtInt(p.return_period)} years`,
          p.within_curve ? null : h('span', {
            class: 'tag tag-muted', title: `The event set's curve ends at ${sig.format(longest)} years: the value shown is its end value.`,
          }, 'beyond the curve')),
        h('td', { class: 'num', title: sig.format(p.impact) }, fmt(p.impact)))),
      'return-periods'),
    rps.some((p) => !p.within_curve)
      ? h('p', { class: 'small muted', id: 'beyond-note' }, `Return periods beyond the curve (longer than ${sig.format(longest)} years, the rarest event's) show the curve's end value: more events are needed to read them.`)
      : null,
    h('h3', { class: 'subhead' }, 'Exceedance curve'),
    h('figure', { class: 'chart-box', id: 'exceedance-chart' }, chart.element,
      h('figcaption', { class: 'small muted' }, 'The impact exceeded once per return period; dots mark the periods in the table (rings: beyond the curve).')),
    topRows.length
      ? table('Assets with the largest expected annual impact (direct)', [['#', true], ['Asset, class and country'], [`Per year`, true]], topRows, 'top-assets')
      : h('p', { class: 'muted small' }, r.withheld ? 'No asset you may read is among those with the largest expected annual impact.' : 'No asset is damaged by any event.'),
    more,
    h('p', null, h('a', {
      href: csvUrl, download: `risk-events-${run.id.slice(0, 8)}.csv`, id: 'event-table-csv', class: 'btn btn-secondary btn-small',
    }, `Download the event table (CSV, ${fmtInt((r.event_table || []).length)} events)`)));
  mapApi.setImpact(topItems(), 'risk');
  const pts = topItems().map((i) => [i.lon, i.lat]);
  if (pts.length) mapApi.fit(pts);
  container.hidden = false;
  container.scrollIntoView({ block: 'start' });
  document.body.dataset.riskDone = run.id;
}

export function riskPanel(mapApi) {
  const results = h('div', { class: 'results-block', id: 'risk-results', hidden: true });
  const tracker = runTracker('risk', (run) => riskResults(results, run, mapApi));

  const measure = h('select', { id: 'risk-measure' }, MEASURES.map((m) => h('option', { value: m.key }, `${m.label} (${m.unit})`)));
  const source = ['synthetic', 'files'].map((v) => h('label', { class: 'check' },
    h('input', { type: 'radio', name: 'risk-source', value: v, id: `risk-source-${v}`, checked: v === 'synthetic' }),
    v === 'synthetic' ? ' Synthetic: random footprints over the registry' : ' Files: events.csv, centroids.csv, intensity.csv'));

  const events = num({ id: 'risk-events', min: '1', max: '1000000', step: '1', value: '500' });
  const seed = num({ id: 'risk-seed', min: '0', step: '1', value: '1' });
  const peakMin = num({ id: 'risk-peak-min', min: '0', step: 'any' });
  const peakMax = num({ id: 'risk-peak-max', min: '0', step: 'any' });
  const rate = num({ id: 'risk-rate', min: '0', step: 'any', value: '1' });
  const peakMinLabel = h('label', { class: 'field-label', for: 'risk-peak-min' });
  const peakMaxLabel = h('label', { class: 'field-label', for: 'risk-peak-max' });
  const synthetic = h('div', { class: 'hazard-params', id: 'risk-synthetic' },
    h('div', { class: 'form-row' }, field('risk-events', 'Events', events), field('risk-seed', 'Seed', seed)),
    h('div', { class: 'form-row' },
      h('div', { class: 'field' }, peakMinLabel, peakMin), h('div', { class: 'field' }, peakMaxLabel, peakMax)),
    field('risk-rate', 'Events per year (all together)', rate, 'The frequencies of the events sum to this.'));

  const files = ['events', 'centroids', 'intensity'].map((key) => ({
    key,
    input: h('input', { type: 'file', id: `risk-file-${key}`, accept: '.csv,text/csv', class: 'file-input' }),
  }));
  const filesBox = h('div', { class: 'hazard-params', id: 'risk-files', hidden: true },
    files.map((f) => field(`risk-file-${f.key}`, `${f.key}.csv`, f.input)),
    h('p', { class: 'field-hint' }, 'events.csv: event_id, frequency · centroids.csv: centroid_id, lat, lon · intensity.csv: event_id, centroid_id, intensity (in the measure’s unit). Read here and sent with the request (2 MB in all by default; larger sets: rampart analyze risk).'));

  const value = ['economic', 'people'].map((v) => h('label', { class: 'check' },
    h('input', { type: 'radio', name: 'risk-value', value: v, id: `risk-value-${v}`, checked: v === 'economic' }),
    v === 'economic' ? ' Economic loss (EUR)' : ' People served'));
  const mcSeed = num({ id: 'risk-mc-seed', min: '0', step: '1', placeholder: 'none: mean damage' });
  const fragility = h('input', { type: 'checkbox', id: 'risk-fragility' });
  const cascades = h('input', { type: 'checkbox', id: 'risk-cascades' });
  const horizon = num({ id: 'risk-horizon', min: '1', max: '8760', step: '1', value: '72' });
  const threshold = num({ id: 'risk-threshold', min: '0', max: '1', step: '0.05', value: '0.5' });
  const cascadeBox = h('div', { class: 'form-row', id: 'risk-cascade-options', hidden: true },
    field('risk-horizon', 'Cascade horizon (hours)', horizon), field('risk-threshold', 'Damage threshold (0–1)', threshold));

  function setPeaks() {
    const m = measureOf(measure.value);
    const [lo, hi] = PEAKS[measure.value] || [1, 10];
    peakMin.value = String(lo);
    peakMax.value = String(hi);
    peakMinLabel.textContent = `Lowest peak (${m.unit})`;
    peakMaxLabel.textContent = `Highest peak (${m.unit})`;
  }
  setPeaks();
  measure.addEventListener('change', setPeaks);
  const fromFiles = () => document.getElementById('risk-source-files')?.checked;
  for (const s of source) {
    s.querySelector('input').addEventListener('change', () => {
      synthetic.hidden = fromFiles();
      filesBox.hidden = !fromFiles();
    });
  }
  cascades.addEventListener('change', () => { cascadeBox.hidden = !cascades.checked; });

  const form = h('form', { class: 'analysis-form', id: 'risk-form', novalidate: true },
    h('p', { class: 'small muted' }, 'The expected annual impact over a set of events with annual frequencies: every asset of the registry is exposed at its position.'),
    field('risk-measure', 'Intensity measure', measure),
    h('fieldset', { class: 'field-group' }, h('legend', { class: 'field-label' }, 'Event set'), source, synthetic, filesBox),
    h('fieldset', { class: 'field-group' }, h('legend', { class: 'field-label' }, 'Value at risk'), value),
    field('risk-mc-seed', 'Monte Carlo seed (optional)', mcSeed, 'With a seed, damage is sampled per event (reproducibly); without, mean damage.'),
    h('fieldset', { class: 'field-group' }, h('legend', { class: 'field-label' }, 'Options'),
      h('label', { class: 'check' }, fragility, ' Damage from fragility curves (instead of impact functions)'),
      h('label', { class: 'check' }, cascades, ' Cascades: each event’s damaged assets start a cascade'),
      cascadeBox),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn', id: 'risk-run' }, 'Run risk study')),
    tracker.elements);

  async function eventSet() {
    if (!fromFiles()) {
      const lo = Number(peakMin.value);
      const hi = Number(peakMax.value);
      if (!(Number(events.value) >= 1)) throw new Error('Give the number of events (1 or more).');
      if (!(lo > 0 && hi >= lo)) throw new Error('The peaks need 0 < lowest ≤ highest.');
      return { synthetic: { events: Math.round(Number(events.value)), seed: Math.round(Number(seed.value || 0)), peak_min: lo, peak_max: hi, annual_rate: Number(rate.value || 1) } };
    }
    const missing = files.filter((f) => !f.input.files?.length).map((f) => `${f.key}.csv`);
    if (missing.length) throw new Error(`Choose ${missing.join(', ')}.`);
    const size = files.reduce((n, f) => n + f.input.files[0].size, 0);
    if (size > MAX_UPLOAD) throw new Error(`The three files hold ${compact.format(size)} bytes: more than the server accepts in one request (2 MB by default). Use rampart analyze risk for large event sets.`);
    const text = await Promise.all(files.map((f) => f.input.files[0].text()));
    return { files: { events: text[0], centroids: text[1], intensity: text[2] } };
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let set;
    try {
      set = await eventSet();
    } catch (err) {
      toast(errorText(err), 'error');
      return;
    }
    const request = {
      kind: 'risk',
      intensity_measure: measure.value,
      event_set: set,
      value: form.querySelector('input[name="risk-value"]:checked').value,
      fragility: fragility.checked,
      cascades: cascades.checked,
      top: TOP,
    };
    if (mcSeed.value !== '') request.monte_carlo_seed = Math.round(Number(mcSeed.value));
    if (cascades.checked) {
      request.horizon_h = Number(horizon.value);
      request.damage_threshold = Number(threshold.value);
    }
    results.hidden = true;
    tracker.start(request);
  });

  return {
    element: h('div', null, form, results),
    show: (run) => riskResults(results, run, mapApi),
  };
}
