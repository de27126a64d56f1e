// Hostile vehicle mitigation page (#/hvm): a perimeter (a public space of the
// registry, or drawn), approach paths drawn by hand, vehicle classes and an optional
// installed barrier; the approaches come back as a map layer coloured by the
// required test speed, a table, and the speed along the chosen run-up.
/* global maplibregl */
import { ApiError, get, post, query } from './api.js';
import { lineChart } from './chart.js';
import { debounce, h, replace } from './dom.js';
import { basemapLayers, newMap } from './map.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const CLASSES = [
  ['M1', 'car 1500 kg'], ['N1G', 'pick-up 2500 kg'], ['N1', 'van 3500 kg'], ['N2', 'truck 7500 kg (PAS 68)'],
  ['N3', 'truck 7500 kg (PAS 68)'], ['N3C', 'truck 7200 kg (IWA 14-1)'], ['N3D', 'truck 12000 kg (IWA)'],
  ['N3F', 'articulated 30000 kg (IWA)'], ['M', 'ASTM medium-duty 6800 kg'], ['H', 'ASTM heavy 29500 kg'],
];
const DEFAULT = new Set(['M1', 'N1G', 'N1', 'N2', 'N3', 'N3C']);
/** Required test speed (km/h) → colour; beyond 112 km/h is black. */
const SPEED_COLORS = [[16, '#2e7d32'], [32, '#7cb342'], [48, '#fbc02d'], [64, '#fb8c00'], [80, '#e53935'], [96, '#ad1457'], [112, '#6a1b9a']];
const BEYOND = '#1c2631';

export function requiredSpeed(kmh) {
  const s = SPEED_COLORS.find(([v]) => v + 1e-9 >= kmh);
  return s ? s[0] : null;
}

function colorExpression() {
  const e = ['step', ['get', 'speed_kmh'], SPEED_COLORS[0][1]];
  for (let i = 1; i < SPEED_COLORS.length; i += 1) e.push(SPEED_COLORS[i - 1][0] + 1e-9, SPEED_COLORS[i][1]);
  e.push(112 + 1e-9, BEYOND);
  return e;
}

let page = null;

