// #/incidents: incident notifications under Directive (EU) 2022/2557 Art. 15 — the
// dashboard of incidents the user may read with their two clocks (initial notification
// within 24 h of becoming aware, detailed report a month after it), the form to record
// one with its countdown, and one incident's record with what its entity may add.
import { ApiError, get, post } from './api.js';
import { h, replace, select } from './dom.js';
import { fmtInt } from './format.js';
import { getMeta } from './meta.js';
import { currentUser, isAdmin } from './session.js';

const TLP = ['TLP:AMBER+STRICT', 'TLP:AMBER', 'TLP:GREEN', 'TLP:CLEAR'];
const STATES = { draft: 'Draft', notified: 'Notified', reported: 'Detailed report filed', closed: 'Closed' };
const REASONS = { competent_authority: 'competent authority', contact_point: 'single point of contact', affected_member_state: 'affected member state' };

/** "3 d 04:05:06" from seconds. */
function span(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return d ? `${d} d ${hms}` : hms;
}

/** TLP:AMBER+STRICT → "tlp-amberstrict" */
const tlpClass = (label) => label.replace(/^TLP:/, '').replace(/[^A-Z]/g, '').toLowerCase();

const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC' : '—');

/** A clock as words, counting against the browser's time so it ticks between reloads. */
function clockText(c) {
  if (!c) return '—';
  const left = (Date.parse(c.due) - Date.now()) / 1000;
  switch (c.state) {
    case 'open':
    case 'overdue':
      return left >= 0 ? `due in ${span(left)}` : `overdue by ${span(-left)}`;
    case 'met':
      return `met ${when(c.done)}`;
    default:
      return `met late ${when(c.done)}`;
  }
}

function clockCell(c, cls) {
  const cell = h('td', { class: `clock ${cls}`, dataset: { due: c?.due || '', state: c?.state || '' } }, clockText(c));
  if (c && (c.state === 'open' || c.state === 'overdue')) cell.classList.toggle('overdue', Date.parse(c.due) < Date.now());
  return cell;
}

function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control, hint ? h('span', { class: 'field-hint' }, hint) : null);
}

function problem(box, e) {
  const lines = e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((f) => `${f.field}: ${f.message}`) : [e.message];
  replace(box, lines.map((l) => h('p', null, l)));
  box.hidden = false;
}

let ticker = null;

export async function showIncidents(view, id) {
  clearInterval(ticker);
  const list = h('div', { id: 'incident-list' });
  const detail = h('section', { id: 'incident-detail', class: 'incident-detail', hidden: true });
  const overdueOnly = h('input', { id: 'incident-overdue', type: 'checkbox' });
  const canRecord = currentUser()?.role !== 'viewer';
  const formBox = h('section', { id: 'incident-form-box', hidden: true });
  replace(view,
    h('div', { class: 'threat-head' },
      h('h1', null, 'Incident notifications'),
      h('p', { class: 'lede' }, 'Directive (EU) 2022/2557 Art. 15: an initial notification within 24 hours of becoming aware of an incident, a detailed report within one month after it.')),
    h('div', { class: 'incident-toolbar' },
      h('label', { class: 'check' }, overdueOnly, ' Only overdue'),
      canRecord ? h('button', { type: 'button', id: 'incident-new', class: 'btn btn-primary', onclick: () => { formBox.hidden = false; detail.hidden = true; } }, 'Record an incident') : null),
    formBox, list, detail);
  if (canRecord) buildForm(formBox, async (newId) => { formBox.hidden = true; await refresh(); await open(newId); });

  async function refresh() {
    try {
      const r = await get(`/incidents${overdueOnly.checked ? '?overdue=true' : ''}`);
      renderList(list, r.items, open);
    } catch (e) {
      replace(list, h('p', { class: 'form-error' }, e.message));
    }
  }
  async function open(incidentId) {
    detail.hidden = false;
    await renderDetail(detail, incidentId, async () => { await refresh(); await open(incidentId); });
  }
  overdueOnly.addEventListener('change', refresh);
  await refresh();
  if (id) await open(id);
  // Countdowns tick every second without asking the server.
  ticker = setInterval(() => {
    if (!view.isConnected || view.hidden) return;
    for (const cell of view.querySelectorAll('td.clock, dd.clock')) {
      if (!['open', 'overdue'].includes(cell.dataset.state)) continue;
      const left = (Date.parse(cell.dataset.due) - Date.now()) / 1000;
      cell.textContent = left >= 0 ? `due in ${span(left)}` : `overdue by ${span(-left)}`;
      cell.classList.toggle('overdue', left < 0);
    }
  }, 1000);
}

