// The registry map: an offline basemap drawn from the country polygons, the assets
// and clusters served by GET /map for the current view and filters, and the
// highlighted asset with lines to what it depends on and what depends on it.
/* global maplibregl */
import { get, query } from './api.js';
import { CLUSTER_GREY, PUBLIC_SPACE_COLOR, sectorColorExpression } from './colors.js';
import { debounce, h } from './dom.js';
import { boundsOf, centroid, countryBounds } from './geo.js';
import { categoryLabel, countryName, kindLabel, sectorLabel } from './meta.js';

export const EUROPE = [[-12, 34], [35, 71]];
export const ATTRIBUTION =
  'Borders: Natural Earth · Cities: GeoNames (CC BY 4.0) · © OpenStreetMap contributors where imported';

const SEA = '#cfdae3';
const LAND = '#f5f4f0';
const LAND_SELECTED = '#e6edf5';
const BORDER = '#a3afba';
const ACCENT = '#1f5fa8';
const UPSTREAM = '#1f5fa8';
const DOWNSTREAM = '#c0612b';
const EMPTY = { type: 'FeatureCollection', features: [] };
const isPolygon = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false];
const isPoint = ['==', ['geometry-type'], 'Point'];

/** The sea, the land and the borders: the basemap every map page draws first. */
export function basemapLayers() {
  return [
    { id: 'background', type: 'background', paint: { 'background-color': SEA } },
    { id: 'countries-fill', type: 'fill', source: 'countries', paint: { 'fill-color': LAND } },
    {
      id: 'countries-border', type: 'line', source: 'countries',
      paint: { 'line-color': BORDER, 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.6, 9, 1.5] },
    },
  ];
}

/**
 * The registry's assets (source `assets`): clusters and sites coloured by sector.
 * `dim` draws them as a quiet background for pages whose own layers matter more.
 */
export function registryLayers({ dim = false } = {}) {
  return [
    {
      id: 'clusters', type: 'circle', source: 'assets', filter: ['==', ['get', 'cluster'], true],
      paint: {
        'circle-color': sectorColorExpression(CLUSTER_GREY),
        'circle-opacity': dim ? 0.22 : 0.28,
        'circle-radius': ['+', 7, ['*', 3.2, ['ln', ['max', ['to-number', ['get', 'count'], 1], 1]]]],
        'circle-stroke-color': sectorColorExpression(CLUSTER_GREY),
        'circle-stroke-width': dim ? 1.2 : 1.5,
        'circle-stroke-opacity': dim ? 0.6 : 0.85,
      },
    },
    {
      id: 'assets', type: 'circle', source: 'assets', filter: ['!=', ['get', 'cluster'], true],
      paint: dim
        ? {
          'circle-color': ['case', ['==', ['get', 'kind'], 'public_space'], PUBLIC_SPACE_COLOR, sectorColorExpression()],
          'circle-opacity': 0.4,
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 3, 3, 8, 4.5, 13, 7],
          'circle-stroke-color': 'rgba(20,30,40,0.35)',
          'circle-stroke-width': 0.6,
        }
        : {
          'circle-color': ['case', ['==', ['get', 'kind'], 'public_space'], PUBLIC_SPACE_COLOR, sectorColorExpression()],
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 3, 3.5, 8, 5, 13, 8],
          'circle-stroke-color': ['case', ['==', ['get', 'kind'], 'public_space'], '#ffffff', 'rgba(20,30,40,0.45)'],
          'circle-stroke-width': ['case', ['==', ['get', 'kind'], 'public_space'], 1.6, 0.6],
        },
    },
  ];
}

function style(basemap) {
  return {
    version: 8,
    sources: {
      countries: { type: 'geojson', data: basemap },
      assets: { type: 'geojson', data: EMPTY },
      links: { type: 'geojson', data: EMPTY },
      selection: { type: 'geojson', data: EMPTY },
    },
    layers: [
      ...basemapLayers(),
      {
        id: 'selection-area', type: 'fill', source: 'selection', filter: isPolygon,
        paint: { 'fill-color': ACCENT, 'fill-opacity': 0.12 },
      },
      {
        id: 'selection-outline', type: 'line', source: 'selection', filter: isPolygon,
        paint: { 'line-color': ACCENT, 'line-width': 2 },
      },
      {
        id: 'links', type: 'line', source: 'links', filter: ['==', ['geometry-type'], 'LineString'],
        layout: { 'line-cap': 'round' },
        paint: {
          'line-color': ['match', ['get', 'direction'], 'upstream', UPSTREAM, DOWNSTREAM],
          'line-width': 1.8,
          'line-opacity': 0.8,
        },
      },
      ...registryLayers(),
      {
        id: 'related', type: 'circle', source: 'links', filter: isPoint,
        paint: {
          'circle-radius': 7,
          'circle-color': 'rgba(0,0,0,0)',
          'circle-stroke-width': 2,
          'circle-stroke-color': ['match', ['get', 'direction'], 'upstream', UPSTREAM, DOWNSTREAM],
        },
      },
      {
        id: 'selection-ring', type: 'circle', source: 'selection', filter: isPoint,
        paint: {
          'circle-radius': 13,
          'circle-color': 'rgba(31,95,168,0.18)',
          'circle-stroke-width': 3,
          'circle-stroke-color': ACCENT,
        },
      },
      {
        id: 'selection-halo', type: 'circle', source: 'selection', filter: isPoint,
        paint: {
          'circle-radius': 16,
          'circle-color': 'rgba(0,0,0,0)',
          'circle-stroke-width': 2,
          'circle-stroke-color': '#ffffff',
        },
      },
    ],
  };
}

