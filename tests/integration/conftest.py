"""Fixtures for the integration tests: one PostgreSQL server and one Heroku
API stand-in per session, reset to a known state before every test."""

import functools
import os
import shutil
import socket
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# pytest puts only this directory on sys.path; the harness lives beside it.
sys.path.insert(0, str(REPO_ROOT / "tests"))

from harness import (  # noqa: E402
    HerokuApiStandIn,
    PgServer,
    make_test_pki,
    new_api_token,
    new_password,
    run as run_checked,
)
from harness import sanitizers  # noqa: E402

# Passwords full of characters that URLs, conninfo strings and SQL treat
# specially: every one of them must survive the trip through DATABASE_URL.
APP_PASSWORD = "p@ss w'rd\"\\=&%:/?#x"
OTHER_PASSWORD = "0ther \\'pa$$\" w0rd=100%&more@:/?#"

# /usr/local is left out so that `python3` is Debian's (with psycopg2), not
# some other build installed there.
_PATH = "/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass
class AppDatabase:
    """A Heroku app and the role and database its DATABASE_URL points at."""

    app: str
    user: str
    dbname: str
    original_password: str
    url_vars: tuple  # the app's config vars that hold this database's URL
    pg: PgServer
    password: str = field(init=False)  # the current one

    def __post_init__(self):
        self.password = self.original_password

    @property
    def url(self) -> str:
        return self.pg.url(self.user, self.password, self.dbname)


class Databases:
    """`db.app` is demo-app's database, `db.other` is other-app's."""

    def __init__(self, pg: PgServer, api: HerokuApiStandIn, secrets: list):
        self._pg = pg
        self._api = api
        self._secrets = secrets
        self.app = AppDatabase(
            "demo-app", "app_user", "app_db", APP_PASSWORD,
            ("DATABASE_URL", "HEROKU_POSTGRESQL_VIOLET_URL"), pg,
        )  # fmt: skip
        self.other = AppDatabase(
            "other-app", "other_user", "other_db", OTHER_PASSWORD,
            ("DATABASE_URL",), pg,
        )  # fmt: skip
        self._by_app = {database.app: database for database in (self.app, self.other)}

    def create(self):
        for database in self._by_app.values():
            self._pg.create_app_database(database.user, database.password, database.dbname)

    def reset(self):
        """Original passwords in PostgreSQL, fresh config vars in the API."""
        for database in self._by_app.values():
            if database.password != database.original_password:
                self._pg.set_password(database.user, database.original_password)
                database.password = database.original_password
            self._publish_url(database)
        self._api.set_config_var("demo-app", "LANG", "en_US.UTF-8")
        self._api.set_config_var(
            "demo-app", "REDIS_URL", "redis://h:secret@example.invalid:6379"
        )

    def rotate(self, app: str) -> str:
        """Give the app's role a new password, in PostgreSQL and in the app's
        config vars, as Heroku does on a credential rotation; return it."""
        database = self._by_app[app]
        password = new_password()
        self._secrets.append(password)
        self._pg.set_password(database.user, password)
        database.password = password
        self._publish_url(database)
        return password

    def _publish_url(self, database: AppDatabase):
        for name in database.url_vars:
            self._api.set_config_var(database.app, name, database.url)


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
def pki(tmp_path_factory):
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def pg(pki):
    # Not under tmp_path_factory: pytest's base directory is 0700 and owned
    # by root, so the unprivileged server user could not reach its files.
    base_dir = tempfile.mkdtemp(prefix="hpgshim-pg-")
    os.chmod(base_dir, 0o755)
    try:
        with PgServer(base_dir, pki) as server:
            yield server
    finally:
        shutil.rmtree(base_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def api_token() -> str:
    return new_api_token()


@pytest.fixture(scope="session")
def api(pki, api_token):
    with HerokuApiStandIn(pki, api_token) as stand_in:
        yield stand_in


@pytest.fixture(scope="session")
def secrets(api_token) -> list:
    """Everything that must never appear in a program's output; rotate()
    adds each new password, and a test may add its own."""
    return [api_token, APP_PASSWORD, OTHER_PASSWORD]


@pytest.fixture(scope="session")
def db(pg, api, secrets) -> Databases:
    databases = Databases(pg, api, secrets)
    databases.create()
    return databases


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
def plain_env(home_dir):
    """plain_env(**overrides) -> a minimal environment without the shim.

    An override set to None removes that variable."""

    def make(**overrides) -> dict:
        env = {"PATH": _PATH, "LANG": "C.UTF-8", "HOME": str(home_dir)}
        for name, value in overrides.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = str(value)
        return env

    return make


@pytest.fixture
def shim_env(plain_env, shim_path, api, api_token, pki, tmp_path):
    """shim_env(**overrides) -> the environment to run a program under the
    shim, pointed at the API stand-in. An override set to None removes
    that variable.

    Under a sanitizer build the programs also get the sanitizers' options,
    and the test fails afterwards if a sanitizer reported anything but a
    leak that did not go through the shim."""
    reports = sanitizers.Reports(tmp_path / "sanitizer-reports")

    def make(**overrides) -> dict:
        shim_settings = {
            "LD_PRELOAD": sanitizers.ld_preload(shim_path),
            "HEROKU_HOST": api.url,
            "HEROKU_API_KEY": api_token,
            "HPGSHIM_CAINFO": pki.ca_cert,
            **reports.environment(),
        }
        return plain_env(**{**shim_settings, **overrides})

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
