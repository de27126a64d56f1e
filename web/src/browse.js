// The side panel on the map page: filters, counts of what is in view, result list.
import { h } from './dom.js';
import { createFilters } from './filters.js';
import { createList } from './list.js';
import { canEdit } from './session.js';

const nf = (n) => n.toLocaleString('en-GB');

/** onFilters(values) when the filters change. */
export function createBrowse(panel, { onFilters }) {
  const filters = createFilters((v) => {
    onFilters(v);
  });
  const status = h('p', { class: 'status-line', id: 'map-counts', role: 'status' }, 'Loading the map…');
  const list = createList();
  panel.append(
    h('div', { class: 'panel-head panel-head-compact' },
      h('h1', { class: 'panel-title' }, 'Registry'),
      canEdit() ? h('a', { href: '#/new', class: 'btn btn-secondary btn-small', id: 'new-asset' }, 'New asset') : null),
    filters.el,
    status,
    list.el);

  let lastBbox = null;
  return {
    values: () => filters.values(),
    /** After each map load: update the counts and the list. */
    update({ stats, bbox }, listVisible) {
      lastBbox = bbox;
      if (stats.features === 0) status.textContent = 'No assets in view with these filters.';
      else if (stats.clusters === 0) status.textContent = `${nf(stats.assets)} assets in view`;
      else {
        status.textContent = `${nf(stats.total)} assets in view: ${nf(stats.clusters)} clusters`
          + (stats.assets ? ` and ${nf(stats.assets)} single assets` : '') + '. Zoom in for detail.';
      }
      if (listVisible) list.refresh(filters.values(), bbox);
    },
    refreshList() {
      if (lastBbox) list.refresh(filters.values(), lastBbox);
    },
    error(e) {
      status.textContent = `Could not load the map data: ${e.message}`;
    },
  };
}
