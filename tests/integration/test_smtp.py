"""test_smtp.py - the SMTP service of mailhived over real sockets.

Ports of the test instance: inst.smtp_port (MX, port 25 role),
inst.submission_port (587 role, AUTH, STARTTLS) and inst.smtps_port (465
role, implicit TLS). Every connection gets a loopback source address of its
own (harness.next_source_address), so the per-address connection and login
limits of one test do not touch another; tests where state matters use
users (and domains) of their own, made with mailhivectl.

What is checked, in the order of the classes below (unittest runs them
by name; the last two sort last on purpose):
  Data: long lines, bare CR / bare LF / NUL, SIZE=, dot-stuffing.
  Limits: 1000 recipients, Received: loop, connections per address.
  Mx: greeting, EHLO keywords, delivery into the INBOX with the parsed
      metadata, the blob file and its refcount, mail_events; one blob for
      three recipients; null sender, DSN/SMTPUTF8 parameters.
  Pipelining; Recipient: unknown user (550 5.1.1), <Postmaster>, the relay
      matrix of an unauthenticated client (refused at RCPT, nothing stored).
  Routing: alias, catch-all, block list (reject, discard, case), quota,
      forward to a local user.
  Smtps; Smuggling: ten end-of-data look-alikes, nothing smuggled.
  StartTls: command injection, EHLO again after TLS.
  Submission: AUTH PLAIN / LOGIN, sender ownership, Message-ID and Date
      added, the AUTH failure limit.
  ZyOutbound: a remote recipient of an authenticated user is queued (the
      queue service then works on it, so it runs after the tests that
      compare global row counts).
  ZzDurability (restarts mailhived): kill -9 while mail is flowing; every
      message that got "250" is in the database with its blob file.

The replies asserted are those of RFC 5321 (with RFC 3463 enhanced codes),
RFC 1870 (SIZE), RFC 2920 (PIPELINING), RFC 3207 (STARTTLS) and RFC 4954
(AUTH). Only the Python standard library is used.
"""

import base64
import concurrent.futures
import hashlib
import itertools
import json
import os
import re
import secrets
import select
import signal
import socket
import ssl
import subprocess
import threading
import time
import unittest

import harness
from harness import sql_literal

QUEUED = re.compile(r"^250 2\.0\.0 Ok: queued as (\S+)$")
_seq = itertools.count(1)


# ==== client ================================================================

class Reply:
    """One SMTP reply: code (int) and its lines (text after the code)."""

    def __init__(self, lines):
        self.raw = lines                    # full lines, "250-PIPELINING"
        self.code = int(lines[-1][:3])
        self.lines = [ln[4:] for ln in lines]

    @property
    def last(self):
        return self.raw[-1]

    def __repr__(self):
        return "<Reply %r>" % (self.raw,)


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class SmtpClosed(Exception):
    pass


class Smtp:
    """A raw SMTP client: bytes out, replies in, nothing interpreted."""

    def __init__(self, port, src=None, implicit_tls=False, timeout=15):
        self.src = src or harness.next_source_address()
        self.timeout = timeout
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                       source_address=(self.src, 0))
        self.sock = raw
        if implicit_tls:
            self.sock = tls_context().wrap_socket(raw)
        self.buf = b""

    # ---- bytes ----

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        try:
            b = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError, BrokenPipeError) as e:
            raise SmtpClosed(str(e))
        if not b:
            raise SmtpClosed("connection closed by the server")
        self.buf += b

    def read_line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line.decode("utf-8", errors="replace")

    def reply(self):
        lines = []
        while True:
            line = self.read_line()
            if not re.match(r"^\d{3}([ -]|$)", line):
                raise AssertionError("not an SMTP reply line: %r (so far %r)" % (line, lines))
            lines.append(line)
            if len(line) == 3 or line[3] == " ":
                return Reply(lines)

    def replies(self, n):
        return [self.reply() for _ in range(n)]

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def replies_until(self, code, limit=5000):
        """Read replies up to and including the first with CODE; on a
        closed connection or a timeout, return what was read (the caller's
        assertion then fails with it)."""
        out = []
        try:
            while len(out) < limit:
                r = self.reply()
                out.append(r)
                if r.code == code:
                    break
        except (SmtpClosed, socket.timeout) as e:
            out.append(e)
        return out

    def is_eof(self, wait=2.0):
        """True when the server closed the connection (within WAIT)."""
        self.sock.settimeout(wait)
        try:
            while True:
                b = self.sock.recv(65536)
                if not b:
                    return True
                self.buf += b
        except socket.timeout:
            return False
        except (ConnectionResetError, ssl.SSLError, OSError):
            return True
        finally:
            try:
                self.sock.settimeout(self.timeout)
            except OSError:
                pass

    # ---- conversation ----

    def greeting(self):
        return self.reply()

    def ehlo(self, name="client.ext.test"):
        r = self.cmd("EHLO " + name)
        assert r.code == 250, r
        return r

    def starttls(self):
        r = self.cmd("STARTTLS")
        assert r.code == 220, r
        assert self.buf == b"", "plaintext after the 220 to STARTTLS: %r" % self.buf
        self.sock = tls_context().wrap_socket(self.sock)

    def auth_plain(self, login, password, initial=True):
        token = base64.b64encode(b"\0" + login.encode() + b"\0" + password.encode()).decode()
        if initial:
            return self.cmd("AUTH PLAIN " + token)
        r = self.cmd("AUTH PLAIN")
        if r.code != 334:
            return r
        return self.cmd(token)

    def auth_login(self, login, password):
        r = self.cmd("AUTH LOGIN")
        if r.code != 334:
            return r
        assert r.lines[0] == "VXNlcm5hbWU6", r
        r = self.cmd(base64.b64encode(login.encode()).decode())
        if r.code != 334:
            return r
        assert r.lines[0] == "UGFzc3dvcmQ6", r
        return self.cmd(base64.b64encode(password.encode()).decode())

    def transaction(self, sender, rcpts, message):
        """MAIL, RCPTs, DATA and the message (bytes or str, CRLF lines,
        without the terminator; dot-stuffed here). Returns the list of
        replies; stops at the first refused step."""
        out = [self.cmd("MAIL FROM:<%s>" % sender)]
        if out[-1].code != 250:
            return out
        for r in rcpts:
            out.append(self.cmd("RCPT TO:<%s>" % r))
        if not any(x.code == 250 for x in out[1:]):
            return out
        out.append(self.cmd("DATA"))
        if out[-1].code != 354:
            return out
        self.send(with_terminator(message))
        out.append(self.reply())
        return out

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def dot_stuff(message):
    if isinstance(message, str):
        message = message.encode()
    lines = message.split(b"\r\n")
    return b"\r\n".join((b"." + ln) if ln.startswith(b".") else ln for ln in lines)


def with_terminator(message):
    """MESSAGE dot-stuffed, with the end-of-data line. A message that ends
    in CRLF gets only ".\r\n" (that CRLF is part of the terminator)."""
    data = dot_stuff(message)
    return data + (b".\r\n" if data.endswith(b"\r\n") else b"\r\n.\r\n")


def simple_message(subject, body="Hello.", sender="sender@ext.test"):
    return ("From: %s\r\nTo: someone@example.test\r\nSubject: %s\r\n\r\n%s"
            % (sender, subject, body))


# ==== database helpers =======================================================

class User:
    def __init__(self, addr, password, uid):
        self.addr = addr
        self.password = password
        self.id = uid

    def __repr__(self):
        return "<User %s>" % self.addr


def new_domain(inst, tag):
    name = "%s-%d-%s.test" % (tag, next(_seq), secrets.token_hex(3))
    r = inst.ctl("domain", "add", name)
    if r.rc != 0:
        raise AssertionError("could not add the test domain: %r" % r)
    did = int(inst.psql_value("SELECT id FROM domains WHERE name = %s" % sql_literal(name)))
    return name, did


def new_user(inst, tag, domain="example.test"):
    addr = "smtp-%s-%d-%s@%s" % (tag, next(_seq), secrets.token_hex(3), domain)
    pw = "Pw-" + secrets.token_hex(10)
    r = inst.ctl("user", "add", addr, password=pw)
    if r.rc != 0:
        raise AssertionError("could not add the test user: %r" % r)
    uid = int(inst.psql_value("SELECT id FROM users WHERE address = %s" % sql_literal(addr)))
    return User(addr, pw, uid)


