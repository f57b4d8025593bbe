"""test_compose.py - writing mail in webmail: a new message, reply, reply
to all, forward with the original's attachments, drafts (save, go on,
replace, discard) and sending, checked where the mail lands (the
recipients' mailboxes over IMAP and in PostgreSQL, the Sent and Drafts
folders, the flags of the original); and the refusals: bad addresses, a
sender address that is not the user's, a recipient the server refuses,
header injection, a POST without its CSRF token, and SMTP submission in
the service's name with a wrong secret. A refused send loses nothing.
"""

import base64
import os
import email
import email.policy
import imaplib
import re
import smtplib
import time
import unittest
import urllib.parse
import uuid

import harness
from harness import find_form, element_text
from test_webmail import new_user, deliver, simple, with_attachment, wait_count


def multipart(fields, files=()):
    """fields: list of (name, value); files: list of (name, filename,
    content type, bytes). Returns (body, content type)."""
    boundary = "----mh" + uuid.uuid4().hex
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n"
                    % (boundary, name)).encode() + value.encode("utf-8") + b"\r\n")
    for name, filename, ctype, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
                    "filename=\"%s\"\r\nContent-Type: %s\r\n\r\n"
                    % (boundary, name, filename, ctype)).encode("utf-8") + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def loc(r):
    """Path and query of a redirect."""
    parts = urllib.parse.urlsplit(r.header("Location") or "")
    return parts.path + ("?" + parts.query if parts.query else "")


