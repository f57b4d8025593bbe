// webmail.test.mjs - read hostile HTML mail in a real browser: nothing
// runs, nothing loads from outside; and the message list on a desktop and
// a phone screen.
//
// Mail is delivered to alice@example.test by SMTP to the instance's MX
// port; the HTML bodies are the DOMPurify test payloads of the shared
// corpus (../shared/corpus/xss-dompurify/payloads.json from the repo,
// read at test time; that part is skipped when the file is absent).
//
// Environment (set by `tests/integration/run.py --e2e`):
//   MH_BASE_URL        e.g. http://127.0.0.1:8080
//   MH_SMTP_PORT       the instance's SMTP (MX) port on 127.0.0.1
//   MH_ALICE_PASSWORD  password of alice@example.test
//   MH_SCREENSHOT_DIR  where to save screenshots (default tests/e2e/screenshots)
//   MH_CHROMIUM        browser binary (default /usr/bin/chromium)
//   MH_XSS_BATCH       payloads per message (default 10; 1 gives every
//                      payload a message of its own, so that none can hide
//                      the ones after it, at the cost of ~220 page loads)
//   MH_XSS_PAYLOADS    another payloads.json (same format)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const payloadFile = process.env.MH_XSS_PAYLOADS
  || resolve(repo, '..', 'shared', 'corpus', 'xss-dompurify', 'payloads.json');
const baseUrl = (process.env.MH_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const baseHost = new URL(baseUrl).host;
const smtpPort = Number(process.env.MH_SMTP_PORT || 0);
const alicePassword = process.env.MH_ALICE_PASSWORD;
const screenshotDir = process.env.MH_SCREENSHOT_DIR || join(here, 'screenshots');
const executablePath = process.env.MH_CHROMIUM || '/usr/bin/chromium';
const batchSize = Math.max(1, Number(process.env.MH_XSS_BATCH || 10));
const ALICE = 'alice@example.test';
const NAV = { timeout: 30000, waitUntil: 'load' };
// subjects carry a tag of this run: alice may have mail of earlier runs
const tag = randomBytes(4).toString('hex');

// ---- SMTP ------------------------------------------------------------

// an SMTP client just big enough for delivering test mail: one connection,
// one transaction per message, every reply code checked
class Smtp {
  constructor(host, port, timeoutMs = 30000) {
    this.host = host;
    this.port = port;
    this.timeoutMs = timeoutMs;
    this.buf = '';
    this.lines = [];
    this.waiter = null;
    this.error = null;
  }

  connect() {
    return new Promise((ok, fail) => {
      this.sock = net.connect({ host: this.host, port: this.port }, ok);
      this.sock.setEncoding('latin1');
      this.sock.setTimeout(this.timeoutMs, () =>
        this.sock.destroy(new Error(`SMTP: no answer in ${this.timeoutMs} ms`)));
      this.sock.on('data', (d) => { this.buf += d; this.pump(); });
      this.sock.on('error', (e) => { this.error = e; fail(e); this.pump(); });
      this.sock.on('close', () => {
        this.error = this.error || new Error('SMTP: connection closed');
        this.pump();
      });
    });
  }

  pump() {
    let i;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      this.lines.push(this.buf.slice(0, i).replace(/\r$/, ''));
      this.buf = this.buf.slice(i + 1);
    }
    if (!this.waiter) return;
    // a reply is done at its line "NNN text" (continuations are "NNN-text")
    const end = this.lines.findIndex((l) => /^\d{3}(?: |$)/.test(l));
    if (end >= 0) {
      const reply = this.lines.splice(0, end + 1);
      const w = this.waiter;
      this.waiter = null;
      w.ok({ code: Number(reply[end].slice(0, 3)), text: reply.join('\n') });
    } else if (this.error) {
      const w = this.waiter;
      this.waiter = null;
      w.fail(this.error);
    }
  }

  reply() {
    return new Promise((ok, fail) => { this.waiter = { ok, fail }; this.pump(); });
  }

  // send line (without CRLF) unless null, and expect a reply with code
  async cmd(line, code) {
    if (line !== null) this.sock.write(line + '\r\n', 'latin1');
    const r = await this.reply();
    assert.equal(r.code, code, `SMTP ${line === null ? 'greeting' : line}: ${r.text}`);
    return r;
  }

  async open() {
    await this.connect();
    await this.cmd(null, 220);
    await this.cmd('EHLO e2e.outside.test', 250);
  }

  // message: a string (UTF-8), any line endings
  async send(from, rcpt, message) {
    await this.cmd(`MAIL FROM:<${from}>`, 250);
    await this.cmd(`RCPT TO:<${rcpt}>`, 250);
    await this.cmd('DATA', 354);
    const body = message.replace(/\r?\n/g, '\r\n').replace(/\r\n$/, '')
      .split('\r\n').map((l) => (l.startsWith('.') ? '.' + l : l)).join('\r\n');
    this.sock.write(Buffer.from(body + '\r\n.\r\n', 'utf8'));
    await this.cmd(null, 250);
  }

  async close() {
    try {
      await this.cmd('QUIT', 221);
    } finally {
      this.sock.destroy();
    }
  }
}

