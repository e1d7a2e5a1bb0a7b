"""One psycopg2 client of `make soak`: the protocol of soak_client.c (one
line per connect: ok MS / fail MS ERROR / wrong MS USER SSL; mem 0 RSS_KB
after the warm-up and at the end), so that scripts/soak.py reads both alike.

usage: soak_client.py SECONDS CONNINFO EXPECTED_USER
"""

import os
import sys
import time

import psycopg2

WARM_UP_CONNECTS = 20
PAUSE = 0.05


def rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        resident = int(statm.read().split()[1])
    return resident * os.sysconf("SC_PAGESIZE") // 1024


def main() -> int:
    seconds, conninfo, user = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    until = time.monotonic() + seconds
    n = 0
    while time.monotonic() < until:
        n += 1
        started = time.monotonic()
        try:
            conn = psycopg2.connect(conninfo)
        except psycopg2.Error as error:
            ms = (time.monotonic() - started) * 1000
            print(f"fail {ms:.1f} {str(error).splitlines()[0] if str(error) else 'error'}",
                  flush=True)
        else:
            ms = (time.monotonic() - started) * 1000
            try:
                with conn.cursor() as cursor:
                    cursor.execute("select current_user, coalesce((select ssl from pg_stat_ssl "
                                   "where pid = pg_backend_pid()), false)")
                    who, ssl = cursor.fetchone()
            except psycopg2.Error as error:
                print(f"fail {ms:.1f} query: {str(error).splitlines()[0]}", flush=True)
            else:
                if who != user or ssl is not True:
                    print(f"wrong {ms:.1f} {who} {ssl}", flush=True)
                    return 2
                print(f"ok {ms:.1f}", flush=True)
            finally:
                conn.close()
        if n == WARM_UP_CONNECTS:
            print(f"mem 0 {rss_kb()}", flush=True)
        time.sleep(PAUSE)
    print(f"mem 0 {rss_kb()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
