"""Running a program under test, and proving it leaked no secret.

Every integration test runs its programs through run(): the shim handles an
API token and database passwords, and none of them may ever reach a
program's output, whether the program succeeded or failed.
"""

import os
import signal
import subprocess
from pathlib import Path
from urllib.parse import quote, quote_plus


PAUSE_LINE = "waiting\n"  # what tests/clients/entry_points prints at its `wait` step


def run(cmd, env, input=None, timeout=60, secrets=(), on_pause=None) -> subprocess.CompletedProcess:
    """Run cmd; return its returncode, stdout and stderr (text).

    With on_pause, cmd pauses once, printing PAUSE_LINE (entry_points' `wait`
    step, or psql's `\\echo waiting`): `input` is what it reads before that,
    on_pause() is called then, say to rotate a password while the process
    holds state, and what it returns (default: an empty line) is the rest of
    its input.

    Raises AssertionError when it runs longer than `timeout` seconds, or when
    any of `secrets` appears in its stdout or stderr. The messages never
    contain a secret: they name it by its index in `secrets`.
    """
    program = Path(cmd[0]).name
    process = subprocess.Popen(
        cmd,
        env=env,
        # Without input, stdin is empty rather than the terminal, and a new
        # session has no controlling terminal: a program that wants to prompt
        # for a password (psql opens /dev/tty) fails at once instead of
        # waiting for the timeout.
        stdin=subprocess.DEVNULL if input is None and on_pause is None else subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    before_pause = ""
    try:
        if on_pause is not None:
            if input:
                process.stdin.write(input)
                process.stdin.flush()
            before_pause = _read_until_pause(process)
            input = on_pause() or "\n"
        stdout, stderr = process.communicate(input, timeout=timeout)
        stdout = before_pause + stdout
    except subprocess.TimeoutExpired:
        # Kill the whole process group: a child left behind would keep the
        # pipes open and communicate() would wait forever.
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        raise AssertionError(
            f"{program} did not finish within {timeout} s\n"
            + _describe_output(stdout, stderr, secrets)
        ) from None

    for stream_name, text in (("stdout", stdout), ("stderr", stderr)):
        for index, secret in enumerate(secrets):
            for form_name, form in _leak_forms(secret).items():
                if form in text:
                    raise AssertionError(
                        f"secret #{index} leaked ({form_name}) into the {stream_name} "
                        f"of {program} (exit status {process.returncode})\n"
                        + _describe_output(stdout, stderr, secrets)
                    )
    return subprocess.CompletedProcess(cmd, process.returncode, stdout, stderr)


def _read_until_pause(process) -> str:
    """stdout up to and including the pause line (the process then waits)."""
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line == PAUSE_LINE:
            return "".join(lines)
    raise AssertionError("the program ended without pausing:\n" + "".join(lines))


def scrub(text: str, secrets) -> str:
    """text with every form of every secret replaced by <secret #INDEX>."""
    for index, secret in enumerate(secrets):
        for form in _leak_forms(secret).values():
            text = text.replace(form, f"<secret #{index}>")
    return text


def _leak_forms(secret: str) -> dict:
    """The ways a secret can show up in output, by name.

    The shim sees passwords percent-encoded (inside DATABASE_URL) and may
    write them into a libpq conninfo string, so searching for the plain text
    alone would miss the likeliest leaks.
    """
    if not secret:
        return {}  # an empty string "occurs" everywhere
    forms = {
        "as is": secret,
        "percent-encoded": quote(secret, safe=""),
        "form-encoded": quote_plus(secret, safe=""),
        "conninfo-quoted": secret.replace("\\", "\\\\").replace("'", "\\'"),
    }
    # Longest first, so scrub() replaces a whole form before any part of it.
    return dict(sorted(forms.items(), key=lambda item: -len(item[1])))


def _describe_output(stdout, stderr, secrets) -> str:
    return (
        f"--- stdout (secrets scrubbed) ---\n{scrub(stdout or '', secrets)}\n"
        f"--- stderr (secrets scrubbed) ---\n{scrub(stderr or '', secrets)}"
    )
