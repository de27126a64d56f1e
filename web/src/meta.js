// Reference lists from GET /meta (sectors, categories, services, countries, roles)
// and the organisations list, loaded once, with label look-ups.
import { get } from './api.js';

let meta = null;
let sectorByKey = new Map();
let categoryByKey = new Map();
let serviceByKey = new Map();
let countryByCode = new Map();
let orgsPromise = null;

export async function loadMeta() {
  if (meta) return meta;
  const m = await get('/meta');
  meta = {
    sectors: m.sectors || [],
    categories: m.categories || [],
    services: m.services || [],
    kinds: m.kinds || ['infrastructure', 'public_space'],
    roles: m.roles || [],
    countries: [...(m.countries || [])].sort((a, b) => a.name.localeCompare(b.name)),
  };
  sectorByKey = new Map(meta.sectors.map((s) => [s.key, s]));
  categoryByKey = new Map(meta.categories.map((c) => [c.key, c]));
  serviceByKey = new Map(meta.services.map((s) => [s.key, s]));
  countryByCode = new Map(meta.countries.map((c) => [c.code, c]));
  return meta;
}

export function getMeta() {
  return meta;
}

const humanize = (key) => (key ? key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) : '');

export function sectorLabel(key) {
  return key ? sectorByKey.get(key)?.label ?? humanize(key) : '';
}

export function subsectorLabel(sector, key) {
  if (!key) return '';
  const sub = sectorByKey.get(sector)?.subsectors?.find((s) => s.key === key);
  if (sub) return sub.label;
  for (const s of sectorByKey.values()) {
    const found = s.subsectors?.find((x) => x.key === key);
    if (found) return found.label;
  }
  return humanize(key);
}

export function subsectorsOf(sector) {
  return sectorByKey.get(sector)?.subsectors ?? [];
}

export function categoryLabel(key) {
  return key ? categoryByKey.get(key)?.label ?? humanize(key) : '';
}

export function serviceLabel(key) {
  return key ? serviceByKey.get(key)?.label ?? humanize(key) : '';
}

export function countryName(code) {
  return code ? countryByCode.get(code)?.name ?? code : '';
}

export function kindLabel(kind) {
  return kind === 'public_space' ? 'Public space' : kind === 'infrastructure' ? 'Infrastructure' : humanize(kind);
}

export function roleLabel(role) {
  return humanize(role);
}

/** Organisations as a Map id → organisation; an empty map if the list is not readable. */
export function organisations() {
  if (!orgsPromise) {
    orgsPromise = get('/organisations')
      .then((r) => new Map((r.items || []).map((o) => [o.id, o])))
      .catch(() => {
        orgsPromise = null;
        return new Map();
      });
  }
  return orgsPromise;
}

export function resetCaches() {
  meta = null;
  orgsPromise = null;
}
