// The analysis page (#/analysis): a scenario from a hazard placed on the map (explosion,
// toxic release, earthquake), a drawn footprint and/or assets picked on the map; the
// N-1 criticality ranking; a risk study over an event set; and past runs. Studies run on the
// server as background jobs (POST /analysis/runs); the page polls the run, shows its
// progress with a Cancel button, then draws the result.
import { ApiError, enc, get, post, query } from './api.js';
import { hazardForm, hazardSection, ringPoints, hazardRings } from './analysis-hazard.js';
import { createAnalysisMap } from './analysis-map.js';
import { riskPanel } from './analysis-risk.js';
import { lineChart } from './chart.js';
import { h, replace, toast } from './dom.js';
import { fmtDate, fmtInt } from './format.js';
import { countryName, getMeta } from './meta.js';

const POLL_MS = 500;
const IN_VIEW_LIMIT = 5000;

const eur = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', notation: 'compact', maximumFractionDigits: 1 });
const hoursFmt = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });
const compact = new Intl.NumberFormat('en-GB', { notation: 'compact', maximumFractionDigits: 1 });
/** A large count in a narrow table cell: "3.1B", with the exact value as its title. */
const bigCell = (n) => h('td', { class: 'num', title: fmtInt(Math.round(n)) }, compact.format(Math.round(n)));
const fmtHour = (t) => `${hoursFmt.format(t)} h`;

let page = null; // built once

/** Label of an impact class: a subsector, sector, public-space category or kind key. */
export function classLabel(key) {
  const meta = getMeta();
  for (const s of meta?.sectors || []) {
    if (s.key === key) return s.label;
    const sub = s.subsectors?.find((x) => x.key === key);
    if (sub) return sub.label;
  }
  const cat = meta?.categories?.find((c) => c.key === key);
  if (cat) return cat.label;
  return key ? key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) : '—';
}

const country = (code) => (code ? `${countryName(code)} (${code})` : '—');

export function errorText(e) {
  if (e instanceof ApiError && e.fieldErrors.length) return e.fieldErrors.map((f) => (f.field ? `${f.field}: ${f.message}` : f.message)).join('; ');
  return e.message;
}

/** Progress, Cancel and messages of one run, polled until it ends. */
export function runTracker(prefix, onDone) {
  const bar = h('progress', { id: `${prefix}-progress`, max: '1', value: '0', 'aria-label': 'Progress of the analysis' });
  const text = h('span', { class: 'run-text', id: `${prefix}-status` });
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: `${prefix}-cancel` }, 'Cancel');
  const box = h('div', { class: 'run-status', role: 'status', 'aria-live': 'polite', hidden: true }, bar, text, cancel);
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  let current = null;
  let timer = null;

  function stop() {
    clearTimeout(timer);
    timer = null;
  }
  function show(run) {
    const pct = Math.round((run.progress || 0) * 100);
    bar.value = run.progress || 0;
    text.textContent = run.status === 'queued' ? 'Queued…' : `Running… ${pct}%`;
  }
  async function poll() {
    if (!current) return;
    try {
      const run = await get(`/analysis/runs/${enc(current)}`);
      if (run.id !== current) return;
      if (run.status === 'queued' || run.status === 'running') {
        show(run);
        timer = setTimeout(poll, POLL_MS);
        return;
      }
      current = null;
      box.hidden = true;
      if (run.status === 'done') onDone(run);
      else {
        error.textContent = run.status === 'cancelled' ? 'The analysis was cancelled.' : `The analysis failed: ${run.error || 'no reason given'}`;
        error.hidden = false;
      }
    } catch (e) {
      current = null;
      box.hidden = true;
      error.textContent = errorText(e);
      error.hidden = false;
    }
  }
  cancel.addEventListener('click', async () => {
    const id = current;
    if (!id) return;
    cancel.disabled = true;
    try {
      await post(`/analysis/runs/${enc(id)}/cancel`);
    } catch (e) {
      if (e.status !== 409) toast(errorText(e), 'error');
    } finally {
      cancel.disabled = false;
    }
  });

  return {
    elements: [box, error],
    busy: () => current !== null,
    async start(request) {
      stop();
      error.hidden = true;
      try {
        const run = await post('/analysis/runs', request);
        current = run.id;
        box.hidden = false;
        show(run);
        timer = setTimeout(poll, POLL_MS);
      } catch (e) {
        error.textContent = errorText(e);
        error.hidden = false;
      }
    },
    reset() {
      stop();
      current = null;
      box.hidden = true;
      error.hidden = true;
    },
  };
}

