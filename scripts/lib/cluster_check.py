"""Checks a running cluster (scripts/cluster.sh) the way its clients and operators meet it.

    cluster_check.py functional    revocation across instances (with p50/p99 over 200 trials),
                                   throttling counted once, two-factor finished elsewhere
    cluster_check.py rolling       load through the proxy while every instance restarts in turn:
                                   0 failed requests, 0 lost sign-ups
    cluster_check.py kill          load while one instance is SIGKILLed: what it costs
    cluster_check.py pg-restart    load while PostgreSQL restarts: 503s during the outage, how
                                   long until requests succeed again, 0 acknowledged sign-ups lost

Talks HTTP only (plus psql for counting rows); the standard library is enough. Exits non-zero
with a sentence when a check fails.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import statistics
import struct
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROXY_PORT = int(os.environ.get("CLUSTER_PORT", "3600"))
PASSWORD = "cluster-horse-battery-" + secrets.token_hex(4)


def instance_count():
    with open(os.path.join(ROOT, "target", "cluster", "count")) as file:
        return int(file.read())


def database_url():
    with open(os.path.join(ROOT, "target", "cluster", "database_url")) as file:
        return file.read().strip()


def fail(message):
    print(f"FAILED: {message}", file=sys.stderr)
    sys.exit(1)


class Client:
    """One keep-alive connection to one port (the proxy's, or an instance's)."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def call(self, method, path, body=None, token=None):
        headers = {"content-type": "application/json"} if body is not None else {}
        if token:
            headers["authorization"] = f"Bearer {token}"
        # Bytes, so that http.client sends the headers and the body in one write.
        data = json.dumps(body).encode() if body is not None else None
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        # No retry of any kind: every error counts as a failed request.
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            raw = response.read()
        except OSError:
            self.close()
            raise
        except http.client.HTTPException as err:
            self.close()
            raise OSError(str(err)) from err
        if response.getheader("connection", "").lower() == "close":
            self.close()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return response.status, parsed

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def proxy():
    return Client(PROXY_PORT)


def instance(i):
    return Client(PROXY_PORT + i)


def signup(client, username):
    body = {"name": username, "username": username, "email": f"{username}@example.com", "password": PASSWORD}
    return client.call("POST", "/api/auth/signup", body)


def signin(client, username, password=PASSWORD):
    return client.call("POST", "/api/auth/signin", {"username": username, "password": password})


def token_of(client, username):
    status, body = signin(client, username)
    if status != 200 or not body.get("accessToken"):
        fail(f"sign-in of {username} answered {status} {body}")
    return body["accessToken"]


