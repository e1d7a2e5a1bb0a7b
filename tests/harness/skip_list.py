"""A pytest plugin: `--skip-list FILE` skips the tests FILE names.

FILE is made of paragraphs, separated by blank lines: comment lines (#) that
say why, then the ids of the tests that applies to, as shell-style globs
(fnmatch); a paragraph of comments alone is just a comment. The reason shows
in pytest's summary of skipped tests. `make check-asan` loads it
(`-p harness.skip_list`) with tests/sanitizers/asan.skip.
"""

import fnmatch

import pytest


def pytest_addoption(parser):
    parser.addoption("--skip-list", metavar="FILE",
                     help="skip the tests FILE names, for the reasons it gives")


def pytest_collection_modifyitems(config, items):
    path = config.getoption("--skip-list")
    if path is None:
        return
    entries = read_skip_list(path)
    for item in items:
        for pattern, reason in entries:
            if fnmatch.fnmatchcase(item.nodeid, pattern):
                item.add_marker(pytest.mark.skip(reason=reason))
                break


def read_skip_list(path) -> list:
    """[(test id glob, reason)] from the file at path."""
    entries, reason = [], []
    with open(path) as skip_list:
        for line in map(str.strip, skip_list):
            if not line:
                reason = []  # the paragraph ends
            elif line.startswith("#"):
                reason.append(line.lstrip("#").strip())
            else:
                entries.append((line, " ".join(reason)))
    return entries
