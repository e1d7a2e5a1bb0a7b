"""Fresh, random credentials for tests."""

import secrets

# Every character that has a special meaning in a URL, in a libpq conninfo
# string or in SQL, so that a new password exercises all the quoting paths.
AWKWARD_CHARACTERS = " '\"\\=&%:/?#@"


def new_password(length: int = 36) -> str:
    """A random password of length characters (at least 14), all of
    AWKWARD_CHARACTERS among them."""
    fixed = len(AWKWARD_CHARACTERS)
    if length < fixed + 2:
        raise ValueError(f"a password of {length} characters cannot hold {AWKWARD_CHARACTERS!r}")
    head = (length - fixed) // 2
    tail = length - fixed - head
    return f"{secrets.token_hex(head)[:head]}{AWKWARD_CHARACTERS}{secrets.token_hex(tail)[:tail]}"


def new_api_token() -> str:
    # Heroku API keys are UUID-like hex strings; the prefix makes one easy to
    # recognise in a debugger, and the random part keeps it unguessable.
    return f"hpgshim-test-{secrets.token_hex(16)}"
