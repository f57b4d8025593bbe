"""dovecot.py - the IMAP/POP3 servers the interoperability suites run
against: a private Dovecot 2.3 (the reference) and the test instance's
mailhived, behind one small interface.

  PrivateDovecot(dir=None)
      Dovecot's master in the foreground (`dovecot -F -c DIR/dovecot.conf`),
      our child in a session of its own, stopped by its pid. Everything is
      under DIR: base_dir, state_dir, the log, a self-signed certificate,
      passwd-files with plain passwords (one per user), sdbox mailboxes.
      It listens on 127.0.0.1 only, IMAP/IMAPS/POP3/POP3S on free high
      ports; mail is owned by the unprivileged system user `mail` (else
      nobody, else mailhive). No file of /etc/dovecot is read.
        add_user(name, password)   a passwd-file of its own; the login
                                   is name@dovecot.test
        deliver(user, raw_bytes)   dovecot-lda -c CONF -d USER (synchronous)
        message_count(user, box)   doveadm mailbox status

  The common server interface (DovecotServer, MailhiveServer):
      name                         "dovecot" / "mailhived"
      host, imap_port, imaps_port, pop3_port, pop3s_port
      add_user(local, quota_bytes=None) -> (login, password)
      user(key, **options) -> (login, password)   one user per key and
                                   server, made once
      deliver(login, raw_bytes)        into the INBOX (LDA / SMTP to the MX port)
      count(login, mailbox="INBOX")    messages stored, as the server's own
                                       store says (doveadm / the database)
      wait_delivered(login, count, timeout=10)
      greeting_problem(proto)      None, or why the first connection to
                                   the IMAP/POP3 port got no greeting (checked
                                   once, so a server that does not answer
                                   fails each test at once, not by timeout)

  dovecot_server() / mailhive_server()   the shared server objects of the
                                   run (Dovecot started on first use, stopped
                                   at exit); dovecot_missing() says why
                                   Dovecot cannot run here, or None.

Only the Python standard library and the Debian packages dovecot-core,
dovecot-imapd, dovecot-pop3d and openssl are used.
"""

import atexit
import grp
import os
import pwd
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import harness
import peers

DOVECOT = "/usr/sbin/dovecot"
DOVECOT_LIBEXEC = "/usr/lib/dovecot"
DOVEADM = "/usr/bin/doveadm"
DOVECOT_DOMAIN = "dovecot.test"
GREETING_TIMEOUT = 5.0


