// login.test.mjs - log in to webmail in a real browser, look at the home
// page, log out.
//
// Environment (set by `tests/integration/run.py --e2e`, which starts a
// private instance for this):
//   MH_BASE_URL        e.g. http://127.0.0.1:8080 (no trailing slash needed)
//   MH_ALICE_PASSWORD  password of alice@example.test
//   MH_SCREENSHOT_DIR  where to save screenshots (default tests/e2e/screenshots)
//   MH_CHROMIUM        browser binary (default /usr/bin/chromium)
//
// Runs Debian's chromium through playwright-core (no browser download).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const baseUrl = (process.env.MH_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const alicePassword = process.env.MH_ALICE_PASSWORD;
const screenshotDir = process.env.MH_SCREENSHOT_DIR || join(here, 'screenshots');
const executablePath = process.env.MH_CHROMIUM || '/usr/bin/chromium';

// the submit button of the form posting to a path ending in SUFFIX
function submitButton(page, suffix) {
  return page.locator(`form[action$="${suffix}"]`)
    .locator('button:not([type="button"]):not([type="reset"]), input[type="submit"]')
    .first();
}

let userDataDir;
let context;

before(async () => {
  assert.ok(alicePassword, 'MH_ALICE_PASSWORD is not set');
  mkdirSync(screenshotDir, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'mailhive-e2e-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    locale: 'en-US',
    viewport: { width: 1280, height: 800 },
    timeout: 60000,
  });
});

after(async () => {
  if (context) await context.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

test('alice logs in to webmail and out again', { timeout: 120000 }, async () => {
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // JavaScript errors and CSP violations count; a missing favicon does not
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      errors.push(m.text());
    }
  });

  let resp = await page.goto(`${baseUrl}/login`);
  assert.equal(resp.status(), 200, `GET /login: HTTP ${resp.status()}`);
  await page.fill('input[name="username"]', 'alice@example.test');
  await page.fill('input[name="password"]', alicePassword);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.endsWith('/login'), { timeout: 30000 }),
    submitButton(page, '/login').click(),
  ]);

  const whoami = page.locator('#whoami');
  await whoami.waitFor({ timeout: 15000 });
  assert.match(await whoami.innerText(), /alice@example\.test/);
  assert.equal(new URL(page.url()).pathname, '/');
  await page.screenshot({ path: join(screenshotDir, 'webmail-home.png'), fullPage: true });

  await Promise.all([
    page.waitForURL((u) => u.pathname.endsWith('/login'), { timeout: 30000 }),
    submitButton(page, '/logout').click(),
  ]);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.ok(await page.locator('input[name="password"]').isVisible(),
    'the login form is not shown after logout');
  await page.screenshot({ path: join(screenshotDir, 'webmail-after-logout.png') });

  // the old session is gone: the home page sends us back to the login form
  resp = await page.goto(`${baseUrl}/`);
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.deepEqual(errors, [], `browser errors: ${errors.join('; ')}`);
});
