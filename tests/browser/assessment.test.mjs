// Browser test of the assessment pages (#/assessments) against a running server, in the
// system Chromium: a stadium operator requests an assessment, the lead assessor plans it
// and completes the survey on a 768×1024 tablet (autosave, a note, a photo), scores it and
// writes findings from the suggestions, a second assessor approves and issues it, and the
// PDF report is downloaded: it is a PDF and every page carries the TLP label. A user of
// another organisation is told the assessment does not exist.
//
// The administrator (RAMPART_USER) creates the stadium, its operator and the users first.
//   RAMPART_URL=http://127.0.0.1:8080 RAMPART_USER=admin RAMPART_PASSWORD=... node --test assessment.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { env, go, launchChromium, signIn } from './harness.mjs';

const BASE = env('RAMPART_URL').replace(/\/+$/, '');
const ADMIN = env('RAMPART_USER');
const ADMIN_PASSWORD = env('RAMPART_PASSWORD');
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
const STEP = { timeout: 300_000 };
const TS = Date.now().toString(36);
const PASSWORD = 'a long browser test password';
const HOST = `stadium-op-${TS}`;
const SITE = `DE-STADIUM-${TS}`;
const USERS = { requester: `stadium.${TS}`, lead: `lead.${TS}`, reviewer: `review.${TS}`, outsider: `outsider.${TS}` };

let profile;
let context;
let page;
const pageErrors = [];

