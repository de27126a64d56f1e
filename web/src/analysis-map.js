// The analysis page's map: the registry's assets to pick from (as on the registry
// map), a footprint polygon drawn by clicking vertices, the assets picked, a hazard's
// point (placed by clicking) and its rings or isopleths (graded colours, labelled by
// threshold), and the impact of a result (down now in red, affected in grey).
/* global maplibregl */
import { get } from './api.js';
import { debounce, h } from './dom.js';
import { basemapLayers, bboxOf, newMap, registryInView, registryLayers } from './map.js';

const DRAW = '#6b3fa0';
const PICKED = '#1f5fa8';
const HAZARD_POINT = '#1c2631';
export const DOWN = '#c62828';
export const AFFECTED = '#8a949e';
const EMPTY = { type: 'FeatureCollection', features: [] };

function style(basemap) {
  return {
    version: 8,
    sources: {
      countries: { type: 'geojson', data: basemap },
      assets: { type: 'geojson', data: EMPTY },
      footprint: { type: 'geojson', data: EMPTY },
      picked: { type: 'geojson', data: EMPTY },
      impact: { type: 'geojson', data: EMPTY },
      hazard: { type: 'geojson', data: EMPTY },
      'hazard-point': { type: 'geojson', data: EMPTY },
    },
    layers: [
      ...basemapLayers(),
      {
        id: 'hazard-fill', type: 'fill', source: 'hazard',
        paint: { 'fill-color': ['get', 'color'], 'fill-opacity': ['coalesce', ['get', 'opacity'], 0.16] },
      },
      {
        id: 'hazard-line', type: 'line', source: 'hazard',
        paint: { 'line-color': ['get', 'color'], 'line-width': 1.6, 'line-opacity': 0.95 },
      },
      {
        id: 'footprint-fill', type: 'fill', source: 'footprint', filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'fill-color': DRAW, 'fill-opacity': 0.14 },
      },
      {
        id: 'footprint-line', type: 'line', source: 'footprint', filter: ['!=', ['geometry-type'], 'Point'],
        paint: { 'line-color': DRAW, 'line-width': 2, 'line-dasharray': ['literal', [2, 1]] },
      },
      ...registryLayers({ dim: true }),
      {
        id: 'impact', type: 'circle', source: 'impact',
        paint: {
          'circle-radius': ['case', ['==', ['get', 'state'], 'down'], 8, 6],
          'circle-color': ['case', ['==', ['get', 'state'], 'down'], DOWN, AFFECTED],
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': 1.5,
        },
      },
      {
        id: 'picked', type: 'circle', source: 'picked',
        paint: { 'circle-radius': 11, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': PICKED, 'circle-stroke-width': 3 },
      },
      {
        id: 'hazard-point-halo', type: 'circle', source: 'hazard-point',
        paint: { 'circle-radius': 10, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 5 },
      },
      {
        id: 'hazard-point', type: 'circle', source: 'hazard-point',
        paint: { 'circle-radius': 10, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': HAZARD_POINT, 'circle-stroke-width': 3 },
      },
      {
        id: 'hazard-point-centre', type: 'circle', source: 'hazard-point',
        paint: { 'circle-radius': 3, 'circle-color': HAZARD_POINT },
      },
      {
        id: 'footprint-vertices', type: 'circle', source: 'footprint', filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-radius': 4.5, 'circle-color': '#ffffff', 'circle-stroke-color': DRAW, 'circle-stroke-width': 2 },
      },
    ],
  };
}

/** The northernmost and southernmost positions of a Polygon or MultiPolygon: where its label may go. */
function extremes(geometry) {
  const rings = geometry?.type === 'Polygon' ? [geometry.coordinates[0]]
    : geometry?.type === 'MultiPolygon' ? geometry.coordinates.map((p) => p[0]) : [];
  let north = null;
  let south = null;
  for (const ring of rings) {
    for (const c of ring || []) {
      if (!north || c[1] > north[1]) north = c;
      if (!south || c[1] < south[1]) south = c;
    }
  }
  return north ? { north, south } : null;
}

/**
 * handlers: onPick({id, name, lon, lat}) when an asset is clicked outside drawing;
 * onDrawing({drawing, vertices, closed}) whenever the footprint changes;
 * onPlace({lon, lat}) when the map is clicked while placing a hazard;
 * onPlacing(bool) when placing starts or stops.
 */
export async function createAnalysisMap(container, handlers) {
  const { map } = await newMap(container, style);
  window.rampartAnalysisMap = map;

  let ready = false;
  const vertices = [];
  const impacts = new Map();
  let drawing = false;
  let closed = false;
  let placing = false;
  let hazardShown = true;
  let labels = []; // [{marker, element, rank}] of the hazard's rings

  const whenReady = (fn) => (ready ? fn() : map.once('load', fn));
  const setData = (id, data) => whenReady(() => map.getSource(id)?.setData(data));

  const fetchInView = registryInView(map, 'analysis map', () => {
    document.body.dataset.analysisMapLoads = String(Number(document.body.dataset.analysisMapLoads || 0) + 1);
  });
  const load = () => (ready ? fetchInView() : undefined);
  const reload = debounce(load, 250);
  map.on('load', () => {
    ready = true;
    document.body.dataset.analysisMapReady = '1';
    load();
  });
  map.on('moveend', reload);

  function drawFootprint() {
    const features = vertices.map((c) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: c } }));
    if (closed && vertices.length >= 3) {
      features.push({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[...vertices, vertices[0]]] } });
    } else if (vertices.length >= 2) {
      features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: vertices } });
    }
    setData('footprint', { type: 'FeatureCollection', features });
    map.getCanvas().classList.toggle('drawing', drawing);
    handlers.onDrawing?.({ drawing, vertices: vertices.length, closed });
  }

  // Tips, picking and drawing.
  const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 10, className: 'map-tip' });
  map.on('mousemove', 'assets', (e) => {
    const f = e.features?.[0];
    if (!f || drawing || placing) return;
    map.getCanvas().classList.add('pointer');
    popup.setLngLat(f.geometry.coordinates).setDOMContent(h('div', { class: 'tip' },
      h('strong', null, f.properties.name || f.properties.id), h('div', { class: 'tip-hint' }, 'Click to add to the assets lost'))).addTo(map);
  });
  map.on('mouseleave', 'assets', () => {
    map.getCanvas().classList.remove('pointer');
    popup.remove();
  });
  map.on('click', (e) => {
    if (placing) {
      api.stopPlacing();
      handlers.onPlace?.({ lon: Number(e.lngLat.lng.toFixed(6)), lat: Number(e.lngLat.lat.toFixed(6)) });
      return;
    }
    if (drawing) {
      vertices.push([Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))]);
      drawFootprint();
      return;
    }
    const hit = map.queryRenderedFeatures(e.point, { layers: ['assets', 'clusters'] })[0];
    if (!hit) return;
    if (hit.properties.cluster === true) {
      map.easeTo({ center: hit.geometry.coordinates, zoom: Math.min(map.getZoom() + 2, 16) });
      return;
    }
    popup.remove();
    const [lon, lat] = hit.geometry.coordinates;
    handlers.onPick?.({ id: String(hit.properties.id), name: hit.properties.name || String(hit.properties.id), lon, lat });
  });
  map.on('dblclick', (e) => {
    if (!drawing) return;
    e.preventDefault();
    // The double click's two clicks each added a vertex at the same place: keep one.
    while (vertices.length > 1 && vertices.at(-1)[0] === vertices.at(-2)[0] && vertices.at(-1)[1] === vertices.at(-2)[1]) vertices.pop();
    api.closePolygon();
  });
  container.addEventListener('keydown', (e) => {
    if (placing && e.key === 'Escape') api.stopPlacing();
    if (!drawing) return;
    if (e.key === 'Enter') api.closePolygon();
    if (e.key === 'Escape') api.clearFootprint();
  });

  /**
   * Puts each ring's label at its northernmost point, else (when that overlaps a label
   * of higher rank, an inner ring) at its southernmost, else hides it.
   */
  function declutter() {
    const shown = [];
    for (const l of [...labels].sort((a, b) => b.rank - a.rank)) {
      const w = l.element.offsetWidth || 80;
      const place = [[l.ends.north, 'bottom'], [l.ends.south, 'top']].find(([at, anchor]) => {
        const p = map.project(at);
        const y = anchor === 'bottom' ? p.y - 9 : p.y + 9;
        return !shown.some((s) => Math.abs(s.y - y) < 18 && Math.abs(s.x - p.x) < (s.w + w) / 2 + 4);
      });
      l.element.classList.toggle('hidden-label', !place);
      if (!place) continue;
      l.marker.setLngLat(place[0]);
      l.marker.setOffset([0, 0]);
      l.element.classList.toggle('below', place[1] === 'top');
      if (l.anchor !== place[1]) {
        // A marker's anchor is fixed when it is made: make it again.
        l.marker.remove();
        l.marker = new maplibregl.Marker({ element: l.element, anchor: place[1] }).setLngLat(place[0]).addTo(map);
        l.anchor = place[1];
      }
      const p = map.project(place[0]);
      shown.push({ x: p.x, y: place[1] === 'bottom' ? p.y - 9 : p.y + 9, w });
    }
  }
  map.on('moveend', declutter);
  map.on('zoomend', declutter);

  const api = {
    map,
    startDrawing() {
      vertices.length = 0;
      closed = false;
      drawing = true;
      map.doubleClickZoom.disable();
      drawFootprint();
    },
    /** Ends drawing; a polygon needs three vertices. */
    closePolygon() {
      drawing = false;
      closed = vertices.length >= 3;
      if (!closed) vertices.length = 0;
      setTimeout(() => map.doubleClickZoom.enable(), 0);
      drawFootprint();
    },
    clearFootprint() {
      vertices.length = 0;
      drawing = false;
      closed = false;
      map.doubleClickZoom.enable();
      drawFootprint();
    },
    /** The drawn footprint as a GeoJSON Polygon, or null. */
    footprint() {
      return closed && vertices.length >= 3 ? { type: 'Polygon', coordinates: [[...vertices, vertices[0]]] } : null;
    },
    setPicked(list) {
      setData('picked', {
        type: 'FeatureCollection',
        features: list.filter((a) => Number.isFinite(a.lon)).map((a) => ({ type: 'Feature', properties: { id: a.id }, geometry: { type: 'Point', coordinates: [a.lon, a.lat] } })),
      });
    },
    /** items: [{id, lon, lat, state: 'down' | 'affected'}], drawn for `layer` (a tab). */
    setImpact(items, layer) {
      impacts.set(layer, items);
      api.showImpact(layer);
    },
    /** Draws the impact last set for `layer`. */
    showImpact(layer) {
      const items = impacts.get(layer) || [];
      setData('impact', {
        type: 'FeatureCollection',
        features: items.map((a) => ({ type: 'Feature', properties: { id: a.id, state: a.state }, geometry: { type: 'Point', coordinates: [a.lon, a.lat] } })),
      });
    },
    /** Brings the positions into view. */
    fit(points) {
      if (!points.length) return;
      const lons = points.map((p) => p[0]);
      const lats = points.map((p) => p[1]);
      const [w, s, e, n] = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
      whenReady(() => {
        if (e - w < 0.01 && n - s < 0.01) map.easeTo({ center: [w, s], zoom: Math.max(map.getZoom(), 11) });
        else map.fitBounds([[w, s], [e, n]], { padding: 60, maxZoom: 12, duration: 600 });
      });
    },
    /** The next click on the map places the hazard (onPlace); Escape cancels. */
    startPlacing() {
      if (drawing) api.clearFootprint();
      placing = true;
      map.getCanvas().classList.add('drawing');
      handlers.onPlacing?.(true);
    },
    stopPlacing() {
      if (!placing) return;
      placing = false;
      map.getCanvas().classList.toggle('drawing', drawing);
      handlers.onPlacing?.(false);
    },
    isPlacing: () => placing,
    /** The hazard's point ({lon, lat}) or null. */
    setHazardPoint(p) {
      setData('hazard-point', p && Number.isFinite(p.lon) && Number.isFinite(p.lat)
        ? { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [p.lon, p.lat] } }] }
        : EMPTY);
    },
    /**
     * The hazard's rings: [{geometry, color, opacity?, label, rank}], drawn in order (outer
     * first); each labelled at its northernmost point. Labels that would overlap a
     * label of higher rank are hidden.
     */
    setHazard(rings) {
      for (const l of labels) l.marker.remove();
      labels = [];
      setData('hazard', {
        type: 'FeatureCollection',
        features: rings.map((r) => ({ type: 'Feature', properties: { color: r.color, opacity: r.opacity }, geometry: r.geometry })),
      });
      for (const r of rings) {
        const ends = extremes(r.geometry);
        if (!ends || !r.label) continue;
        const element = h('div', { class: 'hazard-label', 'aria-hidden': 'true' }, r.label);
        element.style.borderColor = r.color;
        const marker = new maplibregl.Marker({ element, anchor: 'bottom' }).setLngLat(ends.north);
        labels.push({ marker, element, rank: r.rank ?? 0, ends, anchor: 'bottom' });
      }
      whenReady(() => {
        for (const l of labels) l.marker.addTo(map);
        declutter();
        api.showHazard(hazardShown);
      });
    },
    /** Shows or hides the hazard (point, rings, labels): only the scenario tab shows it. */
    showHazard(on) {
      hazardShown = on;
      whenReady(() => {
        for (const id of ['hazard-fill', 'hazard-line', 'hazard-point-halo', 'hazard-point', 'hazard-point-centre']) {
          map.setLayoutProperty(id, 'visibility', on ? 'visible' : 'none');
        }
        for (const l of labels) l.element.classList.toggle('off', !on);
        if (on) declutter();
      });
    },
    bbox: () => bboxOf(map),
    resize: () => map.resize(),
  };
  return api;
}
