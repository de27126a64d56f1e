// Edit (PUT) or create (POST) form for an asset, with the server's field errors
// shown next to the fields.
import { enc, post, put } from './api.js';
import { h, replace, select } from './dom.js';
import { getMeta, kindLabel, organisations, subsectorsOf } from './meta.js';

const NUMBERS = {
  people_served: { label: 'People served', int: true, hint: 'service population' },
  peak_occupancy: { label: 'Peak occupancy', int: true, hint: 'people on site at peak' },
  value_per_day: { label: 'Value per day (EUR)', int: false, hint: 'economic value of a day of service' },
  restoration_hours: { label: 'Restoration time (hours)', int: false, hint: 'to restore service after loss' },
};

/** Which form field shows a server error for the problem's `field` path. */
function slotFor(path, slots) {
  if (!path) return null;
  if (slots.has(path)) return path;
  if (path.startsWith('geometry')) return slots.has('geometry') ? 'geometry' : null;
  const head = path.split(/[.[]/)[0];
  return slots.has(head) ? head : null;
}

/**
 * asset: the asset to edit, or null for a new one.
 * onSaved(savedAsset), onCancel(), onConflict() (reload the latest version).
 */
export function assetForm(asset, { onSaved, onCancel, onConflict }) {
  const m = getMeta();
  const isNew = !asset;
  const a = asset || { kind: 'infrastructure', geometry: { type: 'Point', coordinates: [null, null] }, attributes: {} };
  const isPoint = !a.geometry || a.geometry.type === 'Point';
  const [lon, lat] = isPoint ? a.geometry?.coordinates ?? [null, null] : [null, null];

  const errors = new Map(); // slot name → <p class="field-error">
  const controls = new Map(); // slot name → [inputs]
  const errorSlot = (name) => {
    const p = h('p', { class: 'field-error', id: `error-${name}`, dataset: { field: name }, hidden: true });
    errors.set(name, p);
    return p;
  };
  const field = (name, label, control, hint) => {
    controls.set(name, [control]);
    control.setAttribute('aria-describedby', `error-${name}`);
    return h('label', { class: 'field', dataset: { field: name } },
      h('span', { class: 'field-label' }, label),
      control,
      hint ? h('span', { class: 'field-hint' }, hint) : null,
      errorSlot(name));
  };
  const numberInput = (name, value) => h('input', {
    name, type: 'text', inputmode: 'decimal', autocomplete: 'off', value: value ?? '',
  });

  const idInput = isNew ? h('input', { name: 'id', type: 'text', autocomplete: 'off', placeholder: 'assigned by the server when empty' }) : null;
  const name = h('input', { name: 'name', type: 'text', required: true, autocomplete: 'off', value: a.name ?? '' });
  const kind = select({ name: 'kind' }, m.kinds.map((k) => ({ value: k, label: kindLabel(k) })));
  kind.value = a.kind || 'infrastructure';
  const sector = select({ name: 'sector' }, m.sectors.map((s) => ({ value: s.key, label: s.label })), '— none —');
  sector.value = a.sector ?? '';
  const subsector = h('select', { name: 'subsector' });
  const fillSubsectors = (value) => {
    replace(subsector, h('option', { value: '' }, '— none —'),
      subsectorsOf(sector.value).map((s) => h('option', { value: s.key }, s.label)));
    subsector.value = value ?? '';
    subsector.disabled = subsector.options.length <= 1;
  };
  fillSubsectors(a.subsector);
  sector.addEventListener('change', () => fillSubsectors(''));
  const category = select({ name: 'category' }, m.categories.map((c) => ({ value: c.key, label: c.label })), '— none —');
  category.value = a.category ?? '';
  const country = select({ name: 'country' }, m.countries.map((c) => ({ value: c.code, label: `${c.name} (${c.code})` })), '— choose —');
  country.value = a.country ?? '';
  const operator = h('select', { name: 'operator_id' });
  const fillOperators = (orgs) => {
    const list = [...orgs.values()].sort((x, y) => x.name.localeCompare(y.name));
    if (a.operator_id && !orgs.has(a.operator_id)) list.unshift({ id: a.operator_id, name: a.operator_id });
    replace(operator, h('option', { value: '' }, '— none —'),
      list.map((o) => h('option', { value: o.id }, o.country ? `${o.name} (${o.country})` : o.name)));
    operator.value = a.operator_id ?? '';
  };
  fillOperators(new Map());
  organisations().then(fillOperators);
  const numbers = Object.fromEntries(Object.keys(NUMBERS).map((k) => [k, numberInput(k, a[k])]));
  const lonInput = numberInput('lon', lon);
  const latInput = numberInput('lat', lat);

  const formError = h('div', { class: 'form-error', id: 'form-error', role: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn', id: 'save-asset' }, isNew ? 'Create asset' : 'Save changes');
  const cancel = h('button', { type: 'button', class: 'btn btn-secondary', id: 'cancel-edit', onclick: () => onCancel() }, 'Cancel');

  controls.set('geometry', [lonInput, latInput]);
  const location = isPoint
    ? h('fieldset', { class: 'field-group', dataset: { field: 'geometry' } },
      h('legend', { class: 'field-label' }, 'Location (WGS 84)'),
      h('div', { class: 'form-row' },
        h('label', { class: 'field' }, h('span', { class: 'field-hint' }, 'Longitude'), lonInput),
        h('label', { class: 'field' }, h('span', { class: 'field-hint' }, 'Latitude'), latInput)),
      errorSlot('geometry'))
    : h('div', { class: 'field-group' },
      h('span', { class: 'field-label' }, 'Location'),
      h('p', { class: 'muted small' }, `${a.geometry.type} geometry; change it by importing a new outline.`),
      errorSlot('geometry'));

  const form = h('form', { class: 'asset-form', id: 'asset-form', novalidate: true },
    formError,
    idInput ? field('id', 'Id', idInput) : null,
    field('name', 'Name', name),
    h('div', { class: 'form-row' }, field('kind', 'Kind', kind), field('country', 'Country', country)),
    h('div', { class: 'form-row' }, field('sector', 'Sector', sector), field('subsector', 'Subsector', subsector)),
    h('div', { class: 'form-row' },
      field('category', 'Public-space category', category), field('operator_id', 'Operator', operator)),
    h('div', { class: 'form-row' },
      ...Object.entries(NUMBERS).map(([k, d]) => field(k, d.label, numbers[k], d.hint))),
    location,
    h('div', { class: 'form-actions' }, save, cancel));

  function clearErrors() {
    formError.hidden = true;
    replace(formError);
    for (const p of errors.values()) {
      p.hidden = true;
      p.textContent = '';
    }
    for (const list of controls.values()) for (const c of list) c.removeAttribute('aria-invalid');
  }

  /** Show [{field, message}]; returns those that have no field in this form. */
  function showFieldErrors(list) {
    const rest = [];
    for (const e of list) {
      const slot = slotFor(e.field, errors);
      if (!slot) {
        rest.push(e);
        continue;
      }
      const p = errors.get(slot);
      p.textContent = p.textContent ? `${p.textContent}; ${e.message}` : e.message;
      p.hidden = false;
      for (const c of controls.get(slot) || []) c.setAttribute('aria-invalid', 'true');
    }
    return rest;
  }

  function showFormError(message, rest = [], action = null) {
    replace(formError, h('p', null, message),
      rest.length ? h('ul', null, rest.map((e) => h('li', null, e.field ? `${e.field}: ${e.message}` : e.message))) : null,
      action);
    formError.hidden = false;
  }

  /** Read the form; client-side checks only that numbers are numbers. */
  function read() {
    const problems = [];
    const num = (input, key, int) => {
      const raw = input.value.trim().replace(/\s/g, '');
      if (raw === '') return null;
      const v = Number(raw);
      if (!Number.isFinite(v)) problems.push({ field: key, message: 'must be a number' });
      else if (int && !Number.isInteger(v)) problems.push({ field: key, message: 'must be a whole number' });
      return v;
    };
    const body = { ...a };
    delete body.version;
    delete body.updated_at;
    delete body.updated_by;
    if (isNew) {
      delete body.id;
      if (idInput.value.trim()) body.id = idInput.value.trim();
    }
    body.name = name.value.trim();
    body.kind = kind.value;
    body.sector = sector.value || null;
    body.subsector = subsector.value || null;
    body.category = category.value || null;
    body.country = country.value || null;
    body.operator_id = operator.value || null;
    for (const [k, d] of Object.entries(NUMBERS)) body[k] = num(numbers[k], k, d.int);
    if (isPoint) {
      const x = num(lonInput, 'geometry.coordinates', false);
      const y = num(latInput, 'geometry.coordinates', false);
      if (x === null || y === null) problems.push({ field: 'geometry.coordinates', message: 'longitude and latitude are required' });
      body.geometry = { type: 'Point', coordinates: [x, y] };
    }
    body.attributes = a.attributes || {};
    if (!isNew) body.version = a.version;
    return { body, problems };
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    const { body, problems } = read();
    if (problems.length) {
      showFieldErrors(problems);
      showFormError('Please correct the highlighted fields.');
      return;
    }
    save.disabled = true;
    save.textContent = 'Saving…';
    try {
      const saved = isNew ? await post('/assets', body) : await put(`/assets/${enc(a.id)}`, body);
      onSaved(saved);
    } catch (err) {
      const rest = showFieldErrors(err.fieldErrors || []);
      if (err.status === 409) {
        showFormError(err.message || 'This asset was changed by someone else since you opened it.', rest,
          h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => onConflict?.() },
            'Discard my edits and load the latest version'));
      } else {
        showFormError(err.message, rest);
      }
      form.querySelector('[aria-invalid="true"]')?.focus();
    } finally {
      save.disabled = false;
      save.textContent = isNew ? 'Create asset' : 'Save changes';
    }
  });

  queueMicrotask(() => name.focus());
  return form;
}