export function figure(label, value, id) {
  return h('div', { class: 'figure' }, h('dt', null, label), h('dd', { id }, value));
}

export function table(caption, head, rows, id) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id },
    h('caption', { class: 'section-title' }, caption),
    h('thead', null, h('tr', null, head.map(([text, num]) => h('th', { scope: 'col', class: num ? 'num' : null }, text)))),
    h('tbody', null, rows)));
}

/** Per asset: its state changes [{t, down}] in time order. */
function timelines(events) {
  const by = new Map();
  for (const e of events || []) {
    if (!by.has(e.asset)) by.set(e.asset, []);
    by.get(e.asset).push(e);
  }
  for (const list of by.values()) list.sort((a, b) => a.t - b.t);
  return by;
}

function downAt(list, t) {
  let down = false;
  for (const e of list) {
    if (e.t > t) break;
    down = e.down;
  }
  return down;
}

/** Assets down at `t` from the aggregate steps (every asset, withheld or not). */
function stepAt(steps, t) {
  let down = 0;
  for (const s of steps || []) {
    if (s.t > t) break;
    down = s.down;
  }
  return down;
}

// ---------------------------------------------------------------- scenario

function scenarioResults(container, run, mapApi) {
  const r = run.result;
  const imp = r.impact;
  const places = r.places || {};
  const lines = timelines(imp.events);
  for (const id of r.damaged || []) if (!lines.has(id)) lines.set(id, [{ t: 0, down: true }]);
  const horizon = imp.horizon_h;

  const points = (imp.steps || []).map((s) => [s.t, s.down]);
  if (!points.length || points[0][0] > 0) points.unshift([0, 0]);
  points.push([horizon, points.at(-1)[1]]);
  const chart = lineChart({
    series: [{ points, step: true, label: 'Assets down', className: 'chart-line-down' }],
    xLabel: 'Hours after the event', yLabel: 'Assets down', xMin: 0, xMax: horizon, title: 'Assets down over time',
    xFormat: (v) => `${hoursFmt.format(v)}`, yFormat: (v) => fmtInt(v), yInteger: true,
  });

  const slider = h('input', {
    type: 'range', id: 'time-slider', min: '0', max: String(horizon), step: String(horizon > 200 ? 1 : 0.5), value: '0',
    'aria-describedby': 'time-readout',
  });
  const readout = h('output', { id: 'time-readout', for: 'time-slider', class: 'time-readout' });
  const byServiceBody = h('tbody');

  function at(t) {
    chart.setMarker(t);
    const items = [];
    const downByKey = new Map();
    for (const [id, list] of lines) {
      const p = places[id];
      if (!p) continue;
      const down = downAt(list, t);
      items.push({ id, lon: p.lon, lat: p.lat, state: down ? 'down' : 'affected' });
      if (down) {
        const key = `${p.class}|${p.country}`;
        downByKey.set(key, (downByKey.get(key) || 0) + 1);
      }
    }
    mapApi.setImpact(items, 'scenario');
    const shown = items.filter((i) => i.state === 'down').length;
    readout.textContent = `At ${fmtHour(t)}: ${fmtInt(stepAt(imp.steps, t))} assets down (${fmtInt(shown)} of them shown on the map)`;
    slider.setAttribute('aria-valuetext', readout.textContent);
    replace(byServiceBody, (imp.by_service || []).map((s) => h('tr', null,
      h('td', null, classLabel(s.class), h('span', { class: 'dep-via-plain', title: countryName(s.country) }, s.country)),
      h('td', { class: 'num' }, fmtInt(downByKey.get(`${s.class}|${s.country}`) || 0)),
      h('td', { class: 'num' }, fmtInt(s.assets)), bigCell(s.people), bigCell(s.person_hours))));
  }
  slider.addEventListener('input', () => at(Number(slider.value)));

  const hazard = r.hazard && r.hazard.intensity_measure ? r.hazard : null;
  if (!hazard) mapApi.setHazard([]);
  replace(container,
    hazard ? hazardSection(hazard, run.request?.hazard, mapApi, figure) : null,
    h('h2', { class: 'section-title' }, 'Impact'),
    h('dl', { class: 'figures', id: 'scenario-figures' },
      figure('Assets damaged', fmtInt(imp.assets_damaged), 'fig-damaged'),
      figure('Assets down', fmtInt(imp.assets_down), 'fig-down'),
      figure('Peak down at once', fmtInt(imp.peak_down), 'fig-peak'),
      figure('Person-hours without service', fmtInt(Math.round(imp.person_hours)), 'fig-person-hours'),
      figure('Economic loss', eur.format(imp.economic_loss || 0), 'fig-loss'),
      figure('Public-space occupancy exposed', fmtInt(imp.occupancy_exposed), 'fig-occupancy'),
      figure('Countries hit', (imp.countries || []).join(', ') || '—', 'fig-countries')),
    r.withheld ? h('p', { class: 'note', id: 'withheld-note' },
      `${fmtInt(r.withheld)} rows about assets outside what you may read are not listed; the figures include them.`) : null,
    h('h3', { class: 'subhead' }, 'Assets down over time'),
    h('figure', { class: 'chart-box', id: 'impact-chart' }, chart.element,
      h('figcaption', { class: 'small muted' }, `Over ${fmtHour(horizon)}; the line marks the hour chosen below.`)),
    h('div', { class: 'field time-field' },
      h('label', { class: 'field-label', for: 'time-slider' }, 'Replay: hour after the event'), slider, readout,
      h('div', { class: 'legend-inline small' },
        h('span', { class: 'dot dot-down', 'aria-hidden': 'true' }), ' down at that hour ',
        h('span', { class: 'dot dot-affected', 'aria-hidden': 'true' }), ' affected at another time')),
    table('By service and country', [['Service, country'], ['Down at the hour', true], ['Affected', true], ['People', true], ['Person-hours', true]],
      [], 'by-service'),
    (imp.cross_border || []).length
      ? table('Cross-border effects', [['From'], ['To'], ['Assets', true], ['Person-hours', true]],
        imp.cross_border.map((c) => h('tr', null, h('td', null, country(c.from)), h('td', null, country(c.to)),
          h('td', { class: 'num' }, fmtInt(c.assets)), bigCell(c.person_hours))), 'cross-border')
      : h('p', { class: 'muted small' }, 'No effect crossed a border.'));
  container.querySelector('#by-service tbody').replaceWith(byServiceBody);
  at(0);
  const pts = [...lines.keys()].map((id) => places[id]).filter(Boolean).map((p) => [p.lon, p.lat]);
  if (hazard) pts.push(...ringPoints(hazardRings(hazard).rings));
  mapApi.fit(pts);
  container.hidden = false;
  container.scrollIntoView({ block: 'start' });
  document.body.dataset.scenarioDone = run.id;
}

