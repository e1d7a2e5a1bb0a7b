"""Allocation-failure torture, as curl's test suite runs it: the whole
placeholder path with its Nth allocation failing, for N = 1, 2, 3, ... until
a run completes with no failure injected (tests/clients/alloc_torture.c).

Every allocation of the shim's own code, of cJSON and of libcurl is counted
and can fail; libpq's, OpenSSL's and glibc's own are out of scope.  Each run
is a fresh child process against the real PostgreSQL and API stand-in, built
with ASan and UBSan, and LeakSanitizer checks it after its last PQfinish.
Each connect must end in a connection or a failed PGconn with a message."""

import json
import os
import re
import time

from harness import sanitizers

APP = "demo-app"

# How long the whole torture may take: it must fit in CI.
TIME_BOUND_SECONDS = 1200


def test_every_allocation_failure_ends_in_a_connection_or_an_error(
        run, plain_env, repo_root, api, api_token, pki, db, tmp_path):
    torture = repo_root / "build" / "asan" / "alloc_torture"
    assert torture.exists(), f"{torture} not found: run make integration"

    # A credential held in the shared cache whose password the server
    # rejects, with the API's current ETag: the first connect gets a 304 for
    # it, is rejected, fetches afresh and retries.
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({
        "version": 1, "fetched": int(time.time()),
        "host": db.app.pg.host, "port": str(db.app.pg.port), "user": db.app.user,
        "password": "not-the-password", "dbname": db.app.dbname,
        "etag": api.etag(APP),
    }))
    cache_base = tmp_path / "caches"
    cache_base.mkdir(mode=0o700)
    reports = tmp_path / "asan"
    env = plain_env(
        HEROKU_HOST=api.url, HEROKU_API_KEY=api_token, HPGSHIM_CAINFO=pki.ca_cert,
        HPGSHIM_ROTATION_WAIT="1",
        ASAN_OPTIONS=f"detect_leaks=1:abort_on_error=1:log_path={reports}",
        UBSAN_OPTIONS=f"print_stacktrace=1:abort_on_error=1:log_path={reports}",
    )
    started = time.monotonic()
    # ALLOC_TORTURE_RANGE="FIRST LAST" reruns only those N (say, one that failed).
    only = os.environ.get("ALLOC_TORTURE_RANGE", "").split()
    result = run([str(torture), APP, db.app.user, str(seed), str(cache_base), *only], env,
                 timeout=TIME_BOUND_SECONDS)
    elapsed = time.monotonic() - started
    report_text = "".join(p.read_text(errors="replace") for p in tmp_path.glob("asan*"))

    bad = [line for line in result.stdout.splitlines() if line.startswith("N=")]
    assert not bad and result.returncode == 0, "\n".join(bad[:50]) + "\n" + report_text[:20000]

    # Each failed connect said why.  Without an injected failure every step
    # connects, so the shim's message must say that memory ran out (it may
    # come as libpq's "invalid connection option" naming it, when even the
    # registry that holds it had none); or it is libpq's own for the
    # credential the server rejected, when the retry could not be prepared.
    messages = {}
    for n, step, message in re.findall(r"^error (\d+) (\S+): (.*)$", result.stdout, re.MULTILINE):
        messages.setdefault(re.sub(r"\d+", "#", message), (int(n), step))
    unclear = {m: where for m, where in messages.items()
               if not ("hpgshim: " in m and "out of memory" in m)
               and 'password authentication failed for user "app_user"' not in m}
    assert not unclear, "\n".join(f"N={n} {step}: {m}" for m, (n, step) in unclear.items())
    if only:
        print(result.stdout)
        return
    summary = re.search(r"^alloc_torture: allocation points (\d+) \(shim (\d+), cJSON (\d+), "
                        r"libcurl (\d+)\)$", result.stdout, re.MULTILINE)
    assert summary, result.stdout[-2000:]
    points = int(summary[1])
    runs = {int(n): (int(c), int(e)) for n, c, e in
            re.findall(r"^run (\d+): connections (\d+) errors (\d+) ", result.stdout, re.MULTILINE)}
    # Every N from 1 to one past the last allocation ran to its end.
    assert set(range(1, points + 2)) <= set(runs), sorted(set(range(1, points + 2)) - set(runs))
    print("\n".join(f"  N={n} {step}: {m}" for m, (n, step) in sorted(messages.items())))
    print(f"{summary[0]}; {len(runs)} runs in {elapsed:.0f} s; "
          f"connections {sum(c for c, _ in runs.values())}, "
          f"errors {sum(e for _, e in runs.values())}")
    # Every kind of allocation was reached.
    assert all(int(summary[i]) > 0 for i in (2, 3, 4)), summary[0]
