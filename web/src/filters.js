// The filter form: sector, kind, country, public-space category and free text.
import { debounce, h, select } from './dom.js';
import { getMeta, kindLabel } from './meta.js';

/** onChange(values) is called whenever a filter changes (text search debounced). */
export function createFilters(onChange) {
  const m = getMeta();
  const sector = select({ id: 'filter-sector', name: 'sector' },
    m.sectors.map((s) => ({ value: s.key, label: s.label })), 'All sectors');
  const kind = select({ id: 'filter-kind', name: 'kind' },
    m.kinds.map((k) => ({ value: k, label: kindLabel(k) })), 'All kinds');
  const country = select({ id: 'filter-country', name: 'country' },
    m.countries.map((c) => ({ value: c.code, label: c.name })), 'All countries');
  const category = select({ id: 'filter-category', name: 'category' },
    m.categories.map((c) => ({ value: c.key, label: c.label })), 'All categories');
  const search = h('input', {
    id: 'search', name: 'q', type: 'search', placeholder: 'Search by name or id', autocomplete: 'off',
    'aria-label': 'Search assets',
  });

  const values = () => ({
    sector: sector.value,
    kind: kind.value,
    country: country.value,
    category: category.value,
    q: search.value.trim(),
  });
  let last = JSON.stringify(values());
  const emit = () => {
    const v = values();
    const key = JSON.stringify(v);
    if (key === last) return;
    last = key;
    reset.hidden = !Object.values(v).some(Boolean);
    onChange(v);
  };
  const emitSoon = debounce(emit, 350);

  // A public-space category only makes sense for public spaces.
  const syncCategory = () => {
    category.disabled = kind.value === 'infrastructure';
    if (category.disabled) category.value = '';
  };

  const reset = h('button', {
    type: 'button', class: 'btn-link', id: 'filter-reset', hidden: true,
    onclick: () => {
      for (const el of [sector, kind, country, category, search]) el.value = '';
      syncCategory();
      emit();
    },
  }, 'Clear filters');

  for (const el of [sector, country, category]) el.addEventListener('change', emit);
  kind.addEventListener('change', () => {
    syncCategory();
    emit();
  });
  search.addEventListener('input', emitSoon);

  const field = (label, control) => h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
  const el = h('form', {
    class: 'filters', role: 'search', 'aria-label': 'Filter assets',
    onsubmit: (e) => {
      e.preventDefault();
      emitSoon.cancel();
      emit();
    },
  },
  h('div', { class: 'search-row' }, search),
  h('div', { class: 'filter-grid' },
    field('Sector', sector),
    field('Kind', kind),
    field('Country', country),
    field('Public-space category', category)),
  h('div', { class: 'filter-foot' }, reset));

  return { el, values };
}
