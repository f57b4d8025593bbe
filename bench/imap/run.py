#!/usr/bin/python3
"""bench/imap/run.py - IMAP performance of mailhived beside Dovecot.

Both servers run on this machine in one go, each private: mailhived in a
fresh instance (tests/integration/harness.py: `./mailhive up` on free
loopback ports with its own PostgreSQL), Dovecot 2.3 with its own
configuration under a temporary directory (benchlib.BenchDovecot:
passwd-file users, maildir, 127.0.0.1 high ports, ssl = no). The load
generator is imap-load.c, built here with `cc -O2`, the same binary and
parameters against both.

Tests (--tests, default all three):

  load     --users mailboxes of --mailbox-size messages each, filled by
           IMAP APPEND (--populate imap) or written directly (maildir
           files for Dovecot, SQL rows for mailhived: --populate direct);
           then --clients connections (client i as user i mod --users)
           run the mix of imap-load for --duration seconds: UID FETCH of
           a 50-message page (FLAGS ENVELOPE), FETCH BODY.PEEK[], STORE
           +/-FLAGS \\Seen, UID SEARCH (UNSEEN / FROM), APPEND of 5 KB,
           NOOP, IDLE of --idle-ms. Per command: ops/s and p99; total
           ops/s; peak memory of the server during the run.
  latency  one mailbox of --big messages (100,000), written directly;
           then --iterations times: connect, LOGIN, and time SELECT INBOX
           + UID FETCH of the last 50 messages (FLAGS ENVELOPE), after
           one untimed warm-up round.
  idle     --idle-conns authenticated connections (10,000), each SELECTs
           INBOX and enters IDLE; when all are idling, the server's memory
           is measured (PSS and RSS summed over its processes) against
           the same server with no clients.

Logins are not what is measured: Dovecot checks plain passwords from its
passwd-file, and mailhived's bench users get argon2id hashes of the lowest
cost (--real-password-cost keeps the default, t=2 and 64 MB, which makes
10,000 logins take many minutes).

Memory: PSS (and RSS) summed over every process of the server: Dovecot's
master and its children; mailhived's master and its children, with the
instance's PostgreSQL shown apart ("+pg"). RSS double-counts shared pages;
PSS does not.

    bench/imap/run.py [--build /tmp/b-bench] [--clients 50] [--duration 30]
                      [--users 50] [--mailbox-size 200] [--big 100000]
                      [--idle-conns 10000] [--tests load,latency,idle]
                      [--servers mailhived,dovecot] [--populate imap|direct]

Bounded: every imap-load run has a hard timeout; servers listen on
127.0.0.1 only and are stopped by their own pids (Dovecot's master gets
SIGTERM, mailhived `./mailhive down`). Needs root (Dovecot's master),
cc, and a mailhived build (the "build" directory of `make`); without a
build, or when mailhived's IMAP does not answer a LOGIN/SELECT from
python imaplib, only Dovecot is measured and the reason is printed.
"""

import argparse
import os
import resource
import signal
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import benchlib  # noqa: E402

LOAD_KINDS = ["page", "body", "store", "search", "append", "noop", "idle"]
LOAD_TIMEOUT_EXTRA = 180


def log(msg):
    print("bench: " + msg, flush=True)


def mb(kb):
    return kb / 1024.0


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, max(soft, want))
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Server:
    """One server under test: its name, IMAP port, user logins, memory."""

    def __init__(self, name, impl):
        self.name = name
        self.impl = impl
        self.workers = 0
        self.users = []          # (login, password)
        self.problem = None
        self.results = {}

    def mem(self):
        """(PSS, RSS) KB of the server; for mailhived also of PostgreSQL."""
        own = benchlib.mem_kb(benchlib.tree_pids(self.impl.roots()))
        pg = (0, 0)
        if hasattr(self.impl, "postgres_roots"):
            pg = benchlib.mem_kb(benchlib.tree_pids(self.impl.postgres_roots()))
        return own, pg

    def cpu(self):
        """(server, PostgreSQL) CPU ms so far, see benchlib.cpu_ms"""
        own = benchlib.cpu_ms(benchlib.tree_pids(self.impl.roots()))
        pg = 0.0
        if hasattr(self.impl, "postgres_roots"):
            pg = benchlib.cpu_ms(benchlib.tree_pids(self.impl.postgres_roots()))
        return own, pg

    def sampler(self):
        own = benchlib.MemSampler(self.impl.roots)
        pg = None
        if hasattr(self.impl, "postgres_roots"):
            pg = benchlib.MemSampler(self.impl.postgres_roots)
        return own, pg


