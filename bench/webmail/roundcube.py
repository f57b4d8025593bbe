"""roundcube.py - a private Roundcube for bench/webmail/run.py.

  roundcube_missing()     None when the Debian packages are there, else
                          what is missing
  install_packages(log)   apt-get install of what is missing (php-fpm
                          first, then roundcube and roundcube-sqlite3,
                          without recommends; apt-get update when the
                          package lists do not know them yet)

  BenchRoundcube(dir, imap_port, smtp_port=None, children=10, cache=False)
      Roundcube 1.6 from the Debian package (its code in
      /var/lib/roundcube, /usr/share/roundcube), with everything else
      under DIR and written here: config/config.inc.php (read through
      ROUNDCUBE_CONFIG_DIR; config/defaults.inc.php is a symbolic link to
      the package's list of defaults, which Roundcube needs beside it),
      an SQLite database made from the package's sqlite.initial.sql,
      php.ini (no scan of /etc/php: the extensions Roundcube needs are
      named here, opcache on), a php-fpm pool (`pm = static`, `children`
      processes) on a unix socket, and an nginx on a free port of
      127.0.0.1 shaped like Mailhive's (one worker, keep-alive, access
      log, /etc/nginx/fastcgi_params). nginx and php-fpm run in the
      foreground as www-data, children of this script in sessions of
      their own, and are stopped by their pids. Roundcube reads the mail
      over IMAP from imap_port on 127.0.0.1, in plain text, logging in
      with the user's password, with Roundcube's default of no IMAP or
      message cache (cache=True: both, in the SQLite database).
        start(), stop(), fpm_pid(), nginx_pid(), url, port, log_text()

Only the Python standard library.
"""

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import time

RC_ROOT = "/var/lib/roundcube"          # INSTALL_PATH of the Debian package
RC_PUBLIC = RC_ROOT + "/public_html"
RC_DEFAULTS = "/etc/roundcube/defaults.inc.php"
RC_SQLITE_SCHEMA = "/usr/share/roundcube/SQL/sqlite.initial.sql"
NGINX = "/usr/sbin/nginx"
RUN_AS = "www-data"

# PHP extensions Roundcube 1.6 uses that Debian builds as modules, in an
# order that satisfies their dependencies
PHP_EXTENSIONS = ["pdo", "pdo_sqlite", "sqlite3", "xml", "dom", "simplexml",
                  "xmlreader", "xmlwriter", "ctype", "fileinfo", "iconv", "intl",
                  "mbstring", "tokenizer", "exif"]


def php_fpm_binary():
    found = sorted(glob.glob("/usr/sbin/php-fpm[0-9]*"))
    return found[-1] if found else None


def php_extension_dir(fpm):
    """PHP's module directory, as the php-fpm binary reports it."""
    p = subprocess.run([fpm, "-n", "-i"], capture_output=True, text=True, timeout=30)
    for line in p.stdout.splitlines():
        if line.startswith("extension_dir =>"):
            d = line.split("=>")[1].strip()
            if os.path.isdir(d):
                return d
    dirs = sorted(glob.glob("/usr/lib/php/20*"))
    return dirs[-1] if dirs else None


def roundcube_missing():
    """None when roundcube, php-fpm, PHP's SQLite driver and nginx are
    installed, else a list of the Debian packages to install."""
    need = []
    fpm = php_fpm_binary()
    if fpm is None:
        need.append("php-fpm")
    if not os.path.exists(os.path.join(RC_ROOT, "index.php")) or \
            not os.path.exists(RC_DEFAULTS):
        need.append("roundcube")
    if not os.path.exists(RC_SQLITE_SCHEMA) or not glob.glob("/usr/lib/php/20*/pdo_sqlite.so"):
        need.append("roundcube-sqlite3")
    if not os.access(NGINX, os.X_OK):
        need.append("nginx")
    return need or None


def _apt(args, log):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    p = subprocess.run(["apt-get"] + args, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=1800)
    if p.returncode != 0:
        log("apt-get %s failed:\n%s" % (" ".join(args), p.stdout[-2000:]))
    return p.returncode == 0


def _apt_knows(pkg):
    p = subprocess.run(["apt-cache", "policy", pkg], capture_output=True, text=True,
                       timeout=60)
    return "Candidate:" in p.stdout and "Candidate: (none)" not in p.stdout


def install_packages(log):
    """Install what roundcube_missing() names; True when nothing is
    missing afterwards."""
    need = roundcube_missing()
    if not need:
        return True
    log("installing Debian packages: %s" % " ".join(need))
    if not all(_apt_knows(p) for p in need):
        if not _apt(["update", "-q"], log):
            return False
    # the package would otherwise offer to make a database of its own
    subprocess.run(["debconf-set-selections"], input="roundcube-core"
                   " roundcube/dbconfig-install boolean false\n", text=True,
                   capture_output=True, timeout=60)
    common = ["install", "-y", "-q", "--no-install-recommends",
              "-o", "DPkg::Lock::Timeout=900"]
    # php-fpm alone first, so that PHP's SAPI dependency is met by it and
    # not by Apache's module
    if "php-fpm" in need and not _apt(common + ["php-fpm"], log):
        return False
    rest = [p for p in need if p != "php-fpm"]
    if "roundcube" in rest or "roundcube-sqlite3" in rest:
        rest = sorted(set(rest) | {"roundcube", "roundcube-sqlite3"})
    if rest and not _apt(common + rest, log):
        return False
    still = roundcube_missing()
    if still:
        log("still missing after apt-get: %s" % " ".join(still))
        return False
    return True


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _php_quote(s):
    return "'" + str(s).replace("\\", "\\\\").replace("'", "\\'") + "'"


