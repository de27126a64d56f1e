// Browser test of federation across three Rampart instances on loopback, each its own
// `rampart serve` with its own database and Ed25519 key: a German instance (de), the EU
// hub (eu-hub) and a French instance (fr); de pushes to the hub, the hub pushes to fr.
// On de, through the command line acting as its users: the German authority publishes a
// TLP:GREEN alert and a TLP:GREEN library document to a community with the French
// authority, and a German operator notifies an incident that affects France (routed to
// the French single point of contact). In the web app of fr a French member of the
// community reads the alert, finds the document by full-text search and sees the
// incident; a French operator outside the community and the routing sees none of them;
// the hub's administrator sees both links alive on the Federation page.
//
//   RAMPART_BIN=target/debug/rampart node --test federation.test.mjs
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { env, go, launchChromium, signIn } from './harness.mjs';

const BIN = env('RAMPART_BIN');
const PASSWORD = 'federation-test-password';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const STEP = { timeout: 120_000 };
const HEADLINE = 'Federated exercise: drone sighted over the interconnector';
const DOC_TITLE = 'Federated lessons: interconnector perimeter patrols';
const DOC_WORD = 'hedgehogbarrier';
const INCIDENT = 'Federated exercise: interconnector converter station fire';

let work;
let profile;
let context;
let page;
const pageErrors = [];
const servers = [];
const instances = {};

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
  s.on('error', reject);
});

/** Runs the command line against one instance's database. */
function cli(name, args, input) {
  return execFileSync(BIN, args, { env: { ...process.env, RAMPART_DATA_DIR: instances[name].data, RAMPART_LOG: 'warn' }, input, encoding: 'utf8' });
}

