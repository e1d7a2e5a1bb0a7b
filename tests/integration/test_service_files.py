"""Every way libpq takes a target, and only the credential decides where a
placeholder connects (issue 14, points 2 and 3).

libpq reads a connection's target from a service file entry: the call's
service= (in a conninfo or as a keyword of its own), or PGSERVICE, looked
up in PGSERVICEFILE (else ~/.pg_service.conf) and then in
PGSYSCONFDIR/pg_service.conf. An entry whose dbname (or host) is a
placeholder connects through the shim, and the entry's other keywords
apply as libpq applies them (here application_name, which the server
reports). Before the fix the shim never saw such a placeholder: psql
tried a local socket.

The credential alone says where a placeholder's connection goes: an
unrelated PGSERVICE whose entry holds a hostaddr, or PGHOSTADDR, pointing
at a loopback address where nothing listens, used to take the Heroku
credential there (the connection then failed); now the connection reaches
the config var's server.
"""

import pytest

from test_client_matrix import PLACEHOLDER, PSQL, SESSION_QUERY, session_line

# The server's answer for app_user with the entry's application_name.
FROM_SERVICE = session_line("app_user", "from-service")


def service_file(path, **entries) -> str:
    """Writes a service file with one [NAME] section per entry, each a dict
    of keyword=value lines; returns its path as a string."""
    lines = []
    for name, options in entries.items():
        lines.append(f"[{name}]")
        lines.extend(f"{keyword}={value}" for keyword, value in options.items())
    path.write_text("# written by test_service_files.py\n" + "\n".join(lines) + "\n")
    return str(path)


PROD = {"dbname": PLACEHOLDER, "application_name": "from-service"}


def psql(run, env, *args):
    return run([PSQL, "-XAt", "-c", SESSION_QUERY, *args], env)


def test_service_in_the_conninfo(run, shim_env, tmp_path):
    path = service_file(tmp_path / "services.conf", prod=PROD)
    result = psql(run, shim_env(PGSERVICEFILE=path), "service=prod")
    assert result.stdout.splitlines() == [FROM_SERVICE], result.stdout + result.stderr


def test_service_as_a_keyword_of_its_own(run, shim_env, entry_points, tmp_path):
    """PQconnectdbParams({"service": "prod"}): the keyword array form."""
    path = service_file(tmp_path / "services.conf", prod=PROD)
    result = run([str(entry_points), "service_params=prod"], shim_env(PGSERVICEFILE=path))
    assert result.stdout == "service_params: ok user=app_user db=app_db ssl=t " \
                            "app=from-service\n", result.stdout + result.stderr


def test_pgservice(run, shim_env, tmp_path):
    path = service_file(tmp_path / "services.conf", prod=PROD)
    result = psql(run, shim_env(PGSERVICEFILE=path, PGSERVICE="prod"))
    assert result.stdout.splitlines() == [FROM_SERVICE], result.stdout + result.stderr


def test_service_file_in_home(run, shim_env, home_dir):
    """~/.pg_service.conf, where libpq looks without PGSERVICEFILE."""
    service_file(home_dir / ".pg_service.conf", prod=PROD)
    result = psql(run, shim_env(PGSERVICE="prod"))
    assert result.stdout.splitlines() == [FROM_SERVICE], result.stdout + result.stderr


def test_system_service_file_under_pgsysconfdir(run, shim_env, tmp_path):
    """PGSYSCONFDIR/pg_service.conf, where libpq looks after the user's file."""
    sysconf = tmp_path / "etc"
    sysconf.mkdir()
    service_file(sysconf / "pg_service.conf", prod=PROD)
    result = psql(run, shim_env(PGSYSCONFDIR=sysconf), "service=prod")
    assert result.stdout.splitlines() == [FROM_SERVICE], result.stdout + result.stderr


