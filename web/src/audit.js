// #/audit (administrators): the tamper-evident audit trail — who created, read, changed,
// shared and exported what — with a check of its hash chain.
import { get, query } from './api.js';
import { h, replace } from './dom.js';

const when = (iso) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

export async function showAudit(view) {
  const local = new Date(Date.now() - 24 * 3600e3 - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const since = h('input', { id: 'audit-since', type: 'datetime-local', value: local });
  const verdict = h('p', { id: 'audit-verdict', 'aria-live': 'polite' });
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'btn btn-secondary', id: 'audit-more', hidden: true }, 'Load more');
  let after = null;
  const row = (e) => h('tr', { dataset: { seq: e.seq } },
    h('td', { class: 'num' }, e.seq), h('td', null, when(e.at)), h('td', null, e.actor), h('td', null, e.action),
    h('td', null, `${e.object_kind} ${e.object_id}`), h('td', { class: 'audit-detail' }, JSON.stringify(e.detail)),
    h('td', { class: 'hash', title: e.hash }, e.hash.slice(0, 12)));
  const load = async (reset) => {
    if (reset) {
      body.replaceChildren();
      after = null;
    }
    const t = since.value ? new Date(since.value).toISOString() : undefined;
    const page = await get(`/audit${query({ since: t, after: after ?? undefined, limit: 200 })}`);
    body.append(...page.items.map(row));
    after = page.next_after;
    more.hidden = after === null || after === undefined;
  };
  const verify = async () => {
    const r = await get('/audit/verify');
    verdict.className = r.first_break ? 'flag' : 'verdict';
    verdict.textContent = r.first_break
      ? `The chain breaks at entry ${r.first_break.seq}: ${r.first_break.reason} (${r.entries} entries before it verify).`
      : `All ${r.entries} entries verify; the last hash is ${r.last_hash.slice(0, 16)}…`;
  };
  since.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));
  replace(view,
    h('div', { class: 'threat-head' }, h('h1', null, 'Audit trail'),
      h('p', { class: 'lede' }, 'Append-only and tamper-evident: each entry carries the SHA-256 of its content and of the entry before it.')),
    h('div', { class: 'incident-toolbar' },
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Since (your time)'), since),
      h('button', { type: 'button', class: 'btn', id: 'audit-verify', onclick: verify }, 'Verify the chain')),
    verdict,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'audit-table' },
      h('thead', null, h('tr', null, ['#', 'When (UTC)', 'Who', 'Action', 'What', 'Detail', 'Hash'].map((t) => h('th', { scope: 'col' }, t)))), body)),
    more);
  await load(true);
}
