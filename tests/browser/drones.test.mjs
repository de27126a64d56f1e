// Browser test of the drones page (#/drones) against a running server, in the system
// Chromium: the zone of RAMPART_ASSET_ID is previewed on the map and downloaded as
// ED-269; a track crossing it is uploaded and its incursion shown on the map and in
// the table; a track with a truncated Remote ID message is refused with its place.
//
//   RAMPART_URL=http://127.0.0.1:8080 RAMPART_USER=admin RAMPART_PASSWORD=... \
//   RAMPART_ASSET_ID=DE-SUB-000123 node --test drones.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { env, go, launchChromium, signIn } from './harness.mjs';

const BASE = env('RAMPART_URL').replace(/\/+$/, '');
const USER = env('RAMPART_USER');
const PASSWORD = env('RAMPART_PASSWORD');
const ASSET_ID = env('RAMPART_ASSET_ID');
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, 'screenshots');
const STEP = { timeout: 120_000 };

let profile;
let context;
let page;
let site; // {lon, lat} of a position inside the asset's zone
const pageErrors = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const login = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: USER, password: PASSWORD }),
  });
  assert.equal(login.status, 200);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const asset = await (await fetch(`${BASE}/api/v1/assets/${encodeURIComponent(ASSET_ID)}`, { headers: { cookie } })).json();
  const [lon, lat] = asset.geometry.type === 'Point' ? asset.geometry.coordinates : asset.geometry.coordinates[0][0];
  site = { lon, lat };

  profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-drones-'));
  ({ context, page } = await launchChromium(profile, pageErrors, { acceptDownloads: true }));
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('the Drones page is in the header', STEP, async () => {
  await signIn(page, BASE, USER, PASSWORD);
  await go(page, 'drones');
  await page.waitForSelector('#drone-preview');
  assert.match(page.url(), /#\/drones$/);
  await page.waitForFunction(() => document.body.dataset.droneMapReady === '1');
});

test('previews the zone of a site and downloads it as ED-269', STEP, async () => {
  await page.fill('#drone-assets', ASSET_ID);
  await page.fill('#drone-buffer', '400');
  await page.fill('#drone-upper', '150');
  await page.click('#drone-preview');
  await page.waitForFunction(() => /1 zone of protected sites/.test(document.querySelector('#drone-zone-status')?.textContent || ''));
  assert.equal(await page.getAttribute('#drone-map', 'data-zones'), '1');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#drone-download-ed269')]);
  assert.equal(download.suggestedFilename(), 'uas-zones-ed269.json');
  const doc = JSON.parse(readFileSync(await download.path(), 'utf8'));
  const zone = doc.features[0];
  assert.deepEqual(zone.reason, ['SENSITIVE']);
  assert.equal(zone.extendedProperties.rampartAssetId, ASSET_ID);
  assert.deepEqual([zone.geometry[0].lowerLimit, zone.geometry[0].upperLimit, zone.geometry[0].upperVerticalReference], [0, 150, 'AGL']);
  assert.match(await page.textContent('#drone-zones-for-check'), /previewed zones/);
});

test('a track crossing the zone shows its incursion', STEP, async () => {
  const report = (dx, agl, t) => ({ uas_id: 'TEST-UAS-1', time: `2026-05-01T12:00:${t}Z`, lon: site.lon + dx, lat: site.lat, height_agl_m: agl });
  const track = { reports: [report(-0.05, 60, '00'), report(0, 60, '10'), report(0.0005, 60, '20'), report(0.05, 60, '30')] };
  await page.setInputFiles('#drone-track-file', { name: 'track.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(track)) });
  // The administrator issues alerts: the confirmed incursion is drafted as an alert of the warning network.
  await page.check('#drone-draft-alerts');
  await page.click('#drone-check');
  await page.waitForSelector('#drone-incursions');
  assert.equal(await page.textContent('#drone-drafted'), 'Draft alerts (to approve and publish): incursion 1');
  assert.match(await page.getAttribute('#drone-drafted a', 'href'), /^#\/alerts\/[0-9a-z]+$/);
  const rows = await page.$$eval('[data-testid="incursion"]', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  assert.equal(rows.length, 1);
  assert.match(rows[0][1], /TEST-UAS-1/);
  assert.equal(rows[0][2], 'confirmed');
  assert.equal(rows[0][3], '2026-05-01T12:00:10Z');
  assert.equal(rows[0][5], '2');
  assert.match(await page.textContent('#drone-check-summary'), /4 reports against 1 zones: 1 incursion \(1 confirmed\)/);
  assert.equal(await page.getAttribute('#drone-map', 'data-incursions'), '1');
  await page.waitForFunction(() => !window.rampartDroneMap.isMoving());
  await page.screenshot({ path: join(SHOTS, 'drones-incursion.png') });
});

test('a truncated Remote ID message is refused with its line', STEP, async () => {
  await page.setInputFiles('#drone-track-file', { name: 'capture.hex', mimeType: 'text/plain', buffer: Buffer.from('0212\n') });
  await page.click('#drone-check');
  await page.waitForSelector('#drone-check-error:not([hidden])');
  assert.match(await page.textContent('#drone-check-error'), /track\.line 1: a Remote ID message is 25 bytes; found 2/);
  assert.deepEqual(pageErrors, []);
});
