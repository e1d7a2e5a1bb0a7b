#!/usr/bin/python3
"""`make bench`: what hpgshim costs, measured side by side.

Starts the services the integration tests use (tests/harness: a TLS-only
PostgreSQL 15 and the HTTPS stand-in of the Heroku Platform API on loopback)
and times real programs with and without the shim:

  1. /bin/true: the cost to processes that never connect;
  2. psql with an ordinary conninfo: the pass-through cost;
  3. psql heroku://APP: the cost of a fresh fetch per process;
  4. 1,000 connections in one process, cache off and on;
  5. API requests per connections, processes and cache setting;
  6. the documented Heroku CLI pattern, when the CLI is installed.

The variants of a row run alternately, run by run.  Each result is a
median, of the wall time and of the program's own CPU time, printed beside
its ratio to the row's baseline.  The targets of the "Performance" issue are
reported as PASS/MISS lines on the wall time, with a 95% interval where the
runs are many; they are not asserted: the exit status is non-zero only when
something is broken (a program failed, a service would not start, a variant
did not do what its label says).

    make bench                  the full run: a few minutes
    scripts/bench.py --quick    a smoke run: under a minute
"""

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

# The harness is tests/harness, a package: `make bench` runs this script
# with PYTHONPATH=tests.
from harness import PSQL, run, scrub
from harness.pgserver import PG_BIN
from harness.stack import Stack, running_stack

REPO_ROOT = Path(__file__).resolve().parents[1]

SHIM = REPO_ROOT / "build" / "libhpgshim.so"
# What the bench compiles, and where an `npm install --prefix` puts the CLI.
BENCH_BUILD = REPO_ROOT / "build" / "bench"
CONNECT_LOOP_SOURCE = REPO_ROOT / "scripts" / "bench_connect_loop.c"
CONNECT_LOOP = BENCH_BUILD / "bench_connect_loop"
EMPTY_LIBRARY = BENCH_BUILD / "libempty.so"
LOCAL_HEROKU_CLI = BENCH_BUILD / "node_modules" / ".bin" / "heroku"

TRUE = "/bin/true"
# Debian's perl wrapper, which picks a cluster's psql and execs it: what
# users type, shown beside the real binary (harness.PSQL).
PSQL_WRAPPER = "/usr/bin/psql"
PG_DUMP = PG_BIN / "pg_dump"
CURL = "/usr/bin/curl"

# Labels of the variants that recur across rows.
NO_SHIM = "no shim"
WITH_SHIM = "LD_PRELOAD=libhpgshim.so"
WRITTEN_OUT = "credential written out, no shim"

APP = "bench-app"
ROLE = "bench_user"
DBNAME = "bench_db"
# pg_dump -j 8 hands out tables to its workers: give it some to hand out.
DUMP_TABLES = 8

PATH = "/usr/bin:/bin"


@dataclass(frozen=True)
class Settings:
    true_runs: int  # row 1, per variant
    psql_runs: int  # rows 2 and 3, per variant
    warmup_runs: int  # rows 1-3: untimed runs of each variant first
    loop_connections: int  # rows 4 and 5: connections in one process
    loop_repeats: int  # row 4, per variant
    fleet_size: int  # row 5: psql processes in a row
    cli_runs: int  # row 6, per variant


# Row 1 is cheap (a millisecond a run) and its effect small: more runs.
FULL = Settings(true_runs=500, psql_runs=100, warmup_runs=5, loop_connections=1000,
                loop_repeats=3, fleet_size=20, cli_runs=10)
QUICK = Settings(true_runs=50, psql_runs=15, warmup_runs=2, loop_connections=100,
                 loop_repeats=1, fleet_size=20, cli_runs=1)

# Row 4 warms up with a short loop rather than a whole one.
LOOP_WARMUP_CONNECTIONS = 20

# Resamples for the 95% intervals printed beside the targets of rows 1-3.
BOOTSTRAP_RESAMPLES = 1000