def populate(args, exe, srv, users_file, work):
    """Fill every user's INBOX with --mailbox-size messages."""
    n = args.mailbox_size
    if n <= 0:
        return
    t0 = time.monotonic()
    if args.populate == "imap":
        summary, out, err = benchlib.run_imap_load(
            exe, srv.impl.imap_port, users_file, "populate",
            ["--clients", min(len(srv.users), 50), "--count", n],
            timeout=3600, label=srv.name + "-populate")
        done = summary["commands"].get("append", {}).get("count", 0) if summary else 0
        if done < n * len(srv.users):
            raise RuntimeError("populate by APPEND stored %d of %d messages:\n%s%s" % (
                done, n * len(srv.users), out[-1500:], err[-1500:]))
    else:
        for k, (login, _) in enumerate(srv.users):
            if srv.name == "dovecot":
                srv.impl.maildir_fill(login, (benchlib.make_message(i, 1024 + (i * 37) % 7168, k)
                                              for i in range(n)))
            else:
                srv.impl.bulk_fill(login, n, benchlib.make_message(0, 4096, k), seed=k)
    log("%s: %d users x %d messages in %.1f s (%s)" % (
        srv.name, len(srv.users), n, time.monotonic() - t0, args.populate))


def table_only(out):
    """imap-load's output without its JSON line"""
    return "".join(line for line in out.splitlines(True) if not line.startswith("{"))


def test_load(args, exe, srv, users_file):
    own, pg = srv.sampler()
    own.start()
    if pg:
        pg.start()
    cpu0 = srv.cpu()
    summary, out, err = benchlib.run_imap_load(
        exe, srv.impl.imap_port, users_file, "load",
        ["--clients", args.clients, "--duration", args.duration,
         "--idle-ms", args.idle_ms],
        timeout=args.duration + LOAD_TIMEOUT_EXTRA, label=srv.name)
    cpu1 = srv.cpu()
    peak = own.stop()
    peak_pg = pg.stop() if pg else (0, 0)
    srv.results["load_cpu"] = (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1])
    sys.stdout.write(table_only(out))
    if err.strip():
        sys.stdout.write(err[-2000:])
    srv.results["load"] = summary
    srv.results["load_mem"] = (peak, peak_pg)


def test_latency(args, exe, srv, work):
    login, password = srv.big_user
    uf = benchlib.write_users(os.path.join(work, "big-%s" % srv.name), [(login, password)])
    # warm-up, 3 rounds: the first SELECTs of a new maildir build Dovecot's
    # index and cache files; mailhived's first ones warm PostgreSQL's buffers
    t0 = time.monotonic()
    benchlib.run_imap_load(exe, srv.impl.imap_port, uf, "latency",
                           ["--iterations", 3, "--cmd-timeout", 600],
                           timeout=900, label=srv.name + "-warmup")
    log("%s: warm-up round %.1f s" % (srv.name, time.monotonic() - t0))
    summary, out, err = benchlib.run_imap_load(
        exe, srv.impl.imap_port, uf, "latency",
        ["--iterations", args.iterations], timeout=900, label=srv.name)
    sys.stdout.write(table_only(out))
    if err.strip():
        sys.stdout.write(err[-2000:])
    srv.results["latency"] = summary


