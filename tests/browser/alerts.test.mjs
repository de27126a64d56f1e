// Browser test of the alerts pages (#/alerts) between two organisations, in the system
// Chromium: an EU-body analyst composes an alert with an area drawn on the map around
// a French operator's site, a second person of the EU body approves and publishes it,
// the operator (signed in, in another browser) sees it arrive live without reloading
// and acknowledges it, the author sees the acknowledgement arrive, an operator of an
// unrelated organisation does not see the alert at all, and an inbox of more than one
// page (100 alerts) shows older alerts on request.
//
// The people and the site come from scripts/test.sh: browser.author (analyst) and
// browser.approver (assessor) of eu-coordination, browser.operator of browser-op-fr
// (site BROWSER-FR-1 at 2.2945, 48.8584), browser.stranger of browser-op-de, all with
// the password in RAMPART_PASSWORD.
//
//   RAMPART_URL=http://127.0.0.1:8080 RAMPART_PASSWORD=... node --test alerts.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { env, go, launchChromium, signIn } from './harness.mjs';

const BASE = env('RAMPART_URL').replace(/\/+$/, '');
const PASSWORD = env('RAMPART_PASSWORD');
const SITE = { lon: 2.2945, lat: 48.8584 };
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, 'screenshots');
const STEP = { timeout: 120_000 };

const profiles = [];
let desk; // the warning centre's browser: author, approver, then the stranger
let field; // the operator's browser
let alertId;
const pageErrors = [];

async function browser(name) {
  const profile = mkdtempSync(join(tmpdir(), `rampart-chromium-alerts-${name}-`));
  profiles.push(profile);
  return launchChromium(profile, pageErrors);
}

async function signInAs(page, user) {
  await signIn(page, BASE, user, PASSWORD);
  assert.equal(await page.textContent('#user-name'), user);
}

async function signOut(page) {
  await page.click('#logout');
  await page.waitForSelector('#username');
}

/** Clicks the composer's map at a geographic position. */
async function clickMap(page, lon, lat) {
  const p = await page.evaluate(([x, y]) => {
    const pt = window.rampartAlertMap.project([x, y]);
    return { x: pt.x, y: pt.y };
  }, [lon, lat]);
  await page.locator('#alert-map').scrollIntoViewIfNeeded();
  const box = await page.locator('#alert-map canvas').boundingBox();
  await page.mouse.click(box.x + p.x, box.y + p.y);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  desk = await browser('desk');
  field = await browser('field');
});

after(async () => {
  await desk?.context.close();
  await field?.context.close();
  for (const p of profiles) rmSync(p, { recursive: true, force: true });
});

test('the operator opens the inbox and is connected live', STEP, async () => {
  const page = field.page;
  await signInAs(page, 'browser.operator');
  await go(page, 'alerts');
  await page.waitForFunction(() => document.querySelector('#alert-live')?.textContent === 'live');
  assert.equal(await page.locator('#alert-new').count(), 0, 'operators do not compose alerts');
});

test('the author composes an alert with a drawn area and sees the recipients it matches', STEP, async () => {
  const page = desk.page;
  await signInAs(page, 'browser.author');
  await go(page, 'alerts');
  await page.click('#alert-new');
  await page.waitForFunction(() => document.body.dataset.alertMapReady === '1');
  await page.fill('#alert-event', 'Drone sighting');
  await page.fill('#alert-headline-input', 'Drone over the substation');
  await page.fill('#alert-description', 'A drone circled the site twice at low height.');
  await page.selectOption('#alert-status', 'Exercise');
  await page.selectOption('#alert-category', 'Security');
  await page.selectOption('#alert-tlp', 'TLP:AMBER');
  await page.fill('#alert-area-desc', 'Champ de Mars');
  await page.evaluate(([lon, lat]) => window.rampartAlertMap.jumpTo({ center: [lon, lat], zoom: 14 }), [SITE.lon, SITE.lat]);
  await page.click('#alert-draw-polygon');
  for (const [dx, dy] of [[-0.004, -0.003], [0.004, -0.003], [0.004, 0.003], [-0.004, 0.003]]) {
    await clickMap(page, SITE.lon + dx, SITE.lat + dy);
  }
  await page.click('#alert-close-polygon');
  await page.fill('#alert-radius', '0.5');
  await page.click('#alert-draw-circle');
  await clickMap(page, SITE.lon, SITE.lat);
  assert.equal(await page.getAttribute('#alert-map', 'data-polygons'), '1');
  assert.equal(await page.getAttribute('#alert-map', 'data-circles'), '1');
  await page.screenshot({ path: join(SHOTS, 'alerts-composer.png') });
  await page.click('#alert-save');
  await page.waitForSelector('#alert-matches');
  alertId = decodeURIComponent(page.url().split('#/alerts/')[1]);
  assert.match(alertId, /^[0-9a-f]{24}$/);
  assert.match(await page.textContent('#alert-matches'), /browser-op-fr: .*BROWSER-FR-1/);
  assert.equal(await page.textContent('#alert-state'), 'draft');
  await page.click('#alert-submit');
  await page.waitForFunction(() => document.querySelector('#alert-state')?.textContent === 'pending');
  assert.equal(await page.locator('#alert-approve').count(), 0, 'the author is not offered approval');
});

