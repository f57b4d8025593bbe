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


def rows_full(text):
    """[{uid, subject, classes, count, folder, href}] of the message list."""
    out = []
    for m in re.finditer(r'<tr class="([^"]*)" data-uid="(\d+)">(.*?)</tr>', text, re.S):
        cell = m.group(3)
        subj = re.search(r'<td class="subject"><a href="([^"]*)">(.*?)</a>', cell, re.S)
        count = re.search(r'<span class="thread-count"[^>]*>(\d+)</span>', cell)
        folder = re.search(r'<td class="folder" data-folder="([^"]*)">(.*?)</td>', cell, re.S)
        out.append({"uid": int(m.group(2)),
                    "subject": html.unescape(subj.group(2)) if subj else None,
                    "href": html.unescape(subj.group(1)) if subj else None,
                    "classes": m.group(1).split(),
                    "count": int(count.group(1)) if count else None,
                    "folder": html.unescape(folder.group(1)) if folder else None,
                    "folder_name": html.unescape(folder.group(2).strip()) if folder else None})
    return out


def depth_of(row):
    for c in row["classes"]:
        if c.startswith("depth-"):
            return int(c[6:])
    return 0


def threaded(subject, msgid, date, refs=(), frm="Sender One <one@outside.test>", body="Hello.\n"):
    """A plain message with a Message-ID of our choice and, for a reply,
    In-Reply-To and References."""
    extra = ""
    if refs:
        extra = "In-Reply-To: <%s>\r\nReferences: %s\r\n" % (
            refs[-1], " ".join("<%s>" % r for r in refs))
    return ("From: %s\r\nTo: someone@example.test\r\nSubject: %s\r\nDate: %s\r\n"
            "Message-ID: <%s>\r\n%sMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n%s" % (
                frm, subject, email.utils.formatdate(date), msgid, extra,
                body.replace("\n", "\r\n"))).encode("utf-8")


def with_attachment(subject, date=None, frm="Sender One <one@outside.test>", size=600):
    date = date or email.utils.formatdate(time.time())
    data = base64.encodebytes(b"%PDF-1.4 " + b"x" * size).decode().replace("\n", "\r\n")
    return ("From: %s\r\nTo: someone@example.test\r\nSubject: %s\r\nDate: %s\r\n"
            "Message-ID: <%s@outside.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=MM\r\n\r\n"
            "--MM\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n"
            "--MM\r\nContent-Type: application/pdf; name=r.pdf\r\n"
            "Content-Disposition: attachment; filename=r.pdf\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s--MM--\r\n" % (
                frm, subject, date, uuid.uuid4().hex, data)).encode()


