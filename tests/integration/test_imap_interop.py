"""test_imap_interop.py - IMAP as RFC 3501 and its extensions define it,
checked against two servers: a private Dovecot 2.3 (the reference, see
dovecot.py) and the test instance's mailhived. Every test class below is a
mixin; for_each_server() makes two unittest classes of it, NAME + "Dovecot"
and NAME + "Mailhived", so

  run.py -k ImapInterop              both servers
  run.py -k Dovecot / -k Mailhived   one server (every interop suite)

What is asserted is what the RFCs require of any server (RFC 3501, 2177
IDLE, 2087 QUOTA, 2971 ID, 4315 UIDPLUS, 4731 ESEARCH, 5161 ENABLE, 5256
SORT/THREAD, 5258/5819 LIST-EXTENDED/LIST-STATUS, 6154 SPECIAL-USE, 6851
MOVE, 7162 CONDSTORE/QRESYNC, 7888 LITERAL+); where an RFC allows more than
one answer, each is accepted. Mailbox names are built with the hierarchy
delimiter the server reports; names outside ASCII are sent in modified
UTF-7 (RFC 3501 5.1.3), encoded by this file.

Two clients are used: Python's imaplib (ImapInteropImaplib walks through the
commands the way an application would) and Imap below, a raw client that
sends exactly what a test writes and parses every response (tagged,
untagged, continuations, literals) into Python values, so a test can check
each line. A failed assertion shows the exchange (C: / S: lines).

The server's users are made once per server (dovecot.py keeps them) and
each test works in mailboxes of its own, so tests do not depend on each
other; only the INBOX tests use users of their own (IDLE and two-session
checks, RENAME INBOX).
"""

import atexit
import base64
import datetime
import imaplib
import re
import secrets
import socket
import ssl
import time
import traceback
import unittest

import dovecot
import harness
import peers

TIMEOUT = 10.0


# ==== modified UTF-7 (RFC 3501 5.1.3) ========================================

def mutf7_encode(name):
    """A mailbox name (str) in IMAP's modified UTF-7."""
    out = []
    pending = []

    def flush():
        if pending:
            raw = "".join(pending).encode("utf-16-be")
            b64 = base64.b64encode(raw).decode("ascii").rstrip("=").replace("/", ",")
            out.append("&" + b64 + "-")
            del pending[:]

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def mutf7_decode(text):
    """The str of a modified UTF-7 mailbox name; ValueError when malformed."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "&":
            if not 0x20 <= ord(ch) <= 0x7E:
                raise ValueError("8-bit or control character in %r" % text)
            out.append(ch)
            i += 1
            continue
        end = text.find("-", i)
        if end < 0:
            raise ValueError("unterminated shift in %r" % text)
        chunk = text[i + 1:end]
        if chunk == "":
            out.append("&")
        else:
            b64 = chunk.replace(",", "/")
            raw = base64.b64decode(b64 + "=" * (-len(b64) % 4))
            if len(raw) % 2:
                raise ValueError("odd UTF-16 length in %r" % text)
            out.append(raw.decode("utf-16-be"))
        i = end + 1
    return "".join(out)


# ==== response parsing =======================================================

class Atom(str):
    """An IMAP atom (a str; NIL becomes None, strings stay plain str)."""


class _Lit(bytes):
    """Literal data inside a response being parsed."""


_LP, _RP = object(), object()


def _lex(text, out):
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \r\n\t":
            i += 1
        elif c == "(":
            out.append(_LP)
            i += 1
        elif c == ")":
            out.append(_RP)
            i += 1
        elif c == '"':
            j = i + 1
            buf = []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                raise ValueError("unterminated quoted string in %r" % text)
            out.append("".join(buf))
            i = j + 1
        else:
            j = i
            depth = 0
            while j < n:
                ch = text[j]
                if ch == "[":
                    depth += 1
                elif ch == "]" and depth:
                    depth -= 1
                elif depth == 0 and ch in ' ()"\r\n':
                    break
                j += 1
            out.append(Atom(text[i:j]))
            i = j


def parse_tokens(segments):
    """Segments (str text and _Lit data, in order) -> a list of values:
    Atom, str (quoted), bytes (literal), None (NIL), list (parenthesized)."""
    flat = []
    for seg in segments:
        if isinstance(seg, _Lit):
            flat.append(bytes(seg))
        else:
            _lex(seg, flat)
    stack = [[]]
    for t in flat:
        if t is _LP:
            stack.append([])
        elif t is _RP:
            if len(stack) == 1:
                raise ValueError("unbalanced ')'")
            done = stack.pop()
            stack[-1].append(done)
        elif isinstance(t, Atom) and t.upper() == "NIL":
            stack[-1].append(None)
        else:
            stack[-1].append(t)
    if len(stack) != 1:
        raise ValueError("unbalanced '('")
    return stack[0]


def text(v):
    """A parsed value as str (None stays None)."""
    if v is None:
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape")
    return str(v)


def octets(v):
    """A parsed string value as bytes (None -> b"")."""
    if v is None:
        return b""
    if isinstance(v, bytes):
        return v
    return str(v).encode("utf-8", "surrogateescape")


def norm_item(name):
    """A FETCH item name, upper-cased with single spaces."""
    return re.sub(r"\s+", " ", str(name).upper()).replace("( ", "(").replace(" )", ")")


_STATUS_RE = re.compile(r"\s*(?:\[([^\]]*)\])?\s?(.*)\Z", re.S)


class Untagged:
    """One untagged response: kind (upper-case), num (the number before a
    kind like EXISTS or FETCH, else None), args (parsed values after the
    kind), code / text (status responses: OK NO BAD BYE PREAUTH)."""

    def __init__(self, segments, raw):
        self.raw = raw
        self.num = None
        self.code = None
        self.text = ""
        first = segments[0][2:]             # after "* "
        m = re.match(r"(\d+) +(\S+) ?", first)
        if m:
            self.num = int(m.group(1))
            self.kind = m.group(2).upper()
            rest = [first[m.end():]] + segments[1:]
            self.args = parse_tokens(rest)
            return
        m = re.match(r"(\S+) ?", first)
        self.kind = m.group(1).upper() if m else ""
        rest_text = first[m.end():] if m else first
        if self.kind in ("OK", "NO", "BAD", "BYE", "PREAUTH"):
            sm = _STATUS_RE.match(rest_text)
            self.code = sm.group(1)
            self.text = sm.group(2)
            self.args = []
        else:
            self.args = parse_tokens([rest_text] + segments[1:])

    @property
    def code_name(self):
        return self.code.split()[0].upper() if self.code else None

    def fetch(self):
        """FETCH attributes as {ITEM: value} (normalized item names)."""
        items = self.args[0] if self.args and isinstance(self.args[0], list) else []
        d = {}
        for k, v in zip(items[0::2], items[1::2]):
            d[norm_item(k)] = v
        return d

    def __repr__(self):
        return "<* %s>" % _show(self.raw)


def _show(raw, limit=400):
    s = raw.decode("utf-8", "replace").rstrip("\r\n")
    return s if len(s) <= limit else s[:limit] + "...(%d more)" % (len(s) - limit)


class Resp:
    """The result of one command: status (OK/NO/BAD, or CLOSED when the
    connection went away), code, text, the untagged responses that came
    with it, and the exchange."""

    def __init__(self, tag, status, code, text, untagged, exchange):
        self.tag = tag
        self.status = status
        self.code = code
        self.text = text
        self.untagged = untagged
        self.exchange = exchange

    ok = property(lambda self: self.status == "OK")

    @property
    def code_name(self):
        return self.code.split()[0].upper() if self.code else None

    def code_args(self):
        return parse_tokens([self.code])[1:] if self.code else []

    def all(self, kind):
        return [u for u in self.untagged if u.kind == kind]

    def one(self, kind):
        got = self.all(kind)
        if len(got) != 1:
            raise AssertionError("expected one untagged %s, got %d:\n%r" % (kind, len(got), self))
        return got[0]

    def codes(self):
        """{CODE NAME: code text} of the untagged status responses and the
        tagged one."""
        out = {}
        for u in self.untagged:
            if u.code:
                out[u.code_name] = u.code
        if self.code:
            out[self.code_name] = self.code
        return out

    def fetches(self):
        """{seq: merged FETCH attributes} of the untagged FETCH responses."""
        out = {}
        for u in self.all("FETCH"):
            out.setdefault(u.num, {}).update(u.fetch())
        return out

    def by_uid(self):
        """{uid: merged FETCH attributes} (FETCH responses with a UID)."""
        out = {}
        for seq, d in self.fetches().items():
            if "UID" in d:
                out[int(d["UID"])] = dict(d, SEQ=seq)
        return out

    def search(self, kind="SEARCH"):
        """The numbers of the untagged SEARCH (or SORT) responses."""
        nums = []
        for u in self.all(kind):
            nums += [int(a) for a in u.args if not isinstance(a, list)]
        return nums

    def __repr__(self):
        return "%s %s%s %s\n%s" % (self.tag, self.status,
                                   " [%s]" % self.code if self.code else "",
                                   self.text, "\n".join(self.exchange))


class Closed(Exception):
    pass


class Literal:
    def __init__(self, data, sync=True):
        self.data = data if isinstance(data, bytes) else data.encode()
        self.sync = sync


def sasl_plain(login, password, authzid=""):
    """The base64 SASL PLAIN response (RFC 4616) as str."""
    raw = b"\0".join(x.encode() for x in (authzid, login, password))
    return base64.b64encode(raw).decode()


def quote(s):
    """An IMAP quoted string of an ASCII str."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mbox(name):
    """A mailbox name as a command argument: modified UTF-7, quoted."""
    return quote(mutf7_encode(name))


class Imap:
    """A raw IMAP client: commands go out as written, every response line
    (with its literals) comes back parsed. Not thread-safe."""

    def __init__(self, host, port, implicit_tls=False, timeout=TIMEOUT, src=None):
        self.timeout = timeout
        # a loopback source address of its own, so that the per-address
        # limits and failed-login penalties of servers stay per test
        self.src = src or harness.next_source_address()
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(self.src, 0))
        if implicit_tls:
            self.sock = peers.tls_client_context().wrap_socket(self.sock)
        self.buf = b""
        self.exchange = []                  # "C: ..." / "S: ..." lines
        self.pending = []                   # untagged responses not yet handed out
        self._n = 0
        # for reuse by another test (ImapCase.session): a mailbox is
        # selected; the session state changed in a way a NOOP cannot undo
        self.selected = False
        self.dirty = False
        self._verbs = {}
        kind, value = self.read()
        if kind != "*":
            raise AssertionError("no untagged greeting: %r" % (value,))
        self.greeting = value

    # ---- bytes ----

    def _note(self, prefix, raw):
        for line in raw.split(b"\r\n"):
            if line:
                self.exchange.append(prefix + _show(line, 300))
        del self.exchange[:-200]

    def send(self, data, _internal=False):
        if isinstance(data, str):
            data = data.encode()
        if not _internal:
            self.dirty = True               # a test wrote to the wire itself
        self._note("C: ", data)
        self.sock.sendall(data)

    def _fill(self, timeout):
        self.sock.settimeout(timeout)
        try:
            b = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError) as e:
            raise Closed(str(e))
        finally:
            try:
                self.sock.settimeout(self.timeout)
            except OSError:
                pass
        if not b:
            raise Closed("connection closed by the server")
        self.buf += b

    def _line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\r\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no complete line within %.1f s" % timeout)
            self._fill(left)
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _exact(self, n, timeout):
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("literal incomplete after %.1f s" % timeout)
            self._fill(left)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read(self, timeout=None):
        """One response: ("*", Untagged), ("+", text) or (tag, (status,
        code, text))."""
        timeout = self.timeout if timeout is None else timeout
        segments = []
        raw = b""
        while True:
            line = self._line(timeout)
            raw += line + b"\r\n"
            m = re.search(rb"\{(\d+)\+?\}\Z", line)
            if m and not line.startswith(b"+"):
                segments.append(line[:m.start()].decode("utf-8", "surrogateescape"))
                data = self._exact(int(m.group(1)), timeout)
                raw += data
                segments.append(_Lit(data))
                continue
            segments.append(line.decode("utf-8", "surrogateescape"))
            break
        self._note("S: ", raw)
        first = segments[0]
        if first.startswith("* ") or first == "*":
            return "*", Untagged(segments, raw)
        if first.startswith("+"):
            return "+", first[1:].strip()
        tag, _, rest = first.partition(" ")
        status, _, rest = rest.partition(" ")
        sm = _STATUS_RE.match(rest)
        return tag, (status.upper(), sm.group(1), sm.group(2))

    # ---- commands ----

    def next_tag(self):
        self._n += 1
        return "T%03d" % self._n

    def start(self, *parts):
        """Send a command (str parts and Literal parts, concatenated);
        returns (tag, None) or, when the server refused a synchronizing
        literal, (tag, Resp)."""
        tag = self.next_tag()
        self._track(tag, "".join(p for p in parts if isinstance(p, str)))
        out = tag + " "
        for part in parts:
            if isinstance(part, Literal):
                if part.sync:
                    self.send(out + "{%d}\r\n" % len(part.data), True)
                    while True:
                        kind, value = self.read()
                        if kind == "*":
                            self.pending.append(value)
                        elif kind == "+":
                            break
                        elif kind == tag:
                            return tag, self._resp(tag, value)
                        else:
                            raise AssertionError("unexpected %s %r" % (kind, value))
                    self.send(part.data, True)
                else:
                    self.send(out + "{%d+}\r\n" % len(part.data), True)
                    self.send(part.data, True)
                out = ""
            else:
                out += part
        self.send(out + "\r\n", True)
        return tag, None

    STATEFUL = ("ENABLE", "IDLE", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN",
                "MODSEQ", "CONDSTORE", "QRESYNC", "CHANGEDSINCE")

    def _track(self, tag, text):
        words = text.upper().split()
        verb = words[1] if words[:1] == ["UID"] and len(words) > 1 else (words or [""])[0]
        self._verbs[tag] = verb
        upper = text.upper()
        if verb in self.STATEFUL or any(w in upper for w in self.STATEFUL[6:]):
            self.dirty = True

    def _resp(self, tag, value):
        status, code, txt = value
        verb = self._verbs.pop(tag, None)
        if verb in ("SELECT", "EXAMINE"):
            self.selected = status == "OK"  # RFC 3501: a failed SELECT deselects
        elif verb in ("CLOSE", "UNSELECT") and status == "OK":
            self.selected = False
        if status == "CLOSED":
            self.dirty = True
        r = Resp(tag, status, code, txt, self.pending, list(self.exchange[-60:]))
        self.pending = []
        return r

    def finish(self, tag, timeout=None):
        """Read up to the tagged response of TAG."""
        try:
            while True:
                kind, value = self.read(timeout)
                if kind == "*":
                    self.pending.append(value)
                elif kind == tag:
                    return self._resp(tag, value)
                elif kind == "+":
                    raise AssertionError("unexpected continuation %r\n%s" % (
                        value, "\n".join(self.exchange[-30:])))
                else:
                    raise AssertionError("response with a foreign tag %s %r\n%s" % (
                        kind, value, "\n".join(self.exchange[-30:])))
        except Closed as e:
            return self._resp(tag, ("CLOSED", None, str(e)))

    def cmd(self, *parts, timeout=None):
        tag, early = self.start(*parts)
        if early is not None:
            return early
        return self.finish(tag, timeout)

    def wait_untagged(self, pred, timeout):
        """Read until an untagged response satisfies pred (it is returned
        and kept in pending) or the timeout passes (None)."""
        for u in self.pending:
            if pred(u):
                return u
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                kind, value = self.read(left)
            except socket.timeout:
                return None
            if kind != "*":
                raise AssertionError("unexpected %s %r while waiting" % (kind, value))
            self.pending.append(value)
            if pred(value):
                return value

    def capabilities(self):
        r = self.cmd("CAPABILITY")
        caps = set()
        for u in r.all("CAPABILITY"):
            caps |= {str(a).upper() for a in u.args}
        return caps

    def starttls(self):
        r = self.cmd("STARTTLS")
        if r.ok:
            if self.buf:
                raise AssertionError("plaintext after the OK to STARTTLS: %r" % self.buf)
            self.sock = peers.tls_client_context().wrap_socket(self.sock)
        return r

    def closed_within(self, wait):
        """True when the server closes the connection within WAIT seconds
        (what it sends before is kept in pending)."""
        deadline = time.monotonic() + wait
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                kind, value = self.read(left)
                if kind == "*":
                    self.pending.append(value)
        except Closed:
            return True
        except socket.timeout:
            return False
        except OSError:
            return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ==== sets, dates, messages ==================================================