def selected_from(text):
    """The address chosen in the From select (the first when none is)."""
    select = re.search(r'<select name="from"[^>]*>(.*?)</select>', text, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"( selected)?', select)
    chosen = [v for v, sel in options if sel]
    return (chosen or [options[0][0]])[0]


class ComposeCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    def user(self, tag):
        login, password = new_user(self.inst, tag)
        c = self.inst.client(None)
        r = c.login("", login, password)
        self.assertEqual(r.status, 303, r)
        return login, password, c

    def form(self, c, path="/mail/compose"):
        r = c.get(path)
        self.assertEqual(r.status, 200, "%s: %r\n%s" % (
            path, r, self.inst.log_tail("webmail.log", 20)))
        form = find_form(r.text, "/mail/compose")
        self.assertIsNotNone(form, r.text[:2000])
        inputs = dict(form["inputs"])
        inputs["from"] = selected_from(r.text)
        return r, inputs

    def post(self, c, fields, files=(), csrf=True):
        """POST the compose form; fields is a dict merged over the form's
        hidden fields (a list value gives the field several times)."""
        pairs = []
        for k, v in fields.items():
            if k == "_csrf" and not csrf:
                continue
            for one in (v if isinstance(v, list) else [v]):
                pairs.append((k, one))
        body, ctype = multipart(pairs, files)
        return c.request("POST", "/mail/compose", body=body,
                         headers={"Content-Type": ctype})

    def send_fields(self, inputs, **kw):
        f = {k: inputs.get(k, "") for k in
             ("_csrf", "irt", "refs", "ref", "src_f", "src_uid", "draft", "from")}
        f.update({"to": "", "cc": "", "bcc": "", "subject": "", "body": "",
                  "op": "send"})
        f.update(kw)
        return f

    def imap(self, login, password):
        m = imaplib.IMAP4("127.0.0.1", self.inst.imap_port)
        m.login(login, password)
        return m

    def messages(self, login, password, folder="INBOX", want=1, timeout=10):
        """[(flags, email.message)] of folder, waiting for want of them."""
        deadline = time.monotonic() + timeout
        m = self.imap(login, password)
        try:
            while True:
                typ, _ = m.select('"%s"' % folder)
                self.assertEqual(typ, "OK")
                typ, data = m.uid("SEARCH", None, "ALL")
                uids = data[0].split()
                if len(uids) >= want or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            out = []
            for uid in uids:
                typ, data = m.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                flags = re.search(rb"FLAGS \(([^)]*)\)", data[0][0]).group(1).decode()
                out.append((int(uid), flags,
                            email.message_from_bytes(data[0][1], policy=email.policy.default)))
            return out
        finally:
            m.logout()


class ComposeTest(ComposeCase):

    # ---- sending -----------------------------------------------------------

    def test_send_to_local_users_with_bcc(self):
        a, apw, c = self.user("sa")
        b, bpw = new_user(self.inst, "sb")
        x, xpw = new_user(self.inst, "sx")
        r, inputs = self.form(c)
        self.assertEqual(inputs["from"], a)
        subject = "季度报告 %s" % uuid.uuid4().hex[:6]
        body = "你好，\n这是正文。 Line two with a long line " + "x" * 200 + "\n"
        r = self.post(c, self.send_fields(inputs, to="Bee 比 <%s>" % b, bcc=x,
                                          subject=subject, body=body))
        self.assertEqual(r.status, 303, r.text[:3000])
        self.assertEqual(loc(r), "/mail?done=sent")
        self.assertIn("sent", element_text(c.get("/mail?done=sent").text, "done") or "sent")
        got = self.messages(b, bpw)
        self.assertEqual(len(got), 1)
        msg = got[0][2]
        self.assertEqual(msg["Subject"], subject)
        self.assertEqual(msg["From"].addresses[0].addr_spec, a)
        self.assertEqual(msg["To"].addresses[0].display_name, "Bee 比")
        self.assertIsNone(msg["Bcc"], "Bcc must not reach recipients")
        self.assertIsNotNone(msg["Message-ID"])
        self.assertIsNotNone(msg["Date"])
        text = msg.get_body(("plain",)).get_content()
        self.assertEqual(text.replace("\r\n", "\n"), body)
        raw = msg.as_bytes()
        self.assertTrue(all(len(line) <= 998 for line in raw.split(b"\r\n")))
        # the Bcc recipient got it too
        self.assertEqual(self.messages(x, xpw)[0][2]["Subject"], subject)
        # Sent holds a read copy that shows the Bcc
        sent = self.messages(a, apw, "Sent")
        self.assertEqual(len(sent), 1)
        self.assertIn("\\Seen", sent[0][1])
        self.assertEqual(sent[0][2]["Bcc"].addresses[0].addr_spec, x)
        self.assertEqual(sent[0][2]["Message-ID"], msg["Message-ID"])

    def test_reply_and_reply_all(self):
        a, apw, c = self.user("ra")
        b, bpw = new_user(self.inst, "rb")
        raw = ("From: Outside Person <op@outside.test>\r\nTo: %s, other@outside.test\r\n"
               "Cc: %s\r\nSubject: Plans\r\nMessage-ID: <orig-%s@outside.test>\r\n"
               "References: <older@outside.test>\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\nLine one\r\nLine two\r\n"
               % (a, b, uuid.uuid4().hex)).encode()
        deliver(self.inst, a, raw)
        wait_count(self.inst, a, 1)
        uid = self.messages(a, apw)[0][0]
        r, inputs = self.form(c, "/mail/compose?reply=%d&folder=INBOX" % uid)
        self.assertEqual(inputs["to"], "Outside Person <op@outside.test>")
        self.assertEqual(inputs["cc"], "")
        self.assertEqual(element_text(r.text, "c-subject") or inputs["subject"], "Re: Plans")
        self.assertIn("> Line one\n> Line two", r.text.replace("&gt;", ">"))
        self.assertRegex(inputs["irt"], r"^<orig-[0-9a-f]+@outside.test>$")
        self.assertEqual(inputs["refs"], "<older@outside.test> " + inputs["irt"])
        # reply to all: the other recipients, not the user
        r, inputs_all = self.form(c, "/mail/compose?reply=%d&folder=INBOX&all=1" % uid)
        self.assertEqual(sorted(x.strip() for x in inputs_all["cc"].split(",")),
                         sorted(["other@outside.test", b]))
        self.assertNotIn(a, inputs_all["cc"])
        # send the answer to b only, then b has In-Reply-To and the
        # original is \Answered
        r = self.post(c, self.send_fields(inputs, to=b, subject="Re: Plans",
                                          body="Agreed.\n"))
        self.assertEqual(r.status, 303, r.text[:3000])
        got = self.messages(b, bpw)[0][2]
        self.assertEqual(got["In-Reply-To"], inputs["irt"])
        self.assertEqual(" ".join(got["References"].split()), inputs["refs"])
        self.assertIn("\\Answered", self.messages(a, apw)[0][1])

    def test_forward_keeps_attachments(self):
        a, apw, c = self.user("fa")
        b, bpw = new_user(self.inst, "fb")
        deliver(self.inst, a, with_attachment("Report attached", size=3000))
        wait_count(self.inst, a, 1)
        uid = self.messages(a, apw)[0][0]
        r, inputs = self.form(c, "/mail/compose?forward=%d&folder=INBOX" % uid)
        self.assertIn("Fwd: Report attached", r.text)
        self.assertIn("See the file.", r.text)
        self.assertIn("r.pdf", element_text(r.text, "kept-attachments"))
        self.assertEqual(inputs["src_uid"], str(uid))
        keep = re.findall(r'name="keep" value="(\d+)" checked', r.text)
        self.assertEqual(len(keep), 1)
        r = self.post(c, self.send_fields(inputs, to=b, subject="Fwd: Report attached",
                                          body="FYI\n", keep=keep))
        self.assertEqual(r.status, 303, element_text(r.text, "form-error"))
        got = self.messages(b, bpw)[0][2]
        atts = list(got.iter_attachments())
        self.assertEqual([p.get_filename() for p in atts], ["r.pdf"])
        self.assertEqual(atts[0].get_content(), b"%PDF-1.4 " + b"x" * 3000)
        self.assertIn("$Forwarded", self.messages(a, apw)[0][1])
        # forwarding again without keeping the attachment sends none
        r = self.post(c, self.send_fields(inputs, to=b, subject="Fwd: again", body="x\n"))
        self.assertEqual(r.status, 303)
        again = [m for _, _, m in self.messages(b, bpw, want=2) if m["Subject"] == "Fwd: again"]
        self.assertEqual(list(again[0].iter_attachments()), [])

    def test_forward_as_attachment(self):
        a, apw, c = self.user("fwa")
        b, bpw = new_user(self.inst, "fwb")
        deliver(self.inst, a, simple("Original 原件", body="Inner body\n"))
        wait_count(self.inst, a, 1)
        uid = self.messages(a, apw)[0][0]
        r = c.get("/mail/read?f=INBOX&uid=%d" % uid)
        self.assertIn("as=attachment", r.text)
        r, inputs = self.form(c, "/mail/compose?forward=%d&folder=INBOX&as=attachment" % uid)
        self.assertIn("Original 原件.eml", element_text(r.text, "kept-attachments"))
        self.assertEqual(inputs["subject"], "Fwd: Original 原件")
        r = self.post(c, self.send_fields(inputs, to=b, subject=inputs["subject"],
                                          body="See attached.\n", whole="1"))
        self.assertEqual(r.status, 303, element_text(r.text, "form-error"))
        got = self.messages(b, bpw)[0][2]
        parts = [p for p in got.walk() if p.get_content_type() == "message/rfc822"]
        self.assertEqual(len(parts), 1)
        self.assertIn(parts[0]["Content-Transfer-Encoding"] or "7bit", ("7bit", "8bit"))
        inner = parts[0].get_content()
        self.assertEqual(inner["Subject"], "Original 原件")
        self.assertIn("Inner body", inner.get_body(("plain",)).get_content())
        self.assertIn("$Forwarded", self.messages(a, apw)[0][1])

    def test_draft_save_resume_replace_send(self):
        a, apw, c = self.user("da")
        b, bpw = new_user(self.inst, "db")
        r, inputs = self.form(c)
        pdf = b"%PDF-1.5 draft " + bytes(range(256)) * 20
        name = "合同 草案.pdf"
        r = self.post(c, self.send_fields(inputs, op="save", to=b, cc="", bcc="hidden@outside.test",
                                          subject="Draft one", body="Half written\n"),
                      files=[("attach", name, "application/pdf", pdf)])
        self.assertEqual(r.status, 303, r.text[:3000])
        m = re.match(r"^/mail/compose\?draft=(\d+)&done=saved$", loc(r))
        self.assertTrue(m, loc(r))
        drafts = self.messages(a, apw, "Drafts")
        self.assertEqual(len(drafts), 1)
        self.assertIn("\\Draft", drafts[0][1])
        self.assertEqual(drafts[0][2]["Bcc"].addresses[0].addr_spec, "hidden@outside.test")
        # go on with it: every field and the attachment are back
        r, inputs = self.form(c, loc(r))
        self.assertIn("Draft saved", r.text)
        self.assertEqual(inputs["to"], b)
        self.assertEqual(inputs["bcc"], "hidden@outside.test")
        self.assertEqual(inputs["subject"], "Draft one")
        self.assertIn("Half written", r.text)
        self.assertIn(name, r.text)
        keep = re.findall(r'name="keep" value="(\d+)" checked', r.text)
        self.assertEqual(len(keep), 1)
        # saved again: still one draft, the new version
        r = self.post(c, self.send_fields(inputs, op="save", to=b, bcc="", subject="Draft two",
                                          body="Now complete\n", keep=keep))
        self.assertEqual(r.status, 303)
        drafts = self.messages(a, apw, "Drafts")
        self.assertEqual([m["Subject"] for _, _, m in drafts], ["Draft two"])
        r, inputs = self.form(c, loc(r))
        keep = re.findall(r'name="keep" value="(\d+)" checked', r.text)
        r = self.post(c, self.send_fields(inputs, to=b, subject="Draft two",
                                          body="Now complete\n", keep=keep))
        self.assertEqual(r.status, 303, r.text[:3000])
        got = self.messages(b, bpw)[0][2]
        atts = list(got.iter_attachments())
        self.assertEqual(atts[0].get_filename(), name)
        self.assertEqual(atts[0].get_content(), pdf)
        self.assertIsNone(got["X-Mailhive-Compose-Ref"])
        self.assertEqual(self.messages(a, apw, "Drafts", want=0, timeout=0), [])
        # discard: a saved draft goes away
        r, inputs = self.form(c)
        r = self.post(c, self.send_fields(inputs, op="save", to=b, subject="Throwaway"))
        r, inputs = self.form(c, loc(r))
        r = self.post(c, self.send_fields(inputs, op="discard"))
        self.assertEqual(loc(r), "/mail?done=discarded")
        self.assertEqual(self.messages(a, apw, "Drafts", want=0, timeout=0), [])

    def test_draft_of_reply_flags_original_when_sent(self):
        a, apw, c = self.user("dr")
        b, bpw = new_user(self.inst, "drb")
        deliver(self.inst, a, simple("Question"))
        wait_count(self.inst, a, 1)
        uid = self.messages(a, apw)[0][0]
        r, inputs = self.form(c, "/mail/compose?reply=%d&folder=INBOX" % uid)
        r = self.post(c, self.send_fields(inputs, op="save", to=b, subject="Re: Question",
                                          body="Later\n"))
        r, inputs = self.form(c, loc(r))
        self.assertEqual(inputs["ref"], "answered:%d:INBOX" % uid)
        self.assertNotIn("\\Answered", self.messages(a, apw)[0][1])
        r = self.post(c, self.send_fields(inputs, to=b, subject="Re: Question", body="Now\n"))
        self.assertEqual(r.status, 303)
        self.assertIn("\\Answered", self.messages(a, apw)[0][1])

    def test_signature_under_new_text_and_above_quotes(self):
        import html as htmlmod
        a, apw, c = self.user("sig")
        r = c.get("/settings/signature")
        self.assertEqual(r.status, 200)
        csrf = find_form(r.text, "/settings/signature")["inputs"]["_csrf"]
        sig = "Wang Fang 王芳\r\nSales, Example Ltd."
        r = c.post("/settings/signature", {"_csrf": csrf, "signature": sig})
        self.assertEqual(loc(r), "/settings/signature?done=1")
        self.assertEqual(self.inst.psql_value(
            "SELECT signature FROM user_prefs p JOIN users u ON u.id = p.user_id"
            " WHERE u.address = %s" % harness.sql_literal(a)),
            "Wang Fang 王芳\nSales, Example Ltd.")
        r, inputs = self.form(c)
        body = htmlmod.unescape(re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>',
                                          r.text, re.S).group(1))
        self.assertEqual(body, "\n\n-- \nWang Fang 王芳\nSales, Example Ltd.")
        deliver(self.inst, a, simple("Ask", body="A question?\n"))
        wait_count(self.inst, a, 1)
        uid = self.messages(a, apw)[0][0]
        r, inputs = self.form(c, "/mail/compose?reply=%d&folder=INBOX" % uid)
        body = htmlmod.unescape(re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>',
                                          r.text, re.S).group(1))
        self.assertLess(body.index("-- \nWang Fang"), body.index("> A question?"))
        # too long, and without the token
        r = c.post("/settings/signature", {"_csrf": csrf, "signature": "x" * 2001})
        self.assertEqual(r.status, 422)
        self.assertIn("2000", element_text(r.text, "form-error"))
        r = c.post("/settings/signature", {"signature": "evil"})
        self.assertEqual(r.status, 403)
        self.assertIn("Wang Fang", c.get("/settings/signature").text)

    # ---- refusals ------------------------------------------------------------

    def test_bad_input_keeps_the_form(self):
        a, apw, c = self.user("ba")
        b, bpw = new_user(self.inst, "bb")
        r, inputs = self.form(c)
        typed = dict(to="%s, not an address" % b, cc="x@outside.test",
                     subject="Keep me 保留", body="Every word\n")
        r = self.post(c, self.send_fields(inputs, **typed))
        self.assertEqual(r.status, 422)
        self.assertIn("not an address", element_text(r.text, "form-detail"))
        form = find_form(r.text, "/mail/compose")["inputs"]
        self.assertEqual(selected_from(r.text), a)
        for k in ("to", "cc", "subject"):
            self.assertEqual(form[k], typed[k])
        self.assertIn("Every word", r.text)
        # no recipient
        r = self.post(c, self.send_fields(inputs, subject="Nobody"))
        self.assertEqual(r.status, 422)
        self.assertIn("at least one recipient", element_text(r.text, "form-error"))
        # a sender address that is not the user's
        r = self.post(c, self.send_fields(inputs, to=b, **{"from": b}))
        self.assertEqual(r.status, 422)
        self.assertIn("cannot send from", element_text(r.text, "form-error"))
        # a local recipient that does not exist: refused, nothing sent
        ghost = "ghost-%s@example.test" % uuid.uuid4().hex[:6]
        r = self.post(c, self.send_fields(inputs, to="%s, %s" % (b, ghost), subject="Half"))
        self.assertEqual(r.status, 422, r.text[:2000])
        self.assertIn(ghost, element_text(r.text, "form-detail"))
        self.assertIn("550", element_text(r.text, "form-detail"))
        self.assertEqual(self.messages(b, bpw, want=0, timeout=1), [])
        self.assertEqual(self.messages(a, apw, "Sent", want=0, timeout=0), [])
        # with a new upload: kept by a draft, the form goes on from it
        r = self.post(c, self.send_fields(inputs, to=ghost, subject="With file"),
                      files=[("attach", "notes.txt", "text/plain", b"keep this file")])
        self.assertEqual(r.status, 422)
        self.assertIn("saved as a draft", r.text)
        self.assertIn("notes.txt", element_text(r.text, "kept-attachments"))
        form = find_form(r.text, "/mail/compose")["inputs"]
        self.assertTrue(form["draft"])
        drafts = self.messages(a, apw, "Drafts")
        self.assertEqual(len(drafts), 1)
        # and without the CSRF token nothing happens at all
        r = self.post(c, self.send_fields(inputs, to=b, subject="No token"), csrf=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(self.messages(b, bpw, want=0, timeout=1), [])

    def test_header_injection_is_inert(self):
        a, apw, c = self.user("ia")
        b, bpw = new_user(self.inst, "ib")
        x, xpw = new_user(self.inst, "ix")
        r, inputs = self.form(c)
        r = self.post(c, self.send_fields(
            inputs, to='"Evil\r\nBcc: %s" <%s>' % (x, b),
            subject="Hi\r\nBcc: %s\r\nX-Injected: yes" % x,
            irt="<a@b>\r\nX-Injected: 2", refs="<c@d>\nX-Injected: 3", body="Hello\n"))
        self.assertEqual(r.status, 303, r.text[:3000])
        got = self.messages(b, bpw)[0][2]
        self.assertIsNone(got["X-Injected"])
        self.assertIsNone(got["Bcc"])
        self.assertIn("X-Injected: yes", got["Subject"])
        self.assertEqual(got["In-Reply-To"], "<a@b>")
        self.assertEqual(self.messages(x, xpw, want=0, timeout=1), [])

    def test_compose_page_in_chinese(self):
        a, apw, c = self.user("zh")
        r = c.get("/mail/compose", headers={"Accept-Language": "zh-CN"})
        self.assertEqual(r.status, 200)
        for word in ("收件人", "抄送", "密送", "发送", "存草稿"):
            self.assertIn(word, r.text)

    def test_other_users_messages_cannot_be_answered(self):
        a, apw, c = self.user("oa")
        b, bpw = new_user(self.inst, "ob")
        deliver(self.inst, b, simple("Private"))
        wait_count(self.inst, b, 1)
        uid = self.messages(b, bpw)[0][0]
        # a's own INBOX has no such message; b's folders are not a's
        self.assertEqual(c.get("/mail/compose?reply=%d&folder=INBOX" % uid).status, 404)
        self.assertEqual(c.get("/mail/compose?forward=1&folder=nosuch").status, 404)
        self.assertEqual(c.get("/mail/compose?draft=%d" % uid).status, 404)

    # ---- suggestions, limits, the background save ---------------------------

    def test_suggest_from_address_books(self):
        a, apw, c = self.user("sg")
        dom_user = "wm-sgpeer-%s@example.test" % uuid.uuid4().hex[:8]
        r = self.inst.ctl("user", "add", dom_user, password="Pw-" + uuid.uuid4().hex[:16])
        self.assertEqual(r.rc, 0, r)
        self.inst.psql("UPDATE users SET display_name = 'Zhang Wei 张伟' WHERE address = %s"
                       % harness.sql_literal(dom_user))
        uid = self.inst.psql_value("SELECT id FROM users WHERE address = %s" % harness.sql_literal(a))
        self.inst.psql("INSERT INTO contacts (user_id, name, emails) VALUES"
                       " (%s, 'Li Na 李娜', ARRAY['lina@partner.test', 'li.na@home.test']),"
                       " (%s, 'Percent 100%%', ARRAY['pct@x.test'])" % (uid, uid))
        # another user's contacts never show
        other, _ = new_user(self.inst, "sgo")
        oid = self.inst.psql_value("SELECT id FROM users WHERE address = %s" % harness.sql_literal(other))
        self.inst.psql("INSERT INTO contacts (user_id, name, emails) VALUES"
                       " (%s, 'Li Secret', ARRAY['li.secret@hidden.test'])" % oid)
        import json
        got = json.loads(c.get("/mail/suggest?q=" + urllib.parse.quote("li")).text)
        emails = [g["email"] for g in got]
        self.assertIn("lina@partner.test", emails)
        self.assertIn("li.na@home.test", emails)
        self.assertNotIn("li.secret@hidden.test", emails)
        got = json.loads(c.get("/mail/suggest?q=" + urllib.parse.quote("张伟")).text)
        self.assertEqual([(g["name"], g["email"]) for g in got], [("Zhang Wei 张伟", dom_user)])
        # LIKE's characters match as typed
        got = json.loads(c.get("/mail/suggest?q=" + urllib.parse.quote("100%")).text)
        self.assertEqual([g["email"] for g in got], ["pct@x.test"])
        self.assertEqual(json.loads(c.get("/mail/suggest?q=_").text), [])
        self.assertEqual(c.get("/mail/suggest?q=").status, 400)
        self.assertEqual(c.get("/mail/suggest?q=" + "x" * 101).status, 400)

    def test_package_limits_on_attachments(self):
        a, apw, c = self.user("lim")
        b, bpw = new_user(self.inst, "limb")
        pkg = "pkg-%s" % uuid.uuid4().hex[:6]
        self.inst.psql("INSERT INTO service_packages (name, max_attachment_bytes,"
                       " max_message_bytes) VALUES (%s, 10000, 30000)" % harness.sql_literal(pkg))
        self.inst.psql("UPDATE users SET package_id = (SELECT id FROM service_packages"
                       " WHERE name = %s) WHERE address = %s"
                       % (harness.sql_literal(pkg), harness.sql_literal(a)))
        r, inputs = self.form(c)
        r = self.post(c, self.send_fields(inputs, to=b, subject="Big", body="x\n"),
                      files=[("attach", "big.bin", "application/octet-stream", b"\0" * 12000)])
        self.assertEqual(r.status, 413)
        self.assertIn("larger than your service allows", element_text(r.text, "form-error"))
        self.assertIn("big.bin", element_text(r.text, "form-detail"))
        files = [("attach", "f%d.bin" % i, "application/octet-stream", b"\1" * 9000)
                 for i in range(3)]
        r = self.post(c, self.send_fields(inputs, to=b, subject="Many", body="x\n"), files=files)
        self.assertEqual(r.status, 413)
        self.assertIn("together", element_text(r.text, "form-error"))
        self.assertEqual(self.messages(b, bpw, want=0, timeout=1), [])
        r = self.post(c, self.send_fields(inputs, to=b, subject="Fits", body="x\n"),
                      files=files[:1])
        self.assertEqual(r.status, 303)

    def test_autosave_answers_json(self):
        import json
        a, apw, c = self.user("as")
        r, inputs = self.form(c)
        r = self.post(c, self.send_fields(inputs, op="save", autosave="1", to="x@outside.test",
                                          subject="Auto", body="typing\n"),
                      files=[("attach", "a.txt", "text/plain", b"one")])
        self.assertEqual(r.status, 200, r.text[:500])
        self.assertEqual(r.header("Content-Type"), "application/json")
        d = json.loads(r.text)
        self.assertEqual(d["src_f"], "Drafts")
        self.assertEqual([x["name"] for x in d["attachments"]], ["a.txt"])
        drafts = self.messages(a, apw, "Drafts")
        self.assertEqual([u for u, _, _ in drafts], [d["draft"]])
        # the next save keeps the attachment by its new number, replaces the draft
        r = self.post(c, self.send_fields(inputs, op="save", autosave="1", to="x@outside.test",
                                          subject="Auto 2", body="more\n", draft=str(d["draft"]),
                                          src_f="Drafts", src_uid=str(d["draft"]),
                                          keep=[str(x["no"]) for x in d["attachments"]]))
        d2 = json.loads(r.text)
        self.assertEqual([x["name"] for x in d2["attachments"]], ["a.txt"])
        drafts = self.messages(a, apw, "Drafts")
        self.assertEqual([(u, m["Subject"]) for u, _, m in drafts], [(d2["draft"], "Auto 2")])


class ScheduleTest(ComposeCase):
    """Scheduled sending: stored now, sent by mailhived's jobs service at
    its time, once, also across a restart of that service."""

    def schedule(self, c, inputs, local, tz="Asia/Shanghai", **kw):
        f = self.send_fields(inputs, op="schedule", send_at=local, tz=tz, **kw)
        return self.post(c, f)

    def row(self, login, subject):
        return self.inst.psql_value(
            "SELECT s.id || '|' || s.status || '|' || to_char(s.send_at AT TIME ZONE 'UTC',"
            " 'YYYY-MM-DD HH24:MI') FROM scheduled_messages s JOIN users u ON u.id = s.user_id"
            " WHERE u.address = %s AND s.subject = %s ORDER BY s.id DESC LIMIT 1"
            % (harness.sql_literal(login), harness.sql_literal(subject)))

    def due_now(self, sid):
        self.inst.psql("UPDATE scheduled_messages SET send_at = now() WHERE id = %s" % sid)

    def wait_status(self, sid, status, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            got = self.inst.psql_value("SELECT status FROM scheduled_messages WHERE id = %s" % sid)
            if got == status or time.monotonic() > deadline:
                return got
            time.sleep(0.2)

    def later(self, minutes=30, tz="Asia/Shanghai"):
        """(local "YYYY-MM-DDTHH:MM" in tz, the same as UTC "YYYY-MM-DD HH:MM")."""
        v = self.inst.psql_value(
            "SELECT to_char(t AT TIME ZONE %s, 'YYYY-MM-DD\"T\"HH24:MI') || '|' ||"
            " to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM"
            " (SELECT date_trunc('minute', now()) + make_interval(mins => %d) AS t) s"
            % (harness.sql_literal(tz), minutes))
        return v.split("|")

    def test_scheduled_at_its_time_with_bcc_and_sent_copy(self):
        a, apw, c = self.user("sch")
        b, bpw = new_user(self.inst, "schb")
        x, xpw = new_user(self.inst, "schx")
        r, inputs = self.form(c)
        local, utc = self.later(45)
        subject = "Later 稍后 %s" % uuid.uuid4().hex[:6]
        r = self.schedule(c, inputs, local, to=b, bcc=x, subject=subject, body="On time\n")
        self.assertEqual(r.status, 303, element_text(r.text, "form-error"))
        self.assertEqual(loc(r), "/mail/scheduled?done=scheduled")
        sid, status, at = self.row(a, subject).split("|")
        self.assertEqual((status, at), ("pending", utc))    # the time zone was applied
        page = c.get(loc(r))
        self.assertIn(subject, page.text)
        self.assertIn("will be sent", page.text)
        time.sleep(2.5)                                      # not before its time
        self.assertEqual(self.messages(b, bpw, want=0, timeout=0), [])
        self.due_now(sid)
        self.assertEqual(self.wait_status(sid, "sent"), "sent")
        got = self.messages(b, bpw)
        self.assertEqual([m["Subject"] for _, _, m in got], [subject])
        self.assertIsNone(got[0][2]["Bcc"])
        self.assertEqual([m["Subject"] for _, _, m in self.messages(x, xpw)], [subject])
        sent = self.messages(a, apw, "Sent")
        self.assertEqual(len(sent), 1)
        self.assertIn("\\Seen", sent[0][1])
        self.assertEqual(sent[0][2]["Bcc"].addresses[0].addr_spec, x)
        self.assertNotIn(subject, c.get("/mail/scheduled").text)

    def test_bad_times_keep_the_form(self):
        a, apw, c = self.user("schbad")
        b, bpw = new_user(self.inst, "schbadb")
        r, inputs = self.form(c)
        for local, tz, word in (("", "UTC", "Choose a date"),
                                ("2026-02-30T10:00", "UTC", "Choose a date"),
                                ("2020-01-01T10:00", "UTC", "has passed"),
                                (self.later(60 * 24 * 400)[0], "UTC", "more than a year"),
                                (self.later(60)[0], "Mars/Olympus", "Unknown time zone")):
            r = self.schedule(c, inputs, local, tz=tz, to=b, subject="Keep", body="kept\n")
            self.assertEqual(r.status, 422, (local, tz))
            self.assertIn(word, element_text(r.text, "form-error"))
            self.assertIn("kept", r.text)
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM scheduled_messages s JOIN users u ON u.id = s.user_id"
            " WHERE u.address = %s" % harness.sql_literal(a)), "0")

    def test_view_cancel_send_now_edit_and_refusals(self):
        a, apw, c = self.user("schv")
        b, bpw = new_user(self.inst, "schvb")
        r, inputs = self.form(c)
        ids = {}
        for name in ("cancel me", "send me now", "edit me"):
            r = self.schedule(c, inputs, self.later(120)[0], to=b, subject=name, body=name + "\n")
            self.assertEqual(r.status, 303)
            ids[name] = self.row(a, name).split("|")[0]
        page = c.get("/mail/scheduled")
        csrf = find_form(page.text, "/mail/scheduled")["inputs"]["_csrf"]
        # another user cannot touch them
        o, opw, oc = self.user("schvo")
        opage = oc.get("/mail/scheduled")
        self.assertNotIn("cancel me", opage.text)
        r = oc.post("/mail/scheduled", {"_csrf": find_form(oc.get("/mail/compose").text,
                                                           "/mail/compose")["inputs"]["_csrf"],
                                        "op": "cancel", "id": ids["cancel me"]})
        self.assertEqual(r.status, 404)
        r = c.post("/mail/scheduled", {"op": "cancel", "id": ids["cancel me"]})
        self.assertEqual(r.status, 403)
        # cancel
        r = c.post("/mail/scheduled", {"_csrf": csrf, "op": "cancel", "id": ids["cancel me"]})
        self.assertEqual(loc(r), "/mail/scheduled?done=cancel")
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM scheduled_messages WHERE id = %s" % ids["cancel me"]), "0")
        # send now
        r = c.post("/mail/scheduled", {"_csrf": csrf, "op": "now", "id": ids["send me now"]})
        self.assertEqual(loc(r), "/mail/scheduled?done=now")
        self.assertEqual(self.wait_status(ids["send me now"], "sent"), "sent")
        self.assertEqual([m["Subject"] for _, _, m in self.messages(b, bpw)], ["send me now"])
        # edit: back to Drafts, the schedule gone
        r = c.post("/mail/scheduled", {"_csrf": csrf, "op": "edit", "id": ids["edit me"]})
        self.assertEqual(r.status, 303)
        self.assertRegex(loc(r), r"^/mail/compose\?draft=\d+$")
        r, inputs2 = self.form(c, loc(r))
        self.assertEqual(inputs2["subject"], "edit me")
        self.assertEqual(inputs2["to"], b)
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM scheduled_messages WHERE id = %s" % ids["edit me"]), "0")
        time.sleep(1)
        self.assertEqual(len(self.messages(b, bpw)), 1)       # nothing else went

    def test_restart_neither_loses_nor_duplicates(self):
        import signal
        import peers
        a, apw, c = self.user("schr")
        b, bpw = new_user(self.inst, "schrb")
        r, inputs = self.form(c)
        r = self.schedule(c, inputs, self.later(90)[0], to=b, subject="Across a restart",
                          body="once\n")
        self.assertEqual(r.status, 303, element_text(r.text, "form-error"))
        sid = self.row(a, "Across a restart").split("|")[0]
        # the jobs service dies and is started again by the master
        old = peers.services(self.inst)["jobs"]
        os.kill(old, signal.SIGKILL)
        peers.wait_for(lambda: peers.services(self.inst).get("jobs") not in (None, old), 15)
        self.due_now(sid)
        self.assertEqual(self.wait_status(sid, "sent"), "sent")
        self.assertEqual(len(self.messages(b, bpw)), 1)
        # a node that stopped after the server took the message but
        # before the row was marked: the row is taken again later, the
        # server answers the repeat without sending twice
        self.inst.psql("UPDATE scheduled_messages SET status = 'sending',"
                       " claimed_at = now() - interval '1 hour' WHERE id = %s" % sid)
        self.assertEqual(self.wait_status(sid, "sent"), "sent")
        time.sleep(1)
        self.assertEqual(len(self.messages(b, bpw)), 1)
        self.assertIn("repeated_submission", peers.mailhived_log(self.inst, "repeated_submission", 5))
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM submission_once WHERE key = 'mhsched-%s'" % sid), "1")

    def test_refused_recipient_fails_with_the_reason(self):
        a, apw, c = self.user("schf")
        b, bpw = new_user(self.inst, "schfb")
        r, inputs = self.form(c)
        r = self.schedule(c, inputs, self.later(30)[0], to=b, subject="Will fail", body="x\n")
        self.assertEqual(r.status, 303, element_text(r.text, "form-error"))
        sid = self.row(a, "Will fail").split("|")[0]
        # the recipient is gone by the time it is due
        self.inst.ctl("user", "del", b)
        self.due_now(sid)
        self.assertEqual(self.wait_status(sid, "failed"), "failed")
        page = c.get("/mail/scheduled")
        self.assertIn("Will fail", page.text)
        self.assertIn("550", page.text)


