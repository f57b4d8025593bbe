#!/usr/bin/python3
"""bench/pop3/run.py - POP3 download-and-delete of mailhived beside Dovecot.

The classic POP3 session of a mail client that does not leave mail on
the server: USER/PASS, STAT, LIST, then RETR and DELE of every message,
then QUIT (which commits the deletions). Both servers run privately on
this machine in one go (bench/imap/benchlib.py: a fresh mailhived
instance through tests/integration/harness.py, and a private Dovecot 2.3
with maildir under a temporary directory, 127.0.0.1 high ports only).

Before each round every session's mailbox gets --count messages (1,000)
written directly: maildir files for Dovecot; for mailhived one message
delivered by SMTP and the rest as SQL rows sharing its blob (benchlib
BenchMailhive.bulk_fill). Both are then in the page cache, so the
numbers are about the servers, not the disk. The client is a small
blocking socket client (one command at a time, as mail clients do),
the same for both; it is Python, so with several --sessions (threads)
it becomes the limit before either server does.

Reported per server (median of --rounds): seconds for LIST, RETR (all),
DELE (all), QUIT (the commit), the whole session, and messages/s
(count / session time); with --sessions S, S users download at once and
messages/s is the sum.

    bench/pop3/run.py [--build /tmp/b-bench] [--count 1000] [--size 4096]
                      [--rounds 3] [--sessions 1] [--servers mailhived,dovecot]

Bounded: every socket operation times out after 60 s, every round after
--count x sessions RETRs; servers are ours and stopped by their pids.
"""

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "imap"))

import benchlib  # noqa: E402

SOCK_TIMEOUT = 60.0


def log(msg):
    print("bench: " + msg, flush=True)


class Pop3Error(Exception):
    pass


class Pop3:
    """A minimal POP3 client over a plain socket."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=SOCK_TIMEOUT)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.line()

    def _fill(self):
        data = self.s.recv(262144)
        if not data:
            raise Pop3Error("connection closed")
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        if not line.startswith(b"+OK"):
            raise Pop3Error(line.decode(errors="replace"))
        return line

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.line()

    def multi(self, text):
        """A command with a multi-line answer; returns the body's size."""
        self.cmd(text)
        start = 0
        while True:
            if self.buf.startswith(b".\r\n"):
                self.buf = self.buf[3:]
                return 0
            i = self.buf.find(b"\r\n.\r\n", start)
            if i >= 0:
                self.buf = self.buf[i + 5:]
                return i + 2
            start = max(0, len(self.buf) - 4)
            self._fill()

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def session(port, login, password, count, out):
    """One download-and-delete session; fills out with phase timings."""
    t0 = time.monotonic()
    c = Pop3(port)
    try:
        c.cmd("USER " + login)
        c.cmd("PASS " + password)
        t_login = time.monotonic()
        stat = c.cmd("STAT").split()
        n = int(stat[1])
        if n != count:
            raise Pop3Error("STAT says %d messages, expected %d" % (n, count))
        c.multi("LIST")
        t_list = time.monotonic()
        octets = 0
        for i in range(1, n + 1):
            octets += c.multi("RETR %d" % i)
        t_retr = time.monotonic()
        for i in range(1, n + 1):
            c.cmd("DELE %d" % i)
        t_dele = time.monotonic()
        c.cmd("QUIT")
        t_quit = time.monotonic()
    finally:
        c.close()
    out.update(login=t_login - t0, list=t_list - t_login, retr=t_retr - t_list,
               dele=t_dele - t_retr, quit=t_quit - t_dele, total=t_quit - t_login,
               messages=n, octets=octets)


def fill(srv, users, count, size, rnd):
    for k, (login, _) in enumerate(users):
        seed = 1000 * rnd + k
        if srv.name == "dovecot":
            srv.impl.maildir_fill(login, (benchlib.make_message(i, size, seed)
                                          for i in range(count)))
        else:
            srv.impl.bulk_fill(login, count, benchlib.make_message(0, size, seed), seed=seed)


def run_round(srv, users, count):
    """All sessions at once; (per-session results, wall seconds)."""
    results = [dict() for _ in users]
    errors = []

    def one(i):
        try:
            session(srv.impl.pop3_port, users[i][0], users[i][1], count, results[i])
        except Exception as e:          # reported, the round still ends
            errors.append("%s: %s" % (users[i][0], e))

    threads = [threading.Thread(target=one, args=(i,), daemon=True)
               for i in range(len(users))]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=SOCK_TIMEOUT * (3 + count / 100.0))
    wall = time.monotonic() - t0
    if errors:
        raise RuntimeError("; ".join(errors[:3]))
    return results, wall


