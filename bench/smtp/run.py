#!/usr/bin/python3
"""bench/smtp/run.py - SMTP throughput of mailhived beside Postfix.

Both servers run on this machine in one go, each with every accepted
message durable before 250: mailhived fsyncs the blob and commits the
PostgreSQL transaction (synchronous_commit on); Postfix fsyncs its queue
file before answering, then delivers to maildir. The load generator is
Postfix's smtp-source, the same for both. Mail goes to 20 mailboxes (one
smtp-source process per mailbox share), 5 KB and 100 KB messages at 1, 20
and 200 concurrent connections. Peak memory is the sum of the servers'
proportional set sizes (PSS), sampled during each run. CPU per message is
the user and system time the server's processes spent (mailhived's with
its PostgreSQL's), up to a second after the run: on a shared machine the
throughput moves with the neighbours' load, the CPU per message much less.

    bench/smtp/run.py [--build build] [--count N] [--quick]

Bounded: every run stops after --count messages or 120 s.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

sys.path.insert(0, os.path.join(ROOT, "bench", "imap"))

import benchlib  # noqa: E402
import harness  # noqa: E402
import peers  # noqa: E402

MAILBOXES = 20
RUN_TIMEOUT = 120


def smtp_source(port, ip, conc, count, size, rcpt_of):
    """Run smtp-source spread over MAILBOXES recipients; seconds taken and
    the number of processes that failed."""
    procs = min(conc, MAILBOXES)
    per_proc_conc = max(1, conc // procs)
    per_proc_count = max(1, count // procs)
    argvs = []
    for i in range(procs):
        argvs.append(["/usr/sbin/smtp-source",
                      "-s", str(per_proc_conc), "-m", str(per_proc_count),
                      "-l", str(size), "-f", "bench@sender.test",
                      "-t", rcpt_of(i % MAILBOXES + 1),
                      "%s:%d" % (ip, port)])
    t0 = time.monotonic()
    ps = [subprocess.Popen(a, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
          for a in argvs]
    failed = 0
    for p in ps:
        try:
            _, err = p.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            failed += 1
            continue
        if p.returncode != 0 or err.strip():
            failed += 1
    return time.monotonic() - t0, per_proc_count * procs, failed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--count", type=int, default=2000,
                    help="messages per run at concurrency 20 and 200")
    ap.add_argument("--quick", action="store_true", help="5 KB only")
    args = ap.parse_args()
    if not os.access("/usr/sbin/smtp-source", os.X_OK):
        sys.exit("bench: smtp-source missing (apt-get install postfix)")

    work = tempfile.mkdtemp(prefix="mailhive-bench-")
    os.chmod(work, 0o755)
    inst = harness.Instance(args.build, extra_conf={
        "general": {"log_level": "info"},
        "queue": {"resolver": "127.0.0.1:9"},   # nothing goes out
        # the load comes from one address: no per-address cap for either
        "smtp": {"max_connections_per_ip": 0},
    })
    pf = None
    try:
        inst.start()
        for i in range(1, MAILBOXES + 1):
            inst.ctl("user", "add", "u%d@example.test" % i, password="bench-pw-%d" % i)
        pf_port = peers.free_tcp_port("127.0.0.2")
        pf = peers.PrivatePostfix.destination(
            os.path.join(work, "postfix"), "127.0.0.2", pf_port, domain="bench.test",
            users=["u%d" % i for i in range(1, MAILBOXES + 1)])
        pf.settings.update({
            "default_process_limit": "300",
            "smtpd_client_connection_count_limit": "0",
            "smtpd_client_connection_rate_limit": "0",
        })
        pf.start()
        with open(os.path.join(inst.run_dir, "mailhived.pid")) as f:
            mh_pid = int(f.read().split()[0])
        pf_pid = pf.proc.pid
        pg_roots = benchlib.postmaster_pids(inst.var)

        sizes = [5 * 1024] if args.quick else [5 * 1024, 100 * 1024]
        rows = []
        for size in sizes:
            for conc in (1, 20, 200):
                count = max(100, args.count // 10) if conc == 1 else args.count
                if size > 50 * 1024:
                    count = max(100, count // 4)
                result = {}
                for name, port, ip, rcpt, roots in (
                        ("mailhived", inst.smtp_port, "127.0.0.1",
                         lambda i: "u%d@example.test" % i, lambda: [mh_pid]),
                        ("postfix", pf_port, "127.0.0.2",
                         lambda i: "u%d@bench.test" % i, lambda: [pf_pid])):
                    cpu_roots = roots() + (pg_roots if name == "mailhived" else [])
                    mem = benchlib.MemSampler(roots, interval=0.2)
                    mem.start()
                    cpu0 = benchlib.cpu_ms(benchlib.tree_pids(cpu_roots))
                    secs, sent, failed = smtp_source(port, ip, conc, count, size, rcpt)
                    # work the server left for after the last 250 (the
                    # full-text indexer, Postfix's delivery) counts too
                    time.sleep(1.0)
                    cpu = benchlib.cpu_ms(benchlib.tree_pids(cpu_roots)) - cpu0
                    peak = mem.stop()[0]
                    result[name] = (sent / secs, peak / 1024.0, failed, sent, cpu / sent)
                rows.append((size, conc, result))
                mh, pfx = result["mailhived"], result["postfix"]
                print("size %3d KB  conc %3d  mailhived %7.1f msg/s (%5.1f MB, CPU %.2f"
                      " ms/msg)  postfix %7.1f msg/s (%5.1f MB, CPU %.2f ms/msg)  ratio"
                      " %.2f%s" % (
                          size // 1024, conc, mh[0], mh[1], mh[4], pfx[0], pfx[1], pfx[4],
                          mh[0] / pfx[0] if pfx[0] else 0.0,
                          "  FAILURES" if mh[2] or pfx[2] else ""), flush=True)
        stored = inst.psql("SELECT count(*) FROM messages m JOIN mailboxes b"
                           " ON b.id = m.mailbox_id JOIN users u ON u.id = b.user_id"
                           " WHERE u.address LIKE 'u%@example.test'")
        print("\n| size | concurrency | mailhived msg/s | Postfix msg/s | ratio |"
              " mailhived CPU ms/msg (+PostgreSQL) | Postfix CPU ms/msg |"
              " mailhived peak PSS | Postfix peak PSS |")
        print("|---|---|---|---|---|---|---|---|---|")
        for size, conc, r in rows:
            mh, pfx = r["mailhived"], r["postfix"]
            print("| %d KB | %d | %.0f | %.0f | %.2f | %.2f | %.2f | %.0f MB | %.0f MB |" % (
                size // 1024, conc, mh[0], pfx[0], mh[0] / pfx[0] if pfx[0] else 0,
                mh[4], pfx[4], mh[1], pfx[1]))
        print("\nmailhived stored %s messages in the 20 mailboxes" % str(stored).strip())
    finally:
        if pf is not None:
            pf.stop()
        inst.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
