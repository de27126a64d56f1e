// Number and date formatting for display (English labels, metric units, EUR).

const int = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });
const eur = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });
const eurCompact = new Intl.NumberFormat('en-GB', {
  style: 'currency', currency: 'EUR', notation: 'compact', maximumFractionDigits: 1,
});
const dateTime = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
});

const DASH = '—';

export function fmtInt(n) {
  return n === null || n === undefined ? DASH : int.format(n);
}

export function fmtPeople(n) {
  return n === null || n === undefined ? DASH : `${int.format(n)} people`;
}

/** €1,250,000 per day → "€1.3M per day (€1,250,000)" */
export function fmtMoneyPerDay(v) {
  if (v === null || v === undefined) return DASH;
  const full = eur.format(v);
  return v >= 10000 ? `${eurCompact.format(v)} per day (${full})` : `${full} per day`;
}

/** 36 → "36 h (1.5 days)" */
export function fmtHours(hours) {
  if (hours === null || hours === undefined) return DASH;
  if (hours < 48) return `${dec.format(hours)} h`;
  return `${dec.format(hours)} h (${dec.format(hours / 24)} days)`;
}

export function fmtBuffer(hours) {
  if (!hours) return 'none';
  return hours < 48 ? `${dec.format(hours)} h` : `${dec.format(hours / 24)} d`;
}

export function fmtDate(iso) {
  if (!iso) return DASH;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateTime.format(d);
}

export function fmtCoord(v) {
  return typeof v === 'number' ? v.toFixed(5) : DASH;
}

/** Any JSON value shown compactly, for history diffs and free attributes. */
export function fmtValue(v) {
  if (v === null || v === undefined) return DASH;
  if (v && v.type === 'Point' && Array.isArray(v.coordinates)) {
    const [lon, lat] = v.coordinates;
    return `${fmtCoord(lat)}, ${fmtCoord(lon)} (lat, lon)`;
  }
  if (v && (v.type === 'Polygon' || v.type === 'MultiPolygon')) return `${v.type} outline`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export { DASH };