def seqset(spec, star=None):
    """The numbers of a sequence set like "2,4:6" ("*" = star)."""
    out = set()
    if spec is None or spec == "":
        return out
    for part in str(spec).split(","):
        a, _, b = part.partition(":")
        a = star if a == "*" else int(a)
        b = a if not b else (star if b == "*" else int(b))
        out.update(range(min(a, b), max(a, b) + 1))
    return out


def imap_date(dt):
    """An IMAP date-time string for APPEND."""
    return dt.strftime('"%d-%b-%Y %H:%M:%S ') + dt.strftime("%z") + '"'


def parse_internaldate(v):
    return datetime.datetime.strptime(text(v).strip(), "%d-%b-%Y %H:%M:%S %z")


def utc(y, mo, d, h=12, mi=0, s=0):
    return datetime.datetime(y, mo, d, h, mi, s, tzinfo=datetime.timezone.utc)


def message(subject, body="Hello.\r\n", frm="Sender <sender@ext.test>",
            to="rcpt@example.test", date="Mon, 01 Jan 2024 12:00:00 +0000",
            msgid=None, extra=()):
    hdrs = [("Date", date), ("From", frm), ("To", to), ("Subject", subject),
            ("Message-ID", msgid or "<%s@interop.test>" % secrets.token_hex(6))]
    hdrs += list(extra)
    head = "".join("%s: %s\r\n" % h for h in hdrs)
    return (head + "\r\n").encode() + (body.encode() if isinstance(body, str) else body)


def flagset(v):
    return {str(f).upper() for f in (v or [])}


def uid_of_append(r):
    """The UID of APPENDUID in a tagged OK (None when absent)."""
    if r.code_name == "APPENDUID":
        args = r.code_args()
        return int(args[1])
    return None


# ==== test base ==============================================================

_idle_sessions = {}         # (server name, login) -> [Imap] kept for reuse


def close_idle_sessions():
    for conns in _idle_sessions.values():
        for c in conns:
            c.close()
    _idle_sessions.clear()


atexit.register(close_idle_sessions)


def for_each_server(mixin, namespace):
    """Two TestCase classes made of MIXIN, one per server."""
    for suffix, name in (("Dovecot", "dovecot"), ("Mailhived", "mailhived")):
        cls_name = mixin.__name__ + suffix
        namespace[cls_name] = type(cls_name, (mixin, unittest.TestCase), {
            "SERVER": name, "__module__": namespace["__name__"],
            "__doc__": (mixin.__doc__ or "").strip() + " [%s]" % name})


class ServerCase:
    """Set-up shared by the interop mixins: cls.srv is the server; a
    server that does not answer, or a set-up that failed, fails each
    test with the reason (a missing Dovecot skips)."""

    SERVER = None
    PROTO = "imap"
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.srv = None
        cls.problem = None
        if cls.SERVER == "dovecot":
            why = dovecot.dovecot_missing()
            if why:
                raise unittest.SkipTest("no private Dovecot: " + why)
        try:
            cls.srv = dovecot.server(cls.SERVER)
            cls.problem = cls.srv.greeting_problem(cls.PROTO)
            if cls.problem is None:
                cls.setUpServer()
        except Exception as e:      # noqa: BLE001 - reported by every test
            cls.problem = "class set-up failed on %s: %s: %s\n%s" % (
                cls.SERVER, type(e).__name__, e, traceback.format_exc(limit=6))

    @classmethod
    def setUpServer(cls):
        pass

    def setUp(self):
        if self.problem:
            self.fail(self.problem)


class ImapCase(ServerCase):
    USER = "imap"           # key of the server user these tests use

    @classmethod
    def setUpServer(cls):
        cls.login, cls.password = cls.srv.user(cls.USER)
        c = cls.open_session()
        try:
            r = c.cmd('LIST "" ""')
            if not r.ok or not r.all("LIST"):
                raise AssertionError("LIST \"\" \"\" failed: %r" % r)
            d = r.all("LIST")[0].args[1]
            cls.delim = text(d) if d is not None else "/"
            cls.caps = c.capabilities()
            cls.setUpMailboxes(c)
        finally:
            c.close()

    @classmethod
    def setUpMailboxes(cls, c):
        pass

    # ---- connections ----

    @classmethod
    def open_conn(cls, implicit_tls=False):
        port = cls.srv.imaps_port if implicit_tls else cls.srv.imap_port
        return Imap(cls.srv.host, port, implicit_tls=implicit_tls)

    @classmethod
    def open_session(cls, login=None, password=None, implicit_tls=False):
        """A logged-in connection; STARTTLS first when the server says
        LOGINDISABLED."""
        c = cls.open_conn(implicit_tls)
        try:
            caps = c.capabilities()
            if "LOGINDISABLED" in caps:
                r = c.starttls()
                if not r.ok:
                    raise AssertionError("STARTTLS refused: %r" % r)
            r = c.cmd("LOGIN %s %s" % (quote(login or cls.login), quote(password or cls.password)))
            if not r.ok:
                raise AssertionError("LOGIN failed: %r" % r)
        except Exception:
            c.close()
            raise
        return c

    def conn(self, implicit_tls=False):
        c = self.open_conn(implicit_tls)
        self.addCleanup(c.close)
        return c

    def session(self, login=None, password=None, select=None, examine=None, fresh=False):
        """A logged-in connection with no mailbox selected: one that an
        earlier test of this server and user left clean (so that mailhived,
        whose LOGIN verifies an argon2 hash, is not logged in to for every
        test), or a new one."""
        key = (self.srv.name, login or self.login)
        c = None
        idle = _idle_sessions.get(key, [])
        while idle and not fresh and c is None:
            c = idle.pop()
            try:
                if not c.cmd("NOOP").ok or c.dirty or c.selected:
                    raise OSError("not reusable")
                c.exchange = []
            except (OSError, AssertionError):
                c.close()
                c = None
        if c is None:
            c = self.open_session(login, password)
        self.addCleanup(self._release, key, c)
        if select is not None:
            self.assertOk(c.cmd("SELECT " + mbox(select)))
        if examine is not None:
            self.assertOk(c.cmd("EXAMINE " + mbox(examine)))
        return c

    # ---- mailboxes and messages ----

    @classmethod
    def unique(cls, tag):
        return "it-%s-%s" % (tag, secrets.token_hex(3))

    @classmethod
    def make_box(cls, c, tag, messages=()):
        """A new mailbox with MESSAGES [(bytes, flags, datetime or None)]
        appended; returns (name, [uid, ...])."""
        name = cls.unique(tag)
        r = c.cmd("CREATE " + mbox(name))
        if not r.ok:
            raise AssertionError("CREATE %s: %r" % (name, r))
        uids = [cls.append(c, name, *m) for m in messages]
        return name, uids

    @classmethod
    def append(cls, c, name, data, flags=(), when=None):
        parts = ["APPEND ", mbox(name), " "]
        if flags:
            parts.append("(%s) " % " ".join(flags))
        if when is not None:
            parts.append(imap_date(when) + " ")
        parts.append(Literal(data))
        r = c.cmd(*parts)
        if not r.ok:
            raise AssertionError("APPEND to %s: %r" % (name, r))
        uid = uid_of_append(r)
        if uid is None:
            s = c.cmd("STATUS %s (UIDNEXT)" % mbox(name))
            st = status_items(s)
            uid = st["UIDNEXT"] - 1
        return uid

    @staticmethod
    def _release(key, c):
        """Keep C for another test when it is still clean."""
        try:
            if not c.dirty and c.selected:
                c.cmd("UNSELECT")
            if c.dirty or c.selected or c.buf or len(_idle_sessions.get(key, [])) >= 4:
                raise OSError("not reusable")
            c.pending = []
            _idle_sessions.setdefault(key, []).append(c)
        except (OSError, AssertionError):
            c.close()

    def box(self, c, tag, messages=()):
        name, uids = self.make_box(c, tag, messages)
        return name, uids

    # ---- assertions ----

    def assertOk(self, r, msg=None):
        self.assertEqual(r.status, "OK", "%s\n%r" % (msg or "expected OK", r))
        return r

    def assertNo(self, r, msg=None):
        self.assertEqual(r.status, "NO", "%s\n%r" % (msg or "expected NO", r))
        return r

    def assertBad(self, r, msg=None):
        self.assertEqual(r.status, "BAD", "%s\n%r" % (msg or "expected BAD", r))
        return r

    def assertRefused(self, r, msg=None):
        self.assertIn(r.status, ("NO", "BAD"), "%s\n%r" % (msg or "expected NO or BAD", r))
        return r

    def assertCaps(self, *names):
        missing = [n for n in names if n.upper() not in self.caps]
        self.assertEqual(missing, [], "capabilities not advertised after LOGIN: %s" %
                         " ".join(sorted(self.caps)))

    def list_names(self, c, ref, pattern):
        r = self.assertOk(c.cmd("LIST %s %s" % (quote(ref), quote(pattern))))
        return {list_name(u): list_attrs(u) for u in r.all("LIST")}

    def path(self, *parts):
        return self.delim.join(parts)


def list_name(u):
    """The decoded mailbox name of a LIST/LSUB response."""
    return mutf7_decode(text(u.args[2]))


def list_attrs(u):
    return {str(a).upper() for a in u.args[0]}


def status_items(r):
    """{ITEM: int} of the STATUS response of r."""
    out = {}
    for u in r.all("STATUS"):
        items = u.args[1]
        for k, v in zip(items[0::2], items[1::2]):
            out[str(k).upper()] = int(v)
    return out


# ==== connection, capabilities, authentication ===============================

class ImapInteropAuth(ImapCase):
    """Greeting, CAPABILITY, NOOP, LOGOUT, STARTTLS, LOGIN, AUTHENTICATE."""

    def test_greeting_and_capability(self):
        c = self.conn()
        self.assertIn(c.greeting.kind, ("OK", "PREAUTH"), c.greeting)
        caps = c.capabilities()
        self.assertIn("IMAP4REV1", caps)
        # RFC 3501 6.2.1: the plain port offers STARTTLS
        self.assertIn("STARTTLS", caps)
        # RFC 3501 6.1.1: CAPABILITY lists the SASL mechanisms as AUTH=
        self.assertTrue(any(x.startswith("AUTH=") for x in caps) or "LOGINDISABLED" in caps, caps)

    def test_capability_after_login(self):
        c = self.session()
        caps = c.capabilities()
        self.assertIn("IMAP4REV1", caps)
        for ext in ("IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "ENABLE", "CONDSTORE",
                    "QRESYNC", "ESEARCH", "SORT", "THREAD=REFERENCES", "THREAD=ORDEREDSUBJECT",
                    "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "ID", "QUOTA",
                    "UNSELECT", "LITERAL+", "CHILDREN"):
            self.assertIn(ext, caps, "extension %s not advertised: %s" % (ext, sorted(caps)))

    def test_noop_in_every_state(self):
        c = self.conn()
        self.assertOk(c.cmd("NOOP"))
        c.close()
        c = self.session()
        self.assertOk(c.cmd("NOOP"))
        self.assertOk(c.cmd("SELECT INBOX"))
        self.assertOk(c.cmd("NOOP"))

    def test_logout(self):
        c = self.session()
        r = self.assertOk(c.cmd("LOGOUT"))
        # RFC 3501 6.1.3: an untagged BYE before the tagged OK, then close
        self.assertTrue(r.all("BYE"), r)
        self.assertTrue(c.closed_within(5), "connection still open after LOGOUT")

    def test_logout_before_login(self):
        c = self.conn()
        r = self.assertOk(c.cmd("LOGOUT"))
        self.assertTrue(r.all("BYE"), r)

    def test_starttls_then_login(self):
        c = self.conn()
        self.assertOk(c.starttls())
        caps = c.capabilities()
        self.assertIn("IMAP4REV1", caps)
        self.assertNotIn("LOGINDISABLED", caps)
        self.assertOk(c.cmd("LOGIN %s %s" % (quote(self.login), quote(self.password))))
        self.assertOk(c.cmd("SELECT INBOX"))
        # a second STARTTLS inside TLS cannot be accepted
        self.assertRefused(c.cmd("STARTTLS"))

    def test_starttls_discards_pipelined_plaintext(self):
        """A command sent in plaintext right after STARTTLS (in one packet)
        must not be answered inside the TLS session (command injection)."""
        c = self.conn()
        c.send("S1 STARTTLS\r\nS2 CAPABILITY\r\n")
        kind, value = c.read()
        while kind == "*":
            kind, value = c.read()
        self.assertEqual((kind, value[0]), ("S1", "OK"), c.exchange)
        self.assertEqual(c.buf, b"", "plaintext answer after the OK to STARTTLS")
        try:
            c.sock = peers.tls_client_context().wrap_socket(c.sock)
        except (ssl.SSLError, OSError):
            return          # the server refused the mixed input: also safe
        try:
            kind, value = c.read(timeout=1.0)
            self.fail("the server answered the injected command: %s %r" % (kind, value))
        except socket.timeout:
            pass
        except Closed:
            return
        self.assertOk(c.cmd("NOOP"))

    def test_implicit_tls_login(self):
        p = self.srv.greeting_problem("imaps")
        self.assertIsNone(p, p)
        c = self.open_session(implicit_tls=True)
        self.addCleanup(c.close)
        self.assertOk(c.cmd("SELECT INBOX"))

    def test_login_bad_password(self):
        c = self.conn()
        if "LOGINDISABLED" in c.capabilities():
            self.assertOk(c.starttls())
        r = c.cmd("LOGIN %s %s" % (quote(self.login), quote("wrong-" + self.password)))
        self.assertNo(r)
        # still not authenticated: SELECT is refused
        self.assertRefused(c.cmd("SELECT INBOX"))
        # and a correct LOGIN on the same connection works
        self.assertOk(c.cmd("LOGIN %s %s" % (quote(self.login), quote(self.password))))

    def test_login_unknown_user(self):
        c = self.conn()
        if "LOGINDISABLED" in c.capabilities():
            self.assertOk(c.starttls())
        self.assertNo(c.cmd("LOGIN %s %s" % (quote("nobody-%s@%s" % (
            secrets.token_hex(3), self.login.split("@")[1])), quote("x-Pw-12345"))))

    def test_login_twice_refused(self):
        c = self.session()
        # RFC 3501: LOGIN is valid only in the not-authenticated state
        self.assertRefused(c.cmd("LOGIN %s %s" % (quote(self.login), quote(self.password))))

    def _auth_conn(self):
        c = self.conn()
        caps = c.capabilities()
        if "AUTH=PLAIN" not in caps or "LOGINDISABLED" in caps:
            self.assertOk(c.starttls())
            caps = c.capabilities()
        return c, caps

    def test_authenticate_plain(self):
        c, caps = self._auth_conn()
        self.assertIn("AUTH=PLAIN", caps)
        tag, early = c.start("AUTHENTICATE PLAIN")
        self.assertIsNone(early)
        kind, value = c.read()
        self.assertEqual(kind, "+", c.exchange)
        # RFC 4616: [authzid] NUL authcid NUL passwd
        c.send(sasl_plain(self.login, self.password) + "\r\n")
        self.assertOk(c.finish(tag))
        self.assertOk(c.cmd("SELECT INBOX"))

    def test_authenticate_plain_initial_response(self):
        c, caps = self._auth_conn()
        self.assertIn("SASL-IR", caps)
        self.assertOk(c.cmd("AUTHENTICATE PLAIN " + sasl_plain(self.login, self.password)))
        self.assertOk(c.cmd("SELECT INBOX"))

    def test_authenticate_plain_bad_password(self):
        c, caps = self._auth_conn()
        ir = sasl_plain(self.login, "bad-password")
        tag, _ = c.start("AUTHENTICATE PLAIN")
        kind, value = c.read()
        self.assertEqual(kind, "+", c.exchange)
        c.send(ir + "\r\n")
        self.assertNo(c.finish(tag))

    def test_authenticate_login(self):
        c, caps = self._auth_conn()
        self.assertIn("AUTH=LOGIN", caps)
        tag, _ = c.start("AUTHENTICATE LOGIN")
        kind, value = c.read()
        self.assertEqual(kind, "+", c.exchange)
        c.send(base64.b64encode(self.login.encode()) + b"\r\n")
        kind, value = c.read()
        self.assertEqual(kind, "+", c.exchange)
        c.send(base64.b64encode(self.password.encode()) + b"\r\n")
        self.assertOk(c.finish(tag))
        self.assertOk(c.cmd("SELECT INBOX"))

    def test_authenticate_cancel(self):
        c, caps = self._auth_conn()
        tag, _ = c.start("AUTHENTICATE PLAIN")
        kind, value = c.read()
        self.assertEqual(kind, "+", c.exchange)
        c.send("*\r\n")
        # RFC 3501 6.2.2: a "*" line cancels; the server MUST answer BAD
        self.assertBad(c.finish(tag))

    def test_authenticate_unknown_mechanism(self):
        c, caps = self._auth_conn()
        self.assertRefused(c.cmd("AUTHENTICATE X-NO-SUCH-MECH"))