function scenarioPanel(mapApi) {
  const picked = new Map(); // id → {id, name, lon, lat}
  const drawStatus = h('p', { class: 'small muted', id: 'footprint-status', 'aria-live': 'polite' }, 'No footprint.');
  const drawBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'draw-footprint' }, 'Draw footprint');
  const closeBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'close-footprint', disabled: true }, 'Close polygon');
  const clearBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'clear-footprint' }, 'Clear');
  const pickedList = h('ul', { class: 'chips', id: 'picked-assets', 'aria-label': 'Assets lost' });
  const horizon = h('input', { type: 'number', id: 'scenario-horizon', min: '1', max: '8760', step: '1', value: '72', required: true });
  const rules = ['dependencies', 'connectivity', 'restoration'].map((key) => h('label', { class: 'check' },
    h('input', { type: 'checkbox', id: `rule-${key}`, checked: true }), ` ${{
      dependencies: 'Dependencies (buffers run out)', connectivity: 'Network connectivity (cut off from sources)', restoration: 'Restoration of damaged assets',
    }[key]}`));
  const runBtn = h('button', { type: 'submit', class: 'btn', id: 'scenario-run' }, 'Run scenario');
  const results = h('div', { class: 'results-block', id: 'scenario-results', hidden: true });
  const tracker = runTracker('scenario', (run) => scenarioResults(results, run, mapApi));
  const hazard = hazardForm(mapApi);

  function renderPicked() {
    replace(pickedList, [...picked.values()].map((a) => h('li', { class: 'chip' },
      h('span', { title: a.id }, a.name),
      h('button', { type: 'button', class: 'chip-x', 'aria-label': `Remove ${a.name}`, onclick: () => { picked.delete(a.id); renderPicked(); } }, '×'))));
    if (!picked.size) pickedList.append(h('li', { class: 'muted small' }, 'None. Click assets on the map to add them.'));
    mapApi.setPicked([...picked.values()]);
  }
  renderPicked();

  drawBtn.addEventListener('click', () => mapApi.startDrawing());
  closeBtn.addEventListener('click', () => mapApi.closePolygon());
  clearBtn.addEventListener('click', () => mapApi.clearFootprint());

  const form = h('form', { class: 'analysis-form', id: 'scenario-form', novalidate: true },
    h('p', { class: 'small muted' }, 'Place a hazard, draw the area hit and/or pick the assets lost, then run: the cascade follows dependencies and network links over the horizon.'),
    hazard.element,
    h('fieldset', { class: 'field-group' }, h('legend', { class: 'field-label' }, 'Footprint'),
      h('div', { class: 'button-row' }, drawBtn, closeBtn, clearBtn), drawStatus,
      h('p', { class: 'field-hint' }, 'Click the map to add vertices; double-click, press Enter or “Close polygon” to finish; Escape cancels.')),
    h('fieldset', { class: 'field-group' }, h('legend', { class: 'field-label' }, 'Assets lost'), pickedList),
    h('div', { class: 'field' }, h('label', { class: 'field-label', for: 'scenario-horizon' }, 'Horizon (hours)'), horizon),
    h('fieldset', { class: 'field-group' }, h('legend', { class: 'field-label' }, 'Rules'), rules),
    h('div', { class: 'form-actions' }, runBtn),
    tracker.elements);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const footprint = mapApi.footprint();
    const request = {
      kind: 'scenario',
      horizon_h: Number(horizon.value),
      rules: Object.fromEntries(['dependencies', 'connectivity', 'restoration'].map((k) => [k, form.querySelector(`#rule-${k}`).checked])),
      assets: [...picked.keys()],
    };
    if (footprint) request.footprint = footprint;
    const problem = hazard.error();
    if (problem) {
      toast(problem, 'error');
      form.querySelector('#hazard-lat')?.focus();
      return;
    }
    const hz = hazard.request();
    if (hz) Object.assign(request, hz);
    if (!footprint && !picked.size && !hz) {
      toast('Place a hazard, draw a footprint or pick at least one asset first.', 'error');
      return;
    }
    results.hidden = true;
    tracker.start(request);
  });

  return {
    element: h('div', null, form, results),
    onPick(a) {
      if (picked.has(a.id)) picked.delete(a.id);
      else picked.set(a.id, a);
      renderPicked();
    },
    onDrawing({ drawing, vertices, closed }) {
      closeBtn.disabled = !drawing;
      drawBtn.textContent = drawing ? 'Drawing…' : 'Draw footprint';
      drawStatus.textContent = drawing
        ? `Drawing: ${vertices} vertices. Double-click or “Close polygon” to finish.`
        : closed ? `Footprint drawn (${vertices} vertices).` : 'No footprint.';
    },
    onPlace: (p) => hazard.onPlace(p),
    onPlacing: (on) => hazard.onPlacing(on),
    show(run) {
      hazard.load(run.request?.hazard);
      scenarioResults(results, run, mapApi);
    },
  };
}

