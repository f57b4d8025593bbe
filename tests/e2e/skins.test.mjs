// skins.test.mjs - the webmail skins in a real browser: alice picks each
// skin on the display settings page, and the mail list is shown in it
// (its style sheet loaded after mailhive.css and applied) and saved as a
// screenshot, skin-<name>.png. The skin is set back to the domain's
// default at the end.
//
// Environment: as for webmail.test.mjs (MH_BASE_URL, MH_SMTP_PORT,
// MH_ALICE_PASSWORD, MH_SCREENSHOT_DIR, MH_CHROMIUM).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { env, ALICE, NAV, openBrowser, login } from './browser.mjs';
import { Smtp } from './smtp.mjs';

const { baseUrl, smtpPort, screenshotDir } = env;
const SKINS = ['default', 'dark', 'compact'];
const tag = randomBytes(4).toString('hex');

let browser;
let page;

before(async () => {
  assert.ok(env.alicePassword, 'MH_ALICE_PASSWORD is not set');
  if (smtpPort > 0) {
    // a few messages, so that the list has rows to show
    const smtp = new Smtp('127.0.0.1', smtpPort);
    await smtp.open();
    for (let i = 1; i <= 3; i++) {
      await smtp.send('skins@outside.test', ALICE, [
        'From: Skin Tester <skins@outside.test>', `To: ${ALICE}`,
        `Subject: Skin sample ${i} ${tag}`, `Message-ID: <skin-${tag}-${i}@outside.test>`,
        'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '',
        `Hello ${i}.`, ''].join('\r\n'));
    }
    await smtp.close();
  }
  browser = await openBrowser();
  page = browser.page;
  await login(page, '', ALICE, env.alicePassword);
});

after(async () => {
  if (!browser) return;
  await browser.close();
  assert.deepEqual(browser.errors, [], 'errors in the pages');
});

// chooseSkin - pick skin ('' = the domain's) on the display page and save
async function chooseSkin(skin) {
  await page.goto(`${baseUrl}/settings/display`, NAV);
  await page.selectOption('select[name="skin"]', skin);
  await Promise.all([
    page.waitForURL((u) => u.searchParams.get('done') === '1'),
    page.locator('#display-form button[type="submit"]').click(),
  ]);
  assert.ok(await page.locator('#done').isVisible());
}

test('each skin shows the mail list in its own style', async () => {
  const backgrounds = new Set();
  for (const skin of SKINS) {
    await chooseSkin(skin);
    await page.goto(`${baseUrl}/mail`, NAV);
    const body = await page.getAttribute('body', 'class');
    assert.ok(body.split(' ').includes(`skin-${skin}`), body);
    const sheets = await page.$$eval('link[rel="stylesheet"]',
      (ls) => ls.map((l) => new URL(l.href).pathname));
    assert.deepEqual(sheets, ['/static/css/mailhive.css', `/static/css/skin-${skin}.css`]);
    const loaded = await page.evaluate(() => [...document.styleSheets]
      .filter((s) => s.href && s.cssRules.length > 0).length);
    assert.equal(loaded, 2, `${skin}: both style sheets applied`);
    if (smtpPort > 0)
      await page.locator('#messages tbody tr').first().waitFor();
    backgrounds.add(await page.evaluate(() =>
      `${getComputedStyle(document.body).backgroundColor} ${getComputedStyle(document.body).fontSize}`));
    await page.screenshot({ path: join(screenshotDir, `skin-${skin}.png`), fullPage: true });
  }
  assert.equal(backgrounds.size, SKINS.length, 'every skin looks different');
  await chooseSkin('');
});
