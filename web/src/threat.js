// Threat tools: #/blast (stand-off rings on the map, overpressure against distance,
// what lies inside each ring), #/egress (a venue's exits, egress time per exit, the
// bottleneck) and #/precursors (screen a product formulation, report it to the
// national contact point; the catalogue).
import { get, post } from './api.js';
import { lineChart } from './chart.js';
import { h, replace, select } from './dom.js';
import { fmtInt } from './format.js';
import { centroid } from './geo.js';
import { reportCard } from './precursor-report.js';
import { createThreatMap } from './threat-map.js';

const ITEMS = [
  ['pipe_bomb', 'Pipe bomb (2.3 kg)'], ['suicide_vest', 'Suicide vest (9.2 kg)'], ['briefcase', 'Briefcase or suitcase (23 kg)'],
  ['car', 'Car (227 kg)'], ['van', 'SUV or van (454 kg)'], ['small_delivery_truck', 'Small delivery truck (1,814 kg)'],
  ['lorry', 'Container or water truck (4,536 kg)'], ['semi_trailer', 'Semi-trailer (27,216 kg)'],
];

const m = (v) => (v === null || v === undefined ? '—' : `${fmtInt(Math.round(v))} m`);
const num = (v, d = 2) => (v === null || v === undefined ? '—' : new Intl.NumberFormat('en-GB', { maximumFractionDigits: d }).format(v));

function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control, hint ? h('span', { class: 'field-hint' }, hint) : null);
}

function figure(label, value, id) {
  return h('div', { class: 'figure' }, h('dt', null, label), h('dd', { id }, value));
}

function table(caption, head, rows, id) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id },
    h('caption', { class: 'section-title' }, caption),
    h('thead', null, h('tr', null, head.map(([text, isNum]) => h('th', { scope: 'col', class: isNum ? 'num' : null }, text)))),
    h('tbody', null, rows)));
}

function showError(box, err) {
  const fields = err.fieldErrors || [];
  replace(box, fields.length ? fields.map((fe) => h('p', null, `${fe.field}: ${fe.message}`)) : h('p', null, err.message));
  box.hidden = false;
}

// ---------------------------------------------------------------- blast

let blastMap = null;

export async function showBlast(view) {
  if (view.dataset.built) {
    blastMap?.resize();
    return;
  }
  view.dataset.built = '1';
  let at = null;
  const item = select({ id: 'blast-item', name: 'item' }, [...ITEMS.map(([value, label]) => ({ value, label })), { value: '', label: 'Custom charge (kg TNT)' }]);
  item.value = 'car';
  const kg = h('input', { id: 'blast-kg', type: 'number', min: '0', step: 'any', placeholder: 'kg TNT equivalent', disabled: true });
  item.addEventListener('change', () => { kg.disabled = item.value !== ''; });
  const freeAir = h('input', { id: 'blast-free-air', type: 'checkbox' });
  const assetId = h('input', { id: 'blast-asset', placeholder: 'e.g. DE-SUB-1', autocomplete: 'off' });
  const where = h('p', { class: 'field-hint', id: 'blast-where' }, 'Click the map or pick an asset to place the charge.');
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const results = h('div', { id: 'blast-results', class: 'threat-results' });
  const mapBox = h('div', { id: 'blast-map', class: 'threat-map', role: 'region', 'aria-label': 'Map of the blast rings' });
  const place = (lon, lat, label) => {
    at = { lon, lat };
    where.textContent = `Charge at ${lon.toFixed(5)}, ${lat.toFixed(5)}${label ? ` (${label})` : ''}.`;
    blastMap?.setPoint(lon, lat);
  };
  const pickAsset = async () => {
    error.hidden = true;
    try {
      const a = await get(`/assets/${encodeURIComponent(assetId.value.trim())}`);
      const [lon, lat] = centroid(a.geometry);
      place(lon, lat, a.name);
    } catch (e) {
      showError(error, e);
    }
  };
  const compute = async (e) => {
    e?.preventDefault();
    error.hidden = true;
    const body = { burst: freeAir.checked ? 'free_air' : 'surface' };
    if (item.value) body.item = item.value; else body.kg = Number(kg.value);
    if (at) Object.assign(body, at);
    try {
      const r = await post('/blast', body);
      renderBlast(results, r);
      if (r.rings_geojson) blastMap?.setRings(r.rings_geojson);
    } catch (err) {
      showError(error, err);
    }
  };
  replace(view,
    h('h1', { class: 'page-title' }, 'Blast stand-off'),
    h('div', { class: 'threat-layout' },
      h('form', { class: 'card threat-form', id: 'blast-form', novalidate: true, onsubmit: compute },
        error,
        field('Threat item', item),
        field('Charge', kg, 'Used when the item is a custom charge.'),
        h('label', { class: 'check' }, freeAir, ' Free-air burst (default: surface burst)'),
        field('Registry asset', h('div', { class: 'inline' }, assetId, h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'blast-pick', onclick: pickAsset }, 'Use asset'))),
        where,
        h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn', id: 'blast-compute' }, 'Compute'))),
      mapBox),
    results);
  blastMap = await createThreatMap(mapBox, { onPlace: ({ lon, lat }) => place(lon, lat) });
}

