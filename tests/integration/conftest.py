"""Fixtures for the integration tests: one PostgreSQL server and one Heroku
API stand-in per session, reset to a known state before every test."""

# Annotations as strings: Debian 11's Python 3.9 runs the platform suite
# (scripts/platform.sh) and has no `str | None` at run time.
from __future__ import annotations

import functools
import socket
from pathlib import Path

import pytest

from harness import run as run_checked, sanitizers
from harness.stack import Stack, running_stack

REPO_ROOT = Path(__file__).resolve().parents[2]

# Passwords full of characters that URLs, conninfo strings and SQL treat
# specially: every one of them must survive the trip through DATABASE_URL.
APP_PASSWORD = "p@ss w'rd\"\\=&%:/?#x"
OTHER_PASSWORD = "0ther \\'pa$$\" w0rd=100%&more@:/?#"


class Databases:
    """`db.app` is demo-app's database, `db.other` is other-app's."""

    def __init__(self, stack: Stack):
        self._stack = stack
        self.app = stack.add_app("demo-app", "app_user", "app_db", APP_PASSWORD,
                                 url_vars=("DATABASE_URL", "HEROKU_POSTGRESQL_VIOLET_URL"))
        self.other = stack.add_app("other-app", "other_user", "other_db", OTHER_PASSWORD)

    def reset(self):
        """Original passwords in PostgreSQL, fresh config vars in the API."""
        for database in (self.app, self.other):
            self._stack.restore(database.app)
        api = self._stack.api
        api.set_config_var("demo-app", "LANG", "en_US.UTF-8")
        api.set_config_var("demo-app", "REDIS_URL", "redis://h:secret@example.invalid:6379")

    def rotate(self, app: str, password: str | None = None) -> str:
        """A new password for the app's role, in PostgreSQL and in the app's
        config vars, as Heroku does on a credential rotation; returns it.
        By default as long as the old one (Heroku's have a fixed length)."""
        return self._stack.rotate(app, password)

    def end_sessions(self, app: str):
        """Ends the sessions of the app's role, as Heroku does once it has
        rotated the credential; returns when they are gone."""
        self._stack.end_sessions(app)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shim_path(repo_root) -> Path:
    """build/libhpgshim.so, or the sanitizer build that HPGSHIM_TEST_PRELOAD
    loads (make check-asan, make check-tsan; see harness/sanitizers.py)."""
    path = sanitizers.library_under_test(default=repo_root / "build" / "libhpgshim.so")
    if not path.exists():
        pytest.fail(f"{path} not found: run make first")
    return path


@pytest.fixture(scope="session")
def entry_points(repo_root) -> Path:
    """The small C client that calls every hooked entry point."""
    path = repo_root / "build" / "entry_points"
    if not path.exists():
        pytest.fail(f"{path} not found: run make first")
    return path


class ResolverSpy:
    """build/libresolver_spy.so (tests/clients/resolver_spy.c): preloaded
    after the shim, it records every getaddrinfo() name and fails the names
    a test lists, even while the program runs."""

    def __init__(self, library: Path, directory: Path):
        self.library = library
        self._log = directory / "lookups"
        self._fail = directory / "fail"
        self._hosts = directory / "hosts"

    def environment(self, shim_env: dict) -> dict:
        """shim_env with the spy preloaded after the shim, logging afresh."""
        self._log.unlink(missing_ok=True)
        return {**shim_env, "LD_PRELOAD": f"{shim_env['LD_PRELOAD']} {self.library}",
                "RESOLVER_SPY_LOG": str(self._log), "RESOLVER_SPY_FAIL": str(self._fail),
                "RESOLVER_SPY_HOSTS": str(self._hosts)}

    def names(self) -> list:
        """Every name looked up so far, in order."""
        return self._log.read_text().splitlines() if self._log.exists() else []

    def fail(self, *names: str):
        """From now on these names do not resolve."""
        self._fail.write_text("".join(f"{name}\n" for name in names))

    def resolve(self, name: str, address: str):
        """From now on name resolves to address (unless it is made to fail)."""
        with self._hosts.open("a") as hosts:
            hosts.write(f"{name} {address}\n")

    def heal(self):
        self._fail.unlink(missing_ok=True)


@pytest.fixture
def resolver_spy(repo_root, tmp_path) -> ResolverSpy:
    library = repo_root / "build" / "libresolver_spy.so"
    if not library.exists():
        pytest.fail(f"{library} not found: run make integration first")
    directory = tmp_path / "resolver-spy"
    directory.mkdir()
    return ResolverSpy(library, directory)


@pytest.fixture(scope="session")
def stack():
    """The test PKI, PostgreSQL and the API stand-in, for the whole session."""
    with running_stack() as services:
        yield services


@pytest.fixture(scope="session")
def pki(stack):
    return stack.pki


@pytest.fixture(scope="session")
def pg(stack):
    return stack.pg


@pytest.fixture(scope="session")
def api(stack):
    return stack.api


@pytest.fixture(scope="session")
def api_token(stack) -> str:
    return stack.token


@pytest.fixture(scope="session")
def db(stack) -> Databases:
    return Databases(stack)


@pytest.fixture(scope="session")
def secrets(stack, db) -> list:
    """Everything that must never appear in a program's output: the token
    and every password an app had; a test may add its own."""
    return stack.secrets


@pytest.fixture(autouse=True)
def _fresh_state(api, db):
    """Each test starts from the same API and database state."""
    api.reset()
    db.reset()


@pytest.fixture
def home_dir(tmp_path) -> Path:
    """The HOME of programs the test runs: empty, so no real ~/.netrc."""
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def plain_env(stack, home_dir):
    """plain_env(**overrides) -> a minimal environment without the shim.

    An override set to None removes that variable."""
    return functools.partial(stack.plain_env, HOME=home_dir)


@pytest.fixture
def shim_env(stack, home_dir, shim_path, tmp_path):
    """shim_env(**overrides) -> the environment to run a program under the
    shim, pointed at the API stand-in. An override set to None removes
    that variable.

    Under a sanitizer build the programs also get the sanitizers' options,
    and the test fails afterwards if a sanitizer reported anything but a
    leak that did not go through the shim."""
    reports = sanitizers.Reports(tmp_path / "sanitizer-reports")

    def make(**overrides) -> dict:
        return stack.shim_env(sanitizers.ld_preload(shim_path), HOME=home_dir,
                              **{**reports.environment(), **overrides})

    yield make
    reports.check()


@pytest.fixture
def run(secrets):
    """run(cmd, env, input=None, timeout=60) -> CompletedProcess, failing
    the test if any of `secrets` shows up in the output."""
    return functools.partial(run_checked, secrets=secrets)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
