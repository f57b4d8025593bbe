"""test_settings.py - the user's own settings in webmail: password, display
preferences, skins, spam and virus choices, and signed-in sessions.

Password: the domain's policy and the system minimum are enforced, a
wrong current password is a failed login (counted, audited, throttled),
a change ends every other session while this one goes on. Display: the
language, time zone, date format and page size chosen take effect on the
message list and the reading page. Skins: each installed skin renders,
with its style sheet after mailhive.css and its own template override;
the user's choice beats the domain's default; a name that is not
installed is refused. Spam: the level is stored as thresholds for the
mail server. Sessions: listed without their tokens, another one can be
ended, another user's cannot (404). Every POST needs the CSRF token
(403); bad input is 422 and writes nothing.
"""

import email.utils
import hashlib
import html
import json
import re
import time
import unittest
import uuid

import harness
from harness import element_text, find_form, parse_page
from test_webmail import alternative, deliver, rows, simple, wait_count

SKINS = ("default", "dark", "compact")


def lit(s):
    return harness.sql_literal(s)


class SettingsCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    def val(self, sql):
        return self.inst.psql_value(sql)

    def domain(self):
        name = "set-%s.test" % uuid.uuid4().hex[:8]
        r = self.inst.ctl("domain", "add", name)
        self.assertEqual(r.rc, 0, r)
        return name

    def user(self, domain="example.test", messages=()):
        login = "st-%s@%s" % (uuid.uuid4().hex[:8], domain)
        password = "Pw-" + uuid.uuid4().hex[:16]
        r = self.inst.ctl("user", "add", login, password=password)
        self.assertEqual(r.rc, 0, r)
        for raw in messages:
            deliver(self.inst, login, raw)
        wait_count(self.inst, login, len(messages))
        return login, password

    def client(self, login, password):
        c = self.inst.client()
        r = c.login("", login, password)
        self.assertEqual(r.status, 303, r)
        r = c.get("/settings")
        self.assertEqual(r.status, 200, r)
        c.csrf = find_form(r.text, "/logout")["inputs"]["_csrf"]
        return c

    def get(self, c, path, status=200, **kw):
        r = c.get(path, **kw)
        self.assertEqual(r.status, status, "GET %s: %r\n%s" % (
            path, r, self.inst.log_tail("webmail.log", 15)))
        return r

    def post(self, c, path, fields, status=None, csrf=True):
        f = dict(fields)
        if csrf:
            f["_csrf"] = c.csrf
        r = c.post(path, f)
        if status is not None:
            self.assertEqual(r.status, status, "POST %s %r: %r\n%s" % (
                path, fields, r, self.inst.log_tail("webmail.log", 15)))
        return r

    def form(self, c, path):
        """The fields of the settings form at path as the page shows them."""
        r = self.get(c, path)
        form = find_form(r.text, path)
        f = {}
        for a in form["input_attrs"]:
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    f[a["name"]] = a.get("value", "1")
            elif a.get("type") != "hidden" or a["name"] != "_csrf":
                f[a["name"]] = a.get("value", "")
        for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', r.text, re.S):
            m = re.search(r'<option(?: value="([^"]*)")? selected>([^<]*)', body)
            f[name] = html.unescape(m.group(1) if m.group(1) is not None else m.group(2)) \
                if m else ""
        return f

    def display(self, c, status=303, **changes):
        f = self.form(c, "/settings/display")
        for k, v in changes.items():
            if v is None:
                f.pop(k, None)
            else:
                f[k] = v
        return self.post(c, "/settings/display", f, status=status)

    def uid(self, login):
        return self.val("SELECT id FROM users WHERE address = %s" % lit(login))

    def assertRedirect(self, r, path):
        self.assertEqual(r.status, 303, r)
        self.assertEqual(r.location_path, path, r.header("Location"))


class IndexTest(SettingsCase):

    def test_index_links_every_page(self):
        c = self.client(*self.user())
        r = self.get(c, "/settings")
        links = [a.get("href") for t, a in parse_page(r.text).tags if t == "a"]
        for path in ("/settings/display", "/settings/password", "/settings/spam",
                     "/settings/sessions", "/settings/vacation"):
            self.assertIn(path, links)
            self.get(c, path)
        r = self.get(c, "/settings", headers={"Accept-Language": "zh-CN"})
        for text in ("显示", "密码", "垃圾邮件与病毒", "登录会话"):
            self.assertIn(text, r.text)