function renderBlast(box, r) {
  const rec = r.recommended || {};
  const chartPoints = r.table.map((t) => [t.distance_m, t.overpressure_kpa]);
  const chart = lineChart({
    series: [{ points: chartPoints, label: 'Incident overpressure' }],
    xLabel: 'Distance (m)', yLabel: 'Overpressure (kPa)', xLog: true, yLog: true,
    title: `Incident overpressure against distance, ${num(r.kg_tnt, 1)} kg TNT, ${r.burst.replace('_', '-')} burst`,
    dots: r.rings.filter((x) => x.radius_m).map((x) => ({ x: x.radius_m, y: x.kpa, label: x.label })),
  });
  const exposure = r.exposure;
  const byRing = new Map((exposure?.rings || []).map((x) => [x.id, x]));
  replace(box,
    h('dl', { class: 'figures' },
      figure('Evacuate to', m(rec.evacuation_m), 'blast-evacuation'),
      figure('Shelter in place to', m(rec.shelter_m), 'blast-shelter'),
      exposure ? figure('Sites inside the rings', fmtInt(exposure.sites_total), 'blast-sites-total') : null),
    h('p', { class: 'field-hint' }, rec.source || ''),
    h('div', { class: 'chart-box', id: 'blast-chart' }, chart.element),
    table('Rings', [['Threshold'], ['kPa', true], ['Radius', true], ['Sites', true], ['Public spaces', true], ['Occupancy', true]],
      r.rings.map((x) => {
        const c = byRing.get(x.id);
        return h('tr', null, h('td', null, x.label), h('td', { class: 'num' }, num(x.kpa, 1)), h('td', { class: 'num' }, x.radius_m ? m(x.radius_m) : (x.note ? 'outside the fit' : '—')),
          h('td', { class: 'num' }, c ? fmtInt(c.assets) : '—'), h('td', { class: 'num' }, c ? fmtInt(c.public_spaces) : '—'), h('td', { class: 'num' }, c ? fmtInt(c.occupancy) : '—'));
      }), 'blast-rings'),
    exposure ? table('Nearest sites', [['Site'], ['Kind'], ['Distance', true], ['kPa', true], ['Innermost ring']],
      exposure.sites.slice(0, 50).map((s) => h('tr', null, h('td', null, h('a', { href: `#/asset/${encodeURIComponent(s.id)}` }, s.name || s.id)), h('td', null, s.kind.replace('_', ' ')),
        h('td', { class: 'num' }, m(s.distance_m)), h('td', { class: 'num' }, num(s.overpressure_kpa, 1)), h('td', null, s.ring))), 'blast-sites') : null);
}

// ---------------------------------------------------------------- egress

function rowsEditor(id, columns, initial) {
  const body = h('tbody');
  const addRow = (values = {}) => {
    const cells = columns.map((c) => {
      const control = c.options
        ? select({ 'aria-label': c.label, dataset: { key: c.key } }, c.options.map((o) => ({ value: o, label: o })))
        : h('input', { 'aria-label': c.label, dataset: { key: c.key }, type: c.type || 'text', step: 'any', min: c.type === 'number' ? '0' : null });
      if (values[c.key] !== undefined) control.value = values[c.key];
      return h('td', null, control);
    });
    const tr = h('tr', null, cells, h('td', null, h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': 'Remove row', onclick: () => tr.remove() }, '×')));
    body.append(tr);
  };
  initial.forEach(addRow);
  const element = h('div', { class: 'rows-editor' },
    h('table', { class: 'data-table', id }, h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c.label)), h('th'))), body),
    h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: `${id}-add`, onclick: () => addRow() }, 'Add a row'));
  const values = () => [...body.rows].map((tr) => Object.fromEntries([...tr.querySelectorAll('[data-key]')].map((el) => [el.dataset.key, el.value])));
  return { element, values };
}

