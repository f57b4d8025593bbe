"""test_queue.py - the outbound queue against a real remote MTA.

An instance of its own, configured so that a message's whole life runs in
seconds: queue.retry_base = 1, retry_max = 4, delay_warning = 3,
expire = 12, queue.resolver = a private dnsmasq, queue.remote_port = the
port of a private Postfix (peers.py):

  ext.test     MX mx.ext.test   -> 127.0.0.2  Postfix: u@ext.test is a
                                              maildir, reject@ext.test gets
                                              "550 5.1.1", STARTTLS offered
  down.test    MX mx.down.test  -> 127.0.0.3  nothing listens
  *.test       NXDOMAIN

What is checked (RFC 5321 relaying, RFC 3464 reports, RFC 3463 codes):
  1. submission -> queue -> Postfix over STARTTLS: the delivered copy has
     one Received: of ours (ESMTPSA), the Message-ID and Date we added, the
     body line for line; queue row gone, mail_events 'out' 'delivered'.
  2. a 5xx at RCPT: the row goes, the sender gets a multipart/report bounce
     (Action: failed, Final-Recipient, Status 5.1.1, Remote-MTA).
  3. NXDOMAIN: bounce with Status 5.1.2.
  4. nothing listens: 'deferred' with attempts growing, next_attempt_at
     retry_base doubling up to retry_max; one "Delayed Mail" report
     (Action: delayed) after delay_warning; after expire a bounce with
     Status 4.4.7 and the row gone.
  5. a queued message with the null sender that fails: no bounce anywhere
     (RFC 5321 6.1, RFC 3464 "never bounce a bounce").
  6. a sending Postfix relays to our MX: the message is in the INBOX with
     the peer's Received: below ours.
"""

import email
import email.policy
import email.utils
import os
import re
import secrets
import shutil
import tempfile
import time
import unittest

import harness
import peers
from harness import sql_literal

RETRY_BASE = 1
RETRY_MAX = 4
DELAY_WARNING = 3
EXPIRE = 12

ALICE = "alice@example.test"
BOB = "bob@example.test"


