"""test_popfetch.py - collecting mail from other POP3 accounts: the
webmail page /settings/pop and the jobs service's fetch runs, with the
run's private Dovecot (tests/integration/dovecot.py) as the outside POP3
server.

Accounts are added through the page; a new account is due at once, and
"fetch now" makes it due again, so a test waits for the account's
last_run to move on. What arrived is checked over IMAP as the user, and
what stayed on the outside server with doveadm. Each test has users of
its own on both sides.
"""

import html
import imaplib
import re
import time
import unittest
import uuid

import dovecot
import harness
import peers
from harness import element_text, parse_page

PAGE = "/settings/pop"
RUN_TIMEOUT = 40.0


def message(subject, body="Hello from outside.\n"):
    return ("From: Outside Sender <out@dovecot.test>\r\nTo: someone@dovecot.test\r\n"
            "Subject: %s\r\nDate: Mon, 01 Jan 2024 12:00:00 +0000\r\n"
            "Message-ID: <%s@dovecot.test>\r\n\r\n%s" % (
                subject, uuid.uuid4().hex, body.replace("\n", "\r\n"))).encode()


class PopFetchTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        why = dovecot.dovecot_missing()
        if why:
            raise RuntimeError(why)
        cls.inst = harness.instance()
        cls.dc = dovecot.dovecot_server()

    # ---- helpers ---------------------------------------------------------

    def user(self, tag):
        """A mailhive user, logged in to webmail: (login, password, client)."""
        login = "pf-%s-%s@example.test" % (tag, uuid.uuid4().hex[:8])
        password = "Pw-" + uuid.uuid4().hex[:16]
        r = self.inst.ctl("user", "add", login, password=password)
        self.assertEqual(r.rc, 0, r)
        c = self.inst.client(None)
        r = c.login("", login, password)
        self.assertEqual(r.status, 303, r)
        return login, password, c

    def outside(self, tag, subjects=()):
        """A Dovecot user with messages: (login, password)."""
        login, password = self.dc.add_user(tag)
        for s in subjects:
            self.dc.deliver(login, message(s))
        self.assertEqual(self.dc.count(login), len(subjects))
        return login, password

    def page(self, c, path=PAGE, status=200):
        r = c.get(path)
        self.assertEqual(r.status, status, "%s: %r\n%s" % (
            path, r, self.inst.log_tail("webmail.log", 20)))
        return r

    def account_form(self, text):
        """The add/edit form of the page."""
        for f in parse_page(text).forms:
            if f["action"].endswith(PAGE) and f["inputs"].get("op") in ("add", "edit"):
                return f
        self.fail("no account form on the page")

    def token(self, c):
        return self.account_form(self.page(c).text)["inputs"]["_csrf"]

    def mailbox_id(self, login, name):
        return self.inst.psql_value(
            "SELECT m.id FROM mailboxes m JOIN users u ON u.id = m.user_id"
            " WHERE u.address = %s AND m.name = %s" % (
                harness.sql_literal(login), harness.sql_literal(name)))

    def fields(self, login, dc_login, dc_password, **over):
        f = {"op": "add", "host": "127.0.0.1", "port": str(self.dc.pop3_port),
             "tls": "none", "username": dc_login, "password": dc_password,
             "folder": self.mailbox_id(login, "INBOX"), "interval": "60",
             "keep": "1", "enabled": "1"}
        f.update(over)
        return {k: v for k, v in f.items() if v is not None}

    def add(self, c, token, fields, status=303):
        fields = {k: v for k, v in dict(fields, _csrf=token).items() if v is not None}
        r = c.post(PAGE, fields)
        self.assertEqual(r.status, status, "%r %r\n%s" % (fields, r, r.text[:3000]))
        return r

    def accounts(self, login):
        out = self.inst.psql(
            "SELECT a.id FROM pop_accounts a JOIN users u ON u.id = a.user_id"
            " WHERE u.address = %s ORDER BY a.id" % harness.sql_literal(login))
        return [int(x) for x in out.split()]

    def state(self, acc):
        row = self.inst.psql(
            "SELECT COALESCE(to_char(last_run, 'YYYY-MM-DD HH24:MI:SS.US'), ''),"
            " claim_token IS NULL, COALESCE(last_error, ''), last_count,"
            " total_count, last_pending FROM pop_accounts WHERE id = %d" % acc).strip()
        run, free, error, count, total, pending = row.split("|")
        return {"run": run, "free": free == "t", "error": error,
                "count": int(count), "total": int(total), "pending": int(pending)}

    def wait_run(self, acc, before=""):
        """Wait until the account has a run newer than BEFORE (its last_run
        as state() gave it); returns the new state."""
        deadline = time.monotonic() + RUN_TIMEOUT
        while True:
            st = self.state(acc)
            if st["run"] and st["run"] != before and st["free"]:
                return st
            if time.monotonic() > deadline:
                self.fail("no fetch run of account %d within %.0f s: %r\n%s" % (
                    acc, RUN_TIMEOUT, st, peers.mailhived_log(self.inst, lines=40)))
            time.sleep(0.2)

    def fetch_now(self, c, token, acc):
        before = self.state(acc)["run"]
        r = c.post(PAGE, {"_csrf": token, "op": "fetch", "id": str(acc)})
        self.assertEqual(r.status, 303, r)
        return self.wait_run(acc, before)

    def imap_subjects(self, login, password, folder):
        imap = imaplib.IMAP4("127.0.0.1", self.inst.imap_port)
        try:
            imap.login(login, password)
            typ, _ = imap.select('"%s"' % folder, readonly=True)
            self.assertEqual(typ, "OK", folder)
            typ, data = imap.search(None, "ALL")
            out = []
            for n in data[0].split():
                typ, d = imap.fetch(n, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                m = re.search(rb"Subject: ([^\r\n]*)", d[0][1])
                out.append(m.group(1).decode() if m else None)
            return sorted(out)
        finally:
            imap.logout()

    def row_html(self, text, acc):
        m = re.search(r'<tr data-account="%d"[^>]*>(.*?)</tr>' % acc, text, re.S)
        self.assertIsNotNone(m, "account %d is not listed" % acc)
        return m.group(1)

    # ---- the tests -------------------------------------------------------

    def test_fetch_into_folder_new_message_between_runs(self):
        dc_login, dc_pw = self.outside("keep", ["Outside one", "Outside two"])
        login, password, c = self.user("keep")
        imap = imaplib.IMAP4("127.0.0.1", self.inst.imap_port)
        imap.login(login, password)
        self.assertEqual(imap.create("Fetched")[0], "OK")
        imap.logout()
        token = self.token(c)
        self.add(c, token, self.fields(login, dc_login, dc_pw,
                                       folder=self.mailbox_id(login, "Fetched")))
        [acc] = self.accounts(login)
        # a new account is fetched right away
        st = self.wait_run(acc)
        self.assertEqual(st["error"], "", st)
        self.assertEqual((st["count"], st["total"]), (2, 2), st)
        self.assertEqual(self.imap_subjects(login, password, "Fetched"),
                         ["Outside one", "Outside two"])
        self.assertEqual(self.imap_subjects(login, password, "INBOX"), [])
        self.assertEqual(self.dc.count(dc_login), 2)    # left on the server
        # a message arriving between two runs comes once; the old ones
        # are not taken again
        self.dc.deliver(dc_login, message("Outside three"))
        st = self.fetch_now(c, token, acc)
        self.assertEqual((st["error"], st["count"], st["total"]), ("", 1, 3), st)
        st = self.fetch_now(c, token, acc)
        self.assertEqual((st["error"], st["count"], st["total"]), ("", 0, 3), st)
        self.assertEqual(self.imap_subjects(login, password, "Fetched"),
                         ["Outside one", "Outside three", "Outside two"])
        self.assertEqual(self.dc.count(dc_login), 3)
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM pop_uidls WHERE account_id = %d" % acc), "3")
        # a mail event per message, from the outside host
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM mail_events e JOIN users u ON u.id = e.user_id"
            " WHERE u.address = %s AND e.direction = 'in' AND e.remote = '127.0.0.1'"
            % harness.sql_literal(login)), "3")
        # the page: the account, its last run and counts
        text = self.page(c).text
        row = self.row_html(text, acc)
        self.assertIn(html.escape(dc_login), row)
        self.assertIn('class="result ok"', row)
        self.assertRegex(row, r'class="last-count"[^>]*>0<')
        self.assertRegex(row, r'class="total-count"[^>]*>3<')
        # the stored password is sealed, and no page shows it
        box = self.inst.psql_value(
            "SELECT encode(password_enc, 'hex') FROM pop_accounts WHERE id = %d" % acc)
        self.assertNotIn(dc_pw.encode().hex(), box)
        self.assertEqual(len(box), 2 * (40 + len(dc_pw)))
        self.assertNotIn(dc_pw, self.inst.psql(
            "SELECT encode(password_enc, 'escape') FROM pop_accounts WHERE id = %d" % acc))
        edit = self.page(c, PAGE + "?edit=%d" % acc).text
        for t in (text, edit):
            self.assertNotIn(dc_pw, t)
        form = self.account_form(edit)
        self.assertEqual(form["inputs"].get("password", ""), "")
        self.assertRegex(edit, r'<option value="%s" selected>' % self.mailbox_id(login, "Fetched"))
        self.assertEqual(form["inputs"].get("op"), "edit")
        # the settings index links here
        self.assertIn('href="/settings/pop"', self.page(c, "/settings").text)
        # the password is in no log
        self.assertNotIn(dc_pw, peers.mailhived_log(self.inst, lines=2000))
        self.assertNotIn(dc_pw, self.inst.log_tail("webmail.log", 2000))

    def test_delete_on_server(self):
        dc_login, dc_pw = self.outside("dele", ["Take and delete 1", "Take and delete 2"])
        login, password, c = self.user("dele")
        token = self.token(c)
        self.add(c, token, self.fields(login, dc_login, dc_pw, keep=None))
        [acc] = self.accounts(login)
        st = self.wait_run(acc)
        self.assertEqual((st["error"], st["count"]), ("", 2), st)
        self.assertEqual(self.dc.count(dc_login), 0)
        self.dc.deliver(dc_login, message("Take and delete 3"))
        st = self.fetch_now(c, token, acc)
        self.assertEqual((st["error"], st["count"], st["total"]), ("", 1, 3), st)
        self.assertEqual(self.dc.count(dc_login), 0)
        self.assertEqual(self.imap_subjects(login, password, "INBOX"),
                         ["Take and delete 1", "Take and delete 2", "Take and delete 3"])
        # the UIDLs of messages gone from the server are forgotten
        self.fetch_now(c, token, acc)
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM pop_uidls WHERE account_id = %d" % acc), "0")
        self.assertIn("deletes mail on the server", self.row_html(self.page(c).text, acc))

    def test_users_filter_rules_apply(self):
        dc_login, dc_pw = self.outside("rules", ["Invoice 42", "Spam offer", "Plain note"])
        login, password, c = self.user("rules")
        imap = imaplib.IMAP4("127.0.0.1", self.inst.imap_port)
        imap.login(login, password)
        for name in ("Bills", "Fetched"):
            self.assertEqual(imap.create(name)[0], "OK")
        imap.logout()
        uid = self.inst.psql_value("SELECT id FROM users WHERE address = %s"
                                   % harness.sql_literal(login))
        self.inst.psql(
            "INSERT INTO filters (user_id, position, conditions, actions) VALUES"
            " (%s, 1, '[{\"field\": \"subject\", \"op\": \"contains\", \"value\": \"Invoice\"}]',"
            "  '[{\"type\": \"fileinto\", \"value\": \"Bills\"}]'),"
            " (%s, 2, '[{\"field\": \"subject\", \"op\": \"contains\", \"value\": \"Spam\"}]',"
            "  '[{\"type\": \"discard\"}]')" % (uid, uid))
        token = self.token(c)
        self.add(c, token, self.fields(login, dc_login, dc_pw,
                                       folder=self.mailbox_id(login, "Fetched")))
        [acc] = self.accounts(login)
        st = self.wait_run(acc)
        self.assertEqual((st["error"], st["count"]), ("", 3), st)
        # a rule's folder wins over the account's; a discarded message is
        # taken (not fetched again) but not stored
        self.assertEqual(self.imap_subjects(login, password, "Bills"), ["Invoice 42"])
        self.assertEqual(self.imap_subjects(login, password, "Fetched"), ["Plain note"])
        self.assertEqual(self.imap_subjects(login, password, "INBOX"), [])
        st = self.fetch_now(c, token, acc)
        self.assertEqual((st["error"], st["count"], st["total"]), ("", 0, 3), st)

    def test_tls_and_starttls(self):
        login, password, c = self.user("tls")
        token = self.token(c)
        a_login, a_pw = self.outside("pop3s", ["Over implicit TLS"])
        b_login, b_pw = self.outside("stls", ["Over STARTTLS"])
        self.add(c, token, self.fields(login, a_login, a_pw, tls="tls",
                                       port=str(self.dc.pop3s_port)))
        self.add(c, token, self.fields(login, b_login, b_pw, tls="starttls"))
        for acc in self.accounts(login):
            st = self.wait_run(acc)
            self.assertEqual((st["error"], st["count"]), ("", 1), st)
        self.assertEqual(self.imap_subjects(login, password, "INBOX"),
                         ["Over STARTTLS", "Over implicit TLS"])

    def test_wrong_password(self):
        dc_login, dc_pw = self.outside("wrongpw", ["Never fetched"])
        login, password, c = self.user("wrongpw")
        token = self.token(c)
        self.add(c, token, self.fields(login, dc_login, dc_pw + "-wrong"))
        [acc] = self.accounts(login)
        st = self.wait_run(acc)
        self.assertTrue(st["error"].startswith("login: "), st)
        self.assertEqual((st["count"], st["total"]), (0, 0), st)
        self.assertEqual(self.imap_subjects(login, password, "INBOX"), [])
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM pop_uidls WHERE account_id = %d" % acc), "0")
        self.assertEqual(self.dc.count(dc_login), 1)
        row = self.row_html(self.page(c).text, acc)
        self.assertIn('class="result error"', row)
        self.assertIn("login", row)
        self.assertIn(html.escape(st["error"][len("login: "):], quote=True), row)
        # the same in Chinese
        r = c.get(PAGE, headers={"Accept-Language": "zh-CN"})
        self.assertIn("登录", self.row_html(r.text, acc))
        # a corrected password (edit) makes the next run work
        self.add(c, token, self.fields(login, dc_login, dc_pw, op="edit", id=str(acc)))
        st = self.fetch_now(c, token, acc)
        self.assertEqual((st["error"], st["count"]), ("", 1), st)

    def test_unreachable_host(self):
        login, password, c = self.user("unreach")
        token = self.token(c)
        closed = peers.free_tcp_port()
        self.add(c, token, self.fields(login, "nobody", "secret-x1",
                                       port=str(closed)))
        [acc] = self.accounts(login)
        st = self.wait_run(acc)
        self.assertTrue(st["error"].startswith("connect: "), st)
        self.assertIn(str(closed), st["error"])
        row = self.row_html(self.page(c).text, acc)
        self.assertIn('class="result error"', row)
        self.assertIn(str(closed), row)

    def test_access_csrf_and_validation(self):
        dc_login, dc_pw = self.outside("acl", [])
        a_login, _, a = self.user("owner")
        b_login, _, b = self.user("other")
        a_token, b_token = self.token(a), self.token(b)
        good = self.fields(a_login, dc_login, dc_pw, enabled=None)
        self.add(a, a_token, good)
        [acc] = self.accounts(a_login)
        snapshot = self.inst.psql(
            "SELECT host, port, username, encode(password_enc, 'hex'), keep,"
            " fetch_interval, enabled FROM pop_accounts WHERE id = %d" % acc)
        # another user's account is not found
        self.page(b, PAGE + "?edit=%d" % acc, 404)
        self.page(b, PAGE + "?delete=%d" % acc, 404)
        for fields in ({"op": "fetch", "id": str(acc)},
                       {"op": "delete", "id": str(acc)},
                       dict(self.fields(b_login, "x", "y"), op="edit", id=str(acc))):
            r = b.post(PAGE, dict(fields, _csrf=b_token))
            self.assertEqual(r.status, 404, (fields, r))
        self.page(a, PAGE + "?edit=999999999", 404)
        # a POST without the token is refused
        r = a.post(PAGE, {"op": "delete", "id": str(acc)})
        self.assertEqual(r.status, 403, r)
        r = a.post(PAGE, dict(good))
        self.assertEqual(r.status, 403, r)
        # bad values: a message, 422, nothing written
        b_inbox = self.mailbox_id(b_login, "INBOX")
        for over, key in (({"host": "bad host!"}, "host"),
                          ({"host": ""}, "host"),
                          ({"host": "-x.example"}, "host"),
                          ({"port": "0"}, "port"),
                          ({"port": "65536"}, "port"),
                          ({"port": "12x"}, "port"),
                          ({"tls": "ssl"}, "tls"),
                          ({"username": ""}, "username"),
                          ({"username": "a\r\nDELE 1"}, "username"),
                          ({"password": None}, "password_missing"),
                          ({"password": "p\nw"}, "password"),
                          ({"folder": b_inbox}, "folder"),
                          ({"folder": "abc"}, "folder"),
                          ({"interval": "4"}, "interval"),
                          ({"interval": "x"}, "interval")):
            r = self.add(a, a_token, dict(good, **over), status=422)
            self.assertIsNotNone(element_text(r.text, "form-error"), key)
            form = self.account_form(r.text)
            self.assertEqual(form["inputs"].get("password", ""), "")
        # the form comes back as it was typed (but the password)
        r = self.add(a, a_token, dict(good, tls="starttls", interval="4"), status=422)
        self.assertRegex(r.text, r'<option value="starttls" selected>')
        self.assertRegex(r.text, r'<option value="%s" selected>' % good["folder"])
        self.assertIn('name="host" maxlength="253" required value="127.0.0.1"', r.text)
        self.assertNotIn(dc_pw, r.text)
        r = self.add(a, a_token, dict(good, op="edit", id=str(acc), port="0"), status=422)
        self.assertEqual(self.account_form(r.text)["inputs"].get("id"), str(acc))
        self.assertEqual(self.accounts(a_login), [acc])
        self.assertEqual(self.accounts(b_login), [])
        self.assertEqual(self.inst.psql(
            "SELECT host, port, username, encode(password_enc, 'hex'), keep,"
            " fetch_interval, enabled FROM pop_accounts WHERE id = %d" % acc), snapshot)
        # an edit with an empty password keeps the stored one
        self.add(a, a_token, dict(good, op="edit", id=str(acc), password="",
                                  interval="15", host="LOCALHOST"))
        after = self.inst.psql_value(
            "SELECT host || ' ' || fetch_interval || ' ' || encode(password_enc, 'hex')"
            " FROM pop_accounts WHERE id = %d" % acc).split()
        self.assertEqual(after[:2], ["localhost", "900"])
        self.assertEqual(after[2], snapshot.split("|")[3])
        # delete: asked first, then gone
        r = self.page(a, PAGE + "?delete=%d" % acc)
        self.assertIsNotNone(element_text(r.text, "confirm-delete"))
        r = a.post(PAGE, {"_csrf": a_token, "op": "delete", "id": str(acc)})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.accounts(a_login), [])
        self.assertIsNotNone(element_text(self.page(a).text, "pop-empty"))


if __name__ == "__main__":
    unittest.main()
