// Browser test of the Rampart registry UI against a running server, in the
// system Chromium (playwright-core never downloads a browser).
//
//   RAMPART_URL=http://127.0.0.1:8080 RAMPART_USER=admin RAMPART_PASSWORD=... \
//   RAMPART_ASSET_ID=DE-SUB-000123 node --test registry.test.mjs
//
// RAMPART_ASSET_ID must be an asset with at least one dependency. The user must be
// an administrator (the import step adds two assets with ids TEST-<timestamp>-N). Optional:
// RAMPART_SECTOR / RAMPART_COUNTRY (filters to try; default: the asset's own),
// CHROMIUM (default /usr/bin/chromium). Screenshots go to ./screenshots/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { env, go, launchChromium } from './harness.mjs';

const BASE = env('RAMPART_URL').replace(/\/+$/, '');
const USER = env('RAMPART_USER');
const PASSWORD = env('RAMPART_PASSWORD');
const ASSET_ID = env('RAMPART_ASSET_ID');
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const STEP = { timeout: 90_000 };

let profile;
let files; // temporary folder for the files to import
let context;
let page;
let asset; // the asset under test, as the API returns it
let newName;
const pageErrors = [];

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

const features = () => page.evaluate(() => Number(document.body.dataset.mapFeatures));

/** Wait until the map has stopped moving and no /map request is pending or due. */
async function mapSettled() {
  let last = null;
  for (let i = 0; i < 60; i += 1) {
    const state = await page.evaluate(() => ({
      loads: document.body.dataset.mapLoads,
      loading: document.body.dataset.mapLoading,
      moving: window.rampartMap.isMoving(),
    }));
    const key = JSON.stringify(state);
    if (key === last && state.loading === '0' && !state.moving) return;
    last = key;
    await page.waitForTimeout(400);
  }
  throw new Error('the map did not settle');
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-'));
  files = mkdtempSync(join(tmpdir(), 'rampart-import-'));
  ({ context, page } = await launchChromium(profile, pageErrors));
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (files) rmSync(files, { recursive: true, force: true });
});

test('a wrong password is refused with a message', STEP, async () => {
  await page.goto(`${BASE}/#/login`);
  await page.fill('#username', USER);
  await page.fill('#password', `${PASSWORD}-wrong`);
  await page.click('#login');
  await page.waitForSelector('#login-error:not([hidden])');
  assert.equal(await page.textContent('#login-error'), 'Wrong username or password.');
});