function mail(subject, ctype, body, cte = '8bit') {
  return [
    'From: Outside Sender <x@outside.test>',
    `To: Alice <${ALICE}>`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(8).toString('hex')}@outside.test>`,
    'MIME-Version: 1.0',
    `Content-Type: ${ctype}`,
    `Content-Transfer-Encoding: ${cte}`,
    '',
    body,
  ].join('\r\n');
}

function base64Lines(s) {
  return Buffer.from(s, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
}

// ---- checks of a sanitized body ---------------------------------------

// problems of the text of /mail/body: first the checks on the raw text,
// then on the tree a browser builds from it, parsed inertly by DOMParser
// in page (a blank page: a DOMParser document takes the CSP of the page
// it is made in, which would report the inline styles it finds).
// Text and attribute values are escaped by the sanitizer, so hostile text
// shown as text (alt="&lt;img src=x onerror=...") is fine: the raw checks
// look at attribute names and URL attribute values inside tags.
async function bodyProblems(page, text) {
  const out = [];
  if (/<script/i.test(text)) out.push('contains "<script"');
  for (const [tag] of text.matchAll(/<[a-z][^>]*>/gi)) {
    const names = tag.replace(/"[^"]*"|'[^']*'/g, '""');
    const on = names.match(/[\s/"']on[a-z]+\s*=/i);
    if (on) out.push(`has an event handler attribute: ${tag.slice(0, 120)}`);
    for (const [, , v] of tag.matchAll(
      /\s(href|src|action|formaction|xlink:href|background|poster|data|srcset)\s*=\s*("[^"]*"|'[^']*'|[^\s>]*)/gi)) {
      if (/^["']?\s*(?:java|vb)script:/i.test(v)) out.push(`has a script URL: ${tag.slice(0, 120)}`);
    }
  }
  const tree = await page.evaluate((html) => {
    // hostile markup clobbers properties (<input name=attributes> in a
    // form, <img name=body>): read everything through the prototypes
    const get = (proto, prop) => Object.getOwnPropertyDescriptor(proto, prop).get;
    const localName = get(Element.prototype, 'localName');
    const textContent = get(Node.prototype, 'textContent');
    const names = Element.prototype.getAttributeNames;
    const attr = Element.prototype.getAttribute;
    const qsa = (root, sel) => [...(root instanceof Document ? Document : Element)
      .prototype.querySelectorAll.call(root, sel)];
    const bad = [];
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const body = get(Document.prototype, 'body').call(doc);
    const head = get(Document.prototype, 'head').call(doc);
    const forbidden = 'script,iframe,frame,frameset,object,embed,applet,form,input,button,'
      + 'textarea,select,svg,math,link,meta,base,portal,template,noscript';
    for (const el of qsa(body, forbidden)) bad.push(`<${localName.call(el)}> element`);
    for (const el of qsa(head, 'script,link,style,meta:not([charset])')) {
      bad.push(`<${localName.call(el)}> in head`);
    }
    for (const el of qsa(head, 'base[href]')) bad.push('<base href> in head');
    for (const el of qsa(doc, '*')) {
      const tag = localName.call(el);
      for (const n of names.call(el)) {
        const name = n.toLowerCase();
        const value = attr.call(el, n);
        const v = value.replace(/[\u0000-\u0020\u007f]+/g, '').toLowerCase();
        if (name.startsWith('on')) bad.push(`${tag}[${name}]`);
        if (name === 'style' && /url\s*\(|expression\s*\(|@import|\\/.test(v)) {
          bad.push(`${tag}[style=${JSON.stringify(value)}]`);
        }
        if (name === 'href' && !/^(?:https?:|mailto:|#)/.test(v)) {
          bad.push(`${tag}[href=${JSON.stringify(value)}]`);
        }
        if (['src', 'srcset', 'background', 'poster', 'data', 'action', 'formaction',
          'xlink:href', 'lowsrc', 'dynsrc', 'ping', 'codebase', 'archive'].includes(name)
          && !(name === 'src' && tag === 'img' && /^data:image\/(?:png|gif|jpeg);/.test(v))) {
          bad.push(`${tag}[${name}=${JSON.stringify(value.slice(0, 80))}]`);
        }
      }
    }
    for (const el of qsa(doc, 'style')) {
      if (/url\s*\(|@import|expression\s*\(/i.test(textContent.call(el))) {
        bad.push('<style> loading something');
      }
    }
    return bad;
  }, text);
  return out.concat(tree);
}

// ---- the browser -----------------------------------------------------

let userDataDir;
let context;
let mainPage;   // the pages of the webmail
let checker;    // about:blank, for parsing bodies
const foreign = [];     // requests to other hosts: [url, page url]
const dialogs = [];     // alert/confirm/prompt/beforeunload seen
const popups = [];      // pages opened by content
const violations = [];  // console messages of CSP and sandbox blocks

// promise, or a rejection after ms
function within(ms, promise, what) {
  let timer;
  return Promise.race([promise, new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: no result in ${ms} ms`)), ms);
  })]).finally(() => clearTimeout(timer));
}