# ==== errors ================================================================

class ImapInteropErrors(ImapCase):
    """Unknown commands, wrong states, bad syntax, limits."""

    def test_unknown_command_bad(self):
        c = self.session()
        self.assertBad(c.cmd("XYZZY-NOT-A-COMMAND"))
        self.assertOk(c.cmd("NOOP"))

    def test_unknown_command_before_login_bad(self):
        c = self.conn()
        self.assertBad(c.cmd("XYZZY-NOT-A-COMMAND"))

    def test_select_before_login_refused(self):
        c = self.conn()
        self.assertRefused(c.cmd("SELECT INBOX"))

    def test_fetch_without_selected_mailbox_refused(self):
        c = self.session()
        self.assertRefused(c.cmd("FETCH 1 FLAGS"))

    def test_fetch_bad_syntax(self):
        c = self.session(select="INBOX")
        self.assertBad(c.cmd("FETCH 1 (FLAGS"))
        self.assertBad(c.cmd("FETCH x:y FLAGS"))
        self.assertBad(c.cmd("FETCH 1 NO-SUCH-ITEM"))
        self.assertOk(c.cmd("NOOP"))

    def test_select_nonexistent_no_and_deselects(self):
        c = self.session()
        box, _ = self.box(c, "desel", [(message("one"),)])
        self.assertOk(c.cmd("SELECT " + mbox(box)))
        self.assertNo(c.cmd("SELECT " + mbox(self.unique("missing"))))
        # RFC 3501 6.3.1: a failed SELECT leaves no mailbox selected
        self.assertRefused(c.cmd("FETCH 1 FLAGS"))

    def test_create_existing_no(self):
        c = self.session()
        box, _ = self.box(c, "exists")
        self.assertNo(c.cmd("CREATE " + mbox(box)))
        self.assertNo(c.cmd("CREATE INBOX"))

    def test_delete_rename_status_nonexistent_no(self):
        c = self.session()
        missing = self.unique("missing")
        self.assertNo(c.cmd("DELETE " + mbox(missing)))
        self.assertNo(c.cmd("RENAME %s %s" % (mbox(missing), mbox(self.unique("x")))))
        self.assertNo(c.cmd("STATUS %s (MESSAGES)" % mbox(missing)))
        self.assertNo(c.cmd("EXAMINE " + mbox(missing)))

    def test_delete_inbox_no(self):
        c = self.session()
        self.assertNo(c.cmd("DELETE INBOX"))

    def test_missing_arguments_bad(self):
        c = self.session()
        self.assertBad(c.cmd("SELECT"))
        self.assertBad(c.cmd("CREATE"))
        self.assertBad(c.cmd("STATUS INBOX"))

    def test_line_of_8k_accepted(self):
        """RFC 7162 section 4: servers accept command lines of at least
        8192 octets."""
        c = self.session()
        box, uids = self.box(c, "long", [(message("one"),)])
        self.assertOk(c.cmd("SELECT " + mbox(box)))
        sset = ",".join(str(n) for n in range(uids[0], uids[0] + 1900))
        self.assertGreater(len(sset), 7900)
        r = self.assertOk(c.cmd("UID FETCH %s (FLAGS)" % sset))
        self.assertEqual(set(r.by_uid()), {uids[0]}, r)

    def test_overlong_line(self):
        """A 1 MB command line: the server answers BAD (tagged or
        untagged) or BYE, or closes; it never runs it. Another connection
        works afterwards."""
        c = self.session()
        line = "X1 UID FETCH " + ",".join(str(n) for n in range(1, 170000)) + " (FLAGS)\r\n"
        self.assertGreater(len(line), 1000000)
        try:
            c.sock.sendall(line.encode())
        except OSError:
            pass                # closed while we were still sending
        verdict = None
        try:
            while verdict is None:
                kind, value = c.read(timeout=10)
                if kind == "*" and value.kind in ("BAD", "BYE"):
                    verdict = value.kind
                elif kind == "X1":
                    verdict = value[0]
        except (Closed, OSError):
            verdict = "closed"
        self.assertIn(verdict, ("BAD", "BYE", "closed"), c.exchange[-5:])
        c2 = self.session()
        self.assertOk(c2.cmd("NOOP"))

    def test_literal_too_large(self):
        """APPEND announcing a 4 GB literal is refused with a tagged NO or
        BAD instead of a continuation request."""
        c = self.session()
        box, _ = self.box(c, "biglit")
        c.send("B1 APPEND %s {4000000000}\r\n" % mbox(box))
        kind, value = c.read()
        while kind == "*":
            kind, value = c.read()
        self.assertEqual(kind, "B1", "the server asked for 4 GB: %s" % c.exchange[-3:])
        self.assertIn(value[0], ("NO", "BAD"), c.exchange[-3:])

    def test_bad_literal_syntax(self):
        c = self.session()
        self.assertBad(c.cmd("CREATE {abc}"))


# ==== mailboxes ==============================================================

class ImapInteropMailbox(ImapCase):
    """CREATE, DELETE, RENAME, SUBSCRIBE, LSUB, LIST, STATUS, names."""

    def test_list_root_gives_delimiter(self):
        c = self.session()
        r = self.assertOk(c.cmd('LIST "" ""'))
        u = r.one("LIST")
        self.assertIn("\\NOSELECT", list_attrs(u))
        d = u.args[1]
        self.assertTrue(d is None or len(text(d)) == 1, u)
        self.assertEqual(text(u.args[2]), "")

    def test_create_list_delete(self):
        c = self.session()
        name = self.unique("cld")
        self.assertOk(c.cmd("CREATE " + mbox(name)))
        self.assertIn(name, self.list_names(c, "", "*"))
        self.assertOk(c.cmd("DELETE " + mbox(name)))
        self.assertNotIn(name, self.list_names(c, "", "*"))

    def test_inbox_case_insensitive(self):
        c = self.session()
        r = self.assertOk(c.cmd("SELECT iNbOx"))
        self.assertEqual(r.code_name, "READ-WRITE", r)
        names = self.list_names(c, "", "inbox")
        self.assertEqual(set(names), {"INBOX"})

    def test_create_hierarchy_and_wildcards(self):
        c = self.session()
        top = self.unique("tree")
        for sub in ("a", self.path("a", "b"), "c"):
            self.assertOk(c.cmd("CREATE " + mbox(self.path(top, sub))))
        star = self.list_names(c, "", self.path(top, "*"))
        self.assertEqual(set(star), {self.path(top, "a"), self.path(top, "a", "b"),
                                     self.path(top, "c")})
        pct = self.list_names(c, "", self.path(top, "%"))
        self.assertEqual(set(pct), {self.path(top, "a"), self.path(top, "c")})
        # RFC 3501 6.3.8: "%" at the end returns the level even when it is
        # not a mailbox (then with \Noselect); top was never created itself
        top_level = self.list_names(c, "", top + "%")
        self.assertIn(top, top_level)
        self.assertIn("\\HASCHILDREN", top_level[top] | {"\\HASCHILDREN"})
        self.assertNotIn(self.path(top, "a"), top_level)

    def test_create_with_trailing_delimiter(self):
        c = self.session()
        name = self.unique("trail")
        self.assertOk(c.cmd("CREATE " + mbox(name + self.delim)))
        self.assertOk(c.cmd("CREATE " + mbox(self.path(name, "kid"))))
        self.assertIn(name, self.list_names(c, "", name))

    def test_delete_with_children(self):
        c = self.session()
        top = self.unique("delkids")
        self.assertOk(c.cmd("CREATE " + mbox(top)))
        self.assertOk(c.cmd("CREATE " + mbox(self.path(top, "kid"))))
        r = c.cmd("DELETE " + mbox(top))
        # RFC 3501 6.3.4: either the parent becomes \Noselect (OK) or the
        # DELETE is refused (NO); the child survives either way
        self.assertIn(r.status, ("OK", "NO"), r)
        names = self.list_names(c, "", self.path(top, "*"))
        self.assertIn(self.path(top, "kid"), names)
        if r.ok:
            left = self.list_names(c, "", top)
            self.assertTrue(top not in left or "\\NOSELECT" in left[top]
                            or "\\NONEXISTENT" in left[top], left)

    def test_rename_with_children(self):
        c = self.session()
        old, new = self.unique("rold"), self.unique("rnew")
        self.assertOk(c.cmd("CREATE " + mbox(old)))
        self.assertOk(c.cmd("CREATE " + mbox(self.path(old, "kid"))))
        self.append(c, self.path(old, "kid"), message("in the child"))
        self.append(c, old, message("in the parent"))
        self.assertOk(c.cmd("RENAME %s %s" % (mbox(old), mbox(new))))
        names = set(self.list_names(c, "", "*"))
        self.assertIn(new, names)
        self.assertIn(self.path(new, "kid"), names)
        self.assertNotIn(old, names)
        self.assertNotIn(self.path(old, "kid"), names)
        kid = mbox(self.path(new, "kid"))
        st = status_items(self.assertOk(c.cmd("STATUS %s (MESSAGES)" % kid)))
        self.assertEqual(st["MESSAGES"], 1)
        st = status_items(self.assertOk(c.cmd("STATUS %s (MESSAGES)" % mbox(new))))
        self.assertEqual(st["MESSAGES"], 1)

    def test_rename_onto_existing_no(self):
        c = self.session()
        a, _ = self.box(c, "ra")
        b, _ = self.box(c, "rb")
        self.assertNo(c.cmd("RENAME %s %s" % (mbox(a), mbox(b))))

    def test_subscribe_lsub_unsubscribe(self):
        c = self.session()
        name, _ = self.box(c, "sub")
        self.assertOk(c.cmd("SUBSCRIBE " + mbox(name)))
        r = self.assertOk(c.cmd('LSUB "" "*"'))
        self.assertIn(name, {list_name(u) for u in r.all("LSUB")})
        self.assertOk(c.cmd("UNSUBSCRIBE " + mbox(name)))
        r = self.assertOk(c.cmd('LSUB "" "*"'))
        self.assertNotIn(name, {list_name(u) for u in r.all("LSUB")})

    def test_list_extended_subscribed(self):
        c = self.session()
        sub, _ = self.box(c, "lxs")
        unsub, _ = self.box(c, "lxu")
        self.assertOk(c.cmd("SUBSCRIBE " + mbox(sub)))
        r = self.assertOk(c.cmd('LIST (SUBSCRIBED) "" "*"'))
        got = {list_name(u): list_attrs(u) for u in r.all("LIST")}
        self.assertIn(sub, got)
        self.assertIn("\\SUBSCRIBED", got[sub])
        self.assertNotIn(unsub, got)
        # RFC 5258: every mailbox returned with (SUBSCRIBED) is subscribed
        for name, attrs in got.items():
            self.assertIn("\\SUBSCRIBED", attrs, name)

    def test_special_use(self):
        c = self.session()
        r = self.assertOk(c.cmd('LIST (SPECIAL-USE) "" "*"'))
        uses = {}
        for u in r.all("LIST"):
            attrs = list_attrs(u) & {"\\SENT", "\\DRAFTS", "\\TRASH", "\\JUNK",
                                     "\\ARCHIVE", "\\ALL", "\\FLAGGED"}
            self.assertTrue(attrs, "LIST (SPECIAL-USE) returned a plain mailbox: %r" % u)
            for a in attrs:
                uses[a] = list_name(u)
        for a in ("\\SENT", "\\DRAFTS", "\\TRASH", "\\JUNK"):
            self.assertIn(a, uses, r)
        # the same mailboxes carry the attributes in RETURN (SPECIAL-USE)
        r = self.assertOk(c.cmd('LIST "" "*" RETURN (SPECIAL-USE)'))
        plain = {list_name(u): list_attrs(u) for u in r.all("LIST")}
        for a, name in uses.items():
            self.assertIn(a, plain.get(name, set()), name)

    def test_list_return_children_and_status(self):
        c = self.session()
        top = self.unique("lret")
        self.assertOk(c.cmd("CREATE " + mbox(top)))
        kid = self.path(top, "kid")
        self.assertOk(c.cmd("CREATE " + mbox(kid)))
        self.append(c, kid, message("seen"), ["\\Seen"])
        self.append(c, kid, message("unseen 1"))
        self.append(c, kid, message("unseen 2"))
        r = self.assertOk(c.cmd('LIST "" %s RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))'
                                % quote(mutf7_encode(top) + "*")))
        lists = {list_name(u): list_attrs(u) for u in r.all("LIST")}
        self.assertIn("\\HASCHILDREN", lists[top])
        self.assertIn("\\HASNOCHILDREN", lists[kid])
        st = {}
        for u in r.all("STATUS"):
            items = u.args[1]
            st[mutf7_decode(text(u.args[0]))] = {str(k).upper(): int(v)
                                                 for k, v in zip(items[0::2], items[1::2])}
        self.assertEqual(st.get(kid), {"MESSAGES": 3, "UNSEEN": 2}, r)
        self.assertEqual(st.get(top), {"MESSAGES": 0, "UNSEEN": 0}, r)

    def test_status(self):
        c = self.session()
        name, uids = self.box(c, "status", [(message("a"), ["\\Seen"]),
                                             (message("b"),), (message("c"), ["\\Flagged"])])
        r = self.assertOk(c.cmd("STATUS %s (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)"
                                % mbox(name)))
        st = status_items(r)
        self.assertEqual(st["MESSAGES"], 3)
        self.assertEqual(st["UNSEEN"], 2)
        self.assertGreater(st["UIDNEXT"], max(uids))
        self.assertIn("RECENT", st)
        sel = self.assertOk(c.cmd("EXAMINE " + mbox(name)))
        self.assertEqual(int(sel.codes()["UIDVALIDITY"].split()[1]), st["UIDVALIDITY"])

    def test_chinese_mailbox_name(self):
        self.assertEqual(mutf7_encode("~peter/mail/台北/日本語"),
                         "~peter/mail/&U,BTFw-/&ZeVnLIqe-")          # RFC 3501 5.1.3
        self.assertEqual(mutf7_decode("&U,BTFw-&-x"), "台北&x")
        c = self.session()
        name = "测试邮箱-%s" % secrets.token_hex(2)
        wire = mutf7_encode(name)
        self.assertOk(c.cmd("CREATE " + quote(wire)))
        r = self.assertOk(c.cmd('LIST "" %s' % quote(wire)))
        self.assertEqual([text(u.args[2]) for u in r.all("LIST")], [wire], r)
        self.assertEqual(list_name(r.all("LIST")[0]), name)
        self.append(c, name, message("in chinese box"))
        r = self.assertOk(c.cmd("SELECT " + quote(wire)))
        self.assertEqual(r.one("EXISTS").num, 1)
        child = self.path(name, "子目录 & more")
        self.assertOk(c.cmd("CREATE " + mbox(child)))
        self.assertIn(child, self.list_names(c, "", mutf7_encode(name) + "*"))
        new = "重命名-%s" % secrets.token_hex(2)
        self.assertOk(c.cmd("RENAME %s %s" % (quote(wire), mbox(new))))
        names = self.list_names(c, "", "*")
        self.assertIn(new, names)
        self.assertIn(self.path(new, "子目录 & more"), names)


