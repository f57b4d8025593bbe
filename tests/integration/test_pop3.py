"""test_pop3.py - the POP3 service of mailhived over real sockets.

Ports of the shared instance: inst.pop3_port (110 role: STLS) and
inst.pop3s_port (995 role: implicit TLS). The clients are Python's poplib
(subclassed only to bind a loopback source address of their own, so the
per-address login limits of one test do not touch another) and, where
the exact octets matter, a raw socket client. Mail is delivered through
the instance's SMTP service (peers.smtp_send); every test uses users of
its own, made with mailhivectl.

What is checked, in the order of the classes below:
  Pop3Session: greeting, CAPA before/after STLS and login, USER/PASS,
      STAT/LIST with the sizes of the database (exact for CRLF mail:
      the octets RETR sends), RETR byte for byte against the blob
      (dot-stuffing on the wire), TOP, UIDL = "<uidvalidity>.<uid>" and
      stable across sessions, NOOP, commands in the wrong state, AUTH
      PLAIN (initial response, "+ " continuation, "*", bad base64,
      another authzid, unknown mechanism), a bare-LF message sent with
      CRLF, a 3 MB message streamed and pipelined.
  Pop3Update: DELE only at QUIT (rows, expunged rows, HIGHESTMODSEQ,
      quota given back), RSET, a dropped connection deletes nothing and
      frees the lock, \\Seen after RETR (not TOP) at QUIT.
  Pop3Lock: [IN-USE] for a second session of this worker (and the
      advisory lock in pg_locks while held), and for a lock held by
      another database session (another worker's).
  Pop3Abuse: failed login answered after >= 2 s while other sessions
      are served; three malformed AUTH PLAIN end the session; three bad
      commands before login end it, two do not; a 255-octet line is
      taken and a longer one refused with its tail discarded; STLS
      command injection; STLS refused under TLS.
  Pop3Strict (an instance of its own): imap.auth_plaintext_loopback = no,
      short pop3.login_timeout and pop3.idle_timeout: no USER/SASL in
      CAPA before STLS, -ERR [AUTH] for USER/AUTH in the clear, login
      after STLS and on 995; the login timeout, the idle timeout (and
      traffic keeping a session alive); PostgreSQL stopped: -ERR
      [SYS/TEMP] for login and RETR, and a session that outlived the
      outage still deletes at QUIT (its lock is taken again).

The replies asserted are those of RFC 1939, RFC 2449 (CAPA, RESP-CODES),
RFC 2595 (STLS), RFC 3206 (SYS/TEMP, AUTH) and RFC 5034 (AUTH PLAIN).
Only the Python standard library is used.
"""

import base64
import itertools
import json
import os
import poplib
import secrets
import socket
import ssl
import subprocess
import threading
import time
import unittest

import harness
import peers
from harness import sql_literal

_seq = itertools.count(1)
LOCK_CLASS = 0x504F5033         # pop3d.c POP3D_LOCK_CLASS


# ==== clients ================================================================

class Pop3(poplib.POP3):
    """poplib.POP3 from a loopback source address of its own."""

    def __init__(self, port, src=None, timeout=15):
        self.src = src or harness.next_source_address()
        super().__init__("127.0.0.1", port, timeout=timeout)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self.src, 0))


class Pop3S(poplib.POP3_SSL):
    """poplib.POP3_SSL (implicit TLS) from a source address of its own."""

    def __init__(self, port, src=None, timeout=15):
        self.src = src or harness.next_source_address()
        super().__init__("127.0.0.1", port, timeout=timeout,
                         context=peers.tls_client_context())

    def _create_socket(self, timeout):
        sock = socket.create_connection((self.host, self.port), timeout,
                                        source_address=(self.src, 0))
        return self.context.wrap_socket(sock, server_hostname=self.host)


class Closed(Exception):
    pass


class Raw:
    """Bytes out, lines in; nothing interpreted."""

    def __init__(self, port, src=None, implicit_tls=False, timeout=15):
        self.src = src or harness.next_source_address()
        self.timeout = timeout
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                             source_address=(self.src, 0))
        if implicit_tls:
            self.sock = peers.tls_client_context().wrap_socket(self.sock)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        try:
            b = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError) as e:
            raise Closed(str(e))
        if not b:
            raise Closed("closed by the server")
        self.buf += b

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        ln, _, self.buf = self.buf.partition(b"\r\n")
        return ln

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.line()

    def multi(self):
        """The lines of a multi-line body up to ".", as sent (stuffed)."""
        out = []
        while True:
            ln = self.line()
            if ln == b".":
                return out
            out.append(ln)

    def raw_until_terminator(self):
        """Everything up to and including CRLF.CRLF, as sent."""
        while b"\r\n.\r\n" not in self.buf:
            self._fill()
        data, _, self.buf = self.buf.partition(b"\r\n.\r\n")
        return data + b"\r\n.\r\n"

    def is_eof(self, wait=3.0):
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

    def starttls(self):
        self.sock = peers.tls_client_context().wrap_socket(self.sock)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ==== helpers ================================================================

class User:
    def __init__(self, addr, password, uid):
        self.addr = addr
        self.password = password
        self.id = uid

    def __repr__(self):
        return "<User %s>" % self.addr


def new_user(inst, tag):
    addr = "pop3-%s-%d-%s@example.test" % (tag, next(_seq), secrets.token_hex(3))
    pw = "Pw-" + secrets.token_hex(10)
    r = inst.ctl("user", "add", addr, password=pw)
    if r.rc != 0:
        raise AssertionError("could not add the test user: %r" % r)
    uid = int(inst.psql_value("SELECT id FROM users WHERE address = %s" % sql_literal(addr)))
    return User(addr, pw, uid)


