"""test_domainadmin_import.py - users of a domain from a CSV file, and the
users' list as CSV, in the domain administrators' portal.

The import: a preview that lists the users to create and the bad rows by
line (one row for each kind of refusal), nothing written before the
confirmation, then exactly the good users with their mailboxes and audit
rows; passwords made up for rows without one, shown once with a CSV
download on that page and stored only as hashes; the service package's
limits (users, quota of all users) stopping a whole import with a
message; a GBK file with Chinese headers; cancelling; another domain's or
another administrator's import (404 and an audit row); POSTs without a
CSRF token. The export: BOM, formula guard, no hashes, the list's filter
and order, and a round trip into another domain.

Each test makes domains and a domain administrator of its own.
"""

import csv
import io
import re
import unittest
import urllib.parse
import uuid

import harness
from harness import element_text, find_form, parse_page
from test_domainadmin import B, MIB, DomainAdminCase, lit, uniq


def multipart(fields, files):
    """A multipart/form-data body: (content type, bytes)."""
    boundary = "----ui" + uuid.uuid4().hex
    out = []
    for name, value in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    for name, (filename, data) in files.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: text/csv\r\n\r\n" % (boundary, name, filename)).encode()
                   + data + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return "multipart/form-data; boundary=%s" % boundary, b"".join(out)


def table_rows(text, table):
    """{line: tr attributes} of the rows of the table with id TABLE."""
    start = text.find('id="%s"' % table)
    if start < 0:
        return {}
    end = text.find("</table>", start)
    part = text[start:end]
    return {int(a["data-line"]): a for t, a in parse_page("<table " + part).tags
            if t == "tr" and "data-line" in a}


class ImportCase(DomainAdminCase):

    def upload(self, c, domain, data, filename="users.csv", csrf=True):
        fields = {"d": domain}
        if csrf:
            fields["_csrf"] = c.csrf
        ctype, body = multipart(fields, {"file": (filename, data)})
        return c.request("POST", B + "/users/import", body=body,
                         headers={"Content-Type": ctype})

    def preview(self, c, domain, data, filename="users.csv"):
        """Upload; (response, {good line: attrs}, {bad line: attrs}, import id)."""
        r = self.upload(c, domain, data, filename)
        self.assertEqual(r.status, 200, "%r\n%s\n%s" % (
            r, element_text(r.text, "form-error"), self.inst.log_tail("domainadmin.log", 15)))
        form = find_form(r.text, B + "/users/import")
        imp = form["inputs"].get("import") if form else None
        return r, table_rows(r.text, "import-rows"), table_rows(r.text, "import-bad"), imp

    def confirm(self, c, domain, imp, status=None):
        return self.post(c, "/users/import", {"d": domain, "op": "confirm", "import": imp},
                         status=status)

    def users_of(self, domain):
        """(local part, name, quota, status, package name) of the domain's users."""
        return sorted(tuple(r) for r in self.rows(
            "SELECT u.local_part, u.display_name, u.quota_bytes, u.status,"
            " coalesce(p.name, '') FROM users u LEFT JOIN service_packages p"
            " ON p.id = u.package_id WHERE u.domain_id = %d" % self.domain_id(domain)))

    def pending(self):
        return int(self.val("SELECT count(*) FROM user_imports"))

    @staticmethod
    def generated(r):
        """{address: password} of the page answering a confirmation."""
        out = {}
        for m in re.finditer(r'<tr data-address="([^"]+)">.*?</tr>', r.text, re.S):
            p = re.search(r'<code class="generated-password">([^<]+)</code>', m.group(0))
            if p:
                out[m.group(1)] = p.group(1)
        return out


