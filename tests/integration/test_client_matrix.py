"""The client matrix: the libpq clients people run, each under the shim with
a placeholder, with an ordinary conninfo, and across a credential rotation.

- Command-line tools, as Debian's wrappers in /usr/bin run them: psql,
  pg_dump (plain, and a parallel dump to a directory), pg_restore -j,
  pg_dumpall, pg_isready, pgbench, vacuumdb and createdb. psql also within
  one session: \\c, and the reset of a lost connection (PQreset).
- Drivers: psycopg2, psycopg 3, ruby pg, perl DBD::Pg, PHP's pgsql and PDO
  pgsql, and a module that carries its own libpq under another file name,
  as psycopg2-binary does.

With a placeholder the connection must be real and over TLS: the clients
print the server's view of their session (pg_stat_ssl), and for tools that
print no query result, the server's log shows whose sessions it authorised
and that they used TLS. With an ordinary conninfo the shim stays out of the
way: the client does exactly what it does without the shim, and the API
stand-in gets no request. After a rotation the next connection works.

Each test states what a user expects of the client, also where the shim
falls short of it (see the README on reconnecting).
"""

from __future__ import annotations  # `X | None` on Debian 11's Python 3.9

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import termios
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from harness import scrub
from harness.pgserver import PG_BIN, SUPERUSER

REPO_ROOT = Path(__file__).resolve().parents[2]

APP = "demo-app"
PLACEHOLDER = f"heroku://{APP}"
OTHER_PLACEHOLDER = "heroku://other-app"

# The server's view of the session, as one text value any client can print.
SESSION_QUERY = (
    "select format('user=%s ssl=%s app=%s', current_user, ssl, current_setting('application_name'))"
    " from pg_stat_ssl where pid = pg_backend_pid()"
)


def session_line(user: str, app: str) -> str:
    """What SESSION_QUERY prints for a TLS session of user named app."""
    return f"user={user} ssl=t app={app}"


# Debian's wrappers, which exec the binary of the right major version: what
# a user's shell runs.
PSQL = "/usr/bin/psql"
PG_DUMP = "/usr/bin/pg_dump"
PG_RESTORE = "/usr/bin/pg_restore"
PG_DUMPALL = "/usr/bin/pg_dumpall"
PG_ISREADY = "/usr/bin/pg_isready"
PGBENCH = "/usr/bin/pgbench"
VACUUMDB = "/usr/bin/vacuumdb"
CREATEDB = "/usr/bin/createdb"

PYTHON = "/usr/bin/python3"  # Debian's, with python3-psycopg2 and python3-psycopg
RUBY = "/usr/bin/ruby"
PERL = "/usr/bin/perl"
PHP = "/usr/bin/php"


# --- the two kinds of target ----------------------------------------------------------

@dataclass(frozen=True)
class Ordinary:
    """An ordinary keyword/value conninfo for demo-app's database. The
    password travels in PGPASSWORD, which libpq reads for every client, so
    the same string works in every client's own connection syntax."""

    conninfo: str
    env: dict


@pytest.fixture
def ordinary(pg, db) -> Ordinary:
    return Ordinary(
        f"host={pg.host} port={pg.port} dbname={db.app.dbname} user={db.app.user} sslmode=require",
        {"PGPASSWORD": db.app.password},
    )


# --- what the server saw ---------------------------------------------------------------

_AUTHORIZED = re.compile(r"connection authorized: user=(?P<user>\S+) ")


def log_offset(pg) -> int:
    return len(pg.log_file.read_text())


def sessions_since(pg, offset: int) -> set:
    """{(user, "TLS" or "no TLS")} of the sessions the server authorised
    after offset, from its log (log_connections); the harness's own, as the
    superuser, left out."""
    sessions = set()
    for line in pg.log_file.read_text()[offset:].splitlines():
        match = _AUTHORIZED.search(line)
        if match and match["user"] != SUPERUSER:
            sessions.add((match["user"], "TLS" if " SSL enabled " in line else "no TLS"))
    return sessions


