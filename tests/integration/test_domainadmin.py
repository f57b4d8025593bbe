"""test_domainadmin.py - the domain administrators' portal over HTTP through
nginx: the overview, users (list, add, edit, status, password, delete),
aliases, groups, the catch-all and forwards, the audit log, and the
refusals: another domain's objects (404 and an audit row), POSTs without a
CSRF token, the service package's limits and bad input (a message on the
page and nothing written).

Each test makes domains and a domain administrator of its own with
mailhivectl, so tests never see each other's users. Pages are under
B = "/domainadmin"; every page and action names its domain with d= and
its objects by id.
"""

import os
import re
import signal
import smtplib
import time
import unittest
import urllib.parse
import uuid

import harness
import peers
from harness import find_form, element_text, parse_page

B = "/domainadmin"
MIB = 1024 * 1024
HERE = os.path.dirname(os.path.abspath(__file__))


def uniq(tag):
    return "%s-%s" % (tag, uuid.uuid4().hex[:8])


def lit(s):
    return harness.sql_literal(s)


def message(subject, to, frm="Sender <sender@outside.test>"):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@outside.test>\r\n"
            "\r\nHello.\r\n" % (frm, to, subject, uuid.uuid4().hex)).encode()


class DomainAdminCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    # ---- set-up with mailhivectl and SQL --------------------------------

    def val(self, sql):
        return self.inst.psql_value(sql)

    def rows(self, sql):
        return [line.split("|") for line in self.inst.psql(sql).splitlines() if line]

    def domain(self, tag="d"):
        name = "%s.test" % uniq(tag)
        r = self.inst.ctl("domain", "add", name)
        self.assertEqual(r.rc, 0, r)
        return name

    def domain_id(self, name):
        return int(self.val("SELECT id FROM domains WHERE name = %s" % lit(name)))

    def ctl_user(self, domain, local=None, password=None):
        """A user made with mailhivectl: (address, password, id)."""
        address = "%s@%s" % (local or uniq("u"), domain)
        password = password or "Pw-" + uuid.uuid4().hex[:16]
        r = self.inst.ctl("user", "add", address, password=password)
        self.assertEqual(r.rc, 0, r)
        return address, password, self.user_id(address)

    def user_id(self, address):
        v = self.val("SELECT id FROM users WHERE address = %s" % lit(address))
        return int(v) if v else None

    def user_row(self, address):
        rows = self.rows("SELECT display_name, status, quota_bytes, coalesce(package_id, 0),"
                         " deleted_at IS NOT NULL, password_hash FROM users WHERE address = %s"
                         % lit(address))
        if not rows:
            return None
        name, status, quota, pkg, deleted, hash_ = rows[0]
        return {"name": name, "status": status, "quota": int(quota), "package": int(pkg),
                "deleted": deleted == "t", "hash": hash_}

    def package(self, **limits):
        cols = ", ".join(["name"] + list(limits))
        vals = ", ".join([lit(uniq("pkg"))] + [str(v) for v in limits.values()])
        return int(self.val("INSERT INTO service_packages (%s) VALUES (%s) RETURNING id"
                            % (cols, vals)))

    def set_package(self, domain, pkg):
        self.inst.psql("UPDATE domains SET package_id = %d WHERE name = %s" % (pkg, lit(domain)))

    def counts(self):
        """Rows of the tables a refused action must leave alone."""
        return self.rows("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM mailboxes),"
                         " (SELECT count(*) FROM aliases), (SELECT count(*) FROM forwards),"
                         " (SELECT md5(string_agg(u::text, ',' ORDER BY id)) FROM users u),"
                         " (SELECT md5(string_agg(a::text, ',' ORDER BY id)) FROM aliases a),"
                         " (SELECT md5(string_agg(f::text, ',' ORDER BY id)) FROM forwards f)")[0]

    def audit(self, where):
        return self.rows("SELECT action, coalesce(object, ''), coalesce(actor, ''),"
                         " coalesce(client_ip, ''), coalesce(domain_id, 0), coalesce(detail, '')"
                         " FROM audit_log WHERE %s ORDER BY id" % where)

    # ---- HTTP -----------------------------------------------------------

    def admin(self, *domains):
        """A client logged in as a new domain admin of DOMAINS."""
        login = "%s@admins.test" % uniq("da")
        password = "Pw-" + uuid.uuid4().hex[:16]
        r = self.inst.ctl("domainadmin", "add", login, *domains, password=password)
        self.assertEqual(r.rc, 0, r)
        c = self.inst.client()
        r = c.login(B, login, password)
        self.assertEqual(r.status, 303, r)
        r = c.get(B + "/")
        self.assertEqual(r.status, 200, r)
        c.csrf = find_form(r.text, B + "/logout")["inputs"]["_csrf"]
        c.login_name = login
        return c

    def get(self, c, path, status=200, **kw):
        r = c.get(B + path, **kw)
        self.assertEqual(r.status, status, "GET %s: %r\n%s" % (
            path, r, self.inst.log_tail("domainadmin.log", 15)))
        return r

    def post(self, c, path, fields, status=None, csrf=True):
        f = dict(fields)
        if csrf:
            f["_csrf"] = c.csrf
        r = c.post(B + path, f)
        if status is not None:
            self.assertEqual(r.status, status, "POST %s %r: %r\n%s" % (
                path, fields, r, self.inst.log_tail("domainadmin.log", 15)))
        return r

    def assertRedirect(self, r, path):
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.location_path, B + path, r.header("Location"))

    def assertFormError(self, r, text, status=422):
        self.assertEqual(r.status, status, r)
        err = element_text(r.text, "form-error")
        self.assertIsNotNone(err, "no form-error on the page: %r" % r)
        self.assertIn(text, " ".join(err.split()))

    def add_user(self, c, domain, local, **fields):
        """Add a user through the portal with a typed password; the id."""
        f = {"d": domain, "local": local, "name": "", "password": "Secret-" + uuid.uuid4().hex[:12],
             "quota": "", "package": "", "status": "active"}
        f.update(fields)
        r = self.post(c, "/users/new", f)
        self.assertEqual(r.status, 303, "%r\n%s" % (r, element_text(r.text, "form-error")))
        m = re.search(r"[?&]id=(\d+)", r.header("Location"))
        return int(m.group(1))


# ==== overview and the choice of domain ====================================

