"""Reconnecting after a rotation: PQreset and friends, and psql's \\c.

A reset reconnects with the credential the connection holds; after a
rotation it cannot succeed, so it marks the credential stale and the next
connect fetches afresh.  psql's \\c without arguments reconnects with the
values it reads back from the old connection; the shim recognises them as a
target it resolved and gives the reconnect a fresh credential."""

import pytest

APP_OK = "ok user=app_user db=app_db ssl=t"


def test_reset_reuses_a_current_credential(run, entry_points, shim_env, api):
    result = run([str(entry_points), "hold=heroku://demo-app", "terminate", "reset", "terminate",
                  "reset_start"], shim_env())
    lines = result.stdout.splitlines()
    assert lines[2] == "reset: " + APP_OK + " app=" and lines[4] == "reset_start: " + APP_OK + " app="
    assert api.count() == 1  # a reset asks the API nothing


@pytest.mark.parametrize("reset", ["reset", "reset_start"])
def test_reset_after_a_rotation_marks_the_credential_stale(run, entry_points, shim_env, api, db, reset):
    # With a cache, the next connect would reuse the credential: the failed
    # reset must have marked it stale for that connect to fetch afresh.
    steps = ["hold=heroku://demo-app", "wait", "terminate", reset, "connectdb=heroku://demo-app"]
    result = run([str(entry_points), *steps], shim_env(HPGSHIM_CACHE_TTL="600", HPGSHIM_DEBUG="1"),
                 on_pause=lambda: db.rotate("demo-app"))
    lines = result.stdout.splitlines()
    assert lines[3].startswith(reset + ": failed:") and "password authentication failed" in lines[3]
    assert "a connection attempt the program drives failed; its credential is marked stale" \
        in result.stderr
    assert lines[4] == "connectdb: " + APP_OK + " app="
    assert api.count("demo-app") == 2


PSQL = "/usr/bin/psql"  # Debian's wrapper, as users run it
PSQL_ARGS = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
WHO = "select current_user || '@' || current_database();\n"


def test_psql_backslash_c_to_another_app(run, shim_env):
    result = run([PSQL, *PSQL_ARGS, "heroku://demo-app"], shim_env(),
                 input=WHO + "\\c heroku://other-app\n" + WHO)
    assert result.stdout.split() == ["app_user@app_db", "other_user@other_db"], result.stderr


def test_psql_backslash_c_without_arguments_after_a_rotation(run, shim_env, api, db):
    """\\c reuses the old connection's host, port, user, password and dbname;
    after a rotation that password is wrong, and the shim supplies the new."""
    def rotate_then_reconnect():
        db.rotate("demo-app")
        return "\\c\n" + WHO

    result = run([PSQL, *PSQL_ARGS, "heroku://demo-app"], shim_env(HPGSHIM_DEBUG="1"),
                 input=WHO + "\\echo waiting\n", on_pause=rotate_then_reconnect)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["app_user@app_db", "waiting", "app_user@app_db"]
    assert api.count("demo-app") == 2  # the \\c fetched the new credential
    # without the shim's recognition, psql would have sent the old password
    assert "password authentication failed" not in result.stderr


def test_an_ordinary_connection_to_another_server_is_untouched(run, entry_points, shim_env, db, api):
    # Once the process resolved a placeholder, other targets still pass through.
    other = db.other.url + "?sslmode=require"
    result = run([str(entry_points), "connectdb=heroku://demo-app", "connectdb=" + other],
                 shim_env())
    assert "ok user=other_user db=other_db" in result.stdout.splitlines()[1]
    assert api.count() == 1
