#!/usr/bin/python3
"""bench/webmail/run.py - Mailhive's webmail beside Roundcube, on one mailbox.

Both run on this machine in one go and read the same INBOX of
--messages messages (10,000) from the same mailhived:

  Mailhive   a private instance (tests/integration/harness.py: `./mailhive
             up` on free loopback ports, its own PostgreSQL); the INBOX is
             filled with benchlib.BenchMailhive.bulk_fill (one message by
             SMTP, the rest as SQL rows sharing its blob). webmail.fcgi
             (http.workers, --webmail-workers, default 4) behind its nginx,
             talking IMAP to mailhived over its pooled service logins.
  Roundcube  1.6 from Debian (roundcube, roundcube-sqlite3, php-fpm;
             installed by the script when missing), configured here
             (bench/webmail/roundcube.py): SQLite database, php-fpm pool
             of --fpm-children (10) static processes with opcache, an
             nginx shaped like Mailhive's, IMAP in plain text to the same
             mailhived on 127.0.0.1, logging in with the user's password
             on every request (Roundcube keeps no IMAP connection between
             requests) and no IMAP or message cache (Roundcube's defaults).

A "click" is what the user's browser asks for when the user does one
thing, static files (cached) left out; the script prints the exact
requests. For each click and each concurrency of --concurrency (1,10),
one logged-in session per client thread sends clicks back to back for
--duration seconds (10) after --warmup seconds (2) of the same, untimed;
a side's seconds are cut in --slices parts (2) run in the order Mailhive,
Roundcube, Roundcube, Mailhive, so that a change of the machine's load
during the cell weighs on both alike. Every answer is checked (status,
and the rows or the message text in it); wrong ones are counted as
errors and not as clicks. Reported:
clicks/s, p50/p99 latency of a whole click, CPU milliseconds per click
of the web tier (webmail.fcgi; php-fpm), of the mail backend (mailhived
+ PostgreSQL) and of the client's threads, and the PSS/RSS of the
webmail.fcgi and php-fpm processes (idle after start, and the peak while
measuring).

Clicks (--clicks, all by default):

  list1     the list sorted by date, newest first, page 1 (50 a page)
  list200   the same, page 200 (the last one of 10,000)
  open      opening one message (text/plain; ones already read, so that
            neither side changes a flag), a different one each time
  search    full-text search of one word (IMAP TEXT on both sides)
  view      the mail view opened from a link (Mailhive: its one page;
            Roundcube: its page, then the list and unread-count requests
            its script sends at once, in parallel)

Targets, printed as ratios: list clicks/s at least 10x Roundcube's; p99
of list and open under 50 ms.

The client is Python threads on keep-alive connections with a small
HTTP parser (httpload.py). Its own ceiling is measured first against a
location of Roundcube's nginx that answers 204 without FastCGI; a cell
faster than half of that is flagged, as the client may then be the
limit.

    bench/webmail/run.py [--build /tmp/b-bench] [--messages 10000]
                         [--duration 10] [--warmup 2] [--concurrency 1,10]
                         [--clicks list1,list200,open,search,view]
                         [--slices 2] [--webmail-workers 4] [--fpm-children 10]
                         [--roundcube-cache] [--sides mailhive,roundcube]
                         [--quick] [--no-install] [--keep]

--quick: 3 s cells after 1 s of warm-up. Bounded: every cell stops after
--duration s or --max-clicks clicks, every request after 60 s; servers
listen on 127.0.0.1 only and are stopped by their pids (mailhived through
`./mailhive down`). Needs root (apt-get, the www-data processes) and a
build (`--build`, default $MH_BUILD, build/, /tmp/b-bench).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "imap"))

import benchlib  # noqa: E402  (puts tests/integration on sys.path)
import harness  # noqa: E402
import httpload  # noqa: E402
import roundcube  # noqa: E402

CLICKS = ["list1", "list200", "open", "search", "view"]
CLICK_TITLES = {
    "list1": "list, page 1",
    "list200": "list, page 200",
    "open": "open a message",
    "search": "full-text search",
    "view": "mail view, page load",
}
PAGE_SIZE = 50
# the search click asks for one of these in turn (each is in the subject
# of an eighth of the messages): a user does not search for the same
# word again and again, and a cache of the last answer must not count
SEARCH_WORDS = ["budget", "meeting", "release", "report", "holiday", "server",
                "invoice", "schedule"]
BODY_MARK = b"is ready; this is line"     # in every message's text
OPEN_UIDS = 500                            # messages the open click cycles through
ROW_RE = re.compile(rb'<tr class="[^"]*" data-uid="(\d+)">')
RC_ROW_RE = re.compile(r"add_message_row\((\d+),")


def log(msg):
    print("bench: " + msg, flush=True)


# ==== Mailhive's webmail =====================================================

class MhSession:
    """One browser of Mailhive's webmail: a keep-alive connection, its
    session cookie."""

    def __init__(self, port, login, password):
        self.conn = httpload.Conn(port)
        r = self.conn.get("/login")
        form = harness.find_form(r.text, "/login")
        if r.status != 200 or not form or "_csrf" not in form["inputs"]:
            raise RuntimeError("Mailhive: no login form: %r" % r)
        r = self.conn.post_form("/login", {"username": login, "password": password,
                                           "_csrf": form["inputs"]["_csrf"]})
        if r.status != 303:
            raise RuntimeError("Mailhive: login answered %r" % r)
        r = self.conn.get("/mail")
        if r.status != 200:
            raise RuntimeError("Mailhive: /mail after login answered %r" % r)

    def close(self):
        self.conn.close()


def mh_list_path(page):
    """the list's page links, as the page writes them"""
    return "/mail?f=INBOX&q=&in=all&sort=date&order=desc&n=%d&page=%d" % (PAGE_SIZE, page)


