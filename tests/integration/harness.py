"""harness.py - a private Mailhive instance and clients for the integration tests.

One Instance per test run: a fresh `mktemp -d` directory (mode 0755, owned by
the mailhive user) holds the configuration file and var/. The instance is
started with `./mailhive up --conf FILE --build DIR --no-deps --no-build`,
the same code path as a developer's `./mailhive up`, on a free loopback
port, so it runs alongside the developer's own instance; `stop()` runs
`./mailhive down` and removes the directory.

Helpers:
  Instance.ctl(*args, password=None)  mailhivectl -c CONF ARGS [--password-file F]
  Instance.psql(sql)                  psql on the instance's database (-tA output)
  Instance.client(src=None)           HTTP client with its own cookie jar, bound
                                      to a source address 127.x.y.z of its own
  Instance.login_of(role)             (login, password) of a demo account

Only the Python standard library is used.
"""

import atexit
import html.parser
import http.client
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MH_USER = "mailhive"
PGBIN = "/usr/lib/postgresql/15/bin"

PORTALS = {
    # portal name: (base path, cookie name)
    "webmail": ("", "mh_webmail"),
    "domainadmin": ("/domainadmin", "mh_domainadmin"),
    "admin": ("/admin", "mh_admin"),
}

_instance = None


def instance():
    """The shared instance of this run; started on first use when the
    tests are run without run.py (then stopped at exit)."""
    global _instance
    if _instance is None:
        build = os.environ.get("MH_BUILD", os.path.join(ROOT, "build-test"))
        inst = Instance(build)
        inst.start()
        atexit.register(inst.stop)
        _instance = inst
    return _instance


def set_instance(inst):
    global _instance
    _instance = inst


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CtlResult:
    def __init__(self, args, rc, out, err):
        self.args = args
        self.rc = rc
        self.out = out
        self.err = err

    @property
    def output(self):
        return self.out + self.err

    def __repr__(self):
        return "mailhivectl %s -> exit %d\nstdout: %r\nstderr: %r" % (
            " ".join(self.args), self.rc, self.out, self.err)