# --- command-line tools ---------------------------------------------------------------

ITEMS_TABLE = "matrix_items"
ITEMS_ROWS = "1:one,2:two"
CREATED_DB = "matrix_created"
PGBENCH_TABLES = "pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers"


@dataclass
class Workspace:
    """What the tools work on: demo-app's database holds ITEMS_TABLE (owned
    by its role), `dump` is a directory-format dump of that table, and
    new_dir() gives each run a directory of its own."""

    root: Path
    dump: Path
    _runs: int = 0

    def new_dir(self) -> Path:
        self._runs += 1
        directory = self.root / f"run-{self._runs}"
        directory.mkdir()
        return directory


@pytest.fixture
def workspace(pg, db, tmp_path):
    pg.admin(
        f"create table {ITEMS_TABLE} (id int primary key, name text);"
        f"insert into {ITEMS_TABLE} values (1, 'one'), (2, 'two');"
        f"alter table {ITEMS_TABLE} owner to {db.app.user};",
        dbname=db.app.dbname,
    )
    # createdb needs CREATEDB, which the app's role (like a Heroku role) lacks.
    pg.admin(f"alter role {db.app.user} createdb")
    # The dump pg_restore restores: made without the shim, over the server's
    # private socket, so that only pg_restore is under test.
    dump = tmp_path / "items.dump"
    subprocess.run(
        [PG_BIN / "pg_dump", "-h", pg.socket_dir, "-p", str(pg.port), "-U", SUPERUSER,
         "-Fd", "-f", dump, f"--table={ITEMS_TABLE}", db.app.dbname],
        check=True, capture_output=True, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    yield Workspace(tmp_path, dump)
    pg.admin(f"drop table if exists {ITEMS_TABLE}, {PGBENCH_TABLES}", dbname=db.app.dbname)
    pg.admin(f"drop database if exists {CREATED_DB}")
    pg.admin(f"alter role {db.app.user} nocreatedb")


def script_text(result) -> str:
    """A dump script without its \\restrict lines, whose key is new in
    every run (pg_dump 15.14 and later)."""
    return "".join(
        line for line in result.stdout.splitlines(keepends=True)
        if not line.startswith(("\\restrict ", "\\unrestrict "))
    )


def items(pg) -> str:
    return pg.admin(
        f"select string_agg(id || ':' || name, ',' order by id) from {ITEMS_TABLE}",
        dbname="app_db",
    ).strip()


def pgbench_transactions(result) -> str:
    # The rest of pgbench's report is timings, different in every run.
    return "".join(line for line in result.stdout.splitlines(keepends=True)
                   if line.startswith("number of transactions actually processed"))


def parallel_dump(target, workspace):
    # The dump, then its data as a script: pg_restore -f - reads the
    # directory and connects to nothing.
    directory = workspace.new_dir() / "dump"
    return [
        [PG_DUMP, "-Fd", "-j", "4", "-f", directory, f"--table={ITEMS_TABLE}", target],
        [PG_RESTORE, "--data-only", "-f", "-", directory],
    ]


@dataclass(frozen=True)
class Tool:
    """A command-line tool, and how to tell what it did."""

    # (target, workspace) -> the commands one run of the tool runs in turn
    commands: Callable
    # (result of the last command, pg) -> what the run achieved, the same
    # with and without the shim for an ordinary conninfo
    outcome: Callable
    # part of the outcome when the tool worked
    expected: str
    # undoes what an earlier run did, so that each run shows its own effect
    before: Callable = lambda pg: None


TOOLS = {
    "psql": Tool(
        lambda target, ws: [[PSQL, "-XAt", "-c", SESSION_QUERY, "-d", target]],
        lambda result, pg: result.stdout,
        session_line("app_user", "psql"),
    ),
    "pg_dump": Tool(
        lambda target, ws: [[PG_DUMP, f"--table={ITEMS_TABLE}", "--data-only", "--inserts", target]],
        lambda result, pg: script_text(result),
        f"INSERT INTO public.{ITEMS_TABLE} VALUES (1, 'one');",
    ),
    # Four workers, each with a connection of its own, made from the same
    # arguments as the leader's.
    "pg_dump -Fd -j 4": Tool(
        parallel_dump,
        lambda result, pg: script_text(result),
        f"COPY public.{ITEMS_TABLE} (id, name) FROM stdin;\n1\tone\n2\ttwo\n\\.\n",
    ),
    # Into the app's own database, from which the table is dropped first.
    "pg_restore -j 4": Tool(
        lambda target, ws: [[PG_RESTORE, "-j", "4", "-d", target, ws.dump]],
        lambda result, pg: items(pg),
        ITEMS_ROWS,
        before=lambda pg: pg.admin(f"drop table if exists {ITEMS_TABLE}", dbname="app_db"),
    ),
    # Globals only: the rest would read other apps' databases. Without
    # passwords: only a superuser may read them.
    "pg_dumpall": Tool(
        lambda target, ws: [[PG_DUMPALL, "--globals-only", "--no-role-passwords", "-d", target]],
        lambda result, pg: script_text(result),
        "CREATE ROLE app_user;",
    ),
    "pg_isready": Tool(
        lambda target, ws: [[PG_ISREADY, "-d", target]],
        lambda result, pg: result.stdout,
        "accepting connections",
    ),
    "pgbench": Tool(
        lambda target, ws: [[PGBENCH, "-i", "-q", target],
                            [PGBENCH, "--client=2", "--transactions=10", target]],
        lambda result, pg: pgbench_transactions(result),
        "number of transactions actually processed: 20/20",
    ),
    "vacuumdb": Tool(
        lambda target, ws: [[VACUUMDB, "--analyze", f"--table={ITEMS_TABLE}", "-d", target]],
        lambda result, pg: result.stdout,
        'vacuumdb: vacuuming database "app_db"',
    ),
    "createdb": Tool(
        lambda target, ws: [[CREATEDB, f"--maintenance-db={target}", CREATED_DB]],
        lambda result, pg: pg.admin(
            f"select pg_get_userbyid(datdba) from pg_database where datname = '{CREATED_DB}'"),
        "app_user",
        before=lambda pg: pg.admin(f"drop database if exists {CREATED_DB}"),
    ),
}


def run_tool(tool: Tool, target: str, env: dict, run, pg, workspace) -> str:
    """Run the tool once against target; every command must succeed.
    Returns the tool's outcome."""
    tool.before(pg)
    for command in tool.commands(target, workspace):
        result = run([str(part) for part in command], env)
        assert result.returncode == 0, (
            f"{Path(command[0]).name} failed (exit status {result.returncode})\n"
            f"--- stdout ---\n{result.stdout}--- stderr ---\n{result.stderr}"
        )
    return tool.outcome(result, pg)


@pytest.mark.parametrize("name", TOOLS)
def test_tool_with_placeholder(name, run, shim_env, pg, workspace):
    tool = TOOLS[name]
    since = log_offset(pg)
    assert tool.expected in run_tool(tool, PLACEHOLDER, shim_env(), run, pg, workspace)
    # Every session the tool opened, workers included, was the app's own,
    # over TLS (pg_isready's included: a rejected password would open none).
    assert sessions_since(pg, since) == {("app_user", "TLS")}


@pytest.mark.parametrize("name", TOOLS)
def test_tool_with_ordinary_conninfo_is_untouched(name, run, shim_env, plain_env, pg, workspace,
                                                  ordinary, api):
    tool = TOOLS[name]
    with_shim = run_tool(tool, ordinary.conninfo, shim_env(**ordinary.env), run, pg, workspace)
    without = run_tool(tool, ordinary.conninfo, plain_env(**ordinary.env), run, pg, workspace)
    assert tool.expected in without  # the control: this conninfo works at all
    assert with_shim == without
    assert api.count() == 0


@pytest.mark.parametrize("name", TOOLS)
def test_tool_after_a_rotation(name, run, shim_env, pg, db, workspace):
    tool = TOOLS[name]
    assert tool.expected in run_tool(tool, PLACEHOLDER, shim_env(), run, pg, workspace)
    db.rotate(APP)
    since = log_offset(pg)
    assert tool.expected in run_tool(tool, PLACEHOLDER, shim_env(), run, pg, workspace)
    assert sessions_since(pg, since) == {("app_user", "TLS")}


# --- psql: the ways to name the placeholder, and reconnecting within a session --------

PSQL_FORMS = {
    "positional": ([PLACEHOLDER], {}, "psql"),
    "-d": (["-d", PLACEHOLDER], {}, "psql"),
    "-d dbname=": (["-d", f"dbname={PLACEHOLDER}"], {}, "psql"),
    "PGDATABASE": ([], {"PGDATABASE": PLACEHOLDER}, "psql"),
    "application_name in the query": ([f"{PLACEHOLDER}?application_name=nightly"], {}, "nightly"),
}


@pytest.mark.parametrize("args, env, app", PSQL_FORMS.values(), ids=PSQL_FORMS)
def test_psql_placeholder_forms(args, env, app, run, shim_env):
    result = run([PSQL, "-XAt", "-c", SESSION_QUERY, *args], shim_env(**env))
    assert result.stdout.splitlines() == [session_line("app_user", app)], result.stderr


@pytest.mark.parametrize("meta_command, user", [
    ("\\c", "app_user"),                      # again, with the session's own parameters
    (f"\\c {OTHER_PLACEHOLDER}", "other_user"),  # to another app
], ids=["no-argument", "other-app"])
def test_psql_reconnects_within_a_session(meta_command, user, run, shim_env):
    script = f"{SESSION_QUERY};\n{meta_command}\n{SESSION_QUERY};\n"
    result = run([PSQL, "-XAtq", "-v", "ON_ERROR_STOP=1", PLACEHOLDER], shim_env(), input=script)
    assert result.stdout.splitlines() == [
        session_line("app_user", "psql"),
        session_line(user, "psql"),
    ], result.stderr


class InteractivePsql:
    """psql on a pseudo-terminal, where it behaves as with a person at the
    keyboard: it resets a lost connection (reading a script, it would exit),
    and keeps the previous connection when \\c fails."""

    # A guard against a hang, not a measurement: each step takes well under
    # a second.
    STEP_TIMEOUT = 60

    def __init__(self, target: str, env: dict, secrets):
        self._secrets = secrets
        self._steps = 0
        self._master, slave = pty.openpty()
        # Without echo, what comes back is psql's output alone.
        attributes = termios.tcgetattr(slave)
        attributes[3] &= ~termios.ECHO
        termios.tcsetattr(slave, termios.TCSANOW, attributes)
        self._process = subprocess.Popen(
            [PSQL, "-X", "-At",
             "-n",                     # no readline: plain lines in, plain lines out
             "-w",                     # a failed reconnect fails; it does not prompt
             "-P", "pager=off", "-v", "PROMPT1=", "-v", "PROMPT2=",
             target],  # fmt: skip
            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        )
        os.close(slave)

    def do(self, *lines: str) -> str:
        """Type lines; return what psql printed in answer (stdout and stderr)."""
        self._steps += 1
        # \echo joins its arguments with a space, so the line typed never
        # contains the marker printed.
        marker = f"step-{self._steps} done\n"
        typed = [*lines, f"\\echo 'step-{self._steps}' 'done'"]
        os.write(self._master, "".join(line + "\n" for line in typed).encode())
        output = self._read_until(marker)
        return output[: -len(marker)]

    def close(self):
        if self._process.poll() is None:
            os.write(self._master, b"\\q\n")
            try:
                self._process.wait(timeout=self.STEP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._check_for_secrets(self._read_rest())
        os.close(self._master)

    def _read_until(self, marker: str) -> str:
        output = ""
        while marker not in output:
            ready, _, _ = select.select([self._master], [], [], self.STEP_TIMEOUT)
            chunk = self._read_chunk() if ready else None
            if not chunk:
                raise AssertionError(
                    f"psql {'ended' if chunk == '' else 'hung'} before printing {marker!r}; "
                    f"it printed:\n{scrub(output, self._secrets)}")
            output += chunk
            self._check_for_secrets(output)
        return output

    def _read_chunk(self) -> str:
        try:
            data = os.read(self._master, 65536)
        except OSError:  # EIO: psql has exited and the terminal is gone
            data = b""
        # The terminal turns each \n into \r\n.
        return data.decode(errors="replace").replace("\r\n", "\n")

    def _read_rest(self) -> str:
        rest = ""
        while select.select([self._master], [], [], 0)[0] and (chunk := self._read_chunk()):
            rest += chunk
        return rest

    def _check_for_secrets(self, text: str):
        if scrub(text, self._secrets) != text:
            raise AssertionError(f"a secret leaked into psql's output:\n{scrub(text, self._secrets)}")


@pytest.fixture
def interactive_psql(shim_env, secrets):
    """interactive_psql(target) -> an InteractivePsql under the shim."""
    sessions = []

    def start(target):
        sessions.append(InteractivePsql(target, shim_env(), secrets))
        return sessions[-1]

    yield start
    for session in sessions:
        session.close()


def test_psql_backslash_c_after_a_rotation(interactive_psql, db):
    psql = interactive_psql(PLACEHOLDER)
    app_line = session_line("app_user", "psql") + "\n"
    assert psql.do(SESSION_QUERY + ";").endswith(app_line)
    db.rotate(APP)
    output = psql.do("\\c", SESSION_QUERY + ";")
    # After a failed \c the old session answers the query all the same: the
    # message tells whether a new one was made.
    assert 'You are now connected to database "app_db" as user "app_user".' in output, output
    assert output.endswith(app_line), output


def test_psql_resets_a_lost_connection(interactive_psql):
    psql = interactive_psql(PLACEHOLDER)
    app_line = session_line("app_user", "psql") + "\n"
    assert psql.do(SESSION_QUERY + ";").endswith(app_line)
    # The session ends its own backend. psql notices the lost connection at
    # that very query, resets it (PQreset) and goes on with the next one.
    output = psql.do("select pg_terminate_backend(pg_backend_pid());", SESSION_QUERY + ";")
    assert "The connection to the server was lost. Attempting reset: Succeeded." in output, output
    assert output.endswith(app_line), output


def test_psql_reset_after_a_rotation(interactive_psql, db):
    """Heroku rotates the credential and ends the session's backend.  psql
    notices at the next query and resets the connection (PQreset): the
    reset gets the new credential, and so does a later \\c."""
    psql = interactive_psql(PLACEHOLDER)
    app_line = session_line("app_user", "psql") + "\n"
    assert psql.do(SESSION_QUERY + ";").endswith(app_line)
    db.rotate(APP)
    db.end_sessions(APP)
    output = psql.do(SESSION_QUERY + ";")
    assert "The connection to the server was lost. Attempting reset: Succeeded." in output, output
    assert psql.do(SESSION_QUERY + ";") == app_line
    output = psql.do("\\c", SESSION_QUERY + ";")
    assert 'You are now connected to database "app_db" as user "app_user".' in output, output
    assert output.endswith(app_line), output


# --- drivers ------------------------------------------------------------------------
#
# Each driver runs a small script: script QUERY STEP..., where a step is
#   dsn=TARGET      connect with TARGET as the driver's connection string, print QUERY's value
#   kwargs=TARGET   connect with dbname=TARGET and application_name=matrix-kwargs as
#                   keyword arguments, print QUERY's value
#   reset           reset the last connection (ruby pg, PHP pgsql), print QUERY's value,
#                   or "reset failed"
#   wait            print "waiting" and read a line (the test rotates meanwhile)

PYTHON_DRIVER = """
import importlib, sys
driver = importlib.import_module(sys.argv[1])
query, *steps = sys.argv[2:]
for step in steps:
    if step == "wait":
        print("waiting", flush=True)
        sys.stdin.readline()
        continue
    style, _, target = step.partition("=")
    if style == "kwargs":
        conn = driver.connect(dbname=target, application_name="matrix-kwargs")
    else:
        conn = driver.connect(target)
    cursor = conn.cursor()
    cursor.execute(query)
    print(cursor.fetchone()[0], flush=True)
    conn.close()
"""

RUBY_DRIVER = """
require "pg"
query, *steps = ARGV
conn = nil
steps.each do |step|
  if step == "wait"
    puts "waiting"
    $stdout.flush
    $stdin.gets
    next
  end
  style, target = step.split("=", 2)
  case style
  when "dsn" then conn = PG.connect(target)
  when "kwargs" then conn = PG.connect(dbname: target, application_name: "matrix-kwargs")
  when "reset"
    begin
      conn.reset
    rescue PG::ConnectionBad
      puts "reset failed"
      next
    end
  end
  puts conn.exec(query).getvalue(0, 0)
  $stdout.flush
end
"""

PERL_DRIVER = """
use strict;
use DBI;
$| = 1;
my ($query, @steps) = @ARGV;
for my $step (@steps) {
    if ($step eq "wait") {
        print "waiting\\n";
        <STDIN>;
        next;
    }
    my (undef, $target) = split /=/, $step, 2;
    my $dbh = DBI->connect("dbi:Pg:$target", "", "", {RaiseError => 1, PrintError => 0});
    print scalar($dbh->selectrow_array($query)), "\\n";
    $dbh->disconnect;
}
"""

# The first argument picks the extension: pg_connect (pgsql) or pdo (PDO pgsql).
PHP_DRIVER = """
[, $api, $query] = $argv;
foreach (array_slice($argv, 3) as $step) {
    if ($step === "wait") {
        echo "waiting\\n";
        fgets(STDIN);
        continue;
    }
    if ($step === "reset") {
        if (!pg_connection_reset($conn)) {
            echo "reset failed\n";
            continue;
        }
    } else {
        [, $target] = explode("=", $step, 2);
        $conn = $api === "pdo"
            ? new PDO("pgsql:$target", null, null, [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION])
            : pg_connect($target, PGSQL_CONNECT_FORCE_NEW);  // not a link kept from before
        $conn !== false or exit(1);  // pg_connect has said why on stderr
    }
    echo $api === "pdo" ? $conn->query($query)->fetchColumn()
                        : pg_fetch_result(pg_query($conn, $query), 0, 0), "\\n";
}
"""

# Loads the module as Python loads an extension module: RTLD_LOCAL.
BUNDLED_HOST = """
import ctypes, os, sys
module = ctypes.CDLL(sys.argv[1], mode=os.RTLD_LOCAL)
query, *steps = sys.argv[2:]
for step in steps:
    if step == "wait":
        print("waiting", flush=True)
        sys.stdin.readline()
    elif step == "libpq":  # the libpq files this process has mapped
        with open("/proc/self/maps") as maps:
            names = {os.path.basename(line.split()[-1]) for line in maps}
        print(*sorted(name for name in names if name.startswith("libpq")), flush=True)
    elif module.bundled_check(step.partition("=")[2].encode(), query.encode()) != 0:
        sys.exit(1)
"""

# The name psycopg2-binary gives the libpq it carries (auditwheel adds a hash).
BUNDLED_LIBPQ = "libpq-3f2a9c1b.so.5.15"

# The application_name the environment gives sessions that set none.
ENV_APP = "matrix"


@dataclass(frozen=True)
class Driver:
    # the program and its script, before the query and the steps; None:
    # built at test time (see driver_command)
    command: tuple | None
    # the ways the driver's users name a placeholder: case -> (step,
    # application_name of the session); the first one is the plainest
    placeholders: dict


# Drivers that take a libpq connection string.
CONNINFO_CASES = {
    "url": (f"dsn={PLACEHOLDER}", ENV_APP),
    "dbname=": (f"dsn=dbname={PLACEHOLDER} application_name=matrix-conninfo", "matrix-conninfo"),
}
KWARGS_CASES = {"kwargs": (f"kwargs={PLACEHOLDER}", "matrix-kwargs")}
# DBI and PDO: keyword=value pairs after the driver's prefix, separated by ";".
DSN_CASES = {
    "dbname=": (f"dsn=dbname={PLACEHOLDER}", ENV_APP),
    "dbname=;application_name=": (
        f"dsn=dbname={PLACEHOLDER};application_name=matrix-conninfo", "matrix-conninfo"),
}

DRIVERS = {
    "psycopg2": Driver((PYTHON, "-c", PYTHON_DRIVER, "psycopg2"),
                       {**CONNINFO_CASES, **KWARGS_CASES}),
    # Debian's psycopg 3 is the pure-Python build: libpq through ctypes.
    "psycopg": Driver((PYTHON, "-c", PYTHON_DRIVER, "psycopg"),
                      {**CONNINFO_CASES, **KWARGS_CASES}),
    "ruby-pg": Driver((RUBY, "-e", RUBY_DRIVER, "--"), {**CONNINFO_CASES, **KWARGS_CASES}),
    "perl-DBD-Pg": Driver((PERL, "-e", PERL_DRIVER), DSN_CASES),
    "php-pgsql": Driver((PHP, "-r", PHP_DRIVER, "--", "pg_connect"), CONNINFO_CASES),
    "php-PDO-pgsql": Driver((PHP, "-r", PHP_DRIVER, "--", "pdo"), DSN_CASES),
    "bundled-libpq": Driver(None, CONNINFO_CASES),
}


def build_bundled_module(directory: Path) -> Path:
    """tests/clients/bundled_module.c built into directory as _bundled.so,
    linked against a copy of the system libpq named BUNDLED_LIBPQ beside it
    (found through RUNPATH $ORIGIN), as psycopg2-binary ships them."""
    directory.mkdir()
    libdir = Path(_build_output(["pkg-config", "--variable=libdir", "libpq"]).strip())
    libpq = directory / BUNDLED_LIBPQ
    shutil.copyfile(libdir / "libpq.so.5", libpq)
    _build_output(["patchelf", "--set-soname", BUNDLED_LIBPQ, libpq])
    module = directory / "_bundled.so"
    _build_output([
        "cc", "-shared", "-fPIC", *_build_output(["pkg-config", "--cflags", "libpq"]).split(),
        REPO_ROOT / "tests" / "clients" / "bundled_module.c", "-o", module,
        libpq, "-Wl,--enable-new-dtags,-rpath,$ORIGIN",
    ])  # fmt: skip
    return module


def _build_output(command) -> str:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@pytest.fixture
def driver_command(tmp_path):
    """driver_command(name) -> the driver's command, before the query."""

    def command(name) -> list:
        if name == "bundled-libpq":
            return [PYTHON, "-c", BUNDLED_HOST, str(build_bundled_module(tmp_path / "bundled"))]
        return list(DRIVERS[name].command)

    return command


@pytest.fixture
def driver_env(shim_env):
    """driver_env(**overrides) -> shim_env with ENV_APP as the default
    application_name, so that every session is named and tells where its
    name came from."""
    return lambda **overrides: shim_env(PGAPPNAME=ENV_APP, **overrides)


PLACEHOLDER_CASES = [
    pytest.param(name, step, app, id=f"{name}-{case}")
    for name, driver in DRIVERS.items()
    for case, (step, app) in driver.placeholders.items()
]


@pytest.mark.parametrize("name, step, app", PLACEHOLDER_CASES)
def test_driver_with_placeholder(name, step, app, run, driver_env, driver_command):
    result = run([*driver_command(name), SESSION_QUERY, step], driver_env())
    assert result.stdout.splitlines() == [session_line("app_user", app)], result.stderr


@pytest.mark.parametrize("name", DRIVERS)
def test_driver_with_ordinary_conninfo_is_untouched(name, run, driver_env, plain_env, ordinary,
                                                    driver_command, api):
    command = [*driver_command(name), SESSION_QUERY, f"dsn={ordinary.conninfo}"]
    with_shim = run(command, driver_env(**ordinary.env))
    without = run(command, plain_env(PGAPPNAME=ENV_APP, **ordinary.env))
    # The control: this conninfo works at all.
    assert without.stdout.splitlines() == [session_line("app_user", ENV_APP)], without.stderr
    assert (with_shim.returncode, with_shim.stdout) == (without.returncode, without.stdout), \
        with_shim.stderr
    assert api.count() == 0


@pytest.mark.parametrize("name", DRIVERS)
def test_driver_connects_again_after_a_rotation(name, run, driver_env, driver_command, db):
    # One process, two connections: whatever the driver or the shim keeps
    # between them must not hold on to the old credential.
    step, app = next(iter(DRIVERS[name].placeholders.values()))
    result = run([*driver_command(name), SESSION_QUERY, step, "wait", step], driver_env(),
                 on_pause=lambda: db.rotate(APP))
    line = session_line("app_user", app)
    assert result.stdout.splitlines() == [line, "waiting", line], result.stderr


RESETTING_DRIVERS = ["ruby-pg", "php-pgsql"]


@pytest.mark.parametrize("name", RESETTING_DRIVERS)
def test_driver_resets_a_connection(name, run, driver_env, driver_command, api):
    # PG::Connection#reset and pg_connection_reset() reconnect an existing
    # connection object (PQresetStart, PQreset).
    step, app = DRIVERS[name].placeholders["url"]
    result = run([*driver_command(name), SESSION_QUERY, step, "reset"], driver_env())
    line = session_line("app_user", app)
    assert result.stdout.splitlines() == [line, line], result.stderr
    assert api.count() == 1  # a reset asks the API nothing


@pytest.mark.parametrize("name", RESETTING_DRIVERS)
def test_driver_reset_after_a_rotation(name, run, driver_env, driver_command, db, api):
    """Heroku rotates the credential and ends the sessions; the driver's
    reset gets the connection back with the new credential, at the cost of
    one request."""
    step, app = DRIVERS[name].placeholders["url"]

    def rotate():
        db.rotate(APP)
        db.end_sessions(APP)

    result = run([*driver_command(name), SESSION_QUERY, step, "wait", "reset"],
                 driver_env(HPGSHIM_DEBUG="1"), on_pause=rotate)
    line = session_line("app_user", app)
    assert result.stdout.splitlines() == [line, "waiting", line], result.stderr
    assert "rewrote the credential libpq holds for this connection in place" in result.stderr
    assert api.count(APP) == 2


def test_bundled_libpq_is_the_only_libpq_in_the_process(run, driver_env, driver_command):
    # Otherwise the shim could have connected through the system's libpq,
    # and the bundled-libpq cases above would prove nothing.
    result = run([*driver_command("bundled-libpq"), SESSION_QUERY, f"dsn={PLACEHOLDER}", "libpq"],
                 driver_env())
    assert result.stdout.splitlines() == [session_line("app_user", ENV_APP), BUNDLED_LIBPQ], \
        result.stderr