def new_users(inst, tag, n, domain="example.test"):
    """N users made two at a time (password hashing is the slow part)."""
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        return list(ex.map(lambda _: new_user(inst, tag, domain), range(n)))


def psql_json(inst, sql):
    """Rows of SQL as a list of dicts (via json_agg)."""
    out = inst.psql_value("SELECT coalesce(json_agg(t), '[]'::json) FROM (%s) t" % sql)
    return json.loads(out)


def inbox(inst, user, mailbox="INBOX"):
    return psql_json(inst, """
        SELECT m.id, m.uid, m.subject, m.from_addr, m.from_name, m.preview,
               m.size, m.blob_sha256, m.message_id
          FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
         WHERE b.user_id = %d AND b.name = %s ORDER BY m.uid""" % (user.id, sql_literal(mailbox)))


def all_messages(inst, user):
    return psql_json(inst, """
        SELECT m.uid, b.name AS mailbox, m.subject, m.blob_sha256
          FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
         WHERE b.user_id = %d ORDER BY m.id""" % user.id)


def token():
    """A marker for one test's envelope addresses and subjects, so that
    "nothing was stored" can be checked without counting the rows of the
    whole database (the queue service may add some at any time)."""
    return "t" + secrets.token_hex(5)


def stored_with(inst, tok, since):
    """What holds TOK: {messages: rows whose subject has it, queue: rows
    whose sender or recipient has it, files: blob files written since
    SINCE (a time.time()) that contain it}."""
    lit = sql_literal(tok)
    out = {
        "messages": int(inst.psql_value(
            "SELECT count(*) FROM messages WHERE position(%s in subject) > 0" % lit)),
        "queue": int(inst.psql_value(
            "SELECT count(*) FROM queue WHERE position(%s in sender) > 0"
            " OR position(%s in recipient) > 0" % (lit, lit))),
        "files": [],
    }
    for top, _, files in os.walk(inst.config["store.blob_dir"]):
        for name in files:
            path = os.path.join(top, name)
            try:
                if os.stat(path).st_mtime < since - 2:
                    continue
                with open(path, "rb") as f:
                    if tok.encode() in f.read():
                        out["files"].append(path)
            except OSError:
                pass            # a temporary file that went away
    return out


def blob_file(inst, sha):
    return os.path.join(inst.config["store.blob_dir"], sha[:2], sha[2:4], sha)


def read_blob(inst, sha):
    with open(blob_file(inst, sha), "rb") as f:
        return f.read()


def header_block(data):
    return data.split(b"\r\n\r\n", 1)[0]


def header_names(data):
    names = []
    for line in header_block(data).split(b"\r\n"):
        if line[:1] in (b" ", b"\t") or b":" not in line:
            continue
        names.append(line.split(b":", 1)[0].decode("latin-1").lower())
    return names


class SmtpTestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    def connect(self, port=None, src=None, implicit_tls=False, ehlo=True):
        c = Smtp(port or self.inst.smtp_port, src=src, implicit_tls=implicit_tls)
        self.addCleanup(c.close)
        g = c.greeting()
        self.assertEqual(g.code, 220, g)
        if ehlo:
            c.ehlo()
        return c

    def submission(self, user, src=None):
        c = self.connect(self.inst.submission_port, src=src)
        r = c.auth_plain(user.addr, user.password)
        self.assertEqual(r.code, 235, r)
        return c

    def new_user(self, tag, domain="example.test"):
        return new_user(self.inst, tag, domain)

    def assertQueued(self, r, msg=None):
        self.assertIsInstance(r, Reply, msg)
        self.assertRegex(r.last, QUEUED, msg)
        return QUEUED.match(r.last).group(1)

    def assertNothingStored(self, tok, since, what="", files=True):
        got = stored_with(self.inst, tok, since)
        if not files:
            got["files"] = []
        self.assertEqual(got, {"messages": 0, "queue": 0, "files": []},
                         "stored or queued %s" % what)


# ==== MX: greeting, EHLO, delivery ===========================================

