"""httpload.py - the HTTP side of bench/webmail/run.py.

  Conn(port)
      One keep-alive HTTP/1.1 connection to 127.0.0.1:port with a cookie
      jar. request(method, path, body=None, headers=None) -> Resp(status,
      headers {lower-case name: last value}, cookies set, body), or
      send(...) now and recv() later. The parser
      is small on purpose (status line, headers, Content-Length or
      chunked body) so that the client costs little beside the servers;
      a connection the server closed between requests is opened again
      (counted in reconnects), a request is never sent twice.

  run_cell(sessions, click, duration, max_clicks, warmup)
      One measurement: one thread per session, each doing click(session,
      i) in a loop, i counting up from a per-thread offset, for `warmup`
      seconds untimed and then `duration` seconds (or until max_clicks
      clicks in all); click returns True when the answer was the right
      one. Returns a Result with clicks/s, percentiles, errors and the
      number of warm-up clicks. merge(results) adds up several.

Only the Python standard library.
"""

import socket
import threading
import time
import urllib.parse

import harness  # tests/integration/harness.py (on sys.path via benchlib)

RECV = 262144


class HTTPError(Exception):
    pass


class Resp:
    __slots__ = ("status", "headers", "set_cookies", "body")

    def __init__(self, status, headers, set_cookies, body):
        self.status = status
        self.headers = headers
        self.set_cookies = set_cookies
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def __repr__(self):
        return "<HTTP %d, %d bytes: %r>" % (self.status, len(self.body), self.body[:300])


class Conn:
    def __init__(self, port, host="127.0.0.1", timeout=60, agent="mailhive-bench-webmail"):
        self.port = port
        self.host = host
        self.timeout = timeout
        self.agent = agent
        self.sock = None
        self.buf = b""
        self.cookies = {}
        self.reconnects = -1            # the first connect is not one
        self.fixed_headers = {}         # sent with every request
        self._pending = None

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None
        self.buf = b""

    def _connect(self):
        self.close()
        s = socket.create_connection((self.host, self.port), timeout=self.timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = s
        self.reconnects += 1

    def _fill(self):
        data = self.sock.recv(RECV)
        if not data:
            raise ConnectionResetError("server closed the connection")
        self.buf += data

    def _line_block(self):
        """Bytes up to and without the blank line ending the head."""
        while True:
            i = self.buf.find(b"\r\n\r\n")
            if i >= 0:
                head, self.buf = self.buf[:i], self.buf[i + 4:]
                return head
            if len(self.buf) > 65536:
                raise HTTPError("response head too long")
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _crlf_line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _read_response(self, method):
        head = self._line_block().decode("latin-1")
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise HTTPError("bad status line %r" % lines[0][:100])
        status = int(parts[1])
        headers, cookies = {}, []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            k = k.strip().lower()
            v = v.strip()
            headers[k] = v
            if k == "set-cookie":
                cookies.append(v)
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self._crlf_line().split(b";")[0].strip(), 16)
                if size == 0:
                    while self._crlf_line():    # trailers
                        pass
                    break
                chunks.append(self._exact(size))
                self._exact(2)
            body = b"".join(chunks)
        elif "content-length" in headers:
            body = self._exact(int(headers["content-length"]))
        else:
            while True:
                try:
                    self._fill()
                except ConnectionResetError:
                    break
            body, self.buf = self.buf, b""
            headers["connection"] = "close"
        return Resp(status, headers, cookies, body)

    def send(self, method, path, body=None, headers=None):
        """Send one request; recv() reads its answer. Between the two,
        other connections may send theirs (requests in parallel, as a
        browser makes them)."""
        hdrs = ["%s %s HTTP/1.1" % (method, path),
                "Host: %s:%d" % (self.host, self.port),
                "User-Agent: " + self.agent]
        if self.cookies:
            hdrs.append("Cookie: " + "; ".join("%s=%s" % kv for kv in self.cookies.items()))
        for k, v in self.fixed_headers.items():
            hdrs.append("%s: %s" % (k, v))
        for k, v in (headers or {}).items():
            hdrs.append("%s: %s" % (k, v))
        if body is not None:
            if isinstance(body, str):
                body = body.encode()
            hdrs.append("Content-Length: %d" % len(body))
        data = ("\r\n".join(hdrs) + "\r\n\r\n").encode("latin-1") + (body or b"")
        self._pending = (method, data, self.sock is None)
        if self.sock is None:
            self._connect()
        try:
            self.sock.sendall(data)
        except (ConnectionResetError, BrokenPipeError):
            self._pending = (method, data, False)   # retried by recv()
        except OSError:
            self.close()
            raise

    def recv(self):
        method, data, fresh = self._pending
        self._pending = None
        try:
            resp = self._read_response(method)
        except (ConnectionResetError, BrokenPipeError) as e:
            # a kept-alive connection the server closed before reading
            # this request: once more on a new one (nothing was done)
            if fresh or self.buf:
                self.close()
                raise HTTPError(str(e))
            self._connect()
            try:
                self.sock.sendall(data)
                resp = self._read_response(method)
            except (OSError, ValueError):
                self.close()
                raise
        except (OSError, ValueError):
            self.close()
            raise
        if resp.headers.get("connection", "").lower() == "close":
            self.close()
        for line in resp.set_cookies:
            name, value, attrs = harness.parse_set_cookie(line)
            if harness.cookie_is_deletion(value, attrs) or value == "-del-":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return resp

    def request(self, method, path, body=None, headers=None):
        self.send(method, path, body, headers)
        return self.recv()

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post_form(self, path, fields, headers=None):
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        h.update(headers or {})
        return self.request("POST", path, body=urllib.parse.urlencode(fields), headers=h)