@dataclass(frozen=True)
class CacheSetting:
    name: str
    ttl: str | None  # HPGSHIM_CACHE_TTL; None leaves the default, 0
    shared: bool  # HPGSHIM_CACHE_DIR: a fresh 0700 directory each time


CACHE_OFF = CacheSetting("TTL 0 (default)", None, False)
CACHE_ON = CacheSetting("TTL 600", "600", False)
SHARED_CACHE = CacheSetting("TTL 600 + shared dir", "600", True)


class BenchBroken(Exception):
    """Something the bench relies on failed: the numbers would be wrong."""


# --- running and timing ------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    label: str
    argv: list
    env: dict
    stdout: Path | None = None  # appended to; None: /dev/null


@dataclass(frozen=True)
class Timing:
    wall_ns: int  # from spawning the program to reaping it
    # The CPU time the program and the children it waited for used, user +
    # system: what it cost on its side, and less disturbed than the wall
    # time by whatever else the machine runs.  Servers are not included.
    cpu_ns: int


@dataclass
class Samples:
    """One variant's timed runs, and the API requests each one made (how
    many in all, how many of them conditional)."""

    wall_ns: list = field(default_factory=list)
    cpu_ns: list = field(default_factory=list)  # empty when not measured
    requests: list = field(default_factory=list)
    conditional: list = field(default_factory=list)

    @property
    def median_wall_ns(self) -> float:
        return statistics.median(self.wall_ns)

    @property
    def median_cpu_ns(self) -> float:
        return statistics.median(self.cpu_ns)


