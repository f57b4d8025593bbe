"""benchlib.py - what bench/imap/run.py and bench/pop3/run.py share.

  BenchDovecot(dir, hibernate=0)
      A private Dovecot 2.3 for benchmarks: the master in the foreground
      (`dovecot -F -c DIR/dovecot.conf`) in a session of its own, stopped
      by its pid. Everything lives under DIR (base_dir, state_dir, log,
      passwd-file with plain passwords, maildirs); no file of /etc/dovecot
      is read. IMAP and POP3 listen on free high ports of 127.0.0.1, in
      plain text (ssl = no; loopback is a trusted network). Login
      processes run in Dovecot's "high-performance" mode (service_count
      = 0), which is how a busy Dovecot is set up. With hibernate > 0,
      IDLE connections move to imap-hibernate after that many seconds
      (Dovecot's answer to many IDLE clients).
        add_user(login, password), maildir_fill(login, messages)

  BenchMailhive(build, imap=None, pop3=None, cheap_passwords=True)
      A private Mailhive instance through tests/integration/harness.py
      (`./mailhive up` on free loopback ports, its own PostgreSQL), with
      extra [imap]/[pop3] settings. With cheap_passwords the users' argon2id
      hashes get the lowest cost (t=1, 1 MB) instead of the default (t=2,
      64 MB, tens of milliseconds of CPU per LOGIN), as Dovecot here checks
      plain passwords.
        add_user(local, password) -> login
        bulk_fill(login, messages)  one message delivered by SMTP, then
                                    the rest as SQL rows pointing at its
                                    blob (see the comment there)
        imap_problem(login, password) / pop3_problem(...)  None when the
                                    server logs in and selects, else why

  Memory: tree_pids(roots) and mem_kb(pids) sum PSS and RSS from
  /proc/PID/smaps_rollup over every process below the given roots;
  MemSampler keeps the peak while a run goes on.

  build_imap_load(dir), run_imap_load(...): compile bench/imap/imap-load.c
  with `cc -O2` and run it, returning its JSON summary.

Only the Python standard library; every server is ours (started here,
stopped by its pid) and listens on 127.0.0.1 only.
"""

import email.utils
import grp
import hashlib
import imaplib
import json
import os
import poplib
import pwd
import random
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness  # noqa: E402
import peers  # noqa: E402

DOVECOT = "/usr/sbin/dovecot"
DOVECOT_LIBEXEC = "/usr/lib/dovecot"


# ==== processes and memory ==================================================