export function showEgress(view) {
  if (view.dataset.built) return;
  view.dataset.built = '1';
  const rules = select({ id: 'egress-rules' }, [
    { value: 'green-guide', label: 'Green Guide (8 min)' }, { value: 'uk-entertainment', label: 'UK places of entertainment (exit units)' }, { value: 'nfpa101', label: 'NFPA 101 (capacity factors)' }]);
  const name = h('input', { id: 'egress-name', value: 'Stadium' });
  const areas = rowsEditor('egress-areas', [
    { key: 'id', label: 'Area' },
    { key: 'basis', label: 'Load from', options: ['seats', 'occupants', 'standing m²', 'dance m²', 'terrace m²'] },
    { key: 'value', label: 'Number', type: 'number' },
  ], [{ id: 'north', basis: 'seats', value: 4000 }, { id: 'south', basis: 'seats', value: 2000 }]);
  const exits = rowsEditor('egress-exits', [
    { key: 'id', label: 'Exit' }, { key: 'width_m', label: 'Clear width (m)', type: 'number' },
    { key: 'type', label: 'Type', options: ['level', 'stairs', 'ramp'] }, { key: 'serves', label: 'Serves (areas, comma-separated; empty: all)' },
  ], [{ id: 'A', width_m: 6, type: 'level', serves: 'north' }, { id: 'B', width_m: 2, type: 'stairs', serves: 'south' }]);
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const results = h('div', { id: 'egress-results', class: 'threat-results' });
  const venue = () => ({
    name: name.value,
    areas: areas.values().map((a) => {
      const n = a.value === '' ? null : Number(a.value);
      if (a.basis === 'seats' || a.basis === 'occupants') return { id: a.id, [a.basis]: n };
      return { id: a.id, area_m2: n, use: a.basis.split(' ')[0] };
    }),
    exits: exits.values().map((x) => ({
      id: x.id, width_m: x.width_m === '' ? null : Number(x.width_m), type: x.type,
      serves: x.serves.trim() ? x.serves.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    })),
  });
  const compute = async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      renderEgress(results, await post('/egress', { rules: rules.value, venue: venue() }));
    } catch (err) {
      showError(error, err);
    }
  };
  replace(view,
    h('h1', { class: 'page-title' }, 'Crowd egress'),
    h('form', { class: 'card', id: 'egress-form', novalidate: true, onsubmit: compute },
      error,
      h('div', { class: 'form-row' }, field('Venue', name), field('Rule set', rules)),
      h('h2', { class: 'section-title' }, 'Areas'), areas.element,
      h('h2', { class: 'section-title' }, 'Exits'), exits.element,
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn', id: 'egress-compute' }, 'Assess egress'))),
    results);
}

/** Horizontal bars: egress time per exit, with the target as a line. */
function exitBars(exits, target) {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, text) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  };
  const rowH = 26;
  const left = 90;
  const width = 560;
  const max = Math.max(target || 0, ...exits.map((x) => x.time_min || 0)) * 1.1 || 1;
  const x = (v) => left + (v / max) * (width - left - 60);
  const root = s('svg', { viewBox: `0 0 ${width} ${exits.length * rowH + 30}`, class: 'chart', role: 'img', 'aria-label': `Egress time per exit${target ? `, target ${target} minutes` : ''}` });
  exits.forEach((e, i) => {
    const y = 10 + i * rowH;
    root.append(s('text', { x: left - 8, y: y + 15, 'text-anchor': 'end', class: 'chart-tick' }, e.id));
    const t = e.time_min ?? max;
    root.append(s('rect', { x: left, y: y + 3, width: Math.max(1, x(t) - left), height: rowH - 8, class: e.meets_target ? 'bar bar-ok' : 'bar bar-bad' }));
    root.append(s('text', { x: x(t) + 6, y: y + 15, class: 'chart-tick' }, e.time_min === null ? 'no flow' : `${num(e.time_min)} min`));
  });
  if (target) {
    const tx = x(target);
    root.append(s('line', { x1: tx, x2: tx, y1: 4, y2: exits.length * rowH + 12, class: 'chart-marker' }));
    root.append(s('text', { x: tx, y: exits.length * rowH + 26, 'text-anchor': 'middle', class: 'chart-tick' }, `target ${target} min`));
  }
  return root;
}

