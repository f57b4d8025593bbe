"""test_imap_clients.py - independent mail clients against the private
Dovecot and the test instance's mailhived (classes
ImapClients*Dovecot / *Mailhived; the test methods are named
test_interop_*, so `run.py -k interop` selects them with the other
interop suites).

  mutt      over IMAPS (the server's certificate put in mutt's
            certificate_file), driven by `push` in a pseudo-terminal of
            its own (mutt needs one): copies every message of the INBOX to
            a local mbox; then flags one, deletes one, copies one to a
            new IMAP folder and syncs.
  mbsync    (isync) a local Maildir <-> the server, through a Tunnel to
            the IMAPS port (isync 1.4 checks the certificate's DNS names
            only, and both servers' certificates name 127.0.0.1 by IP):
            pull, push a local message and a new local folder, flags both
            ways, a server-side expunge.
  fetchmail POP3 over implicit TLS with UIDL bookkeeping (keep, twice,
            then flush) and IMAP with STARTTLS (keep; \\Seen set), each
            delivering to an MDA that writes one file per message.

What the clients did is checked on the server with the raw IMAP client of
test_imap_interop and on the local files. Every client runs with a
timeout, TERM set, and stdin from /dev/null (mutt: the pseudo-terminal);
a client that outlives its timeout is killed by its pid.
"""

import mailbox
import os
import pty
import select
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import unittest

from test_imap_interop import ImapCase, flagset, for_each_server, mbox, message, octets, quote

CLIENT_TIMEOUT = 60


def find_program(name):
    path = os.environ.get("PATH", "") + ":/usr/bin:/bin:/usr/sbin:/sbin"
    return shutil.which(name, path=path)


def _kill(proc):
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


def run_in_pty(argv, cwd, env, timeout):
    """Run ARGV with a pseudo-terminal as its stdin/stdout/stderr; returns
    (exit status or None after a timeout, terminal output)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave,
                                stderr=slave, start_new_session=True)
    finally:
        os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    data = os.read(master, 65536)
                except OSError:         # EIO: the child closed the terminal
                    data = b""
                if not data:
                    break
                out += data
            elif proc.poll() is not None:
                break
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        rc = proc.poll()
    finally:
        _kill(proc)
        os.close(master)
    return rc, out.decode("utf-8", "replace")


def run_client(argv, cwd, env, timeout=CLIENT_TIMEOUT):
    """Run a non-interactive client; (exit status or None, stdout+stderr)."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        _kill(proc)
        out, _ = proc.communicate()
        return None, out.decode("utf-8", "replace") + "\n(killed after %d s)" % timeout


def tail(text, n=40):
    return "\n".join(text.splitlines()[-n:])