def test_idle(args, exe, srv, users_file):
    time.sleep(2)
    base = srv.mem()
    held = {}

    def on_line(line, proc):
        print("  " + line, flush=True)
        if line.startswith("HOLDING"):
            def sample():
                time.sleep(args.idle_settle)
                t0 = time.monotonic()
                held["procs"] = len(benchlib.tree_pids(srv.impl.roots()))
                held["mem"] = srv.mem()
                log("%s: memory read in %.1f s" % (srv.name, time.monotonic() - t0))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGUSR1)    # end the hold
            sampler.append(threading.Thread(target=sample, daemon=True))
            sampler[0].start()

    # the hold lasts until the sample is taken (SIGUSR1), 10 minutes at most
    sampler = []
    summary, out, err = benchlib.run_imap_load(
        exe, srv.impl.imap_port, users_file, "idle",
        ["--clients", args.idle_conns, "--duration", args.idle_settle + 600,
         "--ramp", 200, "--rate", args.idle_rate, "--cmd-timeout", 300,
         "--timeout", 3000],
        timeout=3100, on_line=on_line, label=srv.name)
    if sampler:
        sampler[0].join(timeout=120)
    if err.strip():
        sys.stdout.write(err[-1500:])
    srv.results["idle"] = (summary, base, held)


# ---- tables -----------------------------------------------------------------

def fmt(v, spec="%.0f"):
    return spec % v if v is not None else "n/a"


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "n/a"


