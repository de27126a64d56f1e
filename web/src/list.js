// Result list in the side panel: assets in the map view (or, with a search text,
// everywhere) matching the filters, from GET /assets with cursor paging.
import { get, query } from './api.js';
import { assetColor } from './colors.js';
import { h, replace } from './dom.js';
import { swatch } from './legend.js';
import { categoryLabel, countryName, sectorLabel, subsectorLabel } from './meta.js';

const PAGE = 50;

function describe(a) {
  const what = a.kind === 'public_space'
    ? categoryLabel(a.category) || 'Public space'
    : subsectorLabel(a.sector, a.subsector) || sectorLabel(a.sector) || 'Infrastructure';
  return `${what} · ${countryName(a.country)}`;
}

export function createList() {
  const heading = h('h2', { class: 'section-title' }, 'Assets in view');
  const list = h('ul', { class: 'result-list', id: 'result-list' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary btn-small', hidden: true }, 'Show more');
  const note = h('p', { class: 'muted small' });
  const el = h('section', { class: 'results', 'aria-label': 'Asset list' }, heading, note, list, more);

  let controller = null;
  let params = null;
  let cursor = null;

  function row(a) {
    return h('li', null, h('a', { href: `#/asset/${encodeURIComponent(a.id)}`, class: 'result', dataset: { id: a.id } },
      swatch(assetColor(a)),
      h('span', { class: 'result-text' },
        h('span', { class: 'result-name' }, a.name || a.id),
        h('span', { class: 'result-meta' }, describe(a))),
      h('span', { class: 'result-id' }, a.id)));
  }

  async function page(first) {
    controller?.abort();
    controller = new AbortController();
    const q = query({ ...params, limit: PAGE, cursor: first ? null : cursor });
    more.disabled = true;
    try {
      const res = await get(`/assets${q}`, { signal: controller.signal });
      const items = res.items || [];
      if (first) replace(list, items.map(row));
      else list.append(...items.map(row));
      cursor = res.next_cursor || null;
      more.hidden = !cursor;
      const n = list.children.length;
      note.textContent = n === 0
        ? 'No assets match these filters here.'
        : `${n.toLocaleString('en-GB')}${cursor ? '+' : ''} listed`;
    } catch (e) {
      if (e.name === 'AbortError') return;
      note.textContent = `Could not load the list: ${e.message}`;
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', () => page(false));

  return {
    el,
    /** filters: {sector, kind, country, category, q}; bbox "w,s,e,n" of the map view. */
    refresh(filters, bbox) {
      const searching = !!filters.q;
      heading.textContent = searching ? 'Search results' : 'Assets in view';
      params = { ...filters, bbox: searching ? null : bbox };
      cursor = null;
      page(true);
    },
  };
}