def mh_search_path(i=0):
    return "/mail?f=INBOX&q=%s&in=body" % SEARCH_WORDS[i % len(SEARCH_WORDS)]


def mh_read_path(uid):
    return "/mail/read?f=INBOX&uid=%d" % uid


def mh_rows(body):
    return [int(u) for u in ROW_RE.findall(body)]


def mh_click(name, uids):
    """click(session, i) -> (ok, requests) for Mailhive."""
    if name == "search":
        def click(s, i):
            r = s.conn.get(mh_search_path(i))
            return r.status == 200 and r.body.count(b' data-uid="') == PAGE_SIZE, 1
        return click, ["GET " + mh_search_path().replace(SEARCH_WORDS[0], "WORD")]
    if name in ("list1", "list200", "view"):
        path = {"list1": mh_list_path(1), "list200": mh_list_path(200),
                "view": "/mail"}[name]

        def click(s, i):
            r = s.conn.get(path)
            return r.status == 200 and r.body.count(b' data-uid="') == PAGE_SIZE, 1
        return click, ["GET " + path]

    def click(s, i):
        r = s.conn.get(mh_read_path(uids[i % len(uids)]))
        return r.status == 200 and BODY_MARK in r.body, 1
    return click, ["GET " + mh_read_path(uids[0]).replace(str(uids[0]), "UID")]


# ==== Roundcube ===============================================================

class RcSession:
    """One browser of Roundcube: its session cookies, its request token
    (X-Roundcube-Request on every AJAX request), two keep-alive
    connections sharing the cookies (the browser sends some AJAX
    requests in parallel)."""

    def __init__(self, port, login, password):
        self.conn = httpload.Conn(port)
        self.conn2 = httpload.Conn(port)
        self.conn2.cookies = self.conn.cookies
        r = self.conn.get("/?_task=login")
        m = re.search(r'name="_token" value="([^"]+)"', r.text)
        if r.status != 200 or not m:
            raise RuntimeError("Roundcube: no login form: %r" % r)
        r = self.conn.post_form("/?_task=login", {
            "_token": m.group(1), "_task": "login", "_action": "login",
            "_timezone": "UTC", "_url": "", "_user": login, "_pass": password})
        if r.status != 302 or "roundcube_sessauth" not in self.conn.cookies:
            raise RuntimeError("Roundcube: login answered %r (cookies %s)" % (
                r, sorted(self.conn.cookies)))
        r = self.conn.get("/?_task=mail&_mbox=INBOX")
        m = re.search(r'"request_token":"([^"]+)"', r.text)
        if r.status != 200 or not m:
            raise RuntimeError("Roundcube: no request token in the mail view: %r" % r)
        self.token = m.group(1)
        self.ajax = {"X-Roundcube-Request": self.token,
                     "X-Requested-With": "XMLHttpRequest"}

    def close(self):
        self.conn.close()
        self.conn2.close()


