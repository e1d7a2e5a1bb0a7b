"""Where a credential comes from (shim/credential_source.c), as programs see
it: only a rejected credential is forgotten; an authoritative answer of the
API ends the held credential; a fallback is never silent; one deadline bounds
the whole connect.  Against the real PostgreSQL and the API stand-in;
requests are counted in the stand-in."""

import json
import time

import pytest

APP_OK = "ok user=app_user db=app_db ssl=t"
OTHER_OK = "ok user=other_user db=other_db ssl=t"
CONNECT = "connectdb=heroku://demo-app"
WARNING = "hpgshim: warning: "
TOO_MANY = 'too many connections for role "app_user"'


def shared_cache(tmp_path):
    directory = tmp_path / "hpgshim-cache"
    directory.mkdir(mode=0o700)
    return directory


def credential_files(directory):
    return [path for path in directory.glob("demo-app.DATABASE_URL.*.json")]


@pytest.fixture
def role_refused(pg):
    """refuse(role): the server refuses the role whatever its credential
    (CONNECTION LIMIT 0: 'too many connections for role'), until the test ends."""
    refused = []

    def refuse(role):
        pg.admin(f'alter role "{role}" connection limit 0;')
        refused.append(role)

    yield refuse
    for role in refused:
        pg.admin(f'alter role "{role}" connection limit -1;')


# --- 2. only a rejected credential is forgotten ---

def test_a_refused_role_costs_no_request_while_the_ttl_holds(run, entry_points, shim_env, api,
                                                             tmp_path, role_refused):
    directory = shared_cache(tmp_path)
    env = shim_env(HPGSHIM_CACHE_DIR=directory, HPGSHIM_CACHE_TTL="600", HPGSHIM_DEBUG="1")
    assert APP_OK in run([str(entry_points), CONNECT], env).stdout
    assert api.count("demo-app") == 1
    role_refused("app_user")

    started = time.monotonic()
    for _ in range(3):
        result = run([str(entry_points), CONNECT], env)
        assert TOO_MANY in result.stdout, result.stdout + result.stderr
        assert "waiting up to" not in result.stderr  # no rotation wait
    assert time.monotonic() - started < 10
    assert api.count("demo-app") == 1  # none while the TTL holds
    assert len(credential_files(directory)) == 1  # still held for the next process


def test_a_refused_role_costs_only_conditional_requests(run, entry_points, shim_env, api,
                                                        tmp_path, role_refused):
    directory = shared_cache(tmp_path)
    env = shim_env(HPGSHIM_CACHE_DIR=directory, HPGSHIM_DEBUG="1")
    assert APP_OK in run([str(entry_points), CONNECT], env).stdout
    role_refused("app_user")

    started = time.monotonic()
    results = [run([str(entry_points), CONNECT], env) for _ in range(4)]
    for result in results:
        assert TOO_MANY in result.stdout, result.stdout + result.stderr
        assert "waiting up to" not in result.stderr
    assert time.monotonic() - started < 10
    later = api.requests[1:]
    assert later and all(request.headers.get("if-none-match") for request in later)
    # each connect asks once (a 304); the recheck after the failure at most
    # once in a few seconds for the whole machine (the cache directory)
    assert 4 <= len(later) <= 4 + 2, [request.path for request in later]
    assert len(credential_files(directory)) == 1


def test_a_refused_role_then_an_api_incident_falls_back(run, entry_points, shim_env, api,
                                                        tmp_path, role_refused, pg):
    directory = shared_cache(tmp_path)
    env = shim_env(HPGSHIM_CACHE_DIR=directory)
    assert APP_OK in run([str(entry_points), CONNECT], env).stdout
    role_refused("app_user")
    assert TOO_MANY in run([str(entry_points), CONNECT], env).stdout
    pg.admin('alter role "app_user" connection limit -1;')  # lifted
    api.fail_with(503)
    result = run([str(entry_points), CONNECT], env)
    assert APP_OK in result.stdout, result.stdout + result.stderr
    assert "hpgshim: warning: the Heroku API failed (HTTP 503); heroku://demo-app connected " \
           "with the credential fetched " in result.stderr


# --- 3. an authoritative answer ends the held credential ---

def say_no(api, db, answer):
    if answer == "404":
        api.fail_with(404, times=1)
    elif answer == "401":
        api.fail_with(401, times=1)
    elif answer == "403":
        api.fail_with(403, times=1)
    elif answer == "missing config var":
        api.set_config_var("demo-app", "DATABASE_URL", None)
    elif answer == "not a postgres URL":
        api.set_config_var("demo-app", "DATABASE_URL", "mysql://u:p@h/d")


NO_WORDS = {
    "404": "HTTP 404",
    "401": "HTTP 401",
    "403": "HTTP 403",
    "missing config var": "no config var DATABASE_URL",
    "not a postgres URL": "config var DATABASE_URL",
}


@pytest.mark.parametrize("answer", NO_WORDS)
def test_an_authoritative_answer_then_503_does_not_fall_back(run, entry_points, shim_env, api,
                                                            db, tmp_path, answer):
    directory = shared_cache(tmp_path)
    env = shim_env(HPGSHIM_CACHE_DIR=directory)
    result = run([str(entry_points), CONNECT, "wait", CONNECT], env,
                 on_pause=lambda: say_no(api, db, answer))
    lines = result.stdout.splitlines()
    assert APP_OK in lines[0]
    assert "failed: " in lines[2] and NO_WORDS[answer] in lines[2], lines
    assert not credential_files(directory)  # forgotten for every process
    api.fail_with(503)
    result = run([str(entry_points), CONNECT, CONNECT], env)
    assert APP_OK not in result.stdout, result.stdout
    assert result.stdout.count("HTTP 503") == 2
    assert WARNING not in result.stderr


