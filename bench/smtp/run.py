#!/usr/bin/python3
"""bench/smtp/run.py - SMTP throughput of mailhived beside Postfix.

Both servers run on this machine in one go, each with every accepted
message durable before 250: mailhived fsyncs the blob and commits the
PostgreSQL transaction (synchronous_commit on); Postfix fsyncs its queue
file before answering, then delivers to maildir. The load generator is
Postfix's smtp-source, the same for both. Mail goes to 20 mailboxes (one
smtp-source process per mailbox share), 5 KB and 100 KB messages at 1, 20
and 200 concurrent connections. Peak memory is the sum of the servers'
proportional set sizes (PSS), sampled during each run.

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
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness  # noqa: E402
import peers  # noqa: E402

MAILBOXES = 20
RUN_TIMEOUT = 120


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(root):
    """root and every process below it."""
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
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


class PeakMemory(threading.Thread):
    def __init__(self, root_pid):
        super().__init__(daemon=True)
        self.root = root_pid
        self.peak = 0
        self.stop = False

    def run(self):
        while not self.stop:
            total = sum(pss_kb(p) for p in descendants(self.root))
            self.peak = max(self.peak, total)
            time.sleep(0.2)


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
        pf_pid = pf.master_pid() if hasattr(pf, "master_pid") else pf.proc.pid

        sizes = [5 * 1024] if args.quick else [5 * 1024, 100 * 1024]
        rows = []
        for size in sizes:
            for conc in (1, 20, 200):
                count = max(100, args.count // 10) if conc == 1 else args.count
                if size > 50 * 1024:
                    count = max(100, count // 4)
                result = {}
                for name, port, ip, rcpt, root in (
                        ("mailhived", inst.smtp_port, "127.0.0.1",
                         lambda i: "u%d@example.test" % i, mh_pid),
                        ("postfix", pf_port, "127.0.0.2",
                         lambda i: "u%d@bench.test" % i, pf_pid)):
                    mem = PeakMemory(root)
                    mem.start()
                    secs, sent, failed = smtp_source(port, ip, conc, count, size, rcpt)
                    mem.stop = True
                    mem.join()
                    result[name] = (sent / secs, mem.peak / 1024.0, failed, sent)
                rows.append((size, conc, result))
                mh, pfx = result["mailhived"], result["postfix"]
                print("size %3d KB  conc %3d  mailhived %7.1f msg/s (%5.1f MB)  "
                      "postfix %7.1f msg/s (%5.1f MB)  ratio %.2f%s" % (
                          size // 1024, conc, mh[0], mh[1], pfx[0], pfx[1],
                          mh[0] / pfx[0] if pfx[0] else 0.0,
                          "  FAILURES" if mh[2] or pfx[2] else ""), flush=True)
        stored = inst.psql("SELECT count(*) FROM messages m JOIN mailboxes b"
                           " ON b.id = m.mailbox_id JOIN users u ON u.id = b.user_id"
                           " WHERE u.address LIKE 'u%@example.test'")
        print("\n| size | concurrency | mailhived msg/s | Postfix msg/s | ratio |"
              " mailhived peak PSS | Postfix peak PSS |")
        print("|---|---|---|---|---|---|---|")
        for size, conc, r in rows:
            mh, pfx = r["mailhived"], r["postfix"]
            print("| %d KB | %d | %.0f | %.0f | %.2f | %.0f MB | %.0f MB |" % (
                size // 1024, conc, mh[0], pfx[0], mh[0] / pfx[0] if pfx[0] else 0,
                mh[1], pfx[1]))
        print("\nmailhived stored %s messages in the 20 mailboxes" % str(stored).strip())
    finally:
        if pf is not None:
            pf.stop()
        inst.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