def message(subject, body="Hello.\r\n"):
    return ("From: sender@ext.test\r\nTo: someone@example.test\r\n"
            "Subject: %s\r\n\r\n%s" % (subject, body))


def deliver(inst, user, subject, body="Hello.\r\n"):
    r = peers.smtp_send(inst.smtp_port, "sender@ext.test", [user.addr],
                        message(subject, body))
    if not r["data"] or r["data"][0] != 250:
        raise AssertionError("delivery failed: %r" % r)


def rows(inst, sql):
    out = inst.psql_value("SELECT coalesce(json_agg(t), '[]'::json) FROM (%s) t" % sql)
    return json.loads(out)


def inbox(inst, user):
    """INBOX rows in UID order: uid, size, sha, flags, modseq, subject."""
    return rows(inst, """
        SELECT m.uid, m.size, m.blob_sha256 AS sha, m.flags, m.modseq, m.subject
          FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
         WHERE b.user_id = %d AND b.name = 'INBOX' ORDER BY m.uid""" % user.id)


def mailbox(inst, user):
    return rows(inst, """
        SELECT id, uidvalidity, highestmodseq FROM mailboxes
         WHERE user_id = %d AND name = 'INBOX'""" % user.id)[0]


def used_bytes(inst, user):
    return int(inst.psql_value("SELECT used_bytes FROM users WHERE id = %d" % user.id))


def holds_lock(inst, user):
    """Some session holds the maildrop's advisory lock."""
    return inst.psql_value(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND classid::bigint = %d AND objid::bigint = %d AND objsubid = 2"
        % (LOCK_CLASS, user.id & 0x7FFFFFFF)) != "0"


def wait_for(pred, timeout=10.0, step=0.1):
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


def plain_token(authcid, password, authzid=""):
    return base64.b64encode(("%s\0%s\0%s" % (authzid, authcid, password)).encode()).decode()


def wire_body(blob):
    """What RETR must send for a stored CRLF message: dot-stuffed, then
    the terminator (the message ends with CRLF)."""
    assert blob.endswith(b"\r\n")
    lines = blob[:-2].split(b"\r\n")
    return b"".join((b"." + ln if ln.startswith(b".") else ln) + b"\r\n"
                    for ln in lines) + b".\r\n"


class Pop3TestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    def log(self, grep="pop3/", lines=40):
        return "\n--- mailhived.log ---\n" + peers.mailhived_log(self.inst, grep, lines)

    def new_user(self, tag, messages=0):
        u = new_user(self.inst, tag)
        for i in range(messages):
            deliver(self.inst, u, "%s message %d" % (tag, i + 1),
                    "Body of message %d.\r\nSecond line.\r\n" % (i + 1))
        return u

    def pop(self, user=None, tls=False, src=None):
        """A poplib session, logged in as USER when given."""
        p = Pop3S(self.inst.pop3s_port, src) if tls else Pop3(self.inst.pop3_port, src)
        self.addCleanup(self._close, p)
        if user is not None:
            self.assertTrue(p.user(user.addr).startswith(b"+OK"))
            r = p.pass_(user.password)
            self.assertTrue(r.startswith(b"+OK"), r)
        return p

    @staticmethod
    def _close(p):
        try:
            p.close()
        except Exception:       # noqa: BLE001 - already gone
            pass

    def raw(self, implicit_tls=False, src=None, greet=True):
        c = Raw(self.inst.pop3s_port if implicit_tls else self.inst.pop3_port,
                src=src, implicit_tls=implicit_tls)
        self.addCleanup(c.close)
        if greet:
            g = c.line()
            self.assertTrue(g.startswith(b"+OK"), g)
        return c

    def raw_login(self, user, **kw):
        c = self.raw(**kw)
        self.assertTrue(c.cmd("USER " + user.addr).startswith(b"+OK"))
        r = c.cmd("PASS " + user.password)
        self.assertTrue(r.startswith(b"+OK"), r)
        return c

    def assertErr(self, fn, *args, code=None):
        """fn(*args) raises poplib.error_proto with -ERR [and CODE]."""
        with self.assertRaises(poplib.error_proto) as cm:
            fn(*args)
        resp = cm.exception.args[0]
        self.assertTrue(resp.startswith(b"-ERR"), resp)
        if code is not None:
            self.assertTrue(resp.startswith(b"-ERR [" + code.encode() + b"]"), resp)
        return resp


# ==== the session ===========================================================

