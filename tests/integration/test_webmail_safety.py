"""test_webmail_safety.py - webmail under hostile input, over HTTP through
nginx, checked at the IMAP server.

  a) IMAP injection: search terms, folder names (create, rename, move
     target) and actions carrying CR, LF, quotes, backslashes, NUL and
     "{5}" / "{5+}" literal markers never make a second IMAP command or a
     literal: the server's command log (mailhived logs every command at
     level debug) and, when strace is installed, the bytes the IMAP
     workers read are checked line by line; the user's folders and
     messages are compared before and after.
  b) the IMAP server stopped (SIGTERM to mailhived's master): the pages say
     "mail server unavailable" with 503, the web session survives, and the
     next request after the restart works.
  c) messages that do not parse cleanly (bad or missing boundaries,
     truncated base64, bogus headers, no headers at all, no From) still
     show, with their source and their attachments.
  d) parts are downloads: Content-Disposition: attachment, nosniff, a CSP
     with default-src 'none', never an active type (HTML, SVG, XML, script)
     whatever the part claims, no header injection through file names.
  e) one user cannot reach another user's folders or messages through
     f, uid, part, to or parent, on any page or action.

Each test has users of its own. Messages are put in place with IMAP
APPEND (exact bytes) unless the test is about SMTP delivery.
"""

import base64
import email.utils
import html
import imaplib
import os
import re
import signal
import smtplib
import socket
import subprocess
import time
import unittest
import urllib.parse
import uuid

import harness
import peers
from test_webmail import new_user


# ==== users, messages, IMAP ==============================================

def message(subject, body="Hello.\r\n", frm="Sender <one@outside.test>",
            ctype="text/plain; charset=utf-8", headers=""):
    return ("From: %s\r\nTo: someone@example.test\r\nSubject: %s\r\n"
            "Date: %s\r\nMessage-ID: <%s@outside.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: %s\r\n%s\r\n%s" % (
                frm, subject, email.utils.formatdate(time.time()),
                uuid.uuid4().hex, ctype, headers, body)).encode("utf-8")


def rows(text):
    """[(uid, subject)] of the message list, in page order."""
    out = []
    for m in re.finditer(r'<tr class="[^"]*" data-uid="(\d+)">(.*?)</tr>', text, re.S):
        subj = re.search(r'<td class="subject"><a [^>]*>(.*?)</a>', m.group(2), re.S)
        out.append((int(m.group(1)), html.unescape(subj.group(1)) if subj else None))
    return out


def part_links(text):
    """[(href, name)] of the attachment list of a reading page."""
    return [(html.unescape(m.group(1)), html.unescape(m.group(2))) for m in
            re.finditer(r'href="(/mail/part\?[^"]+)">([^<]*)</a>', text)]


