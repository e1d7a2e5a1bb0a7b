"""Hostile placeholders and conninfo strings: each gets a clear error or a
defined result, never a crash or a request to any path other than
/apps/{APP}/config-vars with APP escaped."""

import pytest

APP_OK = "ok user=app_user db=app_db ssl=t"

# Every error names the app and config var when they are known, a refused
# placeholder's too: the same kind of message as any other.
NAMED = 'hpgshim: cannot get config var DATABASE_URL of Heroku app "demo-app": invalid placeholder: '
APP_ONLY = 'hpgshim: cannot get a config var of Heroku app "demo-app": invalid placeholder: '
UNNAMED = "hpgshim: invalid placeholder: "


@pytest.mark.parametrize("target, prefix, words", [
    ("heroku://", UNNAMED, "no app name"),
    ("heroku://" + "a" * 1500, UNNAMED, "is not a Heroku app name"),    # overlong (> 1 KiB)
    ("heroku://demo-app/NOT-A-VAR", APP_ONLY, "is not a config var name"),
    ("heroku://../etc", UNNAMED, "is not a Heroku app name"),
    ("heroku://%2E%2E%2Fadmin", UNNAMED, "is not a Heroku app name"),    # ../admin once decoded
    ("heroku://my%2Fapp", UNNAMED, "is not a Heroku app name"),
    ("heroku://a%3Fb", UNNAMED, "is not a Heroku app name"),             # '?' once decoded
    ("heroku://a%23b", UNNAMED, "is not a Heroku app name"),             # '#'
    ("heroku://my app", UNNAMED, "is not a Heroku app name"),
    ("heroku://my%00app", UNNAMED, "forbidden value %00"),               # NUL once decoded
    ("heroku://demo-app?application_name=a%00", NAMED, "forbidden value %00"),
    ("heroku://demo-app?no_such_keyword=1", NAMED,
     'invalid URI query parameter: "no_such_keyword"'),
    ("heroku://demo-app?host=evil.example", NAMED, 'sets "host"'),
    ("heroku://demo-app?user=postgres&password=x", NAMED, 'sets "user"'),
    ("heroku://demo-app?hostaddr=192.0.2.1", NAMED, 'sets "hostaddr"'),
    ("heroku://demo-app?service=prod", NAMED, 'sets "service"'),
    ("heroku://user:pw@demo-app", NAMED, "names a user, password or port"),
])
def test_hostile_placeholders(run, entry_points, shim_env, api, target, prefix, words):
    result = run([str(entry_points), "connectdb=" + target, "conninfo_parse=" + target,
                  "ping=" + target], shim_env())
    lines = result.stdout.splitlines()
    for line in lines[:2]:
        assert line.split(": failed: ", 1)[1].startswith(prefix), line
        assert words in line, line
        assert len(line) < 1000  # an overlong input is not echoed whole
    assert lines[2] == "ping: ping=PQPING_NO_ATTEMPT"
    assert api.requests == []


def test_duplicate_query_keywords_last_wins(run, entry_points, shim_env):
    # As libpq treats a repeated keyword in a URI query.
    result = run([str(entry_points),
                  "connectdb=heroku://demo-app?application_name=a&application_name=b"], shim_env())
    assert APP_OK + " app=b" in result.stdout, result.stdout


def test_megabyte_conninfo(run, entry_points, shim_env, api, tmp_path):
    padding = "x" * (1 << 20)
    conninfos = [f"dbname=heroku://demo-app application_name={padding}",
                 f"heroku://demo-app?application_name={padding}",
                 f"heroku://{padding}"]
    steps = []
    for index, conninfo in enumerate(conninfos):  # too long for a command line
        path = tmp_path / f"conninfo{index}"
        path.write_text(conninfo)
        steps.append(f"connectdb=@{path}")
    result = run([str(entry_points), *steps], shim_env())
    lines = result.stdout.splitlines()
    # The defined result: the shim resolves the placeholder and passes the
    # megabyte on; the server refuses a startup packet that large, and the
    # program gets libpq's own error.
    for line in lines[:2]:
        assert line.startswith('connectdb: failed: connection to server at "127.0.0.1"'), line[:300]
    assert "invalid placeholder" in lines[2] and len(lines[2]) < 1000
    # Each connect asks (the first plainly, the second a 304); the check that the
    # credential is unchanged after a failure that is not a rejection is made
    # once: the second failure comes within CREDENTIAL_RECHECK_SECONDS.
    assert api.count() == 3


def test_placeholder_escapes_in_the_api_path(run, entry_points, shim_env, api):
    # Only letters, digits and '-' reach the path, so nothing needs escaping;
    # and whatever the input, the path has exactly this shape.
    run([str(entry_points), "connectdb=heroku://Demo-App-01"], shim_env())
    assert [r.path for r in api.requests] == ["/apps/Demo-App-01/config-vars"]