function renderList(box, items, open) {
  if (!items.length) {
    replace(box, h('p', { class: 'empty', id: 'incident-empty' }, 'No incidents to show.'));
    return;
  }
  replace(box, h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'incident-table' },
    h('thead', null, h('tr', null, ['Incident', 'Entity', 'State', 'Label', 'Initial notification', 'Detailed report'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, items.map((i) => h('tr', { dataset: { id: i.id }, class: i.overdue ? 'row-overdue' : null },
      h('td', null, h('a', { href: `#/incidents/${encodeURIComponent(i.id)}`, onclick: (e) => { e.preventDefault(); open(i.id); } }, i.title)),
      h('td', null, i.entity),
      h('td', null, STATES[i.state] || i.state),
      h('td', null, h('span', { class: `tlp tlp-${tlpClass(i.tlp)}` }, i.tlp)),
      clockCell(i.clocks.initial, 'initial'),
      i.state === 'draft' ? h('td', null, '—') : clockCell(i.clocks.detailed, 'detailed')))))));
}

function reportFields(meta) {
  const now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const f = {
    title: h('input', { id: 'incident-title', required: true }),
    description: h('textarea', { id: 'incident-description', rows: 3, required: true }),
    sector: select({ id: 'incident-sector' }, meta.sectors.map((s) => ({ value: s.key, label: s.label })), '—'),
    assets: h('input', { id: 'incident-assets', placeholder: 'e.g. DE-SUB-1, DE-SUB-2' }),
    aware: h('input', { id: 'incident-aware', type: 'datetime-local', value: now, required: true }),
    users: h('input', { id: 'incident-users', type: 'number', min: '0', step: '1', required: true }),
    total: h('input', { id: 'incident-total', type: 'number', min: '0', step: '1' }),
    duration: h('input', { id: 'incident-duration', type: 'number', min: '0', step: 'any', placeholder: 'empty while it goes on' }),
    area: h('input', { id: 'incident-area', required: true }),
    isolated: h('input', { id: 'incident-isolated', type: 'checkbox' }),
    states: h('input', { id: 'incident-states', placeholder: 'e.g. DE, FR', required: true }),
    tlp: select({ id: 'incident-tlp' }, TLP.map((t) => ({ value: t, label: t }))),
  };
  f.tlp.value = TLP[0];
  const list = (s) => s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
  const num = (el) => (el.value === '' ? undefined : Number(el.value));
  const body = () => ({
    title: f.title.value, description: f.description.value, sector: f.sector.value || undefined, assets: list(f.assets.value),
    aware_at: f.aware.value ? new Date(f.aware.value).toISOString() : '', tlp: f.tlp.value,
    significance: {
      users_affected: num(f.users), users_total: num(f.total), duration_hours: num(f.duration), area: f.area.value,
      isolated_area: f.isolated.checked, member_states: list(f.states.value.toUpperCase()),
    },
  });
  return { f, body };
}

async function buildForm(box, onSaved) {
  const meta = getMeta();
  const { f, body } = reportFields(meta);
  const entity = isAdmin() ? h('input', { id: 'incident-entity', placeholder: 'organisation id, e.g. de-op-grid' }) : null;
  const draft = h('input', { id: 'incident-draft', type: 'checkbox' });
  const countdown = h('p', { id: 'incident-countdown', class: 'countdown' });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const tick = () => {
    const aware = Date.parse(new Date(f.aware.value).toISOString());
    if (Number.isNaN(aware)) { countdown.textContent = ''; return; }
    const left = (aware + 24 * 3600e3 - Date.now()) / 1000;
    countdown.textContent = left >= 0 ? `Initial notification due in ${span(left)}` : `Initial notification overdue by ${span(-left)}`;
    countdown.classList.toggle('overdue', left < 0);
  };
  f.aware.addEventListener('input', tick);
  tick();
  setInterval(tick, 1000);
  const submit = async (e) => {
    e.preventDefault();
    error.hidden = true;
    const b = body();
    if (entity?.value.trim()) b.entity = entity.value.trim();
    if (draft.checked) b.draft = true;
    try {
      const r = await post('/incidents', b);
      await onSaved(r.id);
    } catch (err) {
      problem(error, err);
    }
  };
  replace(box, h('form', { id: 'incident-form', class: 'incident-form', onsubmit: submit },
    h('h2', null, 'Record an incident'), countdown,
    entity ? field('Entity', entity, 'Administrators record for an organisation; others for their own.') : null,
    field('Title', f.title), field('What happened', f.description),
    h('div', { class: 'field-row' }, field('Sector', f.sector), field('Registry assets', f.assets)),
    h('div', { class: 'field-row' }, field('Became aware at (your time)', f.aware), field('Label', f.tlp)),
    h('fieldset', null, h('legend', null, 'Significance'),
      h('div', { class: 'field-row' }, field('Users affected', f.users), field('Users relying on the service', f.total, 'gives the proportion affected')),
      h('div', { class: 'field-row' }, field('Duration (hours)', f.duration), field('Area affected', f.area)),
      h('label', { class: 'check' }, f.isolated, ' The area is geographically isolated'),
      field('Member states affected', f.states, 'ISO codes, your own included; six or more: the Commission is informed')),
    h('label', { class: 'check' }, draft, ' Keep as a draft (nobody is notified yet; the clock runs)'),
    error,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'incident-submit' }, 'Notify'))));
}