function isOurs(url) {
  if (url.startsWith('data:') || url === 'about:blank' || url === 'about:srcdoc') return true;
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === baseHost;
  } catch {
    return false;
  }
}

function watch(page) {
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}(${JSON.stringify(d.message())}) on ${page.url()}`);
    d.dismiss().catch(() => {});
  });
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Blocked script execution|sandboxed|Refused to/i.test(t)) {
      violations.push(`${t} (in ${m.location()?.url || '?'} on ${page.url()})`);
    }
  });
  page.on('pageerror', (e) => violations.push(`script error ${e} (on ${page.url()})`));
  page.on('websocket', (ws) => foreign.push([`websocket ${ws.url()}`, page.url()]));
}

before(async () => {
  assert.ok(alicePassword, 'MH_ALICE_PASSWORD is not set');
  assert.ok(smtpPort > 0, 'MH_SMTP_PORT is not set');
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
  context.setDefaultTimeout(30000);
  context.setDefaultNavigationTimeout(30000);
  // every request of every page and frame, also of pages opened later
  context.on('request', (r) => {
    if (isOurs(r.url())) return;
    let from = '?';
    try { from = r.frame().url(); } catch { /* a worker's request */ }
    foreign.push([r.url(), from]);
  });
  // pages opened by content (our own pages have no opener)
  context.on('page', async (p) => {
    if (await p.opener()) {
      popups.push(p.url());
      watch(p);
    }
  });
  mainPage = context.pages()[0] || await context.newPage();
  watch(mainPage);
  checker = await context.newPage();
  watch(checker);
});

after(async () => {
  if (context) await context.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

// the submit button of the form posting to a path ending in SUFFIX
function submitButton(page, suffix) {
  return page.locator(`form[action$="${suffix}"]`)
    .locator('button:not([type="button"]):not([type="reset"]), input[type="submit"]')
    .first();
}

async function login(page) {
  const resp = await page.goto(`${baseUrl}/login`, NAV);
  assert.equal(resp.status(), 200, `GET /login: HTTP ${resp.status()}`);
  await page.fill('input[name="username"]', ALICE);
  await page.fill('input[name="password"]', alicePassword);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.endsWith('/login'), { timeout: 30000 }),
    submitButton(page, '/login').click(),
  ]);
  await page.locator('#whoami').waitFor({ timeout: 15000 });
}

// {subject: uid} of the rows of the INBOX whose subject is in wanted,
// looking through the newest pages of the list until all are there
async function findUids(page, wanted, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = {};
    for (let p = 1; p <= 20; p++) {
      const resp = await page.goto(
        `${baseUrl}/mail?f=INBOX&sort=date&order=desc&n=100&page=${p}`, NAV);
      assert.equal(resp.status(), 200, `GET /mail: HTTP ${resp.status()}`);
      const rows = await page.$$eval('#messages tbody tr[data-uid]', (trs) => trs.map((tr) => ({
        uid: tr.dataset.uid,
        subject: tr.querySelector('td.subject a')?.textContent.trim(),
        href: tr.querySelector('td.subject a')?.getAttribute('href'),
        unread: tr.classList.contains('unread'),
      })));
      for (const r of rows) if (wanted.includes(r.subject)) found[r.subject] = r;
      if (wanted.every((s) => s in found)) return found;
      const last = await page.$$eval('nav.pager a', (as) => as.length === 0
        || as.some((a) => a.getAttribute('aria-current') === 'page'
          && a === as[as.length - 1]));
      if (rows.length < 100 || last) break;
    }
    if (Date.now() > deadline) {
      assert.fail(`only ${Object.keys(found).length} of ${wanted.length} messages are in the list`);
    }
    await new Promise((ok) => setTimeout(ok, 500));
  }
}

function payloads() {
  if (!existsSync(payloadFile)) return null;
  const list = JSON.parse(readFileSync(payloadFile, 'utf8'));
  assert.ok(Array.isArray(list) && list.length > 0, `${payloadFile}: no payloads`);
  return list.map((x) => x.payload);
}
const corpus = payloads();
// the HTML messages: {subject: "xss NN [e2e-TAG]", payloads}
const xss = [];
const digits = Math.max(2, String(Math.ceil((corpus?.length ?? 0) / batchSize)).length);
for (let i = 0; corpus && i < corpus.length; i += batchSize) {
  const n = String(xss.length + 1).padStart(digits, '0');
  xss.push({ subject: `xss ${n} [e2e-${tag}]`, payloads: corpus.slice(i, i + batchSize) });
}
const plainSubject = `plain script [e2e-${tag}]`;
const plainBody = 'Text that looks like markup:\n<script>window.__pwned=1</script>\n'
  + '.a line with one leading dot\n..and one with two\n.\nend\n';
let rows = null;        // {subject: {uid, href, ...}} of the delivered mail

// what the listeners saw since the last call, as problems
function browserProblems() {
  const out = [];
  for (const d of dialogs.splice(0)) out.push(`dialog: ${d}`);
  for (const [u, from] of foreign.splice(0)) out.push(`request to another host: ${u} (from ${from})`);
  for (const p of popups.splice(0)) out.push(`a page was opened: ${p}`);
  for (const v of violations.splice(0)) out.push(`blocked by the browser: ${v}`);
  return out;
}

function verdict(problems) {
  assert.deepEqual(problems, [], `${problems.length} problems:\n  ${problems.join('\n  ')}`);
}

test('mail delivered by SMTP shows in the list, on a desktop and a phone screen',
  { timeout: 120000 }, async (t) => {
    const t0 = Date.now();
    const smtp = new Smtp('127.0.0.1', smtpPort);
    await smtp.open();
    for (const m of xss) {
      await smtp.send('x@outside.test', ALICE, mail(m.subject, 'text/html; charset=utf-8',
        base64Lines(m.payloads.join('\n<hr>\n')), 'base64'));
    }
    await smtp.send('x@outside.test', ALICE, mail(plainSubject, 'text/plain; charset=utf-8', plainBody));
    await smtp.close();
    t.diagnostic(`delivered ${xss.length} HTML messages (${corpus ? corpus.length : 0} payloads) `
      + `and 1 text message in ${Date.now() - t0} ms`);

    const page = mainPage;
    await login(page);
    const wanted = [plainSubject, ...xss.map((m) => m.subject)];
    rows = await findUids(page, wanted);
    for (const s of wanted) {
      assert.match(rows[s].href, /\/mail\/read\?f=INBOX&uid=\d+$/, `link of ${s}`);
      assert.ok(rows[s].unread, `${s} is not shown as unread`);
    }
    await page.goto(`${baseUrl}/mail?f=INBOX`, NAV);
    const total = Number((await page.locator('#total').innerText()).trim());
    assert.ok(total >= wanted.length, `#total is ${total}, fewer than the ${wanted.length} delivered`);
    await page.screenshot({ path: join(screenshotDir, 'webmail-list.png'), fullPage: true });

    await page.setViewportSize({ width: 375, height: 812 });
    let wide;
    try {
      await page.goto(`${baseUrl}/mail?f=INBOX`, NAV);
      await page.screenshot({ path: join(screenshotDir, 'webmail-list-phone.png') });
      wide = await page.evaluate(() => {
        const name = (el) => `${el.localName}${el.id ? '#' + el.id : ''}`
          + (typeof el.className === 'string' && el.className.trim()
            ? '.' + el.className.trim().split(/\s+/).join('.') : '');
        const right = (el) => Math.round(el.getBoundingClientRect().right);
        return {
          sw: document.documentElement.scrollWidth,
          // the elements that stick out of a parent that fits
          out: [...document.body.querySelectorAll('*')]
            .filter((el) => right(el) > 376 && el.parentElement && right(el.parentElement) <= 376)
            .slice(0, 8)
            .map((el) => `${name(el)} (right ${right(el)}, in ${name(el.parentElement)} `
              + `ending at ${right(el.parentElement)})`),
        };
      });
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    const problems = browserProblems();
    if (wide.sw > 376) {
      problems.push(`the list at 375 px scrolls sideways: scrollWidth ${wide.sw}; `
        + `sticking out: ${wide.out.join(', ')}`);
    }
    verdict(problems);
  });

