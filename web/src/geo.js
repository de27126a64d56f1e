// Geometry helpers: centroids and bounding boxes of GeoJSON geometries.

/** Representative [lon, lat] of a Point, Polygon or MultiPolygon (vertex mean of the outer ring). */
export function centroid(geometry) {
  if (!geometry) return null;
  switch (geometry.type) {
    case 'Point':
      return geometry.coordinates;
    case 'Polygon':
      return ringMean(geometry.coordinates[0]);
    case 'MultiPolygon':
      return ringMean(largest(geometry.coordinates)[0]);
    case 'LineString':
      return ringMean(geometry.coordinates);
    default:
      return null;
  }
}

function ringMean(ring) {
  if (!ring || ring.length === 0) return null;
  const pts = ring.length > 1 && same(ring[0], ring[ring.length - 1]) ? ring.slice(0, -1) : ring;
  let x = 0;
  let y = 0;
  for (const [lon, lat] of pts) {
    x += lon;
    y += lat;
  }
  return [x / pts.length, y / pts.length];
}

const same = (a, b) => a[0] === b[0] && a[1] === b[1];

/** The polygon (of a MultiPolygon's coordinates) with the largest bounding box. */
function largest(polygons) {
  let best = polygons[0];
  let bestArea = -1;
  for (const p of polygons) {
    const [w, s, e, n] = boundsOf(p[0]);
    const area = (e - w) * (n - s);
    if (area > bestArea) {
      best = p;
      bestArea = area;
    }
  }
  return best;
}

/** [west, south, east, north] of a list of [lon, lat] positions. */
export function boundsOf(points) {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const [lon, lat] of points) {
    if (lon < w) w = lon;
    if (lon > e) e = lon;
    if (lat < s) s = lat;
    if (lat > n) n = lat;
  }
  return [w, s, e, n];
}

/**
 * Bounds of a country from the basemap: its largest polygon plus the parts near it
 * (Corsica, Zealand), leaving out far overseas parts (French Guiana, Svalbard, Canaries).
 */
export function countryBounds(basemap, code, name) {
  const f = basemap?.features?.find((x) => {
    const p = x.properties || {};
    return p.iso_a2 === code || p.ISO_A2 === code || (name && p.name === name);
  });
  if (!f) return null;
  const g = f.geometry;
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  if (polygons.length === 0) return null;
  const main = boundsOf(largest(polygons)[0]);
  const near = [main[0] - 3, main[1] - 3, main[2] + 3, main[3] + 3];
  let out = main;
  for (const p of polygons) {
    const b = boundsOf(p[0]);
    if (b[0] <= near[2] && b[2] >= near[0] && b[1] <= near[3] && b[3] >= near[1]) {
      out = [Math.min(out[0], b[0]), Math.min(out[1], b[1]), Math.max(out[2], b[2]), Math.max(out[3], b[3])];
    }
  }
  return out;
}