// ---------------------------------------------------------------- criticality

/** Ids of the readable assets in the map's view (at most IN_VIEW_LIMIT). */
async function assetsInView(bbox) {
  const ids = [];
  let cursor = null;
  do {
    const page = await get(`/assets${query({ bbox, limit: 1000, cursor })}`);
    for (const a of page.items || []) ids.push(a.id);
    cursor = page.next_cursor;
  } while (cursor && ids.length < IN_VIEW_LIMIT);
  return { ids, more: !!cursor };
}

function criticalityResults(container, run, mapApi) {
  const r = run.result;
  const places = r.places || {};
  const name = (id) => places[id]?.name || id;
  const assetCell = (id, meta, badge) => h('td', null, h('button', {
    type: 'button', class: 'btn-link asset-link', title: 'Show on the map', onclick: () => { const p = places[id]; if (p) mapApi.fit([[p.lon, p.lat]]); },
  }, name(id)), h('span', { class: 'dep-id' }, id), meta ? h('span', { class: 'dep-via-plain' }, meta) : null, badge);
  replace(container,
    h('h2', { class: 'section-title' }, 'Criticality (N-1)'),
    h('dl', { class: 'figures' },
      figure('Assets evaluated', fmtInt(r.assets_evaluated), 'fig-evaluated'),
      figure('Of European significance', fmtInt(r.european_significance), 'fig-european'),
      figure('With cross-border effects', fmtInt(r.cross_border), 'fig-cross-border')),
    r.withheld ? h('p', { class: 'note' }, `${fmtInt(r.withheld)} rows about assets outside what you may read are not listed.`) : null,
    table('Ranking: the impact of losing each asset alone', [['#', true], ['Asset, class and country'], ['Person-hours', true], ['Member states', true]],
      (r.ranking || []).map((row, i) => h('tr', null,
        h('td', { class: 'num' }, String(i + 1)),
        assetCell(row.asset, `${classLabel(row.class)} · ${row.country}`,
          row.european_significance ? h('span', { class: 'tag tag-warn', title: 'Affects six or more member states (CER Art. 17)' }, 'European significance') : null),
        bigCell(row.impact.person_hours), h('td', { class: 'num' }, fmtInt(row.member_states)))),
      'ranking'),
    (r.pairs || []).length
      ? table('Worst pairs: lost together', [['Assets'], ['Person-hours', true], ['More than apart', true]],
        r.pairs.map((p) => h('tr', null, h('td', null, `${name(p.a)} + ${name(p.b)}`),
          bigCell(p.impact.person_hours), bigCell(p.excess_person_hours))), 'pairs')
      : h('p', { class: 'muted small' }, 'No pair does worse together than apart.'));
  const top = (r.ranking || []).slice(0, 20).map((row) => places[row.asset]).filter(Boolean);
  mapApi.setImpact(top.map((p, i) => ({ id: String(i), lon: p.lon, lat: p.lat, state: 'down' })), 'criticality');
  container.hidden = false;
  container.scrollIntoView({ block: 'start' });
  document.body.dataset.criticalityDone = run.id;
}

