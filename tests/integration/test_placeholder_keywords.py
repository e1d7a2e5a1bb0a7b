"""A placeholder followed by whitespace and keyword=value pairs means the
placeholder plus those keywords (issue 8, point 3).

GDAL hands libpq whatever follows "PG:" with " application_name='GDAL x.y'"
appended, so `ogrinfo PG:heroku://my-app` gives libpq
"heroku://my-app application_name='GDAL 3.6.2'".
"""

import re

import pytest

from test_client_matrix import (
    PYTHON, PYTHON_DRIVER, RUBY, RUBY_DRIVER, SESSION_QUERY, session_line,
)  # fmt: skip

OGRINFO = "/usr/bin/ogrinfo"
TARGET = "heroku://demo-app connect_timeout=10 application_name='GDAL 3.6.2'"
OK = "ok user=app_user db=app_db ssl=t app="


@pytest.mark.parametrize("step, app", [
    (f"connectdb={TARGET}", "GDAL 3.6.2"),
    (f"connect_start={TARGET}", "GDAL 3.6.2"),
    # PQconnectdbParams expands such a dbname as libpq would; the client's
    # own application_name comes later in its arrays, and wins.
    (f"connectdb_params={TARGET}", "entry_points"),
    # PQconninfoParse's answer, handed back to libpq.
    (f"conninfo_parse={TARGET}", "GDAL 3.6.2"),
    # The placeholder's own query and the pairs after it together.
    ("connectdb=heroku://demo-app?application_name=query  options='-c work_mem=8MB'", "query"),
], ids=["connectdb", "connect_start", "connectdb_params", "conninfo_parse", "query-and-pairs"])
def test_entry_point_with_keywords_after_the_placeholder(step, app, run, entry_points, shim_env,
                                                         api):
    result = run([str(entry_points), step], shim_env())
    name = step.partition("=")[0]
    assert result.stdout == f"{name}: {OK}{app}\n", result.stdout + result.stderr
    assert api.count() == 1


@pytest.mark.parametrize("command", [
    [PYTHON, "-c", PYTHON_DRIVER, "psycopg2"],
    [PYTHON, "-c", PYTHON_DRIVER, "psycopg"],
    [RUBY, "-e", RUBY_DRIVER, "--"],
], ids=["psycopg2", "psycopg", "ruby-pg"])
def test_driver_with_keywords_after_the_placeholder(command, run, shim_env):
    """Drivers that check the string with PQconninfoParse first, and
    connect with it or with the answer."""
    step = "dsn=heroku://demo-app application_name='after the placeholder'"
    result = run([*command, SESSION_QUERY, step], shim_env())
    assert result.stdout.splitlines() == [session_line("app_user", "after the placeholder")], \
        result.stdout + result.stderr


def test_ping_with_keywords_after_the_placeholder(run, entry_points, shim_env):
    result = run([str(entry_points), f"ping={TARGET}"], shim_env())
    assert result.stdout == "ping: ping=PQPING_OK\n", result.stdout + result.stderr


@pytest.mark.parametrize("target, words", [
    # Not keyword=value pairs: the whole text is one placeholder, refused.
    ("heroku://demo-app application_name", '"demo-app application_name" is not a Heroku app'),
    ("heroku://demo-app application_name='GDAL", "is not a Heroku app name"),
    # A pair libpq does not know.
    ("heroku://demo-app no_such_keyword=1", "is not a Heroku app name"),
])
def test_what_is_not_keywords_after_a_placeholder_is_refused(target, words, run, entry_points,
                                                             shim_env, api):
    result = run([str(entry_points), f"connectdb={target}", f"conninfo_parse={target}"],
                 shim_env())
    lines = result.stdout.splitlines()
    assert len(lines) == 2, result.stdout + result.stderr
    for line in lines:
        assert "failed: hpgshim: invalid placeholder" in line and words in line, line
        assert line.endswith("; what follows a space must be keyword=value pairs"), line
    assert api.count() == 0


def test_credential_owned_keywords_after_the_placeholder_are_dropped(run, entry_points,
                                                                     shim_env, pg):
    """As for "dbname=heroku://app host=...": the credential supplies the
    target, the caller's values for it are dropped."""
    target = "heroku://demo-app host=192.0.2.1 hostaddr=192.0.2.1 port=1 user=postgres " \
             "password=nope dbname=postgres"
    result = run([str(entry_points), f"connectdb={target}"], shim_env())
    assert result.stdout == f"connectdb: {OK}\n", result.stdout + result.stderr


def test_ogrinfo(run, shim_env, api):
    result = run([OGRINFO, "PG:heroku://demo-app", "-sql", "select current_user"], shim_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "current_user (String) = app_user" in result.stdout, result.stdout + result.stderr
    assert api.count() == 1


def test_ogrinfo_session_carries_gdal_keywords(run, shim_env):
    """The session is over TLS and named by the keywords GDAL appended."""
    result = run([OGRINFO, "-q", "PG:heroku://demo-app", "-sql", SESSION_QUERY], shim_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"= user=app_user ssl=t app=GDAL \d+\.\d+", result.stdout), \
        result.stdout + result.stderr


def test_ogrinfo_with_an_ordinary_conninfo_is_untouched(run, shim_env, plain_env, pg, db, api):
    conninfo = f"PG:host={pg.host} port={pg.port} dbname={db.app.dbname} user={db.app.user} " \
               "sslmode=require"
    command = [OGRINFO, "-q", conninfo, "-sql", SESSION_QUERY]
    with_shim = run(command, shim_env(PGPASSWORD=db.app.password))
    without = run(command, plain_env(PGPASSWORD=db.app.password))
    assert re.search(r"= user=app_user ssl=t app=GDAL \d+\.\d+", without.stdout), \
        without.stdout + without.stderr  # the control: this conninfo works at all
    assert (with_shim.returncode, with_shim.stdout) == (without.returncode, without.stdout), \
        with_shim.stderr
    assert api.count() == 0


def test_ogrinfo_after_a_rotation(run, shim_env, db):
    command = [OGRINFO, "-q", "PG:heroku://demo-app", "-sql", "select current_user"]
    assert "current_user (String) = app_user" in run(command, shim_env()).stdout
    db.rotate("demo-app")
    result = run(command, shim_env())
    assert "current_user (String) = app_user" in result.stdout, result.stdout + result.stderr