async function createHvmMap(container, onChange) {
  const { map } = await newMap(container, (basemap) => ({
      version: 8,
      sources: { countries: { type: 'geojson', data: basemap }, spaces: { type: 'geojson', data: EMPTY }, perimeter: { type: 'geojson', data: EMPTY },
        paths: { type: 'geojson', data: EMPTY }, approaches: { type: 'geojson', data: EMPTY } },
      layers: [
        ...basemapLayers(),
        { id: 'spaces', type: 'circle', source: 'spaces', paint: { 'circle-radius': 5, 'circle-color': '#8e44ad', 'circle-opacity': 0.5 } },
        { id: 'perimeter-fill', type: 'fill', source: 'perimeter', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#1f5fa8', 'fill-opacity': 0.15 } },
        { id: 'perimeter-line', type: 'line', source: 'perimeter', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#1f5fa8', 'line-width': 2.5 } },
        { id: 'paths', type: 'line', source: 'paths', paint: { 'line-color': '#555', 'line-width': 2, 'line-dasharray': ['literal', [2, 1]] } },
        { id: 'approaches', type: 'line', source: 'approaches', layout: { 'line-cap': 'round' },
          paint: { 'line-color': colorExpression(), 'line-width': ['case', ['boolean', ['get', 'selected'], false], 7, 4.5], 'line-opacity': 0.9 } },
        { id: 'vertices', type: 'circle', source: 'perimeter', filter: ['==', ['geometry-type'], 'Point'],
          paint: { 'circle-radius': 4, 'circle-color': '#fff', 'circle-stroke-color': '#1f5fa8', 'circle-stroke-width': 2 } },
      ],
    }), { maxZoom: 19 });
  window.rampartHvmMap = map;
  let ready = false;
  const whenReady = (fn) => (ready ? fn() : map.once('load', fn));
  const setData = (id, data) => whenReady(() => map.getSource(id)?.setData(data));
  map.on('load', () => { ready = true; document.body.dataset.hvmMapReady = '1'; loadSpaces(); });

  // Public spaces in view, to pick a perimeter from.
  let controller = null;
  async function loadSpaces() {
    if (!ready || map.getZoom() < 9) { setData('spaces', EMPTY); return; }
    controller?.abort();
    controller = new AbortController();
    const b = map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(4)).join(',');
    try {
      const fc = await get(`/map${query({ bbox, kind: 'public_space', zoom: Math.floor(map.getZoom()) })}`, { signal: controller.signal });
      setData('spaces', fc?.features ? { type: 'FeatureCollection', features: fc.features.filter((f) => !f.properties.cluster) } : EMPTY);
    } catch (e) {
      if (e.name !== 'AbortError') console.warn('hvm map:', e.message);
    }
  }
  map.on('moveend', debounce(loadSpaces, 250));

  // Drawing: 'perimeter' (closed polygon) or 'path' (a line); clicks add vertices,
  // Enter or a double click finishes, Escape cancels.
  let mode = null;
  let current = [];
  let perimeter = null; // GeoJSON Polygon
  let perimeterAsset = null; // {id, name}
  const paths = []; // [[lon, lat]…]
  function redraw() {
    const pf = [];
    if (perimeter) pf.push({ type: 'Feature', properties: {}, geometry: perimeter });
    if (mode === 'perimeter') {
      for (const c of current) pf.push({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: c } });
      if (current.length >= 2) pf.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: current } });
    }
    setData('perimeter', { type: 'FeatureCollection', features: pf });
    const lines = mode === 'path' && current.length >= 2 ? [...paths, current] : paths;
    setData('paths', { type: 'FeatureCollection', features: lines.map((c) => ({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: c } })) });
    map.getCanvas().classList.toggle('drawing', !!mode);
    onChange({ mode, vertices: current.length, perimeter: !!perimeter, perimeterAsset, paths: paths.length });
  }
  function finish() {
    if (mode === 'perimeter' && current.length >= 3) {
      perimeter = { type: 'Polygon', coordinates: [[...current, current[0]]] };
      perimeterAsset = null;
    } else if (mode === 'path' && current.length >= 2) {
      paths.push(current);
    }
    mode = null;
    current = [];
    setTimeout(() => map.doubleClickZoom.enable(), 0);
    redraw();
  }
  map.on('click', (e) => {
    const at = [Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))];
    if (mode) { current.push(at); redraw(); return; }
    const hit = map.queryRenderedFeatures(e.point, { layers: ['spaces', 'approaches'] })[0];
    if (hit?.layer.id === 'spaces') api.pickAsset(String(hit.properties.id), hit.properties.name);
    else if (hit?.layer.id === 'approaches') page?.select(Number(hit.properties.approach));
  });
  map.on('dblclick', (e) => {
    if (!mode) return;
    e.preventDefault();
    while (current.length > 1 && current.at(-1)[0] === current.at(-2)[0] && current.at(-1)[1] === current.at(-2)[1]) current.pop();
    finish();
  });
  container.addEventListener('keydown', (e) => {
    if (!mode) return;
    if (e.key === 'Enter') finish();
    if (e.key === 'Escape') { mode = null; current = []; map.doubleClickZoom.enable(); redraw(); }
  });

  const api = {
    map,
    draw(which) { mode = which; current = []; map.doubleClickZoom.disable(); container.focus(); redraw(); },
    finish,
    clearPaths() { paths.length = 0; redraw(); },
    async pickAsset(id, name) {
      perimeterAsset = { id, name: name || id };
      perimeter = null;
      try {
        const a = await get(`/assets/${encodeURIComponent(id)}`);
        if (a.geometry?.type === 'Polygon') perimeter = a.geometry;
      } catch {
        // the server says what is wrong when the analysis runs
      }
      redraw();
    },
    request() {
      const body = {};
      if (perimeterAsset) body.asset_id = perimeterAsset.id;
      else if (perimeter) body.perimeter = perimeter;
      body.paths = { type: 'FeatureCollection', features: paths.map((c, i) => ({ type: 'Feature', properties: { name: `Path ${i + 1}` }, geometry: { type: 'LineString', coordinates: c } })) };
      return body;
    },
    setApproaches(fc) { setData('approaches', fc || EMPTY); },
    fit(points) {
      if (!points.length) return;
      const lons = points.map((p) => p[0]);
      const lats = points.map((p) => p[1]);
      whenReady(() => map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 60, maxZoom: 17, duration: 0 }));
    },
    resize: () => map.resize(),
  };
  return api;
}