def print_tables(args, servers):
    mh = servers.get("mailhived")
    dv = servers.get("dovecot")
    print()
    for s in (mh, dv):
        if s and s.problem:
            print("%s: not measured: %s" % (s.name, s.problem))

    def cmd(s, test, kind, field):
        if not s or not s.results.get(test):
            return None
        c = s.results[test]["commands"].get(kind)
        return c.get(field) if c else None

    if any(s and s.results.get("load") for s in (mh, dv)):
        print("\nLoad: %d clients, %d s, %d users x %d messages (%s), IDLE hold %d ms\n" % (
            args.clients, args.duration, args.users, args.mailbox_size, args.populate,
            args.idle_ms))
        print("| command | mailhived ops/s | mailhived p50 / p99 ms | Dovecot ops/s |"
              " Dovecot p50 / p99 ms | ratio (ops/s) |")
        print("|---|---|---|---|---|---|")
        for k in LOAD_KINDS:
            a, b = cmd(mh, "load", k, "ops"), cmd(dv, "load", k, "ops")
            print("| %s | %s | %s / %s | %s | %s / %s | %s |" % (
                k, fmt(a, "%.1f"), fmt(cmd(mh, "load", k, "p50"), "%.2f"),
                fmt(cmd(mh, "load", k, "p99"), "%.2f"), fmt(b, "%.1f"),
                fmt(cmd(dv, "load", k, "p50"), "%.2f"),
                fmt(cmd(dv, "load", k, "p99"), "%.2f"), ratio(a, b)))
        ta = mh.results["load"]["total_ops"] if mh and mh.results.get("load") else None
        tb = dv.results["load"]["total_ops"] if dv and dv.results.get("load") else None
        print("| **total** | **%s** | | **%s** | | **%s** |" % (
            fmt(ta, "%.1f"), fmt(tb, "%.1f"), ratio(ta, tb)))
        errs = []
        for s in (mh, dv):
            if s and s.results.get("load"):
                r = s.results["load"]
                e = sum(c.get("errors", 0) for c in r["commands"].values())
                errs.append("%s: %d NO/BAD, %d connect failures, %d disconnects" % (
                    s.name, e, r["connect_failures"], r["disconnects"]))
        print("\n" + "; ".join(errs))
        mem = []
        for s in (mh, dv):
            if s and s.results.get("load_mem"):
                (pss, rss), (ppss, prss) = s.results["load_mem"]
                extra = " (+pg PSS %.0f MB)" % mb(ppss) if ppss else ""
                mem.append("%s peak PSS %.0f MB, RSS %.0f MB%s" % (
                    s.name, mb(pss), mb(rss), extra))
        if mem:
            print("memory during the load: " + "; ".join(mem))
        cpu = {}
        for s in (mh, dv):
            if s and s.results.get("load_cpu") and s.results["load"]["total"]:
                own, pg = s.results["load_cpu"]
                ops = s.results["load"]["total"]
                cpu[s.name] = (own + pg) / ops
                print("%s CPU per command: %.3f ms%s" % (
                    s.name, cpu[s.name], " (server %.3f + PostgreSQL %.3f)" % (
                        own / ops, pg / ops) if pg else ""))
        if len(cpu) == 2:
            print("CPU per command, Dovecot / mailhived: %s (above 1: mailhived"
                  " needs less CPU for the same work)" % ratio(cpu["dovecot"], cpu["mailhived"]))

    if any(s and s.results.get("latency") for s in (mh, dv)):
        print("\nBig mailbox: %d messages, %d rounds of SELECT INBOX + UID FETCH of the"
              " last 50 (FLAGS ENVELOPE), each on a new connection\n" % (
                  args.big, args.iterations))
        print("| step | mailhived p50 / p99 ms | Dovecot p50 / p99 ms |"
              " p50 ratio mailhived / Dovecot (lower is better) |")
        print("|---|---|---|---|")
        for k, label in (("select", "SELECT"), ("fetch50", "UID FETCH 50"),
                         ("page", "SELECT + FETCH")):
            a, b = cmd(mh, "latency", k, "p50"), cmd(dv, "latency", k, "p50")
            print("| %s | %s / %s | %s / %s | %s |" % (
                label, fmt(a, "%.2f"), fmt(cmd(mh, "latency", k, "p99"), "%.2f"),
                fmt(b, "%.2f"), fmt(cmd(dv, "latency", k, "p99"), "%.2f"), ratio(a, b)))

    if any(s and s.results.get("idle") for s in (mh, dv)):
        print("\nIDLE: %d connections requested (%s), memory %d s after the last"
              " entered IDLE\n" % (args.idle_conns, "%d a second" % args.idle_rate
                                    if args.idle_rate else "200 logging in at once",
                                    args.idle_settle))
        print("| server | idling | processes | PSS idle / held MB | RSS held MB |"
              " PSS per connection KB |")
        print("|---|---|---|---|---|---|")
        for s in (mh, dv):
            if not s or not s.results.get("idle"):
                continue
            summary, base, held = s.results["idle"]
            n = summary["holding"] if summary else 0
            if "mem" not in held:
                print("| %s | %d | n/a | n/a | n/a | n/a |" % (s.name, n))
                continue
            (b_own, b_pg), (h_own, h_pg) = base, held["mem"]
            b_pss, h_pss = b_own[0] + b_pg[0], h_own[0] + h_pg[0]
            name = s.name + (" (%d workers, +pg)" % s.workers
                             if s.name == "mailhived" else "")
            if s.name == "dovecot" and args.dovecot_hibernate:
                name += " (hibernate %ds)" % args.dovecot_hibernate
            print("| %s | %d | %d | %.0f / %.0f | %.0f | %s |" % (
                name, n, held["procs"], mb(b_pss), mb(h_pss), mb(h_own[1] + h_pg[1]),
                "%.1f" % ((h_pss - b_pss) / n) if n else "n/a"))


# ---- servers -----------------------------------------------------------------

