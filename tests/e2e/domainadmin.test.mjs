// domainadmin.test.mjs - the domain administrators' portal used as a
// person uses it: log in, add a user, give it an alias, import users from
// a CSV file with a bad row (the preview names its line; after the
// confirmation the good users are on the list), look at the statistics
// chart.
//
// The administrator is the instance's demo domain administrator; the
// users it makes carry a tag of this run, so runs do not meet.
//
// Environment (set by `tests/integration/run.py --e2e`):
//   MH_BASE_URL              e.g. http://127.0.0.1:8080
//   MH_DOMAINADMIN_LOGIN     the demo domain administrator
//   MH_DOMAINADMIN_PASSWORD  its password
//   MH_SCREENSHOT_DIR        where to save screenshots (default tests/e2e/screenshots)
//   MH_CHROMIUM              browser binary (default /usr/bin/chromium)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { env, openBrowser, login } from './browser.mjs';

const { baseUrl, adminLogin, adminPassword, screenshotDir } = env;
const B = `${baseUrl}/domainadmin`;
const tag = randomBytes(4).toString('hex');

// the submit button of the form posting to a path ending in SUFFIX
function submitButton(scope, suffix) {
  return scope.locator(`form[action$="${suffix}"]`)
    .locator('button:not([type="button"]):not([type="reset"]), input[type="submit"]')
    .first();
}

// click, and wait for the page the click leads to
async function clickAndLoad(page, locator) {
  await Promise.all([page.waitForNavigation({ timeout: 30000, waitUntil: 'load' }),
    locator.click()]);
}

let browser;

before(async () => {
  assert.ok(adminLogin && adminPassword,
    'MH_DOMAINADMIN_LOGIN and MH_DOMAINADMIN_PASSWORD are not set');
  browser = await openBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  if (browser) await browser.close();
});

test('a domain administrator adds a user, an alias, imports users, views statistics',
  { timeout: 180000 }, async () => {
    const { page, errors } = browser;

    // ---- log in
    await login(page, '/domainadmin', adminLogin, adminPassword);
    assert.match(await page.locator('#whoami').innerText(), new RegExp(adminLogin.replace('.', '\\.')));
    const domain = (await page.locator('#domain-name').innerText()).trim();
    assert.ok(domain, 'no domain on the overview');
    await page.screenshot({ path: join(screenshotDir, 'domainadmin-overview.png'), fullPage: true });

    // ---- add a user, its password made up and shown once
    await clickAndLoad(page, page.locator('nav a[href*="/users"]').first());
    await clickAndLoad(page, page.locator('#add-user'));
    const local = `e2e-${tag}`;
    await page.fill('#user-form input[name="local"]', local);
    await page.fill('#user-form input[name="name"]', 'E2E Person');
    await page.check('#user-form input[name="generate"]');
    await clickAndLoad(page, submitButton(page, '/users/new'));
    assert.equal(await page.locator('#generated-address').innerText(), `${local}@${domain}`);
    const password = (await page.locator('#generated-password').innerText()).trim();
    assert.ok(password.length >= 10, `generated password too short: ${password}`);
    await page.screenshot({ path: join(screenshotDir, 'domainadmin-user-created.png') });

    // ---- an alias for it, on its page
    await clickAndLoad(page, page.locator('#continue'));
    assert.equal(await page.locator('#user-address').innerText(), `${local}@${domain}`);
    await page.fill('#alias-form input[name="local"]', `alias-${tag}`);
    await clickAndLoad(page, page.locator('#alias-form button[type="submit"]'));
    await page.locator('#user-aliases').waitFor({ timeout: 15000 });
    assert.match(await page.locator('#user-aliases').innerText(),
      new RegExp(`alias-${tag}@`));
    await page.screenshot({ path: join(screenshotDir, 'domainadmin-user-alias.png'), fullPage: true });

    // ---- import users: two good rows and a bad one on line 4
    await page.goto(`${B}/users?d=${encodeURIComponent(domain)}`);
    await clickAndLoad(page, page.locator('#import-users'));
    const csv = [
      'Address,Display name,Password,Quota (MB),Status',
      `imp1-${tag},Imported One,,,active`,
      `imp2-${tag}@${domain},导入二,Imported-pass-2,20,disabled`,
      'not an address,Broken,,,',
      '',
    ].join('\r\n');
    await page.setInputFiles('#user-import-form input[type="file"]', {
      name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8'),
    });
    await clickAndLoad(page, submitButton(page, '/users/import'));
    const badRow = page.locator('#import-bad tr[data-line="4"]');
    await badRow.waitFor({ timeout: 15000 });
    assert.ok(await badRow.isVisible(), 'the bad row is not shown');
    assert.match(await badRow.innerText(), /^\s*4\s/);
    assert.match(await badRow.innerText(), /not a valid address/);
    assert.equal(await page.locator('#import-rows tbody tr').count(), 2);
    assert.equal(await page.locator('#import-count').innerText(), '2');
    await page.screenshot({ path: join(screenshotDir, 'domainadmin-import-preview.png'), fullPage: true });
    await clickAndLoad(page, page.locator('#import-confirm button[type="submit"]'));
    const made = page.locator(`#created tr[data-address="imp1-${tag}@${domain}"] code`);
    await made.waitFor({ timeout: 15000 });
    assert.ok((await made.innerText()).trim().length >= 10);
    const download = await page.locator('#passwords-csv').getAttribute('href');
    assert.ok(download.startsWith('data:text/csv'), `download link: ${download}`);
    await page.screenshot({ path: join(screenshotDir, 'domainadmin-import-done.png'), fullPage: true });
    await clickAndLoad(page, page.locator('#continue'));
    const list = await page.locator('#user-table').innerText();
    for (const who of [`imp1-${tag}@${domain}`, `imp2-${tag}@${domain}`, `${local}@${domain}`]) {
      assert.ok(list.includes(who), `${who} is not on the list`);
    }
    assert.ok(!list.includes('not an address'));
    await page.screenshot({ path: join(screenshotDir, 'domainadmin-users.png'), fullPage: true });

    // ---- statistics: the chart is drawn
    await clickAndLoad(page, page.locator('nav a[href*="/stats"]').first());
    const chart = page.locator('#chart svg');
    await chart.waitFor({ timeout: 15000 });
    assert.ok(await chart.isVisible(), 'the chart is not visible');
    const box = await chart.boundingBox();
    assert.ok(box && box.width > 200 && box.height > 50, `chart box ${JSON.stringify(box)}`);
    await page.screenshot({ path: join(screenshotDir, 'domainadmin-stats.png'), fullPage: true });

    assert.deepEqual(errors, [], `browser errors: ${errors.join('; ')}`);
  });
