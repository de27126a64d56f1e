// Browser test of incident notifications (#/incidents) against a running server, in the
// system Chromium: an administrator records an incident of the German authority as a
// draft (the 24-hour countdown runs), notifies it (routed to the French single point of
// contact), files the detailed report, and a report with a missing field is refused
// with the field named. scripts/test.sh makes de-authority and fr-authority their
// member states' single points of contact. Then the audit page shows who notified it
// and verifies the hash chain.
//
//   RAMPART_URL=http://127.0.0.1:8080 RAMPART_USER=admin RAMPART_PASSWORD=... node --test incidents.test.mjs
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

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-incidents-'));
  ({ context, page } = await launchChromium(profile, pageErrors, { viewport: { width: 1280, height: 900 } }));
  await signIn(page, BASE, USER, PASSWORD);
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function fillReport(states) {
  await page.fill('#incident-entity', 'de-authority');
  await page.fill('#incident-title', 'Browser test: control room outage');
  await page.fill('#incident-description', 'The regional control room lost power for three hours.');
  await page.fill('#incident-users', '500');
  await page.fill('#incident-total', '2000');
  await page.fill('#incident-area', 'Berlin');
  await page.fill('#incident-states', states);
}

test('an incident is drafted, notified with its countdown and routing, and reported', STEP, async () => {
  await go(page, 'incidents');
  await page.waitForSelector('#incident-list');
  await page.click('#incident-new');
  await page.waitForSelector('#incident-form');
  // Aware now: the initial notification is due in just under 24 hours, counting down.
  await page.waitForFunction(() => /^Initial notification due in 23:5\d:\d\d$/.test(document.querySelector('#incident-countdown').textContent));
  await fillReport('DE, FR');
  await page.check('#incident-draft');
  await page.click('#incident-submit');
  await page.waitForSelector('#incident-state');
  assert.equal(await page.textContent('#incident-state'), 'Draft');
  const row = page.locator('#incident-table tbody tr', { hasText: 'Browser test: control room outage' });
  await row.first().waitFor();
  assert.match(await row.first().locator('td.initial').textContent(), /^due in 23:5\d:\d\d$/);

  await page.click('#incident-notify');
  await page.waitForFunction(() => document.querySelector('#incident-state')?.textContent === 'Notified');
  assert.deepEqual(await page.locator('#incident-recipients li').allTextContents(), ['fr-authority — affected member state (FR)']);
  assert.match(await page.textContent('#incident-record'), /initial by browser\.admin/);

  await page.selectOption('#incident-kind', 'detailed');
  await page.fill('#incident-note', 'Root cause: failed UPS battery string');
  await page.click('#incident-add-submit');
  await page.waitForFunction(() => document.querySelector('#incident-state')?.textContent === 'Detailed report filed');
  assert.match(await page.textContent('#incident-record'), /detailed by browser\.admin: Root cause: failed UPS battery string/);
  await page.screenshot({ path: join(SHOTS, 'incidents.png'), fullPage: true });

  // A report without the member states affected is refused, naming the field.
  await page.click('#incident-new');
  await fillReport('');
  await page.evaluate(() => document.querySelector('#incident-states').removeAttribute('required'));
  await page.click('#incident-submit');
  await page.waitForSelector('#incident-form .form-error:not([hidden])');
  assert.match(await page.textContent('#incident-form .form-error'), /significance\.member_states: name at least the member state/);
  assert.deepEqual(pageErrors, []);
});

test('the audit trail shows the notification and its chain verifies', STEP, async () => {
  await go(page, 'audit');
  await page.waitForSelector('#audit-table tbody tr');
  const shared = page.locator('#audit-table tbody tr', { hasText: 'share' }).filter({ hasText: 'incident inc-' });
  assert.ok(await shared.count() >= 1, 'the notification is in the trail');
  assert.match(await shared.first().textContent(), /browser\.admin/);
  await page.click('#audit-verify');
  await page.waitForFunction(() => /^All \d+ entries verify; the last hash is [0-9a-f]{16}…$/.test(document.querySelector('#audit-verdict').textContent));
  assert.deepEqual(pageErrors, []);
});