class ClientCase(ImapCase):
    PROGRAM = None

    @classmethod
    def setUpClass(cls):
        if cls.PROGRAM and not find_program(cls.PROGRAM):
            raise unittest.SkipTest("%s is not installed" % cls.PROGRAM)
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix="mailhive-client-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": self.dir,
                    "TERM": "vt100", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                    "LINES": "40", "COLUMNS": "132"}

    def fpath(self, *names):
        """A path in the test's directory."""
        return os.path.join(self.dir, *names)

    def write(self, name, text, mode=0o600):
        p = self.fpath(name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def server_cert(self):
        """The PEM certificate the server shows on its IMAPS port."""
        return ssl.get_server_certificate((self.srv.host, self.srv.imaps_port), timeout=10)

    def deliver(self, subjects, user=None):
        login = (user or (self.login, None))[0]
        before = self.srv.count(login)
        for s in subjects:
            self.srv.deliver(login, message(s, body="Body of %s.\r\n" % s))
        n = self.srv.wait_delivered(login, before + len(subjects))
        self.assertEqual(n, before + len(subjects), "delivery")

    def server_messages(self, name="INBOX", user=None):
        """{subject: set of flags} of a mailbox, read with the raw client."""
        c = self.session(*(user or ()))
        self.assertOk(c.cmd("EXAMINE " + mbox(name)))
        r = self.assertOk(c.cmd("FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
        out = {}
        for d in r.fetches().values():
            head = octets(d["BODY[HEADER.FIELDS (SUBJECT)]"]).decode("utf-8", "replace")
            subject = head.strip().partition(":")[2].strip()
            out[subject] = flagset(d["FLAGS"]) - {"\\RECENT"}
        return out


# ==== mutt ==================================================================

MUTTRC = """\
set imap_user="{login}"
set imap_pass="{password}"
set certificate_file="{dir}/certificates"
set ssl_verify_host=no
set ssl_starttls=yes
set folder="imaps://{host}:{port}/"
set spoolfile="+INBOX"
set header_cache=""
set message_cachedir=""
set confirmcreate=no
set confirmappend=no
set move=no
set delete=yes
set mark_old=no
set wait_key=no
set quit=yes
set beep=no
set sleep_time=0
set sort=mailbox-order
set mbox_type=mbox
set timeout=5
set imap_keepalive=30
set net_inc=0
set read_inc=0
set write_inc=0
"""


class ImapClientsMutt(ClientCase):
    """mutt reads the INBOX over IMAPS and changes it."""

    PROGRAM = "mutt"
    USER = "mutt"

    def mutt(self, keys):
        self.write("certificates", self.server_cert())
        rc = self.write("muttrc", MUTTRC.format(
            login=self.login, password=self.password, dir=self.dir,
            host=self.srv.host, port=self.srv.imaps_port))
        argv = [find_program("mutt"), "-n", "-F", rc, "-f",
                "imaps://%s:%d/INBOX" % (self.srv.host, self.srv.imaps_port),
                "-e", 'push "%s"' % keys]
        status, screen = run_in_pty(argv, self.dir, self.env, CLIENT_TIMEOUT)
        self.assertEqual(status, 0, "mutt exit status %r; screen:\n%s" % (status, screen[-3000:]))
        return screen

    def test_interop_mutt_read_flag_delete_copy(self):
        subjects = ["mutt %s %d" % (self.login.split("@")[0], i) for i in range(3)]
        self.deliver(subjects)
        out = self.fpath("saved.mbox")
        self.mutt("<tag-pattern>~A<enter>"
                  "<tag-prefix><copy-message><kill-line>%s<enter><quit>" % out)
        box = mailbox.mbox(out, create=False)
        got = sorted((m["Subject"], m.get_payload()) for m in box)
        box.close()
        self.assertEqual(got, sorted((s, "Body of %s.\n" % s) for s in subjects))
        before = self.server_messages()
        self.assertEqual(set(before), set(subjects))

        folder = self.unique("mutt-copy")
        self.mutt("<first-entry><flag-message><last-entry><delete-message>"
                  "<first-entry><copy-message><kill-line>=%s<enter>"
                  "<sync-mailbox><quit>" % folder)
        after = self.server_messages()
        self.assertEqual(set(after), set(subjects[:2]), "the deleted message is expunged")
        self.assertIn("\\FLAGGED", after[subjects[0]])
        self.assertNotIn("\\FLAGGED", after[subjects[1]])
        copied = self.server_messages(folder)
        self.assertEqual(set(copied), {subjects[0]})


# ==== mbsync =================================================================

MBSYNCRC = """\
IMAPAccount server
Tunnel "openssl s_client -quiet -no_ign_eof -verify_quiet -connect {host}:{port} 2>/dev/null"
User "{login}"
Pass "{password}"
AuthMechs LOGIN PLAIN
Timeout 20

IMAPStore remote
Account server

MaildirStore local
Path {dir}/maildir/
Inbox {dir}/maildir/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns INBOX {pattern}
Create Both
Expunge Both
SyncState *
Sync All
"""


def maildir_files(path):
    """{file name: (flags, bytes)} of the messages of a Maildir folder."""
    out = {}
    for sub in ("new", "cur"):
        d = os.path.join(path, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            flags = name.partition(":2,")[2] if ":2," in name else ""
            out[os.path.join(sub, name)] = (flags, data)
    return out


def subject_of(data):
    for line in data.split(b"\n"):
        if line.lower().startswith(b"subject:"):
            return line.partition(b":")[2].strip().decode("utf-8", "replace")
        if not line.strip():
            break
    return None


class ImapClientsMbsync(ClientCase):
    """mbsync keeps a local Maildir and the server in step."""

    PROGRAM = "mbsync"
    USER = "mbsync"

    def mbsync(self):
        status, out = run_client([find_program("mbsync"), "-c", self.fpath("mbsyncrc"), "sync"],
                                 self.dir, self.env)
        self.assertEqual(status, 0, "mbsync exit status %r:\n%s" % (status, tail(out)))
        return out

    def local(self, folder="INBOX"):
        """{subject: (flags, file)} of a local folder."""
        out = {}
        for name, (flags, data) in maildir_files(self.fpath("maildir", folder)).items():
            out[subject_of(data)] = (flags, name)
        return out

    def test_interop_mbsync_both_ways(self):
        if not find_program("openssl"):
            self.skipTest("openssl (for the Tunnel) is not installed")
        tag = self.login.split("@")[0]
        folder = "mbsync-" + tag
        os.makedirs(self.fpath("maildir"))
        self.write("mbsyncrc", MBSYNCRC.format(
            host=self.srv.host, port=self.srv.imaps_port, login=self.login,
            password=self.password, dir=self.dir, pattern=folder))
        subjects = ["mbsync %s %d" % (tag, i) for i in range(2)]
        self.deliver(subjects)

        # 1. pull
        self.mbsync()
        local = self.local()
        self.assertEqual(set(local), set(subjects))
        for s in subjects:
            with open(self.fpath("maildir", "INBOX", local[s][1]), "rb") as f:
                self.assertTrue(f.read().replace(b"\r\n", b"\n").endswith(
                    ("\n\nBody of %s.\n" % s).encode()))

        # 2. push: a new local message, a new local folder, a local flag
        pushed = "mbsync %s local" % tag
        with open(self.fpath("maildir", "INBOX", "new", "%d.1_1.interop" % time.time()), "wb") as f:
            f.write(message(pushed, body="Written locally.\r\n").replace(b"\r\n", b"\n"))
        for sub in ("cur", "new", "tmp"):
            os.makedirs(self.fpath("maildir", folder, sub))
        in_folder = "mbsync %s in folder" % tag
        name = "%d.2_1.interop:2,S" % time.time()
        with open(self.fpath("maildir", folder, "cur", name), "wb") as f:
            f.write(message(in_folder).replace(b"\r\n", b"\n"))
        flags, name = local[subjects[0]]
        base = name.split(":2,")[0] if ":2," in name else name
        os.rename(self.fpath("maildir", "INBOX", name),
                  self.fpath("maildir", "INBOX", "cur", os.path.basename(base) + ":2,F" + flags))
        self.mbsync()
        remote = self.server_messages()
        self.assertEqual(set(remote), set(subjects + [pushed]))
        self.assertIn("\\FLAGGED", remote[subjects[0]])
        self.assertNotIn("\\FLAGGED", remote[subjects[1]])
        remote_folder = self.server_messages(folder)
        self.assertEqual(remote_folder, {in_folder: {"\\SEEN"}})

        # 3. server-side changes: \Seen, an expunge, a new delivery
        c = self.session(select="INBOX")
        r = self.assertOk(c.cmd("SEARCH SUBJECT %s" % quote(subjects[1])))
        self.assertOk(c.cmd("STORE %d +FLAGS (\\Seen)" % r.search()[0]))
        r = self.assertOk(c.cmd("SEARCH SUBJECT %s" % quote(pushed)))
        self.assertOk(c.cmd("STORE %d +FLAGS (\\Deleted)" % r.search()[0]))
        self.assertOk(c.cmd("EXPUNGE"))
        c.close()
        late = "mbsync %s late" % tag
        self.deliver([late])
        self.mbsync()
        local = self.local()
        self.assertEqual(set(local), set(subjects + [late]))
        self.assertIn("S", local[subjects[1]][0])
        self.assertIn("F", local[subjects[0]][0])
        # and a second run changes nothing
        self.mbsync()
        self.assertEqual(set(self.local()), set(subjects + [late]))
        self.assertEqual(set(self.server_messages()), set(subjects + [late]))


# ==== fetchmail ==============================================================

FETCHMAILRC = """\
set no bouncemail
set no syslog
poll {host} with proto {proto} port {port} timeout 20 {server_options}
  user "{login}" there with password "{password}" is "root" here
  {options}
  mda "/bin/sh -c 'cat > $(mktemp {dir}/out/msg.XXXXXX)'"
"""


class ImapClientsFetchmail(ClientCase):
    """fetchmail over POP3 (implicit TLS) and IMAP (STARTTLS)."""

    PROGRAM = "fetchmail"

    def fetchmail(self, proto, port, options, user, server_options=""):
        login, password = user
        os.makedirs(self.fpath("out"), exist_ok=True)
        # fetchmail refuses a run control file others may read
        rc = self.write("fetchmailrc", FETCHMAILRC.format(
            host=self.srv.host, proto=proto, port=port, login=login, password=password,
            options=options, server_options=server_options, dir=self.dir), mode=0o600)
        status, out = run_client([find_program("fetchmail"), "-f", rc, "--nodetach", "-v",
                                  "--pidfile", self.fpath("fetchmail.pid"),
                                  "--idfile", self.fpath("fetchids")], self.dir, self.env)
        return status, out

    def fetched(self):
        """{subject: bytes} of the files the MDA wrote; the files are
        removed."""
        out = {}
        for name in os.listdir(self.fpath("out")):
            p = self.fpath("out", name)
            with open(p, "rb") as f:
                data = f.read()
            os.unlink(p)
            out[subject_of(data)] = data
        return out

    def test_interop_fetchmail_pop3(self):
        user = self.srv.user("fetchmail-pop3")
        tag = user[0].split("@")[0]
        first = ["fetchmail %s %d" % (tag, i) for i in range(2)]
        self.deliver(first, user)
        opts = "ssl no sslcertck keep"
        status, out = self.fetchmail("POP3", self.srv.pop3s_port, opts, user, "uidl")
        self.assertEqual(status, 0, tail(out))
        got = self.fetched()
        self.assertEqual(set(got), set(first), tail(out))
        for s in first:
            self.assertTrue(got[s].replace(b"\r\n", b"\n").endswith(
                ("\n\nBody of %s.\n" % s).encode()), got[s])
        # kept on the server; the UIDLs tell fetchmail what it has seen
        self.assertEqual(self.srv.count(user[0]), 2)
        second = ["fetchmail %s late" % tag]
        self.deliver(second, user)
        status, out = self.fetchmail("POP3", self.srv.pop3s_port, opts, user, "uidl")
        self.assertEqual(status, 0, tail(out))
        self.assertEqual(set(self.fetched()), set(second), tail(out))
        # fetchall without keep: everything is fetched again and deleted
        status, out = self.fetchmail("POP3", self.srv.pop3s_port, "ssl no sslcertck fetchall",
                                     user, "uidl")
        self.assertEqual(status, 0, tail(out))
        self.assertEqual(set(self.fetched()), set(first + second), tail(out))
        self.assertEqual(self.srv.count(user[0]), 0)

    def test_interop_fetchmail_imap(self):
        user = self.srv.user("fetchmail-imap")
        tag = user[0].split("@")[0]
        subjects = ["fetchmail imap %s %d" % (tag, i) for i in range(3)]
        self.deliver(subjects, user)
        opts = "sslproto 'tls1.2+' no sslcertck keep"
        status, out = self.fetchmail("IMAP", self.srv.imap_port, opts, user)
        self.assertEqual(status, 0, tail(out))
        got = self.fetched()
        self.assertEqual(set(got), set(subjects), tail(out))
        remote = self.server_messages(user=user)
        self.assertEqual(set(remote), set(subjects))
        for s in subjects:
            self.assertIn("\\SEEN", remote[s], "fetchmail marks what it took as \\Seen")
        # a second run finds nothing new (exit status 1: no mail)
        status, out = self.fetchmail("IMAP", self.srv.imap_port, opts, user)
        self.assertEqual(status, 1, tail(out))
        self.assertEqual(self.fetched(), {})


for _mixin in (ImapClientsMutt, ImapClientsMbsync, ImapClientsFetchmail):
    for_each_server(_mixin, globals())
del _mixin