/** Counts shown in the status line, from one /map response. */
function stats(fc) {
  let assets = 0;
  let clusters = 0;
  let clustered = 0;
  for (const f of fc.features) {
    if (f.properties?.cluster === true) {
      clusters += 1;
      clustered += Number(f.properties.count) || 0;
    } else assets += 1;
  }
  return { features: fc.features.length, assets, clusters, clustered, total: assets + clustered };
}

/** The map's view as `west,south,east,north` for the API's `bbox`. */
export function bboxOf(map) {
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [
    clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
    clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90),
  ].map((v) => v.toFixed(4)).join(',');
}

/**
 * A loader that fills the map's `assets` source with the registry in view (sites, or
 * clusters when zoomed out), cancelling a load still under way; `onLoaded` runs after
 * each load. Map pages call it when the map is ready and after each move.
 */
export function registryInView(map, label, onLoaded = () => {}) {
  let controller = null;
  return async function load() {
    controller?.abort();
    controller = new AbortController();
    try {
      const fc = await get(`/map${query({ bbox: bboxOf(map), zoom: Math.floor(map.getZoom()) })}`, { signal: controller.signal });
      map.getSource('assets').setData(fc && Array.isArray(fc.features) ? fc : EMPTY);
      onLoaded();
    } catch (e) {
      if (e.name !== 'AbortError') console.warn(`${label}:`, e.message);
    }
  };
}

function tooltip(props) {
  if (props.cluster === true) {
    const n = Number(props.count) || 0;
    return h('div', { class: 'tip' },
      h('strong', null, `${n.toLocaleString('en-GB')} assets`),
      props.sector ? h('div', { class: 'tip-sub' }, `Mostly ${sectorLabel(props.sector)}`) : null,
      h('div', { class: 'tip-hint' }, 'Click to zoom in'));
  }
  const what = props.kind === 'public_space'
    ? categoryLabel(props.category) || kindLabel(props.kind)
    : sectorLabel(props.sector) || kindLabel(props.kind);
  return h('div', { class: 'tip' }, h('strong', null, props.name || props.id), h('div', { class: 'tip-sub' }, what));
}

/**
 * Create the map in `container`.
 * handlers: onAsset(id) when an asset is clicked; onData({stats, bbox}) after each load;
 * onLoading(bool); onError(ApiError).
 */
/**
 * A map of Europe on the Natural Earth basemap, with zoom, scale and attribution:
 * `style(basemap)` gives the page's style (sources and layers); `options` add to the
 * map's options (e.g. `maxZoom`). Returns the map and the basemap's countries. Every
 * map page starts here.
 */