def start_mailhive(args, workers):
    """A mailhived instance with this many IMAP workers, as a Server."""
    s = Server("mailhived", None)
    s.workers = workers
    if not os.access(os.path.join(args.build, "backend", "mailhived"), os.X_OK):
        s.problem = "no build in %s (make first, or --build)" % args.build
        return s
    s.impl = benchlib.BenchMailhive(args.build, imap={
        "workers": workers,
        "max_connections": max(20000, args.idle_conns + 1000),
        "max_connections_per_ip": max(20000, args.idle_conns + 1000),
        "max_connections_per_user": max(1000, args.idle_conns),
    }, cheap_passwords=not args.real_password_cost)
    t0 = time.monotonic()
    try:
        s.impl.start(raise_nofile=not args.keep_fd_limit)
    except Exception as e:
        s.problem = "did not start: %s" % str(e)[:500]
        log("mailhived " + s.problem)
        return s
    log("mailhived up in %.1f s (IMAP 127.0.0.1:%d, %d IMAP workers, %d descriptors"
        " each)" % (time.monotonic() - t0, s.impl.imap_port, workers, s.impl.nofile()))
    if s.impl.nofile_raised:
        pid, old, new = s.impl.nofile_raised[0]
        log("mailhived: soft descriptor limit raised from %d to %d in %d processes" % (
            old, new, len(s.impl.nofile_raised)))
    return s


def add_users(args, s, work):
    """The bench users (and the big mailbox's), then a login check."""
    s.users = []
    for i in range(args.users):
        pw = "Bench-pw-%02d" % i
        login = s.impl.add_user("bench%02d" % i, pw)
        s.users.append((login, pw))
    s.big_user = (s.impl.add_user("big", "Bench-pw-big"), "Bench-pw-big")
    if s.name == "dovecot":
        s.impl.start()
        log("dovecot up (IMAP 127.0.0.1:%d)" % s.impl.imap_port)
    s.users_file = benchlib.write_users(os.path.join(work, "users-" + s.name), s.users)
    why = benchlib.imap_problem(s.impl.imap_port, *s.users[0])
    if why:
        log("%s: python imaplib LOGIN/SELECT failed: %s" % (s.name, why))
        if not (s.name == "mailhived" and args.force_mailhive):
            s.problem = "IMAP does not work yet (imaplib: %s)" % why


