#!/usr/bin/env bash
# platform.sh NAME [PYTEST_ARGUMENTS...]
#
# hpgshim on one supported platform other than this machine's, as a user of
# it would have it: a Debian root filesystem of that release and
# architecture, made from the Debian archive with mmdebstrap, in which the
# library, the command, the doctor and the .deb are built from this tree,
# the unit tests run, and the core of the integration suite (pytest -m
# platform_core: the .deb installed and purged, every entry point, a
# rotation, a reset, a fallback, psql, pg_dump, the doctor) runs against
# that release's own glibc, libcurl, libpq and PostgreSQL.
#
#   NAME  debian11-amd64   glibc 2.31, libcurl 7.74, PostgreSQL 13
#         debian13-amd64   glibc 2.41, libcurl 8.14, PostgreSQL 17
#         debian11-arm64   Debian 11 on arm64, run by qemu-user-static
#
# The root filesystem is kept in build/platforms/NAME/root and made again
# only when what it should hold changes (rootfs.key beside it) or it is a
# week old; HPGSHIM_PLATFORM_DIR keeps them elsewhere (CI: .ci/run).  The tree is
# copied into it afresh (/src) every run.  Everything runs in mount and PID
# namespaces of its own: /proc and /dev/shm are mounted there and vanish
# with it, and so does every process the tests leave.  How long each step
# took goes to build/platforms/NAME/times.  Runs as root (CI does).
set -euo pipefail

# Inside the root filesystem (run by the part below): build and test.
if [[ ${1-} == --inside ]]; then
    name=$2
    shift 2
    cd /src
    step() {
        local what=$1 start=$SECONDS status=0
        shift
        echo "platform.sh $name: $what"
        "$@" || status=$?
        echo "$what $((SECONDS - start))" >> /times
        return $status
    }
    # -o deps: the packages are the root filesystem's already.
    step build make -j2 all build/unit_tests
    step unit make unit
    step deb env DEB_BUILD_OPTIONS=parallel=2 make -o deps deb
    deb=$(echo build/hpgshim_*.deb)
    # Only the files with tests of the core: a file of the rest may need
    # what this release has not (a newer Python, PHP, GDAL).
    mapfile -t files < <(grep -l 'pytest.mark.platform_core' tests/integration/test_*.py)
    step tests env HPGSHIM_TEST_DEB="/src/$deb" PYTHONPATH=tests \
        python3 -m pytest -ra -p no:cacheprovider -m platform_core "$@" "${files[@]}"
    exit 0
fi

usage() {
    echo "usage: scripts/platform.sh debian11-amd64|debian13-amd64|debian11-arm64 [pytest args]" >&2
    exit 2
}
[[ $# -ge 1 ]] || usage
name=$1
shift
case $name in
debian11-amd64) suite=bullseye arch=amd64 ;;
debian13-amd64) suite=trixie arch=amd64 ;;
debian11-arm64) suite=bullseye arch=arm64 ;;
*) usage ;;
esac

if ((EUID != 0)); then
    echo "platform.sh: needs root (mmdebstrap, chroot, mounts)" >&2
    exit 1
fi

# What each root filesystem holds: the build, the package's tools, the unit
# tests' libraries, and the integration suite's server, clients and Python.
# "postgresql" is each release's own (13 on Debian 11, 17 on Debian 13).
readonly PACKAGES=(
    gcc make pkg-config libc6-dev binutils libpq-dev libcurl4-openssl-dev libcjson-dev
    build-essential debhelper dpkg-dev fakeroot
    libcmocka-dev libssl-dev
    postgresql postgresql-client openssl perl python3 python3-pytest
)
# Made quicker, which counts under emulation, where every maintainer script
# runs in qemu: no manual pages or translations (but hpgshim's own, which
# test_deb.py looks for), and no "main" cluster made when PostgreSQL is
# installed (the tests make their own).
readonly MMDEBSTRAP_OPTIONS=(
    --variant=apt
    --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-include=/usr/share/man/man1/hpgshim.1.gz'
    --dpkgopt='path-exclude=/usr/share/locale/*'
    --dpkgopt=force-confold
    --essential-hook='mkdir -p "$1/etc/postgresql-common" &&
        echo "create_main_cluster = false" > "$1/etc/postgresql-common/createcluster.conf"'
)

# The Debian archive this machine's apt uses, for the other releases too.
mirror() {
    local url
    url=$(apt-get indextargets --format '$(REPO_URI)' 'Origin: Debian' 'Label: Debian' \
        2>/dev/null | grep -v -- '-security' | head -n 1)
    echo "${url:-http://deb.debian.org/debian/}"
}

# An arm64 program runs here only through qemu-user-static, registered with
# the kernel's binfmt_misc (which a container may have to mount first).
enable_emulation() {
    [[ $arch == "$(dpkg --print-architecture)" ]] && return
    if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    fi
    update-binfmts --enable "qemu-$(dpkg-architecture -a "$arch" -qDEB_HOST_GNU_CPU 2>/dev/null)" \
        >/dev/null 2>&1 || true
    if ! arch-test "$arch" >/dev/null; then
        echo "platform.sh: this machine cannot run $arch programs: install qemu-user-static" \
            "and binfmt-support (scripts/install-deps.sh) and allow binfmt_misc" >&2
        exit 1
    fi
}

# The root filesystems are kept in build/platforms/ by default; CI keeps them
# in HPGSHIM_PLATFORM_DIR outside the clone (.ci/run), so that a machine that
# ran CI before makes none again.  One older than a week is made afresh: the
# releases' point updates (and security fixes) are what users run.
dir=${HPGSHIM_PLATFORM_DIR:-build/platforms}/$name
root=$dir/root
start=$SECONDS
enable_emulation
mkdir -p "$dir"
key="$suite $arch $(mirror) ${PACKAGES[*]} ${MMDEBSTRAP_OPTIONS[*]}"
if [[ ! -d $root || "$(cat "$dir/rootfs.key" 2>/dev/null)" != "$key" ]] ||
    [[ -z $(find "$dir/rootfs.key" -mtime -7 2>/dev/null) ]]; then
    echo "platform.sh $name: making the root filesystem (Debian $suite, $arch)"
    rm -rf "$root" "$root.new" "$dir/rootfs.key"
    mmdebstrap --quiet "${MMDEBSTRAP_OPTIONS[@]}" --architectures="$arch" \
        --include="$(IFS=,; echo "${PACKAGES[*]}")" "$suite" "$root.new" "$(mirror)"
    mv "$root.new" "$root"
    echo "$key" > "$dir/rootfs.key"
fi
echo "rootfs $((SECONDS - start))" > "$root/times"

# This tree, as it is now (uncommitted changes too), without build/.
rm -rf "$root/src"
mkdir "$root/src"
tar -C . --exclude=./build --exclude=./.git -cf - . | tar -C "$root/src" -xf -

# In namespaces of its own: the mounts and every process end with it.
status=0
unshare --mount --pid --fork --kill-child -- /bin/sh -ec '
    root=$1
    shift
    mount -t proc proc "$root/proc"
    mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        LANG=C.UTF-8 "$@"' \
    sh "$root" /bin/bash /src/scripts/platform.sh --inside "$name" "$@" || status=$?
mv "$root/times" "$dir/times"
echo "platform.sh $name: $(tr '\n' ' ' < "$dir/times")(seconds), total $((SECONDS - start)) s"
exit $status
