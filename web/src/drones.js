// The drones page (#/drones): protected sites as UAS geographical zones and drone
// tracks checked against them. Sites are named by id (click them on the map to add
// them), or selected by country and category, or taken from the map view; the zones
// (buffer, altitude band) are previewed on the map and downloaded as ED-269 or ED-318
// (GET /drone/zones). A zone file can be loaded instead (POST /drone/zones/import). A
// track (the JSON form or Remote ID messages in hexadecimal) is checked against the
// zones (POST /drone/check): the track, its reports and the incursions are drawn, and
// the incursions listed. See docs/drones.md.
/* global maplibregl */
import { get, post, query, upload } from './api.js';
import { PUBLIC_SPACE_COLOR, sectorColorExpression } from './colors.js';
import { debounce, h, replace, select, toast } from './dom.js';
import { basemapLayers, bboxOf, newMap, registryInView } from './map.js';
import { countryName, getMeta } from './meta.js';
import { errorText } from './analysis.js';
import { currentUser } from './session.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const ZONE = '#6b3fa0';
const TRACK = '#1f5fa8';
const CONFIRMED = '#c62828';
const POSSIBLE = '#ef8f00';

let page = null;

function style(basemap) {
  return {
    version: 8,
    sources: {
      countries: { type: 'geojson', data: basemap },
      assets: { type: 'geojson', data: EMPTY },
      zones: { type: 'geojson', data: EMPTY },
      track: { type: 'geojson', data: EMPTY },
      incursions: { type: 'geojson', data: EMPTY },
    },
    layers: [
      ...basemapLayers(),
      { id: 'zones-fill', type: 'fill', source: 'zones', paint: { 'fill-color': ZONE, 'fill-opacity': 0.15 } },
      { id: 'zones-line', type: 'line', source: 'zones', paint: { 'line-color': ZONE, 'line-width': 1.8 } },
      {
        id: 'assets', type: 'circle', source: 'assets', filter: ['!=', ['get', 'cluster'], true],
        paint: {
          'circle-color': ['case', ['==', ['get', 'kind'], 'public_space'], PUBLIC_SPACE_COLOR, sectorColorExpression()],
          'circle-opacity': 0.45,
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 3, 3, 8, 4.5, 13, 7],
          'circle-stroke-color': 'rgba(20,30,40,0.35)',
          'circle-stroke-width': 0.6,
        },
      },
      { id: 'track-line', type: 'line', source: 'track', filter: ['==', ['geometry-type'], 'LineString'], paint: { 'line-color': TRACK, 'line-width': 2 } },
      {
        id: 'track-reports', type: 'circle', source: 'track', filter: ['==', ['geometry-type'], 'Point'],
        paint: {
          'circle-radius': 3.5,
          'circle-color': ['match', ['get', 'status'], 'confirmed', CONFIRMED, 'possible', POSSIBLE, TRACK],
          'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1,
        },
      },
      {
        id: 'incursions', type: 'circle', source: 'incursions',
        paint: {
          'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-width': 3,
          'circle-stroke-color': ['match', ['get', 'status'], 'confirmed', CONFIRMED, POSSIBLE],
        },
      },
    ],
  };
}

function boundsOfCoords(coords) {
  let b = null;
  for (const [x, y] of coords) {
    if (!b) b = [x, y, x, y];
    else b = [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)];
  }
  return b && [[b[0], b[1]], [b[2], b[3]]];
}

function zoneFeatures(zones) {
  const features = [];
  for (const z of zones) {
    for (const v of z.volumes) features.push({ type: 'Feature', properties: { id: z.id, name: z.name }, geometry: v.geometry });
  }
  return { type: 'FeatureCollection', features };
}

