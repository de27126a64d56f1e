// #/webhooks: an organisation's webhooks — where its machines are told of alert events —
// with their status and last delivery, an add form (the signing secret is shown once),
// pause / resume / test / remove, and each one's delivery log. The server decides who may
// do what; the buttons only follow the role.
import { ApiError, del, enc, get, patch, post } from './api.js';
import { h, replace, toast } from './dom.js';
import { canEdit, currentUser, isAdmin } from './session.js';

const KINDS = [
  ['published', 'Published alerts'],
  ['acknowledged', 'Acknowledgements'],
  ['escalated', 'Escalations'],
  ['relabelled', 'Label changes'],
];

const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }) : '—');

const field = (label, control, hint) =>
  h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control, hint ? h('span', { class: 'field-hint' }, hint) : null);

function statusBadge(w) {
  const retrying = w.status === 'active' && w.failures > 0;
  const kind = w.status === 'failing' ? 'tag-warn webhook-failing' : w.status === 'paused' ? 'tag-muted' : retrying ? 'tag-warn' : 'tag-ok';
  return h('span', { class: `tag webhook-status ${kind}` }, retrying ? `retrying (${w.failures})` : w.status);
}

export async function showWebhooks(view) {
  const list = h('div', { id: 'webhook-list' });
  const log = h('section', { id: 'webhook-log', hidden: true });
  const secretBox = h('div', { id: 'webhook-secret-box', class: 'verdict', hidden: true });
  const mine = (w) => w.organisation === currentUser().organisation_id;

  const showLog = async (w) => {
    log.hidden = false;
    let items;
    try {
      items = (await get(`/webhooks/${enc(w.id)}/deliveries`)).items;
    } catch (e) {
      replace(log, h('p', { class: 'form-error' }, e.message));
      return;
    }
    const row = (a) => h('tr', { class: `attempt-${a.outcome}` },
      h('td', null, when(a.at)), h('td', null, a.seq ?? ''), h('td', null, a.kind), h('td', { class: 'num' }, a.attempt),
      h('td', null, a.outcome), h('td', null, a.status_code ?? ''), h('td', null, a.error ?? ''), h('td', { class: 'num' }, a.duration_ms),
      h('td', null, a.next_attempt_at ? when(a.next_attempt_at) : ''));
    replace(log,
      h('h2', null, `Delivery log: ${w.url}`),
      items.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'webhook-log-table' },
          h('thead', null, h('tr', null, ['When (UTC)', 'Event', 'Kind', 'Attempt', 'Outcome', 'Status', 'Error', 'ms', 'Next attempt'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, items.map(row))))
        : h('p', { class: 'muted' }, 'Nothing sent yet.'));
  };

  const act = async (fn, done) => {
    try {
      await fn();
      if (done) toast(done);
      await load();
    } catch (e) {
      toast(e.message, 'error');
    }
  };

  const load = async () => {
    let items;
    try {
      items = (await get('/webhooks')).items;
    } catch (e) {
      replace(list, h('p', { class: 'form-error' }, e.message));
      return;
    }
    if (!items.length) {
      replace(list, h('p', { class: 'muted', id: 'webhook-none' }, 'No webhooks yet.'));
      return;
    }
    const manage = canEdit();
    const row = (w) => h('tr', { dataset: { id: w.id } },
      h('td', null, statusBadge(w)),
      isAdmin() ? h('td', null, w.organisation) : null,
      h('td', { class: 'webhook-url' }, w.url, w.description ? h('div', { class: 'muted' }, w.description) : null),
      h('td', null, w.kinds.join(', ')),
      h('td', null, when(w.last_success_at)),
      h('td', null, w.next_attempt_at ? when(w.next_attempt_at) : ''),
      h('td', { class: 'webhook-actions' },
        manage && w.status === 'paused'
          ? h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => act(() => patch(`/webhooks/${enc(w.id)}`, { status: 'active' }), 'Resumed.') }, 'Resume')
          : null,
        manage && w.status !== 'paused'
          ? h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => act(() => patch(`/webhooks/${enc(w.id)}`, { status: 'paused' }), 'Paused.') }, 'Pause')
          : null,
        manage
          ? h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => act(async () => {
            const a = await post(`/webhooks/${enc(w.id)}/test`);
            toast(a.outcome === 'delivered' ? `Ping delivered (${a.status_code}).` : `Ping failed: ${a.error}`, a.outcome === 'delivered' ? 'info' : 'error');
            if (!log.hidden) await showLog(w);
          }) }, 'Test')
          : null,
        h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => showLog(w) }, 'Log'),
        manage && (mine(w) || isAdmin())
          ? h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => {
            if (window.confirm(`Remove the webhook to ${w.url} and its delivery log?`)) act(() => del(`/webhooks/${enc(w.id)}`), 'Removed.');
          } }, 'Remove')
          : null));
    replace(list, h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'webhook-table' },
      h('thead', null, h('tr', null, ['Status', isAdmin() ? 'Organisation' : null, 'URL', 'Events', 'Last delivered (UTC)', 'Next attempt', ''].filter((t) => t !== null).map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, items.map(row)))));
  };

  const form = () => {
    const url = h('input', { id: 'webhook-url', type: 'url', required: true, placeholder: 'https://soc.example.org/rampart', autocomplete: 'off' });
    const description = h('input', { id: 'webhook-description', type: 'text', maxlength: 500 });
    const boxes = KINDS.map(([k, label]) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'webhook-kind', value: k, checked: true }), ` ${label}`));
    const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
    const submit = async (e) => {
      e.preventDefault();
      error.hidden = true;
      const kinds = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      try {
        const w = await post('/webhooks', { url: url.value, kinds, description: description.value });
        replace(secretBox,
          h('p', null, 'Webhook added. Its signing secret is shown this once: keep it with the receiver, which checks the Rampart-Signature header with it.'),
          h('code', { id: 'webhook-secret' }, w.secret));
        secretBox.hidden = false;
        url.value = '';
        description.value = '';
        await load();
      } catch (err) {
        error.textContent = err instanceof ApiError && err.fieldErrors.length ? err.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ') : err.message;
        error.hidden = false;
      }
    };
    return h('form', { id: 'webhook-form', class: 'incident-form', onsubmit: submit },
      h('h2', null, 'Add a webhook'),
      field('URL', url, 'https, or http to this machine. Events are POSTed as JSON, signed with HMAC-SHA256.'),
      h('fieldset', { class: 'field' }, h('legend', { class: 'field-label' }, 'Events'), boxes),
      field('Description', description),
      error,
      h('button', { type: 'submit', class: 'btn', id: 'webhook-add' }, 'Add webhook'));
  };

  replace(view,
    h('div', { class: 'threat-head' }, h('h1', null, 'Webhooks'),
      h('p', { class: 'lede' }, 'Your organisation\'s machines told of alert events as they happen: what a member of your organisation would be told, in order, retried until the receiver accepts.')),
    secretBox,
    list,
    canEdit() ? form() : null,
    log);
  await load();
}