CONFIG_PHP = """<?php
// written by bench/webmail/run.py for one benchmark run
$config = [];
$config['db_dsnw'] = {dsn};
$config['imap_host'] = {imap};
$config['smtp_host'] = {smtp};
$config['des_key'] = {key};
$config['product_name'] = 'Roundcube (benchmark)';
$config['support_url'] = '';
$config['plugins'] = [];
$config['skin'] = 'elastic';
$config['log_driver'] = 'file';
$config['log_dir'] = {logs};
$config['temp_dir'] = {temp};
$config['enable_installer'] = false;
$config['enable_spellcheck'] = false;
// the same list as Mailhive's webmail: 50 a page, newest first
$config['mail_pagesize'] = 50;
$config['message_sort_col'] = 'date';
$config['message_sort_order'] = 'DESC';
// shipped defaults, spelled out (the cache only with --roundcube-cache):
// no IMAP or message cache, sessions in the database, messages marked
// read when opened
$config['imap_cache'] = {imap_cache};
$config['messages_cache'] = {messages_cache};
$config['session_storage'] = 'db';
$config['mail_read_time'] = 0;
$config['session_lifetime'] = 60;
"""

PHP_INI = """; written by bench/webmail/run.py
[PHP]
engine = On
short_open_tag = Off
memory_limit = 128M
max_execution_time = 120
output_buffering = 4096
display_errors = Off
display_startup_errors = Off
log_errors = On
error_log = {logs}/php-errors.log
error_reporting = E_ALL & ~E_DEPRECATED & ~E_STRICT
expose_php = Off
zend.assertions = -1
post_max_size = 26M
upload_max_filesize = 25M
file_uploads = On
allow_url_fopen = On
date.timezone = UTC
session.auto_start = 0
session.gc_probability = 0
session.use_strict_mode = 0
extension_dir = {extdir}
{extensions}
zend_extension = opcache
opcache.enable = 1
opcache.memory_consumption = 128
opcache.interned_strings_buffer = 8
opcache.max_accelerated_files = 10000
"""

FPM_CONF = """; written by bench/webmail/run.py
[global]
pid = {run}/php-fpm.pid
error_log = {logs}/php-fpm.log
daemonize = no

[roundcube]
listen = {run}/php-fpm.sock
listen.mode = 0600
pm = static
pm.max_children = {children}
pm.max_requests = 0
clear_env = yes
catch_workers_output = yes
env[ROUNDCUBE_CONFIG_DIR] = {config}
env[TMPDIR] = {temp}
"""

NGINX_CONF = """# written by bench/webmail/run.py: the same shape as Mailhive's nginx
daemon off;
worker_processes 1;
pid "{run}/nginx.pid";
error_log "{logs}/nginx-error.log" warn;

events {{
    worker_connections 512;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    charset utf-8;
    server_tokens off;
    sendfile on;
    keepalive_timeout 30s;
    absolute_redirect off;

    access_log "{logs}/nginx-access.log";

    client_body_temp_path "{tmp}/client_body";
    proxy_temp_path "{tmp}/proxy";
    fastcgi_temp_path "{tmp}/fastcgi";
    uwsgi_temp_path "{tmp}/uwsgi";
    scgi_temp_path "{tmp}/scgi";
    client_max_body_size 25M;

    server {{
        listen 127.0.0.1:{port};
        server_name _;
        root "{public}";

        # for measuring the load generator: no FastCGI behind it
        location = /bench-null {{
            access_log off;
            return 204;
        }}

        location = / {{
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root/index.php;
            fastcgi_read_timeout 120s;
            fastcgi_pass "unix:{run}/php-fpm.sock";
        }}

        location = /index.php {{
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root/index.php;
            fastcgi_read_timeout 120s;
            fastcgi_pass "unix:{run}/php-fpm.sock";
        }}

        # skins, scripts and images of the package
        location / {{
            try_files $uri =404;
            expires 1h;
        }}
    }}
}}
"""