class ImapInteropRenameInbox(ImapCase):
    """RENAME INBOX moves its messages and leaves an empty INBOX."""

    USER = "rename-inbox"

    def test_rename_inbox(self):
        for i in range(2):
            self.srv.deliver(self.login, message("delivered %d" % i))
        self.assertEqual(self.srv.wait_delivered(self.login, 2), 2)
        c = self.session()
        target = self.unique("old-inbox")
        self.assertOk(c.cmd("RENAME INBOX " + mbox(target)))
        st = status_items(self.assertOk(c.cmd("STATUS %s (MESSAGES)" % mbox(target))))
        self.assertEqual(st["MESSAGES"], 2)
        r = self.assertOk(c.cmd("SELECT INBOX"))
        self.assertEqual(r.one("EXISTS").num, 0, r)
        self.assertIn("INBOX", self.list_names(c, "", "INBOX"))


# ==== SELECT, EXAMINE, APPEND ================================================

class ImapInteropSelect(ImapCase):
    """SELECT and EXAMINE responses; APPEND and its APPENDUID."""

    @classmethod
    def setUpMailboxes(cls, c):
        cls.sel_box, cls.sel_uids = cls.make_box(c, "select", [
            (message("one"), ["\\Seen"]), (message("two"),), (message("three"), ["\\Flagged"])])

    def test_select_responses(self):
        c = self.session()
        r = self.assertOk(c.cmd("SELECT " + mbox(self.sel_box)))
        self.assertEqual(r.code_name, "READ-WRITE", r)
        self.assertEqual(r.one("EXISTS").num, 3)
        self.assertEqual(len(r.all("RECENT")), 1, r)
        flags = flagset(r.one("FLAGS").args[0])
        for f in ("\\ANSWERED", "\\FLAGGED", "\\DELETED", "\\SEEN", "\\DRAFT"):
            self.assertIn(f, flags)
        codes = r.codes()
        for code in ("UIDVALIDITY", "UIDNEXT", "PERMANENTFLAGS"):
            self.assertIn(code, codes, r)
        self.assertGreater(int(codes["UIDVALIDITY"].split()[1]), 0)
        self.assertGreater(int(codes["UIDNEXT"].split()[1]), max(self.sel_uids))
        perm = {f.upper() for f in
                re.findall(r"\\?[^\s()]+", codes["PERMANENTFLAGS"][len("PERMANENTFLAGS"):])}
        for f in ("\\SEEN", "\\DELETED", "\\FLAGGED"):
            self.assertIn(f, perm, codes["PERMANENTFLAGS"])
        # UNSEEN names the first unseen message (2) when present (OK code)
        if "UNSEEN" in codes:
            self.assertEqual(codes["UNSEEN"].split()[1], "2")

    def test_examine_read_only(self):
        c = self.session()
        r = self.assertOk(c.cmd("EXAMINE " + mbox(self.sel_box)))
        self.assertEqual(r.code_name, "READ-ONLY", r)
        self.assertEqual(r.one("EXISTS").num, 3)
        # RFC 3501 6.3.2: nothing permanent changes; the STORE is refused
        # or ignored
        r = c.cmd("STORE 2 +FLAGS (\\Flagged)")
        self.assertIn(r.status, ("OK", "NO", "BAD"), r)
        self.assertOk(c.cmd("FETCH 2 (BODY[TEXT])"))
        other = self.session(examine=self.sel_box)
        r = self.assertOk(other.cmd("FETCH 2 (FLAGS)"))
        self.assertEqual(flagset(r.fetches()[2]["FLAGS"]) - {"\\RECENT"}, set(),
                         "STORE or BODY[] changed flags in an EXAMINEd mailbox")

    def test_uidvalidity_stable_and_uids_ascending(self):
        c1 = self.session()
        v1 = c1.cmd("SELECT " + mbox(self.sel_box)).codes()["UIDVALIDITY"]
        c2 = self.session()
        v2 = c2.cmd("EXAMINE " + mbox(self.sel_box)).codes()["UIDVALIDITY"]
        self.assertEqual(v1, v2)
        r = self.assertOk(c2.cmd("FETCH 1:* (UID)"))
        uids = [int(r.fetches()[n]["UID"]) for n in sorted(r.fetches())]
        self.assertEqual(uids, sorted(self.sel_uids))

    def test_append_flags_date_uid(self):
        c = self.session()
        name, _ = self.box(c, "append")
        data = message("appended", body="Line one\r\nLine two\r\n")
        when = datetime.datetime(2020, 2, 29, 23, 15, 7,
                                 tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))
        r = self.assertOk(c.cmd("APPEND %s (\\Seen \\Flagged) %s " % (mbox(name), imap_date(when)),
                                Literal(data)))
        self.assertEqual(r.code_name, "APPENDUID", r)
        validity, uid = (int(x) for x in r.code_args())
        sel = self.assertOk(c.cmd("SELECT " + mbox(name)))
        self.assertEqual(int(sel.codes()["UIDVALIDITY"].split()[1]), validity)
        f = self.assertOk(c.cmd("UID FETCH %d (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])" % uid))
        d = f.by_uid()[uid]
        self.assertTrue({"\\SEEN", "\\FLAGGED"} <= flagset(d["FLAGS"]), d)
        self.assertEqual(parse_internaldate(d["INTERNALDATE"]), when)
        self.assertEqual(int(d["RFC822.SIZE"]), len(data))
        self.assertEqual(octets(d["BODY[]"]), data)

    def test_append_without_flags_and_date(self):
        c = self.session()
        name, _ = self.box(c, "append2")
        before = datetime.datetime.now(datetime.timezone.utc)
        r = self.assertOk(c.cmd("APPEND %s " % mbox(name), Literal(message("plain"))))
        uid = uid_of_append(r)
        self.assertOk(c.cmd("SELECT " + mbox(name)))
        d = self.assertOk(c.cmd("UID FETCH %d (FLAGS INTERNALDATE)" % uid)).by_uid()[uid]
        self.assertFalse(flagset(d["FLAGS"]) - {"\\RECENT"}, d)
        got = parse_internaldate(d["INTERNALDATE"])
        self.assertLess(abs((got - before).total_seconds()), 120, got)

    def test_append_8bit_binary_exact(self):
        c = self.session()
        name, _ = self.box(c, "append8")
        data = message("=?UTF-8?B?5Lit5paH?=",
                       body="Grüße 中文 ünïcödé\r\n.dot line\r\n\r\n",
                       extra=[("Content-Type", "text/plain; charset=utf-8"),
                              ("Content-Transfer-Encoding", "8bit")])
        uid = uid_of_append(self.assertOk(c.cmd("APPEND %s " % mbox(name), Literal(data))))
        self.assertOk(c.cmd("EXAMINE " + mbox(name)))
        d = self.assertOk(c.cmd("UID FETCH %d (RFC822.SIZE BODY.PEEK[])" % uid)).by_uid()[uid]
        self.assertEqual(octets(d["BODY[]"]), data)
        self.assertEqual(int(d["RFC822.SIZE"]), len(data))

    def test_append_literal_plus(self):
        self.assertCaps("LITERAL+")
        c = self.session()
        name, _ = self.box(c, "appendlp")
        data = message("non-synchronizing")
        r = self.assertOk(c.cmd("APPEND %s (\\Draft) " % mbox(name), Literal(data, sync=False)))
        self.assertFalse([x for x in c.exchange if x.startswith("S: +")], c.exchange)
        st = status_items(c.cmd("STATUS %s (MESSAGES)" % mbox(name)))
        self.assertEqual(st["MESSAGES"], 1, r)

    def test_append_to_missing_mailbox_trycreate(self):
        c = self.session()
        r = self.assertNo(c.cmd("APPEND %s " % mbox(self.unique("nobox")), Literal(message("x"))))
        self.assertEqual(r.code_name, "TRYCREATE", r)

    def test_append_to_selected_mailbox_reports_exists(self):
        c = self.session()
        name, _ = self.box(c, "appsel", [(message("first"),)])
        self.assertOk(c.cmd("SELECT " + mbox(name)))
        r1 = self.assertOk(c.cmd("APPEND %s " % mbox(name), Literal(message("second"))))
        r2 = self.assertOk(c.cmd("NOOP"))
        exists = [u.num for u in r1.untagged + r2.untagged if u.kind == "EXISTS"]
        self.assertEqual(exists[-1:], [2], (r1, r2))

    def test_append_keyword(self):
        c = self.session()
        name, _ = self.box(c, "appkw")
        r = self.assertOk(c.cmd("SELECT " + mbox(name)))
        if "\\*" not in r.codes()["PERMANENTFLAGS"]:
            self.skipTest("no new keywords allowed: %s" % r.codes()["PERMANENTFLAGS"])
        uid = self.append(c, name, message("kw"), ["$Interop", "\\Seen"])
        d = self.assertOk(c.cmd("UID FETCH %d (FLAGS)" % uid)).by_uid()[uid]
        self.assertTrue({"$INTEROP", "\\SEEN"} <= flagset(d["FLAGS"]), d)


# ==== CHECK, CLOSE, UNSELECT, EXPUNGE ========================================

def apply_expunges(uids, r):
    """UIDS (sequence order) after the EXPUNGE / VANISHED responses of r."""
    uids = list(uids)
    for u in r.untagged:
        if u.kind == "EXPUNGE":
            del uids[u.num - 1]
        elif u.kind == "VANISHED" and not (u.args and isinstance(u.args[0], list)):
            gone = seqset(u.args[0])
            uids = [x for x in uids if x not in gone]
    return uids


class ImapInteropExpunge(ImapCase):
    """CHECK, CLOSE, UNSELECT, EXPUNGE, UID EXPUNGE."""

    def five(self, c, tag, deleted=(2, 4)):
        name, uids = self.box(c, tag, [
            (message("m%d" % i), ["\\Deleted"] if i in deleted else []) for i in range(1, 6)])
        return name, uids

    def test_check(self):
        c = self.session()
        name, _ = self.five(c, "check")
        self.assertOk(c.cmd("SELECT " + mbox(name)))
        self.assertOk(c.cmd("CHECK"))

    def test_expunge(self):
        c = self.session()
        name, uids = self.five(c, "expunge")
        self.assertOk(c.cmd("SELECT " + mbox(name)))
        r = self.assertOk(c.cmd("EXPUNGE"))
        self.assertEqual(len(r.all("EXPUNGE")), 2, r)
        self.assertEqual(apply_expunges(uids, r), [uids[0], uids[2], uids[4]], r)
        r = self.assertOk(c.cmd("FETCH 1:* (UID)"))
        self.assertEqual(sorted(r.by_uid()), [uids[0], uids[2], uids[4]])

    def test_close_expunges_silently(self):
        c = self.session()
        name, uids = self.five(c, "close")
        self.assertOk(c.cmd("SELECT " + mbox(name)))
        r = self.assertOk(c.cmd("CLOSE"))
        # RFC 3501 6.4.2: no untagged EXPUNGE responses are sent
        self.assertEqual(r.all("EXPUNGE"), [], r)
        self.assertRefused(c.cmd("FETCH 1 FLAGS"))       # back to authenticated state
        st = status_items(c.cmd("STATUS %s (MESSAGES)" % mbox(name)))
        self.assertEqual(st["MESSAGES"], 3)

    def test_close_after_examine_keeps_messages(self):
        c = self.session()
        name, _ = self.five(c, "closeex")
        self.assertOk(c.cmd("EXAMINE " + mbox(name)))
        self.assertOk(c.cmd("CLOSE"))
        st = status_items(c.cmd("STATUS %s (MESSAGES)" % mbox(name)))
        self.assertEqual(st["MESSAGES"], 5)

    def test_unselect_keeps_messages(self):
        self.assertCaps("UNSELECT")
        c = self.session()
        name, _ = self.five(c, "unselect")
        self.assertOk(c.cmd("SELECT " + mbox(name)))
        self.assertOk(c.cmd("UNSELECT"))
        self.assertRefused(c.cmd("FETCH 1 FLAGS"))
        st = status_items(c.cmd("STATUS %s (MESSAGES)" % mbox(name)))
        self.assertEqual(st["MESSAGES"], 5)

    def test_uid_expunge(self):
        self.assertCaps("UIDPLUS")
        c = self.session()
        name, uids = self.five(c, "uidexp", deleted=(1, 2, 4))
        self.assertOk(c.cmd("SELECT " + mbox(name)))
        # only the UIDs named, although message 1 is \Deleted too
        r = self.assertOk(c.cmd("UID EXPUNGE %d:%d" % (uids[1], uids[4])))
        self.assertEqual(apply_expunges(uids, r), [uids[0], uids[2], uids[4]], r)
        r = self.assertOk(c.cmd("UID FETCH 1:* (FLAGS)"))
        self.assertEqual(sorted(r.by_uid()), [uids[0], uids[2], uids[4]])


