"""The API token and the database password appear nowhere: not in errors,
debug lines, test output, files, or any byte the process writes.

Every test's output is already checked by the `run` fixture; this test goes
below the shim with strace and looks at every byte the programs write to any
file descriptor (files, pipes, stderr, sockets).  TLS hides the token on the
wire and SCRAM never sends the password, so neither may show up in clear."""

import re
import shutil
from urllib.parse import quote

import pytest

WRITE_CALLS = "trace=write,writev,pwrite64,pwritev,sendto,sendmsg,sendmmsg"


def written_bytes(strace_log: str) -> bytes:
    """The bytes of every string argument strace showed, decoded from -xx hex."""
    chunks = re.findall(r'"((?:\\x[0-9a-f]{2})*)"', strace_log)
    return b"".join(bytes.fromhex(chunk.replace("\\x", "")) for chunk in chunks)


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed")
def test_no_secret_in_any_written_byte(run, entry_points, shim_env, api, db, secrets,
                                       tmp_path, home_dir):
    # Exercise every path: success, a rotation with its retry, errors,
    # pass-through and a reset after a rotation, all with debug lines on.
    api.serve_once("demo-app", api.config_vars("demo-app"))
    db.rotate("demo-app")
    steps = ["connectdb=heroku://demo-app", "connect_start=heroku://demo-app",
             "ping=heroku://demo-app", "connectdb=heroku://no-such-app",
             "conninfo_parse=heroku://demo-app", "connectdb=" + db.other.url + "?sslmode=require",
             # and a reset after a rotation, which rewrites the password libpq holds
             "hold=heroku://demo-app", "wait", "terminate", "reset"]
    log = tmp_path / "strace.log"
    # on_pause returns the program's input: not the password rotate() returns
    result = run(["strace", "-f", "-qq", "-e", WRITE_CALLS, "-s", "1000000", "-xx", "-o", str(log),
                  str(entry_points), *steps], shim_env(HPGSHIM_DEBUG="1"),
                 on_pause=lambda: db.rotate("demo-app") and None)
    assert "retrying once" in result.stderr  # the retry path really ran
    assert "rewrote the credential libpq holds" in result.stderr  # and the reset's
    assert result.stdout.count("ok user=") == 6, result.stdout

    written = written_bytes(log.read_text())
    assert b"hpgshim: " in written  # the decoding sees the debug lines: it can find things
    for index, secret in enumerate(secrets):
        for form in {secret, quote(secret, safe="")}:
            assert form.encode() not in written, f"secret #{index} was written by the process"

    # and the shim left no file behind
    assert list(home_dir.iterdir()) == []
