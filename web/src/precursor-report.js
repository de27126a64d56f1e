// The report part of #/precursors: compose a report of a suspicious transaction,
// disappearance or theft (Regulation (EU) 2019/1148 Art. 9) for the product on the page,
// check it (due 24 hours after detection), send it to the national contact point the
// sharing directory names, and list the reports one's organisation sent or received.
import { ApiError, get, post } from './api.js';
import { h, replace, select } from './dom.js';
import { getMeta } from './meta.js';
import { canEdit } from './session.js';

const KINDS = [
  { value: 'suspicious_transaction', label: 'Suspicious transaction' },
  { value: 'disappearance', label: 'Significant disappearance' },
  { value: 'theft', label: 'Theft' },
];

const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC' : '—');

function field(label, control) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
}

function problem(box, e) {
  const lines = e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((f) => `${f.field}: ${f.message}`) : [e.message];
  replace(box, lines.map((l) => h('p', null, l)));
  box.hidden = false;
}

/** The report card and the list of sent reports; `product()` gives the formulation on the page. */
export function reportCard(catalogue, product) {
  const kind = select({ id: 'str-kind' }, KINDS);
  const country = select({ id: 'str-country' }, getMeta().countries.map((c) => ({ value: c.code, label: `${c.name} (${c.code})` })));
  country.value = 'DE';
  const indicators = catalogue.indicators.map((i) => h('label', { class: 'check' }, h('input', { type: 'checkbox', class: 'str-indicator', value: i.key }), ` ${i.label}`));
  const quantity = h('input', { id: 'str-quantity', placeholder: 'e.g. 4 × 10 l' });
  const customer = h('input', { id: 'str-customer', placeholder: 'what the customer said or showed' });
  const description = h('textarea', { id: 'str-description', rows: 2 });
  const local = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const detected = h('input', { id: 'str-detected', type: 'datetime-local', value: local });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const outcome = h('div', { id: 'str-outcome' });
  const sentBox = h('div', { id: 'str-sent' });
  const body = () => {
    const b = {
      kind: kind.value, country: country.value, products: [product()],
      indicators: [...document.querySelectorAll('.str-indicator:checked')].map((c) => c.value),
      quantity: quantity.value || undefined, customer: customer.value || undefined, description: description.value || undefined,
    };
    const t = Date.parse(new Date(detected.value).toISOString());
    if (!Number.isNaN(t) && t < Date.now()) b.detected_at_ms = t;
    return b;
  };
  const refresh = async () => {
    try {
      const r = await get('/precursors/reports/sent');
      replace(sentBox, r.items.length
        ? h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'str-sent-table' },
          h('caption', { class: 'section-title' }, 'Reports sent and received'),
          h('thead', null, h('tr', null, ['Report', 'Kind', 'Country', 'From', 'To', 'Sent', 'Due by', ''].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, r.items.map((x) => h('tr', null, h('td', null, x.id), h('td', null, x.kind.replace('_', ' ')), h('td', null, x.country),
            h('td', null, x.organisation), h('td', null, x.routed_to), h('td', null, when(x.sent_at)), h('td', null, when(x.due_by)),
            h('td', { class: x.late ? 'flag' : null }, x.late ? 'late' : 'in time'))))))
        : h('p', { class: 'field-hint' }, 'No reports sent or received by your organisation.'));
    } catch (e) {
      replace(sentBox, h('p', { class: 'form-error' }, e.message));
    }
  };
  const act = async (path, show) => {
    error.hidden = true;
    try {
      show(await post(path, body()));
    } catch (e) {
      problem(error, e);
    }
  };
  const check = () => act('/precursors/reports', (r) => replace(outcome,
    h('p', { id: 'str-due' }, `Due by ${when(r.due_by)} — ${r.routed_to}.`)));
  const send = () => act('/precursors/reports/sent', async (r) => {
    replace(outcome, h('p', { id: 'str-result', class: r.late ? 'flag' : null }, `Sent as ${r.id} to ${r.routed_to}${r.late ? ' — late: it was due within 24 hours of detection' : ''}.`));
    await refresh();
  });
  refresh();
  return [
    h('form', { class: 'card', id: 'str-form', onsubmit: (e) => e.preventDefault() },
      h('h2', { class: 'section-title' }, 'Report to the national contact point (Art. 9)'),
      h('p', { class: 'field-hint' }, 'The product above is reported. Reports are due within 24 hours of the transaction being considered suspicious, or of the disappearance or theft being found.'),
      h('div', { class: 'field-row' }, field('What', kind), field('Member State', country), field('Detected at (your time)', detected)),
      h('fieldset', null, h('legend', null, 'Indicators'), h('div', { class: 'check-list' }, indicators)),
      h('div', { class: 'field-row' }, field('Quantity', quantity), field('Customer', customer)),
      field('What happened', description),
      error,
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', class: 'btn btn-secondary', id: 'str-check', onclick: check }, 'Check the report'),
        canEdit() ? h('button', { type: 'button', class: 'btn', id: 'str-send', onclick: send }, 'Send') : null),
      outcome),
    sentBox,
  ];
}