class Instance:
    def __init__(self, build, http_conf=None, extra_conf=None):
        self.build = os.path.abspath(build)
        self.extra_http = dict(http_conf or {})
        # {"queue": {"resolver": "127.0.0.1:5353"}, ...}: more sections
        self.extra_conf = {k: dict(v) for k, v in (extra_conf or {}).items()}
        self.dir = None
        self.started = False
        self.credentials = {}
        self.config = {}

    # ---- life cycle -----------------------------------------------------

    def _write_conf(self):
        lines = [
            "# written by tests/integration/harness.py",
            "[general]",
            "var_dir = %s" % self.var,
            "log_level = debug",
            "[database]",
            "embedded_port = %d" % self.pg_port,
            "[http]",
            "listen = 127.0.0.1:%d" % self.http_port,
            "max_body = 1M",
        ]
        for k, v in self.extra_http.items():
            lines.append("%s = %s" % (k, v))
        lines += [
            "[smtp]",
            "listen = 127.0.0.1:%d" % self.smtp_port,
            "submission_listen = 127.0.0.1:%d" % self.submission_port,
            "smtps_listen = 127.0.0.1:%d" % self.smtps_port,
            "workers = 2",
            "[imap]",
            "listen = 127.0.0.1:%d" % self.imap_port,
            "imaps_listen = 127.0.0.1:%d" % self.imaps_port,
            "[pop3]",
            "listen = 127.0.0.1:%d" % self.pop3_port,
            "pop3s_listen = 127.0.0.1:%d" % self.pop3s_port,
        ]
        for section, keys in self.extra_conf.items():
            lines.append("[%s]" % section)
            for k, v in keys.items():
                lines.append("%s = %s" % (k, v))
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(self.conf, 0o644)

    def _mailhive(self, command, log):
        env = dict(os.environ)
        # sanitizer reports of the servers go to files checked at stop()
        env["ASAN_OPTIONS"] = "detect_leaks=0:log_path=%s/asan" % self.dir
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=%s/ubsan" % self.dir
        env.pop("MAILHIVE_CONF", None)
        with open(log, "ab") as f:
            return subprocess.run(
                [os.path.join(ROOT, "mailhive"), command, "--conf", self.conf,
                 "--build", self.build, "--no-deps", "--no-build"],
                cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, timeout=600).returncode

    def start(self):
        for prog in ("tools/mailhivectl", "backend/mailhived", "webmail/webmail.fcgi",
                     "domainadmin/domainadmin.fcgi", "admin/admin.fcgi"):
            if not os.access(os.path.join(self.build, prog), os.X_OK):
                raise RuntimeError("%s/%s is missing: build first" % (self.build, prog))
        self.dir = tempfile.mkdtemp(prefix="mailhive-it-")
        os.chmod(self.dir, 0o755)
        try:
            pw = pwd.getpwnam(MH_USER)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        except KeyError:
            pass        # ./mailhive up creates the user
        self.var = os.path.join(self.dir, "var")
        self.conf = os.path.join(self.dir, "mailhive.conf")
        self.http_port = free_port()
        self.pg_port = free_port()
        self.smtp_port = free_port()
        self.submission_port = free_port()
        self.smtps_port = free_port()
        self.imap_port = free_port()
        self.imaps_port = free_port()
        self.pop3_port = free_port()
        self.pop3s_port = free_port()
        self._write_conf()
        self.up_log = os.path.join(self.dir, "up.log")
        t0 = time.monotonic()
        rc = self._mailhive("up", self.up_log)
        self.started = True
        self.startup_seconds = time.monotonic() - t0
        if rc != 0:
            with open(self.up_log, errors="replace") as f:
                sys.stdout.write(f.read())
            raise RuntimeError("./mailhive up failed (exit %d)" % rc)
        with open(os.path.join(self.var, "credentials")) as f:
            for line in f:
                role, login, password = line.split()
                self.credentials[role, login] = password
        r = self.ctl("config")
        if r.rc != 0:
            raise RuntimeError("mailhivectl config failed: %r" % r)
        for line in r.out.splitlines():
            k, _, v = line.partition("=")
            self.config[k] = v
        self.run_dir = self.config["derived.run_dir"]
        self.log_dir = self.config["derived.log_dir"]

    def sanitizer_reports(self):
        """Texts of AddressSanitizer/UBSan reports the servers wrote."""
        reports = []
        if not self.dir or not os.path.isdir(self.dir):
            return reports
        for name in sorted(os.listdir(self.dir)):
            if name.startswith(("asan.", "ubsan.")):
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text = f.read()
                if "ERROR: AddressSanitizer" in text or "runtime error" in text:
                    reports.append("%s:\n%s" % (name, text))
        return reports

    def stop(self, keep=False):
        """./mailhive down, then remove the directory (unless keep)."""
        if not self.dir:
            return []
        reports = []
        if self.started:
            rc = self._mailhive("down", os.path.join(self.dir, "down.log"))
            if rc != 0:
                with open(os.path.join(self.dir, "down.log"), errors="replace") as f:
                    sys.stdout.write(f.read())
            self.started = False
            reports = self.sanitizer_reports()
        if keep:
            print("instance directory kept: %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        return reports

    def log_tail(self, name, lines=40):
        path = os.path.join(self.log_dir, name)
        try:
            with open(path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError as e:
            return str(e)

    # ---- accounts -------------------------------------------------------

    def login_of(self, role):
        """(login, password) of the first demo account with ROLE."""
        for (r, login), pw in self.credentials.items():
            if r == role:
                return login, pw
        raise KeyError(role)

    def password_of(self, login):
        for (r, lg), pw in self.credentials.items():
            if lg == login:
                return pw
        raise KeyError(login)

    # ---- mailhivectl and psql ------------------------------------------

    def ctl(self, *args, password=None, conf=None, password_file=None, timeout=120):
        """Run mailhivectl -c CONF ARGS. With password, write it to a
        0600 file and add --password-file FILE."""
        argv = [os.path.join(self.build, "tools/mailhivectl"), "-c", conf or self.conf]
        argv += [str(a) for a in args]
        tmp = None
        if password is not None:
            fd, tmp = tempfile.mkstemp(prefix="mh-pw-", dir=self.dir)
            os.fchmod(fd, 0o600)
            os.write(fd, password.encode() + b"\n")
            os.close(fd)
            argv += ["--password-file", tmp]
        elif password_file is not None:
            argv += ["--password-file", password_file]
        try:
            env = dict(os.environ)
            env.pop("MAILHIVE_CONF", None)
            p = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True,
                               stdin=subprocess.DEVNULL, timeout=timeout)
        finally:
            if tmp:
                os.unlink(tmp)
        return CtlResult(argv[3:], p.returncode,
                         p.stdout.decode(errors="replace"),
                         p.stderr.decode(errors="replace"))

    def psql(self, sql, check=True):
        """Run SQL on the instance's database; return stdout (-tA format).
        Raises RuntimeError on an SQL error when check is set."""
        p = subprocess.run(
            [os.path.join(PGBIN, "psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1",
             "-h", self.run_dir, "-p", str(self.pg_port), "-U",
             self.config.get("database.embedded_user", MH_USER), "-d", "mailhive",
             "-c", sql],
            capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
        if check and p.returncode != 0:
            raise RuntimeError("psql failed: %s\n%s" % (sql, p.stderr.decode(errors="replace")))
        return p.stdout.decode(errors="replace")

    def psql_value(self, sql):
        return self.psql(sql).strip()

    def table_exists(self, name):
        return self.psql_value("SELECT to_regclass(%s) IS NOT NULL" % sql_literal(name)) == "t"

    def table_counts(self, exclude=("audit_log", "login_failures", "web_sessions")):
        """{table: row count} for every table in schema public."""
        names = self.psql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").split()
        counts = {}
        for n in names:
            if n in exclude:
                continue
            counts[n] = int(self.psql_value("SELECT count(*) FROM public.%s" % sql_ident(n)))
        return counts

    # ---- HTTP -----------------------------------------------------------

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.http_port

    def client(self, src=None):
        return Client(self, src or next_source_address())


def sql_literal(s):
    return "'" + s.replace("'", "''") + "'"


def sql_ident(s):
    return '"' + s.replace('"', '""') + '"'


# ==== HTTP client ==========================================================

_src_counter = [0]


def next_source_address():
    """A loopback source address no other client of this run uses, so the
    per-address login limits of one test do not touch another. (127.0.0.2
    and 127.0.0.3 are left for the tests that name them.)"""
    _src_counter[0] += 1
    n = _src_counter[0]
    return "127.0.%d.%d" % (1 + n // 250, 1 + n % 250)


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers        # http.client.HTTPMessage
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def header(self, name):
        return self.headers.get(name)

    def header_all(self, name):
        return self.headers.get_all(name) or []

    @property
    def location_path(self):
        """Path of the Location header (absolute or relative form)."""
        loc = self.header("Location")
        if loc is None:
            return None
        return urllib.parse.urlsplit(loc).path

    def set_cookies(self):
        """{name: (value, {attr-lower: value})} of Set-Cookie headers."""
        out = {}
        for line in self.header_all("Set-Cookie"):
            name, value, attrs = parse_set_cookie(line)
            out[name] = (value, attrs)
        return out

    def __repr__(self):
        return "<HTTP %d %s, %d bytes: %r>" % (
            self.status, self.reason, len(self.body), self.text[:300])


def parse_set_cookie(line):
    parts = [p.strip() for p in line.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        if not p:
            continue
        k, eq, v = p.partition("=")
        attrs[k.strip().lower()] = v.strip() if eq else True
    return name.strip(), value.strip(), attrs


def cookie_is_deletion(value, attrs):
    if value == "":
        return True
    if str(attrs.get("max-age", "1")).strip() in ("0", "-1"):
        return True
    exp = attrs.get("expires")
    if isinstance(exp, str):
        try:
            from email.utils import parsedate_to_datetime
            import datetime
            t = parsedate_to_datetime(exp)
            if t.tzinfo is None:
                t = t.replace(tzinfo=datetime.timezone.utc)
            if t < datetime.datetime.now(datetime.timezone.utc):
                return True
        except (TypeError, ValueError):
            pass
    return False


class Client:
    """HTTP/1.1 client: one connection per request, a cookie jar, a fixed
    source address, no redirect following."""

    def __init__(self, inst, src):
        self.inst = inst
        self.src = src
        self.cookies = {}

    def request(self, method, path, body=None, headers=None, cookies=None,
                timeout=60):
        hdrs = {"Host": "127.0.0.1:%d" % self.inst.http_port,
                "User-Agent": "mailhive-integration-test"}
        jar = dict(self.cookies)
        if cookies is not None:
            jar = dict(cookies)
        if jar:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in jar.items())
        if headers:
            hdrs.update(headers)
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.inst.http_port,
                                          timeout=timeout, source_address=(self.src, 0))
        try:
            conn.request(method, path, body=body, headers=hdrs)
            r = conn.getresponse()
            data = r.read()
            resp = Response(r.status, r.reason, r.headers, data)
        finally:
            conn.close()
        if cookies is None:
            self._store(resp)
        return resp

    def _store(self, resp):
        for name, (value, attrs) in resp.set_cookies().items():
            if cookie_is_deletion(value, attrs):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields, headers=None, **kw):
        """POST fields (dict or list of pairs) as x-www-form-urlencoded."""
        body = urllib.parse.urlencode(fields)
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if headers:
            h.update(headers)
        return self.request("POST", path, body=body, headers=h, **kw)

    def login_page(self, base, headers=None):
        """GET BASE/login; returns (response, csrf token or None)."""
        r = self.get(base + "/login", headers=headers)
        form = find_form(r.text, base + "/login")
        token = form["inputs"].get("_csrf") if form else None
        return r, token

    def login(self, base, username, password, headers=None):
        """GET the login form, then POST it. Returns the POST response."""
        r, token = self.login_page(base)
        if r.status != 200 or token is None:
            raise AssertionError("no login form at %s/login: %r" % (base, r))
        return self.post(base + "/login",
                         {"username": username, "password": password, "_csrf": token},
                         headers=headers)

    def raw(self, data, read_timeout=30):
        """Send raw bytes on a fresh connection (ignoring a reset while
        sending) and return the response parsed from what comes back."""
        s = socket.create_connection(("127.0.0.1", self.inst.http_port),
                                     timeout=read_timeout, source_address=(self.src, 0))
        try:
            try:
                view = memoryview(data)
                while view:
                    n = s.send(view[:65536])
                    view = view[n:]
            except (BrokenPipeError, ConnectionResetError):
                pass
            chunks = []
            try:
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    chunks.append(b)
            except (ConnectionResetError, socket.timeout):
                pass
        finally:
            s.close()
        return parse_raw_response(b"".join(chunks))


def parse_raw_response(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/\d\.\d (\d{3}) ?(.*)", lines[0] if lines else "")
    if not m:
        raise AssertionError("no HTTP response: %r" % data[:200])
    msg = http.client.HTTPMessage()
    for line in lines[1:]:
        k, _, v = line.partition(":")
        msg[k.strip()] = v.strip()
    return Response(int(m.group(1)), m.group(2), msg, body)


# ==== HTML =================================================================

class _PageParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.ids = {}            # id -> text content
        self._form = None
        self._open_ids = []      # [id, depth, [texts]]
        self._depth = 0
        self.tags = []

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
            "meta", "source", "track", "wbr"}

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        self.tags.append((tag, a))
        if tag == "form":
            self._form = {"method": a.get("method", "get").lower(),
                          "action": a.get("action", ""), "inputs": {},
                          "input_attrs": []}
            self.forms.append(self._form)
        elif tag in ("input", "button", "textarea", "select") and self._form is not None:
            if "name" in a:
                self._form["inputs"].setdefault(a["name"], a.get("value", ""))
                self._form["input_attrs"].append(a)
        if tag not in self.VOID:
            self._depth += 1
            if "id" in a:
                self._open_ids.append([a["id"], self._depth, []])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag in self.VOID:
            return
        while self._open_ids and self._open_ids[-1][1] >= self._depth:
            ident, _, texts = self._open_ids.pop()
            self.ids.setdefault(ident, "".join(texts))
        self._depth = max(0, self._depth - 1)

    def handle_data(self, data):
        for entry in self._open_ids:
            entry[2].append(data)


def parse_page(text):
    p = _PageParser()
    p.feed(text)
    p.close()
    for ident, _, texts in p._open_ids:
        p.ids.setdefault(ident, "".join(texts))
    return p


def find_form(text, action=None, method=None):
    """The first form (optionally with this action path) of a page:
    {'method', 'action', 'inputs': {name: value}, 'input_attrs': [...]}"""
    for f in parse_page(text).forms:
        if action is not None and urllib.parse.urlsplit(f["action"]).path != action:
            continue
        if method is not None and f["method"] != method:
            continue
        return f
    return None


def element_text(text, ident):
    return parse_page(text).ids.get(ident)


def dump(obj):
    return json.dumps(obj, indent=1, default=str)
