"""One retry when the credential was rotated; never more; none that cannot help.

Connection attempts are counted below the shim, in the server's own log
(log_connections), and API requests in the stand-in."""

import pytest

APP_OK = "ok user=app_user db=app_db ssl=t"


def connection_attempts(pg, user, since):
    """Connections the server authorised or refused for user after offset since."""
    log = pg.log_file.read_text()[since:]
    return sum(1 for line in log.splitlines()
               if "connection authorized: user=" + user in line
               or f'authentication failed for user "{user}"' in line)


def log_offset(pg):
    return len(pg.log_file.read_text())


@pytest.mark.platform_core
def test_rotated_password_is_retried_exactly_once(run, entry_points, shim_env, api, db, pg):
    old_vars = api.config_vars("demo-app")
    db.rotate("demo-app")                 # the server now wants the new password...
    api.serve_once("demo-app", old_vars)  # ...but the first fetch still sees the old one
    since = log_offset(pg)

    result = run([str(entry_points), "connectdb=heroku://demo-app"], shim_env(HPGSHIM_DEBUG="1"))

    assert APP_OK in result.stdout, result.stdout + result.stderr
    assert api.count("demo-app") == 2
    assert result.stderr.count("hpgshim: retrying once: the server rejected the credential") == 1
    assert connection_attempts(pg, "app_user", since) == 2


@pytest.mark.platform_core
def test_next_connection_picks_up_a_rotation(run, entry_points, shim_env, api, db):
    result = run([str(entry_points), "connectdb=heroku://demo-app", "wait",
                  "connectdb=heroku://demo-app"], shim_env(),
                 on_pause=lambda: db.rotate("demo-app"))
    assert result.stdout.count(APP_OK) == 2
    assert api.count("demo-app") == 2


def test_password_that_stays_wrong_is_tried_twice_then_fails(
        run, entry_points, shim_env, api, db, pg, secrets):
    wrong = db.app.url.replace("p%40ss", "wrong")
    api.set_config_var("demo-app", "DATABASE_URL", wrong)
    since = log_offset(pg)

    result = run([str(entry_points), "connectdb=heroku://demo-app"],
                 shim_env(HPGSHIM_DEBUG="1", HPGSHIM_ROTATION_WAIT="0"))

    assert 'failed: connection to server at "127.0.0.1"' in result.stdout
    assert 'password authentication failed for user "app_user"' in result.stdout
    assert api.count("demo-app") == 2
    assert result.stderr.count("retrying once") == 1
    assert connection_attempts(pg, "app_user", since) == 2


def test_failover_to_a_new_host_is_retried(run, entry_points, shim_env, api, db, closed_port):
    # The first answer names a host that is gone; the config var already
    # holds the new one: retry once because the credential changed.
    moved = dict(api.config_vars("demo-app"))
    moved["DATABASE_URL"] = db.app.url.replace(f":{db.app.pg.port}/", f":{closed_port}/")
    api.serve_once("demo-app", moved)

    result = run([str(entry_points), "connectdb=heroku://demo-app"], shim_env(HPGSHIM_DEBUG="1"))

    assert APP_OK in result.stdout, result.stdout + result.stderr
    assert "retrying once: the config var now holds a different credential" in result.stderr
    assert api.count("demo-app") == 2


def test_no_retry_when_a_new_credential_cannot_help(run, entry_points, shim_env, api, db, closed_port):
    api.set_config_var("demo-app", "DATABASE_URL",
                       db.app.url.replace(f":{db.app.pg.port}/", f":{closed_port}/"))

    result = run([str(entry_points), "connectdb=heroku://demo-app"], shim_env(HPGSHIM_DEBUG="1"))

    assert "Connection refused" in result.stdout
    assert "retrying" not in result.stderr
    assert "no retry: the config var holds the same credential" in result.stderr
    assert api.count("demo-app") == 2  # the check, but no second connection


def test_async_failure_marks_the_credential_stale(run, entry_points, shim_env, api, db):
    """With a cache, a rotated credential fails an asynchronous connect
    (PQconnectStart + the program's own PQconnectPoll loop cannot be retried
    in place); the failure marks it stale, so the next connect fetches fresh
    instead of reusing the cached, rejected one."""
    steps = ["connect_start=heroku://demo-app", "wait",
             "connect_start=heroku://demo-app", "connect_start=heroku://demo-app"]
    result = run([str(entry_points), *steps], shim_env(HPGSHIM_CACHE_TTL="600", HPGSHIM_DEBUG="1"),
                 on_pause=lambda: db.rotate("demo-app"))
    lines = result.stdout.splitlines()
    assert APP_OK in lines[0]
    assert "connect_start: failed:" in lines[2] and "password authentication failed" in lines[2]
    assert APP_OK in lines[3], result.stdout
    assert ("a connection attempt the program drives failed: the server rejected the "
            "credential") in result.stderr
    assert "the server rejected the credential for demo-app/DATABASE_URL: forgotten" \
        in result.stderr
    assert api.count("demo-app") == 2  # the cached one, then one fresh fetch


def test_cache_serves_within_its_ttl(run, entry_points, shim_env, api):
    env = shim_env(HPGSHIM_CACHE_TTL="600")
    result = run([str(entry_points), *["connectdb=heroku://demo-app"] * 3], env)
    assert result.stdout.count(APP_OK) == 3
    assert api.count("demo-app") == 1


def test_without_a_cache_every_connect_asks(run, entry_points, shim_env, api):
    result = run([str(entry_points), *["connectdb=heroku://demo-app"] * 3], shim_env())
    assert result.stdout.count(APP_OK) == 3
    assert api.count("demo-app") == 3


def test_rotation_window_is_waited_out(run, entry_points, shim_env, api, db, pg):
    """Heroku changed the password; the config var follows 1.5 s later. The
    shim polls the API until it changes, then retries once."""
    old_url = db.app.url
    db.rotate("demo-app")
    api.delay_serving_old("demo-app", "DATABASE_URL", old_url, seconds=1.5)
    since = log_offset(pg)

    result = run([str(entry_points), "connectdb=heroku://demo-app"],
                 shim_env(HPGSHIM_DEBUG="1", HPGSHIM_ROTATION_WAIT="10"))

    assert APP_OK in result.stdout, result.stdout + result.stderr
    assert "waiting up to 10 s for it to change" in result.stderr
    assert "the config var holds a new credential" in result.stderr
    assert result.stderr.count("retrying once") == 1
    assert connection_attempts(pg, "app_user", since) == 2
    assert api.count("demo-app") >= 3  # the first fetch, the check, at least one poll


def test_rotation_wait_gives_up_when_the_credential_stays(run, entry_points, shim_env, api, db, pg):
    api.set_config_var("demo-app", "DATABASE_URL", db.app.url.replace("p%40ss", "wrong"))
    since = log_offset(pg)

    result = run([str(entry_points), "connectdb=heroku://demo-app"],
                 shim_env(HPGSHIM_DEBUG="1", HPGSHIM_ROTATION_WAIT="2"))

    assert 'password authentication failed for user "app_user"' in result.stdout
    assert "the credential did not change within 2 s" in result.stderr
    assert connection_attempts(pg, "app_user", since) == 2  # still exactly one retry
    # polls at 0.25 s, 0.5 s, 1 s and 2 s at most: bounded, not a busy loop
    assert 3 <= api.count("demo-app") <= 6
