// "Depends on" and "Depended on by" tables from the upstream / downstream graphs.
import { h } from './dom.js';
import { fmtBuffer } from './format.js';
import { serviceLabel } from './meta.js';

/**
 * Rows of one direction, nearest first. upstream: each edge's supplier is listed,
 * reached from this asset by following dependent → supplier; downstream the reverse.
 */
function rows(id, direction, graph) {
  const names = new Map((graph.assets || []).map((a) => [a.id, a.name]));
  const deps = graph.dependencies || [];
  const near = direction === 'upstream' ? 'dependent_id' : 'supplier_id';
  const far = direction === 'upstream' ? 'supplier_id' : 'dependent_id';
  const depth = new Map([[id, 0]]);
  let frontier = [id];
  while (frontier.length) {
    const next = [];
    for (const d of deps) {
      if (frontier.includes(d[near]) && !depth.has(d[far])) {
        depth.set(d[far], depth.get(d[near]) + 1);
        next.push(d[far]);
      }
    }
    frontier = next;
  }
  return deps
    .map((d) => ({
      dep: d,
      other: d[far],
      via: d[near] === id ? null : d[near],
      depth: (depth.get(d[near]) ?? 9) + 1,
      name: names.get(d[far]) || d[far],
      viaName: names.get(d[near]) || d[near],
    }))
    .sort((a, b) => a.depth - b.depth || a.name.localeCompare(b.name));
}

function redundancy(d) {
  const k = d.k ?? 1;
  const n = d.n ?? 1;
  const text = `${k} of ${n}`;
  const title = n <= 1 ? 'Single supplier of this service' : `Needs ${k} of its ${n} suppliers of this service`;
  return h('span', { title, class: n <= 1 ? 'tag tag-warn' : 'tag' }, text);
}

export function dependencyTable(id, direction, graph, error) {
  const tableId = direction === 'upstream' ? 'upstream-table' : 'downstream-table';
  if (error) {
    return h('p', { class: 'muted', id: tableId }, `Could not load dependencies: ${error.message}`);
  }
  const list = rows(id, direction, graph || {});
  if (list.length === 0) {
    return h('p', { class: 'muted', id: tableId }, direction === 'upstream'
      ? 'No recorded suppliers.'
      : 'Nothing recorded depends on this asset.');
  }
  const assetHead = direction === 'upstream' ? 'Supplier' : 'Dependent';
  const indirect = list.some((r) => r.via);
  const table = h('table', { class: 'data-table', id: tableId },
    h('thead', null, h('tr', null,
      h('th', null, assetHead), h('th', null, 'Service'),
      h('th', { title: 'Redundancy: the dependent needs k of its n suppliers' }, 'k of n'),
      h('th', { class: 'num', title: 'How long the dependent runs without the service' }, 'Buffer'))),
    h('tbody', null, list.map((r) => h('tr', { dataset: { testid: 'dependency-row', depth: r.depth }, class: r.via ? 'indirect' : null },
      h('td', null,
        h('a', { href: `#/asset/${encodeURIComponent(r.other)}`, class: 'dep-link' }, r.name),
        h('span', { class: 'dep-id' }, r.other),
        r.via ? h('span', { class: 'dep-via' }, direction === 'upstream' ? `supplies ${r.viaName}` : `depends on ${r.viaName}`) : null),
      h('td', null, serviceLabel(r.dep.service)),
      h('td', null, redundancy(r.dep)),
      h('td', { class: 'num' }, fmtBuffer(r.dep.buffer_hours))))));
  const note = direction === 'upstream'
    ? 'Rows marked ↳ are indirect: suppliers of a supplier, up to three steps away.'
    : 'Rows marked ↳ are indirect: dependents of a dependent, up to three steps away.';
  return h('div', null,
    h('div', { class: 'table-wrap' }, table),
    indirect ? h('p', { class: 'table-note' }, note) : null);
}

/** Number of direct links, for the section headings. */
export function directCount(id, direction, graph) {
  const key = direction === 'upstream' ? 'dependent_id' : 'supplier_id';
  return (graph?.dependencies || []).filter((d) => d[key] === id).length;
}
