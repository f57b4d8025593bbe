"""test_sso.py - single sign-on links from an outside portal (GET /sso).

The domain's secret is generated through the domain administrators'
portal (POST /settings/sso), which shows it once; the links are signed
here with Python's hmac, independently of the C code, over the canonical
string "user|exp|nonce". A valid link logs in (a normal session, the
password login's cookie attributes) and lands on /mail; every refusal
(replay, expiry, expiry too far ahead, bad signature, unknown or disabled
user, domain without a secret, malformed link) is a 403 page that says
why, sets no session and leaves an audit_log row. The README's openssl
example computes the same signature.
"""

import hashlib
import hmac
import os
import re
import shutil
import subprocess
import time
import unittest
import urllib.parse
import uuid

import harness
from harness import element_text
from test_domainadmin import DomainAdminCase, lit


def sign(secret_hex, user, exp, nonce):
    msg = "%s|%s|%s" % (user, exp, nonce)
    return hmac.new(bytes.fromhex(secret_hex), msg.encode(), hashlib.sha256).hexdigest()


def link(secret_hex, addr, exp=None, nonce=None, sig=None, **override):
    """/sso?... for addr, signed with secret_hex unless sig is given;
    override replaces fields after signing."""
    exp = int(time.time()) + 30 if exp is None else exp
    nonce = nonce or uuid.uuid4().hex
    q = {"user": addr, "exp": str(exp), "nonce": nonce,
         "sig": sig or sign(secret_hex, addr, exp, nonce)}
    q.update(override)
    q = {k: v for k, v in q.items() if v is not None}
    return "/sso?" + urllib.parse.urlencode(q)