/** A JSON request as the administrator, through the API. */
async function adminApi() {
  const login = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: ADMIN, password: ADMIN_PASSWORD }),
  });
  assert.equal(login.status, 200);
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await login.json();
  return async (method, path, body) => {
    const r = await fetch(`${BASE}/api/v1${path}`, {
      method, headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

function ellipse(lon, lat, eastM, northM) {
  const ring = [];
  for (let i = 0; i < 16; i += 1) {
    const a = (i / 16) * 2 * Math.PI;
    ring.push([lon + (eastM * Math.cos(a)) / (111320 * Math.cos((lat * Math.PI) / 180)), lat + (northM * Math.sin(a)) / 111320]);
  }
  ring.push(ring[0]);
  return [ring];
}

const signInAs = (user, password = PASSWORD) => signIn(page, BASE, user, password);

async function signOut() {
  await page.click('#logout');
  await page.waitForSelector('#login');
}

/** The text of every page of a PDF written by Chromium (Flate streams, fonts with ToUnicode maps). */
function pdfPageTexts(bytes) {
  const src = bytes.toString('latin1');
  const objects = new Map();
  for (const m of src.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) {
    const [, num, text] = m;
    const s = text.indexOf('stream');
    let stream = null;
    if (s >= 0) {
      let start = s + 6;
      if (src[m.index + m[0].indexOf(text) + start] === '\r') start += 1;
      start += 1;
      const raw = Buffer.from(text.slice(start, text.lastIndexOf('endstream')), 'latin1');
      stream = /\/FlateDecode/.test(text.slice(0, s)) ? inflateSync(raw) : raw;
    }
    objects.set(Number(num), { dict: s >= 0 ? text.slice(0, s) : text, stream });
  }
  const ref = (dict, key) => Number((dict.match(new RegExp(`/${key}\\s+(\\d+) 0 R`)) || [])[1]);
  const cmapOf = (fontNum) => {
    const font = objects.get(fontNum);
    const map = new Map();
    const cmap = font && objects.get(ref(font.dict, 'ToUnicode'))?.stream?.toString('latin1');
    if (!cmap) return map;
    const hexText = (h) => String.fromCodePoint(...(h.match(/.{4}/g) || []).map((x) => parseInt(x, 16)));
    for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
      for (const [, from, to] of block[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) map.set(parseInt(from, 16), hexText(to));
    }
    for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
      for (const [, lo, hi, to] of block[1].matchAll(/<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>/g)) {
        for (let c = parseInt(lo, 16), u = parseInt(to, 16); c <= parseInt(hi, 16); c += 1, u += 1) map.set(c, String.fromCodePoint(u));
      }
    }
    return map;
  };
  const pages = [...objects.values()].filter((o) => /\/Type\s*\/Page\b/.test(o.dict));
  return pages.map((p) => {
    let resources = p.dict;
    const resRef = ref(p.dict, 'Resources');
    if (resRef) resources = objects.get(resRef).dict;
    let fontDict = (resources.match(/\/Font\s*<<([\s\S]*?)>>/) || [])[1];
    if (!fontDict) {
      const fr = ref(resources, 'Font');
      fontDict = fr ? objects.get(fr).dict : '';
    }
    const fonts = new Map([...fontDict.matchAll(/\/([A-Za-z0-9_.+-]+)\s+(\d+) 0 R/g)].map(([, name, num]) => [name, cmapOf(Number(num))]));
    const contents = [...(p.dict.match(/\/Contents\s*(\[[^\]]*\]|\d+ 0 R)/) || ['', ''])[1].matchAll(/(\d+) 0 R/g)].map(([, n]) => objects.get(Number(n))?.stream?.toString('latin1') || '');
    let out = '';
    let cmap = new Map();
    for (const c of contents) {
      for (const t of c.matchAll(/\/([A-Za-z0-9_.+-]+)\s+[\d.]+\s+Tf|<([0-9A-Fa-f]*)>|\)\s*Tj|(ET)/g)) {
        if (t[1]) cmap = fonts.get(t[1]) || new Map();
        else if (t[2] !== undefined) out += (t[2].match(/.{4}/g) || []).map((g) => cmap.get(parseInt(g, 16)) ?? '').join('');
        else if (t[3]) out += ' ';
      }
    }
    return out.replace(/\s+/g, ' ');
  });
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-assess-'));
  ({ context, page } = await launchChromium(profile, pageErrors, { acceptDownloads: true }));
  const api = await adminApi();
  await api('POST', '/organisations', { id: HOST, name: `Stadium operator ${TS}`, kind: 'operator', country: 'DE' });
  await api('POST', '/assets', {
    id: SITE, name: `Test stadium ${TS}`, kind: 'public_space', category: 'stadium', country: 'DE', operator_id: HOST, peak_occupancy: 60000,
    geometry: { type: 'Polygon', coordinates: ellipse(7.4519, 51.4926, 125, 100) },
    attributes: { perimeter: { type: 'Polygon', coordinates: ellipse(7.4519, 51.4926, 230, 195) } },
  });
  for (const [username, role, org] of [[USERS.requester, 'operator', HOST], [USERS.lead, 'assessor', 'eu-coordination'],
    [USERS.reviewer, 'assessor', 'eu-coordination'], [USERS.outsider, 'analyst', 'de-authority']]) {
    await api('POST', '/users', { username, password: PASSWORD, role, organisation_id: org });
  }
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

let assessmentId;

test('the operator requests an assessment of its stadium', STEP, async () => {
  await signInAs(USERS.requester);
  await go(page, 'assessments');
  await page.waitForSelector('#assess-request-form');
  await page.fill('#assess-request-site', SITE);
  await page.fill('#assess-request-lead', 'nobody-at-all');
  await page.click('#assess-request');
  await page.waitForSelector('#assess-request-form .form-error:not([hidden])');
  assert.match(await page.textContent('#assess-request-form .form-error'), /lead_assessor: no protective security advisor \(assessor\) named "nobody-at-all"/);
  await page.fill('#assess-request-lead', USERS.lead);
  await page.fill('#assess-request-title', `Stadium ${TS}`);
  await page.click('#assess-request');
  await page.waitForURL(/#\/assessments\/asm-/);
  assessmentId = page.url().match(/#\/assessments\/(asm-[0-9a-f]+)/)[1];
  await page.waitForSelector('#assess-title');
  assert.equal(await page.textContent('#assess-state'), 'requested');
  await signOut();
});

test('the lead assessor plans, surveys on a tablet, scores and writes findings', STEP, async () => {
  await signInAs(USERS.lead);
  await page.goto(`${BASE}/#/assessments/${assessmentId}/plan`);
  await page.waitForSelector('#plan-save');
  await page.selectOption('#plan-kind', 'event');
  await page.fill('#plan-event', 'Cup final');
  await page.fill('#plan-from', '2026-05-20');
  await page.fill('#plan-to', '2026-05-23');
  await page.check('#plan-team .assess-member:nth-child(1) input[value=explosives_detection]');
  await page.click('#plan-add-member');
  await page.fill('#plan-member-1', USERS.reviewer);
  await page.check('#plan-team .assess-member:nth-child(2) input[value=crisis_management]');
  await page.click('#plan-save');
  await page.waitForSelector('#survey-count');

  // The survey on a 768×1024 tablet: every answer is a large touch target.
  await page.setViewportSize({ width: 768, height: 1024 });
  const groups = page.locator('.assess-options');
  const n = await groups.count();
  assert.ok(n >= 50, `a full survey (${n} questions)`);
  const box = await groups.first().locator('.assess-option').first().boundingBox();
  assert.ok(box.height >= 44 && box.width >= 120, `touch target ${box.width}×${box.height}`);
  await page.fill('textarea[id^="note-"]', 'Gate 3 left open during the visit.');
  const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5d6e1e40000000049454e44ae426082', 'hex');
  await page.setInputFiles('input[type=file][id^="file-"]', { name: 'gate3.png', mimeType: 'image/png', buffer: png });
  await page.waitForSelector('.assess-files a:text("gate3.png")');
  for (let i = 0; i < n; i += 1) {
    await groups.nth(i).locator('.assess-option').first().click();
  }
  await page.waitForFunction((total) => document.getElementById('survey-count').textContent === `${total} of ${total} answered`, n);
  await page.waitForFunction(() => document.getElementById('survey-save-status').textContent === 'All changes saved', null, { timeout: 30_000 });
  await page.screenshot({ path: join(SHOTS, 'assessment-survey-768x1024.png') });
  await page.setViewportSize({ width: 1280, height: 800 });

  await page.click('#survey-to-scores');
  await page.waitForSelector('#score-run');
  await page.click('#score-run');
  await page.waitForSelector('#scores-table');
  assert.ok((await page.locator('#scores-table tbody tr').count()) >= 5);
  assert.ok((await page.locator('#assess-matrix .assess-dot').count()) >= 5);
  await page.screenshot({ path: join(SHOTS, 'assessment-scores.png'), fullPage: true });

  await page.click('#scores-to-findings');
  await page.waitForSelector('#findings-suggest');
  await page.click('#findings-suggest');
  await page.waitForSelector('#recommendations .rec-row');
  await page.fill('#findings-summary', 'Large match-day crowds gather outside the perimeter; vehicle approaches are open.');
  await page.fill('textarea[id^="finding-"]', 'Gate 3 has no hostile-vehicle barrier.');
  await page.click('#findings-save');
  await page.waitForSelector('#review-submit');
  await page.click('#review-submit');
  await page.waitForFunction(() => document.getElementById('assess-state')?.textContent === 'review');
  assert.equal(await page.isDisabled('#review-approve'), true, 'the author may not approve');
  await signOut();
});

test('a second assessor approves and issues; the PDF carries the TLP label on every page', STEP, async () => {
  await signInAs(USERS.reviewer);
  await page.goto(`${BASE}/#/assessments/${assessmentId}/review`);
  await page.waitForSelector('#review-approve:not([disabled])');
  await page.fill('#review-comment', 'Agreed.');
  await page.click('#review-approve');
  await page.waitForSelector('#review-approved');
  await page.click('#tab-report');
  await page.waitForSelector('#report-issue:not([disabled])');
  await page.click('#report-issue');
  await page.waitForFunction(() => document.getElementById('assess-state')?.textContent === 'issued');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#report-pdf')]);
  const file = await download.path();
  const pdf = readFileSync(file);
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const pages = pdfPageTexts(pdf);
  assert.ok(pages.length >= 3, `a report of several pages (${pages.length})`);
  pages.forEach((text, i) => assert.ok(text.includes('TLP:AMBER+STRICT'), `page ${i + 1} carries the TLP label: ${text.slice(0, 200)}`));
  assert.ok(pages.join(' ').includes('Gate 3 has no hostile-vehicle barrier.'));
  await page.click('#tab-trail');
  await page.waitForSelector('#trail-table');
  const actions = await page.locator('#trail-table tbody tr td:nth-child(3)').allTextContents();
  assert.deepEqual([actions[0], actions.at(-1)], ['request', 'issue']);
  await signOut();
});

test('a user of another organisation is told the assessment does not exist', STEP, async () => {
  await signInAs(USERS.outsider);
  await page.goto(`${BASE}/#/assessments/${assessmentId}`);
  await page.waitForSelector('#assess-error');
  assert.equal(await page.textContent('#assess-error'), `Assessment ${assessmentId} not found.`);
  await page.goto(`${BASE}/#/assessments`);
  await page.waitForSelector('#assess-list, #assess-list-empty');
  assert.equal(await page.locator(`a.assess-link[href$="${assessmentId}"]`).count(), 0);
  const pdf = await page.request.get(`${BASE}/api/v1/assessments/${assessmentId}/report.pdf`);
  assert.equal(pdf.status(), 404);
  assert.deepEqual(pageErrors, []);
});
