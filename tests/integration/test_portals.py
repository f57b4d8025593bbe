"""test_portals.py - login, sessions and the HTTP rules shared by the three portals.

Portals: webmail at "/", domain admin at "/domainadmin/", super admin at
"/admin/"; B below is the base ("", "/domainadmin", "/admin").

Each HTTP client gets a loopback source address of its own, so the
per-address login limit only comes into play where a test wants it; tests
that need failed logins use accounts of their own, so the per-account limit
of one test does not lock another test out.
"""

import hashlib
import re
import statistics
import time
import unittest
import uuid

import harness
from harness import PORTALS, find_form, element_text, cookie_is_deletion

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
       "img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
HEX64 = re.compile(r"^[0-9a-f]{64}$")

# the demo account that may log in at each portal
DEMO = {
    "webmail": ("user", "alice@example.test"),
    "domainadmin": ("domainadmin", "postmaster@example.test"),
    "admin": ("superadmin", "admin"),
}

_accounts = {}


def account(portal, tag):
    """(login, password) of an account of its own for one test, made with
    mailhivectl on first use: a user, a domain admin or a super admin."""
    key = (portal, tag)
    if key in _accounts:
        return _accounts[key]
    inst = harness.instance()
    password = "Pw-" + uuid.uuid4().hex[:16]
    if portal == "webmail":
        login = "%s@example.test" % tag
        r = inst.ctl("user", "add", login, password=password)
    elif portal == "domainadmin":
        login = "%s-da@example.test" % tag
        r = inst.ctl("domainadmin", "add", login, "example.test", password=password)
    else:
        login = "%s-sa" % tag
        r = inst.ctl("superadmin", "add", login, password=password)
    if r.rc != 0:
        raise AssertionError("could not create the test account: %r" % r)
    _accounts[key] = (login, password)
    return login, password


class PortalTestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    def client(self, src=None):
        return self.inst.client(src)

    def demo(self, portal):
        role, login = DEMO[portal]
        return login, self.inst.password_of(login)

    def logged_in(self, portal, login=None, password=None, src=None):
        """A client with a session at PORTAL (demo account by default)."""
        base, cookie = PORTALS[portal]
        if login is None:
            login, password = self.demo(portal)
        c = self.client(src)
        r = c.login(base, login, password)
        self.assertEqual(r.status, 303, "login of %s at %s/login: %r\n%s" % (
            login, base, r, self.inst.log_tail(portal + ".log", 15)))
        self.assertIn(cookie, c.cookies, r.header_all("Set-Cookie"))
        return c

    def assertRedirect(self, r, path, status=303):
        self.assertEqual(r.status, status, r)
        self.assertEqual(r.location_path, path, r.header("Location"))

    def assertSecurityHeaders(self, r, what):
        self.assertEqual(r.header("Content-Security-Policy"), CSP, what)
        self.assertEqual(len(r.header_all("Content-Security-Policy")), 1, what)
        self.assertEqual((r.header("X-Content-Type-Options") or "").lower(), "nosniff", what)
        self.assertEqual((r.header("Referrer-Policy") or "").lower(), "no-referrer", what)

    # ---- session rows ---------------------------------------------------

    def session_key(self, token):
        """SQL condition selecting the web_sessions row of a session
        cookie value (stored as is or as its SHA-256), by primary key."""
        self.assertRegex(token, HEX64)
        digest = hashlib.sha256(token.encode()).hexdigest()
        inst = self.inst
        pk = inst.psql(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'web_sessions'::regclass "
            "AND i.indisprimary").split()
        self.assertEqual(len(pk), 1, "web_sessions needs a one-column primary key")
        col = harness.sql_ident(pk[0])
        rows = inst.psql(
            "SELECT %s::text FROM web_sessions s WHERE position('%s' in lower(s::text)) > 0 "
            "OR position('%s' in lower(s::text)) > 0" % (col, token, digest)).split()
        if len(rows) != 1:
            # neither the value nor its SHA-256 is stored: the newest row
            rows = inst.psql("SELECT %s::text FROM web_sessions ORDER BY created_at DESC "
                             "LIMIT 1" % col).split()
        self.assertEqual(len(rows), 1, "no web_sessions row for the session")
        return "%s::text = %s" % (col, harness.sql_literal(rows[0]))

    def session_columns(self):
        return set(self.inst.psql(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'web_sessions'").split())

    def session_rows(self, key):
        return int(self.inst.psql_value("SELECT count(*) FROM web_sessions WHERE " + key))


# ==== login page and login ================================================

class LoginTest(PortalTestCase):

    def test_home_without_session_redirects_to_login(self):
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                r = self.client().get(base + "/")
                self.assertRedirect(r, base + "/login")

    def test_portal_without_slash_redirects(self):
        for base in ("/domainadmin", "/admin"):
            with self.subTest(base=base):
                r = self.client().get(base)
                self.assertIn(r.status, (301, 302, 303, 308), r)
                self.assertEqual(r.location_path, base + "/")

    def test_login_form(self):
        for portal, (base, cookie) in PORTALS.items():
            with self.subTest(portal=portal):
                c = self.client()
                r = c.get(base + "/login")
                self.assertEqual(r.status, 200, r)
                self.assertTrue((r.header("Content-Type") or "").startswith("text/html"), r)
                form = find_form(r.text, base + "/login")
                self.assertIsNotNone(form, r.text)
                self.assertEqual(form["method"], "post")
                for name in ("username", "password", "_csrf"):
                    self.assertIn(name, form["inputs"])
                types = {a.get("name"): a.get("type", "text").lower()
                         for a in form["input_attrs"]}
                self.assertEqual(types["_csrf"], "hidden")
                self.assertEqual(types["password"], "password")
                token = form["inputs"]["_csrf"]
                self.assertGreaterEqual(len(token), 16)
                pre = r.set_cookies().get(cookie + "_pre")
                self.assertIsNotNone(pre, r.header_all("Set-Cookie"))
                self.assertEqual(pre[0], token)

    def test_login_success_sets_session_cookie(self):
        for portal, (base, cookie) in PORTALS.items():
            with self.subTest(portal=portal):
                login, password = self.demo(portal)
                c = self.client()
                r = c.login(base, login, password)
                self.assertRedirect(r, base + "/")
                sc = r.set_cookies().get(cookie)
                self.assertIsNotNone(sc, r.header_all("Set-Cookie"))
                value, attrs = sc
                self.assertRegex(value, HEX64)
                self.assertEqual(attrs.get("path"), "/")
                self.assertIs(attrs.get("httponly"), True)
                self.assertEqual(str(attrs.get("samesite", "")).lower(), "strict")
                self.assertNotIn("secure", attrs)      # http.tls = no

    def test_home_page(self):
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                login, _ = self.demo(portal)
                c = self.logged_in(portal)
                r = c.get(base + "/")
                self.assertEqual(r.status, 200, r)
                whoami = element_text(r.text, "whoami")
                self.assertIsNotNone(whoami, "no element with id=whoami")
                self.assertIn(login, whoami)
                self.assertRegex(r.text, r"<nav[\s>]")
                form = find_form(r.text, base + "/logout")
                self.assertIsNotNone(form, "no logout form")
                self.assertEqual(form["method"], "post")
                self.assertTrue(form["inputs"].get("_csrf"))

    def test_session_id_rotated_at_login(self):
        for portal, (base, cookie) in PORTALS.items():
            with self.subTest(portal=portal):
                login, password = self.demo(portal)
                c1 = self.client()
                r, token = c1.login_page(base)
                pre = c1.cookies.get(cookie + "_pre")
                r = c1.post(base + "/login", {"username": login, "password": password,
                                              "_csrf": token})
                self.assertEqual(r.status, 303, r)
                sid1 = c1.cookies[cookie]
                self.assertNotEqual(sid1, pre)
                self.assertNotEqual(sid1, token)
                c2 = self.logged_in(portal)
                self.assertNotEqual(c2.cookies[cookie], sid1)

    def test_login_without_or_with_wrong_csrf(self):
        login, password = self.demo("webmail")
        c = self.client()
        c.login_page("")
        r = c.post("/login", {"username": login, "password": password})
        self.assertEqual(r.status, 403, r)
        r = c.post("/login", {"username": login, "password": password, "_csrf": "0" * 64})
        self.assertEqual(r.status, 403, r)
        self.assertNotIn("mh_webmail", c.cookies)

    def test_ctl_password_works_for_login(self):
        inst = self.inst
        login, password = account("webmail", "pwchange")
        self.logged_in("webmail", login, password)
        r = inst.ctl("user", "passwd", login, password="New-" + password)
        self.assertEqual(r.rc, 0, r)
        r = self.client().login("", login, password)
        self.assertEqual(r.status, 401, r)
        self.logged_in("webmail", login, "New-" + password)

    def test_language(self):
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                r = self.client().get(base + "/login", headers={"Accept-Language": "zh-CN"})
                self.assertEqual(r.status, 200, r)
                self.assertIn("登录", r.text)
                r = self.client().get(base + "/login",
                                      headers={"Accept-Language": "en-US,en;q=0.9"})
                self.assertEqual(r.status, 200, r)
                self.assertIn("Sign in", r.text)


# ==== failed logins and limits ============================================

class FailedLoginTest(PortalTestCase):

    def normalized(self, r, username):
        text = r.text
        form = find_form(text)
        if form and form["inputs"].get("_csrf"):
            text = text.replace(form["inputs"]["_csrf"], "CSRF")
        for u in (username, username.replace("@", "&#64;")):
            text = text.replace(u, "USERNAME")
        return text

    def test_wrong_password_and_unknown_account_look_alike(self):
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                login, password = account(portal, "lookalike")
                unknown = "no-such-%s" % login
                c = self.client()
                times = {"wrong": [], "unknown": []}
                pages = {}
                for _ in range(3):
                    for kind, user, pw in (("wrong", login, password + "x"),
                                           ("unknown", unknown, password)):
                        r, token = c.login_page(base)
                        t0 = time.monotonic()
                        r = c.post(base + "/login",
                                   {"username": user, "password": pw, "_csrf": token})
                        times[kind].append(time.monotonic() - t0)
                        self.assertEqual(r.status, 401, r)
                        self.assertIn("Wrong username or password", r.text)
                        pages[kind] = self.normalized(r, user)
                self.assertEqual(pages["wrong"], pages["unknown"])
                a = statistics.median(times["wrong"])
                b = statistics.median(times["unknown"])
                self.assertLess(max(a, b) / max(min(a, b), 1e-6), 3.0,
                                "median times: wrong password %.3f s, unknown account %.3f s"
                                % (a, b))

    def test_account_limit(self):
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                login, password = account(portal, "locked")
                c = self.client()
                for i in range(5):
                    r = c.login(base, login, "wrong-%d" % i)
                    self.assertEqual(r.status, 401, "attempt %d: %r" % (i + 1, r))
                r = c.login(base, login, "wrong-6")
                self.assertEqual(r.status, 429, r)
                retry = r.header("Retry-After")
                self.assertIsNotNone(retry, "429 without Retry-After")
                self.assertRegex(retry, r"^\d+$")
                self.assertGreater(int(retry), 0)
                self.assertLessEqual(int(retry), 60)
                self.assertRegex(r.text, r"Try again in \d+ seconds")
                # the right password is refused too while the limit holds
                r = c.login(base, login, password)
                self.assertEqual(r.status, 429, r)
                # ... also from another address
                r = self.client().login(base, login, password)
                self.assertEqual(r.status, 429, r)

    def test_address_limit(self):
        flood = self.client("127.0.0.2")
        for i in range(20):
            r = flood.login("", "nobody-%d@example.test" % i, "wrong")
            self.assertEqual(r.status, 401, "attempt %d: %r" % (i + 1, r))
        r = flood.login("", "nobody-20@example.test", "wrong")
        self.assertEqual(r.status, 429, r)
        self.assertIsNotNone(r.header("Retry-After"))
        r = flood.login("", "bob@example.test", self.inst.password_of("bob@example.test"))
        self.assertEqual(r.status, 429, r)
        # another address is not affected
        other = self.client("127.0.0.3")
        r = other.login("", "nobody-else@example.test", "wrong")
        self.assertEqual(r.status, 401, r)
        r = other.login("", "bob@example.test", self.inst.password_of("bob@example.test"))
        self.assertEqual(r.status, 303, r)

    def test_failed_login_is_audited(self):
        def count():
            return int(self.inst.psql_value(
                "SELECT count(*) FROM audit_log WHERE action = 'login.failed'"))
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                login, password = account(portal, "audited")
                before = count()
                r = self.client().login(base, login, password + "-wrong")
                self.assertEqual(r.status, 401, r)
                self.assertGreater(count(), before)

    def test_sql_metacharacters(self):
        payloads = ["' OR '1'='1", "admin'--", '"; DROP TABLE users; --', "\\", "\x00",
                    "%00"]
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                login, password = account(portal, "sqlmeta")
                c = self.client()
                for p in payloads:
                    r = c.login(base, p, p)
                    # a NUL byte may also be refused as a bad request
                    ok = (401, 400) if "\x00" in p else (401,)
                    self.assertIn(r.status, ok, "username %r: %r" % (p, r))
                c = self.client()
                for p in payloads[:4]:
                    r = c.login(base, login, p)
                    self.assertEqual(r.status, 401, "password %r: %r" % (p, r))
        self.assertTrue(self.inst.table_exists("users"))
        self.assertGreaterEqual(int(self.inst.psql_value("SELECT count(*) FROM users")), 2)
        self.logged_in("webmail")


# ==== roles ===============================================================

class RoleTest(PortalTestCase):

    def test_each_role_logs_in_only_at_its_portal(self):
        for portal, (base, _) in PORTALS.items():
            for other in PORTALS:
                if other == portal:
                    continue
                with self.subTest(account_of=other, at=portal):
                    login, password = self.demo(other)
                    c = self.client()
                    r = c.login(base, login, password)
                    self.assertEqual(r.status, 401, r)
                    self.assertNotIn(PORTALS[portal][1], c.cookies)

    def test_session_cookie_of_another_portal_is_refused(self):
        sessions = {p: self.logged_in(p).cookies[PORTALS[p][1]] for p in PORTALS}
        for portal, (base, cookie) in PORTALS.items():
            for other, value in sessions.items():
                if other == portal:
                    continue
                with self.subTest(session_of=other, sent_to=portal):
                    r = self.client().get(base + "/", cookies={cookie: value})
                    self.assertRedirect(r, base + "/login")


# ==== sessions ============================================================

class SessionTest(PortalTestCase):

    def test_logout(self):
        for portal, (base, cookie) in PORTALS.items():
            with self.subTest(portal=portal):
                c = self.logged_in(portal)
                sid = c.cookies[cookie]
                home = c.get(base + "/")
                self.assertEqual(home.status, 200, home)
                token = find_form(home.text, base + "/logout")["inputs"]["_csrf"]
                r = c.post(base + "/logout", {"_csrf": token})
                self.assertRedirect(r, base + "/login")
                sc = r.set_cookies().get(cookie)
                self.assertIsNotNone(sc, "logout does not clear the cookie")
                self.assertTrue(cookie_is_deletion(*sc), sc)
                self.assertNotIn(cookie, c.cookies)
                r = self.client().get(base + "/", cookies={cookie: sid})
                self.assertRedirect(r, base + "/login")

    def test_logout_needs_csrf(self):
        for portal, (base, cookie) in PORTALS.items():
            with self.subTest(portal=portal):
                c = self.logged_in(portal)
                r = c.post(base + "/logout", {})
                self.assertEqual(r.status, 403, r)
                self.assertSecurityHeaders(r, "403 page")
                r = c.post(base + "/logout", {"_csrf": "f" * 64})
                self.assertEqual(r.status, 403, r)
                r = c.get(base + "/")
                self.assertEqual(r.status, 200, "the session should still work: %r" % r)

    def test_cross_site_post_refused(self):
        for portal, (base, cookie) in PORTALS.items():
            with self.subTest(portal=portal):
                login, password = self.demo(portal)
                c = self.client()
                r, token = c.login_page(base)
                r = c.post(base + "/login", {"username": login, "password": password,
                                             "_csrf": token},
                           headers={"Sec-Fetch-Site": "cross-site"})
                self.assertEqual(r.status, 403, r)
                self.assertNotIn(cookie, c.cookies)
                c = self.logged_in(portal)
                token = find_form(c.get(base + "/").text, base + "/logout")["inputs"]["_csrf"]
                r = c.post(base + "/logout", {"_csrf": token},
                           headers={"Sec-Fetch-Site": "cross-site"})
                self.assertEqual(r.status, 403, r)
                self.assertEqual(c.get(base + "/").status, 200)

    def expire(self, portal, sets, expect_valid=False):
        base, cookie = PORTALS[portal]
        c = self.logged_in(portal)
        self.assertEqual(c.get(base + "/").status, 200)
        key = self.session_key(c.cookies[cookie])
        self.inst.psql("UPDATE web_sessions SET %s WHERE %s" % (sets, key))
        r = c.get(base + "/")
        if expect_valid:
            self.assertEqual(r.status, 200, r)
            return
        self.assertRedirect(r, base + "/login")
        self.assertEqual(self.session_rows(key), 0, "the expired session row is still there")

    def test_user_idle_timeout(self):
        self.expire("webmail", "last_seen = now() - interval '29 minutes'", expect_valid=True)
        self.expire("webmail", "last_seen = now() - interval '31 minutes'")

    def test_user_absolute_timeout(self):
        sets = ["created_at = now() - interval '8 hours 1 minute'"]
        if "expires_at" in self.session_columns():
            sets.append("expires_at = now() - interval '1 minute'")
        self.expire("webmail", ", ".join(sets))

    def test_admin_idle_timeout(self):
        for portal in ("domainadmin", "admin"):
            with self.subTest(portal=portal):
                self.expire(portal, "last_seen = now() - interval '9 minutes'",
                            expect_valid=True)
                self.expire(portal, "last_seen = now() - interval '11 minutes'")

    def test_admin_absolute_timeout(self):
        sets = ["created_at = now() - interval '4 hours 1 minute'"]
        if "expires_at" in self.session_columns():
            sets.append("expires_at = now() - interval '1 minute'")
        self.expire("admin", ", ".join(sets))


# ==== HTTP rules ==========================================================

class HttpTest(PortalTestCase):

    def test_security_headers(self):
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                c = self.client()
                self.assertSecurityHeaders(c.get(base + "/login"), "login page")
                self.assertSecurityHeaders(c.get(base + "/"), "redirect")
                r = c.get(base + "/no-such-page")
                self.assertEqual(r.status, 404, r)
                self.assertSecurityHeaders(r, "404 page")
                c = self.logged_in(portal)
                self.assertSecurityHeaders(c.get(base + "/"), "home page")
                r = c.get(base + "/no-such-page")
                self.assertEqual(r.status, 404, r)
                self.assertSecurityHeaders(r, "404 page with session")
                r = c.post(base + "/logout", {"_csrf": "wrong"})
                self.assertEqual(r.status, 403, r)
                self.assertSecurityHeaders(r, "403 page")

    def test_unknown_path_is_404_page(self):
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                r = self.client().get(base + "/no/such/page")
                self.assertEqual(r.status, 404, r)
                self.assertTrue((r.header("Content-Type") or "").startswith("text/html"), r)
                self.assertIn("<html", r.text.lower())

    def test_other_methods_405(self):
        for portal, (base, _) in PORTALS.items():
            for method, path in (("PUT", "/login"), ("DELETE", "/login"),
                                 ("PUT", "/"), ("DELETE", "/")):
                with self.subTest(portal=portal, method=method, path=path):
                    r = self.client().request(method, base + path, body=b"x",
                                              headers={"Content-Type": "text/plain"})
                    self.assertEqual(r.status, 405, r)

    def test_body_too_large_413(self):
        size = 2 * 1024 * 1024
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                c = self.client()
                r, token = c.login_page(base)
                head = ("POST %s/login HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\n"
                        "Content-Length: %d\r\nCookie: %s\r\nConnection: close\r\n\r\n"
                        % (base, self.inst.http_port, size,
                           "; ".join("%s=%s" % kv for kv in c.cookies.items())))
                prefix = ("_csrf=%s&username=a&password=" % token).encode()
                body = prefix + b"x" * (size - len(prefix))
                r = c.raw(head.encode() + body)
                self.assertEqual(r.status, 413, r)

    def test_malformed_multipart_400(self):
        for portal, (base, _) in PORTALS.items():
            with self.subTest(portal=portal):
                c = self.client()
                r, token = c.login_page(base)
                body = ("--xyz\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n%s\r\n"
                        "--xyz\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\n"
                        "alice@example.test\r\n"
                        "--xyz\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n"
                        "secret" % token)
                r = c.request("POST", base + "/login", body=body,
                              headers={"Content-Type": "multipart/form-data; boundary=xyz"})
                self.assertEqual(r.status, 400, r)


if __name__ == "__main__":
    unittest.main()
