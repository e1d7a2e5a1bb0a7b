"""When the Heroku API falters, connections keep working (stale-if-error),
and the account's rate limit is protected (Retry-After, the RateLimit-Remaining
floor).  Against the real PostgreSQL and the API stand-in; requests are
counted in the stand-in, name lookups in the resolver spy."""

import json
import time

import pytest

from harness import API_TEST_NAME, Delivery, HerokuApiStandIn

APP_OK = "ok user=app_user db=app_db ssl=t"
OTHER_OK = "ok user=other_user db=other_db ssl=t"
PREFIX = 'failed: hpgshim: cannot get config var DATABASE_URL of Heroku app "demo-app": '
FELL_BACK = "falling back to the credential held for demo-app/DATABASE_URL, fetched "
CONNECT = "connectdb=heroku://demo-app"


def shared_cache(tmp_path):
    directory = tmp_path / "hpgshim-cache"
    directory.mkdir(mode=0o700)
    return directory


def connect_break_connect(run, entry_points, env, break_api, *more):
    """Connect, let break_api() break the API, connect again, in one process."""
    return run([str(entry_points), CONNECT, "wait", CONNECT, *more], env, on_pause=break_api)


# --- 1. stale-if-error: each transient fault, with a credential held in the process ---

def cut_off(api, cut_after):
    body = json.dumps(api.config_vars("demo-app")).encode()
    api.set_fault(status=200, body=body, how=Delivery(cut_after=cut_after))


TRANSIENT_FAULTS = {
    # a 5xx after its one more try: three requests in all
    "503": (lambda api: api.fail_with(503), 3, "the Heroku API failed (HTTP 503"),
    "429": (lambda api: api.fail_with(429), 2, "rate limit is spent (HTTP 429"),
    "timeout": (lambda api: api.set_fault(status=200, body=b"{}", delay=3), 2,
                "did not answer within 1.0 s"),
    # the connection reset as the answer starts, and a transfer broken mid-body
    "reset": (lambda api: cut_off(api, 0), 3, "cannot reach the Heroku API"),
    "broken transfer": (lambda api: cut_off(api, 20), 3, "cannot reach the Heroku API"),
}


@pytest.mark.platform_core
@pytest.mark.parametrize("fault", TRANSIENT_FAULTS)
def test_transient_fault_falls_back_to_the_credential_held(run, entry_points, shim_env, api,
                                                           fault):
    break_api, requests, why = TRANSIENT_FAULTS[fault]
    timeout = "1" if fault == "timeout" else None  # the answer comes 3 s late
    result = connect_break_connect(run, entry_points,
                                   shim_env(HPGSHIM_DEBUG="1", HPGSHIM_TIMEOUT=timeout),
                                   lambda: break_api(api))
    assert result.stdout.count(APP_OK) == 2, result.stdout + result.stderr
    assert api.count("demo-app") == requests
    [line] = [line for line in result.stderr.splitlines() if FELL_BACK in line]
    # it says that it fell back, how old the credential is, and why
    assert " s ago (HPGSHIM_STALE_IF_ERROR=86400), because " in line
    assert why in line, line


@pytest.mark.platform_core
def test_connection_refused_falls_back(run, entry_points, shim_env, pki, api_token, db):
    with HerokuApiStandIn(pki, api_token) as own:
        own.set_config_vars("demo-app", {"DATABASE_URL": db.app.url})
        # The first answer closes its connection, so that the next request
        # must connect anew: to a port nothing listens on any more.
        own.set_fault(status=200, body=json.dumps(own.config_vars("demo-app")),
                      headers={"Connection": "close"}, times=1)
        result = connect_break_connect(run, entry_points,
                                       shim_env(HEROKU_HOST=own.url, HPGSHIM_DEBUG="1"),
                                       own.stop)
    assert result.stdout.count(APP_OK) == 2, result.stdout + result.stderr
    assert FELL_BACK in result.stderr
    # libcurl's words for it: 7.74 and 7.88 "Couldn't connect", 8.14 "Could not connect"
    assert any(words in result.stderr for words in
               ("Connection refused", "Couldn't connect", "Could not connect")), result.stderr