test('logs in and lands on the map', STEP, async () => {
  await page.fill('#username', USER);
  await page.fill('#password', PASSWORD);
  await page.click('#login');
  await page.waitForSelector('#user-name');
  assert.equal(await page.textContent('#user-name'), USER);
  assert.match(page.url(), /#\/map$/);
  assert.equal(await page.isVisible('#map'), true);
});

test('the map shows assets', STEP, async () => {
  await page.waitForFunction(() => Number(document.body.dataset.mapFeatures) > 0);
  await mapSettled();
  const n = await features();
  assert.ok(n > 0, `expected features on the map, got ${n}`);
  const inSource = await page.evaluate(async () => (await window.rampartMap.getSource('assets').getData()).features.length);
  assert.equal(inSource, n);
  await shot('desktop-map');
});

test('sector and country filters narrow the map', STEP, async () => {
  asset = await page.evaluate(async (id) => {
    const res = await fetch(`api/v1/assets/${encodeURIComponent(id)}`);
    if (!res.ok) throw new Error(`GET asset ${id}: HTTP ${res.status}`);
    return res.json();
  }, ASSET_ID);
  const country = process.env.RAMPART_COUNTRY || asset.country;
  // The asset's own sector, or (for a public space without one) that of another asset there.
  const sector = process.env.RAMPART_SECTOR || asset.sector || await page.evaluate(async (c) => {
    const res = await fetch(`api/v1/assets?country=${c}&kind=infrastructure&limit=50`);
    return (await res.json()).items.find((a) => a.sector)?.sector;
  }, country);
  assert.ok(sector, `no sector to filter by in ${country}`);
  const before = await features();

  await page.selectOption('#filter-sector', sector);
  await page.selectOption('#filter-country', country);
  await page.waitForFunction(([s, c]) => {
    const q = new URLSearchParams(document.body.dataset.mapQuery || '');
    return q.get('sector') === s && q.get('country') === c;
  }, [sector, country]);
  await mapSettled();

  const after = await features();
  assert.notEqual(after, before, 'the feature count should change when filtering');
  assert.ok(after > 0, `expected ${sector} assets in ${country} on the map`);
  const data = await page.evaluate(async () => window.rampartMap.getSource('assets').getData());
  assert.equal(data.features.length, after);
  const assets = data.features.filter((f) => f.properties.cluster !== true);
  for (const f of assets) {
    assert.equal(f.properties.sector, sector, `asset ${f.properties.id} has sector ${f.properties.sector}`);
    assert.equal(f.properties.country, country, `asset ${f.properties.id} is in ${f.properties.country}`);
  }
  await shot('desktop-map-filtered');
  await page.click('#filter-reset');
  await page.waitForFunction(() => !new URLSearchParams(document.body.dataset.mapQuery || '').get('sector'));
});

test('the asset page shows the asset and its dependencies', STEP, async () => {
  await page.evaluate((id) => { window.location.hash = `#/asset/${encodeURIComponent(id)}`; }, ASSET_ID);
  await page.waitForSelector('#asset-panel #asset-name');
  await page.waitForFunction((name) => document.getElementById('asset-name')?.textContent === name, asset.name);
  assert.equal(await page.textContent('#asset-name'), asset.name);
  await page.waitForSelector('#upstream-table, #downstream-table');
  const rows = await page.locator('[data-testid="dependency-row"]').count();
  assert.ok(rows >= 1, `expected at least one upstream or downstream row, got ${rows}`);
  const link = await page.getAttribute('[data-testid="dependency-row"] a', 'href');
  assert.match(link, /^#\/asset\/.+/);
  const selected = await page.evaluate(async () => (await window.rampartMap.getSource('selection').getData()).features[0]?.properties?.id);
  assert.equal(selected, ASSET_ID);
  await mapSettled();
  await shot('desktop-asset');
});

test('editing shows field errors, then saves a new name', STEP, async () => {
  await page.click('#edit-asset');
  await page.waitForSelector('#asset-form');
  assert.equal(await page.inputValue('input[name=name]'), asset.name);

  if (asset.geometry?.type === 'Point') {
    const lat = await page.inputValue('input[name=lat]');
    await page.fill('input[name=lat]', '95');
    await page.click('#save-asset');
    await page.waitForSelector('#error-geometry:not([hidden])');
    assert.notEqual((await page.textContent('#error-geometry')).trim(), '');
    assert.equal(await page.getAttribute('input[name=lat]', 'aria-invalid'), 'true');
    assert.equal(await page.isVisible('#form-error'), true);
    await shot('desktop-asset-field-error');
    await page.fill('input[name=lat]', lat);
  }

  newName = `${asset.name.replace(/ \[browser test \d+\]$/, '')} [browser test ${Date.now()}]`;
  await page.fill('input[name=name]', newName);
  await page.click('#save-asset');
  await page.waitForSelector('#edit-asset');
  assert.equal(await page.textContent('#asset-name'), newName);
  assert.equal(await page.isVisible('#asset-form'), false);
});

test('after a reload the new name is shown', STEP, async () => {
  await page.reload();
  await page.waitForSelector('#asset-name');
  await page.waitForFunction((name) => document.getElementById('asset-name')?.textContent === name, newName);
  assert.equal(await page.textContent('#asset-name'), newName);
  const stored = await page.evaluate(async (id) => (await (await fetch(`api/v1/assets/${encodeURIComponent(id)}`)).json()).name, ASSET_ID);
  assert.equal(stored, newName);
  await page.waitForSelector('#history .timeline-item');
  assert.ok(await page.locator('#history .timeline-item').count() >= 1);
});

test('at tablet size (768×1024) the map and the panel are both visible', STEP, async () => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.waitForTimeout(500);
  await mapSettled();
  for (const sel of ['#map', '#asset-panel', '#asset-name']) {
    assert.equal(await page.isVisible(sel), true, `${sel} should be visible`);
  }
  const map = await page.locator('#map').boundingBox();
  const panel = await page.locator('#asset-panel').boundingBox();
  assert.ok(map.width >= 700 && map.height >= 250, `map is ${map.width}×${map.height}`);
  assert.ok(panel.width >= 700 && panel.height >= 250, `panel is ${panel.width}×${panel.height}`);
  assert.ok(map.y + map.height <= panel.y + 1, 'the panel is below the map');
  assert.ok(panel.y < 1024, 'the panel starts inside the viewport');
  await shot('tablet-asset');

  await page.evaluate(() => { window.location.hash = '#/map'; });
  await page.waitForSelector('#browse-panel #filter-sector');
  await page.waitForFunction(() => Number(document.body.dataset.mapFeatures) > 0);
  await mapSettled();
  assert.equal(await page.isVisible('#map'), true);
  assert.equal(await page.isVisible('#filter-sector'), true);
  await shot('tablet-map');
});

test('import / export: check, import, a refused file, GeoJSON export', STEP, async () => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await go(page, 'transfer');
  await page.waitForSelector('#import-file');
  assert.match(page.url(), /#\/transfer$/);
  assert.equal(await page.isDisabled('#import-check'), true, 'no file chosen yet');

  const stamp = Date.now();
  const ids = [`TEST-${stamp}-1`, `TEST-${stamp}-2`];
  const names = [`Browser test substation ${stamp}`, `Browser test power plant ${stamp}`];
  const good = join(files, 'assets.csv');
  writeFileSync(good, [
    'id,name,sector,country,lon,lat',
    `${ids[0]},${names[0]},energy,DE,13.4050,52.5200`,
    `${ids[1]},${names[1]},energy,DE,13.3777,52.5163`,
  ].join('\n') + '\n');
  await page.setInputFiles('#import-file', good);
  assert.equal(await page.isDisabled('#import-check'), false);

  // Check (dry run). The upload is held back a moment to see the busy state.
  await page.route('**/api/v1/import?*', async (route) => {
    await new Promise((r) => { setTimeout(r, 700); });
    await route.continue();
  });
  await page.click('#import-check');
  await page.waitForSelector('#import-progress:not([hidden])');
  assert.match(await page.textContent('#import-progress'), /checking/i);
  assert.equal(await page.isDisabled('#import-check'), true);
  assert.equal(await page.isDisabled('#import-run'), true);
  await page.waitForSelector('#import-result:not([hidden])');
  await page.unroute('**/api/v1/import?*');
  assert.equal(await page.isVisible('#import-progress'), false);
  assert.equal(await page.isDisabled('#import-run'), false);
  assert.match(await page.textContent('#import-result'), /nothing was written/i);
  assert.equal(await page.textContent('#import-counts tr[data-kind="assets"] td.num'), '2');
  const exists = await page.evaluate(async (id) => (await fetch(`api/v1/assets/${encodeURIComponent(id)}`)).status, ids[0]);
  assert.equal(exists, 404, 'a check writes nothing');

  // Import.
  await page.click('#import-run');
  await page.waitForSelector('#import-result .result-ok');
  const imported = await page.textContent('#import-result');
  assert.match(imported, /imported/i);
  assert.doesNotMatch(imported, /nothing was written/i);
  assert.equal(await page.textContent('#import-counts tr[data-kind="assets"] td.num'), '2');
  assert.equal(await page.isVisible('#import-errors'), false);
  await shot('desktop-transfer');

  // The imported asset has its page.
  await page.evaluate((id) => { window.location.hash = `#/asset/${encodeURIComponent(id)}`; }, ids[0]);
  await page.waitForFunction((name) => document.getElementById('asset-name')?.textContent === name, names[0]);
  assert.equal(await page.textContent('#asset-name'), names[0]);

  // A file with a bad country is refused, naming line and column.
  await page.evaluate(() => { window.location.hash = '#/transfer'; });
  await page.waitForSelector('#import-file');
  const bad = join(files, 'bad-assets.csv');
  writeFileSync(bad, `id,name,sector,country,lon,lat\nTEST-${stamp}-3,Browser test bad country,energy,Germany,13.4,52.5\n`);
  await page.setInputFiles('#import-file', bad);
  assert.equal(await page.isVisible('#import-result'), false, 'choosing a file clears the last result');
  await page.click('#import-run');
  await page.waitForSelector('#import-errors:not([hidden])');
  const problems = await page.locator('#import-errors [data-testid="import-problem"]').allTextContents();
  assert.ok(problems.length >= 1, 'at least one problem listed');
  assert.ok(problems.some((p) => p.includes('line 2') && p.includes('country')), `problems: ${problems.join(' | ')}`);
  assert.match(await page.textContent('#import-errors .problem-place'), /bad-assets\.csv: line 2, column country/);
  assert.equal(await page.isVisible('#import-result'), false);
  await shot('desktop-transfer-errors');

  // Export: links built from the filters; the GeoJSON holds the imported assets.
  await page.selectOption('#export-sector', 'energy');
  await page.selectOption('#export-country', 'DE');
  const href = await page.$eval('#export-geojson', (a) => a.href);
  assert.ok(href.includes('/api/v1/export.geojson'), href);
  assert.match(href, /[?&]country=DE/);
  assert.match(href, /[?&]sector=energy/);
  await page.selectOption('#export-table', 'dependencies');
  const csvHref = await page.$eval('#export-csv', (a) => a.href);
  assert.ok(csvHref.includes('/api/v1/export.csv?table=dependencies'), csvHref);
  const exported = await page.evaluate(async (url) => {
    const res = await fetch(url);
    const fc = await res.json();
    return {
      status: res.status,
      disposition: res.headers.get('content-disposition'),
      type: fc.type,
      ids: fc.features.map((f) => f.id ?? f.properties?.id),
    };
  }, href);
  assert.equal(exported.status, 200);
  assert.match(exported.disposition || '', /attachment/);
  assert.equal(exported.type, 'FeatureCollection');
  assert.ok(exported.ids.includes(ids[0]) && exported.ids.includes(ids[1]), 'the export has the imported assets');
});

test('the import / export page at tablet size (768×1024)', STEP, async () => {
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.waitForTimeout(300);
  for (const sel of ['#import-file', '#import-check', '#import-run', '#import-errors', '#export-geojson', '#export-csv', '#export-table']) {
    assert.equal(await page.isVisible(sel), true, `${sel} should be visible`);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);
  await shot('tablet-transfer');
});

test('no uncaught errors in the page', () => {
  assert.deepEqual(pageErrors, []);
});
