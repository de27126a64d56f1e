// Browser test of the library (#/library) against a running server, in the system
// Chromium: a user of the German authority publishes a TLP:GREEN document to a community
// of the German and French authorities; a member of that community in France finds it by
// full-text search and opens it; a user of an organisation outside the community does
// not find it, and its URL answers "not found"; the author edits it from the page (a
// label the server refuses shows its error), then deletes it. scripts/test.sh adds the three users
// (lib.de, lib.fr, lib.eu; password browser-test-password) and the community lib-authorities.
//
//   RAMPART_URL=http://127.0.0.1:8080 node --test library.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { env, go, launchChromium } from './harness.mjs';

const BASE = env('RAMPART_URL').replace(/\/+$/, '');
const PASSWORD = 'browser-test-password';
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const STEP = { timeout: 120_000 };
// A word no other document holds, so the search answers exactly this document.
const WORD = `floodgate${Date.now().toString(36)}`;

let profile;
let context;
let page;
const pageErrors = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-library-'));
  ({ context, page } = await launchChromium(profile, pageErrors, { viewport: { width: 1280, height: 900 } }));
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function signIn(user) {
  await page.goto(`${BASE}/#/login`);
  await page.waitForSelector('#username, #logout');
  if (await page.$('#logout')) await page.click('#logout');
  await page.waitForSelector('#username');
  await page.fill('#username', user);
  await page.fill('#password', PASSWORD);
  await page.click('#login');
  await page.waitForSelector('#user-name');
}

async function search(words) {
  await page.goto(`${BASE}/#/library`);
  await page.waitForSelector('#library-search');
  await page.fill('#library-q', words);
  await page.click('#library-go');
  await page.waitForFunction(() => document.querySelector('#library-total, #library-empty'));
}

let docId;

test('a German user publishes a TLP:GREEN document to a community', STEP, async () => {
  await signIn('lib.de');
  await go(page, 'library');
  await page.waitForSelector('#library-new');
  await page.click('#library-new');
  await page.waitForSelector('#library-form');
  await page.selectOption('#library-form-kind', 'lessons_learnt');
  await page.selectOption('#library-form-tlp', 'TLP:GREEN');
  await page.selectOption('#library-form-community', 'lib-authorities');
  await page.fill('#library-form-title', 'Browser test: river flood defences');
  await page.fill('#library-form-summary', 'Closing the gates in time');
  await page.fill('#library-form-body', `The ${WORD} closed forty minutes before the crest reached the city.`);
  await page.fill('#library-form-tags', 'floods, gates');
  await page.click('#library-publish');
  await page.waitForSelector('#library-heading');
  assert.match(await page.textContent('#library-heading'), /Browser test: river flood defences\s*TLP:GREEN/);
  docId = await page.locator('#library-hits li', { hasText: 'Browser test: river flood defences' }).first().getAttribute('data-id');
  assert.match(docId, /^doc-[0-9a-f]{16}$/);
});

test('a member of the community in France finds it by full-text search', STEP, async () => {
  await signIn('lib.fr');
  await search(WORD);
  assert.equal(await page.textContent('#library-total'), '1 document — Lessons learnt: 1');
  const hit = page.locator('#library-hits li').first();
  assert.equal(await hit.getAttribute('data-id'), docId);
  assert.equal(await hit.locator('mark').first().textContent(), WORD);
  assert.equal(await hit.locator('.tlp').textContent(), 'TLP:GREEN');
  await hit.locator('a').click();
  await page.waitForSelector('#library-heading');
  assert.match(await page.textContent('#library-body'), /closed forty minutes before the crest/);
  await page.screenshot({ path: join(SHOTS, 'library.png'), fullPage: true });
});

test('a user outside the community neither finds it nor opens its URL', STEP, async () => {
  await signIn('lib.eu');
  await search(WORD);
  assert.equal(await page.textContent('#library-empty'), 'No documents found.');
  await page.goto(`${BASE}/#/library/${docId}`);
  await page.waitForSelector('#library-missing');
  assert.match(await page.textContent('#library-missing'), /not found/i);
  assert.deepEqual(pageErrors, []);
});

test('the author edits the document on the page, then deletes it', STEP, async () => {
  await signIn('lib.de');
  await page.goto(`${BASE}/#/library/${docId}`);
  await page.waitForSelector('#library-edit');
  await page.click('#library-edit');
  await page.waitForSelector('#library-edit-form');
  assert.equal(await page.inputValue('#library-edit-title'), 'Browser test: river flood defences');
  // TLP:AMBER cannot keep the community audience: the server says so and nothing changes.
  await page.selectOption('#library-edit-tlp', 'TLP:AMBER');
  await page.click('#library-save');
  await page.waitForSelector('#library-edit-error:not([hidden])');
  assert.match(await page.textContent('#library-edit-error'), /community: a community is for TLP:GREEN/);
  await page.selectOption('#library-edit-tlp', 'TLP:GREEN');
  await page.fill('#library-edit-title', 'Browser test: river flood defences (revised)');
  await page.fill('#library-edit-tags', 'floods, gates, drills');
  await page.click('#library-save');
  await page.waitForFunction(() => /\(revised\)/.test(document.querySelector('#library-heading')?.textContent || ''));
  assert.match(await page.textContent('#library-heading'), /Browser test: river flood defences \(revised\)\s*TLP:GREEN/);
  assert.match(await page.textContent('#library-detail .library-meta'), /version 2/);
  await page.click('#library-delete');
  await page.click('#library-delete-confirm');
  await page.waitForSelector('#library-deleted');
  assert.equal(await page.textContent('#library-deleted'), 'Document “Browser test: river flood defences (revised)” deleted.');
  await search(WORD);
  assert.equal(await page.textContent('#library-empty'), 'No documents found.');
  assert.deepEqual(pageErrors, []);
});