class Bench:
    """The running services, app bench-app, and the environments to run
    programs in, with and without the shim."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.work_dir = stack.work_dir
        self.pg = stack.pg
        self.api = stack.api
        self.ca_cert = stack.pki.ca_cert
        self.token = stack.token
        # Never printed: a failing program's output is scrubbed of these.
        self.secrets = stack.secrets
        self.database = None
        self._dirs_made = 0

    @property
    def url(self) -> str:
        """DATABASE_URL as Heroku writes it, with the current password."""
        return self.database.url

    @property
    def direct_conninfo(self) -> str:
        """The credential written out, with the sslmode the shim would set."""
        return f"{self.url}?sslmode=require"

    def create_app(self):
        self.database = self.stack.add_app(APP, ROLE, DBNAME)
        tables = "".join(
            f"CREATE TABLE t{n} AS SELECT i, md5(i::text) FROM generate_series(1, 1000) i;\n"
            for n in range(DUMP_TABLES)
        )
        self.pg.admin(f"SET ROLE {ROLE};\n{tables}", dbname=DBNAME)

    def rotate(self):
        """A new password in PostgreSQL and in DATABASE_URL, as Heroku's
        credential rotation does."""
        self.stack.rotate(APP)

    def private_dir(self, name: str) -> Path:
        path = self.work_dir / name
        path.mkdir(mode=0o700)
        return path

    def fresh_dir(self, name: str) -> Path:
        self._dirs_made += 1
        return self.private_dir(f"{name}-{self._dirs_made}")

    def plain_env(self, **extra) -> dict:
        # An empty HOME: no ~/.psqlrc or ~/.netrc; no PG* variables.
        return self.stack.plain_env(PATH=PATH, **extra)

    def shim_env(self, cache: CacheSetting = CACHE_OFF) -> dict:
        env = self.plain_env(
            LD_PRELOAD=str(SHIM),
            HEROKU_HOST=self.api.url,
            HEROKU_API_KEY=self.token,
            HPGSHIM_CAINFO=str(self.ca_cert),
        )
        if cache.ttl is not None:
            env["HPGSHIM_CACHE_TTL"] = cache.ttl
        if cache.shared:
            env["HPGSHIM_CACHE_DIR"] = str(self.fresh_dir("cache"))
        return env

    def run_timed(self, variant: Variant) -> Timing:
        """Run variant once, timed.

        posix_spawn and wait4 rather than subprocess: no pipes to read, no
        Python between the clock and the program."""
        output = str(variant.stdout or os.devnull)
        file_actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ]
        start = time.perf_counter_ns()
        pid = os.posix_spawn(variant.argv[0], variant.argv, variant.env,
                             file_actions=file_actions)
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter_ns() - start
        if os.waitstatus_to_exitcode(status) != 0:
            self._explain_failure(variant)
        return Timing(elapsed, round((usage.ru_utime + usage.ru_stime) * 1e9))

    def _explain_failure(self, variant: Variant):
        """Run variant again, its output captured, and raise with it."""
        result = run(variant.argv, variant.env, timeout=300, secrets=self.secrets)
        raise BenchBroken(
            f"{variant.label}: exit status {result.returncode}\n"
            + scrub(result.stderr or result.stdout, self.secrets).rstrip()
        )

    def measure(self, variants: list, runs: int, warmup: int) -> dict:
        """{label: Samples} of variants, run alternately."""
        for _ in range(warmup):
            for variant in variants:
                self.run_timed(variant)
        samples = {variant.label: Samples() for variant in variants}
        for round_number in range(runs):
            # Alternate run by run so that the machine's drift hits every
            # variant alike, and rotate which goes first so that none always
            # runs right after the same other one.
            first = round_number % len(variants)
            for variant in variants[first:] + variants[:first]:
                mark = len(self.api.requests)
                timing = self.run_timed(variant)
                requests, conditional = self.requests_since(mark)
                runs = samples[variant.label]
                runs.wall_ns.append(timing.wall_ns)
                runs.cpu_ns.append(timing.cpu_ns)
                runs.requests.append(requests)
                runs.conditional.append(conditional)
        return samples

    def requests_made(self, action, *args) -> tuple:
        """(API requests, how many of them conditional) made by action(*args)."""
        mark = len(self.api.requests)
        action(*args)
        return self.requests_since(mark)

    def requests_since(self, mark: int) -> tuple:
        made = [r for r in self.api.requests[mark:] if r.app is not None]
        return len(made), sum(1 for r in made if "if-none-match" in r.headers)


def expect_requests(samples: dict, label: str, expected: int):
    """Guard against timing something else than the label says: a
    placeholder connect that never asked the API, a pass-through that did."""
    seen = set(samples[label].requests)
    if seen != {expected}:
        raise BenchBroken(f"{label}: expected {expected} API request(s) per run, saw {seen}")


def compile_c(output: Path, *args: str):
    BENCH_BUILD.mkdir(parents=True, exist_ok=True)
    compiler = os.environ.get("CC", "cc")
    result = subprocess.run([compiler, *args, "-o", str(output)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchBroken(f"{compiler} could not build {output}:\n{result.stderr}")


def pkg_config_libpq(*flags: str) -> list:
    return subprocess.run(["pkg-config", *flags, "libpq"], capture_output=True, text=True,
                          check=True).stdout.split()


# --- reporting ---------------------------------------------------------------


class Targets:
    """The issue's targets: a PASS, MISS or SKIP line where each is
    measured, and all of them again at the end."""

    def __init__(self):
        self.lines = []

    def report(self, number: int, met: bool, text: str):
        self._add(f"{'PASS' if met else 'MISS'} ({number}) {text}")

    def skip(self, number: int, text: str):
        self._add(f"SKIP ({number}) {text}")

    def _add(self, line: str):
        print(f"  {line}")
        self.lines.append(line)


def duration(ns: float) -> str:
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e8:
        return f"{ns / 1e6:.0f} ms"
    return f"{ns / 1e6:.2f} ms" if ns >= 1e7 else f"{ns / 1e6:.3f} ms"


def print_table(samples: dict, baseline: str):
    """Medians of wall time and client CPU, and their ratios to baseline's."""
    base = samples[baseline]
    width = max(map(len, samples))
    print(f"    {'':<{width}}  {'wall':>9}  {'ratio':>6}  {'CPU':>9}  {'ratio':>6}"
          f"   (medians; ratios to {baseline})")
    for label, runs in samples.items():
        wall = runs.median_wall_ns
        cells = f"{duration(wall):>9}  {wall / base.median_wall_ns:6.3f}"
        if runs.cpu_ns:
            cpu = runs.median_cpu_ns
            cells += f"  {duration(cpu):>9}  {cpu / base.median_cpu_ns:6.3f}"
        print(f"    {label:<{width}}  {cells}")