class PasswordTest(SettingsCase):

    def hash_of(self, login):
        return self.val("SELECT password_hash FROM users WHERE address = %s" % lit(login))

    def failures(self, login):
        return int(self.val("SELECT count(*) FROM login_failures WHERE scope = 'account'"
                            " AND key = %s" % lit("user:" + login)))

    def change(self, c, current, new, confirm=None, status=None):
        return self.post(c, "/settings/password",
                         {"current": current, "new": new,
                          "confirm": new if confirm is None else confirm}, status=status)

    def test_change_policy_and_other_sessions(self):
        dom = self.domain()
        self.inst.psql("UPDATE domains SET password_policy = '{\"min_length\": 14,"
                       " \"require_digit\": true, \"require_symbol\": true}'"
                       " WHERE name = %s" % lit(dom))
        login, password = self.user(dom)
        c, other = self.client(login, password), self.client(login, password)
        r = self.get(c, "/settings/password")
        self.assertEqual(element_text(r.text, "policy-min"), "14")
        old = self.hash_of(login)
        # refused by the form or the policy: 422, nothing checked or written
        for new, confirm, key in (("Short-1", None, "short"),
                                  ("Long-enough-no-digits", None, "digit"),
                                  ("Longenough1234567", None, "symbol"),
                                  ("Long-enough-12345", "Long-enough-12346", "mismatch")):
            r = self.change(c, password, new, confirm, status=422)
            self.assertIsNotNone(element_text(r.text, "form-error"), key)
        r = self.change(c, "", "Long-enough-12345", status=422)
        self.assertEqual(self.hash_of(login), old)
        self.assertEqual(self.failures(login), 0)
        # the system minimum holds when the domain asks less
        self.inst.psql("UPDATE domains SET password_policy = '{\"min_length\": 4}'"
                       " WHERE name = %s" % lit(dom))
        r = self.change(c, password, "Ab-1234", status=422)
        self.assertIn("10", element_text(r.text, "form-error"))
        # a good one: this session goes on, the other one ends
        new = "New-pass-" + uuid.uuid4().hex[:10]
        r = self.change(c, password, new)
        self.assertRedirect(r, "/settings/password")
        self.assertNotEqual(self.hash_of(login), old)
        r = self.get(c, "/settings/password?done=1")
        self.assertIsNotNone(element_text(r.text, "done"))
        self.assertEqual(self.get(c, "/mail").status, 200)
        r = other.get("/mail")
        self.assertRedirect(r, "/login")
        self.assertEqual(int(self.val(
            "SELECT count(*) FROM web_sessions WHERE portal = 'webmail' AND principal_id = %s"
            % self.uid(login))), 1)
        self.assertEqual(self.inst.client().login("", login, password).status, 401)
        self.assertEqual(self.inst.client().login("", login, new).status, 303)
        self.assertEqual(self.val("SELECT count(*) FROM audit_log WHERE action ="
                                  " 'password.change' AND actor = %s" % lit(login)), "1")
        self.assertNotIn(new, self.inst.log_tail("webmail.log", 200))

    def test_wrong_current_password_is_a_failed_login(self):
        login, password = self.user()
        c = self.client(login, password)
        old = self.hash_of(login)
        new = "New-pass-" + uuid.uuid4().hex[:10]
        r = self.change(c, "wrong-" + password, new, status=403)
        self.assertIn("wrong", element_text(r.text, "form-error").lower())
        self.assertEqual(self.hash_of(login), old)
        self.assertEqual(self.failures(login), 1)
        self.assertEqual(self.val(
            "SELECT count(*) FROM audit_log WHERE action = 'login.failed' AND actor = %s"
            " AND detail LIKE '%%webmail-password%%'" % lit(login)), "1")
        # the account's limit (5 in the window) applies here as at login
        for _ in range(4):
            self.change(c, "wrong-" + password, new, status=403)
        r = self.change(c, password, new, status=429)
        self.assertIsNotNone(r.header("Retry-After"))
        self.assertEqual(self.hash_of(login), old)
        self.assertEqual(self.inst.client().login("", login, password).status, 429)