def token():
    return "q" + secrets.token_hex(8)


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def header_block(data):
    """The header block of a message (bytes, CRLF or LF) as text lines,
    unfolded: [(name, value)]."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    head = text.split("\n\n", 1)[0]
    fields = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1] = (fields[-1][0], fields[-1][1] + " " + line.strip())
        elif ":" in line:
            name, _, value = line.partition(":")
            fields.append((name.strip(), value.strip()))
    return fields


def headers_named(data, name):
    return [v for n, v in header_block(data) if n.lower() == name.lower()]


def dsn_parts(data):
    """(message, {per-message fields}, [per-recipient fields...]) of an
    RFC 3464 report, or raise AssertionError."""
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    if msg.get_content_type() != "multipart/report":
        raise AssertionError("not multipart/report: %s" % msg.get_content_type())
    status = None
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            status = part
    if status is None:
        raise AssertionError("no message/delivery-status part")
    blocks = status.get_payload()
    if not isinstance(blocks, list) or len(blocks) < 2:
        raise AssertionError("delivery-status has %r blocks" % (blocks,))
    return msg, dict(blocks[0].items()), [dict(b.items()) for b in blocks[1:]]


class QueueTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        for why in (peers.dnsmasq_available(), peers.postfix_available()):
            if why:
                raise unittest.SkipTest(why)
        cls.tmp = tempfile.mkdtemp(prefix="mailhive-peers-")
        os.chmod(cls.tmp, 0o755)
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)

        cls.dns = peers.Dnsmasq(
            mx=[("ext.test", "mx.ext.test", 10), ("down.test", "mx.down.test", 10)],
            hosts={"mx.ext.test": "127.0.0.2", "mx.down.test": "127.0.0.3"},
            dir=cls.tmp)
        cls.dns.start()
        cls.addClassCleanup(cls.dns.stop)

        # one port for every remote MX (queue.remote_port): Postfix on
        # 127.0.0.2, nothing on 127.0.0.3
        cls.mx_port = peers.free_tcp_port("127.0.0.2", "127.0.0.3")
        cls.remote = peers.PrivatePostfix.destination(
            os.path.join(cls.tmp, "pf-dest"), "127.0.0.2", cls.mx_port,
            domain="ext.test", users=("u",),
            reject={"reject": "550 5.1.1 no such user"})
        cls.remote.start()
        cls.addClassCleanup(cls.remote.stop)

        build = os.environ.get("MH_BUILD", os.path.join(harness.ROOT, "build-test"))
        cls.inst = harness.Instance(build, extra_conf={"queue": {
            "resolver": cls.dns.resolver,
            "remote_port": cls.mx_port,
            "retry_base": RETRY_BASE,
            "retry_max": RETRY_MAX,
            "delay_warning": DELAY_WARNING,
            "expire": EXPIRE,
            "timeout": 10,
        }})
        cls.addClassCleanup(cls._stop_instance)
        cls.inst.start()
        cls.alice_pw = cls.inst.credentials[("user", ALICE)]
        cls.peer = None

    @classmethod
    def _stop_instance(cls):
        reports = cls.inst.stop(keep=bool(os.environ.get("MH_KEEP")))
        if reports:
            raise AssertionError("sanitizer reports:\n" + "\n".join(reports))

    # ---- helpers ----

    def note(self, label, value):
        """Show what was checked when MH_VERBOSE is set."""
        if os.environ.get("MH_VERBOSE"):
            if isinstance(value, bytes):
                value = value.decode(errors="replace")
            print("\n=== %s: %s ===\n%s" % (self.id().rsplit(".", 1)[-1], label, value))

    def diag(self):
        """Log excerpts for a failure message."""
        return ("\n--- mailhived.log (queue) ---\n%s\n--- remote maillog ---\n%s"
                "\n--- dnsmasq ---\n%s"
                % (peers.mailhived_log(self.inst, ("queue", "event=sent", "bounced",
                                                   "deferred", "dsn", "error"), 40),
                   self.remote.log_text()[-3000:], self.dns.log_text()[-1500:]))

    def submit(self, rcpt, text, sender=ALICE):
        r = peers.smtp_send(self.inst.submission_port, sender, [rcpt], crlf(text),
                            starttls=True, login=(ALICE, self.alice_pw))
        self.assertEqual(r["mail"][0], 250, r)
        self.assertEqual([c for c, _ in r["rcpt"]], [250], r)
        self.assertIsNotNone(r["data"], r)
        self.assertEqual(r["data"][0], 250, r)
        return r

    def queue_rows(self, rcpt):
        return peers.json_rows(self.inst, "SELECT id, status, attempts FROM queue"
                               " WHERE recipient = %s ORDER BY id" % sql_literal(rcpt))

    def wait_queue_empty(self, rcpt, timeout):
        return peers.wait_for(lambda: not self.queue_rows(rcpt), timeout)

    def wait_bounce(self, tok, subject="Undelivered Mail Returned to Sender", timeout=15):
        found = peers.wait_for(
            lambda: peers.inbox_with(self.inst, ALICE, tok, subject_prefix=subject), timeout)
        return found or []

    def user_id(self, address):
        return int(self.inst.psql_value("SELECT id FROM users WHERE address = %s"
                                        % sql_literal(address)))

    def max_event_id(self):
        return int(self.inst.psql_value("SELECT coalesce(max(id), 0) FROM mail_events"))

    def assert_crlf_clean(self, data, what):
        bare_lf = re.search(rb"(?<!\r)\n", data)
        bare_cr = re.search(rb"\r(?!\n)", data)
        self.assertIsNone(bare_lf, "%s has a bare LF at %s" % (what, bare_lf and bare_lf.start()))
        self.assertIsNone(bare_cr, "%s has a bare CR at %s" % (what, bare_cr and bare_cr.start()))

    def check_report(self, data, tok, rcpt, action, status_re):
        """Common RFC 3464 checks; returns (message, per-message fields,
        the one per-recipient block)."""
        self.assert_crlf_clean(data, "the report")
        msg, per_msg, per_rcpt = dsn_parts(data)
        self.assertEqual(msg.get_param("report-type"), "delivery-status")
        self.assertIn("MAILER-DAEMON", msg.get("From", ""))
        self.assertEqual(email.utils.parseaddr(msg.get("To", ""))[1], ALICE)
        self.assertEqual(msg.get("Auto-Submitted"), "auto-replied")     # RFC 3834
        self.assertIsNotNone(msg.get("Message-ID"))
        self.assertIsNotNone(email.utils.parsedate_tz(msg.get("Date", "")), msg.get("Date"))
        self.assertTrue(per_msg.get("Reporting-MTA", "").startswith("dns;"), per_msg)
        self.assertIn("Arrival-Date", per_msg)
        self.assertEqual(len(per_rcpt), 1, per_rcpt)
        fields = per_rcpt[0]
        self.assertEqual(fields.get("Final-Recipient"), "rfc822; " + rcpt, fields)
        self.assertEqual(fields.get("Action"), action, fields)
        self.assertRegex(fields.get("Status", ""), status_re, fields)
        # the third part carries the original header (RFC 3462 / 6522)
        parts = msg.get_payload()
        self.assertGreaterEqual(len(parts), 3, "report has %d parts" % len(parts))
        self.assertIn(parts[2].get_content_type(), ("text/rfc822-headers", "message/rfc822"))
        self.assertIn(tok.encode(), data)
        return msg, per_msg, fields

    def check_diagnostic_type(self, fields):
        """RFC 3464 2.3.6: diagnostic-type "smtp" is for an SMTP reply
        (RFC 3461 9.2); a reason of our own (no answer, no such domain,
        expired) needs a type of its own, e.g. "X-Mailhive;" (as Postfix
        writes "X-Postfix;"), or no Diagnostic-Code at all."""
        code = fields.get("Diagnostic-Code")
        if code is None:
            return
        self.assertRegex(code, r"^(smtp; [245]\d\d[ -]|[Xx]-[\w.-]+; )", fields)

    # ---- 1. delivered ----

    def test_1_delivered_over_starttls(self):
        tok = token()
        alice_id = self.user_id(ALICE)
        ev0 = self.max_event_id()
        body = ["Line one of %s." % tok,
                ".A line that starts with a dot",
                "..two dots",
                "",
                "tab\there and a trailing space ",
                "x" * 900,
                "  two leading spaces",
                "last line"]
        text = ("From: Alice <alice@example.test>\n"
                "To: U <u@ext.test>\n"
                "Subject: queue delivery %s\n"
                "MIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=us-ascii\n"
                "\n" % tok) + "\n".join(body) + "\n"
        self.submit("u@ext.test", text)
        got = self.remote.wait_for_mail("u", lambda d: tok.encode() in d, timeout=15)
        self.assertIsNotNone(got, "not delivered to u@ext.test within 15 s" + self.diag())
        self.assertTrue(self.wait_queue_empty("u@ext.test", 5),
                        "queue row still there: %r" % self.queue_rows("u@ext.test"))

        self.note("delivered copy", got)
        # Postfix stores LF line ends: a CR anywhere is one we sent
        self.assertNotIn(b"\r", got, "a CR reached the remote")
        head, _, delivered_body = got.decode().partition("\n\n")
        self.assertEqual(delivered_body.split("\n"), body + [""],
                         "body changed on the way")

        received = headers_named(got, "Received")
        ours = [r for r in received if "(Mailhive)" in r]
        self.assertEqual(len(ours), 1, received)
        # RFC 3848: authenticated over TLS
        self.assertRegex(ours[0], r"\bwith ESMTPSA\b", ours[0])
        self.assertRegex(ours[0], r"for <u@ext\.test>", ours[0])
        # our queue used STARTTLS with Postfix: its Received says ESMTPS
        theirs = [r for r in received if "(Postfix)" in r]
        self.assertEqual(len(theirs), 1, received)
        self.assertRegex(theirs[0], r"\bwith ESMTPS\b", theirs[0])
        # the hop order: Postfix's line on top, ours below
        self.assertLess(received.index(theirs[0]), received.index(ours[0]), received)

        mids = headers_named(got, "Message-ID")
        self.assertEqual(len(mids), 1, mids)
        self.assertRegex(mids[0], r"^<[^<>@\s]+@[^<>@\s]+>$")
        self.assertFalse(mids[0].endswith("@mx.ext.test>"),
                         "Postfix added it, not we: " + mids[0])
        dates = headers_named(got, "Date")
        self.assertEqual(len(dates), 1, dates)
        self.assertIsNotNone(email.utils.parsedate_tz(dates[0]), dates[0])
        for name in ("Subject", "From", "To", "MIME-Version"):
            self.assertEqual(len(headers_named(got, name)), 1, name)

        events = peers.json_rows(self.inst, "SELECT direction, outcome, remote, user_id, bytes,"
                                 " error FROM mail_events WHERE id > %d AND direction = 'out'"
                                 % ev0)
        delivered = [e for e in events if e["outcome"] == "delivered"]
        self.assertEqual(len(delivered), 1, events)
        self.assertIsNone(delivered[0]["error"], delivered[0])
        self.assertEqual(delivered[0]["remote"], "mx.ext.test", delivered[0])
        self.assertEqual(delivered[0]["user_id"], alice_id, delivered[0])
        self.assertGreater(delivered[0]["bytes"], len(body[5]), delivered[0])
        log = self.remote.log_text()
        self.assertRegex(log, r"TLS connection established from", "remote saw no TLS")
        with self.subTest("EHLO name of the queue"):
            # the queue introduces itself with general.hostname ("host name
            # this node uses for itself"), which Postfix records in its
            # Received: "from <EHLO name> (...)"
            self.assertRegex(theirs[0], r"^from %s \(" % re.escape(
                self.inst.config["general.hostname"]), theirs[0])

    # ---- 2. 5xx ----

    def test_2_permanent_failure_bounces(self):
        tok = token()
        ev0 = self.max_event_id()
        self.submit("reject@ext.test",
                    "From: alice@example.test\nTo: reject@ext.test\n"
                    "Subject: to be refused %s\nMessage-ID: <%s@client.test>\n"
                    "Date: Mon, 01 Jan 2024 00:00:00 +0000\n\nbody\n" % (tok, tok))
        bounces = self.wait_bounce(tok)
        self.assertEqual(len(bounces), 1, "bounce in alice's INBOX: %r%s" % (bounces, self.diag()))
        self.assertTrue(self.wait_queue_empty("reject@ext.test", 5),
                        self.queue_rows("reject@ext.test"))
        self.note("bounce", bounces[0]["data"])
        msg, per_msg, fields = self.check_report(bounces[0]["data"], tok, "reject@ext.test",
                                                 "failed", r"^5\.\d{1,3}\.\d{1,3}$")
        # the remote said 5.1.1: the report passes that on (RFC 3464 2.3.4)
        self.assertEqual(fields.get("Status"), "5.1.1", fields)
        self.assertEqual(fields.get("Remote-MTA"), "dns; mx.ext.test", fields)
        self.assertIn("550 5.1.1", fields.get("Diagnostic-Code", ""), fields)
        events = peers.json_rows(self.inst, "SELECT outcome FROM mail_events"
                                 " WHERE id > %d AND direction = 'out'" % ev0)
        self.assertIn({"outcome": "bounced"}, events)
        self.assertNotIn({"outcome": "delivered"}, events)
        # the remote's reply is kept with the attempt (sql/009)
        errors = peers.json_rows(self.inst, "SELECT error FROM mail_events WHERE id > %d"
                                 " AND direction = 'out' AND outcome = 'bounced'" % ev0)
        self.assertTrue(errors and all("550 5.1.1" in (e["error"] or "") for e in errors),
                        errors)
        self.assertEqual(self.remote.maildir_files("reject"), [])
        with self.subTest("Diagnostic-Code is the remote's reply"):
            # RFC 3464 2.3.6, RFC 3461 9.2: diagnostic-type "smtp" carries
            # the SMTP reply (code and text), nothing before it
            self.assertEqual(fields.get("Diagnostic-Code", "").rstrip(),
                             "smtp; 550 5.1.1 <reject@ext.test>: Recipient address"
                             " rejected: no such user", fields)

    # ---- 3. NXDOMAIN ----

    def test_3_nxdomain_bounces(self):
        rcode, _ = peers.dns_query(self.dns.port, "nosuch.test", "MX")
        self.assertEqual(rcode, 3, "dnsmasq should answer NXDOMAIN")
        tok = token()
        self.submit("u@nosuch.test",
                    "From: alice@example.test\nTo: u@nosuch.test\n"
                    "Subject: no such domain %s\n\nbody\n" % tok)
        bounces = self.wait_bounce(tok)
        self.assertEqual(len(bounces), 1, "bounce in alice's INBOX: %r%s" % (bounces, self.diag()))
        self.assertTrue(self.wait_queue_empty("u@nosuch.test", 5))
        _msg, _pm, fields = self.check_report(bounces[0]["data"], tok, "u@nosuch.test",
                                              "failed", r"^5\.1\.2$")
        self.assertNotIn("Remote-MTA", fields)
        with self.subTest("Diagnostic-Code type"):
            self.check_diagnostic_type(fields)

    # ---- 4. deferred, delayed, expired ----

    def test_4_deferred_warned_expired(self):
        tok = token()
        rcpt = "u@down.test"
        self.submit(rcpt, "From: alice@example.test\nTo: u@down.test\n"
                          "Subject: to a dead host %s\n\nbody\n" % tok)
        rows = self.queue_rows(rcpt)
        self.assertEqual(len(rows), 1, rows)
        qid = rows[0]["id"]
        snaps = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < EXPIRE + 25:
            r = peers.json_rows(self.inst, """
                SELECT status, attempts,
                       extract(epoch FROM next_attempt_at)::float8 AS next,
                       extract(epoch FROM created_at)::float8 AS created,
                       (SELECT extract(epoch FROM max(at))::float8 FROM mail_events e
                         WHERE e.queue_id = q.id AND e.outcome = 'deferred') AS ev,
                       dsn_sent_at IS NOT NULL AS warned, last_error
                FROM queue q WHERE id = %d""" % qid)
            if not r:
                break
            snaps.append(r[0])
            time.sleep(0.2)
        self.assertTrue(snaps)
        self.assertFalse(peers.json_rows(self.inst, "SELECT id FROM queue WHERE id = %d" % qid),
                         "row still queued after %d s: %r%s"
                         % (EXPIRE + 25, snaps[-1], self.diag()))
        created = snaps[0]["created"]

        # attempts only grow; the row was 'deferred' between attempts
        attempts = [s["attempts"] for s in snaps]
        self.assertEqual(attempts, sorted(attempts), attempts)
        self.assertGreaterEqual(max(attempts), 4, attempts)
        self.assertIn("deferred", {s["status"] for s in snaps})
        self.assertTrue(any("127.0.0.3" in (s["last_error"] or "") for s in snaps),
                        [s["last_error"] for s in snaps][-3:])
        # back-off: next_attempt_at - time of the failure = base * 2^(n-1),
        # capped at retry_max
        self.note("snapshots", "\n".join(repr(x) for x in snaps))
        delays = {}
        for s in snaps:
            if s["status"] == "deferred" and s["ev"] is not None and s["next"] > s["ev"]:
                delays.setdefault(s["attempts"], s["next"] - s["ev"])
        self.note("delays", delays)
        self.assertTrue({1, 2, 3} <= set(delays), "delays seen: %r" % delays)
        for n, d in sorted(delays.items()):
            want = min(RETRY_BASE * 2 ** (n - 1), RETRY_MAX)
            # (the failure is recorded, then a delay report may be written,
            # then next_attempt_at: the slack covers that)
            self.assertAlmostEqual(d, want, delta=0.75,
                                   msg="retry after attempt %d: %.2f s, want %d (all: %r)"
                                   % (n, d, want, delays))

        # one delay warning, after delay_warning
        delayed = peers.inbox_with(self.inst, ALICE, tok, "Delayed Mail")
        self.assertEqual(len(delayed), 1, "delay reports: %r%s" % (
            [(m["id"], m["subject"]) for m in delayed], self.diag()))
        self.assertGreaterEqual(delayed[0]["at"] - created, DELAY_WARNING - 0.5)
        _m, _p, delay_fields = self.check_report(delayed[0]["data"], tok, rcpt, "delayed",
                                           r"^4\.\d{1,3}\.\d{1,3}$")

        # then the bounce, after expire
        bounces = self.wait_bounce(tok, timeout=5)
        self.assertEqual(len(bounces), 1, "bounces: %r%s" % (bounces, self.diag()))
        self.note("delay report", delayed[0]["data"])
        self.note("expiry bounce", bounces[0]["data"])
        self.assertGreaterEqual(bounces[0]["at"] - created, EXPIRE - 0.5)
        _m, _p, fields = self.check_report(bounces[0]["data"], tok, rcpt, "failed", r"^4\.4\.7$")
        with self.subTest("Diagnostic-Code type (delay report, bounce)"):
            self.check_diagnostic_type(delay_fields)
            self.check_diagnostic_type(fields)
        events = peers.json_rows(self.inst, "SELECT outcome, count(*) AS n FROM mail_events"
                                 " WHERE queue_id = %d AND direction = 'out' GROUP BY 1" % qid)
        by = {e["outcome"]: e["n"] for e in events}
        self.assertEqual(by.get("bounced"), 1, by)
        self.assertGreaterEqual(by.get("deferred", 0), 4, by)
        self.assertNotIn("delivered", by)
        # each attempt keeps why it failed; the last one says it expired
        errors = peers.json_rows(self.inst, "SELECT outcome, error FROM mail_events"
                                 " WHERE queue_id = %d AND direction = 'out'" % qid)
        self.assertTrue(all(e["error"] for e in errors), errors)
        self.assertIn("expired", [e for e in errors if e["outcome"] == "bounced"][0]["error"])
        # nothing more comes later
        time.sleep(2)
        self.assertEqual(len(peers.inbox_with(self.inst, ALICE, tok, "Delayed Mail")), 1)
        self.assertEqual(len(peers.inbox_with(self.inst, ALICE, tok)), 2)

    # ---- 5. never bounce a bounce ----

    def test_5_null_sender_is_never_bounced(self):
        # an authenticated user may not use <> (the server owns bounces)
        s = peers.smtp_open(self.inst.submission_port, starttls=True,
                            login=(ALICE, self.alice_pw))
        try:
            code, msg = s.mail("")
        finally:
            s.close()
        self.assertEqual(code // 100, 5, (code, msg))

        # a message to take the blob of: local mail to bob
        tok = token()
        r = peers.smtp_send(self.inst.smtp_port, "someone@elsewhere.test", [BOB],
                            crlf("From: someone@elsewhere.test\nTo: bob@example.test\n"
                                 "Subject: blob donor %s\n\nbody\n" % tok))
        self.assertEqual(r["data"] and r["data"][0], 250, r)
        donor = peers.inbox_with(self.inst, BOB, tok)
        self.assertEqual(len(donor), 1)
        sha = donor[0]["sha"]
        ev0 = self.max_event_id()
        before_msgs = int(self.inst.psql_value("SELECT count(*) FROM messages"))
        qid = int(self.inst.psql_value(
            "INSERT INTO queue (sender, recipient, blob_sha256, size) SELECT '',"
            " 'reject@ext.test', sha256, size FROM blobs WHERE sha256 = %s RETURNING id"
            % sql_literal(sha)).split()[0])
        gone = peers.wait_for(lambda: not peers.json_rows(
            self.inst, "SELECT id FROM queue WHERE id = %d" % qid), 15)
        self.assertTrue(gone, "null-sender row not processed%s" % self.diag())
        time.sleep(3)       # a bounce, were one made, would be in by now
        self.assertEqual(int(self.inst.psql_value("SELECT count(*) FROM messages")),
                         before_msgs, "a message was delivered for a <> failure")
        self.assertEqual(peers.json_rows(self.inst, "SELECT id, sender, recipient FROM queue"
                                         " WHERE id > %d" % qid), [],
                         "something was queued for a <> failure")
        events = peers.json_rows(self.inst, "SELECT outcome FROM mail_events WHERE"
                                 " queue_id = %d AND direction = 'out' AND id > %d" % (qid, ev0))
        self.assertEqual(events, [{"outcome": "bounced"}])
        self.assertEqual(peers.mailhived_log(self.inst, "event=dsn_sent entry=%d " % qid), "")

    # ---- 6. a sending peer ----

    def test_6_postfix_peer_relays_to_us(self):
        tok = token()
        port = peers.free_tcp_port("127.0.0.4")
        peer = peers.PrivatePostfix.relay_peer(
            os.path.join(self.tmp, "pf-peer"), "127.0.0.4", port,
            "[127.0.0.1]:%d" % self.inst.smtp_port, hostname="peer.test")
        peer.start()
        self.addCleanup(peer.stop)
        peer.sendmail("carol@peer.test", [BOB],
                      "From: Carol <carol@peer.test>\nTo: bob@example.test\n"
                      "Subject: from the peer %s\n\nhello bob\n" % tok)
        got = peers.wait_for(lambda: peers.inbox_with(self.inst, BOB, tok), 20)
        self.assertTrue(got, "not in bob's INBOX\n--- peer queue ---\n%s\n--- peer log ---\n%s%s"
                        % (peer.queue_listing(), peer.log_text()[-3000:], self.diag()))
        self.assertEqual(len(got), 1)
        data = got[0]["data"]
        self.note("stored message", data)
        self.assert_crlf_clean(data, "the stored message")
        self.assertEqual(got[0]["subject"], "from the peer %s" % tok)
        received = headers_named(data, "Received")
        self.assertGreaterEqual(len(received), 2, received)
        # ours is the top one, the peer's below it
        self.assertIn("(Mailhive)", received[0])
        self.assertRegex(received[0], r"^from peer\.test \(\[127\.0\.0\.1\]\)", received[0])
        self.assertRegex(received[0], r"\bwith ESMTPS\b", received[0])
        self.assertRegex(received[0], r"for <bob@example\.test>", received[0])
        self.assertEqual(len([r for r in received if "(Mailhive)" in r]), 1, received)
        self.assertTrue(any("by peer.test (Postfix" in r for r in received[1:]), received)
        self.assertRegex(peer.log_text(), r"status=sent \(250 2\.0\.0 Ok: queued as \S+\)")


if __name__ == "__main__":
    unittest.main()