def rc_list_path(page, i=0, refresh=False):
    q = [("_task", "mail"), ("_action", "list"), ("_layout", "widescreen"),
         ("_mbox", "INBOX")]
    q.append(("_page", str(page)) if page else ("_page", ""))
    if refresh:
        q.append(("_refresh", "1"))
    q += [("_remote", "1"), ("_unlock", "loading%d" % (1700000000000 + i))]
    return "/?" + urllib.parse.urlencode(q)


def rc_search_path(i=0):
    q = [("_task", "mail"), ("_action", "search"), ("_q", SEARCH_WORDS[i % len(SEARCH_WORDS)]),
         ("_headers", "text"), ("_layout", "widescreen"), ("_filter", "ALL"),
         ("_scope", "base"), ("_mbox", "INBOX"), ("_remote", "1"),
         ("_unlock", "loading%d" % (1700000000000 + i))]
    return "/?" + urllib.parse.urlencode(q)


def rc_show_path(uid):
    return "/?" + urllib.parse.urlencode([
        ("_task", "mail"), ("_uid", str(uid)), ("_mbox", "INBOX"), ("_action", "show"),
        ("_caps", "pdf=1,flash=0,tiff=0,webp=1,pgpmime=0")])


def rc_unread_path():
    return "/?" + urllib.parse.urlencode([
        ("_task", "mail"), ("_action", "getunread"), ("_page", ""), ("_remote", "1"),
        ("_unlock", "0")])


RC_VIEW_PATH = "/?_task=mail&_mbox=INBOX"


def rc_json(r):
    if r.status != 200:
        return None
    try:
        return json.loads(r.body)
    except ValueError:
        return None


def rc_rows(doc):
    return [int(u) for u in RC_ROW_RE.findall(doc.get("exec", ""))] if doc else []


def rc_list_ok(r):
    return r.status == 200 and r.body.count(b"add_message_row(") == PAGE_SIZE


def rc_click(name, uids):
    """click(session, i) -> (ok, requests) for Roundcube."""
    if name in ("list1", "list200"):
        page = 1 if name == "list1" else 200

        def click(s, i):
            return rc_list_ok(s.conn.get(rc_list_path(page, i), s.ajax)), 1
        return click, ["GET " + rc_list_path(page).replace("1700000000000", "TIME") +
                       "  (AJAX, X-Roundcube-Request)"]
    if name == "search":
        def click(s, i):
            return rc_list_ok(s.conn.get(rc_search_path(i), s.ajax)), 1
        return click, ["GET " + rc_search_path().replace("1700000000000", "TIME").replace(
            SEARCH_WORDS[0], "WORD") + "  (AJAX)"]
    if name == "open":
        def click(s, i):
            r = s.conn.get(rc_show_path(uids[i % len(uids)]))
            return r.status == 200 and BODY_MARK in r.body, 1
        return click, ["GET " + rc_show_path(uids[0]).replace(str(uids[0]), "UID", 1)]

    def click(s, i):
        r = s.conn.get(RC_VIEW_PATH)
        if r.status != 200 or b'"request_token"' not in r.body:
            return False, 1
        try:
            s.conn.send("GET", rc_list_path(None, i, refresh=True), headers=s.ajax)
            s.conn2.send("GET", rc_unread_path(), headers=s.ajax)
            a = s.conn.recv()
            b = s.conn2.recv()
        except Exception:
            # an answer left unread must not be taken for the next one's
            s.conn.close()
            s.conn2.close()
            raise
        return rc_list_ok(a) and b.status == 200, 3
    return click, ["GET " + RC_VIEW_PATH,
                   "then at once: GET " + rc_list_path(None, refresh=True).replace(
                       "1700000000000", "TIME") + "  (AJAX)",
                   "          and GET " + rc_unread_path() + "  (AJAX)"]