class OverviewTest(DomainAdminCase):

    def test_overview_counts(self):
        dom = self.domain("ov")
        did = self.domain_id(dom)
        a, _, aid = self.ctl_user(dom)
        b, _, bid = self.ctl_user(dom)
        self.ctl_user(dom)
        self.inst.psql("UPDATE users SET status = 'disabled' WHERE id = %d" % bid)
        self.inst.psql("UPDATE users SET quota_bytes = %d, used_bytes = %d WHERE id = %d"
                       % (100 * MIB, 30 * MIB, aid))
        d, _, did_ = self.ctl_user(dom)
        self.inst.psql("UPDATE users SET deleted_at = now(), purge_after = now() + interval"
                       " '5 days' WHERE id = %d" % did_)
        ev = []
        for ago, direction, outcome, n in ((0, "in", "delivered", 3), (0, "out", "delivered", 2),
                                           (0, "out", "bounced", 1), (0, "in", "rejected", 1),
                                           (0, "out", "deferred", 4), (3, "in", "delivered", 5),
                                           (3, "out", "failed", 2), (10, "in", "delivered", 7)):
            for _ in range(n):
                ev.append("(%d, '%s', '%s', now() - interval '%d days')"
                          % (did, direction, outcome, ago))
        self.inst.psql("INSERT INTO mail_events (domain_id, direction, outcome, at) VALUES "
                       + ", ".join(ev))
        # held today: 2 spam and 1 virus; yesterday's and another domain's do not count
        other = self.domain_id(self.domain("ovq"))
        self.inst.psql("INSERT INTO quarantine (domain_id, reason, at) VALUES"
                       " (%d, 'spam', now()), (%d, 'spam', now()), (%d, 'virus', now()),"
                       " (%d, 'spam', now() - interval '2 days'), (%d, 'virus', now())"
                       % (did, did, did, did, other))
        c = self.admin(dom)
        r = self.get(c, "/?d=" + dom)
        ids = parse_page(r.text).ids
        self.assertEqual(ids["stat-active"], "2")
        self.assertEqual(ids["stat-disabled"], "1")
        self.assertEqual(ids["stat-deleted"], "1")
        self.assertIn("30 MB", ids["stat-used"])
        self.assertIn("100 MB", ids["stat-given"])
        self.assertEqual(ids["today-in"], "3")
        self.assertEqual(ids["today-out"], "2")
        self.assertEqual(ids["today-failed"], "2")
        self.assertEqual(ids["today-spam"], "2")
        self.assertEqual(ids["today-virus"], "1")
        self.assertEqual(ids["week-in"], "8")
        self.assertEqual(ids["week-out"], "2")
        self.assertEqual(ids["week-failed"], "4")
        self.assertEqual(len(re.findall(r'<tr data-day="', r.text)), 7)
        # the only domain of its admin needs no d=
        r = self.get(c, "/")
        self.assertEqual(element_text(r.text, "domain-name"), dom)
        # package limits appear when there is a package
        self.set_package(dom, self.package(max_users=10, max_quota_bytes=MIB * 1024))
        r = self.get(c, "/")
        self.assertEqual(element_text(r.text, "limit-users"), "10")
        self.assertEqual(element_text(r.text, "limit-quota"), "1 GB")
        # Chinese
        r = self.get(c, "/", headers={"Accept-Language": "zh-CN"})
        self.assertIn("概览", r.text)
        self.assertIn("今日收到", r.text)

    def test_several_domains_choose(self):
        d1, d2 = self.domain("ch1"), self.domain("ch2")
        self.ctl_user(d2, "someone")
        c = self.admin(d1, d2)
        for path in ("/", "/users", "/aliases", "/audit"):
            r = self.get(c, path)
            self.assertEqual(element_text(r.text, "domain-name"), None)
            links = [a["href"] for t, a in parse_page(r.text).tags if t == "a" and "href" in a]
            self.assertIn(B + path + "?d=" + d1, links, path)
            self.assertIn(B + path + "?d=" + d2, links, path)
        r = self.get(c, "/users?d=" + d2)
        self.assertEqual(element_text(r.text, "domain-name"), d2)
        self.assertIn("someone@" + d2, r.text)
        r = self.get(c, "/users?d=" + d1)
        self.assertNotIn("someone@", r.text)
        # a POST must name its domain
        self.post(c, "/users/status", {"id": "1", "status": "disabled"}, status=400)

    def test_every_page_has_the_common_layout(self):
        dom = self.domain("lay")
        _, _, uid = self.ctl_user(dom)
        c = self.admin(dom)
        aid = int(self.val("INSERT INTO aliases (address, domain_id, kind, target_user_id) VALUES"
                           " (%s, %d, 'alias', %d) RETURNING id"
                           % (lit("al@" + dom), self.domain_id(dom), uid)))
        for path in ("/", "/users", "/users/new", "/users/import", "/users/edit?id=%d" % uid,
                     "/users/delete?id=%d" % uid, "/aliases", "/aliases/edit?id=%d" % aid,
                     "/audit"):
            for lang, word in (("en-US", "Sign out"), ("zh-CN", "退出")):
                with self.subTest(path=path, lang=lang):
                    r = self.get(c, path, headers={"Accept-Language": lang})
                    self.assertIn('<meta name="viewport" content="width=device-width', r.text)
                    self.assertIn('href="/static/css/mailhive.css"', r.text)
                    self.assertIsNotNone(element_text(r.text, "whoami"))
                    self.assertIn(word, r.text)
                    self.assertNotIn("style=", r.text)     # the CSP allows no inline style
                    self.assertEqual(r.header("Cache-Control"), "no-store")


# ==== users =================================================================