class DisplayTest(SettingsCase):

    def test_preferences_take_effect(self):
        msgs = [simple("Item %02d" % i, date=email.utils.formatdate(1700000000 + i * 60))
                for i in range(25)]
        msgs.append(simple("Fixed time", date="Mon, 06 Mar 2023 10:00:00 +0000"))
        msgs.append(alternative("Both kinds", "plain words", "<p>html words</p>"))
        login, password = self.user(messages=msgs)
        c = self.client(login, password)
        r = self.get(c, "/settings/display")
        zones = re.findall(r"<option(?: selected)?>([A-Za-z_/+-]+)</option>", r.text)
        self.assertIn("Asia/Shanghai", zones)
        self.assertNotIn("posix/UTC", zones)

        r = self.display(c, language="zh_CN", timezone="Asia/Shanghai", date_format="iso",
                         page_size="20", preview="1", view="plain", remote_images=None)
        self.assertRedirect(r, "/settings/display")
        self.assertEqual(self.val(
            "SELECT language || ' ' || timezone || ' ' || (prefs->>'date_format') || ' '"
            " || (prefs->>'preview') || ' ' || (prefs->>'remote_images')"
            " FROM user_prefs WHERE user_id = %s" % self.uid(login)),
            "zh_CN Asia/Shanghai iso true false")
        self.assertEqual(self.val("SELECT list_page_size || ' ' || read_plain FROM users"
                                  " WHERE address = %s" % lit(login)), "20 true")
        # the language beats the browser's
        r = self.get(c, "/mail?f=INBOX&sort=date&order=asc",
                     headers={"Accept-Language": "en-US"})
        self.assertIn('<html lang="zh-CN">', r.text)
        self.assertIn("收件箱", r.text)
        self.assertEqual(len(rows(r.text)), 20)
        self.assertIn("with-preview", r.text)
        fixed = re.search(r'data-uid="(\d+)">.*?Fixed time.*?<td class="date">([^<]*)</td>',
                          r.text, re.S)
        self.assertEqual(fixed.group(2), "2023-03-06 18:00")
        uid = fixed.group(1)
        r = self.get(c, "/mail/read?f=INBOX&uid=" + uid)
        self.assertEqual(element_text(r.text, "date"), "2023-03-06 18:00")
        # another zone and format
        self.display(c, timezone="America/New_York", date_format="mdy", language="en_US")
        r = self.get(c, "/mail/read?f=INBOX&uid=" + uid)
        self.assertEqual(element_text(r.text, "date"), "03/06/2023 05:00 AM")
        self.assertIn('<html lang="en">', r.text)
        r = self.get(c, "/mail?f=INBOX&sort=date&order=asc",
                     headers={"Accept-Language": "zh-CN"})
        self.assertIn('<html lang="en">', r.text)
        self.assertIn("03/06/2023 05:00 AM", r.text)
        # plain text is preferred
        both = [u for u, s, _ in rows(self.get(c, "/mail?f=INBOX&n=100").text)
                if s == "Both kinds"][0]
        r = self.get(c, "/mail/read?f=INBOX&uid=%d" % both)
        self.assertIn("plain words", r.text)
        self.display(c, view="html", page_size="50", timezone="", language="")
        r = self.get(c, "/mail/read?f=INBOX&uid=%d" % both)
        self.assertIn("/mail/body?", r.text)
        r = self.get(c, "/mail?f=INBOX", headers={"Accept-Language": "zh-CN"})
        self.assertIn('<html lang="zh-CN">', r.text)
        self.assertEqual(len(rows(r.text)), 27)

    def test_bad_values_are_refused_and_nothing_written(self):
        login, password = self.user()
        c = self.client(login, password)
        self.display(c, timezone="Europe/Berlin", skin="dark")
        before = self.val("SELECT md5(p::text) FROM user_prefs p WHERE user_id = %s"
                          % self.uid(login))
        users_before = self.val("SELECT list_page_size || read_plain::text FROM users"
                                " WHERE address = %s" % lit(login))
        for field, value in (("timezone", "Mars/Olympus"), ("timezone", "../../etc/passwd"),
                             ("timezone", "posix/../UTC"), ("language", "fr_FR"),
                             ("date_format", "%n%n"), ("page_size", "7"),
                             ("view", "rtf"), ("skin", "nope"), ("skin", "../dark"),
                             ("skin", "dark/../../x")):
            r = self.display(c, status=422, **{field: value})
            self.assertIsNotNone(element_text(r.text, "form-error"), field)
        self.assertEqual(self.val("SELECT md5(p::text) FROM user_prefs p WHERE user_id = %s"
                                  % self.uid(login)), before)
        self.assertEqual(self.val("SELECT list_page_size || read_plain::text FROM users"
                                  " WHERE address = %s" % lit(login)), users_before)


