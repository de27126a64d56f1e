#!/usr/bin/env node
// Validates data/europe-countries.geojson and data/europe-cities.csv.
// Run on its own with `node validate.mjs`; prepare.mjs also calls it.
// Exits non-zero (standalone) or returns a non-empty list of problems.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOX, CITY_COUNTRIES, CLIP_EAST, DECIMALS, MIN_POPULATION } from './config.mjs';

const SCALE = 10 ** DECIMALS;
const hasAtMostDecimals = (v) => Math.abs(Math.round(v * SCALE) - v * SCALE) < 1e-6;

/** Twice the signed area, on the integer grid (exact). */
function signedArea2(ring) {
  let a = 0;
  for (let i = 0; i < ring.length - 1; i++) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return a;
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

const orient = (a, b, c) => Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
const onSegment = (a, b, p) =>
  Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
/** 'cross' (proper crossing), 'overlap' (collinear, positive length), 'touch' (a single point) or null. */
function segmentRelation(a, b, c, d) {
  const o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
  if (o1 * o2 < 0 && o3 * o4 < 0) return 'cross';
  if (o1 === 0 && o2 === 0) {
    // Collinear: project on the longer axis and compare the intervals.
    const k = Math.abs(b[0] - a[0]) >= Math.abs(b[1] - a[1]) ? 0 : 1;
    const lo = Math.max(Math.min(a[k], b[k]), Math.min(c[k], d[k]));
    const hi = Math.min(Math.max(a[k], b[k]), Math.max(c[k], d[k]));
    return hi > lo ? 'overlap' : hi === lo ? 'touch' : null;
  }
  if ((o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) ||
      (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b))) return 'touch';
  return null;
}

/**
 * Invalid intersections between segments of the given rings (anything but the
 * shared vertex of two consecutive segments of the same ring, or a single-point
 * touch between two different rings, which is collected in `touches`). Coordinates are scaled
 * to integers first, so the predicates are exact. Sweep over x.
 */
function findIntersections(rings, touches = []) {
  const segs = [];
  rings.forEach((ring, r) => {
    const pts = ring.map(([x, y]) => [Math.round(x * SCALE), Math.round(y * SCALE)]);
    const n = pts.length - 1; // segments
    for (let i = 0; i < n; i++) {
      const a = pts[i], b = pts[i + 1];
      segs.push({ r, i, n, a, b, x0: Math.min(a[0], b[0]), x1: Math.max(a[0], b[0]) });
    }
  });
  segs.sort((s, t) => s.x0 - t.x0);
  const found = [];
  const active = [];
  for (const s of segs) {
    for (let k = active.length - 1; k >= 0; k--) if (active[k].x1 < s.x0) active.splice(k, 1);
    for (const t of active) {
      if (s.r === t.r) {
        const d = Math.abs(s.i - t.i);
        if (d === 1 || d === s.n - 1) {
          // Adjacent: they share one vertex; only a collinear overlap is a problem.
          const eq = (p, q) => p[0] === q[0] && p[1] === q[1];
          const shared = eq(s.a, t.a) || eq(s.a, t.b) ? s.a : s.b;
          const sOther = shared === s.a ? s.b : s.a;
          const tOther = t.a[0] === shared[0] && t.a[1] === shared[1] ? t.b : t.a;
          if (orient(shared, sOther, tOther) === 0 &&
              (sOther[0] - shared[0]) * (tOther[0] - shared[0]) + (sOther[1] - shared[1]) * (tOther[1] - shared[1]) > 0) {
            found.push(`ring ${s.r}: spike at ${shared.map((v) => v / SCALE)}`);
          }
          continue;
        }
      }
      if (Math.max(s.a[1], s.b[1]) < Math.min(t.a[1], t.b[1]) || Math.max(t.a[1], t.b[1]) < Math.min(s.a[1], s.b[1])) continue;
      const rel = segmentRelation(s.a, s.b, t.a, t.b);
      // Two rings touching at a single point is valid (OGC simple features); a
      // ring touching itself, crossings and overlapping edges are not.
      if (rel === 'touch' && s.r !== t.r) touches.push(s.a);
      else if (rel) found.push(`rings ${t.r}/${s.r}: segments ${t.i} and ${s.i} ${rel} near ${s.a.map((v) => v / SCALE)}`);
    }
    active.push(s);
  }
  return found;
}

