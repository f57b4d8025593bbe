"""test_domainadmin_settings.py - the domain settings page of the domain
administrators' portal: the page shows the stored values; each setting is
saved and takes effect (a new user's quota and language, the password
policy in the portal and in mailhivectl, the SMTP server's largest message
for the domain's recipients) while another domain is unaffected; bad values
give 422 with a message next to the field and write nothing; another
domain's settings can be neither read nor changed; POSTs need the CSRF
token; the SSO secret is shown once, stored sealed (opened here with the
key file, independently of the C code), rotated and removed, and never
reaches a GET page, the audit log or the logs.
"""

import hashlib
import hmac
import os
import re
import smtplib
import stat
import unittest
import uuid

import harness
from harness import element_text, find_form, parse_page
from test_domainadmin import B, MIB, DomainAdminCase, lit, message, uniq


# ==== an independent XSalsa20-Poly1305 (crypto_secretbox) opener ============

def _rotl(v, c):
    return ((v << c) & 0xffffffff) | (v >> (32 - c))


def _salsa_rounds(x):
    def qr(a, b, c, d):
        x[b] ^= _rotl((x[a] + x[d]) & 0xffffffff, 7)
        x[c] ^= _rotl((x[b] + x[a]) & 0xffffffff, 9)
        x[d] ^= _rotl((x[c] + x[b]) & 0xffffffff, 13)
        x[a] ^= _rotl((x[d] + x[c]) & 0xffffffff, 18)
    for _ in range(10):
        qr(0, 4, 8, 12), qr(5, 9, 13, 1), qr(10, 14, 2, 6), qr(15, 3, 7, 11)
        qr(0, 1, 2, 3), qr(5, 6, 7, 4), qr(10, 11, 8, 9), qr(15, 12, 13, 14)
    return x


def _words(b):
    return [int.from_bytes(b[i:i + 4], "little") for i in range(0, len(b), 4)]


def _state(key, middle):
    k, m = _words(key), _words(middle)
    return [0x61707865, k[0], k[1], k[2], k[3], 0x3320646e, m[0], m[1], m[2], m[3],
            0x79622d32, k[4], k[5], k[6], k[7], 0x6b206574]


