// Sector colours used by the map circles and the legend.

export const PUBLIC_SPACE_COLOR = '#8e44ad';
export const CLUSTER_GREY = '#7b8794';
export const UNKNOWN_COLOR = '#9aa5b1';

// Colours for the sectors of Directive (EU) 2022/2557 and the older energy/transport
// split; other sector keys get the spare colours in the order /meta lists them.
const KNOWN = {
  energy: '#f28e2b',
  electricity: '#f28e2b',
  oil: '#a0522d',
  gas: '#c2591a',
  transport: '#3f6fb5',
  banking: '#1b7a5a',
  financial_market_infrastructure: '#2b9c9c',
  financial: '#2b9c9c',
  health: '#d64545',
  drinking_water: '#5ab4e5',
  water: '#5ab4e5',
  waste_water: '#9c755f',
  digital_infrastructure: '#d1558f',
  ict: '#d1558f',
  public_administration: '#5c6773',
  space: '#b6992d',
  food: '#9ac23c',
  chemical: '#7a6fc4',
  nuclear: '#e6b800',
};
const SPARE = ['#7a6fc4', '#c98b5b', '#5d7b9d', '#b05050', '#4b8b3b', '#d4a017', '#17a2a2', '#a0522d'];

let assigned = new Map();

/** Fix the colour of every sector listed by /meta (call once after loading it). */
export function assignSectorColors(sectors) {
  assigned = new Map();
  const used = new Set();
  for (const s of sectors) {
    if (KNOWN[s.key]) {
      assigned.set(s.key, KNOWN[s.key]);
      used.add(KNOWN[s.key]);
    }
  }
  const spare = SPARE.filter((c) => !used.has(c));
  let i = 0;
  for (const s of sectors) {
    if (!assigned.has(s.key)) assigned.set(s.key, spare[i++ % spare.length]);
  }
}

export function sectorColor(key) {
  return (key && assigned.get(key)) || UNKNOWN_COLOR;
}

/** Colour of an asset: purple for public spaces, else its sector's colour. */
export function assetColor(asset) {
  return asset.kind === 'public_space' ? PUBLIC_SPACE_COLOR : sectorColor(asset.sector);
}

/** MapLibre expression: sector property → colour. */
export function sectorColorExpression(fallback = UNKNOWN_COLOR) {
  const pairs = [...assigned.entries()].flat();
  if (pairs.length === 0) return fallback;
  return ['match', ['coalesce', ['get', 'sector'], ''], ...pairs, fallback];
}