class UserImportTest(ImportCase):

    def test_preview_then_confirm_creates_the_good_rows(self):
        dom, other = self.domain("imp"), self.domain("impo")
        did = self.domain_id(dom)
        self.set_package(dom, self.package(max_user_quota_bytes=100 * MIB,
                                           default_user_quota_bytes=20 * MIB))
        gold = uniq("Gold")
        gold_id = self.package()
        self.inst.psql("UPDATE service_packages SET name = %s WHERE id = %d" % (lit(gold), gold_id))
        _, _, tid = self.ctl_user(dom, "taken")
        self.inst.psql("INSERT INTO aliases (address, domain_id, kind, target_user_id) VALUES"
                       " (%s, %d, 'alias', %d)" % (lit("aliased@" + dom), did, tid))
        c = self.admin(dom)
        text = ("Address,Display name,Password,Quota (MB),Status,Package,Notes\r\n"
                "good1@%(d)s,Good One,Typed-password-1,50,active,%(g)s,x\r\n"   # 2
                "Good2,李雷,,,启用,,\r\n"                                          # 3
                "bad address,,,,,,\r\n"                                            # 4
                "x@%(o)s,,,,,,\r\n"                                                # 5
                "TAKEN@%(d)s,,,,,,\r\n"                                            # 6
                "GOOD1@%(d)s,Again,,,,,\r\n"                                       # 7
                "shortpw,,short-9ch,,,,\r\n"                                       # 8
                "bigquota,,,101,,,\r\n"                                            # 9
                "nopkg,,,,,No Such Package,\r\n"                                   # 10
                "frozen,,,,frozen,,\r\n"                                           # 11
                "badquota,,,lots,,,\r\n"                                           # 12
                "aliased,,,,,,\r\n"                                                # 13
                ",,,,,,\r\n"                                                       # empty
                "\"good3\",\"'=Boss, \"\"the\"\"\",Typed-password-3,100,disabled,,\r\n"  # 15
                % {"d": dom, "o": other, "g": gold.upper()})
        before, pending = self.counts(), self.pending()
        r, good, bad, imp = self.preview(c, dom, text.encode())
        self.assertEqual(sorted(good), [2, 3, 15])
        self.assertEqual({line: a["data-key"] for line, a in bad.items()}, {
            4: "address_bad", 5: "address_domain", 6: "address_taken", 7: "duplicate",
            8: "password_short", 9: "quota_over", 10: "package_unknown", 11: "status_bad",
            12: "quota_bad", 13: "address_taken"})
        self.assertEqual(good[3]["data-address"], "good2@" + dom)
        self.assertEqual(element_text(r.text, "import-count"), "3")
        self.assertEqual(element_text(r.text, "import-bad-count"), "10")
        self.assertEqual(element_text(r.text, "import-generated"), "1")
        self.assertIn("on line 2", " ".join(r.text.split()))
        self.assertIn("at least 10 characters", r.text)
        self.assertIn("100 MB", r.text)
        self.assertIn("No Such Package", r.text)
        # nothing is created before the confirmation; typed passwords
        # wait as hashes only
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.pending(), pending + 1)
        staged = self.val("SELECT users::text FROM user_imports WHERE id = %s" % imp)
        self.assertNotIn("Typed-password", staged)
        self.assertIn("$argon2id$", staged)
        # confirm: a password was made up, so the page shows it
        r = self.confirm(c, dom, imp, status=200)
        self.assertEqual(element_text(r.text, "import-count"), "3")
        shown = self.generated(r)
        self.assertEqual(list(shown), ["good2@" + dom])
        password = shown["good2@" + dom]
        self.assertGreaterEqual(len(password), 10)
        self.assertEqual(self.pending(), pending)
        self.assertEqual(self.users_of(dom), sorted([
            ("taken", "", "0", "active", ""),
            ("good1", "Good One", str(50 * MIB), "active", gold),
            ("good2", "李雷", "0", "active", ""),
            ("good3", "=Boss, \"the\"", str(100 * MIB), "disabled", "")]))
        for local in ("good1", "good2", "good3"):
            uid = self.user_id("%s@%s" % (local, dom))
            self.assertEqual(self.val("SELECT count(*) FROM mailboxes WHERE user_id = %d"
                                      % uid), "5")
            self.assertTrue(self.user_row("%s@%s" % (local, dom))["hash"]
                            .startswith("$argon2id$"))
        # the download on that page: the made-up password, nothing else
        link = [a for t, a in parse_page(r.text).tags if t == "a" and a.get("id") == "passwords-csv"]
        self.assertEqual(len(link), 1)
        self.assertTrue(link[0]["href"].startswith("data:text/csv;charset=utf-8,"))
        data = urllib.parse.unquote(link[0]["href"].split(",", 1)[1])
        self.assertTrue(data.startswith("\ufeff"))
        self.assertEqual(list(csv.reader(io.StringIO(data[1:]))),
                         [["Address", "Password"], ["good2@" + dom, password]])
        # audit: a row a user, as from the add form, and one for the import
        adds = self.audit("action = 'user.add' AND domain_id = %d" % did)
        self.assertEqual(sorted(a[1] for a in adds),
                         ["%s@%s" % (u, dom) for u in ("good1", "good2", "good3")])
        self.assertTrue(all('"import":%s' % imp in a[5] for a in adds))
        self.assertTrue(all(a[2] == c.login_name for a in adds))
        imports = self.audit("action = 'user.import' AND domain_id = %d" % did)
        self.assertEqual(len(imports), 1)
        self.assertEqual(imports[0][1], "user_import:%s" % imp)
        self.assertIn('"added":3', imports[0][5])
        self.assertIn('"generated":1', imports[0][5])
        self.assertFalse(any(password in a[5] for a in adds + imports))
        self.assertEqual(int(self.val("SELECT count(*) FROM audit_log WHERE detail::text LIKE %s"
                                      % lit("%" + password + "%"))), 0)
        # shown once: confirming again finds nothing
        self.confirm(c, dom, imp, status=404)
        # the users log in to webmail: the made-up and the typed password
        w = self.inst.client()
        self.assertEqual(w.login("", "good2@" + dom, password).status, 303)
        self.assertEqual(w.get("/mail").status, 200)
        self.assertEqual(self.inst.client().login("", "good1@" + dom,
                                                  "Typed-password-1").status, 303)
        # and appear on the list
        r = self.get(c, "/users?d=%s&done=imported" % dom)
        self.assertIsNotNone(element_text(r.text, "notice"))
        self.assertIn("good3@" + dom, r.text)

    def test_no_password_to_make_up_redirects(self):
        dom = self.domain("impr")
        c = self.admin(dom)
        r, good, bad, imp = self.preview(c, dom, b"Local part,Password\nann,Ann-password-12\n")
        self.assertEqual((sorted(good), bad), ([2], {}))
        r = self.confirm(c, dom, imp)
        self.assertRedirect(r, "/users")
        self.assertIn("done=imported", r.header("Location"))
        self.assertEqual([u[0] for u in self.users_of(dom)], ["ann"])

    def test_max_users_stops_the_whole_import(self):
        dom = self.domain("impl")
        self.ctl_user(dom)
        self.ctl_user(dom)
        self.set_package(dom, self.package(max_users=3))
        c = self.admin(dom)
        r, good, bad, imp = self.preview(c, dom, b"Address\none\ntwo\n")
        self.assertEqual(sorted(good), [2, 3])
        self.assertIn("allows at most 3 users; the domain has 2 and the import would add 2",
                      " ".join(element_text(r.text, "import-warning").split()))
        before = self.counts()
        r = self.confirm(c, dom, imp)
        self.assertFormError(r, "allows at most 3 users; the domain has 2 and the import"
                             " would add 2 more. Nothing was created.")
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.audit("action IN ('user.add', 'user.import') AND domain_id = %d"
                                    % self.domain_id(dom)), [])
        # the import waits: with a place freed, it goes through
        self.inst.psql("UPDATE users SET deleted_at = now() WHERE domain_id = %d"
                       % self.domain_id(dom))
        r = self.confirm(c, dom, imp, status=200)
        self.assertEqual(len(self.generated(r)), 2)

    def test_quota_of_all_users_stops_the_whole_import(self):
        dom = self.domain("impq")
        self.set_package(dom, self.package(max_quota_bytes=100 * MIB))
        c = self.admin(dom)
        r, good, bad, imp = self.preview(c, dom, b"Address,Quota\nq1,60\nq2,30\nq3,20\n")
        self.assertEqual(sorted(good), [2, 3, 4])
        before = self.counts()
        r = self.confirm(c, dom, imp)
        self.assertFormError(r, "allows 100 MB of quota for all users together")
        self.assertEqual(element_text(r.text, "error-line-number"), "4")
        self.assertEqual(self.counts(), before)

    def test_gbk_file_with_chinese_headers(self):
        dom = self.domain("impg")
        c = self.admin(dom)
        text = ("邮箱,姓名,密码,配额,状态\r\n"
                "zhangsan,张三,Zhang-San-pass1,20,启用\r\n"
                "lisi@%s,李四,,,停用\r\n"
                "王五,王五,,,\r\n" % dom)
        r, good, bad, imp = self.preview(c, dom, text.encode("gbk"))
        self.assertIn("GB18030", element_text(r.text, "import-summary"))
        self.assertEqual(sorted(good), [2, 3])
        self.assertEqual({k: a["data-key"] for k, a in bad.items()}, {4: "address_bad"})
        r = self.confirm(c, dom, imp, status=200)
        self.assertEqual(self.users_of(dom), [
            ("lisi", "李四", "0", "disabled", ""),
            ("zhangsan", "张三", str(20 * MIB), "active", "")])
        self.assertEqual(self.inst.client().login("", "zhangsan@" + dom,
                                                  "Zhang-San-pass1").status, 303)
        # the pages in Chinese
        r = self.get(c, "/users/import?d=" + dom, headers={"Accept-Language": "zh-CN"})
        self.assertIn("导入用户", r.text)

    def test_bad_files_and_cancel(self):
        dom = self.domain("impx")
        c = self.admin(dom)
        before, pending = self.counts(), self.pending()
        r = self.get(c, "/users/import?d=" + dom)
        self.assertIsNotNone(find_form(r.text, B + "/users/import"))
        for data, text in ((b"Foo,Bar\n1,2\n", "No column"),
                           (b"", "Choose a file"),
                           (b"Address\n\x80\x80\x80\n", "cannot be read"),
                           (b"Address\n", "no users")):
            self.assertFormError(self.upload(c, dom, data), text)
        self.assertEqual((self.counts(), self.pending()), (before, pending))
        r, good, bad, imp = self.preview(c, dom, b"Address\nann\n")
        r = self.post(c, "/users/import", {"d": dom, "op": "cancel", "import": imp})
        self.assertRedirect(r, "/users")
        self.assertEqual((self.counts(), self.pending()), (before, pending))
        self.confirm(c, dom, imp, status=404)
        self.post(c, "/users/import", {"d": dom, "op": "sideways", "import": imp}, status=400)
        self.assertEqual(self.counts(), before)


