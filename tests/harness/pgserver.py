"""A real, private PostgreSQL server, configured like Heroku's: TLS only,
SCRAM passwords, nothing reachable without encryption over TCP.  The server
is the platform's own: Debian 12's postgresql-15, Debian 11's 13 and Debian
13's 17 in the platform runs (scripts/platform.sh)."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote



def _pg_bin() -> Path:
    """The installed PostgreSQL's programs: HPGSHIM_TEST_PG_BIN, or Debian's
    /usr/lib/postgresql/MAJOR/bin of the newest server installed (each
    Debian release ships one: 13 on Debian 11, 15 on 12, 17 on 13)."""
    if os.environ.get("HPGSHIM_TEST_PG_BIN"):
        return Path(os.environ["HPGSHIM_TEST_PG_BIN"])
    servers = Path("/usr/lib/postgresql").glob("*/bin/postgres")
    majors = sorted((int(path.parts[-3]), path.parent) for path in servers
                    if path.parts[-3].isdigit())
    if not majors:
        raise RuntimeError("no PostgreSQL server in /usr/lib/postgresql/*/bin: "
                           "install Debian's postgresql (scripts/install-deps.sh)")
    return majors[-1][1]


PG_BIN = _pg_bin()
PSQL = PG_BIN / "psql"

# The database superuser, reachable only over the private unix socket.
SUPERUSER = "postgres"

# PostgreSQL refuses to run as root, so when the tests run as root (as CI
# does) the server runs as this OS user instead; the fallback is created when
# the postgresql packages did not create the first one.
SERVER_OS_USERS = ("postgres", "hpgshim-pg")

# A fixed environment for the server and the admin psql: nothing from the
# test run (LD_PRELOAD, PG* variables, ...) may change how they behave.
_TOOL_ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}

_PG_HBA = """\
local     all all              trust
hostssl   all all 127.0.0.1/32 scram-sha-256
hostssl   all all ::1/128      scram-sha-256
hostnossl all all 0.0.0.0/0    reject
hostnossl all all ::/0         reject
"""

_LOG_TAIL_LINES = 40
_START_TIMEOUT = 60
_STOP_TIMEOUT = 60


def sql_literal(text: str) -> str:
    # Doubling quotes is the whole escaping needed: standard_conforming_strings
    # is on (the default), so backslashes have no special meaning.
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PgServer:
    host = "127.0.0.1"

    def __init__(self, base_dir, pki):
        self._pki = pki
        self._os_user = _server_os_user() if os.geteuid() == 0 else None
        # Everything the server writes lives here, owned by the server's user.
        self._home = Path(base_dir) / "postgres"
        self.data_dir = self._home / "data"
        self.socket_dir = self._home / "socket"
        self.log_file = self._home / "postgres.log"
        self.port = None
        self._postmaster = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()  # a server half started (or interrupted) is still stopped
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        self._make_private_dir(self._home)
        self._make_private_dir(self.socket_dir)
        self._initdb()
        self._install_tls_files()
        self.port = _free_port(self.host)
        self._write_config()
        self._launch()

    def restart(self):
        """Stops the server (fast shutdown: sessions end) and starts it again
        on the same port with the same data, as a database restart does."""
        self.stop()
        self._launch()

    def _launch(self):
        # Not `pg_ctl start`: it orphans the postmaster, which after stopping
        # lingers as a zombie until init gets round to reaping it. As our own
        # child, stop() reaps it.
        with open(self.log_file, "ab") as log:
            self._postmaster = subprocess.Popen(
                self._as_server_user([PG_BIN / "postgres", "-D", self.data_dir]),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_TOOL_ENV,
                cwd=self._home,
                # Its own session, so a Ctrl-C meant for pytest does not reach
                # the server before pytest's clean-up has run.
                start_new_session=True,
            )
        self._wait_until_ready()

    def stop(self):
        if self._postmaster is None:
            return
        # SIGINT is PostgreSQL's "fast" shutdown, SIGQUIT its "immediate" one.
        for stop_signal in (signal.SIGINT, signal.SIGQUIT, signal.SIGKILL):
            self._postmaster.send_signal(stop_signal)
            try:
                self._postmaster.wait(timeout=_STOP_TIMEOUT)
                break
            except subprocess.TimeoutExpired:
                pass
        self._postmaster = None

    def log_tail(self, lines=_LOG_TAIL_LINES) -> str:
        try:
            return "\n".join(self.log_file.read_text().splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log file)"

    def admin(self, sql: str, dbname: str = "postgres") -> str:
        """Run SQL as the superuser over the unix socket; return its output."""
        # The SQL goes through stdin, not -c, so that passwords in it never
        # show up in the process list.
        result = subprocess.run(
            [
                PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-qAt",
                "-h", self.socket_dir, "-p", str(self.port),
                "-U", SUPERUSER, "-d", dbname,
            ],  # fmt: skip
            input=sql,
            capture_output=True,
            text=True,
            env=_TOOL_ENV,
            timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"admin SQL failed: {result.stderr.strip()}")
        return result.stdout

    def create_app_database(self, role: str, password: str, dbname: str):
        self.admin(
            f"CREATE ROLE {sql_identifier(role)} LOGIN PASSWORD {sql_literal(password)};\n"
            f"CREATE DATABASE {sql_identifier(dbname)} OWNER {sql_identifier(role)};\n"
        )

    def set_password(self, role: str, password: str):
        self.admin(f"ALTER ROLE {sql_identifier(role)} PASSWORD {sql_literal(password)};")

    def url(self, role: str, password: str, dbname: str) -> str:
        """The URL as Heroku puts it in DATABASE_URL."""
        user, secret, database = (quote(part, safe="") for part in (role, password, dbname))
        return f"postgres://{user}:{secret}@{self.host}:{self.port}/{database}"

    def _wait_until_ready(self):
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._postmaster.poll() is not None:
                self._postmaster = None
                self._fail_to_start("it exited")
            ready = subprocess.run(
                [PG_BIN / "pg_isready", "-q", "-h", self.socket_dir, "-p", str(self.port)],
                env=_TOOL_ENV,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.05)
        self.stop()
        self._fail_to_start(f"not ready after {_START_TIMEOUT} s")

    def _fail_to_start(self, reason):
        raise RuntimeError(
            f"PostgreSQL did not start: {reason}\n"
            f"--- last lines of {self.log_file} ---\n{self.log_tail()}"
        )

    def _initdb(self):
        result = self._run_as_server_user(
            [
                PG_BIN / "initdb",
                "-D", self.data_dir,
                "-U", SUPERUSER,
                "--auth=trust",  # replaced by our pg_hba.conf below
                "--encoding=UTF8", "--no-locale",
                "--no-sync",  # a test cluster need not survive a power cut
            ]  # fmt: skip
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}{result.stderr}")

    def _install_tls_files(self):
        # The server gets its own copies: it insists that its key belongs to
        # it and is not readable by group or others.
        for source, name in (
            (self._pki.server_cert, "server.crt"),
            (self._pki.server_key, "server.key"),
        ):
            target = self.data_dir / name
            shutil.copyfile(source, target)
            self._give_to_server_user(target)
            target.chmod(0o600)

    def _write_config(self):
        # Settings appended last win over initdb's defaults.
        with open(self.data_dir / "postgresql.conf", "a") as config:
            config.write(
                "\n# hpgshim integration tests\n"
                f"listen_addresses = '{self.host}'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "ssl = on\n"
                "ssl_cert_file = 'server.crt'\n"
                "ssl_key_file = 'server.key'\n"
                "password_encryption = 'scram-sha-256'\n"
                "max_connections = 200\n"
                "shared_buffers = 16MB\n"
                # Speed over durability: the cluster is thrown away.
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                # Helps when reading the log after a failed test.
                "log_connections = on\n"
            )
        (self.data_dir / "pg_hba.conf").write_text(_PG_HBA)

    def _make_private_dir(self, path: Path):
        path.mkdir(mode=0o700)
        self._give_to_server_user(path)
        if self._os_user is None:
            return
        # Catch the classic trap here, with a clear message, instead of as an
        # obscure initdb failure: a parent directory (e.g. a 0700
        # /tmp/pytest-of-root) that the server's user cannot enter.
        reachable = self._run_as_server_user(["test", "-w", path, "-a", "-x", path])
        if reachable.returncode != 0:
            raise RuntimeError(
                f"{path} is not reachable by OS user {self._os_user}: every "
                "parent directory must be searchable by others (chmod o+x); "
                "e.g. make base_dir with tempfile.mkdtemp() and chmod it 0755"
            )

    def _give_to_server_user(self, path: Path):
        if self._os_user is not None:
            account = pwd.getpwnam(self._os_user)
            os.chown(path, account.pw_uid, account.pw_gid)

    def _as_server_user(self, command):
        if self._os_user is None:
            return command
        account = pwd.getpwnam(self._os_user)
        # setpriv, unlike runuser, replaces itself with the command: the
        # postmaster is then our direct child, and gets our signals.
        return [
            "setpriv",
            f"--reuid={account.pw_uid}",
            f"--regid={account.pw_gid}",
            "--init-groups",
            # Should the tests die without stopping the server, it stops.
            "--pdeathsig=INT",
            "--",
            *command,
        ]

    def _run_as_server_user(self, command):
        # Run from a directory the server's user can enter; the default (the
        # caller's, maybe /root) makes initdb complain.
        return subprocess.run(
            self._as_server_user(command),
            capture_output=True,
            text=True,
            env=_TOOL_ENV,
            cwd=self._home,
            timeout=120,
        )


def _server_os_user() -> str:
    for name in SERVER_OS_USERS:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            pass
    name = SERVER_OS_USERS[-1]
    subprocess.run(
        [
            "useradd", "--system", "--no-create-home",
            "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
            name,
        ],  # fmt: skip
        check=True,
    )
    return name


def _free_port(host: str) -> int:
    # The kernel picks a port nobody uses; there is a small window before the
    # server binds it, which is acceptable on a test machine.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