class ServiceSubmissionTest(unittest.TestCase):
    """SMTP submission in the service's name, as webmail sends."""

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    def auth(self, authzid, authcid, password):
        s = smtplib.SMTP("127.0.0.1", self.inst.submission_port, timeout=30)
        s.ehlo()
        token = base64.b64encode(("%s\0%s\0%s" % (authzid, authcid, password)).encode()).decode()
        code, resp = s.docmd("AUTH", "PLAIN " + token)
        return s, code

    def test_service_login_only_with_the_secret(self):
        a, apw = new_user(self.inst, "svca")
        b, bpw = new_user(self.inst, "svcb")
        with open(self.inst.config["imap.service_secret_file"]) as f:
            secret = f.read().strip()
        s, code = self.auth(a, "webmail", secret)
        self.assertEqual(code, 235)
        s.sendmail(a, [b], b"From: %s\r\nTo: %s\r\nSubject: svc\r\n\r\nx\r\n" % (a.encode(), b.encode()))
        s.quit()
        wait_count(self.inst, b, 1)
        s, code = self.auth(a, "webmail", secret[:-1] + ("x" if secret[-1] != "x" else "y"))
        self.assertEqual(code, 535)
        s.close()
        # a user's own password does not let them act for another user
        s, code = self.auth(b, a, apw)
        self.assertEqual(code, 535)
        s.close()
        s, code = self.auth("nobody-%s@example.test" % uuid.uuid4().hex[:6], "webmail", secret)
        self.assertEqual(code, 535)
        s.close()


if __name__ == "__main__":
    unittest.main()
