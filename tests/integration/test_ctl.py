"""test_ctl.py - mailhivectl against the test instance's database.

Command forms used here:
  mailhivectl -c CONF migrate | check | config
  mailhivectl -c CONF domain add NAME | domain list | domain del NAME
  mailhivectl -c CONF user add ADDRESS --password-file FILE
  mailhivectl -c CONF user list DOMAIN | user passwd ADDRESS --password-file FILE
  mailhivectl -c CONF user del ADDRESS
  mailhivectl -c CONF domainadmin add LOGIN DOMAIN --password-file FILE
  mailhivectl -c CONF superadmin add LOGIN --password-file FILE
Failures exit 1 with one line on stderr (usage errors exit 2).
"""

import os
import re
import unittest

import harness

CONFIG_KEYS = [
    "general.var_dir", "general.log_level", "general.hostname",
    "database.conninfo", "database.embedded_port", "database.embedded_user",
    "http.listen", "http.public_url", "http.tls", "http.max_body", "http.max_parts",
    "http.workers", "http.templates_dir", "http.static_dir",
    "session.user_idle", "session.user_absolute", "session.admin_idle",
    "session.admin_absolute", "login.max_failures", "login.max_failures_ip", "login.window",
    "password.argon2_opslimit", "password.argon2_memlimit",
    "smtp.listen", "smtp.submission_listen", "smtp.smtps_listen", "smtp.workers",
    "smtp.max_connections", "smtp.max_connections_per_ip", "smtp.max_message_size",
    "smtp.max_recipients", "smtp.max_received", "smtp.command_timeout",
    "smtp.data_timeout", "smtp.max_auth_failures", "smtp.auth_plaintext_loopback",
    "imap.listen", "imap.imaps_listen", "imap.workers", "imap.max_connections",
    "imap.max_connections_per_ip", "imap.max_connections_per_user", "imap.max_line",
    "imap.append_limit", "imap.login_timeout", "imap.idle_timeout",
    "imap.auth_plaintext_loopback", "imap.service_login", "imap.service_secret_file",
    "pop3.listen", "pop3.pop3s_listen", "pop3.workers", "pop3.max_connections",
    "pop3.login_timeout", "pop3.idle_timeout",
    "queue.resolver", "queue.remote_port", "queue.retry_base", "queue.retry_max",
    "queue.delay_warning", "queue.expire", "queue.timeout",
    "tls.cert_file", "tls.key_file", "store.blob_dir", "store.gc_grace",
    "jobs.interval",
]


def nonblank_lines(text):
    return [line for line in text.splitlines() if line.strip()]


def listed(output, name):
    """True when NAME appears as a whole word on some line of OUTPUT."""
    for line in output.splitlines():
        if name in re.split(r"[\s,;|]+", line.strip()):
            return True
    return False


class CtlTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    def ctl(self, *args, **kw):
        return self.inst.ctl(*args, **kw)

    def assertOk(self, r):
        self.assertEqual(r.rc, 0, r)

    def assertFails(self, r, text=None):
        self.assertEqual(r.rc, 1, r)
        if text is not None:
            self.assertIn(text, r.output.lower(), r)

    def row_text(self, table, needle):
        """The text form of the rows of TABLE that mention NEEDLE."""
        return self.inst.psql(
            "SELECT t::text FROM public.%s t WHERE position(%s in t::text) > 0 ORDER BY 1"
            % (harness.sql_ident(table), harness.sql_literal(needle)))

    # ---- migrate, check, config ---------------------------------------

    def test_migrate_is_idempotent(self):
        r = self.ctl("migrate")
        self.assertOk(r)
        self.assertIn("up to date", r.output.lower(), r)
        before = self.inst.table_counts(exclude=())
        r = self.ctl("migrate")
        self.assertOk(r)
        self.assertIn("up to date", r.output.lower(), r)
        self.assertEqual(self.inst.table_counts(exclude=()), before)

    def test_check_ok(self):
        r = self.ctl("check")
        self.assertOk(r)
        self.assertIn("ok", r.output.lower(), r)

    def test_check_bad_conninfo(self):
        bad = os.path.join(self.inst.dir, "bad-conninfo.conf")
        with open(bad, "w") as f:
            f.write("[general]\nvar_dir = %s\n[database]\n"
                    "conninfo = \"host=/nonexistent-mailhive-socket-dir port=1 "
                    "dbname=nothing connect_timeout=3\"\n" % self.inst.var)
        r = self.ctl("check", conf=bad)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(len(nonblank_lines(r.output)), 1, r)

    def test_config_prints_every_key(self):
        r = self.ctl("config")
        self.assertOk(r)
        values = {}
        for line in nonblank_lines(r.out):
            self.assertIn("=", line, r)
            k, _, v = line.partition("=")
            values[k] = v
        for k in CONFIG_KEYS + ["derived.run_dir", "derived.log_dir",
                                "derived.sql_dir", "derived.db_conninfo"]:
            self.assertIn(k, values, r)
        self.assertEqual(values["general.var_dir"], self.inst.var)
        self.assertEqual(values["http.listen"], "127.0.0.1:%d" % self.inst.http_port)
        self.assertEqual(values["database.embedded_port"], str(self.inst.pg_port))
        self.assertEqual(values["http.max_body"], str(1024 * 1024))
        self.assertEqual(values["derived.run_dir"], self.inst.var + "/run")
        self.assertEqual(values["derived.log_dir"], self.inst.var + "/log")
        self.assertTrue(os.path.isdir(values["derived.sql_dir"]), values["derived.sql_dir"])

    def test_example_config_documents_every_key(self):
        r = self.ctl("config")
        self.assertOk(r)
        keys = [line.partition("=")[0] for line in nonblank_lines(r.out)
                if not line.startswith("derived.")]
        self.assertEqual(sorted(keys), sorted(CONFIG_KEYS))
        section = None
        documented = set()
        with open(os.path.join(harness.ROOT, "mailhive.conf.example")) as f:
            for line in f:
                m = re.match(r"\s*\[(\w+)\]\s*$", line)
                if m:
                    section = m.group(1)
                    continue
                m = re.match(r"\s*#?\s*(\w+) =", line)
                if m and section:
                    documented.add("%s.%s" % (section, m.group(1)))
        self.assertEqual(sorted(documented), sorted(keys))

    # ---- domains ------------------------------------------------------

    def test_domain_add_list_del(self):
        name = "ctl-domain.test"
        self.assertOk(self.ctl("domain", "add", name))
        r = self.ctl("domain", "list")
        self.assertOk(r)
        self.assertTrue(listed(r.out, name), r)
        self.assertTrue(listed(r.out, "example.test"), r)

        self.assertFails(self.ctl("domain", "add", name), "already exists")

        self.assertOk(self.ctl("user", "add", "someone@" + name, password="Pw-for-someone-1"))
        r = self.ctl("domain", "del", name)
        self.assertNotEqual(r.rc, 0, r)
        self.assertTrue(listed(self.ctl("domain", "list").out, name))

        self.assertOk(self.ctl("user", "del", "someone@" + name))
        self.assertOk(self.ctl("domain", "del", name))
        r = self.ctl("domain", "list")
        self.assertOk(r)
        self.assertFalse(listed(r.out, name), r)

    def test_domain_bad_names(self):
        before = self.inst.table_counts()
        for name in ["", "no spaces.test", "x'); DROP TABLE domains;--",
                     "-leading-dash.test", "a..b.test"]:
            with self.subTest(name=name):
                self.assertFails(self.ctl("domain", "add", name))
        self.assertTrue(self.inst.table_exists("domains"))
        self.assertEqual(self.inst.table_counts(), before)

    # ---- users --------------------------------------------------------

    def test_user_add_list_passwd_del(self):
        addr = "carol-ctl@example.test"
        self.assertOk(self.ctl("user", "add", addr, password="First-password-1"))
        r = self.ctl("user", "list", "example.test")
        self.assertOk(r)
        self.assertTrue(listed(r.out, addr), r)
        self.assertTrue(listed(r.out, "alice@example.test"), r)

        self.assertFails(self.ctl("user", "add", addr, password="Other-password-2"),
                         "already exists")

        row1 = self.row_text("users", "carol-ctl")
        self.assertIn("$argon2id$", row1)
        self.assertNotIn("First-password-1", row1)
        self.assertOk(self.ctl("user", "passwd", addr, password="Second-password-2"))
        row2 = self.row_text("users", "carol-ctl")
        self.assertIn("$argon2id$", row2)
        phc = re.compile(r"\$argon2id\$[A-Za-z0-9+/=,$.-]+")
        self.assertNotEqual(phc.findall(row1), phc.findall(row2))
        self.assertNotIn("Second-password-2", row2)

        self.assertOk(self.ctl("user", "del", addr))
        r = self.ctl("user", "list", "example.test")
        self.assertOk(r)
        self.assertFalse(listed(r.out, addr), r)
        self.assertFails(self.ctl("user", "del", addr))

    def test_user_bad_address(self):
        before = self.inst.table_counts()
        for addr in ["not-an-address", "@example.test", "nobody@", "two@@example.test",
                     "sp ace@example.test", "x'; DROP TABLE users;--@example.test",
                     "a\"b@example.test", ""]:
            with self.subTest(addr=addr):
                self.assertFails(self.ctl("user", "add", addr, password="Pw-bad-address-1"))
        self.assertTrue(self.inst.table_exists("users"))
        self.assertEqual(self.inst.table_counts(), before)

    def test_user_unknown_domain(self):
        before = self.inst.table_counts()
        self.assertFails(self.ctl("user", "add", "dave@no-such-domain.test",
                                  password="Pw-unknown-domain-1"))
        self.assertEqual(self.inst.table_counts(), before)

    def test_user_password_file_missing(self):
        before = self.inst.table_counts()
        r = self.ctl("user", "add", "erin-ctl@example.test",
                     password_file=os.path.join(self.inst.dir, "no-such-file"))
        self.assertFails(r)
        self.assertEqual(self.inst.table_counts(), before)

    def test_apostrophe_address(self):
        # o'brien is a valid local part (RFC 5322 atext); either it is
        # accepted and stored as given, or refused with nothing written.
        addr = "o'brien@example.test"
        before = self.inst.table_counts()
        r = self.ctl("user", "add", addr, password="Pw-obrien-1")
        self.assertIn(r.rc, (0, 1), r)
        if r.rc == 0:
            self.assertTrue(listed(self.ctl("user", "list", "example.test").out, addr))
            self.assertOk(self.ctl("user", "del", addr))
        self.assertEqual(self.inst.table_counts(), before)

    def test_sql_metacharacters(self):
        before = self.inst.table_counts()
        self.assertFails(self.ctl("user", "add", "x'; DROP TABLE users;--@example.test",
                                  password="Pw-sql-1"))
        self.assertFails(self.ctl("user", "del", "alice@example.test' OR '1'='1"))
        self.assertFails(self.ctl("domain", "del", "example.test' OR '1'='1"))
        self.assertTrue(self.inst.table_exists("users"))
        self.assertTrue(self.inst.table_exists("domains"))
        self.assertEqual(self.inst.table_counts(), before)
        self.assertTrue(listed(self.ctl("user", "list", "example.test").out,
                               "alice@example.test"))

    def test_failed_commands_leave_nothing_behind(self):
        before = self.inst.table_counts()
        failing = [
            ("domain", "add", "example.test"),                  # duplicate
            ("domain", "del", "example.test"),                  # has users
            ("domain", "del", "no-such-domain.test"),
            ("user", "add", "alice@example.test"),              # duplicate
            ("user", "add", "frank@no-such-domain.test"),
            ("user", "del", "nobody-here@example.test"),
            ("domainadmin", "add", "pm@no-such-domain.test", "no-such-domain.test"),
            ("superadmin", "add", "admin"),                     # duplicate
        ]
        for args in failing:
            with self.subTest(args=args):
                pw = "Pw-fail-1" if args[1] == "add" and args[0] != "domain" else None
                self.assertFails(self.ctl(*args, password=pw))
        self.assertEqual(self.inst.table_counts(), before)

    # ---- admins -------------------------------------------------------

    def test_domainadmin_add(self):
        self.assertOk(self.ctl("domainadmin", "add", "pm-ctl@example.test",
                               "example.test", password="Pw-domainadmin-1"))
        self.assertFails(self.ctl("domainadmin", "add", "pm-ctl@example.test",
                                  "example.test", password="Pw-domainadmin-2"),
                         "already exists")
        self.assertFails(self.ctl("domainadmin", "add", "pm2-ctl@no-such-domain.test",
                                  "no-such-domain.test", password="Pw-domainadmin-3"))

    def test_superadmin_add(self):
        self.assertOk(self.ctl("superadmin", "add", "root-ctl", password="Pw-superadmin-1"))
        self.assertFails(self.ctl("superadmin", "add", "root-ctl", password="Pw-superadmin-2"),
                         "already exists")


if __name__ == "__main__":
    unittest.main()