function criticalityPanel(mapApi) {
  const results = h('div', { class: 'results-block', id: 'criticality-results', hidden: true });
  const tracker = runTracker('criticality', (run) => criticalityResults(results, run, mapApi));
  const horizon = h('input', { type: 'number', id: 'criticality-horizon', min: '1', max: '8760', value: '72' });
  const top = h('input', { type: 'number', id: 'criticality-top', min: '1', max: '1000', value: '50' });
  const note = h('p', { class: 'small muted', 'aria-live': 'polite' });
  const form = h('form', { class: 'analysis-form', id: 'criticality-form', novalidate: true },
    h('p', { class: 'small muted' }, 'Loses each asset alone and ranks them by impact; then pairs the worst.'),
    h('fieldset', { class: 'field-group' }, h('legend', { class: 'field-label' }, 'Assets studied'),
      h('label', { class: 'check' }, h('input', { type: 'radio', name: 'crit-scope', value: 'view', checked: true }), ' The assets in view on the map'),
      h('label', { class: 'check' }, h('input', { type: 'radio', name: 'crit-scope', value: 'all' }), ' The whole registry')),
    h('div', { class: 'form-row' },
      h('div', { class: 'field' }, h('label', { class: 'field-label', for: 'criticality-horizon' }, 'Horizon (hours)'), horizon),
      h('div', { class: 'field' }, h('label', { class: 'field-label', for: 'criticality-top' }, 'Ranked assets shown'), top)),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn', id: 'criticality-run' }, 'Run criticality')),
    note, tracker.elements);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const request = { kind: 'criticality', horizon_h: Number(horizon.value), top: Number(top.value) };
    note.textContent = '';
    if (form.querySelector('input[name="crit-scope"]:checked').value === 'view') {
      const { ids, more } = await assetsInView(mapApi.bbox());
      if (!ids.length) {
        note.textContent = 'No asset in view: move the map or choose the whole registry.';
        return;
      }
      if (more) note.textContent = `Only the first ${fmtInt(ids.length)} assets in view are studied; zoom in for all of them.`;
      request.assets = ids;
    }
    results.hidden = true;
    tracker.start(request);
  });
  return { element: h('div', null, form, results), show: (run) => criticalityResults(results, run, mapApi) };
}

// ---------------------------------------------------------------- past runs

