// Browser test of the hostile-vehicle page (#/hvm) against a running server, in the
// system Chromium: a user draws a perimeter in central Helsinki and a bent approach
// path into it, runs the analysis with an installed barrier, and reads the map layer,
// the table of required ratings, the insufficient-barrier notice and the speed chart;
// then a bad barrier rating is refused with its field named.
//
//   RAMPART_URL=http://127.0.0.1:8080 RAMPART_USER=admin RAMPART_PASSWORD=... node --test hvm.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { env, go, launchChromium, signIn } from './harness.mjs';

const BASE = env('RAMPART_URL').replace(/\/+$/, '');
const USER = env('RAMPART_USER');
const PASSWORD = env('RAMPART_PASSWORD');
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const STEP = { timeout: 120_000 };

let profile;
let context;
let page;
const pageErrors = [];

/** Page coordinates of a position on the map. */
async function pixel(lon, lat) {
  return page.evaluate(([x, y]) => {
    const map = window.rampartHvmMap;
    const p = map.project([x, y]);
    const r = map.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [lon, lat]);
}

async function clickAt(lon, lat) {
  const p = await pixel(lon, lat);
  await page.mouse.click(p.x, p.y);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-hvm-'));
  ({ context, page } = await launchChromium(profile, pageErrors));
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('draws a perimeter and an approach, and reads the ratings it needs', STEP, async () => {
  await signIn(page, BASE, USER, PASSWORD);
  await go(page, 'hvm');
  await page.waitForSelector('#hvm-run');
  assert.match(page.url(), /#\/hvm$/);
  await page.waitForFunction(() => document.body.dataset.hvmMapReady === '1');
  await page.evaluate(() => window.rampartHvmMap.jumpTo({ center: [24.9495, 60.1695], zoom: 15.5 }));
  await page.waitForFunction(() => !window.rampartHvmMap.isMoving());

  // A square of about 110 m × 110 m.
  await page.click('#hvm-draw-perimeter');
  for (const [lon, lat] of [[24.950, 60.1695], [24.952, 60.1695], [24.952, 60.1705], [24.950, 60.1705]]) await clickAt(lon, lat);
  assert.match(await page.textContent('#hvm-status'), /Drawing the perimeter: 4 vertices/);
  await page.click('#hvm-finish');
  assert.match(await page.textContent('#hvm-status'), /Perimeter drawn; 0 approach paths/);

  // A path from the south turning east 55 m before the perimeter.
  await page.click('#hvm-draw-path');
  for (const [lon, lat] of [[24.949, 60.1686], [24.949, 60.1700], [24.951, 60.1700]]) await clickAt(lon, lat);
  assert.match(await page.textContent('#hvm-status'), /Drawing an approach path: 3 points/);
  await page.click('#hvm-finish');
  assert.match(await page.textContent('#hvm-status'), /Perimeter drawn; 1 approach path\./);

  await page.fill('#hvm-barrier', 'IWA14-1: V/7200[N3C]/16/90:0.6');
  await page.click('#hvm-run');
  await page.waitForFunction(() => document.body.dataset.hvmRuns === '1');
  // One approach, six default classes.
  assert.equal(await page.locator('#hvm-table tbody tr').count(), 6);
  const rows = await page.locator('#hvm-table tbody tr').allTextContents();
  const n3c = rows.find((r) => r.includes('N3C'));
  assert.match(n3c, /V\/7200\[N3C\]\/(32|48|64)\/90/, n3c);
  assert.match(await page.textContent('#hvm-insufficient'), /installed barrier V\/7200\[N3C\]\/16\/90:0\.6 is insufficient for approach 1 \(Path 1, N3C\): it was tested at 16 km\/h/);
  // The run-up is drawn on the map, and the chart shows the speed along it.
  await page.waitForFunction(() => window.rampartHvmMap.loaded() && window.rampartHvmMap.queryRenderedFeatures({ layers: ['approaches'] }).length > 0);
  assert.equal(await page.locator('#hvm-chart svg').count(), 1);
  assert.match(await page.textContent('#hvm-chart'), /Speed along approach 1 \(N3C\)/);
  // Another class redraws the layer and the chart.
  await page.selectOption('#hvm-class', 'M1');
  assert.match(await page.textContent('#hvm-chart'), /Speed along approach 1 \(M1\)/);
  await page.screenshot({ path: join(SHOTS, 'hvm.png') });
});

test('a rating that cannot be read is refused by field', STEP, async () => {
  await page.fill('#hvm-barrier', 'strong bollard');
  await page.click('#hvm-run');
  await page.waitForSelector('#hvm-error:not([hidden])');
  assert.match(await page.textContent('#hvm-error'), /^barrier: cannot read the barrier rating "strong bollard"/);
  assert.deepEqual(pageErrors, []);
});
