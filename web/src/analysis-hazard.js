// Hazards of a scenario on the analysis page: the form (none, explosion, toxic release,
// earthquake; the point placed by clicking the map or typed in), the request's
// `hazard` object, and the result's exposure figures and rings drawn on the map.
import { h, replace } from './dom.js';
import { fmtInt } from './format.js';

/** Intensity measures of the engine: key → label and unit. */
export const MEASURES = [
  { key: 'flood_depth_m', label: 'Flood depth', unit: 'm', peak: 'Deepest flood' },
  { key: 'wind_speed_m_s', label: 'Wind speed', unit: 'm/s', peak: 'Strongest wind' },
  { key: 'pga_g', label: 'Peak ground acceleration', unit: 'g', peak: 'Peak ground acceleration' },
  { key: 'overpressure_kpa', label: 'Blast overpressure', unit: 'kPa', peak: 'Peak overpressure' },
  { key: 'toxic_mg_m3', label: 'Toxic concentration', unit: 'mg/m³', peak: 'Peak concentration' },
];

export const measureOf = (key) => MEASURES.find((m) => m.key === key) || { key, label: key, unit: '' };

const sig = new Intl.NumberFormat('en-GB', { maximumSignificantDigits: 3 });
/** 193.60126 in toxic_mg_m3 → "194 mg/m³" */
export function fmtIntensity(key, v) {
  const unit = measureOf(key).unit;
  return `${sig.format(v)}${unit ? ` ${unit}` : ''}`;
}

/** Threat items of the engine (key, label, kg TNT): NCTC's stand-off chart. */
const THREATS = [
  ['pipe_bomb', 'Pipe bomb', 2.3],
  ['suicide_vest', 'Suicide vest', 9.2],
  ['briefcase', 'Briefcase or suitcase bomb', 23],
  ['car', 'Car (sedan)', 227],
  ['van', 'SUV or van', 454],
  ['small_delivery_truck', 'Small delivery truck', 1814],
  ['lorry', 'Container or water truck', 4536],
  ['semi_trailer', 'Semi-trailer', 27216],
];

/** Readable names of the engine's default blast thresholds (data/blast_thresholds.csv). */
const BLAST_LABELS = {
  glass_breakage_minor: 'Occasional window breakage',
  glass_breakage: 'Window glass breakage',
  windows_shattered: 'Windows shattered',
  structural_minor: 'Minor structural damage',
  structural_partial_collapse: 'Partial collapse of houses',
  structural_severe: 'Houses nearly destroyed',
  eardrum_rupture: 'Eardrum rupture',
  eardrum_rupture_50: '50 % eardrum rupture',
  building_destroyed: 'Buildings destroyed',
  lethal_threshold: 'Threshold of lethality',
  lethal_50: '50 % lethality',
};

const ringLabel = (label) => BLAST_LABELS[label] || (label ? label.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) : '');

/** Yellow to dark red: the higher the threshold, the darker. */
const RAMP = ['#fed976', '#feb24c', '#fd8d3c', '#fc4e2a', '#e31a1c', '#bd0026', '#800026'];
const RANGE = '#5d6978';

function num(attrs) {
  return h('input', { type: 'number', inputmode: 'decimal', ...attrs });
}

function field(id, label, input, hint) {
  return h('div', { class: 'field' }, h('label', { class: 'field-label', for: id }, label), input,
    hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null);
}

/**
 * The hazard part of the scenario form.
 * Returns {element, request() → {hazard, damage_threshold} | null (no hazard),
 * error() → a message when the hazard is incomplete, onPlace, onPlacing, clear()}.
 */