class SsoTest(DomainAdminCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.secrets = {}

    def sso_domain(self, with_secret=True):
        dom = self.domain("sso")
        if with_secret:
            c = self.admin(dom)
            r = self.post(c, "/settings/sso", {"d": dom, "op": "generate"}, status=200)
            secret = element_text(r.text, "sso-secret")
            self.assertRegex(secret, r"^[0-9a-f]{64}$")
            self.secrets[dom] = secret
        return dom

    def refused(self, path, reason, dom=None, user=None):
        before = int(self.val("SELECT count(*) FROM audit_log WHERE action = 'sso.refused'"))
        c = self.inst.client()
        r = c.get(path)
        self.assertEqual(r.status, 403, "%s: %r" % (path, r))
        self.assertEqual(re.search(r'id="sso-reason" data-reason="([a-z_]+)"', r.text).group(1),
                         reason)
        self.assertTrue(element_text(r.text, "sso-reason").strip())
        self.assertNotIn("mh_webmail", c.cookies)
        # the object (the link's user) may hold a '|': it comes last
        row = self.val("SELECT detail, coalesce(domain_id, 0), coalesce(client_ip, ''),"
                       " coalesce(object, '') FROM audit_log"
                       " WHERE action = 'sso.refused' ORDER BY id DESC LIMIT 1")
        self.assertEqual(int(self.val("SELECT count(*) FROM audit_log"
                                      " WHERE action = 'sso.refused'")), before + 1)
        detail, dom_id, ip, obj = row.split("|", 3)
        self.assertIn('"reason":"%s"' % reason, detail)
        self.assertEqual(ip, c.src)
        if user is not None:
            self.assertEqual(obj, user)
        if dom is not None:
            self.assertEqual(int(dom_id), self.domain_id(dom))
        return r

    def test_valid_link_logs_in_once(self):
        dom = self.sso_domain()
        user, password, uid = self.ctl_user(dom)
        secret = self.secrets[dom]
        path = link(secret, user)
        c = self.inst.client()
        r = c.get(path)
        self.assertEqual(r.status, 303, "%r\n%s" % (r, self.inst.log_tail("webmail.log", 10)))
        self.assertEqual(r.location_path, "/mail")
        value, attrs = r.set_cookies()["mh_webmail"]
        self.assertRegex(value, r"^[0-9a-f]{64}$")
        # the same attributes as the password login's cookie
        login = self.inst.client().login("", user, password)
        self.assertEqual(login.status, 303)
        self.assertEqual(sorted(attrs.items()),
                         sorted(login.set_cookies()["mh_webmail"][1].items()))
        r = c.get("/mail")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(element_text(r.text, "whoami"), user)
        self.assertEqual(self.val("SELECT count(*) FROM sso_nonces WHERE domain_id = %d"
                                  % self.domain_id(dom)), "1")
        rows = self.audit("action = 'sso.login' AND actor = %s" % lit(user))
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][4], str(self.domain_id(dom)))
        self.assertIsNotNone(self.val("SELECT last_login_at FROM users WHERE id = %d" % uid))
        # the secret reaches neither the audit log nor the logs
        self.assertEqual(self.val("SELECT count(*) FROM audit_log WHERE detail LIKE %s"
                                  % lit("%" + secret + "%")), "0")
        self.assertNotIn(secret, self.inst.log_tail("webmail.log", 300))
        # replayed: refused, and the first session is unaffected
        self.refused(path, "replayed", dom, user)
        self.assertEqual(c.get("/mail").status, 200)
        # a signature in capitals is the same signature
        nonce = uuid.uuid4().hex
        exp = int(time.time()) + 20
        r = self.inst.client().get(link(secret, user, exp, nonce,
                                        sig=sign(secret, user, exp, nonce).upper()))
        self.assertEqual(r.status, 303)

    def test_link_followed_from_another_site(self):
        dom = self.sso_domain()
        user, _, _ = self.ctl_user(dom)
        c = self.inst.client()
        r = c.get(link(self.secrets[dom], user), headers={"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 200, r)
        self.assertIn('http-equiv="refresh" content="0; url=/mail"', r.text)
        self.assertEqual(re.search(r'<a href="([^"]+)" id="continue"', r.text).group(1),
                         "/mail")
        self.assertIn("mh_webmail", c.cookies)
        self.assertEqual(element_text(c.get("/mail").text, "whoami"), user)

    def test_refusals(self):
        dom = self.sso_domain()
        secret = self.secrets[dom]
        user, _, uid = self.ctl_user(dom)
        now = int(time.time())
        nonces_before = self.val("SELECT count(*) FROM sso_nonces")
        self.refused(link(secret, user, exp=now - 5), "expired", dom, user)
        self.refused(link(secret, user, exp=now + 120), "too_far_ahead", dom, user)
        good = link(secret, user)
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(good).query)
        sig = q["sig"][0]
        flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
        self.refused(link(secret, user, exp=int(q["exp"][0]), nonce=q["nonce"][0],
                          sig=flipped), "bad_signature", dom, user)
        # signed with another domain's secret; or for another user
        other = self.sso_domain()
        self.refused(link(self.secrets[other], user), "bad_signature", dom, user)
        exp, nonce = now + 30, uuid.uuid4().hex
        self.refused(link(secret, user, exp, nonce,
                          sig=sign(secret, "x" + user, exp, nonce)), "bad_signature")
        self.refused(link(secret, user, exp=now + 30, nonce=nonce, sig=None, user=user.upper()),
                     "bad_signature")
        ghost = "ghost-%s@%s" % (uuid.uuid4().hex[:6], dom)
        self.refused(link(secret, ghost), "unknown_user", dom, ghost)
        self.inst.psql("UPDATE users SET status = 'disabled' WHERE id = %d" % uid)
        self.refused(link(secret, user), "disabled_user", dom, user)
        self.inst.psql("UPDATE users SET status = 'active' WHERE id = %d" % uid)
        self.inst.psql("UPDATE domains SET status = 'disabled' WHERE name = %s" % lit(dom))
        self.refused(link(secret, user), "disabled_user", dom, user)
        self.inst.psql("UPDATE domains SET status = 'active' WHERE name = %s" % lit(dom))
        # a domain without a secret, or no such domain
        plain = self.sso_domain(with_secret=False)
        puser, _, _ = self.ctl_user(plain)
        self.refused(link(secret, puser), "no_secret", plain, puser)
        self.refused(link(secret, "someone@nowhere-%s.test" % uuid.uuid4().hex[:6]),
                     "no_secret")
        # malformed links
        self.refused("/sso?" + urllib.parse.urlencode(
            {"user": user, "exp": str(now + 30), "nonce": uuid.uuid4().hex}), "malformed")
        self.refused("/sso", "malformed")
        for bad in (dict(nonce="short"), dict(nonce="x" * 129), dict(nonce="a b" * 8),
                    dict(exp="12a"), dict(exp="-5"), dict(exp="1" * 21),
                    dict(sig="zz" * 32), dict(sig="ab"), dict(user="no-at-sign"),
                    dict(user="a|b@" + dom)):
            self.refused(link(secret, user, **bad), "malformed")
        self.assertEqual(self.val("SELECT count(*) FROM sso_nonces"), nonces_before)
        # HEAD does not use up a link
        path = link(secret, user)
        self.assertEqual(self.inst.client().request("HEAD", path).status, 405)
        self.assertEqual(self.inst.client().get(path).status, 303)
        self.assertEqual(self.val("SELECT count(*) FROM web_sessions WHERE portal = 'webmail'"
                                  " AND principal_id = %d" % uid), "1")

    def test_secret_set_with_the_sso_secret_code_path_and_rotation(self):
        dom = self.sso_domain()
        user, _, _ = self.ctl_user(dom)
        old = self.secrets[dom]
        c = self.admin(dom)
        r = self.post(c, "/settings/sso", {"d": dom, "op": "rotate", "confirm": "1"}, status=200)
        new = element_text(r.text, "sso-secret")
        self.assertNotEqual(new, old)
        self.refused(link(old, user), "bad_signature", dom, user)
        self.assertEqual(self.inst.client().get(link(new, user)).status, 303)
        self.post(c, "/settings/sso", {"d": dom, "op": "remove", "confirm": "1"})
        self.refused(link(new, user), "no_secret", dom, user)

    def test_readme_example(self):
        """The README's openssl recipe gives the signature we check."""
        if shutil.which("openssl") is None:
            self.skipTest("no openssl")
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        m = re.search(r"```sh\n(SECRET=.*?)```", readme, re.S)
        self.assertIsNotNone(m, "no SSO example in README.md")
        script = m.group(1)
        dom = self.sso_domain()
        user, _, _ = self.ctl_user(dom)
        env = dict(os.environ, SECRET=self.secrets[dom], USER_ADDR=user,
                   BASE="http://127.0.0.1:%d" % self.inst.http_port)
        # the example's own values are replaced by ours
        script = re.sub(r"^SECRET=.*$", "", script, flags=re.M)
        script = re.sub(r"^USER_ADDR=.*$", "", script, flags=re.M)
        script = re.sub(r"^BASE=.*$", "", script, flags=re.M)
        out = subprocess.run(["sh", "-c", script + '\necho "$URL"'], env=env,
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        url = out.stdout.strip().splitlines()[-1]
        parts = urllib.parse.urlsplit(url)
        q = dict(urllib.parse.parse_qsl(parts.query))
        self.assertEqual(q["sig"], sign(self.secrets[dom], user, q["exp"], q["nonce"]))
        r = self.inst.client().get(parts.path + "?" + parts.query)
        self.assertEqual(r.status, 303, r)


if __name__ == "__main__":
    unittest.main()