# ==== SEARCH, SORT, THREAD ===================================================

SEARCH_MESSAGES = [
    # (from, to, cc, subject, body, Date, internal date, flags, extra headers)
    ('"Zed Alpha" <zalpha@ex1.test>', "bob@ex2.test", None, "Quarterly report",
     "apples and oranges\r\n", "Mon, 01 Jan 2024 12:00:00 +0000", utc(2024, 1, 1),
     ["\\Seen"], [("X-Interop", "one")]),
    ("beta@ex1.test", "carol@ex2.test", "dan@ex3.test", "Re: Lunch plans",
     "banana bread\r\n" + "padding line\r\n" * 100, "Wed, 03 Jan 2024 12:00:00 +0000",
     utc(2024, 1, 3), ["\\Flagged"], []),
    ('"Al" <carl@ex3.test>', "bob@ex2.test", None, "=?UTF-8?B?5Lya6K6u6YCa55+l?=",
     "cherry pie\r\n", "Tue, 02 Jan 2024 12:00:00 +0000", utc(2024, 1, 5),
     ["\\Seen", "\\Flagged", "\\Answered"], []),
    ("dora@ex4.test", "erin@ex2.test", None, "Zebra facts",
     "dates and figs\r\n" + "more padding\r\n" * 40, "Wed, 10 Jan 2024 12:00:00 +0000",
     utc(2024, 1, 10), [], [("X-Interop", "four")]),
    ("abe@ex5.test", "bob@ex2.test", None, "Misc",
     "eggplant\r\n" + "x" * 300 + "\r\n", "Sun, 07 Jan 2024 12:00:00 +0000", utc(2024, 1, 7),
     ["\\Deleted"], []),
]
# 会议通知 = the subject of message 3


def search_message(i):
    frm, to, cc, subject, body, date, _, _, extra = SEARCH_MESSAGES[i]
    extra = list(extra)
    if cc:
        extra.append(("Cc", cc))
    return message(subject, body=body, frm=frm, to=to, date=date,
                   msgid="<search-%d@interop.test>" % (i + 1), extra=extra)


class ImapInteropSearch(ImapCase):
    """SEARCH keys, UID SEARCH, ESEARCH, SORT, THREAD."""

    @classmethod
    def setUpMailboxes(cls, c):
        msgs = [(search_message(i), m[7], m[6]) for i, m in enumerate(SEARCH_MESSAGES)]
        cls.sizes = [len(m[0]) for m in msgs]
        cls.search_box, cls.search_uids = cls.make_box(c, "search", msgs)

    def search(self, c, criteria, uid=False, charset=None):
        r = self.assertOk(c.cmd("%sSEARCH %s%s" % ("UID " if uid else "",
                                                   "CHARSET %s " % charset if charset else "",
                                                   criteria)))
        return sorted(r.search())

    def test_search_keys(self):
        c = self.session(examine=self.search_box)
        mid = sorted(self.sizes)[2]
        cases = [
            ("ALL", [1, 2, 3, 4, 5]),
            ("FLAGGED", [2, 3]),
            ("UNFLAGGED", [1, 4, 5]),
            ("SEEN", [1, 3]),
            ("UNSEEN", [2, 4, 5]),
            ("ANSWERED", [3]),
            ("UNANSWERED", [1, 2, 4, 5]),
            ("DELETED", [5]),
            ("UNDELETED", [1, 2, 3, 4]),
            ("DRAFT", []),
            ('FROM "ex1.test"', [1, 2]),
            ('FROM "ZALPHA"', [1]),
            ('FROM "Zed Alpha"', [1]),
            ('TO "bob@"', [1, 3, 5]),
            ('CC "dan"', [2]),
            ('SUBJECT "lunch"', [2]),
            ('SUBJECT "Re:"', [2]),
            ('BODY "banana"', [2]),
            ('BODY "Quarterly"', []),
            ('TEXT "Quarterly"', [1]),
            ('TEXT "figs"', [4]),
            ('HEADER "X-Interop" "four"', [4]),
            ('HEADER "X-Interop" ""', [1, 4]),
            ('HEADER "Message-ID" "search-3@"', [3]),
            ("LARGER %d" % mid, [i + 1 for i in range(5) if self.sizes[i] > mid]),
            ("SMALLER %d" % mid, [i + 1 for i in range(5) if self.sizes[i] < mid]),
            ("LARGER %d" % self.sizes[3],
             [i + 1 for i in range(5) if self.sizes[i] > self.sizes[3]]),
            ("SINCE 5-Jan-2024", [3, 4, 5]),
            ("BEFORE 3-Jan-2024", [1]),
            ("ON 3-Jan-2024", [2]),
            ("SENTSINCE 3-Jan-2024", [2, 4, 5]),
            ("SENTBEFORE 3-Jan-2024", [1, 3]),
            ("SENTON 2-Jan-2024", [3]),
            ("2,4:5", [2, 4, 5]),
            ("1:*", [1, 2, 3, 4, 5]),
            ("UID %d:%d" % (self.search_uids[1], self.search_uids[2]), [2, 3]),
            ("OR FLAGGED DELETED", [2, 3, 5]),
            ("NOT SEEN", [2, 4, 5]),
            ("FLAGGED NOT ANSWERED", [2]),
            ('(OR SUBJECT "zebra" FROM "abe") UNDELETED', [4]),
            ('OR (SEEN FLAGGED) (LARGER 1 DELETED)', [3, 5]),
            ("NOT 1:3", [4, 5]),
        ]
        failures = []
        for crit, want in cases:
            r = c.cmd("SEARCH " + crit)
            got = sorted(r.search()) if r.ok else r.status
            if got != want:
                failures.append("SEARCH %s -> %r, want %r\n  %s" % (
                    crit, got, want, "\n  ".join(r.exchange[-3:])))
        self.assertEqual(failures, [], "\n".join(failures))

    def test_search_charset_utf8(self):
        c = self.session(examine=self.search_box)
        # the subject of message 3 is an RFC 2047 encoded word; SEARCH
        # matches the decoded text
        r = self.assertOk(c.cmd("SEARCH CHARSET UTF-8 SUBJECT ", Literal("通知".encode())))
        self.assertEqual(sorted(r.search()), [3], r)
        r = self.assertOk(c.cmd("SEARCH CHARSET US-ASCII BODY cherry"))
        self.assertEqual(sorted(r.search()), [3], r)

    def test_search_unknown_charset(self):
        c = self.session(examine=self.search_box)
        r = self.assertNo(c.cmd("SEARCH CHARSET X-NO-SUCH-CHARSET BODY x"))
        self.assertEqual(r.code_name, "BADCHARSET", r)

    def test_search_bad_syntax(self):
        c = self.session(examine=self.search_box)
        self.assertBad(c.cmd("SEARCH NO-SUCH-KEY"))
        self.assertBad(c.cmd("SEARCH (FLAGGED"))
        self.assertBad(c.cmd("SEARCH SINCE not-a-date"))

    def test_uid_search(self):
        c = self.session(examine=self.search_box)
        u = self.search_uids
        self.assertEqual(self.search(c, "FLAGGED", uid=True), [u[1], u[2]])
        self.assertEqual(self.search(c, "UID %d,%d" % (u[0], u[4]), uid=True), [u[0], u[4]])
        self.assertEqual(self.search(c, "2:3", uid=True), [u[1], u[2]])
        # a UID range beyond the last message still names the last
        self.assertEqual(self.search(c, "UID %d:*" % (u[4] + 100), uid=True), [u[4]])

    def test_esearch(self):
        self.assertCaps("ESEARCH")
        c = self.session(examine=self.search_box)
        r = self.assertOk(c.cmd("SEARCH RETURN (MIN MAX COUNT ALL) OR FLAGGED DELETED"))
        e = r.one("ESEARCH")
        self.assertEqual(e.args[0], ["TAG", r.tag])
        vals = {str(k).upper(): v for k, v in zip(e.args[1::2], e.args[2::2])}
        self.assertEqual(int(vals["MIN"]), 2)
        self.assertEqual(int(vals["MAX"]), 5)
        self.assertEqual(int(vals["COUNT"]), 3)
        self.assertEqual(seqset(text(vals["ALL"])), {2, 3, 5})
        self.assertEqual(r.all("SEARCH"), [], "SEARCH RETURN answered with * SEARCH")
        r = self.assertOk(c.cmd("UID SEARCH RETURN (COUNT MIN) FLAGGED"))
        e = r.one("ESEARCH")
        self.assertIn("UID", [str(a).upper() for a in e.args if not isinstance(a, list)])
        rest = [a for a in e.args[1:] if str(a).upper() != "UID"]
        vals = {str(k).upper(): v for k, v in zip(rest[0::2], rest[1::2])}
        self.assertEqual(int(vals["COUNT"]), 2)
        self.assertEqual(int(vals["MIN"]), self.search_uids[1])
        # nothing found: only COUNT 0 (MIN/MAX/ALL omitted)
        r = self.assertOk(c.cmd("SEARCH RETURN (MIN COUNT) DRAFT"))
        e = r.one("ESEARCH")
        rest = [a for a in e.args[1:]]
        vals = {str(k).upper(): v for k, v in zip(rest[0::2], rest[1::2])}
        self.assertEqual(vals, {"COUNT": "0"}, r)

    def test_sort(self):
        self.assertCaps("SORT")
        c = self.session(examine=self.search_box)
        by_size = [i + 1 for i in sorted(range(5), key=lambda i: self.sizes[i])]
        cases = [
            ("(ARRIVAL)", [1, 2, 3, 5, 4]),
            ("(DATE)", [1, 3, 2, 5, 4]),
            ("(REVERSE DATE)", [4, 5, 2, 3, 1]),
            # RFC 5256: FROM sorts on the mailbox (local part) of the address
            ("(FROM)", [5, 2, 3, 4, 1]),
            # base subjects: lunch plans, misc, quarterly report, zebra facts, 会议通知
            ("(SUBJECT)", [2, 5, 1, 4, 3]),
            ("(SIZE)", by_size),
            ("(REVERSE SIZE)", by_size[::-1]),
            ("(REVERSE ARRIVAL)", [4, 5, 3, 2, 1]),
        ]
        failures = []
        for keys, want in cases:
            r = c.cmd("SORT %s UTF-8 ALL" % keys)
            got = r.search("SORT") if r.ok else r.status
            if got != want:
                failures.append("SORT %s -> %r, want %r\n  %s" % (
                    keys, got, want, "\n  ".join(r.exchange[-3:])))
        r = self.assertOk(c.cmd("SORT (ARRIVAL) UTF-8 FLAGGED"))
        if r.search("SORT") != [2, 3]:
            failures.append("SORT (ARRIVAL) UTF-8 FLAGGED -> %r" % r)
        r = self.assertOk(c.cmd("UID SORT (REVERSE ARRIVAL) UTF-8 ALL"))
        if r.search("SORT") != [self.search_uids[i - 1] for i in (4, 5, 3, 2, 1)]:
            failures.append("UID SORT -> %r" % r)
        self.assertEqual(failures, [], "\n".join(failures))

    def test_thread(self):
        self.assertCaps("THREAD=REFERENCES", "THREAD=ORDEREDSUBJECT")
        c = self.session()
        def reply(subject, n, date, parents):
            return message(subject, msgid="<t%d@interop.test>" % n, date=date, extra=[
                ("In-Reply-To", "<t%d@interop.test>" % parents[-1]),
                ("References", " ".join("<t%d@interop.test>" % p for p in parents))])

        msgs = [
            message("Topic", msgid="<t1@interop.test>", date="Mon, 01 Jan 2024 10:00:00 +0000"),
            reply("Re: Topic", 2, "Mon, 01 Jan 2024 11:00:00 +0000", [1]),
            message("Other", msgid="<t3@interop.test>", date="Tue, 02 Jan 2024 10:00:00 +0000"),
            reply("Re: Re: Topic", 4, "Mon, 01 Jan 2024 12:00:00 +0000", [1, 2]),
            reply("Re: Topic", 5, "Wed, 03 Jan 2024 10:00:00 +0000", [1]),
        ]
        name, _ = self.box(c, "thread", [(m,) for m in msgs])
        self.assertOk(c.cmd("EXAMINE " + mbox(name)))
        r = self.assertOk(c.cmd("THREAD REFERENCES UTF-8 ALL"))
        # 1 has the children 2 (with its child 4) and 5; 3 stands alone
        self.assertEqual(thread_forest(r), [(1, [(2, [(4, [])]), (5, [])]), (3, [])], r)
        r = self.assertOk(c.cmd("THREAD ORDEREDSUBJECT UTF-8 ALL"))
        # RFC 5256: the thread of a base subject is its first message with
        # every later one as a child, in date order
        self.assertEqual(thread_forest(r), [(1, [(2, []), (4, []), (5, [])]), (3, [])], r)
        r = self.assertOk(c.cmd("UID THREAD REFERENCES UTF-8 ALL"))
        self.assertEqual(len(thread_forest(r)), 2, r)


def thread_forest(r):
    """The THREAD response of r as [(msg, [children...]), ...]."""
    u = r.one("THREAD")

    def node_list(items):
        # a thread list "(a b (c)(d))": a chain, whose last node may branch
        if not items:
            return []
        head = items[0]
        if isinstance(head, list):
            # "((a)(b))": a dummy root with several children
            kids = []
            for sub in items:
                kids += node_list(sub)
            return kids
        rest = items[1:]
        if not rest:
            return [(int(head), [])]
        if all(isinstance(x, list) for x in rest):
            kids = []
            for sub in rest:
                kids += node_list(sub)
            return [(int(head), kids)]
        return [(int(head), node_list(rest))]

    forest = []
    for t in u.args:
        forest += node_list(t)
    return forest


# ==== FETCH ==================================================================

MULTIPART = (
    b"Date: Thu, 04 Jan 2024 08:00:00 +0000\r\n"
    b"From: Multi Part <multi@ex1.test>\r\n"
    b"To: bob@ex2.test\r\n"
    b"Subject: With an attachment\r\n"
    b"Message-ID: <multi-1@interop.test>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"b1-interop\"\r\n"
    b"\r\n"
    b"This is a multipart message.\r\n"
    b"--b1-interop\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Caf=C3=A9 au lait\r\n"
    b"second line\r\n"
    b"\r\n"
    b"--b1-interop\r\n"
    b"Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    b"\r\n"
    b"AAECAwQFBgcICQ==\r\n"
    b"\r\n"
    b"--b1-interop--\r\n"
)
MP_PART1_MIME = (b"Content-Type: text/plain; charset=utf-8\r\n"
                 b"Content-Transfer-Encoding: quoted-printable\r\n\r\n")
