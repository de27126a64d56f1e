// What every browser test needs: its settings from the environment, and Debian's
// Chromium through playwright-core — headless, no sandbox, no background networking,
// a fresh profile — with page errors collected for the tests to assert on.
import { chromium } from 'playwright-core';

export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name} (see the top of the test file)`);
  return v;
}

/**
 * Chromium on a fresh profile folder; `options` add to or override the defaults
 * (e.g. a viewport, acceptDownloads). Page errors are pushed onto `pageErrors`.
 */
export async function launchChromium(profile, pageErrors, options = {}) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic'],
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { context, page };
}

/** Signs in through the login page and waits for the header to show the user. */
export async function signIn(page, base, user, password) {
  await page.goto(`${base}/#/login`);
  await page.fill('#username', user);
  await page.fill('#password', password);
  await page.click('#login');
  await page.waitForSelector('#user-name');
}

/** Opens a page through the top bar: `name` is the link's id after `nav-`; on narrow screens
 * through the Menu button, and a link inside a group (Threat tools, Sharing, Administration)
 * through its menu. */
export async function go(page, name) {
  const link = page.locator(`#nav-${name}`);
  if (!(await link.isVisible()) && (await page.locator('#nav-toggle').isVisible())) await page.click('#nav-toggle');
  if (!(await link.isVisible())) await page.click(`.nav-group:has(#nav-${name}) .nav-group-toggle`);
  await link.click();
}