export function hazardForm(mapApi) {
  const kind = h('select', { id: 'hazard-kind', 'aria-describedby': 'hazard-kind-hint' },
    h('option', { value: 'none' }, 'None: the footprint and assets below'),
    h('option', { value: 'blast' }, 'Explosion'),
    h('option', { value: 'plume' }, 'Toxic release'),
    h('option', { value: 'quake' }, 'Earthquake'));

  // Where: typed in or placed by a click on the map.
  const lon = num({ id: 'hazard-lon', min: '-180', max: '180', step: 'any', placeholder: 'e.g. 13.4050' });
  const lat = num({ id: 'hazard-lat', min: '-90', max: '90', step: 'any', placeholder: 'e.g. 52.5200' });
  const placeBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'hazard-place', 'aria-pressed': 'false' }, 'Place on the map');
  const placeStatus = h('p', { class: 'small muted', id: 'hazard-place-status', 'aria-live': 'polite' }, 'Not placed yet.');
  const whereLegend = h('legend', { class: 'field-label' }, 'Location');
  const where = h('fieldset', { class: 'field-group', id: 'hazard-where' }, whereLegend,
    h('div', { class: 'form-row' }, field('hazard-lat', 'Latitude', lat), field('hazard-lon', 'Longitude', lon)),
    h('div', { class: 'button-row' }, placeBtn), placeStatus);

  // Explosion.
  const item = h('select', { id: 'blast-item' },
    THREATS.map(([key, label, kg]) => h('option', { value: key }, `${label} (${fmtInt(kg)} kg TNT)`)),
    h('option', { value: 'custom' }, 'Other: kg TNT equivalent'));
  item.value = 'car';
  const kg = num({ id: 'blast-kg', min: '0.1', step: 'any', value: '100' });
  const kgField = field('blast-kg', 'Charge (kg TNT equivalent)', kg);
  kgField.hidden = true;
  const burst = ['surface', 'free_air'].map((b) => h('label', { class: 'check' },
    h('input', { type: 'radio', name: 'blast-burst', value: b, id: `blast-burst-${b}`, checked: b === 'surface' }),
    b === 'surface' ? ' Surface burst (a vehicle, a bag on the ground)' : ' Free-air burst (above ground)'));
  const blast = h('div', { class: 'hazard-params', id: 'hazard-blast' },
    field('blast-item', 'Threat item', item, 'Explosive capacities of the NCTC bomb threat stand-off chart.'), kgField,
    h('fieldset', { class: 'field-group' }, h('legend', { class: 'field-label' }, 'Burst'), burst));
  item.addEventListener('change', () => { kgField.hidden = item.value !== 'custom'; });

  // Toxic release (a Gaussian plume); defaults: chlorine, 60-minute AEGLs.
  const rate = num({ id: 'plume-rate', min: '0', step: 'any', value: '1000' });
  const height = num({ id: 'plume-height', min: '0', step: 'any', value: '2' });
  const wind = num({ id: 'plume-wind', min: '0.5', step: 'any', value: '3' });
  const dir = num({ id: 'plume-dir', min: '0', max: '360', step: '1', value: '270' });
  const stability = h('select', { id: 'plume-stability' },
    [['A', 'A: very unstable (sunny, light wind)'], ['B', 'B: unstable'], ['C', 'C: slightly unstable'],
      ['D', 'D: neutral (overcast or windy)'], ['E', 'E: slightly stable'], ['F', 'F: stable (clear night, light wind)']]
      .map(([v, l]) => h('option', { value: v }, l)));
  stability.value = 'D';
  const levelRows = [['AEGL-1', 1.45], ['AEGL-2', 5.8], ['AEGL-3', 58]].map(([id, v], i) => ({
    id: h('input', { type: 'text', id: `plume-level-${i}-id`, value: id, 'aria-label': `Level ${i + 1}: name` }),
    mg: num({ id: `plume-level-${i}-mg`, min: '0', step: 'any', value: String(v), 'aria-label': `Level ${i + 1}: concentration in mg/m³` }),
  }));
  const plume = h('div', { class: 'hazard-params', id: 'hazard-plume' },
    h('div', { class: 'form-row' },
      field('plume-rate', 'Release rate (g/s)', rate), field('plume-height', 'Release height (m)', height)),
    h('div', { class: 'form-row' },
      field('plume-wind', 'Wind speed (m/s)', wind), field('plume-dir', 'Wind from (degrees)', dir, '0 north, 90 east, 270 west.')),
    field('plume-stability', 'Stability class (Pasquill–Gifford)', stability),
    h('fieldset', { class: 'field-group' }, h('legend', { class: 'field-label' }, 'Levels outlined (mg/m³)'),
      h('p', { class: 'field-hint' }, 'Defaults: chlorine, 60-minute AEGL-1/2/3. Leave a row empty to drop it.'),
      h('div', { class: 'level-rows' }, levelRows.map((r) => h('div', { class: 'level-row' }, r.id, r.mg)))));

  // Earthquake.
  const mw = num({ id: 'quake-mw', min: '4', max: '9', step: '0.1', value: '6.5' });
  const vs30 = num({ id: 'quake-vs30', min: '100', max: '2000', step: '10', value: '760' });
  const quake = h('div', { class: 'hazard-params', id: 'hazard-quake' },
    h('div', { class: 'form-row' },
      field('quake-mw', 'Magnitude (Mw)', mw),
      field('quake-vs30', 'Site Vs30 (m/s)', vs30, '760 rock, 360 stiff soil, 180 soft soil.')));

  const threshold = num({ id: 'hazard-threshold', min: '0', max: '1', step: '0.05', value: '0.5' });
  const thresholdField = field('hazard-threshold', 'Damage threshold (damage ratio 0–1)', threshold,
    'An asset is damaged when its expected damage ratio reaches this.');

  const params = { blast, plume, quake };
  const element = h('fieldset', { class: 'field-group hazard-group' },
    h('legend', { class: 'field-label' }, 'Hazard'),
    kind, h('p', { class: 'field-hint', id: 'hazard-kind-hint' }, 'Place an explosion, a toxic release or an earthquake on the map: the assets it damages start the cascade.'),
    where, blast, plume, quake, thresholdField);

  function point() {
    const x = Number(lon.value);
    const y = Number(lat.value);
    return lon.value !== '' && lat.value !== '' && Number.isFinite(x) && Number.isFinite(y) ? { lon: x, lat: y } : null;
  }
  function showPoint() {
    const p = point();
    mapApi.setHazardPoint(kind.value === 'none' ? null : p);
    if (!mapApi.isPlacing()) placeStatus.textContent = p ? `Placed at ${p.lat.toFixed(4)}, ${p.lon.toFixed(4)} (lat, lon).` : 'Not placed yet.';
  }
  function update() {
    const k = kind.value;
    where.hidden = k === 'none';
    thresholdField.hidden = k === 'none';
    for (const [key, el] of Object.entries(params)) el.hidden = key !== k;
    whereLegend.textContent = { blast: 'Location of the charge', plume: 'Location of the release', quake: 'Epicentre' }[k] || 'Location';
    placeBtn.textContent = { blast: 'Place the charge on the map', plume: 'Place the release on the map', quake: 'Place the epicentre on the map' }[k] || 'Place on the map';
    if (k === 'none') {
      mapApi.stopPlacing();
      mapApi.setHazard([]);
    } else if (!point()) mapApi.startPlacing();
    showPoint();
  }
  kind.addEventListener('change', update);
  for (const input of [lon, lat]) input.addEventListener('input', showPoint);
  placeBtn.addEventListener('click', () => (mapApi.isPlacing() ? mapApi.stopPlacing() : mapApi.startPlacing()));
  update();

  return {
    element,
    /** A message when the hazard chosen cannot be sent yet, else null. */
    error() {
      if (kind.value === 'none') return null;
      const p = point();
      if (!p || Math.abs(p.lon) > 180 || Math.abs(p.lat) > 90) return 'Place the hazard on the map (or type its latitude and longitude) first.';
      const t = Number(threshold.value);
      if (!(t >= 0 && t <= 1)) return 'The damage threshold is a damage ratio from 0 to 1.';
      if (kind.value === 'plume' && !levelRows.some((r) => r.id.value.trim() && Number(r.mg.value) > 0)) return 'Give at least one level with a concentration above 0.';
      return null;
    },
    /** {hazard, damage_threshold}, or null when no hazard is chosen. */
    request() {
      const p = point();
      let hazard;
      switch (kind.value) {
        case 'blast':
          hazard = { kind: 'blast', ...p, burst: form().querySelector('input[name="blast-burst"]:checked').value };
          if (item.value === 'custom') hazard.kg_tnt = Number(kg.value);
          else hazard.item = item.value;
          break;
        case 'plume':
          hazard = {
            kind: 'plume', ...p, rate_g_s: Number(rate.value), height_m: Number(height.value || 0),
            wind_speed_m_s: Number(wind.value), wind_from_deg: Number(dir.value), stability: stability.value,
            levels: levelRows.filter((r) => r.id.value.trim() && r.mg.value !== '').map((r) => ({ id: r.id.value.trim(), mg_m3: Number(r.mg.value) })),
          };
          break;
        case 'quake':
          hazard = { kind: 'quake', ...p, mw: Number(mw.value), vs30: Number(vs30.value) };
          break;
        default:
          return null;
      }
      return { hazard, damage_threshold: Number(threshold.value) };
    },
    onPlace(p) {
      lon.value = String(p.lon);
      lat.value = String(p.lat);
      showPoint();
    },
    onPlacing(on) {
      placeBtn.setAttribute('aria-pressed', String(on));
      placeBtn.classList.toggle('active', on);
      if (on) placeStatus.textContent = 'Click the map where the hazard is (Escape cancels).';
      else showPoint();
    },
    /** Shows a past run's hazard in the form. */
    load(hz) {
      if (!hz || !['blast', 'plume', 'quake'].includes(hz.kind)) return;
      kind.value = hz.kind;
      lon.value = String(hz.lon);
      lat.value = String(hz.lat);
      update();
    },
  };
  function form() {
    return element.closest('form') || element;
  }
}