class Pop3Session(Pop3TestCase):

    def test_greeting_and_capa(self):
        p = self.pop()
        self.assertTrue(p.getwelcome().startswith(b"+OK"), p.getwelcome())
        caps = p.capa()
        for k in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE",
                  "PIPELINING", "STLS", "IMPLEMENTATION"):
            self.assertIn(k, caps)
        self.assertEqual(caps["SASL"], ["PLAIN"])
        # RFC 2595: after STLS, STLS is gone; RFC 2449: after login
        # there is nothing left to log in with
        p.stls(context=peers.tls_client_context())
        caps = p.capa()
        self.assertNotIn("STLS", caps)
        self.assertIn("USER", caps)
        u = self.new_user("capa")
        p.user(u.addr)
        p.pass_(u.password)
        caps = p.capa()
        for k in ("USER", "SASL", "STLS"):
            self.assertNotIn(k, caps)
        self.assertIn("UIDL", caps)

    def test_stat_list_retr_match_the_store(self):
        u = self.new_user("list", messages=3)
        db = inbox(self.inst, u)
        p = self.pop(u)
        self.assertEqual(p.stat(), (3, sum(m["size"] for m in db)))
        resp, lines, _ = p.list()
        self.assertEqual(resp, b"+OK 3 messages (%d octets)" % sum(m["size"] for m in db))
        self.assertEqual(lines, [b"%d %d" % (i + 1, m["size"]) for i, m in enumerate(db)])
        self.assertEqual(p.list(2), b"+OK 2 %d" % db[1]["size"])
        self.assertErr(p.list, 4)
        self.assertErr(p.list, 0)
        for i, m in enumerate(db):
            blob = peers.blob_bytes(self.inst, m["sha"])
            resp, lines, octets = p.retr(i + 1)
            self.assertEqual(resp, b"+OK %d octets" % m["size"])
            # CRLF mail: the size announced is exactly what comes
            self.assertEqual(b"\r\n".join(lines) + b"\r\n", blob)
            self.assertEqual(len(blob), m["size"])
        self.assertErr(p.retr, 4)
        self.assertTrue(p.noop().startswith(b"+OK"))
        self.assertTrue(p.quit().startswith(b"+OK"))

    def test_retr_dot_stuffing_on_the_wire(self):
        u = self.new_user("dots")
        deliver(self.inst, u, "dots", ".\r\n..\r\n.hidden\r\nnot.a.dot\r\n. \r\nend\r\n")
        blob = peers.blob_bytes(self.inst, inbox(self.inst, u)[0]["sha"])
        c = self.raw_login(u)
        self.assertTrue(c.cmd("RETR 1").startswith(b"+OK"))
        wire = c.raw_until_terminator()
        self.assertEqual(wire, wire_body(blob))
        self.assertIn(b"\r\n..\r\n...\r\n..hidden\r\nnot.a.dot\r\n.. \r\nend\r\n.\r\n", wire)
        # poplib undoes the stuffing: the message comes back unchanged
        p = self.pop()
        c.cmd("QUIT")
        self.assertTrue(wait_for(lambda: not holds_lock(self.inst, u)))
        p.user(u.addr)
        p.pass_(u.password)
        _, lines, _ = p.retr(1)
        self.assertEqual(b"\r\n".join(lines) + b"\r\n", blob)

    def test_top(self):
        u = self.new_user("top")
        deliver(self.inst, u, "top", "l1\r\n.l2\r\nl3\r\nl4\r\n")
        blob = peers.blob_bytes(self.inst, inbox(self.inst, u)[0]["sha"])
        head, _, body = blob.partition(b"\r\n\r\n")
        head_lines = head.split(b"\r\n")
        p = self.pop(u)
        resp, lines, _ = p.top(1, 0)
        self.assertTrue(resp.startswith(b"+OK"), resp)
        self.assertEqual(lines, head_lines + [b""])
        _, lines, _ = p.top(1, 2)
        self.assertEqual(lines, head_lines + [b"", b"l1", b".l2"])
        _, lines, _ = p.top(1, 100)
        self.assertEqual(lines, head_lines + [b"", b"l1", b".l2", b"l3", b"l4"])
        self.assertErr(p.top, 2, 0)
        # a raw TOP shows the stuffed line
        c = self.raw()
        p.quit()
        self.assertTrue(wait_for(lambda: not holds_lock(self.inst, u)))
        c.cmd("USER " + u.addr)
        self.assertTrue(c.cmd("PASS " + u.password).startswith(b"+OK"))
        self.assertTrue(c.cmd("TOP 1 2").startswith(b"+OK"))
        self.assertEqual(c.multi()[-2:], [b"l1", b"..l2"])
        for bad in ("TOP 1", "TOP x 1", "TOP 1 -1", "TOP 1 2 3"):
            self.assertTrue(c.cmd(bad).startswith(b"-ERR"), bad)

    def test_uidl_is_uidvalidity_dot_uid_and_stable(self):
        u = self.new_user("uidl", messages=3)
        mb = mailbox(self.inst, u)
        db = inbox(self.inst, u)
        want = [b"%d %d.%d" % (i + 1, mb["uidvalidity"], m["uid"]) for i, m in enumerate(db)]
        p = self.pop(u)
        resp, lines, _ = p.uidl()
        self.assertTrue(resp.startswith(b"+OK"), resp)
        self.assertEqual(lines, want)
        self.assertEqual(p.uidl(3), b"+OK " + want[2])
        self.assertErr(p.uidl, 4)
        p.dele(1)
        self.assertErr(p.uidl, 1)
        resp, lines, _ = p.uidl()
        self.assertEqual(lines, want[1:], "a deleted message is not listed")
        p.rset()
        p.quit()
        # the same in the next session; after a deletion the other
        # messages keep their UIDLs (under new message numbers)
        p = self.pop(u)
        self.assertEqual(p.uidl()[1], want)
        p.dele(1)
        p.quit()
        p = self.pop(u, tls=True)
        self.assertEqual(p.uidl()[1], [b"1 " + want[1].split()[1], b"2 " + want[2].split()[1]])
        p.quit()

    def test_commands_in_the_wrong_state(self):
        u = self.new_user("state", messages=1)
        c = self.raw()
        self.assertTrue(c.cmd("STAT").startswith(b"-ERR"))
        self.assertTrue(c.cmd("PASS x").startswith(b"-ERR"), "PASS without USER")
        # still open (two bad commands), and USER/PASS work
        c.cmd("USER " + u.addr)
        self.assertTrue(c.cmd("PASS " + u.password).startswith(b"+OK"))
        for cmd in ("USER x", "PASS y", "AUTH PLAIN", "STLS", "APOP a b"):
            self.assertTrue(c.cmd(cmd).startswith(b"-ERR"), cmd)
        # after login wrong-state commands do not end the session
        self.assertEqual(c.cmd("NOOP"), b"+OK")
        self.assertTrue(c.cmd("STAT").startswith(b"+OK 1 "))
        self.assertTrue(c.cmd("XYZZY").startswith(b"-ERR"))
        self.assertTrue(c.cmd("LIST one").startswith(b"-ERR"))
        self.assertTrue(c.cmd("RETR 4294967296").startswith(b"-ERR"))
        self.assertTrue(c.cmd("QUIT").startswith(b"+OK"))
        self.assertTrue(c.is_eof())

    def test_user_then_other_command_forgets_user(self):
        u = self.new_user("forget")
        c = self.raw()
        c.cmd("USER " + u.addr)
        c.cmd("CAPA")
        c.multi()
        self.assertTrue(c.cmd("PASS " + u.password).startswith(b"-ERR"),
                        "PASS must follow USER directly")

    def test_auth_plain(self):
        u = self.new_user("auth", messages=1)
        # initial response
        c = self.raw()
        r = c.cmd("AUTH PLAIN " + plain_token(u.addr, u.password))
        self.assertTrue(r.startswith(b"+OK"), r)
        self.assertTrue(c.cmd("STAT").startswith(b"+OK 1 "))
        c.cmd("QUIT")
        self.assertTrue(wait_for(lambda: not holds_lock(self.inst, u)))
        # continuation, authzid = authcid
        c = self.raw()
        self.assertEqual(c.cmd("AUTH PLAIN"), b"+ ")
        r = c.cmd(plain_token(u.addr, u.password, authzid=u.addr))
        self.assertTrue(r.startswith(b"+OK"), r)
        c.cmd("QUIT")
        self.assertTrue(wait_for(lambda: not holds_lock(self.inst, u)))
        # cancelled, then bad base64, then unknown mechanism, then the
        # mechanism list
        c = self.raw()
        self.assertEqual(c.cmd("auth plain"), b"+ ")
        self.assertTrue(c.cmd("*").startswith(b"-ERR"))
        self.assertTrue(c.cmd("AUTH CRAM-MD5").startswith(b"-ERR"))
        self.assertTrue(c.cmd("AUTH").startswith(b"+OK"))
        self.assertEqual(c.multi(), [b"PLAIN"])
        self.assertEqual(c.cmd("AUTH PLAIN"), b"+ ")
        self.assertTrue(c.cmd("not base64!").startswith(b"-ERR"))
        self.assertFalse(c.is_eof(0.5), "closed after two bad commands")
        self.assertTrue(c.cmd("XYZZY").startswith(b"-ERR"))
        self.assertTrue(c.is_eof(), "third bad command before login")
        # acting for someone else is refused at once, without a login
        other = self.new_user("auth-other")
        c = self.raw()
        r = c.cmd("AUTH PLAIN " + plain_token(u.addr, u.password, authzid=other.addr))
        self.assertTrue(r.startswith(b"-ERR [AUTH]"), r)
        self.assertFalse(holds_lock(self.inst, other))
        self.assertFalse(holds_lock(self.inst, u))

    def test_bare_lf_message_is_sent_with_crlf(self):
        u = self.new_user("lf")
        text = b"From: a@ext.test\nSubject: lf\n\nline one\n.dot\nbare\rcr\nlast"
        sha = self.store_raw_message(u, text)
        p = self.pop(u)
        # the size reported is the stored size (documented: approximate
        # for messages not stored with CRLF)
        self.assertEqual(p.list(1), b"+OK 1 %d" % len(text))
        c = self.raw()
        p.quit()
        self.assertTrue(wait_for(lambda: not holds_lock(self.inst, u)))
        c.cmd("USER " + u.addr)
        c.cmd("PASS " + u.password)
        self.assertTrue(c.cmd("RETR 1").startswith(b"+OK"))
        self.assertEqual(c.raw_until_terminator(),
                         b"From: a@ext.test\r\nSubject: lf\r\n\r\nline one\r\n..dot\r\n"
                         b"bare\r\ncr\r\nlast\r\n.\r\n")
        self.assertTrue(c.cmd("TOP 1 1").startswith(b"+OK"))
        self.assertEqual(c.multi(), [b"From: a@ext.test", b"Subject: lf", b"", b"line one"])
        self.assertEqual(peers.blob_bytes(self.inst, sha), text, "the store is untouched")

    def store_raw_message(self, user, text):
        """Put TEXT into the blob store and the user's INBOX as it is
        (the way an import could), bypassing SMTP."""
        import hashlib
        import pwd
        sha = hashlib.sha256(text).hexdigest()
        root = self.inst.config["store.blob_dir"]
        d = os.path.join(root, sha[:2], sha[2:4])
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, sha)
        with open(path, "wb") as f:
            f.write(text)
        pw = pwd.getpwnam(harness.MH_USER)
        for p in (os.path.join(root, sha[:2]), d, path):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        os.chmod(path, 0o640)
        self.inst.psql(
            "INSERT INTO blobs (sha256, size) VALUES (%s, %d) ON CONFLICT DO NOTHING;"
            " WITH mb AS (UPDATE mailboxes SET uidnext = uidnext + 1,"
            "  highestmodseq = highestmodseq + 1"
            "  WHERE user_id = %d AND name = 'INBOX'"
            "  RETURNING id, uidnext - 1 AS uid, highestmodseq)"
            " INSERT INTO messages (mailbox_id, uid, modseq, size, blob_sha256, subject)"
            " SELECT id, uid, highestmodseq, %d, %s, 'raw' FROM mb;"
            " UPDATE users SET used_bytes = used_bytes + %d WHERE id = %d"
            % (sql_literal(sha), len(text), user.id, len(text), sql_literal(sha),
               len(text), user.id))
        return sha

    def test_large_message_streamed_and_pipelined(self):
        u = self.new_user("large")
        line = "0123456789abcdefghijklmnopqrstuvwxyz.ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789\r\n"
        body = "".join(("." if i % 1000 == 0 else "") + line for i in range(40000))
        deliver(self.inst, u, "large", body)
        m = inbox(self.inst, u)[0]
        self.assertGreater(m["size"], 3000000)
        blob = peers.blob_bytes(self.inst, m["sha"])
        c = self.raw_login(u)
        # two RETRs, a LIST and a NOOP in one packet; the answers come in
        # order, each complete
        c.send("RETR 1\r\nLIST\r\nRETR 1\r\nNOOP\r\n")
        want = wire_body(blob)
        for _ in range(2):
            self.assertEqual(c.line(), b"+OK %d octets" % m["size"])
            got = c.raw_until_terminator()
            self.assertEqual(len(got), len(want))
            self.assertEqual(got, want)
            if _ == 0:
                self.assertTrue(c.line().startswith(b"+OK 1 messages"))
                self.assertEqual(c.multi(), [b"1 %d" % m["size"]])
        self.assertEqual(c.line(), b"+OK")
        # a client that reads slowly still gets all of it
        c.send("RETR 1\r\n")
        time.sleep(1.0)
        self.assertEqual(c.line(), b"+OK %d octets" % m["size"])
        self.assertEqual(c.raw_until_terminator(), want)