function checkCountries(path, problems, info) {
  let fc;
  try {
    fc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    problems.push(`${path}: ${e.message}`);
    return null;
  }
  if (fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    problems.push('countries: not a FeatureCollection');
    return null;
  }
  const seen = new Set();
  let rings = 0, positions = 0;
  const touching = [];
  for (const f of fc.features) {
    const p = f.properties || {};
    const label = `countries[${p.name}]`;
    if (f.type !== 'Feature') problems.push(`${label}: type ${f.type}`);
    const keys = Object.keys(p).sort().join(',');
    if (keys !== 'iso_a2,name') problems.push(`${label}: properties ${keys}`);
    if (typeof p.name !== 'string' || !p.name) problems.push(`${label}: empty name`);
    if (typeof p.iso_a2 !== 'string' || !/^([A-Z]{2})?$/.test(p.iso_a2)) problems.push(`${label}: iso_a2 ${p.iso_a2}`);
    if (p.iso_a2 && seen.has(p.iso_a2)) problems.push(`${label}: duplicate iso_a2 ${p.iso_a2}`);
    seen.add(p.iso_a2);
    const g = f.geometry;
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) {
      problems.push(`${label}: geometry ${g && g.type}`);
      continue;
    }
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    if (!polygons.length) problems.push(`${label}: no polygons`);
    const allRings = [];
    polygons.forEach((polygon, pi) => {
      if (!Array.isArray(polygon) || !polygon.length) {
        problems.push(`${label}: polygon ${pi} has no rings`);
        return;
      }
      polygon.forEach((ring, ri) => {
        rings++;
        const where = `${label} polygon ${pi} ring ${ri}`;
        if (!Array.isArray(ring) || ring.length < 4) {
          problems.push(`${where}: ${ring && ring.length} positions (< 4)`);
          return;
        }
        positions += ring.length;
        for (const pos of ring) {
          if (!Array.isArray(pos) || pos.length !== 2 || !pos.every(Number.isFinite)) {
            problems.push(`${where}: bad position ${JSON.stringify(pos)}`);
            return;
          }
          const [x, y] = pos;
          if (x < -180 || x > 180 || y < -90 || y > 90) problems.push(`${where}: out of range ${pos}`);
          if (x > CLIP_EAST + 1e-9) problems.push(`${where}: east of the clip line ${pos}`);
          if (!hasAtMostDecimals(x) || !hasAtMostDecimals(y)) problems.push(`${where}: more than ${DECIMALS} decimals ${pos}`);
        }
        const a = ring[0], z = ring[ring.length - 1];
        if (a[0] !== z[0] || a[1] !== z[1]) problems.push(`${where}: not closed`);
        for (let i = 1; i < ring.length; i++) {
          if (ring[i][0] === ring[i - 1][0] && ring[i][1] === ring[i - 1][1]) {
            problems.push(`${where}: repeated position ${ring[i]}`);
            break;
          }
        }
        const area = signedArea2(ring);
        if (area === 0) problems.push(`${where}: zero area`);
        // topojson-client convention: exterior clockwise, holes counter-clockwise.
        if (ri === 0 && area > 0) problems.push(`${where}: exterior ring is counter-clockwise`);
        if (ri > 0 && area < 0) problems.push(`${where}: hole is clockwise`);
        if (ri > 0 && !pointInRing(ring[0], polygon[0])) problems.push(`${where}: hole outside its exterior`);
        allRings.push(ring);
      });
    });
    const touches = [];
    for (const x of findIntersections(allRings, touches)) problems.push(`${label}: ${x}`);
    if (touches.length) touching.push(`${p.iso_a2 || p.name} (${touches.length})`);
  }
  info.push(`countries: ${fc.features.length} features, ${rings} rings, ${positions} positions`);
  if (touching.length) info.push(`rings touching another ring at a point (valid): ${touching.join(', ')}`);
  return fc;
}