async function renderDetail(box, id, reload) {
  let i;
  try {
    i = await get(`/incidents/${encodeURIComponent(id)}`);
  } catch (e) {
    replace(box, h('p', { class: 'form-error', id: 'incident-missing' }, e.message));
    return;
  }
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  // A copy received from another Rampart instance is changed at its origin only.
  const mine = !i.origin_instance && (isAdmin() || (currentUser()?.organisation_id === i.entity && currentUser()?.role !== 'viewer'));
  const s = i.report.significance;
  const act = async (path, bodyOf) => {
    error.hidden = true;
    try {
      await post(path, bodyOf());
      await reload();
    } catch (e) {
      problem(error, e);
    }
  };
  const note = h('input', { id: 'incident-note', placeholder: 'what changed' });
  const kind = select({ id: 'incident-kind' }, [{ value: 'update', label: 'Update' }, { value: 'detailed', label: 'Detailed report' }, { value: 'close', label: 'Close' }]);
  replace(box,
    h('h2', { id: 'incident-heading' }, i.title, ' ', h('span', { class: `tlp tlp-${tlpClass(i.tlp)}` }, i.tlp)),
    h('dl', { class: 'figures' },
      h('div', { class: 'figure' }, h('dt', null, 'State'), h('dd', { id: 'incident-state' }, STATES[i.state] || i.state)),
      h('div', { class: 'figure' }, h('dt', null, 'Initial notification'), h('dd', { class: 'clock', dataset: { due: i.clocks.initial.due, state: i.clocks.initial.state } }, clockText(i.clocks.initial))),
      h('div', { class: 'figure' }, h('dt', null, 'Detailed report'), h('dd', { class: 'clock', dataset: { due: i.clocks.detailed.due, state: i.state === 'draft' ? '' : i.clocks.detailed.state } }, i.state === 'draft' ? 'after the notification' : clockText(i.clocks.detailed))),
      h('div', { class: 'figure' }, h('dt', null, 'Users affected'), h('dd', null, `${fmtInt(s.users_affected)}${i.proportion_affected !== null ? ` (${(i.proportion_affected * 100).toFixed(1)} %)` : ''}`)),
      h('div', { class: 'figure' }, h('dt', null, 'Duration'), h('dd', null, s.duration_hours === null ? 'ongoing' : `${s.duration_hours} h`)),
      h('div', { class: 'figure' }, h('dt', null, 'Area'), h('dd', null, `${s.area}${s.isolated_area ? ' (isolated)' : ''}`))),
    h('p', null, i.report.description),
    h('p', null, `Entity ${i.entity}; aware at ${when(i.aware_at)}; member states affected: ${s.member_states.join(', ')}.`),
    i.origin_instance ? h('p', { class: 'flag', id: 'incident-origin' }, `Received from the Rampart instance ${i.origin_instance}; read-only here.`) : null,
    i.commission ? h('p', { class: 'flag', id: 'incident-commission' }, 'Six or more member states are affected: the Commission is to be informed (Art. 15(3)).') : null,
    i.recipients.length ? h('div', null, h('h3', null, 'Notified to'),
      h('ul', { id: 'incident-recipients' }, i.recipients.map((r) => h('li', null, `${r.organisation} — ${REASONS[r.reason] || r.reason}${r.country ? ` (${r.country})` : ''}`)))) : null,
    i.unrouted.length ? h('p', { class: 'flag' }, `No single point of contact in the directory for ${i.unrouted.join(', ')}: forward by other means.`) : null,
    h('h3', null, 'Record'),
    h('ol', { id: 'incident-record', class: 'record' }, (i.updates || []).map((u) => h('li', null, `${when(u.at)} — ${u.kind} by ${u.author}${u.note ? `: ${u.note}` : ''}`))),
    error,
    mine && i.state === 'draft' ? h('button', { type: 'button', class: 'btn btn-primary', id: 'incident-notify', onclick: () => act(`/incidents/${encodeURIComponent(id)}/notify`, () => ({ version: i.version })) }, 'Notify now') : null,
    mine && (i.state === 'notified' || i.state === 'reported') ? h('form', { class: 'inline-form', id: 'incident-add',
      onsubmit: (e) => { e.preventDefault(); act(`/incidents/${encodeURIComponent(id)}/updates`, () => ({ kind: kind.value, note: note.value, version: i.version })); } },
    field('Add', kind), field('Note', note), h('button', { type: 'submit', class: 'btn', id: 'incident-add-submit' }, 'Add to the record')) : null);
}
