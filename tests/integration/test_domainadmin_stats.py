"""test_domainadmin_stats.py - the statistics page of the domain
administrators' portal (/domainadmin/stats and /domainadmin/stats.csv).

Figures are checked exactly against mail_events and quarantine rows
written with SQL on fixed days of March 2024 (noon, so that no time zone
moves them to another day): the domain's totals, each user's row, the
order of every sort key, the range (both days included), the daily chart
(one point per day and direction, with its value and height), both CSV
downloads (parsed with the csv module: BOM, quoting, formula guard), the
refusals of a bad range (a message, 422) and of another domain's user
(404 and an audit row), and that another domain's mail never counts.
Real traffic too: messages delivered over SMTP show up in today's
figures, and a message the queue cannot deliver leaves its reason in
mail_events.error and on the page.
"""

import csv
import html
import io
import re
import time
import unittest

import peers
from harness import element_text, parse_page
from test_domainadmin import B, DomainAdminCase, lit, message, uniq

FROM, TO = "2024-03-01", "2024-03-07"
DAYS = ["2024-03-0%d" % d for d in range(1, 8)]
BOUNCE = "550 5.1.1 <nobody@far.test>: Recipient address rejected: user unknown"
DEFER = "421 4.7.0 mx.far.test: try again later"
FORMULA_ERROR = "-2+3 =cmd|' /C calc'!A0"
FORMULA_NAME = '=HYPERLINK("http://evil.test","x")'


def user_rows(text):
    """The rows of the users' table: [(id, {column: text})]."""
    table = text.split('id="user-stats"', 1)[1].split("</table>", 1)[0]
    out = []
    for uid, body in re.findall(r'<tr data-id="(\d+)"[^>]*>(.*?)</tr>', table, re.S):
        cells = dict(re.findall(r'data-col="(\w+)"[^>]*>(.*?)</td>', body, re.S))
        cells["address"] = re.search(r'<a [^>]*>([^<]*)</a>', body).group(1)
        m = re.search(r'data-col="bytes_in" title="(\d+)"', body)
        cells["bytes_in_exact"] = m.group(1)
        out.append((int(uid), {k: " ".join(html.unescape(v).split())
                               for k, v in cells.items()}))
    return out


def points(text, direction):
    """The chart's points of one direction: [(day, value, cx, cy)]."""
    group = re.search(r'<g class="points-%s"[^>]*>(.*?)</g>' % direction, text, re.S).group(1)
    return [(d, int(v), float(x), float(y)) for x, y, d, v in re.findall(
        r'<circle cx="([\d.]+)" cy="([\d.]+)" r="[\d.]+" data-day="([\d-]+)"'
        r' data-value="(\d+)">', group)]


def polyline(text, direction):
    m = re.search(r'<polyline class="line-%s"[^>]* points="([^"]*)"' % direction, text)
    return [tuple(float(n) for n in p.split(",")) for p in m.group(1).split()]


def parse_csv(r):
    body = r.body if isinstance(r.body, bytes) else r.text.encode()
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