def ratio_of_medians(numerator: list, denominator: list) -> float:
    return statistics.median(numerator) / statistics.median(denominator)


def interval_95(statistic, *series: list) -> tuple:
    """The 95% bootstrap interval of statistic(*series), from resampling the
    rounds: the variants' runs of one round stay together, as they ran side
    by side, so drift between rounds does not widen the interval."""
    rng = random.Random(1)  # the same resamples in every run of the bench
    rounds = len(series[0])
    estimates = sorted(
        statistic(*([runs[i] for i in picks] for runs in series))
        for picks in ([rng.randrange(rounds) for _ in range(rounds)]
                      for _ in range(BOOTSTRAP_RESAMPLES))
    )
    return estimates[int(0.025 * BOOTSTRAP_RESAMPLES)], estimates[int(0.975 * BOOTSTRAP_RESAMPLES)]


def ratio_with_interval(samples: dict, numerator: str, denominator: str) -> tuple:
    """(ratio of the wall-time medians, "R (95%: LOW-HIGH), client CPU C")."""
    series = samples[numerator].wall_ns, samples[denominator].wall_ns
    ratio = ratio_of_medians(*series)
    low, high = interval_95(ratio_of_medians, *series)
    cpu = ratio_of_medians(samples[numerator].cpu_ns, samples[denominator].cpu_ns)
    return ratio, f"{ratio:.3f} (95%: {low:.3f}-{high:.3f}), client CPU {cpu:.3f}"


def heading(number: int, title: str, how: str):
    print(f"\n== {number}. {title} ==\n   ({how})")


def first_line(command: list) -> str:
    try:
        output = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    except OSError:
        return "?"
    return output.splitlines()[0] if output else "?"


def describe_machine(heroku_cli: Path | None) -> list:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    uname = os.uname()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    curl_words = first_line([CURL, "--version"]).split()
    libcurl = " ".join(word for word in curl_words if word.startswith(("libcurl/", "OpenSSL/")))
    software = [first_line([str(PSQL), "--version"]), libcurl, f"Python {sys.version.split()[0]}"]
    revision = first_line(["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"])
    if heroku_cli is not None:
        software.append(first_line([str(heroku_cli), "--version"]))
    return [
        f"machine:  {cpu}, {os.cpu_count()} cores, {uname.sysname} {uname.release} "
        f"({uname.machine}), load average {load}",
        f"date:     {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"software: {'; '.join(software)}",
        f"hpgshim:  {SHIM.relative_to(REPO_ROOT)} built from git {revision}",
    ]


# --- the rows ----------------------------------------------------------------


def bench_idle_processes(bench: Bench, settings: Settings, targets: Targets):
    heading(1, "/bin/true: the cost to processes that never connect",
            f"{settings.true_runs} alternating runs of each, after {settings.warmup_runs} warm-up")
    # What any preloaded library costs (opening and mapping one more file)
    # is the baseline: the shim is to add little to that.
    compile_c(EMPTY_LIBRARY, "-shared", "-fPIC", "-x", "c", os.devnull)
    empty = "empty preloaded library"
    plain = bench.plain_env()
    samples = bench.measure(
        [
            Variant("no preload", [TRUE], plain),
            Variant(empty, [TRUE], {**plain, "LD_PRELOAD": str(EMPTY_LIBRARY)}),
            Variant(WITH_SHIM, [TRUE], bench.shim_env()),
        ],
        settings.true_runs,
        settings.warmup_runs,
    )
    print_table(samples, empty)
    ratio, shown = ratio_with_interval(samples, WITH_SHIM, empty)
    targets.report(1, ratio <= 1.05, f"shim vs. an empty preload: {shown}; target <= 1.05")


