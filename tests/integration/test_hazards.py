"""Threads, fork() and constructors: the shim lives inside programs it does
not control, and must stay correct however they use libpq.

The clients are small C programs (tests/clients/) built the same way as the
library under test: under `make check-tsan` the thread storm and the library
are both built with ThreadSanitizer, and any report it makes fails the test
(see harness/sanitizers.py)."""

import json

import pytest

from harness import HerokuApiStandIn
from harness.sanitizers import client_program

PLACEHOLDER = "heroku://demo-app"

# 32 threads at once stay well below the test server's max_connections
# (200); 50 connections each make the storm last long enough for every
# thread to overlap every other.
STORM_THREADS = 32
STORM_CONNECTIONS_PER_THREAD = 50

# Without the shim's atfork handlers, a child hangs on a lock the refusing
# thread held about once in ten forks; a hundred make a miss unlikely.
FORKS = 100


@pytest.fixture
def client(shim_path):
    """client(name) -> the path of a test client built like the library."""
    return lambda name: str(client_program(shim_path, name))


def test_thread_storm(run, client, shim_env, db):
    result = run([client("thread_storm"), PLACEHOLDER, str(STORM_THREADS),
                  str(STORM_CONNECTIONS_PER_THREAD), db.app.user],
                 shim_env(), timeout=600)
    total = STORM_THREADS * STORM_CONNECTIONS_PER_THREAD
    assert result.stdout.splitlines()[-1:] == [f"thread_storm: {total} of {total} connections ok"], \
        result.stdout + result.stderr
    assert result.returncode == 0


# Long enough that every thread of the storm reaches the shim while the
# first request is still unanswered, even under a sanitizer on a busy machine.
SLOW_ANSWER_SECONDS = 2


def test_threads_starting_together_make_one_request(run, client, shim_env, api, db):
    # 32 threads released by one barrier all ask for demo-app's credential
    # while the API takes its time: they share the first thread's request
    # (single_flight).  Without it, each would make its own.
    api.set_fault("demo-app", status=200, body=json.dumps(api.config_vars("demo-app")),
                  headers={"Content-Type": "application/json"}, delay=SLOW_ANSWER_SECONDS)
    result = run([client("thread_storm"), PLACEHOLDER, str(STORM_THREADS), "1", db.app.user],
                 shim_env(), timeout=120)
    assert result.stdout.splitlines()[-1:] == [
        f"thread_storm: {STORM_THREADS} of {STORM_THREADS} connections ok"
    ], result.stdout + result.stderr
    assert api.count("demo-app") == 1


@pytest.fixture
def plain_http_api(pki, api_token, db, closed_port):
    """An API stand-in also reachable over plain http, serving demo-app and
    unreachable-app, whose database is a closed port.

    The busy threads of the fork test must stay out of TLS and GSSAPI: a
    child inherits the locks of OpenSSL 3 and libgssapi_krb5 as they were
    at fork(), and children did hang on them (about once in 1700 forks).
    Only the shim's own locks are its to make fork-safe."""
    with HerokuApiStandIn(pki, api_token, plain_http=True) as stand_in:
        stand_in.set_config_var("demo-app", "DATABASE_URL", db.app.url)
        stand_in.set_config_var("unreachable-app", "DATABASE_URL",
                                f"postgres://nobody:unused@127.0.0.1:{closed_port}/nothing")
        yield stand_in


@pytest.mark.parametrize("cache_ttl", ["0", "3600"], ids=["every-connect-asks-the-api",
                                                          "credential-cached"])
def test_fork_while_other_threads_connect(run, client, shim_env, db, plain_http_api,
                                          cache_ttl):
    # With a cache, the children find the credential the parent fetched
    # (its lock held across fork by the atfork handlers); without one, each
    # child makes its own API request with libcurl, after the fork.
    env = shim_env(HEROKU_HOST=plain_http_api.plain_url, HPGSHIM_CACHE_TTL=cache_ttl)
    result = run([client("fork_while_connecting"), PLACEHOLDER, db.app.user,
                  "heroku://unreachable-app", str(FORKS)], env, timeout=120)
    assert result.stdout.splitlines()[-1:] == [
        f"fork_while_connecting: {FORKS} of {FORKS} children ok, parent ok after the forks"
    ], result.stdout + result.stderr
    assert result.returncode == 0


def test_first_call_from_a_library_constructor(run, client, shim_env, plain_env, db, api):
    # The library's constructor connects before main(), while the dynamic
    # loader is still running constructors.
    result = run([client("constructor_host")], shim_env())
    assert result.stdout.splitlines() == [
        f"constructor: ok user={db.app.user}",
        f"main: ok user={db.app.user}",
    ], result.stdout + result.stderr
    assert api.count("demo-app") == 2

    # The control: without the shim, the constructor's connection fails,
    # so the check above can fail too.
    result = run([client("constructor_host")], plain_env())
    assert result.stdout.startswith("constructor: failed: "), result.stdout