def dovecot_missing():
    """None when a private Dovecot can run here, else why not."""
    for path, pkg in ((DOVECOT, "dovecot-core"), (DOVEADM, "dovecot-core"),
                      (os.path.join(DOVECOT_LIBEXEC, "imap"), "dovecot-imapd"),
                      (os.path.join(DOVECOT_LIBEXEC, "pop3"), "dovecot-pop3d"),
                      (os.path.join(DOVECOT_LIBEXEC, "dovecot-lda"), "dovecot-core")):
        if not os.access(path, os.X_OK):
            return "%s is missing (apt-get install %s)" % (path, pkg)
    if os.geteuid() != 0:
        return "the private Dovecot's master must run as root"
    for user in ("dovecot", "dovenull"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            return "system user %s is missing (dovecot-core creates it)" % user
    return None


def _mail_owner():
    """(user, group) that owns the private Dovecot's mail."""
    # not mailhive: the instance's processes (and other tests') use that
    # uid's inotify instances (128 per uid by default); without one
    # Dovecot's IDLE falls back to polling
    for name in ("mail", "nobody", "mailhive"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw.pw_name, grp.getgrgid(pw.pw_gid).gr_name
    raise RuntimeError("no unprivileged user for the mail files")


CONF = """\
# written by tests/integration/dovecot.py: a private instance, nothing of
# /etc/dovecot is read
instance_name = {instance}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
debug_log_path = {dir}/dovecot.log
listen = 127.0.0.1
protocols = imap pop3
hostname = imap.{domain}
postmaster_address = postmaster@{domain}
shutdown_clients = yes

ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem

disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_cache_size = 0
# one passwd-file per user: Dovecot re-reads a changed passwd-file at
# most once a second, a new file at its first lookup
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd.d/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
}}
first_valid_uid = 1
mail_uid = {uid}
mail_gid = {gid}
mail_location = sdbox:~/mail
mail_plugins = $mail_plugins quota
# IDLE watches with inotify; should that fail, poll every second
mailbox_idle_check_interval = 1 secs

namespace inbox {{
  inbox = yes
  separator = /
  prefix =
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
}}

plugin {{
  quota = count:User quota
  quota_rule = *:storage=1G
  quota_vsizes = yes
}}

service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3_port}
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {pop3s_port}
    ssl = yes
  }}
}}
# no growing delay after failed logins (the tests fail logins on purpose)
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service doveadm {{
  inet_listener {{
    port = 0
  }}
}}

protocol imap {{
  mail_plugins = $mail_plugins imap_quota
  mail_max_userip_connections = 1000
}}
protocol pop3 {{
  mail_max_userip_connections = 1000
}}
protocol lda {{
  postmaster_address = postmaster@{domain}
}}
"""


class PrivateDovecot:
    """One private Dovecot under dir (a new temporary directory if None)."""

    def __init__(self, dir=None):
        self.own_dir = dir is None
        self.dir = os.path.abspath(dir) if dir else None
        self.proc = None
        self.users = {}                     # login -> password
        self.host = "127.0.0.1"
        self.imap_port = self.imaps_port = self.pop3_port = self.pop3s_port = None

    @property
    def conf(self):
        return os.path.join(self.dir, "dovecot.conf")

    @property
    def log(self):
        return os.path.join(self.dir, "dovecot.log")

    # ---- life cycle ----

    def _write_conf(self):
        user, group = _mail_owner()
        self.mail_user, self.mail_group = user, group
        ports = set()
        while len(ports) < 4:
            ports.add(peers.free_tcp_port())
        self.imap_port, self.imaps_port, self.pop3_port, self.pop3s_port = sorted(ports)
        text = CONF.format(dir=self.dir, instance="mailhive-interop-" + secrets.token_hex(4),
                           domain=DOVECOT_DOMAIN, uid=user, gid=group,
                           imap_port=self.imap_port, imaps_port=self.imaps_port,
                           pop3_port=self.pop3_port, pop3s_port=self.pop3s_port)
        with open(self.conf, "w") as f:
            f.write(text)
        os.chmod(self.conf, 0o644)

    def start(self):
        why = dovecot_missing()
        if why:
            raise RuntimeError(why)
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="mailhive-dovecot-")
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)           # the mail user reaches home/ through it
        for sub in ("run", "state"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self._write_conf()
        pw = pwd.getpwnam(self.mail_user)
        home = os.path.join(self.dir, "home")
        os.makedirs(home, exist_ok=True)
        os.chown(home, pw.pw_uid, pw.pw_gid)
        passwd = os.path.join(self.dir, "passwd.d")
        os.makedirs(passwd, exist_ok=True)
        # read by the auth processes, which run as the dovecot user
        os.chown(passwd, 0, grp.getgrnam("dovecot").gr_gid)
        os.chmod(passwd, 0o750)
        subprocess.run(
            [peers.prog("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-keyout", os.path.join(self.dir, "key.pem"),
             "-out", os.path.join(self.dir, "cert.pem"),
             "-days", "2", "-subj", "/CN=imap.%s" % DOVECOT_DOMAIN,
             # like the instance's certificate: the name and the address
             "-addext", "subjectAltName=DNS:imap.%s,IP:127.0.0.1" % DOVECOT_DOMAIN],
            check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=60)
        os.chmod(os.path.join(self.dir, "key.pem"), 0o600)
        out = open(os.path.join(self.dir, "master.out"), "ab")
        try:
            self.proc = subprocess.Popen(
                [DOVECOT, "-F", "-c", self.conf], stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT,
                # its own session: signals meant for its process group
                # must not reach ours
                start_new_session=True)
        finally:
            out.close()
        deadline = time.monotonic() + 20
        ports = (self.imap_port, self.imaps_port, self.pop3_port, self.pop3s_port)
        while not all(_listening(self.host, p) for p in ports):
            rc = self.proc.poll()
            if rc is not None or time.monotonic() > deadline:
                text = self.log_text()
                self.stop()
                raise RuntimeError("dovecot did not start (%s):\n%s" % (
                    "exit %d" % rc if rc is not None else "no listener after 20 s",
                    text[-3000:]))
            time.sleep(0.05)
        return self

    def stop(self):
        """SIGTERM to our master only (it stops its children), then remove
        the directory if it is ours."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if self.own_dir and self.dir and os.environ.get("MH_KEEP_DOVECOT") is None:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        text = ""
        for name in ("master.out", "dovecot.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    # ---- users and mail ----

    def add_user(self, name, password, quota_bytes=None):
        """A passwd-file user; NAME without a domain gets @dovecot.test;
        quota_bytes replaces the storage quota of 1 GB. Returns the login."""
        login = name if "@" in name else "%s@%s" % (name, DOVECOT_DOMAIN)
        if ":" in login or ":" in password or "\n" in login + password:
            raise ValueError("passwd-file fields cannot hold ':' or newlines")
        if "/" in login or login.startswith("."):
            raise ValueError("a login cannot name a file: %r" % login)
        path = os.path.join(self.dir, "passwd.d", login)
        with open(path + ".tmp", "w") as f:
            extra = ""
            if quota_bytes is not None:
                extra = "userdb_quota_rule=*:storage=%dB" % quota_bytes
            f.write("%s:{PLAIN}%s::::::%s\n" % (login, password, extra))
        os.chown(path + ".tmp", 0, grp.getgrnam("dovecot").gr_gid)
        os.chmod(path + ".tmp", 0o640)
        os.rename(path + ".tmp", path)
        pw = pwd.getpwnam(self.mail_user)
        home = os.path.join(self.dir, "home", login)
        os.makedirs(home, exist_ok=True)
        os.chown(home, pw.pw_uid, pw.pw_gid)
        os.chmod(home, 0o700)
        self.users[login] = password
        return login

    def deliver(self, login, raw, sender="sender@ext.test"):
        """Deliver RAW (bytes, CRLF or LF lines) into LOGIN's INBOX with
        dovecot-lda; returns when the message is stored."""
        if isinstance(raw, str):
            raw = raw.encode()
        p = subprocess.run(
            [os.path.join(DOVECOT_LIBEXEC, "dovecot-lda"), "-c", self.conf,
             "-d", login, "-f", sender],
            input=raw, capture_output=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("dovecot-lda failed (%d): %s\n%s" % (
                p.returncode, p.stderr.decode(errors="replace"), self.log_text()[-2000:]))

    def message_count(self, login, mailbox="INBOX"):
        p = subprocess.run(
            [DOVEADM, "-c", self.conf, "-f", "flow", "mailbox", "status",
             "-u", login, "messages", mailbox],
            capture_output=True, stdin=subprocess.DEVNULL, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("doveadm mailbox status failed (%d): %s" % (
                p.returncode, p.stderr.decode(errors="replace")))
        for word in p.stdout.decode().split():
            if word.startswith("messages="):
                return int(word.partition("=")[2])
        raise RuntimeError("doveadm said %r" % p.stdout)


def _listening(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# ==== the common interface ==================================================

def _greeting(host, port, implicit_tls, timeout=GREETING_TIMEOUT):
    """The first line the server sends, or raise OSError/ssl.SSLError."""
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        if implicit_tls:
            s = peers.tls_client_context().wrap_socket(s)
        data = b""
        while b"\n" not in data:
            b = s.recv(4096)
            if not b:
                raise OSError("connection closed before a greeting (got %r)" % data)
            data += b
        return data.split(b"\n")[0].rstrip(b"\r").decode("utf-8", errors="replace")
    finally:
        s.close()


class _Server:
    name = "?"
    host = "127.0.0.1"

    def __init__(self):
        self._users = {}
        self._problems = {}
        self._seq = 0

    def user(self, key, **options):
        """(login, password) of this server's user for KEY, made on first
        use (with add_user's OPTIONS)."""
        if key not in self._users:
            self._users[key] = self.add_user(key, **options)
        return self._users[key]

    def _local(self, tag):
        self._seq += 1
        return "%s-%d-%s" % (tag, self._seq, secrets.token_hex(3))

    def port(self, proto):
        return getattr(self, proto + "_port")

    def greeting_problem(self, proto):
        """None when PROTO ("imap", "imaps", "pop3", "pop3s") greets within
        GREETING_TIMEOUT seconds; else a description. Checked once per
        server and protocol."""
        if proto not in self._problems:
            port = self.port(proto)
            try:
                line = _greeting(self.host, port, proto.endswith("s"))
                want = "* OK" if proto.startswith("imap") else "+OK"
                if proto.startswith("imap") and line.startswith("* PREAUTH"):
                    want = "* PREAUTH"
                self._problems[proto] = None if line.startswith(want) else (
                    "%s on %s:%d greeted with %r" % (self.name, self.host, port, line))
            except (OSError, ssl.SSLError) as e:
                self._problems[proto] = (
                    "%s: no %s greeting on %s:%d within %.0f s (%s: %s)" % (
                        self.name, proto.upper(), self.host, port, GREETING_TIMEOUT,
                        type(e).__name__, e))
        return self._problems[proto]

    def wait_delivered(self, login, count, mailbox="INBOX", timeout=10.0):
        """Wait until LOGIN's MAILBOX holds at least COUNT messages; returns
        the count (which may be lower after the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            n = self.count(login, mailbox)
            if n >= count or time.monotonic() >= deadline:
                return n
            time.sleep(0.1)


class DovecotServer(_Server):
    name = "dovecot"

    def __init__(self, dovecot):
        super().__init__()
        self.dovecot = dovecot
        self.imap_port = dovecot.imap_port
        self.imaps_port = dovecot.imaps_port
        self.pop3_port = dovecot.pop3_port
        self.pop3s_port = dovecot.pop3s_port

    def add_user(self, local, quota_bytes=None):
        password = "Pw-" + secrets.token_hex(8)
        login = self.dovecot.add_user(self._local(local), password, quota_bytes)
        return login, password

    def deliver(self, login, raw, sender="sender@ext.test"):
        self.dovecot.deliver(login, raw, sender)

    def count(self, login, mailbox="INBOX"):
        return self.dovecot.message_count(login, mailbox)

    def log_tail(self, lines=30):
        return "".join(self.dovecot.log_text().splitlines(True)[-lines:])


class MailhiveServer(_Server):
    name = "mailhived"

    def __init__(self, inst):
        super().__init__()
        self.inst = inst
        self.imap_port = inst.imap_port
        self.imaps_port = inst.imaps_port
        self.pop3_port = inst.pop3_port
        self.pop3s_port = inst.pop3s_port
        self.domain = None

    def _domain(self):
        if self.domain is None:
            name = "interop-%s.test" % secrets.token_hex(3)
            r = self.inst.ctl("domain", "add", name)
            if r.rc != 0:
                raise RuntimeError("could not add the test domain: %r" % r)
            self.domain = name
        return self.domain

    def add_user(self, local, quota_bytes=None):
        login = "%s@%s" % (self._local(local), self._domain())
        password = "Pw-" + secrets.token_hex(8)
        args = ["user", "add", login]
        if quota_bytes is not None:
            args += ["--quota", str(quota_bytes)]
        r = self.inst.ctl(*args, password=password)
        if r.rc != 0:
            raise RuntimeError("could not add the test user: %r" % r)
        return login, password

    def deliver(self, login, raw, sender="sender@ext.test"):
        """SMTP to the MX port; 250 comes only after the commit, so the
        message is stored when this returns."""
        if isinstance(raw, str):
            raw = raw.encode()
        out = peers.smtp_send(self.inst.smtp_port, sender, [login], raw)
        if not out["data"] or out["data"][0] != 250:
            raise RuntimeError("SMTP delivery to %s failed: %r" % (login, out))

    def count(self, login, mailbox="INBOX"):
        return int(self.inst.psql_value(
            "SELECT count(*) FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id"
            " JOIN users u ON u.id = b.user_id WHERE u.address = %s AND b.name = %s"
            % (harness.sql_literal(login), harness.sql_literal(mailbox))))

    def log_tail(self, lines=30):
        return peers.mailhived_log(self.inst, lines=lines)


_servers = {}


def dovecot_server():
    """The Dovecot of this run, started on first use (stopped at exit)."""
    if "dovecot" not in _servers:
        d = PrivateDovecot()
        try:
            d.start()
        except Exception:
            _servers["dovecot"] = None
            raise
        atexit.register(d.stop)
        _servers["dovecot"] = DovecotServer(d)
    if _servers["dovecot"] is None:
        raise RuntimeError("the private Dovecot did not start earlier in this run")
    return _servers["dovecot"]


def mailhive_server():
    """The test instance's mailhived (harness.instance())."""
    if "mailhived" not in _servers:
        _servers["mailhived"] = MailhiveServer(harness.instance())
    return _servers["mailhived"]


def server(name):
    return dovecot_server() if name == "dovecot" else mailhive_server()