def psql_select_1(psql, target: str) -> list:
    return [str(psql), "-X", "-c", "select 1", target]


def bench_pass_through(bench: Bench, settings: Settings, targets: Targets):
    heading(2, "psql -c 'select 1' with an ordinary conninfo: the pass-through cost",
            f"postgres://...?sslmode=require, {settings.psql_runs} alternating runs of each")
    ratios = {}  # psql: (ratio, how it is shown)
    for psql, note in ((PSQL, ""), (PSQL_WRAPPER, " (Debian's perl wrapper)")):
        print(f"  {psql} -X{note}")
        argv = psql_select_1(psql, bench.direct_conninfo)
        samples = bench.measure(
            [Variant(NO_SHIM, argv, bench.plain_env()), Variant(WITH_SHIM, argv, bench.shim_env())],
            settings.psql_runs,
            settings.warmup_runs,
        )
        expect_requests(samples, WITH_SHIM, 0)
        print_table(samples, NO_SHIM)
        ratios[psql] = ratio_with_interval(samples, WITH_SHIM, NO_SHIM)
    (ratio, shown), (_, wrapper_shown) = ratios[PSQL], ratios[PSQL_WRAPPER]
    targets.report(2, ratio <= 1.02, f"psql through the shim vs. without: {shown}; "
                                     f"target <= 1.02 (perl wrapper: {wrapper_shown})")


def bench_fresh_fetch(bench: Bench, settings: Settings, targets: Targets):
    heading(3, "psql heroku://APP vs. the credential written out: a fresh fetch per process",
            f"{PSQL} -X, {settings.psql_runs} alternating runs of each, and one loopback "
            "HTTPS request to the stand-in by curl")
    # curl prints how long its request took (TCP connect, TLS handshake,
    # GET, answer) into this file, one line per run: the request without
    # curl's own start-up.
    request_times = bench.work_dir / "curl-time-total"
    headers = bench.work_dir / "curl-headers"
    headers.touch(mode=0o600)
    # From a file, not the command line, so the token is not in `ps`.
    headers.write_text(f"Authorization: Bearer {bench.token}\n"
                       "Accept: application/vnd.heroku+json; version=3\n")
    curl = [CURL, "-sS", "--fail", "-o", os.devnull, "-w", "%{time_total}\\n",
            "--cacert", str(bench.ca_cert), "-H", f"@{headers}",
            f"{bench.api.url}/apps/{APP}/config-vars"]
    placeholder = f"heroku://{APP}, shim"
    curl_process, curl_request = ("curl: one HTTPS request, whole process",
                                  "curl: the request alone (time_total)")
    samples = bench.measure(
        [
            Variant(WRITTEN_OUT, psql_select_1(PSQL, bench.direct_conninfo), bench.plain_env()),
            Variant(placeholder, psql_select_1(PSQL, f"heroku://{APP}"), bench.shim_env()),
            Variant(curl_process, curl, bench.plain_env(), stdout=request_times),
        ],
        settings.psql_runs,
        settings.warmup_runs,
    )
    expect_requests(samples, placeholder, 1)
    # The warm-up runs' lines come first: keep the timed runs' only.
    timed = request_times.read_text().split()[-settings.psql_runs:]
    samples[curl_request] = Samples(wall_ns=[float(seconds) * 1e9 for seconds in timed])
    print_table(samples, WRITTEN_OUT)
    request_ns = samples[curl_request].median_wall_ns

    def extra_cost(with_fetch, without):
        return statistics.median(with_fetch) - statistics.median(without)

    series = samples[placeholder].wall_ns, samples[WRITTEN_OUT].wall_ns
    extra = extra_cost(*series)
    low, high = interval_95(extra_cost, *series)
    targets.report(3, extra <= request_ns,
                   f"a fresh fetch costs {duration(extra)} per process (95%: {duration(low)}-"
                   f"{duration(high)}); one loopback HTTPS request: {duration(request_ns)} "
                   f"(a whole curl process: {duration(samples[curl_process].median_wall_ns)})")


