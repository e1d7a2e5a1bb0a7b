#!/usr/bin/python3
"""`make soak`: a chaos soak of placeholder connections, with figures.

Starts the services the integration tests use (tests/harness) and runs
several client processes under the shim, each connecting to heroku://APP in
a loop (scripts/soak_client.c with libpq, scripts/soak_client.py with
psycopg2; some share HPGSHIM_CACHE_DIR with a TTL, some hold nothing
between processes), while a schedule breaks things one after another:

  - rotate the credential, same length and longer, and end the role's backends;
  - make the API fail: a burst of 503s, a 429 with Retry-After, slow answers;
  - end the backends; restart PostgreSQL.

It prints connects, successes, failures by class, API requests per connect,
latency percentiles and memory growth per process, and fails on a crash, a
hang (a client silent for HANG_SECONDS), a session that is not the app's role
over TLS, a failure streak longer than STREAK_SECONDS, or memory growth
beyond the limits below.

    make soak                        SOAK_SECONDS=600 by default
    scripts/soak.py --seconds 120    what `make check` runs
"""

import argparse
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.stack import running_stack

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIM = REPO_ROOT / "build" / "libhpgshim.so"
C_CLIENT = REPO_ROOT / "build" / "soak_client"
PY_CLIENT = REPO_ROOT / "scripts" / "soak_client.py"
PYTHON = "/usr/bin/python3"

APP, USER = "demo-app", "app_user"
# Every connect is bounded (connect_timeout in the placeholder, HPGSHIM_TIMEOUT):
# a client silent for this long is hung.
HANG_SECONDS = 45
# PostgreSQL restarts in about a second; a rotation is fetched at once.
STREAK_SECONDS = 20
# Growth between the warm-up and the end: libpq, OpenSSL and the shim hold
# nothing per connect, so a leak of a few hundred bytes per connect shows.
HEAP_GROWTH_LIMIT = 1 << 20         # bytes, C clients (malloc's heap)
RSS_GROWTH_LIMIT_KB = 16 * 1024     # Python clients (resident set)
EVENT_SECONDS = 5                   # between two events of the schedule
CONNINFO = f"heroku://{APP}?connect_timeout=5"


@dataclass
class Client:
    name: str
    command: list
    env: dict
    process: subprocess.Popen = None
    thread: threading.Thread = None
    oks: int = 0
    failures: dict = field(default_factory=dict)  # class -> count
    latencies: list = field(default_factory=list)  # ms, successes and failures
    wrong: list = field(default_factory=list)
    memory: list = field(default_factory=list)  # (heap bytes, rss kB) samples
    last_line: float = 0.0
    failing_since: float | None = None
    longest_streak: float = 0.0
    hung: bool = False
    examples: dict = field(default_factory=dict)  # class -> one message


def failure_class(message: str) -> str:
    text = message.lower()
    if "password authentication failed" in text or "role" in text and "does not exist" in text:
        return "credential rejected"
    if "heroku api" in text or "config var" in text:
        return "API"
    if "ran out" in text or "timeout expired" in text:
        return "timeout"
    if ("connection refused" in text or "starting up" in text or "shutting down" in text
            or "terminat" in text or "closed the connection" in text or "query:" in text
            or "ssl connection has been closed" in text
            or "too many" in text or "no connection to the server" in text):
        return "server unavailable"
    return "other"


def read_client(client: Client):
    for line in client.process.stdout:
        now = time.monotonic()
        client.last_line = now
        kind, _, rest = line.rstrip("\n").partition(" ")
        if kind == "mem":
            heap, rss = rest.split()
            client.memory.append((int(heap), int(rss)))
            continue
        ms, _, detail = rest.partition(" ")
        client.latencies.append(float(ms))
        if kind == "ok":
            client.oks += 1
            if client.failing_since is not None:
                client.longest_streak = max(client.longest_streak, now - client.failing_since)
            client.failing_since = None
        elif kind == "fail":
            cls = failure_class(detail)
            client.failures[cls] = client.failures.get(cls, 0) + 1
            client.examples.setdefault(cls, detail[:200])
            if client.failing_since is None:
                client.failing_since = now
        elif kind == "wrong":
            client.wrong.append(detail)


