"""test_pop3_interop.py - POP3 (RFC 1939, CAPA RFC 2449, STLS RFC 2595,
AUTH RFC 5034) with Python's poplib, against the private Dovecot and the
test instance's mailhived (classes Pop3Interop*Dovecot / *Mailhived, see
test_imap_interop.for_each_server).

The messages are delivered by each server's own path (dovecot-lda, SMTP
to mailhived's MX port), so a server may add trace header fields above
them; the tests compare what the sender wrote (the body byte for byte,
the header fields it set) and the sizes the server itself reports.
Commands poplib does not have (AUTH, raw RETR to see the dot-stuffing on
the wire) go through poplib's own line functions.
"""

import base64
import poplib
import socket
import time

import harness
import peers
from test_imap_interop import ServerCase, for_each_server

TIMEOUT = 10.0

DOTTED_BODY = (b"Line one\r\n"
               b".starts with a dot\r\n"
               b"..starts with two dots\r\n"
               b".\r\n"
               b"after a lone dot\r\n"
               b"last line\r\n")


def pop3_message(subject, body=b"Hello from the interop test.\r\n"):
    return (b"From: Sender <sender@ext.test>\r\n"
            b"To: someone@example.test\r\n"
            b"Subject: " + subject.encode() + b"\r\n"
            b"Date: Mon, 01 Jan 2024 12:00:00 +0000\r\n"
            b"Message-ID: <" + subject.replace(" ", "-").encode() + b"@interop.test>\r\n"
            b"\r\n" + body)


class _Src:
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(harness.next_source_address(), 0))


class Pop3(_Src, poplib.POP3):
    """poplib.POP3 from a loopback source address of its own."""


class Pop3Ssl(poplib.POP3_SSL):
    def _create_socket(self, timeout):
        sock = _Src._create_socket(self, timeout)
        return self.context.wrap_socket(sock, server_hostname=self.host)


def split_message(lines):
    """(header lines, body lines) of a message given as lines."""
    if b"" in lines:
        i = lines.index(b"")
        return lines[:i], lines[i + 1:]
    return lines, []


class Pop3Case(ServerCase):
    PROTO = "pop3"
    USER = "pop3"
    MESSAGES = [("pop3 first", b"First body line.\r\nSecond body line.\r\nThird.\r\nFourth.\r\n"),
                ("pop3 dotted", DOTTED_BODY),
                ("pop3 third", b"Third message.\r\n")]

    @classmethod
    def setUpServer(cls):
        cls.login, cls.password = cls.srv.user(cls.USER)
        for subject, body in cls.MESSAGES:
            cls.srv.deliver(cls.login, pop3_message(subject, body))
        n = cls.srv.wait_delivered(cls.login, len(cls.MESSAGES))
        if n != len(cls.MESSAGES):
            raise AssertionError("%d of %d messages delivered" % (n, len(cls.MESSAGES)))

    def pop(self, tls=None, login=True):
        """A poplib session; tls None (plain, STLS when needed for the
        password), "stls" or "implicit"."""
        if tls == "implicit":
            p = Pop3Ssl(self.srv.host, self.srv.pop3s_port,
                        context=peers.tls_client_context(), timeout=TIMEOUT)
        else:
            p = Pop3(self.srv.host, self.srv.pop3_port, timeout=TIMEOUT)
        self.addCleanup(self._close, p)
        if tls == "stls":
            self.assertTrue(p.stls(context=peers.tls_client_context()).startswith(b"+OK"))
        elif tls is None and login and "USER" not in p.capa():
            # RFC 2595: a server may offer USER/PASS only after STLS
            p.stls(context=peers.tls_client_context())
        if login:
            self._login(p)
        return p

    def _login(self, p, password=None, deadline=5.0):
        """USER/PASS; a maildrop still locked by a session that just went
        away (RFC 1939 allows an exclusive lock, RFC 2449 names it
        [IN-USE]) is retried briefly."""
        end = time.monotonic() + deadline
        while True:
            try:
                p.user(self.login)
                return p.pass_(password or self.password)
            except poplib.error_proto as e:
                why = str(e).lower()
                if ("lock" not in why and "in-use" not in why) or time.monotonic() > end:
                    raise
                time.sleep(0.2)

    @staticmethod
    def _close(p):
        try:
            p.close()
        except OSError:
            pass

    @staticmethod
    def raw(p, line):
        """Send LINE; the status line (bytes)."""
        p._putcmd(line)
        return p._getline()[0]

    @staticmethod
    def raw_multi(p):
        """The lines of a multi-line response up to ".", as sent (still
        dot-stuffed)."""
        lines = []
        while True:
            line, _ = p._getline()
            if line == b".":
                return lines
            lines.append(line)


