"""test_domainadmin_addressbook.py - the group address book of a domain:
in the domain administrators' portal (the list with the domain's users,
adding, editing and deleting entries, refusals that write nothing,
imports of vCard and CSV files from Outlook and Foxmail, also in GBK,
with bad rows reported by line, exports that import back the same,
another domain's entries, POSTs without a CSRF token) and read-only in
webmail (the user's own domain only, nothing to change).

Each test makes domains and a domain administrator of its own.
"""

import re
import unittest
import urllib.parse
import uuid

import harness
from harness import element_text, find_form, parse_page
from test_domainadmin import B, DomainAdminCase, lit, uniq

OUTLOOK_HEADER = ('"First Name","Middle Name","Last Name","Title","E-mail Address",'
                  '"E-mail 2 Address","Business Phone","Mobile Phone","Company",'
                  '"Department","Job Title","Notes"\r\n')


def multipart(fields, files):
    """A multipart/form-data body: (content type, bytes)."""
    boundary = "----ab" + uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    for name, (filename, data) in files.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n"
                    % (boundary, name, filename)).encode() + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return "multipart/form-data; boundary=%s" % boundary, b"".join(out)


class AddressBookCase(DomainAdminCase):

    def contacts(self, domain):
        """The domain's entries as sorted tuples."""
        rows = self.rows("SELECT name, array_to_string(emails, ' '),"
                         " array_to_string(phones, ' '), company, department, title,"
                         " replace(notes, E'\\n', '\\n') FROM domain_contacts"
                         " WHERE domain_id = %d ORDER BY id" % self.domain_id(domain))
        return sorted(tuple(r) for r in rows)

    def book_state(self):
        return self.rows("SELECT (SELECT count(*) FROM domain_contacts),"
                         " (SELECT md5(string_agg(c::text, ',' ORDER BY id))"
                         " FROM domain_contacts c),"
                         " (SELECT count(*) FROM domain_contact_imports)")[0]

    def audit_count(self, domain):
        return int(self.val("SELECT count(*) FROM audit_log WHERE domain_id = %d"
                            % self.domain_id(domain)))

    def add(self, c, domain, **fields):
        f = {"d": domain, "name": "", "emails": "", "phones": "", "company": "",
             "department": "", "title": "", "notes": ""}
        f.update(fields)
        r = self.post(c, "/addressbook/new", f)
        self.assertEqual(r.status, 303, "%r %s" % (r, element_text(r.text, "form-error")))
        self.assertRedirect(r, "/addressbook")
        return int(self.val("SELECT max(id) FROM domain_contacts WHERE domain_id = %d"
                            % self.domain_id(domain)))

    def upload(self, c, domain, filename, data, csrf=True):
        fields = {"d": domain}
        if csrf:
            fields["_csrf"] = c.csrf
        ctype, body = multipart(fields, {"file": (filename, data)})
        return c.request("POST", B + "/addressbook/import", body=body,
                         headers={"Content-Type": ctype})

    def preview(self, c, domain, filename, data):
        """Upload; the preview page: (response, good lines, bad lines)."""
        r = self.upload(c, domain, filename, data)
        self.assertEqual(r.status, 200, "%r\n%s\n%s" % (
            r, element_text(r.text, "form-error"), self.inst.log_tail("domainadmin.log", 15)))
        page = parse_page(r.text)
        good = [int(a["data-line"]) for t, a in page.tags
                if t == "tr" and "data-line" in a and self._in(r.text, "import-rows", a)]
        bad = [int(a["data-line"]) for t, a in page.tags
               if t == "tr" and "data-line" in a and self._in(r.text, "import-bad", a)]
        return r, good, bad

    @staticmethod
    def _in(text, table, attrs):
        start = text.find('id="%s"' % table)
        if start < 0:
            return False
        end = text.find("</table>", start)
        return ('data-line="%s"' % attrs["data-line"]) in text[start:end]

    def confirm(self, c, domain, r):
        form = find_form(r.text, B + "/addressbook/import")
        self.assertIsNotNone(form, "no confirm form")
        self.assertEqual(form["inputs"]["op"], "confirm")
        r = self.post(c, "/addressbook/import", {"d": domain, "op": "confirm",
                                                 "import": form["inputs"]["import"]})
        self.assertRedirect(r, "/addressbook")
        return r