# ==== UPDATE state ============================================================

class Pop3Update(Pop3TestCase):

    def test_dele_only_at_quit_and_quota_given_back(self):
        u = self.new_user("dele", messages=3)
        db = inbox(self.inst, u)
        mb = mailbox(self.inst, u)
        used = used_bytes(self.inst, u)
        self.assertEqual(used, sum(m["size"] for m in db))
        p = self.pop(u)
        self.assertEqual(p.dele(1), b"+OK Message 1 deleted")
        self.assertErr(p.dele, 1)
        self.assertErr(p.retr, 1)
        self.assertErr(p.list, 1)
        self.assertErr(p.dele, 9)
        self.assertEqual(p.stat(), (2, db[1]["size"] + db[2]["size"]))
        self.assertEqual(p.list()[1], [b"2 %d" % db[1]["size"], b"3 %d" % db[2]["size"]])
        # nothing has happened in the store yet
        self.assertEqual(len(inbox(self.inst, u)), 3)
        self.assertEqual(used_bytes(self.inst, u), used)
        resp = p.quit()
        self.assertTrue(resp.startswith(b"+OK"), resp)
        left = inbox(self.inst, u)
        self.assertEqual([m["uid"] for m in left], [db[1]["uid"], db[2]["uid"]])
        self.assertEqual(used_bytes(self.inst, u), used - db[0]["size"])
        after = mailbox(self.inst, u)
        self.assertGreater(after["highestmodseq"], mb["highestmodseq"])
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM expunged WHERE mailbox_id = %d AND uid = %d"
            % (mb["id"], db[0]["uid"])), "1", "QRESYNC sees the expunge")
        # the next session sees two messages, numbered from 1
        p = self.pop(u)
        self.assertEqual(p.stat()[0], 2)
        _, lines, _ = p.retr(1)
        self.assertIn(b"Subject: dele message 2", lines)

    def test_rset_undeletes(self):
        u = self.new_user("rset", messages=2)
        p = self.pop(u)
        total = p.stat()
        p.dele(1)
        p.dele(2)
        self.assertEqual(p.stat(), (0, 0))
        resp = p.rset()
        self.assertTrue(resp.startswith(b"+OK"), resp)
        self.assertEqual(p.stat(), total)
        p.retr(1)
        p.quit()
        self.assertEqual(len(inbox(self.inst, u)), 2)

    def test_dropped_connection_deletes_nothing(self):
        u = self.new_user("drop", messages=2)
        used = used_bytes(self.inst, u)
        p = self.pop(u)
        p.dele(1)
        p.dele(2)
        self.assertTrue(holds_lock(self.inst, u))
        p.sock.close()          # no QUIT
        p.file.close()
        self.assertTrue(wait_for(lambda: not holds_lock(self.inst, u), 10),
                        "lock still held after the drop" + self.log())
        self.assertEqual(len(inbox(self.inst, u)), 2)
        self.assertEqual(used_bytes(self.inst, u), used)
        # and a new session gets the maildrop at once
        p = self.pop(u)
        self.assertEqual(p.stat()[0], 2)

    def test_drop_during_retr_deletes_nothing(self):
        u = self.new_user("drop-retr")
        deliver(self.inst, u, "big", "x" * 70 + "\r\n" * 1 + ("y" * 76 + "\r\n") * 20000)
        c = self.raw_login(u)
        c.cmd("DELE 1")
        deliver(self.inst, u, "second")      # arrives after login: unseen
        c.send("RETR 1\r\n")                 # deleted: -ERR
        self.assertTrue(c.line().startswith(b"-ERR"))
        c.send("RSET\r\nRETR 1\r\n")
        c.line()
        self.assertTrue(c.line().startswith(b"+OK"))
        c.sock.recv(1000)                    # some of it, then away
        c.close()
        self.assertTrue(wait_for(lambda: not holds_lock(self.inst, u), 10))
        db = inbox(self.inst, u)
        self.assertEqual(len(db), 2)
        self.assertTrue(all("\\Seen" not in m["flags"] for m in db), db)

    def test_retr_sets_seen_at_quit_top_does_not(self):
        u = self.new_user("seen", messages=3)
        before = {m["uid"]: m for m in inbox(self.inst, u)}
        uids = sorted(before)
        p = self.pop(u)
        p.retr(1)
        p.top(2, 0)
        p.retr(3)
        p.dele(3)
        # not before QUIT
        self.assertTrue(all("\\Seen" not in m["flags"] for m in inbox(self.inst, u)))
        p.quit()
        after = {m["uid"]: m for m in inbox(self.inst, u)}
        self.assertEqual(after[uids[0]]["flags"], ["\\Seen"])
        self.assertGreater(after[uids[0]]["modseq"], before[uids[0]]["modseq"])
        self.assertEqual(after[uids[1]]["flags"], [])
        self.assertEqual(after[uids[1]]["modseq"], before[uids[1]]["modseq"])
        self.assertNotIn(uids[2], after)
        # a second RETR of a \Seen message changes nothing
        ms = mailbox(self.inst, u)["highestmodseq"]
        p = self.pop(u)
        p.retr(1)
        p.quit()
        self.assertEqual(inbox(self.inst, u)[0]["flags"], ["\\Seen"])
        self.assertEqual(mailbox(self.inst, u)["highestmodseq"], ms)


