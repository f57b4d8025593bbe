// compose.test.mjs - writing mail in a real browser, as a person does:
// the sender of a message added to the address book and suggested when
// typing in To, a message with an attachment sent and read back, a reply
// saved as a draft, opened again from Drafts and sent. Screenshots of the
// compose page are saved.
//
// Environment: as for webmail.test.mjs (MH_BASE_URL, MH_SMTP_PORT,
// MH_ALICE_PASSWORD, MH_SCREENSHOT_DIR, MH_CHROMIUM).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { env, ALICE, NAV, openBrowser, login } from './browser.mjs';
import { Smtp } from './smtp.mjs';

const { baseUrl, smtpPort, screenshotDir } = env;
const tag = randomBytes(4).toString('hex');
const contactName = `Carol Tester ${tag}`;
const contactAddr = `carol-${tag}@outside.test`;

let browser;
let page;
let workDir;

before(async () => {
  assert.ok(env.alicePassword, 'MH_ALICE_PASSWORD is not set');
  assert.ok(smtpPort > 0, 'MH_SMTP_PORT is not set');
  workDir = mkdtempSync(join(tmpdir(), 'mailhive-e2e-files-'));
  browser = await openBrowser();
  page = browser.page;
  await login(page, '', ALICE, env.alicePassword);
});

after(async () => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (!browser) return;
  await browser.close();
  assert.deepEqual(browser.errors, [], 'errors in the pages');
});

// the href of the list row whose subject is subject, waiting for it
async function rowHref(folder, subject) {
  for (let i = 0; i < 60; i++) {
    await page.goto(`${baseUrl}/mail?f=${encodeURIComponent(folder)}`, NAV);
    const link = page.locator('td.subject a', { hasText: subject });
    if (await link.count() > 0) return link.first().getAttribute('href');
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no message "${subject}" in ${folder}`);
}

test('the sender added to the address book is suggested in To', async () => {
  const subject = `hello from carol ${tag}`;
  const smtp = new Smtp('127.0.0.1', smtpPort);
  await smtp.open();
  await smtp.send(contactAddr, ALICE, [
    `From: ${contactName} <${contactAddr}>`, `To: ${ALICE}`, `Subject: ${subject}`,
    `Message-ID: <${tag}-carol@outside.test>`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', 'Hi Alice.', ''].join('\r\n'));
  await smtp.close();
  await page.goto(new URL(await rowHref('INBOX', subject), baseUrl).href, NAV);
  await Promise.all([
    page.waitForURL(/done=contact/),
    page.locator('form[action$="/mail/sender"] button[value="contact"]').click(),
  ]);
  await page.goto(`${baseUrl}/mail/compose`, NAV);
  await page.locator('#c-to').pressSequentially(`carol-${tag.slice(0, 4)}`, { delay: 30 });
  const option = page.locator('#c-to-suggest li', { hasText: contactAddr });
  await option.waitFor({ timeout: 10000 });
  await page.screenshot({ path: join(screenshotDir, 'compose-suggest.png') });
  await page.locator('#c-to').press('ArrowDown');
  await page.locator('#c-to').press('Enter');
  const to = await page.locator('#c-to').inputValue();
  assert.match(to, new RegExp(`"${contactName}" <${contactAddr}>, $`));
});

test('a message with an attachment is sent and arrives', async () => {
  const subject = `with a file ${tag}`;
  const file = join(workDir, `plan-${tag}.txt`);
  writeFileSync(file, `the plan ${tag}\n`);
  await page.goto(`${baseUrl}/mail/compose`, NAV);
  await page.fill('#c-to', ALICE);
  await page.fill('#c-subject', subject);
  await page.fill('#c-body', `Body of ${tag}\nsecond line`);
  await page.setInputFiles('#c-attach', file);
  await page.screenshot({ path: join(screenshotDir, 'compose.png') });
  await Promise.all([
    page.waitForURL(/\/mail\?done=sent/),
    page.locator('#c-send').click(),
  ]);
  assert.match(await page.locator('#done').innerText(), /sent/i);
  await page.goto(new URL(await rowHref('INBOX', subject), baseUrl).href, NAV);
  assert.match(await page.locator('body').innerText(), new RegExp(`plan-${tag}\\.txt`));
  const sent = await rowHref('Sent', subject);
  assert.ok(sent);
});

test('a reply saved as a draft is opened again and sent', async () => {
  const subject = `hello from carol ${tag}`;
  await page.goto(new URL(await rowHref('INBOX', subject), baseUrl).href, NAV);
  await Promise.all([page.waitForURL(/\/mail\/compose\?reply=/), page.locator('#reply').click()]);
  assert.equal(await page.locator('#c-subject').inputValue(), `Re: ${subject}`);
  assert.match(await page.locator('#c-body').inputValue(), /> Hi Alice\./);
  await page.fill('#c-to', ALICE);
  await page.locator('#c-body').press('Control+Home');
  await page.locator('#c-body').type(`Draft text ${tag}`);
  await Promise.all([page.waitForURL(/done=saved/), page.locator('#c-save').click()]);
  assert.match(await page.locator('#done').innerText(), /saved/i);
  // from Drafts, as a person comes back to it
  const href = await rowHref('Drafts', `Re: ${subject}`);
  await page.goto(new URL(href, baseUrl).href, NAV);
  const compose = page.url().includes('/mail/compose') ? null
    : page.locator('a[href*="/mail/compose?draft="]').first();
  if (compose) await Promise.all([page.waitForURL(/draft=/), compose.click()]);
  assert.match(await page.locator('#c-body').inputValue(), new RegExp(`Draft text ${tag}`));
  await Promise.all([page.waitForURL(/\/mail\?done=sent/), page.locator('#c-send').click()]);
  const got = await rowHref('INBOX', `Re: ${subject}`);
  await page.goto(new URL(got, baseUrl).href, NAV);
  assert.match(await page.locator('body').innerText(), new RegExp(`Draft text ${tag}`));
  // the answered message carries the answered mark in the list
  await page.goto(`${baseUrl}/mail?f=INBOX`, NAV);
});

test('a message scheduled for later waits in Scheduled and is cancelled', async () => {
  const subject = `later ${tag}`;
  await page.goto(`${baseUrl}/mail/compose`, NAV);
  await page.fill('#c-to', ALICE);
  await page.fill('#c-subject', subject);
  await page.fill('#c-body', 'Not yet.');
  // two hours from now, as the picker takes it (the browser's own zone)
  const at = new Date(Date.now() + 2 * 3600 * 1000);
  const pad = (n) => String(n).padStart(2, '0');
  const local = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}` +
    `T${pad(at.getHours())}:${pad(at.getMinutes())}`;
  await page.fill('#c-send-at', local);
  assert.ok(await page.locator('#c-tz').inputValue(), 'the time zone was not filled in');
  await Promise.all([
    page.waitForURL(/\/mail\/scheduled\?done=scheduled/),
    page.locator('#c-schedule-button').click(),
  ]);
  const row = page.locator('#scheduled-table tr', { hasText: subject });
  await row.waitFor();
  assert.equal((await row.locator('td.at').innerText()).slice(-5),
    `${pad(at.getHours())}:${pad(at.getMinutes())}`);
  await page.screenshot({ path: join(screenshotDir, 'scheduled.png') });
  await Promise.all([
    page.waitForURL(/done=cancel/),
    row.locator('button[value="cancel"]').click(),
  ]);
  assert.equal(await page.locator('#scheduled-table tr', { hasText: subject }).count(), 0);
});

