// Browser test of the threat tools against a running server, in the system Chromium:
// blast stand-off at a registry asset (#/blast: rings on the map, the overpressure
// chart, the rings table with the sites inside them), crowd egress of the default
// venue (#/egress: egress time, bottleneck, the per-exit chart) and precursor screening
// (#/precursors: a licensable product, a bad concentration, the catalogue, a report
// checked and sent to Germany's national contact point, which scripts/test.sh sets).
//
//   RAMPART_URL=http://127.0.0.1:8080 RAMPART_USER=admin RAMPART_PASSWORD=... \
//   RAMPART_ASSET_ID=DE-SUB-000123 node --test threat.test.mjs
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
const ASSET_ID = env('RAMPART_ASSET_ID');
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const STEP = { timeout: 120_000 };

let profile;
let context;
let page;
const pageErrors = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-threat-'));
  ({ context, page } = await launchChromium(profile, pageErrors, { viewport: { width: 1280, height: 900 } }));
  await signIn(page, BASE, USER, PASSWORD);
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('blast: a car bomb at a registry asset draws rings and lists the asset', STEP, async () => {
  await go(page, 'blast');
  await page.waitForSelector('#blast-form');
  await page.waitForFunction(() => document.body.dataset.threatMapReady === '1');
  await page.selectOption('#blast-item', 'car');
  await page.fill('#blast-asset', ASSET_ID);
  await page.click('#blast-pick');
  await page.waitForFunction(() => /^Charge at/.test(document.querySelector('#blast-where').textContent));
  await page.click('#blast-compute');
  await page.waitForSelector('#blast-rings tbody tr');
  assert.equal(await page.textContent('#blast-evacuation'), '98 m');
  assert.equal(await page.locator('#blast-rings tbody tr').count(), 11);
  await page.waitForFunction(() => Number(document.body.dataset.threatRings) === 11);
  assert.ok(await page.locator('#blast-chart svg').count() === 1);
  const sites = await page.locator('#blast-sites tbody tr').allTextContents();
  assert.ok(sites.length >= 1, 'the asset lies inside its own rings');
  assert.equal(await page.locator(`#blast-sites a[href="#/asset/${encodeURIComponent(ASSET_ID)}"]`).count(), 1);
  await page.screenshot({ path: join(SHOTS, 'threat-blast.png') });
  // A custom charge below zero is refused with the field named.
  await page.selectOption('#blast-item', '');
  await page.fill('#blast-kg', '-4');
  await page.click('#blast-compute');
  await page.waitForSelector('#blast-form .form-error:not([hidden])');
  assert.match(await page.textContent('#blast-form .form-error'), /kg: a charge must be a positive number/);
});

test('egress: the default stadium misses the Green Guide target at exit B', STEP, async () => {
  await go(page, 'egress');
  await page.waitForSelector('#egress-form');
  await page.click('#egress-compute');
  await page.waitForSelector('#egress-bottleneck');
  assert.equal(await page.textContent('#egress-time'), '15.15 min');
  assert.match(await page.textContent('#egress-bottleneck'), /^Bottleneck: exit B \(15\.15 min\); it needs 3\.79 m instead of 2 m\./);
  assert.equal(await page.locator('#egress-chart rect').count(), 2);
  await page.screenshot({ path: join(SHOTS, 'threat-egress.png') });
  // Widening exit B to 4 m meets the target.
  await page.locator('#egress-exits tbody tr').nth(1).locator('input[data-key="width_m"]').fill('4');
  await page.click('#egress-compute');
  await page.waitForFunction(() => document.querySelector('#egress-time')?.textContent === '8.13 min');
  assert.match(await page.textContent('#egress-verdict'), /Does not meet the target: 0\.1 m more/);
  // An exit of zero width is refused with the field named.
  await page.locator('#egress-exits tbody tr').nth(1).locator('input[data-key="width_m"]').fill('0');
  await page.click('#egress-compute');
  await page.waitForSelector('#egress-form .form-error:not([hidden])');
  assert.match(await page.textContent('#egress-form .form-error'), /venue\.exits\[1\]\.width_m: an exit needs a clear width above 0 m/);
});

test('precursors: 30 % hydrogen peroxide needs a licence; the catalogue lists both annexes', STEP, async () => {
  await go(page, 'precursors');
  await page.waitForSelector('#pc-form');
  assert.equal(await page.locator('#pc-catalogue tbody tr').count(), 18);
  await page.click('#pc-screen');
  await page.waitForSelector('#pc-outcome');
  assert.equal(await page.textContent('#pc-outcome'), 'restricted: licence needed: Hydrogen peroxide up to 35 %');
  await page.click('#pc-add');
  const last = page.locator('#pc-components tbody tr').last();
  await last.locator('select').selectOption('6484-52-2');
  await last.locator('input').fill('50');
  await page.locator('#pc-components tbody tr').nth(1).locator('input').fill('20');
  await page.click('#pc-screen');
  await page.waitForFunction(() => document.querySelector('#pc-outcome')?.textContent === 'restricted: not available to the general public');
  assert.equal(await page.locator('#pc-findings tbody tr').count(), 2);
  await page.screenshot({ path: join(SHOTS, 'threat-precursors.png') });
  await last.locator('input').fill('120');
  await page.click('#pc-screen');
  await page.waitForSelector('#pc-form .form-error:not([hidden])');
  assert.match(await page.textContent('#pc-form .form-error'), /components\[2\]\.percent: a concentration cannot be above 100 %/);
  assert.deepEqual(pageErrors, []);
});

test('precursors: a suspicious transaction is checked and sent to the national contact point', STEP, async () => {
  await page.locator('#pc-components tbody tr').last().locator('input').fill('50');
  await page.selectOption('#str-kind', 'suspicious_transaction');
  await page.selectOption('#str-country', 'DE');
  // Without an indicator the report is refused, naming the field.
  await page.click('#str-check');
  await page.waitForSelector('#str-form .form-error:not([hidden])');
  assert.match(await page.textContent('#str-form .form-error'), /indicators: a suspicious transaction names at least one Art 9 indicator/);
  await page.check('.str-indicator[value="unusual_quantity"]');
  await page.fill('#str-quantity', '4 × 25 kg');
  await page.click('#str-check');
  await page.waitForSelector('#str-due');
  assert.match(await page.textContent('#str-due'), /^Due by .* — the national contact point of Germany \(DE\) under Art 9\(1\)\.$/);
  await page.click('#str-send');
  await page.waitForSelector('#str-result');
  assert.match(await page.textContent('#str-result'), /^Sent as str-[0-9a-f]{16} to de-authority\.$/);
  await page.waitForSelector('#str-sent-table');
  assert.match(await page.locator('#str-sent-table tbody tr').first().textContent(), /suspicious transaction.*DE.*eu-coordination.*de-authority.*in time/);
  await page.screenshot({ path: join(SHOTS, 'threat-precursor-report.png'), fullPage: true });
  assert.deepEqual(pageErrors, []);
});
