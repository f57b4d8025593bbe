// browser.mjs - what the browser tests share: the instance's address and
// accounts from the environment (set by tests/integration/run.py --e2e),
// a headless Debian chromium whose requests to anywhere but loopback go
// to a proxy that is not there, a watch on script errors and failed
// requests of our pages, and the login form of a portal.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

export const env = {
  baseUrl: (process.env.MH_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, ''),
  smtpPort: Number(process.env.MH_SMTP_PORT || 0),
  alicePassword: process.env.MH_ALICE_PASSWORD,
  adminLogin: process.env.MH_DOMAINADMIN_LOGIN,
  adminPassword: process.env.MH_DOMAINADMIN_PASSWORD,
  screenshotDir: process.env.MH_SCREENSHOT_DIR || join(here, 'screenshots'),
  executablePath: process.env.MH_CHROMIUM || '/usr/bin/chromium',
};

export const ALICE = 'alice@example.test';
export const NAV = { timeout: 30000, waitUntil: 'load' };

// openBrowser - a browser with one page; errors collects the page's script
// errors, console errors and answers of 400 or more (favicon aside)
export async function openBrowser({ viewport = { width: 1280, height: 800 } } = {}) {
  mkdirSync(env.screenshotDir, { recursive: true });
  const userDataDir = mkdtempSync(join(tmpdir(), 'mailhive-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: env.executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      '--proxy-server=http://127.0.0.1:9', '--proxy-bypass-list=<-loopback>;127.0.0.1'],
    locale: 'en-US',
    viewport,
    timeout: 60000,
  });
  context.setDefaultTimeout(30000);
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    // failed loads are reported with their address below
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
      errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico'))
      errors.push(`${r.status()} ${r.url()}`);
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// login - sign in at the portal under base ('' for webmail,
// '/domainadmin', '/admin') and wait for the signed-in header
export async function login(page, base, user, password) {
  const resp = await page.goto(`${env.baseUrl}${base}/login`, NAV);
  assert.equal(resp.status(), 200, `GET ${base}/login: HTTP ${resp.status()}`);
  await page.fill('input[name="username"]', user);
  await page.fill('input[name="password"]', password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.endsWith('/login'), { timeout: 30000 }),
    page.locator(`form[action$="${base}/login"] button`).first().click(),
  ]);
  await page.locator('#whoami').waitFor({ timeout: 15000 });
}
