"""peers.py - private peers for the integration tests: a name server and
real Postfix instances, each a child process of the test, on loopback
addresses only, stopped by their own pid.

  Dnsmasq(port, mx=[(domain, host, pref)], hosts={host: ip})
      dnsmasq in the foreground on 127.0.0.1:PORT (UDP and TCP), answering
      only from its command line: MX records, A records of the mail hosts,
      NXDOMAIN for every other name under .test (--local=/test/).

  PrivatePostfix(dir, listen_ip, port, ...)
      A complete Postfix 3.x (the Debian package's programs) with its own
      config_directory, queue_directory and data_directory under DIR, run
      as `master -c DIR/etc -d` (foreground, our child). Logs go to
      DIR/maillog through postlogd.
        PrivatePostfix.destination(...)  the remote MX: virtual maildir
            mailboxes for one domain, chosen recipients refused with a 5xx,
            STARTTLS offered with a self-signed certificate
        PrivatePostfix.relay_peer(...)   a sending MTA whose relayhost is
            our MX port; mail goes in with sendmail(...)

  dns_query(port, name, qtype)  one UDP query -> (rcode, answer count)
  free_udp_port(), free_tcp_port(ip)

Packages: dnsmasq-base, postfix (postfix, sendmail, master, postlogd),
openssl (the certificate).
"""

import os
import pwd
import grp
import random
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time

POSTFIX_DAEMON_DIR = "/usr/lib/postfix/sbin"


