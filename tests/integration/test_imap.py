"""test_imap.py - what mailhived's IMAP service must do beyond what the
interoperability suite (test_imap_interop.py, run against Dovecot too)
checks: the limits, refusals and failure modes of issue "IMAP and POP3",
and how IMAP changes the store (quota, blob references).

A small raw client (ImapConn) is used so that tests can send exactly the
octets they want: pipelined commands, literals, cut-off connections.
Only the Python standard library is used, plus swaks for the delivery
that an IDLE client must hear about.
"""

import base64
import os
import re
import secrets
import socket
import ssl
import subprocess
import time
import unittest

import harness
import peers
from harness import sql_literal

_users = []


def new_user(inst, tag, quota=None):
    addr = "imap-%s-%s@example.test" % (tag, secrets.token_hex(4))
    pw = "Pw-" + secrets.token_hex(10)
    args = ["user", "add", addr]
    if quota is not None:
        args += ["--quota", quota]
    r = inst.ctl(*args, password=pw)
    if r.rc != 0:
        raise AssertionError("user add: %r" % r)
    return addr, pw


def user_id(inst, addr):
    return int(inst.psql_value("SELECT id FROM users WHERE address = %s" % sql_literal(addr)))


class ImapConn:
    """A line-level IMAP client over a plain or TLS socket."""

    def __init__(self, port, tls=False, src=None, timeout=20):
        self.sock = socket.create_connection(
            ("127.0.0.1", port), timeout=timeout,
            source_address=(src or harness.next_source_address(), 0))
        if tls:
            self.sock = peers.tls_client_context().wrap_socket(self.sock)
        self.buf = b""
        self.n = 0
        self.greeting = self.line()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed; got %r" % self.buf)
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        m = re.search(rb"\{(\d+)\}$", line)
        if m:                       # a literal follows: return it inline
            n = int(m.group(1))
            while len(self.buf) < n:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError("closed in a literal")
                self.buf += chunk
            lit, self.buf = self.buf[:n], self.buf[n:]
            return (line + b"\r\n" + lit + self.line().encode("latin-1")).decode("latin-1")
        return line.decode("utf-8", "replace")

    def tag(self):
        self.n += 1
        return "t%d" % self.n

    def cmd(self, text, tag=None):
        """Send "<tag> text", return (tagged line, untagged lines)."""
        tag = tag or self.tag()
        self.send("%s %s\r\n" % (tag, text))
        return self.wait(tag)

    def wait(self, tag):
        untagged = []
        while True:
            ln = self.line()
            if ln.startswith(tag + " "):
                return ln, untagged
            untagged.append(ln)

    def login(self, user, pw):
        t, u = self.cmd('LOGIN "%s" "%s"' % (user, pw))
        if " OK " not in t:
            raise AssertionError("login failed: %s" % t)
        return t


def connected(sock_or_conn, timeout=2.0):
    """True when the server has not closed the connection."""
    s = sock_or_conn.sock if isinstance(sock_or_conn, ImapConn) else sock_or_conn
    s.settimeout(timeout)
    try:
        data = s.recv(1, socket.MSG_PEEK)
        return data != b""
    except socket.timeout:
        return True
    except OSError:
        return False


def message(subject, body="hello\r\n", frm="sender@elsewhere.test", to="x@example.test"):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\n"
            "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n%s"
            % (frm, to, subject, secrets.token_hex(8), body))


class ImapTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()
        cls.port = cls.inst.imap_port

    def conn(self, **kw):
        c = ImapConn(self.port, **kw)
        self.addCleanup(c.close)
        return c

    def logged_in(self, user=None):
        if user is None:
            user = new_user(self.inst, "u")
        c = self.conn()
        c.login(*user)
        return c, user

    def deliver(self, addr, subject, body="hello\r\n"):
        r = peers.smtp_send(self.inst.smtp_port, "someone@elsewhere.test", [addr],
                            message(subject, body, to=addr))
        self.assertEqual(r["data"][0], 250, r)

    # ---- greeting, capabilities, state rules ----

    def test_greeting_and_capabilities(self):
        c = self.conn()
        self.assertRegex(c.greeting, r"^\* OK \[CAPABILITY IMAP4rev1 ")
        t, u = c.cmd("CAPABILITY")
        caps = u[0].split()
        self.assertIn("LITERAL-", caps, "before login: LITERAL- (RFC 7888)")
        self.assertIn("STARTTLS", caps)
        self.assertIn("AUTH=PLAIN", caps)       # loopback allowed by default
        addr, pw = new_user(self.inst, "caps")
        t = c.login(addr, pw)
        self.assertIn("[CAPABILITY ", t)
        t, u = c.cmd("CAPABILITY")
        caps = u[0].split()
        for cap in ("LITERAL+", "IDLE", "UIDPLUS", "MOVE", "CONDSTORE", "QRESYNC",
                    "SORT", "THREAD=REFERENCES", "ESEARCH", "SPECIAL-USE",
                    "QUOTA", "NAMESPACE", "ENABLE"):
            self.assertIn(cap, caps)
        limit = [x for x in caps if x.startswith("APPENDLIMIT=")]
        self.assertEqual(limit, ["APPENDLIMIT=%d" % (50 * 1024 * 1024)])

    def test_wrong_state_and_unknown(self):
        c = self.conn()
        t, _ = c.cmd("SELECT INBOX")
        self.assertRegex(t, r"^t\d+ BAD ")
        t, _ = c.cmd("FROBNICATE")
        self.assertRegex(t, r"^t\d+ BAD ")

    def test_three_bad_commands_before_login_disconnect(self):
        c = self.conn()
        c.cmd("BOGUS1")
        c.cmd("BOGUS2")
        c.send("t9 BOGUS3\r\n")
        lines = []
        try:
            while True:
                lines.append(c.line())
        except (EOFError, OSError):
            pass
        self.assertTrue(any(l.startswith("* BYE") for l in lines), lines)
        self.assertFalse(connected(c))

    def test_logged_in_bad_commands_do_not_disconnect(self):
        c, _ = self.logged_in()
        for i in range(5):
            t, _ = c.cmd("BOGUS%d" % i)
            self.assertIn(" BAD ", t)
        t, _ = c.cmd("NOOP")
        self.assertIn(" OK ", t)

    # ---- limits on input ----

    def test_overlong_line_is_refused_and_session_goes_on(self):
        c, _ = self.logged_in()
        c.send("t1 NOOP " + "x" * (70 * 1024) + "\r\n")
        t, _ = c.wait("t1")
        self.assertRegex(t, r"^t1 BAD \[TOOBIG\]")
        t, _ = c.cmd("NOOP")
        self.assertIn(" OK ", t)

    def test_literal_minus_before_login(self):
        c = self.conn()
        # a non-synchronizing literal over 4096 octets under LITERAL-
        c.send("t1 LOGIN {5000+}\r\n" + "a" * 5000 + " pw\r\n")
        t, _ = c.wait("t1")
        self.assertRegex(t, r"^t1 BAD ")
        t, _ = c.cmd("NOOP")
        self.assertIn(" OK ", t, "the literal data must not run as commands")

    def test_big_literal_refused_before_it_is_sent(self):
        c, _ = self.logged_in()
        c.send("t1 APPEND INBOX {%d}\r\n" % (60 * 1024 * 1024))
        t = c.line()
        self.assertRegex(t, r"^t1 NO \[TOOBIG\]", "no '+' for a literal over APPENDLIMIT")

    def test_append_over_quota_refused_before_data(self):
        c, (addr, _) = self.logged_in(new_user(self.inst, "quota", quota="10K"))
        c.send("t1 APPEND INBOX {20000}\r\n")
        t = c.line()
        self.assertRegex(t, r"^t1 NO \[OVERQUOTA\]")
        n = self.inst.psql_value("SELECT count(*) FROM messages m JOIN mailboxes b ON"
                                 " b.id = m.mailbox_id WHERE b.user_id = %d"
                                 % user_id(self.inst, addr))
        self.assertEqual(n, "0")

    # ---- TLS ----

    def test_starttls_injection_discarded(self):
        c = self.conn()
        # the second command arrives in the same write as STARTTLS
        c.send("t1 STARTTLS\r\nt2 CAPABILITY\r\n")
        t, _ = c.wait("t1")
        self.assertIn(" OK ", t)
        c.sock = peers.tls_client_context().wrap_socket(c.sock)
        c.buf = b""
        t, u = c.cmd("NOOP", tag="t3")
        self.assertIn(" OK ", t)
        self.assertFalse(any(l.startswith("t2 ") for l in u), u)
        self.assertFalse(any("CAPABILITY" in l for l in u), u)
        t, u = c.cmd("CAPABILITY", tag="t4")
        self.assertNotIn("STARTTLS", u[0])

    def test_imaps(self):
        c = ImapConn(self.inst.imaps_port, tls=True)
        self.addCleanup(c.close)
        self.assertTrue(c.greeting.startswith("* OK"))
        addr, pw = new_user(self.inst, "tls")
        c.login(addr, pw)

    # ---- logins ----

    def test_failed_login_is_delayed(self):
        addr, pw = new_user(self.inst, "delay")
        c = self.conn()
        t0 = time.monotonic()
        t, _ = c.cmd('LOGIN "%s" "wrong"' % addr)
        took = time.monotonic() - t0
        self.assertRegex(t, r"^t\d+ NO \[AUTHENTICATIONFAILED\]")
        self.assertGreaterEqual(took, 1.8, "a failed login must be answered after ~2 s")
        t, _ = c.cmd('LOGIN "%s" "%s"' % (addr, pw))
        self.assertIn(" OK ", t)

    def test_authenticate_plain_and_login(self):
        addr, pw = new_user(self.inst, "sasl")
        c = self.conn()
        ir = base64.b64encode(("\0%s\0%s" % (addr, pw)).encode()).decode()
        t, _ = c.cmd("AUTHENTICATE PLAIN " + ir)
        self.assertIn(" OK ", t)
        c2 = self.conn()
        c2.send("a AUTHENTICATE LOGIN\r\n")
        self.assertTrue(c2.line().startswith("+ "))
        c2.send(base64.b64encode(addr.encode()) + b"\r\n")
        self.assertTrue(c2.line().startswith("+ "))
        c2.send(base64.b64encode(pw.encode()) + b"\r\n")
        t, _ = c2.wait("a")
        self.assertIn(" OK ", t)

    def test_service_login_for_webmail(self):
        inst = self.inst
        with open(inst.config["imap.service_secret_file"]) as f:
            secret = f.read().strip()
        addr, _ = new_user(self.inst, "svc")
        c = self.conn()
        ir = base64.b64encode(("%s\0webmail\0%s" % (addr, secret)).encode()).decode()
        t, _ = c.cmd("AUTHENTICATE PLAIN " + ir)
        self.assertIn(" OK ", t)
        t, u = c.cmd("SELECT INBOX")
        self.assertIn(" OK ", t)
        # a wrong secret, and a normal user acting for someone else
        other, opw = new_user(self.inst, "svc2")
        for authcid, pw in (("webmail", secret + "x"), (other, opw)):
            c = self.conn()
            ir = base64.b64encode(("%s\0%s\0%s" % (addr, authcid, pw)).encode()).decode()
            t, _ = c.cmd("AUTHENTICATE PLAIN " + ir)
            self.assertRegex(t, r"^t\d+ NO ", authcid)

    # ---- the store ----

    def test_expunge_frees_quota_and_blob_reference(self):
        inst = self.inst
        addr, pw = new_user(inst, "exp")
        uid = user_id(inst, addr)
        body = ("x" * 70 + "\r\n") * 50 + secrets.token_hex(16) + "\r\n"
        self.deliver(addr, "to expunge", body)
        used = int(inst.psql_value("SELECT used_bytes FROM users WHERE id = %d" % uid))
        self.assertGreater(used, 3000)
        sha = inst.psql_value("SELECT m.blob_sha256 FROM messages m JOIN mailboxes b ON"
                              " b.id = m.mailbox_id WHERE b.user_id = %d" % uid)
        self.assertEqual(inst.psql_value("SELECT refcount FROM blobs WHERE sha256 = '%s'" % sha), "1")
        c, _ = self.logged_in((addr, pw))
        c.cmd("SELECT INBOX")
        t, _ = c.cmd("STORE 1 +FLAGS.SILENT (\\Deleted)")
        self.assertIn(" OK ", t)
        t, u = c.cmd("EXPUNGE")
        self.assertIn(" OK ", t)
        self.assertIn("* 1 EXPUNGE", u)
        self.assertEqual(inst.psql_value("SELECT used_bytes FROM users WHERE id = %d" % uid), "0")
        self.assertEqual(inst.psql_value("SELECT refcount FROM blobs WHERE sha256 = '%s'" % sha), "0")

    def test_vanished_client_mid_append_leaves_nothing(self):
        inst = self.inst
        addr, pw = new_user(inst, "cut")
        uid = user_id(inst, addr)
        tmp = os.path.join(inst.var, "blobs", "tmp")

        def tmp_files():
            return set(os.listdir(tmp)) if os.path.isdir(tmp) else set()

        before = tmp_files()
        c = ImapConn(self.port)
        c.login(addr, pw)
        c.send("t9 APPEND INBOX {100000}\r\n")
        self.assertTrue(c.line().startswith("+"))
        c.send("Subject: cut\r\n\r\n" + "y" * 40000)
        time.sleep(0.3)
        self.assertGreater(len(tmp_files() - before), 0, "the message streams to a temporary file")
        c.sock.shutdown(socket.SHUT_RDWR)
        c.close()
        peers.wait_for(lambda: tmp_files() == before, 5)
        self.assertEqual(tmp_files() - before, set(), "temporary file left behind")
        self.assertEqual(inst.psql_value(
            "SELECT count(*) FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id"
            " WHERE b.user_id = %d" % uid), "0")

    def test_append_stores_flags_date_and_appenduid(self):
        c, (addr, _) = self.logged_in()
        msg = message("appended").encode()
        c.send(b'a1 APPEND Drafts (\\Draft \\Seen) "05-Jan-2026 10:20:30 +0800" {%d}\r\n'
               % len(msg))
        self.assertTrue(c.line().startswith("+"))
        c.send(msg + b"\r\n")
        t, _ = c.wait("a1")
        m = re.search(r"\[APPENDUID (\d+) (\d+)\]", t)
        self.assertTrue(m, t)
        row = self.inst.psql_value(
            "SELECT array_to_string(flags, ',') || '|' || to_char(internal_date AT TIME ZONE"
            " 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '|' || b.uidvalidity || '|' || m.uid"
            " FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id WHERE b.user_id = %d"
            " AND b.name = 'Drafts'" % user_id(self.inst, addr))
        flags, date, validity, uid = row.split("|")
        self.assertEqual(sorted(flags.split(",")), ["\\Draft", "\\Seen"])
        self.assertEqual(date, "2026-01-05 02:20:30")
        self.assertEqual((validity, uid), m.groups())

    def test_has_attachment_keyword(self):
        """A message with an attachment carries $HasAttachment from delivery,
        APPEND and COPY on, so clients list and search by it from FLAGS."""
        c, (addr, _) = self.logged_in()
        mixed = ("From: a@elsewhere.test\r\nTo: %s\r\nSubject: with file\r\n"
                 "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                 "--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n"
                 "--b\r\nContent-Type: application/pdf\r\n"
                 "Content-Disposition: attachment; filename=a.pdf\r\n"
                 "Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b--\r\n" % addr)
        r = peers.smtp_send(self.inst.smtp_port, "a@elsewhere.test", [addr], mixed)
        self.assertEqual(r["data"][0], 250, r)
        self.deliver(addr, "plain one")
        msg = mixed.encode()
        c.send(b"a1 APPEND Drafts (\\Seen) {%d}\r\n" % len(msg))
        self.assertTrue(c.line().startswith("+"))
        c.send(msg + b"\r\n")
        t, _ = c.wait("a1")
        self.assertIn(" OK ", t)
        t, u = c.cmd("SELECT INBOX")
        self.assertTrue(any("$HasAttachment" in l for l in u if l.startswith("* FLAGS")), u)
        t, u = c.cmd("UID FETCH 1:* (FLAGS ENVELOPE)")
        flags = {("with file" in l): l for l in u if "FETCH" in l}
        self.assertIn("$HasAttachment", flags[True])
        self.assertNotIn("$HasAttachment", flags[False])
        t, u = c.cmd("UID SEARCH KEYWORD $HasAttachment")
        self.assertEqual(u, ["* SEARCH 1"])
        t, u = c.cmd("UID SEARCH UNKEYWORD $HasAttachment")
        self.assertEqual(u, ["* SEARCH 2"])
        t, _ = c.cmd("UID COPY 1 Junk")
        self.assertIn(" OK ", t)
        for box, want in (("Drafts", "\\Seen,$HasAttachment"), ("Junk", "$HasAttachment")):
            got = self.inst.psql_value(
                "SELECT array_to_string(flags, ',') FROM messages m JOIN mailboxes b"
                " ON b.id = m.mailbox_id WHERE b.user_id = %d AND b.name = '%s'"
                % (user_id(self.inst, addr), box))
            self.assertEqual(got, want, box)

    def test_unseen_count_kept_by_every_change(self):
        """STATUS UNSEEN comes from a counter in the mailbox row; every kind
        of change keeps it equal to the unseen messages really there."""
        c, (addr, _) = self.logged_in()
        uid_ = user_id(self.inst, addr)
        for i in range(4):
            self.deliver(addr, "unseen %d" % i)
        msg = message("appended seen").encode()
        c.send(b"a1 APPEND INBOX (\\Seen) {%d}\r\n" % len(msg))
        self.assertTrue(c.line().startswith("+"))
        c.send(msg + b"\r\n")
        self.assertIn(" OK ", c.wait("a1")[0])

        def check(label):
            rows = self.inst.psql(
                "SELECT b.name, b.unseen_count, (SELECT count(*) FROM messages m"
                " WHERE m.mailbox_id = b.id AND NOT m.flags @> '{\"\\\\Seen\"}')"
                " FROM mailboxes b WHERE b.user_id = %d ORDER BY b.name" % uid_)
            for line in rows.splitlines():
                name, kept, real = line.split("|")
                self.assertEqual(kept, real, "%s: %s" % (label, name))
            return {l.split("|")[0]: int(l.split("|")[2]) for l in rows.splitlines()}

        self.assertEqual(check("delivered")["INBOX"], 4)
        t, u = c.cmd("STATUS INBOX (MESSAGES UNSEEN)")
        self.assertIn("(MESSAGES 5 UNSEEN 4)", u[0])
        c.cmd("SELECT INBOX")
        c.cmd("UID STORE 1 +FLAGS (\\Seen)")
        c.cmd("UID STORE 5 -FLAGS (\\Seen)")
        c.cmd("UID STORE 2 FLAGS (\\Flagged)")        # no \Seen change
        self.assertEqual(check("stored")["INBOX"], 4)
        c.cmd("UID FETCH 3 BODY[]")                     # sets \Seen
        self.assertEqual(check("fetched")["INBOX"], 3)
        c.cmd("UID COPY 1:5 Junk")
        c.cmd("UID MOVE 4 Trash")
        counts = check("copied and moved")
        self.assertEqual((counts["INBOX"], counts["Junk"], counts["Trash"]), (2, 3, 1))
        c.cmd("UID STORE 2 +FLAGS (\\Deleted)")
        c.cmd("EXPUNGE")
        self.assertEqual(check("expunged")["INBOX"], 1)
        t, u = c.cmd("STATUS Junk (UNSEEN MESSAGES)")
        self.assertIn("(UNSEEN 3 MESSAGES 5)", u[0])
        c.cmd("SELECT Junk")
        c.cmd("STORE 1:* +FLAGS (\\Seen)")
        self.assertEqual(check("all seen")["Junk"], 0)
        c.cmd("DELETE Trash")                           # refused or not, counts hold
        check("after delete")

    def test_chinese_mailbox_names(self):
        c, (addr, _) = self.logged_in()
        # 收件箱/项目 in modified UTF-7
        t, _ = c.cmd('CREATE "&ZTZO9nux-/&mHl27g-"')
        self.assertIn(" OK ", t)
        names = self.inst.psql("SELECT name FROM mailboxes WHERE user_id = %d ORDER BY name"
                               % user_id(self.inst, addr))
        self.assertIn("收件箱/项目", names)
        self.assertIn("收件箱", names, "the parent is made too")
        t, u = c.cmd('LIST "" "&ZTZO9nux-*"')
        # the name as an atom or a quoted string: both are an astring
        self.assertTrue(any(re.fullmatch(r'\* LIST \(\\HasChildren\) "/" "?&ZTZO9nux-"?', l)
                            for l in u), u)
        self.assertTrue(any(re.fullmatch(r'\* LIST \(\\HasNoChildren\) "/" "?&ZTZO9nux-/&mHl27g-"?', l)
                            for l in u), u)
        t, _ = c.cmd('CREATE "&AGE-bad"')      # "a" encoded: not canonical
        self.assertRegex(t, r"^t\d+ BAD ")

    # ---- two sessions, IDLE ----

    def test_two_sessions_see_each_other(self):
        addr, pw = new_user(self.inst, "two")
        for i in range(2):
            self.deliver(addr, "two %d" % i)
        a, _ = self.logged_in((addr, pw))
        b, _ = self.logged_in((addr, pw))
        a.cmd("SELECT INBOX")
        b.cmd("SELECT INBOX")
        t, _ = a.cmd("STORE 1 +FLAGS (\\Flagged)")
        self.assertIn(" OK ", t)
        t, u = b.cmd("NOOP")
        self.assertTrue(any(re.match(r"\* 1 FETCH \(.*FLAGS \(.*\\Flagged", l) for l in u), u)
        a.cmd("STORE 2 +FLAGS.SILENT (\\Deleted)")
        t, u = a.cmd("EXPUNGE")
        self.assertIn("* 2 EXPUNGE", u)
        t, u = b.cmd("NOOP")
        self.assertIn("* 2 EXPUNGE", u)
        # no EXPUNGE during FETCH (RFC 3501 7.4.1)
        a.cmd("STORE 1 +FLAGS.SILENT (\\Deleted)")
        a.cmd("EXPUNGE")
        t, u = b.cmd("FETCH 1 (FLAGS)")
        self.assertFalse(any("EXPUNGE" in l for l in u), u)
        t, u = b.cmd("NOOP")
        self.assertIn("* 1 EXPUNGE", u)

    def test_idle_hears_swaks_delivery_within_a_second(self):
        addr, pw = new_user(self.inst, "idle")
        c, _ = self.logged_in((addr, pw))
        c.cmd("SELECT INBOX")
        c.send("i1 IDLE\r\n")
        self.assertTrue(c.line().startswith("+"))
        t0 = time.monotonic()
        r = subprocess.run([peers.prog("swaks"), "--server", "127.0.0.1",
                            "--port", str(self.inst.smtp_port), "--to", addr,
                            "--from", "swaks@elsewhere.test", "--header",
                            "Subject: idle test", "--silent", "2"],
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        sent = time.monotonic()
        c.sock.settimeout(5)
        ln = c.line()
        heard = time.monotonic()
        self.assertEqual(ln, "* 1 EXISTS")
        self.assertLess(heard - sent, 1.0, "EXISTS came %.2f s after delivery" % (heard - sent))
        c.send("DONE\r\n")
        t, _ = c.wait("i1")
        self.assertIn(" OK ", t)
        self.assertLess(heard - t0, 10)


if __name__ == "__main__":
    unittest.main()


class ImapLimitsTest(unittest.TestCase):
    """Timeouts and connection limits, on an instance of its own with
    small values (the defaults are 60 s, 30 min, 1000 and 50)."""

    @classmethod
    def setUpClass(cls):
        build = os.environ.get("MH_BUILD", os.path.join(harness.ROOT, "build-test"))
        cls.inst = harness.Instance(build, extra_conf={"imap": {
            "login_timeout": "2", "idle_timeout": "4",
            "max_connections_per_ip": "4", "max_connections_per_user": "2",
            "workers": "1"}})
        cls.addClassCleanup(cls._stop)
        cls.inst.start()
        cls.user = new_user(cls.inst, "limits")

    @classmethod
    def _stop(cls):
        reports = cls.inst.stop(keep=bool(os.environ.get("MH_KEEP")))
        if reports:
            raise AssertionError("sanitizer reports:\n" + "\n".join(reports))

    def read_until_closed(self, c, timeout):
        c.sock.settimeout(timeout)
        lines = []
        try:
            while True:
                lines.append(c.line())
        except (EOFError, OSError):
            pass
        return lines

    def test_login_timeout(self):
        c = ImapConn(self.inst.imap_port)
        self.addCleanup(c.close)
        t0 = time.monotonic()
        lines = self.read_until_closed(c, 10)
        took = time.monotonic() - t0
        self.assertTrue(any(l.startswith("* BYE") for l in lines), lines)
        self.assertGreaterEqual(took, 1.5)
        self.assertLess(took, 6)

    def test_autologout_after_login(self):
        c = ImapConn(self.inst.imap_port)
        self.addCleanup(c.close)
        c.login(*self.user)
        t0 = time.monotonic()
        lines = self.read_until_closed(c, 15)
        self.assertTrue(any(l.startswith("* BYE") for l in lines), lines)
        self.assertGreaterEqual(time.monotonic() - t0, 3)

    def test_connections_per_user_and_address(self):
        src = harness.next_source_address()
        conns = []
        try:
            for _ in range(2):
                c = ImapConn(self.inst.imap_port, src=src)
                conns.append(c)
                c.login(*self.user)
            c = ImapConn(self.inst.imap_port, src=src)
            conns.append(c)
            t, _ = c.cmd('LOGIN "%s" "%s"' % self.user)
            self.assertRegex(t, r"^t\d+ NO \[LIMIT\]")
            c = ImapConn(self.inst.imap_port, src=src)
            conns.append(c)
            # the fifth from one address is turned away at once
            s = socket.create_connection(("127.0.0.1", self.inst.imap_port),
                                         source_address=(src, 0), timeout=5)
            conns.append(s)
            data = b""
            while True:
                chunk = s.recv(1000)
                if not chunk:
                    break
                data += chunk
            self.assertRegex(data, rb"^\* BYE \[UNAVAILABLE\]")
        finally:
            for c in conns:
                c.close()