def idle_workers(args, s):
    """IMAP workers mailhived needs for --idle-conns connections: each
    worker keeps a connection per descriptor and stops accepting at its
    soft RLIMIT_NOFILE (1024 after runuser unless raised)."""
    per = max(100, s.impl.nofile() - 100)
    return max(args.workers, -(-args.idle_conns // per))


# ---- main -------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.default_build(),
                    help="mailhived build directory (default $MH_BUILD, build/,"
                         " /tmp/b-bench)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2,
                    help="mailhived IMAP workers (the IDLE test takes more when"
                         " the descriptor limit asks for it)")
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--users", type=int, default=None,
                    help="mailboxes of the load test (default: --clients)")
    ap.add_argument("--mailbox-size", type=int, default=200)
    ap.add_argument("--populate", choices=("imap", "direct"), default="imap")
    ap.add_argument("--idle-ms", type=int, default=200)
    ap.add_argument("--big", type=int, default=100000)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--idle-conns", type=int, default=10000)
    ap.add_argument("--idle-rate", type=int, default=0,
                    help="new IDLE connections a second, 0 = as fast as the"
                         " server takes them (200 logging in at once)")
    ap.add_argument("--idle-settle", type=int, default=10,
                    help="seconds between the last IDLE and the memory sample")
    ap.add_argument("--dovecot-hibernate", type=int, default=0,
                    help="Dovecot's imap_hibernate_timeout in seconds (0 = off;"
                         " needs fs.inotify.max_user_instances above the number"
                         " of imap processes alive at once)")
    ap.add_argument("--tests", default="load,latency,idle")
    ap.add_argument("--servers", default="mailhived,dovecot")
    ap.add_argument("--real-password-cost", action="store_true",
                    help="keep mailhived's default argon2id cost for the bench"
                         " users (default: the lowest, as Dovecot's passwords"
                         " here are plain)")
    ap.add_argument("--keep-fd-limit", action="store_true",
                    help="leave mailhived's soft descriptor limit as ./mailhive up"
                         " sets it (1024 after runuser) instead of raising it")
    ap.add_argument("--force-mailhive", action="store_true",
                    help="run against mailhived even when imaplib cannot log in")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    tests = set(t.strip() for t in args.tests.split(",") if t.strip())
    names = [n.strip() for n in args.servers.split(",") if n.strip()]
    if args.users is None:
        args.users = args.clients
    for lim, what in ((args.clients, "--clients"), (args.idle_conns, "--idle-conns")):
        if not 1 <= lim <= 50000:
            sys.exit("bench: %s must be within 1..50000" % what)
    args.duration = max(1, min(args.duration, 3600))
    nofile = raise_nofile(max(args.clients, args.idle_conns) + 1000)
    if "idle" in tests and nofile < args.idle_conns + 100:
        log("warning: ulimit -n is %d; %d IDLE connections need more" % (
            nofile, args.idle_conns))

    why = benchlib.dovecot_missing()
    if "dovecot" in names and why:
        sys.exit("bench: " + why)
    work = tempfile.mkdtemp(prefix="mailhive-bench-imap-")
    os.chmod(work, 0o755)
    exe = benchlib.build_imap_load(work)
    servers = {}
    try:
        # ---- servers and users -------------------------------------------
        if "mailhived" in names:
            servers["mailhived"] = start_mailhive(args, args.workers)
        if "dovecot" in names:
            s = Server("dovecot", benchlib.BenchDovecot(
                os.path.join(work, "dovecot"), hibernate=args.dovecot_hibernate))
            servers["dovecot"] = s
        for s in servers.values():
            if not s.problem:
                add_users(args, s, work)

        live = [s for s in servers.values() if not s.problem]

        # ---- load ---------------------------------------------------------
        if "load" in tests:
            for s in live:
                try:
                    populate(args, exe, s, s.users_file, work)
                except Exception as e:
                    s.problem = "populate failed: %s" % str(e)[:500]
                    log(s.problem)
            for s in live:
                if s.problem:
                    continue
                log("%s: load, %d clients, %d s" % (s.name, args.clients, args.duration))
                test_load(args, exe, s, s.users_file)

        # ---- big mailbox latency -----------------------------------------
        if "latency" in tests:
            for s in live:
                if s.problem:
                    continue
                t0 = time.monotonic()
                login = s.big_user[0]
                if s.name == "dovecot":
                    s.impl.maildir_fill(login, (benchlib.make_message(i, 2048, 99)
                                                for i in range(args.big)), seen=True)
                else:
                    s.impl.bulk_fill(login, args.big, benchlib.make_message(0, 2048, 99),
                                     seed=99)
                log("%s: big mailbox of %d messages written in %.1f s" % (
                    s.name, args.big, time.monotonic() - t0))
                test_latency(args, exe, s, work)

        # ---- IDLE memory -------------------------------------------------
        if "idle" in tests:
            mh = servers.get("mailhived")
            if mh and not mh.problem:
                need = idle_workers(args, mh)
                if need > args.workers:
                    # each worker holds at most its descriptor limit
                    log("mailhived: %d IDLE connections need %d IMAP workers at"
                        " %d descriptors each; a new instance for the IDLE test" % (
                            args.idle_conns, need, mh.impl.nofile()))
                    mh.impl.stop()
                    fresh = start_mailhive(args, need)
                    if not fresh.problem:
                        add_users(args, fresh, work)
                        if not fresh.problem and "load" in tests:
                            # the same mailboxes as Dovecot's
                            populate(args, exe, fresh, fresh.users_file, work)
                    fresh.results = mh.results
                    fresh.workers = need
                    servers["mailhived"] = mh = fresh
                    live = [s for s in servers.values() if not s.problem]
            for s in live:
                if s.problem:
                    continue
                log("%s: %d IDLE connections" % (s.name, args.idle_conns))
                test_idle(args, exe, s, s.users_file)

        print_tables(args, servers)
    finally:
        for s in servers.values():
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