def connect_loop(connections: int, conninfo: str) -> list:
    return [str(CONNECT_LOOP), str(connections), conninfo]


def loop_variants(bench: Bench, connections: int) -> list:
    return [
        Variant(WRITTEN_OUT, connect_loop(connections, bench.direct_conninfo), bench.plain_env()),
        *(Variant(f"heroku://{APP}, {cache.name}", connect_loop(connections, f"heroku://{APP}"),
                  bench.shim_env(cache))
          for cache in (CACHE_OFF, CACHE_ON)),
    ]


def bench_many_connections(bench: Bench, settings: Settings, targets: Targets) -> dict:
    """Row 4; returns {CacheSetting: (requests, conditional)} of one process's
    connections, for row 5."""
    n = settings.loop_connections
    heading(4, f"{n:,} connections in one process, each running select 1",
            f"{CONNECT_LOOP.relative_to(REPO_ROOT)}, {settings.loop_repeats} alternating "
            "runs of each")
    for variant in loop_variants(bench, LOOP_WARMUP_CONNECTIONS):
        bench.run_timed(variant)
    samples = bench.measure(loop_variants(bench, n), settings.loop_repeats, warmup=0)
    direct, cache_off, cache_on = (
        samples[WRITTEN_OUT],
        samples[f"heroku://{APP}, {CACHE_OFF.name}"],
        samples[f"heroku://{APP}, {CACHE_ON.name}"],
    )
    expect_requests(samples, f"heroku://{APP}, {CACHE_OFF.name}", n)
    expect_requests(samples, f"heroku://{APP}, {CACHE_ON.name}", 1)
    print_table(samples, WRITTEN_OUT)
    print(f"    per connection: {duration(direct.median_wall_ns / n)} direct, "
          f"{duration(cache_off.median_wall_ns / n)} with a conditional request each "
          f"(cache off), {duration(cache_on.median_wall_ns / n)} cache on")

    def ratios(runs):
        return (f"{ratio_of_medians(runs.wall_ns, direct.wall_ns):.3f}, client CPU "
                f"{ratio_of_medians(runs.cpu_ns, direct.cpu_ns):.3f}")

    targets.report(4, ratio_of_medians(cache_on.wall_ns, direct.wall_ns) <= 1.05,
                   f"cache on vs. direct: {ratios(cache_on)}; target <= 1.05 "
                   f"(cache off: {ratios(cache_off)})")
    return {
        CACHE_OFF: (cache_off.requests[0], cache_off.conditional[0]),
        CACHE_ON: (cache_on.requests[0], cache_on.conditional[0]),
    }