class UsersTest(DomainAdminCase):

    def test_add_user_generated_password_then_webmail(self):
        dom = self.domain("add")
        c = self.admin(dom)
        r = self.get(c, "/users/new?d=" + dom)
        form = find_form(r.text, B + "/users/new")
        for name in ("_csrf", "d", "local", "name", "password", "generate", "quota", "package",
                     "status"):
            self.assertIn(name, form["inputs"])
        r = self.post(c, "/users/new", {"d": dom, "local": "Carol", "name": "Carol Chen",
                                        "generate": "1", "quota": "100", "package": "",
                                        "status": "active"}, status=200)
        address = "carol@" + dom
        self.assertEqual(element_text(r.text, "generated-address"), address)
        password = element_text(r.text, "generated-password")
        self.assertGreaterEqual(len(password), 10)
        row = self.user_row(address)
        self.assertEqual(row["name"], "Carol Chen")
        self.assertEqual(row["quota"], 100 * MIB)
        self.assertTrue(row["hash"].startswith("$argon2id$"), row["hash"])
        self.assertNotIn(password, row["hash"])
        uid = self.user_id(address)
        self.assertEqual(self.val("SELECT string_agg(name || ':' || coalesce(special_use, ''),"
                                  " ',' ORDER BY name) FROM mailboxes WHERE user_id = %d" % uid),
                         r"Drafts:\Drafts,INBOX:,Junk:\Junk,Sent:\Sent,Trash:\Trash")
        # shown once: the user's page does not have it
        r = self.get(c, "/users/edit?d=%s&id=%d" % (dom, uid))
        self.assertNotIn(password, r.text)
        # audited with who, where from and which domain
        rows = self.audit("action = 'user.add' AND object = %s" % lit(address))
        self.assertEqual(len(rows), 1)
        action, obj, actor, ip, domain_id, detail = rows[0]
        self.assertEqual(actor, c.login_name)
        self.assertEqual(ip, c.src)
        self.assertEqual(domain_id, str(self.domain_id(dom)))
        self.assertNotIn(password, detail)
        # the new user logs in to webmail
        w = self.inst.client()
        r = w.login("", address, password)
        self.assertEqual(r.status, 303, r)
        self.assertEqual(w.get("/mail").status, 200)

    def test_add_user_typed_password_and_policy(self):
        dom = self.domain("pol")
        c = self.admin(dom)
        before = self.counts()
        r = self.post(c, "/users/new", {"d": dom, "local": "dave", "password": "short-9ch"})
        self.assertFormError(r, "at least 10 characters")
        r = self.post(c, "/users/new", {"d": dom, "local": "dave", "password": ""})
        self.assertFormError(r, "Enter a password")
        # what was typed stays in the form, the password does not
        form = find_form(r.text, B + "/users/new")
        self.assertEqual(form["inputs"]["local"], "dave")
        self.assertEqual(form["inputs"]["password"], "")
        # a domain's own policy may ask for more
        self.inst.psql("UPDATE domains SET password_policy = '{\"min_length\": 14}' WHERE name = %s"
                       % lit(dom))
        r = self.post(c, "/users/new", {"d": dom, "local": "dave", "password": "twelve-chars"})
        self.assertFormError(r, "at least 14 characters")
        self.assertEqual(self.counts(), before)
        # characters, not bytes: 14 Chinese characters are enough
        uid = self.add_user(c, dom, "dave", password="密码" * 7)
        self.assertRedirect(self.post(c, "/users/new", {"d": dom, "local": "erin",
                                                         "password": "long-enough-14"}),
                            "/users/edit")
        r = self.get(c, "/users/edit?d=%s&id=%d&done=created" % (dom, uid))
        self.assertIsNotNone(element_text(r.text, "notice"))
        w = self.inst.client()
        self.assertEqual(w.login("", "dave@" + dom, "密码" * 7).status, 303)

    def test_add_user_bad_input_writes_nothing(self):
        dom, other = self.domain("bad"), self.domain("badother")
        taken, _, uid = self.ctl_user(dom, "taken")
        self.inst.psql("INSERT INTO aliases (address, domain_id, kind, target_user_id) VALUES"
                       " (%s, %d, 'alias', %d)" % (lit("aliased@" + dom), self.domain_id(dom), uid))
        pkg = self.package()
        c = self.admin(dom)
        before = self.counts()
        good = {"d": dom, "password": "Secret-password-1"}
        for fields, text in (
                ({"local": "two words"}, "not a valid address"),
                ({"local": "a..b"}, "not a valid address"),
                ({"local": ".lead"}, "not a valid address"),
                ({"local": "x" * 65}, "not a valid address"),
                ({"local": "ünï"}, "not a valid address"),
                ({"local": ""}, "Enter an address"),
                ({"local": "x@" + other}, "must be in this domain"),
                ({"local": "taken"}, "already in use"),
                ({"local": "TAKEN@" + dom.upper()}, "already in use"),
                ({"local": "aliased"}, "already in use"),
                ({"local": "ok1", "name": "bad\x01name"}, "at most 200 characters"),
                ({"local": "ok1", "name": "n" * 201}, "at most 200 characters"),
                ({"local": "ok1", "quota": "lots"}, "whole number of megabytes"),
                ({"local": "ok1", "quota": "-5"}, "whole number of megabytes"),
                ({"local": "ok1", "package": str(pkg + 1000)}, "no such service package"),
                ({"local": "ok1", "package": "1; DROP TABLE users"}, "no such service package")):
            with self.subTest(fields=fields):
                f = dict(good)
                f.update(fields)
                r = self.post(c, "/users/new", f)
                self.assertFormError(r, text)
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.audit("action = 'user.add' AND actor_role = 'domainadmin'"
                                    " AND object LIKE %s" % lit("%@" + dom)), [])

    def test_list_search_sort_and_pages(self):
        dom = self.domain("list")
        did = self.domain_id(dom)
        values = []
        for i in range(25):
            status = "disabled" if i % 5 == 0 else "active"
            values.append("(%d, 'user%02d', 'user%02d@%s', 'Name %s', '', '%s', %d, %d,"
                          " now() - interval '%d minutes')"
                          % (did, i, i, dom, chr(ord("Z") - i), status, (i % 7) * MIB,
                             (i * 13 % 25) * 1000, i))
        self.inst.psql("INSERT INTO users (domain_id, local_part, address, display_name,"
                       " password_hash, status, quota_bytes, used_bytes, created_at) VALUES "
                       + ", ".join(values))
        self.inst.psql("UPDATE users SET deleted_at = now(), purge_after = now() WHERE address = %s"
                       % lit("user24@" + dom))
        c = self.admin(dom)

        def listed(query):
            r = self.get(c, "/users?d=%s&%s" % (dom, query))
            return [a for a in re.findall(r'<tr data-id="\d+" data-status="[a-z]+">\s*<td class='
                                          r'"subject" title="([^"]+)"', r.text)], r

        got, r = listed("n=100")
        self.assertEqual(element_text(r.text, "total"), "25")
        self.assertEqual(got, sorted(got))
        users = [{"address": "user%02d@%s" % (i, dom), "name": "name " + chr(ord("z") - i),
                  "quota": (i % 7) * MIB, "used": (i * 13 % 25) * 1000, "created": -i,
                  "status": (i == 24, "disabled" if i % 5 == 0 else "active")}
                 for i in range(25)]
        firsts = {"address": lambda u: u["address"], "name": lambda u: u["name"],
                  "quota": lambda u: (u["quota"] == 0, u["quota"]), "used": lambda u: u["used"],
                  "status": lambda u: u["status"], "created": lambda u: u["created"]}
        for key, first in firsts.items():
            for order in ("asc", "desc"):
                with self.subTest(sort=key, order=order):
                    # ties go by address, ascending (sorts are stable)
                    want = sorted(users, key=lambda u: u["address"])
                    want = sorted(want, key=first, reverse=order == "desc")
                    got, _ = listed("n=100&sort=%s&order=%s" % (key, order))
                    self.assertEqual(got, [u["address"] for u in want])
        got, _ = listed("q=USER1")
        self.assertEqual(got, ["user%02d@%s" % (i, dom) for i in range(10, 20)])
        got, _ = listed("q=name+y")
        self.assertEqual(got, ["user01@" + dom])
        got, _ = listed("status=disabled")
        self.assertEqual(got, ["user%02d@%s" % (i, dom) for i in (0, 5, 10, 15, 20)])
        got, _ = listed("status=deleted")
        self.assertEqual(got, ["user24@" + dom])
        got, r = listed("n=20")
        self.assertEqual(len(got), 20)
        self.assertIsNotNone(element_text(r.text, "pager"))
        self.assertIn("page=2", r.text)
        got, _ = listed("n=20&page=2")
        self.assertEqual(got, ["user%02d@%s" % (i, dom) for i in range(20, 25)])
        got, _ = listed("n=20&page=99")            # past the end: the last page
        self.assertEqual(len(got), 5)
        # hostile query values are only values
        for q in ("'; DROP TABLE users; --", "%", "_", "\\"):
            got, r = listed("q=" + urllib.parse.quote(q))
            self.assertEqual(got, [])
        got, _ = listed("sort=nonsense&order=sideways&page=x&n=7")
        self.assertEqual(len(got), 25)

    def test_edit_user(self):
        dom = self.domain("edit")
        address, _, uid = self.ctl_user(dom)
        pkg = self.package(default_user_quota_bytes=5 * MIB)
        c = self.admin(dom)
        r = self.get(c, "/users/edit?d=%s&id=%d" % (dom, uid))
        self.assertEqual(element_text(r.text, "user-address"), address)
        r = self.post(c, "/users/edit", {"d": dom, "id": uid, "name": "Frank <F>", "quota": "250",
                                         "package": str(pkg)})
        self.assertRedirect(r, "/users/edit")
        row = self.user_row(address)
        self.assertEqual((row["name"], row["quota"], row["package"]),
                         ("Frank <F>", 250 * MIB, pkg))
        rows = self.audit("action = 'user.edit' AND object = %s" % lit(address))
        self.assertEqual(len(rows), 1)
        self.assertIn('"quota_bytes":[0,%d]' % (250 * MIB), rows[0][5])
        self.assertIn('"display_name":["","Frank <F>"]', rows[0][5])
        # shown escaped
        r = self.get(c, "/users/edit?d=%s&id=%d" % (dom, uid))
        self.assertIn("Frank &lt;F&gt;", r.text)
        self.assertNotIn("Frank <F>", r.text)
        r = self.get(c, "/users?d=" + dom)
        self.assertNotIn("Frank <F>", r.text)
        # an empty quota falls back to the package's default
        self.post(c, "/users/edit", {"d": dom, "id": uid, "name": "Frank", "quota": "",
                                     "package": str(pkg)}, status=303)
        self.assertEqual(self.user_row(address)["quota"], 0)
        r = self.get(c, "/users/edit?d=%s&id=%d" % (dom, uid))
        self.assertEqual(element_text(r.text, "user-quota"), "5 MB")
        # saving unchanged records nothing
        n = len(self.audit("action = 'user.edit' AND object = %s" % lit(address)))
        self.post(c, "/users/edit", {"d": dom, "id": uid, "name": "Frank", "quota": "",
                                     "package": str(pkg)}, status=303)
        self.assertEqual(len(self.audit("action = 'user.edit' AND object = %s" % lit(address))), n)
        # bad input: a message, nothing changed
        before = self.user_row(address)
        for fields, text in (({"quota": "x"}, "megabytes"), ({"name": "\x07"}, "200 characters"),
                             ({"package": "999999999"}, "no such service package")):
            f = {"d": dom, "id": uid, "name": "Frank", "quota": "", "package": ""}
            f.update(fields)
            self.assertFormError(self.post(c, "/users/edit", f), text)
        self.assertEqual(self.user_row(address), before)

    def test_disable_and_enable(self):
        dom = self.domain("dis")
        address, password, uid = self.ctl_user(dom)
        w = self.inst.client()
        self.assertEqual(w.login("", address, password).status, 303)
        self.assertEqual(w.get("/").status, 200)
        c = self.admin(dom)
        r = self.post(c, "/users/status", {"d": dom, "id": uid, "status": "disabled"})
        self.assertRedirect(r, "/users/edit")
        self.assertEqual(self.user_row(address)["status"], "disabled")
        self.assertEqual(w.get("/").status, 303)          # the session has ended
        self.assertEqual(int(self.val("SELECT count(*) FROM web_sessions WHERE role = 'user'"
                                      " AND principal_id = %d" % uid)), 0)
        self.assertEqual(self.inst.client().login("", address, password).status, 401)
        r = self.get(c, "/users?d=%s&status=disabled" % dom)
        self.assertIn('data-status="disabled"', r.text)
        self.post(c, "/users/status", {"d": dom, "id": uid, "status": "active"}, status=303)
        self.assertEqual(self.user_row(address)["status"], "active")
        self.assertEqual(self.inst.client().login("", address, password).status, 303)
        actions = [row[0] for row in self.audit("object = %s" % lit(address))]
        self.assertEqual(actions[-2:], ["user.disable", "user.enable"])
        self.post(c, "/users/status", {"d": dom, "id": uid, "status": "superadmin"}, status=400)

    def test_password_reset_ends_sessions(self):
        dom = self.domain("pw")
        address, password, uid = self.ctl_user(dom)
        w = self.inst.client()
        self.assertEqual(w.login("", address, password).status, 303)
        c = self.admin(dom)
        self.assertFormError(self.post(c, "/users/password", {"d": dom, "id": uid,
                                                              "password": "tiny"}),
                             "at least 10")
        self.assertEqual(w.get("/").status, 200)          # a refusal changes nothing
        r = self.post(c, "/users/password", {"d": dom, "id": uid, "password": "Brand-new-pass"})
        self.assertRedirect(r, "/users/edit")
        self.assertEqual(w.get("/").status, 303)
        self.assertEqual(self.inst.client().login("", address, password).status, 401)
        self.assertEqual(self.inst.client().login("", address, "Brand-new-pass").status, 303)
        r = self.post(c, "/users/password", {"d": dom, "id": uid, "generate": "1"}, status=200)
        generated = element_text(r.text, "generated-password")
        self.assertEqual(self.inst.client().login("", address, generated).status, 303)
        rows = self.audit("action = 'user.password' AND object = %s" % lit(address))
        self.assertEqual([r[5] for r in rows], ['{"generated":false}', '{"generated":true}'])

    def test_delete_keep_and_purge(self):
        dom = self.domain("del")
        keep, kpw, kid = self.ctl_user(dom)
        gone, _, gid = self.ctl_user(dom)
        did = self.domain_id(dom)
        self.inst.psql("INSERT INTO aliases (address, domain_id, kind, target_user_id) VALUES"
                       " (%s, %d, 'alias', %d)" % (lit("kept-alias@" + dom), did, kid))
        c = self.admin(dom)
        # the question first; a POST without the confirmation shows it too
        r = self.get(c, "/users/delete?d=%s&id=%d" % (dom, kid))
        form = find_form(r.text, B + "/users/delete")
        self.assertEqual(form["inputs"]["confirm"], "1")
        self.assertIn(keep, element_text(r.text, "confirm-text"))
        r = self.post(c, "/users/delete", {"d": dom, "id": kid, "mode": "purge"}, status=200)
        self.assertIsNotNone(find_form(r.text, B + "/users/delete"))
        self.assertFalse(self.user_row(keep)["deleted"])
        self.assertFormError(self.post(c, "/users/delete", {"d": dom, "id": kid, "mode": "keep",
                                                            "days": "0", "confirm": "1"}),
                             "1 to 3650 days")
        self.assertFormError(self.post(c, "/users/delete", {"d": dom, "id": kid, "confirm": "1"}),
                             "Choose what happens")
        self.assertFalse(self.user_row(keep)["deleted"])
        # keep for 7 days: marked, cannot log in, address and aliases off
        r = self.post(c, "/users/delete", {"d": dom, "id": kid, "mode": "keep", "days": "7",
                                           "confirm": "1"})
        self.assertRedirect(r, "/users")
        self.assertTrue(self.user_row(keep)["deleted"])
        self.assertEqual(self.val("SELECT round(extract(epoch FROM purge_after - deleted_at)"
                                  " / 86400) FROM users WHERE id = %d" % kid), "7")
        self.assertEqual(self.val("SELECT count(*) FROM mailboxes WHERE user_id = %d" % kid), "5")
        self.assertEqual(self.val("SELECT count(*) FROM aliases WHERE target_user_id = %d" % kid),
                         "0")
        self.assertEqual(self.inst.client().login("", keep, kpw).status, 401)
        r = self.get(c, "/users?d=%s&status=deleted" % dom)
        self.assertIn(keep, r.text)
        r = self.get(c, "/users/edit?d=%s&id=%d" % (dom, kid))
        self.assertEqual(parse_page(r.text).ids["user-status"], "Deleted")
        self.assertIsNone(find_form(r.text, B + "/users/edit"))
        # purge now
        r = self.post(c, "/users/delete", {"d": dom, "id": gid, "mode": "purge", "confirm": "1"})
        self.assertRedirect(r, "/users")
        self.assertIsNone(self.user_row(gone))
        self.assertEqual(self.val("SELECT count(*) FROM mailboxes WHERE user_id = %d" % gid), "0")
        # and the kept one, later
        r = self.get(c, "/users/delete?d=%s&id=%d" % (dom, kid))
        self.assertEqual(find_form(r.text, B + "/users/delete")["inputs"]["mode"], "purge")
        self.post(c, "/users/delete", {"d": dom, "id": kid, "mode": "purge", "confirm": "1"},
                  status=303)
        self.assertIsNone(self.user_row(keep))
        details = [r[5] for r in self.audit("action = 'user.delete' AND domain_id = %d" % did)]
        self.assertEqual(details, ['{"mode":"keep","days":7}', '{"mode":"purge"}',
                                   '{"mode":"purge"}'])

    def test_kept_mailbox_purged_by_jobs_when_due(self):
        dom = self.domain("purge")
        did = self.domain_id(dom)
        c = self.admin(dom)
        due, _, due_id = self.ctl_user(dom)
        later, _, later_id = self.ctl_user(dom)
        for uid in (due_id, later_id):
            self.post(c, "/users/delete", {"d": dom, "id": uid, "mode": "keep", "days": "3",
                                           "confirm": "1"}, status=303)
        self.inst.psql("UPDATE users SET purge_after = now() - interval '1 minute'"
                       " WHERE id = %d" % due_id)
        # the jobs service runs a round when it starts
        old = peers.services(self.inst)["jobs"]
        os.kill(old, signal.SIGKILL)
        self.assertTrue(peers.wait_for(lambda: self.user_row(due) is None, 30),
                        "the due user was not purged")
        self.assertEqual(self.val("SELECT count(*) FROM mailboxes WHERE user_id = %d" % due_id),
                         "0")
        self.assertTrue(self.user_row(later)["deleted"], "a user not yet due stays")
        self.assertEqual(self.val("SELECT count(*) FROM audit_log WHERE action = 'user.purge'"
                                  " AND object = %s AND domain_id = %d" % (lit(due), did)), "1")