class ImportRefusalTest(ImportCase):

    def test_other_domain_import_is_404_and_audited(self):
        mine, theirs = self.domain("impm"), self.domain("impt")
        c, c2 = self.admin(mine), self.admin(theirs)
        r, good, _, imp = self.preview(c2, theirs, b"Address\nvictim\n")
        before = self.counts()
        mid = self.domain_id(mine)
        self.confirm(c, mine, imp, status=404)
        self.post(c, "/users/import", {"d": mine, "op": "cancel", "import": imp}, status=404)
        self.confirm(c, theirs, imp, status=404)
        self.confirm(c, mine, "0", status=404)
        # another administrator of the same domain: theirs to confirm
        c3 = self.admin(theirs)
        self.confirm(c3, theirs, imp, status=404)
        self.assertEqual(self.counts(), before)
        denied = self.audit("action = 'denied' AND domain_id = %d" % mid)
        self.assertEqual([d[1] for d in denied], ["user_import:%s" % imp] * 2 + ["user_import"])
        self.assertTrue(all(d[2] == c.login_name for d in denied))
        self.assertEqual(len(self.audit("action = 'denied' AND object = %s"
                                        % lit("domain:" + theirs))), 1)
        self.assertEqual(len(self.audit("action = 'denied' AND actor = %s AND object = %s"
                                        % (lit(c3.login_name), lit("user_import:" + imp)))), 1)
        # its owner still can
        self.confirm(c2, theirs, imp, status=200)
        self.assertEqual([u[0] for u in self.users_of(theirs)], ["victim"])

    def test_post_without_csrf_refused(self):
        dom = self.domain("impc")
        c = self.admin(dom)
        before, pending = self.counts(), self.pending()
        r = self.upload(c, dom, b"Address\nsneaky\n", csrf=False)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(self.pending(), pending)
        r, good, _, imp = self.preview(c, dom, b"Address\nsneaky\n")
        self.post(c, "/users/import", {"d": dom, "op": "confirm", "import": imp}, status=403,
                  csrf=False)
        self.assertEqual(self.counts(), before)