def test_name_that_stops_resolving_falls_back(run, entry_points, shim_env, api, resolver_spy,
                                              tmp_path):
    """The spy maps a heroku.com name of the tests' own to the stand-in
    (libcurl answers "localhost" without asking the resolver), then breaks
    it.  libcurl keeps a resolved name for 60 s and its connection alive, so
    the lookup that fails is a new process's; here the credential is held in
    HPGSHIM_CACHE_DIR."""
    port = api.url.rsplit(":", 1)[1]
    resolver_spy.resolve(API_TEST_NAME, "127.0.0.1")
    env = resolver_spy.environment(shim_env(HEROKU_HOST=f"https://{API_TEST_NAME}:{port}",
                                            HPGSHIM_CACHE_DIR=shared_cache(tmp_path),
                                            HPGSHIM_DEBUG="1"))
    first = run([str(entry_points), CONNECT], env)
    assert APP_OK in first.stdout, first.stdout + first.stderr
    assert API_TEST_NAME in resolver_spy.names()

    resolver_spy.fail(API_TEST_NAME)
    second = run([str(entry_points), CONNECT, CONNECT], env)
    assert second.stdout.count(APP_OK) == 2, second.stdout + second.stderr
    assert api.count("demo-app") == 1  # the lookup failed: nothing reached the API since
    assert second.stderr.count(FELL_BACK) == 2
    assert "Could not resolve host" in second.stderr


def test_name_that_stops_resolving_in_the_process_falls_back(run, entry_points, shim_env, api,
                                                             resolver_spy, tmp_path):
    """The same, with the credential held in the process only: it came from
    the shared cache within HPGSHIM_CACHE_TTL (no request, no lookup), the
    TTL runs out and its file is gone; the process's first lookup fails."""
    port = api.url.rsplit(":", 1)[1]
    resolver_spy.resolve(API_TEST_NAME, "127.0.0.1")
    directory = shared_cache(tmp_path)
    env = shim_env(HEROKU_HOST=f"https://{API_TEST_NAME}:{port}", HPGSHIM_CACHE_DIR=directory,
                   HPGSHIM_CACHE_TTL="3", HPGSHIM_DEBUG="1")
    assert APP_OK in run([str(entry_points), CONNECT], resolver_spy.environment(env)).stdout

    def expire_and_break():
        time.sleep(3.2)  # past the TTL
        for path in directory.iterdir():
            path.unlink()  # held in the process alone now
        resolver_spy.fail(API_TEST_NAME)

    result = connect_break_connect(run, entry_points, resolver_spy.environment(env),
                                   expire_and_break)
    assert "from the shared cache" in result.stderr  # the first connect asked nothing
    assert result.stdout.count(APP_OK) == 2, result.stdout + result.stderr
    assert resolver_spy.names().count(API_TEST_NAME) == 2  # a failed lookup, one more try
    assert FELL_BACK in result.stderr and "Could not resolve host" in result.stderr
    assert api.count("demo-app") == 1


def test_held_in_the_cache_directory_serves_a_new_process(run, entry_points, shim_env, api,
                                                          tmp_path):
    env = shim_env(HPGSHIM_CACHE_DIR=shared_cache(tmp_path), HPGSHIM_DEBUG="1")
    assert APP_OK in run([str(entry_points), CONNECT], env).stdout
    api.fail_with(503)
    result = run([str(entry_points), CONNECT], env)
    assert APP_OK in result.stdout, result.stdout + result.stderr
    assert FELL_BACK in result.stderr and "HTTP 503" in result.stderr
    assert api.count("demo-app") == 3


def test_without_debug_only_the_warning(run, entry_points, shim_env, api):
    # Without HPGSHIM_DEBUG the fallback says one line (test_credential_source.py), no more.
    result = connect_break_connect(run, entry_points, shim_env(), lambda: api.fail_with(503))
    assert result.stdout.count(APP_OK) == 2
    assert result.stderr == ("hpgshim: warning: the Heroku API failed (HTTP 503); "
                             "heroku://demo-app connected with the credential fetched 0 s ago\n")


# --- answers, not faults: no fallback ---------------------------------------------

@pytest.mark.parametrize("status, words", [
    (401, "rejected the token (HTTP 401"),
    (404, 'app "demo-app" not found (HTTP 404'),
])
def test_answers_never_fall_back(run, entry_points, shim_env, api, status, words):
    result = connect_break_connect(run, entry_points, shim_env(HPGSHIM_DEBUG="1"),
                                   lambda: api.fail_with(status))
    lines = result.stdout.splitlines()
    assert APP_OK in lines[0]
    assert lines[2].startswith("connectdb: " + PREFIX) and words in lines[2], lines
    assert "falling back" not in result.stderr


def test_a_missing_config_var_never_falls_back(run, entry_points, shim_env, api):
    result = connect_break_connect(
        run, entry_points, shim_env(),
        lambda: api.set_config_var("demo-app", "DATABASE_URL", None))
    assert "the app has no config var DATABASE_URL" in result.stdout.splitlines()[2]