function renderEgress(box, r) {
  const b = r.bottleneck;
  replace(box,
    h('dl', { class: 'figures' },
      figure('Occupants', fmtInt(r.occupants), 'egress-occupants'),
      figure('Egress time', r.egress_time_min === null ? (r.rules === 'nfpa101' ? 'not timed' : 'unbounded') : `${num(r.egress_time_min)} min`, 'egress-time'),
      figure('Target', r.target_min ? `${num(r.target_min)} min` : '—', 'egress-target'),
      figure(r.rules === 'nfpa101' ? 'Capacity' : 'Capacity within the target', fmtInt(Math.floor(r.capacity)), 'egress-capacity')),
    h('p', { id: 'egress-verdict', class: r.meets_target ? 'verdict verdict-ok' : 'verdict verdict-bad' },
      r.meets_target ? 'Every exit meets the target.' : `Does not meet the target: ${num(r.extra_width_needed_m)} m more exit width needed.`),
    b ? h('p', { id: 'egress-bottleneck' }, `Bottleneck: exit ${b.exit}${b.time_min !== null ? ` (${num(b.time_min)} min)` : ''}; it needs ${num(b.width_needed_m)} m instead of ${num(b.width_m)} m.`) : null,
    r.rules === 'nfpa101' ? null : h('div', { class: 'chart-box', id: 'egress-chart' }, exitBars(r.exits, r.target_min)),
    table('Exits', [['Exit'], ['Type'], ['Width', true], ['Load', true], ['Time', true], ['Width needed', true], ['Fruin']],
      r.exits.map((e) => h('tr', null, h('td', null, e.id), h('td', null, e.type), h('td', { class: 'num' }, `${num(e.width_m)} m`), h('td', { class: 'num' }, fmtInt(Math.round(e.load))),
        h('td', { class: 'num' }, e.time_min === null ? '—' : `${num(e.time_min)} min`), h('td', { class: 'num' }, `${num(e.width_needed_m)} m`), h('td', null, e.fruin || '—'))), 'egress-exits-result'));
}

// ---------------------------------------------------------------- precursors

export async function showPrecursors(view) {
  if (view.dataset.built) return;
  view.dataset.built = '1';
  const catalogue = await get('/precursors/catalogue');
  const options = [{ value: '', label: 'Other ingredient (not regulated)' }, ...catalogue.substances.map((s) => ({ value: s.cas, label: `${s.name} (${s.cas})` }))];
  const body = h('tbody');
  const addRow = (cas = '', pct = '') => {
    const sub = select({ 'aria-label': 'Substance', class: 'pc-cas' }, options);
    sub.value = cas;
    const p = h('input', { type: 'number', step: 'any', min: '0', max: '100', 'aria-label': '% w/w', class: 'pc-pct', value: pct });
    const tr = h('tr', null, h('td', null, sub), h('td', null, p), h('td', null, h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': 'Remove row', onclick: () => tr.remove() }, '×')));
    body.append(tr);
  };
  addRow('7722-84-1', '30');
  addRow('', '70');
  const name = h('input', { id: 'pc-name', value: 'Product' });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const results = h('div', { id: 'pc-results', class: 'threat-results' });
  const product = () => ({
    name: name.value,
    components: [...body.rows].map((tr) => {
      const cas = tr.querySelector('.pc-cas').value;
      const pct = tr.querySelector('.pc-pct').value;
      const percent = pct === '' ? null : Number(pct);
      return cas ? { cas, percent } : { name: 'other', percent };
    }),
  });
  const screen = async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      const r = await post('/precursors/screen', product());
      replace(results,
        h('p', { id: 'pc-outcome', class: `verdict outcome-${r.outcome}` }, r.summary),
        r.findings.length ? table('Findings', [['Substance'], ['CAS'], ['% w/w', true], ['Compared', true], ['Outcome'], ['Why']],
          r.findings.map((f) => h('tr', null, h('td', null, f.substance), h('td', null, f.cas), h('td', { class: 'num' }, num(f.percent, 3)),
            h('td', { class: 'num' }, f.compared_pct === null ? '—' : `${num(f.compared_pct, 3)} %`), h('td', null, f.outcome.replace('_', ' ')), h('td', null, f.reason))), 'pc-findings') : null);
    } catch (err) {
      showError(error, err);
    }
  };
  const pct = (v) => (v === null ? '—' : `${v} %`);
  replace(view,
    h('h1', { class: 'page-title' }, 'Explosives precursors'),
    h('p', { class: 'field-hint' }, `${catalogue.source}. Substances above the limit are restricted; a licence is possible up to the upper limit where a Member State runs a licensing regime.`),
    h('form', { class: 'card', id: 'pc-form', novalidate: true, onsubmit: screen },
      error,
      field('Product', name),
      h('table', { class: 'data-table', id: 'pc-components' }, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Substance'), h('th', { scope: 'col' }, '% w/w'), h('th'))), body),
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'pc-add', onclick: () => addRow() }, 'Add an ingredient'),
        h('button', { type: 'submit', class: 'btn', id: 'pc-screen' }, 'Screen'))),
    results,
    reportCard(catalogue, product),
    table('Catalogue', [['Substance'], ['CAS'], ['Annex'], ['Limit', true], ['Licence up to', true], ['Also known as']],
      catalogue.substances.map((s) => h('tr', null, h('td', null, s.name), h('td', null, s.cas), h('td', null, s.annex),
        h('td', { class: 'num' }, s.basis === 'nitrogen' ? `${s.limit_pct} % N` : pct(s.limit_pct)), h('td', { class: 'num' }, pct(s.licence_upper_pct)), h('td', null, s.common_names.join(', ')))), 'pc-catalogue'));
}