class AddressBookAdminTest(AddressBookCase):

    def test_list_users_and_entries(self):
        dom = self.domain("ab")
        u1, _, uid = self.ctl_user(dom, "alice")
        self.inst.psql("UPDATE users SET display_name = 'Alice A' WHERE id = %d" % uid)
        u2, _, did = self.ctl_user(dom, "gone")
        self.inst.psql("UPDATE users SET status = 'disabled' WHERE id = %d" % did)
        other = self.domain("abo")
        self.ctl_user(other, "stranger")
        c = self.admin(dom)
        self.add(c, dom, name="Bob Builder", emails="bob@outside.test",
                 company="Zeta", department="Ops")
        r = self.get(c, "/addressbook?d=" + dom)
        page = parse_page(r.text)
        kinds = [a["data-kind"] for t, a in page.tags if t == "tr" and "data-kind" in a]
        self.assertEqual(sorted(kinds), ["contact", "user"])
        self.assertIn("alice@" + dom, r.text)
        self.assertNotIn("gone@" + dom, r.text)         # disabled users are left out
        self.assertNotIn("stranger@", r.text)
        self.assertEqual(element_text(r.text, "total"), "2")
        # users cannot be edited here: only the entry has edit and delete
        forms = [f for f in page.forms if f["action"].endswith("/addressbook/delete")]
        self.assertEqual(len(forms), 1)
        # search, sort
        r = self.get(c, "/addressbook?d=%s&q=zeta" % dom)
        self.assertEqual(element_text(r.text, "total"), "1")
        self.assertIn("Bob Builder", r.text)
        r = self.get(c, "/addressbook?d=%s&sort=company&order=desc" % dom)
        self.assertLess(r.text.find("Bob Builder"), r.text.find("alice@"))
        # Chinese
        r = self.get(c, "/addressbook?d=" + dom, headers={"Accept-Language": "zh-CN"})
        self.assertIn("通讯录", r.text)
        self.assertIn("本域用户", r.text)

    def test_pagination(self):
        dom = self.domain("abp")
        did = self.domain_id(dom)
        self.inst.psql("INSERT INTO domain_contacts (domain_id, name, emails) SELECT %d,"
                       " 'Person ' || lpad(n::text, 3, '0'), ARRAY['p' || n || '@x.test']"
                       " FROM generate_series(1, 120) n" % did)
        c = self.admin(dom)
        r = self.get(c, "/addressbook?d=" + dom)
        self.assertEqual(element_text(r.text, "total"), "120")
        self.assertIn("Person 001", r.text)
        self.assertNotIn("Person 051", r.text)
        r = self.get(c, "/addressbook?d=%s&page=3" % dom)
        self.assertIn("Person 101", r.text)
        self.assertNotIn("Person 100<", r.text)
        r = self.get(c, "/addressbook?d=%s&page=99&sort=name&order=desc" % dom)
        self.assertIn("Person 020", r.text)             # clamped to the last page
        self.assertIsNotNone(element_text(r.text, "pager"))

    def test_add_edit_delete(self):
        dom = self.domain("abe")
        did = self.domain_id(dom)
        c = self.admin(dom)
        cid = self.add(c, dom, name="张三", emails="Zhang@Example.CN, z2@example.cn",
                       phones="+86 10 1234\n138 0000", company="某公司",
                       department="研发", title="工程师", notes="line 1\r\nline 2")
        self.assertEqual(self.contacts(dom), [
            ("张三", "zhang@example.cn z2@example.cn", "+86 10 1234 138 0000",
             "某公司", "研发", "工程师", "line 1\\nline 2")])
        a = self.audit("domain_id = %d AND action = 'contact.add'" % did)
        self.assertEqual(len(a), 1)
        self.assertEqual(a[0][1], "张三")
        self.assertEqual(a[0][2], c.login_name)
        # the edit page holds the values
        r = self.get(c, "/addressbook/edit?d=%s&id=%d" % (dom, cid))
        form = find_form(r.text, B + "/addressbook/edit")
        self.assertEqual(form["inputs"]["name"], "张三")
        self.assertEqual(form["inputs"]["company"], "某公司")
        r = self.post(c, "/addressbook/edit", {
            "d": dom, "id": cid, "name": "Zhang San", "emails": "zs@example.cn",
            "phones": "", "company": "ACME", "department": "", "title": "", "notes": ""})
        self.assertRedirect(r, "/addressbook")
        self.assertEqual(self.contacts(dom), [
            ("Zhang San", "zs@example.cn", "", "ACME", "", "", "")])
        self.assertEqual(len(self.audit("domain_id = %d AND action = 'contact.edit'"
                                        % did)), 1)
        r = self.post(c, "/addressbook/delete", {"d": dom, "id": cid})
        self.assertRedirect(r, "/addressbook")
        self.assertEqual(self.contacts(dom), [])
        a = self.audit("domain_id = %d AND action = 'contact.delete'" % did)
        self.assertEqual(a[0][1], "Zhang San")
        r = self.get(c, "/addressbook?d=%s&done=deleted" % dom)
        self.assertIsNotNone(element_text(r.text, "notice"))

    def test_refusals_write_nothing(self):
        dom = self.domain("abr")
        c = self.admin(dom)
        cid = self.add(c, dom, name="Keep Me", emails="keep@x.test")
        before, audits = self.book_state(), self.audit_count(dom)
        base = {"d": dom, "name": "", "emails": "", "phones": "", "company": "",
                "department": "", "title": "", "notes": ""}
        cases = [
            ({}, "at least a name or an email"),
            ({"name": "X", "emails": "not-an-address"}, "not a valid email"),
            ({"name": "X", "emails": "ok@x.test bad@@x.test"}, "not a valid email"),
            ({"name": "n" * 201}, "at most 200"),
            ({"name": "tab\there"}, "control characters"),
            ({"name": "X", "company": "c" * 201}, "at most 200"),
            ({"name": "X", "notes": "n" * 2001}, "2000"),
            ({"name": "X", "phones": "1" * 51}, "at most 50"),
            ({"name": "X", "emails": " ".join("a%d@x.test" % i for i in range(21))},
             "At most 20"),
        ]
        for fields, text in cases:
            f = dict(base)
            f.update(fields)
            r = self.post(c, "/addressbook/new", f)
            self.assertFormError(r, text)
            # the typed values come back
            if fields.get("name") and len(fields["name"]) < 50:
                self.assertEqual(find_form(r.text, B + "/addressbook/new")["inputs"]["name"],
                                 fields["name"])
            f["id"] = cid
            r = self.post(c, "/addressbook/edit", f)
            self.assertFormError(r, text)
        self.assertEqual(self.book_state(), before)
        self.assertEqual(self.audit_count(dom), audits)

    def test_other_domain_is_404_and_audited(self):
        mine, theirs = self.domain("abm"), self.domain("abt")
        c = self.admin(mine)
        c2 = self.admin(theirs)
        cid = self.add(c2, theirs, name="Secret", emails="secret@x.test")
        before = self.book_state()
        mid = self.domain_id(mine)
        self.get(c, "/addressbook/edit?d=%s&id=%d" % (mine, cid), status=404)
        self.post(c, "/addressbook/edit", {"d": mine, "id": cid, "name": "Hacked",
                                           "emails": ""}, status=404)
        self.post(c, "/addressbook/delete", {"d": mine, "id": cid}, status=404)
        # naming the other domain itself is refused too
        self.post(c, "/addressbook/delete", {"d": theirs, "id": cid}, status=404)
        self.assertEqual(self.book_state(), before)
        denied = self.audit("action = 'denied' AND domain_id = %d" % mid)
        self.assertEqual([d[1] for d in denied], ["contact:%d" % cid] * 3)
        self.assertTrue(all(d[2] == c.login_name for d in denied))
        self.assertEqual(len(self.audit("action = 'denied' AND object = %s"
                                        % lit("domain:" + theirs))), 1)
        # an import waiting in the other domain
        r, good, _ = self.preview(c2, theirs, "x.csv", b"Name,Email\nA,a@x.test\n")
        imp = find_form(r.text, B + "/addressbook/import")["inputs"]["import"]
        self.post(c, "/addressbook/import", {"d": mine, "op": "confirm", "import": imp},
                  status=404)
        self.assertEqual(self.contacts(theirs), [("Secret", "secret@x.test", "", "", "",
                                                   "", "")])
        self.assertEqual(self.audit("action = 'denied' AND domain_id = %d AND object = %s"
                                    % (mid, lit("import:" + imp)))[0][0], "denied")

    def test_post_without_csrf_refused(self):
        dom = self.domain("abc")
        c = self.admin(dom)
        cid = self.add(c, dom, name="Stay", emails="stay@x.test")
        before = self.book_state()
        self.post(c, "/addressbook/new", {"d": dom, "name": "New"}, status=403, csrf=False)
        self.post(c, "/addressbook/edit", {"d": dom, "id": cid, "name": "Changed"},
                  status=403, csrf=False)
        self.post(c, "/addressbook/delete", {"d": dom, "id": cid}, status=403, csrf=False)
        r = self.upload(c, dom, "a.csv", b"Name\nX\n", csrf=False)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.book_state(), before)