class StatsTest(DomainAdminCase):

    def event(self, did, uid, day, direction, outcome, nbytes=0, error=None, hour=12):
        self.inst.psql(
            "INSERT INTO mail_events (domain_id, user_id, direction, outcome, bytes, at, error)"
            " VALUES (%d, %s, '%s', '%s', %d, '%s %02d:00', %s)"
            % (did, "NULL" if uid is None else uid, direction, outcome, nbytes, day, hour,
               "NULL" if error is None else lit(error)))

    def quarantine(self, did, uid, day, n=1):
        for _ in range(n):
            self.inst.psql("INSERT INTO quarantine (domain_id, user_id, at, reason)"
                           " VALUES (%d, %d, '%s 12:00', 'spam')" % (did, uid, day))

    def stats(self, c, query="", status=200, **kw):
        return self.get(c, "/stats?d=%s%s" % (self.dom, query), status=status, **kw)

    def order(self, c, key, order):
        r = self.stats(c, "&from=%s&to=%s&sort=%s&order=%s" % (FROM, TO, key, order))
        return [uid for uid, _ in user_rows(r.text)]

    def setUp(self):
        self.dom = self.domain("st")
        self.did = self.domain_id(self.dom)
        self.other = self.domain("stother")
        self.odid = self.domain_id(self.other)
        tag = uniq("")[1:]
        self.a, _, self.aid = self.ctl_user(self.dom, "alice" + tag)
        self.b, _, self.bid = self.ctl_user(self.dom, "bob" + tag)
        self.c_, _, self.cid = self.ctl_user(self.dom, "carol" + tag)
        self.inst.psql("UPDATE users SET display_name = '张三' WHERE id = %d" % self.aid)
        self.inst.psql("UPDATE users SET display_name = %s WHERE id = %d"
                       % (lit(FORMULA_NAME), self.bid))
        self.x, _, self.xid = self.ctl_user(self.other, "secret" + tag)
        did, a, b = self.did, self.aid, self.bid
        for _ in range(3):
            self.event(did, a, "2024-03-02", "in", "delivered", 1000)
        for _ in range(2):
            self.event(did, a, "2024-03-03", "out", "delivered", 500)
        self.event(did, a, "2024-03-04", "out", "bounced", 700, BOUNCE, hour=10)
        self.event(did, a, "2024-03-05", "out", "deferred", 700, DEFER)
        self.event(did, b, "2024-03-07", "in", "delivered", 2048)
        self.event(did, b, "2024-03-06", "out", "failed", 300, FORMULA_ERROR)
        self.quarantine(did, b, "2024-03-06", 2)
        self.quarantine(did, a, "2024-03-08", 1)                  # after the range
        self.event(did, None, "2024-03-01", "in", "delivered", 100)  # a user since purged
        self.event(did, a, "2024-02-29", "in", "delivered", 10)     # before the range
        self.event(did, a, "2024-03-08", "in", "delivered", 10)     # after it
        self.event(did, a, "2024-03-08", "out", "bounced", 10, "later error")
        # another domain's mail on the same days
        for day in DAYS:
            self.event(self.odid, self.xid, day, "in", "delivered", 999999)
            self.event(self.odid, self.xid, day, "out", "bounced", 5, "their error")
        self.quarantine(self.odid, self.xid, "2024-03-03", 5)
        self.c = self.admin(self.dom)

    # ---- the page ---------------------------------------------------------

    def test_totals_and_users(self):
        r = self.stats(self.c, "&from=%s&to=%s" % (FROM, TO))
        ids = parse_page(r.text).ids
        self.assertEqual(ids["total-received"], "5")      # 3 + 1 + the purged user's 1
        self.assertEqual(ids["total-sent"], "2")
        self.assertEqual(ids["total-bytes-in"], "6 KB")   # 5148 bytes
        self.assertIn('title="5148"', r.text)
        self.assertEqual(ids["total-bytes-out"], "1000 B")
        self.assertEqual(ids["total-failed"], "2")        # bounced + failed
        self.assertEqual(ids["total-deferred"], "1")
        self.assertEqual(ids["total-quarantined"], "2")
        last = " ".join(ids["total-last-error"].split())
        self.assertEqual(last, "2024-03-06 12:00 · %s · failed: %s" % (self.b, FORMULA_ERROR))
        self.assertEqual(ids["range-days"], "7")
        rows = dict(user_rows(r.text))
        self.assertEqual(list(rows), [self.aid, self.bid, self.cid])   # by address
        self.assertEqual(ids["total"], "3")
        ra, rb, rc = rows[self.aid], rows[self.bid], rows[self.cid]
        self.assertEqual(ra, {"address": self.a, "received": "3", "sent": "2",
                              "bytes_in": "3 KB", "bytes_in_exact": "3000",
                              "bytes_out": "1000 B", "failed": "1", "deferred": "1",
                              "quarantined": "0",
                              "last_error": "2024-03-05 12:00 · deferred: " + DEFER})
        self.assertEqual(rb, {"address": self.b, "received": "1", "sent": "0",
                              "bytes_in": "2 KB", "bytes_in_exact": "2048",
                              "bytes_out": "0 B", "failed": "1", "deferred": "0",
                              "quarantined": "2",
                              "last_error": "2024-03-06 12:00 · failed: " + FORMULA_ERROR})
        self.assertEqual(rc, {"address": self.c_, "received": "0", "sent": "0",
                              "bytes_in": "0 B", "bytes_in_exact": "0", "bytes_out": "0 B",
                              "failed": "0", "deferred": "0", "quarantined": "0",
                              "last_error": ""})
        # the other domain's mail is nowhere
        self.assertNotIn(self.x, r.text)
        self.assertNotIn("their error", r.text)
        # the name that looks like a formula is plain, escaped text
        self.assertIn('title="=HYPERLINK(&quot;http://evil.test&quot;,&quot;x&quot;)"', r.text)
        # the page is in the navigation, and in Chinese too
        links = [a["href"] for t, a in parse_page(r.text).tags if t == "a" and "href" in a]
        self.assertIn(B + "/stats", links)
        r = self.stats(self.c, "&from=%s&to=%s" % (FROM, TO),
                       headers={"Accept-Language": "zh-CN"})
        self.assertIn("每日邮件量", r.text)
        self.assertIn("收到", r.text)

    def test_sort_every_column(self):
        a, b, c = self.aid, self.bid, self.cid
        for key, order, want in (
                ("address", "asc", [a, b, c]), ("address", "desc", [c, b, a]),
                ("received", "desc", [a, b, c]), ("received", "asc", [c, b, a]),
                ("sent", "desc", [a, b, c]), ("sent", "asc", [b, c, a]),
                ("bytes_in", "asc", [c, b, a]), ("bytes_in", "desc", [a, b, c]),
                ("bytes_out", "desc", [a, b, c]),
                ("failed", "desc", [a, b, c]), ("failed", "asc", [c, a, b]),
                ("deferred", "desc", [a, b, c]),
                ("quarantined", "desc", [b, a, c]), ("quarantined", "asc", [a, c, b]),
                ("last_error", "desc", [b, a, c]), ("last_error", "asc", [a, b, c]),
                ("nonsense", "asc", [a, b, c]),
                ("received%3B%20DROP%20TABLE%20users", "desc", [c, b, a])):
            with self.subTest(key=key, order=order):
                self.assertEqual(self.order(self.c, key, order), want)
        # the header links: the column sorted shows its order and offers the other
        r = self.stats(self.c, "&from=%s&to=%s&sort=received&order=desc" % (FROM, TO))
        self.assertRegex(r.text, r'sort=received&amp;order=asc" class="sorted desc"')
        self.assertIn("sort=failed&amp;order=desc", r.text)

    def test_range(self):
        r = self.stats(self.c, "&from=2024-03-01&to=2024-03-03")
        ids = parse_page(r.text).ids
        self.assertEqual((ids["total-received"], ids["total-sent"], ids["total-failed"],
                          ids["total-deferred"], ids["total-quarantined"]),
                         ("4", "2", "0", "0", "0"))
        self.assertNotIn("total-last-error", ids)
        self.assertEqual(dict(user_rows(r.text))[self.aid]["last_error"], "")
        # one day, both ends included
        r = self.stats(self.c, "&from=2024-02-29&to=2024-02-29")
        self.assertEqual(dict(user_rows(r.text))[self.aid]["received"], "1")
        self.assertEqual(parse_page(r.text).ids["total-bytes-in"], "10 B")
        r = self.stats(self.c, "&from=2024-03-08&to=2024-03-08")
        ids = parse_page(r.text).ids
        self.assertEqual(ids["total-quarantined"], "1")
        self.assertIn("later error", ids["total-last-error"])
        # without dates: the last 7 days up to today, which has nothing
        today = self.val("SELECT to_char(current_date, 'YYYY-MM-DD')")
        week = self.val("SELECT to_char(current_date - 6, 'YYYY-MM-DD')")
        r = self.stats(self.c)
        self.assertEqual([d for d, _, _, _ in points(r.text, "in")][::6], [week, today])
        self.assertEqual(parse_page(r.text).ids["total-received"], "0")
        form = [f for f in parse_page(r.text).forms if f["action"] == B + "/stats"][0]
        self.assertEqual((form["method"], form["inputs"]["from"], form["inputs"]["to"]),
                         ("get", week, today))
        # only one end given
        r = self.stats(self.c, "&to=2024-03-07")
        self.assertEqual(points(r.text, "in")[0][0], "2024-03-01")
        # the longest range: a leap year
        r = self.stats(self.c, "&from=2024-01-01&to=2024-12-31")
        self.assertEqual(len(points(r.text, "in")), 366)
        self.assertEqual(parse_page(r.text).ids["total-received"], "7")

    def test_bad_ranges(self):
        for query, text in (("&from=2024-02-30&to=2024-03-01", "year-month-day"),
                            ("&from=yesterday", "year-month-day"),
                            ("&to=2023-02-29", "year-month-day"),
                            ("&from=2024-03-01%27--&to=2024-03-02", "year-month-day"),
                            ("&from=2024-03-07&to=2024-03-01", "must not come after"),
                            ("&from=2023-01-01&to=2024-01-02", "at most 366 days")):
            with self.subTest(query=query):
                r = self.c.get(B + "/stats?d=%s%s" % (self.dom, query))
                self.assertFormError(r, text)
                self.assertNotIn("user-stats", r.text)
                self.assertNotIn("<svg", r.text)
                r = self.c.get(B + "/stats.csv?d=%s%s" % (self.dom, query))
                self.assertFormError(r, text)
                self.assertNotIn("text/csv", r.header("Content-Type"))
        r = self.c.get(B + "/stats?d=%s&from=2024-03-07&to=2024-03-01" % self.dom,
                       headers={"Accept-Language": "zh-CN"})
        self.assertFormError(r, "起始日期不能晚于截止日期")

    def test_pages(self):
        """55 more users (58 in all): pages of 50, in the order asked for,
        with the range kept by the pager's links; the CSV has them all."""
        self.inst.psql("INSERT INTO users (domain_id, local_part, address)"
                       " SELECT %d, 'zz' || lpad(g::text, 3, '0'), 'zz' || lpad(g::text, 3, '0')"
                       " || '@' || %s FROM generate_series(1, 55) g" % (self.did, lit(self.dom)))
        zid = self.user_id("zz055@" + self.dom)
        self.event(self.did, zid, "2024-03-04", "in", "delivered", 1)
        self.inst.psql("UPDATE users SET deleted_at = now() WHERE id = %d" % zid)
        r = self.stats(self.c, "&from=%s&to=%s&sort=received&order=desc" % (FROM, TO))
        rows = user_rows(r.text)
        self.assertEqual(len(rows), 50)
        self.assertEqual([uid for uid, _ in rows[:3]], [self.aid, self.bid, zid])
        self.assertEqual(parse_page(r.text).ids["total"], "58")
        self.assertIn("(Deleted)", r.text.split('data-id="%d"' % zid, 1)[1].split("</tr>")[0])
        self.assertIn('from=2024-03-01&amp;to=2024-03-07&amp;sort=received&amp;order=desc'
                      '&amp;page=2', r.text)
        r = self.stats(self.c, "&from=%s&to=%s&sort=received&order=desc&page=2" % (FROM, TO))
        rows2 = user_rows(r.text)
        self.assertEqual(len(rows2), 8)
        self.assertEqual(set(u for u, _ in rows) & set(u for u, _ in rows2), set())
        self.assertEqual(user_rows(self.stats(self.c, "&page=999").text)[-1][1]["address"],
                         "zz055@" + self.dom)
        _, rows = parse_csv(self.get(self.c, "/stats.csv?d=%s&from=%s&to=%s"
                                     % (self.dom, FROM, TO)))
        self.assertEqual(len(rows), 59)
        self.assertEqual(rows[-1][:3], ["zz055@" + self.dom, "", "Deleted"])

    # ---- the chart ----------------------------------------------------------

    def test_chart(self):
        r = self.stats(self.c, "&from=%s&to=%s" % (FROM, TO))
        svg = r.text.split("<svg", 1)[1].split("</svg>", 1)[0]
        self.assertNotIn("<script", svg)
        self.assertNotIn("style=", svg)
        self.assertIsNone(re.search(r"\son\w+\s*=", svg))
        pin, pout = points(r.text, "in"), points(r.text, "out")
        self.assertEqual([(d, v) for d, v, _, _ in pin], list(zip(DAYS, [1, 3, 0, 0, 0, 0, 1])))
        self.assertEqual([(d, v) for d, v, _, _ in pout], list(zip(DAYS, [0, 0, 2, 0, 0, 0, 0])))
        # x grows by day; the highest value (3, a whole step) is the top,
        # 0 the bottom line; the lines go through the points
        xs = [x for _, _, x, _ in pin]
        self.assertEqual(xs, sorted(xs))
        self.assertEqual(len(set(xs)), 7)
        self.assertEqual(pin[1][3], 28.0)
        self.assertEqual(pin[2][3], 220.0)
        self.assertAlmostEqual(pout[2][3], 220.0 - 2 * (220.0 - 28.0) / 3, places=1)
        self.assertEqual(polyline(r.text, "in"), [(x, y) for _, _, x, y in pin])
        self.assertEqual(polyline(r.text, "out"), [(x, y) for _, _, x, y in pout])
        # the value axis and day labels
        self.assertEqual(re.findall(r'dy="4">(\d+)</text>', svg), ["0", "1", "2", "3"])
        self.assertIn(">03-01</text>", svg)
        self.assertIn(">03-07</text>", svg)
        # the days' table agrees
        days = re.findall(r'<tr data-day="([\d-]+)"><td>[^<]*</td><td class="num">(\d+)</td>'
                          r'<td class="num">(\d+)</td>', r.text)
        self.assertEqual(days, [(d, str(i), str(o)) for (d, i, _, _), (_, o, _, _)
                                in zip(pin, pout)])
        # one user's days
        r = self.stats(self.c, "&from=%s&to=%s&user=%d" % (FROM, TO, self.bid))
        self.assertEqual(element_text(r.text, "chart-user"), self.b)
        self.assertEqual([v for _, v, _, _ in points(r.text, "in")], [0, 0, 0, 0, 0, 0, 1])
        self.assertEqual([v for _, v, _, _ in points(r.text, "out")], [0] * 7)
        self.assertIn('<tr data-id="%d" class="selected">' % self.bid, r.text)
        # the domain's totals stay the domain's
        self.assertEqual(parse_page(r.text).ids["total-received"], "5")
        # a day without mail at all: a flat line at 0, values 0
        r = self.stats(self.c, "&from=2020-01-01&to=2020-01-01")
        self.assertEqual([(d, v) for d, v, _, _ in points(r.text, "in")], [("2020-01-01", 0)])

    # ---- CSV ---------------------------------------------------------------

    def test_csv_users(self):
        r = self.get(self.c, "/stats.csv?d=%s&from=%s&to=%s&sort=received&order=desc"
                     % (self.dom, FROM, TO))
        self.assertEqual(r.header("Content-Type"), "text/csv; charset=utf-8")
        disp = r.header("Content-Disposition")
        self.assertTrue(disp.startswith('attachment; filename="'), disp)
        self.assertTrue(disp.endswith('-users-2024-03-01-2024-03-07.csv"'), disp)
        body, rows = parse_csv(r)
        self.assertTrue(body.startswith(b"\xef\xbb\xbf"))
        self.assertIn(b"\r\n", body)
        self.assertEqual(rows[0], ["Address", "Name", "Status", "Received", "Sent",
                                   "Bytes received", "Bytes sent", "Failed", "Deferred",
                                   "Quarantined", "Last error at", "Outcome", "Last error"])
        self.assertEqual(rows[1:], [
            [self.a, "张三", "Active", "3", "2", "3000", "1000", "1", "1", "0",
             "2024-03-05 12:00", "deferred", DEFER],
            [self.b, "'" + FORMULA_NAME, "Active", "1", "0", "2048", "0", "1", "0", "2",
             "2024-03-06 12:00", "failed", "'" + FORMULA_ERROR],
            [self.c_, "", "Active", "0", "0", "0", "0", "0", "0", "0", "", "", ""]])
        # the formula and the quotes survive as text; nothing of the other domain
        self.assertIn(b'"\'=HYPERLINK(""http://evil.test"",""x"")"', body)
        self.assertNotIn(self.x.encode(), body)
        # Chinese headers for a Chinese page
        r = self.get(self.c, "/stats.csv?d=%s&from=%s&to=%s" % (self.dom, FROM, TO),
                     headers={"Accept-Language": "zh-CN"})
        _, rows = parse_csv(r)
        self.assertEqual(rows[0][:4], ["地址", "姓名", "状态", "收到"])
        self.assertEqual(rows[1][2], "正常")

    def test_csv_days(self):
        r = self.get(self.c, "/stats.csv?d=%s&from=%s&to=%s&data=days" % (self.dom, FROM, TO))
        self.assertEqual(r.header("Content-Type"), "text/csv; charset=utf-8")
        _, rows = parse_csv(r)
        self.assertEqual(rows[0], ["Day", "Received", "Sent", "Bytes received", "Bytes sent",
                                   "Failed", "Deferred", "Quarantined"])
        self.assertEqual(rows[1:], [
            ["2024-03-01", "1", "0", "100", "0", "0", "0", "0"],
            ["2024-03-02", "3", "0", "3000", "0", "0", "0", "0"],
            ["2024-03-03", "0", "2", "0", "1000", "0", "0", "0"],
            ["2024-03-04", "0", "0", "0", "0", "1", "0", "0"],
            ["2024-03-05", "0", "0", "0", "0", "0", "1", "0"],
            ["2024-03-06", "0", "0", "0", "0", "1", "0", "2"],
            ["2024-03-07", "1", "0", "2048", "0", "0", "0", "0"]])
        r = self.get(self.c, "/stats.csv?d=%s&from=%s&to=%s&data=days&user=%d"
                     % (self.dom, FROM, TO, self.aid))
        self.assertIn("-days-user%d-" % self.aid, r.header("Content-Disposition"))
        _, rows = parse_csv(r)
        self.assertEqual([row[:3] for row in rows[1:]],
                         [[d, i, o] for d, i, o in zip(DAYS, "0300000", "0020000")])

    # ---- refusals ------------------------------------------------------------

    def test_other_domains_user_is_404_and_audited(self):
        def denied():
            return self.audit("action = 'denied' AND actor = %s" % lit(self.c.login_name))
        n = 0
        for path in ("/stats?d=%s&user=%d" % (self.dom, self.xid),
                     "/stats.csv?d=%s&user=%d&data=days" % (self.dom, self.xid),
                     "/stats?d=%s&user=abc" % self.dom,
                     "/stats?d=%s&user=-1" % self.dom,
                     "/stats?d=" + self.other,
                     "/stats.csv?d=" + self.other):
            with self.subTest(path=path):
                r = self.c.get(B + path)
                self.assertEqual(r.status, 404, r)
                self.assertNotIn("their error", r.text)
                n += 1
                rows = denied()
                self.assertEqual(len(rows), n)
                self.assertEqual(rows[-1][3], self.c.src)
        objects = [row[1] for row in denied()]
        self.assertIn("user:%d" % self.xid, objects)
        self.assertIn("domain:" + self.other, objects)
        # the refusals about a user are rows of my domain
        self.assertEqual(denied()[0][4], str(self.did))
        # an empty user= is the whole domain
        self.stats(self.c, "&user=")


