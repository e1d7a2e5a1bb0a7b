#!/usr/bin/env bash
# Install the Debian packages needed to build hpgshim and run its tests.
#
#   scripts/install-deps.sh           everything: build, test, package
#   scripts/install-deps.sh --build   only what building the library and the
#                                     command needs (action.yml uses it)
#   scripts/install-deps.sh --demo    what `make demo` needs: the build, a
#                                     PostgreSQL server, openssl and python3
#   scripts/install-deps.sh --list [--build | --demo]
#                                     print the packages, install nothing
#
# Safe to run repeatedly: when everything is already installed it does not
# touch apt at all (no `apt-get update`), so it costs well under a second and
# can run at the start of every CI job.
set -euo pipefail

readonly BUILD_PACKAGES=(
    # Building the shim.
    gcc make pkg-config libc6-dev
    libpq-dev libcurl4-openssl-dev libcjson-dev
)
# The demo's services and harness: a real server and Debian's psql, a test
# PKI, the Python harness.  The tests use them too.
readonly DEMO_PACKAGES=(
    postgresql-15 postgresql-client-15
    openssl ca-certificates
    python3
)
readonly TEST_PACKAGES=(
    # Unit tests; libssl-dev for the TLS server that rejects credentials in
    # test_connect_retry.c (libpq reads no error sent before TLS).
    libcmocka-dev libssl-dev
    # Integration tests: pytest and real clients.
    python3-pytest python3-psycopg2
    perl libdbd-pg-perl
    # The client matrix (test_client_matrix.py): more languages' drivers, and
    # patchelf to give a copy of libpq a file name of its own.
    python3-psycopg ruby-pg php8.2-cli php8.2-pgsql patchelf
    # libpgcommon_shlib.a and libpgport_shlib.a, to link a libpq from
    # libpq-dev's libpq.a with -Bsymbolic-functions, as Ubuntu links its own
    # (the Makefile's symbolic-libpq, test_symbolic_libpq.py).
    postgresql-server-dev-15
    # GDAL's ogrinfo, which appends its own keywords after a PG: placeholder.
    gdal-bin
    # hpgshim env with a JVM program (test_env_command.py): pgJDBC, and a
    # JDK, whose java runs a single source file (jdk.compiler).
    libpostgresql-jdbc-java default-jdk-headless
    # Tests that look below the shim: exported symbols, every written byte.
    binutils strace
    # Sanitizer builds (make check-asan, check-tsan): gcc's ASan, UBSan and
    # TSan runtimes.  libFuzzer targets (make fuzz): clang and its runtimes.
    libasan8 libubsan1 libtsan2 clang-14 libclang-rt-14-dev
    # Packaging tests: the man page renders and lints cleanly, the README's
    # CI recipes parse.
    man-db mandoc python3-yaml
    # The Debian package (make deb) and its lint.
    debhelper dpkg-dev fakeroot lintian
    # The platform runs (make check-platforms, scripts/platform.sh): a root
    # filesystem of each other Debian release, and arm64 programs run by
    # qemu through binfmt_misc.
    mmdebstrap qemu-user-static binfmt-support arch-test
)

list=false
if [[ ${1-} == --list ]]; then
    list=true
    shift
fi
case ${1-} in
--build) PACKAGES=("${BUILD_PACKAGES[@]}") ;;
--demo) PACKAGES=("${BUILD_PACKAGES[@]}" "${DEMO_PACKAGES[@]}") ;;
"")
    PACKAGES=("${BUILD_PACKAGES[@]}" "${DEMO_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
    # npm downloads the libpq 16, 17 and 18 builds the tests also run
    # against (make libpq-matrix).  Any npm will do, so Debian's is added
    # only where no npm is on PATH (a NodeSource nodejs, say, brings its own
    # and would conflict with it).
    # npm also installs node-postgres for test_env_command.py, which runs
    # it with the node that comes with npm.
    command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
    ;;
*)
    echo "usage: install-deps.sh [--list] [--build | --demo]" >&2
    exit 2
    ;;
esac
if $list; then
    printf '%s\n' "${PACKAGES[@]}"
    exit 0
fi

is_installed() {
    # A removed package can still be known to dpkg ("deinstall ok
    # config-files"), so only the exact "install ok installed" status counts.
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

missing=()
for package in "${PACKAGES[@]}"; do
    is_installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install-deps.sh: need root or sudo to install: ${missing[*]}" >&2
    exit 1
fi

echo "install-deps.sh: installing ${missing[*]}"
# Set through `env` rather than exported: sudo would drop an exported value.
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