class AddressBookImportTest(AddressBookCase):

    def test_import_vcard(self):
        dom = self.domain("abv")
        did = self.domain_id(dom)
        c = self.admin(dom)
        vcf = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\n"
               "EMAIL;TYPE=INTERNET,WORK:jane@example.com\r\nTEL;TYPE=CELL:+1 555 0100\r\n"
               "ORG:Acme;Research\r\nTITLE:Chief\r\nNOTE:first\\nsecond\r\nEND:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Address\r\nEMAIL:broken@@x\r\n"
               "END:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:2.1\r\n"
               "N;CHARSET=GB2312;ENCODING=QUOTED-PRINTABLE:=D5=C5;=C8=FD\r\n"
               "EMAIL;PREF;INTERNET:zhang@example.cn\r\nEND:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Unended\r\n").encode()
        before = self.book_state()
        r, good, bad = self.preview(c, dom, "contacts.vcf", vcf)
        self.assertEqual(good, [1, 16])
        self.assertEqual(bad, [11, 21])
        self.assertEqual(element_text(r.text, "import-count"), "2")
        self.assertIn("broken@@x", r.text)
        # nothing is written before the confirmation
        self.assertEqual(self.book_state()[:2], before[:2])
        self.confirm(c, dom, r)
        self.assertEqual(self.contacts(dom), [
            ("Jane Doe", "jane@example.com", "+1 555 0100", "Acme", "Research", "Chief",
             "first\\nsecond"),
            ("张三", "zhang@example.cn", "", "", "", "", "")])
        a = self.audit("domain_id = %d AND action = 'contact.import'" % did)
        self.assertEqual(len(a), 1)
        self.assertIn('"added":2', a[0][5])
        # confirmed once: the import is gone
        self.assertEqual(self.val("SELECT count(*) FROM domain_contact_imports"
                                  " WHERE domain_id = %d" % did), "0")

    def test_import_outlook_csv(self):
        dom = self.domain("abo")
        c = self.admin(dom)
        csv = (OUTLOOK_HEADER +
               '"Jane","","Doe","Ms.","jane@example.com","jane2@example.com",'
               '"+1 555 0100","+1 555 0101","Acme, Inc.","Sales","Manager","multi\r\nline"\r\n'
               '"Bad","","Row","","not an address","","","","","","",""\r\n'
               '"","","","","only@example.com","","","","","","",""\r\n'
               ',,,,,,,,,,,\r\n').encode()
        r, good, bad = self.preview(c, dom, "outlook.csv", csv)
        self.assertEqual(good, [2, 5])
        self.assertEqual(bad, [4])
        self.confirm(c, dom, r)
        self.assertEqual(self.contacts(dom), [
            ("", "only@example.com", "", "", "", "", ""),
            ("Jane Doe", "jane@example.com jane2@example.com", "+1 555 0100 +1 555 0101",
             "Acme, Inc.", "Sales", "Manager", "multi\\nline")])

    def test_import_foxmail_gbk_csv(self):
        dom = self.domain("abf")
        c = self.admin(dom)
        text = ("姓名,电子邮件地址,手机,办公电话,公司,部门,职位,备注\r\n"
                "张三,zhangsan@example.cn,13800000000,010-12345678,某某公司,研发部,工程师,老同事\r\n"
                "李四,lisi@@example.cn,,,,,,\r\n"
                "王五,wangwu@example.cn,,,某某公司,市场部,,\r\n")
        r, good, bad = self.preview(c, dom, "foxmail.csv", text.encode("gbk"))
        self.assertIn("GB18030", element_text(r.text, "import-summary"))
        self.assertEqual(good, [2, 4])
        self.assertEqual(bad, [3])
        self.confirm(c, dom, r)
        self.assertEqual(self.contacts(dom), [
            ("张三", "zhangsan@example.cn", "13800000000 010-12345678", "某某公司", "研发部",
             "工程师", "老同事"),
            ("王五", "wangwu@example.cn", "", "某某公司", "市场部", "", "")])

    def test_bad_file_and_cancel(self):
        dom = self.domain("abx")
        c = self.admin(dom)
        before = self.book_state()
        r = self.upload(c, dom, "x.csv", b"Foo,Bar\n1,2\n")
        self.assertFormError(r, "No column")
        r = self.upload(c, dom, "x.csv", b"")
        self.assertFormError(r, "Choose a file")
        r = self.upload(c, dom, "x.csv", b"Name,Email\n\x80\x80\x80,a@x.test\n")
        self.assertFormError(r, "cannot be read")
        self.assertEqual(self.book_state(), before)
        # a preview, then cancel: nothing added, the waiting import gone
        r, good, _ = self.preview(c, dom, "x.csv", b"Name,Email\nA,a@x.test\n")
        imp = find_form(r.text, B + "/addressbook/import")["inputs"]["import"]
        r = self.post(c, "/addressbook/import", {"d": dom, "op": "cancel", "import": imp})
        self.assertRedirect(r, "/addressbook")
        self.assertEqual(self.book_state(), before)
        self.post(c, "/addressbook/import", {"d": dom, "op": "confirm", "import": imp},
                  status=404)
        self.assertEqual(self.book_state(), before)

    def test_export_round_trip(self):
        src = self.domain("abs")
        self.ctl_user(src, "member")
        c = self.admin(src)
        self.add(c, src, name="Doe, \"Jane\"; x", emails="jane@example.com j2@example.com",
                 phones="+86 10 1234\n=cmd", company="Acme; Co", department="R&D",
                 title="Boss", notes="one\ntwo, three")
        self.add(c, src, name="张三" * 30, emails="zhang@example.cn", company="某公司")
        self.add(c, src, emails="noname@example.com")
        want = self.contacts(src)
        for fmt in ("vcf", "csv"):
            r = self.get(c, "/addressbook/export?d=%s&format=%s&what=contacts" % (src, fmt))
            self.assertIn("attachment", r.header("Content-Disposition"))
            if fmt == "csv":
                self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"))
                self.assertIn(b"'+86 10 1234; =cmd", r.body)    # the formula guard
                self.assertIn("text/csv", r.header("Content-Type"))
            else:
                self.assertIn(b"VERSION:4.0", r.body)
                self.assertTrue(all(len(line) <= 75 for line in r.body.split(b"\r\n")))
            self.assertNotIn(b"member@", r.body)
            dst = self.domain("abd")
            c2 = self.admin(dst)
            r2, good, bad = self.preview(c2, dst, "export." + fmt, r.body)
            self.assertEqual(bad, [])
            self.confirm(c2, dst, r2)
            self.assertEqual(self.contacts(dst), want, fmt)
        # everything: the users too
        r = self.get(c, "/addressbook/export?d=%s&format=csv&what=all" % src)
        self.assertIn(b"member@" + src.encode(), r.body)
        self.assertEqual(len(self.audit("domain_id = %d AND action = 'contact.export'"
                                        % self.domain_id(src))), 3)


