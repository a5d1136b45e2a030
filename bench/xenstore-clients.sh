#!/usr/bin/env bash
# bench/xenstore-clients.sh: what thousands of connected XenStore clients cost jxen-xenstored in
# threads and memory, and whether the memory comes back after they leave.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(dirname "$here")

usage() {
    cat <<'EOF'
usage: bench/xenstore-clients.sh [--clients N] [--watch-every K] [--settle S] [--repeat R]
                                 [--variant NAME 'JVM OPTIONS']... [--jxen-root NAME DIR]... [--out FILE]

For each target, R times (the targets alternate inside every repetition, each run on a freshly
started daemon): org.jxen.bench.XenstoreClients connects N clients (each reads a node; every K-th
also sets a watch, and gets one event fired by another client's write), then closes them, and
samples the daemon's /proc/PID/status (Threads, VmRSS, VmHWM) and open descriptors:
before, at the peak (all N connected and served), after (all gone), and S seconds later.
Targets:
  jxen     bin/jxen-xenstored -F (the daemon's JVM flags, bin/jxen-env)
  <NAME>   the same with JXEN_JVM_OPTS='JVM OPTIONS' (--variant, repeatable)
  <NAME>   DIR/bin/jxen-xenstored (--jxen-root, repeatable): another jxen build, e.g. main's jars
           in DIR/lib with a copy of its bin/ (as for bench/xenstore.sh)
The descriptor limit (ulimit -n) is raised to the hard limit; it must allow N + 100.

Defaults: N = 5000, K = 2, S = 10, R = 1. Needs a built bench module (bench/target: mvn package).
Writes FILE (default bench/results/xenstore-clients-<date and time, UTC>.json, a new file every run).
EOF
}

invoked="bench/xenstore-clients.sh${*:+ $*}"
clients=5000 every=2 settle=10 repeat=1 out=""
variants=()
roots=()
while [ $# -gt 0 ]; do
    case "$1" in
        --clients) clients=$2; shift 2 ;;
        --watch-every) every=$2; shift 2 ;;
        --settle) settle=$2; shift 2 ;;
        --repeat) repeat=$2; shift 2 ;;
        --variant) variants+=("$2" "$3"); shift 3 ;;
        --jxen-root) roots+=("$2" "$3"); shift 3 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "xenstore-clients.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
done
. "$here/common.sh"
if [ -z "$out" ]; then
    bench_result_file "$here/results" xenstore-clients
    out=$BENCH_RESULT
fi

jar=$(ls "$here"/target/jxen-bench-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -1 || true)
[ -n "$jar" ] && [ -d "$here/target/lib" ] || { echo "xenstore-clients.sh: bench is not built (mvn package)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "xenstore-clients.sh: python3 not found" >&2; exit 1; }

# Each process (the daemon, the client driver) holds one descriptor per client.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((clients + 100)) ]; then
    echo "xenstore-clients.sh: ulimit -n is $(ulimit -n) (hard limit); $clients clients need $((clients + 100))" >&2
    exit 1
fi

. "$root/bin/jxen-env"
java=$(jxen_find_java)

tmp=$(mktemp -d /tmp/jxen-xenstore-clients.XXXXXX)
daemon=""
cleanup() {
    if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# name, JVM options, root
targets=(jxen "" "$root")
i=0
while [ $i -lt ${#variants[@]} ]; do targets+=("${variants[$i]}" "${variants[$((i + 1))]}" "$root"); i=$((i + 2)); done
i=0
while [ $i -lt ${#roots[@]} ]; do targets+=("${roots[$i]}" "" "${roots[$((i + 1))]}"); i=$((i + 2)); done

echo "XenStore clients: $clients (every $every watching), settle $settle s, $repeat repetition(s); $(nproc) CPUs;" \
     "ulimit -n $(ulimit -n); load average $(cut -d' ' -f1-3 /proc/loadavg)"
results=$tmp/results.jsonl
: >"$results"
for r in $(seq 1 "$repeat"); do
    n=$((${#targets[@]} / 3))
    for k in $(seq 0 $((n - 1))); do
        # Alternate the order between repetitions so that drift hits every target alike.
        t=$(( r % 2 == 1 ? k : n - 1 - k ))
        name=${targets[$((3 * t))]} opts=${targets[$((3 * t + 1))]} troot=${targets[$((3 * t + 2))]}
        sock=$tmp/$name.sock
        rm -f "$sock"
        JXEN_JVM_OPTS="$opts" "$troot/bin/jxen-xenstored" -F --socket "$sock" >"$tmp/$name.log" 2>&1 &
        daemon=$!
        w=0
        until [ -S "$sock" ]; do
            kill -0 "$daemon" 2>/dev/null || { echo "xenstore-clients.sh: $name died:" >&2; cat "$tmp/$name.log" >&2; exit 1; }
            [ $w -lt 300 ] || { echo "xenstore-clients.sh: no socket from $name after 30 s" >&2; exit 1; }
            sleep 0.1; w=$((w + 1))
        done
        "$java" -XX:+UseSerialGC -cp "$jar:$here/target/lib/*" org.jxen.bench.XenstoreClients --socket "$sock" \
            --pid "$daemon" --name "$name" --clients "$clients" --watch-every "$every" --settle "$settle" \
            | tee -a "$results"
        kill "$daemon"; wait "$daemon" 2>/dev/null || true
        daemon=""
        other=$(grep -v 'listening on' "$tmp/$name.log" | head -5 || true)
        if [ -n "$other" ]; then echo "--- $name's output:"; echo "$other"; fi
    done
done

export XC_INVOKED=$invoked XC_JAVA=$("$java" -version 2>&1 | head -1) XC_ULIMIT=$(ulimit -n)
export XC_FLAGS=$JXEN_DAEMON_JVM_FLAGS
export XC_CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
python3 - "$results" "$out" <<'EOF'
import json, os, platform, statistics, sys, time
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
marks = ["before", "peak", "after", "settled"]
median = {}
for name in dict.fromkeys(r["target"] for r in rows):
    mine = [r for r in rows if r["target"] == name]
    median[name] = {m: {k: statistics.median(r[m][k] for r in mine) for k in ("threads", "rss_kib", "hwm_kib", "fds")}
                    for m in marks}
    median[name]["connect_and_serve_s"] = statistics.median(r["connect_and_serve_s"] for r in mine)
summary = {"benchmark": "xenstore-clients", "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "command": os.environ["XC_INVOKED"], "cpus": os.cpu_count(), "cpu": os.environ["XC_CPU"],
           "kernel": platform.release(), "java": os.environ["XC_JAVA"], "ulimit_n": os.environ["XC_ULIMIT"],
           "daemon_jvm_flags": os.environ["XC_FLAGS"],
           "note": "threads, RSS and HWM from /proc/PID/status of the daemon; *_kib in KiB; median over the runs",
           "median": median, "runs": rows}
with open(sys.argv[2], "w") as f:
    json.dump(summary, f, indent=1)
    f.write("\n")
print("%-14s %8s %8s %8s %8s   %s" % ("target", "mark", "threads", "RSS MiB", "HWM MiB", "fds"))
for name, m in median.items():
    for mark in marks:
        s = m[mark]
        print("%-14s %8s %8d %8.0f %8.0f   %d" % (name, mark, s["threads"], s["rss_kib"] / 1024, s["hwm_kib"] / 1024, s["fds"]))
    print("%-14s connected and served in %.2f s" % (name, m["connect_and_serve_s"]))
print("summary: " + os.path.relpath(sys.argv[2]))
EOF