class Schedule:
    """The events, one after another, each undone before the next."""

    def __init__(self, stack):
        self.stack = stack
        self.api = stack.api
        self.counts = {}
        self._rotations = 0

    def run(self, until: float, stop: threading.Event):
        events = [self.rotate_same_length, self.api_503_burst, self.rotate_longer,
                  self.api_429_retry_after, self.end_backends, self.api_slow, self.restart_pg]
        index = 0
        while not stop.wait(EVENT_SECONDS) and time.monotonic() < until - EVENT_SECONDS:
            event = events[index % len(events)]
            index += 1
            event()
            self.counts[event.__name__] = self.counts.get(event.__name__, 0) + 1

    def rotate_same_length(self):
        self.stack.rotate(APP)
        self.stack.end_sessions(APP)

    def rotate_longer(self):
        # Longer, then back to the usual length at the next same-length rotation.
        self._rotations += 1
        self.stack.rotate(APP, f"longer-{self._rotations}-" + "x" * 40)
        self.stack.end_sessions(APP)

    def api_503_burst(self):
        self.api.fail_with(503)
        time.sleep(3)
        self.api.clear_faults()

    def api_429_retry_after(self):
        self.api.set_fault(status=429, body=b'{"id":"rate_limit","message":"slow down"}',
                           headers={"Retry-After": "3", "RateLimit-Remaining": "0"}, times=1)
        time.sleep(4)
        self.api.clear_faults()

    def api_slow(self):
        # The real answer, late (with no ETag: the next request is plain).
        self.api.set_fault(status=200, body=json.dumps(self.api.config_vars(APP)),
                           headers={"Content-Type": "application/json"}, delay=2.5)
        time.sleep(3)
        self.api.clear_faults()

    def end_backends(self):
        self.stack.end_sessions(APP)

    def restart_pg(self):
        self.stack.pg.restart()


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600, help="length of the soak")
    args = parser.parse_args()
    for path in (SHIM, C_CLIENT):
        if not path.exists():
            print(f"soak: {path} not found: run make all {C_CLIENT.relative_to(REPO_ROOT)}")
            return 1

    with running_stack("hpgshim-soak-") as stack:
        stack.add_app(APP, USER, "app_db")
        cache_dir = stack.work_dir / "shared-cache"
        cache_dir.mkdir(mode=0o700)
        base = stack.shim_env(str(SHIM))
        shared = {**base, "HPGSHIM_CACHE_DIR": str(cache_dir), "HPGSHIM_CACHE_TTL": "30"}
        seconds = str(args.seconds)
        clients = [
            Client("c-1", [str(C_CLIENT), seconds, CONNINFO, USER], base),
            Client("c-2", [str(C_CLIENT), seconds, CONNINFO, USER], base),
            Client("c-shared-1", [str(C_CLIENT), seconds, CONNINFO, USER], shared),
            Client("c-shared-2", [str(C_CLIENT), seconds, CONNINFO, USER], shared),
            Client("py-1", [PYTHON, str(PY_CLIENT), seconds, CONNINFO, USER], base),
            Client("py-shared", [PYTHON, str(PY_CLIENT), seconds, CONNINFO, USER], shared),
        ]
        started = time.monotonic()
        for client in clients:
            client.process = subprocess.Popen(client.command, env=client.env,
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                              stdin=subprocess.DEVNULL, text=True)
            client.last_line = time.monotonic()
            client.thread = threading.Thread(target=read_client, args=(client,), daemon=True)
            client.thread.start()
        # stderr: the fallback warnings and nothing else; read so no pipe fills.
        stderr_lines = {client.name: [] for client in clients}
        for client in clients:
            threading.Thread(target=lambda c=client: stderr_lines[c.name].extend(c.process.stderr),
                             daemon=True).start()

        schedule = Schedule(stack)
        stop = threading.Event()
        chaos = threading.Thread(target=schedule.run, args=(started + args.seconds, stop),
                                 daemon=True)
        chaos.start()
        while any(client.process.poll() is None for client in clients):
            time.sleep(1)
            now = time.monotonic()
            for client in clients:
                if client.process.poll() is None and now - client.last_line > HANG_SECONDS:
                    client.hung = True
                    client.process.kill()
        stop.set()
        chaos.join()
        for client in clients:
            client.thread.join(timeout=5)
        took = time.monotonic() - started
        requests = stack.api.count(APP)

    return report(clients, schedule, requests, took, stderr_lines)