async function createDroneMap(container, { onPick }) {
  const { map } = await newMap(container, style);
  window.rampartDroneMap = map;
  let ready = false;
  const whenReady = (fn) => (ready ? fn() : map.once('load', fn));
  const setData = (id, data) => whenReady(() => map.getSource(id)?.setData(data));
  const fetchInView = registryInView(map, 'drone map');
  const load = () => (ready ? fetchInView() : undefined);
  map.on('load', () => {
    ready = true;
    document.body.dataset.droneMapReady = '1';
    load();
  });
  map.on('moveend', debounce(load, 250));
  map.on('click', 'assets', (e) => {
    const f = e.features?.[0];
    if (f?.properties?.id) onPick(f.properties.id, f.properties.name);
  });
  map.on('mouseenter', 'assets', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'assets', () => { map.getCanvas().style.cursor = ''; });
  const fit = (coords) => {
    const b = boundsOfCoords(coords);
    if (b) whenReady(() => map.fitBounds(b, { padding: 60, maxZoom: 15, duration: 0 }));
  };
  return {
    bbox: () => bboxOf(map),
    resize: () => map.resize(),
    showZones(zones) {
      const fc = zoneFeatures(zones);
      setData('zones', fc);
      container.dataset.zones = String(fc.features.length);
      fit(fc.features.flatMap((f) => f.geometry.coordinates[0]));
    },
    showCheck(result) {
      const statusAt = new Map();
      for (const i of result.incursions) {
        for (let k = i.first_report; k <= i.last_report; k += 1) {
          if (statusAt.get(k) !== 'confirmed') statusAt.set(k, i.status);
        }
      }
      const byDrone = new Map();
      result.reports.forEach((r, k) => {
        if (!byDrone.has(r.uas_id)) byDrone.set(r.uas_id, []);
        byDrone.get(r.uas_id).push([r.lon, r.lat, k]);
      });
      const features = [];
      for (const [id, pts] of byDrone) {
        if (pts.length > 1) features.push({ type: 'Feature', properties: { uas_id: id }, geometry: { type: 'LineString', coordinates: pts.map(([x, y]) => [x, y]) } });
        for (const [x, y, k] of pts) {
          features.push({ type: 'Feature', properties: { uas_id: id, status: statusAt.get(k) || 'outside' }, geometry: { type: 'Point', coordinates: [x, y] } });
        }
      }
      setData('track', { type: 'FeatureCollection', features });
      container.dataset.incursions = String(result.incursions.length);
      setData('incursions', {
        type: 'FeatureCollection',
        features: result.incursions.map((i) => ({ type: 'Feature', properties: { status: i.status, zone: i.zone_id }, geometry: { type: 'Point', coordinates: i.entry } })),
      });
      fit(result.reports.map((r) => [r.lon, r.lat]));
    },
  };
}

function numberField(id, label, value, hint) {
  const input = h('input', { id, type: 'number', value: String(value), step: 'any', inputmode: 'decimal' });
  return { input, field: h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), input, hint ? h('span', { class: 'field-hint' }, hint) : null) };
}

/** Saves a JSON document as a file. */
function download(doc, name) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function incursionTable(incursions) {
  if (!incursions.length) return h('p', { class: 'muted', id: 'drone-no-incursions' }, 'No incursion: the track stays out of every zone.');
  return h('table', { class: 'data-table', id: 'drone-incursions' },
    h('thead', null, h('tr', null, ['Zone', 'Drone', 'Status', 'From', 'To', 'Reports'].map((t) => h('th', null, t)))),
    h('tbody', null, incursions.map((i) => h('tr', { dataset: { testid: 'incursion' } },
      h('td', null, h('strong', null, i.zone_id), ' ', i.zone_name, i.asset_id ? h('div', { class: 'muted small' }, `site ${i.asset_id}`) : null),
      h('td', null, i.uas_id),
      h('td', null, h('span', { class: `status-${i.status}` }, i.status)),
      h('td', null, i.first_time || `#${i.first_report}`),
      h('td', null, i.last_time || `#${i.last_report}`),
      h('td', { class: 'num' }, String(i.reports))))));
}