def totp(secret_b32, step=None):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    step = int(time.time()) // 30 if step is None else step
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def functional():
    n = instance_count()
    if n < 2:
        fail("the functional checks need at least two instances")
    tag = secrets.token_hex(3)
    front = proxy()

    # Sign in through the proxy, sign out on one instance: refused on all.
    user = f"c{tag}a"
    status, body = signup(front, user)
    if status != 201:
        fail(f"sign-up through the proxy answered {status} {body}")
    token = token_of(front, user)
    for i in range(1, n + 1):
        status, _ = instance(i).call("GET", "/api/test/user", token=token)
        if status != 200:
            fail(f"instance {i} answered {status} to a fresh token")
    status, _ = instance(1).call("POST", "/api/auth/signout", {}, token=token)
    if status != 200:
        fail(f"sign-out on instance 1 answered {status}")
    for i in range(1, n + 1):
        status, _ = instance(i).call("GET", "/api/test/user", token=token)
        if status != 401:
            fail(f"instance {i} answered {status} to a token signed out on instance 1")
    print(f"signed in through the proxy, signed out on instance 1: refused by all {n} instances")

    # Revocation latency: a sign-out on instance A seen on instance B, 200 trials.
    a, b = instance(1), instance(2)
    latencies = []
    for trial in range(200):
        token = token_of(a, user)
        status, _ = b.call("GET", "/api/test/user", token=token)
        if status != 200:
            fail(f"trial {trial}: instance 2 answered {status} before the sign-out")
        status, _ = a.call("POST", "/api/auth/signout", {}, token=token)
        if status != 200:
            fail(f"trial {trial}: sign-out answered {status}")
        start = time.perf_counter()
        while True:
            status, _ = b.call("GET", "/api/test/user", token=token)
            elapsed = time.perf_counter() - start
            if status == 401:
                latencies.append(elapsed * 1000)
                break
            if elapsed > 1:
                fail(f"trial {trial}: instance 2 still accepted the token 1 s after the sign-out")
    print(
        f"revocation on instance 1 refused on instance 2: p50 {percentile(latencies, 50):.2f} ms, "
        f"p99 {percentile(latencies, 99):.2f} ms, max {max(latencies):.2f} ms over {len(latencies)} trials "
        "(time from the sign-out's answer to the first refusal, each probe a real request)"
    )

    # Throttling counted once: 40 concurrent wrong passwords spread over the instances.
    victim = f"c{tag}t"
    status, _ = signup(proxy(), victim)
    if status != 201:
        fail(f"sign-up answered {status}")

    def wrong(k):
        return signin(instance(1 + k % n), victim, "wrong-password-" + str(k))[0]

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(wrong, range(40)))
    counts = {code: statuses.count(code) for code in sorted(set(statuses))}
    if counts.get(401) != 5 or counts.get(429, 0) != 35:
        fail(f"40 wrong passwords over {n} instances gave {counts}, not 5 x 401 and 35 x 429")
    print(f"40 concurrent wrong passwords spread over {n} instances: {counts}")

    # Two-factor: set up on one instance, turned on on another, sign-in started on a third and
    # finished on the first.
    second = f"c{tag}m"
    signup(proxy(), second)
    token = token_of(instance(1), second)
    status, setup = instance(1).call("POST", "/api/auth/2fa/setup", {}, token=token)
    if status != 200:
        fail(f"2fa setup answered {status} {setup}")
    secret = setup["secret"]
    status, body = instance(2).call(
        "POST", "/api/auth/2fa/enable", {"password": PASSWORD, "code": totp(secret)}, token=token
    )
    if status != 200:
        fail(f"2fa enable on instance 2 answered {status} {body}")
    status, body = signin(instance(n), second)
    if status != 200 or not body.get("mfaRequired"):
        fail(f"sign-in with two-factor on instance {n} answered {status} {body}")
    # A code of the next step: the one just used to enable is spent.
    code = totp(secret, int(time.time()) // 30 + 1)
    status, body = instance(1).call("POST", "/api/auth/2fa/verify", {"challenge": body["challenge"], "code": code})
    if status != 200 or not body.get("accessToken"):
        fail(f"the two-factor step on instance 1 answered {status} {body}")
    print(f"two-factor: set up on 1, enabled on 2, sign-in started on {n} and finished on 1")


class Load:
    """Bounded load through the proxy: readers GET with a token, writers sign up and sign in."""

    def __init__(self, readers=6, writers=2):
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.failures = []
        self.acknowledged = []
        self.tag = secrets.token_hex(3)
        front = proxy()
        owner = f"l{self.tag}r"
        status, body = signup(front, owner)
        if status != 201:
            fail(f"load set-up: sign-up answered {status} {body}")
        self.token = token_of(front, owner)
        self.threads = [threading.Thread(target=self.read, daemon=True) for _ in range(readers)]
        self.threads += [threading.Thread(target=self.write, args=(w,), daemon=True) for w in range(writers)]

    def record(self, what, status, expected):
        with self.lock:
            if status == expected:
                self.ok += 1
            else:
                self.failures.append((time.strftime("%H:%M:%S"), what, status))

    def read(self):
        client = proxy()
        while not self.stop.is_set():
            try:
                status, _ = client.call("GET", "/api/test/user", token=self.token)
            except OSError as err:
                status = type(err).__name__
            self.record("GET /api/test/user", status, 200)

    def write(self, worker):
        client = proxy()
        k = 0
        while not self.stop.is_set():
            k += 1
            username = f"l{self.tag}w{worker}n{k}"
            try:
                status, _ = signup(client, username)
            except OSError as err:
                status = type(err).__name__
            self.record("POST /api/auth/signup", status, 201)
            if status == 201:
                with self.lock:
                    self.acknowledged.append(username)
                try:
                    status, _ = signin(client, username)
                except OSError as err:
                    status = type(err).__name__
                self.record("POST /api/auth/signin", status, 200)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def lost_signups(self):
        names = set(self.acknowledged)
        found = subprocess.run(
            ["psql", database_url(), "-tAc", f"select username from users where username like 'l{self.tag}w%'"],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        return sorted(names - set(found))

    def report(self, what):
        total = self.ok + len(self.failures)
        print(f"{what}: {total} requests, {len(self.failures)} failed, {len(self.acknowledged)} sign-ups acknowledged")
        for failure in self.failures[:20]:
            print("  failed:", *failure)


def cluster(*args):
    subprocess.run([os.path.join(ROOT, "scripts", "cluster.sh"), *args], check=True)


def rolling():
    with Load() as load:
        time.sleep(2)
        started = time.time()
        cluster("rolling")
        took = time.time() - started
        time.sleep(2)
    load.report(f"rolling restart of {instance_count()} instances ({took:.1f} s) under load")
    lost = load.lost_signups()
    print(f"sign-ups lost: {len(lost)}")
    if load.failures or lost:
        fail(f"a rolling restart must fail nothing and lose nothing ({len(load.failures)} failed, {len(lost)} lost)")


def kill():
    with Load() as load:
        time.sleep(2)
        cluster("kill", "2")
        killed = time.time()
        # The proxy routes around it (health checks every 0.5 s); it comes back after a while.
        time.sleep(3)
        cluster("restart", "2")
        time.sleep(2)
    load.report("SIGKILL of instance 2 under load")
    after = [f for f in load.failures if f[0] > time.strftime("%H:%M:%S", time.localtime(killed + 2))]
    print(f"failures more than 2 s after the kill: {len(after)}")
    lost = load.lost_signups()
    print(f"sign-ups lost: {len(lost)}")
    # At most what was in flight on the killed instance: one request per load thread.
    if len(load.failures) > len(load.threads) or lost:
        fail(f"killing one instance cost {len(load.failures)} requests (more than the {len(load.threads)} in flight) or lost {len(lost)} sign-ups")


def pg_restart():
    restart = os.environ.get("PG_RESTART_CMD")
    if not restart:
        fail("PG_RESTART_CMD is not set (the command that restarts PostgreSQL)")
    outage = {}
    with Load(readers=4, writers=2) as load:
        time.sleep(2)
        before = len(load.failures)
        start = time.time()
        subprocess.run(restart, shell=True, check=True)
        back = time.time()
        outage["restart"] = back - start
        # Wait until requests succeed again.
        client = proxy()
        while time.time() - back < 30:
            status, _ = client.call("GET", "/api/test/user", token=load.token)
            if status == 200:
                break
            time.sleep(0.02)
        outage["recovered"] = time.time() - back
        time.sleep(2)
    statuses = {}
    for _, _, status in load.failures[before:]:
        statuses[status] = statuses.get(status, 0) + 1
    load.report("PostgreSQL restarted under cluster load")
    print(f"PostgreSQL down and up again in {outage['restart']:.2f} s; answers during the outage: {statuses}; "
          f"requests succeed again {outage['recovered'] * 1000:.0f} ms after it is back")
    lost = load.lost_signups()
    print(f"acknowledged sign-ups lost: {len(lost)}")
    bad = {status: count for status, count in statuses.items() if status != 503}
    if bad or lost or outage["recovered"] > 1:
        fail(f"during the outage only 503 is acceptable (got {bad}), nothing acknowledged may be lost ({len(lost)}), recovery within 1 s ({outage['recovered']:.2f} s)")


if __name__ == "__main__":
    checks = {"functional": functional, "rolling": rolling, "kill": kill, "pg-restart": pg_restart}
    if len(sys.argv) != 2 or sys.argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    checks[sys.argv[1]]()