function runsPanel(open) {
  const body = h('div', { id: 'runs-list' });
  async function refresh() {
    replace(body, h('p', { class: 'muted small' }, 'Loading…'));
    try {
      const { items } = await get('/analysis/runs');
      if (!items.length) {
        replace(body, h('p', { class: 'muted small' }, 'No runs yet.'));
        return;
      }
      replace(body, table('Past runs, newest first', [['Started'], ['Kind'], ['Status'], ['By'], ['Took', true], ['']],
        items.map((r) => h('tr', null, h('td', null, fmtDate(r.created_at)), h('td', null, r.kind),
          h('td', null, h('span', { class: `tag ${r.status === 'done' ? 'tag-ok' : r.status === 'failed' ? 'tag-warn' : 'tag-muted'}`, title: r.error || '' }, r.status)),
          h('td', null, r.created_by), h('td', { class: 'num' }, r.duration_ms === null ? '—' : `${hoursFmt.format(r.duration_ms / 1000)} s`),
          h('td', null, r.status === 'done' ? h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => open(r.id) }, 'Open') : null))),
        'runs-table'));
    } catch (e) {
      replace(body, h('div', { class: 'form-error', role: 'alert' }, errorText(e)));
    }
  }
  return {
    element: h('div', null, h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: refresh }, 'Refresh')), body),
    refresh,
  };
}

// ---------------------------------------------------------------- page

function tabs(defs) {
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Analyses' });
  const panels = [];
  let selected = 0;
  const buttons = defs.map((d, i) => h('button', {
    type: 'button', role: 'tab', id: `tab-${d.key}`, 'aria-controls': `panel-${d.key}`, class: 'tab',
    onclick: () => select(i),
    onkeydown: (e) => {
      if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        const next = (i + (e.key === 'ArrowRight' ? 1 : defs.length - 1)) % defs.length;
        select(next);
        buttons[next].focus();
      }
    },
  }, d.label));
  list.append(...buttons);
  for (const d of defs) panels.push(h('section', { role: 'tabpanel', id: `panel-${d.key}`, 'aria-labelledby': `tab-${d.key}`, class: 'tab-panel' }, d.element));
  function select(i) {
    selected = i;
    buttons.forEach((b, k) => {
      b.setAttribute('aria-selected', String(k === i));
      b.tabIndex = k === i ? 0 : -1;
      panels[k].hidden = k !== i;
    });
    defs[i].onShow?.();
  }
  select(0);
  return { list, panels, select, selected: () => selected };
}

export async function showAnalysis(root) {
  if (page) {
    page.mapApi.resize();
    return;
  }
  const mapEl = h('div', { id: 'analysis-map', class: 'analysis-map', role: 'region', 'aria-label': 'Map for the analysis', tabindex: '0' });
  const side = h('aside', { class: 'analysis-side', 'aria-label': 'Analysis' });
  replace(root, h('div', { class: 'analysis' }, side, h('div', { class: 'analysis-map-wrap' }, mapEl)));
  let scenario = null;
  const mapApi = await createAnalysisMap(mapEl, {
    onPick: (a) => scenario?.onPick(a),
    onDrawing: (s) => scenario?.onDrawing(s),
    onPlace: (p) => scenario?.onPlace(p),
    onPlacing: (on) => scenario?.onPlacing(on),
  });
  scenario = scenarioPanel(mapApi);
  const criticality = criticalityPanel(mapApi);
  const risk = riskPanel(mapApi);
  let t = null;
  const runs = runsPanel(async (id) => {
    try {
      const run = await get(`/analysis/runs/${enc(id)}`);
      if (run.kind === 'scenario') {
        t.select(0);
        scenario.show(run);
      } else if (run.kind === 'criticality') {
        t.select(1);
        criticality.show(run);
      } else if (run.kind === 'risk') {
        t.select(2);
        risk.show(run);
      } else {
        toast(`Runs of kind ${run.kind} are shown by the API: GET /api/v1/analysis/runs/${run.id}`);
      }
    } catch (e) {
      toast(errorText(e), 'error');
    }
  });
  t = tabs([
    { key: 'scenario', label: 'Scenario', element: scenario.element, onShow: () => { mapApi.showImpact('scenario'); mapApi.showHazard(true); } },
    { key: 'criticality', label: 'Criticality (N-1)', element: criticality.element, onShow: () => { mapApi.showImpact('criticality'); mapApi.showHazard(false); mapApi.stopPlacing(); } },
    { key: 'risk', label: 'Risk', element: risk.element, onShow: () => { mapApi.showImpact('risk'); mapApi.showHazard(false); mapApi.stopPlacing(); } },
    { key: 'runs', label: 'Past runs', element: runs.element, onShow: () => { runs.refresh(); mapApi.stopPlacing(); } },
  ]);
  replace(side, h('div', { class: 'panel-head' }, h('h1', { class: 'panel-title' }, 'Analysis')), t.list, t.panels);
  page = { mapApi };
}
