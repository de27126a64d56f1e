// The change history of an asset (GET /assets/{id}/history).
import { h } from './dom.js';
import { fmtDate, fmtValue } from './format.js';

const VERB = { create: 'Created', update: 'Updated', delete: 'Deleted' };

const fieldLabel = (f) => f.replace(/_/g, ' ');

export function historyList(items) {
  if (!items || items.length === 0) return h('p', { class: 'muted', id: 'history' }, 'No recorded changes.');
  const sorted = [...items].sort((a, b) => String(b.at).localeCompare(String(a.at)));
  return h('ol', { class: 'timeline', id: 'history' }, sorted.map((e) => {
    const changes = Object.entries(e.changes || {});
    return h('li', { class: `timeline-item action-${e.action}` },
      h('div', { class: 'timeline-head' },
        h('strong', null, VERB[e.action] || e.action),
        ' by ', h('span', { class: 'who' }, e.by || 'unknown'),
        h('time', { datetime: e.at }, fmtDate(e.at))),
      changes.length && e.action !== 'create'
        ? h('table', { class: 'diff' }, h('tbody', null, changes.map(([field, c]) => h('tr', null,
          h('th', null, fieldLabel(field)),
          h('td', null, h('del', null, fmtValue(c?.from)), h('span', { class: 'arrow' }, ' → '), h('ins', null, fmtValue(c?.to)))))))
        : null);
  }));
}
