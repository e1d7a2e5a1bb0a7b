#!/usr/bin/python3
"""`make demo`: hpgshim end to end, without a Heroku account.

Starts a throw-away PostgreSQL 15 (TLS on, non-TLS rejected) and the Heroku
API stand-in over HTTPS on loopback, gives app demo-app a DATABASE_URL with
a random password, then runs Debian's unmodified psql under LD_PRELOAD with
HPGSHIM_DEBUG=1 and prints each command and its output, as a terminal would.

Every step also checks that what it shows really happened (TLS, a fetch, a
retry, a clear error, no shim involvement) and the demo exits non-zero
otherwise: a demo that silently shows something else is worse than none.
Nothing it prints holds the API token or a database password.
"""

import re
import shlex
import signal
import sys
from pathlib import Path

# The harness is tests/harness, a package: `make demo` runs this script
# with PYTHONPATH=tests.
from harness import run, scrub
from harness.stack import Stack, running_stack

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIM = REPO_ROOT / "build" / "libhpgshim.so"
# The path as the README's reader types it, from the top of the repository.
SHIM_AS_TYPED = "build/libhpgshim.so"
# Debian's perl wrapper, not /usr/lib/postgresql/15/bin/psql: it is what users
# run, and the shim must survive being preloaded into perl before psql.
PSQL = "/usr/bin/psql"

APP = "demo-app"
ROLE = "demo_user"
DBNAME = "demo_db"
TLS_QUERY = (
    "select current_user, ssl, version, cipher from pg_stat_ssl where pid = pg_backend_pid()"
)


class DemoFailed(Exception):
    """A step did not behave as the demo says it does."""


def expect(condition: bool, what: str):
    if not condition:
        raise DemoFailed(what)


def hide_password(url: str) -> str:
    """postgres://user:***@host:port/db; URL-encoded, the password has no '@'."""
    return re.sub(r"^(\w+://[^:/@]*:)[^@]*@", r"\1***@", url)


def debug_lines(stderr: str) -> list:
    return [line for line in stderr.splitlines() if line.startswith("hpgshim: ")]


def psql_table(stdout: str) -> list:
    """The rows of psql's default (aligned) output, as dicts."""
    lines = stdout.splitlines()
    if len(lines) < 2:
        return []
    header = [name.strip() for name in lines[0].split("|")]
    rows = []
    for line in lines[2:]:  # after the header and its ----+---- line
        if line.startswith("("):  # "(1 row)"
            break
        rows.append(dict(zip(header, (cell.strip() for cell in line.split("|")))))
    return rows


class Demo:
    def __init__(self, stack: Stack):
        self.stack = stack
        self.api = stack.api
        self.env = stack.shim_env(str(SHIM), HPGSHIM_DEBUG="1")
        # run() fails the demo if any of these shows up in a program's output.
        self.secrets = stack.secrets
        self.database = stack.add_app(APP, ROLE, DBNAME)

    @property
    def url(self) -> str:
        """DATABASE_URL, as Heroku writes it, with the current password."""
        return self.database.url

    def rotate(self):
        """A new password in PostgreSQL and in DATABASE_URL, as
        `heroku pg:credentials:rotate` does."""
        self.stack.rotate(APP)

    def psql(self, *args, shown_args=None):
        """Run psql under the shim, printing the command as a user would type
        it (shown_args, when the real arguments hold a password) and its
        output; return the CompletedProcess."""
        typed = shlex.join(["psql", *(shown_args or args)])
        expect(scrub(typed, self.secrets) == typed, "a command to print holds a secret")
        print(f"$ LD_PRELOAD={SHIM_AS_TYPED} {typed}")
        result = run([PSQL, *args], self.env, timeout=30, secrets=self.secrets)
        # stderr first: the shim's lines are written as it connects, while
        # psql's stdout, a pipe here, is only flushed when it exits.
        for text in (result.stderr, result.stdout):
            if text:
                print(text.rstrip("\n"))
        print()
        return result


def step(number: int, title: str):
    print(f"== {number}. {title} ==")


def expect_connected(result, what: str):
    expect(result.returncode == 0, f"{what}: psql exited with status {result.returncode}")


def expect_tls(result, what: str):
    rows = psql_table(result.stdout)
    expect(len(rows) == 1, f"{what}: expected one row from pg_stat_ssl")
    expect(rows[0].get("current_user") == ROLE, f"{what}: not connected as {ROLE}")
    ssl = rows[0].get("ssl")
    expect(ssl == "t", f"{what}: the connection is not TLS (ssl = {ssl})")


def expect_debug(result, fragment: str, what: str):
    expect(
        any(fragment in line for line in debug_lines(result.stderr)),
        f"{what}: no 'hpgshim: ...{fragment}...' line",
    )