def bench_api_requests(bench: Bench, settings: Settings, targets: Targets, one_process: dict):
    """Row 5; one_process: row 4's requests of one process, by cache setting.
    The settings it lacks (the shared cache) are run here."""
    n, fleet = settings.loop_connections, settings.fleet_size
    rotate_at = fleet // 2
    heading(5, "API requests by cache setting",
            "each cell: requests to the stand-in (conditional ones, answered 304 when "
            "unchanged); a fresh cache directory per cell; the first line's first two "
            "cells are row 4's")
    placeholder = f"heroku://{APP}"

    def loop_once(env):
        bench.run_timed(Variant("connect loop", connect_loop(n, placeholder), env))

    def pg_dump_parallel(env):
        # -j needs the directory format; -f must not exist yet.
        output = bench.fresh_dir("dump") / "out"
        bench.run_timed(Variant("pg_dump -j 8", [str(PG_DUMP), "-j", "8", "-Fd", "-f", str(output),
                                                 placeholder], env))

    def psql_fleet(env, rotate_after=None):
        for number in range(fleet):
            if number == rotate_after:
                bench.rotate()
            bench.run_timed(Variant("psql", psql_select_1(PSQL, placeholder), env))

    def psql_fleet_rotated(env):
        psql_fleet(env, rotate_after=rotate_at)

    one = f"1 process, {n:,} connections"
    dump = "pg_dump -j 8 -Fd (a leader, 8 workers)"
    fleet_plain = f"{fleet} psql processes in a row"
    fleet_rotated = f"{fleet} psql, credential rotated before #{rotate_at + 1}"
    scenarios = {one: loop_once, dump: pg_dump_parallel, fleet_plain: psql_fleet,
                 fleet_rotated: psql_fleet_rotated}
    settings_measured = (CACHE_OFF, CACHE_ON, SHARED_CACHE)
    counts = {(one, cache): requests for cache, requests in one_process.items()}
    for scenario, action in scenarios.items():
        for cache in settings_measured:
            if (scenario, cache) not in counts:
                counts[(scenario, cache)] = bench.requests_made(action, bench.shim_env(cache))

    width = max(map(len, scenarios))
    columns = [cache.name for cache in settings_measured]
    print(f"    {'':<{width}}  " + "  ".join(f"{name:>22}" for name in columns))
    for scenario in scenarios:
        cells = []
        for cache in settings_measured:
            total, conditional = counts[(scenario, cache)]
            cells.append(f"{total} ({conditional} cond.)" if conditional else str(total))
        print(f"    {scenario:<{width}}  " + "  ".join(f"{cell:>22}" for cell in cells))

    def total(scenario, cache):
        return counts[(scenario, cache)][0]

    targets.report(5, total(one, CACHE_ON) == 1 and total(fleet_plain, CACHE_ON) == fleet,
                   f"cache on: one request per process: {total(one, CACHE_ON)} for {n:,} "
                   f"connections, {total(fleet_plain, CACHE_ON)} for {fleet} processes")
    targets.report(5, total(fleet_plain, SHARED_CACHE) == 1
                   and total(fleet_rotated, SHARED_CACHE) == 2
                   and total(dump, SHARED_CACHE) == 1,
                   f"shared cache: one per fleet: {total(fleet_plain, SHARED_CACHE)} for "
                   f"{fleet} processes, {total(fleet_rotated, SHARED_CACHE)} with a rotation, "
                   f"{total(dump, SHARED_CACHE)} for pg_dump -j 8")


def find_heroku_cli() -> Path | None:
    if LOCAL_HEROKU_CLI.exists():
        return LOCAL_HEROKU_CLI
    found = shutil.which("heroku")
    return Path(found) if found else None


