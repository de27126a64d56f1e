// Browser test of the analysis page (#/analysis) against a running server, in the
// system Chromium: an analyst draws a footprint around a supplier of RAMPART_ASSET_ID,
// runs the scenario, reads the figures and the timeline, replays it with the time
// slider, runs the N-1 criticality of the assets in view, places an explosion on the
// supplier (rings, exposure figures, cascade), and runs a synthetic risk study
// (return-period table, exceedance chart, top assets, event table as CSV).
//
//   RAMPART_URL=http://127.0.0.1:8080 RAMPART_USER=admin RAMPART_PASSWORD=... \
//   RAMPART_ASSET_ID=DE-SUB-000123 node --test analysis.test.mjs
//
// RAMPART_USER must be an administrator: the test adds an analyst
// (analysis-<timestamp>) of the asset's national authority (or of an EU body).
// Screenshots go to ./screenshots/ (and the scenario's, at 1280×800, to the file
// named by RAMPART_DOCS_SHOT when set).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { env, go, launchChromium, signIn } from './harness.mjs';

const BASE = env('RAMPART_URL').replace(/\/+$/, '');
const ADMIN = env('RAMPART_USER');
const ADMIN_PASSWORD = env('RAMPART_PASSWORD');
const ASSET_ID = env('RAMPART_ASSET_ID');
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, 'screenshots');
const STEP = { timeout: 120_000 };
const ANALYST = `analysis-${Date.now()}`;
const ANALYST_PASSWORD = 'analysis-browser-test-password';

let profile;
let context;
let page;
let target; // the supplier the footprint is drawn around: {id, lon, lat}
const pageErrors = [];