class SkinTest(SettingsCase):

    def skin_of(self, text):
        body = re.search(r'<body class="([^"]*)"', text).group(1).split()
        skins = [k[5:] for k in body if k.startswith("skin-")]
        self.assertEqual(len(skins), 1, body)
        return skins[0]

    def test_each_skin_renders_with_its_css(self):
        login, password = self.user(messages=[simple("Skinned")])
        c = self.client(login, password)
        r = self.get(c, "/settings/display")
        offered = re.search(r'<select name="skin"[^>]*>(.*?)</select>', r.text, re.S).group(1)
        for skin in SKINS:
            self.assertIn('<option value="%s"' % skin, offered)
            self.assertEqual(self.display(c, skin=skin).status, 303)
            for path in ("/mail", "/settings", "/settings/display"):
                r = self.get(c, path)
                self.assertEqual(self.skin_of(r.text), skin, path)
                links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', r.text)
                self.assertEqual(links, ["/static/css/mailhive.css",
                                         "/static/css/skin-%s.css" % skin], path)
                self.assertNotIn("style=", r.text)
            self.assertIn("Skinned", self.get(c, "/mail").text)
            css = c.get("/static/css/skin-%s.css" % skin)
            self.assertEqual(css.status, 200, skin)
            self.assertIn("text/css", css.header("Content-Type"))
        # the override template of the skin is the one used
        self.display(c, skin="dark")
        self.assertIn('<meta name="color-scheme" content="dark">', self.get(c, "/mail").text)
        self.display(c, skin="compact")
        self.assertIn('content="#2f4f7f"', self.get(c, "/mail").text)
        # the login page has the default skin
        r = self.inst.client().get("/login")
        self.assertEqual(self.skin_of(r.text), "default")

    def test_user_choice_beats_domain_default(self):
        dom = self.domain()
        self.inst.psql("UPDATE domains SET default_skin = 'compact' WHERE name = %s" % lit(dom))
        login, password = self.user(dom)
        c = self.client(login, password)
        self.assertEqual(self.skin_of(self.get(c, "/mail").text), "compact")
        self.display(c, skin="dark")
        self.assertEqual(self.val("SELECT skin FROM user_prefs WHERE user_id = %s"
                                  % self.uid(login)), "dark")
        self.assertEqual(self.skin_of(self.get(c, "/mail").text), "dark")
        self.display(c, skin="")
        self.assertEqual(self.skin_of(self.get(c, "/mail").text), "compact")
        # a stored name that is not installed (written behind our back)
        # is no choice: the default
        self.inst.psql("UPDATE domains SET default_skin = '../../etc' WHERE name = %s" % lit(dom))
        self.inst.psql("UPDATE user_prefs SET skin = 'gone' WHERE user_id = %s" % self.uid(login))
        r = self.get(c, "/mail")
        self.assertEqual(self.skin_of(r.text), "default")
        self.assertNotIn("etc", re.search(r'<head>.*?</head>', r.text, re.S).group(0))


class SpamTest(SettingsCase):

    def prefs(self, login):
        row = self.inst.psql("SELECT coalesce(spam_level::text, ''), antivirus,"
                             " coalesce((prefs->'spam')::text, '') FROM user_prefs"
                             " WHERE user_id = %s" % self.uid(login)).strip()
        level, av, spam = row.split("|")
        return level, av == "t", json.loads(spam) if spam else None

    def test_levels_are_stored(self):
        login, password = self.user()
        c = self.client(login, password)
        r = self.get(c, "/settings/spam")
        self.assertIn('name="antivirus" value="1" checked', r.text)
        r = self.post(c, "/settings/spam", {"level": "high", "certain": "quarantine"},
                      status=303)
        self.assertEqual(r.location_path, "/settings/spam")
        level, av, spam = self.prefs(login)
        self.assertEqual((level, av), ("8", False))
        self.assertEqual(spam, {"level": "high", "junk_score": 3.0, "quarantine_score": 6.0,
                                "certain": "quarantine"})
        r = self.get(c, "/settings/spam?done=1")
        self.assertIn('value="high" checked', r.text)
        self.assertIsNotNone(element_text(r.text, "done"))
        self.post(c, "/settings/spam", {"level": "low", "certain": "junk", "antivirus": "1"},
                  status=303)
        self.assertEqual(self.prefs(login), ("3", True, {
            "level": "low", "junk_score": 8.0, "quarantine_score": 15.0, "certain": "junk"}))
        self.post(c, "/settings/spam", {"level": "off", "antivirus": "1"}, status=303)
        self.assertEqual(self.prefs(login), ("0", True, {"level": "off"}))
        self.post(c, "/settings/spam", {"level": "", "antivirus": "1"}, status=303)
        self.assertEqual(self.prefs(login), ("", True, None))
        # bad values: 422, nothing written
        self.post(c, "/settings/spam", {"level": "medium", "antivirus": "1"}, status=303)
        before = self.prefs(login)
        for fields in ({"level": "extreme"}, {"level": "high", "certain": "bin"}):
            r = self.post(c, "/settings/spam", fields, status=422)
            self.assertIsNotNone(element_text(r.text, "form-error"))
        self.assertEqual(self.prefs(login), before)