def prog(name):
    """Path of a program, also from the sbin directories a non-login
    root shell may lack in PATH."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin"
    return shutil.which(name, path=path) or name


def free_udp_port(ip="127.0.0.1"):
    """A port free for both UDP and TCP on ip (dnsmasq binds both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind((ip, 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind((ip, port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free UDP+TCP port on %s" % ip)


def free_tcp_port(*ips):
    """A TCP port free on every address of ips."""
    ips = ips or ("127.0.0.1",)
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((ips[0], 0))
            port = s.getsockname()[1]
        ok = True
        for ip in ips:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                try:
                    s.bind((ip, port))
                except OSError:
                    ok = False
        if ok:
            return port
    raise RuntimeError("no TCP port free on %s" % (ips,))


def wait_tcp(ip, port, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((ip, port), timeout=1):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)


def _stop_child(proc, sig=signal.SIGTERM, timeout=10.0):
    """Signal our child by its pid and reap it; SIGKILL if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


# ==== DNS ===================================================================

QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "MX": 15, "TXT": 16, "AAAA": 28}


def dns_query(port, name, qtype="A", server="127.0.0.1", timeout=2.0):
    """Send one query; return (rcode, number of answers)."""
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", QTYPES[qtype], 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q, (server, port))
        while True:
            r = s.recv(4096)
            if len(r) >= 12 and struct.unpack(">H", r[:2])[0] == qid:
                break
    flags, _qd, an = struct.unpack(">HHH", r[2:8])
    return flags & 0x0F, an


class Dnsmasq:
    """dnsmasq as our child, answering only what it is told."""

    def __init__(self, port=None, mx=(), hosts=None, dir=None):
        self.port = port or free_udp_port()
        self.mx = list(mx)                  # [(domain, host, pref)]
        self.hosts = dict(hosts or {})      # {host: ipv4}
        self.own_dir = dir is None
        self.dir = dir or tempfile.mkdtemp(prefix="mailhive-dns-")
        self.log = os.path.join(self.dir, "dnsmasq.log")
        self.proc = None

    def argv(self):
        a = [prog("dnsmasq"), "--no-daemon", "--conf-file=/dev/null",
             "--pid-file=%s" % os.path.join(self.dir, "dnsmasq.pid"),
             "--port=%d" % self.port, "--listen-address=127.0.0.1",
             "--bind-interfaces", "--no-resolv", "--no-hosts",
             "--local=/test/", "--log-queries"]
        for domain, host, pref in self.mx:
            a.append("--mx-host=%s,%s,%d" % (domain, host, pref))
        for host, ip in self.hosts.items():
            # exactly this name (an --address=/HOST/ would answer its
            # subdomains too)
            a.append("--host-record=%s,%s" % (host, ip))
        return a

    def start(self):
        logf = open(self.log, "ab")
        try:
            self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                         stdout=logf, stderr=subprocess.STDOUT)
        finally:
            logf.close()
        deadline = time.monotonic() + 10
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("dnsmasq exited (%d):\n%s" % (
                    self.proc.returncode, self.log_text()))
            try:
                dns_query(self.port, "ready.test", "A", timeout=0.3)
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("dnsmasq does not answer:\n%s" % self.log_text())
                time.sleep(0.1)

    @property
    def resolver(self):
        return "127.0.0.1:%d" % self.port

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError as e:
            return str(e)

    def stop(self):
        _stop_child(self.proc)
        self.proc = None
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


# ==== Postfix ===============================================================

MASTER_CF = """\
# written by tests/integration/peers.py: no chroot, our own instance
{listen} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def _inline_map(pairs):
    """Postfix inline: table text; keys and values without braces."""
    if not pairs:
        return ""
    return "inline:{ " + ", ".join("{%s=%s}" % kv for kv in pairs) + " }"


class PrivatePostfix:
    """One private Postfix instance under dir (created if missing).

    listen_ip:port is its smtpd. settings are main.cf lines of the role.
    """

    def __init__(self, dir, listen_ip, port, hostname, settings):
        self.dir = os.path.abspath(dir)
        self.listen_ip = listen_ip
        self.port = port
        self.hostname = hostname
        self.etc = os.path.join(self.dir, "etc")
        self.spool = os.path.join(self.dir, "spool")
        self.data = os.path.join(self.dir, "data")
        self.mail = os.path.join(self.dir, "mail")
        self.maillog = os.path.join(self.dir, "maillog")
        self.settings = dict(settings)
        self.proc = None

    # ---- roles ----

    @classmethod
    def destination(cls, dir, listen_ip, port, domain="ext.test",
                    users=("u",), reject=None, hostname=None):
        """The remote MX for DOMAIN: maildir mailboxes for USERS; REJECT is
        {local part: "5NN x.y.z text"} refused at RCPT."""
        pw = pwd.getpwnam("postfix")
        maildirs = [("%s@%s" % (u, domain), "%s/%s/" % (domain, u)) for u in users]
        refuse = [("%s@%s" % (u, domain), text)
                  for u, text in (reject or {"reject": "550 5.1.1 no such user"}).items()]
        settings = {
            "virtual_mailbox_domains": domain,
            "virtual_mailbox_base": os.path.join(os.path.abspath(dir), "mail"),
            "virtual_mailbox_maps": _inline_map(maildirs),
            "virtual_uid_maps": "static:%d" % pw.pw_uid,
            "virtual_gid_maps": "static:%d" % pw.pw_gid,
            "smtpd_recipient_restrictions":
                "check_recipient_access %s, permit_mynetworks,"
                " reject_unauth_destination" % _inline_map(refuse),
            "smtpd_tls_security_level": "may",
            "smtpd_tls_loglevel": "1",
        }
        return cls(dir, listen_ip, port, hostname or "mx." + domain, settings)

    @classmethod
    def relay_peer(cls, dir, listen_ip, port, relayhost, hostname="peer.test"):
        """A sending MTA: everything goes to RELAYHOST ("[ip]:port")."""
        settings = {
            "relayhost": relayhost,
            "smtp_tls_security_level": "may",
            "smtp_tls_loglevel": "1",
            "smtp_helo_name": hostname,
            # our tests want an answer in seconds, not minutes
            "minimal_backoff_time": "2s",
            "maximal_backoff_time": "4s",
            "queue_run_delay": "2s",
        }
        return cls(dir, listen_ip, port, hostname, settings)

    # ---- life cycle ----

    def _main_cf(self):
        base = {
            "compatibility_level": "3.6",
            "config_directory": self.etc,
            "queue_directory": self.spool,
            "data_directory": self.data,
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "inet_protocols": "ipv4",
            # master.cf names the address of the smtpd; this is only what
            # Postfix believes are its own interfaces
            "inet_interfaces": "loopback-only",
            "myhostname": self.hostname,
            "mydomain": self.hostname.partition(".")[2] or "test",
            "myorigin": "$myhostname",
            "mydestination": "",
            "mynetworks": "127.0.0.0/8",
            "relay_domains": "",
            "alias_maps": "",
            "alias_database": "",
            "maillog_file": self.maillog,
            "maillog_file_prefixes": self.dir,
            "smtpd_peername_lookup": "no",
            "smtp_dns_support_level": "disabled",
            "smtp_host_lookup": "native",
            "smtpd_tls_cert_file": os.path.join(self.etc, "cert.pem"),
            "smtpd_tls_key_file": os.path.join(self.etc, "key.pem"),
            "biff": "no",
            "delay_warning_time": "0",
            "smtputf8_enable": "yes",
        }
        base.update(self.settings)
        return "".join("%s = %s\n" % kv for kv in base.items())

    def _postfix(self, *args, check=True):
        """Run a Postfix command on this instance. Postfix prints its
        messages on stderr only when that is a terminal, so it gets one."""
        master_fd, slave_fd = os.openpty()
        try:
            p = subprocess.run(list(args), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=slave_fd,
                               timeout=120)
        finally:
            os.close(slave_fd)
        err = b""
        try:
            while True:
                b = os.read(master_fd, 65536)
                if not b:
                    break
                err += b
        except OSError:
            pass
        os.close(master_fd)
        text = (p.stdout + err).decode(errors="replace")
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s\n%s" % (
                " ".join(args), p.returncode, text, self.log_text()[-3000:]))
        return text

    def start(self):
        os.makedirs(self.etc, exist_ok=True)
        os.chmod(self.dir, 0o755)       # the postfix user works in here
        for d in (self.spool,):
            os.makedirs(d, exist_ok=True)
        pw = pwd.getpwnam("postfix")
        for d in (self.data, self.mail):
            os.makedirs(d, exist_ok=True)
            os.chown(d, pw.pw_uid, pw.pw_gid)
        cert = os.path.join(self.etc, "cert.pem")
        if not os.path.exists(cert):
            subprocess.run(
                [prog("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                 "-keyout", os.path.join(self.etc, "key.pem"), "-out", cert,
                 "-days", "2", "-subj", "/CN=%s" % self.hostname],
                check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, timeout=60)
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write(self._main_cf())
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(listen="%s:%d" % (self.listen_ip, self.port)))
        # creates the queue directories with their owners and modes
        self._postfix(prog("postfix"), "-c", self.etc, "check")
        out = open(os.path.join(self.dir, "master.out"), "ab")
        try:
            self.proc = subprocess.Popen(
                [os.path.join(POSTFIX_DAEMON_DIR, "master"), "-c", self.etc, "-d"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                # a process group of its own: on SIGTERM the master signals
                # its group (its children), which must not be ours
                start_new_session=True)
        finally:
            out.close()
        if not wait_tcp(self.listen_ip, self.port, 20) or self.proc.poll() is not None:
            text = self.log_text()
            self.stop()
            raise RuntimeError("postfix master did not start on %s:%d\n%s" % (
                self.listen_ip, self.port, text[-3000:]))
        return self

    def stop(self):
        """SIGTERM to our master (it stops its children)."""
        _stop_child(self.proc, timeout=15)
        self.proc = None

    # ---- use ----

    def sendmail(self, sender, rcpts, message):
        """Submit MESSAGE (bytes, LF or CRLF) with this instance's sendmail."""
        if isinstance(message, str):
            message = message.encode()
        argv = [prog("sendmail"), "-C", self.etc, "-i", "-f", sender, "--"] + list(rcpts)
        p = subprocess.run(argv, input=message, capture_output=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("sendmail failed (%d): %s\n%s" % (
                p.returncode, p.stderr.decode(errors="replace"), self.log_text()[-3000:]))

    def flush(self):
        """postqueue -f: try the deferred mail now."""
        return self._postfix(prog("postqueue"), "-c", self.etc, "-f", check=False)

    def queue_listing(self):
        return self._postfix(prog("postqueue"), "-c", self.etc, "-p", check=False)

    def maildir_files(self, user, domain=None):
        """Paths of the delivered messages of USER (new/ and cur/)."""
        domain = domain or self.settings.get("virtual_mailbox_domains", "")
        base = os.path.join(self.mail, domain, user)
        found = []
        for sub in ("new", "cur"):
            d = os.path.join(base, sub)
            if os.path.isdir(d):
                found += [os.path.join(d, n) for n in sorted(os.listdir(d))]
        return found

    def wait_for_mail(self, user, predicate=None, timeout=15.0, domain=None):
        """The first delivered message (bytes) of USER that satisfies
        predicate(bytes), or None after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for path in self.maildir_files(user, domain):
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                if predicate is None or predicate(data):
                    return data
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)

    def log_text(self):
        try:
            with open(self.maillog, errors="replace") as f:
                return f.read()
        except OSError as e:
            return "(no maillog: %s)" % e


def postfix_available():
    """None when Postfix can run here, else why not."""
    for prog in ("/usr/sbin/postfix", "/usr/sbin/sendmail",
                 os.path.join(POSTFIX_DAEMON_DIR, "master"),
                 os.path.join(POSTFIX_DAEMON_DIR, "postlogd")):
        if not os.access(prog, os.X_OK):
            return "%s is missing (apt-get install postfix)" % prog
    try:
        pwd.getpwnam("postfix")
        grp.getgrnam("postdrop")
    except KeyError as e:
        return "user/group missing: %s" % e
    if os.geteuid() != 0:
        return "Postfix's master must run as root"
    return None


def dnsmasq_available():
    if not os.path.isabs(prog("dnsmasq")):
        return "dnsmasq is missing (apt-get install dnsmasq-base)"
    return None


# ==== the Mailhive side: small helpers shared by test_queue and test_faults

def json_rows(inst, sql):
    """Rows of SQL as a list of dicts (through json_agg, so any text in
    the values is safe)."""
    import json
    out = inst.psql("SELECT coalesce(json_agg(t), '[]'::json) FROM (%s) t" % sql).strip()
    return json.loads(out or "[]")


def inbox(inst, address):
    """The messages of ADDRESS's INBOX: [{id, subject, sha, size, at}]."""
    from harness import sql_literal
    return json_rows(inst, """
        SELECT m.id, m.subject, m.blob_sha256 AS sha, m.size,
               extract(epoch FROM m.internal_date)::float8 AS at
        FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id
        JOIN users u ON u.id = b.user_id
        WHERE u.address = %s AND b.name = 'INBOX' ORDER BY m.id""" % sql_literal(address))


def blob_bytes(inst, sha):
    """The stored message text of a blob."""
    root = inst.config["store.blob_dir"]
    with open(os.path.join(root, sha[:2], sha[2:4], sha), "rb") as f:
        return f.read()


def inbox_with(inst, address, needle, subject_prefix=None):
    """INBOX messages of ADDRESS whose stored text contains NEEDLE (bytes
    or str), each with 'data' (bytes) added."""
    if isinstance(needle, str):
        needle = needle.encode()
    found = []
    for m in inbox(inst, address):
        if subject_prefix is not None and not m["subject"].startswith(subject_prefix):
            continue
        try:
            data = blob_bytes(inst, m["sha"])
        except OSError:
            continue
        if needle in data:
            m["data"] = data
            found.append(m)
    return found


def wait_for(fn, timeout, interval=0.2):
    """fn() until it returns something true, or None after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def mailhived_log(inst, grep=None, lines=60):
    path = os.path.join(inst.log_dir, "mailhived.log")
    try:
        with open(path, errors="replace") as f:
            text = f.readlines()
    except OSError as e:
        return str(e)
    if grep is not None:
        text = [ln for ln in text if any(g in ln for g in
                                         ([grep] if isinstance(grep, str) else grep))]
    return "".join(text[-lines:])


def services(inst):
    """{name: pid} from run_dir/mailhived.services."""
    out = {}
    try:
        with open(os.path.join(inst.run_dir, "mailhived.services")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    out[parts[0]] = int(parts[1])
    except OSError:
        pass
    return out


def master_pid(inst):
    try:
        with open(os.path.join(inst.run_dir, "mailhived.pid")) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def tracer_pid(pid):
    """The pid tracing PID (strace), 0 when none, None when PID is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("TracerPid:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return 0


def pid_alive(pid):
    """True when PID exists and is not a zombie."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("State:"):
                    return "Z" not in line.split()[1]
    except OSError:
        return False
    return False


def tls_client_context():
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE     # the instance's certificate is self-signed
    return ctx


def smtp_open(port, src=None, starttls=False, login=None, helo="client.test", timeout=20):
    """An smtplib session to 127.0.0.1:PORT from a loopback source address
    of its own, after EHLO (and STARTTLS + EHLO, and AUTH when login is
    (user, password))."""
    import smtplib
    import harness
    s = smtplib.SMTP("127.0.0.1", port, local_hostname=helo, timeout=timeout,
                     source_address=(src or harness.next_source_address(), 0))
    code, msg = s.ehlo()
    if code != 250:
        raise AssertionError("EHLO: %d %r" % (code, msg))
    if starttls:
        s.starttls(context=tls_client_context())
        s.ehlo()
    if login:
        s.login(*login)
    return s


def smtp_transaction(s, sender, rcpts, data):
    """MAIL, RCPT..., DATA on session s; every reply as (code, text).
    DATA is sent only when some RCPT got 2xx. Returns
    {"mail": r, "rcpt": [r...], "data": r or None}."""
    import smtplib
    if isinstance(data, str):
        data = data.encode()
    out = {"mail": None, "rcpt": [], "data": None}
    code, msg = s.mail(sender)
    out["mail"] = (code, msg.decode(errors="replace"))
    if code != 250:
        return out
    for r in rcpts:
        code, msg = s.rcpt(r)
        out["rcpt"].append((code, msg.decode(errors="replace")))
    if not any(200 <= c < 300 for c, _ in out["rcpt"]):
        s.rset()
        return out
    try:
        code, msg = s.data(data)
    except smtplib.SMTPDataError as e:
        code, msg = e.smtp_code, e.smtp_error
    out["data"] = (code, msg.decode(errors="replace") if isinstance(msg, bytes) else str(msg))
    return out


def smtp_send(port, sender, rcpts, data, **kw):
    """One transaction on a fresh session (see smtp_open); the replies."""
    s = smtp_open(port, **kw)
    try:
        return smtp_transaction(s, sender, rcpts, data)
    finally:
        try:
            s.quit()
        except Exception:       # noqa: BLE001 - the session may be gone
            s.close()