class AddressBookWebmailTest(AddressBookCase):

    def test_webmail_sees_own_domain_read_only(self):
        dom, other = self.domain("abw"), self.domain("abwo")
        addr, password, _ = self.ctl_user(dom, "reader")
        self.ctl_user(dom, "colleague")
        self.ctl_user(other, "outsider")
        c = self.admin(dom)
        self.add(c, dom, name="Supplier One", emails="sup@vendor.test", company="Vendor")
        c2 = self.admin(other)
        self.add(c2, other, name="Hidden Entry", emails="hidden@vendor.test")
        w = self.inst.client(None)
        r = w.login("", addr, password)
        self.assertEqual(r.status, 303, r)
        r = w.get("/addressbook")
        self.assertEqual(r.status, 200, r)
        self.assertIn("colleague@" + dom, r.text)
        self.assertIn("Supplier One", r.text)
        self.assertNotIn("outsider@", r.text)
        self.assertNotIn("Hidden Entry", r.text)
        self.assertEqual(element_text(r.text, "total"), "3")
        # nothing to change: no form but search and logout
        actions = sorted(urllib.parse.urlsplit(f["action"]).path for f in parse_page(r.text).forms)
        self.assertEqual(actions, ["/addressbook", "/logout"])
        self.assertEqual(find_form(r.text, "/addressbook")["method"], "get")
        # no way to name another domain
        r = w.get("/addressbook?d=%s&domain=%s&q=hidden" % (other, other))
        self.assertEqual(element_text(r.text, "total"), "0")
        r = w.get("/addressbook?q=vendor&sort=company")
        self.assertEqual(element_text(r.text, "total"), "1")
        r = w.post("/addressbook", {"name": "x"})
        self.assertEqual(r.status, 405, r)
        r = w.get("/addressbook", headers={"Accept-Language": "zh-CN"})
        self.assertIn("通讯录", r.text)
        # the domain admin pages are not for users
        r = w.get(B + "/addressbook?d=" + dom)
        self.assertNotEqual(r.status, 200)


if __name__ == "__main__":
    unittest.main()
