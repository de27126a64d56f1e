// Map legend: sector colours, public spaces and clusters.
import { CLUSTER_GREY, PUBLIC_SPACE_COLOR, sectorColor } from './colors.js';
import { h } from './dom.js';
import { getMeta } from './meta.js';

function swatch(color, cls = 'swatch') {
  const s = h('span', { class: cls, 'aria-hidden': 'true' });
  s.style.setProperty('--c', color);
  return s;
}

export function createLegend() {
  const row = (color, label, cls) => h('li', { title: label }, swatch(color, cls), h('span', null, label));
  const rows = getMeta().sectors.map((s) => row(sectorColor(s.key), s.label));
  rows.push(row(PUBLIC_SPACE_COLOR, 'Public space', 'swatch swatch-public'));
  rows.push(row(CLUSTER_GREY, 'Cluster of assets', 'swatch swatch-cluster'));
  const details = h('details', { class: 'legend', id: 'legend' },
    h('summary', null, 'Legend'),
    h('ul', null, rows));
  // Open beside a large map; folded away when the map is small (tablets, phones).
  const narrow = window.matchMedia('(max-width: 900px)');
  details.open = !narrow.matches;
  narrow.addEventListener('change', () => { details.open = !narrow.matches; });
  return details;
}

export { swatch };