test('a second person approves and publishes; the operator sees it arrive live and acknowledges', STEP, async () => {
  const page = desk.page;
  await signOut(page);
  await signInAs(page, 'browser.approver');
  await page.goto(`${BASE}/#/alerts/${alertId}`);
  await page.click('#alert-approve');
  await page.waitForFunction(() => document.querySelector('#alert-state')?.textContent === 'approved');
  const loadsBefore = await field.page.evaluate(() => performance.getEntriesByType('navigation').length);
  await page.click('#alert-publish');
  await page.waitForFunction(() => document.querySelector('#alert-state')?.textContent === 'published');

  const op = field.page;
  const item = op.locator(`#alert-list [data-alert-id="${alertId}"]`);
  await item.waitFor();
  assert.equal(await op.evaluate(() => performance.getEntriesByType('navigation').length), loadsBefore, 'no reload');
  assert.match(await item.getAttribute('class'), /unread/);
  assert.match(await item.textContent(), /TLP:AMBER.*Drone over the substation/);

  // The author opens it and waits for the acknowledgement, which arrives live too.
  await signOut(page);
  await signInAs(page, 'browser.author');
  await page.goto(`${BASE}/#/alerts/${alertId}`);
  await page.waitForSelector('#alert-acks');
  assert.match(await page.textContent('#alert-acks'), /None yet/);
  assert.match(await page.textContent('#alert-recipients'), /browser-op-fr — area: BROWSER-FR-1/);

  await item.click();
  await op.waitForSelector('#alert-ack');
  await op.click('#alert-ack');
  await op.waitForFunction(() => document.querySelector('#alert-acknowledged')?.textContent === 'yes');
  await op.screenshot({ path: join(SHOTS, 'alerts-operator.png') });

  await page.waitForFunction(() => /browser-op-fr — browser\.operator/.test(document.querySelector('#alert-acks')?.textContent || ''));
});

test('an operator of an unrelated organisation does not see the alert', STEP, async () => {
  const page = desk.page;
  await signOut(page);
  await signInAs(page, 'browser.stranger');
  await go(page, 'alerts');
  await page.waitForFunction(() => Number(document.body.dataset.alertsLoaded || 0) > 0);
  assert.equal(await page.locator(`#alert-list [data-alert-id="${alertId}"]`).count(), 0);
  await page.goto(`${BASE}/#/alerts/${alertId}`);
  await page.waitForSelector('#alert-missing');
  assert.equal(await page.textContent('#alert-missing'), 'This alert does not exist.');
  const status = await page.evaluate(async (id) => (await fetch(`api/v1/alerts/${id}`)).status, alertId);
  assert.equal(status, 404);
  assert.deepEqual(pageErrors, []);
});

/** A session of the API for scripted steps: the cookie and the CSRF token. */
async function apiSession(user) {
  const r = await fetch(`${BASE}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password: PASSWORD }) });
  assert.equal(r.status, 200, `login as ${user}`);
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  const { csrf_token: csrf } = await r.json();
  return async (method, path, body) => {
    const res = await fetch(`${BASE}/api/v1${path}`, { method, headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: body ? JSON.stringify(body) : undefined });
    const json = await res.json().catch(() => null);
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

test('an inbox of more than one page shows older alerts on request', STEP, async () => {
  const author = await apiSession('browser.author');
  const approver = await apiSession('browser.approver');
  const operator = await apiSession('browser.operator');
  const ring = [[-0.1, -0.1], [0.1, -0.1], [0.1, 0.1], [-0.1, 0.1], [-0.1, -0.1]].map(([dx, dy]) => `${SITE.lat + dy},${SITE.lon + dx}`).join(' ');
  for (let i = 0; i < 100; i++) {
    const cap = { status: 'Exercise', infos: [{ categories: ['Infra'], event: 'Paging drill', urgency: 'Future', severity: 'Minor', certainty: 'Possible',
      headline: `Paging drill ${i}`, areas: [{ area_desc: 'Paris', polygons: [ring] }] }] };
    const a = await author('POST', '/alerts', { tlp: 'TLP:AMBER', cap });
    await author('POST', `/alerts/${a.id}/submit`, {});
    await approver('POST', `/alerts/${a.id}/approve`, {});
    await author('POST', `/alerts/${a.id}/publish`, {});
  }
  const total = (await operator('GET', '/alerts?limit=1000')).count;
  assert.ok(total > 100, `the operator reads ${total} alerts`);

  const page = field.page;
  await page.reload();
  await page.waitForFunction(() => Number(document.body.dataset.alertsLoaded || 0) > 0 && document.querySelectorAll('#alert-list [data-alert-id]').length > 0);
  assert.equal(await page.locator('#alert-list [data-alert-id]').count(), 100);
  assert.equal(await page.textContent('#alert-count'), '100 alerts (older ones not shown yet)');
  assert.equal(await page.locator('#alert-list [data-alert-id]').first().locator('.alert-item-title').textContent(), 'Paging drill 99');
  await page.click('#alert-older');
  await page.waitForFunction((n) => document.querySelectorAll('#alert-list [data-alert-id]').length === n, Math.min(total, 200));
  assert.equal(await page.locator('#alert-older').count(), total > 200 ? 1 : 0);
  assert.deepEqual(pageErrors, []);
});