/**
 * The rings of a result's hazard footprint, graded by intensity, for the map, and the
 * rows of its legend. Rings at the same intensity are merged under one label.
 */
export function hazardRings(hz) {
  const features = (hz?.footprint?.features || []).filter((f) => f.geometry);
  const unit = measureOf(hz?.intensity_measure).unit;
  const levels = [...new Set(features.map((f) => Number(f.properties?.intensity) || 0).filter((v) => v > 0))].sort((a, b) => a - b);
  const color = (v) => {
    if (!(v > 0)) return RANGE;
    const i = levels.indexOf(v);
    return RAMP[levels.length > 1 ? Math.round((i * (RAMP.length - 1)) / (levels.length - 1)) : RAMP.length - 2];
  };
  const groups = new Map();
  for (const f of features) {
    const v = Number(f.properties?.intensity) || 0;
    const key = String(v);
    if (!groups.has(key)) groups.set(key, { intensity: v, labels: [], geometries: [] });
    const g = groups.get(key);
    const label = ringLabel(f.properties?.label);
    if (label && !g.labels.includes(label)) g.labels.push(label);
    g.geometries.push(f.geometry);
  }
  // Outer (lower) first, so inner rings are drawn on top.
  const ordered = [...groups.values()].sort((a, b) => a.intensity - b.intensity);
  const rings = [];
  const legend = [];
  ordered.forEach((g) => {
    const c = color(g.intensity);
    const value = g.intensity > 0 ? `${sig.format(g.intensity)} ${unit}`.trim() : '';
    const text = g.labels.join(' · ') || '—';
    legend.push({ color: c, text, value });
    g.geometries.forEach((geometry, k) => rings.push({
      geometry, color: c, opacity: g.intensity > 0 ? 0.16 : 0.03,
      label: k === 0 ? (value ? `${value} · ${g.labels[0] || ''}`.replace(/ · $/, '') : text) : null,
      rank: g.intensity,
    }));
  });
  return { rings, legend: legend.reverse() };
}

