#!/usr/bin/python3
"""run.py - run the integration tests (or the browser tests) against one
private Mailhive instance.

  /usr/bin/python3 tests/integration/run.py [--build DIR] [-k PATTERN] [--keep]
  /usr/bin/python3 tests/integration/run.py [--build DIR] --e2e

Without --e2e: discovers tests/integration/test_*.py (unittest), starts one
instance (harness.Instance), runs the tests, stops the instance and prints
`integration: N passed, N failed` as the last line.

With --e2e: starts an instance, runs `node --test tests/e2e/` with
MH_BASE_URL, MH_SMTP_PORT, MH_ALICE_PASSWORD, MH_DOMAINADMIN_LOGIN,
MH_DOMAINADMIN_PASSWORD and MH_SCREENSHOT_DIR set (tests/e2e/browser.mjs
reads them), and stops it.

The exit status is non-zero when anything failed.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


def on_signal(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def count_results(result):
    failed_ids = set()
    for test, _ in result.failures + result.errors:
        case = getattr(test, "test_case", test)     # a failed subTest
        failed_ids.add(case.id())
    for test in result.unexpectedSuccesses:
        failed_ids.add(test.id())
    skipped = len(result.skipped)
    passed = result.testsRun - len(failed_ids) - skipped - len(result.expectedFailures)
    return max(passed, 0), len(failed_ids), skipped


def summary_line(passed, failed, skipped):
    line = "integration: %d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    return line


def run_unittests(args):
    loader = unittest.TestLoader()
    if args.k:
        loader.testNamePatterns = ["*%s*" % p for p in args.k]
    suite = loader.discover(HERE, pattern=args.pattern, top_level_dir=HERE)
    if suite.countTestCases() == 0:
        print("no tests found")
        print(summary_line(0, 1, 0))
        return 1

    inst = harness.Instance(args.build)
    t0 = time.monotonic()
    try:
        inst.start()
    except Exception as e:      # noqa: BLE001 - report and count as a failure
        print("could not start the test instance: %s" % e)
        inst.stop(keep=args.keep)
        print(summary_line(0, 1, 0))
        return 1
    except BaseException:
        inst.stop(keep=args.keep)
        raise
    print("instance: %s, %s (started in %.1f s)" % (inst.base_url, inst.dir, inst.startup_seconds))
    sys.stdout.flush()
    harness.set_instance(inst)
    result = None
    try:
        runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2)
        result = runner.run(suite)
    finally:
        reports = inst.stop(keep=args.keep)
    passed, failed, skipped = count_results(result)
    for rep in reports:
        print("sanitizer report from a server:\n" + rep)
    if reports:
        failed += 1
    print("integration tests took %.1f s" % (time.monotonic() - t0))
    print(summary_line(passed, failed, skipped))
    return 1 if failed or not result.wasSuccessful() else 0


def run_e2e(args):
    inst = harness.Instance(args.build)
    try:
        inst.start()
    except Exception as e:      # noqa: BLE001
        print("could not start the test instance: %s" % e)
        inst.stop(keep=args.keep)
        return 1
    except BaseException:
        inst.stop(keep=args.keep)
        raise
    print("instance: %s, %s (started in %.1f s)" % (inst.base_url, inst.dir, inst.startup_seconds))
    sys.stdout.flush()
    try:
        env = dict(os.environ)
        env["MH_BASE_URL"] = inst.base_url
        env["MH_ALICE_PASSWORD"] = inst.password_of("alice@example.test")
        env["MH_SMTP_PORT"] = str(inst.smtp_port)
        env["MH_DOMAINADMIN_LOGIN"], env["MH_DOMAINADMIN_PASSWORD"] = \
            inst.login_of("domainadmin")
        env.setdefault("MH_SCREENSHOT_DIR", os.path.join(harness.ROOT, "tests/e2e/screenshots"))
        rc = subprocess.run(["node", "--test", "tests/e2e/"], cwd=harness.ROOT,
                            env=env, stdin=subprocess.DEVNULL, timeout=600).returncode
        if rc != 0:
            for name in ("webmail.log", "domainadmin.log", "nginx-error.log"):
                print("--- %s ---\n%s" % (name, inst.log_tail(name)))
    finally:
        reports = inst.stop(keep=args.keep)
    for rep in reports:
        print("sanitizer report from a server:\n" + rep)
    return 1 if rc != 0 or reports else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(harness.ROOT, "build-test"),
                    help="build directory with the programs (default: build-test)")
    ap.add_argument("--e2e", action="store_true", help="run the browser tests instead")
    ap.add_argument("-k", action="append", help="only tests whose name contains this")
    ap.add_argument("--pattern", default="test_*.py", help="test file pattern")
    ap.add_argument("--keep", action="store_true",
                    help="keep the instance directory (logs) after the run")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    os.environ["MH_BUILD"] = args.build
    signal.signal(signal.SIGTERM, on_signal)
    if os.geteuid() != 0:
        print("run.py must run as root (the instance runs as user mailhive)")
        return 1
    return run_e2e(args) if args.e2e else run_unittests(args)


if __name__ == "__main__":
    sys.exit(main())
