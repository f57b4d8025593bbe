"""test_webmail.py - reading and organising mail in webmail, over HTTP
through nginx, with mail delivered by SMTP and folders made over IMAP.

Each test has a user of its own, so tests never see each other's mail.
"""

import email.header
import base64
import html
import email.utils
import imaplib
import re
import smtplib
import time
import unittest
import urllib.parse
import uuid

import harness
from harness import PORTALS, find_form, element_text, parse_page


def new_user(inst, tag):
    login = "wm-%s-%s@example.test" % (tag, uuid.uuid4().hex[:8])
    password = "Pw-" + uuid.uuid4().hex[:16]
    r = inst.ctl("user", "add", login, password=password)
    if r.rc != 0:
        raise AssertionError("user add: %r" % r)
    return login, password


def deliver(inst, rcpt, raw):
    """raw: bytes of a whole message (CRLF or LF)."""
    with smtplib.SMTP("127.0.0.1", inst.smtp_port, timeout=30) as s:
        s.sendmail("sender@outside.test", [rcpt], raw)


def simple(subject, body="Hello.\n", frm="Sender One <one@outside.test>",
           date=None, headers="", ctype="text/plain; charset=utf-8"):
    date = date or email.utils.formatdate(time.time())
    return ("From: %s\r\nTo: someone@example.test\r\nSubject: %s\r\nDate: %s\r\n"
            "Message-ID: <%s@outside.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: %s\r\n%s\r\n%s" % (
                frm, subject, date, uuid.uuid4().hex, ctype, headers,
                body.replace("\n", "\r\n"))).encode("utf-8")