class Imap:
    """imaplib as a user, with the few calls the tests need."""

    def __init__(self, inst, login, password):
        self.m = imaplib.IMAP4("127.0.0.1", inst.imap_port, timeout=30)
        self.m.login(login, password)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.m.logout()
        except (imaplib.IMAP4.error, OSError):
            pass

    @staticmethod
    def quote(name):
        return '"%s"' % name.replace("\\", "\\\\").replace('"', '\\"')

    def create(self, name):
        typ, data = self.m._simple_command("CREATE", self.quote(name))
        if typ != "OK":
            raise AssertionError("CREATE %r: %r" % (name, data))

    def append(self, folder, raw, flags=None):
        typ, data = self.m.append(self.quote(folder), flags, None, raw)
        if typ != "OK":
            raise AssertionError("APPEND to %r: %r" % (folder, data))
        return int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))

    def folders(self):
        """every folder name (decoded from the LIST quoting)"""
        typ, data = self.m.list()
        names = []
        for line in data:
            if isinstance(line, tuple):        # a name sent as a literal
                names.append(line[1].decode())
                continue
            m = re.search(rb' (?:"((?:[^"\\]|\\.)*)"|(\S+))$', line)
            names.append(re.sub(r"\\(.)", r"\1", m.group(1).decode()) if m.group(1)
                         is not None else m.group(2).decode())
        return sorted(names)

    def state(self):
        """{folder: sorted [(uid, sorted flags)]}: everything a change
        of the user's mail would show in"""
        out = {}
        for name in self.folders():
            typ, _ = self.m.select(self.quote(name), readonly=True)
            if typ != "OK":
                out[name] = None
                continue
            typ, data = self.m.uid("FETCH", "1:*", "(FLAGS)")
            msgs = []
            for line in data:
                if not line:
                    continue
                if isinstance(line, tuple):
                    line = line[0]
                m = re.search(rb"UID (\d+)", line)
                f = re.search(rb"FLAGS \(([^)]*)\)", line)
                if m:
                    msgs.append((int(m.group(1)), tuple(sorted(
                        x for x in f.group(1).decode().split() if x != "\\Recent"))))
            out[name] = sorted(msgs)
        return out

    def fetch(self, folder, uid):
        self.m.select(self.quote(folder), readonly=True)
        typ, data = self.m.uid("FETCH", str(uid), "(BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple):
                return item[1]
        return None


class CommandLog:
    """The IMAP commands mailhived logged (event=imap_command, level
    debug) for one user's sessions since mark()."""

    def __init__(self, inst):
        self.path = os.path.join(inst.log_dir, "mailhived.log")
        self.offset = 0

    def mark(self):
        self.offset = os.path.getsize(self.path)

    def commands(self, login):
        with open(self.path, "rb") as f:
            data = f.read()
        sessions = set(re.findall(rb"event=imap_login session=(\S+) user=%s " %
                                  re.escape(login.encode()), data))
        out = []
        for m in re.finditer(rb'event=imap_command session=(\S+) command=(?:"([^"]*)"|(\S+))',
                             data[self.offset:]):
            if m.group(1) in sessions:
                out.append((m.group(2) if m.group(2) is not None else m.group(3)).decode())
        return out


# ---- the IMAP wire, as the server's workers read it -------------------------

def imap_tokens(line):
    """Tokens of one IMAP command line (bytes, no CRLF): ("atom", s),
    ("quoted", decoded s), ("(",), (")",), ("literal", n). A quoted
    string that does not end, or a stray byte, raises ValueError."""
    out = []
    i = 0
    n = len(line)
    while i < n:
        c = line[i:i + 1]
        if c == b" ":
            i += 1
        elif c in (b"(", b")", b"[", b"]"):
            out.append((c.decode(),))
            i += 1
        elif c == b'"':
            j = i + 1
            buf = bytearray()
            while True:
                if j >= n:
                    raise ValueError("unterminated quoted string")
                ch = line[j:j + 1]
                if ch == b"\\":
                    if j + 1 >= n or line[j + 1:j + 2] not in (b'"', b"\\"):
                        raise ValueError("bad escape in quoted string")
                    buf += line[j + 1:j + 2]
                    j += 2
                    continue
                if ch == b'"':
                    break
                if ch in (b"\r", b"\n", b"\0"):
                    raise ValueError("CR, LF or NUL in a quoted string")
                buf += ch
                j += 1
            out.append(("quoted", buf.decode("utf-8", "replace")))
            i = j + 1
        else:
            m = re.match(rb"\{(\d+)(\+?)\}$", line[i:])
            if m:
                out.append(("literal", int(m.group(1))))
                break
            m = re.match(rb'[^ ()\[\]"]+', line[i:])
            out.append(("atom", m.group(0).decode("utf-8", "replace")))
            i += m.end()
    return out


class WireTap:
    """strace on the IMAP workers: the bytes they read from webmail's
    connections, as command lines. AUTHENTICATE's answer (the service
    secret) is replaced by "<secret>"."""

    def __init__(self, inst):
        self.inst = inst
        self.proc = None
        self.out = os.path.join(inst.dir, "imap-wire-%s.strace" % uuid.uuid4().hex[:6])

    @staticmethod
    def available():
        return os.path.isabs(peers.prog("strace"))

    def start(self):
        self.pids = sorted(p for n, p in peers.services(self.inst).items()
                           if n.startswith("imap/"))
        if not self.pids:
            raise AssertionError("no imap workers in %r" % peers.services(self.inst))
        argv = [peers.prog("strace"), "-f", "-qq", "-yy", "-s", "262144", "-xx",
                "-e", "trace=read", "-o", self.out]
        for p in self.pids:
            argv += ["-p", str(p)]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if not peers.wait_for(lambda: all(peers.tracer_pid(p) == self.proc.pid
                                          for p in self.pids), 10, 0.05):
            self.stop()
            raise AssertionError("strace could not attach to %r" % self.pids)

    def stop(self):
        """Detach; returns {connection: [command line bytes]}."""
        if self.proc is None:
            return {}
        time.sleep(0.2)         # the last reads
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None
        peers.wait_for(lambda: all(peers.tracer_pid(p) in (0, None) for p in self.pids), 10, 0.05)
        streams = {}
        port = ":%d->" % self.inst.imap_port
        with open(self.out, errors="replace") as f:
            for line in f:
                m = re.match(r'(\d+)\s+read\((\d+)<(.*?)>, "((?:\\x[0-9a-f]{2})*)"', line)
                if not m or port not in m.group(3):
                    continue
                key = (m.group(1), m.group(3))
                streams.setdefault(key, bytearray()).extend(bytes.fromhex(
                    m.group(4).replace("\\x", "")))
        os.unlink(self.out)
        out = {}
        for key, data in streams.items():
            lines = bytes(data).split(b"\r\n")
            if lines and lines[-1] == b"":
                lines.pop()
            for i in range(1, len(lines)):
                if re.match(rb"\S+ AUTHENTICATE ", lines[i - 1]):
                    lines[i] = b"<secret>"
            out[key] = lines
        return out


# ==== the tests ==================================================================

class WebmailSafetyTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.inst = harness.instance()

    # ---- small steps ----

    def user(self, tag, messages=(), folders=()):
        """A new user with messages [(folder, raw)] put in place by IMAP
        APPEND and extra folders; returns (login, password, client,
        {subject-or-index: (folder, uid)})"""
        login, password = new_user(self.inst, tag)
        placed = {}
        with Imap(self.inst, login, password) as imap:
            for name in folders:
                imap.create(name)
            for i, (folder, raw) in enumerate(messages):
                uid = imap.append(folder, raw)
                m = re.search(rb"^Subject: (.*?)\r?$", raw, re.M)
                placed[m.group(1).decode() if m else i] = (folder, uid)
        c = self.inst.client(None)
        r = c.login("", login, password)
        self.assertEqual(r.status, 303, r)
        return login, password, c, placed

    def get(self, c, path, status=200):
        r = c.get(path)
        self.assertEqual(r.status, status, "GET %s: %r\n%s" % (
            path, r, self.inst.log_tail("webmail.log", 10)))
        return r

    def csrf(self, c):
        r = self.get(c, "/mail/folders")
        form = [f for f in harness.parse_page(r.text).forms if "_csrf" in f["inputs"]]
        self.assertTrue(form, "no form with a CSRF token on /mail/folders")
        return form[0]["inputs"]["_csrf"]

    def state(self, login, password):
        with Imap(self.inst, login, password) as imap:
            return imap.state()

    def check_wire(self, wire, allowed, names=None):
        """Every line webmail sent is one command: a tag, a command from
        allowed, tokens that parse (quoted strings closed, no CR or LF
        inside), no literal; and the folder of every CREATE, RENAME,
        DELETE and MOVE is one of names (when given). Returns the lines."""
        lines = []
        for key, ls in wire.items():
            if not ls:
                continue
            for line in ls:
                if line == b"<secret>":
                    continue
                lines.append(line)
                try:
                    toks = imap_tokens(line)
                except ValueError as e:
                    self.fail("IMAP line %r: %s" % (line, e))
                self.assertNotIn("literal", [t[0] for t in toks],
                                 "a literal on the wire: %r" % line)
                self.assertGreaterEqual(len(toks), 2, line)
                self.assertEqual(toks[0][0], "atom", line)
                cmd = toks[1][1].upper() if toks[1][0] == "atom" else None
                if cmd == "UID" and len(toks) > 2 and toks[2][0] == "atom":
                    cmd = "UID " + toks[2][1].upper()
                self.assertIn(cmd, allowed, "unexpected command line %r" % line)
                if names is not None and cmd in ("CREATE", "RENAME", "DELETE", "UID MOVE",
                                                 "UID COPY"):
                    for t in toks[2:] if cmd in ("CREATE", "RENAME", "DELETE") else toks[4:]:
                        self.assertIn(t[1] if len(t) > 1 else t, names,
                                      "%s of an unexpected folder: %r" % (cmd, line))
        return lines

    # ==== a) IMAP injection ======================================================

    def test_a0_wire_checks_catch_injections(self):
        """check_wire() itself: what an injection would look like fails"""
        ok = {"UID SORT", "SELECT"}
        self.check_wire({"c": [b'7 UID SORT (DATE) UTF-8 FROM "x\\\" {5}"', b"8 SELECT INBOX"]},
                        ok)
        for bad in ([b'7 UID SORT (DATE) UTF-8 FROM "x', b'A1 DELETE INBOX"'],
                    [b'7 UID SORT (DATE) UTF-8 FROM {5}', b"x ALL"],
                    [b'7 UID SORT (DATE) UTF-8 FROM "a\\q"'],
                    [b'7 SELECT "{5+}" {3+}']):
            with self.assertRaises(AssertionError, msg=repr(bad)):
                self.check_wire({"c": bad}, ok)
        with self.assertRaises(AssertionError):
            self.check_wire({"c": [b"9 DELETE other"]}, {"DELETE"}, names={"mine"})

    HOSTILE_TERMS = [
        '"} OR ALL {', 'x" OR ALL "', '") ALL ("', ") ALL (", "x\r\nA1 DELETE INBOX",
        "x\rA2 EXPUNGE", "x\nA3 LOGOUT", "{5}\r\nALL", "{5+}\r\nALL", "{0}", "x {3}",
        "\\", '\\"', '"', 'x\\" ALL', "* ALL", "%", "NOT ALL", "x\t ALL", "\u5b63\u5ea6 {5}",
        "a\x01b",
    ]

    def test_a1_search_terms_stay_strings(self):
        subjects = ["Alpha report", "Beta notes", "Gamma plan"]
        login, password, c, _ = self.user(
            "srch", [("INBOX", message(s, frm="Finance <fin@outside.test>"))
                     for s in subjects])
        before = self.state(login, password)
        log = CommandLog(self.inst)
        log.mark()
        tap = WireTap(self.inst) if WireTap.available() else None
        if tap:
            tap.start()
        try:
            # the controls: a plain search still finds what it should
            r = self.get(c, "/mail?f=INBOX&q=Alpha")
            self.assertEqual([s for _, s in rows(r.text)], ["Alpha report"])
            r = self.get(c, "/mail?f=INBOX&a_from=fin%40outside.test")
            self.assertEqual(len(rows(r.text)), 3)
            # hostile terms in every field: a search for the string, which
            # no message holds
            for term in self.HOSTILE_TERMS:
                q = urllib.parse.quote(term, safe="")
                for field in ("q=%s", "q=%s&in=from", "q=%s&in=subject", "q=%s&in=body",
                              "a_from=%s", "a_to=%s", "a_subject=%s", "a_body=%s"):
                    path = "/mail?f=INBOX&" + field % q
                    r = self.get(c, path)
                    self.assertEqual(rows(r.text), [], "%s matched: %r" % (path, rows(r.text)))
                    self.assertRegex(r.text, r'id="total"[^>]*>0<', path)
            # what the form layer refuses: NUL, bytes that are not UTF-8
            for raw in ("q=x%00y", "q=%FF%FE", "a_from=%C0%BC", "f=INBOX%00"):
                self.get(c, "/mail?f=INBOX&" + raw, status=400)
            # the other fields are parsed, not passed on
            for raw, status in (("since=2024-01-01)%20ALL%20(", 422),
                                ("before=2024-01-01%0D%0AA1%20DELETE%20INBOX", 422),
                                ("min_kb=1%20ALL", 422), ("max_kb=%7B5%7D", 422),
                                ("sort=date)%20ALL%20(", 200), ("order=asc%0D%0AX", 200),
                                ("in=from)%20ALL%20(&q=zz", 200), ("page=1%0D%0A", 200),
                                ("n=20%20ALL", 200)):
                r = self.get(c, "/mail?f=INBOX&" + raw, status=status)
                if status == 422:
                    self.assertIsNotNone(harness.element_text(r.text, "form-error"), raw)
                want = [] if "q=zz" in raw else subjects
                self.assertEqual(sorted(s for _, s in rows(r.text)), sorted(want), raw)
        finally:
            wire = tap.stop() if tap else None
        read_only = {"AUTHENTICATE", "CAPABILITY", "NOOP", "LIST", "STATUS", "SELECT",
                     "EXAMINE", "UID SORT", "UID SEARCH", "UID FETCH", "UID THREAD",
                     "LOGOUT", "ID", "ENABLE"}
        cmds = log.commands(login)
        self.assertTrue(cmds, "no IMAP command of %s in mailhived.log" % login)
        self.assertEqual(sorted(set(cmds) - read_only), [],
                         "commands beyond reading: %r" % cmds)
        if wire is not None:
            lines = self.check_wire(wire, read_only)
            # every hostile term went out whole, as one quoted string
            sent = set()
            for line in lines:
                for t in imap_tokens(line):
                    if t[0] == "quoted":
                        sent.add(t[1])
            for term in self.HOSTILE_TERMS:
                self.assertIn(term.replace("\r", " ").replace("\n", " "), sent,
                              "%r was not sent as one quoted string" % term)
        self.assertEqual(self.state(login, password), before)

    def test_a2_folder_names_and_actions(self):
        login, password, c, placed = self.user(
            "fold", [("INBOX", message("Keep %d" % i)) for i in range(4)])
        token = self.csrf(c)
        before = self.state(login, password)
        log = CommandLog(self.inst)
        log.mark()
        tap = WireTap(self.inst) if WireTap.available() else None
        if tap:
            tap.start()
        try:
            # names the folder form refuses (CR, LF, quotes, backslash,
            # the delimiter, wildcards) and names it takes as they are
            for name in ("x\r\nA1 DELETE INBOX", "y\nA2 DELETE Trash", 'q"uote', "back\\slash",
                         "a/b", "wild*", "wild%", "{5+}\r\n"):
                r = c.post("/mail/folders", {"_csrf": token, "op": "create", "name": name})
                self.assertEqual(r.status, 422, "create %r: %r" % (name, r))
                self.assertIsNotNone(harness.element_text(r.text, "form-error"), name)
            r = c.request("POST", "/mail/folders", body="_csrf=%s&op=create&name=x%%00y" % token,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(r.status, 400, r)
            for name in ("{5}", "{5+} x", "(a) [b]"):
                r = c.post("/mail/folders", {"_csrf": token, "op": "create", "name": name})
                self.assertEqual(r.status, 303, "create %r: %r" % (name, r))
            # rename: a hostile current name is not a folder; a hostile new
            # name is refused; a literal-looking one is taken
            for f, name, status in (("INBOX\r\nA3 DELETE INBOX", "z", 404),
                                    ("{5}", "n\r\nA4 DELETE INBOX", 422),
                                    ("{5}", "{7}", 303)):
                r = c.post("/mail/folders", {"_csrf": token, "op": "rename", "f": f,
                                             "name": name})
                self.assertEqual(r.status, status, "rename %r to %r: %r" % (f, name, r))
            # move: the target must be one of the user's folders
            uid = placed["Keep 0"][1]
            for to in ("Trash\r\nA5 EXPUNGE", "{7}\r\n", "INBOX\"", "{5}"):
                r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "move"),
                                            ("to", to), ("uid", uid)])
                self.assertEqual(r.status, 404, "move to %r: %r" % (to, r))
            r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "move"),
                                        ("to", "{7}"), ("uid", uid)])
            self.assertEqual(r.status, 303, r)
            # actions and UIDs are words and numbers, nothing else
            for fields in ([("op", "read\r\nA6 DELETE INBOX"), ("uid", placed["Keep 1"][1])],
                           [("op", "read"), ("uid", "1\r\nA7 DELETE INBOX")],
                           [("op", "read"), ("uid", "1:*")], [("op", "read"), ("uid", "1,2")],
                           [("op", "flag"), ("uid", "-1")], [("op", "flag"), ("uid", "{5}")],
                           [("op", "delete"), ("uid", "4294967296")]):
                r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX")] + fields)
                self.assertEqual(r.status, 400, "%r: %r" % (fields, r))
            r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX\r\nA8 DELETE INBOX"),
                                        ("op", "read"), ("uid", placed["Keep 1"][1])])
            self.assertEqual(r.status, 404, r)
            # the folders with odd names work like any other
            r = self.get(c, "/mail?f=%7B7%7D")
            self.assertEqual([s for _, s in rows(r.text)], ["Keep 0"])
            r = c.post("/mail/folders", {"_csrf": token, "op": "delete", "f": "{5+} x"})
            self.assertEqual(r.status, 303, r)
        finally:
            wire = tap.stop() if tap else None
        cmds = log.commands(login)
        after = self.state(login, password)
        expected = dict(before)
        expected["INBOX"] = [m for m in before["INBOX"] if m[0] != uid]
        self.assertEqual(sorted(after), sorted(list(before) + ["{7}", "(a) [b]"]))
        self.assertEqual(len(after["{7}"]), 1)
        for name in before:
            if name != "INBOX":
                self.assertEqual(after[name], before[name], name)
        self.assertEqual([m[0] for m in after["INBOX"]], [m[0] for m in expected["INBOX"]])
        self.assertEqual([cmds.count(x) for x in ("CREATE", "RENAME", "DELETE")],
                         [3, 1, 1], cmds)
        self.assertNotIn("EXPUNGE", cmds)
        if wire is not None:
            allowed = {"AUTHENTICATE", "CAPABILITY", "NOOP", "LIST", "STATUS", "SELECT",
                       "UID SORT", "UID FETCH", "UID MOVE", "UID COPY", "UID STORE",
                       "UID EXPUNGE", "CREATE", "RENAME", "DELETE", "LOGOUT"}
            self.check_wire(wire, allowed, names={"{5}", "{5+} x", "(a) [b]", "{7}"})

    def test_a3_odd_names_from_the_server(self):
        """Folders made by another client with quotes, backslashes and
        literal markers in their names round-trip through LIST, SELECT
        and MOVE exactly."""
        odd = ['q"uote', "back\\slash", "{5}", "{5+}", "sp ace"]
        login, password, c, placed = self.user(
            "odd", [("INBOX", message("Mover"))] + [(n, message("In %s" % n)) for n in odd],
            folders=odd)
        pane = self.get(c, "/mail").text
        for name in odd:
            self.assertIn('data-folder="%s"' % html.escape(name, quote=True), pane, name)
            q = urllib.parse.quote(name, safe="")
            r = self.get(c, "/mail?f=" + q)
            self.assertEqual([s for _, s in rows(r.text)], ["In %s" % name], name)
            folder, uid = placed["In %s" % name]
            r = self.get(c, "/mail/source?f=%s&uid=%d" % (q, uid))
            self.assertIn(b"Subject: In " + name.encode(), r.body)
            r = self.get(c, "/mail/read?f=%s&uid=%d" % (q, uid))
            self.assertEqual(harness.element_text(r.text, "subject"), "In %s" % name)
        token = self.csrf(c)
        r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "move"),
                                    ("to", 'q"uote'), ("uid", placed["Mover"][1])])
        self.assertEqual(r.status, 303, r)
        state = self.state(login, password)
        self.assertEqual(len(state['q"uote']), 2)
        self.assertEqual(state["INBOX"], [])
        for name in odd[1:]:
            self.assertEqual(len(state[name]), 1, name)

    # ==== b) the IMAP server is down ===============================================

    def stop_mailhived(self):
        master = peers.master_pid(self.inst)
        svcs = list(peers.services(self.inst).values())
        self.assertTrue(master, "no mailhived master")
        os.kill(master, signal.SIGTERM)
        gone = peers.wait_for(lambda: not any(peers.pid_alive(p) for p in [master] + svcs), 45, 0.1)
        self.assertTrue(gone, "mailhived did not stop")
        with socket.socket() as s:
            self.assertNotEqual(s.connect_ex(("127.0.0.1", self.inst.imap_port)), 0,
                                "the IMAP port still takes connections")

    def start_mailhived(self):
        """mailhived again, as ./mailhive up starts it (falling back to
        ./mailhive up itself); waits until IMAP greets"""
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = "detect_leaks=0:log_path=%s/asan" % self.inst.dir
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=%s/ubsan" % self.inst.dir
        env.pop("MAILHIVE_CONF", None)
        subprocess.run(["runuser", "-u", harness.MH_USER, "--",
                        os.path.join(self.inst.build, "backend/mailhived"), "-c", self.inst.conf,
                        "-d"], cwd=harness.ROOT, env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=60)

        def greets():
            try:
                with socket.create_connection(("127.0.0.1", self.inst.imap_port), 2) as s:
                    return s.recv(100).startswith(b"* OK")
            except OSError:
                return False
        if not peers.wait_for(greets, 15, 0.1):
            self.inst._mailhive("up", os.path.join(self.inst.dir, "up.log"))
            self.assertTrue(peers.wait_for(greets, 15, 0.1), "IMAP did not come back")

    def with_imap_down(self, c, fn):
        """fn() while mailhived is stopped; then mailhived runs again"""
        self.stop_mailhived()
        try:
            return fn()
        finally:
            self.start_mailhived()

    def assert_unavailable(self, r, what):
        self.assertEqual(r.status, 503, "%s: %r" % (what, r))
        self.assertIn("The mail server cannot be reached right now", r.text, what)
        self.assertIsNone(r.header("Location"), what)

    def test_b1_imap_down_then_back(self):
        login, password, c, placed = self.user("down", [("INBOX", message("Still here"))])
        token = self.csrf(c)
        for _ in range(4):      # pooled connections in the workers
            self.get(c, "/mail")

        def down():
            for path in ("/mail", "/mail?f=INBOX&q=x", "/mail/folders"):
                self.assert_unavailable(c.get(path), path)
            r = c.post("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "read"),
                                        ("uid", placed["Still here"][1])])
            self.assert_unavailable(r, "POST /mail/action")
            r = c.post("/mail/folders", {"_csrf": token, "op": "create", "name": "New"})
            self.assert_unavailable(r, "POST /mail/folders")
            # the session is the database's: still there
            self.assertIn("mh_webmail", c.cookies)
        self.with_imap_down(c, down)
        r = self.get(c, "/mail")
        self.assertEqual([s for _, s in rows(r.text)], ["Still here"])
        r = self.get(c, "/mail/read?f=INBOX&uid=%d" % placed["Still here"][1])
        self.assertIn("Still here", harness.element_text(r.text, "subject"))

    # Bug: a lost IMAP connection during SELECT is answered as a missing
    # folder. webmail/mail.c open_message() (for /mail/read, /mail/body,
    # /mail/part) answers a failed imapc_select() with 404 "not_found";
    # so do webmail/folders.c wm_page_source() (failed imapc_select() or
    # imapc_fetch_message()) and webmail/mail.c posted_sender() (for
    # POST /mail/sender). When the IMAP server is down and the worker still
    # holds a pooled connection for the user, SELECT fails because the
    # retry cannot reconnect, and the page should be the 503 "The mail
    # server cannot be reached" of imap_unavailable(), as /mail gives.
    # Expected: 503 for each request below; actual: 404 from each worker
    # that had a pooled connection (imapc would have to tell a NO from a
    # connection failure). Un-mark once the two are told apart.
    def test_b2_imap_down_reading_a_message(self):
        login, password, c, placed = self.user("down2", [("INBOX", message("Read me"))])
        uid = placed["Read me"][1]
        token = self.csrf(c)
        paths = ["/mail/read?f=INBOX&uid=%d" % uid, "/mail/body?f=INBOX&uid=%d" % uid,
                 "/mail/source?f=INBOX&uid=%d" % uid, "/mail/part?f=INBOX&uid=%d&part=1" % uid]
        for _ in range(5):      # pooled connections in every worker
            for p in paths:
                self.get(c, p)
        got = []

        def down():
            for _ in range(3):
                for p in paths:
                    r = c.get(p)
                    got.append((p, r.status, "cannot be reached" in r.text))
                r = c.post("/mail/sender", {"_csrf": token, "f": "INBOX", "uid": uid,
                                            "op": "contact"})
                got.append(("POST /mail/sender", r.status, "cannot be reached" in r.text))
        self.with_imap_down(c, down)
        self.get(c, paths[0])
        self.assertEqual([g for g in got if g[1:] != (503, True)], [])

    # ==== c) messages that do not parse cleanly =========================================

    PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
                           "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

    def broken_messages(self):
        png64 = base64.b64encode(self.PNG).decode()
        return {
            # the boundary in the header is not the one in the body
            "wrong boundary": (
                "From: a@outside.test\r\nSubject: wrong boundary\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/mixed; boundary=\"AAA\"\r\n\r\n--BBB\r\n"
                "Content-Type: text/plain\r\n\r\nlost text\r\n--BBB--\r\n").encode(),
            # multipart without a boundary parameter
            "no boundary": (
                "From: a@outside.test\r\nSubject: no boundary\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/mixed\r\n\r\n--X\r\nContent-Type: text/plain\r\n\r\n"
                "x\r\n--X--\r\n").encode(),
            # the attachment's base64 stops in the middle, no closing boundary
            "truncated": (
                "From: a@outside.test\r\nSubject: truncated\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/mixed; boundary=TT\r\n\r\n--TT\r\n"
                "Content-Type: text/plain\r\n\r\nsee the picture\r\n--TT\r\n"
                "Content-Type: image/png; name=dot.png\r\n"
                "Content-Disposition: attachment; filename=\"dot.png\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n" % png64[:-13]).encode(),
            # a header line without a colon, 8-bit bytes in a header, the
            # boundary given twice (the second quote never closed), an
            # unknown transfer encoding, a bogus charset, bad
            # quoted-printable, unclosed quotes in the part's names, base64
            # with junk in it
            "bogus headers": (
                b"From: a@outside.test\r\nSubject: bogus headers\r\nthis line has no colon\r\n"
                b"X-8bit: \xff\xfe\xfd\r\nMIME-Version: 1.0\r\n"
                b"Content-Type: multipart/mixed; boundary=\"QQ\"; boundary=\"RR\r\n"
                b"Content-Transfer-Encoding: x-unknown\r\n\r\n--QQ\r\n"
                b"Content-Type: text/plain; charset=\"no-such-charset\r\n"
                b"Content-Transfer-Encoding: quoted-printable\r\n\r\nbad =ZZ qp=\r\n--QQ\r\n"
                b"Content-Type: application/pdf; name=\"r\xe9port.pdf\r\n"
                b"Content-Disposition: attachment; filename=\"report.pdf\r\n"
                b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK!!!*\r\n--QQ--\r\n"),
            # an attached message whose own structure is broken
            "broken inner": (
                "From: a@outside.test\r\nSubject: broken inner\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/mixed; boundary=O\r\n\r\n--O\r\n"
                "Content-Type: text/plain\r\n\r\nforwarded\r\n--O\r\n"
                "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n"
                "Content-Type: multipart/mixed; boundary=I\r\n\r\n--I\r\n"
                "Content-Type: text/plain\r\n\r\ninner text\r\n--O--\r\n").encode(),
        }

    def test_c1_broken_mime_still_shows(self):
        msgs = self.broken_messages()
        login, password, c, placed = self.user("mime", [("INBOX", raw) for raw in msgs.values()])
        r = self.get(c, "/mail")
        self.assertEqual(sorted(s for _, s in rows(r.text)), sorted(msgs))
        want_parts = {"truncated": ["dot.png"], "bogus headers": ["report.pdf"],
                      "broken inner": []}
        for subject, raw in msgs.items():
            uid = placed[subject][1]
            r = self.get(c, "/mail/read?f=INBOX&uid=%d" % uid)
            self.assertEqual(harness.element_text(r.text, "subject"), subject)
            links = {a.get("id"): a.get("href") for t, a in harness.parse_page(r.text).tags
                     if t == "a"}
            self.assertIn("source", links, subject)
            src = self.get(c, links["source"])
            self.assertEqual(src.body, raw, subject)
            self.assertTrue(src.header("Content-Type").startswith("text/plain"), subject)
            eml = self.get(c, links["eml"])
            self.assertEqual(eml.body, raw, subject)
            # the attachments that can be found are listed (a name may
            # keep the stray quote of its header)
            parts = part_links(r.text)
            if subject in want_parts:
                self.assertTrue(parts, "%s: no attachment listed" % subject)
                for want in want_parts[subject]:
                    self.assertTrue([n for _, n in parts if want in n],
                                    "%s: %s not among %r" % (subject, want, parts))
            for href, name in parts:
                d = self.get(c, href)
                self.assertTrue(d.header("Content-Disposition").startswith("attachment"), name)
                if name == "dot.png":
                    self.assertTrue(d.body.startswith(self.PNG[:16]), d.body[:20])
            if "<iframe" in r.text:
                self.get(c, "/mail/body?f=INBOX&uid=%d" % uid)

    # Bug: webmail/message.c wm_message_parse() returns -1 when GMime
    # builds no message (g_mime_parser_construct_message() gives NULL for
    # text that does not begin with a header, such as a message stored
    # without headers by an IMAP client or an mbox "From " line first),
    # and webmail/mail.c open_message() then answers 404 on /mail/read,
    # /mail/body and /mail/part although the message is in the list and
    # /mail/source serves it. Expected: the reading page (200) with the
    # raw text as the body and the source link; actual: 404 "There is no
    # such page".
    def test_c2_message_without_headers_can_be_read(self):
        raws = [b"just text, no header block at all\r\nsecond line\r\n",
                b"From someone@outside.test Mon Jan  1 00:00:00 2024\r\nSubject: mbox\r\n\r\nbody\r\n"]
        login, password, c, placed = self.user("nohdr", [("INBOX", raw) for raw in raws])
        uids = sorted(u for _, u in placed.values())
        for uid, raw in zip(uids, raws):
            self.assertEqual(self.get(c, "/mail/source?f=INBOX&uid=%d" % uid).body, raw)
        results = [(uid, c.get("/mail/read?f=INBOX&uid=%d" % uid).status) for uid in uids]
        self.assertEqual([s for _, s in results], [200] * len(uids), results)

    # Bug: webmail/imapc.c envelope() walks env->env_from->frm_list
    # without checking it: for a message without a From header the server
    # sends ENVELOPE (... NIL ...), libetpan gives an env_from whose
    # frm_list is NULL, and clist_begin(NULL) crashes the worker
    # (SIGSEGV). Anyone can send such a message by SMTP; every list page
    # that shows it is then a 502 (nginx: upstream prematurely closed
    # connection). Expected: the list (200) with the message, sender
    # empty; actual: 502. (address_list() has the NULL check envelope()
    # lacks.) Un-mark once envelope() checks frm_list.
    def test_c3_message_without_from_in_the_list(self):
        login, password, c, placed = self.user("nofrom", [("INBOX", message("Listed first"))])
        with smtplib.SMTP("127.0.0.1", self.inst.smtp_port, timeout=30) as s:
            s.sendmail("anyone@outside.test", [login],
                       b"To: %s\r\nSubject: No sender header\r\n\r\nhello\r\n" % login.encode())
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with Imap(self.inst, login, password) as imap:
                if len(imap.state()["INBOX"]) == 2:
                    break
            time.sleep(0.1)
        try:
            r = c.get("/mail")
        finally:
            self.expected_crash_reports()
        self.assertEqual(r.status, 200, r)
        self.assertEqual(sorted(s for _, s in rows(r.text)), ["Listed first", "No sender header"])

    # Bug: webmail/message.c wm_to_utf8() returns "" for a text or HTML
    # part that holds a NUL byte: the UTF-8 fast path refuses NUL, and
    # convert() refuses every conversion because g_utf8_validate() with a
    # length returns FALSE for a NUL inside it, down to the ISO-8859-1
    # fallback. The reading page then shows an empty body (an HTML one an
    # empty frame). Expected: the text around the NUL (the NUL dropped or
    # shown as U+FFFD); actual: nothing.
    def test_c4_nul_byte_in_the_text(self):
        login, password, c, _ = self.user("nul")
        bodies = {"nul text": ("text/plain; charset=utf-8", b"before the NUL\x00after it\r\n"),
                  "nul html": ("text/html; charset=utf-8", b"<p>before the NUL\x00after it</p>")}
        with smtplib.SMTP("127.0.0.1", self.inst.smtp_port, timeout=30) as s:
            for subject, (ctype, body) in bodies.items():
                s.sendmail("anyone@outside.test", [login], message(
                    subject, ctype=ctype, headers="Content-Transfer-Encoding: base64\r\n",
                    body=base64.encodebytes(body).decode().replace("\n", "\r\n")))
        deadline = time.monotonic() + 15
        while len(rows(self.get(c, "/mail").text)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        got = {}
        for uid, subject in rows(self.get(c, "/mail").text):
            r = self.get(c, "/mail/read?f=INBOX&uid=%d" % uid)
            text = harness.element_text(r.text, "textbody")
            if text is None:
                text = self.get(c, "/mail/body?f=INBOX&uid=%d" % uid).text
            got[subject] = "before the NUL" in text and "after it" in text
        self.assertEqual(got, {"nul text": True, "nul html": True})

    def expected_crash_reports(self):
        """Set aside sanitizer reports of the known crash in envelope()
        (webmail/imapc.c; a SEGV, or UBSan's null member access), so that
        a sanitizer build does not fail the whole run for the bug the test
        above documents; any other report stays where run.py looks."""
        time.sleep(0.5)
        for name in os.listdir(self.inst.dir):
            if not name.startswith(("asan.", "ubsan.")):
                continue
            path = os.path.join(self.inst.dir, name)
            with open(path, errors="replace") as f:
                text = f.read()
            if ("SEGV" in text or "null pointer" in text) and \
                    re.search(r"in envelope .*webmail/imapc\.c", text):
                os.rename(path, os.path.join(self.inst.dir, "known-" + name))

    # ==== d) parts are downloads ====================================================

    ACTIVE_TYPES = {"text/html", "image/svg+xml", "text/xml", "application/xml",
                    "application/xhtml+xml", "text/javascript", "application/javascript",
                    "application/ecmascript", "text/xsl", "multipart/x-mixed-replace",
                    "application/x-shockwave-flash", "application/pdf+html"}
    INLINE_OK = {"image/png", "image/gif", "image/jpeg", "image/webp"}

    def test_d1_parts_are_downloads(self):
        parts = [
            ("text/html", "page.html", b"<script>alert(1)</script>"),
            ("TEXT/HTML; charset=utf-8", "upper.htm", b"<b>x</b>"),
            ("image/svg+xml", "pic.svg",
             b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
            ("text/xml", "data.xml", b"<?xml version='1.0'?><x/>"),
            ("application/xhtml+xml", "page.xhtml",
             b"<html xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></html>"),
            ("application/javascript", "code.js", b"alert(1)"),
            ("image/png", "fake.png", b"<html><script>alert(1)</script></html>"),
            ("image/png", "real.png", self.PNG),
            ("application/octet-stream", "evil\"\r\nSet-Cookie: pwn=1\r\nX-Injected: 1.html",
             b"header injection"),
            ("text/plain; charset=\"utf-8\r\nX-Injected: 2\"", "note.txt", b"plain"),
            ("application/pdf", "\u62a5\u544a.pdf", b"%PDF-1.4\n"),
        ]
        raw = ("From: a@outside.test\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
               "Content-Type: multipart/mixed; boundary=PB\r\n\r\n--PB\r\n"
               "Content-Type: text/plain\r\n\r\nSee the files.\r\n").encode()
        for ctype, name, data in parts:
            raw += ("--PB\r\nContent-Type: %s\r\nContent-Disposition: attachment; "
                    "filename*=UTF-8''%s\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n" % (
                        ctype, urllib.parse.quote(name, safe=""),
                        base64.b64encode(data).decode())).encode()
        raw += b"--PB--\r\n"
        login, password, c, placed = self.user("parts", [("INBOX", raw)])
        uid = placed["parts"][1]
        r = self.get(c, "/mail/read?f=INBOX&uid=%d" % uid)
        links = part_links(r.text)
        self.assertEqual(len(links), len(parts), links)
        by_bytes = {data: name for _, name, data in parts}
        for href, shown in links:
            for extra in ("", "&inline=1"):
                d = self.get(c, href + extra)
                what = "%s%s" % (shown, extra)
                self.assertIn(d.body, by_bytes, what)
                self.assertEqual(d.header("X-Content-Type-Options"), "nosniff", what)
                self.assertIn("default-src 'none'", d.header("Content-Security-Policy") or "",
                              what)
                ctype = (d.header("Content-Type") or "").split(";")[0].strip().lower()
                self.assertNotIn(ctype, self.ACTIVE_TYPES, what)
                self.assertFalse(ctype.endswith("+xml") or ctype.endswith("/xml"), what)
                disp = d.header("Content-Disposition") or ""
                if not (extra and ctype in self.INLINE_OK):
                    self.assertTrue(disp.startswith("attachment;"), "%s: %r" % (what, disp))
                self.assertNotRegex(disp, r"[\r\n]", what)
                self.assertEqual(d.header_all("Set-Cookie"), [], what)
                self.assertIsNone(d.header("X-Injected"), what)
        # the source and the .eml are text and a download, never a page
        src = self.get(c, "/mail/source?f=INBOX&uid=%d" % uid)
        self.assertTrue(src.header("Content-Type").startswith("text/plain"))
        self.assertEqual(src.header("X-Content-Type-Options"), "nosniff")
        self.assertIn("default-src 'none'", src.header("Content-Security-Policy"))
        eml = self.get(c, "/mail/source?f=INBOX&uid=%d&download=1" % uid)
        self.assertEqual(eml.header("Content-Type"), "message/rfc822")
        self.assertTrue(eml.header("Content-Disposition").startswith("attachment"))
        self.assertEqual(eml.body, raw)
        # parts that are not there
        for part in ("0", "99", "-1", "1.2", "2%20", "4294967296", "%7B5%7D"):
            self.get(c, "/mail/part?f=INBOX&uid=%d&part=%s" % (uid, part), status=404)

    # ==== e) other users' mail =========================================================

    def test_e1_no_way_into_another_users_mail(self):
        tok = "zq" + uuid.uuid4().hex[:12]
        secret = "Secret-" + tok
        attach = ("From: a@outside.test\r\nSubject: %s attachment\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: multipart/mixed; boundary=S\r\n\r\n--S\r\n"
                  "Content-Type: text/plain\r\n\r\n%s body\r\n--S\r\n"
                  "Content-Type: application/octet-stream\r\n"
                  "Content-Disposition: attachment; filename=%s.bin\r\n\r\n%s bytes\r\n--S--\r\n"
                  % (tok, tok, tok, tok)).encode()
        victim, vpass, vc, vplaced = self.user(
            "victim", [("INBOX", message("%s one" % tok, body="%s\r\n" % tok)),
                       ("INBOX", message("%s two" % tok)), ("INBOX", attach),
                       ("INBOX", message("%s html" % tok, body="<p>%s</p>" % tok,
                                         ctype="text/html; charset=utf-8")),
                       (secret, message("%s hidden" % tok)), (secret, message("%s hidden2" % tok))],
            folders=[secret])
        attacker, apass, c, aplaced = self.user("attacker", [("INBOX", message("Mine"))])
        token = self.csrf(c)
        vlocal = victim.split("@")[0]
        before = self.state(victim, vpass)
        uids = sorted({u for _, u in vplaced.values()})
        names = [secret, "INBOX/../" + secret, "../%s/INBOX" % victim, "%s/INBOX" % victim,
                 "~%s/INBOX" % vlocal, "#user/%s/INBOX" % victim, "Other Users/%s/INBOX" % vlocal,
                 "user.%s" % vlocal, "*", "%", "INBOX*", victim]
        seen = []

        def look(r, what):
            seen.append(what)
            self.assertNotIn(tok.encode(), r.body, "%s shows the other user's mail" % what)

        for f in names:
            q = urllib.parse.quote(f, safe="")
            r = self.get(c, "/mail?f=%s" % q, status=404)
            look(r, "/mail?f=" + f)
            r = self.get(c, "/mail/folders?delete=%s" % q)
            look(r, "/mail/folders?delete=" + f)
            self.assertIsNone(harness.element_text(r.text, "confirm-delete"), f)
            for uid in uids[:2]:
                for path in ("/mail/read?f=%s&uid=%d", "/mail/body?f=%s&uid=%d",
                             "/mail/source?f=%s&uid=%d", "/mail/source?f=%s&uid=%d&download=1",
                             "/mail/part?f=%s&uid=%d&part=2"):
                    p = path % (q, uid)
                    r = self.get(c, p, status=404)
                    look(r, p)
        # the victim's UIDs in the attacker's own INBOX: only the
        # attacker's message, or nothing
        mine = aplaced["Mine"][1]
        for uid in uids:
            for path in ("/mail/read?f=INBOX&uid=%d", "/mail/body?f=INBOX&uid=%d",
                         "/mail/source?f=INBOX&uid=%d", "/mail/part?f=INBOX&uid=%d&part=1",
                         "/mail/part?f=INBOX&uid=%d&part=2&inline=1"):
                r = c.get(path % uid)
                self.assertIn(r.status, (200, 404) if uid == mine else (404,), path % uid)
                look(r, path % uid)
        # actions naming the victim's folders, or their UIDs in our own
        posts = []
        for f in names:
            for op in ("read", "unread", "flag", "unflag", "delete", "purge", "move", "empty"):
                fields = [("_csrf", token), ("f", f), ("op", op), ("confirm", "1"),
                          ("to", "INBOX")] + [("uid", u) for u in uids]
                posts.append(("/mail/action", fields, (404,)))
            posts.append(("/mail/sender", {"_csrf": token, "f": f, "uid": uids[0],
                                           "op": "contact"}, (404,)))
            posts.append(("/mail/folders", {"_csrf": token, "op": "create", "name": "x",
                                            "parent": f}, (404,)))
            for op in ("rename", "delete"):
                posts.append(("/mail/folders", {"_csrf": token, "op": op, "f": f,
                                                "name": "taken"}, (404,)))
        for op in ("read", "flag", "delete", "purge"):
            posts.append(("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", op),
                                           ("confirm", "1")] +
                          [("uid", u) for u in uids if u != mine], (303,)))
        for to in names:
            posts.append(("/mail/action", [("_csrf", token), ("f", "INBOX"), ("op", "move"),
                                           ("to", to), ("uid", mine)], (404,)))
        for path, fields, statuses in posts:
            r = c.post(path, fields)
            self.assertIn(r.status, statuses, "POST %s %r: %r" % (path, fields, r))
            look(r, "POST %s" % path)
        # a folder of the attacker's own with the victim's folder name
        # is the attacker's
        with Imap(self.inst, attacker, apass) as imap:
            imap.create(secret)
        r = self.get(c, "/mail?f=%s" % urllib.parse.quote(secret, safe=""))
        self.assertEqual(rows(r.text), [])
        self.assertNotIn("%s hidden" % tok, r.text)
        for uid in uids:
            r = c.get("/mail/read?f=%s&uid=%d" % (urllib.parse.quote(secret, safe=""), uid))
            self.assertEqual(r.status, 404)
        # nothing of the victim's changed; the attacker kept their own
        self.assertEqual(self.state(victim, vpass), before)
        astate = self.state(attacker, apass)
        self.assertEqual([u for u, _ in astate["INBOX"]], [mine])
        self.assertEqual(self.inst.psql_value(
            "SELECT count(*) FROM contacts WHERE user_id = (SELECT id FROM users WHERE"
            " address = %s)" % harness.sql_literal(attacker)), "0")
        self.assertGreater(len(seen), 200)


if __name__ == "__main__":
    unittest.main()
