// Browser test of the webhooks page (#/webhooks) against a running server, in the system
// Chromium: an operator adds a webhook (a bad URL is refused naming the field), sees its
// signing secret once and the webhook listed, pauses it, reads its (empty) delivery log
// and removes it. scripts/test.sh adds the user browser.operator (password
// browser-test-password).
//
//   RAMPART_URL=http://127.0.0.1:8080 node --test webhooks.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { env, go, launchChromium, signIn } from './harness.mjs';

const BASE = env('RAMPART_URL').replace(/\/+$/, '');
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
// Port 9 on this machine: nobody listens; the page does not need a receiver.
const HOOK = `http://127.0.0.1:9/browser-${Date.now().toString(36)}`;

let profile;
let context;
let page;
const pageErrors = [];

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-webhooks-'));
  ({ context, page } = await launchChromium(profile, pageErrors, { viewport: { width: 1280, height: 900 } }));
  page.on('dialog', (d) => d.accept());
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('an operator adds a webhook, sees its secret once, pauses and removes it', { timeout: 120_000 }, async () => {
  await signIn(page, BASE, 'browser.operator', 'browser-test-password');
  await go(page, 'webhooks');
  await page.waitForSelector('#webhook-form');

  await page.fill('#webhook-url', 'ftp://example.org/x');
  // The browser's own URL check lets ftp: through; the server refuses it, naming the field.
  await page.click('#webhook-add');
  await page.waitForSelector('#webhook-form .form-error:not([hidden])');
  assert.equal(await page.textContent('#webhook-form .form-error'), 'url: expected an https:// URL, found a ftp: URL');

  await page.fill('#webhook-url', HOOK);
  // Escalations only: the alerts test, which may run meanwhile, publishes to this operator
  // but escalates nothing, so this webhook has nothing to send during the test.
  for (const kind of ['published', 'acknowledged', 'relabelled']) await page.uncheck(`input[name="webhook-kind"][value="${kind}"]`);
  await page.fill('#webhook-description', 'browser test');
  await page.click('#webhook-add');
  await page.waitForSelector('#webhook-secret');
  assert.match(await page.textContent('#webhook-secret'), /^whsec_[0-9a-f]{64}$/);
  const row = page.locator('#webhook-table tbody tr', { hasText: HOOK });
  await row.waitFor();
  assert.match(await row.textContent(), /active/);
  assert.match(await row.textContent(), /escalated/);
  await page.screenshot({ path: join(SHOTS, 'webhooks.png'), fullPage: true });

  await row.getByRole('button', { name: 'Pause' }).click();
  await page.locator('#webhook-table tbody tr', { hasText: HOOK }).getByRole('button', { name: 'Resume' }).waitFor();
  assert.match(await page.locator('#webhook-table tbody tr', { hasText: HOOK }).locator('.webhook-status').textContent(), /paused/);

  await page.locator('#webhook-table tbody tr', { hasText: HOOK }).getByRole('button', { name: 'Log' }).click();
  await page.waitForSelector('#webhook-log:not([hidden])');
  assert.match(await page.textContent('#webhook-log'), /Nothing sent yet\./);

  await page.locator('#webhook-table tbody tr', { hasText: HOOK }).getByRole('button', { name: 'Remove' }).click();
  await page.locator('#webhook-table tbody tr', { hasText: HOOK }).waitFor({ state: 'detached' });
  assert.deepEqual(pageErrors, []);
});