def test_service_naming_the_server(run, shim_env, tmp_path):
    """An entry whose host is the placeholder names the app's server; the
    entry's own dbname is the database (here the credential's, named
    explicitly)."""
    path = service_file(tmp_path / "services.conf",
                        srv={"host": PLACEHOLDER, "dbname": "app_db",
                             "application_name": "from-service"})
    result = psql(run, shim_env(PGSERVICEFILE=path, PGSERVICE="srv"))
    assert result.stdout.splitlines() == [FROM_SERVICE], result.stdout + result.stderr


def test_the_call_comes_before_its_service(run, shim_env, tmp_path):
    """As in libpq, the call's own application_name wins over the entry's."""
    path = service_file(tmp_path / "services.conf", prod=PROD)
    result = psql(run, shim_env(PGSERVICEFILE=path), "service=prod application_name=own")
    assert result.stdout.splitlines() == [session_line("app_user", "own")], result.stderr


@pytest.fixture
def nowhere(closed_port) -> dict:
    """A loopback address and a port where nothing listens."""
    return {"hostaddr": "127.0.0.7", "host": "127.0.0.7", "port": closed_port}


def test_unrelated_pgservice_does_not_steer_a_placeholder(run, shim_env, tmp_path, nowhere):
    """PGSERVICE names an entry with a hostaddr, port and user of its own;
    the placeholder's connection still goes where the config var says,
    and the entry's other keywords apply."""
    path = service_file(tmp_path / "services.conf",
                        other={**nowhere, "user": "someone", "dbname": "elsewhere",
                               "application_name": "from-service"})
    result = psql(run, shim_env(PGSERVICEFILE=path, PGSERVICE="other"), PLACEHOLDER)
    assert result.stdout.splitlines() == [FROM_SERVICE], result.stdout + result.stderr


def test_service_named_with_the_placeholder_does_not_steer_it(run, shim_env, tmp_path, nowhere):
    path = service_file(tmp_path / "services.conf", other=nowhere)
    result = psql(run, shim_env(PGSERVICEFILE=path), f"dbname={PLACEHOLDER} service=other")
    assert result.stdout.splitlines() == [session_line("app_user", "psql")], result.stderr


@pytest.mark.parametrize("variable", ["PGHOSTADDR", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD"])
def test_environment_does_not_steer_a_placeholder(variable, run, shim_env, nowhere):
    value = {"PGHOSTADDR": nowhere["hostaddr"], "PGHOST": nowhere["host"],
             "PGPORT": nowhere["port"], "PGUSER": "someone", "PGPASSWORD": "wrong"}[variable]
    result = psql(run, shim_env(**{variable: value}), PLACEHOLDER)
    assert result.stdout.splitlines() == [session_line("app_user", "psql")], result.stderr


def test_ordinary_service_passes_through(run, shim_env, plain_env, tmp_path, pg, db, api):
    """An entry with no placeholder is libpq's alone: the same answer with
    and without the shim, and no request to the API."""
    path = service_file(tmp_path / "services.conf",
                        plain={"host": pg.host, "port": pg.port, "dbname": db.app.dbname,
                               "user": db.app.user, "sslmode": "require",
                               "application_name": "from-service"})
    env = {"PGSERVICEFILE": path, "PGPASSWORD": db.app.password}
    with_shim = psql(run, shim_env(**env), "service=plain")
    without = psql(run, plain_env(**env), "service=plain")
    assert without.stdout.splitlines() == [FROM_SERVICE], without.stderr
    assert (with_shim.stdout, with_shim.stderr) == (without.stdout, without.stderr)
    assert api.count() == 0


def test_missing_service_is_libpqs_error(run, shim_env, plain_env, tmp_path):
    path = service_file(tmp_path / "services.conf", prod=PROD)
    with_shim = psql(run, shim_env(PGSERVICEFILE=path), "service=absent")
    without = psql(run, plain_env(PGSERVICEFILE=path), "service=absent")
    assert with_shim.returncode == without.returncode != 0
    assert 'definition of service "absent" not found' in with_shim.stderr
    assert with_shim.stderr == without.stderr