class SmtpMxTest(SmtpTestCase):

    def test_greeting_and_ehlo_keywords(self):
        c = Smtp(self.inst.smtp_port)
        self.addCleanup(c.close)
        g = c.greeting()
        self.assertEqual(g.code, 220, g)
        self.assertRegex(g.last, r"^220 \S+ ESMTP( |$)")
        r = c.ehlo("client.ext.test")
        self.assertEqual(r.raw[0][:4], "250-", r)
        kw = [ln.upper() for ln in r.lines[1:]]
        for k in ("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "DSN",
                  "STARTTLS"):
            self.assertIn(k, kw, r)
        size = [k for k in kw if k.startswith("SIZE")]
        self.assertEqual(len(size), 1, r)
        self.assertRegex(size[0], r"^SIZE [1-9][0-9]*$")
        self.assertEqual(int(size[0].split()[1]), int(self.inst.config["smtp.max_message_size"]))
        self.assertFalse([k for k in kw if k.startswith("AUTH")],
                         "AUTH offered on the MX port: %r" % r)
        # and not usable either (502 or 503)
        a = c.cmd("AUTH PLAIN " + base64.b64encode(b"\0alice@example.test\0x").decode())
        self.assertEqual(a.code // 100, 5, a)
        # HELO answers with one line
        h = c.cmd("HELO client.ext.test")
        self.assertEqual(h.raw, [h.last], h)
        self.assertEqual(h.code, 250, h)
        q = c.cmd("QUIT")
        self.assertEqual(q.code, 221, q)
        self.assertTrue(c.is_eof(), "connection left open after QUIT")

    def test_command_order(self):
        c = self.connect(ehlo=False)
        r = c.cmd("MAIL FROM:<a@ext.test>")
        self.assertEqual(r.code, 503, r)
        c.ehlo()
        r = c.cmd("RCPT TO:<alice@example.test>")
        self.assertEqual(r.code, 503, r)
        r = c.cmd("DATA")
        self.assertEqual(r.code, 503, r)
        r = c.cmd("MAIL FROM:<a@ext.test>")
        self.assertEqual(r.code, 250, r)
        r = c.cmd("MAIL FROM:<a@ext.test>")
        self.assertEqual(r.code, 503, r)
        r = c.cmd("RSET")
        self.assertEqual(r.code, 250, r)
        r = c.cmd("RCPT TO:<alice@example.test>")
        self.assertEqual(r.code, 503, "RCPT after RSET: %r" % r)

    def test_delivery_to_local_user(self):
        inst = self.inst
        u = self.new_user("mx")
        subject = "测试邮件 GBK subject"
        enc_subject = "=?GBK?B?%s?= GBK subject" % base64.b64encode(
            "测试邮件".encode("gbk")).decode()
        from_name = "张三"
        enc_from = "=?UTF-8?B?%s?=" % base64.b64encode(from_name.encode()).decode()
        body = "Hello from the integration test.\r\nSecond line.\r\n"
        msg = ("From: %s <zhang.san@ext.test>\r\nTo: <%s>\r\nSubject: %s\r\n"
               "Date: Mon, 23 Nov 2026 09:00:00 +0000\r\n"
               "Message-ID: <mx-delivery-%s@ext.test>\r\n"
               "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n%s"
               % (enc_from, u.addr, enc_subject, secrets.token_hex(4), body))
        c = self.connect()
        rs = c.transaction("zhang.san@ext.test", [u.addr], msg)
        self.assertEqual([r.code for r in rs], [250, 250, 354, 250], rs)
        qid = self.assertQueued(rs[-1])

        rows = inbox(inst, u)
        self.assertEqual(len(rows), 1, rows)
        m = rows[0]
        self.assertEqual(m["uid"], 1, m)
        self.assertEqual(m["subject"], subject, m)
        self.assertEqual(m["from_addr"], "zhang.san@ext.test", m)
        self.assertEqual(m["from_name"], from_name, m)
        self.assertIn("Hello from the integration test.", m["preview"], m)
        # the blob: named by its SHA-256, our Received: line first, then
        # the message as sent
        sha = m["blob_sha256"]
        self.assertRegex(sha, r"^[0-9a-f]{64}$")
        path = blob_file(inst, sha)
        self.assertTrue(os.path.isfile(path), path)
        data = read_blob(inst, sha)
        self.assertEqual(hashlib.sha256(data).hexdigest(), sha)
        self.assertTrue(data.startswith(b"Received: from "), data[:200])
        self.assertIn(qid.encode(), header_block(data))
        self.assertIn(msg.encode(), data)
        self.assertTrue(data.endswith(msg.encode()), data[-100:])
        self.assertEqual(m["size"], len(data), m)
        self.assertEqual(m["size"], os.path.getsize(path))
        blob = psql_json(inst, "SELECT size, refcount FROM blobs WHERE sha256 = %s"
                         % sql_literal(sha))
        self.assertEqual(blob, [{"size": len(data), "refcount": 1}])
        ev = psql_json(inst, "SELECT direction, outcome, bytes FROM mail_events"
                       " WHERE user_id = %d" % u.id)
        self.assertEqual(ev, [{"direction": "in", "outcome": "delivered", "bytes": len(data)}])
        self.assertEqual(inst.psql_value("SELECT used_bytes FROM users WHERE id = %d" % u.id),
                         str(len(data)))
        # a second message gets uid 2
        rs = c.transaction("zhang.san@ext.test", [u.addr], simple_message("second"))
        self.assertQueued(rs[-1])
        self.assertEqual([r["uid"] for r in inbox(inst, u)], [1, 2])

    def test_null_sender_and_parameters(self):
        # bounces (MAIL FROM:<>) must be accepted (RFC 5321 4.5.5); the
        # advertised extensions' parameters are accepted, unknown ones not
        u = self.new_user("params")
        c = self.connect()
        rs = c.transaction("", [u.addr], "Subject: bounce\r\n\r\nreturned\r\n")
        self.assertQueued(rs[-1], "null sender: %r" % rs)
        r = c.cmd("MAIL FROM:<a@ext.test> FOO=bar")
        self.assertEqual(r.code, 555, r)
        r = c.cmd("MAIL FROM:<a@ext.test> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=id+2B1")
        self.assertEqual(r.code, 250, r)
        r = c.cmd("RCPT TO:<%s> NOTIFY=FAILURE,DELAY ORCPT=rfc822;%s" % (u.addr, u.addr))
        self.assertEqual(r.code, 250, r)
        self.assertEqual(c.cmd("RSET").code, 250)
        # SMTPUTF8 (RFC 6531): a UTF-8 sender needs the parameter
        r = c.cmd("MAIL FROM:<用户@ext.test>")
        self.assertEqual(r.code, 553, r)
        self.assertTrue(r.last.startswith("553 5.6.7"), r)
        msg = "From: 用户 <用户@ext.test>\r\nSubject: 你好 UTF-8\r\n\r\nbody\r\n".encode()
        r = c.cmd("MAIL FROM:<用户@ext.test> SMTPUTF8")
        self.assertEqual(r.code, 250, r)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % u.addr).code, 250)
        self.assertEqual(c.cmd("DATA").code, 354)
        c.send(with_terminator(msg))
        self.assertQueued(c.reply())
        self.assertEqual([m["subject"] for m in inbox(self.inst, u)], ["bounce", "你好 UTF-8"])
        # EHLO needs its argument; an overlong command line is refused and
        # the session goes on
        r = c.cmd("EHLO")
        self.assertEqual(r.code, 501, r)
        c.send("NOOP " + "x" * 3000 + "\r\n")
        r = c.reply()
        self.assertEqual(r.code, 500, r)
        self.assertEqual(c.cmd("NOOP").code, 250)

    def test_three_recipients_one_blob(self):
        inst = self.inst
        users = new_users(self.inst, "three", 3)
        c = self.connect()
        rs = c.transaction("many@ext.test", [u.addr for u in users],
                           simple_message("to three", "One blob for three."))
        self.assertEqual([r.code for r in rs], [250, 250, 250, 250, 354, 250], rs)
        self.assertQueued(rs[-1])
        shas = set()
        for u in users:
            rows = inbox(inst, u)
            self.assertEqual(len(rows), 1, (u, rows))
            self.assertEqual(rows[0]["uid"], 1)
            self.assertEqual(rows[0]["subject"], "to three")
            shas.add(rows[0]["blob_sha256"])
        self.assertEqual(len(shas), 1, shas)
        sha = shas.pop()
        self.assertTrue(os.path.isfile(blob_file(inst, sha)))
        self.assertEqual(inst.psql_value("SELECT refcount FROM blobs WHERE sha256 = %s"
                                         % sql_literal(sha)), "3")
        self.assertEqual(inst.psql_value("SELECT count(*) FROM messages WHERE blob_sha256 = %s"
                                         % sql_literal(sha)), "3")
        self.assertEqual(inst.psql_value(
            "SELECT count(*) FROM mail_events WHERE direction = 'in' AND outcome = 'delivered'"
            " AND user_id IN (%s)" % ",".join(str(u.id) for u in users)), "3")


# ==== recipients: unknown users and relaying =================================

RELAY_FORMS = [
    "u@ext.test",
    "u%ext.test@example.test",
    "ext.test!u@example.test",
    "@example.test:u@ext.test",
    '"u@ext.test"@example.test',
    "u@[192.0.2.1]",
    "u@EXT.test.",
]