def test_an_authoritative_answer_in_the_process_ends_its_credential(run, entry_points, shim_env,
                                                                    api):
    def gone_then_down():
        api.fail_with(404, times=1)
        api.fail_with(503)

    result = run([str(entry_points), CONNECT, "wait", CONNECT, CONNECT], shim_env(),
                 on_pause=gone_then_down)
    lines = result.stdout.splitlines()
    assert APP_OK in lines[0]
    assert "HTTP 404" in lines[2], lines
    assert "HTTP 503" in lines[3] and APP_OK not in lines[3], lines


# --- 4. a fallback is never silent ---

def test_the_fallback_warns_once_per_process(run, entry_points, shim_env, api):
    result = run([str(entry_points), CONNECT, "wait", CONNECT, CONNECT], shim_env(),
                 on_pause=lambda: api.fail_with(503))
    assert result.stdout.count(APP_OK) == 3, result.stdout + result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith(WARNING)]
    assert warnings == ["hpgshim: warning: the Heroku API failed (HTTP 503); heroku://demo-app "
                        "connected with the credential fetched 0 s ago"], result.stderr


def test_the_fallback_warning_says_how_old(run, entry_points, shim_env, api, db, tmp_path):
    directory = shared_cache(tmp_path)
    seed = {"version": 1, "fetched": int(time.time()) - 7500, "host": db.app.pg.host,
            "port": str(db.app.pg.port), "user": db.app.user, "password": db.app.password,
            "dbname": db.app.dbname}
    key = run([str(entry_points), CONNECT], shim_env(HPGSHIM_CACHE_DIR=directory))
    assert APP_OK in key.stdout
    [path] = credential_files(directory)
    path.write_text(json.dumps(seed))
    api.fail_with(503)
    result = run([str(entry_points), CONNECT], shim_env(HPGSHIM_CACHE_DIR=directory))
    assert APP_OK in result.stdout, result.stdout + result.stderr
    assert "heroku://demo-app connected with the credential fetched 2 h 5 min ago" \
        in result.stderr


def test_no_warning_when_nothing_fell_back(run, entry_points, shim_env, api, db):
    result = run([str(entry_points), CONNECT, "wait", CONNECT, "connectdb=heroku://other-app"],
                 shim_env(), on_pause=lambda: db.rotate("demo-app"))
    assert result.stdout.count("ok user=") == 3, result.stdout + result.stderr
    assert WARNING not in result.stderr


def test_stale_if_error_zero_neither_falls_back_nor_warns(run, entry_points, shim_env, api):
    result = run([str(entry_points), CONNECT, "wait", CONNECT],
                 shim_env(HPGSHIM_STALE_IF_ERROR="0"), on_pause=lambda: api.fail_with(503))
    assert result.stdout.count(APP_OK) == 1
    assert WARNING not in result.stderr


# --- rotations and pg:promote ---

def test_pg_promote_is_noticed_by_a_failing_connect(run, entry_points, shim_env, api, db,
                                                    role_refused):
    # The first answer still names the old database (the config var's change
    # had not reached every API server); the old one refuses the role; the
    # config var names the promoted one.
    old_vars = api.config_vars("demo-app")
    api.set_config_var("demo-app", "DATABASE_URL", db.other.url)
    api.serve_once("demo-app", old_vars)
    role_refused("app_user")
    result = run([str(entry_points), CONNECT], shim_env(HPGSHIM_DEBUG="1"))
    assert OTHER_OK in result.stdout, result.stdout + result.stderr
    assert api.count("demo-app") == 2
    assert "retrying once: the config var now holds a different credential" in result.stderr
    assert "waiting up to" not in result.stderr


# --- 5. one deadline ---

@pytest.mark.parametrize("how", ["PGCONNECT_TIMEOUT", "connect_timeout"])
def test_the_connections_timeout_bounds_a_stalled_api(run, entry_points, shim_env, api, how):
    api.set_fault(status=200, body=b"{}", delay=20)  # the API stalls
    if how == "PGCONNECT_TIMEOUT":
        command, env = [str(entry_points), CONNECT], shim_env(PGCONNECT_TIMEOUT="3")
    else:
        command = [str(entry_points), "connectdb=heroku://demo-app connect_timeout=3"]
        env = shim_env()
    started = time.monotonic()
    result = run(command, env)
    took = time.monotonic() - started
    assert "failed: " in result.stdout
    assert f"the connection's {how}=3 ran out while waiting for the Heroku API" in result.stdout, \
        result.stdout
    assert took < 6, took


def test_one_deadline_bounds_the_rotation_wait(run, entry_points, shim_env, api, db):
    api.set_config_var("demo-app", "DATABASE_URL", db.app.url.replace("p%40ss", "wrong"))
    started = time.monotonic()
    result = run([str(entry_points), CONNECT],
                 shim_env(HPGSHIM_TIMEOUT="3", HPGSHIM_ROTATION_WAIT="20", HPGSHIM_DEBUG="1"))
    took = time.monotonic() - started
    assert 'password authentication failed for user "app_user"' in result.stdout
    # the wait ends in time for the one retry, which still happens
    assert "the credential did not change within the call's time (HPGSHIM_TIMEOUT=3)" \
        in result.stderr, result.stderr
    assert result.stderr.count("retrying once") == 1
    assert took < 6, took