MP_PART1 = b"Caf=C3=A9 au lait\r\nsecond line\r\n"
MP_PART2 = b"AAECAwQFBgcICQ==\r\n"

NESTED = (
    b"From: nested@ex1.test\r\n"
    b"To: bob@ex2.test\r\n"
    b"Subject: Nested alternative\r\n"
    b"Date: Fri, 05 Jan 2024 08:00:00 +0000\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=outer\r\n"
    b"\r\n"
    b"--outer\r\n"
    b"Content-Type: multipart/alternative; boundary=inner\r\n"
    b"\r\n"
    b"--inner\r\n"
    b"Content-Type: text/plain; charset=us-ascii\r\n"
    b"\r\n"
    b"plain version\r\n"
    b"\r\n"
    b"--inner\r\n"
    b"Content-Type: text/html; charset=us-ascii\r\n"
    b"\r\n"
    b"<p>html version</p>\r\n"
    b"\r\n"
    b"--inner--\r\n"
    b"\r\n"
    b"--outer\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"From: inner@ex9.test\r\n"
    b"Subject: Forwarded inside\r\n"
    b"\r\n"
    b"inner body\r\n"
    b"\r\n"
    b"--outer--\r\n"
)

ENVELOPE_MSG = (
    b"Date: Tue, 02 Jan 2024 09:30:00 +0100\r\n"
    b"From: \"Ann Example\" <ann@ex1.test>\r\n"
    b"To: Bob <bob@ex2.test>, carol@ex2.test\r\n"
    b"Subject: Envelope check\r\n"
    b"Message-ID: <env-1@interop.test>\r\n"
    b"In-Reply-To: <parent@interop.test>\r\n"
    b"X-Extra: kept\r\n"
    b"\r\n"
    b"Body line 1\r\n"
    b"Body line 2\r\n"
)


def ci(v):
    return text(v).lower() if v is not None else None


class ImapInteropFetch(ImapCase):
    """FETCH data items, body sections, partial fetches, \\Seen."""

    @classmethod
    def setUpMailboxes(cls, c):
        cls.when = datetime.datetime(2024, 1, 2, 9, 31, 0, tzinfo=datetime.timezone.utc)
        cls.fetch_box, cls.fetch_uids = cls.make_box(c, "fetch", [
            (ENVELOPE_MSG, ["\\Flagged"], cls.when), (MULTIPART, [], None), (NESTED, [], None)])

    def fetch(self, c, seq, items, uid=False):
        r = self.assertOk(c.cmd("%sFETCH %s %s" % ("UID " if uid else "", seq, items)))
        return r

    def one(self, c, seq, items):
        r = self.fetch(c, seq, items)
        d = r.fetches().get(seq)
        self.assertIsNotNone(d, r)
        return d, r

    def section(self, d, name):
        key = norm_item(name)
        self.assertIn(key, d, "no %s in %r" % (key, sorted(d)))
        return octets(d[key])

    def test_simple_items(self):
        c = self.session(examine=self.fetch_box)
        d, r = self.one(c, 1, "(FLAGS INTERNALDATE RFC822.SIZE UID)")
        self.assertIn("\\FLAGGED", flagset(d["FLAGS"]))
        self.assertEqual(parse_internaldate(d["INTERNALDATE"]), self.when)
        self.assertEqual(int(d["RFC822.SIZE"]), len(ENVELOPE_MSG))
        self.assertEqual(int(d["UID"]), self.fetch_uids[0])

    def test_macros(self):
        c = self.session(examine=self.fetch_box)
        d, r = self.one(c, 1, "ALL")
        self.assertTrue({"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"} <= set(d), r)
        d, r = self.one(c, 1, "FAST")
        self.assertTrue({"FLAGS", "INTERNALDATE", "RFC822.SIZE"} <= set(d), r)
        d, r = self.one(c, 1, "FULL")
        self.assertTrue({"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"} <= set(d), r)

    def test_envelope(self):
        c = self.session(examine=self.fetch_box)
        d, r = self.one(c, 1, "(ENVELOPE)")
        env = d["ENVELOPE"]
        self.assertEqual(len(env), 10, env)
        self.assertEqual(text(env[0]), "Tue, 02 Jan 2024 09:30:00 +0100")
        self.assertEqual(text(env[1]), "Envelope check")

        def addrs(v):
            return [tuple(text(x) for x in a) for a in (v or [])]

        ann = [("Ann Example", None, "ann", "ex1.test")]
        self.assertEqual(addrs(env[2]), ann)
        # RFC 3501 7.4.2: a missing Sender / Reply-To is the From
        self.assertEqual(addrs(env[3]), ann)
        self.assertEqual(addrs(env[4]), ann)
        self.assertEqual(addrs(env[5]), [("Bob", None, "bob", "ex2.test"),
                                         (None, None, "carol", "ex2.test")])
        self.assertIsNone(env[6])
        self.assertIsNone(env[7])
        self.assertEqual(text(env[8]), "<parent@interop.test>")
        self.assertEqual(text(env[9]), "<env-1@interop.test>")

    def test_envelope_encoded_subject_is_raw(self):
        c = self.session()
        raw = message("=?UTF-8?B?5Lit5paH?= test", frm="=?UTF-8?B?5byg5LiJ?= <zhang@ex1.test>")
        name, _ = self.box(c, "envraw", [(raw,)])
        self.assertOk(c.cmd("EXAMINE " + mbox(name)))
        d, r = self.one(c, 1, "(ENVELOPE)")
        self.assertEqual(text(d["ENVELOPE"][1]), "=?UTF-8?B?5Lit5paH?= test")
        self.assertEqual(text(d["ENVELOPE"][2][0][0]), "=?UTF-8?B?5byg5LiJ?=")

    def test_body_sections_simple(self):
        c = self.session(examine=self.fetch_box)
        head, _, body = ENVELOPE_MSG.partition(b"\r\n\r\n")
        d, r = self.one(c, 1, "(BODY.PEEK[] BODY.PEEK[HEADER] BODY.PEEK[TEXT] BODY.PEEK[1])")
        self.assertEqual(self.section(d, "BODY[]"), ENVELOPE_MSG)
        self.assertEqual(self.section(d, "BODY[HEADER]"), head + b"\r\n\r\n")
        self.assertEqual(self.section(d, "BODY[TEXT]"), body)
        # a non-multipart message has only part 1: its body
        self.assertEqual(self.section(d, "BODY[1]"), body)

    def test_header_fields(self):
        c = self.session(examine=self.fetch_box)
        d, r = self.one(c, 1, "(BODY.PEEK[HEADER.FIELDS (From Subject)])")
        self.assertEqual(self.section(d, "BODY[HEADER.FIELDS (FROM SUBJECT)]"),
                         b"From: \"Ann Example\" <ann@ex1.test>\r\n"
                         b"Subject: Envelope check\r\n\r\n")
        names = "(Date From To Subject Message-ID In-Reply-To)"
        d, r = self.one(c, 1, "(BODY.PEEK[HEADER.FIELDS.NOT %s])" % names)
        self.assertEqual(self.section(d, "BODY[HEADER.FIELDS.NOT %s]" % names),
                         b"X-Extra: kept\r\n\r\n")
        d, r = self.one(c, 1, "(BODY.PEEK[HEADER.FIELDS (X-Not-There)])")
        self.assertEqual(self.section(d, "BODY[HEADER.FIELDS (X-NOT-THERE)]"), b"\r\n")

    def test_multipart_sections(self):
        c = self.session(examine=self.fetch_box)
        d, r = self.one(c, 2, "(BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[2] BODY.PEEK[2.MIME]"
                              " BODY.PEEK[TEXT])")
        self.assertEqual(self.section(d, "BODY[1]"), MP_PART1)
        self.assertEqual(self.section(d, "BODY[1.MIME]"), MP_PART1_MIME)
        self.assertEqual(self.section(d, "BODY[2]"), MP_PART2)
        self.assertEqual(self.section(d, "BODY[2.MIME]"),
                         b"Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
                         b"Content-Transfer-Encoding: base64\r\n"
                         b"Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n")
        self.assertEqual(self.section(d, "BODY[TEXT]"), MULTIPART.partition(b"\r\n\r\n")[2])

    def test_nested_sections(self):
        c = self.session(examine=self.fetch_box)
        d, r = self.one(c, 3, "(BODY.PEEK[1.1] BODY.PEEK[1.2] BODY.PEEK[2.HEADER]"
                              " BODY.PEEK[2.TEXT] BODY.PEEK[2])")
        self.assertEqual(self.section(d, "BODY[1.1]"), b"plain version\r\n")
        self.assertEqual(self.section(d, "BODY[1.2]"), b"<p>html version</p>\r\n")
        self.assertEqual(self.section(d, "BODY[2.HEADER]"),
                         b"From: inner@ex9.test\r\nSubject: Forwarded inside\r\n\r\n")
        self.assertEqual(self.section(d, "BODY[2.TEXT]"), b"inner body\r\n")
        self.assertEqual(self.section(d, "BODY[2]"),
                         b"From: inner@ex9.test\r\nSubject: Forwarded inside\r\n\r\ninner body\r\n")

    def test_bodystructure_multipart(self):
        c = self.session(examine=self.fetch_box)
        d, r = self.one(c, 2, "(BODYSTRUCTURE)")
        bs = d["BODYSTRUCTURE"]
        p1, p2 = bs[0], bs[1]
        self.assertEqual(ci(bs[2]), "mixed", bs)
        self.assertEqual([ci(p1[0]), ci(p1[1])], ["text", "plain"])
        self.assertEqual([ci(x) for x in p1[2]], ["charset", "utf-8"])
        self.assertIsNone(p1[3])
        self.assertIsNone(p1[4])
        self.assertEqual(ci(p1[5]), "quoted-printable")
        self.assertEqual(int(p1[6]), len(MP_PART1))
        self.assertEqual(int(p1[7]), 2)            # text: the number of lines
        self.assertEqual([ci(p2[0]), ci(p2[1])], ["application", "octet-stream"])
        self.assertEqual([ci(p2[2][0]), text(p2[2][1])], ["name", "data.bin"])
        self.assertEqual(ci(p2[5]), "base64")
        self.assertEqual(int(p2[6]), len(MP_PART2))
        # extension data may be returned by BODYSTRUCTURE (RFC 3501 7.4.2);
        # what is there must be right
        if len(bs) > 3 and bs[3] is not None:
            params = {ci(k): text(v) for k, v in zip(bs[3][0::2], bs[3][1::2])}
            self.assertEqual(params.get("boundary"), "b1-interop")
        if len(p2) > 8 and p2[8] is not None:
            self.assertEqual(ci(p2[8][0]), "attachment")
            self.assertEqual([ci(p2[8][1][0]), text(p2[8][1][1])], ["filename", "data.bin"])

    def test_body_has_no_extension_data(self):
        c = self.session(examine=self.fetch_box)
        d, r = self.one(c, 2, "(BODY)")
        b = d["BODY"]
        self.assertEqual(ci(b[-1]), "mixed", b)         # no params after the subtype
        self.assertEqual(len(b[0]), 8, b[0])            # text part: 7 fields + lines
        self.assertEqual(len(b[1]), 7, b[1])

    def test_bodystructure_nested(self):
        c = self.session(examine=self.fetch_box)
        d, r = self.one(c, 3, "(BODYSTRUCTURE)")
        bs = d["BODYSTRUCTURE"]
        alt, fwd = bs[0], bs[1]
        self.assertEqual(ci(bs[2]), "mixed")
        self.assertEqual(ci(alt[2]), "alternative")
        self.assertEqual([ci(alt[0][1]), ci(alt[1][1])], ["plain", "html"])
        self.assertEqual([ci(fwd[0]), ci(fwd[1])], ["message", "rfc822"])
        inner = b"From: inner@ex9.test\r\nSubject: Forwarded inside\r\n\r\ninner body\r\n"
        self.assertEqual(int(fwd[6]), len(inner))
        env = fwd[7]
        self.assertEqual(text(env[1]), "Forwarded inside")
        self.assertEqual(ci(fwd[8][0]), "text")         # the inner message's body
        self.assertEqual(int(fwd[9]), 4)                # lines of the encapsulated message

    def test_partial(self):
        c = self.session(examine=self.fetch_box)
        d, r = self.one(c, 1, "(BODY.PEEK[]<0.10> BODY.PEEK[TEXT]<5.6>)")
        self.assertEqual(self.section(d, "BODY[]<0>"), ENVELOPE_MSG[:10])
        body = ENVELOPE_MSG.partition(b"\r\n\r\n")[2]
        self.assertEqual(self.section(d, "BODY[TEXT]<5>"), body[5:11])
        d, r = self.one(c, 1, "(BODY.PEEK[]<100000.10>)")
        self.assertEqual(self.section(d, "BODY[]<100000>"), b"")

    def test_rfc822_items(self):
        c = self.session()
        name, uids = self.box(c, "rfc822", [(ENVELOPE_MSG,), (ENVELOPE_MSG,)])
        self.assertOk(c.cmd("SELECT " + mbox(name)))
        head, _, body = ENVELOPE_MSG.partition(b"\r\n\r\n")
        d, r = self.one(c, 1, "(RFC822.HEADER)")
        self.assertEqual(octets(d["RFC822.HEADER"]), head + b"\r\n\r\n")
        d, r = self.one(c, 1, "(FLAGS)")
        self.assertNotIn("\\SEEN", flagset(d["FLAGS"]), "RFC822.HEADER set \\Seen")
        d, r = self.one(c, 1, "(RFC822)")
        self.assertEqual(octets(d["RFC822"]), ENVELOPE_MSG)
        d, r = self.one(c, 2, "(RFC822.TEXT)")
        self.assertEqual(octets(d["RFC822.TEXT"]), body)
        r = self.fetch(c, "1:2", "(FLAGS)")
        for n in (1, 2):
            self.assertIn("\\SEEN", flagset(r.fetches()[n]["FLAGS"]), r)

    def test_seen_by_body_not_by_peek(self):
        c = self.session()
        name, uids = self.box(c, "seen", [(message("a"),), (message("b"),)])
        self.assertOk(c.cmd("SELECT " + mbox(name)))
        self.fetch(c, 1, "(BODY.PEEK[])")
        self.fetch(c, 1, "(BODY.PEEK[TEXT])")
        r = self.fetch(c, 1, "(FLAGS)")
        self.assertNotIn("\\SEEN", flagset(r.fetches()[1]["FLAGS"]))
        self.fetch(c, 2, "(BODY[])")
        r = self.fetch(c, 2, "(FLAGS)")
        self.assertIn("\\SEEN", flagset(r.fetches()[2]["FLAGS"]))
        # another session sees it too: the flag is permanent
        c2 = self.session(examine=name)
        r = self.fetch(c2, "1:2", "(FLAGS)")
        self.assertEqual([("\\SEEN" in flagset(r.fetches()[n]["FLAGS"])) for n in (1, 2)],
                         [False, True])

    def test_uid_fetch(self):
        c = self.session(examine=self.fetch_box)
        u = self.fetch_uids
        r = self.fetch(c, "%d:%d" % (u[1], u[2]), "(FLAGS)", uid=True)
        # RFC 3501 6.4.8: UID FETCH responses carry the UID
        self.assertEqual(sorted(r.by_uid()), [u[1], u[2]], r)
        # UIDs that do not exist are ignored without an error
        r = self.fetch(c, "%d" % (u[2] + 1000), "(FLAGS)", uid=True)
        self.assertEqual(r.all("FETCH"), [], r)
        r = self.fetch(c, "%d:*" % (u[2] + 1000), "(FLAGS)", uid=True)
        self.assertEqual(sorted(r.by_uid()), [u[2]], r)

    def test_fetch_beyond_exists_refused(self):
        c = self.session(examine=self.fetch_box)
        self.assertRefused(c.cmd("FETCH 99 (FLAGS)"))