class SessionsTest(SettingsCase):

    def handles(self, text):
        return re.findall(r'<tr data-session="([0-9a-f]+)"( class="current")?', text)

    def test_list_and_end(self):
        login, password = self.user()
        a, b = self.client(login, password), self.client(login, password)
        r = self.get(a, "/settings/sessions")
        got = self.handles(r.text)
        self.assertEqual(len(got), 2)
        self.assertEqual([cur for _, cur in got], [' class="current"', ""])
        self.assertIn(a.src, r.text)
        self.assertIn(b.src, r.text)
        self.assertIn("mailhive-integration-test", r.text)
        self.assertRegex(element_text(r.text, "sessions"), r"\d{4}-\d\d-\d\d \d\d:\d\d")
        # neither the cookies nor the stored hashes reach the page
        for cl in (a, b):
            token = cl.cookies["mh_webmail"]
            self.assertNotIn(token, r.text)
            self.assertNotIn(hashlib.sha256(token.encode()).hexdigest(), r.text)
        theirs = got[1][0]
        # another user's session is not ours to end
        login2, password2 = self.user()
        d = self.client(login2, password2)
        r = self.post(d, "/settings/sessions", {"op": "end", "id": theirs}, status=404)
        r = self.post(d, "/settings/sessions", {"op": "end", "id": "zz"}, status=404)
        self.assertEqual(self.get(b, "/mail").status, 200)
        # without the token: 403, still there
        self.post(a, "/settings/sessions", {"op": "end", "id": theirs}, csrf=False, status=403)
        self.assertEqual(self.get(b, "/mail").status, 200)
        r = self.post(a, "/settings/sessions", {"op": "end", "id": theirs}, status=303)
        self.assertEqual(r.header("Location"), "/settings/sessions?done=ended")
        self.assertRedirect(b.get("/mail"), "/login")
        self.assertEqual(self.get(a, "/mail").status, 200)
        self.assertEqual(self.get(d, "/mail").status, 200)
        self.assertEqual(len(self.handles(self.get(a, "/settings/sessions").text)), 1)
        # sign out everywhere else; then here
        c = self.client(login, password)
        self.post(a, "/settings/sessions", {"op": "others"}, status=303)
        self.assertRedirect(c.get("/mail"), "/login")
        mine = self.handles(self.get(a, "/settings/sessions").text)
        self.assertEqual(len(mine), 1)
        r = self.post(a, "/settings/sessions", {"op": "end", "id": mine[0][0]}, status=303)
        self.assertEqual(r.location_path, "/login")
        self.assertRedirect(a.get("/mail"), "/login")


class RefusalTest(SettingsCase):

    def test_posts_need_the_csrf_token(self):
        login, password = self.user()
        c = self.client(login, password)
        hash_ = self.val("SELECT password_hash FROM users WHERE address = %s" % lit(login))
        for path, fields in (
                ("/settings/password", {"current": password, "new": "Another-pass-123",
                                        "confirm": "Another-pass-123"}),
                ("/settings/display", {"language": "zh_CN", "timezone": "", "page_size": "20",
                                       "date_format": "iso", "view": "html", "skin": "dark"}),
                ("/settings/spam", {"level": "high"}),
                ("/settings/sessions", {"op": "others"})):
            r = self.post(c, path, fields, csrf=False, status=403)
            f = dict(fields, _csrf="0" * 64)
            self.assertEqual(c.post(path, f).status, 403, path)
        self.assertEqual(self.val("SELECT count(*) FROM user_prefs WHERE user_id = %s"
                                  % self.uid(login)), "0")
        self.assertEqual(self.val("SELECT password_hash FROM users WHERE address = %s"
                                  % lit(login)), hash_)
        # without a session at all
        r = self.inst.client().post("/settings/display", {"language": "zh_CN"})
        self.assertEqual(r.status, 403)


if __name__ == "__main__":
    unittest.main()