class UserExportTest(ImportCase):

    def test_export_filtered_sorted_and_guarded(self):
        dom = self.domain("exp")
        c = self.admin(dom)
        self.add_user(c, dom, "alpha", name="=HYPERLINK(\"x\")", quota="10")
        self.add_user(c, dom, "bravo", name="Bravo, \"B\"", status="disabled")
        self.add_user(c, dom, "charlie", name="查理")
        r = self.get(c, "/users.csv?d=%s&sort=address&order=desc" % dom)
        self.assertIn("text/csv", r.header("Content-Type"))
        self.assertIn("attachment", r.header("Content-Disposition"))
        self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"))
        self.assertNotIn(b"$argon2", r.body)
        rows = list(csv.reader(io.StringIO(r.body.decode("utf-8")[1:])))
        self.assertEqual(rows[0][:6], ["Local part", "Address", "Display name", "Quota (MB)",
                                       "Status", "Package"])
        self.assertEqual([row[0] for row in rows[1:]], ["charlie", "bravo", "alpha"])
        self.assertEqual(rows[3][2], "'=HYPERLINK(\"x\")")          # the formula guard
        self.assertEqual(rows[3][3], "10")
        self.assertEqual(rows[2][4], "disabled")
        r = self.get(c, "/users.csv?d=%s&status=disabled" % dom)
        self.assertEqual([row[0] for row in csv.reader(io.StringIO(r.text[1:]))][1:], ["bravo"])
        r = self.get(c, "/users.csv?d=%s&q=CHAR" % dom)
        self.assertEqual([row[0] for row in csv.reader(io.StringIO(r.text[1:]))][1:],
                         ["charlie"])
        self.assertEqual(len(self.audit("action = 'user.export' AND domain_id = %d"
                                        % self.domain_id(dom))), 3)
        # the list links to it with its filter and order
        r = self.get(c, "/users?d=%s&q=x&status=active&sort=quota&order=desc" % dom)
        href = [a["href"] for t, a in parse_page(r.text).tags
                if t == "a" and a.get("id") == "export-users"][0]
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(href).query),
                         {"d": [dom], "q": ["x"], "status": ["active"], "sort": ["quota"],
                          "order": ["desc"]})
        # another domain's list is not to be had
        other = self.domain("expo")
        self.get(c, "/users.csv?d=" + other, status=404)

    def test_export_imports_into_another_domain(self):
        src, dst = self.domain("exs"), self.domain("exd")
        pkg_name = uniq("Silver")
        pkg = self.package()
        self.inst.psql("UPDATE service_packages SET name = %s WHERE id = %d"
                       % (lit(pkg_name), pkg))
        c = self.admin(src)
        self.add_user(c, src, "ann", name="Ann \"A\", Jr.", quota="25", package=str(pkg))
        self.add_user(c, src, "bob", name="=SUM(1)", status="disabled")
        self.add_user(c, src, "chen", name="陈, 老师")
        self.add_user(c, src, "dee", quota="1024")
        r = self.get(c, "/users.csv?d=" + src)
        c2 = self.admin(dst)
        r, good, bad, imp = self.preview(c2, dst, r.body, "users-%s.csv" % src)
        self.assertEqual((len(good), bad), (4, {}))
        r = self.confirm(c2, dst, imp, status=200)
        self.assertEqual(len(self.generated(r)), 4)
        self.assertEqual(self.users_of(dst), self.users_of(src))


if __name__ == "__main__":
    unittest.main()