def alternative(subject, text, html_body, frm="Sender One <one@outside.test>"):
    return ("From: %s\r\nTo: someone@example.test\r\nSubject: %s\r\nDate: %s\r\n"
            "Message-ID: <%s@outside.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/alternative; boundary=AA\r\n\r\n"
            "--AA\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
            "--AA\r\nContent-Type: text/html; charset=utf-8\r\n\r\n%s\r\n"
            "--AA--\r\n" % (frm, subject, email.utils.formatdate(time.time()),
                              uuid.uuid4().hex, text, html_body)).encode("utf-8")


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

    # ---- conversations --------------------------------------------------

    def test_thread_view(self):
        now = time.time()
        h = 3600
        msgs = [
            # A: a root, two replies to it, one reply to the first reply
            threaded("Project kickoff", "a1@t", now - 5 * h),
            threaded("Re: Project kickoff", "a2@t", now - 4 * h, ["a1@t"]),
            threaded("Re: Project kickoff", "a3@t", now - 3 * h, ["a1@t"],
                     frm="Other <other@outside.test>"),
            threaded("Re: Re: Project kickoff", "a4@t", now - 1 * h, ["a1@t", "a2@t"]),
            # B: one message
            threaded("Lunch plans", "b1@t", now - 2 * h),
            # C: the oldest root, but the newest reply of all
            threaded("Old news", "c1@t", now - 10 * h),
            threaded("Re: Old news", "c2@t", now - 0.5 * h, ["c1@t"]),
        ]
        # and 19 older conversations of one message each
        msgs += [threaded("Single %02d" % i, "s%d@t" % i, now - 86400 * (i + 2))
                 for i in range(19)]
        # the oldest: two answers to a message that is not there
        msgs += [threaded("Re: Gone", "g1@t", now - 40 * 86400, ["gone@t"]),
                 threaded("Re: Gone", "g2@t", now - 40 * 86400 + h, ["gone@t"])]
        login, _, c = self.user("thr", msgs)
        q = harness.sql_literal(login)
        r = self.page(c, "/mail?f=INBOX&n=20")
        self.assertIsNotNone(element_text(r.text, "view-threads"))
        self.assertEqual(element_text(r.text, "total"), "28")
        # switch to conversations: kept as the user's preference
        r = self.page(c, "/mail?f=INBOX&view=threads")
        self.assertEqual(self.inst.psql_value(
            "SELECT list_threads FROM users WHERE address = %s" % q), "t")
        self.assertIsNotNone(element_text(r.text, "view-list"))
        got = rows_full(r.text)
        # 23 conversations, 20 a page: newest message first
        self.assertEqual(element_text(r.text, "total"), "23")
        self.assertEqual([(x["subject"], depth_of(x), x["count"]) for x in got[:9]], [
            ("Old news", 0, 2), ("Re: Old news", 1, None),
            ("Project kickoff", 0, 4), ("Re: Project kickoff", 1, None),
            ("Re: Re: Project kickoff", 2, None), ("Re: Project kickoff", 1, None),
            ("Lunch plans", 0, None), ("Single 00", 0, None), ("Single 01", 0, None)])
        self.assertIn("thread", got[0]["classes"])
        self.assertIn("reply", got[1]["classes"])
        self.assertNotIn("thread", got[1]["classes"])
        # the two replies to the root are in date order, the nested one
        # under the first of them
        self.assertIn("other@outside.test", re.findall(
            r'<td class="from" title="([^"]*)"', r.text)[5])
        self.assertEqual(len(got), 20 + 1 + 3)
        self.assertEqual(got[-1]["subject"], "Single 16")
        # page 2 holds the three oldest conversations; the answers to a
        # missing message are one conversation, the second one indented
        r = self.page(c, "/mail?f=INBOX&page=2")
        self.assertEqual([(x["subject"], depth_of(x), x["count"]) for x in rows_full(r.text)],
                         [("Single 17", 0, None), ("Single 18", 0, None),
                          ("Re: Gone", 0, 2), ("Re: Gone", 1, None)])
        # oldest first: by each conversation's newest message
        r = self.page(c, "/mail?f=INBOX&order=asc")
        got = rows_full(r.text)
        self.assertEqual([x["subject"] for x in got[:3]], ["Re: Gone", "Re: Gone", "Single 18"])
        self.assertIn('class="sorted asc"', r.text)
        # the preference holds without view=
        r = self.page(c, "/mail?f=INBOX&n=50")
        got = rows_full(r.text)
        self.assertEqual(len(got), 28)
        self.assertEqual(got[0]["subject"], "Old news")
        # with a search: only the matching messages are threaded
        r = self.page(c, "/mail?f=INBOX&q=kickoff&in=subject")
        got = rows_full(r.text)
        self.assertEqual(element_text(r.text, "total"), "1")
        self.assertEqual([depth_of(x) for x in got], [0, 1, 2, 1])
        self.assertEqual(got[0]["count"], 4)
        r = self.page(c, "/mail?f=INBOX&a_from=other%40outside.test")
        got = rows_full(r.text)
        self.assertEqual([(x["subject"], depth_of(x), x["count"]) for x in got],
                         [("Re: Project kickoff", 0, None)])
        # the switch keeps the search
        self.assertIn("a_from=other", html.unescape(re.search(
            r'<a href="([^"]+)" id="view-list"', r.text).group(1)))
        # back to single messages
        r = self.page(c, "/mail?f=INBOX&view=list&n=50")
        self.assertEqual(self.inst.psql_value(
            "SELECT list_threads FROM users WHERE address = %s" % q), "f")
        got = rows_full(r.text)
        self.assertEqual(len(got), 28)
        self.assertEqual(got[0]["subject"], "Re: Old news")
        self.assertFalse([x for x in got if "reply" in x["classes"] or x["count"]])
        # Chinese page
        r = c.get("/mail?f=INBOX", headers={"Accept-Language": "zh-CN"})
        self.assertIn("按会话显示", r.text)

    # ---- search: attachments, every folder -------------------------------

    def test_search_attachments_and_all_folders(self):
        login, password, c = self.user("all", [])
        base = 1700000000
        imap = imaplib.IMAP4("127.0.0.1", self.inst.imap_port)
        imap.login(login, password)
        imap.create("Archive")

        def put(folder, raw):
            typ, data = imap.append(folder, None, None, raw)
            self.assertEqual(typ, "OK", data)

        # twelve matches in each folder, their dates interleaved, sizes
        # and senders that sort differently from the dates
        for i in range(12):
            put("INBOX", simple("Match I%02d" % i, date=email.utils.formatdate(base + (2 * i + 1) * 60),
                                body="i" * (100 + 37 * ((i * 5) % 12)) + "\n",
                                frm="Person <p%02d@outside.test>" % (23 - 2 * i)))
            put("Archive", simple("Match A%02d" % i, date=email.utils.formatdate(base + 2 * i * 60),
                                  body="a" * (100 + 41 * ((i * 7) % 12)) + "\n",
                                  frm="Person <p%02d@outside.test>" % (22 - 2 * i)))
        put("INBOX", with_attachment("Report with file", date=email.utils.formatdate(base + 5000)))
        put("INBOX", simple("Plain note", date=email.utils.formatdate(base + 5100)))
        put("Archive", with_attachment("Archived report", date=email.utils.formatdate(base + 4000)))
        put("Archive", simple("Archived memo", date=email.utils.formatdate(base + 4100)))
        imap.logout()

        # has attachments, in one folder and in every folder
        r = self.page(c, "/mail?f=INBOX&attach=1")
        self.assertEqual([s for _, s, _ in rows(r.text)], ["Report with file"])
        self.assertIn('name="attach" value="1" checked', r.text)
        r = self.page(c, "/mail?f=INBOX&attach=1&all=1")
        got = rows_full(r.text)
        self.assertEqual([(x["subject"], x["folder"], x["folder_name"]) for x in got],
                         [("Report with file", "INBOX", "Inbox"),
                          ("Archived report", "Archive", "Archive")])
        self.assertIn("Archive", element_text(r.text, "messages"))
        # every folder: no selection, the read links name the message's folder
        self.assertNotIn('name="uid"', r.text)
        link = [x["href"] for x in got if x["folder"] == "Archive"][0]
        self.assertIn("f=Archive&", link)
        rd = self.page(c, link)
        self.assertEqual(element_text(rd.text, "subject"), "Archived report")

        # merged by date, paginated across folders
        path = "/mail?f=INBOX&q=Match&in=subject&all=1&n=20&sort=date&order=asc"
        r = self.page(c, path)
        got = rows_full(r.text)
        self.assertEqual(element_text(r.text, "total"), "24")
        expect = []
        for i in range(12):
            expect += [("Match A%02d" % i, "Archive"), ("Match I%02d" % i, "INBOX")]
        self.assertEqual([(x["subject"], x["folder"]) for x in got], expect[:20])
        r = self.page(c, path + "&page=2")
        self.assertEqual([(x["subject"], x["folder"]) for x in rows_full(r.text)], expect[20:])
        # the pager and the sort links keep the search in every folder
        self.assertIn("all=1", html.unescape(re.search(
            r'<th class="subject"><a href="([^"]+)"', r.text).group(1)))
        r = self.page(c, "/mail?f=INBOX&q=Match&in=subject&all=1&n=20&sort=date&order=desc")
        self.assertEqual([x["subject"] for x in rows_full(r.text)][:3],
                         ["Match I11", "Match A11", "Match I10"])
        self.assertIn("page=2", r.text)

        # by size, sender and subject: checked against the merged set
        imap = imaplib.IMAP4("127.0.0.1", self.inst.imap_port)
        imap.login(login, password)
        info = {}
        for folder in ("INBOX", "Archive"):
            imap.select(folder)
            typ, data = imap.fetch("1:*", "(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
            for item in data:
                if not isinstance(item, tuple):
                    continue
                size = int(re.search(rb"RFC822\.SIZE (\d+)", item[0]).group(1))
                hdr = email.message_from_bytes(item[1])
                if hdr["Subject"].startswith("Match"):
                    info[hdr["Subject"]] = (size, email.utils.parseaddr(hdr["From"])[1])
        imap.logout()
        for sort, key in (("size", lambda s: info[s][0]), ("from", lambda s: info[s][1]),
                          ("subject", lambda s: s.lower())):
            for order in ("asc", "desc"):
                want = sorted(info, key=key, reverse=(order == "desc"))
                r = self.page(c, "/mail?f=INBOX&q=Match&in=subject&all=1&n=50&sort=%s&order=%s"
                              % (sort, order))
                got = [x["subject"] for x in rows_full(r.text)]
                self.assertEqual([key(s) for s in got], [key(s) for s in want], (sort, order))
                self.assertEqual(sorted(got), sorted(info))

        # without all=1 the search stays in the folder; a bad field still
        # shows the folder
        r = self.page(c, "/mail?f=Archive&q=Match&in=subject&n=50")
        self.assertEqual(len(rows_full(r.text)), 12)
        r = c.get("/mail?f=INBOX&all=1&since=yesterday")
        self.assertEqual(r.status, 422)
        self.assertEqual(len(rows_full(r.text)), 14)
        # Chinese page
        r = c.get("/mail?f=INBOX&attach=1&all=1", headers={"Accept-Language": "zh-CN"})
        self.assertIn("所有文件夹", r.text)
        self.assertIn("仅含附件", r.text)

    # ---- reading: plain text or HTML, reply links ---------------------------

    def test_plain_or_html_and_reply_links(self):
        alt = alternative("Both kinds", "Plain version here.", "<p>HTML <b>version</b></p>")
        only_html = simple("Only html", body="<p>Just HTML</p>", ctype="text/html; charset=utf-8")
        login, _, c = self.user("alt", [alt, only_html])
        q = harness.sql_literal(login)
        got = {s: u for u, s, _ in rows(self.page(c, "/mail").text)}
        uid = got["Both kinds"]
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % uid)
        page = parse_page(r.text)
        self.assertEqual(len([a for t, a in page.tags if t == "iframe"]), 1)
        self.assertIsNone(element_text(r.text, "textbody"))
        links = {a.get("id"): a.get("href") for t, a in page.tags if t == "a"}
        self.assertEqual(links["reply"], "/mail/compose?reply=%d&folder=INBOX" % uid)
        self.assertEqual(links["reply-all"], "/mail/compose?reply=%d&folder=INBOX&all=1" % uid)
        self.assertEqual(links["forward"], "/mail/compose?forward=%d&folder=INBOX" % uid)
        self.assertNotIn("view-html", links)
        # plain text asked for: shown, and kept as the default
        r = self.page(c, links["view-text"])
        self.assertEqual(element_text(r.text, "textbody").strip(), "Plain version here.")
        self.assertFalse([a for t, a in parse_page(r.text).tags if t == "iframe"])
        self.assertEqual(self.inst.psql_value(
            "SELECT read_plain FROM users WHERE address = %s" % q), "t")
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % uid)
        self.assertEqual(element_text(r.text, "textbody").strip(), "Plain version here.")
        self.assertIsNotNone(element_text(r.text, "view-html"))
        # a message without a plain version is still shown, as HTML
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % got["Only html"])
        self.assertEqual(len([a for t, a in parse_page(r.text).tags if t == "iframe"]), 1)
        self.assertIsNone(element_text(r.text, "view-switch"))
        # back to HTML
        r = self.page(c, "/mail/read?f=INBOX&uid=%d&view=html" % uid)
        self.assertEqual(len([a for t, a in parse_page(r.text).tags if t == "iframe"]), 1)
        self.assertEqual(self.inst.psql_value(
            "SELECT read_plain FROM users WHERE address = %s" % q), "f")
        # a folder name is carried encoded; the keys are in the script
        r = c.get("/mail/read?f=INBOX&uid=%d" % uid, headers={"Accept-Language": "zh-CN"})
        self.assertIn("回复全部", r.text)
        self.assertIn("转发", r.text)
        js = c.get("/static/js/webmail.js").body
        self.assertIn(b"follow('forward')", js)
        self.assertIn(b"follow('reply')", js)

    # ---- remote images: always for a sender ------------------------------------

    def test_remote_images_always_for_sender(self):
        doc = '<p>News</p><img src="http://tracker.outside.test/p.gif">'
        news = "News Letter <News@Outside.test>"
        msgs = [simple("First issue", body=doc, frm=news, ctype="text/html; charset=utf-8"),
                simple("Second issue", body=doc, frm=news, ctype="text/html; charset=utf-8"),
                simple("Someone else", body=doc, frm="Other <other@outside.test>",
                       ctype="text/html; charset=utf-8")]
        login, _, c = self.user("img", msgs)
        q = harness.sql_literal(login)
        got = {s: u for u, s, _ in rows(self.page(c, "/mail").text)}

        def frame_src(text):
            return [a for t, a in parse_page(text).tags if t == "iframe"][0]["src"]

        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % got["First issue"])
        self.assertNotIn("images=1", frame_src(r.text))
        form = find_form(r.text, "/mail/images")
        self.assertIsNotNone(form)
        self.assertEqual(form["method"], "post")
        count = "SELECT count(*) FROM remote_image_senders WHERE user_id = " \
                "(SELECT id FROM users WHERE address = %s)" % q
        # no token: refused, nothing kept
        r2 = c.post("/mail/images", {"f": "INBOX", "uid": got["First issue"]})
        self.assertEqual(r2.status, 403)
        r2 = c.post("/mail/images", {"_csrf": "0" * 64, "f": "INBOX",
                                     "uid": got["First issue"]})
        self.assertEqual(r2.status, 403)
        self.assertEqual(self.inst.psql_value(count), "0")
        # with it: the sender (from the message, lower case) is kept, twice is once
        for _ in range(2):
            r2 = c.post("/mail/images", dict(form["inputs"]))
            self.assertEqual(r2.status, 303, r2)
        self.assertEqual(self.inst.psql_value(count), "1")
        self.assertEqual(self.inst.psql_value(
            "SELECT sender FROM remote_image_senders WHERE user_id = "
            "(SELECT id FROM users WHERE address = %s)" % q), "news@outside.test")
        loc = urllib.parse.urlsplit(r2.header("Location"))
        r = self.page(c, loc.path + "?" + loc.query)
        self.assertIn("always", element_text(r.text, "notice"))
        # a later message from that sender: images load, with the images CSP
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % got["Second issue"])
        self.assertIsNone(element_text(r.text, "show-images"))
        self.assertIsNotNone(element_text(r.text, "images-sender"))
        src = frame_src(r.text)
        self.assertIn("images=1", src)
        body = self.page(c, src)
        self.assertIn('src="http://tracker.outside.test/p.gif"', body.text)
        self.assertIn("img-src 'self' data: https: http:", body.header("Content-Security-Policy"))
        # another sender's are still blocked
        r = self.page(c, "/mail/read?f=INBOX&uid=%d" % got["Someone else"])
        self.assertIsNotNone(element_text(r.text, "show-images"))
        src = frame_src(r.text)
        self.assertNotIn("images=1", src)
        body = self.page(c, src)
        self.assertNotIn("tracker.outside.test", body.text)
        self.assertNotIn("http:", body.header("Content-Security-Policy"))
        # refusals: no such message, bad uid
        token = form["inputs"]["_csrf"]
        r2 = c.post("/mail/images", {"_csrf": token, "f": "INBOX", "uid": got["First issue"] + 100})
        self.assertEqual(r2.status, 404)
        r2 = c.post("/mail/images", {"_csrf": token, "f": "INBOX", "uid": "x"})
        self.assertEqual(r2.status, 400)
        self.assertEqual(self.inst.psql_value(count), "1")
        # another user's trust is their own
        _, _, other = self.user("img2", [simple("Their issue", body=doc, frm=news,
                                                ctype="text/html; charset=utf-8")])
        ouid = rows(self.page(other, "/mail").text)[0][0]
        r = self.page(other, "/mail/read?f=INBOX&uid=%d" % ouid)
        self.assertNotIn("images=1", frame_src(r.text))

    # ---- charsets nobody declared ----------------------------------------------

    def test_charset_guessing(self):
        gbk_text = "您好！附件是本季度的销售报告，请在周五之前查收并回复意见。谢谢！"
        big5_text = "您好！附件是本季度的銷售報告，請在週五之前查收並回覆意見。謝謝！"

        def raw(subject, ctype, body):
            return ("From: a@outside.test\r\nTo: x@example.test\r\nSubject: %s\r\n"
                    "MIME-Version: 1.0\r\nContent-Type: %s\r\n"
                    "Content-Transfer-Encoding: 8bit\r\n\r\n" % (subject, ctype)).encode() + body

        msgs = [raw("undeclared gbk", "text/plain", gbk_text.encode("gbk") + b"\r\n"),
                raw("undeclared big5", "text/plain", big5_text.encode("big5") + b"\r\n"),
                raw("utf8 label on big5", "text/plain; charset=utf-8",
                    big5_text.encode("big5") + b"\r\n"),
                raw("unknown label on gbk", "text/plain; charset=x-unknown-cs",
                    gbk_text.encode("gbk") + b"\r\n"),
                raw("undeclared big5 html", "text/html",
                    b"<p>" + big5_text.encode("big5") + b"</p>\r\n")]
        login, _, c = self.user("guess", msgs)
        got = {s: uid for uid, s, _ in rows(self.page(c, "/mail").text)}
        for subject, text in (("undeclared gbk", gbk_text), ("undeclared big5", big5_text),
                              ("utf8 label on big5", big5_text),
                              ("unknown label on gbk", gbk_text)):
            r = self.page(c, "/mail/read?f=INBOX&uid=%d" % got[subject])
            self.assertEqual(element_text(r.text, "textbody").strip(), text, subject)
        r = self.page(c, "/mail/body?f=INBOX&uid=%d" % got["undeclared big5 html"])
        self.assertIn("<p>%s</p>" % big5_text, r.text)

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
