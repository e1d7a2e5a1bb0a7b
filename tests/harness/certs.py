"""A throw-away PKI for the integration tests, made with the openssl CLI.

One test CA signs the certificate that both the PostgreSQL server and the
Heroku API stand-in present for 127.0.0.1. Two deliberately wrong pieces let
tests prove that the shim really verifies the API's certificate: a second,
unrelated CA (trusting it instead must fail) and a certificate from the right
CA for the wrong host name.
"""

import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Short-lived on purpose: nothing made here should be useful after the run.
VALIDITY_DAYS = 3

_CA_EXTENSIONS = """\
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""

_LEAF_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = {san}
"""


# A name under heroku.com (the only names HEROKU_HOST may give besides
# loopback) that the tests' resolver_spy maps to the stand-in: libcurl
# resolves "localhost" itself, so a test that breaks name resolution needs a
# name that goes through getaddrinfo().  Only the test CA vouches for it.
API_TEST_NAME = "api.hpgshim-test.heroku.com"


@dataclass(frozen=True)
class Pki:
    ca_cert: Path
    ca_key: Path
    # For 127.0.0.1, ::1, localhost and API_TEST_NAME, signed by the test CA.
    server_cert: Path
    server_key: Path
    # A self-signed CA that signed nothing the tests serve.
    other_ca_cert: Path
    # Signed by the test CA, but only for DNS:wrong.example.
    wrong_host_cert: Path
    wrong_host_key: Path


def make_test_pki(directory) -> Pki:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    ca_cert, ca_key = _make_cert(directory, "ca", "hpgshim test CA", _CA_EXTENSIONS)
    other_ca_cert, _ = _make_cert(
        directory, "other-ca", "hpgshim unrelated CA", _CA_EXTENSIONS
    )
    server_cert, server_key = _make_cert(
        directory,
        "server",
        "127.0.0.1",
        _LEAF_EXTENSIONS.format(san=f"IP:127.0.0.1, IP:::1, DNS:localhost, DNS:{API_TEST_NAME}"),
        issuer=(ca_cert, ca_key),
    )
    wrong_host_cert, wrong_host_key = _make_cert(
        directory,
        "wrong-host",
        "wrong.example",
        _LEAF_EXTENSIONS.format(san="DNS:wrong.example"),
        issuer=(ca_cert, ca_key),
    )
    return Pki(
        ca_cert=ca_cert,
        ca_key=ca_key,
        server_cert=server_cert,
        server_key=server_key,
        other_ca_cert=other_ca_cert,
        wrong_host_cert=wrong_host_cert,
        wrong_host_key=wrong_host_key,
    )


def _make_cert(directory, name, common_name, extensions, issuer=None):
    """Make NAME.pem and NAME.key; self-signed unless issuer=(cert, key)."""
    cert = directory / f"{name}.pem"
    key = directory / f"{name}.key"
    # A config file of our own, rather than -subj/-addext, so the result does
    # not depend on the defaults in the system's openssl.cnf (which, for
    # `req -x509`, would add CA:TRUE to the leaf certificates).
    config = directory / f"{name}.cnf"
    config.write_text(
        "[req]\n"
        "prompt = no\n"
        "distinguished_name = dn\n"
        "x509_extensions = ext\n"
        f"[dn]\nCN = {common_name}\n"
        f"[ext]\n{extensions}"
    )
    # -nodes and a separate `x509 -req` to sign, rather than OpenSSL 3's
    # -noenc and `req -CA`: Debian 11's OpenSSL 1.1 makes the PKI of the
    # platform runs (scripts/platform.sh).
    new_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
               "-keyout", key]
    if issuer is None:
        commands = [["openssl", "req", "-x509", "-config", config, *new_key,
                     "-out", cert, "-days", str(VALIDITY_DAYS)]]
    else:
        issuer_cert, issuer_key = issuer
        request = directory / f"{name}.csr"
        commands = [
            ["openssl", "req", "-new", "-config", config, *new_key, "-out", request],
            ["openssl", "x509", "-req", "-in", request, "-CA", issuer_cert, "-CAkey", issuer_key,
             "-set_serial", str(secrets.randbits(63)), "-extfile", config, "-extensions", "ext",
             "-days", str(VALIDITY_DAYS), "-out", cert],
        ]
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"openssl could not make {cert}:\n{result.stderr}")
    if issuer is not None:
        request.unlink()
    config.unlink()
    return cert, key