/** A logged-in API client for node (cookie + CSRF token). */
async function apiLogin(username, password) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }),
  });
  assert.equal(res.status, 200, `login as ${username}`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrf_token: csrf } = await res.json();
  return async (method, path, body) => {
    const r = await fetch(`${BASE}/api/v1${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
}

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Waits until the analysis map has stopped moving and drawn its tiles. */
async function mapIdle() {
  await page.waitForFunction(() => window.rampartAnalysisMap && !window.rampartAnalysisMap.isMoving() && window.rampartAnalysisMap.loaded());
}

/** Page coordinates of a position on the analysis map. */
async function pixel(lon, lat) {
  return page.evaluate(([x, y]) => {
    const map = window.rampartAnalysisMap;
    const p = map.project([x, y]);
    const r = map.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [lon, lat]);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // An analyst of the asset's country, and a supplier of the asset in that country.
  const admin = await apiLogin(ADMIN, ADMIN_PASSWORD);
  const asset = (await admin('GET', `/assets/${encodeURIComponent(ASSET_ID)}`)).body;
  const authority = `${asset.country.toLowerCase()}-authority`;
  const org = (await admin('GET', `/organisations/${authority}`)).status === 200 ? authority : 'eu-coordination';
  const created = await admin('POST', '/users', { username: ANALYST, password: ANALYST_PASSWORD, role: 'analyst', organisation_id: org });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const up = (await admin('GET', `/assets/${encodeURIComponent(ASSET_ID)}/upstream`)).body;
  const supplier = (up.assets || []).find((a) => a.country === asset.country && a.id !== ASSET_ID) || asset;
  const [lon, lat] = supplier.geometry.type === 'Point' ? supplier.geometry.coordinates : supplier.geometry.coordinates[0][0];
  target = { id: supplier.id, lon, lat, country: supplier.country };

  profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-analysis-'));
  ({ context, page } = await launchChromium(profile, pageErrors));
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('an analyst finds the Analysis page in the header', STEP, async () => {
  await signIn(page, BASE, ANALYST, ANALYST_PASSWORD);
  await go(page, 'analysis');
  await page.waitForSelector('#scenario-form');
  assert.match(page.url(), /#\/analysis$/);
  assert.equal(await page.getAttribute('#tab-scenario', 'aria-selected'), 'true');
  await page.waitForFunction(() => document.body.dataset.analysisMapReady === '1');
});

test('draws a footprint around a supplier and runs the scenario', STEP, async () => {
  await page.evaluate(([lon, lat]) => window.rampartAnalysisMap.jumpTo({ center: [lon, lat], zoom: 12 }), [target.lon, target.lat]);
  await mapIdle();
  await page.click('#draw-footprint');
  const c = await pixel(target.lon, target.lat);
  for (const [dx, dy] of [[-60, -50], [60, -50], [60, 50], [-60, 50]]) {
    await page.mouse.click(c.x + dx, c.y + dy);
  }
  assert.match(await page.textContent('#footprint-status'), /Drawing: 4 vertices/);
  await page.click('#close-footprint');
  assert.equal(await page.textContent('#footprint-status'), 'Footprint drawn (4 vertices).');

  await page.fill('#scenario-horizon', '72');
  await page.click('#scenario-run');
  await page.waitForFunction(() => document.body.dataset.scenarioDone, null, { timeout: 90_000 });
  assert.equal(await page.isVisible('#scenario-progress'), false, 'the progress bar goes away');

  // The figures are the server's.
  const runId = await page.evaluate(() => document.body.dataset.scenarioDone);
  const run = await page.evaluate(async (id) => (await fetch(`api/v1/analysis/runs/${id}`)).json(), runId);
  assert.equal(run.status, 'done');
  assert.equal(run.created_by, ANALYST);
  assert.ok(run.result.damaged.includes(target.id), `${target.id} lies in the footprint`);
  const personHours = Math.round(run.result.impact.person_hours);
  assert.equal(await page.textContent('#fig-person-hours'), personHours.toLocaleString('en-GB'));
  assert.equal(await page.textContent('#fig-down'), run.result.impact.assets_down.toLocaleString('en-GB'));
  assert.ok(run.result.impact.assets_down >= 1);

  // The timeline chart: labelled axes and the step line.
  assert.equal(await page.isVisible('#impact-chart svg'), true);
  const labels = await page.$$eval('#impact-chart .chart-label', (els) => els.map((e) => e.textContent));
  assert.deepEqual(labels, ['Hours after the event', 'Assets down']);
  assert.ok((await page.getAttribute('#impact-chart .chart-line', 'd')).length > 10);
  await shot('analysis-scenario-desktop');
  if (process.env.RAMPART_DOCS_SHOT) await page.screenshot({ path: process.env.RAMPART_DOCS_SHOT });
});

test('the time slider replays the impact on the map', STEP, async () => {
  const impactOnMap = () => page.evaluate(async () => {
    const data = await window.rampartAnalysisMap.getSource('impact').getData();
    return data.features.map((f) => f.properties.state);
  });
  const atStart = await page.textContent('#time-readout');
  assert.match(atStart, /^At 0 h: /);
  await page.focus('#time-slider');
  await page.keyboard.press('End');
  const atEnd = await page.textContent('#time-readout');
  assert.match(atEnd, /^At 72 h: /);
  const states = await impactOnMap();
  assert.ok(states.length >= 1, 'affected assets are drawn');
  assert.ok(states.every((s) => s === 'down' || s === 'affected'));
  const marker = await page.getAttribute('#impact-chart .chart-marker', 'visibility');
  assert.equal(marker, 'visible');
  // Half-way with the keyboard: the readout follows.
  await page.keyboard.press('Home');
  for (let i = 0; i < 24; i += 1) await page.keyboard.press('ArrowRight');
  assert.match(await page.textContent('#time-readout'), /^At 12 h: /);
  assert.equal(await page.isVisible('#by-service'), true);
});

test('runs the N-1 criticality of the assets in view', STEP, async () => {
  await page.click('#tab-criticality');
  await page.click('#criticality-run');
  await page.waitForFunction(() => document.body.dataset.criticalityDone, null, { timeout: 90_000 });
  const rows = await page.$$eval('#ranking tbody tr', (trs) => trs.length);
  assert.ok(rows >= 1, 'the ranking lists assets');
  await shot('analysis-criticality-desktop');
  await page.click('#tab-runs');
  await page.waitForSelector('#runs-table');
  const kinds = await page.$$eval('#runs-table tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent));
  assert.deepEqual(kinds, ['criticality', 'scenario']);
});

test('places an explosion on a supplier: rings on the map, exposure and cascade', STEP, async () => {
  const before = await page.evaluate(() => document.body.dataset.scenarioDone);
  await page.click('#tab-scenario');
  await page.selectOption('#hazard-kind', 'blast');
  assert.equal(await page.getAttribute('#hazard-place', 'aria-pressed'), 'true', 'choosing a hazard starts placing it');
  await page.selectOption('#blast-item', 'lorry');
  await page.evaluate(([lon, lat]) => window.rampartAnalysisMap.jumpTo({ center: [lon, lat], zoom: 14 }), [target.lon, target.lat]);
  await mapIdle();
  const c = await pixel(target.lon, target.lat);
  await page.mouse.click(c.x, c.y);
  assert.equal(await page.getAttribute('#hazard-place', 'aria-pressed'), 'false');
  assert.ok(Math.abs(Number(await page.inputValue('#hazard-lat')) - target.lat) < 0.001, 'the click sets the latitude');
  assert.ok(Math.abs(Number(await page.inputValue('#hazard-lon')) - target.lon) < 0.001, 'the click sets the longitude');
  assert.match(await page.textContent('#hazard-place-status'), /^Placed at /);

  await page.click('#scenario-run');
  await page.waitForFunction((old) => document.body.dataset.scenarioDone && document.body.dataset.scenarioDone !== old, before, { timeout: 90_000 });
  const runId = await page.evaluate(() => document.body.dataset.scenarioDone);
  const run = await page.evaluate(async (id) => (await fetch(`api/v1/analysis/runs/${id}`)).json(), runId);
  assert.equal(run.request.hazard.kind, 'blast');
  assert.equal(run.request.hazard.item, 'lorry');
  const hz = run.result.hazard;
  assert.equal(hz.intensity_measure, 'overpressure_kpa');
  assert.ok(hz.footprint.features.length >= 3, 'rings at several thresholds');
  assert.ok(run.result.damaged.includes(target.id), `${target.id} is damaged by the charge placed on it`);

  // The rings are drawn, graded and labelled; the figures are the server's.
  const rings = await page.evaluate(async () => (await window.rampartAnalysisMap.getSource('hazard').getData()).features.map((f) => f.properties.color));
  assert.equal(rings.length, hz.footprint.features.length);
  assert.ok(new Set(rings).size >= 3, 'graded colours');
  const labels = await page.$$eval('.hazard-label', (els) => els.filter((e) => getComputedStyle(e).visibility === 'visible').map((e) => e.textContent));
  assert.ok(labels.length >= 2, `ring labels shown: ${labels}`);
  assert.ok(labels.every((l) => / kPa · /.test(l)), `labels name the threshold: ${labels}`);
  assert.equal(await page.textContent('#fig-exposed'), hz.assets_exposed.toLocaleString('en-GB'));
  assert.equal(await page.textContent('#fig-hazard-occupancy'), hz.public_space_occupancy_exposed.toLocaleString('en-GB'));
  assert.match(await page.textContent('#fig-peak-intensity'), / kPa$/);
  assert.ok((await page.$$('#hazard-legend li')).length >= 3);
  // Then the cascade, as for any scenario.
  assert.equal(await page.textContent('#fig-down'), run.result.impact.assets_down.toLocaleString('en-GB'));
  assert.ok(run.result.impact.assets_damaged >= 1);
  assert.equal(await page.isVisible('#impact-chart svg'), true);
  await shot('analysis-blast-desktop');

  // Other tabs hide the hazard; the scenario tab shows it again.
  await page.click('#tab-criticality');
  assert.equal(await page.evaluate(() => window.rampartAnalysisMap.getLayoutProperty('hazard-fill', 'visibility')), 'none');
  await page.click('#tab-scenario');
  assert.equal(await page.evaluate(() => window.rampartAnalysisMap.getLayoutProperty('hazard-fill', 'visibility')), 'visible');
});

test('runs a synthetic risk study: return periods, exceedance chart, top assets, CSV', STEP, async () => {
  await page.click('#tab-risk');
  await page.selectOption('#risk-measure', 'flood_depth_m');
  assert.equal(await page.inputValue('#risk-peak-min'), '0.5', 'peaks suited to flood depth');
  assert.equal(await page.textContent('label[for="risk-peak-max"]'), 'Highest peak (m)');
  await page.fill('#risk-events', '300');
  await page.fill('#risk-seed', '3');
  await page.fill('#risk-mc-seed', '11');
  await page.click('#risk-run');
  await page.waitForFunction(() => document.body.dataset.riskDone, null, { timeout: 90_000 });
  const runId = await page.evaluate(() => document.body.dataset.riskDone);
  const run = await page.evaluate(async (id) => (await fetch(`api/v1/analysis/runs/${id}`)).json(), runId);
  assert.equal(run.status, 'done');
  assert.deepEqual(run.request.event_set, { synthetic: { events: 300, seed: 3, peak_min: 0.5, peak_max: 4, annual_rate: 1 } });
  assert.equal(run.request.monte_carlo_seed, 11);
  const r = run.result;
  assert.equal(r.mode, 'monte_carlo');

  // The return-period table: 10 to 500 years, those beyond the curve marked.
  const rows = await page.$$eval('#return-periods tbody tr', (trs) => trs.map((tr) => ({
    period: tr.cells[0].firstChild.textContent, beyond: !!tr.querySelector('.tag'), impact: tr.cells[1].textContent,
  })));
  assert.deepEqual(rows.map((x) => x.period), ['10 years', '50 years', '100 years', '250 years', '500 years']);
  assert.deepEqual(rows.map((x) => x.beyond), r.return_periods.map((p) => !p.within_curve));
  assert.ok(rows.every((x) => x.impact.startsWith('€')));
  assert.ok((await page.textContent('#fig-aai')).startsWith('€'));

  // The exceedance curve: log x axis of return periods, the curve and a dot per period.
  const labels = await page.$$eval('#exceedance-chart .chart-label', (els) => els.map((e) => e.textContent));
  assert.deepEqual(labels, ['Return period (years, log scale)', 'Impact (EUR)']);
  assert.ok((await page.getAttribute('#exceedance-chart .chart-line', 'd')).length > 20);
  assert.equal((await page.$$('#exceedance-chart .chart-dot')).length, 5);
  const xTicks = await page.$$eval('#exceedance-chart .chart-axes text', (els) => els.map((e) => e.textContent));
  assert.ok(xTicks.includes('10') && xTicks.includes('100'), `log ticks: ${xTicks}`);

  // The top assets: listed, on the map, and a click brings one into view.
  // The analyst reads one country: the server leaves the others' assets out.
  assert.equal(run.request.top, 1000);
  assert.ok(r.top_assets.length >= 1, 'some of the analyst\'s assets are among the top 1000');
  assert.ok(r.top_assets.every((a) => a.country === target.country));
  const top = await page.$$('#top-assets tbody tr:not([hidden])');
  assert.equal(top.length, Math.min(20, r.top_assets.length));
  const onMap = () => page.evaluate(async () => (await window.rampartAnalysisMap.getSource('impact').getData()).features.length);
  assert.equal(await onMap(), Object.keys(r.places).length);
  await page.click('#top-assets tbody tr:first-child .asset-link');
  await mapIdle();
  const first = r.places[r.top_assets[0].asset];
  const centre = await page.evaluate(() => window.rampartAnalysisMap.getCenter().toArray());
  assert.ok(Math.abs(centre[0] - first.lon) < 0.01 && Math.abs(centre[1] - first.lat) < 0.01, 'the map moves to the asset');

  // The event table as CSV, built in the browser.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#event-table-csv')]);
  assert.match(download.suggestedFilename(), /^risk-events-[0-9a-f]{8}\.csv$/);
  const lines = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'event_id,frequency,direct_impact,cascade_impact,total_impact');
  assert.equal(lines.length, 301);
  const e0 = r.event_table[0];
  assert.equal(lines[1], [e0.event, e0.frequency, e0.impact, e0.cascade, e0.total].join(','));
  await page.locator('#risk-results').scrollIntoViewIfNeeded();
  await shot('analysis-risk-desktop');
});

test('the page fits a tablet in portrait', STEP, async () => {
  await page.click('#tab-scenario');
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.waitForTimeout(500);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
  assert.equal(await page.isVisible('#analysis-map'), true);
  await shot('analysis-scenario-tablet');
  await page.click('#tab-risk');
  await page.waitForTimeout(300);
  const riskOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(riskOverflow <= 0, `no horizontal scrolling on the Risk tab (overflow ${riskOverflow}px)`);
  await page.evaluate(() => document.getElementById('exceedance-chart').scrollIntoView({ block: 'center' }));
  await shot('analysis-risk-tablet');
  assert.deepEqual(pageErrors, []);
});