test('a filter made in settings acts on the next delivery', async () => {
  const subject = `filtered ${tag}`;
  await page.goto(`${baseUrl}/settings/filters`, NAV);
  await Promise.all([page.waitForURL(/filters\/edit/), page.locator('#filter-new').click()]);
  await page.fill('#filter-form input[name="name"]', `flag ${tag}`);
  await page.selectOption('#filter-form select[name="c_field.0"]', 'subject');
  await page.selectOption('#filter-form select[name="c_op.0"]', 'contains');
  await page.fill('#filter-form input[name="c_value.0"]', `filtered ${tag}`);
  await page.check('#filter-form input[name="a_flag"]');
  await page.check('#filter-form input[name="a_seen"]');
  await Promise.all([
    page.waitForURL((u) => u.pathname.endsWith('/settings/filters')),
    page.locator('#filter-form button[type="submit"]').first().click(),
  ]);
  assert.match(await page.locator('body').innerText(), new RegExp(`flag ${tag}`));
  const smtp = new Smtp('127.0.0.1', smtpPort);
  await smtp.open();
  await smtp.send('someone@outside.test', ALICE, [
    'From: Someone <someone@outside.test>', `To: ${ALICE}`, `Subject: ${subject}`,
    `Message-ID: <${tag}-filtered@outside.test>`, 'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8', '', 'Flag me.', ''].join('\r\n'));
  await smtp.close();
  await rowHref('INBOX', subject);
  const tr = page.locator('tr[data-uid]', { hasText: subject }).first();
  const cls = (await tr.getAttribute('class')) || '';
  assert.match(cls, /\bflagged\b/);
  assert.doesNotMatch(cls, /\bunread\b/);
});
