"""Real, unmodified programs under LD_PRELOAD: Debian's psql and pg_dump (the
perl wrapper that execs the real binary, as users run them), pg_isready,
python3 with psycopg2, perl with DBD::Pg."""

import pytest

PYTHON = "/usr/bin/python3"  # Debian's, with python3-psycopg2
SSL_QUERY = "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()"


@pytest.mark.platform_core
def test_psql_wrapper(run, shim_env):
    result = run(["/usr/bin/psql", "heroku://demo-app", "-XAtc", SSL_QUERY], shim_env())
    assert result.stdout.strip() == "app_user|t", result.stderr


def test_psql_application_name_and_pgdatabase(run, shim_env):
    named = run(["/usr/bin/psql", "-XAt", "-d", "heroku://demo-app?application_name=nightly",
                 "-c", "show application_name"], shim_env())
    assert named.stdout.strip() == "nightly", named.stderr
    from_env = run(["/usr/bin/psql", "-XAtc", SSL_QUERY], shim_env(PGDATABASE="heroku://demo-app"))
    assert from_env.stdout.strip() == "app_user|t", from_env.stderr


@pytest.mark.platform_core
def test_pg_dump(run, shim_env, pg):
    pg.admin("create table if not exists dumped (id int); insert into dumped values (42);",
             dbname="app_db")
    pg.admin("alter table dumped owner to app_user", dbname="app_db")
    result = run(["/usr/bin/pg_dump", "heroku://demo-app?application_name=nightly",
                  "--table=dumped", "--data-only", "--inserts"], shim_env())
    assert "INSERT INTO public.dumped VALUES (42);" in result.stdout, result.stderr


def test_pg_isready(run, shim_env):
    ok = run(["/usr/bin/pg_isready", "-d", "heroku://demo-app"], shim_env())
    assert ok.returncode == 0 and "accepting connections" in ok.stdout, ok.stdout + ok.stderr
    missing = run(["/usr/bin/pg_isready", "-d", "heroku://no-such-app"], shim_env())
    assert missing.returncode == 3  # PQPING_NO_ATTEMPT


PSYCOPG2 = """
import sys, psycopg2
how = sys.argv[1]
if how == "dsn":
    conn = psycopg2.connect("heroku://demo-app")
elif how == "dbname":
    conn = psycopg2.connect("dbname=heroku://demo-app application_name=py")
elif how == "kwargs":
    conn = psycopg2.connect(dbname="heroku://demo-app", application_name="py")
elif how == "dsn+kwargs":
    conn = psycopg2.connect("heroku://demo-app", application_name="py")
elif how == "async":  # PQconnectStart and psycopg2's own PQconnectPoll loop
    from psycopg2.extras import wait_select
    conn = psycopg2.connect("heroku://demo-app", async_=True)
    wait_select(conn)
cur = conn.cursor()
cur.execute("select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()")
if how == "async":
    wait_select(conn)
print(*cur.fetchone())
"""


@pytest.mark.parametrize("how", ["dsn", "dbname", "kwargs", "dsn+kwargs", "async"])
def test_python_psycopg2(run, shim_env, how):
    # psycopg2 loads libpq privately (RTLD_LOCAL): the shim finds it anyway.
    result = run([PYTHON, "-c", PSYCOPG2, how], shim_env())
    assert result.stdout.strip() == "app_user True", result.stderr


def test_python_psycopg2_error_is_the_shims(run, shim_env):
    script = ("import psycopg2\ntry:\n psycopg2.connect('heroku://no-such-app')\n"
              "except psycopg2.OperationalError as e:\n print(e)")
    result = run([PYTHON, "-c", script], shim_env())
    assert 'hpgshim: cannot get config var DATABASE_URL of Heroku app "no-such-app"' in result.stdout


DBD_PG = """
use DBI;
my $dbh = DBI->connect("dbi:Pg:dbname=heroku://demo-app", "", "", {RaiseError => 1, PrintError => 0});
my ($user, $ssl) = $dbh->selectrow_array(
    "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()");
print "$user $ssl\\n";
"""


def test_perl_dbd_pg(run, shim_env):
    result = run(["/usr/bin/perl", "-e", DBD_PG], shim_env())
    assert result.stdout.strip() == "app_user 1", result.stderr
