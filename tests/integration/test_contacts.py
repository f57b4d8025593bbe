"""test_contacts.py - the personal address book in webmail: the
navigation and the tabs to the domain's book, adding, editing and
deleting contacts, refusals that write nothing (bad input, no CSRF token,
another user's contact, group or import), sorting, search and pages,
groups and writing to one, imports of vCard 3.0 and 4.0, Outlook CSV and
Foxmail CSV in GBK with bad rows reported by line, exports that import
back the same, and the sender of a message added from the reading page.

Each test makes users of its own.
"""

import html
import re
import unittest
import urllib.parse

import harness
from harness import element_text, find_form, parse_page
from test_domainadmin_addressbook import OUTLOOK_HEADER, multipart
from test_webmail import deliver, new_user, simple, wait_count


class ContactsTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    # ---- helpers ----------------------------------------------------------

    def user(self, tag, messages=()):
        login, password = new_user(self.inst, tag)
        for raw in messages:
            deliver(self.inst, login, raw)
        wait_count(self.inst, login, len(messages))
        c = self.inst.client(None)
        r = c.login("", login, password)
        self.assertEqual(r.status, 303, r)
        r = c.get("/contacts")
        self.assertEqual(r.status, 200, r)
        c.csrf = find_form(r.text, "/logout")["inputs"]["_csrf"]
        c.login_name = login
        c.uid = int(self.inst.psql_value("SELECT id FROM users WHERE address = %s"
                                         % harness.sql_literal(login)))
        return c

    def get(self, c, path, status=200, **kw):
        r = c.get(path, **kw)
        self.assertEqual(r.status, status, "%s: %r\n%s" % (
            path, r, self.inst.log_tail("webmail.log", 15)))
        return r

    def post(self, c, path, fields, status=303, csrf=True):
        f = dict(fields)
        if csrf:
            f["_csrf"] = c.csrf
        r = c.post(path, f)
        self.assertEqual(r.status, status, "%s %r: %r %s\n%s" % (
            path, fields, r, element_text(r.text, "form-error"),
            self.inst.log_tail("webmail.log", 15)))
        return r

    def contacts(self, c):
        """The user's contacts as sorted tuples."""
        text = self.inst.psql_value(
            "SELECT COALESCE(string_agg(concat_ws('|', name, array_to_string(emails, ' '),"
            " array_to_string(phones, ' '), company, replace(notes, E'\\n', '\\n')),"
            " E'\\t' ORDER BY id), '') FROM contacts WHERE user_id = %d" % c.uid)
        return sorted(tuple(r.split("|")) for r in text.split("\t") if r)

    def state(self):
        """Everything this book writes, for "nothing was written"."""
        return self.inst.psql_value(
            "SELECT concat_ws(',', (SELECT count(*) FROM contacts),"
            " (SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM contacts c),"
            " (SELECT md5(string_agg(g::text, ',' ORDER BY id)) FROM contact_groups g),"
            " (SELECT md5(string_agg(m::text, ',' ORDER BY group_id, contact_id))"
            "  FROM contact_group_members m),"
            " (SELECT count(*) FROM contact_imports))")

    def add(self, c, **fields):
        f = {"name": "", "emails": "", "phones": "", "company": "", "notes": ""}
        f.update(fields)
        r = self.post(c, "/contacts/new", f)
        self.assertEqual(r.location_path, "/contacts")
        return int(self.inst.psql_value("SELECT max(id) FROM contacts WHERE user_id = %d"
                                        % c.uid))

    def group(self, c, name):
        r = self.post(c, "/contacts/groups", {"op": "create", "name": name})
        self.assertEqual(r.location_path, "/contacts/group")
        return int(self.inst.psql_value(
            "SELECT id FROM contact_groups WHERE user_id = %d AND name = %s"
            % (c.uid, harness.sql_literal(name))))

    def upload(self, c, filename, data, csrf=True):
        fields = {"_csrf": c.csrf} if csrf else {}
        ctype, body = multipart(fields, {"file": (filename, data)})
        return c.request("POST", "/contacts/import", body=body,
                         headers={"Content-Type": ctype})

    @staticmethod
    def lines_in(text, table):
        start = text.find('id="%s"' % table)
        if start < 0:
            return []
        end = text.find("</table>", start)
        return [int(n) for n in re.findall(r'data-line="(\d+)"', text[start:end])]

    def preview(self, c, filename, data):
        """Upload; the preview page: (response, good lines, bad lines)."""
        r = self.upload(c, filename, data)
        self.assertEqual(r.status, 200, "%r %s\n%s" % (
            r, element_text(r.text, "form-error"), self.inst.log_tail("webmail.log", 15)))
        return r, self.lines_in(r.text, "import-rows"), self.lines_in(r.text, "import-bad")

    def confirm(self, c, r):
        form = find_form(r.text, "/contacts/import")
        self.assertIsNotNone(form, "no confirm form")
        self.assertEqual(form["inputs"]["op"], "confirm")
        r = self.post(c, "/contacts/import", {"op": "confirm",
                                              "import": form["inputs"]["import"]})
        self.assertEqual(r.location_path, "/contacts")

    @staticmethod
    def names(text):
        """The names of the list, in order."""
        start = text.find('id="contact-table"')
        body = text[start:text.find("</table>", start)]
        return [html.unescape(m) for m in
                re.findall(r'<tr data-id="\d+">\s*<td class="from"[^>]*>([^<]*)</td>', body)]

    # ---- navigation -------------------------------------------------------

    def test_nav_and_tabs(self):
        c = self.user("nav")
        r = self.get(c, "/contacts")
        nav = r.text[r.text.find('<nav class="mainnav"'):]
        nav = nav[:nav.find("</nav>")]
        self.assertIn('href="/contacts" aria-current="page"', nav)
        self.assertNotIn('href="/addressbook"', nav)
        self.assertNotIn('class="disabled"', nav)
        # the two books: tabs on both pages
        self.assertIn('href="/addressbook"', r.text)
        r = self.get(c, "/addressbook")
        self.assertIn('href="/contacts"', r.text)
        self.assertIn('id="tab-addressbook" aria-current="page"', r.text)
        nav = r.text[r.text.find('<nav class="mainnav"'):]
        self.assertIn('aria-current="page">Contacts</a>', nav[:nav.find("</nav>")])
        # in Chinese the navigation names the address book once
        for path in ("/contacts", "/addressbook", "/mail/compose"):
            r = self.get(c, path, headers={"Accept-Language": "zh-CN"})
            nav = r.text[r.text.find('<nav class="mainnav"'):]
            nav = nav[:nav.find("</nav>")]
            self.assertEqual(nav.count("通讯录"), 1, path)
        r = self.get(c, "/contacts", headers={"Accept-Language": "zh-CN"})
        self.assertIn("我的联系人", r.text)
        self.assertIn("单位通讯录", r.text)
        self.assertIn("新建分组", r.text)

    # ---- one contact ------------------------------------------------------

    def test_add_edit_delete(self):
        c = self.user("crud")
        cid = self.add(c, name=" Jane Doe ", emails="Jane@Example.com, j2@example.com\nJane@example.com",
                       phones="+1 555 0100\n+1 555 0101", company="Acme", notes="line one\r\nline two")
        self.assertEqual(self.contacts(c), [
            ("Jane Doe", "jane@example.com j2@example.com", "+1 555 0100 +1 555 0101",
             "Acme", "line one\\nline two")])
        r = self.get(c, "/contacts?done=added")
        self.assertEqual(element_text(r.text, "total"), "1")
        self.assertIn("jane@example.com", r.text)
        self.assertTrue(element_text(r.text, "notice"))
        # the address opens compose
        self.assertIn('/mail/compose?to=jane%40example.com', r.text)
        r = self.get(c, "/contacts/edit?id=%d" % cid)
        form = find_form(r.text, "/contacts/edit")
        self.assertEqual(form["inputs"]["name"], "Jane Doe")
        self.assertIn("j2@example.com", r.text)
        self.post(c, "/contacts/edit", {"id": cid, "name": "Jane Roe", "emails": "jr@example.com",
                                        "phones": "", "company": "", "notes": ""})
        self.assertEqual(self.contacts(c), [("Jane Roe", "jr@example.com", "", "", "")])
        # an address alone is a contact
        self.add(c, emails="only@example.com")
        self.post(c, "/contacts/delete", {"id": cid})
        self.assertEqual(self.contacts(c), [("", "only@example.com", "", "", "")])
        self.get(c, "/contacts/edit?id=%d" % cid, status=404)
        self.post(c, "/contacts/delete", {"id": cid}, status=404)
        self.get(c, "/contacts/edit?id=abc", status=404)
        self.get(c, "/contacts/edit", status=404)

    def test_refusals_write_nothing(self):
        c = self.user("bad")
        cid = self.add(c, name="Keep Me", emails="keep@example.com")
        before = self.state()
        cases = [
            ({}, "at least a name"),
            ({"name": "   ", "emails": " "}, "at least a name"),
            ({"name": "X", "emails": "not-an-address"}, "not-an-address"),
            ({"name": "X", "emails": "a@b@c.test"}, "a@b@c.test"),
            ({"name": "x" * 201}, "200 characters"),
            ({"name": "tab\there"}, "200 characters"),
            ({"emails": " ".join("u%d@example.com" % i for i in range(21))}, "20 email"),
            ({"name": "X", "phones": "1" * 51}, "50 characters"),
            ({"name": "X", "phones": "\n".join(str(i) for i in range(21))}, "20 phone"),
            ({"name": "X", "company": "c" * 201}, "200 characters"),
            ({"name": "X", "notes": "n" * 2001}, "2000 characters"),
        ]
        for fields, message in cases:
            f = {"name": "", "emails": "", "phones": "", "company": "", "notes": ""}
            f.update(fields)
            r = self.post(c, "/contacts/new", f, status=422)
            self.assertIn(message, element_text(r.text, "form-error") or "", fields)
            # the form keeps what was typed
            self.assertEqual(find_form(r.text, "/contacts/new")["inputs"]["name"], f["name"])
            self.assertEqual(self.state(), before, fields)
        for fields, message in cases[:4]:
            f = {"id": cid, "name": "", "emails": "", "phones": "", "company": "", "notes": ""}
            f.update(fields)
            r = self.post(c, "/contacts/edit", f, status=422)
            self.assertIn(message, element_text(r.text, "form-error") or "")
            self.assertEqual(self.state(), before)
        # groups: empty, too long, a name taken
        self.group(c, "Team")
        before = self.state()
        for name in ("", "   ", "g" * 101, "a\x01b"):
            r = self.post(c, "/contacts/groups", {"op": "create", "name": name}, status=422)
            self.assertIn("100 characters", element_text(r.text, "form-error"))
        r = self.post(c, "/contacts/groups", {"op": "create", "name": "Team"}, status=422)
        self.assertIn("already", element_text(r.text, "form-error"))
        self.post(c, "/contacts/groups", {"op": "explode"}, status=400)
        self.post(c, "/contacts/groups", {}, status=400)
        self.assertEqual(self.state(), before)
        # a Chinese message
        r = c.post("/contacts/new", {"_csrf": c.csrf, "name": ""},
                   headers={"Accept-Language": "zh-CN"})
        self.assertEqual(r.status, 422)
        self.assertIn("请至少填写姓名或电子邮件地址", r.text)

    def test_post_without_csrf_refused(self):
        c = self.user("csrf")
        cid = self.add(c, name="Stay", emails="stay@example.com")
        gid = self.group(c, "G")
        before = self.state()
        for path, fields in (
                ("/contacts/new", {"name": "Intruder"}),
                ("/contacts/edit", {"id": cid, "name": "Changed"}),
                ("/contacts/delete", {"id": cid}),
                ("/contacts/groups", {"op": "create", "name": "Evil"}),
                ("/contacts/groups", {"op": "delete", "id": gid}),
                ("/contacts/groups", {"op": "add", "id": gid, "contact": cid}),
                ("/contacts/import", {"op": "cancel", "import": "1"})):
            self.post(c, path, fields, status=403, csrf=False)
            r = c.post(path, dict(fields, _csrf="0" * 43))
            self.assertEqual(r.status, 403, path)
        r = self.upload(c, "a.csv", b"Name,Email\nA,a@example.com\n", csrf=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(self.state(), before)
        # and the export is not a way to change anything: GET only
        r = c.post("/contacts/export", {"_csrf": c.csrf, "format": "vcf"})
        self.assertEqual(r.status, 405)

    def test_other_users_ids_are_404(self):
        a = self.user("owner")
        b = self.user("other")
        acid = self.add(a, name="A's friend", emails="friend@example.com")
        agid = self.group(a, "A's group")
        self.post(a, "/contacts/groups", {"op": "add", "id": agid, "contact": acid})
        r, good, _ = self.preview(a, "a.csv", b"Name,Email\nStaged,staged@example.com\n")
        aimp = find_form(r.text, "/contacts/import")["inputs"]["import"]
        bcid = self.add(b, name="B's own", emails="own@example.com")
        bgid = self.group(b, "B's group")
        before = self.state()
        self.get(b, "/contacts/edit?id=%d" % acid, status=404)
        self.get(b, "/contacts/group?id=%d" % agid, status=404)
        for path, fields in (
                ("/contacts/edit", {"id": acid, "name": "Hijacked"}),
                ("/contacts/delete", {"id": acid}),
                ("/contacts/groups", {"op": "rename", "id": agid, "name": "Mine"}),
                ("/contacts/groups", {"op": "delete", "id": agid}),
                ("/contacts/groups", {"op": "add", "id": agid, "contact": bcid}),
                ("/contacts/groups", {"op": "remove", "id": agid, "contact": acid}),
                # B's own group, A's contact
                ("/contacts/groups", {"op": "add", "id": bgid, "contact": acid}),
                ("/contacts/groups", {"op": "remove", "id": bgid, "contact": acid}),
                ("/contacts/import", {"op": "confirm", "import": aimp}),
                ("/contacts/import", {"op": "cancel", "import": aimp})):
            self.post(b, path, fields, status=404)
        self.assertEqual(self.state(), before)
        r = self.get(b, "/contacts")
        self.assertNotIn("friend@example.com", r.text)
        self.assertNotIn("A&#39;s group", r.text)
        self.assertNotIn("A's group", r.text)
        r = self.get(b, "/contacts?q=friend")
        self.assertEqual(element_text(r.text, "total"), "0")
        r = self.get(b, "/contacts/export?format=csv")
        self.assertNotIn(b"friend@", r.body)
        # A's import is still A's to confirm
        r = self.post(a, "/contacts/import", {"op": "confirm", "import": aimp})
        self.assertIn(("Staged", "staged@example.com", "", "", ""), self.contacts(a))

    # ---- the list ---------------------------------------------------------

    def test_sort_search_pages(self):
        c = self.user("list")
        values = ",".join(
            "(%d, 'Person %02d', ARRAY['p%02d@%s.example.com'], 'Co %s')"
            % (c.uid, i, i, "abcdefghij"[i % 10], "zyxwvutsrq"[i % 10]) for i in range(57))
        self.inst.psql("INSERT INTO contacts (user_id, name, emails, company) VALUES " + values)
        self.add(c, emails="aaa-noname@example.com", company="Alpha")
        r = self.get(c, "/contacts")
        self.assertEqual(element_text(r.text, "total"), "58")
        names = self.names(r.text)
        self.assertEqual(len(names), 50)
        # a contact without a name sorts by its address
        self.assertEqual(names[:3], ["", "Person 00", "Person 01"])
        self.assertIn("page=2", r.text[r.text.find('id="pager"'):])
        r = self.get(c, "/contacts?sort=name&order=asc&page=2")
        self.assertEqual(self.names(r.text), ["Person %02d" % i for i in range(49, 57)])
        r = self.get(c, "/contacts?sort=name&order=asc&page=99")      # the last page
        self.assertEqual(len(self.names(r.text)), 8)
        r = self.get(c, "/contacts?sort=name&order=desc")
        self.assertEqual(self.names(r.text)[:2], ["Person 56", "Person 55"])
        r = self.get(c, "/contacts?sort=email&order=asc")
        self.assertEqual(self.names(r.text)[:2], ["", "Person 00"])   # aaa-..., p00@a...
        r = self.get(c, "/contacts?sort=email&order=desc")
        self.assertEqual(self.names(r.text)[0], "Person 56")           # p56@g...
        r = self.get(c, "/contacts?sort=company&order=asc")
        self.assertEqual(self.names(r.text)[0], "")                    # Alpha
        self.assertEqual(self.names(r.text)[1], "Person 09")           # Co q
        r = self.get(c, "/contacts?sort=company&order=desc")
        self.assertEqual(self.names(r.text)[0], "Person 00")           # Co z
        self.assertIn('class="sorted desc"', r.text)
        # search: name, address, company; nothing is found across users
        r = self.get(c, "/contacts?q=person+1")
        self.assertEqual(element_text(r.text, "total"), "10")
        r = self.get(c, "/contacts?q=%40c.example")
        self.assertEqual(element_text(r.text, "total"), "6")
        r = self.get(c, "/contacts?q=CO+Z")
        self.assertEqual(element_text(r.text, "total"), "6")
        r = self.get(c, "/contacts?q=nobody-like-this")
        self.assertEqual(element_text(r.text, "total"), "0")
        self.assertTrue(element_text(r.text, "empty"))
        # the search is kept by the sort links and the pager
        r = self.get(c, "/contacts?q=person&sort=name")
        self.assertIn("q=person&amp;sort=name&amp;order=asc&amp;page=2", r.text)
        # junk arguments are the defaults
        r = self.get(c, "/contacts?sort=bogus&order=sideways&page=-1")
        self.assertEqual(len(self.names(r.text)), 50)

    # ---- groups -----------------------------------------------------------

    def test_groups_and_compose(self):
        c = self.user("grp")
        ann = self.add(c, name="Ann", emails="ann@example.com, ann2@example.com")
        bob = self.add(c, name="Bob", emails="bob@example.com")
        self.add(c, name="Phone Only", phones="123")
        gid = self.group(c, "Project X")
        r = self.get(c, "/contacts/group?id=%d&done=created" % gid)
        self.assertEqual(element_text(r.text, "group-name"), "Project X")
        self.assertTrue(element_text(r.text, "members-empty"))
        self.assertIsNone(element_text(r.text, "group-write"))
        for cid in (ann, bob, bob):           # adding twice is no error
            self.post(c, "/contacts/groups", {"op": "add", "id": gid, "contact": cid})
        r = self.get(c, "/contacts/group?id=%d" % gid)
        self.assertEqual(element_text(r.text, "member-count"), "2")
        # writing to the group: its members' first addresses in To
        link = re.search(r'href="([^"]*)" id="group-write"', r.text).group(1)
        url = urllib.parse.urlsplit(link.replace("&amp;", "&"))
        self.assertEqual(url.path, "/mail/compose")
        to = urllib.parse.parse_qs(url.query)["to"][0]
        self.assertEqual(sorted(to.split(",")), ["ann@example.com", "bob@example.com"])
        r = self.get(c, link.replace("&amp;", "&"))
        form = find_form(r.text, "/mail/compose")
        self.assertIn("ann@example.com", form["inputs"]["to"])
        self.assertIn("bob@example.com", form["inputs"]["to"])
        # the list shows the group and its members' tag
        r = self.get(c, "/contacts")
        self.assertIn("Project X", element_text(r.text, "groups"))
        self.assertIn("Project X", r.text[r.text.find('data-id="%d"' % ann):])
        r = self.get(c, "/contacts/edit?id=%d" % ann)
        self.assertIn("Project X", element_text(r.text, "contact-groups"))
        # rename, also to a taken name (refused)
        self.post(c, "/contacts/groups", {"op": "rename", "id": gid, "name": "Project Y"})
        g2 = self.group(c, "Other")
        before = self.state()
        r = self.post(c, "/contacts/groups", {"op": "rename", "id": g2, "name": "Project Y"},
                      status=422)
        self.assertTrue(element_text(r.text, "form-error"))
        self.assertEqual(self.state(), before)
        # remove a member
        self.post(c, "/contacts/groups", {"op": "remove", "id": gid, "contact": bob})
        self.assertEqual(self.inst.psql_value(
            "SELECT string_agg(contact_id::text, ',') FROM contact_group_members"
            " WHERE group_id = %d" % gid), str(ann))
        # deleting a contact takes it out of its groups
        self.post(c, "/contacts/delete", {"id": ann})
        r = self.get(c, "/contacts/group?id=%d" % gid)
        self.assertEqual(element_text(r.text, "member-count"), "0")
        # deleting the group keeps the contacts
        n = len(self.contacts(c))
        self.post(c, "/contacts/groups", {"op": "delete", "id": gid})
        self.get(c, "/contacts/group?id=%d" % gid, status=404)
        self.assertEqual(len(self.contacts(c)), n)
        self.get(c, "/contacts/group?id=x", status=404)

    # ---- import -----------------------------------------------------------

    def test_import_vcard_3(self):
        c = self.user("vc3")
        vcf = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Doe;Jane;;;\r\nFN:Jane Doe\r\n"
               "EMAIL;TYPE=INTERNET,WORK:Jane@Example.com\r\nTEL;TYPE=CELL:+1 555 0100\r\n"
               "ORG:Acme;Research\r\nTITLE:Chief\r\nNOTE:first\\nsecond\r\nEND:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Address\r\nEMAIL:broken@@x\r\n"
               "END:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:\r\nEND:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Wang Wu\r\nEMAIL:wang@example.cn\r\n"
               "EMAIL:wang2@example.cn\r\nEND:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Unended\r\n").encode()
        before = self.state()
        r, good, bad = self.preview(c, "contacts.vcf", vcf)
        self.assertEqual(good, [1, 20])
        self.assertEqual(bad, [11, 16, 26])
        self.assertEqual(element_text(r.text, "import-count"), "2")
        self.assertIn("broken@@x", element_text(r.text, "import-bad"))
        # nothing is written before the confirmation
        self.assertEqual(self.state().split(",")[:2], before.split(",")[:2])
        self.confirm(c, r)
        self.assertEqual(self.contacts(c), [
            ("Jane Doe", "jane@example.com", "+1 555 0100", "Acme", "first\\nsecond"),
            ("Wang Wu", "wang@example.cn wang2@example.cn", "", "", "")])
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM contact_imports WHERE user_id = %d" % c.uid), "0")
        r = self.get(c, "/contacts?done=imported")
        self.assertEqual(element_text(r.text, "total"), "2")

    def test_import_vcard_4(self):
        c = self.user("vc4")
        vcf = ("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:李雷\r\nN:李;雷;;;\r\n"
               "EMAIL;TYPE=work;PREF=1:lilei@example.cn\r\n"
               "EMAIL;TYPE=home:lilei.home@example.cn\r\n"
               "TEL;TYPE=\"cell,voice\":+86 138 0000 0000\r\n"
               "ORG:某某公司\r\nNOTE:a very long note that is folded over\r\n"
               "  two lines\r\nEND:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Too Many\r\n" +
               "".join("EMAIL:m%d@example.com\r\n" % i for i in range(21)) +
               "END:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:5.0\r\nFN:Future\r\nEND:VCARD\r\n"
               "BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:solo@example.org\r\nEND:VCARD\r\n").encode()
        r, good, bad = self.preview(c, "v4.vcf", vcf)
        self.assertEqual(good, [1, 41])
        self.assertEqual(bad, [12, 37])
        self.assertEqual(element_text(r.text, "import-bad-count"), "2")
        self.confirm(c, r)
        self.assertEqual(self.contacts(c), [
            ("", "solo@example.org", "", "", ""),
            ("李雷", "lilei@example.cn lilei.home@example.cn", "+86 138 0000 0000", "某某公司",
             "a very long note that is folded over two lines")])

    def test_import_outlook_csv(self):
        c = self.user("outlook")
        csv = (OUTLOOK_HEADER +
               '"Jane","","Doe","Ms.","jane@example.com","jane2@example.com",'
               '"+1 555 0100","+1 555 0101","Acme, Inc.","Sales","Manager","multi\r\nline"\r\n'
               '"Bad","","Row","","not an address","","","","","","",""\r\n'
               '"","","","","only@example.com","","","","","","",""\r\n'
               ',,,,,,,,,,,\r\n'
               '"Long","","Name","","long@example.com","","","","' + "c" * 201 +
               '","","",""\r\n').encode()
        r, good, bad = self.preview(c, "outlook.csv", csv)
        self.assertEqual(good, [2, 5])
        self.assertEqual(bad, [4, 7])
        self.assertIn("not a valid email address: not", element_text(r.text, "import-bad"))
        self.confirm(c, r)
        self.assertEqual(self.contacts(c), [
            ("", "only@example.com", "", "", ""),
            ("Jane Doe", "jane@example.com jane2@example.com", "+1 555 0100 +1 555 0101",
             "Acme, Inc.", "multi\\nline")])

    def test_import_foxmail_gbk_csv(self):
        c = self.user("foxmail")
        text = ("姓名,电子邮件地址,手机,办公电话,公司,部门,职位,备注\r\n"
                "张三,zhangsan@example.cn,13800000000,010-12345678,某某公司,研发部,工程师,老同事\r\n"
                "李四,lisi@@example.cn,,,,,,\r\n"
                "王五,wangwu@example.cn,,,某某公司,市场部,,\r\n"
                ",,,,,,,\r\n"
                "赵六,\"未闭合的引号,,,,,,\r\n")
        r, good, bad = self.preview(c, "foxmail.csv", text.encode("gbk"))
        self.assertIn("GB18030", element_text(r.text, "import-summary"))
        self.assertEqual(good, [2, 4])
        self.assertEqual(bad, [3, 6])
        self.assertIn("张三", element_text(r.text, "import-rows"))
        self.confirm(c, r)
        self.assertEqual(self.contacts(c), [
            ("张三", "zhangsan@example.cn", "13800000000 010-12345678", "某某公司", "老同事"),
            ("王五", "wangwu@example.cn", "", "某某公司", "")])

    def test_bad_file_and_cancel(self):
        c = self.user("badfile")
        before = self.state()
        for data, message in ((b"Foo,Bar\n1,2\n", "No column"),
                              (b"", "Choose a file"),
                              (b"Name,Email\n\x80\x80\x80,a@x.test\n", "cannot be read"),
                              (b"Name,Email\n", "no entries")):
            r = self.upload(c, "x.csv", data)
            self.assertEqual(r.status, 422, data)
            self.assertIn(message, element_text(r.text, "form-error"), data)
        ctype, body = multipart({"_csrf": c.csrf}, {})
        r = c.request("POST", "/contacts/import", body=body, headers={"Content-Type": ctype})
        self.assertEqual(r.status, 422)
        self.assertEqual(self.state(), before)
        # every row bad: the preview says so, with nothing to confirm
        r, good, bad = self.preview(c, "x.csv", b"Name,Email\n,\nX,bad\n")
        self.assertEqual((good, bad), ([], [3]))
        self.assertTrue(element_text(r.text, "import-nothing"))
        self.assertIsNone(find_form(r.text, "/contacts/import"))
        self.assertEqual(self.state(), before)
        # a preview, then cancel: nothing added, the waiting import gone
        r, good, _ = self.preview(c, "x.csv", b"Name,Email\nA,a@x.test\n")
        imp = find_form(r.text, "/contacts/import")["inputs"]["import"]
        r = self.post(c, "/contacts/import", {"op": "cancel", "import": imp})
        self.assertEqual(self.state(), before)
        self.post(c, "/contacts/import", {"op": "confirm", "import": imp}, status=404)
        self.post(c, "/contacts/import", {"op": "explode", "import": imp}, status=400)
        self.assertEqual(self.state(), before)

    # ---- export -----------------------------------------------------------

    def test_export_round_trip(self):
        c = self.user("export")
        self.add(c, name="Doe, \"Jane\"; x", emails="jane@example.com j2@example.com",
                 phones="+86 10 1234\n=cmd", company="Acme; Co", notes="one\ntwo, three")
        self.add(c, name="张三" * 30, emails="zhang@example.cn", company="某公司")
        self.add(c, emails="noname@example.com")
        self.add(c, name="Phone Only", phones="@SUM(1)")
        want = self.contacts(c)
        for fmt in ("vcf", "csv"):
            r = self.get(c, "/contacts/export?format=%s" % fmt)
            self.assertIn("attachment", r.header("Content-Disposition"))
            if fmt == "csv":
                self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"))
                self.assertIn(b"'+86 10 1234; =cmd", r.body)    # the formula guard
                self.assertIn(b"'@SUM(1)", r.body)
                self.assertIn("text/csv", r.header("Content-Type"))
            else:
                self.assertIn(b"VERSION:4.0", r.body)
                self.assertIn("text/vcard", r.header("Content-Type"))
                self.assertTrue(all(len(line) <= 75 for line in r.body.split(b"\r\n")))
            d = self.user("import-" + fmt)
            r2, good, bad = self.preview(d, "export." + fmt, r.body)
            self.assertEqual(bad, [])
            self.assertEqual(len(good), 4)
            self.confirm(d, r2)
            self.assertEqual(self.contacts(d), want, fmt)
        self.get(c, "/contacts/export?format=pdf", status=400)
        self.get(c, "/contacts/export", status=400)

    # ---- the sender of a message ------------------------------------------

    def test_sender_added_from_message(self):
        c = self.user("sender", [simple("Hello there", frm="Sally Sender <Sally@Outside.test>")])
        r = self.get(c, "/mail/read?f=INBOX&uid=1")
        form = find_form(r.text, "/mail/sender")
        self.assertIsNotNone(form)
        r = self.post(c, "/mail/sender", {"f": "INBOX", "uid": "1", "op": "contact"})
        self.assertEqual(self.contacts(c), [("Sally Sender", "sally@outside.test", "", "", "")])
        r = self.get(c, "/contacts")
        self.assertIn("sally@outside.test", r.text)
        cid = int(re.search(r'<tr data-id="(\d+)">', r.text).group(1))
        r = self.get(c, "/contacts/edit?id=%d" % cid)
        self.assertEqual(find_form(r.text, "/contacts/edit")["inputs"]["name"], "Sally Sender")
        self.post(c, "/contacts/edit", {"id": cid, "name": "Sally S.", "emails": "sally@outside.test",
                                        "phones": "555", "company": "Outside", "notes": ""})
        self.assertEqual(self.contacts(c), [("Sally S.", "sally@outside.test", "555", "Outside", "")])
        # compose suggests her
        r = self.get(c, "/mail/suggest?q=sally")
        self.assertIn("sally@outside.test", r.text)


if __name__ == "__main__":
    unittest.main()
