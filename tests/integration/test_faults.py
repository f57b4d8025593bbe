"""test_faults.py - mailhived when things break: the database goes away,
the disk refuses a write, a service dies, the configuration changes, the
master is told to stop. An instance of its own (the tests stop its
PostgreSQL, trace its workers and end with SIGTERM to its master).

  1. PostgreSQL stopped: RCPT to a local user gets 451 4.3.0 and AUTH
     454 4.7.0 (RFC 4954: temporary, not 535), nothing is stored; once
     PostgreSQL is back, the same workers (no restart) accept again.
  2. The blob store fails, through strace's syscall fault injection on
     the SMTP workers: fsync -> EIO gives 451 4.3.0, fsync -> ENOSPC gives
     452 4.3.1 (RFC 3463 4.3.1 "mail system full"), rename -> EIO gives
     451 4.3.0; each time no messages row, no file in blobs/tmp, no new
     blob file. After strace is gone, mail is accepted.
  3. kill -9 of an smtp worker, the queue and the jobs service: the master
     starts new ones (mailhived.services shows the new pids).
  4. SIGHUP after smtp.max_recipients = 2: the third RCPT of a new session
     gets 452 4.5.3 (RFC 5321 4.5.3.1.10); DATA still delivers to the two.
  5. SIGTERM to the master with idle sessions open: they read 421 4.3.2,
     the master and every service are gone within 10 s, the pid and
     services files removed. (Last: the instance is down afterwards.)

Packages: strace (fault injection), postgresql 15 (pg_ctl), python3.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import time
import unittest

import harness
import peers
from harness import sql_literal

BOB = "bob@example.test"
ALICE = "alice@example.test"
CAROL = "carol@example.test"


def token():
    return "f" + secrets.token_hex(8)


def message(tok, rcpt=BOB):
    return ("From: someone@elsewhere.test\r\nTo: %s\r\nSubject: fault test %s\r\n"
            "\r\nbody of %s\r\n" % (rcpt, tok, tok)).encode()


class FaultTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        build = os.environ.get("MH_BUILD", os.path.join(harness.ROOT, "build-test"))
        cls.inst = harness.Instance(build)
        cls.addClassCleanup(cls._stop_instance)
        cls.inst.start()
        r = cls.inst.ctl("user", "add", CAROL, password=secrets.token_urlsafe(12))
        if r.rc != 0:
            raise RuntimeError("user add %s: %r" % (CAROL, r))
        cls.strace_procs = []

    @classmethod
    def _stop_instance(cls):
        for p in cls.strace_procs:
            peers._stop_child(p)
        reports = cls.inst.stop(keep=bool(os.environ.get("MH_KEEP")))
        if reports:
            raise AssertionError("sanitizer reports:\n" + "\n".join(reports))

    # ---- helpers ----

    def log(self, grep=None, lines=30):
        return "\n--- mailhived.log ---\n" + peers.mailhived_log(self.inst, grep, lines)

    def send(self, tok, rcpts=(BOB,), port=None):
        return peers.smtp_send(port or self.inst.smtp_port, "someone@elsewhere.test",
                               list(rcpts), message(tok, rcpts[0]))

    def stored(self, tok, address=BOB):
        return peers.inbox_with(self.inst, address, tok)

    def smtp_pids(self):
        return {n: p for n, p in peers.services(self.inst).items() if n.startswith("smtp/")}

    def wait_accepting(self, timeout=15):
        """Send until a message gets 250 (a service may be starting);
        returns (token, replies, seconds) of the first success or None."""
        t0 = time.monotonic()
        last = None
        while time.monotonic() - t0 < timeout:
            tok = token()
            try:
                r = self.send(tok)
                last = r
                if r["data"] and r["data"][0] == 250:
                    return tok, r, time.monotonic() - t0
            except (OSError, Exception) as e:      # noqa: BLE001 - refused while restarting
                last = repr(e)
            time.sleep(0.3)
        self.fail("no 250 within %d s; last: %r%s" % (timeout, last, self.log()))

    def blob_files(self):
        root = self.inst.config["store.blob_dir"]
        out = set()
        for d, _dirs, files in os.walk(root):
            if os.path.relpath(d, root).split(os.sep)[0] == "tmp":
                continue
            out.update(os.path.join(d, f) for f in files)
        return out

    def tmp_files(self):
        d = os.path.join(self.inst.config["store.blob_dir"], "tmp")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    # ---- strace fault injection ----

    def inject(self, syscalls, error):
        """strace on every smtp worker, failing SYSCALLS with ERROR; returns
        (process, output file) once all are attached."""
        if not os.path.isabs(peers.prog("strace")):
            self.skipTest("strace is missing (apt-get install strace)")
        pids = sorted(self.smtp_pids().values())
        self.assertTrue(pids)
        out = os.path.join(self.inst.dir, "strace-%s-%s.out" % (syscalls.replace(",", "+"), error))
        argv = [peers.prog("strace"), "-f", "-qq", "-o", out, "-e", "trace=" + syscalls,
                "-e", "inject=%s:error=%s" % (syscalls, error)]
        for p in pids:
            argv += ["-p", str(p)]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        self.strace_procs.append(proc)
        ok = peers.wait_for(lambda: all(peers.tracer_pid(p) == proc.pid for p in pids), 10, 0.05)
        if not ok:
            err = b""
            if proc.poll() is not None:
                err = proc.stderr.read()
            peers._stop_child(proc)
            self.fail("strace could not attach to %r: %s" % (pids, err.decode(errors="replace")))
        return proc, out, pids

    def uninject(self, proc, pids):
        peers._stop_child(proc)        # SIGTERM: strace detaches cleanly
        self.strace_procs.remove(proc)
        self.assertTrue(peers.wait_for(lambda: all(peers.tracer_pid(p) == 0 for p in pids), 10),
                        "workers still traced")

    def injected_count(self, out, syscall_re):
        try:
            with open(out, errors="replace") as f:
                return len([ln for ln in f if "(INJECTED)" in ln and re.search(syscall_re, ln)])
        except OSError:
            return 0

    # ---- 1. PostgreSQL down ----

    def pg_ctl(self, *args):
        """pg_ctl on the instance's embedded cluster, as the mailhive user
        (the way tools/runtime.sh mh_pg_start runs it)."""
        argv = [peers.prog("runuser"), "-u", harness.MH_USER, "--",
                os.path.join(harness.PGBIN, "pg_ctl"), "-D", os.path.join(self.inst.var, "pg")]
        return subprocess.run(argv + list(args), capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=90)

    def pg_start(self):
        return self.pg_ctl("-l", os.path.join(self.inst.log_dir, "postgres.log"),
                           "-w", "-t", "60", "-s", "start")

    def test_1_database_down(self):
        inst = self.inst
        master = peers.master_pid(inst)
        before = peers.services(inst)
        r = self.pg_ctl("-m", "fast", "-w", "-t", "60", "stop")
        self.assertEqual(r.returncode, 0, r.stderr)
        started = False
        try:
            tok = token()
            down = self.send(tok)
            self.assertEqual(down["mail"][0], 250, down)
            self.assertEqual(len(down["rcpt"]), 1, down)
            code, text = down["rcpt"][0]
            self.assertEqual((code, text[:5]), (451, "4.3.0"), down)
            self.assertIsNone(down["data"], down)

            # submission: AUTH cannot be checked -> temporary (RFC 4954 454)
            s = peers.smtp_open(inst.submission_port)
            try:
                import base64
                pw = inst.credentials[("user", ALICE)]
                code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(
                    ("\0%s\0%s" % (ALICE, pw)).encode()).decode())
            finally:
                s.close()
            self.assertEqual((code, text[:5]), (454, b"4.7.0"), (code, text))

            r = self.pg_start()
            self.assertEqual(r.returncode, 0, r.stderr)
            started = True
            tok2, up, secs = self.wait_accepting(15)
            self.assertLess(secs, 10, "accepted only after %.1f s" % secs)
            self.assertEqual(len(self.stored(tok2)), 1, "accepted but not stored")
            self.assertEqual(self.stored(tok), [], "the refused message was stored")
            # AUTH works again
            s = peers.smtp_open(inst.submission_port, starttls=True,
                                login=(ALICE, inst.credentials[("user", ALICE)]))
            s.quit()
            # the same processes: nobody restarted anything
            self.assertEqual(peers.master_pid(inst), master)
            self.assertEqual(peers.services(inst), before, self.log("service_"))
        finally:
            if not started:
                self.pg_start()

    def test_1b_database_down_imap(self):
        """IMAP sessions answer NO [UNAVAILABLE] while PostgreSQL is down
        and carry on, logged in and selected, once it is back."""
        from test_imap import ImapConn
        inst = self.inst
        c = ImapConn(inst.imap_port)
        try:
            c.login(ALICE, inst.credentials[("user", ALICE)])
            t, _ = c.cmd("SELECT INBOX")
            self.assertIn(" OK ", t)
            r = self.pg_ctl("-m", "fast", "-w", "-t", "60", "stop")
            self.assertEqual(r.returncode, 0, r.stderr)
            started = False
            try:
                t, _ = c.cmd("STATUS INBOX (MESSAGES)")
                self.assertRegex(t, r"^t\d+ NO \[UNAVAILABLE\]")
                t, _ = c.cmd("UID SEARCH ALL")
                self.assertRegex(t, r"^t\d+ NO \[UNAVAILABLE\]")
                r = self.pg_start()
                self.assertEqual(r.returncode, 0, r.stderr)
                started = True
            finally:
                if not started:
                    self.pg_start()
            t, u = c.cmd("STATUS INBOX (MESSAGES)")
            self.assertIn(" OK ", t, u)
            self.assertTrue(any(l.startswith("* STATUS INBOX (MESSAGES ") for l in u), u)
            t, _ = c.cmd("UID SEARCH ALL")
            self.assertIn(" OK ", t)
        finally:
            c.close()

    # ---- 2. the blob store fails ----

    def check_store_failure(self, syscalls, error, want_code, want_status, syscall_re):
        self.wait_accepting(10)       # warm: the tmp/ directory exists
        blobs_before = self.blob_files()
        tmp_before = self.tmp_files()
        proc, out, pids = self.inject(syscalls, error)
        try:
            tok = token()
            r = self.send(tok)
        finally:
            self.uninject(proc, pids)
        self.assertGreater(self.injected_count(out, syscall_re), 0,
                           "strace injected nothing into %s" % syscall_re)
        self.assertEqual([c for c, _ in r["rcpt"]], [250], r)
        self.assertIsNotNone(r["data"], r)
        self.assertEqual((r["data"][0], r["data"][1][:5]), (want_code, want_status),
                         "%r%s" % (r, self.log(("blob", "deliver"))))
        self.assertEqual(self.stored(tok), [])
        self.assertEqual(int(self.inst.psql_value(
            "SELECT count(*) FROM messages WHERE subject = %s"
            % sql_literal("fault test " + tok))), 0)
        self.assertEqual(self.tmp_files(), tmp_before, "temporary blob file left behind")
        self.assertEqual(self.blob_files() - blobs_before, set(), "a blob file was left")
        # and without strace, mail flows again
        self.wait_accepting(10)

    def test_2a_fsync_eio(self):
        self.check_store_failure("fsync", "EIO", 451, "4.3.0", r"^\d+\s+fsync\(")

    def test_2b_fsync_enospc(self):
        self.check_store_failure("fsync", "ENOSPC", 452, "4.3.1", r"^\d+\s+fsync\(")

    def test_2c_rename_eio(self):
        self.check_store_failure("rename,renameat,renameat2", "EIO", 451, "4.3.0",
                                 r"^\d+\s+rename(at2?)?\(")

    # ---- 3. a service dies ----

    def wait_restarted(self, name, old_pid, timeout=10):
        def fresh():
            pid = peers.services(self.inst).get(name)
            return pid if pid and pid != old_pid and peers.pid_alive(pid) else None
        pid = peers.wait_for(fresh, timeout)
        self.assertTrue(pid, "%s not restarted within %d s: %r%s" % (
            name, timeout, peers.services(self.inst), self.log("service_")))
        self.assertFalse(peers.pid_alive(old_pid))
        return pid

    def test_3_killed_services_restart(self):
        svcs = peers.services(self.inst)
        for name in ("smtp/0", "queue", "jobs"):
            self.assertIn(name, svcs)
        master = peers.master_pid(self.inst)
        old = svcs["smtp/0"]
        os.kill(old, signal.SIGKILL)
        self.wait_restarted("smtp/0", old)
        self.wait_accepting(10)
        # a connection to each worker: several sessions at once all work
        for _ in range(4):
            tok = token()
            r = self.send(tok)
            self.assertEqual(r["data"] and r["data"][0], 250, r)
        for name in ("queue", "jobs"):
            old = peers.services(self.inst)[name]
            os.kill(old, signal.SIGKILL)
            self.wait_restarted(name, old)
        self.assertEqual(peers.master_pid(self.inst), master)
        self.assertRegex(peers.mailhived_log(self.inst, "service_died", 20),
                         r"event=service_died service=smtp/0 ")

    # ---- 4. SIGHUP ----

    def set_max_recipients(self, n):
        with open(self.inst.conf) as f:
            lines = f.read().split("\n")
        lines = [ln for ln in lines if not ln.startswith("max_recipients =")]
        if n is not None:
            lines.insert(lines.index("[smtp]") + 1, "max_recipients = %d" % n)
        with open(self.inst.conf, "w") as f:
            f.write("\n".join(lines))

    def hup_and_wait(self):
        old = self.smtp_pids()
        os.kill(peers.master_pid(self.inst), signal.SIGHUP)

        def reloaded():
            now = self.smtp_pids()
            return (len(now) == len(old) and not set(now.values()) & set(old.values())
                    and all(peers.pid_alive(p) for p in now.values()))
        self.assertTrue(peers.wait_for(reloaded, 15),
                        "services not restarted after SIGHUP: %r -> %r%s"
                        % (old, self.smtp_pids(), self.log(("reload", "service_"))))

    def rcpt_replies(self, rcpts, data=None):
        s = peers.smtp_open(self.inst.smtp_port)
        try:
            r = peers.smtp_transaction(s, "someone@elsewhere.test", rcpts, data or b"")
            return r
        finally:
            try:
                s.quit()
            except Exception:      # noqa: BLE001
                s.close()

    def test_4_sighup_reloads(self):
        master = peers.master_pid(self.inst)
        self.set_max_recipients(2)
        try:
            self.hup_and_wait()
            tok = token()
            r = self.rcpt_replies([BOB, ALICE, CAROL], message(tok))
            self.assertEqual([c for c, _ in r["rcpt"]][:2], [250, 250], r)
            self.assertEqual((r["rcpt"][2][0], r["rcpt"][2][1][:5]), (452, "4.5.3"), r)
            self.assertEqual(r["data"] and r["data"][0], 250, r)
            self.assertEqual(len(self.stored(tok, BOB)), 1)
            self.assertEqual(len(self.stored(tok, ALICE)), 1)
            self.assertEqual(self.stored(tok, CAROL), [])
        finally:
            self.set_max_recipients(None)
            self.hup_and_wait()
        tok = token()
        r = self.rcpt_replies([BOB, ALICE, CAROL], message(tok))
        self.assertEqual([c for c, _ in r["rcpt"]], [250, 250, 250], r)
        self.assertEqual(r["data"] and r["data"][0], 250, r)
        self.assertEqual(len(self.stored(tok, CAROL)), 1)
        self.assertEqual(peers.master_pid(self.inst), master, "SIGHUP must not restart the master")

    # ---- 5. SIGTERM (last) ----

    def test_9_sigterm_stops_everything(self):
        inst = self.inst
        master = peers.master_pid(inst)
        svcs = peers.services(inst)
        self.assertTrue(master and peers.pid_alive(master))
        self.assertGreaterEqual(len(svcs), 3, svcs)
        clients = []
        for port in (inst.smtp_port, inst.submission_port):
            s = socket.create_connection(("127.0.0.1", port), timeout=15,
                                         source_address=(harness.next_source_address(), 0))
            f = s.makefile("rb")
            self.assertTrue(f.readline().startswith(b"220 "))
            s.sendall(b"EHLO idle.test\r\n")
            while True:
                line = f.readline()
                self.assertTrue(line.startswith(b"250"), line)
                if line[3:4] == b" ":
                    break
            clients.append((s, f))
        t0 = time.monotonic()
        os.kill(master, signal.SIGTERM)
        for s, f in clients:
            s.settimeout(10)
            try:
                line = f.readline()
            except OSError as e:
                line = repr(e).encode()
            self.assertTrue(line.startswith(b"421 4.3.2 "), line)
            self.assertEqual(f.read(), b"", "the server must close after 421")
            s.close()
        pids = [master] + list(svcs.values())
        gone = peers.wait_for(lambda: not any(peers.pid_alive(p) for p in pids), 10, 0.1)
        self.assertTrue(gone, "still running after %.1f s: %r" % (
            time.monotonic() - t0, [p for p in pids if peers.pid_alive(p)]))
        for name in ("mailhived.pid", "mailhived.services"):
            self.assertFalse(os.path.exists(os.path.join(inst.run_dir, name)), name)
        self.assertRegex(peers.mailhived_log(inst, "event=stop", 5), r"event=stopped")


if __name__ == "__main__":
    unittest.main()
