// #/federation (administrators): this instance's federation name and public key, its
// peers with each link's state — ok, lagging or silent, when last heard, what waits
// unconfirmed — and a button that runs one round now (share, push, pull, status).
// Peers are added on the command line or through the API (docs/sharing.md, Federation).
import { ApiError, get, post } from './api.js';
import { h, replace } from './dom.js';

const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }) : '—');

const STATUS = { ok: 'tag-ok', lagging: 'tag-warn', silent: 'tag-warn' };

function mode(p) {
  if (!p.link) return 'trusted origin';
  const ways = [p.push && 'we push', p.pull && 'we pull'].filter(Boolean);
  return ways.length ? ways.join(', ') : 'they connect';
}

export async function showFederation(view) {
  let me;
  try {
    me = await get('/federation');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    replace(view,
      h('div', { class: 'threat-head' }, h('h1', null, 'Federation')),
      h('p', { id: 'federation-off', class: 'verdict' },
        'Federation is off on this instance: start it with a name and a key (rampart federation keygen, then --federation-name and --federation-key-file).'));
    return;
  }
  const body = h('tbody');
  const report = h('div', { id: 'federation-round', 'aria-live': 'polite' });
  const load = async () => {
    const { items } = await get('/federation/peers');
    body.replaceChildren(...items.map((p) => h('tr', { dataset: { peer: p.name } },
      h('th', { scope: 'row' }, p.name),
      h('td', null, mode(p)),
      h('td', null, p.url ?? '—'),
      h('td', null, p.hosts.join(', ')),
      h('td', null, p.link ? h('span', { class: `tag peer-status ${STATUS[p.status] ?? 'tag-muted'}` }, p.status) : '—'),
      h('td', null, when(p.last_heard)),
      h('td', { class: 'num' }, p.link ? `${p.applied} / ${p.their_head}` : '—'),
      h('td', { class: 'num' }, p.link ? `${p.confirmed} / ${p.queued}` : '—'),
      h('td', { class: 'num' }, p.link ? (p.backlog ? `${p.backlog} since ${when(p.backlog_since)}` : '0') : '—'))));
    if (!items.length) body.append(h('tr', null, h('td', { colspan: 9 }, 'No peers yet.')));
  };
  const sync = async (ev) => {
    const button = ev.currentTarget;
    button.disabled = true;
    try {
      const r = await post('/federation/sync', {});
      replace(report,
        h('p', { class: 'verdict' }, `Round done: ${r.shared} local change${r.shared === 1 ? '' : 's'} shared.`),
        r.links.length ? h('ul', { class: 'federation-links' }, r.links.map(([peer, what]) => h('li', null, `${peer}: ${what}`))) : null,
        r.alarms.length ? h('p', { class: 'flag' }, `Status changed: ${r.alarms.map(([peer, s]) => `${peer} ${s}`).join(', ')}`) : null);
    } catch (e) {
      replace(report, h('p', { class: 'form-error' }, e.message));
    } finally {
      button.disabled = false;
    }
    await load();
  };
  replace(view,
    h('div', { class: 'threat-head' }, h('h1', null, 'Federation'),
      h('p', { class: 'lede' }, 'Signed sharing with other Rampart instances: each item goes only where its label admits a reader.')),
    h('dl', { class: 'federation-identity' },
      h('dt', null, 'This instance'), h('dd', { id: 'federation-name' }, me.name),
      h('dt', null, 'Public key (for peers\u2019 trust lists)'), h('dd', null, h('code', { id: 'federation-key' }, me.public_key))),
    h('div', { class: 'incident-toolbar' }, h('button', { type: 'button', class: 'btn', id: 'federation-sync', onclick: sync }, 'Run a round now')),
    report,
    h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'federation-peers' },
      h('thead', null, h('tr', null, ['Peer', 'Link', 'Address', 'Hosts', 'Status', 'Last heard (UTC)', 'Applied / their head', 'Confirmed / queued', 'Waiting']
        .map((t) => h('th', { scope: 'col' }, t)))), body)));
  await load();
}