# ==== STORE, COPY, MOVE ======================================================

class ImapInteropStore(ImapCase):
    """STORE forms and keywords, COPY/COPYUID, MOVE, UID variants."""

    def three(self, c, tag):
        name, uids = self.box(c, tag, [(message("s1"),), (message("s2"), ["\\Seen"]),
                                        (message("s3"),)])
        self.assertOk(c.cmd("SELECT " + mbox(name)))
        return name, uids

    def flags_of(self, c, seq):
        r = self.assertOk(c.cmd("FETCH %s (FLAGS)" % seq))
        return {n: flagset(d["FLAGS"]) - {"\\RECENT"} for n, d in r.fetches().items()}

    def test_store_forms(self):
        c = self.session()
        self.three(c, "store")
        r = self.assertOk(c.cmd("STORE 1 +FLAGS (\\Flagged \\Answered)"))
        self.assertEqual(flagset(r.fetches()[1]["FLAGS"]) - {"\\RECENT"},
                         {"\\FLAGGED", "\\ANSWERED"}, r)
        r = self.assertOk(c.cmd("STORE 1 -FLAGS (\\Answered)"))
        self.assertEqual(flagset(r.fetches()[1]["FLAGS"]) - {"\\RECENT"}, {"\\FLAGGED"}, r)
        r = self.assertOk(c.cmd("STORE 1:2 FLAGS (\\Draft)"))
        self.assertEqual({n: flagset(d["FLAGS"]) - {"\\RECENT"} for n, d in r.fetches().items()},
                         {1: {"\\DRAFT"}, 2: {"\\DRAFT"}}, r)
        self.assertEqual(self.flags_of(c, "1:3"), {1: {"\\DRAFT"}, 2: {"\\DRAFT"}, 3: set()})

    def test_store_silent(self):
        c = self.session()
        self.three(c, "silent")
        r = self.assertOk(c.cmd("STORE 3 +FLAGS.SILENT (\\Flagged)"))
        self.assertEqual(r.all("FETCH"), [], r)
        r = self.assertOk(c.cmd("STORE 2 -FLAGS.SILENT (\\Seen)"))
        self.assertEqual(r.all("FETCH"), [], r)
        r = self.assertOk(c.cmd("STORE 1 FLAGS.SILENT (\\Deleted)"))
        self.assertEqual(r.all("FETCH"), [], r)
        self.assertEqual(self.flags_of(c, "1:3"), {1: {"\\DELETED"}, 2: set(), 3: {"\\FLAGGED"}})

    def test_store_keywords(self):
        c = self.session()
        self.three(c, "kw")
        r = self.assertOk(c.cmd("STORE 1 +FLAGS ($Label1 interop_kw)"))
        self.assertTrue({"$LABEL1", "INTEROP_KW"} <= flagset(r.fetches()[1]["FLAGS"]), r)
        self.assertOk(c.cmd("STORE 1 -FLAGS ($Label1)"))
        self.assertEqual(self.flags_of(c, 1)[1], {"INTEROP_KW"})
        r = self.assertOk(c.cmd("SEARCH KEYWORD interop_kw"))
        self.assertEqual(r.search(), [1])
        r = self.assertOk(c.cmd("SEARCH UNKEYWORD interop_kw"))
        self.assertEqual(sorted(r.search()), [2, 3])

    def test_uid_store(self):
        c = self.session()
        name, uids = self.three(c, "uidstore")
        r = self.assertOk(c.cmd("UID STORE %d +FLAGS (\\Flagged)" % uids[2]))
        self.assertEqual(int(r.fetches()[3]["UID"]), uids[2], r)
        self.assertOk(c.cmd("UID STORE %d +FLAGS (\\Flagged)" % (uids[2] + 500)))
        self.assertEqual(self.flags_of(c, "1:3"), {1: set(), 2: {"\\SEEN"}, 3: {"\\FLAGGED"}})

    def test_copy_copyuid(self):
        c = self.session()
        src, uids = self.three(c, "copysrc")
        self.assertOk(c.cmd("STORE 1 +FLAGS (\\Flagged)"))
        dst, _ = self.box(c, "copydst")
        r = self.assertOk(c.cmd("COPY 1:2 " + mbox(dst)))
        self.assertEqual(r.code_name, "COPYUID", r)
        validity, srcset, dstset = r.code_args()
        self.assertEqual(seqset(text(srcset)), set(uids[:2]))
        dst_uids = sorted(seqset(text(dstset)))
        self.assertEqual(len(dst_uids), 2)
        # the source is unchanged
        self.assertEqual(len(self.flags_of(c, "1:*")), 3)
        c2 = self.session(examine=dst)
        r = self.assertOk(c2.cmd("UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
        got = r.by_uid()
        self.assertEqual(sorted(got), dst_uids)
        self.assertIn(b"s1", octets(got[dst_uids[0]]["BODY[HEADER.FIELDS (SUBJECT)]"]))
        self.assertIn("\\FLAGGED", flagset(got[dst_uids[0]]["FLAGS"]))
        self.assertIn("\\SEEN", flagset(got[dst_uids[1]]["FLAGS"]))

    def test_copy_to_missing_trycreate(self):
        c = self.session()
        self.three(c, "copymiss")
        r = self.assertNo(c.cmd("COPY 1 " + mbox(self.unique("nobox"))))
        self.assertEqual(r.code_name, "TRYCREATE", r)

    def test_uid_copy(self):
        c = self.session()
        src, uids = self.three(c, "uidcopy")
        dst, _ = self.box(c, "uidcopydst")
        r = self.assertOk(c.cmd("UID COPY %d,%d %s" % (uids[0], uids[2], mbox(dst))))
        self.assertEqual(r.code_name, "COPYUID", r)
        self.assertEqual(seqset(text(r.code_args()[1])), {uids[0], uids[2]})
        st = status_items(c.cmd("STATUS %s (MESSAGES)" % mbox(dst)))
        self.assertEqual(st["MESSAGES"], 2)

    def _moved(self, r, src_uids, expect_src, expect_dst_n):
        codes = r.codes()
        self.assertIn("COPYUID", codes, r)
        args = parse_tokens([codes["COPYUID"]])[1:]
        self.assertEqual(seqset(text(args[1])), set(expect_src), r)
        self.assertEqual(len(seqset(text(args[2]))), expect_dst_n, r)
        left = apply_expunges(src_uids, r)
        self.assertEqual(left, [u for u in src_uids if u not in expect_src], r)

    def test_move(self):
        self.assertCaps("MOVE")
        c = self.session()
        src, uids = self.three(c, "movesrc")
        dst, _ = self.box(c, "movedst")
        r = self.assertOk(c.cmd("MOVE 2:3 " + mbox(dst)))
        self._moved(r, uids, uids[1:], 2)
        r = self.assertOk(c.cmd("FETCH 1:* (UID)"))
        self.assertEqual(sorted(r.by_uid()), [uids[0]])
        st = status_items(c.cmd("STATUS %s (MESSAGES)" % mbox(dst)))
        self.assertEqual(st["MESSAGES"], 2)

    def test_uid_move(self):
        self.assertCaps("MOVE")
        c = self.session()
        src, uids = self.three(c, "uidmove")
        dst, _ = self.box(c, "uidmovedst")
        r = self.assertOk(c.cmd("UID MOVE %d %s" % (uids[0], mbox(dst))))
        self._moved(r, uids, [uids[0]], 1)
        st = status_items(c.cmd("STATUS %s (MESSAGES)" % mbox(dst)))
        self.assertEqual(st["MESSAGES"], 1)

    def test_move_to_missing_trycreate(self):
        self.assertCaps("MOVE")
        c = self.session()
        self.three(c, "movemiss")
        r = self.assertNo(c.cmd("MOVE 1 " + mbox(self.unique("nobox"))))
        self.assertEqual(r.code_name, "TRYCREATE", r)
        self.assertEqual(len(self.flags_of(c, "1:*")), 3)


# ==== extensions =============================================================

class ImapInteropExtensions(ImapCase):
    """NAMESPACE, ID, ENABLE, CONDSTORE, QRESYNC, QUOTA."""

    def test_namespace(self):
        self.assertCaps("NAMESPACE")
        c = self.session()
        r = self.assertOk(c.cmd("NAMESPACE"))
        ns = r.one("NAMESPACE").args
        self.assertEqual(len(ns), 3, r)
        personal = ns[0]
        self.assertTrue(personal, "no personal namespace: %r" % r)
        prefix, delim = text(personal[0][0]), text(personal[0][1])
        self.assertEqual(delim, self.delim)
        self.assertIn(prefix, ("", "INBOX" + self.delim), r)

    def test_id(self):
        self.assertCaps("ID")
        c = self.conn()
        r = self.assertOk(c.cmd('ID ("name" "mailhive-interop" "version" "1")'))
        u = r.one("ID")
        self.assertTrue(u.args[0] is None or isinstance(u.args[0], list), u)
        if isinstance(u.args[0], list):
            self.assertEqual(len(u.args[0]) % 2, 0, u)
        self.assertOk(c.cmd("ID NIL"))

    def test_enable(self):
        self.assertCaps("ENABLE", "CONDSTORE", "QRESYNC")
        c = self.session()
        r = self.assertOk(c.cmd("ENABLE CONDSTORE"))
        self.assertEqual([str(a).upper() for a in r.one("ENABLED").args], ["CONDSTORE"])
        r = self.assertOk(c.cmd("ENABLE QRESYNC X-NO-SUCH-EXTENSION"))
        enabled = set()
        for u in r.all("ENABLED"):
            enabled |= {str(a).upper() for a in u.args}
        self.assertIn("QRESYNC", enabled)
        self.assertNotIn("X-NO-SUCH-EXTENSION", enabled)

    def test_condstore(self):
        self.assertCaps("CONDSTORE")
        c = self.session()
        name, uids = self.box(c, "condstore", [(message("c%d" % i),) for i in range(3)])
        r = self.assertOk(c.cmd("SELECT %s (CONDSTORE)" % mbox(name)))
        self.assertIn("HIGHESTMODSEQ", r.codes(), r)
        high = int(r.codes()["HIGHESTMODSEQ"].split()[1])
        r = self.assertOk(c.cmd("FETCH 1:* (MODSEQ)"))
        mods = {n: int(d["MODSEQ"][0]) for n, d in r.fetches().items()}
        self.assertEqual(set(mods), {1, 2, 3})
        self.assertTrue(all(0 < m <= high for m in mods.values()), (mods, high))
        r = self.assertOk(c.cmd("STORE 2 +FLAGS (\\Flagged)"))
        d = r.fetches()[2]
        # RFC 7162 3.1.4: with CONDSTORE on, the FETCH of STORE has MODSEQ
        self.assertIn("MODSEQ", d, r)
        new = int(d["MODSEQ"][0])
        self.assertGreater(new, high)
        r = self.assertOk(c.cmd("FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % high))
        self.assertEqual(set(r.fetches()), {2}, r)
        self.assertIn("MODSEQ", r.fetches()[2])
        # STORE UNCHANGEDSINCE an older MODSEQ fails for message 2 only
        r = c.cmd("STORE 1:2 (UNCHANGEDSINCE %d) +FLAGS (\\Answered)" % high)
        self.assertIn(r.status, ("OK", "NO"), r)
        self.assertEqual(r.code_name, "MODIFIED", r)
        self.assertEqual(seqset(text(r.code_args()[0])), {2}, r)
        r = self.assertOk(c.cmd("FETCH 1:2 (FLAGS)"))
        self.assertIn("\\ANSWERED", flagset(r.fetches()[1]["FLAGS"]))
        self.assertNotIn("\\ANSWERED", flagset(r.fetches()[2]["FLAGS"]))
        st = self.assertOk(c.cmd("STATUS %s (HIGHESTMODSEQ)" % mbox(name)))
        self.assertGreater(status_items(st)["HIGHESTMODSEQ"], new)
        r = self.assertOk(c.cmd("SEARCH MODSEQ %d" % (new + 1)))
        self.assertEqual(r.search(), [1], r)

    def test_qresync(self):
        self.assertCaps("QRESYNC")
        c = self.session()
        name, uids = self.box(c, "qresync", [(message("q%d" % i),) for i in range(4)])
        r = self.assertOk(c.cmd("SELECT %s (CONDSTORE)" % mbox(name)))
        validity = int(r.codes()["UIDVALIDITY"].split()[1])
        high = int(r.codes()["HIGHESTMODSEQ"].split()[1])
        self.assertOk(c.cmd("UNSELECT"))
        # changes made while "offline": one flag change, one expunge
        other = self.session(select=name)
        self.assertOk(other.cmd("UID STORE %d +FLAGS (\\Flagged)" % uids[0]))
        self.assertOk(other.cmd("UID STORE %d +FLAGS (\\Deleted)" % uids[2]))
        self.assertOk(other.cmd("EXPUNGE"))
        c2 = self.session()
        self.assertOk(c2.cmd("ENABLE QRESYNC"))
        r = self.assertOk(c2.cmd("SELECT %s (QRESYNC (%d %d %d:%d))" % (
            mbox(name), validity, high, uids[0], uids[-1])))
        vanished = set()
        for u in r.all("VANISHED"):
            self.assertTrue(isinstance(u.args[0], list)
                            and str(u.args[0][0]).upper() == "EARLIER", u)
            vanished |= seqset(text(u.args[1]))
        self.assertIn(uids[2], vanished, r)
        self.assertFalse(vanished & {uids[0], uids[1], uids[3]}, r)
        changed = r.by_uid()
        self.assertIn(uids[0], changed, r)
        self.assertIn("\\FLAGGED", flagset(changed[uids[0]]["FLAGS"]))
        self.assertGreater(int(changed[uids[0]]["MODSEQ"][0]), high)
        # with QRESYNC on, an expunge is reported as VANISHED, not EXPUNGE
        self.assertOk(c2.cmd("UID STORE %d +FLAGS (\\Deleted)" % uids[3]))
        r = self.assertOk(c2.cmd("EXPUNGE"))
        self.assertEqual(r.all("EXPUNGE"), [], r)
        self.assertEqual({x for u in r.all("VANISHED") for x in seqset(text(u.args[-1]))},
                         {uids[3]}, r)

    def test_quota(self):
        self.assertCaps("QUOTA")
        # a user with a storage quota of 10 MB and one message
        login, password = self.srv.user("quota", quota_bytes=10 * 1024 * 1024)
        data = message("quota", body=("x" * 70 + "\r\n") * 72)
        self.srv.deliver(login, data)
        self.assertEqual(self.srv.wait_delivered(login, 1), 1)
        c = self.session(login, password)
        r = self.assertOk(c.cmd("GETQUOTAROOT INBOX"))
        qr = r.one("QUOTAROOT")
        self.assertEqual(text(qr.args[0]).upper(), "INBOX")
        roots = [text(a) for a in qr.args[1:]]
        self.assertTrue(roots, "no quota root for INBOX of a user with a quota: %r" % r)
        quotas = {text(u.args[0]): u.args[1] for u in r.all("QUOTA")}
        storage = []
        for root in roots:
            self.assertIn(root, quotas, r)
            res = quotas[root]
            self.assertEqual(len(res) % 3, 0, r)
            for name, used, limit in zip(res[0::3], res[1::3], res[2::3]):
                self.assertIn(str(name).upper(), ("STORAGE", "MESSAGE", "MAILBOX",
                                                  "ANNOTATION-STORAGE"))
                self.assertLessEqual(int(used), int(limit))
                if str(name).upper() == "STORAGE":
                    storage.append((int(used), int(limit)))
        # RFC 2087: STORAGE counts units of 1024 octets
        self.assertEqual(len(storage), 1, r)
        used, limit = storage[0]
        self.assertEqual(limit, 10 * 1024, r)
        self.assertGreaterEqual(used, len(data) // 1024, r)
        self.assertLessEqual(used, len(data) // 1024 + 4, r)
        r = self.assertOk(c.cmd("GETQUOTA " + quote(roots[0])))
        self.assertEqual(len(r.all("QUOTA")), 1, r)


# ==== IDLE and concurrent sessions ============================================

class ImapInteropIdle(ImapCase):
    """IDLE: a delivery shows up as EXISTS within a second."""

    USER = "idle"

    def test_idle_exists_after_delivery(self):
        self.assertCaps("IDLE")
        c = self.session()
        r = self.assertOk(c.cmd("SELECT INBOX"))
        n = r.one("EXISTS").num
        tag, _ = c.start("IDLE")
        kind, value = c.read()
        self.assertEqual(kind, "+", c.exchange)
        self.srv.deliver(self.login, message("during idle"))
        t0 = time.monotonic()
        u = c.wait_untagged(lambda u: u.kind == "EXISTS" and u.num > n, 5.0)
        latency = time.monotonic() - t0
        self.assertIsNotNone(u, "no EXISTS within 5 s of the delivery:\n%s" % "\n".join(c.exchange))
        self.assertEqual(u.num, n + 1)
        self.assertLess(latency, 1.0, "EXISTS came %.2f s after the delivery" % latency)
        c.send("DONE\r\n")
        self.assertOk(c.finish(tag))
        self.assertOk(c.cmd("FETCH %d (FLAGS)" % (n + 1)))

    def test_idle_done_without_changes(self):
        c = self.session()
        self.assertOk(c.cmd("SELECT INBOX"))
        tag, _ = c.start("IDLE")
        kind, value = c.read()
        self.assertEqual(kind, "+", c.exchange)
        c.send("DONE\r\n")
        self.assertOk(c.finish(tag))
        self.assertOk(c.cmd("NOOP"))


class ImapInteropSessions(ImapCase):
    """Two sessions on one mailbox see each other's changes."""

    USER = "sessions"

    def test_flags_and_expunge_seen_by_other_session(self):
        a = self.session()
        name, uids = self.box(a, "twin", [(message("t%d" % i),) for i in range(4)])
        self.assertOk(a.cmd("SELECT " + mbox(name)))
        b = self.session(select=name)
        self.assertOk(b.cmd("STORE 1 +FLAGS (\\Flagged)"))
        r = self.assertOk(a.cmd("NOOP"))
        got = r.fetches()
        self.assertIn(1, got, r)
        self.assertIn("\\FLAGGED", flagset(got[1]["FLAGS"]))
        self.assertOk(b.cmd("STORE 2 +FLAGS (\\Deleted)"))
        self.assertOk(b.cmd("EXPUNGE"))
        # RFC 3501 7.4.1: no EXPUNGE while answering FETCH, STORE or SEARCH
        for cmd in ("FETCH 1:4 (FLAGS)", "STORE 4 +FLAGS (\\Seen)", "SEARCH ALL"):
            r = self.assertOk(a.cmd(cmd))
            self.assertEqual(r.all("EXPUNGE"), [], r)
        r = self.assertOk(a.cmd("NOOP"))
        self.assertEqual(apply_expunges(uids, r), [uids[0], uids[2], uids[3]], r)
        # an APPEND by the other session shows up as EXISTS
        self.append(b, name, message("from b"))
        r = self.assertOk(a.cmd("NOOP"))
        self.assertEqual([u.num for u in r.all("EXISTS")][-1:], [4], r)

    def test_delivery_seen_as_exists(self):
        a = self.session()
        r = self.assertOk(a.cmd("SELECT INBOX"))
        n = r.one("EXISTS").num
        self.srv.deliver(self.login, message("for the open session"))
        deadline = time.monotonic() + 5
        exists = []
        while time.monotonic() < deadline:
            r = self.assertOk(a.cmd("NOOP"))
            exists += [u.num for u in r.all("EXISTS")]
            if exists:
                break
            time.sleep(0.1)
        self.assertEqual(exists[-1:], [n + 1], r)

    def test_uid_fetch_may_carry_expunge(self):
        a = self.session()
        name, uids = self.box(a, "twin2", [(message("u%d" % i),) for i in range(3)])
        self.assertOk(a.cmd("SELECT " + mbox(name)))
        b = self.session(select=name)
        self.assertOk(b.cmd("STORE 3 +FLAGS (\\Deleted)"))
        self.assertOk(b.cmd("EXPUNGE"))
        r1 = self.assertOk(a.cmd("UID FETCH 1:* (FLAGS)"))
        r2 = self.assertOk(a.cmd("NOOP"))
        both = Resp("-", "OK", None, "", r1.untagged + r2.untagged, [])
        self.assertEqual(apply_expunges(uids, both), uids[:2], (r1, r2))


# ==== imaplib: the commands the way an application uses them =================

class _SourceAddress:
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=(harness.next_source_address(), 0))


class Imaplib4(_SourceAddress, imaplib.IMAP4):
    """imaplib.IMAP4 from a loopback source address of its own."""


class Imaplib4Ssl(imaplib.IMAP4_SSL):
    def _create_socket(self, timeout):
        sock = _SourceAddress._create_socket(self, timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


class ImapInteropImaplib(ImapCase):
    """Python's imaplib through the RFC 3501 commands and extensions."""

    def client(self, implicit_tls=False, login=True):
        if implicit_tls:
            m = Imaplib4Ssl(self.srv.host, self.srv.imaps_port,
                            ssl_context=peers.tls_client_context(), timeout=TIMEOUT)
        else:
            m = Imaplib4(self.srv.host, self.srv.imap_port, timeout=TIMEOUT)
        self.addCleanup(self._shutdown, m)
        if login:
            if "LOGINDISABLED" in m.capabilities:
                m.starttls(ssl_context=peers.tls_client_context())
            typ, _ = m.login(self.login, self.password)
            self.assertEqual(typ, "OK")
        return m

    @staticmethod
    def _shutdown(m):
        try:
            m.shutdown()
        except Exception:       # noqa: BLE001 - already closed
            pass

    def test_imaplib_session_basics(self):
        m = self.client(login=False)
        self.assertIn("IMAP4REV1", m.capabilities)
        self.assertEqual(m.noop()[0], "OK")
        with self.assertRaises(imaplib.IMAP4.error):
            m.login(self.login, "not-" + self.password)
        if "LOGINDISABLED" in m.capabilities:
            m.starttls(ssl_context=peers.tls_client_context())
        self.assertEqual(m.login(self.login, self.password)[0], "OK")
        typ, data = m.capability()
        self.assertEqual(typ, "OK")
        self.assertIn(b"IMAP4REV1", data[0].upper())
        self.assertEqual(m.logout()[0], "BYE")

    def test_imaplib_starttls_and_ssl(self):
        m = Imaplib4(self.srv.host, self.srv.imap_port, timeout=TIMEOUT)
        self.addCleanup(self._shutdown, m)
        self.assertEqual(m.starttls(ssl_context=peers.tls_client_context())[0], "OK")
        self.assertEqual(m.login(self.login, self.password)[0], "OK")
        self.assertEqual(m.select("INBOX")[0], "OK")
        m2 = self.client(implicit_tls=True)
        self.assertEqual(m2.select("INBOX", readonly=True)[0], "OK")

    def test_imaplib_authenticate(self):
        plain = b"\0" + self.login.encode() + b"\0" + self.password.encode()
        for mech, answers in (("PLAIN", [plain]),
                              ("LOGIN", [self.login.encode(), self.password.encode()])):
            m = self.client(login=False)
            if "AUTH=%s" % mech not in m.capabilities or "LOGINDISABLED" in m.capabilities:
                m.starttls(ssl_context=peers.tls_client_context())
            queue = list(answers)
            typ, _ = m.authenticate(mech, lambda challenge: queue.pop(0))
            self.assertEqual(typ, "OK", mech)
            self.assertEqual(m.select()[0], "OK")

    def test_imaplib_mailbox_commands(self):
        m = self.client()
        base = self.unique("lib")
        child = self.path(base, "child")
        self.assertEqual(m.create(base)[0], "OK")
        self.assertEqual(m.create(child)[0], "OK")
        self.assertEqual(m.create(base)[0], "NO")
        typ, data = m.list('""', base + "*")
        self.assertEqual(typ, "OK")
        names = [d.decode().rsplit(" ", 1)[-1].strip('"') for d in data if d]
        self.assertEqual(sorted(names), sorted([base, child]))
        self.assertEqual(m.subscribe(base)[0], "OK")
        typ, data = m.lsub('""', base)
        self.assertEqual(len([d for d in data if d]), 1, data)
        self.assertEqual(m.unsubscribe(base)[0], "OK")
        typ, data = m.lsub('""', base)
        self.assertEqual([d for d in data if d], [])
        typ, data = m.status(child, "(MESSAGES UIDNEXT)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"MESSAGES 0", data[0])
        renamed = base + "-renamed"
        self.assertEqual(m.rename(base, renamed)[0], "OK")
        typ, data = m.list('""', renamed + "*")
        self.assertEqual(len([d for d in data if d]), 2, data)
        self.assertEqual(m.delete(self.path(renamed, "child"))[0], "OK")
        self.assertEqual(m.delete(renamed)[0], "OK")
        typ, data = m.list('""', renamed + "*")
        self.assertEqual([d for d in data if d], [])

    def test_imaplib_message_commands(self):
        m = self.client()
        box = self.unique("libmsg")
        dst = self.unique("libdst")
        m.create(box)
        m.create(dst)
        for i in range(3):
            typ, data = m.append(box, "(\\Seen)" if i == 0 else None,
                                 imaplib.Time2Internaldate(1700000000 + i),
                                 message("lib %d" % i, body="word%d here\r\n" % i))
            self.assertEqual(typ, "OK", data)
        typ, data = m.select(box, readonly=True)        # EXAMINE
        self.assertEqual((typ, data), ("OK", [b"3"]))
        self.assertIn("READ-ONLY", m.untagged_responses)
        typ, data = m.select(box)
        self.assertEqual((typ, data), ("OK", [b"3"]))
        self.assertEqual(m.search(None, "UNSEEN"), ("OK", [b"2 3"]))
        self.assertEqual(m.search(None, "BODY", "word2"), ("OK", [b"3"]))
        typ, data = m.fetch("2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)] FLAGS)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"Subject: lib 1", data[0][1])
        typ, data = m.store("2", "+FLAGS", "(\\Flagged)")
        self.assertEqual(typ, "OK")
        self.assertIn(b"\\Flagged", data[0])
        self.assertEqual(m.copy("1:2", dst)[0], "OK")
        typ, data = m.uid("SEARCH", "FLAGGED")
        self.assertEqual(typ, "OK")
        uid2 = data[0].split()[0]
        self.assertEqual(m.uid("FETCH", uid2, "(UID FLAGS)")[0], "OK")
        self.assertEqual(m.uid("STORE", uid2, "+FLAGS", "(\\Answered)")[0], "OK")
        self.assertEqual(m.uid("COPY", uid2, dst)[0], "OK")
        self.assertEqual(m.uid("MOVE", uid2, dst)[0], "OK")
        self.assertEqual(m.check()[0], "OK")
        self.assertEqual(m.store("1", "+FLAGS", "(\\Deleted)")[0], "OK")
        typ, data = m.expunge()
        self.assertEqual((typ, data[-1:]), ("OK", [b"1"]))   # earlier ones: MOVE
        self.assertEqual(m.status(dst, "(MESSAGES)")[1], [("%s (MESSAGES 4)" % dst).encode()])
        self.assertEqual(m.unselect()[0], "OK")
        m.select(dst)
        m.store("1:*", "+FLAGS", "(\\Deleted)")
        self.assertEqual(m.close()[0], "OK")
        self.assertEqual(m.status(dst, "(MESSAGES)")[1], [("%s (MESSAGES 0)" % dst).encode()])

    def test_imaplib_extensions(self):
        m = self.client()
        typ, data = m.namespace()
        self.assertEqual(typ, "OK")
        self.assertTrue(data[0].startswith(b"(("), data)
        typ, data = m.getquotaroot("INBOX")
        self.assertEqual(typ, "OK")
        typ, data = m.enable("CONDSTORE")
        self.assertEqual(typ, "OK")
        self.assertEqual(m._untagged_response(typ, data, "ENABLED")[1], [b"CONDSTORE"])
        typ, data = m.xatom("ID", "NIL")
        self.assertEqual(typ, "OK")
        box = self.unique("libext")
        m.create(box)
        for subject, day in (("b", 3), ("a", 1), ("c", 2)):
            m.append(box, None, None, message(subject, date="%02d Jan 2024 10:00:00 +0000" % day))
        m.select(box, readonly=True)
        self.assertEqual(m.sort("(SUBJECT)", "UTF-8", "ALL"), ("OK", [b"2 1 3"]))
        # threads in the order of their first message's Date
        self.assertEqual(m.thread("ORDEREDSUBJECT", "UTF-8", "ALL"), ("OK", [b"(2)(3)(1)"]))


# ==== the classes unittest runs ==============================================

for _mixin in (ImapInteropAuth, ImapInteropErrors, ImapInteropMailbox, ImapInteropRenameInbox,
               ImapInteropSelect, ImapInteropExpunge, ImapInteropSearch, ImapInteropFetch,
               ImapInteropStore, ImapInteropExtensions, ImapInteropIdle, ImapInteropSessions,
               ImapInteropImaplib):
    for_each_server(_mixin, globals())
del _mixin
