"""The whole test stack, started in one place for the integration tests
(tests/integration/conftest.py), `make demo` (scripts/demo.py) and `make
bench` (scripts/bench.py): a test PKI, a PostgreSQL server that accepts only
TLS, the HTTPS stand-in of the Heroku API, the apps whose config vars point
at roles of that server, and the environments to run programs in, with and
without the shim.
"""

# Annotations as strings: Debian 11's Python 3.9 runs the platform suite
# (scripts/platform.sh) and has no `str | None` at run time.
from __future__ import annotations

import shutil
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .certs import Pki, make_test_pki
from .credentials import new_api_token, new_password
from .heroku_api import HerokuApiStandIn
from .pgserver import PG_BIN, PgServer, sql_literal

# Debian's PostgreSQL programs first, then the system's; /usr/local is left
# out so that `python3` is Debian's (with psycopg2), not another build.
PATH = f"{PG_BIN}:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass
class AppDatabase:
    """A Heroku app and the role and database its config vars point at."""

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
        """The URL as Heroku writes it, with the current password."""
        return self.pg.url(self.user, self.password, self.dbname)


class Stack:
    """The running services and the apps on them.

    `secrets` lists everything that must never appear in a program's output:
    the API token and every password an app has had."""

    def __init__(self, work_dir: Path, pki: Pki, pg: PgServer, api: HerokuApiStandIn,
                 token: str):
        self.work_dir = work_dir  # removed with everything in it when the stack stops
        self.home = work_dir / "home"  # 0700 and empty
        self.pki = pki
        self.pg = pg
        self.api = api
        self.token = token
        self.secrets = [token]
        self._apps = {}

    def add_app(self, app: str, user: str, dbname: str, password: str | None = None,
                url_vars: tuple = ("DATABASE_URL",)) -> AppDatabase:
        """A role and database on the server, and the app's config vars
        holding their URL."""
        database = AppDatabase(app, user, dbname, password or new_password(), url_vars, self.pg)
        self.secrets.append(database.password)
        self.pg.create_app_database(database.user, database.password, database.dbname)
        self._apps[app] = database
        self.publish(app)
        return database

    def publish(self, app: str):
        """The app's config vars hold its database's current URL."""
        database = self._apps[app]
        for name in database.url_vars:
            self.api.set_config_var(app, name, database.url)

    def rotate(self, app: str, password: str | None = None) -> str:
        """A new password in PostgreSQL and in the app's config vars, as
        Heroku's credential rotation does; returns it.  Heroku's passwords
        have a fixed length: by default the new one is as long as the old
        one (a reset can then rewrite it in place); pass password to choose."""
        if password is None:
            password = new_password(len(self._apps[app].password))
        self.secrets.append(password)
        self._set_password(app, password)
        return password

    def end_sessions(self, app: str):
        """Ends every session of the app's role, as Heroku does once it has
        rotated the credential; returns when they are gone."""
        user = sql_literal(self._apps[app].user)
        self.pg.admin(f"select pg_terminate_backend(pid, 10000) from pg_stat_activity "
                      f"where usename = {user};")

    def restore(self, app: str):
        """The app's original password, in PostgreSQL and its config vars."""
        database = self._apps[app]
        if database.password != database.original_password:
            self._set_password(app, database.original_password)
        else:
            self.publish(app)

    def _set_password(self, app: str, password: str):
        database = self._apps[app]
        self.pg.set_password(database.user, password)
        database.password = password
        self.publish(app)

    def plain_env(self, **overrides) -> dict:
        """A minimal environment without the shim, with an empty HOME (no
        ~/.psqlrc, ~/.netrc or PG* variables of whoever runs it).  An
        override set to None removes that variable."""
        env = {"PATH": PATH, "LANG": "C.UTF-8", "HOME": str(self.home)}
        return _overridden(env, overrides)

    def shim_env(self, library: str, **overrides) -> dict:
        """plain_env with `library` preloaded and pointed at the stand-in."""
        return self.plain_env(**{
            "LD_PRELOAD": library,
            "HEROKU_HOST": self.api.url,
            "HEROKU_API_KEY": self.token,
            "HPGSHIM_CAINFO": str(self.pki.ca_cert),
            **overrides,
        })


def _overridden(env: dict, overrides: dict) -> dict:
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


@contextmanager
def running_stack(prefix: str = "hpgshim-"):
    """Starts the PKI, PostgreSQL and the API stand-in in a new temporary
    directory, yields the Stack, and stops and removes everything however
    the block ends (Ctrl-C while the server starts included)."""
    with ExitStack() as cleanup:
        # Not under pytest's tmp_path: its base directory is 0700 and owned
        # by root, so the server's unprivileged OS user could not reach its
        # files.  What is private (the CA's key, HOME) lives in 0700
        # directories inside.
        # Removed ignoring errors, as TemporaryDirectory(ignore_cleanup_errors=True)
        # would, which Debian 11's Python 3.9 does not have.
        base_dir = Path(tempfile.mkdtemp(prefix=prefix))
        cleanup.callback(shutil.rmtree, base_dir, ignore_errors=True)
        base_dir.chmod(0o755)
        pki_dir, home = base_dir / "pki", base_dir / "home"
        for path in (pki_dir, home):
            path.mkdir(mode=0o700)
        pki = make_test_pki(pki_dir)
        pg = PgServer(base_dir, pki)
        # Registered before start(): `with PgServer(...)` would only stop a
        # server whose start() returned.
        cleanup.callback(pg.stop)
        pg.start()
        token = new_api_token()
        api = cleanup.enter_context(HerokuApiStandIn(pki, token))
        yield Stack(base_dir, pki, pg, api, token)