def secretbox_open(box, key):
    """crypto_secretbox_open_easy of nonce (24) || mac (16) || cipher."""
    nonce, mac, cipher = box[:24], box[24:40], box[40:]
    z = _salsa_rounds(_state(key, nonce[:16]))
    subkey = b"".join(z[i].to_bytes(4, "little") for i in (0, 5, 10, 15, 6, 7, 8, 9))
    stream = b""
    for counter in range((32 + len(cipher) + 63) // 64):
        s = _state(subkey, nonce[16:24] + counter.to_bytes(8, "little"))
        x = _salsa_rounds(list(s))
        stream += b"".join(((x[i] + s[i]) & 0xffffffff).to_bytes(4, "little")
                           for i in range(16))
    polykey = stream[:32]
    r = int.from_bytes(polykey[:16], "little") & 0x0ffffffc0ffffffc0ffffffc0fffffff
    p, acc = (1 << 130) - 5, 0
    for i in range(0, len(cipher), 16):
        acc = (acc + int.from_bytes(cipher[i:i + 16] + b"\x01", "little")) * r % p
    tag = ((acc + int.from_bytes(polykey[16:], "little")) % (1 << 128)).to_bytes(16, "little")
    if not hmac.compare_digest(tag, mac):
        return None
    return bytes(c ^ s for c, s in zip(cipher, stream[32:]))


def kdf(master, subkey_id, context):
    """crypto_kdf_derive_from_key (BLAKE2b, 32 bytes)."""
    return hashlib.blake2b(b"", digest_size=32, key=master,
                           salt=subkey_id.to_bytes(8, "little") + bytes(8),
                           person=context + bytes(8)).digest()


# ==== the tests ===============================================================

def big_message(to, size, subject="Big"):
    line = b"x" * 76 + b"\r\n"
    head = message(subject, to)
    return head + line * ((size - len(head)) // len(line) + 1)


class SettingsCase(DomainAdminCase):

    def domain_row(self, name):
        return self.val("SELECT md5(d::text) FROM domains d WHERE name = %s" % lit(name))

    def settings(self, c, dom, **fields):
        """POST /settings with the current values of the form, changed by fields."""
        r = self.get(c, "/settings?d=" + dom)
        form = find_form(r.text, B + "/settings")
        f = {k: v for k, v in form["inputs"].items()
             if k not in ("_csrf", "pw_lower", "pw_upper", "pw_digit", "pw_symbol")}
        for a in form["input_attrs"]:
            if a.get("type") == "checkbox" and "checked" in a:
                f[a["name"]] = a.get("value", "1")
        m = re.search(r'<select name="language"[^>]*>(.*?)</select>', r.text, re.S)
        sel = re.search(r'<option value="([^"]*)" selected>', m.group(1))
        f["language"] = sel.group(1) if sel else ""
        m = re.search(r'<select name="skin"[^>]*>(.*?)</select>', r.text, re.S)
        sel = re.search(r'<option value="([^"]*)" selected>', m.group(1))
        f["skin"] = sel.group(1) if sel else ""
        for k, v in fields.items():
            if v is None:
                f.pop(k, None)
            else:
                f[k] = v
        return self.post(c, "/settings", f)

    def assertFieldError(self, r, field, text=None):
        self.assertEqual(r.status, 422, r)
        err = element_text(r.text, "err-" + field)
        self.assertIsNotNone(err, "no message next to %s: %r" % (field, r))
        if text:
            self.assertIn(text, " ".join(err.split()))


class SettingsPageTest(SettingsCase):

    def test_page_shows_the_stored_values(self):
        dom = self.domain("show")
        self.inst.psql("UPDATE domains SET default_language = 'zh_CN', spam_level = 7,"
                       " default_quota_bytes = %d, max_message_bytes = %d,"
                       " password_policy = '{\"min_length\": 12, \"require_digit\": true}'"
                       " WHERE name = %s" % (20 * MIB, 3 * MIB, lit(dom)))
        c = self.admin(dom)
        r = self.get(c, "/settings?d=" + dom)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        form = find_form(r.text, B + "/settings")
        inputs = form["inputs"]
        self.assertEqual(inputs["d"], dom)
        self.assertEqual((inputs["spam_level"], inputs["quota"], inputs["max_size"],
                          inputs["pw_min"]), ("7", "20", "3", "12"))
        checked = {a["name"] for a in form["input_attrs"] if "checked" in a}
        self.assertEqual(checked, {"pw_digit"})
        self.assertIn('<option value="zh_CN" selected>', r.text)
        self.assertIn('<option value="en_US">', r.text)
        self.assertIn('<option value="default">', r.text)
        self.assertIn("简体中文", r.text)
        status = [a for t, a in parse_page(r.text).tags if a.get("id") == "sso-status"]
        self.assertEqual(status[0]["data-set"], "0")
        # the navigation leads here, in both languages; a GET without d
        # serves the only domain
        self.assertIn('href="%s/settings"' % B, r.text)
        r = self.get(c, "/settings", headers={"Accept-Language": "zh-CN"})
        self.assertIn("域设置", r.text)
        self.assertIn("退出", r.text)
        self.assertNotIn("style=", r.text)


class SettingsEffectTest(SettingsCase):

    def test_defaults_for_new_users(self):
        dom, other = self.domain("dflt"), self.domain("dfltother")
        c = self.admin(dom)
        r = self.settings(c, dom, language="zh_CN", skin="default", spam_level="3",
                          quota="25")
        self.assertRedirect(r, "/settings")
        self.assertIn("done=saved", r.header("Location"))
        self.assertEqual(self.rows("SELECT default_language, default_skin, spam_level,"
                                   " default_quota_bytes FROM domains WHERE name = %s"
                                   % lit(dom)),
                         [["zh_CN", "default", "3", str(25 * MIB)]])
        r = self.get(c, "/settings?d=%s&done=saved" % dom)
        self.assertIsNotNone(element_text(r.text, "notice"))
        rows = self.audit("action = 'domain.settings' AND object = %s" % lit(dom))
        self.assertEqual(len(rows), 1)
        detail = rows[0][5]
        self.assertIn('"default_language":["","zh_CN"]', detail)
        self.assertIn('"spam_level":[5,3]', detail)
        self.assertIn('"default_quota_bytes":[0,%d]' % (25 * MIB), detail)
        self.assertEqual(rows[0][4], str(self.domain_id(dom)))
        # saving the same again records nothing
        self.settings(c, dom)
        self.assertEqual(len(self.audit("action = 'domain.settings' AND object = %s"
                                        % lit(dom))), 1)
        # a user added without a quota gets the domain's; it speaks Chinese
        password = "Portal-pass-" + uuid.uuid4().hex[:8]
        uid = self.add_user(c, dom, "newbie", password=password, quota="")
        r = self.get(c, "/users/edit?d=%s&id=%d" % (dom, uid))
        self.assertEqual(element_text(r.text, "user-quota"), "25 MB")
        w = self.inst.client()
        self.assertEqual(w.login("", "newbie@" + dom, password).status, 303)
        r = w.get("/mail")
        self.assertEqual(r.status, 200, r)
        self.assertIn('<html lang="zh-CN">', r.text)
        # its own quota still wins; another domain is untouched
        uid2 = self.add_user(c, dom, "own", quota="5")
        r = self.get(c, "/users/edit?d=%s&id=%d" % (dom, uid2))
        self.assertEqual(element_text(r.text, "user-quota"), "5 MB")
        self.assertEqual(self.rows("SELECT default_language, spam_level, default_quota_bytes"
                                   " FROM domains WHERE name = %s" % lit(other)),
                         [["", "5", "0"]])
        oc = self.admin(other)
        opw = "Other-pass-" + uuid.uuid4().hex[:8]
        self.add_user(oc, other, "plain", password=opw)
        w = self.inst.client()
        self.assertEqual(w.login("", "plain@" + other, opw).status, 303)
        self.assertIn('<html lang="en">', w.get("/mail").text)

    def test_password_policy_everywhere(self):
        dom, other = self.domain("pwp"), self.domain("pwpother")
        c = self.admin(dom)
        r = self.settings(c, dom, pw_min="12", pw_upper="1", pw_digit="1", pw_symbol="1")
        self.assertRedirect(r, "/settings")
        self.assertEqual(self.val("SELECT password_policy::text FROM domains WHERE name = %s"
                                  % lit(dom)),
                         '{"min_length": 12, "require_digit": true, "require_upper": true,'
                         ' "require_symbol": true}')
        rows = self.audit("action = 'domain.settings' AND object = %s" % lit(dom))
        self.assertIn('"password_policy":[{},{"min_length":12,"require_upper":true,'
                      '"require_digit":true,"require_symbol":true}]', rows[-1][5])
        # adding a user
        r = self.get(c, "/users/new?d=" + dom)
        hint = element_text(r.text, "password-hint")
        self.assertIn("12", hint)
        self.assertIn("upper-case letter", hint)
        before = self.counts()
        for pw, text in (("Short-1", "at least 12 characters"),
                         ("no-upper-case-1", "upper-case letter"),
                         ("No-Digits-Here", "digit"),
                         ("NoSymbolsHere12", "other than a–z")):
            with self.subTest(pw=pw):
                r = self.post(c, "/users/new", {"d": dom, "local": "weak", "password": pw})
                self.assertFormError(r, text)
        self.assertEqual(self.counts(), before)
        uid = self.add_user(c, dom, "strong", password="Strong-pass-12")
        # a generated one meets the policy
        r = self.post(c, "/users/new", {"d": dom, "local": "gen", "generate": "1"}, status=200)
        gen = element_text(r.text, "generated-password")
        self.assertGreaterEqual(len(gen), 16)
        self.assertRegex(gen, r"[A-Z]")
        self.assertRegex(gen, r"[0-9]")
        self.assertRegex(gen, r"[^A-Za-z0-9]")
        # resetting a password
        hash_before = self.user_row("strong@" + dom)["hash"]
        r = self.post(c, "/users/password", {"d": dom, "id": uid, "password": "weak-password"})
        self.assertFormError(r, "upper-case letter")
        self.assertEqual(self.user_row("strong@" + dom)["hash"], hash_before)
        self.post(c, "/users/password", {"d": dom, "id": uid, "password": "Better-pass-34"},
                  status=303)
        r = self.post(c, "/users/password", {"d": dom, "id": uid, "generate": "1"}, status=200)
        self.assertRegex(element_text(r.text, "generated-password"), r"[^A-Za-z0-9]")
        # mailhivectl holds users to the same policy
        addr = "cli-%s@%s" % (uuid.uuid4().hex[:6], dom)
        r = self.inst.ctl("user", "add", addr, password="lowercase-only-1")
        self.assertNotEqual(r.rc, 0, r)
        self.assertIn("password policy", r.err)
        self.assertIsNone(self.user_id(addr))
        self.assertEqual(self.inst.ctl("user", "add", addr, password="Cli-Strong-pass-1").rc, 0)
        r = self.inst.ctl("user", "passwd", addr, password="Short-1!")
        self.assertNotEqual(r.rc, 0, r)
        self.assertIn("at least 12 characters", r.err)
        self.assertEqual(self.inst.ctl("user", "passwd", addr, password="Cli-Other-pass-2").rc, 0)
        # another domain keeps the system minimum only
        oc = self.admin(other)
        self.add_user(oc, other, "easy", password="alllowercase")
        self.assertEqual(self.inst.ctl("user", "add", "cli@" + other,
                                       password="alllowercase").rc, 0)
        # the policy can be relaxed again
        self.settings(c, dom, pw_min="", pw_upper=None, pw_digit=None, pw_symbol=None)
        self.assertEqual(self.val("SELECT password_policy::text FROM domains WHERE name = %s"
                                  % lit(dom)), "{}")
        self.add_user(c, dom, "relaxed", password="alllowercase")

    def smtp_send(self, to, msg, declare_size):
        """(code of RCPT, code of the end of DATA or None)."""
        with smtplib.SMTP("127.0.0.1", self.inst.smtp_port, timeout=60) as s:
            s.ehlo()
            opts = ["SIZE=%d" % len(msg)] if declare_size else []
            code, _ = s.mail("sender@outside.test", opts)
            self.assertEqual(code, 250)
            rcpt = []
            for t in to:
                rcpt.append(s.rcpt(t)[0])
            if 250 not in rcpt:
                return rcpt, None
            code, resp = s.docmd("DATA")
            self.assertEqual(code, 354)
            s.send(msg.replace(b"\r\n.", b"\r\n..") + b"\r\n.\r\n")
            code, resp = s.getreply()
            return rcpt, (code, resp.decode())

    def inbox_subjects(self, user_id):
        return self.inst.psql("SELECT m.subject FROM messages m JOIN mailboxes b ON"
                              " b.id = m.mailbox_id WHERE b.user_id = %d AND b.name ="
                              " 'INBOX'" % user_id).splitlines()

    def test_max_message_size_enforced_by_smtp(self):
        dom, other = self.domain("size"), self.domain("sizeother")
        c = self.admin(dom)
        self.assertRedirect(self.settings(c, dom, max_size="1"), "/settings")
        self.assertEqual(self.val("SELECT max_message_bytes FROM domains WHERE name = %s"
                                  % lit(dom)), str(MIB))
        mine = self.add_user(c, dom, "rcpt")
        _, _, theirs = self.ctl_user(other, "rcpt")
        big = big_message("rcpt@" + dom, MIB + 200 * 1024, "Too big " + uniq("s"))
        small = message("Small " + uniq("s"), "rcpt@" + dom)
        # EHLO still announces the system's limit
        with smtplib.SMTP("127.0.0.1", self.inst.smtp_port, timeout=30) as s:
            s.ehlo()
            system = int(s.esmtp_features["size"])
        self.assertGreater(system, 2 * MIB)
        # declared: refused at RCPT
        rcpt, data = self.smtp_send(["rcpt@" + dom], big, True)
        self.assertEqual((rcpt, data), ([552], None))
        # not declared: refused at the end of DATA
        rcpt, data = self.smtp_send(["rcpt@" + dom], big, False)
        self.assertEqual(rcpt, [250])
        self.assertEqual(data[0], 552, data)
        self.assertIn("5.3.4", data[1])
        # one recipient over its domain's limit refuses the message for all
        rcpt, data = self.smtp_send(["rcpt@" + other, "rcpt@" + dom], big, False)
        self.assertEqual((rcpt, data[0]), ([250, 250], 552))
        # declared: only that recipient is refused
        rcpt, data = self.smtp_send(["rcpt@" + other, "rcpt@" + dom], big, True)
        self.assertEqual(rcpt, [250, 552])
        self.assertEqual(data[0], 250, data)
        self.assertEqual(self.inbox_subjects(mine), [])
        self.assertEqual(len(self.inbox_subjects(theirs)), 1)
        # a smaller message is accepted; the other domain takes the big one
        rcpt, data = self.smtp_send(["rcpt@" + dom], small, True)
        self.assertEqual((rcpt, data[0]), ([250], 250))
        rcpt, data = self.smtp_send(["rcpt@" + other], big, False)
        self.assertEqual((rcpt, data[0]), ([250], 250))
        self.assertEqual(len(self.inbox_subjects(mine)), 1)
        self.assertEqual(len(self.inbox_subjects(theirs)), 2)
        # an alias of the domain is held to the same limit
        self.post(c, "/aliases/new", {"d": dom, "kind": "alias", "id": mine, "local": "al"},
                  status=303)
        rcpt, _ = self.smtp_send(["al@" + dom], big, True)
        self.assertEqual(rcpt, [552])
        # the package's limit applies when it is smaller
        self.set_package(dom, self.package(max_message_bytes=512 * 1024))
        mid = big_message("rcpt@" + dom, 700 * 1024)
        rcpt, _ = self.smtp_send(["rcpt@" + dom], mid, True)
        self.assertEqual(rcpt, [552])
        # no limit of its own: the system's
        self.set_package(dom, self.package())
        self.assertRedirect(self.settings(c, dom, max_size=""), "/settings")
        rcpt, data = self.smtp_send(["rcpt@" + dom], big, False)
        self.assertEqual((rcpt, data[0]), ([250], 250))


class SettingsRefusalTest(SettingsCase):

    def test_bad_values_422_nothing_written(self):
        dom = self.domain("bad")
        self.set_package(dom, self.package(max_user_quota_bytes=100 * MIB,
                                           max_message_bytes=10 * MIB))
        c = self.admin(dom)
        before = self.domain_row(dom)
        audits = len(self.audit("domain_id = %d" % self.domain_id(dom)))
        for field, value, text in (
                ("language", "xx_XX", "installed languages"),
                ("language", "../en_US", "installed languages"),
                ("language", "en_US.hdf", "installed languages"),
                ("skin", "nope", "installed skins"),
                ("skin", "..", "installed skins"),
                ("spam_level", "11", "0 to 10"),
                ("spam_level", "-1", "0 to 10"),
                ("spam_level", "x", "0 to 10"),
                ("spam_level", "", "0 to 10"),
                ("quota", "abc", "megabytes"),
                ("quota", "-5", "megabytes"),
                ("quota", "101", "at most 100 MB"),
                ("max_size", "1.5", "megabytes"),
                ("max_size", "11", "at most 10 MB"),
                ("pw_min", "5", "from 10"),
                ("pw_min", "129", "128"),
                ("pw_min", "ten", "from 10")):
            with self.subTest(field=field, value=value):
                r = self.settings(c, dom, **{field: value})
                self.assertFieldError(r, field, text)
                self.assertIsNotNone(element_text(r.text, "form-error"))
                # what was typed stays in the form
                if field not in ("language", "skin"):
                    self.assertEqual(find_form(r.text, B + "/settings")["inputs"][field], value)
        # several at once: a message next to each, nothing written
        r = self.settings(c, dom, spam_level="99", quota="x", pw_min="1", language="klingon")
        for field in ("spam_level", "quota", "pw_min", "language"):
            self.assertFieldError(r, field)
        self.assertIsNone(element_text(r.text, "err-max_size"))
        self.assertEqual(self.domain_row(dom), before)
        self.assertEqual(len(self.audit("domain_id = %d" % self.domain_id(dom))), audits)
        # within the limits it is saved
        self.assertRedirect(self.settings(c, dom, quota="100", max_size="10"), "/settings")

    def test_default_quota_within_the_package_total(self):
        dom = self.domain("tot")
        for _ in range(3):
            self.ctl_user(dom)
        self.set_package(dom, self.package(max_quota_bytes=100 * MIB))
        c = self.admin(dom)
        before = self.domain_row(dom)
        r = self.settings(c, dom, quota="40")
        self.assertFieldError(r, "quota", "120 MB")
        self.assertEqual(self.domain_row(dom), before)
        self.assertEqual(self.audit("action = 'domain.settings' AND object = %s" % lit(dom)), [])
        self.assertRedirect(self.settings(c, dom, quota="30"), "/settings")
        self.assertEqual(self.val("SELECT default_quota_bytes FROM domains WHERE name = %s"
                                  % lit(dom)), str(30 * MIB))

    def test_other_domain_cannot_be_read_or_changed(self):
        mine, theirs = self.domain("mine"), self.domain("theirs")
        c = self.admin(mine)
        before = self.domain_row(theirs)
        denied = "action = 'denied' AND actor = %s" % lit(c.login_name)
        for method, path, fields in (
                ("GET", "/settings?d=" + theirs, None),
                ("POST", "/settings", {"d": theirs, "language": "", "skin": "",
                                       "spam_level": "9", "quota": "", "max_size": "1"}),
                ("POST", "/settings/sso", {"d": theirs, "op": "generate"}),
                ("POST", "/settings/sso", {"d": theirs, "op": "remove", "confirm": "1"})):
            with self.subTest(method=method, path=path):
                n = len(self.audit(denied))
                r = c.get(B + path) if method == "GET" else self.post(c, path, fields)
                self.assertEqual(r.status, 404, r)
                rows = self.audit(denied)
                self.assertEqual(len(rows), n + 1)
                self.assertEqual(rows[-1][1], "domain:" + theirs)
        self.assertEqual(self.domain_row(theirs), before)
        # extra fields do not name another domain
        r = self.settings(c, mine, domain_id=str(self.domain_id(theirs)), id="1",
                          spam_level="8")
        self.assertRedirect(r, "/settings")
        self.assertEqual(self.domain_row(theirs), before)
        self.assertEqual(self.val("SELECT spam_level FROM domains WHERE name = %s" % lit(mine)),
                         "8")

    def test_post_without_csrf_is_refused(self):
        dom = self.domain("csrf")
        c = self.admin(dom)
        before = self.domain_row(dom)
        for path, fields in (("/settings", {"d": dom, "language": "", "skin": "",
                                            "spam_level": "9", "quota": "", "max_size": ""}),
                             ("/settings/sso", {"d": dom, "op": "generate"})):
            with self.subTest(path=path):
                self.assertEqual(self.post(c, path, fields, csrf=False).status, 403)
                self.assertEqual(c.post(B + path, dict(fields, _csrf="0" * 64)).status, 403)
                r = c.post(B + path, dict(fields, _csrf=c.csrf),
                           headers={"Sec-Fetch-Site": "cross-site"})
                self.assertEqual(r.status, 403)
        self.assertEqual(c.get(B + "/settings/sso?d=%s&op=generate" % dom).status, 405)
        self.assertEqual(self.domain_row(dom), before)


class SsoSecretTest(SettingsCase):

    def box(self, dom):
        return self.val("SELECT coalesce(encode(sso_secret_box, 'hex'), '') FROM domains"
                        " WHERE name = %s" % lit(dom))

    def open_box(self, dom):
        """The secret in the domain's box, opened with the key file."""
        with open(os.path.join(self.inst.var, "secrets/secret-key")) as f:
            master = bytes.fromhex(f.read().strip())
        key = kdf(master, self.domain_id(dom), b"mhssobox")
        return secretbox_open(bytes.fromhex(self.box(dom)), key)

    def test_secret_shown_once_sealed_rotated_removed(self):
        dom, other = self.domain("sso"), self.domain("ssoother")
        c = self.admin(dom)
        r = self.get(c, "/settings?d=" + dom)
        self.assertIsNotNone(find_form(r.text, B + "/settings/sso"))
        self.assertEqual(self.box(dom), "")
        r = self.post(c, "/settings/sso", {"d": dom, "op": "generate"}, status=200)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        secret = element_text(r.text, "sso-secret")
        self.assertRegex(secret, r"^[0-9a-f]{64}$")
        # sealed: 72 bytes that are not the secret, and they open to it
        box = self.box(dom)
        self.assertEqual(len(box), 144)
        self.assertNotIn(secret, box)
        self.assertEqual(self.val(
            "SELECT count(*) FROM domains d WHERE position(%s in d::text) > 0"
            " OR position(decode(%s, 'hex') in coalesce(d.sso_secret_box, ''::bytea)) > 0"
            % (lit(secret), lit(secret))), "0")
        self.assertEqual(self.open_box(dom), bytes.fromhex(secret))
        # the box is bound to its domain: another domain's key does not open it
        with open(os.path.join(self.inst.var, "secrets/secret-key")) as f:
            master = bytes.fromhex(f.read().strip())
        self.assertIsNone(secretbox_open(bytes.fromhex(box),
                                         kdf(master, self.domain_id(other), b"mhssobox")))
        st = os.stat(os.path.join(self.inst.var, "secrets/secret-key"))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        # later pages show only that it is set
        r = self.get(c, "/settings?d=" + dom)
        self.assertNotIn(secret, r.text)
        status = [a for t, a in parse_page(r.text).tags if a.get("id") == "sso-status"]
        self.assertEqual(status[0]["data-set"], "1")
        self.assertRegex(element_text(r.text, "sso-status"), r"\d{4}-\d\d-\d\d \d\d:\d\d")
        self.assertIsNotNone(find_form(r.text, B + "/settings/sso"))
        # replacing needs a confirmation; generating over it is replacing
        for op in ("rotate", "generate"):
            r = self.post(c, "/settings/sso", {"d": dom, "op": op})
            self.assertEqual(r.status, 422, r)
            self.assertIsNotNone(element_text(r.text, "err-sso"))
            self.assertNotIn(secret, r.text)
            self.assertEqual(self.box(dom), box)
        r = self.post(c, "/settings/sso", {"d": dom, "op": "rotate", "confirm": "1"},
                      status=200)
        secret2 = element_text(r.text, "sso-secret")
        self.assertRegex(secret2, r"^[0-9a-f]{64}$")
        self.assertNotEqual(secret2, secret)
        self.assertNotEqual(self.box(dom), box)
        self.assertEqual(self.open_box(dom), bytes.fromhex(secret2))
        # removing needs a confirmation too, then SSO is off
        r = self.post(c, "/settings/sso", {"d": dom, "op": "remove"})
        self.assertEqual(r.status, 422, r)
        self.assertNotEqual(self.box(dom), "")
        r = self.post(c, "/settings/sso", {"d": dom, "op": "remove", "confirm": "1"})
        self.assertRedirect(r, "/settings")
        self.assertEqual(self.box(dom), "")
        self.assertEqual(self.val("SELECT sso_secret_set_at IS NULL FROM domains WHERE"
                                  " name = %s" % lit(dom)), "t")
        r = self.get(c, "/settings?d=%s&done=sso_removed" % dom)
        self.assertIsNotNone(element_text(r.text, "notice"))
        # another domain is untouched
        self.assertEqual(self.box(other), "")
        # the audit rows say what happened, never the secret
        rows = self.audit("domain_id = %d AND action LIKE 'domain.sso%%'" % self.domain_id(dom))
        self.assertEqual([r[0] for r in rows], ["domain.sso_generate", "domain.sso_rotate",
                                                "domain.sso_remove"])
        everything = self.inst.psql("SELECT a::text FROM audit_log a")
        for s in (secret, secret2):
            self.assertNotIn(s, everything)
            for log in ("domainadmin.log", "mailhived.log"):
                self.assertNotIn(s, self.inst.log_tail(log, 100000))
        # an unknown operation is a bad request
        self.assertEqual(self.post(c, "/settings/sso", {"d": dom, "op": "show"}).status, 400)


if __name__ == "__main__":
    unittest.main()