function fmt(v, digits = 0) {
  return new Intl.NumberFormat('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
}

export async function showHvm(root) {
  if (page) { page.mapApi.resize(); return; }
  const mapEl = h('div', { id: 'hvm-map', class: 'analysis-map', role: 'region', 'aria-label': 'Map of the perimeter and approaches', tabindex: '0' });
  const status = h('p', { id: 'hvm-status', class: 'muted', role: 'status' }, 'Pick a public space on the map (zoom in) or draw a perimeter.');
  const classes = h('fieldset', { class: 'check-list' }, h('legend', null, 'Vehicle classes'),
    CLASSES.map(([code, label]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'vehicle', value: code, checked: DEFAULT.has(code) }), `${code} — ${label}`)));
  const barrier = h('input', { id: 'hvm-barrier', type: 'text', placeholder: 'e.g. V/7200[N3C]/48/90:0.6', autocomplete: 'off' });
  const legal = h('input', { id: 'hvm-legal', type: 'checkbox' });
  const error = h('div', { id: 'hvm-error', class: 'form-error', role: 'alert', hidden: true });
  const results = h('div', { id: 'hvm-results', class: 'results-block', hidden: true });
  const runBtn = h('button', { type: 'button', id: 'hvm-run', class: 'btn' }, 'Find approaches');
  const side = h('aside', { class: 'analysis-side', 'aria-label': 'Hostile vehicle mitigation' },
    h('div', { class: 'tab-panel' }, h('h1', { class: 'section-title' }, 'Hostile vehicle approaches'),
      h('div', { class: 'analysis-form' },
        status,
        h('div', { class: 'button-row' },
          h('button', { type: 'button', id: 'hvm-draw-perimeter', class: 'btn btn-secondary btn-small', onclick: () => page.mapApi.draw('perimeter') }, 'Draw perimeter'),
          h('button', { type: 'button', id: 'hvm-draw-path', class: 'btn btn-secondary btn-small', onclick: () => page.mapApi.draw('path') }, 'Draw approach path'),
          h('button', { type: 'button', id: 'hvm-finish', class: 'btn btn-secondary btn-small', onclick: () => page.mapApi.finish() }, 'Finish'),
          h('button', { type: 'button', id: 'hvm-clear-paths', class: 'btn btn-secondary btn-small', onclick: () => page.mapApi.clearPaths() }, 'Clear paths')),
        classes,
        h('label', { class: 'field' }, h('span', null, 'Installed barrier rating (optional)'), barrier),
        h('label', { class: 'check' }, legal, 'Cap speeds at legal limits'),
        runBtn, error),
      results));
  replace(root, h('div', { class: 'analysis' }, side, h('div', { class: 'analysis-map-wrap' }, mapEl)));
  const mapApi = await createHvmMap(mapEl, (s) => {
    const what = s.perimeterAsset ? `Perimeter: ${s.perimeterAsset.name}` : s.perimeter ? 'Perimeter drawn' : 'No perimeter yet';
    status.textContent = s.mode === 'perimeter' ? `Drawing the perimeter: ${s.vertices} vertices (Enter or double-click to finish).`
      : s.mode === 'path' ? `Drawing an approach path: ${s.vertices} points (Enter or double-click to finish).`
      : `${what}; ${s.paths} approach path${s.paths === 1 ? '' : 's'}.`;
  });
  let last = null;
  let selected = null;

  function select(id) {
    selected = id;
    if (!last) return;
    const classCode = page.classSelect?.value;
    const fc = { type: 'FeatureCollection', features: last.geojson.features.filter((f) => f.properties.class === classCode)
      .map((f) => ({ ...f, properties: { ...f.properties, selected: f.properties.approach === id } })) };
    mapApi.setApproaches(fc);
    for (const tr of results.querySelectorAll('tbody tr')) tr.classList.toggle('selected', Number(tr.dataset.approach) === id);
    const ap = last.approaches.find((a) => a.id === id);
    const v = ap?.vehicles.find((x) => x.class === classCode);
    const box = results.querySelector('#hvm-chart');
    if (!box) return;
    if (!v) { replace(box); return; }
    const chart = lineChart({
      series: [{ points: v.profile, label: `${v.class} speed` }],
      xLabel: 'Distance along the run-up (m)', yLabel: 'Speed (km/h)', yMin: 0,
      title: `Approach ${ap.id}: ${v.class} reaches ${fmt(v.speed_kmh, 1)} km/h at the perimeter`,
    });
    replace(box, h('h3', { class: 'section-title' }, `Speed along approach ${ap.id} (${v.class})`), chart.element);
  }

  function show(r) {
    last = r;
    const codes = r.vehicles.map((v) => v.code);
    const classSelect = h('select', { id: 'hvm-class', onchange: () => select(selected) }, codes.map((c) => h('option', { value: c }, c)));
    classSelect.value = codes.includes('N3C') ? 'N3C' : codes[codes.length - 1];
    page.classSelect = classSelect;
    const rows = [];
    for (const ap of r.approaches) {
      ap.vehicles.forEach((v, i) => {
        const req = (st) => v.required.find((q) => q.standard === st);
        const cell = (st) => { const q = req(st); return q ? (q.rating ?? q.note) : '—'; };
        rows.push(h('tr', { dataset: { approach: String(ap.id) }, onclick: () => select(ap.id) },
          h('td', null, i === 0 ? String(ap.id) : ''), h('td', null, i === 0 ? (ap.name || ap.road) : ''), h('td', { class: 'num' }, i === 0 ? `${fmt(ap.angle_deg)}°` : ''),
          h('td', null, v.class), h('td', { class: 'num' }, fmt(v.speed_kmh, 1)), h('td', { class: 'num' }, fmt(v.energy_kj)),
          h('td', null, cell('iwa14')), h('td', null, cell('pas68')),
          h('td', null, v.barrier ? (v.barrier.sufficient ? 'stops it' : 'insufficient') : '')));
      });
    }
    const legend = h('div', { class: 'legend-inline', id: 'hvm-legend' }, 'Required test speed:',
      SPEED_COLORS.map(([s, c]) => { const d = h('span', { class: 'dot' }); d.style.background = c; return [d, `${s}`]; }));
    replace(results,
      h('p', { id: 'hvm-summary' }, r.approaches.length
        ? `${r.approaches.length} approach${r.approaches.length === 1 ? '' : 'es'} into the perimeter; the map shows the run-ups of `
        : 'No approach path enters the perimeter.', r.approaches.length ? classSelect : null),
      legend,
      r.insufficient.length ? h('ul', { id: 'hvm-insufficient', class: 'form-error' }, r.insufficient.map((t) => h('li', null, t))) : null,
      h('div', { class: 'table-wrap' }, h('table', { id: 'hvm-table', class: 'data-table' },
        h('caption', { class: 'section-title' }, 'Approaches and the barrier rating each needs'),
        h('thead', null, h('tr', null, ['#', 'Road', 'Angle', 'Class', 'km/h', 'kJ', 'IWA 14-1 / ISO 22343-1', 'PAS 68', 'Barrier'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows))),
      h('figure', { id: 'hvm-chart', class: 'chart-box' }),
      h('p', { class: 'muted' }, 'Speeds assume a start from rest, constant acceleration and bends taken at the friction limit; see docs/hvm.md.'));
    results.hidden = false;
    select(r.approaches[0]?.id ?? null);
    const pts = r.geojson.features.flatMap((f) => f.geometry.coordinates);
    if (r.perimeter?.coordinates) pts.push(...r.perimeter.coordinates[0]);
    mapApi.fit(pts);
    document.body.dataset.hvmRuns = String(Number(document.body.dataset.hvmRuns || 0) + 1);
  }

  runBtn.addEventListener('click', async () => {
    error.hidden = true;
    const body = mapApi.request();
    body.vehicles = [...classes.querySelectorAll('input[name=vehicle]:checked')].map((i) => i.value);
    if (barrier.value.trim()) body.barrier = barrier.value.trim();
    body.legal_limits = legal.checked;
    runBtn.disabled = true;
    try {
      show(await post('/hvm', body));
    } catch (e) {
      const fields = e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ') : e.message;
      error.textContent = fields;
      error.hidden = false;
    } finally {
      runBtn.disabled = false;
    }
  });
  page = { mapApi, select };
}