# ---- measuring ----------------------------------------------------------------

def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


class Result:
    def __init__(self, clicks, errors, seconds, lat, first_error, requests, warm,
                 cpu):
        self.warm = warm                # clicks of the warm-up, right or not
        self.cpu = cpu                  # CPU seconds of the client threads, timed part
        self.clicks = clicks            # right answers within the timed window
        self.errors = errors
        self.seconds = seconds
        self.requests = requests        # HTTP requests of those clicks
        lat.sort()
        self.lat = lat                  # seconds, one per right answer
        self.first_error = first_error

    @property
    def rate(self):
        return self.clicks / self.seconds if self.seconds > 0 else 0.0

    def p(self, q):
        v = percentile(self.lat, q)
        return v * 1000.0 if v is not None else None


def run_cell(sessions, click, duration, max_clicks, warmup, offset_step=7919):
    """Run click(session, i) -> (ok, http_requests) in one thread per
    session; see the module docstring."""
    n = len(sessions)
    lock = threading.Lock()
    state = {"left": max_clicks, "first_error": None}
    lats = [[] for _ in range(n)]
    counts = [[0, 0, 0, 0, 0.0] for _ in range(n)]  # ok, errors, requests, warm-up, CPU
    start_evt = threading.Event()
    t_box = {}

    def worker(k):
        s = sessions[k]
        i = k * offset_step
        # warm-up, untimed, as soon as the thread runs
        w_end = time.monotonic() + warmup
        while time.monotonic() < w_end:
            try:
                click(s, i)
            except Exception:
                pass
            i += 1
            counts[k][3] += 1
        start_evt.wait()
        t_end = t_box["t_end"]
        cpu0 = time.thread_time()
        while True:
            now = time.monotonic()
            if now >= t_end:
                break
            with lock:
                if state["left"] <= 0:
                    break
                state["left"] -= 1
            a = time.perf_counter()
            try:
                ok, nreq = click(s, i)
                why = None if ok else "wrong answer"
            except Exception as e:      # a failed click is counted, not fatal
                ok, nreq, why = False, 0, "%s: %s" % (type(e).__name__, e)
            b = time.perf_counter()
            i += 1
            if ok:
                lats[k].append(b - a)
                counts[k][0] += 1
                counts[k][2] += nreq
            else:
                counts[k][1] += 1
                with lock:
                    if state["first_error"] is None:
                        state["first_error"] = why
        counts[k][4] = time.thread_time() - cpu0
        t_box.setdefault("ends", []).append(time.monotonic())

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(n)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    # every thread has finished its warm-up click within a second or so
    t_box["t0"] = time.monotonic() + 0.2
    t_box["t_end"] = t_box["t0"] + duration
    time.sleep(max(0.0, t_box["t0"] - time.monotonic()))
    start_evt.set()
    for t in threads:
        t.join(timeout=duration + 120)
    end = max(t_box.get("ends") or [time.monotonic()])
    seconds = max(1e-6, min(end, t_box["t_end"] + 60) - t_box["t0"])
    all_lat = [x for lst in lats for x in lst]
    return Result(sum(c[0] for c in counts), sum(c[1] for c in counts), seconds,
                  all_lat, state["first_error"], sum(c[2] for c in counts),
                  sum(c[3] for c in counts), sum(c[4] for c in counts))


def merge(results):
    """One Result of several runs of the same cell."""
    lat = []
    for r in results:
        lat.extend(r.lat)
    first = next((r.first_error for r in results if r.first_error), None)
    return Result(sum(r.clicks for r in results), sum(r.errors for r in results),
                  sum(r.seconds for r in results), lat, first,
                  sum(r.requests for r in results), sum(r.warm for r in results),
                  sum(r.cpu for r in results))