# ==== the maildrop lock =======================================================

class Pop3Lock(Pop3TestCase):

    def test_second_session_gets_in_use(self):
        u = self.new_user("inuse", messages=1)
        first = self.pop(u)
        self.assertTrue(holds_lock(self.inst, u), "no advisory lock in pg_locks")
        second = self.pop(tls=True)
        second.user(u.addr)
        self.assertErr(second.pass_, u.password, code="IN-USE")
        c = self.raw()
        r = c.cmd("AUTH PLAIN " + plain_token(u.addr, u.password))
        self.assertTrue(r.startswith(b"-ERR [IN-USE]"), r)
        # the first session is unharmed
        self.assertEqual(first.stat()[0], 1)
        first.dele(1)
        first.quit()
        # the lock is gone by the time QUIT is answered
        self.assertFalse(holds_lock(self.inst, u))
        # the second one may try again in the same connection
        second.user(u.addr)
        self.assertTrue(second.pass_(u.password).startswith(b"+OK"))
        self.assertEqual(second.stat(), (0, 0))

    def test_lock_held_by_another_database_session(self):
        """What another worker's lock looks like: a PostgreSQL session
        of its own holding the same advisory lock."""
        u = self.new_user("inuse-db", messages=1)
        inst = self.inst
        psql = subprocess.Popen(
            [os.path.join(harness.PGBIN, "psql"), "-X", "-q", "-tA",
             "-h", inst.run_dir, "-p", str(inst.pg_port),
             "-U", inst.config.get("database.embedded_user", harness.MH_USER),
             "-d", "mailhive"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            psql.stdin.write(b"SELECT pg_advisory_lock(%d, %d);\n" % (LOCK_CLASS, u.id))
            psql.stdin.flush()
            self.assertTrue(wait_for(lambda: holds_lock(inst, u), 10))
            p = self.pop()
            p.user(u.addr)
            self.assertErr(p.pass_, u.password, code="IN-USE")
            psql.stdin.write(b"SELECT pg_advisory_unlock(%d, %d);\n" % (LOCK_CLASS, u.id))
            psql.stdin.flush()
            self.assertTrue(wait_for(lambda: not holds_lock(inst, u), 10))
            p.user(u.addr)
            self.assertTrue(p.pass_(u.password).startswith(b"+OK"))
        finally:
            try:
                psql.stdin.close()
            except OSError:
                pass
            peers._stop_child(psql)


# ==== bad input and bad logins ================================================

class Pop3Abuse(Pop3TestCase):

    def test_failed_login_is_answered_late_without_blocking_others(self):
        u = self.new_user("delay", messages=1)
        bad = self.raw()
        other = self.raw()
        bad.cmd("USER " + u.addr)
        t0 = time.monotonic()
        bad.send("PASS wrong-password\r\n")
        # meanwhile the worker serves other sessions at once
        time.sleep(0.3)
        t1 = time.monotonic()
        other.send("CAPA\r\n")
        self.assertTrue(other.line().startswith(b"+OK"))
        other.multi()
        self.assertLess(time.monotonic() - t1, 1.0, "the worker was blocked")
        r = bad.line()
        took = time.monotonic() - t0
        self.assertTrue(r.startswith(b"-ERR [AUTH]"), r)
        self.assertGreaterEqual(took, 1.9, "answered after %.2f s" % took)
        self.assertLess(took, 6.0)
        # commands pipelined behind the failed PASS wait for its answer,
        # and the session goes on
        self.assertEqual(bad.cmd("USER " + u.addr), b"+OK Send the password")
        self.assertTrue(bad.cmd("PASS " + u.password).startswith(b"+OK"))

    def test_malformed_auth_plain_three_times_closes(self):
        c = self.raw()
        for i in range(3):
            r = c.cmd("AUTH PLAIN " + base64.b64encode(b"no-nul-here").decode())
            self.assertTrue(r.startswith(b"-ERR [AUTH]"), r)
        self.assertTrue(c.is_eof(), "still open after three failed logins")

    def test_three_bad_commands_before_login_close(self):
        c = self.raw()
        self.assertTrue(c.cmd("XYZZY").startswith(b"-ERR"))
        self.assertTrue(c.cmd("STAT").startswith(b"-ERR"))
        self.assertFalse(c.is_eof(0.5), "closed after two")
        self.assertTrue(c.cmd("LIST").startswith(b"-ERR"))
        self.assertTrue(c.is_eof(), "still open after three bad commands")
        # good commands between bad ones do not reset the count
        c = self.raw()
        c.cmd("HELO")
        c.cmd("CAPA")
        c.multi()
        c.cmd("EHLO")
        self.assertFalse(c.is_eof(0.5))
        c.cmd("RETR 1")
        self.assertTrue(c.is_eof())

    def test_line_length_limit(self):
        u = self.new_user("long")
        c = self.raw()
        # 255 octets with the CRLF: taken
        line = "USER " + "a" * 248
        self.assertEqual(len(line) + 2, 255)
        self.assertTrue(c.cmd(line).startswith(b"+OK"))
        # 256: refused, and its tail, though it looks like a command, is
        # not one: the session is still there afterwards
        long_line = "NOOP " + "x" * 250 + "QUIT"
        self.assertEqual(len(long_line) + 2, 261)
        c.send(long_line[:100])
        time.sleep(0.2)
        c.send(long_line[100:] + "\r\n")
        self.assertEqual(c.line(), b"-ERR Line too long")
        self.assertTrue(c.cmd("CAPA").startswith(b"+OK"))
        c.multi()
        # a much longer one, in one piece: the second error
        c.send("USER " + "b" * 100000 + "\r\n")
        self.assertEqual(c.line(), b"-ERR Line too long")
        self.assertFalse(c.is_eof(0.5))
        self.assertTrue(c.cmd("PASS x").startswith(b"-ERR"), "USER was not taken")
        self.assertTrue(c.is_eof(), "still open after the third error")
        # after login the limit holds as well, without closing
        c = self.raw_login(u)
        self.assertEqual(c.cmd("NOOP " + "z" * 400), b"-ERR Line too long")
        self.assertEqual(c.cmd("NOOP"), b"+OK")

    def test_stls_command_injection(self):
        c = self.raw()
        # QUIT sent in the clear right behind STLS must never run inside
        # TLS (RFC 2595 / CVE-2011-0411 class)
        c.send("STLS\r\nQUIT\r\n")
        self.assertEqual(c.line(), b"+OK Begin TLS negotiation")
        time.sleep(0.3)
        self.assertEqual(c.buf, b"", "plaintext after the STLS reply")
        c.starttls()
        c.send("CAPA\r\n")
        r = c.line()
        self.assertEqual(r, b"+OK Capability list follows",
                         "the injected QUIT was executed: %r" % r)
        caps = c.multi()
        self.assertNotIn(b"STLS", caps)
        self.assertIn(b"USER", caps)
        self.assertFalse(c.is_eof(0.5))
        # USER given before STLS is forgotten too
        u = self.new_user("stls")
        c = self.raw()
        c.cmd("USER " + u.addr)
        self.assertTrue(c.cmd("STLS").startswith(b"+OK"))
        c.starttls()
        self.assertTrue(c.cmd("PASS " + u.password).startswith(b"-ERR"))

    def test_stls_refused_under_tls(self):
        c = self.raw(implicit_tls=True)
        self.assertTrue(c.cmd("STLS").startswith(b"-ERR"))
        self.assertTrue(c.cmd("CAPA").startswith(b"+OK"))
        self.assertNotIn(b"STLS", c.multi())
        c = self.raw()
        self.assertTrue(c.cmd("STLS").startswith(b"+OK"))
        c.starttls()
        self.assertTrue(c.cmd("STLS").startswith(b"-ERR"))

    def test_pop3s_login(self):
        u = self.new_user("pop3s", messages=1)
        p = self.pop(u, tls=True)
        self.assertEqual(p.stat()[0], 1)
        self.assertTrue(p.quit().startswith(b"+OK"))


# ==== strict policy, timeouts, database outage ==============================

class Pop3Strict(Pop3TestCase):
    """An instance of its own: plaintext logins refused on loopback, short
    timeouts; its PostgreSQL is stopped and started again."""

    LOGIN_TIMEOUT = 3
    IDLE_TIMEOUT = 4

    @classmethod
    def setUpClass(cls):
        build = os.environ.get("MH_BUILD", os.path.join(harness.ROOT, "build-test"))
        cls.inst = harness.Instance(build, extra_conf={
            "imap": {"auth_plaintext_loopback": "no"},
            "pop3": {"login_timeout": str(cls.LOGIN_TIMEOUT),
                     "idle_timeout": str(cls.IDLE_TIMEOUT)},
        })
        cls.addClassCleanup(cls._stop_instance)
        cls.inst.start()

    @classmethod
    def _stop_instance(cls):
        reports = cls.inst.stop(keep=bool(os.environ.get("MH_KEEP")))
        if reports:
            raise AssertionError("sanitizer reports:\n" + "\n".join(reports))

    def test_plaintext_login_needs_tls(self):
        u = self.new_user("strict", messages=1)
        c = self.raw()
        c.send("CAPA\r\n")
        self.assertTrue(c.line().startswith(b"+OK"))
        caps = c.multi()
        self.assertIn(b"STLS", caps)
        self.assertNotIn(b"USER", caps)
        self.assertFalse([x for x in caps if x.startswith(b"SASL")], caps)
        self.assertTrue(c.cmd("USER " + u.addr).startswith(b"-ERR [AUTH]"))
        r = c.cmd("AUTH PLAIN " + plain_token(u.addr, u.password))
        self.assertTrue(r.startswith(b"-ERR [AUTH]"), r)
        self.assertFalse(holds_lock(self.inst, u))
        # after STLS all of it is there
        self.assertTrue(c.cmd("STLS").startswith(b"+OK"))
        c.starttls()
        c.send("CAPA\r\n")
        c.line()
        caps = c.multi()
        self.assertIn(b"USER", caps)
        self.assertIn(b"SASL PLAIN", caps)
        c.cmd("USER " + u.addr)
        self.assertTrue(c.cmd("PASS " + u.password).startswith(b"+OK"))
        c.cmd("QUIT")
        # and on the implicit TLS port
        self.assertTrue(wait_for(lambda: not holds_lock(self.inst, u)))
        p = self.pop(u, tls=True)
        self.assertEqual(p.stat()[0], 1)

    def test_login_timeout(self):
        c = self.raw()
        t0 = time.monotonic()
        c.send("CAPA\r\n")          # traffic does not extend it
        c.line()
        c.multi()
        self.assertTrue(c.is_eof(self.LOGIN_TIMEOUT + 4), "not closed")
        took = time.monotonic() - t0
        self.assertGreaterEqual(took, self.LOGIN_TIMEOUT - 0.5)
        self.assertIn(b"-ERR", c.buf)

    def test_idle_timeout_after_login(self):
        u = self.new_user("idle", messages=1)
        idle_user = self.new_user("idle2")
        idle = self.raw(implicit_tls=True)
        idle.cmd("USER " + idle_user.addr)
        self.assertTrue(idle.cmd("PASS " + idle_user.password).startswith(b"+OK"))
        t0 = time.monotonic()
        # logged in after the idle one, so a slow login (a loaded machine)
        # never counts against the busy session's own timeout
        busy = self.pop(u, tls=True)
        # the busy session talks every second for longer than the timeout
        while time.monotonic() - t0 < self.IDLE_TIMEOUT + 2:
            self.assertTrue(busy.noop().startswith(b"+OK"))
            time.sleep(1)
        self.assertTrue(idle.is_eof(3), "the idle session is still open")
        self.assertEqual(idle.buf, b"", "RFC 1939: an autologout says nothing")
        self.assertEqual(busy.stat()[0], 1)
        # the autologout released the maildrop without an UPDATE
        self.assertTrue(wait_for(lambda: not holds_lock(self.inst, idle_user)))

    def pg_ctl(self, *args):
        argv = [peers.prog("runuser"), "-u", harness.MH_USER, "--",
                os.path.join(harness.PGBIN, "pg_ctl"), "-D", os.path.join(self.inst.var, "pg")]
        return subprocess.run(argv + list(args), capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=90)

    def pg_start(self):
        return self.pg_ctl("-l", os.path.join(self.inst.log_dir, "postgres.log"),
                           "-w", "-t", "60", "-s", "start")

    def keep_alive(self, session, fn, *args):
        """Run fn(*args) while SESSION sends NOOP twice a second (its
        idle timeout is short); returns fn's result."""
        out = {}
        t = threading.Thread(target=lambda: out.setdefault("r", fn(*args)))
        t.start()
        while t.is_alive():
            self.assertEqual(session.cmd("NOOP"), b"+OK")
            t.join(0.5)
        return out["r"]

    def test_zz_database_down(self):
        u = self.new_user("pgdown", messages=2)
        other = self.new_user("pgdown2", messages=1)
        s = self.raw(implicit_tls=True)
        s.cmd("USER " + u.addr)
        self.assertTrue(s.cmd("PASS " + u.password).startswith(b"+OK"))
        r = self.keep_alive(s, self.pg_ctl, "-m", "fast", "-w", "-t", "60", "stop")
        self.assertEqual(r.returncode, 0, r.stderr)
        started = False
        try:
            # a new login: the password cannot be checked
            c = self.raw(implicit_tls=True)
            c.cmd("USER " + other.addr)
            r = c.cmd("PASS " + other.password)
            self.assertTrue(r.startswith(b"-ERR [SYS/TEMP]"), r)
            # a session that was in: the message cannot be read, but the
            # session goes on
            r = s.cmd("RETR 1")
            self.assertTrue(r.startswith(b"-ERR [SYS/TEMP]"), r)
            self.assertTrue(s.cmd("STAT").startswith(b"+OK 2 "))
            self.assertTrue(s.cmd("DELE 1").startswith(b"+OK"))
            r = self.keep_alive(s, self.pg_start)
            self.assertEqual(r.returncode, 0, r.stderr)
            started = True
            # the worker's new connection lost the lock: QUIT takes it
            # again before deleting
            r = s.cmd("QUIT")
            self.assertTrue(r.startswith(b"+OK"), r + self.log().encode())
            self.assertEqual(len(inbox(self.inst, u)), 1)
            self.assertIn("lock_lost", self.log("lock_lost"))
            # logins work again, in the same worker
            c = self.raw(implicit_tls=True)
            c.cmd("USER " + other.addr)
            self.assertTrue(c.cmd("PASS " + other.password).startswith(b"+OK"))
        finally:
            if not started:
                self.pg_start()


if __name__ == "__main__":
    unittest.main()
