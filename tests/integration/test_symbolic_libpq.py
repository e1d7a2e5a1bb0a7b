"""Resets on a libpq linked -Wl,-Bsymbolic-functions (issue 14, point 6).

Ubuntu links libpq with -Bsymbolic-functions: its calls to its own exported
functions bind inside it, so PQreset's and PQresetPoll's calls to
PQconnectPoll never come back through the shim, as they do with Debian's
libpq.  The shim follows a rotation from the reset entry points themselves
(PQreset, PQresetStart, PQresetPoll).  The Makefile's symbolic-libpq links
such a libpq from Debian's own libpq.a (build/libpq/symbolic/libpq.so.5);
programs run on it with LD_LIBRARY_PATH, and each test first shows that it
is the libpq they run."""

import subprocess
from pathlib import Path

import pytest

from test_client_matrix import SESSION_QUERY, InteractivePsql, session_line
from harness import new_password
from test_reconnects import NOT_FOLLOWED, RECONNECT_HINT, REWRITTEN

REPO_ROOT = Path(__file__).resolve().parents[2]
SYMBOLIC_DIR = REPO_ROOT / "build" / "libpq" / "symbolic"
SYMBOLIC_LIBPQ = SYMBOLIC_DIR / "libpq.so.5"
SYSTEM_LIBPQ = Path("/usr/lib/x86_64-linux-gnu/libpq.so.5")
APP_OK = "ok user=app_user db=app_db ssl=t app="


@pytest.fixture(scope="module")
def symbolic_libpq() -> Path:
    if not SYMBOLIC_LIBPQ.exists():
        pytest.fail(f"{SYMBOLIC_LIBPQ} not found: `make symbolic-libpq` links it")
    return SYMBOLIC_LIBPQ


def plt_slots(library: Path) -> str:
    """The library's PLT relocations, one per line, as readelf prints them."""
    relocations = subprocess.run(["readelf", "-rW", str(library)], capture_output=True,
                                 text=True, check=True).stdout
    return "\n".join(line for line in relocations.splitlines() if "JUMP_SLOT" in line)


def test_the_symbolic_libpq_calls_pqconnectpoll_directly(symbolic_libpq):
    # The control: Debian's own libpq calls its PQconnectPoll through the PLT.
    assert " PQconnectPoll" in plt_slots(SYSTEM_LIBPQ.resolve())
    assert "PQconnectPoll" not in plt_slots(symbolic_libpq)


@pytest.fixture
def symbolic_env(shim_env, symbolic_libpq):
    """symbolic_env(**overrides) -> shim_env with the symbolic libpq found first."""
    return lambda **overrides: shim_env(LD_LIBRARY_PATH=symbolic_libpq.parent, **overrides)


def test_programs_run_the_symbolic_libpq(run, entry_points, symbolic_env, symbolic_libpq):
    result = run([str(entry_points), "libraries", "connectdb=heroku://demo-app"], symbolic_env())
    lines = result.stdout.splitlines()
    assert str(symbolic_libpq.resolve()) in lines[0].split(), lines[0]
    assert lines[1] == "connectdb: " + APP_OK, result.stdout + result.stderr


@pytest.mark.parametrize("reset", ["reset", "reset_start"])
def test_reset_after_a_rotation(reset, run, entry_points, symbolic_env, db, api):
    """PQreset, or PQresetStart and the program's PQresetPoll loop, after a
    rotation of a password of the same length: the reset connects with the
    new credential, at the cost of one request."""
    steps = ["hold=heroku://demo-app", "wait", "terminate", reset, "terminate", reset]
    result = run([str(entry_points), *steps], symbolic_env(HPGSHIM_DEBUG="1"),
                 on_pause=lambda: db.rotate("demo-app") and None)
    lines = result.stdout.splitlines()
    assert lines[3] == f"{reset}: {APP_OK}", result.stdout + result.stderr
    assert lines[5] == f"{reset}: {APP_OK}", result.stdout + result.stderr
    assert result.stderr.count(REWRITTEN) == 1
    assert api.count("demo-app") == 2


@pytest.mark.parametrize("reset", ["reset", "reset_start"])
def test_reset_that_cannot_follow_says_how_to_reconnect(reset, run, entry_points, symbolic_env,
                                                        db):
    steps = ["hold=heroku://demo-app", "wait", "terminate", reset, "connectdb=heroku://demo-app"]
    result = run([str(entry_points), *steps], symbolic_env(),
                 on_pause=lambda: db.rotate("demo-app", new_password(len(db.app.password) + 8))
                 and None)
    lines = result.stdout.splitlines()
    assert lines[3].startswith(f"{reset}: failed:"), result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        NOT_FOLLOWED + "the new password is longer than the one libpq holds" + RECONNECT_HINT]
    assert lines[4] == "connectdb: " + APP_OK, result.stdout + result.stderr


def test_reset_without_a_rotation_asks_nothing(run, entry_points, symbolic_env, api):
    result = run([str(entry_points), "hold=heroku://demo-app", "terminate", "reset", "terminate",
                  "reset_start"], symbolic_env())
    lines = result.stdout.splitlines()
    assert lines[2] == "reset: " + APP_OK and lines[4] == "reset_start: " + APP_OK, result.stdout
    assert api.count() == 1


def test_interactive_psql_resets_after_a_rotation(symbolic_env, secrets, db):
    """Heroku rotates the credential and ends the session; psql notices at
    the next query and resets the connection (PQreset)."""
    psql = InteractivePsql("heroku://demo-app", symbolic_env(), secrets)
    try:
        app_line = session_line("app_user", "psql") + "\n"
        # psql's \\! shell reads its parent's maps: psql runs the symbolic libpq
        maps = f"\\! grep -q {SYMBOLIC_LIBPQ.resolve()} /proc/$PPID/maps && echo symbolic"
        output = psql.do(SESSION_QUERY + ";", maps)
        assert output.endswith(app_line + "symbolic\n"), output
        db.rotate("demo-app")
        db.end_sessions("demo-app")
        output = psql.do(SESSION_QUERY + ";")
        assert "The connection to the server was lost. Attempting reset: Succeeded." in output, \
            output
        assert psql.do(SESSION_QUERY + ";") == app_line
    finally:
        psql.close()
