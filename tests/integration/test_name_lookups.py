"""A placeholder costs no name lookup but the API host's and the database
host's, in any client (issue 8, point 2), however it is named: -h, PGHOST,
a service file entry (issue 14, point 2).

The resolver spy (tests/clients/resolver_spy.c), preloaded after the shim,
records every name each client process asks getaddrinfo() for. Before the
fix, ruby pg 1.4 looked up "heroku://demo-app/DATABASE_URL" itself (it
resolves the host of PQconninfoParse's answer unless hostaddr is set),
sending the app's name to the DNS servers, and psycopg 3's async connect
failed on that lookup.

In the tests both hosts are loopback addresses. libcurl looks nothing up for
an address literal, so the API host may not appear at all; the database
host must, which shows the spy saw the process's lookups.
"""

from urllib.parse import urlsplit

import pytest

from test_client_matrix import (
    APP, ENV_APP, PERL, PERL_DRIVER, PG_DUMPALL, PHP, PHP_DRIVER, PLACEHOLDER, PSQL, PYTHON,
    PYTHON_DRIVER, RUBY, RUBY_DRIVER, SESSION_QUERY, session_line,
)  # fmt: skip

PSYCOPG_ASYNC = """
import asyncio, sys
import psycopg

async def main(query, target):
    conn = await psycopg.AsyncConnection.connect(target)
    cursor = await conn.execute(query)
    print((await cursor.fetchone())[0], flush=True)
    await conn.close()

asyncio.run(main(*sys.argv[1:]))
"""

LINE = session_line("app_user", ENV_APP)
KWARGS_LINE = session_line("app_user", "matrix-kwargs")

# case -> (command, what the client prints when it worked)
CLIENTS = {
    "ruby-pg-string": ([RUBY, "-e", RUBY_DRIVER, "--", SESSION_QUERY, f"dsn={PLACEHOLDER}"],
                       [LINE]),
    "ruby-pg-hash": ([RUBY, "-e", RUBY_DRIVER, "--", SESSION_QUERY, f"kwargs={PLACEHOLDER}"],
                     [KWARGS_LINE]),
    # A reset without a rotation: PQresetStart with the connection's own
    # options (after a rotation: issue 8, point 1).
    "ruby-pg-reset": ([RUBY, "-e", RUBY_DRIVER, "--", SESSION_QUERY, f"dsn={PLACEHOLDER}",
                       "reset"], [LINE, LINE]),
    "psycopg2": ([PYTHON, "-c", PYTHON_DRIVER, "psycopg2", SESSION_QUERY, f"dsn={PLACEHOLDER}"],
                 [LINE]),
    "psycopg2-kwargs": ([PYTHON, "-c", PYTHON_DRIVER, "psycopg2", SESSION_QUERY,
                         f"kwargs={PLACEHOLDER}"], [KWARGS_LINE]),
    "psycopg": ([PYTHON, "-c", PYTHON_DRIVER, "psycopg", SESSION_QUERY, f"dsn={PLACEHOLDER}"],
                [LINE]),
    "psycopg-kwargs": ([PYTHON, "-c", PYTHON_DRIVER, "psycopg", SESSION_QUERY,
                        f"kwargs={PLACEHOLDER}"], [KWARGS_LINE]),
    "psycopg-async": ([PYTHON, "-c", PSYCOPG_ASYNC, SESSION_QUERY, PLACEHOLDER], [LINE]),
    "perl-DBD-Pg": ([PERL, "-e", PERL_DRIVER, SESSION_QUERY, f"dsn=dbname={PLACEHOLDER}"],
                    [LINE]),
    "php-pgsql": ([PHP, "-r", PHP_DRIVER, "--", "pg_connect", SESSION_QUERY,
                   f"dsn={PLACEHOLDER}"], [LINE]),
    "php-pgsql-reset": ([PHP, "-r", PHP_DRIVER, "--", "pg_connect", SESSION_QUERY,
                         f"dsn={PLACEHOLDER}", "reset"], [LINE, LINE]),
    "php-PDO-pgsql": ([PHP, "-r", PHP_DRIVER, "--", "pdo", SESSION_QUERY,
                       f"dsn=dbname={PLACEHOLDER}"], [LINE]),
    "psql": ([PSQL, "-XAt", "-c", SESSION_QUERY, PLACEHOLDER], [session_line("app_user", ENV_APP)]),
    # PQconninfoParse, then a connection per database from the answer's host.
    "pg_dumpall": ([PG_DUMPALL, "--globals-only", "--no-role-passwords", "-d", PLACEHOLDER],
                   None),
}


@pytest.mark.parametrize("case", CLIENTS)
def test_placeholder_looks_up_only_the_api_and_database_hosts(case, run, shim_env, resolver_spy,
                                                               pg, api):
    command, expected = CLIENTS[case]
    env = resolver_spy.environment(shim_env(PGAPPNAME=ENV_APP))
    result = run(command, env)
    assert result.returncode == 0, result.stdout + result.stderr
    if expected is None:
        assert "CREATE ROLE app_user;" in result.stdout, result.stderr
    else:
        assert result.stdout.splitlines() == expected, result.stderr

    names = resolver_spy.names()
    assert pg.host in names, names  # the spy saw the database's lookup
    leaked = [name for name in names if APP in name or "heroku://" in name]
    assert not leaked, f"the app's name was looked up: {names}"
    assert set(names) <= {urlsplit(api.url).hostname, pg.host}, names


# A placeholder as the database server (issue 14, point 2): named by -h, by
# PGHOST, or by a service file entry's host. Before the fix PGHOST went to
# libpq untouched, which looked "heroku://demo-app" up and failed.
HOST_FORMS = {
    "-h": (["-h", PLACEHOLDER], {}),
    "PGHOST": ([], {"PGHOST": PLACEHOLDER}),
    "host=": ([f"host={PLACEHOLDER}"], {}),
    "service": (["service=srv"], {}),
    "PGSERVICE": ([], {"PGSERVICE": "srv"}),
}


@pytest.mark.parametrize("form", HOST_FORMS)
def test_placeholder_as_host_is_not_looked_up(form, run, shim_env, resolver_spy, pg, tmp_path):
    args, env = HOST_FORMS[form]
    services = tmp_path / "services.conf"
    services.write_text(f"[srv]\nhost={PLACEHOLDER}\n")
    env = resolver_spy.environment(shim_env(PGAPPNAME=ENV_APP, PGSERVICEFILE=services, **env))
    result = run([PSQL, "-XAt", "-c", SESSION_QUERY, *args], env)
    assert result.stdout.splitlines() == [LINE], result.stdout + result.stderr

    names = resolver_spy.names()
    assert pg.host in names, names
    leaked = [name for name in names if APP in name or "heroku://" in name]
    assert not leaked, f"the app's name was looked up: {names}"
