"""action.yml, the GitHub Action: its `run:` steps, run as a runner runs
them (bash -e -o pipefail, GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_PATH and
GITHUB_OUTPUT set as GitHub sets them), install hpgshim in a scratch prefix,
and the command they put on PATH connects through the shim."""

import os
import re
import subprocess

import pytest

from test_packaging import version  # noqa: F401  (a fixture)

yaml = pytest.importorskip("yaml")


@pytest.fixture(scope="module")
def action(repo_root) -> dict:
    return yaml.safe_load((repo_root / "action.yml").read_text())


def test_action_is_composite_and_sets_no_secret(action):
    assert action["runs"]["using"] == "composite"
    text = yaml.safe_dump(action)
    assert "secrets." not in text and "HEROKU_API_KEY" not in text
    for step in action["runs"]["steps"]:
        assert step["shell"] == "bash"  # composite run steps must name one
        assert "sudo" not in step["run"]  # install-deps.sh decides, root or not
        assert "${{" not in step["run"]  # no expression pasted into a script


def run_steps(action, run, env, runner_temp) -> tuple:
    """Runs the action's steps in order, as a GitHub runner does; returns
    the directories they added to GITHUB_PATH, and their outputs."""
    github_path = runner_temp / "github_path"
    github_output = runner_temp / "github_output"
    env = {**env, "RUNNER_TEMP": str(runner_temp),
           "GITHUB_PATH": str(github_path), "GITHUB_OUTPUT": str(github_output)}
    for number, step in enumerate(action["runs"]["steps"]):
        script = runner_temp / f"step-{number}.sh"
        script.write_text(step["run"])
        result = run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env,
                     timeout=600)
        assert result.returncode == 0, (step.get("name"), result.stdout, result.stderr)
    outputs = dict(line.split("=", 1) for line in github_output.read_text().splitlines())
    return github_path.read_text().splitlines(), outputs


def test_action_installs_a_working_command(action, repo_root, run, shim_env, tmp_path, version):
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    before = subprocess.run(["git", "-C", str(repo_root), "status", "--porcelain", "--ignored"],
                            capture_output=True, text=True, check=True).stdout
    # The job's environment may hold the token; the steps must not print it
    # (the run fixture fails the test if they do).
    env = shim_env(LD_PRELOAD=None, GITHUB_ACTION_PATH=repo_root,
                   MAKEFLAGS=None, MAKELEVEL=None)
    paths, outputs = run_steps(action, run, env, runner_temp)

    prefix = runner_temp / "hpgshim"
    assert paths == [str(prefix / "bin")]
    assert outputs == {"library": str(prefix / "lib" / "libhpgshim.so")}
    # Built in RUNNER_TEMP: the action's checkout is left as it was.
    after = subprocess.run(["git", "-C", str(repo_root), "status", "--porcelain", "--ignored"],
                           capture_output=True, text=True, check=True).stdout
    assert after == before

    # A later step of the job: hpgshim found on PATH.
    later = {**env, "PATH": os.pathsep.join([*paths, env["PATH"]])}
    result = run(["hpgshim", "psql", "heroku://demo-app", "-XAtc", "select current_user"], later)
    assert (result.returncode, result.stdout.strip()) == (0, "app_user"), result.stderr
    assert run(["hpgshim", "--version"], later).stdout == f"hpgshim {version}\n"
    assert re.search(r"^ok +library: .*/runner-temp/hpgshim/lib/libhpgshim.so",
                     run(["hpgshim", "doctor", "heroku://demo-app"], later).stdout, re.M)