def report(clients, schedule, requests, took, stderr_lines) -> int:
    connects = sum(c.oks + sum(c.failures.values()) for c in clients)
    oks = sum(c.oks for c in clients)
    failures = {}
    for client in clients:
        for cls, count in client.failures.items():
            failures[cls] = failures.get(cls, 0) + count
    latencies = [ms for c in clients for ms in c.latencies]
    events = ", ".join(f"{name.replace('_', ' ')} x{count}"
                       for name, count in schedule.counts.items())
    print(f"soak: {took:.0f} s, {len(clients)} client processes; events: {events}")
    print(f"soak: {connects} connects, {oks} ok ({100 * oks / max(connects, 1):.1f}%); failures: "
          + (", ".join(f"{cls} {n}" for cls, n in sorted(failures.items())) or "none"))
    examples = {}
    for client in clients:
        for cls, text in client.examples.items():
            examples.setdefault(cls, text)
    for cls, text in sorted(examples.items()):
        print(f"soak:   e.g. {cls}: {text[:150]}")
    print(f"soak: {requests} API requests, {requests / max(connects, 1):.2f} per connect")
    print(f"soak: latency ms p50 {percentile(latencies, 50):.0f}, p90 "
          f"{percentile(latencies, 90):.0f}, p99 {percentile(latencies, 99):.0f}, max "
          f"{max(latencies, default=0):.0f}")
    growth = []
    problems = []
    for client in clients:
        if len(client.memory) >= 2:
            (heap0, rss0), (heap1, rss1) = client.memory[0], client.memory[-1]
            if client.name.startswith("c-"):
                growth.append(f"{client.name} {heap1 - heap0:+d} B heap")
                if heap1 - heap0 > HEAP_GROWTH_LIMIT:
                    problems.append(f"{client.name}: heap grew by {heap1 - heap0} bytes")
            else:
                growth.append(f"{client.name} {rss1 - rss0:+d} kB rss")
                if rss1 - rss0 > RSS_GROWTH_LIMIT_KB:
                    problems.append(f"{client.name}: rss grew by {rss1 - rss0} kB")
        else:
            problems.append(f"{client.name}: no memory figures (it ended early)")
        status = client.process.returncode
        if client.hung:
            problems.append(f"{client.name}: hung (silent for {HANG_SECONDS} s)")
        elif status != 0:
            problems.append(f"{client.name}: exit status {status}")
        if client.wrong:
            problems.append(f"{client.name}: wrong session: {client.wrong[0]}")
        streak = client.longest_streak
        if client.failing_since is not None:
            streak = max(streak, time.monotonic() - client.failing_since)
        if streak > STREAK_SECONDS:
            problems.append(f"{client.name}: failed for {streak:.0f} s in a row: "
                            + "; ".join(client.examples.values()))
        other = [line for line in stderr_lines[client.name]
                 if not line.startswith("hpgshim: warning: ")]
        if other:
            problems.append(f"{client.name}: stderr: {other[0].strip()[:200]}")
    print("soak: memory growth after the warm-up: " + ", ".join(growth))
    longest = max(c.longest_streak for c in clients)
    warnings = sum(len(lines) for lines in stderr_lines.values())
    print(f"soak: longest failure streak {longest:.1f} s (limit {STREAK_SECONDS} s); "
          f"{warnings} fallback warnings")
    for problem in problems:
        print(f"soak: FAILED: {problem}")
    print(f"soak: {'FAILED' if problems else 'passed'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