async function startServer(name) {
  const i = instances[name];
  const child = spawn(BIN, ['serve', '--bind', `127.0.0.1:${i.port}`, '--federation-name', name, '--federation-key-file', i.key,
    '--federation-interval-s', '1'], { env: { ...process.env, RAMPART_DATA_DIR: i.data, RAMPART_LOG: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
  servers.push(child);
  for (let n = 0; n < 150; n += 1) {
    try {
      if ((await fetch(`${i.url}/health`)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the ${name} instance did not start`);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(join(tmpdir(), 'rampart-federation-'));
  for (const name of ['de', 'eu-hub', 'fr']) {
    const port = await freePort();
    instances[name] = { data: join(work, name), key: join(work, `${name}.key`), port, url: `http://127.0.0.1:${port}` };
    mkdirSync(instances[name].data);
    instances[name].public = execFileSync(BIN, ['federation', 'keygen', '--out', instances[name].key], { encoding: 'utf8' }).trim();
  }
  const user = (inst, name, role, org) => cli(inst, ['user', 'add', name, '--role', role, '--org', org, '--password-stdin'], `${PASSWORD}\n`);
  const org = (inst, id, kind, country) => cli(inst, ['org', 'add', id, '--name', `${id} (test)`, '--kind', kind, ...(country ? ['--country', country] : [])]);
  // de: the German authority with two people; the French authority is known to its directory.
  org('de', 'de-authority', 'authority', 'DE');
  org('de', 'fr-authority', 'authority', 'FR');
  user('de', 'author.de', 'analyst', 'de-authority');
  user('de', 'approver.de', 'assessor', 'de-authority');
  org('de', 'de-op-grid', 'operator', 'DE');
  user('de', 'slo.grid', 'operator', 'de-op-grid');
  cli('de', ['org', 'sharing', 'de-authority', '--contact-point', 'true']);
  cli('de', ['org', 'sharing', 'fr-authority', '--contact-point', 'true']);
  cli('de', ['org', 'sharing', 'de-op-grid', '--supervisor', 'de-authority']);
  cli('de', ['community', 'add', 'cross-border', '--name', 'Cross-border grid security', '--member', 'de-authority,fr-authority']);
  cli('de', ['federation', 'peer', 'add', 'eu-hub', '--key', instances['eu-hub'].public, '--hosts', '*', '--url', instances['eu-hub'].url, '--push']);
  // eu-hub: its own administrator; it relays between the two.
  org('eu-hub', 'eu-hub-ops', 'eu_body');
  user('eu-hub', 'hub.admin', 'admin', 'eu-hub-ops');
  cli('eu-hub', ['federation', 'peer', 'add', 'de', '--key', instances.de.public, '--hosts', 'de-authority,de-op-grid']);
  cli('eu-hub', ['federation', 'peer', 'add', 'fr', '--key', instances.fr.public, '--hosts', 'fr-authority,fr-op-rail', '--url', instances.fr.url, '--push']);
  // fr: a member of the community and an organisation outside it.
  org('fr', 'fr-authority', 'authority', 'FR');
  org('fr', 'fr-op-rail', 'operator', 'FR');
  user('fr', 'reader.fr', 'analyst', 'fr-authority');
  user('fr', 'outsider.fr', 'operator', 'fr-op-rail');
  cli('fr', ['federation', 'peer', 'add', 'eu-hub', '--key', instances['eu-hub'].public, '--hosts', '*']);
  // fr checks the German authority's signature on what the hub relays: de's key is on its trust list.
  cli('fr', ['federation', 'peer', 'add', 'de', '--key', instances.de.public, '--hosts', 'de-authority,de-op-grid', '--origin-only']);
  for (const name of ['de', 'eu-hub', 'fr']) await startServer(name);

  const alert = join(work, 'alert.json');
  writeFileSync(alert, JSON.stringify({ status: 'Exercise', infos: [{ categories: ['Security'], event: 'Drone sighting', urgency: 'Immediate',
    severity: 'Moderate', certainty: 'Observed', headline: HEADLINE,
    areas: [{ area_desc: 'Interconnector corridor', polygons: ['49.0,7.9 49.0,8.3 49.3,8.3 49.3,7.9 49.0,7.9'] }] }] }));
  const composed = cli('de', ['alert', 'compose', alert, '--tlp', 'TLP:GREEN', '--community', 'cross-border', '--as', 'author.de']);
  const id = composed.match(/^draft (\S+) composed/)[1];
  cli('de', ['alert', 'submit', id, '--as', 'author.de']);
  cli('de', ['alert', 'approve', id, '--as', 'approver.de']);
  cli('de', ['alert', 'publish', id, '--as', 'author.de']);
  const doc = join(work, 'doc.json');
  writeFileSync(doc, JSON.stringify({ kind: 'lessons_learnt', title: DOC_TITLE, summary: 'What two winters of patrols taught us',
    body: `Mobile ${DOC_WORD} sections closed the service road within four minutes.`, tlp: 'TLP:GREEN', community: 'cross-border' }));
  cli('de', ['library', 'add', doc, '--as', 'author.de']);
  const report = join(work, 'incident.json');
  writeFileSync(report, JSON.stringify({ title: INCIDENT, description: 'Converter hall fire; the link to France tripped',
    aware_at: new Date(Date.now() - 3600e3).toISOString(),
    significance: { users_affected: 120000, users_total: 900000, duration_hours: 6, area: 'Upper Rhine', member_states: ['DE', 'FR'] } }));
  cli('de', ['incident', 'new', report, '--as', 'slo.grid']);

  profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-federation-'));
  ({ context, page } = await launchChromium(profile, pageErrors, { viewport: { width: 1280, height: 900 } }));
});

after(async () => {
  await context?.close();
  for (const s of servers) s.kill('SIGTERM');
  await Promise.all(servers.map((s) => (s.exitCode === null ? new Promise((r) => s.once('exit', r)) : null)));
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a French member of the community reads the German alert on the French instance', STEP, async () => {
  await signIn(page, instances.fr.url, 'reader.fr', PASSWORD);
  await go(page, 'alerts');
  // The alert travels de → eu-hub → fr within a few rounds of one second.
  for (let n = 0; n < 30; n += 1) {
    if (await page.getByText(HEADLINE).count()) break;
    await page.waitForTimeout(1000);
    await page.reload();
    await page.waitForSelector('#alerts-view:not([hidden])');
  }
  await page.getByText(HEADLINE).first().click();
  await page.waitForSelector('text=TLP:GREEN');
  assert.match(await page.textContent('#alerts-view'), /de-authority/);
  await page.screenshot({ path: join(SHOTS, 'federation-fr-reader.png'), fullPage: true });
  assert.deepEqual(pageErrors, []);
});

/** Full-text search on the Library page; the number of hits. */
async function search(words) {
  await go(page, 'library');
  await page.waitForSelector('#library-search');
  await page.fill('#library-q', words);
  await page.click('#library-go');
  await page.waitForFunction(() => document.querySelector('#library-total, #library-empty'));
  return page.locator('#library-hits > li').count();
}

test('the same member finds the German library document by full-text search on fr', STEP, async () => {
  let hits = 0;
  for (let n = 0; n < 30 && !hits; n += 1) {
    hits = await search(DOC_WORD);
    if (!hits) await page.waitForTimeout(1000);
  }
  assert.equal(hits, 1);
  await page.getByText(DOC_TITLE).first().click();
  await page.waitForSelector('#library-origin');
  assert.match(await page.textContent('#library-origin'), /^Received from the Rampart instance de; read-only here/);
  assert.deepEqual(pageErrors, []);
});

test('the French single point of contact sees the German incident on fr', STEP, async () => {
  for (let n = 0; n < 30; n += 1) {
    await go(page, 'incidents');
    await page.waitForSelector('#incident-list');
    if (await page.getByText(INCIDENT).count()) break;
    await page.waitForTimeout(1000);
  }
  await page.getByText(INCIDENT).first().click();
  await page.waitForSelector('#incident-origin');
  assert.match(await page.textContent('#incident-origin'), /^Received from the Rampart instance de; read-only here/);
  await page.screenshot({ path: join(SHOTS, 'federation-fr-incident.png'), fullPage: true });
  assert.deepEqual(pageErrors, []);
});

test('a French organisation outside the community and the routing sees none of them', STEP, async () => {
  await page.click('#logout');
  await signIn(page, instances.fr.url, 'outsider.fr', PASSWORD);
  await go(page, 'alerts');
  await page.waitForSelector('#alerts-view:not([hidden])');
  await page.waitForLoadState('networkidle');
  assert.equal(await page.getByText(HEADLINE).count(), 0);
  assert.equal(await search(DOC_WORD), 0);
  await go(page, 'incidents');
  await page.waitForSelector('#incident-list');
  await page.waitForLoadState('networkidle');
  assert.equal(await page.getByText(INCIDENT).count(), 0);
  assert.deepEqual(pageErrors, []);
});

test('the hub administrator sees both links alive on the Federation page', STEP, async () => {
  await signIn(page, instances['eu-hub'].url, 'hub.admin', PASSWORD);
  await go(page, 'federation');
  await page.waitForSelector('#federation-peers tbody tr[data-peer="fr"]');
  assert.equal(await page.textContent('#federation-name'), 'eu-hub');
  assert.equal(await page.textContent('#federation-peers tr[data-peer="de"] .peer-status'), 'ok');
  assert.equal(await page.textContent('#federation-peers tr[data-peer="fr"] .peer-status'), 'ok');
  assert.doesNotMatch(await page.textContent('#federation-peers tr[data-peer="de"]'), /—.*—.*—/, 'de has been heard from');
  await page.click('#federation-sync');
  await page.waitForSelector('#federation-round .verdict');
  assert.match(await page.textContent('#federation-round'), /fr: pushed/);
  await page.screenshot({ path: join(SHOTS, 'federation-hub.png'), fullPage: true });
  assert.deepEqual(pageErrors, []);
});
