// Builds web/dist for the Rampart server to embed. No bundler: the app is plain
// ES modules, so this only copies files. Uses node builtins only.
//
//   cd web && npm ci && node build.mjs
import { cpSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const dist = join(here, 'dist');
const maplibre = join(here, 'node_modules', 'maplibre-gl', 'dist');
const basemap = join(here, '..', 'data', 'europe-countries.geojson');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

// 1. The application sources, as they are.
cpSync(src, dist, { recursive: true });

// 2. MapLibre GL: the main bundle, its stylesheet, and the stand-alone worker so
//    that the page also runs under a Content-Security-Policy without blob: workers.
for (const file of ['maplibre-gl.js', 'maplibre-gl.css', 'maplibre-gl-csp-worker.js']) {
  const from = join(maplibre, file);
  if (!existsSync(from)) {
    console.error(`build: ${from} is missing; run "npm ci" in web/ first`);
    process.exit(1);
  }
  copyFileSync(from, join(dist, file));
}

// 3. The basemap: country polygons from Natural Earth, prepared in data/.
if (existsSync(basemap)) {
  copyFileSync(basemap, join(dist, 'basemap.geojson'));
} else {
  console.warn(`build: warning: ${basemap} not found; writing an empty placeholder basemap`);
  writeFileSync(join(dist, 'basemap.geojson'), JSON.stringify({ type: 'FeatureCollection', features: [] }) + '\n');
}

let count = 0;
let bytes = 0;
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) walk(p);
    else { count += 1; bytes += s.size; }
  }
})(dist);
console.log(`build: wrote ${count} files (${(bytes / 1024).toFixed(0)} KiB) to ${dist}`);