def test_a_certificate_from_the_wrong_ca_never_falls_back(run, entry_points, shim_env, api, pki,
                                                          tmp_path):
    directory = shared_cache(tmp_path)
    assert APP_OK in run([str(entry_points), CONNECT], shim_env(HPGSHIM_CACHE_DIR=directory)).stdout
    # Same API host, so the credential in the directory is held for it; but
    # this process trusts another CA: a certificate problem never falls back.
    result = run([str(entry_points), CONNECT],
                 shim_env(HPGSHIM_CACHE_DIR=directory, HPGSHIM_CAINFO=pki.other_ca_cert,
                          HPGSHIM_DEBUG="1"))
    assert result.stdout.startswith("connectdb: " + PREFIX + "cannot reach the Heroku API")
    assert "falling back" not in result.stderr
    assert api.count("demo-app") == 1  # refused in the handshake, before any request


def test_stale_if_error_zero_turns_the_fallback_off(run, entry_points, shim_env, api):
    result = connect_break_connect(run, entry_points, shim_env(HPGSHIM_STALE_IF_ERROR="0"),
                                   lambda: api.fail_with(503))
    lines = result.stdout.splitlines()
    assert APP_OK in lines[0]
    assert lines[2].startswith("connectdb: " + PREFIX + "the Heroku API failed (HTTP 503"), lines


def test_rotated_and_unreachable_names_both(run, entry_points, shim_env, api, db):
    """The password changed, then the API fails: the held credential is
    rejected, the fetch that follows fails, and the error says both."""
    def rotate_then_break():
        db.rotate("demo-app")
        api.fail_with(503)

    result = connect_break_connect(run, entry_points, shim_env(HPGSHIM_DEBUG="1"),
                                   rotate_then_break)
    line = result.stdout.splitlines()[2]
    assert line.startswith("connectdb: " + PREFIX + "the server rejected the credential ("), line
    assert 'password authentication failed for user "app_user"' in line
    assert "and fetching it again failed: the Heroku API failed (HTTP 503" in line
    assert FELL_BACK in result.stderr
    assert "retrying" not in result.stderr


def test_fallen_back_credential_rejected_then_fetched_again(run, entry_points, shim_env, api, db):
    """The API fails once after a rotation: the held credential is used and
    rejected, the usual path fetches again, gets the new one and retries."""
    def rotate_then_break_once():
        db.rotate("demo-app")
        api.fail_with(503, times=2)

    result = connect_break_connect(run, entry_points, shim_env(HPGSHIM_DEBUG="1"),
                                   rotate_then_break_once)
    assert result.stdout.count(APP_OK) == 2, result.stdout + result.stderr
    assert FELL_BACK in result.stderr
    assert result.stderr.count("retrying once: the server rejected the credential") == 1


# --- 2. Retry-After and the RateLimit-Remaining floor ---------------------------

def too_many_requests(api, retry_after, remaining="0", times=1):
    """The next answers: a 429 with Retry-After and (unless None) RateLimit-Remaining."""
    headers = {"Retry-After": str(retry_after), "Content-Type": "application/json"}
    if remaining is not None:
        headers["RateLimit-Remaining"] = remaining
    api.set_fault(status=429, times=times, headers=headers,
                  body=json.dumps({"id": "rate_limit",
                                   "message": "Your account reached the API rate limit"}))


def test_retry_after_without_a_credential_fails_fast(run, entry_points, shim_env, api):
    too_many_requests(api, 120)
    started = time.monotonic()
    result = run([str(entry_points), CONNECT, CONNECT, "connectdb=heroku://other-app"], shim_env())
    lines = result.stdout.splitlines()
    assert lines[0].startswith("connectdb: " + PREFIX + "the Heroku API rate limit is spent "
                               "(HTTP 429); it asks for no request for 120 s"), lines
    # the next connects send nothing to that API host, and say how long to wait
    assert "asked for no request for another 1" in lines[1], lines
    assert " s (HTTP 429 with Retry-After); try again then" in lines[1]
    assert "other-app" in lines[2] and "asked for no request for another" in lines[2]
    assert api.count() == 1
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("remaining", [None, "0"])
def test_retry_after_with_a_credential_held_in_one_process(run, entry_points, shim_env, api,
                                                           remaining):
    result = run([str(entry_points), CONNECT, "wait", CONNECT, CONNECT, CONNECT],
                 shim_env(HPGSHIM_DEBUG="1"),
                 on_pause=lambda: too_many_requests(api, 30, remaining=remaining))
    assert result.stdout.count(APP_OK) == 4, result.stdout + result.stderr
    assert api.count() == 2  # the first fetch and the 429; none after it
    if remaining is None:
        # Retry-After alone stops the requests: the held credential serves
        assert result.stderr.count(FELL_BACK) == 3
        assert "asked for no request for another" in result.stderr
    else:
        # and below the floor it is reused before the API is even considered
        assert result.stderr.count(FELL_BACK) == 1
        assert result.stderr.count("RateLimit-Remaining 0 is below") == 2