# ==== service package limits ================================================

class LimitsTest(DomainAdminCase):

    def test_max_users(self):
        dom = self.domain("lim")
        self.ctl_user(dom)
        self.set_package(dom, self.package(max_users=2))
        c = self.admin(dom)
        self.add_user(c, dom, "second")
        before = self.counts()
        r = self.post(c, "/users/new", {"d": dom, "local": "third", "password": "Secret-pass-123"})
        self.assertFormError(r, "allows at most 2 users; the domain has 2 already")
        self.assertEqual(self.counts(), before)
        # a deleted user frees its place
        self.inst.psql("UPDATE users SET deleted_at = now() WHERE address = %s"
                       % lit("second@" + dom))
        self.add_user(c, dom, "third")

    def test_quota_per_user_and_in_all(self):
        dom = self.domain("quo")
        first, _, fid = self.ctl_user(dom)
        self.inst.psql("UPDATE users SET quota_bytes = %d WHERE id = %d" % (50 * MIB, fid))
        self.set_package(dom, self.package(max_user_quota_bytes=100 * MIB,
                                           max_quota_bytes=120 * MIB))
        c = self.admin(dom)
        before = self.counts()
        r = self.post(c, "/users/new", {"d": dom, "local": "big", "password": "Secret-pass-123",
                                        "quota": "101"})
        self.assertFormError(r, "quota of at most 100 MB per user")
        # no quota and no default would be unlimited
        r = self.post(c, "/users/new", {"d": dom, "local": "big", "password": "Secret-pass-123",
                                        "quota": ""})
        self.assertFormError(r, "at most 100 MB per user")
        r = self.post(c, "/users/new", {"d": dom, "local": "big", "password": "Secret-pass-123",
                                        "quota": "80"})
        self.assertFormError(r, "allows 120 MB of quota for all users together; the other users"
                             " already have 50 MB")
        self.assertEqual(self.counts(), before)
        # the form keeps what was typed
        form = find_form(r.text, B + "/users/new")
        self.assertEqual((form["inputs"]["local"], form["inputs"]["quota"]), ("big", "80"))
        self.add_user(c, dom, "fits", quota="70")
        # editing is held to the same limits
        r = self.post(c, "/users/edit", {"d": dom, "id": fid, "name": "", "quota": "60",
                                         "package": ""})
        self.assertFormError(r, "allows 120 MB")
        self.assertEqual(self.user_row(first)["quota"], 50 * MIB)
        self.post(c, "/users/edit", {"d": dom, "id": fid, "name": "", "quota": "40",
                                     "package": ""}, status=303)
        self.assertEqual(self.user_row(first)["quota"], 40 * MIB)
        # a domain default within the limits serves for an empty quota
        self.inst.psql("UPDATE domains SET default_quota_bytes = %d WHERE name = %s"
                       % (10 * MIB, lit(dom)))
        self.add_user(c, dom, "dflt", quota="")
        self.assertEqual(self.user_row("dflt@" + dom)["quota"], 0)