function zonesSection(mapApi, state) {
  const meta = getMeta();
  const assets = h('input', { id: 'drone-assets', type: 'text', placeholder: 'Asset ids, comma-separated (or click sites on the map)' });
  const country = select({ id: 'drone-country' }, (meta.countries || []).map((c) => ({ value: c.code, label: c.name || countryName(c.code) })), 'Any country');
  const category = select({ id: 'drone-category' }, (meta.categories || []).map((c) => ({ value: c.key, label: c.label })), 'Any category');
  const inView = h('input', { id: 'drone-in-view', type: 'checkbox' });
  const buffer = numberField('drone-buffer', 'Buffer (m)', 500, 'Around the outline; a point site becomes a circle of this radius.');
  const lower = numberField('drone-lower', 'Lower limit (m)', 0);
  const upper = numberField('drone-upper', 'Upper limit (m)', 120);
  const reference = select({ id: 'drone-reference' }, [
    { value: 'AGL', label: 'Above ground (AGL)' }, { value: 'AMSL', label: 'Above mean sea level (AMSL)' }, { value: 'WGS84', label: 'WGS 84 ellipsoid' }]);
  const status = h('p', { id: 'drone-zone-status', class: 'muted', 'aria-live': 'polite' });
  const error = h('div', { class: 'form-error', role: 'alert', id: 'drone-zone-error', hidden: true });
  const preview = h('button', { type: 'button', class: 'btn', id: 'drone-preview' }, 'Preview zones');
  const ed269 = h('button', { type: 'button', class: 'btn btn-secondary', id: 'drone-download-ed269', disabled: true }, 'Download ED-269');
  const ed318 = h('button', { type: 'button', class: 'btn btn-secondary', id: 'drone-download-ed318', disabled: true }, 'Download ED-318');

  const params = (format) => query({
    assets: assets.value.trim(),
    country: assets.value.trim() ? '' : country.value,
    category: assets.value.trim() ? '' : category.value,
    bbox: !assets.value.trim() && inView.checked ? mapApi.bbox() : '',
    buffer: buffer.input.value, lower: lower.input.value, upper: upper.input.value, reference: reference.value, format,
  });
  const fail = (e) => {
    error.hidden = false;
    replace(error, errorText(e));
  };
  preview.addEventListener('click', async () => {
    error.hidden = true;
    preview.disabled = true;
    try {
      const [summary, doc] = await Promise.all([get(`/drone/zones${params('json')}`), get(`/drone/zones${params('ed318')}`)]);
      state.zonesDoc = doc;
      state.zonesLabel = 'the previewed zones';
      mapApi.showZones(summary.zones);
      replace(status, `${summary.zones.length} zone${summary.zones.length === 1 ? '' : 's'} of protected sites.`);
      ed269.disabled = false;
      ed318.disabled = false;
      state.onZones();
    } catch (e) {
      fail(e);
    } finally {
      preview.disabled = false;
    }
  });
  for (const [btn, format] of [[ed269, 'ed269'], [ed318, 'ed318']]) {
    btn.addEventListener('click', async () => {
      try {
        download(await get(`/drone/zones${params(format)}`), `uas-zones-${format}.json`);
      } catch (e) {
        fail(e);
      }
    });
  }
  const pick = (id) => {
    const ids = assets.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (!ids.includes(id)) ids.push(id);
    assets.value = ids.join(', ');
  };
  const element = h('section', { class: 'tab-panel analysis-form', 'aria-labelledby': 'drone-zones-title' },
    h('h2', { class: 'section-title', id: 'drone-zones-title' }, 'Zones of protected sites'),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Sites'), assets),
    h('div', { class: 'button-row' }, country, category),
    h('label', { class: 'check' }, inView, 'Only the sites in the map view'),
    h('div', { class: 'button-row' }, buffer.field, lower.field, upper.field),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Limits measured from'), reference),
    h('div', { class: 'button-row' }, preview, ed269, ed318),
    status, error);
  return { element, pick };
}

