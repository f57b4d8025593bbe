// smtp.mjs - the SMTP client of the browser tests, for delivering their
// test mail to the instance.

import assert from 'node:assert/strict';
import net from 'node:net';

// an SMTP client just big enough for delivering test mail: one connection,
// one transaction per message, every reply code checked
export class Smtp {
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