class Pop3InteropRead(Pop3Case):
    """Reading: STAT, LIST, UIDL, RETR, TOP, CAPA, STLS, AUTH, errors."""

    def test_greeting(self):
        p = self.pop(login=False)
        self.assertTrue(p.getwelcome().startswith(b"+OK"), p.getwelcome())

    def test_stat_and_list(self):
        p = self.pop()
        count, total = p.stat()
        self.assertEqual(count, 3)
        resp, lines, _ = p.list()
        self.assertTrue(resp.startswith(b"+OK"))
        sizes = {}
        for line in lines:
            n, size = line.split()
            sizes[int(n)] = int(size)
        self.assertEqual(sorted(sizes), [1, 2, 3])
        self.assertEqual(sum(sizes.values()), total)
        one = p.list(2)
        self.assertEqual(one.split()[:3], [b"+OK", b"2", str(sizes[2]).encode()])
        # RFC 1939: the size is that of the message as it is sent, with
        # CRLF line ends and without the dot-stuffing
        resp, mlines, octets = p.retr(2)
        self.assertEqual(sizes[2], len(b"\r\n".join(mlines) + b"\r\n"))

    def test_uidl_stable_across_sessions(self):
        p = self.pop()
        resp, lines, _ = p.uidl()
        first = dict(line.split() for line in lines)
        self.assertEqual(sorted(first), [b"1", b"2", b"3"])
        uids = list(first.values())
        self.assertEqual(len(set(uids)), 3, uids)
        for u in uids:
            # RFC 1939 7: 1 to 70 characters in the range 0x21 to 0x7E
            self.assertTrue(1 <= len(u) <= 70 and all(0x21 <= c <= 0x7E for c in u), u)
        self.assertEqual(p.uidl(3).split()[1:], [b"3", first[b"3"]])
        p.quit()
        p2 = self.pop()
        resp, lines, _ = p2.uidl()
        self.assertEqual(dict(line.split() for line in lines), first)

    def test_retr(self):
        p = self.pop()
        resp, lines, octets = p.retr(1)
        self.assertTrue(resp.startswith(b"+OK"))
        head, body = split_message(lines)
        self.assertIn(b"Subject: pop3 first", head)
        self.assertEqual(b"\r\n".join(body) + b"\r\n", self.MESSAGES[0][1])

    def test_retr_dot_stuffing(self):
        p = self.pop()
        # poplib removes the stuffing: the body comes back as written
        resp, lines, octets = p.retr(2)
        head, body = split_message(lines)
        self.assertEqual(b"\r\n".join(body) + b"\r\n", DOTTED_BODY)
        # on the wire every line that starts with "." got one more
        status = self.raw(p, "RETR 2")
        self.assertTrue(status.startswith(b"+OK"), status)
        wire = self.raw_multi(p)
        wire_body = wire[wire.index(b"") + 1:]
        self.assertEqual(wire_body, [b"Line one", b"..starts with a dot",
                                     b"...starts with two dots", b"..",
                                     b"after a lone dot", b"last line"])

    def test_top(self):
        p = self.pop()
        resp, lines, _ = p.top(1, 0)
        head, body = split_message(lines)
        self.assertIn(b"Subject: pop3 first", head)
        self.assertEqual(body, [])
        self.assertEqual(lines[-1:], [b""], "TOP n 0 ends with the blank line")
        resp, lines, _ = p.top(1, 3)
        head3, body3 = split_message(lines)
        self.assertEqual(head3, head)
        self.assertEqual(body3, [b"First body line.", b"Second body line.", b"Third."])
        resp, lines, _ = p.top(3, 100)
        self.assertEqual(split_message(lines)[1], [b"Third message."])

    def test_top_does_not_mark_read(self):
        p = self.pop()
        p.top(3, 1)
        p.quit()
        p2 = self.pop()
        self.assertEqual(p2.stat()[0], 3)

    def test_dele_rset(self):
        p = self.pop()
        count, total = p.stat()
        size1 = int(p.list(1).split()[2])
        self.assertTrue(p.dele(1).startswith(b"+OK"))
        # RFC 1939: deleted messages are not counted and cannot be used
        self.assertEqual(p.stat(), (count - 1, total - size1))
        for cmd in (p.retr, p.top, p.dele):
            args = (1, 0) if cmd == p.top else (1,)
            with self.assertRaises(poplib.error_proto, msg=cmd.__name__):
                cmd(*args)
        with self.assertRaises(poplib.error_proto):
            p.list(1)
        resp, lines, _ = p.list()
        self.assertEqual(sorted(int(x.split()[0]) for x in lines), [2, 3])
        self.assertTrue(p.rset().startswith(b"+OK"))
        self.assertEqual(p.stat(), (count, total))
        p.quit()
        self.assertEqual(self.pop().stat()[0], count)

    def test_dropped_connection_removes_nothing(self):
        p = self.pop()
        count = p.stat()[0]
        p.dele(1)
        p.dele(2)
        p.sock.shutdown(socket.SHUT_RDWR)
        p.sock.close()
        time.sleep(0.2)
        p2 = self.pop()
        self.assertEqual(p2.stat()[0], count)

    def test_capa(self):
        p = self.pop(login=False)
        caps = {k.upper(): v for k, v in p.capa().items()}
        for c in ("UIDL", "TOP", "STLS"):
            self.assertIn(c, caps, caps)
        p.stls(context=peers.tls_client_context())
        caps = {k.upper(): [x.upper() for x in v] for k, v in p.capa().items()}
        self.assertIn("USER", caps)
        self.assertIn("PLAIN", caps.get("SASL", []), caps)
        self.assertNotIn("STLS", caps)

    def test_stls_then_login(self):
        p = self.pop(tls="stls")
        self.assertEqual(p.stat()[0], 3)
        # STLS again inside TLS is refused
        with self.assertRaises(poplib.error_proto):
            p._shortcmd("STLS")

    def test_implicit_tls(self):
        prob = self.srv.greeting_problem("pop3s")
        self.assertIsNone(prob, prob)
        p = self.pop(tls="implicit")
        self.assertEqual(p.stat()[0], 3)

    def _sasl_conn(self):
        p = self.pop(login=False)
        sasl = [x.upper() for x in p.capa().get("SASL", [])]
        if "PLAIN" not in sasl:
            p.stls(context=peers.tls_client_context())
        return p

    def test_auth_plain_initial_response(self):
        p = self._sasl_conn()
        token = base64.b64encode(b"\0" + self.login.encode() + b"\0" + self.password.encode())
        status = self.raw(p, "AUTH PLAIN " + token.decode())
        self.assertTrue(status.startswith(b"+OK"), status)
        self.assertEqual(p.stat()[0], 3)

    def test_auth_plain_continuation(self):
        p = self._sasl_conn()
        status = self.raw(p, "AUTH PLAIN")
        self.assertTrue(status.startswith(b"+"), status)
        self.assertFalse(status.startswith(b"+OK"), status)
        token = base64.b64encode(b"\0" + self.login.encode() + b"\0" + self.password.encode())
        status = self.raw(p, token.decode())
        self.assertTrue(status.startswith(b"+OK"), status)
        self.assertEqual(p.stat()[0], 3)

    def test_auth_plain_bad_password(self):
        p = self._sasl_conn()
        token = base64.b64encode(b"\0" + self.login.encode() + b"\0wrong-password")
        status = self.raw(p, "AUTH PLAIN " + token.decode())
        self.assertTrue(status.startswith(b"-ERR"), status)

    def test_auth_cancel(self):
        p = self._sasl_conn()
        status = self.raw(p, "AUTH PLAIN")
        self.assertTrue(status.startswith(b"+ ") or status == b"+", status)
        status = self.raw(p, "*")
        # RFC 5034 4: "*" cancels; the server answers -ERR
        self.assertTrue(status.startswith(b"-ERR"), status)

    def test_bad_password(self):
        p = self.pop(login=False)
        if "USER" not in p.capa():
            p.stls(context=peers.tls_client_context())
        p.user(self.login)
        with self.assertRaises(poplib.error_proto):
            p.pass_("wrong-" + self.password)
        # still in the AUTHORIZATION state
        with self.assertRaises(poplib.error_proto):
            p.stat()

    def test_transaction_commands_need_login(self):
        # one connection each: servers may close after a few bad commands
        for cmd in ("STAT", "LIST", "RETR 1", "DELE 1", "UIDL"):
            p = self.pop(login=False)
            status = self.raw(p, cmd)
            self.assertTrue(status.startswith(b"-ERR"), (cmd, status))

    def test_errors(self):
        for group in (("RETR 99", "RETR 0", "LIST 99"), ("TOP 99 0", "DELE 99", "UIDL 99"),
                      ("RETR x", "XYZZY", "TOP 1")):
            p = self.pop()
            for cmd in group:
                status = self.raw(p, cmd)
                self.assertTrue(status.startswith(b"-ERR"), (cmd, status))
            self.assertEqual(p.stat()[0], 3)
            p.quit()            # the maildrop may be locked per session

    def test_noop_quit(self):
        p = self.pop()
        self.assertTrue(p.noop().startswith(b"+OK"))
        self.assertTrue(p.quit().startswith(b"+OK"))

    def test_quit_before_login(self):
        p = self.pop(login=False)
        self.assertTrue(p.quit().startswith(b"+OK"))


class Pop3InteropUpdate(Pop3Case):
    """DELE + QUIT removes the messages (the UPDATE state)."""

    USER = "pop3-dele"
    MESSAGES = [("pop3 dele one", b"one\r\n"), ("pop3 dele two", b"two\r\n"),
                ("pop3 dele three", b"three\r\n")]

    def test_dele_quit_removes(self):
        p = self.pop()
        resp, lines, _ = p.uidl()
        before = dict(line.split() for line in lines)
        p.dele(2)
        self.assertTrue(p.quit().startswith(b"+OK"))
        p2 = self.pop()
        self.assertEqual(p2.stat()[0], 2)
        resp, lines, _ = p2.uidl()
        after = dict(line.split() for line in lines)
        # the others keep their unique ids; the numbers are dense again
        self.assertEqual(after, {b"1": before[b"1"], b"2": before[b"3"]})
        resp, mlines, _ = p2.retr(2)
        self.assertIn(b"Subject: pop3 dele three", mlines)
        self.assertEqual(self.srv.count(self.login), 2)


for _mixin in (Pop3InteropRead, Pop3InteropUpdate):
    for_each_server(_mixin, globals())
del _mixin