def run_steps(demo: Demo):
    api = demo.api

    step(1, "Connect by app name: the shim fetches DATABASE_URL, and the connection is TLS")
    before = api.count(APP)
    result = demo.psql(f"heroku://{APP}", "-c", TLS_QUERY)
    expect_connected(result, "step 1")
    expect_tls(result, "step 1")
    expect_debug(result, f"/apps/{APP}/config-vars: HTTP 200", "step 1")
    expect_debug(result, "sslmode=require", "step 1")
    expect(api.count(APP) == before + 1, "step 1: expected one request to the API")

    step(2, "Rotate the credential (as heroku pg:credentials:rotate does), connect again")
    demo.rotate()
    print(f"(new password set in PostgreSQL and in {APP}'s DATABASE_URL)")
    before = api.count(APP)
    result = demo.psql(f"heroku://{APP}", "-c", "select current_user")
    expect_connected(result, "step 2")
    expect_debug(result, f"/apps/{APP}/config-vars: HTTP 200", "step 2")
    expect(api.count(APP) == before + 1, "step 2: expected exactly one request to the API")
    expect(
        not any("retrying" in line for line in debug_lines(result.stderr)),
        "step 2: the new credential should work the first time, without a retry",
    )

    step(3, "The API still hands out the old credential once: rejected, fetched again, retried")
    # A snapshot of the config vars before the rotation, served as the answer
    # to the next request only (delay_serving_old's window would depend on
    # how fast psql starts).
    api.serve_once(APP, api.config_vars(APP))
    demo.rotate()
    print("(new password set; the API's next answer still holds the old DATABASE_URL)")
    before = api.count(APP)
    result = demo.psql(f"heroku://{APP}", "-c", "select current_user")
    expect_connected(result, "step 3")
    expect_debug(result, "rejected the credential", "step 3")
    expect_debug(result, "retrying once", "step 3")
    expect(api.count(APP) == before + 2, "step 3: expected two requests to the API")

    step(4, "An app that does not exist: a clear error, no connection attempt")
    result = demo.psql("heroku://no-such-app", "-c", "select 1")
    expect(result.returncode != 0, "step 4: psql should have failed")
    # psql's own error line (not a debug line) must carry the shim's message.
    expect(
        any(
            "hpgshim:" in line and "no-such-app" in line and not line.startswith("hpgshim:")
            for line in result.stderr.splitlines()
        ),
        "step 4: psql's error does not carry the shim's message about no-such-app",
    )
    expect(
        not any("connecting to" in line for line in debug_lines(result.stderr)),
        "step 4: the shim should not have tried to connect",
    )

    step(5, "An ordinary connection string passes through untouched")
    before = api.count()
    url = demo.url + "?sslmode=require"
    result = demo.psql(url, "-c", TLS_QUERY, shown_args=[hide_password(url), "-c", TLS_QUERY])
    expect_connected(result, "step 5")
    expect_tls(result, "step 5")
    expect(not debug_lines(result.stderr), "step 5: the shim should not have been involved")
    expect(api.count() == before, "step 5: the shim should not have asked the API")


def introduce(demo: Demo):
    stack = demo.stack
    print(f"PostgreSQL 15 on {stack.pg.host}:{stack.pg.port} (TLS only)")
    print(f"Heroku API stand-in at {stack.api.url}")
    print(f"app {APP}: DATABASE_URL={hide_password(demo.url)}")
    print()
    print(
        "$ export HEROKU_API_KEY=*** "
        f"HEROKU_HOST={stack.api.url} HPGSHIM_CAINFO={stack.pki.ca_cert} HPGSHIM_DEBUG=1"
    )
    print()


def main() -> int:
    if not SHIM.exists():
        print(f"demo: {SHIM} not found: run make first", file=sys.stderr)
        return 1
    # `timeout`, a closed terminal or CI send SIGTERM: make it an exception
    # so that the clean-up runs, as it does for Ctrl-C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))

    secrets = []
    try:
        with running_stack(prefix="hpgshim-demo-") as stack:
            secrets = stack.secrets
            demo = Demo(stack)
            introduce(demo)
            run_steps(demo)
    except DemoFailed as failure:
        print(f"demo: FAILED, {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("demo: interrupted; everything it started is stopped", file=sys.stderr)
        return 130
    except (AssertionError, OSError, RuntimeError) as error:
        # From the harness: a leaked secret, a server that would not start...
        # Its messages should name no secret; scrub them all the same.
        print(f"demo: FAILED, {scrub(str(error), secrets)}", file=sys.stderr)
        return 1

    print("== Against a real app (after make install) ==")
    print(
        "export HEROKU_API_KEY=$(heroku auth:token); "
        "LD_PRELOAD=/usr/local/lib/libhpgshim.so psql heroku://YOUR-APP"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