class StatsTrafficTest(DomainAdminCase):
    """Real traffic: two messages over SMTP, and one the queue bounces."""

    def wait(self, sql, want, timeout=60):
        deadline = time.monotonic() + timeout
        got = self.val(sql)
        while got != want and time.monotonic() < deadline:
            time.sleep(0.2)
            got = self.val(sql)
        return got

    def test_real_mail_counts(self):
        dom = self.domain("live")
        did = self.domain_id(dom)
        a, apw, aid = self.ctl_user(dom, "sender")
        b, _, bid = self.ctl_user(dom, "rcpt")
        with peers.smtp_open(self.inst.smtp_port) as s:
            s.sendmail("someone@outside.test", [b], message("one " + uniq("s"), b))
            s.sendmail("someone@outside.test", [b], message("two " + uniq("s"), b))
        self.assertEqual(self.wait("SELECT count(*) FROM mail_events WHERE user_id = %d"
                                   " AND direction = 'in'" % bid, "2"), "2")
        size = self.val("SELECT sum(m.size) FROM messages m JOIN mailboxes x ON"
                        " x.id = m.mailbox_id WHERE x.user_id = %d" % bid)
        # a message out to a domain that does not exist: the queue gives up
        # (or defers it) and keeps the reason
        s = peers.smtp_open(self.inst.submission_port, starttls=True, login=(a, apw))
        try:
            s.sendmail(a, ["nobody@nowhere.invalid"], message("lost", "nobody@nowhere.invalid",
                                                              frm=a))
        finally:
            s.quit()
        err_sql = ("SELECT count(*) FROM mail_events WHERE user_id = %d AND direction = 'out'"
                   " AND outcome IN ('bounced', 'deferred') AND error <> ''" % aid)
        self.assertEqual(self.wait(err_sql, "1"), "1",
                         self.inst.psql("SELECT * FROM mail_events WHERE user_id = %d" % aid))
        error, outcome = self.rows("SELECT error, outcome FROM mail_events WHERE user_id = %d"
                                   " AND direction = 'out'" % aid)[0]
        if outcome == "bounced":
            # the report to the sender is delivered right after
            self.assertEqual(self.wait("SELECT count(*) FROM mail_events WHERE user_id = %d"
                                       " AND direction = 'in'" % aid, "1"), "1")
        c = self.admin(dom)
        r = self.get(c, "/stats?d=" + dom)
        rows = dict(user_rows(r.text))
        self.assertEqual(rows[bid]["received"], "2")
        self.assertEqual(rows[bid]["bytes_in_exact"], size)
        self.assertEqual(rows[aid]["sent"], "0")
        self.assertEqual(rows[aid]["failed" if outcome == "bounced" else "deferred"], "1")
        self.assertTrue(rows[aid]["last_error"].endswith(error), (rows[aid], error))
        received = self.val("SELECT count(*) FROM mail_events WHERE domain_id = %d AND"
                            " direction = 'in' AND outcome = 'delivered'" % did)
        self.assertEqual(parse_page(r.text).ids["total-received"], received)
        today = self.val("SELECT to_char(current_date, 'YYYY-MM-DD')")
        pin = points(r.text, "in")
        self.assertEqual(len(pin), 7)
        self.assertEqual(pin[-1][:2], (today, int(received)))


if __name__ == "__main__":
    unittest.main()
