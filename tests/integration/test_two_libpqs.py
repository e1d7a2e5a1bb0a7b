"""Two libpqs in one process (issue 14, point 1).

A program loads two modules with dlopen(RTLD_LOCAL), as Python loads
extension modules: one linked with the system's libpq 15, the other with
libpq 17 (the pinned npm build, build/libpq/17/) carried under a file name
and soname of its own, as a wheel bundles it (psycopg2-binary,
psycopg[binary]).  Neither libpq is in the global scope.  Without the shim
each module's calls reach its own libpq; under the shim they must too, with
an ordinary conninfo and with a placeholder, interleaved: each module
connects, then each runs a query, resets its connection (PQreset) and runs
it again, and finishes it.  A connection of one libpq read by the other
fails (an empty error message, or a crash)."""

import shutil
import subprocess
from pathlib import Path

import pytest

from test_client_matrix import SESSION_QUERY, session_line

REPO_ROOT = Path(__file__).resolve().parents[2]
CLIENTS = REPO_ROOT / "tests" / "clients"
LIBPQ_17 = REPO_ROOT / "build" / "libpq" / "17"
# As auditwheel names what it bundles: the name, a hash, the version.
BUNDLED_NAME = "libpq-9e8d7c6b.so.5.17"


def _build(command):
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _cflags() -> list:
    return _build(["pkg-config", "--cflags", "libpq"]).split()


@pytest.fixture(scope="module")
def two_libpqs(tmp_path_factory):
    """(host, system module, bundled module): the host program, a module
    linked with the system libpq, and one linked with libpq 17 renamed
    BUNDLED_NAME beside it (RUNPATH $ORIGIN, with the OpenSSL 1.1 it needs)."""
    if not (LIBPQ_17 / "libpq.so.5").exists():
        unavailable = LIBPQ_17 / "UNAVAILABLE"
        pytest.skip(unavailable.read_text().strip() if unavailable.exists()
                    else f"{LIBPQ_17}/libpq.so.5 not found: `make libpq-matrix` downloads it")
    directory = tmp_path_factory.mktemp("two-libpqs")
    host = directory / "two_libpqs"
    _build(["cc", *_cflags(), CLIENTS / "two_libpqs.c", "-o", host, "-ldl"])

    system = directory / "system"
    system.mkdir()
    system_module = system / "_system.so"
    _build(["cc", "-shared", "-fPIC", *_cflags(), CLIENTS / "bundled_module.c", "-o",
            system_module, *_build(["pkg-config", "--libs", "libpq"]).split()])

    bundled = directory / "bundled.libs"
    bundled.mkdir()
    libpq = bundled / BUNDLED_NAME
    shutil.copyfile(LIBPQ_17 / "libpq.so.5.17", libpq)
    for ssl in ("libssl.so.1.1", "libcrypto.so.1.1"):
        shutil.copyfile(LIBPQ_17 / ssl, bundled / ssl)
    _build(["patchelf", "--set-soname", BUNDLED_NAME, libpq])
    bundled_module = bundled / "_bundled.so"
    _build(["cc", "-shared", "-fPIC", *_cflags(), CLIENTS / "bundled_module.c", "-o",
            bundled_module, libpq, "-Wl,--enable-new-dtags,-rpath,$ORIGIN"])
    needed = _build(["readelf", "-d", bundled_module])
    assert f"[{BUNDLED_NAME}]" in needed and "[libpq.so.5]" not in needed, needed
    return host, system_module, bundled_module


def versions(lines) -> list:
    return [int(line.rpartition(" ")[2]) // 10000 for line in lines[:2]]


@pytest.fixture
def ordinary(pg, db):
    """other-app's database, written out: a target no placeholder of the
    test resolves to (the shim would take a conninfo naming demo-app's
    server, user and database for a reconnect to it, as psql's \\c is)."""
    return (f"host={pg.host} port={pg.port} dbname={db.other.dbname} user={db.other.user} "
            "sslmode=require application_name=two")


def expected_lines(app: str, user: str = "other_user") -> list:
    line = session_line(user, app)
    # the modules answer last first, each before and after its reset
    return [f"module 2: {line}", f"module 2 after reset: {line}",
            f"module 1: {line}", f"module 1 after reset: {line}"]


def test_each_module_reports_its_own_libpq_without_the_shim(run, plain_env, two_libpqs,
                                                            ordinary, db):
    """The control: without the shim the layout works, and each module has its own libpq."""
    host, system_module, bundled_module = two_libpqs
    result = run([host, SESSION_QUERY, system_module, bundled_module, "--", ordinary],
                 plain_env(PGPASSWORD=db.other.password))
    lines = result.stdout.splitlines()
    assert versions(lines) == [15, 17], result.stdout + result.stderr
    assert lines[2:] == expected_lines("two"), result.stdout + result.stderr


@pytest.mark.parametrize("order", ["system-first", "bundled-first"])
def test_each_module_connects_with_its_own_libpq(run, shim_env, two_libpqs, ordinary, db, api,
                                                 order):
    """Ordinary conninfo, then a placeholder, then the ordinary one again,
    whichever module calls first: every connection is made, used, reset and
    finished by the libpq of the module that asked."""
    host, system_module, bundled_module = two_libpqs
    modules = [system_module, bundled_module]
    if order == "bundled-first":
        modules.reverse()
    result = run([host, SESSION_QUERY, *modules, "--", ordinary, "heroku://demo-app", ordinary],
                 shim_env(PGPASSWORD=db.other.password, PGAPPNAME="two-placeholder"))
    lines = result.stdout.splitlines()
    assert versions(lines) == ([15, 17] if order == "system-first" else [17, 15]), \
        result.stdout + result.stderr
    assert lines[2:] == (expected_lines("two") + expected_lines("two-placeholder", "app_user")
                         + expected_lines("two")), result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
    assert api.count("demo-app") == 2  # one placeholder connection per module