# ==== aliases, groups, catch-all, forwards, and delivery ====================

class AliasTest(DomainAdminCase):

    def test_aliases_and_groups(self):
        dom = self.domain("al")
        did = self.domain_id(dom)
        u1, _, id1 = self.ctl_user(dom, "one")
        u2, _, id2 = self.ctl_user(dom, "two")
        c = self.admin(dom)
        # an alias from the user's page
        r = self.post(c, "/aliases/new", {"d": dom, "kind": "alias", "id": id1, "local": "Sales"})
        self.assertRedirect(r, "/users/edit")
        self.assertEqual(self.rows("SELECT kind, target_user_id, cardinality(targets) FROM aliases"
                                   " WHERE address = %s" % lit("sales@" + dom)),
                         [["alias", str(id1), "0"]])
        r = self.get(c, "/users/edit?d=%s&id=%d" % (dom, id1))
        self.assertIn("sales@" + dom, element_text(r.text, "user-aliases"))
        # from the aliases page, naming the user by address
        r = self.post(c, "/aliases/new", {"d": dom, "kind": "alias", "local": "info",
                                          "user": u2, "description": "front desk"})
        self.assertRedirect(r, "/aliases")
        self.assertEqual(self.val("SELECT target_user_id FROM aliases WHERE address = %s"
                                  % lit("info@" + dom)), str(id2))
        # a group of users and an outside address
        r = self.post(c, "/aliases/new", {"d": dom, "kind": "group", "local": "team",
                                          "members": "%s\n%s, friend@outside.test\n%s"
                                          % (u1, u2.upper(), u1)})
        self.assertRedirect(r, "/aliases")
        self.assertEqual(self.val("SELECT array_to_string(targets, ' ') FROM aliases WHERE"
                                  " address = %s AND kind = 'group'" % lit("team@" + dom)),
                         "%s %s friend@outside.test" % (u1, u2))
        r = self.get(c, "/aliases?d=" + dom)
        self.assertEqual(element_text(r.text, "total"), "3")
        # refusals: nothing written
        before = self.counts()
        for fields, form, text in (
                ({"kind": "alias", "local": "one", "user": u2}, "alias", "already in use"),
                ({"kind": "alias", "local": "sales", "user": u2}, "alias", "already in use"),
                ({"kind": "alias", "local": "x y", "user": u2}, "alias", "not a valid address"),
                ({"kind": "alias", "local": "new", "user": "nobody@" + dom}, "alias",
                 "no such user"),
                ({"kind": "alias", "local": "new", "user": "sales@" + dom}, "alias",
                 "no such user"),
                ({"kind": "group", "local": "g2", "members": "nobody@" + dom}, "group",
                 "no such user in this domain: nobody@" + dom),
                ({"kind": "group", "local": "g2", "members": "team@" + dom}, "group",
                 "no such user"),
                ({"kind": "group", "local": "g2", "members": "not an address"}, "group",
                 "not a valid address"),
                ({"kind": "group", "local": "g2", "members": " ,\n "}, "group",
                 "at least one address"),
                ({"kind": "group", "local": "g2", "members": u1, "description": "\x1b"}, "group",
                 "200 characters")):
            with self.subTest(fields=fields):
                f = {"d": dom}
                f.update(fields)
                self.assertFormError(self.post(c, "/aliases/new", f), text)
        self.assertEqual(self.counts(), before)
        self.post(c, "/aliases/new", {"d": dom, "kind": "superuser", "local": "x"}, status=400)
        # edit a group, then an alias
        gid = int(self.val("SELECT id FROM aliases WHERE address = %s" % lit("team@" + dom)))
        r = self.get(c, "/aliases/edit?d=%s&id=%d" % (dom, gid))
        self.assertRegex(r.text, r'<textarea name="members"[^>]*>[^<]*%s' % re.escape(u2))
        self.assertFormError(self.post(c, "/aliases/edit", {"d": dom, "id": gid,
                                                            "members": "ghost@" + dom}),
                             "no such user")
        self.post(c, "/aliases/edit", {"d": dom, "id": gid, "members": u2,
                                       "description": "just two"}, status=303)
        self.assertEqual(self.val("SELECT array_to_string(targets, ' ') || '|' || description"
                                  " FROM aliases WHERE id = %d" % gid), u2 + "|just two")
        iid = int(self.val("SELECT id FROM aliases WHERE address = %s" % lit("info@" + dom)))
        self.post(c, "/aliases/edit", {"d": dom, "id": iid, "user": "one"}, status=303)
        self.assertEqual(self.val("SELECT target_user_id FROM aliases WHERE id = %d" % iid),
                         str(id1))
        # delete
        self.post(c, "/aliases/delete", {"d": dom, "id": iid}, status=303)
        self.assertEqual(self.val("SELECT count(*) FROM aliases WHERE id = %d" % iid), "0")
        actions = [r[0] for r in self.audit("domain_id = %d" % did)]
        for a in ("alias.add", "group.add", "group.edit", "alias.edit", "alias.delete"):
            self.assertIn(a, actions)

    def test_catchall(self):
        dom = self.domain("ca")
        u1, _, _ = self.ctl_user(dom)
        c = self.admin(dom)
        before = self.counts()
        self.assertFormError(self.post(c, "/aliases/catchall", {"d": dom, "op": "set",
                                                                "targets": "ghost@" + dom}),
                             "no such user")
        self.assertFormError(self.post(c, "/aliases/catchall", {"d": dom, "op": "set",
                                                                "targets": ""}),
                             "at least one address")
        self.assertEqual(self.counts(), before)
        r = self.post(c, "/aliases/catchall", {"d": dom, "op": "set", "targets": u1})
        self.assertRedirect(r, "/aliases")
        self.assertEqual(self.rows("SELECT kind, array_to_string(targets, ' ') FROM aliases"
                                   " WHERE address = %s" % lit("@" + dom)), [["catchall", u1]])
        r = self.get(c, "/aliases?d=" + dom)
        self.assertIn(u1, element_text(r.text, "catchall"))
        self.post(c, "/aliases/catchall", {"d": dom, "op": "set",
                                           "targets": "%s, else@outside.test" % u1}, status=303)
        self.assertEqual(self.val("SELECT array_to_string(targets, ' ') FROM aliases WHERE"
                                  " address = %s" % lit("@" + dom)), u1 + " else@outside.test")
        self.post(c, "/aliases/catchall", {"d": dom, "op": "clear"}, status=303)
        self.assertEqual(self.val("SELECT count(*) FROM aliases WHERE address = %s"
                                  % lit("@" + dom)), "0")
        actions = [r[0] for r in self.audit("domain_id = %d" % self.domain_id(dom))]
        self.assertEqual(actions, ["catchall.set", "catchall.set", "catchall.clear"])

    def test_forwards(self):
        dom = self.domain("fw")
        u1, _, id1 = self.ctl_user(dom, "one")
        u2, _, _ = self.ctl_user(dom, "two")
        c = self.admin(dom)
        r = self.post(c, "/users/forwards", {"d": dom, "id": id1, "op": "add", "target": u2,
                                             "keep_copy": "1"})
        self.assertRedirect(r, "/users/edit")
        self.post(c, "/users/forwards", {"d": dom, "id": id1, "op": "add",
                                         "target": "Away@Outside.test"}, status=303)
        self.assertEqual(self.rows("SELECT target, keep_copy FROM forwards WHERE user_id = %d"
                                   " ORDER BY id" % id1),
                         [[u2, "t"], ["away@outside.test", "t"]])
        before = self.counts()
        for target, text in ((u2, "already forwarded"), (u1, "cannot forward to itself"),
                             ("ghost@" + dom, "no such user"), ("not-an-address", "not a valid"),
                             ("", "Enter the address")):
            with self.subTest(target=target):
                self.assertFormError(self.post(c, "/users/forwards", {"d": dom, "id": id1,
                                                                      "op": "add",
                                                                      "target": target}), text)
        self.assertEqual(self.counts(), before)
        r = self.get(c, "/users/edit?d=%s&id=%d" % (dom, id1))
        self.assertIn("away@outside.test", element_text(r.text, "forwards"))
        self.post(c, "/users/forwards", {"d": dom, "id": id1, "op": "keep_copy"}, status=303)
        self.assertEqual(self.val("SELECT string_agg(keep_copy::text, ',') FROM forwards"
                                  " WHERE user_id = %d" % id1), "false,false")
        fid = int(self.val("SELECT id FROM forwards WHERE user_id = %d AND target = %s"
                           % (id1, lit(u2))))
        self.post(c, "/users/forwards", {"d": dom, "id": id1, "op": "delete", "fid": fid},
                  status=303)
        self.assertEqual(self.val("SELECT count(*) FROM forwards WHERE user_id = %d" % id1), "1")
        actions = [r[0] for r in self.audit("domain_id = %d" % self.domain_id(dom))]
        self.assertEqual(actions, ["forward.add", "forward.add", "forward.keep_copy",
                                   "forward.delete"])

    def test_portal_user_receives_mail_to_portal_alias(self):
        """A user and an alias made in the portal: mail sent by SMTP to the
        alias is delivered, and the user reads it in webmail. Also a group,
        the catch-all and a forward without a copy, as mailhived reads them."""
        dom = self.domain("mail")
        c = self.admin(dom)
        password = "Portal-pass-" + uuid.uuid4().hex[:8]
        uid = self.add_user(c, dom, "newbie", name="New Bie", password=password)
        other = self.add_user(c, dom, "other", password=password)
        self.post(c, "/aliases/new", {"d": dom, "kind": "alias", "id": uid, "local": "hello"},
                  status=303)
        self.post(c, "/aliases/new", {"d": dom, "kind": "group", "local": "all",
                                      "members": "newbie@%s other@%s" % (dom, dom)}, status=303)
        self.post(c, "/aliases/catchall", {"d": dom, "op": "set", "targets": "other@" + dom},
                  status=303)
        subjects = {"alias": "To the alias " + uniq("s"), "group": "To the group " + uniq("s"),
                    "catchall": "To nobody " + uniq("s"), "forward": "Forwarded " + uniq("s")}
        with smtplib.SMTP("127.0.0.1", self.inst.smtp_port, timeout=30) as s:
            s.sendmail("sender@outside.test", ["hello@" + dom],
                       message(subjects["alias"], "hello@" + dom))
            s.sendmail("sender@outside.test", ["all@" + dom],
                       message(subjects["group"], "all@" + dom))
            s.sendmail("sender@outside.test", ["whoever@" + dom],
                       message(subjects["catchall"], "whoever@" + dom))
        # a forward without a copy: other's mail goes to newbie only
        self.post(c, "/users/forwards", {"d": dom, "id": other, "op": "add",
                                         "target": "newbie@" + dom}, status=303)
        with smtplib.SMTP("127.0.0.1", self.inst.smtp_port, timeout=30) as s:
            s.sendmail("sender@outside.test", ["other@" + dom],
                       message(subjects["forward"], "other@" + dom))

        def inbox(user_id):
            return self.inst.psql("SELECT m.subject FROM messages m JOIN mailboxes b ON"
                                  " b.id = m.mailbox_id WHERE b.user_id = %d AND b.name ="
                                  " 'INBOX'" % user_id).splitlines()
        deadline = time.monotonic() + 15
        while len(inbox(uid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(sorted(inbox(uid)), sorted([subjects["alias"], subjects["group"],
                                                     subjects["forward"]]))
        self.assertEqual(sorted(inbox(other)), sorted([subjects["group"],
                                                       subjects["catchall"]]))
        w = self.inst.client()
        self.assertEqual(w.login("", "newbie@" + dom, password).status, 303)
        r = w.get("/mail")
        self.assertEqual(r.status, 200, r)
        self.assertIn(subjects["alias"], r.text)
        # an address nobody has is refused once the catch-all is gone
        self.post(c, "/aliases/catchall", {"d": dom, "op": "clear"}, status=303)
        with smtplib.SMTP("127.0.0.1", self.inst.smtp_port, timeout=30) as s:
            s.ehlo()
            code, _ = s.docmd("MAIL FROM:<sender@outside.test>")
            self.assertEqual(code, 250)
            code, _ = s.docmd("RCPT TO:<whoever@%s>" % dom)
            self.assertEqual(code, 550)


# ==== authorization ========================================================

class AuthorizationTest(DomainAdminCase):

    def setUp(self):
        self.mine = self.domain("mine")
        self.theirs = self.domain("theirs")
        self.my_user, _, self.my_id = self.ctl_user(self.mine)
        self.their_user, self.their_pw, self.their_id = self.ctl_user(self.theirs)
        tdid = self.domain_id(self.theirs)
        self.their_alias = int(self.val(
            "INSERT INTO aliases (address, domain_id, kind, target_user_id) VALUES (%s, %d,"
            " 'alias', %d) RETURNING id" % (lit("theiralias@" + self.theirs), tdid,
                                            self.their_id)))
        self.their_forward = int(self.val(
            "INSERT INTO forwards (user_id, target) VALUES (%d, 'x@outside.test') RETURNING id"
            % self.their_id))
        self.c = self.admin(self.mine)

    def denied_rows(self):
        return self.audit("action = 'denied' AND actor = %s" % lit(self.c.login_name))

    def test_other_domains_objects_are_404_and_audited(self):
        c, mine, theirs = self.c, self.mine, self.theirs
        before = self.counts()
        n = 0
        for method, path, fields in (
                ("GET", "/users/edit?d=%s&id=%d" % (mine, self.their_id), None),
                ("GET", "/users/delete?d=%s&id=%d" % (mine, self.their_id), None),
                ("GET", "/aliases/edit?d=%s&id=%d" % (mine, self.their_alias), None),
                ("GET", "/users?d=" + theirs, None),
                ("GET", "/audit?d=" + theirs, None),
                ("GET", "/?d=" + theirs, None),
                ("GET", "/users/edit?d=%s&id=%d" % (theirs, self.their_id), None),
                ("POST", "/users/edit", {"d": mine, "id": self.their_id, "name": "x",
                                         "quota": "", "package": ""}),
                ("POST", "/users/status", {"d": mine, "id": self.their_id,
                                           "status": "disabled"}),
                ("POST", "/users/password", {"d": mine, "id": self.their_id,
                                             "password": "Hijacked-pass-1"}),
                ("POST", "/users/delete", {"d": mine, "id": self.their_id, "mode": "purge",
                                           "confirm": "1"}),
                ("POST", "/users/forwards", {"d": mine, "id": self.their_id, "op": "add",
                                             "target": "thief@outside.test"}),
                ("POST", "/users/forwards", {"d": mine, "id": self.my_id, "op": "delete",
                                             "fid": self.their_forward}),
                ("POST", "/aliases/new", {"d": mine, "kind": "alias", "id": self.their_id,
                                          "local": "grab"}),
                ("POST", "/aliases/edit", {"d": mine, "id": self.their_alias,
                                           "user": self.my_user}),
                ("POST", "/aliases/delete", {"d": mine, "id": self.their_alias}),
                ("POST", "/users/status", {"d": theirs, "id": self.their_id,
                                           "status": "disabled"}),
                ("POST", "/aliases/catchall", {"d": theirs, "op": "set",
                                               "targets": self.my_user}),
                ("POST", "/users/new", {"d": theirs, "local": "intruder",
                                        "password": "Intruder-pass-1"})):
            with self.subTest(method=method, path=path, fields=fields):
                if method == "GET":
                    r = c.get(B + path)
                else:
                    r = self.post(c, path, fields)
                self.assertEqual(r.status, 404, r)
                n += 1
                rows = self.denied_rows()
                self.assertEqual(len(rows), n, rows)
                self.assertEqual(rows[-1][3], c.src)
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.user_row(self.their_user)["status"], "active")
        self.assertEqual(self.inst.client().login("", self.their_user, self.their_pw).status, 303)
        objects = [r[1] for r in self.denied_rows()]
        self.assertIn("user:%d" % self.their_id, objects)
        self.assertIn("alias:%d" % self.their_alias, objects)
        self.assertIn("forward:%d" % self.their_forward, objects)
        self.assertIn("domain:" + theirs, objects)
        # refusals inside my domain are listed on my audit page; those about
        # theirs are not tied to their domain
        self.assertEqual([r for r in self.denied_rows() if r[4] == str(self.domain_id(theirs))],
                         [])
        r = self.get(c, "/audit?d=%s&action=denied" % mine)
        self.assertIn("user:%d" % self.their_id, r.text)
        # ids that are not ids are simply not found
        for q in ("id=abc", "id=-1", "id=0", "id=1e3", "id=", ""):
            self.get(c, "/users/edit?d=%s&%s" % (mine, q), status=404)

    def test_post_without_csrf_is_refused(self):
        c, mine = self.c, self.mine
        before = self.counts()
        for path, fields in (
                ("/users/new", {"d": mine, "local": "nocsrf", "password": "No-csrf-pass-1"}),
                ("/users/edit", {"d": mine, "id": self.my_id, "name": "x"}),
                ("/users/status", {"d": mine, "id": self.my_id, "status": "disabled"}),
                ("/users/password", {"d": mine, "id": self.my_id, "generate": "1"}),
                ("/users/delete", {"d": mine, "id": self.my_id, "mode": "purge",
                                   "confirm": "1"}),
                ("/users/forwards", {"d": mine, "id": self.my_id, "op": "add",
                                     "target": "a@outside.test"}),
                ("/aliases/new", {"d": mine, "kind": "alias", "id": self.my_id,
                                  "local": "nocsrf"}),
                ("/aliases/catchall", {"d": mine, "op": "set", "targets": self.my_user})):
            with self.subTest(path=path):
                self.assertEqual(self.post(c, path, fields, csrf=False).status, 403)
                f = dict(fields, _csrf="0" * 64)
                self.assertEqual(c.post(B + path, f).status, 403)
                f = dict(fields, _csrf=c.csrf)
                r = c.post(B + path, f, headers={"Sec-Fetch-Site": "cross-site"})
                self.assertEqual(r.status, 403)
        self.assertEqual(self.counts(), before)
        # GET never changes anything: the actions take POST only
        for path in ("/users/status?d=%s&id=%d&status=disabled" % (mine, self.my_id),
                     "/users/password?d=%s&id=%d&generate=1" % (mine, self.my_id),
                     "/users/forwards?d=%s&id=%d&op=add&target=a@b.test" % (mine, self.my_id),
                     "/aliases/new?d=%s&kind=alias&local=x&id=%d" % (mine, self.my_id),
                     "/aliases/delete?d=%s&id=1" % mine,
                     "/aliases/catchall?d=%s&op=clear" % mine):
            with self.subTest(path=path):
                self.assertEqual(c.get(B + path).status, 405)
        self.assertEqual(self.counts(), before)
        # a session of another portal is no session here
        w = self.inst.client()
        self.assertEqual(w.login("", self.my_user, self.user_pw()).status, 303)
        r = w.post(B + "/users/status", {"d": mine, "id": self.my_id, "status": "disabled",
                                         "_csrf": "0" * 64})
        self.assertEqual(r.status, 403)

    def user_pw(self):
        pw = "Reset-" + uuid.uuid4().hex[:10]
        self.assertEqual(self.inst.ctl("user", "passwd", self.my_user, password=pw).rc, 0)
        return pw

    def test_no_way_to_more_power(self):
        c, mine = self.c, self.mine
        admins = self.val("SELECT count(*) FROM super_admins")
        links = self.val("SELECT string_agg(admin_id || ':' || domain_id, ',' ORDER BY 1)"
                         " FROM domain_admin_domains")
        # extra fields are ignored; the domain is the one named by d=
        r = self.post(c, "/users/edit", {"d": mine, "id": self.my_id, "name": "Still mine",
                                         "quota": "", "package": "", "domain_id":
                                         str(self.domain_id(self.theirs)), "role": "superadmin",
                                         "admin": "1"})
        self.assertEqual(r.status, 303, r)
        self.assertEqual(self.val("SELECT domain_id FROM users WHERE id = %d" % self.my_id),
                         str(self.domain_id(mine)))
        r = self.post(c, "/users/new", {"d": mine, "local": "x@" + self.theirs,
                                        "password": "Other-domain-1"})
        self.assertFormError(r, "must be in this domain")
        r = self.post(c, "/aliases/new", {"d": mine, "kind": "alias", "local": "hop",
                                          "user": self.their_user})
        self.assertFormError(r, "no such user")
        r = self.post(c, "/aliases/new", {"d": mine, "kind": "alias",
                                          "local": "hop@" + self.theirs, "user": self.my_user})
        self.assertFormError(r, "must be in this domain")
        self.assertEqual(self.val("SELECT count(*) FROM super_admins"), admins)
        self.assertEqual(self.val("SELECT string_agg(admin_id || ':' || domain_id, ','"
                                  " ORDER BY 1) FROM domain_admin_domains"), links)
        # the super admin console does not take this session
        r = c.get("/admin/")
        self.assertEqual(r.status, 303)
        # a disabled domain admin is out at the next request
        self.inst.psql("UPDATE domain_admins SET status = 'disabled' WHERE login = %s"
                       % lit(c.login_name))
        self.assertEqual(c.get(B + "/users?d=" + mine).status, 303)


# ==== audit log ===========================================================

class AuditTest(DomainAdminCase):

    def test_audit_page_and_filters(self):
        dom, other = self.domain("aud"), self.domain("audother")
        c = self.admin(dom)
        c2 = self.admin(dom)
        uid = self.add_user(c, dom, "first")
        self.post(c2, "/users/status", {"d": dom, "id": uid, "status": "disabled"}, status=303)
        self.post(c, "/aliases/new", {"d": dom, "kind": "alias", "id": uid, "local": "alias1"},
                  status=303)
        # a row of another domain must not show
        oc = self.admin(other)
        self.add_user(oc, other, "secret-user")

        def entries(query=""):
            r = self.get(c, "/audit?d=%s%s" % (dom, query))
            return re.findall(r'<dd data-action="([^"]+)">', r.text), r

        got, r = entries()
        self.assertEqual(got, ["alias.add", "user.disable", "user.add"])
        self.assertEqual(element_text(r.text, "total"), "3")
        self.assertNotIn("secret-user", r.text)
        self.assertIn(c.src, r.text)
        self.assertIn(c2.login_name, r.text)
        got, _ = entries("&actor=" + c2.login_name.split("@")[0].upper())
        self.assertEqual(got, ["user.disable"])
        got, _ = entries("&action=user.add")
        self.assertEqual(got, ["user.add"])
        today = self.val("SELECT to_char(now(), 'YYYY-MM-DD')")
        got, _ = entries("&from=%s&to=%s" % (today, today))
        self.assertEqual(len(got), 3)
        got, _ = entries("&from=2001-01-01&to=2001-12-31")
        self.assertEqual(got, [])
        self.assertIsNotNone(element_text(entries("&from=2001-01-01&to=2001-12-31")[1].text,
                                          "empty"))
        for bad in ("2024-02-30", "yesterday", "2023-02-29", "2024-13-01"):
            r = c.get(B + "/audit?d=%s&from=%s" % (dom, bad))
            self.assertFormError(r, "year-month-day")
        # the actions offered in the filter are this domain's
        r = self.get(c, "/audit?d=" + dom)
        form = find_form(r.text, B + "/audit")
        options = [a.get("value") for t, a in parse_page(r.text).tags if t == "option"]
        self.assertEqual(sorted(o for o in options if o), ["alias.add", "user.add",
                                                           "user.disable"])
        self.assertEqual(form["method"], "get")
        # many rows: pages of 50
        did = self.domain_id(dom)
        self.inst.psql("INSERT INTO audit_log (actor_role, actor, action, object, domain_id)"
                       " SELECT 'cli', 'root', 'bulk.test', 'n' || g, %d"
                       " FROM generate_series(1, 60) g" % did)
        got, r = entries()
        self.assertEqual(len(got), 50)
        self.assertIsNotNone(element_text(r.text, "pager"))
        got, _ = entries("&page=2")
        self.assertEqual(len(got), 13)


# ==== templates and language files ========================================

class LanguageTest(unittest.TestCase):

    def test_every_string_in_both_languages(self):
        """Every Lang.domainadmin.* a template names exists in en_US and
        zh_CN, and the two files have the same keys."""
        root = os.path.dirname(os.path.dirname(HERE))

        def keys(path):
            out, stack = {}, []
            with open(path, encoding="utf-8") as f:
                for line in f:
                    s = line.strip()
                    if not s or s.startswith("#"):
                        continue
                    if s.endswith("{"):
                        stack.append(s[:-1].strip())
                    elif s == "}":
                        stack.pop()
                    else:
                        k, _, v = s.partition("=")
                        out[".".join(stack + [k.strip()])] = v.strip()
            return out
        en = keys(os.path.join(root, "templates/lang/en_US.hdf"))
        zh = keys(os.path.join(root, "templates/lang/zh_CN.hdf"))
        da_en = {k for k in en if k.startswith("domainadmin.")}
        da_zh = {k for k in zh if k.startswith("domainadmin.")}
        self.assertEqual(da_en, da_zh)
        for k in da_en:
            self.assertTrue(en[k] and zh[k], k)
        tdir = os.path.join(root, "templates/domainadmin")
        used = set()
        for name in os.listdir(tdir):
            with open(os.path.join(tdir, name), encoding="utf-8") as f:
                used |= set(re.findall(r"Lang\.(domainadmin(?:\.[a-z_0-9]+)+)", f.read()))
        groups = {k.rsplit(".", 1)[0] for k in da_en}
        for k in used:
            self.assertTrue(k in da_en or k in groups, "%s is missing" % k)


if __name__ == "__main__":
    unittest.main()
