"""Running the integration tests against a sanitizer build of the shim.

`make check-asan` and `make check-tsan` run the same tests as `make check`,
with two differences in the environment they give pytest:

- HPGSHIM_TEST_PRELOAD is the LD_PRELOAD value that loads the build under
  test. Its last entry is the library; what comes before it is loaded first
  (ASan's runtime, which uninstrumented programs such as psql, perl and
  python need ahead of everything else). The test clients built with the
  same sanitizer live beside that library.
- ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS and TSAN_OPTIONS, set by the
  Makefile, are passed on to the programs under test (whose environment is
  otherwise built from scratch), with a log_path added so that every report
  lands in a file that Reports reads after the test.

Any report fails the test, except leaks that did not go through the shim:
perl and python, for instance, leave memory unfreed at exit by design.
"""

import os
import re
from pathlib import Path

PRELOAD_VARIABLE = "HPGSHIM_TEST_PRELOAD"
OPTION_VARIABLES = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS")

# The shim's file name, which the frames of its code carry in every report
# (see _STACK_TRACE_FORMAT).
SHIM_LIBRARY = "libhpgshim.so"

# The default frame format, plus [module+offset] (%M), so that a frame's
# library can be read even when it was symbolised.
_STACK_TRACE_FORMAT = "'    #%n %p %F %L [%M]'"

_LEAK_REPORT = "ERROR: LeakSanitizer: detected memory leaks"
_LEAK_BLOCK = re.compile(r"^(Direct|Indirect) leak of .*?(?=^\S|\Z)", re.MULTILINE | re.DOTALL)
# LeakSanitizer stops the process's threads with ptrace, which it cannot do
# when the process is already traced (test_secrets.py runs one under strace).
_LEAK_CHECK_UNDER_PTRACE = "LeakSanitizer does not work under ptrace"


def library_under_test(default: Path) -> Path:
    """The shim library the tests load: HPGSHIM_TEST_PRELOAD's last entry,
    or default."""
    preload = os.environ.get(PRELOAD_VARIABLE, "").split()
    return Path(preload[-1]) if preload else default


def ld_preload(default: Path) -> str:
    """LD_PRELOAD for the library under test: HPGSHIM_TEST_PRELOAD, or default."""
    return os.environ.get(PRELOAD_VARIABLE) or str(default)


def running_under(sanitizer: str) -> bool:
    """Whether the tests run under that sanitizer ("ASAN", "TSAN"): the
    Makefile sets its options for them."""
    return bool(os.environ.get(f"{sanitizer}_OPTIONS"))


def client_program(library: Path, name: str) -> Path:
    """A test client built the same way as library: it lives beside it."""
    path = library.parent / name
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run make (or make check-asan/check-tsan)")
    return path


class Reports:
    """The sanitizer reports of the programs one test runs."""

    def __init__(self, directory: Path):
        self._directory = directory
        self._options = {
            name: os.environ[name] for name in OPTION_VARIABLES if os.environ.get(name)
        }

    def environment(self) -> dict:
        """The sanitizer options for a program's environment; empty when
        the tests do not run under a sanitizer."""
        if not self._options:
            return {}
        self._directory.mkdir(exist_ok=True)
        return {
            name: f"{value}:log_path={self._directory / name.split('_')[0].lower()}"
            f":stack_trace_format={_STACK_TRACE_FORMAT}"
            for name, value in self._options.items()
        }

    def check(self):
        """Raises AssertionError listing every finding: any report other
        than leaks, and leaks whose allocation went through the shim."""
        if not self._directory.is_dir():
            return
        findings = []
        for report_file in sorted(self._directory.iterdir()):
            text = report_file.read_text(errors="replace")
            findings += [f"--- {report_file.name} ---\n{finding}" for finding in findings_in(text)]
        if findings:
            raise AssertionError(
                f"{len(findings)} sanitizer finding(s):\n" + "\n".join(findings)
            )


def findings_in(report: str) -> list:
    """What in the text of one report file must fail the test."""
    if _LEAK_CHECK_UNDER_PTRACE in report:
        return []
    if _LEAK_REPORT not in report:
        return [report]
    # A report of leaks only: it ends at its SUMMARY line; anything else in
    # the file is another report.
    leaks, _, rest = report.partition(_LEAK_REPORT)
    leaks_text, _, after = rest.partition("\nSUMMARY:")
    after = after.split("\n", 1)[1] if "\n" in after else ""
    findings = [
        block.group(0) for block in _LEAK_BLOCK.finditer(leaks_text)
        if SHIM_LIBRARY in block.group(0)
    ]
    other = (_strip_banner(leaks) + after).strip()
    return findings + ([other] if other else [])


def _strip_banner(text: str) -> str:
    """text without the ===...=== line and ==PID== prefix that open a report."""
    return re.sub(r"^=+\n|==\d+==$", "", text.strip(), flags=re.MULTILINE)