class Srv:
    def __init__(self, name, impl):
        self.name = name
        self.impl = impl
        self.problem = None
        self.rounds = []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.default_build())
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=1)
    ap.add_argument("--servers", default="mailhived,dovecot")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.count <= 100000 or not 1 <= args.sessions <= 100:
        sys.exit("bench: --count within 1..100000, --sessions within 1..100")
    args.rounds = max(1, min(args.rounds, 20))
    names = [n.strip() for n in args.servers.split(",") if n.strip()]
    why = benchlib.dovecot_missing()
    if "dovecot" in names and why:
        sys.exit("bench: " + why)

    work = tempfile.mkdtemp(prefix="mailhive-bench-pop3-")
    os.chmod(work, 0o755)
    servers = []
    try:
        if "mailhived" in names:
            s = Srv("mailhived", None)
            servers.append(s)
            if not os.access(os.path.join(args.build, "backend", "mailhived"), os.X_OK):
                s.problem = "no build in %s" % args.build
            else:
                s.impl = benchlib.BenchMailhive(args.build, pop3={"workers": 1})
                try:
                    s.impl.start()
                except Exception as e:
                    s.problem = "did not start: %s" % str(e)[:500]
        if "dovecot" in names:
            servers.append(Srv("dovecot", benchlib.BenchDovecot(os.path.join(work, "dovecot"))))
        for s in servers:
            if s.problem:
                continue
            s.users = []
            for i in range(args.sessions):
                pw = "Pop-pw-%02d" % i
                s.users.append((s.impl.add_user("pop%02d" % i, pw), pw))
            if s.name == "dovecot":
                s.impl.start()
            why = benchlib.pop3_problem(s.impl.pop3_port, *s.users[0])
            if why:
                s.problem = "POP3 login failed: %s" % why
            log("%s: POP3 on 127.0.0.1:%s%s" % (s.name, s.impl.pop3_port,
                                                 "" if not why else " (%s)" % why))

        for rnd in range(args.rounds):
            for s in servers:
                if s.problem:
                    continue
                try:
                    t0 = time.monotonic()
                    fill(s, s.users, args.count, args.size, rnd)
                    t_fill = time.monotonic() - t0
                    res, wall = run_round(s, s.users, args.count)
                except Exception as e:
                    s.problem = "round %d failed: %s" % (rnd + 1, str(e)[:500])
                    log(s.name + ": " + s.problem)
                    continue
                s.rounds.append((res, wall))
                r = res[0]
                log("%s round %d: filled in %.1f s; LIST %.3f  RETR %.3f  DELE %.3f"
                    "  QUIT %.3f  session %.3f s  %.0f msg/s" % (
                        s.name, rnd + 1, t_fill, r["list"], r["retr"], r["dele"],
                        r["quit"], r["total"],
                        args.count * len(res) / max(x["total"] for x in res)))

        # ---- table ----------------------------------------------------------
        def med(s, key):
            if not s or not s.rounds:
                return None
            return statistics.median(max(r[key] for r in res) for res, _ in s.rounds)

        def rate(s):
            if not s or not s.rounds:
                return None
            return statistics.median(args.count * len(res) / max(
                r["total"] for r in res) for res, _ in s.rounds)

        by = {s.name: s for s in servers}
        mh, dv = by.get("mailhived"), by.get("dovecot")
        print()
        for s in servers:
            if s.problem:
                print("%s: %s" % (s.name, s.problem))
        print("\nPOP3: %d session(s) x %d messages of ~%d bytes, LIST + RETR + DELE all +"
              " QUIT, median of %d round(s)\n" % (args.sessions, args.count, args.size,
                                                   args.rounds))
        print("| step | mailhived s | Dovecot s | ratio (Dovecot time / mailhived time) |")
        print("|---|---|---|---|")

        def f(v, spec="%.3f"):
            return spec % v if v is not None else "n/a"

        for key, label in (("list", "LIST"), ("retr", "RETR x %d" % args.count),
                           ("dele", "DELE x %d" % args.count), ("quit", "QUIT (commit)"),
                           ("total", "session")):
            a, b = med(mh, key), med(dv, key)
            print("| %s | %s | %s | %s |" % (label, f(a), f(b),
                                             "%.2f" % (b / a) if a and b else "n/a"))
        a, b = rate(mh), rate(dv)
        print("| **messages/s** (after login) | **%s** | **%s** | **%s** (mailhived /"
              " Dovecot) |" % (
            f(a, "%.0f"), f(b, "%.0f"), "%.2f" % (a / b) if a and b else "n/a"))
    finally:
        for s in servers:
            if s.impl is not None:
                try:
                    s.impl.stop()
                except Exception as e:
                    log("stopping %s: %s" % (s.name, e))
        if args.keep:
            log("work directory kept: %s" % work)
        else:
            benchlib.rmtree(work)


if __name__ == "__main__":
    main()