def wait_count(inst, login, n, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        got = int(inst.psql_value(
            "SELECT count(*) FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id"
            " JOIN users u ON u.id = b.user_id WHERE u.address = %s AND b.name = 'INBOX'"
            % harness.sql_literal(login)))
        if got >= n:
            return
        if time.monotonic() > deadline:
            raise AssertionError("only %d of %d messages arrived" % (got, n))
        time.sleep(0.05)


def rows(text):
    """[(uid, subject, classes)] of the message list, in page order."""
    out = []
    for m in re.finditer(r'<tr class="([^"]*)" data-uid="(\d+)">(.*?)</tr>', text, re.S):
        subj = re.search(r'<td class="subject"><a [^>]*>(.*?)</a>', m.group(3), re.S)
        out.append((int(m.group(2)), html.unescape(subj.group(1)) if subj else None,
                    m.group(1).split()))
    return out


class WebmailTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    def user(self, tag, messages=()):
        login, password = new_user(self.inst, tag)
        for raw in messages:
            deliver(self.inst, login, raw)
        wait_count(self.inst, login, len(messages))
        c = self.inst.client(None)
        r = c.login("", login, password)
        self.assertEqual(r.status, 303, r)
        return login, password, c

    def page(self, c, path, status=200):
        r = c.get(path)
        self.assertEqual(r.status, status, "%s: %r\n%s" % (
            path, r, self.inst.log_tail("webmail.log", 20)))
        return r

    def csrf(self, c, text):
        form = find_form(text, "/mail/action")
        self.assertIsNotNone(form, "no action form")
        return form["inputs"]["_csrf"]

    # ---- the list -------------------------------------------------------

    def test_list_sorted_and_unread(self):
        now = time.time()
        msgs = [simple("Bravo report", date=email.utils.formatdate(now - 3600)),
                simple("Alpha notes", date=email.utils.formatdate(now - 60)),
                simple("Charlie plan", date=email.utils.formatdate(now - 7200),
                       frm="Zed <zed@outside.test>")]
        login, _, c = self.user("list", msgs)
        r = self.page(c, "/mail")
        got = rows(r.text)
        self.assertEqual([s for _, s, _ in got], ["Alpha notes", "Bravo report", "Charlie plan"])
        self.assertTrue(all("unread" in cls for _, _, cls in got), got)
        # folder pane: special folders by their names, unread count
        pane = parse_page(r.text)
        folders = [a.get("data-folder") for t, a in pane.tags if t == "li" and "data-folder" in a]
        self.assertEqual(folders[0], "INBOX")
        for name in ("Drafts", "Sent", "Junk", "Trash"):
            self.assertIn(name, folders)
        self.assertRegex(r.text, r'data-folder="INBOX">\s*<a [^>]*>Inbox</a>\s*<span class="unseen">3</span>')
        r = self.page(c, "/mail?f=INBOX&sort=subject&order=asc")
        self.assertEqual([s for _, s, _ in rows(r.text)],
                         ["Alpha notes", "Bravo report", "Charlie plan"])
        r = self.page(c, "/mail?f=INBOX&sort=from&order=desc")
        self.assertEqual(rows(r.text)[0][1], "Charlie plan")
        # Chinese page
        r = c.get("/mail", headers={"Accept-Language": "zh-CN"})
        self.assertIn("收件箱", r.text)
        self.assertIn("发件人", r.text)

    def test_pagination(self):
        msgs = [simple("Item %02d" % i, date=email.utils.formatdate(1700000000 + i * 60))
                for i in range(25)]
        login, _, c = self.user("page", msgs)
        r = self.page(c, "/mail?f=INBOX&n=20&sort=date&order=asc")
        got = rows(r.text)
        self.assertEqual(len(got), 20)
        self.assertEqual(got[0][1], "Item 00")
        self.assertEqual(element_text(r.text, "total"), "25")
        self.assertIn("page=2", r.text)
        r = self.page(c, "/mail?f=INBOX&n=20&sort=date&order=asc&page=2")
        self.assertEqual([s for _, s, _ in rows(r.text)], ["Item %02d" % i for i in range(20, 25)])
        # the size chosen last is kept: without n the list has 20 rows
        r = self.page(c, "/mail?f=INBOX&sort=date&order=asc")
        self.assertEqual(len(rows(r.text)), 20)
        self.assertEqual(self.inst.psql_value(
            "SELECT list_page_size FROM users WHERE address = %s" %
            harness.sql_literal(login)), "20")
        r = self.page(c, "/mail?f=INBOX&n=100")
        self.assertEqual(len(rows(self.page(c, "/mail").text)), 25)
        r = self.page(c, "/mail?f=INBOX&n=7")          # not offered: the kept one
        self.assertEqual(len(rows(r.text)), 25)
        self.page(c, "/mail?f=INBOX&n=20")
        # a page past the end shows the last one
        r = self.page(c, "/mail?f=INBOX&n=20&sort=date&order=asc&page=99")
        self.assertEqual(len(rows(r.text)), 5)

    def test_quick_search(self):
        msgs = [simple("Quarterly budget"), simple("Lunch"),
                simple("Other", frm="Budget Office <budget@outside.test>")]
        login, _, c = self.user("search", msgs)
        r = self.page(c, "/mail?f=INBOX&q=budget")
        self.assertEqual(sorted(s for _, s, _ in rows(r.text)), ["Other", "Quarterly budget"])
        r = self.page(c, "/mail?f=INBOX&q=budget&in=subject")
        self.assertEqual([s for _, s, _ in rows(r.text)], ["Quarterly budget"])
        r = self.page(c, "/mail?f=INBOX&q=nothing-like-this")
        self.assertEqual(rows(r.text), [])
        self.assertIsNotNone(element_text(r.text, "empty"))
        # a query with IMAP syntax in it is only a string
        r = self.page(c, "/mail?f=INBOX&q=" + urllib.parse.quote('x") ALL (FROM "'))
        self.assertEqual(rows(r.text), [])

    def test_advanced_search(self):
        big = ("x" * 70 + "\n") * 430
        msgs = [simple("Budget 2023", date="Mon, 06 Mar 2023 10:00:00 +0000",
                       frm="Finance <fin@outside.test>"),
                simple("Budget 2024", date="Tue, 05 Mar 2024 10:00:00 +0000",
                       frm="Finance <fin@outside.test>", body=big),
                simple("Party", date="Tue, 05 Mar 2024 11:00:00 +0000")]
        login, _, c = self.user("adv", msgs)
        def subjects(q):
            return sorted(s for _, s, _ in rows(self.page(c, "/mail?f=INBOX&" + q).text))
        self.assertEqual(subjects("a_from=fin%40outside.test"), ["Budget 2023", "Budget 2024"])
        self.assertEqual(subjects("a_from=fin&a_subject=2024"), ["Budget 2024"])
        self.assertEqual(subjects("a_from=fin&min_kb=20"), ["Budget 2024"])
        self.assertEqual(subjects("a_from=fin&max_kb=20"), ["Budget 2023"])
        self.assertEqual(subjects("sort=date&since=2024-01-01"), ["Budget 2024", "Party"])
        self.assertEqual(subjects("before=2024-01-01"), ["Budget 2023"])
        # the search is carried into the sort links
        r = self.page(c, "/mail?f=INBOX&a_from=fin")
        self.assertIn("a_from=fin", html.unescape(re.search(
            r'<th class="subject"><a href="([^"]+)"', r.text).group(1)))
        # a bad field is a message on the page, the list is left as it is
        for q, key in (("since=5.3.2024", "search_bad_date"), ("min_kb=lots", "search_bad_size"),
                       ("a_subject=" + "y" * 300, "search_too_long")):
            r = c.get("/mail?f=INBOX&" + q)
            self.assertEqual(r.status, 422, q)
            self.assertIsNotNone(element_text(r.text, "form-error"), q)
            self.assertEqual(len(rows(r.text)), 3, q)

    def test_empty_trash_and_purge_ask_first(self):
        login, _, c = self.user("empty", [simple("A"), simple("B"), simple("C")])
        r = self.page(c, "/mail")
        token = self.csrf(c, r.text)
        self.assertNotIn('id="empty-folder"', r.text)      # only in Trash and Junk
        uids = {s: u for u, s, _ in rows(r.text)}
        # delete permanently: a confirmation first, nothing gone yet
        r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "purge"),
                                    ("uid", uids["A"])])
        self.assertEqual(r.status, 200)
        form = find_form(r.text, "/mail/action")
        self.assertEqual(form["inputs"]["confirm"], "1")
        self.assertEqual(len(rows(self.page(c, "/mail").text)), 3)
        r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "purge"),
                                    ("uid", uids["A"]), ("confirm", "1")])
        self.assertEqual(r.status, 303)
        self.assertEqual(sorted(s for _, s, _ in rows(self.page(c, "/mail").text)), ["B", "C"])
        # empty: refused outside Trash/Junk, confirmed in Trash
        r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "empty"),
                                    ("confirm", "1")])
        self.assertEqual(r.status, 400)
        c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "delete"),
                                ("uid", uids["B"]), ("uid", uids["C"])])
        r = self.page(c, "/mail?f=Trash")
        self.assertIn('id="empty-folder"', r.text)
        self.assertEqual(len(rows(r.text)), 2)
        r = c.post("/mail/action", [("_csrf", token), ("f", "Trash"), ("op", "empty")])
        self.assertIn("(2)", element_text(r.text, "confirm-text"))
        self.assertEqual(len(rows(self.page(c, "/mail?f=Trash").text)), 2)
        r = c.post("/mail/action", [("_csrf", token), ("f", "Trash"), ("op", "empty"),
                                    ("confirm", "1")])
        self.assertEqual(r.status, 303)
        self.assertEqual(rows(self.page(c, "/mail?f=Trash").text), [])
        # the script that selects all and reads the keyboard is served
        js = c.get("/static/js/webmail.js")
        self.assertEqual(js.status, 200)
        self.assertIn(b"select-all", js.body)

    # ---- reading --------------------------------------------------------

    def test_read_plain_text_escaped_and_marked_seen(self):
        body = "Hi <script>alert(1)</script> & welcome.\n"
        login, _, c = self.user("read", [simple("Plain one", body=body)])
        uid = rows(self.page(c, "/mail").text)[0][0]
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % uid)
        self.assertEqual(element_text(r.text, "subject"), "Plain one")
        self.assertIn("one@outside.test", element_text(r.text, "from"))
        self.assertEqual(element_text(r.text, "textbody").strip(), body.strip())
        self.assertNotIn("<script>alert", r.text)
        got = rows(self.page(c, "/mail").text)
        self.assertNotIn("unread", got[0][2])

    def test_text_links_and_quotes(self):
        body = ("See https://example.org/a?x=1&y=<2> now.\n"
                "On Monday Bob wrote:\n> an old line\n> javascript:alert(1)\n"
                "My answer, not http://x\" onmouseover=\"alert(1).\n")
        login, _, c = self.user("links", [simple("Links", body=body)])
        uid = rows(self.page(c, "/mail").text)[0][0]
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % uid)
        page = parse_page(r.text)
        links = [a for t, a in page.tags if t == "a" and a.get("target") == "_blank"]
        self.assertEqual([a["href"] for a in links], ["https://example.org/a?x=1&y="])
        self.assertEqual(links[0]["rel"], "noopener noreferrer")
        self.assertRegex(r.text, r'<details class="quoted"><summary>Quoted text</summary>'
                                 r'&gt; an old line\n&gt; javascript:alert\(1\)\n</details>')
        self.assertNotIn('onmouseover="', r.text)
        # the text itself is all there
        self.assertIn("My answer, not http://x", element_text(r.text, "textbody"))

    def test_html_body_sanitized_in_sandboxed_frame(self):
        doc = ('<p>Hello <b>there</b></p><script>alert(1)</script>'
                '<img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
                '<img src="http://tracker.outside.test/p.gif">')
        login, _, c = self.user("html", [simple("Html one", body=doc,
                                                ctype="text/html; charset=utf-8")])
        uid = rows(self.page(c, "/mail").text)[0][0]
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % uid)
        frame = [a for t, a in parse_page(r.text).tags if t == "iframe"]
        self.assertEqual(len(frame), 1)
        self.assertIn("sandbox", frame[0])
        self.assertNotIn("allow-scripts", frame[0]["sandbox"])
        self.assertNotIn("allow-same-origin", frame[0]["sandbox"])
        self.assertIn("frame-src 'self'", r.header("Content-Security-Policy"))
        body = self.page(c, frame[0]["src"])
        csp = body.header("Content-Security-Policy")
        self.assertTrue(csp.startswith("sandbox"), csp)
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("script-src", csp)
        self.assertIn("<b>there</b>", body.text)
        for bad in ("<script", "onerror", "javascript:", "tracker.outside.test"):
            self.assertNotIn(bad, body.text)
        # remote images only when asked for, and then the CSP allows them
        link = [a for t, a in parse_page(r.text).tags if t == "a" and a.get("id") == "show-images"]
        self.assertEqual(len(link), 1)
        r2 = self.page(c, link[0]["href"])
        frame2 = [a for t, a in parse_page(r2.text).tags if t == "iframe"][0]
        self.assertIn("images=1", frame2["src"])
        self.assertNotIn("show-images", r2.text)
        body2 = self.page(c, frame2["src"])
        self.assertIn('src="http://tracker.outside.test/p.gif"', body2.text)
        self.assertIn("img-src 'self' data: https: http:",
                      body2.header("Content-Security-Policy"))
        for bad in ("<script", "onerror", "javascript:"):
            self.assertNotIn(bad, body2.text)

    def test_charsets(self):
        gbk_subject = email.header.Header("季度报告", "gbk").encode()
        gbk = ("From: =?GBK?B?1cXI/Q==?= <zhang@outside.test>\r\nTo: x@example.test\r\n"
               "Subject: %s\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=GBK\r\n"
               "Content-Transfer-Encoding: 8bit\r\n\r\n" % gbk_subject).encode() + \
            "你好，这是正文。\r\n".encode("gbk")
        big5 = ("From: a@outside.test\r\nTo: x@example.test\r\nSubject: big5\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=big5\r\n\r\n"
                ).encode() + "繁體中文測試\r\n".encode("big5")
        nocs = ("From: a@outside.test\r\nTo: x@example.test\r\nSubject: nocharset\r\n"
                "MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
                ).encode() + "没有声明字符集的邮件\r\n".encode("gb18030")
        latin = ("From: a@outside.test\r\nTo: x@example.test\r\n"
                 "Subject: =?ISO-8859-1?Q?caf=E9?=\r\n"
                 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n"
                 ).encode() + "déjà vu\r\n".encode("latin-1")
        login, _, c = self.user("cs", [gbk, big5, nocs, latin])
        got = {s: uid for uid, s, _ in rows(self.page(c, "/mail").text)}
        self.assertIn("季度报告", got)
        self.assertIn("café", got)
        cases = [("季度报告", "你好，这是正文。"), ("big5", "繁體中文測試"),
                 ("nocharset", "没有声明字符集的邮件"), ("café", "déjà vu")]
        for subject, text in cases:
            r = self.page(c, "/mail/read?f=INBOX&uid=%d" % got[subject])
            self.assertEqual(element_text(r.text, "textbody").strip(), text, subject)
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % got["季度报告"])
        self.assertIn("张三", element_text(r.text, "from"))

    def test_attachment_with_chinese_name(self):
        pdf = b"%PDF-1.4 not really\n" * 50
        raw = ("From: a@outside.test\r\nTo: x@example.test\r\nSubject: with file\r\n"
               "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BB\r\n\r\n"
               "--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n"
               "--BB\r\nContent-Type: application/pdf\r\n"
               "Content-Disposition: attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n" +
               base64.encodebytes(pdf).decode().replace("\n", "\r\n") +
               "--BB--\r\n").encode()
        login, _, c = self.user("att", [raw])
        got = rows(self.page(c, "/mail").text)
        self.assertIn('class="attach"', self.page(c, "/mail").text)
        uid = got[0][0]
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % uid)
        self.assertIn("报告.pdf", r.text)
        self.assertEqual(element_text(r.text, "textbody").strip(), "See the file.")
        link = re.search(r'href="(/mail/part\?[^"]+)">报告\.pdf<', r.text)
        self.assertIsNotNone(link, r.text)
        d = self.page(c, html.unescape(link.group(1)))
        self.assertEqual(d.body, pdf)
        self.assertEqual(d.header("Content-Type"), "application/octet-stream")
        cd = d.header("Content-Disposition")
        self.assertTrue(cd.startswith("attachment;"), cd)
        self.assertIn("filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf", cd)
        # a part that is not there
        self.page(c, "/mail/part?f=INBOX&uid=%d&part=99" % uid, status=404)

    def test_sender_to_address_book_and_block_list(self):
        spam = "Pushy Seller <seller@outside.test>"
        login, _, c = self.user("sender", [simple("Buy now", frm=spam)])
        uid = rows(self.page(c, "/mail").text)[0][0]
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % uid)
        token = find_form(r.text, "/mail/sender")["inputs"]["_csrf"]
        q = harness.sql_literal(login)
        for _ in range(2):      # twice: still one contact
            r = c.post("/mail/sender", {"_csrf": token, "f": "INBOX", "uid": uid,
                                        "op": "contact"})
            self.assertEqual(r.status, 303, r)
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) || ' ' || min(name) || ' ' || min(emails[1]) FROM contacts"
            " WHERE user_id = (SELECT id FROM users WHERE address = %s)" % q),
            "1 Pushy Seller seller@outside.test")
        r = self.page(c, urllib.parse.urlsplit(r.header("Location")).path + "?" +
                      urllib.parse.urlsplit(r.header("Location")).query)
        self.assertIn("address book", element_text(r.text, "notice"))
        r = c.post("/mail/sender", {"_csrf": token, "f": "INBOX", "uid": uid, "op": "block"})
        self.assertEqual(r.status, 303, r)
        # the block list is what mailhived reads at RCPT: the next one is refused
        with smtplib.SMTP("127.0.0.1", self.inst.smtp_port, timeout=30) as s:
            s.ehlo("outside.test")
            s.mail("seller@outside.test")
            code, msg = s.rcpt(login)
        self.assertEqual(code, 550, msg)
        self.assertIn(b"5.7.1", msg)
        # refusals: another user's message number, a bad op, no token
        r = c.post("/mail/sender", {"_csrf": token, "f": "INBOX", "uid": uid + 50,
                                    "op": "block"})
        self.assertEqual(r.status, 404)
        r = c.post("/mail/sender", {"_csrf": token, "f": "INBOX", "uid": uid, "op": "x"})
        self.assertEqual(r.status, 400)
        r = c.post("/mail/sender", {"f": "INBOX", "uid": uid, "op": "block"})
        self.assertEqual(r.status, 403)

    # ---- refusals -------------------------------------------------------

    def test_bad_and_foreign_references(self):
        login, _, c = self.user("bad", [simple("Mine")])
        uid = rows(self.page(c, "/mail").text)[0][0]
        for path in ("/mail?f=NoSuchFolder", "/mail/read?f=INBOX&uid=abc",
                     "/mail/read?f=INBOX&uid=0", "/mail/read?f=INBOX&uid=%d" % (uid + 1000),
                     "/mail/read?f=NoSuch&uid=%d" % uid, "/mail/read?f=INBOX"):
            self.page(c, path, status=404)
        # another user asking for the same folder and UID sees only their own
        other_login, _, other = self.user("bad2", [])
        r = self.page(other, "/mail/read?f=INBOX&uid=%d" % uid, status=404)
        self.assertNotIn("Mine", r.text)
        # without a session: to the login page
        anon = self.inst.client(None)
        r = anon.get("/mail/read?f=INBOX&uid=%d" % uid)
        self.assertEqual(r.status, 303)
        self.assertEqual(r.location_path, "/login")

    # ---- actions --------------------------------------------------------

    def test_actions(self):
        login, password, c = self.user("act", [simple("One"), simple("Two"),
                                                simple("Three")])
        r = self.page(c, "/mail")
        token = self.csrf(c, r.text)
        uids = {s: u for u, s, _ in rows(r.text)}
        # mark read, then flag
        r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "read"),
                                    ("uid", uids["One"]), ("uid", uids["Two"])])
        self.assertEqual(r.status, 303, r)
        got = {s: cls for _, s, cls in rows(self.page(c, "/mail").text)}
        self.assertNotIn("unread", got["One"])
        self.assertIn("unread", got["Three"])
        c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "flag"),
                                ("uid", uids["Three"])])
        got = {s: cls for _, s, cls in rows(self.page(c, "/mail").text)}
        self.assertIn("flagged", got["Three"])
        # delete goes to Trash; delete there removes for good
        c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "delete"),
                                ("uid", uids["Two"])])
        self.assertEqual(sorted(s for _, s, _ in rows(self.page(c, "/mail").text)),
                         ["One", "Three"])
        trash = rows(self.page(c, "/mail?f=Trash").text)
        self.assertEqual([s for _, s, _ in trash], ["Two"])
        c.post("/mail/action", [("_csrf", token), ("f", "Trash"), ("op", "delete"),
                                ("uid", trash[0][0])])
        self.assertEqual(rows(self.page(c, "/mail?f=Trash").text), [])
        # move to a folder of the user's own, with a Chinese name
        imap = imaplib.IMAP4("127.0.0.1", self.inst.imap_port)
        imap.login(login, password)
        imap.create("&mHl27g-")          # 项目
        imap.logout()
        r = self.page(c, "/mail")
        self.assertIn("项目", r.text)
        c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "move"),
                                ("to", "&mHl27g-"), ("uid", uids["One"])])
        self.assertEqual([s for _, s, _ in rows(self.page(c, "/mail?f=%26mHl27g-").text)],
                         ["One"])
        # refusals: no CSRF token, a folder that is not there, a bad op
        n_before = len(rows(self.page(c, "/mail").text))
        r = c.post("/mail/action", [("f", "INBOX"), ("op", "delete"), ("uid", uids["Three"])])
        self.assertEqual(r.status, 403)
        r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "move"),
                                    ("to", "Nowhere"), ("uid", uids["Three"])])
        self.assertEqual(r.status, 404)
        r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "explode"),
                                    ("uid", uids["Three"])])
        self.assertEqual(r.status, 400)
        r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "read"),
                                    ("uid", "1; DROP")])
        self.assertEqual(r.status, 400)
        self.assertEqual(len(rows(self.page(c, "/mail").text)), n_before)

    # ---- folders ----------------------------------------------------------

    def folder_form(self, c, text, form_id):
        forms = [f for f in parse_page(text).forms if f["action"].endswith("/mail/folders")]
        self.assertTrue(forms, "no folder forms")
        return forms[0]["inputs"]["_csrf"]

    def test_folder_management(self):
        login, password, c = self.user("fold", [simple("Keep me")])
        r = self.page(c, "/mail/folders")
        token = self.folder_form(c, r.text, "create-folder")
        # add a top-level folder with a Chinese name, then a child in it
        r = c.post("/mail/folders", {"_csrf": token, "op": "create", "name": "项目"})
        self.assertEqual(r.status, 303, r)
        r = c.post("/mail/folders", {"_csrf": token, "op": "create", "name": "二期",
                                     "parent": "&mHl27g-"})
        self.assertEqual(r.status, 303, r)
        imap = imaplib.IMAP4("127.0.0.1", self.inst.imap_port)
        imap.login(login, password)
        names = [l.decode().rsplit(" ", 1)[-1].strip('"') for l in imap.list()[1]]
        self.assertIn("&mHl27g-", names)
        self.assertIn("&mHl27g-/&ToxnHw-", names)
        # the pane shows them, the child indented
        r = self.page(c, "/mail")
        self.assertRegex(r.text, r'class="depth-1[^"]*" data-folder="&amp;mHl27g-/&amp;ToxnHw-"')
        # refusals: empty name, a delimiter, a duplicate, a special folder
        for fields, key in (({"name": ""}, "folder_name_empty"),
                            ({"name": "a/b"}, "folder_name_bad"),
                            ({"name": "项目"}, "folder_exists")):
            fields.update({"_csrf": token, "op": "create"})
            r = c.post("/mail/folders", fields)
            self.assertEqual(r.status, 422, r)
            self.assertIsNotNone(element_text(r.text, "form-error"), key)
        r = c.post("/mail/folders", {"_csrf": token, "op": "rename", "f": "INBOX",
                                     "name": "Other"})
        self.assertEqual(r.status, 422)
        r = c.post("/mail/folders", {"_csrf": token, "op": "delete", "f": "Trash"})
        self.assertEqual(r.status, 422)
        r = c.post("/mail/folders", {"_csrf": token, "op": "delete", "f": "NoSuch"})
        self.assertEqual(r.status, 404)
        r = c.post("/mail/folders", {"op": "create", "name": "x"})
        self.assertEqual(r.status, 403)
        # rename keeps the parent; delete asks first, then takes the children too
        r = c.post("/mail/folders", {"_csrf": token, "op": "rename", "f": "&mHl27g-/&ToxnHw-",
                                     "name": "三期"})
        self.assertEqual(r.status, 303, r)
        r = self.page(c, "/mail/folders?delete=%26mHl27g-")
        confirm = find_form(r.text, "/mail/folders")
        self.assertIsNotNone(element_text(r.text, "confirm-delete"))
        self.assertIn("项目", element_text(r.text, "confirm-delete"))
        r = c.post("/mail/folders", {"_csrf": token, "op": "delete", "f": "&mHl27g-"})
        self.assertEqual(r.status, 303, r)
        names = [l.decode().rsplit(" ", 1)[-1].strip('"') for l in imap.list()[1]]
        self.assertFalse([n for n in names if n.startswith("&mHl27g-")], names)
        imap.logout()
        self.assertIsNotNone(confirm)

    def test_source_prev_next_and_logout(self):
        now = time.time()
        msgs = [simple("First", date=email.utils.formatdate(now - 300)),
                simple("Second", date=email.utils.formatdate(now - 200)),
                simple("Third", date=email.utils.formatdate(now - 100))]
        login, _, c = self.user("nav", msgs)
        got = {s: u for u, s, _ in rows(self.page(c, "/mail").text)}
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % got["Second"])
        links = {a.get("id"): a.get("href") for t, a in parse_page(r.text).tags if t == "a"}
        self.assertIn("uid=%d" % got["Third"], links["prev"])     # newest first
        self.assertIn("uid=%d" % got["First"], links["next"])
        src = self.page(c, links["source"])
        self.assertTrue(src.header("Content-Type").startswith("text/plain"))
        self.assertIn(b"Subject: Second", src.body)
        eml = self.page(c, links["eml"])
        self.assertEqual(eml.header("Content-Type"), "message/rfc822")
        self.assertIn("attachment", eml.header("Content-Disposition"))
        self.assertEqual(eml.body, src.body)
        # after logout the pages need a login again
        token = find_form(r.text, "/logout")["inputs"]["_csrf"]
        r = c.post("/logout", {"_csrf": token})
        self.assertEqual(r.status, 303)
        r = c.get("/mail")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.location_path, "/login")


if __name__ == "__main__":
    unittest.main()