class BenchRoundcube:
    name = "roundcube"

    def __init__(self, dir, imap_port, smtp_port=None, children=10, cache=False):
        self.cache = cache
        self.dir = os.path.abspath(dir)
        self.imap_port = imap_port
        self.smtp_port = smtp_port or 9
        self.children = children
        self.port = None
        self.fpm = None
        self.nginx = None
        self.owner = pwd.getpwnam(RUN_AS)

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self.port

    def _path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _prepare(self):
        uid, gid = self.owner.pw_uid, self.owner.pw_gid
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        for sub in ("config", "db", "logs", "temp", "run", "nginx-tmp"):
            os.makedirs(self._path(sub), exist_ok=True)
            os.chown(self._path(sub), uid, gid)
            os.chmod(self._path(sub), 0o750 if sub != "config" else 0o755)
        fpm = php_fpm_binary()
        extdir = php_extension_dir(fpm)
        exts = [e for e in PHP_EXTENSIONS
                if os.path.exists(os.path.join(extdir, e + ".so"))]
        subst = dict(run=self._path("run"), logs=self._path("logs"),
                     temp=self._path("temp"), config=self._path("config"),
                     tmp=self._path("nginx-tmp"), public=RC_PUBLIC,
                     port=self.port, children=self.children, extdir=extdir,
                     extensions="\n".join("extension = %s" % e for e in exts))
        db = self._path("db", "roundcube.db")
        with open(RC_SQLITE_SCHEMA) as f:
            schema = f.read()
        con = sqlite3.connect(db)
        try:
            con.executescript(schema)
            con.commit()
        finally:
            con.close()
        os.chown(db, uid, gid)
        os.chmod(db, 0o600)
        files = {
            ("config", "config.inc.php"): CONFIG_PHP.format(
                dsn=_php_quote("sqlite:///%s?mode=0600" % db),
                imap=_php_quote("127.0.0.1:%d" % self.imap_port),
                smtp=_php_quote("127.0.0.1:%d" % self.smtp_port),
                key=_php_quote(secrets.token_hex(12)),
                logs=_php_quote(self._path("logs")),
                temp=_php_quote(self._path("temp")),
                imap_cache="'db'" if self.cache else "null",
                messages_cache="true" if self.cache else "false"),
            ("php.ini",): PHP_INI.format(**subst),
            ("php-fpm.conf",): FPM_CONF.format(**subst),
            ("nginx.conf",): NGINX_CONF.format(**subst),
        }
        for parts, text in files.items():
            path = self._path(*parts)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o644)
        # the config holds des_key: readable by www-data only
        cfg = self._path("config", "config.inc.php")
        os.chown(cfg, 0, gid)
        os.chmod(cfg, 0o640)
        link = self._path("config", "defaults.inc.php")
        if not os.path.lexists(link):
            os.symlink(RC_DEFAULTS, link)
        return fpm

    def _spawn(self, argv, log_name, env=None):
        out = open(self._path("logs", log_name), "ab")
        try:
            return subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, env=env, cwd=self.dir,
                user=self.owner.pw_uid, group=self.owner.pw_gid, extra_groups=[])
        finally:
            out.close()

    def start(self):
        self.port = _free_port()
        fpm = self._prepare()
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PHP_INI_SCAN_DIR": "",
               "HOME": self.dir}
        self.fpm = self._spawn([fpm, "-F", "-c", self._path("php.ini"),
                                "-y", self._path("php-fpm.conf")], "php-fpm.out", env)
        self.nginx = self._spawn([NGINX, "-p", self._path("nginx-tmp"),
                                  "-c", self._path("nginx.conf"),
                                  "-e", self._path("logs", "nginx-error.log")],
                                 "nginx.out", {"PATH": env["PATH"]})
        deadline = time.monotonic() + 30
        sock = self._path("run", "php-fpm.sock")
        while True:
            up = os.path.exists(sock) and _listening(self.port)
            dead = self.fpm.poll() is not None or self.nginx.poll() is not None
            if up and self._children_ready():
                return self
            if dead or time.monotonic() > deadline:
                text = self.log_text()
                self.stop()
                raise RuntimeError("roundcube (php-fpm, nginx) did not start:\n"
                                   + text[-3000:])
            time.sleep(0.05)

    def _children_ready(self):
        kids = 0
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == self.fpm.pid:
                        kids += 1
            except (OSError, ValueError, IndexError):
                pass
        return kids >= self.children

    def stop(self):
        """SIGQUIT to nginx (graceful), SIGTERM to php-fpm's master (it
        ends its children); SIGKILL to whichever is still there after
        30 s. Only our own pids."""
        for attr, sig in (("nginx", signal.SIGQUIT), ("fpm", signal.SIGTERM)):
            proc = getattr(self, attr)
            setattr(self, attr, None)
            if proc is None or proc.poll() is not None:
                continue
            try:
                os.kill(proc.pid, sig)
                proc.wait(timeout=30)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def fpm_pid(self):
        return self.fpm.pid if self.fpm and self.fpm.poll() is None else 0

    def nginx_pid(self):
        return self.nginx.pid if self.nginx and self.nginx.poll() is None else 0

    def log_text(self):
        text = ""
        for name in ("php-fpm.out", "php-fpm.log", "nginx.out", "nginx-error.log",
                     "php-errors.log", "errors.log"):
            try:
                with open(self._path("logs", name), errors="replace") as f:
                    body = f.read()
            except OSError:
                continue
            if body.strip():
                text += "--- %s\n%s" % (name, body[-4000:])
        return text


def _listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def rmtree(path):
    if path and os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
