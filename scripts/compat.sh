#!/usr/bin/env bash
# compat.sh - run Redis's own Tcl test suite (7.0.15, external-server mode)
# against shoal or against the reference redis-server.
#
# Usage:
#   scripts/compat.sh shoal [unit ...]     a fresh shoal per unit
#   scripts/compat.sh redis [unit ...]     a fresh redis-server per unit (reference)
#   scripts/compat.sh spawn-wrapper [shoal|redis]
#       install <REDIS_TREE>/src/redis-server (an exec wrapper, default: shoal)
#       plus links to the system redis-cli/-benchmark/-check-aof/-check-rdb,
#       for the spawn-mode units (tests/integration/*), then run e.g.
#       cd $REDIS_TREE && ./runtest --single integration/replication \
#           --baseport 7264 --portcount 32 --clients 1
#
# Units are given as unit/type/string, tests/unit/expire.tcl, ...; none = the
# 40 default units of the runner (/work/shared/compat/run-redis-suite.sh).
#
# Environment:
#   REDIS_TREE  tree holding tests/ and runtest of 7.0.15 (default /root/redis-7.0.15)
#   LOG_DIR     raw per-unit harness output + server output (default /tmp/compat-<target>)
#   PORT        server port (default: first port the OS reports free, scanning
#               from 17000 for shoal and 18000 for redis in steps of 64)
#   BASEPORT    harness control-socket range is [BASEPORT-32, BASEPORT)
#               (default PORT+64, so it never overlaps the server port)
#   RUNNER      path of run-redis-suite.sh (default /work/shared/compat/run-redis-suite.sh)
#   NODE        node binary for shoal (default <project>/node_modules/.bin/node, the pinned one)
#   TAGS, EXTRA_ARGS, UNIT_TIMEOUT, SERVER_WAIT are passed through to the runner.
#
# Output and exit status are the runner's: one line per unit, then
# "suite: N passed, N failed"; 0 when nothing failed.

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REDIS_TREE=${REDIS_TREE:-/root/redis-7.0.15}
RUNNER=${RUNNER:-/work/shared/compat/run-redis-suite.sh}
NODE=${NODE:-$ROOT/node_modules/.bin/node}
SHOAL_MAIN=$ROOT/src/main.ts

usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

need_tree() {
    if [ ! -f "$REDIS_TREE/tests/test_helper.tcl" ]; then
        echo "error: $REDIS_TREE/tests/test_helper.tcl not found." >&2
        echo "  Fetch github:redis/redis, then:" >&2
        echo "  mkdir -p $REDIS_TREE && git --git-dir=<fetched git dir> archive 7.0.15 tests runtest | tar -x -C $REDIS_TREE" >&2
        exit 2
    fi
}

need_shoal() {
    if [ ! -x "$NODE" ]; then
        echo "error: $NODE not found or not executable (run npm ci in $ROOT)" >&2; exit 2
    fi
    if [ ! -f "$SHOAL_MAIN" ]; then
        echo "error: $SHOAL_MAIN does not exist yet: nothing to test" >&2; exit 2
    fi
}

# Is anything listening on TCP port $1 (any address)?
port_busy() {
    if command -v ss >/dev/null 2>&1; then
        ss -Htln "sport = :$1" 2>/dev/null | grep -q .
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# First port p = $1 + 64k (k < 32) with p free and the control range
# [p+32, p+64) entirely free.
pick_port() {
    local p=$1 k=0 i busy
    while [ $k -lt 32 ]; do
        busy=0
        port_busy "$p" && busy=1
        i=32
        while [ $busy = 0 ] && [ $i -lt 64 ]; do
            port_busy $((p+i)) && busy=1
            i=$((i+1))
        done
        [ $busy = 0 ] && { echo "$p"; return 0; }
        p=$((p+64)); k=$((k+1))
    done
    echo "error: no free port block found from $1" >&2
    return 1
}

spawn_wrapper() {
    local target=${1:-shoal} dst tool
    need_tree
    case "$target" in shoal|redis) ;; *) usage ;; esac
    if [ "$target" = shoal ]; then
        [ -x "$NODE" ] || { echo "error: $NODE not found or not executable (run npm ci in $ROOT)" >&2; exit 2; }
        [ -f "$SHOAL_MAIN" ] || echo "warning: $SHOAL_MAIN does not exist yet; the wrapper will fail until it does" >&2
    fi
    mkdir -p "$REDIS_TREE/src"
    dst=$REDIS_TREE/src/redis-server
    rm -f "$dst"
    case "$target" in
        shoal)
            printf '#!/bin/sh\n# spawn-mode wrapper written by %s: the harness runs src/redis-server <conf>\nexec %q %q "$@"\n' \
                "scripts/compat.sh" "$NODE" "$SHOAL_MAIN" >"$dst" ;;
        redis)
            printf '#!/bin/sh\n# spawn-mode wrapper written by %s (reference server)\nexec %q "$@"\n' \
                "scripts/compat.sh" "$(command -v redis-server)" >"$dst" ;;
    esac
    chmod +x "$dst"
    # Client-side tools used by integration units: the system ones (7.0.15).
    for tool in redis-cli redis-benchmark redis-check-aof redis-check-rdb; do
        if command -v "$tool" >/dev/null 2>&1; then
            ln -sfn "$(command -v "$tool")" "$REDIS_TREE/src/$tool"
        fi
    done
    echo "installed $dst -> $target"
    cat "$dst"
    echo "run from the tree, e.g.:"
    echo "  cd $REDIS_TREE && ./runtest --single integration/replication --baseport 7264 --portcount 32 --clients 1"
}

[ $# -ge 1 ] || usage
target=$1; shift

case "$target" in
    spawn-wrapper) spawn_wrapper "$@"; exit $? ;;
    shoal)
        need_shoal
        SERVER_CMD="exec $(printf %q "$NODE") $(printf %q "$SHOAL_MAIN") --port \$PORT --save \"\""
        start=17000 ;;
    redis)
        command -v redis-server >/dev/null 2>&1 || { echo "error: redis-server not installed" >&2; exit 2; }
        SERVER_CMD='exec redis-server --port $PORT --save ""'
        start=18000 ;;
    -h|--help|help) usage ;;
    *) echo "error: unknown target '$target' (shoal, redis or spawn-wrapper)" >&2; usage ;;
esac

need_tree
[ -x "$RUNNER" ] || { echo "error: runner $RUNNER not found" >&2; exit 2; }

PORT=${PORT:-$(pick_port "$start")} || exit 2
BASEPORT=${BASEPORT:-$((PORT+64))}
LOG_DIR=${LOG_DIR:-/tmp/compat-$target}
mkdir -p "$LOG_DIR"

echo "# $target on 127.0.0.1:$PORT, harness baseport $BASEPORT, tree $REDIS_TREE, logs $LOG_DIR" >&2
t0=$(date +%s)
SERVER_CMD=$SERVER_CMD BASEPORT=$BASEPORT LOG_DIR=$LOG_DIR \
    "$RUNNER" "$REDIS_TREE" 127.0.0.1 "$PORT" "$@"
rc=$?
echo "# $target: $(( $(date +%s) - t0 )) s wall clock" >&2
exit $rc