/** Every vertex of the rings, to fit the map to them. */
export function ringPoints(rings) {
  const out = [];
  for (const r of rings) {
    const polys = r.geometry.type === 'Polygon' ? [r.geometry.coordinates] : r.geometry.type === 'MultiPolygon' ? r.geometry.coordinates : [];
    for (const p of polys) for (const c of p[0] || []) out.push(c);
  }
  return out;
}

const HAZARD_NAMES = { blast: 'Explosion', plume: 'Toxic release', quake: 'Earthquake', zones: 'Hazard zones' };

/** The exposure section of a scenario result with a hazard; draws the rings on the map. */
export function hazardSection(hz, requestHazard, mapApi, figure) {
  const { rings, legend } = hazardRings(hz);
  mapApi.setHazard(rings);
  if (requestHazard && Number.isFinite(requestHazard.lon)) mapApi.setHazardPoint(requestHazard);
  const m = measureOf(hz.intensity_measure);
  const what = requestHazard?.kind === 'blast'
    ? `${requestHazard.item ? (THREATS.find((t) => t[0] === requestHazard.item)?.[1] || requestHazard.item) : `${sig.format(requestHazard.kg_tnt)} kg TNT`}, ${requestHazard.burst === 'free_air' ? 'free-air' : 'surface'} burst`
    : requestHazard?.kind === 'plume'
      ? `${sig.format(requestHazard.rate_g_s)} g/s, wind ${sig.format(requestHazard.wind_speed_m_s)} m/s from ${sig.format(requestHazard.wind_from_deg)}°, class ${requestHazard.stability || 'D'}`
      : requestHazard?.kind === 'quake' ? `Mw ${sig.format(requestHazard.mw)}, Vs30 ${sig.format(requestHazard.vs30 ?? 760)} m/s` : '';
  const list = h('ul', { class: 'hazard-legend', id: 'hazard-legend', 'aria-label': 'Rings on the map' });
  replace(list, legend.map((row) => {
    const swatch = h('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.background = row.color;
    return h('li', null, swatch, h('span', { class: 'hazard-legend-text' }, row.text), h('span', { class: 'hazard-legend-value' }, row.value));
  }));
  return h('section', { class: 'hazard-result', id: 'hazard-result', 'aria-labelledby': 'hazard-result-title' },
    h('h2', { class: 'section-title', id: 'hazard-result-title' }, `Hazard: ${HAZARD_NAMES[requestHazard?.kind] || m.label}`),
    what ? h('p', { class: 'small muted' }, what) : null,
    h('dl', { class: 'figures', id: 'hazard-figures' },
      figure('Assets exposed', fmtInt(hz.assets_exposed), 'fig-exposed'),
      figure('Public-space occupancy exposed', fmtInt(hz.public_space_occupancy_exposed), 'fig-hazard-occupancy'),
      figure(m.peak ? `${m.peak} at an asset` : 'Peak intensity at an asset', fmtIntensity(hz.intensity_measure, hz.peak_intensity || 0), 'fig-peak-intensity'),
      figure('Damage threshold', sig.format(hz.damage_threshold), 'fig-threshold')),
    legend.length ? h('h3', { class: 'subhead' }, requestHazard?.kind === 'quake' ? 'On the map' : `Rings on the map (${m.unit})`) : null,
    legend.length ? list : h('p', { class: 'muted small' }, 'No ring reaches the ground at these thresholds.'),
    requestHazard?.kind === 'quake' ? h('p', { class: 'small muted' }, 'The outline is the distance within which the ground-motion model is used; beyond it the intensity is 0.') : null);
}