def bench_heroku_cli(bench: Bench, settings: Settings, targets: Targets, cli: Path | None):
    heading(6, "the Heroku CLI pattern vs. the shim, end to end",
            f"through /bin/sh, {PSQL_WRAPPER} as typed, {settings.cli_runs} alternating runs "
            "of each")
    if cli is None:
        install = f"npm install --prefix {BENCH_BUILD.relative_to(REPO_ROOT)} heroku"
        targets.skip(6, f"no Heroku CLI: `{install}` (or a global install) adds this row")
        return
    # The README's pattern, with `&&`: in `VAR=$(...) psql "$VAR"` the
    # shell expands "$VAR" before it assigns VAR, so psql would get "".
    pattern = (f'DATABASE_URL=$(heroku config:get DATABASE_URL -a {APP}) && '
               f'psql -X "$DATABASE_URL" -c "select 1"')
    cli_env = bench.plain_env(
        # The CLI finds itself on PATH (its update check spawns `heroku`).
        PATH=f"{cli.parent}:{PATH}",
        HOME=str(bench.private_dir("heroku-cli-home")),
        HEROKU_HOST=bench.api.url,
        HEROKU_API_KEY=bench.token,
        NODE_EXTRA_CA_CERTS=str(bench.ca_cert),
        # No telemetry, update check or autoupdate: each runs in a detached
        # process that would reach for the Internet and outlive the bench
        # (writing into the HOME it removed).  If anything, the CLI is faster.
        DISABLE_TELEMETRY="true",
        HEROKU_SKIP_ANALYTICS="1",
        HEROKU_SKIP_NEW_VERSION_CHECK="1",
        HEROKU_DISABLE_AUTOUPDATE="1",
    )
    cli_label = "heroku config:get, then psql"
    shim_label = f"psql heroku://{APP}, shim"
    try:
        samples = bench.measure(
            [
                Variant(cli_label, ["/bin/sh", "-c", pattern], cli_env),
                Variant(shim_label, ["/bin/sh", "-c", f'psql -X heroku://{APP} -c "select 1"'],
                        bench.shim_env()),
            ],
            settings.cli_runs,
            warmup=1,
        )
        # Proof that the CLI asked the stand-in, not api.heroku.com.
        expect_requests(samples, cli_label, 1)
    except BenchBroken as failure:
        targets.skip(6, f"the Heroku CLI at {cli} did not work against the stand-in: {failure}")
        return
    print(f"    $ {pattern}")
    print_table(samples, shim_label)
    speedup = ratio_of_medians(samples[cli_label].wall_ns, samples[shim_label].wall_ns)
    targets.report(6, speedup >= 10,
                   f"the shim is {speedup:.1f}x faster end to end (target >= 10x)")


# --- main --------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, under a minute")
    settings = QUICK if parser.parse_args().quick else FULL
    sys.stdout.reconfigure(line_buffering=True)
    for needed in (SHIM, CONNECT_LOOP_SOURCE):
        if not needed.exists():
            print(f"bench: {needed} not found: run make first", file=sys.stderr)
            return 1
    # `timeout`, a closed terminal or CI send SIGTERM: make it an exception
    # so that the clean-up runs, as it does for Ctrl-C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    began = time.monotonic()
    cli = find_heroku_cli()
    print(f"hpgshim bench ({'quick' if settings is QUICK else 'full'} run)")
    for line in describe_machine(cli):
        print(line)
    targets = Targets()
    secrets = []
    try:
        with running_stack(prefix="hpgshim-bench-") as stack:
            bench = Bench(stack)
            bench.create_app()
            secrets = bench.secrets
            print(f"services: PostgreSQL 15 on {bench.pg.host}:{bench.pg.port} (TLS only), "
                  f"Heroku API stand-in at {bench.api.url}")
            compile_c(CONNECT_LOOP, "-O2", "-Wall", "-Wextra", "-Werror",
                      *pkg_config_libpq("--cflags"), str(CONNECT_LOOP_SOURCE),
                      *pkg_config_libpq("--libs"))
            bench_idle_processes(bench, settings, targets)
            bench_pass_through(bench, settings, targets)
            bench_fresh_fetch(bench, settings, targets)
            one_process = bench_many_connections(bench, settings, targets)
            bench_api_requests(bench, settings, targets, one_process)
            bench_heroku_cli(bench, settings, targets, cli)
    except KeyboardInterrupt:
        print("bench: interrupted; everything it started is stopped", file=sys.stderr)
        return 130
    except (BenchBroken, AssertionError, OSError, RuntimeError,
            subprocess.CalledProcessError) as error:
        # AssertionError and RuntimeError come from the harness: a leaked
        # secret, a timeout, a server that would not start.
        print(f"bench: BROKEN, {scrub(str(error), secrets)}", file=sys.stderr)
        return 1

    print(f"\n== Targets ({time.monotonic() - began:.0f} s in all) ==")
    for line in targets.lines:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