/** Minimal RFC 4180 parser (LF or CRLF line ends). */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += ch; i++; continue;
    }
    if (ch === '"' && field === '') { quoted = true; i++; continue; }
    if (ch === '"') throw new Error(`stray quote in row ${rows.length + 1}`);
    if (ch === ',') { row.push(field); field = ''; i++; continue; }
    if (ch === '\r' && text[i + 1] === '\n') { i++; continue; }
    if (ch === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    field += ch; i++;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

function checkCities(path, problems, info, fc) {
  let rows;
  try {
    rows = parseCsv(readFileSync(path, 'utf8'));
  } catch (e) {
    problems.push(`cities: ${e.message}`);
    return;
  }
  const header = rows.shift();
  if (!header || header.join(',') !== 'name,country,lat,lon,population') problems.push(`cities: header ${header}`);
  const scope = new Set(CITY_COUNTRIES);
  const numeric = /^-?\d+(\.\d+)?$/;
  let prev = null;
  const parsed = [];
  rows.forEach((r, k) => {
    const where = `cities row ${k + 2}`;
    if (r.length !== 5) { problems.push(`${where}: ${r.length} fields`); return; }
    const [name, country, latS, lonS, popS] = r;
    if (!name || name !== name.trim()) problems.push(`${where}: bad name ${JSON.stringify(name)}`);
    if (!scope.has(country)) problems.push(`${where}: country ${country} not in scope`);
    if (!numeric.test(latS) || !numeric.test(lonS)) { problems.push(`${where}: lat/lon ${latS},${lonS}`); return; }
    const lat = Number(latS), lon = Number(lonS), pop = Number(popS);
    if ((latS.split('.')[1] || '').length > DECIMALS || (lonS.split('.')[1] || '').length > DECIMALS) problems.push(`${where}: too many decimals`);
    if (lon < BOX[0] || lon > BOX[2] || lat < BOX[1] || lat > BOX[3]) problems.push(`${where}: outside the box ${lat},${lon}`);
    if (!/^\d+$/.test(popS) || pop < MIN_POPULATION) problems.push(`${where}: population ${popS}`);
    if (prev) {
      const order = prev.country < country ? -1 : prev.country > country ? 1
        : prev.pop > pop ? -1 : prev.pop < pop ? 1 : prev.name < name ? -1 : prev.name > name ? 1 : 0;
      if (order > 0) problems.push(`${where}: not sorted`);
    }
    prev = { country, pop, name };
    parsed.push({ name, country, lat, lon });
  });
  const countries = new Set(parsed.map((p) => p.country));
  for (const c of CITY_COUNTRIES) if (!countries.has(c)) problems.push(`cities: no rows for ${c}`);
  info.push(`cities: ${parsed.length} rows in ${countries.size} countries`);

  // Informational: how many cities fall inside the polygon of their own country
  // (1:50m coastlines are coarse, so coastal and border places can fall outside).
  if (fc) {
    const byIso = new Map();
    for (const f of fc.features) {
      const g = f.geometry;
      byIso.set(f.properties.iso_a2, g.type === 'Polygon' ? [g.coordinates] : g.coordinates);
    }
    const contains = (polys, pt) =>
      polys.some((p) => pointInRing(pt, p[0]) && !p.slice(1).some((h) => pointInRing(pt, h)));
    let inside = 0;
    const elsewhere = new Map();
    for (const c of parsed) {
      const own = byIso.get(c.country);
      if (own && contains(own, [c.lon, c.lat])) { inside++; continue; }
      for (const [iso, polys] of byIso) {
        if (iso !== c.country && contains(polys, [c.lon, c.lat])) {
          const key = `${c.country} in ${iso || '(no code)'}`;
          elsewhere.set(key, (elsewhere.get(key) || 0) + 1);
          break;
        }
      }
    }
    info.push(`cities inside their own country's polygon: ${inside} of ${parsed.length} (${((100 * inside) / parsed.length).toFixed(1)}%)`);
    const top = [...elsewhere].sort((a, b) => b[1] - a[1]).slice(0, 12);
    if (top.length) info.push(`cities inside another country's polygon: ${top.map(([k, n]) => `${k}: ${n}`).join(', ')}`);
  }
}

export function validate(dataDir, log = console.log) {
  const problems = [];
  const info = [];
  const fc = checkCountries(join(dataDir, 'europe-countries.geojson'), problems, info);
  checkCities(join(dataDir, 'europe-cities.csv'), problems, info, fc);
  for (const line of info) log(`validate: ${line}`);
  return problems;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const data = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data');
  const problems = validate(data);
  for (const p of problems.slice(0, 100)) console.error(`INVALID: ${p}`);
  if (problems.length) {
    console.error(`${problems.length} validation problem(s)`);
    process.exit(1);
  }
  console.log('validation: OK');
}