test('a text message with markup in it shows the markup as text', { timeout: 60000 }, async () => {
  assert.ok(rows, 'the messages were not delivered');
  const page = mainPage;
  const resp = await page.goto(new URL(rows[plainSubject].href, baseUrl).href, NAV);
  assert.equal(resp.status(), 200, `reading ${plainSubject}: HTTP ${resp.status()}`);
  assert.equal(await page.locator('#htmlbody').count(), 0, 'a text message shown in a frame');
  const pre = await page.locator('#textbody').innerText();
  assert.ok(pre.includes('<script>window.__pwned=1</script>'), `text body: ${JSON.stringify(pre)}`);
  assert.ok(pre.includes('\n.a line with one leading dot\n..and one with two\n.\nend'),
    `dot-stuffed lines came back wrong: ${JSON.stringify(pre)}`);
  assert.equal(await page.locator('script:not([src])').count(), 0, 'an inline script on the reading page');
  assert.equal(await page.evaluate(() => typeof window.__pwned), 'undefined', 'the text body ran');
  await page.screenshot({ path: join(screenshotDir, 'webmail-read.png'), fullPage: true });
  // our own script runs under the page's CSP: the print button shows, and
  // "u" goes back to the list
  assert.ok(await page.locator('#print').isVisible(), 'webmail.js did not run');
  await Promise.all([
    page.waitForURL((u) => u.pathname.endsWith('/mail'), { timeout: 15000 }),
    page.keyboard.press('u'),
  ]);
  verdict(browserProblems());
});

