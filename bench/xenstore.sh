#!/usr/bin/env bash
# bench/xenstore.sh: XenStore over its Unix socket: jxen-xenstored against Xen's C xenstored and
# against empty echo servers (the ceiling), all driven by the same load generator in one run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")

usage() {
    cat <<'EOF'
usage: bench/xenstore.sh [--runs N] [--seconds S] [--warmup S] [--clients LIST] [--window K]
                         [--scenarios LIST] [--no-mem] [--xen-xenstored PATH | --no-xen] [--fetch-xen]
                         [--no-echo-platform | --no-echo] [--variant NAME 'JVM OPTIONS']... [--jxen-root NAME DIR]...
                         [--out FILE]

Starts these servers, each on its own socket in a temporary directory, then runs
org.jxen.bench.XenstoreLoad against all of them, rotating over the servers inside every round so
drift on a shared host hits each alike:
  jxen               bin/jxen-xenstored -F --socket ... (the daemon's JVM flags, bin/jxen-env)
  <NAME>             the same with JXEN_JVM_OPTS='JVM OPTIONS' (--variant, repeatable), e.g.
                     --variant jxen-c1 '-XX:TieredStopAtLevel=1'
  <NAME>             DIR/bin/jxen-xenstored (--jxen-root, repeatable): another jxen build, e.g. the
                     jars before a change with a copy of bin/jxen-xenstored and bin/jxen-env
                     (the launcher takes DIR/lib/*.jar when DIR/lib/jxen-cli*.jar exists)
  xen                Xen 4.17's C xenstored -N, with bench/c/xen_nohv_shim.c preloaded so it runs
                     without the hypervisor (see that file); skipped when not found
  java-echo          org.jxen.bench.EchoServer: virtual thread per client, the daemon's JVM flags
  java-echo-platform the same with a platform thread per client (--no-echo-platform drops it)
  c-echo             bench/c/xs_echo.c: a thread per client, read(2)/write(2)
                     (--no-echo: none of the echo servers, for A/B runs between jxen builds)
Echo servers answer each message with itself; they get only the read and write scenarios.

Scenarios (see XenstoreLoad): read-cN, write-cN (synchronous clients, one request outstanding
each), read-pipeK-cN, write-pipeK-cN (PIPELINED: K in flight per client), tx-cN (read-modify-
write transactions on one shared node: commits/s and EAGAIN/s), watch (event latency), and,
after the rounds, memory per 10k nodes (RSS; heap after full GC through jcmd for JVMs).

Options (defaults: 5 runs of 2 s, 2 s warm-up per scenario and server, clients 1,8, K = 16):
  --scenarios LIST   comma-separated prefixes, e.g. read-c,write-c
  --xen-xenstored P  Xen's xenstored binary (default: /usr/lib/xen-4.17/bin/xenstored, else
                     bench/target/xen/usr/lib/xen-4.17/bin/xenstored)
  --fetch-xen        get it first: apt-get download xen-utils-4.17 && dpkg-deb -x into bench/target/xen
                     (its libraries libxenctrl, libxenevtchn, libxengnttab must be installed:
                     Debian's libxenmisc4.17, libxenevtchn1, libxengnttab1)

Needs: a built bench module (mvn install), gcc, python3. Writes bench/results/xenstore-<date>.json
(summary, a new file every run; --out FILE: there instead) and bench/results/raw/xenstore-*.{json,log}
(git-ignored).
EOF
}

. "$here/common.sh"
invoked=$(bench_command_line bench/xenstore.sh "$@")
runs=5 seconds=2 warmup=2 clients=1,8 window=16 scenarios="" mem=1 xen_bin="" use_xen=1 fetch_xen=0 echo_platform=1 use_echo=1
out=""
variants=()
roots=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        --window) window=$2; shift 2 ;;
        --scenarios) scenarios=$2; shift 2 ;;
        --no-mem) mem=0; shift ;;
        --xen-xenstored) xen_bin=$2; shift 2 ;;
        --no-xen) use_xen=0; shift ;;
        --fetch-xen) fetch_xen=1; shift ;;
        --no-echo-platform) echo_platform=0; shift ;;
        --no-echo) use_echo=0; echo_platform=0; shift ;;
        --variant) variants+=("$2" "$3"); shift 3 ;;
        --jxen-root) roots+=("$2" "$3"); shift 3 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "xenstore.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done

jar=$(ls "$here"/target/jxen-bench-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -1 || true)
[ -n "$jar" ] && [ -d "$here/target/lib" ] || { echo "xenstore.sh: bench is not built (mvn install)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "xenstore.sh: python3 not found" >&2; exit 1; }
command -v gcc >/dev/null || { echo "xenstore.sh: gcc not found" >&2; exit 1; }

mkdir -p "$here/target/c"
build_c() { # output, source, flags...
    local out=$1 src=$2; shift 2
    if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then gcc -O2 -Wall -Wextra -Werror "$@" -o "$out" "$src"; fi
}
build_c "$here/target/c/xs_echo" "$here/c/xs_echo.c" -pthread
build_c "$here/target/c/xen_nohv_shim.so" "$here/c/xen_nohv_shim.c" -shared -fPIC -ldl

if [ "$use_xen" = 1 ] && [ -z "$xen_bin" ]; then
    if [ "$fetch_xen" = 1 ] && [ ! -x "$here/target/xen/usr/lib/xen-4.17/bin/xenstored" ]; then
        mkdir -p "$here/target/xen"
        (cd "$here/target/xen" && apt-get download xen-utils-4.17 && dpkg-deb -x xen-utils-4.17_*.deb .)
    fi
    for c in /usr/lib/xen-4.17/bin/xenstored "$here/target/xen/usr/lib/xen-4.17/bin/xenstored"; do
        if [ -x "$c" ]; then xen_bin=$c; break; fi
    done
    if [ -z "$xen_bin" ]; then
        echo "xenstore.sh: Xen's xenstored not found; running without it (--fetch-xen gets it)" >&2
        use_xen=0
    fi
fi

. "$root/bin/jxen-env"
java=$(jxen_find_java)
jcmd=$(dirname "$java")/jcmd
# The echo servers run with the daemon's flags, less the native-access grant for a module it lacks.
echo_flags=${JXEN_DAEMON_JVM_FLAGS/--enable-native-access=org.jxen.sys/}

tmp=$(mktemp -d /tmp/jxen-xenstore-bench.XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

targets=()
wait_socket() { # name, socket, pid
    local i=0
    while [ $i -lt 300 ]; do
        [ -S "$2" ] && return 0
        kill -0 "$3" 2>/dev/null || { echo "xenstore.sh: $1 died:" >&2; cat "$tmp/$1.log" >&2; exit 1; }
        sleep 0.1; i=$((i + 1))
    done
    echo "xenstore.sh: no socket from $1 after 30 s" >&2; exit 1
}
start_jxen() { # name, extra JVM options[, root]
    JXEN_JVM_OPTS="$2" "${3:-$root}/bin/jxen-xenstored" -F --socket "$tmp/$1.sock" >"$tmp/$1.log" 2>&1 &
    pids+=($!)
    wait_socket "$1" "$tmp/$1.sock" $!
    targets+=(--target "$1,xenstore,$tmp/$1.sock,$!,jvm")
}

start_jxen jxen ""
i=0
while [ $i -lt ${#variants[@]} ]; do
    start_jxen "${variants[$i]}" "${variants[$((i + 1))]}"
    i=$((i + 2))
done
i=0
while [ $i -lt ${#roots[@]} ]; do
    start_jxen "${roots[$i]}" "" "${roots[$((i + 1))]}"
    i=$((i + 2))
done
if [ "$use_xen" = 1 ]; then
    mkdir -p "$tmp/xen"
    env XENSTORED_RUNDIR="$tmp/xen" LD_PRELOAD="$here/target/c/xen_nohv_shim.so" "$xen_bin" -N -F "$tmp/xen/pid" \
        >"$tmp/xen.log" 2>&1 &
    pids+=($!)
    wait_socket xen "$tmp/xen/socket" $!
    targets+=(--target "xen,xenstore,$tmp/xen/socket,$!")
fi
start_echo() { # name, command...
    local name=$1; shift
    "$@" >"$tmp/$name.log" 2>&1 &
    pids+=($!)
    wait_socket "$name" "$tmp/$name.sock" $!
    targets+=(--target "$name,echo,$tmp/$name.sock,$!")
}
if [ "$use_echo" = 1 ]; then
    start_echo java-echo "$java" $echo_flags -cp "$jar" org.jxen.bench.EchoServer "$tmp/java-echo.sock"
    if [ "$echo_platform" = 1 ]; then
        start_echo java-echo-platform "$java" $echo_flags -cp "$jar" org.jxen.bench.EchoServer --platform "$tmp/java-echo-platform.sock"
    fi
    start_echo c-echo "$here/target/c/xs_echo" "$tmp/c-echo.sock"
fi

mkdir -p "$here/results/raw"
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
raw_json=$here/results/raw/xenstore-$stamp.json
log=$here/results/raw/xenstore-$stamp.log
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "XenStore over the socket; $(nproc) CPUs ($cpu_model), Linux $(uname -r); load average $load_before"
echo "Xen xenstored: ${xen_bin:-not used}"
gen=("$java" -XX:+UseSerialGC -cp "$jar:$here/target/lib/*" org.jxen.bench.XenstoreLoad --runs "$runs"
     --seconds "$seconds" --warmup "$warmup" --clients "$clients" --window "$window" --jcmd "$jcmd" --json "$raw_json")
[ -n "$scenarios" ] && gen+=(--scenarios "$scenarios")
[ "$mem" = 1 ] && gen+=(--mem)
echo "generator: ${gen[*]} ${targets[*]}"
cd "$root"
"${gen[@]}" "${targets[@]}" | tee "$log"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average after: $load_after"
for n in "$tmp"/*.log; do
    other=$(grep -v 'listening on' "$n" | head -5 || true)
    if [ -n "$other" ]; then echo "--- servers' output, $(basename "$n"):"; echo "$other"; fi
done

if [ -n "$out" ]; then
    export BENCH_DATE_UTC=$(date -u +%Y-%m-%dT%H:%M:%SZ)
else
    bench_result_file "$here/results" xenstore
    out=$BENCH_RESULT
fi
export XS_INVOKED=$invoked XS_LOAD="$load_before / $load_after" XS_CPU="$cpu_model" XS_XEN="${xen_bin:-}"
export XS_JAVA=$("$java" -version 2>&1 | head -1)
python3 - "$raw_json" "$out" <<'EOF'
import json, os, platform, sys
raw, out = sys.argv[1:]
r = json.load(open(raw))
summary = {"benchmark": "xenstore", "date_utc": os.environ["BENCH_DATE_UTC"],
           "command": os.environ["XS_INVOKED"], "cpus": os.cpu_count(), "cpu": os.environ["XS_CPU"],
           "kernel": platform.release(), "java": os.environ["XS_JAVA"], "xen_xenstored": os.environ["XS_XEN"],
           "load_average_before_after": os.environ["XS_LOAD"]}
summary.update(r)
json.dump(summary, open(out, "w"), indent=1)
open(out, "a").write("\n")
print("summary: " + os.path.relpath(out))
EOF
