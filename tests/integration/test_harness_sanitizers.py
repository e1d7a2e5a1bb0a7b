"""The harness's reading of sanitizer reports and skip lists
(harness/sanitizers.py, harness/skip_list.py), on reports shaped like those
the sanitizer runs write: what fails a test, and what does not."""

from harness.sanitizers import findings_in
from harness.skip_list import read_skip_list

HOST_LEAK = """\
    Direct leak of 75048 byte(s) in 47 object(s) allocated from:
    #0 0x7fb29a0b89cf in __interceptor_malloc asan_malloc_linux.cpp:69 [libasan.so+0xb89cf]
    #1 0x50046f  (/usr/bin/python3.11+0x50046f) [python3.11+0x50046f]
"""
SHIM_LEAK = """\
Indirect leak of 18 byte(s) in 1 object(s) allocated from:
    #0 0x7f429ea7077b in __interceptor_strdup asan_interceptors.cpp:439 [libasan.so+0x7077b]
    #1 0x7f429f1cc074  (/lib/x86_64-linux-gnu/libpq.so.5+0xf074) [libpq.so.5+0xf074]
    #2 0x7f429f2559aa in add_parsed_string shim/call_target.c:40 [libhpgshim.so+0x389aa]
"""


def leak_report(*leaks):
    body = "\n".join(leak.replace("    Direct", "Direct") for leak in leaks)
    return ("\n=================================================================\n"
            "==446==ERROR: LeakSanitizer: detected memory leaks\n\n"
            f"{body}\n"
            "SUMMARY: AddressSanitizer: 75066 byte(s) leaked in 48 allocation(s).\n")


def test_a_leak_that_did_not_go_through_the_shim_is_no_finding():
    assert findings_in(leak_report(HOST_LEAK)) == []


def test_a_leak_through_the_shim_is_a_finding_and_only_it():
    findings = findings_in(leak_report(HOST_LEAK, SHIM_LEAK))
    assert len(findings) == 1
    assert "add_parsed_string" in findings[0] and "python3.11" not in findings[0]


def test_every_other_report_is_a_finding():
    for report in [
        "==9==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020\n",
        "shim/optlist.c:40:5: runtime error: null pointer passed as argument 1\n",
        "WARNING: ThreadSanitizer: data race (pid=20516)\n",
        "==9==You are trying to dlopen a x.so shared library with RTLD_DEEPBIND flag\n",
    ]:
        assert findings_in(report) == [report]


def test_a_report_next_to_a_leak_report_is_still_a_finding():
    error = "shim/optlist.c:40:5: runtime error: load of value 190\n"
    assert findings_in(error + leak_report(HOST_LEAK)) == [error.strip()]


def test_leak_checking_under_ptrace_is_no_finding():
    # strace (test_secrets.py) traces the process, so LeakSanitizer cannot
    # stop its threads: it says so and gives up.
    report = ("==7==LeakSanitizer has encountered a fatal error.\n"
              "==7==HINT: LeakSanitizer does not work under ptrace (strace, gdb, etc)\n")
    assert findings_in(report) == []


def test_skip_list_paragraphs_give_their_reason_to_their_globs(tmp_path):
    skip_list = tmp_path / "skip"
    skip_list.write_text("# header, not a reason of any entry\n\n"
                         "# first reason,\n# on two lines\na::*\nb::c\n\n"
                         "# second reason\nd::e[x\n")
    assert read_skip_list(skip_list) == [
        ("a::*", "first reason, on two lines"),
        ("b::c", "first reason, on two lines"),
        ("d::e[x", "second reason"),
    ]