export async function newMap(container, style, { compactAttribution = true, ...options } = {}) {
  let basemap = EMPTY;
  try {
    const res = await fetch('basemap.geojson');
    if (res.ok) basemap = await res.json();
  } catch {
    // an empty basemap still leaves a usable map
  }
  // The worker is a same-origin file (copied by build.mjs), so the map also runs
  // under a Content-Security-Policy that forbids blob: workers.
  maplibregl.setWorkerUrl(new URL('maplibre-gl-csp-worker.js', document.baseURI).href);
  const map = new maplibregl.Map({
    container,
    style: style(basemap),
    bounds: EUROPE,
    fitBoundsOptions: { padding: 10 },
    minZoom: 2,
    maxZoom: 17,
    renderWorldCopies: false,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    ...options,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  map.addControl(new maplibregl.AttributionControl({ compact: compactAttribution, customAttribution: ATTRIBUTION }), 'bottom-right');
  return { map, basemap };
}

export async function createMap(container, handlers) {
  const { map, basemap } = await newMap(container, style, { compactAttribution: false });
  window.rampartMap = map;

  let filters = {};
  let controller = null;
  let loads = 0;
  let ready = false;

  async function load() {
    if (!ready) return;
    controller?.abort();
    controller = new AbortController();
    const bbox = bboxOf(map);
    const q = query({ bbox, zoom: Math.floor(map.getZoom()), ...filters });
    document.body.dataset.mapLoading = '1';
    handlers.onLoading?.(true);
    try {
      const fc = await get(`/map${q}`, { signal: controller.signal });
      const data = fc && Array.isArray(fc.features) ? fc : EMPTY;
      map.getSource('assets').setData(data);
      const s = stats(data);
      document.body.dataset.mapFeatures = String(s.features);
      document.body.dataset.mapQuery = q;
      document.body.dataset.mapLoads = String(++loads);
      document.body.dataset.mapLoading = '0';
      handlers.onLoading?.(false);
      handlers.onData?.({ stats: s, bbox });
    } catch (e) {
      if (e.name === 'AbortError') return;
      document.body.dataset.mapLoading = '0';
      handlers.onLoading?.(false);
      handlers.onError?.(e);
    }
  }
  const reload = debounce(load, 250);

  map.on('load', () => {
    ready = true;
    load();
  });
  map.on('moveend', reload);

  // Hover tips and clicks.
  const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 10, className: 'map-tip' });
  for (const layer of ['clusters', 'assets']) {
    map.on('mousemove', layer, (e) => {
      const f = e.features?.[0];
      if (!f) return;
      map.getCanvas().classList.add('pointer');
      popup.setLngLat(f.geometry.coordinates).setDOMContent(tooltip(f.properties)).addTo(map);
    });
    map.on('mouseleave', layer, () => {
      map.getCanvas().classList.remove('pointer');
      popup.remove();
    });
  }
  map.on('click', 'clusters', (e) => {
    const f = e.features?.[0];
    if (!f) return;
    popup.remove();
    map.easeTo({ center: f.geometry.coordinates, zoom: Math.min(map.getZoom() + 2, 16) });
  });
  map.on('click', 'assets', (e) => {
    const f = e.features?.[0];
    if (f?.properties?.id) {
      popup.remove();
      handlers.onAsset?.(String(f.properties.id));
    }
  });

  function setSource(id, data) {
    const apply = () => map.getSource(id)?.setData(data);
    if (ready) apply();
    else map.once('load', apply);
  }

  return {
    map,

    /** New filters: reload now, and zoom to the country when one is chosen. */
    setFilters(next) {
      const countryChanged = next.country && next.country !== filters.country;
      filters = { ...next };
      if (ready) {
        map.setPaintProperty('countries-fill', 'fill-color', filters.country
          ? ['case', ['any', ['==', ['get', 'iso_a2'], filters.country], ['==', ['get', 'name'], countryName(filters.country)]],
            LAND_SELECTED, LAND]
          : LAND);
      }
      reload.cancel();
      load();
      if (countryChanged) {
        const b = countryBounds(basemap, next.country, countryName(next.country));
        if (b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30, maxZoom: 8 });
      }
    },

    reload: load,

    /** Highlight an asset and its dependency links, and bring them into view. */
    showAsset(asset, upstream, downstream) {
      const byId = new Map();
      for (const a of [...(upstream?.assets || []), ...(downstream?.assets || []), asset]) byId.set(a.id, a);
      const at = (id) => centroid(byId.get(id)?.geometry);
      const here = centroid(asset.geometry);
      const links = [];
      const related = new Map();
      for (const [direction, graph] of [['upstream', upstream], ['downstream', downstream]]) {
        for (const d of graph?.dependencies || []) {
          const a = at(d.supplier_id);
          const b = at(d.dependent_id);
          if (a && b) {
            links.push({
              type: 'Feature', properties: { direction, service: d.service },
              geometry: { type: 'LineString', coordinates: [a, b] },
            });
          }
        }
        for (const other of graph?.assets || []) {
          const c = centroid(other.geometry);
          if (c && other.id !== asset.id && !related.has(other.id)) {
            related.set(other.id, {
              type: 'Feature', properties: { direction, id: other.id },
              geometry: { type: 'Point', coordinates: c },
            });
          }
        }
      }
      setSource('links', { type: 'FeatureCollection', features: [...links, ...related.values()] });
      const selection = [{ type: 'Feature', properties: { id: asset.id }, geometry: asset.geometry }];
      if (here && asset.geometry?.type !== 'Point') {
        selection.push({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: here } });
      }
      setSource('selection', { type: 'FeatureCollection', features: selection });

      if (!here) return;
      const points = [here, ...[...related.values()].map((f) => f.geometry.coordinates)];
      const [w, s, e, n] = boundsOf(points);
      if (points.length > 1 && (e - w > 0.002 || n - s > 0.002)) {
        map.fitBounds([[w, s], [e, n]], { padding: 60, maxZoom: 11, duration: 900 });
      } else {
        map.flyTo({ center: here, zoom: Math.max(map.getZoom(), 10), duration: 900 });
      }
    },

    clearAsset() {
      setSource('links', EMPTY);
      setSource('selection', EMPTY);
    },

    resize() {
      map.resize();
    },
  };
}
