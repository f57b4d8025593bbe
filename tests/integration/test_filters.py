"""test_filters.py - the block list, filter rules and the vacation reply:
the webmail pages over HTTP through nginx, and what mailhived does with
real SMTP deliveries, checked over IMAP.

Pages: every page and action, with the refusals (no CSRF token -> 403,
someone else's rule or entry -> 404, a bad form -> 422 and nothing
written), the order of rules (up/down), enable/disable, delete, the
Sieve text and the .sieve download.
Delivery: fileinto, \\Seen, \\Flagged, delete, a forwarded copy arriving
at another local user (with the loop header, never forwarded again),
refusal producing a delivery status notification to the sender,
stop-processing and order, the vacation reply once per sender, never to
list mail or the null sender, and the block list refusing at RCPT
(550 5.7.1) or dropping.

Each test has users of its own.
"""

import email
import email.policy
import imaplib
import re
import smtplib
import unittest
import uuid

import harness
from harness import find_form, parse_page, sql_literal


def new_user(inst, tag):
    login = "fl-%s-%s@example.test" % (tag, uuid.uuid4().hex[:8])
    password = "Pw-" + uuid.uuid4().hex[:16]
    r = inst.ctl("user", "add", login, password=password)
    if r.rc != 0:
        raise AssertionError("user add: %r" % r)
    return login, password


def message(subject, to, body="Hello.\n", frm="Sender <sender@outside.test>",
            headers=""):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 04 Mar 2024 10:00:00 +0000\r\n"
            "Message-ID: <%s@outside.test>\r\nMIME-Version: 1.0\r\n%s"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n%s" % (
                frm, to, subject, uuid.uuid4().hex, headers,
                body.replace("\n", "\r\n"))).encode("utf-8")


class FiltersTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    # ---- helpers ---------------------------------------------------------

    def user(self, tag):
        login, password = new_user(self.inst, tag)
        c = self.inst.client(None)
        r = c.login("", login, password)
        self.assertEqual(r.status, 303, r)
        return login, password, c

    def page(self, c, path, status=200):
        r = c.get(path)
        self.assertEqual(r.status, status, "%s: %r\n%s" % (
            path, r, self.inst.log_tail("webmail.log", 20)))
        return r

    def csrf(self, c, path="/settings/filters"):
        r = self.page(c, path)
        m = re.search(r'name="_csrf" value="([^"]+)"', r.text)
        self.assertIsNotNone(m, r.text)
        return m.group(1)

    def send(self, sender, rcpt, raw):
        with smtplib.SMTP("127.0.0.1", self.inst.smtp_port, timeout=30) as s:
            s.sendmail(sender, [rcpt], raw)

    def add_rule(self, c, name, conds, actions, match="all", stop=True,
                 enabled=True, status=303, rule_id=""):
        fields = [("_csrf", self.csrf(c)), ("id", rule_id), ("name", name),
                  ("match", match)]
        if enabled:
            fields.append(("enabled", "1"))
        if stop:
            fields.append(("stop", "1"))
        for i, cond in enumerate(conds):
            fld, op, value = cond[:3]
            fields += [("c_field.%d" % i, fld), ("c_op.%d" % i, op),
                       ("c_value.%d" % i, value)]
            if len(cond) > 3:
                fields.append(("c_header.%d" % i, cond[3]))
        fields += list(actions.items())
        r = c.post("/settings/filters/edit", fields)
        self.assertEqual(r.status, status, "%r\n%s" % (r, r.text[:3000]))
        return r

    def rule_ids(self, login):
        out = self.inst.psql_value(
            "SELECT string_agg(f.id::text, ',' ORDER BY f.position, f.id)"
            " FROM filters f JOIN users u ON u.id = f.user_id"
            " WHERE u.address = %s" % sql_literal(login))
        return [int(x) for x in out.split(",")] if out else []

    def imap(self, login, password):
        m = imaplib.IMAP4("127.0.0.1", self.inst.imap_port)
        m.login(login, password)
        self.addCleanup(m.logout)
        return m

    def find(self, m, folder, subject):
        """[(flags, raw message)] of the messages of folder whose subject
        holds subject"""
        typ, _ = m.select('"%s"' % folder)
        self.assertEqual(typ, "OK", folder)
        typ, data = m.search(None, "SUBJECT", '"%s"' % subject)
        out = []
        for num in data[0].split():
            typ, d = m.fetch(num, "(FLAGS BODY.PEEK[])")
            flags = re.search(rb"FLAGS \(([^)]*)\)", d[0][0]).group(1).decode()
            out.append((flags, d[0][1]))
        return out

    # ---- pages ------------------------------------------------------------

    def test_pages_and_refusals(self):
        login, _, c = self.user("pages")
        other, _, oc = self.user("other")
        r = self.page(c, "/settings")
        for path in ("/settings/blocklist", "/settings/filters", "/settings/vacation"):
            self.assertIn('href="%s"' % path, r.text)
        self.assertIn('href="/settings" aria-current="page"', r.text)
        r = self.page(c, "/settings", 200)
        r = c.get("/settings", headers={"Accept-Language": "zh-CN"})
        self.assertIn("邮件过滤", r.text)
        self.assertIn("拒收列表", r.text)
        r = self.page(c, "/settings/filters")
        self.assertIn('id="filters-empty"', r.text)
        r = self.page(c, "/settings/filters/edit")
        form = find_form(r.text, "/settings/filters/edit")
        self.assertIn("c_field.0", form["inputs"])

        # no CSRF token: refused, nothing written
        r = c.post("/settings/filters/edit", {"name": "x", "c_field.0": "subject",
                                              "c_op.0": "contains", "c_value.0": "x",
                                              "a_seen": "1"})
        self.assertEqual(r.status, 403)
        r = c.post("/settings/blocklist", {"op": "add", "pattern": "a@b.test",
                                           "action": "reject"})
        self.assertEqual(r.status, 403)
        r = c.post("/settings/vacation", {"enabled": "1", "body": "x", "days": "7"})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.rule_ids(login), [])

        # bad forms: 422 with the message, nothing written
        bad = [
            ([("header", "is", "x", "Bad Name:")], {"a_seen": "1"}, "Enter a header name"),
            ([("size", "over", "lots")], {"a_seen": "1"}, "Enter a size"),
            ([("size", "contains", "10")], {"a_seen": "1"}, "comparison that fit"),
            ([("subject", "contains", "x")], {}, "at least one action"),
            ([("subject", "contains", "x")], {"a_forward": login.upper()}, "your own address"),
            ([("subject", "contains", "x")], {"a_forward": "not an address"}, "address to forward"),
            ([("subject", "contains", "x")], {"a_fileinto": "NoSuchFolder"}, "one of your folders"),
            ([("subject", "contains", "x")], {"a_discard": "1", "a_seen": "1"}, "cannot be combined"),
            ([("bogus", "contains", "x")], {"a_seen": "1"}, "comparison that fit"),
        ]
        for conds, acts, text in bad:
            r = self.add_rule(c, "Bad", conds, acts, status=422)
            self.assertIn(text, r.text, (conds, acts))
            self.assertIn('id="form-error"', r.text)
        r = self.add_rule(c, "", [("subject", "contains", "x")], {"a_seen": "1"}, status=422)
        self.assertIn("Give the rule a name", r.text)
        self.assertEqual(self.rule_ids(login), [])

        # a good rule
        self.add_rule(c, "Reports <b>", [("subject", "contains", "report"),
                                         ("header", "is", "high", "X-Priority")],
                      {"a_flag": "1"}, match="any")
        ids = self.rule_ids(login)
        self.assertEqual(len(ids), 1)
        r = self.page(c, "/settings/filters")
        self.assertIn("Reports &lt;b&gt;", r.text)
        self.assertNotIn("Reports <b>", r.text)
        self.assertIn("if anyof (header :contains &quot;subject&quot; &quot;report&quot;,"
                      " header :is &quot;X-Priority&quot; &quot;high&quot;)", r.text)
        self.assertIn("addflag &quot;\\\\Flagged&quot;;", r.text)
        # the edit form shows it
        r = self.page(c, "/settings/filters/edit?id=%d" % ids[0])
        form = find_form(r.text, "/settings/filters/edit")
        self.assertEqual(form["inputs"]["name"], "Reports <b>")
        self.assertEqual(form["inputs"]["c_value.1"], "high")
        self.assertEqual(form["inputs"]["c_header.1"], "X-Priority")
        # a failed edit leaves the stored rule as it was
        before = self.inst.psql_value("SELECT conditions::text FROM filters WHERE id = %d" % ids[0])
        self.add_rule(c, "Changed", [("size", "over", "nonsense")], {"a_flag": "1"},
                      status=422, rule_id=str(ids[0]))
        self.assertEqual(self.inst.psql_value(
            "SELECT name || conditions::text FROM filters WHERE id = %d" % ids[0]),
            "Reports <b>" + before)

        # another user cannot see, change or remove it
        self.assertEqual(oc.get("/settings/filters/edit?id=%d" % ids[0]).status, 404)
        tok = self.csrf(oc)
        for op in ("delete", "up", "down", "enable", "disable"):
            r = oc.post("/settings/filters", {"_csrf": tok, "op": op, "id": str(ids[0])})
            self.assertEqual(r.status, 404, op)
        r = self.add_rule(oc, "Stolen", [("subject", "contains", "x")], {"a_seen": "1"},
                          status=404, rule_id=str(ids[0]))
        self.assertEqual(self.rule_ids(login), ids)
        self.assertEqual(self.rule_ids(other), [])
        self.assertEqual(self.inst.psql_value("SELECT name FROM filters WHERE id = %d" % ids[0]),
                         "Reports <b>")
        self.assertEqual(c.get("/settings/filters/edit?id=abc").status, 404)

        # edit, then delete
        self.add_rule(c, "Renamed", [("size", "over", "100K")], {"a_seen": "1"},
                      rule_id=str(ids[0]))
        self.assertEqual(self.inst.psql_value(
            "SELECT conditions->0->>'value' FROM filters WHERE id = %d" % ids[0]), "102400")
        self.assertIn("size :over 100K", self.page(c, "/settings/filters").text)
        r = c.post("/settings/filters", {"_csrf": self.csrf(c), "op": "delete", "id": str(ids[0])})
        self.assertEqual(r.status, 303)
        self.assertEqual(self.rule_ids(login), [])

    def test_order_toggle_and_sieve_export(self):
        login, _, c = self.user("order")
        self.add_rule(c, "First", [("from", "is", "a@x.test")], {"a_seen": "1"})
        self.add_rule(c, "Second", [("to", "matches", "*@work.test")],
                      {"a_forward": "copy@else.test"}, stop=False)
        self.add_rule(c, "Third", [("body", "contains", "go \"away\"")],
                      {"a_reject": "1", "a_reject_text": "Not here"})
        a, b, t = self.rule_ids(login)

        def names():
            text = self.page(c, "/settings/filters").text
            return re.findall(r'<li class="rule[^"]*" data-id="(\d+)">', text)

        self.assertEqual(names(), [str(a), str(b), str(t)])
        tok = self.csrf(c)
        self.assertEqual(c.post("/settings/filters", {"_csrf": tok, "op": "up", "id": str(t)}).status, 303)
        self.assertEqual(names(), [str(a), str(t), str(b)])
        c.post("/settings/filters", {"_csrf": tok, "op": "down", "id": str(a)})
        self.assertEqual(names(), [str(t), str(a), str(b)])
        c.post("/settings/filters", {"_csrf": tok, "op": "up", "id": str(t)})  # already first
        self.assertEqual(names(), [str(t), str(a), str(b)])
        c.post("/settings/filters", {"_csrf": tok, "op": "down", "id": str(b)})  # already last
        self.assertEqual(names(), [str(t), str(a), str(b)])
        self.assertEqual(c.post("/settings/filters", {"_csrf": tok, "op": "sideways",
                                                      "id": str(a)}).status, 400)
        c.post("/settings/filters", {"_csrf": tok, "op": "disable", "id": str(a)})
        self.assertEqual(self.inst.psql_value("SELECT enabled FROM filters WHERE id = %d" % a), "f")
        text = self.page(c, "/settings/filters").text
        self.assertIn('class="rule disabled" data-id="%d"' % a, text)

        r = self.page(c, "/settings/filters/sieve")
        self.assertTrue(r.header("Content-Type").startswith("application/sieve"), r.header("Content-Type"))
        self.assertIn("attachment", r.header("Content-Disposition"))
        self.assertIn(".sieve", r.header("Content-Disposition"))
        script = r.body.decode()
        self.assertIn('require ["imap4flags", "reject", "copy", "body"];', script)
        expected = (
            '# Third\n'
            'if body :text :contains "go \\"away\\"" {\n'
            '\treject "Not here";\n'
            '\tstop;\n'
            '}\n'
            '\n'
            '# First (disabled)\n'
            'if allof (false, address :is "from" "a@x.test") {\n'
            '\taddflag "\\\\Seen";\n'
            '\tstop;\n'
            '}\n'
            '\n'
            '# Second\n'
            'if address :matches "to" "*@work.test" {\n'
            '\tredirect :copy "copy@else.test";\n'
            '}\n')
        self.assertTrue(script.endswith(expected), script)
        # the order follows the list
        self.assertLess(script.index("# Third"), script.index("# First"))

    # ---- delivery -------------------------------------------------------

    def test_rules_at_delivery(self):
        login, password, c = self.user("deliv")
        friend, fpass = new_user(self.inst, "friend")
        sender, spass = new_user(self.inst, "sender")
        m = self.imap(login, password)
        m.create("Work")
        self.add_rule(c, "Move", [("subject", "contains", "to-work")], {"a_fileinto": "Work"})
        self.add_rule(c, "Read", [("subject", "matches", "read?me*")], {"a_seen": "1"})
        self.add_rule(c, "Flag", [("header", "contains", "URGENT", "X-Level")], {"a_flag": "1"})
        self.add_rule(c, "Delete", [("from", "is", "junk@outside.test")], {"a_discard": "1"})
        self.add_rule(c, "Forward", [("body", "contains", "please forward")],
                      {"a_forward": friend})
        self.add_rule(c, "Refuse", [("subject", "is", "refuse me")],
                      {"a_reject": "1", "a_reject_text": "I do not take these."})
        self.add_rule(c, "Big", [("size", "over", "20K")], {"a_flag": "1", "a_seen": "1"})

        self.send("sender@outside.test", login, message("Sent to-work", login))
        self.send("sender@outside.test", login, message("readXme now", login))
        self.send("sender@outside.test", login, message("Level one", login,
                                                        headers="X-Level: very urgent\r\n"))
        self.send("junk@outside.test", login, message("Junk offer", login,
                                                      frm="Junk <junk@outside.test>"))
        self.send("sender@outside.test", login, message("Pass it on", login,
                                                        body="Hi,\nplease forward this.\n"))
        self.send(sender, login, message("refuse me", login, frm=sender))
        self.send("sender@outside.test", login, message("Huge one", login,
                                                        body=("x" * 70 + "\n") * 400))
        self.send("sender@outside.test", login, message("Plain one", login))

        self.assertEqual(self.find(m, "INBOX", "to-work"), [])
        got = self.find(m, "Work", "to-work")
        self.assertEqual(len(got), 1)
        self.assertNotIn("\\Seen", got[0][0])
        got = self.find(m, "INBOX", "readXme")
        self.assertEqual(len(got), 1)
        self.assertIn("\\Seen", got[0][0])
        got = self.find(m, "INBOX", "Level one")
        self.assertIn("\\Flagged", got[0][0])
        self.assertNotIn("\\Seen", got[0][0])
        self.assertEqual(self.find(m, "INBOX", "Junk offer"), [])
        self.assertEqual(len(self.find(m, "INBOX", "Pass it on")), 1)   # a copy: kept too
        self.assertEqual(self.find(m, "INBOX", "refuse me"), [])
        got = self.find(m, "INBOX", "Huge one")
        self.assertIn("\\Flagged", got[0][0])
        self.assertIn("\\Seen", got[0][0])
        got = self.find(m, "INBOX", "Plain one")
        self.assertEqual(got[0][0].strip(), "")

        # the deleted message still counts as delivered
        uid = self.inst.psql_value("SELECT id FROM users WHERE address = %s" % sql_literal(login))
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM mail_events WHERE user_id = %s AND direction = 'in'"
            " AND outcome = 'delivered'" % uid), "7")
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM mail_events WHERE user_id = %s AND outcome = 'rejected'" % uid), "1")

        # the forwarded copy, with the loop header
        fm = self.imap(friend, fpass)
        got = self.find(fm, "INBOX", "Pass it on")
        self.assertEqual(len(got), 1)
        msg = email.message_from_bytes(got[0][1], policy=email.policy.default)
        self.assertEqual(msg["X-Mailhive-Loop"], login)
        self.assertIn("please forward", msg.get_content())

        # the refusal notice to the sender
        sm = self.imap(sender, spass)
        got = self.find(sm, "INBOX", "Undelivered Mail")
        self.assertEqual(len(got), 1)
        dsn = email.message_from_bytes(got[0][1], policy=email.policy.default)
        self.assertEqual(dsn.get_content_type(), "multipart/report")
        self.assertEqual(dsn["Auto-Submitted"], "auto-replied")
        parts = list(dsn.iter_parts())
        self.assertIn("I do not take these.", parts[0].get_content())
        status = parts[1].as_string()
        self.assertIn("Action: failed", status)
        self.assertIn("Status: 5.7.1", status)
        self.assertIn("Final-Recipient: rfc822; %s" % login, status)
        self.assertIn("Subject: refuse me", parts[2].as_string())

        # a refusal of a message from <> sends nothing
        self.send("", login, message("refuse me", login, frm="MAILER-DAEMON@outside.test"))
        self.assertEqual(len(self.find(sm, "INBOX", "Undelivered Mail")), 1)
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM queue WHERE recipient ILIKE 'mailer-daemon%'"), "0")

    def test_forward_loops_and_own_address(self):
        a, apass, ac = self.user("loopa")
        b, bpass, bc = self.user("loopb")
        self.add_rule(ac, "To b", [("subject", "contains", "ping")], {"a_forward": b})
        self.add_rule(bc, "To a", [("subject", "contains", "ping")], {"a_forward": a})
        self.send("sender@outside.test", a, message("ping 1", a))
        am, bm = self.imap(a, apass), self.imap(b, bpass)
        self.assertEqual(len(self.find(am, "INBOX", "ping 1")), 1)
        self.assertEqual(len(self.find(bm, "INBOX", "ping 1")), 1)
        # a message that already went through a forward is not forwarded again
        self.send("sender@outside.test", b, message("ping 2", b,
                                                    headers="X-Mailhive-Loop: x@example.test\r\n"))
        self.assertEqual(len(self.find(bm, "INBOX", "ping 2")), 1)
        self.assertEqual(self.find(am, "INBOX", "ping 2"), [])
        # a forward to a remote address is a queue row
        self.add_rule(ac, "Out", [("subject", "contains", "outward")],
                      {"a_forward": "someone@remote.test"})
        self.send("sender@outside.test", a, message("outward bound", a))
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM mail_events e JOIN users u ON u.id = e.user_id"
            " WHERE u.address = %s AND e.direction = 'in'" % sql_literal(a)), "2")
        self.assertIn("event=filters_sent", self.inst.log_tail("mailhived.log", 400))

    def test_stop_and_order_at_delivery(self):
        login, password, c = self.user("stop")
        self.add_rule(c, "Flag it", [("subject", "contains", "order")], {"a_flag": "1"})
        self.add_rule(c, "Read it", [("subject", "contains", "order")], {"a_seen": "1"})
        first, second = self.rule_ids(login)
        m = self.imap(login, password)
        self.send("sender@outside.test", login, message("order one", login))
        flags = self.find(m, "INBOX", "order one")[0][0]
        self.assertIn("\\Flagged", flags)
        self.assertNotIn("\\Seen", flags)
        # the second rule first
        tok = self.csrf(c)
        c.post("/settings/filters", {"_csrf": tok, "op": "up", "id": str(second)})
        self.send("sender@outside.test", login, message("order two", login))
        flags = self.find(m, "INBOX", "order two")[0][0]
        self.assertIn("\\Seen", flags)
        self.assertNotIn("\\Flagged", flags)
        # without stop both run; a disabled rule does nothing
        self.add_rule(c, "Read it", [("subject", "contains", "order")], {"a_seen": "1"},
                      stop=False, rule_id=str(second))
        self.send("sender@outside.test", login, message("order three", login))
        flags = self.find(m, "INBOX", "order three")[0][0]
        self.assertIn("\\Seen", flags)
        self.assertIn("\\Flagged", flags)
        c.post("/settings/filters", {"_csrf": tok, "op": "disable", "id": str(first)})
        self.send("sender@outside.test", login, message("order four", login))
        flags = self.find(m, "INBOX", "order four")[0][0]
        self.assertIn("\\Seen", flags)
        self.assertNotIn("\\Flagged", flags)
        # the first of several folders wins; an unknown folder means INBOX
        m.create("A")
        m.create("B")
        self.add_rule(c, "To A", [("subject", "contains", "folders")], {"a_fileinto": "A"},
                      stop=False)
        self.add_rule(c, "To B", [("subject", "contains", "folders")], {"a_fileinto": "B"})
        self.send("sender@outside.test", login, message("folders one", login))
        self.assertEqual(len(self.find(m, "A", "folders one")), 1)
        self.assertEqual(self.find(m, "B", "folders one"), [])
        m.select("INBOX")
        m.delete("A")
        self.send("sender@outside.test", login, message("folders two", login))
        self.assertEqual(len(self.find(m, "INBOX", "folders two")), 1)

    # ---- vacation ---------------------------------------------------------

    def test_vacation(self):
        login, password, c = self.user("vac")
        s1, s1pass = new_user(self.inst, "vs1")
        s2, s2pass = new_user(self.inst, "vs2")
        r = self.page(c, "/settings/vacation")
        form = find_form(r.text, "/settings/vacation")
        self.assertEqual(form["inputs"]["days"], "7")
        tok = form["inputs"]["_csrf"]
        base = {"_csrf": tok, "enabled": "1", "subject": "Away until Monday",
                "body": "I am away.\n我不在。", "start": "", "end": "", "days": "3"}
        for bad, text in (({"start": "2024-02-30"}, "year-month-day"),
                          ({"start": "2024-05-02", "end": "2024-05-01"}, "before the start"),
                          ({"days": "0"}, "from 1 to 365"),
                          ({"body": ""}, "Write the message")):
            r = c.post("/settings/vacation", dict(base, **bad))
            self.assertEqual(r.status, 422, bad)
            self.assertIn(text, r.text)
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM vacations v JOIN users u ON u.id = v.user_id"
            " WHERE u.address = %s" % sql_literal(login)), "0")
        # dates in the future: not on yet
        r = c.post("/settings/vacation", dict(base, start="2999-01-01"))
        self.assertEqual(r.status, 303)
        self.send(s1, login, message("Early", login, frm=s1))
        s1m = self.imap(s1, s1pass)
        self.assertEqual(self.find(s1m, "INBOX", "Away until"), [])
        r = c.post("/settings/vacation", base)
        self.assertEqual(r.status, 303)
        r = self.page(c, "/settings/vacation")
        self.assertIn("Away until Monday", r.text)
        self.assertIn("checked", r.text)

        self.send(s1, login, message("Question one", login, frm=s1))
        got = self.find(s1m, "INBOX", "Away until")
        self.assertEqual(len(got), 1)
        reply = email.message_from_bytes(got[0][1], policy=email.policy.default)
        self.assertEqual(reply["Auto-Submitted"], "auto-replied")
        self.assertEqual(reply["From"].addresses[0].addr_spec, login)
        self.assertIsNotNone(reply["In-Reply-To"])
        self.assertIn(reply["In-Reply-To"], reply["References"])
        self.assertIn("我不在", reply.get_content())
        # the reply came from <>: the Return-Path of a local delivery is not
        # kept, but nothing was queued back to us either
        # once per sender within the interval
        self.send(s1, login, message("Question two", login, frm=s1))
        self.assertEqual(len(self.find(s1m, "INBOX", "Away until")), 1)
        # list mail, bulk mail, automatic mail, <>: no reply
        s2m = self.imap(s2, s2pass)
        for extra in ("List-Id: <team.lists.example.test>\r\n",
                      "Precedence: bulk\r\n",
                      "Auto-Submitted: auto-generated\r\n"):
            self.send(s2, login, message("Listed", login, frm=s2, headers=extra))
        self.send(s2, login, message("Not named", "someone-else@example.test", frm=s2))
        self.assertEqual(self.find(s2m, "INBOX", "Away until"), [])
        self.send("", login, message("Bounce-like", login, frm=s2))
        self.send("MAILER-DAEMON@outside.test", login, message("Daemon", login, frm=s2))
        self.assertEqual(self.find(s2m, "INBOX", "Away until"), [])
        self.assertEqual(self.inst.psql_value(
            "SELECT string_agg(sender, ',') FROM vacation_replies r JOIN users u"
            " ON u.id = r.user_id WHERE u.address = %s" % sql_literal(login)), s1)
        # after the interval, again (made to have passed)
        self.inst.psql("UPDATE vacation_replies SET replied_at = now() - interval '4 days'"
                       " WHERE sender = %s" % sql_literal(s1))
        self.send(s1, login, message("Question three", login, frm=s1))
        self.assertEqual(len(self.find(s1m, "INBOX", "Away until")), 2)
        # a remote sender's reply is queued from <>
        self.send("far@remote.test", login, message("From afar", login,
                                                   frm="Far <far@remote.test>"))
        self.assertIn("what=vacation to=far@remote.test",
                      self.inst.log_tail("mailhived.log", 400))
        # off: no more replies
        r = c.post("/settings/vacation", {k: v for k, v in base.items() if k != "enabled"})
        self.assertEqual(r.status, 303)
        self.send(s2, login, message("After", login, frm=s2))
        self.assertEqual(self.find(s2m, "INBOX", "Away until"), [])

    # ---- block list -------------------------------------------------------

    def test_blocklist(self):
        login, password, c = self.user("block")
        other, _, oc = self.user("blocko")
        r = self.page(c, "/settings/blocklist")
        self.assertIn('id="block-empty"', r.text)
        tok = find_form(r.text, "/settings/blocklist")["inputs"]["_csrf"]
        for bad in ("", "no spaces@x.test", "@", "x@", "justword", "a@b@c.test", "<a@b.test>"):
            r = c.post("/settings/blocklist", {"_csrf": tok, "op": "add", "pattern": bad,
                                               "action": "reject"})
            self.assertEqual(r.status, 422, bad)
            self.assertIn("Enter an email address or a domain", r.text)
        r = c.post("/settings/blocklist", {"_csrf": tok, "op": "add", "pattern": "a@b.test",
                                           "action": "explode"})
        self.assertEqual(r.status, 422)
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM block_list b JOIN users u ON u.id = b.user_id"
            " WHERE u.address = %s" % sql_literal(login)), "0")

        r = c.post("/settings/blocklist", {"_csrf": tok, "op": "add",
                                           "pattern": "Blocked.TEST", "action": "reject"})
        self.assertEqual(r.status, 303)
        r = c.post("/settings/blocklist", {"_csrf": tok, "op": "add",
                                           "pattern": "Quiet@Other.test", "action": "discard"})
        self.assertEqual(r.status, 303)
        r = self.page(c, "/settings/blocklist")
        self.assertIn('data-pattern="@blocked.test"', r.text)
        self.assertIn('data-pattern="quiet@other.test"', r.text)
        ids = dict(re.findall(r'data-id="(\d+)" data-pattern="([^"]+)"', r.text))
        ids = {v: k for k, v in ids.items()}

        # refused at RCPT
        with smtplib.SMTP("127.0.0.1", self.inst.smtp_port, timeout=30) as s:
            s.ehlo()
            s.mail("anyone@blocked.test")
            code, text = s.rcpt(login)
            self.assertEqual(code, 550)
            self.assertIn(b"5.7.1", text)
        # dropped
        m = self.imap(login, password)
        self.send("quiet@other.test", login, message("Quiet one", login))
        self.send("loud@other.test", login, message("Loud one", login))
        self.assertEqual(self.find(m, "INBOX", "Quiet one"), [])
        self.assertEqual(len(self.find(m, "INBOX", "Loud one")), 1)

        # another user cannot touch the entries
        otok = self.csrf(oc, "/settings/blocklist")
        for op in ("remove", "set"):
            r = oc.post("/settings/blocklist", {"_csrf": otok, "op": op,
                                                "id": ids["@blocked.test"], "action": "discard"})
            self.assertEqual(r.status, 404, op)
        # switch to discard, then remove
        r = c.post("/settings/blocklist", {"_csrf": tok, "op": "set",
                                           "id": ids["@blocked.test"], "action": "discard"})
        self.assertEqual(r.status, 303)
        self.send("anyone@blocked.test", login, message("Blocked but quiet", login))
        self.assertEqual(self.find(m, "INBOX", "Blocked but quiet"), [])
        r = c.post("/settings/blocklist", {"_csrf": tok, "op": "remove",
                                           "id": ids["@blocked.test"]})
        self.assertEqual(r.status, 303)
        self.send("anyone@blocked.test", login, message("Welcome back", login))
        self.assertEqual(len(self.find(m, "INBOX", "Welcome back")), 1)
        r = c.get("/settings/blocklist", headers={"Accept-Language": "zh-CN"})
        self.assertIn("拒收列表", r.text)


if __name__ == "__main__":
    unittest.main()
