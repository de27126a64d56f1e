// The blast page's map: the registry's assets for orientation, the charge's point and
// its rings (largest first, graded from pale to dark), clicked to place the charge.
/* global maplibregl */
import { get } from './api.js';
import { CLUSTER_GREY, PUBLIC_SPACE_COLOR, sectorColorExpression } from './colors.js';
import { debounce } from './dom.js';
import { basemapLayers, newMap, registryInView } from './map.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
// Light to dark: outer (weak) rings pale, inner (severe) rings dark.
export const RING_COLORS = ['#fde0c5', '#facba6', '#f8b58b', '#f59e72', '#f2855d', '#ef6a4c', '#e34f4f', '#c73866', '#a12a72', '#7a1f6e', '#4e1a5c'];

function style(basemap) {
  return {
    version: 8,
    sources: {
      countries: { type: 'geojson', data: basemap },
      assets: { type: 'geojson', data: EMPTY },
      rings: { type: 'geojson', data: EMPTY },
      point: { type: 'geojson', data: EMPTY },
    },
    layers: [
      ...basemapLayers(),
      { id: 'rings-fill', type: 'fill', source: 'rings', paint: { 'fill-color': ['get', 'color'], 'fill-opacity': 0.28 } },
      { id: 'rings-line', type: 'line', source: 'rings', paint: { 'line-color': ['get', 'color'], 'line-width': 1.4 } },
      {
        id: 'assets', type: 'circle', source: 'assets', filter: ['!=', ['get', 'cluster'], true],
        paint: {
          'circle-color': ['case', ['==', ['get', 'kind'], 'public_space'], PUBLIC_SPACE_COLOR, sectorColorExpression(CLUSTER_GREY)],
          'circle-radius': 4, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1,
        },
      },
      { id: 'point', type: 'circle', source: 'point', paint: { 'circle-color': '#1c2631', 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
    ],
  };
}

/** handlers.onPlace({lon, lat}) when the map is clicked. */
export async function createThreatMap(container, handlers) {
  const { map } = await newMap(container, style);
  window.rampartThreatMap = map;
  let ready = false;
  const whenReady = (fn) => (ready ? fn() : map.once('load', fn));

  const load = registryInView(map, 'threat map');
  map.on('load', () => {
    ready = true;
    document.body.dataset.threatMapReady = '1';
    load();
  });
  map.on('moveend', debounce(load, 250));
  map.on('click', (e) => handlers.onPlace?.({ lon: e.lngLat.lng, lat: e.lngLat.lat }));
  map.getCanvas().classList.add('placing');

  return {
    resize: () => map.resize(),
    setPoint(lon, lat) {
      whenReady(() => map.getSource('point').setData({
        type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [lon, lat] } }],
      }));
    },
    /** rings: the API's rings_geojson (largest first). */
    setRings(fc) {
      const n = fc.features.length;
      const colored = {
        type: 'FeatureCollection',
        features: fc.features.map((f, i) => ({ ...f, properties: { ...f.properties, color: RING_COLORS[Math.min(RING_COLORS.length - 1, Math.round((i / Math.max(1, n - 1)) * (RING_COLORS.length - 1)))] } })),
      };
      whenReady(() => {
        map.getSource('rings').setData(colored);
        const outer = fc.features[0]?.geometry?.coordinates?.[0];
        if (outer) {
          const xs = outer.map((c) => c[0]);
          const ys = outer.map((c) => c[1]);
          map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], { padding: 30, duration: 0 });
        }
        document.body.dataset.threatRings = String(fc.features.length);
      });
      return colored;
    },
  };
}
