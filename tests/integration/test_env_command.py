"""`hpgshim env`: placeholders in the environment resolved for programs that
do not use libpq (node-postgres, pgJDBC), and --restart-on-change.

Every program runs as users run it, through build/hpgshim env, against the
real PostgreSQL and the HTTPS stand-in of the API.  The `run` fixture fails
a test whose output holds the token or a password; no password may be in a
command line either (test_no_password_in_any_command_line)."""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import pytest

JDBC_JAR = Path("/usr/share/java/postgresql.jar")


@pytest.fixture
def hpgshim_env(repo_root, run, shim_env):
    """hpgshim_env(*arguments, **environment overrides) -> CompletedProcess
    of build/hpgshim env ARGUMENTS, run as users run it: the command adds
    the library itself."""

    def run_env(*arguments, timeout=60, **overrides):
        env = shim_env(**{"LD_PRELOAD": None, **overrides})
        return run([str(repo_root / "build" / "hpgshim"), "env", *arguments], env,
                   timeout=timeout)

    return run_env


@pytest.fixture(scope="session")
def node_modules(repo_root) -> Path:
    """build/node/node_modules with node-postgres (make integration installs it)."""
    modules = repo_root / "build" / "node" / "node_modules"
    unavailable = repo_root / "build" / "node" / "UNAVAILABLE"
    if unavailable.exists():
        pytest.skip(unavailable.read_text().strip())
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    if not (modules / "pg" / "package.json").exists():
        pytest.fail(f"{modules}/pg not found: run make integration")
    return modules


def url_of(database, query="sslmode=require") -> str:
    """The URL hpgshim env exports: every character of the user, password
    and database name percent-encoded but RFC 3986's unreserved ones."""
    def enc(text):
        return quote(text, safe="")
    return (f"postgres://{enc(database.user)}:{enc(database.password)}@{database.pg.host}:"
            f"{database.pg.port}/{enc(database.dbname)}?{query}")


def digests_of(result) -> dict:
    """The {NAME: sha256} that print_digests printed."""
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# COMMAND that prints the sha256 of each variable named, never a value.
def print_digests(*names) -> list:
    code = ("import hashlib, json, os, sys; print(json.dumps({n: hashlib.sha256("
            "os.environ[n].encode()).hexdigest() if n in os.environ else None "
            "for n in sys.argv[1:]}))")
    return ["/usr/bin/python3", "-c", code, *names]


# --- the forms ----------------------------------------------------------------

def test_node_postgres_connects_over_tls(hpgshim_env, node_modules, repo_root, pki, api):
    """node-postgres, with no libpq in the process: DATABASE_URL=heroku://APP
    becomes a URL it connects with, over TLS.  It reads sslmode=require as
    verify-full, so the test CA is given to Node."""
    result = hpgshim_env("DATABASE_URL=heroku://demo-app", "node",
                         str(repo_root / "tests" / "clients" / "pg_query.js"),
                         NODE_PATH=node_modules, NODE_EXTRA_CA_CERTS=pki.ca_cert)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"user": "app_user", "ssl": True}
    assert api.count("demo-app") == 1


def test_node_postgres_reads_require_as_verify_full(hpgshim_env, node_modules, repo_root):
    """Without the CA, the same URL fails in node-postgres on the
    certificate: what --node-postgres is for."""
    result = hpgshim_env("DATABASE_URL=heroku://demo-app", "node",
                         str(repo_root / "tests" / "clients" / "pg_query.js"),
                         NODE_PATH=node_modules)
    assert result.returncode == 1
    assert "certificate" in result.stderr


def test_node_postgres_dialect_is_tls_without_verification(hpgshim_env, node_modules,
                                                           repo_root):
    """--node-postgres adds uselibpqcompat=true: sslmode=require then means
    what libpq means, TLS without verifying the certificate (Heroku's advice
    for Node), so no CA is needed; the session still uses TLS."""
    result = hpgshim_env("--node-postgres", "DATABASE_URL=heroku://demo-app", "node",
                         str(repo_root / "tests" / "clients" / "pg_query.js"),
                         NODE_PATH=node_modules)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"user": "app_user", "ssl": True}


@pytest.mark.skipif(not JDBC_JAR.exists() or shutil.which("java") is None,
                    reason="pgJDBC or java not installed (scripts/install-deps.sh)")