# ==== processes: memory and CPU ===============================================


class Side:
    """One webmail under test."""

    def __init__(self, name, title):
        self.name = name
        self.title = title
        self.port = None
        self.web_roots = None           # function -> [pid] of the FastCGI tier
        self.backend_roots = None       # function -> [pid] of mailhived + PostgreSQL
        self.session = None             # class
        self.click = None               # function(name, uids)
        self.results = {}               # (click, conc) -> (Result, CPU s per click:
        #                                  web, backend, client)
        self.requests = {}              # click -> [request lines]
        self.idle_mem = None
        self.peak = None
        self.procs = 0

    def web_pids(self):
        return benchlib.tree_pids(self.web_roots())

    def cpu(self):
        return (benchlib.cpu_ms(self.web_pids()) / 1000.0,
                benchlib.cpu_ms(benchlib.tree_pids(self.backend_roots())) / 1000.0)


def pid_from(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


# ==== checks before measuring =================================================

def compare_sides(mh, rc, login, password):
    """Both sides must show the same messages: count, page 1, page 200,
    the search. Returns the lines to print; raises on a mismatch."""
    a = MhSession(mh.port, login, password)
    b = RcSession(rc.port, login, password)
    try:
        out = []
        for page in (1, 200):
            ra = a.conn.get(mh_list_path(page))
            rb = b.conn.get(rc_list_path(page), b.ajax)
            ua, ub = mh_rows(ra.body), rc_rows(rc_json(rb))
            total = harness.element_text(ra.text, "total")
            count = (rc_json(rb) or {}).get("env", {}).get("messagecount")
            if ua != ub or len(ua) != PAGE_SIZE:
                raise RuntimeError("page %d differs: Mailhive %r..., Roundcube %r... (%r)" % (
                    page, ua[:5], ub[:5], rb))
            out.append("page %d: the same %d messages on both sides (uid %d .. %d), "
                       "of %s / %s" % (page, len(ua), ua[0], ua[-1], total, count))
        ra = a.conn.get(mh_search_path())
        rb = b.conn.get(rc_search_path(), b.ajax)
        ua, ub = mh_rows(ra.body), rc_rows(rc_json(rb))
        na = harness.element_text(ra.text, "total")
        nb = (rc_json(rb) or {}).get("env", {}).get("messagecount")
        if ua != ub or str(na) != str(nb):
            raise RuntimeError("search differs: Mailhive %s %r..., Roundcube %s %r..." % (
                na, ua[:5], nb, ub[:5]))
        out.append("search %r: %s matches on both sides, the same first page" % (
            SEARCH_WORDS[0], na))
        return out
    finally:
        a.close()
        b.close()


# ==== measuring ===============================================================

def sessions_of(side, n, login, password):
    return [side.session(side.port, login, password) for _ in range(n)]


def measure(args, sides, click_name, conc, login, password, uids):
    """One cell for every side. Each side's time is cut in --slices parts
    run in the order A B B A (A B B A ... for more), so that a load of the
    machine that grows or falls during the cell weighs on both alike."""
    sess, clicks, parts, cpu = {}, {}, {}, {}
    order = []
    for k in range(args.slices):
        order += sides if k % 2 == 0 else sides[::-1]
    slice_s = args.duration / float(args.slices)
    try:
        for side in sides:
            sess[side.name] = sessions_of(side, conc, login, password)
            clicks[side.name], side.requests[click_name] = side.click(click_name, uids)
            parts[side.name], cpu[side.name] = [], [0.0, 0.0]
        for side in order:
            first = not parts[side.name]
            c0 = side.cpu()
            res = httpload.run_cell(sess[side.name], clicks[side.name], slice_s,
                                    max(1, args.max_clicks // args.slices),
                                    args.warmup if first else 0)
            c1 = side.cpu()
            parts[side.name].append(res)
            cpu[side.name][0] += c1[0] - c0[0]
            cpu[side.name][1] += c1[1] - c0[1]
    finally:
        for lst in sess.values():
            for s in lst:
                s.close()
    out = {}
    for side in sides:
        res = httpload.merge(parts[side.name])
        # the CPU counted covers the warm-up as well: per click of either
        n = max(1, res.clicks + res.errors + res.warm)
        side.results[click_name, conc] = (res, cpu[side.name][0] / n, cpu[side.name][1] / n,
                                          res.cpu / max(1, res.clicks + res.errors))
        out[side.name] = res
    return out


def client_ceiling(args, port, path):
    out = {}
    for conc in args.conc:
        sessions = [httpload.Conn(port) for _ in range(conc)]

        class S:
            pass
        ss = []
        for c in sessions:
            s = S()
            s.conn = c
            ss.append(s)

        def click(s, i):
            return s.conn.get(path).status in (204, 200, 403, 404), 1
        res = httpload.run_cell(ss, click, min(3, args.duration), args.max_clicks,
                                min(1, args.warmup))
        for c in sessions:
            c.close()
        out[conc] = res.rate
    return out


# ==== the report ================================================================

def fmt(v, spec="%.1f"):
    return spec % v if v is not None else "n/a"


def mb(kb):
    return kb / 1024.0


def print_report(args, mh, rc, ceiling, checks, setup):
    print()
    print("Webmail: Mailhive beside Roundcube, one INBOX of %d messages read from the"
          " same mailhived" % args.messages)
    print("%d s per cell and side (%d slices, A B B A) after %d s of warm-up; one logged-in"
          " session per client thread; Mailhive webmail.fcgi %d workers, Roundcube php-fpm"
          " %d static children%s" % (
              args.duration, args.slices, args.warmup, args.webmail_workers,
              args.fpm_children, ", Roundcube's IMAP cache on" if args.roundcube_cache
              else ""))
    for line in setup + checks:
        print("  " + line)
    print("client ceiling (204 from nginx, no FastCGI): " + ", ".join(
        "%.0f req/s at %d" % (r, c) for c, r in sorted(ceiling.items())))
    print()
    print("| click | conc | Mailhive clicks/s | Mailhive p50 / p99 ms |"
          " Roundcube clicks/s | Roundcube p50 / p99 ms | clicks/s ratio |"
          " p50 ratio RC / MH |")
    print("|---|---|---|---|---|---|---|---|")
    flagged = []
    for name in args.clicks:
        for conc in args.conc:
            a = mh.results.get((name, conc))
            b = rc.results.get((name, conc))
            ra, rb = (a[0] if a else None), (b[0] if b else None)
            cells = []
            for r in (ra, rb):
                if r is None:
                    cells += ["n/a", "n/a"]
                    continue
                cells.append(fmt(r.rate) + ("*" if r.errors else ""))
                cells.append("%s / %s" % (fmt(r.p(50), "%.1f"), fmt(r.p(99), "%.1f")))
                if ceiling.get(conc) and r.rate * max(1, r.requests / max(1, r.clicks)) \
                        > ceiling[conc] / 2:
                    flagged.append("%s c=%d" % (name, conc))
            ratio = ra.rate / rb.rate if ra and rb and rb.rate else None
            p50r = rb.p(50) / ra.p(50) if ra and rb and ra.p(50) and rb.p(50) else None
            print("| %s | %d | %s | %s | %s | %s | %s | %s |" % (
                CLICK_TITLES[name], conc, cells[0], cells[1], cells[2], cells[3],
                fmt(ratio, "%.1fx"), fmt(p50r, "%.1fx")))
    errs = []
    for side in (mh, rc):
        for (name, conc), (r, _, _, _) in sorted(side.results.items()):
            if r.errors:
                errs.append("%s %s c=%d: %d errors (first: %s)" % (
                    side.title, name, conc, r.errors, r.first_error))
    if errs:
        print("\n* wrong answers or failed requests, not counted as clicks:")
        for e in errs:
            print("  " + e)
    if flagged:
        print("\nfaster than half the client's ceiling (the client may be the limit): "
              + ", ".join(flagged))

    # targets
    print("\nTargets\n")
    print("| target | cell | value | met |")
    print("|---|---|---|---|")
    for name in ("list1", "list200"):
        for conc in args.conc:
            a, b = mh.results.get((name, conc)), rc.results.get((name, conc))
            if not a or not b or not b[0].rate:
                continue
            r = a[0].rate / b[0].rate
            print("| list clicks/s >= 10x Roundcube | %s, c=%d | %.1fx | %s |" % (
                CLICK_TITLES[name], conc, r, "yes" if r >= 10 else "no"))
    for name in ("list1", "list200", "open"):
        for conc in args.conc:
            a = mh.results.get((name, conc))
            if not a or a[0].p(99) is None:
                continue
            p99 = a[0].p(99)
            print("| p99 < 50 ms | %s, c=%d | %.1f ms (%.2fx of 50) | %s |" % (
                CLICK_TITLES[name], conc, p99, p99 / 50.0, "yes" if p99 < 50 else "no"))

    # CPU
    print("\nCPU per click, ms (web = webmail.fcgi or php-fpm processes, backend ="
          " mailhived + its PostgreSQL, client = the load threads of this script)\n")
    print("| click | conc | Mailhive web / backend / client |"
          " Roundcube web / backend / client | (web + backend) ratio RC / MH |")
    print("|---|---|---|---|---|")
    for name in args.clicks:
        for conc in args.conc:
            cells, tot = [], []
            for side in (mh, rc):
                v = side.results.get((name, conc))
                if not v:
                    cells.append("n/a")
                    tot.append(None)
                    continue
                r, web, back, client = v
                cells.append("%.2f / %.2f / %.2f" % (web * 1000, back * 1000, client * 1000))
                tot.append(web + back)
            ratio = tot[1] / tot[0] if tot[0] and tot[1] else None
            print("| %s | %d | %s | %s | %s |" % (CLICK_TITLES[name], conc, cells[0],
                                                 cells[1], fmt(ratio, "%.1fx")))

    # memory
    print("\nMemory of the web tier\n")
    print("| processes | count | PSS idle / peak MB | RSS idle / peak MB |")
    print("|---|---|---|---|")
    for side, label in ((mh, "webmail.fcgi (master + workers)"),
                        (rc, "php-fpm (master + children)")):
        if side.idle_mem is None:
            continue
        (ip, ir), (pp, pr) = side.idle_mem, side.peak or (0, 0)
        print("| %s | %d | %.1f / %.1f | %.1f / %.1f |" % (
            label, side.procs, mb(ip), mb(pp), mb(ir), mb(pr)))

    # the requests
    print("\nRequests timed per click (static files left out on both sides)\n")
    for name in args.clicks:
        print("%s:" % CLICK_TITLES[name])
        for side in (mh, rc):
            for k, line in enumerate(side.requests.get(name, [])):
                print("  %-10s %s" % (side.title if k == 0 else "", line))


# ==== main ======================================================================

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=benchlib.default_build(),
                    help="Mailhive build directory (default $MH_BUILD, build/,"
                         " /tmp/b-bench)")
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--duration", type=int, default=10, help="seconds per cell")
    ap.add_argument("--warmup", type=int, default=2, help="untimed seconds before a cell")
    ap.add_argument("--concurrency", default="1,10")
    ap.add_argument("--slices", type=int, default=2,
                    help="parts of a cell, run A B B A between the sides")
    ap.add_argument("--clicks", default=",".join(CLICKS))
    ap.add_argument("--max-clicks", type=int, default=200000,
                    help="most clicks of one cell")
    ap.add_argument("--webmail-workers", type=int, default=4,
                    help="Mailhive's http.workers (its default: 4)")
    ap.add_argument("--fpm-children", type=int, default=10,
                    help="php-fpm processes of Roundcube's pool (pm = static)")
    ap.add_argument("--roundcube-cache", action="store_true",
                    help="turn on Roundcube's IMAP index and message cache (in its"
                         " SQLite database); off by default, as shipped")
    ap.add_argument("--sides", default="mailhive,roundcube",
                    help="which webmails to measure (both by default)")
    ap.add_argument("--quick", action="store_true", help="3 s cells, 1 s warm-up")
    ap.add_argument("--no-install", action="store_true",
                    help="do not apt-get install what is missing")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.warmup = 3, 1
    args.duration = max(1, min(args.duration, 600))
    args.warmup = max(0, min(args.warmup, 60))
    args.slices = max(1, min(args.slices, 10))
    args.conc = [int(c) for c in args.concurrency.split(",") if c.strip()]
    if not args.conc or not all(1 <= c <= 100 for c in args.conc):
        sys.exit("bench: --concurrency takes numbers within 1..100")
    args.clicks = [c.strip() for c in args.clicks.split(",") if c.strip()]
    for c in args.clicks:
        if c not in CLICKS:
            sys.exit("bench: unknown click %r (%s)" % (c, ",".join(CLICKS)))
    if not 1 <= args.messages <= 1000000:
        sys.exit("bench: --messages must be within 1..1000000")
    if "list200" in args.clicks and args.messages < 200 * PAGE_SIZE:
        sys.exit("bench: page 200 needs --messages of at least %d" % (200 * PAGE_SIZE))
    args.sides = [x.strip() for x in args.sides.split(",") if x.strip()]
    if not args.sides or not set(args.sides) <= {"mailhive", "roundcube"}:
        sys.exit("bench: --sides takes mailhive, roundcube or both")
    if os.geteuid() != 0:
        sys.exit("bench: run as root (apt-get, processes as www-data)")
    if not os.access(os.path.join(args.build, "backend", "mailhived"), os.X_OK):
        sys.exit("bench: no build in %s (make first, or --build)" % args.build)

    missing = roundcube.roundcube_missing() if "roundcube" in args.sides else None
    if missing:
        if args.no_install:
            sys.exit("bench: missing Debian packages: %s" % " ".join(missing))
        if not roundcube.install_packages(log):
            sys.exit("bench: could not install %s" % " ".join(missing))

    work = tempfile.mkdtemp(prefix="mailhive-bench-webmail-")
    os.chmod(work, 0o755)
    mhi = rci = None
    try:
        # ---- Mailhive and the mailbox -------------------------------------
        t0 = time.monotonic()
        mhi = benchlib.BenchMailhive(args.build, imap={
            # Roundcube opens an IMAP connection per request
            "max_connections_per_user": 500,
        })
        mhi.inst.extra_http["workers"] = args.webmail_workers
        mhi.start()
        log("Mailhive up in %.1f s (HTTP 127.0.0.1:%d, IMAP 127.0.0.1:%d)" % (
            time.monotonic() - t0, mhi.inst.http_port, mhi.imap_port))
        password = "Bench-web-" + os.urandom(6).hex()
        login = mhi.add_user("web", password)
        t0 = time.monotonic()
        mhi.bulk_fill(login, args.messages, benchlib.make_message(0, 4096, 7), seed=7)
        log("%s: %d messages in INBOX in %.1f s" % (login, args.messages,
                                                     time.monotonic() - t0))
        q = harness.sql_literal(login)
        seen = [int(u) for u in mhi.psql(
            "SELECT m.uid FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id"
            " JOIN users u ON u.id = b.user_id WHERE u.address = %s AND b.name = 'INBOX'"
            " AND '\\Seen' = ANY(m.flags) ORDER BY m.uid" % q).split()]
        step = max(1, len(seen) // OPEN_UIDS)
        uids = seen[::step][:OPEN_UIDS]
        if not uids:
            raise RuntimeError("no read message to open")

        # ---- Roundcube ----------------------------------------------------
        t0 = time.monotonic()
        rci = roundcube.BenchRoundcube(os.path.join(work, "roundcube"), mhi.imap_port,
                                       mhi.inst.submission_port, args.fpm_children,
                                       cache=args.roundcube_cache)
        if "roundcube" in args.sides:
            rci.start()
            log("Roundcube up in %.1f s (HTTP 127.0.0.1:%d, php-fpm %s)" % (
                time.monotonic() - t0, rci.port, roundcube.php_fpm_binary()))

        mh = Side("mailhive", "Mailhive")
        mh.port = mhi.inst.http_port
        mh.session = MhSession
        mh.click = mh_click
        mh.web_roots = lambda: [pid_from(os.path.join(mhi.inst.run_dir, "webmail.pid"))]
        rc = Side("roundcube", "Roundcube")
        rc.port = rci.port
        rc.session = RcSession
        rc.click = rc_click
        rc.web_roots = lambda: [rci.fpm_pid()]
        backend = lambda: mhi.roots() + mhi.postgres_roots()  # noqa: E731
        mh.backend_roots = rc.backend_roots = backend

        sides = [s for s in (mh, rc) if s.name in args.sides]
        checks = []
        if len(sides) == 2:
            checks = compare_sides(mh, rc, login, password)
        for line in checks:
            log(line)
        time.sleep(1)
        for side in sides:
            pids = side.web_pids()
            side.procs = len(pids)
            side.idle_mem = benchlib.mem_kb(pids)
        ceiling = client_ceiling(args, rci.port if rci.port else mh.port,
                                 "/bench-null" if rci.port else "/static/")
        log("client ceiling: " + ", ".join("%.0f req/s at %d" % (r, c)
                                           for c, r in sorted(ceiling.items())))

        samplers = {s.name: benchlib.MemSampler(s.web_roots, interval=1.0)
                    for s in sides}
        for smp in samplers.values():
            smp.start()
        try:
            for name in args.clicks:
                for conc in args.conc:
                    got = measure(args, sides, name, conc, login, password, uids)
                    for side in sides:
                        r = got[side.name]
                        log("%-9s %-8s c=%-3d %8.1f clicks/s  p50 %7.1f ms  p99 %7.1f ms"
                            "  errors %d" % (side.title, name, conc, r.rate,
                                             r.p(50) or 0, r.p(99) or 0, r.errors))
        finally:
            for side in sides:
                side.peak = samplers[side.name].stop()

        setup = [
            "Mailhive build %s (tree at %s), webmail.fcgi behind nginx; Roundcube %s"
            " (Debian), %s + opcache, SQLite, nginx" % (
                os.path.abspath(args.build), tree_commit(), rc_version(),
                os.path.basename(roundcube.php_fpm_binary() or "?")),
            "open: %d read messages in turn (no flag changes); search: IMAP TEXT of"
            " one of %d words in turn" % (len(uids), len(SEARCH_WORDS)),
        ]
        print_report(args, mh, rc, ceiling, checks, setup)
        for side, inst_log in ((mh, None), (rc, rci)):
            if inst_log is not None:
                text = inst_log.log_text()
                if "PHP Fatal" in text or "ERROR" in text:
                    print("\nRoundcube logs:\n" + text[-2000:])
    finally:
        if rci is not None:
            rci.stop()
        if mhi is not None:
            try:
                mhi.stop()
            except Exception as e:
                log("stopping Mailhive: %s" % e)
        if args.keep:
            log("work directory kept: %s" % work)
        else:
            roundcube.rmtree(work)


def tree_commit():
    p = subprocess.run(["git", "-C", benchlib.ROOT, "describe", "--always", "--dirty"],
                       capture_output=True, text=True, timeout=30)
    return p.stdout.strip() or "?"


def rc_version():
    try:
        with open("/usr/share/roundcube/program/include/iniset.php") as f:
            m = re.search(r"RCMAIL_VERSION', '([^']+)'", f.read())
            return m.group(1) if m else "?"
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