function checkSection(mapApi, state) {
  const zoneFile = h('input', { id: 'drone-zone-file', type: 'file', accept: '.json,.geojson', class: 'file-input' });
  const zoneStatus = h('p', { id: 'drone-zones-for-check', class: 'muted' }, 'Preview the zones of sites above, or load a zone file.');
  const trackFile = h('input', { id: 'drone-track-file', type: 'file', accept: '.json,.txt,.hex', class: 'file-input' });
  const run = h('button', { type: 'button', class: 'btn', id: 'drone-check', disabled: true }, 'Check the track');
  const error = h('div', { class: 'form-error', role: 'alert', id: 'drone-check-error', hidden: true });
  const result = h('div', { id: 'drone-check-result', 'aria-live': 'polite' });
  // Alert issuers may have each confirmed incursion drafted as an alert of the warning network.
  const draftAlerts = currentUser()?.may_issue_alerts ? h('input', { type: 'checkbox', id: 'drone-draft-alerts' }) : null;
  const sync = () => { run.disabled = !state.zonesDoc || !trackFile.files?.[0]; };
  state.onZones = () => {
    replace(zoneStatus, `Checking against ${state.zonesLabel}.`);
    sync();
  };
  zoneFile.addEventListener('change', async () => {
    const f = zoneFile.files?.[0];
    if (!f) return;
    error.hidden = true;
    try {
      const read = await upload('/drone/zones/import', f);
      state.zonesDoc = JSON.parse(await f.text());
      state.zonesLabel = `${f.name} (${read.format.toUpperCase()}, ${read.zones.length} zones${read.warnings.length ? `, ${read.warnings.length} departures from the model accepted` : ''})`;
      mapApi.showZones(read.zones);
      state.onZones();
    } catch (e) {
      error.hidden = false;
      replace(error, `${f.name}: ${errorText(e)}`);
    }
  });
  trackFile.addEventListener('change', sync);
  run.addEventListener('click', async () => {
    const f = trackFile.files?.[0];
    if (!f) return;
    error.hidden = true;
    run.disabled = true;
    try {
      const text = await f.text();
      const trimmed = text.trimStart();
      const track = trimmed.startsWith('{') || trimmed.startsWith('[') ? JSON.parse(text) : text;
      const body = { zones: state.zonesDoc, track };
      if (draftAlerts?.checked) body.draft_alerts = { tlp: 'TLP:AMBER' };
      const r = await post('/drone/check', body);
      mapApi.showCheck(r);
      const confirmed = r.incursions.filter((i) => i.status === 'confirmed').length;
      const drafted = r.draft_alerts || [];
      replace(result,
        h('p', { id: 'drone-check-summary' }, `${r.reports.length} reports against ${r.zones} zones: ${r.incursions.length} incursion${r.incursions.length === 1 ? '' : 's'} (${confirmed} confirmed).`),
        drafted.length ? h('p', { id: 'drone-drafted' }, 'Draft alerts (to approve and publish): ',
          drafted.map((d, n) => [n ? ', ' : '', h('a', { href: `#/alerts/${encodeURIComponent(d.alert_id)}` }, `incursion ${d.incursion + 1}`)])) : null,
        incursionTable(r.incursions));
    } catch (e) {
      error.hidden = false;
      replace(error, errorText(e));
      toast('The track could not be checked', 'error');
    } finally {
      sync();
    }
  });
  return h('section', { class: 'tab-panel analysis-form', 'aria-labelledby': 'drone-check-title' },
    h('h2', { class: 'section-title', id: 'drone-check-title' }, 'Check a drone track'),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Zone file (ED-269 or ED-318), optional'), zoneFile),
    zoneStatus,
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Track (JSON, or Remote ID messages in hexadecimal)'), trackFile),
    draftAlerts ? h('label', { class: 'check' }, draftAlerts, ' Draft an alert (TLP:AMBER) for each confirmed incursion') : null,
    h('div', { class: 'button-row' }, run),
    error, result);
}

export async function showDrones(root) {
  if (page) {
    page.mapApi.resize();
    return;
  }
  const mapEl = h('div', { id: 'drone-map', class: 'analysis-map', role: 'region', 'aria-label': 'Map of zones and tracks', tabindex: '0' });
  const side = h('aside', { class: 'analysis-side', 'aria-label': 'Drones' });
  replace(root, h('div', { class: 'analysis' }, side, h('div', { class: 'analysis-map-wrap' }, mapEl)));
  const state = { zonesDoc: null, zonesLabel: '', onZones: () => {} };
  let zones = null;
  const mapApi = await createDroneMap(mapEl, { onPick: (id) => zones?.pick(id) });
  zones = zonesSection(mapApi, state);
  const check = checkSection(mapApi, state);
  replace(side, h('div', { class: 'panel-head' }, h('h1', { class: 'panel-title' }, 'Drones')), zones.element, check);
  page = { mapApi };
}
