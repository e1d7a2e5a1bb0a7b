"""Fresh, random credentials for tests."""

import secrets

# Every character that has a special meaning in a URL, in a libpq conninfo
# string or in SQL, so that a new password exercises all the quoting paths.
AWKWARD_CHARACTERS = " '\"\\=&%:/?#@"


def new_password() -> str:
    return f"{secrets.token_hex(6)}{AWKWARD_CHARACTERS}{secrets.token_hex(6)}"


def new_api_token() -> str:
    # Heroku API keys are UUID-like hex strings; the prefix makes one easy to
    # recognise in a debugger, and the random part keeps it unguessable.
    return f"hpgshim-test-{secrets.token_hex(16)}"