def test_pgjdbc_connects_over_tls(hpgshim_env, repo_root, api):
    """pgJDBC with JDBC_DATABASE_URL=heroku://APP: the JDBC form with
    sslmode=require, which pgJDBC (42.2.5 and later) reads as TLS without
    certificate verification, as libpq does; the user and password in the
    URL and beside it, as Heroku's JVM buildpack sets them.  Java is not
    given the test CA: the connection works because require does not verify."""
    result = hpgshim_env("JDBC_DATABASE_URL=heroku://demo-app", "java", "-cp", str(JDBC_JAR),
                         str(repo_root / "tests" / "clients" / "JdbcQuery.java"), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "app_user ssl=true"
    assert api.count("demo-app") == 1


def test_the_values_exported(hpgshim_env, db, pg):
    """Each form, byte for byte (compared by digest: the values hold the
    password): the URL with sslmode=require and the placeholder's query
    keywords, a verify-* mode kept, the JDBC forms with their _USERNAME and
    _PASSWORD, and PGDATABASE left to the library."""
    app = db.app
    jdbc = (f"jdbc:postgresql://{pg.host}:{pg.port}/{app.dbname}?sslmode=require&"
            f"ApplicationName=x%20y&user={app.user}&password={quote(app.password, safe='')}")
    result = hpgshim_env(
        "DATABASE_URL=heroku://demo-app?application_name=x%20y",
        "VERIFIED_URL=heroku://demo-app?sslmode=verify-full",
        "JDBC_DATABASE_URL=heroku://demo-app?application_name=x%20y",
        "SPRING_DATASOURCE_URL=heroku://demo-app",
        "HEROKU_POSTGRESQL_VIOLET_JDBC_URL=heroku://demo-app/HEROKU_POSTGRESQL_VIOLET",
        "PGDATABASE=heroku://demo-app", "PLAIN=heroku is not a placeholder",
        *print_digests("DATABASE_URL", "VERIFIED_URL", "JDBC_DATABASE_URL",
                       "JDBC_DATABASE_USERNAME", "JDBC_DATABASE_PASSWORD",
                       "SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME",
                       "SPRING_DATASOURCE_PASSWORD", "HEROKU_POSTGRESQL_VIOLET_JDBC_URL",
                       "HEROKU_POSTGRESQL_VIOLET_JDBC_PASSWORD", "PGDATABASE", "PLAIN"))
    assert digests_of(result) == {
        "DATABASE_URL": sha256(url_of(app, "sslmode=require&application_name=x%20y")),
        "VERIFIED_URL": sha256(url_of(app, "sslmode=verify-full")),
        "JDBC_DATABASE_URL": sha256(jdbc),
        "JDBC_DATABASE_USERNAME": sha256(app.user),
        "JDBC_DATABASE_PASSWORD": sha256(app.password),
        "SPRING_DATASOURCE_URL": sha256(jdbc.replace("ApplicationName=x%20y&", "")),
        "SPRING_DATASOURCE_USERNAME": sha256(app.user),
        "SPRING_DATASOURCE_PASSWORD": sha256(app.password),
        "HEROKU_POSTGRESQL_VIOLET_JDBC_URL": sha256(jdbc.replace("ApplicationName=x%20y&", "")),
        "HEROKU_POSTGRESQL_VIOLET_JDBC_PASSWORD": sha256(app.password),
        "PGDATABASE": sha256("heroku://demo-app"),
        "PLAIN": sha256("heroku is not a placeholder"),
    }


def test_libpq_programs_keep_the_library(hpgshim_env):
    """The library stays preloaded for COMMAND: psql connects to a
    placeholder named on its command line, as `hpgshim env FOO=1 psql
    heroku://app` always did."""
    result = hpgshim_env("FOO=1", "psql", "-XAtc", "select current_user", "heroku://demo-app")
    assert (result.returncode, result.stdout.strip()) == (0, "app_user"), result.stderr


def test_library_already_preloaded(hpgshim_env, shim_env, db):
    """An LD_PRELOAD that names libhpgshim.so already is kept as it is for
    COMMAND, as the command keeps it for any program; hpgshim env, which then
    runs with that library too, still resolves."""
    preload = shim_env()["LD_PRELOAD"]
    result = hpgshim_env("DATABASE_URL=heroku://demo-app", *print_digests("DATABASE_URL",
                                                                        "LD_PRELOAD"),
                         LD_PRELOAD=preload)
    assert digests_of(result) == {"DATABASE_URL": sha256(url_of(db.app)),
                                  "LD_PRELOAD": sha256(preload)}


# --- requests --------------------------------------------------------------------

def test_two_placeholders_one_request_each(hpgshim_env, db, api, tmp_path):
    """Two apps in one environment: one request each, and one for two
    variables that name the same app and config var.  With a fresh shared
    cache a second run makes none."""
    arguments = ["DATABASE_URL=heroku://demo-app", "REPORTING_URL=heroku://other-app",
                 "JDBC_DATABASE_URL=heroku://demo-app",
                 *print_digests("DATABASE_URL", "REPORTING_URL")]
    expected = {"DATABASE_URL": sha256(url_of(db.app)),
                "REPORTING_URL": sha256(url_of(db.other))}
    assert digests_of(hpgshim_env(*arguments)) == expected
    assert (api.count("demo-app"), api.count("other-app")) == (1, 1)

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    for _ in range(2):
        assert digests_of(hpgshim_env(*arguments, HPGSHIM_CACHE_DIR=cache,
                                      HPGSHIM_CACHE_TTL=60)) == expected
    assert (api.count("demo-app"), api.count("other-app")) == (2, 2)


# --- failures ------------------------------------------------------------------

@pytest.mark.parametrize("placeholder, said", [
    ("heroku://no-such-app", 'DATABASE_URL: cannot get config var DATABASE_URL of Heroku app '
                             '"no-such-app": '),
    ("heroku://demo-app/NO_SUCH_URL", 'DATABASE_URL: cannot get config var NO_SUCH_URL of '
                                      'Heroku app "demo-app": '),
    ("heroku://demo-app?password=x", "DATABASE_URL: invalid placeholder"),
])
def test_unresolvable_placeholder_does_not_start_command(hpgshim_env, tmp_path, placeholder,
                                                         said):
    marker = tmp_path / "started"
    result = hpgshim_env(f"DATABASE_URL={placeholder}", "touch", str(marker))
    assert result.returncode == 125
    assert f"hpgshim env: {said}" in result.stderr
    assert "hpgshim env: touch not started" in result.stderr
    assert not marker.exists()


def test_api_down_with_nothing_held(hpgshim_env, api, tmp_path):
    marker = tmp_path / "started"
    api.fail_with(503)
    result = hpgshim_env("DATABASE_URL=heroku://demo-app", "touch", str(marker))
    assert result.returncode == 125
    assert ('hpgshim env: DATABASE_URL: cannot get config var DATABASE_URL of Heroku app '
            '"demo-app": ') in result.stderr
    assert "503" in result.stderr
    assert not marker.exists()


def test_api_down_with_a_credential_held(hpgshim_env, api, db, tmp_path):
    """The library's fallback: with a credential held in the shared cache,
    an API outage does not keep COMMAND from starting; it is said."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    arguments = ["DATABASE_URL=heroku://demo-app", *print_digests("DATABASE_URL")]
    assert digests_of(hpgshim_env(*arguments, HPGSHIM_CACHE_DIR=cache)) == {
        "DATABASE_URL": sha256(url_of(db.app))}
    api.fail_with(503)
    result = hpgshim_env(*arguments, HPGSHIM_CACHE_DIR=cache)
    assert digests_of(result) == {"DATABASE_URL": sha256(url_of(db.app))}
    assert "HTTP 503" in result.stderr
    assert result.stderr.endswith("; starting /usr/bin/python3 with the credential held "
                                  "(HPGSHIM_STALE_IF_ERROR)\n")


@pytest.mark.parametrize("arguments, said", [
    (["DATABASE_URL=heroku://demo-app"], "no COMMAND given"),
    (["--restart-on-change=9", "true"], "at least 10"),
    (["--grace=x", "true"], "--grace=SECONDS"),
    (["--bogus", "true"], "unknown option --bogus"),
])
def test_usage_errors_exit_125(hpgshim_env, api, arguments, said):
    result = hpgshim_env(*arguments)
    assert result.returncode == 125
    assert said in result.stderr
    assert api.count() == 0


def test_command_not_found_127_cannot_run_126(hpgshim_env, tmp_path):
    assert hpgshim_env("no-such-command-here").returncode == 127
    not_executable = tmp_path / "script"
    not_executable.write_text("#!/bin/sh\n")
    assert hpgshim_env(str(not_executable)).returncode == 126


# --- --restart-on-change ---------------------------------------------------------

@pytest.mark.parametrize("restart", [[], ["--restart-on-change"]])
def test_exit_status_is_the_commands(hpgshim_env, restart):
    assert hpgshim_env(*restart, "DATABASE_URL=heroku://demo-app", "sh", "-c",
                       "exit 7").returncode == 7
    # Killed by a signal: hpgshim env ends by the same one.
    assert hpgshim_env(*restart, "sh", "-c", "kill -TERM $$").returncode == -signal.SIGTERM


def read_lines(path: Path) -> list:
    return path.read_text().splitlines() if path.exists() else []


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def no_secret_in_command_line(pid: int, secrets):
    """/proc/PID/cmdline holds none of the secrets (what ps shows)."""
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    leaked = [index for index, secret in enumerate(secrets) if secret in cmdline]
    assert not leaked, f"secrets {leaked} in the command line of {pid}"
    return cmdline


def test_restart_on_change(repo_root, shim_env, node_modules, pki, api, api_token, db, secrets,
                           tmp_path):
    """A long-running node-postgres program under --restart-on-change=10:
    two unchanged intervals cost two 304s and no restart; an API outage over
    two intervals is said once and restarts nothing; a rotation restarts it
    once within the interval plus the grace (SIGTERM, ignored here, then
    SIGKILL after --grace=2), and the new program connects with the new
    credential.  No password in any command line; SIGHUP and SIGINT sent to
    hpgshim env reach the program, whose exit status is hpgshim env's."""
    interval, grace = 10, 2
    log, stderr_file = tmp_path / "program.log", tmp_path / "stderr"
    env = shim_env(LD_PRELOAD=None, NODE_PATH=node_modules, NODE_EXTRA_CA_CERTS=pki.ca_cert)
    with stderr_file.open("w") as stderr:
        supervisor = subprocess.Popen(
            [str(repo_root / "build" / "hpgshim"), "env", f"--restart-on-change={interval}",
             f"--grace={grace}", "DATABASE_URL=heroku://demo-app", "IGNORE_SIGTERM=1",
             "node", str(repo_root / "tests" / "clients" / "pg_supervised.js"), str(log)],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
            start_new_session=True)
    try:
        connected = lambda: [line for line in read_lines(log) if " connected " in line]
        wait_for(lambda: len(connected()) == 1, 15, "the program to connect")
        assert connected()[0].endswith(" connected app_user ssl=true")
        first_pid = int(connected()[0].split()[0])
        # hpgshim env's argv shows the placeholder; node's, no secret either.
        assert "DATABASE_URL=heroku://demo-app" in no_secret_in_command_line(supervisor.pid,
                                                                              secrets)
        # Its own environment holds no password (the token is there: the user put it there).
        supervisor_environ = Path(f"/proc/{supervisor.pid}/environ").read_bytes().decode()
        assert not [secret for secret in secrets
                    if secret != api_token and secret in supervisor_environ]
        no_secret_in_command_line(first_pid, secrets)

        # Two checks of an unchanged credential: conditional, answered 304.
        wait_for(lambda: api.count("demo-app") == 3, 2 * interval + 5, "two checks")
        etag = api.etag("demo-app")
        assert [r.headers.get("if-none-match") for r in api.requests[1:]] == [etag, etag]

        # An outage over two checks: said once, nothing restarted.
        api.fail_with(503)
        before = api.count("demo-app")
        wait_for(lambda: api.count("demo-app") >= before + 4, 2 * interval + 5,
                 "two failed checks (two requests each)")
        api.clear_faults()

        # A rotation: one restart, within the interval plus the grace.
        rotated_at = time.monotonic()
        db.rotate("demo-app")
        wait_for(lambda: len(connected()) == 2, interval + grace + 5, "a restart")
        assert time.monotonic() - rotated_at < interval + grace + 3
        second_pid = int(connected()[1].split()[0])
        assert second_pid != first_pid
        assert connected()[1].endswith(" connected app_user ssl=true")  # the new password
        no_secret_in_command_line(second_pid, secrets)

        # Signals sent to hpgshim env reach the program.
        supervisor.send_signal(signal.SIGHUP)
        wait_for(lambda: f"{second_pid} SIGHUP" in read_lines(log), 5, "SIGHUP forwarded")
        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(timeout=10) == 5
    finally:
        if supervisor.poll() is None:
            os.killpg(supervisor.pid, signal.SIGKILL)
            supervisor.wait()

    lines = read_lines(log)
    assert lines.count(f"{first_pid} SIGTERM") == 1
    assert f"{second_pid} SIGINT" in lines
    assert len(connected()) == 2  # one restart, none for the outage
    said = stderr_file.read_text()
    for index, secret in enumerate(secrets):
        assert secret not in said, f"secret {index} on stderr"
    assert said.count("keeps running with the values it has") == 1, said
    assert said.count("hpgshim env: the credential in DATABASE_URL changed: restarting node") == 1
    assert f"node did not end within {grace} s of SIGTERM (--grace): sending SIGKILL" in said
    assert re.search(r"HTTP 503", said), said