test('hostile HTML mail: nothing runs, nothing loads from outside', {
  // a reading page and its body take about a second on a sanitizer build
  timeout: Math.max(300000, 60000 + 1500 * xss.length),
  skip: corpus ? false : `${payloadFile} is absent: no hostile HTML to read`,
}, async (t) => {
  assert.ok(rows, 'the messages were not delivered');
  const t0 = Date.now();
  const page = mainPage;
  const problems = [];
  let shot = { url: null, length: -1 };   // the message with the most to show
  for (const m of xss) {
    const readUrl = new URL(rows[m.subject].href, baseUrl).href;
    const resp = await page.goto(readUrl, NAV);
    if (resp.status() !== 200) {
      problems.push(`${m.subject}: reading page HTTP ${resp.status()}`);
      continue;
    }
    const frameEl = page.locator('iframe#htmlbody');
    if (await frameEl.count() !== 1) {
      problems.push(`${m.subject}: no iframe#htmlbody on the reading page`);
      continue;
    }
    const sandbox = await frameEl.getAttribute('sandbox');
    const tokens = (sandbox ?? '').toLowerCase().split(/\s+/);
    if (sandbox === null || tokens.includes('allow-scripts') || tokens.includes('allow-same-origin')) {
      problems.push(`${m.subject}: iframe sandbox is ${JSON.stringify(sandbox)}`);
    }
    const src = await frameEl.getAttribute('src');
    const bodyUrl = new URL(src, readUrl);
    if (bodyUrl.host !== baseHost || bodyUrl.pathname !== '/mail/body') {
      problems.push(`${m.subject}: iframe src is ${src}`);
      continue;
    }
    const frame = await (await frameEl.elementHandle()).contentFrame();
    await frame.waitForLoadState('load', { timeout: 30000 });
    const top = await page.evaluate(() => ({
      pwned: typeof window.__pwned,
      // the frame is an origin of its own: the page cannot look inside
      reachable: (() => {
        try { return document.getElementById('htmlbody').contentDocument !== null; } catch { return false; }
      })(),
    }));
    if (top.pwned !== 'undefined') problems.push(`${m.subject}: window.__pwned is set`);
    if (top.reachable) problems.push(`${m.subject}: the page can reach the frame's document`);
    // the frame's live tree, seen from the browser's side (alert() in a
    // frame without allow-modals fires no dialog event, only a console
    // message: these checks and the console listener catch what ran)
    const live = await within(10000, frame.evaluate(() => {
      const all = [...Document.prototype.querySelectorAll.call(document, '*')];
      const localName = Object.getOwnPropertyDescriptor(Element.prototype, 'localName').get;
      return {
        scripts: all.filter((el) => localName.call(el) === 'script').length,
        handlers: all.flatMap((el) => Element.prototype.getAttributeNames.call(el)
          .filter((n) => /^on/i.test(n)).map((n) => `${localName.call(el)}[${n}]`)),
        pwned: typeof window.__pwned,
      };
    }), 'looking into the frame').catch((e) => ({ error: String(e) }));
    if (live.error) {
      problems.push(`${m.subject}: cannot look into the frame: ${live.error}`);
    } else {
      if (live.scripts) problems.push(`${m.subject}: ${live.scripts} <script> in the frame`);
      if (live.handlers.length) problems.push(`${m.subject}: handlers in the frame: ${live.handlers.join(' ')}`);
      if (live.pwned !== 'undefined') problems.push(`${m.subject}: window.__pwned is set in the frame`);
    }
    // the body as served (the request carries the session cookie)
    const body = await page.request.get(bodyUrl.href, { timeout: 30000 });
    if (body.status() !== 200) {
      problems.push(`${m.subject}: /mail/body HTTP ${body.status()}`);
      continue;
    }
    const csp = body.headers()['content-security-policy'] ?? '';
    if (!/(^|;)\s*sandbox\s*(;|$)/.test(csp) || !/default-src 'none'/.test(csp)) {
      problems.push(`${m.subject}: /mail/body CSP is ${JSON.stringify(csp)}`);
    }
    const text = await body.text();
    for (const p of await bodyProblems(checker, text)) {
      problems.push(`${m.subject}: sanitized body ${p}`);
    }
    if (text.length > shot.length) shot = { url: readUrl, length: text.length };
  }
  if (shot.url) {
    await page.goto(shot.url, NAV);
    await page.screenshot({ path: join(screenshotDir, 'webmail-read.png'), fullPage: true });
  }
  // late events of the last page
  await page.waitForTimeout(500);
  t.diagnostic(`read ${xss.length} messages (${corpus.length} payloads) in ${Date.now() - t0} ms`);
  verdict(problems.concat(browserProblems()));
});