def test_retry_after_is_shared_through_the_cache_directory(run, entry_points, shim_env, api,
                                                          tmp_path):
    directory = shared_cache(tmp_path)
    env = shim_env(HPGSHIM_CACHE_DIR=directory, HPGSHIM_DEBUG="1")
    assert APP_OK in run([str(entry_points), CONNECT], env).stdout
    too_many_requests(api, 60)  # and RateLimit-Remaining 0
    results = [run([str(entry_points), CONNECT], env) for _ in range(3)]
    assert all(APP_OK in result.stdout for result in results)
    assert FELL_BACK in results[0].stderr  # the 429; the others ask nothing
    other = run([str(entry_points), "connectdb=heroku://other-app"], env)
    assert "asked for no request for another" in other.stdout  # nothing held: fails fast
    assert api.count() == 2
    budget = [path for path in directory.iterdir() if path.name.startswith("api-budget.")]
    assert len(budget) == 1 and budget[0].stat().st_mode & 0o777 == 0o600


def test_below_the_floor_held_credentials_are_reused(run, entry_points, shim_env, api, db):
    api.ratelimit_remaining = 100
    result = run([str(entry_points), CONNECT, CONNECT, CONNECT, "wait", CONNECT],
                 shim_env(HPGSHIM_DEBUG="1"), on_pause=lambda: db.rotate("demo-app"))
    assert result.stdout.count(APP_OK) == 4, result.stdout + result.stderr
    assert result.stderr.count("RateLimit-Remaining 100 is below HPGSHIM_RATELIMIT_FLOOR=450: "
                               "reusing the credential for demo-app/DATABASE_URL") == 3
    # one fetch for three connects; after the rotation the reused credential
    # is rejected and fetched again at once (plainly), then retried
    assert api.count() == 2
    assert api.requests[-1].headers.get("if-none-match") is None
    assert "retrying once: the server rejected the credential" in result.stderr


def test_the_floor_is_shared_through_the_cache_directory(run, entry_points, shim_env, api,
                                                        tmp_path):
    env = shim_env(HPGSHIM_CACHE_DIR=shared_cache(tmp_path))  # TTL 0: each would ask
    api.ratelimit_remaining = 4499
    for _ in range(2):
        assert APP_OK in run([str(entry_points), CONNECT], env).stdout
    assert api.count() == 2  # above the floor: every process asks (a 304)
    api.ratelimit_remaining = 449
    for _ in range(4):
        assert APP_OK in run([str(entry_points), CONNECT], env).stdout
    assert api.count() == 3  # the answer that went below, then none


def test_floor_zero_never_holds_back(run, entry_points, shim_env, api):
    api.ratelimit_remaining = 3
    result = run([str(entry_points), CONNECT, CONNECT, CONNECT],
                 shim_env(HPGSHIM_RATELIMIT_FLOOR="0"))
    assert result.stdout.count(APP_OK) == 3
    assert api.count() == 3


def test_retry_after_counts_for_an_hour_at_most(run, entry_points, shim_env, api):
    too_many_requests(api, 10 ** 7)
    result = run([str(entry_points), CONNECT], shim_env())
    assert "it asks for no request for 3600 s (Retry-After)" in result.stdout, result.stdout


def test_a_budget_file_asking_for_more_than_an_hour_is_ignored(run, entry_points, shim_env, api,
                                                               tmp_path):
    directory = shared_cache(tmp_path)
    env = shim_env(HPGSHIM_CACHE_DIR=directory)
    too_many_requests(api, 60, remaining=None)
    assert "it asks for no request for 60 s" in run([str(entry_points), CONNECT], env).stdout
    [budget] = directory.glob("api-budget.*.json")
    state = json.loads(budget.read_text())
    state["not_before"] += 10 * 86400  # damaged: no answer asks for that
    budget.write_text(json.dumps(state))
    assert APP_OK in run([str(entry_points), CONNECT], env).stdout
    assert api.count() == 2