class SmtpRecipientTest(SmtpTestCase):

    def test_unknown_local_recipient(self):
        tok, t0 = token(), time.time()
        c = self.connect()
        r = c.cmd("MAIL FROM:<someone-%s@ext.test>" % tok)
        self.assertEqual(r.code, 250, r)
        r = c.cmd("RCPT TO:<nobody-%s@example.test>" % tok)
        self.assertEqual(r.code, 550, r)
        self.assertTrue(r.last.startswith("550 5.1.1 "), r)
        r = c.cmd("DATA")
        self.assertEqual(r.code // 100, 5, "DATA without a recipient: %r" % r)
        self.assertNothingStored(tok, t0)

    def test_postmaster(self):
        # RFC 5321 4.5.1: RCPT TO:<Postmaster> (no domain) MUST be accepted
        c = self.connect()
        self.assertEqual(c.cmd("MAIL FROM:<someone@ext.test>").code, 250)
        r = c.cmd("RCPT TO:<Postmaster>")
        self.assertEqual(r.code, 250, "RCPT TO:<Postmaster>: %r" % r)

    def test_relay_matrix_unauthenticated(self):
        tok, t0 = token(), time.time()
        u_tok = "u-" + tok
        cases = ([("outsider-%s@ext.test" % tok, f.replace("u@", u_tok + "@", 1)
                   .replace("u%", u_tok + "%").replace("!u@", "!" + u_tok + "@")
                   .replace('"u@', '"' + u_tok + "@"))
                  for f in RELAY_FORMS] + [("", u_tok + "@ext.test")])
        self.assertTrue(all(tok in rcpt for _, rcpt in cases), cases)
        c = self.connect()
        for sender, rcpt in cases:
            with self.subTest(sender=sender, rcpt=rcpt):
                r = c.cmd("RSET")
                self.assertEqual(r.code, 250, r)
                r = c.cmd("MAIL FROM:<%s>" % sender)
                self.assertEqual(r.code, 250, r)
                r = c.cmd("RCPT TO:<%s>" % rcpt)
                self.assertEqual(r.code // 100, 5, "RCPT TO:<%s> from <%s>: %r" % (rcpt, sender, r))
                r = c.cmd("DATA")
                self.assertEqual(r.code // 100, 5, "DATA after a refused relay: %r" % r)
                self.assertNothingStored(tok, t0, "after RCPT TO:<%s>" % rcpt)
        # also when the relay recipient rides along with a valid one
        u = self.new_user("relay")
        self.assertEqual(c.cmd("RSET").code, 250)
        rs = c.transaction("outsider-%s@ext.test" % tok, [u_tok + "@ext.test", u.addr],
                           simple_message("relay along"))
        self.assertEqual(rs[1].code // 100, 5, rs)
        self.assertEqual(rs[2].code, 250, rs)
        self.assertQueued(rs[-1])
        self.assertEqual(len(inbox(self.inst, u)), 1)
        got = stored_with(self.inst, u_tok + "@", t0)
        self.assertEqual(got["queue"], 0, "a queue row for the refused relay recipient")


# ==== DATA ===================================================================

class SmtpDataTest(SmtpTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_user(cls.inst, "data")

    def last_message(self):
        rows = inbox(self.inst, self.user)
        self.assertTrue(rows, "nothing in the INBOX")
        return rows[-1]

    def open_data(self, c, rcpt, sender="data@ext.test"):
        rs = [c.cmd("MAIL FROM:<%s>" % sender), c.cmd("RCPT TO:<%s>" % rcpt), c.cmd("DATA")]
        self.assertEqual([r.code for r in rs], [250, 250, 354], rs)

    def refused(self, body, code, what):
        """Send a message with BODY (the terminator included) after DATA;
        assert the reply CODE, nothing stored, and the session in sync."""
        u = self.user
        tok, t0 = token(), time.time()
        n = len(inbox(self.inst, u))
        c = self.connect()
        self.open_data(c, u.addr, "data-%s@ext.test" % tok)
        c.send(b"Subject: " + tok.encode() + b"\r\n\r\n" + body)
        r = c.reply()
        self.assertEqual(r.code, code, "%s: %r" % (what, r))
        self.assertNothingStored(tok, t0, what)
        # the session is in sync and usable again
        rs = c.transaction("data@ext.test", [u.addr], simple_message("after " + what))
        self.assertQueued(rs[-1], "%s: next transaction %r" % (what, rs))
        rows = inbox(self.inst, u)
        self.assertEqual([m["subject"] for m in rows[n:]], ["after " + what])
        return r

    def test_line_length_limit(self):
        # 998 octets + CRLF is the longest line allowed (RFC 5321 4.5.3.1.6)
        c = self.connect()
        rs = c.transaction("data@ext.test", [self.user.addr],
                           simple_message("998", "x" * 998 + "\r\nend"))
        self.assertQueued(rs[-1])
        m = self.last_message()
        self.assertEqual(m["subject"], "998")
        self.assertIn(b"\r\n" + b"x" * 998 + b"\r\nend", read_blob(self.inst, m["blob_sha256"]))
        r = self.refused(b"y" * 999 + b"\r\nend\r\n.\r\n", 550,
                         "999-octet line")
        self.assertTrue(r.last.startswith("550 5.6.0"), r)
        r = self.refused(b"y" * 5000 + b"\r\nend\r\n.\r\n", 550,
                         "5000-octet line")

    def test_bare_lf(self):
        r = self.refused(b"line one\nline two\r\n.\r\n", 554, "bare LF")
        self.assertTrue(r.last.startswith("554 5.6.0"), r)

    def test_bare_cr(self):
        r = self.refused(b"line one\rline two\r\n.\r\n", 554, "bare CR")
        self.assertTrue(r.last.startswith("554 5.6.0"), r)

    def test_nul(self):
        r = self.refused(b"line \x00 one\r\n.\r\n", 554, "NUL")
        self.assertEqual(r.code // 100, 5, r)

    def test_size_parameter(self):
        limit = int(self.inst.config["smtp.max_message_size"])
        u = self.user
        c = self.connect()
        for size in (limit + 1, 10 ** 15):
            r = c.cmd("MAIL FROM:<big@ext.test> SIZE=%d" % size)
            self.assertEqual(r.code, 552, "SIZE=%d: %r" % (size, r))
            self.assertTrue(r.last.startswith("552 5.3.4"), r)
            r = c.cmd("RCPT TO:<%s>" % u.addr)
            self.assertEqual(r.code, 503, "RCPT after a refused MAIL: %r" % r)
        r = c.cmd("MAIL FROM:<big@ext.test> SIZE=" + "9" * 30)
        self.assertEqual(r.code // 100, 5, r)
        r = c.cmd("MAIL FROM:<big@ext.test> SIZE=%d" % limit)
        self.assertEqual(r.code, 250, r)
        r = c.cmd("RSET")
        msg = simple_message("sized", "small")
        r = c.cmd("MAIL FROM:<big@ext.test> SIZE=%d" % len(msg))
        self.assertEqual(r.code, 250, r)
        self.assertEqual(c.cmd("RCPT TO:<%s>" % u.addr).code, 250)
        self.assertEqual(c.cmd("DATA").code, 354)
        c.send(msg + "\r\n.\r\n")
        self.assertQueued(c.reply())
        self.assertEqual(self.last_message()["subject"], "sized")

    def test_dot_stuffing(self):
        c = self.connect()
        self.open_data(c, self.user.addr)
        c.send(b"Subject: dots\r\n\r\n..x\r\n..\r\n...\r\n.y\r\nend\r\n.\r\n")
        self.assertQueued(c.reply())
        m = self.last_message()
        self.assertEqual(m["subject"], "dots")
        data = read_blob(self.inst, m["blob_sha256"])
        self.assertTrue(data.endswith(b"\r\n\r\n.x\r\n.\r\n..\r\ny\r\nend\r\n"), data)

    def test_data_at_line_start_dot_only(self):
        # an empty message: "." as the first line ends DATA at once
        c = self.connect()
        self.open_data(c, self.user.addr)
        c.send(b".\r\n")
        r = c.reply()
        qid = self.assertQueued(r)
        m = self.last_message()
        data = read_blob(self.inst, m["blob_sha256"])
        self.assertTrue(data.startswith(b"Received: from "), data)
        self.assertIn(qid.encode(), data)
        self.assertEqual(m["subject"], "")


# ==== SMTP smuggling =========================================================

SMUGGLE_ENDINGS = [
    b"\n.\n", b"\r.\r", b"\r.\n", b"\n.\r", b"\n.\r\n", b"\r\n.\n",
    b"\r.\r\n", b"\r\n.\r", b"\r\n\x00.\r\n", b"\r\n.\x00\r\n",
]


class SmtpSmugglingTest(SmtpTestCase):

    def test_smuggling(self):
        u = self.new_user("smuggle")
        for ending in SMUGGLE_ENDINGS:
            with self.subTest(ending=ending):
                tok, t0 = token(), time.time()
                c = self.connect()
                rs = [c.cmd("MAIL FROM:<good-%s@ext.test>" % tok), c.cmd("RCPT TO:<%s>" % u.addr),
                      c.cmd("DATA")]
                self.assertEqual([r.code for r in rs], [250, 250, 354], rs)
                c.send(b"Subject: s\r\n\r\nfirst" + ending +
                       b"MAIL FROM:<evil-" + tok.encode() + b"@ext.test>\r\nRCPT TO:<" +
                       u.addr.encode() +
                       b">\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n")
                # HELP is the marker: read every reply up to its 214
                c.send(b"HELP\r\n")
                got = c.replies_until(214)
                self.assertIsInstance(got[-1], Reply, got)
                self.assertEqual(got[-1].code, 214, got)
                texts = [r.last for r in got]
                self.assertFalse([t for t in texts if t.startswith("250 2.0.0")],
                                 "accepted: %r" % texts)
                self.assertEqual(len(got), 2, "replies to the data: %r" % texts)
                self.assertEqual(got[0].code // 100, 5, texts)
                self.assertEqual(all_messages(self.inst, u), [])
                self.assertNothingStored(tok, t0, "ending %r" % ending)
                c.close()
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM messages WHERE subject IN ('smuggled', 's')"), "0")


# ==== PIPELINING and STARTTLS ================================================

class SmtpPipeliningTest(SmtpTestCase):

    def test_pipelined_transaction(self):
        u = self.new_user("pipe")
        c = self.connect(ehlo=False)
        c.send("EHLO pipe.ext.test\r\nMAIL FROM:<pipe@ext.test>\r\nRCPT TO:<%s>\r\n"
               "RCPT TO:<nobody-%s@example.test>\r\nRCPT TO:<%s>\r\nDATA\r\n"
               % (u.addr, secrets.token_hex(3), u.addr))
        rs = c.replies(6)
        self.assertEqual([r.code for r in rs], [250, 250, 250, 550, 250, 354], rs)
        self.assertIn("PIPELINING", rs[0].lines)
        self.assertTrue(rs[1].last.startswith("250 2.1.0"), rs[1])
        self.assertTrue(rs[2].last.startswith("250 2.1.5"), rs[2])
        self.assertTrue(rs[3].last.startswith("550 5.1.1"), rs[3])
        # the message, the terminator and the next commands in one write
        c.send("Subject: piped\r\n\r\nbody\r\n.\r\nMAIL FROM:<pipe@ext.test>\r\n"
               "RCPT TO:<%s>\r\nDATA\r\nSubject: piped two\r\n\r\nbody\r\n.\r\nNOOP\r\nQUIT\r\n"
               % u.addr)
        rs = c.replies(6)
        self.assertRegex(rs[0].last, QUEUED)
        self.assertEqual([r.code for r in rs[1:]], [250, 250, 354, 250, 250], rs)
        self.assertRegex(rs[4].last, QUEUED)
        self.assertEqual(c.reply().code, 221)
        self.assertEqual([m["subject"] for m in inbox(self.inst, u)], ["piped", "piped two"])


class SmtpStartTlsTest(SmtpTestCase):

    def test_starttls_drops_pipelined_commands(self):
        c = self.connect()
        c.send(b"STARTTLS\r\nRSET\r\n")
        r = c.reply()
        self.assertEqual(r.code, 220, r)
        self.assertEqual(c.buf, b"", "plaintext after the 220: %r" % c.buf)
        readable, _, _ = select.select([c.sock], [], [], 0.3)
        self.assertEqual(readable, [], "the server sent something before the TLS handshake")
        c.sock = tls_context().wrap_socket(c.sock)
        self.assertTrue(c.sock.version().startswith("TLS"), c.sock.version())
        c.send(b"NOOP\r\nHELP\r\n")
        got = c.replies_until(214)
        self.assertEqual([x.last if isinstance(x, Reply) else x for x in got][:1],
                         ["250 2.0.0 Ok"], got)
        self.assertEqual(len(got), 2, "a reply to the RSET sent before TLS: %r" % got)
        self.assertEqual(got[1].code, 214, got)

    def test_ehlo_again_after_starttls(self):
        u = self.new_user("tls")
        c = self.connect()
        c.starttls()
        r = c.cmd("MAIL FROM:<tls@ext.test>")
        self.assertEqual(r.code, 503, "MAIL before the EHLO after STARTTLS: %r" % r)
        r = c.ehlo()
        kw = [ln.upper() for ln in r.lines[1:]]
        self.assertNotIn("STARTTLS", kw, r)
        self.assertFalse([k for k in kw if k.startswith("AUTH")], r)
        r = c.cmd("STARTTLS")
        self.assertEqual(r.code, 503, r)
        rs = c.transaction("tls@ext.test", [u.addr], simple_message("over tls"))
        self.assertQueued(rs[-1])
        data = read_blob(self.inst, inbox(self.inst, u)[0]["blob_sha256"])
        self.assertRegex(header_block(data).decode("latin-1"), r"with ESMTPS id ")


# ==== submission and SMTPS ===================================================

class SmtpSubmissionTest(SmtpTestCase):

    def test_mail_needs_auth(self):
        c = self.connect(self.inst.submission_port)
        r = c.cmd("MAIL FROM:<alice@example.test>")
        self.assertEqual(r.code, 530, r)
        self.assertTrue(r.last.startswith("530 5.7.0"), r)

    def test_ehlo_offers_auth(self):
        c = self.connect(self.inst.submission_port, ehlo=False)
        r = c.ehlo()
        kw = [ln.upper() for ln in r.lines[1:]]
        auth = [k for k in kw if k.startswith("AUTH ")]
        self.assertEqual(len(auth), 1, r)
        self.assertEqual(set(auth[0].split()[1:]), {"PLAIN", "LOGIN"}, r)
        self.assertIn("STARTTLS", kw)

    def test_auth_plain(self):
        u = self.new_user("plain")
        c = self.connect(self.inst.submission_port)
        r = c.auth_plain(u.addr, u.password + "x")
        self.assertEqual(r.code, 535, r)
        self.assertTrue(r.last.startswith("535 5.7.8"), r)
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % u.addr).code, 530)
        r = c.auth_plain(u.addr, u.password)
        self.assertEqual(r.code, 235, r)
        self.assertTrue(r.last.startswith("235 2.7.0"), r)
        r = c.auth_plain(u.addr, u.password)
        self.assertEqual(r.code, 503, "a second AUTH: %r" % r)
        # PLAIN without an initial response, on a second session
        c2 = self.connect(self.inst.submission_port)
        r = c2.auth_plain(u.addr, u.password, initial=False)
        self.assertEqual(r.code, 235, r)

    def test_auth_login(self):
        u = self.new_user("login")
        c = self.connect(self.inst.submission_port)
        r = c.auth_login(u.addr, "wrong-password")
        self.assertEqual(r.code, 535, r)
        r = c.auth_login(u.addr, u.password)
        self.assertEqual(r.code, 235, r)
        r = c.cmd("MAIL FROM:<%s>" % u.addr)
        self.assertEqual(r.code, 250, r)

    def test_sender_must_be_owned(self):
        u, other = new_users(self.inst, "owner", 2)
        c = self.submission(u)
        for sender in (other.addr, "alice@example.test", "someone@ext.test"):
            r = c.cmd("MAIL FROM:<%s>" % sender)
            self.assertEqual(r.code, 553, "MAIL FROM:<%s> as %s: %r" % (sender, u.addr, r))
            self.assertTrue(r.last.startswith("553 5.7.1"), r)
        r = c.cmd("MAIL FROM:<%s>" % u.addr.upper())
        self.assertEqual(r.code, 250, "own address in upper case: %r" % r)

    def test_submit_local_adds_message_id_and_date(self):
        u, rcpt = new_users(self.inst, "sub", 2)
        c = self.submission(u)
        msg = "From: <%s>\r\nTo: <%s>\r\nSubject: submitted\r\n\r\nbody\r\n" % (u.addr, rcpt.addr)
        rs = c.transaction(u.addr, [rcpt.addr], msg)
        self.assertEqual([r.code for r in rs], [250, 250, 354, 250], rs)
        self.assertQueued(rs[-1])
        rows = inbox(self.inst, rcpt)
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0]["subject"], "submitted")
        data = read_blob(self.inst, rows[0]["blob_sha256"])
        names = header_names(data)
        self.assertEqual(names.count("message-id"), 1, header_block(data))
        self.assertEqual(names.count("date"), 1, header_block(data))
        self.assertRegex(header_block(data).decode(), r"(?mi)^Message-ID: <[^<>@\s]+@[^<>@\s]+>\r?$")
        self.assertRegex(header_block(data).decode(), r"(?mi)^Date: \w{3}, \d{1,2} \w{3} \d{4} "
                         r"\d\d:\d\d:\d\d [+-]\d{4}\r?$")
        self.assertRegex(header_block(data).decode(), r"with ESMTPA id ")
        self.assertTrue(rows[0]["message_id"], rows[0])
        # a client's own Message-ID and Date are kept, not doubled
        msg2 = ("From: <%s>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n"
                "Message-ID: <own-%s@example.test>\r\nSubject: own ids\r\n\r\nbody\r\n"
                % (u.addr, secrets.token_hex(4)))
        rs = c.transaction(u.addr, [rcpt.addr], msg2)
        self.assertQueued(rs[-1])
        data = read_blob(self.inst, inbox(self.inst, rcpt)[1]["blob_sha256"])
        names = header_names(data)
        self.assertEqual(names.count("message-id"), 1, header_block(data))
        self.assertEqual(names.count("date"), 1, header_block(data))
        self.assertIn(b"Message-ID: <own-", data)

    def test_auth_failures_close_session(self):
        u = self.new_user("fail")
        c = self.connect(self.inst.submission_port)
        for i in range(2):
            r = c.auth_plain(u.addr, "wrong-%d" % i, initial=False)
            self.assertEqual(r.code, 535, r)
        r = c.auth_plain(u.addr, "wrong-2", initial=False)
        self.assertEqual(r.code, 535, r)
        r2 = c.replies_until(421, limit=1)
        self.assertIsInstance(r2[0], Reply, "no 421 after 3 failed AUTHs: %r" % r2)
        self.assertEqual(r2[0].code, 421, r2)
        self.assertTrue(c.is_eof(), "connection open after the 421")

    def test_auth_failures_close_session_initial_response(self):
        u = self.new_user("faili")
        c = self.connect(self.inst.submission_port)
        codes = []
        for i in range(3):
            codes.append(c.auth_plain(u.addr, "wrong-%d" % i, initial=True).code)
        self.assertEqual(codes, [535, 535, 535])
        c.send("NOOP\r\n")
        r = c.replies_until(250, limit=1)
        self.assertIsInstance(r[0], Reply, r)
        self.assertEqual(r[0].code, 421, "after 3 failed AUTH PLAIN <initial-response>: %r" % r)
        self.assertTrue(c.is_eof(), "connection open after 3 failed AUTHs")


class SmtpSmtpsTest(SmtpTestCase):

    def test_implicit_tls(self):
        u, rcpt = new_users(self.inst, "smtps", 2)
        c = Smtp(self.inst.smtps_port, implicit_tls=True)
        self.addCleanup(c.close)
        self.assertTrue(c.sock.version().startswith("TLS"))
        g = c.greeting()
        self.assertEqual(g.code, 220, g)
        self.assertRegex(g.last, r"^220 \S+ ESMTP")
        r = c.ehlo()
        kw = [ln.upper() for ln in r.lines[1:]]
        self.assertNotIn("STARTTLS", kw)
        self.assertIn("AUTH PLAIN LOGIN", kw)
        self.assertEqual(c.cmd("MAIL FROM:<%s>" % u.addr).code, 530)
        r = c.auth_login(u.addr, u.password)
        self.assertEqual(r.code, 235, r)
        rs = c.transaction(u.addr, [rcpt.addr], "From: <%s>\r\nSubject: via smtps\r\n\r\nhi\r\n" % u.addr)
        self.assertQueued(rs[-1])
        rows = inbox(self.inst, rcpt)
        self.assertEqual([m["subject"] for m in rows], ["via smtps"])
        self.assertRegex(header_block(read_blob(self.inst, rows[0]["blob_sha256"])).decode(),
                         r"with ESMTPSA id ")

    def test_plaintext_on_smtps_port(self):
        # a plaintext client gets no greeting in clear
        s = socket.create_connection(("127.0.0.1", self.inst.smtps_port), timeout=3,
                                     source_address=(harness.next_source_address(), 0))
        self.addCleanup(s.close)
        s.sendall(b"EHLO x\r\n")
        try:
            data = s.recv(4096)
        except (socket.timeout, ConnectionResetError):
            data = b""
        self.assertFalse(data.startswith(b"220") or data.startswith(b"250"), data)


# ==== limits =================================================================

class SmtpLimitsTest(SmtpTestCase):

    def test_max_recipients(self):
        limit = int(self.inst.config["smtp.max_recipients"])
        u = self.new_user("rcpts")
        c = self.connect()
        self.assertEqual(c.cmd("MAIL FROM:<list@ext.test>").code, 250)
        codes = []
        chunk = 100
        sent = 0
        while sent < limit:
            n = min(chunk, limit - sent)
            c.send(("RCPT TO:<%s>\r\n" % u.addr) * n)
            codes += [r.code for r in c.replies(n)]
            sent += n
        self.assertEqual(codes, [250] * limit)
        r = c.cmd("RCPT TO:<%s>" % u.addr)
        self.assertEqual(r.code, 452, r)
        self.assertTrue(r.last.startswith("452 4.5.3"), r)
        self.assertEqual(c.cmd("DATA").code, 354)
        c.send(b"Subject: many\r\n\r\nhi\r\n.\r\n")
        self.assertQueued(c.reply())
        # the same user named 1000 times gets one copy
        self.assertEqual(len(inbox(self.inst, u)), 1)

    def received_message(self, n, subject):
        hdr = "".join("Received: from hop%d.ext.test by hop%d.ext.test; Mon, 23 Nov 2026"
                      " 09:00:00 +0000\r\n" % (i, i + 1) for i in range(n))
        return hdr + "Subject: %s\r\n\r\nloop test\r\n" % subject

    def test_mail_loop(self):
        u = self.new_user("loop")
        c = self.connect()
        tok, t0 = token(), time.time()
        rs = c.transaction("loop-%s@ext.test" % tok, [u.addr],
                           self.received_message(51, "loop 51 " + tok))
        self.assertEqual(rs[-1].code, 554, rs)
        self.assertTrue(rs[-1].last.startswith("554 5.4.6"), rs[-1])
        self.assertNothingStored(tok, t0)
        self.assertEqual(all_messages(self.inst, u), [])
        rs = c.transaction("loop@ext.test", [u.addr], self.received_message(50, "loop 50"))
        self.assertQueued(rs[-1])
        self.assertEqual([m["subject"] for m in inbox(self.inst, u)], ["loop 50"])

    def test_connections_per_address(self):
        limit = int(self.inst.config["smtp.max_connections_per_ip"])
        src = harness.next_source_address()
        socks = []
        try:
            for i in range(limit):
                c = Smtp(self.inst.smtp_port, src=src, timeout=10)
                socks.append(c)
                g = c.greeting()
                self.assertEqual(g.code, 220, "connection %d: %r" % (i + 1, g))
            extra = Smtp(self.inst.smtp_port, src=src, timeout=10)
            socks.append(extra)
            g = extra.greeting()
            self.assertEqual(g.code, 421, "connection %d: %r" % (limit + 1, g))
            self.assertTrue(g.last.startswith("421 4.7.0"), g)
            self.assertTrue(extra.is_eof(), "connection open after the 421")
            # another address is not affected
            other = Smtp(self.inst.smtp_port, timeout=10)
            socks.append(other)
            self.assertEqual(other.greeting().code, 220)
        finally:
            for c in socks:
                c.close()
        # the slots come back once the connections are closed
        deadline = time.monotonic() + 5
        while True:
            c = Smtp(self.inst.smtp_port, src=src, timeout=10)
            try:
                code = c.greeting().code
            except SmtpClosed:
                code = None
            finally:
                c.close()
            if code == 220 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(code, 220, "no connection possible after closing the others")


# ==== routing: aliases, catch-all, block list, quota, forwards ===============

class SmtpRoutingTest(SmtpTestCase):

    def example_domain_id(self):
        return int(self.inst.psql_value("SELECT id FROM domains WHERE name = 'example.test'"))

    def test_alias(self):
        u = self.new_user("aliased")
        alias = "al-%s@example.test" % secrets.token_hex(4)
        self.inst.psql("INSERT INTO aliases (address, domain_id, kind, target_user_id)"
                       " VALUES (%s, %d, 'alias', %d)" % (sql_literal(alias),
                                                          self.example_domain_id(), u.id))
        c = self.connect()
        rs = c.transaction("a@ext.test", [alias.upper()], simple_message("via alias"))
        self.assertEqual([r.code for r in rs], [250, 250, 354, 250], rs)
        self.assertEqual([m["subject"] for m in inbox(self.inst, u)], ["via alias"])

    def test_catchall(self):
        dom, did = new_domain(self.inst, "ca")
        u = self.new_user("catch", domain=dom)
        c = self.connect()
        # without a catch-all: unknown
        r = c.cmd("MAIL FROM:<a@ext.test>")
        r = c.cmd("RCPT TO:<whoever@%s>" % dom)
        self.assertEqual(r.code, 550, r)
        c.cmd("RSET")
        self.inst.psql("INSERT INTO aliases (address, domain_id, kind, target_user_id)"
                       " VALUES (%s, %d, 'catchall', %d)" % (sql_literal("@" + dom), did, u.id))
        rs = c.transaction("a@ext.test", ["whoever@%s" % dom, "other.one@%s" % dom],
                           simple_message("to catch-all"))
        self.assertEqual([r.code for r in rs], [250, 250, 250, 354, 250], rs)
        self.assertEqual([m["subject"] for m in inbox(self.inst, u)], ["to catch-all"])
        # the user's own address still goes to the user, and the catch-all
        # does not make other domains local
        rs = c.transaction("a@ext.test", [u.addr], simple_message("direct"))
        self.assertQueued(rs[-1])
        r = c.cmd("MAIL FROM:<a@ext.test>")
        r = c.cmd("RCPT TO:<whoever@sub.%s>" % dom)
        self.assertEqual(r.code // 100, 5, r)

    def test_block_list_reject(self):
        u = self.new_user("blockr")
        self.inst.psql("INSERT INTO block_list (user_id, pattern, action) VALUES"
                       " (%d, 'spammer@ext.test', 'reject'), (%d, '@bad.test', 'reject')"
                       % (u.id, u.id))
        c = self.connect()
        for sender in ("spammer@ext.test", "anyone@bad.test", "anyone@BAD.TEST"):
            with self.subTest(sender=sender):
                c.cmd("RSET")
                self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender).code, 250)
                r = c.cmd("RCPT TO:<%s>" % u.addr)
                self.assertEqual(r.code, 550, r)
                self.assertTrue(r.last.startswith("550 5.7.1"), r)
                r = c.cmd("DATA")
                self.assertEqual(r.code // 100, 5, "DATA after the refused RCPT: %r" % r)
        self.assertEqual(all_messages(self.inst, u), [])
        c.cmd("RSET")
        rs = c.transaction("friend@ext.test", [u.addr], simple_message("not blocked"))
        self.assertQueued(rs[-1])
        self.assertEqual([m["subject"] for m in inbox(self.inst, u)], ["not blocked"])

    def test_block_list_ignores_case(self):
        # patterns are stored in lower case (a CHECK of the schema), so the
        # sender must be compared case-insensitively, or "SPAMMER@" gets by
        u = self.new_user("blockc")
        self.inst.psql("INSERT INTO block_list (user_id, pattern, action) VALUES"
                       " (%d, 'spammer@ext.test', 'reject')" % u.id)
        c = self.connect()
        for sender in ("Spammer@ext.test", "SPAMMER@EXT.TEST"):
            with self.subTest(sender=sender):
                self.assertEqual(c.cmd("RSET").code, 250)
                self.assertEqual(c.cmd("MAIL FROM:<%s>" % sender).code, 250)
                r = c.cmd("RCPT TO:<%s>" % u.addr)
                self.assertEqual(r.code, 550, "MAIL FROM:<%s> to a user blocking %s: %r"
                                 % (sender, "spammer@ext.test", r))

    def test_block_list_discard(self):
        u, other = new_users(self.inst, "blockd", 2)
        self.inst.psql("INSERT INTO block_list (user_id, pattern, action) VALUES"
                       " (%d, 'pest@ext.test', 'discard')" % u.id)
        c = self.connect()
        tok, t0 = token(), time.time()
        rs = c.transaction("pest@ext.test", [u.addr], simple_message("discarded " + tok))
        self.assertEqual([r.code for r in rs], [250, 250, 354, 250], rs)
        self.assertEqual(all_messages(self.inst, u), [])
        # (a blob file may stay behind: the jobs service removes orphans)
        self.assertNothingStored(tok, t0, files=False)
        # a second recipient of the same message still gets it
        rs = c.transaction("pest@ext.test", [u.addr, other.addr], simple_message("half"))
        self.assertQueued(rs[-1])
        self.assertEqual(all_messages(self.inst, u), [])
        self.assertEqual([m["subject"] for m in inbox(self.inst, other)], ["half"])

    def test_over_quota(self):
        u = self.new_user("quota")
        self.inst.psql("UPDATE users SET quota_bytes = 1000, used_bytes = 1000 WHERE id = %d" % u.id)
        c = self.connect()
        self.assertEqual(c.cmd("MAIL FROM:<q@ext.test>").code, 250)
        r = c.cmd("RCPT TO:<%s>" % u.addr)
        self.assertEqual(r.code, 452, r)
        self.assertTrue(r.last.startswith("452 4.2.2"), r)
        # room for the RCPT but not for the message: refused at the end
        self.inst.psql("UPDATE users SET quota_bytes = 1000, used_bytes = 900 WHERE id = %d" % u.id)
        c.cmd("RSET")
        rs = c.transaction("q@ext.test", [u.addr], simple_message("too big", "z" * 500))
        self.assertEqual(rs[1].code, 250, rs)
        self.assertRegex(rs[-1].last, r"^[45]52 [45]\.2\.2 ", rs)
        self.assertEqual(all_messages(self.inst, u), [])
        self.assertEqual(self.inst.psql_value("SELECT used_bytes FROM users WHERE id = %d" % u.id),
                         "900")

    def test_forward_to_local_user(self):
        src, dst = new_users(self.inst, "fwd", 2)
        self.inst.psql("INSERT INTO forwards (user_id, target, keep_copy) VALUES (%d, %s, false)"
                       % (src.id, sql_literal(dst.addr)))
        tok = token()
        c = self.connect()
        rs = c.transaction("f-%s@ext.test" % tok, [src.addr], simple_message("forwarded"))
        self.assertEqual([r.code for r in rs[:3]], [250, 250, 354], rs)
        self.assertQueued(rs[-1], "forward to a local user: %r" % rs)
        self.assertEqual(all_messages(self.inst, src), [])
        self.assertEqual([m["subject"] for m in inbox(self.inst, dst)], ["forwarded"])
        self.assertEqual(stored_with(self.inst, tok, time.time())["queue"], 0,
                         "queued for remote delivery")


# ==== submission to a remote recipient ======================================

class SmtpClientsTest(SmtpTestCase):
    """Independent clients: swaks for a TLS submission, Postfix's
    smtp-source for a bounded load."""

    def test_swaks_submission_over_starttls(self):
        sender = self.new_user("swaks-from")
        rcpt = self.new_user("swaks-to")
        subject = "swaks " + secrets.token_hex(4)
        p = subprocess.run(
            ["swaks", "--server", "127.0.0.1:%d" % self.inst.submission_port,
             "--tls", "--auth", "PLAIN", "--auth-user", sender.addr,
             "--auth-password", sender.password, "--from", sender.addr,
             "--to", rcpt.addr, "--header", "Subject: " + subject,
             "--body", "sent by swaks"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("250 2.0.0 Ok: queued as", p.stdout)
        self.assertIn("235 2.7.0", p.stdout)
        rows = inbox(self.inst, rcpt)
        self.assertEqual([r["subject"] for r in rows], [subject])
        self.assertEqual(rows[0]["from_addr"], sender.addr)

    def test_swaks_relay_refused(self):
        p = subprocess.run(
            ["swaks", "--server", "127.0.0.1:%d" % self.inst.smtp_port,
             "--from", "a@ext.test", "--to", "b@elsewhere.test",
             "--quit-after", "RCPT"],
            capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("554 5.7.1", p.stdout)

    def test_smtp_source_load(self):
        users = new_users(self.inst, "load", 4)
        procs = [subprocess.Popen(
            ["/usr/sbin/smtp-source", "-s", "5", "-m", "50", "-l", "2048",
             "-f", "load@ext.test", "-t", u.addr,
             "127.0.0.1:%d" % self.inst.smtp_port],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for u in users]
        for pr in procs:
            out, _ = pr.communicate(timeout=120)
            self.assertEqual(pr.returncode, 0, out)
            self.assertEqual(out.strip(), "", out)
        for u in users:
            n = int(self.inst.psql_value(
                "SELECT count(*) FROM messages m JOIN mailboxes b"
                " ON b.id = m.mailbox_id WHERE b.user_id = %d"
                " AND b.name = 'INBOX'" % u.id))
            self.assertEqual(n, 50, u)
            uids = self.inst.psql_value(
                "SELECT string_agg(uid::text, ',' ORDER BY uid) FROM messages m"
                " JOIN mailboxes b ON b.id = m.mailbox_id"
                " WHERE b.user_id = %d AND b.name = 'INBOX'" % u.id)
            self.assertEqual(uids, ",".join(str(k) for k in range(1, 51)))


class SmtpIndexerTest(SmtpTestCase):
    def test_full_text_vector_follows_delivery(self):
        u = self.new_user("fts")
        word = "zq" + secrets.token_hex(4)
        c = self.connect()
        r = c.transaction("x@ext.test", [u.addr],
                          "Subject: indexed\r\n\r\nthe word %s is here\r\n" % word)
        self.assertQueued(r[-1])
        deadline = time.monotonic() + 10
        found = ""
        while time.monotonic() < deadline:
            found = self.inst.psql_value(
                "SELECT count(*) FROM message_fts f JOIN messages m"
                " ON m.id = f.message_id JOIN mailboxes b ON b.id = m.mailbox_id"
                " WHERE b.user_id = %d AND f.fts @@ to_tsquery('simple', '%s')"
                % (u.id, word))
            if found == "1":
                break
            time.sleep(0.2)
        self.assertEqual(found, "1", "the body's word never reached message_fts")
        subj = self.inst.psql_value(
            "SELECT count(*) FROM message_fts f JOIN messages m ON m.id = f.message_id"
            " JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.user_id = %d"
            " AND f.fts @@ to_tsquery('simple', 'indexed')" % u.id)
        self.assertEqual(subj, "1")


class SmtpZyOutboundTest(SmtpTestCase):
    """Named to sort late: the queue service works on what this test queues
    (and may put a bounce into a mailbox), which would disturb the global
    row counts of the tests above."""

    def test_remote_recipient_authenticated(self):
        u = self.new_user("remote")
        c = self.submission(u)
        rcpt = "friend-%s@ext.test" % secrets.token_hex(3)
        rs = c.transaction(u.addr, [rcpt], "From: <%s>\r\nSubject: outbound %s\r\n\r\nhi\r\n"
                           % (u.addr, rcpt))
        self.assertEqual([r.code for r in rs[:3]], [250, 250, 354], rs)
        self.assertQueued(rs[-1], "relay for an authenticated user: %r" % rs)
        # accepted means queued: a queue row for the recipient, or already
        # an outbound attempt recorded by the queue service
        queued = psql_json(self.inst, "SELECT sender, user_id FROM queue WHERE recipient = %s"
                           % sql_literal(rcpt))
        events = self.inst.psql_value("SELECT count(*) FROM mail_events WHERE direction = 'out'"
                                      " AND user_id = %d" % u.id)
        self.assertTrue(queued == [{"sender": u.addr, "user_id": u.id}] or
                        (queued == [] and events != "0"),
                        "queue rows %r, outbound events %s" % (queued, events))
        # and not delivered locally
        self.assertEqual(self.inst.psql_value("SELECT count(*) FROM messages WHERE subject = %s"
                                              % sql_literal("outbound " + rcpt)), "0")


# ==== durability (last: restarts mailhived) ==================================

def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class SmtpZzDurabilityTest(SmtpTestCase):
    """Named to sort last: it kills mailhived and starts it again."""

    def mailhived_pids(self):
        run = self.inst.run_dir
        with open(os.path.join(run, "mailhived.pid")) as f:
            master = int(f.read().split()[0])
        children = []
        with open(os.path.join(run, "mailhived.services")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    children.append(int(parts[1]))
        return master, children

    def ensure_up(self):
        """Start mailhived again if this test left it down."""
        try:
            master, _ = self.mailhived_pids()
        except (OSError, ValueError, IndexError):
            master = None
        if master is None or not pid_alive(master):
            self.inst._mailhive("up", os.path.join(self.inst.dir, "up-again.log"))

    def test_kill9_keeps_accepted_mail(self):
        inst = self.inst
        u = self.new_user("durable")
        tag = secrets.token_hex(3)
        c = self.connect()
        accepted = {}           # i -> queue id

        def message(i, lines=200):
            return ("Subject: durable-%s-%d\r\nMessage-ID: <durable-%s-%d@ext.test>\r\n\r\n"
                    "message %d\r\n" % (tag, i, tag, i, i) + ("filler line\r\n" * lines))

        for i in range(12):
            rs = c.transaction("d@ext.test", [u.addr], message(i))
            self.assertQueued(rs[-1], "message %d: %r" % (i, rs))
            accepted[i] = QUEUED.match(rs[-1].last).group(1)
        # eight more (100 kB each) pipelined from a thread; kill -9 as soon
        # as the first two of them are answered, the rest still in flight
        burst = b"".join(b"MAIL FROM:<d@ext.test>\r\nRCPT TO:<" + u.addr.encode() +
                         b">\r\nDATA\r\n" + with_terminator(message(i, 8000))
                         for i in range(12, 20))
        master, children = self.mailhived_pids()
        self.assertTrue(pid_alive(master))

        def send_burst():
            try:
                c.sock.sendall(burst)
            except OSError:
                pass        # the server died under us: expected

        sender = threading.Thread(target=send_burst, daemon=True)
        sender.start()
        got = []
        try:
            while len(got) < 8:
                got.append(c.reply())
        except (SmtpClosed, socket.timeout, OSError):
            pass
        self.addCleanup(self.ensure_up)
        for pid in [master] + children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            c.sock.settimeout(5)
            while True:
                got.append(c.reply())
        except (SmtpClosed, socket.timeout, OSError):
            pass
        sender.join(10)
        c.close()
        self.assertEqual([r.code for r in got[:8]], [250, 250, 354, 250] * 2, got)
        # replies in order: 250 250 354 <final> per message
        i = 12
        finals = got[3::4]
        for r in finals:
            if QUEUED.match(r.last):
                accepted[i] = QUEUED.match(r.last).group(1)
            i += 1
        deadline = time.monotonic() + 10
        while any(pid_alive(p) for p in [master] + children) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertFalse([p for p in [master] + children if pid_alive(p)], "survived kill -9")
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", inst.smtp_port), timeout=2).close()

        # every message that got 250 is there, with its blob file intact
        rows = psql_json(inst, """
            SELECT m.subject, m.blob_sha256, m.size, b.refcount
              FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id
              JOIN blobs b ON b.sha256 = m.blob_sha256
             WHERE mb.user_id = %d AND mb.name = 'INBOX' ORDER BY m.uid""" % u.id)
        by_subject = {r["subject"]: r for r in rows}
        self.assertGreaterEqual(len(accepted), 14)
        for i, qid in sorted(accepted.items()):
            subj = "durable-%s-%d" % (tag, i)
            self.assertIn(subj, by_subject, "message %d (queued as %s) lost" % (i, qid))
        for r in rows:
            path = blob_file(inst, r["blob_sha256"])
            self.assertTrue(os.path.isfile(path), "blob of %s missing" % r["subject"])
            with open(path, "rb") as f:
                data = f.read()
            self.assertEqual(hashlib.sha256(data).hexdigest(), r["blob_sha256"], r["subject"])
            self.assertEqual(len(data), r["size"])
            self.assertEqual(r["refcount"], 1)
            i = int(r["subject"].rsplit("-", 1)[1])
            self.assertIn(b"message %d\r\n" % i, data)
            if i in accepted:
                self.assertIn(accepted[i].encode(), header_block(data))
        uids = [r for r in psql_json(inst, "SELECT uid FROM messages m JOIN mailboxes mb"
                                     " ON mb.id = m.mailbox_id WHERE mb.user_id = %d"
                                     " ORDER BY uid" % u.id)]
        self.assertEqual([x["uid"] for x in uids], list(range(1, len(uids) + 1)))

        # ./mailhive up again starts what is down; the service works again
        log = os.path.join(inst.dir, "up-again.log")
        rc = inst._mailhive("up", log)
        if rc != 0:
            with open(log, errors="replace") as f:
                self.fail("./mailhive up after kill -9 failed:\n" + f.read()[-3000:])
        new_master, _ = self.mailhived_pids()
        self.assertNotEqual(new_master, master)
        self.assertTrue(pid_alive(new_master))
        deadline = time.monotonic() + 10
        while True:
            try:
                c = self.connect()
                break
            except (OSError, SmtpClosed):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        rs = c.transaction("d@ext.test", [u.addr], simple_message("after restart %s" % tag))
        self.assertQueued(rs[-1])
        self.assertIn("after restart %s" % tag, [m["subject"] for m in inbox(inst, u)])


if __name__ == "__main__":
    unittest.main()