def _children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree_pids(roots):
    """The roots and every process below them."""
    kids = _children_map()
    out, todo = set(), [r for r in roots if r]
    while todo:
        p = todo.pop()
        if p in out:
            continue
        out.add(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_ms(pids):
    """CPU time in ms (user + system, with that of reaped children)
    summed over pids; vanished ones count 0. Measured before and after a
    run it gives the CPU a server spent, which unlike its throughput
    hardly depends on what else the machine is doing."""
    ticks = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += sum(int(x) for x in fields[11:15])
        except (OSError, IndexError, ValueError):
            pass
    return ticks * 1000.0 / os.sysconf("SC_CLK_TCK")


def mem_kb(pids):
    """(PSS, RSS) in KB summed over pids (vanished ones count 0)."""
    pss = rss = 0
    for pid in pids:
        try:
            with open("/proc/%d/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            pass
    return pss, rss


def postmaster_pids(var):
    """[pid] of the postmaster of a mailhived instance's cluster, found by
    its data directory under the instance's var directory; [] if none."""
    for root, dirs, files in os.walk(var):
        if "postmaster.pid" in files:
            try:
                with open(os.path.join(root, "postmaster.pid")) as f:
                    return [int(f.readline())]
            except (OSError, ValueError):
                return []
        dirs[:] = [d for d in dirs if d not in ("blobs", "log")]
    return []


class MemSampler(threading.Thread):
    """Peak PSS/RSS (KB) of the process trees below roots() while running;
    roots is a function so that a restarted master is followed."""

    def __init__(self, roots, interval=0.5):
        super().__init__(daemon=True)
        self.roots = roots
        self.interval = interval
        self.peak_pss = self.peak_rss = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            pss, rss = mem_kb(tree_pids(self.roots()))
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_rss = max(self.peak_rss, rss)
            self.done.wait(self.interval)

    def stop(self):
        self.done.set()
        self.join()
        return self.peak_pss, self.peak_rss


def _listening(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# ==== messages ==============================================================

WORDS = ["budget", "meeting", "release", "report", "holiday", "server", "invoice",
         "schedule", "review", "lunch", "project", "update", "question", "contract"]


def make_message(i, size=2048, seed=0):
    """A plausible message (bytes, CRLF) of about size octets; i makes it
    unique, the same i and seed give the same message."""
    r = random.Random(i * 7919 + seed)
    sender = r.randrange(20)
    date = email.utils.formatdate(1700000000 + i * 600 + r.randrange(600), usegmt=True)
    head = ("From: Sender %02d <sender%02d@example.net>\r\n"
            "To: Bench User <user@example.test>\r\n"
            "Subject: %s %s %d\r\n"
            "Date: %s\r\n"
            "Message-ID: <bulk-%d-%d@example.net>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n" % (
                sender, sender, r.choice(WORDS), r.choice(WORDS), i, date, i, seed))
    body = []
    n = len(head)
    while n + 70 < size:
        line = "The %s for the %s is ready; this is line %d.\r\n" % (
            r.choice(WORDS), r.choice(WORDS), n)
        body.append(line)
        n += len(line)
    return (head + "".join(body)).encode()


# ==== Dovecot ===============================================================

def dovecot_missing():
    """None when a private Dovecot can run here, else why not."""
    for path in (DOVECOT, os.path.join(DOVECOT_LIBEXEC, "imap"),
                 os.path.join(DOVECOT_LIBEXEC, "pop3")):
        if not os.access(path, os.X_OK):
            return "%s is missing (dovecot-core, dovecot-imapd, dovecot-pop3d)" % path
    if os.geteuid() != 0:
        return "the private Dovecot's master must run as root"
    for user in ("dovecot", "dovenull"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            return "system user %s is missing" % user
    return None


def _mail_owner():
    for name in ("mailhive", "dovecot", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw
    raise RuntimeError("no unprivileged user for the mail files")


DOVECOT_CONF = """\
# written by bench/imap/benchlib.py: a private benchmark instance; nothing
# of /etc/dovecot is read
instance_name = {instance}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = /dev/null
listen = 127.0.0.1
protocols = imap pop3
shutdown_clients = yes
ssl = no
disable_plaintext_auth = no
login_trusted_networks = 127.0.0.0/8
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/home/%u
}}
first_valid_uid = 1
mail_location = maildir:~/Maildir
default_process_limit = 200
default_client_limit = 12000
default_vsz_limit = 1G
imap_hibernate_timeout = {hibernate}

service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  service_count = 0
  process_min_avail = {cpus}
  process_limit = {cpus}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {pop3_port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
  service_count = 0
  process_min_avail = 1
  process_limit = 2
}}
service imap-urlauth-login {{
  process_limit = 1
}}
service imap {{
  process_limit = 12000
  unix_listener imap-master {{
    user = $default_internal_user
  }}
}}
service imap-hibernate {{
  unix_listener imap-hibernate {{
    mode = 0660
    group = $default_internal_group
  }}
}}
service anvil {{
  client_limit = 15000
}}
service auth {{
  client_limit = 15000
}}
protocol imap {{
  mail_max_userip_connections = 20000
}}
protocol pop3 {{
  mail_max_userip_connections = 100
}}
"""


class BenchDovecot:
    name = "dovecot"

    def __init__(self, dir, hibernate=0):
        self.dir = os.path.abspath(dir)
        self.hibernate = hibernate
        self.proc = None
        self.users = {}
        self.owner = _mail_owner()
        self.imap_port = self.pop3_port = None

    @property
    def conf(self):
        return os.path.join(self.dir, "dovecot.conf")

    def _prepare(self):
        """The directory tree and the passwd-file (before or at start)."""
        if os.path.exists(os.path.join(self.dir, "passwd")):
            return
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        for sub in ("run", "state"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        home = os.path.join(self.dir, "home")
        os.makedirs(home, exist_ok=True)
        os.chown(home, self.owner.pw_uid, self.owner.pw_gid)
        passwd = os.path.join(self.dir, "passwd")
        open(passwd, "a").close()
        os.chown(passwd, 0, grp.getgrnam("dovecot").gr_gid)
        os.chmod(passwd, 0o640)

    def start(self):
        why = dovecot_missing()
        if why:
            raise RuntimeError(why)
        self._prepare()
        ports = set()
        while len(ports) < 2:
            ports.add(peers.free_tcp_port())
        self.imap_port, self.pop3_port = sorted(ports)
        with open(self.conf, "w") as f:
            f.write(DOVECOT_CONF.format(
                dir=self.dir, instance="mhbench-" + secrets.token_hex(4),
                uid=self.owner.pw_name, gid=grp.getgrgid(self.owner.pw_gid).gr_name,
                imap_port=self.imap_port, pop3_port=self.pop3_port,
                hibernate="%ds" % self.hibernate if self.hibernate else "0",
                cpus=max(1, os.cpu_count() or 1)))
        os.chmod(self.conf, 0o644)
        out = open(os.path.join(self.dir, "master.out"), "ab")
        try:
            self.proc = subprocess.Popen(
                [DOVECOT, "-F", "-c", self.conf], stdin=subprocess.DEVNULL,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            out.close()
        deadline = time.monotonic() + 30
        while not (_listening(self.imap_port) and _listening(self.pop3_port)):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                text = self.log_text()
                self.stop()
                raise RuntimeError("dovecot did not start:\n" + text[-3000:])
            time.sleep(0.05)
        return self

    def stop(self):
        """SIGTERM to our master only (it stops its children)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def roots(self):
        return [self.proc.pid] if self.proc else []

    def log_text(self):
        text = ""
        for name in ("master.out", "dovecot.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def add_user(self, login, password):
        if ":" in login + password or "\n" in login + password:
            raise ValueError("passwd-file fields cannot hold ':' or newlines")
        self._prepare()
        with open(os.path.join(self.dir, "passwd"), "a") as f:
            f.write("%s:{PLAIN}%s::::::\n" % (login, password))
        home = os.path.join(self.dir, "home", login)
        os.makedirs(home, exist_ok=True)
        os.chown(home, self.owner.pw_uid, self.owner.pw_gid)
        os.chmod(home, 0o700)
        self.users[login] = password
        return login

    def maildir_fill(self, login, messages, seen=False):
        """Write messages (an iterable of bytes) straight into the user's
        Maildir/cur, as a delivery agent would have; Dovecot indexes them
        on the next access. Returns the count."""
        md = os.path.join(self.dir, "home", login, "Maildir")
        uid, gid = self.owner.pw_uid, self.owner.pw_gid
        for sub in ("", "cur", "new", "tmp"):
            os.makedirs(os.path.join(md, sub), exist_ok=True)
            os.chown(os.path.join(md, sub), uid, gid)
        base = int(time.time()) - 86400
        n = 0
        for i, data in enumerate(messages):
            name = "%d.M%dP%d.bench,S=%d:2,%s" % (base + i // 100, i, os.getpid(),
                                                  len(data), "S" if seen else "")
            path = os.path.join(md, "cur", name)
            with open(path, "wb") as f:
                f.write(data)
            os.chown(path, uid, gid)
            n += 1
        return n


# ==== Mailhive ==============================================================

class BenchMailhive:
    name = "mailhived"

    def __init__(self, build, imap=None, pop3=None, cheap_passwords=True):
        conf = {
            "general": {"log_level": "warn"},
            "queue": {"resolver": "127.0.0.1:9"},   # nothing goes out
            "smtp": {"max_connections_per_ip": 0},
        }
        if cheap_passwords:
            # the least argon2id cost libsodium allows: the Dovecot beside
            # it checks plain passwords, and a login costs both little
            conf["password"] = {"argon2_opslimit": 1, "argon2_memlimit": "1M"}
        if imap:
            conf["imap"] = dict(imap)
        if pop3:
            conf["pop3"] = dict(pop3)
        self.inst = harness.Instance(build, extra_conf=conf)
        self.domain = "bench.test"
        self.imap_port = self.pop3_port = None
        self.nofile_raised = []

    def start(self, raise_nofile=True):
        self.inst.start()
        self.imap_port = self.inst.imap_port
        self.pop3_port = self.inst.pop3_port
        if raise_nofile:
            self.nofile_raised = self.raise_nofile()
        r = self.inst.ctl("domain", "add", self.domain)
        if r.rc != 0:
            raise RuntimeError("domain add failed: %r" % r)
        return self

    def stop(self):
        self.inst.stop()

    def raise_nofile(self):
        """Raise the soft descriptor limit of this instance's mailhived
        processes to their hard limit; returns [(pid, old, new)].

        `./mailhive up` starts mailhived through runuser, whose PAM session
        sets the soft RLIMIT_NOFILE back to 1024, and mailhived keeps it:
        each IMAP worker then stops at about a thousand connections (accept
        fails with EMFILE). Only our own instance's processes are touched;
        without CAP_SYS_RESOURCE (some containers) nothing changes."""
        changed = []
        for pid in sorted(tree_pids(self.roots())):
            try:
                soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
                if soft < hard:
                    resource.prlimit(pid, resource.RLIMIT_NOFILE, (hard, hard))
                    changed.append((pid, soft, hard))
            except (OSError, ValueError):
                pass
        return changed

    def nofile(self):
        """The soft descriptor limit of the running mailhived master (its
        workers inherit it), or 0."""
        try:
            with open("/proc/%d/limits" % self.master_pid()) as f:
                for line in f:
                    if line.startswith("Max open files"):
                        return int(line.split()[3])
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def roots(self):
        """The mailhived master (PostgreSQL: postgres_roots())."""
        return [self.master_pid()]

    def master_pid(self):
        try:
            with open(os.path.join(self.inst.run_dir, "mailhived.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return 0

    def postgres_roots(self):
        return postmaster_pids(self.inst.var)

    def add_user(self, local, password):
        login = "%s@%s" % (local, self.domain)
        r = self.inst.ctl("user", "add", login, "--quota", "100G", password=password)
        if r.rc != 0:
            raise RuntimeError("user add failed: %r" % r)
        return login

    def psql(self, sql):
        return self.inst.psql(sql)

    def smtp_deliver(self, login, data):
        out = peers.smtp_send(self.inst.smtp_port, "bench@sender.example", [login], data)
        if not out["data"] or out["data"][0] != 250:
            raise RuntimeError("SMTP delivery to %s failed: %r" % (login, out))

    def bulk_fill(self, login, count, template, seed=0):
        """count messages in login's INBOX, fast: the template is delivered
        once by SMTP (blob, message row, envelope columns as mailhived
        parses them), then count - 1 more rows are inserted by SQL in one
        transaction, exactly the rows deliver.c's store_one() writes: the
        mailbox's uidnext/highestmodseq move on, users.used_bytes is
        charged, every message gets its message_fts row (filled here, so
        the indexer does not re-tokenize one blob count times) and the
        messages_blob_ins trigger counts the new references to the blob.
        Subjects, senders, dates and ids differ per row, so ENVELOPE,
        SEARCH and SORT see distinct messages; the bodies are one blob."""
        self.smtp_deliver(login, template)
        deadline = time.monotonic() + 30
        q = harness.sql_literal(login)
        while True:
            n = int(self.inst.psql_value(
                "SELECT count(*) FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id"
                " JOIN users u ON u.id = b.user_id WHERE u.address = %s"
                " AND b.name = 'INBOX'" % q))
            if n >= 1:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the template message did not arrive")
            time.sleep(0.1)
        extra = count - 1
        if extra <= 0:
            return
        self.inst.psql("""
BEGIN;
CREATE TEMP TABLE bench_src ON COMMIT DROP AS
  SELECT b.id AS mailbox_id, b.uidnext, b.highestmodseq, u.id AS user_id,
         m.size, m.blob_sha256, m.to_addrs, m.preview, m.imap_envelope
  FROM users u JOIN mailboxes b ON b.user_id = u.id AND b.name = 'INBOX'
  JOIN messages m ON m.mailbox_id = b.id
  WHERE u.address = {q} ORDER BY m.uid LIMIT 1;
SELECT 1 FROM mailboxes WHERE id = (SELECT mailbox_id FROM bench_src) FOR UPDATE;
WITH ins AS (
  INSERT INTO messages (mailbox_id, uid, modseq, size, blob_sha256,
    message_id, subject, from_addr, from_name, to_addrs, date_sent,
    sort_subject, sort_from, preview, flags, internal_date, imap_envelope)
  SELECT s.mailbox_id, s.uidnext + g - 1, s.highestmodseq + g, s.size,
    s.blob_sha256, 'bulk-' || g || '-{seed}@example.net',
    w.word || ' ' || g, 'sender' || lpad((g % 20)::text, 2, '0') || '@example.net',
    'Sender ' || lpad((g % 20)::text, 2, '0'), s.to_addrs,
    timestamptz '2023-01-01' + g * interval '10 minutes',
    lower(w.word || ' ' || g), 'sender' || lpad((g % 20)::text, 2, '0') || '@example.net',
    s.preview, CASE WHEN g % 3 = 0 THEN '{{}}'::text[] ELSE '{{\\\\Seen}}'::text[] END,
    timestamptz '2023-01-01' + g * interval '10 minutes', s.imap_envelope
  FROM bench_src s, generate_series(1, {extra}) g,
    LATERAL (SELECT (ARRAY['budget','meeting','release','report','holiday',
      'server','invoice','schedule'])[1 + g % 8] AS word) w
  RETURNING id, subject)
INSERT INTO message_fts (message_id, fts)
  SELECT id, to_tsvector('simple', subject) FROM ins;
UPDATE mailboxes SET uidnext = uidnext + {extra}, highestmodseq = highestmodseq + {extra}
  WHERE id = (SELECT mailbox_id FROM bench_src);
UPDATE users SET used_bytes = used_bytes + {extra} * (SELECT size FROM bench_src)
  WHERE id = (SELECT user_id FROM bench_src);
COMMIT;
ANALYZE messages;
""".format(q=q, extra=extra, seed=int(seed)))

    def imap_problem(self, login, password):
        return imap_problem(self.imap_port, login, password)

    def pop3_problem(self, login, password):
        return pop3_problem(self.pop3_port, login, password)


# ==== protocol checks =======================================================

def imap_problem(port, login, password, timeout=10):
    """None when LOGIN, SELECT INBOX and LOGOUT work (python imaplib),
    else a one-line reason."""
    try:
        m = imaplib.IMAP4("127.0.0.1", port, timeout=timeout)
        try:
            typ, _ = m.login(login, password)
            if typ != "OK":
                return "LOGIN answered %s" % typ
            typ, data = m.select("INBOX")
            if typ != "OK":
                return "SELECT answered %s %r" % (typ, data)
            typ, data = m.noop()
            if typ != "OK":
                return "NOOP answered %s" % typ
        finally:
            try:
                m.logout()
            except Exception:
                pass
    except Exception as e:
        return "%s: %s" % (type(e).__name__, str(e)[:300])
    return None


def pop3_problem(port, login, password, timeout=10):
    try:
        p = poplib.POP3("127.0.0.1", port, timeout=timeout)
        try:
            p.user(login)
            p.pass_(password)
            p.stat()
        finally:
            try:
                p.quit()
            except Exception:
                pass
    except Exception as e:
        return "%s: %s" % (type(e).__name__, str(e)[:300])
    return None


# ==== the load generator ====================================================

def default_build():
    """$MH_BUILD, else build/ in the tree when it holds mailhived, else
    /tmp/b-bench (the out-of-tree build of the developer notes)."""
    if os.environ.get("MH_BUILD"):
        return os.environ["MH_BUILD"]
    tree = os.path.join(ROOT, "build")
    if os.access(os.path.join(tree, "backend", "mailhived"), os.X_OK):
        return tree
    return "/tmp/b-bench"


def build_imap_load(dest_dir):
    """Compile imap-load.c with cc -O2; returns the binary's path."""
    out = os.path.join(dest_dir, "imap-load")
    subprocess.run(["cc", "-O2", "-Wall", "-o", out, os.path.join(HERE, "imap-load.c")],
                   check=True, timeout=120)
    return out


def write_users(path, pairs):
    with open(path, "w") as f:
        for login, password in pairs:
            f.write("%s %s\n" % (login, password))
    os.chmod(path, 0o600)
    return path


def run_imap_load(binary, port, users_file, mode, args=(), timeout=600,
                  on_line=None, label=""):
    """Run imap-load and return (summary dict or None, stdout text, stderr
    text). on_line(line, proc) sees each stdout line as it comes (for the
    IDLE test's HOLDING line; SIGUSR1 to proc ends the hold). The run is
    killed after timeout seconds."""
    argv = [binary, "--port", str(port), "--users", users_file, "--mode", mode,
            "--json", "--label", label] + [str(a) for a in args]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, text=True)
    timer = threading.Timer(timeout, lambda: p.poll() is None and p.kill())
    timer.daemon = True         # an interrupted run must not wait for it
    timer.start()
    err_lines = []
    t_err = threading.Thread(target=lambda: err_lines.extend(p.stderr), daemon=True)
    t_err.start()
    lines = []
    try:
        for line in p.stdout:
            lines.append(line)
            if on_line:
                on_line(line.rstrip("\n"), p)
        p.wait()
    finally:
        timer.cancel()
        if p.poll() is None:
            p.kill()
            p.wait()
    t_err.join(timeout=5)
    summary = None
    for line in reversed(lines):
        if line.startswith("{"):
            try:
                summary = json.loads(line)
            except ValueError:
                pass
            break
    return summary, "".join(lines), "".join(err_lines)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def rmtree(path):
    if path and os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
